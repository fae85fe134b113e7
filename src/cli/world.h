/* world.h: what a file-based settlement needs around a bill: policy,
 * catalog, institutions and a person, as the CLI and the conformance
 * runner load them from files (the durable store has its own registry). */
#ifndef YIBAO_CLI_WORLD_H
#define YIBAO_CLI_WORLD_H

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
    struct person person;
};

/* Each returns 0, or -1 with err filled ("FILE: key.path: what"). */
int world_institutions_from_json(struct world *w, const struct json_value *obj, char *err,
                                 size_t err_size);
const struct institution *world_institution(const struct world *w, const char *code);
void world_free(struct world *w);

#endif
