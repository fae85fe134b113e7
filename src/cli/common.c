/* common.c: helpers the subcommands share (see common.h). */
#include "cli/common.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/refusal.h"
#include "codec/codec.h"
#include "core/limits.h"
#include "core/enrol.h"
#include "core/explain.h"
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

void cli_print_explain(FILE *out, const struct explain *explain, bool json) {
    assert(out != NULL && explain != NULL && explain->len < sizeof explain->text);
    const char *p = explain->text, *end = explain->text + explain->len;
    struct json_buf b;
    json_buf_init(&b);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (!json) {
            fprintf(out, "%.*s\n", (int)len, p);
        } else {
            char line[1024];
            snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1),
                     p);
            char *colon = strstr(line, ": ");
            json_buf_reset(&b);
            json_buf_raw(&b, "{\"step\":", 8);
            if (colon) *colon = '\0';
            json_buf_str(&b, line);
            json_buf_raw(&b, ",\"text\":", 8);
            json_buf_str(&b, colon ? colon + 2 : "");
            json_buf_char(&b, '}');
            if (!b.failed) fprintf(out, "%.*s\n", (int)b.len, b.data);
        }
        p += len + 1;
    }
    if (explain->truncated)
        fprintf(out,
                json ? "{\"step\":\"truncated\",\"text\":\"\"}\n" : "(explanation truncated)\n");
    json_buf_free(&b);
}

void cli_print_refusal(const struct app_refusal *why, const char *text) {
    assert(why != NULL && why->code != NULL && text != NULL);
    struct json_buf b;
    json_buf_init(&b);
    json_buf_raw(&b, "{\"error\":", 9);
    json_buf_str(&b, why->code);
    json_buf_raw(&b, ",\"field\":", 9);
    json_buf_str(&b, why->field ? why->field : "");
    json_buf_raw(&b, ",\"line\":", 8);
    json_buf_int(&b, why->line);
    json_buf_raw(&b, ",\"message\":", 11);
    json_buf_str(&b, text);
    json_buf_char(&b, '}');
    if (!b.failed) printf("%.*s\n", (int)b.len, b.data);
    json_buf_free(&b);
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

/* The 4 digits at text as a year of the fund rules, or -1. */
static int32_t year_digits(const char *text) {
    assert(text != NULL);
    if (strspn(text, "0123456789") < 4) return -1;
    int32_t y = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 +
                (text[3] - '0');
    return y >= MONTH_YEAR_MIN && y <= MONTH_YEAR_MAX ? y : -1;
}

bool cli_year(const char *cmd, const char *option, const char *text, int32_t *year) {
    assert(cmd != NULL && option != NULL && year != NULL);
    int32_t y = text != NULL && strlen(text) == 4 ? year_digits(text) : -1;
    if (y < 0) {
        fprintf(stderr, "yibao %s: %s '%s': not a year YYYY in %d-%d\n", cmd, option,
                text ? text : "", MONTH_YEAR_MIN, MONTH_YEAR_MAX);
        return false;
    }
    *year = y;
    return true;
}

bool cli_month(const char *cmd, const char *option, const char *text, int32_t *year,
               int32_t *month) {
    assert(cmd != NULL && option != NULL && year != NULL && month != NULL);
    bool shape = text != NULL && strlen(text) == 7 && text[4] == '-' &&
                 strspn(text + 5, "0123456789") == 2;
    int32_t y = shape ? year_digits(text) : -1;
    int32_t m = shape ? (text[5] - '0') * 10 + (text[6] - '0') : 0;
    if (y < 0 || m < 1 || m > 12) {
        fprintf(stderr, "yibao %s: %s '%s': not a month YYYY-MM in %d-01..%d-12\n", cmd, option,
                text ? text : "", MONTH_YEAR_MIN, MONTH_YEAR_MAX);
        return false;
    }
    *year = y;
    *month = m;
    return true;
}
