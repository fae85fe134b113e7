/* contrib.c: employee contributions per month and resident premiums per
 * year (FUNDS.md §2, §3).
 *
 * Each share is mul(base, rate) rounded half-up to the fen on its own, and
 * the pool takes what is left, so the identities hold to the fen by
 * construction: employer + employee = pool + account (contributions),
 * pool + account = 0 (a retiree's allocation), and own + assisted +
 * subsidy = pool + catastrophic (residents). The asserts restate them. */
#include "core/contrib.h"

#include <assert.h>
#include <string.h>

#include "core/money.h"

static bool month_recorded(const struct employee_month_input *in) {
    assert(in->contributed_count >= 0 && in->contributed_count <= CONTRIBUTED_MAX);
    assert(in->contributed_count == 0 || in->contributed != NULL);
    for (int32_t i = 0; i < in->contributed_count; i++)
        if (in->contributed[i] == in->month) return true;
    return false;
}

static bool base_allowed(const struct funding_employee *f, const struct employee_month_input *in) {
    assert(f != NULL && in != NULL);
    if (!f->has_flexible || !in->base_share_exact) return false;
    for (int32_t i = 0; i < f->flexible.base_count; i++)
        if (f->flexible.bases_bp[i] == in->base_share_bp) return true;
    return false;
}

static void in_service(const struct funding_employee *f, int64_t wage_fen, bool struggling,
                       struct employee_month *out) {
    assert(f != NULL && wage_fen >= 0 && wage_fen <= AMOUNT_FEN_MAX);
    int64_t lo = money_mul_bp(f->avg_wage_monthly_fen, f->base_floor_bp);
    int64_t hi = money_mul_bp(f->avg_wage_monthly_fen, f->base_ceiling_bp);
    out->base_fen = money_min(money_max(wage_fen, lo), hi);
    out->employer_fen = money_mul_bp(out->base_fen, struggling ? f->employer_rate_reduced_bp
                                                               : f->employer_rate_bp);
    out->employee_fen = money_mul_bp(out->base_fen, f->employee_rate_bp);
    int64_t due = out->employer_fen + out->employee_fen;
    out->account_fen = money_min(money_mul_bp(out->base_fen, f->account_rate_bp), due);
    out->pool_fen = due - out->account_fen;
    out->over_cap_fen = f->over_cap_premium_monthly_fen;
    assert(out->pool_fen >= 0 &&
           out->employer_fen + out->employee_fen == out->pool_fen + out->account_fen);
}

static void flexible(const struct funding_employee *f, int32_t share_bp,
                     struct employee_month *out) {
    assert(f != NULL && f->has_flexible && share_bp >= 0 && share_bp <= RATIO_ONE_BP);
    out->base_fen = money_mul_bp(f->avg_wage_monthly_fen, share_bp);
    int64_t due = money_mul_bp(out->base_fen, f->flexible.rate_bp);
    out->account_fen = money_min(money_mul_bp(out->base_fen, f->flexible.account_rate_bp), due);
    out->pool_fen = due - out->account_fen;
    out->employer_fen = 0;
    out->employee_fen = due;
    out->over_cap_fen = f->over_cap_premium_monthly_fen;
    assert(out->pool_fen >= 0 && out->employee_fen == out->pool_fen + out->account_fen);
}

enum funds_code employee_month(const struct policy *policy, const struct employee_month_input *in,
                               struct employee_month *out) {
    assert(policy != NULL && in != NULL && out != NULL);
    assert(in->episode_count >= 0 && in->episode_count <= EPISODES_MAX);
    memset(out, 0, sizeof *out);
    if (!policy->has_funding || policy->insutype != INSUTYPE_EMPLOYEE) return FUNDS_E_POLICY;
    const struct funding_employee *f = &policy->funding.employee;
    if (in->status == EMPLOYEE_STATUS_OTHER) return FUNDS_E_CATEGORY;
    if (!enrolled_in(in->episodes, in->episode_count, policy, in->month))
        return FUNDS_E_NOT_ENROLLED;
    if (month_recorded(in)) return FUNDS_E_DUP_MONTH;
    switch (in->status) {
    case EMPLOYEE_FLEXIBLE:
        if (!base_allowed(f, in)) return FUNDS_E_FUNDING_BASE;
        flexible(f, in->base_share_bp, out);
        return FUNDS_OK;
    case EMPLOYEE_IN_SERVICE:
        if (!in->has_wage) return FUNDS_E_BAD_AMOUNT;
        in_service(f, in->wage_fen, in->struggling, out);
        return FUNDS_OK;
    case EMPLOYEE_RETIRED:
        out->account_fen = in->contribution_short ? 0 : f->retiree_account_monthly_fen;
        out->pool_fen = -out->account_fen;
        assert(out->pool_fen + out->account_fen == 0);
        return FUNDS_OK;
    case EMPLOYEE_STATUS_OTHER: break;
    }
    return FUNDS_E_CATEGORY;
}

enum funds_code resident_year(const struct policy *policy, enum category category, uint32_t flags,
                              struct resident_year *out) {
    assert(policy != NULL && out != NULL);
    assert(category <= CATEGORY_COUNT && (flags & ~(uint32_t)FLAG_ALL) == 0);
    memset(out, 0, sizeof *out);
    if (!policy->has_funding || policy->insutype != INSUTYPE_RESIDENT) return FUNDS_E_POLICY;
    const struct funding_resident *f = &policy->funding.resident;
    if (category >= CATEGORY_COUNT || !f->has_premium[category]) return FUNDS_E_CATEGORY;
    out->premium_fen = f->premium_fen[category];
    uint32_t mask = (1u << category) | (flags << CATEGORY_COUNT);
    for (int32_t i = 0; i < f->assistance_count; i++)
        if ((f->assistance[i].when_mask & mask) != 0) { /* the first match only */
            out->assisted_fen = money_mul_bp(out->premium_fen, f->assistance[i].ratio_bp);
            break;
        }
    out->own_fen = out->premium_fen - out->assisted_fen;
    out->subsidy_fen = f->subsidy_fen;
    out->catastrophic_fen = money_min(f->catastrophic_share_fen,
                                      out->premium_fen + out->subsidy_fen);
    out->pool_fen = out->premium_fen + out->subsidy_fen - out->catastrophic_fen;
    assert(out->own_fen >= 0 && out->pool_fen >= 0);
    assert(out->own_fen + out->assisted_fen + out->subsidy_fen ==
           out->pool_fen + out->catastrophic_fen);
    return FUNDS_OK;
}
