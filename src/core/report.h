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

#endif
