/* test_loaders.c: cmocka tests of the codec loaders (src/codec).
 *
 * Every shipped policy in policies/ (every .json file) loads (found through YIBAO_ROOT or
 * the current directory; skipped with a message when neither has them), with
 * spot checks of the figures. policy_from_json and catalog_from_json are fed
 * JSON text literals: each kind of error returns -1 with a message naming the
 * key path (the text is pinned by substrings), unknown keys are ignored.
 * bill_from_json: structural errors fail, deferred errors (dates, numbers)
 * are recorded in the bill for the engine.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/bill_decode.h"
#include "codec/codec.h"
#include "core/limits.h"
#include "core/money.h"
#include "core/rules.h"
#include "json/json.h"

/* ---- helpers ---------------------------------------------------------- */

static const char base_policy[] =
    "{\"format\":\"yibao-policy/1\",\"id\":\"t\",\"region\":\"440900\",\"year\":2020,"
    "\"insutype\":\"390\",\"class_b_prepay\":0.1,\"notes\":{\"x\":[1,2,{}]},"
    "\"basic\":{\"annual_cap\":200000,"
    "\"inpatient\":{\"deductible\":{\"township\":100,\"level1\":300,\"level2\":500,\"level3\":1000},"
    "\"repeat_admission_deductible\":0.5,\"deductible_waived_dx\":[\"F20\"],"
    "\"ratio\":{\"township\":0.9,\"level1\":0.85,\"level2\":0.75,\"level3\":0.65}},"
    "\"outpatient_special\":{\"annual_deductible\":0,\"ratio\":null,"
    "\"diseases\":{\"M01600\":{\"name\":\"hypertension\",\"annual_cap\":1500},\"M03900\":{\"annual_cap\":null}}},"
    "\"outpatient_general\":{\"annual_deductible\":0,\"ratio\":0.5,\"annual_cap\":200,"
    "\"levels\":[\"township\",\"level1\"]},"
    "\"out_of_area_unfiled_ratio_cut\":0.1},"
    "\"person_rules\":[{\"when\":\"extreme_poverty\",\"inpatient_deductible_factor\":0,"
    "\"ratio_add\":{\"level3\":0.05}}],"
    "\"over_cap\":{\"ratio\":0.9,\"annual_cap\":400000},"
    "\"catastrophic\":{\"threshold\":15000,\"bands\":[{\"upto\":50000,\"ratio\":0.6},"
    "{\"upto\":null,\"ratio\":0.8}],\"annual_cap\":300000,"
    "\"person_rules\":[{\"when\":\"low_income\",\"threshold_factor\":0.5,\"annual_cap\":null}]},"
    "\"assistance\":[{\"when\":\"low_income\",\"ratio\":0.7,\"annual_cap\":30000}],"
    "\"personal_account\":{\"covers\":\"in_scope\"}}";

static const char base_catalog[] = "{\"format\":\"yibao-catalog/1\",\"items\":{"
                                   "\"X1\":{\"class\":\"A\",\"name\":\"a\"},"
                                   "\"X2\":{\"class\":\"B\",\"prepay\":0.2,\"cap_price\":12.5},"
                                   "\"X3\":{\"class\":\"C\",\"cap_price\":null},"
                                   "\"X4\":{\"class\":\"B\",\"cap_price\":0.000001}}}";

static struct json_doc *doc;

static int setup(void **state) {
    (void)state;
    struct json_limits limits = {JSON_BYTES_MAX, JSON_DEPTH_MAX, JSON_NODES_MAX};
    doc = json_doc_new(&limits);
    return doc == NULL ? -1 : 0;
}

static int teardown(void **state) {
    (void)state;
    json_doc_free(doc);
    return 0;
}

static const struct json_value *parse(const char *text) {
    struct json_error jerr;
    const struct json_value *root = json_parse(doc, text, strlen(text), &jerr);
    if (root == NULL) print_error("json: byte %zu: %s\n%s\n", jerr.offset, jerr.message, text);
    assert_non_null(root);
    return root;
}

/* Returns a malloc'd copy of text with the single occurrence of `from`
 * replaced by `to` (fails the test when `from` does not occur exactly once). */
static char *replace(const char *text, const char *from, const char *to) {
    const char *at = strstr(text, from);
    if (at == NULL || strstr(at + 1, from) != NULL) print_error("pattern '%s' not unique\n", from);
    assert_non_null(at);
    assert_null(strstr(at + 1, from));
    size_t n = strlen(text) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    assert_non_null(out);
    size_t head = (size_t)(at - text);
    memcpy(out, text, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    return out;
}

static void expect_substring(const char *err, const char *want) {
    if (strstr(err, want) == NULL) print_error("message \"%s\" lacks \"%s\"\n", err, want);
    assert_non_null(strstr(err, want));
}

/* Policy text with `from` replaced by `to` must fail with a message that
 * contains every one of want1 and want2 (want2 may be NULL). */
static void policy_fails(const char *from, const char *to, const char *want1, const char *want2) {
    char *text = replace(base_policy, from, to);
    static struct policy p;
    char err[CODEC_ERR_BYTES] = "";
    int rc = policy_from_json(parse(text), &p, err, sizeof err);
    if (rc != -1) print_error("accepted: %s -> %s\n", from, to);
    assert_int_equal(rc, -1);
    expect_substring(err, want1);
    if (want2 != NULL) expect_substring(err, want2);
    free(text);
}

static void policy_loads(const char *from, const char *to, struct policy *out) {
    char *text = replace(base_policy, from, to);
    char err[CODEC_ERR_BYTES] = "";
    int rc = policy_from_json(parse(text), out, err, sizeof err);
    if (rc != 0) print_error("rejected: %s -> %s: %s\n", from, to, err);
    assert_int_equal(rc, 0);
    assert_null(policy_invariant_error(out));
    free(text);
}

/* ---- shipped files ---------------------------------------------------- */

/* Finds the policies folder: $YIBAO_ROOT/policies, ./policies, ../policies. */
static int policies_dir(char *out, size_t size) {
    const char *root = getenv("YIBAO_ROOT");
    const char *candidates[3] = {root, ".", ".."};
    for (int i = 0; i < 3; i++) {
        struct stat st;
        if (candidates[i] == NULL || candidates[i][0] == '\0') continue;
        snprintf(out, size, "%s/policies", candidates[i]);
        if (stat(out, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
    }
    return -1;
}

static void test_shipped_policies_load(void **state) {
    (void)state;
    char dir[2048];
    if (policies_dir(dir, sizeof dir) != 0) {
        print_message("no policies folder (set YIBAO_ROOT); skipped\n");
        skip();
    }
    DIR *d = opendir(dir);
    assert_non_null(d);
    int policies = 0, catalogs = 0, rule_sets = 0;
    static struct policy p;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0) continue;
        char path[4096], err[CODEC_ERR_BYTES] = "";
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (strncmp(e->d_name, "catalog", 7) == 0) {
            struct catalog c;
            catalog_init(&c);
            int rc = catalog_load_file(path, &c, err, sizeof err);
            if (rc != 0) print_error("%s\n", err);
            assert_int_equal(rc, 0);
            assert_true(c.count > 0);
            catalog_free(&c);
            catalogs++;
        } else if (strncmp(e->d_name, "rules", 5) == 0) {
            struct rule_set rs;
            assert_int_equal(rules_init(&rs), 0);
            int rc = rules_load_file(path, &rs, err, sizeof err);
            if (rc != 0) print_error("%s\n", err);
            assert_int_equal(rc, 0);
            assert_true(rs.count > 0);
            rules_free(&rs);
            rule_sets++;
        } else {
            int rc = policy_load_file(path, &p, err, sizeof err);
            if (rc != 0) print_error("%s\n", err);
            assert_int_equal(rc, 0);
            assert_null(policy_invariant_error(&p));
            assert_true(p.year >= 1900 && p.year <= 9999);
            policies++;
        }
    }
    closedir(d);
    assert_true(policies >= 6);
    assert_true(catalogs >= 1);
    assert_true(rule_sets >= 1);

    /* Spot checks of one policy and the catalog. */
    char path[4096], err[CODEC_ERR_BYTES];
    snprintf(path, sizeof path, "%s/maoming-2020-resident.json", dir);
    assert_int_equal(policy_load_file(path, &p, err, sizeof err), 0);
    assert_int_equal(p.year, 2020);
    assert_int_equal(p.insutype, INSUTYPE_RESIDENT);
    assert_string_equal(p.region, "440900");
    assert_int_equal(p.class_b_prepay_bp, 1000);
    assert_true(p.basic_annual_cap_fen == 20000000);
    assert_true(p.inpatient_deductible_fen[LEVEL_3] == 100000);
    assert_true(p.inpatient_deductible_fen[LEVEL_TOWNSHIP] == 10000);
    assert_int_equal(p.inpatient_ratio_bp[LEVEL_3], 6500);
    assert_int_equal(p.inpatient_ratio_bp[LEVEL_TOWNSHIP], 9000);
    assert_int_equal(p.repeat_admission_deductible_bp, 5000);
    assert_int_equal(p.waived_dx_count, 1);
    assert_string_equal(p.waived_dx[0], "F20");
    assert_int_equal(p.disease_count, 5);
    int hyp = policy_disease_index(&p, "M01600");
    assert_true(hyp >= 0);
    assert_true(p.diseases[hyp].annual_cap_fen == 150000);
    assert_true(p.diseases[policy_disease_index(&p, "M03900")].annual_cap_fen == CAP_NONE);
    assert_false(p.special_has_ratio);
    assert_int_equal(p.general_ratio_bp, 5000);
    assert_true(p.general_annual_cap_fen == 20000);
    assert_int_equal(p.general_levels_mask, (1u << LEVEL_TOWNSHIP) | (1u << LEVEL_1));
    assert_false(p.has_over_cap);
    assert_true(p.has_catastrophic);
    assert_true(p.catastrophic.threshold_fen == 1500000);
    assert_int_equal(p.catastrophic.band_count, 1);
    assert_int_equal(p.catastrophic.bands[0].ratio_bp, 8000);
    assert_true(p.catastrophic.bands[0].upto_fen == CAP_NONE);
    assert_int_equal(p.catastrophic_rule_count, 3);
    assert_true(p.catastrophic_rules[0].has_annual_cap);
    assert_true(p.catastrophic_rules[0].annual_cap_fen == CAP_NONE);
    assert_int_equal(p.assistance_count, 3);
    assert_false(p.has_personal_account);

    struct catalog c;
    catalog_init(&c);
    snprintf(path, sizeof path, "%s/catalog-conformance.json", dir);
    assert_int_equal(catalog_load_file(path, &c, err, sizeof err), 0);
    assert_int_equal(c.count, 15);
    const struct catalog_item *it = catalog_find(&c, "XB03");
    assert_non_null(it);
    assert_int_equal(it->item_class, CLASS_B);
    assert_int_equal(it->prepay_bp, 1500);
    assert_true(it->cap_price_scaled == 800000000);
    it = catalog_find(&c, "XB01");
    assert_int_equal(it->prepay_bp, -1);
    assert_true(it->cap_price_scaled == -1);
    it = catalog_find(&c, "XA09");
    assert_true(it->cap_price_scaled == 0);
    assert_null(catalog_find(&c, "NOPE"));
    catalog_free(&c);
}

static void test_load_file_errors(void **state) {
    (void)state;
    static struct policy p;
    char err[CODEC_ERR_BYTES];
    assert_int_equal(policy_load_file("/nonexistent/x.json", &p, err, sizeof err), -1);
    expect_substring(err, "/nonexistent/x.json: cannot open");
    struct catalog c;
    catalog_init(&c);
    assert_int_equal(catalog_load_file("/nonexistent/c.json", &c, err, sizeof err), -1);
    expect_substring(err, "/nonexistent/c.json");
    assert_int_equal(c.count, 0);

    char tmp[] = "/tmp/yibao_test_loaders_XXXXXX";
    int fd = mkstemp(tmp);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("{\"format\": \"yibao-policy/1\", ", f);
    fclose(f);
    assert_int_equal(policy_load_file(tmp, &p, err, sizeof err), -1);
    expect_substring(err, tmp);
    expect_substring(err, "byte ");
    f = fopen(tmp, "w");
    fputs(base_policy, f);
    fclose(f);
    assert_int_equal(policy_load_file(tmp, &p, err, sizeof err), 0);
    f = fopen(tmp, "w");
    fputs("{\"format\": \"yibao-policy/1\"}", f);
    fclose(f);
    assert_int_equal(policy_load_file(tmp, &p, err, sizeof err), -1);
    expect_substring(err, tmp);
    expect_substring(err, "region: missing");
    remove(tmp);
}

/* ---- policy_from_json ------------------------------------------------- */

static void test_policy_base_loads(void **state) {
    (void)state;
    static struct policy p;
    policy_loads("\"id\":\"t\"", "\"id\":\"t\"", &p);
    assert_string_equal(p.id, "t");
    assert_int_equal(p.class_b_prepay_bp, 1000);
    assert_int_equal(p.disease_count, 2);
    assert_true(p.has_over_cap);
    assert_int_equal(p.over_cap_ratio_bp, 9000);
    assert_true(p.over_cap_annual_cap_fen == 40000000);
    assert_int_equal(p.catastrophic.band_count, 2);
    assert_true(p.catastrophic.bands[0].upto_fen == 5000000);
    assert_true(p.catastrophic.bands[1].upto_fen == CAP_NONE);
    assert_int_equal(p.person_rule_count, 1);
    assert_true(p.person_rules[0].has_deductible_factor);
    assert_int_equal(p.person_rules[0].deductible_factor_bp, 0);
    assert_true(p.person_rules[0].has_ratio_add[LEVEL_3]);
    assert_false(p.person_rules[0].has_ratio_add[LEVEL_2]);
    assert_int_equal(p.person_rules[0].ratio_add_bp[LEVEL_3], 500);
    assert_int_equal(p.person_rules[0].when_mask, FLAG_EXTREME_POVERTY << CATEGORY_COUNT);
    assert_true(p.catastrophic_rules[0].has_threshold_factor);
    assert_false(p.catastrophic_rules[0].has_bands);
    assert_int_equal(p.assistance_count, 1);
    assert_true(p.has_personal_account);
    assert_int_equal(p.account_covers, ACCOUNT_COVERS_IN_SCOPE);

    /* Unknown keys are ignored, at the top and inside objects. */
    policy_loads("\"notes\":{\"x\":[1,2,{}]}", "\"notes\":1,\"zzz\":{\"ratio\":7}", &p);
    policy_loads("\"annual_cap\":200000,", "\"annual_cap\":200000,\"unknown\":\"x\",", &p);
    policy_loads("\"covers\":\"in_scope\"", "\"covers\":\"in_scope\",\"extra\":[null]", &p);
    /* null caps are CAP_NONE; covers all; no over_cap. */
    policy_loads("\"annual_cap\":200000,", "\"annual_cap\":null,", &p);
    assert_true(p.basic_annual_cap_fen == CAP_NONE);
    policy_loads("\"covers\":\"in_scope\"", "\"covers\":\"all\"", &p);
    assert_int_equal(p.account_covers, ACCOUNT_COVERS_ALL);
    policy_loads("\"over_cap\":{\"ratio\":0.9,\"annual_cap\":400000}", "\"over_cap\":null", &p);
    assert_false(p.has_over_cap);
    policy_loads("\"insutype\":\"390\"", "\"insutype\":\"310\"", &p);
    assert_int_equal(p.insutype, INSUTYPE_EMPLOYEE);
    /* Exactly POLICY_DISEASES_MAX diseases is fine. */
    char diseases[4096] = "\"diseases\":{";
    for (int i = 0; i < POLICY_DISEASES_MAX; i++)
        snprintf(diseases + strlen(diseases), sizeof diseases - strlen(diseases),
                 "%s\"D%02d\":{\"annual_cap\":%d}", i ? "," : "", i, i);
    strcat(diseases, "}");
    policy_loads("\"diseases\":{\"M01600\":{\"name\":\"hypertension\",\"annual_cap\":1500},"
                 "\"M03900\":{\"annual_cap\":null}}",
                 diseases, &p);
    assert_int_equal(p.disease_count, POLICY_DISEASES_MAX);
    assert_true(p.diseases[31].annual_cap_fen == 3100);
}

static void test_policy_level_errors(void **state) {
    (void)state;
    policy_fails("\"level3\":0.65", "\"level9\":0.65", "basic.inpatient.ratio.level9",
                 "unknown level");
    policy_fails("\"level3\":0.65", "\"pharmacy\":0.65", "basic.inpatient.ratio.pharmacy",
                 "unknown level");
    policy_fails("\"level3\":1000}", "\"level4\":1000}", "basic.inpatient.deductible.level4",
                 "unknown level");
    policy_fails(",\"level3\":0.65", "", "basic.inpatient.ratio.level3", "missing");
    policy_fails(",\"level3\":1000}", "}", "basic.inpatient.deductible.level3", "missing");
    policy_fails("\"ratio_add\":{\"level3\":0.05}", "\"ratio_add\":{\"top\":0.05}",
                 "person_rules[0].ratio_add.top", "unknown level");
    policy_fails("\"levels\":[\"township\",\"level1\"]", "\"levels\":[\"township\",\"level7\"]",
                 "basic.outpatient_general.levels", "unknown level 'level7'");
    policy_fails("\"levels\":[\"township\",\"level1\"]", "\"levels\":[\"township\",1]",
                 "basic.outpatient_general.levels", "unknown level");
    policy_fails("\"levels\":[\"township\",\"level1\"]", "\"levels\":\"township\"",
                 "basic.outpatient_general.levels", "must be an array");
}

/* A hostile key (found by fuzz_policy: hundreds of bytes with a control
 * character) is shortened in the message, which still says what is wrong. */
static void test_policy_long_key_message(void **state) {
    (void)state;
    char to[400] = "\"ratio_add\":{\"lev";
    for (int i = 0; i < 300; i++) strcat(to, i == 7 ? "\\n" : "f");
    strcat(to, "\":0.05}");
    policy_fails("\"ratio_add\":{\"level3\":0.05}", to, "person_rules[0].ratio_add.levfffffff?ffff",
                 "...: unknown level");
}

static void test_policy_ratio_errors(void **state) {
    (void)state;
    policy_fails("\"level3\":0.65", "\"level3\":1.5",
                 "basic.inpatient.ratio.level3: must be a number in [0, 1]", "1.5");
    policy_fails("\"level3\":0.65", "\"level3\":-0.1",
                 "basic.inpatient.ratio.level3: must be a number in [0, 1]", "negative");
    policy_fails("\"level3\":0.65", "\"level3\":0.65001", "basic.inpatient.ratio.level3",
                 "at most 4 decimals");
    policy_fails("\"level3\":0.65", "\"level3\":\"0.65\"", "basic.inpatient.ratio.level3",
                 "not string");
    policy_fails("\"level3\":0.65", "\"level3\":null", "basic.inpatient.ratio.level3", "not null");
    policy_fails("\"class_b_prepay\":0.1", "\"class_b_prepay\":2",
                 "class_b_prepay: must be a number in [0, 1]", NULL);
    policy_fails("\"repeat_admission_deductible\":0.5", "\"repeat_admission_deductible\":true",
                 "basic.inpatient.repeat_admission_deductible", "not true");
    policy_fails("\"ratio\":0.5,\"annual_cap\":200", "\"ratio\":1.0001,\"annual_cap\":200",
                 "basic.outpatient_general.ratio", NULL);
    policy_fails("\"out_of_area_unfiled_ratio_cut\":0.1", "\"out_of_area_unfiled_ratio_cut\":1e1",
                 "basic.out_of_area_unfiled_ratio_cut", NULL);
    policy_fails("\"over_cap\":{\"ratio\":0.9", "\"over_cap\":{\"ratio\":9", "over_cap.ratio",
                 NULL);
    policy_fails("\"threshold_factor\":0.5", "\"threshold_factor\":-1",
                 "catastrophic.person_rules[0].threshold_factor", NULL);
    policy_fails("\"ratio\":0.7,", "\"ratio\":0.77777,", "assistance[0].ratio", NULL);
    policy_fails("\"inpatient_deductible_factor\":0", "\"inpatient_deductible_factor\":1.01",
                 "person_rules[0].inpatient_deductible_factor", NULL);
}

/* A ratio with 5 decimals is reported as "out of range" instead of "too
 * many decimals" (decimal_parse checks the digit string against abs_max
 * before applying the decimal point). */
static void test_policy_ratio_message_regression(void **state) {
    (void)state;
    policy_fails("\"level3\":0.65", "\"level3\":0.65001", "basic.inpatient.ratio.level3",
                 "too many decimals");
}

static void test_policy_band_errors(void **state) {
    (void)state;
    policy_fails(
        "{\"upto\":50000,\"ratio\":0.6},{\"upto\":null,\"ratio\":0.8}",
        "{\"upto\":50000,\"ratio\":0.6},{\"upto\":40000,\"ratio\":0.7},{\"upto\":null,\"ratio\":0.8}",
        "catastrophic.bands[1].upto", "bands out of order");
    policy_fails(
        "{\"upto\":50000,\"ratio\":0.6},{\"upto\":null,\"ratio\":0.8}",
        "{\"upto\":50000,\"ratio\":0.6},{\"upto\":50000,\"ratio\":0.7},{\"upto\":null,\"ratio\":0.8}",
        "catastrophic.bands[1].upto", "bands out of order");
    policy_fails("{\"upto\":50000,\"ratio\":0.6},{\"upto\":null,\"ratio\":0.8}",
                 "{\"upto\":null,\"ratio\":0.6},{\"upto\":null,\"ratio\":0.8}",
                 "catastrophic.bands[0].upto", "only the last band may have no end");
    policy_fails("{\"upto\":50000,\"ratio\":0.6},{\"upto\":null,\"ratio\":0.8}",
                 "{\"upto\":50000,\"ratio\":0.6},{\"upto\":60000,\"ratio\":0.8}",
                 "catastrophic.bands[1].upto", "the last band must have no end");
    policy_fails("\"bands\":[{\"upto\":50000,\"ratio\":0.6},{\"upto\":null,\"ratio\":0.8}]",
                 "\"bands\":[]", "catastrophic.bands", "must be an array of 1 to 8 bands");
    policy_fails("{\"upto\":50000,\"ratio\":0.6},", "{\"upto\":50000,\"ratio\":1.6},",
                 "catastrophic.bands[0].ratio", NULL);
    policy_fails("{\"upto\":50000,\"ratio\":0.6},", "[],", "catastrophic.bands[0]",
                 "must be an object");
    policy_fails("{\"upto\":50000,\"ratio\":0.6},", "{\"ratio\":0.6},",
                 "catastrophic.bands[0].upto", "missing");
    policy_fails("\"bands\":[{\"upto\":50000,\"ratio\":0.6},{\"upto\":null,\"ratio\":0.8}],", "",
                 "catastrophic.bands", "missing");
    char many[2048] = "\"bands\":[";
    for (int i = 0; i < POLICY_BANDS_MAX; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "{\"upto\":%d,\"ratio\":0.5},",
                 (i + 1) * 1000);
    strcat(many, "{\"upto\":null,\"ratio\":0.8}]");
    policy_fails("\"bands\":[{\"upto\":50000,\"ratio\":0.6},{\"upto\":null,\"ratio\":0.8}]", many,
                 "catastrophic.bands", "must be an array of 1 to 8 bands");
    /* A person rule's bands are checked the same way. */
    policy_fails("\"threshold_factor\":0.5,",
                 "\"threshold_factor\":0.5,\"bands\":[{\"upto\":null,"
                 "\"ratio\":0.9},{\"upto\":null,\"ratio\":0.9}],",
                 "catastrophic.person_rules[0].bands[0].upto", "only the last band");
}

static void test_policy_missing_keys(void **state) {
    (void)state;
    policy_fails("\"annual_cap\":200000,", "", "basic.annual_cap", "missing");
    policy_fails("\"format\":\"yibao-policy/1\",", "", "format", "missing");
    policy_fails("\"year\":2020,", "", "year", "missing");
    policy_fails("\"region\":\"440900\",", "", "region", "missing");
    policy_fails("\"insutype\":\"390\",", "", "insutype", "missing");
    policy_fails("\"class_b_prepay\":0.1,", "", "class_b_prepay", "missing");
    policy_fails("\"repeat_admission_deductible\":0.5,", "",
                 "basic.inpatient.repeat_admission_deductible", "missing");
    policy_fails("\"out_of_area_unfiled_ratio_cut\":0.1", "\"x\":0",
                 "basic.out_of_area_unfiled_ratio_cut", "missing");
    policy_fails("\"threshold\":15000,", "", "catastrophic.threshold", "missing");
    policy_fails("\"ratio\":0.7,\"annual_cap\":30000", "\"ratio\":0.7", "assistance[0].annual_cap",
                 "missing");
    policy_fails("{\"when\":\"extreme_poverty\",", "{", "person_rules[0].when", "missing");
    policy_fails("\"covers\":\"in_scope\"", "\"x\":1", "personal_account.covers", "missing");
    policy_fails("\"annual_deductible\":0,\"ratio\":0.5,", "\"ratio\":0.5,",
                 "basic.outpatient_general.annual_deductible", "missing");
    policy_fails(",\"levels\":[\"township\",\"level1\"]", "", "basic.outpatient_general.levels",
                 "missing");
    policy_fails("\"M01600\":{\"name\":\"hypertension\",\"annual_cap\":1500}",
                 "\"M01600\":{\"name\":\"hypertension\"}",
                 "basic.outpatient_special.diseases.M01600.annual_cap", "missing");

    /* Whole objects missing. */
    static struct policy p;
    char err[CODEC_ERR_BYTES];
    const char *inpatient_start = strstr(base_policy, "\"inpatient\":");
    const char *special_start = strstr(base_policy, "\"outpatient_special\":");
    assert_non_null(inpatient_start);
    char *text = malloc(sizeof base_policy);
    size_t head = (size_t)(inpatient_start - base_policy);
    memcpy(text, base_policy, head);
    strcpy(text + head, special_start);
    assert_int_equal(policy_from_json(parse(text), &p, err, sizeof err), -1);
    expect_substring(err, "basic.inpatient: missing");
    free(text);
    const char *basic_start = strstr(base_policy, "\"basic\":");
    const char *rules_start = strstr(base_policy, "\"person_rules\":");
    text = malloc(sizeof base_policy);
    head = (size_t)(basic_start - base_policy);
    memcpy(text, base_policy, head);
    strcpy(text + head, rules_start);
    assert_int_equal(policy_from_json(parse(text), &p, err, sizeof err), -1);
    expect_substring(err, "basic: missing");
    free(text);
    assert_int_equal(policy_from_json(parse("[]"), &p, err, sizeof err), -1);
    expect_substring(err, "must be a JSON object");
    assert_int_equal(policy_from_json(NULL, &p, err, sizeof err), -1);
    assert_int_equal(policy_from_json(parse("{}"), &p, err, sizeof err), -1);
    expect_substring(err, "format: missing");
}

static void test_policy_type_errors(void **state) {
    (void)state;
    policy_fails("\"annual_cap\":200000,", "\"annual_cap\":\"200000\",", "basic.annual_cap",
                 "must be an amount in yuan >= 0 with at most 2 decimals, not string");
    policy_fails("\"annual_cap\":200000,", "\"annual_cap\":[200000],", "basic.annual_cap",
                 "not array");
    policy_fails("\"year\":2020", "\"year\":\"2020\"", "year",
                 "must be an integer in [1900, 9999]");
    policy_fails("\"year\":2020", "\"year\":2020.5", "year", "must be an integer");
    policy_fails("\"year\":2020", "\"year\":1899", "year", "must be an integer in [1900, 9999]");
    policy_fails("\"year\":2020", "\"year\":10000", "year", NULL);
    policy_fails("\"format\":\"yibao-policy/1\"", "\"format\":\"yibao-policy/2\"", "format",
                 "must be \"yibao-policy/1\"");
    policy_fails("\"format\":\"yibao-policy/1\"", "\"format\":1", "format", "must be a string");
    policy_fails("\"insutype\":\"390\"", "\"insutype\":390", "insutype", "must be a string");
    policy_fails("\"insutype\":\"390\"", "\"insutype\":\"391\"", "insutype",
                 "must be \"310\" or \"390\"");
    policy_fails("\"over_cap\":{\"ratio\":0.9,\"annual_cap\":400000}", "\"over_cap\":[]",
                 "over_cap", "must be an object or null");
    policy_fails("\"catastrophic\":{", "\"catastrophic\":7,\"x\":{", "catastrophic",
                 "must be an object or null");
    policy_fails("\"personal_account\":{\"covers\":\"in_scope\"}", "\"personal_account\":true",
                 "personal_account", "must be an object or null");
    policy_fails("\"person_rules\":[{\"when\":\"extreme_poverty\"",
                 "\"person_rules\":7,\"x\":[{\"when\":\"extreme_poverty\"", "person_rules",
                 "must be an array");
    policy_fails("\"assistance\":[{", "\"assistance\":[1,{", "assistance[0]", "must be an object");
    policy_fails("\"deductible_waived_dx\":[\"F20\"]", "\"deductible_waived_dx\":[\"\"]",
                 "basic.inpatient.deductible_waived_dx", "non-empty");
    policy_fails("\"deductible_waived_dx\":[\"F20\"]", "\"deductible_waived_dx\":\"F20\"",
                 "basic.inpatient.deductible_waived_dx", NULL);
    policy_fails("\"inpatient\":{", "\"inpatient\":[],\"x\":{", "basic.inpatient",
                 "must be an object, not array");
    policy_fails("\"M03900\":{\"annual_cap\":null}", "\"M03900\":5",
                 "basic.outpatient_special.diseases.M03900", "must be an object");
    /* a disease listed twice is a duplicate key: the JSON reader refuses the
     * file before the loader sees it (test_json: test_reject_duplicate_keys) */
    policy_fails("\"M03900\":{\"annual_cap\":null}", "\"\":{\"annual_cap\":null}",
                 "disease code must have 1 to 63 bytes", NULL);
}

static void test_policy_when_covers_money(void **state) {
    (void)state;
    policy_fails("\"when\":\"extreme_poverty\"", "\"when\":\"martian\"", "person_rules[0].when",
                 "unknown category or flag 'martian'");
    policy_fails("\"when\":\"low_income\",\"threshold_factor\"",
                 "\"when\":\"rich\",\"threshold_factor\"", "catastrophic.person_rules[0].when",
                 "unknown category or flag 'rich'");
    policy_fails("{\"when\":\"low_income\",\"ratio\":0.7", "{\"when\":\"pharmacy\",\"ratio\":0.7",
                 "assistance[0].when", "unknown");
    policy_fails("\"when\":\"extreme_poverty\"", "\"when\":[\"retired\"]", "person_rules[0].when",
                 "must be a string");
    policy_fails("\"covers\":\"in_scope\"", "\"covers\":\"some\"", "personal_account.covers",
                 "must be \"all\" or \"in_scope\"");
    policy_fails("\"covers\":\"in_scope\"", "\"covers\":\"\"", "personal_account.covers", NULL);
    policy_fails("\"annual_cap\":200000,", "\"annual_cap\":200000.001,", "basic.annual_cap",
                 "too many decimals: 200000.001");
    policy_fails("\"annual_cap\":200000,", "\"annual_cap\":-1,", "basic.annual_cap", "negative");
    policy_fails("\"annual_cap\":200000,", "\"annual_cap\":10000000000.01,", "basic.annual_cap",
                 "out of range");
    policy_fails("\"annual_cap\":200000,", "\"annual_cap\":1e400,", "basic.annual_cap",
                 "out of range");
    policy_fails("\"threshold\":15000,", "\"threshold\":15000.5001,", "catastrophic.threshold",
                 "too many decimals");
    policy_fails("\"level1\":300,", "\"level1\":300.999,", "basic.inpatient.deductible.level1",
                 "too many decimals");
    char many[4096] = "\"diseases\":{";
    for (int i = 0; i <= POLICY_DISEASES_MAX; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s\"D%02d\":{\"annual_cap\":1}",
                 i ? "," : "", i);
    strcat(many, "}");
    policy_fails("\"diseases\":{\"M01600\":{\"name\":\"hypertension\",\"annual_cap\":1500},"
                 "\"M03900\":{\"annual_cap\":null}}",
                 many, "basic.outpatient_special.diseases", "more than 32 diseases");
    char rules[4096] = "\"assistance\":[";
    for (int i = 0; i <= POLICY_PERSON_RULES_MAX; i++)
        snprintf(rules + strlen(rules), sizeof rules - strlen(rules),
                 "%s{\"when\":\"retired\",\"ratio\":0.1,\"annual_cap\":1}", i ? "," : "");
    strcat(rules, "]");
    policy_fails("\"assistance\":[{\"when\":\"low_income\",\"ratio\":0.7,\"annual_cap\":30000}]",
                 rules, "assistance", "more than 16 entries");
}

/* ---- catalog_from_json ------------------------------------------------ */

static void catalog_fails(const char *from, const char *to, const char *want1, const char *want2) {
    char *text = replace(base_catalog, from, to);
    struct catalog c;
    catalog_init(&c);
    char err[CODEC_ERR_BYTES] = "";
    int rc = catalog_from_json(parse(text), &c, err, sizeof err);
    if (rc != -1) print_error("accepted: %s -> %s\n", from, to);
    assert_int_equal(rc, -1);
    expect_substring(err, want1);
    if (want2 != NULL) expect_substring(err, want2);
    assert_int_equal(c.count, 0); /* left empty on error */
    catalog_free(&c);
    free(text);
}

static void test_catalog(void **state) {
    (void)state;
    struct catalog c;
    char err[CODEC_ERR_BYTES];
    catalog_init(&c);
    assert_int_equal(catalog_from_json(parse(base_catalog), &c, err, sizeof err), 0);
    assert_int_equal(c.count, 4);
    const struct catalog_item *x2 = catalog_find(&c, "X2");
    assert_non_null(x2);
    assert_int_equal(x2->item_class, CLASS_B);
    assert_int_equal(x2->prepay_bp, 2000);
    assert_true(x2->cap_price_scaled == 12500000);
    assert_true(catalog_find(&c, "X3")->cap_price_scaled == -1);
    assert_int_equal(catalog_find(&c, "X3")->item_class, CLASS_C);
    assert_true(catalog_find(&c, "X4")->cap_price_scaled == 1);
    assert_int_equal(catalog_find(&c, "X1")->prepay_bp, -1);
    catalog_free(&c);

    catalog_fails("\"class\":\"A\"", "\"class\":\"D\"", "items.X1.class",
                  "must be \"A\", \"B\" or \"C\"");
    catalog_fails("\"class\":\"A\"", "\"class\":\"a\"", "items.X1.class", NULL);
    catalog_fails("\"class\":\"A\"", "\"class\":1", "items.X1.class", "must be a string");
    catalog_fails("\"class\":\"A\",", "", "items.X1.class", "missing");
    catalog_fails("\"prepay\":0.2", "\"prepay\":2", "items.X2.prepay",
                  "must be a number in [0, 1]");
    catalog_fails("\"prepay\":0.2", "\"prepay\":\"0.2\"", "items.X2.prepay", "not string");
    catalog_fails("\"cap_price\":12.5", "\"cap_price\":12.5000001", "items.X2.cap_price",
                  "at most 6 decimals");
    catalog_fails("\"cap_price\":12.5", "\"cap_price\":-1", "items.X2.cap_price", NULL);
    catalog_fails("\"cap_price\":12.5", "\"cap_price\":\"12.5\"", "items.X2.cap_price", NULL);
    /* an item listed twice: refused by the JSON reader (duplicate key) */
    catalog_fails("\"X1\":{\"class\":\"A\",\"name\":\"a\"}", "\"X1\":[]", "items.X1",
                  "must be an object");
    catalog_fails("\"X1\":{", "\"\":{", "item code must have 1 to 63 bytes", NULL);
    catalog_fails("\"format\":\"yibao-catalog/1\"", "\"format\":\"yibao-policy/1\"", "format",
                  "must be \"yibao-catalog/1\"");
    catalog_fails("\"items\":{", "\"things\":{", "items", "missing");
    catalog_fails("\"items\":{", "\"items\":[],\"x\":{", "items", "must be an object");

    /* Codes of exactly 63 bytes load; 64 bytes fail. */
    char code[CODE_BYTES_MAX + 2];
    memset(code, 'K', sizeof code);
    code[CODE_BYTES_MAX] = '\0';
    char key[128];
    snprintf(key, sizeof key, "\"%s\":{", code);
    char *text = replace(base_catalog, "\"X1\":{", key);
    catalog_init(&c);
    assert_int_equal(catalog_from_json(parse(text), &c, err, sizeof err), 0);
    assert_non_null(catalog_find(&c, code));
    catalog_free(&c);
    free(text);
    code[CODE_BYTES_MAX] = 'K';
    code[CODE_BYTES_MAX + 1] = '\0';
    snprintf(key, sizeof key, "\"%s\":{", code);
    catalog_fails("\"X1\":{", key, "item code must have 1 to 63 bytes", NULL);

    assert_int_equal(catalog_from_json(parse("[1]"), &c, err, sizeof err), -1);
    expect_substring(err, "must be a JSON object");
}

/* ---- bill_from_json --------------------------------------------------- */

static const char base_bill[] =
    "{\"fixmedins_code\":\"H3\",\"med_type\":\"21\",\"begntime\":\"2020-03-02\","
    "\"endtime\":\"2020-03-11 10:20:30\",\"dise_codg\":\"K35.8\",\"out_of_area\":1,\"filed\":\"0\","
    "\"acct_used_flag\":true,\"details\":["
    "{\"feedetl_sn\":\"1\",\"med_list_codg\":\"SA01\",\"cnt\":8,\"pric\":35.0,\"det_item_fee_sumamt\":280.0},"
    "{\"feedetl_sn\":2,\"med_list_codg\":\"XA01\",\"cnt\":0.5,\"pric\":1.000001,\"det_item_fee_sumamt\":0.5}]}";

static struct bill_line lines[BILL_LINES_MAX + 1];

static int bill_parse(const char *text, struct bill *bill, char *err, int32_t lines_max) {
    return bill_from_json(parse(text), bill, lines, lines_max, err, CODEC_ERR_BYTES);
}

static void bill_fails(const char *from, const char *to, const char *want1, const char *want2) {
    char *text = replace(base_bill, from, to);
    struct bill bill;
    char err[CODEC_ERR_BYTES] = "";
    int rc = bill_parse(text, &bill, err, BILL_LINES_MAX);
    if (rc != -1) print_error("accepted: %s -> %s\n", from, to);
    assert_int_equal(rc, -1);
    expect_substring(err, want1);
    if (want2 != NULL) expect_substring(err, want2);
    free(text);
}

/* Parses base_bill with one substitution; it must succeed. */
static void bill_loads(const char *from, const char *to, struct bill *bill) {
    char *text = replace(base_bill, from, to);
    char err[CODEC_ERR_BYTES] = "";
    int rc = bill_parse(text, bill, err, BILL_LINES_MAX);
    if (rc != 0) print_error("rejected: %s -> %s: %s\n", from, to, err);
    assert_int_equal(rc, 0);
    free(text);
}

static void test_bill_ok(void **state) {
    (void)state;
    struct bill bill;
    bill_loads("\"H3\"", "\"H3\"", &bill);
    assert_string_equal(bill.fixmedins_code, "H3");
    assert_int_equal(bill.med_type, MED_TYPE_INPATIENT);
    assert_true(bill.dates_ok);
    assert_true(bill.begntime == datetime_from_civil(2020, 3, 2, 0, 0, 0));
    assert_true(bill.endtime == datetime_from_civil(2020, 3, 11, 10, 20, 30));
    assert_string_equal(bill.dise_codg, "K35.8");
    assert_true(bill.out_of_area);
    assert_false(bill.filed);
    assert_true(bill.acct_used);
    assert_int_equal(bill.line_count, 2);
    assert_ptr_equal(bill.lines, lines);
    assert_true(lines[0].has_feedetl_sn);
    assert_string_equal(lines[0].feedetl_sn, "1");
    assert_string_equal(lines[1].feedetl_sn, "2"); /* an integer sn is kept as its text */
    assert_string_equal(lines[0].med_list_codg, "SA01");
    assert_true(lines[0].numbers_ok);
    assert_null(lines[0].bad_field);
    assert_true(lines[0].cnt_scaled == 80000);
    assert_true(lines[0].pric_scaled == 35000000);
    assert_true(lines[0].amount_fen == 28000);
    assert_true(lines[1].cnt_scaled == 5000);
    assert_true(lines[1].pric_scaled == 1000001);
    assert_true(lines[1].amount_fen == 50);

    /* Absent flags default to false; unknown med_type is INVALID (the engine
     * reports E_MED_TYPE); no details is an empty bill. */
    bill_loads("\"out_of_area\":1,\"filed\":\"0\",\"acct_used_flag\":true,", "", &bill);
    assert_false(bill.out_of_area || bill.filed || bill.acct_used);
    bill_loads("\"med_type\":\"21\"", "\"med_type\":\"22\"", &bill);
    assert_int_equal(bill.med_type, MED_TYPE_INVALID);
    bill_loads("\"med_type\":\"21\"", "\"med_type\":21", &bill);
    assert_int_equal(bill.med_type, MED_TYPE_INPATIENT);
    bill_loads("\"med_type\":\"21\",", "", &bill);
    assert_int_equal(bill.med_type, MED_TYPE_INVALID);
    assert_int_equal(parse("{}")->type, JSON_OBJECT);
    char err[CODEC_ERR_BYTES];
    assert_int_equal(bill_parse("{}", &bill, err, BILL_LINES_MAX), 0);
    assert_int_equal(bill.line_count, 0);
    assert_false(bill.dates_ok);
    assert_int_equal(bill.med_type, MED_TYPE_INVALID);
    /* A missing feedetl_sn is recorded (E_DUP_LINE later), not an error here. */
    bill_loads("{\"feedetl_sn\":\"1\",", "{", &bill);
    assert_false(lines[0].has_feedetl_sn);
}

static void test_bill_structural_errors(void **state) {
    (void)state;
    bill_fails("\"details\":[", "\"details\":\"x\",\"y\":[", "details", "must be an array");
    bill_fails("\"details\":[", "\"details\":{},\"y\":[", "details", "must be an array");
    bill_fails("\"details\":[", "\"details\":[7,", "details[0]", "must be an object");
    bill_fails("{\"feedetl_sn\":2,", "[],{\"feedetl_sn\":2,", "details[1]", "must be an object");
    bill_fails(",\"med_list_codg\":\"SA01\"", "", "details[0].med_list_codg", "missing");
    bill_fails("\"med_list_codg\":\"XA01\"", "\"med_list_codg\":null", "details[1].med_list_codg",
               "missing");
    bill_fails("\"med_list_codg\":\"XA01\"", "\"med_list_codg\":[\"XA01\"]",
               "details[1].med_list_codg", "must be a string");
    bill_fails("\"med_type\":\"21\"", "\"med_type\":{\"v\":\"21\"}", "med_type",
               "must be a string, not object");
    bill_fails("\"fixmedins_code\":\"H3\"", "\"fixmedins_code\":true", "fixmedins_code", NULL);
    bill_fails("\"out_of_area\":1", "\"out_of_area\":2", "out_of_area",
               "must be true/false or 0/1");
    bill_fails("\"filed\":\"0\"", "\"filed\":\"yes\"", "filed", NULL);
    bill_fails("\"acct_used_flag\":true", "\"acct_used_flag\":[]", "acct_used_flag", NULL);

    char code[200];
    char to[300];
    memset(code, 'C', CODE_BYTES_MAX + 1);
    code[CODE_BYTES_MAX + 1] = '\0';
    snprintf(to, sizeof to, "\"med_list_codg\":\"%s\"", code);
    bill_fails("\"med_list_codg\":\"XA01\"", to, "details[1].med_list_codg",
               "longer than 63 bytes");
    snprintf(to, sizeof to, "\"feedetl_sn\":\"%s\"", code);
    bill_fails("\"feedetl_sn\":\"1\"", to, "details[0].feedetl_sn", "longer than 63 bytes");
    snprintf(to, sizeof to, "\"fixmedins_code\":\"%s\"", code);
    bill_fails("\"fixmedins_code\":\"H3\"", to, "fixmedins_code", "longer than 63 bytes");
    snprintf(to, sizeof to, "\"dise_codg\":\"%s\"", code);
    bill_fails("\"dise_codg\":\"K35.8\"", to, "dise_codg", "longer than 63 bytes");
    /* 63 bytes exactly is fine. */
    struct bill bill;
    code[CODE_BYTES_MAX] = '\0';
    snprintf(to, sizeof to, "\"med_list_codg\":\"%s\"", code);
    bill_loads("\"med_list_codg\":\"XA01\"", to, &bill);
    assert_string_equal(lines[1].med_list_codg, code);

    struct bill b2;
    char err[CODEC_ERR_BYTES];
    assert_int_equal(bill_from_json(parse("[]"), &b2, lines, BILL_LINES_MAX, err, sizeof err), -1);
    expect_substring(err, "must be an object");
    assert_int_equal(bill_from_json(NULL, &b2, lines, BILL_LINES_MAX, err, sizeof err), -1);
}

static void test_bill_line_limit(void **state) {
    (void)state;
    size_t cap = (size_t)(BILL_LINES_MAX + 1) * 100 + 256;
    char *text = malloc(cap);
    assert_non_null(text);
    for (int n = BILL_LINES_MAX; n <= BILL_LINES_MAX + 1; n++) {
        size_t len = (size_t)snprintf(text, cap, "{\"details\":[");
        for (int i = 0; i < n; i++)
            len += (size_t)snprintf(text + len, cap - len,
                                    "%s{\"feedetl_sn\":%d,\"med_list_codg\":\"A\",\"cnt\":1,"
                                    "\"pric\":1,\"det_item_fee_sumamt\":1}",
                                    i ? "," : "", i);
        snprintf(text + len, cap - len, "]}");
        struct bill bill;
        char err[CODEC_ERR_BYTES] = "";
        int rc = bill_parse(text, &bill, err, BILL_LINES_MAX);
        if (n == BILL_LINES_MAX) {
            assert_int_equal(rc, 0);
            assert_int_equal(bill.line_count, BILL_LINES_MAX);
            assert_string_equal(lines[BILL_LINES_MAX - 1].feedetl_sn, "4095");
        } else {
            assert_int_equal(rc, -1);
            expect_substring(err, "details: 4097 lines, more than the limit 4096");
        }
    }
    /* The caller's lines_max is honoured too. */
    struct bill bill;
    char err[CODEC_ERR_BYTES] = "";
    assert_int_equal(bill_parse(base_bill, &bill, err, 1), -1);
    expect_substring(err, "more than the limit 1");
    free(text);
}

/* The NHSA interface's variants (bill_source.interface_variants): a string
 * holding a decimal is that decimal, with the same exactness and limits;
 * a date-time may have T. */
static void iface_line(const char *json, struct bill_line *line, bool want_ok) {
    const struct json_value *v = parse(json);
    char err[CODEC_ERR_BYTES] = "";
    assert_non_null(v);
    assert_int_equal(bill_line_decode(v, "input.feedetail[0]", true, line, err, sizeof err), 0);
    if (line->numbers_ok != want_ok) print_error("%s: numbers_ok %d\n", json, line->numbers_ok);
    assert_true(line->numbers_ok == want_ok);
}

static void test_bill_interface_variants(void **state) {
    (void)state;
    struct bill_line line;
    iface_line("{\"feedetl_sn\":\"1\",\"med_list_codg\":\"SA01\",\"cnt\":\"8\",\"pric\":"
               "\"35.000000\",\"det_item_fee_sumamt\":\"280.00\"}",
               &line, true);
    assert_true(line.cnt_scaled == 80000 && line.pric_scaled == 35000000 &&
                line.amount_fen == 28000);
    static const char *const bad[] = {"\"280.001\"", "\"90.0x\"",    "\" 280\"", "\"\"",
                                      "\"0x10\"",    "\"1,000.00\"", "true"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char json[256];
        snprintf(json, sizeof json,
                 "{\"feedetl_sn\":\"1\",\"med_list_codg\":\"SA01\",\"cnt\":1,\"pric\":1,"
                 "\"det_item_fee_sumamt\":%s}",
                 bad[i]);
        iface_line(json, &line, false);
        assert_string_equal(line.bad_field, "det_item_fee_sumamt");
    }
    struct bill bill;
    char err[CODEC_ERR_BYTES];
    const struct json_value *d = parse("{\"med_type\":\"21\",\"begntime\":\"2020-03-02T08:00:00\","
                                       "\"endtime\":\"2020-03-11T10:20:30\"}");
    struct bill_source src = {d, "input.data", NULL, "input.feedetail", true};
    assert_int_equal(bill_decode(&src, &bill, lines, BILL_LINES_MAX, err, sizeof err), 0);
    assert_true(bill.dates_ok && bill.endtime == datetime_from_civil(2020, 3, 11, 10, 20, 30));
    src.interface_variants = false;
    assert_int_equal(bill_decode(&src, &bill, lines, BILL_LINES_MAX, err, sizeof err), 0);
    assert_false(bill.dates_ok);
}

static void test_bill_deferred_errors(void **state) {
    (void)state;
    struct bill bill;
    bill_loads("\"begntime\":\"2020-03-02\"", "\"begntime\":\"2020-02-30\"", &bill);
    assert_false(bill.dates_ok);
    bill_loads("\"begntime\":\"2020-03-02\"", "\"begntime\":20200302", &bill);
    assert_false(bill.dates_ok);
    bill_loads("\"endtime\":\"2020-03-11 10:20:30\"", "\"endtime\":\"2020-03-11 24:00:00\"", &bill);
    assert_false(bill.dates_ok);
    bill_loads("\"begntime\":\"2020-03-02\",", "", &bill);
    assert_false(bill.dates_ok);

    bill_loads("\"det_item_fee_sumamt\":280.0", "\"det_item_fee_sumamt\":1.234", &bill);
    assert_false(lines[0].numbers_ok);
    assert_string_equal(lines[0].bad_field, "det_item_fee_sumamt");
    assert_true(lines[1].numbers_ok);
    /* the spec's bill format: a string where a number belongs is E_BAD_AMOUNT */
    bill_loads("\"det_item_fee_sumamt\":280.0", "\"det_item_fee_sumamt\":\"280.00\"", &bill);
    assert_false(lines[0].numbers_ok);
    assert_string_equal(lines[0].bad_field, "det_item_fee_sumamt");
    bill_loads("\"endtime\":\"2020-03-11 10:20:30\"", "\"endtime\":\"2020-03-11T10:20:30\"", &bill);
    assert_false(bill.dates_ok);
    bill_loads("\"det_item_fee_sumamt\":280.0", "\"det_item_fee_sumamt\":null", &bill);
    assert_false(lines[0].numbers_ok);
    bill_loads("\"det_item_fee_sumamt\":280.0", "\"det_item_fee_sumamt\":true", &bill);
    assert_false(lines[0].numbers_ok);
    bill_loads(",\"det_item_fee_sumamt\":280.0", "", &bill);
    assert_false(lines[0].numbers_ok);
    assert_string_equal(lines[0].bad_field, "det_item_fee_sumamt");
    bill_loads("\"det_item_fee_sumamt\":280.0", "\"det_item_fee_sumamt\":1e400", &bill);
    assert_false(lines[0].numbers_ok);
    bill_loads("\"det_item_fee_sumamt\":280.0",
               "\"det_item_fee_sumamt\":123456789012345678901234567890", &bill);
    assert_false(lines[0].numbers_ok);
    /* cnt: 4 decimals; pric: 6; the first bad field is named. */
    bill_loads("\"cnt\":8,", "\"cnt\":8.00001,", &bill);
    assert_false(lines[0].numbers_ok);
    assert_string_equal(lines[0].bad_field, "cnt");
    bill_loads("\"cnt\":8,\"pric\":35.0,", "\"cnt\":\"8\",\"pric\":35.0000001,", &bill);
    assert_string_equal(lines[0].bad_field, "cnt");
    bill_loads("\"pric\":35.0,", "\"pric\":35.0000001,", &bill);
    assert_false(lines[0].numbers_ok);
    assert_string_equal(lines[0].bad_field, "pric");
    /* Negative numbers parse (the engine refuses them). */
    bill_loads("\"det_item_fee_sumamt\":280.0", "\"det_item_fee_sumamt\":-280.0", &bill);
    assert_true(lines[0].numbers_ok);
    assert_true(lines[0].amount_fen == -28000);
}

static void test_person_institution_state(void **state) {
    (void)state;
    struct person person;
    char err[CODEC_ERR_BYTES];
    const char *p =
        "{\"psn_no\":\"P1\",\"insutype\":\"310\",\"category\":\"retired\","
        "\"flags\":[\"low_income\",\"extreme_poverty\"],\"benefit_start\":\"2019-05-01\","
        "\"acct_balc\":123.45}";
    assert_int_equal(person_from_json(parse(p), &person, err, sizeof err), 0);
    assert_int_equal(person.insutype, INSUTYPE_EMPLOYEE);
    assert_int_equal(person.category, CATEGORY_RETIRED);
    assert_int_equal(person.flags, FLAG_LOW_INCOME | FLAG_EXTREME_POVERTY);
    assert_true(person.acct_balc_fen == 12345);
    char *bad = replace(p, "\"retired\"", "\"pensioner\"");
    assert_int_equal(person_from_json(parse(bad), &person, err, sizeof err), -1);
    expect_substring(err, "category: unknown category 'pensioner'");
    free(bad);
    bad = replace(p, "\"2019-05-01\"", "\"2019-02-29\"");
    assert_int_equal(person_from_json(parse(bad), &person, err, sizeof err), -1);
    expect_substring(err, "benefit_start");
    free(bad);
    bad = replace(p, "\"low_income\",", "\"rich\",");
    assert_int_equal(person_from_json(parse(bad), &person, err, sizeof err), -1);
    expect_substring(err, "flags: unknown flag");
    free(bad);
    bad = replace(p, "123.45", "123.456");
    assert_int_equal(person_from_json(parse(bad), &person, err, sizeof err), -1);
    expect_substring(err, "acct_balc");
    free(bad);

    struct institution inst;
    assert_int_equal(institution_from_json("H3",
                                           parse("{\"type\":\"hospital\",\"level\":\"level3\"}"),
                                           &inst, err, sizeof err),
                     0);
    assert_int_equal(inst.level, LEVEL_3);
    assert_int_equal(
        institution_from_json("P1", parse("{\"type\":\"pharmacy\"}"), &inst, err, sizeof err), 0);
    assert_int_equal(inst.level, LEVEL_NONE);
    assert_int_equal(
        institution_from_json("H9", parse("{\"type\":\"hospital\"}"), &inst, err, sizeof err), -1);
    expect_substring(err, "H9.level: missing");
    assert_int_equal(institution_from_json("H9",
                                           parse("{\"type\":\"hospital\",\"level\":\"pharmacy\"}"),
                                           &inst, err, sizeof err),
                     -1);
    expect_substring(err, "H9.level");
    assert_int_equal(institution_from_json("H9",
                                           parse("{\"type\":\"clinic\",\"level\":\"level1\"}"),
                                           &inst, err, sizeof err),
                     -1);
    expect_substring(err, "H9.type");

    static struct policy pol;
    assert_int_equal(policy_from_json(parse(base_policy), &pol, err, sizeof err), 0);
    struct year_state st;
    assert_int_equal(state_from_json(parse("{\"basic_paid\":10.5,\"admissions\":2,"
                                           "\"special_paid\":{\"M01600\":3}}"),
                                     &pol, 777, &st, err, sizeof err),
                     0);
    assert_true(st.basic_paid_fen == 1050);
    assert_int_equal(st.admissions, 2);
    assert_true(st.acct_balc_fen == 777);
    assert_int_equal(st.year, 2020);
    assert_true(st.special_paid_fen[policy_disease_index(&pol, "M01600")] == 300);
    assert_int_equal(state_from_json(parse("{\"basic_paid\":-1}"), &pol, 0, &st, err, sizeof err),
                     -1);
    expect_substring(err, "state.basic_paid");
    assert_int_equal(
        state_from_json(parse("{\"special_paid\":{\"X\":1}}"), &pol, 0, &st, err, sizeof err), -1);
    expect_substring(err, "special_paid.X: not a disease of the policy");
    assert_int_equal(state_from_json(parse("{\"admissions\":-1}"), &pol, 0, &st, err, sizeof err),
                     -1);
    expect_substring(err, "state.admissions");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_policies_load),
        cmocka_unit_test(test_load_file_errors),
        cmocka_unit_test(test_policy_base_loads),
        cmocka_unit_test(test_policy_level_errors),
        cmocka_unit_test(test_policy_long_key_message),
        cmocka_unit_test(test_policy_ratio_errors),
        cmocka_unit_test(test_policy_ratio_message_regression),
        cmocka_unit_test(test_policy_band_errors),
        cmocka_unit_test(test_policy_missing_keys),
        cmocka_unit_test(test_policy_type_errors),
        cmocka_unit_test(test_policy_when_covers_money),
        cmocka_unit_test(test_catalog),
        cmocka_unit_test(test_bill_ok),
        cmocka_unit_test(test_bill_structural_errors),
        cmocka_unit_test(test_bill_line_limit),
        cmocka_unit_test(test_bill_deferred_errors),
        cmocka_unit_test(test_bill_interface_variants),
        cmocka_unit_test(test_person_institution_state),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
