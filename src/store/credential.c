/* credential.c: the service's credentials (svc_credential) under the
 * journal's chain.
 *
 * `yibao credential issue|rotate|revoke|hmac` (service_db.c) writes a
 * credential through here: in ONE write transaction of the store, the row
 * is upserted and a journal record of kind import appended at the chain's
 * tail, its body
 *
 *   what=credentials accounts=0 opening=0 op=OP rows=N content=SHA256
 *
 * where content is the hash of the whole table after the edit (every
 * column of every row, in paasid order: registry_hash.c, kind
 * "credentials") and req_hash the SHA-256 of the row written. `yibao
 * check` hashes the table again and compares it with the last such
 * record, so a credential set back to active, moved to another
 * institution, its hmac_required cleared, or a row inserted or deleted in
 * SQL is found; a crash cannot separate the row from its record. Like an
 * import, the record first makes the tables current (checkpoint.h) and
 * moves the checkpoint to itself; it posts nothing. It also moves the
 * registry's generation (the last import's seq): a running service loads
 * its registry once more, as after an import; credential edits are rare
 * operator commands, so that reload is harmless. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "store/checkpoint.h"
#include "store/store.h"

#define CREDENTIAL_OP_BYTES_MAX 15 /* "issue", "rotate", ... */

static bool op_valid(const char *op) {
    assert(op != NULL);
    size_t n = strlen(op);
    if (n == 0 || n > CREDENTIAL_OP_BYTES_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (op[i] < 'a' || op[i] > 'z') return false;
    return true;
}

static int count_row(void *ctx, const struct store_credential *row) {
    int64_t *rows = ctx;
    assert(rows != NULL && row != NULL && *rows >= 0);
    (*rows)++;
    return 0;
}

/* The record of the row just written (inside the transaction). */
static int credential_record(struct store *store, const struct store_credential *row,
                             const char *op, struct store_err *err) {
    assert(store != NULL && row != NULL && op_valid(op));
    const struct store_backend *ops = store_ops(store);
    struct store_conn *c = store_conn(store);
    struct journal_rec rec;
    char content[HASH_HEX_BYTES + 1], line[512];
    int64_t rows = 0;
    if (journal_import_begin(ops, c, "credential", &rec, err) != 0 ||
        registry_content_hash(ops, c, "credentials", content, err) != 0 ||
        ops->credentials_scan(c, count_row, &rows, err) != 0)
        return -1;
    int n = snprintf(line, sizeof line, "%s\x1f%s\x1f%s\x1f%" PRId64 "\x1f%s\x1f%" PRId64,
                     row->paasid, row->fixmedins_code, row->status, row->token_version, row->key_id,
                     row->hmac_required);
    assert(n > 0 && (size_t)n < sizeof line); /* every field is bounded */
    sha256_hex(line, (size_t)n, rec.req_hash);
    snprintf(rec.body, sizeof rec.body,
             "what=credentials accounts=0 opening=0 op=%s rows=%" PRId64 " content=%s", op, rows,
             content);
    journal_hash(&rec, rec.hash);
    if (ops->journal_append(c, &rec, 1, err) != 0) return -1;
    return ops->checkpoint_put(c, rec.seq, err);
}

/* begin, catch up, the row (read and edited, or as given), its record,
 * commit; rolled back on any failure. */
static int credential_txn(struct store *store, const char *paasid, const char *op,
                          store_credential_edit_fn edit, void *ctx, struct store_credential *row,
                          bool *found, struct store_err *err) {
    assert(store != NULL && paasid != NULL && row != NULL && found != NULL);
    const struct store_backend *ops = store_ops(store);
    struct store_conn *c = store_conn(store);
    int64_t checkpoint_seq = 0, tail_seq = 0;
    *found = edit == NULL;
    int rc = ops->begin(c, err);
    if (rc == 0) rc = checkpoint_catch_up(store, &checkpoint_seq, &tail_seq, err);
    if (rc == 0 && edit != NULL) rc = ops->credential_get(c, paasid, row, found, err);
    if (rc == 0 && !*found) {
        store_errf(err, "no credential with paasid '%s'", paasid);
        rc = -1;
    }
    if (rc == 0 && edit != NULL) {
        char kept[CREDENTIAL_PAASID_BYTES_MAX + 1];
        memcpy(kept, row->paasid, sizeof kept);
        edit(row, ctx);
        assert(strcmp(kept, row->paasid) == 0); /* an edit never renames */
    }
    if (rc == 0) rc = ops->credential_put(c, row, err);
    if (rc == 0) rc = credential_record(store, row, op, err);
    if (rc == 0) rc = ops->commit(c, err);
    if (rc != 0) ops->rollback(c);
    return rc;
}

int store_credential_put(struct store *store, const struct store_credential *row, const char *op,
                         struct store_err *err) {
    assert(store != NULL && row != NULL && op != NULL);
    if (row->paasid[0] == '\0' || !op_valid(op))
        return store_errf(err, "credential: no paasid, or a bad op"), -1;
    struct store_credential copy = *row;
    bool found = true;
    return credential_txn(store, row->paasid, op, NULL, NULL, &copy, &found, err);
}

int store_credential_edit(struct store *store, const char *paasid, const char *op,
                          store_credential_edit_fn edit, void *ctx, struct store_credential *after,
                          bool *found, struct store_err *err) {
    assert(store != NULL && paasid != NULL && edit != NULL && after != NULL && found != NULL);
    *found = false;
    if (!op_valid(op)) return store_errf(err, "credential: bad op '%s'", op), -1;
    if (strlen(paasid) > CREDENTIAL_PAASID_BYTES_MAX) /* never issued */
        return store_errf(err, "no credential with paasid '%s'", paasid), -1;
    memset(after, 0, sizeof *after);
    return credential_txn(store, paasid, op, edit, ctx, after, found, err);
}
