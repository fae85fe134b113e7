/* store_cli.h: what the store's subcommands share (import, check, settle
 * --db, revoke, bench store, stress store): the --db option, printing an
 * answer as JSON, and a load generator that builds a synthetic registry
 * and random bills for benchmarks and crash tests. */
#ifndef YIBAO_CLI_STORE_CLI_H
#define YIBAO_CLI_STORE_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "core/bill.h"
#include "store/store.h"

#define LOADGEN_PERSONS_MAX 100000   /* persons a load generator draws from */
#define LOADGEN_LINES_MAX 8          /* detail lines of a generated bill */
#define LOADGEN_POLICIES_MAX 8       /* --policy files */

/* Opens the store named by --db, printing the error. NULL on failure. */
struct store *store_cli_open(const char *db);
/* Prints a request's answer as one JSON line; returns the exit status
 * (0 done, 1 refused, 2 failed). */
int store_cli_print(FILE *out, struct store *store, const struct store_req *req);

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
 * the directory setup (cmd_stress.c); a store with persons is left alone. */
int stress_prepare(struct store *store, const char *setup, int64_t persons,
                   const char *const *policies, int policy_count, const char *catalog);

#endif
