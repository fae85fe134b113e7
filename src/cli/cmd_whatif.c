/* cmd_whatif.c: `yibao whatif --db PATH --year Y --policy NEW.json
 * [--policy ...] [--format table|json]` (issue 17 item 5): a policy
 * year's settlements settled again from the journal under other policies
 * (app/whatif.h), in memory, the store opened read-only; prints per fund
 * the spending before, after and the change, the patients' out-of-pocket
 * (total, by institution level, by scheme and category), the 10 % of
 * persons hardest hit, the reimbursement ratios and months of support
 * (only when the store holds revenue). Money in yuan with 2 decimals,
 * from fen, never through floating point. `--payment FILE` (a region's
 * yibao-payment/1 agreements, repeatable) adds each institution's
 * year-end settlement before and after (app_whatif_payment); with
 * --payment, --policy may be left out (the year's own policies). Exit 0,
 * 1 when the journal does not replay, 2 bad input or a store that cannot
 * be read, 130 on Ctrl-C. `--region R` replays and reports only that
 * region's settlements (its funds, its months of support, the institutions
 * of its agreements); its --policy and --payment files must be of it. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/whatif.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "cli/store_cli.h"
#include "cli/view.h"
#include "codec/codec.h"
#include "core/money.h"
#include "core/report.h"

#define WHATIF_YEAR_MAX 9999

struct whatif_args {
    const char *db, *year_text, *format, *region;
    const char *files[APP_WHATIF_POLICIES_MAX];
    size_t file_count;
    const char *payments[APP_WHATIF_AGREEMENTS_MAX];
    size_t payment_count;
    bool bad;
};

/* A repeatable FILE option into files[*count] (at most max). */
static void add_file(const char *option, const char *file, const char **files, size_t *count,
                     size_t max, bool *bad) {
    assert(option != NULL && files != NULL && count != NULL && bad != NULL);
    if (*bad) return;
    if (*count == max) {
        fprintf(stderr, "yibao whatif: more than %zu %s files\n", max, option);
        *bad = true;
        return;
    }
    files[(*count)++] = file;
}

static void parse_args(int argc, char **argv, struct whatif_args *a) {
    assert(a != NULL);
    memset(a, 0, sizeof *a);
    a->format = "table";
    for (int i = 1; i < argc && !a->bad; i++) {
        const char *file = NULL;
        if (cli_option(argc, argv, &i, "--db", &a->db, &a->bad) ||
            cli_option(argc, argv, &i, "--year", &a->year_text, &a->bad) ||
            cli_option(argc, argv, &i, "--format", &a->format, &a->bad) ||
            cli_option(argc, argv, &i, "--region", &a->region, &a->bad))
            continue;
        if (cli_option(argc, argv, &i, "--policy", &file, &a->bad)) {
            add_file("--policy", file, a->files, &a->file_count, APP_WHATIF_POLICIES_MAX, &a->bad);
            continue;
        }
        if (cli_option(argc, argv, &i, "--payment", &file, &a->bad)) {
            add_file("--payment", file, a->payments, &a->payment_count, APP_WHATIF_AGREEMENTS_MAX,
                     &a->bad);
            continue;
        }
        fprintf(stderr, "yibao whatif: unexpected argument '%s'\n", argv[i]);
        a->bad = true;
    }
}

/* --region: a region the store has a policy of for the year (the fund
 * regions the year's settlements can have). 0, or -1 after printing. */
static int check_region(struct store *store, int32_t year, const char *region) {
    assert(store != NULL);
    if (region == NULL) return 0;
    const struct registry *reg = store_registry_acquire(store);
    size_t count = 0;
    const struct policy *all = registry_policies(reg, &count);
    bool known = false;
    for (size_t i = 0; i < count && !known; i++)
        known = all[i].year == year && strcmp(all[i].region, region) == 0;
    store_registry_release(store, reg);
    if (known) return 0;
    fprintf(stderr, "yibao whatif: --region '%s': the store has no policy of this region for %d\n",
            region, (int)year);
    return -1;
}

/* Loads and checks the --policy files: the import's errors, then the
 * what-if's (year, region, scheme). 0, or -1 after printing. */
static int load_policies(struct store *store, int32_t year, const struct whatif_args *a,
                         struct policy *policies) {
    char msg[CODEC_ERR_BYTES];
    assert(store != NULL && a != NULL && policies != NULL);
    for (size_t i = 0; i < a->file_count; i++) {
        if (policy_load_file(a->files[i], &policies[i], msg, sizeof msg) != 0) {
            fprintf(stderr, "yibao whatif: %s\n", msg);
            return -1;
        }
        const char *field = NULL;
        char why[CODEC_ERR_BYTES];
        if (a->region != NULL && strcmp(policies[i].region, a->region) != 0) {
            fprintf(stderr, "yibao whatif: %s: region: is %s, not the region asked (--region %s)\n",
                    a->files[i], policies[i].region, a->region);
            return -1;
        }
        if (app_whatif_policy_problem(store, year, &policies[i], policies, i, &field, why,
                                      sizeof why) != NULL) {
            fprintf(stderr, "yibao whatif: %s: %s: %s\n", a->files[i], field, why);
            return -1;
        }
    }
    return 0;
}

/* Loads and checks the --payment files: the codec's errors, then the
 * what-if's (the year asked, the registry as an import checks it, one file
 * a region). 0, or -1 after printing. */
static int load_payments(struct store *store, int32_t year, const struct whatif_args *a,
                         struct agreement *agreements) {
    char msg[CODEC_ERR_BYTES];
    assert(store != NULL && a != NULL && (agreements != NULL || a->payment_count == 0));
    for (size_t i = 0; i < a->payment_count; i++) {
        const char *file = a->payments[i];
        if (payment_agreement_load_file(file, &agreements[i], msg, sizeof msg) != 0)
            return fprintf(stderr, "yibao whatif: %s\n", msg), -1;
        if (a->region != NULL && strcmp(agreements[i].region, a->region) != 0)
            return fprintf(stderr,
                           "yibao whatif: %s: region: is %s, not the region asked (--region %s)\n",
                           file, agreements[i].region, a->region),
                   -1;
        if (agreements[i].year != year)
            return fprintf(stderr,
                           "yibao whatif: %s: year: is %d, not the year asked (--year %d)\n", file,
                           (int)agreements[i].year, (int)year),
                   -1;
        for (size_t k = 0; k < i; k++)
            if (strcmp(agreements[k].region, agreements[i].region) == 0)
                return fprintf(stderr,
                               "yibao whatif: %s: region: %s: a second --payment file of it\n",
                               file, agreements[i].region),
                       -1;
        if (store_agreement_problem(store, &agreements[i], msg, sizeof msg) != NULL)
            return fprintf(stderr, "yibao whatif: %s: %s\n", file, msg), -1;
    }
    return 0;
}

/* ---- printing --------------------------------------------------------------------- */
/* A heading before a table (text only: JSON names the list). */
static void heading(struct view *v, const char *title) {
    assert(v != NULL && title != NULL);
    if (!v->json) fprintf(v->out, "\n%s\n", title);
}

static const char *const money_cols[] = {"what:24", "before:-16", "after:-16", "change:-16", NULL};

static void money_row(struct view *v, const char *key, const char *what, int64_t before_fen,
                      int64_t after_fen) {
    assert(v != NULL && what != NULL);
    view_row(v);
    view_str(v, key, what);
    view_fen(v, "before", before_fen);
    view_fen(v, "after", after_fen);
    view_fen(v, "change", after_fen - before_fen);
}

static void print_funds(struct view *v, const struct app_whatif_report *r) {
    assert(v != NULL && r != NULL);
    heading(v, "fund spending (yuan)");
    view_list(v, "funds", money_cols);
    for (int f = 0; f < FUND_LAYER_COUNT; f++)
        money_row(v, "fund", fund_layer((enum fund_layer_id)f)->fund, r->before.total.fund_fen[f],
                  r->after.total.fund_fen[f]);
    money_row(v, "fund", "total", r->before.total.fund_pay_sumamt_fen,
              r->after.total.fund_pay_sumamt_fen);
    view_list_end(v);
}

static void print_out_of_pocket(struct view *v, const struct app_whatif_report *r) {
    assert(v != NULL && r != NULL);
    heading(v, "patients' out-of-pocket (psn_part_amt, yuan)");
    view_object(v, "out_of_pocket", NULL);
    view_fen(v, "before", r->before.total.psn_part_amt_fen);
    view_fen(v, "after", r->after.total.psn_part_amt_fen);
    view_fen(v, "change", r->after.total.psn_part_amt_fen - r->before.total.psn_part_amt_fen);
    view_object_end(v);
    heading(v, "out-of-pocket by institution level (yuan)");
    view_list(v, "out_of_pocket_by_level", money_cols);
    for (int l = 0; l < WHATIF_LEVELS; l++)
        money_row(v, "level", level_name((enum level)l), r->before.level[l].psn_part_amt_fen,
                  r->after.level[l].psn_part_amt_fen);
    view_list_end(v);
    heading(v, "out-of-pocket by person group, scheme/category (yuan)");
    view_list(v, "out_of_pocket_by_group", money_cols);
    for (int s = 0; s < WHATIF_SCHEMES; s++) {
        for (int c = 0; c < WHATIF_CATEGORIES; c++) {
            char group[48];
            if (r->before.group[s][c].settlements == 0 && r->after.group[s][c].settlements == 0)
                continue; /* a group without patients */
            snprintf(group, sizeof group, "%s/%s", s == 0 ? "310" : "390",
                     c < CATEGORY_COUNT ? category_name((enum category)c) : "unknown");
            money_row(v, "group", group, r->before.group[s][c].psn_part_amt_fen,
                      r->after.group[s][c].psn_part_amt_fen);
        }
    }
    view_list_end(v);
}

/* A per cent with 2 decimals (hundredths), or "none". */
static void percent_cell(struct view *v, const char *key, bool has, int64_t hundredths) {
    char t[32];
    assert(v != NULL && key != NULL);
    if (!has) return view_str(v, key, "none");
    money_format(hundredths, t, sizeof t);
    view_number(v, key, t);
}

static void ratio_row(struct view *v, const char *what, const struct whatif_sums *b,
                      const struct whatif_sums *a, bool scope) {
    int64_t pb = 0, pa = 0;
    assert(v != NULL && b != NULL && a != NULL);
    bool hb = report_percent(b->fund_pay_sumamt_fen,
                             scope ? b->inscp_scp_amt_fen : b->medfee_sumamt_fen, &pb);
    bool ha = report_percent(a->fund_pay_sumamt_fen,
                             scope ? a->inscp_scp_amt_fen : a->medfee_sumamt_fen, &pa);
    view_row(v);
    view_str(v, "ratio", what);
    percent_cell(v, "before", hb, pb);
    percent_cell(v, "after", ha, pa);
    percent_cell(v, "change", hb && ha, pa - pb);
}

static void print_ratios(struct view *v, const struct app_whatif_report *r) {
    static const char *const cols[] = {"ratio:24", "before:-16", "after:-16", "change:-16", NULL};
    assert(v != NULL && r != NULL);
    heading(v, "reimbursement ratios (FUNDS.md 8, per cent)");
    view_list(v, "ratios", cols);
    ratio_row(v, "policy_scope", &r->before.total, &r->after.total, true);
    ratio_row(v, "actual", &r->before.total, &r->after.total, false);
    view_list_end(v);
}

static void print_hardest(struct view *v, const struct app_whatif_report *r) {
    static const char *const cols[] = {"psn_no:24", "before:-16", "after:-16", "change:-16", NULL};
    assert(v != NULL && r != NULL);
    heading(v, "hardest hit: the 10 % of the year's patients with the largest out-of-pocket"
               " increase (yuan)");
    view_object(v, "hardest_hit", NULL);
    view_int(v, "persons", (int64_t)r->hardest);
    view_int(v, "of", (int64_t)r->persons);
    view_fen(v, "before", r->hardest_before_fen);
    view_fen(v, "after", r->hardest_after_fen);
    view_fen(v, "change", r->hardest_after_fen - r->hardest_before_fen);
    view_fen(v, "smallest_change", r->hardest_min_change_fen);
    view_list(v, "top", cols);
    for (size_t i = 0; i < r->top_count; i++)
        money_row(v, "psn_no", r->top[i].psn_no, r->top[i].before_fen, r->top[i].after_fen);
    view_list_end(v);
    view_object_end(v);
}

/* Months in tenths as "15.0", or "inf" when nothing was spent. */
static void months_cell(struct view *v, const char *key, bool has, int64_t tenths) {
    char t[32];
    assert(v != NULL && key != NULL);
    if (!has) return view_str(v, key, "inf");
    snprintf(t, sizeof t, "%lld.%lld", (long long)(tenths / 10), (long long)(tenths % 10));
    view_number(v, key, t);
}

/* Months of support (FUNDS.md 8) per fund at the year's end, before and
 * after; only with revenue in the books (a figure without it says nothing). */
static void print_support(struct view *v, const struct app_whatif_report *r) {
    static const char *const cols[] = {"fund:10",           "balance_before:-16",
                                       "balance_after:-16", "months_before:-14",
                                       "months_after:-13",  NULL};
    assert(v != NULL && r != NULL);
    if (!r->has_revenue) {
        if (!v->json) {
            fprintf(v->out, "\nmonths of support: not available (no revenue in the books)\n");
            return;
        }
        view_object(v, "months_of_support", NULL);
        view_bool(v, "available", false);
        view_str(v, "note", "not available (no revenue in the books)");
        view_object_end(v);
        return;
    }
    heading(v, r->region[0] != '\0'
                   ? "months of support at the year's end, the region's (FUNDS.md 8)"
                   : "months of support at the year's end, every region (FUNDS.md 8)");
    view_object(v, "months_of_support", NULL);
    view_bool(v, "available", true);
    view_list(v, "funds", cols);
    for (int f = 0; f < FUND_LAYER_COUNT; f++) {
        const struct app_whatif_support *m = &r->support[f];
        view_row(v);
        view_str(v, "fund", fund_layer((enum fund_layer_id)f)->fund);
        view_fen(v, "balance_before", m->balance_before_fen);
        view_fen(v, "balance_after", m->balance_after_fen);
        months_cell(v, "months_before", m->has_before, m->tenths_before);
        months_cell(v, "months_after", m->has_after, m->tenths_after);
    }
    view_list_end(v);
    view_object_end(v);
}

/* One side's method, or "none" without an agreement. */
static const char *method_of(bool has, const struct store_year_end *y) {
    assert(y != NULL);
    return has ? y->method : "none";
}

static void payment_row(struct view *v, const struct app_whatif_institution *x) {
    assert(v != NULL && x != NULL);
    view_row(v);
    view_str(v, "institution", x->code);
    view_str(v, "method_before", method_of(x->has_before, &x->before));
    view_str(v, "method_after", method_of(x->has_after, &x->after));
    view_fen(v, "f_before", x->before.f_fen);
    view_fen(v, "f_after", x->after.f_fen);
    view_fen(v, "adjustment_before", x->before.adjustment_fen);
    view_fen(v, "adjustment_after", x->after.adjustment_fen);
    view_fen(v, "adjustment_change", x->after.adjustment_fen - x->before.adjustment_fen);
    view_fen(v, "year_end_paid_change", x->after.paid_fen - x->before.paid_fen);
    /* the deposit's release does not depend on the what-if (the deposit
     * held less the cases' deductions): one figure, either side's */
    const struct store_year_end *side = x->has_before ? &x->before : &x->after;
    view_fen(v, "sanctions", side->sanctions_fen);
    view_fen(v, "released", side->released_fen);
}

/* Each institution's year-end settlement before and after (FUNDS.md §6):
 * F (the basic pool's payments), the method's adjustment, what the
 * year-end record would pay; and the sums. */
static void print_payment(struct view *v, const struct app_whatif_payment *p) {
    static const char *const cols[] = {
        "institution:14",       "method_before:16",      "method_after:16",
        "f_before:-14",         "f_after:-14",           "adjustment_before:-18",
        "adjustment_after:-17", "adjustment_change:-18", "year_end_paid_change:-21",
        "sanctions:-12",        "released:-14",          NULL};
    assert(v != NULL && p != NULL);
    heading(v, "institutions' year-end settlement (FUNDS.md 6, yuan)");
    view_object(v, "payment", NULL);
    view_int(v, "problems_before", p->missing_before);
    view_int(v, "problems_after", p->missing_after);
    view_list(v, "institutions", cols);
    struct app_whatif_institution total = {.code = "total", .has_before = true, .has_after = true};
    snprintf(total.before.method, sizeof total.before.method, "-");
    snprintf(total.after.method, sizeof total.after.method, "-");
    for (size_t i = 0; i < p->count; i++) {
        const struct app_whatif_institution *x = &p->items[i];
        payment_row(v, x);
        total.before.f_fen += x->before.f_fen, total.after.f_fen += x->after.f_fen;
        total.before.adjustment_fen += x->before.adjustment_fen;
        total.after.adjustment_fen += x->after.adjustment_fen;
        total.before.paid_fen += x->before.paid_fen, total.after.paid_fen += x->after.paid_fen;
        const struct store_year_end *side = x->has_before ? &x->before : &x->after;
        total.before.sanctions_fen += side->sanctions_fen;
        total.before.released_fen += side->released_fen;
    }
    payment_row(v, &total);
    view_list_end(v);
    view_object_end(v);
}

static int print_report(const struct app_whatif_report *r, const struct app_whatif_payment *pay,
                        bool json) {
    struct view v;
    assert(r != NULL);
    view_begin(&v, json, stdout);
    view_object(&v, "replay", "what-if");
    view_int(&v, "year", r->year);
    view_str(&v, "region", r->region[0] != '\0' ? r->region : "all");
    view_int(&v, "settlements", r->before.total.settlements);
    view_int(&v, "settled_again", r->replay.resettled);
    view_int(&v, "refused_after", r->replay.refused);
    view_int(&v, "without_bill", r->replay.skipped);
    view_int(&v, "revokes", r->revokes);
    view_object_end(&v);
    print_funds(&v, r);
    print_out_of_pocket(&v, r);
    print_ratios(&v, r);
    print_hardest(&v, r);
    if (pay != NULL) print_payment(&v, pay);
    print_support(&v, r);
    return view_end(&v) == 0 ? 0 : EXIT_BAD_INPUT;
}

static void on_problem(void *ctx, bool after, const char *code, const char *what) {
    assert(code != NULL && what != NULL);
    (void)ctx;
    fprintf(stderr, "yibao whatif: payment %s: %s: %s (that side's year-end left out)\n",
            after ? "after" : "before", code, what);
}

static int run(struct store *store, struct store *books, int32_t year, const char *region,
               const struct policy *policies, size_t n, const struct agreement *agreements,
               size_t m, bool json) {
    struct store_err err = {{0}};
    struct app_whatif_report *r = calloc(1, sizeof *r);
    if (r == NULL) return fprintf(stderr, "yibao whatif: out of memory\n"), EXIT_BAD_INPUT;
    struct app_whatif_payment pay = {0};
    struct progress_phases phases = {.what = "whatif"};
    progress_catch_signals();
    store_set_progress(store, progress_phase_update, &phases);
    int rc = m > 0 ? app_whatif_payment(store, books, year, region, policies, n, agreements, m,
                                        on_problem, NULL, r, &pay, &err)
                   : app_whatif(store, books, year, region, policies, n, r, &err);
    store_set_progress(store, NULL, NULL);
    progress_phases_finish(&phases);
    if (rc != 0 && progress_interrupted() != 0) {
        fprintf(stderr, "yibao whatif: %s (interrupted by a signal)\n", err.msg);
        rc = progress_exit_status();
    } else if (rc != 0) {
        fprintf(stderr, "yibao whatif: %s\n", err.msg);
        rc = rc == 1 ? EXIT_CHECK_FAILED : EXIT_BAD_INPUT;
    } else {
        rc = print_report(r, m > 0 ? &pay : NULL, json);
    }
    free(pay.items);
    free(r);
    return rc;
}

int cmd_whatif(int argc, char **argv) {
    struct whatif_args a;
    parse_args(argc, argv, &a);
    long long year = 0;
    if (a.bad || a.db == NULL || a.year_text == NULL || a.file_count + a.payment_count == 0 ||
        !cli_positive("--year", a.year_text, WHATIF_YEAR_MAX, &year)) {
        cli_usage("whatif", stderr);
        return EXIT_BAD_INPUT;
    }
    if (strcmp(a.format, "table") != 0 && strcmp(a.format, "json") != 0) {
        fprintf(stderr, "yibao whatif: --format '%s': not table or json\n", a.format);
        return EXIT_BAD_INPUT;
    }
    struct store *store = store_cli_open(a.db, STORE_MODE_READ_ONLY);
    if (store == NULL) return EXIT_BAD_INPUT;
    /* a second handle: months of support's books are read on it while the
     * replay runs (without it, after the replay: the same figures) */
    struct store *books = NULL;
    struct store_err books_err;
    if (store_open_as(a.db, STORE_MODE_READ_ONLY, &books, &books_err) != 0) books = NULL;
    struct policy *policies = calloc(a.file_count + 1, sizeof *policies);
    struct agreement *agreements = calloc(a.payment_count + 1, sizeof *agreements);
    int rc = EXIT_BAD_INPUT;
    if (policies == NULL || agreements == NULL) fprintf(stderr, "yibao whatif: out of memory\n");
    else if (check_region(store, (int32_t)year, a.region) == 0 &&
             load_policies(store, (int32_t)year, &a, policies) == 0 &&
             load_payments(store, (int32_t)year, &a, agreements) == 0)
        rc = run(store, books, (int32_t)year, a.region, policies, a.file_count, agreements,
                 a.payment_count, strcmp(a.format, "json") == 0);
    free(agreements);
    free(policies);
    if (books != NULL) store_close(books);
    store_close(store);
    return rc;
}
