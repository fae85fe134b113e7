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
#include <stddef.h>
#include <stdint.h>

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
    ACCT_COLLECTION,   /* C:<region>:<year>: residents' premiums collected (pay-premium) */
    ACCT_TRANSFER,     /* T:<region>:<year>: personal-account balances transferred out (a
                          positive balance) or in (negative) between regions (yibao transfer) */
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

/* What a posting is to the fund pools' report figures (FUNDS.md §8,
 * docs/REPORTS.md). A fund pool's counterparty decides: an institution
 * (benefits paid, year-end adjustments) or a personal account is
 * spending; a receivable (contributions, premiums, subsidies), the
 * opening balances or a key of a later release is revenue; another fund
 * pool is a transfer, spending of the one that pays and revenue of the
 * one that receives. A posting the other way round is the reversal of its
 * kind (a revoke returns spending: negative spending). The payment runs'
 * bank and deposit accounts never touch a fund pool, so they add nothing.
 *
 * A region's personal-account transfers (T:<region>:<year>, 关系转移) are
 * a line of their own in the fund reports, fund CHART_TRANSFER_FUND: the
 * account receiving (debit: a balance paid out of the region's books) is
 * the region's transfer-out spending, the account paying (credit: a
 * balance taken in) its transfer-in revenue. Its balance is what the
 * line's revenue less spending is not: the opposite (contra). */
enum fund_flow { FLOW_REVENUE = 0, FLOW_SPENDING = 1 };
struct fund_piece {
    bool debit_side;     /* the fund pool is the posting's debit (it receives) */
    enum fund_flow flow; /* the figure the amount adds to */
    int sign;            /* +1 or -1: amount times sign is added */
    bool transfer;       /* a T: account's piece: a personal-account transfer */
};
#define CHART_TRANSFER_FUND "acct" /* the report line of T:<region>:<year> */
/* The fund pools' pieces of a posting debit <- credit: 0 (no fund pool),
 * 1, or 2 (a transfer between two pools). */
int chart_fund_pieces(const char *debit, const char *credit, struct fund_piece out[2]);
/* F:<fund>:<region>:<year> into its parts (fund and region NUL-terminated
 * into buffers of the sizes given); T:<region>:<year> too, as fund
 * CHART_TRANSFER_FUND; false for another key or a key whose parts do not
 * fit. */
bool chart_fund_parse(const char *account, char *fund, size_t fund_size, char *region,
                      size_t region_size, int32_t *year);
/* The amount a report line adds to its balance for an account's balance:
 * balance_fen, or its opposite for a T: account (a contra line). */
int64_t chart_line_balance(const char *account, int64_t balance_fen);

#endif
