/* scan.c: the scans after settlement (scan.h). Three passes:
 *
 *   1. the journal, in seq order: the settlements of the year and the
 *      revokes (a revoked settlement is not scanned);
 *   2. each kept settlement's bill as the journal keeps it, read in
 *      ranges of seqs (store_settlement_bills), filtered to the period; meanwhile each item's
 *      quantities on outpatient, special and pharmacy bills, from which its
 *      usual largest quantity is taken (core/detect.h);
 *   3. the bills sorted by person and time, each person's registry row, and
 *      the detectors of core/detect.c over them;
 *   4. the pharmacy bills against the pharmacies' inventory feeds
 *      (scan_inventory.c: substitution).
 *
 * Everything is read from settlements, their fee lines, the registry and
 * the catalog: never labels or request-id patterns. Memory: every bill of
 * the period with its lines (about 200 bytes a line). */
#include "app/scan.h"
#include "app/array_room.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_S 86400
#define SCAN_CHUNK 20000 /* settlements whose bills one read brings */

struct scan_bill {
    int64_t seq;
    char msgid[MSGID_BYTES_MAX + 1];
    char psn_no[CODE_BYTES_MAX + 1];
    int64_t fund_paid_fen; /* the settlement's fund_pay_sumamt (only with person_cb) */
    struct bill bill;      /* lines owned */
};

struct qty {
    const char *code;
    int64_t cnt_scaled;
};

struct usual {
    const char *code;
    int64_t cnt_scaled;
};

struct scan {
    struct store *store;
    const struct scan_opts *opts;
    struct store_err *err;
    struct scan_bill *bills;
    size_t count, cap;
    int64_t *revoked; /* seqs revoked, sorted after pass 1 */
    size_t revoked_count, revoked_cap;
    struct usual *usual;
    size_t usual_count;
    int64_t *paid; /* one person's bills' fund paid (person_cb) */
    size_t paid_cap;
    const struct catalog *catalog;
    struct scan_totals *totals;
};

/* Pass 1: the settlements of the year and every revoke. */
static int journal_one(void *ctx, const struct journal_rec *rec) {
    struct scan *s = ctx;
    assert(s != NULL && rec != NULL);
    if (rec->kind == JOURNAL_REVOKE) {
        if (!app_array_room((void **)&s->revoked, &s->revoked_cap, s->revoked_count + 1,
                            sizeof(int64_t)))
            return store_errf(s->err, "scan: out of memory"), -1;
        s->revoked[s->revoked_count++] = rec->ref_seq;
        return 0;
    }
    if (rec->kind != JOURNAL_SETTLE || rec->year != s->opts->year) return 0;
    if (!app_array_room((void **)&s->bills, &s->cap, s->count + 1, sizeof *s->bills))
        return store_errf(s->err, "scan: out of memory"), -1;
    struct scan_bill *b = &s->bills[s->count++];
    memset(b, 0, sizeof *b);
    b->seq = rec->seq;
    /* the service stores "fixmedins_code:msgid" (svc.h); a file's bills the msgid */
    size_t code_len = strlen(rec->fixmedins_code);
    bool prefixed = code_len > 0 && strncmp(rec->msgid, rec->fixmedins_code, code_len) == 0 &&
                    rec->msgid[code_len] == ':';
    snprintf(b->msgid, sizeof b->msgid, "%s", rec->msgid + (prefixed ? code_len + 1 : 0));
    snprintf(b->psn_no, sizeof b->psn_no, "%s", rec->psn_no);
    if (s->opts->person_cb != NULL) { /* the indicators want the fund paid */
        struct store_settlement stl;
        const char *bad = NULL;
        if (settlement_decode(rec->body, &stl, &bad) != 0)
            return store_errf(s->err, "scan: settlement %" PRId64 ": bad body key %s", rec->seq,
                              bad ? bad : "?"),
                   -1;
        b->fund_paid_fen = stl.setl.fund_pay_sumamt;
    }
    return 0;
}

static int cmp_seq(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    assert(a != NULL && b != NULL);
    return (x > y) - (x < y);
}

static bool is_revoked(const struct scan *s, int64_t seq) {
    assert(s != NULL);
    return s->revoked_count > 0 &&
           bsearch(&seq, s->revoked, s->revoked_count, sizeof seq, cmp_seq) != NULL;
}

static bool in_period(const struct scan *s, const struct bill *b) {
    assert(s != NULL && b != NULL);
    if (s->opts->from > 0 && b->endtime / DAY_S < s->opts->from / DAY_S) return false;
    return s->opts->to <= 0 || b->endtime / DAY_S <= s->opts->to / DAY_S;
}

static struct scan_bill *bill_of_seq(const struct scan *s, int64_t seq) {
    size_t lo = 0, hi = s->count;
    assert(s != NULL);
    while (lo < hi) { /* the slots are in seq order (pass 1) */
        size_t mid = lo + (hi - lo) / 2;
        if (s->bills[mid].seq < seq) lo = mid + 1;
        else hi = mid;
    }
    return lo < s->count && s->bills[lo].seq == seq ? &s->bills[lo] : NULL;
}

static bool wanted(void *ctx, int64_t seq) {
    const struct scan *s = ctx;
    assert(s != NULL);
    return bill_of_seq(s, seq) != NULL && !is_revoked(s, seq);
}

/* Pass 2 for one settlement: its bill, lines copied, when in the period. */
static int keep_bill(void *ctx, int64_t seq, const struct bill *bill) {
    struct scan *s = ctx;
    struct scan_bill *sb = bill_of_seq(s, seq);
    assert(sb != NULL && bill != NULL && sb->bill.lines == NULL);
    if (!in_period(s, bill)) return 0;
    size_t n = (size_t)bill->line_count;
    struct bill_line *lines = malloc((n ? n : 1) * sizeof *lines);
    if (lines == NULL) return store_errf(s->err, "scan: out of memory"), -1;
    if (n > 0) memcpy(lines, bill->lines, n * sizeof *lines);
    sb->bill = *bill;
    sb->bill.lines = lines;
    s->totals->lines += (int64_t)n;
    return 0;
}

/* Pass 2: the bills, SCAN_CHUNK settlements a read; the slots without one
 * (revoked, out of the period) dropped. */
static int read_bills(struct scan *s) {
    size_t kept = 0;
    int rc = 0;
    assert(s != NULL);
    if (s->revoked_count > 0) qsort(s->revoked, s->revoked_count, sizeof(int64_t), cmp_seq);
    for (size_t i = 0; i < s->count; i++) s->totals->revoked += is_revoked(s, s->bills[i].seq);
    for (size_t lo = 0; lo < s->count && rc == 0; lo += SCAN_CHUNK) {
        size_t hi = lo + SCAN_CHUNK < s->count ? lo + SCAN_CHUNK : s->count;
        rc = store_settlement_bills(s->store, s->bills[lo].seq, s->bills[hi - 1].seq, wanted,
                                    keep_bill, s, s->err);
    }
    for (size_t i = 0; i < s->count; i++)
        if (s->bills[i].bill.lines != NULL) s->bills[kept++] = s->bills[i];
    s->count = kept;
    s->totals->settlements = (int64_t)kept;
    return rc != 0 ? -1 : 0;
}

static int cmp_qty(const void *a, const void *b) {
    const struct qty *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    assert(a != NULL && b != NULL);
    return c != 0 ? c : (x->cnt_scaled > y->cnt_scaled) - (x->cnt_scaled < y->cnt_scaled);
}

/* Each item's usual largest quantity over the period's lines of
 * outpatient, special and pharmacy bills. */
static int usual_quantities(struct scan *s) {
    size_t n = 0, items = 0;
    assert(s != NULL);
    for (size_t i = 0; i < s->count; i++)
        if (det_quantity_bill(s->bills[i].bill.med_type)) n += (size_t)s->bills[i].bill.line_count;
    struct qty *q = malloc((n ? n : 1) * sizeof *q);
    int64_t *cnt = malloc((n ? n : 1) * sizeof *cnt);
    s->usual = malloc((n ? n : 1) * sizeof *s->usual);
    if (q == NULL || cnt == NULL || s->usual == NULL) {
        free(q), free(cnt);
        return store_errf(s->err, "scan: out of memory"), -1;
    }
    for (size_t i = 0, k = 0; i < s->count; i++)
        if (det_quantity_bill(s->bills[i].bill.med_type))
            for (int32_t l = 0; l < s->bills[i].bill.line_count; l++, k++)
                q[k] = (struct qty){s->bills[i].bill.lines[l].med_list_codg,
                                    s->bills[i].bill.lines[l].cnt_scaled};
    qsort(q, n, sizeof *q, cmp_qty);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && strcmp(q[j].code, q[i].code) == 0) cnt[j - i] = q[j].cnt_scaled, j++;
        s->usual[items++] = (struct usual){q[i].code, det_usual_quantity(cnt, (int64_t)(j - i))};
        i = j;
    }
    s->usual_count = items;
    free(q);
    free(cnt);
    return 0;
}

static int cmp_usual_key(const void *key, const void *elem) {
    assert(key != NULL && elem != NULL);
    return strcmp((const char *)key, ((const struct usual *)elem)->code);
}

static int cmp_restrict_key(const void *key, const void *elem) {
    assert(key != NULL && elem != NULL);
    return strcmp((const char *)key, ((const struct scan_restrict *)elem)->code);
}

static int cmp_restrict(const void *a, const void *b) {
    assert(a != NULL && b != NULL);
    return strcmp(((const struct scan_restrict *)a)->code, ((const struct scan_restrict *)b)->code);
}

void scan_restrict_sort(struct scan_restrict *r, size_t n) {
    assert(r != NULL || n == 0);
    if (n > 0) qsort(r, n, sizeof *r, cmp_restrict);
}

/* What the catalog (the store's, the restrictions of the catalog file) and
 * the period's quantities say of an item. */
static void item_of(void *ctx, const char *code, struct det_item *out) {
    const struct scan *s = ctx;
    assert(s != NULL && code != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    out->age_max = -1;
    out->in_catalog = s->catalog != NULL && catalog_find(s->catalog, code) != NULL;
    const struct scan_restrict *r = s->opts->restrict_count > 0
                                        ? bsearch(code, s->opts->restricts, s->opts->restrict_count,
                                                  sizeof *r, cmp_restrict_key)
                                        : NULL;
    if (r != NULL) out->gender = r->gender, out->age_min = r->age_min, out->age_max = r->age_max;
    const struct usual *u = s->usual_count > 0
                                ? bsearch(code, s->usual, s->usual_count, sizeof *u, cmp_usual_key)
                                : NULL;
    if (u != NULL) out->usual_cnt_scaled = u->cnt_scaled;
}

static int cmp_bill(const void *a, const void *b) {
    const struct scan_bill *x = a, *y = b;
    int c = strcmp(x->psn_no, y->psn_no);
    assert(a != NULL && b != NULL);
    if (c != 0) return c;
    if (x->bill.begntime != y->bill.begntime) return x->bill.begntime < y->bill.begntime ? -1 : 1;
    if (x->bill.endtime != y->bill.endtime) return x->bill.endtime < y->bill.endtime ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

struct person_run {
    struct scan *s;
    scan_cb cb;
    void *ctx;
    const struct det_person *person;
    const char *certno;
    const struct det_bill *bills;
};

static int emit_one(void *ctx, const struct det_finding *f) {
    struct person_run *r = ctx;
    assert(r != NULL && f != NULL && f->a >= 0);
    struct scan_finding sf = {f,
                              r->person,
                              r->certno,
                              &r->bills[f->a],
                              f->b >= 0 ? &r->bills[f->b] : NULL,
                              f->line >= 0 ? &r->bills[f->a].lines[f->line] : NULL,
                              {false, 0, 0, -1, 0},
                              0};
    if (sf.line != NULL) item_of(r->s, sf.line->med_list_codg, &sf.item);
    r->s->totals->findings[f->kind]++;
    return r->cb(r->ctx, &sf);
}

static void person_of(const struct store_person *row, struct det_person *p) {
    assert(row != NULL && p != NULL);
    memset(p, 0, sizeof *p);
    p->psn_no = row->psn_no;
    p->gender = strcmp(row->gender, "1") == 0 ? 1 : strcmp(row->gender, "2") == 0 ? 2 : 0;
    if (sscanf(row->birth_date, "%4d-%2d-%2d", &p->birth_year, &p->birth_month, &p->birth_day) != 3)
        p->birth_year = 0;
}

/* Pass 3 for one person's bills s->bills[first..last). */
static int scan_person(struct scan *s, size_t first, size_t last, struct det_bill *db, scan_cb cb,
                       void *ctx) {
    struct store_person row;
    struct det_person p;
    bool found = false;
    assert(s != NULL && first < last && db != NULL);
    if (store_person_find(s->store, s->bills[first].psn_no, &row, &found, s->err) != 0) return -1;
    if (!found)
        memset(&row, 0, sizeof row),
            snprintf(row.psn_no, sizeof row.psn_no, "%s", s->bills[first].psn_no);
    person_of(&row, &p);
    for (size_t i = first; i < last; i++) {
        const struct bill *b = &s->bills[i].bill;
        db[i - first] = (struct det_bill){s->bills[i].msgid, b->fixmedins_code, b->med_type,
                                          b->begntime,       b->endtime,        b->dise_codg,
                                          b->lines,          b->line_count};
    }
    struct det_input in = {&p, db, (int32_t)(last - first), item_of, s};
    struct person_run run = {s, cb, ctx, &p, row.certno, db};
    s->totals->persons++;
    int rc = det_person_all(&in, emit_one, &run);
    if (rc == 0 && s->opts->person_cb != NULL) {
        if (!app_array_room((void **)&s->paid, &s->paid_cap, last - first, sizeof *s->paid))
            return store_errf(s->err, "scan: out of memory"), -1;
        for (size_t i = first; i < last; i++) s->paid[i - first] = s->bills[i].fund_paid_fen;
        struct scan_person_view v = {&p, db, s->paid, (int32_t)(last - first)};
        rc = s->opts->person_cb(s->opts->person_ctx, &v);
    }
    return rc != 0 ? (store_errf(s->err, "scan: stopped"), -1) : 0;
}

static int scan_persons(struct scan *s, scan_cb cb, void *ctx) {
    assert(s != NULL && cb != NULL);
    if (s->count > 0) qsort(s->bills, s->count, sizeof *s->bills, cmp_bill);
    struct det_bill *db = NULL;
    size_t db_cap = 0;
    int rc = 0;
    for (size_t i = 0; i < s->count && rc == 0;) {
        size_t j = i;
        while (j < s->count && strcmp(s->bills[j].psn_no, s->bills[i].psn_no) == 0) j++;
        if (j - i > DET_PERSON_BILLS_MAX)
            return store_errf(s->err, "scan: person %s has more than %d bills", s->bills[i].psn_no,
                              DET_PERSON_BILLS_MAX),
                   free(db), -1;
        if (!app_array_room((void **)&db, &db_cap, j - i, sizeof *db))
            return store_errf(s->err, "scan: out of memory"), free(db), -1;
        rc = scan_person(s, i, j, db, cb, ctx);
        i = j;
    }
    free(db);
    return rc;
}

/* Pass 4: the pharmacy bills against the pharmacies' inventory feeds. */
static int substitutions(struct scan *s, scan_cb cb, void *ctx) {
    assert(s != NULL && cb != NULL);
    struct scan_bill_ref *refs = malloc((s->count ? s->count : 1) * sizeof *refs);
    if (refs == NULL) return store_errf(s->err, "scan: out of memory"), -1;
    for (size_t i = 0; i < s->count; i++)
        refs[i] = (struct scan_bill_ref){s->bills[i].msgid, s->bills[i].psn_no, &s->bills[i].bill};
    int rc = scan_substitution(s->store, s->opts, refs, s->count, cb, ctx, s->totals, s->err);
    free(refs);
    return rc;
}

int app_scan(struct store *store, const struct scan_opts *opts, scan_cb cb, void *ctx,
             struct scan_totals *totals, struct store_err *err) {
    struct scan_totals local;
    struct scan s;
    assert(store != NULL && opts != NULL && cb != NULL && err != NULL);
    memset(&s, 0, sizeof s);
    s.store = store, s.opts = opts, s.err = err;
    s.totals = totals != NULL ? totals : &local;
    memset(s.totals, 0, sizeof *s.totals);
    s.catalog = store_catalog(store);
    int rc = store_journal_range(store, 1, INT64_MAX, journal_one, &s, err);
    if (rc == 0) rc = read_bills(&s);
    if (rc == 0) rc = usual_quantities(&s);
    if (rc == 0) rc = scan_persons(&s, cb, ctx);
    if (rc == 0) rc = substitutions(&s, cb, ctx);
    for (size_t i = 0; i < s.count; i++) free(s.bills[i].bill.lines);
    free(s.bills);
    free(s.revoked);
    free(s.usual);
    free(s.paid);
    return rc != 0 ? -1 : 0;
}
