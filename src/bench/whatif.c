/* whatif.c: `yibao-bench whatif` — the policy what-if (issue 17 item 5)
 * over a synthetic city's whole year, in memory, without a store:
 *
 *   yibao-bench whatif [--persons N] [--seed S] [--policy-set NAME] --policy FILE [--policy ...]
 *                      [--bills N]
 *
 * The generator streams the year's bills (as `yibao-bench year` does) and
 * each is settled twice through the settlement use case `yibao whatif`'s
 * replay settles with (app_settle, src/app/settle_case.c): once under the
 * set's own policies ("before": what the commit queue would have
 * journaled) and once under the set with each --policy FILE in place of
 * the set's policy of its key ("after"), each side on year states of its
 * own, both from zero. The figures are summed per fund as the what-if's
 * report sums them (whatif_add, core/whatif.h). Persons are the registry
 * rows a store would import (gen_typer_person: persons.csv's typing),
 * without family bindings, contributions or revokes (a city-year built by
 * `yibao gen city --registry-only`, the imports and `yibao-bench year
 * --db` has none of them either), so a store of the same city-year gives
 * `yibao whatif` the same figures to the fen (tests/t_bench_whatif.sh).
 * What this does not cover: reading the journal (bills, persons, revokes)
 * from a store and the books for months of support.
 *
 * Prints one JSON line: wall and CPU seconds, peak RSS, bills, settlements,
 * refusals, and per fund before, after and change in yuan. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "app/settle_case.h"
#include "bench/bench.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "codec/codec.h"
#include "core/money.h"
#include "core/whatif.h"
#include "gen/gen.h"

#define WHATIF_FILES_MAX 16 /* --policy files, as `yibao whatif` takes */

/* A person's registry row as the typer gave it, kept from the first bill:
 * the benefit start and the contribution_short flag it may change. */
struct typed {
    datetime_s benefit_start;
    bool known, contribution_short;
};

/* One side of the what-if: its policies, its persons' year states, its sums. */
struct side {
    struct wi_run *run;
    const struct policy *replace; /* the what-if's policies (after), or NULL */
    size_t replace_count;
    struct bench_packed_state *states; /* by person index */
    struct whatif_side sums;
};

struct wi_run {
    struct policy policies[BENCH_SET_POLICIES_MAX];
    int policy_count;
    struct policy changed[WHATIF_FILES_MAX];
    size_t changed_count;
    struct catalog catalog;
    struct gen_city *city;
    struct gen_typer *typer;
    struct typed *typed; /* by person index */
    struct store_institution *insts;
    int32_t inst_count;
    int32_t year;
    struct side sides[2]; /* before, after */
    /* the bill being settled: its person's row and index */
    struct store_person person;
    int64_t psn_index;
    int32_t inst_index; /* the generator's index of the bill's institution */
    int64_t bills, bills_max, refused_before, refused_after, overflow;
    struct progress progress;
    datetime_s year_from;
};

/* ---- the registry and the persons, as app_settle reads them ---------------- */
static const struct store_institution *wi_institution(const void *ctx, const char *code) {
    const struct side *s = ctx;
    assert(s != NULL && code != NULL);
    /* the bill's own first: a scan of thousands of codes for each of the
     * three look-ups of a bill was most of the 6.5M year's CPU */
    const struct wi_run *run = s->run;
    if (run->inst_index >= 0 && run->inst_index < run->inst_count &&
        strcmp(run->insts[run->inst_index].code, code) == 0)
        return &run->insts[run->inst_index];
    for (int32_t i = 0; i < run->inst_count; i++)
        if (strcmp(run->insts[i].code, code) == 0) return &run->insts[i];
    return NULL;
}

/* A what-if policy replaces every version of its key (as deep_policy
 * does); else the set's version in force at `at`. */
static const struct policy *wi_policy(const void *ctx, const char *region, int32_t year,
                                      int32_t insutype, datetime_s at) {
    const struct side *s = ctx;
    assert(s != NULL && region != NULL);
    for (size_t i = 0; i < s->replace_count; i++) {
        const struct policy *w = &s->replace[i];
        if (w->year == year && w->insutype == insutype && strcmp(w->region, region) == 0) return w;
    }
    return policy_version_at(s->run->policies, (size_t)s->run->policy_count, region, year, insutype,
                             at);
}

/* Any policy of the region, its scheme's first, for the engine's refusal. */
static const struct policy *wi_fallback(const void *ctx, const char *region, int32_t insutype) {
    const struct side *s = ctx;
    const struct policy *best = NULL;
    assert(s != NULL && region != NULL);
    for (int i = 0; i < s->run->policy_count; i++) {
        const struct policy *p = &s->run->policies[i];
        if (strcmp(p->region, region) != 0) continue;
        if (best == NULL || (p->insutype == insutype && best->insutype != insutype)) best = p;
    }
    return best;
}

static const struct catalog *wi_catalog(const void *ctx) {
    const struct side *s = ctx;
    assert(s != NULL);
    return &s->run->catalog;
}

/* Only the bill's own person is ever asked for (no bindings). */
static int wi_person(void *ctx, const char *psn_no, struct store_person *out, bool *found,
                     struct store_err *err) {
    const struct side *s = ctx;
    assert(s != NULL && psn_no != NULL && out != NULL && found != NULL && err != NULL);
    *found = strcmp(s->run->person.psn_no, psn_no) == 0;
    if (*found) *out = s->run->person;
    return 0;
}

static int wi_state(void *ctx, const char *psn_no, int32_t year, struct year_state *out,
                    struct store_err *err) {
    const struct side *s = ctx;
    assert(s != NULL && psn_no != NULL && out != NULL);
    if (year != s->run->year || strcmp(psn_no, s->run->person.psn_no) != 0)
        return store_errf(err, "whatif: %s: a state of year %d, not the city's", psn_no, (int)year),
               -1;
    bench_unpack(&s->states[s->run->psn_index], out, year, s->run->person.acct_open_fen);
    return 0;
}

/* ---- the year -------------------------------------------------------------- */
/* The registry row of person index, as a store imports it (persons.csv). */
static void person_row(struct wi_run *run, int64_t index) {
    struct gen_person gp;
    struct typed *t = &run->typed[index];
    gen_person_get(run->city, index, &gp);
    if (!t->known) { /* planning the episodes once a person */
        struct gen_person typed;
        gen_typer_person(run->typer, index, &typed);
        t->benefit_start = typed.person.benefit_start;
        t->contribution_short = (typed.person.flags & FLAG_CONTRIBUTION_SHORT) != 0;
        t->known = true;
    }
    gp.person.benefit_start = t->benefit_start;
    gp.person.flags &= ~(uint32_t)FLAG_CONTRIBUTION_SHORT;
    if (t->contribution_short) gp.person.flags |= FLAG_CONTRIBUTION_SHORT;
    struct store_person *p = &run->person;
    memset(p, 0, sizeof *p);
    snprintf(p->psn_no, sizeof p->psn_no, "%s", gp.person.psn_no);
    snprintf(p->region, sizeof p->region, "%s", gp.insuplc_admdvs);
    p->insutype = gp.person.insutype;
    p->category = gp.person.category;
    p->flags = gp.person.flags;
    p->benefit_start = gp.person.benefit_start;
    p->benefit_years = gp.person.benefit_years;
    p->acct_open_fen = gp.person.acct_balc_fen;
    p->status = INSURED_ACTIVE;
    run->psn_index = index;
}

/* Settles the bill on one side: 1 settled (ans), 0 refused, -1 an error. */
static int side_settle(struct side *s, const struct bill *bill, struct app_settle_answer *ans) {
    struct store_err err;
    assert(s != NULL && bill != NULL && ans != NULL);
    struct app_registry reg = {s, wi_institution, wi_policy, wi_fallback, wi_catalog, NULL};
    struct app_person_reader reader = {s, wi_person, wi_state, NULL};
    struct app_settle_request req = {s->run->person.psn_no, bill, 0};
    if (app_settle(&reg, &reader, &req, ans, NULL, NULL, &err) != 0)
        return fprintf(stderr, "yibao-bench whatif: %s\n", err.msg) > 0 ? -1 : -1;
    if (ans->refusal.code != NULL) return 0;
    /* the settlement's delta on the side's year, as the replay applies it */
    struct year_state st = ans->state_before;
    year_state_apply(&st, &ans->stl.delta);
    if (!bench_pack(&s->states[s->run->psn_index], &st)) s->run->overflow++;
    return 1;
}

/* One bill: before, then (when the set's policies settle it: a bill they
 * refuse would not be in a store's journal) after, both summed. */
static int whatif_bill(struct wi_run *run, const struct gen_bill_out *out) {
    static struct app_settle_answer before, after; /* large: off the stack */
    assert(run != NULL && out != NULL && out->psn_index < gen_city_persons(run->city));
    person_row(run, out->psn_index);
    run->inst_index = out->institution_index;
    int b = side_settle(&run->sides[0], &out->bill, &before);
    if (b <= 0) return b < 0 ? -1 : (run->refused_before++, 0);
    int a = side_settle(&run->sides[1], &out->bill, &after);
    if (a < 0) return -1;
    const struct store_institution *inst = wi_institution(&run->sides[0], out->bill.fixmedins_code);
    struct whatif_where where = {inst != NULL ? inst->level : LEVEL_NONE, before.person.insutype,
                                 before.person.category};
    whatif_add(&run->sides[0].sums, &where, &before.stl.setl, 1);
    if (a == 1) whatif_add(&run->sides[1].sums, &where, &after.stl.setl, 1);
    else run->refused_after++;
    return 0;
}

static int whatif_year(struct wi_run *run) {
    struct gen_stream *stream = NULL;
    struct gen_bill_out *out = malloc(sizeof *out);
    int rc = -1;
    assert(run != NULL && run->city != NULL);
    if (out == NULL || gen_stream_open(run->city, &stream) != 0) goto done;
    while ((run->bills_max == 0 || run->bills < run->bills_max) &&
           (rc = gen_next_bill(stream, out)) == 1) {
        out->bill.lines = out->lines;
        if (whatif_bill(run, out) != 0) {
            rc = -2;
            break;
        }
        run->bills++;
        double fraction = run->bills_max > 0
                              ? (double)run->bills / (double)run->bills_max
                              : (double)(out->bill.endtime - run->year_from) / (366.0 * 86400.0);
        progress_update(&run->progress, run->bills, fraction);
        if (progress_interrupted() != 0) break;
    }
    if (rc == 1) rc = 0; /* stopped at --bills or by a signal */
done:
    if (stream) gen_stream_close(stream);
    free(out);
    if (rc == -1) fprintf(stderr, "yibao-bench whatif: the generator failed\n");
    return rc == 0 ? 0 : -1;
}

/* ---- the figures ----------------------------------------------------------- */
static void yuan_triple(const char *key, const char *name, int64_t before_fen, int64_t after_fen,
                        bool first) {
    char b[32], a[32], c[32];
    assert(key != NULL && name != NULL);
    money_format(before_fen, b, sizeof b);
    money_format(after_fen, a, sizeof a);
    money_format(after_fen - before_fen, c, sizeof c);
    printf("%s{\"%s\":\"%s\",\"before\":%s,\"after\":%s,\"change\":%s}", first ? "" : ",", key,
           name, b, a, c);
}

static void print_figures(const struct wi_run *run, double wall_s) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpu_s = (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 +
                   (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;
    const struct whatif_sums *b = &run->sides[0].sums.total, *a = &run->sides[1].sums.total;
    printf("{\"bench\":\"whatif\",\"persons\":%lld,\"bills\":%lld,\"settlements\":%lld,"
           "\"refused_before\":%lld,\"refused_after\":%lld,\"wall_s\":%.1f,\"cpu_s\":%.1f,"
           "\"peak_rss_mib\":%.0f,\"state_bytes_per_person\":%zu,\"funds\":[",
           (long long)gen_city_persons(run->city), (long long)run->bills, (long long)b->settlements,
           (long long)run->refused_before, (long long)run->refused_after, wall_s, cpu_s,
           (double)usage.ru_maxrss / 1024.0,
           2 * sizeof(struct bench_packed_state) + sizeof(struct typed));
    for (int f = 0; f < FUND_LAYER_COUNT; f++)
        yuan_triple("fund", fund_layer((enum fund_layer_id)f)->fund, b->fund_fen[f], a->fund_fen[f],
                    f == 0);
    yuan_triple("fund", "total", b->fund_pay_sumamt_fen, a->fund_pay_sumamt_fen, false);
    printf("],\"out_of_pocket\":");
    char bo[32], ao[32], co[32];
    money_format(b->psn_part_amt_fen, bo, sizeof bo);
    money_format(a->psn_part_amt_fen, ao, sizeof ao);
    money_format(a->psn_part_amt_fen - b->psn_part_amt_fen, co, sizeof co);
    printf("{\"before\":%s,\"after\":%s,\"change\":%s}}\n", bo, ao, co);
}

/* ---- the command ----------------------------------------------------------- */
/* Loads --policy FILE as a what-if policy of the set: of the city's year,
 * of a key the set has, not a second of one key. 0, or -1 after saying why. */
static int load_changed(struct wi_run *run, const char *path) {
    char err[CODEC_ERR_BYTES];
    assert(run != NULL && path != NULL && run->changed_count < WHATIF_FILES_MAX);
    struct policy *p = &run->changed[run->changed_count];
    if (policy_load_file(path, p, err, sizeof err) != 0)
        return fprintf(stderr, "yibao-bench whatif: %s\n", err) > 0 ? -1 : -1;
    if (p->year != run->year)
        return fprintf(stderr, "yibao-bench whatif: %s: year: is %d, not the city's year %d\n",
                       path, (int)p->year, (int)run->year) > 0
                   ? -1
                   : -1;
    bool key = false;
    for (int i = 0; i < run->policy_count; i++)
        key = key ||
              (run->policies[i].year == p->year && run->policies[i].insutype == p->insutype &&
               strcmp(run->policies[i].region, p->region) == 0);
    for (size_t i = 0; i < run->changed_count && key; i++)
        key = !(run->changed[i].insutype == p->insutype &&
                strcmp(run->changed[i].region, p->region) == 0);
    if (!key)
        return fprintf(stderr,
                       "yibao-bench whatif: %s: insutype: region %s, scheme %d: not a policy of "
                       "the set to replace, or a second what-if policy of it\n",
                       path, p->region, (int)p->insutype) > 0
                   ? -1
                   : -1;
    run->changed_count++;
    return 0;
}

/* The city's institutions as a store imports them (institutions.csv). */
static int load_institutions(struct wi_run *run) {
    int32_t n = 0;
    assert(run != NULL && run->city != NULL);
    while (gen_institution_get(run->city, n) != NULL) n++;
    run->insts = calloc(n > 0 ? (size_t)n : 1, sizeof *run->insts);
    if (run->insts == NULL) return -1;
    for (int32_t i = 0; i < n; i++) {
        const struct gen_institution *g = gen_institution_get(run->city, i);
        struct store_institution *s = &run->insts[i];
        snprintf(s->code, sizeof s->code, "%s", g->inst.code);
        snprintf(s->name, sizeof s->name, "%s", g->name);
        snprintf(s->region, sizeof s->region, "%s", g->admdvs);
        s->type = g->inst.type;
        s->level = g->inst.level;
        s->status = DESIGNATION_ACTIVE;
    }
    run->inst_count = n;
    return 0;
}

/* The city, its registry and the two sides' states; 0, or -1 after saying why. */
static int wi_open(struct wi_run *run, long long persons, long long seed, const char *set) {
    struct gen_config config;
    char err[256];
    assert(run != NULL && persons > 0);
    gen_config_defaults(&config);
    config.persons = persons;
    config.seed = (uint64_t)seed;
    config.policy_set = set;
    if (gen_city_open(&config, &run->city, err, sizeof err) != 0)
        return fprintf(stderr, "yibao-bench whatif: %s\n", err) > 0 ? -1 : -1;
    run->year = gen_city_year(run->city);
    run->year_from = datetime_from_civil(run->year, 1, 1, 0, 0, 0);
    for (int i = 0; i < 2; i++) {
        run->sides[i].run = run;
        run->sides[i].states = calloc((size_t)persons, sizeof *run->sides[i].states);
    }
    run->typed = calloc((size_t)persons, sizeof *run->typed);
    if (run->sides[0].states == NULL || run->sides[1].states == NULL || run->typed == NULL ||
        gen_typer_open(run->city, &run->typer) != 0 || load_institutions(run) != 0)
        return fprintf(stderr, "yibao-bench whatif: no memory for %lld persons\n", persons) > 0
                   ? -1
                   : -1;
    run->sides[1].replace = run->changed;
    return 0;
}

static void wi_close(struct wi_run *run) {
    assert(run != NULL);
    if (run->typer) gen_typer_close(run->typer);
    if (run->city) gen_city_close(run->city);
    catalog_free(&run->catalog);
    free(run->sides[0].states);
    free(run->sides[1].states);
    free(run->typed);
    free(run->insts);
    free(run);
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Runs the year and prints the figures: the command's exit status. */
static int wi_run_year(struct wi_run *run) {
    assert(run != NULL);
    double t0 = now_s();
    progress_catch_signals();
    progress_start(&run->progress, "whatif", "bills");
    int done = whatif_year(run);
    progress_finish(&run->progress);
    if (done != 0) return EXIT_CHECK_FAILED;
    if (progress_interrupted() != 0) {
        fprintf(stderr, "yibao-bench whatif: stopped by a signal after %lld bills; no figures\n",
                (long long)run->bills);
        return progress_exit_status();
    }
    print_figures(run, now_s() - t0);
    if (run->overflow != 0)
        fprintf(stderr, "yibao-bench whatif: %lld year states had more diseases than packed\n",
                (long long)run->overflow);
    return run->overflow == 0 ? 0 : EXIT_CHECK_FAILED;
}

int bench_whatif(int argc, char **argv) {
    const char *persons_text = "6500000", *seed_text = "1", *set = "maoming-2020";
    const char *bills_text = NULL, *files[WHATIF_FILES_MAX], *file = NULL;
    size_t nfiles = 0;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--policy", &file, &bad)) {
            if (!bad && nfiles == WHATIF_FILES_MAX)
                bad = fprintf(stderr, "yibao-bench whatif: at most %d --policy files\n",
                              WHATIF_FILES_MAX) > 0;
            else if (!bad) files[nfiles++] = file;
        } else if (!cli_option(argc, argv, &i, "--persons", &persons_text, &bad) &&
                   !cli_option(argc, argv, &i, "--seed", &seed_text, &bad) &&
                   !cli_option(argc, argv, &i, "--policy-set", &set, &bad) &&
                   !cli_option(argc, argv, &i, "--bills", &bills_text, &bad))
            bad = fprintf(stderr, "yibao-bench whatif: unexpected argument '%s'\n", argv[i]) > 0;
    }
    if (!bad && nfiles == 0)
        bad = fprintf(stderr, "usage: yibao-bench whatif [--persons N] [--seed S] [--policy-set "
                              "NAME] --policy FILE [--policy FILE ...] [--bills N]\n") > 0;
    long long persons, seed, bills_max = 0;
    if (bad || !cli_positive("--persons", persons_text, GEN_PERSONS_MAX, &persons) ||
        !cli_positive("--seed", seed_text, INT64_MAX / 2, &seed) ||
        (bills_text && !cli_positive("--bills", bills_text, INT64_MAX / 2, &bills_max)))
        return EXIT_BAD_INPUT;
    struct wi_run *run = calloc(1, sizeof *run);
    if (run == NULL) return fprintf(stderr, "yibao-bench: out of memory\n"), EXIT_BAD_INPUT;
    catalog_init(&run->catalog);
    run->bills_max = bills_max;
    int rc = EXIT_BAD_INPUT;
    if (bench_policy_set(set, run->policies, &run->policy_count, &run->catalog) == 0 &&
        wi_open(run, persons, seed, set) == 0) {
        bool loaded = true;
        for (size_t i = 0; i < nfiles && loaded; i++) loaded = load_changed(run, files[i]) == 0;
        run->sides[1].replace_count = run->changed_count;
        if (loaded) rc = wi_run_year(run);
    }
    wi_close(run);
    return rc;
}
