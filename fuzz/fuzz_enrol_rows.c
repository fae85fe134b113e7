/* fuzz_enrol_rows.c: libFuzzer target for the enrolment files' rows
 * without a store (src/store/enrol_rows.c, docs/ENROLMENT.md): the CSV
 * reader over a FILE (fmemopen), the header mapped to the kind's columns,
 * every record checked. The first byte chooses the kind (employers,
 * episodes, wages, bindings, signings, inventory: the pharmacies' feeds,
 * whose rows the service's 3501-3506 make by the same checker,
 * inventory_row_make); the rest is the file.
 *
 * Properties: a refused field names one of the kind's columns; an accepted
 * row's columns are NUL-terminated, its key columns non-empty, and it is
 * canonical: written back as a CSV record in the table's column order
 * (enrol_field_text) and
 * read again it is accepted as the same row (so the same content is the
 * same row, whatever its spelling); the SQL made for the kind fits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/enrol_rows.h"
#include "store/registry_rows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_enrol_rows: property violated: %s\n", what);
        abort();
    }
}

/* The row as a CSV record (every field quoted) read again. */
static void check_canonical(enum enrol_kind kind, const struct store_enrol_row *row) {
    const struct enrol_table *t = enrol_table(kind);
    char text[ENROL_COLS_MAX * (2 * NAME_BYTES_MAX + 4) + 2];
    size_t len = 0;
    for (int c = 0; c < t->cols; c++) {
        char field[NAME_BYTES_MAX + 1];
        enrol_field_text(kind, row, c, field, sizeof field);
        text[len++] = '"';
        for (const char *p = field; *p; p++) {
            if (*p == '"') text[len++] = '"';
            text[len++] = *p;
        }
        text[len++] = '"';
        text[len++] = c + 1 < t->cols ? ',' : '\n';
    }
    text[len] = '\0';
    struct csv_reader *r = malloc(sizeof *r);
    check(r != NULL, "memory");
    int cols[ENROL_COLS_MAX], col = 0;
    for (int c = 0; c < ENROL_COLS_MAX; c++) cols[c] = c < t->cols ? c : -1;
    struct store_enrol_row again;
    check(csv_parse_string(r, text) == 1, "the row written back is a record");
    const char *why = enrol_row_parse(kind, r, cols, &again, &col);
    if (why != NULL) fprintf(stderr, "again: %s: %s (%s)\n", t->names[col], why, text);
    check(why == NULL, "the row written back is accepted");
    check(enrol_row_diff(kind, row, &again) < 0, "the row written back is the same row");
    free(r);
}

static void check_row(enum enrol_kind kind, const struct store_enrol_row *row) {
    const struct enrol_table *t = enrol_table(kind);
    for (int c = 0; c < ENROL_COLS_MAX; c++)
        check(memchr(row->col[c], '\0', sizeof row->col[c]) != NULL, "column terminated");
    check(row->col[0][0] != '\0', "first key column non-empty");
    for (int c = 0; c < t->cols; c++)
        check(t->types[c] != 'I' || row->col[c][0] != '\0', "integer column non-empty");
    check_canonical(kind, row);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    enum enrol_kind kind = (enum enrol_kind)(data[0] % ENROL_KIND_COUNT);
    const struct enrol_table *t = enrol_table(kind);
    char sql[ENROL_SQL_BYTES];
    enrol_sql_put(kind, '$', sql, sizeof sql);
    enrol_sql_scan(kind, true, '$', true, sql, sizeof sql);
    FILE *f = fmemopen((void *)(data + 1), size - 1, "r");
    if (f == NULL) return 0;
    struct csv_reader *r = malloc(sizeof *r);
    check(r != NULL, "memory");
    csv_init(r, f);
    int cols[ENROL_COLS_MAX];
    if (csv_next(r) == 1 && rows_map_header(r, t->names, t->cols, t->required, cols) == NULL) {
        for (int c = t->cols; c < ENROL_COLS_MAX; c++) cols[c] = -1;
        while (csv_next(r) == 1) {
            struct store_enrol_row row;
            int col = -1;
            const char *why = enrol_row_parse(kind, r, cols, &row, &col);
            if (why != NULL) check(col >= 0 && col < t->cols && why[0] != '\0', "refusal names");
            else check_row(kind, &row);
        }
    }
    free(r);
    fclose(f);
    return 0;
}
