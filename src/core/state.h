/* state.h: a person's accumulators for one policy year.
 *
 * The same struct carries a settlement's delta: what it added to each
 * accumulator. Applying a delta adds it; revoking subtracts it, so
 * settle-then-revoke returns the state exactly. special_paid is indexed like
 * the policy's diseases array. */
#ifndef YIBAO_STATE_H
#define YIBAO_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "limits.h"

struct year_state {
    int32_t year;
    int32_t admissions;
    int64_t basic_paid_fen;
    int64_t general_paid_fen;
    int64_t general_ded_used_fen;
    int64_t special_ded_used_fen;
    int64_t over_cap_paid_fen;
    int64_t cat_burden_fen;
    int64_t cat_paid_fen;
    int64_t maf_paid_fen;
    int64_t acct_balc_fen;
    int64_t special_paid_fen[POLICY_DISEASES_MAX];
};

/* A fresh year: every accumulator zero, the account carried over. */
void year_state_init(struct year_state *state, int32_t year, int64_t acct_balc_fen);
void year_state_apply(struct year_state *state, const struct year_state *delta);
void year_state_unapply(struct year_state *state, const struct year_state *delta);
bool year_state_equal(const struct year_state *a, const struct year_state *b);
/* True when no accumulator is negative (the invariant of every stored state). */
bool year_state_valid(const struct year_state *state);

#endif
