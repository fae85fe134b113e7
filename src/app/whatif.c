/* whatif.c: the policy what-if use case (whatif.h). The replay is
 * app_replay_whatif's; this file adds each settlement and revoke it hands
 * on to the sums before and after (core/whatif.h), keeps each person's
 * out-of-pocket in the year in a table of its own (psn_no -> index, open
 * addressing) and picks the hardest hit at the end. */
#include "app/whatif.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/fund_reports.h"
#include "core/hash.h"
#include "core/report.h"

/* ---- the persons of the year ------------------------------------------------ */
struct person_table {
    char (*names)[CODE_BYTES_MAX + 1];
    struct whatif_person *p; /* p[i].id == i until the hardest are chosen */
    size_t count, cap;
    uint32_t *slots; /* 0: empty; else index + 1 */
    size_t slot_count;
};

static void table_free(struct person_table *t) {
    assert(t != NULL);
    free(t->names);
    free(t->p);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static size_t slot_of(const struct person_table *t, const char *psn_no) {
    assert(t->slot_count > 0 && (t->slot_count & (t->slot_count - 1)) == 0);
    size_t mask = t->slot_count - 1, s = (size_t)fnv1a_text(FNV_OFFSET, psn_no) & mask;
    while (t->slots[s] != 0 && strcmp(t->names[t->slots[s] - 1], psn_no) != 0) s = (s + 1) & mask;
    return s;
}

/* Room for one more person: the arrays and a table at most half full. */
static int table_grow(struct person_table *t) {
    assert(t != NULL && t->count <= t->cap);
    if (t->count == t->cap) {
        size_t cap = t->cap > 0 ? t->cap * 2 : 4096;
        void *names = realloc(t->names, cap * sizeof *t->names);
        if (names != NULL) t->names = names;
        void *p = names != NULL ? realloc(t->p, cap * sizeof *t->p) : NULL;
        if (p == NULL) return -1;
        t->p = p;
        t->cap = cap;
    }
    if (2 * (t->count + 1) <= t->slot_count) return 0;
    size_t old_count = t->slot_count;
    uint32_t *old = t->slots;
    t->slot_count = old_count > 0 ? old_count * 2 : 8192;
    t->slots = calloc(t->slot_count, sizeof *t->slots);
    if (t->slots == NULL) {
        t->slots = old;
        t->slot_count = old_count;
        return -1;
    }
    for (size_t i = 0; i < old_count; i++)
        if (old[i] != 0) t->slots[slot_of(t, t->names[old[i] - 1])] = old[i];
    free(old);
    return 0;
}

/* The person's entry, added when new; NULL: out of memory or too many. */
static struct whatif_person *person_of(struct person_table *t, const char *psn_no) {
    assert(t != NULL && psn_no != NULL && strlen(psn_no) <= CODE_BYTES_MAX);
    if (t->slot_count > 0) {
        size_t s = slot_of(t, psn_no);
        if (t->slots[s] != 0) return &t->p[t->slots[s] - 1];
    }
    if (t->count >= APP_WHATIF_PERSONS_MAX || table_grow(t) != 0) return NULL;
    size_t i = t->count++;
    snprintf(t->names[i], sizeof t->names[i], "%s", psn_no);
    t->p[i] = (struct whatif_person){(uint32_t)i, 0, 0};
    t->slots[slot_of(t, psn_no)] = (uint32_t)(i + 1);
    return &t->p[i];
}

/* ---- the replay's events ---------------------------------------------------- */
struct whatif_run {
    struct app_whatif_report *out;
    struct person_table persons;
    struct store_err *err;
    app_whatif_sink sink; /* may be NULL */
    void *sink_ctx;
};

static int on_event(void *ctx, const struct app_whatif_event *ev) {
    struct whatif_run *r = ctx;
    assert(r != NULL && ev != NULL && ev->before != NULL);
    int sign = ev->revoke ? -1 : 1;
    whatif_add(&r->out->before, &ev->where, &ev->before->setl, sign);
    if (ev->after != NULL) whatif_add(&r->out->after, &ev->where, &ev->after->setl, sign);
    if (ev->revoke) r->out->revokes++;
    struct whatif_person *p = person_of(&r->persons, ev->rec->psn_no);
    if (p == NULL)
        return store_errf(r->err, "whatif: out of memory for the persons of the year (at most %u)",
                          APP_WHATIF_PERSONS_MAX),
               -1;
    p->before_fen += sign * ev->before->setl.psn_part_amt;
    if (ev->after != NULL) p->after_fen += sign * ev->after->setl.psn_part_amt;
    return r->sink != NULL ? r->sink(r->sink_ctx, ev, r->err) : 0;
}

/* The hardest hit: their sums, the smallest increase, the first by name. */
static void hardest(struct whatif_run *r) {
    struct app_whatif_report *out = r->out;
    struct person_table *t = &r->persons;
    assert(out != NULL && t != NULL);
    out->persons = t->count;
    out->hardest = whatif_hardest_count(t->count);
    whatif_hardest(t->p, t->count, out->hardest);
    for (size_t i = 0; i < out->hardest; i++) {
        out->hardest_before_fen += t->p[i].before_fen;
        out->hardest_after_fen += t->p[i].after_fen;
        if (i < APP_WHATIF_TOP) {
            struct app_whatif_hit *h = &out->top[out->top_count++];
            snprintf(h->psn_no, sizeof h->psn_no, "%s", t->names[t->p[i].id]);
            h->before_fen = t->p[i].before_fen;
            h->after_fen = t->p[i].after_fen;
        }
    }
    if (out->hardest > 0) {
        const struct whatif_person *last = &t->p[out->hardest - 1];
        out->hardest_min_change_fen = last->after_fen - last->before_fen;
    }
}

/* ---- months of support ------------------------------------------------------- */
static void support_of(struct app_whatif_support *m, int64_t change_fen) {
    assert(m != NULL);
    m->balance_after_fen = m->balance_before_fen - change_fen;
    m->spending_after_fen = m->spending_before_fen + change_fen;
    m->has_before = m->spending_before_fen > 0;
    m->has_after = m->spending_after_fen > 0;
    if (m->has_before && m->balance_before_fen > 0)
        report_months_of_support(m->balance_before_fen, m->spending_before_fen, &m->tenths_before);
    if (m->has_after && m->balance_after_fen > 0)
        report_months_of_support(m->balance_after_fen, m->spending_after_fen, &m->tenths_after);
}

/* The funds' books of the year (every region, or the what-if's region's):
 * each fund's December balance and the year's spending, summed over the
 * regions, and whether they hold any revenue. A walk of the journal and
 * the postings (report funds'), independent of the replay: it runs on a
 * second handle of the store in a thread of its own while the replay runs
 * (about a tenth of the what-if's CPU), else after it. */
struct books {
    struct store *store;
    int32_t year;
    const char *region; /* NULL: every region */
    int64_t balance_fen[FUND_LAYER_COUNT], spending_fen[FUND_LAYER_COUNT];
    bool has_revenue;
    int rc;
    struct store_err err;
};

static void books_walk(struct books *b) {
    assert(b != NULL && b->store != NULL);
    struct app_report_opts opts = {.year = b->year, .month = 12, .journal = true, .books = true};
    opts.region = b->region; /* that region's books only */
    struct app_reports *books = calloc(1, sizeof *books);
    if (books == NULL) {
        store_errf(&b->err, "whatif: out of memory");
        b->rc = -1;
        return;
    }
    b->rc = app_reports_build(b->store, &opts, books, &b->err);
    for (size_t i = 0; b->rc == 0 && i < books->fund_count; i++) {
        const struct app_fund_line *line = &books->funds[i];
        for (int f = 0; f < FUND_LAYER_COUNT; f++) {
            if (strcmp(line->fund, fund_layer((enum fund_layer_id)f)->fund) != 0) continue;
            b->balance_fen[f] += line->year.balance_fen[11];
            b->spending_fen[f] += line->year.spending_fen;
            b->has_revenue = b->has_revenue || line->year.revenue_fen > 0;
        }
    }
    app_reports_free(books);
    free(books);
}

static void *books_main(void *arg) {
    assert(arg != NULL);
    books_walk(arg);
    return NULL;
}

/* Each fund's months of support before and after the what-if's change of
 * its spending, from the books. */
static void support(const struct books *b, struct app_whatif_report *out) {
    assert(b != NULL && b->rc == 0 && out != NULL);
    out->has_revenue = b->has_revenue;
    for (int f = 0; f < FUND_LAYER_COUNT; f++) {
        out->support[f].balance_before_fen = b->balance_fen[f];
        out->support[f].spending_before_fen = b->spending_fen[f];
        support_of(&out->support[f], out->after.total.fund_fen[f] - out->before.total.fund_fen[f]);
    }
}

int app_whatif(struct store *store, struct store *books, int32_t year, const char *region,
               const struct policy *policies, size_t n, struct app_whatif_report *out,
               struct store_err *err) {
    return app_whatif_observed(store, books, year, region, policies, n, NULL, NULL, out, err);
}

int app_whatif_observed(struct store *store, struct store *books, int32_t year, const char *region,
                        const struct policy *policies, size_t n, app_whatif_sink sink,
                        void *sink_ctx, struct app_whatif_report *out, struct store_err *err) {
    assert(store != NULL && (policies != NULL || n == 0) && out != NULL && err != NULL);
    assert(n <= APP_WHATIF_POLICIES_MAX && (region == NULL || strlen(region) <= CODE_BYTES_MAX));
    memset(out, 0, sizeof *out);
    out->year = year;
    if (region != NULL) snprintf(out->region, sizeof out->region, "%s", region);
    struct books b = {books != NULL ? books : store, year, region, {0}, {0}, false, 0, {{0}}};
    pthread_t walker;
    bool walking = books != NULL && pthread_create(&walker, NULL, books_main, &b) == 0;
    struct whatif_run run = {out, {0}, err, sink, sink_ctx};
    struct app_whatif_replay replay = {year, policies, n, on_event, &run, region};
    int rc = app_replay_whatif(store, &replay, &out->replay, err);
    if (walking) pthread_join(walker, NULL); /* its figures are needed, or it ends anyway */
    else if (rc == 0) books_walk(&b);
    if (rc == 0) hardest(&run);
    table_free(&run.persons);
    if (rc == 0 && b.rc != 0) *err = b.err, rc = b.rc;
    if (rc == 0) support(&b, out);
    return rc;
}

/* ---- the what-if's policies against the store's ---------------------------- */
static bool same_key(const struct policy *a, const struct policy *b) {
    assert(a != NULL && b != NULL);
    return a->year == b->year && a->insutype == b->insutype && strcmp(a->region, b->region) == 0;
}

const char *app_whatif_policy_problem(struct store *store, int32_t year,
                                      const struct policy *policy, const struct policy *earlier,
                                      size_t n, const char **field, char *why, size_t why_size) {
    assert(store != NULL && policy != NULL && field != NULL && why != NULL && why_size > 0);
    *field = NULL;
    if (policy->year != year) {
        *field = "year";
        snprintf(why, why_size, "is %d, not the year asked (--year %d)", (int)policy->year,
                 (int)year);
        return why;
    }
    const struct registry *reg = store_registry_acquire(store);
    size_t count = 0;
    const struct policy *all = registry_policies(reg, &count);
    bool region = false, key = false;
    for (size_t i = 0; i < count; i++) {
        if (all[i].year != year || strcmp(all[i].region, policy->region) != 0) continue;
        region = true;
        key = key || all[i].insutype == policy->insutype;
    }
    store_registry_release(store, reg);
    for (size_t i = 0; i < n && key; i++)
        if (same_key(&earlier[i], policy)) *field = "insutype";
    if (!region) *field = "region";
    else if (!key) *field = "insutype";
    if (*field == NULL) return NULL;
    if (!region)
        snprintf(why, why_size, "%s: the store has no policy of this region for %d", policy->region,
                 (int)year);
    else if (!key)
        snprintf(why, why_size,
                 "%d: the store has no policy of region %s, year %d, scheme %d to"
                 " replace",
                 (int)policy->insutype, policy->region, (int)year, (int)policy->insutype);
    else
        snprintf(why, why_size, "%d: a second what-if policy of region %s, year %d, scheme %d",
                 (int)policy->insutype, policy->region, (int)year, (int)policy->insutype);
    return why;
}
