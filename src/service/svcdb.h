/* svcdb.h: the backend interface behind the service's own tables
 * (svcdb_* in svc.h). service_db.c chooses a backend by the --db target
 * (postgresql:// or postgres:// URIs: service_db_pg.c; anything else a
 * SQLite file: service_db_sqlite.c) and forwards every call. A backend's
 * handle embeds struct svcdb as its first member. Return conventions are
 * those of the svcdb_* functions. Not for use outside src/service/. */
#ifndef YIBAO_SVCDB_H
#define YIBAO_SVCDB_H

#include <pthread.h>

#include "service/svc.h"

struct svcdb_ops;

#define SVCDB_FRONT_ERR_BYTES 160

struct svcdb {
    const struct svcdb_ops *ops;
    pthread_mutex_t lock;                  /* svcdb_lock(): one caller at a time */
    char front_err[SVCDB_FRONT_ERR_BYTES]; /* the front's last error; "" = ask the backend */
    bool in_txn;                           /* between a BEGIN and its COMMIT or ROLLBACK */
    bool in_savepoint;                     /* between a SAVEPOINT and its RELEASE or ROLLBACK TO */
};

/* A row of packed nonces; the text is valid during the call only. */
typedef int (*svcdb_packed_cb)(void *ctx, const char *packed, size_t len);

struct svcdb_ops {
    const char *name;
    bool concurrent_writers; /* several connections may write at once */
    /* Opens a connection and creates the tables when missing. */
    int (*open)(const char *target, bool sync_off, struct svcdb **out, char *err, size_t size);
    void (*close)(struct svcdb *db);
    const char *(*error)(struct svcdb *db);
    int (*begin)(struct svcdb *db);
    int (*commit)(struct svcdb *db);
    void (*rollback)(struct svcdb *db);
    /* One request inside a group-committed batch (svcq.c): SAVEPOINT,
     * then RELEASE when it succeeded or ROLLBACK TO when it failed. */
    int (*savepoint)(struct svcdb *db);
    int (*release)(struct svcdb *db);
    int (*rollback_to)(struct svcdb *db);
    int (*credential_get)(struct svcdb *db, const char *paasid, struct svc_credential *out,
                          bool *found);
    int (*answer_get)(struct svcdb *db, const char *code, const char *msgid, char *infno_out,
                      char *req_hash_out, struct json_buf *answer, int64_t *time_s, bool *found);
    /* answer_get with the registry's generation read in the same round
     * trip, and a visit locked ahead (svcdb_answer_gen_get); NULL where the
     * backend reads the generation apart */
    int (*answer_gen_get)(struct svcdb *db, const char *code, const char *msgid, char *infno_out,
                          char *req_hash_out, struct json_buf *answer, int64_t *time_s, bool *found,
                          int64_t *gen, int64_t lock_visit_id);
    int (*answer_put)(struct svcdb *db, const char *code, const char *msgid, const char *infno,
                      const char *req_hash, const char *answer, size_t len, int64_t time_s);
    /* The kept answer's INSERT held for the next round trip (PostgreSQL;
     * NULL elsewhere): held_new says the request just run left one held,
     * held_failed that one failed once sent, its request undone (svcq.c) */
    bool (*held_new)(struct svcdb *db);
    bool (*held_failed)(struct svcdb *db, char *why, size_t why_size);
    int (*answer_prune)(struct svcdb *db, int64_t before_s, int64_t rows_max, int64_t *pruned);
    int (*signin_put)(struct svcdb *db, const char *code, const char *opter_no, int64_t time_s,
                      int64_t *sign_no);
    int (*signin_get)(struct svcdb *db, int64_t sign_no, struct svc_signin *out, bool *found);
    int (*signin_scan)(struct svcdb *db, int64_t since_s, svc_signin_cb cb, void *ctx);
    int (*signout_put)(struct svcdb *db, int64_t sign_no, const char *opter_no, int64_t time_s);
    int (*visit_insert)(struct svcdb *db, struct svc_visit *visit);
    /* Inside a transaction it also locks the visit's row until the commit
     * where the database has row locks (PostgreSQL: FOR UPDATE). */
    int (*visit_get)(struct svcdb *db, int64_t id, struct svc_visit *out, bool *found);
    /* svcdb_probe_ahead; NULL where a read costs no round trip */
    void (*probe_ahead)(struct svcdb *db, const char *store_msgid, const char *bchno,
                        struct svcdb_probe *out);
    /* svcdb_piped_*; NULL where a statement costs no round trip */
    int (*piped_job)(struct svcdb *db, int k, bool stage);
    bool (*piped_staged)(struct svcdb *db, int k);
    int (*piped_send)(struct svcdb *db, int n);
    bool (*piped_astray)(struct svcdb *db);
    int (*piped_commit)(struct svcdb *db);
    /* svcdb_fee_insert_ahead and svcdb_ahead_end; NULL where a statement
     * costs no round trip */
    bool (*fee_insert_ahead)(struct svcdb *db, const char *code, const char *msgid,
                             int64_t visit_id, const struct bill_line *lines,
                             const char (*bchnos)[CODE_BYTES_MAX + 1], int32_t count,
                             datetime_s fee_ocur_time);
    /* svcdb_visit_write_ahead; NULL where a statement costs no round trip */
    bool (*visit_write_ahead)(struct svcdb *db, const char *code, const char *msgid,
                              const struct svc_visit *old, const struct svc_visit *row);
    int (*ahead_end)(struct svcdb *db);
    /* svcdb_lines_ahead; NULL where a read costs no round trip */
    void (*lines_ahead)(struct svcdb *db, const char *bchno, int64_t *gen);
    int (*visit_update)(struct svcdb *db, const struct svc_visit *visit);
    int (*fee_insert)(struct svcdb *db, int64_t visit_id, const struct bill_line *lines,
                      const char (*bchnos)[CODE_BYTES_MAX + 1], int32_t count,
                      datetime_s fee_ocur_time, int32_t *duplicate_at);
    int (*fee_open)(struct svcdb *db, int64_t visit_id, const char *bchno, struct bill_line *lines,
                    int32_t max, int32_t *count, datetime_s *latest);
    int (*fee_withdraw)(struct svcdb *db, int64_t visit_id, const char *feedetl_sn,
                        const char *bchno, int64_t *deleted);
    int (*fee_mark)(struct svcdb *db, int64_t visit_id, int64_t from_setl_id, int64_t to_setl_id,
                    const char *bchno);
    int (*fee_last_setl)(struct svcdb *db, int64_t visit_id, int64_t *setl_id);
    int (*fee_setls)(struct svcdb *db, int64_t visit_id, int64_t *setl_ids, int32_t max,
                     int32_t *count);
    int (*fee_refund)(struct svcdb *db, int64_t visit_id, const char *refund_sn,
                      const char *init_sn, bool *applied);
    int (*setl_put)(struct svcdb *db, int64_t setl_id, int64_t visit_id, const char *msgid);
    int (*setl_by_msgid)(struct svcdb *db, const char *store_msgid, int64_t *setl_id,
                         int64_t *visit_id, bool *found);
    int (*setl_visit)(struct svcdb *db, int64_t setl_id, int64_t *visit_id, bool *found);
    int (*setl_count)(struct svcdb *db, int64_t visit_id, int64_t *count);
    /* used nonces, one packed text (nonce_pack.c) per row of svc_nonce_batch */
    int (*nonce_put)(struct svcdb *db, int64_t max_ts, const char *packed, size_t len);
    int (*nonce_scan)(struct svcdb *db, int64_t since_ts, svcdb_packed_cb cb, void *ctx);
    int (*nonce_prune)(struct svcdb *db, int64_t before_ts);
    int (*audit_put)(struct svcdb *db, const struct svc_audit *row);
    /* svc_mapping: an upsert (*existed: the key had a row), a delete by key and code */
    int (*mapping_put)(struct svcdb *db, const struct svc_mapping *m, bool *existed);
    int (*mapping_delete)(struct svcdb *db, const char *code, const char *list_type,
                          const char *hilist_id, const char *med_list_codg, bool *deleted);
    /* inv_records: an insert unless the key is there, a delete by key */
    int (*inv_put)(struct svcdb *db, const struct store_enrol_row *row, bool *inserted);
    int (*inv_delete)(struct svcdb *db, const char *code, const char *infno_a, const char *infno_b,
                      const char *bchno, int64_t *deleted);
};

/* A handle on the store writer's own SQLite connection (handle: a sqlite3
 * *, store_sqlite_writer), used on the store's writer thread only; closing
 * it finalizes our statements and leaves the connection open. The front's
 * svcdb_attach_sqlite wraps it. */
int svcdb_sqlite_attach(void *handle, struct svcdb **out, char *err, size_t size);

extern const struct svcdb_ops svcdb_sqlite_ops;
extern const struct svcdb_ops svcdb_pg_ops;

#endif
