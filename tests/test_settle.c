/* test_settle.c: cmocka tests of the settle engine (src/core/settle.c).
 *
 * Unit tests on hand-built structs: every validation code and the order in
 * which they fire, the bill-total limit, BILL_LINES_MAX lines (duplicates at
 * positions 0 and 4095 found through the hash table, 16 vs 17 lines), the
 * figures, line_results and explanation of a known bill (vector 000).
 *
 * Property tests over random bills (seeded PRNG, >= 20,000 per property),
 * with random policies drawn from the shipped ones (policies/ found through
 * YIBAO_ROOT or the current directory), random persons, categories, flags,
 * states, med types, institutions and lines (catalog and unknown codes,
 * prices above caps, decimal counts):
 *   1. both identities of the spec hold and no amount is negative;
 *   2. settle-then-revoke returns the year state exactly, also after many
 *      interleaved settlements revoked in random order;
 *   3. a bill split in two settlements, and long random sequences, never
 *      take any fund above its annual cap;
 *   4. settle is deterministic and does not modify its inputs;
 *   5. a refused bill returns the expected code and a zero delta;
 *   6. family sharing (Step 7b, FUNDS.md §5): random bindings, validities,
 *      sharing policies and balances; each holder's part against a
 *      reference written from the text, their sum acct_mulaid_pay, no
 *      holder below 0, the rest of the settlement as without holders;
 *   9. the per-line split (line_results) and the refusal do not depend on
 *      the year state, the account balance or the holders: 2204's answer
 *      is computed without reading them (app_store_lines_reader).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codec/codec.h"
#include "core/limits.h"
#include "core/money.h"
#include "core/settle.h"

#define POLICIES_MAX 16
#define RANDOM_LINES_MAX 24

/* ---- the world -------------------------------------------------------- */

static struct policy policies[POLICIES_MAX];
static int policy_count;
static struct catalog catalog;
static bool world_loaded;
static const struct institution institutions[5] = {
    {"H0", INSTITUTION_HOSPITAL, LEVEL_TOWNSHIP}, {"H1", INSTITUTION_HOSPITAL, LEVEL_1},
    {"H2", INSTITUTION_HOSPITAL, LEVEL_2},        {"H3", INSTITUTION_HOSPITAL, LEVEL_3},
    {"P1", INSTITUTION_PHARMACY, LEVEL_NONE},
};
static const char *const catalog_codes[] = {"XA01", "XA02", "XA03", "XB01", "XB02",
                                            "XB03", "XC01", "SA01", "SA02", "SA03",
                                            "SB01", "SB02", "MB01", "MC01", "XA09"};
#define CATALOG_CODES (int)(sizeof catalog_codes / sizeof catalog_codes[0])

static const char *const policy_files[] = {
    "maoming-2020-resident.json",  "maoming-2020-employee.json", "jinchang-2015-resident.json",
    "jincheng-2015-employee.json", "jincheng-2015-ncms.json",    "synthetic-2022-employee.json",
};

static int find_root(char *out, size_t size) {
    const char *root = getenv("YIBAO_ROOT");
    const char *candidates[3] = {root, ".", ".."};
    for (int i = 0; i < 3; i++) {
        struct stat st;
        char probe[4096];
        if (candidates[i] == NULL || candidates[i][0] == '\0') continue;
        snprintf(probe, sizeof probe, "%s/policies/catalog-conformance.json", candidates[i]);
        if (stat(probe, &st) == 0) {
            snprintf(out, size, "%s", candidates[i]);
            return 0;
        }
    }
    return -1;
}

static int group_setup(void **state) {
    (void)state;
    char root[2048], path[4096], err[CODEC_ERR_BYTES];
    catalog_init(&catalog);
    if (find_root(root, sizeof root) != 0) {
        fprintf(stderr, "test_settle: no policies/ folder (set YIBAO_ROOT); world tests skip\n");
        return 0;
    }
    snprintf(path, sizeof path, "%s/policies/catalog-conformance.json", root);
    if (catalog_load_file(path, &catalog, err, sizeof err) != 0) {
        fprintf(stderr, "test_settle: %s\n", err);
        return -1;
    }
    for (size_t i = 0; i < sizeof policy_files / sizeof policy_files[0]; i++) {
        snprintf(path, sizeof path, "%s/policies/%s", root, policy_files[i]);
        if (policy_load_file(path, &policies[policy_count], err, sizeof err) != 0) {
            fprintf(stderr, "test_settle: %s\n", err);
            return -1;
        }
        policy_count++;
    }
    world_loaded = true;
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    catalog_free(&catalog);
    return 0;
}

static void need_world(void) {
    if (!world_loaded) skip();
}

/* ---- PRNG ------------------------------------------------------------- */

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static void rng_seed(uint64_t seed) { rng = seed * 0x9E3779B97F4A7C15ULL + 1; }
static uint64_t rng_next(void) {
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ULL;
}
static int64_t rnd(int64_t lo, int64_t hi) {
    return lo + (int64_t)(rng_next() % (uint64_t)(hi - lo + 1));
}
static bool chance(int percent) { return rnd(0, 99) < percent; }

/* ---- hand-built inputs ------------------------------------------------ */

static const struct policy *policy_named(const char *id) {
    for (int i = 0; i < policy_count; i++)
        if (strcmp(policies[i].id, id) == 0) return &policies[i];
    fail_msg("no policy %s", id);
    return NULL;
}

static void set_line(struct bill_line *l, const char *sn, const char *code, int64_t cnt_scaled,
                     int64_t pric_scaled, int64_t amount_fen) {
    memset(l, 0, sizeof *l);
    snprintf(l->feedetl_sn, sizeof l->feedetl_sn, "%s", sn);
    l->has_feedetl_sn = true;
    snprintf(l->med_list_codg, sizeof l->med_list_codg, "%s", code);
    l->cnt_scaled = cnt_scaled;
    l->pric_scaled = pric_scaled;
    l->amount_fen = amount_fen;
    l->numbers_ok = true;
}

/* Vector 000: resident, inpatient at level 3, A/B/C lines and a price cap. */
static struct bill_line v0_lines[6];
static void vector000(struct bill *bill, struct person *person, struct year_state *st,
                      const struct policy *p) {
    memset(bill, 0, sizeof *bill);
    snprintf(bill->fixmedins_code, sizeof bill->fixmedins_code, "H3");
    bill->med_type = MED_TYPE_INPATIENT;
    bill->dates_ok = true;
    bill->begntime = datetime_from_civil(2020, 3, 2, 0, 0, 0);
    bill->endtime = datetime_from_civil(2020, 3, 11, 0, 0, 0);
    snprintf(bill->dise_codg, sizeof bill->dise_codg, "K35.8");
    set_line(&v0_lines[0], "1", "SA01", 8 * CNT_SCALE, 35 * PRICE_SCALE, 28000);
    set_line(&v0_lines[1], "2", "XA01", 30 * CNT_SCALE, 1200000, 3600);
    set_line(&v0_lines[2], "3", "XB01", 20 * CNT_SCALE, 4500000, 9000);
    set_line(&v0_lines[3], "4", "SB01", 1 * CNT_SCALE, 280 * PRICE_SCALE, 28000);
    set_line(&v0_lines[4], "5", "XC01", 2 * CNT_SCALE, 150 * PRICE_SCALE, 30000);
    set_line(&v0_lines[5], "6", "SA02", 1 * CNT_SCALE, 2600 * PRICE_SCALE, 260000);
    bill->line_count = 6;
    bill->lines = v0_lines;
    memset(person, 0, sizeof *person);
    snprintf(person->psn_no, sizeof person->psn_no, "P0001");
    person->insutype = INSUTYPE_RESIDENT;
    person->category = CATEGORY_ADULT;
    person->benefit_start = datetime_from_civil(2000, 1, 1, 0, 0, 0);
    year_state_init(st, p->year, 0);
}

static enum settle_code run(const struct policy *p, const struct institution *inst,
                            const struct person *person, const struct year_state *st,
                            const struct bill *bill, struct settle_result *r,
                            struct line_result *lr, struct explain *ex) {
    struct settle_input in = {p, &catalog, inst, person, st, bill, NULL, 0};
    return settle(&in, r, lr, ex);
}

static bool delta_is_zero(const struct settle_result *r, int32_t year) {
    struct year_state zero;
    year_state_init(&zero, year, 0);
    static const struct setlinfo no_setl;
    return year_state_equal(&r->delta, &zero) && memcmp(&r->setl, &no_setl, sizeof no_setl) == 0;
}

/* ---- unit tests: a known bill ----------------------------------------- */

static void test_vector000_figures(void **state) {
    (void)state;
    need_world();
    const struct policy *p = policy_named("maoming-2020-resident");
    struct bill bill;
    struct person person;
    struct year_state st;
    vector000(&bill, &person, &st, p);
    static struct settle_result r;
    static struct explain ex;
    struct line_result lr[6];
    explain_init(&ex);
    assert_int_equal(run(p, &institutions[3], &person, &st, &bill, &r, lr, &ex), SETTLE_OK);
    assert_int_equal(r.code, SETTLE_OK);
    assert_int_equal(r.error_line, -1);
    assert_null(r.error_field);
    const struct setlinfo *s = &r.setl;
    assert_true(s->medfee_sumamt == 358600);
    assert_true(s->fulamt_ownpay_amt == 30000);
    assert_true(s->overlmt_selfpay == 4000);
    assert_true(s->preselfpay_amt == 3700);
    assert_true(s->inscp_scp_amt == 320900);
    assert_true(s->act_pay_dedc == 100000);
    assert_true(s->hifp_pay == 143585);
    assert_true(s->hifob_pay == 0 && s->hifmi_pay == 0 && s->maf_pay == 0);
    assert_true(s->fund_pay_sumamt == 143585);
    assert_true(s->psn_part_amt == 215015);
    assert_true(s->acct_pay == 0);
    assert_true(s->psn_cash_pay == 215015);
    assert_true(s->balc == 0);
    assert_int_equal(r.pool_ratio_bp, 6500);
    assert_true(r.rooms.hifp_room_fen == 20000000);
    assert_true(r.rooms.hifmi_room_fen == 30000000);
    assert_true(r.delta.basic_paid_fen == 143585);
    assert_true(r.delta.cat_burden_fen == 177315);
    assert_int_equal(r.delta.admissions, 1);
    assert_int_equal(r.delta.year, 2020);

    /* line_results */
    assert_int_equal(lr[0].item_class, CLASS_A);
    assert_true(lr[0].overlmt_fen == 4000 && lr[0].inscp_fen == 24000);
    assert_true(lr[0].cap_price_scaled == 30 * PRICE_SCALE);
    assert_int_equal(lr[0].selfpay_prop_bp, 0);
    assert_true(lr[1].inscp_fen == 3600 && lr[1].cap_price_scaled == -1);
    assert_int_equal(lr[2].item_class, CLASS_B);
    assert_int_equal(lr[2].selfpay_prop_bp, 1000);
    assert_true(lr[2].preselfpay_fen == 900 && lr[2].inscp_fen == 8100);
    assert_true(lr[3].preselfpay_fen == 2800 && lr[3].inscp_fen == 25200);
    assert_int_equal(lr[4].item_class, CLASS_C);
    assert_int_equal(lr[4].selfpay_prop_bp, 10000);
    assert_true(lr[4].fulamt_ownpay_fen == 30000 && lr[4].inscp_fen == 0);
    assert_true(lr[5].inscp_fen == 260000 && lr[5].overlmt_fen == 0);

    /* The explanation, in words and figures. */
    assert_false(ex.truncated);
    assert_int_equal(ex.len, strlen(ex.text));
    static const char *const want[] = {
        ("lines: total 3586.00 = self-pay (class C) 300.00 + over price cap 40.00 + "
         "class B pre-self-pay 37.00 + in scope 3209.00\n"),
        "deductible: level3 1000.00\n",
        "deductible paid: 1000.00; eligible = in scope 3209.00 - 1000.00 = 2209.00\n",
        "ratio: level3 0.65\n",
        "basic: 0.65 x 2209.00 = 1435.85, capped at 200000.00 left = 1435.85; above the cap 0.00\n",
        "threshold 15000.00: [0.00, 0.00) above it pays 0.00, capped at ",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (strstr(ex.text, want[i]) == NULL)
            print_error("explain lacks: %s\n%s", want[i], ex.text);
        assert_non_null(strstr(ex.text, want[i]));
    }
    /* Without explain or line_results the figures are the same. */
    static struct settle_result r2;
    assert_int_equal(run(p, &institutions[3], &person, &st, &bill, &r2, NULL, NULL), SETTLE_OK);
    assert_memory_equal(&r.setl, &r2.setl, sizeof r.setl);
    assert_true(year_state_equal(&r.delta, &r2.delta));
}

/* The catastrophic explain line formats 8 amounts through a ring of 6
 * buffers, so "capped at ... left = ..." shows other figures. */
static void test_explain_catastrophic_regression(void **state) {
    (void)state;
    need_world();
    const struct policy *p = policy_named("maoming-2020-resident");
    struct bill bill;
    struct person person;
    struct year_state st;
    vector000(&bill, &person, &st, p);
    static struct settle_result r;
    static struct explain ex;
    explain_init(&ex);
    assert_int_equal(run(p, &institutions[3], &person, &st, &bill, &r, NULL, &ex), SETTLE_OK);
    const char *want = "catastrophic: burden 1773.15 on top of 0.00, threshold 15000.00: "
                       "[0.00, 0.00) above it pays 0.00, capped at 300000.00 left = 0.00\n";
    if (strstr(ex.text, want) == NULL) print_error("explain:\n%s", ex.text);
    assert_non_null(strstr(ex.text, want));
}

static void test_explain_steps(void **state) {
    (void)state;
    need_world();
    const struct policy *p = policy_named("maoming-2020-resident");
    struct bill bill;
    struct person person;
    struct year_state st;
    static struct settle_result r;
    static struct explain ex;
    vector000(&bill, &person, &st, p);

    /* Second admission: the deductible is halved. */
    st.admissions = 1;
    explain_init(&ex);
    assert_int_equal(run(p, &institutions[3], &person, &st, &bill, &r, NULL, &ex), SETTLE_OK);
    assert_non_null(strstr(ex.text, "deductible: 1000.00 x repeat-admission 0.5 = 500.00\n"));
    assert_true(r.setl.act_pay_dedc == 50000);

    /* A later part of a stay settled in parts (mid-stay): counted by its
     * first part (admissions 1 is this stay), so no repeat factor; it pays
     * what its earlier parts left of the deductible and counts nothing. */
    bill.admission_continued = true;
    bill.admission_dedc_paid_fen = 60000;
    explain_init(&ex);
    assert_int_equal(run(p, &institutions[3], &person, &st, &bill, &r, NULL, &ex), SETTLE_OK);
    assert_non_null(strstr(ex.text, "deductible: a later part of a stay settled in parts: 1000.00"
                                    " less 600.00 its earlier parts paid = 400.00"));
    assert_true(r.setl.act_pay_dedc == 40000);
    assert_int_equal(r.delta.admissions, 0);
    /* ... of a repeat admission (admissions 2: one before this stay) */
    st.admissions = 2;
    bill.admission_dedc_paid_fen = 50000; /* more than is left: nothing */
    assert_int_equal(run(p, &institutions[3], &person, &st, &bill, &r, NULL, NULL), SETTLE_OK);
    assert_true(r.setl.act_pay_dedc == 0);
    bill.admission_dedc_paid_fen = 20000;
    assert_int_equal(run(p, &institutions[3], &person, &st, &bill, &r, NULL, NULL), SETTLE_OK);
    assert_true(r.setl.act_pay_dedc == 30000);
    bill.admission_continued = false;
    bill.admission_dedc_paid_fen = 0;

    /* Waived diagnosis prefix. */
    st.admissions = 0;
    snprintf(bill.dise_codg, sizeof bill.dise_codg, "F20.1");
    explain_init(&ex);
    assert_int_equal(run(p, &institutions[3], &person, &st, &bill, &r, NULL, &ex), SETTLE_OK);
    assert_non_null(strstr(ex.text, "deductible: waived for diagnosis F20.1 (prefix F20)"));
    assert_true(r.setl.act_pay_dedc == 0);

    /* Extreme poverty: deductible factor 0 and +5 points at level 3. */
    snprintf(bill.dise_codg, sizeof bill.dise_codg, "K35.8");
    person.flags = FLAG_EXTREME_POVERTY;
    explain_init(&ex);
    assert_int_equal(run(p, &institutions[3], &person, &st, &bill, &r, NULL, &ex), SETTLE_OK);
    assert_non_null(strstr(ex.text, "deductible: 1000.00 x person rule 0 factor 0.0 = 0.00"));
    assert_non_null(strstr(ex.text, "ratio: person rule 0 gives 0.7"));
    assert_int_equal(r.pool_ratio_bp, 7000);
    assert_non_null(strstr(ex.text, "assistance: rule 0"));
    person.flags = 0;

    /* Waiting period: nothing pooled. */
    person.benefit_start = datetime_from_civil(2020, 6, 1, 0, 0, 0);
    explain_init(&ex);
    assert_int_equal(run(p, &institutions[3], &person, &st, &bill, &r, NULL, &ex), SETTLE_OK);
    assert_non_null(
        strstr(ex.text, "pooled: no (before benefits start (waiting period)): no fund pays"));
    assert_true(r.setl.fund_pay_sumamt == 0 && r.setl.act_pay_dedc == 0);
    assert_int_equal(r.delta.admissions, 0);
    assert_true(r.setl.psn_part_amt == 358600);

    /* Out of area, not filed: ratio cut by 10 points. */
    person.benefit_start = 0;
    bill.out_of_area = true;
    explain_init(&ex);
    assert_int_equal(run(p, &institutions[3], &person, &st, &bill, &r, NULL, &ex), SETTLE_OK);
    assert_non_null(strstr(ex.text, "ratio: out of area and not filed: cut by 1000 bp"));
    assert_int_equal(r.pool_ratio_bp, 5500);
    bill.filed = true;
    assert_int_equal(run(p, &institutions[3], &person, &st, &bill, &r, NULL, NULL), SETTLE_OK);
    assert_int_equal(r.pool_ratio_bp, 6500);

    /* A tiny buffer is marked truncated, never overflowed. */
    explain_init(&ex);
    for (int i = 0; i < EXPLAIN_BYTES_MAX / 10; i++) explain_line(&ex, "%s", "0123456789");
    assert_true(ex.truncated);
    assert_true(ex.len < sizeof ex.text);
    assert_int_equal(strlen(ex.text), ex.len);
    explain_line(NULL, "x");
}

/* ---- unit tests: validation ------------------------------------------- */

static void expect_code(const struct policy *p, const struct institution *inst,
                        const struct person *person, const struct year_state *st,
                        const struct bill *bill, enum settle_code want, const char *field,
                        int line) {
    static struct settle_result r;
    memset(&r, 0xA5, sizeof r);
    enum settle_code got = run(p, inst, person, st, bill, &r, NULL, NULL);
    if (got != want)
        print_error("got %s (%s), want %s\n", settle_code_name(got),
                    r.error_field ? r.error_field : "-", settle_code_name(want));
    assert_int_equal(got, want);
    assert_int_equal(r.code, want);
    if (want == SETTLE_OK) return;
    assert_true(delta_is_zero(&r, st->year));
    if (field != NULL) assert_string_equal(r.error_field, field);
    assert_int_equal(r.error_line, line);
}

static void test_validation_each_code(void **state) {
    (void)state;
    need_world();
    const struct policy *p = policy_named("maoming-2020-resident");
    struct bill bill;
    struct person person;
    struct year_state st;
    vector000(&bill, &person, &st, p);
    const struct institution *h3 = &institutions[3], *p1 = &institutions[4];

    expect_code(p, h3, &person, &st, &bill, SETTLE_OK, NULL, -1);
    expect_code(p, NULL, &person, &st, &bill, E_UNKNOWN_INSTITUTION, "fixmedins_code", -1);
    bill.med_type = MED_TYPE_INVALID;
    expect_code(p, h3, &person, &st, &bill, E_MED_TYPE, "med_type", -1);
    bill.med_type = MED_TYPE_PHARMACY;
    expect_code(p, h3, &person, &st, &bill, E_MED_TYPE, "med_type", -1);
    bill.med_type = MED_TYPE_INPATIENT;
    expect_code(p, p1, &person, &st, &bill, E_MED_TYPE, "med_type", -1);
    bill.med_type = MED_TYPE_GENERAL_OUTPATIENT;
    expect_code(p, p1, &person, &st, &bill, E_MED_TYPE, "med_type", -1);
    bill.med_type = MED_TYPE_PHARMACY;
    expect_code(p, p1, &person, &st, &bill, SETTLE_OK, NULL, -1);
    bill.med_type = MED_TYPE_INPATIENT;

    bill.dates_ok = false;
    expect_code(p, h3, &person, &st, &bill, E_BAD_DATES, "endtime", -1);
    bill.dates_ok = true;
    datetime_s end = bill.endtime;
    bill.begntime = end + 1;
    expect_code(p, h3, &person, &st, &bill, E_BAD_DATES, NULL, -1);
    bill.begntime = end; /* equal is fine */
    expect_code(p, h3, &person, &st, &bill, SETTLE_OK, NULL, -1);
    bill.begntime = datetime_from_civil(2020, 3, 2, 0, 0, 0);

    bill.endtime = datetime_from_civil(2021, 1, 1, 0, 0, 0);
    expect_code(p, h3, &person, &st, &bill, E_POLICY_YEAR, "endtime", -1);
    bill.begntime = datetime_from_civil(2019, 12, 31, 23, 0, 0);
    bill.endtime = datetime_from_civil(2019, 12, 31, 23, 59, 59);
    expect_code(p, h3, &person, &st, &bill, E_POLICY_YEAR, "endtime", -1);
    /* The year is the endtime's: a stay starting in 2019 belongs to 2020. */
    bill.endtime = datetime_from_civil(2020, 1, 1, 0, 0, 0);
    expect_code(p, h3, &person, &st, &bill, SETTLE_OK, NULL, -1);
    bill.begntime = datetime_from_civil(2020, 3, 2, 0, 0, 0);
    bill.endtime = end;

    person.insutype = INSUTYPE_EMPLOYEE;
    expect_code(p, h3, &person, &st, &bill, E_SCHEME, "insutype", -1);
    person.insutype = INSUTYPE_RESIDENT;

    bill.line_count = 0;
    expect_code(p, h3, &person, &st, &bill, E_EMPTY_BILL, "details", -1);
    bill.line_count = 6;

    bill.med_type = MED_TYPE_SPECIAL_OUTPATIENT;
    snprintf(bill.spec_dise_codg, sizeof bill.spec_dise_codg, "M99999");
    expect_code(p, h3, &person, &st, &bill, E_DISEASE, "spec_dise_codg", -1);
    bill.spec_dise_codg[0] = '\0';
    expect_code(p, h3, &person, &st, &bill, E_DISEASE, "spec_dise_codg", -1);
    snprintf(bill.spec_dise_codg, sizeof bill.spec_dise_codg, "M01600");
    expect_code(p, h3, &person, &st, &bill, SETTLE_OK, NULL, -1);
    bill.med_type = MED_TYPE_INPATIENT;

    snprintf(v0_lines[4].feedetl_sn, sizeof v0_lines[4].feedetl_sn, "2");
    expect_code(p, h3, &person, &st, &bill, E_DUP_LINE, "feedetl_sn", 4);
    snprintf(v0_lines[4].feedetl_sn, sizeof v0_lines[4].feedetl_sn, "5");
    v0_lines[2].has_feedetl_sn = false;
    expect_code(p, h3, &person, &st, &bill, E_DUP_LINE, "feedetl_sn", 2);
    v0_lines[2].has_feedetl_sn = true;
    v0_lines[2].feedetl_sn[0] = '\0';
    expect_code(p, h3, &person, &st, &bill, E_DUP_LINE, "feedetl_sn", 2);
    snprintf(v0_lines[2].feedetl_sn, sizeof v0_lines[2].feedetl_sn, "3");

    /* E_BAD_AMOUNT in all its forms. */
    struct bill_line saved = v0_lines[3];
    v0_lines[3].numbers_ok = false;
    v0_lines[3].bad_field = "pric";
    expect_code(p, h3, &person, &st, &bill, E_BAD_AMOUNT, "pric", 3);
    v0_lines[3].bad_field = NULL;
    expect_code(p, h3, &person, &st, &bill, E_BAD_AMOUNT, "det_item_fee_sumamt", 3);
    v0_lines[3] = saved;
    v0_lines[3].cnt_scaled = 0;
    expect_code(p, h3, &person, &st, &bill, E_BAD_AMOUNT, "cnt", 3);
    v0_lines[3].cnt_scaled = -10000;
    expect_code(p, h3, &person, &st, &bill, E_BAD_AMOUNT, "cnt", 3);
    v0_lines[3] = saved;
    v0_lines[3].pric_scaled = -1;
    expect_code(p, h3, &person, &st, &bill, E_BAD_AMOUNT, "pric", 3);
    v0_lines[3] = saved;
    v0_lines[3].amount_fen = -1;
    expect_code(p, h3, &person, &st, &bill, E_BAD_AMOUNT, "det_item_fee_sumamt", 3);
    v0_lines[3].amount_fen = 28000 + 1; /* off by exactly 0.01: accepted */
    expect_code(p, h3, &person, &st, &bill, SETTLE_OK, NULL, -1);
    v0_lines[3].amount_fen = 28000 - 1;
    expect_code(p, h3, &person, &st, &bill, SETTLE_OK, NULL, -1);
    v0_lines[3].amount_fen = 28000 + 2;
    expect_code(p, h3, &person, &st, &bill, E_BAD_AMOUNT, "det_item_fee_sumamt", 3);
    v0_lines[3].amount_fen = 28000;
    v0_lines[3].pric_scaled = 280 * PRICE_SCALE + 10001; /* 1 unit x 280.010001 vs 280.00 */
    expect_code(p, h3, &person, &st, &bill, E_BAD_AMOUNT, "det_item_fee_sumamt", 3);
    v0_lines[3].pric_scaled = 280 * PRICE_SCALE + 10000; /* exactly 0.01 off */
    expect_code(p, h3, &person, &st, &bill, SETTLE_OK, NULL, -1);
    v0_lines[3] = saved;
    /* Free items: price 0 and amount 0 are fine. */
    set_line(&v0_lines[5], "6", "SA02", 1 * CNT_SCALE, 0, 0);
    expect_code(p, h3, &person, &st, &bill, SETTLE_OK, NULL, -1);
}

static void test_validation_order(void **state) {
    (void)state;
    need_world();
    const struct policy *p = policy_named("maoming-2020-resident");
    struct bill bill;
    struct person person;
    struct year_state st;
    vector000(&bill, &person, &st, p);
    const struct institution *h3 = &institutions[3], *p1 = &institutions[4];

    /* Break everything, then repair in table order, checking each code. */
    v0_lines[5].amount_fen = 1;                                           /* E_BAD_AMOUNT */
    snprintf(v0_lines[4].feedetl_sn, sizeof v0_lines[4].feedetl_sn, "1"); /* E_DUP_LINE */
    expect_code(p, h3, &person, &st, &bill, E_DUP_LINE, "feedetl_sn", 4);
    bill.med_type = MED_TYPE_SPECIAL_OUTPATIENT; /* E_DISEASE */
    expect_code(p, h3, &person, &st, &bill, E_DISEASE, NULL, -1);
    person.insutype = INSUTYPE_EMPLOYEE; /* E_SCHEME */
    expect_code(p, h3, &person, &st, &bill, E_SCHEME, NULL, -1);
    bill.endtime = datetime_from_civil(2021, 2, 1, 0, 0, 0); /* E_POLICY_YEAR */
    expect_code(p, h3, &person, &st, &bill, E_POLICY_YEAR, NULL, -1);
    bill.begntime = datetime_from_civil(2021, 3, 1, 0, 0, 0); /* E_BAD_DATES */
    expect_code(p, h3, &person, &st, &bill, E_BAD_DATES, NULL, -1);
    bill.med_type = MED_TYPE_PHARMACY; /* E_MED_TYPE */
    expect_code(p, h3, &person, &st, &bill, E_MED_TYPE, NULL, -1);
    expect_code(p, NULL, &person, &st, &bill, E_UNKNOWN_INSTITUTION, NULL, -1);

    bill.med_type = MED_TYPE_SPECIAL_OUTPATIENT;
    expect_code(p, h3, &person, &st, &bill, E_BAD_DATES, NULL, -1);
    bill.begntime = datetime_from_civil(2020, 3, 1, 0, 0, 0);
    expect_code(p, h3, &person, &st, &bill, E_POLICY_YEAR, NULL, -1);
    bill.endtime = datetime_from_civil(2020, 3, 5, 0, 0, 0);
    expect_code(p, h3, &person, &st, &bill, E_SCHEME, NULL, -1);
    person.insutype = INSUTYPE_RESIDENT;
    bill.line_count = 0;
    expect_code(p, h3, &person, &st, &bill, E_EMPTY_BILL, NULL, -1); /* before E_DISEASE */
    bill.line_count = 6;
    expect_code(p, h3, &person, &st, &bill, E_DISEASE, NULL, -1);
    bill.med_type = MED_TYPE_INPATIENT;
    expect_code(p, h3, &person, &st, &bill, E_DUP_LINE, NULL, 4);
    snprintf(v0_lines[4].feedetl_sn, sizeof v0_lines[4].feedetl_sn, "5");
    expect_code(p, h3, &person, &st, &bill, E_BAD_AMOUNT, NULL, 5);
    v0_lines[5].amount_fen = 260000;
    expect_code(p, h3, &person, &st, &bill, SETTLE_OK, NULL, -1);
    /* Bad amount on an earlier line than a duplicate: still E_DUP_LINE. */
    v0_lines[0].numbers_ok = false;
    snprintf(v0_lines[5].feedetl_sn, sizeof v0_lines[5].feedetl_sn, "1");
    expect_code(p, h3, &person, &st, &bill, E_DUP_LINE, NULL, 5);
    (void)p1;
}

static struct bill_line big_lines[BILL_LINES_MAX];

static void fill_big(int32_t n, int64_t amount_fen) {
    for (int32_t i = 0; i < n; i++) {
        char sn[24];
        snprintf(sn, sizeof sn, "sn-%d", (int)i);
        /* cnt 1, pric = amount exactly. */
        set_line(&big_lines[i], sn, catalog_codes[i % CATALOG_CODES], CNT_SCALE,
                 amount_fen * (PRICE_SCALE / 100), amount_fen);
    }
}

static void test_limits(void **state) {
    (void)state;
    need_world();
    const struct policy *p = policy_named("maoming-2020-resident");
    struct bill bill;
    struct person person;
    struct year_state st;
    vector000(&bill, &person, &st, p);
    const struct institution *h3 = &institutions[3];
    bill.lines = big_lines;

    /* Bill total: 10 lines of AMOUNT_FEN_MAX is the maximum; 11 is refused
     * at the 11th line. */
    fill_big(11, AMOUNT_FEN_MAX);
    bill.line_count = 10;
    expect_code(p, h3, &person, &st, &bill, SETTLE_OK, NULL, -1);
    static struct settle_result r;
    assert_int_equal(run(p, h3, &person, &st, &bill, &r, NULL, NULL), SETTLE_OK);
    assert_true(r.setl.medfee_sumamt == BILL_TOTAL_FEN_MAX);
    assert_true(r.setl.hifp_pay == 20000000); /* the basic annual cap */
    bill.line_count = 11;
    expect_code(p, h3, &person, &st, &bill, E_BAD_AMOUNT, "det_item_fee_sumamt (bill total)", 10);

    /* BILL_LINES_MAX lines, all distinct: fine (and the hash table is used). */
    fill_big(BILL_LINES_MAX, 123);
    bill.line_count = BILL_LINES_MAX;
    static struct line_result lr[BILL_LINES_MAX];
    assert_int_equal(run(p, h3, &person, &st, &bill, &r, lr, NULL), SETTLE_OK);
    assert_true(r.setl.medfee_sumamt == 123LL * BILL_LINES_MAX);
    int64_t sum = 0;
    for (int i = 0; i < BILL_LINES_MAX; i++)
        sum += lr[i].fulamt_ownpay_fen + lr[i].overlmt_fen + lr[i].preselfpay_fen + lr[i].inscp_fen;
    assert_true(sum == r.setl.medfee_sumamt);
    /* Duplicate at positions 0 and 4095. */
    snprintf(big_lines[BILL_LINES_MAX - 1].feedetl_sn, CODE_BYTES_MAX + 1, "sn-0");
    expect_code(p, h3, &person, &st, &bill, E_DUP_LINE, "feedetl_sn", BILL_LINES_MAX - 1);
    /* Duplicate of the last line's sn at position 4094 vs 4095. */
    fill_big(BILL_LINES_MAX, 123);
    snprintf(big_lines[BILL_LINES_MAX - 1].feedetl_sn, CODE_BYTES_MAX + 1, "sn-4094");
    expect_code(p, h3, &person, &st, &bill, E_DUP_LINE, "feedetl_sn", BILL_LINES_MAX - 1);
    /* Missing sn at the very end of a long bill. */
    fill_big(BILL_LINES_MAX, 123);
    big_lines[BILL_LINES_MAX - 1].has_feedetl_sn = false;
    expect_code(p, h3, &person, &st, &bill, E_DUP_LINE, "feedetl_sn", BILL_LINES_MAX - 1);

    /* 16 lines (linear scan) and 17 lines (hash table), duplicate last. */
    for (int32_t n = 15; n <= 18; n++) {
        fill_big(n, 500);
        bill.line_count = n;
        expect_code(p, h3, &person, &st, &bill, SETTLE_OK, NULL, -1);
        snprintf(big_lines[n - 1].feedetl_sn, CODE_BYTES_MAX + 1, "sn-0");
        expect_code(p, h3, &person, &st, &bill, E_DUP_LINE, "feedetl_sn", n - 1);
        fill_big(n, 500);
        snprintf(big_lines[n - 1].feedetl_sn, CODE_BYTES_MAX + 1, "sn-%d", (int)(n - 2));
        expect_code(p, h3, &person, &st, &bill, E_DUP_LINE, "feedetl_sn", n - 1);
    }
    /* Many sns with colliding-looking prefixes: no false duplicates. */
    fill_big(BILL_LINES_MAX, 123);
    for (int32_t i = 0; i < BILL_LINES_MAX; i++)
        snprintf(big_lines[i].feedetl_sn, CODE_BYTES_MAX + 1, "%0*d", 60, (int)i);
    bill.line_count = BILL_LINES_MAX;
    expect_code(p, h3, &person, &st, &bill, SETTLE_OK, NULL, -1);
}

/* ---- random generation ------------------------------------------------ */

struct scenario {
    const struct policy *policy;
    const struct institution *institution;
    struct person person;
    struct year_state state;
    struct bill bill;
    struct bill_line lines[RANDOM_LINES_MAX];
};

/* A random amount in fen with a skew towards small and towards round. */
static int64_t random_price_scaled(void) {
    switch (rnd(0, 5)) {
    case 0: return rnd(0, 100) * (PRICE_SCALE / 100);     /* up to 1 yuan, whole fen */
    case 1: return rnd(1, 5000) * PRICE_SCALE;            /* whole yuan */
    case 2: return rnd(1, 2000000) * (PRICE_SCALE / 100); /* up to 20000 yuan */
    case 3: return rnd(1, 900 * PRICE_SCALE);             /* 6 decimals */
    case 4: return rnd(1, 50000) * (PRICE_SCALE / 10);    /* 1 decimal */
    default: return rnd(1, 200000) * PRICE_SCALE;         /* up to 200000 yuan */
    }
}

static int64_t random_cnt_scaled(void) {
    switch (rnd(0, 3)) {
    case 0: return rnd(1, 10) * CNT_SCALE;
    case 1: return rnd(1, 100000); /* 4 decimals, up to 10 */
    case 2: return rnd(1, 40) * (CNT_SCALE / 2);
    default: return rnd(1, 60) * CNT_SCALE;
    }
}

static void random_line(struct bill_line *l, int index) {
    char sn[24];
    snprintf(sn, sizeof sn, "%d", index + 1);
    const char *code = catalog_codes[rnd(0, CATALOG_CODES - 1)];
    char unknown[24];
    if (chance(10)) {
        snprintf(unknown, sizeof unknown, "UNK%03d", (int)rnd(0, 999));
        code = unknown;
    }
    int64_t cnt = random_cnt_scaled();
    int64_t pric = random_price_scaled();
    const struct catalog_item *item = catalog_find(&catalog, code);
    if (item != NULL && item->cap_price_scaled >= 0 && chance(40)) /* around the cap */
        pric = item->cap_price_scaled + rnd(-2 * PRICE_SCALE, 50 * PRICE_SCALE);
    if (pric < 0) pric = 0;
    /* amount = cnt x pric rounded to the fen (half-up), then maybe off by
     * at most one fen either way (still valid). */
    __int128 product = (__int128)cnt * pric; /* 1e-10 yuan */
    int64_t amount = (int64_t)((product + 50000000) / 100000000);
    if (chance(10)) amount += rnd(-1, 1);
    if (amount < 0) amount = 0;
    set_line(l, sn, code, cnt, pric, amount);
    /* The amount must still be within 0.01 of cnt x pric. */
    __int128 diff = product - (__int128)amount * 100000000;
    if (diff < 0) diff = -diff;
    if (diff > 100000000) l->amount_fen = (int64_t)((product + 50000000) / 100000000);
}

static datetime_s random_time_in(int year) {
    int m = (int)rnd(1, 12), d = (int)rnd(1, 28);
    return datetime_from_civil(year, m, d, (int)rnd(0, 23), (int)rnd(0, 59), (int)rnd(0, 59));
}

/* A valid bill (one that settles), for a random or given person. */
static void random_bill(struct scenario *s, int lines_max) {
    struct bill *b = &s->bill;
    const struct policy *p = s->policy;
    memset(b, 0, sizeof *b);
    int kind = (int)rnd(0, 9);
    enum med_type types[] = {MED_TYPE_INPATIENT,          MED_TYPE_INPATIENT,
                             MED_TYPE_INPATIENT,          MED_TYPE_INPATIENT,
                             MED_TYPE_SPECIAL_OUTPATIENT, MED_TYPE_SPECIAL_OUTPATIENT,
                             MED_TYPE_SPECIAL_OUTPATIENT, MED_TYPE_GENERAL_OUTPATIENT,
                             MED_TYPE_GENERAL_OUTPATIENT, MED_TYPE_PHARMACY};
    b->med_type = types[kind];
    s->institution = b->med_type == MED_TYPE_PHARMACY ? &institutions[4] : &institutions[rnd(0, 3)];
    if (p->disease_count == 0 && b->med_type == MED_TYPE_SPECIAL_OUTPATIENT)
        b->med_type = MED_TYPE_INPATIENT;
    snprintf(b->fixmedins_code, sizeof b->fixmedins_code, "%s", s->institution->code);
    b->dates_ok = true;
    b->endtime = random_time_in(p->year);
    b->begntime = b->endtime - rnd(0, 20) * 86400;
    if (chance(10)) b->begntime = b->endtime;
    static const char *const dx[] = {"K35.8", "F20.0", "I10", "E11.9", "C34.1", "J18.9", "N18.5"};
    snprintf(b->dise_codg, sizeof b->dise_codg, "%s", dx[rnd(0, 6)]);
    if (b->med_type == MED_TYPE_SPECIAL_OUTPATIENT)
        snprintf(b->spec_dise_codg, sizeof b->spec_dise_codg, "%s",
                 p->diseases[rnd(0, p->disease_count - 1)].code);
    b->out_of_area = chance(20);
    b->filed = chance(50);
    b->acct_used = chance(60);
    b->line_count = (int32_t)rnd(1, lines_max);
    b->lines = s->lines;
    for (int i = 0; i < b->line_count; i++) random_line(&s->lines[i], i);
    if (chance(3)) /* one very large line */
        set_line(&s->lines[0], "1", catalog_codes[rnd(0, CATALOG_CODES - 1)], CNT_SCALE,
                 rnd(1, 100000000) * PRICE_SCALE, 0),
            s->lines[0].amount_fen = s->lines[0].pric_scaled / (PRICE_SCALE / 100);
}

static void random_person(struct scenario *s) {
    const struct policy *p = s->policy;
    struct person *person = &s->person;
    memset(person, 0, sizeof *person);
    snprintf(person->psn_no, sizeof person->psn_no, "P%d", (int)rnd(0, 9999));
    person->insutype = p->insutype;
    if (p->insutype == INSUTYPE_EMPLOYEE)
        person->category = chance(50) ? CATEGORY_IN_SERVICE : CATEGORY_RETIRED;
    else person->category = (enum category)rnd(CATEGORY_ADULT, CATEGORY_STUDENT);
    if (chance(5)) person->category = (enum category)rnd(0, CATEGORY_COUNT - 1);
    person->flags = chance(40) ? (uint32_t)rnd(0, FLAG_ALL) : 0;
    person->benefit_start = chance(90) ? datetime_from_civil(p->year - 1, 1, 1, 0, 0, 0)
                                       : random_time_in(p->year);
    person->acct_balc_fen = chance(30) ? 0 : rnd(0, 5000000);
}

static void random_state(struct scenario *s) {
    struct year_state *st = &s->state;
    year_state_init(st, s->policy->year, s->person.acct_balc_fen);
    if (chance(50)) return;
    st->admissions = (int32_t)rnd(0, 5);
    st->basic_paid_fen = chance(50) ? rnd(0, 30000000) : 0;
    st->general_paid_fen = chance(50) ? rnd(0, 50000) : 0;
    st->general_ded_used_fen = chance(50) ? rnd(0, 50000) : 0;
    st->special_ded_used_fen = chance(50) ? rnd(0, 100000) : 0;
    st->over_cap_paid_fen = chance(30) ? rnd(0, 50000000) : 0;
    st->cat_burden_fen = chance(50) ? rnd(0, 10000000) : 0;
    st->cat_paid_fen = chance(30) ? rnd(0, 40000000) : 0;
    st->maf_paid_fen = chance(30) ? rnd(0, 4000000) : 0;
    for (int i = 0; i < s->policy->disease_count; i++)
        if (chance(30)) st->special_paid_fen[i] = rnd(0, 300000);
}

static void random_scenario(struct scenario *s, int lines_max) {
    s->policy = &policies[rnd(0, policy_count - 1)];
    random_person(s);
    random_state(s);
    random_bill(s, lines_max);
}

static void check_identities(const struct scenario *s, const struct settle_result *r,
                             const struct line_result *lr) {
    const struct setlinfo *x = &r->setl;
#define FIGURE_NONNEG_(setl, name, kind) assert_true((setl)->name >= 0);
    SETLINFO_FIELDS(FIGURE_NONNEG_, x)
#undef FIGURE_NONNEG_
    assert_true(x->medfee_sumamt ==
                x->fulamt_ownpay_amt + x->overlmt_selfpay + x->preselfpay_amt + x->inscp_scp_amt);
    assert_true(x->medfee_sumamt == x->fund_pay_sumamt + x->psn_part_amt);
    int64_t funds = 0;
    for (int i = 0; i < FUND_LAYER_COUNT; i++) funds += fund_layer_pay(x, (enum fund_layer_id)i);
    assert_true(x->fund_pay_sumamt == funds);
    assert_true(x->psn_part_amt == x->acct_pay + x->acct_mulaid_pay + x->psn_cash_pay);
    assert_true(x->fund_pay_sumamt <= x->inscp_scp_amt);
    assert_true(x->act_pay_dedc <= x->inscp_scp_amt);
    assert_true(x->acct_pay <= s->state.acct_balc_fen);
    assert_true(x->balc == s->state.acct_balc_fen - x->acct_pay);
    assert_true(r->delta.acct_balc_fen == -x->acct_pay);
    if (!s->policy->has_personal_account || !s->bill.acct_used) assert_true(x->acct_pay == 0);
    if (s->policy->has_personal_account && s->policy->account_covers == ACCOUNT_COVERS_IN_SCOPE)
        assert_true(x->acct_pay <= x->psn_part_amt - x->fulamt_ownpay_amt - x->overlmt_selfpay);
    if (s->bill.med_type == MED_TYPE_PHARMACY) assert_true(x->fund_pay_sumamt == 0);
    if (s->bill.med_type == MED_TYPE_GENERAL_OUTPATIENT)
        assert_true(x->hifob_pay == 0 && x->hifmi_pay == 0 && x->maf_pay == 0);
    if (!s->policy->has_over_cap) assert_true(x->hifob_pay == 0);
    if (!s->policy->has_catastrophic) assert_true(x->hifmi_pay == 0);
    assert_true(r->pool_ratio_bp >= 0 && r->pool_ratio_bp <= RATIO_ONE_BP);
    /* Lines add up to the totals, and each line splits exactly. */
    struct setlinfo sum = {0};
    int64_t total = 0;
    for (int i = 0; i < s->bill.line_count; i++) {
        const struct line_result *l = &lr[i];
        const struct bill_line *bl = &s->bill.lines[i];
        assert_true(l->fulamt_ownpay_fen >= 0 && l->overlmt_fen >= 0 && l->preselfpay_fen >= 0 &&
                    l->inscp_fen >= 0);
        assert_true(l->fulamt_ownpay_fen + l->overlmt_fen + l->preselfpay_fen + l->inscp_fen ==
                    bl->amount_fen);
        const struct catalog_item *item = catalog_find(&catalog, bl->med_list_codg);
        assert_int_equal(l->item_class, item ? (int)item->item_class : CLASS_C);
        if (l->item_class == CLASS_C) assert_true(l->fulamt_ownpay_fen == bl->amount_fen);
        else assert_true(l->fulamt_ownpay_fen == 0);
        if (l->item_class == CLASS_A) assert_true(l->preselfpay_fen == 0);
        if (item == NULL || item->cap_price_scaled < 0 || bl->pric_scaled <= item->cap_price_scaled)
            assert_true(l->overlmt_fen == 0);
        sum.fulamt_ownpay_amt += l->fulamt_ownpay_fen;
        sum.overlmt_selfpay += l->overlmt_fen;
        sum.preselfpay_amt += l->preselfpay_fen;
        sum.inscp_scp_amt += l->inscp_fen;
        total += bl->amount_fen;
    }
    assert_true(total == x->medfee_sumamt);
    assert_true(sum.fulamt_ownpay_amt == x->fulamt_ownpay_amt);
    assert_true(sum.overlmt_selfpay == x->overlmt_selfpay);
    assert_true(sum.preselfpay_amt == x->preselfpay_amt);
    assert_true(sum.inscp_scp_amt == x->inscp_scp_amt);
}

/* Property 1: identities, non-negative amounts, lines add up. */
static void test_prop_identities(void **state) {
    (void)state;
    need_world();
    rng_seed(1);
    static struct scenario s;
    static struct settle_result r;
    static struct line_result lr[RANDOM_LINES_MAX];
    int settled = 0;
    for (int iter = 0; iter < 50000; iter++) {
        random_scenario(&s, iter % 10 == 0 ? RANDOM_LINES_MAX : 8);
        enum settle_code code = run(s.policy, s.institution, &s.person, &s.state, &s.bill, &r, lr,
                                    NULL);
        if (code != SETTLE_OK) print_error("iteration %d: %s\n", iter, settle_code_name(code));
        assert_int_equal(code, SETTLE_OK);
        check_identities(&s, &r, lr);
        struct year_state after = s.state;
        year_state_apply(&after, &r.delta);
        assert_true(year_state_valid(&after));
        settled++;
    }
    assert_int_equal(settled, 50000);
}

/* Property 6's reference, from FUNDS.md §5's text: the bindings valid at
 * the bill's end whose holder's policy shares, earliest `from` first (equal:
 * listed first), each paying min(its balance, what is left of the member's
 * own share), when the bill uses the account. */
static void reference_family(const struct settle_holder *h, int32_t n, const struct bill *bill,
                             int64_t own_share_fen, int64_t *pay_fen) {
    bool done[SETTLE_HOLDERS_MAX] = {false};
    memset(pay_fen, 0, SETTLE_HOLDERS_MAX * sizeof *pay_fen);
    if (!bill->acct_used) return;
    for (int32_t round = 0; round < n; round++) {
        int32_t best = -1;
        for (int32_t i = 0; i < n; i++) {
            bool valid = h[i].binding.from <= bill->endtime &&
                         (!h[i].binding.revoked || bill->endtime < h[i].binding.revoked_at);
            if (done[i] || !valid || !h[i].shares) continue;
            if (best < 0 || h[i].binding.from < h[best].binding.from) best = i;
        }
        if (best < 0) return;
        done[best] = true;
        pay_fen[best] = h[best].acct_balc_fen < own_share_fen ? h[best].acct_balc_fen
                                                              : own_share_fen;
        own_share_fen -= pay_fen[best];
    }
}

static void random_holders(const struct scenario *s, struct settle_holder *h, int32_t n) {
    static const char *const names[SETTLE_HOLDERS_MAX] = {"H0", "H1", "H2", "H3"};
    datetime_s end = s->bill.endtime;
    for (int32_t i = 0; i < n; i++) {
        /* near the bill's end, often exactly on it, equal `from`s likely */
        datetime_s from = chance(20) ? end : end + rnd(-3, 3) * 86400 * (chance(50) ? 1 : 30);
        if (i > 0 && chance(20)) from = h[i - 1].binding.from;
        bool revoked = chance(30);
        datetime_s until = chance(20) ? end : from + rnd(0, 90) * 86400;
        h[i] = (struct settle_holder){
            .binding = {names[i], (enum relation)rnd(0, 2), from, revoked, until, NULL},
            .shares = chance(80),
            .acct_balc_fen = chance(20) ? 0 : rnd(0, chance(50) ? 50000 : 5000000)};
    }
}

/* Property 6: Step 7b against its reference; the other figures as without
 * holders; the person's own account untouched by it. */
static void test_prop_family_sharing(void **state) {
    (void)state;
    need_world();
    rng_seed(6);
    static struct scenario s;
    static struct settle_result r, plain;
    static struct line_result lr[RANDOM_LINES_MAX];
    struct settle_holder h[SETTLE_HOLDERS_MAX];
    int64_t want[SETTLE_HOLDERS_MAX];
    int paid = 0;
    for (int iter = 0; iter < 30000; iter++) {
        random_scenario(&s, 8);
        if (chance(80)) s.bill.acct_used = true;
        int32_t n = (int32_t)rnd(0, SETTLE_HOLDERS_MAX);
        random_holders(&s, h, n);
        struct settle_input in = {s.policy, &catalog, s.institution, &s.person, &s.state, &s.bill,
                                  h,        n};
        assert_int_equal(settle(&in, &r, lr, NULL), SETTLE_OK);
        in.holders = NULL, in.holder_count = 0;
        assert_int_equal(settle(&in, &plain, NULL, NULL), SETTLE_OK);
        const struct setlinfo *x = &r.setl;
        reference_family(h, n, &s.bill, x->psn_part_amt - x->acct_pay, want);
        int64_t sum_fen = 0;
        for (int32_t i = 0; i < n; i++) {
            assert_int_equal(r.holder_pay_fen[i], want[i]);
            assert_true(h[i].acct_balc_fen - r.holder_pay_fen[i] >= 0);
            sum_fen += r.holder_pay_fen[i];
        }
        for (int32_t i = n; i < SETTLE_HOLDERS_MAX; i++) assert_int_equal(r.holder_pay_fen[i], 0);
        assert_int_equal(sum_fen, x->acct_mulaid_pay);
        assert_true(x->psn_cash_pay == x->psn_part_amt - x->acct_pay - x->acct_mulaid_pay);
        assert_int_equal(plain.setl.acct_mulaid_pay, 0);
        assert_int_equal(x->psn_cash_pay + x->acct_mulaid_pay, plain.setl.psn_cash_pay);
        struct setlinfo same = *x;
        same.psn_cash_pay = plain.setl.psn_cash_pay;
        same.acct_mulaid_pay = 0;
        assert_memory_equal(&same, &plain.setl, sizeof same);
        assert_memory_equal(&r.delta, &plain.delta, sizeof r.delta);
        assert_true(x->balc == s.state.acct_balc_fen - x->acct_pay);
        check_identities(&s, &r, lr);
        paid += x->acct_mulaid_pay > 0;
    }
    assert_true(paid > 3000); /* the property is exercised, not vacuous */
}

/* A retiree short of the minimum months (FUNDS.md §4) is refused right
 * after the scheme check: E_SCHEME wins, E_EMPTY_BILL comes after. */
/* Property 9: the lines' split and the code of a settlement under the
 * person's year, balance and holders are those under an empty year, an
 * empty account and no holders. */
static void test_prop_lines_without_state(void **state) {
    (void)state;
    need_world();
    rng_seed(9);
    static struct scenario s;
    static struct settle_result full, bare;
    static struct line_result lr_full[RANDOM_LINES_MAX], lr_bare[RANDOM_LINES_MAX];
    struct settle_holder h[SETTLE_HOLDERS_MAX];
    int differing_states = 0;
    for (int iter = 0; iter < 20000; iter++) {
        random_scenario(&s, iter % 10 == 0 ? RANDOM_LINES_MAX : 8);
        int32_t n = (int32_t)rnd(0, SETTLE_HOLDERS_MAX);
        random_holders(&s, h, n);
        struct settle_input in = {s.policy, &catalog, s.institution, &s.person, &s.state, &s.bill,
                                  h,        n};
        enum settle_code code_full = settle(&in, &full, lr_full, NULL);
        struct person bare_person = s.person;
        bare_person.acct_balc_fen = 0;
        struct year_state empty;
        year_state_init(&empty, s.state.year, 0);
        differing_states += !year_state_equal(&empty, &s.state);
        struct settle_input bare_in = {s.policy, &catalog, s.institution, &bare_person,
                                       &empty,   &s.bill,  NULL,          0};
        enum settle_code code_bare = settle(&bare_in, &bare, lr_bare, NULL);
        assert_int_equal(code_full, code_bare);
        for (int32_t i = 0; code_full == SETTLE_OK && i < s.bill.line_count; i++) {
            const struct line_result *a = &lr_full[i], *b = &lr_bare[i];
            assert_int_equal(a->item_class, b->item_class);
            assert_int_equal(a->fulamt_ownpay_fen, b->fulamt_ownpay_fen);
            assert_int_equal(a->overlmt_fen, b->overlmt_fen);
            assert_int_equal(a->preselfpay_fen, b->preselfpay_fen);
            assert_int_equal(a->inscp_fen, b->inscp_fen);
            assert_int_equal(a->selfpay_prop_bp, b->selfpay_prop_bp);
            assert_int_equal(a->cap_price_scaled, b->cap_price_scaled);
        }
    }
    assert_true(differing_states > 5000); /* the property is exercised, not vacuous */
}

static void test_contribution_short(void **state) {
    (void)state;
    need_world();
    rng_seed(7);
    static struct scenario s;
    static struct settle_result r;
    for (int iter = 0; iter < 200; iter++) {
        random_scenario(&s, 8);
        s.person.flags |= FLAG_CONTRIBUTION_SHORT;
        struct settle_input in = {s.policy, &catalog, s.institution, &s.person,
                                  &s.state, &s.bill,  NULL,          0};
        assert_int_equal(settle(&in, &r, NULL, NULL), E_CONTRIBUTION_SHORT);
        assert_int_equal(r.delta.acct_balc_fen, 0);
        s.bill.line_count = 0;
        assert_int_equal(settle(&in, &r, NULL, NULL), E_CONTRIBUTION_SHORT);
        s.person.insutype = s.policy->insutype == 310 ? 390 : 310;
        assert_int_equal(settle(&in, &r, NULL, NULL), E_SCHEME);
    }
}

/* Property 2: settle-then-revoke returns the state exactly. */
static void test_prop_revoke(void **state) {
    (void)state;
    need_world();
    rng_seed(2);
    static struct scenario s;
    static struct settle_result r;
    /* Single settlements. */
    for (int iter = 0; iter < 20000; iter++) {
        random_scenario(&s, 8);
        assert_int_equal(run(s.policy, s.institution, &s.person, &s.state, &s.bill, &r, NULL, NULL),
                         SETTLE_OK);
        struct year_state st = s.state;
        year_state_apply(&st, &r.delta);
        year_state_unapply(&st, &r.delta);
        assert_true(year_state_equal(&st, &s.state));
    }
    /* Interleaved: many settlements on one state, revoked in random order;
     * every intermediate state stays valid and the end is the start. */
    enum { SEQ = 40 };
    static struct year_state deltas[SEQ];
    for (int round = 0; round < 600; round++) {
        random_scenario(&s, 6);
        struct year_state start = s.state, st = s.state;
        for (int k = 0; k < SEQ; k++) {
            random_bill(&s, 6);
            assert_int_equal(run(s.policy, s.institution, &s.person, &st, &s.bill, &r, NULL, NULL),
                             SETTLE_OK);
            deltas[k] = r.delta;
            year_state_apply(&st, &r.delta);
            assert_true(year_state_valid(&st));
        }
        int order[SEQ];
        for (int k = 0; k < SEQ; k++) order[k] = k;
        for (int k = SEQ - 1; k > 0; k--) {
            int j = (int)rnd(0, k), t = order[k];
            order[k] = order[j];
            order[j] = t;
        }
        for (int k = 0; k < SEQ; k++) {
            year_state_unapply(&st, &deltas[order[k]]);
            assert_true(year_state_valid(&st));
        }
        assert_true(year_state_equal(&st, &start));
    }
}

/* The caps that bind this person's accumulators (CAP_NONE: none). */
struct caps {
    int64_t basic, general, over_cap, cat, maf, disease[POLICY_DISEASES_MAX];
};

static void person_caps(const struct policy *p, const struct person *person, struct caps *c) {
    uint32_t mask = person_match_mask(person);
    c->basic = p->basic_annual_cap_fen;
    c->general = p->general_annual_cap_fen;
    c->over_cap = p->has_over_cap ? p->over_cap_annual_cap_fen : 0;
    c->cat = p->has_catastrophic ? p->catastrophic.annual_cap_fen : 0;
    for (int i = 0; p->has_catastrophic && i < p->catastrophic_rule_count; i++)
        if (p->catastrophic_rules[i].when_mask & mask) {
            if (p->catastrophic_rules[i].has_annual_cap)
                c->cat = p->catastrophic_rules[i].annual_cap_fen;
            break;
        }
    c->maf = 0;
    for (int i = 0; i < p->assistance_count; i++)
        if (p->assistance[i].when_mask & mask) {
            c->maf = p->assistance[i].annual_cap_fen;
            break;
        }
    for (int i = 0; i < POLICY_DISEASES_MAX; i++)
        c->disease[i] = i < p->disease_count ? p->diseases[i].annual_cap_fen : 0;
}

static void assert_within(int64_t used, int64_t cap) {
    if (cap != CAP_NONE && used > cap)
        print_error("accumulator %lld above cap %lld\n", (long long)used, (long long)cap);
    assert_true(cap == CAP_NONE || used <= cap);
}

static void check_caps(const struct caps *c, const struct year_state *st) {
    assert_within(st->basic_paid_fen, c->basic);
    assert_within(st->general_paid_fen, c->general);
    assert_within(st->over_cap_paid_fen, c->over_cap);
    assert_within(st->cat_paid_fen, c->cat);
    assert_within(st->maf_paid_fen, c->maf);
    for (int i = 0; i < POLICY_DISEASES_MAX; i++)
        assert_within(st->special_paid_fen[i], c->disease[i]);
    assert_true(year_state_valid(st));
}

/* Property 3: no fund pays above its cap, whether a bill is settled at once
 * or split in two, and over long sequences. */
static void test_prop_caps(void **state) {
    (void)state;
    need_world();
    rng_seed(3);
    static struct scenario s;
    static struct settle_result r;
    static struct bill_line part[2][RANDOM_LINES_MAX];
    struct caps caps;
    for (int iter = 0; iter < 20000; iter++) {
        random_scenario(&s, RANDOM_LINES_MAX);
        year_state_init(&s.state, s.policy->year, s.person.acct_balc_fen); /* start of the year */
        person_caps(s.policy, &s.person, &caps);
        if (s.bill.line_count < 2) continue;
        /* Big bills so that caps bind. */
        if (chance(50))
            for (int i = 0; i < s.bill.line_count; i++) {
                s.lines[i].cnt_scaled = CNT_SCALE;
                s.lines[i].pric_scaled = rnd(1, 300000) * PRICE_SCALE;
                s.lines[i].amount_fen = s.lines[i].pric_scaled / (PRICE_SCALE / 100);
            }
        int n[2] = {0, 0};
        for (int i = 0; i < s.bill.line_count; i++) {
            int side = (int)rnd(0, 1);
            part[side][n[side]++] = s.lines[i];
        }
        if (n[0] == 0 || n[1] == 0) continue;
        struct year_state st = s.state;
        struct bill whole = s.bill;
        for (int side = 0; side < 2; side++) {
            s.bill.lines = part[side];
            s.bill.line_count = n[side];
            assert_int_equal(run(s.policy, s.institution, &s.person, &st, &s.bill, &r, NULL, NULL),
                             SETTLE_OK);
            year_state_apply(&st, &r.delta);
            check_caps(&caps, &st);
        }
        /* The whole bill at once also stays within the caps. */
        struct year_state once = s.state;
        assert_int_equal(run(s.policy, s.institution, &s.person, &once, &whole, &r, NULL, NULL),
                         SETTLE_OK);
        year_state_apply(&once, &r.delta);
        check_caps(&caps, &once);
        s.bill = whole;
    }
    /* Long random sequences for one person. */
    int reached = 0;
    for (int round = 0; round < 400; round++) {
        random_scenario(&s, 10);
        year_state_init(&s.state, s.policy->year, s.person.acct_balc_fen);
        person_caps(s.policy, &s.person, &caps);
        struct year_state st = s.state;
        for (int k = 0; k < 60; k++) {
            random_bill(&s, 10);
            assert_int_equal(run(s.policy, s.institution, &s.person, &st, &s.bill, &r, NULL, NULL),
                             SETTLE_OK);
            year_state_apply(&st, &r.delta);
            check_caps(&caps, &st);
        }
        reached += st.basic_paid_fen == caps.basic || st.general_paid_fen == caps.general ||
                   (caps.cat > 0 && st.cat_paid_fen == caps.cat) ||
                   (caps.maf > 0 && st.maf_paid_fen == caps.maf);
    }
    print_message("caps reached in %d of 400 sequences\n", reached);
    assert_true(reached >= 40); /* the property is not vacuous */
}

/* Property 4: deterministic and does not modify its inputs. */
static void test_prop_deterministic_pure(void **state) {
    (void)state;
    need_world();
    rng_seed(4);
    static struct scenario s, copy;
    static struct settle_result r1, r2;
    static struct explain e1, e2;
    static struct line_result l1[RANDOM_LINES_MAX], l2[RANDOM_LINES_MAX];
    static struct policy policy_copy;
    size_t items_bytes = catalog.count * sizeof *catalog.items;
    size_t slot_bytes = catalog.slot_count * sizeof *catalog.slots;
    static struct catalog_item *items_copy;
    static uint32_t *slots_copy;
    free(items_copy);
    free(slots_copy);
    items_copy = malloc(items_bytes);
    slots_copy = malloc(slot_bytes);
    assert_non_null(items_copy);
    assert_non_null(slots_copy);
    memcpy(items_copy, catalog.items, items_bytes);
    memcpy(slots_copy, catalog.slots, slot_bytes);
    struct catalog catalog_header = catalog;
    for (int iter = 0; iter < 20000; iter++) {
        random_scenario(&s, 10);
        if (chance(20)) s.bill.dates_ok = chance(50); /* refusals are deterministic too */
        copy = s;
        policy_copy = *s.policy;
        memset(&r1, 0x11, sizeof r1);
        memset(&r2, 0x77, sizeof r2);
        memset(l1, 0x11, sizeof l1);
        memset(l2, 0x77, sizeof l2);
        explain_init(&e1);
        explain_init(&e2);
        struct settle_input in = {s.policy, &catalog, s.institution, &s.person,
                                  &s.state, &s.bill,  NULL,          0};
        enum settle_code c1 = settle(&in, &r1, l1, &e1);
        enum settle_code c2 = settle(&in, &r2, l2, &e2);
        assert_int_equal(c1, c2);
        assert_memory_equal(&r1, &r2, sizeof r1);
        for (int i = 0; c1 == SETTLE_OK && i < s.bill.line_count; i++) {
            assert_int_equal(l1[i].item_class, l2[i].item_class);
            assert_true(l1[i].fulamt_ownpay_fen == l2[i].fulamt_ownpay_fen);
            assert_true(l1[i].overlmt_fen == l2[i].overlmt_fen);
            assert_true(l1[i].preselfpay_fen == l2[i].preselfpay_fen);
            assert_true(l1[i].inscp_fen == l2[i].inscp_fen);
            assert_int_equal(l1[i].selfpay_prop_bp, l2[i].selfpay_prop_bp);
            assert_true(l1[i].cap_price_scaled == l2[i].cap_price_scaled);
        }
        assert_int_equal(e1.len, e2.len);
        assert_memory_equal(e1.text, e2.text, e1.len + 1);
        /* Inputs unchanged. */
        assert_memory_equal(&policy_copy, s.policy, sizeof policy_copy);
        assert_memory_equal(&copy.person, &s.person, sizeof s.person);
        assert_memory_equal(&copy.state, &s.state, sizeof s.state);
        assert_memory_equal(&copy.bill, &s.bill, sizeof s.bill - sizeof s.bill.lines);
        assert_memory_equal(copy.lines, s.lines, sizeof s.lines);
        /* Without explain or line_results: the same result. */
        settle(&in, &r2, NULL, NULL);
        assert_memory_equal(&r1, &r2, sizeof r1);
    }
    assert_memory_equal(&catalog_header, &catalog, sizeof catalog);
    assert_memory_equal(items_copy, catalog.items, items_bytes);
    assert_memory_equal(slots_copy, catalog.slots, slot_bytes);
    free(items_copy);
    free(slots_copy);
    items_copy = NULL;
    slots_copy = NULL;
}

/* Property 5: a refused bill gives the expected code and a zero delta.
 * One or two faults are injected into a valid bill; the first in table
 * order must be reported. */
static enum settle_code inject(struct scenario *s, int fault, const struct institution **inst) {
    struct bill *b = &s->bill;
    switch (fault) {
    case 0: *inst = NULL; return E_UNKNOWN_INSTITUTION;
    case 1: b->med_type = MED_TYPE_INVALID; return E_MED_TYPE;
    case 2: /* a hospital type at a pharmacy or the reverse */
        *inst = (*inst)->type == INSTITUTION_PHARMACY ? &institutions[rnd(0, 3)] : &institutions[4];
        return E_MED_TYPE;
    case 3: b->dates_ok = false; return E_BAD_DATES;
    case 4: b->begntime = b->endtime + rnd(1, 86400 * 30); return E_BAD_DATES;
    case 5:
        b->endtime = random_time_in(s->policy->year + (chance(50) ? 1 : -1));
        b->begntime = b->endtime;
        return E_POLICY_YEAR;
    case 6:
        s->person.insutype = s->policy->insutype == INSUTYPE_EMPLOYEE ? INSUTYPE_RESIDENT
                                                                      : INSUTYPE_EMPLOYEE;
        return E_SCHEME;
    case 7: b->line_count = 0; return E_EMPTY_BILL;
    case 8:
        if (b->med_type != MED_TYPE_SPECIAL_OUTPATIENT) return SETTLE_OK;
        snprintf(b->spec_dise_codg, sizeof b->spec_dise_codg, "NOPE%d", (int)rnd(0, 9));
        return E_DISEASE;
    case 9:
        if (b->line_count < 2) return SETTLE_OK;
        memcpy(b->lines[b->line_count - 1].feedetl_sn,
               b->lines[rnd(0, b->line_count - 2)].feedetl_sn, CODE_BYTES_MAX + 1);
        return E_DUP_LINE;
    case 10: b->lines[rnd(0, b->line_count - 1)].has_feedetl_sn = false; return E_DUP_LINE;
    case 11: b->lines[rnd(0, b->line_count - 1)].numbers_ok = false; return E_BAD_AMOUNT;
    case 12: b->lines[rnd(0, b->line_count - 1)].cnt_scaled = -rnd(0, 10); return E_BAD_AMOUNT;
    case 13: b->lines[rnd(0, b->line_count - 1)].amount_fen += rnd(3, 1000); return E_BAD_AMOUNT;
    default: b->lines[rnd(0, b->line_count - 1)].amount_fen = -rnd(1, 1000); return E_BAD_AMOUNT;
    }
}

static void test_prop_refused(void **state) {
    (void)state;
    need_world();
    rng_seed(5);
    static struct scenario s;
    static struct settle_result r;
    int refused = 0;
    for (int iter = 0; iter < 30000; iter++) {
        random_scenario(&s, 8);
        const struct institution *inst = s.institution;
        enum settle_code want = SETTLE_OK;
        /* Faults are applied from the last in table order to the first, so
         * that a later one cannot undo an earlier one's effect. */
        int f1 = (int)rnd(0, 14), f2 = chance(50) ? -1 : (int)rnd(0, 14);
        int order[2] = {f1 > f2 ? f1 : f2, f1 > f2 ? f2 : f1};
        for (int k = 0; k < 2; k++) {
            if (order[k] < 0 || (k == 1 && order[1] == order[0])) continue;
            enum settle_code c = inject(&s, order[k], &inst);
            if (c != SETTLE_OK && (want == SETTLE_OK || c < want)) want = c;
        }
        if (want == SETTLE_OK) continue;
        memset(&r, 0x5a, sizeof r);
        enum settle_code got = run(s.policy, inst, &s.person, &s.state, &s.bill, &r, NULL, NULL);
        if (got != want)
            print_error("iteration %d: got %s, want %s\n", iter, settle_code_name(got),
                        settle_code_name(want));
        assert_int_equal(got, want);
        assert_int_equal(r.code, want);
        assert_true(delta_is_zero(&r, s.state.year));
        static const struct fund_rooms no_rooms;
        assert_memory_equal(&r.rooms, &no_rooms, sizeof no_rooms);
        assert_int_equal(r.pool_ratio_bp, 0);
        assert_non_null(r.error_field);
        /* Applying the zero delta leaves the state unchanged. */
        struct year_state st = s.state;
        year_state_apply(&st, &r.delta);
        assert_true(year_state_equal(&st, &s.state));
        refused++;
    }
    assert_true(refused >= 25000);
}

static void test_code_names(void **state) {
    (void)state;
    for (int c = 0; c < SETTLE_CODE_COUNT; c++)
        assert_int_equal(settle_code_parse(settle_code_name((enum settle_code)c)), c);
    assert_string_equal(settle_code_name(E_DUP_LINE), "E_DUP_LINE");
    assert_string_equal(settle_code_name(SETTLE_OK), "OK");
    assert_int_equal(settle_code_parse("E_NOPE"), SETTLE_CODE_COUNT);
}

/* The field lists (SETLINFO_FIELDS, FUND_LAYERS, YEAR_STATE_FIELDS) and
 * what is generated from them agree: each accessor reaches its own member,
 * the JSON lists every figure by name in order, and apply / unapply / equal
 * / valid cover every accumulator. */
static void test_field_lists(void **state) {
    (void)state;
    struct setlinfo setl;
    struct fund_rooms rooms;
    memset(&setl, 0, sizeof setl);
    memset(&rooms, 0, sizeof rooms);
    int64_t value = 100;
#define SET_FUND_(unused, fund, ...) \
    setl.fund##_pay = ++value;       \
    rooms.fund##_room_fen = 1000 + value;
    FUND_LAYERS(SET_FUND_, ~)
#undef SET_FUND_
    for (int i = 0; i < FUND_LAYER_COUNT; i++) {
        assert_int_equal(fund_layer_pay(&setl, (enum fund_layer_id)i), 101 + i);
        assert_int_equal(fund_layer_room(&rooms, (enum fund_layer_id)i), 1101 + i);
        const struct fund_layer *f = fund_layer((enum fund_layer_id)i);
        assert_true(strlen(f->code_employee) == 6 && strlen(f->code_other) == 6);
    }
    /* setlinfo_to_json: every figure, by name, in the list's order. */
    struct json_buf buf = {0};
    setlinfo_to_json(&buf, &setl);
    json_buf_char(&buf, '\0');
    const char *at = buf.data;
    int count = 0;
#define FIND_KEY_(unused, name, kind)  \
    at = strstr(at, "\"" #name "\":"); \
    assert_non_null(at);               \
    count++;
    SETLINFO_FIELDS(FIND_KEY_, ~)
#undef FIND_KEY_
    assert_int_equal(count, SETLINFO_FIELD_COUNT);
    json_buf_free(&buf);
    /* Each accumulator: applied, revoked, compared and checked on its own. */
    for (int i = 0; i < YEAR_STATE_MONEY_COUNT; i++) {
        struct year_state base, delta, st;
        year_state_init(&base, 2020, 0);
        year_state_init(&delta, 2020, 0);
        *year_state_money(&delta, (enum year_state_id)i) = 7;
        int64_t found = 0;
        assert_int_equal(state_field(&delta, year_state_field((enum year_state_id)i)->name, &found),
                         0);
        assert_int_equal(found, 7);
        st = base;
        year_state_apply(&st, &delta);
        assert_false(year_state_equal(&st, &base));
        assert_int_equal(year_state_money_get(&st, (enum year_state_id)i), 7);
        year_state_unapply(&st, &delta);
        assert_true(year_state_equal(&st, &base));
        year_state_unapply(&st, &delta);
        assert_false(year_state_valid(&st));
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_names),
        cmocka_unit_test(test_field_lists),
        cmocka_unit_test(test_vector000_figures),
        cmocka_unit_test(test_explain_catastrophic_regression),
        cmocka_unit_test(test_explain_steps),
        cmocka_unit_test(test_validation_each_code),
        cmocka_unit_test(test_validation_order),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_prop_identities),
        cmocka_unit_test(test_prop_revoke),
        cmocka_unit_test(test_prop_caps),
        cmocka_unit_test(test_prop_deterministic_pure),
        cmocka_unit_test(test_prop_refused),
        cmocka_unit_test(test_prop_family_sharing),
        cmocka_unit_test(test_prop_lines_without_state),
        cmocka_unit_test(test_contribution_short),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
