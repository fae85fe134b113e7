/* trial_balance.c: the ledger's trial balance (trial_balance.h).
 *
 * One walk over every piece of every balance (store_ledger_walk: the
 * balances at the checkpoint, then the postings after it), each piece
 * added to its account's class (core/chart.c) and, for the classes with
 * few accounts (funds, finance, opening), to its account's line. Persons'
 * and institutions' accounts are millions: they are one line each class,
 * never held one by one. Since every posting moves an amount from one
 * account to another, the classes must sum to 0; a ledger that does not is
 * reported, not printed. Debits and credits are the sums of the positive
 * and negative balances of the lines shown (itemized accounts, and the
 * other classes as one line each), so they tie exactly when the sum is 0. */
#include "app/trial_balance.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct walk {
    struct trial_balance *tb;
    bool full;
};

static struct trial_item *item_of(struct walk *w, const char *account) {
    struct trial_balance *tb = w->tb;
    assert(tb->item_count <= TRIAL_ITEMS_MAX);
    /* the itemized accounts are few; the walk gives most of them in order */
    for (size_t i = tb->item_count; i > 0; i--)
        if (strcmp(tb->items[i - 1].account, account) == 0) return &tb->items[i - 1];
    if (tb->item_count == TRIAL_ITEMS_MAX) return w->full = true, NULL;
    struct trial_item *it = &tb->items[tb->item_count++];
    snprintf(it->account, sizeof it->account, "%s", account);
    it->balance_fen = 0;
    return it;
}

static int piece(void *ctx, const char *account, int64_t amount_fen) {
    struct walk *w = ctx;
    assert(w != NULL && account != NULL);
    enum account_class c = account_class_of(account);
    w->tb->class_fen[c] += amount_fen;
    w->tb->pieces++;
    if (!account_class_itemized(c)) return 0;
    struct trial_item *it = item_of(w, account);
    if (it == NULL) return 1;
    it->balance_fen += amount_fen;
    return 0;
}

static int item_order(const void *a, const void *b) {
    return strcmp(((const struct trial_item *)a)->account, ((const struct trial_item *)b)->account);
}

/* Debits and credits of the lines shown; the classes' sum, which is 0. */
static int64_t totals(struct trial_balance *tb) {
    int64_t sum = 0;
    for (int c = 0; c < ACCT_CLASS_COUNT; c++) {
        sum += tb->class_fen[c];
        if (account_class_itemized((enum account_class)c)) continue;
        if (tb->class_fen[c] > 0) tb->debit_fen += tb->class_fen[c];
        else tb->credit_fen -= tb->class_fen[c];
    }
    for (size_t i = 0; i < tb->item_count; i++) {
        if (tb->items[i].balance_fen > 0) tb->debit_fen += tb->items[i].balance_fen;
        else tb->credit_fen -= tb->items[i].balance_fen;
    }
    return sum;
}

int app_trial_balance(struct store *store, struct trial_balance *out, struct store_err *err) {
    assert(store != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    out->items = calloc(TRIAL_ITEMS_MAX, sizeof *out->items);
    if (out->items == NULL) return store_errf(err, "trial balance: out of memory"), -1;
    struct walk w = {out, false};
    int rc = store_ledger_walk(store, piece, &w, err);
    if (rc > 0 || w.full)
        return store_errf(err, "trial balance: more than %d funds', finance and opening accounts",
                          TRIAL_ITEMS_MAX),
               -1;
    if (rc != 0) return -1;
    qsort(out->items, out->item_count, sizeof *out->items, item_order);
    int64_t sum = totals(out);
    if (sum != 0)
        return store_errf(err,
                          "the ledger does not balance: its accounts sum to %lld fen, not 0"
                          " (run yibao check)",
                          (long long)sum),
               -1;
    assert(out->debit_fen == out->credit_fen);
    return 0;
}

void trial_balance_free(struct trial_balance *tb) {
    assert(tb != NULL);
    free(tb->items);
    tb->items = NULL;
    tb->item_count = 0;
}
