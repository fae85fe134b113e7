/* fuzz_restrict.c: libFuzzer target for catalog_restrict_from_json
 * (src/codec/restrict_json.c), the catalog's `restrict` read by the
 * supervision scan.
 *
 * On success every restriction given names a gender 1 or 2 or an age range
 * with 0 <= age_min <= age_max <= 150 (or both), under a code of 1 to
 * CODE_BYTES_MAX bytes; on failure the message is not empty. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "core/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_restrict: property violated: %s\n", what);
        abort();
    }
}

static struct json_doc *doc;

static int seen(void *ctx, const char *code, int gender, int age_min, int age_max) {
    (void)ctx;
    size_t len = strlen(code);
    check(len >= 1 && len <= CODE_BYTES_MAX, "code length");
    check(gender == 0 || gender == 1 || gender == 2, "gender");
    check(age_max == -1 || (age_min >= 0 && age_min <= age_max && age_max <= 150), "ages");
    check(gender != 0 || age_max >= 0, "a restriction of nothing");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (doc == NULL) {
        struct json_limits limits = {1u << 20, JSON_DEPTH_MAX, 1u << 16};
        doc = json_doc_new(&limits);
        check(doc != NULL, "json_doc_new");
    }
    struct json_error jerr;
    const struct json_value *root = json_parse(doc, (const char *)data, size, &jerr);
    if (root == NULL) return 0;
    char err[CODEC_ERR_BYTES] = "";
    int rc = catalog_restrict_from_json(root, seen, NULL, err, sizeof err);
    check(rc == 0 || rc == -1, "return value");
    check(rc == 0 || err[0] != '\0', "an error without a message");
    return 0;
}
