/* envelope.c: reading the request's fields and writing the answer's.
 *
 * Input readers name the field's full path in their errors
 * ("input.feedetail[3].pric: more than 6 decimals"), so that every refusal
 * says what is wrong. Amounts are parsed from the JSON number text
 * (decimal_parse), never through double. The writer (struct jw) places
 * commas and nests objects and arrays. */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/bill_decode.h"
#include "app/lookup.h"
#include "core/money.h"
#include "service/svc.h"

bool svc_log_gate_fail(struct svc_log_gate *gate) {
    assert(gate != NULL && gate->failures >= 0);
    return gate->failures++ == 0;
}

int64_t svc_log_gate_ok(struct svc_log_gate *gate) {
    assert(gate != NULL && gate->failures >= 0);
    int64_t run = gate->failures;
    gate->failures = 0;
    return run;
}

int svc_fail(struct svc_call *c, const char *format, ...) {
    va_list args;
    assert(c != NULL && format != NULL && format[0] != '\0');
    va_start(args, format);
    vsnprintf(c->err, sizeof c->err, format, args);
    va_end(args);
    assert(c->err[0] != '\0'); /* a refusal always says why */
    return -1;
}

static void join(char *out, size_t size, const char *path, const char *key) {
    assert(out != NULL && size > 0 && path != NULL && key != NULL);
    if (key[0] == '[') snprintf(out, size, "%s%s", path, key);
    else snprintf(out, size, "%s.%s", path, key);
}

static int type_fail(struct svc_call *c, const char *path, const char *key, const char *want,
                     const struct json_value *v) {
    char where[SVC_PATH_BYTES];
    assert(want != NULL && v != NULL);
    join(where, sizeof where, path, key);
    return svc_fail(c, "%s: must be %s, not %s", where, want, json_type_name(v->type));
}

static int missing(struct svc_call *c, const char *path, const char *key) {
    char where[SVC_PATH_BYTES];
    assert(c != NULL);
    join(where, sizeof where, path, key);
    return svc_fail(c, "%s: missing", where);
}

const struct json_value *in_object(struct svc_call *c, const struct json_value *obj,
                                   const char *key, const char *path, bool required) {
    assert(obj != NULL && obj->type == JSON_OBJECT && key != NULL && path != NULL);
    const struct json_value *v = json_get(obj, key);
    if (v == NULL || v->type == JSON_NULL) {
        if (required) missing(c, path, key);
        return NULL;
    }
    if (v->type != JSON_OBJECT) {
        type_fail(c, path, key, "an object", v);
        return NULL;
    }
    return v;
}

int in_code(struct svc_call *c, const struct json_value *obj, const char *key, const char *path,
            bool required, char *out, size_t size) {
    assert(obj != NULL && key != NULL && out != NULL && size > 0);
    const struct json_value *v = json_get(obj, key);
    out[0] = '\0';
    if (v == NULL || v->type == JSON_NULL || (v->type == JSON_STRING && v->len == 0))
        return required ? missing(c, path, key) : 1;
    if (v->type != JSON_STRING && v->type != JSON_NUMBER)
        return type_fail(c, path, key, "a string", v);
    if (v->len >= size) {
        char where[SVC_PATH_BYTES];
        join(where, sizeof where, path, key);
        return svc_fail(c, "%s: longer than %zu bytes", where, size - 1);
    }
    memcpy(out, v->text, v->len + 1);
    assert(strlen(out) < size);
    return 0;
}

static int scaled(struct svc_call *c, const struct json_value *obj, const char *key,
                  const char *path, bool required, int decimals, int64_t max, int64_t *out) {
    assert(obj != NULL && decimals >= 0 && decimals <= 6 && max > 0 && out != NULL);
    const struct json_value *v = json_get(obj, key);
    if (v == NULL || v->type == JSON_NULL || (v->type == JSON_STRING && v->len == 0))
        return required ? missing(c, path, key) : 1;
    /* a string holding a decimal is one ("12.00": clients' string-typed models),
     * parsed by the same parser with the same limits */
    if (v->type != JSON_NUMBER && v->type != JSON_STRING)
        return type_fail(c, path, key, "a number", v);
    enum decimal_status ds = decimal_parse(v->text, v->len, decimals, max, out);
    if (ds == DECIMAL_OK && *out >= 0) return 0;
    char where[SVC_PATH_BYTES]; /* the path only for the message: no formatting on success */
    join(where, sizeof where, path, key);
    if (ds == DECIMAL_TOO_PRECISE)
        return svc_fail(c, "%s: %s has more than %d decimals", where, v->text, decimals);
    if (ds != DECIMAL_OK) return svc_fail(c, "%s: %s: %s", where, v->text, decimal_status_text(ds));
    if (*out < 0) return svc_fail(c, "%s: %s is negative", where, v->text);
    return 0;
}

int in_money(struct svc_call *c, const struct json_value *obj, const char *key, const char *path,
             bool required, int64_t *fen) {
    assert(fen != NULL);
    return scaled(c, obj, key, path, required, 2, AMOUNT_FEN_MAX, fen);
}

int in_int(struct svc_call *c, const struct json_value *obj, const char *key, const char *path,
           bool required, int64_t min, int64_t max, int64_t *out) {
    assert(min >= 0 && min <= max && out != NULL); /* scaled() refuses negatives */
    const struct json_value *v = json_get(obj, key);
    if (v != NULL && v->type == JSON_STRING) { /* NHSA clients often send numbers as text */
        int64_t value;
        if (decimal_parse(v->text, v->len, 0, max, &value) == DECIMAL_OK && value >= min) {
            *out = value;
            return 0;
        }
    }
    int rc = scaled(c, obj, key, path, required, 0, max, out);
    if (rc == 0 && *out < min) {
        char where[SVC_PATH_BYTES];
        join(where, sizeof where, path, key);
        return svc_fail(c, "%s: must be at least %" PRId64, where, min);
    }
    return rc;
}

int in_time(struct svc_call *c, const struct json_value *obj, const char *key, const char *path,
            bool required, datetime_s *out) {
    assert(obj != NULL && key != NULL && out != NULL);
    const struct json_value *v = json_get(obj, key);
    if (v == NULL || v->type == JSON_NULL || (v->type == JSON_STRING && v->len == 0))
        return required ? missing(c, path, key) : 1;
    if (v->type != JSON_STRING) return type_fail(c, path, key, "a date string", v);
    if (!datetime_parse_iso(v->text, v->len, out)) {
        char where[SVC_PATH_BYTES];
        join(where, sizeof where, path, key);
        return svc_fail(c,
                        "%s: '%.40s' is not YYYY-MM-DD or YYYY-MM-DD HH:MM:SS (or T for the space)",
                        where, v->text);
    }
    return 0;
}

int in_flag(struct svc_call *c, const struct json_value *obj, const char *key, const char *path,
            bool *out) {
    assert(obj != NULL && key != NULL && out != NULL);
    const struct json_value *v = json_get(obj, key);
    *out = false;
    if (v == NULL || v->type == JSON_NULL || v->type == JSON_FALSE) return 0;
    if (v->type == JSON_TRUE) return *out = true, 0;
    if ((v->type == JSON_NUMBER || v->type == JSON_STRING) && v->len == 1 &&
        (v->text[0] == '0' || v->text[0] == '1'))
        return *out = v->text[0] == '1', 0;
    char where[SVC_PATH_BYTES];
    join(where, sizeof where, path, key);
    return svc_fail(c, "%s: must be 0 or 1", where);
}

/* ":" (when lead), the decimal digits of v, ":" (printf's cost showed:
 * every value of every request passes here). */
static void canon_number(struct json_buf *b, bool lead, unsigned v) {
    char text[16], *end = text + sizeof text, *p = end;
    *--p = ':';
    do *--p = (char)('0' + v % 10), v /= 10;
    while (v > 0);
    if (lead) *--p = ':';
    assert(p >= text);
    json_buf_raw(b, p, (size_t)(end - p));
}

/* One value in the canonical form: type, key and text with their lengths,
 * children between brackets; the JSON's spacing and escapes do not show. */
static void canon_value(struct json_buf *b, const struct json_value *v, int depth) {
    assert(v != NULL && depth <= (int)JSON_DEPTH_MAX && (int)v->type >= 0);
    canon_number(b, false, (unsigned)v->type); /* "type:keylen:" */
    canon_number(b, false, v->key ? v->key_len : 0u);
    if (v->key) json_buf_raw(b, v->key, v->key_len);
    if (v->type == JSON_STRING || v->type == JSON_NUMBER) {
        canon_number(b, true, v->len); /* ":len:" */
        json_buf_raw(b, v->text, v->len);
    }
    if (v->type != JSON_ARRAY && v->type != JSON_OBJECT) return;
    json_buf_char(b, '(');
    for (const struct json_value *m = v->child; m != NULL; m = m->next)
        canon_value(b, m, depth + 1);
    json_buf_char(b, ')');
}

void svc_request_hash(struct svc_call *c) {
    struct json_buf *b = &c->w->scratch;
    assert(c->input != NULL && c->infno[0] != '\0');
    json_buf_reset(b);
    json_buf_raw(b, "req/1:", 6);
    json_buf_raw(b, c->infno, strlen(c->infno));
    canon_value(b, c->input, 0);
    if (b->failed) c->req_hash[0] = '\0'; /* out of memory: compared as unknown */
    else sha256_hex(b->data, b->len, c->req_hash);
    json_buf_reset(b);
}

int64_t mdtrt_id_parse(const char *text) {
    assert(text != NULL);
    if (strncmp(text, "MDT", 3) != 0 || text[3] == '\0') return -1;
    int64_t id = 0;
    for (const char *p = text + 3; *p; p++) {
        if (*p < '0' || *p > '9' || id > INT64_MAX / 10 - 10) return -1;
        id = id * 10 + (*p - '0');
        assert(id >= 0); /* the bound above keeps it from overflowing */
    }
    return id;
}

void mdtrt_id_format(int64_t id, char *out, size_t size) {
    assert(id > 0);
    snprintf(out, size, "MDT%010" PRId64, id);
}

/* One fee line of an upload: the one line decoder (src/app/bill_decode.c:
 * a bad number is left for the engine, which names it with the spec's
 * code), then the interface's own fee_ocur_time. */
static int fee_line(struct svc_call *c, const struct json_value *v, const char *path,
                    struct bill_line *line, datetime_s *ocur) {
    assert(path != NULL && line != NULL);
    if (bill_line_decode(v, path, true, line, c->err, sizeof c->err) != 0) return -1;
    *ocur = 0;
    if (in_time(c, v, "fee_ocur_time", path, false, ocur) < 0) return -1;
    return 0;
}

/* Writes "[index]" and a NUL at out (room for 14 bytes). */
static void index_suffix(char *out, int32_t index) {
    char digits[12];
    int n = 0;
    assert(out != NULL && index >= 0 && index <= BILL_LINES_MAX);
    uint32_t v = (uint32_t)index;
    do digits[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    *out++ = '[';
    while (n > 0) *out++ = digits[--n];
    *out++ = ']';
    *out = '\0';
}

int in_feedetail(struct svc_call *c, const struct json_value *arr, const char *path, int32_t *count,
                 datetime_s *latest, char *mdtrt_id, size_t mdtrt_size) {
    assert(count != NULL && latest != NULL && (mdtrt_id == NULL || mdtrt_size > 0));
    *count = 0;
    *latest = 0;
    if (mdtrt_id) mdtrt_id[0] = '\0';
    if (arr == NULL || arr->type == JSON_NULL) return svc_fail(c, "%s: missing", path);
    if (arr->type != JSON_ARRAY)
        return svc_fail(c, "%s: must be an array, not %s", path, json_type_name(arr->type));
    if (arr->len == 0) return svc_fail(c, "%s: no fee lines", path);
    if ((int64_t)arr->len > c->w->lines_max)
        return svc_fail(c, "%s: %u lines, more than the limit %d", path, arr->len, c->w->lines_max);
    char where[SVC_PATH_BYTES], id[CODE_BYTES_MAX + 1];
    size_t path_len = strlen(path);
    if (path_len + 16 > sizeof where) return svc_fail(c, "%s: path too long", path);
    memcpy(where, path, path_len);
    for (const struct json_value *v = arr->child; v != NULL; v = v->next) {
        assert(*count < c->w->lines_max); /* arr->len was checked */
        index_suffix(where + path_len, *count);
        datetime_s ocur;
        if (fee_line(c, v, where, &c->w->lines[*count], &ocur) != 0) return -1;
        /* a refund line: negative, naming the line it refunds */
        char *init = c->w->refund_of[*count];
        if (in_code(c, v, "init_feedetl_sn", where, false, init, CODE_BYTES_MAX + 1) < 0) return -1;
        if (c->w->lines[*count].cnt_scaled >= 0) init[0] = '\0';
        if (in_code(c, v, "chrg_bchno", where, false, c->w->bchno_of[*count], CODE_BYTES_MAX + 1) <
            0)
            return -1;
        if (ocur > *latest) *latest = ocur;
        if (mdtrt_id != NULL) {
            if (in_code(c, v, "mdtrt_id", where, true, id, sizeof id) != 0) return -1;
            if (*count > 0 && strcmp(id, mdtrt_id) != 0)
                return svc_fail(c, "%s.mdtrt_id: '%s' differs from the first line's '%s'", where,
                                id, mdtrt_id);
            snprintf(mdtrt_id, mdtrt_size, "%s", id);
        }
        (*count)++;
    }
    assert(*count == (int32_t)arr->len);
    return 0;
}

/* ---- writer ------------------------------------------------------------- */
static void sep(struct jw *w, const char *key) {
    assert(w->depth > 0 && w->depth < (int)JSON_DEPTH_MAX);
    if (!w->first[w->depth]) json_buf_char(w->buf, ',');
    w->first[w->depth] = false;
    if (key != NULL) json_buf_key(w->buf, key);
}

void jw_begin(struct jw *w, struct json_buf *buf) {
    assert(w != NULL && buf != NULL);
    w->buf = buf;
    w->depth = 1;
    w->first[1] = true;
    json_buf_char(buf, '{');
}

void jw_end(struct jw *w) {
    assert(w->depth == 1);
    json_buf_char(w->buf, '}');
    w->depth = 0;
}

static void open_(struct jw *w, const char *key, char open) {
    sep(w, key);
    json_buf_char(w->buf, open);
    w->depth++;
    assert(w->depth < (int)JSON_DEPTH_MAX);
    w->first[w->depth] = true;
}

void jw_obj(struct jw *w, const char *key) {
    assert(w->depth >= 1); /* inside the top object */
    open_(w, key, '{');
}

void jw_arr(struct jw *w, const char *key) {
    assert(w->depth >= 1); /* inside the top object */
    open_(w, key, '[');
}

void jw_close(struct jw *w, char close) {
    assert(w->depth > 1);
    json_buf_char(w->buf, close);
    w->depth--;
}

void jw_str(struct jw *w, const char *key, const char *value) {
    assert(w->buf != NULL && w->depth >= 1);
    sep(w, key);
    if (value == NULL) json_buf_raw(w->buf, "null", 4);
    else json_buf_str(w->buf, value);
}

/* Decimal digits of v ending at end (exclusive), at least min_digits;
 * returns the first. The answer path formats many numbers: no printf. */
static char *digits_before(char *end, uint64_t v, int min_digits) {
    int written = 0;
    assert(end != NULL && min_digits >= 1 && min_digits <= 20);
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
        written++;
    } while (v != 0 || written < min_digits);
    return end;
}

void jw_int(struct jw *w, const char *key, int64_t value) {
    sep(w, key);
    char tmp[24];
    uint64_t mag = value < 0 ? 0u - (uint64_t)value : (uint64_t)value;
    char *p = digits_before(tmp + sizeof tmp, mag, 1);
    if (value < 0) *--p = '-';
    assert(p >= tmp); /* 20 digits and a sign fit */
    json_buf_raw(w->buf, p, (size_t)(tmp + sizeof tmp - p));
}

/* Fen as yuan with exactly two decimals: -5 -> "-0.05", 12340 -> "123.40". */
void jw_fen(struct jw *w, const char *key, int64_t fen) {
    sep(w, key);
    char tmp[28];
    uint64_t mag = fen < 0 ? 0u - (uint64_t)fen : (uint64_t)fen;
    char *p = digits_before(tmp + sizeof tmp, mag % 100u, 2);
    *--p = '.';
    p = digits_before(p, mag / 100u, 1);
    if (fen < 0) *--p = '-';
    assert(p >= tmp); /* 20 digits, a point and a sign fit */
    json_buf_raw(w->buf, p, (size_t)(tmp + sizeof tmp - p));
}

void jw_bp(struct jw *w, const char *key, int32_t bp) {
    char text[32];
    int n = ratio_format(bp, text, sizeof text);
    assert(n < (int)sizeof text);
    sep(w, key);
    json_buf_raw(w->buf, text, n > 0 ? (size_t)n : 0);
}

void jw_time(struct jw *w, const char *key, datetime_s t) {
    char text[20];
    assert(w->depth >= 1);
    datetime_format(t, text);
    jw_str(w, key, text);
}

void jw_raw(struct jw *w, const char *key, const char *json, size_t len) {
    assert(json != NULL || len == 0);
    sep(w, key);
    json_buf_raw(w->buf, json, len);
}

datetime_s svc_unix_to_local(int64_t unix_s) {
    return app_unix_to_local(unix_s); /* one conversion for the service and the look-ups */
}
