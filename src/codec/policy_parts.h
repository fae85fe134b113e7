/* policy_parts.h: the parts of the yibao-policy/1 decoder that live in
 * their own files (policy_json.c calls them). Internal to src/codec. */
#ifndef YIBAO_CODEC_POLICY_PARTS_H
#define YIBAO_CODEC_POLICY_PARTS_H

#include "codec/fields.h"
#include "core/policy.h"

/* The optional `funding` section (FUNDS.md §1), read by the policy's
 * insutype; absent or null leaves has_funding false. 0, or -1 with e. */
int policy_funding_from_json(const struct json_value *root, struct policy *p, struct field_err *e);

#endif
