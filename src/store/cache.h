/* cache.h: the commit queue's write-through cache of persons (with their
 * personal-account balance) and year states, owned by the writer thread.
 *
 * It holds only committed values: the writer copies entries into a batch's
 * working set, settles, and writes them back only after the commit
 * succeeded (a failed commit clears the cache). It is valid for one journal
 * tail: every change to stored persons, states or balances appends a
 * journal record, so when the tail is not the seq this writer last
 * committed (another process wrote), the cache is cleared. Bounded by
 * CACHE_ENTRIES_MAX; when full it is cleared. */
#ifndef YIBAO_STORE_CACHE_H
#define YIBAO_STORE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define CACHE_ENTRIES_MAX 131072

struct cache_node;

struct wcache {
    size_t bucket_count; /* power of two */
    struct cache_node **buckets;
    size_t count;
    int64_t valid_seq; /* journal tail it reflects; -1: empty/invalid */
    int64_t hits, misses;
};

int wcache_init(struct wcache *c);
void wcache_free(struct wcache *c);
void wcache_clear(struct wcache *c);
/* Lookups copy out; return false when absent. */
bool wcache_person(struct wcache *c, const char *psn_no, struct store_person *out,
                   int64_t *balance_fen);
bool wcache_state(struct wcache *c, const char *psn_no, int32_t year, struct year_state *out);
/* Inserts or replaces; returns -1 on allocation failure (the cache is then cleared). */
int wcache_put_person(struct wcache *c, const struct store_person *p, int64_t balance_fen);
int wcache_put_state(struct wcache *c, const char *psn_no, const struct year_state *st);

#endif
