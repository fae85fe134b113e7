/* deep_check.h: `yibao check --deep` and `yibao explain`: every settlement
 * settled again from the journal alone.
 *
 * `yibao check` proves the records, ledger and states agree with one
 * another; it cannot tell a copy rewritten consistently (the basic fund
 * paying 1.00 more in the result, the postings and the state alike) from
 * the truth, because it trusts the figures the engine wrote. The journal
 * keeps each settlement's bill and each imported policy, catalog and
 * institutions file, so the deep check replays the journal in seq order:
 * it rebuilds the registry of each record's time from the imports, the
 * person's year state and account from the records before, settles the
 * bill through the use case (app_settle) and compares every figure with
 * the stored one. Records of releases before bills were kept are replayed
 * (their deltas count) but not settled again. */
#ifndef YIBAO_APP_DEEP_CHECK_H
#define YIBAO_APP_DEEP_CHECK_H

#include <stdint.h>

#include "core/explain.h"
#include "core/whatif.h"
#include "store/store.h"

#define DEEP_CHUNK_RECORDS 1024 /* journal records read and settled per round trip */

struct app_deep_out {
    int64_t records;       /* journal records replayed */
    int64_t resettled;     /* settlements settled again and found equal */
    int64_t skipped;       /* settlements without a journaled bill (earlier releases) */
    int64_t refused;       /* what-if: settlements its policies refuse */
    int64_t recontributed; /* contributions computed again and found equal */
};

/* 0 when every settlement settles again to its stored figures; 1 with err
 * naming the first that does not ("journal seq 17: hifp_pay stored 12345,
 * settled again 12245"); -1 on a storage error. */
int app_check_deep(struct store *store, struct app_deep_out *out, struct store_err *err);

/* The policy what-if's replay (app/whatif.c, issue 17 item 5): the same
 * pass, in seq order, with imports replayed as above, but each settlement
 * of policy year `year` settled under `policies` where one has its
 * (region, year, insutype) (it replaces every version stored for that key;
 * the other keys keep theirs), on (person, year) states rebuilt from zero
 * by the what-if's own settlements (the account as journaled up to the
 * year's first record, then moved by the what-if's payments and the other
 * years' records as journaled), and compared with nothing: each goes to
 * event. A revoke of such a settlement takes back what the what-if
 * settled for it, and goes to event too. Records of other years count as
 * journaled; records of other kinds (contributions, payments) are passed
 * over. Nothing is written. */
struct app_whatif_event {
    const struct journal_rec *rec; /* the settlement's record, or the revoke's */
    bool revoke;
    const struct store_settlement *before; /* as journaled (a revoke's: its settlement's) */
    /* settled under the what-if's policies; NULL: they refuse the bill
     * (refusal: its code). A settlement of a release before bills were
     * kept cannot be settled again: after == before. */
    const struct store_settlement *after;
    const char *refusal;
    struct whatif_where where; /* its institution's level and person's group */
};
struct app_whatif_replay {
    int32_t year;
    const struct policy *policies;
    size_t policy_count;
    /* 0 goes on; -1 (err filled) stops */
    int (*event)(void *ctx, const struct app_whatif_event *ev);
    void *ctx;
    /* NULL: every region; else only that region's settlements (their fund
     * region) are settled again and handed on, the others' count as
     * journaled, as other years' do */
    const char *region;
};
/* 0; 1 when the journal does not replay (err says where); -1 on a storage
 * error, or an event's -1 (err). out->resettled: settled under the
 * what-if's policies, out->refused: refused by them, out->skipped:
 * without a journaled bill. */
int app_replay_whatif(struct store *store, const struct app_whatif_replay *whatif,
                      struct app_deep_out *out, struct store_err *err);

/* The explanation of settlement `seq`, rebuilt from the journal alone (its
 * bill, the registry and the person's year as of the record), and the
 * figures settled again (stl). 0, 1 when the figures differ from the stored
 * ones (err says which), or -1 (no such settlement, no journaled bill, a
 * storage error: err). */
int app_explain_record(struct store *store, int64_t seq, struct explain *explain,
                       struct store_settlement *stl, struct store_err *err);

#endif
