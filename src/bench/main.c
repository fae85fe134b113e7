/* main.c: the yibao-bench program: benchmarks, load generators and the
 * store's crash-test driver, kept out of the yibao command an operator runs.
 * Dispatches to one file per subcommand (bench.h). */
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"settle", bench_settle, "the pure settle engine on one core (--n N --lines L)"},
    {"year", bench_year, "a synthetic city's year, in memory or durably (--persons N [--db PATH])"},
    {"whatif", bench_whatif,
     "the policy what-if over a synthetic city's year, in memory (--persons N --policy F)"},
    {"store", bench_store, "durable settlements/s through the commit queue (--db PATH)"},
    {"http", bench_http, "load generator for the settlement service (--url URL ...)"},
    {"hostile", bench_hostile,
     "idle or slowloris connections held against the service (--url URL)"},
    {"stress", bench_stress, "crash-test driver of the store (stress store|verify --db PATH)"},
};

static void usage(FILE *out) {
    fprintf(out, "usage: yibao-bench COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
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
    fprintf(stderr, "yibao-bench: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_BAD_INPUT;
}
