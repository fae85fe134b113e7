/* funds_expect_json.c: compares a fund rule's named figures with the
 * `expect` of a yibao-funds-vector/1 file (FUNDS.md §9): every field
 * `expect` names, money to the fen (from its decimal text, negative
 * allowed), counts and strings exactly, null as null; or the expected
 * error code. A field the rule does not produce is a difference, so a
 * misspelt expectation cannot pass silently. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "codec/fields.h"
#include "codec/funds_vector.h"
#include "core/money.h"

#define SHOWN_BYTES 32

static const struct funds_figure *figure_find(const struct funds_outcome *o, const char *name) {
    assert(o != NULL && o->count >= 0 && o->count <= FUNDS_FIGURES_MAX);
    for (int32_t i = 0; i < o->count; i++)
        if (strcmp(o->figures[i].name, name) == 0) return &o->figures[i];
    return NULL;
}

/* The figure as the vector would write it. */
static void figure_text(const struct funds_figure *f, char *out, size_t size) {
    char date[20];
    assert(f != NULL && size >= SHOWN_BYTES);
    switch (f->type) {
    case FIGURE_MONEY: money_format(f->value, out, size); return;
    case FIGURE_COUNT: snprintf(out, size, "%lld", (long long)f->value); return;
    case FIGURE_DATE:
        datetime_format(f->value, date);
        snprintf(out, size, "%.10s", date);
        return;
    case FIGURE_NULL: snprintf(out, size, "null"); return;
    case FIGURE_BOOL: snprintf(out, size, "%s", f->value ? "true" : "false"); return;
    case FIGURE_FLAGS: snprintf(out, size, "%s", f->value ? "[contribution_short]" : "[]"); return;
    case FIGURE_TENTHS: scaled_format(f->value, 1, out, size); return;
    case FIGURE_HUNDREDTHS: scaled_format(f->value, 2, out, size); return;
    case FIGURE_INFINITY: snprintf(out, size, "\"\u221e\""); return;
    }
    snprintf(out, size, "?");
}

/* The expected flags: an array of strings, equal as a set to the figure's. */
static bool flags_equal(const struct json_value *e, int64_t value) {
    int64_t seen = 0;
    assert(e != NULL && (value == 0 || value == 1));
    if (e->type != JSON_ARRAY) return false;
    for (const struct json_value *f = e->child; f != NULL; f = f->next) {
        if (f->type != JSON_STRING || strcmp(f->text, "contribution_short") != 0) return false;
        seen = 1;
    }
    return seen == value;
}

static bool figure_equal(const struct funds_figure *f, const struct json_value *e) {
    int64_t expected = 0;
    char text[SHOWN_BYTES];
    assert(f != NULL && e != NULL);
    switch (f->type) {
    case FIGURE_MONEY:
        return field_scaled(e, 2, STATE_FEN_MAX * 10, &expected) == 0 && expected == f->value;
    case FIGURE_COUNT:
        return field_scaled(e, 0, STATE_FEN_MAX, &expected) == 0 && expected == f->value;
    case FIGURE_DATE:
        figure_text(f, text, sizeof text);
        return e->type == JSON_STRING && strcmp(e->text, text) == 0;
    case FIGURE_NULL: return e->type == JSON_NULL;
    case FIGURE_BOOL: return e->type == (f->value ? JSON_TRUE : JSON_FALSE);
    case FIGURE_FLAGS: return flags_equal(e, f->value);
    case FIGURE_TENTHS:
        return e->type == JSON_NUMBER && field_scaled(e, 1, STATE_FEN_MAX, &expected) == 0 &&
               expected == f->value;
    case FIGURE_HUNDREDTHS:
        return e->type == JSON_NUMBER && field_scaled(e, 2, STATE_FEN_MAX, &expected) == 0 &&
               expected == f->value;
    case FIGURE_INFINITY: return e->type == JSON_STRING && strcmp(e->text, "\u221e") == 0;
    }
    return false;
}

static void expected_text(const struct json_value *e, char *out, size_t size) {
    assert(e != NULL && size > 0);
    if (e->type == JSON_NUMBER || e->type == JSON_STRING) snprintf(out, size, "%.30s", e->text);
    else if (e->type == JSON_ARRAY && e->len == 0) snprintf(out, size, "[]");
    else if (e->type == JSON_ARRAY)
        snprintf(out, size, "[%s]",
                 e->child && e->child->type == JSON_STRING ? e->child->text : "?");
    else snprintf(out, size, "%s", json_type_name(e->type));
}

/* Every field of the object, by its path: an object in `expect` (a DIP
 * institution's figures) is compared field by field, "institutions.H1.F". */
static int compare_fields(const struct json_value *obj, const char *prefix,
                          const struct funds_outcome *outcome, char *message, size_t message_size) {
    char want[SHOWN_BYTES * 2], got[SHOWN_BYTES], name[FUNDS_FIGURE_NAME_BYTES];
    assert(obj != NULL && obj->type == JSON_OBJECT && prefix != NULL);
    for (const struct json_value *e = obj->child; e != NULL; e = e->next) {
        int n = snprintf(name, sizeof name, "%s%s", prefix, e->key);
        if (n < 0 || (size_t)n >= sizeof name)
            return snprintf(message, message_size, "%.60s: name too long", name), -1;
        const struct funds_figure *f = figure_find(outcome, name);
        if (f == NULL && e->type == JSON_OBJECT && strlen(name) + 2 < sizeof name) {
            name[n] = '.';
            name[n + 1] = '\0';
            if (compare_fields(e, name, outcome, message, message_size) != 0) return -1;
            continue;
        }
        if (f == NULL) return snprintf(message, message_size, "%s: unknown field", name), -1;
        if (figure_equal(f, e)) continue;
        expected_text(e, want, sizeof want);
        figure_text(f, got, sizeof got);
        snprintf(message, message_size, "%s: expected %s, got %s", name, want, got);
        return -1;
    }
    return 0;
}

int funds_expect_compare(const struct json_value *expect, const struct funds_outcome *outcome,
                         const char *why, char *message, size_t message_size) {
    assert(outcome != NULL && message != NULL && message_size > 0);
    message[0] = '\0';
    if (expect == NULL || expect->type != JSON_OBJECT)
        return snprintf(message, message_size, "expect: must be an object"), -1;
    const struct json_value *error = json_get(expect, "error");
    const char *got_code = funds_code_name(outcome->code);
    if (error != NULL) {
        if (error->type == JSON_STRING && strcmp(error->text, got_code) == 0) return 0;
        snprintf(message, message_size, "expected %s, got %s%s%s",
                 error->type == JSON_STRING ? error->text : "?",
                 outcome->code == FUNDS_OK ? "success" : got_code, why && why[0] ? ": " : "",
                 why ? why : "");
        return -1;
    }
    if (outcome->code != FUNDS_OK) {
        snprintf(message, message_size, "expected success, got %s%s%s", got_code,
                 why && why[0] ? " (" : "", why && why[0] ? why : "");
        if (why && why[0]) snprintf(message + strlen(message), message_size - strlen(message), ")");
        return -1;
    }
    return compare_fields(expect, "", outcome, message, message_size);
}
