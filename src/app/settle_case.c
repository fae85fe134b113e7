/* settle_case.c: the settlement use case (see settle_case.h): the refusals
 * around the engine, the policy, the designation, the engine's inputs, and
 * the settlement as the journal keeps it. */
#include "app/settle_case.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "app/rules_case.h"

bool app_designated(const struct store_institution *inst, bool date_known, datetime_s at) {
    assert(inst != NULL);
    assert(inst->status == DESIGNATION_ACTIVE || inst->status == DESIGNATION_SUSPENDED ||
           inst->status == DESIGNATION_REVOKED);
    if (inst->status == DESIGNATION_ACTIVE) return true;
    if (inst->status == DESIGNATION_REVOKED) return false;
    /* suspended: designated again after suspended_until (0: indefinitely) */
    return inst->suspended_until != 0 && date_known && at > inst->suspended_until;
}

static void engine_person(const struct store_person *p, int64_t balance_fen, struct person *out) {
    assert(balance_fen >= 0);
    memset(out, 0, sizeof *out);
    snprintf(out->psn_no, sizeof out->psn_no, "%s", p->psn_no);
    out->insutype = p->insutype;
    out->category = p->category;
    out->flags = p->flags;
    out->benefit_start = p->benefit_start;
    out->benefit_years = p->benefit_years;
    out->acct_balc_fen = balance_fen;
}

/* The institution as the engine sees it: NULL when unknown or not
 * designated at the bill's end (the engine says E_UNKNOWN_INSTITUTION). */
static const struct institution *engine_institution(const struct app_registry *reg,
                                                    const struct bill *bill,
                                                    struct institution *out) {
    assert(reg != NULL && bill != NULL && out != NULL);
    const struct store_institution *r = reg->institution(reg->ctx, bill->fixmedins_code);
    if (r == NULL || !app_designated(r, bill->dates_ok, bill->endtime)) return NULL;
    assert(strcmp(r->code, bill->fixmedins_code) == 0);
    memset(out, 0, sizeof *out);
    snprintf(out->code, sizeof out->code, "%s", r->code);
    out->type = r->type;
    out->level = r->level;
    return out;
}

/* The policy of the person's region, the bill's year and the person's
 * scheme, in the version in force at the bill's endtime (the date that
 * chooses the year, SETTLEMENT.md); else any of the region's, for the
 * engine to say what is wrong (*exact false). NULL: the region has none. */
static const struct policy *choose_policy(const struct app_registry *reg,
                                          const struct store_person *p, const struct bill *bill,
                                          bool *exact) {
    int32_t year = bill->dates_ok ? datetime_year(bill->endtime) : -1;
    const struct policy *policy = reg->policy(reg->ctx, p->region, year, p->insutype,
                                              bill->dates_ok ? bill->endtime : 0);
    *exact = policy != NULL;
    if (policy == NULL) policy = reg->policy_fallback(reg->ctx, p->region, p->insutype);
    assert(policy == NULL || !*exact || policy->year == year);
    return policy;
}

/* Step 7b's inputs: the person's bindings, each with its holder's
 * balance and whether the holder's policy (the one given, or the
 * registry's in force at the bill's end) shares its account. */
struct holders_in {
    struct app_holder rows[SETTLE_HOLDERS_MAX];
    struct settle_holder engine[SETTLE_HOLDERS_MAX];
    int32_t count;
};

static int read_holders(const struct app_registry *reg, const struct app_person_reader *reader,
                        const char *psn_no, const struct bill *bill, struct holders_in *h,
                        struct store_err *err) {
    h->count = 0;
    if (reader->holders == NULL || !bill->acct_used || !bill->dates_ok) return 0;
    if (reader->holders(reader->ctx, psn_no, h->rows, &h->count, err) != 0) return -1;
    assert(h->count >= 0 && h->count <= SETTLE_HOLDERS_MAX);
    int32_t year = datetime_year(bill->endtime);
    for (int32_t i = 0; i < h->count; i++) {
        const struct app_holder *row = &h->rows[i];
        const struct policy *p = row->policy != NULL ? row->policy
                                                     : reg->policy(reg->ctx, row->region, year,
                                                                   row->insutype, bill->endtime);
        assert(row->acct_balc_fen >= 0);
        h->engine[i] = (struct settle_holder){
            .binding = {row->psn_no, row->relation, row->from, row->revoked, row->revoked_at, p},
            .shares = p != NULL && p->has_personal_account && p->account_family_sharing,
            .acct_balc_fen = row->acct_balc_fen};
    }
    return 0;
}

/* The holders' parts as the journal keeps them: those that paid. */
static void holder_parts(const struct holders_in *h, const struct settle_result *res,
                         struct store_settlement *stl) {
    int64_t sum_fen = 0;
    stl->holder_count = 0;
    for (int32_t i = 0; i < h->count; i++) {
        if (res->holder_pay_fen[i] == 0) continue;
        struct store_holder_part *part = &stl->holders[stl->holder_count++];
        snprintf(part->psn_no, sizeof part->psn_no, "%s", h->rows[i].psn_no);
        part->pay_fen = res->holder_pay_fen[i];
        sum_fen += part->pay_fen;
    }
    assert(sum_fen == stl->setl.acct_mulaid_pay);
}

static void settled(const struct policy *policy, const struct settle_result *res,
                    struct store_settlement *stl) {
    assert(res->code == SETTLE_OK);
    memset(stl, 0, sizeof *stl);
    snprintf(stl->region, sizeof stl->region, "%s", policy->region);
    stl->insutype = policy->insutype;
    stl->year = policy->year;
    stl->setl = res->setl;
    stl->rooms = res->rooms;
    stl->pool_ratio_bp = res->pool_ratio_bp;
    stl->delta = res->delta;
    assert(stl->setl.medfee_sumamt == stl->setl.fund_pay_sumamt + stl->setl.psn_part_amt);
    assert(stl->delta.year == policy->year);
}

int app_settle(const struct app_registry *reg, const struct app_person_reader *reader,
               const struct app_settle_request *req, struct app_settle_answer *out,
               struct line_result *line_results, struct explain *explain, struct store_err *err) {
    assert(reg != NULL && reader != NULL && req != NULL && req->bill != NULL && out != NULL);
    bool found = false, exact = false;
    memset(&out->refusal, 0, sizeof out->refusal);
    out->refusal.line = -1;
    if (reader->person(reader->ctx, req->psn_no, &out->person, &found, err) != 0) return -1;
    if (!found) return app_refuse(&out->refusal, APP_E_UNKNOWN_PERSON), 0;
    if (out->person.status != INSURED_ACTIVE)
        return app_refuse(&out->refusal, APP_E_NOT_INSURED), 0;
    if (req->insutype_asked != 0 && req->insutype_asked != out->person.insutype) {
        app_refuse_with(&out->refusal, settle_code_name(E_SCHEME), "insutype",
                        "%d is not the person's scheme, %d", (int)req->insutype_asked,
                        (int)out->person.insutype);
        return 0;
    }
    const struct policy *policy = choose_policy(reg, &out->person, req->bill, &exact);
    if (policy == NULL) {
        app_refuse_with(&out->refusal, settle_code_name(E_POLICY_YEAR), "endtime",
                        "has no policy: region %s, scheme %d (none imported for the region)",
                        out->person.region, (int)out->person.insutype);
        return 0;
    }
    if (exact && req->bill->endtime < policy->valid_from) {
        /* a store's first version is in force from the year's first day, so
         * only a policy given as a file can start after the bill: no rules
         * were in force for it (a file is one version, never its forerunner) */
        char from[20];
        datetime_format(policy->valid_from, from);
        from[10] = '\0';
        app_refuse_with(&out->refusal, settle_code_name(E_POLICY_YEAR), "endtime",
                        "is before the policy's valid_from %s: no version of region %s, year %d,"
                        " scheme %d is in force then",
                        from, policy->region, (int)policy->year, (int)policy->insutype);
        return 0;
    }
    struct year_state *st = &out->state_before;
    if (!exact) year_state_init(st, policy->year, 0); /* the engine refuses: no state is read */
    else if (reader->state(reader->ctx, out->person.psn_no, policy->year, st, err) != 0) return -1;
    st->year = policy->year;
    struct person person;
    struct institution inst;
    engine_person(&out->person, st->acct_balc_fen, &person);
    struct holders_in holders = {.count = 0};
    if (exact && read_holders(reg, reader, out->person.psn_no, req->bill, &holders, err) != 0)
        return -1;
    struct settle_input in = {policy,
                              reg->catalog(reg->ctx),
                              engine_institution(reg, req->bill, &inst),
                              &person,
                              st,
                              req->bill,
                              holders.engine,
                              exact ? holders.count : 0};
    struct settle_result res;
    if (settle(&in, &res, line_results, explain) != SETTLE_OK) {
        app_refuse_engine(&out->refusal, &res);
        if (!exact && res.code == E_POLICY_YEAR) /* name what is missing */
            snprintf(out->refusal.reason, sizeof out->refusal.reason,
                     "has no policy: region %s, year %d, scheme %d", out->person.region,
                     datetime_year(req->bill->endtime), (int)out->person.insutype);
        return 0;
    }
    assert(exact); /* the engine settles only under the bill's own policy */
    settled(policy, &res, &out->stl);
    holder_parts(&holders, &res, &out->stl);
    /* rules decide only whether the settled bill is admitted (RULES.md) */
    if (reg->rules != NULL) app_rules_settle(reg->rules(reg->ctx), reg, req->bill, out);
    return 0;
}

int app_holder_from_row(const struct store_enrol_row *row, const char *member,
                        struct app_holder *out) {
    assert(row != NULL && member != NULL && out != NULL);
    enum { MEMBER, HOLDER, FROM, RELATION, REVOKED }; /* enrol_bindings' columns */
    if (strcmp(row->col[MEMBER], member) != 0) return 0;
    memset(out, 0, sizeof *out);
    size_t len = strlen(row->col[HOLDER]);
    if (len == 0 || len > CODE_BYTES_MAX) return -1;
    memcpy(out->psn_no, row->col[HOLDER], len + 1);
    const char *from = row->col[FROM], *revoked = row->col[REVOKED];
    if (!datetime_parse(from, strlen(from), &out->from) ||
        relation_parse(row->col[RELATION], &out->relation) != 0)
        return -1;
    out->revoked = revoked[0] != '\0';
    if (out->revoked && !datetime_parse(revoked, strlen(revoked), &out->revoked_at)) return -1;
    return 1;
}

void app_holders_add(struct app_holder *rows, int32_t *count, const struct app_holder *h) {
    assert(rows != NULL && count != NULL && *count >= 0 && *count <= SETTLE_HOLDERS_MAX);
    assert(h != NULL);
    if (*count == SETTLE_HOLDERS_MAX) { /* give way: the last of the latest `from` */
        int32_t latest = 0;
        for (int32_t i = 1; i < *count; i++)
            if (rows[i].from >= rows[latest].from) latest = i;
        if (h->from >= rows[latest].from) return;
        memmove(&rows[latest], &rows[latest + 1], (size_t)(*count - latest - 1) * sizeof *rows);
        (*count)--;
    }
    rows[(*count)++] = *h;
}

int app_holders_add_row(struct app_holder *rows, int32_t *count, const struct store_enrol_row *row,
                        const char *member) {
    struct app_holder h;
    assert(rows != NULL && count != NULL && *count >= 0 && *count <= SETTLE_HOLDERS_MAX);
    int rc = app_holder_from_row(row, member, &h);
    if (rc <= 0) return rc;
    app_holders_add(rows, count, &h);
    return 0;
}

/* ---- the store as the two interfaces -------------------------------------- */
static const struct store_institution *registry_institution_of(const void *ctx, const char *code) {
    assert(ctx != NULL && code != NULL);
    return registry_institution(ctx, code);
}

static const struct policy *registry_policy_of(const void *ctx, const char *region, int32_t year,
                                               int32_t insutype, datetime_s at) {
    assert(ctx != NULL && region != NULL);
    return registry_policy_at(ctx, region, year, insutype, at);
}

static const struct policy *registry_fallback_of(const void *ctx, const char *region,
                                                 int32_t insutype) {
    assert(ctx != NULL && region != NULL);
    return registry_policy_fallback(ctx, region, insutype);
}

static const struct catalog *registry_catalog_of(const void *ctx) {
    assert(ctx != NULL);
    return registry_catalog(ctx);
}

static const struct rule_set *registry_rules_of(const void *ctx) {
    assert(ctx != NULL);
    return registry_rules(ctx);
}

struct app_registry app_registry_of(const struct registry *reg) {
    assert(reg != NULL);
    return (struct app_registry){reg,
                                 registry_institution_of,
                                 registry_policy_of,
                                 registry_fallback_of,
                                 registry_catalog_of,
                                 registry_rules_of};
}

static int store_person_of(void *ctx, const char *psn_no, struct store_person *out, bool *found,
                           struct store_err *err) {
    assert(ctx != NULL && psn_no != NULL);
    return store_person_find(ctx, psn_no, out, found, err);
}

static int store_state_of(void *ctx, const char *psn_no, int32_t year, struct year_state *out,
                          struct store_err *err) {
    assert(ctx != NULL && psn_no != NULL && year > 0 && out != NULL);
    return store_state_get(ctx, psn_no, year, out, err);
}

struct store_bindings {
    const char *member;
    struct app_holder *out;
    int32_t count;
    bool bad;
};

static int store_binding_row(void *ctx, const struct store_enrol_row *row) {
    struct store_bindings *s = ctx;
    assert(s != NULL && row != NULL && s->count <= SETTLE_HOLDERS_MAX);
    if (app_holders_add_row(s->out, &s->count, row, s->member) != 0) return s->bad = true, 1;
    return 0;
}

/* The person's bindings as committed, each holder's balance as committed
 * (a pre-settlement's view; the commit queue reads its batch's own). */
static int store_holders_of(void *ctx, const char *psn_no, struct app_holder *out, int32_t *count,
                            struct store_err *err) {
    struct store_bindings scan = {psn_no, out, 0, false};
    assert(ctx != NULL && psn_no != NULL && count != NULL);
    *count = 0;
    if (store_enrol_rows_of(ctx, ENROL_BINDINGS, psn_no, store_binding_row, &scan, err) != 0)
        return -1;
    if (scan.bad)
        return store_errf(err, "enrol_bindings: a binding of %s does not parse", psn_no), -1;
    for (int32_t k = 0; k < scan.count; k++) {
        struct store_person holder;
        int64_t balance_fen = 0;
        bool found = false;
        if (store_person_get(ctx, out[k].psn_no, &holder, &balance_fen, &found, err) != 0)
            return -1;
        if (!found) continue; /* as the commit queue: a holder not registered is left out */
        out[*count] = out[k];
        snprintf(out[*count].region, sizeof out[*count].region, "%s", holder.region);
        out[*count].insutype = holder.insutype;
        out[*count].acct_balc_fen = balance_fen;
        (*count)++;
    }
    return 0;
}

struct app_person_reader app_store_reader(struct store *store) {
    assert(store != NULL);
    return (struct app_person_reader){store, store_person_of, store_state_of, store_holders_of};
}

/* A year as if nothing were used and the account empty: nothing read. */
static int no_state_of(void *ctx, const char *psn_no, int32_t year, struct year_state *out,
                       struct store_err *err) {
    assert(ctx != NULL && psn_no != NULL && year > 0 && out != NULL);
    (void)err;
    year_state_init(out, year, 0);
    return 0;
}

struct app_person_reader app_store_lines_reader(struct store *store) {
    assert(store != NULL);
    return (struct app_person_reader){store, store_person_of, no_state_of, NULL};
}
