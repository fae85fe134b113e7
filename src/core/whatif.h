/* whatif.h: the policy what-if's figures (issue 17 item 5, `yibao
 * whatif`), pure: the sums a replay adds settlement by settlement, before
 * (as journaled) and after (settled again under the new policies), in
 * total, by institution level and by person group (scheme and category),
 * and the choice of the persons hardest hit. The replay itself is
 * app/deep_check.c's; the use case app/whatif.c. Money in fen, integers
 * only. */
#ifndef YIBAO_WHATIF_H
#define YIBAO_WHATIF_H

#include <stddef.h>
#include <stdint.h>

#include "person.h"
#include "settle.h"

#define WHATIF_LEVELS (LEVEL_NONE + 1)         /* township .. level3, none */
#define WHATIF_SCHEMES 2                       /* 310 employee, 390 resident */
#define WHATIF_CATEGORIES (CATEGORY_COUNT + 1) /* the last: a person not found */
#define WHATIF_HARDEST_PERCENT 10              /* the share of persons "hardest hit" */

/* What a set of settlements spent: each fund layer, the fund total, the
 * bills, the policy scope and the patients' part (out-of-pocket:
 * psn_part_amt = medfee_sumamt - fund_pay_sumamt, account and cash). */
struct whatif_sums {
    int64_t settlements; /* standing: settled minus revoked */
    int64_t fund_fen[FUND_LAYER_COUNT];
    int64_t fund_pay_sumamt_fen, medfee_sumamt_fen, inscp_scp_amt_fen, psn_part_amt_fen;
};

struct whatif_side {
    struct whatif_sums total;
    struct whatif_sums level[WHATIF_LEVELS];
    struct whatif_sums group[WHATIF_SCHEMES][WHATIF_CATEGORIES];
};

/* Where a settlement counts: its institution's level and its person's group. */
struct whatif_where {
    enum level level;
    int32_t insutype;       /* 310 / 390 (another counts as 390) */
    enum category category; /* CATEGORY_COUNT: unknown */
};

/* Adds a settlement's figures to side (sign +1), or takes them back at
 * its revoke (sign -1). */
void whatif_add(struct whatif_side *side, const struct whatif_where *where,
                const struct setlinfo *setl, int sign);

/* The group index of an insutype (0: 310, 1: any other). */
int whatif_scheme_index(int32_t insutype);

/* A person's out-of-pocket in the year, before and after. */
struct whatif_person {
    uint32_t id; /* the caller's index of the person */
    int64_t before_fen, after_fen;
};

/* How many persons are the hardest hit of n: WHATIF_HARDEST_PERCENT per
 * cent, rounded up (at least one when n > 0). */
size_t whatif_hardest_count(size_t n);

/* Moves the k persons of p[0..n) with the largest out-of-pocket increase
 * (after - before; ties: the smaller id first) to p[0..k), in that order;
 * the rest are left in p[k..n) in no order. k <= n. O(n log k), in place. */
void whatif_hardest(struct whatif_person *p, size_t n, size_t k);

#endif
