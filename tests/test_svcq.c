/* test_svcq.c: the service tables' group commit (src/service/svcq.c), on
 * SQLite always and on PostgreSQL (four writers) when YIBAO_PG_URI is set:
 * a refused request rolls back to its savepoint and leaves the others of its
 * batch, jobs that send no statement among them; every acknowledged write is in the table and nothing else is;
 * concurrent submitters from many threads; the queue's limit; a job run
 * alone. Jobs write sign-ins (svc_signin), which are counted afterwards
 * through a connection of their own. Kept answers: pruning to stubs by
 * age and in bounded steps, the writers pruning after their batches, and
 * the time column added to an svc_answer made by an older release. Used
 * nonces: the packed form (nonce_pack.c) round trip and its refusals, a
 * flush written, scanned and pruned, and an older svc_nonce upgraded.
 * PostgreSQL's kept answer's INSERT held for the next round trip: one that
 * fails then fails its own job alone; a transaction's first request, which
 * takes no savepoint there, undone alone. A batch's replayable writes
 * piped (PostgreSQL), and rolled back to run one by one when a job leaves
 * that path. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <postgresql/libpq-fe.h>
#include <sqlite3.h>
#include <time.h>

#include "service/svc.h"
#include "pg_db.h"

#define THREADS 8
#define JOBS_PER_THREAD 200

struct fixture {
    char dir[256];
    char target[512];
    char pg_db[64];
    int writers;
    struct svcdb *dbs[SVCQ_WRITERS_MAX];
    struct svcq *q;
    /* hosted (SQLite): the jobs run on a store's commit queue, through hdb */
    struct store *store;
    struct commitq *cq;
    struct svcdb *hdb;
};

/* Holds (or lets go) the connections the queue's writers run jobs on, so
 * that jobs submitted meanwhile share batches. */
static void hold(struct fixture *f, bool on) {
    for (int i = 0; i < (f->hdb != NULL ? 1 : f->writers); i++) {
        struct svcdb *db = f->hdb != NULL ? f->hdb : f->dbs[i];
        if (on) svcdb_lock(db);
        else svcdb_unlock(db);
    }
}

/* A job: signs in as code (a row of svc_signin); refused when fail is set,
 * after its insert, which must then be rolled back; with no_write it
 * sends no statement at all (succeeds or is refused before any). */
struct test_job {
    struct svc_call call;
    struct svcq_job job;
    char code[16];
    bool fail;
    bool no_write;
    int64_t sign_no;
    char msgid[16]; /* not "": also keeps an answer under it (infno T) */
};

static int sign_in_job(struct svc_call *c) {
    struct test_job *t = (struct test_job *)c; /* call is the first member */
    if (t->no_write) return t->fail ? svc_fail(c, "refused on purpose") : 0;
    if (svcdb_signin_put(c->db, t->code, "op", 1000, &t->sign_no) != 0)
        return svc_fail(c, "storage: %s", svcdb_error(c->db));
    if (t->msgid[0] != '\0' &&
        svcdb_answer_put(c->db, t->code, t->msgid, "T", "", "{}", 2, 1000) != 0)
        return svc_fail(c, "storage: %s", svcdb_error(c->db));
    return t->fail ? svc_fail(c, "refused on purpose") : 0;
}

static void job_init(struct test_job *t, const char *code, bool fail) {
    memset(t, 0, sizeof *t);
    snprintf(t->code, sizeof t->code, "%s", code);
    t->fail = fail;
    t->job = (struct svcq_job){.run = sign_in_job, .c = &t->call};
}

static int count_row(void *ctx, const struct svc_signin *row) {
    (void)row;
    (*(int *)ctx)++;
    return 0;
}

/* Sign-ins in the table, read through a connection of its own. */
static int signins(struct fixture *f) {
    struct svcdb *db;
    char err[256];
    assert_int_equal(svcdb_open(f->target, false, &db, err, sizeof err), 0);
    int n = 0;
    assert_int_equal(svcdb_signin_scan(db, 0, count_row, &n), 0);
    svcdb_close(db);
    return n;
}

/* hosted (SQLite only): a store on the file, its commit queue hosting
 * the jobs; kept_s: the kept answers' retention (0: never pruned). */
static int setup_backend(void **state, bool pg, bool hosted, int64_t kept_s) {
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_true(!pg || !hosted);
    assert_int_equal(test_target_make(pg, "svcq", "svc.db", f->dir, sizeof f->dir, f->pg_db,
                                      sizeof f->pg_db, f->target, sizeof f->target),
                     0);
    char err[256];
    f->writers = pg ? 4 : 1; /* more than the default 2: more batches side by side */
    for (int i = 0; i < f->writers; i++)
        assert_int_equal(svcdb_open(f->target, false, &f->dbs[i], err, sizeof err), 0);
    assert_int_equal(svcdb_concurrent_writers(f->dbs[0]), pg);
    if (hosted) {
        struct store_err serr = {{0}};
        assert_int_equal(store_open_as(f->target, STORE_MODE_EXISTING, &f->store, &serr), 0);
        assert_int_equal(commitq_start(f->store, 8, &f->cq, &serr), 0);
        assert_non_null(store_sqlite_writer(f->store));
        assert_int_equal(
            svcdb_attach_sqlite(store_sqlite_writer(f->store), &f->hdb, err, sizeof err), 0);
        assert_int_equal(
            svcq_start_hosted(f->hdb, f->cq, SVCQ_BATCH_MAX, kept_s, &f->q, err, sizeof err), 0);
    } else {
        assert_int_equal(
            svcq_start(f->dbs, f->writers, SVCQ_BATCH_MAX, kept_s, &f->q, err, sizeof err), 0);
    }
    *state = f;
    return 0;
}

static int setup_sqlite(void **state) { return setup_backend(state, false, false, 0); }
static int setup_pg(void **state) { return setup_backend(state, true, false, 0); }
static int setup_pg_one(void **state) { /* one writer: batches as submitted */
    int rc = setup_backend(state, true, false, 0);
    struct fixture *f = *state;
    svcq_stop(f->q);
    char err[256];
    assert_int_equal(svcq_start(f->dbs, 1, SVCQ_BATCH_MAX, 0, &f->q, err, sizeof err), 0);
    return rc;
}
static int setup_hosted(void **state) { return setup_backend(state, false, true, 0); }
static int setup_hosted_kept(void **state) { return setup_backend(state, false, true, 3600); }

static int teardown(void **state) {
    struct fixture *f = *state;
    if (f->hdb != NULL) svcq_shut(f->q); /* hosted: the host stops first */
    commitq_stop(f->cq);
    svcq_stop(f->q);
    svcdb_close(f->hdb);
    store_close(f->store);
    for (int i = 0; i < f->writers; i++) svcdb_close(f->dbs[i]);
    if (f->pg_db[0] != '\0') pg_db_drop(f->pg_db);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Every third job refused, and the first (the first of its batch):
 * exactly the others are in the table, each
 * refusal keeps its message, and the successes have distinct sign_nos.
 * The writer's connection is held while they queue, so they share batches. */
#define REFUSED(i) ((i) % 3 == 2 || (i) == 0)
static void test_refused_job_leaves_batch(void **state) {
    struct fixture *f = *state;
    enum { N = 300 };
    struct test_job *jobs = calloc(N, sizeof *jobs);
    assert_non_null(jobs);
    hold(f, true);
    for (int i = 0; i < N; i++) {
        job_init(&jobs[i], "H1", REFUSED(i));
        assert_int_equal(svcq_submit(f->q, &jobs[i].job, NULL, NULL), 0);
    }
    hold(f, false);
    int ok = 0;
    for (int i = 0; i < N; i++) {
        svcq_wait(f->q, &jobs[i].job);
        assert_int_equal(jobs[i].job.rc, REFUSED(i) ? -1 : 0);
        if (REFUSED(i)) assert_string_equal(jobs[i].call.err, "refused on purpose");
        else ok++;
        for (int k = 0; k < i && jobs[i].job.rc == 0; k++)
            if (jobs[k].job.rc == 0) assert_true(jobs[k].sign_no != jobs[i].sign_no);
    }
    assert_int_equal(signins(f), ok);
    free(jobs);
}

/* Jobs that send no statement beside those that do, in shared batches
 * (on PostgreSQL a savepoint or a transaction that saw no statement is
 * never sent: service_db_pg.c): i % 4 = 0 writes, 1 writes and is
 * refused, 2 is refused before any statement, 3 succeeds without one.
 * Exactly the first kind's rows are there; then batches of statementless
 * jobs only change nothing, and a write after them still lands. */
static void submit_all(struct fixture *f, struct test_job *jobs, int n) {
    hold(f, true);
    for (int i = 0; i < n; i++) assert_int_equal(svcq_submit(f->q, &jobs[i].job, NULL, NULL), 0);
    hold(f, false);
    for (int i = 0; i < n; i++) svcq_wait(f->q, &jobs[i].job);
}

static void test_statementless_jobs(void **state) {
    struct fixture *f = *state;
    enum { N = 200 };
    struct test_job *jobs = calloc(N, sizeof *jobs);
    assert_non_null(jobs);
    for (int i = 0; i < N; i++) {
        job_init(&jobs[i], "H3", i % 4 == 1 || i % 4 == 2);
        jobs[i].no_write = i % 4 >= 2;
    }
    submit_all(f, jobs, N);
    for (int i = 0; i < N; i++) assert_int_equal(jobs[i].job.rc, i % 4 == 1 || i % 4 == 2 ? -1 : 0);
    assert_int_equal(signins(f), N / 4);
    for (int i = 0; i < N; i++) {
        job_init(&jobs[i], "H3", i % 2 == 0);
        jobs[i].no_write = true;
    }
    submit_all(f, jobs, N);
    for (int i = 0; i < N; i++) assert_int_equal(jobs[i].job.rc, i % 2 == 0 ? -1 : 0);
    assert_int_equal(signins(f), N / 4);
    job_init(&jobs[0], "H3", false);
    submit_all(f, jobs, 1);
    assert_int_equal(jobs[0].job.rc, 0);
    assert_int_equal(signins(f), N / 4 + 1);
    free(jobs);
}

/* PostgreSQL holds a kept answer's INSERT for the next round trip
 * (service_db_pg.c); one that fails then (its msgid kept already, by
 * another connection) fails its own job alone, undone with its sign-in,
 * whether found by the next job's first statement, by the next job's own
 * INSERT, after a job refused before any statement, or by the COMMIT
 * (the batch's last job). One writer: job 0 alone, then one batch. */
#define TAKEN(i) ((i) % 4 == 1 || (i) == N - 1)
#define SILENT(i) ((i) % 8 == 2) /* refused before any statement */
static void test_held_answer_fails_alone(void **state) {
    struct fixture *f = *state;
    enum { N = 41 };
    struct test_job *jobs = calloc(N, sizeof *jobs);
    struct svcdb *other;
    char err[256], infno[SVC_INFNO_BYTES_MAX + 1], hash[HASH_HEX_BYTES + 1];
    assert_non_null(jobs);
    assert_int_equal(svcdb_open(f->target, false, &other, err, sizeof err), 0);
    for (int i = 0; i < N; i++) {
        job_init(&jobs[i], "H4", SILENT(i));
        jobs[i].no_write = SILENT(i);
        snprintf(jobs[i].msgid, sizeof jobs[i].msgid, "m%d", i);
        if (TAKEN(i))
            assert_int_equal(svcdb_answer_put(other, "H4", jobs[i].msgid, "X", "", "{}", 2, 1000),
                             0);
    }
    submit_all(f, jobs, N);
    int ok = 0;
    struct json_buf kept = {0};
    for (int i = 0; i < N; i++) {
        bool fails = TAKEN(i) || SILENT(i), found = false;
        int64_t t = 0;
        assert_int_equal(jobs[i].job.rc, fails ? -1 : 0);
        if (TAKEN(i)) assert_non_null(strstr(jobs[i].call.err, "kept answer"));
        ok += fails ? 0 : 1;
        assert_int_equal(
            svcdb_answer_get(other, "H4", jobs[i].msgid, infno, hash, &kept, &t, &found), 0);
        assert_true(found == !SILENT(i));
        if (found) assert_string_equal(infno, TAKEN(i) ? "X" : "T");
    }
    assert_int_equal(signins(f), ok);
    json_buf_free(&kept);
    svcdb_close(other);
    free(jobs);
}

/* The first column of sql's first row, as text into out ("" when none). */
static void admin_query(PGconn *admin, const char *sql, char *out, size_t size) {
    PGresult *res = PQexec(admin, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        print_message("%s: %s", sql, PQerrorMessage(admin));
    assert_true(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK);
    bool any = st == PGRES_TUPLES_OK && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0);
    snprintf(out, size, "%s", any ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
}

/* svc_fee's and svc_visit's sequential scans, "N M" (as reported so far). */
static void service_seq_scans(PGconn *admin, char *out, size_t size) {
    admin_query(admin, "SELECT pg_stat_clear_snapshot()", out, size);
    admin_query(admin,
                "SELECT string_agg(seq_scan::text, ' ' ORDER BY relname) FROM pg_stat_user_tables"
                " WHERE relname IN ('svc_fee', 'svc_visit')",
                out, size);
}

/* A service session plans each statement once, at generic plans without
 * sequential scans (service_db_pg.c's top): one whose plans were made
 * while svc_fee and svc_visit were a page each (analysed so, autovacuum
 * off), then saw them grow to 34,000 lines, reads a visit and its open
 * lines by their keys, never by scanning the tables. */
static void test_pg_plans_grown(void **state) {
    enum { SMALL = 3, GROWN = 2000, LINES = 17, READS = 20, POLLS = 1000 };
    struct fixture *f = *state;
    PGconn *admin = PQconnectdb(f->target);
    assert_int_equal(PQstatus(admin), CONNECTION_OK);
    char out[64], before[64], after[64], err[256];
    int64_t first = pg_svc_small_tables(admin, "GP", SMALL, LINES, true);
    assert_true(first > 0);
    service_seq_scans(admin, before, sizeof before);
    struct svcdb *db = NULL;
    assert_int_equal(svcdb_open(f->target, false, &db, err, sizeof err), 0);
    admin_query(admin,
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND"
                " backend_type = 'client backend' AND pid <> pg_backend_pid()"
                " ORDER BY backend_start DESC LIMIT 1",
                out, sizeof out);
    long pid = strtol(out, NULL, 10);
    struct bill_line got[4];
    struct svc_visit v;
    int32_t count = 0;
    datetime_s latest = 0;
    bool found = false;
    for (int i = 0; i <= READS; i++) {
        if (i == 1) /* the plans are made: the tables grow */
            assert_int_equal(pg_svc_visits_add(admin, "GP", SMALL + 1, SMALL + GROWN, LINES, true),
                             0);
        assert_int_equal(svcdb_visit_get(db, first + i, &v, &found), 0);
        assert_true(found);
        assert_int_equal(svcdb_fee_open(db, first + i, "", got, 4, &count, &latest), 0);
        assert_int_equal(count, 0); /* every line settled */
    }
    svcdb_close(db);
    for (int i = 0; i < POLLS && kill((pid_t)pid, 0) == 0; i++) usleep(10000);
    assert_true(kill((pid_t)pid, 0) != 0); /* gone: its statistics reported */
    service_seq_scans(admin, after, sizeof after);
    print_message("svc_fee, svc_visit sequential scans: %s -> %s over %d reads\n", before, after,
                  READS);
    assert_string_equal(before, after);
    admin_query(admin, "ALTER TABLE svc_fee RESET (autovacuum_enabled)", out, sizeof out);
    admin_query(admin, "ALTER TABLE svc_visit RESET (autovacuum_enabled)", out, sizeof out);
    PQfinish(admin);
}

/* A visit's registration as 2201 runs it on PostgreSQL: its row sent
 * ahead with its kept answer's read (svcdb_visit_write_ahead), taken by
 * its INSERT, then its answer kept; a replay (its msgid kept) writes
 * nothing. stray: a statement of its own besides (a sign-in); fail:
 * refused after its INSERT. Each run that gets past its reads appends "x"
 * to its answer: a job run again (svcq.c run_piped) starts from its
 * answer as queued. */
struct visit_job {
    struct svc_call call;
    struct svcq_job job;
    struct json_buf out;
    char msgid[16];
    bool stray, fail, replayed;
};

static int visit_job_run(struct svc_call *c) {
    struct visit_job *t = (struct visit_job *)c; /* call is the first member */
    struct svc_visit row = {.kind = VISIT_OUTPATIENT, .status = VISIT_OPEN, .insutype = 310};
    char infno[SVC_INFNO_BYTES_MAX + 1], hash[HASH_HEX_BYTES + 1];
    int64_t time_s = 0, gen = 0, sign_no = 0;
    bool found = false;
    struct json_buf kept = {0};
    snprintf(row.fixmedins_code, sizeof row.fixmedins_code, "H7");
    snprintf(row.psn_no, sizeof row.psn_no, "%s", t->msgid);
    snprintf(row.med_type, sizeof row.med_type, "11");
    (void)svcdb_visit_write_ahead(c->db, "H7", t->msgid, NULL, &row);
    int rc = svcdb_answer_gen_get(c->db, "H7", t->msgid, infno, hash, &kept, &time_s, &found, &gen,
                                  0);
    json_buf_free(&kept);
    if (rc == 0 && !found) json_buf_char(c->output, 'x');
    if (rc == 0 && !found && t->stray) rc = svcdb_signin_put(c->db, "H7", "op", 1000, &sign_no);
    if (rc == 0 && !found) rc = svcdb_visit_insert(c->db, &row);
    if (rc == 0 && !found && !t->fail)
        rc = svcdb_answer_put(c->db, "H7", t->msgid, "2201", "", "{}", 2, 1000);
    if (svcdb_ahead_end(c->db) != 0 || rc != 0)
        return svc_fail(c, "storage: %s", svcdb_error(c->db));
    t->replayed = found;
    return t->fail && !found ? svc_fail(c, "refused on purpose") : 0;
}

static void visit_job_init(struct visit_job *t, const char *msgid) {
    memset(t, 0, sizeof *t);
    snprintf(t->msgid, sizeof t->msgid, "%s", msgid);
    t->call.output = &t->out;
    t->job = (struct svcq_job){.run = visit_job_run, .c = &t->call, .piped = true};
}

/* Visits registered under psn_no (the jobs' msgid). */
static int visits_of(PGconn *admin, const char *psn_no) {
    char sql[128], out[32];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM svc_visit WHERE psn_no = '%s'", psn_no);
    admin_query(admin, sql, out, sizeof out);
    return atoi(out);
}

/* jobs[0..n) through the one writer: job 0 alone (the writer holds it
 * while the others queue), then one batch of the others. */
static void visit_jobs_run(struct fixture *f, struct visit_job *jobs, int n) {
    hold(f, true);
    for (int i = 0; i < n; i++) assert_int_equal(svcq_submit(f->q, &jobs[i].job, NULL, NULL), 0);
    hold(f, false);
    for (int i = 0; i < n; i++) svcq_wait(f->q, &jobs[i].job);
}

/* A batch's replayable writes piped (svcq.c run_piped, service_db_pg.c):
 * a batch of them commits as one by one; a batch with two jobs of one
 * msgid (their kept answers collide at the COMMIT), a job that sends a
 * statement it did not stage, or a job refused after its write is rolled
 * back and run again one by one, with the outcomes of one by one: one
 * visit for the msgid and a replay, every write there, the refused one's
 * undone. Each job's answer is its last run's alone. A batch larger than
 * SVCQ_PIPED_MAX goes one by one. */
static void test_piped_batches(void **state) {
    enum { N = 12, BIG = SVCQ_PIPED_MAX + 4 };
    struct fixture *f = *state;
    struct visit_job *jobs = calloc(BIG + 1, sizeof *jobs);
    PGconn *admin = PQconnectdb(f->target);
    assert_non_null(jobs);
    assert_int_equal(PQstatus(admin), CONNECTION_OK);
    int64_t piped = 0, again = 0;
    char msgid[16];
    for (int round = 0; round < 4; round++) { /* plain, one msgid twice, a stray, a refusal */
        for (int i = 0; i <= N; i++) {
            snprintf(msgid, sizeof msgid, "r%d-%d", round, round == 1 && i == 9 ? 4 : i);
            visit_job_init(&jobs[i], msgid);
        }
        jobs[6].stray = round == 2;
        jobs[6].fail = round == 3;
        visit_jobs_run(f, jobs, N + 1);
        svcq_piped_stats(f->q, &piped, &again);
        assert_int_equal(piped, round + 1);
        assert_int_equal(again, round);
        for (int i = 0; i <= N; i++) {
            bool refused = round == 3 && i == 6, replay = round == 1 && i == 9;
            assert_int_equal(jobs[i].job.rc, refused ? -1 : 0);
            assert_true(jobs[i].replayed == replay);
            assert_int_equal(jobs[i].out.len, replay ? 0 : 1); /* its last run's "x" alone */
            assert_int_equal(visits_of(admin, jobs[i].msgid), refused ? 0 : 1);
            json_buf_free(&jobs[i].out);
        }
    }
    for (int i = 0; i <= BIG; i++) {
        snprintf(msgid, sizeof msgid, "big-%d", i);
        visit_job_init(&jobs[i], msgid);
    }
    visit_jobs_run(f, jobs, BIG + 1);
    svcq_piped_stats(f->q, &piped, &again);
    assert_int_equal(piped, 4); /* not piped: one by one */
    for (int i = 0; i <= BIG; i++) {
        assert_int_equal(jobs[i].job.rc, 0);
        assert_int_equal(visits_of(admin, jobs[i].msgid), 1);
        json_buf_free(&jobs[i].out);
    }
    PQfinish(admin);
    free(jobs);
}

/* PostgreSQL: a transaction's first request takes no savepoint
 * (service_db_pg.c), so undoing it is a ROLLBACK and the next request
 * begins the transaction again. One writer: job 0 alone (its kept
 * answer's msgid taken: found by the COMMIT), then one batch: job 1
 * refused after its writes, job 2 (first again) holding a taken answer
 * found by job 3's first statement, job 3 (first once more) refused after
 * its writes, job 4 (first again) holding a taken answer found by the
 * COMMIT, job 5 succeeding with no statement, which stands. Then three
 * jobs that succeed (alone, first, second): all committed. */
static void test_first_request_unsaved(void **state) {
    struct fixture *f = *state;
    enum { N = 9, FIRST_BATCH = 6 };
    static const bool taken[N] = {true, false, true, false, true};
    static const bool refused[N] = {false, true, false, true};
    struct test_job jobs[N];
    struct svcdb *other;
    char err[256], infno[SVC_INFNO_BYTES_MAX + 1], hash[HASH_HEX_BYTES + 1];
    assert_int_equal(svcdb_open(f->target, false, &other, err, sizeof err), 0);
    for (int i = 0; i < N; i++) {
        job_init(&jobs[i], "H5", refused[i]);
        jobs[i].no_write = i == FIRST_BATCH - 1;
        snprintf(jobs[i].msgid, sizeof jobs[i].msgid, "u%d", i);
        if (taken[i])
            assert_int_equal(svcdb_answer_put(other, "H5", jobs[i].msgid, "X", "", "{}", 2, 1000),
                             0);
    }
    submit_all(f, jobs, FIRST_BATCH);
    assert_int_equal(signins(f), 0);
    submit_all(f, jobs + FIRST_BATCH, N - FIRST_BATCH);
    struct json_buf kept = {0};
    for (int i = 0; i < N; i++) {
        bool found = false;
        int64_t t = 0;
        assert_int_equal(jobs[i].job.rc, taken[i] || refused[i] ? -1 : 0);
        if (taken[i]) assert_non_null(strstr(jobs[i].call.err, "kept answer"));
        if (refused[i]) assert_non_null(strstr(jobs[i].call.err, "refused on purpose"));
        assert_int_equal(
            svcdb_answer_get(other, "H5", jobs[i].msgid, infno, hash, &kept, &t, &found), 0);
        assert_true(found == !(refused[i] || jobs[i].no_write));
        if (found) assert_string_equal(infno, taken[i] ? "X" : "T");
    }
    assert_int_equal(signins(f), N - FIRST_BATCH);
    json_buf_free(&kept);
    svcdb_close(other);
}

struct submitter {
    struct fixture *f;
    struct test_job *jobs;
    int failures;
};

static void *submit_main(void *arg) {
    struct submitter *s = arg;
    for (int i = 0; i < JOBS_PER_THREAD; i++) {
        job_init(&s->jobs[i], "H2", false);
        if (svcq_submit(s->f->q, &s->jobs[i].job, NULL, NULL) != 0) s->failures++;
        else svcq_wait(s->f->q, &s->jobs[i].job);
        if (s->jobs[i].job.rc != 0) s->failures++;
    }
    return NULL;
}

/* THREADS threads each submitting and waiting, one job at a time: every
 * write acknowledged and present once. */
static void test_concurrent_submitters(void **state) {
    struct fixture *f = *state;
    pthread_t tid[THREADS];
    struct submitter s[THREADS];
    for (int t = 0; t < THREADS; t++) {
        s[t] = (struct submitter){f, calloc(JOBS_PER_THREAD, sizeof(struct test_job)), 0};
        assert_non_null(s[t].jobs);
        assert_int_equal(pthread_create(&tid[t], NULL, submit_main, &s[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        assert_int_equal(pthread_join(tid[t], NULL), 0);
        assert_int_equal(s[t].failures, 0);
        free(s[t].jobs);
    }
    assert_int_equal(signins(f), THREADS * JOBS_PER_THREAD);
}

/* With the writers held, the queue takes SVCQ_QUEUED_MAX jobs (plus what
 * the writers took before blocking) and refuses the next, naming why and
 * writing nothing for it. */
static void test_queue_limit(void **state) {
    struct fixture *f = *state;
    size_t cap = SVCQ_QUEUED_MAX + (size_t)f->writers * SVCQ_BATCH_MAX + 1;
    struct test_job *jobs = calloc(cap, sizeof *jobs);
    assert_non_null(jobs);
    hold(f, true);
    size_t n = 0;
    int rc = 0;
    while (n < cap && rc == 0) {
        job_init(&jobs[n], "H3", false);
        rc = svcq_submit(f->q, &jobs[n].job, NULL, NULL);
        n++;
    }
    hold(f, false);
    assert_int_equal(rc, -1);
    assert_true(n - 1 >= SVCQ_QUEUED_MAX);
    struct test_job *refused = &jobs[n - 1];
    assert_int_equal(refused->job.rc, -1);
    assert_true(refused->job.done);
    assert_non_null(strstr(refused->call.err, "too many writes queued"));
    for (size_t i = 0; i + 1 < n; i++) {
        svcq_wait(f->q, &jobs[i].job);
        assert_int_equal(jobs[i].job.rc, 0);
    }
    assert_int_equal(signins(f), (int)(n - 1));
    free(jobs);
}

/* A job run alone (no writer thread): its own transaction. */
static void test_run_alone(void **state) {
    struct fixture *f = *state;
    struct test_job a, b;
    job_init(&a, "H4", false);
    job_init(&b, "H4", true);
    svcq_run_alone(f->dbs[0], &a.job);
    svcq_run_alone(f->dbs[0], &b.job);
    assert_int_equal(a.job.rc, 0);
    assert_int_equal(b.job.rc, -1);
    assert_true(a.job.done && b.job.done);
    assert_int_equal(signins(f), 1);
}

static void put_answer(struct svcdb *db, const char *msgid, const char *text, int64_t time_s) {
    assert_int_equal(svcdb_begin(db), 0);
    assert_int_equal(svcdb_answer_put(db, "H5", msgid, "2201", "h", text, strlen(text), time_s), 0);
    assert_int_equal(svcdb_commit(db), 0);
}

/* The answer of msgid: its text ("" for a stub) into out; asserts it is there. */
static int64_t get_answer(struct svcdb *db, const char *msgid, char *out, size_t size) {
    struct json_buf buf = {0};
    char infno[SVC_INFNO_BYTES_MAX + 1], req_hash[HASH_HEX_BYTES + 1];
    int64_t time_s = -1;
    bool found = false;
    assert_int_equal(svcdb_answer_get(db, "H5", msgid, infno, req_hash, &buf, &time_s, &found), 0);
    assert_true(found);
    assert_string_equal(infno, "2201");
    assert_true(strcmp(req_hash, "h") == 0 || strcmp(req_hash, "") == 0); /* "": kept before */
    snprintf(out, size, "%.*s", (int)buf.len, buf.data ? buf.data : "");
    json_buf_free(&buf);
    return time_s;
}

/* Pruning makes stubs of the oldest answers before the cut, at most
 * rows_max at a time; a stub keeps its msgid, infno and time. */
static void test_answer_prune_steps(void **state) {
    struct fixture *f = *state;
    struct svcdb *db;
    char msgid[32], text[64], err[256];
    assert_int_equal(svcdb_open(f->target, false, &db, err, sizeof err), 0);
    for (int i = 0; i < 5; i++) {
        snprintf(msgid, sizeof msgid, "M%d", i);
        put_answer(db, msgid, "{\"a\":1}", 100 + i);
    }
    int64_t pruned = -1, want[] = {2, 1, 0};
    for (int round = 0; round < 3; round++) {
        assert_int_equal(svcdb_begin(db), 0);
        assert_int_equal(svcdb_answer_prune(db, 103, 2, &pruned), 0);
        assert_int_equal(svcdb_commit(db), 0);
        assert_int_equal(pruned, want[round]);
    }
    for (int i = 0; i < 5; i++) {
        snprintf(msgid, sizeof msgid, "M%d", i);
        assert_int_equal(get_answer(db, msgid, text, sizeof text), 100 + i);
        assert_string_equal(text, i < 3 ? "" : "{\"a\":1}");
    }
    svcdb_close(db);
}

/* A writer prunes after its batches until every expired answer is a stub
 * (more than one pruning transaction's worth), and keeps the others. */
static void test_writers_prune(void **state) {
    struct fixture *f = *state;
    enum { OLD = SVCQ_PRUNE_ROWS_MAX + 500, FRESH = 10 };
    char err[256], msgid[32], text[64];
    struct svcdb *db; /* the test's own connection: the writers use theirs */
    assert_int_equal(svcdb_open(f->target, false, &db, err, sizeof err), 0);
    if (f->hdb == NULL) { /* hosted: started with the retention (setup_hosted_kept) */
        svcq_stop(f->q);
        assert_int_equal(
            svcq_start(f->dbs, f->writers, SVCQ_BATCH_MAX, 3600, &f->q, err, sizeof err), 0);
    }
    int64_t now_s = (int64_t)time(NULL);
    for (int i = 0; i < OLD + FRESH; i++) {
        snprintf(msgid, sizeof msgid, "P%d", i);
        put_answer(db, msgid, "{\"kept\":true}", i < OLD ? now_s - 7200 + i : now_s);
    }
    snprintf(msgid, sizeof msgid, "P%d", OLD - 1); /* the youngest expired: pruned last */
    for (int tries = 0; tries < 500; tries++) {
        struct test_job job;
        job_init(&job, "H5", false);
        assert_int_equal(svcq_submit(f->q, &job.job, NULL, NULL), 0);
        svcq_wait(f->q, &job.job);
        assert_int_equal(job.job.rc, 0);
        usleep(10000);
        get_answer(db, msgid, text, sizeof text);
        if (text[0] == '\0') break;
    }
    for (int i = 0; i < OLD + FRESH; i++) {
        snprintf(msgid, sizeof msgid, "P%d", i);
        get_answer(db, msgid, text, sizeof text);
        assert_string_equal(text, i < OLD ? "" : "{\"kept\":true}");
    }
    svcdb_close(db);
}

/* PostgreSQL: the kept answer's read returns the registry's generation
 * and, given a visit id inside a transaction, locks that visit; a
 * visit_get of it as the very next call reads it from there, after any
 * other statement it reads the table again; an id with no visit is not
 * found. SQLite has no such read (it reads the generation apart). */
static void test_answer_gen_visit_ahead(void **state) {
    struct fixture *f = *state;
    struct svcdb *db;
    char err[256], infno[SVC_INFNO_BYTES_MAX + 1], req_hash[HASH_HEX_BYTES + 1];
    struct json_buf buf = {0};
    int64_t time_s = 0, gen = -1;
    bool found = true;
    assert_int_equal(svcdb_open(f->target, false, &db, err, sizeof err), 0);
    assert_true(svcdb_answer_gen_folded(db));
    struct svc_visit v = {
        .kind = VISIT_OUTPATIENT, .status = VISIT_OPEN, .insutype = 390, .begntime = 1000};
    snprintf(v.fixmedins_code, sizeof v.fixmedins_code, "H5");
    snprintf(v.psn_no, sizeof v.psn_no, "P1");
    snprintf(v.med_type, sizeof v.med_type, "11");
    assert_int_equal(svcdb_begin(db), 0);
    assert_int_equal(svcdb_visit_insert(db, &v), 0);
    assert_int_equal(svcdb_commit(db), 0);
    put_answer(db, "G1", "{\"g\":1}", 100);
    for (int round = 0; round < 3; round++) {
        struct svc_visit got;
        bool seen = false;
        int64_t ask = round == 2 ? v.id + 1000 : v.id; /* round 2: no such visit */
        assert_int_equal(svcdb_begin(db), 0);
        assert_int_equal(svcdb_savepoint(db), 0);
        assert_int_equal(svcdb_answer_gen_get(db, "H5", round == 0 ? "G0" : "G1", infno, req_hash,
                                              &buf, &time_s, &found, &gen, ask),
                         0);
        assert_true(gen >= 0);
        assert_int_equal(found, round != 0);
        if (round == 1) /* another statement first: the visit is read again */
            assert_int_equal(
                svcdb_answer_get(db, "H5", "G1", infno, req_hash, &buf, &time_s, &found), 0);
        assert_int_equal(svcdb_visit_get(db, ask, &got, &seen), 0);
        assert_int_equal(seen, round != 2);
        if (seen) {
            assert_int_equal(got.id, v.id);
            assert_string_equal(got.psn_no, "P1");
            assert_string_equal(got.med_type, "11");
            assert_int_equal(got.begntime, 1000);
            assert_int_equal(got.status, VISIT_OPEN);
        }
        assert_int_equal(svcdb_release(db), 0);
        assert_int_equal(svcdb_commit(db), 0);
    }
    json_buf_free(&buf);
    svcdb_close(db);
}

/* Runs sql on target through a connection of the test's own. */
static void raw_exec(const char *target, const char *sql) {
    if (strncmp(target, "postgres", 8) == 0) {
        PGconn *pg = PQconnectdb(target);
        PGresult *res = PQexec(pg, sql);
        assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
        PQclear(res);
        PQfinish(pg);
        return;
    }
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(target, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* A database of an older release, made by sql, on the fixture's backend
 * (a PostgreSQL database of its own in pg_db, or old.db beside the
 * fixture's file): its target in target[512]. */
static void old_store(struct fixture *f, char pg_db[64], char target[512], const char *sql) {
    if (f->pg_db[0] != '\0')
        assert_int_equal(pg_db_create(getenv("YIBAO_PG_URI"), "yibao_q", pg_db, 64, target, 512),
                         0);
    else snprintf(target, 512, "%s/old.db", f->dir);
    raw_exec(target, sql);
}

/* An svc_answer without the time column (before answers were pruned):
 * opening adds it, its answers dated at the upgrade and replayable. */
static void test_answer_table_upgrade(void **state) {
    struct fixture *f = *state;
    char target[512], pg_db[64] = "", err[256], text[64];
    old_store(f, pg_db, target,
              "CREATE TABLE svc_answer (code TEXT NOT NULL, msgid TEXT NOT NULL, "
              "infno TEXT NOT NULL, answer TEXT NOT NULL, PRIMARY KEY (code, msgid));"
              "INSERT INTO svc_answer VALUES ('H5', 'OLD1', '2201', '{\"old\":1}');");
    int64_t before_s = (int64_t)time(NULL);
    struct svcdb *a, *b;
    assert_int_equal(svcdb_open(target, false, &a, err, sizeof err), 0);
    assert_int_equal(svcdb_open(target, false, &b, err, sizeof err), 0); /* already upgraded */
    int64_t time_s = get_answer(b, "OLD1", text, sizeof text);
    assert_true(time_s >= before_s && time_s <= (int64_t)time(NULL));
    assert_string_equal(text, "{\"old\":1}");
    put_answer(a, "NEW1", "{\"new\":1}", 42);
    assert_int_equal(get_answer(b, "NEW1", text, sizeof text), 42);
    svcdb_close(a);
    svcdb_close(b);
    if (pg_db[0] != '\0') pg_db_drop(pg_db);
}

/* ---- used nonces --------------------------------------------------------- */
struct collected {
    struct svc_nonce rows[8];
    int n;
};

static int collect(void *ctx, const struct svc_nonce *row) {
    struct collected *c = ctx;
    assert_true(c->n < 8);
    c->rows[c->n++] = *row;
    return 0;
}

/* Any byte but NUL survives (a header may carry spaces); since_ts filters. */
static void test_nonce_pack_round_trip(void **state) {
    (void)state;
    struct svc_nonce rows[3] = {
        {"pa1", "n 1\n\t\xff", 1700000000}, {"pa2", "abc", 1699999000}, {"p", "z", 1700000300}};
    char text[1024];
    assert_true(nonce_pack_bound(3) <= sizeof text);
    int64_t max_ts = 0;
    size_t len = nonce_pack(rows, 3, text, sizeof text, &max_ts);
    assert_int_equal(max_ts, 1700000300);
    assert_int_equal(strlen(text), len);
    assert_string_equal(text, "1700000000 706131 6e20310a09ff\n1699999000 706132 616263\n"
                              "1700000300 70 7a");
    struct collected c = {.n = 0};
    size_t bad_at = 99;
    assert_int_equal(nonce_unpack(text, len, 0, collect, &c, &bad_at), 0);
    assert_int_equal(c.n, 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(c.rows[i].paasid, rows[i].paasid);
        assert_string_equal(c.rows[i].nonce, rows[i].nonce);
        assert_int_equal(c.rows[i].ts, rows[i].ts);
    }
    c.n = 0;
    assert_int_equal(nonce_unpack(text, len, 1700000000, collect, &c, &bad_at), 0);
    assert_int_equal(c.n, 2); /* the one of 1699999000 is too old */
    c.n = 0;
    assert_int_equal(nonce_unpack("", 0, 0, collect, &c, &bad_at), 0);
    assert_int_equal(c.n, 0);
    /* SQLite's hex() writes upper case */
    assert_int_equal(nonce_unpack("5 4142 4344", 11, 0, collect, &c, &bad_at), 0);
    assert_string_equal(c.rows[0].paasid, "AB");
    assert_string_equal(c.rows[0].nonce, "CD");
}

static void test_nonce_unpack_refuses(void **state) {
    (void)state;
    struct {
        const char *text;
        size_t bad_at;
    } bad[] = {
        {"x 61 62", 0},                   /* timestamp not digits */
        {" 61 62", 0},                    /* timestamp missing */
        {"1 61", 0},                      /* nonce missing */
        {"1 61 ", 0},                     /* nonce empty */
        {"1  62", 0},                     /* paasid empty */
        {"1 6 62", 0},                    /* odd hex */
        {"1 6g 62", 0},                   /* not hex */
        {"1 00 62", 0},                   /* a NUL byte */
        {"1 61 62 63", 0},                /* a fourth field */
        {"1 61 62\n", 0},                 /* an empty entry after the newline */
        {"1 61 62\nx", 8},                /* the second entry bad */
        {"1234567890123456789 61 62", 0}, /* timestamp too long */
        {"01 61 62", 0},                  /* a leading zero */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct collected c = {.n = 0};
        size_t bad_at = 99;
        int rc = nonce_unpack(bad[i].text, strlen(bad[i].text), 0, collect, &c, &bad_at);
        if (rc != 1 || bad_at != bad[i].bad_at)
            fail_msg("'%s': rc %d at %zu", bad[i].text, rc, bad_at);
    }
    char long_nonce[2 * (SERVICE_NONCE_BYTES_MAX + 1) + 16] = "1 61 ";
    for (int i = 0; i <= SERVICE_NONCE_BYTES_MAX; i++) strcat(long_nonce, "61");
    struct collected c = {.n = 0};
    size_t bad_at = 99;
    assert_int_equal(nonce_unpack(long_nonce, strlen(long_nonce), 0, collect, &c, &bad_at), 1);
}

/* A flush is one row: written, scanned from a timestamp, pruned by its newest. */
static void test_nonce_rows(void **state) {
    struct fixture *f = *state;
    struct svcdb *db;
    char err[256];
    assert_int_equal(svcdb_open(f->target, false, &db, err, sizeof err), 0);
    struct svc_nonce a[2] = {{"pa", "n1", 1000}, {"pa", "n2", 1010}};
    struct svc_nonce b[1] = {{"pb", "n3", 2000}};
    assert_int_equal(svcdb_begin(db), 0);
    assert_int_equal(svcdb_nonce_put(db, a, 2), 0);
    assert_int_equal(svcdb_nonce_put(db, b, 1), 0);
    assert_int_equal(svcdb_commit(db), 0);
    struct collected c = {.n = 0};
    assert_int_equal(svcdb_nonce_scan(db, 1005, collect, &c), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.rows[0].nonce, "n2");
    assert_string_equal(c.rows[1].nonce, "n3");
    assert_int_equal(svcdb_begin(db), 0);
    assert_int_equal(svcdb_nonce_prune(db, 1500), 0); /* the first flush's newest is 1010 */
    assert_int_equal(svcdb_commit(db), 0);
    c.n = 0;
    assert_int_equal(svcdb_nonce_scan(db, 0, collect, &c), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.rows[0].paasid, "pb");
    svcdb_close(db);
}

/* An svc_nonce of one row per nonce (before packed nonces): opening packs
 * its rows (one packed row per timestamp) and drops it; its nonces scan
 * as before, and pruning by timestamp drops the old second's row only. */
static void test_nonce_table_upgrade(void **state) {
    struct fixture *f = *state;
    char target[512], pg_db[64] = "", err[256];
    old_store(f, pg_db, target,
              "CREATE TABLE svc_nonce (paasid TEXT NOT NULL, nonce TEXT NOT NULL, "
              "ts BIGINT NOT NULL, PRIMARY KEY (paasid, nonce));"
              "INSERT INTO svc_nonce VALUES ('pa', 'old 1', 1000), ('pa', 'old2', 1200);");
    struct svcdb *a, *b;
    assert_int_equal(svcdb_open(target, false, &a, err, sizeof err), 0);
    assert_int_equal(svcdb_open(target, false, &b, err, sizeof err), 0); /* already upgraded */
    struct collected c = {.n = 0};
    assert_int_equal(svcdb_nonce_scan(b, 1100, collect, &c), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.rows[0].nonce, "old2");
    assert_int_equal(c.rows[0].ts, 1200);
    c.n = 0;
    assert_int_equal(svcdb_nonce_scan(a, 0, collect, &c), 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(svcdb_begin(a), 0);
    assert_int_equal(svcdb_nonce_prune(a, 1100), 0);
    assert_int_equal(svcdb_commit(a), 0);
    c.n = 0;
    assert_int_equal(svcdb_nonce_scan(a, 0, collect, &c), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.rows[0].nonce, "old2");
    svcdb_close(a);
    svcdb_close(b);
    if (pg_db[0] != '\0') pg_db_drop(pg_db);
}

/* Hosted: the store's writer runs the jobs in its transactions, alone
 * when no settlement is queued. Jobs queued before the queue is shut run
 * when the host is stopped; one submitted after is refused, naming why,
 * and writes nothing. */
static void test_hosted_stop(void **state) {
    struct fixture *f = *state;
    enum { N = 50 };
    struct test_job jobs[N + 1];
    hold(f, true);
    for (int i = 0; i < N; i++) {
        job_init(&jobs[i], "H6", false);
        assert_int_equal(svcq_submit(f->q, &jobs[i].job, NULL, NULL), 0);
    }
    svcq_shut(f->q);
    job_init(&jobs[N], "H6", false);
    assert_int_equal(svcq_submit(f->q, &jobs[N].job, NULL, NULL), -1);
    assert_non_null(strstr(jobs[N].call.err, "shutting down"));
    hold(f, false);
    commitq_stop(f->cq);
    f->cq = NULL;
    for (int i = 0; i < N; i++) {
        assert_true(jobs[i].job.done);
        assert_int_equal(jobs[i].job.rc, 0);
    }
    int64_t batches = 0, taken = 0;
    svcq_stats(f->q, &batches, &taken);
    assert_int_equal(taken, N);
    assert_true(batches >= 1 && batches <= N);
    assert_int_equal(signins(f), N);
}

int main(void) {
    const struct CMUnitTest sqlite_tests[] = {
        cmocka_unit_test_setup_teardown(test_refused_job_leaves_batch, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_statementless_jobs, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_submitters, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_queue_limit, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_run_alone, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_answer_prune_steps, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_writers_prune, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_answer_table_upgrade, setup_sqlite, teardown),
        cmocka_unit_test(test_nonce_pack_round_trip),
        cmocka_unit_test(test_nonce_unpack_refuses),
        cmocka_unit_test_setup_teardown(test_nonce_rows, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_table_upgrade, setup_sqlite, teardown),
    };
    const struct CMUnitTest hosted_tests[] = {
        cmocka_unit_test_setup_teardown(test_refused_job_leaves_batch, setup_hosted, teardown),
        cmocka_unit_test_setup_teardown(test_statementless_jobs, setup_hosted, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_submitters, setup_hosted, teardown),
        cmocka_unit_test_setup_teardown(test_queue_limit, setup_hosted, teardown),
        cmocka_unit_test_setup_teardown(test_writers_prune, setup_hosted_kept, teardown),
        cmocka_unit_test_setup_teardown(test_hosted_stop, setup_hosted, teardown),
    };
    const struct CMUnitTest pg_tests[] = {
        cmocka_unit_test_setup_teardown(test_refused_job_leaves_batch, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_statementless_jobs, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_submitters, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_queue_limit, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_run_alone, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_answer_prune_steps, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_writers_prune, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_answer_table_upgrade, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_rows, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_table_upgrade, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_answer_gen_visit_ahead, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_held_answer_fails_alone, setup_pg_one, teardown),
        cmocka_unit_test_setup_teardown(test_piped_batches, setup_pg_one, teardown),
        cmocka_unit_test_setup_teardown(test_first_request_unsaved, setup_pg_one, teardown),
        cmocka_unit_test_setup_teardown(test_pg_plans_grown, setup_pg, teardown),
    };
    int failed = cmocka_run_group_tests_name("svcq/sqlite", sqlite_tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("svcq/sqlite-hosted", hosted_tests, NULL, NULL);
    const char *pg = getenv("YIBAO_PG_URI");
    if (pg != NULL && *pg != '\0')
        failed += cmocka_run_group_tests_name("svcq/postgresql", pg_tests, NULL, NULL);
    else print_message("YIBAO_PG_URI not set: PostgreSQL tests skipped\n");
    return failed;
}
