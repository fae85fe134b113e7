/* fuzz_bill.c: libFuzzer target for bill_from_json + settle (src/codec,
 * src/core/settle.c) on the conformance world.
 *
 * LLVMFuzzerInitialize loads the shipped policies and catalog once from
 * $YIBAO_ROOT/policies (or ./policies). Each input is a JSON bill; the
 * policy is one whose year is the bill's (picked by a hash of the input),
 * and the person (category, flags, account, benefit start) and a starting
 * year state are derived from the same hash. On success the spec's
 * identities must hold, no amount may be negative, no accumulator may pass
 * its cap and revoking must restore the state; on refusal the delta must be
 * zero. Without the world files only bill_from_json is exercised. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/bill_decode.h"
#include "codec/codec.h"
#include "core/limits.h"
#include "core/money.h"
#include "core/settle.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_bill: property violated: %s\n", what);
        abort();
    }
}

static const char *const policy_files[] = {
    "maoming-2020-resident.json",  "maoming-2020-employee.json", "jinchang-2015-resident.json",
    "jincheng-2015-employee.json", "jincheng-2015-ncms.json",    "synthetic-2022-employee.json",
};
#define POLICY_COUNT (int)(sizeof policy_files / sizeof policy_files[0])
static struct policy policies[POLICY_COUNT];
static struct catalog catalog;
static bool world;
static struct json_doc *doc;
static struct bill_line lines[BILL_LINES_MAX];
static const struct institution institutions[5] = {
    {"H0", INSTITUTION_HOSPITAL, LEVEL_TOWNSHIP}, {"H1", INSTITUTION_HOSPITAL, LEVEL_1},
    {"H2", INSTITUTION_HOSPITAL, LEVEL_2},        {"H3", INSTITUTION_HOSPITAL, LEVEL_3},
    {"P1", INSTITUTION_PHARMACY, LEVEL_NONE},
};

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    struct json_limits limits = {JSON_BYTES_MAX, JSON_DEPTH_MAX, JSON_NODES_MAX};
    doc = json_doc_new(&limits);
    check(doc != NULL, "json_doc_new");
    catalog_init(&catalog);
    const char *root = getenv("YIBAO_ROOT");
    if (root == NULL || root[0] == '\0') root = ".";
    char path[4096], err[CODEC_ERR_BYTES];
    snprintf(path, sizeof path, "%s/policies/catalog-conformance.json", root);
    if (catalog_load_file(path, &catalog, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_bill: %s (set YIBAO_ROOT): settle is not exercised\n", err);
        return 0;
    }
    for (int i = 0; i < POLICY_COUNT; i++) {
        snprintf(path, sizeof path, "%s/policies/%s", root, policy_files[i]);
        check(policy_load_file(path, &policies[i], err, sizeof err) == 0, "shipped policy loads");
    }
    world = true;
    return 0;
}

static uint64_t hash_bytes(const uint8_t *data, size_t size) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < size; i++) h = (h ^ data[i]) * 1099511628211ULL;
    return h;
}

static void within(int64_t used, int64_t cap, const char *what) {
    check(cap == CAP_NONE || used <= cap, what);
}

static void check_success(const struct policy *p, const struct person *person,
                          const struct year_state *before, const struct settle_result *r) {
    const struct setlinfo *s = &r->setl;
#define FIGURE_NONNEG_(setl, name, kind) check((setl)->name >= 0, #name " >= 0");
    SETLINFO_FIELDS(FIGURE_NONNEG_, s)
#undef FIGURE_NONNEG_
    check(s->medfee_sumamt ==
              s->fulamt_ownpay_amt + s->overlmt_selfpay + s->preselfpay_amt + s->inscp_scp_amt,
          "identity 1");
    check(s->medfee_sumamt == s->fund_pay_sumamt + s->psn_part_amt, "identity 2");
    int64_t funds = 0;
    for (int i = 0; i < FUND_LAYER_COUNT; i++) funds += fund_layer_pay(s, (enum fund_layer_id)i);
    check(s->fund_pay_sumamt == funds, "fund sum");
    check(s->psn_part_amt == s->acct_pay + s->acct_mulaid_pay + s->psn_cash_pay, "cash");
    check(s->fund_pay_sumamt <= s->inscp_scp_amt, "funds within scope");
    struct year_state after = *before;
    year_state_apply(&after, &r->delta);
    check(year_state_valid(&after), "state valid");
    /* Caps, for a state that started within them. */
    uint32_t mask = person_match_mask(person);
    within(after.basic_paid_fen, p->basic_annual_cap_fen, "basic cap");
    within(after.general_paid_fen, p->general_annual_cap_fen, "general cap");
    if (p->has_over_cap) within(after.over_cap_paid_fen, p->over_cap_annual_cap_fen, "over cap");
    if (p->has_catastrophic) {
        int64_t cap = p->catastrophic.annual_cap_fen;
        for (int i = 0; i < p->catastrophic_rule_count; i++)
            if (p->catastrophic_rules[i].when_mask & mask) {
                if (p->catastrophic_rules[i].has_annual_cap)
                    cap = p->catastrophic_rules[i].annual_cap_fen;
                break;
            }
        within(after.cat_paid_fen, cap, "catastrophic cap");
    }
    for (int i = 0; i < p->assistance_count; i++)
        if (p->assistance[i].when_mask & mask) {
            within(after.maf_paid_fen, p->assistance[i].annual_cap_fen, "assistance cap");
            break;
        }
    for (int i = 0; i < p->disease_count; i++)
        within(after.special_paid_fen[i], p->diseases[i].annual_cap_fen, "disease cap");
    year_state_unapply(&after, &r->delta);
    check(year_state_equal(&after, before), "revoke restores");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct json_error jerr;
    const struct json_value *root = json_parse(doc, (const char *)data, size, &jerr);
    if (root == NULL) return 0;
    struct bill bill;
    char err[CODEC_ERR_BYTES];
    if (bill_from_json(root, &bill, lines, BILL_LINES_MAX, err, sizeof err) != 0) {
        check(memchr(err, '\0', sizeof err) != NULL && strstr(err, ": ") != NULL, "message");
        return 0;
    }
    check(bill.line_count >= 0 && bill.line_count <= BILL_LINES_MAX, "line count");
    if (!world) return 0;
    uint64_t h = hash_bytes(data, size);
    /* A policy of the bill's year when there is one. */
    const struct policy *p = &policies[h % POLICY_COUNT];
    if (bill.dates_ok) {
        int year = datetime_year(bill.endtime);
        for (int k = 0; k < POLICY_COUNT; k++) {
            const struct policy *q = &policies[(h + (uint64_t)k) % POLICY_COUNT];
            if (q->year == year) {
                p = q;
                break;
            }
        }
    }
    h >>= 3;
    struct person person = {.insutype = p->insutype};
    snprintf(person.psn_no, sizeof person.psn_no, "F");
    person.category = (enum category)(h % CATEGORY_COUNT);
    h /= CATEGORY_COUNT;
    person.flags = (uint32_t)(h & FLAG_ALL);
    h >>= 3;
    person.benefit_start = (h & 15) == 0 ? datetime_from_civil(p->year, 7, 1, 0, 0, 0) : 0;
    h >>= 4;
    person.acct_balc_fen = (int64_t)(h % 1000000);
    h >>= 20;
    if ((h & 31) == 0) person.insutype = p->insutype == 310 ? 390 : 310;
    h >>= 5;
    struct year_state st;
    year_state_init(&st, p->year, person.acct_balc_fen);
    if (h & 1) {
        st.admissions = (int32_t)((h >> 1) & 3);
        st.basic_paid_fen = (int64_t)((h >> 3) % 30000000);
        if (p->basic_annual_cap_fen != CAP_NONE && st.basic_paid_fen > p->basic_annual_cap_fen)
            st.basic_paid_fen = p->basic_annual_cap_fen;
        st.cat_burden_fen = (int64_t)((h >> 10) % 5000000);
    }
    const struct institution *inst = NULL;
    for (int i = 0; i < 5; i++)
        if (strcmp(institutions[i].code, bill.fixmedins_code) == 0) inst = &institutions[i];
    struct settle_input in = {p, &catalog, inst, &person, &st, &bill, NULL, 0};
    static struct settle_result r;
    static struct explain ex;
    explain_init(&ex);
    enum settle_code code = settle(&in, &r, NULL, &ex);
    check(code == r.code, "code returned and stored");
    if (code == SETTLE_OK) {
        check_success(p, &person, &st, &r);
    } else {
        struct year_state zero;
        year_state_init(&zero, st.year, 0);
        check(year_state_equal(&r.delta, &zero), "refused: zero delta");
        check(code > SETTLE_OK && code < E_REVOKED, "refusal code");
    }
    check(strlen(ex.text) == ex.len, "explain length");
    return 0;
}
