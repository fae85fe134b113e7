/* money.c: exact decimal parsing and the spec's rounding rules.
 *
 * decimal_parse() reads JSON number text digit by digit into an integer
 * scaled by 10^decimals_max. It never touches floating point: "1.230" is
 * 1230 thousandths with 2 significant decimals, and "1.5e2" is 150 exactly. */
#include "core/money.h"

#include <assert.h>
#include <limits.h>
#include <stdio.h>

/* Splits the number text into sign, significant digits, and a base-10
 * exponent, checking JSON's grammar on the way. */
struct decimal_parts {
    bool negative;
    const char *digits[2]; /* integer part, fraction part */
    size_t digit_len[2];
    int64_t exponent;
};

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool decimal_split(const char *t, size_t len, struct decimal_parts *p) {
    size_t i = 0;
    *p = (struct decimal_parts){0};
    if (i < len && t[i] == '-') { p->negative = true; i++; }
    if (i >= len || !is_digit(t[i])) return false;
    p->digits[0] = t + i;
    if (t[i] == '0') i++;
    else while (i < len && is_digit(t[i])) i++;
    p->digit_len[0] = (size_t)(t + i - p->digits[0]);
    if (i < len && t[i] == '.') {
        i++;
        p->digits[1] = t + i;
        while (i < len && is_digit(t[i])) i++;
        p->digit_len[1] = (size_t)(t + i - p->digits[1]);
        if (p->digit_len[1] == 0) return false;
    }
    if (i < len && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        bool exp_negative = false;
        if (i < len && (t[i] == '+' || t[i] == '-')) exp_negative = t[i++] == '-';
        if (i >= len || !is_digit(t[i])) return false;
        while (i < len && is_digit(t[i])) {
            if (p->exponent < 100000) p->exponent = p->exponent * 10 + (t[i] - '0');
            i++;
        }
        if (exp_negative) p->exponent = -p->exponent;
    }
    return i == len;
}

enum decimal_status decimal_parse(const char *text, size_t len, int decimals_max,
                                  int64_t abs_max, int64_t *out) {
    assert(decimals_max >= 0 && decimals_max <= 9);
    assert(abs_max > 0);
    struct decimal_parts p;
    if (text == NULL || !decimal_split(text, len, &p)) return DECIMAL_MALFORMED;
    /* Trailing zeros of the fraction are not decimals ("1.230" has 2). */
    size_t frac_len = p.digit_len[1];
    while (frac_len > 0 && p.digits[1][frac_len - 1] == '0') frac_len--;
    /* The value is D * 10^(exponent - frac_len), D the digit string. We need
     * D * 10^(exponent - frac_len + decimals_max) to be an integer. */
    int64_t shift = p.exponent - (int64_t)frac_len + decimals_max;
    int64_t value = 0;
    int64_t trailing_zeros_needed = 0;
    for (int part = 0; part < 2; part++) {
        size_t n = part == 0 ? p.digit_len[0] : frac_len;
        for (size_t k = 0; k < n; k++) {
            int d = p.digits[part][k] - '0';
            if (value > (abs_max - d) / 10) {
                if (value == 0 && d == 0) continue;
                return DECIMAL_OUT_OF_RANGE;
            }
            value = value * 10 + d;
        }
    }
    if (shift < 0) {
        /* Digits beyond the allowed decimals must all be zero. */
        for (int64_t s = 0; s < -shift; s++) {
            if (value % 10 != 0) return DECIMAL_TOO_PRECISE;
            value /= 10;
        }
    } else {
        trailing_zeros_needed = shift;
        for (int64_t s = 0; s < trailing_zeros_needed && value != 0; s++) {
            if (value > abs_max / 10) return DECIMAL_OUT_OF_RANGE;
            value *= 10;
        }
    }
    if (value > abs_max) return DECIMAL_OUT_OF_RANGE;
    *out = p.negative ? -value : value;
    return DECIMAL_OK;
}

const char *decimal_status_text(enum decimal_status status) {
    switch (status) {
    case DECIMAL_OK: return "ok";
    case DECIMAL_MALFORMED: return "not a number";
    case DECIMAL_TOO_PRECISE: return "too many decimals";
    case DECIMAL_OUT_OF_RANGE: return "out of range";
    }
    return "?";
}

int64_t money_mul_bp(int64_t amount_fen, int32_t ratio_bp) {
    assert(amount_fen >= 0 && amount_fen <= INT64_MAX / RATIO_ONE_BP / 2);
    assert(ratio_bp >= 0);
    return (amount_fen * ratio_bp + RATIO_ONE_BP / 2) / RATIO_ONE_BP;
}

int64_t money_div_bp(int64_t amount_fen, int32_t ratio_bp) {
    assert(amount_fen >= 0 && amount_fen <= INT64_MAX / RATIO_ONE_BP / 2);
    assert(ratio_bp > 0);
    return (amount_fen * RATIO_ONE_BP + ratio_bp / 2) / ratio_bp;
}

int64_t money_room(int64_t cap_fen, int64_t used_fen) {
    assert(cap_fen >= 0 || cap_fen == CAP_NONE);
    if (cap_fen == CAP_NONE) return INT64_MAX;
    return cap_fen > used_fen ? cap_fen - used_fen : 0;
}

int scaled_format(int64_t value, int decimals, char *buf, size_t size) {
    assert(decimals >= 0 && decimals <= 9);
    assert(value > INT64_MIN);
    int64_t scale = 1;
    for (int i = 0; i < decimals; i++) scale *= 10;
    uint64_t magnitude = (uint64_t)(value < 0 ? -value : value);
    uint64_t whole = magnitude / (uint64_t)scale, frac = magnitude % (uint64_t)scale;
    int n = snprintf(buf, size, "%s%llu", value < 0 ? "-" : "", (unsigned long long)whole);
    if (decimals == 0 || n < 0 || (size_t)n >= size) return n;
    char digits[24];
    snprintf(digits, sizeof digits, "%0*llu", decimals, (unsigned long long)frac);
    int keep = decimals;
    while (keep > 1 && digits[keep - 1] == '0') keep--;
    digits[keep] = '\0';
    return n + snprintf(buf + n, size - (size_t)n, ".%s", digits);
}

int money_format(int64_t amount_fen, char *buf, size_t size) {
    assert(size >= 24);
    assert(amount_fen > INT64_MIN);
    uint64_t magnitude = (uint64_t)(amount_fen < 0 ? -amount_fen : amount_fen);
    return snprintf(buf, size, "%s%llu.%02llu", amount_fen < 0 ? "-" : "",
                    (unsigned long long)(magnitude / 100), (unsigned long long)(magnitude % 100));
}

int ratio_format(int32_t ratio_bp, char *buf, size_t size) {
    return scaled_format(ratio_bp, 4, buf, size);
}
