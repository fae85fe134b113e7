/* fuzz_decimal.c: libFuzzer target for decimal_parse (src/core/money.c).
 *
 * The first input byte picks decimals_max (0..9) and abs_max; the rest is
 * the number text. An independent slow reference (grammar check, then exact
 * arithmetic on digit strings) decides the status and value; the two must
 * agree. Where both "too precise" and "out of range" apply either status is
 * accepted. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what, const char *text, size_t len) {
    if (ok) return;
    fprintf(stderr, "fuzz_decimal: %s: \"%.*s\"\n", what, (int)(len > 200 ? 200 : len), text);
    abort();
}

static bool digit(char c) { return c >= '0' && c <= '9'; }

struct ref {
    enum decimal_status status;
    bool also_out_of_range;  /* too precise and out of range at once */
    bool mantissa_above_max; /* the digit string alone exceeds abs_max */
    bool big_exponent;       /* exponent >= 100000 in magnitude */
    int64_t value;
};

/* Exact reference: value = sign * D * 10^e, D a digit string. */
static void reference(const char *t, size_t len, int dm, int64_t abs_max, struct ref *r) {
    memset(r, 0, sizeof *r);
    size_t i = 0;
    bool neg = false;
    /* Grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
    if (i < len && t[i] == '-') neg = true, i++;
    if (i >= len || !digit(t[i])) {
        r->status = DECIMAL_MALFORMED;
        return;
    }
    size_t int_start = i;
    if (t[i] == '0') i++;
    else
        while (i < len && digit(t[i])) i++;
    size_t int_end = i, frac_start = i, frac_end = i;
    if (i < len && t[i] == '.') {
        i++;
        frac_start = i;
        while (i < len && digit(t[i])) i++;
        frac_end = i;
        if (frac_end == frac_start) {
            r->status = DECIMAL_MALFORMED;
            return;
        }
    }
    bool exp_neg = false;
    size_t exp_start = i, exp_end = i;
    if (i < len && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        if (i < len && (t[i] == '+' || t[i] == '-')) exp_neg = t[i] == '-', i++;
        exp_start = i;
        while (i < len && digit(t[i])) i++;
        exp_end = i;
        if (exp_end == exp_start) {
            r->status = DECIMAL_MALFORMED;
            return;
        }
    }
    if (i != len) {
        r->status = DECIMAL_MALFORMED;
        return;
    }
    (void)neg;

    /* Collect all mantissa digits, note the fraction length. */
    size_t n = (int_end - int_start) + (frac_end - frac_start);
    char *d = malloc(n + 1);
    if (d == NULL) abort();
    memcpy(d, t + int_start, int_end - int_start);
    memcpy(d + (int_end - int_start), t + frac_start, frac_end - frac_start);
    d[n] = '\0';
    /* Exponent as a big number: saturate at 10^15 (far beyond any effect). */
    int64_t ex = 0;
    for (size_t k = exp_start; k < exp_end; k++) {
        if (ex < 1000000000000000LL) ex = ex * 10 + (t[k] - '0');
    }
    r->big_exponent = ex >= 100000;
    if (exp_neg) ex = -ex;
    int64_t e = ex - (int64_t)(frac_end - frac_start);
    /* Mantissa digits alone against abs_max (decimal_parse's early check). */
    {
        size_t lead = 0;
        size_t frac_trim = frac_end;
        while (frac_trim > frac_start && t[frac_trim - 1] == '0') frac_trim--;
        size_t m = (int_end - int_start) + (frac_trim - frac_start);
        while (lead < m && d[lead] == '0') lead++;
        __int128 acc = 0;
        for (size_t k = lead; k < m && !r->mantissa_above_max; k++) {
            acc = acc * 10 + (d[k] - '0');
            if (acc > abs_max) r->mantissa_above_max = true;
        }
    }
    /* Strip leading zeros; zero is zero whatever the exponent. */
    size_t lead = 0;
    while (lead < n && d[lead] == '0') lead++;
    if (lead == n) {
        free(d);
        r->status = DECIMAL_OK;
        r->value = 0;
        return;
    }
    /* Strip trailing zeros into the exponent. */
    size_t end = n;
    while (end > lead && d[end - 1] == '0') end--, e++;
    size_t digits = end - lead;
    int64_t shift = e + dm; /* scaled = D * 10^shift */
    bool too_precise = shift < 0;
    /* Digits of the scaled value's integer part. */
    int64_t int_digits = (int64_t)digits + shift;
    bool out_of_range;
    __int128 int_part = 0;
    if (int_digits > 20) out_of_range = true;
    else if (int_digits <= 0) out_of_range = false; /* below 1 */
    else {
        for (int64_t k = 0; k < int_digits; k++)
            int_part = int_part * 10 + (k < (int64_t)digits ? d[lead + (size_t)k] - '0' : 0);
        bool has_frac = int_digits < (int64_t)digits;
        out_of_range = int_part > abs_max || (int_part == abs_max && has_frac);
    }
    free(d);
    if (too_precise && out_of_range) {
        r->status = DECIMAL_TOO_PRECISE;
        r->also_out_of_range = true;
    } else if (too_precise) r->status = DECIMAL_TOO_PRECISE;
    else if (out_of_range) r->status = DECIMAL_OUT_OF_RANGE;
    else {
        r->status = DECIMAL_OK;
        r->value = (int64_t)(neg ? -int_part : int_part);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    static const int64_t maxima[8] = {AMOUNT_FEN_MAX,
                                      RATIO_ONE_BP,
                                      CNT_SCALED_MAX,
                                      PRICE_SCALED_MAX,
                                      INT64_MAX,
                                      INT64_MAX / 10,
                                      1,
                                      999};
    int dm = data[0] % 10;
    int64_t abs_max = maxima[(data[0] / 10) % 8];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    struct ref want;
    reference(text, len, dm, abs_max, &want);
    int64_t got_value = 0;
    enum decimal_status got = decimal_parse(text, len, dm, abs_max, &got_value);
    if (got == want.status && (got != DECIMAL_OK || got_value == want.value)) return 0;
    if (want.also_out_of_range && got == DECIMAL_OUT_OF_RANGE) return 0;
    char msg[160];
    snprintf(msg, sizeof msg, "dm %d max %lld: got status %d value %lld, want %d value %lld", dm,
             (long long)abs_max, (int)got, (long long)got_value, (int)want.status,
             (long long)want.value);
    check(false, msg, text, len);
    return 0;
}
