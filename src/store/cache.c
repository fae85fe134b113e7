/* cache.c: the writer's cache of committed persons and year states (see
 * cache.h). Chained hash table; one node per person or (person, year). */
#include "store/cache.h"
#include "core/hash.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_BUCKETS 262144 /* power of two, 2 x CACHE_ENTRIES_MAX */

enum node_kind { NODE_PERSON = 1, NODE_STATE = 2 };

struct cache_node {
    struct cache_node *next;
    uint64_t hash;
    enum node_kind kind;
    int32_t year;
    char psn_no[CODE_BYTES_MAX + 1];
    union {
        struct {
            struct store_person p;
            int64_t balance_fen;
        } person;
        struct year_state state;
    } v;
};

static uint64_t node_hash(enum node_kind kind, const char *psn_no, int32_t year) {
    assert(kind == NODE_PERSON ? year == 0 : kind == NODE_STATE);
    assert(psn_no != NULL);
    return fnv1a_text(FNV_OFFSET ^ (uint64_t)kind ^ ((uint64_t)(uint32_t)year << 8), psn_no);
}

int wcache_init(struct wcache *c) {
    assert(c != NULL);
    memset(c, 0, sizeof *c);
    c->bucket_count = CACHE_BUCKETS;
    c->buckets = calloc(c->bucket_count, sizeof *c->buckets);
    c->valid_seq = -1;
    assert((c->bucket_count & (c->bucket_count - 1)) == 0 &&
           c->bucket_count >= 2 * CACHE_ENTRIES_MAX);
    return c->buckets ? 0 : -1;
}

void wcache_clear(struct wcache *c) {
    assert(c != NULL);
    if (c->count > 0) {
        for (size_t b = 0; b < c->bucket_count; b++) {
            for (struct cache_node *n = c->buckets[b], *next; n; n = next) {
                next = n->next;
                free(n);
            }
            c->buckets[b] = NULL;
        }
    }
    c->count = 0;
    c->valid_seq = -1;
    assert(c->buckets == NULL || c->buckets[0] == NULL);
}

void wcache_free(struct wcache *c) {
    if (c == NULL || c->buckets == NULL) return;
    assert(c->count <= CACHE_ENTRIES_MAX);
    wcache_clear(c);
    free(c->buckets);
    c->buckets = NULL;
}

static struct cache_node *find(struct wcache *c, enum node_kind kind, const char *psn_no,
                               int32_t year) {
    assert(c != NULL && c->buckets != NULL);
    uint64_t h = node_hash(kind, psn_no, year);
    for (struct cache_node *n = c->buckets[h & (c->bucket_count - 1)]; n; n = n->next)
        if (n->hash == h && n->kind == kind && n->year == year && strcmp(n->psn_no, psn_no) == 0)
            return n;
    return NULL;
}

/* The node for the key, created when missing; NULL when out of memory. */
static struct cache_node *slot(struct wcache *c, enum node_kind kind, const char *psn_no,
                               int32_t year) {
    struct cache_node *n = find(c, kind, psn_no, year);
    if (n != NULL) return n;
    if (c->count >= CACHE_ENTRIES_MAX) {
        int64_t seq = c->valid_seq;
        wcache_clear(c);
        c->valid_seq = seq; /* still valid, just emptier */
    }
    assert(c->count < CACHE_ENTRIES_MAX);
    n = malloc(sizeof *n);
    if (n == NULL) {
        wcache_clear(c);
        return NULL;
    }
    n->hash = node_hash(kind, psn_no, year);
    n->kind = kind;
    n->year = year;
    snprintf(n->psn_no, sizeof n->psn_no, "%s", psn_no);
    size_t b = n->hash & (c->bucket_count - 1);
    n->next = c->buckets[b];
    c->buckets[b] = n;
    c->count++;
    assert(find(c, kind, psn_no, year) == n); /* the new node is found by its key */
    return n;
}

bool wcache_person(struct wcache *c, const char *psn_no, struct store_person *out,
                   int64_t *balance_fen) {
    assert(out != NULL && balance_fen != NULL);
    struct cache_node *n = find(c, NODE_PERSON, psn_no, 0);
    if (n == NULL) return c->misses++, false;
    assert(strcmp(n->v.person.p.psn_no, psn_no) == 0 && n->v.person.balance_fen >= 0);
    c->hits++;
    *out = n->v.person.p;
    *balance_fen = n->v.person.balance_fen;
    return true;
}

bool wcache_state(struct wcache *c, const char *psn_no, int32_t year, struct year_state *out) {
    assert(out != NULL);
    struct cache_node *n = find(c, NODE_STATE, psn_no, year);
    if (n == NULL) return c->misses++, false;
    assert(n->v.state.year == year &&
           n->v.state.acct_balc_fen == 0); /* the ledger holds the account */
    c->hits++;
    *out = n->v.state;
    return true;
}

int wcache_put_person(struct wcache *c, const struct store_person *p, int64_t balance_fen) {
    assert(c != NULL && p != NULL && p->psn_no[0] != '\0' && balance_fen >= 0);
    struct cache_node *n = slot(c, NODE_PERSON, p->psn_no, 0);
    if (n == NULL) return -1;
    n->v.person.p = *p;
    n->v.person.balance_fen = balance_fen;
    return 0;
}

int wcache_put_state(struct wcache *c, const char *psn_no, const struct year_state *st) {
    assert(c != NULL && psn_no != NULL && st != NULL && year_state_valid(st));
    assert(st->acct_balc_fen == 0); /* the ledger holds the account */
    struct cache_node *n = slot(c, NODE_STATE, psn_no, st->year);
    if (n == NULL) return -1;
    n->v.state = *st;
    return 0;
}
