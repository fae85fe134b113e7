/* service_db.c: the service's own tables, kept in the same database as the
 * store but through our own connection: credentials, replayable answers of
 * non-settlement writes, sign-ins and sign-outs, visits, uploaded fee lines, the link
 * from a settlement to its visit, and used nonces. Settlements themselves
 * live in the store.
 *
 * This file is the front: it picks the backend by the target (SQLite file:
 * service_db_sqlite.c; postgresql:// URI: service_db_pg.c, see svcdb.h),
 * forwards each call, and holds the lock (one caller at a time per handle:
 * callers hold svcdb_lock() around their calls). It also issues and
 * revokes credentials for `yibao credential`. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "service/svcdb.h"

static const struct svcdb_ops *backend_for(const char *target) {
    if (strncmp(target, "postgres://", 11) == 0 || strncmp(target, "postgresql://", 13) == 0)
        return &svcdb_pg_ops;
    return &svcdb_sqlite_ops;
}

int svcdb_open(const char *target, bool sync_off, struct svcdb **out, char *err, size_t err_size) {
    assert(target != NULL && out != NULL);
    *out = NULL;
    const struct svcdb_ops *ops = backend_for(target);
    struct svcdb *db = NULL;
    if (ops->open(target, sync_off, &db, err, err_size) != 0) return -1;
    if (pthread_mutex_init(&db->lock, NULL) != 0) {
        ops->close(db);
        return snprintf(err, err_size, "mutex init failed"), -1;
    }
    *out = db;
    return 0;
}

bool svcdb_concurrent_writers(const struct svcdb *db) { return db->ops->concurrent_writers; }

void svcdb_close(struct svcdb *db) {
    if (db == NULL) return;
    pthread_mutex_destroy(&db->lock);
    db->ops->close(db);
}

void svcdb_lock(struct svcdb *db) { pthread_mutex_lock(&db->lock); }
void svcdb_unlock(struct svcdb *db) { pthread_mutex_unlock(&db->lock); }
const char *svcdb_error(struct svcdb *db) {
    return db->front_err[0] != '\0' ? db->front_err : db->ops->error(db);
}
int svcdb_begin(struct svcdb *db) { return db->ops->begin(db); }
int svcdb_commit(struct svcdb *db) { return db->ops->commit(db); }
void svcdb_rollback(struct svcdb *db) { db->ops->rollback(db); }
int svcdb_savepoint(struct svcdb *db) { return db->ops->savepoint(db); }
int svcdb_release(struct svcdb *db) { return db->ops->release(db); }
int svcdb_rollback_to(struct svcdb *db) { return db->ops->rollback_to(db); }

int svcdb_credential_get(struct svcdb *db, const char *paasid, struct svc_credential *out,
                         bool *found) {
    return db->ops->credential_get(db, paasid, out, found);
}

int svcdb_credential_put(struct svcdb *db, const struct svc_credential *cred) {
    return db->ops->credential_put(db, cred);
}

int svcdb_answer_get(struct svcdb *db, const char *code, const char *msgid, char *infno_out,
                     struct json_buf *answer, int64_t *time_s, bool *found) {
    return db->ops->answer_get(db, code, msgid, infno_out, answer, time_s, found);
}

int svcdb_answer_put(struct svcdb *db, const char *code, const char *msgid, const char *infno,
                     const char *answer, size_t len, int64_t time_s) {
    return db->ops->answer_put(db, code, msgid, infno, answer, len, time_s);
}

int svcdb_answer_prune(struct svcdb *db, int64_t before_s, int64_t rows_max, int64_t *pruned) {
    assert(rows_max > 0 && pruned != NULL);
    return db->ops->answer_prune(db, before_s, rows_max, pruned);
}

int svcdb_signin_put(struct svcdb *db, const char *code, const char *opter_no, int64_t time_s,
                     int64_t *sign_no) {
    return db->ops->signin_put(db, code, opter_no, time_s, sign_no);
}

int svcdb_signin_get(struct svcdb *db, int64_t sign_no, struct svc_signin *out, bool *found) {
    return db->ops->signin_get(db, sign_no, out, found);
}

int svcdb_signin_scan(struct svcdb *db, int64_t since_s, svc_signin_cb cb, void *ctx) {
    return db->ops->signin_scan(db, since_s, cb, ctx);
}

int svcdb_signout_put(struct svcdb *db, int64_t sign_no, const char *opter_no, int64_t time_s) {
    return db->ops->signout_put(db, sign_no, opter_no, time_s);
}

int svcdb_visit_insert(struct svcdb *db, struct svc_visit *visit) {
    return db->ops->visit_insert(db, visit);
}

int svcdb_visit_get(struct svcdb *db, int64_t id, struct svc_visit *out, bool *found) {
    return db->ops->visit_get(db, id, out, found);
}

int svcdb_visit_update(struct svcdb *db, const struct svc_visit *visit) {
    return db->ops->visit_update(db, visit);
}

int svcdb_fee_insert(struct svcdb *db, int64_t visit_id, const struct bill_line *lines,
                     int32_t count, datetime_s fee_ocur_time, int32_t *duplicate_at) {
    assert(count >= 0 && count <= BILL_LINES_MAX);
    *duplicate_at = -1;
    return count == 0 ? 0 : db->ops->fee_insert(db, visit_id, lines, count, fee_ocur_time, duplicate_at);
}

int svcdb_fee_open(struct svcdb *db, int64_t visit_id, struct bill_line *lines, int32_t max,
                   int32_t *count, datetime_s *latest) {
    return db->ops->fee_open(db, visit_id, lines, max, count, latest);
}

int svcdb_fee_withdraw(struct svcdb *db, int64_t visit_id, const char *feedetl_sn, int64_t *deleted) {
    return db->ops->fee_withdraw(db, visit_id, feedetl_sn, deleted);
}

int svcdb_fee_mark(struct svcdb *db, int64_t visit_id, int64_t from_setl_id, int64_t to_setl_id) {
    return db->ops->fee_mark(db, visit_id, from_setl_id, to_setl_id);
}

int svcdb_setl_put(struct svcdb *db, int64_t setl_id, int64_t visit_id, const char *msgid) {
    return db->ops->setl_put(db, setl_id, visit_id, msgid);
}

int svcdb_setl_by_msgid(struct svcdb *db, const char *store_msgid, int64_t *setl_id,
                        int64_t *visit_id, bool *found) {
    return db->ops->setl_by_msgid(db, store_msgid, setl_id, visit_id, found);
}

int svcdb_setl_visit(struct svcdb *db, int64_t setl_id, int64_t *visit_id, bool *found) {
    return db->ops->setl_visit(db, setl_id, visit_id, found);
}

/* One row for the whole flush (nonce_pack.c says why). */
int svcdb_nonce_put(struct svcdb *db, const struct svc_nonce *rows, size_t n) {
    if (n == 0) return 0;
    db->front_err[0] = '\0';
    size_t size = nonce_pack_bound(n);
    char *packed = malloc(size);
    if (packed == NULL) return snprintf(db->front_err, sizeof db->front_err, "out of memory"), -1;
    int64_t max_ts = 0;
    size_t len = nonce_pack(rows, n, packed, size, &max_ts);
    int rc = db->ops->nonce_put(db, max_ts, packed, len);
    free(packed);
    return rc;
}

struct unpack_ctx {
    struct svcdb *db;
    int64_t since_ts;
    svc_nonce_cb cb;
    void *ctx;
    int64_t row;
};

static int unpack_row(void *ctx, const char *packed, size_t len) {
    struct unpack_ctx *u = ctx;
    size_t bad_at = 0;
    int rc = nonce_unpack(packed, len, u->since_ts, u->cb, u->ctx, &bad_at);
    if (rc == 1)
        snprintf(u->db->front_err, sizeof u->db->front_err,
                 "svc_nonce_batch: row %" PRId64 " of the scan: malformed entry at byte %zu",
                 u->row, bad_at);
    u->row++;
    return rc == 0 ? 0 : -1;
}

int svcdb_nonce_scan(struct svcdb *db, int64_t since_ts, svc_nonce_cb cb, void *ctx) {
    db->front_err[0] = '\0';
    struct unpack_ctx u = {db, since_ts, cb, ctx, 0};
    return db->ops->nonce_scan(db, since_ts, unpack_row, &u);
}

int svcdb_nonce_prune(struct svcdb *db, int64_t before_ts) {
    return db->ops->nonce_prune(db, before_ts);
}

/* ---- credentials for `yibao credential` --------------------------------- */
static void random_hex(char *out, size_t bytes) {
    unsigned char raw[64];
    static const char hex[] = "0123456789abcdef";
    assert(bytes <= sizeof raw);
    if (RAND_bytes(raw, (int)bytes) != 1) abort(); /* no entropy: never issue a weak token */
    for (size_t i = 0; i < bytes; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[2 * bytes] = '\0';
}

int service_credential_issue(const char *target, const char *code, char *paasid,
                             size_t paasid_size, char *token, size_t token_size, char *err,
                             size_t err_size) {
    assert(paasid_size > 40 && token_size > SERVICE_TOKEN_HEX_BYTES);
    struct svcdb *db;
    if (svcdb_open(target, false, &db, err, err_size) != 0) return -1;
    struct svc_credential cred = {.active = true};
    char rnd[33];
    random_hex(rnd, 8);
    snprintf(cred.paasid, sizeof cred.paasid, "pa%s", rnd);
    random_hex(cred.token, SERVICE_TOKEN_HEX_BYTES / 2);
    snprintf(cred.fixmedins_code, sizeof cred.fixmedins_code, "%s", code);
    int rc = svcdb_credential_put(db, &cred);
    if (rc != 0) snprintf(err, err_size, "%s: %s", target, svcdb_error(db));
    snprintf(paasid, paasid_size, "%s", cred.paasid);
    snprintf(token, token_size, "%s", cred.token);
    svcdb_close(db);
    return rc;
}

int service_credential_set_status(const char *target, const char *paasid, const char *status,
                                  char *err, size_t err_size) {
    struct svcdb *db;
    if (svcdb_open(target, false, &db, err, err_size) != 0) return -1;
    struct svc_credential cred;
    bool found = false;
    int rc = svcdb_credential_get(db, paasid, &cred, &found);
    if (rc == 0 && !found) {
        snprintf(err, err_size, "%s: no credential with paasid '%s'", target, paasid);
        rc = -1;
    } else if (rc == 0) {
        cred.active = strcmp(status, "active") == 0;
        rc = svcdb_credential_put(db, &cred);
        if (rc != 0) snprintf(err, err_size, "%s: %s", target, svcdb_error(db));
    } else {
        snprintf(err, err_size, "%s: %s", target, svcdb_error(db));
    }
    svcdb_close(db);
    return rc;
}
