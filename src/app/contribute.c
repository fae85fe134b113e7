/* contribute.c: the contribution runs (contribute.h; docs/CONTRIBUTIONS.md).
 *
 * A run reads the registry once: the employers (for the struggling
 * flag), the period's wages and bases, then the episodes in person order,
 * keeping one small work item per person enrolled in the scheme in the
 * period (strings in an arena: a million persons is about 100 MiB). Then
 * it goes through the items in batches: the person's flags (residents),
 * the figures from the core, and one store transaction per batch that
 * writes the records the journal does not hold yet. A crash loses at most
 * the batch in flight; the next run finds the records written and goes on
 * from there, so every person is posted exactly once. */
#include "app/contribute.h"
#include "app/array_room.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "store/enrol_rows.h"

/* ---- an arena for the run's strings ------------------------------------------ */
#define ARENA_BLOCK_BYTES (1u << 20)

struct arena_block {
    struct arena_block *next;
    size_t used;
    char bytes[ARENA_BLOCK_BYTES];
};

struct arena {
    struct arena_block *head;
};

static const char *arena_copy(struct arena *a, const char *s) {
    assert(a != NULL && s != NULL);
    size_t len = strlen(s) + 1;
    assert(len <= ARENA_BLOCK_BYTES);
    if (a->head == NULL || a->head->used + len > ARENA_BLOCK_BYTES) {
        struct arena_block *b = malloc(sizeof *b);
        if (b == NULL) return NULL;
        b->next = a->head;
        b->used = 0;
        a->head = b;
    }
    char *out = a->head->bytes + a->head->used;
    memcpy(out, s, len);
    a->head->used += len;
    return out;
}

static void arena_free(struct arena *a) {
    assert(a != NULL);
    while (a->head != NULL) {
        struct arena_block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

/* ---- the registry read ---------------------------------------------------------- */
struct wage {
    const char *psn_no;
    const char *emp_no; /* NULL: a flexible worker's base */
    int64_t wage_fen;
    int32_t share_bp;
};

struct employer {
    const char *emp_no;
    bool struggling;
};

/* One person enrolled in the period. */
struct work {
    const char *psn_no;
    const char *region;             /* interned */
    const char *category;           /* interned */
    const struct wage *wage, *base; /* the month's declared wage and chosen base, or NULL */
    int32_t wages;                  /* employers that declared a wage this month */
};

struct run {
    struct store *store;
    const struct app_contrib_opts *opts;
    struct app_contrib_out *out;
    struct store_err *err;
    struct arena arena;
    char month_text[8]; /* "YYYY-MM" (310) */
    struct employer *employers;
    size_t employer_count, employer_cap;
    struct wage *wages;
    size_t wage_count, wage_cap;
    struct work *work;
    size_t work_count, work_cap;
    const char *regions[CONTRIB_REGIONS_MAX];
    size_t region_count;
    /* the episodes scan: the person being read */
    char cur_psn[CODE_BYTES_MAX + 1];
    bool cur_has_scheme, cur_covered;
    const char *cur_region, *cur_category;
    int failed; /* out of memory in a callback */
};

static const char *intern_region(struct run *r, const char *region) {
    assert(r != NULL && region != NULL);
    for (size_t i = 0; i < r->region_count; i++)
        if (strcmp(r->regions[i], region) == 0) return r->regions[i];
    if (r->region_count == CONTRIB_REGIONS_MAX) return NULL;
    const char *s = arena_copy(&r->arena, region);
    if (s != NULL) r->regions[r->region_count++] = s;
    return s;
}

static const char *intern_category(const char *name) {
    static const char *const names[] = {"in_service", "flexible", "retired",
                                        "adult",      "minor",    "student"};
    assert(name != NULL);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], name) == 0) return names[i];
    return "other";
}

static int employer_row(void *ctx, const struct store_enrol_row *row) {
    struct run *r = ctx;
    assert(r != NULL && row != NULL);
    if (!app_array_room((void **)&r->employers, &r->employer_cap, r->employer_count + 1,
                        sizeof *r->employers))
        return r->failed = 1, 1;
    struct employer *e = &r->employers[r->employer_count];
    e->emp_no = arena_copy(&r->arena, row->col[EMP_NO]);
    e->struggling = strcmp(row->col[EMP_STRUGGLING], "1") == 0;
    if (e->emp_no == NULL) return r->failed = 1, 1;
    r->employer_count++;
    return 0;
}

static int wage_row(void *ctx, const struct store_enrol_row *row) {
    struct run *r = ctx;
    assert(r != NULL && row != NULL);
    if (strcmp(row->col[WAGE_MONTH], r->month_text) != 0) return 0;
    if (!app_array_room((void **)&r->wages, &r->wage_cap, r->wage_count + 1, sizeof *r->wages))
        return r->failed = 1, 1;
    struct wage *w = &r->wages[r->wage_count];
    w->psn_no = arena_copy(&r->arena, row->col[WAGE_PSN]);
    w->emp_no = row->col[WAGE_EMP][0] ? arena_copy(&r->arena, row->col[WAGE_EMP]) : NULL;
    w->wage_fen = strtoll(row->col[WAGE_WAGE], NULL, 10);
    w->share_bp = (int32_t)strtol(row->col[WAGE_BASE], NULL, 10);
    if (w->psn_no == NULL || (row->col[WAGE_EMP][0] && w->emp_no == NULL)) return r->failed = 1, 1;
    r->wage_count++;
    return 0;
}

static int wage_order(const void *a, const void *b) {
    const struct wage *x = a, *y = b;
    int c = strcmp(x->psn_no, y->psn_no);
    if (c != 0) return c;
    if (x->emp_no == NULL || y->emp_no == NULL) return (x->emp_no != NULL) - (y->emp_no != NULL);
    return strcmp(x->emp_no, y->emp_no);
}

static int employer_order(const void *a, const void *b) {
    return strcmp(((const struct employer *)a)->emp_no, ((const struct employer *)b)->emp_no);
}

/* "YYYY-MM" as a month index, or -1. */
static month_index month_text(const char *s) {
    assert(s != NULL);
    int y = 0, m = 0, used = 0;
    if (sscanf(s, "%4d-%2d%n", &y, &m, &used) != 2 || used != 7 || m < 1 || m > 12) return -1;
    return month_of(y, m);
}

/* Whether the episode row covers the run's period: the month (310), or
 * any month of the year (390). */
static bool row_covers(const struct run *r, const struct store_enrol_row *row) {
    assert(r != NULL && row != NULL);
    month_index from = month_text(row->col[EPI_FROM]);
    month_index to = row->col[EPI_TO][0] ? month_text(row->col[EPI_TO]) : INT32_MAX;
    const struct app_contrib_opts *o = r->opts;
    month_index lo = month_of(o->year, o->month ? o->month : 1);
    month_index hi = month_of(o->year, o->month ? o->month : 12);
    return from >= 0 && to >= 0 && from <= hi && to >= lo;
}

/* The wages of psn_no this month: wages[*first ..) of it, count. */
static size_t wages_of(const struct run *r, const char *psn_no, size_t *first) {
    assert(r != NULL && psn_no != NULL);
    size_t lo = 0, hi = r->wage_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(r->wages[mid].psn_no, psn_no) < 0) lo = mid + 1;
        else hi = mid;
    }
    size_t n = 0;
    while (lo + n < r->wage_count && strcmp(r->wages[lo + n].psn_no, psn_no) == 0) n++;
    *first = lo;
    return n;
}

/* The person read so far by the episodes scan, into the run. */
static int person_done(struct run *r) {
    assert(r != NULL);
    if (r->cur_psn[0] == '\0' || !r->cur_has_scheme) return 0;
    if (!r->cur_covered) {
        r->out->not_enrolled++;
        if (r->opts->skipped)
            r->opts->skipped(r->opts->ctx, r->cur_psn, "E_NOT_ENROLLED",
                             "no episode of the scheme covers the period");
        return 0;
    }
    if (!app_array_room((void **)&r->work, &r->work_cap, r->work_count + 1, sizeof *r->work))
        return -1;
    struct work *w = memset(&r->work[r->work_count], 0, sizeof *r->work);
    w->psn_no = arena_copy(&r->arena, r->cur_psn);
    w->region = r->cur_region;
    w->category = r->cur_category;
    if (w->psn_no == NULL) return -1;
    size_t first = 0, n = r->opts->month ? wages_of(r, r->cur_psn, &first) : 0;
    for (size_t i = first; i < first + n; i++) {
        if (r->wages[i].emp_no == NULL) w->base = &r->wages[i];
        else w->wages++, w->wage = &r->wages[i];
    }
    r->work_count++;
    return 0;
}

static int episode_row(void *ctx, const struct store_enrol_row *row) {
    struct run *r = ctx;
    assert(r != NULL && row != NULL);
    if (strcmp(row->col[EPI_PSN], r->cur_psn) != 0) {
        if (person_done(r) != 0) return r->failed = 1, 1;
        size_t len = strlen(row->col[EPI_PSN]);
        if (len > CODE_BYTES_MAX) len = CODE_BYTES_MAX; /* the import refuses longer codes */
        memcpy(r->cur_psn, row->col[EPI_PSN], len);
        r->cur_psn[len] = '\0';
        r->cur_has_scheme = r->cur_covered = false;
    }
    int32_t scheme = r->opts->month ? INSUTYPE_EMPLOYEE : INSUTYPE_RESIDENT;
    if (strtol(row->col[EPI_INSUTYPE], NULL, 10) != scheme) return 0;
    r->cur_has_scheme = true;
    if (r->cur_covered || !row_covers(r, row)) return 0; /* the first covering episode counts */
    r->cur_region = intern_region(r, row->col[EPI_ADMDVS]);
    r->cur_category = intern_category(row->col[EPI_CATEGORY]);
    if (r->cur_region == NULL) return r->failed = 1, 1;
    r->cur_covered = true;
    return 0;
}

/* Employers, the month's wages, then the episodes into work items. */
static int read_registry(struct run *r) {
    assert(r != NULL && r->work_count == 0);
    int rc = store_enrol_scan(r->store, ENROL_EMPLOYERS, NULL, employer_row, r, r->err);
    if (rc == 0 && !r->failed && r->opts->month)
        rc = store_enrol_scan(r->store, ENROL_WAGES, NULL, wage_row, r, r->err);
    if (rc == -1) return -1;
    if (r->failed) return store_errf(r->err, "contribute: out of memory"), -1;
    if (r->employer_count > 0) /* qsort's array may not be NULL, even empty */
        qsort(r->employers, r->employer_count, sizeof *r->employers, employer_order);
    if (r->wage_count > 0) qsort(r->wages, r->wage_count, sizeof *r->wages, wage_order);
    rc = store_enrol_scan(r->store, ENROL_EPISODES, NULL, episode_row, r, r->err);
    if (rc == 0 && !r->failed && person_done(r) != 0) r->failed = 1;
    if (rc == -1) return -1;
    if (r->failed)
        return store_errf(r->err, "contribute: out of memory (or more than %d regions)",
                          CONTRIB_REGIONS_MAX),
               -1;
    return 0;
}

/* ---- the figures --------------------------------------------------------------- */
static enum employee_status status_of(const char *category) {
    assert(category != NULL);
    if (strcmp(category, "in_service") == 0) return EMPLOYEE_IN_SERVICE;
    if (strcmp(category, "flexible") == 0) return EMPLOYEE_FLEXIBLE;
    if (strcmp(category, "retired") == 0) return EMPLOYEE_RETIRED;
    return EMPLOYEE_STATUS_OTHER;
}

static enum funds_code employee_figures(const struct policy *policy, struct store_contrib *c) {
    assert(policy != NULL && c != NULL && c->insutype == INSUTYPE_EMPLOYEE);
    /* the run chose an episode of the region covering the month: the rule
     * sees that one (E_NOT_ENROLLED is the run's count, not a refusal) */
    struct episode ep = {.insutype = INSUTYPE_EMPLOYEE, .open = true};
    snprintf(ep.region, sizeof ep.region, "%s", c->region);
    ep.from_month = month_of(c->year, c->month);
    struct employee_month_input in = {
        .month = month_of(c->year, c->month),
        .status = status_of(c->category),
        .episodes = &ep,
        .episode_count = 1,
        .has_wage = c->emp_no[0] != '\0',
        .wage_fen = c->wage_fen,
        .base_share_exact = c->share_bp > 0,
        .base_share_bp = c->share_bp,
        .struggling = c->struggling,
        /* the registry's flag (FUNDS.md §4): no retiree allocation until the
         * lump sum is paid; derived from the episodes is item 3, not built */
        .contribution_short = (c->flags & FLAG_CONTRIBUTION_SHORT) != 0,
    };
    struct employee_month m;
    enum funds_code code = employee_month(policy, &in, &m);
    if (code != FUNDS_OK) return code;
    c->base_fen = m.base_fen;
    c->employer_fen = m.employer_fen;
    c->employee_fen = m.employee_fen;
    c->account_fen = m.account_fen;
    c->pool_fen = m.pool_fen;
    c->over_cap_fen = m.over_cap_fen;
    return FUNDS_OK;
}

static enum funds_code resident_figures(const struct policy *policy, struct store_contrib *c) {
    assert(policy != NULL && c != NULL && c->insutype == INSUTYPE_RESIDENT);
    enum category category = CATEGORY_COUNT;
    if (category_parse(c->category, &category) != 0) category = CATEGORY_COUNT;
    struct resident_year y;
    enum funds_code code = resident_year(policy, category, c->flags & FLAG_ALL, &y);
    if (code != FUNDS_OK) return code;
    c->premium_fen = y.premium_fen;
    c->assisted_fen = y.assisted_fen;
    c->own_fen = y.own_fen;
    c->subsidy_fen = y.subsidy_fen;
    c->catastrophic_fen = y.catastrophic_fen;
    c->pool_fen = y.pool_fen;
    return FUNDS_OK;
}

/* A retiree's lump sum (FUNDS.md §4): the months short, each at
 * mul(avg_wage_monthly, lump_rate), paid by the person into the pool. */
static enum funds_code lump_sum_figures(const struct policy *policy, struct store_contrib *c) {
    assert(policy != NULL && c != NULL && c->insutype == INSUTYPE_EMPLOYEE);
    if (!policy->has_funding) return FUNDS_E_POLICY;
    if (c->lump_months < 1 || c->lump_months > FUNDING_MONTHS_MAX) return FUNDS_E_BAD_AMOUNT;
    const struct funding_employee *f = &policy->funding.employee;
    c->base_fen = money_mul_bp(f->avg_wage_monthly_fen, f->lump_rate_bp);
    c->employee_fen = c->pool_fen = c->base_fen * c->lump_months;
    return FUNDS_OK;
}

enum funds_code app_contrib_figures(const struct policy *policy, struct store_contrib *c) {
    assert(policy != NULL && c != NULL);
    assert(c->insutype == INSUTYPE_EMPLOYEE || c->insutype == INSUTYPE_RESIDENT);
    c->base_fen = c->employer_fen = c->employee_fen = c->account_fen = 0;
    c->pool_fen = c->over_cap_fen = 0;
    c->premium_fen = c->assisted_fen = c->own_fen = c->subsidy_fen = c->catastrophic_fen = 0;
    if (c->insutype != policy->insutype || c->year != policy->year) return FUNDS_E_POLICY;
    if (c->insutype == INSUTYPE_EMPLOYEE && strcmp(c->category, CONTRIB_LUMP_SUM) == 0)
        return lump_sum_figures(policy, c);
    enum funds_code code = c->insutype == INSUTYPE_EMPLOYEE ? employee_figures(policy, c)
                                                            : resident_figures(policy, c);
    assert(code != FUNDS_OK || contrib_identity_error(c) == NULL);
    return code;
}

/* ---- the run ------------------------------------------------------------------- */
/* A region's policy for the period must carry funding (FUNDS.md §1): else
 * the run is refused before anything is written. A region without any
 * policy of the scheme refuses its persons one by one (E_POLICY). */
static int policies_ready(struct run *r) {
    assert(r != NULL);
    int32_t scheme = r->opts->month ? INSUTYPE_EMPLOYEE : INSUTYPE_RESIDENT;
    for (size_t i = 0; i < r->region_count; i++) {
        const struct policy *p = store_policy_find(r->store, r->regions[i], r->opts->year, scheme);
        if (p != NULL && !p->has_funding)
            return store_errf(r->err,
                              "the policy of region %s for %d (scheme %d, %s) has no funding "
                              "section (FUNDS.md §1): no contribution can be computed",
                              r->regions[i], (int)r->opts->year, (int)scheme, p->id),
                   -1;
    }
    return 0;
}

static bool employer_struggling(const struct run *r, const char *emp_no) {
    assert(r != NULL && emp_no != NULL);
    if (r->employer_count == 0) return false;
    struct employer key = {emp_no, false};
    const struct employer *e = bsearch(&key, r->employers, r->employer_count, sizeof key,
                                       employer_order);
    return e != NULL && e->struggling;
}

/* ---- the batches: each prepared while the one before it commits ------------- */
/* A batch is prepared (its persons' flags read on one of the store's
 * reader connections, its figures computed, its msgids and bodies checked)
 * on a thread of its own while the batch before it is committed on the
 * writer's connection: on PostgreSQL the cluster writes one batch while the
 * client prepares the next, where before the two took turns. The commit is
 * unchanged (one transaction a batch, the msgids read again inside it), so
 * a batch is all or nothing and a run again, or after a kill, posts each
 * person once. Two slots: one prepared while the other commits. */
#define PREP_SLOTS 2

/* A person the rules refuse: told to opts->skipped by the run's thread,
 * when its batch is taken (code and why are static strings). */
struct refusal {
    const char *psn_no, *code, *why;
};

struct slot {
    struct store_contrib_item *items;
    uint32_t *flags;
    struct store_person *persons;
    bool *found;
    const char **keys;
    struct refusal *refusals;
    size_t k, refused; /* items to commit, persons refused */
    int rc;            /* 0, or -1 with err */
    struct store_err err;
    bool ready; /* prepared, not taken yet (under the preparer's lock) */
};

struct preparer {
    struct run *r;
    struct slot slots[PREP_SLOTS];
    size_t batch, batches; /* persons a batch, batches of the run */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    bool started, quit;
};

static void skip(struct slot *s, const char *psn_no, const char *code, const char *why) {
    assert(s != NULL && psn_no != NULL && code != NULL && why != NULL);
    s->refusals[s->refused++] = (struct refusal){psn_no, code, why};
}

/* The item of w, or false with the person refused. */
static bool item_of(struct run *r, const struct work *w, uint32_t flags,
                    struct store_contrib_item *item, struct slot *s) {
    assert(r != NULL && w != NULL && item != NULL && s != NULL);
    memset(item, 0, sizeof *item);
    struct store_contrib *c = &item->c;
    c->insutype = r->opts->month ? INSUTYPE_EMPLOYEE : INSUTYPE_RESIDENT;
    c->year = r->opts->year;
    c->month = r->opts->month;
    snprintf(c->region, sizeof c->region, "%s", w->region);
    snprintf(c->category, sizeof c->category, "%s", w->category);
    snprintf(item->psn_no, sizeof item->psn_no, "%s", w->psn_no);
    c->flags = flags;
    bool in_service = strcmp(w->category, "in_service") == 0;
    if (in_service && w->wages > 1)
        return skip(s, w->psn_no, "E_BAD_AMOUNT", "wages from several employers this month"), false;
    if (in_service && w->wage != NULL) {
        snprintf(c->emp_no, sizeof c->emp_no, "%s", w->wage->emp_no);
        c->wage_fen = w->wage->wage_fen;
        c->struggling = employer_struggling(r, c->emp_no);
    }
    if (strcmp(w->category, "flexible") == 0 && w->base != NULL) c->share_bp = w->base->share_bp;
    const struct policy *p = store_policy_find(r->store, c->region, c->year, c->insutype);
    if (p == NULL)
        return skip(s, w->psn_no, "E_POLICY", "no policy of the region, year and scheme"), false;
    enum funds_code code = app_contrib_figures(p, c);
    static const char *const why[FUNDS_CODE_COUNT] = {
        [FUNDS_E_CATEGORY] = "the category has no contribution in this scheme",
        [FUNDS_E_FUNDING_BASE] = "no chosen base, or not one of the policy's flexible.bases",
        [FUNDS_E_BAD_AMOUNT] = "in service without a declared wage this month",
    };
    if (code != FUNDS_OK)
        return skip(s, w->psn_no, funds_code_name(code), why[code] ? why[code] : "refused"), false;
    if (contrib_msgid(item->msgid, item->psn_no, c) != 0 ||
        contrib_encode(c, (char[JOURNAL_BODY_BYTES_MAX + 1]){0}, JOURNAL_BODY_BYTES_MAX + 1) != 0)
        return skip(s, w->psn_no, "E_BAD_CODE", "a code too long or with a space for a record"),
               false;
    return true;
}

static void add_sums(struct app_contrib_sums *s, const struct store_contrib *c) {
    assert(s != NULL && c != NULL);
    s->employer_fen += c->employer_fen;
    s->employee_fen += c->employee_fen;
    s->account_fen += c->account_fen;
    s->pool_fen += c->pool_fen;
    s->over_cap_fen += c->over_cap_fen;
    s->premium_fen += c->premium_fen;
    s->assisted_fen += c->assisted_fen;
    s->own_fen += c->own_fen;
    s->subsidy_fen += c->subsidy_fen;
    s->catastrophic_fen += c->catastrophic_fen;
}

/* The persons' flags (enum person_flag) the rules read: a resident's
 * (the premium's assistance), a retiree's contribution_short (no
 * allocation, FUNDS.md §4); an employee month reads only its retirees'.
 * Read on a reader connection (the writer's is committing the batch
 * before), as they were read before the commit's transaction. */
static int batch_flags(struct run *r, const struct work *w, size_t n, struct slot *s) {
    assert(r != NULL && w != NULL && s != NULL && n >= 1);
    memset(s->flags, 0, n * sizeof *s->flags);
    size_t k = 0, at[CONTRIB_COMMIT_MAX];
    assert(n <= CONTRIB_COMMIT_MAX);
    for (size_t i = 0; i < n; i++)
        if (!r->opts->month || strcmp(w[i].category, "retired") == 0)
            at[k] = i, s->keys[k++] = w[i].psn_no;
    if (k == 0) return 0;
    if (store_persons_read(r->store, s->keys, k, s->persons, s->found, &s->err) != 0) return -1;
    uint32_t read = r->opts->month ? FLAG_CONTRIBUTION_SHORT : FLAG_ALL;
    for (size_t j = 0; j < k; j++) s->flags[at[j]] = s->found[j] ? s->persons[j].flags & read : 0;
    return 0;
}

/* Batch i of the run into s: its items and its refusals. */
static void prepare(struct preparer *p, struct slot *s, size_t i) {
    struct run *r = p->r;
    assert(i < p->batches && !s->ready);
    size_t from = i * p->batch,
           n = r->work_count - from < p->batch ? r->work_count - from : p->batch;
    const struct work *w = &r->work[from];
    s->k = s->refused = 0;
    s->rc = batch_flags(r, w, n, s);
    for (size_t j = 0; s->rc == 0 && j < n; j++)
        if (item_of(r, &w[j], s->flags[j], &s->items[s->k], s)) s->k++;
    assert(s->rc != 0 || s->k + s->refused == n);
}

static void *preparer_main(void *arg) {
    struct preparer *p = arg;
    assert(p != NULL && p->r != NULL);
    for (size_t i = 0; i < p->batches; i++) {
        struct slot *s = &p->slots[i % PREP_SLOTS];
        pthread_mutex_lock(&p->lock);
        while (s->ready && !p->quit) pthread_cond_wait(&p->cond, &p->lock);
        bool quit = p->quit;
        pthread_mutex_unlock(&p->lock);
        if (quit) break;
        prepare(p, s, i);
        pthread_mutex_lock(&p->lock);
        s->ready = true;
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
        if (s->rc != 0) break; /* the run stops at this batch */
    }
    return NULL;
}

/* Batch i, prepared (by the thread, or now when there is none). */
static struct slot *slot_take(struct preparer *p, size_t i) {
    struct slot *s = &p->slots[i % PREP_SLOTS];
    assert(i < p->batches);
    if (!p->started) return prepare(p, s, i), s;
    pthread_mutex_lock(&p->lock);
    while (!s->ready) pthread_cond_wait(&p->cond, &p->lock);
    pthread_mutex_unlock(&p->lock);
    return s;
}

/* s committed: the thread may prepare the batch after next in it. */
static void slot_give(struct preparer *p, struct slot *s) {
    assert(p != NULL && s != NULL);
    if (!p->started) return;
    pthread_mutex_lock(&p->lock);
    s->ready = false;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

static int slots_alloc(struct preparer *p) {
    size_t b = p->batch;
    assert(b >= 1 && b <= CONTRIB_COMMIT_MAX);
    for (int i = 0; i < PREP_SLOTS; i++) {
        struct slot *s = &p->slots[i];
        s->items = calloc(b, sizeof *s->items);
        s->flags = calloc(b, sizeof *s->flags);
        s->persons = calloc(b, sizeof *s->persons);
        s->found = calloc(b, sizeof *s->found);
        s->keys = calloc(b, sizeof *s->keys);
        s->refusals = calloc(b, sizeof *s->refusals);
        if (!s->items || !s->flags || !s->persons || !s->found || !s->keys || !s->refusals)
            return -1;
    }
    return 0;
}

/* The thread starts when it can; without it each batch is prepared by the
 * run's thread before its commit (as before). -1: out of memory. */
static int preparer_start(struct preparer *p, struct run *r) {
    assert(p != NULL && r != NULL && r->work_count >= 1);
    memset(p, 0, sizeof *p);
    p->r = r;
    p->batch = r->opts->batch;
    p->batches = (r->work_count + p->batch - 1) / p->batch;
    if (slots_alloc(p) != 0) return -1;
    if (pthread_mutex_init(&p->lock, NULL) != 0) return 0;
    if (pthread_cond_init(&p->cond, NULL) != 0) return pthread_mutex_destroy(&p->lock), 0;
    p->started = pthread_create(&p->thread, NULL, preparer_main, p) == 0;
    if (!p->started) pthread_cond_destroy(&p->cond), pthread_mutex_destroy(&p->lock);
    return 0;
}

static void preparer_stop(struct preparer *p) {
    assert(p != NULL);
    if (p->started) {
        pthread_mutex_lock(&p->lock);
        p->quit = true;
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
        pthread_join(p->thread, NULL);
        pthread_cond_destroy(&p->cond);
        pthread_mutex_destroy(&p->lock);
        p->started = false;
    }
    for (int i = 0; i < PREP_SLOTS; i++) {
        struct slot *s = &p->slots[i];
        free(s->items), free(s->flags), free(s->persons);
        free(s->found), free(s->keys), free(s->refusals);
    }
}

/* The prepared batch s committed: its refusals told, its records counted. */
static int one_batch(struct run *r, struct slot *s, struct contrib_batch *scratch, bool *posted) {
    assert(r != NULL && s != NULL && scratch != NULL && posted != NULL);
    for (size_t i = 0; i < s->refused; i++) {
        r->out->refused++;
        if (r->opts->skipped)
            r->opts->skipped(r->opts->ctx, s->refusals[i].psn_no, s->refusals[i].code,
                             s->refusals[i].why);
    }
    if (s->rc != 0) return *r->err = s->err, -1;
    if (s->k == 0) return 0;
    if (store_contrib_commit(r->store, scratch, s->items, s->k, posted, r->err) != 0) return -1;
    for (size_t i = 0; i < s->k; i++) {
        if (!posted[i]) {
            r->out->already++;
            continue;
        }
        r->out->posted++;
        add_sums(&r->out->sums, &s->items[i].c);
    }
    return 0;
}

static enum app_contrib_status run_batches(struct run *r) {
    assert(r != NULL && r->opts->batch >= 1 && r->opts->batch <= CONTRIB_COMMIT_MAX);
    if (r->work_count == 0) return APP_CONTRIB_OK;
    struct preparer *p = calloc(1, sizeof *p);
    struct contrib_batch *scratch = store_contrib_batch_new(r->opts->batch);
    bool *posted = calloc(r->opts->batch, sizeof *posted);
    enum app_contrib_status st = APP_CONTRIB_OK;
    if (p == NULL || scratch == NULL || posted == NULL || preparer_start(p, r) != 0)
        st = (store_errf(r->err, "contribute: out of memory"), APP_CONTRIB_FAILED);
    for (size_t i = 0; st == APP_CONTRIB_OK && i < p->batches; i++) {
        if (r->opts->stop && r->opts->stop(r->opts->ctx)) {
            st = APP_CONTRIB_STOPPED;
            break;
        }
        struct slot *s = slot_take(p, i);
        if (one_batch(r, s, scratch, posted) != 0) st = APP_CONTRIB_FAILED;
        slot_give(p, s);
        size_t done = (i + 1) * p->batch < r->work_count ? (i + 1) * p->batch : r->work_count;
        if (st == APP_CONTRIB_OK && r->opts->progress)
            r->opts->progress(r->opts->ctx, (int64_t)done, (int64_t)r->work_count);
    }
    if (p != NULL) preparer_stop(p);
    free(p);
    store_contrib_batch_free(scratch);
    free(posted);
    return st;
}

enum app_contrib_status app_contribute(struct store *store, const struct app_contrib_opts *opts,
                                       struct app_contrib_out *out, struct store_err *err) {
    assert(store != NULL && opts != NULL && out != NULL && err != NULL);
    assert(opts->month >= 0 && opts->month <= 12);
    assert(opts->year >= MONTH_YEAR_MIN && opts->year <= MONTH_YEAR_MAX);
    memset(out, 0, sizeof *out);
    struct run *r = calloc(1, sizeof *r);
    if (r == NULL) return store_errf(err, "contribute: out of memory"), APP_CONTRIB_FAILED;
    r->store = store;
    r->opts = opts;
    r->out = out;
    r->err = err;
    snprintf(r->month_text, sizeof r->month_text, "%04d-%02d", (int)opts->year,
             (int)(opts->month ? opts->month : 1));
    enum app_contrib_status st = APP_CONTRIB_OK;
    if (read_registry(r) != 0) st = APP_CONTRIB_FAILED;
    else if (policies_ready(r) != 0) st = APP_CONTRIB_REFUSED;
    else {
        out->persons = (int64_t)r->work_count;
        st = run_batches(r);
    }
    assert(st != APP_CONTRIB_OK || out->posted + out->already + out->refused == out->persons);
    free(r->employers);
    free(r->wages);
    free(r->work);
    arena_free(&r->arena);
    free(r);
    return st;
}
