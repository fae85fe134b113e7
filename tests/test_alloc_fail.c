/* test_alloc_fail.c: failure paths under allocation failure (docs/TESTING.md).
 * For each entry point (commitq_start, a settlement through commitq_call,
 * store_open, store_import of each kind, store_check, a replayed read and a
 * catch-up with records after the checkpoint, service_open with auth and
 * sign-in, service_handle of a 2102 and of a visit, a batch of fund
 * records (store_pay_commit through record_batch.c), the JSON reader, the
 * policy and catalog loaders) the test runs the call again for every
 * N = 1, 2, ... with the Nth allocation failing (tests/alloc_fail.h), until
 * a call no longer reaches N. Every call must return cleanly: success
 * (the code may do without that allocation) or its error value with a
 * message; afterwards everything it made is released (the sanitizer build
 * runs LeakSanitizer at exit) and the object it worked on still works.
 * First our own code's allocations are failed, each one; then, for entry
 * points on SQLite, SQLITE_SWEEP_POINTS spread over SQLite's allocations
 * and ours. libpq, OpenSSL and libc allocate out of reach. The store and
 * service entry points run on SQLite, and on PostgreSQL when YIBAO_PG_URI
 * is set. Linked with TEST_LDFLAGS_test_alloc_fail (Makefile). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <assert.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc_fail.h"
#include "city_fixture.h"
#include "codec/codec.h"
#include "core/date.h"
#include "core/money.h"
#include "core/rules.h"
#include "json/json.h"
#include "pg_db.h"
#include "service/service.h"
#include "store/store.h"

#define POINTS_MAX 100000       /* allocations of one call the sweep covers */
#define SQLITE_SWEEP_POINTS 100 /* failures spread over an entry's allocations with SQLite's */
#define ERR_BYTES 512
#define REQUEST_LINES 300 /* fee lines of the JSON request body */
#define REQUEST_BYTES_MAX 131072
#define PATH_BYTES 1024
#define ANSWER_BYTES_MAX 16384 /* a service answer */

/* One entry point under test. call() runs it armed and returns 0 or -1
 * with err set; finish() runs disarmed after every call, releases what the
 * call made and checks that what it worked on still works. */
struct entry {
    const char *name;
    int (*call)(void *ctx, char *err, size_t err_size);
    void (*finish)(void *ctx, int rc);
    void *ctx;
};

/* Runs e once with its nth allocation failing; returns whether the call
 * reached it, counting a success despite it in *tolerated. */
static bool fail_once(const struct entry *e, long n, long *tolerated) {
    char err[ERR_BYTES] = "";
    bool trace = getenv("ALLOC_FAIL_TRACE") != NULL;
    alloc_fail_arm(n);
    int rc = e->call(e->ctx, err, sizeof err);
    long seen = alloc_fail_disarm();
    bool fired = alloc_fail_fired();
    if (rc != 0 && !fired)
        print_message("%s: failed without a failed allocation: %s\n", e->name, err);
    assert_true(rc == 0 || (rc == -1 && fired));
    if (rc == -1 && err[0] == '\0') print_message("%s: allocation %ld: no message\n", e->name, n);
    assert_true(rc == 0 || err[0] != '\0');
    assert_true(fired ? seen >= n : seen < n);
    if (trace && fired)
        print_message("%s: allocation %ld failed: %s\n", e->name, n,
                      rc ? err : "the call succeeded");
    e->finish(e->ctx, rc);
    if (rc == 0 && fired) (*tolerated)++;
    return fired;
}

/* Fails allocation 1, 1 + stride, 1 + 2 * stride ... of e until a call no
 * longer reaches it; returns the number of calls that failed one. */
static long sweep_stride(const struct entry *e, long stride, long *tolerated) {
    assert(stride >= 1);
    long failed = 0;
    for (long n = 1; n <= POINTS_MAX; n += stride, failed++)
        if (!fail_once(e, n, tolerated)) return failed;
    fail_msg("%s: more than %d allocations", e->name, POINTS_MAX);
    return -1;
}

/* The allocations of one successful call. */
static long count_once(const struct entry *e) {
    char err[ERR_BYTES] = "";
    alloc_fail_arm(0);
    int rc = e->call(e->ctx, err, sizeof err);
    long seen = alloc_fail_disarm();
    if (rc != 0) print_message("%s: %s\n", e->name, err);
    assert_int_equal(rc, 0);
    e->finish(e->ctx, rc);
    return seen;
}

/* Every allocation of our own code, then (when the entry uses SQLite)
 * SQLITE_SWEEP_POINTS spread over SQLite's allocations and ours
 * (ALLOC_FAIL_SQLITE_STRIDE=1: all of them). Returns the own points. */
static long sweep(const struct entry *e) {
    long tolerated = 0;
    long own = sweep_stride(e, 1, &tolerated);
    assert_true(own >= 0);
    print_message("%-44s %5ld own allocations, each failed cleanly (%ld tolerated)\n", e->name, own,
                  tolerated);
    alloc_fail_sqlite(true);
    long total = count_once(e);
    if (total > own) {
        const char *env = getenv("ALLOC_FAIL_SQLITE_STRIDE");
        long stride = env ? atol(env) : total / SQLITE_SWEEP_POINTS;
        stride = stride < 1 ? 1 : stride;
        tolerated = 0;
        long failed = sweep_stride(e, stride, &tolerated);
        print_message(
            "%-44s %5ld with SQLite's: 1 in %ld failed, %ld calls, each clean (%ld tolerated)\n",
            "", total, stride, failed, tolerated);
    }
    alloc_fail_sqlite(false);
    return own;
}

/* ---- a stored city in a temporary directory --------------------------- */
struct city {
    char dir[PATH_BYTES / 2];
    char target[PATH_BYTES];
    char pg_db[64];
};

/* The fixture of the tests on a store: a new database (a SQLite file in a
 * temporary directory, or with prestate true a database of the
 * YIBAO_PG_URI cluster), removed by teardown even when the test fails. */
static int city_setup(void **state, bool import) {
    bool pg = *state != NULL && *(const bool *)*state;
    struct city *c = calloc(1, sizeof *c);
    assert_non_null(c);
    assert_int_equal(test_target_make(pg, "allocfail", "city.db", c->dir, sizeof c->dir, c->pg_db,
                                      sizeof c->pg_db, c->target, sizeof c->target),
                     0);
    *state = c;
    struct store *s = NULL;
    struct store_err err = {{0}};
    assert_int_equal(store_open(c->target, &s, &err), 0);
    if (import) assert_int_equal(city_import_all(s, c->dir), 0);
    store_close(s);
    return 0;
}

static int setup_city(void **state) { return city_setup(state, true); }
static int setup_empty(void **state) { return city_setup(state, false); }

static int teardown_city(void **state) {
    struct city *c = *state;
    if (c->pg_db[0] != '\0') pg_db_drop(c->pg_db);
    char cmd[PATH_BYTES];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", c->dir);
    assert_int_equal(system(cmd), 0);
    free(c);
    return 0;
}

static void check_store(struct store *s) {
    struct store_err err = {{0}};
    int64_t records = 0;
    int rc = store_check(s, &records, &err);
    if (rc != 0) print_message("check: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

/* ---- store_open -------------------------------------------------------- */
struct open_ctx {
    const char *target;
    struct store *store;
};

static int open_call(void *ctx, char *err, size_t err_size) {
    struct open_ctx *o = ctx;
    struct store_err serr = {{0}};
    int rc = store_open(o->target, &o->store, &serr);
    snprintf(err, err_size, "%s", serr.msg);
    return rc;
}

static void open_finish(void *ctx, int rc) {
    struct open_ctx *o = ctx;
    assert_true(rc == 0 ? o->store != NULL : o->store == NULL);
    if (o->store) check_store(o->store);
    store_close(o->store);
    o->store = NULL;
}

static void test_store_open(void **state) {
    struct city *c = *state;
    struct open_ctx o = {c->target, NULL};
    struct entry e = {"store_open", open_call, open_finish, &o};
    assert_true(sweep(&e) > 0);
}

/* ---- commitq_start ----------------------------------------------------- */
struct commitq_ctx {
    struct store *store;
    struct commitq *q;
    int serial;
};

static int commitq_call_start(void *ctx, char *err, size_t err_size) {
    struct commitq_ctx *cq = ctx;
    struct store_err serr = {{0}};
    int rc = commitq_start(cq->store, 64, &cq->q, &serr);
    snprintf(err, err_size, "%s", serr.msg);
    return rc;
}

/* A settlement of one small bill of E1 at H3 (the bill into *bill and
 * *line, which must outlive the request). */
static void settle_req(struct store_req *r, struct bill *bill, struct bill_line *line,
                       const char *msgid) {
    *line = (struct bill_line){.has_feedetl_sn = true,
                               .numbers_ok = true,
                               .cnt_scaled = CNT_SCALE,
                               .pric_scaled = 100 * PRICE_SCALE,
                               .amount_fen = 10000};
    snprintf(line->feedetl_sn, sizeof line->feedetl_sn, "1");
    snprintf(line->med_list_codg, sizeof line->med_list_codg, "SA02");
    *bill = (struct bill){.med_type = MED_TYPE_INPATIENT,
                          .dates_ok = true,
                          .line_count = 1,
                          .lines = line,
                          .begntime = datetime_from_civil(2020, 3, 1, 0, 0, 0),
                          .endtime = datetime_from_civil(2020, 3, 5, 0, 0, 0)};
    snprintf(bill->fixmedins_code, sizeof bill->fixmedins_code, "H3");
    snprintf(bill->dise_codg, sizeof bill->dise_codg, "K35");
    *r = (struct store_req){.op = STORE_OP_SETTLE, .bill = bill};
    snprintf(r->msgid, sizeof r->msgid, "%s", msgid);
    snprintf(r->psn_no, sizeof r->psn_no, "E1");
}

/* A started queue must settle. */
static void commitq_finish(void *ctx, int rc) {
    struct commitq_ctx *cq = ctx;
    assert_true(rc == 0 ? cq->q != NULL : cq->q == NULL);
    if (cq->q == NULL) return;
    struct bill bill;
    struct bill_line line;
    struct store_req r;
    char msgid[MSGID_BYTES_MAX + 1];
    snprintf(msgid, sizeof msgid, "alloc-%d", ++cq->serial);
    settle_req(&r, &bill, &line, msgid);
    assert_int_equal(commitq_call(cq->q, &r), 0);
    assert_int_equal(r.status, STORE_DONE);
    commitq_stop(cq->q);
    cq->q = NULL;
}

static void test_commitq_start(void **state) {
    struct city *c = *state;
    struct commitq_ctx cq = {0};
    struct store_err err = {{0}};
    assert_int_equal(store_open(c->target, &cq.store, &err), 0);
    struct entry e = {"commitq_start", commitq_call_start, commitq_finish, &cq};
    assert_true(sweep(&e) > 0);
    check_store(cq.store);
    store_close(cq.store);
}

/* ---- commitq_call: a settlement through the writer ---------------------- */
struct settle_ctx {
    struct store *store;
    struct commitq *q;
    int serial;
    char msgid[MSGID_BYTES_MAX + 1];
    struct store_req r;
    struct bill bill;
    struct bill_line line;
};

static int settle_call(void *ctx, char *err, size_t err_size) {
    struct settle_ctx *sc = ctx;
    snprintf(sc->msgid, sizeof sc->msgid, "settle-%d", ++sc->serial);
    settle_req(&sc->r, &sc->bill, &sc->line, sc->msgid);
    int rc = commitq_call(sc->q, &sc->r);
    if (rc != 0 || sc->r.status != STORE_DONE)
        return snprintf(err, err_size, "%s", sc->r.err.msg[0] ? sc->r.err.msg : "(no message)"), -1;
    return 0;
}

/* The request again: a settlement acknowledged is replayed as it was, one
 * that failed commits now; reads still work. */
static void settle_finish(void *ctx, int rc) {
    struct settle_ctx *sc = ctx;
    struct store_req first = sc->r;
    assert_true(rc != 0 || first.status == STORE_DONE);
    settle_req(&sc->r, &sc->bill, &sc->line, sc->msgid);
    assert_int_equal(commitq_call(sc->q, &sc->r), 0);
    assert_int_equal(sc->r.status, STORE_DONE);
    assert_true(rc == 0 ? sc->r.replayed && sc->r.seq == first.seq : sc->r.seq > 0);
    struct year_state st;
    struct store_err err = {{0}};
    assert_int_equal(store_state_get(sc->store, "E1", 2020, &st, &err), 0);
    assert_true(st.acct_balc_fen >= 0);
    /* a new queue, so that the next call meets an empty cache and pending effect */
    commitq_stop(sc->q);
    assert_int_equal(commitq_start(sc->store, 64, &sc->q, &err), 0);
}

static void test_commitq_call(void **state) {
    struct city *c = *state;
    struct settle_ctx *sc = calloc(1, sizeof *sc);
    assert_non_null(sc);
    struct store_err err = {{0}};
    assert_int_equal(store_open(c->target, &sc->store, &err), 0);
    assert_int_equal(commitq_start(sc->store, 64, &sc->q, &err), 0);
    struct entry e = {"commitq_call (a settlement)", settle_call, settle_finish, sc};
    assert_true(sweep(&e) > 0);
    commitq_stop(sc->q);
    check_store(sc->store);
    store_close(sc->store);
    free(sc);
}

/* ---- records after the checkpoint: check, a replayed read, a catch-up --- */
/* Store a's queue holds settlements after the checkpoint in memory; store b
 * is a second handle on the same database, which must replay them. */
struct lag_ctx {
    struct store *a, *b;
    struct commitq *qa, *qb;
    int serial;
    struct year_state st;
};

/* One more settlement through a's queue (after the checkpoint). */
static void lag_settle(struct lag_ctx *l) {
    struct bill bill;
    struct bill_line line;
    struct store_req r;
    char msgid[MSGID_BYTES_MAX + 1];
    snprintf(msgid, sizeof msgid, "lag-%d", ++l->serial);
    settle_req(&r, &bill, &line, msgid);
    assert_int_equal(commitq_call(l->qa, &r), 0);
    assert_int_equal(r.status, STORE_DONE);
}

static int check_call(void *ctx, char *err, size_t err_size) {
    struct lag_ctx *l = ctx;
    struct store_err serr = {{0}};
    int64_t records = 0;
    int rc = store_check(l->b, &records, &serr);
    snprintf(err, err_size, "%s%s", rc == 1 ? "check FAILED: " : "", serr.msg);
    return rc == 1 ? 1 : rc; /* a fault found is a wrong answer: the sweep fails */
}

static void check_finish(void *ctx, int rc) {
    (void)rc;
    check_store(((struct lag_ctx *)ctx)->b);
}

static int read_call(void *ctx, char *err, size_t err_size) {
    struct lag_ctx *l = ctx;
    struct store_err serr = {{0}};
    int rc = store_state_get(l->b, "E1", 2020, &l->st, &serr);
    snprintf(err, err_size, "%s", serr.msg);
    return rc;
}

/* A replayed read gives what the writer's handle gives. */
static void read_finish(void *ctx, int rc) {
    struct lag_ctx *l = ctx;
    struct year_state want;
    struct store_err err = {{0}};
    assert_int_equal(store_state_get(l->a, "E1", 2020, &want, &err), 0);
    if (rc == 0) assert_memory_equal(&l->st, &want, sizeof want);
}

/* b's queue settles: it first catches the tables up to the journal's tail. */
static int catch_up_call(void *ctx, char *err, size_t err_size) {
    struct lag_ctx *l = ctx;
    struct store_err serr = {{0}};
    if (commitq_start(l->b, 64, &l->qb, &serr) != 0)
        return snprintf(err, err_size, "%s", serr.msg), -1;
    struct bill bill;
    struct bill_line line;
    struct store_req r;
    char msgid[MSGID_BYTES_MAX + 1];
    snprintf(msgid, sizeof msgid, "catch-up-%d", ++l->serial);
    settle_req(&r, &bill, &line, msgid);
    int rc = commitq_call(l->qb, &r) == 0 && r.status == STORE_DONE ? 0 : -1;
    if (rc != 0) snprintf(err, err_size, "%s", r.err.msg[0] ? r.err.msg : "(no message)");
    return rc;
}

/* The books still hold; a's next settlement leaves records after the
 * checkpoint again for the next call. */
static void catch_up_finish(void *ctx, int rc) {
    struct lag_ctx *l = ctx;
    (void)rc;
    commitq_stop(l->qb);
    l->qb = NULL;
    check_store(l->b);
    lag_settle(l);
}

static void test_records_after_checkpoint(void **state) {
    struct city *c = *state;
    struct lag_ctx *l = calloc(1, sizeof *l);
    assert_non_null(l);
    struct store_err err = {{0}};
    assert_int_equal(store_open(c->target, &l->a, &err), 0);
    assert_int_equal(commitq_start(l->a, 64, &l->qa, &err), 0);
    for (int i = 0; i < 3; i++) lag_settle(l);
    assert_int_equal(store_open(c->target, &l->b, &err), 0);
    struct entry entries[] = {
        {"store_check (records after the checkpoint)", check_call, check_finish, l},
        {"store_state_get (replayed)", read_call, read_finish, l},
        {"commitq_call (catching up first)", catch_up_call, catch_up_finish, l},
    };
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
        assert_true(sweep(&entries[i]) >= 0);
    commitq_stop(l->qa);
    check_store(l->a);
    store_close(l->b);
    store_close(l->a);
    free(l);
}

/* ---- store_import ------------------------------------------------------ */
struct import_ctx {
    struct store *store;
    const char *kind;
    char path[PATH_BYTES];
    int serial; /* persons: the file's psn_no prefix */
};

/* Persons are inserted, never overwritten: each successful import of the
 * sweep is followed by a file of new persons (the same allocations). */
static void persons_file(struct import_ctx *im) {
    char text[1024];
    int s = ++im->serial;
    snprintf(text, sizeof text,
             "psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,"
             "benefit_start,acct_balc\n"
             "E%d_1,440900197001010011,\"Wang, Wei\",1,1970-01-01,310,in_service,,440900,"
             "2010-01-01,3000.00\n"
             "E%d_2,440900195001010022,Li Na,2,1950-01-01,310,retired,low_income,440900,"
             "2010-01-01,10.50\n"
             "R%d_1,440900199001010033,Zhang San,1,1990-01-01,390,adult,,440900,2010-01-01,0\n",
             s, s, s);
    FILE *f = fopen(im->path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static int import_call(void *ctx, char *err, size_t err_size) {
    struct import_ctx *im = ctx;
    struct store_err serr = {{0}};
    int64_t rows = 0;
    int rc = store_import(im->store, im->kind, im->path, &rows, &serr);
    snprintf(err, err_size, "%s", serr.msg);
    return rc;
}

/* A failed import changed nothing: the store still checks, its registry
 * in memory answers (nothing, at worst) and reloads. */
static void import_finish(void *ctx, int rc) {
    struct import_ctx *im = ctx;
    check_store(im->store);
    const struct store_institution *h3 = store_institution_find(im->store, "H3");
    assert_true(h3 == NULL || strcmp(h3->code, "H3") == 0);
    assert_true(rc != 0 || h3 != NULL); /* imported first */
    struct store_err err = {{0}};
    assert_int_equal(store_reload_registry(im->store, &err), 0);
    if (rc == 0 || strcmp(im->kind, "institutions") != 0)
        assert_non_null(store_institution_find(im->store, "H3"));
    if (strcmp(im->kind, "persons") == 0) persons_file(im);
}

static void test_store_import(void **state) {
    struct city *c = *state;
    assert_int_equal(city_write_file(c->dir, "institutions.csv", CITY_INSTITUTIONS), 0);
    struct import_ctx im = {0};
    struct store_err err = {{0}};
    assert_int_equal(store_open(c->target, &im.store, &err), 0);
    static const char *const kinds[][3] = {
        {"store_import institutions", "institutions", "institutions.csv"},
        {"store_import policy", "policy", "policies/maoming-2020-employee.json"},
        {"store_import catalog", "catalog", "policies/catalog-conformance.json"},
        {"store_import persons", "persons", "persons.csv"},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        im.kind = kinds[i][1];
        bool csv = strstr(kinds[i][2], ".csv") != NULL;
        snprintf(im.path, sizeof im.path, "%s/%s", csv ? c->dir : city_root(), kinds[i][2]);
        if (strcmp(im.kind, "persons") == 0) persons_file(&im);
        struct entry e = {kinds[i][0], import_call, import_finish, &im};
        assert_true(sweep(&e) > 0);
    }
    store_close(im.store);
}

/* ---- service_open ------------------------------------------------------ */
struct service_ctx {
    const char *target;
    struct service_config cfg;
    struct service *svc;
};

static int service_call(void *ctx, char *err, size_t err_size) {
    struct service_ctx *sc = ctx;
    return service_open(sc->target, &sc->cfg, &sc->svc, err, err_size);
}

static void svc_open_finish(void *ctx, int rc) {
    struct service_ctx *sc = ctx;
    assert_true(rc == 0 ? sc->svc != NULL : sc->svc == NULL);
    service_close(sc->svc);
    sc->svc = NULL;
}

/* One signed 9001 sign-in of H3, so that service_open loads a credential,
 * a used nonce and a sign-in. */
static void sign_in(const char *target, const struct service_config *cfg) {
    char key_path[SERVICE_KEY_PATH_BYTES_MAX], err[ERR_BYTES];
    struct service_credential_info info;
    assert_int_equal(
        service_key_path(target, cfg->key_file, key_path, sizeof key_path, err, sizeof err), 0);
    assert_int_equal(
        service_credential_issue(target, key_path, "H3", false, &info, err, sizeof err), 0);
    const char *token = info.token, *paasid = info.paasid;
    struct service *svc = NULL;
    assert_int_equal(service_open(target, cfg, &svc, err, sizeof err), 0);
    char body[1024], ts[32], signature[65];
    int64_t now = (int64_t)time(NULL);
    snprintf(ts, sizeof ts, "%lld", (long long)now);
    service_sign_sha256(ts, token, "nonce-1", signature);
    int n = snprintf(body, sizeof body,
                     "{\"infno\":\"9001\",\"msgid\":\"H3A00000001\",\"mdtrtarea_admvs\":\"440900\","
                     "\"insuplc_admdvs\":\"440900\",\"recer_sys_code\":\"T\",\"infver\":\"V1.0\","
                     "\"opter_type\":\"1\",\"opter\":\"001\",\"opter_name\":\"T\","
                     "\"inf_time\":\"2020-06-01 10:00:00\",\"fixmedins_code\":\"H3\","
                     "\"fixmedins_name\":\"x\",\"sign_no\":\"\",\"input\":{\"signIn\":"
                     "{\"opter_no\":\"001\",\"mac\":\"00:00:00:00:00:00\",\"ip\":\"127.0.0.1\"}}}");
    struct svc_request req = {.paasid = paasid,
                              .timestamp = ts,
                              .nonce = "nonce-1",
                              .signature = signature,
                              .body = body,
                              .body_len = (size_t)n,
                              .now_s = now};
    struct svc_worker *w = service_worker_take(svc);
    assert_non_null(w);
    size_t len = 0;
    const char *answer = service_handle(svc, w, &req, &len);
    if (strstr(answer, "\"infcode\":0") == NULL) print_message("9001: %s\n", answer);
    assert_non_null(strstr(answer, "\"sign_no\""));
    service_worker_give(svc, w);
    service_close(svc);
}

static void test_service_open(void **state) {
    struct city *c = *state;
    struct service_ctx sc = {.target = c->target};
    char key_file[PATH_BYTES];
    snprintf(key_file, sizeof key_file, "%s/service.key", c->dir); /* PostgreSQL needs one named */
    service_config_default(&sc.cfg);
    sc.cfg.key_file = key_file;
    sign_in(c->target, &sc.cfg);
    struct entry e = {"service_open", service_call, svc_open_finish, &sc};
    assert_true(sweep(&e) > 0);
}

/* ---- service_handle: a pharmacy settlement (2102) ---------------------- */
struct handle_ctx {
    const char *target;
    struct service_config cfg;
    struct service *svc;
    int serial;
    char body[2048];
    size_t body_len;
    char answer[ANSWER_BYTES_MAX];
};

/* The envelope of infno at institution inst with input, a new msgid. */
static void envelope(struct handle_ctx *h, const char *infno, const char *inst, const char *input) {
    int n = snprintf(h->body, sizeof h->body,
                     "{\"infno\":\"%s\",\"msgid\":\"%sA%08d\",\"mdtrtarea_admvs\":\"440900\","
                     "\"insuplc_admdvs\":\"440900\",\"recer_sys_code\":\"T\",\"infver\":\"V1.0\","
                     "\"opter_type\":\"1\",\"opter\":\"001\",\"opter_name\":\"T\","
                     "\"inf_time\":\"2020-06-01 10:00:00\",\"fixmedins_code\":\"%s\","
                     "\"fixmedins_name\":\"x\",\"sign_no\":\"\",\"input\":%s}",
                     infno, inst, ++h->serial, inst, input);
    assert_true(n > 0 && (size_t)n < sizeof h->body);
    h->body_len = (size_t)n;
}

/* The 2102 of E1 at pharmacy D1. */
static void pharmacy_body(struct handle_ctx *h) {
    envelope(h, "2102", "D1",
             "{\"data\":{\"psn_no\":\"E1\",\"insutype\":\"310\",\"begntime\":"
             "\"2020-05-01 10:00:00\",\"medfee_sumamt\":28.80,\"acct_used_flag\":\"0\"},"
             "\"feedetail\":[{\"feedetl_sn\":\"1\",\"med_list_codg\":\"XA01\",\"cnt\":24,"
             "\"pric\":1.2,\"det_item_fee_sumamt\":28.8}]}");
}

/* Sends the body on a worker of the pool; the answer into h->answer. */
static int handle_once(struct handle_ctx *h, char *err, size_t err_size) {
    struct svc_worker *w = service_worker_take(h->svc);
    if (w == NULL) return snprintf(err, err_size, "service_worker_take: NULL"), -1;
    struct svc_request req = {
        .body = h->body, .body_len = h->body_len, .now_s = (int64_t)time(NULL)};
    size_t len = 0;
    const char *answer = service_handle(h->svc, w, &req, &len);
    assert_non_null(answer);
    assert_true(len < sizeof h->answer);
    snprintf(h->answer, sizeof h->answer, "%.*s", (int)len, answer);
    service_worker_give(h->svc, w);
    if (strstr(h->answer, "\"infcode\":0") != NULL) return 0;
    const char *msg = strstr(h->answer, "\"err_msg\":\"");
    return snprintf(err, err_size, "%.200s", msg ? msg : h->answer), -1;
}

static int handle_call(void *ctx, char *err, size_t err_size) {
    struct handle_ctx *h = ctx;
    pharmacy_body(h);
    return handle_once(h, err, err_size);
}

/* The setl_id of an answer (its text), or "". */
static void setl_id_of(const char *answer, char *out, size_t size) {
    static const char key[] = "\"setl_id\":";
    const char *p = strstr(answer, key);
    out[0] = '\0';
    if (p == NULL) return;
    p += strlen(key);
    snprintf(out, size, "%.*s", (int)strcspn(p, ",}"), p);
}

/* The same envelope again answers as the first did (the same settlement)
 * when the first succeeded, and settles when it failed. */
static void handle_finish(void *ctx, int rc) {
    struct handle_ctx *h = ctx;
    char first[32], again[32], err[ERR_BYTES];
    setl_id_of(h->answer, first, sizeof first);
    int rc2 = handle_once(h, err, sizeof err);
    if (rc2 != 0) print_message("2102 again: %s\n", err);
    assert_int_equal(rc2, 0);
    setl_id_of(h->answer, again, sizeof again);
    if (again[0] == '\0') print_message("2102 again: %s\n", h->answer);
    assert_true(again[0] != '\0');
    if (rc == 0) assert_string_equal(first, again);
    /* a new service, so that the next call starts with a new worker */
    service_close(h->svc);
    assert_int_equal(service_open(h->target, &h->cfg, &h->svc, err, sizeof err), 0);
}

/* A visit of R1 at H3: 2201 registers it, 2204 uploads three fee lines
 * (313.80), 2207 settles it; the first step that fails ends the call. */
static int visit_call(void *ctx, char *err, size_t err_size) {
    struct handle_ctx *h = ctx;
    char in[2048], id[40];
    snprintf(in, sizeof in,
             "{\"data\":{\"psn_no\":\"R1\",\"insutype\":\"390\",\"begntime\":"
             "\"2020-06-01 09:00:00\",\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":\"R1\","
             "\"ipt_otp_no\":\"OTP%d\",\"med_type\":\"11\"}}",
             h->serial);
    envelope(h, "2201", "H3", in);
    if (handle_once(h, err, err_size) != 0) return -1;
    const char *p = strstr(h->answer, "\"mdtrt_id\":\"");
    assert_non_null(p);
    p += strlen("\"mdtrt_id\":\"");
    snprintf(id, sizeof id, "%.*s", (int)strcspn(p, "\""), p);
    static const char line[] =
        "%s{\"mdtrt_id\":\"%s\",\"psn_no\":\"R1\",\"fee_ocur_time\":"
        "\"2020-06-01 09:30:00\",\"feedetl_sn\":\"%d\",\"med_list_codg\":\"%s\","
        "\"medins_list_codg\":\"h\",\"det_item_fee_sumamt\":%s,\"cnt\":%s,\"pric\":%s}";
    static const char *const lines[3][4] = {{"XA01", "28.8", "24", "1.2"},
                                            {"XB01", "135.00", "30", "4.5"},
                                            {"XC01", "150", "1", "150"}};
    int n = snprintf(in, sizeof in, "{\"feedetail\":[");
    for (int i = 0; i < 3; i++)
        n += snprintf(in + n, sizeof in - (size_t)n, line, i ? "," : "", id, i + 1, lines[i][0],
                      lines[i][1], lines[i][2], lines[i][3]);
    snprintf(in + n, sizeof in - (size_t)n, "]}");
    envelope(h, "2204", "H3", in);
    if (handle_once(h, err, err_size) != 0) return -1;
    snprintf(in, sizeof in,
             "{\"data\":{\"psn_no\":\"R1\",\"mdtrt_cert_type\":\"02\","
             "\"mdtrt_cert_no\":\"R1\",\"med_type\":\"11\",\"medfee_sumamt\":313.80,"
             "\"psn_setlway\":\"01\",\"mdtrt_id\":\"%s\",\"acct_used_flag\":\"0\","
             "\"insutype\":\"390\"}}",
             id);
    envelope(h, "2207", "H3", in);
    return handle_once(h, err, err_size);
}

/* A new service, so that the next call starts with a new worker. */
static void visit_finish(void *ctx, int rc) {
    struct handle_ctx *h = ctx;
    char err[ERR_BYTES];
    if (rc == 0) assert_non_null(strstr(h->answer, "\"medfee_sumamt\":313.80"));
    service_close(h->svc);
    assert_int_equal(service_open(h->target, &h->cfg, &h->svc, err, sizeof err), 0);
}

static void test_service_handle(void **state) {
    struct city *c = *state;
    struct handle_ctx *h = calloc(1, sizeof *h);
    assert_non_null(h);
    h->target = c->target;
    service_config_default(&h->cfg);
    h->cfg.auth_off = h->cfg.sign_in_off = true;
    char err[ERR_BYTES];
    assert_int_equal(service_open(c->target, &h->cfg, &h->svc, err, sizeof err), 0);
    struct entry e = {"service_handle (2102 settle)", handle_call, handle_finish, h};
    assert_true(sweep(&e) > 0);
    struct entry visit = {"service_handle (2201, 2204, 2207)", visit_call, visit_finish, h};
    assert_true(sweep(&visit) > 0);
    service_close(h->svc);
    free(h);
}

/* ---- the JSON reader --------------------------------------------------- */
struct json_ctx {
    const char *text;
    size_t len;
    struct json_doc *doc;
};

static int json_call(void *ctx, char *err, size_t err_size) {
    struct json_ctx *j = ctx;
    j->doc = json_doc_new(NULL);
    if (j->doc == NULL) return snprintf(err, err_size, "json_doc_new: out of memory"), -1;
    struct json_error jerr;
    if (json_parse(j->doc, j->text, j->len, &jerr) == NULL)
        return snprintf(err, err_size, "json_parse: %s", jerr.message), -1;
    return 0;
}

/* The doc a parse failed in parses the next document, without allocating
 * once it has held one. */
static void json_finish(void *ctx, int rc) {
    struct json_ctx *j = ctx;
    (void)rc;
    if (j->doc == NULL) return;
    struct json_error jerr;
    assert_non_null(json_parse(j->doc, j->text, j->len, &jerr));
    alloc_fail_arm(0);
    assert_non_null(json_parse(j->doc, j->text, j->len, &jerr));
    assert_int_equal(alloc_fail_disarm(), 0);
    json_doc_free(j->doc);
    j->doc = NULL;
}

/* A 2301 fee upload of REQUEST_LINES lines, as an institution sends it. */
static size_t request_body(char *out, size_t size) {
    size_t n = (size_t)snprintf(
        out, size,
        "{\"infno\":\"2301\",\"msgid\":\"H3T00000001\",\"mdtrtarea_admvs\":\"440900\","
        "\"insuplc_admdvs\":\"440900\",\"recer_sys_code\":\"T\",\"infver\":\"V1.0\","
        "\"opter_type\":\"1\",\"opter\":\"001\",\"opter_name\":\"\\u5f20\\u4e09\","
        "\"inf_time\":\"2020-06-01 10:00:00\",\"fixmedins_code\":\"H3\",\"fixmedins_name\":"
        "\"x\",\"sign_no\":\"1\",\"input\":{\"feedetail\":[");
    for (int i = 0; i < REQUEST_LINES && n < size; i++)
        n += (size_t)snprintf(
            out + n, size - n,
            "%s{\"feedetl_sn\":\"%d\",\"mdtrt_id\":\"M1\",\"psn_no\":\"E1\",\"med_type\":\"21\","
            "\"fee_ocur_time\":\"2020-03-02 08:00:00\",\"med_list_codg\":\"SA02\","
            "\"medins_list_codg\":\"L%d\",\"det_item_fee_sumamt\":12.30,\"cnt\":1.0000,"
            "\"pric\":12.300000,\"bilg_dept_codg\":\"D1\",\"hosp_appr_flag\":null,"
            "\"memo\":[true,false,{}]}",
            i ? "," : "", i + 1, i);
    if (n < size) n += (size_t)snprintf(out + n, size - n, "]}}");
    assert_true(n < size);
    return n;
}

static void test_json(void **state) {
    (void)state;
    char *body = malloc(REQUEST_BYTES_MAX);
    assert_non_null(body);
    struct json_ctx j = {body, request_body(body, REQUEST_BYTES_MAX), NULL};
    struct entry e = {"json_doc_new + json_parse", json_call, json_finish, &j};
    assert_true(sweep(&e) > 1);
    free(body);
}

/* ---- the policy, catalog and rules loaders ----------------------------- */
struct loader_ctx {
    char path[PATH_BYTES];
    struct policy policy;
    struct catalog catalog;
    struct rule_set rules;
};

static int policy_call(void *ctx, char *err, size_t err_size) {
    struct loader_ctx *l = ctx;
    return policy_load_file(l->path, &l->policy, err, err_size);
}

static void policy_finish(void *ctx, int rc) {
    struct loader_ctx *l = ctx;
    if (rc == 0) assert_true(l->policy.year > 0);
}

static int catalog_call(void *ctx, char *err, size_t err_size) {
    struct loader_ctx *l = ctx;
    catalog_init(&l->catalog);
    return catalog_load_file(l->path, &l->catalog, err, err_size);
}

static void catalog_finish(void *ctx, int rc) {
    struct loader_ctx *l = ctx;
    assert_true(rc == 0 ? l->catalog.count > 0 : l->catalog.count == 0);
    catalog_free(&l->catalog);
}

static int rules_call(void *ctx, char *err, size_t err_size) {
    struct loader_ctx *l = ctx;
    if (rules_init(&l->rules) != 0) return snprintf(err, err_size, "out of memory"), -1;
    return rules_load_file(l->path, &l->rules, err, err_size);
}

static void rules_finish(void *ctx, int rc) {
    struct loader_ctx *l = ctx;
    assert_true(rc == 0 ? l->rules.count > 0 : l->rules.count == 0);
    rules_free(&l->rules);
}

/* Which loader reads a file of policies/, by the file's name. */
static struct entry loader_entry(const char *file, struct loader_ctx *l, char *name, size_t size) {
    if (strncmp(file, "catalog", 7) == 0) {
        snprintf(name, size, "catalog_load_file %.60s", file);
        return (struct entry){name, catalog_call, catalog_finish, l};
    }
    if (strncmp(file, "rules", 5) == 0) {
        snprintf(name, size, "rules_load_file %.60s", file);
        return (struct entry){name, rules_call, rules_finish, l};
    }
    snprintf(name, size, "policy_load_file %.60s", file);
    return (struct entry){name, policy_call, policy_finish, l};
}

static void test_loaders(void **state) {
    (void)state;
    char dir[PATH_BYTES / 2];
    snprintf(dir, sizeof dir, "%s/policies", city_root());
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct loader_ctx *l = calloc(1, sizeof *l);
    assert_non_null(l);
    int files = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 5, ".json") != 0) continue;
        snprintf(l->path, sizeof l->path, "%s/%.256s", dir, de->d_name);
        char name[96];
        struct entry e = loader_entry(de->d_name, l, name, sizeof name);
        assert_true(sweep(&e) > 0);
        files++;
    }
    closedir(d);
    free(l);
    assert_true(files > 1);
}

/* ---- a batch of fund records (record_batch.c) ---------------------------- */
struct records_ctx {
    struct store *store;
    int serial; /* each call writes records under new msgids */
    int64_t journal_before;
};

/* Two payment records of H1 (one month, two policy years) under new msgids. */
static void records_items(struct records_ctx *r, struct store_pay_item items[2]) {
    memset(items, 0, 2 * sizeof *items);
    for (int i = 0; i < 2; i++) {
        struct store_pay *p = &items[i].p;
        items[i].kind = JOURNAL_PAY;
        snprintf(items[i].msgid, sizeof items[i].msgid, "pay/H1/2020-03/%d", 2 * r->serial + i + 2);
        snprintf(p->code, sizeof p->code, "H1");
        p->year = 2020, p->month = 3, p->part_count = 2;
        p->parts[0] = (struct store_pay_part){2019, 10000 + i, 500};
        p->parts[1] = (struct store_pay_part){2020, 20000, 1000};
        p->payable_fen = 30000 + i, p->withhold_fen = 1500, p->paid_fen = 28500 + i;
    }
}

static int records_call(void *ctx, char *err, size_t err_size) {
    struct records_ctx *r = ctx;
    struct store_pay_item items[2];
    bool posted[2] = {true, true};
    struct store_err serr = {{0}};
    records_items(r, items);
    int rc = store_pay_commit(r->store, items, 2, posted, &serr);
    snprintf(err, err_size, "%s", serr.msg);
    assert_true(rc == 0 ? posted[0] && posted[1] : !posted[0] && !posted[1]);
    return rc;
}

/* A failed commit wrote nothing; a good one both records; the store checks. */
static void records_finish(void *ctx, int rc) {
    struct records_ctx *r = ctx;
    struct store_err err = {{0}};
    int64_t records = 0;
    assert_int_equal(store_check(r->store, &records, &err), 0);
    assert_true(records == r->journal_before + (rc == 0 ? 2 : 0));
    r->journal_before = records;
    if (rc == 0) r->serial++;
}

static void test_record_batch(void **state) {
    struct city *c = *state;
    struct records_ctx r = {0};
    struct store_err err = {{0}};
    assert_int_equal(store_open(c->target, &r.store, &err), 0);
    assert_int_equal(store_check(r.store, &r.journal_before, &err), 0);
    struct entry e = {"store_pay_commit (record_batch)", records_call, records_finish, &r};
    assert_true(sweep(&e) > 0);
    assert_true(r.serial >= 2); /* the sweep's last call, and count_once, wrote */
    store_close(r.store);
}

int main(void) {
    assert_int_equal(alloc_fail_sqlite_hook(), 0);
    static const bool pg = true;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commitq_start, setup_city, teardown_city),
        cmocka_unit_test_setup_teardown(test_commitq_call, setup_city, teardown_city),
        cmocka_unit_test_setup_teardown(test_store_open, setup_city, teardown_city),
        cmocka_unit_test_setup_teardown(test_records_after_checkpoint, setup_city, teardown_city),
        cmocka_unit_test_setup_teardown(test_store_import, setup_empty, teardown_city),
        cmocka_unit_test_setup_teardown(test_service_open, setup_city, teardown_city),
        cmocka_unit_test_setup_teardown(test_service_handle, setup_city, teardown_city),
        cmocka_unit_test_setup_teardown(test_record_batch, setup_city, teardown_city),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_loaders),
    };
#define ON_PG(test, setup) \
    cmocka_unit_test_prestate_setup_teardown(test, setup, teardown_city, (void *)&pg)
    const struct CMUnitTest pg_tests[] = {
        ON_PG(test_commitq_start, setup_city),
        ON_PG(test_commitq_call, setup_city),
        ON_PG(test_store_open, setup_city),
        ON_PG(test_store_import, setup_empty),
        ON_PG(test_records_after_checkpoint, setup_city),
        ON_PG(test_service_open, setup_city),
        ON_PG(test_service_handle, setup_city),
        ON_PG(test_record_batch, setup_city),
    };
    int failed = cmocka_run_group_tests_name("alloc_fail/sqlite", tests, NULL, NULL);
    const char *uri = getenv("YIBAO_PG_URI");
    if (uri == NULL || *uri == '\0') {
        print_message("YIBAO_PG_URI not set: PostgreSQL tests skipped\n");
        return failed;
    }
    return failed + cmocka_run_group_tests_name("alloc_fail/postgresql", pg_tests, NULL, NULL);
}
