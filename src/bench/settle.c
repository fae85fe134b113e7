/* settle.c: `yibao-bench settle [--n N] [--lines L]` measures the pure
 * settle engine on one core: no JSON, no I/O inside the timed loop. Bills
 * are generated in memory up front from the catalog's codes; each
 * settlement's delta is applied to its person's year so that deductibles
 * and caps evolve as in a real year. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench.h"
#include "cli/common.h"
#include "codec/codec.h"
#include "core/money.h"
#include "core/settle.h"
#include "gen/gen_rng.h"

#define BENCH_BILLS 4096
#define BENCH_PERSONS 1024
#define BENCH_N_MAX 1000000000LL

struct bench_world {
    struct policy policy;
    struct catalog catalog;
    struct institution institutions[4];
    struct person persons[BENCH_PERSONS];
    struct year_state states[BENCH_PERSONS];
    struct bill bills[BENCH_BILLS];
    struct bill_line *lines;
};

static uint64_t rng_next(uint64_t *s) {
    return gen_splitmix64(s);
}

static void make_line(struct bench_world *w, struct bill_line *line, int n, uint64_t *rng) {
    const struct catalog_item *item = &w->catalog.items[rng_next(rng) % w->catalog.count];
    memset(line, 0, sizeof *line);
    snprintf(line->feedetl_sn, sizeof line->feedetl_sn, "%d", n + 1);
    line->has_feedetl_sn = true;
    snprintf(line->med_list_codg, sizeof line->med_list_codg, "%s", item->code);
    line->cnt_scaled = (int64_t)(1 + rng_next(rng) % 20) * CNT_SCALE;
    line->pric_scaled = (int64_t)(100 + rng_next(rng) % 100000) * 10000; /* 1.00 .. 1000.99 yuan */
    line->amount_fen = line->cnt_scaled / CNT_SCALE * line->pric_scaled / 10000;
    line->numbers_ok = true;
}

static void make_bills(struct bench_world *w, int lines_per_bill) {
    uint64_t rng = 42;
    static const enum med_type types[10] = {21, 21, 21, 21, 21, 11, 11, 11, 14, 14};
    for (int b = 0; b < BENCH_BILLS; b++) {
        struct bill *bill = &w->bills[b];
        memset(bill, 0, sizeof *bill);
        bill->med_type = types[rng_next(&rng) % 10];
        int inst = bill->med_type == MED_TYPE_GENERAL_OUTPATIENT ? 0 : (int)(rng_next(&rng) % 4);
        snprintf(bill->fixmedins_code, sizeof bill->fixmedins_code, "%s", w->institutions[inst].code);
        bill->dates_ok = true;
        bill->begntime = datetime_from_civil(w->policy.year, 3, 2, 8, 0, 0);
        bill->endtime = datetime_from_civil(w->policy.year, 3, 9, 10, 0, 0);
        snprintf(bill->dise_codg, sizeof bill->dise_codg, "K35.8");
        snprintf(bill->spec_dise_codg, sizeof bill->spec_dise_codg, "%s",
                 w->policy.disease_count ? w->policy.diseases[b % w->policy.disease_count].code : "");
        bill->out_of_area = rng_next(&rng) % 20 == 0;
        bill->acct_used = true;
        bill->line_count = lines_per_bill;
        bill->lines = &w->lines[(size_t)b * (size_t)lines_per_bill];
        for (int l = 0; l < lines_per_bill; l++) make_line(w, &bill->lines[l], l, &rng);
    }
}

static void make_people(struct bench_world *w) {
    static const char *codes[4] = {"H0", "H1", "H2", "H3"};
    for (int l = 0; l < 4; l++) {
        snprintf(w->institutions[l].code, sizeof w->institutions[l].code, "%s", codes[l]);
        w->institutions[l].type = INSTITUTION_HOSPITAL;
        w->institutions[l].level = (enum level)l;
    }
    for (int p = 0; p < BENCH_PERSONS; p++) {
        struct person *person = &w->persons[p];
        memset(person, 0, sizeof *person);
        snprintf(person->psn_no, sizeof person->psn_no, "B%06d", p);
        person->insutype = w->policy.insutype;
        person->category = w->policy.insutype == INSUTYPE_EMPLOYEE ? (p % 4 == 0 ? CATEGORY_RETIRED : CATEGORY_IN_SERVICE)
                                                                   : (p % 5 == 0 ? CATEGORY_MINOR : CATEGORY_ADULT);
        person->flags = p % 50 == 0 ? FLAG_LOW_INCOME : p % 97 == 0 ? FLAG_EXTREME_POVERTY : 0;
        person->acct_balc_fen = w->policy.has_personal_account ? 150000 : 0;
        year_state_init(&w->states[p], w->policy.year, person->acct_balc_fen);
    }
}

static int institution_index(const struct bench_world *w, const char *code) {
    for (int i = 0; i < 4; i++)
        if (strcmp(w->institutions[i].code, code) == 0) return i;
    return 0;
}

static double run_settlements(struct bench_world *w, long long n, long long *failures) {
    struct settle_result result;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long long i = 0; i < n; i++) {
        int p = (int)(i % BENCH_PERSONS);
        const struct bill *bill = &w->bills[i % BENCH_BILLS];
        struct settle_input in = {&w->policy, &w->catalog,
                                  &w->institutions[institution_index(w, bill->fixmedins_code)],
                                  &w->persons[p], &w->states[p], bill};
        if (settle(&in, &result, NULL, NULL) != SETTLE_OK) { (*failures)++; continue; }
        year_state_apply(&w->states[p], &result.delta);
        if (w->states[p].admissions > 20) year_state_init(&w->states[p], w->policy.year, w->persons[p].acct_balc_fen);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

int bench_settle(int argc, char **argv) {
    const char *policy = "policies/maoming-2020-resident.json";
    const char *catalog = "policies/catalog-conformance.json";
    const char *n_text = "2000000", *lines_text = "7";
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++)
        if (!cli_option(argc, argv, &i, "--n", &n_text, &bad) &&
            !cli_option(argc, argv, &i, "--lines", &lines_text, &bad) &&
            !cli_option(argc, argv, &i, "--policy", &policy, &bad) &&
            !cli_option(argc, argv, &i, "--catalog", &catalog, &bad))
            bad = fprintf(stderr, "yibao-bench settle: unexpected argument '%s'\n", argv[i]) > 0;
    long long n, lines;
    if (bad || !cli_positive("--n", n_text, BENCH_N_MAX, &n) ||
        !cli_positive("--lines", lines_text, BILL_LINES_MAX, &lines))
        return EXIT_BAD_INPUT;
    struct bench_world *w = calloc(1, sizeof *w);
    char err[CODEC_ERR_BYTES];
    int rc = EXIT_BAD_INPUT;
    if (w == NULL || (w->lines = calloc((size_t)BENCH_BILLS * (size_t)lines, sizeof *w->lines)) == NULL) {
        fprintf(stderr, "yibao-bench: out of memory\n");
    } else if (policy_load_file(policy, &w->policy, err, sizeof err) != 0 ||
               catalog_load_file(catalog, &w->catalog, err, sizeof err) != 0 || w->catalog.count == 0) {
        fprintf(stderr, "yibao-bench: %s\n", err);
    } else {
        make_people(w);
        make_bills(w, (int)lines);
        long long failures = 0;
        double seconds = run_settlements(w, n, &failures);
        printf("{\"bench\":\"settle\",\"settlements\":%lld,\"lines_per_bill\":%lld,\"seconds\":%.3f,"
               "\"settlements_per_s\":%.0f,\"lines_per_s\":%.0f,\"ns_per_settlement\":%.1f,\"refused\":%lld}\n",
               n, lines, seconds, (double)n / seconds, (double)(n * lines) / seconds,
               seconds * 1e9 / (double)n, failures);
        rc = failures == 0 ? 0 : EXIT_CHECK_FAILED;
    }
    if (w) { catalog_free(&w->catalog); free(w->lines); }
    free(w);
    return rc;
}
