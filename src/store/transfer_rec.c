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
 * finds it and writes nothing. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "store/checkpoint.h"
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

/* A code the body can hold: not empty, no space, '=' or control byte. */
static bool body_code(const char *s) {
    assert(s != NULL);
    if (s[0] == '\0') return false;
    for (; *s != '\0'; s++)
        if ((unsigned char)*s <= ' ' || *s == '=') return false;
    return true;
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
    if (!body_code(t->psn_no) || !body_code(t->from_region) || !body_code(t->to_region)) return -1;
    int n = snprintf(body, size,
                     "scheme=310 psn=%s from=%s to=%s month=%04d-%02d from_here=%d to_here=%d"
                     " amount=%" PRId64 " months=%d",
                     t->psn_no, t->from_region, t->to_region, (int)t->year, (int)t->month,
                     t->from_here ? 1 : 0, t->to_here ? 1 : 0, t->amount_fen, (int)t->months);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

/* The value of key in body (up to the next space) into out; false when
 * missing or too long. */
static bool value_of(const char *body, const char *key, char *out, size_t size) {
    assert(body != NULL && key != NULL && out != NULL);
    size_t klen = strlen(key);
    for (const char *p = body; p != NULL && *p != '\0'; p = strchr(p, ' ')) {
        if (*p == ' ') p++;
        if (strncmp(p, key, klen) != 0 || p[klen] != '=') continue;
        const char *v = p + klen + 1, *end = strchr(v, ' ');
        size_t len = end != NULL ? (size_t)(end - v) : strlen(v);
        if (len == 0 || len >= size) return false;
        memcpy(out, v, len);
        out[len] = '\0';
        return true;
    }
    return false;
}

/* A non-negative integer of at most 15 digits. */
static bool number_of(const char *text, int64_t *out) {
    assert(text != NULL && out != NULL);
    int64_t v = 0;
    size_t i = 0;
    for (; text[i] >= '0' && text[i] <= '9' && i < 15; i++) v = v * 10 + (text[i] - '0');
    if (i == 0 || text[i] != '\0') return false;
    *out = v;
    return true;
}

static bool flag_of(const char *body, const char *key, bool *out) {
    char v[4];
    if (!value_of(body, key, v, sizeof v) || (strcmp(v, "0") != 0 && strcmp(v, "1") != 0))
        return false;
    *out = v[0] == '1';
    return true;
}

int transfer_decode(const char *body, struct store_transfer *out, const char **bad_key) {
    assert(body != NULL && out != NULL && bad_key != NULL);
    memset(out, 0, sizeof *out);
    char v[32];
    int64_t n = 0;
    int y = 0, m = 0, used = 0;
    if (strncmp(body, "scheme=310 ", 11) != 0) return *bad_key = "scheme", -1;
    if (!value_of(body, "psn", out->psn_no, sizeof out->psn_no)) return *bad_key = "psn", -1;
    if (!value_of(body, "from", out->from_region, sizeof out->from_region))
        return *bad_key = "from", -1;
    if (!value_of(body, "to", out->to_region, sizeof out->to_region)) return *bad_key = "to", -1;
    if (!value_of(body, "month", v, sizeof v) || sscanf(v, "%4d-%2d%n", &y, &m, &used) != 2 ||
        used != 7 || v[7] != '\0')
        return *bad_key = "month", -1;
    out->year = y, out->month = m;
    if (!flag_of(body, "from_here", &out->from_here)) return *bad_key = "from_here", -1;
    if (!flag_of(body, "to_here", &out->to_here)) return *bad_key = "to_here", -1;
    if (!value_of(body, "amount", v, sizeof v) || !number_of(v, &out->amount_fen))
        return *bad_key = "amount", -1;
    if (!value_of(body, "months", v, sizeof v) || !number_of(v, &n) || n > 1200000)
        return *bad_key = "months", -1;
    out->months = (int32_t)n;
    if (transfer_identity_error(out) != NULL) return *bad_key = "figures", -1;
    char again[JOURNAL_BODY_BYTES_MAX + 1];
    if (transfer_encode(out, again, sizeof again) != 0 || strcmp(again, body) != 0)
        return *bad_key = "body", -1; /* one spelling only: the hash covers it */
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
    return count;
}

/* Builds the record of t after tail (seq, hash), its postings and the
 * balance deltas; 0, or -1 when the body does not fit. */
static int transfer_record(const struct store_transfer *t, const char *msgid,
                           const struct journal_rec *tail, bool has_tail, struct journal_rec *rec,
                           struct posting post[TRANSFER_POSTINGS_MAX], int *count) {
    assert(t != NULL && msgid != NULL && rec != NULL);
    memset(rec, 0, sizeof *rec);
    rec->seq = has_tail ? tail->seq + 1 : 1;
    rec->time_us = store_now_us();
    rec->kind = JOURNAL_TRANSFER;
    rec->year = t->year;
    snprintf(rec->msgid, sizeof rec->msgid, "%s", msgid);
    snprintf(rec->psn_no, sizeof rec->psn_no, "%s", t->psn_no);
    if (transfer_identity_error(t) != NULL || transfer_encode(t, rec->body, sizeof rec->body) != 0)
        return -1;
    char req[MSGID_BYTES_MAX + JOURNAL_BODY_BYTES_MAX + 3];
    int n = snprintf(req, sizeof req, "%s\n%s", rec->msgid, rec->body);
    assert(n > 0 && (size_t)n < sizeof req);
    sha256_hex(req, (size_t)n, rec->req_hash);
    if (has_tail) memcpy(rec->prev_hash, tail->hash, HASH_HEX_BYTES + 1);
    else memset(rec->prev_hash, '0', HASH_HEX_BYTES), rec->prev_hash[HASH_HEX_BYTES] = '\0';
    journal_hash(rec, rec->hash);
    *count = transfer_postings(rec, t, post);
    return 0;
}

/* The balance changes of the postings, one per account (a backend adds
 * each account once a statement): both regions here move P:<psn_no> out
 * and in again, no change, left out. Returns the count. */
static size_t transfer_deltas(const struct posting *post, int count,
                              struct balance_delta deltas[2 * TRANSFER_POSTINGS_MAX]) {
    size_t nd = 0;
    assert(count >= 0 && count <= TRANSFER_POSTINGS_MAX);
    for (int i = 0; i < 2 * count; i++) {
        const char *account = i % 2 == 0 ? post[i / 2].debit : post[i / 2].credit;
        int64_t delta = i % 2 == 0 ? post[i / 2].amount_fen : -post[i / 2].amount_fen;
        size_t k = 0;
        while (k < nd && strcmp(deltas[k].account, account) != 0) k++;
        if (k == nd) {
            snprintf(deltas[nd].account, sizeof deltas[nd].account, "%s", account);
            deltas[nd++].delta_fen = 0;
        }
        deltas[k].delta_fen += delta;
    }
    size_t out = 0;
    for (size_t k = 0; k < nd; k++)
        if (deltas[k].delta_fen != 0) deltas[out++] = deltas[k];
    return out;
}

/* Inside the write transaction: found (the record there), or the record
 * written with the balance read now. */
static int transfer_write(struct store *store, struct store_transfer *t, const char *msgid,
                          bool *posted, struct journal_rec *rec, struct store_err *err) {
    const struct store_backend *ops = store_ops(store);
    struct store_conn *c = store_conn(store);
    int64_t checkpoint_seq = 0, tail_seq = 0;
    assert(ops != NULL && t != NULL && msgid != NULL);
    if (checkpoint_catch_up(store, &checkpoint_seq, &tail_seq, err) != 0) return -1;
    bool found = false;
    const char *const keys[1] = {msgid};
    if (ops->journal_by_msgid(c, keys, 1, rec, &found, err) != 0) return -1;
    if (found) return *posted = false, 0;
    if (t->from_here) { /* the whole balance, as it is in this transaction */
        char person[ACCOUNT_BYTES_MAX + 1];
        const char *key = person;
        bool has = false;
        account_person(person, t->psn_no);
        if (ops->balances_get(c, &key, 1, &t->amount_fen, &has, err) != 0) return -1;
        if (!has) t->amount_fen = 0;
        if (t->amount_fen < 0)
            return store_errf(err, "P:%s holds a negative balance (run yibao check)", t->psn_no),
                   -1;
    }
    struct journal_rec tail;
    bool has_tail = false;
    if (ops->journal_tail(c, &tail, &has_tail, err) != 0) return -1;
    struct posting post[TRANSFER_POSTINGS_MAX];
    struct balance_delta deltas[2 * TRANSFER_POSTINGS_MAX];
    int count = 0;
    if (transfer_record(t, msgid, &tail, has_tail, rec, post, &count) != 0)
        return store_errf(err, "%s: the record's body does not fit", msgid), -1;
    size_t nd = transfer_deltas(post, count, deltas);
    *posted = true;
    if (ops->journal_append(c, rec, 1, err) != 0 ||
        (count > 0 && ops->postings_put(c, post, (size_t)count, err) != 0) ||
        (nd > 0 && ops->balances_add(c, deltas, nd, err) != 0))
        return -1;
    return ops->checkpoint_put(c, rec->seq, err);
}

int store_transfer_commit(struct store *store, struct store_transfer *t, bool *posted,
                          struct journal_rec *rec, struct store_err *err) {
    assert(store != NULL && t != NULL && posted != NULL && rec != NULL);
    char msgid[MSGID_BYTES_MAX + 1];
    *posted = false;
    if (transfer_msgid(msgid, t) != 0)
        return store_errf(err, "psn_no: %s is too long for a transfer's msgid", t->psn_no), -1;
    int rc = store_ops(store)->begin(store_conn(store), err);
    if (rc != 0) return rc;
    rc = transfer_write(store, t, msgid, posted, rec, err);
    if (rc == 0) rc = store_ops(store)->commit(store_conn(store), err);
    if (rc != 0) store_ops(store)->rollback(store_conn(store)), *posted = false;
    return rc;
}
