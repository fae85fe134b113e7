/* main.c: the yibao command: what an operator runs. Dispatches to one file
 * per subcommand. Benchmarks and load generators are yibao-bench (src/bench). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"settle", cmd_settle, "settle one bill from files (or --db) and print the result"},
    {"conformance", cmd_conformance, "run yibao-vector/1 files and report PASS/FAIL"},
    {"gen", cmd_gen, "synthetic city (persons, institutions, bills, labels) or catalog"},
    {"init", cmd_init, "create an empty store (--db PATH: a SQLite file or postgresql:// URI)"},
    {"import", cmd_import, "load persons, institutions, policies, catalog into a store (--db)"},
    {"check", cmd_check, "verify a store: hash chain, ledger, year states (--db [--deep])"},
    {"explain", cmd_explain, "explain a stored settlement from the journal alone (--db PATH SEQ)"},
    {"revoke", cmd_revoke, "revoke a settlement durably (--db PATH SETL_ID)"},
    {"serve", cmd_serve, "HTTP settlement service (NHSA interface; --db PATH --listen HOST:PORT)"},
    {"credential", cmd_credential, "issue or revoke an institution's gateway credential (--db)"},
    {"sign", cmd_sign, "print signed gateway headers (or a curl line) for a request body"},
};

static void usage(FILE *out) {
    fprintf(out, "usage: yibao COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return EXIT_BAD_INPUT;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "yibao: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_BAD_INPUT;
}
