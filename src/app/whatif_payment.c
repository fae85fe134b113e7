/* whatif_payment.c: the payment what-if (whatif.h, `yibao whatif
 * --payment`; issue 17 item 5): each institution's year-end settlement
 * (FUNDS.md §6) under the year's agreements and figures, and under the
 * what-if's agreements and the figures the what-if's policies give.
 *
 * The year-end computation is settle-year's own (app/settle_year.c, run
 * with compute_only: nothing is posted), so a what-if with the year's own
 * agreements and policies reports exactly what settle-year would post.
 * The what-if's figures reach it per settlement: the replay's events are
 * kept by seq (the journal's order, so sorted as they come), and
 * settle-year's reading of the journal takes them instead of the journaled
 * ones; a bill the new policies refuse counts as not settled (revoked).
 * With a region, only its agreements' institutions are settled; the other
 * regions' settlements keep their journaled figures (the what-if replays
 * only the region's, and its policies are the region's only). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/settle_year.h"
#include "app/array_room.h"
#include "app/whatif.h"

/* A settlement's figures under the what-if's policies: only those the
 * year-end reads (32 bytes: the 1M-person year's 9.1 M in about 280 MiB). */
struct refig {
    int64_t seq;
    struct settle_year_figures f;
};

struct side {
    struct store_year_end *items;
    size_t count, cap;
    int64_t missing;
};

struct pay_run {
    struct refig *refigs;
    size_t refig_count, refig_cap;
    struct side before, after;
    struct side *now; /* the side being computed */
    bool after_side;
    void (*problem)(void *ctx, bool after, const char *code, const char *what);
    void *ctx;
    bool out_of_memory;
};

/* Room for one more of count items, at most max. */
static bool grow(void **items, size_t *cap, size_t count, size_t size, size_t max) {
    assert(items != NULL && cap != NULL && size > 0);
    return count < max && app_array_room(items, cap, count + 1, size);
}

static int keep_event(void *ctx, const struct app_whatif_event *ev, struct store_err *err) {
    struct pay_run *r = ctx;
    assert(r != NULL && ev != NULL && ev->rec != NULL);
    if (ev->revoke) return 0; /* settle-year reads the revokes itself */
    if (!grow((void **)&r->refigs, &r->refig_cap, r->refig_count, sizeof *r->refigs,
              SETTLE_YEAR_SETTLEMENTS_MAX))
        return store_errf(err, "whatif --payment: out of memory (or more than %d settlements)",
                          SETTLE_YEAR_SETTLEMENTS_MAX),
               -1;
    assert(r->refig_count == 0 || r->refigs[r->refig_count - 1].seq < ev->rec->seq);
    struct refig *f = memset(&r->refigs[r->refig_count++], 0, sizeof *r->refigs);
    f->seq = ev->rec->seq;
    f->f.refused = ev->after == NULL;
    if (f->f.refused) return 0;
    const struct setlinfo *a = &ev->after->setl;
    f->f.hifp_pay = a->hifp_pay;
    f->f.others_fen = a->psn_part_amt + a->hifob_pay + a->hifmi_pay + a->maf_pay;
    return 0;
}

static int refig_by_seq(const void *key, const void *item) {
    int64_t k = *(const int64_t *)key, s = ((const struct refig *)item)->seq;
    return (k > s) - (k < s);
}

/* settle-year's reading of settlement seq: the what-if's figures, when the
 * replay settled it (a settlement without a bill keeps its own); a bill
 * the new policies refuse is not settled, its journaled figures count
 * nowhere. */
static int refigure(void *ctx, int64_t seq, struct settle_year_figures *fig,
                    struct store_err *err) {
    struct pay_run *r = ctx;
    assert(r != NULL && fig != NULL && err != NULL);
    const struct refig *f = r->refig_count ? bsearch(&seq, r->refigs, r->refig_count,
                                                     sizeof *r->refigs, refig_by_seq)
                                           : NULL;
    if (f == NULL) return 0;
    if (f->f.refused) fig->refused = true;
    else *fig = f->f;
    return 0;
}

static void computed(void *ctx, const struct store_year_end *y) {
    struct pay_run *r = ctx;
    assert(r != NULL && r->now != NULL && y != NULL);
    struct side *d = r->now;
    if (!grow((void **)&d->items, &d->cap, d->count, sizeof *d->items,
              (size_t)SETTLE_YEAR_REGIONS_MAX * AGREEMENT_INSTITUTIONS_MAX))
        r->out_of_memory = true;
    else d->items[d->count++] = *y;
}

static void missing(void *ctx, const char *code, const char *what) {
    struct pay_run *r = ctx;
    assert(r != NULL && r->now != NULL);
    r->now->missing++;
    if (r->problem != NULL) r->problem(r->ctx, r->after_side, code, what);
}

/* One side's year-end figures, computed by settle-year and not posted:
 * 0, or -1 (err). A side refused by problems is left empty. */
static int compute_side(struct store *store, int32_t year, const char *region, struct pay_run *r,
                        bool after, const struct agreement *agreements, size_t m,
                        struct store_err *err) {
    assert(store != NULL && r != NULL);
    struct app_settle_year_opts opts = {
        .year = year,
        .region = region,
        .batch = 1,
        .ctx = r,
        .missing = missing,
        .compute_only = true,
        .computed = computed,
        .replace = after ? agreements : NULL,
        .replace_count = after ? m : 0,
        .refigure = after ? refigure : NULL,
    };
    struct app_settle_year_out out;
    r->now = after ? &r->after : &r->before;
    r->after_side = after;
    enum app_settle_year_status st = app_settle_year(store, &opts, &out, err);
    if (st == APP_SETTLE_YEAR_FAILED) return -1;
    if (r->out_of_memory) return store_errf(err, "whatif --payment: out of memory"), -1;
    if (st == APP_SETTLE_YEAR_REFUSED) r->now->count = 0;
    return 0;
}

/* Both sides by institution code (each side comes sorted by code). */
static int merge(struct pay_run *r, struct app_whatif_payment *pay, struct store_err *err) {
    assert(r != NULL && pay != NULL);
    size_t n = r->before.count + r->after.count;
    pay->items = calloc(n ? n : 1, sizeof *pay->items);
    if (pay->items == NULL) return store_errf(err, "whatif --payment: out of memory"), -1;
    size_t i = 0, k = 0;
    while (i < r->before.count || k < r->after.count) {
        const struct store_year_end *b = i < r->before.count ? &r->before.items[i] : NULL;
        const struct store_year_end *a = k < r->after.count ? &r->after.items[k] : NULL;
        int c = b == NULL ? 1 : a == NULL ? -1 : strcmp(b->code, a->code);
        struct app_whatif_institution *x = &pay->items[pay->count++];
        if (c <= 0) x->before = *b, x->has_before = true, i++;
        if (c >= 0) x->after = *a, x->has_after = true, k++;
        snprintf(x->code, sizeof x->code, "%s", c <= 0 ? b->code : a->code);
    }
    assert(pay->count <= n);
    return 0;
}

int app_whatif_payment(struct store *store, struct store *books, int32_t year, const char *region,
                       const struct policy *policies, size_t n, const struct agreement *agreements,
                       size_t m,
                       void (*problem)(void *ctx, bool after, const char *code, const char *what),
                       void *ctx, struct app_whatif_report *report, struct app_whatif_payment *pay,
                       struct store_err *err) {
    assert(store != NULL && report != NULL && pay != NULL && err != NULL);
    assert(m <= APP_WHATIF_AGREEMENTS_MAX && (agreements != NULL || m == 0));
    memset(pay, 0, sizeof *pay);
    struct pay_run *r = calloc(1, sizeof *r);
    if (r == NULL) return store_errf(err, "whatif --payment: out of memory"), -1;
    r->problem = problem, r->ctx = ctx;
    int rc = app_whatif_observed(store, books, year, region, policies, n, keep_event, r, report,
                                 err);
    if (rc == 0) rc = compute_side(store, year, region, r, false, agreements, m, err);
    if (rc == 0) rc = compute_side(store, year, region, r, true, agreements, m, err);
    if (rc == 0) rc = merge(r, pay, err);
    pay->missing_before = r->before.missing;
    pay->missing_after = r->after.missing;
    free(r->refigs);
    free(r->before.items);
    free(r->after.items);
    free(r);
    if (rc != 0) free(pay->items), pay->items = NULL, pay->count = 0;
    return rc;
}
