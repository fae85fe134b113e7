/* gen_out.h: a buffered file writer for the generator's outputs, with
 * exact number formatting from scaled integers and sticky error tracking
 * (the first failed write or close is remembered and reported). */
#ifndef YIBAO_GEN_OUT_H
#define YIBAO_GEN_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GEN_OUT_BUFFER_BYTES (1u << 20)

struct gen_out {
    FILE *file;
    char *buf;
    size_t len;
    int error; /* errno of the first failure, 0 if none */
};

/* Returns 0, or -1 with errno. */
int gen_out_open(struct gen_out *out, const char *path);
/* Flushes and closes; returns 0, or -1 when any write or the close failed
 * (errno in out->error). Always releases the resources. */
int gen_out_close(struct gen_out *out);
void gen_out_flush(struct gen_out *out);
void gen_out_bytes(struct gen_out *out, const char *data, size_t n);
void gen_out_str(struct gen_out *out, const char *text);
void gen_out_char(struct gen_out *out, char c);
void gen_out_i64(struct gen_out *out, int64_t value);
/* value / 10^scale_digits with at least min_decimals decimals (trailing
 * zeros beyond them trimmed): scaled(35000000, 6, 2) -> "35.00". */
void gen_out_scaled(struct gen_out *out, int64_t value, int scale_digits, int min_decimals);
/* A JSON string (the generator's text is ASCII; quotes and backslashes are
 * escaped all the same). */
void gen_out_json_str(struct gen_out *out, const char *text);

#endif
