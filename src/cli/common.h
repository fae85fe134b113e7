/* common.h: helpers the subcommands share: option parsing, JSON files. */
#ifndef YIBAO_CLI_COMMON_H
#define YIBAO_CLI_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include "json/json.h"

/* Reads and parses a JSON file into doc (which owns the values). Returns the
 * root, or NULL after printing "yibao: FILE: ..." to stderr. *data must be
 * freed by the caller (the values point into the doc, not into data). */
const struct json_value *cli_read_json(const char *path, struct json_doc *doc, char **data);
struct json_doc *cli_json_doc(void);

/* "--name VALUE" option at argv[*i]; advances *i. Returns true if matched;
 * prints an error and sets *bad if the value is missing. */
bool cli_option(int argc, char **argv, int *i, const char *name, const char **value, bool *bad);
/* Prints an explanation (core/explain.h) to out: its lines as they are,
 * or with json one object per line, {"step": "deductible", "text":
 * "level3 1000.00"} (step: what comes before the line's first ": "). */
struct explain;
void cli_print_explain(FILE *out, const struct explain *explain, bool json);
/* A refused settlement on stdout, as JSON: {"error", "field" ("" when
 * none), "line" (the 0-based index into details, -1 when none),
 * "message" (text: app_refusal_text, lines counted from 1)}. */
struct app_refusal;
void cli_print_refusal(const struct app_refusal *why, const char *text);
/* Parses a positive integer option value; prints an error naming the option. */
bool cli_positive(const char *name, const char *text, long long max, long long *out);
/* The value of OPTION as a year "YYYY" of the fund rules (MONTH_YEAR_MIN..
 * MONTH_YEAR_MAX, core/enrol.h); else prints "yibao CMD: OPTION 'TEXT':
 * not a year YYYY in 1900-9800" and returns false. */
bool cli_year(const char *cmd, const char *option, const char *text, int32_t *year);
/* The same for a month "YYYY-MM": "... not a month YYYY-MM ...". */
bool cli_month(const char *cmd, const char *option, const char *text, int32_t *year,
               int32_t *month);

#endif
