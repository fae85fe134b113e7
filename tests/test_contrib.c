/* test_contrib.c: cmocka tests of the fund rules (src/core/contrib.c,
 * enrol.c, sharing.c, funding.c) and of the policy's `funding` section
 * (src/codec/policy_funding_json.c).
 *
 * Properties over random inputs (a fixed-seed generator, so a failure
 * repeats): an employee month's identity employer + employee = account +
 * pool to the fen for any wage, rates and average wage, each share the
 * half-up rounding of an independent 128-bit reference, the base inside
 * [floor, ceiling]; a retiree's pool + account = 0; a resident year's own +
 * assisted + subsidy = pool + catastrophic; months of coverage counted once
 * against a month-by-month reference. Then the spec's check orders, the
 * boundaries of grace, window, newborn and binding validity, and the
 * funding section's load errors (FUNDS.md §1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "codec/codec.h"
#include "core/benefit.h"
#include "core/contrib.h"
#include "core/enrol.h"
#include "core/money.h"
#include "core/sharing.h"
#include "json/json.h"
#include "store/store.h"

#define RANDOM_CASES 200000

#define TEST_RNG_SEED 0x9e3779b97f4a7c15ULL
#include "test_rng.h"

static void employee_policy(struct policy *p) {
    memset(p, 0, sizeof *p);
    strcpy(p->region, "440900");
    p->year = 2020;
    p->insutype = INSUTYPE_EMPLOYEE;
    p->has_funding = true;
    p->has_personal_account = true;
    p->account_covers = ACCOUNT_COVERS_ALL;
    p->account_family_sharing = true;
    struct funding_employee *f = &p->funding.employee;
    f->avg_wage_monthly_fen = 600000;
    f->base_floor_bp = 6000;
    f->base_ceiling_bp = 30000;
    f->employer_rate_bp = 600;
    f->employer_rate_reduced_bp = 400;
    f->employee_rate_bp = 200;
    f->account_rate_bp = 200;
    f->over_cap_premium_monthly_fen = 1000;
    f->has_flexible = true;
    f->flexible = (struct funding_flexible){2, {6000, 10000}, 800, 0};
    f->retiree_account_monthly_fen = 8400;
    f->grace_months = 3;
    f->waiting_months = 6;
    f->min_months_total_count = 2;
    f->min_months_total[0] = (struct funding_min_months){"1", 300};
    f->min_months_total[1] = (struct funding_min_months){"2", 240};
    f->min_months_local = 120;
    f->lump_rate_bp = 800;
    assert_null(policy_invariant_error(p));
}

static void resident_policy(struct policy *p) {
    memset(p, 0, sizeof *p);
    strcpy(p->region, "440900");
    p->year = 2020;
    p->insutype = INSUTYPE_RESIDENT;
    p->has_funding = true;
    struct funding_resident *f = &p->funding.resident;
    f->has_premium[CATEGORY_ADULT] = f->has_premium[CATEGORY_MINOR] = true;
    f->premium_fen[CATEGORY_ADULT] = 28000;
    f->premium_fen[CATEGORY_MINOR] = 18000;
    f->subsidy_fen = 55000;
    f->assistance_count = 2;
    f->assistance[0] = (struct funding_assistance){FLAG_LOW_INCOME << CATEGORY_COUNT, 10000};
    f->assistance[1] = (struct funding_assistance){FLAG_POVERTY_REGISTERED << CATEGORY_COUNT, 5000};
    f->catastrophic_share_fen = 6000;
    f->window_from_month = 9;
    f->window_from_day = 1;
    f->window_to_month = 12;
    f->window_to_day = 31;
    f->waiting_days = 90;
    f->newborn_days = 90;
    assert_null(policy_invariant_error(p));
}

static struct episode open_episode(int32_t insutype, const char *region, month_index from) {
    struct episode e = {insutype, "", from, true, 0};
    snprintf(e.region, sizeof e.region, "%s", region);
    return e;
}

static struct episode closed_episode(int32_t insutype, const char *region, month_index from,
                                     month_index to) {
    struct episode e = open_episode(insutype, region, from);
    e.open = false;
    e.to_month = to;
    return e;
}

/* ---- §2 employee months ------------------------------------------------ */

static void test_in_service_identity_random(void **state) {
    (void)state;
    struct policy p;
    employee_policy(&p);
    struct funding_employee *f = &p.funding.employee;
    struct episode ep = open_episode(310, "440900", month_of(2000, 1));
    for (int i = 0; i < RANDOM_CASES; i++) {
        f->avg_wage_monthly_fen = rnd_to(10000000); /* up to 100,000 yuan */
        f->base_floor_bp = (int32_t)rnd_to(RATIO_ONE_BP);
        f->base_ceiling_bp = f->base_floor_bp +
                             (int32_t)rnd_to(FUNDING_CEILING_MAX_BP - f->base_floor_bp);
        f->employer_rate_bp = (int32_t)rnd_to(RATIO_ONE_BP);
        f->employer_rate_reduced_bp = (int32_t)rnd_to(RATIO_ONE_BP);
        f->employee_rate_bp = (int32_t)rnd_to(RATIO_ONE_BP);
        f->account_rate_bp = (int32_t)rnd_to(RATIO_ONE_BP);
        assert_null(policy_invariant_error(&p));
        struct employee_month_input in = {.month = month_of(2020, 3),
                                          .status = EMPLOYEE_IN_SERVICE,
                                          .episodes = &ep,
                                          .episode_count = 1,
                                          .has_wage = true,
                                          .wage_fen = rnd_to(i % 2 ? 100000000 : 2000000),
                                          .struggling = rnd() % 2 == 0};
        struct employee_month m;
        assert_int_equal(employee_month(&p, &in, &m), FUNDS_OK);
        int64_t lo = ref_mul(f->avg_wage_monthly_fen, f->base_floor_bp);
        int64_t hi = ref_mul(f->avg_wage_monthly_fen, f->base_ceiling_bp);
        int64_t base = in.wage_fen < lo ? lo : in.wage_fen > hi ? hi : in.wage_fen;
        assert_true(m.base_fen == base);
        int32_t er = in.struggling ? f->employer_rate_reduced_bp : f->employer_rate_bp;
        assert_true(m.employer_fen == ref_mul(base, er));
        assert_true(m.employee_fen == ref_mul(base, f->employee_rate_bp));
        int64_t acct = ref_mul(base, f->account_rate_bp);
        int64_t due = m.employer_fen + m.employee_fen;
        assert_true(m.account_fen == (acct < due ? acct : due));
        assert_true(m.employer_fen + m.employee_fen == m.account_fen + m.pool_fen);
        assert_true(m.pool_fen >= 0 && m.account_fen >= 0);
        assert_true(m.over_cap_fen == f->over_cap_premium_monthly_fen);
    }
}

static void test_flexible_identity_random(void **state) {
    (void)state;
    struct policy p;
    employee_policy(&p);
    struct funding_employee *f = &p.funding.employee;
    struct episode ep = open_episode(310, "440900", month_of(2000, 1));
    for (int i = 0; i < RANDOM_CASES; i++) {
        f->avg_wage_monthly_fen = rnd_to(10000000);
        f->flexible.base_count = 1;
        f->flexible.bases_bp[0] = (int32_t)rnd_to(RATIO_ONE_BP);
        f->flexible.rate_bp = (int32_t)rnd_to(RATIO_ONE_BP);
        f->flexible.account_rate_bp = (int32_t)rnd_to(RATIO_ONE_BP);
        struct employee_month_input in = {.month = month_of(2020, 3),
                                          .status = EMPLOYEE_FLEXIBLE,
                                          .episodes = &ep,
                                          .episode_count = 1,
                                          .base_share_exact = true,
                                          .base_share_bp = f->flexible.bases_bp[0]};
        struct employee_month m;
        assert_int_equal(employee_month(&p, &in, &m), FUNDS_OK);
        int64_t base = ref_mul(f->avg_wage_monthly_fen, in.base_share_bp);
        int64_t due = ref_mul(base, f->flexible.rate_bp);
        int64_t acct = ref_mul(base, f->flexible.account_rate_bp);
        assert_true(m.base_fen == base && m.employee_fen == due && m.employer_fen == 0);
        assert_true(m.account_fen == (acct < due ? acct : due));
        assert_true(m.employer_fen + m.employee_fen == m.account_fen + m.pool_fen);
        in.base_share_bp += 1; /* one basis point off every base */
        assert_int_equal(employee_month(&p, &in, &m), FUNDS_E_FUNDING_BASE);
    }
}

static void test_half_up_rounding(void **state) {
    (void)state;
    struct policy p;
    employee_policy(&p);
    struct episode ep = open_episode(310, "440900", month_of(2015, 1));
    struct employee_month_input in = {.month = month_of(2020, 3),
                                      .status = EMPLOYEE_IN_SERVICE,
                                      .episodes = &ep,
                                      .episode_count = 1,
                                      .has_wage = true,
                                      .wage_fen = 360025};
    struct employee_month m;
    /* 3600.25 x 6 % = 216.015 -> 216.02; x 2 % = 72.005 -> 72.01 (vector 004) */
    assert_int_equal(employee_month(&p, &in, &m), FUNDS_OK);
    assert_true(m.employer_fen == 21602 && m.employee_fen == 7201 && m.account_fen == 7201);
    assert_true(m.pool_fen == 21602);
    /* 3600.24 x 6 % = 216.0144 -> 216.01 (a remainder below half goes down) */
    in.wage_fen = 360024;
    assert_int_equal(employee_month(&p, &in, &m), FUNDS_OK);
    assert_true(m.employer_fen == 21601 && m.employee_fen == 7200);
}

static void test_retiree_and_check_order(void **state) {
    (void)state;
    struct policy p;
    employee_policy(&p);
    struct episode ep = closed_episode(310, "440900", month_of(2015, 1), month_of(2019, 12));
    month_index dup[1] = {month_of(2020, 3)};
    struct employee_month_input in = {.month = month_of(2020, 3),
                                      .status = EMPLOYEE_RETIRED,
                                      .episodes = &ep,
                                      .episode_count = 1};
    struct employee_month m;
    ep.to_month = month_of(2020, 3); /* covered to the last month, inclusive */
    assert_int_equal(employee_month(&p, &in, &m), FUNDS_OK);
    assert_true(m.account_fen == 8400 && m.pool_fen == -8400 && m.base_fen == 0);
    in.contribution_short = true;
    assert_int_equal(employee_month(&p, &in, &m), FUNDS_OK);
    assert_true(m.account_fen == 0 && m.pool_fen == 0);
    /* E_CATEGORY before E_NOT_ENROLLED before E_DUP_MONTH before E_FUNDING_BASE */
    ep.to_month = month_of(2020, 2);
    in.status = EMPLOYEE_STATUS_OTHER;
    in.contributed = dup;
    in.contributed_count = 1;
    assert_int_equal(employee_month(&p, &in, &m), FUNDS_E_CATEGORY);
    in.status = EMPLOYEE_FLEXIBLE;
    assert_int_equal(employee_month(&p, &in, &m), FUNDS_E_NOT_ENROLLED);
    ep.to_month = month_of(2020, 3);
    assert_int_equal(employee_month(&p, &in, &m), FUNDS_E_DUP_MONTH);
    in.contributed_count = 0;
    assert_int_equal(employee_month(&p, &in, &m), FUNDS_E_FUNDING_BASE);
    in.status = EMPLOYEE_IN_SERVICE; /* no wage: required late */
    assert_int_equal(employee_month(&p, &in, &m), FUNDS_E_BAD_AMOUNT);
    /* another region's or scheme's episode does not enrol */
    strcpy(ep.region, "220100");
    assert_int_equal(employee_month(&p, &in, &m), FUNDS_E_NOT_ENROLLED);
    p.has_funding = false;
    assert_int_equal(employee_month(&p, &in, &m), FUNDS_E_POLICY);
}

/* ---- §3 resident years ------------------------------------------------- */

static void test_resident_identity_random(void **state) {
    (void)state;
    struct policy p;
    resident_policy(&p);
    struct funding_resident *f = &p.funding.resident;
    for (int i = 0; i < RANDOM_CASES; i++) {
        f->premium_fen[CATEGORY_ADULT] = rnd_to(10000000);
        f->subsidy_fen = rnd_to(10000000);
        f->catastrophic_share_fen = rnd_to(i % 2 ? 100000 : 30000000);
        f->assistance[0].ratio_bp = (int32_t)rnd_to(RATIO_ONE_BP);
        f->assistance[1].ratio_bp = (int32_t)rnd_to(RATIO_ONE_BP);
        uint32_t flags = (uint32_t)rnd_to(FLAG_ALL);
        struct resident_year y;
        assert_int_equal(resident_year(&p, CATEGORY_ADULT, flags, &y), FUNDS_OK);
        int32_t ratio = (flags & FLAG_LOW_INCOME)           ? f->assistance[0].ratio_bp
                        : (flags & FLAG_POVERTY_REGISTERED) ? f->assistance[1].ratio_bp
                                                            : 0; /* the first match wins */
        assert_true(y.assisted_fen == ref_mul(y.premium_fen, ratio));
        assert_true(y.own_fen + y.assisted_fen + y.subsidy_fen == y.pool_fen + y.catastrophic_fen);
        assert_true(y.catastrophic_fen <= y.premium_fen + y.subsidy_fen && y.pool_fen >= 0);
    }
    struct resident_year y;
    assert_int_equal(resident_year(&p, CATEGORY_STUDENT, 0, &y), FUNDS_E_CATEGORY);
    assert_int_equal(resident_year(&p, CATEGORY_COUNT, 0, &y), FUNDS_E_CATEGORY);
    struct policy e;
    employee_policy(&e);
    assert_int_equal(resident_year(&e, CATEGORY_ADULT, 0, &y), FUNDS_E_POLICY);
}

/* ---- §4 benefit start and retirement ----------------------------------- */

static void test_benefit_start_employee_grace(void **state) {
    (void)state;
    struct policy p;
    employee_policy(&p);
    struct benefit_start_employee s;
    month_index m = month_of(2020, 1);
    assert_int_equal(benefit_start_employee(&p, m, NULL, 0, &s), FUNDS_OK);
    assert_false(s.has_gap);
    assert_true(s.benefit_start == datetime_from_civil(2020, 2, 1, 0, 0, 0));
    for (int32_t gap = 0; gap <= 30; gap++) {
        struct episode eps[3] = {
            closed_episode(310, "440900", month_of(2001, 1), m - 1 - gap),
            closed_episode(310, "220100", month_of(2001, 1), m - 1), /* another region */
            closed_episode(390, "440900", month_of(2001, 1), m - 1), /* another scheme */
        };
        assert_int_equal(benefit_start_employee(&p, m, eps, 3, &s), FUNDS_OK);
        assert_true(s.has_gap && s.gap_months == gap);
        month_index start = m + 1 + (gap > 3 ? 6 : 0);
        assert_true(s.benefit_start ==
                    datetime_from_civil(month_year(start), month_number(start), 1, 0, 0, 0));
    }
}

static datetime_s day(int y, int m, int d) { return datetime_from_civil(y, m, d, 0, 0, 0); }

static void test_benefit_start_resident_boundaries(void **state) {
    (void)state;
    struct policy p;
    resident_policy(&p);
    datetime_s s;
    struct resident_enrolment in = {2020, day(2019, 9, 1), CATEGORY_ADULT, 0, false, 0};
    assert_int_equal(benefit_start_resident(&p, &in, &s), FUNDS_OK);
    assert_true(s == day(2020, 1, 1));
    in.paid = day(2019, 8, 31);
    assert_int_equal(benefit_start_resident(&p, &in, &s), FUNDS_E_WINDOW);
    in.paid = day(2021, 1, 1);
    assert_int_equal(benefit_start_resident(&p, &in, &s), FUNDS_E_WINDOW);
    in.paid = day(2020, 12, 31); /* late but inside the year: the waiting period */
    assert_int_equal(benefit_start_resident(&p, &in, &s), FUNDS_OK);
    assert_true(s == day(2021, 3, 31));
    in.paid = day(2020, 5, 10);
    in.has_brdy = true;
    in.brdy = day(2020, 2, 10); /* 90 days before: a newborn */
    assert_int_equal(benefit_start_resident(&p, &in, &s), FUNDS_OK);
    assert_true(s == in.brdy);
    in.brdy = day(2020, 2, 9); /* 91 days: waits */
    assert_int_equal(benefit_start_resident(&p, &in, &s), FUNDS_OK);
    assert_true(s == day(2020, 8, 8));
    in.flags = FLAG_LOW_INCOME; /* assisted: from the payment date */
    assert_int_equal(benefit_start_resident(&p, &in, &s), FUNDS_OK);
    assert_true(s == in.paid);
    in.brdy = day(2019, 12, 20); /* both: the birth date, raised to 1 January */
    in.paid = day(2020, 1, 15);
    assert_int_equal(benefit_start_resident(&p, &in, &s), FUNDS_OK);
    assert_true(s == day(2020, 1, 1));
    in.brdy = day(2020, 1, 16); /* born after paying: not a newborn of this payment */
    assert_int_equal(benefit_start_resident(&p, &in, &s), FUNDS_OK);
    assert_true(s == in.paid);
}

/* benefit_resident (core/benefit.h): the year's premium as stored, own
 * part 0 (assisted in full), unpaid, paid on time, late, late and
 * assisted in part; the flags it is given beyond FLAG_ALL are ignored. */
static void test_benefit_resident(void **state) {
    (void)state;
    struct policy p;
    resident_policy(&p);
    datetime_s s;
    struct benefit_resident_year in = {.year = 2020, .own_fen = 0, .category = CATEGORY_ADULT};
    assert_int_equal(benefit_resident(&p, &in, &s), FUNDS_OK);
    assert_true(s == day(2020, 1, 1)); /* assisted in full: paid by assistance in the run */
    in.own_fen = 28000;
    assert_int_equal(benefit_resident(&p, &in, &s), FUNDS_OK);
    assert_true(s == day(2021, 1, 1)); /* unpaid: no benefit in the year */
    in.paid = true;
    in.paid_date = day(2019, 12, 31);
    in.flags = FLAG_BENEFIT_DERIVED; /* not a premium rule's flag: ignored */
    assert_int_equal(benefit_resident(&p, &in, &s), FUNDS_OK);
    assert_true(s == day(2020, 1, 1));
    in.paid_date = day(2020, 3, 10);
    assert_int_equal(benefit_resident(&p, &in, &s), FUNDS_OK);
    assert_true(s == day(2020, 6, 8)); /* + 90 days */
    in.own_fen = 14000;
    in.flags = FLAG_POVERTY_REGISTERED; /* assisted in part: from the payment date */
    assert_int_equal(benefit_resident(&p, &in, &s), FUNDS_OK);
    assert_true(s == day(2020, 3, 10));
    in.paid_date = day(2019, 8, 31); /* a stored date outside the window: E_WINDOW */
    assert_int_equal(benefit_resident(&p, &in, &s), FUNDS_E_WINDOW);
    struct policy employee;
    employee_policy(&employee);
    in.paid_date = day(2020, 3, 10);
    assert_int_equal(benefit_resident(&employee, &in, &s), FUNDS_E_POLICY);
    assert_int_equal(benefit_resident(NULL, &in, &s), FUNDS_E_POLICY);
}

static void test_retirement_months_counted_once(void **state) {
    (void)state;
    struct policy p;
    employee_policy(&p);
    static struct episode eps[EPISODES_MAX];
    const month_index base = month_of(1980, 1);
    for (int round = 0; round < 2000; round++) {
        bool all[600] = {false}, here[600] = {false};
        int32_t n = (int32_t)rnd_to(12), want_total = 0, want_local = 0;
        for (int32_t i = 0; i < n; i++) {
            month_index from = base + (month_index)rnd_to(500);
            month_index to = from + (month_index)rnd_to(90);
            static const char *const regions[2] = {"440900", "220100"};
            eps[i] = closed_episode(rnd() % 4 ? 310 : 390, regions[rnd() % 2], from, to);
            for (month_index m = from; m <= to && eps[i].insutype == 310; m++) {
                all[m - base] = true;
                if (strcmp(eps[i].region, "440900") == 0) here[m - base] = true;
            }
        }
        for (int k = 0; k < 600; k++) want_total += all[k], want_local += here[k];
        struct retirement r;
        assert_int_equal(retirement_check(&p, round % 2 ? "1" : "2", eps, n, &r), FUNDS_OK);
        assert_int_equal(r.total_months, want_total);
        assert_int_equal(r.local_months, want_local);
        int32_t need = round % 2 ? 300 : 240;
        int32_t s1 = need - want_total, s2 = 120 - want_local;
        int32_t want_short = s1 > s2 ? s1 : s2;
        if (want_short < 0) want_short = 0;
        assert_int_equal(r.short_months, want_short);
        assert_true(r.lump_sum_fen == want_short * ref_mul(600000, 800));
        assert_true(r.contribution_short == (want_short > 0));
    }
    struct retirement r;
    assert_int_equal(retirement_check(&p, "9", eps, 0, &r), FUNDS_E_CATEGORY);
    assert_int_equal(retirement_check(&p, "", eps, 0, &r), FUNDS_E_CATEGORY);
}

/* ---- §5 bindings and premiums from an account --------------------------- */

static void test_bindings(void **state) {
    (void)state;
    struct policy holder, member;
    employee_policy(&holder);
    resident_policy(&member);
    assert_int_equal(bind_check(&holder, "P2", "P1", RELATION_SPOUSE), FUNDS_OK);
    assert_int_equal(bind_check(&holder, "P2", "P2", RELATION_CHILD), FUNDS_E_BINDING);
    assert_int_equal(bind_check(&holder, "P2", "P1", RELATION_OTHER), FUNDS_E_BINDING);
    assert_int_equal(bind_check(&member, "P2", "P1", RELATION_PARENT), FUNDS_E_BINDING);
    struct binding b = {"P2", RELATION_PARENT, day(2019, 1, 1) + 3600,
                        true, day(2019, 6, 1), &holder};
    assert_false(binding_valid_at(&b, day(2019, 1, 1))); /* from 01:00 that day */
    assert_true(binding_valid_at(&b, day(2019, 1, 1) + 3600));
    assert_true(binding_valid_at(&b, day(2019, 6, 1) - 1));
    assert_false(binding_valid_at(&b, day(2019, 6, 1))); /* revoked: strictly before */
    struct premium_payment pay;
    datetime_s t = day(2019, 3, 1);
    assert_int_equal(premium_from_account(&member, "P1", CATEGORY_ADULT, 0, &b, 28000, t, &pay),
                     FUNDS_OK);
    assert_true(pay.own_fen == 28000 && pay.acct_balc_fen == 0);
    assert_int_equal(premium_from_account(&member, "P1", CATEGORY_ADULT, 0, &b, 27999, t, &pay),
                     FUNDS_E_ACCOUNT_SHORT);
    assert_int_equal(
        premium_from_account(&member, "P1", CATEGORY_ADULT, FLAG_LOW_INCOME, &b, 0, t, &pay),
        FUNDS_OK); /* fully assisted: nothing to take */
    assert_true(pay.own_fen == 0 && pay.acct_balc_fen == 0);
    /* E_CATEGORY before E_BINDING before E_ACCOUNT_SHORT */
    assert_int_equal(
        premium_from_account(&member, "P1", CATEGORY_STUDENT, 0, &b, 0, day(2020, 1, 1), &pay),
        FUNDS_E_CATEGORY);
    assert_int_equal(
        premium_from_account(&member, "P1", CATEGORY_ADULT, 0, &b, 0, day(2020, 1, 1), &pay),
        FUNDS_E_BINDING);
    holder.account_family_sharing = false;
    assert_int_equal(premium_from_account(&member, "P1", CATEGORY_ADULT, 0, &b, 99999, t, &pay),
                     FUNDS_E_BINDING);
}

/* ---- §1 the funding section of a policy --------------------------------- */

static const char settlement_part[] =
    "\"format\":\"yibao-policy/1\",\"region\":\"440900\",\"year\":2020,\"class_b_prepay\":0.1,"
    "\"basic\":{\"annual_cap\":200000,"
    "\"inpatient\":{\"deductible\":{\"township\":100,\"level1\":300,\"level2\":500,\"level3\":1000},"
    "\"repeat_admission_deductible\":0.5,"
    "\"ratio\":{\"township\":0.9,\"level1\":0.85,\"level2\":0.75,\"level3\":0.65}},"
    "\"outpatient_special\":{\"annual_deductible\":0,\"ratio\":null,\"diseases\":{}},"
    "\"outpatient_general\":{\"annual_deductible\":0,\"ratio\":0.5,\"annual_cap\":200,"
    "\"levels\":[\"township\"]},\"out_of_area_unfiled_ratio_cut\":0.1}";

static const char employee_funding[] =
    "{\"avg_wage_monthly\":6000.00,\"base_floor\":0.60,\"base_ceiling\":3.00,"
    "\"employer_rate\":0.06,\"employee_rate\":0.02,\"account_rate\":0.02,"
    "\"retiree_account_monthly\":84.00,\"grace_months\":3,\"waiting_months\":6,"
    "\"min_months_total\":{\"1\":300,\"2\":240},\"min_months_local\":120,\"lump_rate\":0.08%s}";

static const char resident_funding[] =
    "{\"premium\":{\"adult\":280.00,\"minor\":180.00},\"subsidy\":550.00,"
    "\"window\":{\"from\":\"%s\",\"to\":\"%s\"},\"waiting_days\":90,\"newborn_days\":%s}";

static int load(const char *insutype, const char *extra, const char *funding, struct policy *p,
                char *err) {
    static char text[4096];
    struct json_limits limits = {1u << 20, JSON_DEPTH_MAX, 1u << 16};
    struct json_doc *doc = json_doc_new(&limits);
    struct json_error jerr;
    snprintf(text, sizeof text, "{%s,\"insutype\":\"%s\"%s%s%s}", settlement_part, insutype, extra,
             funding ? ",\"funding\":" : "", funding ? funding : "");
    const struct json_value *root = json_parse(doc, text, strlen(text), &jerr);
    if (root == NULL)
        print_error("bad test JSON at %zu: %s\n%s\n", jerr.offset, jerr.message, text);
    assert_non_null(root);
    int rc = policy_from_json(root, p, err, CODEC_ERR_BYTES);
    json_doc_free(doc);
    return rc;
}

static void test_funding_section(void **state) {
    (void)state;
    static struct policy p;
    char err[CODEC_ERR_BYTES], f[1024];
    assert_int_equal(load("310", "", NULL, &p, err), 0); /* no funding: still a policy */
    assert_false(p.has_funding);
    snprintf(f, sizeof f, employee_funding, "");
    assert_int_equal(load("310", "", f, &p, err), 0);
    assert_true(p.has_funding && p.funding.employee.employer_rate_reduced_bp == 600);
    assert_true(p.funding.employee.over_cap_premium_monthly_fen == 0 &&
                !p.funding.employee.has_flexible);
    assert_true(p.funding.employee.base_ceiling_bp == 30000);
    snprintf(f, sizeof f, employee_funding,
             ",\"flexible\":{\"bases\":[0.6,1],\"rate\":0.08,"
             "\"account_rate\":0}");
    assert_int_equal(load("310", "", f, &p, err), 0);
    assert_true(p.funding.employee.flexible.base_count == 2);
    static const char *const broken[] = {
        ",\"employer_rate_reduced\":1.5",
        ",\"over_cap_premium_monthly\":-1",
        ",\"flexible\":{\"bases\":[1.5],\"rate\":0.08,\"account_rate\":0}",
        ",\"flexible\":{\"bases\":[0.6],\"rate\":0.08}",
        ",\"flexible\":{\"bases\":[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9],\"rate\":0.08,"
        "\"account_rate\":0}",
        ",\"flexible\":[]",
    };
    for (size_t i = 0; i < sizeof broken / sizeof *broken; i++) {
        snprintf(f, sizeof f, employee_funding, broken[i]);
        assert_int_equal(load("310", "", f, &p, err), -1);
        assert_non_null(strstr(err, "funding"));
    }
    /* counts: integers >= 0; gend keys map to counts */
    char g[1024];
    snprintf(f, sizeof f, employee_funding, "");
    const char *const counts[][2] = {{"\"grace_months\":3", "\"grace_months\":-1"},
                                     {"\"waiting_months\":6", "\"waiting_months\":6.5"},
                                     {"\"1\":300", "\"1\":1.5"},
                                     {"\"min_months_local\":120", "\"min_months_local\":1201"}};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
        const char *at = strstr(f, counts[i][0]);
        assert_non_null(at);
        snprintf(g, sizeof g, "%.*s%s%s", (int)(at - f), f, counts[i][1],
                 at + strlen(counts[i][0]));
        assert_int_equal(load("310", "", g, &p, err), -1);
    }
    assert_int_equal(load("310", "", "{\"avg_wage_monthly\":6000}", &p, err), -1);
    assert_non_null(strstr(err, "funding.base_floor: missing"));
    assert_int_equal(load("310", "", "{\"avg_wage_monthly\":6000.001}", &p, err), -1);
    assert_int_equal(load("310", "", "[]", &p, err), -1);
    /* a ceiling below the floor, and one above 10 */
    assert_int_equal(load("310", "",
                          "{\"avg_wage_monthly\":1,\"base_floor\":0.6,\"base_ceiling\":0.5}", &p,
                          err),
                     -1);
    assert_non_null(strstr(err, "base_ceiling"));
    assert_int_equal(load("310", "",
                          "{\"avg_wage_monthly\":1,\"base_floor\":0.6,\"base_ceiling\":10.0001}",
                          &p, err),
                     -1);
    snprintf(f, sizeof f, resident_funding, "09-01", "12-31", "90");
    assert_int_equal(load("390", "", f, &p, err), 0);
    assert_true(p.funding.resident.premium_fen[CATEGORY_ADULT] == 28000);
    assert_false(p.funding.resident.has_premium[CATEGORY_STUDENT]);
    assert_true(p.funding.resident.catastrophic_share_fen == 0);
    const char *const windows[][3] = {{"02-29", "12-31", "90"}, {"12-01", "09-01", "90"},
                                      {"9-01", "12-31", "90"},  {"09-01", "12-32", "90"},
                                      {"09-01", "12-31", "-1"}, {"09-01", "12-31", "1.5"}};
    for (size_t i = 0; i < sizeof windows / sizeof *windows; i++) {
        snprintf(f, sizeof f, resident_funding, windows[i][0], windows[i][1], windows[i][2]);
        assert_int_equal(load("390", "", f, &p, err), -1);
    }
    assert_int_equal(load("310", ",\"personal_account\":{\"covers\":\"all\",\"family_sharing\":1}",
                          NULL, &p, err),
                     -1);
    assert_int_equal(load("310",
                          ",\"personal_account\":{\"covers\":\"all\",\"family_sharing\":true}",
                          NULL, &p, err),
                     0);
    assert_true(p.account_family_sharing);
}

/* core/benefit.h: the episode that gives the start, a retiree's months,
 * and the lump sum lifting contribution_short. */
static void test_benefit_derived(void **state) {
    (void)state;
    struct policy p;
    employee_policy(&p);
    /* a job in another region later than the local ones does not count */
    struct episode eps[4] = {
        closed_episode(310, "440900", month_of(2015, 1), month_of(2019, 6)),
        open_episode(310, "440900", month_of(2020, 3)),
        open_episode(310, "220100", month_of(2021, 1)),
        open_episode(390, "440900", month_of(2022, 1)),
    };
    bool retired[4] = {false, false, false, false};
    int32_t start = -2, retirement = -2;
    assert_true(benefit_episodes(eps, retired, 4, "440900", &start, &retirement));
    assert_int_equal(start, 1);
    assert_int_equal(retirement, -1);
    assert_false(benefit_episodes(eps, retired, 4, "110100", &start, &retirement));
    struct benefit_derived d;
    assert_int_equal(benefit_derive(&p, eps, retired, 3, 1, -1, "1", false, &d), FUNDS_OK);
    assert_true(d.start.has_gap && d.start.gap_months == 8);
    assert_true(d.start.benefit_start == datetime_from_civil(2020, 10, 1, 0, 0, 0));
    assert_false(d.retired || d.contribution_short);
    /* a retiree: 240 months in service, 60 short of a man's 300 */
    struct episode r[2] = {
        closed_episode(310, "440900", month_of(1995, 1), month_of(2014, 12)),
        open_episode(310, "440900", month_of(2015, 1)),
    };
    bool rr[2] = {false, true};
    assert_true(benefit_episodes(r, rr, 2, "440900", &start, &retirement));
    assert_int_equal(start, 0);
    assert_int_equal(retirement, 1);
    assert_int_equal(benefit_derive(&p, r, rr, 2, start, retirement, "1", false, &d), FUNDS_OK);
    assert_true(d.retired && d.contribution_short);
    assert_int_equal(d.retirement.short_months, 60);
    assert_int_equal(d.retirement.lump_sum_fen, 60 * 48000);
    assert_true(d.start.benefit_start == datetime_from_civil(1995, 2, 1, 0, 0, 0));
    assert_int_equal(benefit_derive(&p, r, rr, 2, start, retirement, "1", true, &d), FUNDS_OK);
    assert_false(d.contribution_short);
    assert_int_equal(benefit_derive(&p, r, rr, 2, start, retirement, "2", false, &d), FUNDS_OK);
    assert_false(d.contribution_short); /* a woman needs 240 */
    assert_int_equal(benefit_derive(&p, r, rr, 2, start, retirement, "9", false, &d),
                     FUNDS_E_CATEGORY);
    /* a retiree transferred out: a retired episode open in another region
     * is not contributed, so it neither counts nor refuses (E_BAD_DATES) */
    struct episode t[3] = {
        closed_episode(310, "440900", month_of(1985, 12), month_of(2015, 9)),
        closed_episode(310, "440900", month_of(2015, 10), month_of(2020, 12)),
        open_episode(310, "440100", month_of(2021, 1)),
    };
    bool tr[3] = {false, true, true};
    assert_true(benefit_episodes(t, tr, 3, "440900", &start, &retirement));
    assert_int_equal(retirement, 1);
    assert_int_equal(benefit_derive(&p, t, tr, 3, start, retirement, "2", false, &d), FUNDS_OK);
    assert_int_equal(d.retirement.total_months, 358);
    assert_false(d.contribution_short);
}

/* A lump-sum record's body (contrib_rec.c): months last, pool = base x months. */
static void test_lump_sum_body(void **state) {
    (void)state;
    struct store_contrib c;
    memset(&c, 0, sizeof c);
    c.insutype = 310;
    c.year = 2020;
    c.month = 1;
    strcpy(c.region, "440900");
    strcpy(c.category, CONTRIB_LUMP_SUM);
    c.flags = FLAG_CONTRIBUTION_SHORT;
    c.base_fen = 48000;
    c.lump_months = 60;
    c.employee_fen = c.pool_fen = 2880000;
    char body[JOURNAL_BODY_BYTES_MAX + 1];
    assert_int_equal(contrib_encode(&c, body, sizeof body), 0);
    assert_non_null(strstr(body, " pool=2880000 over_cap=0 months=60"));
    struct store_contrib back;
    const char *bad = NULL;
    assert_int_equal(contrib_decode(body, &back, &bad), 0);
    assert_memory_equal(&c, &back, sizeof c);
    c.pool_fen = c.employee_fen = 2880001; /* not base x months */
    assert_non_null(contrib_identity_error(&c));
    c.pool_fen = c.employee_fen = 2880000;
    c.account_fen = 1; /* a lump sum goes to the pool alone */
    assert_non_null(contrib_identity_error(&c));
    char *months = strstr(body, " months=");
    *months = '\0'; /* a lump sum without its months */
    assert_int_not_equal(contrib_decode(body, &back, &bad), 0);
    assert_string_equal(bad, "months");
}

/* A resident's premium paid (`yibao pay-premium`): the body keeps the
 * date and the payer last, round-trips, holds own + assisted = premium
 * with its pool figures 0, and posts the payer -> R:psn own. */
static void test_premium_paid_body(void **state) {
    (void)state;
    struct store_contrib c;
    memset(&c, 0, sizeof c);
    c.insutype = 390;
    c.year = 2020;
    strcpy(c.region, "440900");
    strcpy(c.category, CONTRIB_PREMIUM_PAID);
    c.flags = 2;
    c.premium_fen = 28000;
    c.assisted_fen = 14000;
    c.own_fen = 14000;
    strcpy(c.paid_date, "2019-10-15");
    char body[JOURNAL_BODY_BYTES_MAX + 1];
    assert_int_equal(contrib_encode(&c, body, sizeof body), 0);
    assert_non_null(strstr(body, " pool=0 paid=2019-10-15 from=-"));
    struct store_contrib back;
    const char *bad = NULL;
    assert_int_equal(contrib_decode(body, &back, &bad), 0);
    assert_memory_equal(&c, &back, sizeof c);
    struct journal_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.seq = 7;
    rec.kind = JOURNAL_CONTRIB;
    strcpy(rec.psn_no, "P1");
    struct posting p[CONTRIB_POSTINGS_MAX];
    assert_int_equal(contrib_postings(&rec, &c, p), 1);
    assert_string_equal(p[0].credit, "C:440900:2020");
    assert_string_equal(p[0].debit, "R:psn:P1");
    assert_int_equal(p[0].amount_fen, 14000);
    strcpy(c.payer_psn_no, "H1"); /* from the holder's account */
    assert_int_equal(contrib_encode(&c, body, sizeof body), 0);
    assert_non_null(strstr(body, " from=H1"));
    assert_int_equal(contrib_decode(body, &back, &bad), 0);
    assert_string_equal(back.payer_psn_no, "H1");
    assert_int_equal(contrib_postings(&rec, &back, p), 1);
    assert_string_equal(p[0].credit, "P:H1");
    c.pool_fen = 1; /* a payment moves nothing into a pool */
    assert_non_null(contrib_identity_error(&c));
    c.pool_fen = 0, c.own_fen = 0, c.assisted_fen = 28000; /* nothing paid */
    assert_non_null(contrib_identity_error(&c));
    char *paid = strstr(body, " paid=");
    memcpy(paid, " paid=2019-13-15", 16); /* not a date */
    assert_int_not_equal(contrib_decode(body, &back, &bad), 0);
    assert_string_equal(bad, "paid");
    *paid = '\0'; /* without its date and payer */
    assert_int_not_equal(contrib_decode(body, &back, &bad), 0);
    assert_string_equal(bad, "paid");
}

/* A collection (app/collect.c): its body round-trips for each payer,
 * posts C:emp|psn|fin -> the receivable, and is held to 0 < amount <=
 * owed with its contribution figures 0. */
static void test_collected_body(void **state) {
    (void)state;
    static const struct {
        int32_t insutype, month;
        const char *emp, *text, *credit, *debit;
    } cases[] = {
        {310, 1, "E1", "category=collected emp=E1 amount=500 owed=900 paid=2020-02-15",
         "C:emp:440900:2020", "R:emp:E1"},
        {310, 1, "", "category=collected emp=- amount=500 owed=900 paid=2020-02-15",
         "C:psn:440900:2020", "R:psn:P1"},
        {390, 0, "", "scheme=390 period=2020 region=440900 category=collected amount=500 owed=900",
         "C:fin:440900:2020", "R:fin:440900:2020"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct store_contrib c, back;
        memset(&c, 0, sizeof c);
        c.insutype = cases[i].insutype, c.year = 2020, c.month = cases[i].month;
        strcpy(c.region, "440900");
        strcpy(c.category, CONTRIB_COLLECTED);
        strcpy(c.emp_no, cases[i].emp);
        c.amount_fen = 500, c.owed_fen = 900;
        strcpy(c.paid_date, "2020-02-15");
        char body[JOURNAL_BODY_BYTES_MAX + 1];
        const char *bad = NULL;
        assert_int_equal(contrib_encode(&c, body, sizeof body), 0);
        assert_non_null(strstr(body, cases[i].text));
        assert_int_equal(contrib_decode(body, &back, &bad), 0);
        assert_memory_equal(&c, &back, sizeof c);
        struct journal_rec rec;
        memset(&rec, 0, sizeof rec);
        rec.seq = 9, rec.kind = JOURNAL_CONTRIB;
        strcpy(rec.psn_no, "P1");
        struct posting p[CONTRIB_POSTINGS_MAX];
        assert_int_equal(contrib_postings(&rec, &c, p), 1);
        assert_string_equal(p[0].credit, cases[i].credit);
        assert_string_equal(p[0].debit, cases[i].debit);
        assert_int_equal(p[0].amount_fen, 500);
        c.amount_fen = 901; /* beyond what was owed */
        assert_non_null(contrib_identity_error(&c));
        c.amount_fen = 0;
        assert_non_null(contrib_identity_error(&c));
        c.amount_fen = 500, c.pool_fen = 500; /* a collection moves nothing into a pool */
        assert_non_null(contrib_identity_error(&c));
        char *owed = strstr(body, " owed=");
        memcpy(owed, " owed=-01", 9); /* not an integer as encoded */
        assert_int_not_equal(contrib_decode(body, &back, &bad), 0);
        assert_string_equal(bad, "owed");
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_service_identity_random),
        cmocka_unit_test(test_flexible_identity_random),
        cmocka_unit_test(test_half_up_rounding),
        cmocka_unit_test(test_retiree_and_check_order),
        cmocka_unit_test(test_resident_identity_random),
        cmocka_unit_test(test_benefit_start_employee_grace),
        cmocka_unit_test(test_benefit_start_resident_boundaries),
        cmocka_unit_test(test_benefit_resident),
        cmocka_unit_test(test_retirement_months_counted_once),
        cmocka_unit_test(test_bindings),
        cmocka_unit_test(test_funding_section),
        cmocka_unit_test(test_benefit_derived),
        cmocka_unit_test(test_lump_sum_body),
        cmocka_unit_test(test_premium_paid_body),
        cmocka_unit_test(test_collected_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
