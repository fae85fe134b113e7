/* schema.h: the versioned schema of a yibao database, the store's tables
 * and the service's (svc_*) together, on SQLite (schema_sqlite.c) and
 * PostgreSQL (schema_pg.c).
 *
 * Each backend keeps one ordered table of migrations, numbered 1, 2, ...
 * (MIGRATIONS[] in its file; the two tables have the same numbers and
 * names). The table schema_version holds one row per migration applied:
 * (version, name, applied_s). Every connection that opens the database
 * (the store's writer and readers, the service's) calls the backend's
 * migrate function: when the stored version is the latest it only reads
 * it; otherwise it takes the database's write lock (SQLite BEGIN
 * IMMEDIATE, PostgreSQL pg_advisory_xact_lock(SCHEMA_PG_LOCK_KEY)), reads
 * the version again, applies the missing migrations in order and records
 * each, in that one transaction: two processes opening at once apply each
 * migration exactly once, and a failed migration leaves the database as
 * it was. A database whose version is newer than SCHEMA_VERSION_LATEST
 * (written by a later release) is refused.
 *
 * A database of a release before versions has no schema_version table:
 * migration 1 (today's tables, CREATE ... IF NOT EXISTS) recognises it,
 * and the later ones, which upgraded older tables at every open before,
 * each probe for what they change. See docs/STORE.md, "Schema versions". */
#ifndef YIBAO_SCHEMA_H
#define YIBAO_SCHEMA_H

#include <stddef.h>

#include <sqlite3.h>

#include <postgresql/libpq-fe.h> /* Debian: libpq-dev */

/* The number of the last migration this binary knows. */
#define SCHEMA_VERSION_LATEST 23
/* Migration 22's time break: a record journaled more than
 * STORE_CLOCK_SLACK_US (store.h; 600 s) before the record ahead of it. */
#define JOURNAL_BREAK_SLACK_US_SQL "600000000"
/* Migration 20's business month of a posting from its journal record j,
 * year * 12 + month - 1, as the fund reports computed it before: a
 * contribution's (kind 4) period=YYYY-MM or period=YYYY (January), a
 * transfer's (kind 7) month=YYYY-MM, any other record's local year and
 * month (LOCAL_Y, LOCAL_M: the backend's expressions). FIND is the
 * backend's substring search (instr, strpos). */
#define POSTINGS_MONTH_SQL(FIND, LOCAL_Y, LOCAL_M)                                                 \
    "CASE j.kind WHEN 4 THEN CAST(substr(j.body, " FIND "(j.body, ' period=') + 8, 4) AS INTEGER)" \
    " * 12 + CASE WHEN substr(j.body, " FIND "(j.body, ' period=') + 12, 1) = '-'"                 \
    " THEN CAST(substr(j.body, " FIND "(j.body, ' period=') + 13, 2) AS INTEGER) - 1 ELSE 0 END"   \
    " WHEN 7 THEN CAST(substr(j.body, " FIND "(j.body, ' month=') + 7, 4) AS INTEGER) * 12"        \
    " + CAST(substr(j.body, " FIND "(j.body, ' month=') + 12, 2) AS INTEGER) - 1"                  \
    " ELSE CAST(" LOCAL_Y " AS INTEGER) * 12 + CAST(" LOCAL_M " AS INTEGER) - 1 END"
/* Bytes of an error message of the migrate functions (with the path). */
#define SCHEMA_ERR_BYTES 512
/* The transaction-level advisory lock key of PostgreSQL migrations (the
 * store's writer lock is SCHEMA_PG_LOCK_KEY - 1). */
#define SCHEMA_PG_LOCK_KEY 7015124
/* PRAGMA application_id of a yibao SQLite file: the bytes "YIBA" read as a
 * big-endian 32-bit integer (0x59494241), written by migration 1. */
#define SCHEMA_SQLITE_APPLICATION_ID 1497973313

/* One step of the schema. sql runs in the migration's transaction unless
 * skip_if (a query of one count) counts more than 0: for the steps that
 * upgrade tables of releases before versions, which may already hold
 * what the step adds. */
struct schema_migration {
    int version;         /* its position: 1, 2, ... */
    const char *name;    /* recorded in schema_version */
    const char *skip_if; /* NULL, or a "SELECT count(*) ..." */
    const char *sql;     /* one or more statements */
};

/* Brings the SQLite database db (path names it in messages) to
 * SCHEMA_VERSION_LATEST. 0, or -1 with err = "PATH: schema: ...". */
int schema_sqlite_migrate(sqlite3 *db, const char *path, char *err, size_t size);

/* The same on a PostgreSQL connection (outside a transaction). */
int schema_pg_migrate(PGconn *pg, char *err, size_t size);

/* The version a database records: 0 when it has no schema_version table
 * (empty, or of a release before versions), or -1 with err set. */
int schema_sqlite_version(sqlite3 *db, const char *path, char *err, size_t size);
int schema_pg_version(PGconn *pg, char *err, size_t size);

/* What a file is, by its SQLite header (PRAGMA application_id). */
enum schema_file_kind {
    SCHEMA_FILE_YIBAO,     /* stamped SCHEMA_SQLITE_APPLICATION_ID */
    SCHEMA_FILE_UNSTAMPED, /* application_id 0: empty, new, or a yibao store before stamps */
    SCHEMA_FILE_OTHER,     /* another application's id */
};

/* Opens path read-only and tells its kind: 0, or -1 with err set (no such
 * file, or not an SQLite database). Refuses nothing by itself. */
int schema_sqlite_identify(const char *path, enum schema_file_kind *kind, char *err, size_t size);

#endif
