/* catalog_stale.c: whether the store's catalog rows carry the restrictions
 * its last catalog import's file gives (docs/RULES.md, "The catalog's
 * restrictions"; issue 18, fifteenth session).
 *
 * The migrations that added the restriction columns (19: gender and ages;
 * 21: levels, settings, units, indications, exclusive items) cannot fill
 * them: the catalog's table hash is recorded by its import record, so rows
 * changed without a new import would no longer check, and only an import
 * journals a new hash. The file that import read is kept (journal_data of
 * its seq), so `yibao check` can say exactly which items it restricts and
 * the rows do not: the operator imports the catalog again (the same file
 * fills them and journals the new hash). */
#include <assert.h>
#include <string.h>

#include "codec/codec.h"
#include "store/catalog_stale.h"

struct stale {
    struct catalog file; /* the kept file's items with their restrictions */
    int64_t items;       /* rows whose restrictions differ from the file's */
    char first[CODE_BYTES_MAX + 1];
    bool parsed;
};

static bool same_list(const char *a, const char *b) {
    return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/* Whether two items restrict alike. */
static bool same_restrict(const struct catalog_item *a, const struct catalog_item *b) {
    assert(a != NULL && b != NULL);
    return a->restrict_gender == b->restrict_gender && a->restrict_age_max == b->restrict_age_max &&
           (a->restrict_age_max < 0 || a->restrict_age_min == b->restrict_age_min) &&
           a->restrict_levels == b->restrict_levels &&
           a->restrict_settings == b->restrict_settings &&
           a->restrict_day_scaled == b->restrict_day_scaled &&
           a->restrict_bill_scaled == b->restrict_bill_scaled &&
           same_list(a->restrict_diagnoses, b->restrict_diagnoses) &&
           same_list(a->restrict_exclusive, b->restrict_exclusive);
}

/* The kept file, parsed with its restrictions (a file an earlier release
 * accepted whose `restrict` this one refuses is left unparsed). */
static int kept_file(void *ctx, const struct journal_data *d) {
    struct stale *s = ctx;
    struct json_limits limits = {JSON_BYTES_MAX, JSON_DEPTH_MAX, JSON_NODES_MAX};
    struct json_error jerr;
    char err[CODEC_ERR_BYTES];
    assert(s != NULL && d != NULL && !s->parsed);
    struct json_doc *doc = json_doc_new(&limits);
    if (doc == NULL) return -1;
    const struct json_value *root = json_parse(doc, (const char *)d->bytes, d->len, &jerr);
    s->parsed = root != NULL && catalog_from_json(root, &s->file, err, sizeof err) == 0 &&
                catalog_restrict_apply(root, &s->file, err, sizeof err) == 0;
    json_doc_free(doc);
    return 0;
}

static int row(void *ctx, const struct catalog_item *item) {
    struct stale *s = ctx;
    assert(s != NULL && item != NULL);
    const struct catalog_item *f = catalog_find(&s->file, item->code);
    if (f == NULL || same_restrict(f, item)) return 0;
    if (s->items++ == 0) memcpy(s->first, item->code, sizeof s->first);
    return 0;
}

int catalog_restrict_stale(const struct store_backend *ops, struct store_conn *conn,
                           struct catalog_stale *out, struct store_err *err) {
    struct stale s;
    assert(ops != NULL && conn != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    memset(&s, 0, sizeof s);
    catalog_init(&s.file);
    if (ops->last_import(conn, "catalog", &out->import_seq, err) != 0) return -1;
    if (out->import_seq <= 0) return 0;
    int rc = ops->data_scan(conn, out->import_seq, out->import_seq, kept_file, &s, err);
    out->unreadable = rc == 0 && !s.parsed;
    if (rc == 0 && s.parsed) rc = ops->catalog_scan(conn, row, &s, err);
    out->items = s.items;
    memcpy(out->first, s.first, sizeof out->first);
    catalog_free(&s.file);
    return rc;
}
