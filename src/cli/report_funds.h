/* report_funds.h: the printing of `yibao report funds|institutions|
 * reimbursement|participation` (cmd_report.c parses the options; the
 * figures are app/fund_reports.h's; docs/REPORTS.md). */
#ifndef YIBAO_REPORT_FUNDS_H
#define YIBAO_REPORT_FUNDS_H

#include <stdint.h>

#include "store/store.h"

#define EXIT_REPORT_WARNING 3 /* a report printed early warnings */

enum report_format { REPORT_TABLE = 0, REPORT_CSV, REPORT_JSON };

struct fund_report_args {
    const char *sub;    /* "funds", ... */
    int32_t year;       /* 1900..9800 */
    int32_t month;      /* 1..12 */
    const char *region; /* NULL: every region */
    enum report_format format;
    const char *plot_dir; /* NULL: no charts */
    int32_t warn_months;  /* months of support below this warn */
};

/* The report named a->sub, printed; 0, EXIT_REPORT_WARNING after early
 * warnings (on stderr, and in the JSON), or 2 after a message. */
int report_fund_run(struct store *store, const struct fund_report_args *a);

#endif
