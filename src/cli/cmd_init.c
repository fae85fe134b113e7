/* cmd_init.c: `yibao init --db PATH` creates an empty store (SQLite file
 * or PostgreSQL database): the store's and the service's tables at this
 * release's schema version. Besides `yibao import`, it is the only command
 * that creates a store: every other one refuses a missing target, so that
 * a typo in --db never serves or checks an empty store. On a store that
 * exists it changes nothing (or migrates it); another application's file
 * is refused. Exit 0, or 2 with the reason. */
#include <assert.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/store_cli.h"

int cmd_init(int argc, char **argv) {
    const char *db = NULL;
    bool bad = false;
    assert(argc >= 1 && argv != NULL);
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &db, &bad)) continue;
        fprintf(stderr, "yibao init: unexpected argument '%s'\n", argv[i]);
        bad = true;
    }
    if (bad || db == NULL) {
        fprintf(stderr, "usage: yibao init --db PATH\n");
        return EXIT_BAD_INPUT;
    }
    struct store *store = store_cli_open(db, STORE_MODE_CREATE);
    if (store == NULL) return EXIT_BAD_INPUT;
    store_close(store);
    printf("init ok: %s is a yibao store\n", db);
    return 0;
}
