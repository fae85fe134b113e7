/* service_db_pg.c: the service's own tables on PostgreSQL (svcdb.h): the
 * store's database, through our own libpq connection and our own tables
 * (svc_*), created and upgraded by the database's migrations (schema_pg.c,
 * under an advisory lock: two processes may open at once). Statements are
 * prepared once per connection; parameters go as text. synchronous_commit
 * is on (off only with sync_off), so a commit returns once durable, as
 * with SQLite's synchronous=FULL. Visit ids and sign-in numbers (sign_no) come from sequences;
 * fee lines keep their upload order in a sequence column. Used nonces are
 * written in one statement per flush (unnest of arrays).
 *
 * Transaction control costs no round trip of its own: BEGIN, a request's
 * SAVEPOINT (svcq.c) and the previous request's RELEASE are kept due and
 * sent with the next statement, in one round trip (libpq's pipeline mode:
 * each due command, then the statement, then one sync; when one fails,
 * the rest is not run and the statement fails as if it had), and a
 * RELEASE still due at the end goes with the COMMIT (one simple query of
 * two statements). A request's first statement is mostly the read of its
 * kept answer, so a batch of n requests takes n + 1 round trips of its own
 * instead of 2n + 2 (3n + 2 with RELEASE sent alone); a batch of
 * replayable writes piped takes two ("a batch's jobs piped" below). A savepoint that
 * saw no statement is neither sent nor released, a transaction that saw
 * none is neither begun nor committed. The kept answer's read of a
 * replayable write also returns the registry's generation and locks the
 * visit its job goes on with (S_ANS_GEN_GET): two reads fewer, each a
 * round trip (service.c, registry_now; svcdb_answer_gen_get).
 *
 * A request's last statement, the INSERT of its kept answer, is held too
 * (pg_answer_put) and goes first in the next round trip, before the
 * RELEASE: with the next request's first statement or with the COMMIT.
 * When it fails there (its msgid taken meanwhile by another writer), that
 * request alone is undone, rolled back to its savepoint, and the writer
 * fails it (svcdb_held_failed, svcq.c); the others go on (held_recover,
 * commit_held). A settlement's read takes the visit's count of links with
 * its open lines (S_FEE_OPEN, count_visit_id).
 *
 * A fee upload's INSERT of its lines (2204/2301) goes ahead too: its
 * parameters are known before its job runs (the prepare step checked and
 * priced the lines), so it is sent right after the job's kept-answer read,
 * in that round trip (fee_insert_ahead, S_FEE_INS_NEW): after the visit's
 * lock, and inserting nothing when the msgid has a kept answer (a replay
 * writes nothing). The job then checks the visit as before and takes the
 * INSERT's outcome instead of sending it; a job that fails is rolled back
 * with its lines, and one that answers without taking them must have
 * written none (svcdb_ahead_end). One round trip less an upload.
 *
 * 2201's INSERT of its visit and 2203's UPDATE go ahead the same way
 * (visit_write_ahead, S_VISIT_INS_NEW, S_VISIT_UPD_NEW): the prepare step
 * computed the row on the HTTP thread (2203's from the visit as this
 * server cached it), and the UPDATE writes only while the row is the one
 * cached. The job decides as before, on its locked read; its own INSERT
 * or UPDATE takes the outcome when it writes the same row, and otherwise
 * writes its row in its turn (over the one sent ahead). Two round trips
 * less a visit.
 *
 * A transaction's first request takes no savepoint (unsaved): nothing of
 * the transaction ran before it, so undoing it alone is a ROLLBACK, and
 * the next statement begins the transaction again (a request refused, or
 * its held INSERT failing: held_recover_unsaved, commit_held). Batches
 * hold two to three requests, so this saves about a third of the
 * SAVEPOINT and RELEASE commands, each a subtransaction in the cluster,
 * with an XID of its own once it writes.
 *
 * Plans: every session runs at plan_cache_mode = force_generic_plan, so
 * that a statement is planned once per session, not at each call, and
 * with enable_seqscan = off, so that a plan made while a table was a page
 * or two (where reading the page beats the index) is never a sequential
 * scan kept while the table grows until autovacuum's next ANALYZE: that
 * trap cost the store's journal its speed once (store_pg.c's top), and
 * the commit queue's link of visits hit it when tried at generic plans
 * (a scan of svc_fee a batch). Every table here has an index for each
 * statement's key. Under
 * the default (auto) PostgreSQL plans a statement's first five calls for
 * their values and then keeps planning at every call whenever those plans
 * looked cheaper than the generic one: a settlement's read of a visit's
 * open lines (S_FEE_OPEN, S_VISIT_LINES) did, in some runs and not in
 * others, for a new visit id the statistics have not seen (about 5 % of
 * the machine's CPU in the visit flow's profile, on one connection, and a
 * run's noise). Every statement reads by a key or a key's prefix, whose
 * generic plan is an index scan whatever the tables' size (checked with
 * EXPLAIN on an empty and on a grown database), except the few whose plan
 * depends on their values, a time range with a LIMIT over a growing table
 * (stmt_valued): those are sent with their integers in their text
 * (exec_valued), so planned for them at each call, as before.
 *
 * A dropped connection is re-established at the start of the next unit of
 * work only (pgconn.h): BEGIN, or a statement outside a transaction; then
 * the session settings and the prepared statements are made again. Inside
 * a transaction nothing is retried: the request fails, and its client may
 * resend it with the same msgid. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/svcdb.h"
#include "store/pgconn.h"
#include "store/schema.h"
#include "store/store_columns.h"

#define PGDB_ERR_BYTES 512
#define PGDB_PARAMS_MAX 15    /* parameters of the widest statement */
#define PGDB_INT_BYTES 24     /* an int64 as text */
#define PGDB_VALUED_BYTES 512 /* a statement of stmt_valued with its values (exec_valued) */
#define PG_FEE_ARRAYS 6  /* fee_insert's array parameters: sn, codg, cnt, pric, amount, bchno */
#define PG_HELD_PARAMS 6 /* the kept answer's INSERT (S_ANS_PUT) */
#define PG_FEE_AHEAD_PARAMS 10       /* S_FEE_INS_NEW: S_FEE_INS's 8, the answer's code and msgid */
#define PG_VISIT_INS_AHEAD_PARAMS 16 /* S_VISIT_INS_NEW: the 14 columns, code, msgid */
#define PG_VISIT_UPD_AHEAD_PARAMS \
    31 /* S_VISIT_UPD_NEW: the 14 columns, id, 14 expected, code, msgid */
#define PG_AHEAD_PARAMS_MAX PG_VISIT_UPD_AHEAD_PARAMS
#define PG_PIPE_MAX \
    6 /* a round trip: held INSERT, BEGIN, RELEASE, SAVEPOINT, statement, write ahead */
/* a piped batch's round trip: the due commands, then each job's two */
#define PG_PIPED_ITEMS_MAX (PG_PIPE_MAX + 2 * SVCQ_PIPED_MAX)

/* A job's first round trip in a piped batch (svcdb_piped_job): its
 * statement and the write sent ahead with it, as staged (owned copies of
 * their parameters), then their results. */
struct piped_stmt {
    char name[16];
    const char *label;
    int n;
    char *values[PG_AHEAD_PARAMS_MAX];
};
struct piped_job {
    struct piped_stmt stmts[2];
    int count;        /* statements staged: 0 (none yet), 1 or 2 */
    PGresult *out[2]; /* their results once sent, until taken */
    bool taken;
};
struct piped_put {
    char *values[PG_HELD_PARAMS]; /* a kept answer's INSERT (S_ANS_PUT) */
};

enum stmt_id {
    S_CRED_GET,
    S_ANS_GET,
    S_ANS_PUT,
    S_ANS_PRUNE,
    S_SIGNIN_PUT,
    S_VISIT_INS,
    S_VISIT_GET,
    S_VISIT_LOCK,
    S_VISIT_UPD,
    S_FEE_INS,
    S_FEE_INS_NEW,
    S_VISIT_INS_NEW,
    S_VISIT_UPD_NEW,
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
    S_AUDIT_PUT,
    S_MAP_PUT,
    S_MAP_DEL,
    S_ANS_GEN_GET,
    S_INV_PUT,
    S_INV_DEL,
    S_VISIT_LINES,
    S_VISIT_PROBE,
    S_BEGIN, /* the transaction's commands of a round trip's pipeline (cmd_item) */
    S_SAVEPOINT,
    S_RELEASE,
    S_COMMIT,
    S_COUNT
};

#define SIGNIN_SELECT                                                              \
    "SELECT s.sign_no, s.code, s.time_s, COALESCE(o.time_s, 0) FROM svc_signin s " \
    "LEFT JOIN svc_signout o ON o.sign_no = s.sign_no "

#define VISIT_COLS_N 14 /* VISIT_COLS' count */
#define VISIT_COLS                                                                  \
    "kind, status, code, psn_no, insutype, med_type, begntime, endtime, dise_codg," \
    " spec_dise_codg, out_of_area, filed, ipt_otp_no, setl_id"

/* VISIT_COLS' values from parameters $a..$n, typed (an INSERT ... SELECT
 * does not take its target columns' types) */
#define VISIT_VALUES_TYPED(a, b, c, d, e, f, g, h, i, j, k, l, m, n)                       \
    "$" a "::int, $" b "::int, $" c "::text, $" d "::text, $" e "::int, $" f "::text, $" g \
    "::bigint, $" h "::bigint, $" i "::text, $" j "::text, $" k "::int, $" l "::int, $" m  \
    "::text, "                                                                             \
    "$" n "::bigint"

#define VISIT_VALUES_1_14 \
    VISIT_VALUES_TYPED("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14")
#define VISIT_VALUES_16_29                                                                     \
    VISIT_VALUES_TYPED("16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", \
                       "28", "29")
#define VISIT_SET_1_14                                                                              \
    "kind = $1, status = $2, code = $3, psn_no = $4, insutype = $5, med_type = $6, begntime = $7, " \
    "endtime = $8, dise_codg = $9, spec_dise_codg = $10, out_of_area = $11, filed = $12, "          \
    "ipt_otp_no = $13, setl_id = $14"

/* msgid $m of code $c has no kept answer (a write sent ahead of its job) */
#define NO_KEPT_ANSWER(c, m) \
    "NOT EXISTS (SELECT 1 FROM svc_answer x WHERE x.code = $" c " AND x.msgid = $" m ")"

/* VISIT_COLS of a table named v */
#define VISIT_COLS_V                                                                    \
    "kind, v.status, v.code, v.psn_no, v.insutype, v.med_type, v.begntime, v.endtime, " \
    "v.dise_codg, v.spec_dise_codg, v.out_of_area, v.filed, v.ipt_otp_no, v.setl_id"

/* all of an upload's lines in one statement, in their order; a line
 * whose sn the visit has already, or an earlier line of the upload
 * has (refund lines skip the engine's E_DUP_LINE), is not inserted
 * (RETURNING: the ones that were). Not ON CONFLICT: its speculative
 * insertion takes a lock and logs one more WAL record per line. The
 * job holds the visit's row lock (visit_get FOR UPDATE), so no other
 * transaction adds lines to this visit meanwhile (one that did anyway
 * would fail this statement on the key, never make a second row) */
#define FEE_INS_SQL(more)                                                                        \
    "INSERT INTO svc_fee (visit_id, sn, codg, cnt, pric, amount, ocur, setl_id, bchno) "         \
    "SELECT $1, u.sn, u.codg, u.cnt, u.pric, u.amount, $7, 0, u.bchno FROM (SELECT *, "          \
    "row_number() OVER (PARTITION BY sn ORDER BY n) AS k FROM unnest($2::text[], $3::text[], "   \
    "$4::bigint[], $5::bigint[], $6::bigint[], $8::text[]) WITH ORDINALITY AS w(sn, codg, cnt, " \
    "pric, amount, bchno, n)) AS u WHERE u.k = 1 AND NOT EXISTS (SELECT 1 FROM svc_fee e WHERE " \
    "e.visit_id = $1 AND e.sn = u.sn)" more " ORDER BY u.n RETURNING sn"

static const char *const stmt_sql[S_COUNT] = {
    [S_INV_PUT] = "INSERT INTO inv_records (fixmedins_code, infno, fixmedins_bchno, med_list_codg, "
                  "day, cnt, inv_chg_type, setl_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                  "ON CONFLICT (fixmedins_code, infno, fixmedins_bchno) DO NOTHING RETURNING 1",
    [S_INV_DEL] = "DELETE FROM inv_records WHERE fixmedins_code = $1 AND infno IN ($2, $3) AND "
                  "fixmedins_bchno = $4",
    /* xmax = 0: the row was inserted, not updated */
    [S_MAP_PUT] =
        "INSERT INTO svc_mapping (code, list_type, hilist_id, hilist_name, med_list_codg, "
        "begndate, enddate, time_s) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
        "ON CONFLICT (code, list_type, hilist_id) DO UPDATE SET hilist_name = "
        "excluded.hilist_name, med_list_codg = excluded.med_list_codg, begndate = "
        "excluded.begndate, enddate = excluded.enddate, time_s = excluded.time_s "
        "RETURNING (xmax <> 0)::int",
    [S_MAP_DEL] = "DELETE FROM svc_mapping WHERE code = $1 AND list_type = $2 AND hilist_id = $3 "
                  "AND med_list_codg = $4",
    [S_AUDIT_PUT] = "INSERT INTO svc_audit (time_s, paasid, code, infno, msgid, psn_no, outcome) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7)",
    [S_CRED_GET] = "SELECT token, fixmedins_code, status, token_version, key_id, hmac_required "
                   "FROM svc_credential WHERE paasid = $1",
    [S_ANS_GET] = "SELECT infno, answer, time_s, req_hash FROM svc_answer WHERE code = $1 AND "
                  "msgid = $2",
    /* the kept answer, the registry's generation (store_registry_refresh)
     * and, when $3 names one, the visit the job goes on with, locked, in
     * one statement: always one row, the answer's or the visit's columns
     * NULL when there is none */
    [S_ANS_GEN_GET] = "WITH v AS MATERIALIZED (SELECT " VISIT_COLS " FROM svc_visit WHERE id = $3 "
                      "FOR UPDATE) SELECT a.infno, a.answer, a.time_s, a.req_hash, g.gen, v.* FROM "
                      "(" REGISTRY_GEN_SQL ") AS g(gen) LEFT JOIN svc_answer a ON a.code = $1 AND "
                      "a.msgid = $2 LEFT JOIN v ON true",
    [S_ANS_PUT] = "INSERT INTO svc_answer (code, msgid, infno, answer, time_s, req_hash) "
                  "VALUES ($1, $2, $3, $4, $5, $6)",
    /* svc_answer_live holds the answers not yet pruned, oldest first */
    [S_ANS_PRUNE] = "UPDATE svc_answer SET answer = '' WHERE (code, msgid) IN (SELECT code, msgid "
                    "FROM svc_answer WHERE answer <> '' AND time_s < $1 ORDER BY time_s LIMIT $2)",
    [S_SIGNIN_PUT] = "INSERT INTO svc_signin (sign_no, code, opter_no, time_s) "
                     "VALUES ($4, $1, $2, $3)",
    [S_VISIT_INS] = "INSERT INTO svc_visit (" VISIT_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, "
                    "$8, $9, $10, $11, $12, $13, $14) RETURNING id",
    [S_VISIT_GET] = "SELECT " VISIT_COLS " FROM svc_visit WHERE id = $1",
    [S_VISIT_LOCK] = "SELECT " VISIT_COLS " FROM svc_visit WHERE id = $1 FOR UPDATE",
    [S_VISIT_UPD] = "UPDATE svc_visit SET " VISIT_SET_1_14 " WHERE id = $15",
    /* 2201's INSERT and 2203's UPDATE sent ahead of their jobs' checks,
     * with the kept answer's read (visit_write_ahead): nothing written
     * when the msgid ($15, $16; $30, $31) has a kept answer, nor, for the
     * UPDATE, unless the row is the one its job will read ($16-$29) */
    [S_VISIT_INS_NEW] = "INSERT INTO svc_visit (" VISIT_COLS ") SELECT " VISIT_VALUES_1_14
                        " WHERE " NO_KEPT_ANSWER("15", "16") " RETURNING id",
    [S_VISIT_UPD_NEW] = "UPDATE svc_visit SET " VISIT_SET_1_14 " WHERE id = $15 AND (" VISIT_COLS
                        ") = (" VISIT_VALUES_16_29
                        ") AND " NO_KEPT_ANSWER("30", "31") " RETURNING id",
    [S_FEE_INS] = FEE_INS_SQL(""),
    /* the same sent ahead of its job's checks, with the kept answer's read
     * (fee_insert_ahead): inserts nothing when the msgid ($9, $10) has a
     * kept answer, as the job then answers that and writes nothing */
    [S_FEE_INS_NEW] = FEE_INS_SQL(" AND " NO_KEPT_ANSWER("9", "10")),
    /* a settlement of one charge batch ($2), or of every one (''), takes
     * the lines uploaded without a batch too; with the visit's count of
     * settlement links (S_SETL_COUNT's), so that a settlement's read, which
     * asks for both, makes one round trip of them: always a row, the
     * line's columns NULL when there is none */
    [S_FEE_OPEN] = "SELECT s.n, f.sn, f.codg, f.cnt, f.pric, f.amount, f.ocur FROM (SELECT "
                   "count(*) FROM svc_setl WHERE visit_id = $1) AS s(n) LEFT JOIN (SELECT sn, "
                   "codg, cnt, pric, amount, ocur, ord FROM svc_fee WHERE visit_id = $1 AND "
                   "setl_id = 0 AND ($2 = '' OR bchno = $2 OR bchno = '')) AS f ON true "
                   "ORDER BY f.ord",
    /* a settlement's link by msgid ($2), then the visit $1 locked
     * (probe_ahead): always a row, either's columns NULL when there is none */
    [S_VISIT_PROBE] = "WITH v AS MATERIALIZED (SELECT " VISIT_COLS " FROM svc_visit WHERE id = $1 "
                      "FOR UPDATE) SELECT p.setl_id, p.visit_id, v.* FROM (SELECT 1) AS one(x) "
                      "LEFT JOIN (SELECT setl_id, visit_id FROM svc_setl WHERE msgid = $2 LIMIT 1) "
                      "AS p ON true LEFT JOIN v ON true",
    /* the registry's generation, then a visit, then S_FEE_OPEN's columns
     * (lines_ahead): always a row, the visit's columns NULL when there is
     * none, the line's when it has no open line; the count is a scalar
     * subquery, run once (as a joined aggregate it was scanned again for
     * every open line) */
    [S_VISIT_LINES] =
        "SELECT g.gen, v." VISIT_COLS_V ", (SELECT count(*) FROM svc_setl WHERE "
        "visit_id = $1), f.sn, f.codg, f.cnt, f.pric, f.amount, f.ocur FROM (" REGISTRY_GEN_SQL
        ") AS g(gen) LEFT JOIN svc_visit v ON v.id = $1 LEFT JOIN "
        "(SELECT sn, codg, cnt, pric, amount, ocur, ord FROM svc_fee WHERE visit_id "
        "= $1 AND setl_id = 0 AND ($2 = '' OR bchno = $2 OR bchno = '')) AS f ON "
        "v.id IS NOT NULL ORDER BY f.ord",
    [S_FEE_DEL_ONE] = "DELETE FROM svc_fee WHERE visit_id = $1 AND setl_id = 0 AND sn = $2 "
                      "AND ($3 = '' OR bchno = $3)",
    [S_FEE_DEL_ALL] = "DELETE FROM svc_fee WHERE visit_id = $1 AND setl_id = 0 "
                      "AND ($2 = '' OR bchno = $2)",
    [S_FEE_MARK] = "UPDATE svc_fee SET setl_id = $3 WHERE visit_id = $1 AND setl_id = $2 "
                   "AND ($4 = '' OR bchno = $4 OR bchno = '')",
    [S_FEE_LAST_SETL] = "SELECT coalesce(max(setl_id), 0) FROM svc_fee WHERE visit_id = $1",
    [S_FEE_SETLS] = "SELECT DISTINCT setl_id FROM svc_fee WHERE visit_id = $1 AND setl_id > 0 "
                    "ORDER BY setl_id LIMIT $2",
    /* a refund ($2, negative) into the unsettled line $3 of its item and price */
    [S_FEE_REFUND] = "UPDATE svc_fee AS f SET cnt = f.cnt + r.cnt, amount = f.amount + r.amount "
                     "FROM (SELECT cnt, amount, codg, pric FROM svc_fee WHERE visit_id = $1 AND "
                     "sn = $2 AND setl_id = 0) AS r WHERE f.visit_id = $1 AND f.sn = $3 AND "
                     "f.setl_id = 0 AND f.codg = r.codg AND f.pric = r.pric AND r.cnt < 0 AND "
                     "f.cnt + r.cnt >= 0 AND f.amount + r.amount >= 0",
    [S_FEE_SET_ASIDE] = "UPDATE svc_fee SET setl_id = -1 WHERE visit_id = $1 AND sn = $2 AND "
                        "setl_id = 0",
    [S_SETL_PUT] = "INSERT INTO svc_setl (setl_id, visit_id, msgid) VALUES ($1, $2, $3) "
                   "ON CONFLICT (setl_id) DO NOTHING",
    [S_SETL_BY_MSGID] = "SELECT setl_id, visit_id FROM svc_setl WHERE msgid = $1",
    [S_SETL_VISIT] = "SELECT visit_id FROM svc_setl WHERE setl_id = $1",
    [S_SETL_COUNT] = "SELECT count(*) FROM svc_setl WHERE visit_id = $1", /* svc_setl_visit */
    [S_NONCE_PUT] = "INSERT INTO svc_nonce_batch (max_ts, nonces) VALUES ($1, $2)",
    [S_NONCE_SCAN] = "SELECT nonces FROM svc_nonce_batch WHERE max_ts >= $1 ORDER BY id",
    [S_NONCE_PRUNE] = "DELETE FROM svc_nonce_batch WHERE max_ts < $1",
    [S_SIGNIN_GET] = SIGNIN_SELECT "WHERE s.sign_no = $1",
    [S_SIGNIN_SCAN] = SIGNIN_SELECT "WHERE s.time_s >= $1",
    [S_SIGNOUT_PUT] = "INSERT INTO svc_signout (sign_no, opter_no, time_s) VALUES ($1, $2, $3)",
    /* prepared like the others, so that the server does not parse them at
     * every use (a visit's requests send about eight) */
    [S_BEGIN] = "BEGIN",
    [S_SAVEPOINT] = "SAVEPOINT request",
    [S_RELEASE] = "RELEASE SAVEPOINT request",
    [S_COMMIT] = "COMMIT",
};

/* The statements whose best plan depends on their values: a range of
 * times (with a LIMIT) over a table that grows. exec_valued runs them. */
static bool stmt_valued(enum stmt_id id) {
    return id == S_ANS_PRUNE || id == S_SIGNIN_SCAN || id == S_NONCE_SCAN || id == S_NONCE_PRUNE;
}

/* a visit's VISIT_COLS and its id as text parameters (visit_params) */
struct visit_params {
    char num[8][PGDB_INT_BYTES];
    const char *v[PGDB_PARAMS_MAX];
};

/* what a job sent ahead with its kept answer's read */
enum ahead_kind { AHEAD_FEE, AHEAD_VISIT_INSERT, AHEAD_VISIT_UPDATE };

struct pgdb {
    struct svcdb base; /* first: the front's handle */
    PGconn *pg;
    struct pgconn_watch watch; /* sees the server's goodbye while idle */
    bool sync_off;             /* synchronous_commit = off for this session */
    bool in_tx;                /* between BEGIN and COMMIT / ROLLBACK: never reconnect */
    bool begin_due;            /* the transaction begun, its BEGIN not sent */
    bool begin_reconnected;    /* the unit's start reconnected already: no second try */
    bool release_due;          /* the request's savepoint released, its RELEASE not sent */
    bool savepoint_due;        /* the request's savepoint taken, its SAVEPOINT not sent */
    bool unsaved;              /* the request is the transaction's first: no savepoint (top) */
    bool broken;               /* a reconnect or its session set-up failed: again next unit */
    /* the visit locked by the last statement (answer_gen_get): the next
     * visit_get of that id, when it is the next call, takes it from here */
    int64_t ahead_id; /* 0: none */
    bool ahead_found;
    struct svc_visit ahead;
    /* the count of a visit's settlement links read with its open lines
     * (fee_open): the next setl_count of that id, when it is the next
     * call inside the transaction, takes it from here */
    int64_t count_visit_id; /* 0: none */
    int64_t count_n;
    /* lines_ahead: the next visit_get outside a transaction reads the
     * visit's open lines of lines_bchno too (S_VISIT_LINES), kept in
     * lines_res for the fee_open of that visit and batch, when it is the
     * next call; any other statement drops both */
    bool lines_want;
    char lines_bchno[CODE_BYTES_MAX + 1];
    int64_t *lines_gen; /* where the generation read with them goes */
    /* probe_ahead: the next visit_get inside a transaction looks up the
     * link of probe_msgid too (S_VISIT_PROBE), into *probe_out */
    bool probe_want;
    bool probe_lines; /* and reads the open lines of lines_bchno after it */
    char probe_msgid[MSGID_BYTES_MAX + 1];
    struct svcdb_probe *probe_out;
    PGresult *lines_res;
    int64_t lines_visit_id;
    int lines_at; /* S_FEE_OPEN's first column in lines_res */
    /* a job's kept answer whose INSERT waits for the next round trip
     * (pg_answer_put; see the top) */
    bool held;                         /* an INSERT held, not sent yet */
    bool held_new;                     /* held by the job just run (svcdb_held_new) */
    bool held_failed;                  /* it failed after its job's release: that job undone */
    bool held_unsaved;                 /* its job ran unsaved: undone by a ROLLBACK */
    char *held_values[PG_HELD_PARAMS]; /* its parameters, malloc'd */
    char held_err[PGDB_ERR_BYTES];     /* why it failed */
    char err[PGDB_ERR_BYTES];
    struct json_buf arrays[PG_FEE_ARRAYS]; /* fee_insert's array parameters, reused */
    /* a job's write sent ahead (fee_insert_ahead, visit_write_ahead): it
     * goes with the next answer_gen_get (ahead_want), and its result waits
     * (ahead_res) for the job's call that makes the same write (fee_insert
     * of the same visit and count; visit_insert, visit_update of the same
     * row); ahead_end drops a result nobody took */
    bool ahead_want;
    enum ahead_kind ahead_kind;
    int64_t ahead_visit_id; /* the visit the kept answer's read locks (0: none) */
    int32_t ahead_fee_count;
    const char *ahead_values[PG_AHEAD_PARAMS_MAX];
    char ahead_ints[2][PGDB_INT_BYTES];
    char ahead_code[CODE_BYTES_MAX + 1];
    char ahead_msgid[SERVICE_MSGID_BYTES_MAX + 1];
    struct svc_visit ahead_row, ahead_old; /* a visit's: what it writes, what it expects */
    struct visit_params ahead_params[2];   /* their parameters */
    PGresult *ahead_res;
    /* a batch's jobs piped (svcdb_piped_job; see "piped" below): staging
     * or taking the results of piped[piped_k]'s first round trip */
    enum { PIPED_OFF, PIPED_STAGE, PIPED_TAKE } piped_mode;
    int piped_k, piped_n;    /* the job running; the jobs staged */
    bool piped_astray;       /* a job's statement was not its staged one */
    struct piped_job *piped; /* [SVCQ_PIPED_MAX], made on first use */
    struct piped_put *puts;  /* [SVCQ_PIPED_MAX]: the jobs' kept answers */
    int put_count;
};

static void piped_clear(struct pgdb *db);

static struct pgdb *pgd(struct svcdb *base) {
    assert(base != NULL && base->ops == &svcdb_pg_ops);
    return (struct pgdb *)base;
}

static const char *pg_error(struct svcdb *base) {
    struct pgdb *db = pgd(base);
    assert(memchr(db->err, '\0', sizeof db->err) != NULL);
    return db->err;
}

static void set_err(struct pgdb *db, const char *what, const PGresult *res) {
    assert(db != NULL && what != NULL);
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(db->pg);
    snprintf(db->err, sizeof db->err, "postgresql: %s: %s", what, msg && *msg ? msg : "error");
    pgconn_trim(db->err);
}

static int session_setup(struct pgdb *db);

/* At the start of a unit of work (outside a transaction): when the server
 * dropped the connection, or the last reconnect failed, one reconnect, and
 * the session made again; *reconnected (may be NULL) says it tried. */
static int ensure(struct pgdb *db, bool *reconnected) {
    assert(!db->in_tx); /* a reconnect inside a transaction would lose it */
    if (!db->broken && !pgconn_lost(db->pg, &db->watch)) return 0;
    if (reconnected) *reconnected = true;
    db->broken = true;
    if (pgconn_reset(db->pg, &db->watch, db->err, sizeof db->err) != 0) return -1;
    if (session_setup(db) != 0) {
        char why[PGDB_ERR_BYTES];
        snprintf(why, sizeof why, "%s", pgconn_unprefixed(db->err));
        snprintf(db->err, sizeof db->err, "postgresql: connection lost; reconnect failed: %.400s",
                 why);
        return -1;
    }
    db->broken = false;
    return 0;
}

/* One command of a round trip: a prepared statement (name, parameters) or
 * a transaction command's text; label names it in errors. */
struct pipe_item {
    const char *label;
    char name[16]; /* prepared; "": text */
    const char *text;
    int n;
    const char *const *values;
};

static struct pipe_item command(const char *text) {
    assert(text != NULL);
    return (struct pipe_item){.label = text, .text = text};
}

static struct pipe_item prepared(const char *label, const char *name, int n,
                                 const char *const *values) {
    struct pipe_item it = {.label = label, .n = n, .values = values};
    assert(name != NULL && strlen(name) < sizeof it.name);
    snprintf(it.name, sizeof it.name, "%s", name);
    return it;
}

/* One of the transaction's commands, prepared at the session's start; its
 * text names it in an error, as command()'s does. */
static struct pipe_item cmd_item(enum stmt_id id) {
    char name[16];
    assert(id >= S_BEGIN && id <= S_COMMIT);
    snprintf(name, sizeof name, "svc%d", (int)id);
    return prepared(stmt_sql[id], name, 0, NULL);
}

static struct pipe_item held_item(const struct pgdb *db) {
    char name[16];
    assert(db->held && db->held_values[0] != NULL);
    snprintf(name, sizeof name, "svc%d", (int)S_ANS_PUT);
    return prepared("kept answer", name, PG_HELD_PARAMS, (const char *const *)db->held_values);
}

static void held_clear(struct pgdb *db) {
    for (int i = 0; i < PG_HELD_PARAMS; i++) free(db->held_values[i]), db->held_values[i] = NULL;
    db->held = db->held_new = db->held_unsaved = false;
}

/* The transaction's due commands, in the order they were meant to run,
 * after the held INSERT (it belongs to the request before the RELEASE). */
static int due_items(struct pgdb *db, struct pipe_item items[PG_PIPE_MAX]) {
    int n = 0;
    assert(db->in_tx && (!db->release_due || !db->begin_due)); /* a RELEASE follows a BEGIN sent */
    assert(!db->held || !db->begin_due);
    if (db->held) items[n++] = held_item(db);
    if (db->begin_due) items[n++] = cmd_item(S_BEGIN);
    if (db->release_due) items[n++] = cmd_item(S_RELEASE);
    if (db->savepoint_due) items[n++] = cmd_item(S_SAVEPOINT);
    db->begin_due = db->release_due = db->savepoint_due = false;
    assert(n < PG_PIPE_MAX);
    return n;
}

/* Reads the pipeline's results up to its sync: those of items[0..n), the
 * last keep ones' kept in out[0..keep) when all succeeded; the first
 * failure names itself in db->err and its index in *failed_at. -1 on any
 * failure (out[] then to be cleared by the caller). */
static int pipeline_results(struct pgdb *db, const struct pipe_item *items, int n, int keep,
                            PGresult **out, int *failed_at) {
    struct pgconn_pipe_out o;
    assert(n >= 1 && n <= PG_PIPE_MAX && keep >= 1 && keep <= n && out[0] == NULL);
    if (pgconn_pipeline_results(db->pg, n, out, n - keep, &o) == 0) return 0;
    if (o.failed != NULL) {
        set_err(db, o.failed_at < n ? items[o.failed_at].label : "pipeline", o.failed);
        *failed_at = o.failed_at;
        PQclear(o.failed);
    } else {
        set_err(db, items[n - 1].label, NULL); /* the connection lost, or results missing */
    }
    return -1;
}

/* items[0..n) in one round trip (see the top); 0 with the last keep
 * ones' results in out[0..keep), or -1 (err set; out[] NULL; *failed_at:
 * the first that failed, -1 when none did). */
/* items[0..n) and a sync into the pipeline: whether all went. */
static bool pipe_send(struct pgdb *db, const struct pipe_item *items, int n) {
    bool sent = true;
    assert(n >= 1 && PQpipelineStatus(db->pg) == PQ_PIPELINE_ON);
    for (int i = 0; i < n && sent; i++)
        sent = items[i].name[0] != '\0'
                   ? PQsendQueryPrepared(db->pg, items[i].name, items[i].n, items[i].values, NULL,
                                         NULL, 0) == 1
                   : PQsendQueryParams(db->pg, items[i].text, 0, NULL, NULL, NULL, NULL, 0) == 1;
    return sent && PQpipelineSync(db->pg) == 1;
}

static int exec_kept(struct pgdb *db, const struct pipe_item *items, int n, int keep,
                     PGresult **out, int *failed_at) {
    assert(db->in_tx && n > 1 && n <= PG_PIPE_MAX && keep >= 1 && keep <= 2);
    for (int k = 0; k < keep; k++) out[k] = NULL;
    *failed_at = -1;
    if (PQenterPipelineMode(db->pg) != 1) return set_err(db, "pipeline mode", NULL), -1;
    bool sent = pipe_send(db, items, n);
    int rc = sent ? pipeline_results(db, items, n, keep, out, failed_at) : -1;
    if (!sent) set_err(db, items[n - 1].label, NULL);
    if (PQexitPipelineMode(db->pg) != 1) {
        rc = -1; /* results left unread: the connection is no longer of use */
        if (PQstatus(db->pg) == CONNECTION_OK) set_err(db, "pipeline mode", NULL);
        db->broken = true;
    }
    for (int k = 0; k < keep && rc != 0; k++) PQclear(out[k]), out[k] = NULL;
    return rc;
}

/* exec_kept of the last result alone: it, or NULL (err set). */
static PGresult *exec_items(struct pgdb *db, const struct pipe_item *items, int n, int *failed_at) {
    PGresult *out = NULL;
    return exec_kept(db, items, n, 1, &out, failed_at) == 0 ? out : NULL;
}

/* A round trip's own statement and, when n is 2, the write sent ahead
 * right after it (fee_insert_ahead): their results go to out[0], out[1]. */
struct stmt_tail {
    struct pipe_item items[2];
    int n;
};

/* The held INSERT failed, sent after its request's RELEASE with the next
 * request's SAVEPOINT and first statement, none of which ran: that earlier
 * request alone is undone (rolled back to its savepoint, which then serves
 * as the next request's: the state before it is the state after a failed
 * request) and fails (held_failed, svcq.c), and the statement runs again.
 * Anything else leaves the statement failed. */
static int held_recover(struct pgdb *db, bool released, const struct stmt_tail *t, PGresult **out) {
    assert(t->n >= 1 && t->n <= 2 && t->items[0].name[0] != '\0');
    if (!released || PQstatus(db->pg) != CONNECTION_OK ||
        PQtransactionStatus(db->pg) != PQTRANS_INERROR)
        return -1;
    snprintf(db->held_err, sizeof db->held_err, "%s", db->err);
    db->held_failed = true;
    struct pipe_item items[3] = {command("ROLLBACK TO SAVEPOINT request"), t->items[0],
                                 t->items[1]};
    int failed_at = -1;
    return exec_kept(db, items, 1 + t->n, t->n, out, &failed_at);
}

/* The held INSERT of a transaction's first request, which took no
 * savepoint, failed ahead of the next request's SAVEPOINT and first
 * statement, none of which ran: the transaction held that request alone,
 * so it is rolled back and that request fails (held_failed, svcq.c); the
 * transaction begins again with the statement, whose request is now the
 * first, unsaved. Anything else leaves the statement failed. */
static int held_recover_unsaved(struct pgdb *db, bool next_saved, const struct stmt_tail *t,
                                PGresult **out) {
    assert(t->n >= 1 && t->n <= 2 && t->items[0].name[0] != '\0');
    assert(!db->unsaved && !db->release_due);
    if (!next_saved || PQstatus(db->pg) != CONNECTION_OK ||
        PQtransactionStatus(db->pg) != PQTRANS_INERROR)
        return -1;
    snprintf(db->held_err, sizeof db->held_err, "%s", db->err);
    db->held_failed = true;
    db->unsaved = true;
    struct pipe_item items[4] = {command("ROLLBACK"), command("BEGIN"), t->items[0], t->items[1]};
    int failed_at = -1;
    return exec_kept(db, items, 2 + t->n, t->n, out, &failed_at);
}

/* The transaction's due commands and the tail in one round trip. */
static int tail_items(struct pgdb *db, const struct stmt_tail *t, PGresult **out, int *failed_at) {
    struct pipe_item items[PG_PIPE_MAX];
    int nd = due_items(db, items);
    assert(nd + t->n > 1 && nd + t->n <= PG_PIPE_MAX);
    for (int k = 0; k < t->n; k++) items[nd + k] = t->items[k];
    return exec_kept(db, items, nd + t->n, t->n, out, failed_at);
}

/* A statement (and its write ahead) with the transaction's due commands
 * (and the held INSERT): when the BEGIN among them met a connection lost
 * while idle, nothing of the transaction ran, so (unless the unit's start
 * reconnected already) one reconnect and the whole round trip again are
 * safe, as they were for a BEGIN sent alone. */
static int exec_in_tx(struct pgdb *db, const struct stmt_tail *t, PGresult **out) {
    bool begin = db->begin_due, release = db->release_due, savepoint = db->savepoint_due;
    bool held = db->held, held_unsaved = db->held_unsaved;
    int failed_at = -1;
    int rc = tail_items(db, t, out, &failed_at);
    if (held) held_clear(db); /* sent: its fate is known now */
    if (rc != 0 && held && failed_at == 0)
        return held_unsaved ? held_recover_unsaved(db, savepoint, t, out)
                            : held_recover(db, release && savepoint, t, out);
    if (rc == 0 || !begin || db->begin_reconnected || PQstatus(db->pg) == CONNECTION_OK) return rc;
    bool reconnected = false;
    db->in_tx = false;
    rc = ensure(db, &reconnected);
    db->in_tx = true;
    db->begin_reconnected = true;
    if (rc != 0) return -1;
    db->begin_due = begin, db->release_due = release, db->savepoint_due = savepoint;
    return tail_items(db, t, out, &failed_at);
}

static PGresult *piped_exec(struct pgdb *db, const struct pipe_item *item,
                            const struct pipe_item *extra, PGresult **extra_out);

/* Runs item (a prepared statement, or a text without parameters) and,
 * when extra is not NULL, that write right after it in the same round
 * trip (its result into *extra_out); NULL (err set, *extra_out NULL)
 * unless both succeeded. In a piped batch: piped_exec. */
static PGresult *exec_item(struct pgdb *db, const struct pipe_item *item,
                           const struct pipe_item *extra, PGresult **extra_out) {
    assert(item != NULL && item->n >= 0 && item->n <= PGDB_PARAMS_MAX);
    assert((extra == NULL) == (extra_out == NULL) && (extra == NULL || db->in_tx));
    db->ahead_id = db->count_visit_id =
        0; /* only the call right after it takes a visit read ahead */
    db->lines_want = db->probe_want = db->probe_lines = false;
    PQclear(db->lines_res);
    db->lines_res = NULL;
    if (db->piped_mode != PIPED_OFF) return piped_exec(db, item, extra, extra_out);
    if (!db->in_tx && ensure(db, NULL) != 0) return NULL;
    if (extra != NULL || db->begin_due || db->release_due || db->savepoint_due || db->held) {
        struct stmt_tail t = {.items = {*item}, .n = 1};
        if (extra != NULL) t.items[t.n++] = *extra;
        PGresult *out[2] = {NULL, NULL};
        if (exec_in_tx(db, &t, out) != 0) return NULL; /* err set */
        if (extra_out != NULL) *extra_out = out[1];
        return out[0];
    }
    PGresult *res = item->name[0] != '\0'
                        ? PQexecPrepared(db->pg, item->name, item->n, item->values, NULL, NULL, 0)
                        : PQexecParams(db->pg, item->text, 0, NULL, NULL, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return res;
    set_err(db, item->name[0] != '\0' ? item->name : item->label, res);
    PQclear(res);
    return NULL;
}

/* Runs a prepared statement, as exec_item. */
static PGresult *exec_ahead(struct pgdb *db, enum stmt_id id, int n, const char *const *values,
                            const struct pipe_item *extra, PGresult **extra_out) {
    char name[16];
    assert(id >= 0 && id < S_BEGIN && n >= 0 && n <= PGDB_PARAMS_MAX);
    snprintf(name, sizeof name, "svc%d", (int)id);
    struct pipe_item item = prepared(name, name, n, values);
    return exec_item(db, &item, extra, extra_out);
}

/* Runs one of the statements whose plan depends on its values (a time
 * bound, a LIMIT: stmt_valued), their integers written into its text, so
 * that it is planned for them: at force_generic_plan (see the top) its
 * prepared plan would read a whole table (checked with EXPLAIN). */
static PGresult *exec_valued(struct pgdb *db, enum stmt_id id, const int64_t *ints, int n) {
    char text[PGDB_VALUED_BYTES];
    size_t len = 0;
    assert(stmt_valued(id) && n >= 1 && n <= 2);
    for (const char *p = stmt_sql[id]; *p != '\0' && len < sizeof text - PGDB_INT_BYTES; p++) {
        int k = p[0] == '$' ? p[1] - '1' : -1;
        if (k < 0 || k >= n || (p[2] >= '0' && p[2] <= '9')) {
            text[len++] = *p;
            continue;
        }
        len += (size_t)snprintf(text + len, sizeof text - len, "%" PRId64, ints[k]);
        p++; /* past the digit */
    }
    assert(len < sizeof text - PGDB_INT_BYTES); /* the longest valued statement fits */
    text[len] = '\0';
    struct pipe_item item = command(text);
    return exec_item(db, &item, NULL, NULL);
}

/* Runs a prepared statement; NULL (err set) unless it succeeded. */
static PGresult *exec(struct pgdb *db, enum stmt_id id, int n, const char *const *values) {
    return exec_ahead(db, id, n, values, NULL, NULL);
}

/* Runs a statement that returns nothing of interest. */
static int run(struct pgdb *db, enum stmt_id id, int n, const char *const *values) {
    assert(n == 0 || values != NULL);
    PGresult *res = exec(db, id, n, values);
    PQclear(res);
    return res ? 0 : -1;
}

static int simple(struct pgdb *db, const char *sql, const char *want_status) {
    assert(db->pg != NULL && sql != NULL);
    PGresult *res = PQexec(db->pg, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK &&
             (want_status == NULL || strcmp(PQcmdStatus(res), want_status) == 0);
    if (!ok) {
        set_err(db, sql, res);
        if (PQresultStatus(res) == PGRES_COMMAND_OK) /* COMMIT of a failed transaction */
            snprintf(db->err, sizeof db->err, "postgresql: %s: rolled back", sql);
    }
    PQclear(res);
    return ok ? 0 : -1;
}

static const char *i64(char buf[PGDB_INT_BYTES], int64_t v) {
    int n = snprintf(buf, PGDB_INT_BYTES, "%" PRId64, v);
    assert(n > 0 && n < PGDB_INT_BYTES);
    return buf;
}

static int64_t col_i64(const PGresult *res, int row, int col) {
    assert(row >= 0 && row < PQntuples(res) && col >= 0 && col < PQnfields(res));
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static void col_text(const PGresult *res, int row, int col, char *out, size_t size) {
    assert(row >= 0 && row < PQntuples(res) && col >= 0 && col < PQnfields(res));
    assert(out != NULL && size > 0);
    snprintf(out, size, "%s", PQgetvalue(res, row, col));
}

/* ---- open and close ------------------------------------------------------- */
/* What fee_insert_ahead kept, sent or not, gone (a job's end). */
static void ahead_drop(struct pgdb *db) {
    db->ahead_want = false;
    PQclear(db->ahead_res);
    db->ahead_res = NULL;
}

/* The result sent ahead of kind, taken (the caller clears it), or NULL. */
static PGresult *ahead_take(struct pgdb *db, enum ahead_kind kind) {
    if (db->ahead_res == NULL || db->ahead_kind != kind) return NULL;
    PGresult *res = db->ahead_res;
    db->ahead_res = NULL;
    return res;
}

static void pg_close(struct svcdb *base) {
    struct pgdb *db = pgd(base);
    assert(db->pg != NULL || !db->in_tx); /* no transaction without a connection */
    for (int i = 0; i < PG_FEE_ARRAYS; i++) json_buf_free(&db->arrays[i]);
    held_clear(db);
    ahead_drop(db);
    piped_clear(db);
    free(db->piped);
    free(db->puts);
    PQclear(db->lines_res);
    PQfinish(db->pg);
    free(db);
}

/* The session: synchronous_commit, quiet notices, prepared statements;
 * at open and after every reconnect. */
static int session_setup(struct pgdb *db) {
    assert(db->pg != NULL && !db->in_tx);
    if (simple(db, db->sync_off ? "SET synchronous_commit = off" : "SET synchronous_commit = on",
               NULL) != 0 ||
        simple(db, "SET client_min_messages = warning", NULL) != 0 ||
        simple(db, "SET plan_cache_mode = force_generic_plan", NULL) != 0 ||
        simple(db, "SET enable_seqscan = off", NULL) != 0)
        return -1;
    for (int i = 0; i < S_COUNT; i++) {
        char name[16];
        snprintf(name, sizeof name, "svc%d", i);
        PGresult *res = PQprepare(db->pg, name, stmt_sql[i], 0, NULL);
        bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        if (!ok) set_err(db, name, res);
        PQclear(res);
        if (!ok) return -1;
    }
    return 0;
}

static int pg_open(const char *target, bool sync_off, struct svcdb **out, char *err,
                   size_t err_size) {
    assert(target != NULL && out != NULL);
    struct pgdb *db = calloc(1, sizeof *db);
    if (db == NULL) return snprintf(err, err_size, "out of memory"), -1;
    db->base.ops = &svcdb_pg_ops;
    db->sync_off = sync_off;
    db->pg = pgconn_connect(target, &db->watch);
    if (db->pg == NULL || PQstatus(db->pg) != CONNECTION_OK) {
        snprintf(err, err_size, "%s: cannot connect: %s", target,
                 db->pg ? PQerrorMessage(db->pg) : "out of memory");
        pgconn_trim(err);
        pg_close(&db->base);
        return -1;
    }
    if (simple(db, "SET client_min_messages = warning", NULL) != 0 ||
        schema_pg_migrate(db->pg, db->err, sizeof db->err) != 0 || session_setup(db) != 0) {
        snprintf(err, err_size, "%s: service tables: %s", target, db->err);
        pg_close(&db->base);
        return -1;
    }
    assert(!db->in_tx && !db->broken);
    *out = &db->base;
    return 0;
}

/* The start of a unit of work: reconnects when the connection was lost;
 * the BEGIN itself goes with the transaction's first statement (see the
 * top), which tries once more when it finds the connection dead. */
static int pg_begin(struct svcdb *base) {
    struct pgdb *db = pgd(base);
    assert(!db->in_tx && !db->begin_due && !db->release_due && !db->savepoint_due && !db->held);
    assert(!db->unsaved);
    db->held_failed = false; /* svcq.c asked after the last COMMIT */
    bool reconnected = false;
    int rc = ensure(db, &reconnected);
    db->in_tx = db->begin_due = rc == 0;
    db->begin_reconnected = reconnected;
    return rc;
}

/* The COMMIT with the held INSERT and the RELEASE before it, in one
 * round trip; when the INSERT failed after its request's release, that
 * request is undone and fails (held_failed) and the others commit. */
static int commit_held(struct pgdb *db) {
    bool released = db->release_due, unsaved = db->held_unsaved;
    struct pipe_item items[3];
    int n = 0, failed_at = -1;
    assert(db->held && !db->begin_due);
    /* the first request's INSERT still held: no request ran after it */
    assert(!unsaved || !released);
    items[n++] = held_item(db);
    if (released) items[n++] = cmd_item(S_RELEASE);
    items[n++] = cmd_item(S_COMMIT);
    db->release_due = false;
    PGresult *res = exec_items(db, items, n, &failed_at);
    held_clear(db);
    int rc = res != NULL && strcmp(PQcmdStatus(res), "COMMIT") == 0 ? 0 : -1;
    if (res != NULL && rc != 0)
        snprintf(db->err, sizeof db->err, "postgresql: COMMIT: rolled back");
    PQclear(res);
    if (rc != 0 && failed_at == 0 && released && PQstatus(db->pg) == CONNECTION_OK &&
        PQtransactionStatus(db->pg) == PQTRANS_INERROR) {
        snprintf(db->held_err, sizeof db->held_err, "%s", db->err);
        db->held_failed = true;
        rc = simple(db, "ROLLBACK TO SAVEPOINT request; RELEASE SAVEPOINT request; COMMIT",
                    "COMMIT");
    }
    if (rc != 0 && failed_at == 0 && unsaved && PQstatus(db->pg) == CONNECTION_OK &&
        PQtransactionStatus(db->pg) == PQTRANS_INERROR) {
        /* the transaction was that request's alone: nothing else to commit */
        snprintf(db->held_err, sizeof db->held_err, "%s", db->err);
        db->held_failed = true;
        rc = simple(db, "ROLLBACK", NULL);
    }
    return rc;
}

/* Never retried: a connection lost during COMMIT leaves the outcome
 * unknown; the request fails and a resend with its msgid is idempotent.
 * A transaction that sent no statement has nothing to commit. */
static int pg_commit(struct svcdb *base) {
    struct pgdb *db = pgd(base);
    ahead_drop(db);
    db->ahead_id = db->count_visit_id = 0;
    assert(db->in_tx && !db->savepoint_due && !db->unsaved); /* no request open (svcdb_commit) */
    if (db->begin_due) {
        assert(!db->held); /* it would have been sent with the BEGIN */
        db->in_tx = db->begin_due = false;
        return 0;
    }
    int rc = db->held ? commit_held(db)
                      : simple(db, db->release_due ? "RELEASE SAVEPOINT request; COMMIT" : "COMMIT",
                               "COMMIT");
    db->in_tx = db->release_due = false;
    if (rc != 0 && PQstatus(db->pg) != CONNECTION_OK) {
        char why[PGDB_ERR_BYTES];
        snprintf(why, sizeof why, "%s", pgconn_unprefixed(db->err));
        snprintf(db->err, sizeof db->err,
                 "postgresql: connection lost during COMMIT, outcome unknown: %.400s", why);
    }
    return rc;
}

static void pg_rollback(struct svcdb *base) {
    struct pgdb *db = pgd(base);
    ahead_drop(db);
    piped_clear(db);
    db->ahead_id = db->count_visit_id = 0;
    assert(db->pg != NULL);
    if (PQstatus(db->pg) == CONNECTION_OK && PQtransactionStatus(db->pg) != PQTRANS_IDLE)
        (void)simple(db, "ROLLBACK", NULL); /* a lost connection rolled back already */
    held_clear(db);                         /* every request of the transaction fails (svcq.c) */
    db->held_failed = false;
    db->in_tx = db->begin_due = db->release_due = db->savepoint_due = db->unsaved = false;
}

/* A savepoint is taken, released and rolled back to inside a transaction;
 * its SAVEPOINT and its RELEASE wait for the next statement or the COMMIT
 * (see the top). */
static int pg_savepoint(struct svcdb *base) {
    struct pgdb *db = pgd(base);
    ahead_drop(db);
    assert(db->in_tx && !db->savepoint_due && !db->unsaved);
    db->ahead_id = db->count_visit_id = 0;     /* read for the request before */
    if (db->begin_due) {                       /* nothing of the transaction ran: none needed */
        assert(!db->held && !db->release_due); /* either goes with a BEGIN sent */
        db->unsaved = true;
        return 0;
    }
    db->savepoint_due = true;
    return 0;
}

static int pg_release(struct svcdb *base) {
    struct pgdb *db = pgd(base);
    ahead_drop(db);
    db->ahead_id = db->count_visit_id = 0;
    assert(db->in_tx && (db->savepoint_due || !db->release_due));
    if (db->unsaved) { /* nothing to release; its held INSERT, if any, is undone by a ROLLBACK */
        db->unsaved = false;
        db->held_unsaved = db->held && db->held_new;
        return 0;
    }
    if (db->savepoint_due) return db->savepoint_due = false, 0; /* never sent: nothing ran */
    db->release_due = true;
    return 0;
}

/* The transaction's first request, unsaved, undone: the transaction
 * rolled back (it held nothing else), begun again by the next statement. */
static int rollback_unsaved(struct pgdb *db) {
    assert(db->unsaved && !db->release_due && !db->savepoint_due);
    db->unsaved = false;
    if (db->begin_due) return 0;       /* nothing of it was sent */
    assert(!db->held || db->held_new); /* only its own INSERT can be held */
    if (db->held) held_clear(db);      /* never sent */
    int rc = simple(db, "ROLLBACK", NULL);
    db->begin_due = rc == 0;
    return rc;
}

/* After a failed statement too: the transaction goes on from the savepoint. */
static int pg_rollback_to(struct svcdb *base) {
    struct pgdb *db = pgd(base);
    ahead_drop(db);
    db->ahead_id = db->count_visit_id = 0;
    assert(db->in_tx && (db->savepoint_due || !db->release_due));
    assert(!db->held || db->savepoint_due || !db->release_due);
    if (db->unsaved) return rollback_unsaved(db);
    /* a held INSERT of the request before stays held with its RELEASE */
    if (db->savepoint_due) return db->savepoint_due = false, 0; /* never sent: nothing ran */
    if (db->held) held_clear(db); /* this request's own: undone with it, never sent */
    int rc = simple(db, "ROLLBACK TO SAVEPOINT request", NULL);
    db->release_due = rc == 0;
    return rc;
}

/* ---- a batch's jobs piped ---------------------------------------------------- */
/* A writer's batch of n replayable writes takes n + 1 round trips one by
 * one (see the top): each job's first statement (its kept answer's read,
 * the visit locked, and its write sent ahead) waits for the job before.
 * Piped (svcq.c run_piped), the batch's jobs run twice. Staged
 * (PIPED_STAGE), each job runs until its first statement, which is
 * recorded, not sent, and fails the job; then every staged statement goes
 * in one round trip, in the jobs' order, after the transaction's due
 * commands and without savepoints (piped_send). Then each job runs again
 * (PIPED_TAKE), its first statement taking its results instead of being
 * sent; its kept answer's INSERT is collected, and all go with the COMMIT
 * (piped_commit). The statements ran in the order the jobs would have run
 * them one by one, each after the writes of the jobs before it, so each
 * job read what it would have read; what differs is that a job's kept
 * answer is written after the later jobs' reads, which only a job with the
 * same msgid in the same batch could see: their INSERTs then collide on
 * the key. Anything off this path (a job whose statement is not its
 * staged one, a second statement, a job refused or failed, a statement or
 * an INSERT that fails) leaves the transaction to be rolled back and the
 * jobs run again one by one (svcq.c), as if never piped. */
static void piped_stmt_free(struct piped_stmt *s) {
    for (int i = 0; i < s->n; i++) free(s->values[i]), s->values[i] = NULL;
    s->n = 0;
}

static void piped_clear(struct pgdb *db) {
    for (int k = 0; db->piped != NULL && k < SVCQ_PIPED_MAX; k++) {
        struct piped_job *j = &db->piped[k];
        for (int i = 0; i < 2; i++) piped_stmt_free(&j->stmts[i]), PQclear(j->out[i]);
        memset(j, 0, sizeof *j);
    }
    for (int k = 0; k < db->put_count; k++)
        for (int i = 0; i < PG_HELD_PARAMS; i++) free(db->puts[k].values[i]);
    db->put_count = 0;
    db->piped_mode = PIPED_OFF;
    db->piped_k = db->piped_n = 0;
    db->piped_astray = false;
}

/* Strays from the plan: the job fails; the batch runs again one by one. */
static PGresult *piped_astray(struct pgdb *db, const char *why) {
    db->piped_astray = true;
    snprintf(db->err, sizeof db->err, "piped batch: %s", why);
    return NULL;
}

static int piped_stage_one(struct piped_stmt *s, const struct pipe_item *item) {
    assert(item->n >= 0 && item->n <= PG_AHEAD_PARAMS_MAX && item->name[0] != '\0');
    snprintf(s->name, sizeof s->name, "%s", item->name);
    s->label = item->label;
    for (s->n = 0; s->n < item->n; s->n++)
        if ((s->values[s->n] = strdup(item->values[s->n])) == NULL) return -1;
    return 0;
}

static bool piped_same(const struct piped_stmt *s, const struct pipe_item *item) {
    if (strcmp(s->name, item->name) != 0 || s->n != item->n) return false;
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->values[i], item->values[i]) != 0) return false;
    return true;
}

/* exec_item in a piped batch: staged, or its staged results taken. */
static PGresult *piped_exec(struct pgdb *db, const struct pipe_item *item,
                            const struct pipe_item *extra, PGresult **extra_out) {
    struct piped_job *j = &db->piped[db->piped_k];
    int count = extra != NULL ? 2 : 1;
    assert(db->in_tx && db->piped_k >= 0 && db->piped_k < SVCQ_PIPED_MAX);
    if (extra_out != NULL) *extra_out = NULL;
    if (item->name[0] == '\0' || (extra != NULL && extra->name[0] == '\0'))
        return piped_astray(db, "a statement not prepared");
    if (db->piped_mode == PIPED_STAGE) {
        if (j->count != 0) return piped_astray(db, "a second statement staged");
        j->count = count;
        if (piped_stage_one(&j->stmts[0], item) != 0 ||
            (extra != NULL && piped_stage_one(&j->stmts[1], extra) != 0))
            return piped_astray(db, "out of memory");
        snprintf(db->err, sizeof db->err, "piped batch: staged");
        return NULL; /* the staging run ends here */
    }
    assert(db->piped_mode == PIPED_TAKE && db->piped_k < db->piped_n);
    if (j->taken || j->count != count || !piped_same(&j->stmts[0], item) ||
        (extra != NULL && !piped_same(&j->stmts[1], extra)))
        return piped_astray(db, "a statement the job did not stage");
    j->taken = true;
    PGresult *res = j->out[0];
    if (extra_out != NULL) *extra_out = j->out[1], j->out[1] = NULL;
    j->out[0] = NULL;
    return res;
}

/* items[0..n) in one round trip, the results of those from keep_from on
 * into out[] (cleared by the caller) when all succeeded; 0, or -1 with err
 * set and *failed_at the first that failed (-1: none did). */
static int piped_round(struct pgdb *db, const struct pipe_item *items, int n, int keep_from,
                       PGresult **out, int *failed_at) {
    struct pgconn_pipe_out o;
    assert(n >= 1 && n <= PG_PIPED_ITEMS_MAX && keep_from >= 0 && keep_from <= n);
    *failed_at = -1;
    bool sent = PQenterPipelineMode(db->pg) == 1 && pipe_send(db, items, n);
    int rc = sent ? pgconn_pipeline_results(db->pg, n, out, keep_from, &o) : -1;
    if (!sent) set_err(db, "piped batch", NULL);
    else if (rc != 0) {
        set_err(db, o.failed != NULL && o.failed_at < n ? items[o.failed_at].label : "piped batch",
                o.failed);
        *failed_at = o.failed != NULL ? o.failed_at : -1;
        PQclear(o.failed);
    }
    if (PQexitPipelineMode(db->pg) != 1) { /* results left unread: no longer of use */
        if (rc == 0) set_err(db, "pipeline mode", NULL);
        rc = -1;
        db->broken = true;
    }
    return rc;
}

/* svcdb_piped_job: job k runs from here, staging or taking. */
static int pg_piped_job(struct svcdb *base, int k, bool stage) {
    struct pgdb *db = pgd(base);
    assert(db->in_tx && k >= 0 && k < SVCQ_PIPED_MAX);
    assert(!db->held && !db->savepoint_due && !db->unsaved); /* no savepoints in a piped batch */
    if (db->piped == NULL) {
        db->piped = calloc(SVCQ_PIPED_MAX, sizeof *db->piped);
        db->puts = calloc(SVCQ_PIPED_MAX, sizeof *db->puts);
        if (db->piped == NULL || db->puts == NULL)
            return snprintf(db->err, sizeof db->err, "out of memory"), -1;
    }
    assert(stage ? db->piped_mode != PIPED_TAKE : db->piped_mode == PIPED_TAKE);
    db->piped_mode = stage ? PIPED_STAGE : PIPED_TAKE;
    db->piped_k = k;
    return 0;
}

static bool pg_piped_staged(struct svcdb *base, int k) {
    struct pgdb *db = pgd(base);
    assert(db->piped != NULL && k >= 0 && k < SVCQ_PIPED_MAX);
    return db->piped[k].count > 0 && !db->piped_astray;
}

/* svcdb_piped_send: the due commands and jobs [0, n)'s staged statements
 * in one round trip; their results kept for the jobs' second runs. */
static int pg_piped_send(struct svcdb *base, int n) {
    struct pgdb *db = pgd(base);
    struct pipe_item items[PG_PIPED_ITEMS_MAX];
    PGresult *out[2 * SVCQ_PIPED_MAX] = {NULL};
    int failed_at = -1;
    assert(db->piped_mode == PIPED_STAGE && n >= 1 && n <= SVCQ_PIPED_MAX);
    int nd = due_items(db, items), count = nd;
    for (int k = 0; k < n; k++)
        for (int i = 0; i < db->piped[k].count; i++) {
            const struct piped_stmt *s = &db->piped[k].stmts[i];
            items[count++] = prepared(s->label, s->name, s->n, (const char *const *)s->values);
        }
    assert(count > nd && count <= PG_PIPED_ITEMS_MAX);
    int rc = piped_round(db, items, count, nd, out, &failed_at);
    for (int k = 0, r = 0; k < n; k++)
        for (int i = 0; i < db->piped[k].count; i++, r++) {
            if (rc == 0) db->piped[k].out[i] = out[r];
            else PQclear(out[r]);
        }
    db->piped_n = rc == 0 ? n : 0;
    db->piped_mode = PIPED_TAKE;
    return rc;
}

/* svcdb_piped_astray: a job strayed from the plan since the batch began. */
static bool pg_piped_astray(struct svcdb *base) { return pgd(base)->piped_astray; }

/* pg_answer_put in a piped batch: kept for the COMMIT (piped_commit). */
static int piped_put(struct pgdb *db, const char *const *v, char *text) {
    assert(db->piped_mode == PIPED_TAKE && db->put_count < SVCQ_PIPED_MAX);
    struct piped_put *p = &db->puts[db->put_count++];
    bool ok = true;
    p->values[3] = text;
    for (int i = 0; i < PG_HELD_PARAMS; i++)
        if (i != 3) ok = (p->values[i] = strdup(v[i])) != NULL && ok;
    return ok ? 0 : (piped_astray(db, "out of memory"), -1);
}

/* svcdb_piped_commit: the kept answers' INSERTs and the COMMIT in one
 * round trip. 0 committed; 1 rolled back (an INSERT failed: run the jobs
 * again one by one); -1 failed (err set; a lost connection: unknown). */
static int pg_piped_commit(struct svcdb *base) {
    struct pgdb *db = pgd(base);
    struct pipe_item items[PG_PIPED_ITEMS_MAX];
    PGresult *last = NULL;
    char name[16];
    assert(db->in_tx && db->piped_mode == PIPED_TAKE && !db->piped_astray && !db->begin_due);
    snprintf(name, sizeof name, "svc%d", (int)S_ANS_PUT);
    int n = due_items(db, items), failed_at = -1, puts_from = n;
    for (int k = 0; k < db->put_count; k++)
        items[n++] = prepared("kept answer", name, PG_HELD_PARAMS,
                              (const char *const *)db->puts[k].values);
    items[n++] = cmd_item(S_COMMIT);
    int rc = piped_round(db, items, n, n - 1, &last, &failed_at);
    if (rc == 0 && strcmp(PQcmdStatus(last), "COMMIT") != 0) {
        snprintf(db->err, sizeof db->err, "postgresql: COMMIT: rolled back");
        rc = -1;
    }
    PQclear(last);
    piped_clear(db);
    bool put_failed = failed_at >= puts_from && failed_at < n - 1;
    if (rc != 0 && put_failed && PQstatus(db->pg) == CONNECTION_OK &&
        simple(db, "ROLLBACK", NULL) == 0)
        rc = 1;
    db->in_tx = db->release_due = false;
    if (rc == -1 && PQstatus(db->pg) != CONNECTION_OK) {
        char why[PGDB_ERR_BYTES];
        snprintf(why, sizeof why, "%s", pgconn_unprefixed(db->err));
        snprintf(db->err, sizeof db->err,
                 "postgresql: connection lost during COMMIT, outcome unknown: %.400s", why);
    }
    return rc;
}

/* ---- credentials, answers, sign-ins ---------------------------------------- */
static int pg_credential_get(struct svcdb *base, const char *paasid, struct svc_credential *out,
                             bool *found) {
    const char *v[] = {paasid};
    PGresult *res = exec(pgd(base), S_CRED_GET, 1, v);
    if (res == NULL) return -1;
    *found = PQntuples(res) > 0;
    if (*found) {
        memset(out, 0, sizeof *out);
        snprintf(out->paasid, sizeof out->paasid, "%s", paasid);
        col_text(res, 0, 0, out->legacy_token, sizeof out->legacy_token);
        col_text(res, 0, 1, out->fixmedins_code, sizeof out->fixmedins_code);
        out->active = strcmp(PQgetvalue(res, 0, 2), "active") == 0;
        out->token_version = col_i64(res, 0, 3);
        col_text(res, 0, 4, out->key_id, sizeof out->key_id);
        out->hmac_required = col_i64(res, 0, 5) != 0;
    }
    PQclear(res);
    assert(!*found || strcmp(out->paasid, paasid) == 0);
    return 0;
}

static int pg_audit_put(struct svcdb *base, const struct svc_audit *row) {
    char t[PGDB_INT_BYTES];
    assert(row != NULL && row->time_s >= 0);
    const char *v[] = {i64(t, row->time_s), row->paasid, row->fixmedins_code, row->infno,
                       row->msgid,          row->psn_no, row->outcome};
    return run(pgd(base), S_AUDIT_PUT, 7, v);
}

static int pg_answer_get(struct svcdb *base, const char *code, const char *msgid, char *infno_out,
                         char *req_hash_out, struct json_buf *answer, int64_t *time_s,
                         bool *found) {
    const char *v[] = {code, msgid};
    PGresult *res = exec(pgd(base), S_ANS_GET, 2, v);
    if (res == NULL) return -1;
    *found = PQntuples(res) > 0;
    if (*found) {
        col_text(res, 0, 0, infno_out, SVC_INFNO_BYTES_MAX + 1);
        json_buf_reset(answer);
        json_buf_raw(answer, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
        *time_s = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
        col_text(res, 0, 3, req_hash_out, HASH_HEX_BYTES + 1);
    }
    PQclear(res);
    assert(!*found || strlen(infno_out) <= SVC_INFNO_BYTES_MAX);
    return *found && answer->failed ? -1 : 0;
}

static void visit_row(const PGresult *res, int row, int at, int64_t id, struct svc_visit *v);

static int pg_answer_gen_get(struct svcdb *base, const char *code, const char *msgid,
                             char *infno_out, char *req_hash_out, struct json_buf *answer,
                             int64_t *time_s, bool *found, int64_t *gen, int64_t lock_visit_id) {
    struct pgdb *db = pgd(base);
    char t[PGDB_INT_BYTES];
    assert(lock_visit_id >= 0 && (lock_visit_id == 0 || db->in_tx));
    const char *v[] = {code, msgid, i64(t, lock_visit_id)};
    PGresult *res = NULL;
    if (db->ahead_want) { /* the job's write, after the lock, in the same round trip */
        static const enum stmt_id stmt[] = {[AHEAD_FEE] = S_FEE_INS_NEW,
                                            [AHEAD_VISIT_INSERT] = S_VISIT_INS_NEW,
                                            [AHEAD_VISIT_UPDATE] = S_VISIT_UPD_NEW};
        static const int params[] = {[AHEAD_FEE] = PG_FEE_AHEAD_PARAMS,
                                     [AHEAD_VISIT_INSERT] = PG_VISIT_INS_AHEAD_PARAMS,
                                     [AHEAD_VISIT_UPDATE] = PG_VISIT_UPD_AHEAD_PARAMS};
        static const char *const label[] = {[AHEAD_FEE] = "fee lines (sent ahead)",
                                            [AHEAD_VISIT_INSERT] = "visit insert (sent ahead)",
                                            [AHEAD_VISIT_UPDATE] = "visit update (sent ahead)"};
        char name[16];
        snprintf(name, sizeof name, "svc%d", (int)stmt[db->ahead_kind]);
        struct pipe_item extra = prepared(label[db->ahead_kind], name, params[db->ahead_kind],
                                          db->ahead_values);
        assert(strcmp(code, db->ahead_code) == 0 && strcmp(msgid, db->ahead_msgid) == 0);
        assert(lock_visit_id == db->ahead_visit_id && db->ahead_res == NULL);
        db->ahead_want = false;
        res = exec_ahead(db, S_ANS_GEN_GET, 3, v, &extra, &db->ahead_res);
    } else res = exec(db, S_ANS_GEN_GET, 3, v);
    if (res == NULL) return -1;
    if (PQntuples(res) != 1 || PQnfields(res) != 19 || PQgetisnull(res, 0, 4)) {
        PQclear(res);
        return snprintf(pgd(base)->err, PGDB_ERR_BYTES, "kept answer: not one row"), -1;
    }
    *found = !PQgetisnull(res, 0, 0);
    *gen = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
    if (*found) {
        col_text(res, 0, 0, infno_out, SVC_INFNO_BYTES_MAX + 1);
        json_buf_reset(answer);
        json_buf_raw(answer, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
        *time_s = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
        col_text(res, 0, 3, req_hash_out, HASH_HEX_BYTES + 1);
    }
    if (lock_visit_id > 0) { /* kept for the visit_get that follows (see ahead_id) */
        db->ahead_id = lock_visit_id;
        db->ahead_found = !PQgetisnull(res, 0, 5);
        if (db->ahead_found) visit_row(res, 0, 5, lock_visit_id, &db->ahead);
    }
    PQclear(res);
    assert(*gen >= 0 && (!*found || strlen(infno_out) <= SVC_INFNO_BYTES_MAX));
    return *found && answer->failed ? -1 : 0;
}

/* Inside a request's savepoint the INSERT is held, not sent: it goes
 * first in the next round trip (the next request's first statement, or the
 * COMMIT), where a failure undoes and fails this request alone (see the
 * top, held_recover, commit_held). Elsewhere, or when an INSERT is held
 * already, or the request sent nothing yet, it is sent now. */
static int pg_answer_put(struct svcdb *base, const char *code, const char *msgid, const char *infno,
                         const char *req_hash, const char *answer, size_t len, int64_t time_s) {
    struct pgdb *db = pgd(base);
    assert(answer != NULL && memchr(answer, '\0', len) == NULL); /* JSON text has no NUL */
    char *text = malloc(len + 1); /* a parameter is NUL-terminated text */
    if (text == NULL) return snprintf(db->err, PGDB_ERR_BYTES, "out of memory"), -1;
    memcpy(text, answer, len);
    text[len] = '\0';
    char t[PGDB_INT_BYTES];
    const char *v[] = {code, msgid, infno, text, i64(t, time_s), req_hash};
    if (db->piped_mode == PIPED_TAKE) return piped_put(db, v, text); /* with the COMMIT */
    if (!db->in_tx || !base->in_savepoint || db->savepoint_due || db->begin_due || db->held) {
        int rc = run(db, S_ANS_PUT, 6, v);
        free(text);
        return rc;
    }
    db->held_values[3] = text;
    bool ok = true;
    for (int i = 0; i < PG_HELD_PARAMS; i++)
        if (i != 3) ok = (db->held_values[i] = strdup(v[i])) != NULL && ok;
    if (!ok) {
        held_clear(db);
        return snprintf(db->err, PGDB_ERR_BYTES, "out of memory"), -1;
    }
    db->ahead_id = db->count_visit_id = 0; /* the statement after a visit read ahead was this one */
    db->held = db->held_new = true;
    return 0;
}

/* svcdb_held_new: the request just run left its INSERT held. */
static bool pg_held_new(struct svcdb *base) {
    struct pgdb *db = pgd(base);
    bool was = db->held_new;
    assert(!was || db->held);
    db->held_new = false;
    return was;
}

/* svcdb_held_failed: a held INSERT failed after its request's release;
 * that request was undone (why: the failure). Once. */
static bool pg_held_failed(struct svcdb *base, char *why, size_t why_size) {
    struct pgdb *db = pgd(base);
    assert(why != NULL && why_size > 0);
    if (!db->held_failed) return false;
    db->held_failed = false;
    snprintf(why, why_size, "%s", db->held_err);
    return true;
}

static int pg_answer_prune(struct svcdb *base, int64_t before_s, int64_t rows_max,
                           int64_t *pruned) {
    const int64_t v[] = {before_s, rows_max};
    assert(rows_max > 0 && pruned != NULL);
    PGresult *res = exec_valued(pgd(base), S_ANS_PRUNE, v, 2);
    bool ok = res != NULL;
    *pruned = ok ? strtoll(PQcmdTuples(res), NULL, 10) : 0;
    PQclear(res);
    return ok ? 0 : -1;
}

static int pg_signin_put(struct svcdb *base, const char *code, const char *opter_no, int64_t time_s,
                         int64_t *sign_no) {
    char t[PGDB_INT_BYTES], n[PGDB_INT_BYTES];
    assert(code != NULL && opter_no != NULL && sign_no != NULL && *sign_no > 0);
    const char *v[] = {code, opter_no, i64(t, time_s), i64(n, *sign_no)}; /* svcdb_signin_put's */
    return run(pgd(base), S_SIGNIN_PUT, 4, v);
}

static void signin_row(const PGresult *res, int row, struct svc_signin *out) {
    assert(row >= 0 && row < PQntuples(res) && PQnfields(res) == 4);
    memset(out, 0, sizeof *out);
    out->sign_no = col_i64(res, row, 0);
    col_text(res, row, 1, out->fixmedins_code, sizeof out->fixmedins_code);
    out->time_s = col_i64(res, row, 2);
    out->signout_s = col_i64(res, row, 3);
}

static int pg_signin_get(struct svcdb *base, int64_t sign_no, struct svc_signin *out, bool *found) {
    char t[PGDB_INT_BYTES];
    assert(sign_no > 0 && out != NULL);
    const char *v[] = {i64(t, sign_no)};
    PGresult *res = exec(pgd(base), S_SIGNIN_GET, 1, v);
    if (res == NULL) return -1;
    *found = PQntuples(res) > 0;
    if (*found) signin_row(res, 0, out);
    PQclear(res);
    return 0;
}

static int pg_signin_scan(struct svcdb *base, int64_t since_s, svc_signin_cb cb, void *ctx) {
    assert(cb != NULL);
    PGresult *res = exec_valued(pgd(base), S_SIGNIN_SCAN, &since_s, 1);
    if (res == NULL) return -1;
    int rc = 0;
    struct svc_signin row;
    for (int r = 0; rc == 0 && r < PQntuples(res); r++) {
        signin_row(res, r, &row);
        rc = cb(ctx, &row) != 0 ? -1 : 0;
    }
    PQclear(res);
    return rc;
}

static int pg_signout_put(struct svcdb *base, int64_t sign_no, const char *opter_no,
                          int64_t time_s) {
    char n[2][PGDB_INT_BYTES];
    assert(sign_no > 0 && opter_no != NULL);
    const char *v[] = {i64(n[0], sign_no), opter_no, i64(n[1], time_s)};
    return run(pgd(base), S_SIGNOUT_PUT, 3, v);
}

/* ---- visits ----------------------------------------------------------------- */

static void visit_params(struct visit_params *p, const struct svc_visit *v) {
    const char **x = p->v;
    assert(v->kind == VISIT_OUTPATIENT || v->kind == VISIT_INPATIENT);
    assert(sizeof p->v / sizeof p->v[0] >= 15);
    x[0] = i64(p->num[0], v->kind);
    x[1] = i64(p->num[1], v->status);
    x[2] = v->fixmedins_code;
    x[3] = v->psn_no;
    x[4] = i64(p->num[2], v->insutype);
    x[5] = v->med_type;
    x[6] = i64(p->num[3], v->begntime);
    x[7] = i64(p->num[4], v->endtime);
    x[8] = v->dise_codg;
    x[9] = v->spec_dise_codg;
    x[10] = v->out_of_area ? "1" : "0";
    x[11] = v->filed ? "1" : "0";
    x[12] = v->ipt_otp_no;
    x[13] = i64(p->num[5], v->setl_id);
    x[14] = i64(p->num[6], v->id);
}

/* Whether two visits write the same 14 columns (their ids aside). */
static bool same_columns(const struct svc_visit *a, const struct svc_visit *b) {
    struct visit_params pa, pb;
    visit_params(&pa, a);
    visit_params(&pb, b);
    for (int i = 0; i < VISIT_COLS_N; i++)
        if (strcmp(pa.v[i], pb.v[i]) != 0) return false;
    return true;
}

/* A visit's INSERT: the one sent ahead, when it wrote this row (if it
 * wrote another, that row, numbered, is set to this one's columns), or
 * sent now. */
static int pg_visit_insert(struct svcdb *base, struct svc_visit *visit) {
    struct pgdb *db = pgd(base);
    struct visit_params p;
    assert(visit->id == 0); /* the database numbers it */
    PGresult *res = ahead_take(db, AHEAD_VISIT_INSERT);
    if (res != NULL && PQntuples(res) == 1) {
        bool same = same_columns(visit, &db->ahead_row);
        visit->id = col_i64(res, 0, 0);
        PQclear(res);
        assert(visit->id > 0);
        if (same) return 0;
        visit_params(&p, visit);
        return run(db, S_VISIT_UPD, 15, p.v);
    }
    PQclear(res); /* it wrote nothing */
    visit_params(&p, visit);
    res = exec(db, S_VISIT_INS, 14, p.v);
    if (res == NULL) return -1;
    visit->id = col_i64(res, 0, 0);
    PQclear(res);
    return 0;
}

/* A visit's UPDATE: the one sent ahead, when it wrote this row, or sent
 * now (over what it wrote, if anything). */
static int pg_visit_update(struct svcdb *base, const struct svc_visit *visit) {
    struct pgdb *db = pgd(base);
    struct visit_params p;
    assert(visit->id > 0);
    PGresult *res = ahead_take(db, AHEAD_VISIT_UPDATE);
    bool wrote = res != NULL && PQntuples(res) == 1;
    PQclear(res);
    if (wrote && db->ahead_row.id != visit->id) /* the job fails, undone with it */
        return snprintf(db->err, sizeof db->err, "a visit's update sent ahead for another visit"),
               -1;
    if (wrote && same_columns(visit, &db->ahead_row)) return 0;
    visit_params(&p, visit);
    return run(db, S_VISIT_UPD, 15, p.v);
}

static int pg_visit_get(struct svcdb *base, int64_t id, struct svc_visit *v, bool *found) {
    char t[PGDB_INT_BYTES];
    assert(id > 0 && v != NULL && found != NULL);
    const char *p[] = {i64(t, id)};
    struct pgdb *db = pgd(base);
    if (db->in_tx && db->ahead_id == id) { /* locked by the statement just before */
        db->ahead_id = db->count_visit_id = 0;
        *found = db->ahead_found;
        if (*found) *v = db->ahead;
        return 0;
    }
    bool lines = db->lines_want && !db->in_tx, probe = db->probe_want && db->in_tx;
    int64_t *gen = db->lines_gen;
    struct svcdb_probe *out = db->probe_out;
    const char *pl[] = {p[0], db->lines_bchno}, *pp[] = {p[0], db->probe_msgid};
    /* a probe's S_FEE_OPEN right after the lock, in its round trip: a
     * statement of its own, so it reads what committed before the lock
     * was granted, as when sent apart (see S_FEE_OPEN) */
    char fee_open[16];
    snprintf(fee_open, sizeof fee_open, "svc%d", (int)S_FEE_OPEN);
    struct pipe_item open_lines = prepared("open fee lines", fee_open, 2, pl);
    PGresult *lines_out = NULL;
    PGresult *res = lines ? exec(db, S_VISIT_LINES, 2, pl)
                    : probe
                        ? exec_ahead(db, S_VISIT_PROBE, 2, pp, db->probe_lines ? &open_lines : NULL,
                                     db->probe_lines ? &lines_out : NULL)
                    : db->in_tx ? exec(db, S_VISIT_LOCK, 1, p)
                                : exec(db, S_VISIT_GET, 1, p);
    if (res == NULL) return -1;
    if (probe && PQntuples(res) == 1) { /* the link first */
        out->ran = true;
        out->found = !PQgetisnull(res, 0, 0);
        if (out->found) out->setl_id = col_i64(res, 0, 0), out->visit_id = col_i64(res, 0, 1);
    }
    int at = lines ? 1 : probe ? 2 : 0; /* the visit's first column */
    *found = PQntuples(res) > 0 && !PQgetisnull(res, 0, at);
    if (*found) visit_row(res, 0, at, id, v);
    if (lines && PQntuples(res) > 0) *gen = col_i64(res, 0, 0);
    if (lines && *found) { /* for the fee_open that follows */
        db->lines_res = res;
        db->lines_visit_id = id;
        db->lines_at = 1 + VISIT_COLS_N;
        return 0;
    }
    PQclear(res);
    if (lines_out != NULL && *found) { /* for the fee_open that follows */
        db->lines_res = lines_out;
        db->lines_visit_id = id;
        db->lines_at = 0;
        return 0;
    }
    PQclear(lines_out);
    return 0;
}

static void pg_probe_ahead(struct svcdb *base, const char *store_msgid, const char *bchno,
                           struct svcdb_probe *out) {
    struct pgdb *db = pgd(base);
    assert(db->in_tx && store_msgid != NULL && bchno != NULL && out != NULL && !out->ran);
    db->probe_out = out;
    db->probe_want = strlen(store_msgid) < sizeof db->probe_msgid;
    if (db->probe_want) snprintf(db->probe_msgid, sizeof db->probe_msgid, "%s", store_msgid);
    db->probe_lines = db->probe_want && strlen(bchno) < sizeof db->lines_bchno;
    if (db->probe_lines) snprintf(db->lines_bchno, sizeof db->lines_bchno, "%s", bchno);
}

static void pg_lines_ahead(struct svcdb *base, const char *bchno, int64_t *gen) {
    struct pgdb *db = pgd(base);
    assert(!db->in_tx && bchno != NULL && gen != NULL);
    db->lines_gen = gen;
    db->lines_want = strlen(bchno) < sizeof db->lines_bchno;
    if (db->lines_want) snprintf(db->lines_bchno, sizeof db->lines_bchno, "%s", bchno);
}

/* A visit's VISIT_COLS from column at of a row. */
static void visit_row(const PGresult *res, int row, int at, int64_t id, struct svc_visit *v) {
    assert(id > 0 && at >= 0 && PQnfields(res) >= at + 14);
    memset(v, 0, sizeof *v);
    v->id = id;
    v->kind = (enum visit_kind)col_i64(res, row, at + 0);
    v->status = (enum visit_status)col_i64(res, row, at + 1);
    col_text(res, row, at + 2, v->fixmedins_code, sizeof v->fixmedins_code);
    col_text(res, row, at + 3, v->psn_no, sizeof v->psn_no);
    v->insutype = (int32_t)col_i64(res, row, at + 4);
    col_text(res, row, at + 5, v->med_type, sizeof v->med_type);
    v->begntime = col_i64(res, row, at + 6);
    v->endtime = col_i64(res, row, at + 7);
    col_text(res, row, at + 8, v->dise_codg, sizeof v->dise_codg);
    col_text(res, row, at + 9, v->spec_dise_codg, sizeof v->spec_dise_codg);
    v->out_of_area = col_i64(res, row, at + 10) != 0;
    v->filed = col_i64(res, row, at + 11) != 0;
    col_text(res, row, at + 12, v->ipt_otp_no, sizeof v->ipt_otp_no);
    v->setl_id = col_i64(res, row, at + 13);
}

/* ---- fee lines ---------------------------------------------------------------- */
/* Appends a text element to a PostgreSQL array literal: "..." with " and \
 * escaped. */
static void array_text(struct json_buf *b, const char *text) {
    assert((b->failed || b->len >= 1) && text != NULL); /* after the literal's '{' */
    json_buf_raw(b, b->len > 1 ? ",\"" : "\"", b->len > 1 ? 2 : 1);
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') json_buf_raw(b, "\\", 1);
        json_buf_raw(b, p, 1);
    }
    json_buf_raw(b, "\"", 1);
}

static void array_i64(struct json_buf *b, int64_t v) {
    char text[PGDB_INT_BYTES + 1];
    assert(b->failed || b->len >= 1); /* after the literal's '{' (or out of memory) */
    int n = snprintf(text, sizeof text, "%s%" PRId64, b->len > 1 ? "," : "", v);
    json_buf_raw(b, text, (size_t)n);
}

/* The first line not among the inserted sns (RETURNING), or -1. */
static int32_t first_not_inserted(const PGresult *res, const struct bill_line *lines,
                                  int32_t count) {
    int rows = PQntuples(res);
    assert(count > 0 && count <= BILL_LINES_MAX);
    assert(rows < count); /* RETURNING gives the inserted lines: used[] holds them */
    bool used[BILL_LINES_MAX] = {false};
    for (int32_t i = 0; i < count; i++) {
        int r = 0;
        while (r < rows && (used[r] || strcmp(PQgetvalue(res, r, 0), lines[i].feedetl_sn) != 0))
            r++;
        if (r == rows) return i;
        used[r] = true;
    }
    return -1;
}

/* S_FEE_INS's parameters in v[0..8): the lines' arrays in db->arrays,
 * the integers in ints; -1 (err set) when out of memory. */
static int fee_params(struct pgdb *db, int64_t visit_id, const struct bill_line *lines,
                      const char (*bchnos)[CODE_BYTES_MAX + 1], int32_t count,
                      datetime_s fee_ocur_time, char ints[2][PGDB_INT_BYTES], const char **v) {
    struct json_buf *a = db->arrays;
    assert(visit_id > 0 && count > 0);
    for (int k = 0; k < PG_FEE_ARRAYS; k++) json_buf_reset(&a[k]), json_buf_raw(&a[k], "{", 1);
    for (int32_t i = 0; i < count; i++) {
        array_text(&a[0], lines[i].feedetl_sn);
        array_text(&a[1], lines[i].med_list_codg);
        array_i64(&a[2], lines[i].cnt_scaled);
        array_i64(&a[3], lines[i].pric_scaled);
        array_i64(&a[4], lines[i].amount_fen);
        array_text(&a[5], bchnos[i]);
    }
    for (int k = 0; k < PG_FEE_ARRAYS; k++) json_buf_raw(&a[k], "}", 2); /* with its NUL */
    for (int k = 0; k < PG_FEE_ARRAYS; k++)
        if (a[k].failed) return snprintf(db->err, sizeof db->err, "out of memory"), -1;
    const char *p[] = {
        i64(ints[0], visit_id),      a[0].data, a[1].data, a[2].data, a[3].data, a[4].data,
        i64(ints[1], fee_ocur_time), a[5].data};
    memcpy(v, p, sizeof p);
    return 0;
}

/* The kept answer's code and msgid for what is sent ahead; false when
 * either is too long to keep (then nothing goes ahead). */
static bool ahead_key(struct pgdb *db, const char *code, const char *msgid) {
    assert(db->in_tx && !db->ahead_want && db->ahead_res == NULL);
    if (strlen(code) >= sizeof db->ahead_code || strlen(msgid) >= sizeof db->ahead_msgid)
        return false;
    snprintf(db->ahead_code, sizeof db->ahead_code, "%s", code);
    snprintf(db->ahead_msgid, sizeof db->ahead_msgid, "%s", msgid);
    return true;
}

/* svcdb_fee_insert_ahead: kept for the next answer_gen_get, which sends
 * it (the job's first statement: see the top). */
static bool pg_fee_insert_ahead(struct svcdb *base, const char *code, const char *msgid,
                                int64_t visit_id, const struct bill_line *lines,
                                const char (*bchnos)[CODE_BYTES_MAX + 1], int32_t count,
                                datetime_s fee_ocur_time) {
    struct pgdb *db = pgd(base);
    if (!ahead_key(db, code, msgid) || fee_params(db, visit_id, lines, bchnos, count, fee_ocur_time,
                                                  db->ahead_ints, db->ahead_values) != 0)
        return false; /* sent in its turn instead */
    db->ahead_values[8] = db->ahead_code;
    db->ahead_values[9] = db->ahead_msgid;
    db->ahead_kind = AHEAD_FEE;
    db->ahead_visit_id = visit_id;
    db->ahead_fee_count = count;
    db->ahead_want = true;
    return true;
}

/* svcdb_visit_write_ahead: kept for the next answer_gen_get, as the fee
 * lines are (the parameters point into db's own copies). */
static bool pg_visit_write_ahead(struct svcdb *base, const char *code, const char *msgid,
                                 const struct svc_visit *old, const struct svc_visit *row) {
    struct pgdb *db = pgd(base);
    assert(row != NULL && (old == NULL ? row->id == 0 : row->id == old->id && old->id > 0));
    if (!ahead_key(db, code, msgid)) return false;
    db->ahead_row = *row;
    visit_params(&db->ahead_params[0], &db->ahead_row);
    int n = 14;
    memcpy(db->ahead_values, db->ahead_params[0].v, (size_t)(old ? 15 : 14) * sizeof(char *));
    if (old != NULL) {
        db->ahead_old = *old;
        visit_params(&db->ahead_params[1], &db->ahead_old);
        memcpy(db->ahead_values + 15, db->ahead_params[1].v, 14 * sizeof(char *));
        n = 29;
    }
    db->ahead_values[n] = db->ahead_code;
    db->ahead_values[n + 1] = db->ahead_msgid;
    assert(n + 2 == (old ? PG_VISIT_UPD_AHEAD_PARAMS : PG_VISIT_INS_AHEAD_PARAMS));
    db->ahead_kind = old ? AHEAD_VISIT_UPDATE : AHEAD_VISIT_INSERT;
    db->ahead_visit_id = old ? old->id : 0;
    db->ahead_want = true;
    return true;
}

/* svcdb_ahead_end: a result sent ahead and not taken must have written
 * nothing (its msgid had a kept answer), else the job fails, undone. */
static int pg_ahead_end(struct svcdb *base) {
    struct pgdb *db = pgd(base);
    int wrote = db->ahead_res != NULL ? PQntuples(db->ahead_res) : 0;
    bool unsent = db->ahead_want;
    const char *what = db->ahead_kind == AHEAD_FEE ? "fee lines" : "a visit's write";
    ahead_drop(db);
    if (wrote == 0 && !unsent) return 0;
    snprintf(db->err, sizeof db->err, "%s sent ahead: %s by its job", what,
             unsent ? "never sent, nor written" : "written but not taken");
    return -1;
}

static int pg_fee_insert(struct svcdb *base, int64_t visit_id, const struct bill_line *lines,
                         const char (*bchnos)[CODE_BYTES_MAX + 1], int32_t count,
                         datetime_s fee_ocur_time, int32_t *duplicate_at) {
    struct pgdb *db = pgd(base);
    assert(visit_id > 0 && count > 0 && *duplicate_at == -1);
    PGresult *res = NULL;
    if (db->ahead_res != NULL &&
        db->ahead_kind == AHEAD_FEE) { /* sent with the kept answer's read */
        bool same = db->ahead_visit_id == visit_id && db->ahead_fee_count == count;
        res = ahead_take(db, AHEAD_FEE);
        if (!same) {
            PQclear(res);
            return snprintf(db->err, sizeof db->err, "fee lines sent ahead for another upload"), -1;
        }
    } else {
        char n[2][PGDB_INT_BYTES];
        const char *v[8];
        if (fee_params(db, visit_id, lines, bchnos, count, fee_ocur_time, n, v) != 0) return -1;
        res = exec(db, S_FEE_INS, 8, v);
    }
    if (res == NULL) return -1;
    if (PQntuples(res) < count) *duplicate_at = first_not_inserted(res, lines, count);
    PQclear(res);
    return 0;
}

/* An open line from S_FEE_OPEN's columns at column at of a row; *latest:
 * the latest fee_ocur_time so far. */
static void fee_row(const PGresult *res, int r, int at, struct bill_line *l, datetime_s *latest) {
    assert(r >= 0 && at >= 0 && PQnfields(res) == at + 7);
    memset(l, 0, sizeof *l);
    col_text(res, r, at + 1, l->feedetl_sn, sizeof l->feedetl_sn);
    l->has_feedetl_sn = true;
    col_text(res, r, at + 2, l->med_list_codg, sizeof l->med_list_codg);
    l->cnt_scaled = col_i64(res, r, at + 3);
    l->pric_scaled = col_i64(res, r, at + 4);
    l->amount_fen = col_i64(res, r, at + 5);
    l->numbers_ok = true;
    datetime_s when = col_i64(res, r, at + 6);
    if (when > *latest) *latest = when;
}

static int pg_fee_open(struct svcdb *base, int64_t visit_id, const char *bchno,
                       struct bill_line *lines, int32_t max, int32_t *count, datetime_s *latest) {
    struct pgdb *db = pgd(base);
    char t[PGDB_INT_BYTES];
    assert(visit_id > 0 && lines != NULL && max > 0);
    PGresult *res = NULL;
    int at = 0; /* S_FEE_OPEN's first column */
    if (db->lines_res != NULL && db->lines_visit_id == visit_id &&
        strcmp(db->lines_bchno, bchno) == 0) { /* read with the visit (lines_ahead) */
        res = db->lines_res, at = db->lines_at;
        db->lines_res = NULL;
    } else {
        const char *v[] = {i64(t, visit_id), bchno};
        res = exec(db, S_FEE_OPEN, 2, v);
    }
    if (res == NULL) return -1;
    *count = 0;
    *latest = 0;
    int rows = PQntuples(res);
    if (rows < 1 || PQnfields(res) != at + 7) {
        PQclear(res);
        return snprintf(db->err, PGDB_ERR_BYTES, "open fee lines: no row"), -1;
    }
    if (PQgetisnull(res, 0, at + 1)) rows = 0; /* the count's row alone: no line */
    int rc = rows > max ? 1 : 0;
    for (int r = 0; r < rows && r < max; r++) fee_row(res, r, at, &lines[(*count)++], latest);
    if (db->in_tx) db->count_visit_id = visit_id, db->count_n = col_i64(res, 0, at);
    PQclear(res);
    assert(*count <= max && (rc == 1) == (rows > max));
    return rc;
}

static int pg_fee_withdraw(struct svcdb *base, int64_t visit_id, const char *feedetl_sn,
                           const char *bchno, int64_t *deleted) {
    char t[PGDB_INT_BYTES];
    assert(visit_id > 0 && deleted != NULL);
    const char *one[] = {i64(t, visit_id), feedetl_sn, bchno}, *all[] = {t, bchno};
    PGresult *res = feedetl_sn ? exec(pgd(base), S_FEE_DEL_ONE, 3, one)
                               : exec(pgd(base), S_FEE_DEL_ALL, 2, all);
    if (res == NULL) return -1;
    *deleted = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return 0;
}

static int pg_fee_mark(struct svcdb *base, int64_t visit_id, int64_t from_setl_id,
                       int64_t to_setl_id, const char *bchno) {
    char n[3][PGDB_INT_BYTES];
    assert(visit_id > 0 && from_setl_id != to_setl_id);
    const char *v[] = {i64(n[0], visit_id), i64(n[1], from_setl_id), i64(n[2], to_setl_id), bchno};
    return run(pgd(base), S_FEE_MARK, 4, v);
}

/* ---- settlement links ------------------------------------------------------------ */
static int pg_setl_put(struct svcdb *base, int64_t setl_id, int64_t visit_id, const char *msgid) {
    char n[2][PGDB_INT_BYTES];
    assert(setl_id > 0 && visit_id > 0 && msgid != NULL);
    const char *v[] = {i64(n[0], setl_id), i64(n[1], visit_id), msgid};
    return run(pgd(base), S_SETL_PUT, 3, v);
}

static int pg_setl_by_msgid(struct svcdb *base, const char *store_msgid, int64_t *setl_id,
                            int64_t *visit_id, bool *found) {
    assert(store_msgid != NULL && store_msgid[0] != '\0');
    const char *v[] = {store_msgid};
    PGresult *res = exec(pgd(base), S_SETL_BY_MSGID, 1, v);
    if (res == NULL) return -1;
    *found = PQntuples(res) > 0;
    if (*found) {
        *setl_id = col_i64(res, 0, 0);
        *visit_id = col_i64(res, 0, 1);
    }
    PQclear(res);
    return 0;
}

static int pg_setl_visit(struct svcdb *base, int64_t setl_id, int64_t *visit_id, bool *found) {
    char t[PGDB_INT_BYTES];
    assert(setl_id > 0 && visit_id != NULL);
    const char *v[] = {i64(t, setl_id)};
    PGresult *res = exec(pgd(base), S_SETL_VISIT, 1, v);
    if (res == NULL) return -1;
    *found = PQntuples(res) > 0;
    if (*found) *visit_id = col_i64(res, 0, 0);
    PQclear(res);
    return 0;
}

static int pg_fee_refund(struct svcdb *base, int64_t visit_id, const char *refund_sn,
                         const char *init_sn, bool *applied) {
    char t[PGDB_INT_BYTES];
    assert(visit_id > 0 && applied != NULL);
    const char *v[] = {i64(t, visit_id), refund_sn, init_sn};
    PGresult *res = exec(pgd(base), S_FEE_REFUND, 3, v);
    if (res == NULL) return -1;
    *applied = strcmp(PQcmdTuples(res), "1") == 0;
    PQclear(res);
    if (!*applied) return 0;
    return run(pgd(base), S_FEE_SET_ASIDE, 2, v);
}

static int pg_fee_last_setl(struct svcdb *base, int64_t visit_id, int64_t *setl_id) {
    char t[PGDB_INT_BYTES];
    assert(visit_id > 0 && setl_id != NULL);
    const char *v[] = {i64(t, visit_id)};
    PGresult *res = exec(pgd(base), S_FEE_LAST_SETL, 1, v);
    if (res == NULL) return -1;
    *setl_id = PQntuples(res) == 1 ? col_i64(res, 0, 0) : 0;
    PQclear(res);
    return 0;
}

static int pg_fee_setls(struct svcdb *base, int64_t visit_id, int64_t *setl_ids, int32_t max,
                        int32_t *count) {
    char t[PGDB_INT_BYTES], m[PGDB_INT_BYTES];
    assert(visit_id > 0 && max > 0);
    const char *v[] = {i64(t, visit_id), i64(m, (int64_t)max + 1)}; /* one more: there are more */
    PGresult *res = exec(pgd(base), S_FEE_SETLS, 2, v);
    if (res == NULL) return -1;
    int rows = PQntuples(res);
    for (int i = 0; i < rows && i < max; i++) setl_ids[(*count)++] = col_i64(res, i, 0);
    PQclear(res);
    assert(*count <= max);
    return rows > max ? 1 : 0;
}

static int pg_setl_count(struct svcdb *base, int64_t visit_id, int64_t *count) {
    struct pgdb *db = pgd(base);
    char t[PGDB_INT_BYTES];
    assert(visit_id > 0 && count != NULL);
    if (db->in_tx && db->count_visit_id == visit_id) { /* read by the statement just before */
        db->count_visit_id = 0;
        *count = db->count_n;
        return 0;
    }
    const char *v[] = {i64(t, visit_id)};
    PGresult *res = exec(db, S_SETL_COUNT, 1, v);
    if (res == NULL) return -1;
    if (PQntuples(res) == 1) *count = col_i64(res, 0, 0);
    PQclear(res);
    return 0;
}

/* ---- nonces ------------------------------------------------------------------------ */
static int pg_nonce_put(struct svcdb *base, int64_t max_ts, const char *packed, size_t len) {
    char t[PGDB_INT_BYTES];
    assert(strlen(packed) == len);
    const char *v[] = {i64(t, max_ts), packed};
    return run(pgd(base), S_NONCE_PUT, 2, v);
}

static int pg_nonce_scan(struct svcdb *base, int64_t since_ts, svcdb_packed_cb cb, void *ctx) {
    assert(cb != NULL);
    PGresult *res = exec_valued(pgd(base), S_NONCE_SCAN, &since_ts, 1);
    if (res == NULL) return -1;
    int rc = 0;
    for (int r = 0; rc == 0 && r < PQntuples(res); r++)
        rc = cb(ctx, PQgetvalue(res, r, 0), (size_t)PQgetlength(res, r, 0)) != 0 ? -1 : 0;
    PQclear(res);
    return rc;
}

static int pg_nonce_prune(struct svcdb *base, int64_t before_ts) {
    struct pgdb *db = pgd(base);
    assert(db->in_tx); /* with the flush's insert (nonce_log.c) */
    PGresult *res = exec_valued(db, S_NONCE_PRUNE, &before_ts, 1);
    PQclear(res);
    return res ? 0 : -1;
}

/* ---- catalog mappings (3301, 3302) -------------------------------------------- */
static int pg_mapping_put(struct svcdb *base, const struct svc_mapping *m, bool *existed) {
    char t[PGDB_INT_BYTES];
    assert(m != NULL && existed != NULL);
    const char *v[] = {m->fixmedins_code, m->list_type, m->hilist_id, m->hilist_name,
                       m->med_list_codg,  m->begndate,  m->enddate,   i64(t, m->time_s)};
    PGresult *res = exec(pgd(base), S_MAP_PUT, 8, v);
    if (res == NULL) return -1;
    *existed = PQntuples(res) == 1 && col_i64(res, 0, 0) != 0;
    PQclear(res);
    return 0;
}

static int pg_mapping_delete(struct svcdb *base, const char *code, const char *list_type,
                             const char *hilist_id, const char *med_list_codg, bool *deleted) {
    assert(deleted != NULL);
    const char *v[] = {code, list_type, hilist_id, med_list_codg};
    PGresult *res = exec(pgd(base), S_MAP_DEL, 4, v);
    if (res == NULL) return -1;
    *deleted = strtoll(PQcmdTuples(res), NULL, 10) > 0;
    PQclear(res);
    return 0;
}

/* ---- inventory records (3501-3507) -------------------------------------------- */
static int pg_inv_put(struct svcdb *base, const struct store_enrol_row *row, bool *inserted) {
    assert(row != NULL && inserted != NULL);
    const char *v[8];
    for (int i = 0; i < 8; i++) v[i] = row->col[i];
    PGresult *res = exec(pgd(base), S_INV_PUT, 8, v);
    if (res == NULL) return -1;
    *inserted = PQntuples(res) == 1;
    PQclear(res);
    return 0;
}

static int pg_inv_delete(struct svcdb *base, const char *code, const char *infno_a,
                         const char *infno_b, const char *bchno, int64_t *deleted) {
    assert(deleted != NULL);
    const char *v[] = {code, infno_a, infno_b, bchno};
    PGresult *res = exec(pgd(base), S_INV_DEL, 4, v);
    if (res == NULL) return -1;
    *deleted = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return 0;
}

const struct svcdb_ops svcdb_pg_ops = {
    .name = "postgresql",
    .concurrent_writers = true,
    .open = pg_open,
    .close = pg_close,
    .error = pg_error,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .savepoint = pg_savepoint,
    .release = pg_release,
    .rollback_to = pg_rollback_to,
    .credential_get = pg_credential_get,
    .audit_put = pg_audit_put,
    .answer_get = pg_answer_get,
    .answer_gen_get = pg_answer_gen_get,
    .answer_put = pg_answer_put,
    .held_new = pg_held_new,
    .held_failed = pg_held_failed,
    .answer_prune = pg_answer_prune,
    .signin_put = pg_signin_put,
    .signin_get = pg_signin_get,
    .signin_scan = pg_signin_scan,
    .signout_put = pg_signout_put,
    .visit_insert = pg_visit_insert,
    .visit_get = pg_visit_get,
    .visit_update = pg_visit_update,
    .lines_ahead = pg_lines_ahead,
    .probe_ahead = pg_probe_ahead,
    .piped_job = pg_piped_job,
    .piped_staged = pg_piped_staged,
    .piped_send = pg_piped_send,
    .piped_astray = pg_piped_astray,
    .piped_commit = pg_piped_commit,
    .fee_insert_ahead = pg_fee_insert_ahead,
    .visit_write_ahead = pg_visit_write_ahead,
    .ahead_end = pg_ahead_end,
    .fee_insert = pg_fee_insert,
    .fee_open = pg_fee_open,
    .fee_withdraw = pg_fee_withdraw,
    .fee_mark = pg_fee_mark,
    .fee_last_setl = pg_fee_last_setl,
    .fee_setls = pg_fee_setls,
    .fee_refund = pg_fee_refund,
    .setl_put = pg_setl_put,
    .setl_by_msgid = pg_setl_by_msgid,
    .setl_visit = pg_setl_visit,
    .setl_count = pg_setl_count,
    .nonce_put = pg_nonce_put,
    .nonce_scan = pg_nonce_scan,
    .nonce_prune = pg_nonce_prune,
    .mapping_put = pg_mapping_put,
    .mapping_delete = pg_mapping_delete,
    .inv_put = pg_inv_put,
    .inv_delete = pg_inv_delete,
};
