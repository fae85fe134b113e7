/* test_inventory.c: cmocka tests of src/core/inventory.c, the
 * substitution walk (docs/SUPERVISION.md "Substitution") and the feeds'
 * kinds: a line within the stock is not flagged, one beyond is flagged with
 * the part beyond and its share of the amount, and the stock is then 0 (a
 * shortfall flagged once); a day's feeds count for that day's lines; a
 * stock-taking sets the stock; returns, changes out and cash sales take
 * away, card sales (setl_id) count nothing; more out than in leaves 0,
 * not a debt; the change types' signs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/inventory.h"

#define MAXF 8
#define U 10000 /* one unit, x 1e4 */

struct got {
    int64_t sale[MAXF], stock[MAXF], excess[MAXF], fen[MAXF];
    int n;
};

static int keep(void *ctx, int64_t sale, int64_t stock, int64_t excess, int64_t fen) {
    struct got *g = ctx;
    if (g->n < MAXF) {
        g->sale[g->n] = sale, g->stock[g->n] = stock;
        g->excess[g->n] = excess, g->fen[g->n] = fen;
    }
    g->n++;
    return 0;
}

static void test_within_and_beyond(void **state) {
    (void)state;
    struct inv_event ev[] = {{10, INV_PURCHASE, 20 * U}, {12, INV_PURCHASE_RETURN, -2 * U}};
    /* day 10: 5 of 20; day 12 (after the return, 13 left): 13 within, then 4 beyond */
    struct inv_sale s[] = {
        {10, 5 * U, 500}, {12, 13 * U, 1300}, {12, 4 * U, 400}, {13, 1 * U, 100}};
    struct got g = {0};
    assert_int_equal(inv_substitution(0, ev, 2, s, 4, keep, &g), 0);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.sale[0], 2);
    assert_int_equal(g.stock[0], 0);
    assert_int_equal(g.excess[0], 4 * U);
    assert_int_equal(g.fen[0], 400);
    assert_int_equal(g.sale[1], 3); /* nothing bought since: flagged again, its own line */
}

static void test_partial_share(void **state) {
    (void)state;
    struct inv_event ev[] = {{1, INV_PURCHASE, 9 * U}};
    struct inv_sale s[] = {{2, 12 * U, 1440}}; /* 3 of 12 beyond: 3.60 of 14.40 */
    struct got g = {0};
    assert_int_equal(inv_substitution(0, ev, 1, s, 1, keep, &g), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.stock[0], 9 * U);
    assert_int_equal(g.excess[0], 3 * U);
    assert_int_equal(g.fen[0], 360);
    /* a third of one fen rounds to the nearest fen */
    struct inv_event e2[] = {{1, INV_PURCHASE, 2 * U}};
    struct inv_sale s2[] = {{1, 3 * U, 100}};
    g.n = 0;
    assert_int_equal(inv_substitution(0, e2, 1, s2, 1, keep, &g), 0);
    assert_int_equal(g.fen[0], 33);
}

static void test_stocktake_and_later_feeds(void **state) {
    (void)state;
    /* opening 3; a count of 1 on day 5 resets it; a purchase on day 9 comes too late for day 8 */
    struct inv_event ev[] = {{5, INV_STOCKTAKE, 1 * U}, {9, INV_PURCHASE, 10 * U}};
    struct inv_sale s[] = {{4, 2 * U, 200}, {5, 1 * U, 100}, {8, 1 * U, 100}, {9, 10 * U, 1000}};
    struct got g = {0};
    assert_int_equal(inv_substitution(3 * U, ev, 2, s, 4, keep, &g), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.sale[0], 2);
}

static void test_no_debt(void **state) {
    (void)state;
    /* 5 out more than in: 0 left, the purchase after it counts whole */
    struct inv_event ev[] = {{1, INV_CHANGE, -5 * U}, {2, INV_PURCHASE, 2 * U}};
    struct inv_sale s[] = {{2, 2 * U, 200}};
    struct got g = {0};
    assert_int_equal(inv_substitution(0, ev, 2, s, 1, keep, &g), 0);
    assert_int_equal(g.n, 0);
}

static void test_kinds(void **state) {
    (void)state;
    assert_int_equal(inv_kind_of("3501"), INV_STOCKTAKE);
    assert_int_equal(inv_kind_of("3506"), INV_SALE_RETURN);
    assert_int_equal(inv_kind_of("3507"), -1);
    assert_string_equal(inv_infno(INV_PURCHASE), "3503");
    assert_int_equal(inv_chg_sign("101"), 1);
    assert_int_equal(inv_chg_sign("105"), -1);
    assert_int_equal(inv_chg_sign("108"), 0);
    assert_int_equal(inv_delta(INV_SALE, 4 * U, 0, false), -4 * U);
    assert_int_equal(inv_delta(INV_SALE, 4 * U, 0, true), 0);
    assert_int_equal(inv_delta(INV_SALE_RETURN, U, 0, false), U);
    assert_int_equal(inv_delta(INV_CHANGE, U, -1, false), -U);
    assert_int_equal(inv_delta(INV_CHANGE, U, 0, false), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_within_and_beyond),
        cmocka_unit_test(test_partial_share),
        cmocka_unit_test(test_stocktake_and_later_feeds),
        cmocka_unit_test(test_no_debt),
        cmocka_unit_test(test_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
