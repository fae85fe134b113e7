/* person_edit.c: a person edit's journaled rows (person_edit.h): written
 * by import.c, read back by the deep check (app/deep_check.c). Pure text:
 * no I/O, no store. Text fields are always quoted (a name may hold a
 * comma), numbers are the stored integers, so a row reads back exactly. */
#include "store/person_edit.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/registry_rows.h"

/* text as a quoted CSV field ("" for a quote) at out[*at]; false: no room */
static bool put_quoted(char *out, size_t size, size_t *at, const char *text) {
    assert(out != NULL && at != NULL && text != NULL);
    if (*at + 3 > size) return false;
    out[(*at)++] = '"';
    for (const char *c = text; *c; c++) {
        if (*at + (*c == '"' ? 2 : 1) + 2 > size) return false;
        if (*c == '"') out[(*at)++] = '"';
        out[(*at)++] = *c;
    }
    out[(*at)++] = '"';
    out[*at] = '\0';
    return true;
}

size_t person_edit_format(char *out, size_t size, const char *which, const struct store_person *p) {
    assert(out != NULL && size > 0 && p != NULL);
    assert(strcmp(which, "old") == 0 || strcmp(which, "new") == 0);
    size_t at = (size_t)snprintf(out, size, "%s,", which);
    const char *texts[5] = {p->psn_no, p->certno, p->name, p->gender, p->birth_date};
    for (int i = 0; i < 5; i++) {
        if (at >= size || !put_quoted(out, size, &at, texts[i])) return 0;
        if (at + 1 >= size) return 0;
        out[at++] = ',';
        out[at] = '\0';
    }
    int n = snprintf(out + at, size - at, "%d,%d,%" PRIu32 ",", (int)p->insutype, (int)p->category,
                     p->flags);
    if (n < 0 || (size_t)n >= size - at) return 0;
    at += (size_t)n;
    /* quoted as the texts above (fuzz_person_edit found a quote in it
     * written bare); a region code has none, so rows read as before */
    if (!put_quoted(out, size, &at, p->region)) return 0;
    n = snprintf(out + at, size - at, ",%" PRId64 ",%" PRId64 ",%d", p->benefit_start,
                 p->acct_open_fen, (int)p->status);
    if (n < 0 || (size_t)n >= size - at) return 0;
    at += (size_t)n;
    /* the per-year starts only when there are some: the rows of a person
     * without them read as they did before the column (13 fields) */
    if (p->benefit_years != 0)
        n = snprintf(out + at, size - at, ",%" PRId64 "\n", p->benefit_years);
    else n = snprintf(out + at, size - at, "\n");
    if (n < 0 || (size_t)n >= size - at) return 0;
    return at + (size_t)n;
}

static const char *int_field(const char *text, int64_t min, int64_t max, int64_t *out) {
    assert(text != NULL && out != NULL);
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (text[0] == '\0' || *end != '\0' || errno != 0 || v < min || v > max) return "not a number";
    *out = v;
    return NULL;
}

static const char *text_field(char *out, size_t size, const char *text) {
    assert(out != NULL && size > 0 && text != NULL);
    if (strlen(text) >= size) return "too long";
    memcpy(out, text, strlen(text) + 1);
    return NULL;
}

const char *person_edit_parse(const struct csv_reader *r, bool *is_old, struct store_person *p) {
    assert(r != NULL && is_old != NULL && p != NULL);
    memset(p, 0, sizeof *p);
    if (r->field_count != 13 && r->field_count != 14) return "not 13 or 14 fields";
    if (strcmp(r->fields[0], "old") != 0 && strcmp(r->fields[0], "new") != 0)
        return "row: not old or new";
    *is_old = strcmp(r->fields[0], "old") == 0;
    int64_t v[7];
    const char *why = NULL;
    if ((why = text_field(p->psn_no, sizeof p->psn_no, r->fields[1])) ||
        (why = text_field(p->certno, sizeof p->certno, r->fields[2])) ||
        (why = text_field(p->name, sizeof p->name, r->fields[3])) ||
        (why = text_field(p->gender, sizeof p->gender, r->fields[4])) ||
        (why = text_field(p->birth_date, sizeof p->birth_date, r->fields[5])) ||
        (why = int_field(r->fields[6], 0, INT32_MAX, &v[0])) ||
        (why = int_field(r->fields[7], 0, INT32_MAX, &v[1])) ||
        (why = int_field(r->fields[8], 0, UINT32_MAX, &v[2])) ||
        (why = text_field(p->region, sizeof p->region, r->fields[9])) ||
        (why = int_field(r->fields[10], INT64_MIN, INT64_MAX, &v[3])) ||
        (why = int_field(r->fields[11], 0, INT64_MAX, &v[4])) ||
        (why = int_field(r->fields[12], INSURED_ACTIVE, INSURED_ENDED, &v[5])) ||
        (r->field_count == 14 && (why = int_field(r->fields[13], 0, INT64_MAX, &v[6]))))
        return why;
    if (p->psn_no[0] == '\0') return "psn_no: empty";
    p->insutype = (int32_t)v[0];
    p->category = (enum category)v[1];
    p->flags = (uint32_t)v[2];
    p->benefit_start = v[3];
    p->acct_open_fen = v[4];
    p->status = (enum insured_status)v[5];
    p->benefit_years = r->field_count == 14 ? v[6] : 0;
    return NULL;
}

const char *person_first_change(const struct store_person *a, const struct store_person *b) {
    assert(a != NULL && b != NULL && strcmp(a->psn_no, b->psn_no) == 0);
    if (strcmp(a->certno, b->certno) != 0) return ROWS_PERSON_COLS[PC_CERT];
    if (strcmp(a->name, b->name) != 0) return ROWS_PERSON_COLS[PC_NAME];
    if (strcmp(a->gender, b->gender) != 0) return ROWS_PERSON_COLS[PC_GEND];
    if (strcmp(a->birth_date, b->birth_date) != 0) return ROWS_PERSON_COLS[PC_BRDY];
    if (a->insutype != b->insutype) return ROWS_PERSON_COLS[PC_INSUTYPE];
    if (a->category != b->category) return ROWS_PERSON_COLS[PC_CATEGORY];
    if (a->flags != b->flags) return ROWS_PERSON_COLS[PC_FLAGS];
    if (strcmp(a->region, b->region) != 0) return ROWS_PERSON_COLS[PC_REGION];
    if (a->benefit_start != b->benefit_start) return ROWS_PERSON_COLS[PC_BENEFIT];
    if (a->acct_open_fen != b->acct_open_fen) return ROWS_PERSON_COLS[PC_BALC];
    if (a->status != b->status) return ROWS_PERSON_COLS[PC_STATUS];
    if (a->benefit_years != b->benefit_years) return "benefit_years";
    return NULL;
}
