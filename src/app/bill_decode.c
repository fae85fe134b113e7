/* bill_decode.c: the one bill decoder (see bill_decode.h). Structural
 * problems fail here with the field's path; bad dates and numbers and a
 * missing feedetl_sn are recorded in the bill for the engine, which
 * reports them with the spec's code in the spec's order. */
#include "app/bill_decode.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "codec/fields.h"
#include "core/limits.h"
#include "core/policy.h"

static int date_field(const struct json_value *obj, const char *key, bool iso, datetime_s *out) {
    assert(key != NULL && out != NULL);
    const struct json_value *v = obj ? json_get(obj, key) : NULL;
    if (v == NULL || v->type == JSON_NULL || (v->type == JSON_STRING && v->len == 0)) return 1;
    if (v->type != JSON_STRING) return -1;
    bool ok = iso ? datetime_parse_iso(v->text, v->len, out) : datetime_parse(v->text, v->len, out);
    return ok ? 0 : -1;
}

int bill_date_field(const struct json_value *obj, const char *key, datetime_s *out) {
    assert(key != NULL && out != NULL);
    return date_field(obj, key, false, out);
}

int bill_date_field_iso(const struct json_value *obj, const char *key, datetime_s *out) {
    assert(key != NULL && out != NULL);
    return date_field(obj, key, true, out);
}

/* A flag given as true/false, 0/1 or "0"/"1"; absent is false. */
static int flag_field(const struct json_value *obj, const char *key, bool *out, const char *path,
                      struct field_err *e) {
    assert(obj != NULL && obj->type == JSON_OBJECT && out != NULL);
    const struct json_value *v = json_get(obj, key);
    *out = false;
    if (v == NULL || v->type == JSON_NULL || v->type == JSON_FALSE) return 0;
    if (v->type == JSON_TRUE) return *out = true, 0;
    if ((v->type == JSON_NUMBER || v->type == JSON_STRING) && v->len == 1 &&
        (v->text[0] == '0' || v->text[0] == '1'))
        return *out = v->text[0] == '1', 0;
    return field_fail(e, path, key, "must be true/false or 0/1");
}

/* An identifier given as a string, or as a JSON integer (feedetl_sn);
 * null or "" is absent. */
static int code_field(const struct json_value *obj, const char *key, char *out, size_t size,
                      bool *present, const char *path, struct field_err *e) {
    assert(size > 1);
    const struct json_value *v = json_get(obj, key);
    *present = false;
    out[0] = '\0';
    if (v == NULL || v->type == JSON_NULL || (v->type == JSON_STRING && v->len == 0)) return 0;
    if (v->type != JSON_STRING && v->type != JSON_NUMBER)
        return field_fail(e, path, key, "must be a string, not %s", json_type_name(v->type));
    if (v->len >= size) return field_fail(e, path, key, "longer than %zu bytes", size - 1);
    memcpy(out, v->text, v->len + 1);
    *present = true;
    return 0;
}

/* A number of a line: a bad one is recorded (the first names the field). */
static void line_number(struct bill_line *line, const struct json_value *obj, const char *key,
                        int decimals, int64_t abs_max, bool text_ok, int64_t *out) {
    assert(decimals >= 0 && decimals <= 6 && abs_max > 0);
    const struct json_value *v = json_get(obj, key);
    int rc = text_ok ? field_scaled_text(v, decimals, abs_max, out)
                     : field_scaled(v, decimals, abs_max, out);
    if (rc == 0) {
        assert(*out >= -abs_max && *out <= abs_max);
        return;
    }
    *out = 0;
    if (line->numbers_ok) line->bad_field = key;
    line->numbers_ok = false;
}

int bill_line_decode(const struct json_value *v, const char *path, bool interface_variants,
                     struct bill_line *line, char *err, size_t err_size) {
    assert(v != NULL && line != NULL && path != NULL);
    struct field_err e = {err, err_size};
    bool present;
    memset(line, 0, sizeof *line);
    if (v->type != JSON_OBJECT) return field_fail(&e, path, "", "must be an object");
    if (code_field(v, "feedetl_sn", line->feedetl_sn, sizeof line->feedetl_sn,
                   &line->has_feedetl_sn, path, &e) != 0 ||
        code_field(v, "med_list_codg", line->med_list_codg, sizeof line->med_list_codg, &present,
                   path, &e) != 0)
        return -1;
    if (!present) return field_fail(&e, path, "med_list_codg", "missing");
    line->numbers_ok = true;
    bool text = interface_variants;
    line_number(line, v, "cnt", 4, CNT_SCALED_MAX, text, &line->cnt_scaled);
    line_number(line, v, "pric", 6, PRICE_SCALED_MAX, text, &line->pric_scaled);
    line_number(line, v, "det_item_fee_sumamt", 2, AMOUNT_FEN_MAX, text, &line->amount_fen);
    assert(line->numbers_ok == (line->bad_field == NULL));
    return 0;
}

static int lines_decode(const struct bill_source *src, struct bill *bill, struct bill_line *lines,
                        int32_t lines_max, struct field_err *e) {
    const struct json_value *arr = src->lines;
    bill->line_count = 0;
    bill->lines = lines;
    if (arr == NULL || arr->type == JSON_NULL) return 0;
    if (arr->type != JSON_ARRAY)
        return field_fail(e, src->lines_path, "", "must be an array, not %s",
                          json_type_name(arr->type));
    if ((int64_t)arr->len > lines_max)
        return field_fail(e, src->lines_path, "", "%u lines, more than the limit %d", arr->len,
                          (int)lines_max);
    char path[BILL_PATH_BYTES];
    for (const struct json_value *v = arr->child; v != NULL; v = v->next) {
        snprintf(path, sizeof path, "%.60s[%d]", src->lines_path, (int)bill->line_count);
        if (bill_line_decode(v, path, src->interface_variants, &lines[bill->line_count], e->text,
                             e->size) != 0)
            return -1;
        bill->line_count++;
    }
    assert(bill->line_count <= lines_max);
    return 0;
}

int bill_decode(const struct bill_source *src, struct bill *bill, struct bill_line *lines,
                int32_t lines_max, char *err, size_t err_size) {
    assert(src != NULL && bill != NULL && lines_max >= 0 && lines_max <= BILL_LINES_MAX);
    struct field_err e = {err, err_size};
    const struct json_value *h = src->head;
    const char *p = src->head_path;
    char med_type[8];
    bool present;
    memset(bill, 0, sizeof *bill);
    if (h == NULL || h->type != JSON_OBJECT)
        return field_fail(&e, p, "(bill)", "must be an object");
    if (code_field(h, "fixmedins_code", bill->fixmedins_code, sizeof bill->fixmedins_code, &present,
                   p, &e) != 0 ||
        code_field(h, "med_type", med_type, sizeof med_type, &present, p, &e) != 0 ||
        code_field(h, "dise_codg", bill->dise_codg, sizeof bill->dise_codg, &present, p, &e) != 0 ||
        code_field(h, "spec_dise_codg", bill->spec_dise_codg, sizeof bill->spec_dise_codg, &present,
                   p, &e) != 0)
        return -1;
    bill->med_type = med_type_parse(med_type);
    bool iso = src->interface_variants;
    bill->dates_ok = date_field(h, "begntime", iso, &bill->begntime) == 0 &&
                     date_field(h, "endtime", iso, &bill->endtime) == 0;
    if (flag_field(h, "out_of_area", &bill->out_of_area, p, &e) != 0 ||
        flag_field(h, "filed", &bill->filed, p, &e) != 0 ||
        flag_field(h, "acct_used_flag", &bill->acct_used, p, &e) != 0)
        return -1;
    return lines_decode(src, bill, lines, lines_max, &e);
}

int32_t bill_insutype_asked(const struct json_value *obj) {
    const struct json_value *v = obj ? json_get(obj, "insutype") : NULL;
    if (v == NULL || v->type == JSON_NULL || (v->type == JSON_STRING && v->len == 0)) return 0;
    if (v->type != JSON_STRING && v->type != JSON_NUMBER) return -1;
    if (strcmp(v->text, "310") == 0) return INSUTYPE_EMPLOYEE;
    if (strcmp(v->text, "390") == 0) return INSUTYPE_RESIDENT;
    assert(v->text != NULL);
    return -1;
}

int bill_from_json(const struct json_value *obj, struct bill *bill, struct bill_line *lines,
                   int32_t lines_max, char *err, size_t err_size) {
    assert(bill != NULL && lines != NULL && err != NULL && err_size > 0);
    struct bill_source src = {obj, "", obj ? json_get(obj, "details") : NULL, "details", false};
    return bill_decode(&src, bill, lines, lines_max, err, err_size);
}
