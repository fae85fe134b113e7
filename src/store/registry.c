/* registry.c: the registry in memory (institutions, policies, catalog) as
 * immutable snapshots.
 *
 * A snapshot is loaded whole from the store and never changed; it carries
 * the registry's generation (the seq of the journal's last import record),
 * so that a process finds out with one indexed read whether another
 * process (or an edit of its own) changed the registry since. Readers hold
 * a snapshot for a request or a batch (store_registry_acquire); a newer
 * one is published beside it, and the old one is freed when its last
 * holder lets go. That is how a suspension written by `yibao import`
 * reaches a running server on its next request, without a restart. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "core/hash.h"
#include "core/rules.h"
#include "json/json.h"
#include "store/store.h"

struct registry {
    int64_t gen;       /* seq of the last import it includes */
    int64_t holders;   /* acquired and not released (under the store's lock) */
    bool bindings_any; /* a bindings file was imported by then (FUNDS.md §5 Step 7b) */
    struct store_institution *institutions;
    size_t institution_count, institution_cap;
    uint32_t *inst_slots; /* open addressing: index + 1 */
    size_t inst_slot_count;
    struct policy *policies; /* POLICIES_MAX entries */
    size_t policy_count;
    struct catalog catalog;
    /* the last rules import's file (RULES.md); rules.count 0: none, and
     * settlement runs no rules at all */
    struct rule_set rules;
};

/* ---- institutions ------------------------------------------------------ */
static int inst_collect(void *ctx, const struct store_institution *row) {
    struct registry *r = ctx;
    assert(row != NULL && r->institution_count <= r->institution_cap);
    if (r->institution_count >= INSTITUTIONS_MAX) return -2;
    if (r->institution_count == r->institution_cap) {
        size_t cap = r->institution_cap ? r->institution_cap * 2 : 64;
        struct store_institution *grown = realloc(r->institutions, cap * sizeof *grown);
        if (grown == NULL) return -3;
        r->institutions = grown;
        r->institution_cap = cap;
    }
    r->institutions[r->institution_count++] = *row;
    assert(r->institution_count <= r->institution_cap);
    return 0;
}

static int inst_index(struct registry *r) {
    assert(r->inst_slots == NULL && r->institution_count <= INSTITUTIONS_MAX);
    size_t slots = 16;
    while (slots < r->institution_count * 2) slots *= 2;
    r->inst_slots = calloc(slots, sizeof *r->inst_slots);
    if (r->inst_slots == NULL) return -1;
    r->inst_slot_count = slots;
    for (size_t i = 0; i < r->institution_count; i++) {
        size_t h = (size_t)code_hash(r->institutions[i].code) & (slots - 1);
        while (r->inst_slots[h] != 0) h = (h + 1) & (slots - 1);
        r->inst_slots[h] = (uint32_t)(i + 1);
    }
    assert(r->inst_slot_count >= 2 * r->institution_count);
    return 0;
}

const struct store_institution *registry_institution(const struct registry *r, const char *code) {
    assert(r != NULL && code != NULL);
    if (r->inst_slot_count == 0) return NULL;
    size_t h = (size_t)code_hash(code) & (r->inst_slot_count - 1);
    while (r->inst_slots[h] != 0) {
        const struct store_institution *inst = &r->institutions[r->inst_slots[h] - 1];
        if (strcmp(inst->code, code) == 0) return inst;
        h = (h + 1) & (r->inst_slot_count - 1);
    }
    return NULL;
}

const struct store_institution *registry_institutions(const struct registry *r, size_t *count) {
    assert(r != NULL && count != NULL);
    *count = r->institution_count;
    assert(*count == 0 || r->institutions != NULL);
    return r->institutions;
}

/* ---- policies ---------------------------------------------------------- */
const struct policy *registry_policies(const struct registry *r, size_t *count) {
    assert(r != NULL && count != NULL);
    *count = r->policy_count;
    assert(*count == 0 || r->policies != NULL);
    return r->policies;
}

struct policy_load {
    struct registry *reg;
    struct json_doc *doc;
    struct store_err *err;
};

static int policy_collect(void *ctx, const struct store_policy_row *row) {
    struct policy_load *pl = ctx;
    struct registry *r = pl->reg;
    assert(row != NULL && row->json != NULL && r->policies != NULL);
    if (r->policy_count >= POLICIES_MAX) {
        store_errf(pl->err, "more than %d policies", POLICIES_MAX);
        return -1;
    }
    struct json_error jerr;
    const struct json_value *root = json_parse(pl->doc, row->json, row->json_len, &jerr);
    char msg[CODEC_ERR_BYTES];
    struct policy *p = &r->policies[r->policy_count];
    if (root == NULL || policy_from_json(root, p, msg, sizeof msg) != 0) {
        store_errf(pl->err, "stored policy %s/%d/%d: %s", row->region, (int)row->year,
                   (int)row->insutype, root == NULL ? jerr.message : msg);
        return -1;
    }
    r->policy_count++;
    return 0;
}

/* (region, year, insutype, valid_from): a key's versions in date order */
static int policy_order(const void *a, const void *b) {
    const struct policy *x = a, *y = b;
    int c = strcmp(x->region, y->region);
    if (c == 0) c = (x->year > y->year) - (x->year < y->year);
    if (c == 0) c = (x->insutype > y->insutype) - (x->insutype < y->insutype);
    if (c == 0) c = (x->valid_from > y->valid_from) - (x->valid_from < y->valid_from);
    return c;
}

static int load_policies(struct registry *r, const struct store_backend *ops,
                         struct store_conn *conn, struct store_err *err) {
    assert(r->policies == NULL && r->policy_count == 0);
    r->policies = calloc(POLICIES_MAX, sizeof *r->policies);
    if (r->policies == NULL) return store_errf(err, "out of memory (policies)"), -1;
    struct json_limits limits = {JSON_BYTES_MAX, JSON_DEPTH_MAX, JSON_NODES_MAX};
    struct policy_load pl = {r, json_doc_new(&limits), err};
    if (pl.doc == NULL) return store_errf(err, "out of memory (json)"), -1;
    int rc = ops->policies_scan(conn, policy_collect, &pl, err);
    json_doc_free(pl.doc);
    if (rc == 0) qsort(r->policies, r->policy_count, sizeof *r->policies, policy_order);
    assert(r->policy_count <= POLICIES_MAX);
    return rc == 0 ? 0 : -1;
}

const struct policy *registry_policy(const struct registry *r, const char *region, int32_t year,
                                     int32_t insutype) {
    assert(r != NULL && region != NULL);
    return policy_version_at(r->policies, r->policy_count, region, year, insutype, INT64_MAX);
}

const struct policy *registry_policy_at(const struct registry *r, const char *region, int32_t year,
                                        int32_t insutype, datetime_s at) {
    assert(r != NULL && region != NULL);
    return policy_version_at(r->policies, r->policy_count, region, year, insutype, at);
}

const struct policy *registry_policy_fallback(const struct registry *r, const char *region,
                                              int32_t insutype) {
    assert(r != NULL && region != NULL);
    const struct policy *best = NULL;
    for (size_t i = 0; i < r->policy_count; i++) {
        const struct policy *p = &r->policies[i];
        if (strcmp(p->region, region) != 0) continue;
        bool better = best == NULL || (p->insutype == insutype && best->insutype != insutype) ||
                      (p->insutype == best->insutype && p->year > best->year);
        if (better) best = p;
    }
    return best;
}

/* ---- the snapshot --------------------------------------------------------- */
const struct catalog *registry_catalog(const struct registry *r) {
    assert(r != NULL);
    return &r->catalog;
}

int64_t registry_gen(const struct registry *r) {
    assert(r != NULL && r->gen >= 0);
    return r->gen;
}

bool registry_bindings_any(const struct registry *r) {
    assert(r != NULL && r->gen >= 0);
    return r->bindings_any;
}

/* Whether any bindings were imported. A bindings import is an import
 * record, so it moves the generation: a snapshot's flag stays true to the
 * store until the next generation, and a settlement in a store without
 * family sharing reads no bindings (one statement less per engine run). */
static int load_bindings_any(struct registry *r, const struct store_backend *ops,
                             struct store_conn *conn, struct store_err *err) {
    int64_t seq = 0;
    assert(r != NULL && ops != NULL && ops->last_import != NULL);
    if (ops->last_import(conn, "bindings", &seq, err) != 0) return -1;
    /* read after the generation: an import in between makes the flag
     * newer than gen, never older (the next request reloads anyway) */
    assert(seq >= 0);
    r->bindings_any = seq > 0;
    return 0;
}

void registry_free(struct registry *r) {
    if (r == NULL) return;
    assert(r->holders == 0);
    free(r->institutions);
    free(r->inst_slots);
    free(r->policies);
    catalog_free(&r->catalog);
    rules_free(&r->rules);
    free(r);
}

struct rules_read {
    struct registry *r;
    struct store_err *err;
    int rc;
};

static int rules_data(void *ctx, const struct journal_data *d) {
    struct rules_read *rr = ctx;
    char msg[CODEC_ERR_BYTES];
    assert(rr != NULL && d != NULL);
    rr->rc = rules_from_text((const char *)d->bytes, d->len, &rr->r->rules, msg, sizeof msg);
    if (rr->rc != 0) store_errf(rr->err, "rules of import seq %lld: %s", (long long)d->seq, msg);
    return rr->rc;
}

/* The rules of the last rules import, from the file its record keeps. A
 * store without one has none (the set stays empty, nothing allocated). */
static int load_rules(struct registry *r, const struct store_backend *ops, struct store_conn *conn,
                      struct store_err *err) {
    int64_t seq = 0;
    assert(r != NULL && ops != NULL && r->rules.rules == NULL);
    if (ops->last_import(conn, "rules", &seq, err) != 0) return -1;
    if (seq == 0) return 0;
    if (rules_init(&r->rules) != 0) return store_errf(err, "rules: out of memory"), -1;
    struct rules_read rr = {r, err, 1};
    if (ops->data_scan(conn, seq, seq, rules_data, &rr, err) == -1) return -1;
    if (rr.rc == 1)
        return store_errf(err, "rules: import seq %lld keeps no file", (long long)seq), -1;
    return rr.rc == 0 ? 0 : -1;
}

const struct rule_set *registry_rules(const struct registry *r) {
    assert(r != NULL && r->gen >= 0);
    return r->rules.item_count > 0 ? &r->rules : NULL;
}

/* The catalog's restrictions as rules after the file's (rules.h,
 * rules_add_catalog): a store whose catalog restricts nothing and that has
 * no rule file keeps no rule set. */
static int load_catalog_rules(struct registry *r, struct store_err *err) {
    assert(r != NULL);
    if (!rules_catalog_restricts(&r->catalog)) return 0;
    if (r->rules.rules == NULL && rules_init(&r->rules) != 0)
        return store_errf(err, "rules: out of memory"), -1;
    if (rules_add_catalog(&r->rules, &r->catalog) != 0)
        return store_errf(err, "catalog restrictions: out of memory or more than %d rules",
                          RULES_MAX),
               -1;
    return 0;
}

static int catalog_collect(void *ctx, const struct catalog_item *item) {
    assert(ctx != NULL && item != NULL);
    return catalog_add(ctx, item) == 0 ? 0 : -2;
}

int registry_load(const struct store_backend *ops, struct store_conn *conn, struct registry **out,
                  struct store_err *err) {
    assert(ops != NULL && conn != NULL && out != NULL);
    *out = NULL;
    struct registry *r = calloc(1, sizeof *r);
    if (r == NULL) return store_errf(err, "out of memory (registry)"), -1;
    catalog_init(&r->catalog);
    int rc = ops->registry_gen(conn, &r->gen, err);
    if (rc == 0) rc = load_bindings_any(r, ops, conn, err);
    if (rc == 0) rc = load_rules(r, ops, conn, err);
    if (rc == 0) rc = ops->institutions_scan(conn, inst_collect, r, err);
    if (rc != 0 && rc != -1) store_errf(err, "institutions: too many or out of memory");
    if (rc == 0 && inst_index(r) != 0) {
        store_errf(err, "institutions: out of memory");
        rc = -1;
    }
    if (rc == 0) rc = load_policies(r, ops, conn, err);
    if (rc == 0) rc = ops->catalog_scan(conn, catalog_collect, &r->catalog, err);
    if (rc != 0 && rc != -1) store_errf(err, "catalog: too many items or out of memory");
    if (rc == 0) rc = load_catalog_rules(r, err);
    if (rc != 0) {
        registry_free(r);
        return -1;
    }
    /* a loaded snapshot: unheld, within its limits, every institution
     * found by its code */
    assert(r->holders == 0 && r->gen >= 0 && r->policy_count <= POLICIES_MAX);
    assert(r->institution_count <= INSTITUTIONS_MAX &&
           r->inst_slot_count >= 2 * r->institution_count);
    for (size_t i = 0; i < r->institution_count; i++)
        assert(registry_institution(r, r->institutions[i].code) == &r->institutions[i]);
    *out = r;
    return 0;
}

/* Holders are counted under the store's lock (store.c). */
void registry_hold(struct registry *r) {
    assert(r != NULL && r->holders >= 0);
    r->holders++;
}

int64_t registry_holders(const struct registry *r) {
    assert(r != NULL && r->holders >= 0);
    return r->holders;
}

int64_t registry_let_go(struct registry *r) {
    assert(r != NULL && r->holders > 0);
    return --r->holders;
}
