/* settle_case.h: the settlement use case, assembled once for every adapter.
 *
 * app_settle() takes a request (a person's psn_no and a decoded bill),
 * reads what it needs through two small interfaces — the registry
 * (institutions, policies, catalog) and the person's records (registry
 * row, account balance, year state) — decides the refusals that are not
 * the engine's (unknown or uninsured person), chooses the policy, decides
 * the institution's designation at the bill's date, runs the pure engine,
 * and returns the settlement as journaled or the refusal with the spec's
 * code. It writes nothing: the commit queue (src/store/commitq.c) journals
 * what it returns; a pre-settlement (src/service) only answers it; `yibao
 * settle` from files prints it. So the CLI, the service and the commit
 * queue give the same answer for the same registry and state. */
#ifndef YIBAO_APP_SETTLE_CASE_H
#define YIBAO_APP_SETTLE_CASE_H

#include <stdbool.h>
#include <stdint.h>

#include "app/refusal.h"
#include "core/explain.h"
#include "core/settle.h"
#include "store/store.h"

/* The registry as a settlement reads it. */
struct app_registry {
    const void *ctx;
    const struct store_institution *(*institution)(const void *ctx, const char *code);
    /* The policy of (region, year, insutype) in force at `at` (the bill's
     * endtime: its version, policy_version_at), or NULL. */
    const struct policy *(*policy)(const void *ctx, const char *region, int32_t year,
                                   int32_t insutype, datetime_s at);
    /* Any policy of the region, for the engine to name a bill's error when
     * no exact policy applies (E_POLICY_YEAR, E_SCHEME); NULL: none. */
    const struct policy *(*policy_fallback)(const void *ctx, const char *region, int32_t insutype);
    const struct catalog *(*catalog)(const void *ctx);
    /* The rules to run inside settlement (docs/RULES.md), or NULL: none.
     * The callback itself may be NULL (files, vectors, the deep check). */
    const struct rule_set *(*rules)(const void *ctx);
};

/* One of a person's bindings to a holder of a personal account (FUNDS.md
 * §5), in the order they were made, as the reader has it. */
struct app_holder {
    char psn_no[CODE_BYTES_MAX + 1];
    char region[CODE_BYTES_MAX + 1];
    int32_t insutype;
    enum relation relation;
    datetime_s from;
    bool revoked;
    datetime_s revoked_at;
    /* the holder's policy as given (vector files), or NULL: the registry's
     * of the holder's region and scheme in force at the bill's end */
    const struct policy *policy;
    int64_t acct_balc_fen; /* the holder's account now */
};

/* A row of enrol_bindings (docs/ENROLMENT.md: member_psn_no,
 * holder_psn_no, valid_from, relation, revoked_at) as the binding of
 * `member`: 1 with out filled (region, insutype and balance left for the
 * reader: the holder's), 0 when the row binds someone else (member is its
 * holder), -1 when the row does not parse. */
int app_holder_from_row(const struct store_enrol_row *row, const char *member,
                        struct app_holder *out);
/* Adds a row of enrol_bindings, read in key order, to a member's list
 * rows[*count]: at most SETTLE_HOLDERS_MAX, the earliest valid_from kept
 * (a later one gives way; among equal ones the first read stays), in the
 * order read. 0 (added, dropped or not the member's), -1: the row does
 * not parse. */
int app_holders_add_row(struct app_holder *rows, int32_t *count, const struct store_enrol_row *row,
                        const char *member);
/* The same for a row already parsed (app_holder_from_row), in key order. */
void app_holders_add(struct app_holder *rows, int32_t *count, const struct app_holder *h);

/* A person's records as a settlement reads them: the commit queue's batch
 * working set, or the store's committed state. 0, or -1 with err. */
struct app_person_reader {
    void *ctx;
    int (*person)(void *ctx, const char *psn_no, struct store_person *out, bool *found,
                  struct store_err *err);
    /* The person's year (a zero year when there is none yet), with
     * acct_balc_fen the personal account's balance now. */
    int (*state)(void *ctx, const char *psn_no, int32_t year, struct year_state *out,
                 struct store_err *err);
    /* The person's bindings (at most SETTLE_HOLDERS_MAX, in the order
     * made) with each holder's balance now; NULL: the reader keeps none. */
    int (*holders)(void *ctx, const char *psn_no, struct app_holder *out, int32_t *count,
                   struct store_err *err);
};

struct app_settle_request {
    const char *psn_no;
    const struct bill *bill;
    /* the scheme the request asks for (insutype "310"/"390"); 0: none
     * asked; -1: asked for something else. Not the person's: E_SCHEME. */
    int32_t insutype_asked;
};

struct app_settle_answer {
    struct app_refusal refusal;     /* code NULL: settled */
    struct store_person person;     /* when found */
    struct store_settlement stl;    /* when settled: what the journal keeps */
    struct year_state state_before; /* when settled: acct_balc_fen = the balance before */
};

/* Designated at `at` (a bill's endtime): active, or suspended with the
 * suspension over by then. Revoked: never. */
bool app_designated(const struct store_institution *inst, bool date_known, datetime_s at);

/* 0 with the answer (settled or refused), -1 on a storage error (err).
 * line_results (nullable) and explain (nullable) as for settle(). */
int app_settle(const struct app_registry *reg, const struct app_person_reader *reader,
               const struct app_settle_request *req, struct app_settle_answer *out,
               struct line_result *line_results, struct explain *explain, struct store_err *err);

/* A registry snapshot held by the caller (store_registry_acquire), and
 * the store's committed reads, as the two interfaces. */
struct app_registry app_registry_of(const struct registry *reg);
struct app_person_reader app_store_reader(struct store *store);
/* The same reader for a per-line split alone (2204/2301's answer): the
 * person's row as committed, but no year state, balance or bindings read.
 * The engine's line_results do not depend on them (core/settle.c: validate
 * and step_lines read neither; tests/test_settle.c's property 9), so a
 * request that answers only its lines skips the reads (PostgreSQL: a
 * statement each). The settlement figures it returns are not the person's:
 * its caller keeps only the lines and the refusal. */
struct app_person_reader app_store_lines_reader(struct store *store);

#endif
