/* test_app.c: cmocka tests of the settlement use case (src/app/settle_case.c)
 * on an in-memory registry and person reader: the refusals decided around
 * the engine (unknown person, not insured, no policy of the region), the
 * policy chosen by region, year and scheme, the designation at the bill's
 * date (active, suspended for ever, suspended until a date, revoked), and
 * that a settlement's answer keeps the spec's identities and its state. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/refusal.h"
#include "app/settle_case.h"
#include "codec/codec.h"

#define TEST_INSTITUTIONS 4

static struct policy policy; /* maoming-2020-resident: region 440900, 2020, 390 */
static struct catalog catalog;
static struct store_institution institutions[TEST_INSTITUTIONS];
static struct store_person person;
static bool person_known;
static int state_reads;

/* ---- the fakes ------------------------------------------------------------ */
static const struct store_institution *fake_institution(const void *ctx, const char *code) {
    (void)ctx;
    for (int i = 0; i < TEST_INSTITUTIONS; i++)
        if (strcmp(institutions[i].code, code) == 0) return &institutions[i];
    return NULL;
}

static const struct policy *fake_policy(const void *ctx, const char *region, int32_t year,
                                        int32_t insutype, datetime_s at) {
    (void)ctx;
    (void)at;
    bool match = strcmp(region, policy.region) == 0 && year == policy.year &&
                 insutype == policy.insutype;
    return match ? &policy : NULL;
}

static const struct policy *fake_fallback(const void *ctx, const char *region, int32_t insutype) {
    (void)ctx;
    (void)insutype;
    return strcmp(region, policy.region) == 0 ? &policy : NULL;
}

static const struct catalog *fake_catalog(const void *ctx) {
    (void)ctx;
    return &catalog;
}

static int fake_person(void *ctx, const char *psn_no, struct store_person *out, bool *found,
                       struct store_err *err) {
    (void)ctx;
    (void)err;
    *found = person_known && strcmp(psn_no, person.psn_no) == 0;
    if (*found) *out = person;
    return 0;
}

static int fake_state(void *ctx, const char *psn_no, int32_t year, struct year_state *out,
                      struct store_err *err) {
    (void)ctx;
    (void)psn_no;
    (void)err;
    state_reads++;
    year_state_init(out, year, 5000); /* 50.00 yuan in the account */
    return 0;
}

static const struct app_registry registry = {NULL,          fake_institution, fake_policy,
                                             fake_fallback, fake_catalog,     NULL};
static const struct app_person_reader reader = {NULL, fake_person, fake_state, NULL};

static void institution(int i, const char *code, enum designation status, datetime_s until) {
    memset(&institutions[i], 0, sizeof institutions[i]);
    snprintf(institutions[i].code, sizeof institutions[i].code, "%s", code);
    institutions[i].type = INSTITUTION_HOSPITAL;
    institutions[i].level = LEVEL_3;
    institutions[i].status = status;
    institutions[i].suspended_until = until;
}

static int setup(void **state) {
    (void)state;
    char err[CODEC_ERR_BYTES];
    const char *root = getenv("YIBAO_ROOT") ? getenv("YIBAO_ROOT") : ".";
    char path[1024];
    snprintf(path, sizeof path, "%s/policies/maoming-2020-resident.json", root);
    if (policy_load_file(path, &policy, err, sizeof err) != 0)
        return fprintf(stderr, "%s\n", err), -1;
    catalog_init(&catalog);
    snprintf(path, sizeof path, "%s/policies/catalog-conformance.json", root);
    if (catalog_load_file(path, &catalog, err, sizeof err) != 0)
        return fprintf(stderr, "%s\n", err), -1;
    datetime_s june30 = datetime_from_civil(2020, 6, 30, 23, 59, 59);
    institution(0, "H3", DESIGNATION_ACTIVE, 0);
    institution(1, "HS", DESIGNATION_SUSPENDED, 0);
    institution(2, "HU", DESIGNATION_SUSPENDED, june30);
    institution(3, "HR", DESIGNATION_REVOKED, 0);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    catalog_free(&catalog);
    return 0;
}

/* ---- a bill --------------------------------------------------------------- */
static struct bill_line line;
static struct bill bill;

static void make_bill(const char *code, int month) {
    memset(&bill, 0, sizeof bill);
    memset(&line, 0, sizeof line);
    snprintf(bill.fixmedins_code, sizeof bill.fixmedins_code, "%s", code);
    bill.med_type = MED_TYPE_GENERAL_OUTPATIENT;
    bill.dates_ok = true;
    bill.begntime = bill.endtime = datetime_from_civil(2020, month, 15, 10, 0, 0);
    snprintf(line.feedetl_sn, sizeof line.feedetl_sn, "1");
    line.has_feedetl_sn = line.numbers_ok = true;
    snprintf(line.med_list_codg, sizeof line.med_list_codg, "XA01");
    line.cnt_scaled = 30 * 10000;
    line.pric_scaled = 1200000;
    line.amount_fen = 3600;
    bill.lines = &line;
    bill.line_count = 1;
    memset(&person, 0, sizeof person);
    snprintf(person.psn_no, sizeof person.psn_no, "P1");
    snprintf(person.region, sizeof person.region, "%s", policy.region);
    person.insutype = policy.insutype;
    person.category = CATEGORY_ADULT;
    person.status = INSURED_ACTIVE;
    person_known = true;
}

static int32_t asked; /* the request's insutype_asked */

static const char *outcome(struct app_settle_answer *ans) {
    struct store_err err;
    struct app_settle_request req = {"P1", &bill, asked};
    assert_int_equal(app_settle(&registry, &reader, &req, ans, NULL, NULL, &err), 0);
    return ans->refusal.code ? ans->refusal.code : "OK";
}

/* ---- tests ---------------------------------------------------------------- */
static void test_person_refusals(void **state) {
    (void)state;
    static struct app_settle_answer ans;
    make_bill("H3", 7);
    person_known = false;
    assert_string_equal(outcome(&ans), "E_UNKNOWN_PERSON");
    assert_string_equal(ans.refusal.field, "psn_no");
    make_bill("H3", 7);
    person.status = INSURED_SUSPENDED;
    assert_string_equal(outcome(&ans), "E_NOT_INSURED");
    make_bill("H3", 7);
    snprintf(person.region, sizeof person.region, "110000"); /* no policy of the region */
    assert_string_equal(outcome(&ans), "E_POLICY_YEAR");
    assert_string_equal(ans.refusal.field, "endtime");
}

static void test_scheme_asked(void **state) {
    (void)state;
    static struct app_settle_answer ans;
    const struct {
        int32_t asked;
        const char *want;
    } cases[] = {
        {0, "OK"}, {INSUTYPE_RESIDENT, "OK"}, {INSUTYPE_EMPLOYEE, "E_SCHEME"}, {-1, "E_SCHEME"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        make_bill("H3", 7);
        asked = cases[i].asked;
        assert_string_equal(outcome(&ans), cases[i].want);
        if (ans.refusal.code != NULL) assert_string_equal(ans.refusal.field, "insutype");
    }
    asked = 0;
}

static void test_policy_choice(void **state) {
    (void)state;
    static struct app_settle_answer ans;
    make_bill("H3", 7);
    person.insutype = INSUTYPE_EMPLOYEE; /* the region's only policy is the residents' */
    state_reads = 0;
    assert_string_equal(outcome(&ans), "E_SCHEME");
    assert_int_equal(state_reads, 0); /* no state is read for a bill that cannot settle */
    make_bill("H3", 7);
    bill.begntime = bill.endtime = datetime_from_civil(2019, 7, 15, 10, 0, 0);
    assert_string_equal(outcome(&ans), "E_POLICY_YEAR");
}

static void test_designation_at_the_bills_date(void **state) {
    (void)state;
    static struct app_settle_answer ans;
    const struct {
        const char *code;
        int month;
        const char *want;
    } cases[] = {
        {"H3", 3, "OK"}, {"HS", 9, "E_UNKNOWN_INSTITUTION"}, {"HU", 6, "E_UNKNOWN_INSTITUTION"},
        {"HU", 7, "OK"}, {"HR", 9, "E_UNKNOWN_INSTITUTION"}, {"NOPE", 9, "E_UNKNOWN_INSTITUTION"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        make_bill(cases[i].code, cases[i].month);
        assert_string_equal(outcome(&ans), cases[i].want);
    }
    assert_false(app_designated(&institutions[2], false, 0)); /* no date: still suspended */
    assert_true(app_designated(&institutions[0], false, 0));
}

static void test_settled_answer(void **state) {
    (void)state;
    static struct app_settle_answer ans;
    make_bill("H3", 7);
    assert_string_equal(outcome(&ans), "OK");
    const struct setlinfo *s = &ans.stl.setl;
    assert_int_equal(s->medfee_sumamt, 3600);
    assert_int_equal(s->medfee_sumamt, s->fund_pay_sumamt + s->psn_part_amt);
    assert_int_equal(s->medfee_sumamt, s->fulamt_ownpay_amt + s->overlmt_selfpay +
                                           s->preselfpay_amt + s->inscp_scp_amt);
    assert_string_equal(ans.stl.region, policy.region);
    assert_int_equal(ans.stl.year, 2020);
    assert_int_equal(ans.stl.insutype, policy.insutype);
    assert_int_equal(ans.state_before.acct_balc_fen, 5000);
    assert_int_equal(ans.stl.delta.year, 2020);
    struct app_refusal r;
    app_refuse(&r, APP_E_MSGID_REUSED);
    assert_string_equal(r.code, "E_MSGID_REUSED");
    assert_string_equal(r.field, "msgid");
    assert_int_equal(r.line, -1);
}

/* enrol_bindings rows into a member's holders: another member's rows and
 * the holder's own skipped, a bad row refused, at most SETTLE_HOLDERS_MAX
 * kept, the earliest valid_from (equal ones: the first read), in the order
 * read. */
static void binding_row(struct store_enrol_row *row, const char *member, const char *holder,
                        const char *from, const char *revoked) {
    memset(row, 0, sizeof *row);
    snprintf(row->col[0], sizeof row->col[0], "%s", member);
    snprintf(row->col[1], sizeof row->col[1], "%s", holder);
    snprintf(row->col[2], sizeof row->col[2], "%s", from);
    snprintf(row->col[3], sizeof row->col[3], "%s", "spouse");
    snprintf(row->col[4], sizeof row->col[4], "%s", revoked);
}

static void test_holders_from_rows(void **state) {
    (void)state;
    static const char *const rows[][3] = {
        {"H1", "2020-05-01 00:00:00", ""}, {"H2", "2020-03-01 00:00:00", "2020-04-01"},
        {"H3", "2020-06-01 00:00:00", ""}, {"H4", "2020-03-01 00:00:00", ""},
        {"H5", "2020-01-01 00:00:00", ""}, {"H6", "2020-06-01 00:00:00", ""},
        {"H7", "2020-03-01 00:00:00", ""},
    };
    static const char *const kept[] = {"H2", "H4", "H5", "H7"};
    struct app_holder holders[SETTLE_HOLDERS_MAX];
    struct store_enrol_row row;
    int32_t count = 0;
    binding_row(&row, "M2", "H9", "2020-01-01 00:00:00", "");
    assert_int_equal(app_holders_add_row(holders, &count, &row, "M1"), 0); /* M2's */
    assert_int_equal(count, 0);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        binding_row(&row, "M1", rows[i][0], rows[i][1], rows[i][2]);
        assert_int_equal(app_holders_add_row(holders, &count, &row, "M1"), 0);
        assert_true(count >= 1 && count <= SETTLE_HOLDERS_MAX);
    }
    assert_int_equal(count, SETTLE_HOLDERS_MAX);
    for (int32_t i = 0; i < count; i++) assert_string_equal(holders[i].psn_no, kept[i]);
    assert_true(holders[0].revoked && !holders[1].revoked);
    binding_row(&row, "M1", "H8", "2020-13-01", "");
    assert_int_equal(app_holders_add_row(holders, &count, &row, "M1"), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_person_refusals),
        cmocka_unit_test(test_scheme_asked),
        cmocka_unit_test(test_policy_choice),
        cmocka_unit_test(test_designation_at_the_bills_date),
        cmocka_unit_test(test_settled_answer),
        cmocka_unit_test(test_holders_from_rows),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
