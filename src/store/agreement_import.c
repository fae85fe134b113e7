/* agreement_import.c: `yibao import payment FILE`, a region's payment
 * agreements for a year (yibao-payment/1, docs/PAYMENT.md) into the store.
 *
 * The codec checks the document on its own (every value, the rules across
 * its fields); what needs the registry is checked here: every institution
 * it names is registered, in the agreement's region, and an institution
 * paid by DIP has its level among the DIP coefficients (FUNDS.md §6c: a
 * case at a level without one could not be given points). The agreement of
 * a (region, year) is one row; importing the same text again changes
 * nothing, and a different one replaces it only with who and why
 * (--operator, --reason), as a policy does. The import record (import.c)
 * keeps the file and the table's content hash. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "core/agreement.h"
#include "store/store.h"

struct agreement_seen {
    const char *region;
    int32_t year;
    bool found;
    char json_hash[HASH_HEX_BYTES + 1];
};

static int agreement_of_key(void *ctx, const struct store_agreement_row *row) {
    struct agreement_seen *s = ctx;
    assert(s != NULL && row != NULL);
    if (row->year != s->year || strcmp(row->region, s->region) != 0) return 0;
    s->found = true;
    sha256_hex(row->json, row->json_len, s->json_hash);
    return 1; /* the key's one row: stop */
}

const char *store_agreement_problem(struct store *store, const struct agreement *a, char *why,
                                    size_t size) {
    assert(store != NULL && a != NULL && why != NULL);
    for (int32_t i = 0; i < a->institution_count; i++) {
        const struct agreement_institution *x = &a->institutions[i];
        const struct store_institution *reg = store_institution_find(store, x->fixmedins_code);
        if (reg == NULL) {
            snprintf(why, size, "institutions.%s: not a registered institution", x->fixmedins_code);
            return why;
        }
        if (strcmp(reg->region, a->region) != 0) {
            snprintf(why, size, "institutions.%s: registered in region %s, not %s",
                     x->fixmedins_code, reg->region, a->region);
            return why;
        }
        bool has_level = false;
        for (int32_t l = 0; l < a->dip.level_count; l++)
            has_level |= strcmp(a->dip.levels[l].name, level_name(reg->level)) == 0;
        if (x->method == PAY_DIP && !has_level) {
            snprintf(why, size,
                     "institutions.%s: its level %s has no DIP coefficient"
                     " (dip.coefficients)",
                     x->fixmedins_code, level_name(reg->level));
            return why;
        }
    }
    return NULL;
}

/* The agreement as a row, unless it is no change; a replacement needs a note. */
static int agreement_write(struct store *store, const struct agreement *a, const char *text,
                           size_t len, const char *base, const struct store_import_note *note,
                           struct store_err *err) {
    struct agreement_seen seen = {a->region, a->year, false, ""};
    const struct store_backend *ops = store_ops(store);
    if (ops->agreements_scan(store_conn(store), agreement_of_key, &seen, err) < 0) return -1;
    char hash[HASH_HEX_BYTES + 1];
    sha256_hex(text, len, hash);
    if (seen.found && strcmp(hash, seen.json_hash) == 0) return 0; /* the same file again */
    if (seen.found && note == NULL)
        return store_errf(err,
                          "%s: the payment agreement of region %s, year %d is registered already"
                          " with other terms: replacing it needs --operator and --reason",
                          base, a->region, (int)a->year),
               -1;
    struct store_agreement_row row;
    memset(&row, 0, sizeof row);
    snprintf(row.region, sizeof row.region, "%s", a->region);
    snprintf(row.id, sizeof row.id, "%s", a->id);
    row.year = a->year;
    row.json = text;
    row.json_len = len;
    return ops->agreement_put(store_conn(store), &row, err);
}

int agreement_import(struct store *store, const char *path, const char *base,
                     const struct store_import_note *note, int64_t *rows, struct store_err *err) {
    assert(store != NULL && path != NULL && base != NULL && rows != NULL);
    char msg[CODEC_ERR_BYTES], why[STORE_ERR_BYTES / 2];
    char *text = NULL;
    size_t len = 0;
    struct agreement *a = malloc(sizeof *a);
    if (a == NULL) return store_errf(err, "%s: out of memory", base), -1;
    int rc = -1;
    if (payment_agreement_load_file(path, a, msg, sizeof msg) != 0 ||
        file_read_all(path, JSON_BYTES_MAX, &text, &len, msg, sizeof msg) != 0)
        store_errf(err, "%s", msg);
    else if (store_agreement_problem(store, a, why, sizeof why) != NULL)
        store_errf(err, "%s: %s", base, why);
    else rc = agreement_write(store, a, text, len, base, note, err);
    *rows = rc == 0 ? a->institution_count : 0;
    assert(rc != 0 || *rows >= 1);
    free(text);
    free(a);
    return rc;
}
