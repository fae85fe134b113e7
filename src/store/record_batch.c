/* record_batch.c: a batch of fund records written once, with postings and
 * balances, in one transaction (record_batch.h). One writer for every
 * kind of record that a run commits in batches: contribution runs
 * (contrib_rec.c), payment runs and year-end settlements (pay_rec.c). */
#include "store/record_batch.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/checkpoint.h"

int record_batch_init(struct record_batch *b, size_t cap, size_t postings_per_record) {
    assert(b != NULL && cap >= 1 && cap <= BATCH_MAX);
    assert(postings_per_record >= 1 && postings_per_record <= POSTINGS_PER_RECORD_MAX);
    memset(b, 0, sizeof *b);
    b->cap = cap;
    b->postings_per_record = postings_per_record;
    b->found_recs = malloc(cap * sizeof *b->found_recs);
    b->found = calloc(cap, sizeof *b->found);
    b->msgids = calloc(cap, sizeof *b->msgids);
    b->recs = malloc(cap * sizeof *b->recs);
    b->postings = malloc(cap * postings_per_record * sizeof *b->postings);
    b->deltas = malloc(2 * cap * postings_per_record * sizeof *b->deltas);
    if (b->found_recs == NULL || b->found == NULL || b->msgids == NULL || b->recs == NULL ||
        b->postings == NULL || b->deltas == NULL) {
        record_batch_release(b);
        return -1;
    }
    return 0;
}

void record_batch_release(struct record_batch *b) {
    assert(b != NULL);
    free(b->found_recs);
    free(b->found);
    free(b->msgids);
    free(b->recs);
    free(b->postings);
    free(b->deltas);
    memset(b, 0, sizeof *b);
}

void record_req_hash(struct journal_rec *rec, const char *head) {
    assert(rec != NULL && head != NULL);
    char req[MSGID_BYTES_MAX + JOURNAL_BODY_BYTES_MAX + 3];
    int n = snprintf(req, sizeof req, "%s\n%s", head, rec->body);
    assert(n > 0 && (size_t)n < sizeof req);
    sha256_hex(req, (size_t)n, rec->req_hash);
}

static int delta_order(const void *a, const void *b) {
    return strcmp(((const struct balance_delta *)a)->account,
                  ((const struct balance_delta *)b)->account);
}

/* The postings' effect on the accounts, one delta per account, sorted. */
static void batch_deltas(struct record_batch *b) {
    assert(b != NULL && b->delta_count == 0);
    for (size_t i = 0; i < b->posting_count; i++) {
        const struct posting *p = &b->postings[i];
        struct balance_delta *d = &b->deltas[b->delta_count++];
        snprintf(d->account, sizeof d->account, "%s", p->debit);
        d->delta_fen = p->amount_fen;
        d = &b->deltas[b->delta_count++];
        snprintf(d->account, sizeof d->account, "%s", p->credit);
        d->delta_fen = -p->amount_fen;
    }
    if (b->delta_count > 0) qsort(b->deltas, b->delta_count, sizeof *b->deltas, delta_order);
    size_t out = 0;
    for (size_t i = 0; i < b->delta_count; i++) {
        if (out > 0 && strcmp(b->deltas[out - 1].account, b->deltas[i].account) == 0)
            b->deltas[out - 1].delta_fen += b->deltas[i].delta_fen;
        else b->deltas[out++] = b->deltas[i];
    }
    b->delta_count = out;
}

/* The record of item i at seq after prev_hash, and its postings. */
static int batch_record(struct record_batch *b, const struct record_kind *kind, const void *items,
                        size_t i, int64_t seq, int64_t time_us, const char *prev_hash,
                        struct store_err *err) {
    assert(b->rec_count < b->cap && seq >= 1);
    struct journal_rec *rec = memset(&b->recs[b->rec_count], 0, sizeof *b->recs);
    rec->seq = seq;
    rec->time_us = time_us;
    if (kind->fill(rec, items, i, err) != 0) return -1;
    memcpy(rec->prev_hash, prev_hash, HASH_HEX_BYTES + 1);
    journal_hash(rec, rec->hash);
    int count = kind->postings(rec, items, i, &b->postings[b->posting_count]);
    assert(count >= 0 && (size_t)count <= b->postings_per_record);
    b->posting_count += (size_t)count;
    b->rec_count++;
    return 0;
}

/* The transaction's body: 0, 2 refused, -1 storage. */
static int batch_write(struct store *store, struct record_batch *b, const struct record_kind *kind,
                       const void *items, size_t n, bool *posted, struct store_err *err) {
    const struct store_backend *ops = store_ops(store);
    struct store_conn *c = store_conn(store);
    assert(n >= 1 && n <= b->cap);
    int64_t checkpoint_seq = 0, tail_seq = 0;
    if (checkpoint_catch_up(store, &checkpoint_seq, &tail_seq, err) != 0) return -1;
    for (size_t i = 0; i < n; i++) b->msgids[i] = kind->msgid(items, i);
    if (ops->journal_by_msgid(c, b->msgids, n, b->found_recs, b->found, err) != 0) return -1;
    int admitted = kind->admit != NULL ? kind->admit(store, items, n, b->found, err) : 0;
    if (admitted != 0) return admitted;
    struct journal_rec tail;
    bool has_tail = false;
    if (ops->journal_tail(c, &tail, &has_tail, err) != 0) return -1;
    char prev[HASH_HEX_BYTES + 1];
    if (has_tail) memcpy(prev, tail.hash, sizeof prev);
    else memset(prev, '0', HASH_HEX_BYTES), prev[HASH_HEX_BYTES] = '\0';
    int64_t seq = has_tail ? tail.seq : 0, now = store_now_us();
    for (size_t i = 0; i < n; i++) {
        posted[i] = !b->found[i];
        if (!posted[i]) continue;
        if (batch_record(b, kind, items, i, ++seq, now, prev, err) != 0) return -1;
        memcpy(prev, b->recs[b->rec_count - 1].hash, sizeof prev);
    }
    if (b->rec_count == 0) return 0;
    batch_deltas(b);
    if (ops->journal_append(c, b->recs, b->rec_count, err) != 0 ||
        (b->posting_count > 0 && ops->postings_put(c, b->postings, b->posting_count, err) != 0) ||
        (b->delta_count > 0 && ops->balances_add(c, b->deltas, b->delta_count, err) != 0))
        return -1;
    return ops->checkpoint_put(c, seq, err);
}

int record_batch_commit(struct store *store, struct record_batch *b, const struct record_kind *kind,
                        const void *items, size_t n, bool *posted, struct store_err *err) {
    assert(store != NULL && b != NULL && kind != NULL && items != NULL && posted != NULL);
    assert(n >= 1 && n <= b->cap && kind->msgid && kind->fill && kind->postings);
    b->rec_count = b->posting_count = b->delta_count = 0;
    const struct store_backend *ops = store_ops(store);
    int rc = ops->begin(store_conn(store), err);
    if (rc == 0) {
        rc = batch_write(store, b, kind, items, n, posted, err);
        if (rc == 0) rc = ops->commit(store_conn(store), err);
        if (rc != 0) ops->rollback(store_conn(store));
    }
    if (rc != 0) memset(posted, 0, n * sizeof *posted);
    return rc;
}
