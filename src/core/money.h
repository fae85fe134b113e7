/* money.h: exact money, ratios and quantities as scaled integers.
 *
 * Money is int64_t fen (0.01 yuan). Ratios are basis points (1.0 = 10000).
 * cnt is scaled by 1e4 and prices by 1e6 (the NHSA interface's precisions).
 * Decimal text is parsed digit by digit, never through double. */
#ifndef YIBAO_MONEY_H
#define YIBAO_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATIO_ONE_BP 10000
#define CNT_SCALE 10000LL
#define PRICE_SCALE 1000000LL
#define CAP_NONE (-1LL) /* a cap of null: no limit */

enum decimal_status {
    DECIMAL_OK = 0,
    DECIMAL_MALFORMED,    /* not a JSON number */
    DECIMAL_TOO_PRECISE,  /* more decimals than the field allows */
    DECIMAL_OUT_OF_RANGE, /* magnitude above the field's maximum */
};

/* Parses JSON number text (optional '-', digits, optional fraction and
 * exponent) into value * 10^decimals_max, exactly. Trailing zeros of the
 * fraction do not count as decimals ("1.230" has 2). |result| <= abs_max. */
enum decimal_status decimal_parse(const char *text, size_t len, int decimals_max, int64_t abs_max,
                                  int64_t *out);
const char *decimal_status_text(enum decimal_status status);

/* x * r / 10000 rounded half-up, for x >= 0 and 0 <= r. */
int64_t money_mul_bp(int64_t amount_fen, int32_t ratio_bp);
/* p * 10000 / r rounded half-up, for p >= 0 and r > 0. */
int64_t money_div_bp(int64_t amount_fen, int32_t ratio_bp);
/* room(cap, used): CAP_NONE means unlimited (returned as INT64_MAX). */
int64_t money_room(int64_t cap_fen, int64_t used_fen);
static inline int64_t money_min(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t money_max(int64_t a, int64_t b) { return a > b ? a : b; }

/* Writes "123.45" / "-0.05" into buf (>= 24 bytes); returns length. */
int money_format(int64_t amount_fen, char *buf, size_t size);
/* Writes a ratio as "0.65" (trailing zeros trimmed, at least one decimal). */
int ratio_format(int32_t ratio_bp, char *buf, size_t size);
/* Writes a scaled integer with `decimals` decimals, trailing zeros trimmed. */
int scaled_format(int64_t value, int decimals, char *buf, size_t size);

#endif
