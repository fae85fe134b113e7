/* benefit.h: benefit start and contribution_short derived from the stored
 * episodes and the journal (issue 16 item 3; FUNDS.md §4;
 * docs/ENROLMENT.md, "Derived benefit start").
 *
 * The pure rules are core/benefit.h; here they are assembled from the
 * store: a person's episodes (the enrolment registry), the employee policy
 * of their region that prices the start episode, and whether the journal
 * holds their lump-sum record (msgid lump/310/<psn_no>); for a resident,
 * the journal's premium charges and payments (contrib/390/<year>/<psn_no>,
 * premium/390/<year>/<psn_no>) and the resident policy that priced them:
 * one start a person, the latest year covered's (docs/ENROLMENT.md,
 * "Residents": the spec's is per year). The values are
 * kept where settlement, the service and the contribution runs already
 * read them, the registry's benefit_start and flags, with the flag
 * benefit_derived naming their source; they are written as a persons edit
 * (store_persons_rewrite: journaled, before and after) by `yibao
 * derive-benefits`, by `yibao import episodes` for the persons derived
 * already, by `yibao pay-lump-sum`, and for the residents derived already
 * by `pay-premium`, `import premiums` and `contribute --residents`
 * (app_benefit_rederive); `yibao check` computes them again
 * (app_benefit_verify). A person never derived keeps the typed values. */
#ifndef YIBAO_APP_BENEFIT_H
#define YIBAO_APP_BENEFIT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/benefit.h"
#include "core/benefit_years.h"
#include "store/store.h"

#define BENEFIT_WHY_BYTES 200
#define BENEFIT_LUMP_MSGID_PREFIX "lump/310/"

/* A resident's (390) derivation: the latest year the contribution run
 * charged a premium for (msgid contrib/390/<year>/<psn_no>) and its
 * payment (premium/390/<year>/<psn_no>), FUNDS.md §4 through
 * core/benefit.h's benefit_resident. */
struct app_benefit_resident {
    int32_t year;
    int64_t due_seq, paid_seq; /* the year's record, its payment (0: unpaid) */
    int64_t own_fen;
    char paid_date[11]; /* YYYY-MM-DD, when paid */
    bool from_account;  /* paid from a holder's account */
    datetime_s benefit_start;
    /* every charged year's own start (the latest BENEFIT_YEARS_MAX),
     * packed as the registry keeps it (core/benefit_years.h) */
    int64_t years;
};

/* One person's derivation. */
struct app_benefit {
    bool resident;        /* a resident with a premium charged: res, not d */
    bool derivable;       /* an employee (310) episode in the registry region, or resident */
    enum funds_code code; /* FUNDS_OK, or why it cannot be derived (why) */
    char why[BENEFIT_WHY_BYTES];
    int32_t policy_year;      /* the year of the employee policy used */
    month_index retired_from; /* a retiree: the retirement episode's first month */
    int64_t lump_seq;         /* the journal record of the lump sum, 0: none */
    struct benefit_derived d;
    struct app_benefit_resident res;
};

/* The derivation of p from its episodes (all of them, any scheme and
 * region; retired[i]: episode i is of category retired) and the journal.
 * 0 (see out->derivable, out->code), or -1 with err on a storage error. */
int app_benefit_of(struct store *store, const struct store_person *p,
                   const struct episode *episodes, const bool *retired, int32_t count,
                   struct app_benefit *out, struct store_err *err);
/* The same, the episodes read from the store (enrol_scan of p's); for a
 * resident (scheme 390) the journal's premium records of p instead. */
int app_benefit_person(struct store *store, const struct store_person *p, struct app_benefit *out,
                       struct store_err *err);
/* p with the derived values: benefit_start, contribution_short, and the
 * flag benefit_derived. */
void app_benefit_apply(const struct app_benefit *b, struct store_person *p);

/* The per-year starts packed (core/benefit_years.h) as text: "2020:2020-01-01
 * 2021:2021-04-11" (a year not covered shows (Y+1)-01-01), "none". */
#define BENEFIT_YEARS_TEXT_BYTES (BENEFIT_YEARS_MAX * 17 + 48)
void app_benefit_years_text(int64_t packed, char *out, size_t size);

struct app_benefit_run {
    const char *psn_no; /* only this person (NULL: every person) */
    bool derived_only;  /* only the persons derived already (import episodes) */
    const struct store_import_note *note;
    void *ctx;
    /* each person left as typed: code "E_POLICY", ... and why (may be NULL) */
    void (*skipped)(void *ctx, const char *psn_no, const char *code, const char *why);
    /* app_benefit_verify: each person whose stored values differ (may be NULL) */
    void (*differs)(void *ctx, const char *psn_no, const char *what);
};
struct app_benefit_out {
    int64_t persons;   /* persons with an employee episode in their region looked at */
    int64_t residents; /* of them residents with a premium charged (journal) */
    int64_t derived;   /* derived (changed or not) */
    int64_t changed;   /* rows rewritten (journaled edits) */
    int64_t skipped;   /* not derivable: kept as typed */
    int64_t differ;    /* app_benefit_verify: stored values not the derived ones */
};
/* Derives and writes (one journaled persons edit of the rows changed). 0,
 * or -1 with err. */
int app_benefit_derive(struct store *store, const struct app_benefit_run *run,
                       struct app_benefit_out *out, struct store_err *err);
/* `yibao check`: every person flagged benefit_derived computed again;
 * out->differ counts those whose stored values differ. 0, or -1 with err. */
int app_benefit_verify(struct store *store, const struct app_benefit_run *run,
                       struct app_benefit_out *out, struct store_err *err);

/* After a write that changes what the derived values are (a resident's
 * premium charged or paid): the persons derived already (psn_no's, or
 * NULL: all) derived again, journaled with the note "yibao", why. 0 with
 * *changed the rows rewritten, or -1 with err. */
int app_benefit_rederive(struct store *store, const char *psn_no, const char *why, int64_t *changed,
                         struct store_err *err);

/* `yibao pay-lump-sum`: the lump sum of a retiree short of the minimum
 * months, amount_fen as collected (must equal the sum due), journaled as
 * a contribution record (category lump_sum, msgid lump/310/<psn_no>) with
 * its posting R:psn:<psn_no> -> F:hifp:<region>:<year>, then the person's
 * derived values rewritten (contribution_short lifted). */
enum app_lump_status {
    APP_LUMP_PAID = 0,
    APP_LUMP_FAILED = -1, /* storage: err */
    APP_LUMP_REFUSED = 2, /* err says why (field: what); nothing written */
};
struct app_lump_out {
    int32_t months;
    int64_t lump_fen;
    int64_t seq; /* the record */
    char region[CODE_BYTES_MAX + 1];
    int32_t year;
};
enum app_lump_status app_lump_sum_pay(struct store *store, const char *psn_no, int64_t amount_fen,
                                      const struct store_import_note *note,
                                      struct app_lump_out *out, struct store_err *err);

#endif
