/* store_sqlite.c: the SQLite backend of the store interface (store.h).
 *
 * One database file in WAL mode with synchronous=FULL: a commit returns
 * after the WAL is fsync'd (the commit's frames, one fdatasync of the -wal
 * file). Checkpoints (every SQLITE_WAL_CHECKPOINT_PAGES, run by the committing
 * connection after its commit) write pages into the database file and
 * fsync it before the WAL is reused; they never hold back durability. Write transactions are BEGIN IMMEDIATE, so one
 * writer at a time across processes (others wait up to BUSY_TIMEOUT_MS).
 * Every statement is prepared once at open, after the tables are brought
 * to the latest schema version (schema_sqlite.c). */
#include <assert.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/enrol_rows.h"
#include "store/schema.h"
#include "store/sqlite_ckpt.h"
#include "store/sqlite_conn.h"

#include "store/store.h"
#include "store/store_columns.h"

#define BUSY_TIMEOUT_MS 30000
#define BULK_CACHE_KIB 524288 /* page cache during imports */
/* The committing connection checkpoints the WAL into the database file when
 * it holds this many pages (16 MiB at 4 KiB pages; SQLite's default is
 * 1000): fewer, larger checkpoints copy each hot page (year states, person
 * accounts) once for many commits. Measured +13% durable settlements/s at
 * batch 64 on a 1M-person city (median of 3). */
#define WAL_SIZE_LIMIT_BYTES (64 * 1024 * 1024) /* WAL file truncated to this after a reset */

#include "store/store_columns.h"

enum stmt_id {
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_PERSON_GET,
    S_PERSON_BY_CERTNO,
    S_PERSON_SCAN,
    S_INST_PUT,
    S_INST_SCAN,
    S_POLICY_SCAN,
    S_CATALOG_CLEAR,
    S_CATALOG_SCAN,
    S_JOURNAL_PUT,
    S_JOURNAL_TAIL,
    S_JOURNAL_MSGID,
    S_JOURNAL_SEQ,
    S_JOURNAL_REVOKED,
    S_JOURNAL_SCAN,
    S_JOURNAL_BRIEF,
    S_JOURNAL_REPLAY,
    S_STATE_GET,
    S_STATE_PUT,
    S_STATE_SCAN,
    S_POSTING_PUT,
    S_POSTING_SCAN,
    S_BALANCE_ADD,
    S_BALANCE_GET,
    S_BALANCE_SCAN,
    S_CHECKPOINT_GET,
    S_CHECKPOINT_PUT,
    S_REGISTRY_GEN,
    S_LAST_IMPORT,
    S_DATA_PUT,  /* the journal_data statements come last: a read-only connection to a store */
    S_DATA_SCAN, /* of a release before that table has none (sq_open) */
    S_CRED_GET,  /* svc_credential's columns of migration 8: likewise */
    S_CRED_PUT,
    S_CRED_SCAN,
    S_VISIT_LOCK, /* the service's visit tables (store_visit_link), likewise */
    S_LINK_SETL,
    S_LINK_FEES,
    S_LINK_VISIT,
    S_REOPEN_FEES,
    S_REOPEN_VISIT,
    S_POLICY_PUT, /* policies' valid_from of migration 13: likewise */
    S_PERSON_PUT, /* persons' benefit_years of migration 17: likewise (reads: SQL_V16) */
    S_PERSON_EDIT,
    S_CATALOG_PUT,    /* the catalog's restrictions of migration 19: likewise (reads: SQL_V16) */
    S_JOURNAL_BREAKS, /* journal_breaks of migration 22: likewise (none before) */
    S_COUNT,
};
#define S_FIRST_OPTIONAL S_DATA_PUT

static const char *const SQL[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_PERSON_PUT] = "INSERT INTO persons(" PERSON_COLS ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [S_PERSON_EDIT] = "UPDATE persons SET certno = ?2, name = ?3, gender = ?4, birth_date = ?5,"
                      " insutype = ?6, category = ?7, flags = ?8, region = ?9,"
                      " benefit_start = ?10, acct_open = ?11, status = ?12, benefit_years = ?13"
                      " WHERE psn_no = ?1",
    [S_PERSON_GET] = "SELECT " PERSON_COLS " FROM persons WHERE psn_no = ?",
    [S_PERSON_BY_CERTNO] = "SELECT psn_no FROM persons WHERE certno = ? ORDER BY psn_no LIMIT ?",
    [S_PERSON_SCAN] = "SELECT " PERSON_COLS " FROM persons ORDER BY psn_no LIMIT ?",
    [S_INST_PUT] = "INSERT OR REPLACE INTO institutions(code, name, type, level, region, status,"
                   " suspended_until) VALUES(?,?,?,?,?,?,?)",
    [S_INST_SCAN] = "SELECT code, name, type, level, region, status, suspended_until"
                    " FROM institutions ORDER BY code",
    [S_POLICY_PUT] = "INSERT OR REPLACE INTO policies(region, year, insutype, id, json,"
                     " valid_from) VALUES(?,?,?,?,?,?)",
    /* versions of a key in the order of their text: the same on a store
     * of a release before versions, which has no valid_from column */
    [S_POLICY_SCAN] = "SELECT region, year, insutype, id, json FROM policies"
                      " ORDER BY region, year, insutype, json",
    [S_CATALOG_CLEAR] = "DELETE FROM catalog",
    [S_CATALOG_PUT] = "INSERT INTO catalog(code, class, prepay_bp, cap_price, restrict_gender,"
                      " restrict_age_min, restrict_age_max, " CATALOG_RESTRICT_V21 ")"
                      " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [S_CATALOG_SCAN] = "SELECT code, class, prepay_bp, cap_price, restrict_gender,"
                       " restrict_age_min, restrict_age_max, " CATALOG_RESTRICT_V21
                       " FROM catalog ORDER BY code",
    [S_JOURNAL_PUT] = "INSERT INTO journal(" JOURNAL_COLS ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
    [S_JOURNAL_TAIL] = "SELECT " JOURNAL_COLS " FROM journal ORDER BY seq DESC LIMIT 1",
    [S_JOURNAL_MSGID] = "SELECT " JOURNAL_COLS " FROM journal WHERE msgid = ?",
    [S_JOURNAL_SEQ] = "SELECT " JOURNAL_COLS " FROM journal WHERE seq = ?",
    [S_JOURNAL_REVOKED] = "SELECT 1 FROM journal WHERE kind = 2 AND ref_seq = ?",
    [S_JOURNAL_SCAN] = "SELECT " JOURNAL_COLS " FROM journal WHERE seq >= ? ORDER BY seq",
    /* the body column read only for the kinds asked (CASE is lazy) */
    [S_JOURNAL_BRIEF] = "SELECT seq, time_us, kind, psn_no, fixmedins_code, ref_seq, year,"
                        " CASE WHEN (?3 >> kind) & 1 THEN body ELSE '' END FROM journal"
                        " WHERE seq >= ?1 AND (?2 >> kind) & 1 ORDER BY seq",
    [S_JOURNAL_REPLAY] = "SELECT " JOURNAL_REPLAY_COLS " FROM journal WHERE seq >= ? ORDER BY seq",
    [S_STATE_GET] = "SELECT " STATE_COLS " FROM states WHERE psn_no = ? AND year = ?",
    [S_STATE_PUT] =
        "INSERT INTO states(" STATE_COLS ") VALUES(?,?,?," STATE_MONEY_QMARKS "?)"
        " ON CONFLICT(psn_no, year) DO UPDATE SET admissions = excluded.admissions," STATE_MONEY_SET
        " special = excluded.special",
    [S_STATE_SCAN] = "SELECT " STATE_COLS " FROM states ORDER BY psn_no, year",
    [S_POSTING_PUT] =
        "INSERT INTO postings(seq, idx, debit, credit, amount, month) VALUES(?,?,?,?,?,?)",
    [S_POSTING_SCAN] = "SELECT seq, idx, debit, credit, amount, month FROM postings WHERE seq >= ?"
                       " ORDER BY seq, idx",
    [S_BALANCE_ADD] = "INSERT INTO accounts(account, balance) VALUES(?, ?) ON CONFLICT(account)"
                      " DO UPDATE SET balance = balance + excluded.balance",
    [S_BALANCE_GET] = "SELECT balance FROM accounts WHERE account = ?",
    [S_BALANCE_SCAN] = "SELECT account, balance FROM accounts ORDER BY account",
    [S_CHECKPOINT_GET] = CHECKPOINT_GET_SQL,
    [S_REGISTRY_GEN] = REGISTRY_GEN_SQL,
    [S_LAST_IMPORT] = LAST_IMPORT_SQL,
    [S_CHECKPOINT_PUT] = CHECKPOINT_PUT_SQL,
    [S_DATA_PUT] = "INSERT INTO journal_data(seq, data) VALUES(?, ?)",
    [S_DATA_SCAN] = "SELECT seq, data FROM journal_data WHERE seq >= ? AND seq <= ? ORDER BY seq",
    [S_CRED_GET] = "SELECT " CREDENTIAL_COLS " FROM svc_credential WHERE paasid = ?",
    [S_CRED_PUT] = "INSERT INTO svc_credential(" CREDENTIAL_COLS ") VALUES(?,?,?,?,?,?,?)"
                   " ON CONFLICT(paasid) DO UPDATE SET token = excluded.token,"
                   " fixmedins_code = excluded.fixmedins_code, status = excluded.status,"
                   " token_version = excluded.token_version, key_id = excluded.key_id,"
                   " hmac_required = excluded.hmac_required",
    [S_CRED_SCAN] = "SELECT " CREDENTIAL_COLS " FROM svc_credential ORDER BY paasid",
    [S_JOURNAL_BREAKS] = "SELECT seq FROM journal_breaks ORDER BY seq LIMIT ?",
    [S_VISIT_LOCK] = "SELECT kind, status FROM svc_visit WHERE id = ?1",
    /* svc_setl's msgid is unique too: a msgid linked before keeps its
     * first settlement (the service answers a replay by it) */
    [S_LINK_SETL] = "INSERT INTO svc_setl (setl_id, visit_id, msgid) VALUES (?1, ?2, ?3) "
                    "ON CONFLICT DO NOTHING",
    [S_LINK_FEES] = "UPDATE svc_fee SET setl_id = ?2 WHERE visit_id = ?1 AND setl_id = 0 "
                    "AND (?3 = '' OR bchno = ?3 OR bchno = '')",
    [S_LINK_VISIT] = "UPDATE svc_visit SET status = ?2, setl_id = ?3 WHERE id = ?1",
    [S_REOPEN_FEES] = "UPDATE svc_fee SET setl_id = 0 WHERE visit_id = ?1 AND setl_id = ?2",
    /* the newest settlement standing (a set-aside refund line's -1 is none) */
    [S_REOPEN_VISIT] = "UPDATE svc_visit SET setl_id = s.last, status = CASE WHEN s.last > 0 "
                       "THEN ?2 ELSE ?3 END FROM (SELECT max(coalesce(max(setl_id), 0), 0) AS last "
                       "FROM svc_fee WHERE visit_id = ?1) AS s WHERE id = ?1",
};

struct store_conn {
    sqlite3 *db;
    struct sqlite_ckpt *ckpt; /* the checkpointer of its commits (store_checkpointer_start) */
    sqlite3_stmt *stmt[S_COUNT];
    char path[STORE_URI_BYTES_MAX + 1];
    bool postings_v19; /* read only, a store before migration 20: no posting has its month */
};

static int fail(struct store_conn *c, struct store_err *err, const char *what) {
    assert(c != NULL && c->db != NULL && what != NULL);
    store_errf(err, "%s: %s: %s", c->path, what, sqlite3_errmsg(c->db));
    return -1;
}

static int exec_sql(struct store_conn *c, const char *sql, struct store_err *err) {
    assert(c != NULL && c->db != NULL && sql != NULL);
    char *msg = NULL;
    if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        store_errf(err, "%s: %s", c->path, msg ? msg : sqlite3_errmsg(c->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static void sq_close(struct store_conn *c) {
    if (c == NULL) return;
    sqlite_ckpt_stop(c->ckpt);
    assert(c->path[0] != '\0'); /* sq_open named it before anything could fail */
    for (int i = 0; i < S_COUNT; i++) sqlite3_finalize(c->stmt[i]);
    sqlite3_close(c->db);
    free(c);
}

/* A connection that writes: WAL, full sync, the page cache, and the
 * schema brought to this binary's version. */
static int sq_migrated(struct store_conn *c, const char *target, struct store_err *err) {
    char pragmas[256];
    assert(c != NULL && c->db != NULL);
    snprintf(
        pragmas, sizeof pragmas,
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;"
        " PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=%d; PRAGMA journal_size_limit=%d;",
        SQLITE_WAL_CHECKPOINT_PAGES, WAL_SIZE_LIMIT_BYTES);
    char why[SCHEMA_ERR_BYTES];
    if (exec_sql(c, pragmas, err) != 0) return -1;
    (void)sqlite_ckpt_hook(c->db); /* in place of wal_autocheckpoint's: the same, timed */
    if (schema_sqlite_migrate(c->db, target, why, sizeof why) != 0) {
        store_errf(err, "%s", why);
        return -1;
    }
    return 0;
}

/* A target that must already be a yibao store: the file exists, and it is
 * stamped as one, or (a store of a release before stamps) holds a journal.
 * 0, or -1 with err naming what it is instead. Reads only. */
static int sq_existing(const char *target, bool empty_ok, struct store_err *err) {
    struct stat st;
    if (stat(target, &st) != 0) {
        store_errf(err, "%s: no such yibao store (yibao init --db %s creates one)", target, target);
        return -1;
    }
    sqlite3 *db = NULL;
    int journal = 0, app_id = 0, tables = 0;
    int rc = sqlite3_open_v2(target, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    sqlite3_stmt *q = NULL;
    if (rc == SQLITE_OK)
        rc = sqlite_wait_install(db, BUSY_TIMEOUT_MS) == 0 ? SQLITE_OK : SQLITE_NOMEM;
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
                                "SELECT (SELECT application_id FROM pragma_application_id()),"
                                " (SELECT count(*) FROM sqlite_master WHERE name = 'journal'),"
                                " (SELECT count(*) FROM sqlite_master)",
                                -1, &q, NULL);
    if (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
        app_id = sqlite3_column_int(q, 0);
        journal = sqlite3_column_int(q, 1);
        tables = sqlite3_column_int(q, 2);
    } else {
        rc = SQLITE_NOTADB;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    /* an empty database (another opener is creating the store) may be made one */
    bool ours = app_id == SCHEMA_SQLITE_APPLICATION_ID || (app_id == 0 && journal > 0) ||
                (empty_ok && app_id == 0 && tables == 0);
    if (rc == SQLITE_OK && ours) return 0;
    store_errf(err, "%s: not a yibao store (%s); yibao init --db creates one", target,
               rc != SQLITE_OK ? "not an SQLite database"
               : app_id != 0   ? "another application's file"
                               : "no yibao tables");
    return -1;
}

/* The most of a store file a read-only connection maps (PRAGMA mmap_size):
 * 8 GiB asked, capped by SQLite's build (SQLITE_MAX_MMAP_SIZE). */
#define READ_ONLY_MMAP_BYTES "8589934592"

/* A read-only connection: no pragma that writes, no migration; a store
 * newer than this binary is refused as at any open. */

static int sq_read_only_ready(struct store_conn *c, const char *target, struct store_err *err) {
    char why[SCHEMA_ERR_BYTES];
    int version = schema_sqlite_version(c->db, target, why, sizeof why);
    if (version < 0) return store_errf(err, "%s", why), -1;
    if (version > SCHEMA_VERSION_LATEST) {
        store_errf(err,
                   "%s: schema version %d is newer than this yibao knows (%d): open it with "
                   "a later release",
                   target, version, SCHEMA_VERSION_LATEST);
        return -1;
    }
    /* A read-only pass (check, the what-if's replay, the reports) reads
     * most of the file once: mapped, its pages are read in place instead
     * of copied by a pread each into SQLite's cache (a tenth of the
     * what-if's CPU at 1M persons). SQLite caps the map at its compiled
     * SQLITE_MAX_MMAP_SIZE (2 GiB by default); the rest is read as before. */
    return exec_sql(c,
                    "PRAGMA cache_size=-65536; PRAGMA mmap_size=" READ_ONLY_MMAP_BYTES
                    "; PRAGMA query_only=1;",
                    err);
}

static int sq_open_locked(const char *target, enum store_mode mode, struct store_conn **out,
                          struct store_err *err);

static int sq_open(const char *target, enum store_mode mode, struct store_conn **out,
                   struct store_err *err) {
    assert(target != NULL && out != NULL);
    *out = NULL;
    if (strlen(target) > STORE_URI_BYTES_MAX) {
        store_errf(err, "--db: path longer than %d bytes", STORE_URI_BYTES_MAX);
        return -1;
    }
    int setup = mode == STORE_MODE_READ_ONLY ? -1 : sqlite_setup_lock(target);
    int rc = sq_open_locked(target, mode, out, err);
    sqlite_setup_unlock(setup);
    return rc;
}

/* The catalog's reads of a store of version 19 or 20 (gender and ages,
 * none of migration 21's restrictions), read only as it is. */
static const char *const SQL_V20[S_COUNT] = {
    [S_CATALOG_SCAN] = "SELECT code, class, prepay_bp, cap_price, restrict_gender,"
                       " restrict_age_min, restrict_age_max, 0, 0, 0, 0, '', ''"
                       " FROM catalog ORDER BY code",
};

/* The persons' reads of a store before migration 17 (no benefit_years),
 * the catalog's before 19 (no restrictions) and the postings' before 20
 * (no month: -1, postings_months false), which a read-only connection
 * opens without migrating (the posting's insert is only prepared). */
static const char *const SQL_V16[S_COUNT] = {
    [S_POSTING_PUT] = "INSERT INTO postings(seq, idx, debit, credit, amount) VALUES(?,?,?,?,?)",
    [S_POSTING_SCAN] = "SELECT seq, idx, debit, credit, amount, -1 FROM postings WHERE seq >= ?"
                       " ORDER BY seq, idx",
    [S_CATALOG_SCAN] = "SELECT code, class, prepay_bp, cap_price, 0, -1, -1, 0, 0, 0, 0, '', ''"
                       " FROM catalog ORDER BY code",
    [S_PERSON_GET] = "SELECT " PERSON_SELECT_V16 " FROM persons WHERE psn_no = ?",
    [S_PERSON_SCAN] = "SELECT " PERSON_SELECT_V16 " FROM persons ORDER BY psn_no LIMIT ?",
};

static int sq_open_locked(const char *target, enum store_mode mode, struct store_conn **out,
                          struct store_err *err) {
    struct stat st;
    assert(target != NULL && out != NULL);
    bool fresh = mode == STORE_MODE_CREATE && (stat(target, &st) != 0 || st.st_size == 0);
    if (!fresh && sq_existing(target, mode == STORE_MODE_CREATE, err) != 0)
        return -1; /* never another application's file */
    struct store_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        store_errf(err, "%s: out of memory", target);
        return -1;
    }
    snprintf(c->path, sizeof c->path, "%s", target);
    int flags = mode == STORE_MODE_READ_ONLY  ? SQLITE_OPEN_READONLY
                : mode == STORE_MODE_EXISTING ? SQLITE_OPEN_READWRITE
                                              : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(target, &c->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        store_errf(err, "%s: cannot open: %s", target, c->db ? sqlite3_errmsg(c->db) : "no memory");
        sq_close(c);
        return -1;
    }
    if (sqlite_wait_install(c->db, BUSY_TIMEOUT_MS) != 0) {
        store_errf(err, "%s: cannot set the busy handler", target);
        sq_close(c);
        return -1;
    }
    if (mode == STORE_MODE_READ_ONLY) {
        if (sq_read_only_ready(c, target, err) != 0) {
            sq_close(c);
            return -1;
        }
    } else if (sq_migrated(c, target, err) != 0) {
        sq_close(c);
        return -1;
    }
    for (int i = 0; i < S_COUNT; i++) {
        if (sqlite3_prepare_v3(c->db, SQL[i], -1, SQLITE_PREPARE_PERSISTENT, &c->stmt[i], NULL) !=
            SQLITE_OK) {
            if (i >= S_FIRST_OPTIONAL && mode == STORE_MODE_READ_ONLY) continue; /* older store */
            if (SQL_V20[i] != NULL && mode == STORE_MODE_READ_ONLY &&
                sqlite3_prepare_v3(c->db, SQL_V20[i], -1, SQLITE_PREPARE_PERSISTENT, &c->stmt[i],
                                   NULL) == SQLITE_OK)
                continue; /* a store before migration 21, read as it is */
            if (SQL_V16[i] != NULL && mode == STORE_MODE_READ_ONLY &&
                sqlite3_prepare_v3(c->db, SQL_V16[i], -1, SQLITE_PREPARE_PERSISTENT, &c->stmt[i],
                                   NULL) == SQLITE_OK) {
                if (i == S_POSTING_SCAN) c->postings_v19 = true;
                continue; /* a store before migration 17, 19 or 20, read as it is */
            }
            fail(c, err, SQL[i]);
            sq_close(c);
            return -1;
        }
    }
    assert(sqlite3_get_autocommit(c->db)); /* the migrations committed */
    *out = c;
    return 0;
}

/* Runs a statement that returns no rows (already bound); resets it. */
static int step_done(struct store_conn *c, enum stmt_id id, struct store_err *err) {
    assert(id >= 0 && id < S_COUNT);
    sqlite3_stmt *s = c->stmt[id];
    assert(s != NULL);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE) {
        store_errf(err, "%s: %s: %s", c->path, SQL[id], sqlite3_errmsg(c->db));
        return -1;
    }
    return 0;
}

static int sq_begin(struct store_conn *c, struct store_err *err) {
    assert(c != NULL && sqlite3_get_autocommit(c->db)); /* no transaction is open */
    int rc = step_done(c, S_BEGIN, err);
    assert(rc != 0 || !sqlite3_get_autocommit(c->db));
    return rc;
}

static int sq_commit(struct store_conn *c, struct store_err *err) {
    assert(c != NULL && !sqlite3_get_autocommit(c->db)); /* a transaction is open */
    int rc = step_done(c, S_COMMIT, err);
    assert(rc != 0 || sqlite3_get_autocommit(c->db)); /* committed: the transaction ended */
    return rc;
}

/* Deferred: the snapshot is taken by the first read and kept until the
 * rollback (WAL readers do not block the writer). */
static int sq_snapshot_begin(struct store_conn *c, struct store_err *err) {
    assert(c != NULL && sqlite3_get_autocommit(c->db));
    return exec_sql(c, "BEGIN DEFERRED", err);
}

static void sq_rollback(struct store_conn *c) {
    assert(c != NULL && c->db != NULL);
    if (sqlite3_get_autocommit(c->db)) return;
    struct store_err ignored;
    (void)step_done(c, S_ROLLBACK, &ignored);
}

static int sq_bulk_mode(struct store_conn *c, bool on, struct store_err *err) {
    assert(c != NULL && c->db != NULL);
    char sql[128];
    if (on) {
        snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", BULK_CACHE_KIB);
        return exec_sql(c, sql, err);
    }
    if (exec_sql(c, "PRAGMA cache_size=-65536", err) != 0) return -1;
    return exec_sql(c, "PRAGMA wal_checkpoint(TRUNCATE)", err);
}

static void bind_text(sqlite3_stmt *s, int i, const char *text) {
    assert(s != NULL && text != NULL && i >= 1 && i <= sqlite3_bind_parameter_count(s));
    sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC);
}

static void col_text(sqlite3_stmt *s, int i, char *out, size_t size) {
    assert(s != NULL && out != NULL && size > 0 && i >= 0 && i < sqlite3_column_count(s));
    const unsigned char *t = sqlite3_column_text(s, i);
    size_t len = t != NULL ? (size_t)sqlite3_column_bytes(s, i) : 0; /* after column_text */
    if (len >= size) len = size - 1;                                 /* as snprintf cuts it */
    if (len > 0) memcpy(out, t, len);
    out[len] = '\0';
}

/* ---- registry --------------------------------------------------------- */
/* Binds every column of p[i] to stmt id (insert or edit: the same order)
 * and runs it; an edit that changed no row fails. */
static int persons_write(struct store_conn *c, enum stmt_id id, const struct store_person *p,
                         size_t n, struct store_err *err) {
    sqlite3_stmt *s = c->stmt[id];
    assert(n <= IMPORT_ROWS_PER_CALL && (p != NULL || n == 0));
    assert(id == S_PERSON_PUT || id == S_PERSON_EDIT);
    for (size_t i = 0; i < n; i++) {
        assert(p[i].psn_no[0] != '\0' && p[i].acct_open_fen >= 0);
        bind_text(s, 1, p[i].psn_no);
        bind_text(s, 2, p[i].certno);
        bind_text(s, 3, p[i].name);
        bind_text(s, 4, p[i].gender);
        bind_text(s, 5, p[i].birth_date);
        sqlite3_bind_int(s, 6, p[i].insutype);
        sqlite3_bind_int(s, 7, (int)p[i].category);
        sqlite3_bind_int64(s, 8, p[i].flags);
        bind_text(s, 9, p[i].region);
        sqlite3_bind_int64(s, 10, p[i].benefit_start);
        sqlite3_bind_int64(s, 11, p[i].acct_open_fen);
        sqlite3_bind_int(s, 12, (int)p[i].status);
        sqlite3_bind_int64(s, 13, p[i].benefit_years);
        if (step_done(c, id, err) != 0) {
            store_errf(err, "psn_no %s: %s", p[i].psn_no, sqlite3_errmsg(c->db));
            return -1;
        }
        if (id == S_PERSON_EDIT && sqlite3_changes(c->db) != 1)
            return store_errf(err, "psn_no %s: not registered", p[i].psn_no), -1;
    }
    return 0;
}

static int sq_persons_put(struct store_conn *c, const struct store_person *p, size_t n,
                          struct store_err *err) {
    assert(c != NULL);
    return persons_write(c, S_PERSON_PUT, p, n, err);
}

static int sq_persons_edit(struct store_conn *c, const struct store_person *p, size_t n,
                           struct store_err *err) {
    assert(c != NULL);
    return persons_write(c, S_PERSON_EDIT, p, n, err);
}

static void person_row(sqlite3_stmt *s, struct store_person *p) {
    assert(s != NULL && p != NULL && sqlite3_column_count(s) == 13);
    memset(p, 0, sizeof *p);
    col_text(s, 0, p->psn_no, sizeof p->psn_no);
    col_text(s, 1, p->certno, sizeof p->certno);
    col_text(s, 2, p->name, sizeof p->name);
    col_text(s, 3, p->gender, sizeof p->gender);
    col_text(s, 4, p->birth_date, sizeof p->birth_date);
    p->insutype = sqlite3_column_int(s, 5);
    p->category = (enum category)sqlite3_column_int(s, 6);
    p->flags = (uint32_t)sqlite3_column_int64(s, 7);
    col_text(s, 8, p->region, sizeof p->region);
    p->benefit_start = sqlite3_column_int64(s, 9);
    p->acct_open_fen = sqlite3_column_int64(s, 10);
    p->status = (enum insured_status)sqlite3_column_int(s, 11);
    p->benefit_years = sqlite3_column_int64(s, 12);
}

static int sq_persons_get(struct store_conn *c, const char *const *keys, size_t n,
                          struct store_person *out, bool *found, struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_PERSON_GET];
    assert(n <= BATCH_MAX && out != NULL && found != NULL);
    for (size_t i = 0; i < n; i++) {
        bind_text(s, 1, keys[i]);
        int rc = sqlite3_step(s);
        found[i] = rc == SQLITE_ROW;
        if (found[i]) person_row(s, &out[i]);
        assert(!found[i] || strcmp(out[i].psn_no, keys[i]) == 0); /* WHERE psn_no = ?1 */
        sqlite3_reset(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(c, err, "persons get");
    }
    return 0;
}

static int sq_persons_by_certno(struct store_conn *c, const char *certno,
                                char (*psn_nos)[CODE_BYTES_MAX + 1], size_t max, size_t *n,
                                struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_PERSON_BY_CERTNO];
    assert(certno != NULL && psn_nos != NULL && max > 0 && n != NULL);
    bind_text(s, 1, certno);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
    int rc;
    *n = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < max)
        col_text(s, 0, psn_nos[(*n)++], CODE_BYTES_MAX + 1);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(c, err, "persons by certno");
    assert(*n <= max);
    return 0;
}

/* Runs a bound query, calling row(s, ctx) per row; resets the statement. */
static int scan_rows(struct store_conn *c, enum stmt_id id, int (*row)(sqlite3_stmt *, void *),
                     void *ctx, struct store_err *err) {
    assert(id >= 0 && id < S_COUNT && row != NULL);
    sqlite3_stmt *s = c->stmt[id];
    int rc, stop = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        stop = row(s, ctx);
        if (stop != 0) break;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (stop != 0) return stop;
    if (rc != SQLITE_DONE) return fail(c, err, SQL[id]);
    return 0;
}

struct scan_ctx {
    void *cb;
    void *ctx;
};

static int person_scan_row(sqlite3_stmt *s, void *v) {
    struct scan_ctx *sc = v;
    assert(s != NULL && sc->cb != NULL);
    struct store_person p;
    person_row(s, &p);
    return ((person_cb)sc->cb)(sc->ctx, &p);
}

static int sq_persons_scan(struct store_conn *c, int64_t limit, person_cb cb, void *ctx,
                           struct store_err *err) {
    assert(c != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    sqlite3_bind_int64(c->stmt[S_PERSON_SCAN], 1, limit < 0 ? INT64_MAX : limit);
    return scan_rows(c, S_PERSON_SCAN, person_scan_row, &sc, err);
}

static int sq_institutions_put(struct store_conn *c, const struct store_institution *r, size_t n,
                               struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_INST_PUT];
    assert(n <= IMPORT_ROWS_PER_CALL && (r != NULL || n == 0));
    for (size_t i = 0; i < n; i++) {
        assert(r[i].code[0] != '\0');
        bind_text(s, 1, r[i].code);
        bind_text(s, 2, r[i].name);
        sqlite3_bind_int(s, 3, (int)r[i].type);
        sqlite3_bind_int(s, 4, (int)r[i].level);
        bind_text(s, 5, r[i].region);
        sqlite3_bind_int(s, 6, (int)r[i].status);
        sqlite3_bind_int64(s, 7, r[i].suspended_until);
        if (step_done(c, S_INST_PUT, err) != 0) return -1;
    }
    return 0;
}

static int inst_scan_row(sqlite3_stmt *s, void *v) {
    struct scan_ctx *sc = v;
    assert(s != NULL && sc->cb != NULL);
    struct store_institution r;
    memset(&r, 0, sizeof r);
    col_text(s, 0, r.code, sizeof r.code);
    col_text(s, 1, r.name, sizeof r.name);
    r.type = (enum institution_type)sqlite3_column_int(s, 2);
    r.level = (enum level)sqlite3_column_int(s, 3);
    col_text(s, 4, r.region, sizeof r.region);
    r.status = (enum designation)sqlite3_column_int(s, 5);
    r.suspended_until = sqlite3_column_int64(s, 6);
    return ((institution_cb)sc->cb)(sc->ctx, &r);
}

static int sq_institutions_scan(struct store_conn *c, institution_cb cb, void *ctx,
                                struct store_err *err) {
    assert(c != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    return scan_rows(c, S_INST_SCAN, inst_scan_row, &sc, err);
}

static int sq_policy_put(struct store_conn *c, const struct store_policy_row *r,
                         struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_POLICY_PUT];
    assert(r != NULL && r->json != NULL && r->json_len <= INT32_MAX);
    bind_text(s, 1, r->region);
    sqlite3_bind_int(s, 2, r->year);
    sqlite3_bind_int(s, 3, r->insutype);
    bind_text(s, 4, r->id);
    sqlite3_bind_text(s, 5, r->json, (int)r->json_len, SQLITE_STATIC);
    assert(strlen(r->valid_from) == 10);
    bind_text(s, 6, r->valid_from);
    return step_done(c, S_POLICY_PUT, err);
}

static int policy_scan_row(sqlite3_stmt *s, void *v) {
    struct scan_ctx *sc = v;
    assert(s != NULL && sc->cb != NULL);
    struct store_policy_row r;
    memset(&r, 0, sizeof r);
    col_text(s, 0, r.region, sizeof r.region);
    r.year = sqlite3_column_int(s, 1);
    r.insutype = sqlite3_column_int(s, 2);
    col_text(s, 3, r.id, sizeof r.id);
    r.json = (const char *)sqlite3_column_text(s, 4);
    r.json_len = (size_t)sqlite3_column_bytes(s, 4);
    if (r.json == NULL) r.json = "";
    return ((policy_cb)sc->cb)(sc->ctx, &r);
}

static int sq_policies_scan(struct store_conn *c, policy_cb cb, void *ctx, struct store_err *err) {
    assert(c != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    return scan_rows(c, S_POLICY_SCAN, policy_scan_row, &sc, err);
}

static int sq_catalog_replace(struct store_conn *c, const struct catalog_item *items, size_t n,
                              struct store_err *err) {
    assert(n <= CATALOG_ITEMS_MAX && (items != NULL || n == 0));
    if (step_done(c, S_CATALOG_CLEAR, err) != 0) return -1;
    sqlite3_stmt *s = c->stmt[S_CATALOG_PUT];
    for (size_t i = 0; i < n; i++) {
        bind_text(s, 1, items[i].code);
        sqlite3_bind_int(s, 2, (int)items[i].item_class);
        sqlite3_bind_int(s, 3, items[i].prepay_bp);
        sqlite3_bind_int64(s, 4, items[i].cap_price_scaled);
        sqlite3_bind_int(s, 5, items[i].restrict_gender);
        sqlite3_bind_int(s, 6, items[i].restrict_age_min);
        sqlite3_bind_int(s, 7, items[i].restrict_age_max);
        sqlite3_bind_int(s, 8, items[i].restrict_levels);
        sqlite3_bind_int(s, 9, items[i].restrict_settings);
        sqlite3_bind_int64(s, 10, items[i].restrict_day_scaled);
        sqlite3_bind_int64(s, 11, items[i].restrict_bill_scaled);
        bind_text(s, 12, items[i].restrict_diagnoses ? items[i].restrict_diagnoses : "");
        bind_text(s, 13, items[i].restrict_exclusive ? items[i].restrict_exclusive : "");
        if (step_done(c, S_CATALOG_PUT, err) != 0) return -1;
    }
    return 0;
}

static int catalog_scan_row(sqlite3_stmt *s, void *v) {
    struct scan_ctx *sc = v;
    assert(s != NULL && sc->cb != NULL);
    struct catalog_item it;
    memset(&it, 0, sizeof it);
    col_text(s, 0, it.code, sizeof it.code);
    it.item_class = (enum item_class)sqlite3_column_int(s, 1);
    it.prepay_bp = sqlite3_column_int(s, 2);
    it.cap_price_scaled = sqlite3_column_int64(s, 3);
    it.restrict_gender = (int8_t)sqlite3_column_int(s, 4);
    it.restrict_age_min = (int16_t)sqlite3_column_int(s, 5);
    it.restrict_age_max = (int16_t)sqlite3_column_int(s, 6);
    it.restrict_levels = (uint8_t)sqlite3_column_int(s, 7);
    it.restrict_settings = (uint8_t)sqlite3_column_int(s, 8);
    it.restrict_day_scaled = sqlite3_column_int64(s, 9);
    it.restrict_bill_scaled = sqlite3_column_int64(s, 10);
    /* the lists as the row holds them, valid during the call (catalog_add copies them) */
    const char *diagnoses = (const char *)sqlite3_column_text(s, 11);
    const char *exclusive = (const char *)sqlite3_column_text(s, 12);
    it.restrict_diagnoses = diagnoses != NULL && diagnoses[0] ? (char *)diagnoses : NULL;
    it.restrict_exclusive = exclusive != NULL && exclusive[0] ? (char *)exclusive : NULL;
    return ((catalog_cb)sc->cb)(sc->ctx, &it);
}

static int sq_catalog_scan(struct store_conn *c, catalog_cb cb, void *ctx, struct store_err *err) {
    assert(c != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    return scan_rows(c, S_CATALOG_SCAN, catalog_scan_row, &sc, err);
}

/* ---- the enrolment registry (enrol_rows.h) ---------------------------- */
/* Its statements are made from the tables' descriptions at each call (a
 * file's rows are one call); a read-only connection to a store of a
 * release before migration 14, which has no such table, gets none. */
static int enrol_prepare(struct store_conn *c, const char *sql, sqlite3_stmt **s, bool *absent,
                         struct store_err *err) {
    assert(c != NULL && sql != NULL && s != NULL);
    *absent = false;
    if (sqlite3_prepare_v2(c->db, sql, -1, s, NULL) == SQLITE_OK) return 0;
    *absent = strncmp(sqlite3_errmsg(c->db), "no such table", 13) == 0;
    store_errf(err, "%s: %s: %s", c->path, sql, sqlite3_errmsg(c->db));
    return -1;
}

static int sq_enrol_put(struct store_conn *c, enum enrol_kind kind,
                        const struct store_enrol_row *rows, size_t n, struct store_err *err) {
    const struct enrol_table *t = enrol_table(kind);
    assert(c != NULL && (rows != NULL || n == 0));
    char sql[ENROL_SQL_BYTES];
    enrol_sql_put(kind, '?', sql, sizeof sql);
    sqlite3_stmt *s = NULL;
    bool absent = false;
    if (enrol_prepare(c, sql, &s, &absent, err) != 0) return -1;
    int rc = SQLITE_DONE;
    for (size_t i = 0; i < n && rc == SQLITE_DONE; i++) {
        for (int k = 0; k < t->cols; k++) {
            if (t->types[k] == 'I') sqlite3_bind_int64(s, k + 1, strtoll(rows[i].col[k], NULL, 10));
            else bind_text(s, k + 1, rows[i].col[k]);
        }
        rc = sqlite3_step(s);
        sqlite3_reset(s);
    }
    if (rc != SQLITE_DONE) store_errf(err, "%s: %s: %s", c->path, t->table, sqlite3_errmsg(c->db));
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int text_order(const void *a, const void *b) {
    assert(a != NULL && b != NULL);
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A row naming in one of its who columns a code of sorted (n codes) that
 * sorts before who: the row was given when that code's rows were read. */
static bool given_before(const struct enrol_table *t, const struct store_enrol_row *row,
                         const char *who, const char *const *sorted, size_t n) {
    assert(t != NULL && row != NULL && who != NULL);
    for (int k = 0; n > 0 && k < 2 && t->who_cols[k] >= 0; k++) {
        const char *code = row->col[t->who_cols[k]];
        if (strcmp(code, who) < 0 && bsearch(&code, sorted, n, sizeof *sorted, text_order))
            return true;
    }
    return false;
}

/* The rows of the bound statement s, each to cb but those given_before
 * (who: the code bound; sorted: the set's codes, none for one code). The
 * statement is reset; cb's nonzero stops the scan and is returned. */
static int enrol_step(struct store_conn *c, const struct enrol_table *t, sqlite3_stmt *s,
                      const char *who, const char *const *sorted, size_t n, enrol_cb cb, void *ctx,
                      struct store_err *err) {
    struct store_enrol_row row;
    int rc = SQLITE_DONE, stop = 0;
    assert(c != NULL && t != NULL && s != NULL && cb != NULL);
    while (stop == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        memset(&row, 0, sizeof row);
        for (int k = 0; k < t->cols; k++) col_text(s, k, row.col[k], sizeof row.col[k]);
        if (who == NULL || !given_before(t, &row, who, sorted, n)) stop = cb(ctx, &row);
    }
    if (stop == 0 && rc != SQLITE_DONE)
        store_errf(err, "%s: %s: %s", c->path, t->table, sqlite3_errmsg(c->db));
    sqlite3_reset(s);
    return stop != 0 ? stop : rc == SQLITE_DONE ? 0 : -1;
}

static int sq_enrol_scan(struct store_conn *c, enum enrol_kind kind, const char *who, enrol_cb cb,
                         void *ctx, struct store_err *err) {
    const struct enrol_table *t = enrol_table(kind);
    assert(c != NULL && cb != NULL);
    char sql[ENROL_SQL_BYTES];
    enrol_sql_scan(kind, who != NULL, '?', false, sql, sizeof sql);
    sqlite3_stmt *s = NULL;
    bool absent = false;
    if (enrol_prepare(c, sql, &s, &absent, err) != 0) return absent ? 0 : -1;
    if (who != NULL) bind_text(s, 1, who);
    int rc = enrol_step(c, t, s, NULL, NULL, 0, cb, ctx, err);
    sqlite3_finalize(s);
    return rc;
}

/* The rows naming any of whos, for an import's batch (enrol_import.c): one
 * statement prepared for the batch (enrol_scan prepares one a call, which
 * was most of a row's cost), run for each code in sorted order, so the
 * index's pages are read in order. A row naming two of the codes (a
 * binding's holder and member) is given once, under the first code; each
 * code's rows come in key order, as enrol_scan gives them. */
static int sq_enrol_scan_set(struct store_conn *c, enum enrol_kind kind, const char *const *whos,
                             size_t n, enrol_cb cb, void *ctx, struct store_err *err) {
    const struct enrol_table *t = enrol_table(kind);
    assert(c != NULL && cb != NULL && (whos != NULL || n == 0) && n <= BATCH_MAX);
    if (n == 0) return 0;
    const char **sorted = malloc(n * sizeof *sorted);
    if (sorted == NULL) return store_errf(err, "%s: out of memory", c->path), -1;
    memcpy(sorted, whos, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, text_order);
    char sql[ENROL_SQL_BYTES];
    enrol_sql_scan(kind, true, '?', false, sql, sizeof sql);
    sqlite3_stmt *s = NULL;
    bool absent = false;
    if (enrol_prepare(c, sql, &s, &absent, err) != 0) return free(sorted), absent ? 0 : -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (i > 0 && strcmp(sorted[i], sorted[i - 1]) == 0) continue; /* a code named twice */
        bind_text(s, 1, sorted[i]);
        rc = enrol_step(c, t, s, sorted[i], sorted, n, cb, ctx, err);
    }
    sqlite3_finalize(s);
    free(sorted);
    return rc;
}

/* ---- payment agreements (migration 15) ---------------------------------- */
/* Prepared at each call, like the enrolment tables: an import or a run
 * uses them once, and a read-only connection to an older store has none. */
static int sq_agreement_put(struct store_conn *c, const struct store_agreement_row *r,
                            struct store_err *err) {
    assert(c != NULL && r != NULL && r->json != NULL && r->json_len <= INT32_MAX);
    sqlite3_stmt *s = NULL;
    bool absent = false;
    if (enrol_prepare(c,
                      "INSERT OR REPLACE INTO payment_agreements(region, year, id, json)"
                      " VALUES(?,?,?,?)",
                      &s, &absent, err) != 0)
        return -1;
    bind_text(s, 1, r->region);
    sqlite3_bind_int(s, 2, r->year);
    bind_text(s, 3, r->id);
    sqlite3_bind_text(s, 4, r->json, (int)r->json_len, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        store_errf(err, "%s: payment_agreements: %s", c->path, sqlite3_errmsg(c->db));
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int sq_agreements_scan(struct store_conn *c, agreement_cb cb, void *ctx,
                              struct store_err *err) {
    assert(c != NULL && cb != NULL);
    sqlite3_stmt *s = NULL;
    bool absent = false;
    if (enrol_prepare(c,
                      "SELECT region, year, id, json FROM payment_agreements ORDER BY region, year",
                      &s, &absent, err) != 0)
        return absent ? 0 : -1;
    int rc = SQLITE_DONE, stop = 0;
    while (stop == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_agreement_row row;
        memset(&row, 0, sizeof row);
        col_text(s, 0, row.region, sizeof row.region);
        row.year = sqlite3_column_int(s, 1);
        col_text(s, 2, row.id, sizeof row.id);
        row.json = (const char *)sqlite3_column_text(s, 3);
        row.json_len = (size_t)sqlite3_column_bytes(s, 3);
        if (row.json == NULL) row.json = "";
        stop = cb(ctx, &row);
    }
    if (stop == 0 && rc != SQLITE_DONE)
        store_errf(err, "%s: payment_agreements: %s", c->path, sqlite3_errmsg(c->db));
    sqlite3_finalize(s);
    return stop != 0 ? stop : rc == SQLITE_DONE ? 0 : -1;
}

/* ---- journal ----------------------------------------------------------- */
static int sq_journal_append(struct store_conn *c, const struct journal_rec *r, size_t n,
                             struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_JOURNAL_PUT];
    assert(n >= 1 && n <= BATCH_MAX);
    for (size_t i = 0; i < n; i++) {
        /* the records continue one another's chain */
        assert(r[i].seq > 0 && strlen(r[i].hash) == HASH_HEX_BYTES);
        assert(i == 0 ||
               (r[i].seq == r[i - 1].seq + 1 && strcmp(r[i].prev_hash, r[i - 1].hash) == 0));
        sqlite3_bind_int64(s, 1, r[i].seq);
        sqlite3_bind_int64(s, 2, r[i].time_us);
        sqlite3_bind_int(s, 3, (int)r[i].kind);
        bind_text(s, 4, r[i].msgid);
        bind_text(s, 5, r[i].psn_no);
        bind_text(s, 6, r[i].fixmedins_code);
        sqlite3_bind_int64(s, 7, r[i].ref_seq);
        sqlite3_bind_int(s, 8, r[i].year);
        bind_text(s, 9, r[i].req_hash);
        bind_text(s, 10, r[i].body);
        bind_text(s, 11, r[i].prev_hash);
        bind_text(s, 12, r[i].hash);
        if (step_done(c, S_JOURNAL_PUT, err) != 0) return -1;
    }
    return 0;
}

static int sq_data_put(struct store_conn *c, const struct journal_data *d, size_t n,
                       struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_DATA_PUT];
    assert(s != NULL && (d != NULL || n == 0));
    for (size_t i = 0; i < n; i++) {
        assert(d[i].seq > 0 && d[i].len <= JOURNAL_DATA_BYTES_MAX);
        sqlite3_bind_int64(s, 1, d[i].seq);
        sqlite3_bind_blob64(s, 2, d[i].len > 0 ? d[i].bytes : (const void *)"", d[i].len,
                            SQLITE_STATIC);
        if (step_done(c, S_DATA_PUT, err) != 0) return -1;
    }
    return 0;
}

static int data_scan_row(sqlite3_stmt *s, void *v) {
    struct scan_ctx *sc = v;
    assert(s != NULL && sc->cb != NULL);
    struct journal_data d = {sqlite3_column_int64(s, 0), sqlite3_column_blob(s, 1), 0};
    int bytes = sqlite3_column_bytes(s, 1);
    d.len = bytes > 0 ? (size_t)bytes : 0;
    if (d.bytes == NULL) d.bytes = (const unsigned char *)"";
    return ((data_cb)sc->cb)(sc->ctx, &d);
}

static int sq_data_scan(struct store_conn *c, int64_t from_seq, int64_t to_seq, data_cb cb,
                        void *ctx, struct store_err *err) {
    assert(c != NULL && cb != NULL);
    if (c->stmt[S_DATA_SCAN] == NULL) return 0; /* read only, a release before journal_data */
    struct scan_ctx sc = {(void *)cb, ctx};
    sqlite3_bind_int64(c->stmt[S_DATA_SCAN], 1, from_seq);
    sqlite3_bind_int64(c->stmt[S_DATA_SCAN], 2, to_seq);
    return scan_rows(c, S_DATA_SCAN, data_scan_row, &sc, err);
}

static void journal_row(sqlite3_stmt *s, struct journal_rec *r) {
    assert(s != NULL && r != NULL && sqlite3_column_count(s) == 12);
    r->seq = sqlite3_column_int64(s, 0);
    r->time_us = sqlite3_column_int64(s, 1);
    r->kind = (enum journal_kind)sqlite3_column_int(s, 2);
    col_text(s, 3, r->msgid, sizeof r->msgid);
    col_text(s, 4, r->psn_no, sizeof r->psn_no);
    col_text(s, 5, r->fixmedins_code, sizeof r->fixmedins_code);
    r->ref_seq = sqlite3_column_int64(s, 6);
    r->year = sqlite3_column_int(s, 7);
    col_text(s, 8, r->req_hash, sizeof r->req_hash);
    col_text(s, 9, r->body, sizeof r->body);
    col_text(s, 10, r->prev_hash, sizeof r->prev_hash);
    col_text(s, 11, r->hash, sizeof r->hash);
}

/* One-row lookup of a journal statement already bound at parameter 1. */
static int journal_one(struct store_conn *c, enum stmt_id id, struct journal_rec *out, bool *found,
                       struct store_err *err) {
    assert(id == S_JOURNAL_TAIL || id == S_JOURNAL_MSGID || id == S_JOURNAL_SEQ);
    sqlite3_stmt *s = c->stmt[id];
    int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (*found) journal_row(s, out);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(c, err, SQL[id]);
    return 0;
}

static int sq_journal_tail(struct store_conn *c, struct journal_rec *last, bool *found,
                           struct store_err *err) {
    assert(c != NULL && last != NULL && found != NULL);
    return journal_one(c, S_JOURNAL_TAIL, last, found, err);
}

static int sq_journal_by_msgid(struct store_conn *c, const char *const *msgids, size_t n,
                               struct journal_rec *out, bool *found, struct store_err *err) {
    assert(n <= BATCH_MAX && out != NULL && found != NULL);
    for (size_t i = 0; i < n; i++) {
        bind_text(c->stmt[S_JOURNAL_MSGID], 1, msgids[i]);
        if (journal_one(c, S_JOURNAL_MSGID, &out[i], &found[i], err) != 0) return -1;
        assert(!found[i] || strcmp(out[i].msgid, msgids[i]) == 0); /* WHERE msgid = ?1 */
    }
    return 0;
}

static int sq_journal_by_seq(struct store_conn *c, const int64_t *seqs, size_t n,
                             struct journal_rec *out, bool *found, struct store_err *err) {
    assert(n <= BATCH_MAX && out != NULL && found != NULL);
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(c->stmt[S_JOURNAL_SEQ], 1, seqs[i]);
        if (journal_one(c, S_JOURNAL_SEQ, &out[i], &found[i], err) != 0) return -1;
        assert(!found[i] || out[i].seq == seqs[i]); /* WHERE seq = ?1 */
    }
    return 0;
}

static int sq_journal_revoked(struct store_conn *c, const int64_t *ids, size_t n, bool *revoked,
                              struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_JOURNAL_REVOKED];
    assert(n <= BATCH_MAX && revoked != NULL);
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(s, 1, ids[i]);
        int rc = sqlite3_step(s);
        revoked[i] = rc == SQLITE_ROW;
        sqlite3_reset(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(c, err, "journal revoked");
    }
    return 0;
}

static int journal_scan_row(sqlite3_stmt *s, void *v) {
    struct scan_ctx *sc = v;
    assert(s != NULL && sc->cb != NULL);
    struct journal_rec r;
    journal_row(s, &r);
    return ((journal_cb)sc->cb)(sc->ctx, &r);
}

static const char *col_str(sqlite3_stmt *s, int i) {
    assert(s != NULL && i >= 0);
    const unsigned char *t = sqlite3_column_text(s, i);
    return t != NULL ? (const char *)t : "";
}

static int journal_brief_row(sqlite3_stmt *s, void *v) {
    struct scan_ctx *sc = v;
    assert(s != NULL && sc->cb != NULL && sqlite3_column_count(s) == 8);
    struct journal_brief r = {sqlite3_column_int64(s, 0),
                              sqlite3_column_int64(s, 1),
                              sqlite3_column_int64(s, 5),
                              (enum journal_kind)sqlite3_column_int(s, 2),
                              sqlite3_column_int(s, 6),
                              col_str(s, 3),
                              col_str(s, 4),
                              col_str(s, 7)};
    return ((journal_brief_cb)sc->cb)(sc->ctx, &r);
}

static int sq_journal_brief_scan(struct store_conn *c, int64_t from_seq, uint32_t kinds,
                                 uint32_t body_kinds, journal_brief_cb cb, void *ctx,
                                 struct store_err *err) {
    assert(c != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    sqlite3_bind_int64(c->stmt[S_JOURNAL_BRIEF], 1, from_seq);
    sqlite3_bind_int64(c->stmt[S_JOURNAL_BRIEF], 2, kinds);
    sqlite3_bind_int64(c->stmt[S_JOURNAL_BRIEF], 3, body_kinds);
    return scan_rows(c, S_JOURNAL_BRIEF, journal_brief_row, &sc, err);
}

static int sq_journal_scan(struct store_conn *c, int64_t from_seq, journal_cb cb, void *ctx,
                           struct store_err *err) {
    assert(c != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    sqlite3_bind_int64(c->stmt[S_JOURNAL_SCAN], 1, from_seq);
    return scan_rows(c, S_JOURNAL_SCAN, journal_scan_row, &sc, err);
}

static int sq_journal_replay_scan(struct store_conn *c, int64_t from_seq, journal_cb cb, void *ctx,
                                  struct store_err *err) {
    assert(c != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    sqlite3_bind_int64(c->stmt[S_JOURNAL_REPLAY], 1, from_seq);
    return scan_rows(c, S_JOURNAL_REPLAY, journal_scan_row, &sc, err);
}

/* ---- year states -------------------------------------------------------- */
static void special_encode(const struct year_state *st, char *out, size_t size) {
    size_t len = 0;
    assert(st != NULL && out != NULL && size > 0);
    out[0] = '\0';
    for (int d = 0; d < POLICY_DISEASES_MAX; d++) {
        if (st->special_paid_fen[d] == 0) continue;
        int n = snprintf(out + len, size - len, "%s%d:%" PRId64, len ? "," : "", d,
                         st->special_paid_fen[d]);
        if (n < 0 || (size_t)n >= size - len) break;
        len += (size_t)n;
    }
    assert(len < size && out[len] == '\0');
}

static void special_decode(const char *text, struct year_state *st) {
    assert(st != NULL);
    while (text != NULL && *text != '\0') {
        char *end = NULL;
        long d = strtol(text, &end, 10);
        if (end == NULL || *end != ':') return;
        long long v = strtoll(end + 1, &end, 10);
        if (d >= 0 && d < POLICY_DISEASES_MAX) st->special_paid_fen[d] = (int64_t)v;
        text = (end != NULL && *end == ',') ? end + 1 : NULL;
    }
}

static void state_row(sqlite3_stmt *s, struct state_key *key, struct year_state *st) {
    assert(s != NULL && key != NULL && st != NULL);
    col_text(s, 0, key->psn_no, sizeof key->psn_no);
    key->year = sqlite3_column_int(s, 1);
    year_state_init(st, key->year, 0);
    st->admissions = sqlite3_column_int(s, 2);
    int col = 3; /* the stored rows of YEAR_STATE_FIELDS, as in STATE_COLS */
    for (int i = 0; i < YEAR_STATE_MONEY_COUNT; i++)
        if (year_state_field((enum year_state_id)i)->stored)
            *year_state_money(st, (enum year_state_id)i) = sqlite3_column_int64(s, col++);
    assert(col == sqlite3_column_count(s) - 1);
    special_decode((const char *)sqlite3_column_text(s, col), st);
}

static int sq_states_get(struct store_conn *c, const struct state_key *keys, size_t n,
                         struct year_state *out, bool *found, struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_STATE_GET];
    assert(n <= BATCH_MAX && out != NULL && found != NULL);
    for (size_t i = 0; i < n; i++) {
        bind_text(s, 1, keys[i].psn_no);
        sqlite3_bind_int(s, 2, keys[i].year);
        int rc = sqlite3_step(s);
        found[i] = rc == SQLITE_ROW;
        struct state_key k;
        if (found[i]) state_row(s, &k, &out[i]);
        else year_state_init(&out[i], keys[i].year, 0);
        assert(out[i].year == keys[i].year); /* a found row is the key's: WHERE year = ?2 */
        sqlite3_reset(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(c, err, "states get");
    }
    return 0;
}

static int sq_states_put(struct store_conn *c, const struct state_key *keys,
                         const struct year_state *st, size_t n, struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_STATE_PUT];
    char special[POLICY_DISEASES_MAX * 32];
    for (size_t i = 0; i < n; i++) {
        /* a stored state is keyed by its year and never negative */
        assert(keys[i].year == st[i].year && year_state_valid(&st[i]));
        bind_text(s, 1, keys[i].psn_no);
        sqlite3_bind_int(s, 2, keys[i].year);
        sqlite3_bind_int(s, 3, st[i].admissions);
        int param = 4; /* the stored rows of YEAR_STATE_FIELDS, as in STATE_COLS */
        for (int f = 0; f < YEAR_STATE_MONEY_COUNT; f++)
            if (year_state_field((enum year_state_id)f)->stored)
                sqlite3_bind_int64(s, param++, year_state_money_get(&st[i], (enum year_state_id)f));
        assert(param == sqlite3_bind_parameter_count(s));
        special_encode(&st[i], special, sizeof special);
        sqlite3_bind_text(s, param, special, -1, SQLITE_TRANSIENT);
        if (step_done(c, S_STATE_PUT, err) != 0) return -1;
    }
    return 0;
}

static int state_scan_row(sqlite3_stmt *s, void *v) {
    struct scan_ctx *sc = v;
    assert(s != NULL && sc->cb != NULL);
    struct state_key k;
    struct year_state st;
    state_row(s, &k, &st);
    return ((state_cb)sc->cb)(sc->ctx, &k, &st);
}

static int sq_states_scan(struct store_conn *c, state_cb cb, void *ctx, struct store_err *err) {
    assert(c != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    return scan_rows(c, S_STATE_SCAN, state_scan_row, &sc, err);
}

/* ---- ledger ------------------------------------------------------------- */
static int sq_postings_put(struct store_conn *c, const struct posting *p, size_t n,
                           struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_POSTING_PUT];
    for (size_t i = 0; i < n; i++) {
        /* a posting moves a positive amount between two accounts */
        assert(p[i].seq > 0 && p[i].amount_fen > 0 && strcmp(p[i].debit, p[i].credit) != 0);
        sqlite3_bind_int64(s, 1, p[i].seq);
        sqlite3_bind_int(s, 2, p[i].idx);
        bind_text(s, 3, p[i].debit);
        bind_text(s, 4, p[i].credit);
        sqlite3_bind_int64(s, 5, p[i].amount_fen);
        sqlite3_bind_int(s, 6, p[i].month);
        if (step_done(c, S_POSTING_PUT, err) != 0) return -1;
    }
    return 0;
}

static int posting_scan_row(sqlite3_stmt *s, void *v) {
    struct scan_ctx *sc = v;
    assert(s != NULL && sc->cb != NULL);
    struct posting p;
    p.seq = sqlite3_column_int64(s, 0);
    p.idx = sqlite3_column_int(s, 1);
    col_text(s, 2, p.debit, sizeof p.debit);
    col_text(s, 3, p.credit, sizeof p.credit);
    p.amount_fen = sqlite3_column_int64(s, 4);
    p.month = sqlite3_column_int(s, 5);
    return ((posting_cb)sc->cb)(sc->ctx, &p);
}

static int sq_postings_scan(struct store_conn *c, int64_t from_seq, posting_cb cb, void *ctx,
                            struct store_err *err) {
    assert(c != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    sqlite3_bind_int64(c->stmt[S_POSTING_SCAN], 1, from_seq);
    return scan_rows(c, S_POSTING_SCAN, posting_scan_row, &sc, err);
}

static bool sq_postings_months(struct store_conn *c) {
    assert(c != NULL && c->db != NULL);
    return !c->postings_v19;
}

static int account_scan_row(sqlite3_stmt *s, void *v) {
    struct scan_ctx *sc = v;
    assert(s != NULL && sc->cb != NULL);
    char account[ACCOUNT_BYTES_MAX + 1];
    col_text(s, 0, account, sizeof account);
    return ((account_cb)sc->cb)(sc->ctx, account, sqlite3_column_int64(s, 1));
}

static int sq_balances_add(struct store_conn *c, const struct balance_delta *d, size_t n,
                           struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_BALANCE_ADD];
    for (size_t i = 0; i < n; i++) {
        assert(d[i].account[0] != '\0' && d[i].delta_fen != 0);
        bind_text(s, 1, d[i].account);
        sqlite3_bind_int64(s, 2, d[i].delta_fen);
        if (step_done(c, S_BALANCE_ADD, err) != 0) return -1;
    }
    return 0;
}

static int sq_balances_get(struct store_conn *c, const char *const *accounts, size_t n,
                           int64_t *out, bool *found, struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_BALANCE_GET];
    assert(n <= BATCH_MAX && out != NULL && found != NULL);
    for (size_t i = 0; i < n; i++) {
        bind_text(s, 1, accounts[i]);
        int rc = sqlite3_step(s);
        found[i] = rc == SQLITE_ROW;
        out[i] = found[i] ? sqlite3_column_int64(s, 0) : 0;
        sqlite3_reset(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(c, err, "balances get");
    }
    return 0;
}

static int sq_balances_scan(struct store_conn *c, account_cb cb, void *ctx, struct store_err *err) {
    assert(c != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    return scan_rows(c, S_BALANCE_SCAN, account_scan_row, &sc, err);
}

static int sq_checkpoint_get(struct store_conn *c, int64_t *checkpoint_seq, bool *found,
                             int64_t *tail_seq, struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_CHECKPOINT_GET];
    assert(checkpoint_seq != NULL && found != NULL && tail_seq != NULL);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *found = sqlite3_column_type(s, 0) != SQLITE_NULL;
        *checkpoint_seq = sqlite3_column_int64(s, 0);
        *tail_seq = sqlite3_column_int64(s, 1); /* NULL (no journal) reads as 0 */
    }
    sqlite3_reset(s);
    if (rc != SQLITE_ROW) return fail(c, err, "checkpoint get");
    return 0;
}

static int sq_checkpoint_put(struct store_conn *c, int64_t checkpoint_seq, struct store_err *err) {
    assert(c != NULL && checkpoint_seq >= 0 &&
           !sqlite3_get_autocommit(c->db)); /* in the writer's transaction */
    sqlite3_bind_int64(c->stmt[S_CHECKPOINT_PUT], 1, checkpoint_seq);
    return step_done(c, S_CHECKPOINT_PUT, err);
}

static int sq_registry_gen(struct store_conn *c, int64_t *gen, struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_REGISTRY_GEN];
    assert(gen != NULL);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) *gen = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW) return fail(c, err, "registry generation");
    return 0;
}

static int sq_journal_breaks(struct store_conn *c, int64_t *seqs, size_t max, size_t *n,
                             struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_JOURNAL_BREAKS];
    assert(seqs != NULL && n != NULL && max >= 1 && max <= INT32_MAX);
    *n = 0;
    if (s == NULL) return 0; /* read only, a release before migration 22: no breaks kept */
    sqlite3_bind_int64(s, 1, (int64_t)max);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < max)
        seqs[(*n)++] = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(c, err, "journal breaks");
    assert(*n <= max);
    return 0;
}

static int sq_last_import(struct store_conn *c, const char *what, int64_t *seq,
                          struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_LAST_IMPORT];
    char prefix[48];
    assert(what != NULL && seq != NULL && strlen(what) < 32);
    snprintf(prefix, sizeof prefix, "what=%s ", what);
    sqlite3_bind_text(s, 1, prefix, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) *seq = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_ROW) return fail(c, err, "last import");
    return 0;
}

/* ---- the service's credentials --------------------------------------------- */
static void credential_row(sqlite3_stmt *s, struct store_credential *r) {
    assert(s != NULL && r != NULL && sqlite3_column_count(s) == 7);
    memset(r, 0, sizeof *r);
    col_text(s, 0, r->paasid, sizeof r->paasid);
    col_text(s, 1, r->token, sizeof r->token);
    col_text(s, 2, r->fixmedins_code, sizeof r->fixmedins_code);
    col_text(s, 3, r->status, sizeof r->status);
    r->token_version = sqlite3_column_int64(s, 4);
    col_text(s, 5, r->key_id, sizeof r->key_id);
    r->hmac_required = sqlite3_column_int64(s, 6);
}

static int sq_credential_get(struct store_conn *c, const char *paasid, struct store_credential *out,
                             bool *found, struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_CRED_GET];
    assert(paasid != NULL && out != NULL && found != NULL);
    if (s == NULL) return store_errf(err, "%s: no credentials (an older store)", c->path), -1;
    bind_text(s, 1, paasid);
    int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) credential_row(s, out);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(c, err, "credential get");
    return 0;
}

static int sq_credential_put(struct store_conn *c, const struct store_credential *r,
                             struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_CRED_PUT];
    assert(s != NULL && r != NULL && r->paasid[0] != '\0'); /* a connection that writes */
    bind_text(s, 1, r->paasid);
    bind_text(s, 2, r->token);
    bind_text(s, 3, r->fixmedins_code);
    bind_text(s, 4, r->status);
    sqlite3_bind_int64(s, 5, r->token_version);
    bind_text(s, 6, r->key_id);
    sqlite3_bind_int64(s, 7, r->hmac_required);
    return step_done(c, S_CRED_PUT, err);
}

static int credential_scan_row(sqlite3_stmt *s, void *v) {
    struct scan_ctx *sc = v;
    assert(s != NULL && sc->cb != NULL);
    struct store_credential r;
    credential_row(s, &r);
    return ((credential_cb)sc->cb)(sc->ctx, &r);
}

static int sq_credentials_scan(struct store_conn *c, credential_cb cb, void *ctx,
                               struct store_err *err) {
    assert(c != NULL && cb != NULL);
    if (c->stmt[S_CRED_SCAN] == NULL) return 0; /* read only, a release before migration 8 */
    struct scan_ctx sc = {(void *)cb, ctx};
    return scan_rows(c, S_CRED_SCAN, credential_scan_row, &sc, err);
}

/* ---- the service's visits linked to their settlements ---------------------- */
static int sq_visits_lock(struct store_conn *c, const int64_t *visit_ids, size_t n,
                          struct store_visit_row *out, struct store_err *err) {
    sqlite3_stmt *s = c->stmt[S_VISIT_LOCK];
    /* the writer's BEGIN IMMEDIATE holds the database's one write lock */
    assert(s != NULL && !sqlite3_get_autocommit(c->db) && (n == 0 || out != NULL));
    for (size_t i = 0; i < n; i++) {
        assert(visit_ids[i] > 0);
        sqlite3_bind_int64(s, 1, visit_ids[i]);
        int rc = sqlite3_step(s);
        out[i] = (struct store_visit_row){0};
        if (rc == SQLITE_ROW) {
            out[i].found = true;
            out[i].kind = (int32_t)sqlite3_column_int64(s, 0);
            out[i].status = (int32_t)sqlite3_column_int64(s, 1);
        }
        sqlite3_reset(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(c, err, "visit lock");
    }
    return 0;
}

static int sq_visits_link(struct store_conn *c, const struct store_visit_link *const *links,
                          const int64_t *setl_ids, size_t n, struct store_err *err) {
    assert(c != NULL && !sqlite3_get_autocommit(c->db) && (n == 0 || links != NULL));
    for (size_t i = 0; i < n; i++) {
        const struct store_visit_link *l = links[i];
        assert(l->visit_id > 0 && setl_ids[i] > 0);
        sqlite3_bind_int64(c->stmt[S_LINK_SETL], 1, setl_ids[i]);
        sqlite3_bind_int64(c->stmt[S_LINK_SETL], 2, l->visit_id);
        sqlite3_bind_text(c->stmt[S_LINK_SETL], 3, l->msgid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(c->stmt[S_LINK_FEES], 1, l->visit_id);
        sqlite3_bind_int64(c->stmt[S_LINK_FEES], 2, setl_ids[i]);
        sqlite3_bind_text(c->stmt[S_LINK_FEES], 3, l->bchno, -1, SQLITE_STATIC);
        sqlite3_bind_int64(c->stmt[S_LINK_VISIT], 1, l->visit_id);
        sqlite3_bind_int64(c->stmt[S_LINK_VISIT], 2, l->status_after);
        sqlite3_bind_int64(c->stmt[S_LINK_VISIT], 3, setl_ids[i]);
        if (step_done(c, S_LINK_SETL, err) != 0 || step_done(c, S_LINK_FEES, err) != 0 ||
            step_done(c, S_LINK_VISIT, err) != 0)
            return -1;
    }
    return 0;
}

static int sq_visits_reopen(struct store_conn *c, const struct store_visit_link *const *links,
                            const int64_t *setl_ids, size_t n, struct store_err *err) {
    assert(c != NULL && !sqlite3_get_autocommit(c->db) && (n == 0 || links != NULL));
    for (size_t i = 0; i < n; i++) {
        const struct store_visit_link *l = links[i];
        assert(l->visit_id > 0 && setl_ids[i] > 0);
        sqlite3_bind_int64(c->stmt[S_REOPEN_FEES], 1, l->visit_id);
        sqlite3_bind_int64(c->stmt[S_REOPEN_FEES], 2, setl_ids[i]);
        sqlite3_bind_int64(c->stmt[S_REOPEN_VISIT], 1, l->visit_id);
        sqlite3_bind_int64(c->stmt[S_REOPEN_VISIT], 2, l->status_after);
        sqlite3_bind_int64(c->stmt[S_REOPEN_VISIT], 3, l->status_reopened);
        if (step_done(c, S_REOPEN_FEES, err) != 0 || step_done(c, S_REOPEN_VISIT, err) != 0)
            return -1;
    }
    return 0;
}

void *store_sqlite_writer(const struct store *store) {
    assert(store != NULL);
    if (store_ops(store) != &store_sqlite_backend) return NULL;
    struct store_conn *c = store_conn(store);
    assert(c->db != NULL);
    return c->db;
}

int store_checkpointer_start(struct store *store, struct store_err *err) {
    assert(store != NULL);
    if (store_ops(store) != &store_sqlite_backend) return 0;
    struct store_conn *c = store_conn(store);
    assert(c->db != NULL && c->ckpt == NULL);
    char why[STORE_ERR_BYTES];
    if (sqlite_ckpt_start(c->db, c->path, &c->ckpt, why, sizeof why) == 0) return 0;
    store_errf(err, "%s", why);
    return -1;
}

void store_checkpointer_idle(struct store *store) {
    assert(store != NULL);
    if (store_ops(store) != &store_sqlite_backend) return;
    (void)sqlite_ckpt_idle(store_conn(store)->ckpt);
}

void store_checkpointer_stop(struct store *store) {
    assert(store != NULL);
    if (store_ops(store) != &store_sqlite_backend) return;
    struct store_conn *c = store_conn(store);
    sqlite_ckpt_stop(c->ckpt);
    c->ckpt = NULL;
}

const struct store_backend store_sqlite_backend = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .snapshot_begin = sq_snapshot_begin,
    .bulk_mode = sq_bulk_mode,
    .persons_put = sq_persons_put,
    .persons_edit = sq_persons_edit,
    .persons_get = sq_persons_get,
    .persons_by_certno = sq_persons_by_certno,
    .persons_scan = sq_persons_scan,
    .institutions_put = sq_institutions_put,
    .institutions_scan = sq_institutions_scan,
    .policy_put = sq_policy_put,
    .policies_scan = sq_policies_scan,
    .catalog_replace = sq_catalog_replace,
    .catalog_scan = sq_catalog_scan,
    .journal_append = sq_journal_append,
    .journal_tail = sq_journal_tail,
    .journal_by_msgid = sq_journal_by_msgid,
    .journal_by_seq = sq_journal_by_seq,
    .journal_revoked = sq_journal_revoked,
    .journal_scan = sq_journal_scan,
    .journal_brief_scan = sq_journal_brief_scan,
    .journal_replay_scan = sq_journal_replay_scan,
    .data_put = sq_data_put,
    .data_scan = sq_data_scan,
    .states_get = sq_states_get,
    .states_put = sq_states_put,
    .states_scan = sq_states_scan,
    .postings_put = sq_postings_put,
    .postings_scan = sq_postings_scan,
    .postings_months = sq_postings_months,
    .balances_add = sq_balances_add,
    .balances_get = sq_balances_get,
    .balances_scan = sq_balances_scan,
    .checkpoint_get = sq_checkpoint_get,
    .checkpoint_put = sq_checkpoint_put,
    .registry_gen = sq_registry_gen,
    .journal_breaks = sq_journal_breaks,
    .last_import = sq_last_import,
    .credential_get = sq_credential_get,
    .credential_put = sq_credential_put,
    .credentials_scan = sq_credentials_scan,
    .enrol_put = sq_enrol_put,
    .enrol_scan = sq_enrol_scan,
    .enrol_scan_set = sq_enrol_scan_set,
    .agreement_put = sq_agreement_put,
    .agreements_scan = sq_agreements_scan,
    .visits_lock = sq_visits_lock,
    .visits_link = sq_visits_link,
    .visits_reopen = sq_visits_reopen,
};
