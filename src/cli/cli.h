/* cli.h: the yibao command's subcommands, one file each (yibao-bench's are
 * in src/bench/bench.h). Each returns the process exit status: 0 success,
 * 1 a check failed, 2 bad input or usage. */
#ifndef YIBAO_CLI_H
#define YIBAO_CLI_H

#define EXIT_CHECK_FAILED 1
#define EXIT_BAD_INPUT 2

int cmd_settle(int argc, char **argv);
int cmd_conformance(int argc, char **argv);
int cmd_gen(int argc, char **argv);        /* gen: cmd_gen.c (synthetic cities) */
int cmd_settle_db(int argc, char **argv);  /* src/cli/cmd_settle_db.c (store) */
int cmd_import(int argc, char **argv);     /* store: cmd_import.c */
int cmd_check(int argc, char **argv);      /* store: cmd_check.c */
int cmd_explain(int argc, char **argv);    /* store: cmd_check.c */
int cmd_init(int argc, char **argv);       /* store: cmd_init.c */
int cmd_revoke(int argc, char **argv);     /* store: cmd_revoke.c */
int cmd_serve(int argc, char **argv);      /* service: cmd_serve.c */
int cmd_credential(int argc, char **argv); /* service: cmd_credential.c */
int cmd_sign(int argc, char **argv);       /* service: cmd_sign.c */

#endif
