/* pay.c: the monthly payment run (pay.h; FUNDS.md §7; docs/PAYMENT.md).
 *
 * A run reads the month's settlement and revoke records from the journal
 * (the period read: store_journal_period, local calendar month of the
 * records' times, which is the settlements' setl_time and what the 3201
 * reconciliation counts), sums per institution and policy year what each
 * record moved into the institution's payable (fund_pay_sumamt + acct_pay
 * + acct_mulaid_pay; a revoke takes it back in its own month), looks up
 * each institution's agreement of that policy year (its withhold rate),
 * refuses the run with the list when one is missing, then subtracts what
 * the month's payment records already paid and posts the rest, in
 * batches of one transaction each. The withhold is the month's
 * mul(payable, rate) of each policy year, rounded once (FUNDS.md §7); a
 * catch-up record withholds the difference to it. */
#include "app/pay.h"
#include "app/array_room.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/lookup.h"
#include "core/agreement.h"
#include "core/enrol.h"
#include "core/money.h"

/* One (institution, policy year) of the month. */
struct entry {
    char code[CODE_BYTES_MAX + 1];
    int32_t year;
    int32_t rate_bp;
    int64_t payable_fen;
};

/* An agreement's institution: its withhold rate for the year. */
struct rate {
    char code[CODE_BYTES_MAX + 1];
    int32_t year, rate_bp;
};

struct run {
    struct store *store;
    const struct app_pay_opts *opts;
    struct app_pay_out *out;
    struct store_err *err;
    int64_t from_us, to_us;
    struct entry *entries;
    size_t entry_count, entry_cap;
    size_t *slots; /* hash of (code, year) -> entry index + 1 */
    size_t slot_cap;
    struct rate *rates;
    size_t rate_count, rate_cap;
    int failed; /* out of memory, too many keys, or a body that does not decode */
};

static size_t key_hash(const char *code, int32_t year) {
    assert(code != NULL);
    size_t h = 1469598103934665603u ^ (size_t)(uint32_t)year;
    for (const char *p = code; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211u;
    return h;
}

/* Rebuilds the hash at twice the size (at most half full). */
static bool rehash(struct run *r) {
    assert(r != NULL);
    size_t cap = r->slot_cap ? r->slot_cap * 2 : 1024;
    size_t *slots = calloc(cap, sizeof *slots);
    if (slots == NULL) return false;
    for (size_t i = 0; i < r->entry_count; i++) {
        size_t h = key_hash(r->entries[i].code, r->entries[i].year) & (cap - 1);
        while (slots[h] != 0) h = (h + 1) & (cap - 1);
        slots[h] = i + 1;
    }
    free(r->slots);
    r->slots = slots;
    r->slot_cap = cap;
    return true;
}

/* The entry of (code, year), made when new; NULL: out of memory or too many. */
static struct entry *entry_of(struct run *r, const char *code, int32_t year) {
    assert(r != NULL && code != NULL);
    if (2 * (r->entry_count + 1) > r->slot_cap && !rehash(r)) return NULL;
    size_t h = key_hash(code, year) & (r->slot_cap - 1);
    for (; r->slots[h] != 0; h = (h + 1) & (r->slot_cap - 1)) {
        struct entry *e = &r->entries[r->slots[h] - 1];
        if (e->year == year && strcmp(e->code, code) == 0) return e;
    }
    if (r->entry_count == PAY_MONTH_KEYS_MAX ||
        !app_array_room((void **)&r->entries, &r->entry_cap, r->entry_count + 1,
                        sizeof *r->entries))
        return NULL;
    struct entry *e = memset(&r->entries[r->entry_count], 0, sizeof *r->entries);
    snprintf(e->code, sizeof e->code, "%s", code);
    e->year = year;
    r->slots[h] = ++r->entry_count;
    return e;
}

static int record_row(void *ctx, const struct journal_rec *rec) {
    struct run *r = ctx;
    assert(r != NULL && rec != NULL);
    if (rec->kind != JOURNAL_SETTLE && rec->kind != JOURNAL_REVOKE) return 0;
    if (rec->time_us < r->from_us || rec->time_us >= r->to_us) return 0; /* the clock slack */
    struct store_settlement stl;
    const char *bad = NULL;
    if (settlement_decode(rec->body, &stl, &bad) != 0) {
        store_errf(r->err, "journal seq %lld: body does not decode at '%.32s'", (long long)rec->seq,
                   bad);
        return r->failed = 1, 1;
    }
    struct entry *e = entry_of(r, rec->fixmedins_code, stl.year);
    if (e == NULL) {
        store_errf(r->err, "pay: out of memory (or more than %d institution-years in a month)",
                   PAY_MONTH_KEYS_MAX);
        return r->failed = 1, 1;
    }
    /* what the record's postings moved into I:<code> (ledger_postings) */
    int64_t moved = stl.setl.fund_pay_sumamt + stl.setl.acct_pay + stl.setl.acct_mulaid_pay;
    e->payable_fen += rec->kind == JOURNAL_SETTLE ? moved : -moved;
    r->out->records++;
    return 0;
}

static int rate_order(const void *a, const void *b) {
    const struct rate *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    return c != 0 ? c : (x->year > y->year) - (x->year < y->year);
}

static int agreement_row(void *ctx, const struct agreement *a) {
    struct run *r = ctx;
    assert(r != NULL && a != NULL);
    for (int32_t i = 0; i < a->institution_count; i++) {
        if (!app_array_room((void **)&r->rates, &r->rate_cap, r->rate_count + 1, sizeof *r->rates))
            return r->failed = 1, 1;
        struct rate *x = &r->rates[r->rate_count++];
        snprintf(x->code, sizeof x->code, "%s", a->institutions[i].fixmedins_code);
        x->year = a->year;
        x->rate_bp = a->institutions[i].withhold_rate_bp;
    }
    return 0;
}

static int entry_order(const void *a, const void *b) {
    const struct entry *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    return c != 0 ? c : (x->year > y->year) - (x->year < y->year);
}

/* The month's records and the agreements; each entry's rate, or the run
 * refused (REFUSED) with every problem listed. */
static enum app_pay_status read_month(struct run *r) {
    assert(r != NULL);
    if (store_journal_period(r->store, store_conn(r->store), r->from_us, r->to_us, record_row, r,
                             r->err) < 0 ||
        r->failed)
        return APP_PAY_FAILED;
    if (app_agreements(r->store, NULL, 0, agreement_row, r, r->err) != 0) return APP_PAY_FAILED;
    if (r->failed) return store_errf(r->err, "pay: out of memory"), APP_PAY_FAILED;
    if (r->rate_count > 0) qsort(r->rates, r->rate_count, sizeof *r->rates, rate_order);
    if (r->entry_count > 0) qsort(r->entries, r->entry_count, sizeof *r->entries, entry_order);
    for (size_t i = 0; i < r->entry_count; i++) {
        struct entry *e = &r->entries[i];
        struct rate key = {.year = e->year};
        snprintf(key.code, sizeof key.code, "%s", e->code);
        const struct rate *x = r->rate_count
                                   ? bsearch(&key, r->rates, r->rate_count, sizeof key, rate_order)
                                   : NULL;
        const char *what = NULL;
        if (store_institution_find(r->store, e->code) == NULL) what = "not registered";
        else if (x == NULL) what = "no payment agreement for the policy year";
        if (what == NULL) {
            e->rate_bp = x->rate_bp;
            continue;
        }
        r->out->missing++;
        if (r->opts->missing) r->opts->missing(r->opts->ctx, e->code, e->year, what);
    }
    return r->out->missing > 0 ? APP_PAY_REFUSED : APP_PAY_OK;
}

/* ---- what is left to pay ---------------------------------------------------------- */
/* The month's figures of entries[0..n) (one institution) as a record:
 * its policy years' payables and withholds in full. */
static int month_figures(const struct entry *e, size_t n, struct store_pay *p,
                         struct store_err *err) {
    assert(e != NULL && n >= 1 && p != NULL);
    memset(p, 0, sizeof *p);
    if (n > PAY_PARTS_MAX)
        return store_errf(err,
                          "institution %s: settlements of %zu policy years in one month "
                          "(at most %d)",
                          e->code, n, PAY_PARTS_MAX),
               -1;
    snprintf(p->code, sizeof p->code, "%s", e->code);
    for (size_t i = 0; i < n; i++) {
        struct store_pay_part *q = &p->parts[p->part_count++];
        q->year = e[i].year;
        q->payable_fen = e[i].payable_fen;
        q->withhold_fen = q->payable_fen > 0 ? money_mul_bp(q->payable_fen, e[i].rate_bp) : 0;
    }
    return 0;
}

/* Takes what an earlier record paid (its parts) out of p. */
static int take_out(struct store_pay *p, const struct journal_rec *rec, struct store_err *err) {
    assert(p != NULL && rec != NULL);
    struct store_pay was;
    const char *bad = NULL;
    if (rec->kind != JOURNAL_PAY || pay_decode(rec->body, &was, &bad) != 0)
        return store_errf(err, "journal seq %lld (%s): not a payment record", (long long)rec->seq,
                          rec->msgid),
               -1;
    for (int32_t i = 0; i < was.part_count; i++) {
        int32_t k = 0;
        while (k < p->part_count && p->parts[k].year != was.parts[i].year) k++;
        if (k == p->part_count) { /* a year the month no longer has: give it back */
            if (p->part_count == PAY_PARTS_MAX)
                return store_errf(err, "%s: more than %d policy years", rec->msgid, PAY_PARTS_MAX),
                       -1;
            p->parts[p->part_count++] = (struct store_pay_part){was.parts[i].year, 0, 0};
        }
        p->parts[k].payable_fen -= was.parts[i].payable_fen;
        p->parts[k].withhold_fen -= was.parts[i].withhold_fen;
    }
    return 0;
}

static int part_order(const void *a, const void *b) {
    const struct store_pay_part *x = a, *y = b;
    return (x->year > y->year) - (x->year < y->year);
}

/* Drops the parts of zero, sorts by year, sums; false: nothing left. */
static bool finish(struct store_pay *p, int32_t year, int32_t month) {
    assert(p != NULL);
    int32_t n = 0;
    for (int32_t i = 0; i < p->part_count; i++)
        if (p->parts[i].payable_fen != 0 || p->parts[i].withhold_fen != 0)
            p->parts[n++] = p->parts[i];
    p->part_count = n;
    if (n == 0) return false;
    qsort(p->parts, (size_t)n, sizeof *p->parts, part_order);
    p->year = year;
    p->month = month;
    p->payable_fen = p->withhold_fen = 0;
    for (int32_t i = 0; i < n; i++) {
        p->payable_fen += p->parts[i].payable_fen;
        p->withhold_fen += p->parts[i].withhold_fen;
    }
    p->paid_fen = p->payable_fen - p->withhold_fen;
    assert(pay_identity_error(p) == NULL);
    return true;
}

/* The item still to post for one institution (entries[0..n)): *has false
 * when its month is paid in full. Reads its month's records by msgid. */
static int item_for(struct run *r, const struct entry *e, size_t n, struct store_pay_item *item,
                    bool *has) {
    assert(r != NULL && e != NULL && item != NULL && has != NULL);
    const struct app_pay_opts *o = r->opts;
    item->kind = JOURNAL_PAY;
    if (month_figures(e, n, &item->p, r->err) != 0) return -1;
    int32_t k = 1;
    for (;; k++) {
        if (k > PAY_RUN_RECORDS_MAX)
            return store_errf(r->err, "institution %s: more than %d payment records for %04d-%02d",
                              e->code, PAY_RUN_RECORDS_MAX, (int)o->year, (int)o->month),
                   -1;
        if (pay_msgid(item->msgid, e->code, o->year, o->month, k) != 0)
            return store_errf(r->err, "institution %s: its code does not fit a msgid", e->code), -1;
        struct journal_rec rec;
        bool found = false;
        const char *key = item->msgid;
        if (store_ops(r->store)->journal_by_msgid(store_conn(r->store), &key, 1, &rec, &found,
                                                  r->err) != 0)
            return -1;
        if (!found) break;
        if (take_out(&item->p, &rec, r->err) != 0) return -1;
    }
    *has = finish(&item->p, o->year, o->month);
    return 0;
}

/* ---- the batches ---------------------------------------------------------------------- */
static int commit_items(struct run *r, struct store_pay_item *items, bool *posted, size_t n) {
    assert(r != NULL && n >= 1);
    if (store_pay_commit(r->store, items, n, posted, r->err) != 0) return -1;
    for (size_t i = 0; i < n; i++) {
        if (!posted[i]) { /* another run posted it meanwhile */
            r->out->already++;
            continue;
        }
        r->out->posted++;
        r->out->payable_fen += items[i].p.payable_fen;
        r->out->withhold_fen += items[i].p.withhold_fen;
        r->out->paid_fen += items[i].p.paid_fen;
        if (r->opts->posted) r->opts->posted(r->opts->ctx, items[i].msgid, &items[i].p);
    }
    return 0;
}

static enum app_pay_status run_batches(struct run *r) {
    assert(r != NULL && r->opts->batch >= 1 && r->opts->batch <= BATCH_MAX);
    size_t b = r->opts->batch, k = 0, done = 0;
    struct store_pay_item *items = calloc(b, sizeof *items);
    bool *posted = calloc(b, sizeof *posted);
    enum app_pay_status st = APP_PAY_OK;
    if (items == NULL || posted == NULL)
        st = (store_errf(r->err, "pay: out of memory"), APP_PAY_FAILED);
    for (size_t i = 0; st == APP_PAY_OK && i < r->entry_count;) {
        size_t n = 1;
        while (i + n < r->entry_count && strcmp(r->entries[i + n].code, r->entries[i].code) == 0)
            n++;
        bool has = false;
        if (item_for(r, &r->entries[i], n, &items[k], &has) != 0) st = APP_PAY_FAILED;
        else if (has) k++;
        else r->out->already++;
        i += n;
        done++;
        bool last = i == r->entry_count;
        if (st == APP_PAY_OK && k > 0 && (k == b || last) && commit_items(r, items, posted, k) != 0)
            st = APP_PAY_FAILED;
        if (st == APP_PAY_OK && (k == b || last)) {
            k = 0;
            if (r->opts->progress)
                r->opts->progress(r->opts->ctx, (int64_t)done, r->out->institutions);
            if (!last && r->opts->stop && r->opts->stop(r->opts->ctx)) st = APP_PAY_STOPPED;
        }
    }
    free(items);
    free(posted);
    return st;
}

static int64_t institutions_of(const struct run *r) {
    assert(r != NULL);
    int64_t n = 0;
    for (size_t i = 0; i < r->entry_count; i++)
        if (i == 0 || strcmp(r->entries[i].code, r->entries[i - 1].code) != 0) n++;
    return n;
}

enum app_pay_status app_pay_month(struct store *store, const struct app_pay_opts *opts,
                                  struct app_pay_out *out, struct store_err *err) {
    assert(store != NULL && opts != NULL && out != NULL && err != NULL);
    assert(opts->year >= MONTH_YEAR_MIN && opts->year <= MONTH_YEAR_MAX);
    assert(opts->month >= 1 && opts->month <= 12);
    memset(out, 0, sizeof *out);
    struct run *r = calloc(1, sizeof *r);
    if (r == NULL) return store_errf(err, "pay: out of memory"), APP_PAY_FAILED;
    *r = (struct run){.store = store, .opts = opts, .out = out, .err = err};
    int64_t unused = 0;
    month_index next = month_of(opts->year, opts->month) + 1;
    app_local_day_us(datetime_from_civil(opts->year, opts->month, 1, 0, 0, 0), &r->from_us,
                     &unused);
    app_local_day_us(datetime_from_civil(month_year(next), month_number(next), 1, 0, 0, 0),
                     &r->to_us, &unused);
    enum app_pay_status st = read_month(r);
    if (st == APP_PAY_OK) {
        out->institutions = institutions_of(r);
        st = run_batches(r);
    }
    assert(st != APP_PAY_OK || out->posted + out->already == out->institutions);
    free(r->entries);
    free(r->slots);
    free(r->rates);
    free(r);
    return st;
}
