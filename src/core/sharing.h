/* sharing.h: family sharing of a personal account (FUNDS.md §5): who may
 * be bound to a holder, when a binding is valid, and a resident's premium
 * paid from a holder's account. The settlement's Step 7b
 * (acct_mulaid_pay, settle.c) reads the same bindings (binding_valid_at). */
#ifndef YIBAO_SHARING_H
#define YIBAO_SHARING_H

#include <stdbool.h>
#include <stdint.h>

#include "contrib.h"
#include "date.h"
#include "funding.h"
#include "policy.h"

enum relation {
    RELATION_SPOUSE = 0,
    RELATION_PARENT,
    RELATION_CHILD,
    RELATION_OTHER, /* any other name: never accepted */
};

/* "spouse", "parent", "child" (0), or -1 with *out RELATION_OTHER. */
int relation_parse(const char *name, enum relation *out);
const char *relation_name(enum relation relation); /* "other" for RELATION_OTHER */

/* A binding of a member to a holder, as the holder's side records it. */
struct binding {
    const char *holder_psn_no;
    enum relation relation;
    datetime_s from; /* valid from this instant */
    bool revoked;
    datetime_s revoked_at; /* valid strictly before it */
    const struct policy *holder_policy;
};

/* §5: E_BINDING for a binding to oneself, with a relation other than the
 * three, or to a holder whose policy has no personal account. */
enum funds_code bind_check(const struct policy *holder_policy, const char *holder_psn_no,
                           const char *member_psn_no, enum relation relation);
/* Valid at instant t: from <= t and, if revoked, t < revoked_at. */
bool binding_valid_at(const struct binding *binding, datetime_s t);

struct premium_payment {
    int64_t own_fen;       /* the member's own premium, paid in full */
    int64_t acct_balc_fen; /* the holder's balance after paying */
};

/* §5 premiums: the member's own premium (§3, on the member's resident
 * policy) paid from the holder's account at instant paid. Checks, in
 * order: E_CATEGORY, E_BINDING (bind_check, a policy that does not share,
 * a binding not valid then), E_ACCOUNT_SHORT. */
enum funds_code premium_from_account(const struct policy *member_policy, const char *member_psn_no,
                                     enum category category, uint32_t flags,
                                     const struct binding *holder, int64_t holder_balc_fen,
                                     datetime_s paid, struct premium_payment *out);

#endif
