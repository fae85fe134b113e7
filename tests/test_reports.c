/* test_reports.c: cmocka tests of the fund reports' pure parts
 * (src/core/chart.c's posting classification, src/core/report.c's year of
 * a fund pool and budget execution; docs/REPORTS.md).
 *
 * The classification of every pair of account classes against a table
 * written out by hand; random years of flows (a fixed-seed generator, so
 * a failure repeats): the balances chain, opening + revenue - spending =
 * closing, and each month's months of support against an independent
 * 128-bit reference; the projection and the corridor's edge exactly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/chart.h"
#include "core/report.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t next(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_pieces(void **state) {
    (void)state;
    struct fund_piece p[2];
    /* a settlement: the pool pays an institution */
    assert_int_equal(chart_fund_pieces("I:H1", "F:hifp:440900:2020", p), 1);
    assert_false(p[0].debit_side);
    assert_int_equal(p[0].flow, FLOW_SPENDING);
    assert_int_equal(p[0].sign, 1);
    /* its revoke */
    assert_int_equal(chart_fund_pieces("F:hifp:440900:2020", "I:H1", p), 1);
    assert_int_equal(p[0].flow, FLOW_SPENDING);
    assert_int_equal(p[0].sign, -1);
    /* a contribution, a subsidy, an opening balance: revenue */
    const char *payers[] = {"R:emp:E1", "R:psn:P1", "R:fin:440900:2020", "S:open:440900", "X:new"};
    for (size_t i = 0; i < sizeof payers / sizeof payers[0]; i++) {
        assert_int_equal(chart_fund_pieces("F:hifp:440900:2020", payers[i], p), 1);
        assert_int_equal(p[0].flow, FLOW_REVENUE);
        assert_int_equal(p[0].sign, 1);
        assert_int_equal(chart_fund_pieces(payers[i], "F:hifp:440900:2020", p), 1);
        assert_int_equal(p[0].flow, FLOW_REVENUE);
        assert_int_equal(p[0].sign, -1);
    }
    /* the pool into personal accounts: spending */
    assert_int_equal(chart_fund_pieces("P:1", "F:hifp:440900:2020", p), 1);
    assert_int_equal(p[0].flow, FLOW_SPENDING);
    /* pool to pool: spending of the payer, revenue of the receiver */
    assert_int_equal(chart_fund_pieces("F:hifp:440900:2020", "F:maf:440900:2020", p), 2);
    assert_true(p[0].debit_side && p[0].flow == FLOW_REVENUE && p[0].sign == 1);
    assert_true(!p[1].debit_side && p[1].flow == FLOW_SPENDING && p[1].sign == 1);
    /* neither side a pool */
    assert_int_equal(chart_fund_pieces("I:H1", "P:1", p), 0);
    /* the year-end adjustment: between a pool and an institution's bank */
    assert_int_equal(chart_fund_pieces("F:hifp:440900:2020", "B:H1", p), 1);
    assert_int_equal(p[0].flow, FLOW_SPENDING);
    assert_int_equal(chart_fund_pieces("B:H1", "F:hifp:440900:2020", p), 1);
    assert_int_equal(p[0].flow, FLOW_SPENDING);
    assert_int_equal(chart_fund_pieces("B:H1", "D:H1:2020", p), 0);
}

static void test_parse(void **state) {
    (void)state;
    char fund[16], region[16];
    int32_t year = 0;
    assert_true(
        chart_fund_parse("F:hifmi:440900:2020", fund, sizeof fund, region, sizeof region, &year));
    assert_string_equal(fund, "hifmi");
    assert_string_equal(region, "440900");
    assert_int_equal(year, 2020);
    const char *bad[] = {"P:1",
                         "F:hifp:440900",
                         "F::440900:2020",
                         "F:hifp::2020",
                         "F:hifp:440900:",
                         "F:hifp:440900:20x0",
                         "F:averyveryverylongfund:1:2020"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(chart_fund_parse(bad[i], fund, sizeof fund, region, sizeof region, &year));
}

static void test_fund_year(void **state) {
    (void)state;
    for (int round = 0; round < 5000; round++) {
        struct report_fund_flows in;
        memset(&in, 0, sizeof in);
        in.opening_fen = (int64_t)(next() % 2000000000000ull) - 500000000000;
        for (int m = 0; m < REPORT_MONTHS; m++) {
            in.revenue_fen[m] = (int64_t)(next() % 100000000000ull);
            in.spending_fen[m] = next() % 4 == 0 ? 0 : (int64_t)(next() % 100000000000ull);
            in.prior_spending_fen[m] = next() % 3 == 0 ? 0 : (int64_t)(next() % 100000000000ull);
        }
        int32_t months = (int32_t)(next() % 12) + 1;
        struct report_fund_year y;
        report_fund_year(&in, months, &y);
        int64_t balance = in.opening_fen;
        for (int m = 0; m < months; m++) {
            balance += in.revenue_fen[m] - in.spending_fen[m];
            assert_int_equal(y.balance_fen[m], balance);
            __int128 spent = 0;
            for (int k = 0; k < REPORT_MONTHS; k++)
                spent += k <= m ? in.spending_fen[k] : in.prior_spending_fen[k];
            assert_int_equal(y.has_support[m], spent > 0);
            if (spent == 0) continue;
            int64_t want = balance <= 0
                               ? 0
                               : (int64_t)(((__int128)balance * 240 + spent) / (2 * spent));
            assert_int_equal(y.support_tenths[m], want);
        }
        assert_int_equal(y.closing_fen, balance);
        assert_int_equal(in.opening_fen + y.revenue_fen - y.spending_fen, y.closing_fen);
    }
}

static void test_execution(void **state) {
    (void)state;
    struct report_execution e;
    /* 3 months paid 30,000.00 of a 100,000.00 budget, corridor 10 % */
    report_execution(10000000, 1000, 3000000, 3, &e);
    assert_int_equal(e.projected_fen, 12000000);
    assert_int_equal(e.limit_fen, 11000000);
    assert_true(e.has_execution);
    assert_int_equal(e.execution, 12000); /* 120.00 % */
    assert_true(e.over);
    /* exactly at the limit: not over; one fen more: over */
    report_execution(10000000, 1000, 11000000, 12, &e);
    assert_false(e.over);
    report_execution(10000000, 1000, 11000001, 12, &e);
    assert_true(e.over);
    /* half a fen rounds up: 1 fen over 7 months is 12/7 = 1.71 -> 2 */
    report_execution(0, 0, 1, 7, &e);
    assert_int_equal(e.projected_fen, 2);
    assert_false(e.has_execution);
    assert_false(e.over);
    /* refunds project to 0 */
    report_execution(100, 0, -50, 6, &e);
    assert_int_equal(e.projected_fen, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pieces),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_fund_year),
        cmocka_unit_test(test_execution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
