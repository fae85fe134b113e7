/* test_sqlite_ckpt.c: the WAL's checkpoints off the writer's commits
 * (src/store/sqlite_ckpt.c). A writer commits about 100 pages at a time;
 * once the WAL passes SQLITE_WAL_CHECKPOINT_PAGES the thread's passes run
 * (asked every SQLITE_WAL_PASS_PAGES), no whole checkpoint runs inside a
 * commit; a pass while the writer rests copies the WAL whole and the WAL
 * starts again from its beginning (its length falls); while a reader holds
 * an old snapshot the WAL grows to SQLITE_WAL_FINISH_PAGES, where the
 * writer finishes a pass once (between its transactions, sqlite_ckpt_idle,
 * never inside a COMMIT), and starts again after the reader ended;
 * every row stays.
 * Without the thread (stopped) the commit checkpoints again, as SQLite's
 * wal_autocheckpoint would. The test waits for each asked pass to end
 * before the next commit, so what it checks does not hang on timing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/sqlite_ckpt.h"

#define ROWS_PER_COMMIT 100  /* a row of 3,000 bytes is about one page */
#define WAIT_STEPS_MAX 60000 /* 1 ms each: a pass that takes a minute fails the test */

static void exec_ok(sqlite3 *db, const char *sql) {
    char *why = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &why);
    if (rc != SQLITE_OK) fail_msg("%s: %s", sql, why ? why : "?");
    sqlite3_free(why);
}

static int64_t finishes_now(void) {
    struct sqlite_ckpt_counts n;
    sqlite_ckpt_counts(&n);
    return n.finishes;
}

/* One round of the writer, then its idle point as the commit queue's
 * (sqlite_ckpt_idle, k NULL: none): a finish found due by the COMMIT runs
 * there, never inside it. */
static void commit_rows(sqlite3 *db, sqlite3_stmt *ins, struct sqlite_ckpt *k) {
    exec_ok(db, "BEGIN IMMEDIATE");
    for (int i = 0; i < ROWS_PER_COMMIT; i++) {
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
    }
    int64_t before = finishes_now();
    exec_ok(db, "COMMIT");
    assert_int_equal(finishes_now(), before); /* not inside the COMMIT */
    bool finished = sqlite_ckpt_idle(k);
    assert_int_equal(finishes_now(), before + (finished ? 1 : 0));
    assert_false(sqlite_ckpt_idle(k)); /* once */
}

/* Waits until every pass asked has run (progress, not time). */
static void wait_passes(void) {
    struct sqlite_ckpt_counts n;
    for (int i = 0; i < WAIT_STEPS_MAX; i++) {
        sqlite_ckpt_counts(&n);
        if (n.passes == n.passes_asked) return;
        struct timespec ms = {0, 1000000L};
        nanosleep(&ms, NULL);
    }
    fail_msg("a checkpoint pass did not end");
}

static int64_t rows_in(sqlite3 *db) {
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

static void test_checkpointer(void **state) {
    (void)state;
    char dir[] = "/tmp/yibao-ckpt-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/db.sqlite", dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    /* NORMAL: no fsync per commit, so that the test is quick; the passes
     * and finishes sync as the store's do */
    exec_ok(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                " CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)");
    assert_int_equal(sqlite_ckpt_hook(db), 0);
    sqlite3_stmt *ins = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES (zeroblob(3000))", -1, &ins, NULL),
        SQLITE_OK);
    struct sqlite_ckpt *k = NULL;
    char why[256];
    assert_int_equal(sqlite_ckpt_start(db, path, &k, why, sizeof why), 0);
    struct sqlite_ckpt_counts was, n;
    sqlite_ckpt_counts(&was);
    int64_t written = 0;
    /* a pass while nothing commits copies the whole WAL: it starts again */
    bool restarted = false;
    for (int c = 0; c < 2 * SQLITE_WAL_CHECKPOINT_PAGES / ROWS_PER_COMMIT && !restarted; c++) {
        commit_rows(db, ins, k);
        written += ROWS_PER_COMMIT;
        wait_passes();
        sqlite_ckpt_counts(&n);
        restarted = n.passes > was.passes && n.wal_pages_last <= ROWS_PER_COMMIT + 8;
    }
    sqlite_ckpt_counts(&n);
    assert_true(restarted);
    assert_int_equal(n.finishes, was.finishes); /* no finish was needed */
    assert_int_equal(n.in_commit, was.in_commit);
    /* a reader keeps its snapshot: no pass copies past it, so the WAL grows
     * to SQLITE_WAL_FINISH_PAGES, where the writer finishes a pass; once the
     * reader ends, the next pass copies the WAL whole and it starts again */
    sqlite3 *reader = NULL;
    assert_int_equal(sqlite3_open(path, &reader), SQLITE_OK);
    exec_ok(reader, "BEGIN");
    assert_int_equal(rows_in(reader), written);
    sqlite_ckpt_counts(&was);
    for (int c = 0; c < SQLITE_WAL_FINISH_PAGES / ROWS_PER_COMMIT + 2; c++) {
        commit_rows(db, ins, k);
        written += ROWS_PER_COMMIT;
        wait_passes();
    }
    sqlite_ckpt_counts(&n);
    assert_int_equal(n.finishes - was.finishes, 1); /* once, by the writer */
    assert_int_equal(n.in_commit, was.in_commit);   /* never a whole one in a commit */
    assert_true(n.passes - was.passes >=
                (SQLITE_WAL_FINISH_PAGES - SQLITE_WAL_CHECKPOINT_PAGES) / SQLITE_WAL_PASS_PAGES);
    assert_true(n.wal_pages_last >= SQLITE_WAL_FINISH_PAGES); /* the reader held it */
    exec_ok(reader, "COMMIT");
    assert_int_equal(sqlite3_close(reader), SQLITE_OK);
    restarted = false;
    for (int c = 0; c < SQLITE_WAL_PASS_PAGES / ROWS_PER_COMMIT + 3 && !restarted; c++) {
        commit_rows(db, ins, k);
        written += ROWS_PER_COMMIT;
        wait_passes();
        sqlite_ckpt_counts(&n);
        restarted = n.wal_pages_last <= ROWS_PER_COMMIT + 8;
    }
    assert_true(restarted);
    assert_true(n.wal_pages_max < SQLITE_WAL_PAGES_MAX);
    assert_int_equal(n.in_commit, was.in_commit);
    assert_int_equal(n.failed, was.failed);
    /* stopped: the commit checkpoints again */
    sqlite_ckpt_stop(k);
    k = NULL;
    for (int c = 0; c < 2 * SQLITE_WAL_CHECKPOINT_PAGES / ROWS_PER_COMMIT; c++) {
        commit_rows(db, ins, k);
        written += ROWS_PER_COMMIT;
    }
    sqlite_ckpt_counts(&n);
    assert_true(n.in_commit > was.in_commit);
    assert_int_equal(rows_in(db), written);
    sqlite3_finalize(ins);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checkpointer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
