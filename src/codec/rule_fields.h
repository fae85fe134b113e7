/* rule_fields.h: the readers of a restriction's keys that a rule file
 * (rules_json.c) and a catalog item's `restrict` (restrict_json.c) share,
 * so that both spell a level, a setting or a list alike. Each returns 0,
 * or -1 with e filled naming path.key. */
#ifndef YIBAO_CODEC_RULE_FIELDS_H
#define YIBAO_CODEC_RULE_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "codec/fields.h"

#define RULE_AGE_MAX 150
#define RULE_UNITS_MAX 100000000000LL /* units x 1e4: 10,000,000 units */

/* Every key of object r among keys[0..n); else -1 naming the first other
 * ("PATH.KEY: is not a key of WHAT"). */
int rule_known_keys(const struct json_value *r, const char *const *keys, size_t n, const char *what,
                    const char *path, struct field_err *e);
/* A non-empty array of at most max strings of 1 to bytes_max bytes (no
 * space or control byte) at key, each to each(ctx, i, text), which returns
 * 0, -2 (named "twice") or another non-zero (named "too many"). */
int rule_string_list(const struct json_value *r, const char *key, const char *path,
                     struct field_err *e, int32_t max, size_t bytes_max,
                     int (*each)(void *ctx, int32_t i, const char *text), void *ctx);
/* `levels`: a non-empty array of 0-4, as bits 1 << level or'ed into *levels. */
int rule_levels(const struct json_value *r, const char *path, struct field_err *e,
                uint32_t *levels);
/* `settings`: outpatient, inpatient, pharmacy, as enum rule_setting bits or'ed into *settings. */
int rule_settings(const struct json_value *r, const char *path, struct field_err *e,
                  uint32_t *settings);

#endif
