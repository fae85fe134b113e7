/* enrol_rows.c: the enrolment registry's tables and the checks of its CSV
 * rows, field by field (enrol_rows.h; docs/ENROLMENT.md). Pure parsing:
 * no I/O, no store. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/enrol.h"
#include "core/inventory.h"
#include "core/money.h"
#include "core/sharing.h"
#include "store/enrol_rows.h"

static const struct enrol_table TABLES[ENROL_KIND_COUNT] = {
    [ENROL_EMPLOYERS] = {"employers",
                         "enrol_employers",
                         4,
                         1,
                         3,
                         {"emp_no", "emp_name", "admdvs", "struggling"},
                         "TTTI",
                         {0, -1}},
    [ENROL_EPISODES] = {"episodes",
                        "enrol_episodes",
                        8,
                        3,
                        7,
                        {"psn_no", "insutype", "from_month", "admdvs", "category", "to_month",
                         "reason", "end_reason"},
                        "TITTTTTT",
                        {0, -1}},
    [ENROL_WAGES] = {"wages",
                     "enrol_wages",
                     5,
                     3,
                     3,
                     {"psn_no", "month", "emp_no", "wage", "base_share"},
                     "TTTII",
                     {0, 2}},
    [ENROL_BINDINGS] = {"bindings",
                        "enrol_bindings",
                        5,
                        3,
                        4,
                        {"member_psn_no", "holder_psn_no", "valid_from", "relation", "revoked_at"},
                        "TTTTT",
                        {0, 1}},
    [ENROL_SIGNINGS] = {"signings",
                        "enrol_signings",
                        4,
                        3,
                        3,
                        {"fixmedins_code", "psn_no", "from_date", "to_date"},
                        "TTTT",
                        {0, 1}},
    [ENROL_INVENTORY] = {"inventory",
                         "inv_records",
                         8,
                         3,
                         6,
                         {"fixmedins_code", "infno", "fixmedins_bchno", "med_list_codg", "day",
                          "cnt", "inv_chg_type", "setl_id"},
                         "TTTTTITT",
                         {INV_BCHNO, -1}},
};

const struct enrol_table *enrol_table(enum enrol_kind kind) {
    assert(kind >= 0 && kind < ENROL_KIND_COUNT);
    assert(TABLES[kind].cols <= ENROL_COLS_MAX && TABLES[kind].keys <= TABLES[kind].cols);
    return &TABLES[kind];
}

int enrol_kind_of(const char *what) {
    assert(what != NULL);
    for (int k = 0; k < ENROL_KIND_COUNT; k++)
        if (strcmp(what, TABLES[k].what) == 0) return k;
    return -1;
}

/* The n decimal digits at text (checked by the caller) as a number. */
static int atoi_n(const char *text, int n) {
    assert(text != NULL && n > 0 && n <= 9);
    int v = 0;
    for (int i = 0; i < n; i++) v = v * 10 + (text[i] - '0');
    return v;
}

static const char *field_of(const struct csv_reader *r, const int *cols, int c) {
    assert(r != NULL && cols != NULL && c >= 0 && c < ENROL_COLS_MAX);
    if (cols[c] < 0 || cols[c] >= r->field_count) return ""; /* absent optional column */
    return r->fields[cols[c]];
}

static const char *put_code(char *out, const char *text, bool required) {
    assert(out != NULL && text != NULL);
    if (required && text[0] == '\0') return "empty";
    if (strlen(text) > CODE_BYTES_MAX) return "too long";
    memcpy(out, text, strlen(text) + 1);
    return NULL;
}

static const char *put_admdvs(char *out, const char *text) {
    assert(out != NULL && text != NULL);
    if (strlen(text) != 6 || strspn(text, "0123456789") != 6)
        return "not an administrative division code (6 digits)";
    memcpy(out, text, 7);
    return NULL;
}

/* A month "YYYY-MM" of the fund rules' years (enrol.h). */
static const char *put_month(char *out, const char *text) {
    assert(out != NULL && text != NULL);
    int year = 0, month = 0;
    bool shape = strlen(text) == 7 && strspn(text, "0123456789") == 4 && text[4] == '-' &&
                 strspn(text + 5, "0123456789") == 2;
    if (shape) year = atoi_n(text, 4), month = atoi_n(text + 5, 2);
    if (!shape || month < 1 || month > 12 || year < MONTH_YEAR_MIN || year > MONTH_YEAR_MAX)
        return "not a month YYYY-MM";
    memcpy(out, text, 8);
    return NULL;
}

/* A date or date-time, written back as "YYYY-MM-DD HH:MM:SS". */
static const char *put_instant(char *out, const char *text, datetime_s *t) {
    assert(out != NULL && text != NULL && t != NULL);
    if (text[0] == '\0' || !datetime_parse(text, strlen(text), t)) return "not a date or date-time";
    char buf[20];
    datetime_format(*t, buf);
    memcpy(out, buf, sizeof buf);
    return NULL;
}

/* Yuan with at most 2 decimals, >= 0, as fen. */
static const char *put_money(char *out, const char *text) {
    assert(out != NULL && text != NULL);
    int64_t fen = 0;
    if (text[0] == '\0') return "empty";
    enum decimal_status st = decimal_parse(text, strlen(text), 2, AMOUNT_FEN_MAX, &fen);
    if (st == DECIMAL_TOO_PRECISE) return "more than 2 decimals";
    if (st != DECIMAL_OK) return decimal_status_text(st);
    if (fen < 0) return "negative";
    snprintf(out, NAME_BYTES_MAX + 1, "%lld", (long long)fen);
    return NULL;
}

/* A share of the average wage in (0, 1], at most 4 decimals, as basis points. */
static const char *put_share(char *out, const char *text) {
    assert(out != NULL && text != NULL);
    int64_t bp = 0;
    if (text[0] == '\0') return "empty";
    enum decimal_status st = decimal_parse(text, strlen(text), 4, RATIO_ONE_BP * 10LL, &bp);
    if (st == DECIMAL_TOO_PRECISE) return "more than 4 decimals";
    if (st != DECIMAL_OK) return decimal_status_text(st);
    if (bp <= 0 || bp > RATIO_ONE_BP) return "not a share in (0, 1]";
    snprintf(out, NAME_BYTES_MAX + 1, "%lld", (long long)bp);
    return NULL;
}

static const char *employer_parse(const struct csv_reader *r, const int *cols,
                                  struct store_enrol_row *row, int *col) {
    const char *why = NULL;
    assert(r != NULL && row != NULL && col != NULL);
#define F(c) field_of(r, cols, (*col = (c)))
    if ((why = put_code(row->col[EMP_NO], F(EMP_NO), true)) ||
        (why = strlen(F(EMP_NAME)) > NAME_BYTES_MAX ? "too long" : NULL) ||
        (why = put_admdvs(row->col[EMP_ADMDVS], F(EMP_ADMDVS))))
        return why;
    snprintf(row->col[EMP_NAME], sizeof row->col[EMP_NAME], "%s", F(EMP_NAME));
    const char *s = F(EMP_STRUGGLING);
    if (s[0] != '\0' && strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
        return "not true or false";
#undef F
    snprintf(row->col[EMP_STRUGGLING], sizeof row->col[0], "%d", strcmp(s, "true") == 0);
    return NULL;
}

/* The categories of a scheme (FUNDS.md §2, §3). */
static const char *category_check(int32_t insutype, const char *text) {
    assert(text != NULL);
    static const char *const employee[] = {"in_service", "flexible", "retired"};
    static const char *const resident[] = {"adult", "minor", "student"};
    const char *const *names = insutype == INSUTYPE_EMPLOYEE ? employee : resident;
    for (int i = 0; i < 3; i++)
        if (strcmp(text, names[i]) == 0) return NULL;
    return insutype == INSUTYPE_EMPLOYEE
               ? "not a category of scheme 310 (in_service, flexible, retired)"
               : "not a category of scheme 390 (adult, minor, student)";
}

static bool one_of(const char *text, const char *const *names) {
    assert(text != NULL && names != NULL);
    for (; *names != NULL; names++)
        if (strcmp(text, *names) == 0) return true;
    return false;
}

/* Why an episode starts and ends (docs/ENROLMENT.md). */
static const char *reasons_check(const struct store_enrol_row *row, int *col) {
    static const char *const starts[] = {"new", "transfer_in", "retirement", NULL};
    static const char *const ends[] = {"transfer_out", "stop", "death", "retirement", NULL};
    assert(row != NULL && col != NULL);
    *col = EPI_REASON;
    if (!one_of(row->col[EPI_REASON], starts))
        return "not a reason an episode starts (new, transfer_in, retirement)";
    if (strcmp(row->col[EPI_REASON], "retirement") == 0 &&
        strcmp(row->col[EPI_CATEGORY], "retired") != 0)
        return "an episode that starts at retirement is of category retired";
    *col = EPI_END;
    if (row->col[EPI_TO][0] == '\0')
        return row->col[EPI_END][0] == '\0' ? NULL : "an open episode (no to_month) has none";
    if (row->col[EPI_END][0] == '\0') return "empty: a closed episode says why it ended";
    if (!one_of(row->col[EPI_END], ends))
        return "not a reason an episode ends (transfer_out, stop, death, retirement)";
    return NULL;
}

static const char *episode_parse(const struct csv_reader *r, const int *cols,
                                 struct store_enrol_row *row, int *col) {
    const char *why = NULL;
    assert(r != NULL && row != NULL && col != NULL);
#define F(c) field_of(r, cols, (*col = (c)))
    const char *insutype = F(EPI_INSUTYPE);
    if ((why = put_code(row->col[EPI_PSN], F(EPI_PSN), true)) ||
        (why = strcmp(insutype, "310") != 0 && strcmp(insutype, "390") != 0 ? "not 310 or 390"
                                                                            : NULL) ||
        (why = put_admdvs(row->col[EPI_ADMDVS], F(EPI_ADMDVS))) ||
        (why = category_check(atoi_n(insutype, 3), F(EPI_CATEGORY))) ||
        (why = put_month(row->col[EPI_FROM], F(EPI_FROM))) ||
        (why = F(EPI_TO)[0] != '\0' ? put_month(row->col[EPI_TO], F(EPI_TO)) : NULL))
        return why;
    memcpy(row->col[EPI_INSUTYPE], insutype, 4);
    snprintf(row->col[EPI_CATEGORY], sizeof row->col[0], "%s", F(EPI_CATEGORY));
    *col = EPI_TO;
    if (row->col[EPI_TO][0] != '\0' && strcmp(row->col[EPI_TO], row->col[EPI_FROM]) < 0)
        return "before from_month";
    if (strlen(F(EPI_REASON)) > CODE_BYTES_MAX || strlen(F(EPI_END)) > CODE_BYTES_MAX)
        return "too long";
    snprintf(row->col[EPI_REASON], sizeof row->col[0], "%s", F(EPI_REASON));
    snprintf(row->col[EPI_END], sizeof row->col[0], "%s", F(EPI_END));
#undef F
    return reasons_check(row, col);
}

/* An employer's declaration (emp_no, wage) or a flexible worker's chosen
 * base (no emp_no, base_share): one or the other. */
static const char *wage_parse(const struct csv_reader *r, const int *cols,
                              struct store_enrol_row *row, int *col) {
    const char *why = NULL;
    assert(r != NULL && row != NULL && col != NULL);
#define F(c) field_of(r, cols, (*col = (c)))
    if ((why = put_code(row->col[WAGE_PSN], F(WAGE_PSN), true)) ||
        (why = put_month(row->col[WAGE_MONTH], F(WAGE_MONTH))) ||
        (why = put_code(row->col[WAGE_EMP], F(WAGE_EMP), false)))
        return why;
    bool declared = row->col[WAGE_EMP][0] != '\0';
    if (declared) {
        if ((why = put_money(row->col[WAGE_WAGE], F(WAGE_WAGE))) != NULL) return why;
        if (F(WAGE_BASE)[0] != '\0') return "an employer's wage row (emp_no given) has none";
        memcpy(row->col[WAGE_BASE], "0", 2);
    } else {
        if (F(WAGE_WAGE)[0] != '\0') return "a flexible worker's base row (no emp_no) has none";
        if ((why = put_share(row->col[WAGE_BASE], F(WAGE_BASE))) != NULL) return why;
        memcpy(row->col[WAGE_WAGE], "0", 2);
    }
#undef F
    return NULL;
}

static const char *binding_parse(const struct csv_reader *r, const int *cols,
                                 struct store_enrol_row *row, int *col) {
    const char *why = NULL;
    datetime_s from = 0, revoked = 0;
    enum relation relation;
    assert(r != NULL && row != NULL && col != NULL);
#define F(c) field_of(r, cols, (*col = (c)))
    if ((why = put_code(row->col[BIND_HOLDER], F(BIND_HOLDER), true)) ||
        (why = put_code(row->col[BIND_MEMBER], F(BIND_MEMBER), true)) ||
        (why = relation_parse(F(BIND_RELATION), &relation) != 0 ? "not spouse, parent or child"
                                                                : NULL) ||
        (why = put_instant(row->col[BIND_FROM], F(BIND_FROM), &from)) ||
        (why = F(BIND_REVOKED)[0] != '\0'
                   ? put_instant(row->col[BIND_REVOKED], F(BIND_REVOKED), &revoked)
                   : NULL))
        return why;
    if (row->col[BIND_REVOKED][0] != '\0' && revoked <= from) return "not after valid_from";
#undef F
    snprintf(row->col[BIND_RELATION], sizeof row->col[0], "%s", relation_name(relation));
    return NULL;
}

/* A date "YYYY-MM-DD" (a signing runs from day to day, both included). */
static const char *put_date(char *out, const char *text, datetime_s *t) {
    assert(out != NULL && text != NULL && t != NULL);
    if (strlen(text) != 10 || !datetime_parse(text, 10, t)) return "not a date YYYY-MM-DD";
    memcpy(out, text, 11);
    return NULL;
}

static const char *signing_parse(const struct csv_reader *r, const int *cols,
                                 struct store_enrol_row *row, int *col) {
    const char *why = NULL;
    datetime_s from = 0, to = 0;
    assert(r != NULL && row != NULL && col != NULL);
#define F(c) field_of(r, cols, (*col = (c)))
    if ((why = put_code(row->col[SIGN_INST], F(SIGN_INST), true)) ||
        (why = put_code(row->col[SIGN_PSN], F(SIGN_PSN), true)) ||
        (why = put_date(row->col[SIGN_FROM], F(SIGN_FROM), &from)) ||
        (why = F(SIGN_TO)[0] != '\0' ? put_date(row->col[SIGN_TO], F(SIGN_TO), &to) : NULL))
        return why;
    if (row->col[SIGN_TO][0] != '\0' && to < from) return "before from_date";
#undef F
    return NULL;
}

/* A quantity: a decimal >= 0 with at most 4 decimals, as x 1e4. */
static const char *put_cnt(char *out, const char *text, int64_t *scaled) {
    assert(out != NULL && text != NULL && scaled != NULL);
    if (text[0] == '\0') return "empty";
    enum decimal_status st = decimal_parse(text, strlen(text), 4, INV_CNT_SCALED_MAX, scaled);
    if (st == DECIMAL_TOO_PRECISE) return "more than 4 decimals";
    if (st != DECIMAL_OK) return decimal_status_text(st);
    if (*scaled < 0) return "negative";
    snprintf(out, NAME_BYTES_MAX + 1, "%lld", (long long)*scaled);
    return NULL;
}

/* The day of a date or date-time. */
static const char *put_day(char *out, const char *text) {
    datetime_s t = 0;
    assert(out != NULL && text != NULL);
    if (text[0] == '\0' || !datetime_parse(text, strlen(text), &t))
        return "not a date or date-time";
    char buf[20];
    datetime_format(t, buf);
    memcpy(out, buf, 10);
    out[10] = '\0';
    return NULL;
}

/* What only some kinds carry: 3502 its change type, sales their settlement. */
static const char *inventory_kind_fields(int kind, const char *const text[ENROL_COLS_MAX],
                                         struct store_enrol_row *row, int *col) {
    assert(text != NULL && row != NULL && col != NULL);
    *col = INV_CHG;
    if (kind == INV_CHANGE && inv_chg_sign(text[INV_CHG]) == 0)
        return "not a change type (101, 103, 106 in; 102, 104, 105, 107 out)";
    if (kind != INV_CHANGE && text[INV_CHG][0] != '\0') return "only a stock change (3502) has one";
    *col = INV_SETL;
    bool sale = kind == INV_SALE || kind == INV_SALE_RETURN;
    if (!sale && text[INV_SETL][0] != '\0') return "only a sale (3505, 3506) names a settlement";
    const char *why = put_code(row->col[INV_SETL], text[INV_SETL], false);
    if (why != NULL) return why;
    snprintf(row->col[INV_CHG], sizeof row->col[0], "%s", text[INV_CHG]);
    return NULL;
}

const char *inventory_row_make(const char *const text[ENROL_COLS_MAX], struct store_enrol_row *row,
                               int *col) {
    const char *why = NULL;
    int64_t cnt = 0;
    assert(text != NULL && row != NULL && col != NULL);
    memset(row, 0, sizeof *row);
    int kind = inv_kind_of(text[INV_INFNO]);
    if ((why = put_code(row->col[(*col = INV_CODE)], text[INV_CODE], true)) ||
        (why = kind < 0 ? (*col = INV_INFNO, "not an inventory transaction (3501-3506)") : NULL) ||
        (why = put_code(row->col[(*col = INV_BCHNO)], text[INV_BCHNO], true)) ||
        (why = put_code(row->col[(*col = INV_ITEM)], text[INV_ITEM], true)) ||
        (why = put_day(row->col[(*col = INV_DAY)], text[INV_DAY])) ||
        (why = put_cnt(row->col[(*col = INV_CNT)], text[INV_CNT], &cnt)))
        return why;
    if (cnt == 0 && kind != INV_STOCKTAKE) return "zero: only a stock-taking counts nothing";
    snprintf(row->col[INV_INFNO], sizeof row->col[0], "%s", text[INV_INFNO]);
    return inventory_kind_fields(kind, text, row, col);
}

static const char *inventory_parse(const struct csv_reader *r, const int *cols,
                                   struct store_enrol_row *row, int *col) {
    const char *text[ENROL_COLS_MAX];
    assert(r != NULL && cols != NULL && row != NULL);
    for (int c = 0; c < ENROL_COLS_MAX; c++) text[c] = field_of(r, cols, c);
    return inventory_row_make(text, row, col);
}

const char *enrol_row_parse(enum enrol_kind kind, const struct csv_reader *r, const int *cols,
                            struct store_enrol_row *row, int *col) {
    assert(r != NULL && cols != NULL && row != NULL && col != NULL);
    assert(kind >= 0 && kind < ENROL_KIND_COUNT);
    memset(row, 0, sizeof *row);
    *col = 0;
    switch (kind) {
    case ENROL_EMPLOYERS: return employer_parse(r, cols, row, col);
    case ENROL_EPISODES: return episode_parse(r, cols, row, col);
    case ENROL_WAGES: return wage_parse(r, cols, row, col);
    case ENROL_BINDINGS: return binding_parse(r, cols, row, col);
    case ENROL_SIGNINGS: return signing_parse(r, cols, row, col);
    case ENROL_INVENTORY: return inventory_parse(r, cols, row, col);
    case ENROL_KIND_COUNT: break;
    }
    return "unknown kind";
}

void enrol_field_text(enum enrol_kind kind, const struct store_enrol_row *row, int c, char *out,
                      size_t size) {
    assert(row != NULL && out != NULL && size > 0 && c >= 0 && c < enrol_table(kind)->cols);
    const char *text = row->col[c];
    bool flexible = kind == ENROL_WAGES && row->col[WAGE_EMP][0] == '\0';
    if (kind == ENROL_EMPLOYERS && c == EMP_STRUGGLING)
        snprintf(out, size, "%s", strcmp(text, "1") == 0 ? "true" : "false");
    else if (kind == ENROL_WAGES && (c == WAGE_WAGE || c == WAGE_BASE) &&
             flexible == (c == WAGE_WAGE))
        out[0] = '\0'; /* the other kind of row's column */
    else if (kind == ENROL_WAGES && c == WAGE_WAGE)
        (void)scaled_format(strtoll(text, NULL, 10), 2, out, size);
    else if ((kind == ENROL_WAGES && c == WAGE_BASE) || (kind == ENROL_INVENTORY && c == INV_CNT))
        (void)scaled_format(strtoll(text, NULL, 10), 4, out, size);
    else snprintf(out, size, "%s", text);
}

int enrol_row_diff(enum enrol_kind kind, const struct store_enrol_row *a,
                   const struct store_enrol_row *b) {
    const struct enrol_table *t = enrol_table(kind);
    assert(a != NULL && b != NULL);
    for (int c = 0; c < t->cols; c++)
        if (strcmp(a->col[c], b->col[c]) != 0) return c;
    return -1;
}

void enrol_row_key(enum enrol_kind kind, const struct store_enrol_row *row, char *out,
                   size_t size) {
    const struct enrol_table *t = enrol_table(kind);
    assert(row != NULL && out != NULL && size >= ENROL_KEY_BYTES);
    size_t len = 0;
    out[0] = '\0';
    for (int c = 0; c < t->keys && len < size; c++)
        len += (size_t)snprintf(out + len, size - len, "%s%s", c > 0 ? "|" : "", row->col[c]);
}

/* Appends text to out (of size, holding *len bytes). */
static void sql_add(char *out, size_t size, size_t *len, const char *format, const char *a, int n) {
    assert(out != NULL && len != NULL && *len < size);
    int k = snprintf(out + *len, size - *len, format, a, n);
    assert(k >= 0 && (size_t)k < size - *len); /* the tables' SQL is short */
    *len += (size_t)k;
}

void enrol_sql_put(enum enrol_kind kind, char ph, char *out, size_t size) {
    const struct enrol_table *t = enrol_table(kind);
    assert(out != NULL && size >= ENROL_SQL_BYTES && (ph == '?' || ph == '$' || ph == 'U'));
    size_t len = 0;
    out[0] = '\0';
    sql_add(out, size, &len, "INSERT INTO %s(", t->table, 0);
    for (int c = 0; c < t->cols; c++) sql_add(out, size, &len, c ? ", %s" : "%s", t->names[c], 0);
    if (ph == 'U') { /* rows as columns of text arrays, the integers cast */
        sql_add(out, size, &len, ") SELECT %s", "", 0);
        for (int c = 0; c < t->cols; c++) {
            sql_add(out, size, &len, c ? ", u.%s" : "u.%s", t->names[c], 0);
            if (t->types[c] == 'I') sql_add(out, size, &len, "%s::bigint", "", 0);
        }
        sql_add(out, size, &len, " FROM unnest(%s", "", 0);
        for (int c = 0; c < t->cols; c++)
            sql_add(out, size, &len, "%s$%d::text[]", c ? ", " : "", c + 1);
        sql_add(out, size, &len, ") AS u(%s", "", 0);
        for (int c = 0; c < t->cols; c++)
            sql_add(out, size, &len, c ? ", %s" : "%s", t->names[c], 0);
    } else {
        sql_add(out, size, &len, ") VALUES(%s", "", 0);
        for (int c = 0; c < t->cols; c++)
            sql_add(out, size, &len, ph == '?' ? "%s?%d" : "%s$%d", c ? ", " : "", c + 1);
    }
    sql_add(out, size, &len, ") ON CONFLICT(%s", "", 0);
    for (int c = 0; c < t->keys; c++) sql_add(out, size, &len, c ? ", %s" : "%s", t->names[c], 0);
    sql_add(out, size, &len, ") DO UPDATE SET %s", "", 0);
    for (int c = t->keys; c < t->cols; c++) {
        sql_add(out, size, &len, c > t->keys ? ", %s" : "%s", t->names[c], 0);
        sql_add(out, size, &len, " = excluded.%s", t->names[c], 0);
    }
}

void enrol_sql_scan(enum enrol_kind kind, bool who, char ph, bool collate_c, char *out,
                    size_t size) {
    const struct enrol_table *t = enrol_table(kind);
    assert(out != NULL && size >= ENROL_SQL_BYTES && (ph == '?' || ph == '$' || ph == 'A'));
    size_t len = 0;
    out[0] = '\0';
    sql_add(out, size, &len, "SELECT %s", "", 0);
    for (int c = 0; c < t->cols; c++) sql_add(out, size, &len, c ? ", %s" : "%s", t->names[c], 0);
    sql_add(out, size, &len, " FROM %s", t->table, 0);
    for (int w = 0; who && w < 2 && t->who_cols[w] >= 0; w++) {
        sql_add(out, size, &len, w ? " OR %s" : " WHERE %s", t->names[t->who_cols[w]], 0);
        sql_add(out, size, &len,
                ph == '?'   ? "%s = ?%d"
                : ph == '$' ? "%s = $%d"
                            : "%s = ANY($%d::text[])",
                "", 1);
    }
    sql_add(out, size, &len, " ORDER BY %s", "", 0);
    for (int c = 0; c < t->keys; c++) {
        sql_add(out, size, &len, c ? ", %s" : "%s", t->names[c], 0);
        if (collate_c && t->types[c] == 'T') sql_add(out, size, &len, "%s COLLATE \"C\"", "", 0);
    }
}
