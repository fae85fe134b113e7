/* view.h: what `yibao show` and `yibao list` print, written once for both
 * forms: a human-readable text (fields as "name  value" lines, lists as
 * aligned columns) by default, or JSON with --json (money as yuan with 2
 * decimals, ids as strings, as the service answers them). */
#ifndef YIBAO_CLI_VIEW_H
#define YIBAO_CLI_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "json/json.h"

#define VIEW_DEPTH_MAX 8       /* nested objects and lists */
#define VIEW_COLUMNS_MAX 12    /* columns of a text table */
#define VIEW_TEXT_KEY_WIDTH 20 /* "name  value" lines: the name's column */

struct view {
    bool json;
    FILE *out;
    struct json_buf buf;        /* JSON: the whole answer, printed at the end */
    bool first[VIEW_DEPTH_MAX]; /* JSON: no comma before the first member */
    int depth;
    int widths[VIEW_COLUMNS_MAX];  /* a list's columns' widths (< 0: right-aligned) */
    int columns;                   /* a list's columns; 0: not in a list */
    int column;                    /* the row's next cell */
    bool row_open;                 /* JSON: a row object is open */
    bool in_array[VIEW_DEPTH_MAX]; /* JSON: the level is an array (objects: elements) */
};

void view_begin(struct view *v, bool json, FILE *out);
/* Prints the JSON (text went out as written); 0, or -1 out of memory. */
int view_end(struct view *v);
/* An object member (title: its heading in text) or the root's. */
void view_object(struct view *v, const char *key, const char *title);
void view_object_end(struct view *v);
/* A list of objects (JSON: an array; text: the objects one after another). */
void view_array(struct view *v, const char *key);
void view_array_end(struct view *v);
void view_str(struct view *v, const char *key, const char *value);
void view_int(struct view *v, const char *key, int64_t value);
void view_fen(struct view *v, const char *key, int64_t amount_fen);
void view_bool(struct view *v, const char *key, bool value);
/* A decimal number already written as text ("12.5"): a JSON number. */
void view_number(struct view *v, const char *key, const char *text);
/* A list of rows: text prints the header (columns "name:width", NULL
 * ends; a negative width aligns right); each row is view_row() then one
 * cell (view_str/int/fen/bool with its column's name as key) per column,
 * in order; view_list_end() after the last. */
void view_list(struct view *v, const char *key, const char *const *columns);
void view_row(struct view *v);
void view_list_end(struct view *v);

#endif
