/* store_columns.h: the column lists both SQL backends select and insert, in
 * one place so that SQLite and PostgreSQL read and write rows alike. */
#ifndef YIBAO_STORE_COLUMNS_H
#define YIBAO_STORE_COLUMNS_H

#define JOURNAL_COLS                                                                          \
    "seq, time_us, kind, msgid, psn_no, fixmedins_code, ref_seq, year, req_hash, body,"      \
    " prev_hash, hash"
#define PERSON_COLS                                                                           \
    "psn_no, certno, name, gender, birth_date, insutype, category, flags, region,"          \
    " benefit_start, acct_open, status"
#define STATE_COLS                                                                            \
    "psn_no, year, admissions, basic_paid, general_paid, general_ded_used, special_ded_used," \
    " over_cap_paid, cat_burden, cat_paid, maf_paid, special"

/* The checkpoint seq (NULL when never written) and the journal tail (NULL
 * when empty) in one round trip; see checkpoint.h. */
#define CHECKPOINT_GET_SQL                                                                    \
    "SELECT (SELECT seq FROM checkpoint WHERE id = 1), (SELECT max(seq) FROM journal)"
/* The registry's generation: the seq of the last import (or registry
 * edit), found through the partial index journal_import. 0: none. */
#define REGISTRY_GEN_SQL "SELECT coalesce(max(seq), 0) FROM journal WHERE kind = 3"
#define REGISTRY_GEN_INDEX_SQL "CREATE INDEX IF NOT EXISTS journal_import ON journal(seq) WHERE kind = 3;"
#define CHECKPOINT_PUT_SQL                                                                    \
    "INSERT INTO checkpoint(id, seq) VALUES(1, $1) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq"

#endif
