/* main.c: the yibao command: what an operator runs. Dispatches to one file
 * per subcommand (the table: commands.c). Benchmarks and load generators
 * are yibao-bench (src/bench).
 *
 * The conventions every command shares are applied here, once, before a
 * command sees its arguments: `--help` or `-h` prints its usage on stdout
 * and exits 0; `--name=value` is `--name value`; a command that reads a
 * store and is given no --db takes YIBAO_DB; `yibao --version`. */
#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/schema.h"

static void usage(FILE *out) {
    size_t count = 0;
    const struct cli_command *commands = cli_commands(&count);
    fprintf(out, "usage: yibao COMMAND [options]   (yibao COMMAND --help: its options)\n\n"
                 "commands:\n");
    int width = 12; /* the names' column: at least two spaces after the longest */
    for (size_t i = 0; i < count; i++)
        if ((int)strlen(commands[i].name) + 1 > width) width = (int)strlen(commands[i].name) + 1;
    for (size_t i = 0; i < count; i++)
        fprintf(out, "  %-*s %s\n", width, commands[i].name, commands[i].summary);
    fprintf(out,
            "\nenvironment: YIBAO_DB for --db; YIBAO_KEY_FILE, YIBAO_TOKEN (docs/SECURITY.md)\n");
}

static bool has_arg(int argc, char **argv, const char *name) {
    assert(name != NULL);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0) return true;
    return false;
}

/* argv as the command sees it, into out[0..*outc): --name=value split in
 * two; --db YIBAO_DB appended when the command reads a store and has none.
 * Returns -1 (said why) on more than CLI_ARGS_MAX arguments. */
static int normalise(const struct cli_command *c, int argc, char **argv, char **out, int *outc) {
    int n = 0;
    assert(c != NULL && argc >= 1);
    for (int i = 0; i < argc; i++) {
        char *eq = strncmp(argv[i], "--", 2) == 0 ? strchr(argv[i], '=') : NULL;
        if (n + 2 > CLI_ARGS_MAX) break;
        if (eq != NULL && eq > argv[i] + 2) {
            *eq = '\0'; /* argv's strings are ours to change */
            out[n++] = argv[i];
            out[n++] = eq + 1;
        } else {
            out[n++] = argv[i];
        }
    }
    if (n + 2 > CLI_ARGS_MAX)
        return fprintf(stderr, "yibao %s: more than %d arguments\n", c->name, CLI_ARGS_MAX), -1;
    const char *env = getenv("YIBAO_DB");
    bool wants = c->db == CLI_DB || (c->db == CLI_DB_UNLESS_POLICY && !has_arg(n, out, "--policy"));
    if (wants && env != NULL && env[0] != '\0' && !has_arg(n, out, "--db")) {
        out[n++] = "--db";
        out[n++] = (char *)env;
    }
    *outc = n;
    assert(n <= CLI_ARGS_MAX);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return EXIT_BAD_INPUT;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("yibao %s (store schema %d)\n", YIBAO_VERSION, SCHEMA_VERSION_LATEST);
        return 0;
    }
    const struct cli_command *c = cli_command_find(argv[1]);
    if (c == NULL) {
        fprintf(stderr, "yibao: unknown command '%s'\n", argv[1]);
        usage(stderr);
        return EXIT_BAD_INPUT;
    }
    if (has_arg(argc - 1, argv + 1, "--help") || has_arg(argc - 1, argv + 1, "-h")) {
        cli_usage(c->name, stdout);
        return 0;
    }
    static char *args[CLI_ARGS_MAX];
    int n = 0;
    if (normalise(c, argc - 1, argv + 1, args, &n) != 0) return EXIT_BAD_INPUT;
    return c->run(n, args);
}
