/* agreement.c: the payment methods' names, an institution's agreement by
 * code, and the rules across fields of a region's agreement (agreement.h).
 *
 * The codec checks each value where it reads it; what is checked here
 * needs two parts of the document at once (an institution paid by DIP
 * needs the region's DIP terms), so it holds for an agreement from any
 * source, and the message names the path a reader of the file looks at. */
#include "core/agreement.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

static const char *const method_names[PAY_METHOD_COUNT] = {
    [PAY_FEE_FOR_SERVICE] = "fee_for_service",
    [PAY_GLOBAL_BUDGET] = "global_budget",
    [PAY_DIP] = "dip",
    [PAY_CAPITATION] = "capitation",
};

const char *pay_method_name(enum pay_method method) {
    assert(method >= 0 && method < PAY_METHOD_COUNT);
    return method_names[method];
}

int pay_method_parse(const char *name, enum pay_method *out) {
    assert(name != NULL && out != NULL);
    for (int m = 0; m < PAY_METHOD_COUNT; m++) {
        if (strcmp(name, method_names[m]) == 0) {
            *out = (enum pay_method)m;
            return 0;
        }
    }
    return -1;
}

const struct agreement_institution *agreement_find(const struct agreement *a, const char *code) {
    assert(a != NULL && code != NULL);
    assert(a->institution_count >= 0 && a->institution_count <= AGREEMENT_INSTITUTIONS_MAX);
    for (int32_t i = 0; i < a->institution_count; i++)
        if (strcmp(a->institutions[i].fixmedins_code, code) == 0) return &a->institutions[i];
    return NULL;
}

static bool dip_has_catch_all(const struct agreement_dip *d) {
    assert(d->group_count >= 0 && d->group_count <= PAY_GROUPS_MAX);
    for (int32_t g = 0; g < d->group_count; g++)
        if (strcmp(d->groups[g].prefix, "*") == 0) return true;
    return false;
}

const char *agreement_problem(const struct agreement *a, char *out, size_t size) {
    assert(a != NULL && out != NULL && size > 0);
    if (a->has_dip && !dip_has_catch_all(&a->dip)) {
        snprintf(out, size,
                 "dip.groups: must hold the group \"*\" for the cases no prefix matches");
        return out;
    }
    for (int32_t i = 0; i < a->institution_count; i++) {
        const struct agreement_institution *x = &a->institutions[i];
        if (x->method == PAY_DIP && !a->has_dip) {
            snprintf(out, size, "institutions.%s.method: dip needs the region's terms (dip)",
                     x->fixmedins_code);
            return out;
        }
        if (x->quota_joined && !a->has_quotas) {
            snprintf(out, size, "institutions.%s.quota_joined: there is no quota list (quotas)",
                     x->fixmedins_code);
            return out;
        }
    }
    return NULL;
}
