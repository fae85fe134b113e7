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
#include "store/store.h"

#define DEEP_CHUNK_RECORDS 1024 /* journal records read and settled per round trip */

struct app_deep_out {
    int64_t records;       /* journal records replayed */
    int64_t resettled;     /* settlements settled again and found equal */
    int64_t skipped;       /* settlements without a journaled bill (earlier releases) */
    int64_t recontributed; /* contributions computed again and found equal */
};

/* 0 when every settlement settles again to its stored figures; 1 with err
 * naming the first that does not ("journal seq 17: hifp_pay stored 12345,
 * settled again 12245"); -1 on a storage error. */
int app_check_deep(struct store *store, struct app_deep_out *out, struct store_err *err);

/* The explanation of settlement `seq`, rebuilt from the journal alone (its
 * bill, the registry and the person's year as of the record), and the
 * figures settled again (stl). 0, 1 when the figures differ from the stored
 * ones (err says which), or -1 (no such settlement, no journaled bill, a
 * storage error: err). */
int app_explain_record(struct store *store, int64_t seq, struct explain *explain,
                       struct store_settlement *stl, struct store_err *err);

#endif
