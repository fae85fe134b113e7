/* funds_vector_json.c: decodes yibao-funds-vector/1 documents (FUNDS.md
 * §9) into struct funds_vector, with the spec's wire checks.
 *
 * Why a wire check answers instead of failing: in these vectors a bad
 * input is itself a case ("wage with three decimals" expects
 * E_BAD_AMOUNT), so each reader returns a funds_code and the first one
 * that is not FUNDS_OK stops the decoding, its input path kept in `why`.
 * Only a document that is no vector at all (no format, kind, input or
 * expect) is a decoding error. Numbers are parsed from their decimal text. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec/fields.h"
#include "codec/funds_vector.h"
#include "core/money.h"

static const char *const built_kinds[FUNDS_KIND_BUILT_COUNT] = {
    "employee_month",         "resident_year",          "premium_from_account", "bind",
    "benefit_start_employee", "benefit_start_resident", "retirement_check",
};

/* §9's kinds of §6-8: a vector of one is reported as not run, not failed. */
static const char *const later_kinds[] = {
    "budget_settlement", "quota_adjustment", "dip_settlement",    "capitation",
    "payment_run",       "year_end_payment", "months_of_support", "ratios",
};

const char *funds_kind_name(enum funds_kind kind) {
    assert(built_kinds[FUNDS_KIND_BUILT_COUNT - 1] != NULL);
    return kind >= 0 && kind < FUNDS_KIND_BUILT_COUNT ? built_kinds[kind] : "?";
}

static enum funds_kind kind_parse(const char *name) {
    assert(name != NULL);
    for (int k = 0; k < FUNDS_KIND_BUILT_COUNT; k++)
        if (strcmp(name, built_kinds[k]) == 0) return (enum funds_kind)k;
    for (size_t k = 0; k < sizeof later_kinds / sizeof *later_kinds; k++)
        if (strcmp(name, later_kinds[k]) == 0) return FUNDS_KIND_NOT_BUILT;
    return FUNDS_KIND_UNKNOWN;
}

/* Records the first wire failure: its code and the input it concerns. */
static enum funds_code wire_fail(struct funds_vector *v, enum funds_code code, const char *path,
                                 const char *format, ...) __attribute__((format(printf, 4, 5)));
static enum funds_code wire_fail(struct funds_vector *v, enum funds_code code, const char *path,
                                 const char *format, ...) {
    char what[160];
    va_list args;
    assert(v != NULL && code != FUNDS_OK);
    va_start(args, format);
    vsnprintf(what, sizeof what, format, args);
    va_end(args);
    snprintf(v->why, sizeof v->why, "input.%s: %s", path, what);
    v->code = code;
    return code;
}

/* "YYYY-MM", years MONTH_YEAR_MIN..MONTH_YEAR_MAX. */
static enum funds_code wire_month(struct funds_vector *v, const struct json_value *j,
                                  const char *path, month_index *out) {
    assert(out != NULL);
    const char *t = j != NULL && j->type == JSON_STRING && j->len == 7 ? j->text : NULL;
    int32_t year = 0, month = 0;
    for (int i = 0; t != NULL && i < 7; i++) {
        if (i == 4) {
            if (t[i] != '-') t = NULL;
        } else if (t[i] < '0' || t[i] > '9') t = NULL;
        else if (i < 4) year = year * 10 + (t[i] - '0');
        else month = month * 10 + (t[i] - '0');
    }
    if (t == NULL || month < 1 || month > 12 || year < MONTH_YEAR_MIN || year > MONTH_YEAR_MAX)
        return wire_fail(v, FUNDS_E_BAD_DATES, path, "must be a month \"YYYY-MM\" (%d-%d)",
                         MONTH_YEAR_MIN, MONTH_YEAR_MAX);
    *out = month_of(year, month);
    return FUNDS_OK;
}

/* A date "YYYY-MM-DD", or with allow_time also a date-time. */
static enum funds_code wire_date(struct funds_vector *v, const struct json_value *j,
                                 const char *path, bool allow_time, datetime_s *out) {
    assert(out != NULL);
    bool ok = j != NULL && j->type == JSON_STRING && (j->len == 10 || allow_time) &&
              datetime_parse(j->text, j->len, out);
    if (ok) {
        int year = datetime_year(*out);
        ok = year >= MONTH_YEAR_MIN && year <= MONTH_YEAR_MAX;
    }
    if (!ok)
        return wire_fail(v, FUNDS_E_BAD_DATES, path, "must be a date%s",
                         allow_time ? " or date-time" : " \"YYYY-MM-DD\"");
    return FUNDS_OK;
}

/* Money in yuan: a number >= 0 with at most 2 decimals. */
static enum funds_code wire_money(struct funds_vector *v, const struct json_value *j,
                                  const char *path, int64_t *fen) {
    assert(fen != NULL);
    if (field_scaled(j, 2, AMOUNT_FEN_MAX, fen) != 0 || *fen < 0)
        return wire_fail(v, FUNDS_E_BAD_AMOUNT, path,
                         "must be an amount in yuan >= 0 with at most 2 decimals");
    return FUNDS_OK;
}

/* A count: an integer in [min, max]. */
static enum funds_code wire_count(struct funds_vector *v, const struct json_value *j,
                                  const char *path, int64_t min, int64_t max, int64_t *out) {
    assert(out != NULL && min <= max);
    if (field_scaled(j, 0, max > 0 ? max : 1, out) != 0 || *out < min || *out > max)
        return wire_fail(v, FUNDS_E_BAD_AMOUNT, path, "must be an integer in [%lld, %lld]",
                         (long long)min, (long long)max);
    return FUNDS_OK;
}

/* A name (category, gend, psn_no, relation): a string shorter than size,
 * else `code` (which answer a malformed name gets depends on the name). */
static enum funds_code wire_name(struct funds_vector *v, const struct json_value *j,
                                 const char *path, enum funds_code code, char *out, size_t size) {
    assert(out != NULL && size > 1);
    if (j == NULL || j->type != JSON_STRING || j->len >= size)
        return wire_fail(v, code, path, "must be a string of at most %zu bytes", size - 1);
    memcpy(out, j->text, j->len + 1);
    return FUNDS_OK;
}

/* A person's category: a string; which names are known is the rule's
 * business (an unknown one is E_CATEGORY there, after the wire checks). */
static enum funds_code wire_category(struct funds_vector *v, const struct json_value *j,
                                     const char *path) {
    char name[CODE_BYTES_MAX + 1];
    assert(v != NULL && path != NULL);
    enum funds_code code = wire_name(v, j, path, FUNDS_E_CATEGORY, name, sizeof name);
    if (code != FUNDS_OK) return code;
    if (category_parse(name, &v->category) != 0) v->category = CATEGORY_COUNT;
    v->status = strcmp(name, "in_service") == 0 ? EMPLOYEE_IN_SERVICE
                : strcmp(name, "flexible") == 0 ? EMPLOYEE_FLEXIBLE
                : strcmp(name, "retired") == 0  ? EMPLOYEE_RETIRED
                                                : EMPLOYEE_STATUS_OTHER;
    return FUNDS_OK;
}

/* flags: absent is []; each a person flag of SETTLEMENT.md or, for the
 * employee kinds, contribution_short (§4). Anything else is E_CATEGORY. */
static enum funds_code wire_flags(struct funds_vector *v, const struct json_value *j,
                                  const char *path) {
    uint32_t bit = 0;
    v->flags = 0;
    v->contribution_short = false;
    if (j == NULL) return FUNDS_OK;
    if (j->type != JSON_ARRAY) return wire_fail(v, FUNDS_E_CATEGORY, path, "must be an array");
    for (const struct json_value *f = j->child; f != NULL; f = f->next) {
        if (f->type == JSON_STRING && strcmp(f->text, "contribution_short") == 0)
            v->contribution_short = true;
        else if (f->type == JSON_STRING && flag_parse(f->text, &bit) == 0) v->flags |= bit;
        else return wire_fail(v, FUNDS_E_CATEGORY, path, "unknown flag");
    }
    assert((v->flags & ~(uint32_t)FLAG_ALL) == 0);
    return FUNDS_OK;
}

/* A scheme code: "310", "390" or another scheme's digits. */
static bool scheme_parse(const struct json_value *j, int32_t *out) {
    assert(out != NULL);
    if (j == NULL || j->type != JSON_STRING || j->len == 0 || j->len > 6) return false;
    *out = 0;
    for (uint32_t i = 0; i < j->len; i++) {
        if (j->text[i] < '0' || j->text[i] > '9') return false;
        *out = *out * 10 + (j->text[i] - '0');
    }
    return true;
}

/* One episode {insutype, region, from, to}; any flaw is E_BAD_DATES. */
static enum funds_code wire_episode(struct funds_vector *v, const struct json_value *j,
                                    const char *path, struct episode *e) {
    char here[64];
    assert(e != NULL);
    memset(e, 0, sizeof *e);
    const struct json_value *region = json_get(j, "region"), *to = json_get(j, "to");
    if (j == NULL || j->type != JSON_OBJECT || !scheme_parse(json_get(j, "insutype"), &e->insutype))
        return wire_fail(v, FUNDS_E_BAD_DATES, path, "an episode needs insutype (a code)");
    if (region == NULL || region->type != JSON_STRING || region->len == 0 ||
        region->len > CODE_BYTES_MAX)
        return wire_fail(v, FUNDS_E_BAD_DATES, path, "an episode needs region (a code)");
    memcpy(e->region, region->text, region->len + 1);
    snprintf(here, sizeof here, "%.48s.from", path);
    if (wire_month(v, json_get(j, "from"), here, &e->from_month) != FUNDS_OK) return v->code;
    snprintf(here, sizeof here, "%.48s.to", path);
    if (to == NULL) return wire_fail(v, FUNDS_E_BAD_DATES, here, "missing (null: still open)");
    e->open = to->type == JSON_NULL;
    if (!e->open && wire_month(v, to, here, &e->to_month) != FUNDS_OK) return v->code;
    if (!e->open && e->to_month < e->from_month)
        return wire_fail(v, FUNDS_E_BAD_DATES, path, "to before from");
    return FUNDS_OK;
}

static enum funds_code wire_episodes(struct funds_vector *v, const struct json_value *j,
                                     bool closed) {
    char here[64];
    v->episode_count = 0;
    if (j == NULL || j->type != JSON_ARRAY || j->len > EPISODES_MAX)
        return wire_fail(v, FUNDS_E_BAD_DATES, "episodes", "must be an array of at most %d",
                         EPISODES_MAX);
    for (const struct json_value *e = j->child; e != NULL; e = e->next) {
        snprintf(here, sizeof here, "episodes[%d]", v->episode_count);
        struct episode *ep = &v->episodes[v->episode_count];
        if (wire_episode(v, e, here, ep) != FUNDS_OK) return v->code;
        if (closed && ep->open)
            return wire_fail(v, FUNDS_E_BAD_DATES, here, "must be closed (a month in to)");
        v->episode_count++;
    }
    assert(v->episode_count <= EPISODES_MAX);
    return FUNDS_OK;
}

static enum funds_code wire_contributed(struct funds_vector *v, const struct json_value *j) {
    char here[64];
    v->contributed_count = 0;
    if (j == NULL) return FUNDS_OK;
    if (j->type != JSON_ARRAY || j->len > CONTRIBUTED_MAX)
        return wire_fail(v, FUNDS_E_BAD_DATES, "contributed", "must be an array of at most %d",
                         CONTRIBUTED_MAX);
    for (const struct json_value *m = j->child; m != NULL; m = m->next) {
        snprintf(here, sizeof here, "contributed[%d]", v->contributed_count);
        if (wire_month(v, m, here, &v->contributed[v->contributed_count]) != FUNDS_OK)
            return v->code;
        v->contributed_count++;
    }
    assert(v->contributed_count <= CONTRIBUTED_MAX);
    return FUNDS_OK;
}

/* base_share: any JSON value; kept exactly when it is a number of at most
 * 4 decimals in [0, 1] (anything else matches no base: E_FUNDING_BASE). */
static void base_share(struct funds_vector *v, const struct json_value *j) {
    int64_t bp = 0;
    assert(v != NULL);
    v->base_share_exact = j != NULL && field_scaled(j, 4, RATIO_ONE_BP, &bp) == 0 && bp >= 0;
    v->base_share_bp = v->base_share_exact ? (int32_t)bp : 0;
}

static enum funds_code employee_month_input(struct funds_vector *v, const struct json_value *in) {
    const struct json_value *wage = json_get(in, "wage"), *strug = json_get(in, "struggling");
    assert(v != NULL && in != NULL);
    if (wire_month(v, json_get(in, "month"), "month", &v->month) != FUNDS_OK ||
        wire_category(v, json_get(in, "category"), "category") != FUNDS_OK ||
        wire_episodes(v, json_get(in, "episodes"), false) != FUNDS_OK ||
        wire_contributed(v, json_get(in, "contributed")) != FUNDS_OK)
        return v->code;
    v->has_wage = wage != NULL; /* required late: only an in-service month needs it */
    if (v->has_wage && wire_money(v, wage, "wage", &v->wage_fen) != FUNDS_OK) return v->code;
    base_share(v, json_get(in, "base_share"));
    if (strug != NULL && strug->type != JSON_TRUE && strug->type != JSON_FALSE)
        return wire_fail(v, FUNDS_E_BAD_AMOUNT, "struggling", "must be true or false");
    v->struggling = strug != NULL && strug->type == JSON_TRUE;
    return wire_flags(v, json_get(in, "flags"), "flags");
}

static enum funds_code resident_year_input(struct funds_vector *v, const struct json_value *in) {
    assert(v != NULL && in != NULL);
    if (wire_category(v, json_get(in, "category"), "category") != FUNDS_OK) return v->code;
    if (wire_flags(v, json_get(in, "flags"), "flags") != FUNDS_OK) return v->code;
    if (v->contribution_short) return wire_fail(v, FUNDS_E_CATEGORY, "flags", "unknown flag");
    return FUNDS_OK;
}

/* {psn_no}: a person number; a malformed one is E_BINDING (the binding
 * it names cannot be made). */
static enum funds_code wire_psn_no(struct funds_vector *v, const struct json_value *person,
                                   const char *path, char *out) {
    char here[64];
    assert(out != NULL);
    snprintf(here, sizeof here, "%.48s.psn_no", path);
    if (person == NULL || person->type != JSON_OBJECT)
        return wire_fail(v, FUNDS_E_BINDING, path, "must be an object");
    return wire_name(v, json_get(person, "psn_no"), here, FUNDS_E_BINDING, out, CODE_BYTES_MAX + 1);
}

static enum funds_code wire_relation(struct funds_vector *v, const struct json_value *j,
                                     const char *path) {
    char name[CODE_BYTES_MAX + 1];
    assert(v != NULL && path != NULL);
    if (wire_name(v, j, path, FUNDS_E_BINDING, name, sizeof name) != FUNDS_OK) return v->code;
    v->relation = strcmp(name, "spouse") == 0   ? RELATION_SPOUSE
                  : strcmp(name, "parent") == 0 ? RELATION_PARENT
                  : strcmp(name, "child") == 0  ? RELATION_CHILD
                                                : RELATION_OTHER;
    return FUNDS_OK;
}

static enum funds_code bind_input(struct funds_vector *v, const struct json_value *in) {
    assert(v != NULL && in != NULL);
    if (wire_psn_no(v, json_get(in, "holder"), "holder", v->holder_psn_no) != FUNDS_OK ||
        wire_psn_no(v, json_get(in, "member"), "member", v->member_psn_no) != FUNDS_OK)
        return v->code;
    return wire_relation(v, json_get(in, "relation"), "relation");
}

/* holder: {psn_no, relation, from, revoked, acct_balc, policy}, as an
 * entry of a family-sharing vector's `holders` (§9). */
static enum funds_code holder_input(struct funds_vector *v, const struct json_value *h,
                                    funds_policy_loader load, void *ctx) {
    const struct json_value *revoked = json_get(h, "revoked"), *policy = json_get(h, "policy");
    assert(load != NULL);
    if (wire_psn_no(v, h, "holder", v->holder_psn_no) != FUNDS_OK ||
        wire_relation(v, json_get(h, "relation"), "holder.relation") != FUNDS_OK ||
        wire_date(v, json_get(h, "from"), "holder.from", true, &v->bound_from) != FUNDS_OK)
        return v->code;
    v->revoked = revoked != NULL && revoked->type != JSON_NULL;
    if (v->revoked && wire_date(v, revoked, "holder.revoked", true, &v->revoked_at) != FUNDS_OK)
        return v->code;
    if (wire_money(v, json_get(h, "acct_balc"), "holder.acct_balc", &v->acct_balc_fen) != FUNDS_OK)
        return v->code;
    if (policy == NULL || policy->type != JSON_STRING ||
        load(ctx, policy->text, &v->holder_policy) != 0)
        return wire_fail(v, FUNDS_E_POLICY, "holder.policy", "cannot be loaded or breaks §1");
    return FUNDS_OK;
}

static enum funds_code premium_input(struct funds_vector *v, const struct json_value *in,
                                     funds_policy_loader load, void *ctx) {
    const struct json_value *member = json_get(in, "member");
    assert(v != NULL && in != NULL);
    if (wire_date(v, json_get(in, "date"), "date", true, &v->date) != FUNDS_OK ||
        wire_psn_no(v, member, "member", v->member_psn_no) != FUNDS_OK ||
        wire_category(v, json_get(member, "category"), "member.category") != FUNDS_OK ||
        wire_flags(v, json_get(member, "flags"), "member.flags") != FUNDS_OK)
        return v->code;
    if (v->contribution_short)
        return wire_fail(v, FUNDS_E_CATEGORY, "member.flags", "unknown flag");
    return holder_input(v, json_get(in, "holder"), load, ctx);
}

static enum funds_code resident_start_input(struct funds_vector *v, const struct json_value *in) {
    int64_t year = 0;
    const struct json_value *brdy = json_get(in, "brdy");
    assert(v != NULL && in != NULL);
    if (wire_count(v, json_get(in, "year"), "year", MONTH_YEAR_MIN + 1, MONTH_YEAR_MAX, &year) !=
            FUNDS_OK ||
        wire_date(v, json_get(in, "paid"), "paid", false, &v->date) != FUNDS_OK ||
        resident_year_input(v, in) != FUNDS_OK)
        return v->code;
    v->year = (int32_t)year;
    v->has_brdy = brdy != NULL && brdy->type != JSON_NULL;
    if (v->has_brdy && wire_date(v, brdy, "brdy", false, &v->brdy) != FUNDS_OK) return v->code;
    return FUNDS_OK;
}

static enum funds_code retirement_input(struct funds_vector *v, const struct json_value *in) {
    assert(v != NULL && in != NULL);
    if (wire_name(v, json_get(in, "gend"), "gend", FUNDS_E_CATEGORY, v->gend, sizeof v->gend) !=
        FUNDS_OK)
        return v->code;
    return wire_episodes(v, json_get(in, "episodes"), true);
}

/* The scheme whose funding section the kind's named policy must carry
 * (§9: "employee policy", "resident policy"); 0: any policy (bind). */
static int32_t kind_scheme(enum funds_kind kind) {
    assert(kind >= 0 && kind < FUNDS_KIND_BUILT_COUNT);
    switch (kind) {
    case FUNDS_KIND_EMPLOYEE_MONTH:
    case FUNDS_KIND_BENEFIT_START_EMPLOYEE:
    case FUNDS_KIND_RETIREMENT_CHECK: return INSUTYPE_EMPLOYEE;
    case FUNDS_KIND_RESIDENT_YEAR:
    case FUNDS_KIND_BENEFIT_START_RESIDENT:
    case FUNDS_KIND_PREMIUM_FROM_ACCOUNT: return INSUTYPE_RESIDENT;
    case FUNDS_KIND_BIND:
    case FUNDS_KIND_NOT_BUILT:
    case FUNDS_KIND_UNKNOWN: break;
    }
    return 0;
}

static enum funds_code inputs(struct funds_vector *v, const struct json_value *in,
                              funds_policy_loader load, void *ctx) {
    assert(v->kind < FUNDS_KIND_BUILT_COUNT);
    switch (v->kind) {
    case FUNDS_KIND_EMPLOYEE_MONTH: return employee_month_input(v, in);
    case FUNDS_KIND_RESIDENT_YEAR: return resident_year_input(v, in);
    case FUNDS_KIND_PREMIUM_FROM_ACCOUNT: return premium_input(v, in, load, ctx);
    case FUNDS_KIND_BIND: return bind_input(v, in);
    case FUNDS_KIND_BENEFIT_START_EMPLOYEE:
        if (wire_month(v, json_get(in, "month"), "month", &v->month) != FUNDS_OK) return v->code;
        return wire_episodes(v, json_get(in, "episodes"), false);
    case FUNDS_KIND_BENEFIT_START_RESIDENT: return resident_start_input(v, in);
    case FUNDS_KIND_RETIREMENT_CHECK: return retirement_input(v, in);
    case FUNDS_KIND_NOT_BUILT:
    case FUNDS_KIND_UNKNOWN: break;
    }
    return FUNDS_OK;
}

int funds_vector_from_json(const struct json_value *root, funds_policy_loader load, void *ctx,
                           struct funds_vector *v, char *err, size_t err_size) {
    struct field_err e = {err, err_size};
    char format[32];
    assert(v != NULL && load != NULL);
    memset(v, 0, sizeof *v);
    v->category = CATEGORY_COUNT;
    if (root == NULL || root->type != JSON_OBJECT)
        return field_fail(&e, "", "(document)", "must be a JSON object");
    if (field_string(root, "format", true, format, sizeof format, "", &e) != 0) return -1;
    if (strcmp(format, "yibao-funds-vector/1") != 0)
        return field_fail(&e, "", "format", "must be \"yibao-funds-vector/1\"");
    if (field_string(root, "kind", true, v->kind_name, sizeof v->kind_name, "", &e) != 0) return -1;
    v->kind = kind_parse(v->kind_name);
    if (v->kind >= FUNDS_KIND_BUILT_COUNT) return 0; /* not run: the caller says so */
    int status;
    const struct json_value *in = field_object(root, "input", true, "", &e, &status);
    v->expect = field_object(root, "expect", true, "", &e, &status);
    if (in == NULL || v->expect == NULL) return -1;
    const struct json_value *policy = json_get(root, "policy");
    if (policy == NULL || policy->type != JSON_STRING || load(ctx, policy->text, &v->policy) != 0) {
        v->code = FUNDS_E_POLICY;
        snprintf(v->why, sizeof v->why, "policy: cannot be loaded or breaks FUNDS.md §1");
        return 0;
    }
    int32_t scheme = kind_scheme(v->kind);
    if (scheme != 0 && (v->policy.insutype != scheme || !v->policy.has_funding)) {
        v->code = FUNDS_E_POLICY; /* checked before the inputs, as a broken policy is */
        snprintf(v->why, sizeof v->why, "policy: %s needs a %d policy with a funding section",
                 v->kind_name, scheme);
        return 0;
    }
    inputs(v, in, load, ctx);
    return 0;
}
