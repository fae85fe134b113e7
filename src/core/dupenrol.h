/* dupenrol.h: duplicate enrolment (重复参保; issue 16, item 6): one ID
 * number (certno) enrolled in two schemes or two regions over the same
 * months of a year, and the resident subsidy that public finance paid
 * twice for them. Pure: the enrolments of one certno in, the cases out;
 * docs/ENROLMENT.md#duplicate-enrolment defines every figure. */
#ifndef YIBAO_CORE_DUPENROL_H
#define YIBAO_CORE_DUPENROL_H

#include <stdbool.h>
#include <stdint.h>

#define DUP_ENROL_MAX 64 /* enrolments of one certno looked at */
#define DUP_MONTHS 12

/* An enrolment: an episode, or a person without any episode counted as
 * enrolled all year in the scheme and region of their registry row.
 * Months are numbered year * 12 + (month - 1); to_m -1: still open. */
struct dup_enrol {
    const char *psn_no;
    int32_t insutype; /* 310 or 390 */
    const char *region;
    int32_t from_m, to_m;
};

/* A case: two enrolment numbers (or one with two schemes or regions) of a
 * certno over overlapping months of the year. psn_no enrolled first (its
 * earliest enrolment overlapping the year starts first; a tie: the smaller
 * psn_no in byte order), psn_no_dup after. */
struct dup_case {
    const char *psn_no, *psn_no_dup;
    uint16_t months; /* bit k: month k + 1 of the year is covered twice */
    /* per month of `months`, the region of the resident (390) enrolment
     * whose subsidy is the duplicate one, or NULL: none (both employees) */
    const char *subsidy_region[DUP_MONTHS];
};

/* The cases among e[0..n) (one certno's, n <= DUP_ENROL_MAX, grouped by
 * psn_no) in year: at most max into out, in (psn_no, psn_no_dup) order.
 * Returns how many, or -1 when there would be more than max. */
int dup_find(const struct dup_enrol *e, int n, int32_t year, struct dup_case *out, int max);
/* The subsidy of `months` months of a year's subsidy_fen: pro rata by
 * months, rounded half-up to the fen (exact in integers). */
int64_t dup_subsidy_fen(int64_t subsidy_fen, int months);
/* Months set in mask. */
int dup_month_count(uint16_t mask);

#endif
