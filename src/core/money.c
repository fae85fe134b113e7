/* money.c: exact decimal parsing and the spec's rounding rules.
 *
 * decimal_parse() reads JSON number text digit by digit into an integer
 * scaled by 10^decimals_max. It never touches floating point: "1.230" is
 * 1230 thousandths with 2 significant decimals, and "1.5e2" is 150 exactly. */
#include "core/money.h"

#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Splits the number text into sign, digits and a base-10 exponent, checking
 * JSON's grammar on the way. The exponent saturates at +-EXPONENT_LIMIT,
 * far beyond any digit count a document can hold, so saturation never
 * changes the outcome. */
#define EXPONENT_LIMIT 1000000000000LL

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
    if (i < len && t[i] == '-') {
        p->negative = true;
        i++;
    }
    if (i >= len || !is_digit(t[i])) return false;
    p->digits[0] = t + i;
    if (t[i] == '0') i++;
    else
        while (i < len && is_digit(t[i])) i++;
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
            if (p->exponent < EXPONENT_LIMIT) p->exponent = p->exponent * 10 + (t[i] - '0');
            i++;
        }
        if (p->exponent > EXPONENT_LIMIT) p->exponent = EXPONENT_LIMIT;
        if (exp_negative) p->exponent = -p->exponent;
    }
    return i == len;
}

/* The k-th significant digit of integer part + fraction part. */
static int digit_at(const struct decimal_parts *p, size_t k) {
    return k < p->digit_len[0] ? p->digits[0][k] - '0' : p->digits[1][k - p->digit_len[0]] - '0';
}

/* The value is the digit string D times 10^(exponent - fraction length).
 * Scaled by 10^decimals_max it is D * 10^shift. Precision is judged first
 * (digits below the allowed decimals must be zeros), then magnitude. */
enum decimal_status decimal_parse(const char *text, size_t len, int decimals_max, int64_t abs_max,
                                  int64_t *out) {
    assert(decimals_max >= 0 && decimals_max <= 9);
    assert(abs_max > 0);
    struct decimal_parts p;
    if (text == NULL || !decimal_split(text, len, &p)) return DECIMAL_MALFORMED;
    size_t n = p.digit_len[0] + p.digit_len[1], first = 0;
    while (first < n && digit_at(&p, first) == 0) first++;
    if (first == n) {
        *out = 0;
        return DECIMAL_OK;
    } /* zero, whatever its exponent */
    int64_t shift = p.exponent - (int64_t)p.digit_len[1] + decimals_max;
    size_t last = n; /* digits [first, last) are kept */
    if (shift < 0) {
        int64_t drop = -shift;
        for (size_t k = n; k > first && drop > 0; k--, drop--) {
            if (digit_at(&p, k - 1) != 0) return DECIMAL_TOO_PRECISE;
            last = k - 1;
        }
        if (drop > 0) return DECIMAL_TOO_PRECISE; /* cannot happen: a nonzero digit remains */
        shift = 0;
    }
    if ((int64_t)(last - first) + shift > 19) return DECIMAL_OUT_OF_RANGE;
    int64_t value = 0;
    for (size_t k = first; k < last; k++) {
        int d = digit_at(&p, k);
        if (value > (abs_max - d) / 10) return DECIMAL_OUT_OF_RANGE;
        value = value * 10 + d;
    }
    for (int64_t s = 0; s < shift; s++) {
        if (value > abs_max / 10) return DECIMAL_OUT_OF_RANGE;
        value *= 10;
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

/* Written from the right without printf, which cost a busy server a
 * per cent of its CPU here (2204's answer formats every line's figures). */
int scaled_format(int64_t value, int decimals, char *buf, size_t size) {
    assert(decimals >= 0 && decimals <= 9);
    assert(value > INT64_MIN);
    uint64_t scale = 1;
    for (int i = 0; i < decimals; i++) scale *= 10;
    uint64_t magnitude = (uint64_t)(value < 0 ? -value : value);
    uint64_t whole = magnitude / scale, frac = magnitude % scale;
    char text[48], *end = text + sizeof text, *p = end;
    if (decimals > 0) {
        char digits[9];
        for (int i = decimals - 1; i >= 0; i--) digits[i] = (char)('0' + frac % 10), frac /= 10;
        int keep = decimals;
        while (keep > 1 && digits[keep - 1] == '0') keep--; /* 1.50 -> 1.5, 2.00 -> 2.0 */
        p -= keep;
        memcpy(p, digits, (size_t)keep);
        *--p = '.';
    }
    do *--p = (char)('0' + whole % 10), whole /= 10;
    while (whole > 0);
    if (value < 0) *--p = '-';
    size_t len = (size_t)(end - p); /* as snprintf: the whole length, written or not */
    assert(len < sizeof text);
    if (size > 0) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(buf, p, n);
        buf[n] = '\0';
    }
    return (int)len;
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
