/* fields.c: typed field readers with path-naming errors (see fields.h). */
#include "codec/fields.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "core/money.h"

/* A key as shown in a message: at most FIELD_KEY_SHOWN_MAX bytes (cut on a
 * UTF-8 boundary, then "..."), control characters as '?'; a hostile key
 * must not push the rest of the message out of its buffer. */
static void shown_key(char *out, size_t size, const char *key) {
    size_t len = strlen(key), n = len;
    if (n > FIELD_KEY_SHOWN_MAX) {
        n = FIELD_KEY_SHOWN_MAX;
        while (n > 0 && ((unsigned char)key[n] & 0xC0) == 0x80) n--; /* not inside a character */
    }
    if (n + 4 > size) n = size > 4 ? size - 4 : 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)key[i];
        out[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    snprintf(out + n, size - n, "%s", n < len ? "..." : "");
}

void field_path(char *out, size_t size, const char *path, const char *key) {
    assert(out != NULL && size > 0);
    char shown[FIELD_KEY_SHOWN_MAX + 4];
    shown_key(shown, sizeof shown, key ? key : "");
    if (path == NULL || path[0] == '\0') snprintf(out, size, "%s", shown);
    else if (shown[0] == '\0') snprintf(out, size, "%s", path);
    else if (shown[0] == '[') snprintf(out, size, "%s%s", path, shown);
    else snprintf(out, size, "%s.%s", path, shown);
}

/* Drops a UTF-8 sequence cut short at the end of s (after a truncation). */
static void utf8_trim_tail(char *s) {
    size_t len = strlen(s), lead = len;
    while (lead > 0 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80) lead--;
    if (lead == 0) return;
    unsigned char c = (unsigned char)s[lead - 1];
    size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (len - (lead - 1) < need) s[lead - 1] = '\0';
}

int field_fail(struct field_err *e, const char *path, const char *key, const char *format, ...) {
    char where[FIELD_PATH_SHOWN_MAX + 1], what[192];
    va_list args;
    va_start(args, format);
    vsnprintf(what, sizeof what, format, args);
    va_end(args);
    field_path(where, sizeof where, path, key);
    utf8_trim_tail(where);
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
    if (v->len >= out_size) return field_fail(e, path, key, "longer than %zu bytes", out_size - 1);
    memcpy(out, v->text, v->len + 1);
    return 0;
}

int field_scaled(const struct json_value *v, int decimals, int64_t abs_max, int64_t *out) {
    if (v == NULL || v->type != JSON_NUMBER) return -1;
    return decimal_parse(v->text, v->len, decimals, abs_max, out) == DECIMAL_OK ? 0 : -1;
}

int field_scaled_text(const struct json_value *v, int decimals, int64_t abs_max, int64_t *out) {
    if (v == NULL || (v->type != JSON_NUMBER && v->type != JSON_STRING)) return -1;
    /* the string's text is the decimal itself: the same parser, the same exactness */
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
    if (v->type != JSON_NUMBER ||
        decimal_parse(v->text, v->len, 0, INT64_MAX / 10, &value) != DECIMAL_OK || value < min ||
        value > max)
        return field_fail(e, path, key, "must be an integer in [%lld, %lld]", (long long)min,
                          (long long)max);
    *out = value;
    return 0;
}
