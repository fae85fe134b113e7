/* funding.c: the names of the fund rules' answers and the invariants of a
 * policy's `funding` section (FUNDS.md §1), which the loader establishes
 * and policy_invariant_error() re-checks. */
#include "core/funding.h"

#include <assert.h>
#include <stddef.h>

#include "core/money.h"

static const char *const funds_code_names[FUNDS_CODE_COUNT] = {
    "OK",          "E_POLICY",       "E_BAD_AMOUNT",
    "E_BAD_DATES", "E_CATEGORY",     "E_NOT_ENROLLED",
    "E_DUP_MONTH", "E_FUNDING_BASE", "E_ACCOUNT_SHORT",
    "E_BINDING",   "E_WINDOW",
};

const char *funds_code_name(enum funds_code code) {
    assert(funds_code_names[FUNDS_CODE_COUNT - 1] != NULL);
    if (code < 0 || code >= FUNDS_CODE_COUNT) return "?";
    return funds_code_names[code];
}

static bool ratio_ok(int32_t bp) { return bp >= 0 && bp <= RATIO_ONE_BP; }
static bool money_ok(int64_t fen) { return fen >= 0 && fen <= AMOUNT_FEN_MAX; }
static bool months_ok(int32_t n) { return n >= 0 && n <= FUNDING_MONTHS_MAX; }
static bool days_ok(int32_t n) { return n >= 0 && n <= FUNDING_DAYS_MAX; }

/* A month-day that exists in every year: 02-29 does not (§1). */
static bool month_day_ok(int32_t month, int32_t day) {
    static const int32_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    assert(days[1] == 28);
    return month >= 1 && month <= 12 && day >= 1 && day <= days[month - 1];
}

static const char *employee_error(const struct funding_employee *f) {
    assert(f != NULL);
    if (!money_ok(f->avg_wage_monthly_fen) || !money_ok(f->over_cap_premium_monthly_fen) ||
        !money_ok(f->retiree_account_monthly_fen))
        return "funding: money out of range";
    if (!ratio_ok(f->base_floor_bp) || f->base_ceiling_bp < f->base_floor_bp ||
        f->base_ceiling_bp > FUNDING_CEILING_MAX_BP)
        return "funding: base_floor/base_ceiling";
    if (!ratio_ok(f->employer_rate_bp) || !ratio_ok(f->employer_rate_reduced_bp) ||
        !ratio_ok(f->employee_rate_bp) || !ratio_ok(f->account_rate_bp) ||
        !ratio_ok(f->lump_rate_bp))
        return "funding: ratio out of range";
    if (f->has_flexible) {
        const struct funding_flexible *x = &f->flexible;
        if (x->base_count < 0 || x->base_count > FUNDING_BASES_MAX || !ratio_ok(x->rate_bp) ||
            !ratio_ok(x->account_rate_bp))
            return "funding.flexible";
        for (int32_t i = 0; i < x->base_count; i++)
            if (!ratio_ok(x->bases_bp[i])) return "funding.flexible.bases";
    }
    if (!months_ok(f->grace_months) || !months_ok(f->waiting_months) ||
        !months_ok(f->min_months_local))
        return "funding: month count out of range";
    if (f->min_months_total_count < 0 || f->min_months_total_count > FUNDING_GENDERS_MAX)
        return "funding.min_months_total";
    for (int32_t i = 0; i < f->min_months_total_count; i++)
        if (!months_ok(f->min_months_total[i].months) || f->min_months_total[i].gend[0] == '\0')
            return "funding.min_months_total";
    return NULL;
}

static const char *resident_error(const struct funding_resident *f) {
    assert(f != NULL);
    for (int c = 0; c < CATEGORY_COUNT; c++)
        if (f->has_premium[c] && !money_ok(f->premium_fen[c])) return "funding.premium";
    if (!money_ok(f->subsidy_fen) || !money_ok(f->catastrophic_share_fen))
        return "funding: money out of range";
    if (f->assistance_count < 0 || f->assistance_count > POLICY_PERSON_RULES_MAX)
        return "funding.premium_assistance";
    for (int32_t i = 0; i < f->assistance_count; i++)
        if (f->assistance[i].when_mask == 0 || !ratio_ok(f->assistance[i].ratio_bp))
            return "funding.premium_assistance";
    if (!month_day_ok(f->window_from_month, f->window_from_day) ||
        !month_day_ok(f->window_to_month, f->window_to_day))
        return "funding.window: not a day of every year";
    if (f->window_from_month * 100 + f->window_from_day >
        f->window_to_month * 100 + f->window_to_day)
        return "funding.window: from after to";
    if (!days_ok(f->waiting_days) || !days_ok(f->newborn_days))
        return "funding: day count out of range";
    return NULL;
}

const char *funding_invariant_error(const struct funding *funding, int32_t insutype) {
    assert(funding != NULL);
    assert(insutype == 310 || insutype == 390);
    return insutype == 310 ? employee_error(&funding->employee)
                           : resident_error(&funding->resident);
}
