/* settle.c: the settle engine. One bill in, the funds' shares out.
 *
 * Follows shared/spec/SETTLEMENT.md step by step; each step is a function
 * named after it. Pure: no I/O, no globals, no allocation. The explanation,
 * when asked for, records each figure with the inputs that produced it. */
#include "core/settle.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/benefit_years.h"
#include "core/money.h"

typedef __int128 wide_t; /* products of cnt (1e-4) and price (1e-6) */

#define WIDE_PER_FEN 100000000LL /* cnt * pric is in 1e-10 yuan */

/* Formats an explanation line only when one was asked for: formatting costs
 * more than settling, so the hot path must not evaluate the arguments. */
#define EXPLAIN(c, ...)                                          \
    do {                                                         \
        if ((c)->ex != NULL) explain_line((c)->ex, __VA_ARGS__); \
    } while (0)

struct ctx {
    const struct settle_input *in;
    struct settle_result *r;
    struct explain *ex;
    int disease;          /* index into policy->diseases for med_type 14 */
    int64_t eligible_fen; /* E */
    int64_t over_fen;     /* E_over */
};

static const char *const code_names[SETTLE_CODE_COUNT] = {
    "OK",
    "E_UNKNOWN_INSTITUTION",
    "E_MED_TYPE",
    "E_BAD_DATES",
    "E_POLICY_YEAR",
    "E_SCHEME",
    "E_CONTRIBUTION_SHORT",
    "E_EMPTY_BILL",
    "E_DISEASE",
    "E_DUP_LINE",
    "E_BAD_AMOUNT",
    "E_REVOKED",
    "E_NOT_SETTLED",
};

const char *settle_code_name(enum settle_code code) {
    assert(code >= SETTLE_OK && code < SETTLE_CODE_COUNT);
    return code_names[code];
}

enum settle_code settle_code_parse(const char *name) {
    for (int i = 0; i < SETTLE_CODE_COUNT; i++)
        if (strcmp(name, code_names[i]) == 0) return (enum settle_code)i;
    return SETTLE_CODE_COUNT;
}

/* Formats fen for the explanation; a small ring so that one explain_line
 * call can format several amounts. */
#define FEN_TEXTS 10 /* the most amounts one explanation line formats, plus room */
struct fen_texts {
    char buf[FEN_TEXTS][24];
    int next;
};
static const char *fen_text(struct fen_texts *t, int64_t fen) {
    char *b = t->buf[t->next++ % FEN_TEXTS];
    if (fen == INT64_MAX) return "unlimited";
    money_format(fen, b, 24);
    return b;
}
static const char *bp_text(struct fen_texts *t, int32_t bp) {
    char *b = t->buf[t->next++ % FEN_TEXTS];
    ratio_format(bp, b, 24);
    return b;
}

/* ---- Validation, in the order of the spec's table. ---- */

static bool line_sn_duplicated(const struct bill *bill, int32_t *bad) {
    uint16_t slots[BILL_LINES_MAX * 2];
    uint32_t slot_count = 32; /* a power of two at least twice the lines */
    while (slot_count < 2u * (uint32_t)bill->line_count) slot_count *= 2;
    assert(slot_count <= BILL_LINES_MAX * 2);
    const uint32_t mask = slot_count - 1;
    if (bill->line_count > 16) memset(slots, 0, slot_count * sizeof slots[0]);
    for (int32_t i = 0; i < bill->line_count; i++) {
        const struct bill_line *line = &bill->lines[i];
        *bad = i;
        if (!line->has_feedetl_sn || line->feedetl_sn[0] == '\0') return true;
        if (bill->line_count <= 16) {
            for (int32_t j = 0; j < i; j++)
                if (strcmp(bill->lines[j].feedetl_sn, line->feedetl_sn) == 0) return true;
            continue;
        }
        uint32_t at = (uint32_t)code_hash(line->feedetl_sn) & mask;
        for (; slots[at] != 0; at = (at + 1) & mask)
            if (strcmp(bill->lines[slots[at] - 1].feedetl_sn, line->feedetl_sn) == 0) return true;
        slots[at] = (uint16_t)(i + 1);
    }
    return false;
}

/* The field of a line's first bad number and, in *why, what is wrong. */
static const char *line_amount_error(const struct bill_line *line, const char **why) {
    *why = "is not a decimal number within its precision and range";
    if (!line->numbers_ok) return line->bad_field ? line->bad_field : "det_item_fee_sumamt";
    *why = "is not positive";
    if (line->cnt_scaled <= 0) return "cnt";
    *why = "is negative";
    if (line->pric_scaled < 0) return "pric";
    if (line->amount_fen < 0) return "det_item_fee_sumamt";
    wide_t product = (wide_t)line->cnt_scaled * line->pric_scaled;
    wide_t diff = product - (wide_t)line->amount_fen * WIDE_PER_FEN;
    if (diff < 0) diff = -diff;
    *why = "differs from cnt x pric by more than 0.01";
    if (diff > WIDE_PER_FEN) return "det_item_fee_sumamt";
    *why = NULL;
    return NULL;
}

static enum settle_code validate_amounts(const struct bill *bill, struct settle_result *r) {
    int64_t total_fen = 0;
    for (int32_t i = 0; i < bill->line_count; i++) {
        const char *why = NULL;
        const char *field = line_amount_error(&bill->lines[i], &why);
        if (field == NULL && (total_fen += bill->lines[i].amount_fen) > BILL_TOTAL_FEN_MAX)
            field = "det_item_fee_sumamt (bill total)", why = "exceeds the bill's limit";
        if (field != NULL) {
            r->error_line = i;
            r->error_field = field;
            r->error_reason = why;
            return E_BAD_AMOUNT;
        }
    }
    return SETTLE_OK;
}

/* The refusal: its field and what is wrong with it. */
static enum settle_code refuse(struct settle_result *r, enum settle_code code, const char *field,
                               const char *why) {
    assert(r != NULL && code != SETTLE_OK && field != NULL);
    r->error_field = field;
    r->error_reason = why;
    return code;
}

static enum settle_code validate(struct ctx *c) {
    const struct settle_input *in = c->in;
    const struct bill *bill = in->bill;
    struct settle_result *r = c->r;
    if (in->institution == NULL)
        return refuse(r, E_UNKNOWN_INSTITUTION, "fixmedins_code", "is no designated institution");
    bool at_pharmacy = in->institution->type == INSTITUTION_PHARMACY;
    if (bill->med_type == MED_TYPE_INVALID)
        return refuse(r, E_MED_TYPE, "med_type", "is not 11, 14, 21 or 41");
    if ((bill->med_type == MED_TYPE_PHARMACY) != at_pharmacy)
        return refuse(r, E_MED_TYPE, "med_type",
                      at_pharmacy ? "is not 41, the only one a pharmacy bills"
                                  : "is 41, which only a pharmacy bills");
    if (!bill->dates_ok)
        return refuse(r, E_BAD_DATES, "endtime", "or begntime is missing or not a date");
    if (bill->endtime < bill->begntime)
        return refuse(r, E_BAD_DATES, "endtime", "is before begntime");
    if (datetime_year(bill->endtime) != in->policy->year)
        return refuse(r, E_POLICY_YEAR, "endtime", "is not in the policy's year");
    if (in->person->insutype != in->policy->insutype)
        return refuse(r, E_SCHEME, "insutype", "is not the scheme of the policy");
    if ((in->person->flags & FLAG_CONTRIBUTION_SHORT) != 0)
        return refuse(r, E_CONTRIBUTION_SHORT, "psn_no",
                      "is a retiree short of the minimum contribution months (lump sum unpaid)");
    if (bill->line_count == 0) return refuse(r, E_EMPTY_BILL, "details", "has no lines");
    if (bill->med_type == MED_TYPE_SPECIAL_OUTPATIENT) {
        c->disease = policy_disease_index(in->policy, bill->spec_dise_codg);
        if (c->disease < 0)
            return refuse(r, E_DISEASE, "spec_dise_codg", "is no special disease of the policy");
    }
    int32_t bad = -1;
    if (line_sn_duplicated(bill, &bad)) {
        r->error_line = bad;
        const struct bill_line *l = &bill->lines[bad];
        return refuse(r, E_DUP_LINE, "feedetl_sn",
                      !l->has_feedetl_sn || l->feedetl_sn[0] == '\0' ? "is missing"
                                                                     : "repeats an earlier line's");
    }
    return validate_amounts(bill, r);
}

/* ---- Step 1: lines. ---- */

/* Why line i was split as it was: its class (or not in the catalog), the
 * part over its price cap, its pre-self-pay, what stays in scope. */
static void explain_line_split(struct ctx *c, int32_t i, const struct catalog_item *item,
                               const struct line_result *lr) {
    const struct bill_line *line = &c->in->bill->lines[i];
    struct fen_texts t = {0};
    char pric[40], cap[40], head[2 * CODE_BYTES_MAX + 80];
    assert(c->ex != NULL && lr != NULL);
    int n = snprintf(head, sizeof head, "line %d: feedetl_sn '%s', %s, %s", (int)i + 1,
                     line->feedetl_sn, line->med_list_codg, fen_text(&t, line->amount_fen));
    assert(n > 0 && (size_t)n < sizeof head);
    if (item == NULL) {
        EXPLAIN(c, "%s: not in the catalog: self-pay %s", head,
                fen_text(&t, lr->fulamt_ownpay_fen));
        return;
    }
    if (lr->item_class == CLASS_C) {
        EXPLAIN(c, "%s: class C: self-pay %s", head, fen_text(&t, lr->fulamt_ownpay_fen));
        return;
    }
    char over[200] = "";
    if (lr->overlmt_fen > 0) {
        scaled_format(line->pric_scaled, 6, pric, sizeof pric);
        scaled_format(item->cap_price_scaled, 6, cap, sizeof cap);
        snprintf(over, sizeof over, ", price %s above its cap %s: %s over the cap", pric, cap,
                 fen_text(&t, lr->overlmt_fen));
    }
    if (lr->item_class == CLASS_B)
        EXPLAIN(c, "%s: class B%s, pre-self-pay %s: %s; in scope %s", head, over,
                bp_text(&t, lr->selfpay_prop_bp), fen_text(&t, lr->preselfpay_fen),
                fen_text(&t, lr->inscp_fen));
    else EXPLAIN(c, "%s: class A%s; in scope %s", head, over, fen_text(&t, lr->inscp_fen));
}

static void step_lines(struct ctx *c, struct line_result *out) {
    const struct bill *bill = c->in->bill;
    struct setlinfo *s = &c->r->setl;
    for (int32_t i = 0; i < bill->line_count; i++) {
        const struct bill_line *line = &bill->lines[i];
        const struct catalog_item *item = catalog_find(c->in->catalog, line->med_list_codg);
        enum item_class item_class = item ? item->item_class : CLASS_C;
        struct line_result lr = {.item_class = (int32_t)item_class,
                                 .cap_price_scaled = item ? item->cap_price_scaled : -1};
        int64_t a = line->amount_fen;
        s->medfee_sumamt += a;
        if (lr.item_class == CLASS_C) {
            lr.fulamt_ownpay_fen = a;
            lr.selfpay_prop_bp = RATIO_ONE_BP;
        } else {
            if (item->cap_price_scaled >= 0 && line->pric_scaled > item->cap_price_scaled) {
                wide_t over = (wide_t)line->cnt_scaled *
                              (line->pric_scaled - item->cap_price_scaled);
                int64_t over_fen = (int64_t)((over + WIDE_PER_FEN / 2) / WIDE_PER_FEN);
                lr.overlmt_fen = money_min(a, over_fen);
                a -= lr.overlmt_fen;
            }
            if (lr.item_class == CLASS_B) {
                lr.selfpay_prop_bp = item->prepay_bp >= 0 ? item->prepay_bp
                                                          : c->in->policy->class_b_prepay_bp;
                lr.preselfpay_fen = money_mul_bp(a, lr.selfpay_prop_bp);
            }
            lr.inscp_fen = a - lr.preselfpay_fen;
        }
        s->fulamt_ownpay_amt += lr.fulamt_ownpay_fen;
        s->overlmt_selfpay += lr.overlmt_fen;
        s->preselfpay_amt += lr.preselfpay_fen;
        s->inscp_scp_amt += lr.inscp_fen;
        if (c->ex != NULL) explain_line_split(c, i, item, &lr);
        if (out != NULL) out[i] = lr;
    }
    assert(s->medfee_sumamt ==
           s->fulamt_ownpay_amt + s->overlmt_selfpay + s->preselfpay_amt + s->inscp_scp_amt);
    struct fen_texts t = {0};
    EXPLAIN(c,
            "lines: total %s = self-pay (class C) %s + over price cap %s + "
            "class B pre-self-pay %s + in scope %s",
            fen_text(&t, s->medfee_sumamt), fen_text(&t, s->fulamt_ownpay_amt),
            fen_text(&t, s->overlmt_selfpay), fen_text(&t, s->preselfpay_amt),
            fen_text(&t, s->inscp_scp_amt));
}

/* ---- Step 2: is anything pooled? ---- */

static bool step_pooled(struct ctx *c) {
    const struct settle_input *in = c->in;
    const char *why = NULL;
    if (in->bill->med_type == MED_TYPE_PHARMACY) why = "pharmacy purchase";
    else if (in->bill->endtime < benefit_start_at(in->person->benefit_start,
                                                  in->person->benefit_years, in->bill->endtime))
        why = "before benefits start (waiting period)";
    else if (in->bill->med_type == MED_TYPE_GENERAL_OUTPATIENT &&
             (in->policy->general_levels_mask & (1u << in->institution->level)) == 0)
        why = "general outpatient not pooled at this level";
    if (why != NULL) EXPLAIN(c, "pooled: no (%s): no fund pays", why);
    return why == NULL;
}

/* ---- Step 3: deductible. ---- */

static int64_t inpatient_deductible(struct ctx *c) {
    const struct policy *p = c->in->policy;
    enum level level = c->in->institution->level;
    struct fen_texts t = {0};
    const struct bill *bill = c->in->bill;
    int64_t d = p->inpatient_deductible_fen[level];
    EXPLAIN(c, "deductible: %s %s", level_name(level), fen_text(&t, d));
    /* a continued stay was counted by its first part: the admissions
     * before it are one fewer than the state's */
    int32_t admissions_before = c->in->state->admissions - (bill->admission_continued ? 1 : 0);
    if (admissions_before >= 1) {
        int64_t before = d;
        d = money_mul_bp(d, p->repeat_admission_deductible_bp);
        EXPLAIN(c, "deductible: %s x repeat-admission %s = %s", fen_text(&t, before),
                bp_text(&t, p->repeat_admission_deductible_bp), fen_text(&t, d));
    }
    uint32_t mask = person_match_mask(c->in->person);
    for (int i = 0; i < p->person_rule_count; i++) {
        const struct person_rule *rule = &p->person_rules[i];
        if ((rule->when_mask & mask) == 0 || !rule->has_deductible_factor) continue;
        int64_t before = d;
        d = money_mul_bp(d, rule->deductible_factor_bp);
        EXPLAIN(c, "deductible: %s x person rule %d factor %s = %s", fen_text(&t, before), i,
                bp_text(&t, rule->deductible_factor_bp), fen_text(&t, d));
    }
    for (int i = 0; i < p->waived_dx_count; i++) {
        if (strncmp(c->in->bill->dise_codg, p->waived_dx[i], strlen(p->waived_dx[i])) != 0)
            continue;
        EXPLAIN(c, "deductible: waived for diagnosis %s (prefix %s)", c->in->bill->dise_codg,
                p->waived_dx[i]);
        d = 0;
        break;
    }
    if (bill->admission_continued) {
        assert(bill->admission_dedc_paid_fen >= 0);
        int64_t due = d;
        d = money_room(due, bill->admission_dedc_paid_fen);
        EXPLAIN(c,
                "deductible: a later part of a stay settled in parts: %s less %s its earlier"
                " parts paid = %s; the admission is not counted again",
                fen_text(&t, due), fen_text(&t, bill->admission_dedc_paid_fen), fen_text(&t, d));
        return d;
    }
    c->r->delta.admissions = 1;
    return d;
}

static void step_deductible(struct ctx *c) {
    const struct policy *p = c->in->policy;
    const struct year_state *st = c->in->state;
    struct settle_result *r = c->r;
    int64_t inscp = r->setl.inscp_scp_amt;
    struct fen_texts t = {0};
    switch (c->in->bill->med_type) {
    case MED_TYPE_INPATIENT:
        r->setl.act_pay_dedc = money_min(inscp, inpatient_deductible(c));
        break;
    case MED_TYPE_SPECIAL_OUTPATIENT:
        r->setl.act_pay_dedc = money_min(
            inscp, money_room(p->special_annual_deductible_fen, st->special_ded_used_fen));
        r->delta.special_ded_used_fen = r->setl.act_pay_dedc;
        break;
    default:
        assert(c->in->bill->med_type == MED_TYPE_GENERAL_OUTPATIENT);
        r->setl.act_pay_dedc = money_min(
            inscp, money_room(p->general_annual_deductible_fen, st->general_ded_used_fen));
        r->delta.general_ded_used_fen = r->setl.act_pay_dedc;
        break;
    }
    c->eligible_fen = inscp - r->setl.act_pay_dedc;
    EXPLAIN(c, "deductible paid: %s; eligible = in scope %s - %s = %s",
            fen_text(&t, r->setl.act_pay_dedc), fen_text(&t, inscp),
            fen_text(&t, r->setl.act_pay_dedc), fen_text(&t, c->eligible_fen));
}

/* ---- Step 4: basic pooled fund. ---- */

static int32_t inpatient_ratio(struct ctx *c) {
    const struct policy *p = c->in->policy;
    enum level level = c->in->institution->level;
    int32_t r = p->inpatient_ratio_bp[level];
    uint32_t mask = person_match_mask(c->in->person);
    struct fen_texts t = {0};
    EXPLAIN(c, "ratio: %s %s", level_name(level), bp_text(&t, r));
    for (int i = 0; i < p->person_rule_count; i++) {
        const struct person_rule *rule = &p->person_rules[i];
        if ((rule->when_mask & mask) == 0) continue;
        if (rule->has_ratio[level]) r = rule->ratio_bp[level];
        if (rule->has_ratio_add[level]) r += rule->ratio_add_bp[level];
        if (r > RATIO_ONE_BP) r = RATIO_ONE_BP;
        if (rule->has_ratio[level] || rule->has_ratio_add[level])
            EXPLAIN(c, "ratio: person rule %d gives %s", i, bp_text(&t, r));
    }
    return r;
}

static int32_t basic_ratio(struct ctx *c) {
    const struct policy *p = c->in->policy;
    const struct bill *bill = c->in->bill;
    int32_t r;
    if (bill->med_type == MED_TYPE_GENERAL_OUTPATIENT) r = p->general_ratio_bp;
    else if (bill->med_type == MED_TYPE_SPECIAL_OUTPATIENT && p->special_has_ratio)
        r = p->special_ratio_bp;
    else r = inpatient_ratio(c);
    if (bill->out_of_area && !bill->filed) {
        r = r > p->out_of_area_unfiled_ratio_cut_bp ? r - p->out_of_area_unfiled_ratio_cut_bp : 0;
        EXPLAIN(c, "ratio: out of area and not filed: cut by %d bp",
                p->out_of_area_unfiled_ratio_cut_bp);
    }
    assert(r >= 0 && r <= RATIO_ONE_BP);
    return r;
}

static void step_basic(struct ctx *c) {
    const struct policy *p = c->in->policy;
    const struct year_state *st = c->in->state;
    struct settle_result *r = c->r;
    enum med_type med_type = c->in->bill->med_type;
    int32_t ratio = basic_ratio(c);
    int64_t room, disease_room = INT64_MAX;
    if (med_type == MED_TYPE_GENERAL_OUTPATIENT) {
        room = money_room(p->general_annual_cap_fen, st->general_paid_fen);
    } else {
        room = money_room(p->basic_annual_cap_fen, st->basic_paid_fen);
        if (med_type == MED_TYPE_SPECIAL_OUTPATIENT)
            disease_room = money_room(p->diseases[c->disease].annual_cap_fen,
                                      st->special_paid_fen[c->disease]);
    }
    bool disease_stops = disease_room < room;
    int64_t cap = money_min(room, disease_room);
    int64_t raw = money_mul_bp(c->eligible_fen, ratio);
    int64_t pay = money_min(raw, cap);
    int64_t used = pay == raw ? c->eligible_fen
                              : money_min(c->eligible_fen, money_div_bp(pay, ratio));
    c->over_fen = disease_stops ? 0 : c->eligible_fen - used;
    r->setl.hifp_pay = pay;
    r->pool_ratio_bp = ratio;
    r->rooms.hifp_room_fen = cap;
    if (med_type == MED_TYPE_GENERAL_OUTPATIENT) r->delta.general_paid_fen = pay;
    else r->delta.basic_paid_fen = pay;
    if (med_type == MED_TYPE_SPECIAL_OUTPATIENT) r->delta.special_paid_fen[c->disease] = pay;
    struct fen_texts t = {0};
    EXPLAIN(c, "basic: %s x %s = %s, capped at %s left%s = %s; above the cap %s",
            bp_text(&t, ratio), fen_text(&t, c->eligible_fen), fen_text(&t, raw), fen_text(&t, cap),
            disease_stops ? " (disease cap)" : "", fen_text(&t, pay), fen_text(&t, c->over_fen));
}

/* ---- Step 5a: large-amount layer. ---- */

static void step_over_cap(struct ctx *c) {
    const struct policy *p = c->in->policy;
    if (!p->has_over_cap) return;
    int64_t room = money_room(p->over_cap_annual_cap_fen, c->in->state->over_cap_paid_fen);
    int64_t raw = money_mul_bp(c->over_fen, p->over_cap_ratio_bp);
    c->r->setl.hifob_pay = money_min(raw, room);
    c->r->rooms.hifob_room_fen = room;
    c->r->delta.over_cap_paid_fen = c->r->setl.hifob_pay;
    struct fen_texts t = {0};
    EXPLAIN(c, "large-amount: %s x %s = %s, capped at %s left = %s",
            bp_text(&t, p->over_cap_ratio_bp), fen_text(&t, c->over_fen), fen_text(&t, raw),
            fen_text(&t, room), fen_text(&t, c->r->setl.hifob_pay));
}

/* ---- Step 5b: catastrophic layer. ---- */

static void catastrophic_terms_for(struct ctx *c, struct catastrophic_terms *terms) {
    const struct policy *p = c->in->policy;
    uint32_t mask = person_match_mask(c->in->person);
    *terms = p->catastrophic;
    for (int i = 0; i < p->catastrophic_rule_count; i++) {
        const struct catastrophic_rule *rule = &p->catastrophic_rules[i];
        if ((rule->when_mask & mask) == 0) continue;
        if (rule->has_threshold_factor)
            terms->threshold_fen = money_mul_bp(terms->threshold_fen, rule->threshold_factor_bp);
        if (rule->has_bands) {
            terms->band_count = rule->band_count;
            memcpy(terms->bands, rule->bands, sizeof terms->bands);
        }
        if (rule->has_annual_cap) terms->annual_cap_fen = rule->annual_cap_fen;
        EXPLAIN(c, "catastrophic: person rule %d applies", i);
        return; /* only the first matching rule */
    }
}

static void step_catastrophic(struct ctx *c) {
    const struct policy *p = c->in->policy;
    struct settle_result *r = c->r;
    if (!p->has_catastrophic) return;
    struct catastrophic_terms terms;
    catastrophic_terms_for(c, &terms);
    int64_t burden = r->setl.inscp_scp_amt - r->setl.hifp_pay - r->setl.hifob_pay;
    assert(burden >= 0);
    int64_t before = c->in->state->cat_burden_fen, T = terms.threshold_fen;
    int64_t lo = money_max(before, T) - T, hi = money_max(before + burden, T) - T;
    int64_t sum_fen_bp = 0, start = 0;
    for (int32_t i = 0; i < terms.band_count && start < hi; i++) {
        int64_t end = terms.bands[i].upto_fen == CAP_NONE ? INT64_MAX : terms.bands[i].upto_fen;
        int64_t overlap = money_min(hi, end) - money_max(lo, start);
        if (overlap > 0) sum_fen_bp += overlap * terms.bands[i].ratio_bp;
        start = end;
    }
    int64_t raw = (sum_fen_bp + RATIO_ONE_BP / 2) / RATIO_ONE_BP;
    int64_t room = money_room(terms.annual_cap_fen, c->in->state->cat_paid_fen);
    r->setl.hifmi_pay = money_min(raw, room);
    r->rooms.hifmi_room_fen = room;
    r->delta.cat_burden_fen = burden;
    r->delta.cat_paid_fen = r->setl.hifmi_pay;
    struct fen_texts t = {0};
    EXPLAIN(c,
            "catastrophic: burden %s on top of %s, threshold %s: [%s, %s) above it "
            "pays %s, capped at %s left = %s",
            fen_text(&t, burden), fen_text(&t, before), fen_text(&t, T), fen_text(&t, lo),
            fen_text(&t, hi), fen_text(&t, raw), fen_text(&t, room),
            fen_text(&t, r->setl.hifmi_pay));
}

/* ---- Step 5c: medical assistance. ---- */

static void step_assistance(struct ctx *c) {
    const struct policy *p = c->in->policy;
    struct settle_result *r = c->r;
    uint32_t mask = person_match_mask(c->in->person);
    for (int i = 0; i < p->assistance_count; i++) {
        const struct assistance_rule *rule = &p->assistance[i];
        if ((rule->when_mask & mask) == 0) continue;
        int64_t rest = r->setl.inscp_scp_amt - r->setl.hifp_pay - r->setl.hifob_pay -
                       r->setl.hifmi_pay;
        assert(rest >= 0);
        int64_t raw = money_mul_bp(rest, rule->ratio_bp);
        int64_t room = money_room(rule->annual_cap_fen, c->in->state->maf_paid_fen);
        r->setl.maf_pay = money_min(raw, room);
        r->rooms.maf_room_fen = room;
        r->delta.maf_paid_fen = r->setl.maf_pay;
        struct fen_texts t = {0};
        EXPLAIN(c, "assistance: rule %d: %s x %s = %s, capped at %s left = %s", i,
                bp_text(&t, rule->ratio_bp), fen_text(&t, rest), fen_text(&t, raw),
                fen_text(&t, room), fen_text(&t, r->setl.maf_pay));
        return;
    }
}

#ifdef YIBAO_TEST_EXTRA_FUND
/* The test-only fund layer (FUND_LAYERS in settle.h): pays 1% of what the
 * other funds left of the in-scope amount, without a cap, and accrues it. */
#define TEST_LAYER_RATIO_BP 100
static void step_test_layer(struct ctx *c) {
    struct settle_result *r = c->r;
    int64_t rest = r->setl.inscp_scp_amt - r->setl.hifp_pay - r->setl.hifob_pay -
                   r->setl.hifmi_pay - r->setl.maf_pay;
    assert(rest >= 0);
    r->setl.xtf_pay = money_mul_bp(rest, TEST_LAYER_RATIO_BP);
    r->rooms.xtf_room_fen = INT64_MAX;
    r->delta.xtf_paid_fen = r->setl.xtf_pay;
    assert(r->setl.xtf_pay >= 0 && r->setl.xtf_pay <= rest);
    struct fen_texts t = {0};
    EXPLAIN(c, "test layer: %s x %s = %s", bp_text(&t, TEST_LAYER_RATIO_BP), fen_text(&t, rest),
            fen_text(&t, r->setl.xtf_pay));
}
#endif

/* ---- Steps 6 and 7: totals, personal account and cash. ---- */

/* What all the fund layers of FUND_LAYERS pay (fund_pay_sumamt). */
static int64_t funds_total(const struct setlinfo *s) {
#define FUND_PLUS_(setl, fund, ...) +(setl)->fund##_pay
    return 0 FUND_LAYERS(FUND_PLUS_, s);
#undef FUND_PLUS_
}

#define EXPLAIN_FUNDS_BYTES 512 /* "funds: basic 1.00 + ... = 4.00" */
static void explain_funds(struct ctx *c, const struct setlinfo *s) {
    char text[EXPLAIN_FUNDS_BYTES];
    size_t len = 0;
    struct fen_texts t = {0};
    for (int i = 0; i < FUND_LAYER_COUNT && len < sizeof text; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%s%s %s", i ? " + " : "",
                                fund_layer((enum fund_layer_id)i)->label,
                                fen_text(&t, fund_layer_pay(s, (enum fund_layer_id)i)));
    assert(len > 0);
    EXPLAIN(c, "funds: %s = %s", text, fen_text(&t, s->fund_pay_sumamt));
}

static void step_totals_and_account(struct ctx *c) {
    const struct policy *p = c->in->policy;
    struct setlinfo *s = &c->r->setl;
    s->fund_pay_sumamt = funds_total(s);
    if (c->ex != NULL) explain_funds(c, s);
    s->psn_part_amt = s->medfee_sumamt - s->fund_pay_sumamt;
    int64_t balance = c->in->state->acct_balc_fen;
    if (p->has_personal_account && c->in->bill->acct_used) {
        int64_t may = p->account_covers == ACCOUNT_COVERS_ALL
                          ? s->psn_part_amt
                          : s->psn_part_amt - s->fulamt_ownpay_amt - s->overlmt_selfpay;
        assert(may >= 0);
        s->acct_pay = money_min(balance, may);
        struct fen_texts t = {0};
        EXPLAIN(c, "account: may pay %s (%s), balance %s: pays %s", fen_text(&t, may),
                p->account_covers == ACCOUNT_COVERS_ALL ? "all" : "in scope", fen_text(&t, balance),
                fen_text(&t, s->acct_pay));
    }
    s->psn_cash_pay = s->psn_part_amt - s->acct_pay;
    s->balc = balance - s->acct_pay;
    c->r->delta.acct_balc_fen = -s->acct_pay;
}

/* ---- Step 7b: family sharing (FUNDS.md §5). ---- */

/* The holders whose binding is valid at the bill's end and whose policy
 * shares, earliest `from` first; equal `from`: the binding made first (the
 * input's order, kept by a stable insertion). Returns how many. */
static int32_t paying_holders(const struct settle_input *in, int32_t order[SETTLE_HOLDERS_MAX]) {
    int32_t n = 0;
    assert(in->holder_count >= 0 && in->holder_count <= SETTLE_HOLDERS_MAX);
    for (int32_t i = 0; i < in->holder_count; i++) {
        const struct settle_holder *h = &in->holders[i];
        if (!h->shares || !binding_valid_at(&h->binding, in->bill->endtime)) continue;
        int32_t at = n++;
        while (at > 0 && in->holders[order[at - 1]].binding.from > h->binding.from) {
            order[at] = order[at - 1];
            at--;
        }
        order[at] = i;
    }
    return n;
}

static void step_family(struct ctx *c) {
    const struct settle_input *in = c->in;
    struct settle_result *r = c->r;
    struct setlinfo *s = &r->setl;
    int32_t order[SETTLE_HOLDERS_MAX];
    if (!in->bill->acct_used || in->holder_count == 0) return;
    int32_t n = paying_holders(in, order);
    int64_t rest = s->psn_part_amt - s->acct_pay; /* the member's whole own share */
    struct fen_texts t = {0};
    for (int32_t k = 0; k < n && rest > 0; k++) {
        const struct settle_holder *h = &in->holders[order[k]];
        assert(h->acct_balc_fen >= 0);
        int64_t pay = money_min(h->acct_balc_fen, rest);
        r->holder_pay_fen[order[k]] = pay;
        s->acct_mulaid_pay += pay;
        rest -= pay;
        EXPLAIN(c, "family account: holder %s (%s), balance %s: pays %s",
                h->binding.holder_psn_no ? h->binding.holder_psn_no : "?",
                relation_name(h->binding.relation), fen_text(&t, h->acct_balc_fen),
                fen_text(&t, pay));
    }
    assert(rest >= 0 && s->acct_mulaid_pay + rest == s->psn_part_amt - s->acct_pay);
    s->psn_cash_pay = rest;
}

static void assert_identities(const struct setlinfo *s) {
    assert(s->medfee_sumamt ==
           s->fulamt_ownpay_amt + s->overlmt_selfpay + s->preselfpay_amt + s->inscp_scp_amt);
    assert(s->medfee_sumamt == s->fund_pay_sumamt + s->psn_part_amt);
    assert(s->psn_part_amt == s->acct_pay + s->acct_mulaid_pay + s->psn_cash_pay);
    assert(s->fund_pay_sumamt == funds_total(s));
    assert(s->fund_pay_sumamt <= s->inscp_scp_amt);
    /* Every figure, by name, is >= 0. */
#define FIGURE_NONNEG_(setl, name, kind) assert((setl)->name >= 0);
    SETLINFO_FIELDS(FIGURE_NONNEG_, s)
#undef FIGURE_NONNEG_
}

enum settle_code settle(const struct settle_input *input, struct settle_result *result,
                        struct line_result *line_results, struct explain *explain) {
    assert(input->policy && input->catalog && input->person && input->state && input->bill);
    assert(input->bill->line_count >= 0 && input->bill->line_count <= BILL_LINES_MAX);
    assert(input->state->year == input->policy->year);
    memset(result, 0, sizeof *result);
    result->error_line = -1;
    result->delta.year = input->state->year;
    struct ctx c = {.in = input, .r = result, .ex = explain, .disease = -1};
    enum settle_code code = validate(&c);
    if (code != SETTLE_OK) {
        int32_t line = result->error_line;
        const char *field = result->error_field, *why = result->error_reason;
        memset(result, 0, sizeof *result);
        result->delta.year = input->state->year;
        result->error_line = line;
        result->error_field = field;
        result->error_reason = why;
        return result->code = code;
    }
    result->error_field = NULL;
    step_lines(&c, line_results);
    if (step_pooled(&c)) {
        step_deductible(&c);
        step_basic(&c);
        if (input->bill->med_type != MED_TYPE_GENERAL_OUTPATIENT) {
            step_over_cap(&c);
            step_catastrophic(&c);
            step_assistance(&c);
        }
#ifdef YIBAO_TEST_EXTRA_FUND
        step_test_layer(&c);
#endif
    }
    step_totals_and_account(&c);
    step_family(&c);
    assert_identities(&result->setl);
#ifndef NDEBUG
    int64_t holders_fen = 0;
    for (int32_t i = 0; i < input->holder_count; i++) {
        assert(result->holder_pay_fen[i] >= 0 &&
               result->holder_pay_fen[i] <= input->holders[i].acct_balc_fen);
        holders_fen += result->holder_pay_fen[i];
    }
    assert(holders_fen == result->setl.acct_mulaid_pay);
#endif
    return result->code = SETTLE_OK;
}
