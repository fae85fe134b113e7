/* collect.c: payments collected against the contribution runs'
 * receivables, and their arrears (collect.h). */
#include "app/collect.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/enrol.h"
#include "core/money.h"
#include "store/csv.h"
#include "store/enrol_rows.h"
#include "store/record_body.h"

const char *app_collect_payer_name(enum app_collect_payer payer) {
    static const char *const names[COLLECT_PAYER_COUNT] = {"employer", "flexible", "finance"};
    assert(payer >= 0 && payer < COLLECT_PAYER_COUNT);
    return names[payer];
}

/* ---- the book: each payer's period, charged and collected, from the journal ------ */
/* The lines are found through an open-addressing table of their keys. In
 * the file's mode (grow false) the lines are the file's, made before the
 * scan, which only adds to them; in the report's mode every line of the
 * year is made as the scan meets it. */
struct book {
    struct app_collect_line *lines;
    size_t count, cap;
    uint32_t *slots; /* index + 1; 0 empty */
    size_t slot_cap; /* a power of two, at least twice cap */
    bool grow;
    int32_t year;     /* report mode: the year kept */
    int32_t *periods; /* the periods a run charged: scheme 310 y*100+m, 390 y*100 */
    size_t period_count, period_cap;
    bool bad, oom;
    int64_t bad_seq;
    int64_t last_seq; /* the journal's last record read: the items' read_seq */
};

static uint32_t key_hash(enum app_collect_payer payer, const char *who, int32_t year,
                         int32_t month) {
    uint32_t h = 2166136261u ^ (uint32_t)payer;
    assert(who != NULL);
    for (const char *p = who; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
    h = (h ^ (uint32_t)year) * 16777619u;
    return (h ^ (uint32_t)month) * 16777619u;
}

static bool key_is(const struct app_collect_line *l, enum app_collect_payer payer, const char *who,
                   int32_t year, int32_t month) {
    assert(l != NULL && who != NULL);
    return l->payer == payer && l->year == year && l->month == month && strcmp(l->who, who) == 0;
}

/* The slot of the key: holding its line, or the empty one it would take. */
static size_t book_slot(const struct book *b, enum app_collect_payer payer, const char *who,
                        int32_t year, int32_t month) {
    assert(b->slot_cap > 0 && (b->slot_cap & (b->slot_cap - 1)) == 0);
    size_t i = key_hash(payer, who, year, month) & (b->slot_cap - 1);
    while (b->slots[i] != 0 && !key_is(&b->lines[b->slots[i] - 1], payer, who, year, month))
        i = (i + 1) & (b->slot_cap - 1);
    return i;
}

static struct app_collect_line *book_find(const struct book *b, enum app_collect_payer payer,
                                          const char *who, int32_t year, int32_t month) {
    assert(b != NULL);
    if (b->slot_cap == 0) return NULL;
    size_t i = book_slot(b, payer, who, year, month);
    return b->slots[i] ? &b->lines[b->slots[i] - 1] : NULL;
}

/* Room for one more line: the lines doubled, the slots rebuilt. */
static bool book_reserve(struct book *b) {
    assert(b != NULL);
    if (b->count < b->cap) return true;
    size_t cap = b->cap ? b->cap * 2 : 1024;
    struct app_collect_line *lines = realloc(b->lines, cap * sizeof *lines);
    if (lines == NULL) return false;
    b->lines = lines;
    b->cap = cap;
    uint32_t *slots = calloc(cap * 2, sizeof *slots);
    if (slots == NULL) return false;
    free(b->slots);
    b->slots = slots;
    b->slot_cap = cap * 2;
    for (size_t k = 0; k < b->count; k++) {
        const struct app_collect_line *l = &b->lines[k];
        b->slots[book_slot(b, l->payer, l->who, l->year, l->month)] = (uint32_t)(k + 1);
    }
    return true;
}

/* The line of the key, made when missing: NULL when out of memory (b->oom). */
static struct app_collect_line *book_line(struct book *b, enum app_collect_payer payer,
                                          const char *who, int32_t year, int32_t month) {
    struct app_collect_line *l = book_find(b, payer, who, year, month);
    assert(strlen(who) <= CODE_BYTES_MAX);
    if (l != NULL) return l;
    if (!book_reserve(b)) return b->oom = true, NULL;
    l = &b->lines[b->count];
    memset(l, 0, sizeof *l);
    l->payer = payer;
    snprintf(l->who, sizeof l->who, "%s", who);
    l->year = year;
    l->month = month;
    b->slots[book_slot(b, payer, who, year, month)] = (uint32_t)++b->count;
    return l;
}

/* A period a run charged (code y*100+m, or y*100 for a year). */
static void book_ran(struct book *b, int32_t code) {
    assert(b != NULL);
    for (size_t i = b->period_count; i-- > 0;)
        if (b->periods[i] == code) return;
    if (b->period_count == b->period_cap) {
        size_t cap = b->period_cap ? b->period_cap * 2 : 64;
        int32_t *p = realloc(b->periods, cap * sizeof *p);
        if (p == NULL) return (void)(b->oom = true);
        b->periods = p;
        b->period_cap = cap;
    }
    b->periods[b->period_count++] = code;
}

static bool book_has_run(const struct book *b, int32_t code) {
    assert(b != NULL);
    for (size_t i = 0; i < b->period_count; i++)
        if (b->periods[i] == code) return true;
    return false;
}

static void book_free(struct book *b) {
    assert(b != NULL);
    free(b->lines);
    free(b->slots);
    free(b->periods);
    memset(b, 0, sizeof *b);
}

/* The line a contribution or collection record adds to (NULL: none of
 * the book's), with its payer and who. */
static struct app_collect_line *record_line(struct book *b, const struct journal_rec *rec,
                                            const struct store_contrib *c) {
    enum app_collect_payer payer = COLLECT_FINANCE;
    const char *who = c->region;
    assert(b != NULL && rec != NULL && c != NULL);
    if (c->insutype == 310 && c->emp_no[0] != '\0') payer = COLLECT_EMPLOYER, who = c->emp_no;
    else if (c->insutype == 310) payer = COLLECT_FLEXIBLE, who = rec->psn_no;
    if (b->grow && c->year != b->year) return NULL;
    int32_t month = c->insutype == 310 ? c->month : 0;
    return b->grow ? book_line(b, payer, who, c->year, month)
                   : book_find(b, payer, who, c->year, month);
}

/* One journal record: a run's charge (employees in service and flexible
 * workers: pool + account + over_cap, what their receivable paid out;
 * residents: the subsidy) or a collection. */
static int book_record(void *ctx, const struct journal_rec *rec) {
    struct book *b = ctx;
    assert(b != NULL && rec != NULL && rec->seq > b->last_seq);
    b->last_seq = rec->seq;
    if (rec->kind != JOURNAL_CONTRIB) return 0;
    bool collected = strncmp(rec->msgid, COLLECT_MSGID_PREFIX, strlen(COLLECT_MSGID_PREFIX)) == 0;
    if (!collected && strncmp(rec->msgid, "contrib/", 8) != 0) return 0;
    struct store_contrib c;
    const char *bad = NULL;
    if (contrib_decode(rec->body, &c, &bad) != 0) return b->bad = true, b->bad_seq = rec->seq, 1;
    if (!collected) book_ran(b, c.year * 100 + (c.insutype == 310 ? c.month : 0));
    if (!collected && c.insutype == 310 && strcmp(c.category, "retired") == 0) return 0;
    if (!collected && c.insutype == 390 && c.subsidy_fen == 0) return 0;
    struct app_collect_line *l = record_line(b, rec, &c);
    if (l == NULL) return b->oom ? 1 : 0;
    if (collected) {
        l->paid_fen += c.amount_fen, l->payments++;
        return 0;
    }
    l->charged_fen += c.insutype == 310 ? c.pool_fen + c.account_fen + c.over_cap_fen
                                        : c.subsidy_fen;
    l->charges++;
    if (l->region[0] == '\0') snprintf(l->region, sizeof l->region, "%s", c.region);
    return 0;
}

/* The journal read once into the book. 0, or -1 with err. */
static int book_read(struct store *store, struct book *b, struct store_err *err) {
    assert(store != NULL && b != NULL);
    int rc = store_ops(store)->journal_scan(store_conn(store), 1, book_record, b, err);
    /* a record that stops the scan (1) is one of these two */
    if (b->bad)
        return store_errf(err, "journal seq %" PRId64 ": a contribution record does not decode",
                          b->bad_seq),
               -1;
    if (b->oom) return store_errf(err, "collections: out of memory"), -1;
    assert(rc <= 0);
    return rc < 0 ? -1 : 0;
}

/* ---- one payment checked -------------------------------------------------------- */
/* The names a refusal gives the payment's fields: the file's columns or
 * the command's options. */
struct field_names {
    const char *who, *period, *amount, *date;
};

static int msgid_of(const struct app_collect_in *in, char out[MSGID_BYTES_MAX + 1]) {
    static const char *const kinds[COLLECT_PAYER_COUNT] = {"emp", "psn", "fin"};
    assert(in != NULL && in->payer < COLLECT_PAYER_COUNT);
    int n = in->payer == COLLECT_FINANCE
                ? snprintf(out, MSGID_BYTES_MAX + 1, "collect/fin/%s/%04d/%s", in->who,
                           (int)in->year, in->paid_date)
                : snprintf(out, MSGID_BYTES_MAX + 1, "collect/%s/%s/%04d-%02d/%s", kinds[in->payer],
                           in->who, (int)in->year, (int)in->month, in->paid_date);
    return n > 0 && n <= MSGID_BYTES_MAX ? 0 : -1;
}

struct emp_find {
    char region[NAME_BYTES_MAX + 1];
    bool found;
};
static int employer_row(void *ctx, const struct store_enrol_row *row) {
    struct emp_find *f = ctx;
    assert(f != NULL && row != NULL);
    snprintf(f->region, sizeof f->region, "%s", row->col[EMP_ADMDVS]);
    f->found = true;
    return 1;
}

/* The payer registered: an employer (its region into region), a person.
 * 0, 2 refused (err), -1 storage. */
static int payer_known(struct store *store, const struct app_collect_in *in,
                       const struct field_names *names, char *region, struct store_err *err) {
    assert(store != NULL && in != NULL && region != NULL);
    if (in->payer == COLLECT_EMPLOYER) {
        struct emp_find f = {{0}, false};
        if (store_enrol_rows_of(store, ENROL_EMPLOYERS, in->who, employer_row, &f, err) < 0)
            return -1;
        if (!f.found)
            return store_errf(err, "%s: employer %s is not registered", names->who, in->who), 2;
        snprintf(region, CODE_BYTES_MAX + 1, "%.*s", CODE_BYTES_MAX, f.region);
        return 0;
    }
    if (in->payer == COLLECT_FINANCE) return snprintf(region, CODE_BYTES_MAX + 1, "%s", in->who), 0;
    struct store_person p;
    int64_t balance_fen = 0;
    bool found = false;
    if (store_person_get(store, in->who, &p, &balance_fen, &found, err) != 0) return -1;
    if (!found) return store_errf(err, "%s: person %s is not registered", names->who, in->who), 2;
    return 0;
}

/* A flexible worker's month the run charged nothing: say why (an
 * employee's month is the employer's to pay). 2 with err, -1. */
static int nothing_charged(struct store *store, const struct app_collect_in *in,
                           const struct field_names *names, const char *period,
                           struct store_err *err) {
    char msgid[MSGID_BYTES_MAX + 1];
    struct journal_rec rec;
    struct store_contrib c;
    bool found = false;
    const char *bad = NULL, *key = msgid;
    assert(in != NULL && names != NULL);
    if (in->payer == COLLECT_FLEXIBLE &&
        snprintf(msgid, sizeof msgid, "contrib/310/%s/%s", period, in->who) < (int)sizeof msgid) {
        if (store_ops(store)->journal_by_msgid(store_conn(store), &key, 1, &rec, &found, err) != 0)
            return -1;
        if (found && contrib_decode(rec.body, &c, &bad) == 0 && c.emp_no[0] != '\0')
            return store_errf(err,
                              "%s: %s's contribution of %s is owed by employer %s (journal seq "
                              "%" PRId64 "): collect it in an employers' file",
                              names->who, in->who, period, c.emp_no, rec.seq),
                   2;
    }
    return store_errf(err, "%s: %s %s was charged nothing for %s", names->who,
                      app_collect_payer_name(in->payer), in->who, period),
           2;
}

/* What the period owes, and the payment not beyond it. 0, 2, -1. */
static int owed_check(struct store *store, struct book *b, const struct app_collect_in *in,
                      const struct field_names *names, struct app_collect_line **line,
                      struct store_err *err) {
    char period[16], v1[32], v2[32], v3[32], v4[32];
    assert(b != NULL && in != NULL && line != NULL);
    if (in->month) snprintf(period, sizeof period, "%04d-%02d", (int)in->year, (int)in->month);
    else snprintf(period, sizeof period, "%04d", (int)in->year);
    if (!book_has_run(b, in->year * 100 + in->month))
        return store_errf(err,
                          "%s: %s has no contribution run (run yibao contribute %s %s%s first)",
                          names->period, period, in->month ? "--month" : "--year", period,
                          in->month ? "" : " --residents"),
               2;
    *line = book_find(b, in->payer, in->who, in->year, in->month);
    if (*line == NULL || (*line)->charged_fen == 0)
        return nothing_charged(store, in, names, period, err);
    int64_t owed_fen = (*line)->charged_fen - (*line)->paid_fen;
    if (in->amount_fen <= owed_fen) return 0;
    money_format(in->amount_fen, v1, sizeof v1), money_format(owed_fen, v2, sizeof v2);
    money_format((*line)->charged_fen, v3, sizeof v3);
    money_format((*line)->paid_fen, v4, sizeof v4);
    return store_errf(err,
                      "%s: %s yuan is more than %s %s owes for %s, %s yuan (charged %s, collected "
                      "%s)",
                      names->amount, v1, app_collect_payer_name(in->payer), in->who, period, v2, v3,
                      v4),
           2;
}

/* One payment checked against the registry, the book and the journal,
 * and made an item (the book's line then counts it, so that later rows
 * of a file see it). 0, 2 refused (err), -1 storage. */
static int collect_check(struct store *store, struct book *b, const struct app_collect_in *in,
                         const struct field_names *names, struct store_contrib_item *item,
                         struct store_err *err) {
    struct app_collect_line *line = NULL;
    struct store_contrib *c = &item->c;
    assert(store != NULL && in != NULL && item != NULL);
    memset(item, 0, sizeof *item);
    int rc = payer_known(store, in, names, c->region, err);
    if (rc != 0) return rc;
    if (msgid_of(in, item->msgid) != 0)
        return store_errf(err, "%s: %s is too long for a collection record", names->who, in->who),
               2;
    struct journal_rec rec;
    bool found = false;
    const char *key = item->msgid;
    if (store_ops(store)->journal_by_msgid(store_conn(store), &key, 1, &rec, &found, err) != 0)
        return -1;
    if (found) /* a file imported again */
        return store_errf(
                   err, "%s: %s's payment of %s is collected already (journal seq %" PRId64 ", %s)",
                   names->date, in->who, in->paid_date, rec.seq, item->msgid),
               2;
    rc = owed_check(store, b, in, names, &line, err);
    if (rc != 0) return rc;
    c->insutype = in->payer == COLLECT_FINANCE ? 390 : 310;
    c->year = in->year, c->month = in->month;
    if (in->payer == COLLECT_FLEXIBLE) snprintf(c->region, sizeof c->region, "%s", line->region);
    snprintf(c->category, sizeof c->category, "%s", CONTRIB_COLLECTED);
    if (in->payer == COLLECT_EMPLOYER) snprintf(c->emp_no, sizeof c->emp_no, "%s", in->who);
    c->amount_fen = in->amount_fen;
    c->owed_fen = line->charged_fen - line->paid_fen;
    item->read_seq = b->last_seq;
    snprintf(c->paid_date, sizeof c->paid_date, "%s", in->paid_date);
    if (in->payer == COLLECT_FLEXIBLE) snprintf(item->psn_no, sizeof item->psn_no, "%s", in->who);
    assert(contrib_identity_error(c) == NULL);
    line->paid_fen += in->amount_fen, line->payments++;
    return 0;
}

/* ---- public finance's subsidy ------------------------------------------------------ */
int app_collect_subsidy(struct store *store, const struct app_collect_in *in,
                        struct app_collect_line *out, int64_t *seq, struct store_err *err) {
    static const struct field_names names = {"--region", "--year", "--amount", "--date"};
    assert(store != NULL && in != NULL && in->payer == COLLECT_FINANCE && out != NULL);
    struct book b;
    memset(&b, 0, sizeof b);
    b.grow = true, b.year = in->year;
    struct store_contrib_item item;
    int rc = book_read(store, &b, err);
    if (rc == 0) rc = collect_check(store, &b, in, &names, &item, err);
    struct app_collect_line *line = book_find(&b, in->payer, in->who, in->year, 0);
    if (rc == 0 && line != NULL) *out = *line;
    book_free(&b);
    if (rc != 0) return rc;
    struct contrib_batch *batch = store_contrib_batch_new(1);
    if (batch == NULL) return store_errf(err, "collect-subsidy: out of memory"), -1;
    bool posted = false;
    rc = store_contrib_commit(store, batch, &item, 1, &posted, err);
    store_contrib_batch_free(batch);
    if (rc != 0) return rc;
    if (!posted)
        return store_errf(err, "--date: collected already by another writer (%s)", item.msgid), 2;
    struct journal_rec rec;
    bool found = false;
    const char *key = item.msgid;
    if (store_ops(store)->journal_by_msgid(store_conn(store), &key, 1, &rec, &found, err) != 0)
        return -1;
    *seq = found ? rec.seq : 0;
    return 0;
}

/* ---- the collection file -------------------------------------------------------- */
enum { COL_WHO, COL_MONTH, COL_AMOUNT, COL_DATE, COL_COUNT };

/* A row's fields into in: NULL, or the column that is wrong with why. */
static const char *row_fields(char *const *f, enum app_collect_payer payer,
                              struct app_collect_in *in, const char **why) {
    assert(f != NULL && in != NULL && why != NULL);
    memset(in, 0, sizeof *in);
    in->payer = payer;
    const char *who = payer == COLLECT_EMPLOYER ? "emp_no" : "psn_no";
    size_t len = strlen(f[COL_WHO]);
    if (len == 0 || len > CODE_BYTES_MAX || !body_code_ok(f[COL_WHO], false, "/:"))
        return *why = "empty, too long, or holding a space, '=', '/' or ':'", who;
    memcpy(in->who, f[COL_WHO], len + 1);
    const char *m = f[COL_MONTH];
    if (strlen(m) != 7 || strspn(m, "0123456789") != 4 || m[4] != '-' ||
        strspn(m + 5, "0123456789") != 2)
        return *why = "not a month YYYY-MM", "month";
    in->year = (int32_t)strtol(m, NULL, 10), in->month = (int32_t)strtol(m + 5, NULL, 10);
    if (in->month < 1 || in->month > 12 || in->year < MONTH_YEAR_MIN || in->year > MONTH_YEAR_MAX)
        return *why = "not a month YYYY-MM", "month";
    enum decimal_status ds = decimal_parse(f[COL_AMOUNT], strlen(f[COL_AMOUNT]), 2,
                                           COLLECT_AMOUNT_MAX_FEN, &in->amount_fen);
    if (ds != DECIMAL_OK) return *why = decimal_status_text(ds), "amount";
    if (in->amount_fen <= 0) return *why = "not more than 0", "amount";
    datetime_s d = 0;
    if (strlen(f[COL_DATE]) != 10 || !datetime_parse(f[COL_DATE], 10, &d))
        return *why = "not a date YYYY-MM-DD", "paid_date";
    memcpy(in->paid_date, f[COL_DATE], 11);
    return NULL;
}

/* The header names the payer: emp_no,... or psn_no,... . 0, or 2. */
static int file_header(struct csv_reader *r, const char *name, enum app_collect_payer *payer,
                       struct store_err *err) {
    static const char *const rest[] = {"month", "amount", "paid_date"};
    assert(r != NULL && payer != NULL);
    bool ok = csv_next(r) == 1 && r->field_count == COL_COUNT;
    if (ok && strcmp(r->fields[0], "emp_no") == 0) *payer = COLLECT_EMPLOYER;
    else if (ok && strcmp(r->fields[0], "psn_no") == 0) *payer = COLLECT_FLEXIBLE;
    else ok = false;
    for (int i = 1; ok && i < COL_COUNT; i++) ok = strcmp(r->fields[i], rest[i - 1]) == 0;
    if (!ok)
        return store_errf(err,
                          "%s:1: header: not emp_no,month,amount,paid_date nor "
                          "psn_no,month,amount,paid_date",
                          name),
               2;
    return 0;
}

/* Every row parsed into ins (the header first); a row the file holds
 * twice (payer, month and day) refused. 0, 2 (err). */
static int file_rows(struct csv_reader *r, const char *name, struct app_collect_in *ins,
                     int64_t *lines, size_t *n, enum app_collect_payer *payer,
                     struct store_err *err) {
    int rc = file_header(r, name, payer, err), got;
    if (rc != 0) return rc;
    *n = 0;
    while ((got = csv_next(r)) == 1) {
        const char *why = NULL, *bad = NULL;
        struct app_collect_in *in = &ins[*n];
        if (r->field_count != COL_COUNT) bad = "row", why = "not 4 fields";
        else bad = row_fields(r->fields, *payer, in, &why);
        if (bad == NULL && *n == COLLECT_IMPORT_ROWS_MAX)
            bad = "row", why = "more than " COLLECT_IMPORT_ROWS_TEXT " rows (split the file)";
        if (bad != NULL)
            return store_errf(err, "%s:%lld: %s: %s", name, (long long)r->line, bad, why), 2;
        for (size_t k = 0; k < *n; k++)
            if (strcmp(ins[k].who, in->who) == 0 && ins[k].year == in->year &&
                ins[k].month == in->month && strcmp(ins[k].paid_date, in->paid_date) == 0)
                return store_errf(err,
                                  "%s:%lld: row: the same payment as line %lld (%s, month, "
                                  "paid_date): in the file twice",
                                  name, (long long)r->line, (long long)lines[k],
                                  *payer == COLLECT_EMPLOYER ? "emp_no" : "psn_no"),
                       2;
        lines[(*n)++] = r->line;
    }
    if (got < 0) return store_errf(err, "%s:%lld: %s", name, (long long)r->line, r->err), 2;
    if (*n == 0) return store_errf(err, "%s: no payments in the file", name), 2;
    return 0;
}

/* The book of the file's periods, then each row checked into an item. */
static int file_items(struct store *store, const char *name, const struct app_collect_in *ins,
                      const int64_t *lines, size_t n, struct store_contrib_item *items,
                      struct store_err *err) {
    static const struct field_names names[2] = {{"emp_no", "month", "amount", "paid_date"},
                                                {"psn_no", "month", "amount", "paid_date"}};
    struct book b;
    memset(&b, 0, sizeof b);
    assert(n >= 1 && ins[0].payer <= COLLECT_FLEXIBLE);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (book_line(&b, ins[i].payer, ins[i].who, ins[i].year, ins[i].month) == NULL)
            rc = -1, store_errf(err, "import collections: out of memory");
    if (rc == 0) rc = book_read(store, &b, err);
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = collect_check(store, &b, &ins[i], &names[ins[i].payer], &items[i], err);
        if (rc == 2) {
            char why[sizeof err->msg];
            snprintf(why, sizeof why, "%s", err->msg);
            store_errf(err, "%s:%lld: %s", name, (long long)lines[i], why);
        }
    }
    book_free(&b);
    return rc;
}

int app_collect_rows(FILE *f, const char *name, struct app_collect_in *ins, int64_t *lines,
                     size_t *n, enum app_collect_payer *payer, struct store_err *err) {
    assert(f != NULL && name != NULL && ins != NULL && lines != NULL && n != NULL);
    *n = 0;
    struct csv_reader *r = malloc(sizeof *r);
    if (r == NULL) return store_errf(err, "import collections: out of memory"), -1;
    csv_init(r, f);
    int rc = file_rows(r, name, ins, lines, n, payer, err);
    free(r);
    return rc;
}

int app_collect_import(struct store *store, const char *path, const char *name,
                       struct app_collect_import *out, struct store_err *err) {
    assert(store != NULL && path != NULL && name != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (f == NULL) return store_errf(err, "%s: cannot open", name), 2;
    struct app_collect_in *ins = calloc(COLLECT_IMPORT_ROWS_MAX, sizeof *ins);
    int64_t *lines = calloc(COLLECT_IMPORT_ROWS_MAX, sizeof *lines);
    struct store_contrib_item *items = calloc(COLLECT_IMPORT_ROWS_MAX, sizeof *items);
    bool *posted = calloc(COLLECT_IMPORT_ROWS_MAX, sizeof *posted);
    struct contrib_batch *batch = store_contrib_batch_new(COLLECT_IMPORT_ROWS_MAX);
    int rc = !ins || !lines || !items || !posted || !batch ? -1 : 0;
    if (rc != 0) store_errf(err, "import collections: out of memory");
    size_t n = 0;
    if (rc == 0) rc = app_collect_rows(f, name, ins, lines, &n, &out->payer, err);
    if (rc == 0) rc = file_items(store, name, ins, lines, n, items, err);
    /* one transaction: every row or none */
    if (rc == 0) rc = store_contrib_commit(store, batch, items, n, posted, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        out->rows++;
        if (posted[i]) out->paid++, out->paid_fen += items[i].c.amount_fen;
    }
    if (rc == 2 && strncmp(err->msg, "amount: R:", 10) == 0) { /* the commit's own refusal */
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        store_errf(err, "%s: %s", name, why);
    }
    fclose(f);
    free(ins), free(lines), free(items), free(posted);
    store_contrib_batch_free(batch);
    return rc;
}

/* ---- the report ----------------------------------------------------------------- */
static int line_order(const void *pa, const void *pb) {
    const struct app_collect_line *a = pa, *b = pb;
    if (a->payer != b->payer) return a->payer < b->payer ? -1 : 1;
    int c = strcmp(a->who, b->who);
    if (c != 0) return c;
    return a->month < b->month ? -1 : a->month > b->month;
}

int app_collect_report_of(struct store *store, int32_t year, struct app_collect_report *out,
                          struct store_err *err) {
    assert(store != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    struct book b;
    memset(&b, 0, sizeof b);
    b.grow = true, b.year = year;
    if (book_read(store, &b, err) != 0) return book_free(&b), -1;
    if (b.count > 1) qsort(b.lines, b.count, sizeof *b.lines, line_order);
    for (size_t i = 0; i < b.count; i++) {
        const struct app_collect_line *l = &b.lines[i];
        out->charged_fen += l->charged_fen;
        out->paid_fen += l->paid_fen;
        out->owed_fen += l->charged_fen - l->paid_fen;
        if (l->charged_fen > l->paid_fen) out->owing++;
    }
    out->lines = b.lines, out->count = b.count;
    b.lines = NULL;
    book_free(&b);
    return 0;
}

void app_collect_report_free(struct app_collect_report *r) {
    if (r == NULL) return;
    assert(r->count == 0 || r->lines != NULL);
    free(r->lines);
    memset(r, 0, sizeof *r);
}
