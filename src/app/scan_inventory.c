/* scan_inventory.c: the substitution pass of the scans after settlement
 * (scan.h; docs/SUPERVISION.md "Substitution"). The inventory records of
 * every pharmacy that sent any (store inv_records: 3501-3506 or `import
 * inventory`) are read once, those of the period (and the stock-takings
 * before it) kept compact (codes interned with the bills', scan_bills.h);
 * the period's pharmacy bills (med_type 41) of those pharmacies give one
 * sale per line (the packed bill's place and the line, handed over by the
 * person pass); both sorted by pharmacy, item and day, and each item's
 * walk (core/inventory.h) flags the lines billed beyond what the pharmacy
 * held. A pharmacy that sent no feed is not judged: nothing is known of
 * its stock. Memory: about 32 bytes a record and a pharmacy line. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/scan.h"
#include "app/array_room.h"
#include "app/scan_bills.h"
#include "core/inventory.h"
#include "store/enrol_rows.h"

#define DAY_S 86400

struct inv_rec {
    uint32_t code, item; /* code indexes */
    struct inv_event ev;
};

/* A settled line of a judged pharmacy: the packed bill and the line. */
struct sale {
    uint32_t code, item;
    datetime_s endtime;
    uint64_t off;
    int32_t line;
};

struct scan_sub {
    struct scan_bills *bills;
    int64_t first_day, last_day; /* the period, days since 1970-01-01 */
    struct inv_rec *recs;
    size_t count, cap;
    uint32_t *codes; /* the pharmacies with records (code indexes) */
    size_t code_count, code_cap;
    bool *judged; /* by code index */
    size_t judged_count;
    struct sale *sales;
    size_t sale_count, sale_cap;
    uint32_t *rank;          /* by code index: its place in byte order (run) */
    struct scan_line *sl;    /* one bill's packed lines */
    struct bill_line *lines; /* one bill's lines, for a finding */
    struct store_err *err;
};

/* A column's text as a code (at most CODE_BYTES_MAX bytes), interned. */
static int intern_col(struct scan_sub *p, const char *text, uint32_t *idx) {
    char code[CODE_BYTES_MAX + 1];
    assert(p != NULL && text != NULL && idx != NULL);
    snprintf(code, sizeof code, "%.63s", text);
    return scan_names_intern(&p->bills->codes, code, idx);
}

/* A row of inv_records (in key order: by pharmacy first): its pharmacy
 * noted; kept when it bears on the period. */
static int rec_row(void *ctx, const struct store_enrol_row *row) {
    struct scan_sub *p = ctx;
    datetime_s t = 0;
    uint32_t code = 0, item = 0;
    assert(p != NULL && row != NULL);
    if (intern_col(p, row->col[INV_CODE], &code) != 0) return -1;
    if (p->code_count == 0 || p->codes[p->code_count - 1] != code) {
        if (!app_array_room((void **)&p->codes, &p->code_cap, p->code_count + 1, sizeof *p->codes))
            return -1;
        p->codes[p->code_count++] = code;
    }
    int kind = inv_kind_of(row->col[INV_INFNO]);
    if (kind < 0 || !datetime_parse(row->col[INV_DAY], 10, &t)) return 0; /* checked on write */
    int64_t day = t / DAY_S, cnt = strtoll(row->col[INV_CNT], NULL, 10);
    if (day > p->last_day || (kind != INV_STOCKTAKE && day < p->first_day)) return 0;
    if (intern_col(p, row->col[INV_ITEM], &item) != 0 ||
        !app_array_room((void **)&p->recs, &p->cap, p->count + 1, sizeof *p->recs))
        return -1;
    struct inv_rec *r = &p->recs[p->count++];
    r->code = code, r->item = item;
    r->ev.day = day;
    r->ev.kind = (enum inv_kind)kind;
    r->ev.cnt_scaled = kind == INV_STOCKTAKE
                           ? cnt
                           : inv_delta((enum inv_kind)kind, cnt, inv_chg_sign(row->col[INV_CHG]),
                                       row->col[INV_SETL][0] != '\0');
    return 0;
}

int scan_sub_begin(struct store *store, const struct scan_opts *opts, struct scan_bills *bills,
                   struct scan_sub **out, struct store_err *err) {
    assert(store != NULL && opts != NULL && bills != NULL && out != NULL && err != NULL);
    struct scan_sub *p = calloc(1, sizeof *p);
    if ((*out = p) == NULL) return store_errf(err, "scan: out of memory"), -1;
    p->bills = bills, p->err = err;
    p->first_day = (opts->from > 0 ? opts->from : datetime_from_civil(opts->year, 1, 1, 0, 0, 0)) /
                   DAY_S;
    p->last_day = (opts->to > 0 ? opts->to : datetime_from_civil(opts->year, 12, 31, 0, 0, 0)) /
                  DAY_S;
    if (store_enrol_scan(store, ENROL_INVENTORY, NULL, rec_row, p, err) != 0) {
        if (err->msg[0] == '\0') store_errf(err, "scan: out of memory");
        return -1;
    }
    p->judged_count = bills->codes.count;
    p->judged = calloc(p->judged_count ? p->judged_count : 1, sizeof *p->judged);
    if (p->judged == NULL) return store_errf(err, "scan: out of memory"), -1;
    for (size_t i = 0; i < p->code_count; i++) p->judged[p->codes[i]] = true;
    return 0;
}

bool scan_sub_judged(const struct scan_sub *sub, uint32_t inst) {
    assert(sub != NULL);
    return inst < sub->judged_count && sub->judged[inst];
}

int scan_sub_sale(struct scan_sub *sub, const struct scan_packed *bill, int32_t line,
                  uint32_t item) {
    assert(sub != NULL && bill != NULL && line >= 0 && line < bill->line_count);
    if (!app_array_room((void **)&sub->sales, &sub->sale_cap, sub->sale_count + 1,
                        sizeof *sub->sales))
        return -1;
    sub->sales[sub->sale_count++] = (struct sale){bill->inst, item, bill->endtime, bill->off, line};
    return 0;
}

/* ---- the walk ----------------------------------------------------------------------- */
static _Thread_local const struct scan_sub *sorting; /* qsort has no context */

static int cmp_rank(const struct scan_sub *p, uint32_t a, uint32_t b) {
    assert(p != NULL && p->rank != NULL);
    return (p->rank[a] > p->rank[b]) - (p->rank[a] < p->rank[b]);
}

/* Pharmacy, item, day; a day's stock-taking before its flows. */
static int cmp_rec(const void *a, const void *b) {
    const struct inv_rec *x = a, *y = b;
    int c = cmp_rank(sorting, x->code, y->code);
    assert(a != NULL && b != NULL);
    if (c == 0) c = cmp_rank(sorting, x->item, y->item);
    if (c == 0) c = (x->ev.day > y->ev.day) - (x->ev.day < y->ev.day);
    if (c == 0) c = (x->ev.kind != INV_STOCKTAKE) - (y->ev.kind != INV_STOCKTAKE);
    return c;
}

/* Pharmacy, item, the bill's end, its msgid, the line. */
static int cmp_sale(const void *a, const void *b) {
    const struct sale *x = a, *y = b;
    int c = cmp_rank(sorting, x->code, y->code);
    assert(a != NULL && b != NULL);
    if (c == 0) c = cmp_rank(sorting, x->item, y->item);
    if (c == 0) c = (x->endtime > y->endtime) - (x->endtime < y->endtime);
    if (c == 0 && x->off != y->off) {
        struct scan_packed px, py;
        scan_bills_get(sorting->bills, x->off, &px);
        scan_bills_get(sorting->bills, y->off, &py);
        c = strcmp(px.msgid, py.msgid);
    }
    if (c == 0) c = (x->line > y->line) - (x->line < y->line);
    return c;
}

struct group_run {
    struct scan_sub *p;
    const struct sale *sales; /* the group's */
    scan_cb cb;
    void *ctx;
    struct scan_totals *totals;
};

/* The bill of a sale unpacked into p->lines (its det_bill in *db). */
static void bill_of(struct scan_sub *p, const struct sale *s, struct scan_packed *pk,
                    struct det_bill *db) {
    const struct scan_names *codes = &p->bills->codes;
    assert(p != NULL && s != NULL && pk != NULL && db != NULL);
    scan_bills_get(p->bills, s->off, pk);
    scan_bills_lines(pk, p->sl, pk->line_count);
    for (int32_t l = 0; l < pk->line_count; l++) {
        struct bill_line *bl = &p->lines[l];
        memset(bl, 0, sizeof *bl);
        snprintf(bl->med_list_codg, sizeof bl->med_list_codg, "%s", codes->text[p->sl[l].item]);
        bl->cnt_scaled = p->sl[l].cnt_scaled, bl->pric_scaled = p->sl[l].pric_scaled;
        bl->amount_fen = p->sl[l].amount_fen, bl->numbers_ok = true;
    }
    *db = (struct det_bill){pk->msgid,    codes->text[pk->inst], pk->med_type,
                            pk->begntime, pk->endtime,           codes->text[pk->dise],
                            p->lines,     pk->line_count,        codes->text[pk->spec_dise]};
}

/* A line billed beyond the stock, as a finding of the bill and line. */
static int emit_sub(void *ctx, int64_t sale, int64_t stock_scaled, int64_t excess_scaled,
                    int64_t excess_fen) {
    struct group_run *g = ctx;
    struct scan_packed pk;
    struct det_bill db;
    assert(g != NULL && sale >= 0 && excess_scaled > 0);
    const struct sale *s = &g->sales[sale];
    bill_of(g->p, s, &pk, &db);
    struct det_finding f = {
        DET_SUBSTITUTION, 0,          -1, s->line, "INV-BEYOND-STOCK", 10000, excess_scaled,
        stock_scaled,     excess_fen, -1};
    struct det_person person = {g->p->bills->psns.text[pk.psn], 0, 0, 0, 0};
    struct scan_finding sf = {
        &f,         &person, NULL, &db, NULL, &db.lines[s->line], {true, 0, 0, -1, 0},
        excess_fen, NULL,    NULL};
    g->totals->findings[DET_SUBSTITUTION]++;
    return g->cb(g->ctx, &sf);
}

/* The first record of (code, item), or count. */
static size_t first_rec(const struct scan_sub *p, uint32_t code, uint32_t item) {
    size_t lo = 0, hi = p->count;
    assert(p != NULL);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_rank(p, p->recs[mid].code, code);
        if (c == 0) c = cmp_rank(p, p->recs[mid].item, item);
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* A sale as the walk reads it: day, units, amount. */
static struct inv_sale sale_of(struct scan_sub *p, const struct sale *s) {
    struct scan_packed pk;
    assert(p != NULL && s != NULL);
    scan_bills_get(p->bills, s->off, &pk);
    scan_bills_lines(&pk, p->sl, s->line + 1);
    const struct scan_line *l = &p->sl[s->line];
    return (struct inv_sale){s->endtime / DAY_S, l->cnt_scaled, l->amount_fen};
}

/* Each (pharmacy, item) group of the sales walked against its records. */
static int walk_groups(struct scan_sub *p, const struct inv_event *evs, struct inv_sale *buf,
                       struct group_run *g) {
    const struct sale *sales = p->sales;
    size_t n = p->sale_count;
    assert(p != NULL && buf != NULL && g != NULL);
    for (size_t i = 0; i < n;) {
        uint32_t code = sales[i].code, item = sales[i].item;
        size_t j = i;
        for (; j < n && sales[j].code == code && sales[j].item == item; j++)
            buf[j - i] = sale_of(p, &sales[j]);
        size_t lo = first_rec(p, code, item), hi = lo;
        while (hi < p->count && p->recs[hi].code == code && p->recs[hi].item == item) hi++;
        g->sales = &sales[i];
        int rc = inv_substitution(0, &evs[lo], (int64_t)(hi - lo), buf, (int64_t)(j - i), emit_sub,
                                  g);
        if (rc != 0) return store_errf(p->err, "scan: stopped"), -1;
        i = j;
    }
    return 0;
}

int scan_sub_run(struct scan_sub *p, const struct scan_bills *bills, scan_cb cb, void *ctx,
                 struct scan_totals *totals, struct store_err *err) {
    assert(p != NULL && bills == p->bills && cb != NULL && totals != NULL && err != NULL);
    if (p->sale_count == 0) return 0; /* nothing settled at a pharmacy with feeds */
    p->rank = scan_names_ranks(&p->bills->codes);
    p->sl = malloc(BILL_LINES_MAX * sizeof *p->sl);
    p->lines = malloc(BILL_LINES_MAX * sizeof *p->lines);
    struct inv_event *evs = malloc((p->count ? p->count : 1) * sizeof *evs);
    struct inv_sale *buf = malloc(p->sale_count * sizeof *buf);
    int rc = 0;
    if (p->rank == NULL || p->sl == NULL || p->lines == NULL || evs == NULL || buf == NULL)
        rc = -1, store_errf(err, "scan: out of memory");
    if (rc == 0) {
        sorting = p;
        if (p->count > 0) qsort(p->recs, p->count, sizeof *p->recs, cmp_rec);
        qsort(p->sales, p->sale_count, sizeof *p->sales, cmp_sale);
        sorting = NULL;
        for (size_t i = 0; i < p->count; i++) evs[i] = p->recs[i].ev;
        struct group_run g = {p, NULL, cb, ctx, totals};
        rc = walk_groups(p, evs, buf, &g);
    }
    free(evs), free(buf);
    return rc;
}

void scan_sub_free(struct scan_sub *p) {
    if (p == NULL) return;
    free(p->recs), free(p->codes), free(p->judged), free(p->sales), free(p->rank);
    free(p->sl), free(p->lines);
    free(p);
}
