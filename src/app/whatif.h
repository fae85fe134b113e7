/* whatif.h: the policy what-if (issue 17 item 5, `yibao whatif`): what a
 * policy year's spending and the patients' out-of-pocket would have been
 * under other policies. Every settlement of the year is settled again
 * from the journal, in the journal's order, revokes taking back their
 * settlement when they came (app_replay_whatif, app/deep_check.c), each
 * person's year from zero, in memory; the store is opened read-only and
 * nothing is written. The figures before are the journaled ones, the
 * ones after the what-if's; the sums are core/whatif.h's. */
#ifndef YIBAO_APP_WHATIF_H
#define YIBAO_APP_WHATIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/deep_check.h"
#include "core/agreement.h"
#include "core/whatif.h"
#include "store/store.h"

#define APP_WHATIF_POLICIES_MAX 16                   /* --policy files of one what-if */
#define APP_WHATIF_TOP 10                            /* the hardest hit listed by name */
#define APP_WHATIF_PERSONS_MAX (64u * 1024u * 1024u) /* persons with a settlement in the year */

struct app_whatif_hit {
    char psn_no[CODE_BYTES_MAX + 1];
    int64_t before_fen, after_fen; /* out-of-pocket in the year */
};

struct app_whatif_report {
    int32_t year;
    char region[CODE_BYTES_MAX + 1]; /* "": every region */
    struct whatif_side before, after;
    struct app_deep_out replay; /* resettled, refused (by the new policies), skipped */
    int64_t revokes;            /* revokes of the year's settlements taken into account */
    /* persons with a settlement in the year, and the hardest hit of them
     * (WHATIF_HARDEST_PERCENT per cent, by out-of-pocket increase): their
     * out-of-pocket before and after, and the smallest increase among them */
    size_t persons, hardest;
    int64_t hardest_before_fen, hardest_after_fen, hardest_min_change_fen;
    size_t top_count;
    struct app_whatif_hit top[APP_WHATIF_TOP];
    /* months of support (FUNDS.md §8) per fund, every region together, at
     * the year's end: before from the fund books (app/fund_reports.h: the
     * journal's postings), after with the what-if's change of the fund's
     * spending taken from the balance and added to the 12 months' spending.
     * Only when the books hold revenue for the year (contributions,
     * premiums): without revenue the figure would say nothing. */
    bool has_revenue;
    struct app_whatif_support {
        int64_t balance_before_fen, balance_after_fen;
        int64_t spending_before_fen, spending_after_fen; /* the year's 12 months */
        bool has_before, has_after;                      /* false: nothing spent (∞) */
        int64_t tenths_before, tenths_after;             /* a balance <= 0 supports 0.0 */
    } support[FUND_LAYER_COUNT];
};

/* What is wrong with policy as a what-if policy of year among the store's
 * policies and the what-if policies given before it (earlier[0..n)):
 * NULL when nothing; else the message, with *field the policy key it
 * names ("year", "region", "insutype"). */
const char *app_whatif_policy_problem(struct store *store, int32_t year,
                                      const struct policy *policy, const struct policy *earlier,
                                      size_t n, const char **field, char *why, size_t why_size);

/* The what-if of year under policies[0..n) (checked with
 * app_whatif_policy_problem first). region NULL: every region; else only
 * the settlements of that fund region are settled again and reported, and
 * months of support are the region's (its policies only: the caller
 * checks). A year without settlements is all zeros. books (may be NULL):
 * a second handle of the same store (read only), on which the funds'
 * books for months of support are read in a thread of their own while
 * the replay runs on store; NULL: read on store after the replay. 0, 1
 * when the journal does not replay, -1 (err). */
int app_whatif(struct store *store, struct store *books, int32_t year, const char *region,
               const struct policy *policies, size_t n, struct app_whatif_report *out,
               struct store_err *err);

/* app_whatif, handing each event of the replay to sink as well (0 goes
 * on; -1 with err stops the what-if). */
typedef int (*app_whatif_sink)(void *ctx, const struct app_whatif_event *ev, struct store_err *err);
int app_whatif_observed(struct store *store, struct store *books, int32_t year, const char *region,
                        const struct policy *policies, size_t n, app_whatif_sink sink,
                        void *sink_ctx, struct app_whatif_report *out, struct store_err *err);

/* ---- the payment what-if (whatif_payment.c; `yibao whatif --payment`) ---- */
#define APP_WHATIF_AGREEMENTS_MAX 16 /* --payment files of one what-if */

/* One institution's year-end settlement (FUNDS.md §6) before: as the
 * store's agreements settle the journaled figures; after: as the what-if's
 * agreements (where given, else the store's) settle the what-if's figures.
 * An institution without an agreement on one side has zeros there. */
struct app_whatif_institution {
    char code[CODE_BYTES_MAX + 1];
    bool has_before, has_after; /* an agreement on that side */
    struct store_year_end before, after;
};

struct app_whatif_payment {
    size_t count;
    struct app_whatif_institution *items;  /* by code; free() it */
    int64_t missing_before, missing_after; /* problems: the side cannot be settled */
};

/* The what-if of year under policies[0..n) (may be 0: the store's) and the
 * payment agreements agreements[0..m) (each for year and a region of the
 * store's agreements: checked by the caller), with report as app_whatif's
 * and each institution's year-end settlement before and after in pay
 * (region not NULL: the institutions of that region's agreements only).
 * problem (may be NULL) hears each problem of a side, which leaves that
 * side's figures out (missing_*). 0; 1 when the journal does not replay;
 * -1 (err). */
int app_whatif_payment(struct store *store, struct store *books, int32_t year, const char *region,
                       const struct policy *policies, size_t n, const struct agreement *agreements,
                       size_t m,
                       void (*problem)(void *ctx, bool after, const char *code, const char *what),
                       void *ctx, struct app_whatif_report *report, struct app_whatif_payment *pay,
                       struct store_err *err);

#endif
