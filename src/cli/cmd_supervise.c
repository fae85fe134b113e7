/* cmd_supervise.c: `yibao supervise SUBCOMMAND ...`: fund supervision
 * (issue 18), one subcommand each, found in a table (scan here; rules,
 * cases slot in as more rows). Bad options name the option and exit 2.
 *
 *   yibao supervise scan --db D --year Y [--from DATE --to DATE]
 *                        [--catalog FILE] --out FINDINGS.jsonl
 *     the scans after settlement (app/scan.h; docs/SUPERVISION.md): each
 *     finding one JSON line in the shape of the generator's labels
 *     (docs/DATA_FORMATS.md#dirlabelsjsonl) plus rule, score, evidence;
 *     the duplicate enrolments from `yibao report duplicates`. Reads only.
 *
 *   yibao supervise warns --db D [--year Y] --out WARNS.jsonl
 *     the standing settlements that rules flagged with warns (docs/RULES.md),
 *     one JSON line a warn: setl_id, year, msgid, psn_no, fixmedins_code,
 *     rule, line. Reads only.
 *
 *   yibao supervise rank --db D --year Y [--from DATE --to DATE] [--catalog FILE]
 *                        [--of institutions|persons] [--top N] [--format table|csv|json]
 *     the institution indicators and the risk ranking (supervise_rank.c). */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/dup_report.h"
#include "app/rule_warns.h"
#include "app/scan.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/report_dup.h"
#include "cli/supervise_rank.h"
#include "codec/codec.h"

#define RAW(b, text) json_buf_raw((b), (text), strlen(text))

struct scan_args {
    const char *db, *year, *from, *to, *catalog, *out;
    struct scan_opts opts;
};

static int bad_for(const char *cmd, const char *option, const char *value, const char *why) {
    assert(cmd != NULL && option != NULL && why != NULL);
    fprintf(stderr, "yibao %s: %s '%s': %s\n", cmd, option, value ? value : "", why);
    return EXIT_BAD_INPUT;
}

static int bad_option(const char *option, const char *value, const char *why) {
    return bad_for("supervise scan", option, value, why);
}

static int parse_date(const char *cmd, const char *option, const char *text, datetime_s *out) {
    assert(option != NULL && out != NULL);
    if (text == NULL) return 0;
    if (strlen(text) != 10 || !datetime_parse(text, 10, out))
        return bad_for(cmd, option, text, "not a date (YYYY-MM-DD)");
    return 0;
}

int supervise_period(const char *cmd, const char *year, const char *from, const char *to,
                     struct scan_opts *opts) {
    assert(cmd != NULL && year != NULL && opts != NULL);
    if (!cli_year(cmd, "--year", year, &opts->year)) return EXIT_BAD_INPUT;
    if (parse_date(cmd, "--from", from, &opts->from) != 0 ||
        parse_date(cmd, "--to", to, &opts->to) != 0)
        return EXIT_BAD_INPUT;
    if (opts->from > 0 && datetime_year(opts->from) != opts->year)
        return bad_for(cmd, "--from", from, "not in --year");
    if (opts->to > 0 && datetime_year(opts->to) != opts->year)
        return bad_for(cmd, "--to", to, "not in --year");
    if (opts->from > 0 && opts->to > 0 && opts->to < opts->from)
        return bad_for(cmd, "--to", to, "before --from");
    return 0;
}

static int check_args(struct scan_args *a) {
    assert(a != NULL);
    if (a->db == NULL) return bad_option("--db", "", "is required");
    if (a->year == NULL) return bad_option("--year", "", "is required");
    if (a->out == NULL) return bad_option("--out", "", "is required");
    return supervise_period("supervise scan", a->year, a->from, a->to, &a->opts);
}

static int parse_args(int argc, char **argv, struct scan_args *a) {
    bool bad = false;
    assert(argc >= 2 && a != NULL);
    for (int i = 2; i < argc; i++) {
        if (cli_option(argc, argv, &i, "--db", &a->db, &bad) ||
            cli_option(argc, argv, &i, "--year", &a->year, &bad) ||
            cli_option(argc, argv, &i, "--from", &a->from, &bad) ||
            cli_option(argc, argv, &i, "--to", &a->to, &bad) ||
            cli_option(argc, argv, &i, "--catalog", &a->catalog, &bad) ||
            cli_option(argc, argv, &i, "--out", &a->out, &bad))
            continue;
        return bad_option("argument", argv[i],
                          "unknown (--db, --year, --from, --to, --catalog, --out)");
    }
    return bad ? EXIT_BAD_INPUT : check_args(a);
}

/* ---- the catalog file's restrictions ---------------------------------------------- */
struct restricts {
    struct scan_restrict *r;
    size_t n, cap;
    struct catalog *more;
};

/* Gender and ages into the scan's array; an item restricted otherwise too
 * (levels, settings, ...: schema version 21) into the catalog of those. */
static int add_restrict(void *ctx, const struct catalog_item *it) {
    struct restricts *rs = ctx;
    assert(rs != NULL && it != NULL);
    if (it->restrict_levels != 0 || it->restrict_settings != 0 || it->restrict_day_scaled > 0 ||
        it->restrict_bill_scaled > 0 || it->restrict_diagnoses != NULL ||
        it->restrict_exclusive != NULL) {
        struct catalog_item copy = *it; /* the restrictions only: a class for the table */
        copy.item_class = CLASS_C;
        if (catalog_add(rs->more, &copy) != 0) return -1;
    }
    if (it->restrict_gender == 0 && it->restrict_age_max < 0) return 0;
    if (rs->n == SCAN_RESTRICT_MAX) return -1;
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 256;
        struct scan_restrict *r = realloc(rs->r, cap * sizeof *r);
        if (r == NULL) return -1;
        rs->r = r, rs->cap = cap;
    }
    struct scan_restrict *r = &rs->r[rs->n++];
    snprintf(r->code, sizeof r->code, "%s", it->code);
    r->gender = it->restrict_gender, r->age_min = it->restrict_age_min,
    r->age_max = it->restrict_age_max;
    return 0;
}

void supervise_owned_free(struct supervise_owned *owned) {
    assert(owned != NULL);
    free(owned->r);
    catalog_free(&owned->more);
    owned->r = NULL;
}

/* The catalog file's restrictions into opts (sorted), held by owned.
 * 0, or EXIT_BAD_INPUT naming --catalog. */
int supervise_restricts(const char *cmd, const char *path, struct scan_opts *opts,
                        struct supervise_owned *owned) {
    char msg[CODEC_ERR_BYTES];
    assert(opts != NULL && owned != NULL);
    owned->r = NULL;
    catalog_init(&owned->more);
    if (path == NULL) return 0;
    struct restricts rs = {NULL, 0, 0, &owned->more};
    int rc = catalog_restrict_load_file(path, add_restrict, &rs, msg, sizeof msg);
    owned->r = rs.r;
    if (rc != 0) return bad_for(cmd, "--catalog", path, msg);
    /* a file that restricts nothing still stands for the store's (scan.c) */
    if (rs.r == NULL && (owned->r = rs.r = malloc(sizeof *rs.r)) == NULL)
        return bad_for(cmd, "--catalog", path, "out of memory");
    scan_restrict_sort(rs.r, rs.n);
    opts->restricts = rs.r, opts->restrict_count = rs.n;
    opts->more_restricts = owned->more.count > 0 ? &owned->more : NULL;
    return 0;
}

/* ---- a finding as a JSON line ----------------------------------------------------- */
/* units x 1e4 as a decimal ("900", "2.5") */
static void json_units(struct json_buf *b, int64_t scaled) {
    char text[40];
    assert(b != NULL && scaled >= 0);
    int n = snprintf(text, sizeof text, "%" PRId64 ".%04" PRId64, scaled / 10000, scaled % 10000);
    while (n > 0 && text[n - 1] == '0') text[--n] = '\0';
    if (n > 0 && text[n - 1] == '.') text[--n] = '\0';
    RAW(b, text);
}

static void json_day(struct json_buf *b, const char *key, datetime_s t) {
    char text[20];
    assert(b != NULL && key != NULL);
    datetime_format(t, text);
    RAW(b, ",");
    json_buf_key(b, key);
    json_buf_str(b, text);
}

static void json_int_key(struct json_buf *b, const char *key, int64_t v) {
    assert(b != NULL && key != NULL);
    RAW(b, ",");
    json_buf_key(b, key);
    json_buf_int(b, v);
}

/* The care settings' names by bit (core/rules.h enum rule_setting). */
static const char *setting_name(int64_t bit) {
    return bit == RULE_SETTING_OUTPATIENT  ? "outpatient"
           : bit == RULE_SETTING_INPATIENT ? "inpatient"
           : bit == RULE_SETTING_PHARMACY  ? "pharmacy"
                                           : "";
}

/* A comma-separated list (the catalog's diagnoses) as a JSON array. */
static void json_list(struct json_buf *b, const char *list) {
    assert(b != NULL);
    json_buf_char(b, '[');
    char entry[CODE_BYTES_MAX + 1];
    for (const char *p = list; p != NULL && *p != '\0';) {
        size_t n = strcspn(p, ",");
        if (p != list) json_buf_char(b, ',');
        snprintf(entry, sizeof entry, "%.*s", (int)(n <= CODE_BYTES_MAX ? n : CODE_BYTES_MAX), p);
        json_buf_str(b, entry);
        p += n + (p[n] == ',');
    }
    json_buf_char(b, ']');
}

/* The catalog's other restriction kinds' `restrict`, spelt as the catalog
 * spells the restriction broken (docs/RULES.md): levels, settings,
 * max_units_day, max_units_bill, diagnoses, exclusive (the item billed with). */
static void restrict_more_json(struct json_buf *b, const struct scan_finding *sf) {
    const struct det_finding *f = sf->f;
    assert(b != NULL && f->kind >= DET_LEVEL_RESTRICTED);
    RAW(b, ",\"restrict\":{");
    if (f->kind == DET_LEVEL_RESTRICTED || f->kind == DET_SETTING_RESTRICTED) {
        bool level = f->kind == DET_LEVEL_RESTRICTED, first = true;
        RAW(b, level ? "\"levels\":[" : "\"settings\":[");
        for (int bit = 0; bit < 8; bit++) {
            if ((f->limit & (1 << bit)) == 0) continue;
            if (!first) json_buf_char(b, ',');
            first = false;
            if (level) json_buf_int(b, bit);
            else json_buf_str(b, setting_name(1 << bit));
        }
        json_buf_char(b, ']');
    } else if (f->kind == DET_UNITS_DAY_RESTRICTED || f->kind == DET_UNITS_BILL_RESTRICTED) {
        RAW(b, f->kind == DET_UNITS_DAY_RESTRICTED ? "\"max_units_day\":" : "\"max_units_bill\":");
        json_units(b, f->limit);
    } else if (f->kind == DET_INDICATION_RESTRICTED) {
        RAW(b, "\"diagnoses\":");
        json_list(b, sf->restricted != NULL ? sf->restricted->restrict_diagnoses : NULL);
    } else {
        RAW(b, "\"exclusive\":[");
        json_buf_str(b, sf->line_2 != NULL ? sf->line_2->med_list_codg : "");
        json_buf_char(b, ']');
    }
    json_buf_char(b, '}');
}

/* The item kinds' fields after psn_no: item, and restrict or cnt. */
static void item_fields(struct json_buf *b, const struct scan_finding *sf) {
    const struct det_finding *f = sf->f;
    assert(b != NULL && sf->line != NULL);
    RAW(b, ",\"item\":");
    json_buf_str(b, sf->line->med_list_codg);
    if (f->kind == DET_GENDER_RESTRICTED) {
        RAW(b, f->limit == 1 ? ",\"restrict\":{\"gender\":\"1\"}"
                             : ",\"restrict\":{\"gender\":\"2\"}");
    } else if (f->kind == DET_AGE_RESTRICTED) {
        RAW(b, ",\"restrict\":{\"age_min\":");
        json_buf_int(b, sf->item.age_min);
        RAW(b, ",\"age_max\":");
        json_buf_int(b, sf->item.age_max);
        json_buf_char(b, '}');
    } else if (f->kind == DET_OVER_QUANTITY || f->kind == DET_SUBSTITUTION) {
        RAW(b, ",\"cnt\":");
        json_units(b, sf->line->cnt_scaled);
    } else if (f->kind >= DET_LEVEL_RESTRICTED) {
        restrict_more_json(b, sf);
    }
}

/* The note of the catalog's other restriction kinds. */
static void note_more(const struct scan_finding *sf, char *note, size_t size) {
    const struct det_finding *f = sf->f;
    const char *item = sf->line->med_list_codg;
    char units[2][40];
    assert(f->kind >= DET_LEVEL_RESTRICTED && note != NULL);
    snprintf(units[0], sizeof units[0], "%" PRId64 ".%04" PRId64, f->value / 10000,
             f->value % 10000);
    snprintf(units[1], sizeof units[1], "%" PRId64 ".%04" PRId64, f->limit / 10000,
             f->limit % 10000);
    switch (f->kind) {
    case DET_LEVEL_RESTRICTED:
        snprintf(note, size,
                 "%s restricted by institution level in the catalog, billed at %s (level %" PRId64
                 ")",
                 item, sf->a->fixmedins_code, f->value);
        break;
    case DET_SETTING_RESTRICTED:
        snprintf(note, size,
                 "%s restricted by care setting in the catalog, billed in the %s setting", item,
                 setting_name(f->value));
        break;
    case DET_UNITS_DAY_RESTRICTED:
    case DET_UNITS_BILL_RESTRICTED:
        snprintf(note, size, "%s: %s units %s, more than the catalog's %s", item, units[0],
                 f->kind == DET_UNITS_DAY_RESTRICTED ? "a day" : "in the bill", units[1]);
        break;
    case DET_INDICATION_RESTRICTED:
        snprintf(note, size, "%s restricted to diagnoses %s in the catalog, billed for %s", item,
                 sf->restricted != NULL && sf->restricted->restrict_diagnoses != NULL
                     ? sf->restricted->restrict_diagnoses
                     : "",
                 sf->a->dise_codg);
        break;
    default:
        snprintf(note, size, "%s billed with %s in one bill, a pair the catalog excludes", item,
                 sf->line_2 != NULL ? sf->line_2->med_list_codg : "");
    }
}

static void note_of(const struct scan_finding *sf, char *note, size_t size) {
    const struct det_finding *f = sf->f;
    const char *item = sf->line ? sf->line->med_list_codg : "";
    assert(sf != NULL && note != NULL);
    if (f->kind >= DET_LEVEL_RESTRICTED) return note_more(sf, note, size);
    switch (f->kind) {
    case DET_SPLIT_ADMISSION:
        snprintf(note, size,
                 "readmitted to %s %" PRId64 " days after discharge with the same"
                 " diagnosis %s",
                 sf->b->fixmedins_code, f->value, sf->b->dise_codg);
        break;
    case DET_OVERLAPPING_STAYS:
        snprintf(note, size, "inpatient at %s and at %s at the same time", sf->a->fixmedins_code,
                 sf->b->fixmedins_code);
        break;
    case DET_VISIT_DURING_STAY:
        snprintf(note, size, "%s bill at %s during the stay at %s",
                 sf->b->med_type == MED_TYPE_PHARMACY ? "pharmacy" : "outpatient",
                 sf->b->fixmedins_code, sf->a->fixmedins_code);
        break;
    case DET_GENDER_RESTRICTED:
        snprintf(note, size, "%s restricted to %s in the catalog, billed to a %s", item,
                 f->limit == 1 ? "men" : "women", f->limit == 1 ? "woman" : "man");
        break;
    case DET_AGE_RESTRICTED:
        snprintf(note, size,
                 "%s restricted by age in the catalog, billed to a person aged %" PRId64, item,
                 f->value);
        break;
    case DET_DUPLICATE_CHARGE:
        snprintf(note, size, "%s charged again the same day at %s", item, sf->a->fixmedins_code);
        break;
    case DET_NON_MEDICAL_GOODS:
        snprintf(note, size, "%s, a code outside the catalog, sold at pharmacy %s", item,
                 sf->a->fixmedins_code);
        break;
    case DET_SUBSTITUTION:
        snprintf(note, size, "%s billed at pharmacy %s beyond what it bought and held", item,
                 sf->a->fixmedins_code);
        break;
    default:
        snprintf(note, size, "%s: more than %d times its usual largest quantity", item,
                 DET_QTY_FACTOR);
    }
}

/* The evidence's figure of the catalog's other restriction kinds: the
 * level, the setting, the units (a day or in the bill), the bill's
 * diagnosis, or the pair's other line. */
static void evidence_more(struct json_buf *b, const struct scan_finding *sf) {
    const struct det_finding *f = sf->f;
    assert(b != NULL && f->kind >= DET_LEVEL_RESTRICTED);
    switch (f->kind) {
    case DET_LEVEL_RESTRICTED: json_int_key(b, "level", f->value); break;
    case DET_SETTING_RESTRICTED:
        RAW(b, ",\"setting\":");
        json_buf_str(b, setting_name(f->value));
        break;
    case DET_UNITS_DAY_RESTRICTED:
    case DET_UNITS_BILL_RESTRICTED:
        RAW(b, ",\"units\":");
        json_units(b, f->value);
        RAW(b, ",\"max_units\":");
        json_units(b, f->limit);
        break;
    case DET_INDICATION_RESTRICTED:
        RAW(b, ",\"diagnosis\":");
        json_buf_str(b, sf->a->dise_codg);
        if (sf->a->spec_dise_codg != NULL && sf->a->spec_dise_codg[0] != '\0')
            RAW(b, ",\"spec_diagnosis\":"), json_buf_str(b, sf->a->spec_dise_codg);
        break;
    default:
        assert(sf->line_2 != NULL);
        json_int_key(b, "line_2", f->line_2 + 1);
        RAW(b, ",\"item_2\":");
        json_buf_str(b, sf->line_2->med_list_codg);
        RAW(b, ",\"amount_2\":");
        json_buf_fen(b, sf->line_2->amount_fen);
    }
}

/* evidence: the rule's figure and threshold, the bills' institutions and times */
static void evidence(struct json_buf *b, const struct scan_finding *sf) {
    const struct det_finding *f = sf->f;
    assert(b != NULL && sf != NULL);
    RAW(b, ",\"evidence\":{\"institution\":");
    json_buf_str(b, sf->a->fixmedins_code);
    json_day(b, "begntime", sf->a->begntime);
    json_day(b, "endtime", sf->a->endtime);
    if (sf->b != NULL) {
        RAW(b, ",\"institution_2\":");
        json_buf_str(b, sf->b->fixmedins_code);
        json_day(b, "begntime_2", sf->b->begntime);
        json_day(b, "endtime_2", sf->b->endtime);
    }
    if (sf->line != NULL) {
        json_int_key(b, "line", f->line + 1);
        RAW(b, ",\"amount\":"); /* at stake: the whole line, or the part beyond the stock */
        json_buf_fen(b, f->kind == DET_SUBSTITUTION || f->kind >= DET_LEVEL_RESTRICTED
                            ? sf->stake_fen
                            : sf->line->amount_fen);
    }
    if (f->kind >= DET_LEVEL_RESTRICTED) {
        evidence_more(b, sf);
    } else if (f->kind == DET_SUBSTITUTION) {
        RAW(b, ",\"line_amount\":");
        json_buf_fen(b, sf->line->amount_fen);
        RAW(b, ",\"stock_cnt\":");
        json_units(b, f->limit);
        RAW(b, ",\"beyond_cnt\":");
        json_units(b, f->value);
    } else if (f->kind == DET_OVER_QUANTITY) {
        RAW(b, ",\"usual_cnt\":");
        json_units(b, f->limit);
    } else if (f->kind == DET_AGE_RESTRICTED || f->kind == DET_GENDER_RESTRICTED) {
        json_int_key(b, f->kind == DET_AGE_RESTRICTED ? "age" : "gender", f->value);
    } else if (f->kind != DET_DUPLICATE_CHARGE && f->kind != DET_NON_MEDICAL_GOODS) {
        json_int_key(b, "days", f->value);
    }
    json_buf_char(b, '}');
}

static void finding_json(struct json_buf *b, const struct scan_finding *sf) {
    const struct det_finding *f = sf->f;
    char note[320];
    assert(b != NULL && sf != NULL);
    RAW(b, "{\"kind\":");
    json_buf_str(b, det_kind_name(f->kind));
    RAW(b, ",\"msgid\":[");
    json_buf_str(b, sf->a->msgid);
    if (sf->b != NULL) RAW(b, ","), json_buf_str(b, sf->b->msgid);
    RAW(b, "],\"psn_no\":");
    json_buf_str(b, sf->person->psn_no);
    if (sf->line != NULL) item_fields(b, sf);
    note_of(sf, note, sizeof note);
    RAW(b, ",\"note\":");
    json_buf_str(b, note);
    RAW(b, ",\"rule\":");
    json_buf_str(b, f->rule);
    RAW(b, ",\"score\":");
    char score[16];
    snprintf(score, sizeof score, "%d.%04d", f->score_bp / 10000, f->score_bp % 10000);
    RAW(b, score);
    evidence(b, sf);
    RAW(b, "}\n");
}

/* ---- writing ---------------------------------------------------------------------- */
struct writer {
    FILE *out;
    struct json_buf buf;
    int64_t dups;
};

static int write_buf(struct writer *w) {
    assert(w != NULL);
    if (w->buf.failed) return -1;
    return fwrite(w->buf.data, 1, w->buf.len, w->out) == w->buf.len ? 0 : -1;
}

static int write_finding(void *ctx, const struct scan_finding *sf) {
    struct writer *w = ctx;
    assert(w != NULL && sf != NULL);
    json_buf_reset(&w->buf);
    finding_json(&w->buf, sf);
    return write_buf(w);
}

/* The report's line, its closing "}\n" replaced by rule, score, evidence. */
static int write_dup(void *ctx, const struct app_dup_case *c) {
    struct writer *w = ctx;
    assert(w != NULL && c != NULL);
    json_buf_reset(&w->buf);
    report_dup_json(&w->buf, c);
    if (w->buf.failed || w->buf.len < 2) return -1;
    w->buf.len -= 2;
    RAW(&w->buf, ",\"rule\":\"ENROL-TWICE\",\"score\":1.0000,\"evidence\":{\"months\":");
    json_buf_int(&w->buf, c->months);
    RAW(&w->buf, ",\"subsidy_months\":");
    json_buf_int(&w->buf, c->subsidy_months);
    RAW(&w->buf, "}}\n");
    w->dups++;
    return write_buf(w);
}

static int run_scan(struct store *store, struct scan_args *a, FILE *out) {
    struct writer w = {out, {0}, 0};
    struct scan_totals t;
    struct store_err err = {{0}};
    assert(store != NULL && a != NULL && out != NULL);
    json_buf_init(&w.buf);
    int rc = app_scan(store, &a->opts, write_finding, &w, &t, &err);
    if (rc == 0) rc = app_dup_report(store, a->opts.year, write_dup, &w, NULL, &err);
    json_buf_free(&w.buf);
    if (rc != 0) {
        fprintf(stderr, "yibao supervise scan: %s\n", err.msg[0] ? err.msg : "write failed");
        return EXIT_BAD_INPUT;
    }
    t.findings[DET_DUPLICATE_ENROLMENT] = w.dups;
    printf("scan %d: %" PRId64 " settlements (%" PRId64 " revoked left out), %" PRId64
           " persons, %" PRId64 " lines\n",
           (int)a->opts.year, t.settlements, t.revoked, t.persons, t.lines);
    for (int k = 0; k < DET_KIND_COUNT; k++)
        printf("  %-20s %" PRId64 "\n", det_kind_name((enum det_kind)k), t.findings[k]);
    return 0;
}

static int supervise_scan(int argc, char **argv) {
    struct scan_args a;
    struct supervise_owned owned;
    memset(&a, 0, sizeof a);
    int rc = parse_args(argc, argv, &a);
    if (rc != 0) return rc;
    if ((rc = supervise_restricts("supervise scan", a.catalog, &a.opts, &owned)) != 0)
        return supervise_owned_free(&owned), rc;
    struct store *store = NULL;
    struct store_err err = {{0}};
    if (store_open_as(a.db, STORE_MODE_READ_ONLY, &store, &err) != 0)
        return supervise_owned_free(&owned), bad_option("--db", a.db, err.msg);
    FILE *out = fopen(a.out, "w");
    if (out == NULL) {
        store_close(store);
        supervise_owned_free(&owned);
        return bad_option("--out", a.out, strerror(errno));
    }
    rc = run_scan(store, &a, out);
    if (fclose(out) != 0 && rc == 0) rc = bad_option("--out", a.out, "write failed");
    store_close(store);
    supervise_owned_free(&owned);
    return rc != 0 ? rc : (fflush(stdout) != 0 ? EXIT_BAD_INPUT : 0);
}

/* ---- warns: the settlements rules flagged (docs/RULES.md) ------------------------- */
static int write_warn(void *ctx, const struct app_rule_warn *rw) {
    struct writer *w = ctx;
    struct json_buf *b = &w->buf;
    json_buf_reset(b);
    RAW(b, "{\"setl_id\":");
    json_buf_int(b, rw->setl_id);
    json_int_key(b, "year", rw->year);
    RAW(b, ",\"msgid\":");
    json_buf_str(b, rw->msgid);
    RAW(b, ",\"psn_no\":");
    json_buf_str(b, rw->psn_no);
    RAW(b, ",\"fixmedins_code\":");
    json_buf_str(b, rw->fixmedins_code);
    RAW(b, ",\"rule\":");
    json_buf_str(b, rw->rule);
    json_int_key(b, "line", rw->line);
    RAW(b, "}\n");
    w->dups++; /* warns written */
    return write_buf(w);
}

static int supervise_warns(int argc, char **argv) {
    const char *db = NULL, *year_text = NULL, *out_path = NULL;
    bool bad = false;
    for (int i = 2; i < argc && !bad; i++)
        if (!cli_option(argc, argv, &i, "--db", &db, &bad) &&
            !cli_option(argc, argv, &i, "--year", &year_text, &bad) &&
            !cli_option(argc, argv, &i, "--out", &out_path, &bad))
            return bad_option("option", argv[i], "unknown (warns takes --db, --year, --out)");
    if (bad || db == NULL || out_path == NULL)
        return bad_option("--db/--out", "", "warns needs --db and --out");
    int32_t year = 0;
    if (year_text != NULL && !cli_year("supervise warns", "--year", year_text, &year))
        return EXIT_BAD_INPUT;
    struct store *store = NULL;
    struct store_err err = {{0}};
    if (store_open_as(db, STORE_MODE_READ_ONLY, &store, &err) != 0)
        return bad_option("--db", db, err.msg);
    FILE *out = fopen(out_path, "w");
    if (out == NULL) return store_close(store), bad_option("--out", out_path, strerror(errno));
    struct writer w = {out, {0}, 0};
    int64_t settlements = 0;
    json_buf_init(&w.buf);
    int rc = app_rule_warns(store, year, write_warn, &w, &settlements, &err);
    json_buf_free(&w.buf);
    if (fclose(out) != 0 && rc == 0) rc = -1;
    store_close(store);
    if (rc != 0)
        return fprintf(stderr, "yibao supervise warns: %s\n",
                       err.msg[0] ? err.msg : "write failed"),
               EXIT_BAD_INPUT;
    printf("warns: %" PRId64 " settlements flagged, %" PRId64 " warns\n", settlements, w.dups);
    return fflush(stdout) != 0 ? EXIT_BAD_INPUT : 0;
}

/* ---- the subcommands ------------------------------------------------------------ */
struct supervise_sub {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct supervise_sub subs[] = {
    {"scan", supervise_scan},
    {"warns", supervise_warns},
    {"rank", supervise_rank},
};

int cmd_supervise(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        cli_usage("supervise", argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_BAD_INPUT : 0;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(argv[1], subs[i].name) == 0) return subs[i].run(argc, argv);
    fprintf(stderr, "yibao supervise: unknown subcommand '%s' (scan, warns, rank)\n", argv[1]);
    cli_usage("supervise", stderr);
    return EXIT_BAD_INPUT;
}
