/* registry_rows.h: the registry's CSV rows, from a csv_reader record to
 * the store's structs (registry_rows.c). Column names are the interface's
 * (docs/DATA_FORMATS.md); a column may be anywhere in the header, and the
 * optional ones (after the required) may be missing. */
#ifndef YIBAO_REGISTRY_ROWS_H
#define YIBAO_REGISTRY_ROWS_H

#include "store/csv.h"
#include "store/store.h"

enum person_col {
    PC_PSN,
    PC_CERT,
    PC_NAME,
    PC_GEND,
    PC_BRDY,
    PC_INSUTYPE,
    PC_CATEGORY,
    PC_FLAGS,
    PC_REGION,
    PC_BENEFIT,
    PC_BALC,
    PC_STATUS,
    PC_COUNT
};
extern const char *const ROWS_PERSON_COLS[PC_COUNT]; /* PC_STATUS and after: optional */

enum inst_col { IC_CODE, IC_NAME, IC_TYPE, IC_LEVEL, IC_REGION, IC_STATUS, IC_UNTIL, IC_COUNT };
extern const char *const ROWS_INST_COLS[IC_COUNT]; /* IC_UNTIL: optional */

/* Maps the header record's fields to names[0..count): columns[c] is the
 * field index of names[c], or -1. NULL, or the first of names[0..required)
 * that is missing. */
const char *rows_map_header(const struct csv_reader *r, const char *const *names, int count,
                            int required, int *columns);
/* The record as a person / an institution: NULL, or what is wrong with
 * the field of column *col. */
const char *rows_person(const struct csv_reader *r, const int *cols, struct store_person *p,
                        int *col);
const char *rows_institution(const struct csv_reader *r, const int *cols,
                             struct store_institution *x, int *col);

#endif
