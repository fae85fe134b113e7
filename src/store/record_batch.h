/* record_batch.h: writing a batch of fund records (contributions, payment
 * runs, year-end settlements) to the journal exactly once, with their
 * postings and balances, in one transaction of the store's.
 *
 * Idempotency lives in the journal: each record's msgid names what it
 * records (a person's period, an institution's month), the journal's msgid
 * is unique, and a commit reads the msgids it is about to write inside its
 * own write transaction and writes only those not there. A commit first
 * catches the tables up to the journal (as an import does) and then moves
 * the checkpoint to its own last record, adding its balance deltas to the
 * accounts table: such records never sit after the checkpoint and readers
 * never replay them. What differs between the kinds is told by a
 * `struct record_kind`. */
#ifndef YIBAO_STORE_RECORD_BATCH_H
#define YIBAO_STORE_RECORD_BATCH_H

#include "store/store.h"

struct record_batch {
    size_t cap;                     /* items a commit may hold */
    size_t postings_per_record;     /* the most one record makes */
    struct journal_rec *found_recs; /* scratch for journal_by_msgid */
    bool *found;
    const char **msgids;
    struct journal_rec *recs; /* to append */
    struct posting *postings;
    struct balance_delta *deltas;
    size_t rec_count, posting_count, delta_count;
};

/* What one kind of record tells the batch writer. */
struct record_kind {
    const char *(*msgid)(const void *items, size_t i);
    /* Optional: checks inside the transaction, after the msgids are read
     * (found[i]: item i is in the journal already): 0 admitted, 2 refused
     * with err, -1 storage. */
    int (*admit)(struct store *store, const void *items, size_t n, const bool *found,
                 struct store_err *err);
    /* Fills rec's kind, msgid, psn_no, year, body and req_hash for item i
     * (seq and time are set); -1 with err. */
    int (*fill)(struct journal_rec *rec, const void *items, size_t i, struct store_err *err);
    /* rec's postings into out, at most postings_per_record: their count. */
    int (*postings)(const struct journal_rec *rec, const void *items, size_t i,
                    struct posting *out);
};

/* Allocates a batch of up to cap items (1..BATCH_MAX): 0, or -1 (out of
 * memory, nothing held). */
int record_batch_init(struct record_batch *b, size_t cap, size_t postings_per_record);
void record_batch_release(struct record_batch *b);

/* A record's req_hash: SHA-256 of "<head>\n<body>". */
void record_req_hash(struct journal_rec *rec, const char *head);

/* Writes items 0..n-1 not yet in the journal in one transaction; posted[i]
 * says which were written (all false unless it returns 0). 0, 2 refused
 * by the kind's admit (err says why), -1 storage (err). */
int record_batch_commit(struct store *store, struct record_batch *b, const struct record_kind *kind,
                        const void *items, size_t n, bool *posted, struct store_err *err);

#endif
