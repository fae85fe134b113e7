/* fuzz_contrib_body.c: libFuzzer target for a contribution record's body
 * (src/store/contrib_rec.c), the text `check` and `check --deep` decode
 * from the journal.
 *
 * Properties: a body that decodes keeps FUNDS.md's identities (decode
 * refuses one that does not) and names a known bad key otherwise; a decoded
 * body encodes again to the same text, and decodes to the same figures;
 * its postings move each amount between two different accounts, at most
 * CONTRIB_POSTINGS_MAX of them, all positive. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_contrib_body: property violated: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > JOURNAL_BODY_BYTES_MAX) return 0;
    char body[JOURNAL_BODY_BYTES_MAX + 1];
    memcpy(body, data, size);
    body[size] = '\0';
    struct store_contrib c, again;
    const char *bad = NULL;
    if (contrib_decode(body, &c, &bad) != 0) {
        check(bad != NULL && bad[0] != '\0', "a refusal names a key");
        return 0;
    }
    check(contrib_identity_error(&c) == NULL, "a decoded body keeps the identities");
    char text[JOURNAL_BODY_BYTES_MAX + 1];
    check(contrib_encode(&c, text, sizeof text) == 0, "a decoded body encodes");
    check(strcmp(text, body) == 0, "encode(decode(body)) == body");
    check(contrib_decode(text, &again, &bad) == 0, "the encoding decodes");
    check(memcmp(&c, &again, sizeof c) == 0, "the same figures again");
    struct journal_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.seq = 1;
    rec.kind = JOURNAL_CONTRIB;
    snprintf(rec.psn_no, sizeof rec.psn_no, "P1");
    struct posting p[CONTRIB_POSTINGS_MAX];
    int n = contrib_postings(&rec, &c, p);
    check(n >= 0 && n <= CONTRIB_POSTINGS_MAX, "posting count");
    for (int i = 0; i < n; i++)
        check(p[i].amount_fen > 0 && strcmp(p[i].debit, p[i].credit) != 0, "a posting moves money");
    return 0;
}
