/* collect.h: money collected against the contribution runs' receivables
 * (issue 16 item 2; docs/CONTRIBUTIONS.md "Collections"): what employers
 * paid for their employees' months (R:emp:<emp_no>), what flexible
 * workers paid for their own months (R:psn:<psn_no>), both from the tax
 * bureau's collection file, and what public finance paid of its subsidy
 * (R:fin:<region>:<year>); and the arrears of each: per payer and period
 * what the runs charged, what was collected, what is owed.
 *
 * A payment is one contribution record of category collected (msgid
 * collect/emp/<emp_no>/<YYYY-MM>/<paid_date>, collect/psn/<psn_no>/
 * <YYYY-MM>/<paid_date>, collect/fin/<region>/<YYYY>/<paid_date>: so one
 * payment per payer, period and day, and a file imported twice pays
 * nothing twice) posting C:emp|psn|fin:<region>:<year> -> the receivable.
 * A period may be paid in parts, never beyond what it owes: the charges
 * and the collections so far are read from the journal (one scan), and
 * the commit reads the receivable's balance again inside its write
 * transaction (contrib_rec.c). */
#ifndef YIBAO_APP_COLLECT_H
#define YIBAO_APP_COLLECT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

#define COLLECT_MSGID_PREFIX "collect/"
#define COLLECT_AMOUNT_MAX_FEN 100000000000LL /* one payment: at most a billion yuan */
/* rows of a collection file: one transaction, as one contribution commit */
#define COLLECT_IMPORT_ROWS_MAX 4096
#define COLLECT_IMPORT_ROWS_TEXT "4,096"
_Static_assert(COLLECT_IMPORT_ROWS_MAX <= CONTRIB_COMMIT_MAX, "a file is one commit");

enum app_collect_payer {
    COLLECT_EMPLOYER = 0, /* R:emp:<emp_no>, a month */
    COLLECT_FLEXIBLE,     /* R:psn:<psn_no>, a flexible worker's month */
    COLLECT_FINANCE,      /* R:fin:<region>:<year>, a year's subsidy */
    COLLECT_PAYER_COUNT,
};
/* "employer", "flexible", "finance" */
const char *app_collect_payer_name(enum app_collect_payer payer);

/* One payer's period: what the runs charged it and what was collected. */
struct app_collect_line {
    enum app_collect_payer payer;
    char who[CODE_BYTES_MAX + 1]; /* emp_no, psn_no, or the region (finance) */
    char region[CODE_BYTES_MAX + 1];
    int32_t year, month; /* month 0: a year (finance) */
    int64_t charged_fen, paid_fen;
    int64_t charges, payments; /* records */
};

/* One payment, as the file's row or the command's options give it. */
struct app_collect_in {
    enum app_collect_payer payer;
    char who[CODE_BYTES_MAX + 1];
    int32_t year, month;
    int64_t amount_fen;
    char paid_date[11]; /* YYYY-MM-DD */
};

/* `yibao collect-subsidy`: public finance pays (part of) the subsidy of
 * a region and year (in->payer COLLECT_FINANCE, in->who the region). 0
 * paid (out: the line after it, *seq the record), 2 refused (err names
 * the option; nothing written), -1 storage. */
int app_collect_subsidy(struct store *store, const struct app_collect_in *in,
                        struct app_collect_line *out, int64_t *seq, struct store_err *err);

/* `yibao import collections FILE`: the tax bureau's collection file, CSV
 * emp_no,month,amount,paid_date (employers) or psn_no,month,amount,
 * paid_date (flexible workers), each row checked against what the month
 * owes, all rows or none (one transaction; at most
 * COLLECT_IMPORT_ROWS_MAX); a bad or refused row is "NAME:LINE: column:
 * what". 0, 2 refused (nothing written), -1 storage. */
struct app_collect_import {
    enum app_collect_payer payer;
    int64_t rows, paid; /* paid < rows only when another writer paid some meanwhile */
    int64_t paid_fen;
};
int app_collect_import(struct store *store, const char *path, const char *name,
                       struct app_collect_import *out, struct store_err *err);
/* The file's header and rows parsed, nothing read from a store (the
 * import's first step; fuzz_collect_rows): ins and lines (each row's
 * line) hold COLLECT_IMPORT_ROWS_MAX. 0 (*n rows, at least 1; *payer
 * from the header), 2 with err "NAME:LINE: column: what", -1 out of
 * memory. */
int app_collect_rows(FILE *f, const char *name, struct app_collect_in *ins, int64_t *lines,
                     size_t *n, enum app_collect_payer *payer, struct store_err *err);

/* The receivables of year, each payer's period (employers' and flexible
 * workers' months, finance's year) charged, in payer, who, period order,
 * with the totals. */
struct app_collect_report {
    struct app_collect_line *lines; /* free with app_collect_report_free */
    size_t count;
    int64_t charged_fen, paid_fen, owed_fen;
    int64_t owing; /* lines with something owed */
};
int app_collect_report_of(struct store *store, int32_t year, struct app_collect_report *out,
                          struct store_err *err);
void app_collect_report_free(struct app_collect_report *r);

#endif
