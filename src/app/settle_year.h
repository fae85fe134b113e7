/* settle_year.h: the year-end settlement with the institutions (issue 17
 * item 3; FUNDS.md §6, §7; docs/PAYMENT.md): per institution with a
 * payment agreement for the policy year, its method's adjustment to the
 * basic pooled fund's payments of the year (global budget §6a, per-case
 * quotas §6b, DIP points with the region's budget shared to the fen §6c,
 * capitation §6d, fee for service none) and the release of the year's
 * deposit less sanctions (the deposit deductions decided by cases, #18:
 * posted at the decision, so the release is the deposit's balance), one
 * journal record each with its postings. Idempotent per institution and
 * year. Refused, nothing written, when a settlement's institution has no
 * agreement or a DIP region cannot be settled (a case without a group and
 * no "*" group, a level without a coefficient, too many institutions). */
#ifndef YIBAO_APP_SETTLE_YEAR_H
#define YIBAO_APP_SETTLE_YEAR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/agreement.h"
#include "core/payment.h"
#include "store/store.h"

/* settlements of one policy year held in memory, 56 bytes each, about 81
 * in all with the run's order, the persons' numbers and the cases widened
 * (measured on 912,152): 20 M take about 1.6 GiB; the 1M-person year has
 * about 9.1 M */
#define SETTLE_YEAR_SETTLEMENTS_MAX 20000000
#define SETTLE_YEAR_REGIONS_MAX 64       /* agreements (regions) of one year */
#define SETTLE_YEAR_SIGNINGS_MAX 1000000 /* capitation signings held */
/* readings of the year one run makes when what it read changed before its
 * posting (a case decided, a settlement journaled): then it refuses */
#define SETTLE_YEAR_READINGS_MAX 3

/* A settlement's figures the year-end reads, which the payment what-if
 * replaces (refigure below). */
struct settle_year_figures {
    int64_t hifp_pay;
    int64_t others_fen; /* psn_part_amt + hifob_pay + hifmi_pay + maf_pay (§6b) */
    bool refused;       /* the what-if's policies refuse the bill: not settled */
};

struct app_settle_year_opts {
    int32_t year; /* the policy year: MONTH_YEAR_MIN..MONTH_YEAR_MAX */
    size_t batch; /* institutions a transaction, 1..BATCH_MAX */
    void *ctx;    /* handed to the callbacks */
    /* each problem that refuses the run (may be NULL) */
    void (*missing)(void *ctx, const char *code, const char *what);
    /* each record posted (may be NULL) */
    void (*posted)(void *ctx, const char *msgid, const struct store_year_end *y);
    /* The payment what-if (app/whatif_payment.c): with compute_only nothing
     * is posted and computed() gets each institution's figures instead;
     * replace[0..replace_count) stand for the store's agreements of their
     * regions for the year; refigure (may be NULL) replaces a settlement's
     * figures as journaled (0, or -1 with err: the run fails). */
    bool compute_only;
    void (*computed)(void *ctx, const struct store_year_end *y);
    const struct agreement *replace;
    size_t replace_count;
    int (*refigure)(void *ctx, int64_t seq, struct settle_year_figures *f, struct store_err *err);
    /* NULL: every region's agreements; else that region's only (the
     * what-if's --region): a settlement at an institution the registry
     * puts in another region is then no problem */
    const char *region;
    /* Called (may be NULL) once per reading of the year, after the reads
     * and before the first posting: a test decides a case there (the
     * race below); non-zero fails the run, nothing posted. */
    int (*before_post)(void *ctx, int reading);
    /* Called (may be NULL) after each batch posted but the last (batch =
     * 1, 2, ...): a test settles a bill between two batches there;
     * non-zero fails the run, the batches before it stand. */
    int (*after_batch)(void *ctx, size_t batch);
    /* 0: SETTLE_YEAR_SETTLEMENTS_MAX; else a lower limit (a test's) */
    size_t settlements_max;
};

struct app_settle_year_out {
    int64_t settlements;  /* of the year (revoked ones included) */
    int64_t institutions; /* with an agreement for the year */
    int64_t posted, already, missing;
    int64_t adjustment_fen, released_fen, paid_fen; /* sums over the records posted */
    int64_t sanctions_fen;                          /* likewise */
    /* settlements and revokes of the year journaled after their
     * institution's year-end record (at so many institutions): paid by
     * the monthly runs, not in the year-end's F, which stands */
    int64_t late, late_institutions;
};

enum app_settle_year_status {
    APP_SETTLE_YEAR_OK = 0,
    APP_SETTLE_YEAR_FAILED = -1, /* storage: err; batches committed before stand */
    /* problems listed through missing() (among them more settlements than
     * the limit); nothing written */
    APP_SETTLE_YEAR_REFUSED = 2,
    /* What the run read changed before its posting, on every one of its
     * SETTLE_YEAR_READINGS_MAX readings (err names the deposit, or the
     * settlement or revoke of the year journaled after the read): the
     * batch that saw it wrote nothing, those committed before stand; run
     * it again. */
    APP_SETTLE_YEAR_CHANGED = 3,
};

/* The races with the cases and the settlements (docs/PAYMENT.md, "A case
 * decided while the year-end runs", "A settlement journaled while the
 * year-end runs"): the cases' sanctions, the settlements and the
 * deposits' balances are read in one snapshot, and each posting
 * transaction checks that every deposit still to be released holds what
 * was read and that no settlement or revoke of the year was journaled
 * after the last record the snapshot saw. On a change the year is read
 * again (the records posted already stay, found by their msgids), up to
 * SETTLE_YEAR_READINGS_MAX readings in all; a change at the last is
 * APP_SETTLE_YEAR_CHANGED. */

enum app_settle_year_status app_settle_year(struct store *store,
                                            const struct app_settle_year_opts *opts,
                                            struct app_settle_year_out *out, struct store_err *err);

#endif
