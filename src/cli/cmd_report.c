/* cmd_report.c: `yibao report SUBCOMMAND --db D ...`: the bureau's reports
 * from the store, one subcommand each, found in a table (duplicates here;
 * the fund reports of issue 17 slot in as more rows). Every report reads
 * only; bad options name the option and exit 2.
 *
 *   yibao report duplicates --db D --year Y [--format table|jsonl]
 *     every ID number enrolled in two schemes or regions over overlapping
 *     months of Y, with the duplicate resident subsidy (app/dup_report.h;
 *     docs/ENROLMENT.md#duplicate-enrolment).
 *   yibao report trial-balance --db D [--format table|json]
 *     the ledger's accounts by the chart of accounts, debits and credits
 *     tied (app/trial_balance.h; docs/LEDGER.md).
 *   yibao report funds|institutions|reimbursement|participation --db D
 *       --year Y [--region R] [--month M] [--format table|csv|json]
 *       [--plot DIR] [--warn-months N]
 *     the fund reports (app/fund_reports.h, cli/report_funds.c;
 *     docs/REPORTS.md); exit 3 after early warnings.
 *   yibao report arrears --db D --year Y [--employers] [--format table|csv|json]
 *     the residents whose own premium of Y is posted as due and not paid,
 *     with the totals (app/premium.h; docs/CONTRIBUTIONS.md); --employers:
 *     each employer's, flexible worker's and finance's period charged,
 *     collected and owed (app/collect.h). */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/dup_report.h"
#include "app/collect.h"
#include "app/premium.h"
#include "app/trial_balance.h"
#include "cli/report_funds.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/report_dup.h"
#include "core/money.h"

/* A string literal into a JSON buffer. */
#define RAW(b, text) json_buf_raw((b), (text), strlen(text))
#define REPORT_WARN_MONTHS_MAX 1200 /* --warn-months: a century */

/* The options every report shares. */
struct report_args {
    const char *sub;
    const char *db, *year, *format, *region;
    const char *month, *plot, *warn_months;
    int32_t year_value;
    bool jsonl, json;
    bool employers;             /* arrears --employers: the collections' arrears */
    bool needs_year;            /* the subcommand's: --year required */
    const char *const *formats; /* the subcommand's --format values, the first the default */
    bool fund_options;          /* the subcommand's: --region, --month, --plot, --warn-months */
    struct fund_report_args fund;
};

static int bad_option(const struct report_args *a, const char *option, const char *value,
                      const char *why) {
    assert(a != NULL && option != NULL && why != NULL);
    fprintf(stderr, "yibao report %s: %s '%s': %s\n", a->sub, option, value ? value : "", why);
    return EXIT_BAD_INPUT;
}

/* A whole number in [lo, hi] (decimal digits only), or -1. */
static long bounded(const char *text, long lo, long hi) {
    assert(text != NULL && lo >= 0 && hi >= lo);
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || text[0] == '-' || text[0] == '+' || v < lo ||
        v > hi)
        return -1;
    return v;
}

/* The fund reports' --month, --region, --plot, --warn-months. */
static int parse_fund_options(struct report_args *a) {
    assert(a != NULL);
    a->fund.sub = a->sub;
    a->fund.year = a->year_value;
    a->fund.month = a->month != NULL ? (int32_t)bounded(a->month, 1, 12) : 12;
    if (a->fund.month < 0) return bad_option(a, "--month", a->month, "not a month (1..12)");
    a->fund.warn_months = a->warn_months != NULL
                              ? (int32_t)bounded(a->warn_months, 0, REPORT_WARN_MONTHS_MAX)
                              : 6;
    if (a->fund.warn_months < 0)
        return bad_option(a, "--warn-months", a->warn_months, "not a number of months (0..1200)");
    if (a->region != NULL && (a->region[0] == '\0' || strlen(a->region) > CODE_BYTES_MAX))
        return bad_option(a, "--region", a->region, "not a region code");
    if (a->plot != NULL && a->plot[0] == '\0') return bad_option(a, "--plot", "", "is empty");
    a->fund.region = a->region;
    a->fund.plot_dir = a->plot;
    return 0;
}

/* --db, --year (required), --format: 0, or the exit status after a message. */
static int parse_args(int argc, char **argv, struct report_args *a) {
    bool bad = false;
    assert(argc >= 2 && a != NULL);
    for (int i = 2; i < argc; i++) {
        if (cli_option(argc, argv, &i, "--db", &a->db, &bad) ||
            cli_option(argc, argv, &i, "--year", &a->year, &bad) ||
            cli_option(argc, argv, &i, "--format", &a->format, &bad))
            continue;
        if (strcmp(a->sub, "arrears") == 0 && strcmp(argv[i], "--employers") == 0) {
            a->employers = true;
            continue;
        }
        if (a->fund_options && (cli_option(argc, argv, &i, "--region", &a->region, &bad) ||
                                cli_option(argc, argv, &i, "--month", &a->month, &bad) ||
                                cli_option(argc, argv, &i, "--plot", &a->plot, &bad) ||
                                cli_option(argc, argv, &i, "--warn-months", &a->warn_months, &bad)))
            continue;
        return bad_option(a, "argument", argv[i],
                          a->fund_options ? "unknown (--db, --year, --region, --month, --format,"
                                            " --plot, --warn-months)"
                                          : "unknown (--db, --year, --format)");
    }
    if (bad) return EXIT_BAD_INPUT;
    if (a->db == NULL) return bad_option(a, "--db", "", "is required");
    if (a->year == NULL && a->needs_year) return bad_option(a, "--year", "", "is required");
    if (a->year != NULL && !a->needs_year)
        return bad_option(a, "--year", a->year, "this report is of the whole ledger, not a year");
    char cmd[32];
    snprintf(cmd, sizeof cmd, "report %s", a->sub);
    a->year_value = 0;
    if (a->year != NULL && !cli_year(cmd, "--year", a->year, &a->year_value)) return EXIT_BAD_INPUT;
    const char *format = a->format ? a->format : a->formats[0];
    size_t f = 0;
    while (a->formats[f] != NULL && strcmp(a->formats[f], format) != 0) f++;
    if (a->formats[f] == NULL)
        return bad_option(a, "--format", format,
                          a->fund_options ? "not table, csv or json"
                          : a->formats[1] != NULL && strcmp(a->formats[1], "json") == 0
                              ? "not table or json"
                              : "not table or jsonl");
    a->jsonl = strcmp(format, "jsonl") == 0;
    a->json = strcmp(format, "json") == 0;
    a->fund.format = a->json ? REPORT_JSON : strcmp(format, "csv") == 0 ? REPORT_CSV : REPORT_TABLE;
    return a->fund_options ? parse_fund_options(a) : 0;
}

/* ---- duplicates --------------------------------------------------------------- */

static void month_text(int32_t m, char out[8]) {
    assert(m >= 0);
    snprintf(out, 8, "%04d-%02d", (int)(m / 12 % 10000), (int)(m % 12 + 1));
}

/* Whether an enrolment of the case's two numbers overlaps the year. */
static bool in_case(const struct app_dup_case *c, const struct dup_enrol *e) {
    int32_t y0 = c->year * 12;
    assert(c != NULL && e != NULL);
    if (strcmp(e->psn_no, c->c.psn_no) != 0 && strcmp(e->psn_no, c->c.psn_no_dup) != 0)
        return false;
    return e->from_m <= y0 + 11 && (e->to_m < 0 || e->to_m >= y0);
}

/* "390@440900" for each of psn_no's enrolments in the year, joined by '+'. */
static void schemes_of(const struct app_dup_case *c, const char *psn_no, char *out, size_t size) {
    size_t len = 0;
    assert(c != NULL && psn_no != NULL && out != NULL && size > 0);
    out[0] = '\0';
    for (int i = 0; i < c->enrol_count && len + 1 < size; i++) {
        const struct dup_enrol *e = &c->enrol[i];
        if (strcmp(e->psn_no, psn_no) != 0 || !in_case(c, e)) continue;
        int n = snprintf(out + len, size - len, "%s%d@%s", len ? "+" : "", (int)e->insutype,
                         e->region);
        if (n < 0) break;
        len += (size_t)n < size - len ? (size_t)n : size - len - 1;
    }
}

/* The first and last month of the year enrolled twice. */
static void overlap_span(const struct app_dup_case *c, char from[8], char to[8]) {
    int first = -1, last = -1;
    assert(c != NULL && c->c.months != 0);
    for (int k = 0; k < DUP_MONTHS; k++)
        if (c->c.months & (1u << k)) {
            if (first < 0) first = k;
            last = k;
        }
    month_text(c->year * 12 + first, from);
    month_text(c->year * 12 + last, to);
}

static void json_periods(struct json_buf *b, const struct app_dup_case *c) {
    char m[8];
    bool first = true;
    assert(b != NULL && c != NULL);
    RAW(b, ",\"periods\":[");
    for (int i = 0; i < c->enrol_count; i++) {
        const struct dup_enrol *e = &c->enrol[i];
        if (!in_case(c, e)) continue;
        RAW(b, first ? "{" : ",{");
        first = false;
        json_buf_key(b, "psn_no");
        json_buf_str(b, e->psn_no);
        RAW(b, ",\"insutype\":");
        json_buf_str(b, e->insutype == 310 ? "310" : "390");
        RAW(b, ",\"admdvs\":");
        json_buf_str(b, e->region);
        month_text(e->from_m, m);
        RAW(b, ",\"from_month\":");
        json_buf_str(b, m);
        RAW(b, ",\"to_month\":");
        if (e->to_m < 0) RAW(b, "null");
        else month_text(e->to_m, m), json_buf_str(b, m);
        json_buf_char(b, '}');
    }
    json_buf_char(b, ']');
}

/* One case as a line in the shape of the generator's duplicate_enrolment
 * labels (report_dup.h: also the supervision scan's). */
void report_dup_json(struct json_buf *b, const struct app_dup_case *c) {
    char from[8], to[8], note[256], a[96], d[96];
    assert(b != NULL && c != NULL);
    overlap_span(c, from, to);
    schemes_of(c, c->c.psn_no, a, sizeof a);
    schemes_of(c, c->c.psn_no_dup, d, sizeof d);
    RAW(b, "{\"kind\":\"duplicate_enrolment\",\"msgid\":[],\"psn_no\":");
    json_buf_str(b, c->c.psn_no);
    RAW(b, ",\"psn_no_dup\":");
    json_buf_str(b, c->c.psn_no_dup);
    RAW(b, ",\"certno\":");
    json_buf_str(b, c->certno);
    RAW(b, ",\"year\":");
    json_buf_int(b, c->year);
    json_periods(b, c);
    RAW(b, ",\"months\":");
    json_buf_int(b, c->months);
    RAW(b, ",\"overlap\":{\"from\":");
    json_buf_str(b, from);
    RAW(b, ",\"to\":");
    json_buf_str(b, to);
    RAW(b, "},\"subsidy_months\":");
    json_buf_int(b, c->subsidy_months);
    RAW(b, ",\"subsidy\":");
    json_buf_fen(b, c->subsidy_fen);
    RAW(b, ",\"unpriced_region\":");
    if (c->unpriced_region == NULL) RAW(b, "null");
    else json_buf_str(b, c->unpriced_region);
    snprintf(note, sizeof note, "one certno enrolled twice: %s (%s) and %s (%s), %d months of %d",
             c->c.psn_no, a, c->c.psn_no_dup, d, c->months, (int)c->year);
    RAW(b, ",\"note\":");
    json_buf_str(b, note);
    RAW(b, "}\n");
}

static void table_case(FILE *out, const struct app_dup_case *c) {
    char from[8], to[8], a[96], d[96], both[200], span[24], subsidy[32];
    assert(out != NULL && c != NULL);
    overlap_span(c, from, to);
    schemes_of(c, c->c.psn_no, a, sizeof a);
    schemes_of(c, c->c.psn_no_dup, d, sizeof d);
    snprintf(both, sizeof both, "%s / %s", a, d);
    snprintf(span, sizeof span, "%s..%s", from, to);
    money_format(c->subsidy_fen, subsidy, sizeof subsidy);
    fprintf(out, "%-18s  %-16s  %-16s  %-26s  %6d  %-16s  %10s%s\n", c->certno, c->c.psn_no,
            c->c.psn_no_dup, both, c->months, span, subsidy,
            c->unpriced_region ? "  (unpriced)" : "");
}

struct dup_print {
    bool jsonl;
    struct json_buf buf;
};

static int print_case(void *ctx, const struct app_dup_case *c) {
    struct dup_print *p = ctx;
    assert(p != NULL && c != NULL);
    if (!p->jsonl) return table_case(stdout, c), 0;
    json_buf_reset(&p->buf);
    report_dup_json(&p->buf, c);
    if (p->buf.failed) return fprintf(stderr, "yibao report: out of memory\n"), -1;
    return fwrite(p->buf.data, 1, p->buf.len, stdout) == p->buf.len ? 0 : -1;
}

static int report_duplicates(struct store *store, const struct report_args *a) {
    struct dup_print p = {a->jsonl, {0}};
    struct app_dup_totals t;
    struct store_err err = {{0}};
    char subsidy[32];
    assert(store != NULL && a != NULL);
    json_buf_init(&p.buf);
    if (!a->jsonl)
        printf("%-18s  %-16s  %-16s  %-26s  %6s  %-16s  %10s\n", "certno", "psn_no", "psn_no_dup",
               "enrolments (scheme@region)", "months", "overlap", "subsidy");
    int rc = app_dup_report(store, a->year_value, print_case, &p, &t, &err);
    json_buf_free(&p.buf);
    if (rc != 0) return fprintf(stderr, "yibao report duplicates: %s\n", err.msg), EXIT_BAD_INPUT;
    money_format(t.subsidy_fen, subsidy, sizeof subsidy);
    if (!a->jsonl)
        printf("duplicates %d: %" PRId64 " cases, %" PRId64 " months, duplicate subsidy %s yuan"
               " (%" PRId64 " cases with months in a region without a %d resident policy:"
               " those months unpriced)\n",
               (int)a->year_value, t.cases, t.months, subsidy, t.unpriced, (int)a->year_value);
    return fflush(stdout) != 0 ? EXIT_BAD_INPUT : 0;
}

/* ---- trial-balance -------------------------------------------------------------- */

static void trial_line(struct json_buf *b, bool json, bool *first, const char *class_name,
                       const char *account, int64_t balance_fen) {
    char money[32];
    assert(b != NULL && class_name != NULL && account != NULL);
    if (!json) {
        money_format(balance_fen > 0 ? balance_fen : -balance_fen, money, sizeof money);
        printf("%-28s  %-40s  %16s  %16s\n", class_name, account, balance_fen > 0 ? money : "",
               balance_fen < 0 ? money : "");
        return;
    }
    RAW(b, *first ? "{\"class\":" : ",{\"class\":");
    *first = false;
    json_buf_str(b, class_name);
    RAW(b, ",\"account\":");
    json_buf_str(b, account);
    RAW(b, ",\"balance\":");
    json_buf_fen(b, balance_fen);
    json_buf_char(b, '}');
}

/* Each itemized account, then each other class as one line ("P:*"). */
static void trial_lines(struct json_buf *b, bool json, const struct trial_balance *tb) {
    bool first = true;
    for (size_t i = 0; i < tb->item_count; i++)
        trial_line(b, json, &first, account_class_name(account_class_of(tb->items[i].account)),
                   tb->items[i].account, tb->items[i].balance_fen);
    static const char *const keys[ACCT_CLASS_COUNT] = {"F:*",     "P:*",     "I:*",      "R:emp:*",
                                                       "R:psn:*", "R:fin:*", "S:open:*", "B:*",
                                                       "D:*",     "C:*",     "T:*",      "*"};
    for (int c = 0; c < ACCT_CLASS_COUNT; c++)
        if (!account_class_itemized((enum account_class)c))
            trial_line(b, json, &first, account_class_name((enum account_class)c), keys[c],
                       tb->class_fen[c]);
}

static int report_trial_balance(struct store *store, const struct report_args *a) {
    struct trial_balance tb;
    struct store_err err = {{0}};
    struct json_buf b;
    char debit[32], credit[32];
    assert(store != NULL && a != NULL);
    if (app_trial_balance(store, &tb, &err) != 0)
        return fprintf(stderr, "yibao report trial-balance: %s\n", err.msg), EXIT_BAD_INPUT;
    json_buf_init(&b);
    if (!a->json) printf("%-28s  %-40s  %16s  %16s\n", "class", "account", "debit", "credit");
    else RAW(&b, "{\"lines\":[");
    trial_lines(&b, a->json, &tb);
    money_format(tb.debit_fen, debit, sizeof debit);
    money_format(tb.credit_fen, credit, sizeof credit);
    if (!a->json) {
        printf("%-28s  %-40s  %16s  %16s\n", "total", "", debit, credit);
    } else {
        RAW(&b, "],\"debit\":");
        json_buf_fen(&b, tb.debit_fen);
        RAW(&b, ",\"credit\":");
        json_buf_fen(&b, tb.credit_fen);
        RAW(&b, ",\"pieces\":");
        json_buf_int(&b, tb.pieces);
        RAW(&b, "}\n");
    }
    int rc = b.failed || (a->json && fwrite(b.data, 1, b.len, stdout) != b.len) ? EXIT_BAD_INPUT
                                                                                : 0;
    json_buf_free(&b);
    trial_balance_free(&tb);
    return fflush(stdout) != 0 ? EXIT_BAD_INPUT : rc;
}

/* ---- arrears ---------------------------------------------------------------------- */
static void yuan(char out[32], int64_t fen) {
    assert(out != NULL && fen >= 0);
    snprintf(out, 32, "%" PRId64 ".%02" PRId64, fen / 100, fen % 100);
}

static bool arrears_json(const struct app_arrears *ar, int32_t year) {
    struct json_buf b;
    assert(ar != NULL);
    json_buf_init(&b);
    RAW(&b, "{\"year\":");
    json_buf_int(&b, year);
    RAW(&b, ",\"due_count\":");
    json_buf_int(&b, ar->due_count);
    RAW(&b, ",\"due\":");
    json_buf_fen(&b, ar->due_fen);
    RAW(&b, ",\"paid_count\":");
    json_buf_int(&b, ar->paid_count);
    RAW(&b, ",\"paid\":");
    json_buf_fen(&b, ar->paid_fen);
    RAW(&b, ",\"unpaid_count\":");
    json_buf_int(&b, (int64_t)ar->count);
    RAW(&b, ",\"unpaid\":");
    json_buf_fen(&b, ar->unpaid_fen);
    RAW(&b, ",\"arrears\":[");
    for (size_t i = 0; i < ar->count; i++) {
        const struct app_arrear *r = &ar->rows[i];
        RAW(&b, i ? ",{\"psn_no\":" : "{\"psn_no\":");
        json_buf_str(&b, r->psn_no);
        RAW(&b, ",\"region\":");
        json_buf_str(&b, r->region);
        RAW(&b, ",\"category\":");
        json_buf_str(&b, r->category);
        RAW(&b, ",\"own_premium\":");
        json_buf_fen(&b, r->own_fen);
        RAW(&b, ",\"due_seq\":");
        json_buf_int(&b, r->due_seq);
        json_buf_char(&b, '}');
    }
    RAW(&b, "]}\n");
    bool ok = !b.failed && fwrite(b.data, 1, b.len, stdout) == b.len;
    json_buf_free(&b);
    return ok;
}

static int report_collect_arrears(struct store *store, const struct report_args *a);

/* The residents whose own premium of the year is posted as due and not
 * paid (app/premium.h), with the year's totals; with --employers the
 * collections' arrears. */
static int report_arrears(struct store *store, const struct report_args *a) {
    struct app_arrears ar;
    struct store_err err = {{0}};
    char v1[32], v2[32], v3[32];
    assert(store != NULL && a != NULL);
    if (a->employers) return report_collect_arrears(store, a);
    if (app_arrears_of(store, a->year_value, &ar, &err) != 0)
        return fprintf(stderr, "yibao report arrears: %s\n", err.msg), EXIT_BAD_INPUT;
    bool ok = true;
    if (a->fund.format == REPORT_JSON) ok = arrears_json(&ar, a->year_value);
    else if (a->fund.format == REPORT_CSV) printf("psn_no,region,category,own_premium,due_seq\n");
    else {
        yuan(v1, ar.unpaid_fen), yuan(v2, ar.due_fen), yuan(v3, ar.paid_fen);
        printf("arrears %d: %zu residents owe %s yuan (own premiums due: %" PRId64
               " residents, %s yuan; paid: %" PRId64 ", %s yuan)\n",
               (int)a->year_value, ar.count, v1, ar.due_count, v2, ar.paid_count, v3);
        printf("%-20s  %-8s  %-10s  %14s  %10s\n", "psn_no", "region", "category", "own_premium",
               "due_seq");
    }
    for (size_t i = 0; i < ar.count && a->fund.format != REPORT_JSON; i++) {
        const struct app_arrear *r = &ar.rows[i];
        yuan(v1, r->own_fen);
        if (a->fund.format == REPORT_CSV)
            printf("%s,%s,%s,%s,%" PRId64 "\n", r->psn_no, r->region, r->category, v1, r->due_seq);
        else
            printf("%-20s  %-8s  %-10s  %14s  %10" PRId64 "\n", r->psn_no, r->region, r->category,
                   v1, r->due_seq);
    }
    if (a->fund.format == REPORT_CSV) yuan(v1, ar.unpaid_fen), printf("total,,,%s,\n", v1);
    app_arrears_free(&ar);
    if (fflush(stdout) != 0 || !ok)
        return fprintf(stderr, "yibao report arrears: writing the report failed\n"), EXIT_BAD_INPUT;
    return 0;
}

/* ---- arrears --employers: the collections' arrears -------------------------------- */
static void period_text(const struct app_collect_line *l, char out[16]) {
    assert(l != NULL && out != NULL);
    if (l->month) snprintf(out, 16, "%04d-%02d", (int)l->year, (int)l->month);
    else snprintf(out, 16, "%04d", (int)l->year);
}

static bool collect_json(const struct app_collect_report *r, int32_t year) {
    struct json_buf b;
    char period[16];
    assert(r != NULL);
    json_buf_init(&b);
    RAW(&b, "{\"year\":");
    json_buf_int(&b, year);
    RAW(&b, ",\"charged\":");
    json_buf_fen(&b, r->charged_fen);
    RAW(&b, ",\"paid\":");
    json_buf_fen(&b, r->paid_fen);
    RAW(&b, ",\"owed\":");
    json_buf_fen(&b, r->owed_fen);
    RAW(&b, ",\"owing_count\":");
    json_buf_int(&b, r->owing);
    RAW(&b, ",\"lines\":[");
    for (size_t i = 0; i < r->count; i++) {
        const struct app_collect_line *l = &r->lines[i];
        period_text(l, period);
        RAW(&b, i ? ",{\"payer\":" : "{\"payer\":");
        json_buf_str(&b, app_collect_payer_name(l->payer));
        RAW(&b, ",\"who\":");
        json_buf_str(&b, l->who);
        RAW(&b, ",\"region\":");
        json_buf_str(&b, l->region);
        RAW(&b, ",\"period\":");
        json_buf_str(&b, period);
        RAW(&b, ",\"charged\":");
        json_buf_fen(&b, l->charged_fen);
        RAW(&b, ",\"paid\":");
        json_buf_fen(&b, l->paid_fen);
        RAW(&b, ",\"owed\":");
        json_buf_fen(&b, l->charged_fen - l->paid_fen);
        json_buf_char(&b, '}');
    }
    RAW(&b, "]}\n");
    bool ok = !b.failed && fwrite(b.data, 1, b.len, stdout) == b.len;
    json_buf_free(&b);
    return ok;
}

/* Each employer's and flexible worker's month of the year and finance's
 * subsidy: charged, collected, owed (app/collect.h), with the totals. */
static int report_collect_arrears(struct store *store, const struct report_args *a) {
    struct app_collect_report r;
    struct store_err err = {{0}};
    char v1[32], v2[32], v3[32], period[16];
    assert(store != NULL && a != NULL);
    if (app_collect_report_of(store, a->year_value, &r, &err) != 0)
        return fprintf(stderr, "yibao report arrears: %s\n", err.msg), EXIT_BAD_INPUT;
    bool ok = true;
    yuan(v1, r.owed_fen), yuan(v2, r.charged_fen), yuan(v3, r.paid_fen);
    if (a->fund.format == REPORT_JSON) ok = collect_json(&r, a->year_value);
    else if (a->fund.format == REPORT_CSV) printf("payer,who,region,period,charged,paid,owed\n");
    else {
        printf("arrears %d (employers, flexible workers, finance): %" PRId64
               " periods owe %s yuan (charged %s yuan, collected %s yuan)\n",
               (int)a->year_value, r.owing, v1, v2, v3);
        printf("%-8s  %-20s  %-8s  %-7s  %14s  %14s  %14s\n", "payer", "who", "region", "period",
               "charged", "paid", "owed");
    }
    for (size_t i = 0; i < r.count && a->fund.format != REPORT_JSON; i++) {
        const struct app_collect_line *l = &r.lines[i];
        char c[32], p[32], o[32];
        period_text(l, period);
        yuan(c, l->charged_fen), yuan(p, l->paid_fen), yuan(o, l->charged_fen - l->paid_fen);
        if (a->fund.format == REPORT_CSV)
            printf("%s,%s,%s,%s,%s,%s,%s\n", app_collect_payer_name(l->payer), l->who, l->region,
                   period, c, p, o);
        else
            printf("%-8s  %-20s  %-8s  %-7s  %14s  %14s  %14s\n", app_collect_payer_name(l->payer),
                   l->who, l->region, period, c, p, o);
    }
    if (a->fund.format == REPORT_CSV) printf("total,,,,%s,%s,%s\n", v2, v3, v1);
    app_collect_report_free(&r);
    if (fflush(stdout) != 0 || !ok)
        return fprintf(stderr, "yibao report arrears: writing the report failed\n"), EXIT_BAD_INPUT;
    return 0;
}

/* ---- the subcommands ------------------------------------------------------------ */

struct report_sub {
    const char *name;
    int (*run)(struct store *store, const struct report_args *a);
    bool needs_year;
    const char *const *formats;
    bool fund_options;
};

static int report_fund(struct store *store, const struct report_args *a) {
    assert(store != NULL && a != NULL && a->fund_options);
    return report_fund_run(store, &a->fund);
}

static const char *const TABLE_JSONL[] = {"table", "jsonl", NULL};
static const char *const TABLE_JSON[] = {"table", "json", NULL};
static const char *const TABLE_CSV_JSON[] = {"table", "csv", "json", NULL};
static const struct report_sub subs[] = {
    {"duplicates", report_duplicates, true, TABLE_JSONL, false},
    {"trial-balance", report_trial_balance, false, TABLE_JSON, false},
    {"funds", report_fund, true, TABLE_CSV_JSON, true},
    {"institutions", report_fund, true, TABLE_CSV_JSON, true},
    {"reimbursement", report_fund, true, TABLE_CSV_JSON, true},
    {"participation", report_fund, true, TABLE_CSV_JSON, true},
    {"arrears", report_arrears, true, TABLE_CSV_JSON, false},
};

int cmd_report(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        cli_usage("report", argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_BAD_INPUT : 0;
    }
    const struct report_sub *sub = NULL;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(argv[1], subs[i].name) == 0) sub = &subs[i];
    if (sub == NULL) {
        fprintf(stderr,
                "yibao report: unknown report '%s' (duplicates, trial-balance, funds,"
                " institutions, reimbursement, participation, arrears)\n",
                argv[1]);
        cli_usage("report", stderr);
        return EXIT_BAD_INPUT;
    }
    struct report_args a;
    memset(&a, 0, sizeof a);
    a.sub = sub->name;
    a.needs_year = sub->needs_year;
    a.formats = sub->formats;
    a.fund_options = sub->fund_options;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0) return rc;
    struct store *store = NULL;
    struct store_err err = {{0}};
    if (store_open_as(a.db, STORE_MODE_READ_ONLY, &store, &err) != 0)
        return bad_option(&a, "--db", a.db, err.msg);
    rc = sub->run(store, &a);
    store_close(store);
    return rc;
}
