/* ledger.c: the double-entry postings a settlement or revoke makes.
 *
 * Accounts are named by text keys:
 *   F:<fund>:<region>:<year>  a fund's pool, one per row of FUND_LAYERS
 *                             (hifp basic pooled, hifob large-amount, hifmi
 *                             catastrophic, maf medical assistance); pays,
 *                             so runs negative
 *   P:<psn_no>                a person's personal account (floor 0)
 *   I:<fixmedins_code>        an institution's payable (floor 0)
 *   S:open:<region>           the source of opening account balances
 * A posting debits the receiving account and credits the paying one. A
 * settlement posts fund -> institution for every non-zero fund amount and
 * personal account -> institution for acct_pay, and each family holder's
 * account P:<holder> -> institution for its part of acct_mulaid_pay
 * (FUNDS.md §5 Step 7b); its revoke posts the exact reverse, so each part
 * returns to the account it came from. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

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

int64_t account_floor_fen(const char *account) {
    assert(account != NULL);
    assert(strlen(account) <= ACCOUNT_BYTES_MAX);
    if (account[0] == 'P' || account[0] == 'I') return 0;
    return INT64_MIN;
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
    return count;
}
