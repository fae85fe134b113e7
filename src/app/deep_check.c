/* deep_check.c: every settlement settled again from the journal alone
 * (deep_check.h): `yibao check --deep` and `yibao explain`.
 *
 * One pass over the journal in seq order, DEEP_CHUNK_RECORDS records and
 * their attached data per read, inside one read-only snapshot. What the
 * pass keeps in memory: the registry the imports made so far (policies,
 * catalog, institutions rebuilt from the files the journal keeps; the
 * store's current registry for a kind whose imports predate kept files),
 * each (person, year)'s state and each person's account balance. Persons
 * are read from their table (covered by its content hash, registry_hash.c)
 * unless an edit came after the record: a persons import that changed a
 * registered person keeps the rows before and after (person_edit.h), so
 * a first pass over the journal gathers the edits, and a record sees the
 * row before the first edit after it, else the row stored now.
 *
 * The same pass is the policy what-if's replay (app_replay_whatif,
 * app/whatif.c): there the settlements of one policy year are settled
 * under policies that replace the stored ones, each (person, year) of
 * that year from zero, and their figures go to the what-if instead of
 * being compared; the other years' records count as journaled. */
#include "app/deep_check.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/contribute.h"
#include "app/person_keep.h"
#include "app/settle_case.h"
#include "codec/codec.h"
#include "core/agreement.h"
#include "core/hash.h"
#include "json/json.h"
#include "store/csv.h"
#include "store/person_edit.h"
#include "store/registry_rows.h"

/* ---- a string-keyed map of fixed-size values ----------------------------- */
/* A node is one allocation: its key right after the header, where a probe
 * that compares it finds it on the hash's cache line, then the value, as
 * large as the map's values are (8 bytes for an account balance, not the
 * largest kind's 344): at a million persons the maps are most of the
 * replay's memory and their probes its cache misses. */
struct node {
    struct node *next;
    uint64_t hash;
    void *val; /* the map's value_bytes, zeroed when created */
    char key[];
};

/* The edits of a person: indexes into deep.versions; or a member's
 * bindings: indexes into deep.bound_rows (bad: one of them does not parse). */
struct edit_span {
    size_t first, last;
    bool bad;
};

/* A binding of the member its span belongs to, parsed, and the member's
 * next one (SIZE_MAX: none), in the order enrol_scan gives them. */
struct bound_row {
    struct app_holder h;
    size_t next;
};

/* A holder's row as stored now (found false: not registered). */
struct held_person {
    struct store_person p;
    bool found;
};

struct dmap {
    struct node **buckets;
    size_t bucket_count, count, value_bytes;
};

static struct year_state *node_state(const struct node *n) {
    assert(n != NULL && n->val != NULL);
    return n->val;
}
static int64_t *node_balance(const struct node *n) {
    assert(n != NULL && n->val != NULL);
    return n->val;
}
static struct store_institution *node_inst(const struct node *n) {
    assert(n != NULL && n->val != NULL);
    return n->val;
}
static struct edit_span *node_edits(const struct node *n) {
    assert(n != NULL && n->val != NULL);
    return n->val;
}
static struct deep_kept **node_kept(const struct node *n) {
    assert(n != NULL && n->val != NULL);
    return n->val;
}
static struct edit_span *node_bound(const struct node *n) {
    assert(n != NULL && n->val != NULL);
    return n->val;
}
static struct held_person *node_held(const struct node *n) {
    assert(n != NULL && n->val != NULL);
    return n->val;
}

static int dmap_init(struct dmap *m, size_t value_bytes) {
    assert(m != NULL && value_bytes > 0);
    m->bucket_count = 4096;
    m->count = 0;
    m->value_bytes = value_bytes;
    m->buckets = calloc(m->bucket_count, sizeof *m->buckets);
    return m->buckets != NULL ? 0 : -1;
}
static void dmap_free(struct dmap *m) {
    assert(m != NULL);
    for (size_t b = 0; m->buckets != NULL && b < m->bucket_count; b++) {
        for (struct node *n = m->buckets[b], *next; n != NULL; n = next) {
            next = n->next;
            free(n);
        }
    }
    free(m->buckets);
    m->buckets = NULL;
}

static void dmap_grow(struct dmap *m) {
    assert(m->buckets != NULL && (m->bucket_count & (m->bucket_count - 1)) == 0);
    size_t count = m->bucket_count * 4;
    struct node **nb = calloc(count, sizeof *nb);
    if (nb == NULL) return; /* longer chains, still correct */
    for (size_t i = 0; i < m->bucket_count; i++) {
        for (struct node *n = m->buckets[i], *next; n != NULL; n = next) {
            next = n->next;
            n->next = nb[n->hash & (count - 1)];
            nb[n->hash & (count - 1)] = n;
        }
    }
    free(m->buckets);
    m->buckets = nb;
    m->bucket_count = count;
}

/* The node of key; with create, a zeroed one when absent (*fresh true).
 * NULL: absent (or out of memory when creating). */
static struct node *dmap_get(struct dmap *m, const char *key, bool create, bool *fresh) {
    assert(m->buckets != NULL && key != NULL);
    uint64_t h = fnv1a_text(FNV_OFFSET, key);
    if (fresh != NULL) *fresh = false;
    for (struct node *n = m->buckets[h & (m->bucket_count - 1)]; n != NULL; n = n->next)
        if (n->hash == h && strcmp(n->key, key) == 0) return n;
    if (!create) return NULL;
    if (m->count >= m->bucket_count) dmap_grow(m);
    size_t len = strlen(key);
    size_t at = (sizeof(struct node) + len + 1 + 15) & ~(size_t)15; /* the value, aligned */
    struct node *n = calloc(1, at + m->value_bytes);
    if (n == NULL) return NULL;
    memcpy(n->key, key, len + 1);
    n->val = (char *)n + at;
    n->hash = h;
    n->next = m->buckets[h & (m->bucket_count - 1)];
    m->buckets[h & (m->bucket_count - 1)] = n;
    m->count++;
    if (fresh != NULL) *fresh = true;
    return n;
}

/* ---- the replay ----------------------------------------------------------- */
/* A what-if settlement a later record revokes: what the revoke takes back. */
struct deep_kept {
    bool refused; /* under the what-if's policies: nothing to take back */
    const char *refusal;
    struct whatif_where where;
    struct store_settlement after;
};

/* A person edit: the rows before and after import record seq. */
struct person_version {
    int64_t seq;
    size_t next; /* the person's next edit (SIZE_MAX: none) */
    struct store_person old, now;
};

/* A chunk of the journal, read ahead of its replay: DEEP_CHUNK_RECORDS
 * records, their attached data, the persons of its settlements (one round
 * trip on PostgreSQL instead of one a settlement: person_at[slot] indexes
 * persons, -1 none) and, in a what-if, which of its settlements of the
 * year a later record revokes. */
struct deep_chunk {
    struct journal_rec *recs;
    size_t rec_count;
    unsigned char *data[DEEP_CHUNK_RECORDS];
    size_t data_len[DEEP_CHUNK_RECORDS];
    bool revoked_later[DEEP_CHUNK_RECORDS];
    struct store_person *persons;
    bool found[DEEP_CHUNK_RECORDS];
    int32_t person_at[DEEP_CHUNK_RECORDS];
    int64_t next_from; /* the seq after its last record */
    int rc;            /* 0 read, 2 the journal's end, 1 a mismatch, -1 an error: in err */
    struct store_err err;
    bool ready; /* read, not yet replayed (under reader.lock) */
};

/* The thread reading the next chunk while the replay settles this one:
 * the two share the store's connection, one call at a time (conn_lock),
 * inside the pass's one read snapshot. */
struct deep_reader {
    pthread_t thread;
    bool running, stop;
    pthread_mutex_t lock, conn_lock;
    pthread_cond_t changed;
};

/* The persons whose row the reader already read with a chunk, by the hash
 * of their number (open addressing, 0 empty, at most half full): a
 * contribution's person is read with its chunk only the first time, when
 * the replay opens the person's account. A collision only costs the
 * replay a read of its own (deep_person's fallback), never a wrong row. */
struct seen_set {
    uint64_t *slots;
    size_t count, slot_count;
    bool failed; /* out of memory once: some hash may be missing */
};

struct deep {
    struct store *store;
    const struct store_backend *ops;
    struct store_conn *conn;
    struct store_err *err;
    int failed; /* 1 once a mismatch is recorded */
    const struct registry *current;
    /* the registry the journaled imports made so far */
    struct policy *policies;
    size_t policy_count;
    struct catalog catalog;
    bool has_catalog;
    struct dmap insts;
    struct json_doc *doc;
    /* persons' years and accounts */
    struct dmap states, balances;
    struct store_person person;             /* the last one read */
    struct node *last_state, *last_balance; /* the last looked up */
    /* the person edits, in seq order, chained per person (edited) */
    struct person_version *versions;
    size_t version_count, version_cap;
    struct dmap edited;
    int64_t *edit_seqs; /* the import records that edit persons */
    size_t edit_seq_count, edit_seq_cap;
    int64_t last_persons_seq; /* the last persons import: the first pass ends there */
    int64_t at_seq;           /* the record being replayed */
    bool bindings_seen;       /* a bindings import came before at_seq */
    bool bound_read;          /* the bindings and their holders are read */
    /* the bindings as stored now, read once: each member's (bound_members,
     * a span of bound_rows) and each holder's person row (holders), so a
     * settlement asks the store nothing (it waited for the reader's chunk) */
    struct dmap bound_members, holders;
    struct bound_row *bound_rows;
    size_t bound_count, bound_cap;
    int64_t tail_seq; /* the journal's last record, for the progress */
    /* the chunk being replayed (ch), the next one read meanwhile */
    struct deep_chunk *ch;
    struct deep_chunk chunks[2];
    struct deep_reader reader;
    struct seen_set seen; /* the reader's (chunk_read's) own */
    /* the persons read so far, and a chunk's rows read from the store: the
     * reader's own (chunk_persons) */
    struct person_keep persons_kept;
    struct store_person *read_rows;
    bool read_found[DEEP_CHUNK_RECORDS];
    struct bill_line *lines;
    /* explain: the record to explain and stop after (0: none, check all) */
    int64_t until_seq;
    struct explain *explain;
    struct store_settlement *explained;
    bool explained_found;
    struct app_deep_out out;
    /* the what-if (app_replay_whatif); NULL: check --deep or explain */
    const struct app_whatif_replay *whatif;
    struct dmap kept; /* its settlements revoked later, by seq */
    size_t at_slot;   /* the record being replayed's slot in the chunk */
};

static int mismatch(struct deep *d, const char *format, ...) __attribute__((format(printf, 2, 3)));

static int mismatch(struct deep *d, const char *format, ...) {
    assert(d != NULL && format != NULL);
    if (!d->failed) {
        va_list ap;
        va_start(ap, format);
        vsnprintf(d->err->msg, sizeof d->err->msg, format, ap);
        va_end(ap);
    }
    d->failed = 1;
    return 1;
}

/* ---- the registry of the record's time, as app_settle reads it -------------- */
static const struct store_institution *deep_institution(const void *ctx, const char *code) {
    const struct deep *d = ctx;
    assert(d != NULL && code != NULL);
    struct node *n = dmap_get((struct dmap *)(uintptr_t)&d->insts, code, false, NULL);
    return n != NULL ? node_inst(n) : registry_institution(d->current, code);
}

/* The version in force at the bill's endtime among the imports replayed
 * so far; the current registry's for a key no kept file imported. */
static const struct policy *deep_policy(const void *ctx, const char *region, int32_t year,
                                        int32_t insutype, datetime_s at) {
    const struct deep *d = ctx;
    assert(d != NULL && region != NULL);
    /* a what-if policy replaces every version of its key for the year */
    for (size_t i = 0; d->whatif != NULL && i < d->whatif->policy_count; i++) {
        const struct policy *w = &d->whatif->policies[i];
        if (w->year == year && w->insutype == insutype && strcmp(w->region, region) == 0) return w;
    }
    const struct policy *p = policy_version_at(d->policies, d->policy_count, region, year, insutype,
                                               at);
    if (p != NULL && p->valid_from <= at) return p;
    /* none replayed in force then: a first version imported before files were kept */
    const struct policy *now = registry_policy_at(d->current, region, year, insutype, at);
    return now != NULL && now->valid_from <= at ? now : p;
}

static const struct policy *deep_fallback(const void *ctx, const char *region, int32_t insutype) {
    const struct deep *d = ctx;
    assert(d != NULL && region != NULL);
    return registry_policy_fallback(d->current, region, insutype);
}

static const struct catalog *deep_catalog(const void *ctx) {
    const struct deep *d = ctx;
    assert(d != NULL);
    return d->has_catalog ? &d->catalog : registry_catalog(d->current);
}

/* Marks hash h seen; true when it was not before (or the set cannot grow:
 * then every person is read, as before the set). */
static bool seen_first(struct seen_set *set, uint64_t h) {
    assert(set != NULL);
    h = h != 0 ? h : 1;
    if (2 * (set->count + 1) > set->slot_count) {
        size_t count = set->slot_count > 0 ? set->slot_count * 2 : 65536;
        uint64_t *slots = calloc(count, sizeof *slots);
        if (slots == NULL) return set->failed = true, true;
        for (size_t i = 0; i < set->slot_count; i++) {
            size_t k = set->slots[i] & (count - 1);
            while (set->slots[i] != 0 && slots[k] != 0) k = (k + 1) & (count - 1);
            if (set->slots[i] != 0) slots[k] = set->slots[i];
        }
        free(set->slots);
        set->slots = slots;
        set->slot_count = count;
    }
    size_t mask = set->slot_count - 1, k = h & mask;
    while (set->slots[k] != 0 && set->slots[k] != h) k = (k + 1) & mask;
    if (set->slots[k] == h) return false;
    set->slots[k] = h;
    set->count++;
    return true;
}

/* ---- the person's records as of the record -------------------------------------- */
static int deep_person(void *ctx, const char *psn_no, struct store_person *out, bool *found,
                       struct store_err *err) {
    struct deep *d = ctx;
    assert(d != NULL && psn_no != NULL && out != NULL && found != NULL);
    const struct node *n = dmap_get(&d->edited, psn_no, false, NULL);
    for (size_t i = n != NULL ? node_edits(n)->first : SIZE_MAX; i != SIZE_MAX;
         i = d->versions[i].next) {
        if (d->versions[i].seq > d->at_seq) { /* edited after: as it was before */
            *out = d->versions[i].old;
            *found = true;
            d->person = *out;
            return 0;
        }
    }
    int32_t j = d->ch->person_at[d->at_slot];
    if (j >= 0 && strcmp(d->ch->persons[j].psn_no, psn_no) == 0) { /* read with the chunk */
        *out = d->ch->persons[j];
        *found = d->ch->found[j];
        if (*found) d->person = *out;
        return 0;
    }
    const struct node *held = d->bound_read ? dmap_get(&d->holders, psn_no, false, NULL) : NULL;
    if (held != NULL) { /* a holder, read with the bindings */
        *out = node_held(held)->p;
        *found = node_held(held)->found;
        if (*found) d->person = *out;
        return 0;
    }
    const char *keys[1] = {psn_no};
    pthread_mutex_lock(&d->reader.conn_lock); /* the reader may be reading the next chunk */
    int rc = d->ops->persons_get(d->conn, keys, 1, out, found, err);
    pthread_mutex_unlock(&d->reader.conn_lock);
    if (rc != 0) return -1;
    if (*found) d->person = *out;
    return 0;
}

/* The person's account: opened at import with acct_open, then each
 * record's delta. NULL: out of memory or an unknown person (err). */
static int64_t *balance_of(struct deep *d, const char *psn_no) {
    assert(d != NULL && psn_no != NULL);
    /* a settlement reads its person's account, then moves it: one look-up */
    if (d->last_balance != NULL && strcmp(d->last_balance->key, psn_no) == 0)
        return node_balance(d->last_balance);
    bool fresh = false;
    struct node *n = dmap_get(&d->balances, psn_no, true, &fresh);
    if (n == NULL) return store_errf(d->err, "check --deep: out of memory"), NULL;
    d->last_balance = n; /* nodes stay where they are when the map grows */
    if (!fresh) return node_balance(n);
    if (strcmp(d->person.psn_no, psn_no) != 0) {
        bool found = false;
        struct store_person p;
        if (deep_person(d, psn_no, &p, &found, d->err) != 0) return NULL;
        if (!found)
            return store_errf(d->err, "check --deep: person %s: not registered", psn_no), NULL;
    }
    *node_balance(n) = d->person.acct_open_fen;
    return node_balance(n);
}

static struct year_state *state_of(struct deep *d, const char *psn_no, int32_t year) {
    char key[CODE_BYTES_MAX + 16];
    assert(d != NULL && psn_no != NULL);
    /* a settlement reads its person's year, then moves it: one look-up */
    const struct node *last = d->last_state;
    size_t len = strlen(psn_no);
    if (last != NULL && node_state(last)->year == year && strncmp(last->key, psn_no, len) == 0 &&
        last->key[len] == '\x1f')
        return node_state(d->last_state);
    snprintf(key, sizeof key, "%s\x1f%d", psn_no, (int)year);
    bool fresh = false;
    struct node *n = dmap_get(&d->states, key, true, &fresh);
    if (n == NULL) return store_errf(d->err, "check --deep: out of memory"), NULL;
    if (fresh) year_state_init(node_state(n), year, 0);
    d->last_state = n; /* nodes stay where they are when the map grows */
    return node_state(n);
}

static int deep_state(void *ctx, const char *psn_no, int32_t year, struct year_state *out,
                      struct store_err *err) {
    struct deep *d = ctx;
    assert(d != NULL && psn_no != NULL && out != NULL && err == d->err);
    const struct year_state *st = state_of(d, psn_no, year);
    const int64_t *balance = st != NULL ? balance_of(d, psn_no) : NULL;
    if (balance == NULL) return -1;
    *out = *st;
    out->acct_balc_fen = *balance;
    return 0;
}

/* A row of enrol_bindings, in key order: parsed as its member's, added
 * to the member's span (a row that does not parse marks the span: the
 * member's settlements fail as when the row was read at each). */
static int bound_row(void *ctx, const struct store_enrol_row *row) {
    struct deep *d = ctx;
    struct app_holder h;
    assert(d != NULL && row != NULL);
    bool fresh = false;
    struct node *n = dmap_get(&d->bound_members, row->col[0], true, &fresh);
    if (n == NULL) return store_errf(d->err, "check --deep: out of memory"), -1;
    struct edit_span *span = node_bound(n);
    if (app_holder_from_row(row, row->col[0], &h) != 1) return span->bad = true, 0;
    if (d->bound_count == d->bound_cap) {
        size_t cap = d->bound_cap * 2 + 1024;
        struct bound_row *grown = realloc(d->bound_rows, cap * sizeof *grown);
        if (grown == NULL) return store_errf(d->err, "check --deep: out of memory"), -1;
        d->bound_rows = grown;
        d->bound_cap = cap;
    }
    size_t at = d->bound_count++;
    d->bound_rows[at] = (struct bound_row){h, SIZE_MAX};
    if (fresh) span->first = at;
    else d->bound_rows[span->last].next = at;
    span->last = at;
    return 0;
}

/* A batch of holders' rows, read into their nodes. */
struct held_batch {
    const char *keys[DEEP_CHUNK_RECORDS];
    struct node *nodes[DEEP_CHUNK_RECORDS];
    struct store_person rows[DEEP_CHUNK_RECORDS];
    bool found[DEEP_CHUNK_RECORDS];
    size_t n;
};

static int held_flush(struct deep *d, struct held_batch *b, struct store_err *err) {
    assert(d != NULL && b != NULL && b->n <= DEEP_CHUNK_RECORDS);
    if (b->n > 0 && d->ops->persons_get(d->conn, b->keys, b->n, b->rows, b->found, err) != 0)
        return -1;
    for (size_t k = 0; k < b->n; k++)
        *node_held(b->nodes[k]) = (struct held_person){b->rows[k], b->found[k]};
    b->n = 0;
    return 0;
}

/* The holders' person rows, DEEP_CHUNK_RECORDS per read, each holder once. */
static int holders_read(struct deep *d, struct store_err *err) {
    assert(d != NULL && d->bound_count <= d->bound_cap);
    struct held_batch *b = calloc(1, sizeof *b);
    if (b == NULL) return store_errf(err, "check --deep: out of memory"), -1;
    int rc = 0;
    for (size_t i = 0; i < d->bound_count && rc == 0; i++) {
        bool fresh = false;
        struct node *h = dmap_get(&d->holders, d->bound_rows[i].h.psn_no, true, &fresh);
        if (h == NULL) store_errf(err, "check --deep: out of memory"), rc = -1;
        else if (fresh) b->keys[b->n] = h->key, b->nodes[b->n++] = h;
        if (rc == 0 && b->n == DEEP_CHUNK_RECORDS) rc = held_flush(d, b, err);
    }
    if (rc == 0) rc = held_flush(d, b, err);
    free(b);
    return rc;
}

/* The bindings, as stored now (docs/FUNDS.md: a binding changed later is
 * read as it is now), and their holders' rows, read once in the pass's
 * snapshot, at the first settlement after a bindings import. */
static int bound_read(struct deep *d, struct store_err *err) {
    assert(d != NULL && !d->bound_read && err == d->err);
    pthread_mutex_lock(&d->reader.conn_lock);
    int rc = d->ops->enrol_scan(d->conn, ENROL_BINDINGS, NULL, bound_row, d, err);
    if (rc == 0) rc = holders_read(d, err);
    pthread_mutex_unlock(&d->reader.conn_lock);
    if (rc != 0) return -1;
    d->bound_read = true;
    return 0;
}

/* The person's bindings (FUNDS.md §5 Step 7b) as enrol_bindings holds them
 * now, once a bindings file was imported before the record, with each
 * holder's balance as the replay has it. */
static int deep_holders(void *ctx, const char *psn_no, struct app_holder *out, int32_t *count,
                        struct store_err *err) {
    struct deep *d = ctx;
    assert(d != NULL && psn_no != NULL && count != NULL && err == d->err);
    *count = 0;
    if (!d->bindings_seen) return 0;
    if (!d->bound_read && bound_read(d, err) != 0) return -1;
    const struct node *n = dmap_get(&d->bound_members, psn_no, false, NULL);
    if (n == NULL) return 0; /* most persons are in no binding */
    if (node_bound(n)->bad)
        return store_errf(err, "check --deep: a binding of %s does not parse", psn_no), -1;
    int32_t listed = 0;
    for (size_t i = node_bound(n)->first; i != SIZE_MAX; i = d->bound_rows[i].next)
        app_holders_add(out, &listed, &d->bound_rows[i].h);
    for (int32_t k = 0; k < listed; k++) {
        struct store_person holder;
        bool found = false;
        if (deep_person(d, out[k].psn_no, &holder, &found, err) != 0) return -1;
        if (!found) continue; /* as the commit queue: a holder not registered is left out */
        const int64_t *balance = balance_of(d, holder.psn_no);
        if (balance == NULL) return -1;
        out[*count] = out[k];
        snprintf(out[*count].region, sizeof out[*count].region, "%s", holder.region);
        out[*count].insutype = holder.insutype;
        out[*count].acct_balc_fen = *balance;
        (*count)++;
    }
    return 0;
}

/* The holders' parts of a settlement: out of their accounts (sign -1), or
 * back in on its revoke (+1). */
static int holders_apply(struct deep *d, const struct store_settlement *stl, int sign) {
    for (int32_t k = 0; k < stl->holder_count; k++) {
        int64_t *balance = balance_of(d, stl->holders[k].psn_no);
        if (balance == NULL) return -1;
        *balance += sign * stl->holders[k].pay_fen;
        if (*balance < 0)
            return mismatch(d, "journal seq %" PRId64 ": holder %s's account falls below 0",
                            d->at_seq, stl->holders[k].psn_no);
    }
    return 0;
}

/* A record's delta on its person's year and account, as the commit queue
 * applied it (a revoke takes it back). */
static int delta_on(struct deep *d, const char *psn_no, int32_t year,
                    const struct year_state *delta, bool take_back) {
    assert(d != NULL && psn_no != NULL && delta != NULL);
    struct year_state *st = state_of(d, psn_no, year);
    int64_t *balance = st != NULL ? balance_of(d, psn_no) : NULL;
    if (balance == NULL) return -1;
    st->acct_balc_fen = *balance;
    if (!take_back) year_state_apply(st, delta);
    else year_state_unapply(st, delta);
    *balance = st->acct_balc_fen;
    st->acct_balc_fen = 0;
    return 0;
}

/* A settlement's effect (delta_on, and its family holders' parts out of
 * their accounts), or its revoke's (both taken back). */
static int settlement_on(struct deep *d, const char *psn_no, const struct store_settlement *stl,
                         bool take_back) {
    assert(d != NULL && psn_no != NULL && stl != NULL);
    if (delta_on(d, psn_no, stl->year, &stl->delta, take_back) != 0) return -1;
    return holders_apply(d, stl, take_back ? +1 : -1);
}

static int apply_delta(struct deep *d, const struct journal_rec *rec,
                       const struct store_settlement *stl) {
    assert(rec->kind == JOURNAL_SETTLE || rec->kind == JOURNAL_REVOKE);
    return settlement_on(d, rec->psn_no, stl, rec->kind == JOURNAL_REVOKE);
}

/* ---- imports: the registry of the time ------------------------------------------- */
static int load_policy(struct deep *d, const struct journal_rec *rec, const char *text,
                       size_t len) {
    struct json_error jerr;
    char msg[CODEC_ERR_BYTES];
    assert(d->policies != NULL && d->policy_count <= POLICIES_MAX);
    const struct json_value *root = json_parse(d->doc, text, len, &jerr);
    struct policy *p = calloc(1, sizeof *p);
    if (p == NULL) return store_errf(d->err, "check --deep: out of memory"), -1;
    int rc = 0;
    if (root == NULL || policy_from_json(root, p, msg, sizeof msg) != 0) {
        rc = mismatch(d, "journal seq %" PRId64 ": its policy does not load: %s", rec->seq,
                      root == NULL ? jerr.message : msg);
    } else {
        size_t i = 0; /* a version replaces the one of its key and day, else adds */
        while (i < d->policy_count &&
               !(d->policies[i].year == p->year && d->policies[i].insutype == p->insutype &&
                 d->policies[i].valid_from == p->valid_from &&
                 strcmp(d->policies[i].region, p->region) == 0))
            i++;
        if (i == POLICIES_MAX) rc = mismatch(d, "more than %d policies", POLICIES_MAX);
        else d->policies[i] = *p, d->policy_count += i == d->policy_count ? 1 : 0;
    }
    free(p);
    return rc;
}

static int load_catalog(struct deep *d, const struct journal_rec *rec, const char *text,
                        size_t len) {
    struct json_error jerr;
    char msg[CODEC_ERR_BYTES];
    struct catalog next;
    assert(d != NULL && text != NULL);
    catalog_init(&next);
    const struct json_value *root = json_parse(d->doc, text, len, &jerr);
    if (root == NULL || catalog_from_json(root, &next, msg, sizeof msg) != 0) {
        catalog_free(&next);
        return mismatch(d, "journal seq %" PRId64 ": its catalog does not load: %s", rec->seq,
                        root == NULL ? jerr.message : msg);
    }
    catalog_free(&d->catalog);
    d->catalog = next;
    d->has_catalog = true;
    return 0;
}

static int load_institutions(struct deep *d, const struct journal_rec *rec, unsigned char *bytes,
                             size_t len) {
    assert(d != NULL && bytes != NULL);
    FILE *f = fmemopen(bytes, len, "rb");
    if (f == NULL) return store_errf(d->err, "check --deep: out of memory"), -1;
    struct csv_reader r;
    int cols[IC_COUNT], col = 0, rc = 0;
    csv_init(&r, f);
    const char *why = csv_next(&r) == 1
                          ? rows_map_header(&r, ROWS_INST_COLS, IC_COUNT, IC_UNTIL, cols)
                          : "no header";
    while (why == NULL && (rc = csv_next(&r)) == 1) {
        if (r.field_count == 1 && r.fields[0][0] == '\0') continue;
        struct store_institution x;
        why = rows_institution(&r, cols, &x, &col);
        struct node *n = why == NULL ? dmap_get(&d->insts, x.code, true, NULL) : NULL;
        if (why == NULL && n == NULL) why = "out of memory";
        if (n != NULL) *node_inst(n) = x;
    }
    fclose(f);
    if (why == NULL && rc < 0) why = r.err;
    if (why != NULL)
        return mismatch(d, "journal seq %" PRId64 ": its institutions file does not load: %s",
                        rec->seq, why);
    return 0;
}

/* A payment agreement settles nothing: its kept file must still load. */
static int check_agreement(struct deep *d, const struct journal_rec *rec, const char *text,
                           size_t len) {
    struct json_error jerr;
    char msg[CODEC_ERR_BYTES];
    assert(d != NULL && rec != NULL && text != NULL);
    const struct json_value *root = json_parse(d->doc, text, len, &jerr);
    struct agreement *a = root != NULL ? malloc(sizeof *a) : NULL;
    if (root != NULL && a == NULL) return store_errf(d->err, "check --deep: out of memory"), -1;
    int rc = 0;
    if (root == NULL || payment_agreement_from_json(root, a, msg, sizeof msg) != 0)
        rc = mismatch(d, "journal seq %" PRId64 ": its payment agreement does not load: %s",
                      rec->seq, root == NULL ? jerr.message : msg);
    free(a);
    return rc;
}

static int replay_import(struct deep *d, const struct journal_rec *rec, size_t slot) {
    assert(rec->kind == JOURNAL_IMPORT && slot < DEEP_CHUNK_RECORDS);
    unsigned char *bytes = d->ch->data[slot];
    size_t len = d->ch->data_len[slot];
    if (strncmp(rec->body, "what=bindings ", 14) == 0) d->bindings_seen = true;
    if (bytes == NULL) return 0; /* persons, or a release before kept files */
    if (strncmp(rec->body, "what=persons ", 13) == 0) return 0; /* its edits: gather_edits */
    if (strncmp(rec->body, "what=policy ", 12) == 0)
        return load_policy(d, rec, (const char *)bytes, len);
    if (strncmp(rec->body, "what=catalog ", 13) == 0)
        return load_catalog(d, rec, (const char *)bytes, len);
    if (strncmp(rec->body, "what=institutions ", 18) == 0)
        return load_institutions(d, rec, bytes, len);
    if (strncmp(rec->body, "what=payment ", 13) == 0)
        return check_agreement(d, rec, (const char *)bytes, len);
    /* rules decide which bills are admitted, never an amount (RULES.md):
     * a standing settlement is settled again without them */
    if (strncmp(rec->body, "what=rules ", 11) == 0) return 0;
    /* the enrolment registry (issue 16) settles nothing yet: its kept
     * files are hashed by check, not replayed */
    static const char *const enrol[] = {"what=employers ", "what=episodes ", "what=wages ",
                                        "what=bindings ", "what=signings "};
    for (size_t i = 0; i < sizeof enrol / sizeof enrol[0]; i++)
        if (strncmp(rec->body, enrol[i], strlen(enrol[i])) == 0) return 0;
    if (d->whatif != NULL) return 0; /* another issue's files: they settle nothing */
    return mismatch(d, "journal seq %" PRId64 ": data of an unknown import", rec->seq);
}

/* ---- person edits: gathered before the replay ---------------------------------------- */
static int version_add(struct deep *d, int64_t seq, const struct store_person *old,
                       const struct store_person *now) {
    assert(strcmp(old->psn_no, now->psn_no) == 0);
    if (d->version_count == d->version_cap) {
        size_t cap = d->version_cap * 2 + 256;
        struct person_version *grown = realloc(d->versions, cap * sizeof *grown);
        if (grown == NULL) return store_errf(d->err, "check --deep: out of memory"), -1;
        d->versions = grown;
        d->version_cap = cap;
    }
    bool fresh = false;
    struct node *n = dmap_get(&d->edited, old->psn_no, true, &fresh);
    if (n == NULL) return store_errf(d->err, "check --deep: out of memory"), -1;
    size_t at = d->version_count++;
    d->versions[at] = (struct person_version){seq, SIZE_MAX, *old, *now};
    if (fresh) node_edits(n)->first = at;
    else d->versions[node_edits(n)->last].next = at;
    /* the row an edit found is the row the edit before left */
    if (!fresh && person_first_change(&d->versions[node_edits(n)->last].now, old) != NULL)
        return mismatch(d,
                        "journal seq %" PRId64 ": person %s: the edit found a row other than the"
                        " edit before it left (%s)",
                        seq, old->psn_no,
                        person_first_change(&d->versions[node_edits(n)->last].now, old));
    node_edits(n)->last = at;
    return 0;
}

static int load_edits(void *ctx, const struct journal_data *data) {
    struct deep *d = ctx;
    assert(d != NULL && data != NULL);
    FILE *f = fmemopen((void *)(uintptr_t)data->bytes, data->len, "rb");
    if (f == NULL) return store_errf(d->err, "check --deep: out of memory"), -1;
    struct csv_reader r;
    struct store_person old, now;
    bool is_old = false, have_old = false;
    const char *why = NULL;
    int rc = 0;
    csv_init(&r, f);
    if (csv_next(&r) != 1) why = "no header";
    while (why == NULL && rc == 0 && csv_next(&r) == 1) {
        why = person_edit_parse(&r, &is_old, have_old ? &now : &old);
        if (why == NULL && is_old == have_old) why = "rows not in old, new pairs";
        have_old = why == NULL && is_old;
        if (why == NULL && !is_old) {
            if (strcmp(old.psn_no, now.psn_no) != 0) why = "a new row of another person";
            else rc = version_add(d, data->seq, &old, &now);
        }
    }
    fclose(f);
    if (why == NULL && have_old) why = "an old row without its new one";
    if (why != NULL)
        return mismatch(
            d, "journal seq %" PRId64 ": its person edits do not read: line %" PRId64 ": %s",
            data->seq, r.line, why);
    return rc;
}

static int collect_edit_seq(void *ctx, const struct journal_rec *rec) {
    struct deep *d = ctx;
    assert(d != NULL && rec != NULL);
    if (rec->seq > d->last_persons_seq) return 2; /* no persons import after: done */
    if (rec->kind != JOURNAL_IMPORT || strncmp(rec->body, "what=persons ", 13) != 0 ||
        strstr(rec->body, " edits=") == NULL)
        return 0;
    if (d->edit_seq_count == d->edit_seq_cap) {
        size_t cap = d->edit_seq_cap * 2 + 64;
        int64_t *grown = realloc(d->edit_seqs, cap * sizeof *grown);
        if (grown == NULL) return store_errf(d->err, "check --deep: out of memory"), -1;
        d->edit_seqs = grown;
        d->edit_seq_cap = cap;
    }
    d->edit_seqs[d->edit_seq_count++] = rec->seq;
    return 0;
}

/* Each edited person's last edit left the row stored now: the journal's
 * rows and the table tell one story (a row rewritten with its edit data
 * and the chain rehashed would not). */
static int edits_end_in_table(struct deep *d) {
    assert(d != NULL);
    for (size_t i = 0; i < d->version_count; i++) {
        const struct person_version *v = &d->versions[i];
        if (v->next != SIZE_MAX) continue; /* not the person's last edit */
        const char *keys[1] = {v->now.psn_no};
        struct store_person now;
        bool found = false;
        if (d->ops->persons_get(d->conn, keys, 1, &now, &found, d->err) != 0) return -1;
        const char *field = found ? person_first_change(&v->now, &now) : "psn_no";
        if (field != NULL)
            return mismatch(d,
                            "journal seq %" PRId64 ": person %s: the row stored is not the one"
                            " the last edit left (%s)",
                            v->seq, v->now.psn_no, field);
    }
    return 0;
}

/* The first pass: every person edit's rows, before the replay reads a
 * person. It reads the journal's records (not their data) up to the last
 * persons import, found through an index: a city's persons are imported
 * first, so the pass is short unless a person was edited late. */
static int gather_edits(struct deep *d) {
    assert(d != NULL && d->version_count == 0);
    if (d->ops->last_import(d->conn, "persons", &d->last_persons_seq, d->err) != 0) return -1;
    if (d->last_persons_seq > 0 &&
        d->ops->journal_scan(d->conn, 1, collect_edit_seq, d, d->err) == -1)
        return -1;
    for (size_t i = 0; i < d->edit_seq_count && !d->failed; i++) {
        int64_t seq = d->edit_seqs[i];
        size_t before = d->version_count;
        if (d->ops->data_scan(d->conn, seq, seq, load_edits, d, d->err) == -1) return -1;
        if (!d->failed && d->version_count == before)
            return mismatch(d, "journal seq %" PRId64 ": its person edits are missing", seq);
    }
    return d->failed ? 1 : edits_end_in_table(d);
}

/* ---- settlements -------------------------------------------------------------------- */
static int resettle(struct deep *d, const struct journal_rec *rec,
                    const struct store_settlement *stored, size_t slot) {
    assert(rec->kind == JOURNAL_SETTLE && stored->bill_hash[0] != '\0');
    struct bill bill;
    if (d->ch->data[slot] == NULL)
        return mismatch(d, "journal seq %" PRId64 ": its bill is missing", rec->seq);
    if (bill_blob_decode(d->ch->data[slot], d->ch->data_len[slot], &bill, d->lines,
                         BILL_LINES_MAX) != 0)
        return mismatch(d, "journal seq %" PRId64 ": its bill does not decode", rec->seq);
    struct app_registry reg = {d, deep_institution, deep_policy, deep_fallback, deep_catalog, NULL};
    struct app_person_reader reader = {d, deep_person, deep_state, deep_holders};
    struct app_settle_request req = {rec->psn_no, &bill, 0};
    struct app_settle_answer ans;
    struct explain *explain = rec->seq == d->until_seq ? d->explain : NULL;
    if (app_settle(&reg, &reader, &req, &ans, NULL, explain, d->err) != 0) return -1;
    if (ans.refusal.code != NULL)
        return mismatch(d, "journal seq %" PRId64 ": settled again, it is refused: %s (%s)",
                        rec->seq, ans.refusal.code, ans.refusal.field ? ans.refusal.field : "");
    memcpy(ans.stl.bill_hash, stored->bill_hash, sizeof ans.stl.bill_hash);
    if (rec->seq == d->until_seq) *d->explained = ans.stl, d->explained_found = true;
    int64_t was = 0, now = 0;
    const char *field = settlement_diff(stored, &ans.stl, &was, &now);
    if (field != NULL)
        return mismatch(
            d, "journal seq %" PRId64 ": %s stored %" PRId64 ", settled again %" PRId64 " (%s)",
            rec->seq, field, was, now,
            strcmp(field, "region") == 0 ? "another policy" : "the figures differ");
    d->out.resettled++;
    return 0;
}

/* The first figure where two contributions differ, or NULL. */
static const char *contrib_diff(const struct store_contrib *a, const struct store_contrib *b,
                                int64_t *va, int64_t *vb) {
    assert(a != NULL && b != NULL && va != NULL && vb != NULL);
    const struct {
        const char *key;
        int64_t x, y;
    } f[] = {{"base", a->base_fen, b->base_fen},
             {"employer", a->employer_fen, b->employer_fen},
             {"employee", a->employee_fen, b->employee_fen},
             {"account", a->account_fen, b->account_fen},
             {"pool", a->pool_fen, b->pool_fen},
             {"over_cap", a->over_cap_fen, b->over_cap_fen},
             {"premium", a->premium_fen, b->premium_fen},
             {"assisted", a->assisted_fen, b->assisted_fen},
             {"own", a->own_fen, b->own_fen},
             {"subsidy", a->subsidy_fen, b->subsidy_fen},
             {"catastrophic", a->catastrophic_fen, b->catastrophic_fen}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].x != f[i].y) return *va = f[i].x, *vb = f[i].y, f[i].key;
    return NULL;
}

/* A premium paid (category premium_paid, `yibao pay-premium`): priced
 * when paid against the year's record, nothing to compute again; paid
 * from a holder's account, that account falls by it and never below 0. */
static int premium_paid(struct deep *d, const struct journal_rec *rec,
                        const struct store_contrib *stored) {
    assert(d != NULL && rec != NULL && stored != NULL);
    if (stored->payer_psn_no[0] == '\0') return 0;
    int64_t *balance = balance_of(d, stored->payer_psn_no);
    if (balance == NULL) return -1;
    if (*balance < stored->own_fen)
        return mismatch(d,
                        "journal seq %" PRId64 ": premium paid from P:%s: the account held %" PRId64
                        ", less than %" PRId64,
                        rec->seq, stored->payer_psn_no, *balance, stored->own_fen);
    *balance -= stored->own_fen;
    return 0;
}

/* The what-if's contribution: its account share, as journaled, added to
 * the person's account (the what-if changes settlement policies only). */
static int credit_contribution(struct deep *d, const struct journal_rec *rec) {
    struct store_contrib stored;
    const char *bad = NULL;
    assert(d != NULL && rec->kind == JOURNAL_CONTRIB);
    if (contrib_decode(rec->body, &stored, &bad) != 0)
        return mismatch(d, "journal seq %" PRId64 ": contribution body does not decode at '%s'",
                        rec->seq, bad);
    if (strcmp(stored.category, CONTRIB_PREMIUM_PAID) == 0) return premium_paid(d, rec, &stored);
    if (strcmp(stored.category, CONTRIB_COLLECTED) == 0) return 0; /* no personal account */
    int64_t *balance = balance_of(d, rec->psn_no);
    if (balance == NULL) return -1;
    *balance += stored.account_fen;
    return 0;
}

/* A contribution computed again from the inputs its record keeps, under
 * the policy of its region, year and scheme as the imports replayed so
 * far made it; its account share added to the person's account, which
 * later settlements read. */
static int recontribute(struct deep *d, const struct journal_rec *rec) {
    assert(d != NULL && rec->kind == JOURNAL_CONTRIB);
    struct store_contrib stored, again;
    const char *bad = NULL;
    if (contrib_decode(rec->body, &stored, &bad) != 0)
        return mismatch(d, "journal seq %" PRId64 ": contribution body does not decode at '%s'",
                        rec->seq, bad);
    if (strcmp(stored.category, CONTRIB_PREMIUM_PAID) == 0) return premium_paid(d, rec, &stored);
    /* a collection was held to what its period owed when paid (collect.c)
     * and its posting is checked by check.c: nothing to price again */
    if (strcmp(stored.category, CONTRIB_COLLECTED) == 0) return 0;
    const struct policy *p = deep_policy(d, stored.region, stored.year, stored.insutype, INT64_MAX);
    if (p == NULL)
        return mismatch(d, "journal seq %" PRId64 ": contribution: no policy of %s %d scheme %d",
                        rec->seq, stored.region, (int)stored.year, (int)stored.insutype);
    again = stored;
    enum funds_code code = app_contrib_figures(p, &again);
    if (code != FUNDS_OK)
        return mismatch(d, "journal seq %" PRId64 ": contribution: the rules refuse it now (%s)",
                        rec->seq, funds_code_name(code));
    int64_t was = 0, now = 0;
    const char *field = contrib_diff(&stored, &again, &was, &now);
    if (field != NULL)
        return mismatch(d,
                        "journal seq %" PRId64 ": contribution's %s stored %" PRId64
                        ", computed again %" PRId64,
                        rec->seq, field, was, now);
    int64_t *balance = balance_of(d, rec->psn_no);
    if (balance == NULL) return -1;
    *balance += stored.account_fen;
    d->out.recontributed++;
    return 0;
}

/* A transfer between regions (transfer_rec.c): paid out of this store's
 * books, the account's whole balance as replayed so far leaves it; taken
 * into them, the amount comes in. */
static int transfer_on(struct deep *d, const struct journal_rec *rec) {
    struct store_transfer t;
    const char *bad = NULL;
    assert(d != NULL && rec->kind == JOURNAL_TRANSFER);
    if (transfer_decode(rec->body, &t, &bad) != 0)
        return mismatch(d, "journal seq %" PRId64 ": transfer body does not decode at '%s'",
                        rec->seq, bad);
    int64_t *balance = balance_of(d, t.psn_no);
    if (balance == NULL) return -1;
    if (t.from_here && *balance != t.amount_fen)
        return mismatch(d,
                        "journal seq %" PRId64 ": transfer of P:%s paid out %" PRId64
                        ", the account held %" PRId64,
                        rec->seq, t.psn_no, t.amount_fen, *balance);
    if (t.from_here) *balance -= t.amount_fen;
    if (t.to_here) *balance += t.amount_fen;
    return 0;
}

static int replay_one(struct deep *d, const struct journal_rec *rec, size_t slot) {
    assert(d != NULL && rec != NULL && slot < d->ch->rec_count);
    d->out.records++;
    d->at_seq = rec->seq;
    d->at_slot = slot;
    if (rec->kind == JOURNAL_IMPORT) return replay_import(d, rec, slot);
    if (rec->kind == JOURNAL_CONTRIB && rec->seq == d->until_seq)
        return store_errf(d->err, "journal seq %" PRId64 ": not a settlement", rec->seq), -1;
    bool paying = rec->kind == JOURNAL_PAY || rec->kind == JOURNAL_YEAR_END ||
                  rec->kind == JOURNAL_CASE;
    if (paying && rec->seq == d->until_seq)
        return store_errf(d->err, "journal seq %" PRId64 ": not a settlement", rec->seq), -1;
    if (paying) return 0; /* pays institutions, no person: check verifies its postings */
    if (rec->kind == JOURNAL_TRANSFER && rec->seq == d->until_seq)
        return store_errf(d->err, "journal seq %" PRId64 ": not a settlement", rec->seq), -1;
    if (rec->kind == JOURNAL_TRANSFER) return transfer_on(d, rec);
    if (rec->kind == JOURNAL_CONTRIB) return recontribute(d, rec);
    struct store_settlement stl;
    const char *bad = NULL;
    if (settlement_decode(rec->body, &stl, &bad) != 0)
        return mismatch(d, "journal seq %" PRId64 ": body does not decode", rec->seq);
    bool explaining = rec->seq == d->until_seq;
    if (explaining && (rec->kind != JOURNAL_SETTLE || stl.bill_hash[0] == '\0'))
        return store_errf(d->err, "journal seq %" PRId64 ": %s", rec->seq,
                          rec->kind != JOURNAL_SETTLE ? "not a settlement"
                                                      : "its bill was not journaled (a release "
                                                        "before bills were kept)"),
               -1;
    if (rec->kind == JOURNAL_SETTLE && stl.bill_hash[0] != '\0') {
        int rc = resettle(d, rec, &stl, slot);
        if (rc != 0) return rc;
    } else if (rec->kind == JOURNAL_SETTLE) {
        d->out.skipped++;
    }
    return apply_delta(d, rec, &stl);
}

/* ---- the what-if: one year settled again under other policies ------------------------- */
static struct whatif_where where_of(struct deep *d, const struct journal_rec *rec,
                                    const struct app_settle_answer *ans) {
    assert(d != NULL && rec != NULL && ans != NULL);
    const struct store_institution *inst = deep_institution(d, rec->fixmedins_code);
    bool person = ans->person.psn_no[0] != '\0';
    struct whatif_where w = {inst != NULL ? inst->level : LEVEL_NONE,
                             person ? ans->person.insutype : INSUTYPE_RESIDENT,
                             person ? ans->person.category : CATEGORY_COUNT};
    return w;
}

/* Keeps what a later revoke of settlement rec takes back. */
static int keep(struct deep *d, const struct journal_rec *rec, const struct app_whatif_event *ev) {
    char key[24];
    assert(d != NULL && ev != NULL);
    snprintf(key, sizeof key, "%" PRId64, rec->seq);
    struct node *n = dmap_get(&d->kept, key, true, NULL);
    struct deep_kept *k = n != NULL ? calloc(1, sizeof *k) : NULL;
    if (k == NULL) return store_errf(d->err, "whatif: out of memory"), -1;
    k->refused = ev->after == NULL;
    k->refusal = ev->refusal;
    k->where = ev->where;
    if (ev->after != NULL) k->after = *ev->after;
    *node_kept(n) = k;
    return 0;
}

/* A settlement of the what-if's year: settled under its policies on the
 * what-if's state (a refusal changes no state), its figures handed on. A
 * record of a release before bills were kept counts as journaled. */
static int whatif_settle(struct deep *d, const struct journal_rec *rec,
                         const struct store_settlement *stored, size_t slot) {
    assert(rec->kind == JOURNAL_SETTLE && slot < d->ch->rec_count);
    struct app_settle_answer ans;
    memset(&ans, 0, sizeof ans);
    struct app_whatif_event ev = {rec, false, stored, stored, NULL, {LEVEL_NONE, 0, 0}};
    if (stored->bill_hash[0] == '\0' || d->ch->data[slot] == NULL) {
        d->out.skipped++;
        struct store_person p;
        bool found = false;
        if (deep_person(d, rec->psn_no, &p, &found, d->err) != 0) return -1;
        if (found) ans.person = p;
    } else {
        struct bill bill;
        if (bill_blob_decode(d->ch->data[slot], d->ch->data_len[slot], &bill, d->lines,
                             BILL_LINES_MAX) != 0)
            return mismatch(d, "journal seq %" PRId64 ": its bill does not decode", rec->seq);
        struct app_registry reg = {d,   deep_institution, deep_policy, deep_fallback, deep_catalog,
                                   NULL};
        struct app_person_reader reader = {d, deep_person, deep_state, deep_holders};
        struct app_settle_request req = {rec->psn_no, &bill, 0};
        if (app_settle(&reg, &reader, &req, &ans, NULL, NULL, d->err) != 0) return -1;
        ev.after = ans.refusal.code == NULL ? &ans.stl : NULL;
        ev.refusal = ans.refusal.code;
        if (ev.after != NULL) d->out.resettled++;
        else d->out.refused++;
    }
    ev.where = where_of(d, rec, &ans);
    if (ev.after != NULL && settlement_on(d, rec->psn_no, ev.after, false) != 0) return -1;
    if (d->ch->revoked_later[slot] && keep(d, rec, &ev) != 0) return -1;
    return d->whatif->event(d->whatif->ctx, &ev);
}

/* A revoke of a settlement of the what-if's year: takes back what the
 * what-if settled (kept at the settlement). */
static int whatif_revoke(struct deep *d, const struct journal_rec *rec,
                         const struct store_settlement *stored) {
    char key[24];
    assert(rec->kind == JOURNAL_REVOKE && stored != NULL);
    snprintf(key, sizeof key, "%" PRId64, rec->ref_seq);
    const struct node *n = dmap_get(&d->kept, key, false, NULL);
    if (n == NULL || *node_kept(n) == NULL)
        return mismatch(d, "journal seq %" PRId64 ": revokes %" PRId64 ", not met before", rec->seq,
                        rec->ref_seq);
    const struct deep_kept *k = *node_kept(n);
    if (!k->refused && settlement_on(d, rec->psn_no, &k->after, true) != 0) return -1;
    struct app_whatif_event ev = {rec,        true,    stored, k->refused ? NULL : &k->after,
                                  k->refusal, k->where};
    return d->whatif->event(d->whatif->ctx, &ev);
}

static int whatif_one(struct deep *d, const struct journal_rec *rec, size_t slot) {
    assert(d->whatif != NULL && slot < d->ch->rec_count);
    d->out.records++;
    d->at_seq = rec->seq;
    d->at_slot = slot;
    if (rec->kind == JOURNAL_IMPORT) return replay_import(d, rec, slot);
    /* a contribution settles nothing, but its account share is money the
     * person's later settlements may pay from: credited as journaled */
    if (rec->kind == JOURNAL_CONTRIB) return credit_contribution(d, rec);
    if (rec->kind == JOURNAL_TRANSFER) return transfer_on(d, rec);
    if (rec->kind != JOURNAL_SETTLE && rec->kind != JOURNAL_REVOKE) return 0;
    struct store_settlement stl;
    const char *bad = NULL;
    if (settlement_decode(rec->body, &stl, &bad) != 0)
        return mismatch(d, "journal seq %" PRId64 ": body does not decode", rec->seq);
    if (stl.year != d->whatif->year) return apply_delta(d, rec, &stl); /* as journaled */
    if (d->whatif->region != NULL && strcmp(stl.region, d->whatif->region) != 0)
        return apply_delta(d, rec, &stl); /* another region's: as journaled */
    if (rec->kind == JOURNAL_REVOKE) return whatif_revoke(d, rec, &stl);
    return whatif_settle(d, rec, &stl, slot);
}

/* ---- reading the journal in chunks ---------------------------------------------------- */
/* Whether the chunk reads record i's person: a settlement's always (of the
 * what-if's year only), a contribution's the first time it is met. */
static bool chunk_reads_person(struct deep *d, const struct journal_rec *rec) {
    assert(d != NULL && rec != NULL);
    if (rec->kind == JOURNAL_CONTRIB)
        return seen_first(&d->seen, fnv1a_text(FNV_OFFSET, rec->psn_no));
    if (rec->kind != JOURNAL_SETTLE) return false;
    if (d->whatif != NULL && rec->year != d->whatif->year) return false;
    (void)seen_first(&d->seen, fnv1a_text(FNV_OFFSET, rec->psn_no));
    return true;
}

/* The persons keys[0..n) as stored now into the chunk's persons: those
 * the pass read before from the rows it keeps (person_keep.h), the others
 * from the store in one call, then kept. */
static int chunk_persons(struct deep *d, struct deep_chunk *ch, const char *const *keys, size_t n) {
    const char *miss_keys[DEEP_CHUNK_RECORDS];
    size_t miss[DEEP_CHUNK_RECORDS], misses = 0;
    assert(d != NULL && ch != NULL && n <= DEEP_CHUNK_RECORDS && d->read_rows != NULL);
    for (size_t k = 0; k < n; k++) {
        ch->found[k] = person_keep_get(&d->persons_kept, keys[k], &ch->persons[k]);
        if (!ch->found[k]) miss_keys[misses] = keys[k], miss[misses++] = k;
    }
    if (misses > 0 &&
        d->ops->persons_get(d->conn, miss_keys, misses, d->read_rows, d->read_found, &ch->err) != 0)
        return -1;
    for (size_t j = 0; j < misses; j++) {
        ch->persons[miss[j]] = d->read_rows[j];
        ch->found[miss[j]] = d->read_found[j];
        if (d->read_found[j]) (void)person_keep_put(&d->persons_kept, &d->read_rows[j]);
    }
    return 0;
}

/* The chunk's settlements: their persons as stored now (deep_person still
 * prefers an edit's row) and, in a what-if, for those of its year, which a
 * later record revokes (one indexed read each; only theirs are kept); and
 * the persons of the contributions met first (chunk_reads_person). */
static int chunk_lookups(struct deep *d, struct deep_chunk *ch) {
    int64_t ids[DEEP_CHUNK_RECORDS];
    bool revoked[DEEP_CHUNK_RECORDS];
    const char *keys[DEEP_CHUNK_RECORDS];
    size_t slots[DEEP_CHUNK_RECORDS], setl_slots[DEEP_CHUNK_RECORDS], n = 0, m = 0;
    assert(ch->persons != NULL && ch->rec_count <= DEEP_CHUNK_RECORDS);
    memset(ch->revoked_later, 0, sizeof ch->revoked_later);
    for (size_t i = 0; i < DEEP_CHUNK_RECORDS; i++) ch->person_at[i] = -1;
    for (size_t i = 0; i < ch->rec_count; i++) {
        if (!chunk_reads_person(d, &ch->recs[i])) continue;
        if (ch->recs[i].kind == JOURNAL_SETTLE) {
            ids[m] = ch->recs[i].seq;
            setl_slots[m++] = i;
        }
        keys[n] = ch->recs[i].psn_no;
        slots[n++] = i;
    }
    if (d->whatif != NULL && m > 0 &&
        d->ops->journal_revoked(d->conn, ids, m, revoked, &ch->err) != 0)
        return -1;
    if (n > 0 && chunk_persons(d, ch, keys, n) != 0) return -1;
    for (size_t k = 0; k < m; k++)
        ch->revoked_later[setl_slots[k]] = d->whatif != NULL && revoked[k];
    for (size_t k = 0; k < n; k++) ch->person_at[slots[k]] = (int32_t)k;
    return 0;
}

static int collect_rec(void *ctx, const struct journal_rec *rec) {
    struct deep_chunk *ch = ctx;
    assert(ch->rec_count < DEEP_CHUNK_RECORDS);
    ch->recs[ch->rec_count++] = *rec;
    return ch->rec_count == DEEP_CHUNK_RECORDS ? 2 : 0; /* 2: the chunk is full */
}

static int collect_data(void *ctx, const struct journal_data *data) {
    struct deep_chunk *ch = ctx;
    assert(ch->rec_count > 0 && data != NULL);
    int64_t slot = data->seq - ch->recs[0].seq;
    if (slot < 0 || slot >= (int64_t)ch->rec_count || ch->data[slot] != NULL) return 0;
    ch->data[slot] = malloc(data->len > 0 ? data->len : 1);
    if (ch->data[slot] == NULL) return store_errf(&ch->err, "check --deep: out of memory"), -1;
    if (data->len > 0) memcpy(ch->data[slot], data->bytes, data->len);
    ch->data_len[slot] = data->len;
    return 0;
}

static void chunk_free(struct deep_chunk *ch) {
    assert(ch != NULL && ch->rec_count <= DEEP_CHUNK_RECORDS);
    for (size_t i = 0; i < DEEP_CHUNK_RECORDS; i++) {
        free(ch->data[i]);
        ch->data[i] = NULL;
        ch->data_len[i] = 0;
    }
    ch->rec_count = 0;
}

/* Reads the chunk from seq `from` into ch (ch->rc: 0, 2 the end, 1 a
 * mismatch, -1), holding the connection for the whole read. */
static void chunk_read(struct deep *d, struct deep_chunk *ch, int64_t from) {
    assert(ch->rec_count == 0 && from >= 1);
    pthread_mutex_lock(&d->reader.conn_lock);
    ch->rc = d->ops->journal_replay_scan(d->conn, from, collect_rec, ch, &ch->err) == -1 ? -1 : 0;
    if (ch->rc == 0 && ch->rec_count == 0) ch->rc = 2;
    if (ch->rc == 0) {
        /* a record's seq is its slot: the chain check proves them consecutive */
        int64_t first = ch->recs[0].seq, last = ch->recs[ch->rec_count - 1].seq;
        ch->next_from = last + 1;
        if (last - first + 1 != (int64_t)ch->rec_count) {
            snprintf(ch->err.msg, sizeof ch->err.msg,
                     "journal seq %" PRId64 ": records missing (run yibao check)", first);
            ch->rc = 1;
        }
    }
    if (ch->rc == 0 && d->ops->data_scan(d->conn, ch->recs[0].seq, ch->next_from - 1, collect_data,
                                         ch, &ch->err) != 0)
        ch->rc = -1;
    if (ch->rc == 0 && chunk_lookups(d, ch) != 0) ch->rc = -1;
    pthread_mutex_unlock(&d->reader.conn_lock);
    assert(ch->rc == 0 || ch->rc == 1 || ch->rc == 2 || ch->rc == -1);
}

/* The reader: chunks 0, 1, 0, ... each read once the replay has freed it,
 * until the journal's end, an error or the replay's stop. */
static void *reader_main(void *arg) {
    struct deep *d = arg;
    struct deep_reader *r = &d->reader;
    assert(d != NULL && r->running);
    int64_t from = 1;
    for (size_t k = 0;; k++) {
        struct deep_chunk *ch = &d->chunks[k % 2];
        pthread_mutex_lock(&r->lock);
        while (ch->ready && !r->stop) pthread_cond_wait(&r->changed, &r->lock);
        bool stop = r->stop;
        pthread_mutex_unlock(&r->lock);
        if (stop) break;
        chunk_read(d, ch, from);
        pthread_mutex_lock(&r->lock);
        ch->ready = true;
        pthread_cond_broadcast(&r->changed);
        pthread_mutex_unlock(&r->lock);
        if (ch->rc != 0) break;
        from = ch->next_from;
    }
    return NULL;
}

/* Chunk k, read: by the reader thread when it runs, else here. */
static struct deep_chunk *chunk_next(struct deep *d, size_t k, int64_t from) {
    struct deep_chunk *ch = &d->chunks[k % 2];
    struct deep_reader *r = &d->reader;
    if (!r->running) {
        chunk_read(d, ch, from);
        return ch;
    }
    pthread_mutex_lock(&r->lock);
    while (!ch->ready) pthread_cond_wait(&r->changed, &r->lock);
    pthread_mutex_unlock(&r->lock);
    assert(ch->rc != 0 || ch->rec_count > 0);
    return ch;
}

/* Chunk ch replayed: free for the reader's next, or (last) the reader
 * told to stop before it reads another. */
static void chunk_done(struct deep *d, struct deep_chunk *ch, bool last) {
    chunk_free(ch);
    pthread_mutex_lock(&d->reader.lock);
    ch->ready = false;
    d->reader.stop = d->reader.stop || last;
    pthread_cond_broadcast(&d->reader.changed);
    pthread_mutex_unlock(&d->reader.lock);
}

/* Replays chunk ch: 0 more to read, 2 the end, 1 a mismatch, -1. */
static int replay_chunk(struct deep *d, struct deep_chunk *ch) {
    if (ch->rc == 1) return mismatch(d, "%s", ch->err.msg);
    if (ch->rc != 0) {
        if (ch->rc == -1) *d->err = ch->err;
        return ch->rc;
    }
    d->ch = ch;
    for (size_t i = 0; i < ch->rec_count; i++) {
        if (d->until_seq > 0 && ch->recs[i].seq > d->until_seq) return 2;
        int one = d->whatif != NULL ? whatif_one(d, &ch->recs[i], i)
                                    : replay_one(d, &ch->recs[i], i);
        if (one != 0) return one;
        double fraction = d->tail_seq > 0 ? (double)ch->recs[i].seq / (double)d->tail_seq : -1.0;
        if (store_progress_stop(d->store, "records", d->out.records, fraction))
            return store_errf(d->err, "stopped at journal seq %" PRId64, ch->recs[i].seq), -1;
    }
    return d->until_seq > 0 && ch->next_from > d->until_seq ? 2 : 0;
}

static int deep_init(struct deep *d, struct store *store, struct store_err *err) {
    assert(d != NULL && store != NULL);
    memset(d, 0, sizeof *d);
    d->store = store;
    d->ops = store_ops(store);
    d->conn = store_conn(store);
    d->err = err;
    catalog_init(&d->catalog);
    struct json_limits limits = {JSON_BYTES_MAX, JSON_DEPTH_MAX, JSON_NODES_MAX};
    d->doc = json_doc_new(&limits);
    d->policies = calloc(POLICIES_MAX, sizeof *d->policies);
    bool chunks = true;
    for (int i = 0; i < 2; i++) {
        d->chunks[i].recs = calloc(DEEP_CHUNK_RECORDS, sizeof *d->chunks[i].recs);
        d->chunks[i].persons = calloc(DEEP_CHUNK_RECORDS, sizeof *d->chunks[i].persons);
        chunks = chunks && d->chunks[i].recs != NULL && d->chunks[i].persons != NULL;
    }
    d->ch = &d->chunks[0];
    d->lines = calloc(BILL_LINES_MAX, sizeof *d->lines);
    d->read_rows = calloc(DEEP_CHUNK_RECORDS, sizeof *d->read_rows);
    person_keep_init(&d->persons_kept, PERSON_KEEP_BYTES_MAX);
    pthread_mutex_init(&d->reader.lock, NULL);
    pthread_mutex_init(&d->reader.conn_lock, NULL);
    pthread_cond_init(&d->reader.changed, NULL);
    if (dmap_init(&d->insts, sizeof(struct store_institution)) != 0 ||
        dmap_init(&d->states, sizeof(struct year_state)) != 0 ||
        dmap_init(&d->balances, sizeof(int64_t)) != 0 ||
        dmap_init(&d->edited, sizeof(struct edit_span)) != 0 ||
        dmap_init(&d->kept, sizeof(struct deep_kept *)) != 0 ||
        dmap_init(&d->bound_members, sizeof(struct edit_span)) != 0 ||
        dmap_init(&d->holders, sizeof(struct held_person)) != 0 || d->doc == NULL ||
        d->policies == NULL || !chunks || d->lines == NULL || d->read_rows == NULL)
        return store_errf(err, "check --deep: out of memory"), -1;
    d->current = store_registry_acquire(store);
    return 0;
}

static void deep_free(struct deep *d) {
    assert(d != NULL && !d->reader.running);
    if (d->current != NULL) store_registry_release(d->store, d->current);
    for (int i = 0; i < 2; i++) {
        if (d->chunks[i].recs != NULL) chunk_free(&d->chunks[i]);
        free(d->chunks[i].recs);
        free(d->chunks[i].persons);
    }
    pthread_cond_destroy(&d->reader.changed);
    pthread_mutex_destroy(&d->reader.conn_lock);
    pthread_mutex_destroy(&d->reader.lock);
    dmap_free(&d->insts);
    dmap_free(&d->states);
    dmap_free(&d->balances);
    dmap_free(&d->edited);
    dmap_free(&d->bound_members);
    dmap_free(&d->holders);
    free(d->bound_rows);
    for (size_t b = 0; d->kept.buckets != NULL && b < d->kept.bucket_count; b++)
        for (struct node *n = d->kept.buckets[b]; n != NULL; n = n->next) free(*node_kept(n));
    dmap_free(&d->kept);
    free(d->versions);
    free(d->edit_seqs);
    free(d->seen.slots);
    catalog_free(&d->catalog);
    json_doc_free(d->doc);
    free(d->policies);
    free(d->lines);
    free(d->read_rows);
    person_keep_free(&d->persons_kept);
}

/* The replay of the chunks, chunk k + 1 read while chunk k is replayed
 * (read here in turn when no thread can be started): 0, 1 or -1. */
static int replay_chunks(struct deep *d) {
    struct deep_reader *r = &d->reader;
    assert(!r->running && !r->stop);
    r->running = true; /* before the thread starts: it asserts it */
    if (pthread_create(&r->thread, NULL, reader_main, d) != 0) r->running = false;
    int rc = 0;
    int64_t from = 1;
    for (size_t k = 0; rc == 0; k++) {
        struct deep_chunk *ch = chunk_next(d, k, from);
        rc = replay_chunk(d, ch);
        from = ch->next_from;
        chunk_done(d, ch, rc != 0);
    }
    if (r->running) { /* told to stop by the last chunk_done */
        pthread_join(r->thread, NULL);
        r->running = false;
    }
    return rc == 2 ? 0 : rc;
}

/* The pass, up to d->until_seq (0: the whole journal): 0, 1 or -1. */
static int deep_run(struct deep *d) {
    assert(d != NULL && d->chunks[0].recs != NULL);
    if (d->ops->snapshot_begin(d->conn, d->err) != 0) return -1;
    struct journal_rec *last = &d->chunks[0].recs[0]; /* scratch until the first chunk */
    bool found = false;
    if (d->ops->journal_tail(d->conn, last, &found, d->err) != 0) {
        d->ops->rollback(d->conn);
        return -1;
    }
    d->tail_seq = found ? last->seq : 0;
    int rc = gather_edits(d);
    if (rc == 0) rc = replay_chunks(d);
    d->ops->rollback(d->conn);
    assert(rc != 0 || !d->failed);
    return rc;
}

int app_check_deep(struct store *store, struct app_deep_out *out, struct store_err *err) {
    assert(store != NULL && out != NULL && err != NULL);
    struct deep *d = malloc(sizeof *d);
    if (d == NULL) return store_errf(err, "check --deep: out of memory"), -1;
    int rc = deep_init(d, store, err);
    if (rc == 0) rc = deep_run(d);
    *out = d->out;
    deep_free(d);
    free(d);
    return rc;
}

int app_replay_whatif(struct store *store, const struct app_whatif_replay *whatif,
                      struct app_deep_out *out, struct store_err *err) {
    assert(store != NULL && whatif != NULL && whatif->event != NULL && out != NULL);
    struct deep *d = malloc(sizeof *d);
    if (d == NULL) return store_errf(err, "whatif: out of memory"), -1;
    int rc = deep_init(d, store, err);
    d->whatif = whatif;
    if (rc == 0) rc = deep_run(d);
    *out = d->out;
    deep_free(d);
    free(d);
    return rc;
}

int app_explain_record(struct store *store, int64_t seq, struct explain *explain,
                       struct store_settlement *stl, struct store_err *err) {
    assert(store != NULL && explain != NULL && stl != NULL && err != NULL);
    if (seq < 1) return store_errf(err, "explain: seq %" PRId64 ": not a journal seq", seq), -1;
    struct deep *d = malloc(sizeof *d);
    if (d == NULL) return store_errf(err, "explain: out of memory"), -1;
    int rc = deep_init(d, store, err);
    explain_init(explain);
    d->until_seq = seq;
    d->explain = explain;
    d->explained = stl;
    if (rc == 0) rc = deep_run(d);
    if (rc == 0 && !d->explained_found) {
        store_errf(err, "explain: no settlement %" PRId64 " in the journal", seq);
        rc = -1;
    }
    deep_free(d);
    free(d);
    return rc;
}
