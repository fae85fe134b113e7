/* cmd_settle_db.c: `yibao settle --db PATH BILL.json` settles one bill
 * durably. BILL.json is the spec's bill plus "psn_no" and an optional
 * "msgid" (the idempotency key; --msgid overrides it). The policy is the
 * one of the person's insured region, the bill's year and the person's
 * insutype. Prints {"setl_id", "setlinfo", "state", "msgid", "replayed"};
 * a refused settlement prints {"error": "E_..."} and exits 2; bad input,
 * usage or storage failure exits 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/bill_decode.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/store_cli.h"
#include "codec/codec.h"

static int read_ids(const struct json_value *root, const char *msgid_opt, struct store_req *req) {
    const struct json_value *psn = json_get(root, "psn_no");
    const struct json_value *msgid = json_get(root, "msgid");
    if (psn == NULL || psn->type != JSON_STRING || psn->len == 0 || psn->len > CODE_BYTES_MAX) {
        fprintf(stderr, "yibao: bill: psn_no: must be a string of 1 to %d bytes\n", CODE_BYTES_MAX);
        return -1;
    }
    snprintf(req->psn_no, sizeof req->psn_no, "%s", psn->text);
    const char *id = msgid_opt;
    if (id == NULL && msgid != NULL) {
        if (msgid->type != JSON_STRING) {
            fprintf(stderr, "yibao: bill: msgid: must be a string\n");
            return -1;
        }
        id = msgid->text;
    }
    if (id != NULL && (strlen(id) == 0 || strlen(id) > MSGID_BYTES_MAX)) {
        fprintf(stderr, "yibao: msgid: must have 1 to %d bytes\n", MSGID_BYTES_MAX);
        return -1;
    }
    if (id != NULL) snprintf(req->msgid, sizeof req->msgid, "%s", id);
    return 0;
}

static int settle_file(const char *db, const char *path, const char *msgid_opt,
                       struct store_req *req, struct bill *bill, struct bill_line *lines) {
    struct json_doc *doc = cli_json_doc();
    char *data = NULL, err[CODEC_ERR_BYTES];
    const struct json_value *root = doc ? cli_read_json(path, doc, &data) : NULL;
    int rc = EXIT_BAD_INPUT;
    if (root != NULL && read_ids(root, msgid_opt, req) == 0) {
        if (bill_from_json(root, bill, lines, BILL_LINES_MAX, err, sizeof err) != 0) {
            fprintf(stderr, "yibao: %s: %s\n", path, err);
        } else {
            struct store *store = store_cli_open(db, STORE_MODE_EXISTING);
            struct commitq *q = NULL;
            struct store_err serr = {{0}};
            if (store != NULL && commitq_start(store, 1, &q, &serr) != 0)
                fprintf(stderr, "yibao: %s\n", serr.msg);
            if (q != NULL) {
                req->op = STORE_OP_SETTLE;
                req->bill = bill;
                req->insutype_asked = bill_insutype_asked(root);
                commitq_call(q, req);
                rc = store_cli_print(stdout, store, req);
            }
            commitq_stop(q);
            store_close(store);
        }
    }
    free(data);
    json_doc_free(doc);
    return rc;
}

int cmd_settle_db(int argc, char **argv) {
    const char *db = NULL, *msgid = NULL, *path = NULL;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &db, &bad) ||
            cli_option(argc, argv, &i, "--msgid", &msgid, &bad))
            continue;
        if (path != NULL || (argv[i][0] == '-' && argv[i][1] != '\0')) {
            fprintf(stderr, "yibao settle: unexpected argument '%s'\n", argv[i]);
            bad = true;
        } else {
            path = argv[i];
        }
    }
    if (bad || db == NULL || path == NULL) {
        cli_usage("settle", stderr);
        return EXIT_BAD_INPUT;
    }
    struct store_req *req = calloc(1, sizeof *req);
    struct bill *bill = calloc(1, sizeof *bill);
    struct bill_line *lines = calloc(BILL_LINES_MAX, sizeof *lines);
    int rc = EXIT_BAD_INPUT;
    if (req == NULL || bill == NULL || lines == NULL) fprintf(stderr, "yibao: out of memory\n");
    else rc = settle_file(db, path, msgid, req, bill, lines);
    free(req);
    free(bill);
    free(lines);
    return rc;
}
