/* bench.h: the yibao-bench program's subcommands (one file each) and what
 * they share. yibao-bench holds the benchmarks, the load generators and the
 * store's crash-test driver, apart from the yibao command an operator runs;
 * every bill it settles comes from the synthetic-city generator (src/gen).
 * Each subcommand gets argv[0] = its name and returns the exit status of
 * cli.h: 0 success, 1 a check failed, 2 bad input or usage. */
#ifndef YIBAO_BENCH_H
#define YIBAO_BENCH_H

#include <stdint.h>

#include "cli/cli.h"
#include "core/bill.h"
#include "store/store.h"

int bench_settle(int argc, char **argv); /* settle.c: the pure core on one core */
int bench_year(int argc, char **argv);   /* year.c: a city's whole year */
int bench_store(int argc, char **argv);  /* store.c: durable settlements/s */
int bench_http(int argc, char **argv);   /* http.c: load generator for the service */
int bench_stress(int argc, char **argv); /* stress.c: the store's crash-test driver */

#define LOADGEN_PERSONS_MAX 100000   /* persons a load generator draws from */
#define LOADGEN_LINES_MAX 8          /* detail lines of a generated bill */
#define LOADGEN_POLICIES_MAX 8       /* --policy files */

struct loadgen {
    struct store *store;
    int person_count;
    struct store_person *persons;     /* drawn from the store */
    const struct policy **policies;   /* per person: the latest of its region/insutype */
    int hospital_count, pharmacy_count;
    const char **hospitals, **pharmacies;
};

/* Writes persons.csv and institutions.csv for n persons of the policies'
 * regions into dir and imports them with the policy and catalog files. */
int loadgen_make_registry(struct store *store, const char *dir, int64_t persons,
                          const char *const *policy_files, int policy_count,
                          const char *catalog_file);
/* Reads up to LOADGEN_PERSONS_MAX persons and the institutions. */
int loadgen_init(struct loadgen *g, struct store *store);
void loadgen_free(struct loadgen *g);
/* A random bill (lines_max lines of storage); *psn_no receives the person. */
void loadgen_bill(const struct loadgen *g, uint64_t *rng, struct bill *bill,
                  struct bill_line *lines, char *psn_no);
uint64_t loadgen_rand(uint64_t *state);
/* An empty store gets a synthetic registry of `persons` persons written to
 * the directory setup; a store with persons is left alone. */
int stress_prepare(struct store *store, const char *setup, int64_t persons,
                   const char *const *policies, int policy_count, const char *catalog);

#endif
