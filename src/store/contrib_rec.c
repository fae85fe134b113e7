/* contrib_rec.c: contribution records in the journal (issue 16 item 2;
 * docs/CONTRIBUTIONS.md): one record per person and period, its body the
 * inputs and the figures, its postings (ledger.c, contrib_postings) in the
 * same transaction.
 *
 * A record's msgid names the scheme, the period and the person, so a
 * period is posted once per person whatever runs, reruns or crashes
 * happen: record_batch.c writes a batch of them exactly once, in one
 * transaction, and keeps them out of the readers' replay. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/enrol.h"
#include "store/record_batch.h"
#include "store/record_body.h"
#include "store/store.h"

_Static_assert(CONTRIB_POSTINGS_MAX <= POSTINGS_PER_RECORD_MAX,
               "a contribution's postings fit where a record's postings are read");

int contrib_msgid(char out[MSGID_BYTES_MAX + 1], const char *psn_no,
                  const struct store_contrib *c) {
    assert(out != NULL && psn_no != NULL && c != NULL);
    assert(c->insutype == 310 || c->insutype == 390);
    int n = c->insutype == 310
                ? snprintf(out, MSGID_BYTES_MAX + 1, "contrib/310/%04d-%02d/%s", (int)c->year,
                           (int)c->month, psn_no)
                : snprintf(out, MSGID_BYTES_MAX + 1, "contrib/390/%04d/%s", (int)c->year, psn_no);
    return n > 0 && n <= MSGID_BYTES_MAX ? 0 : -1;
}

/* A collection's body: the period, the region, the payer (310: emp=),
 * then the amount, what was owed and the date. */
static int collected_encode(const struct store_contrib *c, char *body, size_t size) {
    assert(c != NULL && strcmp(c->category, CONTRIB_COLLECTED) == 0);
    if (!body_code_ok(c->paid_date, false, NULL)) return -1;
    int n = c->insutype == 310
                ? snprintf(body, size, "scheme=310 period=%04d-%02d region=%s category=%s emp=%s",
                           (int)c->year, (int)c->month, c->region, c->category,
                           c->emp_no[0] ? c->emp_no : "-")
                : snprintf(body, size, "scheme=390 period=%04d region=%s category=%s", (int)c->year,
                           c->region, c->category);
    if (n > 0 && (size_t)n < size)
        n += snprintf(body + n, size - (size_t)n, " amount=%" PRId64 " owed=%" PRId64 " paid=%s",
                      c->amount_fen, c->owed_fen, c->paid_date);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

int contrib_encode(const struct store_contrib *c, char *body, size_t size) {
    assert(c != NULL && body != NULL && size > 0);
    assert(c->insutype == 310 || c->insutype == 390);
    if (!body_code_ok(c->region, false, NULL) || !body_code_ok(c->category, false, NULL) ||
        !body_code_ok(c->emp_no, true, NULL))
        return -1;
    if (strcmp(c->category, CONTRIB_COLLECTED) == 0) return collected_encode(c, body, size);
    int n;
    if (c->insutype == 310)
        n = snprintf(body, size,
                     "scheme=310 period=%04d-%02d region=%s category=%s emp=%s struggling=%d "
                     "short=%d wage=%" PRId64 " share=%d base=%" PRId64 " employer=%" PRId64
                     " employee=%" PRId64 " account=%" PRId64 " pool=%" PRId64 " over_cap=%" PRId64,
                     (int)c->year, (int)c->month, c->region, c->category,
                     c->emp_no[0] ? c->emp_no : "-", c->struggling ? 1 : 0,
                     (c->flags & FLAG_CONTRIBUTION_SHORT) != 0 ? 1 : 0, c->wage_fen,
                     (int)c->share_bp, c->base_fen, c->employer_fen, c->employee_fen,
                     c->account_fen, c->pool_fen, c->over_cap_fen);
    else
        n = snprintf(body, size,
                     "scheme=390 period=%04d region=%s category=%s flags=%u premium=%" PRId64
                     " assisted=%" PRId64 " own=%" PRId64 " subsidy=%" PRId64
                     " catastrophic=%" PRId64 " pool=%" PRId64,
                     (int)c->year, c->region, c->category, (unsigned)c->flags, c->premium_fen,
                     c->assisted_fen, c->own_fen, c->subsidy_fen, c->catastrophic_fen, c->pool_fen);
    /* a lump sum keeps the months it pays for, last */
    if (c->insutype == 310 && n > 0 && (size_t)n < size &&
        strcmp(c->category, CONTRIB_LUMP_SUM) == 0)
        n += snprintf(body + n, size - (size_t)n, " months=%d", (int)c->lump_months);
    /* a premium paid keeps its date and payer, last */
    if (c->insutype == 390 && n > 0 && (size_t)n < size &&
        strcmp(c->category, CONTRIB_PREMIUM_PAID) == 0) {
        if (!body_code_ok(c->paid_date, false, NULL) || !body_code_ok(c->payer_psn_no, true, NULL))
            return -1;
        n += snprintf(body + n, size - (size_t)n, " paid=%s from=%s", c->paid_date,
                      c->payer_psn_no[0] ? c->payer_psn_no : "-");
    }
    return n > 0 && (size_t)n < size ? 0 : -1;
}

/* "YYYY-MM" (310) or "YYYY" (390), digits only. */
static bool take_period(const char **p, struct store_contrib *c) {
    char val[16];
    assert(c != NULL);
    if (!body_take(p, "period", val, sizeof val)) return false;
    size_t len = strlen(val);
    if (len != (c->insutype == 310 ? 7u : 4u) || strspn(val, "0123456789") != 4) return false;
    c->year = (val[0] - '0') * 1000 + (val[1] - '0') * 100 + (val[2] - '0') * 10 + (val[3] - '0');
    c->month = 0;
    if (c->year < MONTH_YEAR_MIN || c->year > MONTH_YEAR_MAX) return false; /* as the runs */
    if (c->insutype == 390) return true;
    if (val[4] != '-' || strspn(val + 5, "0123456789") != 2) return false;
    c->month = (val[5] - '0') * 10 + (val[6] - '0');
    return c->month >= 1 && c->month <= 12;
}

static const char *decode_employee(const char **p, struct store_contrib *c) {
    int64_t v = 0;
    assert(c->insutype == 310);
    if (!body_take(p, "emp", c->emp_no, sizeof c->emp_no) || !body_code_ok(c->emp_no, false, NULL))
        return "emp";
    if (strcmp(c->emp_no, "-") == 0) c->emp_no[0] = '\0';
    if (!body_take_i64(p, "struggling", &v) || (v != 0 && v != 1)) return "struggling";
    c->struggling = v == 1;
    /* a retiree short of the minimum months (FUNDS.md §4): no allocation */
    if (!body_take_i64(p, "short", &v) || (v != 0 && v != 1)) return "short";
    c->flags = v == 1 ? FLAG_CONTRIBUTION_SHORT : 0;
    if (!body_take_i64(p, "wage", &c->wage_fen)) return "wage";
    if (!body_take_i64(p, "share", &v) || v < 0 || v > 10000) return "share";
    c->share_bp = (int32_t)v;
    if (!body_take_i64(p, "base", &c->base_fen)) return "base";
    if (!body_take_i64(p, "employer", &c->employer_fen)) return "employer";
    if (!body_take_i64(p, "employee", &c->employee_fen)) return "employee";
    if (!body_take_i64(p, "account", &c->account_fen)) return "account";
    if (!body_take_i64(p, "pool", &c->pool_fen)) return "pool";
    if (!body_take_i64(p, "over_cap", &c->over_cap_fen)) return "over_cap";
    if (strcmp(c->category, CONTRIB_LUMP_SUM) != 0) return NULL;
    if (!body_take_i64(p, "months", &v) || v < 1 || v > FUNDING_MONTHS_MAX) return "months";
    c->lump_months = (int32_t)v;
    return NULL;
}

static const char *decode_resident(const char **p, struct store_contrib *c) {
    int64_t v = 0;
    assert(c->insutype == 390);
    if (!body_take_i64(p, "flags", &v) || v < 0 || v > 255) return "flags";
    c->flags = (uint32_t)v;
    if (!body_take_i64(p, "premium", &c->premium_fen)) return "premium";
    if (!body_take_i64(p, "assisted", &c->assisted_fen)) return "assisted";
    if (!body_take_i64(p, "own", &c->own_fen)) return "own";
    if (!body_take_i64(p, "subsidy", &c->subsidy_fen)) return "subsidy";
    if (!body_take_i64(p, "catastrophic", &c->catastrophic_fen)) return "catastrophic";
    if (!body_take_i64(p, "pool", &c->pool_fen)) return "pool";
    if (strcmp(c->category, CONTRIB_PREMIUM_PAID) != 0) return NULL;
    if (!body_take(p, "paid", c->paid_date, sizeof c->paid_date) || strlen(c->paid_date) != 10 ||
        !datetime_parse(c->paid_date, 10, &v))
        return "paid";
    if (!body_take(p, "from", c->payer_psn_no, sizeof c->payer_psn_no) ||
        !body_code_ok(c->payer_psn_no, false, NULL))
        return "from";
    if (strcmp(c->payer_psn_no, "-") == 0) c->payer_psn_no[0] = '\0';
    return NULL;
}

/* A collection's keys after category= (collected_encode). */
static const char *decode_collected(const char **p, struct store_contrib *c) {
    int64_t d = 0;
    assert(c != NULL && strcmp(c->category, CONTRIB_COLLECTED) == 0);
    if (c->insutype == 310) {
        if (!body_take(p, "emp", c->emp_no, sizeof c->emp_no) ||
            !body_code_ok(c->emp_no, false, NULL))
            return "emp";
        if (strcmp(c->emp_no, "-") == 0) c->emp_no[0] = '\0';
    }
    if (!body_take_i64(p, "amount", &c->amount_fen)) return "amount";
    if (!body_take_i64(p, "owed", &c->owed_fen)) return "owed";
    if (!body_take(p, "paid", c->paid_date, sizeof c->paid_date) || strlen(c->paid_date) != 10 ||
        !datetime_parse(c->paid_date, 10, &d))
        return "paid";
    return NULL;
}

int contrib_decode(const char *body, struct store_contrib *out, const char **bad_key) {
    assert(body != NULL && out != NULL && bad_key != NULL);
    memset(out, 0, sizeof *out);
    const char *p = body;
    int64_t scheme = 0;
    const char *bad = NULL;
    if (!body_take_i64(&p, "scheme", &scheme) || (scheme != 310 && scheme != 390)) bad = "scheme";
    else if ((out->insutype = (int32_t)scheme, !take_period(&p, out))) bad = "period";
    else if (!body_take(&p, "region", out->region, sizeof out->region) ||
             !body_code_ok(out->region, false, NULL))
        bad = "region";
    else if (!body_take(&p, "category", out->category, sizeof out->category) ||
             !body_code_ok(out->category, false, NULL))
        bad = "category";
    else if (strcmp(out->category, CONTRIB_COLLECTED) == 0) bad = decode_collected(&p, out);
    else bad = scheme == 310 ? decode_employee(&p, out) : decode_resident(&p, out);
    if (bad == NULL && *p != '\0') bad = "end";
    if (bad == NULL && contrib_identity_error(out) != NULL) bad = "figures";
    *bad_key = bad;
    return bad == NULL ? 0 : -1;
}

const char *contrib_identity_error(const struct store_contrib *c) {
    assert(c != NULL);
    if (strcmp(c->category, CONTRIB_COLLECTED) == 0) {
        if (c->amount_fen <= 0 || c->owed_fen < c->amount_fen)
            return "amount is not above 0 and at most owed (collected)";
        if (c->base_fen != 0 || c->employer_fen != 0 || c->employee_fen != 0 ||
            c->account_fen != 0 || c->pool_fen != 0 || c->over_cap_fen != 0 ||
            c->premium_fen != 0 || c->assisted_fen != 0 || c->own_fen != 0 || c->subsidy_fen != 0 ||
            c->catastrophic_fen != 0 || (c->insutype == 390 && c->emp_no[0]))
            return "a contribution figure is not 0 (collected)";
        return NULL;
    }
    if (c->insutype == 310) {
        bool retired = strcmp(c->category, "retired") == 0;
        if (strcmp(c->category, CONTRIB_LUMP_SUM) == 0 &&
            (c->employer_fen != 0 || c->account_fen != 0 || c->over_cap_fen != 0 ||
             c->emp_no[0] != '\0' || c->base_fen < 0 || c->lump_months < 1 ||
             c->base_fen > INT64_MAX / c->lump_months || c->employee_fen != c->pool_fen ||
             c->base_fen * c->lump_months != c->pool_fen))
            return "pool is not base x months (lump sum)";
        if (c->base_fen < 0 || c->employer_fen < 0 || c->employee_fen < 0 || c->account_fen < 0 ||
            c->over_cap_fen < 0 || (!retired && c->pool_fen < 0))
            return "a figure is negative";
        if (retired && c->pool_fen + c->account_fen != 0)
            return "pool + account is not 0 (retired)";
        if (!retired && c->employer_fen + c->employee_fen != c->pool_fen + c->account_fen)
            return "employer + employee is not pool + account";
        return NULL;
    }
    if (c->premium_fen < 0 || c->assisted_fen < 0 || c->own_fen < 0 || c->subsidy_fen < 0 ||
        c->catastrophic_fen < 0 || c->pool_fen < 0)
        return "a figure is negative";
    if (strcmp(c->category, CONTRIB_PREMIUM_PAID) == 0 &&
        (c->own_fen <= 0 || c->subsidy_fen != 0 || c->catastrophic_fen != 0 || c->pool_fen != 0 ||
         c->own_fen + c->assisted_fen != c->premium_fen))
        return "own is not premium - assisted, or a pool figure is not 0 (premium paid)";
    if (strcmp(c->category, CONTRIB_PREMIUM_PAID) == 0) return NULL;
    if (c->own_fen + c->assisted_fen != c->premium_fen) return "own + assisted is not premium";
    if (c->own_fen + c->assisted_fen + c->subsidy_fen != c->pool_fen + c->catastrophic_fen)
        return "own + assisted + subsidy is not pool + catastrophic";
    return NULL;
}

int store_enrol_scan(struct store *store, enum enrol_kind kind, const char *who, enrol_cb cb,
                     void *ctx, struct store_err *err) {
    assert(store != NULL && cb != NULL && kind < ENROL_KIND_COUNT);
    return store_ops(store)->enrol_scan(store_conn(store), kind, who, cb, ctx, err);
}

/* ---- one batch (record_batch.c) ------------------------------------------------- */
struct contrib_batch {
    struct record_batch rb;
};

static const char *contrib_item_msgid(const void *items, size_t i) {
    const struct store_contrib_item *item = (const struct store_contrib_item *)items + i;
    assert(item->msgid[0] != '\0');
    return item->msgid;
}

static int contrib_item_fill(struct journal_rec *rec, const void *items, size_t i,
                             struct store_err *err) {
    const struct store_contrib_item *item = (const struct store_contrib_item *)items + i;
    assert(rec != NULL && rec->seq >= 1);
    rec->kind = JOURNAL_CONTRIB;
    snprintf(rec->msgid, sizeof rec->msgid, "%s", item->msgid);
    snprintf(rec->psn_no, sizeof rec->psn_no, "%s", item->psn_no);
    rec->year = item->c.year;
    if (contrib_encode(&item->c, rec->body, sizeof rec->body) != 0)
        return store_errf(err, "contribution of %s: the record's body does not fit", item->psn_no),
               -1;
    record_req_hash(rec, rec->psn_no); /* the person and the body's inputs and figures */
    return 0;
}

static int contrib_item_postings(const struct journal_rec *rec, const void *items, size_t i,
                                 struct posting *out) {
    const struct store_contrib_item *item = (const struct store_contrib_item *)items + i;
    assert(rec != NULL && out != NULL);
    return contrib_postings(rec, &item->c, out);
}

/* A premium paid from a holder's account (FUNDS.md §5) reads the balance
 * in the commit's own transaction, after the catch-up, so a settlement
 * spending the account meanwhile cannot take it below 0: 2 with err
 * (E_ACCOUNT_SHORT) when an item would, 0 when none, -1 storage. */
static int accounts_cover(struct store *store, const void *all, size_t n, const bool *found,
                          struct store_err *err) {
    const struct store_contrib_item *items = all;
    assert(store != NULL && items != NULL && found != NULL);
    for (size_t i = 0; i < n; i++) {
        const struct store_contrib *c = &items[i].c;
        if (found[i] || c->payer_psn_no[0] == '\0' ||
            strcmp(c->category, CONTRIB_PREMIUM_PAID) != 0)
            continue;
        char acct[ACCOUNT_BYTES_MAX + 1];
        const char *key = acct;
        int64_t balance_fen = 0;
        bool has = false;
        account_person(acct, c->payer_psn_no);
        if (store_ops(store)->balances_get(store_conn(store), &key, 1, &balance_fen, &has, err) !=
            0)
            return -1;
        if (!has) balance_fen = 0;
        if (balance_fen < c->own_fen)
            return store_errf(err,
                              "E_ACCOUNT_SHORT: %s holds %" PRId64 ".%02" PRId64
                              " yuan, the premium is %" PRId64 ".%02" PRId64 " yuan",
                              acct, balance_fen / 100, balance_fen % 100, c->own_fen / 100,
                              c->own_fen % 100),
                   2;
    }
    return 0;
}

/* The receivable a collection clears (ledger.c collected_postings). */
static void collected_due(const struct store_contrib_item *item, char *out) {
    const struct store_contrib *c = &item->c;
    assert(strcmp(c->category, CONTRIB_COLLECTED) == 0);
    if (c->insutype == 390) account_finance(out, c->region, c->year);
    else if (c->emp_no[0] != '\0') account_employer(out, c->emp_no);
    else account_due(out, item->psn_no);
}

/* Collections are checked against what their period owes before the
 * commit (app/collect.c); read again here, inside the commit's write
 * transaction after the catch-up, the receivable as a whole must still
 * be owed at least what the batch collects for it, so two collection
 * files committed at once cannot take it above 0 (overpaid). 2 with
 * err, 0, -1 storage. */
static int receivables_cover(struct store *store, const struct store_contrib_item *items, size_t n,
                             const bool *found, struct store_err *err) {
    char acct[ACCOUNT_BYTES_MAX + 1], other[ACCOUNT_BYTES_MAX + 1];
    assert(store != NULL && items != NULL && found != NULL);
    for (size_t i = 0; i < n; i++) {
        if (found[i] || strcmp(items[i].c.category, CONTRIB_COLLECTED) != 0) continue;
        collected_due(&items[i], acct);
        int64_t batch_fen = items[i].c.amount_fen;
        for (size_t j = 0; j < i; j++) { /* the batch's earlier collections of it */
            if (found[j] || strcmp(items[j].c.category, CONTRIB_COLLECTED) != 0) continue;
            collected_due(&items[j], other);
            if (strcmp(acct, other) == 0) batch_fen += items[j].c.amount_fen;
        }
        const char *key = acct;
        int64_t balance_fen = 0;
        bool has = false;
        if (store_ops(store)->balances_get(store_conn(store), &key, 1, &balance_fen, &has, err) !=
            0)
            return -1;
        if (!has) balance_fen = 0;
        int64_t owed_fen = balance_fen < 0 ? -balance_fen : 0;
        if (owed_fen < batch_fen)
            return store_errf(err,
                              "amount: %s owes %" PRId64 ".%02" PRId64
                              " yuan in all now, less than the %" PRId64 ".%02" PRId64
                              " yuan collected (paid meanwhile by another writer?)",
                              acct, owed_fen / 100, owed_fen % 100, batch_fen / 100,
                              batch_fen % 100),
                   2;
    }
    return 0;
}

/* What other writers collected, after each item's read_seq, for the
 * item's receivable and period (journal records read in the commit's
 * transaction). */
struct since {
    const struct store_contrib_item *items;
    const bool *found;
    size_t n;
    int64_t *since_fen; /* per item */
    bool bad;
    int64_t bad_seq;
};

static bool same_period(const struct store_contrib_item *a, const struct store_contrib_item *b) {
    char due_a[ACCOUNT_BYTES_MAX + 1], due_b[ACCOUNT_BYTES_MAX + 1];
    assert(a != NULL && b != NULL);
    if (a->c.year != b->c.year || a->c.month != b->c.month) return false;
    collected_due(a, due_a), collected_due(b, due_b);
    return strcmp(due_a, due_b) == 0;
}

static int since_record(void *ctx, const struct journal_rec *rec) {
    struct since *s = ctx;
    assert(s != NULL && rec != NULL);
    if (rec->kind != JOURNAL_CONTRIB) return 0;
    struct store_contrib_item other;
    const char *bad = NULL;
    memset(&other, 0, sizeof other);
    if (contrib_decode(rec->body, &other.c, &bad) != 0)
        return s->bad = true, s->bad_seq = rec->seq, 1;
    if (strcmp(other.c.category, CONTRIB_COLLECTED) != 0) return 0;
    snprintf(other.psn_no, sizeof other.psn_no, "%s", rec->psn_no);
    for (size_t i = 0; i < s->n; i++) {
        const struct store_contrib_item *it = &s->items[i];
        if (s->found[i] || it->read_seq <= 0 || rec->seq <= it->read_seq ||
            strcmp(it->c.category, CONTRIB_COLLECTED) != 0 || !same_period(it, &other))
            continue;
        s->since_fen[i] += other.c.amount_fen;
    }
    return 0;
}

/* Each collection was checked against its period's owed as read at
 * read_seq (app/collect.c); what was collected for the same receivable
 * and period since (another writer's file committed meanwhile) is taken
 * from it here, inside the commit's transaction, so a month is never
 * collected beyond what it was charged. 2 with err, 0, -1 storage. */
static int periods_cover(struct store *store, const struct store_contrib_item *items, size_t n,
                         const bool *found, struct store_err *err) {
    int64_t from_seq = INT64_MAX;
    assert(store != NULL && items != NULL && found != NULL);
    for (size_t i = 0; i < n; i++)
        if (!found[i] && items[i].read_seq > 0 &&
            strcmp(items[i].c.category, CONTRIB_COLLECTED) == 0 && items[i].read_seq < from_seq)
            from_seq = items[i].read_seq;
    if (from_seq == INT64_MAX) return 0;
    struct since s = {items, found, n, calloc(n, sizeof(int64_t)), false, 0};
    if (s.since_fen == NULL) return store_errf(err, "collections: out of memory"), -1;
    int rc = store_ops(store)->journal_scan(store_conn(store), from_seq + 1, since_record, &s, err);
    if (s.bad) {
        store_errf(err, "journal seq %" PRId64 ": a contribution record does not decode",
                   s.bad_seq);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (s.since_fen[i] == 0 || s.since_fen[i] + items[i].c.amount_fen <= items[i].c.owed_fen)
            continue;
        char due[ACCOUNT_BYTES_MAX + 1], period[16];
        const struct store_contrib *c = &items[i].c;
        collected_due(&items[i], due);
        if (c->month > 0) snprintf(period, sizeof period, "%04d-%02d", (int)c->year, (int)c->month);
        else snprintf(period, sizeof period, "%04d", (int)c->year);
        int64_t left_fen = c->owed_fen > s.since_fen[i] ? c->owed_fen - s.since_fen[i] : 0;
        store_errf(err,
                   "amount: %s owes %" PRId64 ".%02" PRId64 " yuan for %s now, less than the "
                   "%" PRId64 ".%02" PRId64 " yuan collected (%" PRId64 ".%02" PRId64
                   " collected meanwhile by another writer)",
                   due, left_fen / 100, left_fen % 100, period, c->amount_fen / 100,
                   c->amount_fen % 100, s.since_fen[i] / 100, s.since_fen[i] % 100);
        rc = 2;
    }
    free(s.since_fen);
    return rc < 0 ? -1 : rc;
}

static int contrib_cover(struct store *store, const void *all, size_t n, const bool *found,
                         struct store_err *err) {
    int rc = accounts_cover(store, all, n, found, err);
    if (rc == 0) rc = receivables_cover(store, all, n, found, err);
    return rc != 0 ? rc : periods_cover(store, all, n, found, err);
}

static const struct record_kind contrib_kind = {
    contrib_item_msgid,
    contrib_cover,
    contrib_item_fill,
    contrib_item_postings,
};

struct contrib_batch *store_contrib_batch_new(size_t n) {
    assert(n >= 1 && n <= CONTRIB_COMMIT_MAX);
    struct contrib_batch *b = malloc(sizeof *b);
    if (b == NULL) return NULL;
    if (record_batch_init(&b->rb, n, CONTRIB_POSTINGS_MAX) != 0) {
        free(b);
        return NULL;
    }
    return b;
}

void store_contrib_batch_free(struct contrib_batch *b) {
    if (b == NULL) return;
    assert(b->rb.cap >= 1);
    record_batch_release(&b->rb);
    free(b);
}

int store_contrib_commit(struct store *store, struct contrib_batch *b,
                         const struct store_contrib_item *items, size_t n, bool *posted,
                         struct store_err *err) {
    assert(store != NULL && b != NULL && items != NULL && posted != NULL);
    assert(n >= 1 && n <= b->rb.cap);
    return record_batch_commit(store, &b->rb, &contrib_kind, items, n, posted, err);
}
