/* policy_json.c: loads a yibao-policy/1 document into struct policy.
 *
 * Everything is validated: unknown level or person names, ratios outside
 * [0, 1], bands out of order, missing required keys. Unknown keys (notes,
 * names) are ignored. Errors read "key.path: what is wrong". */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "codec/fields.h"
#include "codec/policy_parts.h"
#include "core/money.h"

#define LEVEL_KEYS 4

/* A table keyed by the four hospital levels; every level is required. */
static int level_table(const struct json_value *obj, const char *key, bool money, int64_t *fen,
                       int32_t *bp, const char *path, struct field_err *e) {
    int status;
    char here[256];
    const struct json_value *table = field_object(obj, key, true, path, e, &status);
    if (table == NULL) return -1;
    field_path(here, sizeof here, path, key);
    for (const struct json_value *m = table->child; m != NULL; m = m->next) {
        enum level level;
        if (level_parse(m->key, &level) != 0 || level == LEVEL_NONE)
            return field_fail(e, here, m->key, "unknown level (township, level1, level2, level3)");
    }
    for (int l = 0; l < LEVEL_KEYS; l++) {
        const char *name = level_name((enum level)l);
        if ((money ? field_money(table, name, true, &fen[l], here, e)
                   : field_ratio(table, name, true, &bp[l], here, e)) != 0)
            return -1;
    }
    return 0;
}

/* An optional partial table of ratios by level (person rules). */
static int level_ratios(const struct json_value *obj, const char *key, bool *has, int32_t *bp,
                        const char *path, struct field_err *e) {
    int status;
    char here[256];
    const struct json_value *table = field_object(obj, key, false, path, e, &status);
    if (table == NULL) return status < 0 ? -1 : 0;
    field_path(here, sizeof here, path, key);
    for (const struct json_value *m = table->child; m != NULL; m = m->next) {
        enum level level;
        if (level_parse(m->key, &level) != 0 || level == LEVEL_NONE)
            return field_fail(e, here, m->key, "unknown level (township, level1, level2, level3)");
        if (field_ratio(table, m->key, true, &bp[level], here, e) != 0) return -1;
        has[level] = true;
    }
    return 0;
}

static int when_field(const struct json_value *obj, uint32_t *mask, const char *path,
                      struct field_err *e) {
    char name[CODE_BYTES_MAX + 1];
    if (field_string(obj, "when", true, name, sizeof name, path, e) != 0) return -1;
    *mask = policy_when_bit(name);
    if (*mask == 0) return field_fail(e, path, "when", "unknown category or flag '%s'", name);
    return 0;
}

/* Iterates an optional array of objects; calls each(item, path "key[i]"). */
static int each_object(const struct json_value *obj, const char *key, const char *path, int32_t max,
                       int32_t *count, struct field_err *e,
                       int (*each)(const struct json_value *, int32_t, const char *, void *,
                                   struct field_err *),
                       void *target) {
    const struct json_value *arr = json_get(obj, key);
    *count = 0;
    if (arr == NULL || arr->type == JSON_NULL) return 0;
    if (arr->type != JSON_ARRAY) return field_fail(e, path, key, "must be an array");
    if ((int64_t)arr->len > max) return field_fail(e, path, key, "more than %d entries", max);
    char here[300], base[256];
    field_path(base, sizeof base, path, key);
    for (const struct json_value *item = arr->child; item != NULL; item = item->next) {
        snprintf(here, sizeof here, "%s[%d]", base, *count);
        if (item->type != JSON_OBJECT) return field_fail(e, here, "", "must be an object");
        if (each(item, *count, here, target, e) != 0) return -1;
        (*count)++;
    }
    return 0;
}

static int person_rule_one(const struct json_value *item, int32_t i, const char *path, void *target,
                           struct field_err *e) {
    struct person_rule *rule = &((struct policy *)target)->person_rules[i];
    memset(rule, 0, sizeof *rule);
    if (when_field(item, &rule->when_mask, path, e) != 0) return -1;
    int status = field_ratio(item, "inpatient_deductible_factor", false,
                             &rule->deductible_factor_bp, path, e);
    if (status < 0) return -1;
    rule->has_deductible_factor = status == 0;
    if (level_ratios(item, "ratio", rule->has_ratio, rule->ratio_bp, path, e) != 0) return -1;
    return level_ratios(item, "ratio_add", rule->has_ratio_add, rule->ratio_add_bp, path, e);
}

static int bands_field(const struct json_value *obj, struct band *bands, int32_t *count,
                       const char *path, struct field_err *e) {
    const struct json_value *arr = json_get(obj, "bands");
    if (arr == NULL) return field_fail(e, path, "bands", "missing");
    if (arr->type != JSON_ARRAY || arr->len == 0 || arr->len > POLICY_BANDS_MAX)
        return field_fail(e, path, "bands", "must be an array of 1 to %d bands", POLICY_BANDS_MAX);
    char here[256];
    int32_t n = 0;
    for (const struct json_value *b = arr->child; b != NULL; b = b->next, n++) {
        snprintf(here, sizeof here, "%s%sbands[%d]", path, path[0] ? "." : "", n);
        if (b->type != JSON_OBJECT) return field_fail(e, here, "", "must be an object");
        if (field_cap(b, "upto", true, &bands[n].upto_fen, here, e) != 0 ||
            field_ratio(b, "ratio", true, &bands[n].ratio_bp, here, e) != 0)
            return -1;
        bool last = b->next == NULL;
        if (!last && bands[n].upto_fen == CAP_NONE)
            return field_fail(e, here, "upto", "only the last band may have no end");
        if (last && bands[n].upto_fen != CAP_NONE)
            return field_fail(e, here, "upto", "the last band must have no end (null)");
        if (n > 0 && bands[n].upto_fen != CAP_NONE && bands[n].upto_fen <= bands[n - 1].upto_fen)
            return field_fail(e, here, "upto", "bands out of order");
    }
    *count = n;
    return 0;
}

static int catastrophic_rule_one(const struct json_value *item, int32_t i, const char *path,
                                 void *target, struct field_err *e) {
    struct catastrophic_rule *rule = &((struct policy *)target)->catastrophic_rules[i];
    memset(rule, 0, sizeof *rule);
    if (when_field(item, &rule->when_mask, path, e) != 0) return -1;
    int status = field_ratio(item, "threshold_factor", false, &rule->threshold_factor_bp, path, e);
    if (status < 0) return -1;
    rule->has_threshold_factor = status == 0;
    if (json_get(item, "bands") != NULL) {
        if (bands_field(item, rule->bands, &rule->band_count, path, e) != 0) return -1;
        rule->has_bands = true;
    }
    status = field_cap(item, "annual_cap", false, &rule->annual_cap_fen, path, e);
    if (status < 0) return -1;
    rule->has_annual_cap = status == 0;
    return 0;
}

static int assistance_one(const struct json_value *item, int32_t i, const char *path, void *target,
                          struct field_err *e) {
    struct assistance_rule *rule = &((struct policy *)target)->assistance[i];
    if (when_field(item, &rule->when_mask, path, e) != 0) return -1;
    if (field_ratio(item, "ratio", true, &rule->ratio_bp, path, e) != 0) return -1;
    return field_cap(item, "annual_cap", true, &rule->annual_cap_fen, path, e);
}

static int inpatient_field(const struct json_value *basic, struct policy *p, struct field_err *e) {
    int status;
    const char *path = "basic.inpatient";
    const struct json_value *in = field_object(basic, "inpatient", true, "basic", e, &status);
    if (in == NULL) return -1;
    if (level_table(in, "deductible", true, p->inpatient_deductible_fen, NULL, path, e) != 0 ||
        field_ratio(in, "repeat_admission_deductible", true, &p->repeat_admission_deductible_bp,
                    path, e) != 0 ||
        level_table(in, "ratio", false, NULL, p->inpatient_ratio_bp, path, e) != 0)
        return -1;
    const struct json_value *dx = json_get(in, "deductible_waived_dx");
    if (dx == NULL || dx->type == JSON_NULL) return 0;
    if (dx->type != JSON_ARRAY || dx->len > POLICY_WAIVED_DX_MAX)
        return field_fail(e, path, "deductible_waived_dx",
                          "must be an array of at most %d code prefixes", POLICY_WAIVED_DX_MAX);
    for (const struct json_value *v = dx->child; v != NULL; v = v->next) {
        if (v->type != JSON_STRING || v->len == 0 || v->len > CODE_BYTES_MAX)
            return field_fail(e, path, "deductible_waived_dx", "entries must be non-empty codes");
        memcpy(p->waived_dx[p->waived_dx_count++], v->text, v->len + 1);
    }
    return 0;
}

static int special_field(const struct json_value *basic, struct policy *p, struct field_err *e) {
    int status;
    const char *path = "basic.outpatient_special";
    const struct json_value *sp = field_object(basic, "outpatient_special", true, "basic", e,
                                               &status);
    if (sp == NULL) return -1;
    if (field_money(sp, "annual_deductible", true, &p->special_annual_deductible_fen, path, e) != 0)
        return -1;
    const struct json_value *ratio = json_get(sp, "ratio");
    p->special_has_ratio = ratio != NULL && ratio->type != JSON_NULL;
    if (p->special_has_ratio && field_ratio(sp, "ratio", true, &p->special_ratio_bp, path, e) != 0)
        return -1;
    const struct json_value *diseases = field_object(sp, "diseases", true, path, e, &status);
    if (diseases == NULL) return -1;
    if (diseases->len > POLICY_DISEASES_MAX)
        return field_fail(e, path, "diseases", "more than %d diseases", POLICY_DISEASES_MAX);
    char here[256];
    for (const struct json_value *d = diseases->child; d != NULL; d = d->next) {
        snprintf(here, sizeof here, "%s.diseases.%s", path, d->key);
        if (d->key_len == 0 || d->key_len > CODE_BYTES_MAX)
            return field_fail(e, here, "", "disease code must have 1 to %d bytes", CODE_BYTES_MAX);
        if (d->type != JSON_OBJECT) return field_fail(e, here, "", "must be an object");
        if (policy_disease_index(p, d->key) >= 0) return field_fail(e, here, "", "listed twice");
        struct disease *dis = &p->diseases[p->disease_count];
        memcpy(dis->code, d->key, d->key_len + 1);
        if (field_cap(d, "annual_cap", true, &dis->annual_cap_fen, here, e) != 0) return -1;
        p->disease_count++;
    }
    return 0;
}

static int general_field(const struct json_value *basic, struct policy *p, struct field_err *e) {
    int status;
    const char *path = "basic.outpatient_general";
    const struct json_value *g = field_object(basic, "outpatient_general", true, "basic", e,
                                              &status);
    if (g == NULL) return -1;
    if (field_money(g, "annual_deductible", true, &p->general_annual_deductible_fen, path, e) !=
            0 ||
        field_ratio(g, "ratio", true, &p->general_ratio_bp, path, e) != 0 ||
        field_cap(g, "annual_cap", true, &p->general_annual_cap_fen, path, e) != 0)
        return -1;
    const struct json_value *levels = json_get(g, "levels");
    if (levels == NULL) return field_fail(e, path, "levels", "missing");
    if (levels->type != JSON_ARRAY) return field_fail(e, path, "levels", "must be an array");
    for (const struct json_value *v = levels->child; v != NULL; v = v->next) {
        enum level level;
        if (v->type != JSON_STRING || level_parse(v->text, &level) != 0 || level == LEVEL_NONE)
            return field_fail(e, path, "levels", "unknown level '%s'",
                              v->type == JSON_STRING ? v->text : json_type_name(v->type));
        p->general_levels_mask |= 1u << level;
    }
    return 0;
}

static int basic_field(const struct json_value *root, struct policy *p, struct field_err *e) {
    int status;
    const struct json_value *basic = field_object(root, "basic", true, "", e, &status);
    if (basic == NULL) return -1;
    if (field_cap(basic, "annual_cap", true, &p->basic_annual_cap_fen, "basic", e) != 0 ||
        inpatient_field(basic, p, e) != 0 || special_field(basic, p, e) != 0 ||
        general_field(basic, p, e) != 0)
        return -1;
    return field_ratio(basic, "out_of_area_unfiled_ratio_cut", true,
                       &p->out_of_area_unfiled_ratio_cut_bp, "basic", e);
}

/* personal_account.family_sharing: true or false, absent false (FUNDS.md §5). */
static int account_sharing_field(const struct json_value *account, struct policy *p,
                                 struct field_err *e) {
    const struct json_value *v = json_get(account, "family_sharing");
    assert(account != NULL && p != NULL);
    if (v == NULL) return 0;
    if (v->type != JSON_TRUE && v->type != JSON_FALSE)
        return field_fail(e, "personal_account", "family_sharing", "must be true or false");
    p->account_family_sharing = v->type == JSON_TRUE;
    return 0;
}

static int layers_field(const struct json_value *root, struct policy *p, struct field_err *e) {
    const struct json_value *v = json_get(root, "over_cap");
    if (v != NULL && v->type != JSON_NULL) {
        if (v->type != JSON_OBJECT)
            return field_fail(e, "", "over_cap", "must be an object or null");
        p->has_over_cap = true;
        if (field_ratio(v, "ratio", true, &p->over_cap_ratio_bp, "over_cap", e) != 0 ||
            field_cap(v, "annual_cap", true, &p->over_cap_annual_cap_fen, "over_cap", e) != 0)
            return -1;
    }
    v = json_get(root, "catastrophic");
    if (v != NULL && v->type != JSON_NULL) {
        if (v->type != JSON_OBJECT)
            return field_fail(e, "", "catastrophic", "must be an object or null");
        p->has_catastrophic = true;
        struct catastrophic_terms *t = &p->catastrophic;
        if (field_money(v, "threshold", true, &t->threshold_fen, "catastrophic", e) != 0 ||
            bands_field(v, t->bands, &t->band_count, "catastrophic", e) != 0 ||
            field_cap(v, "annual_cap", true, &t->annual_cap_fen, "catastrophic", e) != 0 ||
            each_object(v, "person_rules", "catastrophic", POLICY_PERSON_RULES_MAX,
                        &p->catastrophic_rule_count, e, catastrophic_rule_one, p) != 0)
            return -1;
    }
    v = json_get(root, "personal_account");
    if (v != NULL && v->type != JSON_NULL) {
        char covers[16];
        if (v->type != JSON_OBJECT)
            return field_fail(e, "", "personal_account", "must be an object or null");
        if (field_string(v, "covers", true, covers, sizeof covers, "personal_account", e) != 0)
            return -1;
        p->has_personal_account = true;
        if (strcmp(covers, "all") == 0) p->account_covers = ACCOUNT_COVERS_ALL;
        else if (strcmp(covers, "in_scope") == 0) p->account_covers = ACCOUNT_COVERS_IN_SCOPE;
        else return field_fail(e, "personal_account", "covers", "must be \"all\" or \"in_scope\"");
        if (account_sharing_field(v, p, e) != 0) return -1;
    }
    return each_object(root, "assistance", "", POLICY_PERSON_RULES_MAX, &p->assistance_count, e,
                       assistance_one, p);
}

/* valid_from: the first day this version is in force, "YYYY-MM-DD" of
 * the policy's year; absent: the year's first day. */
static int valid_from_field(const struct json_value *root, struct policy *p, struct field_err *e) {
    char text[16];
    assert(p->year >= 1900 && p->year <= 9999);
    int rc = field_string(root, "valid_from", false, text, sizeof text, "", e);
    if (rc < 0) return -1;
    p->valid_from = datetime_from_civil(p->year, 1, 1, 0, 0, 0);
    p->valid_from_given = rc == 0;
    if (!p->valid_from_given) return 0;
    datetime_s t = 0;
    if (strlen(text) != 10 || !datetime_parse(text, 10, &t))
        return field_fail(e, "", "valid_from", "must be a date YYYY-MM-DD");
    if (datetime_year(t) != p->year)
        return field_fail(e, "", "valid_from", "must be a date of the policy's year %d",
                          (int)p->year);
    p->valid_from = t;
    return 0;
}

static int header_fields(const struct json_value *root, struct policy *p, struct field_err *e) {
    char format[32], insutype[8];
    int64_t year;
    if (root == NULL || root->type != JSON_OBJECT)
        return field_fail(e, "", "(document)", "must be a JSON object");
    if (field_string(root, "format", true, format, sizeof format, "", e) != 0) return -1;
    if (strcmp(format, "yibao-policy/1") != 0)
        return field_fail(e, "", "format", "must be \"yibao-policy/1\"");
    if (field_string(root, "id", false, p->id, sizeof p->id, "", e) < 0 ||
        field_string(root, "region", true, p->region, sizeof p->region, "", e) != 0 ||
        field_integer(root, "year", true, 1900, 9999, &year, "", e) != 0 ||
        field_string(root, "insutype", true, insutype, sizeof insutype, "", e) != 0)
        return -1;
    p->year = (int32_t)year;
    if (valid_from_field(root, p, e) != 0) return -1;
    if (strcmp(insutype, "310") == 0) p->insutype = INSUTYPE_EMPLOYEE;
    else if (strcmp(insutype, "390") == 0) p->insutype = INSUTYPE_RESIDENT;
    else return field_fail(e, "", "insutype", "must be \"310\" or \"390\"");
    return field_ratio(root, "class_b_prepay", true, &p->class_b_prepay_bp, "", e);
}

int policy_from_json(const struct json_value *root, struct policy *out, char *err,
                     size_t err_size) {
    struct field_err e = {err, err_size};
    memset(out, 0, sizeof *out);
    if (header_fields(root, out, &e) != 0 || basic_field(root, out, &e) != 0 ||
        each_object(root, "person_rules", "", POLICY_PERSON_RULES_MAX, &out->person_rule_count, &e,
                    person_rule_one, out) != 0 ||
        layers_field(root, out, &e) != 0 || policy_funding_from_json(root, out, &e) != 0)
        return -1;
    const char *broken = policy_invariant_error(out);
    if (broken != NULL) return field_fail(&e, "", "(policy)", "invalid: %s", broken);
    return 0;
}

int codec_load_file(const char *path,
                    int (*load)(const struct json_value *, void *, char *, size_t), void *target,
                    char *err, size_t err_size) {
    char *data = NULL;
    size_t len = 0;
    if (file_read_all(path, JSON_BYTES_MAX, &data, &len, err, err_size) != 0) return -1;
    struct json_limits limits = {JSON_BYTES_MAX, JSON_DEPTH_MAX, JSON_NODES_MAX};
    struct json_doc *doc = json_doc_new(&limits);
    int rc = -1;
    if (doc == NULL) {
        snprintf(err, err_size, "%s: out of memory", path);
    } else {
        struct json_error jerr;
        const struct json_value *root = json_parse(doc, data, len, &jerr);
        char inner[CODEC_ERR_BYTES];
        if (root == NULL)
            snprintf(err, err_size, "%s: byte %zu: %s", path, jerr.offset, jerr.message);
        else if ((rc = load(root, target, inner, sizeof inner)) != 0)
            snprintf(err, err_size, "%s: %s", path, inner);
        json_doc_free(doc);
    }
    free(data);
    return rc;
}

static int policy_loader(const struct json_value *root, void *target, char *err, size_t size) {
    return policy_from_json(root, target, err, size);
}

int policy_load_file(const char *path, struct policy *out, char *err, size_t err_size) {
    return codec_load_file(path, policy_loader, out, err, err_size);
}
