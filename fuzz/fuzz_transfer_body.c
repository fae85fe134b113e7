/* fuzz_transfer_body.c: libFuzzer target for a transfer record's body
 * (src/store/transfer_rec.c), the text `check`, the checkpoint's replay,
 * `check --deep` and the fund reports decode from the journal.
 *
 * Properties: a body that decodes keeps the record's identity (a region's
 * books here, two regions, no negative amount) and names a known bad key
 * otherwise; a decoded body encodes again to the same text and decodes to
 * the same figures; its postings move a positive amount between two
 * different accounts, at most TRANSFER_POSTINGS_MAX of them, and its
 * msgid fits or is refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_transfer_body: property violated: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > JOURNAL_BODY_BYTES_MAX) return 0;
    char body[JOURNAL_BODY_BYTES_MAX + 1];
    memcpy(body, data, size);
    body[size] = '\0';
    struct store_transfer t, again;
    const char *bad = NULL;
    if (transfer_decode(body, &t, &bad) != 0) {
        check(bad != NULL && bad[0] != '\0', "a refusal names a key");
        return 0;
    }
    check(transfer_identity_error(&t) == NULL, "a decoded body keeps the identity");
    char text[JOURNAL_BODY_BYTES_MAX + 1];
    check(transfer_encode(&t, text, sizeof text) == 0, "a decoded body encodes");
    check(strcmp(text, body) == 0, "encode(decode(body)) == body");
    check(transfer_decode(text, &again, &bad) == 0, "the encoding decodes");
    check(memcmp(&t, &again, sizeof t) == 0, "the same figures again");
    char msgid[MSGID_BYTES_MAX + 1];
    (void)transfer_msgid(msgid, &t); /* fits, or -1: never overflows */
    struct journal_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.seq = 1;
    rec.kind = JOURNAL_TRANSFER;
    struct posting p[TRANSFER_POSTINGS_MAX];
    int n = transfer_postings(&rec, &t, p);
    check(n >= 0 && n <= TRANSFER_POSTINGS_MAX, "posting count");
    check(n == 0 || t.amount_fen > 0, "no posting of nothing");
    for (int i = 0; i < n; i++)
        check(p[i].amount_fen == t.amount_fen && strcmp(p[i].debit, p[i].credit) != 0,
              "a posting moves the amount");
    return 0;
}
