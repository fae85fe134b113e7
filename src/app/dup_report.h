/* dup_report.h: the duplicate-enrolment report (重复参保; issue 16, item 6;
 * `yibao report duplicates`): every ID number enrolled in two schemes or
 * two regions over overlapping months of a year, from the stored persons
 * and their enrolment episodes, with the resident subsidy that public
 * finance paid twice. Definitions: docs/ENROLMENT.md#duplicate-enrolment. */
#ifndef YIBAO_APP_DUP_REPORT_H
#define YIBAO_APP_DUP_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/dupenrol.h"
#include "store/store.h"

struct app_dup_case {
    const char *certno;
    int32_t year;
    struct dup_case c;             /* psn_no, psn_no_dup, the months */
    const struct dup_enrol *enrol; /* the certno's enrolments (the periods) */
    int enrol_count;
    int months;          /* months of the year enrolled twice */
    int subsidy_months;  /* of them, months with a duplicate resident enrolment */
    int64_t subsidy_fen; /* the duplicate subsidy of those months */
    /* a region of a duplicate resident enrolment with no resident policy
     * for the year carrying a funding section (its months are not in
     * subsidy_fen), or NULL */
    const char *unpriced_region;
};

struct app_dup_totals {
    int64_t cases, months, subsidy_fen, unpriced; /* unpriced: cases with unpriced_region */
};

/* Each case (valid only during the call) to cb, by certno then psn_no; a
 * non-zero return stops. totals may be NULL. 0, or -1 with err. */
typedef int (*app_dup_cb)(void *ctx, const struct app_dup_case *c);
int app_dup_report(struct store *store, int32_t year, app_dup_cb cb, void *ctx,
                   struct app_dup_totals *totals, struct store_err *err);

#endif
