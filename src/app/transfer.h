/* transfer.h: `yibao transfer`, a person's employee-scheme transfer
 * between regions (关系转移; issue 16 item 5; docs/ENROLMENT.md,
 * "Transfers between regions").
 *
 * The transfer is the one the person's registered episodes call for
 * (core/transfer.h: the latest employee episode ending transfer_out and
 * the next, starting transfer_in in another region). A region's books are
 * in this store when it holds an employee (310) policy of the region.
 * From a region here the personal account's whole balance is paid out of
 * its books; into a region here it is taken in (the balance paid out
 * when both are here, else the balance the transfer carries, given);
 * both here: the account keeps its balance and the person's registry
 * region becomes the new one, so settlements read the new region's
 * policy. One journal record (store_transfer_commit), exactly once. */
#ifndef YIBAO_APP_TRANSFER_H
#define YIBAO_APP_TRANSFER_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

struct app_transfer_req {
    const char *psn_no;
    const char *to_region; /* --to: the region gone to (outbound to outside); NULL: none */
    bool has_balance;      /* --balance given */
    int64_t balance_fen;   /* the balance carried in from a region not here */
    const struct store_import_note *note; /* the registry edit's operator and reason */
};
enum app_transfer_status {
    APP_TRANSFER_DONE = 0,
    APP_TRANSFER_ALREADY = 1, /* the journal holds it: nothing posted */
    APP_TRANSFER_FAILED = -1, /* storage: err */
    APP_TRANSFER_REFUSED = 2, /* err "field: why"; nothing written */
};
struct app_transfer_out {
    struct store_transfer t; /* as journaled */
    int64_t seq;             /* the record */
    bool region_changed;     /* the registry's region rewritten to the new one */
};
enum app_transfer_status app_transfer(struct store *store, const struct app_transfer_req *req,
                                      struct app_transfer_out *out, struct store_err *err);

#endif
