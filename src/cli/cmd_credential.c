/* cmd_credential.c: institutions' gateway credentials.
 *
 *   yibao credential issue FIXMEDINS_CODE --db PATH   prints paasid=... and token=...
 *   yibao credential revoke PAASID --db PATH
 *
 * The paasid and token go into the institution's gateway headers
 * (x-tif-paasid, and the token is the key of x-tif-signature). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "service/service.h"
#include "store/store.h"

static int issue(const char *db, const char *code) {
    struct store *store = NULL;
    struct store_err serr;
    if (store_open_as(db, STORE_MODE_EXISTING, &store, &serr) != 0) {
        fprintf(stderr, "yibao credential: %s\n", serr.msg);
        return EXIT_BAD_INPUT;
    }
    bool known = store_institution_find(store, code) != NULL;
    store_close(store);
    if (!known) {
        fprintf(stderr, "yibao credential: no institution '%s' in %s\n", code, db);
        return EXIT_BAD_INPUT;
    }
    char paasid[SERVICE_PAASID_BYTES_MAX + 1], token[SERVICE_TOKEN_HEX_BYTES + 1], err[512];
    if (service_credential_issue(db, code, paasid, sizeof paasid, token, sizeof token, err,
                                 sizeof err) != 0) {
        fprintf(stderr, "yibao credential: %s\n", err);
        return EXIT_BAD_INPUT;
    }
    printf("fixmedins_code=%s\npaasid=%s\ntoken=%s\n", code, paasid, token);
    return 0;
}

int cmd_credential(int argc, char **argv) {
    const char *db = NULL, *verb = NULL, *arg = NULL;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &db, &bad)) continue;
        if (argv[i][0] == '-') bad = true;
        else if (verb == NULL) verb = argv[i];
        else if (arg == NULL) arg = argv[i];
        else bad = true;
    }
    if (bad || db == NULL || verb == NULL || arg == NULL ||
        (strcmp(verb, "issue") != 0 && strcmp(verb, "revoke") != 0)) {
        fprintf(stderr, "usage: yibao credential issue FIXMEDINS_CODE --db PATH\n"
                        "       yibao credential revoke PAASID --db PATH\n");
        return EXIT_BAD_INPUT;
    }
    if (strcmp(verb, "issue") == 0) return issue(db, arg);
    char err[512];
    if (service_credential_set_status(db, arg, "revoked", err, sizeof err) != 0) {
        fprintf(stderr, "yibao credential: %s\n", err);
        return EXIT_BAD_INPUT;
    }
    printf("revoked %s\n", arg);
    return 0;
}
