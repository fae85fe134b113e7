/* bill_decode.h: the one decoder of a bill (JSON -> struct bill), used by
 * every adapter: `yibao settle` files ("details"), the NHSA interface's
 * one-shot settlements and fee-line uploads ("input.feedetail"), the
 * conformance runner and the fuzzers.
 *
 * It fails only on structural problems (a line that is not an object, a
 * code of the wrong type or longer than CODE_BYTES_MAX, a missing
 * med_list_codg, too many lines) and names the field's full path. A bad
 * date or number, or a missing feedetl_sn, is recorded in the bill for the
 * engine to report with the spec's code, in the spec's validation order
 * (E_BAD_DATES before E_DUP_LINE before E_BAD_AMOUNT ...), so that the same
 * bill gets the same refusal whichever adapter carried it. */
#ifndef YIBAO_APP_BILL_DECODE_H
#define YIBAO_APP_BILL_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bill.h"
#include "json/json.h"

#define BILL_PATH_BYTES 96 /* "input.feedetail[123].det_item_fee_sumamt" */

/* Where a bill's parts are in a JSON document: the head (med_type, dates,
 * diagnoses, flags, and fixmedins_code when present) and the array of
 * lines, each with the path used in messages ("" / "input.data",
 * "details" / "input.feedetail"). */
struct bill_source {
    const struct json_value *head;
    const char *head_path;
    const struct json_value *lines; /* NULL or JSON null: no lines */
    const char *lines_path;
    /* The NHSA interface's variants (docs/INTEROP.md): a string holding a
     * decimal where a number belongs ("12.00", from clients' string-typed
     * models) and date-times with "T". The settlement spec's own bill
     * format (files, vectors) keeps them as E_BAD_AMOUNT / E_BAD_DATES. */
    bool interface_variants;
};

/* Decodes src into bill, lines into the caller's array of lines_max
 * entries. 0, or -1 with err naming the field. */
int bill_decode(const struct bill_source *src, struct bill *bill, struct bill_line *lines,
                int32_t lines_max, char *err, size_t err_size);

/* One line: fills line from the object v (path names it in messages). */
int bill_line_decode(const struct json_value *v, const char *path, bool interface_variants,
                     struct bill_line *line, char *err, size_t err_size);

/* A date field of obj: 0 parsed into *out, 1 absent (or null, or ""),
 * -1 present but not YYYY-MM-DD[ HH:MM:SS] (left for E_BAD_DATES). */
int bill_date_field(const struct json_value *obj, const char *key, datetime_s *out);
/* As bill_date_field, also taking "T" between date and time. */
int bill_date_field_iso(const struct json_value *obj, const char *key, datetime_s *out);

/* The scheme a request asks for, from obj's "insutype" ("310", 390, ...):
 * 0 absent (or null, or ""), the scheme, or -1 for anything else. */
int32_t bill_insutype_asked(const struct json_value *obj);

/* A bill file of `yibao settle`: the head and "details" in one object. */
int bill_from_json(const struct json_value *obj, struct bill *bill, struct bill_line *lines,
                   int32_t lines_max, char *err, size_t err_size);

#endif
