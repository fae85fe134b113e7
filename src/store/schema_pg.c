/* schema_pg.c: the PostgreSQL migrations of a yibao database (the store's
 * tables and the service's), in order, and the function that applies the
 * missing ones at open under a transaction-level advisory lock (schema.h;
 * docs/STORE.md, "Schema versions"). */
#include <assert.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/pgconn.h"
#include "store/schema.h"
#include "store/store_columns.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define SCHEMA_PG_INT_BYTES 24 /* an integer as text */

/* Migration 1: the tables of the release that introduced versions (the
 * store's, then the service's); on a database of an earlier release,
 * whose tables exist, it creates what is missing. */
static const char TABLES_SQL[] =
    "CREATE TABLE IF NOT EXISTS persons(psn_no TEXT PRIMARY KEY, certno TEXT NOT NULL,"
    " name TEXT NOT NULL, gender TEXT NOT NULL, birth_date TEXT NOT NULL, insutype INTEGER NOT NULL,"
    " category INTEGER NOT NULL, flags INTEGER NOT NULL, region TEXT NOT NULL,"
    " benefit_start BIGINT NOT NULL, acct_open BIGINT NOT NULL, status INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS institutions(code TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " type INTEGER NOT NULL, level INTEGER NOT NULL, region TEXT NOT NULL, status INTEGER NOT NULL,"
    " suspended_until BIGINT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS policies(region TEXT NOT NULL, year INTEGER NOT NULL,"
    " insutype INTEGER NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL,"
    " PRIMARY KEY(region, year, insutype));"
    "CREATE TABLE IF NOT EXISTS catalog(code TEXT PRIMARY KEY, class INTEGER NOT NULL,"
    " prepay_bp INTEGER NOT NULL, cap_price BIGINT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS journal(seq BIGINT PRIMARY KEY, time_us BIGINT NOT NULL,"
    " kind INTEGER NOT NULL, msgid TEXT NOT NULL UNIQUE, psn_no TEXT NOT NULL,"
    " fixmedins_code TEXT NOT NULL, ref_seq BIGINT NOT NULL, year INTEGER NOT NULL,"
    " req_hash TEXT NOT NULL, body TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
    "CREATE UNIQUE INDEX IF NOT EXISTS journal_revoke ON journal(ref_seq) WHERE kind = 2;"
    "CREATE TABLE IF NOT EXISTS states(psn_no TEXT NOT NULL, year INTEGER NOT NULL,"
    " admissions INTEGER NOT NULL," STATE_MONEY_DDL(
        "BIGINT") " special TEXT NOT NULL, PRIMARY KEY(psn_no, year));"
                  "CREATE TABLE IF NOT EXISTS postings(seq BIGINT NOT NULL, idx INTEGER NOT NULL,"
                  " debit TEXT NOT NULL, credit TEXT NOT NULL, amount BIGINT NOT NULL CHECK (amount > 0),"
                  " PRIMARY KEY(seq, idx));"
                  "CREATE TABLE IF NOT EXISTS accounts(account TEXT PRIMARY KEY, balance BIGINT NOT NULL);"
                  "CREATE TABLE IF NOT EXISTS checkpoint(id INTEGER PRIMARY KEY CHECK (id = 1),"
                  " seq BIGINT NOT NULL);"
                  "CREATE TABLE IF NOT EXISTS svc_credential (paasid TEXT PRIMARY KEY, token TEXT NOT NULL,"
                  " fixmedins_code TEXT NOT NULL, status TEXT NOT NULL);"
                  "CREATE TABLE IF NOT EXISTS svc_answer (code TEXT NOT NULL, msgid TEXT NOT NULL,"
                  " infno TEXT NOT NULL, answer TEXT NOT NULL, time_s BIGINT NOT NULL, PRIMARY KEY (code, msgid));"
                  "CREATE TABLE IF NOT EXISTS svc_signin (sign_no BIGSERIAL PRIMARY KEY, code TEXT NOT NULL,"
                  " opter_no TEXT NOT NULL, time_s BIGINT NOT NULL);"
                  "CREATE INDEX IF NOT EXISTS svc_signin_time ON svc_signin (time_s);"
                  "CREATE TABLE IF NOT EXISTS svc_signout (sign_no BIGINT PRIMARY KEY, opter_no TEXT NOT NULL,"
                  " time_s BIGINT NOT NULL);"
                  "CREATE TABLE IF NOT EXISTS svc_visit (id BIGSERIAL PRIMARY KEY, kind INTEGER NOT NULL,"
                  " status INTEGER NOT NULL, code TEXT NOT NULL, psn_no TEXT NOT NULL, insutype INTEGER NOT NULL,"
                  " med_type TEXT NOT NULL, begntime BIGINT NOT NULL, endtime BIGINT NOT NULL,"
                  " dise_codg TEXT NOT NULL, spec_dise_codg TEXT NOT NULL, out_of_area INTEGER NOT NULL,"
                  " filed INTEGER NOT NULL, ipt_otp_no TEXT NOT NULL, setl_id BIGINT NOT NULL);"
                  "CREATE TABLE IF NOT EXISTS svc_fee (ord BIGSERIAL, visit_id BIGINT NOT NULL, sn TEXT NOT NULL,"
                  " codg TEXT NOT NULL, cnt BIGINT NOT NULL, pric BIGINT NOT NULL, amount BIGINT NOT NULL,"
                  " ocur BIGINT NOT NULL, setl_id BIGINT NOT NULL, PRIMARY KEY (visit_id, sn));"
                  "CREATE TABLE IF NOT EXISTS svc_setl (setl_id BIGINT PRIMARY KEY, visit_id BIGINT NOT NULL,"
                  " msgid TEXT NOT NULL UNIQUE);"
                  "CREATE TABLE IF NOT EXISTS svc_nonce_batch (id BIGSERIAL PRIMARY KEY,"
                  " max_ts BIGINT NOT NULL, nonces TEXT NOT NULL);"
                  "CREATE INDEX IF NOT EXISTS svc_nonce_batch_ts ON svc_nonce_batch (max_ts);";

/* Migration 20: each posting keeps its record's business month
 * (schema_sqlite.c's 20); the local time is the session's TimeZone (the
 * server's, or the client's PGTZ). A posting without a record keeps -1,
 * which check refuses. */
/* clang-format off */ /* the statement's clauses a line each */
static const char POSTINGS_MONTH_V20_SQL[] =
    "ALTER TABLE postings ADD COLUMN IF NOT EXISTS month INTEGER NOT NULL DEFAULT -1;"
    "UPDATE postings p SET month = "
    POSTINGS_MONTH_SQL("strpos", "extract(year FROM to_timestamp(j.time_us / 1000000))",
                       "extract(month FROM to_timestamp(j.time_us / 1000000))")
    " FROM journal j WHERE j.seq = p.seq;";
/* clang-format on */

/* The ordered migrations: append only; a released step is never edited.
 * The same numbers and names as schema_sqlite.c's. */
static const struct schema_migration MIGRATIONS[] = {
    {1, "tables", NULL, TABLES_SQL},
    /* an svc_answer of a release before answers were pruned gets its time
     * column, its answers dated now (kept the full time from the upgrade) */
    {2, "svc_answer time_s",
     "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema()"
     " AND table_name = 'svc_answer' AND column_name = 'time_s'",
     "ALTER TABLE svc_answer ADD COLUMN time_s BIGINT NOT NULL DEFAULT 0;"
     "UPDATE svc_answer SET time_s = floor(extract(epoch FROM now()))::bigint;"},
    {3, "svc_answer_live index", NULL,
     "CREATE INDEX IF NOT EXISTS svc_answer_live ON svc_answer (time_s) WHERE answer <> '';"},
    /* a release before packed nonces kept one row per nonce in svc_nonce:
     * its rows become packed rows (nonce_pack.c's form), one per timestamp
     * second so that none grows without bound; then it goes */
    {4, "svc_nonce packed", "SELECT (to_regclass('svc_nonce') IS NULL)::int",
     "INSERT INTO svc_nonce_batch (max_ts, nonces) SELECT ts, string_agg(ts::text || ' ' ||"
     " encode(convert_to(paasid, 'UTF8'), 'hex') || ' ' || encode(convert_to(nonce, 'UTF8'), 'hex'),"
     " E'\\n') FROM svc_nonce GROUP BY ts ORDER BY ts; DROP TABLE svc_nonce;"},
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
     "ALTER TABLE svc_credential ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0;"
     "ALTER TABLE svc_credential ADD COLUMN key_id TEXT NOT NULL DEFAULT '';"
     "ALTER TABLE svc_credential ADD COLUMN hmac_required INTEGER NOT NULL DEFAULT 0;"
     "CREATE TABLE IF NOT EXISTS svc_audit (id BIGSERIAL PRIMARY KEY, time_s BIGINT NOT NULL,"
     " paasid TEXT NOT NULL, code TEXT NOT NULL, infno TEXT NOT NULL, msgid TEXT NOT NULL,"
     " psn_no TEXT NOT NULL, outcome TEXT NOT NULL);"
     "CREATE INDEX IF NOT EXISTS svc_audit_psn ON svc_audit (psn_no, time_s);"},
    /* data a journal record carries and its hash covers: a settlement's
     * bill (check --deep settles it again), an imported policy, catalog or
     * institutions file (the registry of the settlement's time) */
    {9, "journal_data", NULL,
     "CREATE TABLE IF NOT EXISTS journal_data (seq bigint PRIMARY KEY, data bytea NOT NULL);"},
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
     " begndate TEXT NOT NULL, enddate TEXT NOT NULL, time_s BIGINT NOT NULL,"
     " PRIMARY KEY (code, list_type, hilist_id));"},
    /* policies versioned by the day they are in force (valid_from): the key
     * gains it; a policy of before is in force from its year's first day */
    {13, "policies valid_from", NULL,
     "ALTER TABLE policies ADD COLUMN valid_from TEXT;"
     "UPDATE policies SET valid_from = lpad(year::text, 4, '0') || '-01-01';"
     "ALTER TABLE policies ALTER COLUMN valid_from SET NOT NULL;"
     "ALTER TABLE policies DROP CONSTRAINT policies_pkey;"
     "ALTER TABLE policies ADD PRIMARY KEY (region, year, insutype, valid_from);"},
    /* the enrolment registry (issue 16; docs/ENROLMENT.md): employers,
     * enrolment episodes, declared wages and flexible bases, family bindings */
    {14, "enrolment registry", NULL,
     "CREATE TABLE IF NOT EXISTS enrol_employers(emp_no TEXT PRIMARY KEY, emp_name TEXT NOT NULL,"
     " admdvs TEXT NOT NULL, struggling INTEGER NOT NULL);"
     "CREATE TABLE IF NOT EXISTS enrol_episodes(psn_no TEXT NOT NULL, insutype INTEGER NOT NULL,"
     " from_month TEXT NOT NULL, admdvs TEXT NOT NULL, category TEXT NOT NULL,"
     " to_month TEXT NOT NULL, reason TEXT NOT NULL, end_reason TEXT NOT NULL,"
     " PRIMARY KEY(psn_no, insutype, from_month));"
     "CREATE TABLE IF NOT EXISTS enrol_wages(psn_no TEXT NOT NULL, month TEXT NOT NULL,"
     " emp_no TEXT NOT NULL, wage BIGINT NOT NULL, base_share INTEGER NOT NULL,"
     " PRIMARY KEY(psn_no, month, emp_no));"
     "CREATE INDEX IF NOT EXISTS enrol_wages_emp ON enrol_wages (emp_no);"
     "CREATE TABLE IF NOT EXISTS enrol_bindings(member_psn_no TEXT NOT NULL,"
     " holder_psn_no TEXT NOT NULL, valid_from TEXT NOT NULL, relation TEXT NOT NULL,"
     " revoked_at TEXT NOT NULL, PRIMARY KEY(member_psn_no, holder_psn_no, valid_from));"
     "CREATE INDEX IF NOT EXISTS enrol_bindings_holder ON enrol_bindings (holder_psn_no);"},
    /* payment agreements (issue 17; docs/PAYMENT.md): one yibao-payment/1
     * document per region and year, as imported */
    {15, "payment agreements", NULL,
     "CREATE TABLE IF NOT EXISTS payment_agreements(region TEXT NOT NULL, year INTEGER NOT NULL,"
     " id TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY(region, year));"},
    /* capitation signings (issue 17; docs/PAYMENT.md): a person signed to a
     * primary-care institution from a day to a day */
    {16, "capitation signings", NULL,
     "CREATE TABLE IF NOT EXISTS enrol_signings(fixmedins_code TEXT NOT NULL,"
     " psn_no TEXT NOT NULL, from_date TEXT NOT NULL, to_date TEXT NOT NULL,"
     " PRIMARY KEY(fixmedins_code, psn_no, from_date));"
     "CREATE INDEX IF NOT EXISTS enrol_signings_psn ON enrol_signings (psn_no);"},
    /* residents' benefit start per year (issue 16 item 3; docs/ENROLMENT.md,
     * "Residents"): the packed starts of core/benefit_years.h, 0 for none */
    {17, "per-year benefit starts", NULL,
     "ALTER TABLE persons ADD COLUMN IF NOT EXISTS benefit_years BIGINT NOT NULL DEFAULT 0;"},
    /* pharmacies' inventory feeds (issue 18 item 4; 3501-3506, `import
     * inventory`): one row per (institution, transaction, record id), its
     * item, day and quantity (x 1e4); 3507 deletes one */
    {18, "inventory records", NULL,
     "CREATE TABLE IF NOT EXISTS inv_records(fixmedins_code TEXT NOT NULL, infno TEXT NOT NULL,"
     " fixmedins_bchno TEXT NOT NULL, med_list_codg TEXT NOT NULL, day TEXT NOT NULL,"
     " cnt BIGINT NOT NULL, inv_chg_type TEXT NOT NULL, setl_id TEXT NOT NULL,"
     " PRIMARY KEY(fixmedins_code, infno, fixmedins_bchno));"
     "CREATE INDEX IF NOT EXISTS inv_records_bchno ON inv_records (fixmedins_bchno);"},
    /* the catalog's restrictions (issue 18 item 1; docs/RULES.md): the
     * gender an item is for (0 any) and its ages (-1: none) */
    {19, "catalog restrictions", NULL,
     "ALTER TABLE catalog ADD COLUMN IF NOT EXISTS restrict_gender INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE catalog ADD COLUMN IF NOT EXISTS restrict_age_min INTEGER NOT NULL DEFAULT -1;"
     "ALTER TABLE catalog ADD COLUMN IF NOT EXISTS restrict_age_max INTEGER NOT NULL DEFAULT -1;"},
    {20, "postings month", NULL, POSTINGS_MONTH_V20_SQL},
    /* the rest of the catalog's restrictions (issue 18, fifteenth session;
     * docs/RULES.md): the levels and settings an item is paid in (bits, 0
     * any), its units a day and a bill (x 1e4, 0 none), the diagnosis
     * prefixes that indicate it and the items it may not be billed with
     * (comma-separated, '' none); rows of an earlier import have none until
     * the catalog is imported again (`check` names the items the last
     * import's kept file restricts and the rows do not) */
    {21, "catalog restrictions: levels, settings, units, indications, exclusive items", NULL,
     "ALTER TABLE catalog ADD COLUMN IF NOT EXISTS restrict_levels INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE catalog ADD COLUMN IF NOT EXISTS restrict_settings INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE catalog ADD COLUMN IF NOT EXISTS restrict_units_day BIGINT NOT NULL DEFAULT 0;"
     "ALTER TABLE catalog ADD COLUMN IF NOT EXISTS restrict_units_bill BIGINT NOT NULL DEFAULT 0;"
     "ALTER TABLE catalog ADD COLUMN IF NOT EXISTS restrict_diagnoses TEXT NOT NULL DEFAULT '';"
     "ALTER TABLE catalog ADD COLUMN IF NOT EXISTS restrict_exclusive TEXT NOT NULL DEFAULT '';"},
    /* the journal's time breaks (schema_sqlite.c's migration 22); on
     * PostgreSQL kept by the journal's append (store_pg.c, pg_breaks_note),
     * not by a trigger, whose transition table of each batch's rows cost
     * the server a fifth more CPU a settlement */
    {22, "journal_breaks", NULL,
     "CREATE TABLE IF NOT EXISTS journal_breaks(seq BIGINT PRIMARY KEY);"
     "INSERT INTO journal_breaks(seq) SELECT j.seq FROM journal j"
     " JOIN journal p ON p.seq = j.seq - 1"
     " WHERE j.time_us < p.time_us - " JOURNAL_BREAK_SLACK_US_SQL " ON CONFLICT DO NOTHING;"},
    /* the visit flow's storage (issue 14, nineteenth session): a fee line's
     * settlement mark (svc_fee.setl_id, not indexed) an update on the
     * line's own page when the page has room (a HOT update: no new index
     * entry), so pages kept 30 % free; a kept answer compressed by lz4,
     * a few times cheaper than pglz, where the server has it (else as
     * before: a server built without lz4 says feature_not_supported, one
     * before 14 knows no COMPRESSION clause; any other error fails the
     * migration). Both apply to pages and values written from here on. */
    {23, "service tables' storage", NULL,
     "ALTER TABLE svc_fee SET (fillfactor = 70);"
     "DO $$ BEGIN EXECUTE 'ALTER TABLE svc_answer ALTER COLUMN answer SET COMPRESSION lz4';"
     " EXCEPTION WHEN feature_not_supported OR syntax_error THEN NULL; END $$;"},
};
_Static_assert(sizeof MIGRATIONS / sizeof MIGRATIONS[0] == SCHEMA_VERSION_LATEST,
               "one PostgreSQL migration per version, numbered 1..SCHEMA_VERSION_LATEST");

static const char VERSION_TABLE_SQL[] =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL, applied_s BIGINT NOT NULL)";
static const char HAS_VERSION_TABLE_SQL[] =
    "SELECT (to_regclass('schema_version') IS NOT NULL)::int";
static const char VERSION_SQL[] = "SELECT coalesce(max(version), 0) FROM schema_version";
static const char RECORD_SQL[] =
    "INSERT INTO schema_version (version, name, applied_s) VALUES ($1, $2, $3)";
static const char LOCK_SQL[] = "SELECT pg_advisory_xact_lock(" STR(SCHEMA_PG_LOCK_KEY) ")";

/* Runs sql (text parameters); -1 with err naming what, unless it succeeded. */
static int run(PGconn *pg, const char *what, const char *sql, int n, const char *const *params,
               long long *out, char *err, size_t size) {
    assert(pg != NULL && sql != NULL && what != NULL && err != NULL);
    assert(n >= 0 && (params != NULL || n == 0));
    PGresult *res = n > 0 ? PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0) : PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(res);
    bool ok = st == PGRES_COMMAND_OK ||
              (st == PGRES_TUPLES_OK && (out == NULL || PQntuples(res) == 1));
    if (ok && out != NULL) *out = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    if (!ok) {
        snprintf(err, size, "postgresql: schema: %s: %s", what, PQresultErrorMessage(res));
        pgconn_trim(err);
    }
    PQclear(res);
    return ok ? 0 : -1;
}

int schema_pg_version(PGconn *pg, char *err, size_t size) {
    assert(pg != NULL && err != NULL);
    long long has = 0, version = 0;
    if (run(pg, "schema_version", HAS_VERSION_TABLE_SQL, 0, NULL, &has, err, size) != 0) return -1;
    if (has == 0) return 0;
    if (run(pg, "schema_version", VERSION_SQL, 0, NULL, &version, err, size) != 0) return -1;
    assert(version >= 0);
    return version > INT_MAX ? INT_MAX : (int)version;
}

static int refuse_newer(int version, char *err, size_t size) {
    assert(version > SCHEMA_VERSION_LATEST && err != NULL);
    snprintf(err, size,
             "postgresql: schema version %d is newer than this yibao knows (%d): "
             "open it with a later release",
             version, SCHEMA_VERSION_LATEST);
    return -1;
}

/* Applies migration m (inside the caller's transaction) and records it. */
static int apply(PGconn *pg, const struct schema_migration *m, char *err, size_t size) {
    assert(m->version >= 1 && m->version <= SCHEMA_VERSION_LATEST);
    assert(PQtransactionStatus(pg) == PQTRANS_INTRANS); /* inside the migration's transaction */
    assert(m->name != NULL && m->sql != NULL);
    char what[96], number[SCHEMA_PG_INT_BYTES], now[SCHEMA_PG_INT_BYTES];
    snprintf(what, sizeof what, "migration %d (%s)", m->version, m->name);
    long long skip = 0;
    if (m->skip_if != NULL && run(pg, what, m->skip_if, 0, NULL, &skip, err, size) != 0) return -1;
    if (skip == 0 && run(pg, what, m->sql, 0, NULL, NULL, err, size) != 0) return -1;
    snprintf(number, sizeof number, "%d", m->version);
    snprintf(now, sizeof now, "%lld", (long long)time(NULL));
    const char *params[3] = {number, m->name, now};
    return run(pg, what, RECORD_SQL, 3, params, NULL, err, size);
}

/* Under the lock: the version again (another process may have migrated
 * meanwhile), then every missing migration, in order. */
static int migrate_locked(PGconn *pg, char *err, size_t size) {
    assert(pg != NULL && err != NULL);
    if (run(pg, "lock", LOCK_SQL, 0, NULL, NULL, err, size) != 0 ||
        run(pg, "schema_version", VERSION_TABLE_SQL, 0, NULL, NULL, err, size) != 0)
        return -1;
    int version = schema_pg_version(pg, err, size);
    if (version < 0) return -1;
    if (version > SCHEMA_VERSION_LATEST) return refuse_newer(version, err, size);
    for (int v = version + 1; v <= SCHEMA_VERSION_LATEST; v++) {
        assert(MIGRATIONS[v - 1].version == v);
        if (apply(pg, &MIGRATIONS[v - 1], err, size) != 0) return -1;
    }
    return 0;
}

int schema_pg_migrate(PGconn *pg, char *err, size_t size) {
    assert(pg != NULL && err != NULL);
    assert(PQtransactionStatus(pg) == PQTRANS_IDLE); /* not inside a transaction */
    int version = schema_pg_version(pg, err, size);
    if (version < 0) return -1;
    if (version > SCHEMA_VERSION_LATEST) return refuse_newer(version, err, size);
    if (version == SCHEMA_VERSION_LATEST) return 0; /* no lock: an open beside a long write */
    if (run(pg, "BEGIN", "BEGIN", 0, NULL, NULL, err, size) != 0) return -1;
    if (migrate_locked(pg, err, size) != 0 ||
        run(pg, "COMMIT", "COMMIT", 0, NULL, NULL, err, size) != 0) {
        PQclear(PQexec(pg, "ROLLBACK"));
        return -1;
    }
    assert(PQtransactionStatus(pg) == PQTRANS_IDLE); /* committed */
    return 0;
}
