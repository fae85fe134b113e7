/* person_json.c: persons and institutions of `yibao settle`'s files, from
 * JSON. (Bills are decoded by src/app/bill_decode.c, the one bill decoder.) */
#include <stdio.h>
#include <string.h>

#include "codec/codec.h"
#include "codec/fields.h"
#include "core/money.h"

static bool date_field(const struct json_value *obj, const char *key, datetime_s *out) {
    const struct json_value *v = json_get(obj, key);
    return v != NULL && v->type == JSON_STRING && datetime_parse(v->text, v->len, out);
}

static int flags_from_json(const struct json_value *obj, uint32_t *flags, struct field_err *e) {
    const struct json_value *v = json_get(obj, "flags");
    *flags = 0;
    if (v == NULL || v->type == JSON_NULL) return 0;
    if (v->type != JSON_ARRAY) return field_fail(e, "", "flags", "must be an array");
    for (const struct json_value *f = v->child; f != NULL; f = f->next) {
        uint32_t bit;
        if (f->type != JSON_STRING || flag_parse(f->text, &bit) != 0)
            return field_fail(e, "", "flags",
                              "unknown flag (extreme_poverty, low_income, "
                              "poverty_registered, contribution_short)");
        *flags |= bit;
    }
    return 0;
}

int person_from_json(const struct json_value *obj, struct person *out, char *err, size_t err_size) {
    struct field_err e = {err, err_size};
    char insutype[8], category[24];
    memset(out, 0, sizeof *out);
    if (obj == NULL || obj->type != JSON_OBJECT)
        return field_fail(&e, "", "(person)", "must be an object");
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
    if (obj == NULL || obj->type != JSON_OBJECT)
        return field_fail(&e, code, "", "must be an object");
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
