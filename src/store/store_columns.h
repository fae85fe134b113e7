/* store_columns.h: the column lists both SQL backends select and insert, in
 * one place so that SQLite and PostgreSQL read and write rows alike. */
#ifndef YIBAO_STORE_COLUMNS_H
#define YIBAO_STORE_COLUMNS_H

#include "core/state.h"

#define JOURNAL_COLS                                                                    \
    "seq, time_us, kind, msgid, psn_no, fixmedins_code, ref_seq, year, req_hash, body," \
    " prev_hash, hash"
/* JOURNAL_COLS as the replay reads them (journal_replay_scan): the same
 * twelve columns, msgid and the hashes as empty text. */
#define JOURNAL_REPLAY_COLS \
    "seq, time_us, kind, '', psn_no, fixmedins_code, ref_seq, year, '', body, '', ''"
#define CREDENTIAL_COLS \
    "paasid, token, fixmedins_code, status, token_version, key_id, hmac_required"
#define PERSON_COLS_V16                                                            \
    "psn_no, certno, name, gender, birth_date, insutype, category, flags, region," \
    " benefit_start, acct_open, status"
#define PERSON_COLS PERSON_COLS_V16 ", benefit_years"
/* What a read-only connection selects from a store older than migration 17
 * (no per-year starts: 0), which it never migrates. */
#define PERSON_SELECT_V16 PERSON_COLS_V16 ", 0"

/* The catalog's restrictions of migration 21, after restrict_age_max. */
#define CATALOG_RESTRICT_V21                                                       \
    "restrict_levels, restrict_settings, restrict_units_day, restrict_units_bill," \
    " restrict_diagnoses, restrict_exclusive"

/* Table states: psn_no, year, admissions, a column per STORED row of
 * YEAR_STATE_FIELDS (core/state.h) in its order, special. A row's `where`
 * picks its text by pasting: STATE_COL_STORED(name) or STATE_COL_LEDGER. */
#define STATE_COL_(unused, name, where) STATE_COL_##where(name)
#define STATE_COL_STORED(name) ", " #name
#define STATE_COL_LEDGER(name)
#define STATE_COLS "psn_no, year, admissions" YEAR_STATE_FIELDS(STATE_COL_, ~) ", special"

/* How many rows are columns, and the index of column special (0-based). */
#define STATE_COUNT_(unused, name, where) STATE_COUNT_##where
#define STATE_COUNT_STORED +1
#define STATE_COUNT_LEDGER
enum {
    STATE_STORED_COUNT = 0 YEAR_STATE_FIELDS(STATE_COUNT_, ~),
    STATE_SPECIAL_COL = 3 + STATE_STORED_COUNT
};

/* Column definitions for CREATE TABLE states, `type` the SQL integer type:
 * " basic_paid INTEGER NOT NULL," and so on. */
#define STATE_DDL_(type, name, where) STATE_DDL_##where(type, name)
#define STATE_DDL_STORED(type, name) " " #name " " type " NOT NULL,"
#define STATE_DDL_LEDGER(type, name)
#define STATE_MONEY_DDL(type) YEAR_STATE_FIELDS(STATE_DDL_, type)

/* "name = excluded.name," per stored row, for upserts of states. */
#define STATE_SET_(unused, name, where) STATE_SET_##where(name)
#define STATE_SET_STORED(name) " " #name " = excluded." #name ","
#define STATE_SET_LEDGER(name)
#define STATE_MONEY_SET YEAR_STATE_FIELDS(STATE_SET_, ~)

/* "?," per stored row (SQLite placeholders). */
#define STATE_QMARK_(unused, name, where) STATE_QMARK_##where
#define STATE_QMARK_STORED "?,"
#define STATE_QMARK_LEDGER
#define STATE_MONEY_QMARKS YEAR_STATE_FIELDS(STATE_QMARK_, ~)

/* The checkpoint seq (NULL when never written) and the journal tail (NULL
 * when empty) in one round trip; see checkpoint.h. */
#define CHECKPOINT_GET_SQL \
    "SELECT (SELECT seq FROM checkpoint WHERE id = 1), (SELECT max(seq) FROM journal)"
/* The registry's generation: the seq of the last import (or registry
 * edit), found through the partial index journal_import. 0: none. */
#define REGISTRY_GEN_SQL "SELECT coalesce(max(seq), 0) FROM journal WHERE kind = 3"
/* the last import record of one kind of file (its body starts "what=KIND "), 0: none */
#define LAST_IMPORT_SQL \
    "SELECT coalesce(max(seq), 0) FROM journal WHERE kind = 3 AND substr(body, 1, length($1)) = $1"
#define REGISTRY_GEN_INDEX_SQL \
    "CREATE INDEX IF NOT EXISTS journal_import ON journal(seq) WHERE kind = 3;"
#define CHECKPOINT_PUT_SQL \
    "INSERT INTO checkpoint(id, seq) VALUES(1, $1) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq"

#endif
