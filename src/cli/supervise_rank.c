/* supervise_rank.c: `yibao supervise rank`: the institution indicators and
 * the risk ranking of institutions or persons (app/risk.h, core/risk.h;
 * docs/SUPERVISION.md "Indicators and the risk ranking").
 *
 *   yibao supervise rank --db D --year Y [--from DATE --to DATE] [--catalog FILE]
 *                        [--of institutions|persons] [--top N] [--format table|csv|json]
 *
 * Each row lists its indicators, its peers' medians and every term of its
 * score with the points it earned, so the ranking explains itself. Reads
 * only. Bad options exit 2 naming the option. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/risk.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/supervise_rank.h"
#include "codec/codec.h"
#include "core/money.h"

#define RAW(b, text) json_buf_raw((b), (text), strlen(text))
#define RANK_TOP_MAX 100000000

static const char *const MED_KEYS[RISK_MED_TYPES] = {"11", "14", "21", "41"};

struct rank_args {
    const char *db, *year, *from, *to, *catalog, *of, *top, *format;
    bool persons;
    int64_t top_n; /* 0: all */
    struct scan_opts opts;
};

static int bad(const char *option, const char *value, const char *why) {
    assert(option != NULL && why != NULL);
    fprintf(stderr, "yibao supervise rank: %s '%s': %s\n", option, value ? value : "", why);
    return EXIT_BAD_INPUT;
}

static int check_args(struct rank_args *a) {
    assert(a != NULL);
    if (a->db == NULL) return bad("--db", "", "is required");
    if (a->year == NULL) return bad("--year", "", "is required");
    if (a->of != NULL && strcmp(a->of, "institutions") != 0 && strcmp(a->of, "persons") != 0)
        return bad("--of", a->of, "not institutions or persons");
    a->persons = a->of != NULL && strcmp(a->of, "persons") == 0;
    if (a->format == NULL) a->format = "table";
    if (strcmp(a->format, "table") != 0 && strcmp(a->format, "csv") != 0 &&
        strcmp(a->format, "json") != 0)
        return bad("--format", a->format, "not table, csv or json");
    if (a->top != NULL) {
        char *end = NULL;
        errno = 0;
        long long n = strtoll(a->top, &end, 10);
        if (errno != 0 || end == a->top || *end != '\0' || n < 1 || n > RANK_TOP_MAX)
            return bad("--top", a->top, "not a whole number from 1 to 100000000");
        a->top_n = (int64_t)n;
    }
    return supervise_period("supervise rank", a->year, a->from, a->to, &a->opts);
}

static int parse_args(int argc, char **argv, struct rank_args *a) {
    bool wrong = false;
    assert(argc >= 2 && a != NULL);
    for (int i = 2; i < argc; i++) {
        if (cli_option(argc, argv, &i, "--db", &a->db, &wrong) ||
            cli_option(argc, argv, &i, "--year", &a->year, &wrong) ||
            cli_option(argc, argv, &i, "--from", &a->from, &wrong) ||
            cli_option(argc, argv, &i, "--to", &a->to, &wrong) ||
            cli_option(argc, argv, &i, "--catalog", &a->catalog, &wrong) ||
            cli_option(argc, argv, &i, "--of", &a->of, &wrong) ||
            cli_option(argc, argv, &i, "--top", &a->top, &wrong) ||
            cli_option(argc, argv, &i, "--format", &a->format, &wrong))
            continue;
        return bad("argument", argv[i],
                   "unknown (--db, --year, --from, --to, --catalog, --of, --top, --format)");
    }
    return wrong ? EXIT_BAD_INPUT : check_args(a);
}

static const char *type_name(enum institution_type t) {
    return t == INSTITUTION_HOSPITAL ? "hospital" : t == INSTITUTION_PHARMACY ? "pharmacy" : "";
}

static void key_int(struct json_buf *b, const char *key, int64_t v) {
    assert(b != NULL && key != NULL);
    json_buf_key(b, key);
    json_buf_int(b, v);
}

static void key_fen(struct json_buf *b, const char *key, int64_t v) {
    assert(b != NULL && key != NULL);
    json_buf_key(b, key);
    json_buf_fen(b, v);
}

/* {"11":...,"21":...}: per med_type, for the med_types with cases (or,
 * cases NULL, a figure): the figure in yuan, per case, or the count. */
enum per_med_mode { PER_MED_FEN, PER_MED_PER_CASE, PER_MED_COUNT };
static void per_med(struct json_buf *b, const char *key, const int64_t *v, const int64_t *cases,
                    enum per_med_mode mode) {
    bool first = true;
    assert(b != NULL && key != NULL && v != NULL);
    json_buf_key(b, key);
    json_buf_char(b, '{');
    for (int m = 0; m < RISK_MED_TYPES; m++) {
        if (cases != NULL ? cases[m] <= 0 : v[m] <= 0) continue;
        if (!first) json_buf_char(b, ',');
        first = false;
        if (mode == PER_MED_COUNT) key_int(b, MED_KEYS[m], v[m]);
        else key_fen(b, MED_KEYS[m], mode == PER_MED_PER_CASE ? v[m] / cases[m] : v[m]);
    }
    json_buf_char(b, '}');
}

static void terms_json(struct json_buf *b, const struct risk_term_value *t, int n, bool persons) {
    assert(b != NULL && t != NULL);
    RAW(b, ",\"contributions\":[");
    for (int i = 0; i < n; i++) {
        if (i > 0) json_buf_char(b, ',');
        RAW(b, "{\"term\":");
        json_buf_str(b, persons ? risk_person_term_name((enum risk_person_term)i)
                                : risk_term_name((enum risk_term)i));
        RAW(b, ",");
        key_int(b, "value", t[i].value);
        RAW(b, ",");
        key_int(b, "peer", t[i].peer);
        if (!persons) RAW(b, ","), key_int(b, "weight", risk_term_weight((enum risk_term)i));
        RAW(b, ",");
        key_int(b, "points", t[i].points);
        RAW(b, t[i].counted ? ",\"counted\":true}" : ",\"counted\":false}");
    }
    json_buf_char(b, ']');
}

static void inst_indicators(struct json_buf *b, const struct risk_inst_row *r) {
    const struct risk_inst *in = &r->ind;
    assert(b != NULL && r != NULL);
    RAW(b, ",\"indicators\":{");
    key_int(b, "cases", in->cases);
    RAW(b, ","), key_fen(b, "cost", in->cost_fen);
    RAW(b, ","), key_fen(b, "fund_paid", in->fund_paid_fen);
    RAW(b, ","), per_med(b, "cases_by_med_type", in->cases_mt, NULL, PER_MED_COUNT);
    RAW(b, ","), per_med(b, "cost_per_case", in->cost_mt_fen, in->cases_mt, PER_MED_PER_CASE);
    RAW(b, ","), key_int(b, "cost_index_bp", r->score.terms[RISK_T_COST_INDEX].value);
    RAW(b, ","), key_int(b, "stays", in->stays);
    RAW(b, ","), key_int(b, "readmissions", in->readmissions);
    RAW(b, ","), key_int(b, "readmission_bp", r->score.terms[RISK_T_READMISSION].value);
    RAW(b, ","), key_fen(b, "class_c", in->class_c_fen);
    RAW(b, ","), key_int(b, "class_c_bp", r->score.terms[RISK_T_CLASS_C].value);
    RAW(b, ","), key_fen(b, "pharmacy", in->pharmacy_fen);
    RAW(b, ","), key_fen(b, "non_medical", in->non_medical_fen);
    RAW(b, ","), key_int(b, "non_medical_bp", r->score.terms[RISK_T_NON_MEDICAL].value);
    RAW(b, ","), key_int(b, "flagged_bills", in->flagged_bills);
    RAW(b, ","), key_int(b, "flagged_bp", r->score.terms[RISK_T_FLAGGED_SHARE].value);
    RAW(b, ","), key_int(b, "findings", in->findings);
    RAW(b, ","), key_fen(b, "at_stake", in->at_stake_fen);
    json_buf_char(b, '}');
}

static void inst_json(struct json_buf *b, const struct risk_inst_row *r, size_t rank) {
    assert(b != NULL && r != NULL);
    RAW(b, "{");
    key_int(b, "rank", (int64_t)rank);
    RAW(b, ",\"fixmedins_code\":"), json_buf_str(b, r->code);
    RAW(b, ",\"name\":"), json_buf_str(b, r->name);
    RAW(b, ",\"type\":"), json_buf_str(b, type_name(r->type));
    RAW(b, ",\"level\":"), json_buf_str(b, level_name(r->level));
    RAW(b, ","), key_int(b, "score", r->score.points);
    inst_indicators(b, r);
    RAW(b, ",\"peers\":{\"from\":");
    json_buf_str(b, r->peers_adjacent ? "adjacent_levels" : "level");
    RAW(b, ",");
    per_med(b, "cost_per_case", r->peer.cost_per_case_fen, NULL, PER_MED_FEN);
    RAW(b, ","), key_int(b, "readmission_bp", r->peer.readmission_bp);
    RAW(b, ","), key_int(b, "class_c_bp", r->peer.class_c_bp);
    RAW(b, ","), key_int(b, "non_medical_bp", r->peer.non_medical_bp);
    RAW(b, ","), key_int(b, "flagged_bp", r->peer.flagged_share_bp);
    json_buf_char(b, '}');
    terms_json(b, r->score.terms, RISK_TERM_COUNT, false);
    json_buf_char(b, '}');
}

static void person_json(struct json_buf *b, const struct risk_person_row *r, size_t rank) {
    const struct risk_person *p = &r->ind;
    assert(b != NULL && r != NULL);
    RAW(b, "{");
    key_int(b, "rank", (int64_t)rank);
    RAW(b, ",\"psn_no\":"), json_buf_str(b, r->psn_no);
    RAW(b, ","), key_int(b, "score", r->score.points);
    RAW(b, ",\"indicators\":{"), key_int(b, "bills", p->bills);
    RAW(b, ","), key_int(b, "findings", p->findings);
    RAW(b, ","), key_fen(b, "at_stake", p->at_stake_fen);
    RAW(b, ","), key_int(b, "stay_visits", p->stay_visits);
    RAW(b, ","), key_int(b, "pharmacies", p->pharmacies);
    json_buf_char(b, '}');
    terms_json(b, r->score.terms, RISK_P_TERM_COUNT, true);
    json_buf_char(b, '}');
}

static size_t shown(const struct rank_args *a, size_t n) {
    assert(a != NULL);
    return a->top_n > 0 && (size_t)a->top_n < n ? (size_t)a->top_n : n;
}

static void write_json(struct json_buf *b, const struct rank_args *a, const struct risk_result *r) {
    assert(b != NULL && a != NULL && r != NULL);
    RAW(b, "{");
    key_int(b, "year", a->opts.year);
    RAW(b, ",\"of\":"), json_buf_str(b, a->persons ? "persons" : "institutions");
    RAW(b, ","), key_int(b, "settlements", r->totals.settlements);
    RAW(b, ","), key_int(b, "ranked", (int64_t)(a->persons ? r->person_count : r->inst_count));
    RAW(b, ",\"weights\":{");
    for (int t = 0; t < RISK_TERM_COUNT; t++) {
        if (t > 0) json_buf_char(b, ',');
        key_int(b, risk_term_name((enum risk_term)t), risk_term_weight((enum risk_term)t));
    }
    RAW(b, ","), key_int(b, "cases_min", RISK_CASES_MIN);
    RAW(b, "},\"ranking\":[");
    size_t n = shown(a, a->persons ? r->person_count : r->inst_count);
    for (size_t i = 0; i < n; i++) {
        RAW(b, i > 0 ? ",\n" : "\n");
        if (a->persons) person_json(b, &r->persons[i], i + 1);
        else inst_json(b, &r->inst[i], i + 1);
    }
    RAW(b, "]}\n");
}

/* ---- csv and table ------------------------------------------------------------ */
static void write_csv(FILE *out, const struct rank_args *a, const struct risk_result *r) {
    assert(out != NULL && a != NULL && r != NULL);
    if (a->persons) {
        fprintf(out, "rank,psn_no,score,bills,findings,at_stake,stay_visits,pharmacies\n");
        for (size_t i = 0; i < shown(a, r->person_count); i++) {
            const struct risk_person_row *p = &r->persons[i];
            char stake[32];
            money_format(p->ind.at_stake_fen, stake, sizeof stake);
            fprintf(out, "%zu,%s,%" PRId64 ",%" PRId64 ",%" PRId64 ",%s,%" PRId64 ",%" PRId64 "\n",
                    i + 1, p->psn_no, p->score.points, p->ind.bills, p->ind.findings, stake,
                    p->ind.stay_visits, p->ind.pharmacies);
        }
        return;
    }
    fprintf(out, "rank,fixmedins_code,type,level,score,cases,cost,fund_paid");
    for (int t = 0; t < RISK_TERM_COUNT; t++)
        fprintf(out, ",%s,%s_points", risk_term_name((enum risk_term)t),
                risk_term_name((enum risk_term)t));
    fputc('\n', out);
    for (size_t i = 0; i < shown(a, r->inst_count); i++) {
        const struct risk_inst_row *x = &r->inst[i];
        char cost[32], paid[32];
        money_format(x->ind.cost_fen, cost, sizeof cost);
        money_format(x->ind.fund_paid_fen, paid, sizeof paid);
        fprintf(out, "%zu,%s,%s,%s,%" PRId64 ",%" PRId64 ",%s,%s", i + 1, x->code,
                type_name(x->type), level_name(x->level), x->score.points, x->ind.cases, cost,
                paid);
        for (int t = 0; t < RISK_TERM_COUNT; t++)
            fprintf(out, ",%" PRId64 ",%" PRId64, x->score.terms[t].value,
                    x->score.terms[t].points);
        fputc('\n', out);
    }
}

/* "flagged_bills 1200, cost_index 35": the terms that earned points */
static void reasons(const struct risk_term_value *t, int n, bool persons, char *text, size_t size) {
    size_t len = 0;
    assert(t != NULL && text != NULL && size > 0);
    text[0] = '\0';
    for (int i = 0; i < n && len < size; i++) {
        if (t[i].points <= 0) continue;
        int w = snprintf(text + len, size - len, "%s%s %" PRId64, len > 0 ? ", " : "",
                         persons ? risk_person_term_name((enum risk_person_term)i)
                                 : risk_term_name((enum risk_term)i),
                         t[i].points);
        len = w < 0 ? size : len + (size_t)w;
    }
}

static void write_table(FILE *out, const struct rank_args *a, const struct risk_result *r) {
    char why[256];
    assert(out != NULL && a != NULL && r != NULL);
    if (a->persons) {
        fprintf(out, "%5s  %-20s %7s %6s %9s  %s\n", "rank", "psn_no", "score", "bills", "findings",
                "why");
        for (size_t i = 0; i < shown(a, r->person_count); i++) {
            const struct risk_person_row *p = &r->persons[i];
            reasons(p->score.terms, RISK_P_TERM_COUNT, true, why, sizeof why);
            fprintf(out, "%5zu  %-20s %7" PRId64 " %6" PRId64 " %9" PRId64 "  %s\n", i + 1,
                    p->psn_no, p->score.points, p->ind.bills, p->ind.findings, why);
        }
        return;
    }
    fprintf(out, "%5s  %-12s %-8s %-8s %7s %6s %8s %8s %9s %7s  %s\n", "rank", "code", "type",
            "level", "score", "cases", "cost_bp", "readm_bp", "classC_bp", "flagged", "why");
    for (size_t i = 0; i < shown(a, r->inst_count); i++) {
        const struct risk_inst_row *x = &r->inst[i];
        const struct risk_term_value *t = x->score.terms;
        reasons(t, RISK_TERM_COUNT, false, why, sizeof why);
        fprintf(out,
                "%5zu  %-12s %-8s %-8s %7" PRId64 " %6" PRId64 " %8" PRId64 " %8" PRId64
                " %9" PRId64 " %7" PRId64 "  %s\n",
                i + 1, x->code, type_name(x->type), level_name(x->level), x->score.points,
                x->ind.cases, t[RISK_T_COST_INDEX].value, t[RISK_T_READMISSION].value,
                t[RISK_T_CLASS_C].value, x->ind.flagged_bills, why);
    }
}

int supervise_rank(int argc, char **argv) {
    struct rank_args a;
    struct supervise_owned owned;
    memset(&a, 0, sizeof a);
    int rc = parse_args(argc, argv, &a);
    if (rc != 0) return rc;
    if ((rc = supervise_restricts("supervise rank", a.catalog, &a.opts, &owned)) != 0)
        return supervise_owned_free(&owned), rc;
    struct store *store = NULL;
    struct store_err err = {{0}};
    if (store_open_as(a.db, STORE_MODE_READ_ONLY, &store, &err) != 0)
        return supervise_owned_free(&owned), bad("--db", a.db, err.msg);
    struct risk_result r;
    rc = app_risk(store, &a.opts, &r, &err);
    store_close(store);
    supervise_owned_free(&owned);
    if (rc != 0) return fprintf(stderr, "yibao supervise rank: %s\n", err.msg), EXIT_BAD_INPUT;
    if (strcmp(a.format, "json") == 0) {
        struct json_buf b;
        json_buf_init(&b);
        write_json(&b, &a, &r);
        rc = b.failed || fwrite(b.data, 1, b.len, stdout) != b.len ? -1 : 0;
        json_buf_free(&b);
    } else if (strcmp(a.format, "csv") == 0) {
        write_csv(stdout, &a, &r);
    } else {
        write_table(stdout, &a, &r);
    }
    risk_result_free(&r);
    if (rc != 0 || fflush(stdout) != 0)
        return fprintf(stderr, "yibao supervise rank: write failed\n"), EXIT_BAD_INPUT;
    return 0;
}
