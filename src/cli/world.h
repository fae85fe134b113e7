/* world.h: what a file-based settlement needs around a bill: policy,
 * catalog, institutions and a person, as the CLI and the conformance
 * runner load them from files (the durable store has its own registry). */
#ifndef YIBAO_CLI_WORLD_H
#define YIBAO_CLI_WORLD_H

#include "app/settle_case.h"
#include "core/catalog.h"
#include "core/person.h"
#include "core/policy.h"
#include "json/json.h"

#define WORLD_INSTITUTIONS_MAX 1024

struct world {
    struct policy policy;
    struct catalog catalog;
    int institution_count;
    struct institution institutions[WORLD_INSTITUTIONS_MAX];
    struct store_institution designated[WORLD_INSTITUTIONS_MAX]; /* the same, all active */
    struct person person;
    struct year_state *state; /* the person's year (world_reader) */
    /* the person's bindings (family sharing, FUNDS.md §5) in the order
     * made, with each holder's balance now (the caller keeps it) and its
     * policy (malloc'd, freed by world_free) */
    int32_t holder_count;
    struct app_holder holders[SETTLE_HOLDERS_MAX];
    struct policy *holder_policies[SETTLE_HOLDERS_MAX];
};

/* Each returns 0, or -1 with err filled ("FILE: key.path: what"). */
int world_institutions_from_json(struct world *w, const struct json_value *obj, char *err,
                                 size_t err_size);
const struct institution *world_institution(const struct world *w, const char *code);
void world_free(struct world *w);
/* The vector's `holders` (FUNDS.md §9), each policy read by the path given
 * relative to dir; 0, or -1 with err. */
int world_holders_from_json(struct world *w, const struct json_value *list, const char *dir,
                            char *err, size_t err_size);

/* The world as the settlement use case reads it (src/app/settle_case.h):
 * its one policy is the policy of every (region, year, scheme) it matches,
 * and the fallback otherwise, so the engine names a mismatch; its
 * institutions are designated; its person is insured, with *state as the
 * year (acct_balc_fen the account). */
struct app_registry world_registry(const struct world *w);
struct app_person_reader world_reader(struct world *w, struct year_state *state);

#endif
