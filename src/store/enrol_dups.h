/* enrol_dups.h: the store's read for `yibao report duplicates` (issue 16,
 * item 6): the enrolments of each ID number that may be enrolled twice. */
#ifndef YIBAO_STORE_ENROL_DUPS_H
#define YIBAO_STORE_ENROL_DUPS_H

#include "core/dupenrol.h"
#include "store/store.h"

/* Called once per certno with its enrolments e[0..n) grouped by psn_no:
 * each certno held by two or more persons, and each person held once
 * whose own episodes of two schemes or regions share a month of year.
 * A person without episodes is one enrolment, all year, in the scheme and
 * region of their registry row. Non-zero from cb stops (returned). */
typedef int (*dup_group_cb)(void *ctx, const char *certno, const struct dup_enrol *e, int n);
/* Reads in one snapshot on the store's own connection: 0, or -1 with err. */
int store_enrol_duplicates(struct store *store, int32_t year, dup_group_cb cb, void *ctx,
                           struct store_err *err);

#endif
