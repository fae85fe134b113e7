/* fuzz_catalog.c: libFuzzer target for catalog_from_json (src/codec) and
 * the catalog hash table (src/core/catalog.c).
 *
 * On success every item listed in the document is found by catalog_find
 * with the class read, codes are unique and at most CODE_BYTES_MAX bytes;
 * on failure the catalog is left empty and the message names a path. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "core/limits.h"
#include "core/money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_catalog: property violated: %s\n", what);
        abort();
    }
}

static struct json_doc *doc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (doc == NULL) {
        struct json_limits limits = {1u << 20, JSON_DEPTH_MAX, 1u << 16};
        doc = json_doc_new(&limits);
        check(doc != NULL, "json_doc_new");
    }
    struct json_error jerr;
    const struct json_value *root = json_parse(doc, (const char *)data, size, &jerr);
    if (root == NULL) return 0;
    struct catalog c;
    catalog_init(&c);
    char err[CODEC_ERR_BYTES];
    int rc = catalog_from_json(root, &c, err, sizeof err);
    check(rc == 0 || rc == -1, "return value");
    if (rc != 0) {
        check(c.count == 0 && c.items == NULL && c.slots == NULL, "left empty on error");
        check(memchr(err, '\0', sizeof err) != NULL && strstr(err, ": ") != NULL, "message");
        return 0;
    }
    const struct json_value *items = json_get(root, "items");
    check(items != NULL && items->type == JSON_OBJECT, "items object");
    check(c.count == items->len, "one item per member");
    for (const struct json_value *v = items->child; v != NULL; v = v->next) {
        const struct catalog_item *it = catalog_find(&c, v->key);
        check(it != NULL, "item found");
        check(strcmp(it->code, v->key) == 0, "code kept");
        check(strlen(it->code) >= 1 && strlen(it->code) <= CODE_BYTES_MAX, "code length");
        const struct json_value *cls = json_get(v, "class");
        check(cls != NULL && cls->type == JSON_STRING, "class string");
        check(it->item_class == (cls->text[0] == 'A'   ? CLASS_A
                                 : cls->text[0] == 'B' ? CLASS_B
                                                       : CLASS_C),
              "class read");
        check(it->prepay_bp == -1 || (it->prepay_bp >= 0 && it->prepay_bp <= RATIO_ONE_BP),
              "prepay");
        check(it->cap_price_scaled >= -1 && it->cap_price_scaled <= PRICE_SCALED_MAX, "cap price");
    }
    check(catalog_find(&c, "\x01never a code") == NULL || items->len > 0, "absent code");
    catalog_free(&c);
    return 0;
}
