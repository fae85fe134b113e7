/* cmd_premium.c: `yibao pay-premium --db PATH --psn PSN_NO --year YYYY
 * --amount YUAN [--date YYYY-MM-DD] [--from-account HOLDER]`: a resident's
 * own premium of a year recorded as paid, collected in cash or from a
 * bound holder's personal account (FUNDS.md §5); app/premium.h,
 * docs/CONTRIBUTIONS.md. Exit 0 paid, 2 bad input or refused (named;
 * nothing written) or a storage error. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/benefit.h"
#include "app/premium.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/store_cli.h"
#include "core/money.h"

struct args {
    const char *db, *psn, *year, *amount, *date, *holder;
};

static bool parse(int argc, char **argv, struct args *a) {
    bool bad = false;
    assert(a != NULL);
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &a->db, &bad) ||
            cli_option(argc, argv, &i, "--psn", &a->psn, &bad) ||
            cli_option(argc, argv, &i, "--year", &a->year, &bad) ||
            cli_option(argc, argv, &i, "--amount", &a->amount, &bad) ||
            cli_option(argc, argv, &i, "--date", &a->date, &bad) ||
            cli_option(argc, argv, &i, "--from-account", &a->holder, &bad))
            continue;
        fprintf(stderr, "yibao pay-premium: unexpected argument '%s'\n", argv[i]);
        bad = true;
    }
    return !bad && a->db != NULL && a->psn != NULL && a->year != NULL && a->amount != NULL;
}

/* --year: four digits in range, else -1. */
int cmd_pay_premium(int argc, char **argv) {
    struct args a = {0};
    if (!parse(argc, argv, &a)) return cli_usage("pay-premium", stderr), EXIT_BAD_INPUT;
    struct app_premium_in in = {.psn_no = a.psn, .holder = a.holder};
    if (!cli_year("pay-premium", "--year", a.year, &in.year)) return EXIT_BAD_INPUT;
    enum decimal_status ds = decimal_parse(a.amount, strlen(a.amount), 2, PREMIUM_AMOUNT_MAX_FEN,
                                           &in.amount_fen);
    if (ds != DECIMAL_OK || in.amount_fen <= 0)
        return fprintf(stderr, "yibao pay-premium: --amount '%s': %s\n", a.amount,
                       ds != DECIMAL_OK ? decimal_status_text(ds) : "not more than 0"),
               EXIT_BAD_INPUT;
    char today[16];
    if (a.date == NULL) { /* the day the payment is recorded, UTC */
        time_t now = time(NULL);
        struct tm tm;
        if (now == (time_t)-1 || gmtime_r(&now, &tm) == NULL ||
            strftime(today, sizeof today, "%Y-%m-%d", &tm) != 10)
            return fprintf(stderr, "yibao pay-premium: the clock cannot be read: give --date\n"),
                   EXIT_BAD_INPUT;
        a.date = today;
    }
    in.paid_date = a.date;
    struct store *store = store_cli_open(a.db, STORE_MODE_EXISTING);
    if (store == NULL) return EXIT_BAD_INPUT;
    struct app_premium_out out;
    struct store_err err = {{0}};
    enum app_premium_status st = app_premium_pay(store, &in, &out, &err);
    int64_t changed = 0;
    /* a derived resident's benefit start follows the payment (FUNDS.md §4) */
    int rederived = st == APP_PREMIUM_PAID
                        ? app_benefit_rederive(store, a.psn,
                                               "premium paid: benefit start derived again",
                                               &changed, &err)
                        : 0;
    store_close(store);
    if (st != APP_PREMIUM_PAID)
        return fprintf(stderr, "yibao pay-premium: %s%s\n", err.msg,
                       st == APP_PREMIUM_REFUSED ? " (nothing written)" : ""),
               EXIT_BAD_INPUT;
    if (rederived != 0)
        return fprintf(stderr,
                       "yibao pay-premium: the premium is paid (journal seq %" PRId64
                       "), but deriving the benefit start again failed: %s (run yibao "
                       "derive-benefits)\n",
                       out.seq, err.msg),
               EXIT_BAD_INPUT;
    printf("pay-premium %s %d: %" PRId64 ".%02" PRId64 " yuan paid, %s -> %s (journal seq %" PRId64
           ")\n",
           a.psn, (int)in.year, out.own_fen / 100, out.own_fen % 100, out.payer, out.receivable,
           out.seq);
    if (changed > 0) printf("derived again: the benefit start of %s\n", a.psn);
    return 0;
}
