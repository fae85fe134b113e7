/* json_write.c: the growable output buffer and the helpers declared in
 * json.h that append valid JSON to it (escaped strings, integers, fen as
 * yuan). The buffer is always NUL-terminated once it holds any byte; after
 * an allocation failure it sets `failed` and ignores further appends. */
#include "json/json.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_BYTES_MIN 256u

void json_buf_init(struct json_buf *buf) {
    assert(buf != NULL);
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
    buf->failed = false;
}

void json_buf_free(struct json_buf *buf) {
    assert(buf != NULL);
    free(buf->data);
    json_buf_init(buf);
}

void json_buf_reset(struct json_buf *buf) {
    assert(buf != NULL);
    assert(buf->len <= buf->cap);
    buf->len = 0;
    buf->failed = false;
    if (buf->data != NULL) buf->data[0] = '\0';
}

/* Makes room for n more bytes and the terminating NUL. */
static bool reserve(struct json_buf *buf, size_t n) {
    assert(buf != NULL);
    assert(buf->data != NULL || buf->cap == 0);
    if (buf->failed) return false;
    if (n >= SIZE_MAX - buf->len) {
        buf->failed = true;
        return false;
    }
    size_t need = buf->len + n + 1;
    if (need <= buf->cap) return true;
    size_t cap = buf->cap > BUF_BYTES_MIN ? buf->cap : BUF_BYTES_MIN;
    while (cap < need) cap = cap <= SIZE_MAX / 2 ? cap * 2 : need;
    char *data = realloc(buf->data, cap);
    if (data == NULL) {
        buf->failed = true;
        return false;
    }
    buf->data = data;
    buf->cap = cap;
    return true;
}

void json_buf_raw(struct json_buf *buf, const char *text, size_t len) {
    assert(buf != NULL);
    assert(text != NULL || len == 0);
    if (!reserve(buf, len)) return;
    if (len > 0) memcpy(buf->data + buf->len, text, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
}

void json_buf_char(struct json_buf *buf, char c) { json_buf_raw(buf, &c, 1); }

/* Length of the valid UTF-8 sequence at s (lead byte >= 0x80, NUL-terminated
 * string), or 0 when it is invalid. Same rules as the reader: no overlongs,
 * no surrogates, nothing above U+10FFFF, no truncation. */
static size_t utf8_sequence(const unsigned char *s) {
    assert(s[0] >= 0x80);
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    size_t n;
    if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c >= 0xe0 && c <= 0xef) n = 3;
    else if (c >= 0xf0 && c <= 0xf4) n = 4;
    else return 0;
    if (c == 0xe0) lo = 0xa0;
    else if (c == 0xed) hi = 0x9f;
    else if (c == 0xf0) lo = 0x90;
    else if (c == 0xf4) hi = 0x8f;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < n; i++) /* a NUL stops here: it is < 0x80 */
        if (s[i] < 0x80 || s[i] > 0xbf) return 0;
    return n;
}

static void put_escape(struct json_buf *buf, unsigned char c) {
    assert(c < 0x20 || c == '"' || c == '\\');
    char esc[8];
    const char *named = NULL;
    switch (c) {
    case '"': named = "\\\""; break;
    case '\\': named = "\\\\"; break;
    case '\b': named = "\\b"; break;
    case '\f': named = "\\f"; break;
    case '\n': named = "\\n"; break;
    case '\r': named = "\\r"; break;
    case '\t': named = "\\t"; break;
    default: break;
    }
    if (named != NULL) {
        json_buf_raw(buf, named, 2);
        return;
    }
    int n = snprintf(esc, sizeof esc, "\\u%04x", c);
    assert(n == 6);
    json_buf_raw(buf, esc, (size_t)n);
}

/* Quoted and escaped. Valid UTF-8 passes through; each invalid byte becomes
 * U+FFFD so that the output is always valid JSON. NULL is written as null. */
void json_buf_str(struct json_buf *buf, const char *text) {
    assert(buf != NULL);
    if (text == NULL) {
        json_buf_raw(buf, "null", 4);
        return;
    }
    const unsigned char *s = (const unsigned char *)text;
    json_buf_char(buf, '"');
    while (*s != '\0' && !buf->failed) {
        size_t run = 0;
        while (s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' && s[run] != '\\') run++;
        json_buf_raw(buf, (const char *)s, run);
        s += run;
        if (*s == '\0') break;
        if (*s < 0x80) {
            put_escape(buf, *s++);
            continue;
        }
        size_t n = utf8_sequence(s);
        if (n == 0) {
            json_buf_raw(buf, "\xef\xbf\xbd", 3);
            s++;
        } else {
            json_buf_raw(buf, (const char *)s, n);
            s += n;
        }
    }
    json_buf_char(buf, '"');
}

void json_buf_key(struct json_buf *buf, const char *key) {
    assert(buf != NULL);
    assert(key != NULL);
    json_buf_str(buf, key);
    json_buf_char(buf, ':');
}

/* The decimal digits of v, written backwards ending at end; returns the
 * first. With min_digits, zeros in front up to that many (no printf: the
 * answers of a JSONL file's million bills print about 26 numbers each). */
static char *digits_back(char *end, uint64_t v, int min_digits) {
    char *p = end;
    assert(end != NULL && min_digits >= 0);
    do {
        *--p = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0 || end - p < min_digits);
    return p;
}

void json_buf_int(struct json_buf *buf, int64_t value) {
    char tmp[32];
    uint64_t magnitude = value < 0 ? 0u - (uint64_t)value : (uint64_t)value;
    char *p = digits_back(tmp + sizeof tmp, magnitude, 1);
    if (value < 0) *--p = '-';
    assert(p > tmp);
    json_buf_raw(buf, p, (size_t)(tmp + sizeof tmp - p));
}

/* Fen as yuan with exactly two decimals: -5 -> "-0.05", 12340 -> "123.40". */
void json_buf_fen(struct json_buf *buf, int64_t amount_fen) {
    char tmp[32];
    uint64_t magnitude = amount_fen < 0 ? 0u - (uint64_t)amount_fen : (uint64_t)amount_fen;
    char *p = digits_back(tmp + sizeof tmp, magnitude % 100u, 2);
    *--p = '.';
    p = digits_back(p, magnitude / 100u, 1);
    if (amount_fen < 0) *--p = '-';
    assert(p > tmp && tmp + sizeof tmp - p >= 4);
    json_buf_raw(buf, p, (size_t)(tmp + sizeof tmp - p));
}
