/* commitq.c: the commit queue: many threads submit settlements and revokes,
 * one writer thread takes up to batch_max of them, settles them in order
 * against an in-memory working set of the touched persons, year states and
 * accounts, writes them in one transaction (journal rows and postings),
 * commits (durably), and only then wakes each caller with its answer (or,
 * for commitq_submit_async, calls its completion callback). The batch's
 * effect on year states and balances joins the pending effect, written to
 * the tables at the next checkpoint (checkpoint.h). A failed write or
 * commit fails the whole batch and drops everything held in memory; the
 * next batch rebuilds it from storage (the journal tail, the checkpoint).
 *
 * A guest (commitq_host; on SQLite the service tables' queue) has its work
 * run by the writer first in the next batch's transaction, or in one of
 * its own when no request is queued: one connection writes the file, and
 * the two share their commits (see store.h).
 *
 * Family sharing (FUNDS.md §5 Step 7b): a settlement that uses the account
 * reads its person's bindings (enrol_bindings) and draws on the holders'
 * accounts; the holders join the working set as persons, so that two
 * settlements of one batch drawing on the same holder see each other's
 * effect, and each part is posted from P:<holder> in the same commit. */
#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "app/settle_case.h"
#include "core/hash.h"
#include "store/cache.h"
#include "store/checkpoint.h"
#include "store/lat_stat.h"
#include "store/store.h"

#define ACCOUNTS_PER_REQ_MAX (2 * POSTINGS_PER_RECORD_MAX + 1)
/* the request's person and the holders of accounts it may draw on */
#define PERSONS_PER_REQ_MAX (1 + SETTLE_HOLDERS_MAX)

/* ---- a small string -> index map, cleared per batch ------------------- */
/* Cleared by zeroing only the slots it filled: sized for a whole batch of
 * 1,024 requests the maps are 150 KiB, and under HTTP load batches hold
 * about ten (memset was about 4 % of the writer thread's perf samples at
 * 32 connections). */
struct strmap {
    size_t slot_count; /* power of two */
    uint32_t *slots;   /* index + 1; 0 = empty */
    const char **keys; /* by index */
    size_t entries_max;
    uint32_t *filled; /* slots filled since the last clear */
    size_t filled_count;
};

static int strmap_init(struct strmap *m, size_t entries_max) {
    assert(m != NULL && entries_max > 0);
    m->slot_count = 16;
    while (m->slot_count < entries_max * 2) m->slot_count *= 2;
    m->entries_max = entries_max;
    m->filled_count = 0;
    m->slots = calloc(m->slot_count, sizeof *m->slots);
    m->keys = calloc(entries_max, sizeof *m->keys);
    m->filled = calloc(entries_max, sizeof *m->filled);
    assert(m->slot_count >= 2 * entries_max && (m->slot_count & (m->slot_count - 1)) == 0);
    return m->slots && m->keys && m->filled ? 0 : -1;
}

static void strmap_free(struct strmap *m) {
    assert(m != NULL);
    free(m->slots);
    free(m->keys);
    free(m->filled);
}

static void strmap_clear(struct strmap *m) {
    assert(m->filled_count <= m->entries_max);
    for (size_t i = 0; i < m->filled_count; i++) {
        assert(m->filled[i] < m->slot_count && m->slots[m->filled[i]] != 0);
        m->slots[m->filled[i]] = 0;
    }
    m->filled_count = 0;
}

/* Index of key, or -1; with insert_index >= 0, inserts it when missing. */
static int strmap_find(struct strmap *m, const char *key, int insert_index) {
    assert(key != NULL && m->slots != NULL);
    /* at most half the slots are filled, so the probe ends at an empty one */
    assert(m->filled_count < m->slot_count / 2 + 1);
    size_t h = (size_t)fnv1a_text(FNV_OFFSET, key) & (m->slot_count - 1);
    while (m->slots[h] != 0) {
        int idx = (int)m->slots[h] - 1;
        if (strcmp(m->keys[idx], key) == 0) return idx;
        h = (h + 1) & (m->slot_count - 1);
    }
    if (insert_index < 0) return -1;
    assert((size_t)insert_index < m->entries_max && m->filled_count < m->entries_max);
    m->slots[h] = (uint32_t)insert_index + 1;
    m->keys[insert_index] = key;
    m->filled[m->filled_count++] = (uint32_t)h;
    return -1;
}

/* ---- the batch working set --------------------------------------------- */
struct completion {
    void (*fn)(void *ctx);
    void *ctx;
};

struct person_entry {
    struct store_person p;
    bool found;
    int64_t balance_fen;
    char account[ACCOUNT_BYTES_MAX + 1];
    int bindings; /* index in batch.bindings when read, else -1 */
};

/* A member's bindings (FUNDS.md §5), as enrol_bindings lists them. */
struct member_bindings {
    int32_t count;
    struct app_holder rows[SETTLE_HOLDERS_MAX];
};

struct state_entry {
    struct state_key key;
    char key_text[CODE_BYTES_MAX + 16];
    struct year_state st;
    bool dirty;
};

struct batch {
    size_t n;
    struct store_req **reqs;
    /* idempotency and revoke targets, by request */
    const char **msgids;
    struct journal_rec *prior;
    bool *prior_found;
    int64_t *target_ids;
    size_t target_count;
    struct journal_rec *targets;
    bool *target_found, *target_revoked;
    int *target_of; /* request -> index in targets, or -1 */
    /* working set */
    struct person_entry *persons;
    size_t person_count, persons_max;
    struct member_bindings *bindings; /* [n] */
    size_t binding_count;
    struct strmap person_map;
    struct state_entry *states;
    size_t state_count;
    struct strmap state_map;
    /* output */
    struct journal_rec *recs;
    size_t rec_count;
    struct strmap msgid_map; /* msgid -> rec index */
    struct posting *postings;
    size_t posting_count;
    struct journal_data *data; /* the settlements' bills */
    size_t data_count;
    struct balance_delta *deltas;
    size_t delta_count;
    struct strmap account_map;
    /* scratch for bulk gets */
    const char **keys;
    struct state_key *state_keys;
    struct year_state *state_vals;
    int64_t *balances;
    bool *found;
    struct store_person *person_vals;
    struct state_key *dirty_keys;
    struct year_state *dirty_states;
    size_t dirty_count;
    size_t *miss_idx;                /* working-set index of each cache miss */
    bool checkpointed;               /* this batch writes the pending effect */
    struct completion *completions;  /* async callbacks of the batch, copied under the lock */
    struct app_settle_answer answer; /* scratch of do_settle */
    /* the visits the batch's settlements link (store_visit_link) */
    int64_t *visit_ids;                 /* distinct, [visit_count] */
    struct store_visit_row *visit_rows; /* by visit index: as read, then as linked */
    bool *visit_linked;                 /* by visit index: linked by this batch */
    int *visit_of;                      /* request -> visit index, or -1 */
    size_t visit_count;
    const struct store_visit_link **links; /* the batch's settlements' links, [link_count] */
    int64_t *link_setl_ids;
    size_t link_count;
    const struct store_visit_link **reopens; /* the batch's revokes' links, [reopen_count] */
    int64_t *reopen_setl_ids;
    size_t reopen_count;
    const struct registry *reg; /* held for the batch: its settlements' registry */
};

/* Where a round's time goes (commitq_print_times). */
struct round_times {
    struct lat_stat wait;       /* a request: submitted -> taken by a round */
    struct lat_stat round;      /* a round with settlements: taken -> answered */
    struct lat_stat guest_only; /* a round of the guest's work alone, whole */
    struct lat_stat guest;      /* the guest's work inside a round (its jobs) */
    struct lat_stat settle;     /* the settlements: after the guest, before the commit */
    struct lat_stat commit;     /* COMMIT: the WAL's write and fsync (and, without a
                                 * checkpointer, the checkpoints run in it) */
};

struct commitq {
    struct store *store;
    int batch_max;
    pthread_mutex_t lock;
    pthread_cond_t nonempty, nonfull, done;
    struct store_req **ring;
    size_t head, count;
    bool stopping;
    pthread_t thread;
    int64_t batches, requests;
    struct batch b;
    struct wcache cache;
    struct pending pending;     /* effect of the records after the checkpoint */
    int64_t checkpoint_records; /* records after the checkpoint before writing one */
    int64_t next_seq;
    char last_hash[HASH_HEX_BYTES + 1];
    struct commitq_guest guest; /* guest.take NULL: none */
    bool guest_due;             /* kicked since the writer last took the guest's work */
    bool guest_taken;           /* this round's transaction carries the guest's work */
    int64_t guest_rounds;       /* transactions of the guest's work alone */
    struct round_times times;   /* commitq_print_times */
    bool simulated_time;        /* requests may carry sim_time_us (commitq_simulated_time) */
};

static void batch_free(struct batch *b) {
    assert(b != NULL);
    void *ptrs[] = {
        b->reqs,          b->msgids,       b->prior,           b->prior_found, b->target_ids,
        b->targets,       b->target_found, b->target_revoked,  b->target_of,   b->persons,
        b->states,        b->recs,         b->postings,        b->deltas,      b->keys,
        b->state_keys,    b->state_vals,   b->balances,        b->found,       b->person_vals,
        b->dirty_keys,    b->dirty_states, b->miss_idx,        b->completions, b->data,
        b->visit_ids,     b->visit_rows,   b->visit_linked,    b->visit_of,    b->links,
        b->link_setl_ids, b->reopens,      b->reopen_setl_ids, b->bindings};
    for (size_t i = 0; i < sizeof ptrs / sizeof ptrs[0]; i++) free(ptrs[i]);
    strmap_free(&b->person_map);
    strmap_free(&b->state_map);
    strmap_free(&b->msgid_map);
    strmap_free(&b->account_map);
}

static int batch_alloc(struct batch *b, size_t n) {
    assert(n >= 1 && n <= BATCH_MAX);
    size_t accounts = n * ACCOUNTS_PER_REQ_MAX, pn = n * PERSONS_PER_REQ_MAX;
    memset(b, 0, sizeof *b);
    b->reqs = calloc(n, sizeof *b->reqs);
    b->msgids = calloc(n, sizeof *b->msgids);
    b->prior = calloc(n, sizeof *b->prior);
    b->prior_found = calloc(n, sizeof *b->prior_found);
    b->target_ids = calloc(n, sizeof *b->target_ids);
    b->targets = calloc(n, sizeof *b->targets);
    b->target_found = calloc(n, sizeof *b->target_found);
    b->target_revoked = calloc(n, sizeof *b->target_revoked);
    b->target_of = calloc(n, sizeof *b->target_of);
    b->persons = calloc(pn, sizeof *b->persons);
    b->states = calloc(n, sizeof *b->states);
    b->recs = calloc(n, sizeof *b->recs);
    b->postings = calloc(n * POSTINGS_PER_RECORD_MAX, sizeof *b->postings);
    b->deltas = calloc(accounts, sizeof *b->deltas);
    b->keys = calloc(pn, sizeof *b->keys);
    b->state_keys = calloc(n, sizeof *b->state_keys);
    b->state_vals = calloc(n, sizeof *b->state_vals);
    b->balances = calloc(pn, sizeof *b->balances);
    b->found = calloc(pn, sizeof *b->found);
    b->person_vals = calloc(pn, sizeof *b->person_vals);
    b->dirty_keys = calloc(n, sizeof *b->dirty_keys);
    b->dirty_states = calloc(n, sizeof *b->dirty_states);
    b->miss_idx = calloc(pn, sizeof *b->miss_idx);
    b->completions = calloc(n, sizeof *b->completions);
    b->data = calloc(n, sizeof *b->data);
    b->visit_ids = calloc(n, sizeof *b->visit_ids);
    b->visit_rows = calloc(n, sizeof *b->visit_rows);
    b->visit_linked = calloc(n, sizeof *b->visit_linked);
    b->visit_of = calloc(n, sizeof *b->visit_of);
    b->links = calloc(n, sizeof *b->links);
    b->link_setl_ids = calloc(n, sizeof *b->link_setl_ids);
    b->reopens = calloc(n, sizeof *b->reopens);
    b->reopen_setl_ids = calloc(n, sizeof *b->reopen_setl_ids);
    b->bindings = calloc(n, sizeof *b->bindings);
    b->persons_max = pn;
    int rc = strmap_init(&b->person_map, pn) | strmap_init(&b->state_map, n) |
             strmap_init(&b->msgid_map, n) | strmap_init(&b->account_map, accounts);
    bool ok = rc == 0 && b->reqs && b->msgids && b->prior && b->prior_found && b->target_ids &&
              b->targets && b->target_found && b->target_revoked && b->target_of && b->persons &&
              b->states && b->recs && b->postings && b->deltas && b->keys && b->state_keys &&
              b->state_vals && b->balances && b->found && b->person_vals && b->dirty_keys &&
              b->dirty_states && b->miss_idx && b->completions && b->data && b->visit_ids &&
              b->visit_rows && b->visit_linked && b->visit_of && b->links && b->link_setl_ids &&
              b->reopens && b->reopen_setl_ids && b->bindings;
    if (!ok) {
        /* zeroed, so that a second batch_free (the caller's cleanup) frees nothing twice */
        batch_free(b);
        memset(b, 0, sizeof *b);
    }
    assert(ok || b->reqs == NULL);
    assert(!ok ||
           (b->n == 0 && b->account_map.entries_max == accounts && b->msgid_map.entries_max == n));
    return ok ? 0 : -1;
}

static void batch_reset(struct batch *b) {
    assert(b->n <= BATCH_MAX);
    b->target_count = b->person_count = b->state_count = b->binding_count = 0;
    b->checkpointed = false;
    b->rec_count = b->posting_count = b->delta_count = b->data_count = 0;
    b->visit_count = b->link_count = b->reopen_count = 0;
    strmap_clear(&b->person_map);
    strmap_clear(&b->state_map);
    strmap_clear(&b->msgid_map);
    strmap_clear(&b->account_map);
    assert(b->msgid_map.filled_count == 0 && b->account_map.filled_count == 0);
}

/* ---- answers ------------------------------------------------------------ */
/* A refusal names its code and, when it can, the field and bill line. */
static void refuse_at(struct store_req *r, const struct app_refusal *why) {
    assert(r != NULL && why->code != NULL && why->line >= -1);
    assert(r->status == STORE_PENDING); /* a request is answered once */
    _Static_assert(STORE_REASON_BYTES == APP_REFUSAL_REASON_BYTES, "a refusal's reason fits");
    r->status = STORE_REFUSED;
    r->error = why->code;
    r->error_field = why->field;
    r->error_line = why->line;
    memcpy(r->error_reason, why->reason, sizeof r->error_reason);
}

static void refuse(struct store_req *r, enum app_refusal_code code) {
    struct app_refusal why;
    app_refuse(&why, code);
    assert(why.code != NULL);
    refuse_at(r, &why);
    assert(r->status == STORE_REFUSED);
}

static void answer_from_rec(struct store_req *r, const struct journal_rec *rec) {
    assert(r != NULL && rec != NULL && rec->seq > 0);
    assert(strcmp(r->msgid, rec->msgid) == 0); /* the first answer to this msgid */
    const char *bad = NULL;
    r->replayed = true;
    r->seq = rec->seq;
    if (rec->kind == JOURNAL_SETTLE || rec->kind == JOURNAL_REVOKE) {
        if (settlement_decode(rec->body, &r->stl, &bad) != 0) {
            r->status = STORE_FAILED;
            store_errf(&r->err, "journal seq %" PRId64 ": body does not decode", rec->seq);
            return;
        }
    }
    r->result_setl_id = rec->kind == JOURNAL_REVOKE ? rec->ref_seq : rec->seq;
    r->time_us = rec->time_us;
    memcpy(r->hash, rec->hash, sizeof r->hash);
    r->status = STORE_DONE;
}

static void make_msgid(char *out) {
    assert(out != NULL);
    unsigned char raw[12];
    _Static_assert(5 + 2 * sizeof raw < MSGID_BYTES_MAX, "a generated msgid fits");
    if (RAND_bytes(raw, sizeof raw) != 1) { /* fall back to time: still unique enough per run */
        snprintf(out, MSGID_BYTES_MAX + 1, "auto-%" PRId64, store_now_us());
        return;
    }
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "auto-", 5);
    for (size_t i = 0; i < sizeof raw; i++) {
        out[5 + 2 * i] = hex[raw[i] >> 4];
        out[6 + 2 * i] = hex[raw[i] & 15];
    }
    out[5 + 2 * sizeof raw] = '\0';
    assert(strlen(out) == 5 + 2 * sizeof raw);
}

/* ---- prefetch ----------------------------------------------------------- */
static int bill_year(const struct bill *bill) {
    assert(bill != NULL);
    return bill->dates_ok ? datetime_year(bill->endtime) : -1;
}

static void want_person(struct batch *b, const char *psn_no) {
    assert(psn_no != NULL && strlen(psn_no) <= CODE_BYTES_MAX);
    if (strmap_find(&b->person_map, psn_no, -1) >= 0) return;
    assert(b->person_count < b->persons_max); /* PERSONS_PER_REQ_MAX per request at most */
    struct person_entry *e = &b->persons[b->person_count];
    memset(e, 0, sizeof *e);
    e->bindings = -1;
    snprintf(e->p.psn_no, sizeof e->p.psn_no, "%s", psn_no);
    account_person(e->account, psn_no);
    strmap_find(&b->person_map, e->p.psn_no, (int)b->person_count);
    b->person_count++;
}

static void want_state(struct batch *b, const char *psn_no, int32_t year) {
    assert(psn_no != NULL && strlen(psn_no) <= CODE_BYTES_MAX);
    assert(b->state_count < b->n); /* one (person, year) per request at most */
    struct state_entry *e = &b->states[b->state_count];
    snprintf(e->key_text, sizeof e->key_text, "%s\x1f%d", psn_no, (int)year);
    if (strmap_find(&b->state_map, e->key_text, -1) >= 0) return;
    snprintf(e->key.psn_no, sizeof e->key.psn_no, "%s", psn_no);
    e->key.year = year;
    e->dirty = false;
    strmap_find(&b->state_map, e->key_text, (int)b->state_count);
    b->state_count++;
}

static int fetch_journal(struct commitq *q, struct store_err *err) {
    struct batch *b = &q->b;
    const struct store_backend *ops = store_ops(q->store);
    struct store_conn *c = store_conn(q->store);
    assert(b->n >= 1 && b->n <= (size_t)q->batch_max && b->target_count == 0);
    for (size_t i = 0; i < b->n; i++) {
        assert(b->reqs[i]->msgid[0] != '\0'); /* prepare_reqs gave each one */
        b->msgids[i] = b->reqs[i]->msgid;
        b->target_of[i] = -1;
        if (b->reqs[i]->op == STORE_OP_REVOKE) {
            b->target_of[i] = (int)b->target_count;
            b->target_ids[b->target_count++] = b->reqs[i]->setl_id;
        }
    }
    assert(b->target_count <= b->n);
    if (ops->journal_by_msgid(c, b->msgids, b->n, b->prior, b->prior_found, err) != 0) return -1;
    if (b->target_count == 0) return 0;
    if (ops->journal_by_seq(c, b->target_ids, b->target_count, b->targets, b->target_found, err) !=
        0)
        return -1;
    return ops->journal_revoked(c, b->target_ids, b->target_count, b->target_revoked, err);
}

/* The holders a settlement drew on, for its revoke to return their parts
 * (a body without h. keys names none: no decode on the common path). */
static void want_holders_of(struct batch *b, const struct journal_rec *t) {
    struct store_settlement stl;
    const char *bad = NULL;
    assert(t != NULL);
    if (strstr(t->body, " h.0=") == NULL || settlement_decode(t->body, &stl, &bad) != 0) return;
    for (int32_t k = 0; k < stl.holder_count; k++) want_person(b, stl.holders[k].psn_no);
}

static void collect_keys(struct batch *b) {
    assert(b->person_count == 0 && b->state_count == 0);
    for (size_t i = 0; i < b->n; i++) {
        const struct store_req *r = b->reqs[i];
        assert(r->op == STORE_OP_SETTLE || b->target_of[i] >= 0);
        /* a msgid already in the journal is answered from its record
         * (replay), which reads no person and no state: a file run again
         * after a kill replays its settled part without loading them */
        if (b->prior_found[i]) continue;
        if (r->op == STORE_OP_SETTLE) {
            want_person(b, r->psn_no);
            int year = bill_year(r->bill);
            if (year > 0) want_state(b, r->psn_no, year);
        } else if (b->target_found[b->target_of[i]]) {
            const struct journal_rec *t = &b->targets[b->target_of[i]];
            want_person(b, t->psn_no);
            want_state(b, t->psn_no, t->year);
            want_holders_of(b, t);
        }
    }
    assert(b->person_count <= b->persons_max && b->state_count <= b->n);
}

/* The misses [from, from + n) of fetch_persons: the persons, then their
 * accounts' balances, each in one read of at most BATCH_MAX keys. */
static int fetch_person_chunk(struct commitq *q, size_t from, size_t n, struct store_err *err) {
    struct batch *b = &q->b;
    const struct store_backend *ops = store_ops(q->store);
    struct store_conn *c = store_conn(q->store);
    assert(n >= 1 && n <= BATCH_MAX && from + n <= b->person_count);
    if (ops->persons_get(c, b->keys + from, n, b->person_vals + from, b->found + from, err) != 0)
        return -1;
    for (size_t k = from; k < from + n; k++) {
        struct person_entry *e = &b->persons[b->miss_idx[k]];
        e->found = b->found[k];
        if (e->found) e->p = b->person_vals[k];
        b->keys[k] = e->account;
    }
    if (ops->balances_get(c, b->keys + from, n, b->balances + from, b->found + from, err) != 0)
        return -1;
    for (size_t k = from; k < from + n; k++) {
        struct person_entry *e = &b->persons[b->miss_idx[k]];
        e->balance_fen = b->balances[k] + pending_balance_delta(&q->pending, e->account);
    }
    return 0;
}

/* Persons and their account balances: from the cache, the misses in one
 * round trip each per BATCH_MAX of them (a batch of BATCH_MAX settlements
 * also wants the holders of the family accounts its persons draw on, so
 * it may miss more persons than a read takes). */
static int fetch_persons(struct commitq *q, struct store_err *err) {
    struct batch *b = &q->b;
    size_t miss = 0;
    assert(b->person_count <= b->persons_max);
    for (size_t i = 0; i < b->person_count; i++) {
        struct person_entry *e = &b->persons[i];
        e->found = wcache_person(&q->cache, e->p.psn_no, &e->p, &e->balance_fen);
        if (!e->found) {
            b->miss_idx[miss] = i;
            b->keys[miss++] = e->p.psn_no;
        }
    }
    assert(miss <= b->person_count && b->person_count <= b->persons_max);
    for (size_t from = 0; from < miss; from += BATCH_MAX)
        if (fetch_person_chunk(q, from, miss - from < BATCH_MAX ? miss - from : BATCH_MAX, err) !=
            0)
            return -1;
    return 0;
}

static int fetch_states(struct commitq *q, struct store_err *err) {
    struct batch *b = &q->b;
    size_t miss = 0;
    assert(b->state_count <= b->n);
    for (size_t i = 0; i < b->state_count; i++) {
        struct state_entry *e = &b->states[i];
        assert(!e->dirty); /* nothing settled yet */
        if (wcache_state(&q->cache, e->key.psn_no, e->key.year, &e->st)) continue;
        if (pending_state(&q->pending, e->key.psn_no, e->key.year, &e->st)) continue;
        b->miss_idx[miss] = i;
        b->state_keys[miss++] = e->key;
    }
    assert(miss <= b->state_count);
    if (miss == 0) return 0;
    if (store_ops(q->store)->states_get(store_conn(q->store), b->state_keys, miss, b->state_vals,
                                        b->found, err) != 0)
        return -1;
    for (size_t k = 0; k < miss; k++) b->states[b->miss_idx[k]].st = b->state_vals[k];
    return 0;
}

static struct person_entry *person_of(struct batch *b, const char *psn_no);

struct binding_scan {
    struct member_bindings *mb;
    const char *member;
    bool bad;
};

static int binding_row(void *ctx, const struct store_enrol_row *row) {
    struct binding_scan *s = ctx;
    assert(s != NULL && row != NULL && s->mb->count <= SETTLE_HOLDERS_MAX);
    if (app_holders_add_row(s->mb->rows, &s->mb->count, row, s->member) != 0)
        return s->bad = true, 1;
    return 0;
}

/* The bindings of each settlement's person that uses the account, and
 * their holders as persons of the working set. */
static int fetch_bindings(struct commitq *q, struct store_err *err) {
    struct batch *b = &q->b;
    /* the snapshot knows whether any bindings were imported: a store
     * without family sharing reads none per settlement */
    if (!registry_bindings_any(b->reg)) return 0;
    for (size_t i = 0; i < b->n; i++) {
        const struct store_req *r = b->reqs[i];
        if (b->prior_found[i] || r->op != STORE_OP_SETTLE || !r->bill->acct_used) continue;
        struct person_entry *e = person_of(b, r->psn_no);
        assert(e != NULL && b->binding_count < b->n);
        if (e->bindings >= 0) continue;
        e->bindings = (int)b->binding_count++;
        struct member_bindings *mb = &b->bindings[e->bindings];
        struct binding_scan scan = {mb, e->p.psn_no, false};
        mb->count = 0;
        if (store_ops(q->store)->enrol_scan(store_conn(q->store), ENROL_BINDINGS, e->p.psn_no,
                                            binding_row, &scan, err) < 0)
            return -1;
        if (scan.bad)
            return store_errf(err, "enrol_bindings: a binding of %s does not parse", e->p.psn_no),
                   -1;
        for (int32_t k = 0; k < mb->count; k++) want_person(b, mb->rows[k].psn_no);
    }
    return 0;
}

static int fetch_working_set(struct commitq *q, struct store_err *err) {
    assert(q->b.rec_count == 0); /* the working set is read before anything is settled */
    collect_keys(&q->b);
    if (fetch_bindings(q, err) != 0) return -1;
    if (fetch_persons(q, err) != 0) return -1;
    return fetch_states(q, err);
}

/* After a durable commit: the batch's working set becomes the cache. */
static void cache_commit(struct commitq *q) {
    struct batch *b = &q->b;
    assert(q->next_seq >= 1 && b->rec_count <= b->n);
    for (size_t i = 0; i < b->person_count; i++) {
        const struct person_entry *e = &b->persons[i];
        if (e->found && wcache_put_person(&q->cache, &e->p, e->balance_fen) != 0) return;
    }
    for (size_t i = 0; i < b->state_count; i++) {
        struct year_state st = b->states[i].st;
        st.acct_balc_fen = 0;
        if (wcache_put_state(&q->cache, b->states[i].key.psn_no, &st) != 0) return;
    }
    q->cache.valid_seq = q->next_seq - 1;
    assert(q->cache.count <= CACHE_ENTRIES_MAX);
}

/* ---- applying one request ------------------------------------------------ */
static struct state_entry *state_of(struct batch *b, const char *psn_no, int32_t year) {
    assert(psn_no != NULL);
    char key[CODE_BYTES_MAX + 16];
    snprintf(key, sizeof key, "%s\x1f%d", psn_no, (int)year);
    int idx = strmap_find(&b->state_map, key, -1);
    assert(idx < 0 || ((size_t)idx < b->state_count && b->states[idx].key.year == year));
    return idx < 0 ? NULL : &b->states[idx];
}

static struct person_entry *person_of(struct batch *b, const char *psn_no) {
    assert(psn_no != NULL);
    int idx = strmap_find(&b->person_map, psn_no, -1);
    assert(idx < 0 ||
           ((size_t)idx < b->person_count && strcmp(b->persons[idx].p.psn_no, psn_no) == 0));
    return idx < 0 ? NULL : &b->persons[idx];
}

static void add_delta(struct batch *b, const char *account, int64_t delta_fen) {
    assert(account != NULL && delta_fen != 0);
    int idx = strmap_find(&b->account_map, account, -1);
    if (idx < 0) {
        assert(b->delta_count < b->n * ACCOUNTS_PER_REQ_MAX);
        idx = (int)b->delta_count++;
        struct balance_delta *d = &b->deltas[idx];
        snprintf(d->account, sizeof d->account, "%s", account);
        d->delta_fen = 0;
        strmap_find(&b->account_map, d->account, idx);
    }
    b->deltas[idx].delta_fen += delta_fen;
}

/* Journals a settled or revoked request: record, hash chain, postings. */
static struct journal_rec *journal_add(struct commitq *q, struct store_req *r,
                                       const struct store_settlement *stl, enum journal_kind kind,
                                       const char *psn_no, const char *inst, int64_t ref_seq) {
    struct batch *b = &q->b;
    assert(b->rec_count < b->n && q->next_seq >= 1);
    assert(kind == JOURNAL_SETTLE ? ref_seq == 0 : kind == JOURNAL_REVOKE && ref_seq > 0);
    if (kind == JOURNAL_SETTLE) { /* fresh from the engine: the spec's identities hold */
        assert(stl->setl.medfee_sumamt == stl->setl.fund_pay_sumamt + stl->setl.psn_part_amt);
        assert(stl->setl.medfee_sumamt == stl->setl.fulamt_ownpay_amt + stl->setl.overlmt_selfpay +
                                              stl->setl.preselfpay_amt + stl->setl.inscp_scp_amt);
    }
    struct journal_rec *rec = &b->recs[b->rec_count];
    memset(rec, 0, offsetof(struct journal_rec, body));
    rec->seq = q->next_seq++;
    /* a simulated time only on a queue that allows it (commitq_submit refuses it elsewhere) */
    assert(r->sim_time_us == 0 || (q->simulated_time && r->sim_time_us > 0));
    rec->time_us = r->sim_time_us > 0 ? r->sim_time_us : store_now_us();
    rec->kind = kind;
    snprintf(rec->msgid, sizeof rec->msgid, "%s", r->msgid);
    snprintf(rec->psn_no, sizeof rec->psn_no, "%s", psn_no);
    snprintf(rec->fixmedins_code, sizeof rec->fixmedins_code, "%s", inst);
    rec->ref_seq = ref_seq;
    rec->year = stl->year;
    memcpy(rec->req_hash, r->req_hash_, sizeof rec->req_hash);
    int len = settlement_encode(stl, rec->body, sizeof rec->body);
    assert(len > 0 && len <= JOURNAL_BODY_BYTES_MAX);
    (void)len;
    memcpy(rec->prev_hash, q->last_hash, sizeof rec->prev_hash);
    assert(b->rec_count == 0 || strcmp(rec->prev_hash, b->recs[b->rec_count - 1].hash) == 0);
    assert(b->rec_count == 0 || rec->seq == b->recs[b->rec_count - 1].seq + 1);
    journal_hash(rec, rec->hash);
    memcpy(q->last_hash, rec->hash, sizeof q->last_hash);
    struct posting *p = &b->postings[b->posting_count];
    int count = ledger_postings(rec, stl, kind == JOURNAL_REVOKE, p);
    int64_t moved = 0;
    for (int i = 0; i < count; i++) {
        assert(p[i].amount_fen > 0);
        add_delta(b, p[i].debit, p[i].amount_fen);
        add_delta(b, p[i].credit, -p[i].amount_fen);
        moved += p[i].amount_fen;
    }
    /* a settlement's postings move what its funds and the personal account paid */
    assert(kind != JOURNAL_SETTLE ||
           moved == stl->setl.fund_pay_sumamt + stl->setl.acct_pay + stl->setl.acct_mulaid_pay);
    b->posting_count += (size_t)count;
    strmap_find(&b->msgid_map, rec->msgid, (int)b->rec_count);
    b->rec_count++;
    return rec;
}

/* ---- the batch's working set as the settlement use case reads it ---------- */
static int batch_person(void *ctx, const char *psn_no, struct store_person *out, bool *found,
                        struct store_err *err) {
    (void)err;
    assert(ctx != NULL && out != NULL && found != NULL);
    const struct person_entry *pe = person_of(ctx, psn_no);
    assert(pe != NULL); /* every settlement's person was prefetched */
    *found = pe->found;
    if (pe->found) *out = pe->p;
    return 0;
}

static int batch_state(void *ctx, const char *psn_no, int32_t year, struct year_state *out,
                       struct store_err *err) {
    (void)err;
    assert(ctx != NULL && out != NULL);
    const struct state_entry *se = state_of(ctx, psn_no, year);
    const struct person_entry *pe = person_of(ctx, psn_no);
    assert(se != NULL && pe != NULL); /* the bill's year was prefetched */
    *out = se->st;
    out->acct_balc_fen = pe->balance_fen;
    assert(out->year == year);
    return 0;
}

/* The person's bindings with each holder's region, scheme and balance as
 * the batch has them now (a holder not registered is left out). */
static int batch_holders(void *ctx, const char *psn_no, struct app_holder *out, int32_t *count,
                         struct store_err *err) {
    (void)err;
    struct batch *b = ctx;
    const struct person_entry *pe = person_of(b, psn_no);
    assert(pe != NULL && count != NULL);
    *count = 0;
    if (pe->bindings < 0) return 0;
    const struct member_bindings *mb = &b->bindings[pe->bindings];
    for (int32_t k = 0; k < mb->count; k++) {
        const struct person_entry *hp = person_of(b, mb->rows[k].psn_no);
        assert(hp != NULL); /* fetch_bindings wanted every holder */
        if (!hp->found) continue;
        struct app_holder *h = &out[(*count)++];
        *h = mb->rows[k];
        snprintf(h->region, sizeof h->region, "%s", hp->p.region);
        h->insutype = hp->p.insutype;
        h->acct_balc_fen = hp->balance_fen;
        h->policy = NULL;
    }
    return 0;
}

/* Moves each holder's part out of (sign -1) or back into (+1) the
 * holder's balance in the working set; the postings move it in SQL. */
static void holders_move(struct batch *b, const struct store_settlement *stl, int sign) {
    for (int32_t k = 0; k < stl->holder_count; k++) {
        struct person_entry *hp = person_of(b, stl->holders[k].psn_no);
        assert(hp != NULL && stl->holders[k].pay_fen > 0);
        hp->balance_fen += sign * stl->holders[k].pay_fen;
        assert(hp->balance_fen >= 0);
    }
}

static void do_settle(struct commitq *q, struct store_req *r) {
    struct batch *b = &q->b;
    struct app_registry reg = app_registry_of(b->reg);
    struct app_person_reader reader = {b, batch_person, batch_state, batch_holders};
    struct app_settle_request req = {r->psn_no, r->bill, r->insutype_asked};
    struct app_settle_answer *ans = &b->answer;
    assert(r->op == STORE_OP_SETTLE && r->bill != NULL && r->status == STORE_PENDING);
    if (app_settle(&reg, &reader, &req, ans, NULL, NULL, &r->err) != 0) {
        r->status = STORE_FAILED;
        return;
    }
    if (ans->refusal.code != NULL) return refuse_at(r, &ans->refusal);
    struct person_entry *pe = person_of(b, ans->person.psn_no);
    struct state_entry *se = state_of(b, ans->person.psn_no, ans->stl.year);
    assert(pe != NULL && se != NULL && pe->balance_fen == ans->state_before.acct_balc_fen);
    r->stl = ans->stl;
    /* the bill joins the record (its hash in the body), so that the
     * settlement can be settled again and explained from the journal */
    assert(r->bill_data_ != NULL && strlen(r->bill_hash_) == HASH_HEX_BYTES);
    memcpy(r->stl.bill_hash, r->bill_hash_, sizeof r->stl.bill_hash);
    struct journal_rec *rec = journal_add(q, r, &r->stl, JOURNAL_SETTLE, pe->p.psn_no,
                                          r->bill->fixmedins_code, 0);
    b->data[b->data_count++] = (struct journal_data){rec->seq, r->bill_data_, r->bill_len_};
    memcpy(r->hash, rec->hash, sizeof r->hash);
    se->st.acct_balc_fen = pe->balance_fen;
    year_state_apply(&se->st, &r->stl.delta);
    pe->balance_fen = se->st.acct_balc_fen;
    assert(pe->balance_fen >= 0 && year_state_valid(&se->st));
    holders_move(b, &r->stl, -1);
    se->dirty = true;
    r->status = STORE_DONE;
    r->seq = r->result_setl_id = rec->seq;
    r->time_us = rec->time_us;
    r->has_state = true;
    r->state_after = se->st;
    assert(r->seq == q->next_seq - 1 && r->state_after.year == r->stl.year);
}

/* The settlement a revoke names: from storage or from earlier in this batch. */
static const struct journal_rec *revoke_target(struct batch *b, size_t i, bool *revoked) {
    assert(i < b->n && revoked != NULL);
    int t = b->target_of[i];
    assert(t >= 0 && (size_t)t < b->target_count);
    int64_t id = b->reqs[i]->setl_id;
    assert(b->target_ids[t] == id);
    *revoked = b->target_revoked[t];
    const struct journal_rec *rec = b->target_found[t] ? &b->targets[t] : NULL;
    for (size_t k = 0; k < b->rec_count; k++) {
        if (b->recs[k].seq == id) rec = &b->recs[k];
        if (b->recs[k].kind == JOURNAL_REVOKE && b->recs[k].ref_seq == id) *revoked = true;
    }
    return rec;
}

static void do_revoke(struct commitq *q, size_t i) {
    struct batch *b = &q->b;
    struct store_req *r = b->reqs[i];
    assert(r->op == STORE_OP_REVOKE && r->status == STORE_PENDING);
    bool revoked = false;
    const struct journal_rec *t = revoke_target(b, i, &revoked);
    if (t == NULL || t->kind != JOURNAL_SETTLE) return refuse(r, APP_E_NOT_SETTLED);
    if (revoked) return refuse(r, APP_E_REVOKED);
    const char *bad = NULL;
    if (settlement_decode(t->body, &r->stl, &bad) != 0) {
        r->status = STORE_FAILED;
        store_errf(&r->err, "journal seq %" PRId64 ": body does not decode", t->seq);
        return;
    }
    struct person_entry *pe = person_of(b, t->psn_no);
    struct state_entry *se = state_of(b, t->psn_no, t->year);
    if (pe == NULL || se == NULL) { /* a target settled earlier in this batch */
        r->status = STORE_FAILED;
        store_errf(&r->err, "setl_id %" PRId64 ": revoke in the batch that settles it", t->seq);
        return;
    }
    for (int32_t k = 0; k < r->stl.holder_count; k++)
        if (person_of(b, r->stl.holders[k].psn_no) == NULL) { /* want_holders_of wanted them */
            r->status = STORE_FAILED;
            store_errf(&r->err, "setl_id %" PRId64 ": holder %s not read", t->seq,
                       r->stl.holders[k].psn_no);
            return;
        }

    memcpy(r->stl.note, r->note, sizeof r->stl.note); /* who revoked it and why */
    r->stl.note[sizeof r->stl.note - 1] = '\0';
    char psn[CODE_BYTES_MAX + 1], inst[CODE_BYTES_MAX + 1];
    snprintf(psn, sizeof psn, "%s", t->psn_no);
    snprintf(inst, sizeof inst, "%s", t->fixmedins_code);
    se->st.acct_balc_fen = pe->balance_fen;
    year_state_unapply(&se->st, &r->stl.delta);
    assert(year_state_valid(&se->st));
    pe->balance_fen = se->st.acct_balc_fen;
    se->dirty = true;
    holders_move(b, &r->stl, +1);
    struct journal_rec *rec = journal_add(q, r, &r->stl, JOURNAL_REVOKE, psn, inst, r->setl_id);
    r->status = STORE_DONE;
    r->seq = rec->seq;
    r->time_us = rec->time_us;
    r->result_setl_id = r->setl_id;
    memcpy(r->hash, rec->hash, sizeof r->hash);
    r->has_state = true;
    r->state_after = se->st;
    assert(r->seq == q->next_seq - 1 && rec->ref_seq == t->seq);
}

/* Same msgid seen before (stored or earlier in this batch): the first answer,
 * or E_MSGID_REUSED when the request differs. Returns true if handled. */
static bool replay(struct batch *b, size_t i) {
    assert(i < b->n);
    struct store_req *r = b->reqs[i];
    int k = strmap_find(&b->msgid_map, r->msgid, -1);
    assert(k < 0 || (size_t)k < b->rec_count);
    const struct journal_rec *prior = k >= 0              ? &b->recs[k]
                                      : b->prior_found[i] ? &b->prior[i]
                                                          : NULL;
    if (prior == NULL) return false;
    if (strcmp(r->req_hash_, prior->req_hash) != 0) refuse(r, APP_E_MSGID_REUSED);
    else answer_from_rec(r, prior);
    return true;
}

static void bill_data_free(struct store_req *r) {
    assert(r != NULL && (r->bill_data_ != NULL || r->bill_len_ == 0));
    free(r->bill_data_);
    r->bill_data_ = NULL;
    r->bill_len_ = 0;
}

/* ---- one batch ------------------------------------------------------------ */
static int write_batch(struct commitq *q, struct store_err *err) {
    struct batch *b = &q->b;
    const struct store_backend *ops = store_ops(q->store);
    struct store_conn *c = store_conn(q->store);
    size_t dirty = 0;
    assert(b->rec_count <= b->n && b->posting_count <= b->rec_count * POSTINGS_PER_RECORD_MAX);
    for (size_t i = 0; i < b->state_count; i++) {
        if (!b->states[i].dirty) continue;
        b->dirty_keys[dirty] = b->states[i].key;
        b->dirty_states[dirty++] = b->states[i].st;
    }
    size_t deltas = 0; /* drop accounts whose batch delta nets to zero */
    int64_t net = 0;   /* every posting debits one account what it credits another */
    for (size_t i = 0; i < b->delta_count; i++) {
        net += b->deltas[i].delta_fen;
        if (b->deltas[i].delta_fen != 0) b->deltas[deltas++] = b->deltas[i];
    }
    assert(net == 0);
    b->dirty_count = dirty;
    b->delta_count = deltas;
    if (b->rec_count == 0) return 0;
    /* the batch's records continue the chain: consecutive seqs, each
     * prev_hash the hash before it, the last one the queue's view */
    assert(b->recs[b->rec_count - 1].seq == q->next_seq - 1);
    assert(b->recs[0].seq + (int64_t)b->rec_count == q->next_seq);
    assert(strcmp(b->recs[b->rec_count - 1].hash, q->last_hash) == 0);
    assert(b->data_count <= b->rec_count);
    if (ops->journal_append(c, b->recs, b->rec_count, err) != 0 ||
        ops->postings_put(c, b->postings, b->posting_count, err) != 0 ||
        ops->data_put(c, b->data, b->data_count, err) != 0)
        return -1;
    int64_t last = q->next_seq - 1;
    assert(q->pending.base_seq >= 0 && q->pending.base_seq < last); /* sync_checkpoint set it */
    if (last - q->pending.base_seq < q->checkpoint_records) return 0;
    b->checkpointed = true; /* the pending effect, then this batch's on top */
    if (pending_write(&q->pending, q->store, err) != 0 ||
        ops->states_put(c, b->dirty_keys, b->dirty_states, dirty, err) != 0 ||
        ops->balances_add(c, b->deltas, deltas, err) != 0 || ops->checkpoint_put(c, last, err) != 0)
        return -1;
    return 0;
}

/* After a durable commit: the batch's effect joins the pending effect (or,
 * when the batch wrote a checkpoint, the pending effect is empty). */
static void pending_commit(struct commitq *q) {
    struct batch *b = &q->b;
    struct pending *p = &q->pending;
    int64_t last = q->next_seq - 1;
    assert(!b->checkpointed || b->rec_count > 0);
    assert(p->base_seq <= p->last_seq && p->last_seq <= last);
    pthread_mutex_lock(&p->lock);
    if (b->checkpointed) {
        pending_reset(p, last);
    } else if (b->rec_count > 0) {
        int rc = 0;
        for (size_t i = 0; rc == 0 && i < b->dirty_count; i++)
            rc = pending_put_state(p, &b->dirty_keys[i], &b->dirty_states[i]);
        for (size_t i = 0; rc == 0 && i < b->delta_count; i++)
            rc = pending_add_balance(p, b->deltas[i].account, b->deltas[i].delta_fen);
        if (rc == 0) p->last_seq = last;
        else pending_reset(p, -1); /* out of memory: the next batch catches up from storage */
    }
    assert(p->base_seq <= p->last_seq);
    pthread_mutex_unlock(&p->lock);
}

/* Inside the batch's transaction: when the checkpoint and the journal tail
 * (h, as the transaction read them) are not what this writer left (another
 * writer, a killed process, a failed batch), forget what it holds and
 * bring the tables up to the tail. */
static int sync_checkpoint(struct commitq *q, const struct store_heads *h, struct store_err *err) {
    struct pending *p = &q->pending;
    int64_t checkpoint_seq = h->checkpoint_seq, tail_seq = h->tail_seq;
    bool found = h->checkpoint_found;
    assert(p->base_seq <= p->last_seq && tail_seq >= 0);
    if (found && p->base_seq == checkpoint_seq && p->last_seq == tail_seq) return 0;
    bool fresh = p->base_seq == -1; /* started, or a batch failed: nothing is held */
    pthread_mutex_lock(&p->lock);
    pending_reset(p, -1);
    pthread_mutex_unlock(&p->lock);
    wcache_clear(&q->cache);
    /* records a killed process left after its checkpoint: held in memory
     * like this queue's own, written at its next checkpoint (a restart
     * writes nothing first); another live writer's records are written to
     * the tables at once (checkpoint_catch_up), so that each is replayed
     * once, not at every batch that follows one of them */
    int loaded = fresh ? checkpoint_load_pending(q->store, p, q->checkpoint_records,
                                                 &checkpoint_seq, &tail_seq, err)
                       : 1;
    if (loaded == -1) {
        pthread_mutex_lock(&p->lock);
        pending_reset(p, -1);
        pthread_mutex_unlock(&p->lock);
        return -1;
    }
    if (loaded == 0) {
        pthread_mutex_lock(&p->lock);
        p->base_seq = checkpoint_seq;
        p->last_seq = tail_seq;
        pthread_mutex_unlock(&p->lock);
        assert(checkpoint_seq < tail_seq);
        return 0;
    }
    if (checkpoint_catch_up(q->store, &checkpoint_seq, &tail_seq, err) != 0) return -1;
    /* caught up: the tables are current to the tail, nothing is pending */
    assert(checkpoint_seq <= tail_seq && tail_seq >= 0);
    pthread_mutex_lock(&p->lock);
    pending_reset(p, tail_seq);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

/* The journal's end (store_heads_get: its tail, the checkpoint, the
 * registry's generation, in one read): the next seq and chain hash. A
 * tail this writer did not commit means another process wrote: the cache
 * is dropped. */
static int read_tail(struct commitq *q, struct store_heads *h, struct store_err *err) {
    struct journal_rec *last = &q->b.prior[0]; /* scratch; refilled by fetch_journal */
    bool found = false;
    assert(q->b.n >= 1);
    if (store_heads_get(q->store, store_conn(q->store), last, &found, h, err) != 0) return -1;
    q->next_seq = found ? last->seq + 1 : 1;
    if (found) memcpy(q->last_hash, last->hash, sizeof q->last_hash);
    else memset(q->last_hash, '0', HASH_HEX_BYTES), q->last_hash[HASH_HEX_BYTES] = '\0';
    if (q->cache.valid_seq != q->next_seq - 1) {
        wcache_clear(&q->cache);
        q->cache.valid_seq = q->next_seq - 1;
    }
    assert(strlen(q->last_hash) == HASH_HEX_BYTES && q->cache.valid_seq == q->next_seq - 1);
    return 0;
}

/* A request's answer, blank. */
static void req_reset(struct store_req *r) {
    assert(r != NULL);
    r->status = STORE_PENDING;
    r->error = r->error_field = NULL;
    r->error_line = -1;
    r->replayed = r->has_state = false;
    r->seq = r->result_setl_id = r->time_us = 0;
    r->hash[0] = '\0';
    r->err.msg[0] = '\0';
}

static void prepare_reqs(struct batch *b) {
    assert(b->n >= 1 && b->n <= BATCH_MAX);
    for (size_t i = 0; i < b->n; i++) {
        struct store_req *r = b->reqs[i];
        assert(r != NULL && (r->op == STORE_OP_SETTLE || r->op == STORE_OP_REVOKE));
        req_reset(r);
        if (r->msgid[0] == '\0') make_msgid(r->msgid);
        assert(r->msgid[0] != '\0' && strlen(r->msgid) <= MSGID_BYTES_MAX);
    }
}

/* The visits the batch's settlements and revokes link, read and locked in
 * one call (PostgreSQL: one round trip, FOR UPDATE until the commit). */
static int lock_visits(struct commitq *q, struct store_err *err) {
    struct batch *b = &q->b;
    assert(b->visit_count == 0 && b->link_count == 0 && b->reopen_count == 0);
    for (size_t i = 0; i < b->n; i++) {
        const struct store_req *r = b->reqs[i];
        b->visit_of[i] = -1;
        if (r->link.visit_id <= 0) continue;
        size_t k = 0;
        while (k < b->visit_count && b->visit_ids[k] != r->link.visit_id) k++;
        if (k == b->visit_count) b->visit_ids[b->visit_count++] = r->link.visit_id;
        b->visit_of[i] = (int)k;
        b->visit_linked[k] = false;
    }
    assert(b->visit_count <= b->n);
    if (b->visit_count == 0) return 0;
    return store_ops(q->store)->visits_lock(store_conn(q->store), b->visit_ids, b->visit_count,
                                            b->visit_rows, err);
}

/* Whether request i's visit is in a state its link applies to (a
 * settlement's visit: still open; a revoke's: settled), by the service's
 * rule (link.open): another server on the database may have changed it
 * since the service read it. A visit is linked once a batch (one row
 * change each); a second settlement or revoke of it in the same batch,
 * which the service's reservations make rare, fails to be retried. */
static bool visit_ready(struct batch *b, size_t i, bool *busy) {
    struct store_req *r = b->reqs[i];
    int k = b->visit_of[i];
    assert(k < 0 || ((size_t)k < b->visit_count && r->link.open != NULL));
    *busy = k >= 0 && b->visit_linked[k];
    if (*busy) {
        r->status = STORE_FAILED;
        store_errf(&r->err, "visit %" PRId64 ": settled or revoked in the same commit; retry",
                   r->link.visit_id);
    }
    if (k < 0 || *busy) return false;
    const struct store_visit_row *v = &b->visit_rows[k];
    return v->found && r->link.open(v->kind, v->status);
}

/* After request i was done: its link joins the batch's. */
static void visit_link_add(struct batch *b, size_t i) {
    const struct store_req *r = b->reqs[i];
    int k = b->visit_of[i];
    assert(r->status == STORE_DONE && r->result_setl_id > 0 && k >= 0);
    assert(!b->visit_linked[k] && b->link_count + b->reopen_count < b->n);
    b->visit_linked[k] = true;
    if (r->op == STORE_OP_SETTLE) {
        b->links[b->link_count] = &r->link;
        b->link_setl_ids[b->link_count++] = r->result_setl_id;
    } else {
        b->reopens[b->reopen_count] = &r->link;
        b->reopen_setl_ids[b->reopen_count++] = r->result_setl_id;
    }
}

/* Settles request i, linked to its visit in the same transaction, unless
 * the visit is closed meanwhile; revokes it, reopening its visit when
 * the visit is settled (a visit cancelled since has nothing to reopen). */
static void settle_or_revoke(struct commitq *q, size_t i) {
    struct batch *b = &q->b;
    struct store_req *r = b->reqs[i];
    bool busy = false, ready = visit_ready(b, i, &busy);
    assert(busy == (r->status == STORE_FAILED));
    if (busy) return;
    if (r->op == STORE_OP_SETTLE && b->visit_of[i] >= 0 && !ready)
        return refuse(r, APP_E_VISIT_CLOSED);
    if (r->op == STORE_OP_SETTLE) do_settle(q, r);
    else do_revoke(q, i);
    if (r->status == STORE_DONE && ready) visit_link_add(b, i);
}

/* The guest's work of this round, first in the open transaction. */
static int guest_run(struct commitq *q, struct store_err *err) {
    char why[STORE_ERR_BYTES];
    if (!q->guest_taken) return 0;
    assert(q->guest.run != NULL);
    why[0] = '\0';
    int64_t from_us = lat_now_us();
    int rc = q->guest.run(q->guest.ctx, why, sizeof why);
    (void)lat_since(&q->times.guest, from_us);
    if (rc == 0) return 0;
    store_errf(err, "%s", why[0] != '\0' ? why : "guest writes: failed");
    return -1;
}

/* After the round's commit or rollback: the guest answers its work. */
static void guest_finish(struct commitq *q, bool committed, const struct store_err *err) {
    if (!q->guest_taken) return;
    assert(q->guest.finish != NULL && (committed || err->msg[0] != '\0'));
    q->guest_taken = false;
    q->guest.finish(q->guest.ctx, committed, committed ? "" : err->msg);
}

/* COMMIT, timed. */
static int commit_timed(struct commitq *q, struct store_err *err) {
    int64_t from_us = lat_now_us();
    int rc = store_ops(q->store)->commit(store_conn(q->store), err);
    (void)lat_since(&q->times.commit, from_us);
    assert(rc == 0 || rc == -1);
    return rc;
}

/* A round with the guest's work and no settlement: its own transaction. */
static void process_guest(struct commitq *q) {
    const struct store_backend *ops = store_ops(q->store);
    struct store_conn *c = store_conn(q->store);
    struct store_err err = {{0}};
    assert(q->guest_taken);
    int rc = ops->begin(c, &err);
    if (rc == 0) rc = guest_run(q, &err);
    if (rc == 0) rc = commit_timed(q, &err);
    if (rc != 0) ops->rollback(c);
    guest_finish(q, rc == 0, &err);
    assert(!q->guest_taken);
    pthread_mutex_lock(&q->lock);
    q->guest_rounds++;
    pthread_mutex_unlock(&q->lock);
}

/* The batch's reads by keys run once with the connection capturing them
 * (store_backend.batch_capture): on the bet that none of its msgids is
 * journaled yet (the captured reads find nothing), the journal's, the
 * persons', balances' and states' it misses, its visits' lock, as the
 * batch then makes them, so that a backend may send them in its first
 * round trip. Settlements only (a revoke's reads follow its target's).
 * Then the batch starts over. */
static void reads_ahead(struct commitq *q) {
    struct batch *b = &q->b;
    const struct store_backend *ops = store_ops(q->store);
    struct store_err ignored;
    assert(ops->batch_capture != NULL && b->reg == NULL);
    for (size_t i = 0; i < b->n; i++)
        if (b->reqs[i]->op != STORE_OP_SETTLE) return;
    ops->batch_capture(store_conn(q->store), true);
    if (fetch_journal(q, &ignored) == 0) {
        collect_keys(b);
        (void)(fetch_persons(q, &ignored) == 0 && fetch_states(q, &ignored) == 0 &&
               lock_visits(q, &ignored) == 0);
    }
    ops->batch_capture(store_conn(q->store), false);
    batch_reset(b);
    prepare_reqs(b);
    assert(b->person_count == 0 && b->visit_count == 0);
}

static void process_batch(struct commitq *q) {
    struct batch *b = &q->b;
    const struct store_backend *ops = store_ops(q->store);
    struct store_conn *c = store_conn(q->store);
    struct store_err err = {{0}};
    assert(b->n >= 1 && b->n <= (size_t)q->batch_max && b->reg == NULL);
    batch_reset(b);
    prepare_reqs(b);
    /* with no guest the batch's first statement is its journal's end */
    int rc = !q->guest_taken && ops->batch_begin != NULL ? ops->batch_begin(c, &err)
                                                         : ops->begin(c, &err);
    if (rc == 0 && !q->guest_taken && ops->batch_capture != NULL) reads_ahead(q);
    if (rc == 0) rc = guest_run(q, &err);
    int64_t settle_us = lat_now_us();
    struct store_heads heads = {0};
    /* the batch's reads are by keys (the registry's load, a scan, is not:
     * it goes back to the session's plans, and they are set again after) */
    if (rc == 0 && ops->batch_plans != NULL) rc = ops->batch_plans(c, &err);
    if (rc == 0) rc = read_tail(q, &heads, &err);
    /* a registry edit committed before this batch decides its settlements */
    if (rc == 0) rc = store_registry_refresh_to(q->store, c, heads.registry_gen, &err);
    if (rc == 0 && ops->batch_plans != NULL) rc = ops->batch_plans(c, &err);
    b->reg = store_registry_acquire(q->store);
    if (rc == 0) rc = sync_checkpoint(q, &heads, &err);
    if (rc == 0) rc = fetch_journal(q, &err);
    if (rc == 0) rc = fetch_working_set(q, &err);
    if (rc == 0) rc = lock_visits(q, &err);
    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        if (replay(b, i)) continue;
        settle_or_revoke(q, i);
    }
    if (rc == 0 && b->link_count > 0)
        rc = ops->visits_link(c, b->links, b->link_setl_ids, b->link_count, &err);
    if (rc == 0 && b->reopen_count > 0)
        rc = ops->visits_reopen(c, b->reopens, b->reopen_setl_ids, b->reopen_count, &err);
    if (rc == 0) rc = write_batch(q, &err);
    (void)lat_since(&q->times.settle, settle_us);
    if (rc == 0) rc = commit_timed(q, &err);
    if (rc == 0) cache_commit(q);
    if (rc == 0) pending_commit(q);
    if (rc != 0) {
        wcache_clear(&q->cache);
        pthread_mutex_lock(&q->pending.lock);
        pending_reset(&q->pending, -1);
        pthread_mutex_unlock(&q->pending.lock);
        ops->rollback(c);
        for (size_t i = 0; i < b->n; i++) {
            b->reqs[i]->status = STORE_FAILED;
            b->reqs[i]->err = err;
        }
    }
    guest_finish(q, rc == 0, &err);
    store_registry_release(q->store, b->reg);
    b->reg = NULL;
    for (size_t i = 0; i < b->n; i++) bill_data_free(b->reqs[i]); /* written, or failed */
    assert(b->rec_count <= b->n);
    for (size_t i = 0; i < b->n; i++)
        assert(b->reqs[i]->status != STORE_PENDING); /* all answered */
}

/* ---- the writer thread and the queue --------------------------------------- */
/* Wakes the batch's waiters; then, outside the lock, runs the async
 * callbacks (copied first: a woken waiter may reuse its request at once). */
static void complete_batch(struct commitq *q, size_t n) {
    struct batch *b = &q->b;
    size_t callbacks = 0;
    assert(n >= 1 && n <= (size_t)q->batch_max);
    pthread_mutex_lock(&q->lock);
    for (size_t i = 0; i < n; i++) {
        struct store_req *r = b->reqs[i];
        assert(r->done_ == 0 && r->status != STORE_PENDING);
        if (r->on_done_ != NULL)
            b->completions[callbacks++] = (struct completion){r->on_done_, r->on_done_ctx_};
        r->done_ = 1;
    }
    q->batches++;
    q->requests += (int64_t)n;
    pthread_cond_broadcast(&q->done);
    pthread_mutex_unlock(&q->lock);
    assert(callbacks <= n);
    for (size_t i = 0; i < callbacks; i++) b->completions[i].fn(b->completions[i].ctx);
}

static void *writer_main(void *arg) {
    struct commitq *q = arg;
    assert(q != NULL && q->batch_max >= 1 && q->batch_max <= BATCH_MAX);
    for (;;) {
        pthread_mutex_lock(&q->lock);
        while (q->count == 0 && !q->guest_due && !q->stopping)
            pthread_cond_wait(&q->nonempty, &q->lock);
        if (q->count == 0 && !q->guest_due && q->stopping) {
            pthread_mutex_unlock(&q->lock);
            return NULL;
        }
        bool guest = q->guest_due;
        q->guest_due = false;
        size_t n = q->count < (size_t)q->batch_max ? q->count : (size_t)q->batch_max;
        assert((n >= 1 || guest) && q->count <= COMMITQ_LEN_MAX && q->head < COMMITQ_LEN_MAX);
        int64_t taken_us = lat_now_us();
        for (size_t i = 0; i < n; i++) {
            q->b.reqs[i] = q->ring[(q->head + i) % COMMITQ_LEN_MAX];
            lat_add(&q->times.wait, taken_us - q->b.reqs[i]->queued_us_);
        }
        q->head = (q->head + n) % COMMITQ_LEN_MAX;
        q->count -= n;
        pthread_cond_broadcast(&q->nonfull);
        pthread_mutex_unlock(&q->lock);

        /* outside q->lock: the guest's take locks its own queue */
        q->guest_taken = guest && q->guest.take != NULL && q->guest.take(q->guest.ctx);
        if (n == 0) {
            if (!q->guest_taken) continue;
            process_guest(q);
            store_checkpointer_idle(q->store);
            (void)lat_since(&q->times.guest_only, taken_us);
            continue;
        }
        q->b.n = n;
        process_batch(q);

        complete_batch(q, n);
        store_checkpointer_idle(q->store); /* the round answered: a finish now waits for it */
        (void)lat_since(&q->times.round, taken_us);
    }
}

void commitq_host(struct commitq *q, const struct commitq_guest *guest) {
    assert(q != NULL && guest != NULL && guest->take != NULL && guest->run != NULL);
    assert(guest->finish != NULL);
    pthread_mutex_lock(&q->lock);
    assert(q->guest.take == NULL && !q->guest_due); /* one guest, set before any kick */
    q->guest = *guest;
    pthread_mutex_unlock(&q->lock);
}

int64_t commitq_guest_rounds(struct commitq *q) {
    assert(q != NULL);
    pthread_mutex_lock(&q->lock);
    int64_t rounds = q->guest_rounds;
    pthread_mutex_unlock(&q->lock);
    assert(rounds >= 0);
    return rounds;
}

void commitq_kick(struct commitq *q) {
    assert(q != NULL);
    pthread_mutex_lock(&q->lock);
    assert(q->guest.take != NULL);
    q->guest_due = true;
    pthread_cond_signal(&q->nonempty);
    pthread_mutex_unlock(&q->lock);
}

int commitq_start(struct store *store, int batch_max, struct commitq **out, struct store_err *err) {
    assert(store != NULL && out != NULL);
    *out = NULL;
    if (batch_max < 1 || batch_max > BATCH_MAX) {
        store_errf(err, "batch size %d: must be in [1, %d]", batch_max, BATCH_MAX);
        return -1;
    }
    struct commitq *q = calloc(1, sizeof *q);
    if (q == NULL || (q->ring = calloc(COMMITQ_LEN_MAX, sizeof *q->ring)) == NULL ||
        batch_alloc(&q->b, (size_t)batch_max) != 0 || wcache_init(&q->cache) != 0 ||
        pending_init(&q->pending) != 0) {
        if (q) free(q->ring), wcache_free(&q->cache), batch_free(&q->b);
        free(q);
        store_errf(err, "commit queue: out of memory");
        return -1;
    }
    q->store = store;
    q->batch_max = batch_max;
    q->checkpoint_records = CHECKPOINT_RECORDS_MAX;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->nonempty, NULL);
    pthread_cond_init(&q->nonfull, NULL);
    pthread_cond_init(&q->done, NULL);
    store_attach_pending(store, &q->pending);
    /* the WAL's checkpoints off the writer's COMMITs (sqlite_ckpt.h) */
    struct store_err why = {{0}};
    bool ckpt = store_checkpointer_start(store, &why) == 0;
    if (!ckpt || pthread_create(&q->thread, NULL, writer_main, q) != 0) {
        if (ckpt) store_checkpointer_stop(store);
        store_attach_pending(store, NULL);
        pending_free(&q->pending);
        batch_free(&q->b);
        wcache_free(&q->cache);
        free(q->ring);
        free(q);
        store_errf(err, "commit queue: %s", ckpt ? "cannot start the writer thread" : why.msg);
        return -1;
    }
    assert(q->count == 0 && !q->stopping);
    *out = q;
    return 0;
}

/* On stop: writes the pending effect, so that the tables are current for
 * whoever opens the store next. Failing here loses nothing: the next writer
 * replays the records after the checkpoint. */
static void final_checkpoint(struct commitq *q) {
    const struct store_backend *ops = store_ops(q->store);
    struct store_conn *c = store_conn(q->store);
    struct store_err err;
    assert(q->count == 0 && q->stopping); /* the writer has ended */
    assert(q->pending.base_seq <= q->pending.last_seq);
    if (q->pending.base_seq < 0 || q->pending.last_seq == q->pending.base_seq) return;
    struct store_heads h = {0}; /* its checkpoint and tail only: what sync_checkpoint reads */
    int rc = ops->begin(c, &err);
    if (rc == 0)
        rc = ops->checkpoint_get(c, &h.checkpoint_seq, &h.checkpoint_found, &h.tail_seq, &err);
    if (rc == 0) rc = sync_checkpoint(q, &h, &err);
    if (rc == 0 && q->pending.last_seq > q->pending.base_seq) {
        /* in sync: the pending effect is (checkpoint, tail], so the new
         * checkpoint moves forward to the tail, not past it */
        assert(q->pending.base_seq >= 0);
        rc = pending_write(&q->pending, q->store, &err);
        if (rc == 0) rc = ops->checkpoint_put(c, q->pending.last_seq, &err);
    }
    if (rc == 0) rc = ops->commit(c, &err);
    if (rc != 0) ops->rollback(c);
}

void commitq_stop(struct commitq *q) {
    if (q == NULL) return;
    pthread_mutex_lock(&q->lock);
    q->stopping = true;
    pthread_cond_broadcast(&q->nonempty);
    pthread_cond_broadcast(&q->nonfull);
    pthread_mutex_unlock(&q->lock);
    pthread_join(q->thread, NULL);
    assert(q->count == 0); /* the writer drains the queue before it ends */
    store_checkpointer_stop(q->store);
    final_checkpoint(q);
    store_attach_pending(q->store, NULL);
    pending_free(&q->pending);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->nonempty);
    pthread_cond_destroy(&q->nonfull);
    pthread_cond_destroy(&q->done);
    batch_free(&q->b);
    wcache_free(&q->cache);
    free(q->ring);
    free(q);
}

int store_replay_settled(struct store *store, struct store_req *const *reqs, size_t n,
                         int64_t *near_seq, struct journal_rec *recs, bool *answered,
                         struct store_err *err) {
    assert(store != NULL && reqs != NULL && recs != NULL && answered != NULL && n <= BATCH_MAX);
    assert(near_seq != NULL && *near_seq >= 0);
    const char *msgids[BATCH_MAX] = {NULL};
    for (size_t i = 0; i < n; i++) {
        assert(reqs[i]->op == STORE_OP_SETTLE && reqs[i]->bill != NULL);
        assert(reqs[i]->msgid[0] != '\0' && strlen(reqs[i]->msgid) <= MSGID_BYTES_MAX);
        msgids[i] = reqs[i]->msgid;
    }
    if (store_journal_by_msgids(store, *near_seq, msgids, n, recs, answered, err) != 0) return -1;
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!answered[i]) continue;
        struct store_req *r = reqs[i];
        char hash[HASH_HEX_BYTES + 1];
        bill_request_hash(r->psn_no, r->bill, r->insutype_asked, hash);
        /* what the queue's replay() answers from this record; a msgid
         * reused for another request is the queue's to refuse */
        answered[i] = recs[i].kind == JOURNAL_SETTLE && strcmp(hash, recs[i].req_hash) == 0;
        if (!answered[i]) continue;
        req_reset(r);
        answer_from_rec(r, &recs[i]);
        r->done_ = 1;
        if (recs[i].seq >= *near_seq) *near_seq = recs[i].seq + 1;
        count++;
    }
    assert(count >= 0 && (size_t)count <= n);
    return count;
}

int commitq_submit(struct commitq *q, struct store_req *req) {
    assert(q != NULL && req != NULL);
    return commitq_submit_async(q, req, NULL, NULL);
}

int commitq_submit_async(struct commitq *q, struct store_req *req, void (*on_done)(void *ctx),
                         void *ctx) {
    assert(q != NULL && req != NULL);
    req->on_done_ = on_done;
    req->on_done_ctx_ = ctx;
    assert(req->op == STORE_OP_SETTLE ? req->bill != NULL : req->op == STORE_OP_REVOKE);
    req->done_ = 0;
    req->status = STORE_PENDING;
    /* hashed and encoded by the submitting thread: the writer is the bottleneck */
    req->bill_data_ = NULL;
    req->bill_len_ = 0;
    if (req->op == STORE_OP_SETTLE) {
        bill_request_hash(req->psn_no, req->bill, req->insutype_asked, req->req_hash_);
        if (bill_blob_encode(req->bill, &req->bill_data_, &req->bill_len_) != 0) {
            req->status = STORE_FAILED;
            store_errf(&req->err, "commit queue: out of memory");
            req->done_ = 1;
            return -1;
        }
        sha256_hex(req->bill_data_, req->bill_len_, req->bill_hash_);
    } else {
        revoke_request_hash(req->setl_id, req->req_hash_);
    }
    pthread_mutex_lock(&q->lock);
    while (q->count == COMMITQ_LEN_MAX && !q->stopping) pthread_cond_wait(&q->nonfull, &q->lock);
    bool time_bad = req->sim_time_us != 0 && (!q->simulated_time || req->sim_time_us < 0);
    if (q->stopping || time_bad) {
        req->status = STORE_FAILED;
        if (time_bad) /* a production queue: no request dates its record */
            store_errf(&req->err, "sim_time_us: a simulated journal time on a queue that %s",
                       q->simulated_time ? "takes only times after 1970" : "does not allow it");
        else store_errf(&req->err, "commit queue stopped");
        bill_data_free(req);
        req->done_ = 1;
        pthread_mutex_unlock(&q->lock);
        return -1;
    }
    assert(q->count < COMMITQ_LEN_MAX);
    req->queued_us_ = lat_now_us();
    q->ring[(q->head + q->count) % COMMITQ_LEN_MAX] = req;
    q->count++;
    pthread_cond_signal(&q->nonempty);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

void commitq_wait(struct commitq *q, struct store_req *req) {
    assert(q != NULL && req != NULL);
    pthread_mutex_lock(&q->lock);
    while (!req->done_) pthread_cond_wait(&q->done, &q->lock);
    assert(req->status != STORE_PENDING);
    pthread_mutex_unlock(&q->lock);
}

int commitq_call(struct commitq *q, struct store_req *req) {
    assert(q != NULL && req != NULL);
    if (commitq_submit(q, req) != 0) return -1;
    commitq_wait(q, req);
    assert(req->done_ == 1);
    return req->status == STORE_FAILED ? -1 : 0;
}

void commitq_checkpoint_every(struct commitq *q, int64_t records) {
    assert(q != NULL && records >= 1 && records <= CHECKPOINT_RECORDS_MAX);
    pthread_mutex_lock(&q->lock);
    q->checkpoint_records = records;
    pthread_mutex_unlock(&q->lock);
}

void commitq_simulated_time(struct commitq *q) {
    assert(q != NULL);
    pthread_mutex_lock(&q->lock);
    assert(q->requests == 0 && q->count == 0); /* before the first request */
    q->simulated_time = true;
    pthread_mutex_unlock(&q->lock);
}

void commitq_stats(struct commitq *q, int64_t *batches, int64_t *requests) {
    assert(q != NULL && batches != NULL && requests != NULL);
    pthread_mutex_lock(&q->lock);
    assert(q->batches <= q->requests); /* every batch answers at least one request */
    *batches = q->batches;
    *requests = q->requests;
    pthread_mutex_unlock(&q->lock);
}

void commitq_print_times(struct commitq *q, FILE *out) {
    assert(q != NULL && out != NULL);
    struct round_times *t = &q->times;
    lat_print(out, "settlement's wait for its round", &t->wait);
    lat_print(out, "round with settlements", &t->round);
    lat_print(out, "  its guest jobs", &t->guest);
    lat_print(out, "  its settlements", &t->settle);
    lat_print(out, "  COMMIT (WAL write, fsync)", &t->commit);
    lat_print(out, "round of guest jobs alone", &t->guest_only);
}
