/* fields.h: typed field readers shared by the codec's loaders.
 *
 * Each reader takes the JSON object, the key, and the dotted path of the
 * object (for messages such as "basic.inpatient.ratio.level3: must be a
 * number in [0, 1] with at most 4 decimals"). Readers return 0 on success,
 * 1 when an optional key is absent, and -1 with err filled on failure. */
#ifndef YIBAO_CODEC_FIELDS_H
#define YIBAO_CODEC_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json/json.h"

#define FIELD_KEY_SHOWN_MAX 48   /* bytes of one key shown in a message */
#define FIELD_PATH_SHOWN_MAX 160 /* bytes of the path before ": what is wrong" */

struct field_err {
    char *text;
    size_t size;
};

int field_fail(struct field_err *e, const char *path, const char *key, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* Joins path and key into out ("basic" + "inpatient" = "basic.inpatient"). */
void field_path(char *out, size_t size, const char *path, const char *key);

const struct json_value *field_object(const struct json_value *obj, const char *key, bool required,
                                      const char *path, struct field_err *e, int *status);
int field_string(const struct json_value *obj, const char *key, bool required, char *out,
                 size_t out_size, const char *path, struct field_err *e);
int field_money(const struct json_value *obj, const char *key, bool required, int64_t *fen,
                const char *path, struct field_err *e);
/* A cap: money or null (CAP_NONE). */
int field_cap(const struct json_value *obj, const char *key, bool required, int64_t *fen,
              const char *path, struct field_err *e);
int field_ratio(const struct json_value *obj, const char *key, bool required, int32_t *bp,
                const char *path, struct field_err *e);
int field_integer(const struct json_value *obj, const char *key, bool required, int64_t min,
                  int64_t max, int64_t *out, const char *path, struct field_err *e);
/* A value that must be a JSON number: text scaled by decimals. */
int field_scaled(const struct json_value *v, int decimals, int64_t abs_max, int64_t *out);
/* As field_scaled, and also a string holding such a number ("12.00"), as
 * NHSA clients with string-typed models send amounts, cnt and pric. */
int field_scaled_text(const struct json_value *v, int decimals, int64_t abs_max, int64_t *out);

/* Parses a JSON file into a fresh doc and hands the root to load(); errors
 * are prefixed with the file name. */
int codec_load_file(const char *path,
                    int (*load)(const struct json_value *, void *, char *, size_t), void *target,
                    char *err, size_t err_size);

#endif
