/* chart.c: the class of a ledger account by its key (chart.h). */
#include "core/chart.h"

#include <assert.h>
#include <string.h>

static const struct {
    const char *prefix;
    enum account_class c;
    const char *name;
    bool itemized;
} CLASSES[] = {
    {"F:", ACCT_FUND, "fund pools", true},
    {"P:", ACCT_PERSONAL, "personal accounts", false},
    {"I:", ACCT_INSTITUTION, "institution payables", false},
    {"R:emp:", ACCT_EMPLOYER_DUE, "employer receivables", false},
    {"R:psn:", ACCT_PERSON_DUE, "premium receivables", false},
    {"R:fin:", ACCT_FINANCE_DUE, "fiscal subsidy receivables", true},
    {"S:open:", ACCT_OPENING, "opening balances", true},
    {"B:", ACCT_BANK, "bank: paid to institutions", false},
    {"D:", ACCT_DEPOSIT, "deposits held", false},
};
#define CLASS_ROWS (sizeof CLASSES / sizeof CLASSES[0])
_Static_assert(CLASS_ROWS == ACCT_OTHER, "one row per class but ACCT_OTHER, in enum order");

enum account_class account_class_of(const char *account) {
    assert(account != NULL);
    for (size_t i = 0; i < CLASS_ROWS; i++)
        if (strncmp(account, CLASSES[i].prefix, strlen(CLASSES[i].prefix)) == 0)
            return CLASSES[i].c;
    return ACCT_OTHER;
}

const char *account_class_name(enum account_class c) {
    assert(c >= 0 && c < ACCT_CLASS_COUNT);
    assert(c == ACCT_OTHER || CLASSES[c].c == c);
    return c == ACCT_OTHER ? "other accounts" : CLASSES[c].name;
}

bool account_class_itemized(enum account_class c) {
    assert(c >= 0 && c < ACCT_CLASS_COUNT);
    return c == ACCT_OTHER || CLASSES[c].itemized;
}
