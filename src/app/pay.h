/* pay.h: the monthly payment run (issue 17 item 3; FUNDS.md §7;
 * docs/PAYMENT.md): for each institution with settlements or revokes
 * journaled in the month, its payable (what the funds and the personal
 * accounts paid it, revokes netted in their own month) less the deposit
 * its agreement withholds, one journal record per institution and month
 * with postings that move the payable to its bank account and the
 * withheld part to its deposit. Idempotent: a month paid is not paid
 * again; settlements journaled in the month after its first run (a run
 * inside the month) are paid by a catch-up record of the difference. */
#ifndef YIBAO_APP_PAY_H
#define YIBAO_APP_PAY_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define PAY_BATCH_DEFAULT 256      /* institutions a transaction */
#define PAY_MONTH_KEYS_MAX 1000000 /* (institution, policy year) pairs of one month */

struct app_pay_opts {
    int32_t year, month; /* the month paid: MONTH_YEAR_MIN..MONTH_YEAR_MAX, 1..12 */
    size_t batch;        /* institutions a transaction, 1..BATCH_MAX */
    void *ctx;           /* handed to the callbacks */
    /* after each batch committed: institutions done of the total (may be NULL) */
    void (*progress)(void *ctx, int64_t done, int64_t total);
    /* each problem that refuses the run: an institution without an
     * agreement for a policy year, one not registered (may be NULL) */
    void (*missing)(void *ctx, const char *code, int32_t year, const char *what);
    /* each record posted (may be NULL) */
    void (*posted)(void *ctx, const char *msgid, const struct store_pay *p);
    /* polled between batches: true stops the run (may be NULL) */
    bool (*stop)(void *ctx);
};

struct app_pay_out {
    int64_t records;      /* settlement and revoke records of the month read */
    int64_t institutions; /* with a non-zero payable in the month */
    int64_t posted;       /* payment records written by this run (first and catch-up) */
    int64_t already;      /* institutions whose month was paid in full before */
    int64_t missing;      /* problems found (the run is then refused) */
    int64_t payable_fen, withhold_fen, paid_fen; /* sums over the records posted */
};

enum app_pay_status {
    APP_PAY_OK = 0,
    APP_PAY_FAILED = -1, /* storage: err; batches committed before stand */
    APP_PAY_REFUSED = 2, /* problems listed through missing(); nothing written */
    APP_PAY_STOPPED = 3, /* opts->stop said so; batches committed before stand */
};

enum app_pay_status app_pay_month(struct store *store, const struct app_pay_opts *opts,
                                  struct app_pay_out *out, struct store_err *err);

#endif
