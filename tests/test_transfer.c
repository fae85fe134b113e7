/* test_transfer.c: cmocka tests of the pure rules of transfers between
 * regions (issue 16 item 5): src/core/transfer.c (which transfer a
 * person's episodes call for, the months carried) and the chart's
 * personal-account transfer accounts (src/core/chart.c: T:<region>:<year>,
 * a contra line of fund acct in the reports). Months carried are checked
 * against a month-by-month count over random careers (a fixed-seed
 * generator, so a failure repeats). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/chart.h"
#include "core/transfer.h"

static struct transfer_episode ep(int32_t insutype, const char *region, int from_y, int from_m,
                                  int to_y, int to_m, bool in, bool out) {
    struct transfer_episode t;
    memset(&t, 0, sizeof t);
    t.e.insutype = insutype;
    snprintf(t.e.region, sizeof t.e.region, "%s", region);
    t.e.from_month = month_of(from_y, from_m);
    t.e.open = to_y == 0;
    t.e.to_month = to_y == 0 ? 0 : month_of(to_y, to_m);
    t.transfer_in = in;
    t.transfer_out = out;
    return t;
}

static void test_pair(void **state) {
    (void)state;
    struct transfer_pair p;
    /* A to 2020-03, B from 2020-04: months of A carried; given in any order */
    struct transfer_episode e[4] = {
        ep(310, "440902", 2020, 4, 0, 0, true, false),
        ep(390, "440900", 2000, 1, 2009, 12, false, false), /* a resident's: not counted */
        ep(310, "440900", 2010, 1, 2020, 3, false, true),
        ep(310, "440800", 2005, 1, 2005, 12, false, false), /* another region's: carried */
    };
    assert_int_equal(transfer_find(e, 4, &p), TRANSFER_OK);
    assert_int_equal(p.out_index, 2);
    assert_int_equal(p.in_index, 0);
    assert_int_equal(p.month, month_of(2020, 4));
    assert_int_equal(p.carried_months, 123 + 12);
    /* no next episode: to outside, the from region's months */
    assert_int_equal(transfer_find(e + 1, 3, &p), TRANSFER_OK);
    assert_int_equal(p.in_index, -1);
    assert_int_equal(p.month, month_of(2020, 4));
    assert_int_equal(p.carried_months, 123);
    /* the next does not start transfer_in, or is of the same region */
    e[0].transfer_in = false;
    assert_int_equal(transfer_find(e, 4, &p), TRANSFER_NOT_IN);
    e[0].transfer_in = true;
    snprintf(e[0].e.region, sizeof e[0].e.region, "440900");
    assert_int_equal(transfer_find(e, 4, &p), TRANSFER_SAME_REGION);
    /* nothing, or an arrival whose departure is not registered */
    assert_int_equal(transfer_find(e + 1, 1, &p), TRANSFER_NONE);
    assert_int_equal(transfer_find(NULL, 0, &p), TRANSFER_NONE);
    assert_int_equal(transfer_find(e, 1, &p), TRANSFER_IN_ONLY);
    /* the latest transfer_out of two */
    struct transfer_episode two[3] = {
        ep(310, "440900", 2000, 1, 2004, 12, false, true),
        ep(310, "440902", 2005, 1, 2009, 12, true, true),
        ep(310, "440900", 2010, 6, 0, 0, true, false),
    };
    assert_int_equal(transfer_find(two, 3, &p), TRANSFER_OK);
    assert_int_equal(p.out_index, 1);
    assert_int_equal(p.in_index, 2);
    assert_int_equal(p.carried_months, 60); /* 440902's; 440900's own are local there */
    /* a retirement episode is not contributed */
    two[1].retired = true;
    assert_int_equal(transfer_find(two, 3, &p), TRANSFER_OK);
    assert_int_equal(p.carried_months, 0);
    for (int s = TRANSFER_OK; s <= TRANSFER_SAME_REGION; s++)
        assert_true(strlen(transfer_status_text((enum transfer_status)s)) > 0);
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint32_t next(uint32_t n) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

/* Random careers of consecutive employee episodes in three regions, the
 * last a transfer into a fresh region: the months carried are every
 * month before it of another region, counted month by month. */
static void test_carried_random(void **state) {
    (void)state;
    static const char *const regions[] = {"440900", "440902", "440903"};
    for (int round = 0; round < 2000; round++) {
        struct transfer_episode e[8];
        int32_t n = 0;
        month_index m = month_of(1990, 1) + (month_index)next(120);
        int32_t expect = 0;
        for (; n < 6; n++) {
            int32_t len = 1 + (int32_t)next(60);
            const char *r = regions[next(3)];
            e[n] = ep(310, r, month_year(m), month_number(m), month_year(m + len - 1),
                      month_number(m + len - 1), false, n == 5);
            e[n].retired = next(10) == 0;
            if (!e[n].retired) expect += len; /* none is of the destination "510100" */
            m += len + (month_index)next(4);
        }
        e[n++] = ep(310, "510100", month_year(m), month_number(m), 0, 0, true, false);
        struct transfer_pair p;
        assert_int_equal(transfer_find(e, n, &p), TRANSFER_OK);
        assert_int_equal(p.in_index, n - 1);
        assert_int_equal(p.carried_months, expect);
    }
}

static void test_chart(void **state) {
    (void)state;
    struct fund_piece p[2];
    /* paid out of a region's books: its spending; the line's balance falls */
    assert_int_equal(chart_fund_pieces("T:440900:2020", "P:T1", p), 1);
    assert_true(p[0].debit_side && p[0].transfer && p[0].flow == FLOW_SPENDING && p[0].sign == 1);
    /* taken in: its revenue */
    assert_int_equal(chart_fund_pieces("P:T1", "T:440902:2020", p), 1);
    assert_true(!p[0].debit_side && p[0].transfer && p[0].flow == FLOW_REVENUE && p[0].sign == 1);
    /* a pool's piece is not a transfer's */
    assert_int_equal(chart_fund_pieces("I:H1", "F:hifp:440900:2020", p), 1);
    assert_false(p[0].transfer);
    assert_int_equal(account_class_of("T:440900:2020"), ACCT_TRANSFER);
    assert_true(account_class_itemized(ACCT_TRANSFER));
    assert_string_equal(account_class_name(ACCT_TRANSFER), "personal-account transfers");
    char fund[16], region[16];
    int32_t year = 0;
    assert_true(chart_fund_parse("T:440902:2021", fund, sizeof fund, region, sizeof region, &year));
    assert_string_equal(fund, CHART_TRANSFER_FUND);
    assert_string_equal(region, "440902");
    assert_int_equal(year, 2021);
    const char *bad[] = {"T:440902", "T::2020", "T:440902:", "T:440902:20x1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(chart_fund_parse(bad[i], fund, sizeof fund, region, sizeof region, &year));
    /* a contra line: the ledger's balance counted the other way round */
    assert_int_equal(chart_line_balance("T:440900:2020", 500), -500);
    assert_int_equal(chart_line_balance("F:hifp:440900:2020", 500), 500);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair),
        cmocka_unit_test(test_carried_random),
        cmocka_unit_test(test_chart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
