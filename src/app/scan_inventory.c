/* scan_inventory.c: the substitution pass of the scans after settlement
 * (scan.h; docs/SUPERVISION.md "Substitution"). The inventory records of
 * every pharmacy that sent any (store inv_records: 3501-3506 or `import
 * inventory`) are read once, those of the period (and the stock-takings
 * before it) kept compact; the period's pharmacy bills (med_type 41) of
 * those pharmacies give one sale per line; both sorted by pharmacy, item
 * and day, and each item's walk (core/inventory.h) flags the lines billed
 * beyond what the pharmacy held. A pharmacy that sent no feed is not
 * judged: nothing is known of its stock. Memory: about 100 bytes a record
 * and a pharmacy line. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "app/scan.h"
#include "app/array_room.h"
#include "core/inventory.h"
#include "store/enrol_rows.h"

#define DAY_S 86400

struct inv_rec {
    char code[CODE_BYTES_MAX + 1];
    char item[CODE_BYTES_MAX + 1];
    struct inv_event ev;
};

struct sale_ref {
    const struct scan_bill_ref *bill;
    int32_t line;
};

struct sub_pass {
    const struct scan_opts *opts;
    int64_t first_day, last_day; /* the period, days since 1970-01-01 */
    struct inv_rec *recs;
    size_t count, cap;
    char (*codes)[CODE_BYTES_MAX + 1]; /* the pharmacies with records, sorted */
    size_t code_count, code_cap;
    struct store_err *err;
};

/* A row of inv_records (in key order: by pharmacy first): its pharmacy
 * noted; kept when it bears on the period. */
static int rec_row(void *ctx, const struct store_enrol_row *row) {
    struct sub_pass *p = ctx;
    datetime_s t = 0;
    assert(p != NULL && row != NULL);
    bool new_code = p->code_count == 0 || strcmp(p->codes[p->code_count - 1], row->col[INV_CODE]);
    if (new_code) {
        if (!app_array_room((void **)&p->codes, &p->code_cap, p->code_count + 1, sizeof *p->codes))
            return -1;
        snprintf(p->codes[p->code_count++], sizeof *p->codes, "%.63s", row->col[INV_CODE]);
    }
    int kind = inv_kind_of(row->col[INV_INFNO]);
    if (kind < 0 || !datetime_parse(row->col[INV_DAY], 10, &t)) return 0; /* checked on write */
    int64_t day = t / DAY_S, cnt = strtoll(row->col[INV_CNT], NULL, 10);
    if (day > p->last_day || (kind != INV_STOCKTAKE && day < p->first_day)) return 0;
    if (!app_array_room((void **)&p->recs, &p->cap, p->count + 1, sizeof *p->recs)) return -1;
    struct inv_rec *r = &p->recs[p->count++];
    snprintf(r->code, sizeof r->code, "%.63s", row->col[INV_CODE]);
    snprintf(r->item, sizeof r->item, "%.63s", row->col[INV_ITEM]);
    r->ev.day = day;
    r->ev.kind = (enum inv_kind)kind;
    r->ev.cnt_scaled = kind == INV_STOCKTAKE
                           ? cnt
                           : inv_delta((enum inv_kind)kind, cnt, inv_chg_sign(row->col[INV_CHG]),
                                       row->col[INV_SETL][0] != '\0');
    return 0;
}

/* Pharmacy, item, day; a day's stock-taking before its flows. */
static int cmp_rec(const void *a, const void *b) {
    const struct inv_rec *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    assert(a != NULL && b != NULL);
    if (c == 0) c = strcmp(x->item, y->item);
    if (c == 0) c = (x->ev.day > y->ev.day) - (x->ev.day < y->ev.day);
    if (c == 0) c = (x->ev.kind != INV_STOCKTAKE) - (y->ev.kind != INV_STOCKTAKE);
    return c;
}

static int cmp_code_key(const void *key, const void *elem) {
    assert(key != NULL && elem != NULL);
    return strcmp((const char *)key, (const char *)elem);
}

static const struct bill_line *line_of(const struct sale_ref *r) {
    assert(r != NULL && r->line >= 0 && r->line < r->bill->bill->line_count);
    return &r->bill->bill->lines[r->line];
}

/* Pharmacy, item, the bill's end, its msgid, the line. */
static int cmp_sale(const void *a, const void *b) {
    const struct sale_ref *x = a, *y = b;
    int c = strcmp(x->bill->bill->fixmedins_code, y->bill->bill->fixmedins_code);
    assert(a != NULL && b != NULL);
    if (c == 0) c = strcmp(line_of(x)->med_list_codg, line_of(y)->med_list_codg);
    if (c == 0) {
        datetime_s s = x->bill->bill->endtime, t = y->bill->bill->endtime;
        c = (s > t) - (s < t);
    }
    if (c == 0) c = strcmp(x->bill->msgid, y->bill->msgid);
    if (c == 0) c = (x->line > y->line) - (x->line < y->line);
    return c;
}

struct group_run {
    const struct sale_ref *sales; /* the group's */
    scan_cb cb;
    void *ctx;
    struct scan_totals *totals;
};

/* A line billed beyond the stock, as a finding of the bill and line. */
static int emit_sub(void *ctx, int64_t sale, int64_t stock_scaled, int64_t excess_scaled,
                    int64_t excess_fen) {
    struct group_run *g = ctx;
    assert(g != NULL && sale >= 0 && excess_scaled > 0);
    const struct sale_ref *r = &g->sales[sale];
    const struct bill *b = r->bill->bill;
    struct det_finding f = {DET_SUBSTITUTION, 0,           -1, r->line, "INV-BEYOND-STOCK", 10000,
                            excess_scaled,    stock_scaled};
    struct det_person person = {r->bill->psn_no, 0, 0, 0, 0};
    struct det_bill db = {r->bill->msgid, b->fixmedins_code, b->med_type, b->begntime,
                          b->endtime,     b->dise_codg,      b->lines,    b->line_count};
    struct scan_finding sf = {&f,        &person, NULL, &db, NULL, line_of(r), {true, 0, 0, -1, 0},
                              excess_fen};
    g->totals->findings[DET_SUBSTITUTION]++;
    return g->cb(g->ctx, &sf);
}

/* The first record of (code, item) at or after lo, or count. */
static size_t first_rec(const struct sub_pass *p, const char *code, const char *item) {
    size_t lo = 0, hi = p->count;
    assert(p != NULL && code != NULL && item != NULL);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(p->recs[mid].code, code);
        if (c == 0) c = strcmp(p->recs[mid].item, item);
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Each (pharmacy, item) group of sales[0..n) walked against its records. */
static int walk_groups(struct sub_pass *p, const struct sale_ref *sales, size_t n,
                       const struct inv_event *evs, struct inv_sale *buf, struct group_run *g) {
    assert(p != NULL && (sales != NULL || n == 0) && buf != NULL && g != NULL);
    for (size_t i = 0; i < n;) {
        const char *code = sales[i].bill->bill->fixmedins_code,
                   *item = line_of(&sales[i])->med_list_codg;
        size_t j = i;
        for (; j < n && strcmp(sales[j].bill->bill->fixmedins_code, code) == 0 &&
               strcmp(line_of(&sales[j])->med_list_codg, item) == 0;
             j++) {
            const struct bill_line *l = line_of(&sales[j]);
            buf[j - i] = (struct inv_sale){sales[j].bill->bill->endtime / DAY_S, l->cnt_scaled,
                                           l->amount_fen};
        }
        size_t lo = first_rec(p, code, item), hi = lo;
        while (hi < p->count && strcmp(p->recs[hi].code, code) == 0 &&
               strcmp(p->recs[hi].item, item) == 0)
            hi++;
        g->sales = &sales[i];
        int rc = inv_substitution(0, &evs[lo], (int64_t)(hi - lo), buf, (int64_t)(j - i), emit_sub,
                                  g);
        if (rc != 0) return store_errf(p->err, "scan: stopped"), -1;
        i = j;
    }
    return 0;
}

/* The lines of the period's pharmacy bills at pharmacies with records. */
static struct sale_ref *sales_of(const struct sub_pass *p, const struct scan_bill_ref *bills,
                                 size_t count, size_t *n) {
    size_t lines = 0;
    assert(p != NULL && n != NULL);
    for (size_t i = 0; i < count; i++) lines += (size_t)bills[i].bill->line_count;
    struct sale_ref *sales = malloc((lines ? lines : 1) * sizeof *sales);
    if (sales == NULL) return NULL;
    *n = 0;
    for (size_t i = 0; i < count; i++) {
        const struct bill *b = bills[i].bill;
        if (b->med_type != MED_TYPE_PHARMACY || p->code_count == 0 ||
            bsearch(b->fixmedins_code, p->codes, p->code_count, sizeof *p->codes, cmp_code_key) ==
                NULL)
            continue;
        for (int32_t l = 0; l < b->line_count; l++)
            if (b->lines[l].cnt_scaled > 0) sales[(*n)++] = (struct sale_ref){&bills[i], l};
    }
    qsort(sales, *n, sizeof *sales, cmp_sale);
    return sales;
}

int scan_substitution(struct store *store, const struct scan_opts *opts,
                      const struct scan_bill_ref *bills, size_t count, scan_cb cb, void *ctx,
                      struct scan_totals *totals, struct store_err *err) {
    struct sub_pass p;
    assert(store != NULL && opts != NULL && cb != NULL && totals != NULL && err != NULL);
    memset(&p, 0, sizeof p);
    p.opts = opts, p.err = err;
    p.first_day = (opts->from > 0 ? opts->from : datetime_from_civil(opts->year, 1, 1, 0, 0, 0)) /
                  DAY_S;
    p.last_day = (opts->to > 0 ? opts->to : datetime_from_civil(opts->year, 12, 31, 0, 0, 0)) /
                 DAY_S;
    int rc = store_enrol_scan(store, ENROL_INVENTORY, NULL, rec_row, &p, err) != 0 ? -1 : 0;
    if (rc != 0 && err->msg[0] == '\0') store_errf(err, "scan: out of memory");
    size_t n = 0;
    struct sale_ref *sales = rc == 0 ? sales_of(&p, bills, count, &n) : NULL;
    struct inv_event *evs = malloc((p.count ? p.count : 1) * sizeof *evs);
    struct inv_sale *buf = malloc((n ? n : 1) * sizeof *buf);
    if (rc == 0 && (sales == NULL || evs == NULL || buf == NULL))
        rc = -1, store_errf(err, "scan: out of memory");
    if (rc == 0) {
        if (p.count > 0) qsort(p.recs, p.count, sizeof *p.recs, cmp_rec);
        for (size_t i = 0; i < p.count; i++) evs[i] = p.recs[i].ev;
        struct group_run g = {NULL, cb, ctx, totals};
        rc = walk_groups(&p, sales, n, evs, buf, &g);
    }
    free(sales), free(evs), free(buf), free(p.recs), free(p.codes);
    return rc;
}
