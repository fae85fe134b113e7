/* risk.c: the indicators and the risk ranking (risk.h).
 *
 * One scan (app/scan.c) feeds two callbacks: each finding is held until
 * its person's bills arrive (person_cb), then the person's bills are added
 * to their institutions' figures (cases, cost and fund paid by med_type,
 * admissions and readmissions, class C and off-list amounts, bills named by
 * findings) and the person's own figures are kept. After the scan, each
 * institution's peers (same type and level; for its level's only one, the
 * mean of its type's adjacent levels' medians) give medians, and core/risk.c
 * turns figures and medians into scores. Memory: the scan's, plus one row
 * per institution and per person with bills. */
#include "app/risk.h"
#include "app/array_room.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A median cost per case above this (1e9 yuan) is not carried a level
 * further (near x near stays far below INT64_MAX). */
#define RISK_COST_EXTRAPOLATE_MAX_FEN INT64_C(100000000000)

/* A finding held until its person's bills are seen. */
struct held {
    const struct det_bill *a, *b;
    enum det_kind kind;
    int64_t amount_fen;
};

struct risk_run {
    struct risk_result *out;
    size_t inst_cap, person_cap;
    struct held *held;
    size_t held_count, held_cap;
    bool *flags; /* per bill of a person: flagged, admission, readmission */
    size_t flags_cap;
    const struct catalog *catalog;
    struct store_err *err;
};

static int64_t bill_cost_fen(const struct det_bill *b) {
    int64_t sum = 0;
    assert(b != NULL);
    for (int32_t l = 0; l < b->line_count; l++) sum += b->lines[l].amount_fen;
    return sum;
}

static int hold_finding(void *ctx, const struct scan_finding *sf) {
    struct risk_run *r = ctx;
    assert(r != NULL && sf != NULL && sf->a != NULL);
    if (!app_array_room((void **)&r->held, &r->held_cap, r->held_count + 1, sizeof *r->held))
        return -1;
    /* at stake: the line concerned, else the later bill (the readmission,
     * the second stay, the visit) */
    int64_t amount = sf->line != NULL ? sf->line->amount_fen
                                      : bill_cost_fen(sf->b != NULL ? sf->b : sf->a);
    r->held[r->held_count++] = (struct held){sf->a, sf->b, sf->f->kind, amount};
    return 0;
}

static int cmp_inst(const void *a, const void *b) {
    assert(a != NULL && b != NULL);
    return strcmp(((const struct risk_inst_row *)a)->code, ((const struct risk_inst_row *)b)->code);
}

static int cmp_inst_key(const void *key, const void *elem) {
    assert(key != NULL && elem != NULL);
    return strcmp((const char *)key, ((const struct risk_inst_row *)elem)->code);
}

/* The institution's row; one not in the registry gets a row of its own. */
static struct risk_inst_row *inst_of(struct risk_run *r, const char *code) {
    struct risk_result *o = r->out;
    assert(r != NULL && code != NULL);
    struct risk_inst_row *row = o->inst_count > 0 ? bsearch(code, o->inst, o->inst_count,
                                                            sizeof *row, cmp_inst_key)
                                                  : NULL;
    if (row != NULL) return row;
    if (!app_array_room((void **)&o->inst, &r->inst_cap, o->inst_count + 1, sizeof *o->inst))
        return NULL;
    row = &o->inst[o->inst_count++];
    memset(row, 0, sizeof *row);
    snprintf(row->code, sizeof row->code, "%s", code);
    row->level = LEVEL_NONE;
    qsort(o->inst, o->inst_count, sizeof *o->inst, cmp_inst); /* rare: kept sorted */
    return bsearch(code, o->inst, o->inst_count, sizeof *row, cmp_inst_key);
}

/* One bill's figures into its institution's. */
static int add_bill(struct risk_run *r, const struct det_bill *b, int64_t fund_paid_fen,
                    bool flagged, bool admission, bool readmission) {
    struct risk_inst_row *row = inst_of(r, b->fixmedins_code);
    if (row == NULL) return -1;
    struct risk_inst *in = &row->ind;
    int m = risk_med_index(b->med_type);
    int64_t cost = bill_cost_fen(b);
    in->cases++, in->cost_fen += cost, in->fund_paid_fen += fund_paid_fen;
    if (m >= 0) in->cases_mt[m]++, in->cost_mt_fen[m] += cost;
    in->stays += admission, in->readmissions += readmission, in->flagged_bills += flagged;
    for (int32_t l = 0; l < b->line_count; l++) {
        const struct bill_line *line = &b->lines[l];
        const struct catalog_item *item = r->catalog != NULL
                                              ? catalog_find(r->catalog, line->med_list_codg)
                                              : NULL;
        if (item != NULL && item->item_class == CLASS_C) in->class_c_fen += line->amount_fen;
        if (b->med_type != MED_TYPE_PHARMACY) continue;
        in->pharmacy_fen += line->amount_fen;
        if (item == NULL) in->non_medical_fen += line->amount_fen;
    }
    return 0;
}

/* The held findings into the bills' flags, their institutions and the person. */
static int add_findings(struct risk_run *r, const struct scan_person_view *v, bool *flagged,
                        struct risk_person *p) {
    assert(r != NULL && v != NULL && flagged != NULL && p != NULL);
    for (size_t i = 0; i < r->held_count; i++) {
        const struct held *h = &r->held[i];
        size_t a = (size_t)(h->a - v->bills);
        assert(a < (size_t)v->count);
        flagged[a] = true;
        if (h->b != NULL) flagged[(size_t)(h->b - v->bills)] = true;
        struct risk_inst_row *row = inst_of(r, (h->b != NULL ? h->b : h->a)->fixmedins_code);
        if (row == NULL) return -1;
        row->ind.findings++, row->ind.at_stake_fen += h->amount_fen;
        p->findings++, p->at_stake_fen += h->amount_fen;
        p->stay_visits += h->kind == DET_VISIT_DURING_STAY;
    }
    r->held_count = 0;
    return 0;
}

/* Distinct pharmacies among a person's bills. */
static int64_t pharmacies_of(const struct scan_person_view *v) {
    int64_t n = 0;
    assert(v != NULL);
    for (int32_t i = 0; i < v->count; i++) {
        if (v->bills[i].med_type != MED_TYPE_PHARMACY) continue;
        bool seen = false;
        for (int32_t j = 0; j < i && !seen; j++)
            seen = v->bills[j].med_type == MED_TYPE_PHARMACY &&
                   strcmp(v->bills[j].fixmedins_code, v->bills[i].fixmedins_code) == 0;
        n += !seen;
    }
    return n;
}

static int person_done(void *ctx, const struct scan_person_view *v) {
    struct risk_run *r = ctx;
    assert(r != NULL && v != NULL && v->count > 0);
    size_t n = (size_t)v->count;
    if (!app_array_room((void **)&r->flags, &r->flags_cap, 3 * n, sizeof *r->flags)) return -1;
    bool *flagged = r->flags, *adm = r->flags + n, *readm = r->flags + 2 * n;
    memset(flagged, 0, n * sizeof *flagged);
    struct risk_person p = {(int64_t)n, 0, 0, 0, pharmacies_of(v)};
    if (add_findings(r, v, flagged, &p) != 0) return -1;
    risk_readmissions(v->bills, v->count, adm, readm);
    for (size_t i = 0; i < n; i++)
        if (add_bill(r, &v->bills[i], v->fund_paid_fen[i], flagged[i], adm[i], readm[i]) != 0)
            return -1;
    struct risk_result *o = r->out;
    if (!app_array_room((void **)&o->persons, &r->person_cap, o->person_count + 1,
                        sizeof *o->persons))
        return -1;
    struct risk_person_row *row = &o->persons[o->person_count++];
    memset(row, 0, sizeof *row);
    snprintf(row->psn_no, sizeof row->psn_no, "%s", v->person->psn_no);
    row->ind = p;
    return 0;
}

/* ---- peers and scores ----------------------------------------------------------- */
/* The figures whose peers' medians are taken: cost per case of each
 * med_type, then the four shares. */
enum {
    FIG_SHARE_FLAGGED = RISK_MED_TYPES,
    FIG_READMISSION,
    FIG_CLASS_C,
    FIG_NON_MEDICAL,
    FIG_COUNT
};

/* One institution's figure f, or false when its denominator is too small. */
static bool figure_of(const struct risk_inst *in, int f, int64_t *out) {
    assert(in != NULL && out != NULL && f >= 0 && f < FIG_COUNT);
    if (f < RISK_MED_TYPES) {
        *out = in->cases_mt[f] > 0 ? in->cost_mt_fen[f] / in->cases_mt[f] : 0;
        return in->cases_mt[f] >= RISK_CASES_MIN;
    }
    switch (f) {
    case FIG_SHARE_FLAGGED: *out = risk_share_bp(in->flagged_bills, in->cases); break;
    case FIG_READMISSION: *out = risk_share_bp(in->readmissions, in->stays); break;
    case FIG_CLASS_C: *out = risk_share_bp(in->class_c_fen, in->cost_fen); break;
    default: *out = risk_share_bp(in->non_medical_fen, in->pharmacy_fen); break;
    }
    int64_t den = f == FIG_READMISSION   ? in->stays
                  : f == FIG_NON_MEDICAL ? in->cases_mt[risk_med_index(MED_TYPE_PHARMACY)]
                                         : in->cases;
    return den >= RISK_CASES_MIN;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    assert(a != NULL && b != NULL);
    return (x > y) - (x < y);
}

static void set_peer(struct risk_peer *p, int f, int64_t median) {
    assert(p != NULL);
    if (f < RISK_MED_TYPES) p->cost_per_case_fen[f] = median;
    else if (f == FIG_SHARE_FLAGGED) p->flagged_share_bp = median;
    else if (f == FIG_READMISSION) p->readmission_bp = median;
    else if (f == FIG_CLASS_C) p->class_c_bp = median;
    else p->non_medical_bp = median;
}

/* Whether institution i is its (type, level)'s only one with an
 * institution of its type at an adjacent hospital level (township, level
 * 1-3; pharmacies have none) to compare with: it would be its own peer,
 * blind. */
static bool alone_at_level(const struct risk_result *o, size_t i) {
    assert(o != NULL && i < o->inst_count);
    const struct risk_inst_row *me = &o->inst[i];
    bool adjacent = false;
    for (size_t j = 0; j < o->inst_count; j++) {
        const struct risk_inst_row *x = &o->inst[j];
        if (j == i || x->type != me->type) continue;
        if (x->level == me->level) return false;
        int gap = (int)x->level - (int)me->level;
        if (me->level < LEVEL_NONE && x->level < LEVEL_NONE && (gap == 1 || gap == -1))
            adjacent = true;
    }
    return adjacent;
}

/* The median of figure f over the institutions of type and level (v:
 * room for inst_count); *found whether any has the figure. */
static int64_t level_median(const struct risk_result *o, enum institution_type type, int level,
                            int f, int64_t *v, bool *found) {
    assert(o != NULL && v != NULL && found != NULL);
    int64_t n = 0, x = 0;
    for (size_t j = 0; j < o->inst_count; j++)
        if (o->inst[j].type == type && (int)o->inst[j].level == level &&
            figure_of(&o->inst[j].ind, f, &x))
            v[n++] = x;
    if (n > 0) qsort(v, (size_t)n, sizeof *v, cmp_i64);
    *found = n > 0;
    return risk_median(v, n);
}

/* The cost per case of a lone level with one adjacent level (a township
 * centre, a level 3, or a level whose other neighbour has no figure): the
 * neighbour's median near carried one step further at the city's own rate
 * between the neighbour and the level beyond it (near x near / far; side
 * -1: the neighbour is below). Cost rises with the level, so the neighbour
 * alone would make a clean level 3 look costly and a township centre
 * cheap. Without the level beyond (or a zero or huge median) near stands.
 * Shares (flagged, readmissions, class C, non-medical) are rates, not
 * costs of a level: they keep the neighbour's median. */
static int64_t one_side_cost(const struct risk_result *o, const struct risk_inst_row *me, int f,
                             int side, int64_t near, int64_t *v) {
    assert(o != NULL && me != NULL && f < RISK_MED_TYPES && (side == -1 || side == 1));
    int far_lv = (int)me->level + 2 * side;
    bool found = false;
    if (far_lv < LEVEL_TOWNSHIP || far_lv > LEVEL_3) return near;
    int64_t far = level_median(o, me->type, far_lv, f, v, &found);
    if (!found || far <= 0 || near <= 0 || near > RISK_COST_EXTRAPOLATE_MAX_FEN) return near;
    return near * near / far;
}

/* Each institution's peers: the medians over its type and level; for one
 * alone at its level, the mean of the adjacent levels' medians (the level
 * between them: cost rises with the level, so neither alone is its
 * measure, nor their institutions pooled, where the more numerous level
 * would give the median). A figure no adjacent level has keeps its own. */
static int peers(struct risk_result *o) {
    int64_t *v = malloc((o->inst_count ? o->inst_count : 1) * sizeof *v);
    if (v == NULL) return -1;
    for (size_t i = 0; i < o->inst_count; i++) {
        struct risk_inst_row *me = &o->inst[i];
        me->peers_adjacent = alone_at_level(o, i);
        int lv = (int)me->level;
        for (int f = 0; f < FIG_COUNT; f++) {
            bool below = false, above = false, own = false;
            int64_t m = level_median(o, me->type, lv, f, v, &own);
            if (me->peers_adjacent) {
                int64_t lo = lv > LEVEL_TOWNSHIP ? level_median(o, me->type, lv - 1, f, v, &below)
                                                 : 0;
                int64_t hi = lv < LEVEL_3 ? level_median(o, me->type, lv + 1, f, v, &above) : 0;
                if (below || above) m = below && above ? (lo + hi) / 2 : below ? lo : hi;
                if (f < RISK_MED_TYPES && below != above)
                    m = one_side_cost(o, me, f, below ? -1 : 1, m, v);
            }
            set_peer(&me->peer, f, m);
        }
    }
    free(v);
    return 0;
}

static int cmp_inst_score(const void *a, const void *b) {
    const struct risk_inst_row *x = a, *y = b;
    assert(a != NULL && b != NULL);
    if (x->score.points != y->score.points) return x->score.points > y->score.points ? -1 : 1;
    return strcmp(x->code, y->code);
}

static int cmp_person_score(const void *a, const void *b) {
    const struct risk_person_row *x = a, *y = b;
    assert(a != NULL && b != NULL);
    if (x->score.points != y->score.points) return x->score.points > y->score.points ? -1 : 1;
    return strcmp(x->psn_no, y->psn_no);
}

/* The registry's institutions, sorted by code, each with an empty row. */
static int registry_rows(struct store *store, struct risk_run *r) {
    const struct registry *reg = store_registry_acquire(store);
    size_t n = 0;
    const struct store_institution *inst = registry_institutions(reg, &n);
    struct risk_result *o = r->out;
    if (!app_array_room((void **)&o->inst, &r->inst_cap, n ? n : 1, sizeof *o->inst))
        return store_registry_release(store, reg), -1;
    for (size_t i = 0; i < n; i++) {
        struct risk_inst_row *row = &o->inst[i];
        memset(row, 0, sizeof *row);
        snprintf(row->code, sizeof row->code, "%s", inst[i].code);
        snprintf(row->name, sizeof row->name, "%s", inst[i].name);
        row->type = inst[i].type, row->level = inst[i].level;
    }
    o->inst_count = n;
    store_registry_release(store, reg);
    if (n > 0) qsort(o->inst, n, sizeof *o->inst, cmp_inst);
    return 0;
}

/* Scores, institutions without a bill in the period left out, both sorted. */
static int score_all(struct risk_result *o) {
    size_t kept = 0;
    assert(o != NULL);
    if (peers(o) != 0) return -1;
    for (size_t i = 0; i < o->inst_count; i++) {
        risk_score_inst(&o->inst[i].ind, &o->inst[i].peer, &o->inst[i].score);
        if (o->inst[i].ind.cases > 0) o->inst[kept++] = o->inst[i];
    }
    o->inst_count = kept;
    for (size_t i = 0; i < o->person_count; i++)
        risk_score_person(&o->persons[i].ind, &o->persons[i].score);
    if (kept > 0) qsort(o->inst, kept, sizeof *o->inst, cmp_inst_score);
    if (o->person_count > 0)
        qsort(o->persons, o->person_count, sizeof *o->persons, cmp_person_score);
    return 0;
}

int app_risk(struct store *store, const struct scan_opts *opts, struct risk_result *out,
             struct store_err *err) {
    struct risk_run r;
    assert(store != NULL && opts != NULL && out != NULL && err != NULL);
    memset(out, 0, sizeof *out);
    memset(&r, 0, sizeof r);
    r.out = out, r.err = err, r.catalog = store_catalog(store);
    struct scan_opts so = *opts;
    so.person_cb = person_done, so.person_ctx = &r;
    int rc = registry_rows(store, &r);
    if (rc != 0) store_errf(err, "rank: out of memory");
    if (rc == 0) rc = app_scan(store, &so, hold_finding, &r, &out->totals, err);
    if (rc == 0 && score_all(out) != 0) rc = -1, store_errf(err, "rank: out of memory");
    free(r.held);
    free(r.flags);
    if (rc != 0) risk_result_free(out);
    return rc != 0 ? -1 : 0;
}

void risk_result_free(struct risk_result *r) {
    assert(r != NULL);
    free(r->inst);
    free(r->persons);
    r->inst = NULL, r->persons = NULL;
    r->inst_count = r->person_count = 0;
}
