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

/* Adds visits prefix || from..to (outpatient, open) to the service
 * tables of admin's database and lines fee lines to each of them that has
 * none, settled as their visit's id when settled, else open: tables grown
 * as visits would, for the plan tests. 0, or -1 (the error on stderr). */
static inline int pg_svc_visits_add(PGconn *admin, const char *prefix, int from, int to, int lines,
                                    bool settled) {
    char sql[768];
    snprintf(sql, sizeof sql,
             "INSERT INTO svc_visit (kind, status, code, psn_no, insutype, med_type, begntime,"
             " endtime, dise_codg, spec_dise_codg, out_of_area, filed, ipt_otp_no, setl_id)"
             " SELECT 1, 0, 'H0', 'P0001', 390, '11', 0, 0, '', '', 0, 0, '%s' || g, 0"
             " FROM generate_series(%d, %d) g;"
             "INSERT INTO svc_fee (visit_id, sn, codg, cnt, pric, amount, ocur, setl_id, bchno)"
             " SELECT v.id, l::text, 'SA01', 1, 100, 100, 0, %s, '' FROM svc_visit v,"
             " generate_series(1, %d) l WHERE v.ipt_otp_no LIKE '%s%%' AND NOT EXISTS"
             " (SELECT 1 FROM svc_fee e WHERE e.visit_id = v.id)",
             prefix, from, to, settled ? "v.id" : "0", lines, prefix);
    PGresult *res = PQexec(admin, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok) fprintf(stderr, "pg_svc_visits_add: %s", PQerrorMessage(admin));
    PQclear(res);
    return ok ? 0 : -1;
}

/* The plan tests' start: autovacuum off on svc_fee and svc_visit, visits
 * prefix || 1..n with their lines (pg_svc_visits_add), both analysed so
 * (a page each); the first visit's id, or -1. */
static inline long long pg_svc_small_tables(PGconn *admin, const char *prefix, int n, int lines,
                                            bool settled) {
    static const char *const setup[] = {
        "ALTER TABLE svc_fee SET (autovacuum_enabled = false)",
        "ALTER TABLE svc_visit SET (autovacuum_enabled = false)",
    };
    for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++) PQclear(PQexec(admin, setup[i]));
    if (pg_svc_visits_add(admin, prefix, 1, n, lines, settled) != 0) return -1;
    PQclear(PQexec(admin, "ANALYZE svc_fee"));
    PQclear(PQexec(admin, "ANALYZE svc_visit"));
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT min(id) FROM svc_visit WHERE ipt_otp_no LIKE '%s%%'", prefix);
    PGresult *res = PQexec(admin, sql);
    long long first = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
                              !PQgetisnull(res, 0, 0)
                          ? strtoll(PQgetvalue(res, 0, 0), NULL, 10)
                          : -1;
    PQclear(res);
    return first;
}

#endif
