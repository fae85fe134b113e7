/* report_funds.c: printing the fund reports (report_funds.h).
 *
 * Each report is sections of rows of cells, printed in the format asked:
 * a table (each section with its header, aligned), CSV (the first
 * section only, one header line: the rows a spreadsheet wants) or one
 * JSON object {"report", "year", "month", "region", <section>: [{column:
 * value}], "warnings": [text]}. Money is printed in yuan ("12.34"),
 * ratios as per cents with 2 decimals, months of support with 1; a figure
 * that does not exist (∞ months, a ratio over nothing) is "" in a table
 * and CSV and null in JSON. */
#include "cli/report_funds.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/fund_reports.h"
#include "cli/cli.h"
#include "cli/svg.h"
#include "core/money.h"
#include "json/json.h"

#define COLS_MAX 12
#define CELL_BYTES 72
#define WARNINGS_MAX 256 /* warnings listed (more are counted) */

enum cell_kind { CELL_NUM, CELL_STR, CELL_NULL };
struct cell {
    enum cell_kind kind;
    char text[CELL_BYTES];
};

struct out {
    const struct fund_report_args *a;
    struct json_buf json;
    int section;    /* sections begun */
    bool first_row; /* no row of the section printed yet */
    int cols;       /* the section's */
    const char *const *names;
    int widths[COLS_MAX];
    int64_t warnings;
    char warning[WARNINGS_MAX][400];
};

static void cell_money(struct cell *c, int64_t fen) {
    assert(c != NULL);
    c->kind = CELL_NUM;
    money_format(fen, c->text, sizeof c->text);
}
static void cell_int(struct cell *c, int64_t v) {
    assert(c != NULL);
    c->kind = CELL_NUM;
    snprintf(c->text, sizeof c->text, "%lld", (long long)v);
}
static void cell_str(struct cell *c, const char *s) {
    assert(c != NULL && s != NULL);
    c->kind = CELL_STR;
    snprintf(c->text, sizeof c->text, "%s", s);
}
/* v scaled by 10^decimals, or null when !has. */
static void cell_scaled(struct cell *c, bool has, int64_t v, int decimals) {
    assert(c != NULL && (decimals == 1 || decimals == 2));
    if (!has) return (void)(c->kind = CELL_NULL, c->text[0] = '\0');
    int64_t scale = decimals == 1 ? 10 : 100;
    c->kind = CELL_NUM;
    snprintf(c->text, sizeof c->text, "%s%lld.%0*lld", v < 0 ? "-" : "",
             (long long)((v < 0 ? -v : v) / scale), decimals,
             (long long)((v < 0 ? -v : v) % scale));
}

static void warn(struct out *o, const char *text) {
    assert(o != NULL && text != NULL);
    if (o->warnings < WARNINGS_MAX)
        snprintf(o->warning[o->warnings], sizeof o->warning[0], "%s", text);
    o->warnings++;
    fprintf(stderr, "yibao report %s: warning: %s\n", o->a->sub, text);
}

/* A new section: its name (a JSON key), columns and table widths. */
static void section(struct out *o, const char *name, int cols, const char *const *names,
                    const int *widths) {
    assert(o != NULL && name != NULL && cols > 0 && cols <= COLS_MAX);
    o->section++;
    o->first_row = true;
    o->cols = cols;
    o->names = names;
    memcpy(o->widths, widths, (size_t)cols * sizeof *widths);
    if (o->a->format == REPORT_JSON) {
        json_buf_raw(&o->json, o->section > 1 ? "]," : ",", o->section > 1 ? 2 : 1);
        json_buf_key(&o->json, name);
        json_buf_char(&o->json, '[');
    } else if (o->a->format == REPORT_TABLE) {
        if (o->section > 1) putchar('\n');
        for (int i = 0; i < cols; i++) printf("%s%*s", i ? "  " : "", -o->widths[i], names[i]);
        putchar('\n');
    } else if (o->section == 1) {
        for (int i = 0; i < cols; i++) printf("%s%s", i ? "," : "", names[i]);
        putchar('\n');
    }
}

static void row(struct out *o, const struct cell *c) {
    assert(o != NULL && c != NULL && o->section > 0);
    if (o->a->format == REPORT_CSV && o->section > 1) return;
    if (o->a->format == REPORT_CSV) {
        for (int i = 0; i < o->cols; i++) printf("%s%s", i ? "," : "", c[i].text);
        putchar('\n');
        return;
    }
    if (o->a->format == REPORT_TABLE) {
        /* text to the left, numbers to the right */
        for (int i = 0; i < o->cols; i++)
            printf("%s%*s", i ? "  " : "", c[i].kind == CELL_STR ? -o->widths[i] : o->widths[i],
                   c[i].text);
        putchar('\n');
        return;
    }
    json_buf_raw(&o->json, o->first_row ? "{" : ",{", o->first_row ? 1 : 2);
    for (int i = 0; i < o->cols; i++) {
        if (i) json_buf_char(&o->json, ',');
        json_buf_key(&o->json, o->names[i]);
        if (c[i].kind == CELL_NULL) json_buf_raw(&o->json, "null", 4);
        else if (c[i].kind == CELL_NUM) json_buf_raw(&o->json, c[i].text, strlen(c[i].text));
        else json_buf_str(&o->json, c[i].text);
    }
    json_buf_char(&o->json, '}');
    o->first_row = false;
}

static void month_text(int32_t year, int32_t m, char *out, size_t size) {
    assert(out != NULL && m >= 1 && m <= 12);
    snprintf(out, size, "%04d-%02d", (int)year, (int)m);
}

/* ---- funds ---------------------------------------------------------------- */

static void funds_rows(struct out *o, const struct app_reports *r) {
    static const char *const names[] = {"fund",    "region",   "month",   "opening",
                                        "revenue", "spending", "balance", "months_of_support"};
    static const int widths[] = {6, 8, 7, 16, 16, 16, 16, 17};
    struct cell c[8];
    char m_text[16];
    assert(o != NULL && r != NULL);
    section(o, "months", 8, names, widths);
    for (size_t i = 0; i < r->fund_count; i++) {
        const struct app_fund_line *l = &r->funds[i];
        int64_t before = l->flows.opening_fen;
        for (int32_t m = 0; m < l->year.months; m++) {
            cell_str(&c[0], l->fund);
            cell_str(&c[1], l->region);
            month_text(r->opts.year, m + 1, m_text, sizeof m_text);
            cell_str(&c[2], m_text);
            cell_money(&c[3], before);
            cell_money(&c[4], l->flows.revenue_fen[m]);
            cell_money(&c[5], l->flows.spending_fen[m]);
            cell_money(&c[6], l->year.balance_fen[m]);
            cell_scaled(&c[7], l->year.has_support[m], l->year.support_tenths[m], 1);
            row(o, c);
            before = l->year.balance_fen[m];
        }
    }
}

static void funds_summary(struct out *o, const struct app_reports *r) {
    static const char *const names[] = {"fund",     "region",  "opening",          "revenue",
                                        "spending", "closing", "months_of_support"};
    static const int widths[] = {6, 8, 16, 16, 16, 16, 17};
    struct cell c[7];
    char text[400];
    assert(o != NULL && r != NULL);
    section(o, "funds", 7, names, widths);
    for (size_t i = 0; i < r->fund_count; i++) {
        const struct app_fund_line *l = &r->funds[i];
        int32_t last = l->year.months - 1;
        cell_str(&c[0], l->fund);
        cell_str(&c[1], l->region);
        cell_money(&c[2], l->flows.opening_fen);
        cell_money(&c[3], l->year.revenue_fen);
        cell_money(&c[4], l->year.spending_fen);
        cell_money(&c[5], l->year.closing_fen);
        cell_scaled(&c[6], l->year.has_support[last], l->year.support_tenths[last], 1);
        row(o, c);
        if (l->year.has_support[last] &&
            l->year.support_tenths[last] < (int64_t)o->a->warn_months * 10) {
            snprintf(text, sizeof text,
                     "fund %s of region %s: %s months of support at %04d-%02d,"
                     " below %d",
                     l->fund, l->region, c[6].text, (int)r->opts.year, (int)r->opts.month,
                     (int)o->a->warn_months);
            warn(o, text);
        }
    }
}

static int funds_plot(const struct fund_report_args *a, const struct app_reports *r) {
    struct svg_series balance[SVG_SERIES_MAX], support[SVG_SERIES_MAX];
    char names[SVG_SERIES_MAX][64], path[4096], title[160], first[16];
    int32_t n = 0;
    assert(a != NULL && r != NULL && a->plot_dir != NULL);
    for (size_t i = 0; i < r->fund_count && n < SVG_SERIES_MAX; i++, n++) {
        const struct app_fund_line *l = &r->funds[i];
        snprintf(names[n], sizeof names[n], "%s %s", l->fund, l->region);
        balance[n] = (struct svg_series){names[n], l->year.months, l->year.balance_fen};
        support[n] = (struct svg_series){names[n], l->year.months, l->year.support_tenths};
    }
    snprintf(first, sizeof first, "%d", (int)a->year);
    snprintf(title, sizeof title, "Fund balance at month end, %d (yuan)%s", (int)a->year,
             (size_t)n < r->fund_count ? " (first funds)" : "");
    snprintf(path, sizeof path, "%s/funds-balance.svg", a->plot_dir);
    if (svg_line_chart(path, title, first, balance, n, 2) != 0) return -1;
    snprintf(title, sizeof title, "Months of support, %d (balance / monthly spending)",
             (int)a->year);
    snprintf(path, sizeof path, "%s/funds-months-of-support.svg", a->plot_dir);
    return svg_line_chart(path, title, first, support, n, 1);
}

/* ---- reimbursement ----------------------------------------------------------- */

static void ratio_row(struct out *o, const char *by, const char *group,
                      const struct app_ratio_cell *r) {
    struct cell c[8];
    assert(o != NULL && by != NULL && group != NULL && r != NULL);
    cell_str(&c[0], by);
    cell_str(&c[1], group);
    cell_int(&c[2], r->count);
    cell_money(&c[3], r->fund_fen);
    cell_money(&c[4], r->inscp_fen);
    cell_money(&c[5], r->medfee_fen);
    cell_scaled(&c[6], r->has_policy_scope, r->policy_scope, 2);
    cell_scaled(&c[7], r->has_actual, r->actual, 2);
    row(o, c);
}

static const char *const LEVEL_NAMES[APP_REPORT_LEVELS] = {"township", "level1", "level2", "level3",
                                                           "none"};

static void reimbursement_rows(struct out *o, const struct app_reports *r) {
    static const char *const names[] = {"by",
                                        "group",
                                        "settlements",
                                        "fund_pay",
                                        "inscp_scp_amt",
                                        "medfee_sumamt",
                                        "policy_scope_ratio",
                                        "actual_ratio"};
    static const int widths[] = {6, 10, 11, 16, 16, 16, 18, 12};
    assert(o != NULL && r != NULL);
    section(o, "ratios", 8, names, widths);
    ratio_row(o, "total", "all", &r->total);
    for (int i = 0; i < APP_REPORT_LEVELS; i++)
        ratio_row(o, "level", LEVEL_NAMES[i], &r->by_level[i]);
    ratio_row(o, "scheme", "310", &r->by_scheme[0]);
    ratio_row(o, "scheme", "390", &r->by_scheme[1]);
    for (int i = 0; i < CATEGORY_COUNT; i++)
        ratio_row(o, "group", category_name((enum category)i), &r->by_group[i]);
}

static int reimbursement_plot(const struct fund_report_args *a, const struct app_reports *r) {
    int64_t fund[APP_REPORT_LEVELS], medfee[APP_REPORT_LEVELS];
    char path[4096], title[160];
    assert(a != NULL && r != NULL);
    for (int i = 0; i < APP_REPORT_LEVELS; i++)
        fund[i] = r->by_level[i].fund_fen, medfee[i] = r->by_level[i].medfee_fen;
    snprintf(title, sizeof title, "Spending by institution level, %d-01..%02d (yuan)", (int)a->year,
             (int)a->month);
    snprintf(path, sizeof path, "%s/spending-by-level.svg", a->plot_dir);
    return svg_bar_chart(path, title, LEVEL_NAMES, fund, medfee, APP_REPORT_LEVELS, "fund payments",
                         "medical fees", 2);
}

/* ---- institutions ------------------------------------------------------------ */

static void institution_row(struct out *o, const struct app_institution_line *l) {
    struct cell c[11];
    char text[400];
    assert(o != NULL && l != NULL);
    cell_str(&c[0], l->code);
    cell_str(&c[1], l->region);
    cell_str(&c[2], LEVEL_NAMES[l->level]);
    cell_str(&c[3], pay_method_name(l->method));
    cell_int(&c[4], l->count);
    cell_money(&c[5], l->paid_fen);
    cell_money(&c[6], l->execution.projected_fen);
    for (int i = 7; i < 11; i++) c[i] = (struct cell){CELL_NULL, ""};
    if (l->has_budget) {
        cell_money(&c[7], l->terms.budget_fen);
        cell_money(&c[8], l->execution.limit_fen);
        cell_scaled(&c[9], l->execution.has_execution, l->execution.execution, 2);
        cell_money(&c[10], l->adjustment.adjustment_fen);
    }
    row(o, c);
    if (l->has_budget && l->execution.over) {
        snprintf(text, sizeof text,
                 "institution %s: projected %s yuan exceeds its budget %s by"
                 " more than its corridor (limit %s)",
                 l->code, c[6].text, c[7].text, c[8].text);
        warn(o, text);
    }
}

static void institutions_rows(struct out *o, const struct app_reports *r) {
    static const char *const names[] = {"institution", "region",    "level",     "method",
                                        "settlements", "paid",      "projected", "budget",
                                        "limit",       "execution", "adjustment"};
    static const int widths[] = {12, 8, 8, 15, 11, 16, 16, 16, 16, 9, 16};
    assert(o != NULL && r != NULL);
    section(o, "institutions", 11, names, widths);
    for (size_t i = 0; i < r->institution_count; i++) institution_row(o, &r->institutions[i]);
}

static int institutions_plot(const struct fund_report_args *a, const struct app_reports *r) {
    const char *labels[SVG_BARS_MAX];
    int64_t projected[SVG_BARS_MAX], budget[SVG_BARS_MAX];
    char path[4096], title[160];
    int32_t n = 0;
    assert(a != NULL && r != NULL);
    size_t budgets = 0;
    for (size_t i = 0; i < r->institution_count; i++) {
        const struct app_institution_line *l = &r->institutions[i];
        if (!l->has_budget || budgets++ >= SVG_BARS_MAX) continue;
        labels[n] = l->code;
        projected[n] = l->execution.projected_fen;
        budget[n++] = l->terms.budget_fen;
    }
    snprintf(title, sizeof title,
             "Budget execution per institution, %d (projected from %d months, yuan)%s",
             (int)a->year, (int)a->month, budgets > (size_t)n ? " (the first 64)" : "");
    snprintf(path, sizeof path, "%s/budget-execution.svg", a->plot_dir);
    return svg_bar_chart(path, title, labels, projected, budget, n, "projected year end", "budget",
                         2);
}

/* ---- participation ----------------------------------------------------------- */

static void participation_rows(struct out *o, const struct app_reports *r) {
    static const char *const names[] = {
        "region",       "month",        "registry_persons",  "enrolled",
        "enrolled_310", "enrolled_390", "participation_rate"};
    static const int widths[] = {8, 7, 16, 10, 12, 12, 18};
    struct cell c[7];
    char m_text[16];
    assert(o != NULL && r != NULL);
    section(o, "participation", 7, names, widths);
    cell_str(&c[0], r->opts.region != NULL ? r->opts.region : "all");
    month_text(r->opts.year, r->opts.month, m_text, sizeof m_text);
    cell_str(&c[1], m_text);
    cell_int(&c[2], r->registry_persons);
    cell_int(&c[3], r->enrolled);
    cell_int(&c[4], r->enrolled_scheme[0]);
    cell_int(&c[5], r->enrolled_scheme[1]);
    cell_scaled(&c[6], r->has_participation, r->participation, 2);
    row(o, c);
}

/* ---- the run ----------------------------------------------------------------- */

static int plot(const struct fund_report_args *a, const struct app_reports *r) {
    assert(a != NULL && r != NULL);
    if (a->plot_dir == NULL) return 0;
    if (mkdir(a->plot_dir, 0777) != 0 && errno != EEXIST)
        return fprintf(stderr, "yibao report %s: --plot '%s': %s\n", a->sub, a->plot_dir,
                       strerror(errno)),
               -1;
    if (strcmp(a->sub, "funds") == 0) return funds_plot(a, r);
    if (strcmp(a->sub, "reimbursement") == 0) return reimbursement_plot(a, r);
    if (strcmp(a->sub, "institutions") == 0) return institutions_plot(a, r);
    return 0; /* participation: one figure, no chart */
}

static void print_report(struct out *o, const struct app_reports *r) {
    const char *sub = o->a->sub;
    assert(o != NULL && r != NULL);
    if (strcmp(sub, "funds") == 0) funds_rows(o, r), funds_summary(o, r);
    else if (strcmp(sub, "institutions") == 0) institutions_rows(o, r);
    else if (strcmp(sub, "reimbursement") == 0) reimbursement_rows(o, r);
    else participation_rows(o, r);
}

static void json_head(struct out *o) {
    assert(o != NULL);
    json_buf_char(&o->json, '{');
    json_buf_key(&o->json, "report");
    json_buf_str(&o->json, o->a->sub);
    json_buf_char(&o->json, ',');
    json_buf_key(&o->json, "year");
    json_buf_int(&o->json, o->a->year);
    json_buf_char(&o->json, ',');
    json_buf_key(&o->json, "month");
    json_buf_int(&o->json, o->a->month);
    json_buf_char(&o->json, ',');
    json_buf_key(&o->json, "region");
    if (o->a->region == NULL) json_buf_raw(&o->json, "null", 4);
    else json_buf_str(&o->json, o->a->region);
}

static int json_tail(struct out *o) {
    assert(o != NULL);
    json_buf_raw(&o->json, "],", 2);
    json_buf_key(&o->json, "warnings");
    json_buf_char(&o->json, '[');
    for (int64_t i = 0; i < o->warnings && i < WARNINGS_MAX; i++) {
        if (i) json_buf_char(&o->json, ',');
        json_buf_str(&o->json, o->warning[i]);
    }
    json_buf_raw(&o->json, "]}\n", 3);
    if (o->json.failed) return fprintf(stderr, "yibao report: out of memory\n"), -1;
    return fwrite(o->json.data, 1, o->json.len, stdout) == o->json.len ? 0 : -1;
}

int report_fund_run(struct store *store, const struct fund_report_args *a) {
    assert(store != NULL && a != NULL && a->sub != NULL);
    bool inst = strcmp(a->sub, "institutions") == 0;
    bool part = strcmp(a->sub, "participation") == 0;
    bool ratios = strcmp(a->sub, "reimbursement") == 0;
    struct app_report_opts opts = {.year = a->year,
                                   .month = a->month,
                                   .region = a->region,
                                   .journal = !part,
                                   .books = strcmp(a->sub, "funds") == 0,
                                   .settlements = inst || ratios,
                                   .groups = ratios,
                                   .agreements = inst,
                                   .enrolment = part};
    struct app_reports *r = malloc(sizeof *r);
    struct out *o = calloc(1, sizeof *o);
    struct store_err err = {{0}};
    int rc = EXIT_BAD_INPUT;
    if (r == NULL || o == NULL) fprintf(stderr, "yibao report %s: out of memory\n", a->sub);
    else if (app_reports_build(store, &opts, r, &err) != 0)
        fprintf(stderr, "yibao report %s: %s\n", a->sub, err.msg);
    else {
        o->a = a;
        json_buf_init(&o->json);
        if (a->format == REPORT_JSON) json_head(o);
        print_report(o, r);
        rc = a->format == REPORT_JSON && json_tail(o) != 0 ? EXIT_BAD_INPUT : 0;
        if (rc == 0 && plot(a, r) != 0) rc = EXIT_BAD_INPUT;
        if (fflush(stdout) != 0) rc = EXIT_BAD_INPUT;
        if (rc == 0 && o->warnings > 0) rc = EXIT_REPORT_WARNING;
        json_buf_free(&o->json);
        app_reports_free(r);
    }
    free(r);
    free(o);
    return rc;
}
