/* restrict_json.c: what the catalog's loader does not keep for settlement,
 * each item's `restrict` (yibao-catalog/1; docs/RULES.md, "The catalog's
 * restrictions"): {"gender":"1"|"2"}, {"age_min":N,"age_max":M} (inclusive
 * ages), "levels", "settings", "max_units_day", "max_units_bill",
 * "diagnoses" and "exclusive", spelt as a rule file spells them. Read by
 * the store's catalog import (kept with the catalog's rows, made rules
 * inside settlement) and by the scans after settlement (app/scan.c). A bad
 * restriction names the item and key; an unknown key is refused, so that a
 * misspelt restriction is not a restriction of nothing. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "codec/fields.h"
#include "codec/rule_fields.h"
#include "core/rules.h"

struct restrict_load {
    catalog_restrict_cb cb;
    void *ctx;
    const struct json_value *items; /* the catalog's: exclusive names its items */
};

/* A list's entries joined by commas into an item's restriction. */
struct list_join {
    char text[CATALOG_LIST_BYTES];
    size_t len;
    const char *own;                /* exclusive: the item's code, never its own partner */
    const struct json_value *items; /* exclusive: the codes it may name */
    const char *why;                /* what was wrong with an entry */
};

static int join_one(void *ctx, int32_t i, const char *text) {
    struct list_join *j = ctx;
    size_t n = strlen(text);
    if (strchr(text, ',') != NULL) return j->why = "has a comma", -3;
    if (j->len + n + 1 >= sizeof j->text) return j->why = "is too long", -3;
    if (j->own != NULL && strcmp(text, j->own) == 0) return j->why = "is the item itself", -3;
    if (j->own != NULL && json_get(j->items, text) == NULL)
        return j->why = "is not an item of the catalog", -3;
    for (const char *p = j->text; i > 0 && p != NULL; p = strchr(p, ','), p = p ? p + 1 : p)
        if (strncmp(p, text, n) == 0 && (p[n] == ',' || p[n] == '\0')) return -2;
    if (j->len > 0) j->text[j->len++] = ',';
    memcpy(j->text + j->len, text, n + 1);
    j->len += n;
    return 0;
}

/* A list key into *out (NULL when absent), its text in j. */
static int list_of(const struct json_value *r, const char *key, int32_t max, struct list_join *j,
                   const char *path, struct field_err *e, char **out) {
    *out = NULL;
    if (json_get(r, key) == NULL) return 0;
    if (rule_string_list(r, key, path, e, max, CODE_BYTES_MAX, join_one, j) != 0) {
        char *cut = j->why != NULL ? strstr(e->text, "too many items in the file") : NULL;
        if (cut != NULL) snprintf(cut, e->size - (size_t)(cut - e->text), "%s", j->why);
        return -1;
    }
    *out = j->text;
    return 0;
}

static int units_of(const struct json_value *r, const char *key, const char *path,
                    struct field_err *e, int64_t *out) {
    const struct json_value *v = json_get(r, key);
    *out = 0;
    if (v == NULL) return 0;
    if (field_scaled(v, 4, RULE_UNITS_MAX, out) != 0 || *out <= 0)
        return field_fail(e, path, key, "must be a number > 0 with at most 4 decimals");
    return 0;
}

static const char *const restrict_keys[] = {"gender",         "age_min",   "age_max",
                                            "levels",         "settings",  "max_units_day",
                                            "max_units_bill", "diagnoses", "exclusive"};

/* Gender and ages into it. */
static int person_keys(const struct json_value *r, const char *path, struct field_err *e,
                       struct catalog_item *it) {
    char gender[4] = "";
    int64_t age_min = 0, age_max = -1;
    if (field_string(r, "gender", false, gender, sizeof gender, path, e) < 0) return -1;
    if (gender[0] != '\0' && strcmp(gender, "1") != 0 && strcmp(gender, "2") != 0)
        return field_fail(e, path, "gender", "must be \"1\" or \"2\"");
    bool has_age = json_get(r, "age_min") != NULL || json_get(r, "age_max") != NULL;
    if (has_age &&
        (field_integer(r, "age_min", true, 0, RULE_AGE_MAX, &age_min, path, e) != 0 ||
         field_integer(r, "age_max", true, age_min, RULE_AGE_MAX, &age_max, path, e) != 0))
        return -1;
    it->restrict_gender = (int8_t)(gender[0] ? gender[0] - '0' : 0);
    it->restrict_age_min = (int16_t)(has_age ? age_min : -1);
    it->restrict_age_max = (int16_t)age_max;
    return 0;
}

static int one_restrict(const struct json_value *r, const char *code, const char *path,
                        struct field_err *e, struct restrict_load *l) {
    struct catalog_item it;
    struct list_join diagnoses = {"", 0, NULL, NULL, NULL},
                     exclusive = {"", 0, code, l->items, NULL};
    uint32_t levels = 0, settings = 0;
    memset(&it, 0, sizeof it);
    memcpy(it.code, code, strlen(code) + 1);
    if (r->type != JSON_OBJECT) return field_fail(e, path, "", "must be an object");
    if (rule_known_keys(r, restrict_keys, sizeof restrict_keys / sizeof restrict_keys[0],
                        "a restriction", path, e) != 0 ||
        person_keys(r, path, e, &it) != 0)
        return -1;
    if (json_get(r, "levels") != NULL && rule_levels(r, path, e, &levels) != 0) return -1;
    if (json_get(r, "settings") != NULL && rule_settings(r, path, e, &settings) != 0) return -1;
    it.restrict_levels = (uint8_t)levels, it.restrict_settings = (uint8_t)settings;
    if (units_of(r, "max_units_day", path, e, &it.restrict_day_scaled) != 0 ||
        units_of(r, "max_units_bill", path, e, &it.restrict_bill_scaled) != 0 ||
        list_of(r, "diagnoses", CATALOG_DIAGNOSES_MAX, &diagnoses, path, e,
                &it.restrict_diagnoses) != 0 ||
        list_of(r, "exclusive", CATALOG_EXCLUSIVE_MAX, &exclusive, path, e,
                &it.restrict_exclusive) != 0)
        return -1;
    if (!catalog_item_restricted(&it)) return field_fail(e, path, "", "restricts nothing");
    if (l->cb(l->ctx, &it) != 0)
        return field_fail(e, path, "", "out of memory or too many restricted items");
    return 0;
}

static int restrict_loader(const struct json_value *root, void *target, char *err, size_t size) {
    struct field_err e = {err, size};
    struct restrict_load *l = target;
    char path[CODE_BYTES_MAX + 32], code[CODE_BYTES_MAX + 1], format[32];
    int status;
    if (root == NULL || root->type != JSON_OBJECT)
        return field_fail(&e, "", "(document)", "must be a JSON object");
    if (field_string(root, "format", true, format, sizeof format, "", &e) != 0) return -1;
    if (strcmp(format, "yibao-catalog/1") != 0)
        return field_fail(&e, "", "format", "must be \"yibao-catalog/1\"");
    const struct json_value *items = field_object(root, "items", true, "", &e, &status);
    if (items == NULL) return -1;
    l->items = items;
    for (const struct json_value *v = items->child; v != NULL; v = v->next) {
        snprintf(path, sizeof path, "items.%.*s", CODE_BYTES_MAX, v->key);
        if (v->key_len == 0 || v->key_len > CODE_BYTES_MAX || v->type != JSON_OBJECT)
            return field_fail(&e, path, "", "not an item");
        memcpy(code, v->key, v->key_len + 1);
        const struct json_value *r = json_get(v, "restrict");
        snprintf(path, sizeof path, "items.%.*s.restrict", CODE_BYTES_MAX, v->key);
        if (r != NULL && one_restrict(r, code, path, &e, l) != 0) return -1;
    }
    return 0;
}

int catalog_restrict_from_json(const struct json_value *root, catalog_restrict_cb cb, void *ctx,
                               char *err, size_t err_size) {
    struct restrict_load l = {cb, ctx, NULL};
    return restrict_loader(root, &l, err, err_size);
}

int catalog_restrict_load_file(const char *path, catalog_restrict_cb cb, void *ctx, char *err,
                               size_t err_size) {
    struct restrict_load l = {cb, ctx, NULL};
    return codec_load_file(path, restrict_loader, &l, err, err_size);
}

/* An item's restriction onto the catalog's item of its code (the catalog
 * owns copies of the lists). */
static int restrict_onto(void *ctx, const struct catalog_item *r) {
    struct catalog *catalog = ctx;
    const struct catalog_item *found = catalog_find(catalog, r->code);
    assert(found != NULL);
    if (found == NULL) return -1;
    struct catalog_item *item = &catalog->items[found - catalog->items];
    char *diagnoses = NULL, *exclusive = NULL;
    if (r->restrict_diagnoses != NULL && (diagnoses = strdup(r->restrict_diagnoses)) == NULL)
        return -1;
    if (r->restrict_exclusive != NULL && (exclusive = strdup(r->restrict_exclusive)) == NULL)
        return free(diagnoses), -1;
    free(item->restrict_diagnoses);
    free(item->restrict_exclusive);
    item->restrict_gender = r->restrict_gender;
    item->restrict_age_min = r->restrict_age_min, item->restrict_age_max = r->restrict_age_max;
    item->restrict_levels = r->restrict_levels, item->restrict_settings = r->restrict_settings;
    item->restrict_day_scaled = r->restrict_day_scaled;
    item->restrict_bill_scaled = r->restrict_bill_scaled;
    item->restrict_diagnoses = diagnoses, item->restrict_exclusive = exclusive;
    return 0;
}

int catalog_restrict_apply(const struct json_value *root, struct catalog *catalog, char *err,
                           size_t err_size) {
    assert(catalog != NULL);
    return catalog_restrict_from_json(root, restrict_onto, catalog, err, err_size);
}

int catalog_restrict_apply_file(const char *path, struct catalog *catalog, char *err,
                                size_t err_size) {
    assert(path != NULL && catalog != NULL);
    return catalog_restrict_load_file(path, restrict_onto, catalog, err, err_size);
}
