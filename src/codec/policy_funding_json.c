/* policy_funding_json.c: the `funding` section of a yibao-policy/1 document
 * (FUNDS.md §1) into struct funding.
 *
 * An employee policy's section holds contribution terms, a resident
 * policy's the premium terms; which keys are required follows the
 * policy's insutype. Missing keys are load errors except the optional ones
 * §1 names, which take its defaults. Numbers are read from their decimal
 * text (fields.c), never through double. Errors name the key path. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "codec/policy_parts.h"
#include "core/money.h"

#define PATH "funding"

static int count_field(const struct json_value *obj, const char *key, int32_t max, int32_t *out,
                       const char *path, struct field_err *e) {
    int64_t value = 0;
    assert(obj != NULL && out != NULL);
    if (field_integer(obj, key, true, 0, max, &value, path, e) != 0) return -1;
    *out = (int32_t)value;
    return 0;
}

/* base_ceiling: a share of the average wage in [base_floor, 10]. */
static int ceiling_field(const struct json_value *f, struct funding_employee *x,
                         struct field_err *e) {
    int64_t bp = 0;
    const struct json_value *v = json_get(f, "base_ceiling");
    assert(x != NULL);
    if (v == NULL) return field_fail(e, PATH, "base_ceiling", "missing");
    if (field_scaled(v, 4, FUNDING_CEILING_MAX_BP, &bp) != 0 || bp < x->base_floor_bp)
        return field_fail(e, PATH, "base_ceiling",
                          "must be a number in [base_floor, 10] with at most 4 decimals");
    x->base_ceiling_bp = (int32_t)bp;
    return 0;
}

static int flexible_field(const struct json_value *f, struct funding_employee *x,
                          struct field_err *e) {
    int status;
    const char *path = PATH ".flexible";
    const struct json_value *flex = json_get(f, "flexible");
    assert(x != NULL);
    if (flex == NULL || flex->type == JSON_NULL) return 0;
    if ((flex = field_object(f, "flexible", true, PATH, e, &status)) == NULL) return -1;
    x->has_flexible = true;
    const struct json_value *bases = json_get(flex, "bases");
    if (bases == NULL || bases->type != JSON_ARRAY || bases->len > FUNDING_BASES_MAX)
        return field_fail(e, path, "bases", "must be an array of at most %d ratios",
                          FUNDING_BASES_MAX);
    int64_t bp = 0;
    for (const struct json_value *b = bases->child; b != NULL; b = b->next) {
        if (field_scaled(b, 4, RATIO_ONE_BP, &bp) != 0 || bp < 0)
            return field_fail(e, path, "bases", "entries must be numbers in [0, 1]");
        x->flexible.bases_bp[x->flexible.base_count++] = (int32_t)bp;
    }
    if (field_ratio(flex, "rate", true, &x->flexible.rate_bp, path, e) != 0 ||
        field_ratio(flex, "account_rate", true, &x->flexible.account_rate_bp, path, e) != 0)
        return -1;
    return 0;
}

/* min_months_total: {gend: months}, keyed by the person's gend. */
static int min_months_field(const struct json_value *f, struct funding_employee *x,
                            struct field_err *e) {
    int status;
    char here[64];
    const struct json_value *table = field_object(f, "min_months_total", true, PATH, e, &status);
    assert(x != NULL);
    if (table == NULL) return -1;
    if (table->len > FUNDING_GENDERS_MAX)
        return field_fail(e, PATH, "min_months_total", "more than %d keys", FUNDING_GENDERS_MAX);
    field_path(here, sizeof here, PATH, "min_months_total");
    for (const struct json_value *m = table->child; m != NULL; m = m->next) {
        struct funding_min_months *row = &x->min_months_total[x->min_months_total_count];
        if (m->key_len == 0 || m->key_len > FUNDING_GEND_BYTES_MAX)
            return field_fail(e, here, m->key, "a gend key has 1 to %d bytes",
                              FUNDING_GEND_BYTES_MAX);
        for (int32_t i = 0; i < x->min_months_total_count; i++)
            if (strcmp(x->min_months_total[i].gend, m->key) == 0)
                return field_fail(e, here, m->key, "listed twice");
        memcpy(row->gend, m->key, m->key_len + 1);
        if (count_field(table, m->key, FUNDING_MONTHS_MAX, &row->months, here, e) != 0) return -1;
        x->min_months_total_count++;
    }
    return 0;
}

static int employee_fields(const struct json_value *f, struct funding_employee *x,
                           struct field_err *e) {
    assert(f != NULL && x != NULL);
    if (field_money(f, "avg_wage_monthly", true, &x->avg_wage_monthly_fen, PATH, e) != 0 ||
        field_ratio(f, "base_floor", true, &x->base_floor_bp, PATH, e) != 0 ||
        ceiling_field(f, x, e) != 0 ||
        field_ratio(f, "employer_rate", true, &x->employer_rate_bp, PATH, e) != 0)
        return -1;
    int status = field_ratio(f, "employer_rate_reduced", false, &x->employer_rate_reduced_bp, PATH,
                             e);
    if (status < 0) return -1;
    if (status == 1) x->employer_rate_reduced_bp = x->employer_rate_bp;
    if (field_ratio(f, "employee_rate", true, &x->employee_rate_bp, PATH, e) != 0 ||
        field_ratio(f, "account_rate", true, &x->account_rate_bp, PATH, e) != 0 ||
        field_money(f, "over_cap_premium_monthly", false, &x->over_cap_premium_monthly_fen, PATH,
                    e) < 0 ||
        flexible_field(f, x, e) != 0 ||
        field_money(f, "retiree_account_monthly", true, &x->retiree_account_monthly_fen, PATH, e) !=
            0 ||
        count_field(f, "grace_months", FUNDING_MONTHS_MAX, &x->grace_months, PATH, e) != 0 ||
        count_field(f, "waiting_months", FUNDING_MONTHS_MAX, &x->waiting_months, PATH, e) != 0 ||
        min_months_field(f, x, e) != 0 ||
        count_field(f, "min_months_local", FUNDING_MONTHS_MAX, &x->min_months_local, PATH, e) != 0)
        return -1;
    return field_ratio(f, "lump_rate", true, &x->lump_rate_bp, PATH, e);
}

/* premium: {category: yuan}; every key a resident or employee category. */
static int premium_field(const struct json_value *f, struct funding_resident *x,
                         struct field_err *e) {
    int status;
    char here[64];
    const struct json_value *table = field_object(f, "premium", true, PATH, e, &status);
    assert(x != NULL);
    if (table == NULL) return -1;
    field_path(here, sizeof here, PATH, "premium");
    for (const struct json_value *m = table->child; m != NULL; m = m->next) {
        enum category category;
        if (category_parse(m->key, &category) != 0)
            return field_fail(e, here, m->key, "unknown category");
        if (x->has_premium[category]) return field_fail(e, here, m->key, "listed twice");
        if (field_money(table, m->key, true, &x->premium_fen[category], here, e) != 0) return -1;
        x->has_premium[category] = true;
    }
    return 0;
}

static int assistance_field(const struct json_value *f, struct funding_resident *x,
                            struct field_err *e) {
    char here[64], name[CODE_BYTES_MAX + 1];
    const struct json_value *arr = json_get(f, "premium_assistance");
    assert(x != NULL);
    if (arr == NULL || arr->type == JSON_NULL) return 0;
    if (arr->type != JSON_ARRAY || arr->len > POLICY_PERSON_RULES_MAX)
        return field_fail(e, PATH, "premium_assistance", "must be an array of at most %d rules",
                          POLICY_PERSON_RULES_MAX);
    for (const struct json_value *r = arr->child; r != NULL; r = r->next) {
        struct funding_assistance *rule = &x->assistance[x->assistance_count];
        snprintf(here, sizeof here, PATH ".premium_assistance[%d]", x->assistance_count);
        if (r->type != JSON_OBJECT) return field_fail(e, here, "", "must be an object");
        if (field_string(r, "when", true, name, sizeof name, here, e) != 0) return -1;
        if ((rule->when_mask = policy_when_bit(name)) == 0)
            return field_fail(e, here, "when", "unknown category or flag '%s'", name);
        if (field_ratio(r, "ratio", true, &rule->ratio_bp, here, e) != 0) return -1;
        x->assistance_count++;
    }
    return 0;
}

/* "MM-DD", a day that exists in every year (no 02-29). */
static int month_day_field(const struct json_value *w, const char *key, int32_t *month,
                           int32_t *day, struct field_err *e) {
    static const int32_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const struct json_value *v = json_get(w, key);
    assert(month != NULL && day != NULL);
    if (v == NULL || v->type != JSON_STRING || v->len != 5 || v->text[2] != '-')
        return field_fail(e, PATH ".window", key, "must be \"MM-DD\"");
    const char *t = v->text;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (t[i] < '0' || t[i] > '9'))
            return field_fail(e, PATH ".window", key, "must be \"MM-DD\"");
    *month = (t[0] - '0') * 10 + (t[1] - '0');
    *day = (t[3] - '0') * 10 + (t[4] - '0');
    if (*month < 1 || *month > 12 || *day < 1 || *day > days[*month - 1])
        return field_fail(e, PATH ".window", key, "must be a day of every year (not 02-29)");
    return 0;
}

static int window_field(const struct json_value *f, struct funding_resident *x,
                        struct field_err *e) {
    int status;
    const struct json_value *w = field_object(f, "window", true, PATH, e, &status);
    assert(x != NULL);
    if (w == NULL) return -1;
    if (month_day_field(w, "from", &x->window_from_month, &x->window_from_day, e) != 0 ||
        month_day_field(w, "to", &x->window_to_month, &x->window_to_day, e) != 0)
        return -1;
    if (x->window_from_month * 100 + x->window_from_day >
        x->window_to_month * 100 + x->window_to_day)
        return field_fail(e, PATH ".window", "from", "must not be after to");
    return 0;
}

static int resident_fields(const struct json_value *f, struct funding_resident *x,
                           struct field_err *e) {
    assert(f != NULL && x != NULL);
    if (premium_field(f, x, e) != 0 ||
        field_money(f, "subsidy", true, &x->subsidy_fen, PATH, e) != 0 ||
        assistance_field(f, x, e) != 0 ||
        field_money(f, "catastrophic_share", false, &x->catastrophic_share_fen, PATH, e) < 0 ||
        window_field(f, x, e) != 0 ||
        count_field(f, "waiting_days", FUNDING_DAYS_MAX, &x->waiting_days, PATH, e) != 0)
        return -1;
    return count_field(f, "newborn_days", FUNDING_DAYS_MAX, &x->newborn_days, PATH, e);
}

int policy_funding_from_json(const struct json_value *root, struct policy *p, struct field_err *e) {
    int status;
    assert(root != NULL && p != NULL);
    assert(p->insutype == INSUTYPE_EMPLOYEE || p->insutype == INSUTYPE_RESIDENT);
    const struct json_value *f = json_get(root, "funding");
    if (f == NULL || f->type == JSON_NULL) return 0;
    if ((f = field_object(root, "funding", true, "", e, &status)) == NULL) return -1;
    memset(&p->funding, 0, sizeof p->funding);
    int rc = p->insutype == INSUTYPE_EMPLOYEE ? employee_fields(f, &p->funding.employee, e)
                                              : resident_fields(f, &p->funding.resident, e);
    if (rc != 0) return -1;
    p->has_funding = true;
    return 0;
}
