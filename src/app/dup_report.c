/* dup_report.c: `yibao report duplicates`' use case (dup_report.h): the
 * store's candidate enrolments (store/enrol_dups.c), the cases of each ID
 * number (core/dupenrol.c), and each case's duplicate subsidy priced with
 * the resident policy of its region and year. */
#include "app/dup_report.h"

#include <assert.h>
#include <string.h>

#include "store/enrol_dups.h"

#define DUP_CASES_MAX (DUP_ENROL_MAX * 4) /* cases of one ID number */

struct run {
    struct store *store;
    int32_t year;
    app_dup_cb cb;
    void *ctx;
    struct app_dup_totals totals;
    struct store_err *err;
};

/* The subsidy of a year's resident enrolment in region, or -1 when no
 * resident policy of the region and year has a funding section. */
static int64_t subsidy_of(const struct run *r, const char *region) {
    assert(r != NULL && region != NULL);
    const struct policy *p = store_policy_find(r->store, region, r->year, 390);
    if (p == NULL || !p->has_funding) return -1;
    return p->funding.resident.subsidy_fen;
}

/* Prices the case's months region by region: pro rata, half-up, per region. */
static void price(const struct run *r, struct app_dup_case *c) {
    const char *done[DUP_MONTHS];
    int n_done = 0;
    assert(r != NULL && c != NULL);
    for (int k = 0; k < DUP_MONTHS; k++) {
        const char *region = c->c.subsidy_region[k];
        if (!(c->c.months & (1u << k)) || region == NULL) continue;
        bool seen = false;
        for (int i = 0; i < n_done; i++) seen = seen || strcmp(done[i], region) == 0;
        if (seen) continue;
        done[n_done++] = region;
        int months = 0;
        for (int j = k; j < DUP_MONTHS; j++)
            months += (c->c.months & (1u << j)) && c->c.subsidy_region[j] != NULL &&
                      strcmp(c->c.subsidy_region[j], region) == 0;
        c->subsidy_months += months;
        int64_t subsidy = subsidy_of(r, region);
        if (subsidy < 0) c->unpriced_region = region;
        else c->subsidy_fen += dup_subsidy_fen(subsidy, months);
    }
}

static int group(void *ctx, const char *certno, const struct dup_enrol *e, int n) {
    struct run *r = ctx;
    struct dup_case cases[DUP_CASES_MAX];
    assert(r != NULL && certno != NULL && e != NULL && n > 0);
    int count = dup_find(e, n, r->year, cases, DUP_CASES_MAX);
    if (count < 0) {
        store_errf(r->err, "certno %.18s: more than %d duplicate cases", certno, DUP_CASES_MAX);
        return -1;
    }
    for (int i = 0; i < count; i++) {
        struct app_dup_case c;
        memset(&c, 0, sizeof c);
        c.certno = certno, c.year = r->year, c.c = cases[i], c.enrol = e, c.enrol_count = n;
        c.months = dup_month_count(cases[i].months);
        price(r, &c);
        r->totals.cases++, r->totals.months += c.months, r->totals.subsidy_fen += c.subsidy_fen;
        r->totals.unpriced += c.unpriced_region != NULL;
        int rc = r->cb(r->ctx, &c);
        if (rc != 0) return rc;
    }
    return 0;
}

int app_dup_report(struct store *store, int32_t year, app_dup_cb cb, void *ctx,
                   struct app_dup_totals *totals, struct store_err *err) {
    assert(store != NULL && cb != NULL && err != NULL);
    struct run r = {store, year, cb, ctx, {0, 0, 0, 0}, err};
    int rc = store_enrol_duplicates(store, year, group, &r, err);
    if (totals != NULL) *totals = r.totals;
    return rc < 0 ? -1 : 0;
}
