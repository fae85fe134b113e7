/* catalog_json.c: loads a yibao-catalog/1 document into struct catalog. */
#include <stdio.h>
#include <string.h>

#include "codec/codec.h"
#include "codec/fields.h"
#include "core/money.h"

static int catalog_item_from_json(const struct json_value *v, struct catalog_item *item,
                                  const char *path, struct field_err *e) {
    char cls[4];
    memset(item, 0, sizeof *item);
    if (v->key_len == 0 || v->key_len > CODE_BYTES_MAX)
        return field_fail(e, path, "", "item code must have 1 to %d bytes", CODE_BYTES_MAX);
    memcpy(item->code, v->key, v->key_len + 1);
    if (v->type != JSON_OBJECT) return field_fail(e, path, "", "must be an object");
    if (field_string(v, "class", true, cls, sizeof cls, path, e) != 0) return -1;
    if (strcmp(cls, "A") == 0) item->item_class = CLASS_A;
    else if (strcmp(cls, "B") == 0) item->item_class = CLASS_B;
    else if (strcmp(cls, "C") == 0) item->item_class = CLASS_C;
    else return field_fail(e, path, "class", "must be \"A\", \"B\" or \"C\"");
    item->prepay_bp = -1;
    item->restrict_age_max = -1; /* `restrict` is read by restrict_json.c */
    if (field_ratio(v, "prepay", false, &item->prepay_bp, path, e) < 0) return -1;
    item->cap_price_scaled = -1;
    const struct json_value *cap = json_get(v, "cap_price");
    if (cap != NULL && cap->type != JSON_NULL &&
        (field_scaled(cap, 6, PRICE_SCALED_MAX, &item->cap_price_scaled) != 0 ||
         item->cap_price_scaled < 0))
        return field_fail(e, path, "cap_price", "must be a price >= 0 with at most 6 decimals");
    return 0;
}

int catalog_from_json(const struct json_value *root, struct catalog *out, char *err,
                      size_t err_size) {
    struct field_err e = {err, err_size};
    char format[32], path[CODE_BYTES_MAX + 16];
    int status;
    if (root == NULL || root->type != JSON_OBJECT)
        return field_fail(&e, "", "(document)", "must be a JSON object");
    if (field_string(root, "format", true, format, sizeof format, "", &e) != 0) return -1;
    if (strcmp(format, "yibao-catalog/1") != 0)
        return field_fail(&e, "", "format", "must be \"yibao-catalog/1\"");
    const struct json_value *items = field_object(root, "items", true, "", &e, &status);
    if (items == NULL) return -1;
    for (const struct json_value *v = items->child; v != NULL; v = v->next) {
        struct catalog_item item;
        snprintf(path, sizeof path, "items.%.*s", CODE_BYTES_MAX, v->key);
        int rc = catalog_item_from_json(v, &item, path, &e);
        if (rc == 0) {
            rc = catalog_add(out, &item);
            if (rc == -1) field_fail(&e, path, "", "out of memory");
            else if (rc == -2) field_fail(&e, path, "", "listed twice");
            else if (rc == -3) field_fail(&e, path, "", "more than %d items", CATALOG_ITEMS_MAX);
        }
        if (rc != 0) {
            catalog_free(out);
            return -1;
        }
    }
    return 0;
}

int catalog_text_from_json(const struct json_value *root, catalog_text_cb cb, void *ctx, char *err,
                           size_t err_size) {
    struct field_err e = {err, err_size};
    char path[CODE_BYTES_MAX + 16], code[CODE_BYTES_MAX + 1], name[NAME_BYTES_MAX + 1], kind[16];
    int status;
    if (root == NULL || root->type != JSON_OBJECT)
        return field_fail(&e, "", "(document)", "must be a JSON object");
    const struct json_value *items = field_object(root, "items", true, "", &e, &status);
    if (items == NULL) return -1;
    for (const struct json_value *v = items->child; v != NULL; v = v->next) {
        snprintf(path, sizeof path, "items.%.*s", CODE_BYTES_MAX, v->key);
        if (v->key_len == 0 || v->key_len > CODE_BYTES_MAX || v->type != JSON_OBJECT)
            return field_fail(&e, path, "", "not an item");
        memcpy(code, v->key, v->key_len + 1);
        name[0] = kind[0] = '\0';
        if (field_string(v, "name", false, name, sizeof name, path, &e) < 0 ||
            field_string(v, "kind", false, kind, sizeof kind, path, &e) < 0)
            return -1;
        if (cb(ctx, code, name, kind) != 0) return field_fail(&e, path, "", "out of memory");
    }
    return 0;
}

static int catalog_loader(const struct json_value *root, void *target, char *err, size_t size) {
    return catalog_from_json(root, target, err, size);
}

int catalog_load_file(const char *path, struct catalog *out, char *err, size_t err_size) {
    return codec_load_file(path, catalog_loader, out, err, err_size);
}
