/* test_payment.c: cmocka tests of the institution payment and report
 * rules (src/core/payment.c, report.c; FUNDS.md §6-8).
 *
 * Properties over random inputs (a fixed-seed generator, so a failure
 * repeats): the global budget's due = F + adjustment, reward and shared
 * never both, each the half-up rounding of an independent 128-bit mul;
 * quota cases and F_rest adding up to F; DIP dues adding up to the budget
 * to the fen, each the floor of its exact share or one fen more, the same
 * whatever the institutions' order, and for institutions differing only by
 * level the exact share budget × c_i / Σc; capitation months against a
 * day-by-day reference; a payment run's paid + withhold = payable; the
 * year-end release; months of support and the ratios against 128-bit
 * references. Then the spec's boundaries: DIP's high and low cases at
 * exactly 2× and ½ of avg_cost, the largest remainder's ties by code
 * ("H12" before "H2"), E_POLICY without group "*" or a coefficient. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "core/payment.h"
#include "core/report.h"

#define RANDOM_CASES 20000

#define TEST_RNG_SEED 0x243f6a8885a308d3ULL
#include "test_rng.h"

static struct pay_settlement settlement(const char *med_type, const char *dise, int64_t cost,
                                        int64_t hifp) {
    struct pay_settlement s;
    memset(&s, 0, sizeof s);
    snprintf(s.setl_id, sizeof s.setl_id, "S%lld", (long long)rnd_to(999999));
    snprintf(s.psn_no, sizeof s.psn_no, "P0001");
    snprintf(s.med_type, sizeof s.med_type, "%s", med_type);
    snprintf(s.dise_codg, sizeof s.dise_codg, "%s", dise);
    s.setl_time = datetime_from_civil(2020, 6, 15, 10, 0, 0);
    s.medfee_sumamt = cost;
    s.inscp_scp_amt = cost;
    s.hifp_pay = hifp;
    s.fund_pay_sumamt = hifp;
    s.psn_part_amt = cost - hifp;
    s.psn_cash_pay = cost - hifp;
    return s;
}

static void test_budget_identities(void **state) {
    (void)state;
    for (int i = 0; i < RANDOM_CASES; i++) {
        struct budget_terms t = {rnd_to(100000000), (int32_t)rnd_to(10000), (int32_t)rnd_to(10000),
                                 (int32_t)rnd_to(10000), (int32_t)rnd_to(10000)};
        int64_t f = rnd_to(3) == 0 ? t.budget_fen + rnd_to(2) - 1 : rnd_to(200000000);
        if (f < 0) f = 0;
        struct budget_result b;
        budget_settlement(&t, f, &b);
        assert_int_equal(b.f_fen, f);
        assert_int_equal(b.due_fen, f + b.adjustment_fen);
        assert_true(b.reward_fen == 0 || b.shared_fen == 0);
        if (f <= t.budget_fen) {
            int64_t room = t.budget_fen - f,
                    corridor = ref_mul(t.budget_fen, t.savings_corridor_bp);
            assert_int_equal(b.reward_fen,
                             ref_mul(room < corridor ? room : corridor, t.savings_share_bp));
            assert_int_equal(b.shared_fen, 0);
            assert_true(b.adjustment_fen >= 0);
        } else {
            int64_t over = f - t.budget_fen,
                    corridor = ref_mul(t.budget_fen, t.overspend_corridor_bp);
            assert_int_equal(b.shared_fen,
                             ref_mul(over < corridor ? over : corridor, t.overspend_share_bp));
            assert_int_equal(b.due_fen, t.budget_fen + b.shared_fen);
            assert_true(b.adjustment_fen <= 0);
        }
    }
}

static void test_quota_adds_up(void **state) {
    static struct pay_settlement s[64];
    struct pay_quotas q = {3, {{"C34", 3000000}, {"C34.9", 5500000}, {"K35", 800000}}};
    const char *dise[] = {"C34.1", "C34.9", "K35.8", "J18.0", "C3", "K35"};
    (void)state;
    for (int i = 0; i < RANDOM_CASES / 10; i++) {
        int32_t n = (int32_t)rnd_to(63);
        int64_t f = 0, hifp_cases = 0;
        for (int32_t k = 0; k < n; k++) {
            int64_t cost = rnd_to(10000000), hifp = rnd_to(cost);
            s[k] = settlement(rnd_to(2) ? "21" : "11", dise[rnd_to(5)], cost, hifp);
            s[k].revoked = rnd_to(7) == 0;
            if (s[k].revoked) continue;
            f += hifp;
            if (pay_is_quota_case(&s[k], &q, true)) hifp_cases += hifp;
        }
        struct quota_result r;
        quota_adjustment(&q, true, s, n, &r);
        assert_int_equal(r.f_rest_fen + hifp_cases, f);
        assert_int_equal(r.adjustment_fen, r.quota_fund_fen - hifp_cases);
        quota_adjustment(&q, false, s, n, &r);
        assert_int_equal(r.cases, 0);
        assert_int_equal(r.adjustment_fen, 0);
        assert_int_equal(r.f_rest_fen, f);
    }
    /* the longest prefix wins: C34.9 (55000) over C34 (30000) */
    s[0] = settlement("21", "C34.9", 9000000, 6000000);
    s[0].psn_part_amt = 1000000;
    struct quota_result r;
    quota_adjustment(&q, true, s, 1, &r);
    assert_int_equal(r.cases, 1);
    assert_int_equal(r.quota_fund_fen, 4500000);
    /* quota below the patient's share: quota_fund is 0, not negative */
    s[0].psn_part_amt = 6000000;
    quota_adjustment(&q, true, s, 1, &r);
    assert_int_equal(r.quota_fund_fen, 0);
    assert_int_equal(r.adjustment_fen, -6000000);
}

static struct dip_region *dip_base(struct pay_settlement *s) {
    static struct dip_region r;
    memset(&r, 0, sizeof r);
    r.level_count = 4;
    const char *levels[] = {"township", "level1", "level2", "level3"};
    const int32_t coeff[] = {8000, 9000, 10000, 11000};
    for (int l = 0; l < 4; l++) {
        snprintf(r.levels[l].name, sizeof r.levels[l].name, "%s", levels[l]);
        r.levels[l].coeff_bp = coeff[l];
    }
    r.group_count = 4;
    const char *prefix[] = {"C34", "K35", "I63.9", "*"};
    const int64_t points[] = {12000000, 1500000, 5205000, 1000000};
    const int64_t avg[] = {4000000, 600000, 1600000, 500000};
    for (int g = 0; g < 4; g++) {
        snprintf(r.groups[g].prefix, sizeof r.groups[g].prefix, "%s", prefix[g]);
        r.groups[g].points = points[g];
        r.groups[g].avg_cost_fen = avg[g];
    }
    r.settlements = s;
    return &r;
}

static void dip_add(struct dip_region *r, const char *code, const char *level, int32_t first,
                    int32_t count) {
    struct dip_institution *in = &r->institutions[r->institution_count++];
    snprintf(in->fixmedins_code, sizeof in->fixmedins_code, "%s", code);
    snprintf(in->level, sizeof in->level, "%s", level);
    in->first = first;
    in->count = count;
}

static void test_dip_shares(void **state) {
    static struct pay_settlement s[256];
    static struct dip_due due[PAY_INSTITUTIONS_MAX], again[PAY_INSTITUTIONS_MAX];
    const char *dise[] = {"C34.1", "K35.8", "I63.9", "I63.1", "J18.0"};
    const char *levels[] = {"township", "level1", "level2", "level3"};
    (void)state;
    for (int i = 0; i < RANDOM_CASES / 20; i++) {
        struct dip_region *r = dip_base(s);
        r->budget_fen = rnd_to(1000000000);
        int32_t n = 0, insts = 1 + (int32_t)rnd_to(7);
        for (int32_t k = 0; k < insts; k++) {
            int32_t count = (int32_t)rnd_to(8), first = n;
            for (int32_t c = 0; c < count; c++, n++)
                s[n] = settlement(rnd_to(3) ? "21" : "11", dise[rnd_to(4)], rnd_to(20000000),
                                  rnd_to(1000000));
            char code[16];
            snprintf(code, sizeof code, "H%d", (int)k);
            dip_add(r, code, levels[rnd_to(3)], first, count);
        }
        assert_int_equal(dip_settlement(r, due), FUNDS_OK);
        int64_t total = 0;
        for (int32_t k = 0; k < insts; k++) {
            total += due[k].due_fen;
            assert_int_equal(due[k].adjustment_fen, due[k].due_fen - due[k].f_fen);
            assert_true(due[k].due_fen >= 0);
        }
        assert_true(total == r->budget_fen || total == 0);
        /* reversed order: the same dues by code (ties go by code, not position) */
        struct dip_institution tmp[PAY_INSTITUTIONS_MAX];
        memcpy(tmp, r->institutions, sizeof tmp);
        for (int32_t k = 0; k < insts; k++) r->institutions[k] = tmp[insts - 1 - k];
        assert_int_equal(dip_settlement(r, again), FUNDS_OK);
        for (int32_t k = 0; k < insts; k++) {
            assert_int_equal(again[insts - 1 - k].due_fen, due[k].due_fen);
            assert_int_equal(again[insts - 1 - k].f_fen, due[k].f_fen);
        }
    }
}

/* The same cases at every institution: points in proportion to the level
 * coefficients, so the exact share is budget × c_i / Σ c. */
static void test_dip_exact_share(void **state) {
    static struct pay_settlement s[16];
    static struct dip_due due[PAY_INSTITUTIONS_MAX];
    const char *levels[] = {"township", "level1", "level2", "level3"};
    const int64_t coeff[] = {8000, 9000, 10000, 11000};
    (void)state;
    for (int i = 0; i < RANDOM_CASES / 20; i++) {
        struct dip_region *r = dip_base(s);
        r->budget_fen = rnd_to(100000000000);
        int32_t n = 1 + (int32_t)rnd_to(15);
        for (int32_t c = 0; c < n; c++)
            s[c] = settlement("21", rnd_to(1) ? "C34.2" : "X99", 1 + rnd_to(20000000), 100);
        int32_t insts = 1 + (int32_t)rnd_to(6), level[8];
        int64_t sum_c = 0;
        for (int32_t k = 0; k < insts; k++) {
            char code[16];
            level[k] = (int32_t)rnd_to(3);
            sum_c += coeff[level[k]];
            snprintf(code, sizeof code, "H%d", (int)k);
            dip_add(r, code, levels[level[k]], 0, n);
        }
        assert_int_equal(dip_settlement(r, due), FUNDS_OK);
        int64_t total = 0;
        for (int32_t k = 0; k < insts; k++) {
            __int128 exact = (__int128)r->budget_fen * coeff[level[k]];
            int64_t floor_share = (int64_t)(exact / sum_c);
            assert_true(due[k].due_fen == floor_share || due[k].due_fen == floor_share + 1);
            total += due[k].due_fen;
        }
        assert_int_equal(total, r->budget_fen);
    }
}

static void test_dip_boundaries(void **state) {
    static struct pay_settlement s[8];
    static struct dip_due due[PAY_INSTITUTIONS_MAX];
    (void)state;
    /* K35: points 150, avg_cost 6000. At 2 × avg: normal; one fen above: high. */
    struct dip_region *r = dip_base(s);
    r->budget_fen = 0;
    s[0] = settlement("21", "K35.8", 1200000, 100);
    s[1] = settlement("21", "K35.8", 1200001, 100);
    s[2] = settlement("21", "K35.8", 300000, 100);             /* half: normal */
    s[3] = settlement("21", "K35.8", 299999, 100);             /* below half: low */
    const int64_t weight[] = {600000, 600001, 600000, 299999}; /* N of each case */
    for (int k = 0; k < 4; k++) {
        char code[16];
        snprintf(code, sizeof code, "H%d", k);
        dip_add(r, code, "level2", k, 1);
    }
    r->budget_fen = 2100000; /* Σ N: each is due its N exactly */
    assert_int_equal(dip_settlement(r, due), FUNDS_OK);
    for (int k = 0; k < 4; k++) assert_int_equal(due[k].due_fen, weight[k]);
    /* three equal institutions, 2 fen left: to "H12" and "H2" before "H3" */
    r = dip_base(s);
    r->budget_fen = 200;
    dip_add(r, "H3", "level2", 0, 1);
    dip_add(r, "H2", "level2", 0, 1);
    dip_add(r, "H12", "level2", 0, 1);
    assert_int_equal(dip_settlement(r, due), FUNDS_OK);
    assert_int_equal(due[0].due_fen, 66);
    assert_int_equal(due[1].due_fen, 67);
    assert_int_equal(due[2].due_fen, 67);
    /* no points anywhere: every due 0 */
    s[5] = settlement("11", "K35.8", 1000, 100);
    r = dip_base(s);
    r->budget_fen = 999;
    dip_add(r, "H1", "level2", 5, 1);
    assert_int_equal(dip_settlement(r, due), FUNDS_OK);
    assert_int_equal(due[0].due_fen, 0);
    assert_int_equal(due[0].adjustment_fen, 0);
    /* a level without a coefficient: E_POLICY only when a case carries points */
    dip_add(r, "H2", "level9", 5, 1);
    assert_int_equal(dip_settlement(r, due), FUNDS_OK);
    dip_add(r, "H3", "level9", 0, 1);
    assert_int_equal(dip_settlement(r, due), FUNDS_E_POLICY);
    /* no group "*": E_POLICY */
    r = dip_base(s);
    r->group_count = 3;
    assert_int_equal(dip_settlement(r, due), FUNDS_E_POLICY);
}

/* Whether psn is signed on day (a reference apart from payment.c). */
static bool ref_signed(const struct pay_signing *sg, int32_t n, const char *psn, datetime_s day) {
    for (int32_t k = 0; k < n; k++)
        if (strcmp(sg[k].psn_no, psn) == 0 && sg[k].from <= day && (sg[k].open || sg[k].to >= day))
            return true;
    return false;
}

static void test_capitation(void **state) {
    static struct pay_signing sg[16];
    static struct pay_settlement s[16];
    (void)state;
    for (int i = 0; i < RANDOM_CASES / 10; i++) {
        int32_t n = (int32_t)rnd_to(15), ns = (int32_t)rnd_to(15);
        int64_t rate = rnd_to(2000);
        datetime_s base = datetime_from_civil(2019, 1, 1, 0, 0, 0);
        for (int32_t k = 0; k < ns; k++) {
            snprintf(sg[k].psn_no, sizeof sg[k].psn_no, "P%d", (int)rnd_to(4));
            sg[k].from = base + rnd_to(3 * 366) * 86400;
            sg[k].open = rnd_to(1) == 0;
            sg[k].to = sg[k].from + rnd_to(400) * 86400;
        }
        int64_t covered = 0, months = 0;
        for (int32_t k = 0; k < n; k++) {
            s[k] = settlement(rnd_to(2) ? "11" : "21", "J06.9", 10000, rnd_to(10000));
            snprintf(s[k].psn_no, sizeof s[k].psn_no, "P%d", (int)rnd_to(4));
            s[k].setl_time = base + rnd_to(3 * 366 * 86400);
            s[k].revoked = rnd_to(5) == 0;
            datetime_s day = s[k].setl_time - s[k].setl_time % 86400;
            if (!s[k].revoked && strcmp(s[k].med_type, "11") == 0 &&
                datetime_year(s[k].setl_time) == 2020 && ref_signed(sg, ns, s[k].psn_no, day))
                covered += s[k].hifp_pay;
        }
        for (int m = 1; m <= 12; m++)
            for (int p = 0; p < 5; p++) {
                char psn[16];
                snprintf(psn, sizeof psn, "P%d", p);
                months += ref_signed(sg, ns, psn, datetime_from_civil(2020, m, 1, 0, 0, 0));
            }
        struct capitation_result c;
        capitation(2020, rate, sg, ns, s, n, &c);
        assert_int_equal(c.months, months);
        assert_int_equal(c.covered_fen, covered);
        assert_int_equal(c.capitation_fen, rate * months);
        assert_int_equal(c.adjustment_fen, rate * months - covered);
    }
}

static void test_payment_run_and_year_end(void **state) {
    static struct pay_settlement s[16];
    (void)state;
    for (int i = 0; i < RANDOM_CASES; i++) {
        int32_t n = (int32_t)rnd_to(15), rate = (int32_t)rnd_to(10000);
        int64_t payable = 0;
        for (int32_t k = 0; k < n; k++) {
            s[k] = settlement("11", "J06.9", 100000, rnd_to(100000));
            s[k].acct_pay = rnd_to(10000);
            s[k].acct_mulaid_pay = rnd_to(1000);
            s[k].setl_time = datetime_from_civil(2020, 6, 1, 0, 0, 0) - 86400 +
                             rnd_to(31 * 86400 + 86400);
            s[k].revoked = rnd_to(5) == 0;
            if (!s[k].revoked && s[k].setl_time >= datetime_from_civil(2020, 6, 1, 0, 0, 0) &&
                s[k].setl_time < datetime_from_civil(2020, 7, 1, 0, 0, 0))
                payable += s[k].fund_pay_sumamt + s[k].acct_pay + s[k].acct_mulaid_pay;
        }
        struct payment_run_result r;
        payment_run(month_of(2020, 6), rate, s, n, &r);
        assert_int_equal(r.payable_fen, payable);
        assert_int_equal(r.withhold_fen, ref_mul(payable, rate));
        assert_int_equal(r.paid_fen + r.withhold_fen, r.payable_fen);
        int64_t deposit = rnd_to(1000000), sanctions = rnd_to(1000000);
        int64_t adjustment = rnd_to(2000000) - 1000000;
        struct year_end_result y;
        year_end_payment(deposit, sanctions, adjustment, &y);
        assert_int_equal(y.released_fen, deposit > sanctions ? deposit - sanctions : 0);
        assert_int_equal(y.paid_fen, adjustment + y.released_fen);
    }
}

static void test_report_figures(void **state) {
    static struct pay_settlement s[8];
    int64_t tenths = 0, hundredths = 0;
    (void)state;
    for (int i = 0; i < RANDOM_CASES; i++) {
        int64_t balance = rnd_to(1000000000000), spending = rnd_to(1000000000000);
        bool finite = report_months_of_support(balance, spending, &tenths);
        assert_true(finite == (spending != 0));
        if (finite) { /* tenths = round(120 b / s): |tenths·s − 120b| ≤ s/2, ties up */
            __int128 diff = (__int128)tenths * spending * 2 - (__int128)balance * 240;
            assert_true(diff <= spending && diff > -spending);
        }
        int64_t num = rnd_to(1000000000000), den = rnd_to(1000000000000);
        assert_true(report_percent(num, den, &hundredths) == (den != 0));
        if (den != 0) {
            __int128 diff = (__int128)hundredths * den * 2 - (__int128)num * 20000;
            assert_true(diff <= den && diff > -den);
        }
    }
    assert_true(report_months_of_support(525000000, 1200000000, &tenths));
    assert_int_equal(tenths, 53); /* 5.25 rounds half-up to 5.3 */
    for (int k = 0; k < 3; k++) s[k] = settlement("11", "J06.9", 10000, 6000);
    s[1].revoked = true;
    s[2].inscp_scp_amt = 8000;
    struct report_ratios r;
    report_ratios(s, 3, 964300, 1000000, &r);
    assert_true(r.has_policy_scope && r.has_actual && r.has_participation);
    assert_int_equal(r.policy_scope, 6667); /* 12000 / 18000 */
    assert_int_equal(r.actual, 6000);
    assert_int_equal(r.participation, 9643);
    report_ratios(s, 0, 0, 0, &r);
    assert_false(r.has_policy_scope || r.has_actual || r.has_participation);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget_identities),
        cmocka_unit_test(test_quota_adds_up),
        cmocka_unit_test(test_dip_shares),
        cmocka_unit_test(test_dip_exact_share),
        cmocka_unit_test(test_dip_boundaries),
        cmocka_unit_test(test_capitation),
        cmocka_unit_test(test_payment_run_and_year_end),
        cmocka_unit_test(test_report_figures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
