/* test_dupenrol.c: cmocka tests of src/core/dupenrol.c, the rule of the
 * duplicate-enrolment report (docs/ENROLMENT.md#duplicate-enrolment):
 * which pairs are cases (two schemes or two regions over a shared month,
 * not a transfer or a change of scheme without overlap, not two numbers in
 * the same scheme and region), who is first (the earlier start; a tie:
 * the smaller psn_no), the months of the year counted once however many
 * pairs cover them, the region whose resident subsidy is the duplicate,
 * one number enrolled twice by itself, and the subsidy pro rata by months
 * half-up against a reference over every subsidy up to 2000.00 yuan. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/dupenrol.h"

#define Y 2020
#define M(year, month) ((year)*12 + (month)-1)

static int find(const struct dup_enrol *e, int n, struct dup_case *out) {
    return dup_find(e, n, Y, out, 8);
}

static void test_schemes_overlap(void **state) {
    (void)state;
    struct dup_enrol e[] = {{"A", 310, "440900", M(2010, 1), -1},
                            {"B", 390, "440900", M(2020, 4), -1}};
    struct dup_case c[8];
    assert_int_equal(find(e, 2, c), 1);
    assert_string_equal(c[0].psn_no, "A");
    assert_string_equal(c[0].psn_no_dup, "B");
    assert_int_equal(dup_month_count(c[0].months), 9);
    assert_int_equal(c[0].months, 0xFF8);
    assert_null(c[0].subsidy_region[0]);
    for (int k = 3; k < 12; k++) assert_string_equal(c[0].subsidy_region[k], "440900");
}

static void test_first_is_earlier(void **state) {
    (void)state;
    /* B (the larger psn_no) started first: it is psn_no; the resident is A */
    struct dup_enrol e[] = {{"A", 390, "440900", M(2020, 6), M(2020, 8)},
                            {"B", 310, "440100", M(2019, 1), -1}};
    struct dup_case c[8];
    assert_int_equal(find(e, 2, c), 1);
    assert_string_equal(c[0].psn_no, "B");
    assert_string_equal(c[0].psn_no_dup, "A");
    assert_int_equal(dup_month_count(c[0].months), 3);
    assert_string_equal(c[0].subsidy_region[6], "440900");
    /* a tie: the smaller psn_no first; two residents: the dup's region */
    struct dup_enrol t[] = {{"P2", 390, "440100", M(2020, 1), -1},
                            {"P9", 390, "440900", M(2020, 1), -1}};
    assert_int_equal(find(t, 2, c), 1);
    assert_string_equal(c[0].psn_no, "P2");
    assert_string_equal(c[0].subsidy_region[11], "440900");
}

static void test_no_case(void **state) {
    (void)state;
    struct dup_case c[8];
    /* a transfer: one number, two regions, one after the other */
    struct dup_enrol tr[] = {{"T", 310, "440100", M(2020, 6), -1},
                             {"T", 310, "440900", M(2015, 1), M(2020, 5)}};
    assert_int_equal(find(tr, 2, c), 0);
    /* a change of scheme: two numbers without a shared month */
    struct dup_enrol ch[] = {{"A", 390, "440900", M(2012, 1), M(2020, 3)},
                             {"B", 310, "440900", M(2020, 4), -1}};
    assert_int_equal(find(ch, 2, c), 0);
    /* the same scheme and region twice is not two schemes or regions */
    struct dup_enrol same[] = {{"A", 390, "440900", M(2012, 1), -1},
                               {"B", 390, "440900", M(2020, 4), -1}};
    assert_int_equal(find(same, 2, c), 0);
    /* overlapping, but in another year */
    struct dup_enrol old[] = {{"A", 390, "440900", M(2012, 1), M(2019, 12)},
                              {"B", 310, "440900", M(2018, 4), -1}};
    assert_int_equal(find(old, 2, c), 0);
}

static void test_one_number_twice(void **state) {
    (void)state;
    struct dup_case c[8];
    struct dup_enrol e[] = {{"E", 310, "440900", M(2015, 1), -1},
                            {"E", 390, "440900", M(2020, 1), M(2020, 12)}};
    assert_int_equal(find(e, 2, c), 1);
    assert_string_equal(c[0].psn_no, "E");
    assert_string_equal(c[0].psn_no_dup, "E");
    assert_int_equal(c[0].months, 0xFFF);
    /* two resident regions of one number: the later one's subsidy */
    struct dup_enrol r[] = {{"R", 390, "440100", M(2020, 7), -1},
                            {"R", 390, "440900", M(2010, 1), -1}};
    assert_int_equal(find(r, 2, c), 1);
    assert_int_equal(dup_month_count(c[0].months), 6);
    assert_string_equal(c[0].subsidy_region[6], "440100");
}

static void test_months_once(void **state) {
    (void)state;
    struct dup_case c[8];
    /* B's two episodes (a job change) both meet A's: each month counts once */
    struct dup_enrol e[] = {{"A", 390, "440900", M(2010, 1), -1},
                            {"B", 310, "440900", M(2019, 1), M(2020, 6)},
                            {"B", 310, "440900", M(2020, 5), -1}};
    assert_int_equal(find(e, 3, c), 1);
    assert_int_equal(c[0].months, 0xFFF);
    /* two employee enrolments: no subsidy */
    struct dup_enrol w[] = {{"A", 310, "440900", M(2010, 1), -1},
                            {"B", 310, "440800", M(2020, 1), -1}};
    assert_int_equal(find(w, 2, c), 1);
    for (int k = 0; k < 12; k++) assert_null(c[0].subsidy_region[k]);
    /* too many cases for the room given */
    struct dup_enrol many[] = {{"A", 310, "1", M(2020, 1), -1},
                               {"B", 390, "1", M(2020, 1), -1},
                               {"C", 310, "2", M(2020, 1), -1}};
    assert_int_equal(dup_find(many, 3, Y, c, 2), -1);
    assert_int_equal(dup_find(many, 3, Y, c, 3), 3);
}

static void test_subsidy_half_up(void **state) {
    (void)state;
    assert_int_equal(dup_subsidy_fen(55000, 12), 55000);
    assert_int_equal(dup_subsidy_fen(55000, 1), 4583); /* 4583.33 */
    assert_int_equal(dup_subsidy_fen(55000, 2), 9167); /* 9166.67 */
    assert_int_equal(dup_subsidy_fen(1, 6), 1);        /* 0.5 up */
    assert_int_equal(dup_subsidy_fen(1, 5), 0);        /* 0.4166 */
    assert_int_equal(dup_subsidy_fen(0, 6), 0);
    assert_int_equal(dup_subsidy_fen(55000, 0), 0);
    for (int64_t s = 0; s <= 200000; s++)
        for (int m = 1; m <= 12; m++) {
            int64_t exact12 = s * m; /* the subsidy times 12 */
            int64_t want = exact12 / 12 + (exact12 % 12 >= 6 ? 1 : 0);
            if (dup_subsidy_fen(s, m) != want) fail_msg("%lld x %d", (long long)s, m);
        }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schemes_overlap), cmocka_unit_test(test_first_is_earlier),
        cmocka_unit_test(test_no_case),         cmocka_unit_test(test_one_number_twice),
        cmocka_unit_test(test_months_once),     cmocka_unit_test(test_subsidy_half_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
