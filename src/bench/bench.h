/* bench.h: the yibao-bench program's subcommands (one file each) and what
 * they share. yibao-bench holds the benchmarks, the load generators and the
 * store's crash-test driver, apart from the yibao command an operator runs;
 * every bill it settles comes from the synthetic-city generator (src/gen).
 * Each subcommand gets argv[0] = its name and returns the exit status of
 * cli.h: 0 success, 1 a check failed, 2 bad input or usage. */
#ifndef YIBAO_BENCH_H
#define YIBAO_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/cli.h"
#include "core/bill.h"
#include "store/store.h"

int bench_settle(int argc, char **argv);  /* settle.c: the pure core on one core */
int bench_year(int argc, char **argv);    /* year.c: a city's whole year */
int bench_whatif(int argc, char **argv);  /* whatif.c: the policy what-if over a year, in memory */
int bench_store(int argc, char **argv);   /* store.c: durable settlements/s */
int bench_http(int argc, char **argv);    /* http.c: load generator for the service */
int bench_hostile(int argc, char **argv); /* hostile.c: holds connections against the service */
int bench_stress(int argc, char **argv);  /* stress.c: the store's crash-test driver */

#define BENCH_POLICIES_MAX 8 /* --policy files */
#define BENCH_PATH_BYTES 4096
#define BENCH_CITY_SEED 1 /* `yibao gen city`'s default seed */

/* The policy and catalog files imported with a city's registry: --policy
 * and --catalog, else maoming-2020's under $YIBAO_ROOT/tests/vectors. */
struct bench_files {
    const char *policies[BENCH_POLICIES_MAX];
    int policy_count;
    const char *catalog;
    char paths[3][BENCH_PATH_BYTES]; /* the defaults' storage */
};
void bench_default_files(struct bench_files *files);

/* A synthetic city (src/gen, policy set maoming-2020) and a pool of its
 * year's first bills, each with its person's psn_no. */
struct bench_city {
    struct gen_city *city;
    int bill_count;
    struct bill *bills; /* bills[i].lines point into lines */
    struct bill_line *lines;
    char (*psn)[CODE_BYTES_MAX + 1];
};
/* Opens the city of `persons` persons and draws up to `bills` bills;
 * 0, or -1 after printing why. */
int bench_city_open(struct bench_city *c, int64_t persons, uint64_t seed, int bills);
void bench_city_close(struct bench_city *c);
/* A store without persons gets the city's registry: persons.csv and
 * institutions.csv written into dir (`yibao gen city --registry-only`) and
 * imported with the files. A store with persons is left alone: it must hold
 * this city's registry (same persons and seed), or its bills are refused. */
int bench_city_registry(const struct bench_city *c, struct store *store, const char *dir,
                        const struct bench_files *files);

/* ---- packed.c: the in-memory year (year.c, whatif.c) ---- */
#define BENCH_PACKED_DISEASES 4  /* special diseases one person accrues in a year */
#define BENCH_SET_POLICIES_MAX 8 /* files of one policy set */

/* A year state without the 32-slot disease array: what one insured person
 * costs in memory while a year is settled. */
struct bench_packed_state {
    int64_t money_fen[YEAR_STATE_MONEY_COUNT]; /* the rows of YEAR_STATE_FIELDS */
    int64_t special_fen[BENCH_PACKED_DISEASES];
    int32_t admissions;
    int8_t disease[BENCH_PACKED_DISEASES]; /* policy disease index + 1; 0 = empty slot */
    bool used;
};
/* p into s (a fresh year with acct_fen when p was never packed). */
void bench_unpack(const struct bench_packed_state *p, struct year_state *s, int32_t year,
                  int64_t acct_fen);
/* s into p; false when s has more diseases than the packed form holds. */
bool bench_pack(struct bench_packed_state *p, const struct year_state *s);
/* The policies policies/SET-*.json (at most BENCH_SET_POLICIES_MAX, in
 * *count) and policies/catalog-conformance.json; 0, or -1 after saying why. */
int bench_policy_set(const char *set, struct policy *policies, int *count, struct catalog *catalog);

#endif
