/* csv.h: a streaming RFC 4180 CSV reader (our own: quoted fields, "" as an
 * escaped quote, commas and line breaks inside quotes, CRLF or LF).
 * Bounded: a record longer than CSV_RECORD_BYTES_MAX or with more than
 * CSV_FIELDS_MAX fields is an error naming its line. */
#ifndef YIBAO_CSV_H
#define YIBAO_CSV_H

#include <stdint.h>
#include <stdio.h>

#define CSV_RECORD_BYTES_MAX 8192
#define CSV_FIELDS_MAX 64
#define CSV_ERR_BYTES 256

struct csv_reader {
    FILE *file;
    int64_t line; /* line where the current record starts (1-based) */
    int64_t next_line;
    int field_count;
    char *fields[CSV_FIELDS_MAX]; /* NUL-terminated, into buf */
    char buf[CSV_RECORD_BYTES_MAX + CSV_FIELDS_MAX];
    char err[CSV_ERR_BYTES]; /* "unterminated quoted field", ... */
};

void csv_init(struct csv_reader *r, FILE *file);
/* 1: a record; 0: end of file; -1: error (r->err, r->line). A blank line is
 * a record of one empty field. */
int csv_next(struct csv_reader *r);
/* Parses one record from memory (tests, fuzzing); same results. */
int csv_parse_string(struct csv_reader *r, const char *text);

#endif
