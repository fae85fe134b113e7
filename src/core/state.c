/* state.c: year accumulators and the deltas settlements add to them. */
#include "core/state.h"

#include <assert.h>
#include <string.h>

void year_state_init(struct year_state *state, int32_t year, int64_t acct_balc_fen) {
    memset(state, 0, sizeof *state);
    state->year = year;
    state->acct_balc_fen = acct_balc_fen;
}

static void add_scaled(struct year_state *s, const struct year_state *d, int sign) {
    assert(s->year == d->year);
    s->admissions += sign * d->admissions;
    s->basic_paid_fen += sign * d->basic_paid_fen;
    s->general_paid_fen += sign * d->general_paid_fen;
    s->general_ded_used_fen += sign * d->general_ded_used_fen;
    s->special_ded_used_fen += sign * d->special_ded_used_fen;
    s->over_cap_paid_fen += sign * d->over_cap_paid_fen;
    s->cat_burden_fen += sign * d->cat_burden_fen;
    s->cat_paid_fen += sign * d->cat_paid_fen;
    s->maf_paid_fen += sign * d->maf_paid_fen;
    s->acct_balc_fen += sign * d->acct_balc_fen;
    for (int i = 0; i < POLICY_DISEASES_MAX; i++) s->special_paid_fen[i] += sign * d->special_paid_fen[i];
}

void year_state_apply(struct year_state *state, const struct year_state *delta) {
    add_scaled(state, delta, 1);
}

void year_state_unapply(struct year_state *state, const struct year_state *delta) {
    add_scaled(state, delta, -1);
}

bool year_state_equal(const struct year_state *a, const struct year_state *b) {
    return memcmp(a, b, sizeof *a) == 0;
}

bool year_state_valid(const struct year_state *s) {
    bool ok = s->admissions >= 0 && s->basic_paid_fen >= 0 && s->general_paid_fen >= 0 &&
              s->general_ded_used_fen >= 0 && s->special_ded_used_fen >= 0 &&
              s->over_cap_paid_fen >= 0 && s->cat_burden_fen >= 0 && s->cat_paid_fen >= 0 &&
              s->maf_paid_fen >= 0 && s->acct_balc_fen >= 0;
    for (int i = 0; ok && i < POLICY_DISEASES_MAX; i++) ok = s->special_paid_fen[i] >= 0;
    return ok;
}
