/* fuzz_payment.c: libFuzzer target for payment_agreement_from_json
 * (src/codec/payment_json.c, yibao-payment/1).
 *
 * Arbitrary bytes are parsed as JSON; any document is handed to the
 * agreement loader. On success the agreement must keep the rules the
 * loader promises (agreement_problem() finds nothing, every ratio in [0, 1],
 * money in range, each method's terms, codes non-empty and distinct); on
 * failure the message must be a non-empty, NUL-terminated "path: what".
 * Nothing may crash or leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "core/agreement.h"
#include "core/limits.h"
#include "core/money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_payment: property violated: %s\n", what);
        abort();
    }
}

static struct json_doc *doc;
static struct agreement agreement;

static void check_institution(const struct agreement *a, int32_t i) {
    const struct agreement_institution *x = &a->institutions[i];
    check(x->fixmedins_code[0] != '\0', "code");
    check(agreement_find(a, x->fixmedins_code) == x, "codes distinct");
    check(x->method >= 0 && x->method < PAY_METHOD_COUNT, "method");
    check(x->withhold_rate_bp >= 0 && x->withhold_rate_bp <= RATIO_ONE_BP, "withhold");
    check(!x->quota_joined || a->has_quotas, "quota list");
    check(x->method != PAY_DIP || a->has_dip, "dip terms");
    check(x->method != PAY_CAPITATION || x->capitation_rate_fen > 0, "capitation rate");
    const struct budget_terms *t = &x->budget;
    check(t->budget_fen >= 0 && t->budget_fen <= AMOUNT_FEN_MAX, "budget");
    check(t->savings_share_bp >= 0 && t->savings_share_bp <= RATIO_ONE_BP &&
              t->overspend_share_bp >= 0 && t->overspend_share_bp <= RATIO_ONE_BP,
          "shares");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (doc == NULL) {
        struct json_limits limits = {1u << 20, JSON_DEPTH_MAX, 1u << 16};
        doc = json_doc_new(&limits);
        check(doc != NULL, "json_doc_new");
    }
    struct json_error jerr;
    const struct json_value *root = json_parse(doc, (const char *)data, size, &jerr);
    if (root == NULL) return 0;
    char err[CODEC_ERR_BYTES];
    memset(err, 'x', sizeof err);
    int rc = payment_agreement_from_json(root, &agreement, err, sizeof err);
    check(rc == 0 || rc == -1, "return value");
    if (rc != 0) {
        check(memchr(err, '\0', sizeof err) != NULL, "message terminated");
        check(err[0] != '\0' && strstr(err, ": ") != NULL, "message names a path");
        return 0;
    }
    const struct agreement *a = &agreement;
    char why[CODEC_ERR_BYTES];
    check(agreement_problem(a, why, sizeof why) == NULL, "cross-field rules");
    check(a->year >= 1 && a->year <= 9999 && a->region[0] != '\0' && a->id[0] != '\0', "header");
    check(a->institution_count >= 1 && a->institution_count <= AGREEMENT_INSTITUTIONS_MAX, "count");
    check(a->quotas.count >= 0 && a->quotas.count <= PAY_QUOTAS_MAX, "quotas");
    check(a->dip.group_count >= 0 && a->dip.group_count <= PAY_GROUPS_MAX, "groups");
    for (int32_t g = 0; g < a->dip.group_count; g++)
        check(a->dip.groups[g].points > 0 && a->dip.groups[g].avg_cost_fen > 0, "group terms");
    for (int32_t l = 0; l < a->dip.level_count; l++)
        check(a->dip.levels[l].coeff_bp >= 0 && a->dip.levels[l].coeff_bp <= PAY_COEFF_MAX_BP,
              "coefficient");
    for (int32_t i = 0; i < a->institution_count; i++) check_institution(a, i);
    return 0;
}
