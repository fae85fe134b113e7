/* payment.c: FUNDS.md §6 (the year-end settlement with each institution)
 * and §7 (monthly payment runs, the deposit released at year end).
 *
 * DIP points (§6c) are rationals: a case's points are points × N / avg_cost
 * with N = cost − avg_cost (high case), cost (low case) or avg_cost (normal
 * case), times the level coefficient. An institution's points are therefore
 * a sum over groups with different denominators; they are kept exactly as
 * numerators over the common denominator Π avg_cost (a big unsigned
 * integer, struct big), and the budget is shared by the largest remainder
 * method on those exact numerators. Nothing is rounded before the fen. */
#include "core/payment.h"

#include <assert.h>
#include <string.h>

#include "core/money.h"

#define MED_TYPE_GENERAL_OUTPATIENT "11"
#define MED_TYPE_INPATIENT "21"
#define DAY_SECONDS 86400

int32_t pay_longest_prefix(const char *code, const char *first, size_t stride, int32_t count) {
    int32_t best = -1;
    size_t best_len = 0;
    assert(code != NULL && (first != NULL || count == 0) && count >= 0);
    for (int32_t i = 0; i < count; i++) {
        const char *p = first + (size_t)i * stride;
        size_t len = strlen(p);
        if (strncmp(code, p, len) == 0 && (best < 0 || len > best_len)) {
            best = i;
            best_len = len;
        }
    }
    return best;
}

static bool counts(const struct pay_settlement *s) {
    assert(s != NULL);
    return !s->revoked;
}

static bool inpatient(const struct pay_settlement *s) {
    assert(s != NULL);
    return !s->revoked && strcmp(s->med_type, MED_TYPE_INPATIENT) == 0;
}

static int32_t quota_index(const struct pay_settlement *s, const struct pay_quotas *q) {
    assert(s != NULL && q != NULL && q->count <= PAY_QUOTAS_MAX);
    return pay_longest_prefix(s->dise_codg, q->quota[0].prefix, sizeof q->quota[0], q->count);
}

bool pay_is_quota_case(const struct pay_settlement *s, const struct pay_quotas *q, bool joined) {
    assert(s != NULL);
    return joined && q != NULL && inpatient(s) && quota_index(s, q) >= 0;
}

void quota_adjustment(const struct pay_quotas *q, bool joined, const struct pay_settlement *s,
                      int32_t n, struct quota_result *out) {
    assert(q != NULL && (s != NULL || n == 0) && out != NULL);
    memset(out, 0, sizeof *out);
    for (int32_t i = 0; i < n; i++) {
        if (!counts(&s[i])) continue;
        if (!pay_is_quota_case(&s[i], q, joined)) {
            out->f_rest_fen += s[i].hifp_pay;
            continue;
        }
        int64_t others = s[i].psn_part_amt + s[i].hifob_pay + s[i].hifmi_pay + s[i].maf_pay;
        int64_t quota_fund = money_max(0, q->quota[quota_index(&s[i], q)].quota_fen - others);
        out->cases++;
        out->quota_fund_fen += quota_fund;
        out->adjustment_fen += quota_fund - s[i].hifp_pay;
    }
    assert(out->cases <= n && out->quota_fund_fen >= 0);
}

void budget_settlement(const struct budget_terms *t, int64_t f_fen, struct budget_result *out) {
    assert(t != NULL && out != NULL && f_fen >= 0 && t->budget_fen >= 0);
    memset(out, 0, sizeof *out);
    out->f_fen = f_fen;
    if (f_fen <= t->budget_fen) {
        int64_t corridor = money_mul_bp(t->budget_fen, t->savings_corridor_bp);
        out->reward_fen = money_mul_bp(money_min(t->budget_fen - f_fen, corridor),
                                       t->savings_share_bp);
        out->due_fen = f_fen + out->reward_fen;
    } else {
        int64_t corridor = money_mul_bp(t->budget_fen, t->overspend_corridor_bp);
        out->shared_fen = money_mul_bp(money_min(f_fen - t->budget_fen, corridor),
                                       t->overspend_share_bp);
        out->due_fen = t->budget_fen + out->shared_fen;
    }
    out->adjustment_fen = out->due_fen - f_fen;
    assert(out->reward_fen == 0 || out->shared_fen == 0);
    assert(out->due_fen == f_fen + out->adjustment_fen);
}

/* ---- exact DIP arithmetic: unsigned integers of BIG_LIMBS 32-bit limbs ---- */

#define BIG_LIMBS 80 /* 2560 bits: Π of PAY_GROUPS_MAX avg_costs (< 2^40) and factors */

struct big {
    uint32_t limb[BIG_LIMBS]; /* little-endian */
};

static void big_set(struct big *a, uint64_t v) {
    assert(a != NULL);
    memset(a, 0, sizeof *a);
    a->limb[0] = (uint32_t)(v & 0xffffffffu);
    a->limb[1] = (uint32_t)(v >> 32);
}

static void big_mul_u32(struct big *a, uint32_t m) {
    uint64_t carry = 0;
    assert(a != NULL);
    for (int i = 0; i < BIG_LIMBS; i++) {
        uint64_t p = (uint64_t)a->limb[i] * m + carry;
        a->limb[i] = (uint32_t)(p & 0xffffffffu);
        carry = p >> 32;
    }
    assert(carry == 0); /* BIG_LIMBS bounds every product of this file */
}

static void big_mul(struct big *a, uint64_t m) {
    struct big high = *a;
    assert(a != NULL);
    big_mul_u32(a, (uint32_t)(m & 0xffffffffu));
    big_mul_u32(&high, (uint32_t)(m >> 32));
    assert(high.limb[BIG_LIMBS - 1] == 0);
    uint64_t carry = 0;
    for (int i = 1; i < BIG_LIMBS; i++) { /* a += high << 32 */
        uint64_t s = (uint64_t)a->limb[i] + high.limb[i - 1] + carry;
        a->limb[i] = (uint32_t)(s & 0xffffffffu);
        carry = s >> 32;
    }
    assert(carry == 0);
}

static void big_add(struct big *a, const struct big *b) {
    uint64_t carry = 0;
    assert(a != NULL && b != NULL);
    for (int i = 0; i < BIG_LIMBS; i++) {
        uint64_t s = (uint64_t)a->limb[i] + b->limb[i] + carry;
        a->limb[i] = (uint32_t)(s & 0xffffffffu);
        carry = s >> 32;
    }
    assert(carry == 0);
}

static int big_cmp(const struct big *a, const struct big *b) {
    assert(a != NULL && b != NULL);
    for (int i = BIG_LIMBS - 1; i >= 0; i--)
        if (a->limb[i] != b->limb[i]) return a->limb[i] < b->limb[i] ? -1 : 1;
    return 0;
}

/* a -= b, a >= b. */
static void big_sub(struct big *a, const struct big *b) {
    int64_t borrow = 0;
    assert(big_cmp(a, b) >= 0);
    for (int i = 0; i < BIG_LIMBS; i++) {
        int64_t d = (int64_t)a->limb[i] - (int64_t)b->limb[i] - borrow;
        borrow = d < 0;
        a->limb[i] = (uint32_t)(d + (borrow ? (int64_t)1 << 32 : 0));
    }
    assert(borrow == 0);
}

static bool big_zero(const struct big *a) {
    assert(a != NULL);
    for (int i = 0; i < BIG_LIMBS; i++)
        if (a->limb[i] != 0) return false;
    return true;
}

/* floor(budget × num / sum), num <= sum, sum > 0; the remainder
 * budget × num − q × sum into rem. By bisection: q is at most budget. */
static int64_t big_share(int64_t budget, const struct big *num, const struct big *sum,
                         struct big *rem) {
    struct big target = *num, t;
    int64_t lo = 0, hi = budget;
    assert(budget >= 0 && !big_zero(sum) && big_cmp(num, sum) <= 0);
    big_mul(&target, (uint64_t)budget);
    while (lo < hi) { /* the largest q with q × sum <= target */
        int64_t mid = lo + (hi - lo + 1) / 2;
        t = *sum;
        big_mul(&t, (uint64_t)mid);
        if (big_cmp(&t, &target) <= 0) lo = mid;
        else hi = mid - 1;
    }
    t = *sum;
    big_mul(&t, (uint64_t)lo);
    *rem = target;
    big_sub(rem, &t);
    return lo;
}

/* ---- §6c ---- */

static int32_t dip_group_of(const struct dip_region *r, const char *dise_codg, int32_t star) {
    int32_t best = -1;
    size_t best_len = 0;
    assert(r != NULL && dise_codg != NULL && star >= 0);
    for (int32_t g = 0; g < r->group_count; g++) {
        size_t len = strlen(r->groups[g].prefix);
        if (g == star || strncmp(dise_codg, r->groups[g].prefix, len) != 0) continue;
        if (best < 0 || len > best_len) best = g, best_len = len;
    }
    return best >= 0 ? best : star;
}

static int32_t dip_star(const struct dip_region *r) {
    assert(r != NULL && r->group_count <= PAY_GROUPS_MAX);
    for (int32_t g = 0; g < r->group_count; g++)
        if (strcmp(r->groups[g].prefix, "*") == 0) return g;
    return -1;
}

static int32_t dip_level(const struct dip_region *r, const char *level) {
    assert(r != NULL && level != NULL && r->level_count <= PAY_LEVELS_MAX);
    for (int32_t l = 0; l < r->level_count; l++)
        if (strcmp(r->levels[l].name, level) == 0) return l;
    return -1;
}

/* N of one case: its points are points × N / avg_cost (§6c). */
static int64_t dip_case_n(int64_t cost, int64_t avg) {
    assert(cost >= 0 && avg > 0);
    if (cost > 2 * avg) return cost - avg;
    if (2 * cost < avg) return cost;
    return avg;
}

/* The institution's points as a numerator over Π avg_cost (without the
 * scales of points and coefficients, common to all); its F. E_POLICY for
 * a case carrying points at a level without a coefficient. */
static enum funds_code dip_points(const struct dip_region *r, int32_t i, int32_t star,
                                  const struct big *cofactor, struct big *num, int64_t *f_fen) {
    int64_t n_of[PAY_GROUPS_MAX] = {0};
    const struct dip_institution *inst = &r->institutions[i];
    bool any = false;
    assert(star >= 0 && inst->first >= 0 && inst->count >= 0);
    *f_fen = 0;
    for (int32_t k = inst->first; k < inst->first + inst->count; k++) {
        const struct pay_settlement *s = &r->settlements[k];
        if (!inpatient(s) || pay_is_quota_case(s, r->quotas, inst->quota_joined)) continue;
        int32_t g = dip_group_of(r, s->dise_codg, star);
        n_of[g] += dip_case_n(s->medfee_sumamt, r->groups[g].avg_cost_fen);
        *f_fen += s->hifp_pay;
        any = true;
    }
    big_set(num, 0);
    int32_t level = dip_level(r, inst->level);
    if (any && level < 0) return FUNDS_E_POLICY;
    if (!any) return FUNDS_OK;
    for (int32_t g = 0; g < r->group_count; g++) {
        struct big term = cofactor[g];
        big_mul(&term, (uint64_t)r->groups[g].points);
        big_mul(&term, (uint64_t)n_of[g]);
        big_add(num, &term);
    }
    big_mul(num, (uint64_t)r->levels[level].coeff_bp);
    return FUNDS_OK;
}

/* cofactor[g] = Π avg_cost over the other groups. */
static void dip_cofactors(const struct dip_region *r, struct big *cofactor) {
    assert(r != NULL && cofactor != NULL);
    for (int32_t g = 0; g < r->group_count; g++) {
        big_set(&cofactor[g], 1);
        for (int32_t h = 0; h < r->group_count; h++)
            if (h != g) big_mul(&cofactor[g], (uint64_t)r->groups[h].avg_cost_fen);
    }
}

/* The largest remainder method: one fen each to the largest remainders,
 * ties to the smaller fixmedins_code (strcmp: code-point order). */
static void dip_leftover(const struct dip_region *r, const struct big *rem, int64_t left,
                         struct dip_due *out) {
    bool given[PAY_INSTITUTIONS_MAX] = {false};
    assert(left >= 0 && left < r->institution_count);
    for (int64_t k = 0; k < left; k++) {
        int32_t best = -1;
        for (int32_t i = 0; i < r->institution_count; i++) {
            if (given[i]) continue;
            int c = best < 0 ? 1 : big_cmp(&rem[i], &rem[best]);
            if (c > 0 || (c == 0 && strcmp(r->institutions[i].fixmedins_code,
                                           r->institutions[best].fixmedins_code) < 0))
                best = i;
        }
        assert(best >= 0);
        given[best] = true;
        out[best].due_fen++;
    }
}

enum funds_code dip_settlement(const struct dip_region *r, struct dip_due *out) {
    static const struct big zero_big;
    struct big cofactor[PAY_GROUPS_MAX], num[PAY_INSTITUTIONS_MAX], rem[PAY_INSTITUTIONS_MAX];
    struct big sum = zero_big;
    assert(r != NULL && out != NULL && r->institution_count <= PAY_INSTITUTIONS_MAX);
    int32_t star = dip_star(r);
    if (star < 0) return FUNDS_E_POLICY;
    dip_cofactors(r, cofactor);
    for (int32_t i = 0; i < r->institution_count; i++) {
        memset(&out[i], 0, sizeof out[i]);
        enum funds_code code = dip_points(r, i, star, cofactor, &num[i], &out[i].f_fen);
        if (code != FUNDS_OK) return code;
        big_add(&sum, &num[i]);
    }
    int64_t given = 0;
    for (int32_t i = 0; i < r->institution_count && !big_zero(&sum); i++) {
        out[i].due_fen = big_share(r->budget_fen, &num[i], &sum, &rem[i]);
        given += out[i].due_fen;
    }
    if (!big_zero(&sum)) dip_leftover(r, rem, r->budget_fen - given, out);
    int64_t total = 0;
    for (int32_t i = 0; i < r->institution_count; i++) {
        out[i].adjustment_fen = out[i].due_fen - out[i].f_fen;
        total += out[i].due_fen;
    }
    assert(total == (big_zero(&sum) ? 0 : r->budget_fen));
    return FUNDS_OK;
}

/* ---- §6d ---- */

static bool signed_on(const struct pay_signing *sg, const char *psn_no, datetime_s day) {
    assert(sg != NULL && psn_no != NULL);
    return strcmp(sg->psn_no, psn_no) == 0 && sg->from <= day && (sg->open || day <= sg->to);
}

/* Whether an earlier signing of the same person covers day too. */
static bool counted_before(const struct pay_signing *sg, int32_t i, datetime_s day) {
    assert(sg != NULL && i >= 0);
    for (int32_t j = 0; j < i; j++)
        if (signed_on(&sg[j], sg[i].psn_no, day)) return true;
    return false;
}

static bool signed_any(const struct pay_signing *sg, int32_t n, const char *psn_no,
                       datetime_s day) {
    assert(sg != NULL || n == 0);
    for (int32_t j = 0; j < n; j++)
        if (signed_on(&sg[j], psn_no, day)) return true;
    return false;
}

void capitation(int32_t year, int64_t rate_fen, const struct pay_signing *signed_, int32_t n_signed,
                const struct pay_settlement *s, int32_t n, struct capitation_result *out) {
    assert(out != NULL && rate_fen >= 0 && n_signed >= 0 && n >= 0);
    memset(out, 0, sizeof *out);
    for (int month = 1; month <= 12; month++) {
        datetime_s first = datetime_from_civil(year, month, 1, 0, 0, 0);
        for (int32_t i = 0; i < n_signed; i++)
            if (signed_on(&signed_[i], signed_[i].psn_no, first) &&
                !counted_before(signed_, i, first))
                out->months++;
    }
    for (int32_t k = 0; k < n; k++) {
        if (!counts(&s[k]) || strcmp(s[k].med_type, MED_TYPE_GENERAL_OUTPATIENT) != 0 ||
            datetime_year(s[k].setl_time) != year)
            continue;
        datetime_s day = s[k].setl_time - s[k].setl_time % DAY_SECONDS;
        if (signed_any(signed_, n_signed, s[k].psn_no, day)) out->covered_fen += s[k].hifp_pay;
    }
    out->capitation_fen = rate_fen * out->months;
    out->adjustment_fen = out->capitation_fen - out->covered_fen;
    assert(out->months <= 12LL * n_signed);
}

/* ---- §7 ---- */

void payment_run(month_index month, int32_t withhold_rate_bp, const struct pay_settlement *s,
                 int32_t n, struct payment_run_result *out) {
    assert(out != NULL && withhold_rate_bp >= 0 && withhold_rate_bp <= RATIO_ONE_BP);
    month_index next = month + 1;
    datetime_s from = datetime_from_civil(month_year(month), month_number(month), 1, 0, 0, 0);
    datetime_s to = datetime_from_civil(month_year(next), month_number(next), 1, 0, 0, 0);
    memset(out, 0, sizeof *out);
    for (int32_t k = 0; k < n; k++)
        if (counts(&s[k]) && s[k].setl_time >= from && s[k].setl_time < to)
            out->payable_fen += s[k].fund_pay_sumamt + s[k].acct_pay + s[k].acct_mulaid_pay;
    out->withhold_fen = money_mul_bp(out->payable_fen, withhold_rate_bp);
    out->paid_fen = out->payable_fen - out->withhold_fen;
    assert(out->withhold_fen <= out->payable_fen && out->paid_fen >= 0);
}

void year_end_payment(int64_t deposit_fen, int64_t sanctions_fen, int64_t adjustment_fen,
                      struct year_end_result *out) {
    assert(out != NULL && deposit_fen >= 0 && sanctions_fen >= 0);
    out->released_fen = money_max(0, deposit_fen - sanctions_fen);
    out->paid_fen = adjustment_fen + out->released_fen;
    assert(out->released_fen <= deposit_fen);
}
