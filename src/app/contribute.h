/* contribute.h: the contribution runs (issue 16 item 2; FUNDS.md §2, §3;
 * docs/CONTRIBUTIONS.md): an employee month (scheme 310: in service on the
 * employer's declared wage, flexible workers on their chosen base,
 * retirees' account allocation) or a resident year (scheme 390: premium,
 * assistance, subsidy, the catastrophic fund's share), each person and
 * period one journal record with its postings, written in batches of one
 * transaction each. The figures are the core's (contrib.h); who is in the
 * run comes from the enrolment registry (episodes, wages, employers);
 * whether a period is posted already comes from the journal
 * (store_contrib_commit). */
#ifndef YIBAO_APP_CONTRIBUTE_H
#define YIBAO_APP_CONTRIBUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/contrib.h"
#include "store/store.h"

#define CONTRIB_BATCH_DEFAULT 4096 /* persons a transaction */
#define CONTRIB_REGIONS_MAX 4096   /* distinct regions in one run */
#define CONTRIB_REASON_BYTES 160

struct app_contrib_opts {
    int32_t year;  /* MONTH_YEAR_MIN..MONTH_YEAR_MAX */
    int32_t month; /* 1..12: an employee month; 0: the residents' year */
    size_t batch;  /* persons a transaction, 1..CONTRIB_COMMIT_MAX */
    void *ctx;     /* handed to the callbacks */
    /* after each batch committed: persons done of the total (may be NULL) */
    void (*progress)(void *ctx, int64_t done, int64_t total);
    /* each person left out: code "E_FUNDING_BASE", "E_NOT_ENROLLED", ... (may be NULL) */
    void (*skipped)(void *ctx, const char *psn_no, const char *code, const char *why);
    /* polled between batches: true stops the run (may be NULL) */
    bool (*stop)(void *ctx);
};

/* The figures' sums over the records this run posted, in fen. */
struct app_contrib_sums {
    int64_t employer_fen, employee_fen, account_fen, pool_fen, over_cap_fen;
    int64_t premium_fen, assisted_fen, own_fen, subsidy_fen, catastrophic_fen;
};

struct app_contrib_out {
    int64_t persons;      /* enrolled in the period: posted + already + refused */
    int64_t posted;       /* records written by this run */
    int64_t already;      /* posted before (the journal holds them) */
    int64_t refused;      /* enrolled, but the rules refuse (no base, no wage, no policy) */
    int64_t not_enrolled; /* an episode of the scheme, none covering the period */
    struct app_contrib_sums sums;
};

enum app_contrib_status {
    APP_CONTRIB_OK = 0,
    APP_CONTRIB_FAILED = -1, /* storage: err; batches committed before stand */
    APP_CONTRIB_REFUSED =
        2, /* the run is refused (a policy without funding): err; nothing written */
    APP_CONTRIB_STOPPED = 3, /* opts->stop said so; batches committed before stand */
};

/* Runs the period; out counts what happened (also when stopped or failed). */
enum app_contrib_status app_contribute(struct store *store, const struct app_contrib_opts *opts,
                                       struct app_contrib_out *out, struct store_err *err);

/* Computes c's figures from its inputs (scheme, period, region, category,
 * emp_no and wage, struggling, share, flags) under policy, the person's
 * scheme's policy of the region and year: FUNDS_OK, or the rule's code
 * (figures then 0). The run and `check --deep` both call it. */
enum funds_code app_contrib_figures(const struct policy *policy, struct store_contrib *c);

#endif
