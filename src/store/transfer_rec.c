/* transfer_rec.c: transfers between regions (关系转移) in the journal
 * (issue 16 item 5; docs/ENROLMENT.md "Transfers between regions"): one
 * record per person, transfer and month (msgid
 * transfer/310/<psn_no>/<from>-<to>/<YYYY-MM>), its body the regions, the
 * balance moved and the months carried, its postings in the same
 * transaction:
 *   from region's books here: P:<psn_no> -> T:<from>:<year> (the balance
 *     paid out of the region's books: its transfer-out spending);
 *   to region's books here:   T:<to>:<year> -> P:<psn_no> (taken in: its
 *     transfer-in revenue).
 * Both here: the account's balance is unchanged, the two regions' lines
 * move. Outbound to outside: the account falls to 0. Inbound from
 * outside: the balance carried rises it.
 *
 * The balance paid out is the account's balance read inside the write
 * transaction that writes the record (after the tables are caught up to
 * the journal), so nothing settled between the read and the write. The
 * msgid is the journal's unique key: a second commit of the same transfer
 * finds it and writes nothing (record_batch.c writes it). */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "store/record_batch.h"
#include "store/record_body.h"
#include "store/store.h"

_Static_assert(TRANSFER_POSTINGS_MAX <= POSTINGS_PER_RECORD_MAX,
               "a transfer's postings fit where a record's postings are read");

int transfer_msgid(char out[MSGID_BYTES_MAX + 1], const struct store_transfer *t) {
    assert(out != NULL && t != NULL);
    assert(t->month >= 1 && t->month <= 12);
    int n = snprintf(out, MSGID_BYTES_MAX + 1, "transfer/310/%s/%s-%s/%04d-%02d", t->psn_no,
                     t->from_region, t->to_region, (int)t->year, (int)t->month);
    return n > 0 && n <= MSGID_BYTES_MAX ? 0 : -1;
}

void account_transfer(char *out, const char *region, int32_t year) {
    assert(out != NULL && region != NULL);
    assert(strlen(region) <= CODE_BYTES_MAX);
    snprintf(out, ACCOUNT_BYTES_MAX + 1, "T:%s:%d", region, (int)year);
}

const char *transfer_identity_error(const struct store_transfer *t) {
    assert(t != NULL);
    if (!t->from_here && !t->to_here) return "neither region's books are here";
    if (strcmp(t->from_region, t->to_region) == 0) return "from and to are one region";
    if (t->amount_fen < 0) return "a negative amount";
    if (t->months < 0) return "negative months";
    if (t->month < 1 || t->month > 12 || t->year < 1900 || t->year > 9800) return "no month";
    return NULL;
}

int transfer_encode(const struct store_transfer *t, char *body, size_t size) {
    assert(t != NULL && body != NULL);
    if (!body_code_ok(t->psn_no, false, NULL) || !body_code_ok(t->from_region, false, NULL) ||
        !body_code_ok(t->to_region, false, NULL))
        return -1;
    int n = snprintf(body, size,
                     "scheme=310 psn=%s from=%s to=%s month=%04d-%02d from_here=%d to_here=%d"
                     " amount=%" PRId64 " months=%d",
                     t->psn_no, t->from_region, t->to_region, (int)t->year, (int)t->month,
                     t->from_here ? 1 : 0, t->to_here ? 1 : 0, t->amount_fen, (int)t->months);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

/* "0" or "1" under key. */
static bool take_flag(const char **p, const char *key, bool *out) {
    int64_t v = 0;
    assert(p != NULL && out != NULL);
    if (!body_take_i64(p, key, &v) || (v != 0 && v != 1)) return false;
    *out = v == 1;
    return true;
}

/* "YYYY-MM" under month, digits only. */
static bool take_month(const char **p, struct store_transfer *out) {
    char v[16];
    assert(p != NULL && out != NULL);
    if (!body_take(p, "month", v, sizeof v) || strlen(v) != 7 || v[4] != '-' ||
        strspn(v, "0123456789") != 4 || strspn(v + 5, "0123456789") != 2)
        return false;
    out->year = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
    out->month = (v[5] - '0') * 10 + (v[6] - '0');
    return true;
}

int transfer_decode(const char *body, struct store_transfer *out, const char **bad_key) {
    assert(body != NULL && out != NULL && bad_key != NULL);
    memset(out, 0, sizeof *out);
    const char *p = body;
    int64_t scheme = 0, months = 0;
    if (!body_take_i64(&p, "scheme", &scheme) || scheme != 310) return *bad_key = "scheme", -1;
    if (!body_take(&p, "psn", out->psn_no, sizeof out->psn_no) ||
        !body_code_ok(out->psn_no, false, NULL))
        return *bad_key = "psn", -1;
    if (!body_take(&p, "from", out->from_region, sizeof out->from_region) ||
        !body_code_ok(out->from_region, false, NULL))
        return *bad_key = "from", -1;
    if (!body_take(&p, "to", out->to_region, sizeof out->to_region) ||
        !body_code_ok(out->to_region, false, NULL))
        return *bad_key = "to", -1;
    if (!take_month(&p, out)) return *bad_key = "month", -1;
    if (!take_flag(&p, "from_here", &out->from_here)) return *bad_key = "from_here", -1;
    if (!take_flag(&p, "to_here", &out->to_here)) return *bad_key = "to_here", -1;
    if (!body_take_i64(&p, "amount", &out->amount_fen) || out->amount_fen < 0)
        return *bad_key = "amount", -1;
    if (!body_take_i64(&p, "months", &months) || months < 0 || months > 1200000)
        return *bad_key = "months", -1;
    out->months = (int32_t)months;
    if (*p != '\0') return *bad_key = "body", -1; /* one spelling only: the hash covers it */
    if (transfer_identity_error(out) != NULL) return *bad_key = "figures", -1;
    return 0;
}

static void put(struct posting *out, int *count, const struct journal_rec *rec, const char *debit,
                const char *credit, int64_t amount_fen) {
    assert(*count < TRANSFER_POSTINGS_MAX && amount_fen > 0 && strcmp(debit, credit) != 0);
    struct posting *p = &out[*count];
    p->seq = rec->seq;
    p->idx = *count;
    snprintf(p->debit, sizeof p->debit, "%s", debit);
    snprintf(p->credit, sizeof p->credit, "%s", credit);
    p->amount_fen = amount_fen;
    (*count)++;
}

int transfer_postings(const struct journal_rec *rec, const struct store_transfer *t,
                      struct posting out[TRANSFER_POSTINGS_MAX]) {
    assert(rec != NULL && t != NULL && rec->kind == JOURNAL_TRANSFER);
    assert(transfer_identity_error(t) == NULL); /* decoded and checked by the caller */
    char person[ACCOUNT_BYTES_MAX + 1], acct[ACCOUNT_BYTES_MAX + 1];
    account_person(person, t->psn_no);
    int count = 0;
    if (t->amount_fen == 0) return 0; /* the months carry, no money moves */
    if (t->from_here) {
        account_transfer(acct, t->from_region, t->year);
        put(out, &count, rec, acct, person, t->amount_fen);
    }
    if (t->to_here) {
        account_transfer(acct, t->to_region, t->year);
        put(out, &count, rec, person, acct, t->amount_fen);
    }
    assert(t->month >= 1 && t->month <= 12);
    postings_month_set(out, count, t->year * 12 + t->month - 1); /* the month it takes effect */
    return count;
}

/* ---- one commit (record_batch.c) ------------------------------------------------ */
struct transfer_item {
    char msgid[MSGID_BYTES_MAX + 1];
    struct store_transfer *t; /* its amount set in the transaction (admit) */
};

static const char *transfer_item_msgid(const void *items, size_t i) {
    const struct transfer_item *item = (const struct transfer_item *)items + i;
    assert(item->msgid[0] != '\0');
    return item->msgid;
}

/* The balance paid out is the account's whole balance as it is in this
 * transaction (after the catch-up): nothing settled in between. */
static int transfer_admit(struct store *store, const void *items, size_t n, const bool *found,
                          struct store_err *err) {
    const struct transfer_item *item = items;
    assert(store != NULL && n == 1 && found != NULL);
    struct store_transfer *t = item->t;
    if (found[0] || !t->from_here) return 0;
    char person[ACCOUNT_BYTES_MAX + 1];
    const char *key = person;
    bool has = false;
    account_person(person, t->psn_no);
    if (store_ops(store)->balances_get(store_conn(store), &key, 1, &t->amount_fen, &has, err) != 0)
        return -1;
    if (!has) t->amount_fen = 0;
    if (t->amount_fen < 0)
        return store_errf(err, "P:%s holds a negative balance (run yibao check)", t->psn_no), -1;
    return 0;
}

static int transfer_item_fill(struct journal_rec *rec, const void *items, size_t i,
                              struct store_err *err) {
    const struct transfer_item *item = (const struct transfer_item *)items + i;
    const struct store_transfer *t = item->t;
    assert(rec != NULL && rec->seq >= 1);
    rec->kind = JOURNAL_TRANSFER;
    rec->year = t->year;
    snprintf(rec->msgid, sizeof rec->msgid, "%s", item->msgid);
    snprintf(rec->psn_no, sizeof rec->psn_no, "%s", t->psn_no);
    if (transfer_identity_error(t) != NULL || transfer_encode(t, rec->body, sizeof rec->body) != 0)
        return store_errf(err, "%s: the record's body does not fit", item->msgid), -1;
    record_req_hash(rec, rec->msgid);
    return 0;
}

static int transfer_item_postings(const struct journal_rec *rec, const void *items, size_t i,
                                  struct posting *out) {
    const struct transfer_item *item = (const struct transfer_item *)items + i;
    assert(rec != NULL && out != NULL);
    return transfer_postings(rec, item->t, out);
}

static const struct record_kind transfer_kind = {
    transfer_item_msgid,
    transfer_admit,
    transfer_item_fill,
    transfer_item_postings,
};

int store_transfer_commit(struct store *store, struct store_transfer *t, bool *posted,
                          struct journal_rec *rec, struct store_err *err) {
    assert(store != NULL && t != NULL && posted != NULL && rec != NULL);
    struct transfer_item item = {.t = t};
    *posted = false;
    if (transfer_msgid(item.msgid, t) != 0)
        return store_errf(err, "psn_no: %s is too long for a transfer's msgid", t->psn_no), -1;
    struct record_batch b;
    if (record_batch_init(&b, 1, TRANSFER_POSTINGS_MAX) != 0)
        return store_errf(err, "transfer: out of memory"), -1;
    int rc = record_batch_commit(store, &b, &transfer_kind, &item, 1, posted, err);
    if (rc == 0) *rec = *posted ? b.recs[0] : b.found_recs[0];
    record_batch_release(&b);
    return rc;
}
