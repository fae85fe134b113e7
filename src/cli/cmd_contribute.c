/* cmd_contribute.c: `yibao contribute --db PATH --month YYYY-MM` (an
 * employee month, scheme 310) and `yibao contribute --db PATH --year YYYY
 * --residents` (the residents' year, scheme 390): each person enrolled in
 * the period one journal record with its postings (app/contribute.h,
 * docs/CONTRIBUTIONS.md), in batches of one transaction each. Idempotent:
 * a second run posts nothing and says so; a run stopped (Ctrl-C) or
 * killed and started again posts the rest. A progress line on stderr while
 * it is a terminal; --verbose lists every person left out on stderr.
 * Exit 0 the run went through (persons refused or not enrolled are
 * counted, not failures), 2 bad usage, a refused run (a policy without a
 * funding section) or a storage error, 130 stopped by a signal. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/benefit.h"
#include "app/contribute.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "cli/store_cli.h"

struct cli_run {
    struct progress progress;
    bool verbose;
};

static void on_progress(void *ctx, int64_t done, int64_t total) {
    struct cli_run *c = ctx;
    assert(c != NULL && done >= 0);
    progress_update(&c->progress, done, total > 0 ? (double)done / (double)total : -1.0);
}

static void on_skipped(void *ctx, const char *psn_no, const char *code, const char *why) {
    struct cli_run *c = ctx;
    assert(c != NULL && psn_no != NULL && code != NULL);
    if (!c->verbose) return;
    progress_clear(&c->progress);
    fprintf(stderr, "yibao contribute: %s: %s: %s\n", psn_no, code, why);
}

static bool on_stop(void *ctx) {
    (void)ctx;
    return progress_interrupted() != 0;
}

/* "1,998" */
static const char *grouped(int64_t n, char *buf, size_t size) {
    char digits[24];
    assert(buf != NULL && size >= 32 && n >= 0);
    int len = snprintf(digits, sizeof digits, "%" PRId64, n);
    size_t o = 0;
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0) buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

static void summary(const char *period, const struct app_contrib_out *o, bool residents,
                    double seconds) {
    char a[32], b[32], c[32], d[32];
    assert(period != NULL && o != NULL);
    printf("contribute %s: %s posted, %s already posted, %s refused, %s not enrolled (%.2f s)\n",
           period, grouped(o->posted, a, sizeof a), grouped(o->already, b, sizeof b),
           grouped(o->refused, c, sizeof c), grouped(o->not_enrolled, d, sizeof d), seconds);
    const struct app_contrib_sums *s = &o->sums;
    if (residents)
        printf("posted (fen): premium=%" PRId64 " assisted=%" PRId64 " own=%" PRId64
               " subsidy=%" PRId64 " catastrophic=%" PRId64 " pool=%" PRId64 "\n",
               s->premium_fen, s->assisted_fen, s->own_fen, s->subsidy_fen, s->catastrophic_fen,
               s->pool_fen);
    else
        printf("posted (fen): employer=%" PRId64 " employee=%" PRId64 " account=%" PRId64
               " pool=%" PRId64 " over_cap=%" PRId64 "\n",
               s->employer_fen, s->employee_fen, s->account_fen, s->pool_fen, s->over_cap_fen);
}

/* --month "YYYY-MM" or --year "YYYY" into opts; prints what is wrong. */
static bool parse_period(const char *month, const char *year, struct app_contrib_opts *opts) {
    assert(opts != NULL && (month != NULL) != (year != NULL));
    opts->month = 0;
    return month != NULL ? cli_month("contribute", "--month", month, &opts->year, &opts->month)
                         : cli_year("contribute", "--year", year, &opts->year);
}

struct args {
    const char *db, *month, *year, *batch;
    bool residents, verbose;
};

static bool parse(int argc, char **argv, struct args *a) {
    bool bad = false;
    assert(argc >= 1 && a != NULL);
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &a->db, &bad) ||
            cli_option(argc, argv, &i, "--month", &a->month, &bad) ||
            cli_option(argc, argv, &i, "--year", &a->year, &bad) ||
            cli_option(argc, argv, &i, "--batch", &a->batch, &bad))
            continue;
        if (strcmp(argv[i], "--residents") == 0) a->residents = true;
        else if (strcmp(argv[i], "--verbose") == 0) a->verbose = true;
        else {
            fprintf(stderr, "yibao contribute: unexpected argument '%s'\n", argv[i]);
            bad = true;
        }
    }
    if (!bad && (a->month != NULL) == (a->year != NULL)) bad = true;
    if (!bad && (a->residents != (a->year != NULL))) {
        fprintf(stderr, "yibao contribute: --year goes with --residents (a resident year);"
                        " an employee run is --month\n");
        bad = true;
    }
    return !bad && a->db != NULL;
}

int cmd_contribute(int argc, char **argv) {
    struct args a = {0};
    struct app_contrib_opts opts = {.batch = CONTRIB_BATCH_DEFAULT};
    if (!parse(argc, argv, &a)) return cli_usage("contribute", stderr), EXIT_BAD_INPUT;
    if (!parse_period(a.month, a.year, &opts)) return EXIT_BAD_INPUT;
    long long batch = 0;
    if (a.batch != NULL && !cli_positive("--batch", a.batch, CONTRIB_COMMIT_MAX, &batch))
        return EXIT_BAD_INPUT;
    if (batch > 0) opts.batch = (size_t)batch;
    struct store *store = store_cli_open(a.db, STORE_MODE_EXISTING);
    if (store == NULL) return EXIT_BAD_INPUT;
    struct cli_run c = {.verbose = a.verbose};
    opts.ctx = &c;
    opts.progress = on_progress;
    opts.skipped = on_skipped;
    opts.stop = on_stop;
    progress_catch_signals();
    progress_start(&c.progress, "contribute", "persons");
    struct app_contrib_out out;
    struct store_err err = {{0}};
    double start = progress_now();
    enum app_contrib_status st = app_contribute(store, &opts, &out, &err);
    progress_finish(&c.progress);
    int64_t changed = 0; /* a resident year charged: the derived residents' start follows it */
    int rederived = st == APP_CONTRIB_OK && a.residents
                        ? app_benefit_rederive(store, NULL,
                                               "resident year charged: benefit start derived again",
                                               &changed, &err)
                        : 0;
    store_close(store);
    const char *period = a.month != NULL ? a.month : a.year;
    if (st == APP_CONTRIB_REFUSED) {
        fprintf(stderr, "yibao contribute %s: refused: %s\n", period, err.msg);
        return EXIT_BAD_INPUT;
    }
    summary(period, &out, a.residents, progress_now() - start);
    if (st == APP_CONTRIB_STOPPED) {
        fprintf(stderr, "yibao contribute %s: stopped by a signal; run it again to post the rest\n",
                period);
        return progress_exit_status();
    }
    if (st != APP_CONTRIB_OK) {
        fprintf(stderr, "yibao contribute %s: %s (batches committed before stand; run it again)\n",
                period, err.msg);
        return EXIT_BAD_INPUT;
    }
    if (rederived != 0)
        return fprintf(stderr,
                       "yibao contribute %s: posted, but deriving the benefit start again failed: "
                       "%s (run yibao derive-benefits)\n",
                       period, err.msg),
               EXIT_BAD_INPUT;
    if (changed > 0)
        printf("derived again: %lld persons' benefit values changed\n", (long long)changed);
    return 0;
}
