/* cmd_pay.c: `yibao pay --db PATH --month YYYY-MM`: the month's payment
 * run (app/pay.h, FUNDS.md §7, docs/PAYMENT.md): each institution with
 * settlements or revokes journaled in the month paid its payable less the
 * deposit its agreement withholds, one journal record each, in batches of
 * one transaction. Idempotent: a month paid posts nothing and says so; a
 * run stopped or killed and started again posts the rest. Refused (exit
 * 2, nothing written) when an institution of the month has no agreement
 * for a policy year of its settlements: every such one is listed on
 * stderr. Exit 0 the run went through, 2 bad usage, refused or a storage
 * error, 130 stopped by a signal. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/pay.h"
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

struct cli_run {
    struct progress progress;
    bool verbose;
};

static void on_progress(void *ctx, int64_t done, int64_t total) {
    struct cli_run *c = ctx;
    assert(c != NULL && done >= 0);
    progress_update(&c->progress, done, total > 0 ? (double)done / (double)total : -1.0);
}

static void on_missing(void *ctx, const char *code, int32_t year, const char *what) {
    struct cli_run *c = ctx;
    assert(c != NULL && code != NULL && what != NULL);
    progress_clear(&c->progress);
    fprintf(stderr, "yibao pay: institution %s, policy year %d: %s\n", code, (int)year, what);
}

static void on_posted(void *ctx, const char *msgid, const struct store_pay *p) {
    struct cli_run *c = ctx;
    assert(c != NULL && msgid != NULL && p != NULL);
    if (!c->verbose) return;
    char payable[32], withhold[32], paid[32];
    progress_clear(&c->progress);
    printf("%s payable %s withhold %s paid %s\n", msgid, yuan(p->payable_fen, payable),
           yuan(p->withhold_fen, withhold), yuan(p->paid_fen, paid));
}

static bool on_stop(void *ctx) {
    (void)ctx;
    return progress_interrupted() != 0;
}

struct args {
    const char *db, *month, *batch;
    bool verbose;
};

static bool parse(int argc, char **argv, struct args *a) {
    bool bad = false;
    assert(argc >= 1 && a != NULL);
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &a->db, &bad) ||
            cli_option(argc, argv, &i, "--month", &a->month, &bad) ||
            cli_option(argc, argv, &i, "--batch", &a->batch, &bad))
            continue;
        if (strcmp(argv[i], "--verbose") == 0) a->verbose = true;
        else {
            fprintf(stderr, "yibao pay: unexpected argument '%s'\n", argv[i]);
            bad = true;
        }
    }
    return !bad && a->db != NULL && a->month != NULL;
}

static void summary(const char *month, const struct app_pay_out *o, double seconds) {
    char payable[32], withhold[32], paid[32];
    assert(month != NULL && o != NULL);
    printf("pay %s: %" PRId64 " institutions, %" PRId64 " records posted, %" PRId64
           " already paid (%" PRId64 " settlement and revoke records read, %.2f s)\n",
           month, o->institutions, o->posted, o->already, o->records, seconds);
    printf("posted (yuan): payable=%s withhold=%s paid=%s\n", yuan(o->payable_fen, payable),
           yuan(o->withhold_fen, withhold), yuan(o->paid_fen, paid));
}

int cmd_pay(int argc, char **argv) {
    struct args a = {0};
    struct app_pay_opts opts = {.batch = PAY_BATCH_DEFAULT};
    if (!parse(argc, argv, &a)) return cli_usage("pay", stderr), EXIT_BAD_INPUT;
    if (!cli_month("pay", "--month", a.month, &opts.year, &opts.month)) return EXIT_BAD_INPUT;
    long long batch = 0;
    if (a.batch != NULL && !cli_positive("--batch", a.batch, BATCH_MAX, &batch))
        return EXIT_BAD_INPUT;
    if (batch > 0) opts.batch = (size_t)batch;
    struct store *store = store_cli_open(a.db, STORE_MODE_EXISTING);
    if (store == NULL) return EXIT_BAD_INPUT;
    struct cli_run c = {.verbose = a.verbose};
    opts.ctx = &c;
    opts.progress = on_progress;
    opts.missing = on_missing;
    opts.posted = on_posted;
    opts.stop = on_stop;
    progress_catch_signals();
    progress_start(&c.progress, "pay", "institutions");
    struct app_pay_out out;
    struct store_err err = {{0}};
    double start = progress_now();
    enum app_pay_status st = app_pay_month(store, &opts, &out, &err);
    progress_finish(&c.progress);
    store_close(store);
    if (st == APP_PAY_REFUSED) {
        fprintf(stderr, "yibao pay %s: refused: %" PRId64 " problem(s) above; nothing was paid\n",
                a.month, out.missing);
        return EXIT_BAD_INPUT;
    }
    summary(a.month, &out, progress_now() - start);
    if (st == APP_PAY_STOPPED) {
        fprintf(stderr, "yibao pay %s: stopped by a signal; run it again to pay the rest\n",
                a.month);
        return progress_exit_status();
    }
    if (st != APP_PAY_OK) {
        fprintf(stderr, "yibao pay %s: %s (batches committed before stand; run it again)\n",
                a.month, err.msg);
        return EXIT_BAD_INPUT;
    }
    return 0;
}
