/* funds_case.h: runs one decoded yibao-funds-vector/1 case through the fund
 * rules of the core (contrib.h, enrol.h, sharing.h) and hands back the
 * named figures FUNDS.md §9 lists for its kind. The one use case the
 * conformance runner and, later, the enrolment and contribution commands
 * of issue 16 share. */
#ifndef YIBAO_APP_FUNDS_CASE_H
#define YIBAO_APP_FUNDS_CASE_H

#include "codec/funds_vector.h"

/* v->kind must be a built kind. A wire failure (v->code) is the outcome
 * as it is; otherwise the rule's answer and, on success, its figures. */
void funds_case_run(const struct funds_vector *v, struct funds_outcome *out);

#endif
