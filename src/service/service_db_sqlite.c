/* service_db_sqlite.c: the service's own tables on SQLite (svcdb.h): the
 * store's file, through our own sqlite3 connection (WAL, sqlite_conn.h,
 * synchronous=FULL unless sync_off), prepared statements per call. The
 * tables and their upgrades are the database's migrations (schema_sqlite.c). */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/schema.h"
#include "store/sqlite_conn.h"

#include "service/svcdb.h"

#define SVCDB_BUSY_TIMEOUT_MS 10000

enum stmt_id {
    S_CRED_GET,
    S_ANS_GET,
    S_ANS_PUT,
    S_ANS_PRUNE,
    S_SIGNIN_PUT,
    S_VISIT_INS,
    S_VISIT_GET,
    S_VISIT_UPD,
    S_FEE_INS,
    S_FEE_OPEN,
    S_FEE_DEL_ONE,
    S_FEE_DEL_ALL,
    S_FEE_MARK,
    S_FEE_LAST_SETL,
    S_FEE_SETLS,
    S_FEE_REFUND,
    S_FEE_SET_ASIDE,
    S_SETL_PUT,
    S_SETL_BY_MSGID,
    S_SETL_VISIT,
    S_SETL_COUNT,
    S_NONCE_PUT,
    S_NONCE_SCAN,
    S_NONCE_PRUNE,
    S_SIGNIN_GET,
    S_SIGNIN_SCAN,
    S_SIGNOUT_PUT,
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_SAVEPOINT,
    S_RELEASE,
    S_ROLLBACK_TO,
    S_AUDIT_PUT,
    S_MAP_GET,
    S_MAP_PUT,
    S_MAP_DEL,
    S_INV_PUT,
    S_INV_DEL,
    S_COUNT
};

#define SIGNIN_SELECT                                                              \
    "SELECT s.sign_no, s.code, s.time_s, COALESCE(o.time_s, 0) FROM svc_signin s " \
    "LEFT JOIN svc_signout o ON o.sign_no = s.sign_no "

static const char *const stmt_sql[S_COUNT] = {
    [S_INV_PUT] = "INSERT INTO inv_records (fixmedins_code, infno, fixmedins_bchno, med_list_codg, "
                  "day, cnt, inv_chg_type, setl_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                  "ON CONFLICT (fixmedins_code, infno, fixmedins_bchno) DO NOTHING",
    [S_INV_DEL] = "DELETE FROM inv_records WHERE fixmedins_code = ?1 AND infno IN (?2, ?3) AND "
                  "fixmedins_bchno = ?4",
    [S_MAP_GET] = "SELECT count(*) FROM svc_mapping WHERE code = ?1 AND list_type = ?2 AND "
                  "hilist_id = ?3",
    [S_MAP_PUT] =
        "INSERT INTO svc_mapping (code, list_type, hilist_id, hilist_name, med_list_codg, "
        "begndate, enddate, time_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
        "ON CONFLICT (code, list_type, hilist_id) DO UPDATE SET hilist_name = "
        "excluded.hilist_name, med_list_codg = excluded.med_list_codg, begndate = "
        "excluded.begndate, enddate = excluded.enddate, time_s = excluded.time_s",
    [S_MAP_DEL] = "DELETE FROM svc_mapping WHERE code = ?1 AND list_type = ?2 AND hilist_id = ?3 "
                  "AND med_list_codg = ?4",
    [S_AUDIT_PUT] = "INSERT INTO svc_audit (time_s, paasid, code, infno, msgid, psn_no, outcome) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_CRED_GET] = "SELECT token, fixmedins_code, status, token_version, key_id, hmac_required "
                   "FROM svc_credential WHERE paasid = ?1",
    [S_ANS_GET] = "SELECT infno, answer, time_s, req_hash FROM svc_answer WHERE code = ?1 AND "
                  "msgid = ?2",
    [S_ANS_PUT] = "INSERT INTO svc_answer (code, msgid, infno, answer, time_s, req_hash) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    /* svc_answer_live holds the answers not yet pruned, oldest first */
    [S_ANS_PRUNE] = "UPDATE svc_answer SET answer = '' WHERE rowid IN (SELECT rowid FROM "
                    "svc_answer WHERE answer <> '' AND time_s < ?1 ORDER BY time_s LIMIT ?2)",
    [S_SIGNIN_PUT] = "INSERT INTO svc_signin (sign_no, code, opter_no, time_s) "
                     "VALUES (?4, ?1, ?2, ?3)",
    [S_VISIT_INS] = "INSERT INTO svc_visit (kind, status, code, psn_no, insutype, med_type, "
                    "begntime, endtime, dise_codg, spec_dise_codg, out_of_area, filed, ipt_otp_no, "
                    "setl_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    [S_VISIT_GET] = "SELECT kind, status, code, psn_no, insutype, med_type, begntime, endtime, "
                    "dise_codg, spec_dise_codg, out_of_area, filed, ipt_otp_no, setl_id "
                    "FROM svc_visit WHERE id = ?15",
    [S_VISIT_UPD] = "UPDATE svc_visit SET kind = ?1, status = ?2, code = ?3, psn_no = ?4, "
                    "insutype = ?5, med_type = ?6, begntime = ?7, endtime = ?8, dise_codg = ?9, "
                    "spec_dise_codg = ?10, out_of_area = ?11, filed = ?12, ipt_otp_no = ?13, "
                    "setl_id = ?14 WHERE id = ?15",
    [S_FEE_INS] = "INSERT INTO svc_fee (visit_id, sn, codg, cnt, pric, amount, ocur, setl_id, "
                  "bchno) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8) "
                  "ON CONFLICT (visit_id, sn) DO NOTHING",
    /* a settlement of one charge batch (?2), or of every one (''), takes
     * the lines uploaded without a batch too */
    [S_FEE_OPEN] = "SELECT sn, codg, cnt, pric, amount, ocur FROM svc_fee WHERE visit_id = ?1 "
                   "AND setl_id = 0 AND (?2 = '' OR bchno = ?2 OR bchno = '') ORDER BY rowid",
    [S_FEE_DEL_ONE] = "DELETE FROM svc_fee WHERE visit_id = ?1 AND setl_id = 0 AND sn = ?2 "
                      "AND (?3 = '' OR bchno = ?3)",
    [S_FEE_DEL_ALL] = "DELETE FROM svc_fee WHERE visit_id = ?1 AND setl_id = 0 "
                      "AND (?2 = '' OR bchno = ?2)",
    [S_FEE_MARK] = "UPDATE svc_fee SET setl_id = ?3 WHERE visit_id = ?1 AND setl_id = ?2 "
                   "AND (?4 = '' OR bchno = ?4 OR bchno = '')",
    [S_FEE_LAST_SETL] = "SELECT coalesce(max(setl_id), 0) FROM svc_fee WHERE visit_id = ?1",
    [S_FEE_SETLS] = "SELECT DISTINCT setl_id FROM svc_fee WHERE visit_id = ?1 AND setl_id > 0 "
                    "ORDER BY setl_id LIMIT ?2",
    /* a refund (?2, negative) into the unsettled line ?3 of its item and price */
    [S_FEE_REFUND] = "UPDATE svc_fee AS f SET cnt = f.cnt + r.cnt, amount = f.amount + r.amount "
                     "FROM (SELECT cnt, amount, codg, pric FROM svc_fee WHERE visit_id = ?1 AND "
                     "sn = ?2 AND setl_id = 0) AS r WHERE f.visit_id = ?1 AND f.sn = ?3 AND "
                     "f.setl_id = 0 AND f.codg = r.codg AND f.pric = r.pric AND r.cnt < 0 AND "
                     "f.cnt + r.cnt >= 0 AND f.amount + r.amount >= 0",
    [S_FEE_SET_ASIDE] = "UPDATE svc_fee SET setl_id = -1 WHERE visit_id = ?1 AND sn = ?2 AND "
                        "setl_id = 0",
    [S_SETL_PUT] = "INSERT INTO svc_setl (setl_id, visit_id, msgid) VALUES (?1, ?2, ?3) "
                   "ON CONFLICT(setl_id) DO NOTHING",
    [S_SETL_BY_MSGID] = "SELECT setl_id, visit_id FROM svc_setl WHERE msgid = ?1",
    [S_SETL_VISIT] = "SELECT visit_id FROM svc_setl WHERE setl_id = ?1",
    [S_SETL_COUNT] = "SELECT count(*) FROM svc_setl WHERE visit_id = ?1", /* svc_setl_visit */
    [S_NONCE_PUT] = "INSERT INTO svc_nonce_batch (max_ts, nonces) VALUES (?1, ?2)",
    [S_NONCE_SCAN] = "SELECT nonces FROM svc_nonce_batch WHERE max_ts >= ?1 ORDER BY id",
    [S_NONCE_PRUNE] = "DELETE FROM svc_nonce_batch WHERE max_ts < ?1",
    [S_SIGNIN_GET] = SIGNIN_SELECT "WHERE s.sign_no = ?1",
    [S_SIGNIN_SCAN] = SIGNIN_SELECT "WHERE s.time_s >= ?1",
    [S_SIGNOUT_PUT] = "INSERT INTO svc_signout (sign_no, opter_no, time_s) VALUES (?1, ?2, ?3)",
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SAVEPOINT] = "SAVEPOINT request",
    [S_RELEASE] = "RELEASE request",
    [S_ROLLBACK_TO] = "ROLLBACK TO request",
};

struct sqdb {
    struct svcdb base; /* first: the front's handle */
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
    bool borrowed; /* db is the store writer's connection: not ours to close */
};

static struct sqdb *sq(struct svcdb *base) {
    assert(base != NULL && base->ops == &svcdb_sqlite_ops);
    return (struct sqdb *)base;
}

static const char *sq_error(struct svcdb *base) {
    struct sqdb *db = sq(base);
    assert(db->db != NULL); /* an open that failed is not asked */
    return sqlite3_errmsg(db->db);
}

static void sq_close(struct svcdb *base) {
    struct sqdb *db = sq(base);
    assert(db->st[0] == NULL || db->db != NULL); /* statements live on a connection */
    for (int i = 0; i < S_COUNT; i++) sqlite3_finalize(db->st[i]);
    if (!db->borrowed) sqlite3_close(db->db);
    free(db);
}

/* Prepares our statements on the store writer's connection (its tables
 * migrated by an svcdb_open of the same file before): see svcdb.h. */
int svcdb_sqlite_attach(void *handle, struct svcdb **out, char *err, size_t size) {
    assert(handle != NULL && out != NULL);
    *out = NULL;
    struct sqdb *db = calloc(1, sizeof *db);
    if (db == NULL) return snprintf(err, size, "out of memory"), -1;
    db->base.ops = &svcdb_sqlite_ops;
    db->db = handle;
    db->borrowed = true;
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v2(db->db, stmt_sql[i], -1, &db->st[i], NULL) != SQLITE_OK) {
            snprintf(err, size, "service tables on the store's writer: prepare %d: %s", i,
                     sqlite3_errmsg(db->db));
            sq_close(&db->base);
            return -1;
        }
    *out = &db->base;
    return 0;
}

static int open_conn(struct sqdb *db, const char *target, bool sync_off, char *err, size_t size) {
    assert(db != NULL && db->db == NULL && target != NULL && err != NULL);
    if (sqlite3_open_v2(target, &db->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        snprintf(err, size, "%s: cannot open: %s", target,
                 db->db ? sqlite3_errmsg(db->db) : "out of memory");
        return -1;
    }
    if (sqlite_wait_install(db->db, SVCDB_BUSY_TIMEOUT_MS) != 0)
        return snprintf(err, size, "%s: cannot set the busy handler", target), -1;
    char pragmas[128];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; "
             "PRAGMA wal_autocheckpoint=%d;",
             sync_off ? "OFF" : "FULL", SQLITE_WAL_CHECKPOINT_PAGES);
    char *msg = NULL;
    if (sqlite3_exec(db->db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, size, "%s: service tables: %s", target, msg ? msg : "error");
        sqlite3_free(msg);
        return -1;
    }
    if (schema_sqlite_migrate(db->db, target, err, size) != 0) return -1;
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v2(db->db, stmt_sql[i], -1, &db->st[i], NULL) != SQLITE_OK) {
            snprintf(err, size, "%s: prepare %d: %s", target, i, sqlite3_errmsg(db->db));
            return -1;
        }
    return 0;
}

static int sq_open(const char *target, bool sync_off, struct svcdb **out, char *err,
                   size_t err_size) {
    assert(target != NULL && out != NULL);
    struct sqdb *db = calloc(1, sizeof *db);
    if (db == NULL) return snprintf(err, err_size, "out of memory"), -1;
    db->base.ops = &svcdb_sqlite_ops;
    int setup = sqlite_setup_lock(target); /* see sqlite_conn.h */
    int rc = open_conn(db, target, sync_off, err, err_size);
    sqlite_setup_unlock(setup);
    if (rc != 0) {
        sq_close(&db->base);
        return -1;
    }
    assert(db->db != NULL && db->st[S_COUNT - 1] != NULL);
    *out = &db->base;
    return 0;
}

/* Runs a statement that returns no rows (or whose rows are ignored). */
static int run(struct sqdb *db, enum stmt_id id) {
    assert(id >= 0 && id < S_COUNT && db->st[id] != NULL);
    sqlite3_stmt *s = db->st[id];
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Steps once: 1 row, 0 done, -1 error (statement left for column reads). */
static int step(struct sqdb *db, enum stmt_id id) {
    assert(id >= 0 && id < S_COUNT && db->st[id] != NULL);
    int rc = sqlite3_step(db->st[id]);
    if (rc == SQLITE_ROW) return 1;
    sqlite3_reset(db->st[id]);
    sqlite3_clear_bindings(db->st[id]);
    return rc == SQLITE_DONE ? 0 : -1;
}

static void finish(struct sqdb *db, enum stmt_id id) {
    assert(id >= 0 && id < S_COUNT && db->st[id] != NULL);
    sqlite3_reset(db->st[id]);
    sqlite3_clear_bindings(db->st[id]);
}

static void bind_text(sqlite3_stmt *s, int i, const char *text) {
    assert(s != NULL && i >= 1 && i <= sqlite3_bind_parameter_count(s));
    sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC);
}

static void col_text(sqlite3_stmt *s, int i, char *out, size_t size) {
    assert(s != NULL && i >= 0 && i < sqlite3_column_count(s) && out != NULL && size > 0);
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(out, size, "%s", t ? (const char *)t : "");
}

/* The front (service_db.c) keeps in_txn and in_savepoint. */
static int sq_begin(struct svcdb *base) {
    assert(!base->in_txn);
    return run(sq(base), S_BEGIN);
}

static int sq_commit(struct svcdb *base) {
    assert(base->in_txn && !base->in_savepoint);
    return run(sq(base), S_COMMIT);
}

static void sq_rollback(struct svcdb *base) {
    struct sqdb *db = sq(base);
    assert(base->in_txn || !base->in_savepoint); /* a savepoint only inside a transaction */
    if (!sqlite3_get_autocommit(db->db)) (void)run(db, S_ROLLBACK);
}
static int sq_savepoint(struct svcdb *base) {
    assert(base->in_txn && !base->in_savepoint); /* one request at a time */
    return run(sq(base), S_SAVEPOINT);
}

static int sq_release(struct svcdb *base) {
    assert(base->in_txn);
    return run(sq(base), S_RELEASE);
}

/* ROLLBACK TO keeps the savepoint open: release it too. */
static int sq_rollback_to(struct svcdb *base) {
    struct sqdb *db = sq(base);
    assert(base->in_txn);
    return run(db, S_ROLLBACK_TO) == 0 && run(db, S_RELEASE) == 0 ? 0 : -1;
}

static int sq_credential_get(struct svcdb *base, const char *paasid, struct svc_credential *out,
                             bool *found) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_CRED_GET];
    bind_text(s, 1, paasid);
    int rc = step(db, S_CRED_GET);
    *found = rc == 1;
    if (rc != 1) return rc;
    memset(out, 0, sizeof *out);
    snprintf(out->paasid, sizeof out->paasid, "%s", paasid);
    col_text(s, 0, out->legacy_token, sizeof out->legacy_token);
    col_text(s, 1, out->fixmedins_code, sizeof out->fixmedins_code);
    char status[16];
    col_text(s, 2, status, sizeof status);
    out->active = strcmp(status, "active") == 0;
    out->token_version = sqlite3_column_int64(s, 3);
    col_text(s, 4, out->key_id, sizeof out->key_id);
    out->hmac_required = sqlite3_column_int64(s, 5) != 0;
    finish(db, S_CRED_GET);
    assert(strcmp(out->paasid, paasid) == 0);
    return 0;
}

static int sq_audit_put(struct svcdb *base, const struct svc_audit *row) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_AUDIT_PUT];
    assert(row != NULL && row->time_s >= 0);
    sqlite3_bind_int64(s, 1, row->time_s);
    bind_text(s, 2, row->paasid);
    bind_text(s, 3, row->fixmedins_code);
    bind_text(s, 4, row->infno);
    bind_text(s, 5, row->msgid);
    bind_text(s, 6, row->psn_no);
    bind_text(s, 7, row->outcome);
    return run(db, S_AUDIT_PUT);
}

static int sq_answer_get(struct svcdb *base, const char *code, const char *msgid, char *infno_out,
                         char *req_hash_out, struct json_buf *answer, int64_t *time_s,
                         bool *found) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_ANS_GET];
    bind_text(s, 1, code);
    bind_text(s, 2, msgid);
    int rc = step(db, S_ANS_GET);
    *found = rc == 1;
    if (rc != 1) return rc;
    col_text(s, 0, infno_out, SVC_INFNO_BYTES_MAX + 1);
    json_buf_reset(answer);
    json_buf_raw(answer, (const char *)sqlite3_column_text(s, 1),
                 (size_t)sqlite3_column_bytes(s, 1));
    *time_s = sqlite3_column_int64(s, 2);
    col_text(s, 3, req_hash_out, HASH_HEX_BYTES + 1);
    finish(db, S_ANS_GET);
    assert(strlen(infno_out) <= SVC_INFNO_BYTES_MAX);
    return answer->failed ? -1 : 0;
}

static int sq_answer_put(struct svcdb *base, const char *code, const char *msgid, const char *infno,
                         const char *req_hash, const char *answer, size_t len, int64_t time_s) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_ANS_PUT];
    assert(len <= (size_t)INT32_MAX); /* bound as an int */
    bind_text(s, 1, code);
    bind_text(s, 2, msgid);
    bind_text(s, 3, infno);
    sqlite3_bind_text(s, 4, answer, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, time_s);
    bind_text(s, 6, req_hash);
    return run(db, S_ANS_PUT);
}

static int sq_answer_prune(struct svcdb *base, int64_t before_s, int64_t rows_max,
                           int64_t *pruned) {
    struct sqdb *db = sq(base);
    assert(rows_max > 0 && pruned != NULL);
    sqlite3_bind_int64(db->st[S_ANS_PRUNE], 1, before_s);
    sqlite3_bind_int64(db->st[S_ANS_PRUNE], 2, rows_max);
    int rc = run(db, S_ANS_PRUNE);
    *pruned = rc == 0 ? sqlite3_changes64(db->db) : 0;
    return rc;
}

static int sq_signin_put(struct svcdb *base, const char *code, const char *opter_no, int64_t time_s,
                         int64_t *sign_no) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_SIGNIN_PUT];
    assert(code != NULL && opter_no != NULL && sign_no != NULL);
    bind_text(s, 1, code);
    bind_text(s, 2, opter_no);
    sqlite3_bind_int64(s, 3, time_s);
    sqlite3_bind_int64(s, 4, *sign_no); /* chosen by svcdb_signin_put */
    return run(db, S_SIGNIN_PUT);
}

static void signin_row(sqlite3_stmt *s, struct svc_signin *out) {
    assert(s != NULL && out != NULL && sqlite3_column_count(s) == 4);
    memset(out, 0, sizeof *out);
    out->sign_no = sqlite3_column_int64(s, 0);
    col_text(s, 1, out->fixmedins_code, sizeof out->fixmedins_code);
    out->time_s = sqlite3_column_int64(s, 2);
    out->signout_s = sqlite3_column_int64(s, 3);
}

static int sq_signin_get(struct svcdb *base, int64_t sign_no, struct svc_signin *out, bool *found) {
    struct sqdb *db = sq(base);
    assert(sign_no > 0);
    sqlite3_bind_int64(db->st[S_SIGNIN_GET], 1, sign_no);
    int rc = step(db, S_SIGNIN_GET);
    *found = rc == 1;
    if (rc != 1) return rc;
    signin_row(db->st[S_SIGNIN_GET], out);
    finish(db, S_SIGNIN_GET);
    return 0;
}

static int sq_signin_scan(struct svcdb *base, int64_t since_s, svc_signin_cb cb, void *ctx) {
    struct sqdb *db = sq(base);
    assert(cb != NULL);
    sqlite3_bind_int64(db->st[S_SIGNIN_SCAN], 1, since_s);
    struct svc_signin row;
    int rc;
    while ((rc = step(db, S_SIGNIN_SCAN)) == 1) {
        signin_row(db->st[S_SIGNIN_SCAN], &row);
        if (cb(ctx, &row) != 0) {
            finish(db, S_SIGNIN_SCAN);
            return -1;
        }
    }
    return rc;
}

static int sq_signout_put(struct svcdb *base, int64_t sign_no, const char *opter_no,
                          int64_t time_s) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_SIGNOUT_PUT];
    assert(sign_no > 0 && opter_no != NULL);
    sqlite3_bind_int64(s, 1, sign_no);
    bind_text(s, 2, opter_no);
    sqlite3_bind_int64(s, 3, time_s);
    return run(db, S_SIGNOUT_PUT);
}

static void bind_visit(sqlite3_stmt *s, const struct svc_visit *v) {
    assert(v->kind == VISIT_OUTPATIENT || v->kind == VISIT_INPATIENT);
    assert(sqlite3_bind_parameter_count(s) >= 14);
    sqlite3_bind_int(s, 1, (int)v->kind);
    sqlite3_bind_int(s, 2, (int)v->status);
    bind_text(s, 3, v->fixmedins_code);
    bind_text(s, 4, v->psn_no);
    sqlite3_bind_int(s, 5, v->insutype);
    bind_text(s, 6, v->med_type);
    sqlite3_bind_int64(s, 7, v->begntime);
    sqlite3_bind_int64(s, 8, v->endtime);
    bind_text(s, 9, v->dise_codg);
    bind_text(s, 10, v->spec_dise_codg);
    sqlite3_bind_int(s, 11, v->out_of_area);
    sqlite3_bind_int(s, 12, v->filed);
    bind_text(s, 13, v->ipt_otp_no);
    sqlite3_bind_int64(s, 14, v->setl_id);
}

static int sq_visit_insert(struct svcdb *base, struct svc_visit *visit) {
    struct sqdb *db = sq(base);
    assert(visit->id == 0); /* the database numbers it */
    bind_visit(db->st[S_VISIT_INS], visit);
    if (run(db, S_VISIT_INS) != 0) return -1;
    visit->id = sqlite3_last_insert_rowid(db->db);
    return 0;
}

static int sq_visit_update(struct svcdb *base, const struct svc_visit *visit) {
    struct sqdb *db = sq(base);
    assert(visit->id > 0);
    bind_visit(db->st[S_VISIT_UPD], visit);
    sqlite3_bind_int64(db->st[S_VISIT_UPD], 15, visit->id);
    return run(db, S_VISIT_UPD);
}

static int sq_visit_get(struct svcdb *base, int64_t id, struct svc_visit *v, bool *found) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_VISIT_GET];
    assert(id > 0 && v != NULL && found != NULL);
    sqlite3_bind_int64(s, 15, id);
    int rc = step(db, S_VISIT_GET);
    *found = rc == 1;
    if (rc != 1) return rc;
    memset(v, 0, sizeof *v);
    v->id = id;
    v->kind = (enum visit_kind)sqlite3_column_int(s, 0);
    v->status = (enum visit_status)sqlite3_column_int(s, 1);
    col_text(s, 2, v->fixmedins_code, sizeof v->fixmedins_code);
    col_text(s, 3, v->psn_no, sizeof v->psn_no);
    v->insutype = sqlite3_column_int(s, 4);
    col_text(s, 5, v->med_type, sizeof v->med_type);
    v->begntime = sqlite3_column_int64(s, 6);
    v->endtime = sqlite3_column_int64(s, 7);
    col_text(s, 8, v->dise_codg, sizeof v->dise_codg);
    col_text(s, 9, v->spec_dise_codg, sizeof v->spec_dise_codg);
    v->out_of_area = sqlite3_column_int(s, 10) != 0;
    v->filed = sqlite3_column_int(s, 11) != 0;
    col_text(s, 12, v->ipt_otp_no, sizeof v->ipt_otp_no);
    v->setl_id = sqlite3_column_int64(s, 13);
    finish(db, S_VISIT_GET);
    return 0;
}

/* A row per line: no round trips here, and a conflict names its line. */
static int sq_fee_insert(struct svcdb *base, int64_t visit_id, const struct bill_line *lines,
                         const char (*bchnos)[CODE_BYTES_MAX + 1], int32_t count,
                         datetime_s fee_ocur_time, int32_t *duplicate_at) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_FEE_INS];
    assert(visit_id > 0 && count > 0 && *duplicate_at == -1);
    for (int32_t i = 0; i < count; i++) {
        sqlite3_bind_int64(s, 1, visit_id);
        bind_text(s, 2, lines[i].feedetl_sn);
        bind_text(s, 3, lines[i].med_list_codg);
        sqlite3_bind_int64(s, 4, lines[i].cnt_scaled);
        sqlite3_bind_int64(s, 5, lines[i].pric_scaled);
        sqlite3_bind_int64(s, 6, lines[i].amount_fen);
        sqlite3_bind_int64(s, 7, fee_ocur_time);
        bind_text(s, 8, bchnos[i]);
        if (run(db, S_FEE_INS) != 0) return -1;
        if (sqlite3_changes(db->db) == 0) {
            *duplicate_at = i;
            return 0;
        }
    }
    return 0;
}

static int sq_fee_open(struct svcdb *base, int64_t visit_id, const char *bchno,
                       struct bill_line *lines, int32_t max, int32_t *count, datetime_s *latest) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_FEE_OPEN];
    assert(visit_id > 0 && lines != NULL && max > 0);
    sqlite3_bind_int64(s, 1, visit_id);
    bind_text(s, 2, bchno);
    *count = 0;
    *latest = 0;
    int rc;
    while ((rc = step(db, S_FEE_OPEN)) == 1) {
        if (*count >= max) {
            finish(db, S_FEE_OPEN);
            return 1;
        }
        struct bill_line *l = &lines[(*count)++];
        memset(l, 0, sizeof *l);
        col_text(s, 0, l->feedetl_sn, sizeof l->feedetl_sn);
        l->has_feedetl_sn = true;
        col_text(s, 1, l->med_list_codg, sizeof l->med_list_codg);
        l->cnt_scaled = sqlite3_column_int64(s, 2);
        l->pric_scaled = sqlite3_column_int64(s, 3);
        l->amount_fen = sqlite3_column_int64(s, 4);
        l->numbers_ok = true;
        datetime_s t = sqlite3_column_int64(s, 5);
        if (t > *latest) *latest = t;
    }
    assert(*count <= max);
    return rc;
}

static int sq_fee_withdraw(struct svcdb *base, int64_t visit_id, const char *feedetl_sn,
                           const char *bchno, int64_t *deleted) {
    struct sqdb *db = sq(base);
    enum stmt_id id = feedetl_sn ? S_FEE_DEL_ONE : S_FEE_DEL_ALL;
    assert(visit_id > 0 && deleted != NULL);
    sqlite3_bind_int64(db->st[id], 1, visit_id);
    if (feedetl_sn) bind_text(db->st[id], 2, feedetl_sn);
    bind_text(db->st[id], feedetl_sn ? 3 : 2, bchno);
    if (run(db, id) != 0) return -1;
    *deleted = sqlite3_changes(db->db);
    return 0;
}

static int sq_fee_mark(struct svcdb *base, int64_t visit_id, int64_t from_setl_id,
                       int64_t to_setl_id, const char *bchno) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_FEE_MARK];
    assert(visit_id > 0 && from_setl_id != to_setl_id);
    sqlite3_bind_int64(s, 1, visit_id);
    sqlite3_bind_int64(s, 2, from_setl_id);
    sqlite3_bind_int64(s, 3, to_setl_id);
    bind_text(s, 4, bchno);
    return run(db, S_FEE_MARK);
}

static int sq_setl_put(struct svcdb *base, int64_t setl_id, int64_t visit_id, const char *msgid) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_SETL_PUT];
    assert(setl_id > 0 && visit_id > 0 && msgid != NULL);
    sqlite3_bind_int64(s, 1, setl_id);
    sqlite3_bind_int64(s, 2, visit_id);
    bind_text(s, 3, msgid);
    return run(db, S_SETL_PUT);
}

static int sq_setl_by_msgid(struct svcdb *base, const char *store_msgid, int64_t *setl_id,
                            int64_t *visit_id, bool *found) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_SETL_BY_MSGID];
    assert(store_msgid != NULL && store_msgid[0] != '\0');
    bind_text(s, 1, store_msgid);
    int rc = step(db, S_SETL_BY_MSGID);
    *found = rc == 1;
    if (rc != 1) return rc;
    *setl_id = sqlite3_column_int64(s, 0);
    *visit_id = sqlite3_column_int64(s, 1);
    finish(db, S_SETL_BY_MSGID);
    return 0;
}

static int sq_setl_visit(struct svcdb *base, int64_t setl_id, int64_t *visit_id, bool *found) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_SETL_VISIT];
    assert(setl_id > 0 && visit_id != NULL);
    sqlite3_bind_int64(s, 1, setl_id);
    int rc = step(db, S_SETL_VISIT);
    *found = rc == 1;
    if (rc != 1) return rc;
    *visit_id = sqlite3_column_int64(s, 0);
    finish(db, S_SETL_VISIT);
    return 0;
}

static int sq_fee_refund(struct svcdb *base, int64_t visit_id, const char *refund_sn,
                         const char *init_sn, bool *applied) {
    struct sqdb *db = sq(base);
    assert(visit_id > 0 && applied != NULL);
    sqlite3_bind_int64(db->st[S_FEE_REFUND], 1, visit_id);
    bind_text(db->st[S_FEE_REFUND], 2, refund_sn);
    bind_text(db->st[S_FEE_REFUND], 3, init_sn);
    if (run(db, S_FEE_REFUND) != 0) return -1;
    *applied = sqlite3_changes(db->db) == 1;
    if (!*applied) return 0;
    sqlite3_bind_int64(db->st[S_FEE_SET_ASIDE], 1, visit_id);
    bind_text(db->st[S_FEE_SET_ASIDE], 2, refund_sn);
    return run(db, S_FEE_SET_ASIDE);
}

static int sq_fee_last_setl(struct svcdb *base, int64_t visit_id, int64_t *setl_id) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_FEE_LAST_SETL];
    assert(visit_id > 0 && setl_id != NULL);
    sqlite3_bind_int64(s, 1, visit_id);
    int rc = step(db, S_FEE_LAST_SETL);
    if (rc != 1) return rc < 0 ? rc : -1;
    *setl_id = sqlite3_column_int64(s, 0);
    finish(db, S_FEE_LAST_SETL);
    return 0;
}

static int sq_fee_setls(struct svcdb *base, int64_t visit_id, int64_t *setl_ids, int32_t max,
                        int32_t *count) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_FEE_SETLS];
    assert(visit_id > 0 && max > 0);
    sqlite3_bind_int64(s, 1, visit_id);
    sqlite3_bind_int64(s, 2, (int64_t)max + 1); /* one more: says there are more */
    int rc;
    while ((rc = step(db, S_FEE_SETLS)) == 1) {
        if (*count == max) {
            finish(db, S_FEE_SETLS);
            return 1;
        }
        setl_ids[(*count)++] = sqlite3_column_int64(s, 0);
    }
    assert(*count <= max);
    return rc;
}

static int sq_setl_count(struct svcdb *base, int64_t visit_id, int64_t *count) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_SETL_COUNT];
    assert(visit_id > 0 && count != NULL);
    sqlite3_bind_int64(s, 1, visit_id);
    int rc = step(db, S_SETL_COUNT);
    if (rc != 1) return rc < 0 ? rc : -1;
    *count = sqlite3_column_int64(s, 0);
    finish(db, S_SETL_COUNT);
    return 0;
}

static int sq_nonce_put(struct svcdb *base, int64_t max_ts, const char *packed, size_t len) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_NONCE_PUT];
    assert(len <= (size_t)INT32_MAX);
    sqlite3_bind_int64(s, 1, max_ts);
    sqlite3_bind_text(s, 2, packed, (int)len, SQLITE_STATIC);
    return run(db, S_NONCE_PUT);
}

static int sq_nonce_scan(struct svcdb *base, int64_t since_ts, svcdb_packed_cb cb, void *ctx) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_NONCE_SCAN];
    assert(cb != NULL);
    sqlite3_bind_int64(s, 1, since_ts);
    int rc;
    while ((rc = step(db, S_NONCE_SCAN)) == 1) {
        const char *text = (const char *)sqlite3_column_text(s, 0);
        size_t len = (size_t)sqlite3_column_bytes(s, 0);
        if (cb(ctx, text ? text : "", text ? len : 0) != 0) {
            finish(db, S_NONCE_SCAN);
            return -1;
        }
    }
    return rc;
}

static int sq_nonce_prune(struct svcdb *base, int64_t before_ts) {
    struct sqdb *db = sq(base);
    assert(base->in_txn); /* with the flush's insert (nonce_log.c) */
    sqlite3_bind_int64(db->st[S_NONCE_PRUNE], 1, before_ts);
    return run(db, S_NONCE_PRUNE);
}

/* ---- catalog mappings (3301, 3302) ---------------------------------------- */
static int sq_mapping_put(struct svcdb *base, const struct svc_mapping *m, bool *existed) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *g = db->st[S_MAP_GET], *s = db->st[S_MAP_PUT];
    assert(m != NULL && existed != NULL);
    bind_text(g, 1, m->fixmedins_code);
    bind_text(g, 2, m->list_type);
    bind_text(g, 3, m->hilist_id);
    int rc = step(db, S_MAP_GET);
    if (rc != 1) return -1;
    *existed = sqlite3_column_int64(g, 0) > 0;
    finish(db, S_MAP_GET);
    const char *texts[] = {m->fixmedins_code, m->list_type, m->hilist_id, m->hilist_name,
                           m->med_list_codg,  m->begndate,  m->enddate};
    for (int i = 0; i < 7; i++) bind_text(s, i + 1, texts[i]);
    sqlite3_bind_int64(s, 8, m->time_s);
    return run(db, S_MAP_PUT);
}

static int sq_mapping_delete(struct svcdb *base, const char *code, const char *list_type,
                             const char *hilist_id, const char *med_list_codg, bool *deleted) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_MAP_DEL];
    assert(deleted != NULL);
    bind_text(s, 1, code);
    bind_text(s, 2, list_type);
    bind_text(s, 3, hilist_id);
    bind_text(s, 4, med_list_codg);
    if (run(db, S_MAP_DEL) != 0) return -1;
    *deleted = sqlite3_changes(db->db) > 0;
    return 0;
}

/* ---- inventory records (3501-3507) --------------------------------------- */
static int sq_inv_put(struct svcdb *base, const struct store_enrol_row *row, bool *inserted) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_INV_PUT];
    assert(row != NULL && inserted != NULL);
    for (int i = 0; i < 8; i++)
        if (i == 5) sqlite3_bind_int64(s, i + 1, strtoll(row->col[i], NULL, 10));
        else bind_text(s, i + 1, row->col[i]);
    if (run(db, S_INV_PUT) != 0) return -1;
    *inserted = sqlite3_changes(db->db) > 0;
    return 0;
}

static int sq_inv_delete(struct svcdb *base, const char *code, const char *infno_a,
                         const char *infno_b, const char *bchno, int64_t *deleted) {
    struct sqdb *db = sq(base);
    sqlite3_stmt *s = db->st[S_INV_DEL];
    assert(deleted != NULL);
    bind_text(s, 1, code);
    bind_text(s, 2, infno_a);
    bind_text(s, 3, infno_b);
    bind_text(s, 4, bchno);
    if (run(db, S_INV_DEL) != 0) return -1;
    *deleted = sqlite3_changes(db->db);
    return 0;
}

const struct svcdb_ops svcdb_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .error = sq_error,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .savepoint = sq_savepoint,
    .release = sq_release,
    .rollback_to = sq_rollback_to,
    .credential_get = sq_credential_get,
    .audit_put = sq_audit_put,
    .answer_get = sq_answer_get,
    .answer_put = sq_answer_put,
    .answer_prune = sq_answer_prune,
    .signin_put = sq_signin_put,
    .signin_get = sq_signin_get,
    .signin_scan = sq_signin_scan,
    .signout_put = sq_signout_put,
    .visit_insert = sq_visit_insert,
    .visit_get = sq_visit_get,
    .visit_update = sq_visit_update,
    .fee_insert = sq_fee_insert,
    .fee_open = sq_fee_open,
    .fee_withdraw = sq_fee_withdraw,
    .fee_mark = sq_fee_mark,
    .fee_last_setl = sq_fee_last_setl,
    .fee_setls = sq_fee_setls,
    .fee_refund = sq_fee_refund,
    .setl_put = sq_setl_put,
    .setl_by_msgid = sq_setl_by_msgid,
    .setl_visit = sq_setl_visit,
    .setl_count = sq_setl_count,
    .nonce_put = sq_nonce_put,
    .nonce_scan = sq_nonce_scan,
    .nonce_prune = sq_nonce_prune,
    .mapping_put = sq_mapping_put,
    .mapping_delete = sq_mapping_delete,
    .inv_put = sq_inv_put,
    .inv_delete = sq_inv_delete,
};
