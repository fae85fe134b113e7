/* sharing.c: bindings and premiums paid from a holder's account (FUNDS.md
 * §5). A member's premium is taken from the account only in full: a
 * partial payment would leave the member neither paid nor unpaid. */
#include "core/sharing.h"

#include <assert.h>
#include <string.h>

#include "core/money.h"

static const char *const relation_names[RELATION_OTHER + 1] = {"spouse", "parent", "child",
                                                               "other"};

int relation_parse(const char *name, enum relation *out) {
    assert(name != NULL && out != NULL);
    for (int i = RELATION_SPOUSE; i < RELATION_OTHER; i++) {
        if (strcmp(name, relation_names[i]) == 0) {
            *out = (enum relation)i;
            return 0;
        }
    }
    *out = RELATION_OTHER;
    return -1;
}

const char *relation_name(enum relation relation) {
    assert(relation >= RELATION_SPOUSE && relation <= RELATION_OTHER);
    return relation_names[relation];
}

enum funds_code bind_check(const struct policy *holder_policy, const char *holder_psn_no,
                           const char *member_psn_no, enum relation relation) {
    assert(holder_policy != NULL && holder_psn_no != NULL && member_psn_no != NULL);
    assert(relation >= RELATION_SPOUSE && relation <= RELATION_OTHER);
    if (strcmp(holder_psn_no, member_psn_no) == 0) return FUNDS_E_BINDING;
    if (relation == RELATION_OTHER) return FUNDS_E_BINDING;
    if (!holder_policy->has_personal_account) return FUNDS_E_BINDING;
    return FUNDS_OK;
}

bool binding_valid_at(const struct binding *binding, datetime_s t) {
    assert(binding != NULL);
    assert(!binding->revoked || binding->revoked_at >= 0);
    return binding->from <= t && (!binding->revoked || t < binding->revoked_at);
}

enum funds_code premium_from_account(const struct policy *member_policy, const char *member_psn_no,
                                     enum category category, uint32_t flags,
                                     const struct binding *holder, int64_t holder_balc_fen,
                                     datetime_s paid, struct premium_payment *out) {
    assert(member_policy != NULL && holder != NULL && holder->holder_policy != NULL);
    assert(out != NULL && holder_balc_fen >= 0 && holder_balc_fen <= STATE_FEN_MAX);
    memset(out, 0, sizeof *out);
    struct resident_year year;
    enum funds_code code = resident_year(member_policy, category, flags, &year);
    if (code != FUNDS_OK) return code;
    code = bind_check(holder->holder_policy, holder->holder_psn_no, member_psn_no,
                      holder->relation);
    if (code != FUNDS_OK) return code;
    if (!holder->holder_policy->account_family_sharing || !binding_valid_at(holder, paid))
        return FUNDS_E_BINDING;
    if (holder_balc_fen < year.own_fen) return FUNDS_E_ACCOUNT_SHORT;
    out->own_fen = year.own_fen;
    out->acct_balc_fen = holder_balc_fen - year.own_fen;
    assert(out->acct_balc_fen >= 0 && out->acct_balc_fen + out->own_fen == holder_balc_fen);
    return FUNDS_OK;
}
