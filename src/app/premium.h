/* premium.h: a resident's own premium of a year recorded as paid (issue
 * 16 item 2; FUNDS.md §3, §4, §5; docs/CONTRIBUTIONS.md, "Premiums
 * paid"), and the arrears: the residents whose own premium is posted as
 * due and not paid.
 *
 * The due side is the year's contribution record (msgid
 * contrib/390/<year>/<psn_no>, posted by `yibao contribute --residents`:
 * R:psn:<psn_no> -> F:hifp own). A payment is one more contribution
 * record, category premium_paid, msgid premium/390/<year>/<psn_no> (so
 * once per person and year, by the journal's unique msgid), posting
 * C:<region>:<year> (collected in cash) or the holder's P:<holder>
 * (FUNDS.md §5, checked by the pure core's premium_from_account) ->
 * R:psn:<psn_no> own, which clears the receivable. Only the whole own
 * premium is taken: a partial payment would leave the person neither
 * paid nor unpaid (§5 says so of an account; a collection is treated
 * alike). */
#ifndef YIBAO_APP_PREMIUM_H
#define YIBAO_APP_PREMIUM_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define PREMIUM_MSGID_PREFIX "premium/390/"
#define PREMIUM_AMOUNT_MAX_FEN 100000000LL /* a premium of at most a million yuan */
/* rows of a collection file: one transaction, as one contribution commit */
#define PREMIUM_IMPORT_ROWS_MAX 4096
#define PREMIUM_IMPORT_ROWS_TEXT "4,096"
_Static_assert(PREMIUM_IMPORT_ROWS_MAX <= CONTRIB_COMMIT_MAX, "a file is one commit");

struct app_premium_in {
    const char *psn_no;
    int32_t year;
    int64_t amount_fen;    /* as collected: must be the own premium due */
    const char *paid_date; /* YYYY-MM-DD */
    const char *holder;    /* the holder paying from the account, NULL: cash */
};
enum app_premium_status {
    APP_PREMIUM_PAID = 0,
    APP_PREMIUM_FAILED = -1, /* storage: err */
    APP_PREMIUM_REFUSED = 2, /* err says why ("field: ..." or "E_CODE: ..."); nothing written */
};
struct app_premium_out {
    int64_t own_fen;
    int64_t seq; /* the payment's record */
    char payer[ACCOUNT_BYTES_MAX + 1];
    char receivable[ACCOUNT_BYTES_MAX + 1];
};
enum app_premium_status app_premium_pay(struct store *store, const struct app_premium_in *in,
                                        struct app_premium_out *out, struct store_err *err);

/* `yibao import premiums FILE` (the tax bureau's collection file, CSV
 * psn_no,year,amount,paid_date: docs/CONTRIBUTIONS.md): each row paid in
 * cash as app_premium_pay would, all rows or none (one transaction; at
 * most PREMIUM_IMPORT_ROWS_MAX); a bad or refused row is "NAME:LINE:
 * field: what" (name: the file as the operator named it). 0, 2 refused
 * (err; nothing written), -1 storage. */
struct app_premium_import {
    int64_t rows, paid; /* paid < rows only when another writer paid some meanwhile */
    int64_t paid_fen;
};
int app_premium_import(struct store *store, const char *path, const char *name,
                       struct app_premium_import *out, struct store_err *err);

/* One resident in arrears for a year: own premium posted as due, not
 * paid. */
struct app_arrear {
    char psn_no[CODE_BYTES_MAX + 1];
    char region[CODE_BYTES_MAX + 1];
    char category[CONTRIB_CATEGORY_BYTES_MAX + 1];
    int64_t due_seq; /* the year's record */
    int64_t own_fen;
};
struct app_arrears {
    struct app_arrear *rows; /* in psn_no order; free with app_arrears_free */
    size_t count;
    int64_t due_count, paid_count; /* residents with an own premium due, of them paid */
    int64_t due_fen, paid_fen, unpaid_fen;
};
/* Reads the journal's resident records of year: 0, or -1 with err. */
int app_arrears_of(struct store *store, int32_t year, struct app_arrears *out,
                   struct store_err *err);
void app_arrears_free(struct app_arrears *a);

#endif
