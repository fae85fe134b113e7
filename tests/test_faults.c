/* test_faults.c: fault injection over the settle, revoke and visit flows
 * (docs/FAULTS.md). On SQLite, the fault VFS (tests/fault_vfs.c) counts
 * every write point (xWrite, xSync, xTruncate of the database and its WAL)
 * of a scenario run through the service's request path (service_handle,
 * as HTTP would) and its shutdown; then, for every N up to the end, the
 * scenario runs again on a fresh copy of the store with point N failing
 * with an I/O error (the failed request retried at once under its msgid),
 * the process crashing at point N (a forked child, _exit), or the power
 * failing at point N (the child's unsynced writes undone, then _exit).
 * After each run:
 *  - every acknowledged answer is durable after a restart: its visit, fee
 *    lines, settlement (journal record and visit link) or revoke is stored;
 *  - a request answered with a failure left nothing (compared with the
 *    store before it): a visit's settlement and its link, a revoke and its
 *    visit's reopening, are each one commit;
 *  - no settlement or revoke is stored more often than it was asked for;
 *  - `check` (store_check) passes after the restart;
 *  - the client then resumes: the unanswered or failed request again under
 *    its msgid, the rest of the flow, a replay of every request (the same
 *    setl_id / mdtrt_id as first acknowledged), and the store and service
 *    tables (every row but times and hashes) equal those of the run
 *    without faults: nothing lost, doubled or half-applied.
 * On PostgreSQL (YIBAO_PG_URI) the same flows run with libpq's round
 * trips counted (PQexec, PQexecParams, PQexecPrepared, PQputCopyEnd and
 * PQpipelineSync, a pipeline's round trip, are wrapped at link time,
 * Makefile TEST_LDFLAGS_test_faults): at round trip
 * N the connection's backend is terminated (every N), or the server is
 * killed and restarted (pg_ctl restart -m immediate; every
 * FAULTS_PG_KILL_STRIDE-th N unless FAULTS_FULL=1), and the same checks
 * run with the database read through libpq. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <assert.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "city_fixture.h"
#include "fault_vfs.h"
#include "pg_db.h"
#include "service/service.h"
#include "store/store.h"

#define STEPS_MAX 4            /* requests of a scenario */
#define ANSWER_BYTES_MAX 16384 /* a service answer */
#define BODY_BYTES_MAX 4096    /* a request body */
#define VALUE_BYTES 48         /* a setl_id or mdtrt_id */
#define PATH_BYTES 1024
#define DUMP_BYTES_MAX (1 << 20) /* the rows compared with the run without faults */
#define POINTS_MAX 100000        /* write points of one scenario */
/* Under the sanitizers a SQLite run costs about three times as much and
 * the release build already takes every write point: the sanitizer build
 * samples every FAULTS_SQLITE_STRIDE-th (FAULTS_FULL=1 takes every one), so
 * what it adds, the fault paths checked for memory errors, stays in make
 * test at a third of the time. */
#if defined(__SANITIZE_ADDRESS__)
#define FAULTS_SQLITE_STRIDE 3
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FAULTS_SQLITE_STRIDE 3
#endif
#endif
#ifndef FAULTS_SQLITE_STRIDE
#define FAULTS_SQLITE_STRIDE 1
#endif
#define REPORT_BYTES 256 /* a child's line per answer */
/* On PostgreSQL a run takes about 1.5 s (a database from the template, a
 * service's connections): make test samples the round trips, FAULTS_FULL=1
 * (make faults) takes every one. */
#define FAULTS_PG_DROPS 12 /* dropped connections per scenario */
#define FAULTS_PG_KILLS 5  /* server kills per scenario */

/* ---- the scenarios -------------------------------------------------------- */
enum step_kind { STEP_REGISTER, STEP_FEES, STEP_SETTLE_VISIT, STEP_SETTLE_ONESHOT, STEP_REVOKE };

struct scenario {
    const char *name;
    int steps;
    enum step_kind kind[STEPS_MAX];
};

static const struct scenario SCENARIOS[] = {
    {"settle (2207 one-shot)", 1, {STEP_SETTLE_ONESHOT}},
    {"revoke (2208)", 1, {STEP_REVOKE}},
    {"visit (2201, 2204, 2207, 2208)",
     4,
     {STEP_REGISTER, STEP_FEES, STEP_SETTLE_VISIT, STEP_REVOKE}},
};
#define SCENARIO_COUNT (sizeof SCENARIOS / sizeof SCENARIOS[0])

/* What the client knows: the answers it received. */
struct client {
    const struct scenario *sc;
    int index; /* of the scenario: the msgids */
    int next;  /* the first step not acknowledged */
    bool acked[STEPS_MAX];
    char value[STEPS_MAX][VALUE_BYTES]; /* per acked step: its mdtrt_id or setl_id */
    char mdtrt_id[VALUE_BYTES];
    char setl_id[VALUE_BYTES]; /* the settlement a revoke takes */
    char answer[ANSWER_BYTES_MAX];
};

/* The figures of the whole run. */
struct tally {
    long runs, faults, lost, doubled, half, other;
    long failed;  /* failed answers (I/O errors, dropped connections, kills) */
    long resumed; /* requests sent again after a restart: failed or unanswered */
};

/* The fixture: the template store, the reference rows of each scenario. */
struct world {
    char dir[PATH_BYTES / 2];
    char template_db[PATH_BYTES];
    char db[PATH_BYTES]; /* the copy a run works on */
    char template_setl_id[VALUE_BYTES];
    int64_t base_seq; /* the template's last journal record */
    bool pg;
    char pg_template[64], pg_run[64]; /* database names on PostgreSQL */
    struct service_config cfg;
    char *reference[SCENARIO_COUNT];
    long points[SCENARIO_COUNT];
    struct tally t;
};

/* ---- requests -------------------------------------------------------------- */
static int envelope(char *body, size_t size, const char *infno, const char *msgid,
                    const char *input) {
    int n = snprintf(body, size,
                     "{\"infno\":\"%s\",\"msgid\":\"%s\",\"mdtrtarea_admvs\":\"440900\","
                     "\"insuplc_admdvs\":\"440900\",\"recer_sys_code\":\"T\",\"infver\":\"V1.0\","
                     "\"opter_type\":\"1\",\"opter\":\"001\",\"opter_name\":\"T\","
                     "\"inf_time\":\"2020-06-01 10:00:00\",\"fixmedins_code\":\"H3\","
                     "\"fixmedins_name\":\"x\",\"sign_no\":\"\",\"input\":%s}",
                     infno, msgid, input);
    assert(n > 0 && (size_t)n < size);
    return n;
}

static void fees_input(const char *mdtrt_id, char *in, size_t size) {
    static const char line[] =
        "%s{\"mdtrt_id\":\"%s\",\"psn_no\":\"R1\",\"fee_ocur_time\":"
        "\"2020-06-01 09:30:00\",\"feedetl_sn\":\"%d\",\"med_list_codg\":\"%s\","
        "\"medins_list_codg\":\"h\",\"det_item_fee_sumamt\":%s,\"cnt\":%s,\"pric\":%s}";
    static const char *const lines[3][4] = {{"XA01", "28.8", "24", "1.2"},
                                            {"XB01", "135.00", "30", "4.5"},
                                            {"XC01", "150", "1", "150"}};
    int n = snprintf(in, size, "{\"feedetail\":[");
    for (int i = 0; i < 3; i++)
        n += snprintf(in + n, size - (size_t)n, line, i ? "," : "", mdtrt_id, i + 1, lines[i][0],
                      lines[i][1], lines[i][2], lines[i][3]);
    snprintf(in + n, size - (size_t)n, "]}");
}

/* A one-shot hospital bill of psn (48.00, part from the personal account). */
static void oneshot_input(const char *psn, char *in, size_t size) {
    snprintf(in, size,
             "{\"data\":{\"psn_no\":\"%s\",\"med_type\":\"11\",\"begntime\":\"2020-06-01\","
             "\"medfee_sumamt\":48.00,\"acct_used_flag\":\"1\"},\"feedetail\":["
             "{\"feedetl_sn\":\"1\",\"med_list_codg\":\"XA01\",\"cnt\":10,\"pric\":1.2,"
             "\"det_item_fee_sumamt\":12.0},{\"feedetl_sn\":\"2\",\"med_list_codg\":\"SA01\","
             "\"cnt\":1,\"pric\":36,\"det_item_fee_sumamt\":36}]}",
             psn);
}

/* The body of step i of the client's scenario (its msgid is fixed). */
static size_t step_body(const struct client *cl, int i, char *body, size_t size) {
    char in[BODY_BYTES_MAX - 600], msgid[32];
    static const char *const infno[] = {"2201", "2204", "2207", "2207", "2208"};
    enum step_kind k = cl->sc->kind[i];
    snprintf(msgid, sizeof msgid, "F%dS%d", cl->index, i);
    if (k == STEP_REGISTER)
        snprintf(in, sizeof in,
                 "{\"data\":{\"psn_no\":\"R1\",\"insutype\":\"390\",\"begntime\":"
                 "\"2020-06-01 09:00:00\",\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":\"R1\","
                 "\"ipt_otp_no\":\"OTP1\",\"med_type\":\"11\"}}");
    else if (k == STEP_FEES) fees_input(cl->mdtrt_id, in, sizeof in);
    else if (k == STEP_SETTLE_VISIT)
        snprintf(in, sizeof in,
                 "{\"data\":{\"psn_no\":\"R1\",\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":"
                 "\"R1\",\"med_type\":\"11\",\"medfee_sumamt\":313.80,\"psn_setlway\":\"01\","
                 "\"mdtrt_id\":\"%s\",\"acct_used_flag\":\"0\",\"insutype\":\"390\"}}",
                 cl->mdtrt_id);
    else if (k == STEP_SETTLE_ONESHOT) oneshot_input("E1", in, sizeof in);
    else snprintf(in, sizeof in, "{\"data\":{\"setl_id\":\"%s\"}}", cl->setl_id);
    return (size_t)envelope(body, size, infno[k], msgid, in);
}

/* The text of "key": in an answer (quotes dropped), or "". */
static void value_of(const char *answer, const char *key, char *out, size_t size) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(answer, pat);
    out[0] = '\0';
    if (p == NULL) return;
    p += strlen(pat);
    if (*p == '"') p++;
    snprintf(out, size, "%.*s", (int)strcspn(p, "\",}"), p);
}

/* Sends step i; true when acknowledged (infcode 0). The answer in cl->answer. */
static bool send_step(struct service *svc, struct client *cl, int i) {
    char body[BODY_BYTES_MAX];
    size_t body_len = step_body(cl, i, body, sizeof body);
    struct svc_worker *w = service_worker_take(svc);
    assert(w != NULL);
    struct svc_request req = {.body = body, .body_len = body_len, .now_s = (int64_t)time(NULL)};
    size_t len = 0;
    const char *a = service_handle(svc, w, &req, &len);
    assert(a != NULL && len < sizeof cl->answer);
    snprintf(cl->answer, sizeof cl->answer, "%.*s", (int)len, a);
    service_worker_give(svc, w);
    return strstr(cl->answer, "\"infcode\":0") != NULL;
}

/* Takes an acknowledgement of step i with its value (mdtrt_id or setl_id). */
static void client_ack(struct client *cl, int i, const char *value) {
    enum step_kind k = cl->sc->kind[i];
    cl->acked[i] = true;
    snprintf(cl->value[i], VALUE_BYTES, "%s", value);
    if (k == STEP_REGISTER) snprintf(cl->mdtrt_id, VALUE_BYTES, "%s", value);
    if (k == STEP_SETTLE_VISIT || k == STEP_SETTLE_ONESHOT)
        snprintf(cl->setl_id, VALUE_BYTES, "%s", value);
    if (cl->next == i) cl->next = i + 1;
}

/* The value an acknowledgement of step i carries. */
static void ack_value(const struct client *cl, int i, char *out, size_t size) {
    enum step_kind k = cl->sc->kind[i];
    if (k == STEP_REGISTER) value_of(cl->answer, "mdtrt_id", out, size);
    else if (k == STEP_FEES) snprintf(out, size, "-");
    else if (k == STEP_REVOKE) value_of(cl->answer, "init_setl_id", out, size);
    else value_of(cl->answer, "setl_id", out, size);
}

static void client_init(struct client *cl, const struct world *wd, int index) {
    memset(cl, 0, sizeof *cl);
    cl->sc = &SCENARIOS[index];
    cl->index = index;
    snprintf(cl->setl_id, VALUE_BYTES, "%s", wd->template_setl_id);
}

/* ---- reading the stored rows (SQLite or PostgreSQL by the target) ---------- */
static bool is_pg(const char *target) { return strncmp(target, "postgres", 8) == 0; }

static PGconn *pg_reader; /* the harness's own connection: its round trips are not counted */

/* Runs sql and appends each row, its columns joined by '|', to out (NULL:
 * counts only); returns the rows, or -1. */
static long sql_rows(const char *target, const char *sql, char *out, size_t size) {
    long rows = 0;
    size_t used = out ? strlen(out) : 0;
    if (is_pg(target)) {
        pg_reader = PQconnectdb(target);
        PGresult *r = PQexec(pg_reader, sql);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            print_message("%s: %s", sql, PQerrorMessage(pg_reader));
            rows = -1;
        }
        for (int i = 0; rows >= 0 && i < PQntuples(r); i++, rows++)
            for (int j = 0; out && j < PQnfields(r); j++)
                used += (size_t)snprintf(out + used, size - used, "%s%s", PQgetvalue(r, i, j),
                                         j + 1 < PQnfields(r) ? "|" : "\n");
        PQclear(r);
        PQfinish(pg_reader);
        pg_reader = NULL;
        return rows;
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open_v2(target, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        print_message("%s: %s\n", sql, sqlite3_errmsg(db));
        rows = -1;
    }
    while (rows >= 0 && sqlite3_step(st) == SQLITE_ROW && ++rows)
        for (int j = 0; out && j < sqlite3_column_count(st); j++) {
            const unsigned char *v = sqlite3_column_text(st, j);
            used += (size_t)snprintf(out + used, size - used, "%s%s", v ? (const char *)v : "",
                                     j + 1 < sqlite3_column_count(st) ? "|" : "\n");
        }
    sqlite3_finalize(st);
    sqlite3_close(db);
    assert(out == NULL || used < size);
    return rows;
}

/* The count(*) of a query. */
static long sql_count(const char *target, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
static long sql_count(const char *target, const char *format, ...) {
    char sql[512], out[64] = "";
    va_list ap;
    va_start(ap, format);
    vsnprintf(sql, sizeof sql, format, ap);
    va_end(ap);
    if (sql_rows(target, sql, out, sizeof out) != 1) return -1;
    return atol(out);
}

/* Every row a scenario can change, but times and hashes, in key order. On
 * PostgreSQL the visit's number is left out (of its id, the settlement's
 * msgid "H3:MDT...#1", the fee lines' and links' visit_id): it comes from
 * a sequence, which a rolled-back insert advances (a retried 2201 gets the
 * next number), so it differs from the run without faults by design. */
static char *dump(const char *target) {
    bool pg = is_pg(target);
    const char *queries[] = {
        pg ? "SELECT 'j', seq, kind, regexp_replace(msgid, 'MDT[0-9]+', 'MDT'), psn_no, "
             "fixmedins_code, ref_seq, year, req_hash, body FROM journal ORDER BY seq"
           : "SELECT 'j', seq, kind, msgid, psn_no, fixmedins_code, ref_seq, year, req_hash, body "
             "FROM journal ORDER BY seq",
        "SELECT 'p', seq, idx, debit, credit, amount FROM postings ORDER BY seq, idx",
        "SELECT 'a', account, balance FROM accounts ORDER BY account",
        "SELECT 's', * FROM states ORDER BY psn_no, year",
        "SELECT 'c', seq FROM checkpoint",
        pg ? "SELECT 'v', kind, status, code, psn_no, insutype, med_type, begntime, endtime, "
             "dise_codg, spec_dise_codg, out_of_area, filed, ipt_otp_no, setl_id FROM svc_visit "
             "ORDER BY id"
           : "SELECT 'v', id, kind, status, code, psn_no, insutype, med_type, begntime, endtime, "
             "dise_codg, spec_dise_codg, out_of_area, filed, ipt_otp_no, setl_id FROM svc_visit "
             "ORDER BY id",
        pg ? "SELECT 'f', sn, codg, cnt, pric, amount, ocur, setl_id FROM svc_fee ORDER BY "
             "visit_id, sn"
           : "SELECT 'f', visit_id, sn, codg, cnt, pric, amount, ocur, setl_id FROM svc_fee "
             "ORDER BY visit_id, sn",
        pg ? "SELECT 'l', setl_id, regexp_replace(msgid, 'MDT[0-9]+', 'MDT') FROM svc_setl "
             "ORDER BY setl_id"
           : "SELECT 'l', setl_id, visit_id, msgid FROM svc_setl ORDER BY setl_id",
        "SELECT 'r', code, msgid, infno FROM svc_answer ORDER BY code, msgid",
    };
    char *out = calloc(1, DUMP_BYTES_MAX);
    assert(out != NULL);
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++)
        if (sql_rows(target, queries[i], out, DUMP_BYTES_MAX) < 0) {
            free(out);
            return NULL;
        }
    return out;
}

/* The rows a failed request may not have changed. */
struct counts {
    long journal, postings, visits, fees, links, answers, settled, marked;
};

static void counts_of(const char *target, struct counts *c) {
    c->journal = sql_count(target, "SELECT count(*) FROM journal");
    c->postings = sql_count(target, "SELECT count(*) FROM postings");
    c->visits = sql_count(target, "SELECT count(*) FROM svc_visit");
    c->fees = sql_count(target, "SELECT count(*) FROM svc_fee");
    c->links = sql_count(target, "SELECT count(*) FROM svc_setl");
    c->answers = sql_count(target, "SELECT count(*) FROM svc_answer");
    c->settled = sql_count(target, "SELECT count(*) FROM svc_visit WHERE setl_id <> 0");
    c->marked = sql_count(target, "SELECT count(*) FROM svc_fee WHERE setl_id <> 0");
}

/* ---- violations --------------------------------------------------------------- */
enum violation { V_LOST, V_DOUBLED, V_HALF, V_OTHER };

static void violation(struct world *wd, enum violation v, const char *ctx, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
static void violation(struct world *wd, enum violation v, const char *ctx, const char *format,
                      ...) {
    static const char *const names[] = {"LOST", "DOUBLED", "HALF-APPLIED", "FAILED"};
    char msg[1024];
    va_list ap;
    va_start(ap, format);
    vsnprintf(msg, sizeof msg, format, ap);
    va_end(ap);
    print_message("%s: %s: %s\n", names[v], ctx, msg);
    long *slot[] = {&wd->t.lost, &wd->t.doubled, &wd->t.half, &wd->t.other};
    (*slot[v])++;
}

static int64_t visit_number(const char *mdtrt_id) {
    return strncmp(mdtrt_id, "MDT", 3) == 0 ? atoll(mdtrt_id + 3) : -1;
}

/* After a failed answer: nothing stored changed (a settlement commits with
 * its visit's link, a revoke with its visit's reopening). */
static void check_failed(struct world *wd, const struct client *cl, int i,
                         const struct counts *before, const char *ctx) {
    wd->t.failed++;
    struct counts after;
    counts_of(wd->db, &after);
    struct counts allowed = *before;
    if (memcmp(&after, &allowed, sizeof after) != 0)
        violation(wd, V_HALF, ctx,
                  "step %d failed but changed the store: journal %ld -> %ld, postings %ld -> %ld, "
                  "visits %ld -> %ld, fees %ld -> %ld, links %ld -> %ld, answers %ld -> %ld, "
                  "settled %ld -> %ld, marked %ld -> %ld; answer %.300s",
                  i, before->journal, after.journal, before->postings, after.postings,
                  before->visits, after.visits, before->fees, after.fees, before->links,
                  after.links, before->answers, after.answers, before->settled, after.settled,
                  before->marked, after.marked, cl->answer);
}

/* Every acknowledged step is stored; nothing is stored twice. */
static void check_acks(struct world *wd, const struct client *cl, int64_t base_seq,
                       const char *ctx) {
    const char *t = wd->db;
    int settles = 0, revokes = 0;
    for (int i = 0; i < cl->sc->steps; i++) {
        enum step_kind k = cl->sc->kind[i];
        settles += k == STEP_SETTLE_VISIT || k == STEP_SETTLE_ONESHOT;
        revokes += k == STEP_REVOKE;
        if (!cl->acked[i]) continue;
        int64_t visit = visit_number(cl->mdtrt_id), id = atoll(cl->value[i]);
        long n = k == STEP_REGISTER ? sql_count(t, "SELECT count(*) FROM svc_visit WHERE id = %lld",
                                                (long long)visit)
                 : k == STEP_FEES
                     ? (sql_count(t, "SELECT count(*) FROM svc_fee WHERE visit_id = %lld",
                                  (long long)visit) == 3)
                 : k == STEP_REVOKE
                     ? sql_count(t,
                                 "SELECT count(*) FROM journal WHERE kind = 2 AND ref_seq = %lld",
                                 (long long)id)
                     : sql_count(t, "SELECT count(*) FROM journal WHERE kind = 1 AND seq = %lld",
                                 (long long)id);
        if (n == 1 && k == STEP_SETTLE_VISIT)
            n = sql_count(t,
                          "SELECT count(*) FROM svc_setl WHERE setl_id = %lld AND visit_id = %lld",
                          (long long)id, (long long)visit);
        if (n != 1)
            violation(wd, V_LOST, ctx, "step %d acknowledged (%s) but not stored", i, cl->value[i]);
    }
    long s = sql_count(t, "SELECT count(*) FROM journal WHERE kind = 1 AND seq > %lld",
                       (long long)base_seq);
    long r = sql_count(t, "SELECT count(*) FROM journal WHERE kind = 2 AND seq > %lld",
                       (long long)base_seq);
    if (s > settles || r > revokes)
        violation(wd, V_DOUBLED, ctx, "%ld settlements and %ld revokes stored for %d and %d asked",
                  s, r, settles, revokes);
}

/* What `yibao check` runs, on a read-only handle. */
static void check_store(struct world *wd, const char *ctx) {
    struct store *s = NULL;
    struct store_err err = {{0}};
    int64_t records = 0;
    int rc = store_open_as(wd->db, STORE_MODE_READ_ONLY, &s, &err);
    if (rc == 0) rc = store_check(s, &records, &err);
    store_close(s);
    if (rc != 0) violation(wd, V_HALF, ctx, "check: %s", err.msg);
}

/* ---- a restart: the client resumes, replays, and the rows are compared ------ */
static struct service *open_service(struct world *wd, const char *ctx) {
    struct service *svc = NULL;
    char err[512];
    if (service_open(wd->db, &wd->cfg, &svc, err, sizeof err) != 0) {
        violation(wd, V_OTHER, ctx, "service_open after the fault: %s", err);
        return NULL;
    }
    return svc;
}

/* The rest of the flow (the unanswered request again under its msgid),
 * then every request again: each answers as first acknowledged. */
static void resume(struct world *wd, struct client *cl, const char *ctx) {
    struct service *svc = open_service(wd, ctx);
    char value[VALUE_BYTES];
    if (svc == NULL) return;
    for (int i = cl->next; i < cl->sc->steps; i++) {
        wd->t.resumed += i == cl->next;
        if (!send_step(svc, cl, i)) {
            violation(wd, V_OTHER, ctx, "step %d resumed after the restart failed: %.300s", i,
                      cl->answer);
            service_close(svc);
            return;
        }
        ack_value(cl, i, value, sizeof value);
        if (cl->acked[i] && strcmp(value, cl->value[i]) != 0)
            violation(wd, V_DOUBLED, ctx, "step %d answered %s, then %s", i, cl->value[i], value);
        client_ack(cl, i, value);
    }
    for (int i = 0; i < cl->sc->steps; i++) {
        bool ok = send_step(svc, cl, i);
        ack_value(cl, i, value, sizeof value);
        if (!ok || strcmp(value, cl->value[i]) != 0)
            violation(wd, ok ? V_DOUBLED : V_OTHER, ctx, "replay of step %d: %s, not %s: %.300s", i,
                      value, cl->value[i], cl->answer);
    }
    service_close(svc);
}

/* After a run with a fault: acknowledged answers stored, check passes;
 * then the client resumes and the rows must be the fault-free run's. */
static void after_run(struct world *wd, struct client *cl, int64_t base_seq, const char *ctx) {
    check_acks(wd, cl, base_seq, ctx);
    check_store(wd, ctx);
    resume(wd, cl, ctx);
    check_store(wd, ctx);
    char *rows = dump(wd->db);
    char **ref = &wd->reference[cl->index];
    if (rows == NULL) {
        violation(wd, V_OTHER, ctx, "the rows cannot be read");
    } else if (*ref == NULL) {
        *ref = rows; /* the run without faults */
        return;
    } else if (strcmp(rows, *ref) != 0) {
        size_t at = 0;
        while (rows[at] == (*ref)[at]) at++;
        while (at > 0 && rows[at - 1] != '\n') at--;
        violation(wd, V_HALF, ctx,
                  "the rows differ from the run without faults:\n  got  %.*s\n  want %.*s",
                  (int)strcspn(rows + at, "\n"), rows + at, (int)strcspn(*ref + at, "\n"),
                  *ref + at);
    }
    free(rows);
}

/* ---- PostgreSQL faults: libpq's round trips, wrapped at link time ----------- */
enum pg_fault { PG_COUNT, PG_DROP, PG_KILL };
PGresult *__real_PQexec(PGconn *conn, const char *query);
PGresult *__real_PQexecParams(PGconn *conn, const char *command, int n, const Oid *types,
                              const char *const *values, const int *lengths, const int *formats,
                              int result_format);
PGresult *__real_PQexecPrepared(PGconn *conn, const char *name, int n, const char *const *values,
                                const int *lengths, const int *formats, int result_format);
int __real_PQputCopyEnd(PGconn *conn, const char *errormsg);
PGresult *__wrap_PQexec(PGconn *conn, const char *query);
PGresult *__wrap_PQexecParams(PGconn *conn, const char *command, int n, const Oid *types,
                              const char *const *values, const int *lengths, const int *formats,
                              int result_format);
PGresult *__wrap_PQexecPrepared(PGconn *conn, const char *name, int n, const char *const *values,
                                const int *lengths, const int *formats, int result_format);
int __wrap_PQputCopyEnd(PGconn *conn, const char *errormsg);
int __real_PQpipelineSync(PGconn *conn);
int __wrap_PQpipelineSync(PGconn *conn);

static struct {
    pthread_mutex_t lock;
    enum pg_fault mode;
    long arm_at, points;
    bool fired;
    char what[160];
    char base[PATH_BYTES];     /* YIBAO_PG_URI */
    char data_dir[PATH_BYTES]; /* the cluster's, for pg_ctl */
    char pg_ctl[PATH_BYTES];
} pgf = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* One statement on a new connection to the cluster's base database. */
static int pg_admin(const char *sql, char *out, size_t size) {
    PGconn *c = PQconnectdb(pgf.base);
    PGresult *r = __real_PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) print_message("%s: %s", sql, PQerrorMessage(c));
    if (ok && out != NULL) snprintf(out, size, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : -1;
}

/* Terminates conn's backend and waits until it is gone. */
static void pg_drop(PGconn *conn) {
    char sql[200], left[16] = "1";
    int pid = PQbackendPID(conn);
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)", pid);
    (void)pg_admin(sql, NULL, 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity WHERE pid = %d", pid);
    for (int i = 0; i < 1000 && strcmp(left, "0") != 0; i++) /* progress: the backend ends */
        if (pg_admin(sql, left, sizeof left) != 0) break;
}

/* Kills the server (immediate: no shutdown checkpoint, crash recovery at
 * start) and starts it again. */
static void pg_kill(void) {
    char cmd[3 * PATH_BYTES + 200];
    snprintf(cmd, sizeof cmd,
             "runuser -u postgres -- '%s' -D '%s' -m immediate -w -t 60 -l '%s/../restart.log' "
             "restart >/dev/null 2>&1",
             pgf.pg_ctl, pgf.data_dir, pgf.data_dir);
    if (system(cmd) != 0) print_message("pg_ctl restart failed: %s\n", cmd);
}

static void pg_point(PGconn *conn, const char *what) {
    if (conn == pg_reader) return; /* the harness's own reads */
    pthread_mutex_lock(&pgf.lock);
    long n = ++pgf.points;
    bool fire = pgf.mode != PG_COUNT && n == pgf.arm_at;
    if (fire) {
        pgf.fired = true;
        snprintf(pgf.what, sizeof pgf.what, "%.150s", what);
    }
    enum pg_fault mode = pgf.mode;
    pthread_mutex_unlock(&pgf.lock);
    if (fire && mode == PG_DROP) pg_drop(conn);
    if (fire && mode == PG_KILL) pg_kill();
}

PGresult *__wrap_PQexec(PGconn *conn, const char *query) {
    pg_point(conn, query);
    return __real_PQexec(conn, query);
}
PGresult *__wrap_PQexecParams(PGconn *conn, const char *command, int n, const Oid *types,
                              const char *const *values, const int *lengths, const int *formats,
                              int result_format) {
    pg_point(conn, command);
    return __real_PQexecParams(conn, command, n, types, values, lengths, formats, result_format);
}
PGresult *__wrap_PQexecPrepared(PGconn *conn, const char *name, int n, const char *const *values,
                                const int *lengths, const int *formats, int result_format) {
    pg_point(conn, name);
    return __real_PQexecPrepared(conn, name, n, values, lengths, formats, result_format);
}
int __wrap_PQputCopyEnd(PGconn *conn, const char *errormsg) {
    pg_point(conn, "COPY end");
    return __real_PQputCopyEnd(conn, errormsg);
}
/* a pipeline's round trip (its statements were queued, sent by the sync) */
int __wrap_PQpipelineSync(PGconn *conn) {
    pg_point(conn, "pipeline sync");
    return __real_PQpipelineSync(conn);
}

static void pg_arm(enum pg_fault mode, long n) {
    pthread_mutex_lock(&pgf.lock);
    pgf.mode = mode, pgf.arm_at = n, pgf.points = 0, pgf.fired = false, pgf.what[0] = '\0';
    pthread_mutex_unlock(&pgf.lock);
}

static long pg_disarm(void) {
    pthread_mutex_lock(&pgf.lock);
    long n = pgf.points;
    pgf.mode = PG_COUNT, pgf.arm_at = 0;
    pthread_mutex_unlock(&pgf.lock);
    return n;
}

/* ---- the injectors -------------------------------------------------------------- */
struct injector {
    const char *name;
    void (*arm)(long n); /* 0: count only */
    long (*disarm)(void);
    bool (*fired)(void);
    const char *(*what)(void);
    bool fork; /* the process crashes: run in a child */
    enum fault_mode crash;
};

static void vfs_arm_error(long n) { fault_vfs_arm(n ? FAULT_ERROR : FAULT_COUNT, n); }
static void pg_arm_drop(long n) { pg_arm(n ? PG_DROP : PG_COUNT, n); }
static void pg_arm_kill(long n) { pg_arm(n ? PG_KILL : PG_COUNT, n); }
static bool pg_fired(void) { return pgf.fired; }
static const char *pg_what(void) { return pgf.what; }

static const struct injector INJ_SQLITE_ERROR = {"I/O error",     vfs_arm_error,  fault_vfs_disarm,
                                                 fault_vfs_fired, fault_vfs_what, false,
                                                 FAULT_COUNT};
static const struct injector INJ_SQLITE_CRASH = {
    "process crash", NULL, fault_vfs_disarm, fault_vfs_fired, fault_vfs_what, true, FAULT_CRASH};
static const struct injector INJ_SQLITE_POWER = {
    "power loss", NULL, fault_vfs_disarm, fault_vfs_fired, fault_vfs_what, true, FAULT_POWER};
static const struct injector INJ_PG_DROP = {
    "dropped connection", pg_arm_drop, pg_disarm, pg_fired, pg_what, false, FAULT_COUNT};
static const struct injector INJ_PG_KILL = {"server kill", pg_arm_kill, pg_disarm,  pg_fired,
                                            pg_what,       false,       FAULT_COUNT};

/* ---- one run ------------------------------------------------------------------ */
/* A fresh copy of the template store at wd->db. */
static void fresh_copy(struct world *wd) {
    char sql[200];
    if (wd->pg) {
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", wd->pg_run);
        assert_int_equal(pg_admin(sql, NULL, 0), 0);
        snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE %s", wd->pg_run, wd->pg_template);
        assert_int_equal(pg_admin(sql, NULL, 0), 0);
        return;
    }
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char path[PATH_BYTES + 16], buf[65536];
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(path, sizeof path, "%s%s", wd->db, suffix[i]);
        (void)unlink(path);
    }
    int in = open(wd->template_db, O_RDONLY), out = open(wd->db, O_WRONLY | O_CREAT, 0600);
    assert_true(in >= 0 && out >= 0);
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0) assert_int_equal(write(out, buf, (size_t)n), n);
    assert_int_equal(n, 0);
    close(in);
    assert_int_equal(close(out), 0);
}

/* The fault-free run (n = 0) or a run with point n failing, in this
 * process: a failed request is checked to have left nothing and is sent
 * again at once under its msgid. Returns whether point n was reached. */
static bool run_live(struct world *wd, const struct injector *inj, int index, long n,
                     long *points) {
    struct client cl;
    char ctx[512], value[VALUE_BYTES];
    struct counts before;
    fresh_copy(wd);
    client_init(&cl, wd, index);
    snprintf(ctx, sizeof ctx, "%s, %s at point %ld", cl.sc->name, inj->name, n);
    struct service *svc = open_service(wd, ctx);
    assert_non_null(svc);
    inj->arm(n);
    for (int i = 0; i < cl.sc->steps; i++) {
        if (n > 0) counts_of(wd->db, &before);
        bool ok = send_step(svc, &cl, i);
        if (!ok && n == 0) violation(wd, V_OTHER, ctx, "step %d: %.300s", i, cl.answer);
        if (!ok && n > 0) {
            check_failed(wd, &cl, i, &before, ctx);
            ok = send_step(svc, &cl, i); /* the client's retry */
        }
        if (!ok) break; /* left to the restart */
        ack_value(&cl, i, value, sizeof value);
        client_ack(&cl, i, value);
    }
    service_close(svc);
    bool fired = inj->fired();
    *points = inj->disarm();
    if (n > 0 && !fired) return false;
    snprintf(ctx, sizeof ctx, "%s, %s at point %ld (%s)", cl.sc->name, inj->name, n,
             n ? inj->what() : "none");
    after_run(wd, &cl, wd->base_seq, ctx);
    return true;
}

/* In a child: the scenario with a crash at point n; each answer goes to fd
 * as "STEP ok VALUE" or "STEP failed". Exits 0 when point n was not reached. */
static _Noreturn void child_run(struct world *wd, const struct injector *inj, int index, long n,
                                int fd) {
    struct client cl;
    char err[512], line[REPORT_BYTES], value[VALUE_BYTES];
    struct service *svc = NULL;
    client_init(&cl, wd, index);
    if (service_open(wd->db, &wd->cfg, &svc, err, sizeof err) != 0) _exit(3);
    fault_vfs_report_to(fd);
    fault_vfs_arm(inj->crash, n);
    for (int i = 0; i < cl.sc->steps; i++) {
        bool ok = send_step(svc, &cl, i);
        if (ok) ack_value(&cl, i, value, sizeof value), client_ack(&cl, i, value);
        int len = snprintf(line, sizeof line, "%d %s %s\n", i, ok ? "ok" : "failed",
                           ok ? value : "-");
        if (write(fd, line, (size_t)len) != len) _exit(4);
        if (!ok) break;
    }
    service_close(svc);
    _exit(0);
}

/* A run in a child that crashes at point n; the parent restarts. */
static bool run_forked(struct world *wd, const struct injector *inj, int index, long n) {
    struct client cl;
    char ctx[512], buf[(STEPS_MAX + 1) * REPORT_BYTES + 1] = "", what[REPORT_BYTES] = "";
    int fds[2];
    fresh_copy(wd);
    client_init(&cl, wd, index);
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) close(fds[0]), child_run(wd, inj, index, n, fds[1]);
    close(fds[1]);
    size_t used = 0;
    ssize_t got;
    while ((got = read(fds[0], buf + used, sizeof buf - 1 - used)) > 0) used += (size_t)got;
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    snprintf(ctx, sizeof ctx, "%s, %s at point %ld", cl.sc->name, inj->name, n);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return false;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != FAULT_CRASH_EXIT) {
        violation(wd, V_OTHER, ctx, "the child ended with status %d", status);
        return true;
    }
    for (char *p = buf; *p != '\0'; p = strchr(p, '\n') + 1) {
        int step = -1;
        char ok[16] = "", value[VALUE_BYTES] = "";
        if (*p == '!') snprintf(what, sizeof what, "%.*s", (int)strcspn(p + 2, "\n"), p + 2);
        if (sscanf(p, "%d %15s %47s", &step, ok, value) == 3 && strcmp(ok, "ok") == 0)
            client_ack(&cl, step, value);
    }
    snprintf(ctx, sizeof ctx, "%s, %s at point %ld (%s, %d acknowledged)", cl.sc->name, inj->name,
             n, what, cl.next);
    after_run(wd, &cl, wd->base_seq, ctx);
    return true;
}

/* ---- the template store ---------------------------------------------------------- */
/* The small city, the service's tables, and one settlement of E2 (the one
 * the revoke scenario revokes); at wd->template_db (SQLite) or in database
 * wd->pg_template. */
static void make_template(struct world *wd) {
    struct store *s = NULL;
    struct store_err err = {{0}};
    char msg[512], target[PATH_BYTES];
    const char *at = wd->pg ? target : wd->template_db;
    if (wd->pg)
        snprintf(target, sizeof target, "%.*s/%s", (int)(strrchr(pgf.base, '/') - pgf.base),
                 pgf.base, wd->pg_template);
    assert_int_equal(store_open(at, &s, &err), 0);
    assert_int_equal(city_import_all(s, wd->dir), 0);
    store_close(s);
    struct service *svc = NULL;
    if (service_open(at, &wd->cfg, &svc, msg, sizeof msg) != 0) print_message("%s\n", msg);
    assert_non_null(svc);
    struct client cl = {.sc = &SCENARIOS[0], .index = 9};
    char in[1024], body[BODY_BYTES_MAX];
    oneshot_input("E2", in, sizeof in);
    size_t len = (size_t)envelope(body, sizeof body, "2207", "T0", in);
    struct svc_worker *w = service_worker_take(svc);
    struct svc_request req = {.body = body, .body_len = len, .now_s = (int64_t)time(NULL)};
    const char *a = service_handle(svc, w, &req, &len);
    snprintf(cl.answer, sizeof cl.answer, "%.*s", (int)len, a);
    service_worker_give(svc, w);
    service_close(svc);
    if (strstr(cl.answer, "\"infcode\":0") == NULL) print_message("template: %s\n", cl.answer);
    assert_non_null(strstr(cl.answer, "\"infcode\":0"));
    value_of(cl.answer, "setl_id", wd->template_setl_id, sizeof wd->template_setl_id);
    wd->base_seq = sql_count(at, "SELECT count(*) FROM journal");
    assert_true(wd->base_seq > 0);
}

static struct world *world_new(bool pg) {
    struct world *wd = calloc(1, sizeof *wd);
    assert_non_null(wd);
    const char *tmp = getenv("TMPDIR");
    snprintf(wd->dir, sizeof wd->dir, "%s/yibao-faults-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(wd->dir));
    snprintf(wd->template_db, sizeof wd->template_db, "%s/template.db", wd->dir);
    snprintf(wd->db, sizeof wd->db, "%s/run.db", wd->dir);
    service_config_default(&wd->cfg);
    wd->cfg.auth_off = wd->cfg.sign_in_off = true;
    wd->pg = pg;
    if (pg) {
        snprintf(wd->pg_template, sizeof wd->pg_template, "yibao_faults_%d_t", (int)getpid());
        snprintf(wd->pg_run, sizeof wd->pg_run, "yibao_faults_%d_r", (int)getpid());
        snprintf(wd->db, sizeof wd->db, "%.*s/%s", (int)(strrchr(pgf.base, '/') - pgf.base),
                 pgf.base, wd->pg_run);
        char sql[160];
        snprintf(sql, sizeof sql, "CREATE DATABASE %s", wd->pg_template);
        assert_int_equal(pg_admin(sql, NULL, 0), 0);
    }
    make_template(wd);
    return wd;
}

static void world_free(struct world *wd) {
    char cmd[PATH_BYTES];
    if (wd->pg) {
        snprintf(cmd, sizeof cmd, "DROP DATABASE IF EXISTS %s", wd->pg_run);
        (void)pg_admin(cmd, NULL, 0);
        snprintf(cmd, sizeof cmd, "DROP DATABASE IF EXISTS %s", wd->pg_template);
        (void)pg_admin(cmd, NULL, 0);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", wd->dir);
    assert_int_equal(system(cmd), 0);
    for (size_t i = 0; i < SCENARIO_COUNT; i++) free(wd->reference[i]);
    free(wd);
}

/* ---- the sweeps --------------------------------------------------------------------- */
static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Point n = first, first + stride, ... of scenario index under inj, until
 * a run no longer reaches it. */
static void sweep(struct world *wd, const struct injector *inj, int index, long stride) {
    double start = now_s();
    long runs = 0, points = 0, last = 0;
    for (long n = 1; n <= POINTS_MAX; n += stride, runs++) {
        bool reached = inj->fork ? run_forked(wd, inj, index, n)
                                 : run_live(wd, inj, index, n, &points);
        if (!reached) break;
        last = n;
    }
    assert_true(runs > 0);
    wd->t.runs += runs + 1;
    wd->t.faults += runs;
    print_message("  %-32s %-18s %4ld faults injected (points 1..%ld, every %ld), %.1f s\n",
                  SCENARIOS[index].name, inj->name, runs, last, stride, now_s() - start);
}

/* The reference run of each scenario, then every injector's sweep. */
static void sweep_all(struct world *wd, const struct injector *const *injs, size_t count,
                      const char *backend) {
    double start = now_s();
    for (int s = 0; s < (int)SCENARIO_COUNT; s++) {
        assert_true(run_live(wd, injs[0], s, 0, &wd->points[s]));
        print_message("  %-32s %ld %s without faults\n", SCENARIOS[s].name, wd->points[s],
                      wd->pg ? "round trips" : "write points");
        assert_non_null(wd->reference[s]);
        const char *only = getenv("FAULTS_ONLY"); /* an injector's name, for a run by hand */
        for (size_t i = 0; i < count; i++) {
            long stride = 1;
            if (only != NULL && strcmp(only, injs[i]->name) != 0) continue;
            const char *full = getenv("FAULTS_FULL");
            bool sample = full == NULL || strcmp(full, "1") != 0;
            if (sample && injs[i] == &INJ_PG_DROP) stride = wd->points[s] / FAULTS_PG_DROPS + 1;
            if (sample && injs[i] == &INJ_PG_KILL) stride = wd->points[s] / FAULTS_PG_KILLS + 1;
            if (sample && !wd->pg) stride = FAULTS_SQLITE_STRIDE;
            sweep(wd, injs[i], s, stride);
        }
    }
    print_message("  %ld failed answers, %ld requests resumed after a restart\n", wd->t.failed,
                  wd->t.resumed);
    print_message(
        "faults (%s): %zu scenarios, %ld faults injected, %ld runs, %ld lost, %ld doubled, "
        "%ld half-applied, %ld failed otherwise, %.0f s\n",
        backend, SCENARIO_COUNT, wd->t.faults, wd->t.runs, wd->t.lost, wd->t.doubled, wd->t.half,
        wd->t.other, now_s() - start);
    assert_int_equal(wd->t.lost + wd->t.doubled + wd->t.half + wd->t.other, 0);
}

static void test_sqlite(void **state) {
    (void)state;
    struct world *wd = world_new(false);
    const struct injector *injs[] = {&INJ_SQLITE_ERROR, &INJ_SQLITE_CRASH, &INJ_SQLITE_POWER};
    sweep_all(wd, injs, 3, "sqlite");
    world_free(wd);
}

static void test_pg(void **state) {
    (void)state;
    struct world *wd = world_new(true);
    const struct injector *injs[] = {&INJ_PG_DROP, &INJ_PG_KILL};
    sweep_all(wd, injs, 2, "postgresql");
    world_free(wd);
}

/* The cluster's data directory and pg_ctl, for the server kills. */
static void pg_locate(void) {
    char bin[PATH_BYTES / 2];
    assert_int_equal(pg_admin("SHOW data_directory", pgf.data_dir, sizeof pgf.data_dir), 0);
    FILE *p = popen("ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1", "r");
    assert_non_null(p);
    assert_non_null(fgets(bin, sizeof bin, p));
    pclose(p);
    bin[strcspn(bin, "\n")] = '\0';
    snprintf(pgf.pg_ctl, sizeof pgf.pg_ctl, "%s/pg_ctl", bin);
}

int main(void) {
    if (fault_vfs_install() != 0) {
        fprintf(stderr, "test_faults: cannot register the fault VFS\n");
        return 1;
    }
    const struct CMUnitTest sqlite_tests[] = {cmocka_unit_test(test_sqlite)};
    int failed = cmocka_run_group_tests_name("faults/sqlite", sqlite_tests, NULL, NULL);
    const char *pg = getenv("YIBAO_PG_URI");
    if (pg == NULL || *pg == '\0') {
        print_message("SKIP faults/postgresql: YIBAO_PG_URI not set\n");
        return failed;
    }
    snprintf(pgf.base, sizeof pgf.base, "%s", pg);
    pg_locate();
    const struct CMUnitTest pg_tests[] = {cmocka_unit_test(test_pg)};
    return failed + cmocka_run_group_tests_name("faults/postgresql", pg_tests, NULL, NULL);
}
