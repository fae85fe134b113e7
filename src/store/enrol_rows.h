/* enrol_rows.h: the enrolment registry's tables and CSV rows (issue 16,
 * item 1; docs/ENROLMENT.md): employers, enrolment episodes, declared
 * wages (and flexible workers' chosen bases), family bindings.
 *
 * Each kind has one table whose columns are the CSV file's (same names),
 * the first `keys` of them its key. enrol_row_parse turns a CSV record
 * into a row with every field checked and written in one canonical form
 * (a month "YYYY-MM", money in fen, a ratio in basis points, an instant
 * "YYYY-MM-DD HH:MM:SS"), so that the same content is the same row
 * whatever its spelling. Pure parsing, no store: enrol_import.c checks a
 * row against the registry (persons and employers named, overlapping
 * episodes, a holder's account) and writes it. */
#ifndef YIBAO_ENROL_ROWS_H
#define YIBAO_ENROL_ROWS_H

#include <stdbool.h>
#include <stdio.h>

#include "store/csv.h"
#include "store/store.h"

#define ENROL_ROWS_MAX 200000 /* rows of one enrolment file */

struct enrol_table {
    const char *what;  /* the import kind: "employers", ... */
    const char *table; /* its SQL table */
    int cols;          /* columns, <= ENROL_COLS_MAX */
    int keys;          /* the first `keys` columns are the key */
    int required;      /* the CSV header must name columns[0..required) */
    const char *names[ENROL_COLS_MAX];
    const char *types; /* per column: 'T' text, 'I' integer */
    /* the columns a scan by who matches (a psn_no or an emp_no) */
    int who_cols[2]; /* -1: none */
};

/* The table of kind; NULL for an unknown name (enrol_kind_of). */
const struct enrol_table *enrol_table(enum enrol_kind kind);
/* The kind named what ("episodes"), or -1. */
int enrol_kind_of(const char *what);

/* Column indexes, in table order. */
enum { EMP_NO, EMP_NAME, EMP_ADMDVS, EMP_STRUGGLING };
enum { EPI_PSN, EPI_INSUTYPE, EPI_FROM, EPI_ADMDVS, EPI_CATEGORY, EPI_TO, EPI_REASON, EPI_END };
enum { WAGE_PSN, WAGE_MONTH, WAGE_EMP, WAGE_WAGE, WAGE_BASE };
enum { BIND_MEMBER, BIND_HOLDER, BIND_FROM, BIND_RELATION, BIND_REVOKED };
enum { SIGN_INST, SIGN_PSN, SIGN_FROM, SIGN_TO };
enum { INV_CODE, INV_INFNO, INV_BCHNO, INV_ITEM, INV_DAY, INV_CNT, INV_CHG, INV_SETL };
#define INV_CNT_SCALED_MAX 100000000000000LL /* 1e10 units, x 1e4 */

/* An inventory row (3501-3506: the service's request and the import's CSV
 * alike) from its columns' texts in table order: the day may be a
 * date-time (its date is kept), cnt a decimal >= 0 of at most 4 decimals
 * kept x 1e4 (0 only for a stock-taking), inv_chg_type only and always
 * for 3502, setl_id only for 3505/3506. NULL, or what is wrong with the
 * column *col. */
const char *inventory_row_make(const char *const text[ENROL_COLS_MAX], struct store_enrol_row *row,
                               int *col);

/* The record (its header mapped by rows_map_header to the table's names
 * into cols) as a row of kind: NULL, or what is wrong with the column
 * *col (an index into the table's names). */
const char *enrol_row_parse(enum enrol_kind kind, const struct csv_reader *r, const int *cols,
                            struct store_enrol_row *row, int *col);
/* Column c of row as the file writes it (money in yuan, a share as a
 * ratio, struggling true or false, a wage row's unused column empty):
 * read again by enrol_row_parse it gives the same row. */
void enrol_field_text(enum enrol_kind kind, const struct store_enrol_row *row, int c, char *out,
                      size_t size);
/* The first column (index) where a and b differ, or -1. */
int enrol_row_diff(enum enrol_kind kind, const struct store_enrol_row *a,
                   const struct store_enrol_row *b);
/* The row's key columns joined by '|' into out. */
void enrol_row_key(enum enrol_kind kind, const struct store_enrol_row *row, char *out, size_t size);
#define ENROL_KEY_BYTES (3 * (CODE_BYTES_MAX + 1) + 24)

/* The backends' SQL of kind, their parameters written "?N" (ph '?',
 * SQLite) or "$N" (ph '$', PostgreSQL): the upsert of one row, and the
 * scan in key order (bytewise: collate_c adds COLLATE "C" to the text
 * keys) of every row, or with who of the rows naming parameter 1.
 * PostgreSQL's sets (one round trip for a batch of the importer's rows):
 * ph 'U', the upsert of many rows, parameter N the text array of column
 * N; ph 'A', the scan of the rows naming any of the text array $1. */
#define ENROL_SQL_BYTES 2048
void enrol_sql_put(enum enrol_kind kind, char ph, char *out, size_t size);
void enrol_sql_scan(enum enrol_kind kind, bool who, char ph, bool collate_c, char *out,
                    size_t size);

/* import.c: the rows of an enrolment file f (base names it in messages)
 * checked and written in the caller's write transaction; *rows read,
 * *changed rows that changed a registered one (they need note),
 * *unchanged rows the same as registered. 0, or -1 with err
 * "FILE:LINE: field: what". */
struct enrol_import_out {
    int64_t rows, changed, unchanged;
};
int enrol_import(struct store *store, enum enrol_kind kind, FILE *f, const char *base,
                 const struct store_import_note *note, struct enrol_import_out *out,
                 struct store_err *err);

#endif
