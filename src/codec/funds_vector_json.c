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
    "employee_month",
    "resident_year",
    "premium_from_account",
    "bind",
    "benefit_start_employee",
    "benefit_start_resident",
    "retirement_check",
    "budget_settlement",
    "quota_adjustment",
    "dip_settlement",
    "capitation",
    "payment_run",
    "year_end_payment",
    "months_of_support",
    "ratios",
};

const char *funds_kind_name(enum funds_kind kind) {
    assert(built_kinds[FUNDS_KIND_BUILT_COUNT - 1] != NULL);
    return kind >= 0 && kind < FUNDS_KIND_BUILT_COUNT ? built_kinds[kind] : "?";
}

static enum funds_kind kind_parse(const char *name) {
    assert(name != NULL);
    for (int k = 0; k < FUNDS_KIND_BUILT_COUNT; k++)
        if (strcmp(name, built_kinds[k]) == 0) return (enum funds_kind)k;
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

/* ---- §6-8's kinds (payment.h, report.h) ---- */

/* Money that may be negative (year_end_payment.adjustment). */
static enum funds_code wire_signed_money(struct funds_vector *v, const struct json_value *j,
                                         const char *path, int64_t *fen) {
    assert(fen != NULL);
    if (field_scaled(j, 2, AMOUNT_FEN_MAX, fen) != 0)
        return wire_fail(v, FUNDS_E_BAD_AMOUNT, path,
                         "must be an amount in yuan with at most 2 decimals");
    return FUNDS_OK;
}

/* A ratio: at most 4 decimals in [0, max_bp / 10000]. */
static enum funds_code wire_ratio(struct funds_vector *v, const struct json_value *j,
                                  const char *path, int64_t max_bp, int32_t *bp) {
    int64_t value = 0;
    assert(bp != NULL && max_bp > 0);
    if (field_scaled(j, 4, max_bp, &value) != 0 || value < 0)
        return wire_fail(v, FUNDS_E_BAD_AMOUNT, path,
                         "must be a ratio with at most 4 decimals in [0, %lld]",
                         (long long)(max_bp / RATIO_ONE_BP));
    *bp = (int32_t)value;
    return FUNDS_OK;
}

static enum funds_code wire_bool(struct funds_vector *v, const struct json_value *j,
                                 const char *path, bool fallback, bool *out) {
    assert(out != NULL);
    if (j == NULL) {
        *out = fallback;
        return FUNDS_OK;
    }
    if (j->type != JSON_TRUE && j->type != JSON_FALSE)
        return wire_fail(v, FUNDS_E_BAD_AMOUNT, path, "must be true or false");
    *out = j->type == JSON_TRUE;
    return FUNDS_OK;
}

/* A code of a settlement or an institution: a non-empty string. */
static enum funds_code wire_code(struct funds_vector *v, const struct json_value *j,
                                 const char *path, char *out, size_t size) {
    assert(out != NULL && size > 1);
    if (j != NULL && j->type == JSON_STRING && j->len == 0)
        return wire_fail(v, FUNDS_E_BAD_AMOUNT, path, "must not be empty");
    return wire_name(v, j, path, FUNDS_E_BAD_AMOUNT, out, size);
}

/* A settlement record of §9, its fields checked in §9's order. */
static enum funds_code wire_settlement(struct funds_vector *v, const struct json_value *j,
                                       const char *path, struct pay_settlement *s) {
    static const char *const money[] = {
        "medfee_sumamt", "inscp_scp_amt",   "hifp_pay",        "hifob_pay",
        "hifmi_pay",     "maf_pay",         "fund_pay_sumamt", "psn_part_amt",
        "acct_pay",      "acct_mulaid_pay", "psn_cash_pay",
    };
    int64_t *const into[] = {&s->medfee_sumamt,   &s->inscp_scp_amt, &s->hifp_pay,
                             &s->hifob_pay,       &s->hifmi_pay,     &s->maf_pay,
                             &s->fund_pay_sumamt, &s->psn_part_amt,  &s->acct_pay,
                             &s->acct_mulaid_pay, &s->psn_cash_pay};
    char here[96];
    assert(sizeof money / sizeof *money == sizeof into / sizeof *into);
    memset(s, 0, sizeof *s);
    if (j == NULL || j->type != JSON_OBJECT)
        return wire_fail(v, FUNDS_E_BAD_AMOUNT, path, "a settlement must be an object");
#define SETL_FIELD(name) (snprintf(here, sizeof here, "%.60s." name, path), here)
    if (wire_code(v, json_get(j, "setl_id"), SETL_FIELD("setl_id"), s->setl_id,
                  sizeof s->setl_id) != FUNDS_OK ||
        wire_code(v, json_get(j, "psn_no"), SETL_FIELD("psn_no"), s->psn_no, sizeof s->psn_no) !=
            FUNDS_OK ||
        wire_code(v, json_get(j, "med_type"), SETL_FIELD("med_type"), s->med_type,
                  sizeof s->med_type) != FUNDS_OK ||
        wire_name(v, json_get(j, "dise_codg"), SETL_FIELD("dise_codg"), FUNDS_E_BAD_AMOUNT,
                  s->dise_codg, sizeof s->dise_codg) != FUNDS_OK ||
        wire_date(v, json_get(j, "setl_time"), SETL_FIELD("setl_time"), true, &s->setl_time) !=
            FUNDS_OK ||
        wire_bool(v, json_get(j, "revoked"), SETL_FIELD("revoked"), false, &s->revoked) != FUNDS_OK)
        return v->code;
    for (size_t k = 0; k < sizeof money / sizeof *money; k++) {
        snprintf(here, sizeof here, "%.60s.%s", path, money[k]);
        if (wire_money(v, json_get(j, money[k]), here, into[k]) != FUNDS_OK) return v->code;
    }
#undef SETL_FIELD
    return FUNDS_OK;
}

/* Appends the array's settlements to v->settlements; *first: where,
 * *count: how many (never v->settlement_count itself, which counts all). */
static enum funds_code wire_settlements(struct funds_vector *v, const struct json_value *j,
                                        const char *path, int32_t *first, int32_t *count) {
    char here[96];
    assert(first != NULL && count != NULL && count != &v->settlement_count);
    *first = v->settlement_count;
    *count = 0;
    if (j == NULL || j->type != JSON_ARRAY ||
        (int64_t)j->len > PAY_SETTLEMENTS_MAX - v->settlement_count)
        return wire_fail(v, FUNDS_E_BAD_AMOUNT, path, "must be an array (at most %d in all)",
                         PAY_SETTLEMENTS_MAX);
    for (const struct json_value *e = j->child; e != NULL; e = e->next) {
        snprintf(here, sizeof here, "%.60s[%d]", path, *count);
        if (wire_settlement(v, e, here, &v->settlements[v->settlement_count]) != FUNDS_OK)
            return v->code;
        v->settlement_count++;
        (*count)++;
    }
    assert(v->settlement_count <= PAY_SETTLEMENTS_MAX);
    return FUNDS_OK;
}

/* A key of quotas or groups: an ICD-10 prefix ("*" for the rest). */
static enum funds_code wire_prefix(struct funds_vector *v, const struct json_value *e,
                                   const char *path, char *out) {
    assert(e != NULL && out != NULL);
    if (e->key == NULL || e->key[0] == '\0' || strlen(e->key) > PAY_PREFIX_BYTES_MAX)
        return wire_fail(v, FUNDS_E_BAD_AMOUNT, path, "a prefix of 1 to %d bytes",
                         PAY_PREFIX_BYTES_MAX);
    memcpy(out, e->key, strlen(e->key) + 1);
    return FUNDS_OK;
}

static enum funds_code wire_quotas(struct funds_vector *v, const struct json_value *j) {
    char here[64];
    struct pay_quotas *q = &v->quotas;
    q->count = 0;
    if (j == NULL || j->type != JSON_OBJECT || j->len > PAY_QUOTAS_MAX)
        return wire_fail(v, FUNDS_E_BAD_AMOUNT, "quotas", "must be an object of at most %d",
                         PAY_QUOTAS_MAX);
    for (const struct json_value *e = j->child; e != NULL; e = e->next) {
        snprintf(here, sizeof here, "quotas.%.40s", e->key ? e->key : "?");
        if (wire_prefix(v, e, here, q->quota[q->count].prefix) != FUNDS_OK ||
            wire_money(v, e, here, &q->quota[q->count].quota_fen) != FUNDS_OK)
            return v->code;
        q->count++;
    }
    v->has_quotas = true;
    assert(q->count <= PAY_QUOTAS_MAX);
    return FUNDS_OK;
}

static enum funds_code budget_input(struct funds_vector *v, const struct json_value *in) {
    struct budget_terms *t = &v->budget;
    const struct json_value *quotas = json_get(in, "quotas");
    int32_t first = 0, count = 0;
    assert(v != NULL && in != NULL);
    if (wire_money(v, json_get(in, "budget"), "budget", &t->budget_fen) != FUNDS_OK ||
        wire_ratio(v, json_get(in, "savings_corridor"), "savings_corridor", RATIO_ONE_BP,
                   &t->savings_corridor_bp) != FUNDS_OK ||
        wire_ratio(v, json_get(in, "savings_share"), "savings_share", RATIO_ONE_BP,
                   &t->savings_share_bp) != FUNDS_OK ||
        wire_ratio(v, json_get(in, "overspend_corridor"), "overspend_corridor", RATIO_ONE_BP,
                   &t->overspend_corridor_bp) != FUNDS_OK ||
        wire_ratio(v, json_get(in, "overspend_share"), "overspend_share", RATIO_ONE_BP,
                   &t->overspend_share_bp) != FUNDS_OK ||
        wire_settlements(v, json_get(in, "settlements"), "settlements", &first, &count) != FUNDS_OK)
        return v->code;
    if (quotas != NULL && wire_quotas(v, quotas) != FUNDS_OK) return v->code;
    v->joined = v->has_quotas; /* "the list the institution joined" */
    return FUNDS_OK;
}

static enum funds_code quota_input(struct funds_vector *v, const struct json_value *in) {
    const struct json_value *joined = json_get(in, "joined");
    int32_t first = 0, count = 0;
    assert(v != NULL && in != NULL);
    if (wire_quotas(v, json_get(in, "quotas")) != FUNDS_OK) return v->code;
    if (joined == NULL) return wire_fail(v, FUNDS_E_BAD_AMOUNT, "joined", "missing");
    if (wire_bool(v, joined, "joined", false, &v->joined) != FUNDS_OK) return v->code;
    return wire_settlements(v, json_get(in, "settlements"), "settlements", &first, &count);
}

static enum funds_code wire_coefficients(struct funds_vector *v, const struct json_value *j) {
    char here[96];
    struct dip_region *r = &v->dip;
    if (j == NULL || j->type != JSON_OBJECT || j->len > PAY_LEVELS_MAX)
        return wire_fail(v, FUNDS_E_BAD_AMOUNT, "coefficients", "must be an object of at most %d",
                         PAY_LEVELS_MAX);
    for (const struct json_value *e = j->child; e != NULL; e = e->next) {
        struct dip_level *l = &r->levels[r->level_count];
        snprintf(here, sizeof here, "coefficients.%.60s", e->key ? e->key : "?");
        if (e->key == NULL || strlen(e->key) > CODE_BYTES_MAX)
            return wire_fail(v, FUNDS_E_BAD_AMOUNT, here, "a level name of at most %d bytes",
                             CODE_BYTES_MAX);
        memcpy(l->name, e->key, strlen(e->key) + 1);
        if (wire_ratio(v, e, here, PAY_COEFF_MAX_BP, &l->coeff_bp) != FUNDS_OK) return v->code;
        r->level_count++;
    }
    assert(r->level_count <= PAY_LEVELS_MAX);
    return FUNDS_OK;
}

static enum funds_code wire_groups(struct funds_vector *v, const struct json_value *j) {
    char here[96];
    struct dip_region *r = &v->dip;
    if (j == NULL || j->type != JSON_OBJECT || j->len > PAY_GROUPS_MAX)
        return wire_fail(v, FUNDS_E_BAD_AMOUNT, "groups", "must be an object of at most %d",
                         PAY_GROUPS_MAX);
    for (const struct json_value *e = j->child; e != NULL; e = e->next) {
        struct dip_group *g = &r->groups[r->group_count];
        snprintf(here, sizeof here, "groups.%.40s", e->key ? e->key : "?");
        if (wire_prefix(v, e, here, g->prefix) != FUNDS_OK) return v->code;
        if (e->type != JSON_OBJECT)
            return wire_fail(v, FUNDS_E_BAD_AMOUNT, here, "must be {points, avg_cost}");
        snprintf(here, sizeof here, "groups.%.40s.points", e->key);
        if (field_scaled(json_get(e, "points"), 4, AMOUNT_FEN_MAX, &g->points) != 0 ||
            g->points <= 0)
            return wire_fail(v, FUNDS_E_BAD_AMOUNT, here, "must be > 0 with at most 4 decimals");
        snprintf(here, sizeof here, "groups.%.40s.avg_cost", e->key);
        if (wire_money(v, json_get(e, "avg_cost"), here, &g->avg_cost_fen) != FUNDS_OK)
            return v->code;
        if (g->avg_cost_fen == 0) return wire_fail(v, FUNDS_E_BAD_AMOUNT, here, "must be > 0");
        r->group_count++;
    }
    assert(r->group_count <= PAY_GROUPS_MAX);
    return FUNDS_OK;
}

static enum funds_code wire_institution(struct funds_vector *v, const struct json_value *j,
                                        const char *path, struct dip_institution *inst) {
    char here[96];
    assert(inst != NULL);
    memset(inst, 0, sizeof *inst);
    if (j == NULL || j->type != JSON_OBJECT)
        return wire_fail(v, FUNDS_E_BAD_AMOUNT, path, "an institution must be an object");
#define INST_FIELD(name) (snprintf(here, sizeof here, "%.60s." name, path), here)
    if (wire_code(v, json_get(j, "fixmedins_code"), INST_FIELD("fixmedins_code"),
                  inst->fixmedins_code, sizeof inst->fixmedins_code) != FUNDS_OK ||
        wire_code(v, json_get(j, "level"), INST_FIELD("level"), inst->level, sizeof inst->level) !=
            FUNDS_OK ||
        wire_bool(v, json_get(j, "quota_joined"), INST_FIELD("quota_joined"), false,
                  &inst->quota_joined) != FUNDS_OK)
        return v->code;
    return wire_settlements(v, json_get(j, "settlements"), INST_FIELD("settlements"), &inst->first,
                            &inst->count);
#undef INST_FIELD
}

static enum funds_code dip_input(struct funds_vector *v, const struct json_value *in) {
    char here[64];
    struct dip_region *r = &v->dip;
    const struct json_value *quotas = json_get(in, "quotas"), *insts = json_get(in, "institutions");
    assert(v != NULL && in != NULL);
    if (wire_money(v, json_get(in, "budget"), "budget", &r->budget_fen) != FUNDS_OK ||
        wire_coefficients(v, json_get(in, "coefficients")) != FUNDS_OK ||
        wire_groups(v, json_get(in, "groups")) != FUNDS_OK)
        return v->code;
    if (quotas != NULL && wire_quotas(v, quotas) != FUNDS_OK) return v->code;
    r->quotas = v->has_quotas ? &v->quotas : NULL;
    r->settlements = v->settlements;
    if (insts == NULL || insts->type != JSON_ARRAY || insts->len > PAY_INSTITUTIONS_MAX)
        return wire_fail(v, FUNDS_E_BAD_AMOUNT, "institutions", "must be an array of at most %d",
                         PAY_INSTITUTIONS_MAX);
    for (const struct json_value *e = insts->child; e != NULL; e = e->next) {
        snprintf(here, sizeof here, "institutions[%d]", r->institution_count);
        if (wire_institution(v, e, here, &r->institutions[r->institution_count]) != FUNDS_OK)
            return v->code;
        r->institution_count++;
    }
    assert(r->institution_count <= PAY_INSTITUTIONS_MAX);
    return FUNDS_OK;
}

/* One signing {psn_no, from, to}; any flaw is E_BAD_DATES (as an episode's). */
static enum funds_code wire_signing(struct funds_vector *v, const struct json_value *j,
                                    const char *path, struct pay_signing *sg) {
    char here[64];
    const struct json_value *to = json_get(j, "to");
    assert(sg != NULL);
    memset(sg, 0, sizeof *sg);
    if (j == NULL || j->type != JSON_OBJECT)
        return wire_fail(v, FUNDS_E_BAD_DATES, path, "a signing must be an object");
    snprintf(here, sizeof here, "%.48s.psn_no", path);
    if (wire_name(v, json_get(j, "psn_no"), here, FUNDS_E_BAD_DATES, sg->psn_no,
                  sizeof sg->psn_no) != FUNDS_OK)
        return v->code;
    snprintf(here, sizeof here, "%.48s.from", path);
    if (wire_date(v, json_get(j, "from"), here, false, &sg->from) != FUNDS_OK) return v->code;
    snprintf(here, sizeof here, "%.48s.to", path);
    if (to == NULL) return wire_fail(v, FUNDS_E_BAD_DATES, here, "missing (null: still signed)");
    sg->open = to->type == JSON_NULL;
    if (!sg->open && wire_date(v, to, here, false, &sg->to) != FUNDS_OK) return v->code;
    if (!sg->open && sg->to < sg->from)
        return wire_fail(v, FUNDS_E_BAD_DATES, path, "to before from");
    return FUNDS_OK;
}

static enum funds_code capitation_input(struct funds_vector *v, const struct json_value *in) {
    char here[64];
    int64_t year = 0;
    int32_t first = 0, count = 0;
    const struct json_value *sg = json_get(in, "signed");
    assert(v != NULL && in != NULL);
    if (wire_count(v, json_get(in, "year"), "year", MONTH_YEAR_MIN, MONTH_YEAR_MAX, &year) !=
            FUNDS_OK ||
        wire_money(v, json_get(in, "rate"), "rate", &v->rate_fen) != FUNDS_OK)
        return v->code;
    v->year = (int32_t)year;
    if (sg == NULL || sg->type != JSON_ARRAY || sg->len > PAY_SIGNED_MAX)
        return wire_fail(v, FUNDS_E_BAD_DATES, "signed", "must be an array of at most %d",
                         PAY_SIGNED_MAX);
    for (const struct json_value *e = sg->child; e != NULL; e = e->next) {
        snprintf(here, sizeof here, "signed[%d]", v->signed_count);
        if (wire_signing(v, e, here, &v->signed_[v->signed_count]) != FUNDS_OK) return v->code;
        v->signed_count++;
    }
    return wire_settlements(v, json_get(in, "settlements"), "settlements", &first, &count);
}

static enum funds_code payment_run_input(struct funds_vector *v, const struct json_value *in) {
    const struct json_value *rate = json_get(in, "withhold_rate");
    int32_t first = 0, count = 0;
    assert(v != NULL && in != NULL);
    v->withhold_rate_bp = 0;
    if (wire_month(v, json_get(in, "month"), "month", &v->month) != FUNDS_OK) return v->code;
    if (rate != NULL &&
        wire_ratio(v, rate, "withhold_rate", RATIO_ONE_BP, &v->withhold_rate_bp) != FUNDS_OK)
        return v->code;
    return wire_settlements(v, json_get(in, "settlements"), "settlements", &first, &count);
}

static enum funds_code payment_inputs(struct funds_vector *v, const struct json_value *in) {
    int32_t first = 0, count = 0;
    assert(v != NULL && in != NULL && v->kind >= FUNDS_KIND_BUDGET_SETTLEMENT);
    switch (v->kind) {
    case FUNDS_KIND_BUDGET_SETTLEMENT: return budget_input(v, in);
    case FUNDS_KIND_QUOTA_ADJUSTMENT: return quota_input(v, in);
    case FUNDS_KIND_DIP_SETTLEMENT: return dip_input(v, in);
    case FUNDS_KIND_CAPITATION: return capitation_input(v, in);
    case FUNDS_KIND_PAYMENT_RUN: return payment_run_input(v, in);
    case FUNDS_KIND_YEAR_END_PAYMENT:
        if (wire_money(v, json_get(in, "deposit"), "deposit", &v->deposit_fen) != FUNDS_OK ||
            wire_money(v, json_get(in, "sanctions"), "sanctions", &v->sanctions_fen) != FUNDS_OK)
            return v->code;
        return wire_signed_money(v, json_get(in, "adjustment"), "adjustment", &v->adjustment_fen);
    case FUNDS_KIND_MONTHS_OF_SUPPORT:
        if (wire_money(v, json_get(in, "balance"), "balance", &v->balance_fen) != FUNDS_OK)
            return v->code;
        return wire_money(v, json_get(in, "spending_12m"), "spending_12m", &v->spending_12m_fen);
    case FUNDS_KIND_RATIOS:
        if (wire_settlements(v, json_get(in, "settlements"), "settlements", &first, &count) !=
                FUNDS_OK ||
            wire_count(v, json_get(in, "enrolled"), "enrolled", 0, AMOUNT_FEN_MAX, &v->enrolled) !=
                FUNDS_OK)
            return v->code;
        return wire_count(v, json_get(in, "should_insure"), "should_insure", 0, AMOUNT_FEN_MAX,
                          &v->should_insure);
    default: break;
    }
    return FUNDS_OK;
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
    default: break;
    }
    return 0;
}

/* §6-8's kinds name no policy (§9: "policy is present for the kinds
 * below that name one"). */
static bool kind_names_policy(enum funds_kind kind) {
    assert(kind >= 0 && kind < FUNDS_KIND_BUILT_COUNT);
    return kind < FUNDS_KIND_BUDGET_SETTLEMENT;
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
    default: return payment_inputs(v, in);
    }
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
    if (!kind_names_policy(v->kind)) {
        payment_inputs(v, in);
        return 0;
    }
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
