/* gen_out.c: buffered output with exact decimal formatting. */
#include "gen/gen_out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int gen_out_open(struct gen_out *out, const char *path) {
    memset(out, 0, sizeof *out);
    out->buf = malloc(GEN_OUT_BUFFER_BYTES);
    if (!out->buf) {
        errno = ENOMEM;
        return -1;
    }
    out->file = fopen(path, "wb");
    if (!out->file) {
        int e = errno;
        free(out->buf);
        out->buf = NULL;
        errno = e;
        return -1;
    }
    return 0;
}

void gen_out_flush(struct gen_out *out) {
    if (out->len == 0) return;
    if (!out->error && fwrite(out->buf, 1, out->len, out->file) != out->len)
        out->error = errno ? errno : EIO;
    out->len = 0;
}

int gen_out_close(struct gen_out *out) {
    if (!out->file) return -1;
    gen_out_flush(out);
    if (fflush(out->file) != 0 && !out->error) out->error = errno ? errno : EIO;
    if (ferror(out->file) && !out->error) out->error = EIO;
    if (fclose(out->file) != 0 && !out->error) out->error = errno ? errno : EIO;
    out->file = NULL;
    free(out->buf);
    out->buf = NULL;
    return out->error ? -1 : 0;
}

void gen_out_bytes(struct gen_out *out, const char *data, size_t n) {
    if (out->len + n > GEN_OUT_BUFFER_BYTES) gen_out_flush(out);
    if (n > GEN_OUT_BUFFER_BYTES) {
        if (!out->error && fwrite(data, 1, n, out->file) != n) out->error = errno ? errno : EIO;
        return;
    }
    memcpy(out->buf + out->len, data, n);
    out->len += n;
}

void gen_out_str(struct gen_out *out, const char *text) { gen_out_bytes(out, text, strlen(text)); }

void gen_out_char(struct gen_out *out, char c) {
    if (out->len + 1 > GEN_OUT_BUFFER_BYTES) gen_out_flush(out);
    out->buf[out->len++] = c;
}

static size_t format_u64(uint64_t v, char *end) {
    char *p = end;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return (size_t)(end - p);
}

void gen_out_i64(struct gen_out *out, int64_t value) {
    char tmp[24];
    uint64_t mag = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    size_t n = format_u64(mag, tmp + sizeof tmp);
    if (value < 0) gen_out_char(out, '-');
    gen_out_bytes(out, tmp + sizeof tmp - n, n);
}

void gen_out_scaled(struct gen_out *out, int64_t value, int scale_digits, int min_decimals) {
    uint64_t scale = 1;
    for (int i = 0; i < scale_digits; i++) scale *= 10;
    uint64_t mag = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    uint64_t whole = mag / scale, frac = mag % scale;
    char digits[24];
    int decimals = scale_digits;
    for (int i = scale_digits - 1; i >= 0; i--) {
        digits[i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    while (decimals > min_decimals && digits[decimals - 1] == '0') decimals--;
    if (value < 0) gen_out_char(out, '-');
    gen_out_i64(out, (int64_t)whole);
    if (decimals > 0) {
        gen_out_char(out, '.');
        gen_out_bytes(out, digits, (size_t)decimals);
    }
}

void gen_out_json_str(struct gen_out *out, const char *text) {
    gen_out_char(out, '"');
    for (const char *p = text; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\') {
            gen_out_char(out, '\\');
            gen_out_char(out, (char)c);
        } else if (c < 0x20) {
            static const char hex[] = "0123456789abcdef";
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            gen_out_bytes(out, esc, sizeof esc);
        } else {
            gen_out_char(out, (char)c);
        }
    }
    gen_out_char(out, '"');
}
