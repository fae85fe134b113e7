/* chart.h: the chart of accounts: what each ledger account is (issue 17,
 * item 1; docs/LEDGER.md).
 *
 * The ledger names its accounts by text keys (store/ledger.c); this file
 * says which class of the social-insurance fund books each key belongs
 * to, so that a trial balance can group them: the funds' pools (the fund
 * balance, per fund, region and year), the insured persons' personal
 * accounts and the institutions' payables (what the funds owe), the
 * receivables from employers, persons and public finance (what is owed to
 * the funds), the opening balances brought in at import, and what the
 * monthly payment runs moved out of the payables: paid to each
 * institution's bank account, withheld as its deposit. Pure: no I/O. */
#ifndef YIBAO_CHART_H
#define YIBAO_CHART_H

#include <stdbool.h>

enum account_class {
    ACCT_FUND = 0,     /* F:<fund>:<region>:<year> */
    ACCT_PERSONAL,     /* P:<psn_no> */
    ACCT_INSTITUTION,  /* I:<fixmedins_code> */
    ACCT_EMPLOYER_DUE, /* R:emp:<emp_no> */
    ACCT_PERSON_DUE,   /* R:psn:<psn_no> */
    ACCT_FINANCE_DUE,  /* R:fin:<region>:<year> */
    ACCT_OPENING,      /* S:open:<region> */
    ACCT_BANK,         /* B:<fixmedins_code>: paid into the institution's bank account */
    ACCT_DEPOSIT,      /* D:<fixmedins_code>:<year>: its quality deposit withheld */
    ACCT_OTHER,        /* a key of none of these (a later release's) */
    ACCT_CLASS_COUNT
};

enum account_class account_class_of(const char *account);
/* "fund pools", "personal accounts", ... (docs/LEDGER.md's names). */
const char *account_class_name(enum account_class c);
/* Whether a trial balance lists the class's accounts one by one (few of
 * them: funds, finance, opening, other) or as one line (one a person or
 * institution). */
bool account_class_itemized(enum account_class c);

#endif
