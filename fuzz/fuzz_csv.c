/* fuzz_csv.c: libFuzzer target for the registry's CSV import path without
 * a store: the CSV reader (src/store/csv.c) over a FILE (fmemopen), the
 * header mapping and the row conversions (src/store/registry_rows.c).
 * The first byte chooses persons (even) or institutions (odd); the rest
 * is the file.
 *
 * Properties: every record has 1..CSV_FIELDS_MAX fields, each a string
 * inside the reader's buffer; record lines never go back; an error says
 * what is wrong; a converted person or institution has its required
 * codes non-empty and NUL-terminated within their sizes, a birth date of
 * ten characters, a balance in [0, AMOUNT_FEN_MAX], and a pharmacy (only)
 * at level pharmacy. A refused field names a known column. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "store/registry_rows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_csv: property violated: %s\n", what);
        abort();
    }
}

static bool terminated(const char *text, size_t size) { return memchr(text, '\0', size) != NULL; }

static void check_record(const struct csv_reader *r, int64_t *last_line) {
    check(r->field_count >= 1 && r->field_count <= CSV_FIELDS_MAX, "field count in range");
    for (int f = 0; f < r->field_count; f++) {
        const char *p = r->fields[f];
        check(p >= r->buf && p < r->buf + sizeof r->buf, "field inside the buffer");
        check(terminated(p, (size_t)(r->buf + sizeof r->buf - p)), "field terminated");
    }
    check(r->line >= *last_line && r->line >= 1, "lines never go back");
    *last_line = r->line;
}

static void check_person(const struct store_person *p) {
    check(terminated(p->psn_no, sizeof p->psn_no) && p->psn_no[0] != '\0', "psn_no");
    check(terminated(p->region, sizeof p->region) && p->region[0] != '\0', "region");
    check(terminated(p->certno, sizeof p->certno) && terminated(p->name, sizeof p->name), "texts");
    check(strlen(p->birth_date) == 10, "birth date of ten characters");
    check(p->acct_open_fen >= 0 && p->acct_open_fen <= AMOUNT_FEN_MAX, "balance in range");
}

static void check_institution(const struct store_institution *x) {
    check(terminated(x->code, sizeof x->code) && x->code[0] != '\0', "fixmedins_code");
    check(terminated(x->region, sizeof x->region) && x->region[0] != '\0', "admdvs");
    check((x->type == INSTITUTION_PHARMACY) == (x->level == LEVEL_NONE), "pharmacy iff no level");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    bool persons = (data[0] & 1) == 0;
    FILE *f = fmemopen((void *)(data + 1), size - 1, "r");
    if (f == NULL) return 0;
    static struct csv_reader r; /* about 8 KiB: not on the stack */
    csv_init(&r, f);
    int64_t last_line = 0;
    int cols[PC_COUNT > IC_COUNT ? PC_COUNT : IC_COUNT];
    int rc = csv_next(&r);
    if (rc == 1) {
        check_record(&r, &last_line);
        const char *missing = persons
                                  ? rows_map_header(&r, ROWS_PERSON_COLS, PC_COUNT, PC_STATUS, cols)
                                  : rows_map_header(&r, ROWS_INST_COLS, IC_COUNT, IC_UNTIL, cols);
        while (missing == NULL && (rc = csv_next(&r)) == 1) {
            check_record(&r, &last_line);
            int col = -1;
            if (persons) {
                struct store_person p;
                if (rows_person(&r, cols, &p, &col) == NULL) check_person(&p);
                else check(col >= 0 && col < PC_COUNT, "a refused person names a column");
            } else {
                struct store_institution x;
                if (rows_institution(&r, cols, &x, &col) == NULL) check_institution(&x);
                else check(col >= 0 && col < IC_COUNT, "a refused institution names a column");
            }
        }
    }
    if (rc < 0) check(r.err[0] != '\0', "an error says what");
    fclose(f);
    return 0;
}
