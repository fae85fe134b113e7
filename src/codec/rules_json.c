/* rules_json.c: the rule file, yibao-rules/1 (docs/RULES.md), into a
 * core rule set (core/rules.h). Validated like a policy: the first problem
 * is named by its path ("rules[2].max_units: must be a number > 0") and
 * nothing is kept. Unknown keys are refused, so that a misspelt
 * restriction is not silently a rule of nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "codec/fields.h"
#include "codec/rule_fields.h"
#include "core/rules.h"

#define RULE_DAYS_MAX 366 /* days of supply at most a year */

static const char *const rule_keys[] = {"id",        "name",     "type",        "severity",
                                        "behaviour", "items",    "gender",      "age_min",
                                        "age_max",   "levels",   "settings",    "max_units",
                                        "diagnoses", "evidence", "daily_units", "max_days"};

int rule_known_keys(const struct json_value *r, const char *const *keys, size_t n, const char *what,
                    const char *path, struct field_err *e) {
    for (const struct json_value *m = r->child; m != NULL; m = m->next) {
        bool known = false;
        for (size_t k = 0; k < n && !known; k++) known = strcmp(m->key, keys[k]) == 0;
        if (!known) return field_fail(e, path, m->key, "is not a key of %s", what);
    }
    return 0;
}

int rule_string_list(const struct json_value *r, const char *key, const char *path,
                     struct field_err *e, int32_t max, size_t bytes_max,
                     int (*each)(void *ctx, int32_t i, const char *text), void *ctx) {
    const struct json_value *a = json_get(r, key);
    if (a == NULL) return field_fail(e, path, key, "missing");
    if (a->type != JSON_ARRAY || a->len == 0)
        return field_fail(e, path, key, "must be a non-empty array of strings");
    if (a->len > (uint32_t)max) return field_fail(e, path, key, "more than %d entries", (int)max);
    int32_t i = 0;
    for (const struct json_value *v = a->child; v != NULL; v = v->next, i++) {
        if (v->type != JSON_STRING || v->len == 0 || v->len > bytes_max)
            return field_fail(e, path, key, "[%d] must be a string of 1 to %d bytes", (int)i,
                              (int)bytes_max);
        if (memchr(v->text, '\0', v->len) != NULL || strpbrk(v->text, " \t\r\n") != NULL)
            return field_fail(e, path, key, "[%d] has a space or control byte", (int)i);
        int rc = each(ctx, i, v->text);
        if (rc != 0)
            return field_fail(e, path, key, "[%d] %s", (int)i,
                              rc == -2 ? "twice" : "too many items in the file");
    }
    return 0;
}

struct item_ctx {
    struct rule_set *rs;
    int32_t r;
};
static int add_item(void *ctx, int32_t i, const char *code) {
    struct item_ctx *c = ctx;
    struct rule *rule = &c->rs->rules[c->r];
    if (rule->type == RULE_EXCLUSIVE && i < 2) {
        if (i == 1 && strcmp(rule->pair[0], code) == 0) return -2;
        memcpy(rule->pair[i], code, strlen(code) + 1);
    }
    rule->item_count = i + 1;
    return rules_add_item(c->rs, c->r, code);
}
static int add_diagnosis(void *ctx, int32_t i, const char *code) {
    struct rule *rule = ctx;
    memcpy(rule->diagnoses[i], code, strlen(code) + 1);
    rule->diagnosis_count = i + 1;
    return 0;
}
static int add_setting(void *ctx, int32_t i, const char *name) {
    uint32_t *settings = ctx;
    (void)i;
    uint32_t bit = strcmp(name, "outpatient") == 0  ? RULE_SETTING_OUTPATIENT
                   : strcmp(name, "inpatient") == 0 ? RULE_SETTING_INPATIENT
                   : strcmp(name, "pharmacy") == 0  ? RULE_SETTING_PHARMACY
                                                    : 0;
    if (bit == 0) return -3;
    *settings |= bit;
    return 0;
}

int rule_settings(const struct json_value *r, const char *path, struct field_err *e,
                  uint32_t *settings) {
    if (rule_string_list(r, "settings", path, e, 3, 16, add_setting, settings) != 0) {
        snprintf(e->text, e->size, "%s.settings: must list outpatient, inpatient or pharmacy",
                 path);
        return -1;
    }
    return 0;
}

int rule_levels(const struct json_value *r, const char *path, struct field_err *e,
                uint32_t *levels) {
    const struct json_value *a = json_get(r, "levels");
    if (a == NULL) return field_fail(e, path, "levels", "missing");
    if (a->type != JSON_ARRAY || a->len == 0)
        return field_fail(e, path, "levels", "must be a non-empty array of levels 0-4");
    for (const struct json_value *v = a->child; v != NULL; v = v->next) {
        int64_t level = -1;
        if (field_scaled(v, 0, 4, &level) != 0 || level < 0)
            return field_fail(e, path, "levels", "must hold levels 0-4 (0 township, 1-3, 4 none)");
        *levels |= 1u << level;
    }
    return 0;
}

/* The restriction of the rule's type; other types' keys are refused. */
static int restriction(const struct json_value *r, const char *path, struct field_err *e,
                       struct rule *rule) {
    static const char *const own[RULE_TYPE_COUNT][2] = {{NULL, NULL},
                                                        {"gender", NULL},
                                                        {"age_min", "age_max"},
                                                        {"levels", NULL},
                                                        {"settings", NULL},
                                                        {"max_units", NULL},
                                                        {"max_units", NULL},
                                                        {"diagnoses", NULL},
                                                        {NULL, NULL},
                                                        {"daily_units", "max_days"},
                                                        {NULL, NULL}};
    static const char *const all[] = {"gender",    "age_min",     "age_max",
                                      "levels",    "settings",    "max_units",
                                      "diagnoses", "daily_units", "max_days"};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        if (json_get(r, all[k]) != NULL &&
            (own[rule->type][0] == NULL || strcmp(own[rule->type][0], all[k]) != 0) &&
            (own[rule->type][1] == NULL || strcmp(own[rule->type][1], all[k]) != 0))
            return field_fail(e, path, all[k], "is not a key of a %s rule",
                              rule_type_name(rule->type));
    char gender[4] = "";
    int64_t lo = 0, hi = 0;
    const struct json_value *v;
    switch (rule->type) {
    case RULE_GENDER:
        if (field_string(r, "gender", true, gender, sizeof gender, path, e) != 0) return -1;
        if (strcmp(gender, "1") != 0 && strcmp(gender, "2") != 0)
            return field_fail(e, path, "gender", "must be \"1\" (man) or \"2\" (woman)");
        rule->gender = gender[0] - '0';
        return 0;
    case RULE_AGE:
        if (field_integer(r, "age_min", true, 0, RULE_AGE_MAX, &lo, path, e) != 0 ||
            field_integer(r, "age_max", true, lo, RULE_AGE_MAX, &hi, path, e) != 0)
            return -1;
        rule->age_min = (int)lo, rule->age_max = (int)hi;
        return 0;
    case RULE_LEVEL: return rule_levels(r, path, e, &rule->levels);
    case RULE_SETTING: return rule_settings(r, path, e, &rule->settings);
    case RULE_UNITS_DAY:
    case RULE_UNITS_BILL:
        v = json_get(r, "max_units");
        if (v == NULL) return field_fail(e, path, "max_units", "missing");
        if (field_scaled(v, 4, RULE_UNITS_MAX, &rule->max_cnt_scaled) != 0 ||
            rule->max_cnt_scaled <= 0)
            return field_fail(e, path, "max_units", "must be a number > 0 with at most 4 decimals");
        return 0;
    case RULE_INDICATION:
        return rule_string_list(r, "diagnoses", path, e, RULE_DIAGNOSES_MAX, CODE_BYTES_MAX,
                                add_diagnosis, rule);
    case RULE_DAYS_SUPPLY:
        v = json_get(r, "daily_units");
        if (v == NULL) return field_fail(e, path, "daily_units", "missing");
        if (field_scaled(v, 4, RULE_UNITS_MAX, &rule->daily_cnt_scaled) != 0 ||
            rule->daily_cnt_scaled <= 0)
            return field_fail(e, path, "daily_units",
                              "must be a number > 0 with at most 4 decimals");
        if (field_integer(r, "max_days", true, 1, RULE_DAYS_MAX, &hi, path, e) != 0) return -1;
        rule->max_days = (int32_t)hi;
        return 0;
    default: return 0;
    }
}

static int one_head(const struct json_value *r, const char *path, struct field_err *e,
                    struct rule *rule) {
    char type[24] = "", severity[8] = "";
    if (field_string(r, "id", true, rule->id, sizeof rule->id, path, e) != 0 ||
        field_string(r, "name", true, rule->name, sizeof rule->name, path, e) != 0 ||
        field_string(r, "type", true, type, sizeof type, path, e) != 0 ||
        field_string(r, "severity", true, severity, sizeof severity, path, e) != 0 ||
        field_string(r, "behaviour", true, rule->behaviour, sizeof rule->behaviour, path, e) != 0 ||
        field_string(r, "evidence", false, rule->evidence, sizeof rule->evidence, path, e) < 0)
        return -1;
    if (rule->id[0] == '\0' || strpbrk(rule->id, " \t\r\n,:") != NULL)
        return field_fail(e, path, "id", "must be 1 to %d bytes without spaces, ',' or ':'",
                          CODE_BYTES_MAX);
    if (rule->name[0] == '\0') return field_fail(e, path, "name", "must not be empty");
    if (rule->behaviour[0] == '\0') return field_fail(e, path, "behaviour", "must not be empty");
    rule->type = rule_type_parse(type);
    if (rule->type == 0)
        return field_fail(e, path, "type",
                          "must be gender, age, level, setting, units_day, units_bill, "
                          "indication, exclusive, days_supply or catalog_restrict");
    if (strcmp(severity, "deny") == 0) rule->severity = RULE_DENY;
    else if (strcmp(severity, "warn") == 0) rule->severity = RULE_WARN;
    else if (strcmp(severity, "off") == 0 && rule->type == RULE_CATALOG) rule->severity = RULE_OFF;
    else if (rule->type == RULE_CATALOG)
        return field_fail(e, path, "severity", "must be \"deny\", \"warn\" or \"off\"");
    else return field_fail(e, path, "severity", "must be \"deny\" or \"warn\"");
    return 0;
}

static int one_rule(const struct json_value *r, const char *path, struct field_err *e,
                    struct rule_set *rs) {
    if (r->type != JSON_OBJECT) return field_fail(e, path, "", "must be an object");
    if (rs->count >= RULES_MAX) return field_fail(e, path, "", "more than %d rules", RULES_MAX);
    struct rule *rule = &rs->rules[rs->count];
    memset(rule, 0, sizeof *rule);
    if (rule_known_keys(r, rule_keys, sizeof rule_keys / sizeof rule_keys[0], "a rule", path, e) !=
            0 ||
        one_head(r, path, e, rule) != 0)
        return -1;
    for (int32_t k = 0; k < rs->count; k++)
        if (strcmp(rs->rules[k].id, rule->id) == 0)
            return field_fail(e, path, "id", "'%s' is the id of an earlier rule", rule->id);
    if (restriction(r, path, e, rule) != 0) return -1;
    if (rule->type == RULE_CATALOG) { /* the catalog's items, at rules_add_catalog */
        for (int32_t k = 0; k < rs->count; k++)
            if (rs->rules[k].type == RULE_CATALOG)
                return field_fail(e, path, "type",
                                  "a second catalog_restrict rule (the first is rules[%d])",
                                  (int)k);
        if (json_get(r, "items") != NULL)
            return field_fail(e, path, "items",
                              "is not a key of a catalog_restrict rule: its items are the "
                              "catalog's restricted items");
        rs->count++;
        return 0;
    }
    rs->count++;
    struct item_ctx ic = {rs, rs->count - 1};
    int32_t max = rule->type == RULE_EXCLUSIVE ? 2 : RULE_ITEMS_MAX;
    if (rule_string_list(r, "items", path, e, max, CODE_BYTES_MAX, add_item, &ic) != 0) return -1;
    if (rule->type == RULE_EXCLUSIVE && rule->item_count != 2)
        return field_fail(e, path, "items", "an exclusive rule names exactly 2 items");
    return 0;
}

static int rules_loader(const struct json_value *root, void *target, char *err, size_t size) {
    struct field_err e = {err, size};
    struct rule_set *rs = target;
    char format[32], path[32];
    rs->count = rs->item_count = 0;
    if (root == NULL || root->type != JSON_OBJECT)
        return field_fail(&e, "", "(document)", "must be a JSON object");
    if (field_string(root, "format", true, format, sizeof format, "", &e) != 0) return -1;
    if (strcmp(format, "yibao-rules/1") != 0)
        return field_fail(&e, "", "format", "must be \"yibao-rules/1\"");
    const struct json_value *rules = json_get(root, "rules");
    if (rules == NULL) return field_fail(&e, "", "rules", "missing");
    if (rules->type != JSON_ARRAY) return field_fail(&e, "", "rules", "must be an array");
    int32_t i = 0;
    for (const struct json_value *r = rules->child; r != NULL; r = r->next, i++) {
        snprintf(path, sizeof path, "rules[%d]", (int)i);
        if (one_rule(r, path, &e, rs) != 0) return rs->count = rs->item_count = 0, -1;
    }
    int32_t dup = rules_index(rs);
    if (dup != 0) {
        const struct rule_item *it = &rs->items[dup - 1];
        snprintf(path, sizeof path, "rules[%d]", (int)it->rule);
        field_fail(&e, path, "items", "names '%s' twice", it->code);
        return rs->count = rs->item_count = 0, -1;
    }
    return 0;
}

int rules_from_json(const struct json_value *root, struct rule_set *out, char *err,
                    size_t err_size) {
    return rules_loader(root, out, err, err_size);
}

int rules_load_file(const char *path, struct rule_set *out, char *err, size_t err_size) {
    return codec_load_file(path, rules_loader, out, err, err_size);
}

int rules_from_text(const char *text, size_t len, struct rule_set *out, char *err,
                    size_t err_size) {
    struct json_limits limits = {len + 1, JSON_DEPTH_MAX, 1u << 20};
    struct json_doc *doc = json_doc_new(&limits);
    if (doc == NULL) return snprintf(err, err_size, "out of memory"), -1;
    struct json_error jerr;
    const struct json_value *root = json_parse(doc, text, len, &jerr);
    int rc = root == NULL ? (snprintf(err, err_size, "not JSON"), -1)
                          : rules_loader(root, out, err, err_size);
    json_doc_free(doc);
    return rc;
}
