/* funds_case.c: one fund-rule case, from decoded inputs to named figures
 * (see funds_case.h). The names are those of FUNDS.md §9's `expect`, so
 * that the comparison (src/codec/funds_expect_json.c) needs no table of
 * its own. */
#include "app/funds_case.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/report.h"

static void put(struct funds_outcome *out, const char *name, enum funds_figure_type type,
                int64_t value) {
    assert(out != NULL && name != NULL);
    assert(out->count >= 0 && out->count < FUNDS_FIGURES_MAX);
    struct funds_figure *f = &out->figures[out->count++];
    snprintf(f->name, sizeof f->name, "%s", name);
    f->type = type;
    f->value = value;
}

static enum funds_code run_employee_month(const struct funds_vector *v, struct funds_outcome *out) {
    struct employee_month m;
    struct employee_month_input in = {
        v->month,         v->status,      v->episodes,
        v->episode_count, v->contributed, v->contributed_count,
        v->has_wage,      v->wage_fen,    v->base_share_exact,
        v->base_share_bp, v->struggling,  v->contribution_short,
    };
    enum funds_code code = employee_month(&v->policy, &in, &m);
    assert(code != FUNDS_OK || m.employer_fen + m.employee_fen == m.pool_fen + m.account_fen ||
           v->status == EMPLOYEE_RETIRED);
    if (code != FUNDS_OK) return code;
    put(out, "base", FIGURE_MONEY, m.base_fen);
    put(out, "employer", FIGURE_MONEY, m.employer_fen);
    put(out, "employee", FIGURE_MONEY, m.employee_fen);
    put(out, "account", FIGURE_MONEY, m.account_fen);
    put(out, "pool", FIGURE_MONEY, m.pool_fen);
    put(out, "over_cap", FIGURE_MONEY, m.over_cap_fen);
    return FUNDS_OK;
}

static enum funds_code run_resident_year(const struct funds_vector *v, struct funds_outcome *out) {
    struct resident_year y;
    enum funds_code code = resident_year(&v->policy, v->category, v->flags, &y);
    assert(code != FUNDS_OK || y.own_fen + y.assisted_fen == y.premium_fen);
    if (code != FUNDS_OK) return code;
    put(out, "premium", FIGURE_MONEY, y.premium_fen);
    put(out, "assisted", FIGURE_MONEY, y.assisted_fen);
    put(out, "own", FIGURE_MONEY, y.own_fen);
    put(out, "subsidy", FIGURE_MONEY, y.subsidy_fen);
    put(out, "catastrophic", FIGURE_MONEY, y.catastrophic_fen);
    put(out, "pool", FIGURE_MONEY, y.pool_fen);
    return FUNDS_OK;
}

static enum funds_code run_premium(const struct funds_vector *v, struct funds_outcome *out) {
    struct premium_payment pay;
    struct binding holder = {v->holder_psn_no, v->relation,   v->bound_from,
                             v->revoked,       v->revoked_at, &v->holder_policy};
    enum funds_code code = premium_from_account(&v->policy, v->member_psn_no, v->category, v->flags,
                                                &holder, v->acct_balc_fen, v->date, &pay);
    assert(code != FUNDS_OK || pay.acct_balc_fen + pay.own_fen == v->acct_balc_fen);
    if (code != FUNDS_OK) return code;
    put(out, "own", FIGURE_MONEY, pay.own_fen);
    put(out, "acct_balc", FIGURE_MONEY, pay.acct_balc_fen);
    return FUNDS_OK;
}

static enum funds_code run_start_employee(const struct funds_vector *v, struct funds_outcome *out) {
    struct benefit_start_employee s;
    enum funds_code code = benefit_start_employee(&v->policy, v->month, v->episodes,
                                                  v->episode_count, &s);
    assert(code != FUNDS_OK || s.gap_months >= 0);
    if (code != FUNDS_OK) return code;
    put(out, "benefit_start", FIGURE_DATE, s.benefit_start);
    put(out, "gap", s.has_gap ? FIGURE_COUNT : FIGURE_NULL, s.gap_months);
    return FUNDS_OK;
}

static enum funds_code run_start_resident(const struct funds_vector *v, struct funds_outcome *out) {
    datetime_s start;
    struct resident_enrolment in = {v->year, v->date, v->category, v->flags, v->has_brdy, v->brdy};
    enum funds_code code = benefit_start_resident(&v->policy, &in, &start);
    assert(code != FUNDS_OK ||
           datetime_year(start) >= v->year); /* paid late in December: may be next year */
    if (code != FUNDS_OK) return code;
    put(out, "benefit_start", FIGURE_DATE, start);
    return FUNDS_OK;
}

static enum funds_code run_retirement(const struct funds_vector *v, struct funds_outcome *out) {
    struct retirement r;
    enum funds_code code = retirement_check(&v->policy, v->gend, v->episodes, v->episode_count, &r);
    assert(code != FUNDS_OK || r.contribution_short == (r.short_months > 0));
    if (code != FUNDS_OK) return code;
    put(out, "total", FIGURE_COUNT, r.total_months);
    put(out, "local", FIGURE_COUNT, r.local_months);
    put(out, "short", FIGURE_COUNT, r.short_months);
    put(out, "lump_sum", FIGURE_MONEY, r.lump_sum_fen);
    put(out, "flags", FIGURE_FLAGS, r.contribution_short ? 1 : 0);
    return FUNDS_OK;
}

/* ---- §6-8 (payment.h, report.h) ---- */

static enum funds_code run_budget(const struct funds_vector *v, struct funds_outcome *out) {
    struct quota_result q;
    struct budget_result b;
    quota_adjustment(&v->quotas, v->joined, v->settlements, v->settlement_count, &q);
    budget_settlement(&v->budget, q.f_rest_fen, &b);
    assert(b.due_fen == b.f_fen + b.adjustment_fen);
    put(out, "F", FIGURE_MONEY, b.f_fen);
    put(out, "reward", FIGURE_MONEY, b.reward_fen);
    put(out, "shared", FIGURE_MONEY, b.shared_fen);
    put(out, "due", FIGURE_MONEY, b.due_fen);
    put(out, "adjustment", FIGURE_MONEY, b.adjustment_fen);
    return FUNDS_OK;
}

static enum funds_code run_quota(const struct funds_vector *v, struct funds_outcome *out) {
    struct quota_result q;
    quota_adjustment(&v->quotas, v->joined, v->settlements, v->settlement_count, &q);
    assert(v->joined || (q.cases == 0 && q.adjustment_fen == 0));
    put(out, "cases", FIGURE_COUNT, q.cases);
    put(out, "adjustment", FIGURE_MONEY, q.adjustment_fen);
    put(out, "F_rest", FIGURE_MONEY, q.f_rest_fen);
    return FUNDS_OK;
}

static enum funds_code run_dip(const struct funds_vector *v, struct funds_outcome *out) {
    struct dip_due dues[PAY_INSTITUTIONS_MAX];
    char name[FUNDS_FIGURE_NAME_BYTES];
    assert(v->dip.institution_count <= PAY_INSTITUTIONS_MAX);
    enum funds_code code = dip_settlement(&v->dip, dues);
    if (code != FUNDS_OK) return code;
    for (int32_t i = 0; i < v->dip.institution_count; i++) {
        const char *fix = v->dip.institutions[i].fixmedins_code;
        snprintf(name, sizeof name, "institutions.%s.F", fix);
        put(out, name, FIGURE_MONEY, dues[i].f_fen);
        snprintf(name, sizeof name, "institutions.%s.due", fix);
        put(out, name, FIGURE_MONEY, dues[i].due_fen);
        snprintf(name, sizeof name, "institutions.%s.adjustment", fix);
        put(out, name, FIGURE_MONEY, dues[i].adjustment_fen);
    }
    return FUNDS_OK;
}

static enum funds_code run_capitation(const struct funds_vector *v, struct funds_outcome *out) {
    struct capitation_result c;
    capitation(v->year, v->rate_fen, v->signed_, v->signed_count, v->settlements,
               v->settlement_count, &c);
    assert(c.adjustment_fen == c.capitation_fen - c.covered_fen);
    put(out, "months", FIGURE_COUNT, c.months);
    put(out, "capitation", FIGURE_MONEY, c.capitation_fen);
    put(out, "covered", FIGURE_MONEY, c.covered_fen);
    put(out, "adjustment", FIGURE_MONEY, c.adjustment_fen);
    return FUNDS_OK;
}

static enum funds_code run_payment(const struct funds_vector *v, struct funds_outcome *out) {
    struct payment_run_result r;
    struct year_end_result y;
    assert(v->kind == FUNDS_KIND_PAYMENT_RUN || v->kind == FUNDS_KIND_YEAR_END_PAYMENT);
    if (v->kind == FUNDS_KIND_YEAR_END_PAYMENT) {
        year_end_payment(v->deposit_fen, v->sanctions_fen, v->adjustment_fen, &y);
        put(out, "released", FIGURE_MONEY, y.released_fen);
        put(out, "paid", FIGURE_MONEY, y.paid_fen);
        return FUNDS_OK;
    }
    payment_run(v->month, v->withhold_rate_bp, v->settlements, v->settlement_count, &r);
    assert(r.paid_fen + r.withhold_fen == r.payable_fen);
    put(out, "payable", FIGURE_MONEY, r.payable_fen);
    put(out, "withhold", FIGURE_MONEY, r.withhold_fen);
    put(out, "paid", FIGURE_MONEY, r.paid_fen);
    return FUNDS_OK;
}

static enum funds_code run_report(const struct funds_vector *v, struct funds_outcome *out) {
    struct report_ratios r;
    int64_t tenths = 0;
    assert(v->kind == FUNDS_KIND_MONTHS_OF_SUPPORT || v->kind == FUNDS_KIND_RATIOS);
    if (v->kind == FUNDS_KIND_MONTHS_OF_SUPPORT) {
        bool finite = report_months_of_support(v->balance_fen, v->spending_12m_fen, &tenths);
        put(out, "months", finite ? FIGURE_TENTHS : FIGURE_INFINITY, tenths);
        return FUNDS_OK;
    }
    report_ratios(v->settlements, v->settlement_count, v->enrolled, v->should_insure, &r);
    put(out, "policy_scope_ratio", r.has_policy_scope ? FIGURE_HUNDREDTHS : FIGURE_NULL,
        r.policy_scope);
    put(out, "actual_ratio", r.has_actual ? FIGURE_HUNDREDTHS : FIGURE_NULL, r.actual);
    put(out, "participation_rate", r.has_participation ? FIGURE_HUNDREDTHS : FIGURE_NULL,
        r.participation);
    return FUNDS_OK;
}

static enum funds_code run_kind(const struct funds_vector *v, struct funds_outcome *out) {
    enum funds_code code;
    assert(v->kind >= 0 && v->kind < FUNDS_KIND_BUILT_COUNT);
    switch (v->kind) {
    case FUNDS_KIND_EMPLOYEE_MONTH: return run_employee_month(v, out);
    case FUNDS_KIND_RESIDENT_YEAR: return run_resident_year(v, out);
    case FUNDS_KIND_PREMIUM_FROM_ACCOUNT: return run_premium(v, out);
    case FUNDS_KIND_BIND:
        code = bind_check(&v->policy, v->holder_psn_no, v->member_psn_no, v->relation);
        if (code == FUNDS_OK) put(out, "bound", FIGURE_BOOL, 1);
        return code;
    case FUNDS_KIND_BENEFIT_START_EMPLOYEE: return run_start_employee(v, out);
    case FUNDS_KIND_BENEFIT_START_RESIDENT: return run_start_resident(v, out);
    case FUNDS_KIND_RETIREMENT_CHECK: return run_retirement(v, out);
    case FUNDS_KIND_BUDGET_SETTLEMENT: return run_budget(v, out);
    case FUNDS_KIND_QUOTA_ADJUSTMENT: return run_quota(v, out);
    case FUNDS_KIND_DIP_SETTLEMENT: return run_dip(v, out);
    case FUNDS_KIND_CAPITATION: return run_capitation(v, out);
    case FUNDS_KIND_PAYMENT_RUN:
    case FUNDS_KIND_YEAR_END_PAYMENT: return run_payment(v, out);
    case FUNDS_KIND_MONTHS_OF_SUPPORT:
    case FUNDS_KIND_RATIOS: return run_report(v, out);
    case FUNDS_KIND_NOT_BUILT:
    case FUNDS_KIND_UNKNOWN: break;
    }
    return FUNDS_E_POLICY;
}

void funds_case_run(const struct funds_vector *v, struct funds_outcome *out) {
    assert(v != NULL && out != NULL);
    assert(v->kind >= 0 && v->kind < FUNDS_KIND_BUILT_COUNT);
    memset(out, 0, sizeof *out);
    out->code = v->code != FUNDS_OK ? v->code : run_kind(v, out);
    if (out->code != FUNDS_OK) out->count = 0; /* an error carries no figures */
}
