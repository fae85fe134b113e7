/* cmd_import.c: `yibao import --db PATH KIND FILE...` loads the registry
 * (KIND persons|institutions|policy|catalog). Each file is one transaction
 * and one journal record; a bad row rolls its file back, is reported as
 * "FILE:LINE: field: what" and exits 2. Files before it stay imported. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/store_cli.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_import(int argc, char **argv) {
    const char *db = NULL, *kind = NULL;
    bool bad = false;
    int first_file = 0;
    for (int i = 1; i < argc && !bad && first_file == 0; i++) {
        if (cli_option(argc, argv, &i, "--db", &db, &bad)) continue;
        if (kind == NULL) kind = argv[i];
        else first_file = i;
    }
    if (bad || db == NULL || kind == NULL || first_file == 0) {
        fprintf(stderr,
                "usage: yibao import --db PATH persons|institutions|policy|catalog FILE...\n");
        return EXIT_BAD_INPUT;
    }
    struct store *store = store_cli_open(db, STORE_MODE_CREATE);
    if (store == NULL) return EXIT_BAD_INPUT;
    int rc = 0;
    for (int i = first_file; i < argc && rc == 0; i++) {
        if (strcmp(argv[i], "--db") == 0) {
            i++;
            continue;
        }
        struct store_err err = {{0}};
        int64_t rows = 0;
        double start = now_s();
        if (store_import(store, kind, argv[i], &rows, &err) != 0) {
            fprintf(stderr, "yibao: %s\n", err.msg);
            rc = EXIT_BAD_INPUT;
        } else {
            printf("imported %lld %s from %s in %.2f s\n", (long long)rows, kind, argv[i],
                   now_s() - start);
        }
    }
    store_close(store);
    return rc;
}
