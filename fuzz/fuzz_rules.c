/* fuzz_rules.c: libFuzzer target for rules_from_json (src/codec/rules_json.c),
 * the rule file yibao-rules/1 (docs/RULES.md), and rules_eval
 * (src/core/rules.c) over what it accepted.
 *
 * On success: at most RULES_MAX rules, each with a known type and
 * severity, a non-empty id, name and behaviour; an exclusive rule names
 * two different items; every index entry names a rule and the index is
 * sorted. Then a fixed bill naming every indexed item is evaluated: every
 * violation names a rule and a line, and the first deny (if any) is one.
 * On failure the message is not empty and nothing is kept. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "core/limits.h"
#include "core/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_rules: property violated: %s\n", what);
        abort();
    }
}

static struct json_doc *doc;
static struct rule_set rs;
static struct bill_line lines[16];

static void evaluate(void) {
    struct bill bill;
    memset(&bill, 0, sizeof bill);
    bill.med_type = MED_TYPE_GENERAL_OUTPATIENT;
    bill.dates_ok = true;
    bill.begntime = datetime_from_civil(2020, 6, 1, 9, 0, 0);
    bill.endtime = datetime_from_civil(2020, 6, 3, 9, 0, 0);
    int32_t n = rs.item_count < 16 ? rs.item_count : 16;
    for (int32_t i = 0; i < n; i++) {
        memset(&lines[i], 0, sizeof lines[i]);
        memcpy(lines[i].med_list_codg, rs.items[i].code, strlen(rs.items[i].code) + 1);
        lines[i].cnt_scaled = 10000 * (i + 1);
        lines[i].amount_fen = 100;
        lines[i].numbers_ok = true;
    }
    bill.lines = lines;
    bill.line_count = n;
    struct rule_subject s = {1, 1960, 2, 29, LEVEL_1, &bill};
    struct rule_violation v[8];
    int32_t deny = -1;
    int32_t count = rules_eval(&rs, &s, v, 8, &deny);
    check(count >= 0, "violation count");
    for (int32_t i = 0; i < (count < 8 ? count : 8); i++) {
        check(v[i].rule >= 0 && v[i].rule < rs.count, "violation's rule");
        check(v[i].line >= 0 && v[i].line < n, "violation's line");
    }
    check(deny < 0 || rs.rules[v[deny].rule].severity == RULE_DENY, "first deny");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (doc == NULL) {
        struct json_limits limits = {1u << 20, JSON_DEPTH_MAX, 1u << 16};
        doc = json_doc_new(&limits);
        check(doc != NULL && rules_init(&rs) == 0, "init");
    }
    struct json_error jerr;
    const struct json_value *root = json_parse(doc, (const char *)data, size, &jerr);
    if (root == NULL) return 0;
    char err[CODEC_ERR_BYTES] = "";
    int rc = rules_from_json(root, &rs, err, sizeof err);
    check(rc == 0 || rc == -1, "return value");
    if (rc != 0) {
        check(err[0] != '\0' && rs.count == 0 && rs.item_count == 0, "a failure");
        return 0;
    }
    check(rs.count >= 0 && rs.count <= RULES_MAX, "rule count");
    for (int32_t r = 0; r < rs.count; r++) {
        const struct rule *rule = &rs.rules[r];
        check(rule->type > 0 && rule->type < RULE_TYPE_COUNT, "type");
        check(rule->severity == RULE_DENY || rule->severity == RULE_WARN ||
                  (rule->severity == RULE_OFF && rule->type == RULE_CATALOG),
              "severity");
        check(rule->type != RULE_CATALOG || rule->item_count == 0, "catalog_restrict: no items");
        check(rule->id[0] && rule->name[0] && rule->behaviour[0], "id, name, behaviour");
        check(rule->type != RULE_EXCLUSIVE ||
                  (rule->item_count == 2 && strcmp(rule->pair[0], rule->pair[1]) != 0),
              "an exclusive pair");
    }
    for (int32_t i = 0; i < rs.item_count; i++) {
        check(rs.items[i].rule >= 0 && rs.items[i].rule < rs.count, "index entry");
        check(i == 0 || strcmp(rs.items[i - 1].code, rs.items[i].code) <= 0, "index order");
    }
    evaluate();
    return 0;
}
