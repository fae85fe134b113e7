/* restrict_json.c: what the catalog's loader does not keep for settlement,
 * each item's `restrict` (yibao-catalog/1: {"gender":"1"|"2"} or
 * {"age_min":N,"age_max":M}, inclusive ages), for the scans after
 * settlement (app/scan.c). A bad restriction names the item and key. */
#include <stdio.h>
#include <string.h>

#include "codec/codec.h"
#include "codec/fields.h"

#define AGE_MAX 150

struct restrict_load {
    catalog_restrict_cb cb;
    void *ctx;
};

static int one_restrict(const struct json_value *r, const char *code, const char *path,
                        struct field_err *e, struct restrict_load *l) {
    char gender[4] = "";
    int64_t age_min = 0, age_max = -1;
    if (r->type != JSON_OBJECT) return field_fail(e, path, "restrict", "must be an object");
    if (field_string(r, "gender", false, gender, sizeof gender, path, e) < 0) return -1;
    if (gender[0] != '\0' && strcmp(gender, "1") != 0 && strcmp(gender, "2") != 0)
        return field_fail(e, path, "restrict.gender", "must be \"1\" or \"2\"");
    bool has_age = json_get(r, "age_min") != NULL || json_get(r, "age_max") != NULL;
    if (has_age && (field_integer(r, "age_min", true, 0, AGE_MAX, &age_min, path, e) != 0 ||
                    field_integer(r, "age_max", true, age_min, AGE_MAX, &age_max, path, e) != 0))
        return -1;
    if (gender[0] == '\0' && !has_age)
        return field_fail(e, path, "restrict", "names neither gender nor ages");
    if (l->cb(l->ctx, code, gender[0] ? gender[0] - '0' : 0, (int)age_min, (int)age_max) != 0)
        return field_fail(e, path, "", "out of memory or too many restricted items");
    return 0;
}

static int restrict_loader(const struct json_value *root, void *target, char *err, size_t size) {
    struct field_err e = {err, size};
    struct restrict_load *l = target;
    char path[CODE_BYTES_MAX + 16], code[CODE_BYTES_MAX + 1], format[32];
    int status;
    if (root == NULL || root->type != JSON_OBJECT)
        return field_fail(&e, "", "(document)", "must be a JSON object");
    if (field_string(root, "format", true, format, sizeof format, "", &e) != 0) return -1;
    if (strcmp(format, "yibao-catalog/1") != 0)
        return field_fail(&e, "", "format", "must be \"yibao-catalog/1\"");
    const struct json_value *items = field_object(root, "items", true, "", &e, &status);
    if (items == NULL) return -1;
    for (const struct json_value *v = items->child; v != NULL; v = v->next) {
        snprintf(path, sizeof path, "items.%.*s", CODE_BYTES_MAX, v->key);
        if (v->key_len == 0 || v->key_len > CODE_BYTES_MAX || v->type != JSON_OBJECT)
            return field_fail(&e, path, "", "not an item");
        memcpy(code, v->key, v->key_len + 1);
        const struct json_value *r = json_get(v, "restrict");
        if (r != NULL && one_restrict(r, code, path, &e, l) != 0) return -1;
    }
    return 0;
}

int catalog_restrict_from_json(const struct json_value *root, catalog_restrict_cb cb, void *ctx,
                               char *err, size_t err_size) {
    struct restrict_load l = {cb, ctx};
    return restrict_loader(root, &l, err, err_size);
}

int catalog_restrict_load_file(const char *path, catalog_restrict_cb cb, void *ctx, char *err,
                               size_t err_size) {
    struct restrict_load l = {cb, ctx};
    return codec_load_file(path, restrict_loader, &l, err, err_size);
}
