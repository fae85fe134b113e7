/* enrol.c: enrolment episodes, benefit start and the retirement check
 * (FUNDS.md §4).
 *
 * Why months as integers: the spec counts coverage, gaps and waiting
 * periods in whole months, and "month m + 1 + waiting_months" crosses
 * years; one integer per month makes all of it plain arithmetic. The
 * retirement check counts each month once however many episodes cover
 * it, so episodes are merged as sorted intervals, not summed. */
#include "core/enrol.h"

#include <assert.h>
#include <string.h>

#include "core/money.h"

#define DAY_SECONDS 86400

static bool month_ok(month_index m) {
    assert(MONTH_YEAR_MIN < MONTH_YEAR_MAX);
    return m >= month_of(MONTH_YEAR_MIN, 1) && m <= month_of(MONTH_YEAR_MAX, 12);
}

static bool employee_policy(const struct policy *policy) {
    assert(policy != NULL);
    return policy->has_funding && policy->insutype == INSUTYPE_EMPLOYEE;
}

static bool resident_policy(const struct policy *policy) {
    assert(policy != NULL);
    return policy->has_funding && policy->insutype == INSUTYPE_RESIDENT;
}

bool episode_of_policy(const struct episode *episode, const struct policy *policy) {
    assert(episode != NULL && policy != NULL);
    assert(episode->open || episode->from_month <= episode->to_month);
    return episode->insutype == policy->insutype && strcmp(episode->region, policy->region) == 0;
}

bool enrolled_in(const struct episode *episodes, int32_t count, const struct policy *policy,
                 month_index month) {
    assert(count >= 0 && count <= EPISODES_MAX);
    assert(count == 0 || episodes != NULL);
    for (int32_t i = 0; i < count; i++) {
        const struct episode *e = &episodes[i];
        if (episode_of_policy(e, policy) && e->from_month <= month &&
            (e->open || month <= e->to_month))
            return true;
    }
    return false;
}

static datetime_s first_day(month_index m) {
    assert(m >= 0);
    return datetime_from_civil(month_year(m), month_number(m), 1, 0, 0, 0);
}

enum funds_code benefit_start_employee(const struct policy *policy, month_index first_month,
                                       const struct episode *episodes, int32_t count,
                                       struct benefit_start_employee *out) {
    assert(out != NULL && month_ok(first_month));
    assert(count >= 0 && count <= EPISODES_MAX);
    memset(out, 0, sizeof *out);
    if (!employee_policy(policy)) return FUNDS_E_POLICY;
    /* The last covered month: the latest end of an episode of this region's
     * employee scheme that ended before m. */
    month_index last = -1;
    for (int32_t i = 0; i < count; i++) {
        const struct episode *e = &episodes[i];
        if (episode_of_policy(e, policy) && !e->open && e->to_month < first_month &&
            e->to_month > last)
            last = e->to_month;
    }
    const struct funding_employee *f = &policy->funding.employee;
    month_index start = first_month + 1;
    if (last >= 0) {
        out->has_gap = true;
        out->gap_months = first_month - last - 1;
        assert(out->gap_months >= 0);
        if (out->gap_months > f->grace_months) start += f->waiting_months;
    }
    out->benefit_start = first_day(start);
    return FUNDS_OK;
}

static bool assistance_matches(const struct funding_resident *f, uint32_t mask) {
    assert(f != NULL && f->assistance_count <= POLICY_PERSON_RULES_MAX);
    for (int32_t i = 0; i < f->assistance_count; i++)
        if ((f->assistance[i].when_mask & mask) != 0) return true;
    return false;
}

/* Paid later than the window: the waiting period, unless a newborn (from
 * the birth date) or a person premium assistance matches (from payment). */
static datetime_s late_start(const struct funding_resident *f,
                             const struct resident_enrolment *in) {
    assert(f != NULL && in != NULL);
    uint32_t mask = in->flags << CATEGORY_COUNT;
    if (in->category < CATEGORY_COUNT) mask |= 1u << in->category;
    if (in->has_brdy && in->paid >= in->brdy &&
        (in->paid - in->brdy) / DAY_SECONDS <= (int64_t)f->newborn_days)
        return in->brdy;
    if (assistance_matches(f, mask)) return in->paid;
    return in->paid + (int64_t)f->waiting_days * DAY_SECONDS;
}

enum funds_code benefit_start_resident(const struct policy *policy,
                                       const struct resident_enrolment *in,
                                       datetime_s *benefit_start) {
    assert(in != NULL && benefit_start != NULL);
    assert(in->year > MONTH_YEAR_MIN && in->year <= MONTH_YEAR_MAX);
    assert(in->category <= CATEGORY_COUNT && (in->flags & ~(uint32_t)FLAG_ALL) == 0);
    *benefit_start = 0;
    if (!resident_policy(policy)) return FUNDS_E_POLICY;
    const struct funding_resident *f = &policy->funding.resident;
    datetime_s opens = datetime_from_civil(in->year - 1, f->window_from_month, f->window_from_day,
                                           0, 0, 0);
    datetime_s closes = datetime_from_civil(in->year - 1, f->window_to_month, f->window_to_day, 0,
                                            0, 0);
    datetime_s year_first = datetime_from_civil(in->year, 1, 1, 0, 0, 0);
    datetime_s year_last = datetime_from_civil(in->year, 12, 31, 0, 0, 0);
    if (in->paid < opens || in->paid > year_last) return FUNDS_E_WINDOW;
    datetime_s start = in->paid <= closes ? year_first : late_start(f, in);
    *benefit_start = start < year_first ? year_first : start;
    return FUNDS_OK;
}

/* Months covered by the episodes kept (each month once): the intervals
 * sorted by start (insertion sort: at most EPISODES_MAX), then merged. */
static int32_t months_covered(const struct episode *episodes, int32_t count,
                              const struct policy *policy, bool local_only) {
    month_index from[EPISODES_MAX], to[EPISODES_MAX];
    int32_t n = 0, total = 0;
    assert(count >= 0 && count <= EPISODES_MAX);
    for (int32_t i = 0; i < count; i++) {
        const struct episode *e = &episodes[i];
        if (e->insutype != INSUTYPE_EMPLOYEE || (local_only && !episode_of_policy(e, policy)))
            continue;
        int32_t j = n++;
        for (; j > 0 && from[j - 1] > e->from_month; j--) {
            from[j] = from[j - 1];
            to[j] = to[j - 1];
        }
        from[j] = e->from_month;
        to[j] = e->to_month;
    }
    month_index covered_to = -1; /* the last month counted so far */
    for (int32_t i = 0; i < n; i++) {
        month_index lo = from[i] > covered_to ? from[i] : covered_to + 1;
        if (to[i] >= lo) total += to[i] - lo + 1;
        if (to[i] > covered_to) covered_to = to[i];
    }
    assert(total >= 0);
    return total;
}

enum funds_code retirement_check(const struct policy *policy, const char *gend,
                                 const struct episode *episodes, int32_t count,
                                 struct retirement *out) {
    assert(gend != NULL && out != NULL);
    assert(count >= 0 && count <= EPISODES_MAX);
    memset(out, 0, sizeof *out);
    if (!employee_policy(policy)) return FUNDS_E_POLICY;
    for (int32_t i = 0; i < count; i++)
        if (episodes[i].open) return FUNDS_E_BAD_DATES; /* §9: all closed */
    const struct funding_employee *f = &policy->funding.employee;
    const struct funding_min_months *need = NULL;
    for (int32_t i = 0; i < f->min_months_total_count; i++)
        if (strcmp(f->min_months_total[i].gend, gend) == 0) need = &f->min_months_total[i];
    if (need == NULL) return FUNDS_E_CATEGORY;
    out->total_months = months_covered(episodes, count, policy, false);
    out->local_months = months_covered(episodes, count, policy, true);
    int32_t short_total = need->months - out->total_months;
    int32_t short_local = f->min_months_local - out->local_months;
    out->short_months = short_total > short_local ? short_total : short_local;
    if (out->short_months < 0) out->short_months = 0;
    out->lump_sum_fen = out->short_months * money_mul_bp(f->avg_wage_monthly_fen, f->lump_rate_bp);
    out->contribution_short = out->short_months > 0;
    assert(out->local_months <= out->total_months);
    return FUNDS_OK;
}
