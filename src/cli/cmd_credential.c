/* cmd_credential.c: institutions' gateway credentials.
 *
 *   yibao credential issue FIXMEDINS_CODE --db PATH [--hmac-required] [--token-file F]
 *   yibao credential rotate PAASID --db PATH [--token-file F]
 *   yibao credential revoke PAASID --db PATH
 *   yibao credential hmac PAASID required|optional --db PATH
 *   (all take --key-file PATH; default: DB.key, or YIBAO_KEY_FILE)
 *
 * The paasid and token go into the institution's gateway headers
 * (x-tif-paasid, and the token is the key of x-tif-signature). The token is
 * derived from the key file and never stored (src/service/secret.c): issue
 * and rotate print it once, or write it to --token-file (mode 0600) so that
 * it never passes through a terminal or a command line. rotate gives a new
 * token and ends the old one. docs/SECURITY.md. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "service/service.h"
#include "store/store.h"

struct cred_args {
    const char *db, *verb, *arg, *arg2, *token_file, *key_file;
    bool hmac_required;
};

/* The token into a new file of mode 0600 (never over an existing one). */
static int token_write(const char *path, const char *token) {
    assert(path != NULL && token != NULL);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "yibao credential: --token-file %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t len = strlen(token);
    bool ok = write(fd, token, len) == (ssize_t)len && write(fd, "\n", 1) == 1;
    ok = close(fd) == 0 && ok;
    if (!ok) fprintf(stderr, "yibao credential: --token-file %s: cannot write\n", path);
    return ok ? 0 : -1;
}

static int print_issued(const struct cred_args *a, const struct service_credential_info *info,
                        const char *key_path) {
    assert(a != NULL && info != NULL);
    if (info->key_created) fprintf(stderr, "yibao credential: made the key file %s\n", key_path);
    if (a->token_file != NULL && token_write(a->token_file, info->token) != 0)
        return EXIT_BAD_INPUT;
    printf("fixmedins_code=%s\npaasid=%s\n", info->fixmedins_code, info->paasid);
    if (a->token_file == NULL) printf("token=%s\n", info->token);
    else printf("token_file=%s\n", a->token_file);
    printf("hmac_required=%s\n", info->hmac_required ? "yes" : "no");
    return 0;
}

static int issue_or_rotate(const struct cred_args *a) {
    char key_path[SERVICE_KEY_PATH_BYTES_MAX], err[512];
    struct service_credential_info info;
    assert(a != NULL && a->db != NULL && a->arg != NULL);
    if (service_key_path(a->db, a->key_file, key_path, sizeof key_path, err, sizeof err) != 0) {
        fprintf(stderr, "yibao credential: %s\n", err);
        return EXIT_BAD_INPUT;
    }
    int rc;
    if (strcmp(a->verb, "issue") == 0)
        rc = service_credential_issue(a->db, key_path, a->arg, a->hmac_required, &info, err,
                                      sizeof err);
    else rc = service_credential_rotate(a->db, key_path, a->arg, &info, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "yibao credential: %s\n", err);
        return EXIT_BAD_INPUT;
    }
    return print_issued(a, &info, key_path);
}

/* The target must be a yibao store, and an institution issued to known. */
static int store_known(const struct cred_args *a) {
    struct store *store = NULL;
    struct store_err serr;
    assert(a != NULL && a->db != NULL);
    if (store_open_as(a->db, STORE_MODE_EXISTING, &store, &serr) != 0) {
        fprintf(stderr, "yibao credential: %s\n", serr.msg);
        return -1;
    }
    bool known = strcmp(a->verb, "issue") != 0 || store_institution_find(store, a->arg) != NULL;
    store_close(store);
    if (!known) fprintf(stderr, "yibao credential: no institution '%s' in %s\n", a->arg, a->db);
    return known ? 0 : -1;
}

static int parse(int argc, char **argv, struct cred_args *a) {
    bool bad = false;
    assert(argc >= 1 && a != NULL);
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &a->db, &bad) ||
            cli_option(argc, argv, &i, "--token-file", &a->token_file, &bad) ||
            cli_option(argc, argv, &i, "--key-file", &a->key_file, &bad))
            continue;
        if (strcmp(argv[i], "--hmac-required") == 0) a->hmac_required = true;
        else if (argv[i][0] == '-') bad = true;
        else if (a->verb == NULL) a->verb = argv[i];
        else if (a->arg == NULL) a->arg = argv[i];
        else if (a->arg2 == NULL) a->arg2 = argv[i];
        else bad = true;
    }
    const char *v = a->verb ? a->verb : "";
    bool hmac = strcmp(v, "hmac") == 0;
    bool known = strcmp(v, "issue") == 0 || strcmp(v, "rotate") == 0 || strcmp(v, "revoke") == 0 ||
                 hmac;
    if (bad || a->db == NULL || !known || a->arg == NULL || (hmac != (a->arg2 != NULL)) ||
        (hmac && strcmp(a->arg2, "required") != 0 && strcmp(a->arg2, "optional") != 0) ||
        (a->hmac_required && strcmp(v, "issue") != 0) ||
        (a->token_file != NULL && strcmp(v, "issue") != 0 && strcmp(v, "rotate") != 0)) {
        cli_usage("credential", stderr);
        return -1;
    }
    return 0;
}

int cmd_credential(int argc, char **argv) {
    struct cred_args a;
    char err[512];
    if (parse(argc, argv, &a) != 0 || store_known(&a) != 0) return EXIT_BAD_INPUT;
    if (strcmp(a.verb, "issue") == 0 || strcmp(a.verb, "rotate") == 0) return issue_or_rotate(&a);
    int rc;
    if (strcmp(a.verb, "revoke") == 0)
        rc = service_credential_set_status(a.db, a.arg, "revoked", err, sizeof err);
    else
        rc = service_credential_set_hmac(a.db, a.arg, strcmp(a.arg2, "required") == 0, err,
                                         sizeof err);
    if (rc != 0) {
        fprintf(stderr, "yibao credential: %s\n", err);
        return EXIT_BAD_INPUT;
    }
    if (strcmp(a.verb, "revoke") == 0) printf("revoked %s\n", a.arg);
    else printf("%s: hmac %s\n", a.arg, a.arg2);
    return 0;
}
