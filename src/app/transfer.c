/* transfer.c: a person's transfer between regions (transfer.h): the
 * episodes read, the transfer found (core/transfer.c), the record
 * committed with its postings (store/transfer_rec.c), then the registry's
 * region moved to the new one (a journaled persons edit, as
 * derive-benefits writes) and a derived benefit start derived again. The
 * record is committed before the edit: a run stopped between them, run
 * again, finds the record and makes the edit. */
#include "app/transfer.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/benefit.h"
#include "core/policy.h"
#include "core/transfer.h"
#include "store/enrol_rows.h"

struct held {
    struct transfer_episode items[EPISODES_MAX];
    int32_t count;
    bool too_many;
};

static month_index month_text(const char *s) {
    int y = 0, m = 0, used = 0;
    assert(s != NULL);
    if (sscanf(s, "%4d-%2d%n", &y, &m, &used) != 2 || used != 7 || m < 1 || m > 12) return -1;
    return month_of(y, m);
}

/* An episodes row of the person (checked by its import). */
static int episode_row(void *ctx, const struct store_enrol_row *row) {
    struct held *h = ctx;
    assert(h != NULL && row != NULL);
    if (h->count == EPISODES_MAX) return h->too_many = true, 1;
    struct transfer_episode *x = memset(&h->items[h->count], 0, sizeof h->items[0]);
    x->e.insutype = (int32_t)atoi(row->col[EPI_INSUTYPE]);
    snprintf(x->e.region, sizeof x->e.region, "%.*s", CODE_BYTES_MAX, row->col[EPI_ADMDVS]);
    x->e.from_month = month_text(row->col[EPI_FROM]);
    x->e.open = row->col[EPI_TO][0] == '\0';
    x->e.to_month = x->e.open ? 0 : month_text(row->col[EPI_TO]);
    x->retired = strcmp(row->col[EPI_CATEGORY], "retired") == 0;
    x->transfer_in = strcmp(row->col[EPI_REASON], "transfer_in") == 0;
    x->transfer_out = strcmp(row->col[EPI_END], "transfer_out") == 0;
    if (x->e.from_month < 0 || (!x->e.open && x->e.to_month < 0)) return 0; /* not ours to read */
    h->count++;
    return 0;
}

/* Whether the region's employee books are kept here: a 310 policy of it. */
static bool books_here(struct store *store, const char *region) {
    assert(store != NULL && region != NULL);
    const struct policy *p = store_policy_fallback(store, region, INSUTYPE_EMPLOYEE);
    return p != NULL && p->insutype == INSUTYPE_EMPLOYEE;
}

static bool region_code(const char *s) {
    assert(s != NULL);
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return n == 6;
}

/* Paying out of A's books needs the person registered in A: a person
 * registered elsewhere left A already (a transfer journaled under another
 * month, the episodes changed since) or never belonged to it. A rerun
 * finds its own record first (the registry may be moved by then). 0, 2
 * refused, -1. */
static int registered_in_from(struct store *store, const struct store_person *p,
                              const struct store_transfer *t, struct store_err *err) {
    assert(store != NULL && p != NULL && t != NULL);
    if (!t->from_here || strcmp(p->region, t->from_region) == 0) return 0;
    char msgid[MSGID_BYTES_MAX + 1];
    struct journal_rec rec;
    bool found = false;
    if (transfer_msgid(msgid, t) != 0)
        return store_errf(err, "psn_no: %s is too long for a transfer's msgid", p->psn_no), 2;
    if (store_journal_by_msgid(store, msgid, &rec, &found, err) != 0) return -1;
    if (found) return 0;
    return store_errf(err,
                      "psn_no: %s is registered in region %s, not %s, the region it leaves"
                      " (transferred already? yibao show journal)",
                      p->psn_no, p->region, t->from_region),
           2;
}

/* The regions and amount of the transfer of p (pair found), or a refusal. */
static int plan(struct store *store, const struct app_transfer_req *req,
                const struct store_person *p, const struct held *h,
                const struct transfer_pair *pair, struct store_transfer *t, struct store_err *err) {
    assert(pair->out_index >= 0 && pair->out_index < h->count);
    const char *from = h->items[pair->out_index].e.region;
    const char *to = pair->in_index >= 0 ? h->items[pair->in_index].e.region : req->to_region;
    if (pair->in_index >= 0 && req->to_region != NULL && strcmp(req->to_region, to) != 0)
        return store_errf(err, "--to: %s, but the episodes say %s went to %s", req->to_region,
                          p->psn_no, to),
               2;
    if (to == NULL)
        return store_errf(err,
                          "--to: missing: no employee episode follows the one of region %s"
                          " ending transfer_out; name the region the person went to",
                          from),
               2;
    if (!region_code(to) || strcmp(to, from) == 0)
        return store_errf(err, "--to: '%s' is not a region code of 6 digits other than %s", to,
                          from),
               2;
    memset(t, 0, sizeof *t);
    snprintf(t->psn_no, sizeof t->psn_no, "%s", p->psn_no);
    snprintf(t->from_region, sizeof t->from_region, "%s", from);
    snprintf(t->to_region, sizeof t->to_region, "%s", to);
    t->year = month_year(pair->month), t->month = month_number(pair->month);
    t->months = pair->carried_months;
    t->from_here = books_here(store, from), t->to_here = books_here(store, to);
    if (!t->from_here && !t->to_here)
        return store_errf(err, "psn_no: the books of neither region %s nor %s are in this store",
                          from, to),
               2;
    if (t->from_here && req->has_balance)
        return store_errf(err,
                          "--balance: region %s's books are here: the balance paid out is"
                          " P:%s's",
                          from, p->psn_no),
               2;
    if (!t->from_here && !req->has_balance)
        return store_errf(err,
                          "--balance: missing: region %s's books are not in this store; give"
                          " the balance the transfer carries",
                          from),
               2;
    t->amount_fen = t->from_here ? 0 : req->balance_fen;
    return registered_in_from(store, p, t, err);
}

/* The person and the transfer their episodes call for: 0, 2 refused, -1. */
static int find(struct store *store, const struct app_transfer_req *req, struct store_person *p,
                struct store_transfer *t, struct store_err *err) {
    const char *key = req->psn_no;
    bool found = false;
    if (store_ops(store)->persons_get(store_conn(store), &key, 1, p, &found, err) != 0) return -1;
    if (!found) return store_errf(err, "psn_no: person %s is not registered", req->psn_no), 2;
    struct held *h = calloc(1, sizeof *h);
    if (h == NULL) return store_errf(err, "transfer: out of memory"), -1;
    int rc = store_enrol_scan(store, ENROL_EPISODES, req->psn_no, episode_row, h, err);
    struct transfer_pair pair;
    enum transfer_status st = TRANSFER_NONE;
    if (rc == 0 && h->too_many)
        rc = 2, store_errf(err, "psn_no: %s has more than %d episodes", req->psn_no, EPISODES_MAX);
    if (rc == 0 && (st = transfer_find(h->items, h->count, &pair)) != TRANSFER_OK)
        rc = 2, store_errf(err, "psn_no: %s: %s", req->psn_no, transfer_status_text(st));
    if (rc == 0) rc = plan(store, req, p, h, &pair, t, err);
    free(h);
    return rc;
}

/* After the record: the registry's region the new one, a derived benefit
 * start derived again under it. */
static int move_registry(struct store *store, const struct app_transfer_req *req,
                         struct store_person *p, struct app_transfer_out *out,
                         struct store_err *err) {
    assert(store != NULL && p != NULL && out != NULL);
    if (!out->t.to_here || strcmp(p->region, out->t.to_region) == 0) return 0;
    snprintf(p->region, sizeof p->region, "%s", out->t.to_region);
    int64_t edits = 0;
    if (store_persons_rewrite(store, "transfer", p, 1, req->note, &edits, err) != 0) return -1;
    out->region_changed = edits > 0;
    struct app_benefit_run run = {.psn_no = p->psn_no, .derived_only = true, .note = req->note};
    struct app_benefit_out done;
    return app_benefit_derive(store, &run, &done, err);
}

enum app_transfer_status app_transfer(struct store *store, const struct app_transfer_req *req,
                                      struct app_transfer_out *out, struct store_err *err) {
    assert(store != NULL && req != NULL && req->psn_no != NULL && out != NULL);
    assert(req->note != NULL && (!req->has_balance || req->balance_fen >= 0));
    memset(out, 0, sizeof *out);
    struct store_person p;
    int rc = find(store, req, &p, &out->t, err);
    if (rc != 0) return rc == 2 ? APP_TRANSFER_REFUSED : APP_TRANSFER_FAILED;
    bool posted = false;
    struct journal_rec rec;
    if (store_transfer_commit(store, &out->t, &posted, &rec, err) != 0) return APP_TRANSFER_FAILED;
    out->seq = rec.seq;
    const char *bad = NULL;
    if (!posted && transfer_decode(rec.body, &out->t, &bad) != 0)
        return store_errf(err, "journal seq %" PRId64 ": transfer does not decode at '%s'", rec.seq,
                          bad),
               APP_TRANSFER_FAILED;
    if (move_registry(store, req, &p, out, err) != 0) return APP_TRANSFER_FAILED;
    return posted ? APP_TRANSFER_DONE : APP_TRANSFER_ALREADY;
}
