/* settle.c: `yibao-bench settle [--n N] [--lines L] [--policy P]
 * [--catalog C] [--policy-set S]` measures the pure settle engine on one
 * core: no JSON, no I/O inside the timed loop. The bills are BENCH_BILLS of
 * a synthetic city's year (src/gen, every bill with exactly L lines) whose
 * person has the policy's scheme, drawn up front in the year's order in the
 * mix of the earlier private generator (half inpatient, 30 % general and
 * 20 % special-disease outpatient), so that figures stay comparable; they
 * are settled N times round, each settlement's delta applied to its
 * person's year so that deductibles and caps evolve as in a real year. The
 * pool's persons and year states are packed in the order of their first
 * bill, so that the loop walks them in order as it walks the bills. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench.h"
#include "cli/common.h"
#include "codec/codec.h"
#include "core/settle.h"
#include "gen/gen.h"

#define BENCH_BILLS 4096
#define BENCH_PERSONS 32000 /* the city's: enough stays for the mix's half, either scheme */
#define BENCH_SEED 42
#define BENCH_ADMISSIONS_MAX 20 /* a year state is started afresh past this */
#define BENCH_N_MAX 1000000000LL

struct bench_world {
    struct policy policy;
    struct catalog catalog;
    struct gen_city *city;
    struct person persons[BENCH_BILLS]; /* the pool's persons, by first bill */
    struct year_state states[BENCH_BILLS];
    int person_count;
    struct bill bills[BENCH_BILLS];
    const struct institution *inst[BENCH_BILLS];
    int32_t who[BENCH_BILLS]; /* the bill's person: index into persons */
    int bill_count;
    struct bill_line *lines;     /* BENCH_BILLS x L */
    int32_t slot[BENCH_PERSONS]; /* drawing: a city person's index into persons,
                                     * -1 not seen, -2 not of the policy's scheme */
};

static int open_city(struct bench_world *w, const char *set, long long lines) {
    struct gen_config config;
    char err[GEN_ERR_BYTES];
    gen_config_defaults(&config);
    config.seed = BENCH_SEED;
    config.persons = BENCH_PERSONS;
    config.policy_set = set;
    config.year = w->policy.year;
    config.bill_lines = (int32_t)lines;
    if (gen_city_open(&config, &w->city, err, sizeof err) != 0)
        return fprintf(stderr, "yibao-bench settle: %s\n", err), -1;
    for (int p = 0; p < BENCH_PERSONS; p++) w->slot[p] = -1;
    return 0;
}

/* The slot of city person psn in persons (taken on first sight), or -2
 * when the person is not of the policy's scheme. */
static int32_t person_slot(struct bench_world *w, int64_t psn) {
    assert(psn >= 0 && psn < BENCH_PERSONS);
    if (w->slot[psn] != -1) return w->slot[psn];
    struct gen_person gp;
    gen_person_get(w->city, psn, &gp);
    if (gp.person.insutype != w->policy.insutype) return w->slot[psn] = -2;
    assert(w->person_count < BENCH_BILLS);
    int32_t s = w->person_count++;
    w->persons[s] = gp.person;
    year_state_init(&w->states[s], w->policy.year, gp.person.acct_balc_fen);
    return w->slot[psn] = s;
}

/* Bills of the pool by med_type (the earlier generator's mix); they add
 * up to BENCH_BILLS. */
static int quota(int med_type) {
    const int general = BENCH_BILLS * 3 / 10, special = BENCH_BILLS * 2 / 10;
    switch (med_type) {
    case MED_TYPE_INPATIENT: return BENCH_BILLS - general - special;
    case MED_TYPE_GENERAL_OUTPATIENT: return general;
    case MED_TYPE_SPECIAL_OUTPATIENT: return special;
    default: return 0;
    }
}

/* The year's first bills of persons under the policy's scheme, each
 * med_type up to its share of BENCH_BILLS. */
static int draw_bills(struct bench_world *w, long long lines) {
    struct gen_stream *stream = NULL;
    struct gen_bill_out *out = malloc(sizeof *out);
    int taken[MED_TYPE_PHARMACY + 1] = {0};
    int rc = out != NULL && gen_stream_open(w->city, &stream) == 0 ? 1 : -1;
    while (rc == 1 && w->bill_count < BENCH_BILLS && (rc = gen_next_bill(stream, out)) == 1) {
        int type = out->bill.med_type;
        assert(type >= 0 && type <= MED_TYPE_PHARMACY);
        if (taken[type] >= quota(type)) continue;
        if (w->slot[out->psn_index] == -2) continue;
        int32_t who = person_slot(w, out->psn_index);
        if (who < 0) continue;
        taken[type]++;
        assert(out->bill.line_count == lines && out->psn_index < BENCH_PERSONS);
        int k = w->bill_count++;
        struct bill_line *dst = &w->lines[(size_t)k * (size_t)lines];
        memcpy(dst, out->lines, (size_t)lines * sizeof *dst);
        w->bills[k] = out->bill;
        w->bills[k].lines = dst;
        w->inst[k] = &gen_institution_get(w->city, out->institution_index)->inst;
        w->who[k] = who;
    }
    gen_stream_close(stream);
    free(out);
    if (rc < 0) return fprintf(stderr, "yibao-bench settle: the generator failed\n"), -1;
    if (w->bill_count == 0)
        return fprintf(stderr,
                       "yibao-bench settle: --policy: no person of the city has its scheme\n"),
               -1;
    return 0;
}

static double run_settlements(struct bench_world *w, long long n, long long *failures) {
    struct settle_result result;
    struct timespec t0, t1;
    assert(w->bill_count > 0 && n > 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long long i = 0; i < n; i++) {
        int k = (int)(i % w->bill_count), p = w->who[k];
        struct settle_input in = {&w->policy,    &w->catalog,  w->inst[k], &w->persons[p],
                                  &w->states[p], &w->bills[k], NULL,       0};
        if (settle(&in, &result, NULL, NULL) != SETTLE_OK) {
            (*failures)++;
            continue;
        }
        year_state_apply(&w->states[p], &result.delta);
        if (w->states[p].admissions > BENCH_ADMISSIONS_MAX)
            year_state_init(&w->states[p], w->policy.year, w->persons[p].acct_balc_fen);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

static int measure(struct bench_world *w, long long n, long long lines) {
    long long failures = 0;
    double seconds = run_settlements(w, n, &failures);
    printf(
        "{\"bench\":\"settle\",\"settlements\":%lld,\"lines_per_bill\":%lld,\"seconds\":%.3f,"
        "\"settlements_per_s\":%.0f,\"lines_per_s\":%.0f,\"ns_per_settlement\":%.1f,\"refused\":%lld}\n",
        n, lines, seconds, (double)n / seconds, (double)(n * lines) / seconds,
        seconds * 1e9 / (double)n, failures);
    if (failures > 0) fprintf(stderr, "yibao-bench settle: %lld settlements refused\n", failures);
    return failures == 0 ? 0 : EXIT_CHECK_FAILED;
}

int bench_settle(int argc, char **argv) {
    const char *policy = "policies/maoming-2020-resident.json";
    const char *catalog = "policies/catalog-conformance.json", *set = "maoming-2020";
    const char *n_text = "2000000", *lines_text = "7";
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++)
        if (!cli_option(argc, argv, &i, "--n", &n_text, &bad) &&
            !cli_option(argc, argv, &i, "--lines", &lines_text, &bad) &&
            !cli_option(argc, argv, &i, "--policy", &policy, &bad) &&
            !cli_option(argc, argv, &i, "--catalog", &catalog, &bad) &&
            !cli_option(argc, argv, &i, "--policy-set", &set, &bad))
            bad = fprintf(stderr, "yibao-bench settle: unexpected argument '%s'\n", argv[i]) > 0;
    long long n, lines;
    if (bad || !cli_positive("--n", n_text, BENCH_N_MAX, &n) ||
        !cli_positive("--lines", lines_text, GEN_FIXED_LINES_MAX, &lines))
        return EXIT_BAD_INPUT;
    struct bench_world *w = calloc(1, sizeof *w);
    char err[CODEC_ERR_BYTES];
    int rc = EXIT_BAD_INPUT;
    if (w == NULL ||
        (w->lines = calloc((size_t)BENCH_BILLS * (size_t)lines, sizeof *w->lines)) == NULL) {
        fprintf(stderr, "yibao-bench: out of memory\n");
    } else if (policy_load_file(policy, &w->policy, err, sizeof err) != 0 ||
               catalog_load_file(catalog, &w->catalog, err, sizeof err) != 0) {
        fprintf(stderr, "yibao-bench: %s\n", err);
    } else if (open_city(w, set, lines) == 0 && draw_bills(w, lines) == 0) {
        rc = measure(w, n, lines);
    }
    if (w) {
        if (w->city) gen_city_close(w->city);
        catalog_free(&w->catalog);
        free(w->lines);
    }
    free(w);
    return rc;
}
