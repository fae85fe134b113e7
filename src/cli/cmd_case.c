/* cmd_case.c: `yibao case grant|open|advance|list|show --db D ...`:
 * supervision cases and sanctions (app/cases.h; docs/SUPERVISION.md,
 * "Cases and sanctions"). A case opened from a line of `supervise scan`'s
 * findings or by hand goes open -> review1 -> review2 -> decision
 * [-> appeal], each step one journal record saying who (--operator), when
 * and why (--reason); a step out of order, on an unknown case or by an
 * operator without the step's role is refused, exit 2, nothing written. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/cases.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/store_cli.h"
#include "codec/codec.h"
#include "core/date.h"
#include "core/enrol.h"
#include "core/limits.h"
#include "core/money.h"
#include "json/json.h"

#define CASE_FINDING_BYTES_MAX (64 * 1024) /* a finding's line */

struct args {
    const char *db, *op, *reason, *role, *id, *step, *finding, *line, *inst, *kind, *amount,
        *evidence, *year, *sanction, *until, *outcome, *format, *to;
};

static bool parse(int argc, char **argv, struct args *a) {
    bool bad = false;
    assert(argc >= 2 && a != NULL);
    for (int i = 2; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &a->db, &bad) ||
            cli_option(argc, argv, &i, "--operator", &a->op, &bad) ||
            cli_option(argc, argv, &i, "--reason", &a->reason, &bad) ||
            cli_option(argc, argv, &i, "--role", &a->role, &bad) ||
            cli_option(argc, argv, &i, "--case", &a->id, &bad) ||
            cli_option(argc, argv, &i, "--step", &a->step, &bad) ||
            cli_option(argc, argv, &i, "--finding", &a->finding, &bad) ||
            cli_option(argc, argv, &i, "--line", &a->line, &bad) ||
            cli_option(argc, argv, &i, "--inst", &a->inst, &bad) ||
            cli_option(argc, argv, &i, "--kind", &a->kind, &bad) ||
            cli_option(argc, argv, &i, "--amount", &a->amount, &bad) ||
            cli_option(argc, argv, &i, "--evidence", &a->evidence, &bad) ||
            cli_option(argc, argv, &i, "--year", &a->year, &bad) ||
            cli_option(argc, argv, &i, "--sanction", &a->sanction, &bad) ||
            cli_option(argc, argv, &i, "--until", &a->until, &bad) ||
            cli_option(argc, argv, &i, "--outcome", &a->outcome, &bad) ||
            cli_option(argc, argv, &i, "--format", &a->format, &bad) ||
            cli_option(argc, argv, &i, "--to", &a->to, &bad))
            continue;
        fprintf(stderr, "yibao case: unexpected argument '%s'\n", argv[i]);
        bad = true;
    }
    return !bad && a->db != NULL;
}

static int bad_field(const char *field, const char *value, const char *why) {
    assert(field != NULL && why != NULL);
    fprintf(stderr, "yibao case: %s '%s': %s\n", field, value ? value : "", why);
    return EXIT_BAD_INPUT;
}

/* An operator's name: 1-32 of letters, digits, '.', '_', '-'. */
static bool name_ok(const char *s) {
    size_t len = s ? strlen(s) : 0;
    return len >= 1 && len <= CASE_NAME_BYTES_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == len;
}

/* who and why: every step's */
static int check_note(const struct args *a, struct app_case_req *r) {
    assert(a != NULL && r != NULL);
    if (!name_ok(a->op))
        return bad_field("--operator", a->op, "1-32 letters, digits, '.', '_' or '-'");
    if (a->reason == NULL || a->reason[0] == '\0' || strlen(a->reason) > CASE_WHY_BYTES_MAX)
        return bad_field("--reason", a->reason, "1-200 bytes");
    for (const unsigned char *p = (const unsigned char *)a->reason; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return bad_field("--reason", a->reason, "a control character");
    r->by = a->op, r->why = a->reason;
    return 0;
}

static int parse_yuan(const char *opt, const char *text, int64_t *fen) {
    assert(opt != NULL && fen != NULL);
    if (text == NULL) return bad_field(opt, "", "missing");
    enum decimal_status ds = decimal_parse(text, strlen(text), 2, AMOUNT_FEN_MAX, fen);
    if (ds != DECIMAL_OK) return bad_field(opt, text, decimal_status_text(ds));
    if (*fen <= 0) return bad_field(opt, text, "not more than 0");
    return 0;
}

static int parse_year(const char *text, int32_t *year) {
    assert(year != NULL);
    if (text == NULL) return bad_field("--year", "", "missing");
    if (strlen(text) != 4 || strspn(text, "0123456789") != 4)
        return bad_field("--year", text, "not a year YYYY");
    *year = (int32_t)atoi(text);
    if (*year < MONTH_YEAR_MIN || *year > MONTH_YEAR_MAX)
        return bad_field("--year", text, "outside the years the fund rules take");
    return 0;
}

/* ---- open -------------------------------------------------------------------------- */
/* Line n of the findings file into *text (malloc'd). */
static int finding_line(const char *path, const char *line_text, char **text, size_t *len) {
    long long n = 0;
    assert(path != NULL && text != NULL && len != NULL);
    if (line_text == NULL) return bad_field("--line", "", "missing (the finding's line, from 1)");
    if (!cli_positive("--line", line_text, 100000000LL, &n)) return EXIT_BAD_INPUT;
    FILE *f = fopen(path, "rb");
    if (f == NULL) return bad_field("--finding", path, "cannot open");
    char *buf = malloc(CASE_FINDING_BYTES_MAX + 2);
    long long at = 0;
    while (buf != NULL && at < n && fgets(buf, CASE_FINDING_BYTES_MAX + 2, f) != NULL)
        if (strchr(buf, '\n') != NULL || feof(f)) at++;
    fclose(f);
    if (buf == NULL) return bad_field("--finding", path, "out of memory");
    if (at < n) return free(buf), bad_field("--line", line_text, "past the file's end");
    *len = strcspn(buf, "\r\n");
    buf[*len] = '\0';
    *text = buf;
    return 0;
}

/* The finding's kind, institution and amount (evidence.amount, or --amount). */
static int finding_fields(const char *path, const char *line, const struct json_value *root,
                          struct app_case_req *r, char *kind, char *inst) {
    const struct json_value *k = json_get(root, "kind"), *ev = json_get(root, "evidence");
    const struct json_value *in = json_get(ev, "institution"), *amt = json_get(ev, "amount");
    char where[600];
    snprintf(where, sizeof where, "%.500s:%s", path, line);
    assert(r != NULL && kind != NULL && inst != NULL);
    if (k == NULL || k->type != JSON_STRING || k->len == 0 || k->len > CASE_KIND_BYTES_MAX)
        return bad_field(where, "kind", "not a finding's kind");
    if (in == NULL || in->type != JSON_STRING || in->len == 0 || in->len > CODE_BYTES_MAX)
        return bad_field(where, "evidence.institution", "missing or not a code");
    memcpy(kind, k->text, k->len + 1), memcpy(inst, in->text, in->len + 1);
    r->kind = kind, r->inst = inst;
    if (r->amount_fen > 0) return 0; /* --amount given: it stands */
    if (amt == NULL || amt->type != JSON_NUMBER)
        return bad_field(where, "evidence.amount", "missing: give --amount");
    enum decimal_status ds = decimal_parse(amt->text, amt->len, 2, AMOUNT_FEN_MAX, &r->amount_fen);
    if (ds != DECIMAL_OK || r->amount_fen <= 0)
        return bad_field(where, "evidence.amount", "not an amount more than 0");
    return 0;
}

static int open_from_finding(const struct args *a, struct app_case_req *r, char **line, char *kind,
                             char *inst) {
    size_t len = 0;
    int rc = finding_line(a->finding, a->line, line, &len);
    if (rc != 0) return rc;
    struct json_doc *doc = cli_json_doc();
    if (doc == NULL) return bad_field("--finding", a->finding, "out of memory");
    struct json_error je;
    const struct json_value *root = json_parse(doc, *line, len, &je);
    if (root == NULL || root->type != JSON_OBJECT) {
        char where[600];
        snprintf(where, sizeof where, "%.500s:%s", a->finding, a->line);
        rc = bad_field(where, root ? "" : je.message, "not a finding (a JSON object)");
    } else {
        rc = finding_fields(a->finding, a->line, root, r, kind, inst);
    }
    json_doc_free(doc);
    r->evidence = *line, r->evidence_len = len;
    return rc;
}

static int open_args(const struct args *a, struct app_case_req *r, char **line, char *kind,
                     char *inst) {
    assert(a != NULL && r != NULL);
    int rc = parse_year(a->year, &r->year);
    if (rc == 0 && a->amount != NULL) rc = parse_yuan("--amount", a->amount, &r->amount_fen);
    if (rc != 0) return rc;
    if (a->finding != NULL) {
        if (a->inst != NULL || a->kind != NULL || a->evidence != NULL)
            return bad_field("--finding", a->finding,
                             "either a finding or --inst/--kind/--evidence");
        return open_from_finding(a, r, line, kind, inst);
    }
    if (a->inst == NULL || a->inst[0] == '\0' || strlen(a->inst) > CODE_BYTES_MAX)
        return bad_field("--inst", a->inst,
                         "missing or too long (or give --finding FILE --line N)");
    if (!name_ok(a->kind) || strlen(a->kind) > CASE_KIND_BYTES_MAX)
        return bad_field("--kind", a->kind, "1-31 letters, digits, '.', '_' or '-'");
    if (a->amount == NULL) return bad_field("--amount", "", "missing (the amount at stake, yuan)");
    if (a->evidence == NULL || a->evidence[0] == '\0' ||
        strlen(a->evidence) > CASE_EVIDENCE_BYTES_MAX)
        return bad_field("--evidence", a->evidence, "missing or longer than 65536 bytes");
    r->inst = a->inst, r->kind = a->kind;
    r->evidence = a->evidence, r->evidence_len = strlen(a->evidence);
    return 0;
}

/* ---- advance ----------------------------------------------------------------------- */
static int decision_args(const struct args *a, struct app_case_req *r) {
    assert(a != NULL && r != NULL);
    int s = -1;
    for (int i = 0; i < SANCTION_COUNT && a->sanction != NULL; i++)
        if (strcmp(a->sanction, case_sanction_name((enum case_sanction)i)) == 0) s = i;
    if (s < 0)
        return bad_field("--sanction", a->sanction, "not none, recover, deduct, suspend or revoke");
    r->sanction = (enum case_sanction)s;
    bool money = r->sanction == SANCTION_RECOVER || r->sanction == SANCTION_DEDUCT;
    if (money) return parse_yuan("--amount", a->amount, &r->sanction_fen);
    if (a->amount != NULL) return bad_field("--amount", a->amount, "only with recover or deduct");
    if (r->sanction != SANCTION_SUSPEND)
        return a->until ? bad_field("--until", a->until, "only with suspend") : 0;
    if (a->until == NULL || strlen(a->until) != 10 || !datetime_parse(a->until, 10, &r->until))
        return bad_field("--until", a->until, "missing or not a date YYYY-MM-DD");
    return 0;
}

static int advance_args(const struct args *a, struct app_case_req *r) {
    assert(a != NULL && r != NULL);
    static const char *const steps[] = {"review1", "review2", "decision", "appeal"};
    int s = -1;
    for (int i = 0; i < 4 && a->step != NULL; i++)
        if (strcmp(a->step, steps[i]) == 0) s = i;
    if (s < 0) return bad_field("--step", a->step, "not review1, review2, decision or appeal");
    if (!name_ok(a->id)) return bad_field("--case", a->id, "missing or not a case id");
    r->step = (enum case_step)(CASE_REVIEW1 + s);
    r->id = a->id;
    if (r->step == CASE_DECISION) return decision_args(a, r);
    if (a->sanction != NULL || a->amount != NULL || a->until != NULL)
        return bad_field("--sanction", a->sanction, "only with --step decision");
    if (r->step != CASE_APPEAL)
        return a->outcome ? bad_field("--outcome", a->outcome, "only with --step appeal") : 0;
    if (a->outcome == NULL || (strcmp(a->outcome, "upheld") && strcmp(a->outcome, "lifted")))
        return bad_field("--outcome", a->outcome, "not upheld or lifted");
    r->lifted = strcmp(a->outcome, "lifted") == 0;
    return 0;
}

static int run_step(const char *db, const struct app_case_req *r) {
    assert(db != NULL && r != NULL);
    struct store *store = store_cli_open(db, STORE_MODE_EXISTING);
    if (store == NULL) return EXIT_BAD_INPUT;
    struct app_case_out out;
    struct store_err err = {{0}};
    enum app_case_status st = app_case_step(store, r, &out, &err);
    store_close(store);
    const char *step = case_step_name(r->step);
    if (st == APP_CASE_REFUSED) {
        fprintf(stderr, "yibao case %s: refused: %s; nothing was written\n", step, out.why);
        return EXIT_BAD_INPUT;
    }
    if (st == APP_CASE_ERROR) {
        fprintf(stderr, "yibao case %s: %s\n", step, err.msg);
        return EXIT_BAD_INPUT;
    }
    const char *id = r->step == CASE_GRANT ? r->id : out.id;
    printf("case %s %s: %s (journal seq %" PRId64 ", %s)%s\n", id, step,
           st == APP_CASE_ALREADY ? "recorded already, nothing written" : "recorded", out.rec.seq,
           out.rec.msgid,
           out.registry_changed ? "; the institution's designation changed in the registry" : "");
    return 0;
}

static int case_open_cmd(const struct args *a) {
    struct app_case_req r = {.step = CASE_OPEN};
    char *line = NULL, kind[CASE_KIND_BYTES_MAX + 1], inst[CODE_BYTES_MAX + 1];
    int rc = check_note(a, &r);
    if (rc == 0) rc = open_args(a, &r, &line, kind, inst);
    if (rc == 0) rc = run_step(a->db, &r);
    free(line);
    return rc;
}

static int case_grant_cmd(const struct args *a) {
    struct app_case_req r = {.step = CASE_GRANT};
    int rc = check_note(a, &r);
    if (rc != 0) return rc;
    if (a->role == NULL || (strcmp(a->role, "reviewer") != 0 && strcmp(a->role, "decider") != 0))
        return bad_field("--role", a->role, "not reviewer or decider");
    if (!name_ok(a->to)) return bad_field("--to", a->to, "1-32 letters, digits, '.', '_' or '-'");
    r.role = a->role;
    r.id = a->to;
    return run_step(a->db, &r);
}

/* ---- list and show ----------------------------------------------------------------- */
static const char *yuan(int64_t fen, char buf[32]) {
    assert(buf != NULL);
    if (money_format(fen, buf, 32) < 0) snprintf(buf, 32, "?");
    return buf;
}

static void utc(int64_t time_us, char out[32]) {
    time_t t = (time_t)(time_us / 1000000);
    struct tm tm;
    assert(out != NULL);
    if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "?");
}

/* What a decision or appeal did, in words: "recover 12.34", "suspend until 2099-12-31". */
static void sanction_text(const struct store_case *c, char out[64]) {
    char y[32], day[20];
    assert(c != NULL && out != NULL);
    if (c->sanction == SANCTION_RECOVER || c->sanction == SANCTION_DEDUCT)
        snprintf(out, 64, "%s %s", case_sanction_name(c->sanction), yuan(c->amount_fen, y));
    else if (c->sanction == SANCTION_SUSPEND)
        datetime_format(c->until, day), day[10] = '\0', snprintf(out, 64, "suspend until %s", day);
    else snprintf(out, 64, "%s", case_sanction_name(c->sanction));
}

struct list_ctx {
    bool json;
    int64_t count;
};

static int list_row(void *ctx, const struct store_case *open, enum case_step latest,
                    const struct store_case *last) {
    struct list_ctx *l = ctx;
    char amt[32], what[64] = "";
    assert(l != NULL && open != NULL && last != NULL);
    l->count++;
    if (latest >= CASE_DECISION) sanction_text(last, what);
    if (latest == CASE_APPEAL) strncat(what, last->lifted ? " (lifted)" : " (upheld)", 20);
    if (!l->json) {
        printf("%-14s %-10s %-20s %4d %12s %-9s %s\n", open->id, open->inst, open->kind,
               (int)open->year, yuan(open->amount_fen, amt), case_step_name(latest), what);
        return 0;
    }
    struct json_buf b;
    json_buf_init(&b);
    json_buf_raw(&b, "{\"case\":", 8), json_buf_str(&b, open->id);
    json_buf_raw(&b, ",\"inst\":", 8), json_buf_str(&b, open->inst);
    json_buf_raw(&b, ",\"kind\":", 8), json_buf_str(&b, open->kind);
    json_buf_raw(&b, ",\"year\":", 8), json_buf_int(&b, open->year);
    json_buf_raw(&b, ",\"amount\":", 10), json_buf_fen(&b, open->amount_fen);
    json_buf_raw(&b, ",\"step\":", 8), json_buf_str(&b, case_step_name(latest));
    json_buf_raw(&b, ",\"sanction\":", 12), json_buf_str(&b, what);
    json_buf_raw(&b, "}\n", 2);
    fwrite(b.data, 1, b.len, stdout);
    json_buf_free(&b);
    return 0;
}

static int case_list_cmd(const struct args *a, bool json) {
    assert(a != NULL);
    struct store *store = store_cli_open(a->db, STORE_MODE_READ_ONLY);
    if (store == NULL) return EXIT_BAD_INPUT;
    struct list_ctx l = {json, 0};
    struct store_err err = {{0}};
    if (!json)
        printf("%-14s %-10s %-20s %4s %12s %-9s %s\n", "case", "inst", "kind", "year", "at stake",
               "step", "sanction");
    int rc = app_case_list(store, list_row, &l, &err);
    store_close(store);
    if (rc != 0) return fprintf(stderr, "yibao case list: %s\n", err.msg), EXIT_BAD_INPUT;
    if (!json) printf("%" PRId64 " case(s)\n", l.count);
    return 0;
}

static void show_step(struct json_buf *b, const struct journal_rec *rec, const struct store_case *c,
                      bool json, bool first) {
    char when[32], what[64] = "";
    assert(b != NULL && rec != NULL && c != NULL);
    utc(rec->time_us, when);
    if (c->step >= CASE_DECISION) sanction_text(c, what);
    if (c->step == CASE_APPEAL) strncat(what, c->lifted ? " (lifted)" : " (upheld)", 20);
    if (!json) {
        printf("  %-8s seq %-8" PRId64 " %s %-12s %-8s %s%s%s\n", case_step_name(c->step), rec->seq,
               when, c->by, c->role, what, what[0] ? "; " : "", c->why);
        return;
    }
    json_buf_raw(b, first ? "{\"step\":" : ",{\"step\":", first ? 8 : 9);
    json_buf_str(b, case_step_name(c->step));
    json_buf_raw(b, ",\"seq\":", 7), json_buf_int(b, rec->seq);
    json_buf_raw(b, ",\"time\":", 8), json_buf_str(b, when);
    json_buf_raw(b, ",\"by\":", 6), json_buf_str(b, c->by);
    json_buf_raw(b, ",\"role\":", 8), json_buf_str(b, c->role);
    json_buf_raw(b, ",\"why\":", 7), json_buf_str(b, c->why);
    json_buf_raw(b, ",\"sanction\":", 12), json_buf_str(b, what);
    json_buf_char(b, '}');
}

static int show_case(struct store *store, const struct app_case_view *v, bool json) {
    const struct store_case *o = &v->steps[CASE_OPEN];
    char amt[32], *evidence = NULL;
    size_t len = 0;
    struct store_err err = {{0}};
    assert(store != NULL && v != NULL && v->found[CASE_OPEN]);
    if (store_case_evidence(store, v->recs[CASE_OPEN].seq, &evidence, &len, &err) != 0)
        return fprintf(stderr, "yibao case show: %s\n", err.msg), EXIT_BAD_INPUT;
    struct json_buf b;
    json_buf_init(&b);
    if (!json)
        printf("case %s: institution %s (region %s), %s, policy year %d, at stake %s\n", o->id,
               o->inst, o->region, o->kind, (int)o->year, yuan(o->amount_fen, amt));
    else {
        json_buf_raw(&b, "{\"case\":", 8), json_buf_str(&b, o->id);
        json_buf_raw(&b, ",\"inst\":", 8), json_buf_str(&b, o->inst);
        json_buf_raw(&b, ",\"region\":", 10), json_buf_str(&b, o->region);
        json_buf_raw(&b, ",\"kind\":", 8), json_buf_str(&b, o->kind);
        json_buf_raw(&b, ",\"year\":", 8), json_buf_int(&b, o->year);
        json_buf_raw(&b, ",\"amount\":", 10), json_buf_fen(&b, o->amount_fen);
        json_buf_raw(&b, ",\"steps\":[", 10);
    }
    for (int s = CASE_OPEN; s < CASE_STEP_COUNT; s++)
        if (v->found[s]) show_step(&b, &v->recs[s], &v->steps[s], json, s == CASE_OPEN);
    if (!json) printf("  evidence: %s\n", evidence);
    else {
        json_buf_raw(&b, "],\"evidence\":", 13), json_buf_str(&b, evidence);
        json_buf_raw(&b, "}\n", 2);
        fwrite(b.data, 1, b.len, stdout);
    }
    json_buf_free(&b);
    free(evidence);
    return 0;
}

static int case_show_cmd(const struct args *a, bool json) {
    assert(a != NULL);
    if (!name_ok(a->id)) return bad_field("--case", a->id, "missing or not a case id");
    struct store *store = store_cli_open(a->db, STORE_MODE_READ_ONLY);
    if (store == NULL) return EXIT_BAD_INPUT;
    struct app_case_view *v = malloc(sizeof *v);
    struct store_err err = {{0}};
    bool known = false;
    int rc = v == NULL ? (store_errf(&err, "out of memory"), -1)
                       : app_case_read(store, a->id, v, &known, &err);
    if (rc != 0) fprintf(stderr, "yibao case show: %s\n", err.msg), rc = EXIT_BAD_INPUT;
    else if (!known) fprintf(stderr, "yibao case show: --case '%s': no such case\n", a->id), rc = 1;
    else rc = show_case(store, v, json);
    free(v);
    store_close(store);
    return rc;
}

int cmd_case(int argc, char **argv) {
    struct args a = {0};
    if (argc < 2) return cli_usage("case", stderr), EXIT_BAD_INPUT;
    const char *sub = argv[1];
    if (!parse(argc, argv, &a)) return cli_usage("case", stderr), EXIT_BAD_INPUT;
    bool json = false;
    if (a.format != NULL && strcmp(a.format, "json") != 0 && strcmp(a.format, "table") != 0)
        return bad_field("--format", a.format, "not table or json");
    json = a.format != NULL && strcmp(a.format, "json") == 0;
    if (strcmp(sub, "grant") == 0) return case_grant_cmd(&a);
    if (strcmp(sub, "open") == 0) return case_open_cmd(&a);
    if (strcmp(sub, "advance") == 0) {
        struct app_case_req r = {0};
        int rc = check_note(&a, &r);
        if (rc == 0) rc = advance_args(&a, &r);
        return rc == 0 ? run_step(a.db, &r) : rc;
    }
    if (strcmp(sub, "list") == 0) return case_list_cmd(&a, json);
    if (strcmp(sub, "show") == 0) return case_show_cmd(&a, json);
    fprintf(stderr, "yibao case: unknown subcommand '%s'\n", sub);
    return cli_usage("case", stderr), EXIT_BAD_INPUT;
}
