/* scan.h: the scans after settlement (issue 18, item 3; `yibao supervise
 * scan`; docs/SUPERVISION.md): every settlement of a year that no revoke
 * undid, its bill as the journal keeps it, the registry and the catalog,
 * through the pure detectors of core/detect.h. Reads only: the store is
 * not changed. */
#ifndef YIBAO_APP_SCAN_H
#define YIBAO_APP_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/detect.h"
#include "store/store.h"

#define SCAN_RESTRICT_MAX 1000000 /* restricted items taken from a catalog file */

/* An item's catalog restriction (from the catalog file's `restrict`). */
struct scan_restrict {
    char code[CODE_BYTES_MAX + 1];
    int gender;           /* 1, 2; 0 none */
    int age_min, age_max; /* age_max < 0: none */
};

/* One person's bills as the detectors saw them, with what the journal says
 * each paid from the funds (for the indicators of app/risk.h). */
struct scan_person_view {
    const struct det_person *person;
    const struct det_bill *bills; /* sorted by (begntime, endtime) */
    const int64_t *fund_paid_fen; /* fund_pay_sumamt of each bill */
    int32_t count;
};
typedef int (*scan_person_cb)(void *ctx, const struct scan_person_view *v);

struct scan_opts {
    int32_t year;
    datetime_s from, to;                   /* bills ending on [from, to] dates; 0: the whole year */
    const struct scan_restrict *restricts; /* sorted by code (scan_restrict_sort); NULL:
                                              no catalog file, the store's catalog's */
    size_t restrict_count;
    /* with restricts: the catalog file's items restricted otherwise than by
     * gender and age (levels, settings, units, indications, exclusive
     * pairs; schema version 21), NULL when it has none; without restricts
     * the store's catalog's stand */
    const struct catalog *more_restricts;
    scan_person_cb person_cb; /* optional: each person's bills, after its findings */
    void *person_ctx;
};

/* A finding with what the writer needs: the person and the bills named. */
struct scan_finding {
    const struct det_finding *f;
    const struct det_person *person;
    const char *certno;
    const struct det_bill *a, *b; /* b NULL for a one-bill finding */
    const struct bill_line *line; /* NULL for the kinds without an item */
    struct det_item item;         /* what the catalog says of line's item */
    int64_t stake_fen;            /* substitution: the line's amount beyond the stock; the catalog's
                          other restrictions: the lines' amount at stake */
    /* the catalog's other restriction kinds: the item as restricted (its
     * restrict_* fields) and, for a pair, the other item's line; else NULL */
    const struct catalog_item *restricted;
    const struct bill_line *line_2;
};
typedef int (*scan_cb)(void *ctx, const struct scan_finding *f);

struct scan_totals {
    int64_t settlements, revoked, persons, lines;
    int64_t findings[DET_KIND_COUNT];
};

/* Each finding to cb, by person (psn_no order) and then kind. 0, or -1 with
 * err (cb's non-zero return stops the scan: -1 with err "stopped"). */
int app_scan(struct store *store, const struct scan_opts *opts, scan_cb cb, void *ctx,
             struct scan_totals *totals, struct store_err *err);
void scan_restrict_sort(struct scan_restrict *r, size_t n);

/* scan_inventory.c, for app_scan: the substitution pass (docs/SUPERVISION.md
 * "Substitution"): the period's pharmacy lines against the inventory feeds
 * of the pharmacies that send them (the store's inv_records). begin reads
 * the feeds (their codes interned into bills'), the person pass hands
 * each pharmacy line of a judged pharmacy to sale, run walks them all. */
struct scan_sub;
struct scan_bills;
struct scan_packed;
int scan_sub_begin(struct store *store, const struct scan_opts *opts, struct scan_bills *bills,
                   struct scan_sub **out, struct store_err *err);
/* Whether the institution (a code index) sent feeds: its pharmacy bills are judged. */
bool scan_sub_judged(const struct scan_sub *sub, uint32_t inst);
/* Line `line` (of item `item`, a code index) of the packed pharmacy bill. 0, or -1 out of memory. */
int scan_sub_sale(struct scan_sub *sub, const struct scan_packed *bill, int32_t line,
                  uint32_t item);
int scan_sub_run(struct scan_sub *sub, const struct scan_bills *bills, scan_cb cb, void *ctx,
                 struct scan_totals *totals, struct store_err *err);
void scan_sub_free(struct scan_sub *sub);

#endif
