/* trial_balance.h: the ledger's trial balance by the chart of accounts
 * (issue 17, item 1; core/chart.h, docs/LEDGER.md). */
#ifndef YIBAO_APP_TRIAL_BALANCE_H
#define YIBAO_APP_TRIAL_BALANCE_H

#include "core/chart.h"
#include "store/store.h"

#define TRIAL_ITEMS_MAX 4096 /* accounts listed one by one (funds, finance, opening) */

struct trial_item {
    char account[ACCOUNT_BYTES_MAX + 1];
    int64_t balance_fen; /* > 0: net debit (received); < 0: net credit (paid out) */
};

struct trial_balance {
    int64_t class_fen[ACCT_CLASS_COUNT]; /* each class's balance */
    struct trial_item *items;            /* the itemized classes' accounts, in name order */
    size_t item_count;
    int64_t debit_fen, credit_fen; /* the sums of the positive and of the negative balances */
    int64_t pieces;                /* balances and postings read */
};

/* The trial balance of the store now. 0; -1 with err (a read failed, more
 * than TRIAL_ITEMS_MAX itemized accounts, or a ledger that does not
 * balance: the classes' sum is not 0). out->items is malloc'd: free it
 * with trial_balance_free. */
int app_trial_balance(struct store *store, struct trial_balance *out, struct store_err *err);
void trial_balance_free(struct trial_balance *tb);

#endif
