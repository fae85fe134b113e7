/* policy.h: one pooling region's rules for one year and one scheme.
 *
 * This is the in-memory form of a yibao-policy/1 file (see
 * shared/spec/SETTLEMENT.md). Loaders fill it; the settle engine only reads
 * it. Money in fen, ratios in basis points, "null" caps are CAP_NONE. */
#ifndef YIBAO_POLICY_H
#define YIBAO_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "funding.h"
#include "limits.h"
#include "person.h"

enum insutype { INSUTYPE_EMPLOYEE = 310, INSUTYPE_RESIDENT = 390 };

struct person_rule {
    uint32_t when_mask; /* person_match_mask() bits */
    bool has_deductible_factor;
    int32_t deductible_factor_bp;
    bool has_ratio[POLICY_LEVELS_MAX]; /* replaces the level's ratio */
    int32_t ratio_bp[POLICY_LEVELS_MAX];
    bool has_ratio_add[POLICY_LEVELS_MAX];
    int32_t ratio_add_bp[POLICY_LEVELS_MAX];
};

struct band {
    int64_t upto_fen; /* CAP_NONE: no end */
    int32_t ratio_bp;
};

struct catastrophic_terms {
    int64_t threshold_fen;
    int32_t band_count;
    struct band bands[POLICY_BANDS_MAX];
    int64_t annual_cap_fen; /* CAP_NONE: no cap */
};

struct catastrophic_rule {
    uint32_t when_mask;
    bool has_threshold_factor;
    int32_t threshold_factor_bp;
    bool has_bands;
    int32_t band_count;
    struct band bands[POLICY_BANDS_MAX];
    bool has_annual_cap;
    int64_t annual_cap_fen; /* CAP_NONE when present as null */
};

struct assistance_rule {
    uint32_t when_mask;
    int32_t ratio_bp;
    int64_t annual_cap_fen;
};

struct disease {
    char code[CODE_BYTES_MAX + 1];
    int64_t annual_cap_fen;
};

enum account_covers { ACCOUNT_COVERS_ALL = 1, ACCOUNT_COVERS_IN_SCOPE = 2 };

struct policy {
    char id[CODE_BYTES_MAX + 1];
    char region[CODE_BYTES_MAX + 1]; /* admdvs, e.g. "440900" */
    int32_t year;
    int32_t insutype; /* 310 or 390 */
    /* The first day this version is in force (valid_from, a date of its
     * year; absent: the year's first day, valid_from_given false). A
     * (region, year, insutype) may have several versions: a bill is
     * settled under the latest in force at its endtime (policy_version_at). */
    datetime_s valid_from;
    bool valid_from_given;
    int32_t class_b_prepay_bp;

    int64_t basic_annual_cap_fen;
    int64_t inpatient_deductible_fen[POLICY_LEVELS_MAX];
    int32_t repeat_admission_deductible_bp;
    int32_t waived_dx_count;
    char waived_dx[POLICY_WAIVED_DX_MAX][CODE_BYTES_MAX + 1];
    int32_t inpatient_ratio_bp[POLICY_LEVELS_MAX];

    int64_t special_annual_deductible_fen; /* CAP_NONE if null: no deductible */
    bool special_has_ratio;
    int32_t special_ratio_bp;
    int32_t disease_count;
    struct disease diseases[POLICY_DISEASES_MAX];

    int64_t general_annual_deductible_fen;
    int32_t general_ratio_bp;
    int64_t general_annual_cap_fen;
    uint32_t general_levels_mask; /* 1u << level */
    int32_t out_of_area_unfiled_ratio_cut_bp;

    int32_t person_rule_count;
    struct person_rule person_rules[POLICY_PERSON_RULES_MAX];

    bool has_over_cap;
    int32_t over_cap_ratio_bp;
    int64_t over_cap_annual_cap_fen;

    bool has_catastrophic;
    struct catastrophic_terms catastrophic;
    int32_t catastrophic_rule_count;
    struct catastrophic_rule catastrophic_rules[POLICY_PERSON_RULES_MAX];

    int32_t assistance_count;
    struct assistance_rule assistance[POLICY_PERSON_RULES_MAX];

    bool has_personal_account;
    enum account_covers account_covers;
    bool account_family_sharing; /* personal_account.family_sharing (FUNDS.md §5) */

    bool has_funding; /* the `funding` section (FUNDS.md §1); settlement needs none */
    struct funding funding;
};

/* The version of (region, year, insutype) among policies[0..n) in force
 * at `at`: the latest valid_from <= at (the earliest when all are later);
 * NULL when there is none of the key. at INT64_MAX: the latest version. */
const struct policy *policy_version_at(const struct policy *policies, size_t n, const char *region,
                                       int32_t year, int32_t insutype, datetime_s at);
/* Whether a and b settle alike: every rule equal (id and valid_from aside). */
bool policy_same_rules(const struct policy *a, const struct policy *b);

/* Index of the disease in policy->diseases, or -1. */
int policy_disease_index(const struct policy *policy, const char *code);
/* Bit for a `when` name ("retired", "low_income", ...), or 0 if unknown. */
uint32_t policy_when_bit(const char *name);
/* Checks the invariants a loader must have established; returns NULL or
 * a static description of the first broken one. */
const char *policy_invariant_error(const struct policy *policy);

#endif
