/* benefit.c: which episode gives an employee's benefit start and a
 * retiree's months, and a resident's start from the year's premium
 * (benefit.h), over the rules of enrol.c. */
#include "core/benefit.h"

#include <assert.h>
#include <string.h>

static bool local_employee(const struct episode *e, const char *region) {
    assert(e != NULL && region != NULL);
    return e->insutype == INSUTYPE_EMPLOYEE && strcmp(e->region, region) == 0;
}

bool benefit_episodes(const struct episode *episodes, const bool *retired, int32_t count,
                      const char *region, int32_t *start, int32_t *retirement) {
    assert(count >= 0 && count <= EPISODES_MAX && region != NULL);
    assert(start != NULL && retirement != NULL && (count == 0 || retired != NULL));
    int32_t latest = -1, contributing = -1;
    for (int32_t i = 0; i < count; i++) {
        if (!local_employee(&episodes[i], region)) continue;
        if (latest < 0 || episodes[i].from_month > episodes[latest].from_month) latest = i;
    }
    *start = *retirement = -1;
    if (latest < 0) return false;
    if (!retired[latest]) {
        *start = latest;
        return true;
    }
    /* a retiree: the last contributing episode of the region before retiring */
    *retirement = latest;
    for (int32_t i = 0; i < count; i++) {
        if (i == latest || retired[i] || !local_employee(&episodes[i], region)) continue;
        if (episodes[i].from_month > episodes[latest].from_month) continue;
        if (contributing < 0 || episodes[i].from_month > episodes[contributing].from_month)
            contributing = i;
    }
    *start = contributing >= 0 ? contributing : latest;
    return true;
}

/* The episodes but one (skip) and, when retired is given, but those of
 * category retired, into out. */
static int32_t all_but(const struct episode *episodes, const bool *retired, int32_t count,
                       int32_t skip, struct episode *out) {
    int32_t n = 0;
    assert(count <= EPISODES_MAX && out != NULL);
    for (int32_t i = 0; i < count; i++)
        if (i != skip && (retired == NULL || !retired[i])) out[n++] = episodes[i];
    return n;
}

enum funds_code benefit_derive(const struct policy *policy, const struct episode *episodes,
                               const bool *retired, int32_t count, int32_t start,
                               int32_t retirement, const char *gend, bool lump_paid,
                               struct benefit_derived *out) {
    assert(out != NULL && gend != NULL && count >= 1 && count <= EPISODES_MAX);
    assert(retired != NULL);
    assert(start >= 0 && start < count && retirement < count);
    struct episode others[EPISODES_MAX];
    memset(out, 0, sizeof *out);
    out->first_month = episodes[start].from_month;
    out->lump_paid = lump_paid;
    int32_t n = all_but(episodes, NULL, count, start, others);
    enum funds_code code = benefit_start_employee(policy, out->first_month, others, n, &out->start);
    if (code != FUNDS_OK || retirement < 0) return code;
    /* the months: every employee episode but a retired one (a retiree
     * transferred keeps a retired episode in each region: none contributed) */
    out->retired = true;
    n = all_but(episodes, retired, count, retirement, others);
    code = retirement_check(policy, gend, others, n, &out->retirement);
    out->contribution_short = code == FUNDS_OK && out->retirement.contribution_short && !lump_paid;
    return code;
}

enum funds_code benefit_resident(const struct policy *policy,
                                 const struct benefit_resident_year *in,
                                 datetime_s *benefit_start) {
    assert(in != NULL && benefit_start != NULL && in->own_fen >= 0);
    assert(in->year > MONTH_YEAR_MIN && in->year < MONTH_YEAR_MAX);
    *benefit_start = 0;
    if (in->own_fen == 0) {
        *benefit_start = datetime_from_civil(in->year, 1, 1, 0, 0, 0);
        return FUNDS_OK;
    }
    if (!in->paid) {
        *benefit_start = datetime_from_civil(in->year + 1, 1, 1, 0, 0, 0);
        return FUNDS_OK;
    }
    if (policy == NULL) return FUNDS_E_POLICY; /* none registered: the caller found none */
    struct resident_enrolment e = {.year = in->year,
                                   .paid = in->paid_date,
                                   .category = in->category,
                                   .flags = in->flags & FLAG_ALL,
                                   .has_brdy = in->has_brdy,
                                   .brdy = in->brdy};
    return benefit_start_resident(policy, &e, benefit_start);
}
