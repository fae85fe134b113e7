/* supervise_rank.h: `yibao supervise rank` (supervise_rank.c) and the
 * period options it shares with `supervise scan` (cmd_supervise.c). */
#ifndef YIBAO_CLI_SUPERVISE_RANK_H
#define YIBAO_CLI_SUPERVISE_RANK_H

#include "app/scan.h"

/* --year and the optional --from/--to into opts: 0, or EXIT_BAD_INPUT
 * with the option named on stderr. */
int supervise_period(const char *cmd, const char *year, const char *from, const char *to,
                     struct scan_opts *opts);
/* What --catalog's restrictions hold for opts: gender and ages, and the
 * items restricted otherwise (levels, settings, units, indications, pairs). */
struct supervise_owned {
    struct scan_restrict *r;
    struct catalog more;
};
/* The catalog file's restrictions (--catalog) into opts; owned freed by
 * the caller (supervise_owned_free), also on error. 0, or EXIT_BAD_INPUT. */
int supervise_restricts(const char *cmd, const char *path, struct scan_opts *opts,
                        struct supervise_owned *owned);
void supervise_owned_free(struct supervise_owned *owned);
int supervise_rank(int argc, char **argv);

#endif
