/* lookup.c: the operator's look-ups (lookup.h): a person, a settlement, a
 * day's settlements of an institution, the funds. Reads only. */
#include "app/lookup.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/codec.h"
#include "core/agreement.h"
#include "json/json.h"

struct years {
    const struct store_person *person;
    int32_t years[APP_VIEW_YEARS_MAX];
    int32_t count;
};

/* A policy row of the person's region and scheme: its year, once. */
static int policy_year(void *ctx, const struct store_policy_row *row) {
    struct years *y = ctx;
    assert(y != NULL && row != NULL);
    if (strcmp(row->region, y->person->region) != 0 || row->insutype != y->person->insutype)
        return 0;
    for (int32_t i = 0; i < y->count; i++)
        if (y->years[i] == row->year) return 0;
    if (y->count < APP_VIEW_YEARS_MAX) y->years[y->count++] = row->year;
    return 0;
}

static int newest_first(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x < y) - (x > y);
}

int app_person_view(struct store *store, const char *psn_no, int32_t year,
                    struct app_person_view *out, bool *found, struct store_err *err) {
    assert(store != NULL && psn_no != NULL && out != NULL && found != NULL);
    assert(year >= 0);
    memset(out, 0, sizeof *out);
    if (store_person_get(store, psn_no, &out->person, &out->acct_balc_fen, found, err) != 0)
        return -1;
    if (!*found) return 0;
    struct years y = {.person = &out->person};
    if (year > 0) y.years[y.count++] = year;
    else if (store_ops(store)->policies_scan(store_conn(store), policy_year, &y, err) != 0)
        return -1;
    qsort(y.years, (size_t)y.count, sizeof y.years[0], newest_first);
    for (int32_t i = 0; i < y.count; i++)
        if (store_state_get(store, psn_no, y.years[i], &out->years[i], err) != 0) return -1;
    out->year_count = y.count;
    assert(out->year_count <= APP_VIEW_YEARS_MAX);
    return 0;
}

int app_settlement_view(struct store *store, int64_t setl_id, struct bill_line *lines,
                        int32_t lines_max, struct app_settlement_view *out, bool *found,
                        struct store_err *err) {
    assert(store != NULL && setl_id > 0 && out != NULL && found != NULL);
    assert(lines != NULL && lines_max > 0);
    memset(out, 0, sizeof *out);
    if (store_settlement_get(store, setl_id, &out->rec, &out->stl, &out->revoked, found, err) != 0)
        return -1;
    if (!*found) return 0;
    if (store_settlement_bill(store, setl_id, &out->bill, lines, lines_max, &out->has_bill, err) !=
        0)
        return -1;
    assert(!out->has_bill || out->bill.line_count <= lines_max);
    return 0;
}

void app_local_day_us(datetime_s day, int64_t *from_us, int64_t *to_us) {
    char text[20];
    assert(from_us != NULL && to_us != NULL);
    datetime_format(day, text);
    assert(text[4] == '-' && text[7] == '-'); /* YYYY-MM-DD: the digits read below */
    struct tm tm = {0};
    tm.tm_year = datetime_year(day) - 1900;
    tm.tm_mon = (text[5] - '0') * 10 + (text[6] - '0') - 1;
    tm.tm_mday = (text[8] - '0') * 10 + (text[9] - '0');
    tm.tm_isdst = -1;
    *from_us = (int64_t)mktime(&tm) * 1000000;
    tm.tm_mday += 1; /* mktime normalises the next day, across a month or a DST change */
    tm.tm_isdst = -1;
    *to_us = (int64_t)mktime(&tm) * 1000000;
    assert(*to_us > *from_us);
}

datetime_s app_unix_to_local(int64_t unix_s) {
    time_t t = (time_t)unix_s;
    struct tm tm;
    if (localtime_r(&t, &tm) == NULL) return 0;
    assert(tm.tm_mon >= 0 && tm.tm_mon <= 11 && tm.tm_mday >= 1 && tm.tm_mday <= 31);
    return datetime_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                               tm.tm_sec);
}

struct day_list {
    const char *code;
    app_record_cb cb;
    void *ctx;
    int64_t from_us, to_us;
    bool bad;
};

static int day_row(void *ctx, const struct journal_rec *rec) {
    struct day_list *d = ctx;
    assert(d != NULL && rec != NULL);
    if ((rec->kind != JOURNAL_SETTLE && rec->kind != JOURNAL_REVOKE) || rec->time_us < d->from_us ||
        rec->time_us >= d->to_us)
        return 0; /* the period's scan reads a little around it (clock slack) */
    if (d->code[0] != '\0' && strcmp(rec->fixmedins_code, d->code) != 0) return 0;
    struct store_settlement stl;
    const char *bad = NULL;
    if (settlement_decode(rec->body, &stl, &bad) != 0) return d->bad = true, -1;
    return d->cb(d->ctx, rec, &stl);
}

int app_list_settlements(struct store *store, const char *code, datetime_s day, app_record_cb cb,
                         void *ctx, struct store_err *err) {
    assert(store != NULL && code != NULL && cb != NULL);
    struct day_list d = {code, cb, ctx, 0, 0, false};
    app_local_day_us(day, &d.from_us, &d.to_us);
    int rc = store_journal_period(store, store_conn(store), d.from_us, d.to_us, day_row, &d, err);
    if (d.bad) store_errf(err, "a journal record's body does not decode");
    assert(!d.bad || rc != 0);
    return rc < 0 || d.bad ? -1 : 0;
}

struct fund_filter {
    const char *region;
    int32_t year;
    account_cb cb;
    void *ctx;
};

/* "F:<fund>:<region>:<year>": of the region and year asked. */
static int fund_row(void *ctx, const char *account, int64_t amount_fen) {
    struct fund_filter *f = ctx;
    assert(f != NULL && strncmp(account, "F:", 2) == 0);
    const char *region = strchr(account + 2, ':');
    const char *year = region ? strchr(region + 1, ':') : NULL;
    if (year == NULL) return 0;
    size_t region_len = (size_t)(year - region - 1);
    if (f->region[0] != '\0' &&
        (strlen(f->region) != region_len || strncmp(region + 1, f->region, region_len) != 0))
        return 0;
    if (f->year != 0 && atoi(year + 1) != f->year) return 0;
    return f->cb(f->ctx, account, amount_fen);
}

int app_fund_view(struct store *store, const char *region, int32_t year, account_cb cb, void *ctx,
                  struct store_err *err) {
    assert(store != NULL && region != NULL && cb != NULL && year >= 0);
    struct fund_filter f = {region, year, cb, ctx};
    return store_accounts_now(store, "F:", fund_row, &f, err);
}

struct agreement_filter {
    const char *region;
    int32_t year;
    app_agreement_cb cb;
    void *ctx;
    struct json_doc *doc;
    struct agreement *agreement;
    struct store_err *err;
};

static int agreement_row(void *ctx, const struct store_agreement_row *row) {
    struct agreement_filter *f = ctx;
    assert(f != NULL && row != NULL && row->json != NULL);
    if ((f->region != NULL && strcmp(f->region, row->region) != 0) ||
        (f->year != 0 && f->year != row->year))
        return 0;
    struct json_error jerr;
    char msg[CODEC_ERR_BYTES];
    const struct json_value *root = json_parse(f->doc, row->json, row->json_len, &jerr);
    if (root == NULL || payment_agreement_from_json(root, f->agreement, msg, sizeof msg) != 0)
        return store_errf(f->err, "the payment agreement of region %s, year %d does not load: %s",
                          row->region, (int)row->year, root == NULL ? jerr.message : msg),
               -1;
    return f->cb(f->ctx, f->agreement) != 0 ? 1 : 0;
}

int app_agreements(struct store *store, const char *region, int32_t year, app_agreement_cb cb,
                   void *ctx, struct store_err *err) {
    assert(store != NULL && cb != NULL && year >= 0);
    struct json_limits limits = {JSON_BYTES_MAX, JSON_DEPTH_MAX, JSON_NODES_MAX};
    struct agreement_filter f = {
        region, year, cb, ctx, json_doc_new(&limits), malloc(sizeof(struct agreement)), err};
    int rc = -1;
    if (f.doc == NULL || f.agreement == NULL) store_errf(err, "payment agreements: out of memory");
    else rc = store_ops(store)->agreements_scan(store_conn(store), agreement_row, &f, err);
    json_doc_free(f.doc);
    free(f.agreement);
    return rc < 0 ? -1 : 0;
}

int app_enrol_rows(struct store *store, enum enrol_kind kind, const char *who, enrol_cb cb,
                   void *ctx, struct store_err *err) {
    assert(store != NULL && who != NULL && cb != NULL);
    assert(kind >= 0 && kind < ENROL_KIND_COUNT);
    int rc = store_ops(store)->enrol_scan(store_conn(store), kind, who, cb, ctx, err);
    return rc < 0 ? -1 : 0;
}
