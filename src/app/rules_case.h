/* rules_case.h: rules as data inside settlement and in 3101/3102 (issue
 * 18 items 1-2, docs/RULES.md), the one place the application runs the
 * core's rule evaluation (core/rules.h).
 *
 * Inside settlement the rules run after the engine settled the bill: a
 * refusal by the spec's validation comes first and keeps its code; a
 * settled bill with a deny violation is refused with E_RULE naming the
 * rule and the line; warn violations leave the settlement as it is and
 * are kept with it (the journal record's note=). The settled amounts of
 * an admitted bill are exactly the spec's: rules never change one. */
#ifndef YIBAO_APP_RULES_CASE_H
#define YIBAO_APP_RULES_CASE_H

#include <stdint.h>

#include "app/settle_case.h"
#include "core/rules.h"

#define APP_RULE_WARN_PREFIX "rules-warn" /* the note of a settlement with warns */

/* Fills subject from the registry row of the person and the institution
 * (NULL: unknown level, LEVEL_NONE) for bill. */
void app_rule_subject(const struct store_person *person, const struct store_institution *inst,
                      const struct bill *bill, struct rule_subject *subject);

/* The bill's violations (rules_eval) for the person at the institution. */
int32_t app_rules_check(const struct rule_set *rs, const struct store_person *person,
                        const struct store_institution *inst, const struct bill *bill,
                        struct rule_violation *out, int32_t max, int32_t *first_deny);

/* Inside app_settle, once out is settled: rs NULL does nothing; a deny
 * refuses (out->refusal E_RULE, field med_list_codg, the line); warns
 * are written into out->stl.note ("rules-warn ID:LINE ...", lines from 1). */
void app_rules_settle(const struct rule_set *rs, const struct app_registry *reg,
                      const struct bill *bill, struct app_settle_answer *out);

/* What a violation says, for E_RULE and 3101/3102's vola_cont: "rule
 * R-GENDER-F (限女性用药): the person's gender is 1, the rule's 2". */
void app_rule_text(const struct rule_set *rs, const struct rule_violation *v,
                   const struct bill *bill, char *out, size_t size);

#endif
