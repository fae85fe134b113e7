/* person_keep.h: the persons a journal replay has read, kept packed in
 * memory (deep_check.c's reader), so each person's row is read from the
 * store once per pass instead of once per settlement (a B-tree look-up
 * each: at 1,000,000 persons and 9.1 million settlements, the replay's
 * largest single cost). A row is kept as read, in the pass's one
 * snapshot, so a row given back is the one the store would give again.
 *
 * A person is about 100 bytes here (the row's strings packed, with no
 * fixed-width padding) against 560 as a struct store_person; the bytes
 * are bounded (PERSON_KEEP_BYTES_MAX): past them, rows are not kept and
 * are read from the store as before. One thread uses it. */
#ifndef YIBAO_APP_PERSON_KEEP_H
#define YIBAO_APP_PERSON_KEEP_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

/* The packed rows' bytes at most (1 GiB: about 10 million persons). */
#define PERSON_KEEP_BYTES_MAX ((size_t)1 << 30)

struct person_keep_block;

struct person_keep {
    struct person_keep_slot *slots; /* open addressing, at most half full */
    size_t count, slot_count;
    struct person_keep_block *blocks; /* the packed rows, newest block first */
    size_t bytes, bytes_max;
    bool full; /* a block would have passed bytes_max: nothing more kept */
};

/* An empty set bounded by bytes_max (PERSON_KEEP_BYTES_MAX, a test's less). */
void person_keep_init(struct person_keep *k, size_t bytes_max);
void person_keep_free(struct person_keep *k);

/* The kept row of psn_no into out: true, else false (never kept). */
bool person_keep_get(const struct person_keep *k, const char *psn_no, struct store_person *out);

/* Keeps row p (a person not kept yet): 0 kept, 1 not kept (the bound is
 * reached, or out of memory: the row is read again from the store). */
int person_keep_put(struct person_keep *k, const struct store_person *p);

#endif
