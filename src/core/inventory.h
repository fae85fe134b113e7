/* inventory.h: pharmacies' inventory feeds and the substitution rule
 * (issue 18, item 4; docs/SUPERVISION.md "Substitution"). The feeds
 * (NHSA 3501 stock-taking, 3502 stock changes, 3503 purchases, 3504
 * purchase returns, 3505 sales, 3506 sales returns) say what a pharmacy
 * bought, returned, counted and sold of each item; the rule walks an
 * item's feeds and its settled lines day by day and flags each line that
 * bills more than the pharmacy held: one item billed, another sold
 * (串换). Pure: plain structs in, findings through a callback. */
#ifndef YIBAO_CORE_INVENTORY_H
#define YIBAO_CORE_INVENTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "date.h"

#define INV_LINES_MAX 1000 /* records of one 3501-3506 request */

enum inv_kind {
    INV_STOCKTAKE = 0, /* 3501: the count on hand that day */
    INV_CHANGE,        /* 3502: in or out by inv_chg_type */
    INV_PURCHASE,      /* 3503 */
    INV_PURCHASE_RETURN,
    INV_SALE, /* 3505: a sale; with a setl_id it is a settled (card) sale */
    INV_SALE_RETURN,
    INV_KIND_COUNT,
};

/* The kind of an infno "3501".."3506", or -1. */
int inv_kind_of(const char *infno);
const char *inv_infno(enum inv_kind kind);
/* 3502's inv_chg_type (our table, docs/INTEROP.md): +1 in, -1 out, 0 unknown. */
int inv_chg_sign(const char *inv_chg_type);

/* One feed record of a pharmacy and item, as the rule reads it. */
struct inv_event {
    int64_t day;        /* days since 1970-01-01 */
    enum inv_kind kind; /* INV_STOCKTAKE sets the stock; the others add delta */
    int64_t cnt_scaled; /* x 1e4; for INV_STOCKTAKE the count, else the signed delta */
};

/* One settled line of the item at the pharmacy. */
struct inv_sale {
    int64_t day;        /* the bill's end date, days since 1970-01-01 */
    int64_t cnt_scaled; /* > 0 */
    int64_t amount_fen;
};

/* A line billed beyond the stock: its index into sales, the stock the
 * pharmacy held before it, the quantity beyond and its share of the line's
 * amount (the amount at stake). A non-zero return stops the walk. */
typedef int (*inv_emit)(void *ctx, int64_t sale, int64_t stock_scaled, int64_t excess_scaled,
                        int64_t excess_fen);

/* The signed effect of a record on the stock that settlements draw on
 * (x 1e4): purchases and changes in add, returns and changes out take
 * away; sales with a settlement (setl_id) are the settled lines
 * themselves and count 0, sales without one (cash) take away and their
 * returns give back. */
int64_t inv_delta(enum inv_kind kind, int64_t cnt_scaled, int chg_sign, bool settled_sale);

/* The walk of one pharmacy's item over a period: the stock starts at
 * opening_scaled (the latest stock-taking on or before the first day; 0
 * none); each day first its feeds (a stock-taking sets the stock, the
 * others add their delta), then its settled lines in order, each drawing
 * on the stock; a line above what is left is emitted with the part
 * beyond, and the stock is then 0 (never negative: a shortfall is
 * flagged once, at the line that made it). events and sales sorted by
 * day. */
int inv_substitution(int64_t opening_scaled, const struct inv_event *events, int64_t event_count,
                     const struct inv_sale *sales, int64_t sale_count, inv_emit emit, void *ctx);

#endif
