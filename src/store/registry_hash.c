/* registry_hash.c: the content hash of a registry table, which brings the
 * registry under the journal's chain.
 *
 * Every import record carries (body key content=) the SHA-256 of the
 * table it changed as it stands after the import: each row in key order
 * as one line of its fields (a policy by the hash of its JSON text).
 * `yibao check` computes the hashes again and compares them with the last
 * import of each kind, so a person, institution, policy or catalog row
 * changed, added or deleted outside yibao (an SQL edit) is found, where
 * before only the journal and the ledger were covered. The whole table is
 * hashed, not the rows the import added: persons are inserted or edited,
 * institutions and policies are upserts and the catalog is replaced, and a
 * table hash covers all four alike (one scan at import and at check).
 * The service's credentials (svc_credential) are hashed alike, by
 * credential.c's records (what=credentials), and the enrolment tables
 * (enrol_rows.h: employers, episodes, wages, bindings) and the payment
 * agreements (what=payment). */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "store/enrol_rows.h"
#include "store/store.h"

#define ROW_BYTES_MAX 4096 /* a registry row's canonical line (a catalog row's lists: 3 KB) */

struct hasher {
    EVP_MD_CTX *ctx;
    bool ok;
    int64_t rows;
};

static void hash_line(struct hasher *h, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void hash_line(struct hasher *h, const char *format, ...) {
    assert(h != NULL && format != NULL);
    char line[ROW_BYTES_MAX];
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(line, sizeof line, format, ap);
    va_end(ap);
    assert(n > 0 && (size_t)n < sizeof line); /* every field is bounded */
    if (n <= 0 || (size_t)n >= sizeof line) h->ok = false;
    if (h->ok) h->ok = EVP_DigestUpdate(h->ctx, line, (size_t)n) == 1;
    h->rows++;
}

static int person_row(void *ctx, const struct store_person *p) {
    assert(ctx != NULL && p != NULL);
    /* a resident's per-year starts, hashed only when there are some: a
     * registry without them hashes as it did before the column */
    char years[32] = "";
    if (p->benefit_years != 0) snprintf(years, sizeof years, "\x1f%" PRId64, p->benefit_years);
    hash_line(ctx,
              "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%d\x1f%d\x1f%u\x1f%s\x1f%" PRId64 "\x1f%" PRId64
              "\x1f%d%s\n",
              p->psn_no, p->certno, p->name, p->gender, p->birth_date, (int)p->insutype,
              (int)p->category, (unsigned)p->flags, p->region, (int64_t)p->benefit_start,
              p->acct_open_fen, (int)p->status, years);
    return 0;
}

static int institution_row(void *ctx, const struct store_institution *x) {
    assert(ctx != NULL && x != NULL);
    hash_line(ctx, "%s\x1f%s\x1f%d\x1f%d\x1f%s\x1f%d\x1f%" PRId64 "\n", x->code, x->name,
              (int)x->type, (int)x->level, x->region, (int)x->status, (int64_t)x->suspended_until);
    return 0;
}

static int policy_row(void *ctx, const struct store_policy_row *row) {
    assert(ctx != NULL && row != NULL && (row->json != NULL || row->json_len == 0));
    char json_hash[HASH_HEX_BYTES + 1];
    sha256_hex(row->json, row->json_len, json_hash);
    hash_line(ctx, "%s\x1f%d\x1f%d\x1f%s\x1f%s\n", row->region, (int)row->year, (int)row->insutype,
              row->id, json_hash);
    return 0;
}

static int catalog_row(void *ctx, const struct catalog_item *item) {
    assert(ctx != NULL && item != NULL);
    /* a restriction (migrations 19 and 21) only where there is one, so
     * that a store's catalog imported before them hashes as it did then */
    bool v21 = item->restrict_levels != 0 || item->restrict_settings != 0 ||
               item->restrict_day_scaled != 0 || item->restrict_bill_scaled != 0 ||
               item->restrict_diagnoses != NULL || item->restrict_exclusive != NULL;
    if (!v21 && item->restrict_gender == 0 && item->restrict_age_max < 0)
        hash_line(ctx, "%s\x1f%d\x1f%d\x1f%" PRId64 "\n", item->code, (int)item->item_class,
                  (int)item->prepay_bp, item->cap_price_scaled);
    else if (!v21)
        hash_line(ctx, "%s\x1f%d\x1f%d\x1f%" PRId64 "\x1f%d\x1f%d\x1f%d\n", item->code,
                  (int)item->item_class, (int)item->prepay_bp, item->cap_price_scaled,
                  (int)item->restrict_gender, (int)item->restrict_age_min,
                  (int)item->restrict_age_max);
    else
        hash_line(
            ctx,
            "%s\x1f%d\x1f%d\x1f%" PRId64 "\x1f%d\x1f%d\x1f%d\x1f%d\x1f%d\x1f%" PRId64 "\x1f%" PRId64
            "\x1f%s\x1f%s\n",
            item->code, (int)item->item_class, (int)item->prepay_bp, item->cap_price_scaled,
            (int)item->restrict_gender, (int)item->restrict_age_min, (int)item->restrict_age_max,
            (int)item->restrict_levels, (int)item->restrict_settings, item->restrict_day_scaled,
            item->restrict_bill_scaled, item->restrict_diagnoses ? item->restrict_diagnoses : "",
            item->restrict_exclusive ? item->restrict_exclusive : "");
    return 0;
}

/* A payment agreement by its key and the hash of its text, like a policy. */
static int agreement_row(void *ctx, const struct store_agreement_row *row) {
    assert(ctx != NULL && row != NULL && row->json != NULL);
    char json_hash[HASH_HEX_BYTES + 1];
    sha256_hex(row->json, row->json_len, json_hash);
    hash_line(ctx, "%s\x1f%d\x1f%s\x1f%s\n", row->region, (int)row->year, row->id, json_hash);
    return 0;
}

/* Every column of svc_credential as stored (a previous release's token
 * too: replacing it in SQL would let a known token sign in). */
static int credential_row(void *ctx, const struct store_credential *c) {
    assert(ctx != NULL && c != NULL);
    hash_line(ctx, "%s\x1f%s\x1f%s\x1f%s\x1f%" PRId64 "\x1f%s\x1f%" PRId64 "\n", c->paasid,
              c->token, c->fixmedins_code, c->status, c->token_version, c->key_id,
              c->hmac_required);
    return 0;
}

/* An enrolment row (enrol_rows.h): its columns as stored, in table order. */
struct enrol_hasher {
    struct hasher *h;
    int cols;
};

static int enrol_row(void *ctx, const struct store_enrol_row *row) {
    struct enrol_hasher *e = ctx;
    assert(e != NULL && row != NULL && e->cols >= 1 && e->cols <= ENROL_COLS_MAX);
    char line[ENROL_COLS_MAX * (NAME_BYTES_MAX + 1) + 2];
    size_t len = 0;
    for (int c = 0; c < e->cols; c++)
        len += (size_t)snprintf(line + len, sizeof line - len, "%s%c", row->col[c],
                                c + 1 < e->cols ? '\x1f' : '\n');
    assert(len < sizeof line);
    if (e->h->ok) e->h->ok = EVP_DigestUpdate(e->h->ctx, line, len) == 1;
    e->h->rows++;
    return 0;
}

static int scan_kind(const struct store_backend *ops, struct store_conn *conn, const char *kind,
                     struct hasher *h, struct store_err *err) {
    assert(ops != NULL && kind != NULL && h != NULL);
    if (strcmp(kind, "persons") == 0) return ops->persons_scan(conn, INT64_MAX, person_row, h, err);
    if (strcmp(kind, "institutions") == 0)
        return ops->institutions_scan(conn, institution_row, h, err);
    if (strcmp(kind, "policy") == 0) return ops->policies_scan(conn, policy_row, h, err);
    if (strcmp(kind, "catalog") == 0) return ops->catalog_scan(conn, catalog_row, h, err);
    if (strcmp(kind, "credentials") == 0)
        return ops->credentials_scan(conn, credential_row, h, err);
    if (strcmp(kind, "payment") == 0) return ops->agreements_scan(conn, agreement_row, h, err);
    /* rules have no table: the import record keeps the file (its req_hash) */
    if (strcmp(kind, "rules") == 0) return 0;
    int enrol = enrol_kind_of(kind);
    if (enrol >= 0) {
        struct enrol_hasher e = {h, enrol_table((enum enrol_kind)enrol)->cols};
        return ops->enrol_scan(conn, (enum enrol_kind)enrol, NULL, enrol_row, &e, err);
    }
    return store_errf(err, "registry: unknown kind '%s'", kind), -1;
}

int registry_content_hash(const struct store_backend *ops, struct store_conn *conn,
                          const char *kind, char out[HASH_HEX_BYTES + 1], struct store_err *err) {
    assert(ops != NULL && conn != NULL && kind != NULL && out != NULL);
    struct hasher h = {EVP_MD_CTX_new(), false, 0};
    h.ok = h.ctx != NULL && EVP_DigestInit_ex(h.ctx, EVP_sha256(), NULL) == 1;
    if (!h.ok) {
        EVP_MD_CTX_free(h.ctx);
        return store_errf(err, "registry hash: out of memory"), -1;
    }
    int rc = scan_kind(ops, conn, kind, &h, err);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    h.ok = h.ok && EVP_DigestFinal_ex(h.ctx, md, &md_len) == 1 && md_len * 2 == HASH_HEX_BYTES;
    EVP_MD_CTX_free(h.ctx);
    if (rc != 0) return -1;
    if (!h.ok) return store_errf(err, "registry hash: %s: libcrypto failed", kind), -1;
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < md_len; i++) {
        out[2 * i] = digits[md[i] >> 4];
        out[2 * i + 1] = digits[md[i] & 15];
    }
    out[HASH_HEX_BYTES] = '\0';
    assert(h.rows >= 0);
    return 0;
}
