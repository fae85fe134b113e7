/* test_money.c: cmocka tests of src/core/money.c and src/core/date.c.
 *
 * Covers decimal_parse on every JSON number form (signs, fractions,
 * exponents, trailing zeros, malformed text, precision and range limits,
 * huge exponents that must not hang), money_mul_bp / money_div_bp half-up
 * rounding (spot values and exhaustive small ranges against an integer
 * reference), money_room with CAP_NONE, money_format / ratio_format /
 * scaled_format outputs, and datetime_parse / datetime_year /
 * datetime_format (leap years, bad separators, out-of-range fields, a
 * day-by-day walk from 1900 to 2100 and random round trips).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/limits.h"
#include "core/money.h"

/* ---- helpers ---------------------------------------------------------- */

static enum decimal_status parse(const char *text, int decimals, int64_t abs_max, int64_t *out) {
    *out = 0x5a5a5a5a;
    return decimal_parse(text, strlen(text), decimals, abs_max, out);
}

static void expect_ok(const char *text, int decimals, int64_t abs_max, int64_t want) {
    int64_t v;
    enum decimal_status s = parse(text, decimals, abs_max, &v);
    if (s != DECIMAL_OK || v != want)
        print_error("decimal_parse(\"%s\", %d): status %d value %lld, want %lld\n", text, decimals,
                    (int)s, (long long)v, (long long)want);
    assert_int_equal(s, DECIMAL_OK);
    assert_true(v == want);
}

static void expect_status(const char *text, int decimals, int64_t abs_max,
                          enum decimal_status want) {
    int64_t v;
    enum decimal_status s = parse(text, decimals, abs_max, &v);
    if (s != want)
        print_error("decimal_parse(\"%s\", %d): status %d, want %d\n", text, decimals, (int)s,
                    (int)want);
    assert_int_equal(s, want);
}

/* xorshift64*: a small seeded PRNG, so runs are reproducible. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rng_next(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}
static int64_t rng_range(int64_t lo, int64_t hi) /* inclusive */
{
    return lo + (int64_t)(rng_next() % (uint64_t)(hi - lo + 1));
}

/* ---- decimal_parse ---------------------------------------------------- */

static void test_decimal_plain_forms(void **state) {
    (void)state;
    expect_ok("0", 2, AMOUNT_FEN_MAX, 0);
    expect_ok("-0", 2, AMOUNT_FEN_MAX, 0);
    expect_ok("0.0", 2, AMOUNT_FEN_MAX, 0);
    expect_ok("-0.00", 2, AMOUNT_FEN_MAX, 0);
    expect_ok("1", 2, AMOUNT_FEN_MAX, 100);
    expect_ok("-1", 2, AMOUNT_FEN_MAX, -100);
    expect_ok("12.5", 2, AMOUNT_FEN_MAX, 1250);
    expect_ok("12.05", 2, AMOUNT_FEN_MAX, 1205);
    expect_ok("0.01", 2, AMOUNT_FEN_MAX, 1);
    expect_ok("-0.01", 2, AMOUNT_FEN_MAX, -1);
    expect_ok("1435.85", 2, AMOUNT_FEN_MAX, 143585);
    expect_ok("35.0", 6, PRICE_SCALED_MAX, 35000000);
    expect_ok("0.000001", 6, PRICE_SCALED_MAX, 1);
    expect_ok("0.65", 4, RATIO_ONE_BP, 6500);
    expect_ok("1", 4, RATIO_ONE_BP, 10000);
    expect_ok("7", 0, 100, 7);
}

static void test_decimal_trailing_zeros(void **state) {
    (void)state;
    /* "1.230" has 2 decimals: trailing zeros do not count. */
    expect_ok("1.230", 2, AMOUNT_FEN_MAX, 123);
    expect_ok("1.2300000000000000000000000000000", 2, AMOUNT_FEN_MAX, 123);
    expect_ok("5.000000", 0, 100, 5);
    expect_ok("0.50000", 4, RATIO_ONE_BP, 5000);
    expect_status("1.234", 2, AMOUNT_FEN_MAX, DECIMAL_TOO_PRECISE);
    expect_status("1.2340", 2, AMOUNT_FEN_MAX, DECIMAL_TOO_PRECISE);
    expect_status("0.001", 2, AMOUNT_FEN_MAX, DECIMAL_TOO_PRECISE);
    expect_status("0.00001", 4, RATIO_ONE_BP, DECIMAL_TOO_PRECISE);
    expect_status("0.12345", 4, AMOUNT_FEN_MAX, DECIMAL_TOO_PRECISE);
    expect_status("1.5", 0, 100, DECIMAL_TOO_PRECISE);
    expect_status("0.0000000000000000001", 2, AMOUNT_FEN_MAX, DECIMAL_TOO_PRECISE);
    expect_status("-0.0000001", 6, PRICE_SCALED_MAX, DECIMAL_TOO_PRECISE);
}

static void test_decimal_exponents(void **state) {
    (void)state;
    expect_ok("1e2", 2, AMOUNT_FEN_MAX, 10000);
    expect_ok("1E2", 2, AMOUNT_FEN_MAX, 10000);
    expect_ok("1E+2", 2, AMOUNT_FEN_MAX, 10000);
    expect_ok("1e+02", 2, AMOUNT_FEN_MAX, 10000);
    expect_ok("1.5e-1", 2, AMOUNT_FEN_MAX, 15); /* 0.15: 2 decimals */
    expect_ok("15e-1", 1, 1000, 15);            /* 1.5: 1 decimal */
    expect_ok("1.5e1", 0, 1000, 15);
    expect_ok("-2.5e-2", 4, RATIO_ONE_BP, -250);
    expect_ok("123e-2", 2, AMOUNT_FEN_MAX, 123);
    expect_ok("1e-2", 2, AMOUNT_FEN_MAX, 1);
    expect_ok("0.1e1", 0, 100, 1);
    expect_ok("1e0", 2, AMOUNT_FEN_MAX, 100);
    expect_ok("1e-0", 2, AMOUNT_FEN_MAX, 100);
    expect_ok("1e10", 2, AMOUNT_FEN_MAX, AMOUNT_FEN_MAX);
    expect_ok("1e00000000000000000000000002", 2, AMOUNT_FEN_MAX, 10000);
    expect_ok("0e999999", 2, AMOUNT_FEN_MAX, 0);
    expect_ok("0e-999999", 2, AMOUNT_FEN_MAX, 0);
    expect_ok("-0.0e999999999999999999999", 2, AMOUNT_FEN_MAX, 0);
    expect_ok("1.0000e2", 0, 1000, 100);
    expect_status("1e-3", 2, AMOUNT_FEN_MAX, DECIMAL_TOO_PRECISE);
    expect_status("1.5e-1", 1, 1000, DECIMAL_TOO_PRECISE); /* 0.15 has 2 decimals */
    expect_status("1.5e-1", 0, 1000, DECIMAL_TOO_PRECISE);
    expect_status("1e-999999", 2, AMOUNT_FEN_MAX, DECIMAL_TOO_PRECISE);
    expect_status("1e-99999999999999999999", 2, AMOUNT_FEN_MAX, DECIMAL_TOO_PRECISE);
    /* Huge exponents: out of range, and quickly (no loop over the exponent). */
    expect_status("1e999999", 2, AMOUNT_FEN_MAX, DECIMAL_OUT_OF_RANGE);
    expect_status("1e99999999999999999999999999", 2, AMOUNT_FEN_MAX, DECIMAL_OUT_OF_RANGE);
    expect_status("-9.9e999999", 2, AMOUNT_FEN_MAX, DECIMAL_OUT_OF_RANGE);
    expect_status("1e400", 2, AMOUNT_FEN_MAX, DECIMAL_OUT_OF_RANGE);
    expect_status("1e11", 2, AMOUNT_FEN_MAX, DECIMAL_OUT_OF_RANGE);
}

static void test_decimal_malformed(void **state) {
    (void)state;
    static const char *const bad[] = {
        "",          "-",     "+1",    "+0",  "00",    "01",           "-01", "1.",   "-1.",
        ".5",        "-.5",   "1e",    "1e+", "1e-",   "1E",           "e1",  "1.e1", "1..2",
        "1.2.3",     "1e2e3", "1e2.5", "--1", "- 1",   " 1",           "1 ",  "0x10", "Infinity",
        "-Infinity", "NaN",   "nan",   "1,5", "1_000", "\xef\xbc\x91", "1f",  "true", "null",
        "\"1\"",     "1e+-2", "0.e1",  "١",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_status(bad[i], 2, AMOUNT_FEN_MAX, DECIMAL_MALFORMED);
    /* The length bounds the text: "12" with len 1 is "1", and an embedded
     * NUL inside the given length is malformed. */
    int64_t v = 0;
    assert_int_equal(decimal_parse("12", 1, 2, AMOUNT_FEN_MAX, &v), DECIMAL_OK);
    assert_int_equal(v, 100);
    assert_int_equal(decimal_parse("1\0"
                                   "2",
                                   3, 2, AMOUNT_FEN_MAX, &v),
                     DECIMAL_MALFORMED);
    assert_int_equal(decimal_parse("1", 0, 2, AMOUNT_FEN_MAX, &v), DECIMAL_MALFORMED);
    assert_int_equal(decimal_parse(NULL, 0, 2, AMOUNT_FEN_MAX, &v), DECIMAL_MALFORMED);
    assert_string_equal(decimal_status_text(DECIMAL_OK), "ok");
    assert_string_equal(decimal_status_text(DECIMAL_MALFORMED), "not a number");
    assert_string_equal(decimal_status_text(DECIMAL_TOO_PRECISE), "too many decimals");
    assert_string_equal(decimal_status_text(DECIMAL_OUT_OF_RANGE), "out of range");
}

static void test_decimal_range(void **state) {
    (void)state;
    /* abs_max boundaries, both signs. */
    expect_ok("10000000000", 2, AMOUNT_FEN_MAX, AMOUNT_FEN_MAX);
    expect_ok("-10000000000", 2, AMOUNT_FEN_MAX, -AMOUNT_FEN_MAX);
    expect_ok("10000000000.00", 2, AMOUNT_FEN_MAX, AMOUNT_FEN_MAX);
    expect_ok("9999999999.99", 2, AMOUNT_FEN_MAX, AMOUNT_FEN_MAX - 1);
    expect_status("10000000000.01", 2, AMOUNT_FEN_MAX, DECIMAL_OUT_OF_RANGE);
    expect_status("-10000000000.01", 2, AMOUNT_FEN_MAX, DECIMAL_OUT_OF_RANGE);
    expect_status("10000000001", 2, AMOUNT_FEN_MAX, DECIMAL_OUT_OF_RANGE);
    expect_ok("1", 4, RATIO_ONE_BP, RATIO_ONE_BP);
    expect_ok("1.0000", 4, RATIO_ONE_BP, RATIO_ONE_BP);
    expect_status("1.0001", 4, RATIO_ONE_BP, DECIMAL_OUT_OF_RANGE);
    expect_status("1.5", 4, RATIO_ONE_BP, DECIMAL_OUT_OF_RANGE);
    expect_ok("-0.1", 4, RATIO_ONE_BP, -1000); /* sign is the caller's business */
    expect_ok("99", 0, 99, 99);
    expect_status("100", 0, 99, DECIMAL_OUT_OF_RANGE);
    expect_ok("1", 0, 1, 1);
    expect_status("2", 0, 1, DECIMAL_OUT_OF_RANGE);
    /* INT64 edge: abs_max = INT64_MAX accepts it and refuses one more. */
    expect_ok("9223372036854775807", 0, INT64_MAX, INT64_MAX);
    expect_ok("-9223372036854775807", 0, INT64_MAX, -INT64_MAX);
    expect_status("9223372036854775808", 0, INT64_MAX, DECIMAL_OUT_OF_RANGE);
    expect_status("92233720368547758070", 0, INT64_MAX, DECIMAL_OUT_OF_RANGE);
    expect_status("922337203685477580.8", 1, INT64_MAX, DECIMAL_OUT_OF_RANGE);
    /* Huge digit strings. */
    expect_status("123456789012345678901234567890", 2, AMOUNT_FEN_MAX, DECIMAL_OUT_OF_RANGE);
    expect_status("-123456789012345678901234567890.5", 2, AMOUNT_FEN_MAX, DECIMAL_OUT_OF_RANGE);
    char big[5001];
    memset(big, '9', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    expect_status(big, 2, AMOUNT_FEN_MAX, DECIMAL_OUT_OF_RANGE);
    /* Many leading fraction zeros and a long run of trailing zeros are fine. */
    char zeros[4100] = "0.";
    memset(zeros + 2, '0', 4000);
    strcpy(zeros + 4002, "1");
    expect_status(zeros, 2, AMOUNT_FEN_MAX, DECIMAL_TOO_PRECISE);
    char trail[4100] = "3.25";
    memset(trail + 4, '0', 4000);
    trail[4004] = '\0';
    expect_ok(trail, 2, AMOUNT_FEN_MAX, 325);
}

/* Exact values whose digit string alone exceeds abs_max but whose exponent
 * brings them back in range: "100000000000000000000e-18" is 100. */
static void test_decimal_long_mantissa_small_value_regression(void **state) {
    (void)state;
    expect_ok("100000000000000000000e-18", 2, AMOUNT_FEN_MAX, 10000);
    expect_ok("1500000000000000e-13", 2, AMOUNT_FEN_MAX, 15000);
    /* Same root cause: a ratio with 5 decimals is reported out of range
     * (its digits 12345 exceed 10000) instead of too precise. */
    expect_status("0.12345", 4, RATIO_ONE_BP, DECIMAL_TOO_PRECISE);
    expect_status("1.00000000000000000001", 2, AMOUNT_FEN_MAX, DECIMAL_TOO_PRECISE);
}

/* An exponent of 7 or more digits must still be read exactly. The value
 * 0.(100000 zeros)1e1000000 is 10^899999: out of range, not 0.10 yuan. */
static void test_decimal_saturated_exponent_regression(void **state) {
    (void)state;
    size_t zeros = 100000;
    char *text = malloc(zeros + 32);
    assert_non_null(text);
    memcpy(text, "0.", 2);
    memset(text + 2, '0', zeros);
    strcpy(text + 2 + zeros, "1e1000000");
    int64_t v = 0;
    enum decimal_status s = decimal_parse(text, strlen(text), 2, AMOUNT_FEN_MAX, &v);
    free(text);
    if (s != DECIMAL_OUT_OF_RANGE)
        print_error("0.<100000 zeros>1e1000000: status %d value %lld, want out of range\n", (int)s,
                    (long long)v);
    assert_int_equal(s, DECIMAL_OUT_OF_RANGE);
}

/* Every value with up to 2 decimals in a small range, written in several
 * forms, parses to the same fen. */
static void test_decimal_forms_agree(void **state) {
    (void)state;
    char text[64];
    for (int64_t fen = -3000; fen <= 3000; fen++) {
        int64_t mag = fen < 0 ? -fen : fen;
        const char *sign = fen < 0 ? "-" : "";
        snprintf(text, sizeof text, "%s%lld.%02lld", sign, (long long)(mag / 100),
                 (long long)(mag % 100));
        expect_ok(text, 2, AMOUNT_FEN_MAX, fen);
        snprintf(text, sizeof text, "%s%lld.%02lld000", sign, (long long)(mag / 100),
                 (long long)(mag % 100));
        expect_ok(text, 2, AMOUNT_FEN_MAX, fen);
        snprintf(text, sizeof text, "%s%llde-2", sign, (long long)mag);
        expect_ok(text, 2, AMOUNT_FEN_MAX, fen);
        if (mag != 0) {
            snprintf(text, sizeof text, "%s%lld0e-3", sign, (long long)mag);
            expect_ok(text, 2, AMOUNT_FEN_MAX, fen);
        }
        snprintf(text, sizeof text, "%s%lld.%02lld1", sign, (long long)(mag / 100),
                 (long long)(mag % 100));
        expect_status(text, 2, AMOUNT_FEN_MAX, DECIMAL_TOO_PRECISE);
        snprintf(text, sizeof text, "%s%llde-3", sign, (long long)mag);
        if (mag % 10 != 0) expect_status(text, 2, AMOUNT_FEN_MAX, DECIMAL_TOO_PRECISE);
        else expect_ok(text, 2, AMOUNT_FEN_MAX, fen / 10);
    }
    /* Random values over the whole amount range round-trip through text. */
    for (int i = 0; i < 20000; i++) {
        int64_t fen = rng_range(-AMOUNT_FEN_MAX, AMOUNT_FEN_MAX);
        int64_t mag = fen < 0 ? -fen : fen;
        snprintf(text, sizeof text, "%s%lld.%02lld", fen < 0 ? "-" : "", (long long)(mag / 100),
                 (long long)(mag % 100));
        expect_ok(text, 2, AMOUNT_FEN_MAX, fen);
    }
}

/* ---- money arithmetic ------------------------------------------------- */

static int64_t ref_mul(int64_t x, int64_t r) {
    int64_t p = x * r;
    return p / 10000 + (p % 10000 >= 5000 ? 1 : 0);
}

static int64_t ref_div(int64_t p, int64_t r) {
    int64_t n = p * 10000;
    return n / r + (2 * (n % r) >= r ? 1 : 0);
}

static void test_mul_bp_spot(void **state) {
    (void)state;
    assert_int_equal(money_mul_bp(0, 6500), 0);
    assert_int_equal(money_mul_bp(100, 0), 0);
    assert_int_equal(money_mul_bp(220900, 6500), 143585);
    assert_int_equal(money_mul_bp(1, 5000), 1); /* 0.5 fen rounds up */
    assert_int_equal(money_mul_bp(1, 4999), 0);
    assert_int_equal(money_mul_bp(3, 5000), 2);  /* 1.5 -> 2 */
    assert_int_equal(money_mul_bp(5, 1000), 1);  /* 0.5 -> 1 */
    assert_int_equal(money_mul_bp(15, 1000), 2); /* 1.5 -> 2 */
    assert_int_equal(money_mul_bp(25, 1000), 3); /* 2.5 -> 3 (not banker's) */
    assert_int_equal(money_mul_bp(12345, 10000), 12345);
    assert_int_equal(money_mul_bp(1, 1), 0);
    assert_int_equal(money_mul_bp(AMOUNT_FEN_MAX, RATIO_ONE_BP), AMOUNT_FEN_MAX);
    assert_true(money_mul_bp(BILL_TOTAL_FEN_MAX, 3333) == ref_mul(BILL_TOTAL_FEN_MAX, 3333));
    assert_true(money_mul_bp(INT64_MAX / RATIO_ONE_BP / 2, RATIO_ONE_BP) ==
                INT64_MAX / RATIO_ONE_BP / 2);
}

static void test_div_bp_spot(void **state) {
    (void)state;
    assert_int_equal(money_div_bp(0, 6500), 0);
    assert_int_equal(money_div_bp(143585, 6500), 220900);
    assert_int_equal(money_div_bp(1, 3), 3333); /* 3333.33 */
    assert_int_equal(money_div_bp(2, 3), 6667); /* 6666.67 */
    assert_int_equal(money_div_bp(1, 20000 / 2), 1);
    assert_int_equal(money_div_bp(1, 8000), 1); /* 1.25 -> 1 */
    assert_int_equal(money_div_bp(3, 8000), 4); /* 3.75 -> 4 */
    assert_int_equal(money_div_bp(1, 6667), 1); /* 1.4999 -> 1 */
    assert_int_equal(money_div_bp(1, 4000), 3); /* 2.5 -> 3 */
    assert_int_equal(money_div_bp(1, 1), 10000);
    assert_int_equal(money_div_bp(7, 10000), 7);
}

/* Exhaustive over small ranges against the integer reference. */
static void test_mul_div_exhaustive(void **state) {
    (void)state;
    for (int64_t x = 0; x <= 1200; x++)
        for (int64_t r = 0; r <= RATIO_ONE_BP; r++)
            if (money_mul_bp(x, (int32_t)r) != ref_mul(x, r)) {
                print_error("mul(%lld, %lld)\n", (long long)x, (long long)r);
                fail();
            }
    for (int64_t p = 0; p <= 1200; p++)
        for (int64_t r = 1; r <= RATIO_ONE_BP; r++)
            if (money_div_bp(p, (int32_t)r) != ref_div(p, r)) {
                print_error("div(%lld, %lld)\n", (long long)p, (long long)r);
                fail();
            }
    for (int i = 0; i < 200000; i++) {
        int64_t x = rng_range(0, BILL_TOTAL_FEN_MAX);
        int64_t r = rng_range(0, RATIO_ONE_BP);
        assert_true(money_mul_bp(x, (int32_t)r) == ref_mul(x, r));
        if (r > 0) assert_true(money_div_bp(x, (int32_t)r) == ref_div(x, r));
        /* div(mul(x, r), r) is within half a unit of r of x. */
        if (r >= 100) {
            int64_t back = money_div_bp(money_mul_bp(x, (int32_t)r), (int32_t)r);
            int64_t diff = back > x ? back - x : x - back;
            assert_true(diff * r <= 10000 / 2 + r);
        }
    }
}

static void test_room(void **state) {
    (void)state;
    assert_true(money_room(CAP_NONE, 0) == INT64_MAX);
    assert_true(money_room(CAP_NONE, STATE_FEN_MAX) == INT64_MAX);
    assert_true(money_room(0, 0) == 0);
    assert_true(money_room(1000, 0) == 1000);
    assert_true(money_room(1000, 999) == 1);
    assert_true(money_room(1000, 1000) == 0);
    assert_true(money_room(1000, 1001) == 0); /* max(0, ...) */
    assert_true(money_room(1000, STATE_FEN_MAX) == 0);
    assert_true(money_room(AMOUNT_FEN_MAX, 0) == AMOUNT_FEN_MAX);
    assert_true(money_min(3, 4) == 3 && money_max(3, 4) == 4);
    assert_true(money_min(-1, INT64_MAX) == -1);
}

/* ---- formatting ------------------------------------------------------- */

static void check_money_format(int64_t fen, const char *want) {
    char buf[32];
    int n = money_format(fen, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, (int)strlen(want));
}

static void check_scaled(int64_t v, int decimals, const char *want) {
    char buf[48];
    int n = scaled_format(v, decimals, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, (int)strlen(want));
}

static void check_ratio(int32_t bp, const char *want) {
    char buf[24];
    int n = ratio_format(bp, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, (int)strlen(want));
}

static void test_formats(void **state) {
    (void)state;
    check_money_format(0, "0.00");
    check_money_format(1, "0.01");
    check_money_format(-5, "-0.05");
    check_money_format(10, "0.10");
    check_money_format(143585, "1435.85");
    check_money_format(-143585, "-1435.85");
    check_money_format(100, "1.00");
    check_money_format(AMOUNT_FEN_MAX, "10000000000.00");
    check_money_format(INT64_MAX, "92233720368547758.07");
    check_money_format(-INT64_MAX, "-92233720368547758.07");

    check_ratio(0, "0.0");
    check_ratio(10000, "1.0");
    check_ratio(6500, "0.65");
    check_ratio(5000, "0.5");
    check_ratio(1, "0.0001");
    check_ratio(1234, "0.1234");
    check_ratio(9990, "0.999");
    check_ratio(500, "0.05");

    check_scaled(0, 0, "0");
    check_scaled(42, 0, "42");
    check_scaled(-42, 0, "-42");
    check_scaled(35000000, 6, "35.0");
    check_scaled(1200000, 6, "1.2");
    check_scaled(1, 6, "0.000001");
    check_scaled(-1, 6, "-0.000001");
    check_scaled(80000, 4, "8.0");
    check_scaled(12345, 4, "1.2345");
    check_scaled(123450, 4, "12.345");
    check_scaled(-5, 2, "-0.05");
    check_scaled(INT64_MAX, 9, "9223372036.854775807");
    check_scaled(-INT64_MAX, 1, "-922337203685477580.7");

    /* Formatting then parsing returns the value (money and scaled). */
    for (int i = 0; i < 20000; i++) {
        char buf[48];
        int64_t fen = rng_range(-AMOUNT_FEN_MAX, AMOUNT_FEN_MAX);
        money_format(fen, buf, sizeof buf);
        expect_ok(buf, 2, AMOUNT_FEN_MAX, fen);
        int decimals = (int)rng_range(0, 9);
        int64_t v = rng_range(-PRICE_SCALED_MAX, PRICE_SCALED_MAX);
        scaled_format(v, decimals, buf, sizeof buf);
        expect_ok(buf, decimals, INT64_MAX, v);
    }
    /* A short buffer truncates (NUL-terminated), never overflows. */
    char tiny[4];
    int n = scaled_format(123456, 2, tiny, sizeof tiny);
    assert_true(n >= 4);
    assert_string_equal(tiny, "123");
}

/* ---- dates ------------------------------------------------------------ */

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
static int month_days(int y, int m) {
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

static bool parses(const char *text, datetime_s *out) {
    return datetime_parse(text, strlen(text), out);
}

static void test_datetime_valid(void **state) {
    (void)state;
    datetime_s t, u;
    assert_true(parses("0001-01-01", &t));
    assert_true(t == 0);
    assert_true(parses("0001-01-01 00:00:01", &t));
    assert_true(t == 1);
    assert_true(parses("0001-01-02", &t));
    assert_true(t == 86400);
    assert_true(parses("2020-03-11", &t));
    assert_true(parses("2020-03-11 00:00:00", &u));
    assert_true(t == u); /* a date alone is 00:00:00 */
    assert_true(parses("2020-03-11 23:59:59", &u));
    assert_true(u - t == 86399);
    assert_true(parses("2020-03-12", &u));
    assert_true(u - t == 86400);
    assert_true(parses("9999-12-31 23:59:59", &t));
    assert_int_equal(datetime_year(t), 9999);
    assert_true(t == datetime_from_civil(9999, 12, 31, 23, 59, 59));
    char buf[20];
    datetime_format(t, buf);
    assert_string_equal(buf, "9999-12-31 23:59:59");
    assert_true(parses("2020-01-01", &t));
    assert_true(parses("2019-12-31 23:59:59", &u));
    assert_true(t - u == 1);
    assert_int_equal(datetime_year(t), 2020);
    assert_int_equal(datetime_year(u), 2019);
    /* Known day count: 1970-01-01 is day 719162 from 0001-01-01. */
    assert_true(parses("1970-01-01", &t));
    assert_true(t == (datetime_s)719162 * 86400);
}

static void test_datetime_leap(void **state) {
    (void)state;
    datetime_s t, u;
    assert_true(parses("2020-02-29", &t));
    assert_true(parses("2020-03-01", &u));
    assert_true(u - t == 86400);
    assert_false(parses("2021-02-29", &t));
    assert_true(parses("2021-02-28", &t));
    assert_true(parses("2021-03-01", &u));
    assert_true(u - t == 86400);
    assert_false(parses("1900-02-29", &t)); /* divisible by 100 */
    assert_true(parses("2000-02-29", &t));  /* divisible by 400 */
    assert_false(parses("2100-02-29", &t));
    assert_true(parses("2400-02-29", &t));
    assert_true(parses("0004-02-29", &t));
    assert_false(parses("2020-02-30", &t));
    assert_false(parses("2020-04-31", &t));
    assert_true(parses("2020-04-30", &t));
    assert_false(parses("2020-06-31", &t));
    assert_false(parses("2020-09-31", &t));
    assert_false(parses("2020-11-31", &t));
    assert_true(parses("2020-12-31", &t));
    assert_true(parses("2020-01-31", &t));
}

static void test_datetime_invalid(void **state) {
    (void)state;
    static const char *const bad[] = {
        "",
        "2020",
        "2020-1-01",
        "2020-01-1",
        "20200101",
        "2020/01/01",
        "2020.01.01",
        "2020-01-01T00:00:00",
        "2020-01-01 00-00-00",
        "2020-01-01 00:00",
        "2020-01-01 ",
        "2020-01-01 0:00:00",
        "2020-01-01  00:00:0",
        "2020-01-01 24:00:00",
        "2020-01-01 23:60:00",
        "2020-01-01 23:59:60",
        "2020-00-01",
        "2020-13-01",
        "2020-01-00",
        "2020-01-32",
        "0000-01-01",
        "-020-01-01",
        "2020-0a-01",
        "2020-01-0 ",
        " 2020-01-01",
        "2020-01-01x",
        "2020-01-01 00:00:00Z",
        "2020-01-01 00:00:00.0",
        "2020-01-01 +0:00:00",
        "2020-01-01 00:+0:00",
        "abcd-ef-gh",
        "2020-01-01 aa:bb:cc",
        "2020-01-01\t00:00:00",
        "2020_01_01",
        "2020-01-01 00:00:00 ",
    };
    datetime_s t = 12345;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (parses(bad[i], &t)) print_error("accepted \"%s\"\n", bad[i]);
        assert_false(parses(bad[i], &t));
    }
    assert_true(t == 12345); /* untouched on failure */
    /* Length 11 (a date plus one byte) and a good prefix of a longer text. */
    assert_false(datetime_parse("2020-01-01 ", 11, &t));
    assert_false(datetime_parse("2020-01-01 00:00:00", 11, &t));
    assert_true(datetime_parse("2020-01-01 00:00:00", 10, &t));
    assert_false(datetime_parse("2020-01-01 00:00:00", 18, &t));
    assert_false(datetime_parse("2020-01-01 00:00:00", 20, &t));
    assert_false(datetime_parse(NULL, 10, &t));
}

/* Walks every day from 1900-01-01 to 2100-12-31 with an independent
 * calendar: consecutive days are 86400 s apart, the text round-trips and the
 * year is right. */
static void test_datetime_walk(void **state) {
    (void)state;
    datetime_s prev = -1;
    char text[64], back[20];
    for (int y = 1900; y <= 2100; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= month_days(y, m); d++) {
                datetime_s t;
                snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, d);
                assert_true(parses(text, &t));
                if (prev >= 0) assert_true(t - prev == 86400);
                prev = t;
                assert_int_equal(datetime_year(t), y);
                assert_int_equal(datetime_year(t + 86399), y);
                datetime_format(t, back);
                assert_memory_equal(back, text, 10);
                assert_string_equal(back + 10, " 00:00:00");
                assert_true(t == datetime_from_civil(y, m, d, 0, 0, 0));
                if (d == month_days(y, m)) {
                    snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, d + 1);
                    assert_false(parses(text, &t));
                }
            }
}

static void test_datetime_random_round_trip(void **state) {
    (void)state;
    char text[64], back[20];
    for (int i = 0; i < 50000; i++) {
        int y = (int)rng_range(1, 9999), m = (int)rng_range(1, 12);
        int d = (int)rng_range(1, month_days(y, m));
        int h = (int)rng_range(0, 23), mi = (int)rng_range(0, 59), s = (int)rng_range(0, 59);
        snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, h, mi, s);
        datetime_s t;
        assert_true(parses(text, &t));
        assert_true(t == datetime_from_civil(y, m, d, h, mi, s));
        assert_int_equal(datetime_year(t), y);
        datetime_format(t, back);
        assert_string_equal(back, text);
        /* Ordering is integer comparison. */
        datetime_s day;
        snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, d);
        assert_true(parses(text, &day));
        assert_true(day <= t && t - day < 86400);
        /* Any second of the day formats back to itself. */
        datetime_s any = (datetime_s)rng_range(0, datetime_from_civil(9999, 12, 31, 23, 59, 59));
        datetime_format(any, back);
        datetime_s again;
        assert_true(parses(back, &again));
        assert_true(again == any);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decimal_plain_forms),
        cmocka_unit_test(test_decimal_trailing_zeros),
        cmocka_unit_test(test_decimal_exponents),
        cmocka_unit_test(test_decimal_malformed),
        cmocka_unit_test(test_decimal_range),
        cmocka_unit_test(test_decimal_forms_agree),
        cmocka_unit_test(test_decimal_long_mantissa_small_value_regression),
        cmocka_unit_test(test_decimal_saturated_exponent_regression),
        cmocka_unit_test(test_mul_bp_spot),
        cmocka_unit_test(test_div_bp_spot),
        cmocka_unit_test(test_mul_div_exhaustive),
        cmocka_unit_test(test_room),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_datetime_valid),
        cmocka_unit_test(test_datetime_leap),
        cmocka_unit_test(test_datetime_invalid),
        cmocka_unit_test(test_datetime_walk),
        cmocka_unit_test(test_datetime_random_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
