/* cmd_gen.c: `yibao gen city|catalog`: synthetic data for tests, supervision
 * and benchmarks (src/gen/, docs/GENERATOR.md). Bad options name the option
 * and exit 2; a failed write exits 2 as well. gen city shows its progress
 * on a terminal; Ctrl-C stops it with no output file left (128 + signal). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "gen/gen.h"
#include "store/enrol_rows.h"

/* A generated enrolment file's part is one file `yibao import` takes. */
_Static_assert(GEN_ENROL_PART_ROWS <= ENROL_ROWS_MAX, "a part must fit one import");

#define OPTION_VALUE_BYTES_MAX 64

static int bad(const char *sub, const char *option, const char *value, const char *why) {
    fprintf(stderr, "yibao gen %s: %s '%s': %s\n", sub, option, value ? value : "", why);
    return EXIT_BAD_INPUT;
}

static bool parse_u64(const char *text, uint64_t max, uint64_t *out) {
    if (!text || !*text || strlen(text) > 20) return false;
    uint64_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    if (v > max) return false;
    *out = v;
    return true;
}

/* A decimal "d[.ddd]" with at most `decimals` decimals, as value * 10^decimals. */
static bool parse_fixed(const char *text, int decimals, uint64_t max_scaled, uint64_t *out) {
    if (!text || !*text || strlen(text) > OPTION_VALUE_BYTES_MAX) return false;
    uint64_t v = 0;
    int frac = -1;
    for (const char *p = text; *p; p++) {
        if (*p == '.' && frac < 0 && p != text && p[1]) {
            frac = 0;
            continue;
        }
        if (*p < '0' || *p > '9') return false;
        if (frac >= 0 && ++frac > decimals) {
            if (*p != '0') return false;
            continue;
        }
        if (v > max_scaled) return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    for (int k = frac < 0 ? 0 : frac; k < decimals; k++) v *= 10;
    if (v > max_scaled) return false;
    *out = v;
    return true;
}

struct rate_option {
    const char *name;
    enum gen_plant_kind kind;
};

static const struct rate_option rate_options[] = {
    {"--rate-split", GEN_PLANT_SPLIT_ADMISSION},
    {"--rate-overlap", GEN_PLANT_OVERLAPPING_STAYS},
    {"--rate-visit-during-stay", GEN_PLANT_VISIT_DURING_STAY},
    {"--rate-gender", GEN_PLANT_GENDER_RESTRICTED},
    {"--rate-age", GEN_PLANT_AGE_RESTRICTED},
    {"--rate-over-quantity", GEN_PLANT_OVER_QUANTITY},
    {"--rate-duplicate-charge", GEN_PLANT_DUPLICATE_CHARGE},
    {"--rate-non-medical", GEN_PLANT_NON_MEDICAL_GOODS},
    {"--rate-duplicate-enrolment", GEN_PLANT_DUPLICATE_ENROLMENT},
    {"--rate-substitution", GEN_PLANT_SUBSTITUTION},
};

struct city_args {
    struct gen_config config;
    const char *out;
    bool registry_only;
    bool have_persons;
};

/* Splits "--name=value" or takes the next argument; *i advances. */
static bool option_value(int argc, char **argv, int *i, const char **name, const char **value,
                         char *name_buf, size_t name_size) {
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    if (eq) {
        size_t n = (size_t)(eq - arg);
        if (n >= name_size) n = name_size - 1;
        memcpy(name_buf, arg, n);
        name_buf[n] = '\0';
        *name = name_buf;
        *value = eq + 1;
        return true;
    }
    *name = arg;
    if (*i + 1 >= argc) return false;
    *value = argv[++*i];
    return true;
}

static int city_rate_option(struct city_args *a, const char *name, const char *value) {
    for (size_t k = 0; k < sizeof rate_options / sizeof rate_options[0]; k++) {
        if (strcmp(name, rate_options[k].name) != 0) continue;
        uint64_t ppm;
        if (!parse_fixed(value, 6, GEN_PPM_ONE, &ppm))
            return bad("city", name, value, "must be a number in [0, 1] with at most 6 decimals");
        a->config.rates.rate_ppm[rate_options[k].kind] = (uint32_t)ppm;
        return 0;
    }
    return -1;
}

static int city_option(struct city_args *a, const char *name, const char *value) {
    uint64_t v;
    if (strcmp(name, "--persons") == 0) {
        if (!parse_u64(value, (uint64_t)GEN_PERSONS_MAX, &v) || v < 1)
            return bad("city", name, value, "must be an integer in 1..99999999");
        a->config.persons = (int64_t)v;
        a->have_persons = true;
    } else if (strcmp(name, "--seed") == 0) {
        if (!parse_u64(value, UINT64_MAX, &v))
            return bad("city", name, value, "must be an unsigned integer");
        a->config.seed = v;
    } else if (strcmp(name, "--year") == 0) {
        if (!parse_u64(value, GEN_YEAR_MAX, &v) || v < GEN_YEAR_MIN)
            return bad("city", name, value, "must be a year in 1990..2099");
        a->config.year = (int32_t)v;
    } else if (strcmp(name, "--out") == 0) {
        if (!*value) return bad("city", name, value, "must name a directory");
        a->out = value;
    } else if (strcmp(name, "--policy-set") == 0) {
        a->config.policy_set = value;
    } else if (strcmp(name, "--catalog-items") == 0) {
        if (!parse_u64(value, GEN_CATALOG_ITEMS_MAX, &v))
            return bad("city", name, value, "must be an integer in 0..100000");
        a->config.catalog_items = (int32_t)v;
    } else if (strcmp(name, "--catalog-seed") == 0) {
        if (!parse_u64(value, UINT64_MAX, &v))
            return bad("city", name, value, "must be an unsigned integer");
        a->config.catalog_seed = v;
    } else if (strcmp(name, "--rate-short-career") == 0) {
        if (!parse_fixed(value, 6, GEN_PPM_ONE, &v))
            return bad("city", name, value, "must be a number in [0, 1] with at most 6 decimals");
        a->config.short_career_ppm = (uint32_t)v;
    } else if (strcmp(name, "--admission-rate") == 0) {
        if (!parse_fixed(value, 3, 5000, &v))
            return bad("city", name, value, "must be admissions per person-year in [0, 5]");
        a->config.admissions_per_1000 = (uint32_t)v;
    } else if (strcmp(name, "--outpatient-rate") == 0) {
        if (!parse_fixed(value, 3, 50000, &v))
            return bad("city", name, value, "must be visits per person-year in [0, 50]");
        a->config.outpatient_per_1000 = (uint32_t)v;
    } else {
        int rc = city_rate_option(a, name, value);
        if (rc >= 0) return rc;
        return bad("city", name, value, "unknown option");
    }
    return 0;
}

static int parse_city(int argc, char **argv, struct city_args *a) {
    char name_buf[OPTION_VALUE_BYTES_MAX];
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--registry-only") == 0) {
            a->registry_only = true;
            continue;
        }
        if (strcmp(argv[i], "--no-plants") == 0) {
            memset(&a->config.rates, 0, sizeof a->config.rates);
            continue;
        }
        if (strncmp(argv[i], "--", 2) != 0) return bad("city", "argument", argv[i], "unexpected");
        const char *name, *value;
        if (!option_value(argc, argv, &i, &name, &value, name_buf, sizeof name_buf))
            return bad("city", argv[i], "", "needs a value");
        int rc = city_option(a, name, value);
        if (rc != 0) return rc;
    }
    if (!a->have_persons) return bad("city", "--persons", "", "is required");
    if (!a->out) return bad("city", "--out", "", "is required");
    return 0;
}

static int run_city(int argc, char **argv) {
    struct city_args a;
    memset(&a, 0, sizeof a);
    gen_config_defaults(&a.config);
    int rc = parse_city(argc, argv, &a);
    if (rc != 0) return rc;
    char err[GEN_ERR_BYTES];
    struct gen_city *city = NULL;
    if (gen_city_open(&a.config, &city, err, sizeof err) != 0) {
        const char *opt = strstr(err, "policy set") ? "--policy-set" : "options";
        fprintf(stderr, "yibao gen city: %s: %s\n", opt, err);
        return EXIT_BAD_INPUT;
    }
    struct gen_write_stats stats;
    struct progress_phases phases = {.what = "gen city"};
    struct gen_progress progress = {progress_phase_update, &phases};
    progress_catch_signals();
    rc = gen_write_city_ex(city, a.out, a.registry_only, &progress, &stats, err, sizeof err);
    progress_phases_finish(&phases);
    if (rc != 0) {
        fprintf(stderr, "yibao gen city: %s%s\n", err,
                rc == 1 ? " by a signal; no file written" : "");
        gen_city_close(city);
        return rc == 1 ? progress_exit_status() : EXIT_BAD_INPUT;
    }
    printf("gen city: %s %d, %" PRId64 " persons (%" PRId64 " rows), %" PRId64
           " institutions, %" PRId64 " bills (%" PRId64 " lines), %" PRId64 " labels, %" PRId64
           " employers, %" PRId64 " episodes, %" PRId64 " wages, %" PRId64 " bindings -> %s\n",
           gen_city_region(city), (int)gen_city_year(city), gen_city_persons(city),
           stats.person_rows, stats.institutions, stats.bills, stats.lines, stats.labels,
           stats.employers, stats.episodes, stats.wages, stats.bindings, a.out);
    gen_city_close(city);
    if (fflush(stdout) != 0) return EXIT_BAD_INPUT;
    return 0;
}

static int run_catalog(int argc, char **argv) {
    char name_buf[OPTION_VALUE_BYTES_MAX];
    uint64_t items = 0, seed = 1;
    const char *out = NULL;
    for (int i = 2; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) != 0)
            return bad("catalog", "argument", argv[i], "unexpected");
        const char *name, *value;
        if (!option_value(argc, argv, &i, &name, &value, name_buf, sizeof name_buf))
            return bad("catalog", argv[i], "", "needs a value");
        if (strcmp(name, "--items") == 0) {
            if (!parse_u64(value, GEN_CATALOG_ITEMS_MAX, &items) || items < 1)
                return bad("catalog", name, value, "must be an integer in 1..100000");
        } else if (strcmp(name, "--seed") == 0) {
            if (!parse_u64(value, UINT64_MAX, &seed))
                return bad("catalog", name, value, "must be an unsigned integer");
        } else if (strcmp(name, "--out") == 0) {
            if (!*value) return bad("catalog", name, value, "must name a file");
            out = value;
        } else {
            return bad("catalog", name, value, "unknown option");
        }
    }
    if (!items) return bad("catalog", "--items", "", "is required");
    if (!out) return bad("catalog", "--out", "", "is required");
    char err[GEN_ERR_BYTES];
    if (gen_write_catalog(out, (int32_t)items, seed, err, sizeof err) != 0) {
        fprintf(stderr, "yibao gen catalog: %s\n", err);
        return EXIT_BAD_INPUT;
    }
    printf("gen catalog: %" PRIu64 " items (+15 conformance items) -> %s\n", items, out);
    return fflush(stdout) != 0 ? EXIT_BAD_INPUT : 0;
}

int cmd_gen(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        cli_usage("gen", argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_BAD_INPUT : 0;
    }
    if (strcmp(argv[1], "city") == 0) return run_city(argc, argv);
    if (strcmp(argv[1], "catalog") == 0) return run_catalog(argc, argv);
    fprintf(stderr, "yibao gen: unknown subcommand '%s' (city, catalog)\n", argv[1]);
    cli_usage("gen", stderr);
    return EXIT_BAD_INPUT;
}
