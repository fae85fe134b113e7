/* cmd_revoke.c: `yibao revoke --db PATH SETL_ID --operator NAME --reason
 * TEXT [--msgid ID]` revokes a settlement durably, its record keeping who
 * and why (the body's note=), and prints {"setl_id": ..., "revoked": true, ...}.
 * A refusal (E_REVOKED, E_NOT_SETTLED, E_MSGID_REUSED) prints
 * {"error": ...} and exits 1; bad usage or storage failure exits 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/store_cli.h"

int cmd_revoke(int argc, char **argv) {
    const char *db = NULL, *msgid = NULL, *id = NULL, *who = NULL, *why = NULL;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &db, &bad) ||
            cli_option(argc, argv, &i, "--msgid", &msgid, &bad) ||
            cli_option(argc, argv, &i, "--operator", &who, &bad) ||
            cli_option(argc, argv, &i, "--reason", &why, &bad))
            continue;
        if (id != NULL || argv[i][0] == '-') bad = true;
        else id = argv[i];
    }
    long long setl_id = 0;
    if (bad || db == NULL || id == NULL || who == NULL || why == NULL) {
        cli_usage("revoke", stderr);
        return EXIT_BAD_INPUT;
    }
    if (store_note_problem(who) || store_note_problem(why)) {
        fprintf(stderr, "yibao revoke: --%s %s\n", store_note_problem(who) ? "operator" : "reason",
                store_note_problem(who) ? store_note_problem(who) : store_note_problem(why));
        return EXIT_BAD_INPUT;
    }
    if (!cli_positive("SETL_ID", id, INT64_MAX, &setl_id)) return EXIT_BAD_INPUT;
    if (msgid != NULL && (strlen(msgid) == 0 || strlen(msgid) > MSGID_BYTES_MAX)) {
        fprintf(stderr, "yibao: --msgid: must have 1 to %d bytes\n", MSGID_BYTES_MAX);
        return EXIT_BAD_INPUT;
    }
    struct store *store = store_cli_open(db, STORE_MODE_EXISTING);
    if (store == NULL) return EXIT_BAD_INPUT;
    struct commitq *q = NULL;
    struct store_err err = {{0}};
    int rc = EXIT_BAD_INPUT;
    struct store_req *req = calloc(1, sizeof *req);
    if (req == NULL || commitq_start(store, 1, &q, &err) != 0) {
        fprintf(stderr, "yibao: %s\n", req ? err.msg : "out of memory");
    } else {
        req->op = STORE_OP_REVOKE;
        req->setl_id = setl_id;
        snprintf(req->note, sizeof req->note, "%s: %s", who, why);
        if (msgid) snprintf(req->msgid, sizeof req->msgid, "%s", msgid);
        commitq_call(q, req);
        rc = store_cli_print(stdout, store, req);
    }
    commitq_stop(q);
    free(req);
    store_close(store);
    return rc;
}
