/* cmd_show.c: `yibao show person|settlement|institution|employer|journal|fund|policy` and
 * `yibao list settlements`: the operator's look-ups (app/lookup.h), as a
 * human-readable text or, with --json, as JSON (cli/view.h). They read
 * the store as it is now, through its checkpoint and the journal after
 * it, so they agree with a running server; they never write. Exit 0
 * found, 1 not found, 2 bad usage or a store that cannot be read. */
#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "app/lookup.h"
#include "app/benefit.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/store_cli.h"
#include "cli/view.h"
#include "core/agreement.h"
#include "core/money.h"
#include "store/enrol_rows.h"

#define SHOW_JOURNAL_LIMIT_DEFAULT 20
#define SHOW_JOURNAL_LIMIT_MAX 100000

struct show_args {
    const char *db, *what, *id, *year, *from, *limit, *region, *institution, *date;
    bool json;
};

static int parse(int argc, char **argv, struct show_args *a) {
    bool bad = false;
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &a->db, &bad) ||
            cli_option(argc, argv, &i, "--year", &a->year, &bad) ||
            cli_option(argc, argv, &i, "--from", &a->from, &bad) ||
            cli_option(argc, argv, &i, "--limit", &a->limit, &bad) ||
            cli_option(argc, argv, &i, "--region", &a->region, &bad) ||
            cli_option(argc, argv, &i, "--institution", &a->institution, &bad) ||
            cli_option(argc, argv, &i, "--date", &a->date, &bad))
            continue;
        if (strcmp(argv[i], "--json") == 0) a->json = true;
        else if (argv[i][0] != '-' && a->what == NULL) a->what = argv[i];
        else if (argv[i][0] != '-' && a->id == NULL) a->id = argv[i];
        else {
            fprintf(stderr, "yibao %s: unexpected argument '%s'\n", argv[0], argv[i]);
            bad = true;
        }
    }
    if (!bad && (a->db == NULL || a->what == NULL)) bad = true;
    assert(!bad || a != NULL);
    return bad ? -1 : 0;
}

static const char *insured_status_name(enum insured_status s) {
    return s == INSURED_ACTIVE ? "insured" : s == INSURED_SUSPENDED ? "suspended" : "ended";
}

static void year_fields(struct view *v, const struct year_state *st) {
    view_int(v, "year", st->year);
    view_int(v, "admissions", st->admissions);
    for (int id = 0; id < YEAR_STATE_MONEY_COUNT; id++) {
        const struct year_state_field *f = year_state_field((enum year_state_id)id);
        if (id == YEAR_STATE_acct_balc) continue; /* the account is the person's, not the year's */
        view_fen(v, f->name, year_state_money_get(st, (enum year_state_id)id));
    }
}

/* ---- the enrolment registry (store/enrol_rows.h) ---------------------------------- */
static int episode_row(void *ctx, const struct store_enrol_row *e) {
    struct view *v = ctx;
    assert(v != NULL && e != NULL);
    view_row(v);
    view_int(v, "insutype", strtol(e->col[EPI_INSUTYPE], NULL, 10));
    view_str(v, "admdvs", e->col[EPI_ADMDVS]);
    view_str(v, "category", e->col[EPI_CATEGORY]);
    view_str(v, "from_month", e->col[EPI_FROM]);
    view_str(v, "to_month", e->col[EPI_TO]);
    view_str(v, "reason", e->col[EPI_REASON]);
    view_str(v, "end_reason", e->col[EPI_END]);
    return 0;
}

static int binding_row(void *ctx, const struct store_enrol_row *b) {
    struct view *v = ctx;
    assert(v != NULL && b != NULL);
    view_row(v);
    view_str(v, "holder_psn_no", b->col[BIND_HOLDER]);
    view_str(v, "member_psn_no", b->col[BIND_MEMBER]);
    view_str(v, "relation", b->col[BIND_RELATION]);
    view_str(v, "valid_from", b->col[BIND_FROM]);
    view_str(v, "revoked_at", b->col[BIND_REVOKED]);
    return 0;
}

struct wage_print {
    struct view *v;
    const char *emp_no; /* the employer's rows only (a scan by who names persons too) */
};

static int wage_row(void *ctx, const struct store_enrol_row *w) {
    const struct wage_print *wp = ctx;
    struct view *v = wp->v;
    assert(v != NULL && w != NULL);
    if (strcmp(w->col[WAGE_EMP], wp->emp_no) != 0) return 0;
    char share[24];
    scaled_format(strtoll(w->col[WAGE_BASE], NULL, 10), 4, share, sizeof share);
    view_row(v);
    view_str(v, "month", w->col[WAGE_MONTH]);
    view_str(v, "psn_no", w->col[WAGE_PSN]);
    view_str(v, "emp_no", w->col[WAGE_EMP]);
    if (w->col[WAGE_EMP][0] != '\0') view_fen(v, "wage", strtoll(w->col[WAGE_WAGE], NULL, 10));
    else view_str(v, "wage", "");
    view_number(v, "base_share", w->col[WAGE_EMP][0] == '\0' ? share : "0");
    return 0;
}

/* A person's episodes and bindings (as holder or member), after the years. */
static int person_enrolment(struct store *store, const char *psn_no, struct view *v) {
    static const char *const ep_cols[] = {"insutype:-8",   "admdvs:6",   "category:10",
                                          "from_month:10", "to_month:8", "reason:12",
                                          "end_reason:12", NULL};
    static const char *const bind_cols[] = {"holder_psn_no:16", "member_psn_no:16", "relation:8",
                                            "valid_from:19",    "revoked_at:19",    NULL};
    struct store_err err = {{0}};
    view_list(v, "episodes", ep_cols);
    int rc = app_enrol_rows(store, ENROL_EPISODES, psn_no, episode_row, v, &err);
    view_list_end(v);
    view_list(v, "bindings", bind_cols);
    if (rc == 0) rc = app_enrol_rows(store, ENROL_BINDINGS, psn_no, binding_row, v, &err);
    view_list_end(v);
    if (rc != 0) fprintf(stderr, "yibao show: %s\n", err.msg);
    return rc != 0 ? EXIT_BAD_INPUT : 0;
}

struct employer_find {
    struct store_enrol_row row;
    bool found;
};

static int employer_found(void *ctx, const struct store_enrol_row *row) {
    struct employer_find *f = ctx;
    assert(f != NULL && row != NULL);
    f->row = *row;
    f->found = true;
    return 1;
}

/* `show employer EMP_NO`: the employer and the wages it declared. */
static int show_employer(struct store *store, const struct show_args *a, struct view *v) {
    static const char *const cols[] = {"month:7",  "psn_no:16",      "emp_no:12",
                                       "wage:-12", "base_share:-10", NULL};
    struct employer_find f = {.found = false};
    struct store_err err = {{0}};
    if (app_enrol_rows(store, ENROL_EMPLOYERS, a->id, employer_found, &f, &err) != 0)
        return fprintf(stderr, "yibao show: %s\n", err.msg), EXIT_BAD_INPUT;
    if (!f.found) return fprintf(stderr, "yibao show: no employer '%s'\n", a->id), 1;
    view_object(v, "employer", "employer");
    view_str(v, "emp_no", f.row.col[EMP_NO]);
    view_str(v, "emp_name", f.row.col[EMP_NAME]);
    view_str(v, "admdvs", f.row.col[EMP_ADMDVS]);
    view_bool(v, "struggling", strcmp(f.row.col[EMP_STRUGGLING], "1") == 0);
    view_object_end(v);
    view_list(v, "wages", cols);
    struct wage_print wp = {v, a->id};
    int rc = app_enrol_rows(store, ENROL_WAGES, a->id, wage_row, &wp, &err);
    view_list_end(v);
    if (rc != 0) fprintf(stderr, "yibao show: %s\n", err.msg);
    return rc != 0 ? EXIT_BAD_INPUT : 0;
}

/* Where benefit_start and contribution_short come from (app/benefit.h):
 * the episodes (derived, then the figures behind them) or a persons file. */
static int benefit_fields(struct store *store, const struct store_person *p, struct view *v) {
    char text[192];
    bool short_flag = (p->flags & FLAG_CONTRIBUTION_SHORT) != 0;
    if ((p->flags & FLAG_BENEFIT_DERIVED) == 0) {
        view_str(v, "benefit_source", "typed (persons file)");
        view_str(v, "contribution", short_flag ? "contribution_short (typed)" : "-");
        return 0;
    }
    struct app_benefit b;
    struct store_err err = {{0}};
    if (app_benefit_person(store, p, &b, &err) != 0)
        return fprintf(stderr, "yibao show: %s\n", err.msg), -1;
    if (b.resident && b.code == FUNDS_OK) {
        const struct app_benefit_resident *r = &b.res;
        if (r->own_fen == 0)
            snprintf(text, sizeof text,
                     "derived from the premium of %d (assisted in full, journal seq %lld)",
                     (int)r->year, (long long)r->due_seq);
        else if (r->paid_seq == 0)
            snprintf(text, sizeof text,
                     "derived from the premium of %d (not paid: no benefit in %d)", (int)r->year,
                     (int)r->year);
        else
            snprintf(text, sizeof text,
                     "derived from the premium of %d (paid %s%s, journal seq %lld)", (int)r->year,
                     r->paid_date, r->from_account ? " from a holder's account" : "",
                     (long long)r->paid_seq);
        view_str(v, "benefit_source", text);
        view_str(v, "contribution", "-");
        return 0;
    }
    if (!b.derivable || b.code != FUNDS_OK) {
        view_str(v, "benefit_source",
                 b.resident ? "derived from premiums (not derivable now: yibao check)"
                            : "derived from episodes (not derivable now: yibao check)");
        view_str(v, "contribution", short_flag ? "contribution_short" : "-");
        return 0;
    }
    snprintf(text, sizeof text, "derived from episodes (first month %04d-%02d, %s%d months gap)",
             (int)month_year(b.d.first_month), (int)month_number(b.d.first_month),
             b.d.start.has_gap ? "" : "no earlier coverage, ",
             b.d.start.has_gap ? (int)b.d.start.gap_months : 0);
    view_str(v, "benefit_source", text);
    const struct retirement *r = &b.d.retirement;
    if (!b.d.retired) snprintf(text, sizeof text, "contributing (not retired)");
    else if (r->short_months == 0)
        snprintf(text, sizeof text, "retired: minimum months met (%d in all, %d here)",
                 (int)r->total_months, (int)r->local_months);
    else if (b.lump_seq != 0)
        snprintf(text, sizeof text, "retired: %d months short, lump sum paid (journal seq %lld)",
                 (int)r->short_months, (long long)b.lump_seq);
    else
        snprintf(text, sizeof text,
                 "contribution_short: %d months short, lump sum %lld.%02lld yuan due",
                 (int)r->short_months, (long long)(r->lump_sum_fen / 100),
                 (long long)(r->lump_sum_fen % 100));
    view_str(v, "contribution", text);
    return 0;
}

static int show_person(struct store *store, const struct show_args *a, struct view *v) {
    long long year = 0;
    if (a->year != NULL && !cli_positive("--year", a->year, 9999, &year)) return EXIT_BAD_INPUT;
    struct app_person_view *pv = calloc(1, sizeof *pv);
    struct store_err err = {{0}};
    bool found = false;
    if (pv == NULL) return fprintf(stderr, "yibao show: out of memory\n"), EXIT_BAD_INPUT;
    int rc = app_person_view(store, a->id, (int32_t)year, pv, &found, &err);
    if (rc != 0 || !found) {
        if (rc != 0) fprintf(stderr, "yibao show: %s\n", err.msg);
        else fprintf(stderr, "yibao show: no person '%s'\n", a->id);
        free(pv);
        return rc != 0 ? EXIT_BAD_INPUT : EXIT_CHECK_FAILED;
    }
    const struct store_person *p = &pv->person;
    char when[20];
    datetime_format(p->benefit_start, when);
    when[10] = '\0';
    view_object(v, "person", "person");
    view_str(v, "psn_no", p->psn_no);
    view_str(v, "psn_name", p->name);
    view_str(v, "certno", p->certno);
    view_str(v, "gend", p->gender);
    view_str(v, "brdy", p->birth_date);
    view_int(v, "insutype", p->insutype);
    view_str(v, "category", category_name(p->category));
    char flags[PERSON_FLAGS_TEXT_BYTES];
    flags_format(p->flags, flags, sizeof flags);
    view_str(v, "flags", flags);
    view_str(v, "insuplc_admdvs", p->region);
    view_str(v, "benefit_start", when);
    if (p->benefit_years != 0) { /* a resident's start of each charged year */
        char years[BENEFIT_YEARS_TEXT_BYTES];
        app_benefit_years_text(p->benefit_years, years, sizeof years);
        view_str(v, "benefit_start_per_year", years);
    }
    if (benefit_fields(store, p, v) != 0) return free(pv), EXIT_BAD_INPUT;
    view_str(v, "status", insured_status_name(p->status));
    view_fen(v, "acct_balc", pv->acct_balc_fen);
    view_object_end(v);
    view_array(v, "years");
    for (int32_t i = 0; i < pv->year_count; i++) {
        char title[32];
        snprintf(title, sizeof title, "year %d", (int)pv->years[i].year);
        view_object(v, NULL, title);
        year_fields(v, &pv->years[i]);
        view_object_end(v);
    }
    view_array_end(v);
    free(pv);
    return person_enrolment(store, a->id, v);
}

static void settlement_lines(struct view *v, const struct bill *bill) {
    static const char *const cols[] = {"feedetl_sn:10", "med_list_codg:14",        "cnt:-10",
                                       "pric:-12",      "det_item_fee_sumamt:-14", NULL};
    view_list(v, "lines", cols);
    for (int32_t i = 0; i < bill->line_count; i++) {
        const struct bill_line *l = &bill->lines[i];
        char cnt[40], pric[40];
        scaled_format(l->cnt_scaled, 4, cnt, sizeof cnt);
        scaled_format(l->pric_scaled, 6, pric, sizeof pric);
        view_row(v);
        view_str(v, "feedetl_sn", l->feedetl_sn);
        view_str(v, "med_list_codg", l->med_list_codg);
        view_number(v, "cnt", cnt);
        view_number(v, "pric", pric);
        view_fen(v, "det_item_fee_sumamt", l->amount_fen);
    }
    view_list_end(v);
}

static void setlinfo_fields(struct view *v, const struct setlinfo *s) {
#define SHOW_SETL_(unused, name, kind) view_fen(v, #name, s->name);
    SETLINFO_FIELDS(SHOW_SETL_, ~)
#undef SHOW_SETL_
}

static int show_settlement(struct store *store, const struct show_args *a, struct view *v) {
    long long id = 0;
    if (!cli_positive("SETL_ID", a->id, INT64_MAX, &id)) return EXIT_BAD_INPUT;
    struct bill_line *lines = calloc(BILL_LINES_MAX, sizeof *lines);
    struct app_settlement_view *sv = calloc(1, sizeof *sv);
    struct store_err err = {{0}};
    bool found = false;
    int rc = lines && sv ? app_settlement_view(store, id, lines, BILL_LINES_MAX, sv, &found, &err)
                         : (snprintf(err.msg, sizeof err.msg, "out of memory"), -1);
    if (rc == 0 && found) {
        char setl_id[24], when[20];
        snprintf(setl_id, sizeof setl_id, "%lld", id);
        datetime_format(app_unix_to_local(sv->rec.time_us / 1000000), when);
        view_object(v, "settlement", "settlement");
        view_str(v, "setl_id", setl_id);
        view_str(v, "setl_time", when);
        view_str(v, "fixmedins_code", sv->rec.fixmedins_code);
        view_str(v, "psn_no", sv->rec.psn_no);
        view_str(v, "msgid", sv->rec.msgid);
        view_int(v, "insutype", sv->stl.insutype);
        view_str(v, "region", sv->stl.region);
        view_int(v, "year", sv->stl.year);
        view_bool(v, "revoked", sv->revoked);
        view_object_end(v);
        view_object(v, "setlinfo", "figures");
        setlinfo_fields(v, &sv->stl.setl);
        view_object_end(v);
        if (sv->has_bill) settlement_lines(v, &sv->bill);
    }
    if (rc != 0) fprintf(stderr, "yibao show: %s\n", err.msg);
    else if (!found) fprintf(stderr, "yibao show: no settlement %lld\n", id);
    free(lines);
    free(sv);
    return rc != 0 ? EXIT_BAD_INPUT : found ? 0 : EXIT_CHECK_FAILED;
}

static const char *type_name(enum institution_type t) {
    return t == INSTITUTION_PHARMACY ? "pharmacy" : "hospital";
}

static const char *designation_name(enum designation d) {
    return d == DESIGNATION_ACTIVE      ? "active"
           : d == DESIGNATION_SUSPENDED ? "suspended"
                                        : "revoked";
}

static int show_institution(struct store *store, const struct show_args *a, struct view *v) {
    const struct store_institution *in = store_institution_find(store, a->id);
    if (in == NULL) return fprintf(stderr, "yibao show: no institution '%s'\n", a->id), 1;
    int64_t count = 0, fund_fen = 0;
    struct store_err err = {{0}};
    if (store_totals(store, in->code, 0, INT64_MAX, &count, &fund_fen, &err) != 0)
        return fprintf(stderr, "yibao show: %s\n", err.msg), EXIT_BAD_INPUT;
    view_object(v, "institution", "institution");
    view_str(v, "fixmedins_code", in->code);
    view_str(v, "fixmedins_name", in->name);
    view_str(v, "type", type_name(in->type));
    view_str(v, "level", level_name(in->level));
    view_str(v, "admdvs", in->region);
    view_str(v, "status", designation_name(in->status));
    view_int(v, "settlements", count);
    view_fen(v, "fund_pay_sumamt", fund_fen);
    view_object_end(v);
    return 0;
}

struct journal_print {
    struct view *v;
    int64_t rows;
};

/* A record's note: an import's (store_import_note) or a revoke's (its
 * body's note=), "operator: reason"; or "". */
static void record_note(const struct journal_rec *rec, char *out, size_t size) {
    assert(out != NULL && size > 0);
    out[0] = '\0';
    struct store_settlement stl;
    const char *bad = NULL;
    if (rec->kind == JOURNAL_REVOKE && settlement_decode(rec->body, &stl, &bad) == 0) {
        snprintf(out, size, "%s", stl.note);
        return;
    }
    const char *by = rec->kind == JOURNAL_IMPORT ? strstr(rec->body, " by=") : NULL;
    const char *why = by ? strstr(by, " why=") : NULL;
    const char *end = why ? strstr(why, " content=") : NULL;
    if (end == NULL) return;
    snprintf(out, size, "%.*s: %.*s", (int)(why - by - 4), by + 4, (int)(end - why - 5), why + 5);
}

static int journal_row(void *ctx, const struct journal_rec *rec) {
    struct journal_print *jp = ctx;
    char note[2 * STORE_NOTE_BYTES_MAX + 8];
    record_note(rec, note, sizeof note);
    char seq[24], ref[24], when[20];
    assert(jp != NULL && rec != NULL);
    snprintf(seq, sizeof seq, "%" PRId64, rec->seq);
    snprintf(ref, sizeof ref, "%" PRId64, rec->ref_seq);
    datetime_format(app_unix_to_local(rec->time_us / 1000000), when);
    view_row(jp->v);
    view_str(jp->v, "seq", seq);
    view_str(jp->v, "time", when);
    view_str(jp->v, "kind", journal_kind_name(rec->kind));
    view_str(jp->v, "fixmedins_code", rec->fixmedins_code);
    view_str(jp->v, "psn_no", rec->psn_no);
    view_str(jp->v, "ref_seq", rec->ref_seq > 0 ? ref : "");
    view_str(jp->v, "msgid", rec->msgid);
    view_str(jp->v, "note", note);
    jp->rows++;
    return 0;
}

static int show_journal(struct store *store, const struct show_args *a, struct view *v) {
    long long from = 1, limit = SHOW_JOURNAL_LIMIT_DEFAULT;
    if ((a->from && !cli_positive("--from", a->from, INT64_MAX, &from)) ||
        (a->limit && !cli_positive("--limit", a->limit, SHOW_JOURNAL_LIMIT_MAX, &limit)))
        return EXIT_BAD_INPUT;
    static const char *const cols[] = {"seq:-8",    "time:19",    "kind:6",   "fixmedins_code:14",
                                       "psn_no:16", "ref_seq:-8", "msgid:26", "note:4",
                                       NULL};
    struct journal_print jp = {v, 0};
    struct store_err err = {{0}};
    view_list(v, "journal", cols);
    int rc = store_journal_range(store, from, from + limit - 1, journal_row, &jp, &err);
    view_list_end(v);
    if (rc != 0) fprintf(stderr, "yibao show: %s\n", err.msg);
    return rc != 0 ? EXIT_BAD_INPUT : 0;
}

static int fund_row(void *ctx, const char *account, int64_t amount_fen) {
    struct view *v = ctx;
    assert(v != NULL && account != NULL);
    view_row(v);
    view_str(v, "account", account);
    view_fen(v, "balance", amount_fen);
    return 0;
}

static int show_fund(struct store *store, const struct show_args *a, struct view *v) {
    long long year = 0;
    if (a->year != NULL && !cli_positive("--year", a->year, 9999, &year)) return EXIT_BAD_INPUT;
    static const char *const cols[] = {"account:28", "balance:-16", NULL};
    struct store_err err = {{0}};
    view_list(v, "funds", cols);
    int rc = app_fund_view(store, a->region ? a->region : "", (int32_t)year, fund_row, v, &err);
    view_list_end(v);
    if (rc != 0) fprintf(stderr, "yibao show: %s\n", err.msg);
    return rc != 0 ? EXIT_BAD_INPUT : 0;
}

/* The policies registered, every version (valid_from), in the store's
 * order (region, year, scheme); --region and --year narrow them. */
static int show_policy(struct store *store, const struct show_args *a, struct view *v) {
    long long year = 0;
    if (a->year != NULL && !cli_positive("--year", a->year, 9999, &year)) return EXIT_BAD_INPUT;
    static const char *const cols[] = {"region:8",      "year:-6", "insutype:-8",
                                       "valid_from:10", "id:24",   NULL};
    const struct registry *reg = store_registry_acquire(store);
    size_t n = 0;
    const struct policy *pols = registry_policies(reg, &n);
    assert(pols != NULL || n == 0);
    view_list(v, "policies", cols);
    for (size_t i = 0; i < n; i++) {
        const struct policy *p = &pols[i];
        if ((a->region != NULL && strcmp(a->region, p->region) != 0) ||
            (year != 0 && p->year != year))
            continue;
        char day[20];
        datetime_format(p->valid_from, day);
        day[10] = '\0';
        view_row(v);
        view_str(v, "region", p->region);
        view_int(v, "year", p->year);
        view_int(v, "insutype", p->insutype);
        view_str(v, "valid_from", day);
        view_str(v, "id", p->id);
    }
    view_list_end(v);
    store_registry_release(store, reg);
    return 0;
}

/* A ratio in basis points as the file writes it ("0.05"). */
static void view_ratio(struct view *v, const char *key, int32_t bp) {
    char text[16];
    assert(bp >= 0 && bp <= 100000);
    snprintf(text, sizeof text, "%d.%04d", (int)(bp / 10000), (int)(bp % 10000));
    view_number(v, key, text);
}

static int agreement_rows(void *ctx, const struct agreement *a) {
    struct view *v = ctx;
    assert(v != NULL && a != NULL && a->institution_count >= 1);
    for (int32_t i = 0; i < a->institution_count; i++) {
        const struct agreement_institution *x = &a->institutions[i];
        view_row(v);
        view_str(v, "region", a->region);
        view_int(v, "year", a->year);
        view_str(v, "fixmedins_code", x->fixmedins_code);
        view_str(v, "method", pay_method_name(x->method));
        view_ratio(v, "withhold_rate", x->withhold_rate_bp);
        view_bool(v, "quota_joined", x->quota_joined);
        view_fen(v, "budget", x->method == PAY_GLOBAL_BUDGET ? x->budget.budget_fen : 0);
        view_fen(v, "capitation_rate", x->capitation_rate_fen);
    }
    return 0;
}

/* The payment agreements registered, one row per institution, in the
 * store's order (region, year, then the file's); --region and --year
 * narrow them. */
static int show_payment(struct store *store, const struct show_args *a, struct view *v) {
    long long year = 0;
    if (a->year != NULL && !cli_positive("--year", a->year, 9999, &year)) return EXIT_BAD_INPUT;
    static const char *const cols[] = {
        "region:8",        "year:-6",    "fixmedins_code:14",   "method:15", "withhold_rate:-13",
        "quota_joined:12", "budget:-14", "capitation_rate:-15", NULL};
    struct store_err err = {{0}};
    view_list(v, "institutions", cols);
    int rc = app_agreements(store, a->region, (int32_t)year, agreement_rows, v, &err);
    view_list_end(v);
    if (rc != 0) fprintf(stderr, "yibao show: %s\n", err.msg);
    return rc != 0 ? EXIT_BAD_INPUT : 0;
}

static int run(int (*fn)(struct store *, const struct show_args *, struct view *),
               const struct show_args *a) {
    struct store *store = store_cli_open(a->db, STORE_MODE_READ_ONLY);
    if (store == NULL) return EXIT_BAD_INPUT;
    struct view v;
    view_begin(&v, a->json, stdout);
    int rc = fn(store, a, &v);
    if (view_end(&v) != 0 && rc == 0) rc = EXIT_BAD_INPUT;
    store_close(store);
    return rc;
}

int cmd_show(int argc, char **argv) {
    struct show_args a;
    if (parse(argc, argv, &a) != 0) return cli_usage("show", stderr), EXIT_BAD_INPUT;
    static const struct {
        const char *what;
        bool needs_id;
        int (*fn)(struct store *, const struct show_args *, struct view *);
    } kinds[] = {{"person", true, show_person},           {"settlement", true, show_settlement},
                 {"institution", true, show_institution}, {"employer", true, show_employer},
                 {"journal", false, show_journal},        {"fund", false, show_fund},
                 {"policy", false, show_policy},          {"payment", false, show_payment}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(a.what, kinds[i].what) != 0) continue;
        if (kinds[i].needs_id != (a.id != NULL)) break;
        return run(kinds[i].fn, &a);
    }
    cli_usage("show", stderr);
    return EXIT_BAD_INPUT;
}

static int settlement_row(void *ctx, const struct journal_rec *rec,
                          const struct store_settlement *stl) {
    struct view *v = ctx;
    char seq[24], ref[24], when[20];
    assert(v != NULL && rec != NULL && stl != NULL);
    snprintf(seq, sizeof seq, "%" PRId64, rec->seq);
    snprintf(ref, sizeof ref, "%" PRId64, rec->ref_seq);
    datetime_format(app_unix_to_local(rec->time_us / 1000000), when);
    int64_t sign = rec->kind == JOURNAL_REVOKE ? -1 : 1; /* a revoke undoes its figures */
    view_row(v);
    view_str(v, "setl_id", rec->kind == JOURNAL_REVOKE ? ref : seq);
    view_str(v, "time", when + 11);
    view_str(v, "kind", journal_kind_name(rec->kind));
    view_str(v, "fixmedins_code", rec->fixmedins_code);
    view_str(v, "psn_no", rec->psn_no);
    view_fen(v, "medfee_sumamt", sign * stl->setl.medfee_sumamt);
    view_fen(v, "fund_pay_sumamt", sign * stl->setl.fund_pay_sumamt);
    view_fen(v, "acct_pay", sign * stl->setl.acct_pay);
    view_fen(v, "psn_cash_pay", sign * stl->setl.psn_cash_pay);
    return 0;
}

/* `yibao list settlements --date YYYY-MM-DD [--institution CODE]`: the
 * day's settlements and revokes (local time, as 3201 reconciles them). */
int cmd_list(int argc, char **argv) {
    struct show_args a;
    datetime_s day = 0;
    if (parse(argc, argv, &a) != 0 || strcmp(a.what, "settlements") != 0 || a.id != NULL ||
        a.date == NULL)
        return cli_usage("list", stderr), EXIT_BAD_INPUT;
    if (strlen(a.date) != 10 || !datetime_parse(a.date, 10, &day))
        return fprintf(stderr, "yibao list: --date '%s': not YYYY-MM-DD\n", a.date), EXIT_BAD_INPUT;
    struct store *store = store_cli_open(a.db, STORE_MODE_READ_ONLY);
    if (store == NULL) return EXIT_BAD_INPUT;
    static const char *const cols[] = {"setl_id:-8",
                                       "time:8",
                                       "kind:6",
                                       "fixmedins_code:14",
                                       "psn_no:16",
                                       "medfee_sumamt:-14",
                                       "fund_pay_sumamt:-15",
                                       "acct_pay:-10",
                                       "psn_cash_pay:-12",
                                       NULL};
    struct view v;
    struct store_err err = {{0}};
    view_begin(&v, a.json, stdout);
    view_list(&v, "settlements", cols);
    int rc = app_list_settlements(store, a.institution ? a.institution : "", day, settlement_row,
                                  &v, &err);
    view_list_end(&v);
    if (view_end(&v) != 0 && rc == 0) rc = -1, snprintf(err.msg, sizeof err.msg, "out of memory");
    if (rc != 0) fprintf(stderr, "yibao list: %s\n", err.msg);
    store_close(store);
    return rc != 0 ? EXIT_BAD_INPUT : 0;
}
