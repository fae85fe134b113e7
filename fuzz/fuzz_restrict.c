/* fuzz_restrict.c: libFuzzer target for catalog_restrict_from_json
 * (src/codec/restrict_json.c), the catalog's `restrict` read by the
 * supervision scan.
 *
 * On success every restriction given restricts something (a gender 1 or 2,
 * an age range with 0 <= age_min <= age_max <= 150, levels, settings,
 * units, diagnoses, exclusive items), under a code of 1 to CODE_BYTES_MAX
 * bytes; on failure the message is not empty. */
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

static int seen(void *ctx, const struct catalog_item *it) {
    (void)ctx;
    size_t len = strlen(it->code);
    int gender = it->restrict_gender, age_min = it->restrict_age_min,
        age_max = it->restrict_age_max;
    check(len >= 1 && len <= CODE_BYTES_MAX, "code length");
    check(gender == 0 || gender == 1 || gender == 2, "gender");
    check(age_max == -1 || (age_min >= 0 && age_min <= age_max && age_max <= 150), "ages");
    check(it->restrict_levels < 32 && it->restrict_settings < 8, "levels, settings");
    check(it->restrict_day_scaled >= 0 && it->restrict_bill_scaled >= 0, "units");
    check(it->restrict_diagnoses == NULL || strlen(it->restrict_diagnoses) > 0, "diagnoses");
    check(it->restrict_exclusive == NULL || strstr(it->restrict_exclusive, it->code) == NULL ||
              strlen(it->restrict_exclusive) > strlen(it->code),
          "exclusive names the item alone");
    check(catalog_item_restricted(it), "a restriction of nothing");
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
