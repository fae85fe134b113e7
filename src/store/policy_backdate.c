/* policy_backdate.c: the settlements a new policy version would reach back
 * over.
 *
 * A version names the day it is in force from (valid_from), and a bill is
 * settled under the version in force at its endtime. A version imported
 * with a valid_from before bills of its scheme that are settled already
 * would leave those bills under the rules that were in force when they
 * were settled while later bills of the same days settle under the new
 * ones: two answers for the same day, decided by when the hospital sent
 * the bill. The import refuses such a version and names the bills
 * (import.c); this file finds them.
 *
 * The journal is read in windows of seq (a window's records, then their
 * attached bills, then which of the matching ones are revoked), so that
 * memory stays bounded whatever the journal's length. A settlement whose
 * bill is not kept (a store of a release before bills were journaled) has
 * no endtime to compare and is not counted. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

#define BACKDATE_WINDOW_SEQS 4096 /* journal records read per window */

struct backdate_scan {
    const struct policy *version;
    int64_t seqs[BACKDATE_WINDOW_SEQS]; /* the window's settlements of the version's key */
    size_t seq_count;
    int64_t late[BACKDATE_WINDOW_SEQS]; /* ... whose bill ends on or after valid_from */
    datetime_s late_end[BACKDATE_WINDOW_SEQS];
    size_t late_count;
    struct bill_line *lines; /* a bill's lines while its blob is decoded */
    struct store_backdate *out;
};

/* A settlement record of the version's region, year and scheme. */
static int window_record(void *ctx, const struct journal_rec *rec) {
    struct backdate_scan *s = ctx;
    assert(s != NULL && rec != NULL && s->seq_count < BACKDATE_WINDOW_SEQS);
    if (rec->kind != JOURNAL_SETTLE || rec->year != s->version->year) return 0;
    struct store_settlement stl;
    const char *bad = NULL;
    if (settlement_decode(rec->body, &stl, &bad) != 0) return 0; /* check names it */
    if (stl.insutype != s->version->insutype || strcmp(stl.region, s->version->region) != 0)
        return 0;
    s->seqs[s->seq_count++] = rec->seq;
    return 0;
}

static int seq_order(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* A window's attached data: the matching settlements' bills, by endtime. */
static int window_bill(void *ctx, const struct journal_data *data) {
    struct backdate_scan *s = ctx;
    assert(s != NULL && data != NULL && s->late_count <= s->seq_count);
    if (bsearch(&data->seq, s->seqs, s->seq_count, sizeof s->seqs[0], seq_order) == NULL) return 0;
    struct bill bill;
    if (bill_blob_decode(data->bytes, data->len, &bill, s->lines, BILL_LINES_MAX) != 0 ||
        !bill.dates_ok || bill.endtime < s->version->valid_from)
        return 0;
    s->late[s->late_count] = data->seq;
    s->late_end[s->late_count++] = bill.endtime;
    return 0;
}

/* The window's late settlements that no revoke undid, into out. */
static int window_count(struct store *store, struct backdate_scan *s, struct store_err *err) {
    bool revoked[BACKDATE_WINDOW_SEQS];
    assert(s->late_count <= BACKDATE_WINDOW_SEQS);
    if (s->late_count == 0) return 0;
    if (store_ops(store)->journal_revoked(store_conn(store), s->late, s->late_count, revoked,
                                          err) != 0)
        return -1;
    for (size_t i = 0; i < s->late_count; i++) {
        if (revoked[i]) continue;
        struct store_backdate *o = s->out;
        o->count++;
        if (o->count == 1 || s->late_end[i] > o->latest_endtime) {
            o->latest_endtime = s->late_end[i];
            o->latest_setl_id = s->late[i];
        }
    }
    assert(s->out->count >= 0);
    return 0;
}

int store_policy_backdated(struct store *store, const struct policy *version,
                           struct store_backdate *out, struct store_err *err) {
    assert(store != NULL && version != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    struct journal_rec last;
    bool found = false;
    if (store_ops(store)->journal_tail(store_conn(store), &last, &found, err) != 0) return -1;
    if (!found) return 0;
    struct backdate_scan *s = calloc(1, sizeof *s);
    struct bill_line *lines = calloc(BILL_LINES_MAX, sizeof *lines);
    int rc = 0;
    if (s == NULL || lines == NULL) rc = -1, store_errf(err, "policy import: out of memory");
    for (int64_t from = 1; rc == 0 && from <= last.seq; from += BACKDATE_WINDOW_SEQS) {
        int64_t to = from + BACKDATE_WINDOW_SEQS - 1;
        *s = (struct backdate_scan){.version = version, .lines = lines, .out = out};
        rc = store_journal_range(store, from, to, window_record, s, err);
        if (rc == 0 && s->seq_count > 0) /* seq order already: bsearch needs it */
            rc = store_ops(store)->data_scan(store_conn(store), s->seqs[0],
                                             s->seqs[s->seq_count - 1], window_bill, s, err);
        if (rc == 0) rc = window_count(store, s, err);
    }
    free(lines);
    free(s);
    assert(rc != 0 || out->count >= 0);
    return rc;
}
