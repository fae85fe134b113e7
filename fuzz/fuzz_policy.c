/* fuzz_policy.c: libFuzzer target for policy_from_json (src/codec).
 *
 * Arbitrary bytes are parsed as JSON; any document is handed to the policy
 * loader. On success the policy must satisfy policy_invariant_error() and
 * the loader's own bounds; on failure the message must be a non-empty,
 * NUL-terminated "path: what" text. Nothing may crash or leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "core/limits.h"
#include "core/money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_policy: property violated: %s\n", what);
        abort();
    }
}

static struct json_doc *doc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (doc == NULL) {
        struct json_limits limits = {1u << 20, JSON_DEPTH_MAX, 1u << 16};
        doc = json_doc_new(&limits);
        check(doc != NULL, "json_doc_new");
    }
    struct json_error jerr;
    const struct json_value *root = json_parse(doc, (const char *)data, size, &jerr);
    if (root == NULL) return 0;
    static struct policy p;
    char err[CODEC_ERR_BYTES];
    memset(err, 'x', sizeof err);
    int rc = policy_from_json(root, &p, err, sizeof err);
    check(rc == 0 || rc == -1, "return value");
    if (rc != 0) {
        check(memchr(err, '\0', sizeof err) != NULL, "message terminated");
        check(err[0] != '\0' && strstr(err, ": ") != NULL, "message names a path");
        return 0;
    }
    check(policy_invariant_error(&p) == NULL, "invariants");
    check(p.year >= 1900 && p.year <= 9999, "year");
    check(p.disease_count >= 0 && p.disease_count <= POLICY_DISEASES_MAX, "diseases");
    check(p.waived_dx_count >= 0 && p.waived_dx_count <= POLICY_WAIVED_DX_MAX, "waived");
    check(p.catastrophic_rule_count <= POLICY_PERSON_RULES_MAX, "catastrophic rules");
    for (int i = 0; i < p.disease_count; i++) {
        check(strlen(p.diseases[i].code) > 0, "disease code");
        check(policy_disease_index(&p, p.diseases[i].code) == i, "disease codes unique");
        int64_t cap = p.diseases[i].annual_cap_fen;
        check(cap == CAP_NONE || (cap >= 0 && cap <= AMOUNT_FEN_MAX), "disease cap");
    }
    for (int l = 0; l < POLICY_LEVELS_MAX; l++)
        check(p.inpatient_deductible_fen[l] <= AMOUNT_FEN_MAX, "deductible range");
    for (int i = 0; i < p.person_rule_count; i++) {
        check(p.person_rules[i].when_mask != 0, "rule when");
        for (int l = 0; l < POLICY_LEVELS_MAX; l++)
            check(p.person_rules[i].ratio_bp[l] >= 0 &&
                      p.person_rules[i].ratio_bp[l] <= RATIO_ONE_BP &&
                      p.person_rules[i].ratio_add_bp[l] >= 0 &&
                      p.person_rules[i].ratio_add_bp[l] <= RATIO_ONE_BP,
                  "rule ratios");
    }
    for (int i = 0; i < p.assistance_count; i++)
        check(p.assistance[i].ratio_bp >= 0 && p.assistance[i].ratio_bp <= RATIO_ONE_BP,
              "assistance");
    if (p.has_catastrophic) {
        const struct catastrophic_terms *t = &p.catastrophic;
        check(t->bands[t->band_count - 1].upto_fen == CAP_NONE, "last band open");
    }
    return 0;
}
