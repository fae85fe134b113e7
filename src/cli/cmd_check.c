/* cmd_check.c: `yibao check --db PATH` verifies a store from its journal
 * (hash chain, double-entry ledger and floors, year states = replay).
 * Exit 0 all holds, 1 a fault (named: "journal seq 17: hash mismatch ..."),
 * 2 the store cannot be read. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/store_cli.h"

int cmd_check(int argc, char **argv) {
    const char *db = NULL;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &db, &bad)) continue;
        fprintf(stderr, "yibao check: unexpected argument '%s'\n", argv[i]);
        bad = true;
    }
    if (bad || db == NULL) {
        fprintf(stderr, "usage: yibao check --db PATH\n");
        return EXIT_BAD_INPUT;
    }
    struct store *store = store_cli_open(db, STORE_MODE_READ_ONLY);
    if (store == NULL) return EXIT_BAD_INPUT;
    struct store_err err = {{0}};
    int64_t records = 0;
    int rc = store_check(store, &records, &err);
    store_close(store);
    if (rc == 0) {
        printf(
            "check ok: %lld journal records; hash chain, ledger, balances and year states verified\n",
            (long long)records);
        return 0;
    }
    fprintf(stderr, "yibao check: %s\n", err.msg);
    printf("check FAILED: %s\n", err.msg);
    return rc == 1 ? EXIT_CHECK_FAILED : EXIT_BAD_INPUT;
}
