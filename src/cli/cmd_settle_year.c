/* cmd_settle_year.c: `yibao settle-year --db PATH --year YYYY`: the
 * year-end settlement with each institution that has a payment agreement
 * for the policy year (app/settle_year.h, FUNDS.md §6, §7,
 * docs/PAYMENT.md): its method's adjustment and the release of its
 * deposit, one journal record each. Idempotent: a year settled posts
 * nothing and says so. Refused (exit 2, nothing written) when a
 * settlement's institution has no agreement for the year or a region's
 * DIP cannot be settled, or the year holds more settlements than a run
 * holds: every problem is listed on stderr; refused too (exit 2, the
 * batch not written) when a deposit changed, or a settlement or revoke of
 * the year was journaled, after the year was read, at each of its
 * readings (a case decided or a bill settled while it ran). Settlements
 * of the year journaled after an institution's year-end record are
 * counted and named ("late:"), not settled again. Exit 0 the run went
 * through, 2 bad usage, refused or a storage error. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/settle_year.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "cli/store_cli.h"
#include "core/money.h"

/* "1234.56" */
static const char *yuan(int64_t fen, char buf[32]) {
    assert(buf != NULL);
    if (money_format(fen, buf, 32) < 0) snprintf(buf, 32, "?");
    return buf;
}

static void on_missing(void *ctx, const char *code, const char *what) {
    (void)ctx;
    assert(code != NULL && what != NULL);
    fprintf(stderr, "yibao settle-year: %s: %s\n", code, what);
}

static void on_posted(void *ctx, const char *msgid, const struct store_year_end *y) {
    const bool *verbose = ctx;
    assert(verbose != NULL && msgid != NULL && y != NULL);
    if (!*verbose) return;
    char f[32], adj[32], dep[32], san[32], rel[32], paid[32];
    printf("%s %s F %s adjustment %s deposit %s sanctions %s released %s paid %s\n", msgid,
           y->method, yuan(y->f_fen, f), yuan(y->adjustment_fen, adj), yuan(y->deposit_fen, dep),
           yuan(y->sanctions_fen, san), yuan(y->released_fen, rel), yuan(y->paid_fen, paid));
}

/* For the tests only (tests/t_settle_year_race.sh, t_settle_year_late.sh):
 * the command in YIBAO_TEST_SETTLE_YEAR_HOOK runs after the year is read
 * and before it is posted, with YIBAO_TEST_READING=1, 2, ... (the
 * reading), so a test decides a case or settles a bill exactly there,
 * deterministically. Unset: nothing runs. */
static int before_post(void *ctx, int reading) {
    (void)ctx;
    assert(reading >= 1 && reading <= SETTLE_YEAR_READINGS_MAX && SETTLE_YEAR_READINGS_MAX < 10);
    const char *cmd = getenv("YIBAO_TEST_SETTLE_YEAR_HOOK");
    if (cmd == NULL || cmd[0] == '\0') return 0;
    char n[2] = {(char)('0' + reading), '\0'};
    if (setenv("YIBAO_TEST_READING", n, 1) != 0) return -1;
    int rc = system(cmd);
    if (rc != 0) fprintf(stderr, "yibao settle-year: the test hook '%s' exited %d\n", cmd, rc);
    return rc == 0 ? 0 : -1;
}

/* For the tests only (tests/t_settle_year_dip.sh): the command in
 * YIBAO_TEST_SETTLE_YEAR_BATCH_HOOK runs after each batch posted but the
 * last, with YIBAO_TEST_BATCH=1, 2, ..., so a test settles a bill between
 * two batches. Unset: nothing runs. */
static int after_batch(void *ctx, size_t batch) {
    (void)ctx;
    assert(batch >= 1);
    const char *cmd = getenv("YIBAO_TEST_SETTLE_YEAR_BATCH_HOOK");
    if (cmd == NULL || cmd[0] == '\0') return 0;
    char n[24];
    snprintf(n, sizeof n, "%zu", batch);
    if (setenv("YIBAO_TEST_BATCH", n, 1) != 0) return -1;
    int rc = system(cmd);
    if (rc != 0) fprintf(stderr, "yibao settle-year: the test hook '%s' exited %d\n", cmd, rc);
    return rc == 0 ? 0 : -1;
}

/* For the tests only (tests/t_settle_year_late.sh): a lower limit of the
 * settlements a run holds than SETTLE_YEAR_SETTLEMENTS_MAX, from
 * YIBAO_TEST_SETTLE_YEAR_SETTLEMENTS_MAX (1..the limit), so the refusal is
 * tested on a small store. Unset: the limit. false: not a number in range. */
static bool settlements_max(size_t *out) {
    assert(out != NULL);
    const char *v = getenv("YIBAO_TEST_SETTLE_YEAR_SETTLEMENTS_MAX");
    *out = 0;
    if (v == NULL || v[0] == '\0') return true;
    long long n = 0;
    if (!cli_positive("YIBAO_TEST_SETTLE_YEAR_SETTLEMENTS_MAX", v, SETTLE_YEAR_SETTLEMENTS_MAX, &n))
        return false;
    *out = (size_t)n;
    return true;
}

struct args {
    const char *db, *year, *batch;
    bool verbose;
};

static bool parse(int argc, char **argv, struct args *a) {
    bool bad = false;
    assert(argc >= 1 && a != NULL);
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &a->db, &bad) ||
            cli_option(argc, argv, &i, "--year", &a->year, &bad) ||
            cli_option(argc, argv, &i, "--batch", &a->batch, &bad))
            continue;
        if (strcmp(argv[i], "--verbose") == 0) a->verbose = true;
        else {
            fprintf(stderr, "yibao settle-year: unexpected argument '%s'\n", argv[i]);
            bad = true;
        }
    }
    return !bad && a->db != NULL && a->year != NULL;
}

int cmd_settle_year(int argc, char **argv) {
    struct args a = {0};
    struct app_settle_year_opts opts = {.batch = 256};
    if (!parse(argc, argv, &a)) return cli_usage("settle-year", stderr), EXIT_BAD_INPUT;
    if (!cli_year("settle-year", "--year", a.year, &opts.year)) return EXIT_BAD_INPUT;
    long long batch = 0;
    if (a.batch != NULL && !cli_positive("--batch", a.batch, BATCH_MAX, &batch))
        return EXIT_BAD_INPUT;
    if (batch > 0) opts.batch = (size_t)batch;
    if (!settlements_max(&opts.settlements_max)) return EXIT_BAD_INPUT;
    struct store *store = store_cli_open(a.db, STORE_MODE_EXISTING);
    if (store == NULL) return EXIT_BAD_INPUT;
    opts.ctx = &a.verbose;
    opts.missing = on_missing;
    opts.posted = on_posted;
    opts.before_post = before_post;
    opts.after_batch = after_batch;
    struct app_settle_year_out out;
    struct store_err err = {{0}};
    double start = progress_now();
    enum app_settle_year_status st = app_settle_year(store, &opts, &out, &err);
    store_close(store);
    if (st == APP_SETTLE_YEAR_REFUSED) {
        fprintf(stderr,
                "yibao settle-year %s: refused: %" PRId64 " problem(s) above; nothing was"
                " settled\n",
                a.year, out.missing);
        return EXIT_BAD_INPUT;
    }
    if (st == APP_SETTLE_YEAR_CHANGED) {
        fprintf(stderr,
                "yibao settle-year %s: refused: %s, on each of the %d readings of the year;"
                " this batch wrote nothing (%" PRId64 " records posted before stand): run it"
                " again\n",
                a.year, err.msg, SETTLE_YEAR_READINGS_MAX, out.posted);
        return EXIT_BAD_INPUT;
    }
    if (st != APP_SETTLE_YEAR_OK) {
        fprintf(stderr, "yibao settle-year %s: %s (batches committed before stand; run it again)\n",
                a.year, err.msg);
        return EXIT_BAD_INPUT;
    }
    char adj[32], rel[32], paid[32], san[32];
    printf("settle-year %s: %" PRId64 " institutions, %" PRId64 " records posted, %" PRId64
           " already settled (%" PRId64 " settlements of the year, %.2f s)\n",
           a.year, out.institutions, out.posted, out.already, out.settlements,
           progress_now() - start);
    /* the sanctions left the deposits when the cases decided them (their
     * own postings): the year-end releases what is left */
    printf("posted (yuan): adjustment=%s released=%s paid=%s sanctions=%s (deducted at the"
           " cases' decisions)\n",
           yuan(out.adjustment_fen, adj), yuan(out.released_fen, rel), yuan(out.paid_fen, paid),
           yuan(out.sanctions_fen, san));
    if (out.late > 0)
        printf("late: %" PRId64 " settlement(s) or revoke(s) of %s at %" PRId64
               " institution(s) journaled after their year-end record: paid by the monthly"
               " runs, not in the year-end's F, which stands (docs/PAYMENT.md)\n",
               out.late, a.year, out.late_institutions);
    return 0;
}
