/* premium.c: a resident's own premium recorded as paid, in cash or from a
 * holder's account, and the arrears of a year (premium.h). */
#include "app/premium.h"
#include "app/array_room.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/settle_case.h"
#include "store/csv.h"
#include "core/date.h"
#include "core/money.h"
#include "core/sharing.h"

/* "contrib/390/<year>/<psn_no>" (the year's record) or
 * "premium/390/<year>/<psn_no>" (its payment): false when it does not fit
 * a msgid. */
static bool year_msgid(char out[MSGID_BYTES_MAX + 1], bool paid, int32_t year, const char *psn_no) {
    assert(out != NULL && psn_no != NULL);
    int n = snprintf(out, MSGID_BYTES_MAX + 1, "%s%04d/%s",
                     paid ? PREMIUM_MSGID_PREFIX : "contrib/390/", (int)year, psn_no);
    return n > 0 && n <= MSGID_BYTES_MAX;
}

/* The journal's record of msgid: *found, rec. 0, or -1 with err. */
static int record_of(struct store *store, const char *msgid, struct journal_rec *rec, bool *found,
                     struct store_err *err) {
    const char *key = msgid;
    assert(store != NULL && msgid != NULL && rec != NULL && found != NULL);
    return store_ops(store)->journal_by_msgid(store_conn(store), &key, 1, rec, found, err);
}

/* The person's own premium of the year as posted (due), not yet paid: 0
 * (due filled), 2 refused (err), -1 storage. */
static int premium_due(struct store *store, const struct app_premium_in *in,
                       const struct store_person *p, struct store_contrib *due,
                       struct store_err *err) {
    char msgid[MSGID_BYTES_MAX + 1];
    struct journal_rec rec;
    bool found = false;
    const char *bad = NULL;
    if (!year_msgid(msgid, false, in->year, in->psn_no))
        return store_errf(err, "psn_no: %s is too long for a premium record", in->psn_no), 2;
    if (record_of(store, msgid, &rec, &found, err) != 0) return -1;
    if (!found && p->insutype != INSUTYPE_RESIDENT)
        return store_errf(err,
                          "E_CATEGORY: %s is not a resident (scheme %d): no resident premium of %d",
                          in->psn_no, (int)p->insutype, (int)in->year),
               2;
    if (!found)
        return store_errf(err,
                          "psn_no: %s has no resident premium posted for %d (run yibao contribute "
                          "--year %d --residents first)",
                          in->psn_no, (int)in->year, (int)in->year),
               2;
    if (rec.kind != JOURNAL_CONTRIB || contrib_decode(rec.body, due, &bad) != 0)
        return store_errf(err, "journal seq %" PRId64 ": %s does not decode", rec.seq, msgid), -1;
    if (due->own_fen == 0)
        return store_errf(err, "psn_no: %s owes nothing for %d (the premium is assisted in full)",
                          in->psn_no, (int)in->year),
               2;
    if (!year_msgid(msgid, true, in->year, in->psn_no)) return 2; /* fits: shorter prefix */
    if (record_of(store, msgid, &rec, &found, err) != 0) return -1;
    if (found)
        return store_errf(err,
                          "psn_no: %s paid the premium of %d already (journal seq %" PRId64 ")",
                          in->psn_no, (int)in->year, rec.seq),
               2;
    return 0;
}

/* FUNDS.md §4: a premium paid after the year, or before the window of
 * the year before opens, is E_WINDOW. 0, or 2 with err. */
static int in_window(const struct policy *policy, int32_t year, datetime_s paid,
                     struct store_err *err) {
    assert(policy != NULL && policy->has_funding);
    const struct funding_resident *f = &policy->funding.resident;
    datetime_s opens = datetime_from_civil(year - 1, f->window_from_month, f->window_from_day, 0, 0,
                                           0);
    datetime_s ends = datetime_from_civil(year, 12, 31, 23, 59, 59);
    if (paid < opens || paid > ends)
        return store_errf(err,
                          "E_WINDOW: --date: the premium of %d is paid from %04d-%02d-%02d to "
                          "%d-12-31",
                          (int)year, (int)year - 1, (int)f->window_from_month,
                          (int)f->window_from_day, (int)year),
               2;
    return 0;
}

/* The member's binding to holder valid at paid (else the first one to
 * holder, which premium_from_account refuses): 1 found, 0 none, -1. */
struct binding_scan {
    const char *member, *holder;
    datetime_s paid;
    struct app_holder found;
    int count;
    bool bad;
};
static int binding_row(void *ctx, const struct store_enrol_row *row) {
    struct binding_scan *s = ctx;
    struct app_holder h;
    assert(s != NULL && row != NULL);
    int rc = app_holder_from_row(row, s->member, &h);
    if (rc < 0) return s->bad = true, 1;
    if (rc == 0 || strcmp(h.psn_no, s->holder) != 0) return 0;
    struct binding b = {h.psn_no, h.relation, h.from, h.revoked, h.revoked_at, NULL};
    if (s->count == 0 || binding_valid_at(&b, s->paid)) s->found = h;
    s->count++;
    return 0;
}

/* §5: the holder may pay the member's own premium from the account. 0
 * (out->payer set), 2 refused (err "E_CODE: ..."), -1 storage. */
static int from_account(struct store *store, const struct app_premium_in *in,
                        const struct store_contrib *due, const struct policy *member_policy,
                        datetime_s paid, struct store_err *err) {
    struct store_person holder;
    int64_t balance_fen = 0;
    bool found = false;
    if (store_person_get(store, in->holder, &holder, &balance_fen, &found, err) != 0) return -1;
    if (!found)
        return store_errf(err, "E_BINDING: --from-account: holder %s is not registered",
                          in->holder),
               2;
    const struct policy *hp = store_policy_find(store, holder.region, datetime_year(paid),
                                                holder.insutype);
    if (hp == NULL) hp = store_policy_find(store, holder.region, in->year, holder.insutype);
    if (hp == NULL)
        return store_errf(err, "E_BINDING: holder %s: no policy of region %s scheme %d", in->holder,
                          holder.region, (int)holder.insutype),
               2;
    struct binding_scan s;
    memset(&s, 0, sizeof s);
    s.member = in->psn_no, s.holder = in->holder, s.paid = paid;
    if (store_enrol_rows_of(store, ENROL_BINDINGS, in->psn_no, binding_row, &s, err) != 0)
        return -1;
    if (s.bad)
        return store_errf(err, "enrol_bindings: a binding of %s does not parse", in->psn_no), -1;
    if (s.count == 0)
        return store_errf(err, "E_BINDING: %s is not bound to holder %s", in->psn_no, in->holder),
               2;
    struct binding b = {s.found.psn_no,  s.found.relation,   s.found.from,
                        s.found.revoked, s.found.revoked_at, hp};
    enum category category;
    if (category_parse(due->category, &category) != 0)
        return store_errf(err, "E_CATEGORY: category %s has no premium", due->category), 2;
    if (balance_fen < 0) balance_fen = 0; /* the floor: never below */
    if (balance_fen > STATE_FEN_MAX) balance_fen = STATE_FEN_MAX;
    struct premium_payment pay;
    enum funds_code code = premium_from_account(member_policy, in->psn_no, category, due->flags, &b,
                                                balance_fen, paid, &pay);
    if (code != FUNDS_OK)
        return store_errf(err,
                          "%s: holder %s (account %" PRId64 ".%02" PRId64
                          " yuan) for %s's premium of %" PRId64 ".%02" PRId64 " yuan",
                          funds_code_name(code), in->holder, balance_fen / 100, balance_fen % 100,
                          in->psn_no, due->own_fen / 100, due->own_fen % 100),
               2;
    if (pay.own_fen != due->own_fen)
        return store_errf(err,
                          "psn_no: %s: the own premium priced again is %" PRId64
                          " fen, the year's record says %" PRId64,
                          in->psn_no, pay.own_fen, due->own_fen),
               2;
    return 0;
}

/* Refusals before anything is written: the person, the year's record,
 * the amount, the date, the holder. 0, 2 (err), -1. */
static int pay_check(struct store *store, const struct app_premium_in *in,
                     struct store_contrib *due, datetime_s *paid, struct store_err *err) {
    struct store_person p;
    int64_t balance_fen = 0;
    bool found = false;
    if (store_person_get(store, in->psn_no, &p, &balance_fen, &found, err) != 0) return -1;
    if (!found) return store_errf(err, "psn_no: person %s is not registered", in->psn_no), 2;
    int rc = premium_due(store, in, &p, due, err);
    if (rc != 0) return rc;
    if (in->amount_fen != due->own_fen)
        return store_errf(err,
                          "--amount: %" PRId64 ".%02" PRId64
                          " yuan is not the own premium due, %" PRId64 ".%02" PRId64
                          " yuan (a premium is paid in full: partial payments are "
                          "not taken)",
                          in->amount_fen / 100, in->amount_fen % 100, due->own_fen / 100,
                          due->own_fen % 100),
               2;
    if (strlen(in->paid_date) != 10 || !datetime_parse(in->paid_date, 10, paid))
        return store_errf(err, "--date: '%s' is not a date YYYY-MM-DD", in->paid_date), 2;
    const struct policy *policy = store_policy_find(store, due->region, in->year,
                                                    INSUTYPE_RESIDENT);
    if (policy == NULL || !policy->has_funding)
        return store_errf(err, "E_POLICY: no resident policy with funding for region %s, %d",
                          due->region, (int)in->year),
               2;
    rc = in_window(policy, in->year, *paid, err);
    if (rc != 0 || in->holder == NULL) return rc;
    if (strcmp(in->holder, in->psn_no) == 0)
        return store_errf(err, "E_BINDING: --from-account: %s cannot be their own holder",
                          in->holder),
               2;
    return from_account(store, in, due, policy, *paid, err);
}

/* The payment record of in, after pay_check filled item->c with the
 * year's record: 0, or 2 (err) when its msgid does not fit. */
static int premium_item(const struct app_premium_in *in, struct store_contrib_item *item,
                        struct store_err *err) {
    struct store_contrib *c = &item->c;
    assert(in != NULL && item != NULL);
    snprintf(c->category, sizeof c->category, "%s", CONTRIB_PREMIUM_PAID);
    c->subsidy_fen = c->catastrophic_fen = c->pool_fen = 0;
    snprintf(c->paid_date, sizeof c->paid_date, "%s", in->paid_date);
    snprintf(c->payer_psn_no, sizeof c->payer_psn_no, "%s", in->holder ? in->holder : "");
    assert(contrib_identity_error(c) == NULL);
    snprintf(item->psn_no, sizeof item->psn_no, "%s", in->psn_no);
    if (!year_msgid(item->msgid, true, in->year, in->psn_no))
        return store_errf(err, "psn_no: %s is too long for a premium record", in->psn_no), 2;
    return 0;
}

enum app_premium_status app_premium_pay(struct store *store, const struct app_premium_in *in,
                                        struct app_premium_out *out, struct store_err *err) {
    assert(store != NULL && in != NULL && in->psn_no != NULL && in->paid_date != NULL);
    assert(out != NULL && err != NULL);
    memset(out, 0, sizeof *out);
    struct store_contrib_item item;
    memset(&item, 0, sizeof item);
    datetime_s paid = 0;
    int rc = pay_check(store, in, &item.c, &paid, err);
    if (rc == 0) rc = premium_item(in, &item, err);
    if (rc != 0) return rc == 2 ? APP_PREMIUM_REFUSED : APP_PREMIUM_FAILED;
    struct contrib_batch *batch = store_contrib_batch_new(1);
    if (batch == NULL) return store_errf(err, "pay-premium: out of memory"), APP_PREMIUM_FAILED;
    bool posted = false;
    rc = store_contrib_commit(store, batch, &item, 1, &posted, err);
    store_contrib_batch_free(batch);
    if (rc != 0) return rc == 2 ? APP_PREMIUM_REFUSED : APP_PREMIUM_FAILED;
    if (!posted)
        return store_errf(err, "psn_no: %s paid the premium of %d already", in->psn_no,
                          (int)in->year),
               APP_PREMIUM_REFUSED;
    out->own_fen = item.c.own_fen;
    if (in->holder != NULL) account_person(out->payer, in->holder);
    else account_collection(out->payer, item.c.region, item.c.year);
    account_due(out->receivable, in->psn_no);
    struct journal_rec rec;
    bool found = false;
    if (record_of(store, item.msgid, &rec, &found, err) != 0) return APP_PREMIUM_FAILED;
    out->seq = found ? rec.seq : 0;
    return APP_PREMIUM_PAID;
}

/* ---- the collection file ---------------------------------------------------------- */
enum { COL_PSN, COL_YEAR, COL_AMOUNT, COL_DATE, COL_COUNT };
static const char *const PREMIUM_COLUMNS[COL_COUNT] = {"psn_no", "year", "amount", "paid_date"};

/* A row's fields into in (strings kept in row's buffers): NULL, or the
 * column that is wrong with why. */
static const char *row_fields(char *const *f, struct app_premium_in *in, const char **why) {
    assert(f != NULL && in != NULL && why != NULL);
    memset(in, 0, sizeof *in);
    size_t len = strlen(f[COL_PSN]);
    if (len == 0 || len > CODE_BYTES_MAX) return *why = "empty or too long", "psn_no";
    in->psn_no = f[COL_PSN];
    const char *y = f[COL_YEAR];
    if (strlen(y) != 4 || strspn(y, "0123456789") != 4 || y[0] == '0')
        return *why = "not a year YYYY", "year";
    in->year = (int32_t)strtol(y, NULL, 10);
    enum decimal_status ds = decimal_parse(f[COL_AMOUNT], strlen(f[COL_AMOUNT]), 2,
                                           PREMIUM_AMOUNT_MAX_FEN, &in->amount_fen);
    if (ds != DECIMAL_OK) return *why = decimal_status_text(ds), "amount";
    if (in->amount_fen <= 0) return *why = "not more than 0", "amount";
    datetime_s d = 0;
    if (strlen(f[COL_DATE]) != 10 || !datetime_parse(f[COL_DATE], 10, &d))
        return *why = "not a date YYYY-MM-DD", "paid_date";
    in->paid_date = f[COL_DATE];
    return NULL;
}

/* A refusal of pay_check as a file's row says it: the column, not the
 * option ("--amount: ..." is "amount: ...", "E_WINDOW: --date: ..." is
 * "paid_date: E_WINDOW: ..."). */
static void as_column(const char *msg, char *out, size_t size) {
    assert(msg != NULL && out != NULL && size > 0);
    const char *code_end = strstr(msg, ": --date: ");
    if (strncmp(msg, "--amount: ", 10) == 0) snprintf(out, size, "amount: %s", msg + 10);
    else if (strncmp(msg, "--date: ", 8) == 0) snprintf(out, size, "paid_date: %s", msg + 8);
    else if (code_end != NULL)
        snprintf(out, size, "paid_date: %.*s: %s", (int)(code_end - msg), msg, code_end + 10);
    else snprintf(out, size, "%s", msg);
}

/* The header, then each row checked and made an item; a row the file
 * holds twice (person and year) is refused. 0, 2 (err), -1. */
static int file_items(struct store *store, struct csv_reader *r, const char *name,
                      struct store_contrib_item *items, size_t *n, struct store_err *err) {
    int got = csv_next(r);
    bool header = got == 1 && r->field_count == COL_COUNT;
    for (int i = 0; header && i < COL_COUNT; i++)
        header = strcmp(r->fields[i], PREMIUM_COLUMNS[i]) == 0;
    if (!header) return store_errf(err, "%s:1: header: not psn_no,year,amount,paid_date", name), 2;
    *n = 0;
    while ((got = csv_next(r)) == 1) {
        const char *why = NULL, *bad = NULL;
        struct app_premium_in in;
        if (r->field_count != COL_COUNT) bad = "row", why = "not 4 fields";
        else bad = row_fields(r->fields, &in, &why);
        if (bad == NULL && *n == PREMIUM_IMPORT_ROWS_MAX)
            bad = "row", why = "more than " PREMIUM_IMPORT_ROWS_TEXT " rows (split the file)";
        if (bad != NULL)
            return store_errf(err, "%s:%lld: %s: %s", name, (long long)r->line, bad, why), 2;
        for (size_t k = 0; k < *n; k++)
            if (strcmp(items[k].psn_no, in.psn_no) == 0 && items[k].c.year == in.year)
                return store_errf(err, "%s:%lld: psn_no: %s's premium of %d is in the file twice",
                                  name, (long long)r->line, in.psn_no, (int)in.year),
                       2;
        datetime_s paid = 0;
        struct store_contrib_item *item = &items[*n];
        memset(item, 0, sizeof *item);
        int rc = pay_check(store, &in, &item->c, &paid, err);
        if (rc == 0) rc = premium_item(&in, item, err);
        if (rc == -1) return -1;
        if (rc != 0) {
            char why_text[sizeof err->msg];
            as_column(err->msg, why_text, sizeof why_text);
            return store_errf(err, "%s:%lld: %s", name, (long long)r->line, why_text), 2;
        }
        (*n)++;
    }
    if (got < 0) return store_errf(err, "%s:%lld: %s", name, (long long)r->line, r->err), 2;
    return 0;
}

int app_premium_import(struct store *store, const char *path, const char *name,
                       struct app_premium_import *out, struct store_err *err) {
    assert(store != NULL && path != NULL && name != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (f == NULL) return store_errf(err, "%s: cannot open", name), 2;
    struct csv_reader *r = malloc(sizeof *r);
    struct store_contrib_item *items = calloc(PREMIUM_IMPORT_ROWS_MAX, sizeof *items);
    bool *posted = calloc(PREMIUM_IMPORT_ROWS_MAX, sizeof *posted);
    struct contrib_batch *batch = store_contrib_batch_new(PREMIUM_IMPORT_ROWS_MAX);
    int rc = r == NULL || items == NULL || posted == NULL || batch == NULL ? -1 : 0;
    if (rc != 0) store_errf(err, "import premiums: out of memory");
    size_t n = 0;
    if (rc == 0) csv_init(r, f), rc = file_items(store, r, name, items, &n, err);
    if (rc == 0 && n == 0) {
        store_errf(err, "%s: no premiums in the file", name);
        rc = 2;
    }
    /* one transaction: every row or none */
    if (rc == 0) rc = store_contrib_commit(store, batch, items, n, posted, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        out->rows++;
        if (posted[i]) out->paid++, out->paid_fen += items[i].c.own_fen;
    }
    fclose(f);
    free(r);
    free(items);
    free(posted);
    store_contrib_batch_free(batch);
    return rc;
}

/* ---- arrears ---------------------------------------------------------------------- */
struct arrears_scan {
    int32_t year;
    struct app_arrear *due;
    size_t due_count, due_cap;
    char (*paid)[CODE_BYTES_MAX + 1];
    size_t paid_count, paid_cap;
    bool bad, oom;
};

static int arrears_row(void *ctx, const struct journal_rec *rec) {
    struct arrears_scan *s = ctx;
    assert(s != NULL && rec != NULL);
    if (rec->kind != JOURNAL_CONTRIB || rec->year != s->year) return 0;
    bool paid = strncmp(rec->msgid, PREMIUM_MSGID_PREFIX, strlen(PREMIUM_MSGID_PREFIX)) == 0;
    if (!paid && strncmp(rec->msgid, "contrib/390/", strlen("contrib/390/")) != 0) return 0;
    struct store_contrib c;
    const char *bad = NULL;
    if (contrib_decode(rec->body, &c, &bad) != 0) return s->bad = true, 1;
    if (paid) {
        if (!app_array_room((void **)&s->paid, &s->paid_cap, s->paid_count + 1, sizeof *s->paid))
            return s->oom = true, 1;
        snprintf(s->paid[s->paid_count++], CODE_BYTES_MAX + 1, "%s", rec->psn_no);
        return 0;
    }
    if (c.own_fen == 0) return 0; /* assisted in full: nothing the person owes */
    if (!app_array_room((void **)&s->due, &s->due_cap, s->due_count + 1, sizeof *s->due))
        return s->oom = true, 1;
    struct app_arrear *a = &s->due[s->due_count++];
    snprintf(a->psn_no, sizeof a->psn_no, "%s", rec->psn_no);
    snprintf(a->region, sizeof a->region, "%s", c.region);
    snprintf(a->category, sizeof a->category, "%s", c.category);
    a->due_seq = rec->seq;
    a->own_fen = c.own_fen;
    return 0;
}

static int arrear_order(const void *a, const void *b) {
    return strcmp(((const struct app_arrear *)a)->psn_no, ((const struct app_arrear *)b)->psn_no);
}
static int psn_order(const void *a, const void *b) { return strcmp(a, b); }

/* Each due not paid, in psn_no order: the paid list sorted, merged. */
static void arrears_merge(struct arrears_scan *s, struct app_arrears *out) {
    assert(s != NULL && out != NULL);
    if (s->due_count > 1) qsort(s->due, s->due_count, sizeof *s->due, arrear_order);
    if (s->paid_count > 1) qsort(s->paid, s->paid_count, sizeof *s->paid, psn_order);
    size_t j = 0;
    for (size_t i = 0; i < s->due_count; i++) {
        const struct app_arrear *a = &s->due[i];
        while (j < s->paid_count && strcmp(s->paid[j], a->psn_no) < 0) j++;
        out->due_count++;
        out->due_fen += a->own_fen;
        if (j < s->paid_count && strcmp(s->paid[j], a->psn_no) == 0) {
            out->paid_count++;
            out->paid_fen += a->own_fen;
            continue;
        }
        s->due[out->count++] = *a; /* in place: out->count <= i */
        out->unpaid_fen += a->own_fen;
    }
    out->rows = s->due;
}

int app_arrears_of(struct store *store, int32_t year, struct app_arrears *out,
                   struct store_err *err) {
    assert(store != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    struct arrears_scan s = {.year = year};
    int rc = store_ops(store)->journal_scan(store_conn(store), 1, arrears_row, &s, err);
    if (rc == 0 && (s.bad || s.oom)) {
        store_errf(err, "%s",
                   s.bad ? "a resident contribution record does not decode"
                         : "report arrears: out of memory");
        rc = -1;
    }
    if (rc < 0) {
        free(s.due);
        free(s.paid);
        return -1;
    }
    arrears_merge(&s, out);
    free(s.paid);
    return 0;
}

void app_arrears_free(struct app_arrears *a) {
    if (a == NULL) return;
    assert((int64_t)a->count <= a->due_count);
    free(a->rows);
    a->rows = NULL;
    a->count = 0;
}
