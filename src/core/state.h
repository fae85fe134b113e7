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

/* The year's money accumulators, all int64_t fen, in this order in every
 * output (JSON keys, journal keys d.<name>, SQL columns); one row each,
 * X(A, name, where). A row makes the member <name>_fen, the JSON key <name>,
 * the journal key d.<name> and, where STORED, the column <name> of table
 * states (both SQL backends); LEDGER: kept by the ledger's accounts instead
 * (the personal account), not a column. Apply, unapply, equal and valid
 * (>= 0) cover every row. New rows go at the end: the row order is the
 * order of keys and columns that clients and older stores already see. */
#define YEAR_STATE_FIELDS(X, A)    \
    X(A, basic_paid, STORED)       \
    X(A, general_paid, STORED)     \
    X(A, general_ded_used, STORED) \
    X(A, special_ded_used, STORED) \
    X(A, over_cap_paid, STORED)    \
    X(A, cat_burden, STORED)       \
    X(A, cat_paid, STORED)         \
    X(A, maf_paid, STORED)         \
    X(A, acct_balc, LEDGER)        \
    YEAR_STATE_TEST_EXTRA(X, A)

/* The test-only fund layer's accumulator (see FUND_LAYERS in settle.h). */
#ifdef YIBAO_TEST_EXTRA_FUND
#define YEAR_STATE_TEST_EXTRA(X, A) X(A, xtf_paid, STORED)
#else
#define YEAR_STATE_TEST_EXTRA(X, A)
#endif

#define YEAR_STATE_MEMBER_(unused, name, where) int64_t name##_fen;
struct year_state {
    int32_t year;
    int32_t admissions;
    YEAR_STATE_FIELDS(YEAR_STATE_MEMBER_, ~)
    int64_t special_paid_fen[POLICY_DISEASES_MAX];
};
#undef YEAR_STATE_MEMBER_

#define YEAR_STATE_ID_(unused, name, where) YEAR_STATE_##name,
enum year_state_id { YEAR_STATE_FIELDS(YEAR_STATE_ID_, ~) YEAR_STATE_MONEY_COUNT };
#undef YEAR_STATE_ID_

/* The rows as data, for code that loops over them (codecs, SQL rows). */
struct year_state_field {
    const char *name; /* JSON key, SQL column; journal key d.<name> */
    bool stored;      /* a column of table states */
};
const struct year_state_field *year_state_field(enum year_state_id id);
/* The accumulator of row `id` (its <name>_fen member). */
int64_t *year_state_money(struct year_state *state, enum year_state_id id);
int64_t year_state_money_get(const struct year_state *state, enum year_state_id id);

/* A fresh year: every accumulator zero, the account carried over. */
void year_state_init(struct year_state *state, int32_t year, int64_t acct_balc_fen);
void year_state_apply(struct year_state *state, const struct year_state *delta);
void year_state_unapply(struct year_state *state, const struct year_state *delta);
bool year_state_equal(const struct year_state *a, const struct year_state *b);
/* True when no accumulator is negative (the invariant of every stored state). */
bool year_state_valid(const struct year_state *state);

#endif
