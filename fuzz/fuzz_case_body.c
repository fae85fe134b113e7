/* fuzz_case_body.c: libFuzzer target for the bodies of supervision case
 * records (src/store/case_rec.c), the text `check` decodes from the
 * journal.
 *
 * Properties: a body that decodes encodes again to the same text and
 * decodes to the same fields; one that does not names a bad key; its
 * postings (a decision's recovery or deduction, an appeal's return) are at
 * most one, a positive amount between two different accounts, one of them
 * the fund pool; its msgid fits or is refused, never overflows. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_case_body: property violated: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char body[JOURNAL_BODY_BYTES_MAX + 1];
    if (size > JOURNAL_BODY_BYTES_MAX) return 0;
    memcpy(body, data, size);
    body[size] = '\0';
    struct store_case c, again;
    const char *bad = NULL;
    if (case_decode(body, &c, &bad) != 0) {
        check(bad != NULL && bad[0] != '\0', "a refusal names a key");
        return 0;
    }
    char text[JOURNAL_BODY_BYTES_MAX + 1], msgid[MSGID_BYTES_MAX + 1];
    check(case_encode(&c, text, sizeof text) == 0, "a decoded body encodes");
    check(strcmp(text, body) == 0, "encode(decode(body)) == body");
    check(case_decode(text, &again, &bad) == 0, "the encoding decodes");
    check(memcmp(&c, &again, sizeof c) == 0, "the same fields again");
    (void)case_msgid(msgid, &c);
    struct journal_rec rec = {.seq = 1, .kind = JOURNAL_CASE};
    struct posting post[CASE_POSTINGS_MAX];
    int n = case_postings(&rec, &c, post);
    check(n >= 0 && n <= CASE_POSTINGS_MAX, "posting count");
    for (int i = 0; i < n; i++) {
        check(post[i].amount_fen > 0, "a positive amount");
        check(strcmp(post[i].debit, post[i].credit) != 0, "between two accounts");
        check(strncmp(post[i].debit, "F:", 2) == 0 || strncmp(post[i].credit, "F:", 2) == 0,
              "one side the fund pool");
    }
    return 0;
}
