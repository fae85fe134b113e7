/* test_service.c: the service's request path without HTTP (service_begin,
 * service_finish, service_handle), on SQLite always and on PostgreSQL when
 * YIBAO_PG_URI is set. It drives the asynchronous form step by step, so it
 * can hold a visit's settlement between its steps (docs/SERVICE.md,
 * Concurrency) and send other requests meanwhile, which over HTTP would
 * need a request to land inside a few milliseconds: while a visit is being
 * settled, fee uploads, withdrawals, a cancel and a second settlement of it
 * are refused and change nothing, and the settlement covers exactly the
 * lines read at its start. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "service/service.h"
#include "city_fixture.h"
#include "pg_db.h"

#define ANSWER_BYTES_MAX 16384

struct fixture {
    char dir[256];
    char target[512];
    char pg_db[64];
    struct service *svc;
    struct svc_worker *w, *other;
    int serial; /* msgids */
    /* the parked request's waiter */
    pthread_mutex_t lock;
    pthread_cond_t resumed_cond;
    int resumed;
};

static int setup_backend(void **state, bool pg) {
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(test_target_make(pg, "service", "svc.db", f->dir, sizeof f->dir, f->pg_db,
                                      sizeof f->pg_db, f->target, sizeof f->target),
                     0);
    struct store *store;
    struct store_err err = {{0}};
    assert_int_equal(store_open(f->target, &store, &err), 0);
    assert_int_equal(city_import_all(store, f->dir), 0);
    store_close(store);
    struct service_config cfg;
    service_config_default(&cfg);
    cfg.auth_off = cfg.sign_in_off = true;
    char msg[512];
    if (service_open(f->target, &cfg, &f->svc, msg, sizeof msg) != 0) print_message("%s\n", msg);
    assert_non_null(f->svc);
    f->w = service_worker_take(f->svc);
    f->other = service_worker_take(f->svc);
    assert_true(f->w != NULL && f->other != NULL);
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->resumed_cond, NULL);
    *state = f;
    return 0;
}

static int setup_sqlite(void **state) { return setup_backend(state, false); }
static int setup_pg(void **state) { return setup_backend(state, true); }

static int teardown(void **state) {
    struct fixture *f = *state;
    service_worker_give(f->svc, f->w);
    service_worker_give(f->svc, f->other);
    service_close(f->svc);
    if (f->pg_db[0] != '\0') pg_db_drop(f->pg_db);
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->resumed_cond);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* The request body of infno with input at institution H3, a fresh msgid. */
static struct svc_request request(struct fixture *f, const char *infno, const char *input,
                                  char *body, size_t size) {
    int n = snprintf(body, size,
                     "{\"infno\":\"%s\",\"msgid\":\"H3T%08d\",\"mdtrtarea_admvs\":\"440900\","
                     "\"insuplc_admdvs\":\"440900\",\"recer_sys_code\":\"T\",\"infver\":\"V1.0\","
                     "\"opter_type\":\"1\",\"opter\":\"001\",\"opter_name\":\"T\","
                     "\"inf_time\":\"2020-06-01 10:00:00\",\"fixmedins_code\":\"H3\","
                     "\"fixmedins_name\":\"x\",\"sign_no\":\"\",\"input\":%s}",
                     infno, ++f->serial, input);
    assert_true(n > 0 && (size_t)n < size);
    return (struct svc_request){.body = body, .body_len = (size_t)n, .now_s = (int64_t)time(NULL)};
}

/* Handles one request at once on the second worker; the answer into out. */
static void call(struct fixture *f, const char *infno, const char *input, char *out) {
    char body[4096];
    struct svc_request req = request(f, infno, input, body, sizeof body);
    size_t len = 0;
    const char *answer = service_handle(f->svc, f->other, &req, &len);
    assert_non_null(answer);
    assert_true(len < ANSWER_BYTES_MAX);
    snprintf(out, ANSWER_BYTES_MAX, "%.*s", (int)len, answer);
}

static void expect_ok(const char *answer) {
    if (strstr(answer, "\"infcode\":0") == NULL) print_message("answer: %s\n", answer);
    assert_non_null(strstr(answer, "\"infcode\":0"));
}

static void expect_refused(const char *answer, const char *why) {
    if (strstr(answer, why) == NULL) print_message("answer: %s\n", answer);
    assert_non_null(strstr(answer, "\"infcode\":-1"));
    assert_non_null(strstr(answer, why));
}

static void on_suspend(void *ctx) { (void)ctx; }

static void on_resume(void *ctx) {
    struct fixture *f = ctx;
    pthread_mutex_lock(&f->lock);
    f->resumed++;
    pthread_cond_signal(&f->resumed_cond);
    pthread_mutex_unlock(&f->lock);
}

/* Waits until the parked request has been resumed `count` times in all. */
static void wait_resumed(struct fixture *f, int count) {
    pthread_mutex_lock(&f->lock);
    while (f->resumed < count) pthread_cond_wait(&f->resumed_cond, &f->lock);
    pthread_mutex_unlock(&f->lock);
}

/* Registers a visit of R1 with three fee lines (313.80); its mdtrt_id. */
static void open_visit(struct fixture *f, char *mdtrt_id, size_t size) {
    char a[ANSWER_BYTES_MAX], in[2048];
    call(f, "2201",
         "{\"data\":{\"psn_no\":\"R1\",\"insutype\":\"390\",\"begntime\":"
         "\"2020-06-01 09:00:00\",\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":\"R1\","
         "\"ipt_otp_no\":\"OTP1\",\"med_type\":\"11\"}}",
         a);
    expect_ok(a);
    const char *id = strstr(a, "\"mdtrt_id\":\"");
    assert_non_null(id);
    id += strlen("\"mdtrt_id\":\"");
    snprintf(mdtrt_id, size, "%.*s", (int)strcspn(id, "\""), id);
    snprintf(in, sizeof in,
             "{\"mdtrtinfo\":{\"mdtrt_id\":\"%s\",\"psn_no\":\"R1\",\"med_type\":"
             "\"11\",\"begntime\":\"2020-06-01 09:00:00\",\"dise_codg\":\"J06.9\"}}",
             mdtrt_id);
    call(f, "2203", in, a);
    expect_ok(a);
    static const char line[] =
        "{\"mdtrt_id\":\"%s\",\"psn_no\":\"R1\",\"fee_ocur_time\":"
        "\"2020-06-01 09:30:00\",\"feedetl_sn\":\"%d\",\"med_list_codg\":\"%s\","
        "\"medins_list_codg\":\"h\",\"det_item_fee_sumamt\":%s,\"cnt\":%s,\"pric\":%s}";
    static const char *const lines[3][4] = {{"XA01", "28.8", "24", "1.2"},
                                            {"XB01", "135.00", "30", "4.5"},
                                            {"XC01", "150", "1", "150"}};
    int n = snprintf(in, sizeof in, "{\"feedetail\":[");
    for (int i = 0; i < 3; i++) {
        n += snprintf(in + n, sizeof in - (size_t)n, i ? "," : "");
        n += snprintf(in + n, sizeof in - (size_t)n, line, mdtrt_id, i + 1, lines[i][0],
                      lines[i][1], lines[i][2], lines[i][3]);
    }
    snprintf(in + n, sizeof in - (size_t)n, "]}");
    call(f, "2204", in, a);
    expect_ok(a);
}

/* The 2207 input settling mdtrt_id for medfee_sumamt total. */
static void settle_input(const char *mdtrt_id, const char *total, char *in, size_t size) {
    snprintf(in, size,
             "{\"data\":{\"psn_no\":\"R1\",\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":"
             "\"R1\",\"med_type\":\"11\",\"medfee_sumamt\":%s,\"psn_setlway\":\"01\",\"mdtrt_id\":"
             "\"%s\",\"acct_used_flag\":\"0\",\"insutype\":\"390\"}}",
             total, mdtrt_id);
}

/* A visit's 2207 parked after its first step (the visit reserved): uploads,
 * withdrawals, a cancel and a second 2207 of the visit are refused; once
 * the settlement goes on, it settles the three lines read at its start. */
static void test_visit_reserved_while_settling(void **state) {
    struct fixture *f = *state;
    char mdtrt_id[32], in[2048], a[ANSWER_BYTES_MAX], body[4096];
    open_visit(f, mdtrt_id, sizeof mdtrt_id);
    settle_input(mdtrt_id, "313.80", in, sizeof in);
    struct svc_request req = request(f, "2207", in, body, sizeof body);
    struct service_waiter waiter = {on_suspend, on_resume, f};
    size_t len = 0;
    assert_null(service_begin(f->svc, f->w, &req, &waiter, &len)); /* step 1 queued */
    wait_resumed(f, 1);                                            /* visit reserved */

    snprintf(in, sizeof in,
             "{\"feedetail\":[{\"mdtrt_id\":\"%s\",\"psn_no\":\"R1\","
             "\"fee_ocur_time\":\"2020-06-01 09:40:00\",\"feedetl_sn\":\"4\",\"med_list_codg\":"
             "\"XA01\",\"medins_list_codg\":\"h\",\"det_item_fee_sumamt\":1.2,\"cnt\":1,"
             "\"pric\":1.2}]}",
             mdtrt_id);
    call(f, "2204", in, a);
    expect_refused(a, "visit is being settled; retry after the settlement");
    snprintf(in, sizeof in, "{\"data\":{\"mdtrt_id\":\"%s\",\"psn_no\":\"R1\"}}", mdtrt_id);
    call(f, "2205", in, a);
    expect_refused(a, "visit is being settled");
    call(f, "2202", in, a);
    expect_refused(a, "visit is being settled");
    settle_input(mdtrt_id, "313.80", in, sizeof in);
    call(f, "2207", in, a);
    expect_refused(a, "another request is settling this visit");

    const char *answer = NULL;
    for (int step = 1; answer == NULL; step++) {
        assert_true(step <= 4);
        answer = service_finish(f->svc, f->w, &len);
        if (answer == NULL) wait_resumed(f, step + 1);
    }
    snprintf(a, sizeof a, "%.*s", (int)len, answer);
    expect_ok(a);
    assert_non_null(strstr(a, "\"medfee_sumamt\":313.80"));

    /* settled: the reservation is given back; the outpatient visit takes a
     * further batch (nothing unsettled to withdraw now), a cancel is refused */
    snprintf(in, sizeof in, "{\"data\":{\"mdtrt_id\":\"%s\",\"psn_no\":\"R1\"}}", mdtrt_id);
    call(f, "2205", in, a);
    expect_ok(a);
    assert_non_null(strstr(a, "\"withdrawn_cnt\":0"));
    call(f, "2202", in, a);
    expect_refused(a, "visit is settled (setl_id");
    call(f, "2207", in, a);
    expect_refused(a, "no unsettled fee lines");
}

/* A settlement whose total does not match is refused at its first step and
 * gives the reservation back: the visit takes uploads and settles after. */
static void test_refused_settlement_releases_visit(void **state) {
    struct fixture *f = *state;
    char mdtrt_id[32], in[2048], a[ANSWER_BYTES_MAX];
    open_visit(f, mdtrt_id, sizeof mdtrt_id);
    settle_input(mdtrt_id, "313.90", in, sizeof in);
    call(f, "2207", in, a);
    expect_refused(a, "medfee_sumamt");
    snprintf(in, sizeof in,
             "{\"data\":{\"mdtrt_id\":\"%s\",\"psn_no\":\"R1\",\"feedetl_sn\":\"3\"}}", mdtrt_id);
    call(f, "2205", in, a);
    expect_ok(a);
    settle_input(mdtrt_id, "163.80", in, sizeof in);
    call(f, "2207", in, a);
    expect_ok(a);
    assert_non_null(strstr(a, "\"medfee_sumamt\":163.80"));
}

int main(void) {
    const struct CMUnitTest sqlite_tests[] = {
        cmocka_unit_test_setup_teardown(test_visit_reserved_while_settling, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_refused_settlement_releases_visit, setup_sqlite,
                                        teardown),
    };
    const struct CMUnitTest pg_tests[] = {
        cmocka_unit_test_setup_teardown(test_visit_reserved_while_settling, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_refused_settlement_releases_visit, setup_pg, teardown),
    };
    int failed = cmocka_run_group_tests_name("service/sqlite", sqlite_tests, NULL, NULL);
    const char *pg = getenv("YIBAO_PG_URI");
    if (pg != NULL && *pg != '\0')
        failed += cmocka_run_group_tests_name("service/postgresql", pg_tests, NULL, NULL);
    else print_message("YIBAO_PG_URI not set: PostgreSQL tests skipped\n");
    return failed;
}
