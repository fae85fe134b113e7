/* gen_benefit.c: persons.csv's benefit_start and contribution_short typed
 * by the rules `yibao derive-benefits` applies (FUNDS.md §4;
 * docs/GENERATOR.md, "Benefit start by the rule"), so that a generated
 * city settles the same before and after the derivation.
 *
 * The generator draws a benefit start, plans the person's episodes from
 * it, and then types the value the rule gives for those episodes: an
 * employee's from the latest employee episode of the registry region (the
 * grace and waiting months of the policy before it), a retiree's
 * contribution_short from the months of the career. The rule is the pure
 * core's (core/benefit.h) under the funding figures of the policy set's
 * shipped employee policy (policies/maoming-2020-employee.json); a set
 * whose policies have no funding section, a resident (whose start needs a
 * premium's payment, which the generator does not write) and a person of
 * another region keep the drawn value, as derive-benefits keeps theirs. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/benefit.h"
#include "gen/gen_enrol.h"
#include "gen/gen_internal.h"

/* The funding figures of the set's employee policy that the rule reads;
 * false: the set's shipped policies have none (derive-benefits skips). */
static bool set_policy(const struct gen_city *city, struct policy *out) {
    assert(city != NULL && out != NULL);
    const struct gen_policy_set *set = city->set;
    if (set->grace_months < 0) return false;
    memset(out, 0, sizeof *out);
    snprintf(out->region, sizeof out->region, "%s", set->region);
    out->year = city->year;
    out->insutype = INSUTYPE_EMPLOYEE;
    out->has_funding = true;
    struct funding_employee *f = &out->funding.employee;
    f->avg_wage_monthly_fen = (int64_t)set->avg_wage_yuan * 100;
    f->grace_months = set->grace_months;
    f->waiting_months = set->waiting_months;
    f->min_months_total_count = 2;
    snprintf(f->min_months_total[0].gend, sizeof f->min_months_total[0].gend, "1");
    f->min_months_total[0].months = set->min_months_men;
    snprintf(f->min_months_total[1].gend, sizeof f->min_months_total[1].gend, "2");
    f->min_months_total[1].months = set->min_months_women;
    f->min_months_local = set->min_months_local;
    f->lump_rate_bp = set->lump_rate_bp;
    return true;
}

bool gen_enrol_benefit(const struct gen_city *city, const struct gen_person *row,
                       const struct gen_enrol_plan *plan, datetime_s *benefit_start,
                       bool *contribution_short) {
    struct episode eps[GEN_EPISODES_MAX];
    bool retired[GEN_EPISODES_MAX];
    struct policy policy;
    assert(city != NULL && row != NULL && plan != NULL && plan->count <= GEN_EPISODES_MAX);
    if (row->person.insutype != INSUTYPE_EMPLOYEE || !set_policy(city, &policy) ||
        strcmp(row->insuplc_admdvs, city->set->region) != 0)
        return false;
    for (int i = 0; i < plan->count; i++) {
        const struct gen_episode *ep = &plan->ep[i];
        memset(&eps[i], 0, sizeof eps[i]);
        eps[i].insutype = ep->insutype;
        snprintf(eps[i].region, sizeof eps[i].region, "%s", gen_episode_region(city, ep));
        eps[i].from_month = ep->from_m;
        eps[i].open = ep->to_m < 0;
        eps[i].to_month = ep->to_m < 0 ? 0 : ep->to_m;
        retired[i] = ep->ecat == GEN_EC_RETIRED;
    }
    int32_t start = -1, retirement = -1;
    if (!benefit_episodes(eps, retired, plan->count, row->insuplc_admdvs, &start, &retirement))
        return false;
    char gend[2] = {row->gend, '\0'};
    struct benefit_derived d;
    if (benefit_derive(&policy, eps, retired, plan->count, start, retirement, gend, false, &d) !=
        FUNDS_OK)
        return false;
    *benefit_start = d.start.benefit_start;
    *contribution_short = d.contribution_short;
    return true;
}

const struct gen_person *gen_enrol_typed(const struct gen_city *city, const struct gen_person *row,
                                         const struct gen_enrol_plan *plan,
                                         struct gen_person *typed) {
    datetime_s start = 0;
    bool short_months = false;
    assert(city != NULL && row != NULL && plan != NULL && typed != NULL);
    if (!gen_enrol_benefit(city, row, plan, &start, &short_months)) return row;
    *typed = *row;
    typed->person.benefit_start = start;
    typed->person.flags &= ~(uint32_t)FLAG_CONTRIBUTION_SHORT;
    if (short_months) typed->person.flags |= FLAG_CONTRIBUTION_SHORT;
    return typed;
}

/* ---- the registry rows of single persons, in process ---------------------- */
struct gen_typer {
    const struct gen_city *city;
    struct gen_plan scratch;
    struct gen_enrol_plan plan;
    struct gen_person typed;
};

int gen_typer_open(const struct gen_city *city, struct gen_typer **out) {
    assert(city != NULL && out != NULL);
    *out = calloc(1, sizeof **out);
    if (*out == NULL) return -1;
    (*out)->city = city;
    return 0;
}

void gen_typer_person(struct gen_typer *typer, int64_t index, struct gen_person *out) {
    assert(typer != NULL && out != NULL && index >= 0);
    gen_person_get(typer->city, index, out);
    assert(!out->duplicate); /* an original: its plan needs no original's first month */
    /* only an employee of the city's region is typed: the rest keep the
     * drawn row without planning anything (gen_enrol_benefit's own test) */
    if (out->person.insutype != INSUTYPE_EMPLOYEE ||
        strcmp(out->insuplc_admdvs, typer->city->set->region) != 0)
        return;
    gen_enrol_plan_row(typer->city, out, 0, &typer->scratch, &typer->plan);
    const struct gen_person *row = gen_enrol_typed(typer->city, out, &typer->plan, &typer->typed);
    if (row != out) *out = *row;
}

void gen_typer_close(struct gen_typer *typer) { free(typer); }
