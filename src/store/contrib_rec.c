/* contrib_rec.c: contribution records in the journal (issue 16 item 2;
 * docs/CONTRIBUTIONS.md): one record per person and period, its body the
 * inputs and the figures, its postings (ledger.c, contrib_postings) in the
 * same transaction.
 *
 * Idempotency lives in the journal: a record's msgid names the scheme, the
 * period and the person, and the journal's msgid is unique, so a period is
 * posted once per person whatever runs, reruns or crashes happen; a batch
 * reads the msgids it is about to write inside its own write transaction
 * and writes only those not there. Each batch is one transaction that, as
 * an import, first catches the tables up to the journal and then moves the
 * checkpoint to its own last record, adding its balance deltas to the
 * accounts table: so contribution records never sit after the checkpoint
 * and readers never replay them. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/enrol.h"
#include "store/checkpoint.h"
#include "store/store.h"

_Static_assert(CONTRIB_POSTINGS_MAX <= POSTINGS_PER_RECORD_MAX,
               "a contribution's postings fit where a record's postings are read");

int contrib_msgid(char out[MSGID_BYTES_MAX + 1], const char *psn_no,
                  const struct store_contrib *c) {
    assert(out != NULL && psn_no != NULL && c != NULL);
    assert(c->insutype == 310 || c->insutype == 390);
    int n = c->insutype == 310
                ? snprintf(out, MSGID_BYTES_MAX + 1, "contrib/310/%04d-%02d/%s", (int)c->year,
                           (int)c->month, psn_no)
                : snprintf(out, MSGID_BYTES_MAX + 1, "contrib/390/%04d/%s", (int)c->year, psn_no);
    return n > 0 && n <= MSGID_BYTES_MAX ? 0 : -1;
}

/* A code the body can hold: no space, no '=', not empty unless allowed. */
static bool body_code(const char *s, bool empty_ok) {
    assert(s != NULL);
    if (s[0] == '\0') return empty_ok;
    for (const char *p = s; *p; p++)
        if (*p == ' ' || *p == '=' || (unsigned char)*p < 0x21) return false;
    return true;
}

int contrib_encode(const struct store_contrib *c, char *body, size_t size) {
    assert(c != NULL && body != NULL && size > 0);
    assert(c->insutype == 310 || c->insutype == 390);
    if (!body_code(c->region, false) || !body_code(c->category, false) ||
        !body_code(c->emp_no, true))
        return -1;
    int n;
    if (c->insutype == 310)
        n = snprintf(body, size,
                     "scheme=310 period=%04d-%02d region=%s category=%s emp=%s struggling=%d "
                     "short=%d wage=%" PRId64 " share=%d base=%" PRId64 " employer=%" PRId64
                     " employee=%" PRId64 " account=%" PRId64 " pool=%" PRId64 " over_cap=%" PRId64,
                     (int)c->year, (int)c->month, c->region, c->category,
                     c->emp_no[0] ? c->emp_no : "-", c->struggling ? 1 : 0,
                     (c->flags & FLAG_CONTRIBUTION_SHORT) != 0 ? 1 : 0, c->wage_fen,
                     (int)c->share_bp, c->base_fen, c->employer_fen, c->employee_fen,
                     c->account_fen, c->pool_fen, c->over_cap_fen);
    else
        n = snprintf(body, size,
                     "scheme=390 period=%04d region=%s category=%s flags=%u premium=%" PRId64
                     " assisted=%" PRId64 " own=%" PRId64 " subsidy=%" PRId64
                     " catastrophic=%" PRId64 " pool=%" PRId64,
                     (int)c->year, c->region, c->category, (unsigned)c->flags, c->premium_fen,
                     c->assisted_fen, c->own_fen, c->subsidy_fen, c->catastrophic_fen, c->pool_fen);
    /* a lump sum keeps the months it pays for, last */
    if (c->insutype == 310 && n > 0 && (size_t)n < size &&
        strcmp(c->category, CONTRIB_LUMP_SUM) == 0)
        n += snprintf(body + n, size - (size_t)n, " months=%d", (int)c->lump_months);
    /* a premium paid keeps its date and payer, last */
    if (c->insutype == 390 && n > 0 && (size_t)n < size &&
        strcmp(c->category, CONTRIB_PREMIUM_PAID) == 0) {
        if (!body_code(c->paid_date, false) || !body_code(c->payer_psn_no, true)) return -1;
        n += snprintf(body + n, size - (size_t)n, " paid=%s from=%s", c->paid_date,
                      c->payer_psn_no[0] ? c->payer_psn_no : "-");
    }
    return n > 0 && (size_t)n < size ? 0 : -1;
}

/* Reads "key=value" at *p (then a space or the end) into val; moves *p. */
static bool take(const char **p, const char *key, char *val, size_t size) {
    size_t klen = strlen(key);
    assert(p != NULL && *p != NULL && size > 0);
    if (strncmp(*p, key, klen) != 0 || (*p)[klen] != '=') return false;
    const char *v = *p + klen + 1;
    size_t len = strcspn(v, " ");
    if (len == 0 || len >= size || (v[len] == ' ' && v[len + 1] == '\0')) return false;
    memcpy(val, v, len);
    val[len] = '\0';
    *p = v + len + (v[len] == ' ' ? 1 : 0);
    return true;
}

/* An integer written as encode writes one: an optional '-', digits
 * without a leading zero (0 alone), within int64. */
static bool canonical_int(const char *val, int64_t *out) {
    assert(val != NULL && out != NULL);
    const char *d = val[0] == '-' ? val + 1 : val;
    size_t len = strlen(d);
    if (len == 0 || len > 18 || strspn(d, "0123456789") != len) return false;
    if (d[0] == '0' && (len > 1 || d != val)) return false; /* "007", "-0" */
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) v = v * 10 + (d[i] - '0');
    *out = d != val ? -v : v;
    return true;
}

static bool take_i64(const char **p, const char *key, int64_t *out) {
    char val[24];
    assert(out != NULL);
    return take(p, key, val, sizeof val) && canonical_int(val, out);
}

/* "YYYY-MM" (310) or "YYYY" (390), digits only. */
static bool take_period(const char **p, struct store_contrib *c) {
    char val[16];
    assert(c != NULL);
    if (!take(p, "period", val, sizeof val)) return false;
    size_t len = strlen(val);
    if (len != (c->insutype == 310 ? 7u : 4u) || strspn(val, "0123456789") != 4) return false;
    c->year = (val[0] - '0') * 1000 + (val[1] - '0') * 100 + (val[2] - '0') * 10 + (val[3] - '0');
    c->month = 0;
    if (c->year < MONTH_YEAR_MIN || c->year > MONTH_YEAR_MAX) return false; /* as the runs */
    if (c->insutype == 390) return true;
    if (val[4] != '-' || strspn(val + 5, "0123456789") != 2) return false;
    c->month = (val[5] - '0') * 10 + (val[6] - '0');
    return c->month >= 1 && c->month <= 12;
}

static const char *decode_employee(const char **p, struct store_contrib *c) {
    int64_t v = 0;
    assert(c->insutype == 310);
    if (!take(p, "emp", c->emp_no, sizeof c->emp_no) || !body_code(c->emp_no, false)) return "emp";
    if (strcmp(c->emp_no, "-") == 0) c->emp_no[0] = '\0';
    if (!take_i64(p, "struggling", &v) || (v != 0 && v != 1)) return "struggling";
    c->struggling = v == 1;
    /* a retiree short of the minimum months (FUNDS.md §4): no allocation */
    if (!take_i64(p, "short", &v) || (v != 0 && v != 1)) return "short";
    c->flags = v == 1 ? FLAG_CONTRIBUTION_SHORT : 0;
    if (!take_i64(p, "wage", &c->wage_fen)) return "wage";
    if (!take_i64(p, "share", &v) || v < 0 || v > 10000) return "share";
    c->share_bp = (int32_t)v;
    if (!take_i64(p, "base", &c->base_fen)) return "base";
    if (!take_i64(p, "employer", &c->employer_fen)) return "employer";
    if (!take_i64(p, "employee", &c->employee_fen)) return "employee";
    if (!take_i64(p, "account", &c->account_fen)) return "account";
    if (!take_i64(p, "pool", &c->pool_fen)) return "pool";
    if (!take_i64(p, "over_cap", &c->over_cap_fen)) return "over_cap";
    if (strcmp(c->category, CONTRIB_LUMP_SUM) != 0) return NULL;
    if (!take_i64(p, "months", &v) || v < 1 || v > FUNDING_MONTHS_MAX) return "months";
    c->lump_months = (int32_t)v;
    return NULL;
}

static const char *decode_resident(const char **p, struct store_contrib *c) {
    int64_t v = 0;
    assert(c->insutype == 390);
    if (!take_i64(p, "flags", &v) || v < 0 || v > 255) return "flags";
    c->flags = (uint32_t)v;
    if (!take_i64(p, "premium", &c->premium_fen)) return "premium";
    if (!take_i64(p, "assisted", &c->assisted_fen)) return "assisted";
    if (!take_i64(p, "own", &c->own_fen)) return "own";
    if (!take_i64(p, "subsidy", &c->subsidy_fen)) return "subsidy";
    if (!take_i64(p, "catastrophic", &c->catastrophic_fen)) return "catastrophic";
    if (!take_i64(p, "pool", &c->pool_fen)) return "pool";
    if (strcmp(c->category, CONTRIB_PREMIUM_PAID) != 0) return NULL;
    if (!take(p, "paid", c->paid_date, sizeof c->paid_date) || strlen(c->paid_date) != 10 ||
        !datetime_parse(c->paid_date, 10, &v))
        return "paid";
    if (!take(p, "from", c->payer_psn_no, sizeof c->payer_psn_no) ||
        !body_code(c->payer_psn_no, false))
        return "from";
    if (strcmp(c->payer_psn_no, "-") == 0) c->payer_psn_no[0] = '\0';
    return NULL;
}

int contrib_decode(const char *body, struct store_contrib *out, const char **bad_key) {
    assert(body != NULL && out != NULL && bad_key != NULL);
    memset(out, 0, sizeof *out);
    const char *p = body;
    int64_t scheme = 0;
    const char *bad = NULL;
    if (!take_i64(&p, "scheme", &scheme) || (scheme != 310 && scheme != 390)) bad = "scheme";
    else if ((out->insutype = (int32_t)scheme, !take_period(&p, out))) bad = "period";
    else if (!take(&p, "region", out->region, sizeof out->region) || !body_code(out->region, false))
        bad = "region";
    else if (!take(&p, "category", out->category, sizeof out->category) ||
             !body_code(out->category, false))
        bad = "category";
    else bad = scheme == 310 ? decode_employee(&p, out) : decode_resident(&p, out);
    if (bad == NULL && *p != '\0') bad = "end";
    if (bad == NULL && contrib_identity_error(out) != NULL) bad = "figures";
    *bad_key = bad;
    return bad == NULL ? 0 : -1;
}

const char *contrib_identity_error(const struct store_contrib *c) {
    assert(c != NULL);
    if (c->insutype == 310) {
        bool retired = strcmp(c->category, "retired") == 0;
        if (strcmp(c->category, CONTRIB_LUMP_SUM) == 0 &&
            (c->employer_fen != 0 || c->account_fen != 0 || c->over_cap_fen != 0 ||
             c->emp_no[0] != '\0' || c->base_fen < 0 || c->lump_months < 1 ||
             c->base_fen > INT64_MAX / c->lump_months || c->employee_fen != c->pool_fen ||
             c->base_fen * c->lump_months != c->pool_fen))
            return "pool is not base x months (lump sum)";
        if (c->base_fen < 0 || c->employer_fen < 0 || c->employee_fen < 0 || c->account_fen < 0 ||
            c->over_cap_fen < 0 || (!retired && c->pool_fen < 0))
            return "a figure is negative";
        if (retired && c->pool_fen + c->account_fen != 0)
            return "pool + account is not 0 (retired)";
        if (!retired && c->employer_fen + c->employee_fen != c->pool_fen + c->account_fen)
            return "employer + employee is not pool + account";
        return NULL;
    }
    if (c->premium_fen < 0 || c->assisted_fen < 0 || c->own_fen < 0 || c->subsidy_fen < 0 ||
        c->catastrophic_fen < 0 || c->pool_fen < 0)
        return "a figure is negative";
    if (strcmp(c->category, CONTRIB_PREMIUM_PAID) == 0 &&
        (c->own_fen <= 0 || c->subsidy_fen != 0 || c->catastrophic_fen != 0 || c->pool_fen != 0 ||
         c->own_fen + c->assisted_fen != c->premium_fen))
        return "own is not premium - assisted, or a pool figure is not 0 (premium paid)";
    if (strcmp(c->category, CONTRIB_PREMIUM_PAID) == 0) return NULL;
    if (c->own_fen + c->assisted_fen != c->premium_fen) return "own + assisted is not premium";
    if (c->own_fen + c->assisted_fen + c->subsidy_fen != c->pool_fen + c->catastrophic_fen)
        return "own + assisted + subsidy is not pool + catastrophic";
    return NULL;
}

int store_enrol_scan(struct store *store, enum enrol_kind kind, const char *who, enrol_cb cb,
                     void *ctx, struct store_err *err) {
    assert(store != NULL && cb != NULL && kind < ENROL_KIND_COUNT);
    return store_ops(store)->enrol_scan(store_conn(store), kind, who, cb, ctx, err);
}

/* ---- one batch ------------------------------------------------------------------ */
struct contrib_batch {
    size_t cap;                     /* items a commit may hold */
    struct journal_rec *found_recs; /* scratch for journal_by_msgid */
    bool *found;
    const char **msgids;
    struct journal_rec *recs; /* to append */
    struct posting *postings;
    struct balance_delta *deltas;
    size_t rec_count, posting_count, delta_count;
};

static int delta_order(const void *a, const void *b) {
    return strcmp(((const struct balance_delta *)a)->account,
                  ((const struct balance_delta *)b)->account);
}

/* The postings' effect on the accounts, one delta per account, sorted. */
static void batch_deltas(struct contrib_batch *b) {
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
    qsort(b->deltas, b->delta_count, sizeof *b->deltas, delta_order);
    size_t out = 0;
    for (size_t i = 0; i < b->delta_count; i++) {
        if (out > 0 && strcmp(b->deltas[out - 1].account, b->deltas[i].account) == 0)
            b->deltas[out - 1].delta_fen += b->deltas[i].delta_fen;
        else b->deltas[out++] = b->deltas[i];
    }
    b->delta_count = out;
}

/* The record of item at seq after prev_hash, and its postings. */
static int batch_record(struct contrib_batch *b, const struct store_contrib_item *item, int64_t seq,
                        int64_t time_us, const char *prev_hash, struct store_err *err) {
    struct journal_rec *rec = &b->recs[b->rec_count];
    memset(rec, 0, sizeof *rec);
    rec->seq = seq;
    rec->time_us = time_us;
    rec->kind = JOURNAL_CONTRIB;
    snprintf(rec->msgid, sizeof rec->msgid, "%s", item->msgid);
    snprintf(rec->psn_no, sizeof rec->psn_no, "%s", item->psn_no);
    rec->year = item->c.year;
    if (contrib_encode(&item->c, rec->body, sizeof rec->body) != 0)
        return store_errf(err, "contribution of %s: the record's body does not fit", item->psn_no),
               -1;
    /* the request: the person and the inputs and figures of the body */
    char req[CODE_BYTES_MAX + JOURNAL_BODY_BYTES_MAX + 3];
    int n = snprintf(req, sizeof req, "%s\n%s", rec->psn_no, rec->body);
    assert(n > 0 && (size_t)n < sizeof req);
    sha256_hex(req, (size_t)n, rec->req_hash);
    memcpy(rec->prev_hash, prev_hash, HASH_HEX_BYTES + 1);
    journal_hash(rec, rec->hash);
    int count = contrib_postings(rec, &item->c, &b->postings[b->posting_count]);
    b->posting_count += (size_t)count;
    b->rec_count++;
    return 0;
}

/* A premium paid from a holder's account (FUNDS.md §5) reads the balance
 * in the commit's own transaction, after the catch-up, so a settlement
 * spending the account meanwhile cannot take it below 0: 2 with err
 * (E_ACCOUNT_SHORT) when an item would, 0 when none, -1 storage. */
static int accounts_cover(struct store *store, const struct store_contrib_item *items, size_t n,
                          const bool *found, struct store_err *err) {
    assert(store != NULL && items != NULL && found != NULL);
    for (size_t i = 0; i < n; i++) {
        const struct store_contrib *c = &items[i].c;
        if (found[i] || c->payer_psn_no[0] == '\0' ||
            strcmp(c->category, CONTRIB_PREMIUM_PAID) != 0)
            continue;
        char acct[ACCOUNT_BYTES_MAX + 1];
        const char *key = acct;
        int64_t balance_fen = 0;
        bool has = false;
        account_person(acct, c->payer_psn_no);
        if (store_ops(store)->balances_get(store_conn(store), &key, 1, &balance_fen, &has, err) !=
            0)
            return -1;
        if (!has) balance_fen = 0;
        if (balance_fen < c->own_fen)
            return store_errf(err,
                              "E_ACCOUNT_SHORT: %s holds %" PRId64 ".%02" PRId64
                              " yuan, the premium is %" PRId64 ".%02" PRId64 " yuan",
                              acct, balance_fen / 100, balance_fen % 100, c->own_fen / 100,
                              c->own_fen % 100),
                   2;
    }
    return 0;
}

static int batch_write(struct store *store, const struct store_contrib_item *items, size_t n,
                       bool *posted, struct contrib_batch *b, struct store_err *err) {
    const struct store_backend *ops = store_ops(store);
    struct store_conn *c = store_conn(store);
    int64_t checkpoint_seq = 0, tail_seq = 0;
    if (checkpoint_catch_up(store, &checkpoint_seq, &tail_seq, err) != 0) return -1;
    for (size_t i = 0; i < n; i++) b->msgids[i] = items[i].msgid;
    if (ops->journal_by_msgid(c, b->msgids, n, b->found_recs, b->found, err) != 0) return -1;
    int covered = accounts_cover(store, items, n, b->found, err);
    if (covered != 0) return covered;
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
        if (batch_record(b, &items[i], ++seq, now, prev, err) != 0) return -1;
        memcpy(prev, b->recs[b->rec_count - 1].hash, sizeof prev);
    }
    if (b->rec_count == 0) return 0;
    batch_deltas(b);
    if (ops->journal_append(c, b->recs, b->rec_count, err) != 0 ||
        ops->postings_put(c, b->postings, b->posting_count, err) != 0 ||
        ops->balances_add(c, b->deltas, b->delta_count, err) != 0)
        return -1;
    return ops->checkpoint_put(c, seq, err);
}

struct contrib_batch *store_contrib_batch_new(size_t n) {
    assert(n >= 1 && n <= CONTRIB_COMMIT_MAX);
    struct contrib_batch *b = calloc(1, sizeof *b);
    if (b == NULL) return NULL;
    b->cap = n;
    b->found_recs = malloc(n * sizeof *b->found_recs);
    b->found = calloc(n, sizeof *b->found);
    b->msgids = calloc(n, sizeof *b->msgids);
    b->recs = malloc(n * sizeof *b->recs);
    b->postings = malloc(n * CONTRIB_POSTINGS_MAX * sizeof *b->postings);
    b->deltas = malloc(2 * n * CONTRIB_POSTINGS_MAX * sizeof *b->deltas);
    if (b->found_recs == NULL || b->found == NULL || b->msgids == NULL || b->recs == NULL ||
        b->postings == NULL || b->deltas == NULL) {
        store_contrib_batch_free(b);
        return NULL;
    }
    return b;
}

void store_contrib_batch_free(struct contrib_batch *b) {
    if (b == NULL) return;
    assert(b->cap >= 1);
    free(b->found_recs);
    free(b->found);
    free(b->msgids);
    free(b->recs);
    free(b->postings);
    free(b->deltas);
    free(b);
}

int store_contrib_commit(struct store *store, struct contrib_batch *b,
                         const struct store_contrib_item *items, size_t n, bool *posted,
                         struct store_err *err) {
    assert(store != NULL && b != NULL && items != NULL && posted != NULL);
    assert(n >= 1 && n <= b->cap);
    b->rec_count = b->posting_count = b->delta_count = 0;
    const struct store_backend *ops = store_ops(store);
    int rc = ops->begin(store_conn(store), err);
    if (rc == 0) {
        rc = batch_write(store, items, n, posted, b, err);
        if (rc == 0) rc = ops->commit(store_conn(store), err);
        if (rc != 0) ops->rollback(store_conn(store));
    }
    if (rc != 0) memset(posted, 0, n * sizeof *posted);
    return rc;
}
