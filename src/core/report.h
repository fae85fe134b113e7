/* report.h: the fund report figures of FUNDS.md §8 that are pure
 * arithmetic: months of support, the reimbursement ratios and the
 * participation rate. Money in fen; results as scaled integers (tenths of
 * a month, hundredths of a per cent), rounded half-up, never through
 * floating point. */
#ifndef YIBAO_REPORT_H
#define YIBAO_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "payment.h"

/* months of support = balance / (spending_12m / 12), in tenths, rounded
 * half-up; false ("∞") when nothing was spent. balance, spending >= 0. */
bool report_months_of_support(int64_t balance_fen, int64_t spending_12m_fen, int64_t *tenths);

/* num / den as a per cent with 2 decimals (hundredths of a per cent),
 * rounded half-up; false (none) when den is 0. num, den >= 0. */
bool report_percent(int64_t num, int64_t den, int64_t *hundredths);

struct report_ratios {
    bool has_policy_scope, has_actual, has_participation;
    int64_t policy_scope, actual, participation; /* hundredths of a per cent */
};
/* Over the non-revoked settlements: Σ fund_pay_sumamt / Σ inscp_scp_amt
 * and / Σ medfee_sumamt; enrolled / should_insure. */
void report_ratios(const struct pay_settlement *s, int32_t n, int64_t enrolled,
                   int64_t should_insure, struct report_ratios *out);

/* A fund pool's flows of a year by month (FUNDS.md §8; docs/REPORTS.md):
 * its balance when the year began, what it received (revenue) and paid
 * (spending) in each month, and what it paid in each month of the year
 * before (for the first months' 12-month spending). */
#define REPORT_MONTHS 12
struct report_fund_flows {
    int64_t opening_fen;
    int64_t revenue_fen[REPORT_MONTHS], spending_fen[REPORT_MONTHS];
    int64_t prior_spending_fen[REPORT_MONTHS];
};
struct report_fund_year {
    int32_t months;                     /* 1..12: the figures are of months 1..months */
    int64_t balance_fen[REPORT_MONTHS]; /* at each month's end */
    bool has_support[REPORT_MONTHS];    /* false: nothing spent in the 12 months (∞) */
    int64_t support_tenths[REPORT_MONTHS];
    int64_t revenue_fen, spending_fen, closing_fen; /* months 1..months */
};
/* The balances and months of support of months 1..months (a balance at
 * or below 0 supports 0.0 months); closing = opening + revenue - spending
 * to the fen, asserted. */
void report_fund_year(const struct report_fund_flows *in, int32_t months,
                      struct report_fund_year *out);

/* An institution's budget execution (issue 17 item 4): its fund payments
 * of months 1..months projected to the year, paid * 12 / months rounded
 * half-up; the execution in hundredths of a per cent of the budget (none
 * for a budget of 0); over: the projection above budget * (1 + corridor). */
struct report_execution {
    int64_t projected_fen;
    bool has_execution;
    int64_t execution; /* projected / budget, hundredths of a per cent */
    int64_t limit_fen; /* budget + budget * corridor, rounded half-up */
    bool over;
};
void report_execution(int64_t budget_fen, int32_t corridor_bp, int64_t paid_fen, int32_t months,
                      struct report_execution *out);

#endif
