/* contrib.h: what one person pays in, and where it goes (FUNDS.md §2, §3).
 *
 * An employee's month: the base from the wage (clamped to the floor and
 * ceiling of the average wage), the employer's and employee's shares, the
 * part to the personal account and the part to the pool; a flexible
 * worker's month on a chosen base; a retiree's monthly allocation from the
 * pool. A resident's year: premium, assistance, the person's own part,
 * the subsidy and the catastrophic fund's share. Pure and exact: money in
 * fen, ratios in basis points, every share rounded half-up once. */
#ifndef YIBAO_CONTRIB_H
#define YIBAO_CONTRIB_H

#include <stdbool.h>
#include <stdint.h>

#include "enrol.h"
#include "funding.h"
#include "policy.h"

#define CONTRIBUTED_MAX 1200 /* months already recorded, given to one check */

/* The employee scheme's categories (§2); any other name is OTHER. */
enum employee_status {
    EMPLOYEE_IN_SERVICE = 0,
    EMPLOYEE_FLEXIBLE,
    EMPLOYEE_RETIRED,
    EMPLOYEE_STATUS_OTHER,
};

struct employee_month_input {
    month_index month;
    enum employee_status status;
    const struct episode *episodes;
    int32_t episode_count;
    const month_index *contributed; /* months already recorded */
    int32_t contributed_count;
    bool has_wage;
    int64_t wage_fen;
    /* The chosen base share as an exact ratio; false when it is not a
     * number of at most 4 decimals in range (then it matches no base). */
    bool base_share_exact;
    int32_t base_share_bp;
    bool struggling;
    bool contribution_short; /* flags has contribution_short (§4) */
};

struct employee_month {
    int64_t base_fen;
    int64_t employer_fen;
    int64_t employee_fen;
    int64_t account_fen;
    int64_t pool_fen; /* negative for a retiree: the pool pays the account */
    int64_t over_cap_fen;
};

/* §2: checks in the order E_CATEGORY, E_NOT_ENROLLED, E_DUP_MONTH,
 * E_FUNDING_BASE (flexible), then an in-service month without a wage
 * (E_BAD_AMOUNT). E_POLICY: not an employee policy with funding. */
enum funds_code employee_month(const struct policy *policy, const struct employee_month_input *in,
                               struct employee_month *out);

struct resident_year {
    int64_t premium_fen;
    int64_t assisted_fen;
    int64_t own_fen;
    int64_t subsidy_fen;
    int64_t catastrophic_fen;
    int64_t pool_fen;
};

/* §3: category CATEGORY_COUNT (unknown) or one without a premium is
 * E_CATEGORY. E_POLICY: not a resident policy with funding. */
enum funds_code resident_year(const struct policy *policy, enum category category, uint32_t flags,
                              struct resident_year *out);

#endif
