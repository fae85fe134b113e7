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
    {"C:", ACCT_COLLECTION, "premium collections", true},
    {"T:", ACCT_TRANSFER, "personal-account transfers", true},
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

/* The flow of a fund pool's side given the other side's class. */
static struct fund_piece piece_of(bool debit_side, enum account_class other) {
    struct fund_piece p = {debit_side, FLOW_REVENUE, debit_side ? 1 : -1, false};
    assert(other >= 0 && other < ACCT_CLASS_COUNT);
    /* an institution's bank or deposit account beside a pool: the year-end
     * adjustment paid to it (or recovered from it), spending like its
     * settlements */
    if (other == ACCT_INSTITUTION || other == ACCT_PERSONAL || other == ACCT_BANK ||
        other == ACCT_DEPOSIT)
        p.flow = FLOW_SPENDING, p.sign = debit_side ? -1 : 1;
    else if (other == ACCT_FUND && !debit_side) /* a transfer out */
        p.flow = FLOW_SPENDING, p.sign = 1;
    return p;
}

int chart_fund_pieces(const char *debit, const char *credit, struct fund_piece out[2]) {
    assert(debit != NULL && credit != NULL && out != NULL);
    enum account_class d = account_class_of(debit), c = account_class_of(credit);
    int n = 0;
    if (d == ACCT_FUND) out[n++] = piece_of(true, c);
    if (c == ACCT_FUND) out[n++] = piece_of(false, d);
    /* a transfer account's side: paid out (debit) is the region's
     * spending, taken in (credit) its revenue, whatever the other side */
    if (d == ACCT_TRANSFER && n < 2) out[n++] = (struct fund_piece){true, FLOW_SPENDING, 1, true};
    if (c == ACCT_TRANSFER && n < 2) out[n++] = (struct fund_piece){false, FLOW_REVENUE, 1, true};
    assert(n <= 2);
    return n;
}

/* Copies text[0..len) into out (size bytes) when it fits and is not empty. */
static bool part(const char *text, size_t len, char *out, size_t size) {
    assert(text != NULL && out != NULL);
    if (len == 0 || len >= size) return false;
    memcpy(out, text, len);
    out[len] = '\0';
    return true;
}

/* The first ':' of text, or NULL. */
static const char *colon(const char *text) {
    assert(text != NULL);
    for (; *text != '\0'; text++)
        if (*text == ':') return text;
    return NULL;
}

bool chart_fund_parse(const char *account, char *fund, size_t fund_size, char *region,
                      size_t region_size, int32_t *year) {
    assert(account != NULL && fund != NULL && region != NULL && year != NULL);
    bool transfer = strncmp(account, "T:", 2) == 0;
    if (!transfer && strncmp(account, "F:", 2) != 0) return false;
    const char *f = account + 2, *r = transfer ? account + 1 : colon(f);
    const char *y = r != NULL ? colon(r + 1) : NULL;
    if (transfer && !part(CHART_TRANSFER_FUND, strlen(CHART_TRANSFER_FUND), fund, fund_size))
        return false;
    if (y == NULL || (!transfer && !part(f, (size_t)(r - f), fund, fund_size)) ||
        !part(r + 1, (size_t)(y - r - 1), region, region_size))
        return false;
    int32_t v = 0;
    const char *d = y + 1;
    for (; *d >= '0' && *d <= '9' && v < 100000; d++) v = v * 10 + (*d - '0');
    if (*d != '\0' || d == y + 1 || v > 99999) return false;
    *year = v;
    return true;
}

int64_t chart_line_balance(const char *account, int64_t balance_fen) {
    assert(account != NULL && balance_fen > INT64_MIN);
    return account_class_of(account) == ACCT_TRANSFER ? -balance_fen : balance_fen;
}
