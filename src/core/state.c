/* state.c: year accumulators and the deltas settlements add to them. Every
 * money accumulator comes from YEAR_STATE_FIELDS (state.h), so a row added
 * there is applied, revoked, compared and checked here with no other change. */
#include "core/state.h"

#include <assert.h>
#include <string.h>

/* Code that loops over the rows reads each as int64_t fen: a member of
 * another type breaks the build here instead of being misread. */
#define STATE_IS_FEN_(unused, name, where)                                                   \
    _Static_assert(_Generic(((struct year_state *)0)->name##_fen, int64_t : 1, default : 0), \
                   #name "_fen must be int64_t fen");
YEAR_STATE_FIELDS(STATE_IS_FEN_, ~)
#undef STATE_IS_FEN_

#define STATE_ROW_(unused, name, where) {#name, STATE_WHERE_##where},
#define STATE_WHERE_STORED true
#define STATE_WHERE_LEDGER false
static const struct year_state_field year_state_fields[YEAR_STATE_MONEY_COUNT] = {
    YEAR_STATE_FIELDS(STATE_ROW_, ~)};
#undef STATE_ROW_

const struct year_state_field *year_state_field(enum year_state_id id) {
    assert(id >= 0 && id < YEAR_STATE_MONEY_COUNT);
    assert(year_state_fields[id].name != NULL);
    return &year_state_fields[id];
}

int64_t *year_state_money(struct year_state *state, enum year_state_id id) {
    assert(state != NULL);
    assert(id >= 0 && id < YEAR_STATE_MONEY_COUNT);
    switch (id) {
#define STATE_CASE_(s, name, where) \
    case YEAR_STATE_##name: return &(s)->name##_fen;
        YEAR_STATE_FIELDS(STATE_CASE_, state)
#undef STATE_CASE_
    case YEAR_STATE_MONEY_COUNT: break;
    }
    return NULL;
}

int64_t year_state_money_get(const struct year_state *state, enum year_state_id id) {
    return *year_state_money((struct year_state *)(uintptr_t)state, id);
}

void year_state_init(struct year_state *state, int32_t year, int64_t acct_balc_fen) {
    assert(state != NULL);
    memset(state, 0, sizeof *state);
    state->year = year;
    state->acct_balc_fen = acct_balc_fen;
    assert(state->admissions == 0);
}

static void add_scaled(struct year_state *s, const struct year_state *d, int sign) {
    assert(s->year == d->year);
    assert(sign == 1 || sign == -1);
    s->admissions += sign * d->admissions;
#define STATE_ADD_(unused, name, where) s->name##_fen += sign * d->name##_fen;
    YEAR_STATE_FIELDS(STATE_ADD_, ~)
#undef STATE_ADD_
    for (int i = 0; i < POLICY_DISEASES_MAX; i++)
        s->special_paid_fen[i] += sign * d->special_paid_fen[i];
}

void year_state_apply(struct year_state *state, const struct year_state *delta) {
    add_scaled(state, delta, 1);
}

void year_state_unapply(struct year_state *state, const struct year_state *delta) {
    add_scaled(state, delta, -1);
}

bool year_state_equal(const struct year_state *a, const struct year_state *b) {
    assert(a != NULL && b != NULL);
    bool same = a->year == b->year && a->admissions == b->admissions;
#define STATE_SAME_(unused, name, where) same = same && a->name##_fen == b->name##_fen;
    YEAR_STATE_FIELDS(STATE_SAME_, ~)
#undef STATE_SAME_
    for (int i = 0; same && i < POLICY_DISEASES_MAX; i++)
        same = a->special_paid_fen[i] == b->special_paid_fen[i];
    return same;
}

bool year_state_valid(const struct year_state *s) {
    assert(s != NULL);
    bool ok = s->admissions >= 0;
#define STATE_NONNEG_(unused, name, where) ok = ok && s->name##_fen >= 0;
    YEAR_STATE_FIELDS(STATE_NONNEG_, ~)
#undef STATE_NONNEG_
    for (int i = 0; ok && i < POLICY_DISEASES_MAX; i++) ok = s->special_paid_fen[i] >= 0;
    return ok;
}
