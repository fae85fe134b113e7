/* schema_sqlite.c: the SQLite migrations of a yibao database (the store's
 * tables and the service's), in order, and the function that applies the
 * missing ones at open (schema.h; docs/STORE.md, "Schema versions"). */
#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/schema.h"
#include "store/store_columns.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* Migration 1: the tables of the release that introduced versions (the
 * store's, then the service's); on a database of an earlier release,
 * whose tables exist, it creates what is missing and stamps the file. */
static const char TABLES_SQL[] = "PRAGMA application_id = " STR(
    SCHEMA_SQLITE_APPLICATION_ID) ";"
                                  "CREATE TABLE IF NOT EXISTS persons(psn_no TEXT PRIMARY KEY, certno TEXT NOT NULL,"
                                  " name TEXT NOT NULL, gender TEXT NOT NULL, birth_date TEXT NOT NULL, insutype INTEGER NOT NULL,"
                                  " category INTEGER NOT NULL, flags INTEGER NOT NULL, region TEXT NOT NULL,"
                                  " benefit_start INTEGER NOT NULL, acct_open INTEGER NOT NULL, status INTEGER NOT NULL)"
                                  " WITHOUT ROWID;"
                                  "CREATE TABLE IF NOT EXISTS institutions(code TEXT PRIMARY KEY, name TEXT NOT NULL,"
                                  " type INTEGER NOT NULL, level INTEGER NOT NULL, region TEXT NOT NULL, status INTEGER NOT NULL,"
                                  " suspended_until INTEGER NOT NULL) WITHOUT ROWID;"
                                  "CREATE TABLE IF NOT EXISTS policies(region TEXT NOT NULL, year INTEGER NOT NULL,"
                                  " insutype INTEGER NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL,"
                                  " PRIMARY KEY(region, year, insutype)) WITHOUT ROWID;"
                                  "CREATE TABLE IF NOT EXISTS catalog(code TEXT PRIMARY KEY, class INTEGER NOT NULL,"
                                  " prepay_bp INTEGER NOT NULL, cap_price INTEGER NOT NULL) WITHOUT ROWID;"
                                  "CREATE TABLE IF NOT EXISTS journal(seq INTEGER PRIMARY KEY, time_us INTEGER NOT NULL,"
                                  " kind INTEGER NOT NULL, msgid TEXT NOT NULL UNIQUE, psn_no TEXT NOT NULL,"
                                  " fixmedins_code TEXT NOT NULL, ref_seq INTEGER NOT NULL, year INTEGER NOT NULL,"
                                  " req_hash TEXT NOT NULL, body TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
                                  "CREATE UNIQUE INDEX IF NOT EXISTS journal_revoke ON journal(ref_seq) WHERE kind = 2;"
                                  "CREATE TABLE IF NOT EXISTS states(psn_no TEXT NOT NULL, year INTEGER NOT NULL,"
                                  " admissions INTEGER NOT NULL," STATE_MONEY_DDL(
                                      "INTEGER") " special TEXT NOT NULL, PRIMARY KEY(psn_no, year)) WITHOUT ROWID;"
                                                 "CREATE TABLE IF NOT EXISTS postings(seq INTEGER NOT NULL, idx INTEGER NOT NULL,"
                                                 " debit TEXT NOT NULL, credit TEXT NOT NULL, amount INTEGER NOT NULL CHECK (amount > 0),"
                                                 " PRIMARY KEY(seq, idx)) WITHOUT ROWID;"
                                                 "CREATE TABLE IF NOT EXISTS accounts(account TEXT PRIMARY KEY, balance INTEGER NOT NULL)"
                                                 " WITHOUT ROWID;"
                                                 "CREATE TABLE IF NOT EXISTS checkpoint(id INTEGER PRIMARY KEY CHECK (id = 1),"
                                                 " seq INTEGER NOT NULL);"
                                                 "CREATE TABLE IF NOT EXISTS svc_credential (paasid TEXT PRIMARY KEY, token TEXT NOT NULL, "
                                                 " fixmedins_code TEXT NOT NULL, status TEXT NOT NULL);"
                                                 "CREATE TABLE IF NOT EXISTS svc_answer (code TEXT NOT NULL, msgid TEXT NOT NULL, "
                                                 " infno TEXT NOT NULL, answer TEXT NOT NULL, time_s INTEGER NOT NULL, "
                                                 " PRIMARY KEY (code, msgid));"
                                                 "CREATE TABLE IF NOT EXISTS svc_signin (sign_no INTEGER PRIMARY KEY AUTOINCREMENT, "
                                                 " code TEXT NOT NULL, opter_no TEXT NOT NULL, time_s INTEGER NOT NULL);"
                                                 "CREATE INDEX IF NOT EXISTS svc_signin_time ON svc_signin (time_s);"
                                                 "CREATE TABLE IF NOT EXISTS svc_signout (sign_no INTEGER PRIMARY KEY, "
                                                 " opter_no TEXT NOT NULL, time_s INTEGER NOT NULL);"
                                                 "CREATE TABLE IF NOT EXISTS svc_visit (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                                                 " kind INTEGER NOT NULL, status INTEGER NOT NULL, code TEXT NOT NULL, psn_no TEXT NOT NULL, "
                                                 " insutype INTEGER NOT NULL, med_type TEXT NOT NULL, begntime INTEGER NOT NULL, "
                                                 " endtime INTEGER NOT NULL, dise_codg TEXT NOT NULL, spec_dise_codg TEXT NOT NULL, "
                                                 " out_of_area INTEGER NOT NULL, filed INTEGER NOT NULL, ipt_otp_no TEXT NOT NULL, "
                                                 " setl_id INTEGER NOT NULL);"
                                                 "CREATE TABLE IF NOT EXISTS svc_fee (visit_id INTEGER NOT NULL, sn TEXT NOT NULL, "
                                                 " codg TEXT NOT NULL, cnt INTEGER NOT NULL, pric INTEGER NOT NULL, amount INTEGER NOT NULL, "
                                                 " ocur INTEGER NOT NULL, setl_id INTEGER NOT NULL, PRIMARY KEY (visit_id, sn));"
                                                 "CREATE TABLE IF NOT EXISTS svc_setl (setl_id INTEGER PRIMARY KEY, visit_id INTEGER NOT NULL, "
                                                 " msgid TEXT NOT NULL UNIQUE);"
                                                 "CREATE TABLE IF NOT EXISTS svc_nonce_batch (id INTEGER PRIMARY KEY, "
                                                 " max_ts INTEGER NOT NULL, nonces TEXT NOT NULL);"
                                                 "CREATE INDEX IF NOT EXISTS svc_nonce_batch_ts ON svc_nonce_batch (max_ts);";

/* Migration 20: each posting keeps its record's business month (store.h,
 * struct posting), so that the fund reports read the postings alone: the
 * table made anew in key order, each month as the reports computed it
 * from the journal (a contribution's period=, a transfer's month=, else
 * the record's local time in this process's zone); -1 for a posting
 * without a record, which check refuses. */
/* clang-format off */ /* the statement's clauses a line each */
static const char POSTINGS_MONTH_V20_SQL[] =
    "CREATE TABLE postings_v20(seq INTEGER NOT NULL, idx INTEGER NOT NULL,"
    " debit TEXT NOT NULL, credit TEXT NOT NULL, amount INTEGER NOT NULL CHECK (amount > 0),"
    " month INTEGER NOT NULL, PRIMARY KEY(seq, idx)) WITHOUT ROWID;"
    "INSERT INTO postings_v20(seq, idx, debit, credit, amount, month)"
    " SELECT p.seq, p.idx, p.debit, p.credit, p.amount, coalesce("
    POSTINGS_MONTH_SQL("instr", "strftime('%Y', j.time_us / 1000000, 'unixepoch', 'localtime')",
                       "strftime('%m', j.time_us / 1000000, 'unixepoch', 'localtime')")
    ", -1) FROM postings p LEFT JOIN journal j ON j.seq = p.seq ORDER BY p.seq, p.idx;"
    "DROP TABLE postings;"
    "ALTER TABLE postings_v20 RENAME TO postings;";
/* clang-format on */

/* The ordered migrations: append only; a released step is never edited. */
static const struct schema_migration MIGRATIONS[] = {
    {1, "tables", NULL, TABLES_SQL},
    /* an svc_answer of a release before answers were pruned gets its time
     * column, its answers dated now (kept the full time from the upgrade) */
    {2, "svc_answer time_s",
     "SELECT count(*) FROM pragma_table_info('svc_answer') WHERE name = 'time_s'",
     "ALTER TABLE svc_answer ADD COLUMN time_s INTEGER NOT NULL DEFAULT 0;"
     "UPDATE svc_answer SET time_s = CAST(strftime('%s', 'now') AS INTEGER);"},
    {3, "svc_answer_live index", NULL,
     "CREATE INDEX IF NOT EXISTS svc_answer_live ON svc_answer (time_s) WHERE answer <> '';"},
    /* a release before packed nonces kept one row per nonce in svc_nonce:
     * its rows become packed rows (nonce_pack.c's form), one per timestamp
     * second so that none grows past SQLite's length limit; then it goes */
    {4, "svc_nonce packed",
     "SELECT count(*) = 0 FROM sqlite_master WHERE type = 'table' AND name = 'svc_nonce'",
     "INSERT INTO svc_nonce_batch (max_ts, nonces) SELECT ts, group_concat(ts || ' ' || "
     "hex(paasid) || ' ' || hex(nonce), char(10)) FROM svc_nonce GROUP BY ts ORDER BY ts;"
     "DROP TABLE svc_nonce;"},
    /* the registry's generation (store_registry_refresh): the last import
     * record's seq, read through this index */
    {5, "journal_import index", NULL, REGISTRY_GEN_INDEX_SQL},
    /* a replayable write's answer keeps the hash of its request, so that a
     * msgid used again with another body is refused (answers kept before
     * have "": they replay as before) */
    {6, "svc_answer req_hash", NULL,
     "ALTER TABLE svc_answer ADD COLUMN req_hash TEXT NOT NULL DEFAULT '';"},
    /* a visit's settlements by visit: the n-th is journaled under a msgid of
     * the visit and n (svcdb_setl_count), so it is settled once */
    {7, "svc_setl_visit index", NULL,
     "CREATE INDEX IF NOT EXISTS svc_setl_visit ON svc_setl (visit_id);"},
    /* tokens derived from the key file, not stored (service/secret.c): a
     * credential keeps its token's version and key id, and may be held to
     * the signature that covers the body; person reads are audited */
    {8, "svc_credential derived tokens, svc_audit", NULL,
     "ALTER TABLE svc_credential ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE svc_credential ADD COLUMN key_id TEXT NOT NULL DEFAULT '';"
     "ALTER TABLE svc_credential ADD COLUMN hmac_required INTEGER NOT NULL DEFAULT 0;"
     "CREATE TABLE IF NOT EXISTS svc_audit (id INTEGER PRIMARY KEY, time_s INTEGER NOT NULL,"
     " paasid TEXT NOT NULL, code TEXT NOT NULL, infno TEXT NOT NULL, msgid TEXT NOT NULL,"
     " psn_no TEXT NOT NULL, outcome TEXT NOT NULL);"
     "CREATE INDEX IF NOT EXISTS svc_audit_psn ON svc_audit (psn_no, time_s);"},
    /* data a journal record carries and its hash covers: a settlement's
     * bill (check --deep settles it again), an imported policy, catalog or
     * institutions file (the registry of the settlement's time) */
    {9, "journal_data", NULL,
     "CREATE TABLE IF NOT EXISTS journal_data (seq INTEGER PRIMARY KEY, data BLOB NOT NULL);"},
    /* a person found by ID number (1101, 2201, 2401 by mdtrt_cert_no or
     * certno, as hospitals identify patients) */
    {10, "persons_certno index", NULL,
     "CREATE INDEX IF NOT EXISTS persons_certno ON persons (certno);"},
    /* a visit's fee lines keep their charge batch (chrg_bchno): a
     * settlement (2206/2207) or a withdrawal (2205) may name one batch */
    {11, "svc_fee chrg_bchno", NULL,
     "ALTER TABLE svc_fee ADD COLUMN bchno TEXT NOT NULL DEFAULT '';"},
    /* an institution's own item codes mapped to the catalog's (3301; 3302
     * deletes one): one row per (institution, list type, own code) */
    {12, "svc_mapping", NULL,
     "CREATE TABLE IF NOT EXISTS svc_mapping (code TEXT NOT NULL, list_type TEXT NOT NULL,"
     " hilist_id TEXT NOT NULL, hilist_name TEXT NOT NULL, med_list_codg TEXT NOT NULL,"
     " begndate TEXT NOT NULL, enddate TEXT NOT NULL, time_s INTEGER NOT NULL,"
     " PRIMARY KEY (code, list_type, hilist_id));"},
    /* policies versioned by the day they are in force (valid_from): the key
     * gains it, so the table is made anew (SQLite changes no primary key);
     * a policy of before is in force from its year's first day */
    {13, "policies valid_from", NULL,
     "CREATE TABLE policies_v13(region TEXT NOT NULL, year INTEGER NOT NULL,"
     " insutype INTEGER NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL,"
     " valid_from TEXT NOT NULL, PRIMARY KEY(region, year, insutype, valid_from)) WITHOUT ROWID;"
     "INSERT INTO policies_v13(region, year, insutype, id, json, valid_from)"
     " SELECT region, year, insutype, id, json, printf('%04d-01-01', year) FROM policies;"
     "DROP TABLE policies;"
     "ALTER TABLE policies_v13 RENAME TO policies;"},
    /* the enrolment registry (issue 16; docs/ENROLMENT.md): employers,
     * enrolment episodes, declared wages and flexible bases, family bindings */
    {14, "enrolment registry", NULL,
     "CREATE TABLE IF NOT EXISTS enrol_employers(emp_no TEXT PRIMARY KEY, emp_name TEXT NOT NULL,"
     " admdvs TEXT NOT NULL, struggling INTEGER NOT NULL) WITHOUT ROWID;"
     "CREATE TABLE IF NOT EXISTS enrol_episodes(psn_no TEXT NOT NULL, insutype INTEGER NOT NULL,"
     " from_month TEXT NOT NULL, admdvs TEXT NOT NULL, category TEXT NOT NULL,"
     " to_month TEXT NOT NULL, reason TEXT NOT NULL, end_reason TEXT NOT NULL,"
     " PRIMARY KEY(psn_no, insutype, from_month)) WITHOUT ROWID;"
     "CREATE TABLE IF NOT EXISTS enrol_wages(psn_no TEXT NOT NULL, month TEXT NOT NULL,"
     " emp_no TEXT NOT NULL, wage INTEGER NOT NULL, base_share INTEGER NOT NULL,"
     " PRIMARY KEY(psn_no, month, emp_no)) WITHOUT ROWID;"
     "CREATE INDEX IF NOT EXISTS enrol_wages_emp ON enrol_wages (emp_no);"
     "CREATE TABLE IF NOT EXISTS enrol_bindings(member_psn_no TEXT NOT NULL,"
     " holder_psn_no TEXT NOT NULL, valid_from TEXT NOT NULL, relation TEXT NOT NULL,"
     " revoked_at TEXT NOT NULL, PRIMARY KEY(member_psn_no, holder_psn_no, valid_from)) WITHOUT ROWID;"
     "CREATE INDEX IF NOT EXISTS enrol_bindings_holder ON enrol_bindings (holder_psn_no);"},
    /* payment agreements (issue 17; docs/PAYMENT.md): one yibao-payment/1
     * document per region and year, as imported */
    {15, "payment agreements", NULL,
     "CREATE TABLE IF NOT EXISTS payment_agreements(region TEXT NOT NULL, year INTEGER NOT NULL,"
     " id TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY(region, year)) WITHOUT ROWID;"},
    /* capitation signings (issue 17; docs/PAYMENT.md): a person signed to a
     * primary-care institution from a day to a day */
    {16, "capitation signings", NULL,
     "CREATE TABLE IF NOT EXISTS enrol_signings(fixmedins_code TEXT NOT NULL,"
     " psn_no TEXT NOT NULL, from_date TEXT NOT NULL, to_date TEXT NOT NULL,"
     " PRIMARY KEY(fixmedins_code, psn_no, from_date)) WITHOUT ROWID;"
     "CREATE INDEX IF NOT EXISTS enrol_signings_psn ON enrol_signings (psn_no);"},
    /* residents' benefit start per year (issue 16 item 3; docs/ENROLMENT.md,
     * "Residents"): the packed starts of core/benefit_years.h, 0 for none */
    {17, "per-year benefit starts",
     "SELECT count(*) FROM pragma_table_info('persons') WHERE name = 'benefit_years'",
     "ALTER TABLE persons ADD COLUMN benefit_years INTEGER NOT NULL DEFAULT 0;"},
    /* pharmacies' inventory feeds (issue 18 item 4; 3501-3506, `import
     * inventory`): one row per (institution, transaction, record id), its
     * item, day and quantity (x 1e4); 3507 deletes one */
    {18, "inventory records", NULL,
     "CREATE TABLE IF NOT EXISTS inv_records(fixmedins_code TEXT NOT NULL, infno TEXT NOT NULL,"
     " fixmedins_bchno TEXT NOT NULL, med_list_codg TEXT NOT NULL, day TEXT NOT NULL,"
     " cnt INTEGER NOT NULL, inv_chg_type TEXT NOT NULL, setl_id TEXT NOT NULL,"
     " PRIMARY KEY(fixmedins_code, infno, fixmedins_bchno)) WITHOUT ROWID;"
     "CREATE INDEX IF NOT EXISTS inv_records_bchno ON inv_records (fixmedins_bchno);"},
    /* the catalog's restrictions (issue 18 item 1; docs/RULES.md): the
     * gender an item is for (0 any) and its ages (-1: none), applied inside
     * settlement; rows of an earlier import have none until the catalog is
     * imported again */
    {19, "catalog restrictions",
     "SELECT count(*) FROM pragma_table_info('catalog') WHERE name = 'restrict_gender'",
     "ALTER TABLE catalog ADD COLUMN restrict_gender INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE catalog ADD COLUMN restrict_age_min INTEGER NOT NULL DEFAULT -1;"
     "ALTER TABLE catalog ADD COLUMN restrict_age_max INTEGER NOT NULL DEFAULT -1;"},
    /* each posting keeps its record's business month (store.h, struct
     * posting), so that the fund reports read the postings alone: the
     * table made anew in key order, each month as the reports computed it
     * from the journal (a contribution's period=, a transfer's month=,
     * else the record's local time in this process's zone); -1 for a
     * posting without a record, which check refuses */
    {20, "postings month", NULL, POSTINGS_MONTH_V20_SQL},
    /* the rest of the catalog's restrictions (issue 18, fifteenth session;
     * docs/RULES.md): the levels and settings an item is paid in (bits, 0
     * any), its units a day and a bill (x 1e4, 0 none), the diagnosis
     * prefixes that indicate it and the items it may not be billed with
     * (comma-separated, '' none); rows of an earlier import have none until
     * the catalog is imported again (`check` names the items the last
     * import's kept file restricts and the rows do not) */
    {21, "catalog restrictions: levels, settings, units, indications, exclusive items",
     "SELECT count(*) FROM pragma_table_info('catalog') WHERE name = 'restrict_levels'",
     "ALTER TABLE catalog ADD COLUMN restrict_levels INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE catalog ADD COLUMN restrict_settings INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE catalog ADD COLUMN restrict_units_day INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE catalog ADD COLUMN restrict_units_bill INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE catalog ADD COLUMN restrict_diagnoses TEXT NOT NULL DEFAULT '';"
     "ALTER TABLE catalog ADD COLUMN restrict_exclusive TEXT NOT NULL DEFAULT '';"},
    /* the journal's time breaks (issue 17, sixteenth session): the seq of
     * each record journaled more than the clock slack before the record
     * ahead of it (a simulated time, a clock stepped back), kept by a
     * trigger on every insert whoever writes, so that the period read
     * (store_journal_period) searches each run between two breaks on its
     * own; a store's journal so far is searched once for its breaks */
    {22, "journal_breaks", NULL,
     "CREATE TABLE IF NOT EXISTS journal_breaks(seq INTEGER PRIMARY KEY);"
     "INSERT OR IGNORE INTO journal_breaks(seq) SELECT j.seq FROM journal j"
     " JOIN journal p ON p.seq = j.seq - 1"
     " WHERE j.time_us < p.time_us - " JOURNAL_BREAK_SLACK_US_SQL ";"
     "CREATE TRIGGER IF NOT EXISTS journal_break AFTER INSERT ON journal"
     " WHEN NEW.time_us < (SELECT time_us FROM journal WHERE seq = NEW.seq - 1) - " JOURNAL_BREAK_SLACK_US_SQL
     " BEGIN INSERT OR IGNORE INTO journal_breaks(seq) VALUES (NEW.seq); END;"},
    /* PostgreSQL's storage parameters of the service tables
     * (schema_pg.c's 23); nothing to change in a SQLite file */
    {23, "service tables' storage", NULL, "SELECT 1;"},
};
_Static_assert(sizeof MIGRATIONS / sizeof MIGRATIONS[0] == SCHEMA_VERSION_LATEST,
               "one SQLite migration per version, numbered 1..SCHEMA_VERSION_LATEST");

static const char VERSION_TABLE_SQL[] =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL, applied_s INTEGER NOT NULL)";
static const char HAS_VERSION_TABLE_SQL[] =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'";
static const char VERSION_SQL[] = "SELECT coalesce(max(version), 0) FROM schema_version";
static const char RECORD_SQL[] =
    "INSERT INTO schema_version (version, name, applied_s) VALUES (?1, ?2, ?3)";

/* The one integer a query returns, in *n: 0, or -1 (err names what). */
static int query_int(sqlite3 *db, const char *path, const char *what, const char *sql, long long *n,
                     char *err, size_t size) {
    assert(db != NULL && sql != NULL && n != NULL);
    assert(path != NULL && what != NULL && err != NULL);
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) *n = sqlite3_column_int64(s, 0);
    else snprintf(err, size, "%s: schema: %s: %s", path, what, sqlite3_errmsg(db));
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : -1;
}

int schema_sqlite_version(sqlite3 *db, const char *path, char *err, size_t size) {
    assert(db != NULL && path != NULL);
    long long has = 0, version = 0;
    if (query_int(db, path, "version", HAS_VERSION_TABLE_SQL, &has, err, size) != 0) return -1;
    if (has == 0) return 0;
    if (query_int(db, path, "version", VERSION_SQL, &version, err, size) != 0) return -1;
    assert(version >= 0);
    return version > INT_MAX ? INT_MAX : (int)version;
}

/* A version this binary does not know: -1 with the message. */
static int refuse_newer(const char *path, int version, char *err, size_t size) {
    assert(version > SCHEMA_VERSION_LATEST && path != NULL);
    snprintf(err, size,
             "%s: schema version %d is newer than this yibao knows (%d): "
             "open it with a later release",
             path, version, SCHEMA_VERSION_LATEST);
    return -1;
}

static int exec(sqlite3 *db, const char *path, const char *what, const char *sql, char *err,
                size_t size) {
    assert(db != NULL && sql != NULL && what != NULL);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK) return 0;
    snprintf(err, size, "%s: schema: %s: %s", path, what, msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
}

/* Applies migration m (inside the caller's transaction) and records it. */
static int apply(sqlite3 *db, const char *path, const struct schema_migration *m, char *err,
                 size_t size) {
    assert(m->version >= 1 && m->version <= SCHEMA_VERSION_LATEST);
    assert(!sqlite3_get_autocommit(db)); /* inside the migration's transaction */
    assert(m->name != NULL && m->sql != NULL);
    char what[96];
    snprintf(what, sizeof what, "migration %d (%s)", m->version, m->name);
    long long skip = 0;
    if (m->skip_if != NULL && query_int(db, path, what, m->skip_if, &skip, err, size) != 0)
        return -1;
    if (skip == 0 && exec(db, path, what, m->sql, err, size) != 0) return -1;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, RECORD_SQL, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int(s, 1, m->version);
        sqlite3_bind_text(s, 2, m->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)time(NULL));
        rc = sqlite3_step(s);
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE) return 0;
    snprintf(err, size, "%s: schema: recording %s: %s", path, what, sqlite3_errmsg(db));
    return -1;
}

/* Under the write lock: the version again (another process may have
 * migrated meanwhile), then every missing migration, in order. */
static int migrate_locked(sqlite3 *db, const char *path, char *err, size_t size) {
    assert(db != NULL && path != NULL);
    if (exec(db, path, "schema_version", VERSION_TABLE_SQL, err, size) != 0) return -1;
    int version = schema_sqlite_version(db, path, err, size);
    if (version < 0) return -1;
    if (version > SCHEMA_VERSION_LATEST) return refuse_newer(path, version, err, size);
    for (int v = version + 1; v <= SCHEMA_VERSION_LATEST; v++) {
        assert(MIGRATIONS[v - 1].version == v);
        if (apply(db, path, &MIGRATIONS[v - 1], err, size) != 0) return -1;
    }
    return 0;
}

int schema_sqlite_migrate(sqlite3 *db, const char *path, char *err, size_t size) {
    assert(db != NULL && path != NULL && err != NULL);
    assert(sqlite3_get_autocommit(db)); /* not inside a transaction */
    int version = schema_sqlite_version(db, path, err, size);
    if (version < 0) return -1;
    if (version > SCHEMA_VERSION_LATEST) return refuse_newer(path, version, err, size);
    if (version == SCHEMA_VERSION_LATEST) return 0; /* no write lock: an open beside an import */
    if (exec(db, path, "BEGIN IMMEDIATE", "BEGIN IMMEDIATE", err, size) != 0) return -1;
    if (migrate_locked(db, path, err, size) != 0 ||
        exec(db, path, "COMMIT", "COMMIT", err, size) != 0) {
        if (!sqlite3_get_autocommit(db)) (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    assert(sqlite3_get_autocommit(db)); /* committed */
    return 0;
}

int schema_sqlite_identify(const char *path, enum schema_file_kind *kind, char *err, size_t size) {
    assert(path != NULL && kind != NULL);
    sqlite3 *db = NULL;
    long long id = 0;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK)
        snprintf(err, size, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
    else if (query_int(db, path, "application_id", "PRAGMA application_id", &id, err, size) != 0)
        rc = SQLITE_ERROR;
    sqlite3_close(db);
    if (rc != SQLITE_OK) return -1;
    *kind = id == SCHEMA_SQLITE_APPLICATION_ID ? SCHEMA_FILE_YIBAO
            : id == 0                          ? SCHEMA_FILE_UNSTAMPED
                                               : SCHEMA_FILE_OTHER;
    return 0;
}
