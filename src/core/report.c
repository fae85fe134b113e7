/* report.c: FUNDS.md §8's figures (see report.h). The products are taken
 * in 128 bits: a balance of 10^12 fen times 120 fits in 64, but a sum of
 * PAY_SETTLEMENTS_MAX fund payments times 10^4 may not. */
#include "core/report.h"

#include <assert.h>

typedef __int128 wide_t;

/* round(num * scale / den) half-up, num >= 0, den > 0. */
static int64_t ratio_half_up(int64_t num, int64_t scale, int64_t den) {
    assert(num >= 0 && scale > 0 && den > 0);
    wide_t q = ((wide_t)num * scale * 2 + den) / ((wide_t)den * 2);
    assert(q >= 0 && q <= (wide_t)INT64_MAX);
    return (int64_t)q;
}

bool report_months_of_support(int64_t balance_fen, int64_t spending_12m_fen, int64_t *tenths) {
    assert(balance_fen >= 0 && spending_12m_fen >= 0 && tenths != NULL);
    *tenths = 0;
    if (spending_12m_fen == 0) return false;
    /* balance / (spending / 12) months = 120 × balance / spending tenths */
    *tenths = ratio_half_up(balance_fen, 120, spending_12m_fen);
    return true;
}

bool report_percent(int64_t num, int64_t den, int64_t *hundredths) {
    assert(num >= 0 && den >= 0 && hundredths != NULL);
    *hundredths = 0;
    if (den == 0) return false;
    *hundredths = ratio_half_up(num, 10000, den);
    return true;
}

void report_ratios(const struct pay_settlement *s, int32_t n, int64_t enrolled,
                   int64_t should_insure, struct report_ratios *out) {
    int64_t fund = 0, inscp = 0, medfee = 0;
    assert((s != NULL || n == 0) && out != NULL && enrolled >= 0 && should_insure >= 0);
    for (int32_t k = 0; k < n; k++) {
        if (s[k].revoked) continue;
        fund += s[k].fund_pay_sumamt;
        inscp += s[k].inscp_scp_amt;
        medfee += s[k].medfee_sumamt;
    }
    out->has_policy_scope = report_percent(fund, inscp, &out->policy_scope);
    out->has_actual = report_percent(fund, medfee, &out->actual);
    out->has_participation = report_percent(enrolled, should_insure, &out->participation);
}

void report_fund_year(const struct report_fund_flows *in, int32_t months,
                      struct report_fund_year *out) {
    assert(in != NULL && out != NULL && months >= 1 && months <= REPORT_MONTHS);
    int64_t balance = in->opening_fen;
    *out = (struct report_fund_year){.months = months};
    for (int32_t m = 0; m < months; m++) {
        balance += in->revenue_fen[m] - in->spending_fen[m];
        out->revenue_fen += in->revenue_fen[m];
        out->spending_fen += in->spending_fen[m];
        out->balance_fen[m] = balance;
        /* the 12 months ending with m: m+1 of this year, 11-m of the last */
        int64_t spent = 0;
        for (int32_t k = 0; k <= m; k++) spent += in->spending_fen[k];
        for (int32_t k = m + 1; k < REPORT_MONTHS; k++) spent += in->prior_spending_fen[k];
        out->has_support[m] = spent > 0;
        if (spent > 0 && balance > 0)
            report_months_of_support(balance, spent, &out->support_tenths[m]);
    }
    out->closing_fen = balance;
    assert(in->opening_fen + out->revenue_fen - out->spending_fen == out->closing_fen);
}

void report_execution(int64_t budget_fen, int32_t corridor_bp, int64_t paid_fen, int32_t months,
                      struct report_execution *out) {
    assert(budget_fen >= 0 && corridor_bp >= 0 && months >= 1 && months <= REPORT_MONTHS);
    assert(out != NULL);
    *out = (struct report_execution){0};
    /* a projection of refunds (a negative net) is 0: nothing to overspend */
    out->projected_fen = paid_fen > 0 ? ratio_half_up(paid_fen, REPORT_MONTHS, months) : 0;
    out->has_execution = report_percent(out->projected_fen, budget_fen, &out->execution);
    out->limit_fen = budget_fen + (budget_fen > 0 && corridor_bp > 0
                                       ? ratio_half_up(budget_fen, corridor_bp, 10000)
                                       : 0);
    out->over = budget_fen > 0 && out->projected_fen > out->limit_fen;
}
