/* cmd_collect.c: `yibao collect-subsidy --db PATH --region ADMDVS --year
 * YYYY --amount YUAN [--date YYYY-MM-DD]`: public finance paying (part
 * of) its subsidy of a region's resident year, charged to
 * R:fin:<region>:<year> by the resident run; app/collect.h,
 * docs/CONTRIBUTIONS.md "Collections". Exit 0 collected, 2 bad input or
 * refused (named; nothing written) or a storage error. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/collect.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/store_cli.h"
#include "core/date.h"
#include "core/money.h"
#include "store/record_body.h"

struct args {
    const char *db, *region, *year, *amount, *date;
};

static bool parse(int argc, char **argv, struct args *a) {
    bool bad = false;
    assert(a != NULL);
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &a->db, &bad) ||
            cli_option(argc, argv, &i, "--region", &a->region, &bad) ||
            cli_option(argc, argv, &i, "--year", &a->year, &bad) ||
            cli_option(argc, argv, &i, "--amount", &a->amount, &bad) ||
            cli_option(argc, argv, &i, "--date", &a->date, &bad))
            continue;
        fprintf(stderr, "yibao collect-subsidy: unexpected argument '%s'\n", argv[i]);
        bad = true;
    }
    return !bad && a->db != NULL && a->region != NULL && a->year != NULL && a->amount != NULL;
}

/* The options into in: 0, or the exit status after a message. */
static int options_in(struct args *a, struct app_collect_in *in, char today[16]) {
    datetime_s d = 0;
    assert(a != NULL && in != NULL);
    in->payer = COLLECT_FINANCE;
    size_t len = strlen(a->region);
    if (len == 0 || len > CODE_BYTES_MAX || !body_code_ok(a->region, false, "/:"))
        return fprintf(stderr, "yibao collect-subsidy: --region '%s': not a region code\n",
                       a->region),
               EXIT_BAD_INPUT;
    memcpy(in->who, a->region, len + 1);
    if (!cli_year("collect-subsidy", "--year", a->year, &in->year)) return EXIT_BAD_INPUT;
    enum decimal_status ds = decimal_parse(a->amount, strlen(a->amount), 2, COLLECT_AMOUNT_MAX_FEN,
                                           &in->amount_fen);
    if (ds != DECIMAL_OK || in->amount_fen <= 0)
        return fprintf(stderr, "yibao collect-subsidy: --amount '%s': %s\n", a->amount,
                       ds != DECIMAL_OK ? decimal_status_text(ds) : "not more than 0"),
               EXIT_BAD_INPUT;
    if (a->date == NULL) { /* the day the payment is recorded, UTC */
        time_t now = time(NULL);
        struct tm tm;
        if (now == (time_t)-1 || gmtime_r(&now, &tm) == NULL ||
            strftime(today, 16, "%Y-%m-%d", &tm) != 10)
            return fprintf(stderr,
                           "yibao collect-subsidy: the clock cannot be read: give --date\n"),
                   EXIT_BAD_INPUT;
        a->date = today;
    }
    if (strlen(a->date) != 10 || !datetime_parse(a->date, 10, &d))
        return fprintf(stderr, "yibao collect-subsidy: --date '%s': not a date YYYY-MM-DD\n",
                       a->date),
               EXIT_BAD_INPUT;
    memcpy(in->paid_date, a->date, 11);
    return 0;
}

int cmd_collect_subsidy(int argc, char **argv) {
    struct args a = {0};
    char today[16], paid[32], owed[32];
    if (!parse(argc, argv, &a)) return cli_usage("collect-subsidy", stderr), EXIT_BAD_INPUT;
    struct app_collect_in in;
    memset(&in, 0, sizeof in);
    int rc = options_in(&a, &in, today);
    if (rc != 0) return rc;
    struct store *store = store_cli_open(a.db, STORE_MODE_EXISTING);
    if (store == NULL) return EXIT_BAD_INPUT;
    struct app_collect_line line;
    struct store_err err = {{0}};
    int64_t seq = 0;
    rc = app_collect_subsidy(store, &in, &line, &seq, &err);
    store_close(store);
    if (rc != 0)
        return fprintf(stderr, "yibao collect-subsidy: %s%s\n", err.msg,
                       rc == 2 ? " (nothing written)" : ""),
               EXIT_BAD_INPUT;
    money_format(in.amount_fen, paid, sizeof paid);
    money_format(line.charged_fen - line.paid_fen, owed, sizeof owed);
    printf("collect-subsidy %s %d: %s yuan collected, C:fin:%s:%d -> R:fin:%s:%d (journal seq "
           "%" PRId64 "); still owed %s yuan\n",
           in.who, (int)in.year, paid, in.who, (int)in.year, in.who, (int)in.year, seq, owed);
    return 0;
}
