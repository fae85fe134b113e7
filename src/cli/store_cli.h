/* store_cli.h: what the store's subcommands share (import, check, settle
 * --db, revoke; yibao-bench's store and stress): the --db option and
 * printing an answer as JSON. */
#ifndef YIBAO_CLI_STORE_CLI_H
#define YIBAO_CLI_STORE_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

/* Opens the store named by --db, printing the error. NULL on failure. */
struct store *store_cli_open(const char *db, enum store_mode mode);
/* Prints a request's answer as one JSON line; returns the exit status
 * (0 done, 1 refused, 2 failed). */
int store_cli_print(FILE *out, struct store *store, const struct store_req *req);
/* The same for a bill read from a line of a file: the JSON gets
 * "input_line" (when > 0) and the messages name input ("FILE:LINE"). */
#define STORE_CLI_WHERE_BYTES 4200 /* "FILE:LINE" */
int store_cli_print_at(FILE *out, struct store *store, const struct store_req *req,
                       const char *input, int64_t input_line);

#endif
