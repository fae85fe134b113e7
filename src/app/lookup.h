/* lookup.h: the operator's look-ups, one function per question (`yibao
 * show`, `yibao list`, cli/cmd_show.c). They read through the store, so
 * what they show is the store as it is now: a person's year and account,
 * and the funds' balances, are the checkpointed tables plus the journal
 * after them (store_state_get, store_accounts_now), never the tables
 * alone, which lag a running server by up to a checkpoint. */
#ifndef YIBAO_APP_LOOKUP_H
#define YIBAO_APP_LOOKUP_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define APP_VIEW_YEARS_MAX 16 /* policy years a person view shows */

struct app_person_view {
    struct store_person person;
    int64_t acct_balc_fen;
    int32_t year_count;
    struct year_state years[APP_VIEW_YEARS_MAX]; /* newest first */
};

/* The person psn_no: registry row, account balance, and the year state of
 * year (0: of every year a policy of the person's region and scheme
 * covers). *found false: no such person. 0, or -1 with err. */
int app_person_view(struct store *store, const char *psn_no, int32_t year,
                    struct app_person_view *out, bool *found, struct store_err *err);

struct app_settlement_view {
    struct journal_rec rec;
    struct store_settlement stl;
    bool revoked;
    bool has_bill; /* the journal keeps its bill (releases since bills were kept) */
    struct bill bill;
};

/* Settlement setl_id with its bill (lines into lines[0..lines_max)).
 * *found false: no settlement of that id. */
int app_settlement_view(struct store *store, int64_t setl_id, struct bill_line *lines,
                        int32_t lines_max, struct app_settlement_view *out, bool *found,
                        struct store_err *err);

/* [*from_us, *to_us): the local calendar day of day (its date part), as
 * the journal's times count it (the service's reconciliation does the
 * same). */
void app_local_day_us(datetime_s day, int64_t *from_us, int64_t *to_us);
/* A unix time as the local civil date-time (0 when the C library cannot
 * say): what a journal record's time_us shows an operator or a client. */
datetime_s app_unix_to_local(int64_t unix_s);

/* The settlements and revokes of institution code ("": of every one)
 * journaled on the local day of day, in seq order, through cb (non-zero
 * stops). stl is the record's figures (a revoke's: its settlement's). */
typedef int (*app_record_cb)(void *ctx, const struct journal_rec *rec,
                             const struct store_settlement *stl);
int app_list_settlements(struct store *store, const char *code, datetime_s day, app_record_cb cb,
                         void *ctx, struct store_err *err);

/* The funds' accounts (F:<fund>:<region>:<year>) as they stand now, of
 * region ("": every one) and year (0: every one), in name order. */
int app_fund_view(struct store *store, const char *region, int32_t year, account_cb cb, void *ctx,
                  struct store_err *err);

/* The enrolment rows of kind (store/enrol_rows.h) that name who (a psn_no
 * or an emp_no), in key order, through cb (non-zero stops): a person's
 * episodes, wages and bindings (as holder or member), an employer's row
 * and the wages it declared. 0, or -1 with err. */
/* The payment agreements registered (yibao-payment/1), each decoded, of
 * region (NULL: every region) and year (0: every year), in (region, year)
 * order. 0, or -1 with err (a stored agreement that no longer loads is
 * named: check --deep finds it too). */
struct agreement;
typedef int (*app_agreement_cb)(void *ctx, const struct agreement *agreement);
int app_agreements(struct store *store, const char *region, int32_t year, app_agreement_cb cb,
                   void *ctx, struct store_err *err);

int app_enrol_rows(struct store *store, enum enrol_kind kind, const char *who, enrol_cb cb,
                   void *ctx, struct store_err *err);

#endif
