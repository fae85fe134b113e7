/* test_schema.c: schema versions and migrations (src/store/schema*.c) on
 * SQLite always and on PostgreSQL when YIBAO_PG_URI is set: a fresh
 * database gets every migration once; a reopen applies nothing (not even
 * taking the write lock); a version newer than the binary knows is refused
 * by the store and the service tables; processes opening a fresh database
 * at once all succeed with each migration recorded once; a migration that
 * fails leaves the database as it was; and the SQLite application_id. The
 * store of the release before versions is migrated by t_schema.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <postgresql/libpq-fe.h>
#include <sqlite3.h>

#include "service/svc.h"
#include "store/schema.h"
#include "store/store.h"
#include "pg_db.h"

#define OPENERS 4         /* processes opening one fresh database at once */
#define QUICK_LOCK_MS 300 /* how long a test's migrate may wait for a lock */

struct fixture {
    char dir[256];
    char pg_db[64];
    char target[512];
};

static bool is_pg(const char *target) { return strncmp(target, "postgres", 8) == 0; }

static int setup_backend(void **state, bool pg) {
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(test_target_make(pg, "schema", "s.db", f->dir, sizeof f->dir, f->pg_db,
                                      sizeof f->pg_db, f->target, sizeof f->target),
                     0);
    *state = f;
    return 0;
}
static int setup_sqlite(void **state) { return setup_backend(state, false); }
static int setup_pg(void **state) { return setup_backend(state, true); }

static int teardown(void **state) {
    struct fixture *f = *state;
    if (f->pg_db[0] != '\0') pg_db_drop(f->pg_db);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* The integer of the first column of sql's first row, through a
 * connection of the test's own; sql may be several statements (SQLite:
 * the last one's row). */
static long long raw_int(const char *target, const char *sql) {
    long long n = -1;
    if (is_pg(target)) {
        PGconn *pg = PQconnectdb(target);
        PGresult *res = PQexec(pg, sql);
        assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
        n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
        PQfinish(pg);
        return n;
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_open(target, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

static void raw_exec(const char *target, const char *sql) {
    if (is_pg(target)) {
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

/* Every migration 1..SCHEMA_VERSION_LATEST recorded exactly once. */
static void assert_latest_once(const char *target) {
    assert_int_equal(raw_int(target, "SELECT count(*) FROM schema_version"), SCHEMA_VERSION_LATEST);
    assert_int_equal(raw_int(target, "SELECT count(DISTINCT version) FROM schema_version"),
                     SCHEMA_VERSION_LATEST);
    assert_int_equal(raw_int(target, "SELECT min(version) FROM schema_version"), 1);
    assert_int_equal(raw_int(target, "SELECT max(version) FROM schema_version"),
                     SCHEMA_VERSION_LATEST);
    assert_int_equal(raw_int(target, "SELECT count(*) FROM schema_version WHERE version = 1"
                                     " AND name = 'tables' AND applied_s > 0"),
                     1);
}

/* Opens and closes the store and the service tables: 0, or -1 with err. */
static int open_both(const char *target, char *err, size_t size) {
    struct store *store = NULL;
    struct store_err serr = {{0}};
    if (store_open(target, &store, &serr) != 0) {
        snprintf(err, size, "%s", serr.msg);
        return -1;
    }
    store_close(store);
    struct svcdb *db = NULL;
    if (svcdb_open(target, false, &db, err, size) != 0) return -1;
    svcdb_close(db);
    return 0;
}

static void test_fresh_gets_latest(void **state) {
    struct fixture *f = *state;
    char err[SCHEMA_ERR_BYTES];
    assert_int_equal(open_both(f->target, err, sizeof err), 0);
    assert_latest_once(f->target);
    if (is_pg(f->target)) { /* migration 23: svc_fee's free space, the answers' lz4 */
        assert_int_equal(raw_int(f->target, "SELECT count(*) FROM pg_class WHERE relname = "
                                            "'svc_fee' AND 'fillfactor=70' = ANY(reloptions)"),
                         1);
        long long lz4 = raw_int(f->target, "SELECT count(*) FROM pg_settings WHERE name = "
                                           "'default_toast_compression' AND 'lz4' = ANY(enumvals)");
        assert_int_equal(raw_int(f->target, "SELECT count(*) FROM pg_attribute WHERE attrelid = "
                                            "'svc_answer'::regclass AND attname = 'answer' AND "
                                            "attcompression = 'l'"),
                         lz4);
    }
    /* the service tables' open alone (a database the store never opened) */
    void *other = NULL;
    setup_backend(&other, f->pg_db[0] != '\0');
    struct fixture *g = other;
    struct svcdb *db = NULL;
    assert_int_equal(svcdb_open(g->target, false, &db, err, sizeof err), 0);
    svcdb_close(db);
    assert_latest_once(g->target);
    teardown(&other);
}

/* A migrate on our own connection, which waits at most QUICK_LOCK_MS for
 * a lock: 0, or -1 with err. */
static int migrate_quick(const char *target, char *err, size_t size) {
    int rc;
    if (is_pg(target)) {
        PGconn *pg = PQconnectdb(target);
        char sql[64];
        snprintf(sql, sizeof sql, "SET lock_timeout = %d", QUICK_LOCK_MS);
        PQclear(PQexec(pg, sql));
        rc = schema_pg_migrate(pg, err, size);
        PQfinish(pg);
        return rc;
    }
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(target, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, QUICK_LOCK_MS);
    rc = schema_sqlite_migrate(db, target, err, size);
    assert_int_equal(sqlite3_total_changes(db), 0); /* wrote nothing */
    sqlite3_close(db);
    return rc;
}

/* Another connection holds the write (or migration) lock: a reopen of a
 * current database neither waits for it nor writes. */
static void test_reopen_applies_nothing(void **state) {
    struct fixture *f = *state;
    char err[SCHEMA_ERR_BYTES];
    assert_int_equal(open_both(f->target, err, sizeof err), 0);
    long long stamp = raw_int(f->target, "SELECT sum(applied_s * version) FROM schema_version");
    PGconn *pg = NULL;
    sqlite3 *db = NULL;
    if (is_pg(f->target)) {
        pg = PQconnectdb(f->target);
        char sql[96];
        snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock(%d)", SCHEMA_PG_LOCK_KEY);
        PGresult *res = PQexec(pg, sql);
        assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
        PQclear(res);
    } else {
        assert_int_equal(sqlite3_open(f->target, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE; DELETE FROM catalog", NULL, NULL, NULL),
                         SQLITE_OK);
    }
    if (migrate_quick(f->target, err, sizeof err) != 0) fail_msg("%s", err);
    PQfinish(pg);
    sqlite3_close(db); /* rolls back */
    assert_latest_once(f->target);
    assert_true(raw_int(f->target, "SELECT sum(applied_s * version) FROM schema_version") == stamp);
    /* without the lock held, the same: the store's open once more */
    assert_int_equal(open_both(f->target, err, sizeof err), 0);
    assert_latest_once(f->target);
}

static void test_newer_refused(void **state) {
    struct fixture *f = *state;
    char err[SCHEMA_ERR_BYTES], sql[160], want[96];
    assert_int_equal(open_both(f->target, err, sizeof err), 0);
    snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES (%d, 'from a later release', 1)",
             SCHEMA_VERSION_LATEST + 3);
    raw_exec(f->target, sql);
    snprintf(want, sizeof want, "schema version %d is newer than this yibao knows (%d)",
             SCHEMA_VERSION_LATEST + 3, SCHEMA_VERSION_LATEST);
    struct store *store = NULL;
    struct store_err serr = {{0}};
    assert_int_equal(store_open(f->target, &store, &serr), -1);
    if (strstr(serr.msg, want) == NULL) fail_msg("store_open: %s", serr.msg);
    struct svcdb *db = NULL;
    assert_int_equal(svcdb_open(f->target, false, &db, err, sizeof err), -1);
    if (strstr(err, want) == NULL) fail_msg("svcdb_open: %s", err);
    assert_int_equal(raw_int(f->target, "SELECT count(*) FROM schema_version"),
                     SCHEMA_VERSION_LATEST + 1); /* nothing written */
}

/* OPENERS processes, released together, each open the store and the
 * service tables of one fresh database. */
static void test_concurrent_open(void **state) {
    struct fixture *f = *state;
    int gate[2];
    assert_int_equal(pipe(gate), 0);
    pid_t pids[OPENERS];
    for (int i = 0; i < OPENERS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            char byte, err[SCHEMA_ERR_BYTES];
            close(gate[1]);
            int ok = read(gate[0], &byte, 1) == 0 && open_both(f->target, err, sizeof err) == 0;
            if (!ok) fprintf(stderr, "opener %d: %s\n", i, err);
            _exit(ok ? 0 : 1);
        }
    }
    close(gate[0]);
    close(gate[1]); /* every child's read returns now */
    for (int i = 0; i < OPENERS; i++) {
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    assert_latest_once(f->target);
}

/* A database where migration 4 fails (an svc_nonce that is not the old
 * nonce table): the open fails naming it, and nothing of migrations 1-3
 * stays. */
static void test_failed_migration_rolls_back(void **state) {
    struct fixture *f = *state;
    char err[SCHEMA_ERR_BYTES];
    raw_exec(f->target, "CREATE TABLE svc_nonce (x TEXT)");
    /* stamped as ours, so that the open migrates it rather than refusing a foreign file */
    if (!is_pg(f->target)) raw_exec(f->target, "PRAGMA application_id = 1497973313");
    struct store *store = NULL;
    struct store_err serr = {{0}};
    assert_int_equal(store_open(f->target, &store, &serr), -1);
    if (strstr(serr.msg, "migration 4 (svc_nonce packed)") == NULL) fail_msg("%s", serr.msg);
    const char *probe = is_pg(f->target) ? "SELECT (to_regclass('schema_version') IS NULL"
                                           " AND to_regclass('journal') IS NULL)::int"
                                         : "SELECT count(*) = 0 FROM sqlite_master WHERE name IN"
                                           " ('schema_version', 'journal')";
    assert_int_equal(raw_int(f->target, probe), 1);
    raw_exec(f->target, "DROP TABLE svc_nonce");
    assert_int_equal(open_both(f->target, err, sizeof err), 0);
    assert_latest_once(f->target);
}

static void test_application_id(void **state) {
    struct fixture *f = *state;
    char err[SCHEMA_ERR_BYTES], path[600];
    enum schema_file_kind kind;
    assert_int_equal(open_both(f->target, err, sizeof err), 0);
    assert_int_equal(schema_sqlite_identify(f->target, &kind, err, sizeof err), 0);
    assert_int_equal(kind, SCHEMA_FILE_YIBAO);
    snprintf(path, sizeof path, "%s/plain.db", f->dir);
    raw_exec(path, "CREATE TABLE t (x)");
    assert_int_equal(schema_sqlite_identify(path, &kind, err, sizeof err), 0);
    assert_int_equal(kind, SCHEMA_FILE_UNSTAMPED);
    raw_exec(path, "PRAGMA application_id = 42");
    assert_int_equal(schema_sqlite_identify(path, &kind, err, sizeof err), 0);
    assert_int_equal(kind, SCHEMA_FILE_OTHER);
    snprintf(path, sizeof path, "%s/text.db", f->dir);
    FILE *text = fopen(path, "w");
    assert_non_null(text);
    fputs("not a database, but long enough to have a header of one hundred bytes......"
          "...........................................\n",
          text);
    fclose(text);
    assert_int_equal(schema_sqlite_identify(path, &kind, err, sizeof err), -1);
    if (strstr(err, path) == NULL) fail_msg("%s", err);
    snprintf(path, sizeof path, "%s/missing.db", f->dir);
    assert_int_equal(schema_sqlite_identify(path, &kind, err, sizeof err), -1);
    if (strstr(err, "missing.db: cannot open") == NULL) fail_msg("%s", err);
}

int main(void) {
    const struct CMUnitTest sqlite_tests[] = {
        cmocka_unit_test_setup_teardown(test_fresh_gets_latest, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_applies_nothing, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_newer_refused, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_open, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_failed_migration_rolls_back, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_application_id, setup_sqlite, teardown),
    };
    const struct CMUnitTest pg_tests[] = {
        cmocka_unit_test_setup_teardown(test_fresh_gets_latest, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_applies_nothing, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_newer_refused, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_open, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_failed_migration_rolls_back, setup_pg, teardown),
    };
    int failed = cmocka_run_group_tests_name("schema/sqlite", sqlite_tests, NULL, NULL);
    const char *pg = getenv("YIBAO_PG_URI");
    if (pg != NULL && *pg != '\0')
        failed += cmocka_run_group_tests_name("schema/postgresql", pg_tests, NULL, NULL);
    else print_message("YIBAO_PG_URI not set: PostgreSQL tests skipped\n");
    return failed == 0 ? 0 : 1;
}
