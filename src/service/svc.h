/* svc.h: the service's internals shared by its files: the service and
 * worker structs, the per-request call context, the service tables
 * (service_db.c), input readers and output writers (envelope.c), and the
 * transaction handlers (txn_*.c). Not for use outside src/service/. */
#ifndef YIBAO_SVC_H
#define YIBAO_SVC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/settle_case.h"
#include "core/bill.h"
#include "core/settle.h"
#include "json/json.h"
#include "service/service.h"
#include "store/store.h"

#define SVC_INFNO_BYTES_MAX 7
#define SVC_STORE_MSGID_SEP ':'  /* store msgid = fixmedins_code ":" msgid */
#define SVC_CRED_MAX 65536       /* credentials held in memory */
#define SVC_CRED_BUCKETS 4096    /* hash buckets of the credentials cache (power of two) */
#define SVC_CRED_RECHECK_S 2     /* a cached credential is re-read after this long */
#define SVC_PATH_BYTES 96        /* "input.feedetail[123].det_item_fee_sumamt" */
#define SVC_SIGNIN_MAX 65536     /* valid sign-ins held in memory (more: read from the table) */
#define SVC_SIGNIN_BUCKETS 16384 /* hash buckets of the sign-in cache (power of two) */
#define SVC_SIGNIN_RECHECK_S 2   /* a cached sign-in is re-read after this long */
#define SVC_SIGNIN_SWEEP_S 60    /* a full cache drops its dead entries at most this often */
#define SVC_CLOCK_AHEAD_S 86400  /* a visit's date may be this far ahead of the clock, no more */
#define SVC_DAY_S 86400
#define SVC_NO_CAP_FEN 99999900 /* 999999.00: "no cap" as the platform answers it */
/* A worker given back keeps its buffers and JSON arena (the hot path does
 * not allocate) unless together they grew past this: then they are freed,
 * so that one large body does not stay resident for ever. */
#define SVC_WORKER_KEPT_BYTES_MAX (256u * 1024u)
#define SVC_POOL_IDLE_MAX 256 /* idle workers kept in the pool; more are freed */

/* ---- service tables (service_db.c) ------------------------------------- */
enum visit_kind { VISIT_OUTPATIENT = 1, VISIT_INPATIENT = 2 };
/* PART_SETTLED: an inpatient stay with mid-stay settlements standing
 * (mid_setl_flag 1, before discharge): it takes more fee lines, its
 * discharge and its final settlement, which makes it SETTLED. */
enum visit_status {
    VISIT_OPEN = 0,
    VISIT_SETTLED = 1,
    VISIT_CANCELLED = 2,
    VISIT_PART_SETTLED = 3,
};

struct svc_visit {
    int64_t id; /* mdtrt_id = "MDT" + id */
    enum visit_kind kind;
    enum visit_status status;
    char fixmedins_code[CODE_BYTES_MAX + 1];
    char psn_no[CODE_BYTES_MAX + 1];
    int32_t insutype;
    char med_type[8];
    datetime_s begntime;
    datetime_s endtime; /* 0: not set (inpatient: not discharged) */
    char dise_codg[CODE_BYTES_MAX + 1];
    char spec_dise_codg[CODE_BYTES_MAX + 1];
    bool out_of_area, filed;
    char ipt_otp_no[CODE_BYTES_MAX + 1];
    int64_t setl_id; /* while settled (in part: the newest part) */
};

/* A gateway credential. Its token is derived from the service key
 * (secret.c) at token_version under the key named key_id; version 0 is a
 * previous release's credential whose token is kept in plaintext in
 * legacy_token until it is rotated. */
struct svc_credential {
    char paasid[SERVICE_PAASID_BYTES_MAX + 1];
    char legacy_token[SERVICE_TOKEN_HEX_BYTES + 1];
    char fixmedins_code[CODE_BYTES_MAX + 1];
    bool active;
    bool hmac_required; /* only x-tif-signature-method hmac-sha256 (signs the body) */
    int64_t token_version;
    char key_id[SERVICE_KEY_ID_HEX_BYTES + 1];
};

/* A 9001 sign-in (svc_signin, with its 9002 sign-out from svc_signout). */
struct svc_signin {
    int64_t sign_no; /* > 0 */
    char fixmedins_code[CODE_BYTES_MAX + 1];
    int64_t time_s;    /* signed in (unix seconds) */
    int64_t signout_s; /* signed out (unix seconds); 0: not signed out */
};

struct svcdb;
int svcdb_open(const char *target, bool sync_off, struct svcdb **out, char *err, size_t err_size);
/* The service tables on the store writer's SQLite connection (handle:
 * store_sqlite_writer), for svcq_start_hosted: used on that writer's
 * thread only, inside its transactions (svcdb_host_txn). */
int svcdb_attach_sqlite(void *handle, struct svcdb **out, char *err, size_t err_size);
/* The connection's owner opened (open) or ended a transaction that the
 * calls between run in (savepoints then work as inside svcdb_begin's). */
void svcdb_host_txn(struct svcdb *db, bool open);
/* True when several connections may write at once (PostgreSQL). */
bool svcdb_concurrent_writers(const struct svcdb *db);
void svcdb_close(struct svcdb *db);
/* One writer at a time: every call below is made between lock and unlock. */
void svcdb_lock(struct svcdb *db);
void svcdb_unlock(struct svcdb *db);
int svcdb_begin(struct svcdb *db);
int svcdb_commit(struct svcdb *db);
void svcdb_rollback(struct svcdb *db);
int svcdb_savepoint(struct svcdb *db); /* one request inside a batch (svcq.c) */
int svcdb_release(struct svcdb *db);
int svcdb_rollback_to(struct svcdb *db); /* undoes the request, keeps the batch */
const char *svcdb_error(struct svcdb *db);

int svcdb_credential_get(struct svcdb *db, const char *paasid, struct svc_credential *out,
                         bool *found);
/* Replayable answers of non-settlement writes, by (fixmedins_code, msgid),
 * with the time they were given and the hash of the request they answer
 * (svc_request_hash; "" for answers kept before migration 6). A pruned
 * answer is a stub: its msgid, infno, hash and time stay (the msgid stays
 * used), its text is empty. req_hash_out has HASH_HEX_BYTES + 1 bytes. */
int svcdb_answer_get(struct svcdb *db, const char *code, const char *msgid, char *infno_out,
                     char *req_hash_out, struct json_buf *answer, int64_t *time_s, bool *found);
/* PostgreSQL: the same read with the registry's generation (*gen, the
 * store's registry_gen) in one round trip, so that a replayable write
 * checks its registry snapshot without a read of its own (service.c,
 * registry_now); inside a transaction, lock_visit_id > 0 also locks that
 * visit's row in the same statement, and a svcdb_visit_get of it as the
 * very next call reads it from there (no statement). 0: none.
 * svcdb_answer_gen_folded: the backend has it (SQLite reads the
 * generation apart, one local indexed read, and has no row locks). */
bool svcdb_answer_gen_folded(const struct svcdb *db);
int svcdb_answer_gen_get(struct svcdb *db, const char *code, const char *msgid, char *infno_out,
                         char *req_hash_out, struct json_buf *answer, int64_t *time_s, bool *found,
                         int64_t *gen, int64_t lock_visit_id);
int svcdb_answer_put(struct svcdb *db, const char *code, const char *msgid, const char *infno,
                     const char *req_hash, const char *answer, size_t len, int64_t time_s);
/* On PostgreSQL, inside a request's savepoint, svcdb_answer_put holds
 * its INSERT for the next round trip (the next request's first statement
 * or the COMMIT), so it may fail after the request's release. The
 * caller running requests in one transaction (svcq.c) asks, after each
 * request, svcdb_held_new (did it leave an INSERT held?) and, after each
 * request and the COMMIT, svcdb_held_failed (did the last one holding an
 * INSERT fail? it was then undone alone: it fails with why, the others
 * stand). Both false on SQLite. */
bool svcdb_held_new(struct svcdb *db);
bool svcdb_held_failed(struct svcdb *db, char *why, size_t why_size);
/* Turns at most rows_max answers given before before_s into stubs; *pruned. */
int svcdb_answer_prune(struct svcdb *db, int64_t before_s, int64_t rows_max, int64_t *pruned);
int svcdb_signin_put(struct svcdb *db, const char *code, const char *opter_no, int64_t time_s,
                     int64_t *sign_no);
int svcdb_signin_get(struct svcdb *db, int64_t sign_no, struct svc_signin *out, bool *found);
/* Sign-ins with time_s >= since_s, signed out or not. */
typedef int (*svc_signin_cb)(void *ctx, const struct svc_signin *row);
int svcdb_signin_scan(struct svcdb *db, int64_t since_s, svc_signin_cb cb, void *ctx);
int svcdb_signout_put(struct svcdb *db, int64_t sign_no, const char *opter_no, int64_t time_s);
int svcdb_visit_insert(struct svcdb *db, struct svc_visit *visit); /* sets visit->id */
int svcdb_visit_get(struct svcdb *db, int64_t id, struct svc_visit *out, bool *found);
/* The next svcdb_visit_get outside a transaction reads the visit's open
 * lines of charge batch bchno too, for a svcdb_fee_open of them right
 * after it, and the registry's generation into *gen (-1: not read): one
 * round trip for the three on PostgreSQL (a pre-settlement's read, 2206);
 * nothing elsewhere. */
void svcdb_lines_ahead(struct svcdb *db, const char *bchno, int64_t *gen);
int svcdb_visit_update(struct svcdb *db, const struct svc_visit *visit);
/* Fee lines: inserts lines[0..count) in their order, line i of charge
 * batch bchnos[i] ("": none given). *duplicate_at is -1, or the index of
 * the first line whose feedetl_sn the visit already has (settled or not,
 * or earlier in lines): then the caller rolls back. */
int svcdb_fee_insert(struct svcdb *db, int64_t visit_id, const struct bill_line *lines,
                     const char (*bchnos)[CODE_BYTES_MAX + 1], int32_t count,
                     datetime_s fee_ocur_time, int32_t *duplicate_at);
/* Inside a transaction, before a job's svcdb_answer_gen_get of (code,
 * msgid): the svcdb_fee_insert of the same lines that the job will make,
 * sent ahead in that read's round trip, right after it (so after the
 * visit's lock) and run only when msgid has no kept answer; the job's
 * svcdb_fee_insert of that visit and count then takes its outcome. A job
 * that fails is rolled back whole, these lines with it. false: not sent
 * ahead (SQLite: a statement costs no round trip; out of memory): the
 * job's call sends it in its turn. */
bool svcdb_fee_insert_ahead(struct svcdb *db, const char *code, const char *msgid, int64_t visit_id,
                            const struct bill_line *lines, const char (*bchnos)[CODE_BYTES_MAX + 1],
                            int32_t count, datetime_s fee_ocur_time);
/* The same for a job's svcdb_visit_insert (old NULL; row->id 0) or
 * svcdb_visit_update (row->id == old->id) of row: sent ahead, run only when
 * msgid has no kept answer and, for an update, when the visit's row is old
 * (the row the job will read, locked by that read); the job's call of the
 * same row takes its outcome, another row is written in its turn. */
bool svcdb_visit_write_ahead(struct svcdb *db, const char *code, const char *msgid,
                             const struct svc_visit *old, const struct svc_visit *row);
/* After such a job: -1 (svcdb_error says why) when what was sent ahead was
 * not taken and wrote lines, which the job must then fail to undo; 0
 * otherwise. Drops what was kept. */
int svcdb_ahead_end(struct svcdb *db);
/* Unsettled lines of charge batch bchno ("": of every batch), in upload
 * order, into lines[0..max); *count; the latest fee_ocur_time. Returns 1
 * when there are more than max. */
int svcdb_fee_open(struct svcdb *db, int64_t visit_id, const char *bchno, struct bill_line *lines,
                   int32_t max, int32_t *count, datetime_s *latest);
/* Deletes unsettled lines (feedetl_sn NULL: all) of charge batch bchno
 * ("": any); *deleted. */
int svcdb_fee_withdraw(struct svcdb *db, int64_t visit_id, const char *feedetl_sn,
                       const char *bchno, int64_t *deleted);
/* A refund line refund_sn (uploaded, negative cnt and amount) applied to
 * the unsettled line init_sn of the same item and price: that line's cnt
 * and amount are reduced (never below zero) and the refund line is set
 * aside (setl_id -1: never settled, never withdrawn). *applied false when
 * no such line could take it (then the caller rolls back). */
int svcdb_fee_refund(struct svcdb *db, int64_t visit_id, const char *refund_sn, const char *init_sn,
                     bool *applied);
/* Marks the lines of from_setl_id (0: unsettled) of charge batch bchno
 * ("": every batch) as of to_setl_id (0: back to unsettled). */
int svcdb_fee_mark(struct svcdb *db, int64_t visit_id, int64_t from_setl_id, int64_t to_setl_id,
                   const char *bchno);
/* The newest settlement any of the visit's lines is marked with (0: none). */
int svcdb_fee_last_setl(struct svcdb *db, int64_t visit_id, int64_t *setl_id);
/* The settlements the visit's lines are marked with (standing ones: a
 * revoke unmarks its lines), oldest first, at most max: *count; 1 when
 * there are more than max. */
int svcdb_fee_setls(struct svcdb *db, int64_t visit_id, int64_t *setl_ids, int32_t max,
                    int32_t *count);
int svcdb_setl_put(struct svcdb *db, int64_t setl_id, int64_t visit_id, const char *msgid);
/* svcdb_setl_by_msgid's look-up made by the next svcdb_visit_get inside a
 * transaction, in its round trip (svcdb_probe_ahead): ran says it was
 * (else nothing was read: ask svcdb_setl_by_msgid) */
struct svcdb_probe {
    bool ran, found;
    int64_t setl_id, visit_id;
};
/* A batch's replayable writes piped (svcq.c run_piped; PostgreSQL): in a
 * transaction begun and without a savepoint open, job k (< SVCQ_PIPED_MAX)
 * runs from here either staging its first statement (recorded, not sent;
 * the job fails there) or, after svcdb_piped_send, taking its results
 * (its kept answer's INSERT then goes with svcdb_piped_commit). Whether
 * the backend has them: */
bool svcdb_piped_folded(const struct svcdb *db);
int svcdb_piped_job(struct svcdb *db, int k, bool stage);
/* job k staged a first statement, and no job strayed */
bool svcdb_piped_staged(struct svcdb *db, int k);
/* the due commands and jobs [0, n)'s staged statements in one round trip */
int svcdb_piped_send(struct svcdb *db, int n);
/* a job's statement was not its staged one, or a second one: the batch
 * must be rolled back and run one by one */
bool svcdb_piped_astray(struct svcdb *db);
/* the kept answers and the COMMIT in one round trip: 0 committed; 1 rolled
 * back (run the jobs again one by one); -1 failed (svcdb_error: why) */
int svcdb_piped_commit(struct svcdb *db);
/* Whether the backend has svcdb_probe_ahead (PostgreSQL). */
bool svcdb_probe_folded(const struct svcdb *db);
/* The next svcdb_visit_get inside a transaction looks up the link of
 * store_msgid too, into *out (out->ran false until it did), and reads,
 * right after the visit's lock in the same round trip, its open lines of
 * charge batch bchno for a svcdb_fee_open of them right after it. */
void svcdb_probe_ahead(struct svcdb *db, const char *store_msgid, const char *bchno,
                       struct svcdb_probe *out);
int svcdb_setl_by_msgid(struct svcdb *db, const char *store_msgid, int64_t *setl_id,
                        int64_t *visit_id, bool *found);
int svcdb_setl_visit(struct svcdb *db, int64_t setl_id, int64_t *visit_id, bool *found);
/* The settlements ever linked to the visit (revoked ones too): a visit's
 * n-th settlement is journaled under a msgid of the visit and n, so that
 * it is settled once whatever the envelope's msgid (txn_settle.c). */
int svcdb_setl_count(struct svcdb *db, int64_t visit_id, int64_t *count);
/* Used nonces (auth.c): recorded with the request's timestamp, one row
 * per flush (nonce_pack.c); scanned from since_ts at start (a nonce may
 * come back more than once: the caller's cache ignores the repeats); rows
 * whose newest timestamp is older than before_ts pruned. */
struct svc_nonce {
    char paasid[SERVICE_PAASID_BYTES_MAX + 1];
    char nonce[SERVICE_NONCE_BYTES_MAX + 1];
    int64_t ts;
};
typedef int (*svc_nonce_cb)(void *ctx, const struct svc_nonce *row);
int svcdb_nonce_put(struct svcdb *db, const struct svc_nonce *rows, size_t n);
int svcdb_nonce_scan(struct svcdb *db, int64_t since_ts, svc_nonce_cb cb, void *ctx);
int svcdb_nonce_prune(struct svcdb *db, int64_t before_ts);
/* An institution's own item code mapped to a catalog item (3301, 3302):
 * one row per (fixmedins_code, list_type, hilist_id). */
#define SVC_LIST_TYPE_BYTES_MAX 7 /* list_type: "101" drugs, "201" services, ... */
#define SVC_DATE_BYTES 10         /* yyyy-MM-dd */
struct svc_mapping {
    char fixmedins_code[CODE_BYTES_MAX + 1];
    char list_type[SVC_LIST_TYPE_BYTES_MAX + 1];
    char hilist_id[CODE_BYTES_MAX + 1]; /* fixmedins_hilist_id */
    char hilist_name[NAME_BYTES_MAX + 1];
    char med_list_codg[CODE_BYTES_MAX + 1];
    char begndate[SVC_DATE_BYTES + 1], enddate[SVC_DATE_BYTES + 1];
    int64_t time_s; /* uploaded (unix seconds) */
};
/* Inserts, or updates the row of the same key; *existed when there was one. */
int svcdb_mapping_put(struct svcdb *db, const struct svc_mapping *m, bool *existed);
/* Deletes the row of (code, list_type, hilist_id) mapped to med_list_codg; *deleted. */
int svcdb_mapping_delete(struct svcdb *db, const char *code, const char *list_type,
                         const char *hilist_id, const char *med_list_codg, bool *deleted);
/* A pharmacy's inventory record (3501-3506; store/enrol_rows.h's columns,
 * table inv_records): inserted unless its key (institution, infno,
 * fixmedins_bchno) is there (*inserted false, nothing written). 3507
 * deletes the records of a key under either of two infnos (a purchase
 * and its return share a batch number): *deleted rows. */
int svcdb_inv_put(struct svcdb *db, const struct store_enrol_row *row, bool *inserted);
int svcdb_inv_delete(struct svcdb *db, const char *code, const char *infno_a, const char *infno_b,
                     const char *bchno, int64_t *deleted);
/* A person read, audited (svc_audit): who asked for whom, and the outcome. */
#define SVC_AUDIT_OUTCOME_BYTES_MAX 160
struct svc_audit {
    int64_t time_s;
    const char *paasid, *fixmedins_code, *infno, *msgid, *psn_no;
    const char *outcome; /* "answered", or the refusal (cut to SVC_AUDIT_OUTCOME_BYTES_MAX) */
};
int svcdb_audit_put(struct svcdb *db, const struct svc_audit *row);

/* nonce_pack.c: a flush's nonces as one text. nonce_pack writes rows[0..n)
 * (n > 0) into out (size >= nonce_pack_bound(n)) and returns its length,
 * with the newest timestamp in max_ts. nonce_unpack calls cb for every
 * entry with ts >= since_ts: 0 done, -1 cb failed, 1 malformed text (the
 * entry starting at byte bad_at). */
size_t nonce_pack_bound(size_t n);
size_t nonce_pack(const struct svc_nonce *rows, size_t n, char *out, size_t size, int64_t *max_ts);
int nonce_unpack(const char *text, size_t len, int64_t since_ts, svc_nonce_cb cb, void *ctx,
                 size_t *bad_at);

/* ---- svcq.c: the service tables' group commit ------------------------- */
#define SVCQ_BATCH_MAX 1024 /* requests per transaction of the service tables */
#define SVCQ_PIPED_MAX 32   /* writes a piped batch takes (svcq.c); more: one by one */
#define SVCQ_QUEUED_MAX (2 * SERVICE_CONNECTIONS_MAX) /* queued writes; more: refused */
#define SVCQ_WRITERS_MAX SERVICE_WRITERS_MAX /* writer threads (PostgreSQL; SQLite has one) */
#define SVCQ_PRUNE_ROWS_MAX 2000             /* answers made stubs per pruning transaction */
#define SVCQ_PRUNE_EVERY_S 10                /* pruning starts again this long after it caught up */

struct svc_call;
/* A write to the service tables: run(c) inside the batch's transaction
 * (c->db is the writer's connection while it runs); rc is its result, or
 * -1 with c->err set when the batch did not commit. */
struct svcq_job {
    int (*run)(struct svc_call *c);
    struct svc_call *c;
    int rc;
    void (*on_done)(void *ctx); /* after the commit; NULL: a waiter in svcq_wait */
    void *on_done_ctx;
    bool done;
    bool queued; /* in the queue, not yet taken by a writer */
    /* the job writes nothing: run at the front of its batch, it reads only
     * what earlier batches committed, and is answered without waiting for
     * its batch's commit (svcq.c) */
    bool reads_only;
    /* a replayable write with its write sent ahead: its batch may run it
     * piped (svcq.c run_piped), more than once, each run from where
     * svc_job_rewind puts it back (output_len: its answer's length then) */
    bool piped;
    size_t output_len;
    int64_t queued_us; /* lat_now_us() at submit (svcq_print_times) */
    struct svcq_job *next;
};
struct svcq;
/* One writer thread per connection of dbs[0..writers). Kept answers
 * older than answers_kept_s are pruned by the writers (0: never). */
int svcq_start(struct svcdb *const *dbs, int writers, size_t batch_max, int64_t answers_kept_s,
               struct svcq **out, char *err, size_t err_size);
/* SQLite: no writer thread of its own; the store's commit queue (host)
 * runs the jobs in its transactions, before its settlements (db: from
 * svcdb_attach_sqlite on the host's connection). Stop the host first. */
int svcq_start_hosted(struct svcdb *db, struct commitq *host, size_t batch_max,
                      int64_t answers_kept_s, struct svcq **out, char *err, size_t err_size);
/* Refuses jobs from now on ("shutting down"); what is queued still runs
 * (hosted: shut before the host stops, so none comes after it). */
void svcq_shut(struct svcq *q);
/* Runs what is queued, then stops the writer (hosted: fails what the
 * stopped host left). NULL: nothing. */
void svcq_stop(struct svcq *q);
/* Queues job; on_done(ctx) runs on the writer after the commit. -1 (job
 * not queued, rc -1 and c->err set): stopped or full. */
int svcq_submit(struct svcq *q, struct svcq_job *job, void (*on_done)(void *ctx), void *ctx);
/* A piped job back to where it was queued, to run again (service.c). */
void svc_job_rewind(struct svcq_job *job);
void svcq_wait(struct svcq *q, struct svcq_job *job);
/* Batches taken and the jobs in them since the start. */
void svcq_stats(struct svcq *q, int64_t *batches, int64_t *jobs);
/* Batches whose writes went piped (svcq.c run_piped), and of them those
 * rolled back and run again one by one. */
void svcq_piped_stats(struct svcq *q, int64_t *piped, int64_t *again);
/* A job's wait for the writer that takes it, its time to its answer, and
 * the pruning transactions (lat_stat.h lines on out). */
void svcq_print_times(struct svcq *q, FILE *out);
/* Runs job at once in a transaction of its own on db (no writer thread). */
void svcq_run_alone(struct svcdb *db, struct svcq_job *job);

/* ---- the service ------------------------------------------------------- */
struct nonce_cache;
struct signin_cache; /* signin.c */

struct cred_entry {
    struct svc_credential cred; /* under the service's cred_lock */
    int64_t checked_s;          /* when cred was last read from the table */
    struct cred_entry *next;    /* bucket chain */
    struct nonce_cache *nonces; /* lazily made; under lock */
    int64_t reads_milli;        /* person-read bucket, thousandths of a read; under lock */
    int64_t reads_at_s;         /* when the bucket was last filled; 0: never used */
    /* the token derived for token_version under key token_key_id (""
     * none yet), under lock: an HMAC a request less (auth.c) */
    char token[SERVICE_TOKEN_HEX_BYTES + 1];
    int64_t token_version;
    char token_key_id[SERVICE_KEY_ID_HEX_BYTES + 1];
    pthread_mutex_t lock;
};

/* A condition logged once while it lasts (a full disk must not write a
 * line per attempt): svc_log_gate_fail is true for the first failure of a
 * run of them; svc_log_gate_ok ends the run and returns its length (0:
 * there was none). Not thread-safe: one gate per thread. */
struct svc_log_gate {
    int64_t failures; /* of the run going on; 0: none */
};
bool svc_log_gate_fail(struct svc_log_gate *gate);
int64_t svc_log_gate_ok(struct svc_log_gate *gate);

/* nonce_log.c: used nonces persisted by a flusher thread (see the file). */
struct nonce_log;
int nonce_log_start(const char *target, bool sync_off, int64_t window_s, struct nonce_log **out,
                    char *err, size_t err_size);
/* Queues a used nonce; -1 when the queue is full (storage stalled). */
int nonce_log_add(struct nonce_log *log, const char *paasid, const char *nonce, int64_t ts);
int nonce_log_scan(struct nonce_log *log, int64_t since_ts, svc_nonce_cb cb, void *ctx);
const char *nonce_log_error(struct nonce_log *log);
void nonce_log_stop(struct nonce_log *log); /* flushes the queue; NULL: nothing */
/* Flushes as jobs of host (SQLite: hosted by the store's writer, one
 * writer for the file) when it takes them, else on the log's own
 * connection; NULL: always its own. Waits for a flush through the old
 * host to end, so clear it before that host's writer stops. */
void nonce_log_host(struct nonce_log *log, struct svcq *host);

#define SVC_SETTLING_MAX 1024      /* visits being settled at once (hospital flow); more: retry */
#define SVC_VISIT_CACHE_SLOTS 4096 /* visits kept for 2204's prepare (visit_cache.c) */
#define SVC_STAY_PARTS_MAX 64      /* standing settlements of one inpatient stay (mid-stay parts) */

struct service {
    struct service_config cfg;
    struct store *store;
    struct commitq *q;
    struct svcdb *db; /* the service tables' writer (svcq, or alone under lock) */
    struct svcdb *wdb[SVCQ_WRITERS_MAX]; /* svcq's writers' connections; wdb[0] is db */
    int writers;
    struct svcdb *rdb; /* reads on the HTTP threads (committed rows only) */
    struct svcq *wq;   /* group commit of service-table writes; NULL: dry run */
    /* SQLite: wq's jobs run on the store's writer, through this handle on
     * its connection (svcq_start_hosted); NULL otherwise */
    struct svcdb *hdb;
    /* credentials cache (auth.c) */
    pthread_mutex_t cred_lock;
    struct cred_entry *cred_buckets[SVC_CRED_BUCKETS];
    size_t cred_count;
    struct service_key key; /* tokens are derived from it (secret.c) */
    bool key_loaded;        /* false: no key file; only legacy tokens sign */
    char key_path[SERVICE_KEY_PATH_BYTES_MAX];
    struct nonce_log *nonce_log;  /* NULL with auth_off */
    struct signin_cache *signins; /* valid sign_nos; NULL with sign_in_off */
    /* worker pool */
    pthread_mutex_t pool_lock;
    struct svc_worker **pool;
    size_t pool_count, pool_cap;
    /* for 3201, 3202 and the catalog's: our own backend connection for journal scans */
    struct store_conn *scan_conn;
    pthread_mutex_t scan_lock;
    /* the catalog's names and kinds, read from the last catalog import's
     * kept file (txn_catalog.c); NULL until a catalog transaction needs it */
    pthread_mutex_t text_lock;
    struct svc_catalog_text *text;
    char target[STORE_URI_BYTES_MAX + 1];
    /* visits being settled (txn_settle.c): one settlement per visit at a time */
    pthread_mutex_t settling_lock;
    int64_t settling[SVC_SETTLING_MAX];
    size_t settling_count;
    /* visits as this server last committed them (visit_cache.c):
     * [SVC_VISIT_CACHE_SLOTS]; NULL: off (SQLite, whose reads cost no
     * round trip) */
    pthread_mutex_t visit_cache_lock;
    struct svc_visit *visit_cache;
};

/* One request being handled. */
struct svc_txn;
struct svc_call {
    struct service *svc;
    struct svc_worker *w;
    const struct svc_txn *txn;
    struct svcdb *db;             /* reads and writes: rdb, or the writer's inside svc_write */
    const struct json_value *env; /* the envelope */
    const struct json_value *input;
    char infno[SVC_INFNO_BYTES_MAX + 1];
    char msgid[SERVICE_MSGID_BYTES_MAX + 1];
    char store_msgid[MSGID_BYTES_MAX + 1];
    char fixmedins_code[CODE_BYTES_MAX + 1];
    const struct registry *reg;           /* held from the envelope's check to the answer */
    const struct store_institution *inst; /* in reg */
    struct json_buf *output;              /* the handler writes one JSON object here */
    struct svc_signin signin_note;        /* 9001/9002: applied to the cache once committed */
    int prepared_rc;                      /* the txn's prepare step, when it has one */
    int read_rc;                          /* a person read's result, audited before the answer */
    struct cred_entry *cred;              /* the request's credential (auth.c); NULL: auth off */
    char paasid[SERVICE_PAASID_BYTES_MAX + 1];
    /* the registry snapshot is not confirmed current: the job's kept-answer
     * read checks its generation (registry_now); moved: it was not, and
     * the request runs again under a fresh one */
    bool registry_unconfirmed, registry_moved;
    /* a prepare step's visit (2203, 2204, 2301): the job's kept-answer read
     * locks it on PostgreSQL (svcdb_answer_gen_get); 0: none */
    int64_t visit_ahead_id;
    /* visit_cached: 2204's prepare took its visit from the cache
     * (visit_cache.c); visit_moved: its job found it changed, and the
     * request runs its prepare again on a fresh read (service.c);
     * visit_noted: the job left w->visit_note to cache once committed */
    bool visit_cached, visit_moved, visit_noted;
    char err[SERVICE_ERR_BYTES];
    int64_t now_s;
    char req_hash[HASH_HEX_BYTES + 1]; /* a replayable write's request (svc_request_hash) */
};

struct svc_worker {
    struct json_doc *doc;
    struct json_buf out;  /* the response envelope */
    struct json_buf body; /* the output object; also HTTP body accumulation */
    struct json_buf scratch;
    struct json_buf req; /* the HTTP request body being received */
    bool req_too_big;    /* the body passed the limit: answered -1 */
    struct bill_line *lines;
    struct line_result *line_results;
    /* 2204/2301: for a refund line (negative cnt), the feedetl_sn it
     * refunds (init_feedetl_sn); "" for any other line */
    char (*refund_of)[CODE_BYTES_MAX + 1];
    char (*bchno_of)[CODE_BYTES_MAX + 1]; /* fee lines' chrg_bchno ("": none) */
    int32_t lines_max;
    /* the request being handled; it outlives service_begin while its
     * settlement or revoke waits for the group commit */
    struct svc_call call;
    struct store_req sreq;       /* the commit queue request */
    struct bill bill;            /* settle: the bill (lines in lines[]) */
    struct svc_visit visit;      /* hospital flow: the visit being settled */
    struct svc_visit visit_note; /* a visit a job wrote (c->visit_noted) */
    /* 2201, 2203: the row the job will write, computed by the prepare step
     * (2203: from the cached visit, in visit), sent ahead (write_ahead) */
    struct svc_visit visit_ahead;
    bool visit_ahead_ok;
    char psn_no[CODE_BYTES_MAX + 1];
    char med_type[8];       /* the settlement answered's med_type ("" unknown); reset per request */
    bool bill_current;      /* bill was decoded by this request (reset per request) */
    bool lines_cut;         /* line_results hold bill's split: answered as detlcutinfo */
    int32_t insutype_asked; /* settle: data.insutype (app_settle_request) */
    char mdtrt_id[CODE_BYTES_MAX + 1];
    char visit_msgid[MSGID_BYTES_MAX + 1]; /* a visit's settlement's store msgid */
    int (*after)(struct svc_call *c);      /* continues once sreq or job is answered */
    struct service_waiter waiter;          /* resume == NULL: wait in place */
    bool in_flight;                        /* sreq queued, not yet answered */
    struct svcq_job job;                   /* a write to the service tables */
    bool job_in_flight;                    /* job queued, not yet committed */
    bool settling;                         /* hospital flow: holds the visit's reservation */
    bool mid_stay;                         /* settling an inpatient stay in part (mid_setl_flag) */
    char chrg_bchno[CODE_BYTES_MAX + 1];   /* the charge batch settled ("": every batch) */
    int32_t fee_count;                     /* 2204/2301: the lines in lines[] */
    datetime_s fee_latest;                 /* 2204/2301: their latest fee_ocur_time */
    struct svcdb_probe replay;             /* 2207/2304's link by msgid, read by its job */
};

int svc_fail(struct svc_call *c, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* A handler's result when its request waits for the group commit. */
#define SVC_PENDING 2
/* Queues c->w->sreq on the commit queue; once it is answered, after(c)
 * finishes the request. Without a waiter this waits and returns after(c);
 * with one it suspends the front end's connection and returns SVC_PENDING. */
int svc_commit(struct svc_call *c, int (*after)(struct svc_call *c));
/* Runs run(c) in the service tables' group commit; once committed (or
 * failed: c->w->job.rc), after(c) finishes the request. Like svc_commit,
 * in place without a waiter, else SVC_PENDING with the connection
 * suspended. */
int svc_write(struct svc_call *c, int (*run)(struct svc_call *c), int (*after)(struct svc_call *c));
/* Like svc_write for a run(c) that writes nothing but must come after the
 * writes queued before it (and lock what it reads, on PostgreSQL): after(c)
 * follows as soon as it ran, not after its batch's commit. */
int svc_read_ordered(struct svc_call *c, int (*run)(struct svc_call *c),
                     int (*after)(struct svc_call *c));

/* ---- auth.c ------------------------------------------------------------ */
/* Checks the gateway headers; fills c->err and returns -1 on refusal.
 * body_code is the envelope's fixmedins_code. */
int svc_auth(struct service *svc, const struct svc_request *req, const char *body_code,
             struct svc_call *c);
/* Takes one person read from the credential's bucket; -1 with c->err when
 * it is empty (--person-reads-per-min, --person-reads-burst). */
int svc_person_read_take(struct svc_call *c);
/* At open: starts the nonce log and loads the nonces still in their
 * window into the caches; at close: flushes the log and frees the caches. */
int svc_auth_start(struct service *svc, int64_t now_s, char *err, size_t err_size);
void svc_auth_free(struct service *svc);

/* ---- signin.c: the envelope's sign_no (docs/SERVICE.md, "Sign-in") ---- */
/* At open: loads the sign-ins still valid into the cache; at close: frees it. */
int svc_signin_start(struct service *svc, int64_t now_s, char *err, size_t err_size);
void svc_signin_free(struct service *svc);
/* The envelope's sign_no must be a 9001 sign-in of c->fixmedins_code, not
 * signed out, not older than sign_in_valid_s; else fills c->err, -1. */
int svc_signin_check(struct svc_call *c);
/* A committed 9001 or 9002 (c->signin_note), into the cache. */
void svc_signin_note(struct service *svc, const struct svc_signin *row, int64_t now_s);
/* "00000000000000000042" -> 42; -1 unless 1-20 digits and in (0, INT64_MAX]. */
int64_t svc_sign_no_parse(const char *text);

/* ---- envelope.c: input readers ("input.data.psn_no: missing") ----------- */
const struct json_value *in_object(struct svc_call *c, const struct json_value *obj,
                                   const char *key, const char *path, bool required);
/* A string (or, for codes, a number's text); returns 0, 1 absent, -1 bad. */
int in_code(struct svc_call *c, const struct json_value *obj, const char *key, const char *path,
            bool required, char *out, size_t size);
int in_money(struct svc_call *c, const struct json_value *obj, const char *key, const char *path,
             bool required, int64_t *fen);
int in_time(struct svc_call *c, const struct json_value *obj, const char *key, const char *path,
            bool required, datetime_s *out);
int in_flag(struct svc_call *c, const struct json_value *obj, const char *key, const char *path,
            bool *out);
int in_int(struct svc_call *c, const struct json_value *obj, const char *key, const char *path,
           bool required, int64_t min, int64_t max, int64_t *out);
/* Fee lines (2204/2301/2101...): feedetail[] into c->w->lines. The lines
 * must name mdtrt_id (when want_mdtrt) all alike; *mdtrt_id receives it. */
int in_feedetail(struct svc_call *c, const struct json_value *arr, const char *path, int32_t *count,
                 datetime_s *latest, char *mdtrt_id, size_t mdtrt_size);
/* SHA-256 (hex) of c's infno and input in a canonical form (independent
 * of the JSON's spacing), into c->req_hash: a msgid used again must carry
 * the same request. */
void svc_request_hash(struct svc_call *c);
int64_t mdtrt_id_parse(const char *text); /* "MDT123" -> 123, else -1 */
void mdtrt_id_format(int64_t id, char *out, size_t size);

/* ---- person_id.c -------------------------------------------------------- */
/* The psn_no of the person data names: its psn_no, else mdtrt_cert_type +
 * mdtrt_cert_no (02 ID card, 03 social security card: the ID number; 01
 * electronic voucher: its certno), else certno; insutype (> 0) picks among
 * the persons of one ID number. -1 with c->err naming the field. Sets
 * c->w->psn_no to the value asked for (the audit's). */
int svc_person_identify(struct svc_call *c, const struct json_value *data, const char *path,
                        int32_t insutype, char *psn_no, size_t size);

/* ---- envelope.c: output writers ---------------------------------------- */
struct jw {
    struct json_buf *buf;
    bool first[JSON_DEPTH_MAX];
    int depth;
};
void jw_begin(struct jw *w, struct json_buf *buf); /* opens the top object */
void jw_end(struct jw *w);                         /* closes the top object */
void jw_obj(struct jw *w, const char *key);        /* opens a member object (key NULL: element) */
void jw_arr(struct jw *w, const char *key);
void jw_close(struct jw *w, char close);
void jw_str(struct jw *w, const char *key, const char *value); /* NULL value: null */
void jw_int(struct jw *w, const char *key, int64_t value);
void jw_fen(struct jw *w, const char *key, int64_t fen);
void jw_bp(struct jw *w, const char *key, int32_t bp);     /* ratio 0.65 */
void jw_time(struct jw *w, const char *key, datetime_s t); /* "YYYY-MM-DD HH:MM:SS" */
void jw_raw(struct jw *w, const char *key, const char *json, size_t len);
datetime_s svc_unix_to_local(int64_t unix_s);

/* ---- handlers ---------------------------------------------------------- */
typedef int (*svc_handler)(struct svc_call *c);
enum svc_institutions { SVC_FOR_HOSPITALS = 1, SVC_FOR_PHARMACIES = 2, SVC_FOR_ANY = 3 };
enum svc_designation {
    SVC_DESIGNATION_NONE = 0, /* not checked (reads, a visit's own follow-ups, revokes) */
    SVC_DESIGNATION_NOW,      /* designated at the request's time (a visit opened or added to) */
    SVC_DESIGNATION_BILL,     /* at the bill's date, by the settlement use case */
};
/* What a catalog transaction lists (txn_catalog.c). */
enum svc_list {
    SVC_LIST_NONE = 0,
    SVC_LIST_DRUGS,     /* 1301: codes X (western), Z (patent Chinese), T (herbal pieces) */
    SVC_LIST_SERVICES,  /* 1305: any other code */
    SVC_LIST_MATERIALS, /* 1306: codes C (consumables) */
    SVC_LIST_DIAGNOSES, /* 1307: the policies' special diseases and waived prefixes */
    SVC_LIST_ITEMS,     /* 1312: every item, paged */
    SVC_LIST_CAPS,      /* 1318: price caps, paged */
    SVC_LIST_SELFPAY,   /* 1319: pre-self-pay ratios, paged */
};
#define SVC_PAGE_SIZE_MAX 500         /* 1312/1318/1319: rows per page */
#define SVC_FILE_QURY_NO_BYTES_MAX 40 /* file_qury_no: C(40) */
/* One row per infno (service.c), with designated initialisers: what a
 * handler needs to know of its transaction it reads here, never from the
 * infno's digits. */
struct svc_txn {
    const char *infno;
    svc_handler run;
    enum svc_institutions institutions; /* which kinds of institution may call it */
    enum visit_kind visit;              /* the visit kind it handles; 0: none (one-shot, queries) */
    bool writes;                        /* changes the store or the service tables */
    bool replayable; /* a write whose answer we keep by msgid (non-store writes) */
    enum svc_designation designation;
    /* a replayable write's work that needs no write: runs on the HTTP
     * thread before run() is queued (c->prepared_rc is its result) */
    svc_handler prepare;
    const char *med_type; /* a one-shot bill's med_type when its data gives none */
    /* reads a person's data (name, ID number, balance): rate-limited per
     * credential and audited (svc_audit) before it is answered */
    bool reads_person;
    enum svc_list list; /* a catalog transaction's list */
    /* runs the engine for an answer that admits nothing (a fee upload's
     * per-line split): the rules (docs/RULES.md) are not run; they run
     * when the lines are settled, and in 3101/3102 */
    bool rules_off;
    /* a replayable write's statement sent ahead with its kept answer's
     * read, on the writer, when prepare succeeded (svcdb_fee_insert_ahead):
     * one round trip less a job on PostgreSQL */
    svc_handler write_ahead;
};
const struct svc_txn *svc_txn_find(const char *infno);

int txn_signin(struct svc_call *c);           /* 9001 */
int txn_signout(struct svc_call *c);          /* 9002 */
int txn_person(struct svc_call *c);           /* 1101 */
int txn_cumulative(struct svc_call *c);       /* 5206 */
int txn_benefit_check(struct svc_call *c);    /* 2001 */
int txn_reverse(struct svc_call *c);          /* 2601 */
int txn_setl_query(struct svc_call *c);       /* 5203 */
int txn_reconcile(struct svc_call *c);        /* 3201 */
int txn_register(struct svc_call *c);         /* 2201 */
int txn_register_cancel(struct svc_call *c);  /* 2202, 2404 */
int txn_visit_info(struct svc_call *c);       /* 2203 */
int txn_info_ahead(struct svc_call *c);       /* 2203 prepare: its visit named, its row */
int txn_register_prepare(struct svc_call *c); /* 2201 prepare: the row it inserts */
int txn_visit_ahead(struct svc_call *c);      /* 2201, 2203: the row sent ahead */
int txn_fee_prepare(struct svc_call *c);      /* 2204, 2301: checks and answers */
int txn_fee_upload(struct svc_call *c);       /* 2204, 2301: writes */
int txn_fee_ahead(struct svc_call *c);        /* 2204, 2301: the lines sent ahead */
int txn_fee_withdraw(struct svc_call *c);     /* 2205, 2302 */
int txn_admit(struct svc_call *c);            /* 2401 */
int txn_discharge(struct svc_call *c);        /* 2402 */
int txn_admit_change(struct svc_call *c);     /* 2403 */
int txn_presettle(struct svc_call *c);        /* 2206, 2303 */
int txn_settle(struct svc_call *c);           /* 2207, 2304 */
int txn_revoke(struct svc_call *c);           /* 2208, 2305, 2103 */
int txn_pharmacy(struct svc_call *c);         /* 2101 (pre), 2102 (settle) */
int txn_rules(struct svc_call *c);            /* 3101, 3102 (txn_rules.c) */
struct svc_catalog_text;
void svc_catalog_text_free(struct svc_catalog_text *t); /* NULL: nothing */
int txn_catalog_file(struct svc_call *c);               /* 1301, 1305, 1306, 1307 */
int txn_catalog_page(struct svc_call *c);               /* 1312, 1318, 1319 */
int txn_file_download(struct svc_call *c);              /* 9102 */
int txn_mapping_upload(struct svc_call *c);             /* 3301 */
int txn_inventory(struct svc_call *c);                  /* 3501-3506 (txn_inventory.c) */
int txn_inventory_delete(struct svc_call *c);           /* 3507 */
int txn_mapping_revoke(struct svc_call *c);             /* 3302 */
int txn_detail_reconcile(struct svc_call *c);           /* 3202 */
/* txn_query.c: 3202's file of the period's settlements (9102 makes it
 * again from its file_qury_no): the lines into out, their count. */
int svc_detail_file(struct svc_call *c, datetime_s begn, datetime_s end, struct json_buf *out,
                    int64_t *rows);
/* txn_visit.c: med_chrgitm_type of a national list code */
const char *svc_charge_item_type(const char *code);

/* txn_visit.c helpers shared with settlement */
int svc_visit_load(struct svc_call *c, const struct json_value *obj, const char *path,
                   struct svc_visit *visit);
/* The bill a visit settles: its data, dates, and the given lines. */
void svc_visit_bill(const struct svc_visit *v, struct bill *bill, struct bill_line *lines,
                    int32_t count, datetime_s latest_fee);
/* txn_settle.c: runs the engine for a bill of psn_no against the committed
 * state (no commit); on refusal fills c->err naming code, field and line. */
int svc_engine(struct svc_call *c, const char *psn_no, const struct bill *bill,
               int32_t insutype_asked, struct app_settle_answer *ans,
               struct line_result *line_results);
/* The same for a per-line split alone (line_results, and the refusal):
 * no year state, balance or bindings read (app_store_lines_reader); the
 * settlement figures in ans are not the person's. */
int svc_engine_lines(struct svc_call *c, const char *psn_no, const struct bill *bill,
                     int32_t insutype_asked, struct app_settle_answer *ans,
                     struct line_result *line_results);
/* visit_cache.c: the visits this server committed last, for 2204's
 * prepare; open (PostgreSQL only) -1 when out of memory; get: a copy when
 * kept; put and drop after a commit or a stale find. */
int svc_visit_cache_open(struct service *svc);
void svc_visit_cache_close(struct service *svc);
bool svc_visit_cache_get(struct service *svc, int64_t id, struct svc_visit *out);
void svc_visit_cache_put(struct service *svc, const struct svc_visit *v);
void svc_visit_cache_drop(struct service *svc, int64_t id);
/* service.c: a request on a registry snapshot not confirmed current
 * (c->registry_unconfirmed) whose read returned the generation gen (-1:
 * none): when it moved (or is unknown), the snapshot is taken afresh and
 * the institution checked again on it (a refusal then is the answer). */
int svc_registry_confirm(struct svc_call *c, int64_t gen);
/* txn_visit.c: leaves v to be cached once the job's write committed. */
void svc_visit_note(struct svc_call *c, const struct svc_visit *v);
/* True while a settlement of the visit is between its read and its link. */
bool svc_visit_settling(struct service *svc, int64_t visit_id);
/* The mdtrt_id a settlement belongs to ("" for one-shot settlements). */
int svc_settlement_mdtrt(struct svc_call *c, int64_t setl_id, char *out, size_t size);
/* The settlement named by data.setl_id; must be this institution's. */
int svc_own_settlement(struct svc_call *c, const struct json_value *data, const char *path,
                       struct journal_rec *rec, struct store_settlement *stl, bool *revoked);
/* A settlement answer: the engine's figures and what clients read beside
 * them (docs/INTEROP.md, "What clients read"). */
struct svc_setl_answer {
    const struct store_settlement *stl;
    int64_t setl_id;      /* its setl_id (a revoke: the revoke's record) */
    const char *mdtrt_id; /* "" for a one-shot */
    const char *psn_no;
    const char *med_type;       /* "11", "21", ...; "" when not known here */
    int64_t time_s;             /* when settled (unix seconds) */
    int sign;                   /* 1, or -1 for a revoke (flows negated) */
    const char *refd_setl_flag; /* 5203: "0"/"1"; NULL: left out */
    const struct bill *bill;    /* the bill settled; NULL: read from the journal */
    int64_t init_setl_id;       /* a revoke: the settlement revoked */
};
/* Writes "setlinfo" and "setldetail" members. The person's fields come
 * from the registry (an unreadable person leaves them empty: the answer of
 * a committed settlement is never withheld for them). */
void svc_write_settlement(struct svc_call *c, struct jw *w, const struct svc_setl_answer *a);
/* txn_query.c: the person type code of a category; the age at a time. */
const char *svc_psn_type_code(enum category cat);
int svc_age_at(const char *brdy, int64_t now_s);
/* One fee line's split (2204's result[], a pharmacy's detlcutinfo[]). */
void svc_write_line(struct jw *w, const struct bill_line *l, const struct line_result *r);
/* A one-shot settlement's mdtrt_id: "MDS" + its setl_id, 10 digits. */
void svc_oneshot_mdtrt_id(int64_t setl_id, char out[24]);
/* "21" for MED_TYPE_INPATIENT, ... ; "" for MED_TYPE_INVALID. */
const char *svc_med_type_text(enum med_type t, char out[8]);

#endif
