/* fuzz_holders.c: libFuzzer target for the `holders` list of a
 * family-sharing settlement vector (FUNDS.md §9, src/codec/holders_json.c).
 * The input is a JSON document whose root is the list (or anything else).
 *
 * Properties: a refusal names a field of `holders`; an accepted list has at
 * most SETTLE_HOLDERS_MAX entries, distinct non-empty psn_no, a relation of
 * the three, balances in [0, STATE_FEN_MAX], NUL-terminated policy paths,
 * and each binding's validity is a half-open interval [from, revoked). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "core/money.h"
#include "core/sharing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_holders: property violated: %s\n", what);
        abort();
    }
}

static void check_accepted(const struct vector_holder *h, int32_t count) {
    check(count >= 0 && count <= SETTLE_HOLDERS_MAX, "count within the limit");
    for (int32_t i = 0; i < count; i++) {
        check(h[i].psn_no[0] != '\0' && memchr(h[i].psn_no, '\0', sizeof h[i].psn_no) != NULL,
              "psn_no");
        for (int32_t j = 0; j < i; j++) check(strcmp(h[i].psn_no, h[j].psn_no) != 0, "distinct");
        check(h[i].relation >= RELATION_SPOUSE && h[i].relation < RELATION_OTHER, "relation");
        check(h[i].acct_balc_fen >= 0 && h[i].acct_balc_fen <= STATE_FEN_MAX, "balance");
        check(memchr(h[i].policy_path, '\0', sizeof h[i].policy_path) != NULL, "policy path");
        struct binding b = {h[i].psn_no,  h[i].relation,   h[i].from,
                            h[i].revoked, h[i].revoked_at, NULL};
        check(binding_valid_at(&b, h[i].from) == (!b.revoked || b.from < b.revoked_at),
              "valid from its start unless revoked by then");
        check(!binding_valid_at(&b, h[i].from - 1), "not valid before its start");
        if (b.revoked) check(!binding_valid_at(&b, b.revoked_at), "not valid once revoked");
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
    static struct vector_holder holders[SETTLE_HOLDERS_MAX];
    char err[CODEC_ERR_BYTES];
    int32_t count = -1;
    if (holders_from_json(root, holders, &count, err, sizeof err) != 0) {
        check(strstr(err, "holders") != NULL, "a refusal names holders");
        return 0;
    }
    check_accepted(holders, count);
    return 0;
}
