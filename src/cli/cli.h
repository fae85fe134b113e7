/* cli.h: the yibao command's subcommands, one file each (yibao-bench's are
 * in src/bench/bench.h). Each returns the process exit status: 0 success,
 * 1 a check failed, 2 bad input or usage. */
#ifndef YIBAO_CLI_H
#define YIBAO_CLI_H

#include <stddef.h>
#include <stdio.h>

#define EXIT_CHECK_FAILED 1
#define EXIT_BAD_INPUT 2
#define YIBAO_VERSION "0.7.0" /* the command's release; the store's schema is its own */
#define CLI_ARGS_MAX 1024     /* arguments of one command line (after --opt=value splits) */

/* Whether a command reads a store: then YIBAO_DB stands for a missing --db
 * (settle: only without --policy, which settles from files). */
enum cli_db { CLI_DB_NONE, CLI_DB, CLI_DB_UNLESS_POLICY };

struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    const char *usage;           /* or NULL and usage_fn */
    void (*usage_fn)(FILE *out); /* usage with text made at run time (gen's policy sets) */
    enum cli_db db;
};

/* The table (commands.c). */
const struct cli_command *cli_commands(size_t *count);
const struct cli_command *cli_command_find(const char *name);
/* Prints the usage of command name (in the table) to out. */
void cli_usage(const char *name, FILE *out);

int cmd_settle(int argc, char **argv);
int cmd_conformance(int argc, char **argv);
int cmd_gen(int argc, char **argv);             /* gen: cmd_gen.c (synthetic cities) */
int cmd_settle_db(int argc, char **argv);       /* src/cli/cmd_settle_db.c (store) */
int cmd_import(int argc, char **argv);          /* store: cmd_import.c */
int cmd_check(int argc, char **argv);           /* store: cmd_check.c */
int cmd_explain(int argc, char **argv);         /* store: cmd_check.c */
int cmd_init(int argc, char **argv);            /* store: cmd_init.c */
int cmd_revoke(int argc, char **argv);          /* store: cmd_revoke.c */
int cmd_serve(int argc, char **argv);           /* service: cmd_serve.c */
int cmd_credential(int argc, char **argv);      /* service: cmd_credential.c */
int cmd_sign(int argc, char **argv);            /* service: cmd_sign.c */
int cmd_show(int argc, char **argv);            /* look-ups: cmd_show.c */
int cmd_list(int argc, char **argv);            /* look-ups: cmd_show.c */
int cmd_report(int argc, char **argv);          /* reports: cmd_report.c */
int cmd_case(int argc, char **argv);            /* cases and sanctions: cmd_case.c */
int cmd_supervise(int argc, char **argv);       /* supervision: cmd_supervise.c */
int cmd_whatif(int argc, char **argv);          /* policy what-if: cmd_whatif.c */
int cmd_contribute(int argc, char **argv);      /* store: cmd_contribute.c */
int cmd_derive_benefits(int argc, char **argv); /* store: cmd_benefit.c */
int cmd_pay_lump_sum(int argc, char **argv);    /* store: cmd_benefit.c */
int cmd_pay_premium(int argc, char **argv);     /* store: cmd_premium.c */
int cmd_collect_subsidy(int argc, char **argv); /* store: cmd_collect.c */
int cmd_transfer(int argc, char **argv);        /* store: cmd_transfer.c */

/* institution payment (docs/PAYMENT.md): cmd_pay.c, cmd_settle_year.c */
int cmd_pay(int argc, char **argv);
int cmd_settle_year(int argc, char **argv);

#endif
