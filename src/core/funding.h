/* funding.h: a policy's `funding` section (FUNDS.md §1) and the answer codes
 * of the fund rules.
 *
 * An employee policy (310) carries the contribution terms: the average
 * wage, the base's floor and ceiling, the rates, flexible employment, the
 * retirees' allocation and the months needed to retire without paying. A
 * resident policy (390) carries the yearly premium, the subsidy, premium
 * assistance, the collection window and waiting periods. Loaders fill it
 * (src/codec/policy_funding_json.c); the rules of contrib.h, enrol.h and
 * sharing.h only read it. Money in fen, ratios in basis points. */
#ifndef YIBAO_FUNDING_H
#define YIBAO_FUNDING_H

#include <stdbool.h>
#include <stdint.h>

#include "limits.h"
#include "person.h"

#define FUNDING_BASES_MAX 8           /* flexible.bases entries */
#define FUNDING_GENDERS_MAX 4         /* min_months_total keys */
#define FUNDING_GEND_BYTES_MAX 7      /* one min_months_total key ("1", "2") */
#define FUNDING_CEILING_MAX_BP 100000 /* base_ceiling at most 10 (§1) */
#define FUNDING_MONTHS_MAX 1200       /* any month count of §1: a century */
#define FUNDING_DAYS_MAX 3660         /* any day count of §1: ten years */

/* The answers of the fund rules, in no particular order; FUNDS.md fixes
 * the order in which each rule checks them. */
enum funds_code {
    FUNDS_OK = 0,
    FUNDS_E_POLICY,
    FUNDS_E_BAD_AMOUNT,
    FUNDS_E_BAD_DATES,
    FUNDS_E_CATEGORY,
    FUNDS_E_NOT_ENROLLED,
    FUNDS_E_DUP_MONTH,
    FUNDS_E_FUNDING_BASE,
    FUNDS_E_ACCOUNT_SHORT,
    FUNDS_E_BINDING,
    FUNDS_E_WINDOW,
    FUNDS_CODE_COUNT,
};

struct funding_flexible {
    int32_t base_count;
    int32_t bases_bp[FUNDING_BASES_MAX]; /* base shares of the average wage */
    int32_t rate_bp;
    int32_t account_rate_bp;
};

struct funding_min_months {
    char gend[FUNDING_GEND_BYTES_MAX + 1];
    int32_t months;
};

struct funding_employee {
    int64_t avg_wage_monthly_fen;
    int32_t base_floor_bp;
    int32_t base_ceiling_bp; /* >= base_floor_bp, <= FUNDING_CEILING_MAX_BP */
    int32_t employer_rate_bp;
    int32_t employer_rate_reduced_bp; /* default employer_rate */
    int32_t employee_rate_bp;
    int32_t account_rate_bp;
    int64_t over_cap_premium_monthly_fen; /* default 0 */
    bool has_flexible;
    struct funding_flexible flexible;
    int64_t retiree_account_monthly_fen;
    int32_t grace_months;
    int32_t waiting_months;
    int32_t min_months_total_count;
    struct funding_min_months min_months_total[FUNDING_GENDERS_MAX];
    int32_t min_months_local;
    int32_t lump_rate_bp;
};

struct funding_assistance {
    uint32_t when_mask; /* person_match_mask() bits */
    int32_t ratio_bp;
};

struct funding_resident {
    bool has_premium[CATEGORY_COUNT];
    int64_t premium_fen[CATEGORY_COUNT];
    int64_t subsidy_fen;
    int32_t assistance_count;
    struct funding_assistance assistance[POLICY_PERSON_RULES_MAX];
    int64_t catastrophic_share_fen;             /* default 0 */
    int32_t window_from_month, window_from_day; /* of the year before the policy year */
    int32_t window_to_month, window_to_day;
    int32_t waiting_days;
    int32_t newborn_days;
};

/* One of the two, by the policy's insutype (310: employee, 390: resident). */
struct funding {
    struct funding_employee employee;
    struct funding_resident resident;
};

/* "E_POLICY", ...; "?" for a value out of range. */
const char *funds_code_name(enum funds_code code);
/* Checks what §1 requires of a loaded section (insutype 310 or 390);
 * returns NULL or a static description of the first broken rule. */
const char *funding_invariant_error(const struct funding *funding, int32_t insutype);

#endif
