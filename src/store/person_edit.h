/* person_edit.h: the rows of a person edit as a persons import journals
 * them (journal_data of its record, body edits=N): for each person
 * changed, the row before ("old") and after ("new"), every column raw
 * (integers as stored), so that `yibao check --deep` rebuilds the person
 * as of any journal position: the "old" row of the first edit after it,
 * else the row stored now. A row ends with a 14th field, benefit_years
 * (core/benefit_years.h), only when it is not 0: a row without it reads
 * as 0, so the rows journaled before the column read as they were (the
 * header is unchanged). */
#ifndef YIBAO_PERSON_EDIT_H
#define YIBAO_PERSON_EDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "store/csv.h"
#include "store/store.h"

#define PERSON_EDIT_HEADER                                                         \
    "row,psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs," \
    "benefit_start,acct_open_fen,status\n"
#define PERSON_EDIT_LINE_BYTES_MAX 1024

/* The record "which,<columns>\n" (which: "old" or "new") into out; its
 * length, or 0 when it does not fit. */
size_t person_edit_format(char *out, size_t size, const char *which, const struct store_person *p);
/* A record of the data (not the header): p and whether it is the row
 * before the edit; NULL, or what is wrong. */
const char *person_edit_parse(const struct csv_reader *r, bool *is_old, struct store_person *p);
/* The import column (ROWS_PERSON_COLS) of the first field where a and b
 * differ, or NULL when the rows are the same. */
const char *person_first_change(const struct store_person *a, const struct store_person *b);

#endif
