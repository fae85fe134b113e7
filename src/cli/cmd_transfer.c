/* cmd_transfer.c: `yibao transfer --db PATH --psn PSN_NO [--to ADMDVS]
 * [--balance YUAN]`: a person's employee-scheme transfer between regions
 * (关系转移), the one their registered episodes call for, journaled once
 * with its postings; app/transfer.h, docs/ENROLMENT.md. Exit 0 done or
 * done before (says so), 2 bad input (the field named) or a storage
 * error: nothing written then. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app/transfer.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/store_cli.h"
#include "core/money.h"

#define TRANSFER_BALANCE_MAX_FEN 100000000000LL /* a balance of at most a billion yuan */

struct args {
    const char *db, *psn, *to, *balance, *operator_name, *reason;
};

static bool parse(int argc, char **argv, struct args *a) {
    bool bad = false;
    assert(a != NULL);
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &a->db, &bad) ||
            cli_option(argc, argv, &i, "--psn", &a->psn, &bad) ||
            cli_option(argc, argv, &i, "--to", &a->to, &bad) ||
            cli_option(argc, argv, &i, "--balance", &a->balance, &bad) ||
            cli_option(argc, argv, &i, "--operator", &a->operator_name, &bad) ||
            cli_option(argc, argv, &i, "--reason", &a->reason, &bad))
            continue;
        fprintf(stderr, "yibao transfer: unexpected argument '%s'\n", argv[i]);
        bad = true;
    }
    return !bad && a->db != NULL && a->psn != NULL;
}

/* The request from the options; false (said why) on a bad one. */
static bool request_of(const struct args *a, struct store_import_note *note,
                       struct app_transfer_req *req) {
    assert(a != NULL && note != NULL && req != NULL);
    memset(req, 0, sizeof *req);
    req->psn_no = a->psn;
    req->to_region = a->to;
    req->note = note;
    note->operator_name = a->operator_name != NULL ? a->operator_name : "yibao";
    note->reason = a->reason != NULL ? a->reason : "transfer between regions";
    const char *bad = store_note_problem(note->operator_name);
    if (bad != NULL) return fprintf(stderr, "yibao transfer: --operator %s\n", bad), false;
    bad = store_note_problem(note->reason);
    if (bad != NULL) return fprintf(stderr, "yibao transfer: --reason %s\n", bad), false;
    if (a->balance == NULL) return true;
    enum decimal_status ds = decimal_parse(a->balance, strlen(a->balance), 2,
                                           TRANSFER_BALANCE_MAX_FEN, &req->balance_fen);
    if (ds != DECIMAL_OK || req->balance_fen < 0) {
        fprintf(stderr, "yibao transfer: --balance '%s': %s\n", a->balance,
                ds != DECIMAL_OK ? decimal_status_text(ds) : "negative");
        return false;
    }
    req->has_balance = true;
    return true;
}

int cmd_transfer(int argc, char **argv) {
    struct args a = {0};
    struct store_import_note note;
    struct app_transfer_req req;
    if (!parse(argc, argv, &a)) return cli_usage("transfer", stderr), EXIT_BAD_INPUT;
    if (!request_of(&a, &note, &req)) return EXIT_BAD_INPUT;
    struct store *store = store_cli_open(a.db, STORE_MODE_EXISTING);
    if (store == NULL) return EXIT_BAD_INPUT;
    struct app_transfer_out out;
    struct store_err err = {{0}};
    enum app_transfer_status st = app_transfer(store, &req, &out, &err);
    store_close(store);
    if (st == APP_TRANSFER_FAILED || st == APP_TRANSFER_REFUSED) {
        fprintf(stderr, "yibao transfer: %s (nothing written)\n", err.msg);
        return EXIT_BAD_INPUT;
    }
    const struct store_transfer *t = &out.t;
    printf("transfer %s: %s -> %s %04d-%02d: %" PRId64 ".%02" PRId64 " yuan%s%s, %d months"
           " carried (journal seq %" PRId64 ")%s%s\n",
           t->psn_no, t->from_region, t->to_region, (int)t->year, (int)t->month,
           t->amount_fen / 100, t->amount_fen % 100, t->from_here ? " paid out" : "",
           t->to_here ? " taken in" : "", (int)t->months, out.seq,
           st == APP_TRANSFER_ALREADY ? "; transferred already, nothing posted" : "",
           out.region_changed ? "; registry region now the new one" : "");
    return 0;
}
