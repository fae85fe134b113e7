/* checkpoint.c: the pending effect of the journal records after the
 * checkpoint, writing it to the tables, and catching the tables up with
 * records another writer left unwritten (see checkpoint.h). */
#include "store/checkpoint.h"
#include "core/hash.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WRITE_CHUNK 4096 /* rows handed to states_put / balances_add at once */

struct pending_node { /* a year state */
    struct pending_node *next;
    uint64_t hash;
    struct state_key key;
    struct year_state st;
};

struct account_node { /* an account's summed postings */
    struct account_node *next;
    uint64_t hash;
    int64_t delta_fen;
    char account[];
};

static uint64_t text_hash(const char *s, int32_t year) {
    assert(s != NULL);
    return fnv1a_text(FNV_OFFSET ^ (uint64_t)(uint32_t)year, s);
}

int pending_init(struct pending *p) {
    assert(p != NULL);
    memset(p, 0, sizeof *p);
    p->base_seq = p->last_seq = -1;
    p->states = calloc(PENDING_BUCKETS, sizeof *p->states);
    p->accounts = calloc(PENDING_BUCKETS, sizeof *p->accounts);
    if (p->states == NULL || p->accounts == NULL) {
        free(p->states);
        free(p->accounts);
        p->states = NULL; /* pending_free() of a failed init frees nothing */
        p->accounts = NULL;
        return -1;
    }
    pthread_mutex_init(&p->lock, NULL);
    assert(p->state_count == 0 && p->account_count == 0 && p->base_seq == p->last_seq);
    return 0;
}

static void free_states(struct pending *p) {
    assert(p->states != NULL);
    for (size_t b = 0; p->state_count > 0 && b < PENDING_BUCKETS; b++) {
        for (struct pending_node *n = p->states[b], *next; n; n = next) {
            next = n->next;
            free(n);
        }
        p->states[b] = NULL;
    }
}

static void free_accounts(struct pending *p) {
    assert(p->accounts != NULL);
    for (size_t b = 0; p->account_count > 0 && b < PENDING_BUCKETS; b++) {
        for (struct account_node *n = p->accounts[b], *next; n; n = next) {
            next = n->next;
            free(n);
        }
        p->accounts[b] = NULL;
    }
}

void pending_reset(struct pending *p, int64_t seq) {
    assert(p != NULL && seq >= -1);
    free_states(p);
    free_accounts(p);
    p->state_count = p->account_count = 0;
    p->base_seq = p->last_seq = seq;
    assert(p->states[0] == NULL && p->accounts[0] == NULL);
}

void pending_free(struct pending *p) {
    if (p == NULL || p->states == NULL) return;
    assert(p->accounts != NULL);
    pending_reset(p, -1);
    assert(p->state_count == 0 && p->account_count == 0 && p->base_seq == -1);
    free(p->states);
    free(p->accounts);
    pthread_mutex_destroy(&p->lock);
}

static struct pending_node *find_state(const struct pending *p, const char *psn_no, int32_t year,
                                       uint64_t h) {
    assert(psn_no != NULL && h == text_hash(psn_no, year));
    for (struct pending_node *n = p->states[h & (PENDING_BUCKETS - 1)]; n; n = n->next)
        if (n->hash == h && n->key.year == year && strcmp(n->key.psn_no, psn_no) == 0) return n;
    return NULL;
}

static struct account_node *find_account(const struct pending *p, const char *account, uint64_t h) {
    assert(account != NULL && h == text_hash(account, 0));
    for (struct account_node *n = p->accounts[h & (PENDING_BUCKETS - 1)]; n; n = n->next)
        if (n->hash == h && strcmp(n->account, account) == 0) return n;
    return NULL;
}

int pending_put_state(struct pending *p, const struct state_key *key, const struct year_state *st) {
    assert(p != NULL && key != NULL && st != NULL && year_state_valid(st));
    assert(st->year == key->year && key->psn_no[0] != '\0'); /* an entry's key is its state's */
    uint64_t h = text_hash(key->psn_no, key->year);
    struct pending_node *n = find_state(p, key->psn_no, key->year, h);
    if (n == NULL) {
        if ((n = calloc(1, sizeof *n)) == NULL) return -1;
        n->hash = h;
        n->next = p->states[h & (PENDING_BUCKETS - 1)];
        p->states[h & (PENDING_BUCKETS - 1)] = n;
        p->state_count++;
    }
    n->key = *key;
    n->st = *st;
    n->st.acct_balc_fen = 0; /* the accounts table holds the account */
    assert(find_state(p, key->psn_no, key->year, h) == n);
    return 0;
}

int pending_add_balance(struct pending *p, const char *account, int64_t delta_fen) {
    assert(p != NULL && account != NULL && account[0] != '\0');
    assert(delta_fen != 0 && delta_fen != INT64_MIN); /* a posting's amount, either way */
    uint64_t h = text_hash(account, 0);
    struct account_node *n = find_account(p, account, h);
    if (n == NULL) {
        size_t len = strlen(account);
        if (len > ACCOUNT_BYTES_MAX || (n = calloc(1, sizeof *n + len + 1)) == NULL) return -1;
        memcpy(n->account, account, len + 1);
        n->hash = h;
        n->next = p->accounts[h & (PENDING_BUCKETS - 1)];
        p->accounts[h & (PENDING_BUCKETS - 1)] = n;
        p->account_count++;
    }
    n->delta_fen += delta_fen;
    return 0;
}

bool pending_state(const struct pending *p, const char *psn_no, int32_t year,
                   struct year_state *out) {
    assert(p != NULL && psn_no != NULL);
    const struct pending_node *n = find_state(p, psn_no, year, text_hash(psn_no, year));
    if (n != NULL) *out = n->st;
    assert(n == NULL || (out->year == year && out->acct_balc_fen == 0));
    return n != NULL;
}

int64_t pending_balance_delta(const struct pending *p, const char *account) {
    assert(p != NULL && account != NULL);
    const struct account_node *n = find_account(p, account, text_hash(account, 0));
    assert(n == NULL || strcmp(n->account, account) == 0);
    return n ? n->delta_fen : 0;
}

/* ---- writing: sorted, so that the B-trees see one pass of page writes ---- */
static int cmp_state_node(const void *a, const void *b) {
    const struct pending_node *x = *(const struct pending_node *const *)a;
    const struct pending_node *y = *(const struct pending_node *const *)b;
    assert(x != NULL && y != NULL);
    int c = strcmp(x->key.psn_no, y->key.psn_no);
    return c ? c : (x->key.year > y->key.year) - (x->key.year < y->key.year);
}

static int cmp_account_node(const void *a, const void *b) {
    const struct account_node *x = *(const struct account_node *const *)a;
    const struct account_node *y = *(const struct account_node *const *)b;
    assert(x != NULL && y != NULL);
    return strcmp(x->account, y->account);
}

static struct pending_node **sorted_states(const struct pending *p) {
    assert(p->states != NULL);
    struct pending_node **v = malloc((p->state_count ? p->state_count : 1) * sizeof *v);
    if (v == NULL) return NULL;
    size_t k = 0;
    for (size_t b = 0; b < PENDING_BUCKETS && k < p->state_count; b++)
        for (struct pending_node *n = p->states[b]; n; n = n->next) v[k++] = n;
    assert(k == p->state_count);
    qsort(v, k, sizeof *v, cmp_state_node);
    return v;
}

static struct account_node **sorted_accounts(const struct pending *p) {
    assert(p->accounts != NULL);
    struct account_node **v = malloc((p->account_count ? p->account_count : 1) * sizeof *v);
    if (v == NULL) return NULL;
    size_t k = 0;
    for (size_t b = 0; b < PENDING_BUCKETS && k < p->account_count; b++)
        for (struct account_node *n = p->accounts[b]; n; n = n->next) v[k++] = n;
    assert(k == p->account_count);
    qsort(v, k, sizeof *v, cmp_account_node);
    return v;
}

static int write_states(struct pending_node **v, size_t count, struct store *store,
                        struct store_err *err) {
    assert(v != NULL && store != NULL);
    struct state_key *keys = malloc(WRITE_CHUNK * sizeof *keys);
    struct year_state *vals = malloc(WRITE_CHUNK * sizeof *vals);
    int rc = 0;
    if (keys == NULL || vals == NULL) store_errf(err, "checkpoint: out of memory"), rc = -1;
    for (size_t i = 0; rc == 0 && i < count; i += WRITE_CHUNK) {
        size_t n = count - i < WRITE_CHUNK ? count - i : WRITE_CHUNK;
        for (size_t k = 0; k < n; k++) keys[k] = v[i + k]->key, vals[k] = v[i + k]->st;
        assert(n >= 1 && n <= WRITE_CHUNK);
        rc = store_ops(store)->states_put(store_conn(store), keys, vals, n, err);
    }
    free(keys);
    free(vals);
    return rc;
}

static int write_balances(struct account_node **v, size_t count, struct store *store,
                          struct store_err *err) {
    assert(v != NULL && store != NULL);
    struct balance_delta *d = malloc(WRITE_CHUNK * sizeof *d);
    int rc = 0;
    if (d == NULL) store_errf(err, "checkpoint: out of memory"), rc = -1;
    for (size_t i = 0; rc == 0 && i < count; i += WRITE_CHUNK) {
        size_t n = 0;
        for (size_t k = i; k < count && k < i + WRITE_CHUNK; k++) {
            if (v[k]->delta_fen == 0) continue; /* nets to nothing */
            snprintf(d[n].account, sizeof d[n].account, "%s", v[k]->account);
            d[n++].delta_fen = v[k]->delta_fen;
        }
        assert(n <= WRITE_CHUNK);
        rc = store_ops(store)->balances_add(store_conn(store), d, n, err);
    }
    free(d);
    return rc;
}

int pending_write(const struct pending *p, struct store *store, struct store_err *err) {
    assert(p != NULL && store != NULL);
    assert(p->base_seq <= p->last_seq);
    struct pending_node **sv = sorted_states(p);
    struct account_node **av = sorted_accounts(p);
    int rc = 0;
    if (sv == NULL || av == NULL) store_errf(err, "checkpoint: out of memory"), rc = -1;
    if (rc == 0) rc = write_states(sv, p->state_count, store, err);
    if (rc == 0) rc = write_balances(av, p->account_count, store, err);
    free(sv);
    free(av);
    return rc;
}

/* ---- one record's effect --------------------------------------------------- */
int checkpoint_effect(const struct journal_rec *rec, struct year_state *state,
                      struct posting out[POSTINGS_PER_RECORD_MAX], struct store_err *err) {
    assert(rec != NULL && out != NULL);
    assert(state == NULL || state->year == rec->year);
    if (rec->kind == JOURNAL_CONTRIB) { /* postings only: a contribution has no year state */
        struct store_contrib c;
        const char *bad = NULL;
        if (contrib_decode(rec->body, &c, &bad) != 0) {
            store_errf(err, "journal seq %" PRId64 ": body does not decode at %s", rec->seq, bad);
            return -1;
        }
        return contrib_postings(rec, &c, out);
    }
    if (rec->kind == JOURNAL_PAY) { /* postings only: a payment has no year state */
        struct store_pay p;
        const char *bad = NULL;
        if (pay_decode(rec->body, &p, &bad) != 0) {
            store_errf(err, "journal seq %" PRId64 ": body does not decode at %s", rec->seq, bad);
            return -1;
        }
        return pay_postings(rec, &p, out);
    }
    if (rec->kind == JOURNAL_YEAR_END) { /* postings only */
        struct store_year_end y;
        const char *bad = NULL;
        if (year_end_decode(rec->body, &y, &bad) != 0) {
            store_errf(err, "journal seq %" PRId64 ": body does not decode at %s", rec->seq, bad);
            return -1;
        }
        return year_end_postings(rec, &y, out);
    }
    if (rec->kind == JOURNAL_TRANSFER) { /* postings only */
        struct store_transfer t;
        const char *bad = NULL;
        if (transfer_decode(rec->body, &t, &bad) != 0) {
            store_errf(err, "journal seq %" PRId64 ": body does not decode at %s", rec->seq, bad);
            return -1;
        }
        return transfer_postings(rec, &t, out);
    }
    if (rec->kind != JOURNAL_SETTLE && rec->kind != JOURNAL_REVOKE) {
        store_errf(err, "journal seq %" PRId64 ": an import after the checkpoint", rec->seq);
        return -1;
    }
    struct store_settlement stl;
    const char *bad = NULL;
    if (settlement_decode(rec->body, &stl, &bad) != 0) {
        store_errf(err, "journal seq %" PRId64 ": body does not decode", rec->seq);
        return -1;
    }
    stl.delta.acct_balc_fen = 0;
    if (state == NULL) return ledger_postings(rec, &stl, rec->kind == JOURNAL_REVOKE, out);
    state->acct_balc_fen = 0;
    if (rec->kind == JOURNAL_SETTLE) year_state_apply(state, &stl.delta);
    else year_state_unapply(state, &stl.delta);
    if (!year_state_valid(state)) {
        store_errf(err, "journal seq %" PRId64 ": replay makes a year state negative", rec->seq);
        return -1;
    }
    return ledger_postings(rec, &stl, rec->kind == JOURNAL_REVOKE, out);
}

/* ---- catching up --------------------------------------------------------------- */
struct chunk {
    struct journal_rec *recs;
    size_t count;
    int64_t tail_seq;
};

static int chunk_row(void *ctx, const struct journal_rec *rec) {
    struct chunk *ch = ctx;
    assert(ch->count < CATCH_UP_CHUNK); /* the scan stopped when it filled */
    assert(ch->count == 0 || rec->seq > ch->recs[ch->count - 1].seq); /* in seq order */
    if (rec->seq > ch->tail_seq) return 1;
    ch->recs[ch->count++] = *rec;
    return ch->count == CATCH_UP_CHUNK ? 1 : 0;
}

/* Applies one chunk of records to acc, reading states it does not hold. */
static int apply_chunk(struct store *store, struct pending *acc, const struct chunk *ch,
                       struct store_err *err) {
    assert(ch->count >= 1 && ch->count <= CATCH_UP_CHUNK);
    for (size_t i = 0; i < ch->count; i++) {
        const struct journal_rec *rec = &ch->recs[i];
        if (rec->kind == JOURNAL_CONTRIB || rec->kind == JOURNAL_PAY ||
            rec->kind == JOURNAL_YEAR_END || rec->kind == JOURNAL_TRANSFER) { /* postings only */
            struct posting post[POSTINGS_PER_RECORD_MAX];
            int count = checkpoint_effect(rec, NULL, post, err);
            if (count < 0) return -1;
            for (int k = 0; k < count; k++)
                if (pending_add_balance(acc, post[k].debit, post[k].amount_fen) != 0 ||
                    pending_add_balance(acc, post[k].credit, -post[k].amount_fen) != 0)
                    return store_errf(err, "checkpoint: out of memory"), -1;
            continue;
        }
        struct state_key key;
        struct year_state st;
        snprintf(key.psn_no, sizeof key.psn_no, "%s", rec->psn_no);
        key.year = rec->year;
        bool found = pending_state(acc, key.psn_no, key.year, &st);
        if (!found &&
            store_ops(store)->states_get(store_conn(store), &key, 1, &st, &found, err) != 0)
            return -1;
        if (!found) year_state_init(&st, key.year, 0);
        assert(st.year == key.year);
        struct posting post[POSTINGS_PER_RECORD_MAX];
        int count = checkpoint_effect(rec, &st, post, err);
        if (count < 0 || pending_put_state(acc, &key, &st) != 0) return -1;
        for (int k = 0; k < count; k++)
            if (pending_add_balance(acc, post[k].debit, post[k].amount_fen) != 0 ||
                pending_add_balance(acc, post[k].credit, -post[k].amount_fen) != 0)
                return store_errf(err, "checkpoint: out of memory"), -1;
    }
    return 0;
}

static int replay_after(struct store *store, struct pending *acc, int64_t from_seq,
                        int64_t tail_seq, struct store_err *err) {
    assert(from_seq < tail_seq);
    struct chunk ch = {calloc(CATCH_UP_CHUNK, sizeof *ch.recs), 0, tail_seq};
    if (ch.recs == NULL) return store_errf(err, "checkpoint: out of memory"), -1;
    int rc = 0;
    for (int64_t next = from_seq + 1; rc == 0 && next <= tail_seq;) {
        ch.count = 0;
        rc = store_ops(store)->journal_scan(store_conn(store), next, chunk_row, &ch, err);
        if (rc == 1) rc = 0;
        if (rc == 0 && ch.count == 0) {
            store_errf(err, "journal: seq %" PRId64 " missing", next);
            rc = -1;
        }
        if (rc == 0) rc = apply_chunk(store, acc, &ch, err);
        if (rc == 0) {
            assert(ch.recs[0].seq >= next && ch.recs[ch.count - 1].seq <= tail_seq);
            next = ch.recs[ch.count - 1].seq + 1;
        }
        if (rc == 0 && acc->state_count >= CHECKPOINT_RECORDS_MAX) { /* bound the memory */
            rc = pending_write(acc, store, err);
            pending_reset(acc, -1);
        }
    }
    free(ch.recs);
    return rc;
}

int checkpoint_load_pending(struct store *store, struct pending *p, int64_t records_max,
                            int64_t *checkpoint_seq, int64_t *tail_seq, struct store_err *err) {
    assert(store != NULL && p != NULL && p->base_seq == -1 && p->state_count == 0);
    assert(records_max >= 1 && records_max <= CHECKPOINT_RECORDS_MAX);
    bool found = false;
    if (store_ops(store)->checkpoint_get(store_conn(store), checkpoint_seq, &found, tail_seq,
                                         err) != 0)
        return -1;
    /* replay_after's memory bound (a write to the tables) is never reached:
     * fewer records than CHECKPOINT_RECORDS_MAX touch fewer states */
    if (!found || *checkpoint_seq >= *tail_seq || *tail_seq - *checkpoint_seq >= records_max)
        return 1;
    int rc = replay_after(store, p, *checkpoint_seq, *tail_seq, err);
    assert(rc != 0 || p->state_count < CHECKPOINT_RECORDS_MAX);
    return rc;
}

int checkpoint_catch_up(struct store *store, int64_t *checkpoint_seq, int64_t *tail_seq,
                        struct store_err *err) {
    assert(store != NULL && checkpoint_seq != NULL && tail_seq != NULL);
    const struct store_backend *ops = store_ops(store);
    bool found = false;
    if (ops->checkpoint_get(store_conn(store), checkpoint_seq, &found, tail_seq, err) != 0)
        return -1;
    if (!found) { /* a store from before checkpoints: its tables are current */
        *checkpoint_seq = *tail_seq;
        return ops->checkpoint_put(store_conn(store), *tail_seq, err);
    }
    if (*checkpoint_seq > *tail_seq)
        return store_errf(err, "checkpoint seq %" PRId64 " is after the journal's end %" PRId64,
                          *checkpoint_seq, *tail_seq),
               -1;
    if (*checkpoint_seq == *tail_seq) return 0;
    assert(*checkpoint_seq < *tail_seq); /* a checkpoint never passes the journal tail */
    struct pending acc;
    if (pending_init(&acc) != 0) return store_errf(err, "checkpoint: out of memory"), -1;
    int rc = replay_after(store, &acc, *checkpoint_seq, *tail_seq, err);
    if (rc == 0) rc = pending_write(&acc, store, err);
    if (rc == 0) rc = ops->checkpoint_put(store_conn(store), *tail_seq, err);
    pending_free(&acc);
    return rc;
}
