/* cmd_benefit.c: `yibao derive-benefits --db PATH [--psn PSN_NO]` (each
 * employee's benefit_start and a retiree's contribution_short derived from
 * the stored episodes and the journal, each charged resident's from the
 * premium's payment in the journal, written into the registry as a
 * journaled persons edit) and `yibao pay-lump-sum --db PATH --psn PSN_NO
 * --amount YUAN` (a retiree's lump sum for the months short, journaled with
 * its posting, lifting contribution_short); app/benefit.h,
 * docs/ENROLMENT.md. Exit 0 done, 2 bad input (named) or a storage error:
 * nothing written then. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app/benefit.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/store_cli.h"
#include "core/money.h"

#define BENEFIT_AMOUNT_MAX_FEN 100000000000LL /* a lump sum of at most a billion yuan */

struct args {
    const char *db, *psn, *amount, *operator_name, *reason;
    bool verbose;
};

static bool parse(const char *cmd, int argc, char **argv, struct args *a) {
    bool bad = false;
    assert(cmd != NULL && a != NULL);
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &a->db, &bad) ||
            cli_option(argc, argv, &i, "--psn", &a->psn, &bad) ||
            cli_option(argc, argv, &i, "--amount", &a->amount, &bad) ||
            cli_option(argc, argv, &i, "--operator", &a->operator_name, &bad) ||
            cli_option(argc, argv, &i, "--reason", &a->reason, &bad))
            continue;
        if (strcmp(argv[i], "--verbose") == 0) a->verbose = true;
        else {
            fprintf(stderr, "yibao %s: unexpected argument '%s'\n", cmd, argv[i]);
            bad = true;
        }
    }
    return !bad && a->db != NULL;
}

/* --operator and --reason, or the defaults the command names itself by. */
static bool note_of(const char *cmd, const struct args *a, const char *why,
                    struct store_import_note *note) {
    assert(cmd != NULL && a != NULL && note != NULL);
    note->operator_name = a->operator_name != NULL ? a->operator_name : "yibao";
    note->reason = a->reason != NULL ? a->reason : why;
    const char *bad = store_note_problem(note->operator_name);
    if (bad != NULL) return fprintf(stderr, "yibao %s: --operator %s\n", cmd, bad), false;
    bad = store_note_problem(note->reason);
    if (bad != NULL) return fprintf(stderr, "yibao %s: --reason %s\n", cmd, bad), false;
    return true;
}

static void on_skipped(void *ctx, const char *psn_no, const char *code, const char *why) {
    const struct args *a = ctx;
    assert(a != NULL && psn_no != NULL && code != NULL && why != NULL);
    if (a->verbose) fprintf(stderr, "yibao derive-benefits: %s: %s: %s\n", psn_no, code, why);
}

int cmd_derive_benefits(int argc, char **argv) {
    struct args a = {0};
    struct store_import_note note;
    if (!parse("derive-benefits", argc, argv, &a) || a.amount != NULL)
        return cli_usage("derive-benefits", stderr), EXIT_BAD_INPUT;
    if (!note_of("derive-benefits", &a, "benefit start derived from episodes", &note))
        return EXIT_BAD_INPUT;
    struct store *store = store_cli_open(a.db, STORE_MODE_EXISTING);
    if (store == NULL) return EXIT_BAD_INPUT;
    struct app_benefit_run run = {.psn_no = a.psn, .note = &note, .ctx = &a, .skipped = on_skipped};
    struct app_benefit_out out;
    struct store_err err = {{0}};
    int rc = app_benefit_derive(store, &run, &out, &err);
    store_close(store);
    if (rc != 0) {
        fprintf(stderr, "yibao derive-benefits: %s (nothing written)\n", err.msg);
        return EXIT_BAD_INPUT;
    }
    printf("derive-benefits: %" PRId64 " persons with employee episodes, %" PRId64
           " residents with a premium charged: %" PRId64 " derived (%" PRId64 " changed), %" PRId64
           " kept as typed\n",
           out.persons, out.residents, out.derived, out.changed, out.skipped);
    return 0;
}

int cmd_pay_lump_sum(int argc, char **argv) {
    struct args a = {0};
    struct store_import_note note;
    if (!parse("pay-lump-sum", argc, argv, &a) || a.psn == NULL || a.amount == NULL)
        return cli_usage("pay-lump-sum", stderr), EXIT_BAD_INPUT;
    int64_t fen = 0;
    enum decimal_status ds = decimal_parse(a.amount, strlen(a.amount), 2, BENEFIT_AMOUNT_MAX_FEN,
                                           &fen);
    if (ds != DECIMAL_OK || fen <= 0) {
        fprintf(stderr, "yibao pay-lump-sum: --amount '%s': %s\n", a.amount,
                ds != DECIMAL_OK ? decimal_status_text(ds) : "not more than 0");
        return EXIT_BAD_INPUT;
    }
    if (!note_of("pay-lump-sum", &a, "lump sum paid for the months short", &note))
        return EXIT_BAD_INPUT;
    struct store *store = store_cli_open(a.db, STORE_MODE_EXISTING);
    if (store == NULL) return EXIT_BAD_INPUT;
    struct app_lump_out out;
    struct store_err err = {{0}};
    enum app_lump_status st = app_lump_sum_pay(store, a.psn, fen, &note, &out, &err);
    store_close(store);
    if (st != APP_LUMP_PAID) {
        fprintf(stderr, "yibao pay-lump-sum: %s%s\n", err.msg,
                st == APP_LUMP_REFUSED ? " (nothing written)" : "");
        return EXIT_BAD_INPUT;
    }
    printf("pay-lump-sum %s: %d months, %" PRId64 ".%02" PRId64
           " yuan into F:hifp:%s:%d (journal seq %" PRId64 "); contribution_short lifted\n",
           a.psn, (int)out.months, out.lump_fen / 100, out.lump_fen % 100, out.region,
           (int)out.year, out.seq);
    return 0;
}
