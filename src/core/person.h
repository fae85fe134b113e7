/* person.h: the insured person and the designated institution, as the
 * settle engine sees them. Registry adapters fill these from storage. */
#ifndef YIBAO_PERSON_H
#define YIBAO_PERSON_H

#include <stdint.h>

#include "date.h"
#include "limits.h"

enum level {
    LEVEL_TOWNSHIP = 0,
    LEVEL_1 = 1,
    LEVEL_2 = 2,
    LEVEL_3 = 3,
    LEVEL_NONE = 4, /* pharmacies have no hospital level */
};

enum institution_type { INSTITUTION_HOSPITAL = 1, INSTITUTION_PHARMACY = 2 };

struct institution {
    char code[CODE_BYTES_MAX + 1]; /* fixmedins_code */
    enum institution_type type;
    enum level level;
};

enum category {
    CATEGORY_IN_SERVICE = 0,
    CATEGORY_RETIRED,
    CATEGORY_ADULT,
    CATEGORY_MINOR,
    CATEGORY_STUDENT,
    CATEGORY_COUNT,
};

/* Flags occupy the bits above the categories in a match mask. */
enum person_flag {
    FLAG_EXTREME_POVERTY = 1u << 0,
    FLAG_LOW_INCOME = 1u << 1,
    FLAG_POVERTY_REGISTERED = 1u << 2,
    FLAG_ALL = 7u, /* the flags the contribution and premium rules read */
    /* FUNDS.md §4: a retiree short of the minimum months, lump sum unpaid:
     * settlements are refused (E_CONTRIBUTION_SHORT) */
    FLAG_CONTRIBUTION_SHORT = 1u << 3,
    /* benefit_start and contribution_short are derived from the person's
     * employee episodes and the journal (core/benefit.h), not typed in:
     * `yibao check` computes them again and compares */
    FLAG_BENEFIT_DERIVED = 1u << 4,
};

struct person {
    char psn_no[CODE_BYTES_MAX + 1];
    int32_t insutype; /* 310 or 390 */
    enum category category;
    uint32_t flags; /* enum person_flag bits */
    datetime_s benefit_start;
    /* a resident's start per year (core/benefit_years.h; 0: none): Step 2
     * reads the bill's year's start from it, benefit_start otherwise */
    int64_t benefit_years;
    int64_t acct_balc_fen; /* opening balance (registry) */
};

/* The bits a rule's `when` may name for this person. */
static inline uint32_t person_match_mask(const struct person *person) {
    return (1u << person->category) | (person->flags << CATEGORY_COUNT);
}

const char *level_name(enum level level);
int level_parse(const char *name, enum level *out); /* 0 ok, -1 unknown */
const char *category_name(enum category category);
int category_parse(const char *name, enum category *out);
int flag_parse(const char *name, uint32_t *bit);
/* flags as the registry's CSV writes them ("low_income;extreme_poverty"
 * in bit order; "" for none) into out (at least PERSON_FLAGS_TEXT_BYTES). */
#define PERSON_FLAGS_TEXT_BYTES 80
void flags_format(uint32_t flags, char *out, size_t size);

#endif
