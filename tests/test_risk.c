/* test_risk.c: cmocka tests of src/core/risk.c, the arithmetic of the
 * institution indicators and the risk score (docs/SUPERVISION.md
 * "Indicators and the risk ranking"): shares in basis points rounded down;
 * the cost index as actual over expected cost at the peers' medians; each
 * term's points (a count times its weight, a rate's excess over the peers
 * times its weight per 100 %, nothing at or below the peers, nothing under
 * RISK_CASES_MIN cases); the score as the sum of its terms; a person's
 * terms; readmissions within 15 days at the same institution (day 15 yes,
 * day 16 no, another institution no, a stay's next part neither an
 * admission nor a readmission); the lower median. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/risk.h"

static void test_share_and_median(void **state) {
    (void)state;
    assert_int_equal(risk_share_bp(1, 3), 3333);
    assert_int_equal(risk_share_bp(2, 3), 6666);
    assert_int_equal(risk_share_bp(5, 0), 0);
    assert_int_equal(risk_share_bp(INT64_MAX / 2, INT64_MAX / 2), 10000); /* no overflow */
    int64_t v[] = {1, 5, 9, 12};
    assert_int_equal(risk_median(v, 4), 5);
    assert_int_equal(risk_median(v, 3), 5);
    assert_int_equal(risk_median(v, 1), 1);
    assert_int_equal(risk_median(NULL, 0), 0);
}

/* 40 outpatient cases of 60.00 yuan and 20 stays of 5000.00 yuan */
static struct risk_inst hospital(void) {
    struct risk_inst in;
    memset(&in, 0, sizeof in);
    in.cases = 60;
    in.cases_mt[0] = 40, in.cost_mt_fen[0] = 40 * 6000;
    in.cases_mt[2] = 20, in.cost_mt_fen[2] = 20 * 500000;
    in.cost_fen = in.cost_mt_fen[0] + in.cost_mt_fen[2];
    in.stays = 20, in.readmissions = 3;
    in.class_c_fen = in.cost_fen / 4;
    in.flagged_bills = 6;
    return in;
}

static void test_cost_index(void **state) {
    (void)state;
    struct risk_inst in = hospital();
    struct risk_peer peer;
    memset(&peer, 0, sizeof peer);
    assert_int_equal(risk_cost_index_bp(&in, &peer), 0); /* no peer median */
    peer.cost_per_case_fen[0] = 5000, peer.cost_per_case_fen[2] = 400000;
    /* (240000 + 10000000) / (40 x 5000 + 20 x 400000) = 10240000 / 8200000 */
    assert_int_equal(risk_cost_index_bp(&in, &peer), 12487);
    peer.cost_per_case_fen[2] = 0; /* only the outpatient cases compared */
    assert_int_equal(risk_cost_index_bp(&in, &peer), 12000);
}

static void test_inst_score(void **state) {
    (void)state;
    struct risk_inst in = hospital();
    struct risk_peer peer;
    struct risk_score s;
    memset(&peer, 0, sizeof peer);
    peer.cost_per_case_fen[0] = 5000, peer.cost_per_case_fen[2] = 400000;
    peer.flagged_share_bp = 500, peer.readmission_bp = 100, peer.class_c_bp = 3000;
    risk_score_inst(&in, &peer, &s);
    const struct risk_term_value *t = s.terms;
    assert_int_equal(t[RISK_T_FLAGGED_BILLS].points, 6 * RISK_W_FLAGGED_BILL);
    assert_int_equal(t[RISK_T_FLAGGED_SHARE].value, 1000); /* 6 of 60 */
    assert_int_equal(t[RISK_T_FLAGGED_SHARE].points, (1000 - 500) * RISK_W_FLAGGED_SHARE / 10000);
    assert_int_equal(t[RISK_T_COST_INDEX].value, 12487);
    assert_int_equal(t[RISK_T_COST_INDEX].points, 2487 * RISK_W_COST_INDEX / 10000);
    assert_int_equal(t[RISK_T_READMISSION].value, 1500); /* 3 of 20 */
    assert_int_equal(t[RISK_T_READMISSION].points, 1400 * RISK_W_READMISSION / 10000);
    assert_int_equal(t[RISK_T_CLASS_C].value, 2500); /* below the peers: nothing */
    assert_int_equal(t[RISK_T_CLASS_C].points, 0);
    assert_false(t[RISK_T_NON_MEDICAL].counted); /* no pharmacy cases */
    int64_t sum = 0;
    for (int i = 0; i < RISK_TERM_COUNT; i++) sum += t[i].points;
    assert_int_equal(s.points, sum);
    assert_int_equal(s.points, 600 + 50 + 248 + 280);
    /* under RISK_CASES_MIN stays the readmission rate earns nothing */
    in.stays = RISK_CASES_MIN - 1;
    risk_score_inst(&in, &peer, &s);
    assert_false(s.terms[RISK_T_READMISSION].counted);
    assert_int_equal(s.terms[RISK_T_READMISSION].points, 0);
}

static void test_person_score(void **state) {
    (void)state;
    struct risk_person p = {12, 3, 123456, 1, RISK_PHARMACIES_USUAL + 2};
    struct risk_person_score s;
    risk_score_person(&p, &s);
    assert_int_equal(s.terms[RISK_P_FINDINGS].points, 3 * RISK_W_PERSON_FINDING);
    assert_int_equal(s.terms[RISK_P_AT_STAKE].points, 12); /* 1234.56 yuan: 12 points */
    assert_int_equal(s.terms[RISK_P_STAY_VISITS].points, RISK_W_PERSON_STAY_VISIT);
    assert_int_equal(s.terms[RISK_P_PHARMACIES].points, 2 * RISK_W_PERSON_PHARMACY);
    assert_int_equal(s.points, 300 + 12 + 100 + 100);
    p.pharmacies = RISK_PHARMACIES_USUAL;
    risk_score_person(&p, &s);
    assert_int_equal(s.terms[RISK_P_PHARMACIES].points, 0);
}

static struct det_bill stay(const char *inst, int m1, int d1, int m2, int d2) {
    struct det_bill b;
    memset(&b, 0, sizeof b);
    b.msgid = "x", b.fixmedins_code = inst, b.med_type = MED_TYPE_INPATIENT, b.dise_codg = "I10";
    b.begntime = datetime_from_civil(2020, m1, d1, 9, 0, 0);
    b.endtime = datetime_from_civil(2020, m2, d2, 10, 0, 0);
    return b;
}

static void test_readmissions(void **state) {
    (void)state;
    struct det_bill b[6];
    bool adm[6], readm[6];
    b[0] = stay("H1", 1, 1, 1, 5);
    b[1] = stay("H1", 1, 20, 1, 22); /* day 15 after 5 January: a readmission */
    b[2] = stay("H2", 1, 23, 1, 25); /* another hospital: an admission only */
    b[3] = stay("H1", 2, 7, 2, 9);   /* day 16 after 22 January: not */
    b[4] = b[3];                     /* the stay's next part */
    b[4].begntime = b[3].endtime, b[4].endtime = b[3].endtime + 3 * 86400;
    b[5] = stay("H2", 2, 20, 2, 21); /* 26 days after H2's: not */
    b[5].med_type = MED_TYPE_GENERAL_OUTPATIENT;
    risk_readmissions(b, 6, adm, readm);
    bool want_adm[6] = {true, true, true, true, false, false};
    bool want_readm[6] = {false, true, false, false, false, false};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(adm[i], want_adm[i]);
        assert_int_equal(readm[i], want_readm[i]);
    }
    b[3].begntime = datetime_from_civil(2020, 2, 6, 9, 0, 0); /* day 15 */
    risk_readmissions(b, 4, adm, readm);
    assert_true(readm[3]);
    assert_int_equal(risk_med_index(MED_TYPE_PHARMACY), 3);
    assert_int_equal(risk_med_index(MED_TYPE_INVALID), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_share_and_median), cmocka_unit_test(test_cost_index),
        cmocka_unit_test(test_inst_score),       cmocka_unit_test(test_person_score),
        cmocka_unit_test(test_readmissions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
