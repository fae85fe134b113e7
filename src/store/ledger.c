/* ledger.c: the double-entry postings a settlement, a revoke or a
 * contribution makes.
 *
 * Accounts are named by text keys:
 *   F:<fund>:<region>:<year>  a fund's pool, one per row of FUND_LAYERS
 *                             (hifp basic pooled, hifob large-amount, hifmi
 *                             catastrophic, maf medical assistance); pays,
 *                             so runs negative
 *   P:<psn_no>                a person's personal account (floor 0)
 *   I:<fixmedins_code>        an institution's payable (floor 0)
 *   S:open:<region>           the source of opening account balances
 *   R:emp:<emp_no>            an employer's receivable: charged with its
 *                             employees' contributions (runs negative: what
 *                             the employer owes the funds)
 *   R:psn:<psn_no>            a person's own premium receivable (a flexible
 *                             worker's month, a resident's own premium)
 *   R:fin:<region>:<year>     public finance's subsidy receivable
 * A posting debits the receiving account and credits the paying one. A
 * settlement posts fund -> institution for every non-zero fund amount and
 * personal account -> institution for acct_pay, and each family holder's
 * account P:<holder> -> institution for its part of acct_mulaid_pay
 * (FUNDS.md §5 Step 7b); its revoke posts the exact reverse, so each part
 * returns to the account it came from. A contribution record
 * (contrib_postings; docs/CONTRIBUTIONS.md) posts, each when non-zero:
 *   employee in service (payer R:emp:<emp_no>) or flexible (payer
 *   R:psn:<psn_no>): payer -> F:hifp pool, payer -> P:<psn_no> account,
 *   payer -> F:hifob over_cap (the large-amount premium);
 *   retiree: F:hifp -> P:<psn_no> account (the pool's allocation);
 *   resident: R:psn -> F:hifp own, F:maf -> F:hifp assisted (medical
 *   assistance pays the assisted premium), R:fin -> F:hifp subsidy, then
 *   F:hifp -> F:hifmi catastrophic (the catastrophic fund's share, out of
 *   the pool: the pool keeps premium + subsidy - catastrophic); a
 *   resident's premium paid (category premium_paid): C:<region>:<year>
 *   (collected in cash) or the holder's P:<holder> -> R:psn own;
 *   a collection (category collected): C:emp:<region>:<year> ->
 *   R:emp:<emp_no>, C:psn:<region>:<year> -> R:psn:<psn_no> (a flexible
 *   worker's month) or C:fin:<region>:<year> -> R:fin:<region>:<year>,
 *   the amount collected.
 * A monthly payment record (pay_postings; docs/PAYMENT.md) moves the
 * month's payable out of I:<code>: each policy year's withheld deposit to
 * D:<code>:<year> (deposits held), the rest to B:<code> (the institution's
 * bank account: what it was paid; a month whose revokes exceed its
 * settlements moves the difference back from B:<code>). A year-end
 * record (year_end_postings) pays the method's adjustment from the basic
 * pool F:hifp:<region>:<year> to B:<code> (a negative one back into the
 * pool) and releases D:<code>:<year> to B:<code>. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

void account_fund(char *out, const char *fund, const char *region, int32_t year) {
    assert(out != NULL && fund != NULL && region != NULL);
    assert(year != 0); /* settlement_decode refuses a body without its year */
    snprintf(out, ACCOUNT_BYTES_MAX + 1, "F:%s:%s:%d", fund, region, (int)year);
}

void account_person(char *out, const char *psn_no) {
    assert(out != NULL && psn_no != NULL);
    assert(strlen(psn_no) <= CODE_BYTES_MAX);
    snprintf(out, ACCOUNT_BYTES_MAX + 1, "P:%s", psn_no);
}

void account_institution(char *out, const char *code) {
    assert(out != NULL && code != NULL);
    assert(strlen(code) <= CODE_BYTES_MAX);
    snprintf(out, ACCOUNT_BYTES_MAX + 1, "I:%s", code);
}

void account_opening(char *out, const char *region) {
    assert(out != NULL && region != NULL);
    assert(strlen(region) <= CODE_BYTES_MAX);
    snprintf(out, ACCOUNT_BYTES_MAX + 1, "S:open:%s", region);
}

void account_employer(char *out, const char *emp_no) {
    assert(out != NULL && emp_no != NULL);
    assert(strlen(emp_no) <= CODE_BYTES_MAX);
    snprintf(out, ACCOUNT_BYTES_MAX + 1, "R:emp:%s", emp_no);
}

void account_due(char *out, const char *psn_no) {
    assert(out != NULL && psn_no != NULL);
    assert(strlen(psn_no) <= CODE_BYTES_MAX);
    snprintf(out, ACCOUNT_BYTES_MAX + 1, "R:psn:%s", psn_no);
}

void account_finance(char *out, const char *region, int32_t year) {
    assert(out != NULL && region != NULL);
    assert(year != 0 && strlen(region) <= CODE_BYTES_MAX);
    snprintf(out, ACCOUNT_BYTES_MAX + 1, "R:fin:%s:%d", region, (int)year);
}

void account_collection(char *out, const char *region, int32_t year) {
    assert(out != NULL && region != NULL);
    assert(year != 0 && strlen(region) <= CODE_BYTES_MAX);
    snprintf(out, ACCOUNT_BYTES_MAX + 1, "C:%s:%d", region, (int)year);
}

void account_collected(char *out, const char *payer, const char *region, int32_t year) {
    assert(out != NULL && payer != NULL && region != NULL);
    assert(year != 0 && strlen(region) <= CODE_BYTES_MAX && strlen(payer) <= 3);
    snprintf(out, ACCOUNT_BYTES_MAX + 1, "C:%s:%s:%d", payer, region, (int)year);
}

void account_bank(char *out, const char *code) {
    assert(out != NULL && code != NULL);
    assert(strlen(code) <= CODE_BYTES_MAX);
    snprintf(out, ACCOUNT_BYTES_MAX + 1, "B:%s", code);
}

void account_deposit(char *out, const char *code, int32_t year) {
    assert(out != NULL && code != NULL && year != 0);
    assert(strlen(code) <= CODE_BYTES_MAX);
    snprintf(out, ACCOUNT_BYTES_MAX + 1, "D:%s:%d", code, (int)year);
}

/* An institution's payable has no floor: once a month is paid, a revoke
 * of one of its settlements takes back money the institution holds, and
 * the payable is negative until the month of the revoke is paid (netted
 * there, FUNDS.md §7). Personal accounts never go below 0. */
int64_t account_floor_fen(const char *account) {
    assert(account != NULL);
    assert(strlen(account) <= ACCOUNT_BYTES_MAX);
    if (account[0] == 'P') return 0;
    return INT64_MIN;
}

/* Every zone's offset from UTC is a whole number of quarter hours (since
 * the 1970s), so a local month ends on a quarter hour of UTC: a month
 * found for a time holds for its whole quarter hour. */
#define LOCAL_MONTH_SLOT_S 900

int32_t postings_month_local(int64_t time_us) {
    /* localtime_r is 0.5-1.6 us a call here, as much again as a record's
     * postings: each thread keeps the last quarter hour's month */
    static _Thread_local int64_t cached_slot = INT64_MIN;
    static _Thread_local int32_t cached_month;
    int64_t s = time_us / 1000000;
    int64_t slot = s / LOCAL_MONTH_SLOT_S - (s % LOCAL_MONTH_SLOT_S < 0 ? 1 : 0); /* floor */
    if (slot == cached_slot) return cached_month;
    time_t t = (time_t)s;
    struct tm tm;
    /* the reports' month of a time no calendar holds: 0001-01 */
    if (localtime_r(&t, &tm) == NULL) return 12;
    assert(tm.tm_mon >= 0 && tm.tm_mon <= 11);
    cached_month = (int32_t)(tm.tm_year + 1900) * 12 + tm.tm_mon;
    cached_slot = slot;
    return cached_month;
}

void postings_month_set(struct posting *out, int count, int32_t month) {
    assert(count >= 0 && (out != NULL || count == 0));
    assert(month >= 0);
    for (int i = 0; i < count; i++) out[i].month = month;
}

static void add_posting(struct posting *out, int *count, const struct journal_rec *rec,
                        const char *payer, const char *receiver, int64_t amount_fen, bool reverse) {
    assert(amount_fen > 0 && *count < POSTINGS_PER_RECORD_MAX);
    assert(out != NULL && rec != NULL && rec->seq > 0);
    assert(strcmp(payer, receiver) != 0); /* a posting moves money between two accounts */
    struct posting *p = &out[*count];
    p->seq = rec->seq;
    p->idx = *count;
    snprintf(p->debit, sizeof p->debit, "%s", reverse ? payer : receiver);
    snprintf(p->credit, sizeof p->credit, "%s", reverse ? receiver : payer);
    p->amount_fen = amount_fen;
    assert(strcmp(p->debit, p->credit) != 0);
    (*count)++;
}

int ledger_postings(const struct journal_rec *rec, const struct store_settlement *stl, bool reverse,
                    struct posting out[POSTINGS_PER_RECORD_MAX]) {
    assert(rec != NULL && stl != NULL);
    char inst[ACCOUNT_BYTES_MAX + 1];
    char payer[ACCOUNT_BYTES_MAX + 1];
    account_institution(inst, rec->fixmedins_code);
    int count = 0;
    int64_t paid = 0; /* what the postings move: every fund's payment and acct_pay */
    for (int i = 0; i < FUND_LAYER_COUNT; i++) { /* the layers of FUND_LAYERS, in order */
        int64_t amount = fund_layer_pay(&stl->setl, (enum fund_layer_id)i);
        if (amount <= 0) continue;
        paid += amount;
        account_fund(payer, fund_layer((enum fund_layer_id)i)->fund, stl->region, stl->year);
        add_posting(out, &count, rec, payer, inst, amount, reverse);
    }
    if (stl->setl.acct_pay > 0) {
        account_person(payer, rec->psn_no);
        add_posting(out, &count, rec, payer, inst, stl->setl.acct_pay, reverse);
        paid += stl->setl.acct_pay;
    }
    int64_t holders_fen = 0;
    for (int32_t i = 0; i < stl->holder_count; i++) {
        account_person(payer, stl->holders[i].psn_no);
        add_posting(out, &count, rec, payer, inst, stl->holders[i].pay_fen, reverse);
        holders_fen += stl->holders[i].pay_fen;
    }
    /* not asserted equal to acct_mulaid_pay: a body changed in SQL reaches
     * here from `check`, which reports it (check.c) */
    paid += holders_fen;
    assert(count <= POSTINGS_PER_RECORD_MAX);
    /* the record's postings move exactly what its settlement paid, each
     * into (or, reversed, out of) the institution */
    int64_t moved = 0;
    for (int i = 0; i < count; i++) {
        assert(out[i].idx == i && out[i].seq == rec->seq);
        assert(strcmp(reverse ? out[i].credit : out[i].debit, inst) == 0);
        moved += out[i].amount_fen;
    }
    assert(moved == paid);
    postings_month_set(out, count, postings_month_local(rec->time_us));
    return count;
}

/* A contribution's posting, when its amount is not zero. */
static void contrib_post(struct posting *out, int *count, const struct journal_rec *rec,
                         const char *payer, const char *receiver, int64_t amount_fen) {
    assert(amount_fen >= 0 && *count < CONTRIB_POSTINGS_MAX);
    if (amount_fen > 0) add_posting(out, count, rec, payer, receiver, amount_fen, false);
}

/* A collection clears its receivable: one posting from the collection
 * account (C:emp, C:psn or C:fin of the region and year). */
static int collected_postings(const struct journal_rec *rec, const struct store_contrib *c,
                              struct posting out[CONTRIB_POSTINGS_MAX]) {
    char payer[ACCOUNT_BYTES_MAX + 1], due[ACCOUNT_BYTES_MAX + 1];
    assert(strcmp(c->category, CONTRIB_COLLECTED) == 0 && c->amount_fen > 0);
    if (c->insutype == 390) {
        account_collected(payer, "fin", c->region, c->year);
        account_finance(due, c->region, c->year);
    } else if (c->emp_no[0] != '\0') {
        account_collected(payer, "emp", c->region, c->year);
        account_employer(due, c->emp_no);
    } else {
        account_collected(payer, "psn", c->region, c->year);
        account_due(due, rec->psn_no);
    }
    int count = 0;
    contrib_post(out, &count, rec, payer, due, c->amount_fen);
    return count;
}

static int employee_postings(const struct journal_rec *rec, const struct store_contrib *c,
                             struct posting out[CONTRIB_POSTINGS_MAX]) {
    char pool[ACCOUNT_BYTES_MAX + 1], acct[ACCOUNT_BYTES_MAX + 1], payer[ACCOUNT_BYTES_MAX + 1];
    char large[ACCOUNT_BYTES_MAX + 1];
    assert(c->insutype == 310 && c->month >= 1 && c->month <= 12);
    account_fund(pool, fund_layer(FUND_hifp)->fund, c->region, c->year);
    account_fund(large, fund_layer(FUND_hifob)->fund, c->region, c->year);
    account_person(acct, rec->psn_no);
    int count = 0;
    if (strcmp(c->category, "retired") == 0) { /* the pool pays the account: pool = -account */
        contrib_post(out, &count, rec, pool, acct, c->account_fen);
        return count;
    }
    if (c->emp_no[0] != '\0') account_employer(payer, c->emp_no);
    else account_due(payer, rec->psn_no);
    contrib_post(out, &count, rec, payer, pool, c->pool_fen);
    contrib_post(out, &count, rec, payer, acct, c->account_fen);
    contrib_post(out, &count, rec, payer, large, c->over_cap_fen);
    return count;
}

static int resident_postings(const struct journal_rec *rec, const struct store_contrib *c,
                             struct posting out[CONTRIB_POSTINGS_MAX]) {
    char pool[ACCOUNT_BYTES_MAX + 1], assist[ACCOUNT_BYTES_MAX + 1], cat[ACCOUNT_BYTES_MAX + 1];
    char due[ACCOUNT_BYTES_MAX + 1], fin[ACCOUNT_BYTES_MAX + 1];
    assert(c->insutype == 390);
    account_fund(pool, fund_layer(FUND_hifp)->fund, c->region, c->year);
    account_fund(assist, fund_layer(FUND_maf)->fund, c->region, c->year);
    account_fund(cat, fund_layer(FUND_hifmi)->fund, c->region, c->year);
    account_due(due, rec->psn_no);
    account_finance(fin, c->region, c->year);
    int count = 0;
    if (strcmp(c->category, CONTRIB_PREMIUM_PAID) == 0) { /* the payer clears the receivable */
        char payer[ACCOUNT_BYTES_MAX + 1];
        if (c->payer_psn_no[0] != '\0') account_person(payer, c->payer_psn_no);
        else account_collection(payer, c->region, c->year);
        contrib_post(out, &count, rec, payer, due, c->own_fen);
        return count;
    }
    contrib_post(out, &count, rec, due, pool, c->own_fen);
    contrib_post(out, &count, rec, assist, pool, c->assisted_fen);
    contrib_post(out, &count, rec, fin, pool, c->subsidy_fen);
    contrib_post(out, &count, rec, pool, cat, c->catastrophic_fen);
    return count;
}

int contrib_postings(const struct journal_rec *rec, const struct store_contrib *c,
                     struct posting out[CONTRIB_POSTINGS_MAX]) {
    assert(rec != NULL && c != NULL && rec->kind == JOURNAL_CONTRIB);
    assert(contrib_identity_error(c) == NULL); /* decoded and checked by the caller */
    int count = strcmp(c->category, CONTRIB_COLLECTED) == 0 ? collected_postings(rec, c, out)
                : c->insutype == 310                        ? employee_postings(rec, c, out)
                                                            : resident_postings(rec, c, out);
    assert(count >= 0 && count <= CONTRIB_POSTINGS_MAX);
    /* its period's month: a resident year's premium (month 0) January */
    postings_month_set(out, count, c->year * 12 + (c->month >= 1 ? c->month - 1 : 0));
    return count;
}

int pay_postings(const struct journal_rec *rec, const struct store_pay *p,
                 struct posting out[PAY_POSTINGS_MAX]) {
    assert(rec != NULL && p != NULL && rec->kind == JOURNAL_PAY);
    assert(pay_identity_error(p) == NULL); /* decoded and checked by the caller */
    char inst[ACCOUNT_BYTES_MAX + 1], acct[ACCOUNT_BYTES_MAX + 1];
    account_institution(inst, p->code);
    int count = 0;
    for (int32_t i = 0; i < p->part_count; i++) {
        int64_t w = p->parts[i].withhold_fen;
        account_deposit(acct, p->code, p->parts[i].year);
        if (w > 0) add_posting(out, &count, rec, inst, acct, w, false);
        if (w < 0) add_posting(out, &count, rec, acct, inst, -w, false); /* a catch-up's return */
    }
    account_bank(acct, p->code);
    if (p->paid_fen > 0) add_posting(out, &count, rec, inst, acct, p->paid_fen, false);
    if (p->paid_fen < 0) add_posting(out, &count, rec, acct, inst, -p->paid_fen, false);
    assert(count >= 0 && count <= PAY_POSTINGS_MAX);
    postings_month_set(out, count, postings_month_local(rec->time_us));
    return count;
}

int year_end_postings(const struct journal_rec *rec, const struct store_year_end *y,
                      struct posting out[YEAR_END_POSTINGS_MAX]) {
    assert(rec != NULL && y != NULL && rec->kind == JOURNAL_YEAR_END);
    assert(year_end_identity_error(y) == NULL); /* decoded and checked by the caller */
    char bank[ACCOUNT_BYTES_MAX + 1], acct[ACCOUNT_BYTES_MAX + 1];
    account_bank(bank, y->code);
    account_fund(acct, fund_layer(FUND_hifp)->fund, y->region, y->year);
    int count = 0;
    if (y->adjustment_fen > 0) add_posting(out, &count, rec, acct, bank, y->adjustment_fen, false);
    if (y->adjustment_fen < 0) add_posting(out, &count, rec, bank, acct, -y->adjustment_fen, false);
    account_deposit(acct, y->code, y->year);
    if (y->released_fen > 0) add_posting(out, &count, rec, acct, bank, y->released_fen, false);
    assert(count <= YEAR_END_POSTINGS_MAX);
    postings_month_set(out, count, postings_month_local(rec->time_us));
    return count;
}
