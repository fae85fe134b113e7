/* record_body.h: the "key=value key=value" body of the journal's fund
 * records (contributions, payments, year-end settlements): one writer's
 * rules (a code holds no space or '=', an integer is canonical) and one
 * reader, so that every kind of record decodes its body the same way and
 * `check` refuses the same malformed bodies in each. */
#ifndef YIBAO_STORE_RECORD_BODY_H
#define YIBAO_STORE_RECORD_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A code a body can hold: no space, '=', control character or any of
 * `also` (NULL: none more); empty only when empty_ok. */
bool body_code_ok(const char *s, bool empty_ok, const char *also);

/* Reads "key=value" at *p (then one space before more, or the end) into
 * val (size bytes with its NUL); moves *p past it. False, *p unmoved, when
 * the key differs, the value is empty or too long, or a space ends the body. */
bool body_take(const char **p, const char *key, char *val, size_t size);

/* The len bytes at val as an integer written as the encoders write one: an
 * optional '-', digits without a leading zero (0 alone, never "-0"),
 * within ±INT64_MAX (a settlement's unlimited room is INT64_MAX). */
bool body_int(const char *val, size_t len, int64_t *out);

/* body_take then body_int. */
bool body_take_i64(const char **p, const char *key, int64_t *out);

#endif
