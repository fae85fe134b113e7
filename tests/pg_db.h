/* pg_db.h: for the C tests that run against PostgreSQL: a fresh database
 * on the test cluster of YIBAO_PG_URI for one test, and its drop. */
#ifndef YIBAO_TESTS_PG_DB_H
#define YIBAO_TESTS_PG_DB_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <postgresql/libpq-fe.h>

/* Creates database PREFIX_<pid>_<serial>; *db its name, *target the base URI
 * with the database name replaced. 0, or -1 when it could not. */
static inline int pg_db_create(const char *base, const char *prefix, char *db, size_t db_size,
                               char *target, size_t target_size) {
    static int serial;
    snprintf(db, db_size, "%s_%d_%d", prefix, (int)getpid(), ++serial);
    PGconn *pg = PQconnectdb(base);
    char sql[160];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
    PGresult *res = PQexec(pg, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    PQfinish(pg);
    const char *slash = strrchr(base, '/');
    if (slash == NULL) return -1;
    snprintf(target, target_size, "%.*s/%s", (int)(slash - base), base, db);
    return ok ? 0 : -1;
}

static inline void pg_db_drop(const char *db) {
    PGconn *pg = PQconnectdb(getenv("YIBAO_PG_URI"));
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", db);
    PQclear(PQexec(pg, sql));
    PQfinish(pg);
}

/* A fresh place for one test's database: dir, a new temporary directory
 * named after prefix; target, dir/file on SQLite, or (pg) a fresh database
 * of the YIBAO_PG_URI cluster whose name goes to pg_db ("" on SQLite).
 * 0, or -1 when it could not. */
static inline int test_target_make(bool pg, const char *prefix, const char *file, char *dir,
                                   size_t dir_size, char *pg_db, size_t pg_db_size, char *target,
                                   size_t target_size) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, dir_size, "%s/yibao-test-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
    pg_db[0] = '\0';
    if (mkdtemp(dir) == NULL) return -1;
    if (!pg) return snprintf(target, target_size, "%s/%s", dir, file) < (int)target_size ? 0 : -1;
    char name[32];
    snprintf(name, sizeof name, "yibao_%s", prefix);
    return pg_db_create(getenv("YIBAO_PG_URI"), name, pg_db, pg_db_size, target, target_size);
}

#endif
