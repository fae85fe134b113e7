/* detect_restrict.c: the scan's kinds for the catalog's other restrictions
 * (detect.h, det_catalog_restricted; docs/SUPERVISION.md "The catalog's
 * other restrictions"). Settlement judges a bill's lines by the same rules
 * (core/rules.c) and, at the default warn severity, settles them flagged;
 * a bill settled before its store kept the restriction (a store migrated
 * from before schema version 21) or before the catalog restricted the
 * item is settled unflagged. The scan asks the rules again of every
 * settled bill, so both are found, with the same judgement the settlement
 * would make today: one rule engine, not a second reading of the catalog. */
#include "detect.h"

#include <assert.h>
#include <string.h>

/* The finding's kind of a rule type; DET_KIND_COUNT for gender and age
 * (det_restricted's) and the file's own types. */
static enum det_kind kind_of(enum rule_type type) {
    switch (type) {
    case RULE_LEVEL: return DET_LEVEL_RESTRICTED;
    case RULE_SETTING: return DET_SETTING_RESTRICTED;
    case RULE_UNITS_DAY: return DET_UNITS_DAY_RESTRICTED;
    case RULE_UNITS_BILL: return DET_UNITS_BILL_RESTRICTED;
    case RULE_INDICATION: return DET_INDICATION_RESTRICTED;
    case RULE_EXCLUSIVE: return DET_EXCLUSIVE_RESTRICTED;
    default: return DET_KIND_COUNT;
    }
}

static const char *rule_id_of(enum det_kind kind) {
    switch (kind) {
    case DET_LEVEL_RESTRICTED: return "RESTRICT-LEVEL";
    case DET_SETTING_RESTRICTED: return "RESTRICT-SETTING";
    case DET_UNITS_DAY_RESTRICTED: return "RESTRICT-UNITS-DAY";
    case DET_UNITS_BILL_RESTRICTED: return "RESTRICT-UNITS-BILL";
    case DET_INDICATION_RESTRICTED: return "RESTRICT-INDICATION";
    default: assert(kind == DET_EXCLUSIVE_RESTRICTED); return "RESTRICT-EXCLUSIVE";
    }
}

/* The rule's own figure, the finding's limit: the levels or settings
 * allowed (bits), the units allowed (x 1e4); 0 for indications and pairs. */
static int64_t limit_of(const struct rule *r) {
    assert(r != NULL);
    switch (r->type) {
    case RULE_LEVEL: return (int64_t)r->levels;
    case RULE_SETTING: return (int64_t)r->settings;
    case RULE_UNITS_DAY:
    case RULE_UNITS_BILL: return r->max_cnt_scaled;
    default: return 0;
    }
}

/* The detectors' bill as the rules read it (no copy of its lines: the
 * rules only read them, through a pointer the struct declares mutable). */
static void bill_of(const struct det_bill *d, struct bill *b) {
    assert(d != NULL && b != NULL && d->line_count >= 0);
    memset(b, 0, sizeof *b);
    size_t n = strlen(d->fixmedins_code);
    memcpy(b->fixmedins_code, d->fixmedins_code, n <= CODE_BYTES_MAX ? n : CODE_BYTES_MAX);
    n = strlen(d->dise_codg);
    memcpy(b->dise_codg, d->dise_codg, n <= CODE_BYTES_MAX ? n : CODE_BYTES_MAX);
    if (d->spec_dise_codg != NULL) {
        n = strlen(d->spec_dise_codg);
        memcpy(b->spec_dise_codg, d->spec_dise_codg, n <= CODE_BYTES_MAX ? n : CODE_BYTES_MAX);
    }
    b->med_type = d->med_type, b->dates_ok = true;
    b->begntime = d->begntime, b->endtime = d->endtime;
    b->line_count = d->line_count;
    b->lines = (struct bill_line *)(uintptr_t)d->lines;
}

/* Whether violations o and me are of one exclusive pair (either way
 * round: lines A, B, A complete the pair twice, once from each side). */
static bool same_pair(const struct bill *b, const struct rule_violation *o,
                      const struct rule_violation *me) {
    assert(b != NULL && o->other_line >= 0 && me->other_line >= 0);
    const char *x1 = b->lines[o->line].med_list_codg, *y1 = b->lines[o->other_line].med_list_codg;
    const char *x2 = b->lines[me->line].med_list_codg, *y2 = b->lines[me->other_line].med_list_codg;
    return (strcmp(x1, x2) == 0 && strcmp(y1, y2) == 0) ||
           (strcmp(x1, y2) == 0 && strcmp(y1, x2) == 0);
}

/* Whether violation k repeats an earlier one of the same kind and item (a
 * second line of the item) or, for a pair, of the same pair: its index,
 * or -1. Those already merged (rule -1) are passed over. */
static int32_t earlier_alike(const struct rule_set *rs, const struct bill *b,
                             const struct rule_violation *v, int32_t k) {
    assert(rs != NULL && b != NULL && v != NULL && k >= 0);
    const struct rule_violation *me = &v[k];
    enum det_kind kind = kind_of(rs->rules[me->rule].type);
    for (int32_t j = 0; j < k; j++) {
        const struct rule_violation *o = &v[j];
        if (o->rule < 0 || kind_of(rs->rules[o->rule].type) != kind) continue;
        if (kind == DET_EXCLUSIVE_RESTRICTED
                ? same_pair(b, o, me)
                : strcmp(b->lines[o->line].med_list_codg, b->lines[me->line].med_list_codg) == 0)
            return j;
    }
    return -1;
}

int det_catalog_restricted(const struct det_input *in, int32_t bill, enum level level,
                           const struct rule_set *rs, struct rule_violation *scratch, int32_t max,
                           int32_t *need, det_emit emit, void *ctx) {
    assert(in != NULL && bill >= 0 && bill < in->bill_count && rs != NULL && need != NULL);
    assert(emit != NULL && (scratch != NULL || max == 0));
    const struct det_person *p = in->person;
    struct bill b;
    bill_of(&in->bills[bill], &b);
    struct rule_subject subject = {p->gender,    p->birth_year, p->birth_month,
                                   p->birth_day, level,         &b};
    int32_t first_deny = -1;
    int32_t n = rules_eval(rs, &subject, scratch, max, &first_deny);
    *need = n;
    if (n > max) return 0;            /* none emitted: the caller grows scratch and asks again */
    for (int32_t k = 0; k < n; k++) { /* the repeats' amounts onto the first line */
        int32_t j = earlier_alike(rs, &b, scratch, k);
        if (j >= 0) scratch[j].amount_fen += scratch[k].amount_fen, scratch[k].rule = -1;
    }
    for (int32_t k = 0; k < n; k++) {
        const struct rule_violation *v = &scratch[k];
        enum det_kind kind = v->rule >= 0 ? kind_of(rs->rules[v->rule].type) : DET_KIND_COUNT;
        if (kind == DET_KIND_COUNT) continue;
        struct det_finding f = {kind,
                                bill,
                                -1,
                                v->line,
                                rule_id_of(kind),
                                10000,
                                v->value,
                                limit_of(&rs->rules[v->rule]),
                                v->amount_fen,
                                v->other_line};
        int rc = emit(ctx, &f);
        if (rc != 0) return rc;
    }
    return 0;
}
