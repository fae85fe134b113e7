/* benefit.h: an employee's benefit start and a retiree's contribution
 * status derived from the person's enrolment episodes (FUNDS.md §4;
 * docs/ENROLMENT.md, "Derived benefit start").
 *
 * The registry keeps one benefit_start and one contribution_short flag per
 * person; these rules say which episode gives them and apply the
 * vector-tested rules of enrol.h to it: the person's latest employee
 * episode (scheme 310) in their registry region; for a retiree the latest
 * contributing one before it (the retirement episode is not contributed)
 * gives the benefit start, and every employee episode not of category
 * retired counts towards the minimum months. Pure: the caller (app/benefit.c) reads the episodes,
 * the policy and whether the lump sum is journaled. */
#ifndef YIBAO_BENEFIT_H
#define YIBAO_BENEFIT_H

#include <stdbool.h>
#include <stdint.h>

#include "enrol.h"

/* The episodes' roles for a person registered in region: *start the
 * episode whose first month is benefit_start_employee's m, *retirement
 * the retirement episode (-1: not retired). false: no employee episode in
 * the region (nothing to derive). retired[i] says episode i is of
 * category retired. */
bool benefit_episodes(const struct episode *episodes, const bool *retired, int32_t count,
                      const char *region, int32_t *start, int32_t *retirement);

struct benefit_derived {
    struct benefit_start_employee start; /* benefit_start and the gap */
    month_index first_month;             /* m: the start episode's first month */
    bool retired;
    struct retirement retirement; /* retired: the months, shortfall and lump sum */
    bool lump_paid;               /* a lump sum is journaled for the person */
    bool contribution_short;      /* retired, short of the months, lump sum unpaid */
};

/* The derived values under policy (the employee policy of the region that
 * prices the start episode and the retirement): FUNDS_OK, or the rule's
 * code (E_POLICY, E_CATEGORY for a gend the policy does not know,
 * E_BAD_DATES for an open contributing episode of a retiree). */
enum funds_code benefit_derive(const struct policy *policy, const struct episode *episodes,
                               const bool *retired, int32_t count, int32_t start,
                               int32_t retirement, const char *gend, bool lump_paid,
                               struct benefit_derived *out);

/* A resident's year (FUNDS.md §3, §4): the year's premium as the
 * contribution run charged it (own_fen the person's part, 0 when
 * medical assistance pays it all) and whether the own part is paid, on
 * which date. */
struct benefit_resident_year {
    int32_t year;
    int64_t own_fen;
    bool paid;
    datetime_s paid_date; /* a date (00:00:00), when paid */
    enum category category;
    uint32_t flags; /* enum person_flag bits the premium rules read (FLAG_ALL) */
    bool has_brdy;
    datetime_s brdy;
};

/* The year's benefit start: own part paid, benefit_start_resident from
 * the payment date; assisted in full, Y-01-01 (medical assistance pays
 * the premium in the contribution run, inside the window); own part not
 * paid, (Y+1)-01-01: no benefit in the year, so settlement's Step 2 lets
 * no fund pay a bill of Y. FUNDS_OK, E_POLICY (policy NULL or not a
 * resident policy with funding, when the payment date is needed) or
 * E_WINDOW. */
enum funds_code benefit_resident(const struct policy *policy,
                                 const struct benefit_resident_year *in, datetime_s *benefit_start);

#endif
