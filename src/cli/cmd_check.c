/* cmd_check.c: `yibao check --db PATH [--expect-head SEQ:HASH] [--deep]`
 * verifies a store from its journal (hash chain, double-entry ledger and
 * floors, year states = replay, the settlements' identities, the records'
 * bills and kept files, the registry's content hashes) and prints the
 * journal's head, the receipt an operator notes down; --expect-head fails
 * unless the journal still holds such a receipt (record SEQ with hash
 * HASH: a service answer's jrnl_seq and jrnl_hash), so records removed
 * after it was given out are found; --deep settles every record again
 * (app/deep_check.h). `yibao explain --db PATH SEQ` prints settlement SEQ's
 * explanation rebuilt from the journal alone.
 * Exit 0 all holds, 1 a fault (named: "journal seq 17: hash mismatch ..."),
 * 2 the store cannot be read. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "app/benefit.h"
#include "app/deep_check.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "cli/store_cli.h"
#include "store/catalog_stale.h"

/* "SEQ:HASH" with SEQ >= 1 and HASH 64 lower-case hex digits. */
static bool parse_head(const char *text, struct store_check_opts *opts) {
    assert(text != NULL && opts != NULL);
    const char *colon = strchr(text, ':');
    if (colon == NULL || colon == text || colon - text > 19) return false;
    char seq[20];
    memcpy(seq, text, (size_t)(colon - text));
    seq[colon - text] = '\0';
    long long n = 0;
    if (!cli_positive("--expect-head SEQ", seq, INT64_MAX, &n)) return false;
    const char *hash = colon + 1;
    if (strlen(hash) != HASH_HEX_BYTES || strspn(hash, "0123456789abcdef") != HASH_HEX_BYTES)
        return false;
    opts->expect_seq = n;
    memcpy(opts->expect_hash, hash, HASH_HEX_BYTES + 1);
    return true;
}

/* A store migrated past the catalog's restriction columns keeps the last
 * import's rows without them until the catalog is imported again
 * (store/catalog_stale.c): said, not a failure. 0, or EXIT_BAD_INPUT. */
static int catalog_note(struct store *store) {
    struct catalog_stale st;
    struct store_err err = {{0}};
    assert(store != NULL);
    if (catalog_restrict_stale(store_ops(store), store_conn(store), &st, &err) != 0) {
        fprintf(stderr, "yibao check: %s\n", err.msg);
        return EXIT_BAD_INPUT;
    }
    if (st.unreadable)
        printf("note: catalog: the file of import seq %lld does not load here; its restrictions"
               " are not applied: import a corrected catalog\n",
               (long long)st.import_seq);
    else if (st.items > 0)
        printf("note: catalog: %lld items (first %s) carry other restrictions than the file of"
               " import seq %lld gives (imported before schema version 21): import the catalog"
               " again to apply them\n",
               (long long)st.items, st.first, (long long)st.import_seq);
    return 0;
}

static int deep(struct store *store) {
    struct store_err err = {{0}};
    struct app_deep_out out;
    assert(store != NULL);
    /* a progress line while stderr is a terminal: every record settled again */
    struct progress_phases phases = {.what = "check --deep"};
    store_set_progress(store, progress_phase_update, &phases);
    int rc = app_check_deep(store, &out, &err);
    store_set_progress(store, NULL, NULL);
    progress_phases_finish(&phases);
    if (rc != 0 && progress_interrupted() != 0) {
        fprintf(stderr, "yibao check: --deep: %s (interrupted by a signal)\n", err.msg);
        return progress_exit_status();
    }
    if (rc == 0) {
        printf("check --deep ok: %lld settlements settled again to their stored figures"
               " (%lld of earlier releases without a journaled bill), %lld contributions"
               " computed again\n",
               (long long)out.resettled, (long long)out.skipped, (long long)out.recontributed);
        return 0;
    }
    fprintf(stderr, "yibao check: --deep: %s\n", err.msg);
    printf("check --deep FAILED: %s\n", err.msg);
    return rc == 1 ? EXIT_CHECK_FAILED : EXIT_BAD_INPUT;
}

static void on_differs(void *ctx, const char *psn_no, const char *what) {
    char *first = ctx;
    assert(first != NULL && psn_no != NULL && what != NULL);
    if (first[0] == '\0')
        snprintf(first, STORE_ERR_BYTES / 2, "benefit: person %.63s: %.170s", psn_no, what);
}

/* The derived benefit values (app/benefit.h) against a recomputation from
 * the episodes and the journal: 0 they hold, 1 a person's differ (err). */
static int check_benefits(struct store *store, struct store_err *err) {
    char first[STORE_ERR_BYTES / 2] = ""; /* the first person's, room left for the count */
    struct app_benefit_run run = {.ctx = first, .differs = on_differs};
    struct app_benefit_out out;
    if (app_benefit_verify(store, &run, &out, err) != 0) return -1;
    if (out.differ == 0) return 0;
    snprintf(err->msg, sizeof err->msg,
             "%.255s (%lld persons differ; yibao derive-benefits writes them again)", first,
             (long long)out.differ);
    return 1;
}

int cmd_check(int argc, char **argv) {
    const char *db = NULL, *head = NULL;
    bool bad = false, deep_too = false;
    struct store_check_opts opts = {0, {0}};
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &db, &bad)) continue;
        if (cli_option(argc, argv, &i, "--expect-head", &head, &bad)) {
            if (!bad && !parse_head(head, &opts)) {
                fprintf(stderr,
                        "yibao check: --expect-head '%s': not SEQ:HASH (a journal seq and"
                        " its 64-digit hash)\n",
                        head);
                bad = true;
            }
            continue;
        }
        if (strcmp(argv[i], "--deep") == 0) {
            deep_too = true;
            continue;
        }
        fprintf(stderr, "yibao check: unexpected argument '%s'\n", argv[i]);
        bad = true;
    }
    if (bad || db == NULL) {
        cli_usage("check", stderr);
        return EXIT_BAD_INPUT;
    }
    struct store *store = store_cli_open(db, STORE_MODE_READ_ONLY);
    if (store == NULL) return EXIT_BAD_INPUT;
    struct store_err err = {{0}};
    struct store_check_out out;
    struct progress_phases phases = {.what = "check"};
    progress_catch_signals();
    store_set_progress(store, progress_phase_update, &phases);
    int rc = store_check_ex(store, &opts, &out, &err);
    store_set_progress(store, NULL, NULL);
    if (rc == 0) rc = check_benefits(store, &err);
    progress_phases_finish(&phases);
    if (rc != 0 && progress_interrupted() != 0) {
        store_close(store);
        fprintf(stderr, "yibao check: %s (interrupted by a signal)\n", err.msg);
        return progress_exit_status();
    }
    if (rc == 0) {
        printf("check ok: %lld journal records; hash chain, ledger, balances, year states, bills,"
               " registry and credentials verified\n",
               (long long)out.records);
        printf("head %lld:%s\n", (long long)out.head_seq, out.head_hash);
        if (opts.expect_seq > 0) printf("receipt %lld: held\n", (long long)opts.expect_seq);
        rc = catalog_note(store);
        if (rc == 0) rc = deep_too ? deep(store) : 0;
        store_close(store);
        return rc;
    }
    store_close(store);
    fprintf(stderr, "yibao check: %s\n", err.msg);
    printf("check FAILED: %s\n", err.msg);
    return rc == 1 ? EXIT_CHECK_FAILED : EXIT_BAD_INPUT;
}

int cmd_explain(int argc, char **argv) {
    const char *db = NULL, *seq_text = NULL;
    bool bad = false, json = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &db, &bad)) continue;
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
            continue;
        }
        if (seq_text == NULL && argv[i][0] != '-') {
            seq_text = argv[i];
            continue;
        }
        fprintf(stderr, "yibao explain: unexpected argument '%s'\n", argv[i]);
        bad = true;
    }
    long long seq = 0;
    if (bad || db == NULL || seq_text == NULL ||
        !cli_positive("SETL_ID", seq_text, INT64_MAX, &seq)) {
        cli_usage("explain", stderr);
        return EXIT_BAD_INPUT;
    }
    struct store *store = store_cli_open(db, STORE_MODE_READ_ONLY);
    if (store == NULL) return EXIT_BAD_INPUT;
    struct store_err err = {{0}};
    static struct explain explain;
    struct store_settlement stl;
    int rc = app_explain_record(store, seq, &explain, &stl, &err);
    store_close(store);
    if (rc == -1) {
        fprintf(stderr, "yibao explain: %s\n", err.msg);
        return EXIT_BAD_INPUT;
    }
    cli_print_explain(stdout, &explain, json);
    if (rc == 0 && json) return 0;
    if (rc == 0) {
        printf("settled again from the journal: medfee_sumamt %lld, fund_pay_sumamt %lld,"
               " psn_part_amt %lld fen, as stored\n",
               (long long)stl.setl.medfee_sumamt, (long long)stl.setl.fund_pay_sumamt,
               (long long)stl.setl.psn_part_amt);
        return 0;
    }
    printf("settled again from the journal: differs from the stored record: %s\n", err.msg);
    return EXIT_CHECK_FAILED;
}
