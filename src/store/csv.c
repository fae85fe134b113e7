/* csv.c: the RFC 4180 reader behind `yibao import` (see csv.h). A small
 * state machine over getc_unlocked(); fields are written NUL-separated into
 * one fixed buffer, so reading allocates nothing. */
#include "store/csv.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void csv_init(struct csv_reader *r, FILE *file) {
    assert(r != NULL);
    memset(r, 0, sizeof *r);
    r->file = file;
    r->next_line = 1;
    assert(r->field_count == 0 && r->line == 0);
}

struct src {
    FILE *file;
    const char *text;
};

static int next_char(struct src *s) {
    assert((s->file != NULL) != (s->text != NULL)); /* a file or a string, not both */
    if (s->file != NULL) return getc_unlocked(s->file);
    if (*s->text == '\0') return EOF;
    return (unsigned char)*s->text++;
}

static int peek_char(struct src *s) {
    assert((s->file != NULL) != (s->text != NULL));
    if (s->file != NULL) {
        int c = getc_unlocked(s->file);
        if (c != EOF) ungetc(c, s->file);
        return c;
    }
    return *s->text == '\0' ? EOF : (unsigned char)*s->text;
}

static int fail(struct csv_reader *r, const char *what) {
    assert(r != NULL && what != NULL && strlen(what) < sizeof r->err);
    snprintf(r->err, sizeof r->err, "%s", what);
    return -1;
}

/* Appends a byte to the current field; false when the record is too long. */
static bool put(struct csv_reader *r, size_t *len, int c) {
    assert(r != NULL && c != EOF && c >= 0 && c <= 255);
    if (*len >= CSV_RECORD_BYTES_MAX) return false;
    r->buf[(*len)++] = (char)c;
    return true;
}

static int end_field(struct csv_reader *r, size_t *len, size_t *start) {
    if (r->field_count >= CSV_FIELDS_MAX) return fail(r, "more than 64 fields");
    /* each field's bytes are at most the record's, plus one NUL per field */
    assert(*start <= *len && *len < CSV_RECORD_BYTES_MAX + CSV_FIELDS_MAX);
    r->buf[(*len)++] = '\0';
    r->fields[r->field_count++] = r->buf + *start;
    *start = *len;
    return 0;
}

/* Reads a quoted field's body after the opening quote. */
static int quoted(struct csv_reader *r, struct src *s, size_t *len) {
    assert(r != NULL && s != NULL && len != NULL);
    for (;;) {
        int c = next_char(s);
        if (c == EOF) return fail(r, "unterminated quoted field");
        if (c == '"') {
            if (peek_char(s) != '"') return 0;
            c = next_char(s);
        } else if (c == '\n') {
            r->next_line++;
        }
        if (!put(r, len, c)) return fail(r, "record longer than 8192 bytes");
    }
}

static int parse(struct csv_reader *r, struct src *s) {
    size_t len = 0, start = 0;
    r->field_count = 0;
    r->line = r->next_line;
    int c = next_char(s);
    if (c == EOF) return 0;
    for (;; c = next_char(s)) {
        assert(start <= len && (size_t)r->field_count <= CSV_FIELDS_MAX);
        if (c == '"' && len == start) {
            if (quoted(r, s, &len) != 0) return -1;
            c = next_char(s);
            if (c != ',' && c != '\n' && c != '\r' && c != EOF)
                return fail(r, "text after a closing quote");
        }
        if (c == '\r' && peek_char(s) == '\n') c = next_char(s);
        if (c == ',' || c == '\n' || c == '\r' || c == EOF) {
            if (end_field(r, &len, &start) != 0) return -1;
            if (c == ',') continue;
            if (c != EOF) r->next_line++;
            assert(r->field_count >= 1 && r->field_count <= CSV_FIELDS_MAX &&
                   r->next_line >= r->line);
            return 1;
        }
        if (c == '"') return fail(r, "quote inside an unquoted field");
        if (!put(r, &len, c)) return fail(r, "record longer than 8192 bytes");
    }
}

int csv_next(struct csv_reader *r) {
    assert(r != NULL && r->file != NULL);
    struct src s = {r->file, NULL};
    int rc = parse(r, &s);
    assert(rc == 1 ? r->field_count >= 1 : rc == 0 || r->err[0] != '\0');
    return rc;
}

int csv_parse_string(struct csv_reader *r, const char *text) {
    assert(r != NULL && text != NULL);
    struct src s = {NULL, text};
    int rc = parse(r, &s);
    assert(rc == 1 ? r->field_count >= 1 : rc == 0 || r->err[0] != '\0');
    return rc;
}
