/* supervise_rank.h: `yibao supervise rank` (supervise_rank.c) and the
 * period options it shares with `supervise scan` (cmd_supervise.c). */
#ifndef YIBAO_CLI_SUPERVISE_RANK_H
#define YIBAO_CLI_SUPERVISE_RANK_H

#include "app/scan.h"

/* --year and the optional --from/--to into opts: 0, or EXIT_BAD_INPUT
 * with the option named on stderr. */
int supervise_period(const char *cmd, const char *year, const char *from, const char *to,
                     struct scan_opts *opts);
/* The catalog file's restrictions (--catalog) into opts; *owned freed by
 * the caller. 0, or EXIT_BAD_INPUT. */
int supervise_restricts(const char *cmd, const char *path, struct scan_opts *opts,
                        struct scan_restrict **owned);
int supervise_rank(int argc, char **argv);

#endif
