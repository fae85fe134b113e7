/* transfer.h: which transfer between regions (关系转移) a person's
 * employee episodes call for (issue 16 item 5; docs/ENROLMENT.md,
 * "Transfers between regions"). Pure: no I/O.
 *
 * An employee episode of region A that ends with `transfer_out`, and the
 * person's next employee episode, which starts with `transfer_in` in
 * another region B, are one transfer: the personal account's balance
 * moves from A's books to B's and the contribution months of A count in
 * B toward retirement's `total` (FUNDS.md §4), not its `local`. With no
 * next episode the person left for a region the store does not hold its
 * episodes of (outbound to outside). */
#ifndef YIBAO_TRANSFER_H
#define YIBAO_TRANSFER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/enrol.h"

struct transfer_episode {
    struct episode e;
    bool retired;      /* category retired: not contributed */
    bool transfer_in;  /* reason transfer_in */
    bool transfer_out; /* end_reason transfer_out */
};

enum transfer_status {
    TRANSFER_OK = 0,
    TRANSFER_NONE,    /* no employee episode ends with transfer_out, none starts with transfer_in */
    TRANSFER_IN_ONLY, /* an episode starts with transfer_in but none ends with transfer_out */
    TRANSFER_NOT_IN,  /* the episode after the transfer_out does not start with transfer_in */
    TRANSFER_SAME_REGION, /* ... or is of the same region */
};

struct transfer_pair {
    int32_t out_index;      /* the latest employee episode ending transfer_out */
    int32_t in_index;       /* the next employee episode (transfer_in); -1: none (to outside) */
    month_index month;      /* the in-episode's first month; none: the month after the out's end */
    int32_t carried_months; /* contributed employee months of other regions than the destination's
                               before month (each once: episodes of a scheme never overlap);
                               with no in-episode, the months of the out-episode's region */
};

/* The latest transfer of episodes[0..n) (any order, any scheme: only
 * employee (310) episodes count). */
enum transfer_status transfer_find(const struct transfer_episode *episodes, int32_t n,
                                   struct transfer_pair *out);
/* A short text of the status ("no employee episode ends with transfer_out", ...). */
const char *transfer_status_text(enum transfer_status s);

#endif
