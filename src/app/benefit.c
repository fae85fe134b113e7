/* benefit.c: benefit start and contribution_short derived from the
 * stored episodes and the journal, written into the registry, verified,
 * and the lump sum that lifts contribution_short (benefit.h). */
#include "app/benefit.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/contribute.h"
#include "app/premium.h"
#include "store/enrol_rows.h"

#define BENEFIT_POLICY_YEARS 100 /* years after, then before, m searched for a policy */

/* One stored episode, compact (a run holds every episode of the store). */
struct held_episode {
    char psn_no[CODE_BYTES_MAX + 1];
    struct episode e;
    bool retired;
};

struct held {
    struct held_episode *items;
    size_t count, cap;
    struct store_err *err;
};

static month_index month_text(const char *s) {
    assert(s != NULL);
    int y = 0, m = 0, used = 0;
    if (sscanf(s, "%4d-%2d%n", &y, &m, &used) != 2 || used != 7 || m < 1 || m > 12) return -1;
    return month_of(y, m);
}

/* An episodes row (enrol_rows.h: checked by its import) into h. */
static int episode_row(void *ctx, const struct store_enrol_row *row) {
    struct held *h = ctx;
    assert(h != NULL && row != NULL);
    if (h->count == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 1024;
        struct held_episode *grown = realloc(h->items, cap * sizeof *grown);
        if (grown == NULL) return store_errf(h->err, "derive: out of memory"), -1;
        h->items = grown;
        h->cap = cap;
    }
    struct held_episode *x = &h->items[h->count];
    memset(x, 0, sizeof *x);
    snprintf(x->psn_no, sizeof x->psn_no, "%.*s", CODE_BYTES_MAX, row->col[EPI_PSN]);
    x->e.insutype = (int32_t)atoi(row->col[EPI_INSUTYPE]);
    snprintf(x->e.region, sizeof x->e.region, "%.*s", CODE_BYTES_MAX, row->col[EPI_ADMDVS]);
    x->e.from_month = month_text(row->col[EPI_FROM]);
    x->e.open = row->col[EPI_TO][0] == '\0';
    x->e.to_month = x->e.open ? 0 : month_text(row->col[EPI_TO]);
    x->retired = strcmp(row->col[EPI_CATEGORY], "retired") == 0;
    if (x->e.from_month < 0 || (!x->e.open && x->e.to_month < x->e.from_month))
        return store_errf(h->err, "derive: %s: an episode's months do not read", x->psn_no), -1;
    h->count++;
    return 0;
}

/* The employee policy with funding of region for year, else the first
 * later year's (the years before the first policy imported are priced by
 * it), else the latest earlier year's (a year whose policy is not
 * imported yet). A policy import derives the flagged persons again, so a
 * new year's policy takes over. NULL: none within BENEFIT_POLICY_YEARS. */
static const struct policy *policy_from(struct store *store, const char *region, int32_t year) {
    assert(store != NULL && region != NULL);
    for (int32_t y = year; y <= year + BENEFIT_POLICY_YEARS && y <= MONTH_YEAR_MAX; y++) {
        const struct policy *p = store_policy_find(store, region, y, INSUTYPE_EMPLOYEE);
        if (p != NULL && p->has_funding) return p;
    }
    for (int32_t y = year - 1; y >= year - BENEFIT_POLICY_YEARS && y >= MONTH_YEAR_MIN; y--) {
        const struct policy *p = store_policy_find(store, region, y, INSUTYPE_EMPLOYEE);
        if (p != NULL && p->has_funding) return p;
    }
    return NULL;
}

/* "lump/310/<psn_no>": false when it does not fit a msgid. */
static bool lump_msgid(char out[MSGID_BYTES_MAX + 1], const char *psn_no) {
    assert(out != NULL && psn_no != NULL);
    size_t len = strlen(BENEFIT_LUMP_MSGID_PREFIX) + strlen(psn_no);
    if (len > MSGID_BYTES_MAX) return false;
    memcpy(out, BENEFIT_LUMP_MSGID_PREFIX, strlen(BENEFIT_LUMP_MSGID_PREFIX));
    memcpy(out + strlen(BENEFIT_LUMP_MSGID_PREFIX), psn_no, strlen(psn_no) + 1);
    return true;
}

/* The journal's lump-sum record of psn_no: its seq, 0 when none. */
static int lump_record(struct store *store, const char *psn_no, int64_t *seq,
                       struct store_err *err) {
    char msgid[MSGID_BYTES_MAX + 1];
    const char *key = msgid;
    struct journal_rec rec;
    bool found = false;
    assert(psn_no != NULL && seq != NULL);
    *seq = 0;
    if (!lump_msgid(msgid, psn_no)) return 0; /* too long to have one */
    if (store_ops(store)->journal_by_msgid(store_conn(store), &key, 1, &rec, &found, err) != 0)
        return -1;
    *seq = found ? rec.seq : 0;
    return 0;
}

/* ---- residents: the journal's premium records ---------------------------------------- */
/* One resident record of the journal: the year's charge (paid false) or
 * its payment (paid true). */
struct premium_rec {
    char psn_no[CODE_BYTES_MAX + 1];
    int32_t year;
    bool paid;
    int64_t seq;
    int64_t own_fen;
    uint32_t flags;
    char region[CODE_BYTES_MAX + 1];
    char category[CONTRIB_CATEGORY_BYTES_MAX + 1];
    char paid_date[11];
    bool from_account;
};
struct premium_scan {
    const char *psn_no; /* only this person's, NULL: all */
    struct premium_rec *items;
    size_t count, cap;
    bool bad, oom;
    int64_t bad_seq;
};

static int premium_row(void *ctx, const struct journal_rec *rec) {
    struct premium_scan *s = ctx;
    assert(s != NULL && rec != NULL);
    if (rec->kind != JOURNAL_CONTRIB) return 0;
    if (s->psn_no != NULL && strcmp(s->psn_no, rec->psn_no) != 0) return 0;
    bool paid = strncmp(rec->msgid, PREMIUM_MSGID_PREFIX, strlen(PREMIUM_MSGID_PREFIX)) == 0;
    if (!paid && strncmp(rec->msgid, "contrib/390/", strlen("contrib/390/")) != 0) return 0;
    struct store_contrib c;
    const char *bad = NULL;
    if (contrib_decode(rec->body, &c, &bad) != 0) return s->bad = true, s->bad_seq = rec->seq, 1;
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        struct premium_rec *grown = realloc(s->items, cap * sizeof *grown);
        if (grown == NULL) return s->oom = true, 1;
        s->items = grown;
        s->cap = cap;
    }
    struct premium_rec *x = &s->items[s->count++];
    memset(x, 0, sizeof *x);
    snprintf(x->psn_no, sizeof x->psn_no, "%s", rec->psn_no);
    x->year = c.year;
    x->paid = paid;
    x->seq = rec->seq;
    x->own_fen = c.own_fen;
    x->flags = c.flags;
    snprintf(x->region, sizeof x->region, "%s", c.region);
    snprintf(x->category, sizeof x->category, "%s", c.category);
    snprintf(x->paid_date, sizeof x->paid_date, "%s", c.paid_date);
    x->from_account = c.payer_psn_no[0] != '\0';
    return 0;
}

/* psn_no, then the latest year first, the charge before its payment. */
static int premium_order(const void *a, const void *b) {
    const struct premium_rec *x = a, *y = b;
    int c = strcmp(x->psn_no, y->psn_no);
    if (c != 0) return c;
    if (x->year != y->year) return x->year > y->year ? -1 : 1;
    return (int)x->paid - (int)y->paid;
}

/* The journal's resident records (of psn_no, or all), sorted by
 * premium_order. 0, or -1 with err (s->items freed by the caller). */
static int premium_scan(struct store *store, struct premium_scan *s, struct store_err *err) {
    assert(store != NULL && s != NULL);
    if (store_ops(store)->journal_scan(store_conn(store), 1, premium_row, s, err) != 0) return -1;
    if (s->bad)
        return store_errf(err,
                          "derive: journal seq %" PRId64
                          ": a resident premium record does not decode",
                          s->bad_seq),
               -1;
    if (s->oom) return store_errf(err, "derive: out of memory"), -1;
    if (s->count > 1) qsort(s->items, s->count, sizeof *s->items, premium_order);
    return 0;
}

/* The year whose premium gives the stored benefit start, among recs[0..n)
 * (premium_order): the latest year covered (assisted in full, or the own
 * part paid), else the latest charged (unpaid: no benefit). The registry
 * keeps one benefit_start per person (docs/ENROLMENT.md, "Residents"): a
 * charge for next year, posted in this year's window, must not take this
 * year's benefits away before the person has had the window to pay. */
static size_t covering_year(const struct premium_rec *recs, size_t n,
                            const struct premium_rec **paid) {
    size_t latest = n;
    assert(recs != NULL && paid != NULL);
    *paid = NULL;
    for (size_t i = 0; i < n; i++) {
        if (recs[i].paid) continue; /* a payment follows its charge */
        const struct premium_rec *pay = i + 1 < n && recs[i + 1].paid &&
                                                recs[i + 1].year == recs[i].year
                                            ? &recs[i + 1]
                                            : NULL;
        if (latest == n) latest = i;
        if (recs[i].own_fen == 0 || pay != NULL) return *paid = pay, i;
    }
    return latest;
}

/* The payment of the charge recs[i] (the record after it, same year), or
 * NULL: unpaid. */
static const struct premium_rec *payment_of(const struct premium_rec *recs, size_t n, size_t i) {
    assert(recs != NULL && i < n && !recs[i].paid);
    return i + 1 < n && recs[i + 1].paid && recs[i + 1].year == recs[i].year ? &recs[i + 1] : NULL;
}

/* The start of the year the charge due gives (paid: its payment pay), p's
 * birth date and the flags as charged: FUNDS_OK or the rule's code. */
static enum funds_code year_start(struct store *store, const struct store_person *p,
                                  const struct premium_rec *due, const struct premium_rec *pay,
                                  datetime_s *start) {
    assert(store != NULL && p != NULL && due != NULL && start != NULL);
    *start = 0;
    struct benefit_resident_year in = {
        .year = due->year, .own_fen = due->own_fen, .flags = due->flags & FLAG_ALL};
    if (category_parse(due->category, &in.category) != 0) in.category = CATEGORY_COUNT;
    in.has_brdy = datetime_parse(p->birth_date, strlen(p->birth_date), &in.brdy);
    if (pay != NULL)
        in.paid = datetime_parse(pay->paid_date, strlen(pay->paid_date), &in.paid_date);
    if ((pay != NULL && !in.paid) || due->year <= MONTH_YEAR_MIN || due->year >= MONTH_YEAR_MAX)
        return FUNDS_E_BAD_DATES;
    const struct policy *policy = store_policy_find(store, due->region, due->year,
                                                    INSUTYPE_RESIDENT);
    return benefit_resident(policy, &in, start);
}

/* Every charged year's own start (FUNDS.md §4: a start per year) into
 * out->res.years, the latest BENEFIT_YEARS_MAX of them: FUNDS_OK, or the
 * first refusal with out->why naming the year. */
static enum funds_code years_of(struct store *store, const struct store_person *p,
                                const struct premium_rec *recs, size_t n, struct app_benefit *out) {
    assert(out != NULL && n >= 1);
    struct benefit_years years;
    benefit_years_clear(&years);
    for (size_t i = 0; i < n; i++) {
        if (recs[i].paid) continue;
        datetime_s start = 0;
        enum funds_code code = year_start(store, p, &recs[i], payment_of(recs, n, i), &start);
        if (code != FUNDS_OK) {
            snprintf(out->why, sizeof out->why,
                     "the premium of %d (journal seq %" PRId64 ") under the resident policy of %s",
                     (int)recs[i].year, recs[i].seq, recs[i].region);
            return code;
        }
        /* latest year first: once a year does not fit, no earlier one does */
        if (!benefit_years_set(&years, recs[i].year, start)) break;
    }
    out->res.years = benefit_years_pack(&years);
    return FUNDS_OK;
}

/* The resident p's derivation from its records recs[0..n). */
static void resident_of(struct store *store, const struct store_person *p,
                        const struct premium_rec *recs, size_t n, struct app_benefit *out) {
    assert(store != NULL && p != NULL && out != NULL && n >= 1);
    memset(out, 0, sizeof *out);
    const struct premium_rec *paid = NULL;
    size_t at = covering_year(recs, n, &paid);
    if (at == n) return; /* payments without a charge: not possible (pay-premium checks) */
    const struct premium_rec *due = &recs[at];
    out->resident = out->derivable = true;
    struct app_benefit_resident *r = &out->res;
    r->year = due->year;
    r->due_seq = due->seq;
    r->own_fen = due->own_fen;
    if (paid != NULL) {
        r->paid_seq = paid->seq;
        r->from_account = paid->from_account;
        snprintf(r->paid_date, sizeof r->paid_date, "%s", paid->paid_date);
    }
    out->policy_year = due->year;
    out->code = year_start(store, p, due, paid, &r->benefit_start);
    if (out->code != FUNDS_OK)
        snprintf(out->why, sizeof out->why,
                 "the premium of %d (journal seq %" PRId64 ") under the resident policy of %s",
                 (int)due->year, due->seq, due->region);
    else out->code = years_of(store, p, recs, n, out);
}

/* p's derivation as a resident: the journal read for p alone. */
static int resident_person(struct store *store, const struct store_person *p,
                           struct app_benefit *out, struct store_err *err) {
    struct premium_scan s = {.psn_no = p->psn_no};
    memset(out, 0, sizeof *out);
    int rc = premium_scan(store, &s, err);
    if (rc == 0 && s.count > 0) resident_of(store, p, s.items, s.count, out);
    free(s.items);
    return rc;
}

int app_benefit_of(struct store *store, const struct store_person *p,
                   const struct episode *episodes, const bool *retired, int32_t count,
                   struct app_benefit *out, struct store_err *err) {
    assert(store != NULL && p != NULL && out != NULL && count >= 0);
    memset(out, 0, sizeof *out);
    int32_t start = -1, retirement = -1;
    if (count > EPISODES_MAX) {
        out->derivable = true;
        out->code = FUNDS_E_BAD_DATES;
        snprintf(out->why, sizeof out->why, "more than %d episodes", EPISODES_MAX);
        return 0;
    }
    if (p->insutype != INSUTYPE_EMPLOYEE ||
        !benefit_episodes(episodes, retired, count, p->region, &start, &retirement))
        return 0;
    out->derivable = true;
    month_index priced = retirement >= 0 ? episodes[retirement].from_month
                                         : episodes[start].from_month;
    out->retired_from = retirement >= 0 ? episodes[retirement].from_month : 0;
    const struct policy *policy = policy_from(store, p->region, month_year(priced));
    if (policy == NULL) {
        out->code = FUNDS_E_POLICY;
        snprintf(out->why, sizeof out->why,
                 "no employee policy with funding of region %s within %d years of %d", p->region,
                 BENEFIT_POLICY_YEARS, (int)month_year(priced));
        return 0;
    }
    out->policy_year = policy->year;
    if (retirement >= 0 && lump_record(store, p->psn_no, &out->lump_seq, err) != 0) return -1;
    out->code = benefit_derive(policy, episodes, retired, count, start, retirement, p->gender,
                               out->lump_seq != 0, &out->d);
    if (out->code != FUNDS_OK)
        snprintf(out->why, sizeof out->why, "the rules refuse it under the %d policy (gend %s)",
                 (int)policy->year, p->gender);
    return 0;
}

int app_benefit_person(struct store *store, const struct store_person *p, struct app_benefit *out,
                       struct store_err *err) {
    assert(store != NULL && p != NULL && out != NULL);
    if (p->insutype == INSUTYPE_RESIDENT) return resident_person(store, p, out, err);
    struct held h = {.err = err};
    int rc = store_enrol_scan(store, ENROL_EPISODES, p->psn_no, episode_row, &h, err);
    bool retired[EPISODES_MAX];
    struct episode eps[EPISODES_MAX];
    int32_t n = h.count > EPISODES_MAX ? EPISODES_MAX + 1 : (int32_t)h.count;
    for (int32_t i = 0; i < n && i < EPISODES_MAX; i++)
        eps[i] = h.items[i].e, retired[i] = h.items[i].retired;
    free(h.items);
    if (rc == 0) rc = app_benefit_of(store, p, eps, retired, n, out, err);
    return rc;
}

void app_benefit_apply(const struct app_benefit *b, struct store_person *p) {
    assert(b != NULL && p != NULL && b->derivable && b->code == FUNDS_OK);
    if (b->resident) {
        p->benefit_start = b->res.benefit_start;
        p->benefit_years = b->res.years;
        p->flags |= FLAG_BENEFIT_DERIVED;
        return;
    }
    p->benefit_start = b->d.start.benefit_start;
    p->benefit_years = 0; /* an employee's start is one a person */
    p->flags &= ~(uint32_t)FLAG_CONTRIBUTION_SHORT;
    if (b->d.contribution_short) p->flags |= FLAG_CONTRIBUTION_SHORT;
    p->flags |= FLAG_BENEFIT_DERIVED;
}

void app_benefit_years_text(int64_t packed, char *out, size_t size) {
    assert(out != NULL && size >= BENEFIT_YEARS_TEXT_BYTES);
    struct benefit_years y;
    size_t at = 0;
    out[0] = '\0';
    if (!benefit_years_unpack(packed, &y)) {
        snprintf(out, size, "(not a packed value: %" PRId64 ")", packed);
        return;
    }
    for (int i = 0; i < BENEFIT_YEARS_MAX && at < size; i++) {
        if (y.day[i] == BENEFIT_DAY_NONE) continue;
        char date[20];
        int32_t year = y.first_year + i;
        datetime_format(benefit_start_at(0, packed, datetime_from_civil(year, 12, 31, 0, 0, 0)),
                        date);
        int n = snprintf(out + at, size - at, "%s%d:%.10s", at > 0 ? " " : "", (int)year, date);
        if (n < 0) break;
        at += (size_t)n;
    }
    if (at == 0) snprintf(out, size, "none");
}

/* ---- runs over the persons with episodes ------------------------------------------- */
struct walk {
    struct store *store;
    const struct app_benefit_run *run;
    struct app_benefit_out *out;
    struct store_err *err;
    bool verify;
    struct store_person *rows; /* derive: the rows to rewrite */
    size_t row_count, row_cap;
    int64_t flagged;                         /* persons flagged benefit_derived */
    char (*flagged_psn)[CODE_BYTES_MAX + 1]; /* their numbers, sorted */
    size_t flagged_cap;
    struct store_person *batch_rows; /* a batch's persons (persons_get) */
    bool *batch_found;
};

static int psn_order(const void *a, const void *b) { return strcmp(a, b); }

static int keep_row(struct walk *w, const struct store_person *p) {
    assert(w != NULL && p != NULL);
    if (w->row_count == w->row_cap) {
        size_t cap = w->row_cap ? w->row_cap * 2 : 256;
        struct store_person *grown = realloc(w->rows, cap * sizeof *grown);
        if (grown == NULL) return store_errf(w->err, "derive: out of memory"), -1;
        w->rows = grown;
        w->row_cap = cap;
    }
    w->rows[w->row_count++] = *p;
    return 0;
}

static void differ(struct walk *w, const char *psn_no, const char *what) {
    assert(w != NULL && psn_no != NULL && what != NULL);
    w->out->differ++;
    if (w->run->differs != NULL) w->run->differs(w->run->ctx, psn_no, what);
}

/* verify: the stored values against the derived ones */
static void compare(struct walk *w, const struct store_person *p, const struct app_benefit *b) {
    char what[BENEFIT_WHY_BYTES + 2 * BENEFIT_YEARS_TEXT_BYTES], was[20], now[20];
    assert(w != NULL && p != NULL && b != NULL);
    if (!b->derivable || b->code != FUNDS_OK) {
        snprintf(what, sizeof what, "flagged benefit_derived, but not derivable now: %s%s%s",
                 b->derivable  ? funds_code_name(b->code)
                 : b->resident ? "no resident premium charged"
                               : "no employee episode in its region",
                 b->derivable ? ": " : "", b->why);
        return differ(w, p->psn_no, what);
    }
    struct store_person again = *p;
    app_benefit_apply(b, &again);
    if (again.benefit_start != p->benefit_start) {
        datetime_format(p->benefit_start, was);
        datetime_format(again.benefit_start, now);
        snprintf(what, sizeof what, "benefit_start stored %.10s, derived %.10s", was, now);
        return differ(w, p->psn_no, what);
    }
    if (again.benefit_years != p->benefit_years) {
        char stored[BENEFIT_YEARS_TEXT_BYTES], derived[BENEFIT_YEARS_TEXT_BYTES];
        app_benefit_years_text(p->benefit_years, stored, sizeof stored);
        app_benefit_years_text(again.benefit_years, derived, sizeof derived);
        snprintf(what, sizeof what, "starts per year stored %s, derived %s", stored, derived);
        return differ(w, p->psn_no, what);
    }
    if (again.flags != p->flags)
        differ(w, p->psn_no,
               (again.flags & FLAG_CONTRIBUTION_SHORT) != 0
                   ? "contribution_short derived, not stored"
                   : "contribution_short stored, not derived");
}

/* One person's episodes items[0..n) and registry row (read by the batch). */
static int one_person(struct walk *w, const struct held_episode *items, size_t n,
                      const struct store_person *row) {
    struct episode eps[EPISODES_MAX];
    bool retired[EPISODES_MAX];
    assert(w != NULL && n >= 1 && row != NULL && strcmp(row->psn_no, items[0].psn_no) == 0);
    struct store_person p = *row;
    if (p.insutype != INSUTYPE_EMPLOYEE) return 0;
    bool flagged = (p.flags & FLAG_BENEFIT_DERIVED) != 0;
    if ((w->verify || w->run->derived_only) && !flagged) return 0;
    int32_t count = n > EPISODES_MAX ? EPISODES_MAX + 1 : (int32_t)n;
    for (int32_t i = 0; i < count && i < EPISODES_MAX; i++)
        eps[i] = items[i].e, retired[i] = items[i].retired;
    struct app_benefit b;
    if (app_benefit_of(w->store, &p, eps, retired, count, &b, w->err) != 0) return -1;
    if (!b.derivable && !flagged) return 0;
    w->out->persons++;
    if (w->verify) return compare(w, &p, &b), 0;
    if (!b.derivable || b.code != FUNDS_OK) {
        w->out->skipped++;
        if (w->run->skipped != NULL)
            w->run->skipped(w->run->ctx, p.psn_no,
                            b.derivable ? funds_code_name(b.code) : "E_NOT_ENROLLED",
                            b.derivable ? b.why : "no employee episode in its region");
        return 0;
    }
    w->out->derived++;
    struct store_person again = p;
    app_benefit_apply(&b, &again);
    return memcmp(&again, &p, sizeof p) != 0 ? keep_row(w, &again) : 0;
}

/* The persons flagged benefit_derived (verify, derived_only): one scan of
 * the persons, so that a store with none costs no episodes scan. */
static int flagged_row(void *ctx, const struct store_person *p) {
    struct walk *w = ctx;
    assert(w != NULL && p != NULL);
    if ((p->flags & FLAG_BENEFIT_DERIVED) == 0) return 0;
    if (w->run->psn_no != NULL && strcmp(w->run->psn_no, p->psn_no) != 0) return 0;
    if ((size_t)w->flagged == w->flagged_cap) {
        size_t cap = w->flagged_cap ? w->flagged_cap * 2 : 256;
        void *grown = realloc(w->flagged_psn, cap * sizeof *w->flagged_psn);
        if (grown == NULL) return store_errf(w->err, "derive: out of memory"), -1;
        w->flagged_psn = grown;
        w->flagged_cap = cap;
    }
    snprintf(w->flagged_psn[w->flagged++], CODE_BYTES_MAX + 1, "%s", p->psn_no);
    return 0;
}

/* The persons of groups[0..n) (first episode index, count) read in one
 * statement, then each derived. */
struct group {
    size_t at, n;
};
static int person_batch(struct walk *w, const struct held *h, const struct group *g, size_t n) {
    const char *keys[IMPORT_ROWS_PER_CALL];
    assert(n >= 1 && n <= IMPORT_ROWS_PER_CALL);
    for (size_t i = 0; i < n; i++) keys[i] = h->items[g[i].at].psn_no;
    if (store_ops(w->store)->persons_get(store_conn(w->store), keys, n, w->batch_rows,
                                         w->batch_found, w->err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (w->batch_found[i] && one_person(w, h->items + g[i].at, g[i].n, &w->batch_rows[i]) != 0)
            return -1;
    return 0;
}

/* The episodes' persons in order, IMPORT_ROWS_PER_CALL a statement. */
static int walk_groups(struct walk *w, const struct held *h) {
    struct group g[IMPORT_ROWS_PER_CALL];
    size_t n = 0;
    bool filter = w->verify || w->run->derived_only;
    for (size_t at = 0; at < h->count;) {
        size_t end = at + 1;
        while (end < h->count && strcmp(h->items[end].psn_no, h->items[at].psn_no) == 0) end++;
        if (!filter || bsearch(h->items[at].psn_no, w->flagged_psn, (size_t)w->flagged,
                               sizeof *w->flagged_psn, psn_order) != NULL)
            g[n++] = (struct group){at, end - at};
        if (n == IMPORT_ROWS_PER_CALL && person_batch(w, h, g, n) != 0) return -1;
        if (n == IMPORT_ROWS_PER_CALL) n = 0;
        at = end;
    }
    return n > 0 ? person_batch(w, h, g, n) : 0;
}

static int walk_persons(struct walk *w) {
    struct held h = {.err = w->err};
    if (w->verify || w->run->derived_only) {
        if (store_persons_flagged(w->store, FLAG_BENEFIT_DERIVED, flagged_row, w, w->err) != 0)
            return -1;
        if (w->flagged == 0) return 0;
        qsort(w->flagged_psn, (size_t)w->flagged, sizeof *w->flagged_psn, psn_order);
    }
    w->batch_rows = calloc(IMPORT_ROWS_PER_CALL, sizeof *w->batch_rows);
    w->batch_found = calloc(IMPORT_ROWS_PER_CALL, sizeof *w->batch_found);
    int rc = 0;
    if (w->batch_rows == NULL || w->batch_found == NULL)
        store_errf(w->err, "derive: out of memory"), rc = -1;
    if (rc == 0)
        rc = store_enrol_scan(w->store, ENROL_EPISODES, w->run->psn_no, episode_row, &h, w->err);
    if (rc == 0) rc = walk_groups(w, &h);
    free(h.items);
    free(w->batch_rows);
    free(w->batch_found);
    w->batch_rows = NULL;
    w->batch_found = NULL;
    return rc;
}

/* One resident's records recs[0..n) and registry row: derived (kept in
 * w->rows when changed) or, verifying, compared. A person of another
 * scheme now is the employees' walk's. */
static int one_resident(struct walk *w, const struct premium_rec *recs, size_t n,
                        const struct store_person *row) {
    assert(w != NULL && n >= 1 && row != NULL && strcmp(row->psn_no, recs[0].psn_no) == 0);
    if (row->insutype != INSUTYPE_RESIDENT) return 0;
    bool flagged = (row->flags & FLAG_BENEFIT_DERIVED) != 0;
    if ((w->verify || w->run->derived_only) && !flagged) return 0;
    struct app_benefit b;
    resident_of(w->store, row, recs, n, &b);
    if (!b.derivable) return 0;
    w->out->residents++;
    if (w->verify) return compare(w, row, &b), 0;
    if (b.code != FUNDS_OK) {
        w->out->skipped++;
        if (w->run->skipped != NULL)
            w->run->skipped(w->run->ctx, row->psn_no, funds_code_name(b.code), b.why);
        return 0;
    }
    w->out->derived++;
    struct store_person again = *row;
    app_benefit_apply(&b, &again);
    return memcmp(&again, row, sizeof again) != 0 ? keep_row(w, &again) : 0;
}

/* The persons of groups g[0..n) of s's records, read in one statement. */
static int resident_batch(struct walk *w, const struct premium_scan *s, const struct group *g,
                          size_t n) {
    const char *keys[IMPORT_ROWS_PER_CALL];
    assert(n >= 1 && n <= IMPORT_ROWS_PER_CALL);
    for (size_t i = 0; i < n; i++) keys[i] = s->items[g[i].at].psn_no;
    if (store_ops(w->store)->persons_get(store_conn(w->store), keys, n, w->batch_rows,
                                         w->batch_found, w->err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (w->batch_found[i] &&
            one_resident(w, s->items + g[i].at, g[i].n, &w->batch_rows[i]) != 0)
            return -1;
    return 0;
}

/* Every resident with a premium charged in the journal (of run->psn_no
 * alone when given), IMPORT_ROWS_PER_CALL persons a statement. */
static int walk_residents(struct walk *w) {
    struct premium_scan s = {.psn_no = w->run->psn_no};
    struct group g[IMPORT_ROWS_PER_CALL];
    size_t n = 0;
    bool filter = w->verify || w->run->derived_only;
    if (filter && w->flagged == 0) return 0;
    w->batch_rows = calloc(IMPORT_ROWS_PER_CALL, sizeof *w->batch_rows);
    w->batch_found = calloc(IMPORT_ROWS_PER_CALL, sizeof *w->batch_found);
    int rc = w->batch_rows != NULL && w->batch_found != NULL
                 ? premium_scan(w->store, &s, w->err)
                 : (store_errf(w->err, "derive: out of memory"), -1);
    for (size_t at = 0; rc == 0 && at < s.count;) {
        size_t end = at + 1;
        while (end < s.count && strcmp(s.items[end].psn_no, s.items[at].psn_no) == 0) end++;
        if (!filter || bsearch(s.items[at].psn_no, w->flagged_psn, (size_t)w->flagged,
                               sizeof *w->flagged_psn, psn_order) != NULL)
            g[n++] = (struct group){at, end - at};
        if (n == IMPORT_ROWS_PER_CALL) rc = resident_batch(w, &s, g, n), n = 0;
        at = end;
    }
    if (rc == 0 && n > 0) rc = resident_batch(w, &s, g, n);
    free(s.items);
    free(w->batch_rows);
    free(w->batch_found);
    w->batch_rows = NULL;
    w->batch_found = NULL;
    return rc;
}

int app_benefit_derive(struct store *store, const struct app_benefit_run *run,
                       struct app_benefit_out *out, struct store_err *err) {
    assert(store != NULL && run != NULL && out != NULL && run->note != NULL);
    memset(out, 0, sizeof *out);
    struct walk w = {.store = store, .run = run, .out = out, .err = err};
    int rc = walk_persons(&w);
    if (rc == 0) rc = walk_residents(&w);
    if (rc == 0 && w.row_count > 0)
        rc = store_persons_rewrite(store, "derived-benefits", w.rows, w.row_count, run->note,
                                   &out->changed, err);
    free(w.rows);
    free(w.flagged_psn);
    return rc;
}

int app_benefit_verify(struct store *store, const struct app_benefit_run *run,
                       struct app_benefit_out *out, struct store_err *err) {
    assert(store != NULL && run != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    struct walk w = {.store = store, .run = run, .out = out, .err = err, .verify = true};
    int rc = walk_persons(&w);
    if (rc == 0) rc = walk_residents(&w);
    assert(w.rows == NULL);
    free(w.flagged_psn);
    return rc;
}

/* ---- the lump sum ---------------------------------------------------------------- */
/* Whether psn_no's lump sum can be paid: 0 it can (p and b then hold the
 * person and the derivation), 2 refused (err "psn_no: why"), -1 storage. */
static int lump_check(struct store *store, const char *psn_no, struct store_person *p,
                      struct app_benefit *b, struct store_err *err) {
    const char *key = psn_no;
    bool found = false;
    if (store_ops(store)->persons_get(store_conn(store), &key, 1, p, &found, err) != 0) return -1;
    if (!found) return store_errf(err, "psn_no: person %s is not registered", psn_no), 2;
    char msgid[MSGID_BYTES_MAX + 1];
    if (!lump_msgid(msgid, psn_no))
        return store_errf(err, "psn_no: %s is too long for a lump-sum record", psn_no), 2;
    if (app_benefit_person(store, p, b, err) != 0) return -1;
    if (!b->derivable || b->resident)
        return store_errf(err, "psn_no: %s has no employee episode in region %s", psn_no,
                          p->region),
               2;
    if (b->code != FUNDS_OK)
        return store_errf(err, "psn_no: %s: %s: %s", psn_no, funds_code_name(b->code), b->why), 2;
    if (!b->d.retired)
        return store_errf(
                   err,
                   "psn_no: %s is not retired (the latest employee episode of region %s is not of category retired)",
                   psn_no, p->region),
               2;
    if (b->lump_seq != 0)
        return store_errf(err, "psn_no: %s paid the lump sum already (journal seq %" PRId64 ")",
                          psn_no, b->lump_seq),
               2;
    if (b->d.retirement.short_months <= 0)
        return store_errf(err, "psn_no: %s is not short of the minimum months (%d in all, %d here)",
                          psn_no, (int)b->d.retirement.total_months,
                          (int)b->d.retirement.local_months),
               2;
    return 0;
}

/* The lump-sum record of p (priced under the policy of b->policy_year). */
static enum funds_code lump_item(struct store *store, const struct store_person *p,
                                 const struct app_benefit *b, struct store_contrib_item *item) {
    memset(item, 0, sizeof *item);
    snprintf(item->psn_no, sizeof item->psn_no, "%s", p->psn_no);
    if (!lump_msgid(item->msgid, p->psn_no)) return FUNDS_E_BAD_AMOUNT; /* checked before */
    struct store_contrib *c = &item->c;
    c->insutype = INSUTYPE_EMPLOYEE;
    c->year = b->policy_year;
    /* the month retired, or January of the first year a policy prices */
    c->month = month_year(b->retired_from) == b->policy_year ? month_number(b->retired_from) : 1;
    snprintf(c->region, sizeof c->region, "%s", p->region);
    snprintf(c->category, sizeof c->category, "%s", CONTRIB_LUMP_SUM);
    c->flags = FLAG_CONTRIBUTION_SHORT;
    c->lump_months = b->d.retirement.short_months;
    const struct policy *policy = store_policy_find(store, p->region, c->year, INSUTYPE_EMPLOYEE);
    assert(policy != NULL); /* app_benefit_of found it */
    return app_contrib_figures(policy, c);
}

enum app_lump_status app_lump_sum_pay(struct store *store, const char *psn_no, int64_t amount_fen,
                                      const struct store_import_note *note,
                                      struct app_lump_out *out, struct store_err *err) {
    assert(store != NULL && psn_no != NULL && note != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    struct store_person p;
    struct app_benefit b;
    int rc = lump_check(store, psn_no, &p, &b, err);
    if (rc != 0) return rc == 2 ? APP_LUMP_REFUSED : APP_LUMP_FAILED;
    struct store_contrib_item item;
    enum funds_code code = lump_item(store, &p, &b, &item);
    if (code != FUNDS_OK)
        return store_errf(err, "psn_no: %s: %s", psn_no, funds_code_name(code)), APP_LUMP_REFUSED;
    assert(item.c.pool_fen == b.d.retirement.lump_sum_fen);
    out->months = item.c.lump_months;
    out->lump_fen = item.c.pool_fen;
    out->year = item.c.year;
    snprintf(out->region, sizeof out->region, "%s", p.region);
    if (amount_fen != item.c.pool_fen)
        return store_errf(err,
                          "--amount: %" PRId64 ".%02" PRId64 " yuan is not the sum due, %" PRId64
                          ".%02" PRId64 " yuan (%d months at %" PRId64 ".%02" PRId64 ")",
                          amount_fen / 100, amount_fen % 100, item.c.pool_fen / 100,
                          item.c.pool_fen % 100, (int)item.c.lump_months, item.c.base_fen / 100,
                          item.c.base_fen % 100),
               APP_LUMP_REFUSED;
    struct contrib_batch *batch = store_contrib_batch_new(1);
    if (batch == NULL) return store_errf(err, "pay-lump-sum: out of memory"), APP_LUMP_FAILED;
    bool posted = false;
    rc = store_contrib_commit(store, batch, &item, 1, &posted, err);
    store_contrib_batch_free(batch);
    if (rc != 0) return APP_LUMP_FAILED;
    if (!posted)
        return store_errf(err, "psn_no: %s paid the lump sum already", psn_no), APP_LUMP_REFUSED;
    if (lump_record(store, psn_no, &out->seq, err) != 0) return APP_LUMP_FAILED;
    /* the flag follows the journal: derived again, now paid */
    struct app_benefit_run run = {.psn_no = psn_no, .note = note};
    struct app_benefit_out done;
    return app_benefit_derive(store, &run, &done, err) == 0 ? APP_LUMP_PAID : APP_LUMP_FAILED;
}

int app_benefit_rederive(struct store *store, const char *psn_no, const char *why, int64_t *changed,
                         struct store_err *err) {
    assert(store != NULL && why != NULL && changed != NULL);
    struct store_import_note note = {"yibao", why};
    struct app_benefit_run run = {.psn_no = psn_no, .derived_only = true, .note = &note};
    struct app_benefit_out out;
    *changed = 0;
    if (psn_no != NULL) { /* one person: not derived, nothing to do (no persons scan) */
        struct store_person p;
        bool found = false;
        if (store_ops(store)->persons_get(store_conn(store), &psn_no, 1, &p, &found, err) != 0)
            return -1;
        if (!found || (p.flags & FLAG_BENEFIT_DERIVED) == 0) return 0;
    }
    if (app_benefit_derive(store, &run, &out, err) != 0) return -1;
    *changed = out.changed;
    return 0;
}
