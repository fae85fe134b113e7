/* common.c: helpers the subcommands share (see common.h). */
#include "cli/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "core/limits.h"
#include "core/money.h"

struct json_doc *cli_json_doc(void) {
    struct json_limits limits = {JSON_BYTES_MAX, JSON_DEPTH_MAX, JSON_NODES_MAX};
    struct json_doc *doc = json_doc_new(&limits);
    if (doc == NULL) fprintf(stderr, "yibao: out of memory\n");
    return doc;
}

const struct json_value *cli_read_json(const char *path, struct json_doc *doc, char **data) {
    char err[CODEC_ERR_BYTES];
    size_t len;
    *data = NULL;
    if (file_read_all(path, JSON_BYTES_MAX, data, &len, err, sizeof err) != 0) {
        fprintf(stderr, "yibao: %s\n", err);
        return NULL;
    }
    struct json_error jerr;
    const struct json_value *root = json_parse(doc, *data, len, &jerr);
    if (root == NULL) fprintf(stderr, "yibao: %s: byte %zu: %s\n", path, jerr.offset, jerr.message);
    return root;
}

bool cli_option(int argc, char **argv, int *i, const char *name, const char **value, bool *bad) {
    if (strcmp(argv[*i], name) != 0) return false;
    if (*i + 1 >= argc) {
        fprintf(stderr, "yibao: %s needs a value\n", name);
        *bad = true;
        return true;
    }
    *value = argv[++*i];
    return true;
}

bool cli_positive(const char *name, const char *text, long long max, long long *out) {
    int64_t value;
    if (decimal_parse(text, strlen(text), 0, max, &value) != DECIMAL_OK || value <= 0) {
        fprintf(stderr, "yibao: %s: must be an integer in [1, %lld]\n", name, max);
        return false;
    }
    *out = value;
    return true;
}
