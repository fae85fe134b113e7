/* registry_rows.c: the registry's CSV rows (registry_rows.h): the header
 * mapped to known columns, and a record turned into a person or an
 * institution with every field checked. Pure parsing: no I/O, no store;
 * import.c reads the file and writes what these return, and the fuzzer
 * (fuzz/fuzz_csv.c) drives them directly. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/money.h"
#include "store/registry_rows.h"

const char *const ROWS_PERSON_COLS[PC_COUNT] = {
    "psn_no",   "certno", "psn_name",       "gend",          "brdy",      "insutype",
    "category", "flags",  "insuplc_admdvs", "benefit_start", "acct_balc", "psn_insu_stas"};

const char *const ROWS_INST_COLS[IC_COUNT] = {
    "fixmedins_code", "fixmedins_name", "type", "level", "admdvs", "status", "suspended_until"};

const char *rows_map_header(const struct csv_reader *r, const char *const *names, int count,
                            int required, int *columns) {
    assert(r != NULL && names != NULL && columns != NULL);
    assert(count > 0 && required <= count);
    for (int c = 0; c < count; c++) {
        columns[c] = -1;
        for (int f = 0; f < r->field_count; f++)
            if (strcmp(r->fields[f], names[c]) == 0) columns[c] = f;
        if (columns[c] < 0 && c < required) return names[c];
        assert(columns[c] < r->field_count);
    }
    return NULL;
}

static const char *field_of(const struct csv_reader *r, const int *columns, int c) {
    assert(c >= 0 && columns[c] < CSV_FIELDS_MAX);
    /* a record shorter than the header lacks the column: empty, like an
     * absent optional column (r->fields beyond field_count are stale) */
    if (columns[c] < 0 || columns[c] >= r->field_count) return "";
    assert(r->fields[columns[c]] != NULL);
    return r->fields[columns[c]];
}

static const char *copy_code(char *out, size_t size, const char *text, bool required) {
    assert(out != NULL && text != NULL && size > 0);
    if (required && text[0] == '\0') return "empty";
    if (strlen(text) >= size) return "too long";
    memcpy(out, text, strlen(text) + 1);
    return NULL;
}

static const char *parse_flags(const char *text, uint32_t *flags) {
    assert(text != NULL && flags != NULL);
    *flags = 0;
    char buf[CODE_BYTES_MAX * 4];
    if (strlen(text) >= sizeof buf) return "too long";
    snprintf(buf, sizeof buf, "%s", text);
    for (char *save = NULL, *tok = strtok_r(buf, ";", &save); tok;
         tok = strtok_r(NULL, ";", &save)) {
        uint32_t bit = 0;
        if (flag_parse(tok, &bit) != 0) return "unknown flag";
        *flags |= bit;
    }
    return NULL;
}

static const char *parse_date(const char *text, datetime_s *out) {
    assert(text != NULL && out != NULL);
    if (text[0] == '\0' || !datetime_parse(text, strlen(text), out)) return "not a date";
    return NULL;
}

/* An administrative division code (insuplc_admdvs, admdvs): six digits,
 * as the policies name their regions; "ABC" would only fail later, at
 * every one of the person's bills, as a region without a policy. */
static const char *parse_admdvs(char *out, size_t size, const char *text) {
    assert(out != NULL && size > 6 && text != NULL);
    if (strlen(text) != 6 || strspn(text, "0123456789") != 6)
        return "not an administrative division code (6 digits)";
    memcpy(out, text, 7);
    return NULL;
}

static const char *parse_insutype(const char *text, int32_t *out) {
    assert(text != NULL && out != NULL);
    if (strcmp(text, "310") == 0) *out = INSUTYPE_EMPLOYEE;
    else if (strcmp(text, "390") == 0) *out = INSUTYPE_RESIDENT;
    else return "not 310 or 390";
    return NULL;
}

static const char *parse_balance(const char *text, int64_t *fen) {
    enum decimal_status st = decimal_parse(text, strlen(text), 2, AMOUNT_FEN_MAX, fen);
    if (st != DECIMAL_OK) return decimal_status_text(st);
    if (*fen < 0) return "negative";
    assert(*fen <= AMOUNT_FEN_MAX);
    return NULL;
}

static const char *parse_status(const char *text, enum insured_status *out) {
    assert(text != NULL && out != NULL);
    if (text[0] == '\0' || strcmp(text, "active") == 0) *out = INSURED_ACTIVE;
    else if (strcmp(text, "suspended") == 0) *out = INSURED_SUSPENDED;
    else if (strcmp(text, "ended") == 0) *out = INSURED_ENDED;
    else return "not active, suspended or ended";
    return NULL;
}

/* Fills p from the row; on failure names the column in *col. */
const char *rows_person(const struct csv_reader *r, const int *cols, struct store_person *p,
                        int *col) {
    const char *why = NULL;
    datetime_s birth = 0;
    assert(r != NULL && cols != NULL && p != NULL && col != NULL);
    memset(p, 0, sizeof *p);
#define F(c) field_of(r, cols, (*col = (c)))
    if ((why = copy_code(p->psn_no, sizeof p->psn_no, F(PC_PSN), true)) ||
        (why = copy_code(p->certno, sizeof p->certno, F(PC_CERT), false)) ||
        (why = copy_code(p->name, sizeof p->name, F(PC_NAME), false)) ||
        (why = copy_code(p->gender, sizeof p->gender, F(PC_GEND), false)) ||
        (why = parse_date(F(PC_BRDY), &birth)) ||
        (why = strlen(F(PC_BRDY)) != 10 ? "not a date" : NULL) ||
        (why = parse_insutype(F(PC_INSUTYPE), &p->insutype)) ||
        (why = category_parse(F(PC_CATEGORY), &p->category) != 0 ? "unknown category" : NULL) ||
        (why = parse_flags(F(PC_FLAGS), &p->flags)) ||
        (why = parse_admdvs(p->region, sizeof p->region, F(PC_REGION))) ||
        (why = parse_date(F(PC_BENEFIT), &p->benefit_start)) ||
        (why = parse_balance(F(PC_BALC), &p->acct_open_fen)) ||
        (why = parse_status(F(PC_STATUS), &p->status)))
        return why;
#undef F
    memcpy(p->birth_date, field_of(r, cols, PC_BRDY), 11);
    /* a person that parsed: a psn_no and region, a YYYY-MM-DD birth date,
     * an opening balance within the money limits */
    assert(p->psn_no[0] != '\0' && p->region[0] != '\0' && strlen(p->birth_date) == 10);
    assert(p->acct_open_fen >= 0 && p->acct_open_fen <= AMOUNT_FEN_MAX);
    assert(p->status >= INSURED_ACTIVE && p->status <= INSURED_ENDED);
    return NULL;
}

const char *rows_institution(const struct csv_reader *r, const int *cols,
                             struct store_institution *x, int *col) {
    const char *why = NULL;
    assert(r != NULL && cols != NULL && x != NULL && col != NULL);
    memset(x, 0, sizeof *x);
#define F(c) field_of(r, cols, (*col = (c)))
    if ((why = copy_code(x->code, sizeof x->code, F(IC_CODE), true)) ||
        (why = copy_code(x->name, sizeof x->name, F(IC_NAME), false)) ||
        (why = parse_admdvs(x->region, sizeof x->region, F(IC_REGION))))
        return why;
    const char *type = F(IC_TYPE);
    if (strcmp(type, "hospital") == 0) x->type = INSTITUTION_HOSPITAL;
    else if (strcmp(type, "pharmacy") == 0) x->type = INSTITUTION_PHARMACY;
    else return "not hospital or pharmacy";
    if (level_parse(F(IC_LEVEL), &x->level) != 0) return "unknown level";
    if ((x->type == INSTITUTION_PHARMACY) != (x->level == LEVEL_NONE))
        return "a pharmacy has level pharmacy, a hospital a hospital level";
    const char *status = F(IC_STATUS);
    if (status[0] == '\0' || strcmp(status, "active") == 0) x->status = DESIGNATION_ACTIVE;
    else if (strcmp(status, "suspended") == 0) x->status = DESIGNATION_SUSPENDED;
    else if (strcmp(status, "revoked") == 0) x->status = DESIGNATION_REVOKED;
    else return "not active, suspended or revoked";
    const char *until = F(IC_UNTIL);
    if (until[0] != '\0' && (why = parse_date(until, &x->suspended_until)) != NULL) return why;
#undef F
    assert(x->code[0] != '\0' && x->region[0] != '\0');
    assert(x->status >= DESIGNATION_ACTIVE && x->status <= DESIGNATION_REVOKED);
    return NULL;
}
