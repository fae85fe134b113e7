/* test_store.c: cmocka tests of the durable store (src/store), run against
 * SQLite always and against PostgreSQL when YIBAO_PG_URI is set (each run
 * in a fresh database): CSV parsing and its limits, import errors and
 * rollback, settle / replay / revoke through the commit queue, replays
 * answered from the journal without it (store_replay_settled), refusals,
 * batch and queue limits, concurrent callers, reads, journal encoding and
 * the check, the enrolment registry's rows and imports; on PostgreSQL, connections the server drops (between units of
 * work, inside a batch, while a batch waits for the writer lock) and a
 * database that refuses the reconnect. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <postgresql/libpq-fe.h>
#include <sqlite3.h>

#include "app/deep_check.h"
#include "core/money.h"
#include "store/csv.h"
#include "store/enrol_rows.h"
#include "store/store.h"
#include "city_fixture.h"
#include "pg_db.h"

#define THREADS 4
#define PER_THREAD 50
#define PG_WRITER_LOCK_KEY 7015123 /* store_pg.c: the writer's pg_advisory_xact_lock key */
#define PG_POLL_TRIES 1000         /* waits for a backend to appear or go: 10 ms each */
#define PG_POLL_NS 10000000L

struct fixture {
    char dir[512];
    char target[1024];
    char pg_db[64];
    struct store *store;
};

static void write_file(const char *dir, const char *name, const char *text) {
    assert_int_equal(city_write_file(dir, name, text), 0);
}

static void import_ok(struct store *s, const char *kind, const char *path) {
    assert_int_equal(city_import(s, kind, path), 0);
}

static int setup_backend(void **state, bool pg) {
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(test_target_make(pg, "store", "store.db", f->dir, sizeof f->dir, f->pg_db,
                                      sizeof f->pg_db, f->target, sizeof f->target),
                     0);
    struct store_err err = {{0}};
    assert_int_equal(store_open(f->target, &f->store, &err), 0);
    assert_int_equal(city_import_all(f->store, f->dir), 0);
    *state = f;
    return 0;
}

static int setup_sqlite(void **state) { return setup_backend(state, false); }
static int setup_pg(void **state) { return setup_backend(state, true); }

static int teardown(void **state) {
    struct fixture *f = *state;
    store_close(f->store);
    if (f->pg_db[0]) pg_db_drop(f->pg_db);
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void assert_check_ok(struct store *s) {
    struct store_err err = {{0}};
    int64_t records = 0;
    int rc = store_check(s, &records, &err);
    if (rc != 0) print_message("check: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

/* An inpatient bill at H3 of `yuan` yuan of class A service SA02. */
static void make_bill(struct bill *bill, struct bill_line *line, const char *inst, int64_t fen,
                      bool acct) {
    memset(bill, 0, sizeof *bill);
    memset(line, 0, sizeof *line);
    snprintf(bill->fixmedins_code, sizeof bill->fixmedins_code, "%s", inst);
    bill->med_type = MED_TYPE_INPATIENT;
    bill->dates_ok = true;
    bill->begntime = datetime_from_civil(2020, 3, 1, 0, 0, 0);
    bill->endtime = datetime_from_civil(2020, 3, 5, 0, 0, 0);
    snprintf(bill->dise_codg, sizeof bill->dise_codg, "K35");
    bill->acct_used = acct;
    bill->line_count = 1;
    bill->lines = line;
    snprintf(line->feedetl_sn, sizeof line->feedetl_sn, "1");
    line->has_feedetl_sn = true;
    snprintf(line->med_list_codg, sizeof line->med_list_codg, "SA02");
    line->cnt_scaled = CNT_SCALE;
    line->pric_scaled = fen * (PRICE_SCALE / 100);
    line->amount_fen = fen;
    line->numbers_ok = true;
}

static void call(struct commitq *q, struct store_req *r) {
    int rc = commitq_call(q, r);
    if (rc != 0) print_message("commit queue: %s\n", r->err.msg);
    assert_int_equal(rc, 0);
}

static void settle_req(struct store_req *r, const char *msgid, const char *psn,
                       const struct bill *b) {
    memset(r, 0, sizeof *r);
    r->op = STORE_OP_SETTLE;
    snprintf(r->msgid, sizeof r->msgid, "%s", msgid);
    snprintf(r->psn_no, sizeof r->psn_no, "%s", psn);
    r->bill = b;
}

static void revoke_req(struct store_req *r, const char *msgid, int64_t setl_id) {
    memset(r, 0, sizeof *r);
    r->op = STORE_OP_REVOKE;
    snprintf(r->msgid, sizeof r->msgid, "%s", msgid);
    r->setl_id = setl_id;
}

/* ---- settle, replay, revoke --------------------------------------------- */
static void test_settle_replay_revoke(void **state) {
    struct fixture *f = *state;
    struct commitq *q = NULL;
    struct store_err err = {{0}};
    assert_int_equal(commitq_start(f->store, 8, &q, &err), 0);
    struct bill bill, other;
    struct bill_line line, other_line;
    make_bill(&bill, &line, "H3", 500000, true);
    make_bill(&other, &other_line, "H3", 500001, true);
    struct store_req r, again, diff;
    settle_req(&r, "m1", "E1", &bill);
    call(q, &r);
    assert_int_equal(r.status, STORE_DONE);
    assert_false(r.replayed);
    int64_t id = r.result_setl_id;
    assert_true(id > 0);
    assert_int_equal(r.stl.setl.medfee_sumamt, 500000);
    assert_int_equal(r.stl.setl.fund_pay_sumamt + r.stl.setl.psn_part_amt, 500000);
    assert_true(r.stl.setl.acct_pay > 0 && r.stl.setl.acct_pay <= 300000);
    assert_int_equal(r.state_after.acct_balc_fen, 300000 - r.stl.setl.acct_pay);
    assert_int_equal(r.state_after.admissions, 1);
    settle_req(&again, "m1", "E1", &bill); /* same id, same request: first answer */
    call(q, &again);
    assert_int_equal(again.status, STORE_DONE);
    assert_true(again.replayed);
    assert_int_equal(again.result_setl_id, id);
    assert_memory_equal(&again.stl.setl, &r.stl.setl, sizeof r.stl.setl);
    settle_req(&diff, "m1", "E1", &other); /* same id, another request */
    call(q, &diff);
    assert_int_equal(diff.status, STORE_REFUSED);
    assert_string_equal(diff.error, "E_MSGID_REUSED");
    assert_string_equal(diff.error_field, "msgid");
    struct year_state st;
    assert_int_equal(store_state_get(f->store, "E1", 2020, &st, &err), 0);
    assert_int_equal(st.admissions, 1);
    assert_int_equal(st.acct_balc_fen, r.state_after.acct_balc_fen);
    struct store_req rv;
    revoke_req(&rv, "v1", id);
    call(q, &rv);
    assert_int_equal(rv.status, STORE_DONE);
    assert_int_equal(rv.state_after.admissions, 0);
    assert_int_equal(rv.state_after.basic_paid_fen, 0);
    assert_int_equal(rv.state_after.acct_balc_fen, 300000);
    revoke_req(&rv, "v2", id);
    call(q, &rv);
    assert_string_equal(rv.error, "E_REVOKED");
    assert_string_equal(rv.error_field, "setl_id");
    revoke_req(&rv, "v3", 1); /* an import record, not a settlement */
    call(q, &rv);
    assert_string_equal(rv.error, "E_NOT_SETTLED");
    revoke_req(&rv, "v4", 999999);
    call(q, &rv);
    assert_string_equal(rv.error, "E_NOT_SETTLED");
    commitq_stop(q);
    assert_check_ok(f->store);
}

/* ---- replays answered without the commit queue ----------------------------- */
/* store_replay_settled answers exactly the requests the queue would answer
 * as replays, with the queue's answer, and changes nothing; the others are
 * left for the queue, which settles or refuses them. */
static void test_replay_settled(void **state) {
    struct fixture *f = *state;
    struct commitq *q = NULL;
    struct store_err err = {{0}};
    assert_int_equal(commitq_start(f->store, 8, &q, &err), 0);
    struct bill bill[3];
    struct bill_line line[3];
    for (int i = 0; i < 3; i++) make_bill(&bill[i], &line[i], "H3", 100000 + i, true);
    struct store_req first, by_queue, r[4];
    settle_req(&first, "rs1", "E1", &bill[0]);
    call(q, &first);
    settle_req(&by_queue, "rs1", "E1", &bill[0]); /* the queue's replay */
    call(q, &by_queue);
    assert_true(by_queue.replayed);
    settle_req(&r[0], "rs1", "E1", &bill[0]); /* settled: answered */
    settle_req(&r[1], "rs2", "E1", &bill[1]); /* not settled: left */
    settle_req(&r[2], "rs1", "E1", &bill[2]); /* the msgid, another request: left */
    settle_req(&r[3], "rs1", "E1", &bill[0]); /* the same twice: answered twice */
    struct store_req *reqs[4] = {&r[0], &r[1], &r[2], &r[3]};
    struct journal_rec *recs = calloc(4, sizeof *recs);
    bool answered[4];
    assert_non_null(recs);
    int64_t before = 0;
    assert_int_equal(store_check(f->store, &before, &err), 0);
    int64_t near = 0;
    assert_int_equal(store_replay_settled(f->store, reqs, 4, &near, recs, answered, &err), 2);
    assert_int_equal(near, by_queue.seq + 1);
    assert_true(answered[0] && !answered[1] && !answered[2] && answered[3]);
    for (int i = 0; i < 4; i += 3) {
        assert_int_equal(r[i].status, STORE_DONE);
        assert_true(r[i].replayed && !r[i].has_state);
        assert_int_equal(r[i].result_setl_id, by_queue.result_setl_id);
        assert_int_equal(r[i].seq, by_queue.seq);
        assert_int_equal(r[i].time_us, by_queue.time_us);
        assert_string_equal(r[i].hash, by_queue.hash);
        assert_memory_equal(&r[i].stl, &by_queue.stl, sizeof r[i].stl);
    }
    assert_int_equal(r[1].status, STORE_PENDING);
    assert_int_equal(r[2].status, STORE_PENDING);
    int64_t after = 0;
    assert_int_equal(store_check(f->store, &after, &err), 0);
    assert_int_equal(after, before); /* nothing written */
    call(q, &r[1]);                  /* the queue settles the one left, refuses the reused msgid */
    assert_int_equal(r[1].status, STORE_DONE);
    assert_false(r[1].replayed);
    call(q, &r[2]);
    assert_string_equal(r[2].error, "E_MSGID_REUSED");
    int64_t settled_seq = r[1].seq;
    settle_req(&r[0], "rs2", "E1", &bill[1]); /* found in the records read from first on */
    settle_req(&r[3], "rs1", "E1", &bill[0]);
    struct store_req *two[2] = {&r[0], &r[3]};
    near = first.seq;
    assert_int_equal(store_replay_settled(f->store, two, 2, &near, recs, answered, &err), 2);
    assert_true(answered[0] && answered[1]);
    assert_int_equal(r[0].result_setl_id, settled_seq);
    assert_int_equal(r[3].result_setl_id, first.seq);
    assert_int_equal(near, settled_seq + 1);
    struct store_req *none[1] = {&r[1]};
    settle_req(&r[1], "rs-none", "E1", &bill[1]);
    near = 1; /* looked for from the first record on, then by msgid */
    assert_int_equal(store_replay_settled(f->store, none, 1, &near, recs, answered, &err), 0);
    assert_int_equal(near, 1);
    assert_false(answered[0]);
    free(recs);
    commitq_stop(q);
    assert_check_ok(f->store);
}

/* ---- what the chain covers: receipts, bills, --deep ---------------------- */
static int bill_data_row(void *ctx, const struct journal_data *d) {
    struct bill *out = ctx;
    static struct bill_line lines[4];
    char hash[HASH_HEX_BYTES + 1];
    sha256_hex(d->bytes, d->len, hash);
    assert_int_equal(bill_blob_decode(d->bytes, d->len, out, lines, 4), 0);
    memcpy(out->spec_dise_codg, hash, 8); /* the first 8 hex digits, for the caller */
    out->spec_dise_codg[8] = '\0';
    return 0;
}

static void test_receipt_and_bill(void **state) {
    struct fixture *f = *state;
    struct commitq *q = NULL;
    struct store_err err = {{0}};
    assert_int_equal(commitq_start(f->store, 8, &q, &err), 0);
    struct bill bill;
    struct bill_line line;
    make_bill(&bill, &line, "H3", 500000, true);
    struct store_req r, again;
    settle_req(&r, "rc1", "E1", &bill);
    call(q, &r);
    settle_req(&again, "rc1", "E1", &bill);
    call(q, &again);
    commitq_stop(q);
    /* the receipt is the record's seq and chain hash, the replay's the first's */
    assert_int_equal(strlen(r.hash), HASH_HEX_BYTES);
    assert_true(again.replayed);
    assert_string_equal(again.hash, r.hash);
    struct journal_rec tail;
    bool found = false;
    assert_int_equal(store_ops(f->store)->journal_tail(store_conn(f->store), &tail, &found, &err),
                     0);
    assert_true(found && tail.seq == r.seq);
    assert_string_equal(tail.hash, r.hash);
    struct store_check_opts opts = {r.seq, {0}};
    memcpy(opts.expect_hash, r.hash, sizeof opts.expect_hash);
    struct store_check_out out;
    assert_int_equal(store_check_ex(f->store, &opts, &out, &err), 0);
    assert_int_equal(out.head_seq, r.seq);
    assert_string_equal(out.head_hash, r.hash);
    opts.expect_hash[0] = opts.expect_hash[0] == 'a' ? 'b' : 'a'; /* another hash */
    assert_int_equal(store_check_ex(f->store, &opts, &out, &err), 1);
    assert_non_null(strstr(err.msg, "is not the receipt's"));
    memcpy(opts.expect_hash, r.hash, sizeof opts.expect_hash);
    opts.expect_seq = r.seq + 5; /* a receipt past the journal's end */
    assert_int_equal(store_check_ex(f->store, &opts, &out, &err), 1);
    assert_non_null(strstr(err.msg, "the journal ends at seq"));
    /* the bill is kept, and its hash is in the record's body */
    struct bill back;
    assert_int_equal(store_ops(f->store)->data_scan(store_conn(f->store), r.seq, r.seq,
                                                    bill_data_row, &back, &err),
                     0);
    assert_string_equal(back.fixmedins_code, "H3");
    assert_int_equal(back.line_count, 1);
    assert_int_equal(back.lines[0].amount_fen, 500000);
    assert_int_equal(back.endtime, bill.endtime);
    assert_true(strncmp(r.stl.bill_hash, back.spec_dise_codg, 8) == 0);
    assert_non_null(strstr(tail.body, r.stl.bill_hash));
    /* --deep settles it again from the journal, and explains it */
    struct app_deep_out deep;
    assert_int_equal(app_check_deep(f->store, &deep, &err), 0);
    assert_int_equal(deep.resettled, 1);
    static struct explain explain;
    struct store_settlement again_stl;
    assert_int_equal(app_explain_record(f->store, r.seq, &explain, &again_stl, &err), 0);
    assert_true(explain.len > 0);
    assert_int_equal(again_stl.setl.fund_pay_sumamt, r.stl.setl.fund_pay_sumamt);
    assert_int_equal(app_explain_record(f->store, 1, &explain, &again_stl, &err), -1);
}

static void test_bill_blob(void **state) {
    (void)state;
    struct bill bill, back;
    struct bill_line lines[2], got[2];
    make_bill(&bill, &lines[0], "H3-\xe5\x8c\xbb", 123, false);
    lines[1] = lines[0];
    bill.lines = lines;
    bill.line_count = 2;
    memset(lines[1].feedetl_sn, 'z', CODE_BYTES_MAX);
    lines[1].feedetl_sn[CODE_BYTES_MAX] = '\0';
    lines[1].amount_fen = -AMOUNT_FEN_MAX, lines[1].cnt_scaled = INT64_MAX;
    lines[1].pric_scaled = INT64_MIN, lines[1].has_feedetl_sn = false;
    bill.out_of_area = bill.filed = true;
    bill.begntime = -1;
    unsigned char *data = NULL;
    size_t len = 0;
    assert_int_equal(bill_blob_encode(&bill, &data, &len), 0);
    assert_int_equal(bill_blob_decode(data, len, &back, got, 2), 0);
    assert_string_equal(back.fixmedins_code, bill.fixmedins_code);
    assert_int_equal(back.med_type, bill.med_type);
    assert_true(back.out_of_area && back.filed && !back.acct_used && back.dates_ok);
    assert_int_equal(back.begntime, -1);
    assert_int_equal(back.line_count, 2);
    assert_memory_equal(&got[1], &lines[1], sizeof got[1]);
    assert_false(back.admission_continued);
    /* a later part of a stay settled in parts keeps what its earlier ones paid */
    bill.admission_continued = true;
    bill.admission_dedc_paid_fen = 40000;
    unsigned char *part = NULL;
    size_t part_len = 0;
    assert_int_equal(bill_blob_encode(&bill, &part, &part_len), 0);
    assert_int_equal(bill_blob_decode(part, part_len, &back, got, 2), 0);
    assert_true(back.admission_continued && back.admission_dedc_paid_fen == 40000);
    assert_true(part_len > len);
    free(part);
    assert_int_equal(bill_blob_decode(data, len, &back, got, 1), -1);     /* more lines than room */
    assert_int_equal(bill_blob_decode(data, len - 1, &back, got, 2), -1); /* cut short */
    data[0] = 'X';
    assert_int_equal(bill_blob_decode(data, len, &back, got, 2), -1); /* not a bill */
    free(data);
}

/* ---- the tables are a checkpoint of the journal -------------------------- */
static void checkpoint_of(struct store *s, int64_t *checkpoint_seq, int64_t *tail_seq) {
    struct store_err err = {{0}};
    bool found = false;
    assert_int_equal(
        store_ops(s)->checkpoint_get(store_conn(s), checkpoint_seq, &found, tail_seq, &err), 0);
    assert_true(found);
}

static void settle_e1(struct commitq *q, const char *msgid, int64_t fen, struct store_req *r,
                      struct bill *bill, struct bill_line *line) {
    make_bill(bill, line, "H3", fen, true);
    settle_req(r, msgid, "E1", bill);
    call(q, r);
    assert_int_equal(r->status, STORE_DONE);
}

static void assert_e1_like(struct store *s, const char *psn_no, const struct year_state *want) {
    struct store_err err = {{0}};
    struct year_state st;
    assert_int_equal(store_state_get(s, psn_no, 2020, &st, &err), 0);
    assert_true(year_state_equal(&st, want));
    struct store_person p;
    int64_t balance = -1;
    bool found = false;
    assert_int_equal(store_person_get(s, psn_no, &p, &balance, &found, &err), 0);
    assert_true(found);
    assert_int_equal(balance, want->acct_balc_fen);
}

static void assert_e1(struct store *s, const struct year_state *want) {
    assert_e1_like(s, "E1", want);
}

/* Reads, a second writer (another process), an import and the check all
 * see the records after the checkpoint; checkpoints land where asked. */
static void test_checkpoint(void **state) {
    struct fixture *f = *state;
    struct commitq *q = NULL, *qb = NULL;
    struct store *b = NULL;
    struct store_err err = {{0}};
    struct bill bill;
    struct bill_line line;
    struct store_req r, first;
    int64_t c = 0, t = 0;
    assert_int_equal(commitq_start(f->store, 1, &q, &err), 0);
    settle_e1(q, "cp1", 40000, &first, &bill, &line);
    settle_e1(q, "cp2", 30000, &r, &bill, &line);
    assert_int_equal(r.state_after.admissions, 2);
    checkpoint_of(f->store, &c, &t);
    assert_true(c < t);                  /* the two settlements are pending, not in the tables */
    assert_e1(f->store, &r.state_after); /* through the writer's pending effect */
    assert_int_equal(store_open(f->target, &b, &err), 0);
    assert_e1(b, &r.state_after); /* another handle: replays the journal */
    assert_check_ok(b);
    assert_int_equal(commitq_start(b, 1, &qb, &err), 0); /* a second writer catches up */
    settle_e1(qb, "cp3", 20000, &r, &bill, &line);
    assert_int_equal(r.state_after.admissions, 3);
    /* in memory, as a restart after a kill does: no table written before
     * its own checkpoint (C where the first writer left it) */
    int64_t c_before = c;
    checkpoint_of(b, &c, &t);
    assert_int_equal(c, c_before);
    assert_true(c < t);
    assert_e1(b, &r.state_after);
    commitq_stop(qb);
    checkpoint_of(b, &c, &t);
    assert_int_equal(c, t);
    settle_e1(q, "cp4", 10000, &r, &bill, &line); /* the first writer sees it */
    assert_int_equal(r.state_after.admissions, 4);
    char path[1024];
    write_file(
        f->dir, "more.csv",
        "psn_no,certno,psn_name,gend,brdy,insutype,category,flags,"
        "insuplc_admdvs,benefit_start,acct_balc\n"
        "E9,440900198001010044,New Person,1,1980-01-01,310,in_service,,440900,2010-01-01,100.00\n");
    snprintf(path, sizeof path, "%s/more.csv", f->dir);
    import_ok(b, "persons", path); /* an import catches up, then moves C */
    checkpoint_of(b, &c, &t);
    assert_int_equal(c, t);
    struct store_req rv;
    revoke_req(&rv, "cpv", first.result_setl_id); /* revoke a settlement made long ago */
    call(q, &rv);
    assert_int_equal(rv.status, STORE_DONE);
    assert_int_equal(rv.state_after.admissions, 3);
    commitq_checkpoint_every(q, 2);
    settle_e1(q, "cp5", 5000, &r, &bill, &line);
    settle_e1(q, "cp6", 5000, &r, &bill, &line);
    checkpoint_of(f->store, &c, &t);
    assert_int_equal(c, t - 1); /* written with cp5, 2 after the import */
    assert_int_equal(r.state_after.admissions, 5);
    assert_e1(b, &r.state_after);
    assert_e1(f->store, &r.state_after);
    commitq_stop(q);
    assert_check_ok(f->store);
    assert_check_ok(b);
    store_close(b);
}

/* A store written before checkpoints existed has no checkpoint row and
 * current tables: check accepts it, and the first writer records the
 * checkpoint at the journal's end and settles on from the tables. */
static void test_checkpoint_missing(void **state) {
    struct fixture *f = *state;
    struct commitq *q = NULL;
    struct store_err err = {{0}};
    struct bill bill;
    struct bill_line line;
    struct store_req r;
    assert_int_equal(commitq_start(f->store, 1, &q, &err), 0);
    settle_e1(q, "old1", 40000, &r, &bill, &line);
    commitq_stop(q);
    store_close(f->store);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->target, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DELETE FROM checkpoint", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    assert_int_equal(store_open(f->target, &f->store, &err), 0);
    assert_check_ok(f->store);
    assert_e1(f->store, &r.state_after);
    struct year_state before = r.state_after;
    assert_int_equal(commitq_start(f->store, 1, &q, &err), 0);
    settle_e1(q, "old2", 30000, &r, &bill, &line);
    assert_int_equal(r.state_after.admissions, before.admissions + 1);
    commitq_stop(q);
    int64_t c = 0, t = 0;
    checkpoint_of(f->store, &c, &t);
    assert_int_equal(c, t);
    assert_check_ok(f->store);
}

struct busy_writer {
    struct commitq *q;
    volatile int stop;
    volatile int settled;
};

static void *busy_writer_main(void *arg) {
    struct busy_writer *w = arg;
    struct bill bill;
    struct bill_line line;
    struct store_req r;
    for (int i = 0; !w->stop && i < 5000; i++) {
        char msgid[32];
        snprintf(msgid, sizeof msgid, "busy%d", i);
        make_bill(&bill, &line, "H0", 1000 + i, false);
        settle_req(&r, msgid, i % 2 ? "E2" : "R1", &bill);
        if (commitq_call(w->q, &r) == 0 && r.status == STORE_DONE) w->settled++;
    }
    return NULL;
}

/* Check reads one committed state: it passes while another handle's
 * writer commits batches and checkpoints underneath it. */
static void test_check_while_writing(void **state) {
    struct fixture *f = *state;
    struct store *b = NULL;
    struct store_err err = {{0}};
    struct busy_writer w = {0};
    assert_int_equal(commitq_start(f->store, 2, &w.q, &err), 0);
    commitq_checkpoint_every(w.q, 7);
    assert_int_equal(store_open(f->target, &b, &err), 0);
    pthread_t tid;
    assert_int_equal(pthread_create(&tid, NULL, busy_writer_main, &w), 0);
    for (int i = 0; i < 5 || (w.settled < 200 && i < 100000); i++) assert_check_ok(b);
    w.stop = 1;
    assert_int_equal(pthread_join(tid, NULL), 0);
    commitq_stop(w.q);
    assert_true(w.settled > 0);
    assert_check_ok(b);
    store_close(b);
}

/* Random settlements and revokes by two writers on one store (two
 * handles: two processes), each with a random checkpoint interval, never
 * stopping cleanly in between: after every step both handles read exactly
 * the state the last answer for that person reported. */
static void test_checkpoint_random(void **state) {
    struct fixture *f = *state;
    struct store *h[2] = {f->store, NULL};
    struct commitq *q[2] = {NULL, NULL};
    struct store_err err = {{0}};
    assert_int_equal(store_open(f->target, &h[1], &err), 0);
    for (int k = 0; k < 2; k++) assert_int_equal(commitq_start(h[k], 4, &q[k], &err), 0);
    const char *who[3] = {"E1", "E2", "R1"};
    struct year_state last[3];
    bool seen[3] = {false, false, false};
    int64_t settled[64];
    int settled_count = 0;
    uint64_t rng = 20261123;
    for (int step = 0; step < 120; step++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        int k = (int)(rng >> 33) % 2, p = (int)(rng >> 40) % 3;
        if ((rng >> 20) % 7 == 0) commitq_checkpoint_every(q[k], 1 + (int64_t)((rng >> 24) % 5));
        struct bill bill;
        struct bill_line line;
        struct store_req r;
        char msgid[32];
        snprintf(msgid, sizeof msgid, "rnd%d", step);
        if ((rng >> 50) % 4 == 0 && settled_count > 0) {
            revoke_req(&r, msgid, settled[(rng >> 12) % (uint64_t)settled_count]);
        } else {
            make_bill(&bill, &line, (rng >> 30) % 2 ? "H3" : "H0",
                      1000 + (int64_t)((rng >> 16) % 90000), (rng >> 45) % 2);
            settle_req(&r, msgid, who[p], &bill);
        }
        call(q[k], &r);
        if (r.status != STORE_DONE) continue; /* E_REVOKED: revoked already */
        if (r.op == STORE_OP_SETTLE && settled_count < 64)
            settled[settled_count++] = r.result_setl_id;
        struct journal_rec rec;
        struct store_settlement stl;
        bool revoked = false, found = false;
        assert_int_equal(
            store_settlement_get(h[0], r.result_setl_id, &rec, &stl, &revoked, &found, &err), 0);
        assert_true(found);
        for (int i = 0; i < 3; i++)
            if (strcmp(rec.psn_no, who[i]) == 0) last[i] = r.state_after, seen[i] = true;
        for (int i = 0; i < 3; i++)
            if (seen[i]) assert_e1_like(h[(step + i) % 2], who[i], &last[i]);
    }
    for (int k = 0; k < 2; k++) commitq_stop(q[k]);
    assert_check_ok(h[0]);
    assert_check_ok(h[1]);
    store_close(h[1]);
}

static void test_refusals_change_nothing(void **state) {
    struct fixture *f = *state;
    struct commitq *q = NULL;
    struct store_err err = {{0}};
    assert_int_equal(commitq_start(f->store, 1, &q, &err), 0);
    struct bill bill;
    struct bill_line line;
    struct store_req r;
    make_bill(&bill, &line, "H3", 1000, false);
    settle_req(&r, "u1", "NOBODY", &bill);
    call(q, &r);
    assert_string_equal(r.error, "E_UNKNOWN_PERSON");
    assert_string_equal(r.error_field, "psn_no");
    assert_int_equal(r.error_line, -1);
    make_bill(&bill, &line, "HX", 1000, false); /* designation revoked */
    settle_req(&r, "u2", "E1", &bill);
    call(q, &r);
    assert_string_equal(r.error, "E_UNKNOWN_INSTITUTION");
    assert_string_equal(r.error_field, "fixmedins_code");
    make_bill(&bill, &line, "H3", 1000, false);
    line.amount_fen = 998; /* cnt x pric disagrees by more than 0.01 */
    settle_req(&r, "u3", "E1", &bill);
    call(q, &r);
    assert_string_equal(r.error, "E_BAD_AMOUNT");
    assert_string_equal(r.error_field, "det_item_fee_sumamt"); /* named by the core */
    assert_int_equal(r.error_line, 0);
    make_bill(&bill, &line, "H3", 1000, false);
    bill.endtime = datetime_from_civil(2021, 1, 2, 0, 0, 0); /* no 2021 policy */
    settle_req(&r, "u4", "E1", &bill);
    call(q, &r);
    assert_string_equal(r.error, "E_POLICY_YEAR");
    struct journal_rec rec;
    struct store_settlement stl;
    bool revoked = false, found = true;
    assert_int_equal(store_settlement_get(f->store, 6, &rec, &stl, &revoked, &found, &err), 0);
    assert_false(found); /* five import records, nothing settled */
    commitq_stop(q);
    assert_check_ok(f->store);
}

/* Settles and revokes in one batch, then reads back totals. */
static void test_same_batch_and_reads(void **state) {
    struct fixture *f = *state;
    struct commitq *q = NULL;
    struct store_err err = {{0}};
    assert_int_equal(commitq_start(f->store, BATCH_MAX, &q, &err), 0);
    struct bill bills[3];
    struct bill_line lines[3];
    struct store_req reqs[3];
    const char *who[3] = {"E2", "R1", "E2"};
    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "sb%d", i);
        make_bill(&bills[i], &lines[i], i == 1 ? "H0" : "H3", 20000 + i, true);
        settle_req(&reqs[i], id, who[i], &bills[i]);
        assert_int_equal(commitq_submit(q, &reqs[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        commitq_wait(q, &reqs[i]);
        assert_int_equal(reqs[i].status, STORE_DONE);
    }
    assert_int_equal(reqs[2].state_after.admissions, 2);
    assert_int_equal(reqs[2].state_after.acct_balc_fen, 0); /* 10.50 spent, never below 0 */
    struct store_person p;
    int64_t balance = -1;
    bool found = false;
    assert_int_equal(store_person_get(f->store, "E2", &p, &balance, &found, &err), 0);
    assert_true(found);
    assert_int_equal(balance, 0);
    assert_int_equal(p.acct_open_fen, 1050);
    int64_t count = 0, sum = 0;
    assert_int_equal(store_totals(f->store, "H3", 0, INT64_MAX, &count, &sum, &err), 0);
    assert_int_equal(count, 2);
    assert_int_equal(sum, reqs[0].stl.setl.fund_pay_sumamt + reqs[2].stl.setl.fund_pay_sumamt);
    commitq_stop(q);
    assert_check_ok(f->store);
}

/* Counts the records a period scan passes, and their kinds. */
struct period_count {
    int64_t records, from_us, to_us;
    bool outside; /* a record outside [from_us, to_us) was passed */
};

static int period_count_row(void *ctx, const struct journal_rec *rec) {
    struct period_count *pc = ctx;
    pc->records++;
    if (rec->time_us < pc->from_us || rec->time_us >= pc->to_us) pc->outside = true;
    return 0;
}

static int64_t period_records(struct fixture *f, int64_t from_us, int64_t to_us) {
    struct period_count pc = {0, from_us, to_us, false};
    struct store_err err = {{0}};
    assert_int_equal(store_journal_period(f->store, store_conn(f->store), from_us, to_us,
                                          period_count_row, &pc, &err),
                     0);
    assert_false(pc.outside);
    return pc.records;
}

/* Two settlements 20 ms apart: a period passes exactly the records whose
 * time is in it (found by binary search, bounds exact), and totals count
 * an institution's settlements in the period only. */
static void test_journal_period(void **state) {
    struct fixture *f = *state;
    struct commitq *q = NULL;
    struct store_err err = {{0}};
    assert_int_equal(commitq_start(f->store, BATCH_MAX, &q, &err), 0);
    struct bill bill;
    struct bill_line line;
    struct store_req a, b;
    make_bill(&bill, &line, "H3", 30000, false);
    settle_req(&a, "pa", "E1", &bill);
    call(q, &a);
    struct timespec pause = {0, 20000000L};
    nanosleep(&pause, NULL);
    settle_req(&b, "pb", "R1", &bill);
    call(q, &b);
    commitq_stop(q);
    struct journal_rec ra, rb;
    struct store_settlement stl;
    bool revoked = false, found = false;
    assert_int_equal(store_settlement_get(f->store, a.seq, &ra, &stl, &revoked, &found, &err), 0);
    assert_int_equal(store_settlement_get(f->store, b.seq, &rb, &stl, &revoked, &found, &err), 0);
    assert_true(found && ra.time_us < rb.time_us);
    int64_t all = period_records(f, 0, INT64_MAX);
    assert_int_equal(all, b.seq); /* imports and both settlements */
    assert_int_equal(period_records(f, ra.time_us, rb.time_us), 1);
    assert_int_equal(period_records(f, ra.time_us + 1, rb.time_us), 0);
    assert_int_equal(period_records(f, rb.time_us, rb.time_us + 1), 1);
    assert_int_equal(period_records(f, rb.time_us + 1, INT64_MAX), 0);
    assert_int_equal(period_records(f, rb.time_us, ra.time_us), 0); /* empty period */
    int64_t count = 0, sum = 0;
    assert_int_equal(store_totals(f->store, "H3", ra.time_us + 1, INT64_MAX, &count, &sum, &err),
                     0);
    assert_int_equal(count, 1);
    assert_int_equal(sum, b.stl.setl.fund_pay_sumamt);
    assert_check_ok(f->store);
}

/* ---- a simulated journal time (the bench's city-year) ------------------ */
#define SIM_MARCH_US (1583020800LL * 1000000) /* 2020-03-01 00:00 UTC */
#define SIM_DAY_US (86400LL * 1000000)

static int64_t breaks_count(struct fixture *f, int64_t *first) {
    int64_t seqs[STORE_JOURNAL_BREAKS_MAX + 1];
    size_t n = 0;
    struct store_err err = {{0}};
    assert_int_equal(store_ops(f->store)->journal_breaks(store_conn(f->store), seqs,
                                                         STORE_JOURNAL_BREAKS_MAX + 1, &n, &err),
                     0);
    for (size_t i = 1; i < n; i++) assert_true(seqs[i] > seqs[i - 1]); /* ascending */
    if (first != NULL) *first = n > 0 ? seqs[0] : 0;
    return (int64_t)n;
}

static int64_t tail_seq(struct fixture *f) {
    struct journal_rec rec;
    bool found = false;
    struct store_err err = {{0}};
    assert_int_equal(store_ops(f->store)->journal_tail(store_conn(f->store), &rec, &found, &err),
                     0);
    return found ? rec.seq : 0;
}

struct month_seen {
    int64_t seq;
    int32_t month;
    int count;
};

static int month_row(void *ctx, const struct posting *p) {
    struct month_seen *m = ctx;
    if (p->seq != m->seq) return 1;
    assert_int_equal(p->month, m->month);
    m->count++;
    return 0;
}

/* A request may carry a simulated journal time only on a queue that
 * allows it (commitq_simulated_time): elsewhere it is refused and nothing
 * is journaled. On such a queue the record (and its postings' month) takes
 * the time given; the record journaled before the one ahead of it is a
 * time break, and a period reads exactly its records across the break,
 * also after the journal's time goes forward again. */
static void test_simulated_time(void **state) {
    struct fixture *f = *state;
    struct commitq *q = NULL;
    struct store_err err = {{0}};
    struct bill bill;
    struct bill_line line;
    struct store_req a, b, c, d;
    make_bill(&bill, &line, "H3", 500000, false); /* past the deductible: postings */
    assert_int_equal(commitq_start(f->store, BATCH_MAX, &q, &err), 0);
    int64_t before = tail_seq(f);
    settle_req(&a, "sim-refused", "E1", &bill);
    a.sim_time_us = SIM_MARCH_US;
    assert_int_equal(commitq_call(q, &a), -1); /* a production queue */
    assert_int_equal(a.status, STORE_FAILED);
    assert_non_null(strstr(a.err.msg, "sim_time_us"));
    assert_int_equal(tail_seq(f), before); /* nothing journaled */
    commitq_stop(q);
    assert_int_equal(commitq_start(f->store, BATCH_MAX, &q, &err), 0);
    commitq_simulated_time(q);
    settle_req(&a, "sim-a", "E1", &bill); /* the clock's time */
    call(q, &a);
    settle_req(&b, "sim-b", "E1", &bill);
    b.sim_time_us = SIM_MARCH_US + 4 * SIM_DAY_US; /* 2020-03-05 */
    call(q, &b);
    settle_req(&c, "sim-c", "R1", &bill);
    c.sim_time_us = SIM_MARCH_US + 40 * SIM_DAY_US; /* 2020-04-10 */
    call(q, &c);
    settle_req(&d, "sim-d", "R1", &bill); /* the clock's again: forward, no break */
    call(q, &d);
    settle_req(&a, "sim-a", "E1", &bill); /* a replay answers the first record's time */
    a.sim_time_us = SIM_MARCH_US;
    call(q, &a);
    assert_true(a.replayed && a.time_us > d.time_us - 3600LL * 1000000);
    commitq_stop(q);
    assert_int_equal(b.time_us, SIM_MARCH_US + 4 * SIM_DAY_US);
    assert_int_equal(c.time_us, SIM_MARCH_US + 40 * SIM_DAY_US);
    int64_t first = 0;
    assert_int_equal(breaks_count(f, &first), 1);
    assert_int_equal(first, b.seq);
    int32_t local = postings_month_local(b.time_us);
    struct month_seen m = {b.seq, local, 0};
    assert_true(/* 1: stopped at the next record's */
                store_ops(f->store)->postings_scan(store_conn(f->store), b.seq, month_row, &m,
                                                   &err) >= 0);
    assert_true(m.count > 0 && local / 12 == 2020);
    assert_int_equal(period_records(f, SIM_MARCH_US, SIM_MARCH_US + 31 * SIM_DAY_US), 1);
    assert_int_equal(
        period_records(f, SIM_MARCH_US + 31 * SIM_DAY_US, SIM_MARCH_US + 61 * SIM_DAY_US), 1);
    assert_int_equal(period_records(f, SIM_MARCH_US, SIM_MARCH_US + 61 * SIM_DAY_US), 2);
    assert_int_equal(period_records(f, a.time_us, INT64_MAX), 2); /* a and d */
    assert_int_equal(period_records(f, 0, INT64_MAX), d.seq);
    int64_t count = 0, sum = 0;
    assert_int_equal(store_totals(f->store, "H3", SIM_MARCH_US, SIM_MARCH_US + 61 * SIM_DAY_US,
                                  &count, &sum, &err),
                     0);
    assert_int_equal(count, 2);
    assert_check_ok(f->store);
}

/* More time breaks than STORE_JOURNAL_BREAKS_MAX: the period read reads
 * the whole journal, and still passes exactly the period's records. */
static void test_simulated_time_many_breaks(void **state) {
    struct fixture *f = *state;
    enum { N = 2 * (STORE_JOURNAL_BREAKS_MAX + 2) };
    struct commitq *q = NULL;
    struct store_err err = {{0}};
    struct bill bill;
    struct bill_line line;
    struct store_req *reqs = calloc(N, sizeof *reqs);
    assert_non_null(reqs);
    make_bill(&bill, &line, "H3", 1000, false);
    assert_int_equal(commitq_start(f->store, BATCH_MAX, &q, &err), 0);
    commitq_simulated_time(q);
    for (int i = 0; i < N; i++) { /* 2020-03 and the clock's, by turns */
        char msgid[32];
        snprintf(msgid, sizeof msgid, "many-%d", i);
        settle_req(&reqs[i], msgid, i % 2 ? "R1" : "E1", &bill);
        if (i % 2 == 0) reqs[i].sim_time_us = SIM_MARCH_US + i;
        assert_int_equal(commitq_submit(q, &reqs[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        commitq_wait(q, &reqs[i]);
        assert_int_equal(reqs[i].status, STORE_DONE);
    }
    commitq_stop(q);
    assert_true(breaks_count(f, NULL) > STORE_JOURNAL_BREAKS_MAX);
    assert_int_equal(period_records(f, SIM_MARCH_US, SIM_MARCH_US + SIM_DAY_US), N / 2);
    assert_int_equal(period_records(f, reqs[1].time_us, INT64_MAX), N / 2);
    free(reqs);
}

/* ---- the reports' brief scan ----------------------------------------------- */
/* store_journal_brief returns exactly the records of the kinds asked, in
 * seq order, each with the full record's fields, and the body only for the
 * kinds asked for it. */
struct brief_seen {
    struct store *store;
    int64_t count, last_seq;
    uint32_t kinds, body_kinds;
};

static int brief_row(void *ctx, const struct journal_brief *b) {
    struct brief_seen *s = ctx;
    struct journal_rec full;
    struct store_err err = {{0}};
    bool found = false;
    assert_true(b->seq > s->last_seq);
    s->last_seq = b->seq;
    assert_true((s->kinds & JOURNAL_KIND_BIT(b->kind)) != 0);
    assert_int_equal(
        store_ops(s->store)->journal_by_seq(store_conn(s->store), &b->seq, 1, &full, &found, &err),
        0);
    assert_true(found);
    assert_int_equal(b->time_us, full.time_us);
    assert_int_equal(b->kind, full.kind);
    assert_int_equal(b->ref_seq, full.ref_seq);
    assert_int_equal(b->year, full.year);
    assert_string_equal(b->psn_no, full.psn_no);
    assert_string_equal(b->fixmedins_code, full.fixmedins_code);
    assert_string_equal(b->body, s->body_kinds & JOURNAL_KIND_BIT(b->kind) ? full.body : "");
    s->count++;
    return 0;
}

static int64_t brief_count(struct fixture *f, uint32_t kinds, uint32_t body_kinds) {
    struct brief_seen s = {f->store, 0, 0, kinds, body_kinds};
    struct store_err err = {{0}};
    assert_int_equal(store_journal_brief(f->store, 1, kinds, body_kinds, brief_row, &s, &err), 0);
    return s.count;
}

static void test_journal_brief(void **state) {
    struct fixture *f = *state;
    struct commitq *q = NULL;
    struct store_err err = {{0}};
    assert_int_equal(commitq_start(f->store, 8, &q, &err), 0);
    struct bill bill;
    struct bill_line line;
    struct store_req a, b, rv;
    make_bill(&bill, &line, "H3", 40000, true);
    settle_req(&a, "ba", "E1", &bill);
    call(q, &a);
    settle_req(&b, "bb", "R1", &bill);
    call(q, &b);
    revoke_req(&rv, "bv", a.result_setl_id);
    call(q, &rv);
    assert_int_equal(rv.status, STORE_DONE);
    commitq_stop(q);
    uint32_t settle = JOURNAL_KIND_BIT(JOURNAL_SETTLE), revoke = JOURNAL_KIND_BIT(JOURNAL_REVOKE);
    uint32_t import = JOURNAL_KIND_BIT(JOURNAL_IMPORT);
    assert_int_equal(brief_count(f, settle, settle), 2);
    assert_int_equal(brief_count(f, settle | revoke, settle), 3);
    assert_int_equal(brief_count(f, revoke, 0), 1);
    assert_int_equal(brief_count(f, UINT32_MAX, UINT32_MAX), rv.seq); /* every record */
    assert_int_equal(brief_count(f, import, 0), a.seq - 1);           /* the imports */
    assert_int_equal(brief_count(f, 0, UINT32_MAX), 0);
}

struct caller {
    struct commitq *q;
    int id;
    int done;
};

static void *caller_main(void *arg) {
    struct caller *c = arg;
    static const char *const who[3] = {"E1", "E2", "R1"};
    for (int i = 0; i < PER_THREAD; i++) {
        struct bill bill;
        struct bill_line line;
        struct store_req r;
        char id[32];
        snprintf(id, sizeof id, "c%d-%d", c->id, i);
        make_bill(&bill, &line, i % 2 ? "H3" : "H0", 1000 + i, i % 3 == 0);
        settle_req(&r, id, who[(c->id + i) % 3], &bill);
        if (commitq_call(c->q, &r) == 0 && r.status == STORE_DONE) c->done++;
        if (i % 5 == 4 && r.status == STORE_DONE) {
            char vid[40];
            snprintf(vid, sizeof vid, "%s-v", id);
            revoke_req(&r, vid, r.result_setl_id);
            if (commitq_call(c->q, &r) != 0 || r.status != STORE_DONE) c->done = -1000;
        }
    }
    return NULL;
}

static void test_concurrent_callers(void **state) {
    struct fixture *f = *state;
    struct commitq *q = NULL;
    struct store_err err = {{0}};
    assert_int_equal(commitq_start(f->store, 16, &q, &err), 0);
    pthread_t tid[THREADS];
    struct caller c[THREADS];
    for (int t = 0; t < THREADS; t++) {
        c[t] = (struct caller){q, t, 0};
        assert_int_equal(pthread_create(&tid[t], NULL, caller_main, &c[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(tid[t], NULL);
        assert_int_equal(c[t].done, PER_THREAD);
    }
    int64_t batches = 0, requests = 0;
    commitq_stats(q, &batches, &requests);
    assert_int_equal(requests, THREADS * (PER_THREAD + PER_THREAD / 5));
    commitq_stop(q);
    assert_check_ok(f->store);
}

/* ---- import errors roll the whole file back ------------------------------- */
static int64_t journal_count(struct store *s) {
    struct journal_rec last;
    bool found = false;
    struct store_err err = {{0}};
    assert_int_equal(store_ops(s)->journal_tail(store_conn(s), &last, &found, &err), 0);
    return found ? last.seq : 0;
}

static void import_fails(struct fixture *f, const char *kind, const char *text, const char *want) {
    write_file(f->dir, "bad.csv", text);
    char path[1024];
    snprintf(path, sizeof path, "%s/bad.csv", f->dir);
    int64_t before = journal_count(f->store), rows = 0;
    struct store_err err = {{0}};
    assert_int_equal(store_import(f->store, kind, path, &rows, &err), -1);
    if (strstr(err.msg, want) == NULL) print_message("got: %s\nwant: %s\n", err.msg, want);
    assert_non_null(strstr(err.msg, want));
    assert_int_equal(journal_count(f->store), before);
}

static void test_import_errors(void **state) {
    struct fixture *f = *state;
    const char *head = "psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,"
                       "benefit_start,acct_balc\n";
    char text[2048];
    snprintf(text, sizeof text,
             "%sN1,c,n,1,1970-01-01,310,in_service,,440900,2010-01-01,1.00\n"
             "N2,c,n,1,1970-02-30,310,in_service,,440900,2010-01-01,1.00\n",
             head);
    import_fails(f, "persons", text, "bad.csv:3: brdy: not a date");
    snprintf(text, sizeof text, "%sN1,c,n,1,1970-01-01,311,in_service,,440900,2010-01-01,1.00\n",
             head);
    import_fails(f, "persons", text, "bad.csv:2: insutype: not 310 or 390");
    snprintf(text, sizeof text, "%sN1,c,n,1,1970-01-01,310,in_service,rich,440900,2010-01-01,1\n",
             head);
    import_fails(f, "persons", text, "bad.csv:2: flags: unknown flag");
    snprintf(text, sizeof text, "%sN1,c,n,1,1970-01-01,310,in_service,,440900,2010-01-01,1.001\n",
             head);
    import_fails(f, "persons", text, "bad.csv:2: acct_balc:");
    snprintf(text, sizeof text, "%sN1,c,n,1,1970-01-01,310,in_service,,440900,2010-01-01,-1\n",
             head);
    import_fails(f, "persons", text, "bad.csv:2: acct_balc: negative");
    snprintf(text, sizeof text, "%sN1,c,\"n,1,1970-01-01\n", head);
    import_fails(f, "persons", text, "bad.csv:2: csv: unterminated quoted field");
    import_fails(f, "persons", "psn_no,certno\n", "bad.csv:1: psn_name: missing column");
    /* a row shorter than the header: its missing fields are empty, never the row before's */
    snprintf(text, sizeof text,
             "%sN1,c,n,1,1970-01-01,310,in_service,,440900,2010-01-01,12.50\n"
             "N2,c2\n",
             head);
    import_fails(f, "persons", text, "bad.csv:3: brdy: not a date");
    snprintf(text, sizeof text,
             "%sN9,c,n,1,1970-01-01,310,in_service,,440900,2010-01-01,1.00\n"
             "E1,c,n,1,1970-01-01,310,in_service,,440900,2010-01-01,1.00\n",
             head);
    /* registered already with another row: an edit of the opening balance
     * (or, without a note, of any column) is refused naming the psn_no */
    import_fails(f, "persons", text, "bad.csv:3: acct_balc: person E1 is registered already");
    import_fails(f, "institutions",
                 "fixmedins_code,fixmedins_name,type,level,admdvs,status\n"
                 "X1,x,clinic,level1,440900,active\n",
                 "bad.csv:2: type:");
    import_fails(f, "institutions",
                 "fixmedins_code,fixmedins_name,type,level,admdvs,status\n"
                 "X1,x,pharmacy,level1,440900,active\n",
                 "bad.csv:2: level:");
    struct store_person p;
    int64_t balance = 0;
    bool found = true;
    struct store_err err = {{0}};
    assert_int_equal(store_person_get(f->store, "N1", &p, &balance, &found, &err), 0);
    assert_false(found);
    assert_int_equal(store_person_get(f->store, "N9", &p, &balance, &found, &err), 0);
    assert_false(found); /* rolled back with the duplicate that followed it */
    assert_check_ok(f->store);
}

/* ---- the enrolment registry (enrol_rows.h) ---------------------------------------- */
struct enrol_seen {
    int rows;
    struct store_enrol_row last;
};

static int enrol_seen_row(void *ctx, const struct store_enrol_row *row) {
    struct enrol_seen *s = ctx;
    s->rows++;
    s->last = *row;
    return 0;
}

static struct enrol_seen enrol_scan_all(struct fixture *f, enum enrol_kind kind, const char *who) {
    struct enrol_seen seen;
    memset(&seen, 0, sizeof seen);
    struct store_err err = {{0}};
    assert_int_equal(store_ops(f->store)->enrol_scan(store_conn(f->store), kind, who,
                                                     enrol_seen_row, &seen, &err),
                     0);
    return seen;
}

/* The backend's upsert and scans (integers back as decimal text, a scan
 * by who through either of its columns), the content hash following the
 * table, and imports: rows refused with their line, nothing left behind. */
static void test_enrol_rows(void **state) {
    struct fixture *f = *state;
    const struct store_backend *ops = store_ops(f->store);
    struct store_err err = {{0}};
    struct store_enrol_row row;
    memset(&row, 0, sizeof row);
    snprintf(row.col[WAGE_PSN], sizeof row.col[0], "E1");
    snprintf(row.col[WAGE_MONTH], sizeof row.col[0], "2020-01");
    snprintf(row.col[WAGE_EMP], sizeof row.col[0], "U1");
    snprintf(row.col[WAGE_WAGE], sizeof row.col[0], "650050");
    snprintf(row.col[WAGE_BASE], sizeof row.col[0], "0");
    char before[HASH_HEX_BYTES + 1], after[HASH_HEX_BYTES + 1];
    assert_int_equal(registry_content_hash(ops, store_conn(f->store), "wages", before, &err), 0);
    assert_int_equal(ops->begin(store_conn(f->store), &err), 0);
    assert_int_equal(ops->enrol_put(store_conn(f->store), ENROL_WAGES, &row, 1, &err), 0);
    snprintf(row.col[WAGE_WAGE], sizeof row.col[0], "700000"); /* the same key: replaced */
    assert_int_equal(ops->enrol_put(store_conn(f->store), ENROL_WAGES, &row, 1, &err), 0);
    assert_int_equal(ops->commit(store_conn(f->store), &err), 0);
    struct enrol_seen seen = enrol_scan_all(f, ENROL_WAGES, NULL);
    assert_int_equal(seen.rows, 1);
    assert_string_equal(seen.last.col[WAGE_WAGE], "700000");
    assert_int_equal(enrol_scan_all(f, ENROL_WAGES, "U1").rows, 1); /* by emp_no */
    assert_int_equal(enrol_scan_all(f, ENROL_WAGES, "E1").rows, 1); /* by psn_no */
    assert_int_equal(enrol_scan_all(f, ENROL_WAGES, "E2").rows, 0);
    assert_int_equal(registry_content_hash(ops, store_conn(f->store), "wages", after, &err), 0);
    assert_string_not_equal(before, after);
    /* no wages import yet: check has no content hash of the table to compare */
    assert_check_ok(f->store);

    /* imports: an episode file, then one that overlaps it, then a binding to a resident */
    write_file(f->dir, "episodes.csv",
               "psn_no,insutype,admdvs,category,from_month,to_month,reason,end_reason\n"
               "E1,310,440900,in_service,2010-01,2019-12,new,retirement\n"
               "E1,310,440900,retired,2020-01,,retirement,\n");
    char path[1024];
    snprintf(path, sizeof path, "%s/episodes.csv", f->dir);
    import_ok(f->store, "episodes", path);
    assert_int_equal(enrol_scan_all(f, ENROL_EPISODES, "E1").rows, 2);
    import_fails(f, "episodes",
                 "psn_no,insutype,admdvs,category,from_month,to_month,reason,end_reason\n"
                 "R1,390,440900,adult,2020-01,,new,\n"
                 "E1,310,440900,flexible,2019-12,2019-12,new,stop\n",
                 "bad.csv:3: from_month: overlaps the episode of scheme 310 from 2010-01 to "
                 "2019-12 (registered)");
    assert_int_equal(enrol_scan_all(f, ENROL_EPISODES, "R1").rows, 0); /* rolled back */
    import_fails(f, "bindings",
                 "holder_psn_no,member_psn_no,relation,valid_from\nR1,E2,parent,2020-01-01\n",
                 "bad.csv:2: holder_psn_no: holder R1 has no personal account");
    import_fails(f, "wages", "emp_no,psn_no,month,wage\nU1,E1,2020-02,1.001\n",
                 "bad.csv:2: wage: more than 2 decimals");
    assert_check_ok(f->store);
}

/* ---- persons' rows kept (STORE_PERSON_CACHE_SLOTS) ------------------------------- */
static void assert_same_person(const struct store_person *a, const struct store_person *b) {
    assert_string_equal(a->psn_no, b->psn_no);
    assert_string_equal(a->certno, b->certno);
    assert_string_equal(a->name, b->name);
    assert_string_equal(a->birth_date, b->birth_date);
    assert_int_equal(a->insutype, b->insutype);
    assert_int_equal(a->acct_open_fen, b->acct_open_fen);
}

/* A row found is kept and answered again as read (rows are insert-only);
 * a person not found is read again, and found once imported. */
static void test_person_cache(void **state) {
    struct fixture *f = *state;
    struct store_person p, q;
    int64_t balance = 0;
    bool found = false;
    struct store_err err = {{0}};
    assert_int_equal(store_person_find(f->store, "E2", &p, &found, &err), 0);
    assert_true(found);
    int64_t hits = store_person_cache_hits(f->store);
    assert_int_equal(store_person_find(f->store, "E2", &q, &found, &err), 0);
    assert_true(found);
    assert_same_person(&p, &q);
    assert_int_equal(store_person_get(f->store, "E2", &q, &balance, &found, &err), 0);
    assert_true(found);
    assert_same_person(&p, &q);
    assert_int_equal(store_person_cache_hits(f->store), hits + 2);
    for (int i = 0; i < 2; i++) { /* not found: not kept */
        assert_int_equal(store_person_find(f->store, "N7", &p, &found, &err), 0);
        assert_false(found);
    }
    assert_int_equal(store_person_cache_hits(f->store), hits + 2);
    write_file(f->dir, "n7.csv",
               "psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,"
               "benefit_start,acct_balc\nN7,c7,n,1,1970-01-01,310,in_service,,440900,2010-01-01,"
               "1.00\n");
    char path[1024];
    snprintf(path, sizeof path, "%s/n7.csv", f->dir);
    import_ok(f->store, "persons", path);
    assert_int_equal(store_person_find(f->store, "N7", &p, &found, &err), 0);
    assert_true(found);
    assert_string_equal(p.certno, "c7");
    /* an edit (with who and why) empties the kept rows: the next read is the new row */
    assert_int_equal(store_person_find(f->store, "N7", &p, &found, &err), 0);
    write_file(f->dir, "n7.csv",
               "psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,"
               "benefit_start,acct_balc,psn_insu_stas\nN7,c7,n,1,1970-01-01,310,in_service,"
               "low_income,440900,2010-01-01,1.00,suspended\n");
    struct store_import_note note = {"tester", "an edit"};
    struct store_import_counts counts = {0, 0};
    int64_t rows = 0;
    assert_int_equal(store_import_as(f->store, "persons", path, &note, &rows, &counts, &err), 0);
    assert_int_equal(counts.edited, 1);
    assert_int_equal(store_person_find(f->store, "N7", &q, &found, &err), 0);
    assert_true(found);
    assert_int_equal(q.status, INSURED_SUSPENDED);
    assert_int_equal(q.flags, p.flags | FLAG_LOW_INCOME);
    assert_check_ok(f->store);
}

/* ---- persons read in batches: a reader's, the flagged ------------------------------ */
struct psn_list {
    char psn[16][CODE_BYTES_MAX + 1];
    int n;
};

static int psn_listed(void *ctx, const struct store_person *p) {
    struct psn_list *l = ctx;
    assert_true(l->n < 16);
    snprintf(l->psn[l->n++], CODE_BYTES_MAX + 1, "%s", p->psn_no);
    return 0;
}

static int low_income_listed(void *ctx, const struct store_person *p) {
    return (p->flags & FLAG_LOW_INCOME) != 0 ? psn_listed(ctx, p) : 0;
}

/* A batch of persons read on a reader connection (store_persons_read: a
 * contribution run's next batch, read while the writer commits), and the
 * persons with a flag as the backend filters them (store_persons_flagged:
 * the same persons, in the same order, as a whole scan filtered here). */
static void test_persons_batch_reads(void **state) {
    struct fixture *f = *state;
    struct store_err err = {{0}};
    write_file(f->dir, "fl.csv",
               "psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,"
               "benefit_start,acct_balc\n"
               "F1,cf1,a,1,1970-01-01,390,adult,low_income,440900,2010-01-01,0.00\n"
               "F2,cf2,b,1,1970-01-01,390,adult,,440900,2010-01-01,0.00\n"
               "F3,cf3,c,2,1980-01-01,390,adult,low_income,440900,2010-01-01,0.00\n");
    char path[1024];
    snprintf(path, sizeof path, "%s/fl.csv", f->dir);
    import_ok(f->store, "persons", path);
    const char *keys[4] = {"F3", "NONE", "E2", "F1"};
    struct store_person rows[4], one;
    bool found[4] = {false, true, false, false}, one_found = false;
    assert_int_equal(store_persons_read(f->store, keys, 4, rows, found, &err), 0);
    assert_true(found[0] && !found[1] && found[2] && found[3]);
    assert_string_equal(rows[0].psn_no, "F3");
    assert_int_equal(rows[0].flags & FLAG_LOW_INCOME, FLAG_LOW_INCOME);
    assert_int_equal(rows[3].flags & FLAG_LOW_INCOME, FLAG_LOW_INCOME);
    assert_int_equal(store_person_find(f->store, "E2", &one, &one_found, &err), 0);
    assert_true(one_found);
    assert_same_person(&rows[2], &one);
    struct psn_list flagged = {.n = 0}, scanned = {.n = 0};
    assert_int_equal(store_persons_flagged(f->store, FLAG_LOW_INCOME, psn_listed, &flagged, &err),
                     0);
    assert_int_equal(store_ops(f->store)->persons_scan(store_conn(f->store), -1, low_income_listed,
                                                       &scanned, &err),
                     0);
    assert_int_equal(flagged.n, scanned.n);
    assert_true(flagged.n >= 2);
    for (int i = 0; i < flagged.n; i++) assert_string_equal(flagged.psn[i], scanned.psn[i]);
    int f1 = 0, f2 = 0, f3 = 0;
    for (int i = 0; i < flagged.n; i++) {
        f1 += strcmp(flagged.psn[i], "F1") == 0;
        f2 += strcmp(flagged.psn[i], "F2") == 0;
        f3 += strcmp(flagged.psn[i], "F3") == 0;
    }
    assert_true(f1 == 1 && f2 == 0 && f3 == 1);
}

/* ---- limits ------------------------------------------------------------------- */
static void test_batch_limits(void **state) {
    struct fixture *f = *state;
    struct commitq *q = NULL;
    struct store_err err = {{0}};
    assert_int_equal(commitq_start(f->store, 0, &q, &err), -1);
    assert_null(q);
    assert_int_equal(commitq_start(f->store, BATCH_MAX + 1, &q, &err), -1);
    assert_non_null(strstr(err.msg, "batch size"));
    assert_int_equal(commitq_start(f->store, BATCH_MAX, &q, &err), 0);
    commitq_stop(q);
}

/* ---- CSV ------------------------------------------------------------------------- */
static void test_csv(void **state) {
    (void)state;
    struct csv_reader *r = malloc(sizeof *r);
    assert_non_null(r);
    csv_init(r, NULL);
    assert_int_equal(csv_parse_string(r, "a,\"b,\"\"c\"\"\",,\"x\ny\"\r\n"), 1);
    assert_int_equal(r->field_count, 4);
    assert_string_equal(r->fields[1], "b,\"c\"");
    assert_string_equal(r->fields[2], "");
    assert_string_equal(r->fields[3], "x\ny");
    csv_init(r, NULL);
    assert_int_equal(csv_parse_string(r, "\"abc\"d\n"), -1);
    assert_string_equal(r->err, "text after a closing quote");
    csv_init(r, NULL);
    assert_int_equal(csv_parse_string(r, "ab\"c\n"), -1);
    csv_init(r, NULL);
    assert_int_equal(csv_parse_string(r, "\"open\n"), -1);
    assert_string_equal(r->err, "unterminated quoted field");
    csv_init(r, NULL);
    assert_int_equal(csv_parse_string(r, ""), 0);
    char *line = malloc(CSV_RECORD_BYTES_MAX + 2);
    assert_non_null(line);
    memset(line, 'x', CSV_RECORD_BYTES_MAX);
    line[CSV_RECORD_BYTES_MAX] = '\0'; /* at the limit */
    csv_init(r, NULL);
    assert_int_equal(csv_parse_string(r, line), 1);
    line[CSV_RECORD_BYTES_MAX] = 'x', line[CSV_RECORD_BYTES_MAX + 1] = '\0'; /* one past */
    csv_init(r, NULL);
    assert_int_equal(csv_parse_string(r, line), -1);
    char fields[CSV_FIELDS_MAX * 2 + 2];
    for (int i = 0; i < CSV_FIELDS_MAX; i++) fields[2 * i] = 'f', fields[2 * i + 1] = ',';
    fields[2 * CSV_FIELDS_MAX - 1] = '\0'; /* exactly CSV_FIELDS_MAX fields */
    csv_init(r, NULL);
    assert_int_equal(csv_parse_string(r, fields), 1);
    assert_int_equal(r->field_count, CSV_FIELDS_MAX);
    fields[2 * CSV_FIELDS_MAX - 1] = ',', fields[2 * CSV_FIELDS_MAX] = '\0';
    csv_init(r, NULL);
    assert_int_equal(csv_parse_string(r, fields), -1);
    free(line);
    free(r);
}

/* ---- journal encoding and hashing ------------------------------------------------ */
static void test_journal_encoding(void **state) {
    (void)state;
    struct store_settlement s, back;
    memset(&s, 0, sizeof s);
    snprintf(s.region, sizeof s.region, "440900");
    s.insutype = 390, s.year = 2020, s.pool_ratio_bp = 7500;
    s.setl.medfee_sumamt = 123456, s.setl.hifp_pay = 100000, s.setl.psn_part_amt = 23456;
    s.rooms.hifp_room_fen = INT64_MAX;
    s.delta.year = 2020, s.delta.admissions = 1, s.delta.basic_paid_fen = 100000;
    s.delta.special_paid_fen[31] = 5;
    s.delta.acct_balc_fen = -7;
    char body[JOURNAL_BODY_BYTES_MAX + 1];
    assert_true(settlement_encode(&s, body, sizeof body) > 0);
    const char *bad = NULL;
    assert_int_equal(settlement_decode(body, &back, &bad), 0);
    assert_memory_equal(&s, &back, sizeof s);
    assert_int_equal(settlement_encode(&s, body, 20), -1); /* too small: refused, not cut */
    /* a revoke's note: spaces, '%', '=' and UTF-8 survive, and split no pair */
    snprintf(s.note, sizeof s.note, "%s", "carol: 100% refund = billed twice \xe5\x8c\xbb");
    assert_true(settlement_encode(&s, body, sizeof body) > 0);
    assert_non_null(strstr(body, " note=carol:%20100%25%20refund%20%3D%20billed"));
    assert_int_equal(settlement_decode(body, &back, &bad), 0);
    assert_memory_equal(&s, &back, sizeof s);
    char longest[STORE_NOTE_TEXT_BYTES];
    memset(longest, ' ', sizeof longest - 1); /* every byte encoded: 3 bytes each */
    longest[sizeof longest - 1] = '\0';
    memcpy(s.note, longest, sizeof s.note);
    assert_true(settlement_encode(&s, body, sizeof body) > 0); /* fits a body */
    assert_int_equal(settlement_decode(body, &back, &bad), 0);
    assert_string_equal(back.note, longest);
    /* the holders' parts (family sharing, h.<i>): the most and the longest
     * psn_no fit beside the longest note, and read back the same */
    s.setl.acct_mulaid_pay = 0;
    s.holder_count = SETTLE_HOLDERS_MAX;
    for (int32_t i = 0; i < SETTLE_HOLDERS_MAX; i++) {
        memset(s.holders[i].psn_no, 'A' + i, CODE_BYTES_MAX);
        s.holders[i].psn_no[CODE_BYTES_MAX] = '\0';
        s.holders[i].pay_fen = 922337203685477 + i;
        s.setl.acct_mulaid_pay += s.holders[i].pay_fen;
    }
    assert_true(settlement_encode(&s, body, sizeof body) > 0);
    assert_int_equal(settlement_decode(body, &back, &bad), 0);
    assert_memory_equal(&s, &back, sizeof s);
    int64_t was = 0, now = 0;
    back.holders[2].pay_fen--;
    assert_string_equal(settlement_diff(&s, &back, &was, &now), "h.2");
    back.holder_count = 3;
    assert_non_null(settlement_diff(&s, &back, &was, &now));
    memset(s.holders, 0, sizeof s.holders);
    s.holder_count = 0, s.setl.acct_mulaid_pay = 0;
    static const char *const bad_holders[] = {
        "region=1 year=2020 insutype=390 pool_ratio=1 h.1=P1:5",          /* not in order */
        "region=1 year=2020 insutype=390 pool_ratio=1 h.0=P1:0",          /* no part */
        "region=1 year=2020 insutype=390 pool_ratio=1 h.0=:5",            /* no holder */
        "region=1 year=2020 insutype=390 pool_ratio=1 h.0=P1",            /* no amount */
        "region=1 year=2020 insutype=390 pool_ratio=1 h.0=P1:5 h.0=P2:5", /* twice */
    };
    for (size_t i = 0; i < sizeof bad_holders / sizeof bad_holders[0]; i++)
        assert_int_equal(settlement_decode(bad_holders[i], &back, &bad), -1);
    assert_int_equal(
        settlement_decode("region=1 year=2020 insutype=390 pool_ratio=1 note=%4", &back, &bad),
        -1); /* a cut escape */
    memset(s.note, 0, sizeof s.note);
    assert_int_equal(settlement_decode("region=1 hifp_pay=x", &back, &bad), -1);
    /* integers only as the encoder writes them, within int64_t */
    static const char *const bad_numbers[] = {"+5",
                                              "007",
                                              "-0",
                                              "",
                                              "-",
                                              "9223372036854775808",
                                              "-9223372036854775808",
                                              "12345678901234567890"};
    char text[128];
    for (size_t i = 0; i < sizeof bad_numbers / sizeof bad_numbers[0]; i++) {
        snprintf(text, sizeof text, "region=1 year=2020 insutype=390 pool_ratio=1 hifp_pay=%s",
                 bad_numbers[i]);
        assert_int_equal(settlement_decode(text, &back, &bad), -1);
    }
    assert_int_equal(settlement_decode("region=1 year=2020 insutype=390 pool_ratio=1 "
                                       "hifp_pay=9223372036854775807 acct_pay=-9223372036854775807",
                                       &back, &bad),
                     0);
    assert_true(back.setl.hifp_pay == INT64_MAX && back.setl.acct_pay == -INT64_MAX);
    /* keys in another order than the encoder's still land in their fields */
    assert_int_equal(settlement_decode("region=1 year=2020 insutype=390 pool_ratio=1 "
                                       "psn_part_amt=5 hifp_pay=2 medfee_sumamt=7 psn_part_amt=6",
                                       &back, &bad),
                     0);
    assert_true(back.setl.medfee_sumamt == 7 && back.setl.hifp_pay == 2 &&
                back.setl.psn_part_amt == 6);
    struct journal_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.seq = 7, rec.kind = JOURNAL_SETTLE;
    snprintf(rec.body, sizeof rec.body, "%s", body);
    char h1[HASH_HEX_BYTES + 1], h2[HASH_HEX_BYTES + 1];
    journal_hash(&rec, h1);
    rec.body[10] ^= 1;
    journal_hash(&rec, h2);
    assert_string_not_equal(h1, h2);
}

/* ---- PostgreSQL: connections the server drops --------------------------- */
static PGconn *pg_connect_ok(const char *target) {
    PGconn *pg = PQconnectdb(target);
    if (PQstatus(pg) != CONNECTION_OK) print_message("connect: %s", PQerrorMessage(pg));
    assert_int_equal(PQstatus(pg), CONNECTION_OK);
    return pg;
}

/* Runs sql; returns the first column of the first row as text (into out),
 * or "" when there is none. */
static void pg_query(PGconn *pg, const char *sql, char *out, size_t size) {
    PGresult *res = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        print_message("%s: %s", sql, PQerrorMessage(pg));
    assert_true(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK);
    bool any = st == PGRES_TUPLES_OK && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0);
    snprintf(out, size, "%s", any ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
}

static void pg_sleep_poll(void) {
    struct timespec ts = {0, PG_POLL_NS};
    nanosleep(&ts, NULL);
}

/* Waits until a client backend of database db matches cond (SQL over
 * pg_stat_activity); their pids ("{...}") into pids (fails the test when
 * none came within PG_POLL_TRIES looks). */
static void pg_wait_for(PGconn *admin, const char *db, const char *cond, char *pids, size_t size) {
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT array_agg(pid) FROM pg_stat_activity WHERE datname = '%s'"
             " AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND %s",
             db, cond);
    pids[0] = '\0';
    for (int i = 0; i < PG_POLL_TRIES && pids[0] == '\0'; i++) {
        pg_query(admin, sql, pids, size);
        if (pids[0] == '\0') pg_sleep_poll();
    }
    assert_true(pids[0] != '\0');
}

/* Terminates the client backends of database db that match cond, waiting
 * first until there is one (pg_wait_for), then until they are gone;
 * returns how many. */
static long pg_kill(PGconn *admin, const char *db, const char *cond) {
    char sql[512], pids[256] = "";
    pg_wait_for(admin, db, cond, pids, sizeof pids);
    char count[32];
    snprintf(sql, sizeof sql, "SELECT count(pg_terminate_backend(p)) FROM unnest('%s'::int[]) p",
             pids);
    pg_query(admin, sql, count, sizeof count);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY('%s'::int[])",
             pids);
    char left[32] = "1";
    for (int i = 0; i < PG_POLL_TRIES && strcmp(left, "0") != 0; i++) {
        pg_query(admin, sql, left, sizeof left);
        if (strcmp(left, "0") != 0) pg_sleep_poll();
    }
    assert_string_equal(left, "0");
    return strtol(count, NULL, 10);
}

/* Settles msgid for E1; a failure is counted and the request resent once
 * with the same msgid, which must then succeed. */
static void settle_resend(struct commitq *q, const char *msgid, const struct bill *bill,
                          int *failures) {
    struct store_req r;
    settle_req(&r, msgid, "E1", bill);
    if (commitq_call(q, &r) != 0) {
        print_message("after the drop, %s failed once: %s\n", msgid, r.err.msg);
        (*failures)++;
        settle_req(&r, msgid, "E1", bill);
        call(q, &r);
    }
    assert_int_equal(r.status, STORE_DONE);
    assert_false(r.replayed);
}

static void assert_admissions(struct store *s, int want) {
    struct store_err err = {{0}};
    struct year_state st;
    int rc = store_state_get(s, "E1", 2020, &st, &err);
    if (rc != 0) print_message("state get: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(st.admissions, want);
}

static void assert_plan_mode(struct store_conn *conn, const char *want) {
    struct store_err err = {{0}};
    char mode[64] = "";
    int rc = store_pg_show(conn, "plan_cache_mode", mode, sizeof mode, &err);
    if (rc != 0) print_message("show: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_string_equal(mode, want);
}

/* Through one read connection: the person's tables (prepared, generic
 * plans allowed) and the journal by msgid (unprepared: planned per call);
 * the journal's tail seq. */
static int64_t reader_reads(struct store_conn *reader, bool want_m1) {
    const struct store_backend *ops = &store_pg_backend;
    struct store_err err = {{0}};
    int64_t tail_seq = 0;
    for (int i = 0; i < 8; i++) { /* past PostgreSQL's 5 custom plans */
        struct store_person_tables t = {.key = {.psn_no = "E1", .year = 2020}, .account = "x"};
        int rc = ops->person_tables_get(reader, &t, &err);
        if (rc != 0) print_message("person tables: %s\n", err.msg);
        assert_int_equal(rc, 0);
        assert_true(t.tail_seq > 0 && (i == 0 || t.tail_seq == tail_seq));
        tail_seq = t.tail_seq;
        const char *msgid = "m1";
        struct journal_rec rec;
        bool found = false;
        assert_int_equal(ops->journal_by_msgid(reader, &msgid, 1, &rec, &found, &err), 0);
        assert_true(found == want_m1);
    }
    return tail_seq;
}

/* A read connection (reader_session, as store_open_as makes each of its
 * readers) plans at plan_cache_mode auto, the writer's at
 * force_custom_plan, and both keep theirs over a reconnect
 * (pg_terminate_backend): pg_ensure applies the settings again. */
static void test_pg_reader_session(void **state) {
    struct fixture *f = *state;
    const struct store_backend *ops = &store_pg_backend;
    struct store_conn *writer = NULL, *reader = NULL;
    struct store_err err = {{0}};
    assert_int_equal(ops->open(f->target, STORE_MODE_EXISTING, &writer, &err), 0);
    assert_int_equal(ops->open(f->target, STORE_MODE_EXISTING, &reader, &err), 0);
    assert_int_equal(ops->reader_session(reader, &err), 0);
    assert_plan_mode(writer, "force_custom_plan");
    assert_plan_mode(reader, "auto");
    int64_t tail_seq = reader_reads(reader, false);
    struct commitq *q = NULL;
    assert_int_equal(commitq_start(f->store, 8, &q, &err), 0);
    struct bill bill;
    struct bill_line line;
    make_bill(&bill, &line, "H3", 10000, false);
    int failures = 0;
    settle_resend(q, "m1", &bill, &failures);
    assert_int_equal(failures, 0);
    /* the plans made before the settlement see its rows */
    assert_true(reader_reads(reader, true) > tail_seq);
    PGconn *admin = pg_connect_ok(getenv("YIBAO_PG_URI"));
    assert_true(pg_kill(admin, f->pg_db, "true") >= 2);
    assert_plan_mode(reader, "auto"); /* reconnected, the reader's setting applied again */
    assert_plan_mode(writer, "force_custom_plan");
    assert_true(reader_reads(reader, true) > tail_seq);
    commitq_stop(q);
    ops->close(reader);
    ops->close(writer);
    PQfinish(admin);
    assert_check_ok(f->store);
}

/* The seq_scan count of a table, as every backend that read it has
 * reported (pg_stat_clear_snapshot: not the admin session's cached copy). */
static long seq_scans(PGconn *admin, const char *table) {
    char out[64], sql[128];
    pg_query(admin, "SELECT pg_stat_clear_snapshot()", out, sizeof out);
    snprintf(sql, sizeof sql, "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = '%s'",
             table);
    pg_query(admin, sql, out, sizeof out);
    assert_true(out[0] != '\0');
    return strtol(out, NULL, 10);
}

/* Waits until the server process pid has exited (it reports its
 * statistics on the way out). */
static void pg_wait_exit(long pid) {
    assert_true(pid > 0);
    for (int i = 0; i < 1000 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH); i++) pg_sleep_poll();
    assert_true(kill((pid_t)pid, 0) != 0 && errno == ESRCH);
}

/* A writer's connection of its own on f's database and its backend's pid
 * (the newest client backend but admin's). */
static struct store_conn *writer_open(struct fixture *f, PGconn *admin, long *pid) {
    struct store_conn *writer = NULL;
    struct store_err err = {{0}};
    char out[64];
    assert_int_equal(store_pg_backend.open(f->target, STORE_MODE_EXISTING, &writer, &err), 0);
    pg_query(admin,
             "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND"
             " backend_type = 'client backend' AND pid <> pg_backend_pid()"
             " ORDER BY backend_start DESC LIMIT 1",
             out, sizeof out);
    *pid = strtol(out, NULL, 10);
    assert_true(*pid > 0);
    return writer;
}

/* The statements reading the journal's end (its tail, the checkpoint's
 * max(seq), the registry generation, and the three in one: batch_heads)
 * are planned with the journal's
 * current size: a writer that first read them while the journal held 8
 * rows (analyzed so, autovacuum off), then saw it grow to 30,000 rows in
 * the same session, reads the tail through the index, not by scanning the
 * whole journal at every call (a prepared statement's generic plan did:
 * 3 sequential scans a call). */
static void test_pg_journal_end_plans(void **state) {
    enum { SMALL_ROWS = 8, GROWN_ROWS = 30000, CALLS = 40 };
    struct fixture *f = *state;
    const struct store_backend *ops = &store_pg_backend;
    PGconn *admin = pg_connect_ok(f->target);
    char out[64], sql[512];
    const char *rows = "INSERT INTO journal SELECT 1000000 + g, 0, 1, 'plan/' || g, 'P', '', 0,"
                       " 2020, 'h', 'b', 'p', 'h' FROM generate_series(%d, %d) g";
    pg_query(admin, "ALTER TABLE journal SET (autovacuum_enabled = false)", out, sizeof out);
    snprintf(sql, sizeof sql, rows, 1, SMALL_ROWS);
    pg_query(admin, sql, out, sizeof out);
    pg_query(admin, "ANALYZE journal", out, sizeof out);
    long before = seq_scans(admin, "journal");
    struct store_err err = {{0}};
    long pid = 0;
    struct store_conn *writer = writer_open(f, admin, &pid);
    struct journal_rec last;
    bool found = false, has_checkpoint = false;
    int64_t checkpoint_seq = 0, tail_seq = 0, gen = 0;
    for (int grown = 0; grown <= 1; grown++) {
        if (grown) { /* the same session, the journal grown */
            snprintf(sql, sizeof sql, rows, SMALL_ROWS + 1, GROWN_ROWS);
            pg_query(admin, sql, out, sizeof out);
        }
        for (int i = 0; i < (grown ? CALLS : 1); i++) {
            assert_int_equal(ops->journal_tail(writer, &last, &found, &err), 0);
            assert_true(found);
            assert_int_equal(last.seq, 1000000 + (grown ? GROWN_ROWS : SMALL_ROWS));
            assert_int_equal(
                ops->checkpoint_get(writer, &checkpoint_seq, &has_checkpoint, &tail_seq, &err), 0);
            assert_int_equal(tail_seq, last.seq);
            assert_int_equal(ops->registry_gen(writer, &gen, &err), 0);
            assert_true(gen >= 0 && gen < 1000000);
            /* the three in one statement: the same, and planned as fresh */
            struct journal_rec head;
            struct store_heads h;
            bool head_found = false;
            assert_int_equal(ops->batch_heads(writer, &head, &head_found, &h, &err), 0);
            assert_true(head_found);
            assert_int_equal(head.seq, last.seq);
            assert_string_equal(head.hash, last.hash);
            assert_int_equal(h.tail_seq, tail_seq);
            assert_int_equal(h.checkpoint_found, has_checkpoint);
            assert_int_equal(h.checkpoint_seq, checkpoint_seq);
            assert_int_equal(h.registry_gen, gen);
            /* a batch's look-up by msgid at its generic plan (batch_plans):
             * made on 8 rows, still by the index on 30,000 */
            const char *msgids[1] = {"plan/5"};
            bool got = false;
            struct store_heads hb;
            assert_int_equal(ops->begin(writer, &err), 0);
            assert_int_equal(ops->batch_plans(writer, &err), 0);
            assert_int_equal(ops->batch_heads(writer, &head, &head_found, &hb, &err), 0);
            assert_true(head_found && head.seq == last.seq && hb.tail_seq == tail_seq);
            assert_int_equal(hb.registry_gen, gen);
            assert_int_equal(ops->journal_by_msgid(writer, msgids, 1, &head, &got, &err), 0);
            assert_int_equal(ops->commit(writer, &err), 0);
            assert_true(got);
            assert_int_equal(head.seq, 1000005);
        }
    }
    ops->close(writer);
    pg_wait_exit(pid);
    long scans = seq_scans(admin, "journal") - before;
    print_message("journal sequential scans: %ld for %d calls after the growth\n", scans, CALLS);
    assert_true(scans < CALLS); /* the first calls' plans on 8 rows may scan: not every call */
    pg_query(admin, "DELETE FROM journal WHERE seq > 1000000", out, sizeof out);
    pg_query(admin, "ALTER TABLE journal RESET (autovacuum_enabled)", out, sizeof out);
    PQfinish(admin);
    assert_check_ok(f->store);
}

/* One commit of the writer linking visit visit_id to settlement setl_id. */
static void link_one(struct store_conn *writer, int64_t visit_id, int64_t setl_id) {
    const struct store_backend *ops = &store_pg_backend;
    struct store_err err = {{0}};
    struct store_visit_link link = {.visit_id = visit_id, .status_after = 1};
    snprintf(link.msgid, sizeof link.msgid, "plans/%" PRId64, setl_id);
    const struct store_visit_link *links[1] = {&link};
    assert_int_equal(ops->begin(writer, &err), 0);
    assert_int_equal(ops->visits_link(writer, links, &setl_id, 1, &err), 0);
    assert_int_equal(ops->commit(writer, &err), 0);
}

/* The writes a commit queue's batch sends with its COMMIT run at generic
 * plans (pg_flush): a session that first linked a visit while svc_fee was
 * a page (analysed so, autovacuum off), then saw it grow to 34,000 lines,
 * links each visit by the key, never by scanning svc_fee (with sequential
 * scans allowed, the generic plan made on one page was a scan at every
 * batch: the visit flow's profile showed it, a third of the machine). */
static void test_pg_link_plans(void **state) {
    enum { SMALL_VISITS = 3, GROWN_VISITS = 2000, LINES = 17, LINKS = 20 };
    struct fixture *f = *state;
    const struct store_backend *ops = &store_pg_backend;
    PGconn *admin = pg_connect_ok(f->target);
    char out[64], sql[256];
    int64_t first = pg_svc_small_tables(admin, "LP", SMALL_VISITS, LINES, false);
    assert_true(first > 0);
    long before = seq_scans(admin, "svc_fee");
    long pid = 0;
    struct store_conn *writer = writer_open(f, admin, &pid);
    link_one(writer, first, 9000001); /* its plans made on the small tables */
    assert_int_equal(
        pg_svc_visits_add(admin, "LP", SMALL_VISITS + 1, SMALL_VISITS + GROWN_VISITS, LINES, false),
        0);
    for (int i = 1; i <= LINKS; i++) link_one(writer, first + i, 9000001 + i);
    ops->close(writer);
    pg_wait_exit(pid);
    long scans = seq_scans(admin, "svc_fee") - before;
    print_message("svc_fee sequential scans: %ld for %d links after the growth\n", scans, LINKS);
    assert_true(scans < LINKS / 2);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM svc_fee WHERE setl_id > 9000000 AND visit_id = setl_id - 9000001"
             " + %" PRId64,
             first);
    pg_query(admin, sql, out, sizeof out);
    assert_int_equal(strtol(out, NULL, 10), (LINKS + 1) * LINES); /* every line of each linked */
    pg_query(admin, "DELETE FROM svc_setl WHERE msgid LIKE 'plans/%'", out, sizeof out);
    pg_query(admin,
             "DELETE FROM svc_fee WHERE visit_id IN (SELECT id FROM svc_visit WHERE"
             " ipt_otp_no LIKE 'LP%')",
             out, sizeof out);
    pg_query(admin, "DELETE FROM svc_visit WHERE ipt_otp_no LIKE 'LP%'", out, sizeof out);
    pg_query(admin, "ALTER TABLE svc_fee RESET (autovacuum_enabled)", out, sizeof out);
    pg_query(admin, "ALTER TABLE svc_visit RESET (autovacuum_enabled)", out, sizeof out);
    PQfinish(admin);
    assert_check_ok(f->store);
}

/* Between units of work: the writer and the read connection reconnect at
 * their next use; while the database refuses connections each unit fails
 * at once with a clear error, and works again when it accepts them. */
static void test_pg_connection_dropped(void **state) {
    struct fixture *f = *state;
    PGconn *admin = pg_connect_ok(getenv("YIBAO_PG_URI"));
    struct commitq *q = NULL;
    struct store_err err = {{0}};
    assert_int_equal(commitq_start(f->store, 8, &q, &err), 0);
    struct bill bill;
    struct bill_line line;
    make_bill(&bill, &line, "H3", 10000, false);
    int failures = 0;
    settle_resend(q, "d1", &bill, &failures);
    assert_int_equal(failures, 0);
    assert_true(pg_kill(admin, f->pg_db, "true") >= 2); /* the writer's and the reads' */
    assert_admissions(f->store, 1);
    struct store_person p;
    int64_t balance = -1;
    bool found = false;
    assert_int_equal(store_person_get(f->store, "E1", &p, &balance, &found, &err), 0);
    assert_true(found);
    settle_resend(q, "d2", &bill, &failures);
    settle_resend(q, "d3", &bill, &failures);
    assert_true(failures <= 1);
    assert_admissions(f->store, 3);

    char sql[160], out[8];
    snprintf(sql, sizeof sql, "ALTER DATABASE %s ALLOW_CONNECTIONS false", f->pg_db);
    pg_query(admin, sql, out, sizeof out);
    assert_true(pg_kill(admin, f->pg_db, "true") >= 2);
    struct store_req r;
    settle_req(&r, "d4", "E1", &bill);
    assert_int_not_equal(commitq_call(q, &r), 0);
    assert_non_null(strstr(r.err.msg, "postgresql: connection lost; reconnect failed: "));
    struct year_state st;
    assert_int_not_equal(store_state_get(f->store, "E1", 2020, &st, &err), 0);
    assert_non_null(strstr(err.msg, "postgresql: connection lost; reconnect failed: "));
    snprintf(sql, sizeof sql, "ALTER DATABASE %s ALLOW_CONNECTIONS true", f->pg_db);
    pg_query(admin, sql, out, sizeof out);
    failures = 0;
    settle_resend(q, "d4", &bill, &failures);
    assert_int_equal(failures, 0);
    assert_admissions(f->store, 4);
    commitq_stop(q);
    assert_check_ok(f->store);
    PQfinish(admin);
}

/* Inside a batch: the statement that finds the connection gone fails the
 * batch (nothing is retried in a transaction), the resend commits once,
 * and the writer recovers its view from storage. Before any statement of
 * the batch (waiting for the writer lock in BEGIN) one reconnect and a
 * second BEGIN are safe, and the batch succeeds. */
static void test_pg_connection_dropped_in_batch(void **state) {
    struct fixture *f = *state;
    PGconn *admin = pg_connect_ok(getenv("YIBAO_PG_URI"));
    PGconn *blocker = pg_connect_ok(f->target);
    struct commitq *q = NULL;
    struct store_err err = {{0}};
    assert_int_equal(commitq_start(f->store, 8, &q, &err), 0);
    struct bill bill;
    struct bill_line line;
    make_bill(&bill, &line, "H3", 500000, false); /* the funds pay: the batch writes postings */
    int failures = 0;
    settle_resend(q, "b1", &bill, &failures);
    char before[32], after[32], out[32];
    pg_query(blocker, "SELECT max(seq) FROM journal", before, sizeof before);

    pg_query(blocker, "BEGIN; LOCK TABLE postings IN EXCLUSIVE MODE", out, sizeof out);
    struct store_req r;
    settle_req(&r, "b2", "E1", &bill);
    assert_int_equal(commitq_submit(q, &r), 0);
    assert_int_equal(
        pg_kill(admin, f->pg_db, "wait_event_type = 'Lock' AND query LIKE 'INSERT INTO postings%'"),
        1);
    commitq_wait(q, &r);
    assert_int_equal(r.status, STORE_FAILED);
    print_message("the batch failed as it should: %s\n", r.err.msg);
    pg_query(blocker, "ROLLBACK", out, sizeof out);
    pg_query(blocker, "SELECT max(seq) FROM journal", after, sizeof after);
    assert_string_equal(before, after); /* the batch's journal rows rolled back */
    assert_admissions(f->store, 1);
    settle_resend(q, "b2", &bill, &failures);
    assert_int_equal(failures, 0);
    assert_admissions(f->store, 2);

    char sql[96];
    snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock(%d)", PG_WRITER_LOCK_KEY);
    pg_query(blocker, sql, out, sizeof out);
    settle_req(&r, "b3", "E1", &bill);
    assert_int_equal(commitq_submit(q, &r), 0);
    /* the lock's statement: in a batch's first round trip (store_pg.c
     * pg_batch_begin), or after its BEGIN in one statement */
    assert_int_equal(pg_kill(admin, f->pg_db,
                             "wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock%'"),
                     1);
    pg_query(blocker, "COMMIT", out, sizeof out);
    commitq_wait(q, &r);
    if (r.status != STORE_DONE) print_message("b3: %s\n", r.err.msg);
    assert_int_equal(r.status, STORE_DONE);
    assert_admissions(f->store, 3);
    commitq_stop(q);
    assert_check_ok(f->store);
    PQfinish(blocker);
    PQfinish(admin);
}

/* A batch's reads sent ahead (store_pg.c "reads sent ahead"): captured on
 * the bet that none of its msgids is journaled, so a batch holding a
 * replay (E1's, not in the new queue's cache) reads its persons and
 * states again with other keys. The batch is made by the writer lock held
 * elsewhere while its requests queue behind a first one. E2's state is
 * its own (one admission), not the replayed person's, and the replay is
 * answered as before. */
static void test_pg_reads_ahead_bet_lost(void **state) {
    struct fixture *f = *state;
    PGconn *admin = pg_connect_ok(getenv("YIBAO_PG_URI"));
    PGconn *blocker = pg_connect_ok(f->target);
    struct commitq *q = NULL;
    struct store_err err = {{0}};
    struct bill bill;
    struct bill_line line;
    struct store_req first, reqs[2];
    char sql[96], out[32], pids[256];
    make_bill(&bill, &line, "H3", 30000, false);
    assert_int_equal(commitq_start(f->store, 8, &q, &err), 0);
    settle_req(&first, "ra1", "E1", &bill);
    call(q, &first);
    call(q, &first);
    assert_true(first.replayed);
    commitq_stop(q); /* a new queue: an empty cache */
    assert_int_equal(commitq_start(f->store, 8, &q, &err), 0);
    snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock(%d)", PG_WRITER_LOCK_KEY);
    pg_query(blocker, sql, out, sizeof out);
    settle_req(&first, "ra0", "R1", &bill);
    assert_int_equal(commitq_submit(q, &first), 0);
    pg_wait_for(admin, f->pg_db,
                "wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock%'", pids,
                sizeof pids);
    settle_req(&reqs[0], "ra1", "E1", &bill); /* a replay */
    settle_req(&reqs[1], "ra2", "E2", &bill);
    for (int i = 0; i < 2; i++) assert_int_equal(commitq_submit(q, &reqs[i]), 0);
    pg_query(blocker, "COMMIT", out, sizeof out);
    commitq_wait(q, &first);
    assert_int_equal(first.status, STORE_DONE);
    for (int i = 0; i < 2; i++) {
        commitq_wait(q, &reqs[i]);
        assert_int_equal(reqs[i].status, STORE_DONE);
    }
    assert_true(reqs[0].replayed);
    assert_false(reqs[1].replayed);
    assert_int_equal(reqs[1].state_after.admissions, 1); /* E2's own year */
    commitq_stop(q);
    assert_check_ok(f->store);
    PQfinish(blocker);
    PQfinish(admin);
}

/* An employer's month charged (in service: employer 6.00 + employee 2.00
 * = pool 6.00 + account 2.00 yuan, owed 8.00) or collected. */
static void contrib_item(struct store_contrib_item *it, const char *psn_no, int32_t month,
                         int64_t collected_fen, int64_t owed_fen, int64_t read_seq) {
    memset(it, 0, sizeof *it);
    struct store_contrib *c = &it->c;
    c->insutype = 310, c->year = 2020, c->month = month;
    snprintf(c->region, sizeof c->region, "440900");
    snprintf(c->emp_no, sizeof c->emp_no, "E1");
    if (collected_fen == 0) {
        snprintf(it->psn_no, sizeof it->psn_no, "%s", psn_no);
        snprintf(c->category, sizeof c->category, "in_service");
        c->wage_fen = c->base_fen = 10000;
        c->employer_fen = c->pool_fen = 600, c->employee_fen = c->account_fen = 200;
        assert_int_equal(contrib_msgid(it->msgid, psn_no, c), 0);
    } else {
        snprintf(c->category, sizeof c->category, "%s", CONTRIB_COLLECTED);
        c->amount_fen = collected_fen, c->owed_fen = owed_fen;
        snprintf(c->paid_date, sizeof c->paid_date, "2020-0%c-2%c", (char)('1' + month),
                 (char)('0' + collected_fen % 10)); /* a day of the next month */
        snprintf(it->msgid, sizeof it->msgid, "collect/emp/E1/2020-%02d/%s", (int)month,
                 c->paid_date);
        it->read_seq = read_seq;
    }
    assert_null(contrib_identity_error(c));
}

static int contrib_commit_one(struct store *s, const struct store_contrib_item *it,
                              struct store_err *err) {
    struct contrib_batch *b = store_contrib_batch_new(1);
    assert_non_null(b);
    bool posted = false;
    int rc = store_contrib_commit(s, b, it, 1, &posted, err);
    store_contrib_batch_free(b);
    assert_true(rc != 0 || posted);
    return rc;
}

/* Two writers collect the same month, each checked against what the
 * month owed when it read (8.00 yuan): the first commits 5.01, so the
 * second's 5.02 is refused inside its commit although the employer
 * still owes 10.99 in all (two months charged); 2.99 fits. */
static void test_collections_meanwhile(void **state) {
    struct fixture *f = *state;
    struct store_err err = {{0}};
    struct store_contrib_item it;
    contrib_item(&it, "P001", 1, 0, 0, 0);
    assert_int_equal(contrib_commit_one(f->store, &it, &err), 0);
    contrib_item(&it, "P001", 2, 0, 0, 0);
    assert_int_equal(contrib_commit_one(f->store, &it, &err), 0);
    struct journal_rec tail;
    bool has = false;
    assert_int_equal(store_ops(f->store)->journal_tail(store_conn(f->store), &tail, &has, &err), 0);
    assert_true(has);
    contrib_item(&it, NULL, 1, 501, 800, tail.seq);
    assert_int_equal(contrib_commit_one(f->store, &it, &err), 0);
    contrib_item(&it, NULL, 1, 502, 800, tail.seq); /* read before the 5.01 */
    assert_int_equal(contrib_commit_one(f->store, &it, &err), 2);
    assert_non_null(strstr(err.msg, "amount: R:emp:E1 owes 2.99 yuan for 2020-01 now"));
    assert_non_null(strstr(err.msg, "5.01 collected meanwhile"));
    contrib_item(&it, NULL, 1, 299, 800, tail.seq);
    assert_int_equal(contrib_commit_one(f->store, &it, &err), 0);
    contrib_item(&it, NULL, 2, 800, 800, tail.seq); /* the other month: nothing meanwhile */
    assert_int_equal(contrib_commit_one(f->store, &it, &err), 0);
    assert_check_ok(f->store);
}

/* postings_month_local (a posting's business month, ledger.c) keeps the
 * last quarter hour's month: it equals localtime_r's month at every
 * 7 minutes across month ends, in zones of whole, half and three-quarter
 * hours and one with daylight saving; each zone's times apart from the
 * last's, so no month of another zone is kept. */
static void test_postings_month_local(void **state) {
    (void)state;
    static const char *const zones[] = {"UTC", "Asia/Shanghai", "Asia/Kathmandu",
                                        "America/St_Johns", "Europe/London"};
    const char *was = getenv("TZ");
    char saved[64] = "";
    if (was != NULL) snprintf(saved, sizeof saved, "%s", was);
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        assert_int_equal(setenv("TZ", zones[z], 1), 0);
        tzset();
        /* 40 days from 2020-12-30 00:00 UTC plus 40 days per zone: a
         * month's end or two each (London's in summer time) */
        int64_t from = 1609286400 + (int64_t)z * 40 * 86400;
        for (int64_t s = from; s < from + 40 * 86400; s += 420) {
            time_t t = (time_t)s;
            struct tm tm;
            assert_non_null(localtime_r(&t, &tm));
            assert_int_equal(postings_month_local(s * 1000000 + 999999),
                             (tm.tm_year + 1900) * 12 + tm.tm_mon);
        }
    }
    if (was != NULL) setenv("TZ", saved, 1);
    else unsetenv("TZ");
    tzset();
}

int main(void) {
    const struct CMUnitTest sqlite_tests[] = {
        cmocka_unit_test_setup_teardown(test_settle_replay_revoke, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_replay_settled, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_receipt_and_bill, setup_sqlite, teardown),
        cmocka_unit_test(test_bill_blob),
        cmocka_unit_test_setup_teardown(test_checkpoint, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_missing, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_random, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_check_while_writing, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_change_nothing, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_same_batch_and_reads, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_journal_period, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_simulated_time, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_simulated_time_many_breaks, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_journal_brief, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_callers, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_import_errors, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_enrol_rows, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_person_cache, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_persons_batch_reads, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_batch_limits, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_collections_meanwhile, setup_sqlite, teardown),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_journal_encoding),
        cmocka_unit_test(test_postings_month_local),
    };
    const struct CMUnitTest pg_tests[] = {
        cmocka_unit_test_setup_teardown(test_settle_replay_revoke, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_replay_settled, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_receipt_and_bill, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_random, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_check_while_writing, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_change_nothing, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_same_batch_and_reads, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_journal_period, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_simulated_time, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_simulated_time_many_breaks, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_journal_brief, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_callers, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_import_errors, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_enrol_rows, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_person_cache, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_persons_batch_reads, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_batch_limits, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_collections_meanwhile, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_pg_reader_session, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_pg_journal_end_plans, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_pg_link_plans, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_pg_connection_dropped, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_pg_connection_dropped_in_batch, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_pg_reads_ahead_bet_lost, setup_pg, teardown),
    };
    int failed = cmocka_run_group_tests_name("store/sqlite", sqlite_tests, NULL, NULL);
    const char *pg = getenv("YIBAO_PG_URI");
    if (pg != NULL && *pg != '\0')
        failed += cmocka_run_group_tests_name("store/postgresql", pg_tests, NULL, NULL);
    else print_message("YIBAO_PG_URI not set: PostgreSQL tests skipped\n");
    return failed;
}
