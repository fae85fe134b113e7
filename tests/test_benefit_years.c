/* test_benefit_years.c: cmocka tests of src/core/benefit_years.c, a
 * resident's benefit start per policy year (FUNDS.md §4; docs/ENROLMENT.md,
 * "Residents"): each year keeps its own start (on time Y-01-01, late the
 * payment + waiting days, unpaid (Y+1)-01-01), so a year paid on time
 * keeps its start when the next is late and a late year's early bill is
 * not paid whatever the next year holds; a year without a start, or
 * outside the window, reads the person's benefit_start; the window slides
 * to the latest BENEFIT_YEARS_MAX years; leap years; the packed column
 * reads back exactly and a value it never writes is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/benefit_years.h"

static datetime_s day(int y, int m, int d) { return datetime_from_civil(y, m, d, 0, 0, 0); }

/* The start Step 2 compares a bill ending on y-m-d with. */
static datetime_s start_on(datetime_s fallback, int64_t packed, int y, int m, int d) {
    return benefit_start_at(fallback, packed, day(y, m, d));
}

static void test_on_time_then_late(void **state) {
    (void)state;
    struct benefit_years y;
    benefit_years_clear(&y);
    /* derive-benefits records the latest year first */
    assert_true(benefit_years_set(&y, 2021, day(2021, 5, 2))); /* paid 2021-02-01 + 90 days */
    assert_true(benefit_years_set(&y, 2020, day(2020, 1, 1))); /* paid in 2019's window */
    int64_t packed = benefit_years_pack(&y);
    datetime_s latest = day(2021, 5, 2); /* the row's benefit_start: the latest covered */
    /* a bill of 2020 settled after the 2021 payment: 2020's start */
    assert_int_equal(start_on(latest, packed, 2020, 11, 5), day(2020, 1, 1));
    assert_true(day(2020, 11, 5) >= start_on(latest, packed, 2020, 11, 5));
    /* 2021 inside its waiting days: no fund; after: the funds */
    assert_true(day(2021, 3, 5) < start_on(latest, packed, 2021, 3, 5));
    assert_true(day(2021, 6, 5) >= start_on(latest, packed, 2021, 6, 5));
}

static void test_late_then_on_time(void **state) {
    (void)state;
    struct benefit_years y;
    benefit_years_clear(&y);
    assert_true(benefit_years_set(&y, 2021, day(2021, 1, 1)));
    assert_true(benefit_years_set(&y, 2020, day(2020, 6, 8)));
    int64_t packed = benefit_years_pack(&y);
    datetime_s latest = day(2021, 1, 1);
    /* the early 2020 bill is not paid although the row's start is 2021-01-01 */
    assert_true(day(2020, 5, 5) < start_on(latest, packed, 2020, 5, 5));
    assert_true(day(2020, 7, 5) >= start_on(latest, packed, 2020, 7, 5));
    assert_int_equal(start_on(latest, packed, 2021, 1, 15), day(2021, 1, 1));
}

static void test_unpaid_year_only(void **state) {
    (void)state;
    struct benefit_years y;
    benefit_years_clear(&y);
    assert_true(benefit_years_set(&y, 2021, day(2022, 1, 1))); /* charged, never paid */
    assert_true(benefit_years_set(&y, 2020, day(2020, 1, 1)));
    int64_t packed = benefit_years_pack(&y);
    assert_int_equal(start_on(day(2020, 1, 1), packed, 2021, 12, 31), day(2022, 1, 1));
    assert_true(day(2021, 12, 31) < start_on(day(2020, 1, 1), packed, 2021, 12, 31));
    assert_int_equal(start_on(day(2020, 1, 1), packed, 2020, 12, 31), day(2020, 1, 1));
    /* a start after the year's end (paid in December, 90 days) is the year not covered */
    benefit_years_clear(&y);
    assert_true(benefit_years_set(&y, 2019, day(2020, 3, 10)));
    packed = benefit_years_pack(&y);
    assert_int_equal(start_on(0, packed, 2019, 12, 31), day(2020, 1, 1));
    /* before Y-01-01: raised to it */
    benefit_years_clear(&y);
    assert_true(benefit_years_set(&y, 2019, day(2018, 12, 1)));
    assert_int_equal(start_on(0, benefit_years_pack(&y), 2019, 1, 1), day(2019, 1, 1));
}

static void test_fallback(void **state) {
    (void)state;
    datetime_s typed = day(2015, 3, 1);
    /* no per-year start (an employee, a typed resident): benefit_start */
    assert_int_equal(start_on(typed, 0, 2020, 5, 5), typed);
    struct benefit_years y;
    benefit_years_clear(&y);
    assert_int_equal(benefit_years_pack(&y), 0);
    assert_true(benefit_years_set(&y, 2020, day(2020, 1, 1)));
    assert_true(benefit_years_set(&y, 2018, day(2018, 4, 1))); /* 2019 not charged */
    int64_t packed = benefit_years_pack(&y);
    assert_int_equal(start_on(typed, packed, 2019, 6, 1), typed);
    assert_int_equal(start_on(typed, packed, 2023, 6, 1), typed); /* after the window */
    assert_int_equal(start_on(typed, packed, 2017, 6, 1), typed); /* before it */
    assert_int_equal(start_on(typed, packed, 2018, 6, 1), day(2018, 4, 1));
}

static void test_window_slides(void **state) {
    (void)state;
    struct benefit_years y;
    benefit_years_clear(&y);
    for (int year = 2020; year >= 2014; year--) {
        bool fits = benefit_years_set(&y, year, day(year, 2, 1));
        assert_int_equal(fits, year > 2020 - BENEFIT_YEARS_MAX);
    }
    assert_int_equal(y.first_year, 2020 - BENEFIT_YEARS_MAX + 1);
    /* a later year moves the window on; the oldest falls out */
    assert_true(benefit_years_set(&y, 2021, day(2021, 1, 1)));
    int64_t packed = benefit_years_pack(&y);
    assert_int_equal(start_on(7, packed, 2016, 6, 1), 7);
    assert_int_equal(start_on(7, packed, 2017, 6, 1), day(2017, 2, 1));
    assert_int_equal(start_on(7, packed, 2021, 6, 1), day(2021, 1, 1));
}

static void test_leap_and_pack(void **state) {
    (void)state;
    struct benefit_years y, back;
    benefit_years_clear(&y);
    assert_true(benefit_years_set(&y, 2020, day(2020, 12, 31))); /* day 365 of a leap year */
    assert_true(benefit_years_set(&y, 2019, day(2020, 1, 1)));   /* not covered: 365 */
    assert_true(benefit_years_set(&y, 2024, day(2025, 1, 1)));   /* not covered: 366 */
    int64_t packed = benefit_years_pack(&y);
    assert_true(packed > 0);
    assert_true(benefit_years_unpack(packed, &back));
    assert_memory_equal(&y, &back, sizeof y);
    assert_int_equal(start_on(0, packed, 2020, 12, 31), day(2020, 12, 31));
    assert_int_equal(start_on(0, packed, 2024, 12, 31), day(2025, 1, 1));
    /* a time of day starts the next day (never earlier than the rule) */
    benefit_years_clear(&y);
    assert_true(benefit_years_set(&y, 2021, day(2021, 3, 1) + 3600));
    assert_int_equal(start_on(0, benefit_years_pack(&y), 2021, 6, 1), day(2021, 3, 2));
    /* values never written: negative, no year, a day past the year, bits above */
    assert_false(benefit_years_unpack(-1, &back));
    assert_false(benefit_years_unpack((int64_t)1 << 16, &back)); /* year 0 */
    assert_false(benefit_years_unpack(2021 | ((int64_t)400 << 16), &back));
    assert_false(benefit_years_unpack(2021 | ((int64_t)1 << 62), &back));
    assert_false(benefit_years_unpack(2021, &back)); /* a year, no day */
    assert_int_equal(back.first_year, 0);
    assert_int_equal(start_on(9, -1, 2021, 6, 1), 9); /* unreadable: benefit_start */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_on_time_then_late), cmocka_unit_test(test_late_then_on_time),
        cmocka_unit_test(test_unpaid_year_only),  cmocka_unit_test(test_fallback),
        cmocka_unit_test(test_window_slides),     cmocka_unit_test(test_leap_and_pack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
