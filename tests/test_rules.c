/* test_rules.c: cmocka tests of src/core/rules.c, the evaluation of a bill
 * against a rule file (docs/RULES.md), and of its codec
 * (src/codec/rules_json.c): each rule type on both sides of its limit
 * (gender, the age on the bill's end date the day before and on the
 * birthday, levels, care settings, units per day over a stay's days and
 * per bill over several lines of the item, an indication by diagnosis
 * prefix, an exclusive pair reported at the line completing it, days of
 * supply at outpatient and pharmacy bills and not at a stay); the
 * order of violations (line, then rule) and the first deny; a full output
 * keeps the first deny; an item named by two rules; the index rejects an
 * item named twice by one rule. Amounts are never changed: rules_eval
 * takes the bill as const. The catalog's restrictions as rules
 * (rules_add_catalog): warn by default, the rule file's catalog_restrict
 * severity (deny, off), the age at its limits, an unknown birth date or
 * gender, and the codec's refusals of a catalog_restrict rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "core/rules.h"

static struct rule_set rs;
static struct bill_line lines[8];
static struct bill bill;

static char last_err[CODEC_ERR_BYTES]; /* setup_rules' refusal */

static int setup_rules(const char *json) {
    char *err = last_err;
    last_err[0] = '\0';
    struct json_limits limits = {1u << 20, JSON_DEPTH_MAX, 1u << 16};
    struct json_doc *doc = json_doc_new(&limits);
    assert_non_null(doc);
    struct json_error jerr;
    const struct json_value *root = json_parse(doc, json, strlen(json), &jerr);
    assert_non_null(root);
    int rc = rules_from_json(root, &rs, err, sizeof last_err);
    json_doc_free(doc);
    if (rc != 0) print_message("rules: %s\n", err);
    return rc;
}

static void line(int i, const char *code, int64_t cnt_units, int64_t fen) {
    memset(&lines[i], 0, sizeof lines[i]);
    strcpy(lines[i].med_list_codg, code);
    snprintf(lines[i].feedetl_sn, sizeof lines[i].feedetl_sn, "%d", i + 1);
    lines[i].cnt_scaled = cnt_units * 10000;
    lines[i].amount_fen = fen;
    lines[i].numbers_ok = true;
}

static void bill_of(enum med_type t, int begin_day, int end_day, const char *dise, int n) {
    memset(&bill, 0, sizeof bill);
    bill.med_type = t;
    bill.dates_ok = true;
    bill.begntime = datetime_from_civil(2020, 6, begin_day, 9, 0, 0);
    bill.endtime = datetime_from_civil(2020, 6, end_day, 10, 0, 0);
    strcpy(bill.dise_codg, dise);
    bill.lines = lines;
    bill.line_count = n;
}

static struct rule_subject person(int gender, int by, int bm, int bd, enum level level) {
    struct rule_subject s = {gender, by, bm, bd, level, &bill};
    return s;
}

#define HEAD(id, type, sev)                                                       \
    "{\"id\":\"" id "\",\"name\":\"n\",\"type\":\"" type "\",\"severity\":\"" sev \
    "\",\"behaviour\":\"1\""

static const char *const FILE_ALL = "{\"format\":\"yibao-rules/1\",\"rules\":["            //
    HEAD("G", "gender", "deny") ",\"gender\":\"2\",\"items\":[\"W\"]},"                    //
    HEAD("A", "age", "deny") ",\"age_min\":0,\"age_max\":14,\"items\":[\"K\"]},"           //
    HEAD("L", "level", "warn") ",\"levels\":[2,3],\"items\":[\"M\",\"W\"]},"               //
    HEAD("S", "setting", "deny") ",\"settings\":[\"inpatient\"],\"items\":[\"B\"]},"       //
    HEAD("D", "units_day", "warn") ",\"max_units\":3,\"items\":[\"Q\"]},"                  //
    HEAD("U", "units_bill", "warn") ",\"max_units\":10,\"items\":[\"R\"]},"                //
    HEAD("I", "indication", "warn") ",\"diagnoses\":[\"E10\",\"E11\"],\"items\":[\"N\"]}," //
    HEAD("X", "exclusive", "warn") ",\"items\":[\"CT\",\"MR\"]}"                           //
                                   "]}";

static int32_t eval(struct rule_subject s, struct rule_violation *v, int32_t max, int32_t *deny) {
    return rules_eval(&rs, &s, v, max, deny);
}

static void test_codec(void **state) {
    (void)state;
    assert_int_equal(setup_rules(FILE_ALL), 0);
    assert_int_equal(rs.count, 8);
    assert_int_equal(rs.item_count, 10);
    assert_int_equal(rs.rules[4].max_cnt_scaled, 30000);
    assert_int_equal(rs.rules[2].levels, (1u << 2) | (1u << 3));
    assert_int_equal(rs.rules[3].settings, RULE_SETTING_INPATIENT);
    assert_string_equal(rs.rules[7].pair[1], "MR");
    /* the index is sorted by code */
    for (int32_t i = 1; i < rs.item_count; i++)
        assert_true(strcmp(rs.items[i - 1].code, rs.items[i].code) <= 0);
    /* one rule naming an item twice is refused, naming it */
    const char *twice = "{\"format\":\"yibao-rules/1\",\"rules\":[" HEAD(
        "G", "gender", "deny") ",\"gender\":\"2\",\"items\":[\"W\",\"W\"]}]}";
    assert_int_equal(setup_rules(twice), -1);
    assert_non_null(strstr(last_err, "rules[0].items: names 'W' twice"));
    assert_int_equal(rs.count, 0); /* nothing kept */
}

static void test_person_rules(void **state) {
    (void)state;
    struct rule_violation v[8];
    int32_t deny;
    assert_int_equal(setup_rules(FILE_ALL), 0);
    line(0, "W", 1, 500);
    line(1, "K", 1, 700);
    bill_of(MED_TYPE_GENERAL_OUTPATIENT, 1, 1, "J06", 2);
    /* a man of 60 at a level-3 hospital: W (women only) denied; K (0-14) too */
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_3), v, 8, &deny), 2);
    assert_int_equal(deny, 0);
    assert_string_equal(rs.rules[v[0].rule].id, "G");
    assert_int_equal(v[0].line, 0);
    assert_int_equal(v[0].amount_fen, 500);
    assert_int_equal(v[0].value, 1);
    assert_string_equal(rs.rules[v[1].rule].id, "A");
    assert_int_equal(v[1].value, 60);
    /* a woman turning 15 on 2 June 2020: 14 on the 1st (allowed), 15 on the 2nd */
    assert_int_equal(eval(person(2, 2005, 6, 2, LEVEL_3), v, 8, &deny), 0);
    bill_of(MED_TYPE_GENERAL_OUTPATIENT, 2, 2, "J06", 2);
    assert_int_equal(eval(person(2, 2005, 6, 2, LEVEL_3), v, 8, &deny), 1);
    assert_int_equal(v[0].value, 15);
    /* an unknown gender or birth date: those rules do not apply */
    assert_int_equal(eval(person(0, 0, 0, 0, LEVEL_3), v, 8, &deny), 0);
    /* W is also under L (levels 2-3, warn): at a township centre both, in rule order */
    bill_of(MED_TYPE_GENERAL_OUTPATIENT, 1, 1, "J06", 1);
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_TOWNSHIP), v, 8, &deny), 2);
    assert_string_equal(rs.rules[v[0].rule].id, "G");
    assert_string_equal(rs.rules[v[1].rule].id, "L");
    assert_int_equal(v[1].value, LEVEL_TOWNSHIP);
    assert_int_equal(deny, 0);
}

static void test_setting_and_units(void **state) {
    (void)state;
    struct rule_violation v[8];
    int32_t deny;
    assert_int_equal(setup_rules(FILE_ALL), 0);
    line(0, "B", 1, 3000);
    bill_of(MED_TYPE_PHARMACY, 1, 1, "", 1);
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_NONE), v, 8, &deny), 1);
    assert_int_equal(v[0].value, RULE_SETTING_PHARMACY);
    bill_of(MED_TYPE_INPATIENT, 1, 5, "K35", 1);
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_3), v, 8, &deny), 0);
    /* units a day over a 4-day stay: 12 units = 3 a day (allowed), 13 = 3.25 */
    line(0, "Q", 12, 1200);
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_3), v, 8, &deny), 0);
    line(0, "Q", 6, 600);
    line(1, "Q", 7, 700);
    bill_of(MED_TYPE_INPATIENT, 1, 5, "K35", 2);
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_3), v, 8, &deny), 1);
    assert_int_equal(v[0].line, 0); /* once, at the item's first line */
    assert_int_equal(v[0].value, 32500);
    assert_int_equal(v[0].amount_fen, 1300);
    assert_int_equal(deny, -1); /* a warn */
    /* units a bill: 10 allowed, 11 over, across lines */
    line(0, "R", 4, 40);
    line(1, "X1", 1, 1);
    line(2, "R", 7, 70);
    bill_of(MED_TYPE_GENERAL_OUTPATIENT, 1, 1, "J06", 3);
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_3), v, 8, &deny), 1);
    assert_int_equal(v[0].value, 110000);
    line(2, "R", 6, 60);
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_3), v, 8, &deny), 0);
}

static void test_indication_and_pair(void **state) {
    (void)state;
    struct rule_violation v[8];
    int32_t deny;
    assert_int_equal(setup_rules(FILE_ALL), 0);
    line(0, "N", 1, 100);
    bill_of(MED_TYPE_GENERAL_OUTPATIENT, 1, 1, "E11.9", 1);
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_3), v, 8, &deny), 0);
    bill_of(MED_TYPE_GENERAL_OUTPATIENT, 1, 1, "E1", 1); /* not a prefix match */
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_3), v, 8, &deny), 1);
    /* the special disease code indicates too */
    strcpy(bill.spec_dise_codg, "E10");
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_3), v, 8, &deny), 0);
    /* MR then CT: reported at CT (line 2), the other line MR */
    line(0, "MR", 1, 600);
    line(1, "Z", 1, 1);
    line(2, "CT", 1, 200);
    bill_of(MED_TYPE_GENERAL_OUTPATIENT, 1, 1, "J06", 3);
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_3), v, 8, &deny), 1);
    assert_int_equal(v[0].line, 2);
    assert_int_equal(v[0].other_line, 0);
    assert_int_equal(v[0].amount_fen, 200);
    bill.line_count = 2; /* one of the pair: nothing */
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_3), v, 8, &deny), 0);
}

static const char *const FILE_DAYS = "{\"format\":\"yibao-rules/1\",\"rules\":[" //
    HEAD("P", "days_supply", "warn") ",\"daily_units\":3,\"max_days\":7,\"items\":[\"P\"]}]}";

/* A days_supply rule's file refused naming the key: WANT in the message. */
static void days_refused(const char *restriction, const char *want) {
    char text[512];
    snprintf(text, sizeof text,
             "{\"format\":\"yibao-rules/1\",\"rules\":[%s%s,\"items\":[\"P\"]}]}",
             HEAD("P", "days_supply", "warn"), restriction);
    assert_int_equal(setup_rules(text), -1);
    assert_non_null(strstr(last_err, want));
}

static void test_days_supply(void **state) {
    (void)state;
    struct rule_violation v[8];
    int32_t deny;
    assert_int_equal(setup_rules(FILE_DAYS), 0);
    assert_int_equal(rs.rules[0].daily_cnt_scaled, 30000);
    assert_int_equal(rs.rules[0].max_days, 7);
    /* 3 a day for 7 days: 21 units over two lines allowed, 22 over */
    line(0, "P", 10, 1000);
    line(1, "P", 11, 1100);
    bill_of(MED_TYPE_GENERAL_OUTPATIENT, 1, 1, "J06", 2);
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_3), v, 8, &deny), 0);
    line(1, "P", 12, 1200);
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_3), v, 8, &deny), 1);
    assert_int_equal(v[0].line, 0);
    assert_int_equal(v[0].value, 73333); /* 22 / 3 days, rounded down */
    assert_int_equal(v[0].amount_fen, 2200);
    bill_of(MED_TYPE_PHARMACY, 1, 1, "", 2);
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_NONE), v, 8, &deny), 1);
    /* a stay takes its units in the ward: not a supply handed out */
    bill_of(MED_TYPE_INPATIENT, 1, 5, "K35", 2);
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_3), v, 8, &deny), 0);
    days_refused(",\"max_days\":7", "rules[0].daily_units: missing");
    days_refused(",\"daily_units\":0,\"max_days\":7", "rules[0].daily_units: must be a number > 0");
    days_refused(",\"daily_units\":3", "rules[0].max_days");
    days_refused(",\"daily_units\":3,\"max_days\":367", "rules[0].max_days");
    days_refused(",\"daily_units\":3,\"max_days\":7,\"max_units\":9",
                 "rules[0].max_units: is not a key of a days_supply rule");
}

static void test_full_output_keeps_deny(void **state) {
    (void)state;
    struct rule_violation v[2];
    int32_t deny;
    assert_int_equal(setup_rules(FILE_ALL), 0);
    line(0, "N", 1, 1);
    line(1, "N", 1, 1);
    line(2, "N", 1, 1);
    line(3, "W", 1, 1);
    bill_of(MED_TYPE_GENERAL_OUTPATIENT, 1, 1, "J06", 4);
    /* three warns (N) then a deny (W) and its warn (L at level 1): 5 in all */
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_1), v, 2, &deny), 5);
    assert_int_equal(deny, 1);
    assert_string_equal(rs.rules[v[1].rule].id, "G");
    assert_int_equal(v[1].line, 3);
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_1), v, 0, &deny), 5);
    assert_int_equal(deny, -1);
}

/* A catalog: W for women, K and K2 for children (0-14), E for men of 60
 * and over, P unrestricted. */
static void restricted_catalog(struct catalog *cat) {
    static const struct {
        const char *code;
        int gender, age_min, age_max;
    } items[] = {
        {"W", 2, -1, -1}, {"K", 0, 0, 14}, {"E", 1, 60, 150}, {"P", 0, -1, -1}, {"K2", 0, 0, 14}};
    catalog_init(cat);
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        struct catalog_item it;
        memset(&it, 0, sizeof it);
        strcpy(it.code, items[i].code);
        it.item_class = CLASS_A;
        it.prepay_bp = -1;
        it.cap_price_scaled = -1;
        it.restrict_gender = (int8_t)items[i].gender;
        it.restrict_age_min = (int16_t)items[i].age_min;
        it.restrict_age_max = (int16_t)items[i].age_max;
        assert_int_equal(catalog_add(cat, &it), 0);
    }
}

#define NO_RULES "{\"format\":\"yibao-rules/1\",\"rules\":[]}"

static void test_catalog_restrict(void **state) {
    (void)state;
    struct rule_violation v[8];
    struct catalog cat;
    int32_t deny;
    restricted_catalog(&cat);
    assert_true(rules_catalog_restricts(&cat));
    /* no rule file's word: the built-in rule, warn, one rule per restriction */
    assert_int_equal(setup_rules(NO_RULES), 0);
    assert_int_equal(rules_add_catalog(&rs, &cat), 0);
    assert_int_equal(rs.count, 4);      /* gender 2, ages 0-14, gender 1, ages 60-150 */
    assert_int_equal(rs.item_count, 5); /* W, K, E twice, K2 */
    for (int32_t r = 0; r < rs.count; r++) {
        assert_string_equal(rs.rules[r].id, "CATALOG-RESTRICT");
        assert_int_equal(rs.rules[r].severity, RULE_WARN);
    }
    line(0, "W", 1, 500);
    line(1, "K", 1, 700);
    line(2, "E", 1, 900);
    line(3, "P", 1, 100);
    line(4, "K2", 1, 300);
    bill_of(MED_TYPE_GENERAL_OUTPATIENT, 14, 14, "J06", 5);
    /* a man born 15 June 1960: 59 on the 14th (E's age), W's gender, K's and K2's age */
    assert_int_equal(eval(person(1, 1960, 6, 15, LEVEL_1), v, 8, &deny), 4);
    assert_int_equal(deny, -1); /* warn: settled, flagged */
    assert_int_equal(v[0].line, 0);
    assert_int_equal(rs.rules[v[0].rule].type, RULE_GENDER);
    assert_int_equal(v[1].line, 1);
    assert_int_equal(v[2].line, 2);
    assert_int_equal(rs.rules[v[2].rule].type, RULE_AGE);
    assert_int_equal(v[2].value, 59);
    assert_int_equal(v[3].line, 4);
    /* 60 on his birthday: E allowed (age exactly at age_min) */
    bill_of(MED_TYPE_GENERAL_OUTPATIENT, 15, 15, "J06", 5);
    assert_int_equal(eval(person(1, 1960, 6, 15, LEVEL_1), v, 8, &deny), 3);
    /* a girl of exactly 14 (age_max) takes K, K2 and W; turning 15 she may not take K */
    assert_int_equal(eval(person(2, 2005, 6, 16, LEVEL_1), v, 8, &deny), 2); /* E: both */
    assert_int_equal(eval(person(2, 2005, 6, 15, LEVEL_1), v, 8, &deny), 4); /* and K, K2 */
    assert_int_equal(v[0].line, 1);
    assert_int_equal(v[0].value, 15);
    /* unknown birth date: no age rule; unknown gender: no gender rule */
    assert_int_equal(eval(person(1, 0, 0, 0, LEVEL_1), v, 8, &deny), 0 + 1); /* W */
    assert_int_equal(eval(person(0, 0, 0, 0, LEVEL_1), v, 8, &deny), 0);
    /* the rule file raises them to deny, under its own id; a file rule on W too */
    assert_int_equal(
        setup_rules("{\"format\":\"yibao-rules/1\",\"rules\":[" HEAD(
            "G", "gender", "warn") ",\"gender\":\"2\",\"items\":[\"W\"]}," HEAD("R-CAT",
                                                                                "catalog_"
                                                                                "restrict",
                                                                                "deny") "}]}"),
        0);
    assert_int_equal(rules_add_catalog(&rs, &cat), 0);
    assert_int_equal(rs.count, 2 + 4);
    assert_int_equal(eval(person(1, 0, 0, 0, LEVEL_1), v, 8, &deny), 2);
    assert_string_equal(rs.rules[v[0].rule].id, "G");
    assert_string_equal(rs.rules[v[1].rule].id, "R-CAT");
    assert_int_equal(deny, 1);
    /* off: the catalog makes no rules */
    assert_int_equal(setup_rules("{\"format\":\"yibao-rules/1\",\"rules\":[" HEAD(
                         "R-CAT", "catalog_restrict", "off") "}]}"),
                     0);
    assert_int_equal(rules_add_catalog(&rs, &cat), 0);
    assert_int_equal(rs.item_count, 0);
    catalog_free(&cat);
}

/* An item of the catalog restricted beyond gender and ages. */
static void more_item(struct catalog *cat, const char *code, uint8_t levels, uint8_t settings,
                      int64_t day, int64_t bill_units, const char *diagnoses,
                      const char *exclusive) {
    struct catalog_item it;
    memset(&it, 0, sizeof it);
    strcpy(it.code, code);
    it.item_class = CLASS_A;
    it.prepay_bp = -1;
    it.cap_price_scaled = -1;
    it.restrict_age_min = it.restrict_age_max = -1;
    it.restrict_levels = levels, it.restrict_settings = settings;
    it.restrict_day_scaled = day * 10000, it.restrict_bill_scaled = bill_units * 10000;
    it.restrict_diagnoses = (char *)diagnoses, it.restrict_exclusive = (char *)exclusive;
    assert_int_equal(catalog_add(cat, &it), 0);
}

/* Levels, settings, units, indications and exclusive items of the catalog
 * as rules: one per distinct restriction, one per pair named either way. */
static void test_catalog_restrict_more(void **state) {
    (void)state;
    struct rule_violation v[16];
    struct catalog cat;
    int32_t deny;
    catalog_init(&cat);
    more_item(&cat, "A", (1u << LEVEL_2) | (1u << LEVEL_3), 0, 0, 0, NULL, NULL);
    more_item(&cat, "A2", (1u << LEVEL_2) | (1u << LEVEL_3), 0, 0, 0, NULL, NULL);
    more_item(&cat, "B", 0, RULE_SETTING_INPATIENT, 0, 0, NULL, NULL);
    more_item(&cat, "C", 0, 0, 2, 0, NULL, NULL);
    more_item(&cat, "D", 0, 0, 0, 10, NULL, NULL);
    more_item(&cat, "E", 0, 0, 0, 0, "E10,E11", NULL);
    more_item(&cat, "F", 0, 0, 0, 0, NULL, "G");
    more_item(&cat, "G", 0, 0, 0, 0, NULL, "F,H");
    more_item(&cat, "H", 0, 0, 0, 0, NULL, NULL);
    assert_true(rules_catalog_restricts(&cat));
    assert_int_equal(setup_rules(NO_RULES), 0);
    assert_int_equal(rules_add_catalog(&rs, &cat), 0);
    /* levels (A, A2), setting, units a day, a bill, indication, pairs F-G and G-H */
    assert_int_equal(rs.count, 7);
    assert_int_equal(rs.item_count, 2 + 1 + 1 + 1 + 1 + 2 + 2);
    line(0, "A", 1, 100);
    line(1, "B", 1, 100);
    line(2, "C", 3, 300);
    line(3, "D", 11, 110);
    line(4, "E", 1, 100);
    line(5, "F", 1, 100);
    line(6, "G", 1, 100);
    line(7, "H", 1, 100);
    bill_of(MED_TYPE_GENERAL_OUTPATIENT, 14, 14, "J06", 8);
    /* at a level 1 hospital, outpatient, J06: every one but F (the pair completes at G) */
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_1), v, 16, &deny), 7);
    assert_int_equal(deny, -1);
    int32_t want_lines[7] = {0, 1, 2, 3, 4, 6, 7};
    for (int k = 0; k < 7; k++) {
        assert_int_equal(v[k].line, want_lines[k]);
        assert_string_equal(rs.rules[v[k].rule].id, "CATALOG-RESTRICT");
    }
    assert_int_equal(rs.rules[v[5].rule].type, RULE_EXCLUSIVE);
    assert_int_equal(v[5].other_line, 5); /* G completes F-G */
    assert_int_equal(v[6].other_line, 6); /* H completes G-H */
    /* a level 3 stay of 2 days, diabetic: A, B, E allowed; C 3 units over 2 days
     * (1.5 a day) allowed; D (11 > 10), the pairs still broken */
    bill_of(MED_TYPE_INPATIENT, 14, 16, "E11.9", 8);
    assert_int_equal(eval(person(1, 1960, 1, 1, LEVEL_3), v, 16, &deny), 3);
    assert_int_equal(v[0].line, 3);
    catalog_free(&cat);
    /* more distinct restrictions than CATALOG_RULES_MAX: refused (-2) */
    catalog_init(&cat);
    char code[16];
    for (int i = 0; i <= CATALOG_RULES_MAX; i++) {
        snprintf(code, sizeof code, "U%d", i);
        more_item(&cat, code, 0, 0, 0, i + 1, NULL, NULL);
    }
    assert_int_equal(setup_rules(NO_RULES), 0);
    assert_int_equal(rules_add_catalog(&rs, &cat), -2);
    catalog_free(&cat);
}

static void catalog_refused(const char *rules, const char *want) {
    char text[512];
    snprintf(text, sizeof text, "{\"format\":\"yibao-rules/1\",\"rules\":[%s]}", rules);
    assert_int_equal(setup_rules(text), -1);
    assert_non_null(strstr(last_err, want));
}

static void test_catalog_restrict_codec(void **state) {
    (void)state;
    catalog_refused(HEAD("C", "catalog_restrict", "warn") ",\"items\":[\"W\"]}",
                    "rules[0].items: is not a key of a catalog_restrict rule");
    catalog_refused(HEAD("C", "catalog_restrict", "warn") ",\"gender\":\"2\"}",
                    "rules[0].gender: is not a key of a catalog_restrict rule");
    catalog_refused(
        HEAD("C", "catalog_restrict", "warn") "}," HEAD("D", "catalog_restrict", "deny") "}",
        "rules[1].type: a second catalog_restrict rule (the first is rules[0])");
    catalog_refused(HEAD("C", "catalog_restrict", "block") "}",
                    "rules[0].severity: must be \"deny\", \"warn\" or \"off\"");
    catalog_refused(HEAD("C", "gender", "off") ",\"gender\":\"2\",\"items\":[\"W\"]}",
                    "rules[0].severity: must be \"deny\" or \"warn\"");
    /* a catalog without restrictions makes no rules */
    struct catalog cat;
    catalog_init(&cat);
    assert_false(rules_catalog_restricts(&cat));
    assert_int_equal(setup_rules(NO_RULES), 0);
    assert_int_equal(rules_add_catalog(&rs, &cat), 0);
    assert_int_equal(rs.count, 0);
    catalog_free(&cat);
}

static int teardown(void **state) {
    (void)state;
    rules_free(&rs);
    return 0;
}

static int setup(void **state) {
    (void)state;
    return rules_init(&rs);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec),
        cmocka_unit_test(test_person_rules),
        cmocka_unit_test(test_setting_and_units),
        cmocka_unit_test(test_indication_and_pair),
        cmocka_unit_test(test_full_output_keeps_deny),
        cmocka_unit_test(test_days_supply),
        cmocka_unit_test(test_catalog_restrict),
        cmocka_unit_test(test_catalog_restrict_more),
        cmocka_unit_test(test_catalog_restrict_codec),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
