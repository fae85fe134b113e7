/* world.c: institutions of a file-based world (see world.h). */
#include "cli/world.h"

#include <assert.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "codec/codec.h"

int world_institutions_from_json(struct world *w, const struct json_value *obj, char *err,
                                 size_t err_size) {
    w->institution_count = 0;
    if (obj == NULL || obj->type != JSON_OBJECT) {
        snprintf(err, err_size, "institutions: must be an object of code: {type, level}");
        return -1;
    }
    for (const struct json_value *m = obj->child; m != NULL; m = m->next) {
        if (w->institution_count >= WORLD_INSTITUTIONS_MAX) {
            snprintf(err, err_size, "institutions: more than %d", WORLD_INSTITUTIONS_MAX);
            return -1;
        }
        char inner[CODEC_ERR_BYTES];
        if (institution_from_json(m->key, m, &w->institutions[w->institution_count], inner,
                                  sizeof inner) != 0) {
            snprintf(err, err_size, "institutions.%s", inner);
            return -1;
        }
        struct store_institution *d = &w->designated[w->institution_count];
        memset(d, 0, sizeof *d);
        memcpy(d->code, w->institutions[w->institution_count].code, sizeof d->code);
        d->type = w->institutions[w->institution_count].type;
        d->level = w->institutions[w->institution_count].level;
        d->status = DESIGNATION_ACTIVE;
        w->institution_count++;
    }
    return 0;
}

const struct institution *world_institution(const struct world *w, const char *code) {
    for (int i = 0; i < w->institution_count; i++)
        if (strcmp(w->institutions[i].code, code) == 0) return &w->institutions[i];
    return NULL;
}

void world_free(struct world *w) {
    catalog_free(&w->catalog);
    for (int32_t i = 0; i < SETTLE_HOLDERS_MAX; i++) {
        free(w->holder_policies[i]);
        w->holder_policies[i] = NULL;
    }
    w->holder_count = 0;
}

int world_holders_from_json(struct world *w, const struct json_value *list, const char *dir,
                            char *err, size_t err_size) {
    struct vector_holder rows[SETTLE_HOLDERS_MAX];
    char file[4096 + HOLDER_POLICY_PATH_BYTES];
    assert(w != NULL && dir != NULL);
    w->holder_count = 0;
    int32_t count = 0;
    if (holders_from_json(list, rows, &count, err, err_size) != 0) return -1;
    for (int32_t i = 0; i < count; i++) {
        if (w->holder_policies[i] == NULL &&
            (w->holder_policies[i] = malloc(sizeof *w->holder_policies[i])) == NULL)
            return snprintf(err, err_size, "holders: out of memory"), -1;
        snprintf(file, sizeof file, "%s/%s", dir, rows[i].policy_path);
        if (policy_load_file(file, w->holder_policies[i], err, err_size) != 0) return -1;
        struct app_holder *h = &w->holders[i];
        memset(h, 0, sizeof *h);
        _Static_assert(sizeof h->psn_no == sizeof rows[i].psn_no, "one code size");
        memcpy(h->psn_no, rows[i].psn_no, sizeof h->psn_no);
        snprintf(h->region, sizeof h->region, "%.*s", (int)sizeof h->region - 1,
                 w->holder_policies[i]->region);
        h->insutype = w->holder_policies[i]->insutype;
        h->relation = rows[i].relation;
        h->from = rows[i].from;
        h->revoked = rows[i].revoked;
        h->revoked_at = rows[i].revoked_at;
        h->policy = w->holder_policies[i];
        h->acct_balc_fen = rows[i].acct_balc_fen;
    }
    w->holder_count = count;
    return 0;
}

/* ---- the world as the settlement use case reads it ------------------------ */
static const struct store_institution *world_institution_of(const void *ctx, const char *code) {
    const struct world *w = ctx;
    for (int i = 0; i < w->institution_count; i++)
        if (strcmp(w->designated[i].code, code) == 0) return &w->designated[i];
    return NULL;
}

/* The one policy of the world: versions are a store's; a file settles
 * under the policy it names, and a bill before its valid_from is refused
 * by the use case (app_settle), which sees the date. */
static const struct policy *world_policy_of(const void *ctx, const char *region, int32_t year,
                                            int32_t insutype, datetime_s at) {
    const struct world *w = ctx;
    (void)region;
    (void)at;
    return w->policy.year == year && w->policy.insutype == insutype ? &w->policy : NULL;
}

static const struct policy *world_fallback_of(const void *ctx, const char *region,
                                              int32_t insutype) {
    (void)region;
    (void)insutype;
    return &((const struct world *)ctx)->policy;
}

static const struct catalog *world_catalog_of(const void *ctx) {
    return &((const struct world *)ctx)->catalog;
}

struct app_registry world_registry(const struct world *w) {
    assert(w != NULL);
    return (struct app_registry){
        w, world_institution_of, world_policy_of, world_fallback_of, world_catalog_of, NULL};
}

static int world_person_of(void *ctx, const char *psn_no, struct store_person *out, bool *found,
                           struct store_err *err) {
    const struct world *w = ctx;
    (void)psn_no;
    (void)err;
    memset(out, 0, sizeof *out);
    snprintf(out->psn_no, sizeof out->psn_no, "%s", w->person.psn_no);
    snprintf(out->region, sizeof out->region, "%s", w->policy.region);
    out->insutype = w->person.insutype;
    out->category = w->person.category;
    out->flags = w->person.flags;
    out->benefit_start = w->person.benefit_start;
    out->benefit_years = w->person.benefit_years;
    out->status = INSURED_ACTIVE;
    *found = true;
    return 0;
}

static int world_state_of(void *ctx, const char *psn_no, int32_t year, struct year_state *out,
                          struct store_err *err) {
    const struct world *w = ctx;
    (void)psn_no;
    (void)err;
    assert(w->state != NULL && w->state->year == year);
    *out = *w->state;
    return 0;
}

static int world_holders_of(void *ctx, const char *psn_no, struct app_holder *out, int32_t *count,
                            struct store_err *err) {
    const struct world *w = ctx;
    (void)psn_no;
    (void)err;
    assert(w->holder_count >= 0 && w->holder_count <= SETTLE_HOLDERS_MAX);
    memcpy(out, w->holders, (size_t)w->holder_count * sizeof *out);
    *count = w->holder_count;
    return 0;
}

struct app_person_reader world_reader(struct world *w, struct year_state *state) {
    assert(w != NULL && state != NULL);
    w->state = state;
    return (struct app_person_reader){w, world_person_of, world_state_of, world_holders_of};
}
