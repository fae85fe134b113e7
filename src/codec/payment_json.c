/* payment_json.c: a yibao-payment/1 document (docs/PAYMENT.md) into struct
 * agreement (core/agreement.h).
 *
 * The format is ours (FUNDS.md §6-§7 give the rules, not a file), so it is
 * strict where a policy may not be: an unknown key is refused, not
 * ignored, because a misspelt term ("savings_corridoor") would otherwise
 * leave a default in force for a year of payments (a key given twice the
 * JSON reader refuses already). The terms use the names of FUNDS.md §9's
 * inputs. Numbers are read from their decimal text (fields.c); every
 * message is "key.path: what is wrong". */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "codec/fields.h"
#include "core/agreement.h"
#include "core/money.h"
#include "core/person.h"

#define PAYMENT_FORMAT "yibao-payment/1"
#define POINTS_MAX_SCALED (1000000000LL * PAY_POINTS_SCALE) /* a group's points */

/* Every member's key is one of `allowed` (NULL-terminated). */
static int only_keys(const struct json_value *obj, const char *const *allowed, const char *path,
                     struct field_err *e) {
    assert(obj != NULL && obj->type == JSON_OBJECT && allowed != NULL);
    for (const struct json_value *m = obj->child; m != NULL; m = m->next) {
        size_t i = 0;
        while (allowed[i] != NULL && strcmp(allowed[i], m->key) != 0) i++;
        if (allowed[i] == NULL) return field_fail(e, path, m->key, "unknown key");
    }
    return 0;
}

/* An ICD-10 prefix: 1..15 bytes of capitals, digits and '.'. */
static bool prefix_ok(const char *key) {
    size_t n = strlen(key);
    if (n == 0 || n > PAY_PREFIX_BYTES_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (!((key[i] >= 'A' && key[i] <= 'Z') || (key[i] >= '0' && key[i] <= '9') ||
              key[i] == '.'))
            return false;
    return true;
}

static int quotas_from_json(const struct json_value *root, struct agreement *a,
                            struct field_err *e) {
    int status;
    const struct json_value *q = field_object(root, "quotas", false, "", e, &status);
    if (q == NULL) return status < 0 ? -1 : 0;
    if (q->len > PAY_QUOTAS_MAX)
        return field_fail(e, "", "quotas", "more than %d prefixes", PAY_QUOTAS_MAX);
    a->has_quotas = true;
    for (const struct json_value *m = q->child; m != NULL; m = m->next) {
        struct pay_quota *x = &a->quotas.quota[a->quotas.count];
        if (!prefix_ok(m->key))
            return field_fail(e, "quotas", m->key,
                              "must be an ICD-10 prefix (1 to %d capitals, digits or '.')",
                              PAY_PREFIX_BYTES_MAX);
        if (field_money(q, m->key, true, &x->quota_fen, "quotas", e) != 0) return -1;
        snprintf(x->prefix, sizeof x->prefix, "%s", m->key);
        a->quotas.count++;
    }
    assert(a->quotas.count == (int32_t)q->len);
    return 0;
}

static int coefficients_from_json(const struct json_value *dip, struct agreement_dip *d,
                                  struct field_err *e) {
    int status;
    const char *path = "dip.coefficients";
    const struct json_value *c = field_object(dip, "coefficients", true, "dip", e, &status);
    if (c == NULL) return -1;
    for (const struct json_value *m = c->child; m != NULL; m = m->next) {
        enum level level;
        int64_t bp = 0;
        if (level_parse(m->key, &level) != 0 || level == LEVEL_NONE)
            return field_fail(e, path, m->key, "not an institution level");
        if (m->type != JSON_NUMBER || field_scaled(m, 4, PAY_COEFF_MAX_BP, &bp) != 0 || bp < 0)
            return field_fail(e, path, m->key,
                              "must be a number in [0, 10] with at most 4 decimals");
        assert(d->level_count < PAY_LEVELS_MAX); /* one key per level, each level once */
        snprintf(d->levels[d->level_count].name, sizeof d->levels[0].name, "%s", m->key);
        d->levels[d->level_count++].coeff_bp = (int32_t)bp;
    }
    return 0;
}

static int group_from_json(const struct json_value *m, struct dip_group *g, struct field_err *e) {
    char path[FIELD_PATH_SHOWN_MAX];
    static const char *const keys[] = {"points", "avg_cost", NULL};
    field_path(path, sizeof path, "dip.groups", m->key);
    if (strcmp(m->key, "*") != 0 && !prefix_ok(m->key))
        return field_fail(e, "dip.groups", m->key, "must be an ICD-10 prefix or \"*\"");
    if (m->type != JSON_OBJECT) return field_fail(e, "dip.groups", m->key, "must be an object");
    if (only_keys(m, keys, path, e) != 0) return -1;
    const struct json_value *p = json_get(m, "points");
    if (p == NULL) return field_fail(e, path, "points", "missing");
    if (p->type != JSON_NUMBER || field_scaled(p, 4, POINTS_MAX_SCALED, &g->points) != 0 ||
        g->points <= 0)
        return field_fail(e, path, "points", "must be a number > 0 with at most 4 decimals");
    if (field_money(m, "avg_cost", true, &g->avg_cost_fen, path, e) != 0) return -1;
    if (g->avg_cost_fen <= 0) return field_fail(e, path, "avg_cost", "must be > 0");
    snprintf(g->prefix, sizeof g->prefix, "%s", m->key);
    return 0;
}

static int dip_from_json(const struct json_value *root, struct agreement *a, struct field_err *e) {
    int status;
    static const char *const keys[] = {"budget", "coefficients", "groups", NULL};
    const struct json_value *dip = field_object(root, "dip", false, "", e, &status);
    if (dip == NULL) return status < 0 ? -1 : 0;
    a->has_dip = true;
    if (only_keys(dip, keys, "dip", e) != 0 ||
        field_money(dip, "budget", true, &a->dip.budget_fen, "dip", e) != 0 ||
        coefficients_from_json(dip, &a->dip, e) != 0)
        return -1;
    const struct json_value *groups = field_object(dip, "groups", true, "dip", e, &status);
    if (groups == NULL) return -1;
    if (groups->len > PAY_GROUPS_MAX)
        return field_fail(e, "dip", "groups", "more than %d groups", PAY_GROUPS_MAX);
    for (const struct json_value *m = groups->child; m != NULL; m = m->next)
        if (group_from_json(m, &a->dip.groups[a->dip.group_count++], e) != 0) return -1;
    return 0;
}

/* The method's own terms; a term of another method is refused. */
static int terms_from_json(const struct json_value *m, struct agreement_institution *x,
                           const char *path, struct field_err *e) {
    static const char *const common[] = {"method", "quota_joined", "withhold_rate", NULL};
    static const char *const budget[] = {
        "method",        "quota_joined",       "withhold_rate",   "budget", "savings_corridor",
        "savings_share", "overspend_corridor", "overspend_share", NULL};
    static const char *const capitation[] = {"method", "quota_joined", "withhold_rate", "rate",
                                             NULL};
    const char *const *keys = x->method == PAY_GLOBAL_BUDGET ? budget
                              : x->method == PAY_CAPITATION  ? capitation
                                                             : common;
    if (only_keys(m, keys, path, e) != 0) return -1;
    if (x->method == PAY_CAPITATION) {
        if (field_money(m, "rate", true, &x->capitation_rate_fen, path, e) != 0) return -1;
        if (x->capitation_rate_fen <= 0) return field_fail(e, path, "rate", "must be > 0");
    }
    if (x->method != PAY_GLOBAL_BUDGET) return 0;
    struct budget_terms *t = &x->budget;
    return field_money(m, "budget", true, &t->budget_fen, path, e) != 0 ||
                   field_ratio(m, "savings_corridor", true, &t->savings_corridor_bp, path, e) !=
                       0 ||
                   field_ratio(m, "savings_share", true, &t->savings_share_bp, path, e) != 0 ||
                   field_ratio(m, "overspend_corridor", true, &t->overspend_corridor_bp, path, e) !=
                       0 ||
                   field_ratio(m, "overspend_share", true, &t->overspend_share_bp, path, e) != 0
               ? -1
               : 0;
}

static int agreement_member_from_json(const struct json_value *m, struct agreement *a,
                                      struct field_err *e) {
    char path[FIELD_PATH_SHOWN_MAX], method[32];
    struct agreement_institution *x = &a->institutions[a->institution_count];
    field_path(path, sizeof path, "institutions", m->key);
    if (m->key_len == 0 || m->key_len > CODE_BYTES_MAX)
        return field_fail(e, "institutions", m->key, "must be a code of 1 to %d bytes",
                          CODE_BYTES_MAX);
    if (m->type != JSON_OBJECT) return field_fail(e, "institutions", m->key, "must be an object");
    if (field_string(m, "method", true, method, sizeof method, path, e) != 0) return -1;
    if (pay_method_parse(method, &x->method) != 0)
        return field_fail(e, path, "method",
                          "must be fee_for_service, global_budget, dip or capitation");
    const struct json_value *joined = json_get(m, "quota_joined");
    if (joined != NULL && joined->type != JSON_TRUE && joined->type != JSON_FALSE)
        return field_fail(e, path, "quota_joined", "must be true or false");
    x->quota_joined = joined != NULL && joined->type == JSON_TRUE;
    x->withhold_rate_bp = a->withhold_rate_bp;
    if (field_ratio(m, "withhold_rate", false, &x->withhold_rate_bp, path, e) < 0 ||
        terms_from_json(m, x, path, e) != 0)
        return -1;
    snprintf(x->fixmedins_code, sizeof x->fixmedins_code, "%s", m->key);
    a->institution_count++;
    return 0;
}

static int header_from_json(const struct json_value *root, struct agreement *a,
                            struct field_err *e) {
    static const char *const keys[] = {"format", "id",  "region",       "year", "withhold_rate",
                                       "quotas", "dip", "institutions", NULL};
    char format[32];
    int64_t year = 0;
    if (root->type != JSON_OBJECT) return field_fail(e, "", "(document)", "must be a JSON object");
    if (only_keys(root, keys, "", e) != 0 ||
        field_string(root, "format", true, format, sizeof format, "", e) != 0)
        return -1;
    if (strcmp(format, PAYMENT_FORMAT) != 0)
        return field_fail(e, "", "format", "must be \"" PAYMENT_FORMAT "\"");
    if (field_string(root, "id", true, a->id, sizeof a->id, "", e) != 0 ||
        field_string(root, "region", true, a->region, sizeof a->region, "", e) != 0 ||
        field_integer(root, "year", true, 1, 9999, &year, "", e) != 0 ||
        field_ratio(root, "withhold_rate", false, &a->withhold_rate_bp, "", e) < 0)
        return -1;
    if (a->id[0] == '\0') return field_fail(e, "", "id", "must not be empty");
    if (a->region[0] == '\0') return field_fail(e, "", "region", "must not be empty");
    a->year = (int32_t)year;
    return 0;
}

int payment_agreement_from_json(const struct json_value *root, struct agreement *a, char *err,
                                size_t err_size) {
    struct field_err e = {err, err_size};
    int status;
    assert(root != NULL && a != NULL && err != NULL);
    memset(a, 0, sizeof *a);
    if (header_from_json(root, a, &e) != 0 || quotas_from_json(root, a, &e) != 0 ||
        dip_from_json(root, a, &e) != 0)
        return -1;
    const struct json_value *list = field_object(root, "institutions", true, "", &e, &status);
    if (list == NULL) return -1;
    if (list->len == 0) return field_fail(&e, "", "institutions", "must name an institution");
    if (list->len > AGREEMENT_INSTITUTIONS_MAX)
        return field_fail(&e, "", "institutions", "more than %d institutions",
                          AGREEMENT_INSTITUTIONS_MAX);
    for (const struct json_value *m = list->child; m != NULL; m = m->next)
        if (agreement_member_from_json(m, a, &e) != 0) return -1;
    char why[CODEC_ERR_BYTES];
    if (agreement_problem(a, why, sizeof why) != NULL) {
        snprintf(err, err_size, "%s", why);
        return -1;
    }
    assert(a->institution_count == (int32_t)list->len);
    return 0;
}

static int load_agreement(const struct json_value *root, void *target, char *err, size_t size) {
    return payment_agreement_from_json(root, target, err, size);
}

int payment_agreement_load_file(const char *path, struct agreement *a, char *err, size_t err_size) {
    assert(path != NULL && a != NULL);
    return codec_load_file(path, load_agreement, a, err, err_size);
}
