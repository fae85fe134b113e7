/* pay_rec.c: monthly payment records in the journal (issue 17 item 3;
 * FUNDS.md §7; docs/PAYMENT.md): one record per institution and month
 * (and a catch-up record when settlements of the month came after its
 * first run), its body the month's payable per policy year with the
 * deposit withheld, its postings (ledger.c, pay_postings) in the same
 * transaction.
 *
 * The msgid names the institution and the month (year_end_rec.c: the
 * institution and the year), so each is written once whatever runs, reruns
 * or crashes happen: record_batch.c writes a batch of them exactly once,
 * in one transaction, and keeps them out of the readers' replay. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/record_batch.h"
#include "store/record_body.h"
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

int pay_encode(const struct store_pay *p, char *body, size_t size) {
    assert(p != NULL && body != NULL && size > 0);
    assert(p->part_count >= 1 && p->part_count <= PAY_PARTS_MAX);
    if (!body_code_ok(p->code, false, ":")) return -1;
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

static bool take_month(const char **p, struct store_pay *out) {
    char val[16];
    assert(out != NULL);
    if (!body_take(p, "month", val, sizeof val) || strlen(val) != 7 || val[4] != '-' ||
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
    if (!body_take(p, key, val, sizeof val)) return false;
    char *c1 = strchr(val, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    int64_t y = 0;
    if (c2 == NULL || !body_int(val, (size_t)(c1 - val), &y) ||
        !body_int(c1 + 1, (size_t)(c2 - c1 - 1), &q->payable_fen) ||
        !body_int(c2 + 1, strlen(c2 + 1), &q->withhold_fen))
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
    else if (!body_take(&p, "inst", out->code, sizeof out->code) ||
             !body_code_ok(out->code, false, ":"))
        bad = "inst";
    else if (!body_take_i64(&p, "payable", &out->payable_fen)) bad = "payable";
    else if (!body_take_i64(&p, "withhold", &out->withhold_fen)) bad = "withhold";
    else if (!body_take_i64(&p, "paid", &out->paid_fen)) bad = "paid";
    else if (!body_take_i64(&p, "parts", &parts) || parts < 1 || parts > PAY_PARTS_MAX)
        bad = "parts";
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

/* ---- one commit (record_batch.c) ------------------------------------------------ */
static const char *pay_item_msgid(const void *items, size_t i) {
    const struct store_pay_item *item = (const struct store_pay_item *)items + i;
    assert(item->msgid[0] != '\0');
    return item->msgid;
}

static int pay_item_fill(struct journal_rec *rec, const void *items, size_t i,
                         struct store_err *err) {
    const struct store_pay_item *item = (const struct store_pay_item *)items + i;
    bool pay = item->kind == JOURNAL_PAY;
    assert(pay || item->kind == JOURNAL_YEAR_END);
    rec->kind = item->kind;
    snprintf(rec->msgid, sizeof rec->msgid, "%s", item->msgid);
    rec->year = pay ? item->p.year : item->y.year;
    if (pay ? pay_identity_error(&item->p) != NULL ||
                  pay_encode(&item->p, rec->body, sizeof rec->body) != 0
            : year_end_identity_error(&item->y) != NULL ||
                  year_end_encode(&item->y, rec->body, sizeof rec->body) != 0)
        return store_errf(err, "%s: the record's body does not fit", item->msgid), -1;
    record_req_hash(rec, rec->msgid);
    return 0;
}

static int pay_item_postings(const struct journal_rec *rec, const void *items, size_t i,
                             struct posting *out) {
    const struct store_pay_item *item = (const struct store_pay_item *)items + i;
    assert(rec != NULL && out != NULL);
    return item->kind == JOURNAL_PAY ? pay_postings(rec, &item->p, out)
                                     : year_end_postings(rec, &item->y, out);
}

/* ---- a batch that checks the balances it relied on (the year-end: the deposits) ---- */
struct checked_items {
    const struct store_pay_item *items;
    const struct store_balance_expect *expect;
    size_t expect_n;
    const struct store_journal_watch *watch; /* NULL: none */
};

/* The first record after the read that the year-end depends on (seq 0:
 * none): a settlement or revoke of its year, or an import of what its
 * figures are computed from. */
struct late {
    const struct store_journal_watch *watch;
    int64_t seq;
    enum journal_kind kind;
    char code[CODE_BYTES_MAX + 1];
    char what[16]; /* an import's: payment, signings, institutions */
};

static const char *checked_msgid(const void *v, size_t i) {
    const struct checked_items *ci = v;
    assert(ci != NULL);
    return pay_item_msgid(ci->items, i);
}

/* The imports a year-end reads: the agreements (the terms), the
 * capitation signings, the institutions (a DIP institution's level). */
static const char *const WATCHED_IMPORTS[] = {"payment", "signings", "institutions"};

static int late_row(void *ctx, const struct journal_brief *rec) {
    struct late *l = ctx;
    assert(l != NULL && l->watch != NULL && rec != NULL && rec->seq > l->watch->read_seq);
    if (rec->kind == JOURNAL_IMPORT) {
        const char *body = rec->body != NULL ? rec->body : "";
        size_t i = 0, n = sizeof WATCHED_IMPORTS / sizeof *WATCHED_IMPORTS;
        for (; i < n; i++) {
            size_t len = strlen(WATCHED_IMPORTS[i]);
            if (strncmp(body, "what=", 5) == 0 && strncmp(body + 5, WATCHED_IMPORTS[i], len) == 0 &&
                (body[5 + len] == ' ' || body[5 + len] == '\0'))
                break;
        }
        if (i == n) return 0;
        snprintf(l->what, sizeof l->what, "%s", WATCHED_IMPORTS[i]);
    } else if (rec->year != l->watch->year) {
        return 0;
    }
    l->seq = rec->seq;
    l->kind = rec->kind;
    snprintf(l->code, sizeof l->code, "%s", rec->fixmedins_code ? rec->fixmedins_code : "");
    return 1; /* one is enough: stop */
}

/* The journal after the run's read holds no settlement or revoke of its
 * year and no import of agreements, signings or institutions (0), or the
 * batch is refused (2): the year-end's F would leave the settlement out,
 * or its figures would be computed on terms no longer in force. The
 * records are serial (a writer appends at the tail in its exclusive
 * transaction), so those after read_seq are exactly those the run's
 * snapshot did not see; every institution's are looked at, since a
 * settlement at one without an agreement refuses the year and one at a
 * DIP institution changes its region's shares. */
static int watch_admit(struct store *store, const struct store_journal_watch *w,
                       struct store_err *err) {
    assert(store != NULL && w != NULL && w->read_seq >= 0);
    uint32_t kinds = JOURNAL_KIND_BIT(JOURNAL_SETTLE) | JOURNAL_KIND_BIT(JOURNAL_REVOKE) |
                     JOURNAL_KIND_BIT(JOURNAL_IMPORT);
    struct late l = {.watch = w};
    if (store_ops(store)->journal_brief_scan(store_conn(store), w->read_seq + 1, kinds,
                                             JOURNAL_KIND_BIT(JOURNAL_IMPORT), late_row, &l,
                                             err) < 0)
        return -1;
    if (l.seq == 0) return 0;
    if (l.kind == JOURNAL_IMPORT)
        return store_errf(err,
                          "an import of %s (seq %" PRId64 ") was journaled after the year was"
                          " read (up to seq %" PRId64 "): the year-end would use the terms it"
                          " replaced",
                          l.what, l.seq, w->read_seq),
               2;
    return store_errf(err,
                      "%s seq %" PRId64 " of %d at %s was journaled after the year was read"
                      " (up to seq %" PRId64 "): the year-end's F would leave it out",
                      l.kind == JOURNAL_REVOKE ? "a revoke" : "a settlement", l.seq, (int)w->year,
                      l.code, w->read_seq),
           2;
}

#define CHECKED_CHUNK 256 /* balances read in one look-up */

/* Each balance expected is the account's in this transaction (after the
 * catch-up: every record before it counted), or the batch is refused: the
 * caller read the deposits and the cases deducting from them in one
 * snapshot, and a case decided (or a payment run) since would make its
 * figures wrong, a release of money already drawn among them. Every
 * account the run relies on is checked, not only this batch's, so a
 * change seen at the first batch leaves nothing written. A batch whose
 * every record is posted already writes nothing and relies on nothing:
 * admitted unchecked (a rerun of a settled year is not refused because
 * bills of the year are still being settled; those are late, not lost). */
static int checked_admit(struct store *store, const void *v, size_t n, const bool *found,
                         struct store_err *err) {
    const struct checked_items *ci = v;
    assert(store != NULL && ci != NULL && found != NULL && n >= 1);
    size_t to_post = 0;
    for (size_t i = 0; i < n; i++) to_post += !found[i];
    if (to_post == 0) return 0;
    const struct store_backend *ops = store_ops(store);
    const char *keys[CHECKED_CHUNK];
    int64_t now_fen[CHECKED_CHUNK];
    bool has[CHECKED_CHUNK];
    for (size_t at = 0; at < ci->expect_n; at += CHECKED_CHUNK) {
        size_t k = ci->expect_n - at < CHECKED_CHUNK ? ci->expect_n - at : CHECKED_CHUNK;
        for (size_t i = 0; i < k; i++) keys[i] = ci->expect[at + i].account;
        if (ops->balances_get(store_conn(store), keys, k, now_fen, has, err) != 0) return -1;
        for (size_t i = 0; i < k; i++) {
            const struct store_balance_expect *e = &ci->expect[at + i];
            int64_t fen = has[i] ? now_fen[i] : 0;
            if (fen != e->balance_fen)
                return store_errf(err,
                                  "%s holds %" PRId64 " fen now, %" PRId64
                                  " when the year was read (a case decided or a payment run"
                                  " committed meanwhile)",
                                  e->account, fen, e->balance_fen),
                       2;
        }
    }
    return ci->watch != NULL ? watch_admit(store, ci->watch, err) : 0;
}

static int checked_fill(struct journal_rec *rec, const void *v, size_t i, struct store_err *err) {
    const struct checked_items *ci = v;
    assert(ci != NULL);
    return pay_item_fill(rec, ci->items, i, err);
}

static int checked_postings(const struct journal_rec *rec, const void *v, size_t i,
                            struct posting *out) {
    const struct checked_items *ci = v;
    assert(ci != NULL);
    return pay_item_postings(rec, ci->items, i, out);
}

static const struct record_kind checked_kind = {
    checked_msgid,
    checked_admit,
    checked_fill,
    checked_postings,
};

int store_pay_commit_checked(struct store *store, const struct store_pay_item *items, size_t n,
                             const struct store_balance_expect *expect, size_t expect_n,
                             const struct store_journal_watch *watch, bool *posted,
                             struct store_err *err) {
    assert(store != NULL && items != NULL && posted != NULL);
    assert(n >= 1 && n <= BATCH_MAX && (expect != NULL || expect_n == 0));
    assert(watch == NULL || watch->read_seq >= 0);
    struct record_batch b;
    if (record_batch_init(&b, n, PAY_POSTINGS_MAX) != 0) {
        memset(posted, 0, n * sizeof *posted);
        return store_errf(err, "pay: out of memory"), -1;
    }
    struct checked_items ci = {
        .items = items, .expect = expect, .expect_n = expect_n, .watch = watch};
    int rc = record_batch_commit(store, &b, &checked_kind, &ci, n, posted, err);
    record_batch_release(&b);
    return rc;
}

/* A batch that relies on no balance: the checked commit with none expected. */
int store_pay_commit(struct store *store, const struct store_pay_item *items, size_t n,
                     bool *posted, struct store_err *err) {
    assert(store != NULL && items != NULL && posted != NULL);
    return store_pay_commit_checked(store, items, n, NULL, 0, NULL, posted, err);
}
