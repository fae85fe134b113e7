/* nonce_pack.c: the text form of a flush of used nonces (nonce_log.c):
 * one row of svc_nonce_batch holds every nonce of one flush, so that a
 * flush writes a few sequential pages instead of one random B-tree leaf
 * per nonce (with a (paasid, nonce) key, 16,000 requests/s dirtied about
 * 64 MB/s of WAL and held the write lock for milliseconds per flush).
 *
 * Form: entries joined by '\n', each "TS PAASID NONCE" with TS the
 * request's timestamp in decimal and PAASID and NONCE as hex of their
 * bytes (any byte a header may carry survives; SQLite's hex() and
 * PostgreSQL's encode(..., 'hex') write the same, which the upgrade of an
 * older svc_nonce table uses); no leading zeros, so that the form is one
 * per flush but for the hex's case. Pure: no I/O, no allocation. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "service/svc.h"

#define TS_DIGITS_MAX 18 /* timestamps stay far below 10^18 */

size_t nonce_pack_bound(size_t n) {
    assert(n <= SIZE_MAX / 512); /* the product below cannot wrap */
    return n * (TS_DIGITS_MAX + 1 + 2 * SERVICE_PAASID_BYTES_MAX + 1 + 2 * SERVICE_NONCE_BYTES_MAX +
                1) +
           1;
}

static char *hex_put(char *p, const char *s) {
    static const char digits[] = "0123456789abcdef";
    assert(p != NULL && s != NULL);
    for (; *s != '\0'; s++) {
        unsigned char b = (unsigned char)*s;
        *p++ = digits[b >> 4];
        *p++ = digits[b & 15];
    }
    return p;
}

size_t nonce_pack(const struct svc_nonce *rows, size_t n, char *out, size_t size, int64_t *max_ts) {
    assert(rows != NULL && out != NULL && max_ts != NULL && n > 0 && size >= nonce_pack_bound(n));
    char *p = out;
    *max_ts = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        assert(rows[i].ts >= 0 && rows[i].ts < 1000000000000000000LL);
        assert(rows[i].paasid[0] != '\0' && rows[i].nonce[0] != '\0');
        if (i > 0) *p++ = '\n';
        p += snprintf(p, TS_DIGITS_MAX + 2, "%" PRId64 " ", rows[i].ts);
        p = hex_put(p, rows[i].paasid);
        *p++ = ' ';
        p = hex_put(p, rows[i].nonce);
        if (rows[i].ts > *max_ts) *max_ts = rows[i].ts;
    }
    *p = '\0';
    assert((size_t)(p - out) < size);
    return (size_t)(p - out);
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes hex in [p, end) up to the byte stop into out (a string of at
 * most max bytes, none of them NUL); the position after it, or NULL. */
static const char *hex_get(const char *p, const char *end, char stop, char *out, size_t max) {
    size_t n = 0;
    assert(p <= end && out != NULL && max > 0);
    while (p < end && *p != stop) {
        int hi = hex_digit(p[0]), lo = p + 1 < end ? hex_digit(p[1]) : -1;
        if (hi < 0 || lo < 0 || n == max || (hi == 0 && lo == 0)) return NULL;
        out[n++] = (char)(hi << 4 | lo);
        p += 2;
    }
    assert(n <= max);
    out[n] = '\0';
    return n > 0 ? p : NULL;
}

/* One entry in [p, end): fills row; the position after it, or NULL. */
static const char *entry_get(const char *p, const char *end, struct svc_nonce *row) {
    int64_t ts = 0;
    int digits = 0;
    assert(p < end && row != NULL);
    if (end - p >= 2 && p[0] == '0' && p[1] >= '0' && p[1] <= '9') return NULL; /* "007" */
    for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
        if (digits == TS_DIGITS_MAX) return NULL;
        ts = ts * 10 + (*p - '0');
    }
    if (digits == 0 || p == end || *p++ != ' ') return NULL;
    p = hex_get(p, end, ' ', row->paasid, SERVICE_PAASID_BYTES_MAX);
    if (p == NULL || p == end) return NULL;
    p = hex_get(p + 1, end, '\n', row->nonce, SERVICE_NONCE_BYTES_MAX);
    assert(ts >= 0); /* at most TS_DIGITS_MAX digits */
    row->ts = ts;
    return p;
}

int nonce_unpack(const char *text, size_t len, int64_t since_ts, svc_nonce_cb cb, void *ctx,
                 size_t *bad_at) {
    assert(text != NULL && cb != NULL && bad_at != NULL);
    const char *p = text, *end = text + len;
    struct svc_nonce row;
    while (p < end) {
        const char *next = entry_get(p, end, &row);
        if (next == NULL || (next < end && *next != '\n') || (next + 1 == end)) {
            *bad_at = (size_t)(p - text);
            return 1;
        }
        if (row.ts >= since_ts && cb(ctx, &row) != 0) return -1;
        p = next < end ? next + 1 : next;
    }
    return 0;
}
