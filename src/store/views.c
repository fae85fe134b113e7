/* views.c: reads for the operator's look-ups (`yibao show`, `yibao list`;
 * app/lookup.h): a range of the journal, and accounts' balances as they
 * are now.
 *
 * The balances table is a checkpoint (docs/STORE.md): the postings of the
 * records after the checkpoint are not in it yet. A reader of the table
 * alone would see a fund as it was at the last checkpoint, which misled an
 * operator reading the file under a running server. So a balance here is
 * the table's plus the postings after the checkpoint, all read in one
 * snapshot on the store's own connection. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

struct account_row {
    char account[ACCOUNT_BYTES_MAX + 1];
    int64_t balance_fen;
};

struct accounts {
    const char *prefix;
    size_t prefix_len;
    struct account_row *rows;
    size_t count;
    bool full;
};

static struct account_row *account_slot(struct accounts *a, const char *account) {
    assert(a != NULL && account != NULL);
    for (size_t i = 0; i < a->count; i++) /* a view holds few accounts (a prefix's) */
        if (strcmp(a->rows[i].account, account) == 0) return &a->rows[i];
    if (a->count == STORE_VIEW_ACCOUNTS_MAX) {
        a->full = true;
        return NULL;
    }
    struct account_row *r = &a->rows[a->count++];
    snprintf(r->account, sizeof r->account, "%s", account);
    r->balance_fen = 0;
    return r;
}

static int balance_row(void *ctx, const char *account, int64_t amount_fen) {
    struct accounts *a = ctx;
    assert(a != NULL && account != NULL);
    if (strncmp(account, a->prefix, a->prefix_len) != 0) return 0;
    struct account_row *r = account_slot(a, account);
    if (r != NULL) r->balance_fen += amount_fen;
    return r == NULL ? 1 : 0;
}

/* A posting after the checkpoint: the debited account receives, the
 * credited one pays (ledger.c). */
static int posting_row(void *ctx, const struct posting *p) {
    assert(p != NULL && p->amount_fen > 0);
    int rc = balance_row(ctx, p->debit, p->amount_fen);
    return rc != 0 ? rc : balance_row(ctx, p->credit, -p->amount_fen);
}

static int row_order(const void *a, const void *b) {
    return strcmp(((const struct account_row *)a)->account,
                  ((const struct account_row *)b)->account);
}

struct ledger_walk {
    account_cb cb;
    void *ctx;
};

static int walk_posting(void *ctx, const struct posting *p) {
    const struct ledger_walk *w = ctx;
    assert(w != NULL && p != NULL && p->amount_fen > 0);
    int rc = w->cb(w->ctx, p->debit, p->amount_fen);
    return rc != 0 ? rc : w->cb(w->ctx, p->credit, -p->amount_fen);
}

int store_ledger_walk(struct store *store, account_cb cb, void *ctx, struct store_err *err) {
    assert(store != NULL && cb != NULL);
    const struct store_backend *ops = store_ops(store);
    struct store_conn *conn = store_conn(store);
    struct ledger_walk w = {cb, ctx};
    int64_t checkpoint = 0, tail = 0;
    bool found = false;
    int rc = ops->snapshot_begin(conn, err);
    if (rc == 0) rc = ops->checkpoint_get(conn, &checkpoint, &found, &tail, err);
    if (rc == 0) rc = ops->balances_scan(conn, cb, ctx, err);
    if (rc == 0) rc = ops->postings_scan(conn, found ? checkpoint + 1 : 1, walk_posting, &w, err);
    ops->rollback(conn);
    assert(rc == 0 || rc == -1 || rc > 0);
    return rc;
}

/* The accounts' balances, in a snapshot of its own (own) or the caller's. */
static int accounts_read(struct store *store, const char *prefix, bool own, account_cb cb,
                         void *ctx, struct store_err *err) {
    assert(store != NULL && prefix != NULL && cb != NULL);
    const struct store_backend *ops = store_ops(store);
    struct store_conn *conn = store_conn(store);
    struct accounts a = {prefix, strlen(prefix), NULL, 0, false};
    a.rows = calloc(STORE_VIEW_ACCOUNTS_MAX, sizeof *a.rows);
    if (a.rows == NULL) {
        store_errf(err, "out of memory");
        return -1;
    }
    int64_t checkpoint = 0, tail = 0;
    bool found = false;
    int rc = own ? ops->snapshot_begin(conn, err) : 0;
    if (rc == 0) rc = ops->checkpoint_get(conn, &checkpoint, &found, &tail, err);
    if (rc == 0) rc = ops->balances_scan(conn, balance_row, &a, err);
    if (rc == 0) rc = ops->postings_scan(conn, found ? checkpoint + 1 : 1, posting_row, &a, err);
    if (own) ops->rollback(conn);
    if (rc == 1 || a.full) {
        store_errf(err, "more than %d accounts start with '%s'", STORE_VIEW_ACCOUNTS_MAX, prefix);
        rc = -1;
    }
    qsort(a.rows, a.count, sizeof *a.rows, row_order);
    for (size_t i = 0; rc == 0 && i < a.count; i++)
        rc = cb(ctx, a.rows[i].account, a.rows[i].balance_fen) != 0 ? 1 : 0;
    free(a.rows);
    assert(rc == 0 || rc == 1 || rc == -1);
    return rc < 0 ? -1 : 0;
}

int store_accounts_now(struct store *store, const char *prefix, account_cb cb, void *ctx,
                       struct store_err *err) {
    assert(store != NULL && prefix != NULL && cb != NULL);
    return accounts_read(store, prefix, true, cb, ctx, err);
}

int store_accounts_in_snapshot(struct store *store, const char *prefix, account_cb cb, void *ctx,
                               struct store_err *err) {
    assert(store != NULL && prefix != NULL && cb != NULL);
    return accounts_read(store, prefix, false, cb, ctx, err);
}

int store_journal_brief(struct store *store, int64_t from_seq, uint32_t kinds, uint32_t body_kinds,
                        journal_brief_cb cb, void *ctx, struct store_err *err) {
    assert(store != NULL && cb != NULL && from_seq >= 1);
    int rc = store_ops(store)->journal_brief_scan(store_conn(store), from_seq, kinds, body_kinds,
                                                  cb, ctx, err);
    return rc < 0 ? -1 : 0; /* the caller's error stays an error */
}

struct journal_range {
    int64_t to_seq;
    journal_cb cb;
    void *ctx;
};

static int range_row(void *ctx, const struct journal_rec *rec) {
    struct journal_range *r = ctx;
    assert(r != NULL && rec != NULL);
    if (rec->seq > r->to_seq) return 1; /* past the range: stop */
    int rc = r->cb(r->ctx, rec);
    return rc < 0 ? -1 : rc > 0 ? 1 : 0; /* the caller's error stays an error */
}

int store_journal_range(struct store *store, int64_t from_seq, int64_t to_seq, journal_cb cb,
                        void *ctx, struct store_err *err) {
    assert(store != NULL && cb != NULL && from_seq >= 1 && to_seq >= from_seq);
    struct journal_range r = {to_seq, cb, ctx};
    int rc = store_ops(store)->journal_scan(store_conn(store), from_seq, range_row, &r, err);
    assert(rc == 0 || rc == 1 || rc == -1);
    return rc < 0 ? -1 : 0;
}
