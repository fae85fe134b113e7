/* year_end_rec.c: an institution's year-end settlement as a journal
 * record (issue 17 item 3; FUNDS.md §6, §7; docs/PAYMENT.md): its body
 * the method, F, the adjustment, the deposit released and the sum paid;
 * its postings (ledger.c, year_end_postings) are written with it by
 * store_pay_commit (pay_rec.c), one record per institution and year
 * (msgid "year-end/<code>/<year>", unique in the journal). */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/agreement.h"
#include "store/record_body.h"
#include "store/store.h"

_Static_assert(YEAR_END_POSTINGS_MAX <= POSTINGS_PER_RECORD_MAX,
               "a year-end record's postings fit where a record's postings are read");

int year_end_msgid(char out[MSGID_BYTES_MAX + 1], const char *code, int32_t year) {
    assert(out != NULL && code != NULL);
    int n = snprintf(out, MSGID_BYTES_MAX + 1, "year-end/%s/%04d", code, (int)year);
    return n > 0 && n <= MSGID_BYTES_MAX ? 0 : -1;
}

int year_end_encode(const struct store_year_end *y, char *body, size_t size) {
    assert(y != NULL && body != NULL && size > 0);
    if (!body_code_ok(y->code, false, NULL) || !body_code_ok(y->region, false, NULL) ||
        !body_code_ok(y->method, false, NULL))
        return -1;
    int n = snprintf(
        body, size,
        "year=%04d inst=%s region=%s method=%s f=%" PRId64 " quota=%" PRId64 " adjustment=%" PRId64
        " deposit=%" PRId64 " sanctions=%" PRId64 " released=%" PRId64 " paid=%" PRId64,
        (int)y->year, y->code, y->region, y->method, y->f_fen, y->quota_fen, y->adjustment_fen,
        y->deposit_fen, y->sanctions_fen, y->released_fen, y->paid_fen);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

int year_end_decode(const char *body, struct store_year_end *out, const char **bad_key) {
    assert(body != NULL && out != NULL && bad_key != NULL);
    memset(out, 0, sizeof *out);
    const char *p = body, *bad = NULL;
    int64_t year = 0;
    if (!body_take_i64(&p, "year", &year) || year < MONTH_YEAR_MIN || year > MONTH_YEAR_MAX)
        bad = "year";
    else if (!body_take(&p, "inst", out->code, sizeof out->code) ||
             !body_code_ok(out->code, false, NULL))
        bad = "inst";
    else if (!body_take(&p, "region", out->region, sizeof out->region) ||
             !body_code_ok(out->region, false, NULL))
        bad = "region";
    else if (!body_take(&p, "method", out->method, sizeof out->method) ||
             pay_method_parse(out->method, &(enum pay_method){0}) != 0)
        bad = "method";
    else if (!body_take_i64(&p, "f", &out->f_fen)) bad = "f";
    else if (!body_take_i64(&p, "quota", &out->quota_fen)) bad = "quota";
    else if (!body_take_i64(&p, "adjustment", &out->adjustment_fen)) bad = "adjustment";
    else if (!body_take_i64(&p, "deposit", &out->deposit_fen)) bad = "deposit";
    else if (!body_take_i64(&p, "sanctions", &out->sanctions_fen)) bad = "sanctions";
    else if (!body_take_i64(&p, "released", &out->released_fen)) bad = "released";
    else if (!body_take_i64(&p, "paid", &out->paid_fen)) bad = "paid";
    else if (*p != '\0') bad = "end";
    out->year = (int32_t)year;
    if (bad == NULL && year_end_identity_error(out) != NULL) bad = "figures";
    *bad_key = bad;
    return bad == NULL ? 0 : -1;
}

const char *year_end_identity_error(const struct store_year_end *y) {
    assert(y != NULL);
    if (y->deposit_fen < 0 || y->sanctions_fen < 0) return "a deposit or sanction is negative";
    int64_t release = y->deposit_fen - y->sanctions_fen;
    if (y->released_fen != (release > 0 ? release : 0))
        return "released is not max(0, deposit - sanctions)";
    if (y->paid_fen != y->adjustment_fen + y->released_fen)
        return "paid is not adjustment + released";
    return NULL;
}
