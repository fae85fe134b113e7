/* fund_reports.h: the fund reports of issue 17 item 4 (`yibao report
 * funds|institutions|reimbursement|participation`, docs/REPORTS.md), each
 * a pure function of the journal and the registry.
 *
 * One walk over the journal gives every figure: each record's postings
 * (the settlements', revokes' and contributions', as the ledger made
 * them) classified by the chart of accounts (core/chart.h) into the fund
 * pools' revenue and spending by month; each settlement's figures into
 * the reimbursement ratios by institution level, scheme and person group
 * and into its institution's fund payments. A posting's month is its
 * business month clamped into its fund account's year: a contribution's
 * period (a resident year's premium: January), a settlement's or revoke's
 * setl_time (the record's local time). The walk's sum of every fund
 * pool's postings must equal the ledger's balance to the fen, or the
 * report is refused. The arithmetic (balances, months of support, ratios,
 * projections) is core/report.c's. */
#ifndef YIBAO_APP_FUND_REPORTS_H
#define YIBAO_APP_FUND_REPORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/agreement.h"
#include "core/chart.h"
#include "core/report.h"
#include "store/store.h"

#define APP_REPORT_FUNDS_MAX 256     /* fund pools (fund, region) one report lists */
#define APP_REPORT_FUND_BYTES_MAX 15 /* "hifp", "hifmi", ... */
#define APP_REPORT_LEVELS 5          /* enum level: township .. pharmacy (none) */
#define APP_REPORT_SCHEMES 2         /* 310 employee, 390 resident */

struct app_report_opts {
    int32_t year;       /* 1900..9800 */
    int32_t month;      /* 1..12: the figures are of months 1..month */
    const char *region; /* NULL: every region */
    bool journal;       /* walk the journal (funds, institutions, reimbursement) */
    bool books;         /* the fund pools' postings and balances (funds) */
    bool settlements;   /* read the settlements' figures (ratios, institutions) */
    bool groups;        /* the ratios by person group: the registry's persons read */
    bool agreements;    /* read the payment agreements (institutions) */
    bool enrolment;     /* count registry persons and enrolment episodes (participation) */
};

struct app_fund_line {
    char fund[APP_REPORT_FUND_BYTES_MAX + 1];
    char region[CODE_BYTES_MAX + 1];
    struct report_fund_flows flows;
    int64_t after_fen;  /* postings after the period (later months or years' accounts) */
    int64_t ledger_fen; /* the ledger's balance of the pool's accounts, every year */
    struct report_fund_year year;
};

/* The non-revoked settlements of a group: Σ fund_pay_sumamt, inscp_scp_amt,
 * medfee_sumamt, and their ratios (core/report.h). */
struct app_ratio_cell {
    int64_t count, fund_fen, inscp_fen, medfee_fen;
    bool has_policy_scope, has_actual;
    int64_t policy_scope, actual; /* hundredths of a per cent */
};

struct app_institution_line {
    char code[CODE_BYTES_MAX + 1];
    char region[CODE_BYTES_MAX + 1];
    int level; /* enum level; APP_REPORT_LEVELS - 1 when not registered */
    enum pay_method method;
    bool quota_joined;
    struct budget_terms terms; /* PAY_GLOBAL_BUDGET: its budget and corridors */
    int64_t count, paid_fen;   /* its settlements' fund payments of months 1..month */
    bool has_budget;           /* global budget: execution and adjustment computed */
    struct report_execution execution;
    struct budget_result adjustment; /* §6a on the projection */
};

struct app_reports {
    struct app_report_opts opts;
    size_t fund_count;
    struct app_fund_line funds[APP_REPORT_FUNDS_MAX]; /* in (fund, region) order */
    struct app_ratio_cell total, by_level[APP_REPORT_LEVELS], by_scheme[APP_REPORT_SCHEMES],
        by_group[CATEGORY_COUNT];
    size_t institution_count;
    struct app_institution_line *institutions; /* malloc'd, in code order */
    int64_t registry_persons, enrolled, enrolled_scheme[APP_REPORT_SCHEMES];
    bool has_participation;
    int64_t participation; /* hundredths of a per cent */
    int64_t records;       /* journal records read */
};

/* The figures opts asks for into *out (free with app_reports_free). 0, or
 * -1 with err: a read failed, more than APP_REPORT_FUNDS_MAX pools, or
 * the journal's postings of a fund pool differ from the ledger. */
int app_reports_build(struct store *store, const struct app_report_opts *opts,
                      struct app_reports *out, struct store_err *err);
void app_reports_free(struct app_reports *r);

#endif
