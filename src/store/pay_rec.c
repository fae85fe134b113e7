/* pay_rec.c: monthly payment records in the journal (issue 17 item 3;
 * FUNDS.md §7; docs/PAYMENT.md): one record per institution and month
 * (and a catch-up record when settlements of the month came after its
 * first run), its body the month's payable per policy year with the
 * deposit withheld, its postings (ledger.c, pay_postings) in the same
 * transaction.
 *
 * Idempotency lives in the journal, as for contributions: the msgid names
 * the institution and the month, the journal's msgid is unique, and a
 * commit reads the msgids it is about to write inside its own write
 * transaction and writes only those not there. Each commit catches the
 * tables up to the journal first and moves the checkpoint to its own last
 * record, so payment records never sit after the checkpoint. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/checkpoint.h"
#include "store/store.h"

_Static_assert(PAY_POSTINGS_MAX <= POSTINGS_PER_RECORD_MAX,
               "a payment's postings fit where a record's postings are read");

int pay_msgid(char out[MSGID_BYTES_MAX + 1], const char *code, int32_t year, int32_t month,
              int32_t n) {
    assert(out != NULL && code != NULL && n >= 1);
    assert(month >= 1 && month <= 12);
    int len = n == 1 ? snprintf(out, MSGID_BYTES_MAX + 1, "pay/%s/%04d-%02d", code, (int)year,
                                (int)month)
                     : snprintf(out, MSGID_BYTES_MAX + 1, "pay/%s/%04d-%02d/%d", code, (int)year,
                                (int)month, (int)n);
    return len > 0 && len <= MSGID_BYTES_MAX ? 0 : -1;
}

/* A code the body can hold: not empty, no space, no '=', no ':'. */
static bool body_code(const char *s) {
    assert(s != NULL);
    if (s[0] == '\0') return false;
    for (const char *p = s; *p; p++)
        if (*p == ' ' || *p == '=' || *p == ':' || (unsigned char)*p < 0x21) return false;
    return true;
}

int pay_encode(const struct store_pay *p, char *body, size_t size) {
    assert(p != NULL && body != NULL && size > 0);
    assert(p->part_count >= 1 && p->part_count <= PAY_PARTS_MAX);
    if (!body_code(p->code)) return -1;
    int n = snprintf(body, size,
                     "month=%04d-%02d inst=%s payable=%" PRId64 " withhold=%" PRId64
                     " paid=%" PRId64 " parts=%d",
                     (int)p->year, (int)p->month, p->code, p->payable_fen, p->withhold_fen,
                     p->paid_fen, (int)p->part_count);
    for (int32_t i = 0; i < p->part_count && n > 0 && (size_t)n < size; i++) {
        const struct store_pay_part *q = &p->parts[i];
        n += snprintf(body + n, size - (size_t)n, " p.%d=%04d:%" PRId64 ":%" PRId64, (int)i,
                      (int)q->year, q->payable_fen, q->withhold_fen);
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

/* An integer as encode writes one: '-'?, digits without a leading zero. */
static bool canonical_int(const char *val, size_t len, int64_t *out) {
    assert(val != NULL && out != NULL);
    const char *d = len > 0 && val[0] == '-' ? val + 1 : val;
    size_t dlen = len - (size_t)(d - val);
    if (dlen == 0 || dlen > 18 || strspn(d, "0123456789") < dlen) return false;
    if (d[0] == '0' && (dlen > 1 || d != val)) return false;
    int64_t v = 0;
    for (size_t i = 0; i < dlen; i++) v = v * 10 + (d[i] - '0');
    *out = d != val ? -v : v;
    return true;
}

static bool take_i64(const char **p, const char *key, int64_t *out) {
    char val[24];
    assert(out != NULL);
    return take(p, key, val, sizeof val) && canonical_int(val, strlen(val), out);
}

static bool take_month(const char **p, struct store_pay *out) {
    char val[16];
    assert(out != NULL);
    if (!take(p, "month", val, sizeof val) || strlen(val) != 7 || val[4] != '-' ||
        strspn(val, "0123456789") != 4 || strspn(val + 5, "0123456789") != 2)
        return false;
    out->year = (int32_t)strtol(val, NULL, 10);
    out->month = (int32_t)strtol(val + 5, NULL, 10);
    return out->year >= MONTH_YEAR_MIN && out->year <= MONTH_YEAR_MAX && out->month >= 1 &&
           out->month <= 12;
}

/* "p.<i>=YEAR:PAYABLE:WITHHOLD" */
static bool take_part(const char **p, int32_t i, struct store_pay_part *q) {
    char key[8], val[64];
    assert(q != NULL && i >= 0 && i < PAY_PARTS_MAX);
    snprintf(key, sizeof key, "p.%d", (int)i);
    if (!take(p, key, val, sizeof val)) return false;
    char *c1 = strchr(val, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    int64_t y = 0;
    if (c2 == NULL || !canonical_int(val, (size_t)(c1 - val), &y) ||
        !canonical_int(c1 + 1, (size_t)(c2 - c1 - 1), &q->payable_fen) ||
        !canonical_int(c2 + 1, strlen(c2 + 1), &q->withhold_fen))
        return false;
    q->year = (int32_t)y;
    return y >= MONTH_YEAR_MIN && y <= MONTH_YEAR_MAX;
}

int pay_decode(const char *body, struct store_pay *out, const char **bad_key) {
    assert(body != NULL && out != NULL && bad_key != NULL);
    memset(out, 0, sizeof *out);
    const char *p = body, *bad = NULL;
    int64_t parts = 0;
    if (!take_month(&p, out)) bad = "month";
    else if (!take(&p, "inst", out->code, sizeof out->code) || !body_code(out->code)) bad = "inst";
    else if (!take_i64(&p, "payable", &out->payable_fen)) bad = "payable";
    else if (!take_i64(&p, "withhold", &out->withhold_fen)) bad = "withhold";
    else if (!take_i64(&p, "paid", &out->paid_fen)) bad = "paid";
    else if (!take_i64(&p, "parts", &parts) || parts < 1 || parts > PAY_PARTS_MAX) bad = "parts";
    out->part_count = bad == NULL ? (int32_t)parts : 0;
    for (int32_t i = 0; bad == NULL && i < out->part_count; i++)
        if (!take_part(&p, i, &out->parts[i])) bad = "p.";
    if (bad == NULL && *p != '\0') bad = "end";
    if (bad == NULL && pay_identity_error(out) != NULL) bad = "figures";
    *bad_key = bad;
    return bad == NULL ? 0 : -1;
}

const char *pay_identity_error(const struct store_pay *p) {
    assert(p != NULL);
    if (p->part_count < 1 || p->part_count > PAY_PARTS_MAX) return "no parts";
    int64_t payable = 0, withhold = 0;
    for (int32_t i = 0; i < p->part_count; i++) {
        const struct store_pay_part *q = &p->parts[i];
        /* a first record withholds a share of a positive payable; a catch-up
         * record may give some back (its month's payable fell since) */
        if (q->payable_fen == 0 && q->withhold_fen == 0) return "a part of zero";
        if (i > 0 && q->year <= p->parts[i - 1].year) return "parts not in year order";
        payable += q->payable_fen;
        withhold += q->withhold_fen;
    }
    if (payable != p->payable_fen) return "payable is not the sum of the parts";
    if (withhold != p->withhold_fen) return "withhold is not the sum of the parts";
    if (p->paid_fen != p->payable_fen - p->withhold_fen) return "paid is not payable - withhold";
    return NULL;
}

/* ---- one commit ---------------------------------------------------------------- */
struct pay_batch {
    struct journal_rec *found_recs, *recs;
    bool *found;
    const char **msgids;
    struct posting *postings;
    struct balance_delta *deltas;
    size_t rec_count, posting_count, delta_count;
};

static int delta_order(const void *a, const void *b) {
    return strcmp(((const struct balance_delta *)a)->account,
                  ((const struct balance_delta *)b)->account);
}

/* The postings' effect on the accounts, one delta per account, sorted. */
static void batch_deltas(struct pay_batch *b) {
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
    if (b->delta_count > 0) qsort(b->deltas, b->delta_count, sizeof *b->deltas, delta_order);
    size_t out = 0;
    for (size_t i = 0; i < b->delta_count; i++) {
        if (out > 0 && strcmp(b->deltas[out - 1].account, b->deltas[i].account) == 0)
            b->deltas[out - 1].delta_fen += b->deltas[i].delta_fen;
        else b->deltas[out++] = b->deltas[i];
    }
    b->delta_count = out;
}

static int batch_record(struct pay_batch *b, const struct store_pay_item *item, int64_t seq,
                        int64_t time_us, const char *prev_hash, struct store_err *err) {
    assert(b != NULL && item != NULL && seq >= 1);
    struct journal_rec *rec = memset(&b->recs[b->rec_count], 0, sizeof *b->recs);
    rec->seq = seq;
    rec->time_us = time_us;
    rec->kind = item->kind;
    snprintf(rec->msgid, sizeof rec->msgid, "%s", item->msgid);
    bool pay = item->kind == JOURNAL_PAY;
    assert(pay || item->kind == JOURNAL_YEAR_END);
    rec->year = pay ? item->p.year : item->y.year;
    if (pay ? pay_identity_error(&item->p) != NULL ||
                  pay_encode(&item->p, rec->body, sizeof rec->body) != 0
            : year_end_identity_error(&item->y) != NULL ||
                  year_end_encode(&item->y, rec->body, sizeof rec->body) != 0)
        return store_errf(err, "%s: the record's body does not fit", item->msgid), -1;
    char req[MSGID_BYTES_MAX + JOURNAL_BODY_BYTES_MAX + 3];
    int n = snprintf(req, sizeof req, "%s\n%s", rec->msgid, rec->body);
    assert(n > 0 && (size_t)n < sizeof req);
    sha256_hex(req, (size_t)n, rec->req_hash);
    memcpy(rec->prev_hash, prev_hash, HASH_HEX_BYTES + 1);
    journal_hash(rec, rec->hash);
    struct posting *post = &b->postings[b->posting_count];
    b->posting_count += (size_t)(pay ? pay_postings(rec, &item->p, post)
                                     : year_end_postings(rec, &item->y, post));
    b->rec_count++;
    return 0;
}

static int batch_write(struct store *store, const struct store_pay_item *items, size_t n,
                       bool *posted, struct pay_batch *b, struct store_err *err) {
    const struct store_backend *ops = store_ops(store);
    struct store_conn *c = store_conn(store);
    assert(n >= 1 && n <= BATCH_MAX);
    int64_t checkpoint_seq = 0, tail_seq = 0;
    if (checkpoint_catch_up(store, &checkpoint_seq, &tail_seq, err) != 0) return -1;
    for (size_t i = 0; i < n; i++) b->msgids[i] = items[i].msgid;
    if (ops->journal_by_msgid(c, b->msgids, n, b->found_recs, b->found, err) != 0) return -1;
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
        (b->posting_count > 0 && ops->postings_put(c, b->postings, b->posting_count, err) != 0) ||
        (b->delta_count > 0 && ops->balances_add(c, b->deltas, b->delta_count, err) != 0))
        return -1;
    return ops->checkpoint_put(c, seq, err);
}

static void batch_free(struct pay_batch *b) {
    assert(b != NULL);
    free(b->found_recs);
    free(b->recs);
    free(b->found);
    free(b->msgids);
    free(b->postings);
    free(b->deltas);
}

int store_pay_commit(struct store *store, const struct store_pay_item *items, size_t n,
                     bool *posted, struct store_err *err) {
    assert(store != NULL && items != NULL && posted != NULL);
    assert(n >= 1 && n <= BATCH_MAX);
    struct pay_batch b = {malloc(n * sizeof *b.found_recs),
                          malloc(n * sizeof *b.recs),
                          calloc(n, sizeof *b.found),
                          calloc(n, sizeof *b.msgids),
                          malloc(n * PAY_POSTINGS_MAX * sizeof *b.postings),
                          malloc(2 * n * PAY_POSTINGS_MAX * sizeof *b.deltas),
                          0,
                          0,
                          0};
    int rc = -1;
    if (!b.found_recs || !b.recs || !b.found || !b.msgids || !b.postings || !b.deltas)
        store_errf(err, "pay: out of memory");
    else if ((rc = store_ops(store)->begin(store_conn(store), err)) == 0) {
        rc = batch_write(store, items, n, posted, &b, err);
        if (rc == 0) rc = store_ops(store)->commit(store_conn(store), err);
        if (rc != 0) store_ops(store)->rollback(store_conn(store));
    }
    if (rc != 0) memset(posted, 0, n * sizeof *posted);
    batch_free(&b);
    return rc;
}
