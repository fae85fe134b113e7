/* bill_json.c: bills, persons, institutions and year states from JSON.
 *
 * A bill's dates and numbers are not rejected here: whether each parsed is
 * recorded in the bill, and the settle engine reports the error in the
 * spec's validation order. Structural problems (details not an array, a
 * code longer than CODE_BYTES_MAX, too many lines) fail here. */
#include <stdio.h>
#include <string.h>

#include "codec/codec.h"
#include "codec/fields.h"
#include "core/money.h"

static bool date_field(const struct json_value *obj, const char *key, datetime_s *out) {
    const struct json_value *v = json_get(obj, key);
    return v != NULL && v->type == JSON_STRING && datetime_parse(v->text, v->len, out);
}

/* A flag given as true/false, 0/1 or "0"/"1"; absent is false. */
static int flag_field(const struct json_value *obj, const char *key, bool *out, const char *path,
                      struct field_err *e) {
    const struct json_value *v = json_get(obj, key);
    *out = false;
    if (v == NULL || v->type == JSON_NULL || v->type == JSON_FALSE) return 0;
    if (v->type == JSON_TRUE) return *out = true, 0;
    if ((v->type == JSON_NUMBER || v->type == JSON_STRING) && v->len == 1 &&
        (v->text[0] == '0' || v->text[0] == '1'))
        return *out = v->text[0] == '1', 0;
    return field_fail(e, path, key, "must be true/false or 0/1");
}

/* An identifier given as a string, or as a JSON integer (feedetl_sn). */
static int code_field(const struct json_value *obj, const char *key, char *out, size_t size,
                      bool *present, const char *path, struct field_err *e) {
    const struct json_value *v = json_get(obj, key);
    *present = false;
    out[0] = '\0';
    if (v == NULL || v->type == JSON_NULL) return 0;
    if (v->type != JSON_STRING && v->type != JSON_NUMBER)
        return field_fail(e, path, key, "must be a string, not %s", json_type_name(v->type));
    if (v->len >= size) return field_fail(e, path, key, "longer than %zu bytes", size - 1);
    memcpy(out, v->text, v->len + 1);
    *present = true;
    return 0;
}

static void line_number(struct bill_line *line, const struct json_value *obj, const char *key,
                        int decimals, int64_t abs_max, int64_t *out) {
    const struct json_value *v = json_get(obj, key);
    if (field_scaled(v, decimals, abs_max, out) == 0) return;
    *out = 0;
    if (line->numbers_ok) line->bad_field = key;
    line->numbers_ok = false;
}

static int line_from_json(const struct json_value *v, struct bill_line *line, const char *path,
                          struct field_err *e) {
    bool present;
    memset(line, 0, sizeof *line);
    if (v->type != JSON_OBJECT) return field_fail(e, path, "", "must be an object");
    if (code_field(v, "feedetl_sn", line->feedetl_sn, sizeof line->feedetl_sn,
                   &line->has_feedetl_sn, path, e) != 0 ||
        code_field(v, "med_list_codg", line->med_list_codg, sizeof line->med_list_codg, &present,
                   path, e) != 0)
        return -1;
    if (!present) return field_fail(e, path, "med_list_codg", "missing");
    line->numbers_ok = true;
    line_number(line, v, "cnt", 4, CNT_SCALED_MAX, &line->cnt_scaled);
    line_number(line, v, "pric", 6, PRICE_SCALED_MAX, &line->pric_scaled);
    line_number(line, v, "det_item_fee_sumamt", 2, AMOUNT_FEN_MAX, &line->amount_fen);
    return 0;
}

static int details_from_json(const struct json_value *obj, struct bill *bill,
                             struct bill_line *lines, int32_t lines_max, struct field_err *e) {
    const struct json_value *details = json_get(obj, "details");
    bill->line_count = 0;
    bill->lines = lines;
    if (details == NULL || details->type == JSON_NULL) return 0;
    if (details->type != JSON_ARRAY) return field_fail(e, "", "details", "must be an array");
    if ((int64_t)details->len > lines_max)
        return field_fail(e, "", "details", "more than %d lines", lines_max);
    char path[32];
    for (const struct json_value *v = details->child; v != NULL; v = v->next) {
        snprintf(path, sizeof path, "details[%d]", bill->line_count);
        if (line_from_json(v, &lines[bill->line_count], path, e) != 0) return -1;
        bill->line_count++;
    }
    return 0;
}

int bill_from_json(const struct json_value *obj, struct bill *bill, struct bill_line *lines,
                   int32_t lines_max, char *err, size_t err_size) {
    struct field_err e = {err, err_size};
    char med_type[8];
    bool present;
    memset(bill, 0, sizeof *bill);
    if (obj == NULL || obj->type != JSON_OBJECT) return field_fail(&e, "", "(bill)", "must be an object");
    if (code_field(obj, "fixmedins_code", bill->fixmedins_code, sizeof bill->fixmedins_code,
                   &present, "", &e) != 0 ||
        code_field(obj, "med_type", med_type, sizeof med_type, &present, "", &e) != 0 ||
        code_field(obj, "dise_codg", bill->dise_codg, sizeof bill->dise_codg, &present, "", &e) != 0 ||
        code_field(obj, "spec_dise_codg", bill->spec_dise_codg, sizeof bill->spec_dise_codg,
                   &present, "", &e) != 0)
        return -1;
    bill->med_type = med_type_parse(med_type);
    bill->dates_ok = date_field(obj, "begntime", &bill->begntime) &&
                     date_field(obj, "endtime", &bill->endtime);
    if (flag_field(obj, "out_of_area", &bill->out_of_area, "", &e) != 0 ||
        flag_field(obj, "filed", &bill->filed, "", &e) != 0 ||
        flag_field(obj, "acct_used_flag", &bill->acct_used, "", &e) != 0)
        return -1;
    return details_from_json(obj, bill, lines, lines_max, &e);
}

static int flags_from_json(const struct json_value *obj, uint32_t *flags, struct field_err *e) {
    const struct json_value *v = json_get(obj, "flags");
    *flags = 0;
    if (v == NULL || v->type == JSON_NULL) return 0;
    if (v->type != JSON_ARRAY) return field_fail(e, "", "flags", "must be an array");
    for (const struct json_value *f = v->child; f != NULL; f = f->next) {
        uint32_t bit;
        if (f->type != JSON_STRING || flag_parse(f->text, &bit) != 0)
            return field_fail(e, "", "flags", "unknown flag (extreme_poverty, low_income, "
                              "poverty_registered)");
        *flags |= bit;
    }
    return 0;
}

int person_from_json(const struct json_value *obj, struct person *out, char *err, size_t err_size) {
    struct field_err e = {err, err_size};
    char insutype[8], category[24];
    memset(out, 0, sizeof *out);
    if (obj == NULL || obj->type != JSON_OBJECT) return field_fail(&e, "", "(person)", "must be an object");
    if (field_string(obj, "psn_no", false, out->psn_no, sizeof out->psn_no, "", &e) < 0 ||
        field_string(obj, "insutype", true, insutype, sizeof insutype, "", &e) != 0 ||
        field_string(obj, "category", true, category, sizeof category, "", &e) != 0 ||
        flags_from_json(obj, &out->flags, &e) != 0 ||
        field_money(obj, "acct_balc", false, &out->acct_balc_fen, "", &e) < 0)
        return -1;
    if (strcmp(insutype, "310") != 0 && strcmp(insutype, "390") != 0)
        return field_fail(&e, "", "insutype", "must be \"310\" or \"390\"");
    out->insutype = insutype[1] == '1' ? INSUTYPE_EMPLOYEE : INSUTYPE_RESIDENT;
    if (category_parse(category, &out->category) != 0)
        return field_fail(&e, "", "category", "unknown category '%s'", category);
    if (!date_field(obj, "benefit_start", &out->benefit_start))
        return field_fail(&e, "", "benefit_start", "must be a date YYYY-MM-DD");
    return 0;
}

int institution_from_json(const char *code, const struct json_value *obj, struct institution *out,
                          char *err, size_t err_size) {
    struct field_err e = {err, err_size};
    char type[16], level[16];
    memset(out, 0, sizeof *out);
    if (strlen(code) == 0 || strlen(code) > CODE_BYTES_MAX)
        return field_fail(&e, "", "fixmedins_code", "must have 1 to %d bytes", CODE_BYTES_MAX);
    snprintf(out->code, sizeof out->code, "%s", code);
    if (obj == NULL || obj->type != JSON_OBJECT) return field_fail(&e, code, "", "must be an object");
    if (field_string(obj, "type", true, type, sizeof type, code, &e) != 0) return -1;
    if (strcmp(type, "hospital") == 0) out->type = INSTITUTION_HOSPITAL;
    else if (strcmp(type, "pharmacy") == 0) out->type = INSTITUTION_PHARMACY;
    else return field_fail(&e, code, "type", "must be \"hospital\" or \"pharmacy\"");
    int status = field_string(obj, "level", out->type == INSTITUTION_HOSPITAL, level, sizeof level,
                              code, &e);
    if (status < 0) return -1;
    if (out->type == INSTITUTION_PHARMACY) {
        if (status == 0 && strcmp(level, "pharmacy") != 0)
            return field_fail(&e, code, "level", "a pharmacy's level must be \"pharmacy\"");
        out->level = LEVEL_NONE;
        return 0;
    }
    if (level_parse(level, &out->level) != 0 || out->level == LEVEL_NONE)
        return field_fail(&e, code, "level", "unknown level '%s'", level);
    return 0;
}
