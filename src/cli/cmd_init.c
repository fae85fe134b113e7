/* cmd_init.c: `yibao init --db PATH` creates an empty store (SQLite file
 * or PostgreSQL database): the store's and the service's tables at this
 * release's schema version. Besides `yibao import`, it is the only command
 * that creates a store: every other one refuses a missing target, so that
 * a typo in --db never serves or checks an empty store. On a store that
 * exists it changes nothing (or migrates it); another application's file
 * is refused. It also makes the service key (--key-file, default DB.key
 * beside a SQLite store, mode 0600) that credentials' tokens derive from
 * (src/service/secret.c), when missing. Exit 0, or 2 with the reason. */
#include <assert.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/store_cli.h"
#include "service/service.h"

/* The key file, made when missing. A PostgreSQL store without a named key
 * file gets none here (`yibao credential issue --key-file` makes it). */
static int init_key(const char *db, const char *key_file) {
    char path[SERVICE_KEY_PATH_BYTES_MAX], err[512];
    struct service_key key;
    bool created = false;
    assert(db != NULL);
    if (service_key_path(db, key_file, path, sizeof path, err, sizeof err) != 0) {
        printf("init: no key file yet (%s)\n", err);
        return 0;
    }
    if (service_key_load(path, true, &key, &created, err, sizeof err) != 0) {
        fprintf(stderr, "yibao init: %s\n", err);
        return -1;
    }
    printf("init: key file %s (id %s)%s\n", path, key.id, created ? ", made" : "");
    return 0;
}

int cmd_init(int argc, char **argv) {
    const char *db = NULL, *key_file = NULL;
    bool bad = false;
    assert(argc >= 1 && argv != NULL);
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &db, &bad) ||
            cli_option(argc, argv, &i, "--key-file", &key_file, &bad))
            continue;
        fprintf(stderr, "yibao init: unexpected argument '%s'\n", argv[i]);
        bad = true;
    }
    if (bad || db == NULL) {
        cli_usage("init", stderr);
        return EXIT_BAD_INPUT;
    }
    struct store *store = store_cli_open(db, STORE_MODE_CREATE);
    if (store == NULL) return EXIT_BAD_INPUT;
    store_close(store);
    if (init_key(db, key_file) != 0) return EXIT_BAD_INPUT;
    printf("init ok: %s is a yibao store\n", db);
    return 0;
}
