/* rule_warns.h: the settlements that rules flagged with warns (docs/RULES.md),
 * as the journal keeps them (the settle record's note "rules-warn ID:LINE ..."),
 * for `yibao supervise warns`. Revoked settlements are left out. */
#ifndef YIBAO_APP_RULE_WARNS_H
#define YIBAO_APP_RULE_WARNS_H

#include <stdint.h>

#include "store/store.h"

struct app_rule_warn {
    int64_t setl_id;
    int32_t year;
    const char *msgid, *psn_no, *fixmedins_code;
    const char *rule; /* the rule's id */
    int32_t line;     /* the bill line, from 1; 0 for the "+N" of warns not kept */
};
typedef int (*app_rule_warn_cb)(void *ctx, const struct app_rule_warn *w);

/* Every warn of the standing settlements of policy year `year` (0: every
 * year), in journal order, to cb (a non-zero return stops: returned).
 * 0, or -1 with err. *settlements: how many settlements carry warns. */
int app_rule_warns(struct store *store, int32_t year, app_rule_warn_cb cb, void *ctx,
                   int64_t *settlements, struct store_err *err);

#endif
