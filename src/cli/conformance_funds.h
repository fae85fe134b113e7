/* conformance_funds.h: the yibao-funds-vector/1 side of `yibao conformance`
 * (FUNDS.md §9), beside the settlement vectors of cmd_conformance.c. */
#ifndef YIBAO_CLI_CONFORMANCE_FUNDS_H
#define YIBAO_CLI_CONFORMANCE_FUNDS_H

#include <stddef.h>

#include "json/json.h"

enum vector_verdict { VECTOR_PASS = 0, VECTOR_FAIL, VECTOR_NOT_RUN };

/* Runs the funds vector at path (root: its parsed document). PASS, FAIL
 * with message naming the first difference, or NOT_RUN with message
 * naming the kind not built yet. */
enum vector_verdict conformance_funds_run(const char *path, const struct json_value *root,
                                          char *message, size_t message_size);

#endif
