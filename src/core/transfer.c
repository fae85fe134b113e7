/* transfer.c: the transfer a person's employee episodes call for
 * (transfer.h). */
#include "core/transfer.h"

#include <assert.h>
#include <string.h>

#include "core/policy.h"

static const char *const TEXTS[] = {
    "a transfer",
    "no employee episode ends with transfer_out",
    ("an employee episode starts with transfer_in but none before it ends with transfer_out"
     " (import the episodes of the region it came from: they carry the months)"),
    "the employee episode after the one ending transfer_out does not start with transfer_in",
    "the employee episode after the one ending transfer_out is of the same region",
};

const char *transfer_status_text(enum transfer_status s) {
    assert(s >= TRANSFER_OK && s <= TRANSFER_SAME_REGION);
    return TEXTS[s];
}

static bool employee(const struct transfer_episode *t) {
    assert(t != NULL);
    return t->e.insutype == INSUTYPE_EMPLOYEE;
}

/* The latest employee episode ending transfer_out (closed), or -1. */
static int32_t latest_out(const struct transfer_episode *eps, int32_t n) {
    int32_t best = -1;
    assert(eps != NULL || n == 0);
    for (int32_t i = 0; i < n; i++)
        if (employee(&eps[i]) && eps[i].transfer_out && !eps[i].e.open &&
            (best < 0 || eps[i].e.from_month > eps[best].e.from_month))
            best = i;
    return best;
}

/* The first employee episode starting after month m, or -1. */
static int32_t next_after(const struct transfer_episode *eps, int32_t n, month_index m) {
    int32_t best = -1;
    assert(eps != NULL || n == 0);
    for (int32_t i = 0; i < n; i++)
        if (employee(&eps[i]) && eps[i].e.from_month > m &&
            (best < 0 || eps[i].e.from_month < eps[best].e.from_month))
            best = i;
    return best;
}

/* Contributed employee months before month: of region (same true) or of
 * every other region (same false). Episodes of one scheme never overlap
 * (the import refuses it), so each month counts once. */
static int32_t months_of(const struct transfer_episode *eps, int32_t n, const char *region,
                         bool same, month_index month) {
    int32_t sum = 0;
    assert(region != NULL);
    for (int32_t i = 0; i < n; i++) {
        const struct episode *e = &eps[i].e;
        if (!employee(&eps[i]) || eps[i].retired || e->from_month >= month) continue;
        if ((strcmp(e->region, region) == 0) != same) continue;
        month_index last = e->open || e->to_month >= month ? month - 1 : e->to_month;
        if (last >= e->from_month) sum += last - e->from_month + 1;
    }
    assert(sum >= 0);
    return sum;
}

enum transfer_status transfer_find(const struct transfer_episode *episodes, int32_t n,
                                   struct transfer_pair *out) {
    assert(out != NULL && n >= 0 && (episodes != NULL || n == 0));
    memset(out, 0, sizeof *out);
    out->out_index = out->in_index = -1;
    int32_t o = latest_out(episodes, n);
    if (o < 0) {
        for (int32_t i = 0; i < n; i++)
            if (employee(&episodes[i]) && episodes[i].transfer_in) return TRANSFER_IN_ONLY;
        return TRANSFER_NONE;
    }
    const struct episode *from = &episodes[o].e;
    int32_t in = next_after(episodes, n, from->to_month);
    out->out_index = o;
    if (in < 0) {
        out->month = from->to_month + 1;
        out->carried_months = months_of(episodes, n, from->region, true, out->month);
        return TRANSFER_OK;
    }
    if (!episodes[in].transfer_in) return TRANSFER_NOT_IN;
    if (strcmp(episodes[in].e.region, from->region) == 0) return TRANSFER_SAME_REGION;
    out->in_index = in;
    out->month = episodes[in].e.from_month;
    out->carried_months = months_of(episodes, n, episodes[in].e.region, false, out->month);
    return TRANSFER_OK;
}
