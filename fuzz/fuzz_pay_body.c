/* fuzz_pay_body.c: libFuzzer target for the bodies of the payment runs'
 * records (src/store/pay_rec.c, a monthly payment; src/store/year_end_rec.c,
 * a year-end settlement), the text `check` decodes from the journal. The
 * first byte chooses the kind, the rest is the body.
 *
 * Properties: a body that decodes keeps its identities (decode refuses one
 * that does not) and names a bad key otherwise; a decoded body encodes
 * again to the same text and decodes to the same figures; its postings
 * move positive amounts between two different accounts, at most the
 * kind's maximum, and take out of (or put into) the institution's payable
 * exactly the record's payable (a payment). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_pay_body: property violated: %s\n", what);
        abort();
    }
}

static void postings_ok(const struct posting *p, int n, int max) {
    check(n >= 0 && n <= max, "posting count");
    for (int i = 0; i < n; i++)
        check(p[i].amount_fen > 0 && strcmp(p[i].debit, p[i].credit) != 0, "a posting moves money");
}

static void pay_body(const char *body) {
    struct store_pay p, again;
    const char *bad = NULL;
    if (pay_decode(body, &p, &bad) != 0) {
        check(bad != NULL && bad[0] != '\0', "a refusal names a key");
        return;
    }
    check(pay_identity_error(&p) == NULL, "a decoded body keeps the identities");
    char text[JOURNAL_BODY_BYTES_MAX + 1];
    check(pay_encode(&p, text, sizeof text) == 0, "a decoded body encodes");
    check(strcmp(text, body) == 0, "encode(decode(body)) == body");
    check(pay_decode(text, &again, &bad) == 0, "the encoding decodes");
    check(memcmp(&p, &again, sizeof p) == 0, "the same figures again");
    struct journal_rec rec = {.seq = 1, .kind = JOURNAL_PAY};
    struct posting post[PAY_POSTINGS_MAX];
    int n = pay_postings(&rec, &p, post);
    postings_ok(post, n, PAY_POSTINGS_MAX);
    char inst[ACCOUNT_BYTES_MAX + 1];
    snprintf(inst, sizeof inst, "I:%s", p.code);
    int64_t out = 0;
    for (int i = 0; i < n; i++)
        out += strcmp(post[i].credit, inst) == 0 ? post[i].amount_fen : -post[i].amount_fen;
    check(out == p.payable_fen, "the postings move the payable out of I:<code>");
}

static void year_end_body(const char *body) {
    struct store_year_end y, again;
    const char *bad = NULL;
    if (year_end_decode(body, &y, &bad) != 0) {
        check(bad != NULL && bad[0] != '\0', "a refusal names a key");
        return;
    }
    check(year_end_identity_error(&y) == NULL, "a decoded body keeps the identities");
    char text[JOURNAL_BODY_BYTES_MAX + 1];
    check(year_end_encode(&y, text, sizeof text) == 0, "a decoded body encodes");
    check(strcmp(text, body) == 0, "encode(decode(body)) == body");
    check(year_end_decode(text, &again, &bad) == 0, "the encoding decodes");
    check(memcmp(&y, &again, sizeof y) == 0, "the same figures again");
    struct journal_rec rec = {.seq = 1, .kind = JOURNAL_YEAR_END};
    struct posting post[YEAR_END_POSTINGS_MAX];
    postings_ok(post, year_end_postings(&rec, &y, post), YEAR_END_POSTINGS_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size - 1 > JOURNAL_BODY_BYTES_MAX) return 0;
    char body[JOURNAL_BODY_BYTES_MAX + 1];
    memcpy(body, data + 1, size - 1);
    body[size - 1] = '\0';
    if (data[0] & 1) year_end_body(body);
    else pay_body(body);
    return 0;
}
