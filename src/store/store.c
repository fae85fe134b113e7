/* store.c: opening a store: picks the backend for a --db target, loads the
 * in-memory registry (institutions, policies, catalog) and serves the
 * thread-safe reads (person, year state, settlement, totals) over a second
 * connection guarded by a mutex, so reads never wait for the writer's
 * batches. */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/codec.h"
#include "json/json.h"
#include <stdatomic.h>

#include "core/hash.h"
#include "store/checkpoint.h"
#include "store/store.h"

#define STORE_READERS 4        /* read connections (each with its lock) */
#define READ_ATTEMPTS_MAX 8    /* re-reads when a commit lands between a read's statements */
#define PENDING_TRIES_MAX 200  /* reads of (tables, pending) before replaying the journal */
#define PENDING_WAIT_NS 100000 /* between tries while the writer shows a just-committed batch */

/* A read connection and the lock its user holds. Reads are spread over
 * STORE_READERS of them: on PostgreSQL a read is several round trips, and
 * with one connection the service's threads would queue behind each other. */
struct reader {
    struct store_conn *conn;
    pthread_mutex_t lock;
};

struct store {
    const struct store_backend *ops;
    struct store_conn *conn; /* the writer's connection (commit queue, import) */
    struct reader readers[STORE_READERS];
    atomic_uint reader_next; /* where a reader that finds all busy waits */
    struct pending *pending; /* the commit queue's, or NULL; under every reader's lock */
    char target[STORE_URI_BYTES_MAX + 1];

    struct registry *reg;        /* the current snapshot (registry.c); under reg_lock */
    pthread_mutex_t reg_lock;    /* reg and the snapshots' holders */
    pthread_mutex_t reload_lock; /* one loader of a new snapshot at a time */

    /* persons' rows found, one per slot of the psn_no's hash, the last one
     * read; under person_lock. A person edit is an import, which moves the
     * registry's generation: publishing the registry of a newer import
     * empties the slots (person_epoch counts the emptyings, so that a row
     * read before one is not kept after it). */
    struct store_person *person_slots; /* [STORE_PERSON_CACHE_SLOTS]; psn_no "" empty */
    uint64_t person_epoch;
    pthread_mutex_t person_lock;
    int64_t person_hits;
    store_progress_fn progress; /* or NULL (store_set_progress) */
    void *progress_ctx;
};

_Static_assert((STORE_PERSON_CACHE_SLOTS & (STORE_PERSON_CACHE_SLOTS - 1)) == 0,
               "STORE_PERSON_CACHE_SLOTS is a power of two");

const struct store_backend *store_backend_for(const char *target) {
    assert(target != NULL);
    if (strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0)
        return &store_pg_backend;
    assert(store_sqlite_backend.open != NULL && store_sqlite_backend.registry_gen != NULL);
    return &store_sqlite_backend;
}

const struct store_backend *store_ops(const struct store *store) {
    assert(store != NULL && store->ops != NULL);
    return store->ops;
}

struct store_conn *store_conn(const struct store *store) {
    assert(store != NULL && store->conn != NULL);
    return store->conn;
}

static struct reader *reader_take(struct store *s);
static void reader_give(struct reader *r);

/* ---- the registry: snapshots (registry.c) ------------------------------ */
const struct store_institution *store_institution_find(const struct store *s, const char *code) {
    assert(s != NULL && s->reg != NULL && code != NULL);
    return registry_institution(s->reg, code);
}

const struct policy *store_policy_find(const struct store *s, const char *region, int32_t year,
                                       int32_t insutype) {
    assert(s != NULL && s->reg != NULL && region != NULL);
    return registry_policy(s->reg, region, year, insutype);
}

const struct policy *store_policy_at(const struct store *s, const char *region, int32_t year,
                                     int32_t insutype, datetime_s at) {
    assert(s != NULL && s->reg != NULL && region != NULL);
    return registry_policy_at(s->reg, region, year, insutype, at);
}

const struct policy *store_policy_fallback(const struct store *s, const char *region,
                                           int32_t insutype) {
    assert(s != NULL && s->reg != NULL && region != NULL);
    return registry_policy_fallback(s->reg, region, insutype);
}

const struct catalog *store_catalog(const struct store *s) {
    assert(s != NULL && s->reg != NULL);
    return registry_catalog(s->reg);
}

const struct registry *store_registry_acquire(struct store *s) {
    assert(s != NULL);
    pthread_mutex_lock(&s->reg_lock);
    struct registry *r = s->reg;
    assert(r != NULL);
    registry_hold(r);
    assert(registry_holders(r) >= 1);
    pthread_mutex_unlock(&s->reg_lock);
    return r;
}

void store_registry_release(struct store *s, const struct registry *held) {
    assert(s != NULL);
    if (held == NULL) return;
    struct registry *r = (struct registry *)held; /* ours: the store hands out const views */
    pthread_mutex_lock(&s->reg_lock);
    bool retired = registry_let_go(r) == 0 && r != s->reg;
    pthread_mutex_unlock(&s->reg_lock);
    if (retired) registry_free(r);
}

/* Makes fresh the current registry; the old one goes when its last holder
 * lets go (or now, when nobody holds it). */
static void registry_publish(struct store *s, struct registry *fresh) {
    assert(fresh != NULL);
    assert(registry_holders(fresh) == 0); /* nobody has seen it yet */
    pthread_mutex_lock(&s->reg_lock);
    struct registry *old = s->reg;
    assert(old != fresh);
    s->reg = fresh;
    bool retired = old != NULL && registry_holders(old) == 0;
    bool newer = old == NULL || registry_gen(old) != registry_gen(fresh);
    pthread_mutex_unlock(&s->reg_lock);
    if (retired) registry_free(old);
    /* an import since (a person edit among them, maybe): rows kept may be stale */
    if (newer && s->person_slots != NULL) {
        pthread_mutex_lock(&s->person_lock);
        memset(s->person_slots, 0, STORE_PERSON_CACHE_SLOTS * sizeof *s->person_slots);
        s->person_epoch++;
        pthread_mutex_unlock(&s->person_lock);
    }
}

static int64_t current_gen(struct store *s) {
    pthread_mutex_lock(&s->reg_lock);
    int64_t gen = s->reg ? registry_gen(s->reg) : -1;
    pthread_mutex_unlock(&s->reg_lock);
    assert(gen >= -1);
    return gen;
}

/* Loads the registry on conn when gen, the generation read there, is not
 * the current snapshot's. */
static int refresh_to(struct store *s, struct store_conn *conn, int64_t gen,
                      struct store_err *err) {
    assert(s != NULL && conn != NULL && gen >= 0);
    if (gen == current_gen(s)) return 0;
    pthread_mutex_lock(&s->reload_lock); /* one loader at a time; the others keep theirs */
    int rc = 0;
    if (gen != current_gen(s)) {
        struct registry *fresh = NULL;
        rc = registry_load(s->ops, conn, &fresh, err);
        if (rc == 0) registry_publish(s, fresh);
    }
    pthread_mutex_unlock(&s->reload_lock);
    return rc;
}

static int refresh_on(struct store *s, struct store_conn *conn, struct store_err *err) {
    int64_t gen = 0;
    assert(s != NULL && conn != NULL);
    if (s->ops->registry_gen(conn, &gen, err) != 0) return -1;
    return refresh_to(s, conn, gen, err);
}

int store_registry_refresh_to(struct store *s, struct store_conn *conn, int64_t gen,
                              struct store_err *err) {
    assert(s != NULL && s->reg != NULL && conn != NULL);
    return refresh_to(s, conn, gen, err);
}

int store_heads_get(struct store *s, struct store_conn *conn, struct journal_rec *tail,
                    bool *tail_found, struct store_heads *out, struct store_err *err) {
    assert(s != NULL && conn != NULL && tail != NULL && tail_found != NULL && out != NULL);
    *out = (struct store_heads){0};
    if (s->ops->batch_heads != NULL) {
        if (s->ops->batch_heads(conn, tail, tail_found, out, err) != 0) return -1;
    } else if (s->ops->journal_tail(conn, tail, tail_found, err) != 0 ||
               s->ops->checkpoint_get(conn, &out->checkpoint_seq, &out->checkpoint_found,
                                      &out->tail_seq, err) != 0 ||
               s->ops->registry_gen(conn, &out->registry_gen, err) != 0) {
        return -1;
    }
    assert(out->tail_seq == (*tail_found ? tail->seq : 0)); /* one writer: one journal end */
    assert(out->registry_gen >= 0 && out->registry_gen <= out->tail_seq);
    return 0;
}

int store_registry_refresh(struct store *s, struct store_conn *conn, struct store_err *err) {
    assert(s != NULL && s->reg != NULL);
    if (conn != NULL) return refresh_on(s, conn, err);
    struct reader *rd = reader_take(s);
    int rc = refresh_on(s, rd->conn, err);
    reader_give(rd);
    return rc;
}

int store_reload_registry(struct store *s, struct store_err *err) {
    assert(s != NULL && s->conn != NULL);
    struct registry *fresh = NULL;
    pthread_mutex_lock(&s->reload_lock);
    int rc = registry_load(s->ops, s->conn, &fresh, err);
    if (rc == 0) registry_publish(s, fresh);
    pthread_mutex_unlock(&s->reload_lock);
    assert(rc != 0 || s->reg != NULL);
    return rc;
}

int store_open(const char *target, struct store **out, struct store_err *err) {
    return store_open_as(target, STORE_MODE_CREATE, out, err);
}

int store_open_as(const char *target, enum store_mode mode, struct store **out,
                  struct store_err *err) {
    assert(target != NULL && out != NULL);
    assert(mode == STORE_MODE_CREATE || mode == STORE_MODE_EXISTING ||
           mode == STORE_MODE_READ_ONLY);
    *out = NULL;
    struct store *s = calloc(1, sizeof *s);
    if (s == NULL) return store_errf(err, "out of memory"), -1;
    s->ops = store_backend_for(target);
    snprintf(s->target, sizeof s->target, "%s", target);
    pthread_mutex_init(&s->reg_lock, NULL);
    pthread_mutex_init(&s->reload_lock, NULL);
    pthread_mutex_init(&s->person_lock, NULL);
    atomic_init(&s->reader_next, 0);
    for (int i = 0; i < STORE_READERS; i++) pthread_mutex_init(&s->readers[i].lock, NULL);
    s->person_slots = calloc(STORE_PERSON_CACHE_SLOTS, sizeof *s->person_slots);
    int rc = -1;
    if (s->person_slots == NULL) store_errf(err, "out of memory");
    else rc = s->ops->open(target, mode, &s->conn, err);
    for (int i = 0; i < STORE_READERS && rc == 0; i++) { /* what the first one made or checked */
        rc = s->ops->open(target, mode, &s->readers[i].conn, err);
        if (rc == 0 && s->ops->reader_session != NULL)
            rc = s->ops->reader_session(s->readers[i].conn, err); /* never on s->conn */
    }
    if (rc != 0 || store_reload_registry(s, err) != 0) {
        store_close(s);
        return -1;
    }
    /* open: the writer's and every reader's connection, a registry, no writer attached */
    assert(s->conn != NULL && s->reg != NULL && s->pending == NULL);
    for (int i = 0; i < STORE_READERS; i++) assert(s->readers[i].conn != NULL);
    *out = s;
    return 0;
}

void store_close(struct store *s) {
    if (s == NULL) return;
    assert(s->pending == NULL); /* the commit queue stopped before its store closes */
    for (int i = 0; i < STORE_READERS; i++) {
        if (s->readers[i].conn) s->ops->close(s->readers[i].conn);
        pthread_mutex_destroy(&s->readers[i].lock);
    }
    if (s->conn) s->ops->close(s->conn);
    registry_free(s->reg); /* nobody holds it once the store closes */
    pthread_mutex_destroy(&s->reg_lock);
    pthread_mutex_destroy(&s->reload_lock);
    pthread_mutex_destroy(&s->person_lock);
    free(s->person_slots);
    free(s);
}

/* ---- reads ---------------------------------------------------------------
 * The tables hold the journal up to the checkpoint C (checkpoint.h); a read
 * adds the effect of the records after C: the commit queue's pending effect
 * when it is for exactly (C, tail], else a replay of the person's records. */
void store_set_progress(struct store *store, store_progress_fn fn, void *ctx) {
    assert(store != NULL);
    store->progress = fn;
    store->progress_ctx = ctx;
}

bool store_progress_stop(struct store *store, const char *phase, int64_t done, double fraction) {
    assert(store != NULL && phase != NULL && done >= 0);
    if (store->progress == NULL || done % STORE_PROGRESS_EVERY != 0) return false;
    return store->progress(store->progress_ctx, phase, done, fraction) != 0;
}

void store_attach_pending(struct store *s, struct pending *pending) {
    assert(s != NULL);
    assert((pending == NULL) !=
           (s->pending == NULL)); /* one commit queue attaches, then detaches */
    for (int i = 0; i < STORE_READERS; i++) pthread_mutex_lock(&s->readers[i].lock);
    s->pending = pending;
    for (int i = STORE_READERS - 1; i >= 0; i--) pthread_mutex_unlock(&s->readers[i].lock);
}

/* A free read connection, locked; when all are busy, waits for one. */
static struct reader *reader_take(struct store *s) {
    unsigned start = atomic_fetch_add(&s->reader_next, 1u);
    for (unsigned i = 0; i < STORE_READERS; i++) {
        struct reader *r = &s->readers[(start + i) % STORE_READERS];
        if (pthread_mutex_trylock(&r->lock) == 0) return r;
    }
    struct reader *r = &s->readers[start % STORE_READERS];
    pthread_mutex_lock(&r->lock);
    assert(r->conn != NULL);
    return r;
}

static void reader_give(struct reader *r) {
    assert(r != NULL && r->conn != NULL);
    pthread_mutex_unlock(&r->lock);
}

struct person_read {
    const char *psn_no;
    const char *account;
    int32_t year; /* the year state wanted, or 0: the balance only */
    struct year_state st;
    int64_t balance_fen;
    int64_t checkpoint_seq, tail_seq;
};

/* read_tables through the backend's one-statement read. */
static int read_tables_at_once(struct store *s, struct store_conn *conn, struct person_read *r,
                               struct store_err *err) {
    struct store_person_tables t = {.account = r->account};
    assert(s->ops->person_tables_get != NULL && r->psn_no != NULL && r->year >= 0);
    snprintf(t.key.psn_no, sizeof t.key.psn_no, "%s", r->psn_no);
    t.key.year = r->year;
    if (s->ops->person_tables_get(conn, &t, err) != 0) return -1;
    /* a store from before checkpoints: the tables are at the tail */
    r->checkpoint_seq = t.checkpoint_found ? t.checkpoint_seq : t.tail_seq;
    r->tail_seq = t.tail_seq;
    if (r->year > 0) r->st = t.st;
    r->balance_fen = t.balance_fen;
    return 0;
}

/* Table values at one (checkpoint, tail): re-read when a commit landed
 * between the statements. */
static int read_tables(struct store *s, struct store_conn *conn, struct person_read *r,
                       struct store_err *err) {
    struct state_key key;
    assert(r->psn_no != NULL && r->account != NULL && r->year >= 0);
    if (s->ops->person_tables_get != NULL) return read_tables_at_once(s, conn, r, err);
    snprintf(key.psn_no, sizeof key.psn_no, "%s", r->psn_no);
    key.year = r->year;
    for (int attempt = 0; attempt < READ_ATTEMPTS_MAX; attempt++) {
        int64_t c2 = 0, t2 = 0;
        bool f1 = false, f2 = false, found = false;
        if (s->ops->checkpoint_get(conn, &r->checkpoint_seq, &f1, &r->tail_seq, err) != 0 ||
            (r->year > 0 && s->ops->states_get(conn, &key, 1, &r->st, &found, err) != 0) ||
            s->ops->balances_get(conn, &r->account, 1, &r->balance_fen, &found, err) != 0 ||
            s->ops->checkpoint_get(conn, &c2, &f2, &t2, err) != 0)
            return -1;
        if (!f1) r->checkpoint_seq = r->tail_seq; /* a store from before checkpoints */
        if (f1 == f2 && (!f1 || c2 == r->checkpoint_seq) && t2 == r->tail_seq) return 0;
    }
    return store_errf(err, "store: busy: the tables kept changing during a read"), -1;
}

enum pending_match {
    PENDING_EXACT,  /* applied: the read is complete */
    PENDING_BEHIND, /* the writer committed more than it has shown yet: wait, read again */
    PENDING_MOVED,  /* the writer moved on (a later batch, a checkpoint): read again */
    PENDING_NONE    /* no writer here, or its effect is unknown: replay the journal */
};

/* Adds the writer's pending effect if it is for exactly (checkpoint, tail]. */
static enum pending_match match_pending(struct store *s, struct person_read *r) {
    struct pending *p = s->pending;
    if (p == NULL) return PENDING_NONE;
    pthread_mutex_lock(&p->lock);
    assert(p->base_seq <= p->last_seq);
    enum pending_match m = PENDING_MOVED;
    if (p->base_seq < 0) m = PENDING_NONE;
    else if (p->base_seq == r->checkpoint_seq && p->last_seq == r->tail_seq) m = PENDING_EXACT;
    else if (p->base_seq == r->checkpoint_seq && p->last_seq < r->tail_seq) m = PENDING_BEHIND;
    if (m == PENDING_EXACT) {
        if (r->year > 0) (void)pending_state(p, r->psn_no, r->year, &r->st);
        r->balance_fen += pending_balance_delta(p, r->account);
    }
    pthread_mutex_unlock(&p->lock);
    return m;
}

struct person_replay {
    struct person_read *r;
    struct store_err *err;
};

static int replay_row(void *ctx, const struct journal_rec *rec) {
    struct person_replay *pr = ctx;
    struct person_read *r = pr->r;
    assert(rec->seq > r->checkpoint_seq); /* the scan starts after the checkpoint */
    if (rec->seq > r->tail_seq) return 1;
    /* another person's settlement moves this one's account only as a family
     * holder's part (h. keys, FUNDS.md §5 Step 7b) */
    bool own = strcmp(rec->psn_no, r->psn_no) == 0;
    if (!own && strstr(rec->body, " h.0=") == NULL) return 0;
    struct posting post[POSTINGS_PER_RECORD_MAX];
    int count = checkpoint_effect(rec, own && rec->year == r->year ? &r->st : NULL, post, pr->err);
    if (count < 0) return -1;
    for (int k = 0; k < count; k++) {
        if (strcmp(post[k].debit, r->account) == 0) r->balance_fen += post[k].amount_fen;
        if (strcmp(post[k].credit, r->account) == 0) r->balance_fen -= post[k].amount_fen;
    }
    return 0;
}

/* Caller holds rd's lock. */
static int read_person(struct store *s, struct reader *rd, struct person_read *r,
                       struct store_err *err) {
    char account[ACCOUNT_BYTES_MAX + 1];
    assert(s != NULL && rd != NULL && r->psn_no != NULL && r->year >= 0);
    account_person(account, r->psn_no);
    r->account = account;
    /* Tables and pending effect must be for the same (checkpoint, tail):
     * while the writer commits, a read may fall between its commit and its
     * showing the batch, or see a later one; reading again is cheap, and
     * the replay below scans every record after the checkpoint (up to
     * CHECKPOINT_RECORDS_MAX of them) for this person's. */
    for (int try = 0; try < PENDING_TRIES_MAX; try++) {
        if (r->year > 0) year_state_init(&r->st, r->year, 0);
        r->balance_fen = 0;
        if (read_tables(s, rd->conn, r, err) != 0) return -1;
        if (r->checkpoint_seq == r->tail_seq) return 0;
        enum pending_match m = match_pending(s, r);
        if (m == PENDING_EXACT) return 0;
        if (m == PENDING_NONE) break;
        if (m == PENDING_BEHIND) {
            struct timespec ts = {0, PENDING_WAIT_NS};
            nanosleep(&ts, NULL);
        }
    }
    struct person_replay pr = {r, err};
    int rc = s->ops->journal_scan(rd->conn, r->checkpoint_seq + 1, replay_row, &pr, err);
    return rc == -1 ? -1 : 0;
}

/* ---- persons' rows kept (store.h: store_person_find) ---- */
static struct store_person *person_slot(struct store *s, const char *psn_no) {
    uint64_t h = fnv1a_text(FNV_OFFSET, psn_no);
    assert(s->person_slots != NULL);
    return &s->person_slots[h & (STORE_PERSON_CACHE_SLOTS - 1)];
}

/* The row of psn_no when kept (true, into out). */
static bool person_kept(struct store *s, const char *psn_no, struct store_person *out) {
    assert(psn_no != NULL && out != NULL);
    if (psn_no[0] == '\0') return false; /* the empty slot's key */
    pthread_mutex_lock(&s->person_lock);
    const struct store_person *p = person_slot(s, psn_no);
    bool kept = strcmp(p->psn_no, psn_no) == 0;
    if (kept) *out = *p, s->person_hits++;
    pthread_mutex_unlock(&s->person_lock);
    return kept;
}

static uint64_t person_epoch(struct store *s) {
    pthread_mutex_lock(&s->person_lock);
    uint64_t epoch = s->person_epoch;
    pthread_mutex_unlock(&s->person_lock);
    return epoch;
}

/* Keeps p, read in epoch: not when the slots were emptied since. */
static void person_keep(struct store *s, const struct store_person *p, uint64_t epoch) {
    assert(p != NULL);
    if (p->psn_no[0] == '\0') return;
    pthread_mutex_lock(&s->person_lock);
    if (epoch == s->person_epoch) *person_slot(s, p->psn_no) = *p;
    pthread_mutex_unlock(&s->person_lock);
}

int64_t store_person_cache_hits(struct store *s) {
    assert(s != NULL);
    pthread_mutex_lock(&s->person_lock);
    int64_t hits = s->person_hits;
    pthread_mutex_unlock(&s->person_lock);
    assert(hits >= 0);
    return hits;
}

/* The row, kept or read on rd (the caller holds it), and kept when found. */
static int person_row(struct store *s, struct reader *rd, const char *psn_no,
                      struct store_person *out, bool *found, struct store_err *err) {
    assert(rd != NULL && found != NULL);
    *found = person_kept(s, psn_no, out);
    if (*found) return 0;
    uint64_t epoch = person_epoch(s);
    if (s->ops->persons_get(rd->conn, &psn_no, 1, out, found, err) != 0) return -1;
    assert(!*found || strcmp(out->psn_no, psn_no) == 0);
    if (*found) person_keep(s, out, epoch);
    return 0;
}

int store_person_get(struct store *s, const char *psn_no, struct store_person *out,
                     int64_t *acct_balc_fen, bool *found, struct store_err *err) {
    assert(s != NULL && psn_no != NULL);
    assert(out != NULL && acct_balc_fen != NULL && found != NULL);
    struct person_read r = {.psn_no = psn_no};
    struct reader *rd = reader_take(s);
    int rc = person_row(s, rd, psn_no, out, found, err);
    if (rc == 0) rc = read_person(s, rd, &r, err);
    reader_give(rd);
    *acct_balc_fen = r.balance_fen;
    return rc;
}

struct bill_read {
    struct bill *bill;
    struct bill_line *lines;
    int32_t lines_max;
    bool found, bad;
};

static int bill_of_record(void *ctx, const struct journal_data *d) {
    struct bill_read *r = ctx;
    assert(r != NULL && d != NULL);
    r->found = true;
    r->bad = bill_blob_decode(d->bytes, d->len, r->bill, r->lines, r->lines_max) != 0;
    return 1; /* one record */
}

int store_journal_by_msgid(struct store *s, const char *msgid, struct journal_rec *rec, bool *found,
                           struct store_err *err) {
    assert(s != NULL && msgid != NULL && rec != NULL && found != NULL);
    struct reader *rd = reader_take(s);
    int rc = s->ops->journal_by_msgid(rd->conn, &msgid, 1, rec, found, err);
    reader_give(rd);
    assert(rc != 0 || !*found || strcmp(rec->msgid, msgid) == 0);
    return rc;
}

/* The msgids looked for (store_journal_by_msgids), indexed by hash: the
 * records read in seq order from near_seq on are matched against them as
 * they come. */
struct msgid_match {
    const char *const *msgids;
    struct journal_rec *recs;
    bool *found;
    size_t n, read;
    int32_t *slots; /* open addressing: the first request index + 1, 0 empty */
    int32_t *next;  /* the next request with the same msgid + 1, 0 none */
    size_t mask;
};

static size_t msgid_slot(const char *msgid, size_t mask) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)msgid; *p != '\0'; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (size_t)h & mask;
}

static void match_index(struct msgid_match *m) {
    assert(m != NULL && m->slots != NULL && m->next != NULL);
    for (size_t i = 0; i < m->n; i++) {
        size_t at = msgid_slot(m->msgids[i], m->mask);
        while (m->slots[at] != 0 && strcmp(m->msgids[m->slots[at] - 1], m->msgids[i]) != 0)
            at = (at + 1) & m->mask;
        if (m->slots[at] == 0) {
            m->slots[at] = (int32_t)i + 1;
            continue;
        }
        size_t k = (size_t)m->slots[at] - 1; /* the same msgid again: at the chain's end */
        while (m->next[k] != 0) k = (size_t)m->next[k] - 1;
        m->next[k] = (int32_t)i + 1;
    }
}

static int match_row(void *ctx, const struct journal_rec *rec) {
    struct msgid_match *m = ctx;
    assert(m->read < m->n);
    size_t at = msgid_slot(rec->msgid, m->mask);
    while (m->slots[at] != 0 && strcmp(m->msgids[m->slots[at] - 1], rec->msgid) != 0)
        at = (at + 1) & m->mask;
    for (int32_t i = m->slots[at]; i != 0; i = m->next[i - 1]) {
        m->recs[i - 1] = *rec;
        m->found[i - 1] = true;
    }
    return ++m->read == m->n ? 1 : 0; /* as many records as msgids: stop the scan */
}

/* The msgids not found from near_seq on, by msgid. */
static int by_msgid_rest(struct store *s, struct reader *rd, struct msgid_match *m,
                         struct store_err *err) {
    const char **rest = malloc(m->n * sizeof *rest);
    size_t *at = malloc(m->n * sizeof *at);
    bool *rest_found = malloc(m->n * sizeof *rest_found);
    struct journal_rec *rest_recs = NULL;
    size_t count = 0;
    for (size_t i = 0; rest && at && i < m->n; i++)
        if (!m->found[i]) rest[count] = m->msgids[i], at[count++] = i;
    if (count > 0) rest_recs = malloc(count * sizeof *rest_recs);
    int rc = rest && at && rest_found && (count == 0 || rest_recs) ? 0 : -1;
    if (rc != 0) store_errf(err, "journal lookup: out of memory");
    if (rc == 0 && count > 0)
        rc = s->ops->journal_by_msgid(rd->conn, rest, count, rest_recs, rest_found, err);
    for (size_t k = 0; rc == 0 && k < count; k++) {
        m->found[at[k]] = rest_found[k];
        if (rest_found[k]) m->recs[at[k]] = rest_recs[k];
    }
    free(rest);
    free(at);
    free(rest_found);
    free(rest_recs);
    return rc;
}

int store_journal_by_msgids(struct store *s, int64_t near_seq, const char *const *msgids, size_t n,
                            struct journal_rec *recs, bool *found, struct store_err *err) {
    assert(s != NULL && msgids != NULL && recs != NULL && found != NULL && n <= BATCH_MAX);
    if (n == 0) return 0;
    size_t slots = 2;
    while (slots < 2 * n) slots *= 2;
    struct msgid_match m = {
        msgids,   recs, found, n, 0, calloc(slots, sizeof(int32_t)), calloc(n, sizeof(int32_t)),
        slots - 1};
    if (m.slots == NULL || m.next == NULL) {
        free(m.slots), free(m.next);
        store_errf(err, "journal lookup: out of memory");
        return -1;
    }
    memset(found, 0, n * sizeof *found);
    if (near_seq > 0) match_index(&m);
    struct reader *rd = reader_take(s);
    /* one read transaction (SQLite: one lock, not one a statement) */
    int rc = s->ops->snapshot_begin(rd->conn, err);
    if (rc == 0 && near_seq > 0 && s->ops->journal_scan(rd->conn, near_seq, match_row, &m, err) < 0)
        rc = -1;
    if (rc == 0) rc = by_msgid_rest(s, rd, &m, err);
    s->ops->rollback(rd->conn);
    reader_give(rd);
    free(m.slots);
    free(m.next);
    for (size_t i = 0; rc == 0 && i < n; i++)
        assert(!found[i] || strcmp(recs[i].msgid, msgids[i]) == 0);
    return rc;
}

int store_settlement_bill(struct store *s, int64_t setl_id, struct bill *bill,
                          struct bill_line *lines, int32_t lines_max, bool *found,
                          struct store_err *err) {
    assert(s != NULL && setl_id > 0 && bill != NULL && lines != NULL && found != NULL);
    struct bill_read r = {bill, lines, lines_max, false, false};
    struct reader *rd = reader_take(s);
    int rc = s->ops->data_scan(rd->conn, setl_id, setl_id, bill_of_record, &r, err);
    reader_give(rd);
    if (rc == -1) return -1;
    *found = r.found && !r.bad;
    return 0;
}

/* The bills of the settlements in [from_seq, to_seq] that wanted accepts,
 * read as the journal keeps them, one data scan on one reader (a round
 * trip for the range, not for each bill: the supervision scan's read). */
struct bills_read {
    store_bill_wanted wanted;
    store_bill_cb cb;
    void *ctx;
    struct bill bill;
    struct bill_line *lines;
};

static int bill_of_range(void *ctx, const struct journal_data *d) {
    struct bills_read *r = ctx;
    assert(r != NULL && d != NULL);
    if (!r->wanted(r->ctx, d->seq)) return 0;
    if (bill_blob_decode(d->bytes, d->len, &r->bill, r->lines, BILL_LINES_MAX) != 0) return 0;
    return r->cb(r->ctx, d->seq, &r->bill);
}

int store_settlement_bills(struct store *s, int64_t from_seq, int64_t to_seq,
                           store_bill_wanted wanted, store_bill_cb cb, void *ctx,
                           struct store_err *err) {
    assert(s != NULL && from_seq > 0 && to_seq >= from_seq && wanted != NULL && cb != NULL);
    struct bills_read r;
    memset(&r, 0, sizeof r);
    r.wanted = wanted, r.cb = cb, r.ctx = ctx;
    r.lines = malloc(BILL_LINES_MAX * sizeof(struct bill_line));
    if (r.lines == NULL) return store_errf(err, "settlement bills: out of memory"), -1;
    struct reader *rd = reader_take(s);
    int rc = s->ops->data_scan(rd->conn, from_seq, to_seq, bill_of_range, &r, err);
    reader_give(rd);
    free(r.lines);
    return rc;
}

int store_person_by_certno(struct store *s, const char *certno, char (*psn_nos)[CODE_BYTES_MAX + 1],
                           size_t max, size_t *n, struct store_err *err) {
    assert(s != NULL && certno != NULL && psn_nos != NULL && max > 0 && n != NULL);
    struct reader *rd = reader_take(s);
    int rc = s->ops->persons_by_certno(rd->conn, certno, psn_nos, max, n, err);
    reader_give(rd);
    assert(rc != 0 || *n <= max);
    return rc;
}

int store_person_find(struct store *s, const char *psn_no, struct store_person *out, bool *found,
                      struct store_err *err) {
    assert(s != NULL && psn_no != NULL);
    assert(out != NULL && found != NULL);
    if (person_kept(s, psn_no, out)) return *found = true, 0; /* no reader needed */
    struct reader *rd = reader_take(s);
    int rc = person_row(s, rd, psn_no, out, found, err);
    reader_give(rd);
    return rc;
}

struct flagged_scan {
    uint32_t mask;
    person_cb cb;
    void *ctx;
};

static int flagged_only(void *ctx, const struct store_person *p) {
    const struct flagged_scan *f = ctx;
    assert(f != NULL && p != NULL && f->cb != NULL);
    return (p->flags & f->mask) != 0 ? f->cb(f->ctx, p) : 0;
}

int store_persons_flagged(struct store *s, uint32_t mask, person_cb cb, void *ctx,
                          struct store_err *err) {
    assert(s != NULL && s->conn != NULL && cb != NULL && mask != 0);
    if (s->ops->persons_flagged != NULL)
        return s->ops->persons_flagged(s->conn, mask, cb, ctx, err);
    struct flagged_scan f = {mask, cb, ctx};
    return s->ops->persons_scan(s->conn, -1, flagged_only, &f, err);
}

int store_persons_read(struct store *s, const char *const *psn_nos, size_t n,
                       struct store_person *out, bool *found, struct store_err *err) {
    assert(s != NULL && psn_nos != NULL && out != NULL && found != NULL);
    assert(n >= 1 && n <= BATCH_MAX);
    struct reader *rd = reader_take(s);
    int rc = s->ops->persons_get(rd->conn, psn_nos, n, out, found, err);
    reader_give(rd);
    return rc;
}

int store_enrol_rows_of(struct store *s, enum enrol_kind kind, const char *who, enrol_cb cb,
                        void *ctx, struct store_err *err) {
    assert(s != NULL && who != NULL && cb != NULL);
    assert(kind >= 0 && kind < ENROL_KIND_COUNT);
    struct reader *rd = reader_take(s);
    int rc = s->ops->enrol_scan(rd->conn, kind, who, cb, ctx, err);
    reader_give(rd);
    return rc < 0 ? -1 : 0;
}

int store_state_get(struct store *s, const char *psn_no, int32_t year, struct year_state *out,
                    struct store_err *err) {
    assert(s != NULL && psn_no != NULL && year > 0);
    struct person_read r = {.psn_no = psn_no, .year = year};
    struct reader *rd = reader_take(s);
    int rc = read_person(s, rd, &r, err);
    reader_give(rd);
    *out = r.st;
    out->acct_balc_fen = r.balance_fen;
    assert(rc != 0 || out->year == year);
    return rc;
}

int store_settlement_get(struct store *s, int64_t setl_id, struct journal_rec *rec,
                         struct store_settlement *stl, bool *revoked, bool *found,
                         struct store_err *err) {
    assert(s != NULL && rec != NULL);
    assert(stl != NULL && revoked != NULL && found != NULL);
    struct reader *rd = reader_take(s);
    int rc = s->ops->journal_by_seq(rd->conn, &setl_id, 1, rec, found, err);
    if (rc == 0 && *found) rc = s->ops->journal_revoked(rd->conn, &setl_id, 1, revoked, err);
    reader_give(rd);
    if (rc != 0 || !*found) return rc;
    if (rec->kind != JOURNAL_SETTLE) {
        *found = false;
        return 0;
    }
    const char *bad = NULL;
    if (settlement_decode(rec->body, stl, &bad) != 0) {
        store_errf(err, "journal seq %lld: body: bad field at '%.32s'", (long long)setl_id, bad);
        return -1;
    }
    return 0;
}

/* ---- a period of the journal ---------------------------------------------- */
/* The first seq in [lo, end) whose record's time is at least time_us (end:
 * none; end 0: the journal's tail + 1). Inside a run of records between two
 * time breaks, journal times follow seq (one writer stamps its batches in
 * order), so a binary search over seq finds it in about 26 lookups for 50
 * million records. */
static int first_seq_at(struct store *s, struct store_conn *conn, int64_t lo, int64_t end,
                        int64_t time_us, int64_t *out, struct store_err *err) {
    static _Thread_local struct journal_rec rec; /* a few KiB: not on the stack */
    bool found = false;
    assert(lo >= 1 && end >= 0);
    if (end == 0) {
        if (s->ops->journal_tail(conn, &rec, &found, err) != 0) return -1;
        end = found ? rec.seq + 1 : 1;
    }
    int64_t hi = end > lo ? end : lo; /* the answer is in [lo, hi] */
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        assert(lo <= mid && mid < hi);
        if (s->ops->journal_by_seq(conn, &mid, 1, &rec, &found, err) != 0) return -1;
        if (found && rec.time_us < time_us) lo = mid + 1;
        else hi = mid;
    }
    assert(lo >= 1);
    *out = lo;
    return 0;
}

struct period_scan {
    int64_t from_us, to_us;
    int64_t end_seq; /* the run's end (its next break), or 0: the journal's */
    bool whole;      /* every record read: more breaks than STORE_JOURNAL_BREAKS_MAX */
    bool stopped;    /* cb stopped the scan */
    journal_cb cb;
    void *ctx;
};

static int period_row(void *ctx, const struct journal_rec *rec) {
    struct period_scan *p = ctx;
    assert(p->cb != NULL && p->from_us < p->to_us);
    if (p->end_seq > 0 && rec->seq >= p->end_seq) return 1;                     /* the run's end */
    if (!p->whole && rec->time_us >= p->to_us + STORE_CLOCK_SLACK_US) return 1; /* past it */
    if (rec->time_us < p->from_us || rec->time_us >= p->to_us) return 0;
    int rc = p->cb(p->ctx, rec);
    p->stopped = rc != 0;
    return rc;
}

/* The period's records in the run [from_seq, end_seq) (end_seq 0: to the
 * journal's end). 0, or -1 with err. */
static int period_run(struct store *s, struct store_conn *conn, struct period_scan *p,
                      int64_t from_seq, int64_t end_seq, struct store_err *err) {
    assert(from_seq >= 1 && (end_seq == 0 || end_seq > from_seq));
    int64_t start = from_seq;
    int64_t search_us = p->from_us > INT64_MIN + STORE_CLOCK_SLACK_US
                            ? p->from_us - STORE_CLOCK_SLACK_US
                            : INT64_MIN;
    if (!p->whole && first_seq_at(s, conn, from_seq, end_seq, search_us, &start, err) != 0)
        return -1;
    if (end_seq > 0 && start >= end_seq) return 0; /* the run ends before the period */
    p->end_seq = end_seq;
    return s->ops->journal_scan(conn, start, period_row, p, err) == -1 ? -1 : 0;
}

int store_journal_period(struct store *s, struct store_conn *conn, int64_t from_us, int64_t to_us,
                         journal_cb cb, void *ctx, struct store_err *err) {
    assert(s != NULL && conn != NULL && cb != NULL);
    static _Thread_local int64_t breaks[STORE_JOURNAL_BREAKS_MAX + 1];
    if (to_us <= from_us) return 0;
    size_t n = 0;
    if (s->ops->journal_breaks(conn, breaks, STORE_JOURNAL_BREAKS_MAX + 1, &n, err) != 0) return -1;
    assert(n <= STORE_JOURNAL_BREAKS_MAX + 1);
    struct period_scan p = {.from_us = from_us, .cb = cb, .ctx = ctx};
    p.to_us = to_us > INT64_MAX - STORE_CLOCK_SLACK_US ? INT64_MAX - STORE_CLOCK_SLACK_US : to_us;
    p.whole = n > STORE_JOURNAL_BREAKS_MAX;
    if (p.whole) return period_run(s, conn, &p, 1, 0, err); /* too many runs: every record */
    /* each run between two breaks on its own: its times follow seq */
    int64_t run_from = 1;
    for (size_t i = 0; i <= n && !p.stopped; i++) {
        int64_t run_end = i < n ? breaks[i] : 0;
        assert(run_end == 0 || run_end > run_from); /* ascending, seq 1 is no break */
        if (period_run(s, conn, &p, run_from, run_end, err) != 0) return -1;
        run_from = run_end;
    }
    return 0;
}

struct totals_ctx {
    const char *code;
    int64_t count, sum_fen;
    struct store_err *err;
};

static int totals_row(void *ctx, const struct journal_rec *rec) {
    struct totals_ctx *t = ctx;
    assert(t->code != NULL && rec != NULL);
    if (rec->kind == JOURNAL_IMPORT || strcmp(rec->fixmedins_code, t->code) != 0) return 0;
    struct store_settlement stl;
    const char *bad = NULL;
    if (settlement_decode(rec->body, &stl, &bad) != 0) {
        store_errf(t->err, "journal seq %lld: body: bad field", (long long)rec->seq);
        return -1;
    }
    int sign = rec->kind == JOURNAL_SETTLE ? 1 : -1;
    t->count += sign;
    t->sum_fen += sign * stl.setl.fund_pay_sumamt;
    return 0;
}

int store_totals(struct store *s, const char *fixmedins_code, int64_t from_us, int64_t to_us,
                 int64_t *count, int64_t *fund_sum_fen, struct store_err *err) {
    assert(s != NULL && fixmedins_code != NULL);
    assert(count != NULL && fund_sum_fen != NULL);
    struct totals_ctx t = {fixmedins_code, 0, 0, err};
    struct reader *rd = reader_take(s);
    int rc = store_journal_period(s, rd->conn, from_us, to_us, totals_row, &t, err);
    reader_give(rd);
    *count = t.count;
    *fund_sum_fen = t.sum_fen;
    return rc == 0 ? 0 : -1;
}
