/* fields.c: typed field readers with path-naming errors (see fields.h). */
#include "codec/fields.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "core/money.h"

void field_path(char *out, size_t size, const char *path, const char *key) {
    assert(out != NULL && size > 0);
    if (path == NULL || path[0] == '\0') snprintf(out, size, "%s", key);
    else if (key == NULL || key[0] == '\0') snprintf(out, size, "%s", path);
    else if (key[0] == '[') snprintf(out, size, "%s%s", path, key);
    else snprintf(out, size, "%s.%s", path, key);
}

int field_fail(struct field_err *e, const char *path, const char *key, const char *format, ...) {
    char where[256], what[192];
    va_list args;
    va_start(args, format);
    vsnprintf(what, sizeof what, format, args);
    va_end(args);
    field_path(where, sizeof where, path, key);
    snprintf(e->text, e->size, "%s: %s", where, what);
    return -1;
}

static const struct json_value *lookup(const struct json_value *obj, const char *key, bool required,
                                       const char *path, struct field_err *e, int *status) {
    const struct json_value *v = json_get(obj, key);
    if (v == NULL) *status = required ? field_fail(e, path, key, "missing") : 1;
    else *status = 0;
    return v;
}

const struct json_value *field_object(const struct json_value *obj, const char *key, bool required,
                                      const char *path, struct field_err *e, int *status) {
    const struct json_value *v = lookup(obj, key, required, path, e, status);
    if (v == NULL) return NULL;
    if (v->type != JSON_OBJECT) {
        *status = field_fail(e, path, key, "must be an object, not %s", json_type_name(v->type));
        return NULL;
    }
    return v;
}

int field_string(const struct json_value *obj, const char *key, bool required, char *out,
                 size_t out_size, const char *path, struct field_err *e) {
    int status;
    const struct json_value *v = lookup(obj, key, required, path, e, &status);
    if (v == NULL) return status;
    if (v->type != JSON_STRING)
        return field_fail(e, path, key, "must be a string, not %s", json_type_name(v->type));
    if (v->len >= out_size)
        return field_fail(e, path, key, "longer than %zu bytes", out_size - 1);
    memcpy(out, v->text, v->len + 1);
    return 0;
}

int field_scaled(const struct json_value *v, int decimals, int64_t abs_max, int64_t *out) {
    if (v == NULL || v->type != JSON_NUMBER) return -1;
    return decimal_parse(v->text, v->len, decimals, abs_max, out) == DECIMAL_OK ? 0 : -1;
}

static int scaled_field(const struct json_value *obj, const char *key, bool required, int decimals,
                        int64_t max, int64_t *out, const char *path, struct field_err *e,
                        const char *what) {
    int status;
    const struct json_value *v = lookup(obj, key, required, path, e, &status);
    if (v == NULL) return status;
    if (v->type != JSON_NUMBER)
        return field_fail(e, path, key, "must be %s, not %s", what, json_type_name(v->type));
    int64_t value;
    enum decimal_status ds = decimal_parse(v->text, v->len, decimals, max, &value);
    if (ds != DECIMAL_OK || value < 0)
        return field_fail(e, path, key, "must be %s (%s: %s)", what,
                          ds != DECIMAL_OK ? decimal_status_text(ds) : "negative", v->text);
    *out = value;
    return 0;
}

int field_money(const struct json_value *obj, const char *key, bool required, int64_t *fen,
                const char *path, struct field_err *e) {
    return scaled_field(obj, key, required, 2, AMOUNT_FEN_MAX, fen, path, e,
                        "an amount in yuan >= 0 with at most 2 decimals");
}

int field_cap(const struct json_value *obj, const char *key, bool required, int64_t *fen,
              const char *path, struct field_err *e) {
    const struct json_value *v = json_get(obj, key);
    if (v != NULL && v->type == JSON_NULL) {
        *fen = CAP_NONE;
        return 0;
    }
    return field_money(obj, key, required, fen, path, e);
}

int field_ratio(const struct json_value *obj, const char *key, bool required, int32_t *bp,
                const char *path, struct field_err *e) {
    int64_t value = 0;
    int status = scaled_field(obj, key, required, 4, RATIO_ONE_BP, &value, path, e,
                              "a number in [0, 1] with at most 4 decimals");
    if (status == 0) *bp = (int32_t)value;
    return status;
}

int field_integer(const struct json_value *obj, const char *key, bool required, int64_t min,
                  int64_t max, int64_t *out, const char *path, struct field_err *e) {
    int status;
    const struct json_value *v = lookup(obj, key, required, path, e, &status);
    if (v == NULL) return status;
    int64_t value;
    if (v->type != JSON_NUMBER || decimal_parse(v->text, v->len, 0, INT64_MAX / 10, &value) != DECIMAL_OK ||
        value < min || value > max)
        return field_fail(e, path, key, "must be an integer in [%lld, %lld]", (long long)min,
                          (long long)max);
    *out = value;
    return 0;
}
