/* policy.c: look-ups on a loaded policy and the invariants loaders ensure. */
#include "core/policy.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "core/money.h"

const struct policy *policy_version_at(const struct policy *policies, size_t n, const char *region,
                                       int32_t year, int32_t insutype, datetime_s at) {
    assert(region != NULL && (policies != NULL || n == 0));
    const struct policy *best = NULL, *earliest = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct policy *p = &policies[i];
        if (p->year != year || p->insutype != insutype || strcmp(p->region, region) != 0) continue;
        if (earliest == NULL || p->valid_from < earliest->valid_from) earliest = p;
        if (p->valid_from <= at && (best == NULL || p->valid_from > best->valid_from)) best = p;
    }
    assert(best == NULL || best->valid_from <= at);
    return best != NULL ? best : earliest;
}

bool policy_same_rules(const struct policy *a, const struct policy *b) {
    assert(a != NULL && b != NULL);
    /* the rules are every byte but the header's id and validity: compared
     * after them (both structs come zeroed from policy_from_json) */
    size_t from = offsetof(struct policy, class_b_prepay_bp);
    return a->year == b->year && a->insutype == b->insutype && strcmp(a->region, b->region) == 0 &&
           memcmp((const char *)a + from, (const char *)b + from, sizeof *a - from) == 0;
}

int policy_disease_index(const struct policy *policy, const char *code) {
    assert(policy->disease_count >= 0 && policy->disease_count <= POLICY_DISEASES_MAX);
    for (int i = 0; i < policy->disease_count; i++)
        if (strcmp(policy->diseases[i].code, code) == 0) return i;
    return -1;
}

uint32_t policy_when_bit(const char *name) {
    enum category category;
    uint32_t flag;
    assert(name != NULL);
    if (category_parse(name, &category) == 0) return 1u << category;
    if (flag_parse(name, &flag) == 0) return flag << CATEGORY_COUNT;
    return 0;
}

static bool ratio_ok(int32_t bp) { return bp >= 0 && bp <= RATIO_ONE_BP; }
static bool cap_ok(int64_t fen) { return fen == CAP_NONE || (fen >= 0 && fen <= AMOUNT_FEN_MAX); }

static const char *bands_error(const struct band *bands, int32_t count) {
    if (count < 1 || count > POLICY_BANDS_MAX) return "band count out of range";
    for (int32_t i = 0; i < count; i++) {
        if (!ratio_ok(bands[i].ratio_bp)) return "band ratio out of range";
        bool last = i == count - 1;
        if (!last && bands[i].upto_fen == CAP_NONE) return "open band before the last";
        if (i > 0 && bands[i].upto_fen != CAP_NONE && bands[i].upto_fen <= bands[i - 1].upto_fen)
            return "bands out of order";
    }
    return NULL;
}

const char *policy_invariant_error(const struct policy *p) {
    if (p->insutype != INSUTYPE_EMPLOYEE && p->insutype != INSUTYPE_RESIDENT) return "insutype";
    if (!ratio_ok(p->class_b_prepay_bp) || !ratio_ok(p->repeat_admission_deductible_bp) ||
        !ratio_ok(p->general_ratio_bp) || !ratio_ok(p->out_of_area_unfiled_ratio_cut_bp))
        return "ratio out of range";
    if (!cap_ok(p->basic_annual_cap_fen) || !cap_ok(p->general_annual_cap_fen)) return "cap";
    for (int l = 0; l < POLICY_LEVELS_MAX; l++)
        if (!ratio_ok(p->inpatient_ratio_bp[l]) || p->inpatient_deductible_fen[l] < 0)
            return "inpatient level table";
    if (p->disease_count < 0 || p->disease_count > POLICY_DISEASES_MAX) return "diseases";
    if (p->person_rule_count < 0 || p->person_rule_count > POLICY_PERSON_RULES_MAX) return "rules";
    if (p->has_catastrophic) {
        const char *e = bands_error(p->catastrophic.bands, p->catastrophic.band_count);
        if (e != NULL) return e;
        for (int i = 0; i < p->catastrophic_rule_count; i++)
            if (p->catastrophic_rules[i].has_bands &&
                (e = bands_error(p->catastrophic_rules[i].bands,
                                 p->catastrophic_rules[i].band_count)) != NULL)
                return e;
    }
    if (p->assistance_count < 0 || p->assistance_count > POLICY_PERSON_RULES_MAX)
        return "assistance";
    if (p->has_personal_account && p->account_covers != ACCOUNT_COVERS_ALL &&
        p->account_covers != ACCOUNT_COVERS_IN_SCOPE)
        return "personal_account.covers";
    if (p->has_funding) return funding_invariant_error(&p->funding, p->insutype);
    return NULL;
}
