/* view.c: one writer for the look-ups' two forms, text and JSON (view.h). */
#include "cli/view.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"

void view_begin(struct view *v, bool json, FILE *out) {
    assert(v != NULL && out != NULL);
    memset(v, 0, sizeof *v);
    v->json = json;
    v->out = out;
    json_buf_init(&v->buf);
    v->first[0] = true;
    if (json) json_buf_char(&v->buf, '{'), v->first[1] = true, v->depth = 1; /* the root */
}

int view_end(struct view *v) {
    assert(v != NULL && v->depth == (v->json ? 1 : 0) && v->columns == 0);
    if (v->json) json_buf_char(&v->buf, '}'), v->depth = 0;
    int rc = v->buf.failed ? -1 : 0;
    if (v->json && rc == 0) fprintf(v->out, "%.*s\n", (int)v->buf.len, v->buf.data);
    json_buf_free(&v->buf);
    return rc;
}

/* JSON: the comma and key before a member (key NULL: a list's element). */
static void member(struct view *v, const char *key) {
    assert(v->json && v->depth >= 0 && v->depth < VIEW_DEPTH_MAX);
    if (!v->first[v->depth]) json_buf_char(&v->buf, ',');
    v->first[v->depth] = false;
    if (key != NULL) json_buf_key(&v->buf, key);
    if (key != NULL && v->columns > 0) v->column++; /* a list row's cell */
}

static void open_json(struct view *v, const char *key, char bracket) {
    assert(v->depth + 1 < VIEW_DEPTH_MAX);
    member(v, key);
    json_buf_char(&v->buf, bracket);
    v->first[++v->depth] = true;
}

void view_object(struct view *v, const char *key, const char *title) {
    assert(v != NULL && v->columns == 0); /* not inside a list's row */
    if (v->json) return open_json(v, v->in_array[v->depth] ? NULL : key, '{');
    if (title != NULL) fprintf(v->out, "%s%s\n", v->depth > 0 ? "\n" : "", title);
    v->depth++;
    assert(v->depth < VIEW_DEPTH_MAX);
}

void view_object_end(struct view *v) {
    assert(v != NULL && v->depth > 0 && v->columns == 0);
    if (v->json) json_buf_char(&v->buf, '}');
    v->depth--;
}

void view_array(struct view *v, const char *key) {
    assert(v != NULL && key != NULL && v->columns == 0);
    if (!v->json) return;
    open_json(v, key, '[');
    v->in_array[v->depth] = true;
}

void view_array_end(struct view *v) {
    assert(v != NULL && v->columns == 0);
    if (!v->json) return;
    assert(v->in_array[v->depth]);
    v->in_array[v->depth] = false;
    json_buf_char(&v->buf, ']');
    v->depth--;
}

/* Text: a cell padded to its column (the last one ends the line). */
static void cell(struct view *v, const char *value) {
    assert(v->column < v->columns);
    int w = v->widths[v->column++];
    if (v->column == v->columns) fprintf(v->out, "%s\n", value);
    else if (w < 0) fprintf(v->out, "%*s  ", -w, value);
    else fprintf(v->out, "%-*s  ", w, value);
}

/* Text: a field as "name  value", or a list's cell. */
static void text(struct view *v, const char *key, const char *value) {
    assert(!v->json && key != NULL && value != NULL);
    if (v->columns > 0) return cell(v, value);
    fprintf(v->out, "  %-*s %s\n", VIEW_TEXT_KEY_WIDTH, key, value);
}

void view_str(struct view *v, const char *key, const char *value) {
    assert(v != NULL && key != NULL && value != NULL);
    if (!v->json) return text(v, key, value);
    member(v, key);
    json_buf_str(&v->buf, value);
}

void view_int(struct view *v, const char *key, int64_t value) {
    char t[24];
    snprintf(t, sizeof t, "%" PRId64, value);
    assert(v != NULL && key != NULL);
    if (!v->json) return text(v, key, t);
    member(v, key);
    json_buf_int(&v->buf, value);
}

void view_fen(struct view *v, const char *key, int64_t amount_fen) {
    char t[32];
    assert(v != NULL && key != NULL);
    if (amount_fen == INT64_MAX) snprintf(t, sizeof t, "unlimited");
    else money_format(amount_fen, t, sizeof t);
    if (!v->json) return text(v, key, t);
    member(v, key);
    if (amount_fen == INT64_MAX) json_buf_str(&v->buf, t);
    else json_buf_raw(&v->buf, t, strlen(t));
}

void view_number(struct view *v, const char *key, const char *number) {
    assert(v != NULL && key != NULL && number != NULL && number[0] != '\0');
    if (!v->json) return text(v, key, number);
    member(v, key);
    json_buf_raw(&v->buf, number, strlen(number));
}

void view_bool(struct view *v, const char *key, bool value) {
    assert(v != NULL && key != NULL);
    if (!v->json) return text(v, key, value ? "yes" : "no");
    member(v, key);
    json_buf_raw(&v->buf, value ? "true" : "false", value ? 4 : 5);
}

void view_list(struct view *v, const char *key, const char *const *columns) {
    assert(v != NULL && key != NULL && columns != NULL && v->columns == 0);
    int n = 0;
    char name[64];
    if (v->json) open_json(v, key, '[');
    for (; columns[n] != NULL; n++) {
        const char *colon = strchr(columns[n], ':');
        assert(colon != NULL && n < VIEW_COLUMNS_MAX); /* "name:width" */
        v->widths[n] = atoi(colon + 1);
        assert(v->widths[n] != 0);
    }
    v->columns = n;
    v->column = 0;
    for (int i = 0; i < n && !v->json; i++) { /* the header: a row of the names */
        size_t len = (size_t)(strchr(columns[i], ':') - columns[i]);
        assert(len < sizeof name);
        memcpy(name, columns[i], len);
        name[len] = '\0';
        cell(v, name);
    }
    v->column = n; /* the header was a full row */
}

void view_row(struct view *v) {
    assert(v != NULL && v->columns > 0 && v->column == v->columns); /* the last row is whole */
    v->column = 0;
    if (!v->json) return;
    if (v->row_open) json_buf_char(&v->buf, '}'), v->depth--;
    open_json(v, NULL, '{'); /* the row's cells are its members */
    v->row_open = true;
}

void view_list_end(struct view *v) {
    assert(v != NULL && v->columns > 0 && v->column == v->columns);
    if (v->json && v->row_open) json_buf_char(&v->buf, '}'), v->depth--;
    if (v->json) json_buf_char(&v->buf, ']'), v->depth--;
    v->row_open = false;
    v->columns = 0;
}
