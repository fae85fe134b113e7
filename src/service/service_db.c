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
 * revokes credentials for `yibao credential`, through the store (each edit
 * with its journal record: store/credential.c). */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "service/svcdb.h"

static const struct svcdb_ops *backend_for(const char *target) {
    assert(target != NULL);
    if (strncmp(target, "postgres://", 11) == 0 || strncmp(target, "postgresql://", 13) == 0)
        return &svcdb_pg_ops;
    return &svcdb_sqlite_ops;
}

/* The backend of db for one call: the front's own error is cleared, so
 * that svcdb_error() names this call's failure. */
static const struct svcdb_ops *ops_of(struct svcdb *db) {
    assert(db != NULL && db->ops != NULL);
    assert(db->ops == &svcdb_sqlite_ops || db->ops == &svcdb_pg_ops);
    db->front_err[0] = '\0';
    return db->ops;
}

/* A visit as the service writes it: its kind and status are those of the
 * enums, and its setl_id is set exactly while it is settled (OPEN ->
 * SETTLED -> OPEN by a revoke, OPEN -> CANCELLED, never out of CANCELLED;
 * an inpatient stay also OPEN -> PART_SETTLED by a mid-stay settlement,
 * PART_SETTLED -> SETTLED by its final one, back to PART_SETTLED or OPEN
 * by revokes). */
static bool visit_valid(const struct svc_visit *v) {
    assert(v != NULL);
    if (v->kind != VISIT_OUTPATIENT && v->kind != VISIT_INPATIENT) return false;
    if (v->status == VISIT_SETTLED) return v->setl_id > 0;
    if (v->status == VISIT_PART_SETTLED) return v->kind == VISIT_INPATIENT && v->setl_id > 0;
    return (v->status == VISIT_OPEN || v->status == VISIT_CANCELLED) && v->setl_id == 0;
}

int svcdb_open(const char *target, bool sync_off, struct svcdb **out, char *err, size_t err_size) {
    assert(target != NULL && out != NULL);
    *out = NULL;
    const struct svcdb_ops *ops = backend_for(target);
    struct svcdb *db = NULL;
    if (ops->open(target, sync_off, &db, err, err_size) != 0) return -1;
    assert(db != NULL && db->ops == ops);
    if (pthread_mutex_init(&db->lock, NULL) != 0) {
        ops->close(db);
        return snprintf(err, err_size, "mutex init failed"), -1;
    }
    db->in_txn = db->in_savepoint = false;
    *out = db;
    return 0;
}

int svcdb_attach_sqlite(void *handle, struct svcdb **out, char *err, size_t err_size) {
    assert(handle != NULL && out != NULL);
    *out = NULL;
    struct svcdb *db = NULL;
    if (svcdb_sqlite_attach(handle, &db, err, err_size) != 0) return -1;
    assert(db != NULL && db->ops == &svcdb_sqlite_ops);
    if (pthread_mutex_init(&db->lock, NULL) != 0) {
        db->ops->close(db);
        return snprintf(err, err_size, "mutex init failed"), -1;
    }
    db->in_txn = db->in_savepoint = false;
    *out = db;
    return 0;
}

void svcdb_host_txn(struct svcdb *db, bool open) {
    assert(db != NULL && !db->in_savepoint);
    assert(db->in_txn != open); /* entered once, left once */
    db->in_txn = open;
}

bool svcdb_concurrent_writers(const struct svcdb *db) {
    assert(db != NULL && db->ops != NULL);
    return db->ops->concurrent_writers;
}

void svcdb_close(struct svcdb *db) {
    if (db == NULL) return;
    assert(!db->in_savepoint);
    pthread_mutex_destroy(&db->lock);
    db->ops->close(db);
}

void svcdb_lock(struct svcdb *db) {
    assert(db != NULL);
    pthread_mutex_lock(&db->lock);
}

void svcdb_unlock(struct svcdb *db) {
    assert(db != NULL);
    pthread_mutex_unlock(&db->lock);
}

const char *svcdb_error(struct svcdb *db) {
    assert(db != NULL && db->ops != NULL);
    return db->front_err[0] != '\0' ? db->front_err : db->ops->error(db);
}

/* Transactions: BEGIN outside one; SAVEPOINT (one request of a batch)
 * inside one and not nested; COMMIT with no savepoint open. A failed
 * COMMIT leaves the transaction open for the caller's rollback. */
int svcdb_begin(struct svcdb *db) {
    const struct svcdb_ops *ops = ops_of(db);
    assert(!db->in_txn && !db->in_savepoint);
    int rc = ops->begin(db);
    db->in_txn = rc == 0;
    return rc;
}

int svcdb_commit(struct svcdb *db) {
    const struct svcdb_ops *ops = ops_of(db);
    assert(db->in_txn && !db->in_savepoint);
    int rc = ops->commit(db);
    if (rc == 0) db->in_txn = false;
    return rc;
}

void svcdb_rollback(struct svcdb *db) {
    const struct svcdb_ops *ops = ops_of(db);
    assert(db->in_txn || !db->in_savepoint); /* a savepoint only inside a transaction */
    ops->rollback(db);
    db->in_txn = db->in_savepoint = false;
}

int svcdb_savepoint(struct svcdb *db) {
    const struct svcdb_ops *ops = ops_of(db);
    assert(db->in_txn && !db->in_savepoint);
    int rc = ops->savepoint(db);
    db->in_savepoint = rc == 0;
    return rc;
}

int svcdb_release(struct svcdb *db) {
    const struct svcdb_ops *ops = ops_of(db);
    assert(db->in_txn && db->in_savepoint);
    db->in_savepoint = false;
    return ops->release(db);
}

int svcdb_rollback_to(struct svcdb *db) {
    const struct svcdb_ops *ops = ops_of(db);
    assert(db->in_txn && db->in_savepoint);
    db->in_savepoint = false;
    return ops->rollback_to(db);
}

int svcdb_credential_get(struct svcdb *db, const char *paasid, struct svc_credential *out,
                         bool *found) {
    assert(paasid != NULL && out != NULL && found != NULL);
    assert(strlen(paasid) <= SERVICE_PAASID_BYTES_MAX);
    return ops_of(db)->credential_get(db, paasid, out, found);
}

int svcdb_answer_get(struct svcdb *db, const char *code, const char *msgid, char *infno_out,
                     char *req_hash_out, struct json_buf *answer, int64_t *time_s, bool *found) {
    assert(code != NULL && msgid != NULL && infno_out != NULL && req_hash_out != NULL);
    assert(answer != NULL && time_s != NULL && found != NULL);
    return ops_of(db)->answer_get(db, code, msgid, infno_out, req_hash_out, answer, time_s, found);
}

bool svcdb_answer_gen_folded(const struct svcdb *db) {
    assert(db != NULL && db->ops != NULL);
    return db->ops->answer_gen_get != NULL;
}

int svcdb_answer_gen_get(struct svcdb *db, const char *code, const char *msgid, char *infno_out,
                         char *req_hash_out, struct json_buf *answer, int64_t *time_s, bool *found,
                         int64_t *gen, int64_t lock_visit_id) {
    assert(code != NULL && msgid != NULL && infno_out != NULL && req_hash_out != NULL);
    assert(answer != NULL && time_s != NULL && found != NULL && gen != NULL);
    assert(svcdb_answer_gen_folded(db) && lock_visit_id >= 0 && (lock_visit_id == 0 || db->in_txn));
    return ops_of(db)->answer_gen_get(db, code, msgid, infno_out, req_hash_out, answer, time_s,
                                      found, gen, lock_visit_id);
}

int svcdb_answer_put(struct svcdb *db, const char *code, const char *msgid, const char *infno,
                     const char *req_hash, const char *answer, size_t len, int64_t time_s) {
    assert(code != NULL && msgid != NULL && answer != NULL);
    assert(infno != NULL && strlen(infno) <= SVC_INFNO_BYTES_MAX);
    assert(req_hash != NULL && strlen(req_hash) <= HASH_HEX_BYTES);
    assert(len > 0);
    return ops_of(db)->answer_put(db, code, msgid, infno, req_hash, answer, len, time_s);
}

bool svcdb_held_new(struct svcdb *db) {
    const struct svcdb_ops *ops = ops_of(db);
    assert(db->in_txn); /* asked after a request's release, before the COMMIT */
    return ops->held_new != NULL && ops->held_new(db);
}

bool svcdb_held_failed(struct svcdb *db, char *why, size_t why_size) {
    const struct svcdb_ops *ops = ops_of(db);
    assert(why != NULL && why_size > 0);
    return ops->held_failed != NULL && ops->held_failed(db, why, why_size);
}

int svcdb_answer_prune(struct svcdb *db, int64_t before_s, int64_t rows_max, int64_t *pruned) {
    assert(rows_max > 0 && pruned != NULL);
    int rc = ops_of(db)->answer_prune(db, before_s, rows_max, pruned);
    assert(rc != 0 || (*pruned >= 0 && *pruned <= rows_max));
    return rc;
}

int svcdb_signin_put(struct svcdb *db, const char *code, const char *opter_no, int64_t time_s,
                     int64_t *sign_no) {
    assert(code != NULL && code[0] != '\0' && opter_no != NULL && sign_no != NULL);
    /* random, not sequential: a sign_no tells nothing of the others (a
     * clash of two 63-bit draws fails the insert, and the 9001 is retried) */
    uint64_t raw = 0;
    if (RAND_bytes((unsigned char *)&raw, sizeof raw) != 1)
        return snprintf(db->front_err, sizeof db->front_err, "no randomness for a sign_no"), -1;
    *sign_no = (int64_t)(raw >> 1);
    if (*sign_no == 0) *sign_no = 1;
    int rc = ops_of(db)->signin_put(db, code, opter_no, time_s, sign_no);
    assert(rc != 0 || *sign_no > 0);
    return rc;
}

int svcdb_signin_get(struct svcdb *db, int64_t sign_no, struct svc_signin *out, bool *found) {
    assert(sign_no > 0 && out != NULL && found != NULL);
    return ops_of(db)->signin_get(db, sign_no, out, found);
}

int svcdb_signin_scan(struct svcdb *db, int64_t since_s, svc_signin_cb cb, void *ctx) {
    assert(cb != NULL);
    return ops_of(db)->signin_scan(db, since_s, cb, ctx);
}

int svcdb_signout_put(struct svcdb *db, int64_t sign_no, const char *opter_no, int64_t time_s) {
    assert(sign_no > 0 && opter_no != NULL);
    return ops_of(db)->signout_put(db, sign_no, opter_no, time_s);
}

/* A new visit is open, unsettled, and gets its id from the database. */
int svcdb_visit_insert(struct svcdb *db, struct svc_visit *visit) {
    assert(visit_valid(visit) && visit->status == VISIT_OPEN);
    int rc = ops_of(db)->visit_insert(db, visit);
    assert(rc != 0 || visit->id > 0);
    return rc;
}

/* A row that is not a visit the service could have written is refused
 * as a storage error, so the callers' invariants hold on what they get. */
int svcdb_visit_get(struct svcdb *db, int64_t id, struct svc_visit *out, bool *found) {
    assert(id > 0 && out != NULL && found != NULL);
    int rc = ops_of(db)->visit_get(db, id, out, found);
    if (rc != 0 || !*found) return rc;
    assert(out->id == id);
    if (visit_valid(out)) return 0;
    snprintf(db->front_err, sizeof db->front_err,
             "svc_visit %" PRId64 ": kind %d, status %d, setl_id %" PRId64 " is not a visit", id,
             (int)out->kind, (int)out->status, out->setl_id);
    return -1;
}

void svcdb_lines_ahead(struct svcdb *db, const char *bchno, int64_t *gen) {
    assert(bchno != NULL && gen != NULL && !db->in_txn);
    *gen = -1;
    if (ops_of(db)->lines_ahead != NULL) ops_of(db)->lines_ahead(db, bchno, gen);
}

int svcdb_visit_update(struct svcdb *db, const struct svc_visit *visit) {
    assert(visit_valid(visit));
    assert(visit->id > 0);
    return ops_of(db)->visit_update(db, visit);
}

int svcdb_fee_insert(struct svcdb *db, int64_t visit_id, const struct bill_line *lines,
                     const char (*bchnos)[CODE_BYTES_MAX + 1], int32_t count,
                     datetime_s fee_ocur_time, int32_t *duplicate_at) {
    assert(count >= 0 && count <= BILL_LINES_MAX && (bchnos != NULL || count == 0));
    assert(visit_id > 0 && (lines != NULL || count == 0) && duplicate_at != NULL);
    *duplicate_at = -1;
    int rc = count == 0 ? 0
                        : ops_of(db)->fee_insert(db, visit_id, lines, bchnos, count, fee_ocur_time,
                                                 duplicate_at);
    assert(*duplicate_at >= -1 && *duplicate_at < count);
    return rc;
}

bool svcdb_fee_insert_ahead(struct svcdb *db, const char *code, const char *msgid, int64_t visit_id,
                            const struct bill_line *lines, const char (*bchnos)[CODE_BYTES_MAX + 1],
                            int32_t count, datetime_s fee_ocur_time) {
    assert(code != NULL && msgid != NULL && visit_id > 0 && lines != NULL && bchnos != NULL);
    assert(count >= 0 && count <= BILL_LINES_MAX && db->in_txn);
    if (count == 0 || ops_of(db)->fee_insert_ahead == NULL) return false;
    return ops_of(db)->fee_insert_ahead(db, code, msgid, visit_id, lines, bchnos, count,
                                        fee_ocur_time);
}

bool svcdb_visit_write_ahead(struct svcdb *db, const char *code, const char *msgid,
                             const struct svc_visit *old, const struct svc_visit *row) {
    assert(code != NULL && msgid != NULL && row != NULL && db->in_txn);
    assert(old == NULL ? row->id == 0 : old->id > 0 && row->id == old->id);
    if (ops_of(db)->visit_write_ahead == NULL) return false;
    return ops_of(db)->visit_write_ahead(db, code, msgid, old, row);
}

int svcdb_ahead_end(struct svcdb *db) {
    assert(db != NULL);
    return ops_of(db)->ahead_end != NULL ? ops_of(db)->ahead_end(db) : 0;
}

int svcdb_fee_open(struct svcdb *db, int64_t visit_id, const char *bchno, struct bill_line *lines,
                   int32_t max, int32_t *count, datetime_s *latest) {
    assert(visit_id > 0 && lines != NULL && max > 0 && count != NULL && latest != NULL);
    assert(bchno != NULL);
    int rc = ops_of(db)->fee_open(db, visit_id, bchno, lines, max, count, latest);
    assert(rc < 0 || (*count >= 0 && *count <= max));
    return rc;
}

int svcdb_fee_withdraw(struct svcdb *db, int64_t visit_id, const char *feedetl_sn,
                       const char *bchno, int64_t *deleted) {
    assert(visit_id > 0 && deleted != NULL && bchno != NULL);
    int rc = ops_of(db)->fee_withdraw(db, visit_id, feedetl_sn, bchno, deleted);
    assert(rc != 0 || *deleted >= 0);
    return rc;
}

/* Lines move between unsettled (0) and one settlement, never between two. */
int svcdb_fee_refund(struct svcdb *db, int64_t visit_id, const char *refund_sn, const char *init_sn,
                     bool *applied) {
    assert(visit_id > 0 && refund_sn != NULL && init_sn != NULL && applied != NULL);
    assert(strcmp(refund_sn, init_sn) != 0);
    return ops_of(db)->fee_refund(db, visit_id, refund_sn, init_sn, applied);
}

int svcdb_fee_last_setl(struct svcdb *db, int64_t visit_id, int64_t *setl_id) {
    assert(visit_id > 0 && setl_id != NULL);
    int rc = ops_of(db)->fee_last_setl(db, visit_id, setl_id);
    assert(rc != 0 || *setl_id >= 0);
    return rc;
}

int svcdb_fee_setls(struct svcdb *db, int64_t visit_id, int64_t *setl_ids, int32_t max,
                    int32_t *count) {
    assert(visit_id > 0 && setl_ids != NULL && max > 0 && count != NULL);
    *count = 0;
    int rc = ops_of(db)->fee_setls(db, visit_id, setl_ids, max, count);
    assert(rc != 0 || (*count >= 0 && *count <= max));
    return rc;
}

int svcdb_fee_mark(struct svcdb *db, int64_t visit_id, int64_t from_setl_id, int64_t to_setl_id,
                   const char *bchno) {
    assert(visit_id > 0 && from_setl_id >= 0 && to_setl_id >= 0 && bchno != NULL);
    assert((from_setl_id == 0) != (to_setl_id == 0));
    return ops_of(db)->fee_mark(db, visit_id, from_setl_id, to_setl_id, bchno);
}

int svcdb_setl_put(struct svcdb *db, int64_t setl_id, int64_t visit_id, const char *msgid) {
    assert(setl_id > 0 && visit_id > 0);
    assert(msgid != NULL && strlen(msgid) <= MSGID_BYTES_MAX);
    return ops_of(db)->setl_put(db, setl_id, visit_id, msgid);
}

bool svcdb_piped_folded(const struct svcdb *db) {
    assert(db != NULL && db->ops != NULL);
    return db->ops->piped_job != NULL;
}

int svcdb_piped_job(struct svcdb *db, int k, bool stage) {
    assert(db->in_txn && !db->in_savepoint && svcdb_piped_folded(db));
    assert(k >= 0 && k < SVCQ_PIPED_MAX);
    return ops_of(db)->piped_job(db, k, stage);
}

bool svcdb_piped_staged(struct svcdb *db, int k) {
    assert(db->in_txn && svcdb_piped_folded(db) && k >= 0 && k < SVCQ_PIPED_MAX);
    return ops_of(db)->piped_staged(db, k);
}

int svcdb_piped_send(struct svcdb *db, int n) {
    assert(db->in_txn && !db->in_savepoint && svcdb_piped_folded(db));
    assert(n >= 1 && n <= SVCQ_PIPED_MAX);
    return ops_of(db)->piped_send(db, n);
}

bool svcdb_piped_astray(struct svcdb *db) {
    assert(svcdb_piped_folded(db));
    return ops_of(db)->piped_astray(db);
}

int svcdb_piped_commit(struct svcdb *db) {
    assert(db->in_txn && !db->in_savepoint && svcdb_piped_folded(db));
    int rc = ops_of(db)->piped_commit(db);
    assert(rc >= -1 && rc <= 1);
    if (rc >= 0) db->in_txn = false; /* committed, or rolled back */
    return rc;
}

bool svcdb_probe_folded(const struct svcdb *db) {
    assert(db != NULL && db->ops != NULL);
    return db->ops->probe_ahead != NULL;
}

void svcdb_probe_ahead(struct svcdb *db, const char *store_msgid, const char *bchno,
                       struct svcdb_probe *out) {
    assert(store_msgid != NULL && bchno != NULL && out != NULL);
    assert(db->in_txn && svcdb_probe_folded(db));
    memset(out, 0, sizeof *out);
    ops_of(db)->probe_ahead(db, store_msgid, bchno, out);
}

int svcdb_setl_by_msgid(struct svcdb *db, const char *store_msgid, int64_t *setl_id,
                        int64_t *visit_id, bool *found) {
    assert(store_msgid != NULL && strchr(store_msgid, SVC_STORE_MSGID_SEP) != NULL);
    assert(setl_id != NULL && visit_id != NULL && found != NULL);
    return ops_of(db)->setl_by_msgid(db, store_msgid, setl_id, visit_id, found);
}

int svcdb_setl_count(struct svcdb *db, int64_t visit_id, int64_t *count) {
    assert(visit_id > 0 && count != NULL);
    *count = 0;
    int rc = ops_of(db)->setl_count(db, visit_id, count);
    assert(rc != 0 || *count >= 0);
    return rc;
}

int svcdb_setl_visit(struct svcdb *db, int64_t setl_id, int64_t *visit_id, bool *found) {
    assert(setl_id > 0 && visit_id != NULL && found != NULL);
    return ops_of(db)->setl_visit(db, setl_id, visit_id, found);
}

/* One row for the whole flush (nonce_pack.c says why). */
int svcdb_nonce_put(struct svcdb *db, const struct svc_nonce *rows, size_t n) {
    assert(rows != NULL || n == 0);
    if (n == 0) return 0;
    const struct svcdb_ops *ops = ops_of(db);
    size_t size = nonce_pack_bound(n);
    char *packed = malloc(size);
    if (packed == NULL) return snprintf(db->front_err, sizeof db->front_err, "out of memory"), -1;
    int64_t max_ts = 0;
    size_t len = nonce_pack(rows, n, packed, size, &max_ts);
    assert(len > 0 && len < size);
    int rc = ops->nonce_put(db, max_ts, packed, len);
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
    assert(u != NULL && u->cb != NULL && packed != NULL);
    size_t bad_at = 0;
    int rc = nonce_unpack(packed, len, u->since_ts, u->cb, u->ctx, &bad_at);
    assert(rc != 1 || bad_at <= len);
    if (rc == 1)
        snprintf(u->db->front_err, sizeof u->db->front_err,
                 "svc_nonce_batch: row %" PRId64 " of the scan: malformed entry at byte %zu",
                 u->row, bad_at);
    u->row++;
    return rc == 0 ? 0 : -1;
}

int svcdb_nonce_scan(struct svcdb *db, int64_t since_ts, svc_nonce_cb cb, void *ctx) {
    assert(cb != NULL);
    const struct svcdb_ops *ops = ops_of(db);
    struct unpack_ctx u = {db, since_ts, cb, ctx, 0};
    return ops->nonce_scan(db, since_ts, unpack_row, &u);
}

int svcdb_nonce_prune(struct svcdb *db, int64_t before_ts) {
    assert(before_ts >= 0);
    return ops_of(db)->nonce_prune(db, before_ts);
}

int svcdb_audit_put(struct svcdb *db, const struct svc_audit *row) {
    assert(row != NULL && row->paasid != NULL && row->fixmedins_code != NULL);
    assert(row->infno != NULL && row->msgid != NULL && row->psn_no != NULL && row->outcome != NULL);
    return ops_of(db)->audit_put(db, row);
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

_Static_assert(sizeof(((struct service_credential_info *)0)->fixmedins_code) >= CODE_BYTES_MAX + 1,
               "an institution code fits the credential's info");

static void info_of(const struct svc_credential *cred, struct service_credential_info *out) {
    assert(cred != NULL && out != NULL);
    snprintf(out->paasid, sizeof out->paasid, "%s", cred->paasid);
    snprintf(out->fixmedins_code, sizeof out->fixmedins_code, "%s", cred->fixmedins_code);
    out->hmac_required = cred->hmac_required;
}

_Static_assert(CREDENTIAL_PAASID_BYTES_MAX == SERVICE_PAASID_BYTES_MAX &&
                   CREDENTIAL_TOKEN_BYTES_MAX == SERVICE_TOKEN_HEX_BYTES &&
                   CREDENTIAL_KEY_ID_BYTES_MAX == SERVICE_KEY_ID_HEX_BYTES,
               "the store's credential row holds the service's credential");

static void row_of(const struct svc_credential *cred, struct store_credential *row) {
    assert(cred != NULL && row != NULL);
    memset(row, 0, sizeof *row);
    snprintf(row->paasid, sizeof row->paasid, "%s", cred->paasid);
    snprintf(row->token, sizeof row->token, "%s", cred->legacy_token);
    snprintf(row->fixmedins_code, sizeof row->fixmedins_code, "%s", cred->fixmedins_code);
    snprintf(row->status, sizeof row->status, "%s", cred->active ? "active" : "revoked");
    row->token_version = cred->token_version;
    snprintf(row->key_id, sizeof row->key_id, "%s", cred->key_id);
    row->hmac_required = cred->hmac_required ? 1 : 0;
}

static void cred_of(const struct store_credential *row, struct svc_credential *cred) {
    assert(cred != NULL && row != NULL);
    memset(cred, 0, sizeof *cred);
    snprintf(cred->paasid, sizeof cred->paasid, "%s", row->paasid);
    snprintf(cred->legacy_token, sizeof cred->legacy_token, "%s", row->token);
    snprintf(cred->fixmedins_code, sizeof cred->fixmedins_code, "%s", row->fixmedins_code);
    cred->active = strcmp(row->status, "active") == 0;
    cred->token_version = row->token_version;
    snprintf(cred->key_id, sizeof cred->key_id, "%s", row->key_id);
    cred->hmac_required = row->hmac_required != 0;
}

/* The credentials are written through the store, so that each edit and
 * its journal record commit together (store/credential.c). */
static int store_for(const char *target, struct store **out, char *err, size_t err_size) {
    struct store_err serr;
    assert(target != NULL && out != NULL);
    if (store_open_as(target, STORE_MODE_EXISTING, out, &serr) == 0) return 0;
    snprintf(err, err_size, "%s", serr.msg);
    return -1;
}

int service_credential_issue(const char *target, const char *key_path, const char *code,
                             bool hmac_required, struct service_credential_info *out, char *err,
                             size_t err_size) {
    struct service_key key;
    assert(target != NULL && key_path != NULL && code != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    if (service_key_load(key_path, true, &key, &out->key_created, err, err_size) != 0) return -1;
    struct store *store = NULL;
    if (store_for(target, &store, err, err_size) != 0) {
        OPENSSL_cleanse(&key, sizeof key);
        return -1;
    }
    struct svc_credential cred = {
        .active = true, .hmac_required = hmac_required, .token_version = 1};
    char rnd[33];
    random_hex(rnd, 8);
    snprintf(cred.paasid, sizeof cred.paasid, "pa%s", rnd);
    snprintf(cred.fixmedins_code, sizeof cred.fixmedins_code, "%s", code);
    snprintf(cred.key_id, sizeof cred.key_id, "%s", key.id);
    assert(strlen(cred.paasid) == 2 + 16 && cred.legacy_token[0] == '\0'); /* nothing secret */
    struct store_credential row;
    struct store_err serr;
    row_of(&cred, &row);
    int rc = store_credential_put(store, &row, "issue", &serr);
    if (rc != 0) snprintf(err, err_size, "%s: %s", target, serr.msg);
    info_of(&cred, out);
    if (rc == 0) service_token_derive(&key, cred.paasid, cred.token_version, out->token);
    OPENSSL_cleanse(&key, sizeof key);
    store_close(store);
    return rc;
}

struct edit_ctx {
    void (*edit)(struct svc_credential *cred, void *ctx);
    void *ctx;
};

static void edit_row(struct store_credential *row, void *ctx) {
    const struct edit_ctx *ec = ctx;
    struct svc_credential cred;
    assert(row != NULL && ec != NULL && ec->edit != NULL);
    cred_of(row, &cred);
    ec->edit(&cred, ec->ctx);
    row_of(&cred, row);
}

/* Reads paasid's credential, lets edit() change it, writes it back: one
 * transaction of the store, with its journal record. */
static int credential_edit(const char *target, const char *paasid, const char *op,
                           void (*edit)(struct svc_credential *cred, void *ctx), void *ctx,
                           struct svc_credential *after, char *err, size_t err_size) {
    assert(target != NULL && paasid != NULL && edit != NULL && after != NULL);
    if (strlen(paasid) > SERVICE_PAASID_BYTES_MAX) /* a command-line argument: never issued */
        return snprintf(err, err_size, "%s: no credential with paasid '%s'", target, paasid), -1;
    struct store *store = NULL;
    if (store_for(target, &store, err, err_size) != 0) return -1;
    struct edit_ctx ec = {edit, ctx};
    struct store_credential row;
    struct store_err serr;
    bool found = false;
    int rc = store_credential_edit(store, paasid, op, edit_row, &ec, &row, &found, &serr);
    if (rc == 0) cred_of(&row, after);
    else if (!found) snprintf(err, err_size, "%s: no credential with paasid '%s'", target, paasid);
    else snprintf(err, err_size, "%s: %s", target, serr.msg);
    store_close(store);
    return rc;
}

static void edit_rotate(struct svc_credential *cred, void *ctx) {
    const struct service_key *key = ctx;
    assert(cred != NULL && key != NULL && cred->token_version >= 0);
    cred->token_version++;
    cred->legacy_token[0] = '\0'; /* a previous release's plaintext token goes */
    snprintf(cred->key_id, sizeof cred->key_id, "%s", key->id);
}

int service_credential_rotate(const char *target, const char *key_path, const char *paasid,
                              struct service_credential_info *out, char *err, size_t err_size) {
    struct service_key key;
    struct svc_credential cred;
    assert(target != NULL && key_path != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    if (service_key_load(key_path, true, &key, &out->key_created, err, err_size) != 0) return -1;
    int rc = credential_edit(target, paasid, "rotate", edit_rotate, &key, &cred, err, err_size);
    if (rc == 0) {
        info_of(&cred, out);
        service_token_derive(&key, cred.paasid, cred.token_version, out->token);
    }
    OPENSSL_cleanse(&key, sizeof key);
    return rc;
}

static void edit_status(struct svc_credential *cred, void *ctx) {
    const bool *active = ctx;
    assert(cred != NULL && active != NULL);
    cred->active = *active;
}

int service_credential_set_status(const char *target, const char *paasid, const char *status,
                                  char *err, size_t err_size) {
    struct svc_credential cred;
    assert(strcmp(status, "active") == 0 || strcmp(status, "revoked") == 0);
    bool active = strcmp(status, "active") == 0;
    return credential_edit(target, paasid, active ? "activate" : "revoke", edit_status, &active,
                           &cred, err, err_size);
}

static void edit_hmac(struct svc_credential *cred, void *ctx) {
    const bool *required = ctx;
    assert(cred != NULL && required != NULL);
    cred->hmac_required = *required;
}

int service_credential_set_hmac(const char *target, const char *paasid, bool hmac_required,
                                char *err, size_t err_size) {
    struct svc_credential cred;
    assert(target != NULL && paasid != NULL);
    return credential_edit(target, paasid, "hmac", edit_hmac, &hmac_required, &cred, err, err_size);
}

int svcdb_mapping_put(struct svcdb *db, const struct svc_mapping *m, bool *existed) {
    assert(m != NULL && existed != NULL && m->fixmedins_code[0] != '\0');
    assert(m->list_type[0] != '\0' && m->hilist_id[0] != '\0' && m->med_list_codg[0] != '\0');
    return ops_of(db)->mapping_put(db, m, existed);
}

int svcdb_mapping_delete(struct svcdb *db, const char *code, const char *list_type,
                         const char *hilist_id, const char *med_list_codg, bool *deleted) {
    assert(code != NULL && list_type != NULL && hilist_id != NULL && med_list_codg != NULL);
    assert(deleted != NULL);
    return ops_of(db)->mapping_delete(db, code, list_type, hilist_id, med_list_codg, deleted);
}

int svcdb_inv_put(struct svcdb *db, const struct store_enrol_row *row, bool *inserted) {
    assert(row != NULL && inserted != NULL && row->col[0][0] != '\0');
    return ops_of(db)->inv_put(db, row, inserted);
}

int svcdb_inv_delete(struct svcdb *db, const char *code, const char *infno_a, const char *infno_b,
                     const char *bchno, int64_t *deleted) {
    assert(code != NULL && infno_a != NULL && infno_b != NULL && bchno != NULL);
    assert(deleted != NULL);
    return ops_of(db)->inv_delete(db, code, infno_a, infno_b, bchno, deleted);
}
