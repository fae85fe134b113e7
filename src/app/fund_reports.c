/* fund_reports.c: the figures of the fund reports (fund_reports.h).
 *
 * Three reads in seq order. The journal first, for the settlements' and
 * revokes' figures (the ratios and institutions) and their month (the
 * record's local time). Then the postings table: every posting as the
 * ledger holds it, whatever record kind made it (the payment runs' and
 * year-end settlement's included, so a later kind adds to the books with
 * no change here), in the business month it keeps (struct posting,
 * month: a contribution's period, a transfer's month, else its record's
 * local month, set at commit and verified by check), classified by
 * core/chart.c. Last, the ledger's fund balances now, which the walk must
 * equal. The funds report reads no journal record; on a read-only store
 * of before schema 20 its walk learns each record's month from the
 * journal first, kept per seq in one int32 (year * 12 + month - 1). */
#include "app/fund_reports.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/lookup.h"
#include "store/enrol_rows.h"

#define REPORT_DAY_S 86400 /* seconds of a day */

struct walk {
    struct app_reports *r;
    struct store *store;
    struct store_err *err;
    int32_t *month_of; /* per seq: its business month, year * 12 + month - 1 */
    int8_t *counted;   /* per seq: the settlement's month (1..12) when counted, else 0 */
    size_t cap;
    struct person_group *groups; /* the registry's persons by psn_no's hash */
    size_t group_count, group_cap;
    datetime_s last_day; /* the local day of the last record, and its business month */
    int32_t last_business;
    bool full;
};

static bool region_wanted(const struct app_reports *r, const char *region) {
    assert(r != NULL && region != NULL);
    return r->opts.region == NULL || strcmp(r->opts.region, region) == 0;
}

/* The month (1..12) of a business month in year: clamped into it. */
static int32_t month_in(int32_t business, int32_t year) {
    assert(year > 0);
    if (business < year * 12) return 1;
    if (business >= year * 12 + 12) return 12;
    return business - year * 12 + 1;
}

static int grow(struct walk *w, int64_t seq) {
    assert(w != NULL && seq >= 1);
    if ((size_t)seq < w->cap) return 0;
    size_t cap = w->cap ? w->cap : 4096;
    while (cap <= (size_t)seq) cap *= 2;
    int32_t *m = realloc(w->month_of, cap * sizeof *m);
    if (m == NULL) return -1;
    w->month_of = m;
    int8_t *c = realloc(w->counted, cap);
    if (c == NULL) return -1;
    w->counted = c;
    memset(m + w->cap, 0xff, (cap - w->cap) * sizeof *m); /* -1: no record */
    memset(c + w->cap, 0, cap - w->cap);
    w->cap = cap;
    return 0;
}

/* A person's group, found by a 64-bit hash of psn_no in an open-addressed
 * table: the registry's persons read once (a read per settlement was most
 * of the report's time; a binary search's cache misses were a sixth of it
 * at 100,000 persons); a hash two persons share is marked and read from the
 * store. Hash 0 marks an empty slot (a psn_no hashing to 0 is taken as 1). */
struct person_group {
    uint64_t hash;
    int8_t category; /* enum category; -2: shared hash */
};

static uint64_t psn_hash(const char *psn_no) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    assert(psn_no != NULL);
    for (const unsigned char *c = (const unsigned char *)psn_no; *c; c++)
        h = (h ^ *c) * 1099511628211ull;
    return h != 0 ? h : 1;
}

/* The slot of hash: its own, or the empty one where it would go. */
static struct person_group *group_slot(const struct walk *w, uint64_t hash) {
    assert(w->group_cap > 0 && (w->group_cap & (w->group_cap - 1)) == 0 && hash != 0);
    size_t i = (size_t)(hash ^ (hash >> 29)) & (w->group_cap - 1);
    while (w->groups[i].hash != 0 && w->groups[i].hash != hash) i = (i + 1) & (w->group_cap - 1);
    return &w->groups[i];
}

/* Doubles the table (at least 4096 slots), every entry placed again. */
static int groups_grow(struct walk *w) {
    assert(w != NULL);
    struct person_group *old = w->groups;
    size_t old_cap = w->group_cap, cap = old_cap ? old_cap * 2 : 4096;
    w->groups = calloc(cap, sizeof *w->groups);
    if (w->groups == NULL) return w->groups = old, -1;
    w->group_cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].hash != 0) *group_slot(w, old[i].hash) = old[i];
    free(old);
    return 0;
}

static int group_row(void *ctx, const struct store_person *p) {
    struct walk *w = ctx;
    assert(w != NULL && p != NULL);
    if (2 * (w->group_count + 1) > w->group_cap && groups_grow(w) != 0)
        return w->full = true, 1; /* at most half full */
    uint64_t hash = psn_hash(p->psn_no);
    struct person_group *g = group_slot(w, hash);
    if (g->hash == hash) {
        g->category = -2;
        return 0;
    }
    *g = (struct person_group){hash, (int8_t)p->category};
    w->group_count++;
    return 0;
}

static int groups_load(struct walk *w) {
    assert(w != NULL);
    int rc = store_ops(w->store)->persons_scan(store_conn(w->store), -1, group_row, w, w->err);
    if (w->full) return store_errf(w->err, "out of memory reading the persons' groups"), -1;
    return rc != 0 ? -1 : 0;
}

static int group_of(struct walk *w, const char *psn_no, int *group) {
    assert(w != NULL && psn_no != NULL && group != NULL);
    const struct person_group *g = w->group_count ? group_slot(w, psn_hash(psn_no)) : NULL;
    *group = g != NULL && g->hash != 0 ? g->category : -1;
    if (*group != -2) return 0;
    struct store_person p;
    bool found = false;
    if (store_person_find(w->store, psn_no, &p, &found, w->err) != 0) return -1;
    *group = found ? (int)p.category : -1;
    return 0;
}

static void cell_add(struct app_ratio_cell *c, const struct setlinfo *s, int sign) {
    assert(c != NULL && s != NULL && (sign == 1 || sign == -1));
    c->count += sign;
    c->fund_fen += sign * s->fund_pay_sumamt;
    c->inscp_fen += sign * s->inscp_scp_amt;
    c->medfee_fen += sign * s->medfee_sumamt;
}

static int inst_order(const void *a, const void *b) {
    return strcmp(((const struct app_institution_line *)a)->code,
                  ((const struct app_institution_line *)b)->code);
}

/* A settlement's figures (sign -1: its revoke's) into the ratios and its
 * institution's payments. */
static int add_settlement(struct walk *w, const struct journal_brief *rec,
                          const struct store_settlement *stl, int sign) {
    struct app_reports *r = w->r;
    assert(rec != NULL && stl != NULL);
    const struct store_institution *inst = store_institution_find(w->store, rec->fixmedins_code);
    int level = inst != NULL && inst->level >= 0 && (int)inst->level < APP_REPORT_LEVELS
                    ? (int)inst->level
                    : APP_REPORT_LEVELS - 1;
    int group = -1;
    if (r->opts.groups && group_of(w, rec->psn_no, &group) != 0) return -1;
    cell_add(&r->total, &stl->setl, sign);
    cell_add(&r->by_level[level], &stl->setl, sign);
    if (stl->insutype == 310 || stl->insutype == 390)
        cell_add(&r->by_scheme[stl->insutype == 310 ? 0 : 1], &stl->setl, sign);
    if (group >= 0 && group < CATEGORY_COUNT) cell_add(&r->by_group[group], &stl->setl, sign);
    struct app_institution_line key;
    snprintf(key.code, sizeof key.code, "%s", rec->fixmedins_code);
    struct app_institution_line *line = r->institution_count == 0
                                            ? NULL
                                            : bsearch(&key, r->institutions, r->institution_count,
                                                      sizeof key, inst_order);
    if (line != NULL) {
        line->count += sign;
        line->paid_fen += sign * stl->setl.fund_pay_sumamt;
        line->level = level;
    }
    return 0;
}

/* A settlement or revoke of the report's year and region, counted when
 * in months 1..month (a revoke: when its settlement was). */
static int settlement_record(struct walk *w, const struct journal_brief *rec) {
    struct store_settlement stl;
    const char *bad = NULL;
    assert(rec->kind == JOURNAL_SETTLE || rec->kind == JOURNAL_REVOKE);
    if (settlement_decode(rec->body, &stl, &bad) != 0)
        return store_errf(w->err, "journal seq %lld: body does not decode at '%.40s'",
                          (long long)rec->seq, bad ? bad : ""),
               -1;
    const struct app_report_opts *o = &w->r->opts;
    if (stl.year != o->year || !region_wanted(w->r, stl.region)) return 0;
    int32_t m = month_in(w->month_of[rec->seq], o->year);
    if (m > o->month) return 0;
    if (rec->kind == JOURNAL_SETTLE) {
        w->counted[rec->seq] = (int8_t)m;
        return add_settlement(w, rec, &stl, 1);
    }
    if (rec->ref_seq < 1 || rec->ref_seq >= rec->seq || w->counted[rec->ref_seq] == 0) return 0;
    w->counted[rec->ref_seq] = 0;
    return add_settlement(w, rec, &stl, -1);
}

static int journal_row(void *ctx, const struct journal_brief *rec) {
    struct walk *w = ctx;
    assert(w != NULL && rec != NULL && rec->seq >= 1);
    if (grow(w, rec->seq) != 0) return w->full = true, 1;
    w->r->records++;
    /* records come in time order: a day's month is formatted once */
    datetime_s day = app_unix_to_local(rec->time_us / 1000000) / REPORT_DAY_S;
    if (day != w->last_day) {
        char text[20];
        datetime_format(day * REPORT_DAY_S, text);
        w->last_day = day;
        w->last_business = datetime_year(day * REPORT_DAY_S) * 12 + (text[5] - '0') * 10 +
                           (text[6] - '0') - 1;
    }
    int32_t business = w->last_business;
    if (rec->kind == JOURNAL_CONTRIB) {
        struct store_contrib c;
        const char *bad = NULL;
        if (contrib_decode(rec->body, &c, &bad) != 0)
            return store_errf(w->err, "journal seq %lld: contribution does not decode at '%s'",
                              (long long)rec->seq, bad ? bad : ""),
                   -1;
        business = c.year * 12 + (c.month >= 1 ? c.month - 1 : 0);
    }
    if (rec->kind == JOURNAL_TRANSFER) { /* the month it takes effect */
        struct store_transfer t;
        const char *bad = NULL;
        if (transfer_decode(rec->body, &t, &bad) != 0)
            return store_errf(w->err, "journal seq %lld: transfer does not decode at '%s'",
                              (long long)rec->seq, bad ? bad : ""),
                   -1;
        business = t.year * 12 + t.month - 1;
    }
    w->month_of[rec->seq] = business;
    if (w->r->opts.settlements && (rec->kind == JOURNAL_SETTLE || rec->kind == JOURNAL_REVOKE))
        return settlement_record(w, rec) != 0 ? -1 : 0;
    return 0;
}

/* The line of fund pool (fund, region), added in order; NULL when full. */
static struct app_fund_line *fund_line(struct app_reports *r, const char *fund,
                                       const char *region) {
    assert(r != NULL && fund != NULL && region != NULL);
    size_t i = 0;
    for (; i < r->fund_count; i++) {
        int c = strcmp(r->funds[i].fund, fund);
        if (c == 0) c = strcmp(r->funds[i].region, region);
        if (c == 0) return &r->funds[i];
        if (c > 0) break;
    }
    if (r->fund_count == APP_REPORT_FUNDS_MAX) return NULL;
    memmove(&r->funds[i + 1], &r->funds[i], (r->fund_count - i) * sizeof r->funds[0]);
    r->fund_count++;
    memset(&r->funds[i], 0, sizeof r->funds[i]);
    snprintf(r->funds[i].fund, sizeof r->funds[i].fund, "%s", fund);
    snprintf(r->funds[i].region, sizeof r->funds[i].region, "%s", region);
    return &r->funds[i];
}

/* One fund pool's side of a posting into its line. */
static int fund_piece(struct walk *w, const struct posting *p, const struct fund_piece *piece) {
    char fund[APP_REPORT_FUND_BYTES_MAX + 1], region[CODE_BYTES_MAX + 1];
    int32_t acct_year = 0;
    assert(p != NULL && piece != NULL);
    const char *account = piece->debit_side ? p->debit : p->credit;
    if (!chart_fund_parse(account, fund, sizeof fund, region, sizeof region, &acct_year) ||
        !region_wanted(w->r, region))
        return 0;
    struct app_fund_line *line = fund_line(w->r, fund, region);
    if (line == NULL) return w->full = true, 1;
    int64_t net = piece->debit_side ? p->amount_fen : -p->amount_fen; /* on the balance */
    if (piece->transfer) net = -net; /* a contra line (chart.h): out lowers it, in raises it */
    int64_t flow = piece->sign * p->amount_fen; /* on its figure */
    int32_t year = w->r->opts.year;
    int32_t business = p->month >= 0             ? p->month /* kept at commit */
                       : (size_t)p->seq < w->cap ? w->month_of[p->seq]
                                                 : -1;
    int32_t m = business >= 0 ? month_in(business, acct_year) : 12;
    if (acct_year < year) line->flows.opening_fen += net;
    if (acct_year == year - 1 && piece->flow == FLOW_SPENDING)
        line->flows.prior_spending_fen[m - 1] += flow;
    if (acct_year > year || (acct_year == year && m > w->r->opts.month)) line->after_fen += net;
    else if (acct_year == year && piece->flow == FLOW_REVENUE)
        line->flows.revenue_fen[m - 1] += flow;
    else if (acct_year == year) line->flows.spending_fen[m - 1] += flow;
    return 0;
}

static int posting_row(void *ctx, const struct posting *p) {
    struct walk *w = ctx;
    struct fund_piece pieces[2];
    assert(w != NULL && p != NULL);
    int n = chart_fund_pieces(p->debit, p->credit, pieces);
    for (int i = 0; i < n; i++)
        if (fund_piece(w, p, &pieces[i]) != 0) return 1;
    return 0;
}

static int ledger_row(void *ctx, const char *account, int64_t balance_fen) {
    struct walk *w = ctx;
    char fund[APP_REPORT_FUND_BYTES_MAX + 1], region[CODE_BYTES_MAX + 1];
    int32_t year = 0;
    assert(w != NULL && account != NULL);
    if (!chart_fund_parse(account, fund, sizeof fund, region, sizeof region, &year) ||
        !region_wanted(w->r, region))
        return 0;
    struct app_fund_line *line = fund_line(w->r, fund, region);
    if (line == NULL) return w->full = true, 1;
    line->ledger_fen += chart_line_balance(account, balance_fen);
    return 0;
}

/* Each pool's walk equals the ledger; then its year's figures. */
static int funds_tie(struct walk *w) {
    struct app_reports *r = w->r;
    assert(r != NULL);
    for (size_t i = 0; i < r->fund_count; i++) {
        struct app_fund_line *l = &r->funds[i];
        int64_t sum = l->flows.opening_fen + l->after_fen;
        for (int m = 0; m < REPORT_MONTHS; m++)
            sum += l->flows.revenue_fen[m] - l->flows.spending_fen[m];
        if (sum != l->ledger_fen)
            return store_errf(w->err,
                              "fund %s of region %s: the postings sum to %lld fen, the ledger"
                              " holds %lld (run yibao check)",
                              l->fund, l->region, (long long)sum, (long long)l->ledger_fen),
                   -1;
        report_fund_year(&l->flows, r->opts.month, &l->year);
        /* transfers are not spending a balance supports: no months, no warning */
        if (strcmp(l->fund, CHART_TRANSFER_FUND) == 0)
            memset(l->year.has_support, 0, sizeof l->year.has_support);
    }
    return 0;
}

struct agreement_fill {
    struct app_reports *r;
    size_t cap;
};

static int agreement_row(void *ctx, const struct agreement *a) {
    struct agreement_fill *f = ctx;
    assert(f != NULL && a != NULL && a->institution_count >= 0);
    for (int32_t i = 0; i < a->institution_count; i++) {
        if (f->r->institution_count == f->cap) {
            size_t cap = f->cap ? f->cap * 2 : 256;
            void *more = realloc(f->r->institutions, cap * sizeof *f->r->institutions);
            if (more == NULL) return -1;
            f->r->institutions = more;
            f->cap = cap;
        }
        const struct agreement_institution *ai = &a->institutions[i];
        struct app_institution_line *l = &f->r->institutions[f->r->institution_count++];
        memset(l, 0, sizeof *l);
        snprintf(l->code, sizeof l->code, "%s", ai->fixmedins_code);
        snprintf(l->region, sizeof l->region, "%s", a->region);
        l->level = APP_REPORT_LEVELS - 1;
        l->method = ai->method;
        l->quota_joined = ai->quota_joined;
        l->terms = ai->budget;
    }
    return 0;
}

/* Each institution's projection against its budget (global budget only:
 * the other methods' year-end figures need the whole year's cases). */
static void institutions_finish(struct app_reports *r) {
    assert(r != NULL);
    for (size_t i = 0; i < r->institution_count; i++) {
        struct app_institution_line *l = &r->institutions[i];
        if (l->method != PAY_GLOBAL_BUDGET) {
            /* no budget of its own: the projection alone */
            report_execution(0, 0, l->paid_fen, r->opts.month, &l->execution);
            continue;
        }
        l->has_budget = true;
        report_execution(l->terms.budget_fen, l->terms.overspend_corridor_bp, l->paid_fen,
                         r->opts.month, &l->execution);
        budget_settlement(&l->terms, l->execution.projected_fen, &l->adjustment);
    }
}

static void ratios_finish(struct app_ratio_cell *c) {
    assert(c != NULL);
    c->has_policy_scope = c->fund_fen >= 0 && c->inscp_fen > 0 &&
                          report_percent(c->fund_fen, c->inscp_fen, &c->policy_scope);
    c->has_actual = c->fund_fen >= 0 && c->medfee_fen > 0 &&
                    report_percent(c->fund_fen, c->medfee_fen, &c->actual);
}

static int person_row(void *ctx, const struct store_person *p) {
    struct walk *w = ctx;
    assert(w != NULL && p != NULL);
    if (region_wanted(w->r, p->region)) w->r->registry_persons++;
    return 0;
}

struct enrol_walk {
    struct walk *w;
    int32_t month; /* year * 12 + month - 1: the period's last month */
    char last[NAME_BYTES_MAX + 1], last_scheme[NAME_BYTES_MAX + 1]; /* the last counted */
};

/* "YYYY-MM" as year * 12 + month - 1; -1 for anything else ("": open). */
static int32_t month_of_text(const char *text) {
    assert(text != NULL);
    int y = 0, m = 0;
    char tail = 0;
    if (sscanf(text, "%4d-%2d%c", &y, &m, &tail) != 2 || m < 1 || m > 12) return -1;
    return y * 12 + m - 1;
}

/* An episode covering the period's last month in the region counts its
 * person once (and once per scheme). Episodes come in key order, a
 * person's together. */
static int episode_row(void *ctx, const struct store_enrol_row *row) {
    struct enrol_walk *e = ctx;
    assert(e != NULL && row != NULL);
    const char *psn = row->col[EPI_PSN], *scheme = row->col[EPI_INSUTYPE];
    int32_t from = month_of_text(row->col[EPI_FROM]), to = month_of_text(row->col[EPI_TO]);
    if (!region_wanted(e->w->r, row->col[EPI_ADMDVS]) || from < 0 || from > e->month ||
        (to >= 0 && to < e->month))
        return 0;
    bool same = strcmp(e->last, psn) == 0;
    if (!same) e->w->r->enrolled++;
    if ((!same || strcmp(e->last_scheme, scheme) != 0) &&
        (strcmp(scheme, "310") == 0 || strcmp(scheme, "390") == 0))
        e->w->r->enrolled_scheme[strcmp(scheme, "310") == 0 ? 0 : 1]++;
    memcpy(e->last, psn, sizeof e->last);
    memcpy(e->last_scheme, scheme, sizeof e->last_scheme);
    return 0;
}

/* Registry persons of the region, and the persons enrolled at the end of
 * the period (FUNDS.md §8: participation = enrolled / should be insured). */
static int enrol_count(struct walk *w) {
    assert(w != NULL);
    struct enrol_walk e = {w, w->r->opts.year * 12 + w->r->opts.month - 1, "", ""};
    if (store_ops(w->store)->persons_scan(store_conn(w->store), -1, person_row, w, w->err) != 0)
        return -1;
    return store_enrol_scan(w->store, ENROL_EPISODES, NULL, episode_row, &e, w->err) != 0 ? -1 : 0;
}

static int walk_all(struct walk *w) {
    struct app_reports *r = w->r;
    assert(w != NULL && r != NULL);
    if (r->opts.agreements) {
        struct agreement_fill f = {r, 0};
        if (app_agreements(w->store, r->opts.region, r->opts.year, agreement_row, &f, w->err) != 0)
            return -1;
        if (r->institution_count > 0)
            qsort(r->institutions, r->institution_count, sizeof *r->institutions, inst_order);
    }
    if (r->opts.groups && groups_load(w) != 0) return -1;
    if (r->opts.journal) {
        /* the postings keep their business month (schema 20): the books
         * read no record; a read-only store of before learns every
         * record's month from the journal, as the reports did then */
        bool months = !r->opts.books || store_ops(w->store)->postings_months(store_conn(w->store));
        /* the kinds the report reads, the bodies of those whose figures
         * or month are in them */
        uint32_t body = JOURNAL_KIND_BIT(JOURNAL_CONTRIB) | JOURNAL_KIND_BIT(JOURNAL_TRANSFER);
        uint32_t settle = JOURNAL_KIND_BIT(JOURNAL_SETTLE) | JOURNAL_KIND_BIT(JOURNAL_REVOKE);
        if (r->opts.settlements) body |= settle;
        int rc = 0;
        if (!months || r->opts.settlements)
            rc = store_journal_brief(w->store, 1, months ? settle : UINT32_MAX,
                                     months ? body & settle : body, journal_row, w, w->err);
        if (rc == 0 && r->opts.books)
            rc = store_ops(w->store)->postings_scan(store_conn(w->store), 1, posting_row, w,
                                                    w->err);
        if (rc == 0 && r->opts.books) rc = app_fund_view(w->store, "", 0, ledger_row, w, w->err);
        /* the regions' personal-account transfers: lines of fund acct */
        if (rc == 0 && r->opts.books)
            rc = store_accounts_now(w->store, "T:", ledger_row, w, w->err);
        if (w->full)
            return store_errf(w->err, "out of memory, or more than %d fund pools",
                              APP_REPORT_FUNDS_MAX),
                   -1;
        if (rc != 0 || funds_tie(w) != 0) return -1;
    }
    if (r->opts.enrolment && enrol_count(w) != 0) return -1;
    return 0;
}

int app_reports_build(struct store *store, const struct app_report_opts *opts,
                      struct app_reports *out, struct store_err *err) {
    assert(store != NULL && opts != NULL && out != NULL);
    assert(opts->month >= 1 && opts->month <= REPORT_MONTHS && opts->year > 0);
    memset(out, 0, sizeof *out);
    out->opts = *opts;
    struct walk w = {out, store, err, NULL, NULL, 0, NULL, 0, 0, -1, 0, false};
    int rc = walk_all(&w);
    free(w.month_of);
    free(w.counted);
    free(w.groups);
    if (rc != 0) return app_reports_free(out), -1;
    institutions_finish(out);
    ratios_finish(&out->total);
    for (int i = 0; i < APP_REPORT_LEVELS; i++) ratios_finish(&out->by_level[i]);
    for (int i = 0; i < APP_REPORT_SCHEMES; i++) ratios_finish(&out->by_scheme[i]);
    for (int i = 0; i < CATEGORY_COUNT; i++) ratios_finish(&out->by_group[i]);
    out->has_participation = report_percent(out->enrolled, out->registry_persons,
                                            &out->participation);
    return 0;
}

void app_reports_free(struct app_reports *r) {
    assert(r != NULL);
    free(r->institutions);
    r->institutions = NULL;
    r->institution_count = 0;
}
