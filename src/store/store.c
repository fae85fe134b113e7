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

#include "store/checkpoint.h"
#include "store/store.h"

#define STORE_READERS 4            /* read connections (each with its lock) */
#define READ_ATTEMPTS_MAX 8        /* re-reads when a commit lands between a read's statements */
#define PENDING_TRIES_MAX 200      /* reads of (tables, pending) before replaying the journal */
#define PENDING_WAIT_NS 100000     /* between tries while the writer shows a just-committed batch */

/* A read connection and the lock its user holds. Reads are spread over
 * STORE_READERS of them: on PostgreSQL a read is several round trips, and
 * with one connection the service's threads would queue behind each other. */
struct reader {
    struct store_conn *conn;
    pthread_mutex_t lock;
};

struct store {
    const struct store_backend *ops;
    struct store_conn *conn;       /* the writer's connection (commit queue, import) */
    struct reader readers[STORE_READERS];
    atomic_uint reader_next;       /* where a reader that finds all busy waits */
    struct pending *pending;       /* the commit queue's, or NULL; under every reader's lock */
    char target[STORE_URI_BYTES_MAX + 1];

    struct store_institution *institutions;
    size_t institution_count, institution_cap;
    uint32_t *inst_slots;          /* open addressing: index + 1 */
    size_t inst_slot_count;

    struct policy *policies;
    size_t policy_count;
    struct catalog catalog;
};

const struct store_backend *store_backend_for(const char *target) {
    assert(target != NULL);
    if (strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0)
        return &store_pg_backend;
    return &store_sqlite_backend;
}

const struct store_backend *store_ops(const struct store *store) { return store->ops; }
struct store_conn *store_conn(const struct store *store) { return store->conn; }
const struct catalog *store_catalog(const struct store *store) { return &store->catalog; }

const struct store_institution *store_institutions(const struct store *store, size_t *count) {
    *count = store->institution_count;
    return store->institutions;
}

/* ---- institutions ------------------------------------------------------ */
static int inst_collect(void *ctx, const struct store_institution *row) {
    struct store *s = ctx;
    if (s->institution_count >= INSTITUTIONS_MAX) return -2;
    if (s->institution_count == s->institution_cap) {
        size_t cap = s->institution_cap ? s->institution_cap * 2 : 64;
        struct store_institution *grown = realloc(s->institutions, cap * sizeof *grown);
        if (grown == NULL) return -3;
        s->institutions = grown;
        s->institution_cap = cap;
    }
    s->institutions[s->institution_count++] = *row;
    return 0;
}

static int inst_index(struct store *s) {
    size_t slots = 16;
    while (slots < s->institution_count * 2) slots *= 2;
    free(s->inst_slots);
    s->inst_slot_count = 0; /* a failed index finds nothing, never a freed table */
    s->inst_slots = calloc(slots, sizeof *s->inst_slots);
    if (s->inst_slots == NULL) return -1;
    s->inst_slot_count = slots;
    assert(s->institution_count < slots);
    for (size_t i = 0; i < s->institution_count; i++) {
        size_t h = (size_t)code_hash(s->institutions[i].code) & (slots - 1);
        while (s->inst_slots[h] != 0) h = (h + 1) & (slots - 1);
        s->inst_slots[h] = (uint32_t)(i + 1);
    }
    return 0;
}

const struct store_institution *store_institution_find(const struct store *s, const char *code) {
    assert(s != NULL && code != NULL);
    if (s->inst_slot_count == 0) return NULL;
    size_t h = (size_t)code_hash(code) & (s->inst_slot_count - 1);
    while (s->inst_slots[h] != 0) {
        const struct store_institution *r = &s->institutions[s->inst_slots[h] - 1];
        if (strcmp(r->code, code) == 0) return r;
        h = (h + 1) & (s->inst_slot_count - 1);
    }
    return NULL;
}

/* ---- policies ---------------------------------------------------------- */
struct policy_load {
    struct store *store;
    struct json_doc *doc;
    struct store_err *err;
};

static int policy_collect(void *ctx, const struct store_policy_row *row) {
    struct policy_load *pl = ctx;
    struct store *s = pl->store;
    if (s->policy_count >= POLICIES_MAX) {
        store_errf(pl->err, "more than %d policies", POLICIES_MAX);
        return -1;
    }
    struct json_error jerr;
    const struct json_value *root = json_parse(pl->doc, row->json, row->json_len, &jerr);
    char msg[CODEC_ERR_BYTES];
    struct policy *p = &s->policies[s->policy_count];
    if (root == NULL || policy_from_json(root, p, msg, sizeof msg) != 0) {
        store_errf(pl->err, "stored policy %s/%d/%d: %s", row->region, (int)row->year,
                   (int)row->insutype, root == NULL ? jerr.message : msg);
        return -1;
    }
    s->policy_count++;
    return 0;
}

static int load_policies(struct store *s, struct store_err *err) {
    if (s->policies == NULL) {
        s->policies = calloc(POLICIES_MAX, sizeof *s->policies);
        if (s->policies == NULL) return store_errf(err, "out of memory (policies)"), -1;
    }
    s->policy_count = 0;
    struct json_limits limits = {JSON_BYTES_MAX, JSON_DEPTH_MAX, JSON_NODES_MAX};
    struct policy_load pl = {s, json_doc_new(&limits), err};
    if (pl.doc == NULL) return store_errf(err, "out of memory (json)"), -1;
    int rc = s->ops->policies_scan(s->conn, policy_collect, &pl, err);
    json_doc_free(pl.doc);
    return rc == 0 ? 0 : -1;
}

const struct policy *store_policy_find(const struct store *s, const char *region, int32_t year,
                                       int32_t insutype) {
    assert(s != NULL && region != NULL);
    for (size_t i = 0; i < s->policy_count; i++) {
        const struct policy *p = &s->policies[i];
        if (p->year == year && p->insutype == insutype && strcmp(p->region, region) == 0) return p;
    }
    return NULL;
}

const struct policy *store_policy_fallback(const struct store *s, const char *region,
                                           int32_t insutype) {
    const struct policy *best = NULL;
    for (size_t i = 0; i < s->policy_count; i++) {
        const struct policy *p = &s->policies[i];
        if (strcmp(p->region, region) != 0) continue;
        bool better = best == NULL || (p->insutype == insutype && best->insutype != insutype) ||
                      (p->insutype == best->insutype && p->year > best->year);
        if (better) best = p;
    }
    return best;
}

/* ---- catalog ----------------------------------------------------------- */
static int catalog_collect(void *ctx, const struct catalog_item *item) {
    return catalog_add(ctx, item) == 0 ? 0 : -2;
}

/* Empties the registry in memory: after a reload that failed part way it
 * holds no half-indexed table (every institution, policy and catalog item
 * is then unknown until the next reload). */
static void registry_clear(struct store *s) {
    s->institution_count = 0;
    free(s->inst_slots);
    s->inst_slots = NULL;
    s->inst_slot_count = 0;
    s->policy_count = 0;
    catalog_free(&s->catalog);
    catalog_init(&s->catalog);
    assert(store_institution_find(s, "") == NULL);
}

int store_reload_registry(struct store *s, struct store_err *err) {
    assert(s != NULL);
    registry_clear(s);
    int rc = s->ops->institutions_scan(s->conn, inst_collect, s, err);
    if (rc != 0 || inst_index(s) != 0) {
        if (rc != -1) store_errf(err, "institutions: too many or out of memory");
        registry_clear(s);
        return -1;
    }
    if (load_policies(s, err) != 0) return registry_clear(s), -1;
    rc = s->ops->catalog_scan(s->conn, catalog_collect, &s->catalog, err);
    if (rc != 0) {
        if (rc != -1) store_errf(err, "catalog: too many items or out of memory");
        registry_clear(s);
        return -1;
    }
    assert(s->inst_slot_count > s->institution_count);
    return 0;
}

int store_open(const char *target, struct store **out, struct store_err *err) {
    assert(target != NULL && out != NULL);
    *out = NULL;
    struct store *s = calloc(1, sizeof *s);
    if (s == NULL) return store_errf(err, "out of memory"), -1;
    s->ops = store_backend_for(target);
    snprintf(s->target, sizeof s->target, "%s", target);
    catalog_init(&s->catalog);
    atomic_init(&s->reader_next, 0);
    for (int i = 0; i < STORE_READERS; i++) pthread_mutex_init(&s->readers[i].lock, NULL);
    int rc = s->ops->open(target, &s->conn, err);
    for (int i = 0; i < STORE_READERS && rc == 0; i++)
        rc = s->ops->open(target, &s->readers[i].conn, err);
    if (rc != 0 || store_reload_registry(s, err) != 0) {
        store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void store_close(struct store *s) {
    if (s == NULL) return;
    for (int i = 0; i < STORE_READERS; i++) {
        if (s->readers[i].conn) s->ops->close(s->readers[i].conn);
        pthread_mutex_destroy(&s->readers[i].lock);
    }
    if (s->conn) s->ops->close(s->conn);
    free(s->institutions);
    free(s->inst_slots);
    free(s->policies);
    catalog_free(&s->catalog);
    free(s);
}

/* ---- reads ---------------------------------------------------------------
 * The tables hold the journal up to the checkpoint C (checkpoint.h); a read
 * adds the effect of the records after C: the commit queue's pending effect
 * when it is for exactly (C, tail], else a replay of the person's records. */
void store_attach_pending(struct store *s, struct pending *pending) {
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
    return r;
}

static void reader_give(struct reader *r) { pthread_mutex_unlock(&r->lock); }

struct person_read {
    const char *psn_no;
    const char *account;
    int32_t year;                  /* the year state wanted, or 0: the balance only */
    struct year_state st;
    int64_t balance_fen;
    int64_t checkpoint_seq, tail_seq;
};

/* Table values at one (checkpoint, tail): re-read when a commit landed
 * between the statements. */
static int read_tables(struct store *s, struct store_conn *conn, struct person_read *r,
                       struct store_err *err) {
    struct state_key key;
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
    PENDING_EXACT,      /* applied: the read is complete */
    PENDING_BEHIND,     /* the writer committed more than it has shown yet: wait, read again */
    PENDING_MOVED,      /* the writer moved on (a later batch, a checkpoint): read again */
    PENDING_NONE        /* no writer here, or its effect is unknown: replay the journal */
};

/* Adds the writer's pending effect if it is for exactly (checkpoint, tail]. */
static enum pending_match match_pending(struct store *s, struct person_read *r) {
    struct pending *p = s->pending;
    if (p == NULL) return PENDING_NONE;
    pthread_mutex_lock(&p->lock);
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
    if (rec->seq > r->tail_seq) return 1;
    if (strcmp(rec->psn_no, r->psn_no) != 0) return 0;
    struct posting post[POSTINGS_PER_RECORD_MAX];
    int count = checkpoint_effect(rec, rec->year == r->year ? &r->st : NULL, post, pr->err);
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

int store_person_get(struct store *s, const char *psn_no, struct store_person *out,
                     int64_t *acct_balc_fen, bool *found, struct store_err *err) {
    assert(s != NULL && psn_no != NULL);
    struct person_read r = {.psn_no = psn_no};
    struct reader *rd = reader_take(s);
    int rc = s->ops->persons_get(rd->conn, &psn_no, 1, out, found, err);
    if (rc == 0) rc = read_person(s, rd, &r, err);
    reader_give(rd);
    *acct_balc_fen = r.balance_fen;
    return rc;
}

int store_person_find(struct store *s, const char *psn_no, struct store_person *out, bool *found,
                      struct store_err *err) {
    assert(s != NULL && psn_no != NULL);
    struct reader *rd = reader_take(s);
    int rc = s->ops->persons_get(rd->conn, &psn_no, 1, out, found, err);
    reader_give(rd);
    return rc;
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
    return rc;
}

int store_settlement_get(struct store *s, int64_t setl_id, struct journal_rec *rec,
                         struct store_settlement *stl, bool *revoked, bool *found,
                         struct store_err *err) {
    assert(s != NULL && rec != NULL);
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
/* The first seq whose record's time is at least time_us: journal times
 * follow seq (one writer stamps its batches in order), so a binary search
 * over seq finds it in about 26 lookups for 50 million records. */
static int first_seq_at(struct store *s, struct store_conn *conn, int64_t time_us, int64_t *out,
                        struct store_err *err) {
    static _Thread_local struct journal_rec rec; /* a few KiB: not on the stack */
    bool found = false;
    if (s->ops->journal_tail(conn, &rec, &found, err) != 0) return -1;
    int64_t lo = 1, hi = found ? rec.seq + 1 : 1; /* the answer is in [lo, hi] */
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
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
    journal_cb cb;
    void *ctx;
};

static int period_row(void *ctx, const struct journal_rec *rec) {
    struct period_scan *p = ctx;
    if (rec->time_us >= p->to_us + STORE_CLOCK_SLACK_US) return 1; /* past the period: stop */
    if (rec->time_us < p->from_us || rec->time_us >= p->to_us) return 0;
    return p->cb(p->ctx, rec);
}

int store_journal_period(struct store *s, struct store_conn *conn, int64_t from_us, int64_t to_us,
                         journal_cb cb, void *ctx, struct store_err *err) {
    assert(s != NULL && conn != NULL && cb != NULL);
    if (to_us <= from_us) return 0;
    int64_t start = 1;
    int64_t search_us = from_us > INT64_MIN + STORE_CLOCK_SLACK_US ? from_us - STORE_CLOCK_SLACK_US
                                                                     : INT64_MIN;
    if (first_seq_at(s, conn, search_us, &start, err) != 0) return -1;
    struct period_scan p = {from_us, to_us > INT64_MAX - STORE_CLOCK_SLACK_US
                                         ? INT64_MAX - STORE_CLOCK_SLACK_US : to_us, cb, ctx};
    int rc = s->ops->journal_scan(conn, start, period_row, &p, err);
    return rc == -1 ? -1 : 0;
}

struct totals_ctx {
    const char *code;
    int64_t count, sum_fen;
    struct store_err *err;
};

static int totals_row(void *ctx, const struct journal_rec *rec) {
    struct totals_ctx *t = ctx;
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
    struct totals_ctx t = {fixmedins_code, 0, 0, err};
    struct reader *rd = reader_take(s);
    int rc = store_journal_period(s, rd->conn, from_us, to_us, totals_row, &t, err);
    reader_give(rd);
    *count = t.count;
    *fund_sum_fen = t.sum_fen;
    return rc == 0 ? 0 : -1;
}
