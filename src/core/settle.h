/* settle.h: the settle engine, a pure function.
 *
 * settle() takes a policy, catalog, institution, person, year state and bill
 * and returns the settlement figures, the delta it adds to the year state and
 * (optionally) an explanation. It does no I/O, touches no global state and
 * allocates nothing. See shared/spec/SETTLEMENT.md for every rule. */
#ifndef YIBAO_SETTLE_H
#define YIBAO_SETTLE_H

#include <stdbool.h>
#include <stdint.h>

#include "bill.h"
#include "catalog.h"
#include "explain.h"
#include "person.h"
#include "policy.h"
#include "sharing.h"
#include "state.h"

enum settle_code {
    SETTLE_OK = 0,
    E_UNKNOWN_INSTITUTION,
    E_MED_TYPE,
    E_BAD_DATES,
    E_POLICY_YEAR,
    E_SCHEME,
    E_CONTRIBUTION_SHORT, /* FUNDS.md §4: right after E_SCHEME */
    E_EMPTY_BILL,
    E_DISEASE,
    E_DUP_LINE,
    E_BAD_AMOUNT,
    E_REVOKED,     /* raised by journals, not by settle() */
    E_NOT_SETTLED, /* raised by journals, not by settle() */
    SETTLE_CODE_COUNT,
};

/* The pooled fund layers, in the order they pay (SETTLEMENT.md step 5);
 * one row each, X(..., fund, code_employee, code_other, type_name, label,
 * listed). Adding a fund layer starts here (docs/FIELDS.md has the steps).
 * A row makes:
 *   - the setlinfo figure <fund>_pay (JSON key, journal key, answer field),
 *     listed after act_pay_dedc and summed into fund_pay_sumamt;
 *   - the fund_rooms member <fund>_room_fen (journal key <fund>_room);
 *   - the ledger account F:<fund>:<region>:<year> that pays <fund>_pay;
 *   - a setldetail entry: fund_pay_type code_employee (insutype 310) or
 *     code_other, fund_pay_type_name type_name; listed ALWAYS, or NONZERO
 *     (only when the fund pays);
 *   - "label <amount>" in the brief print (yibao settle --brief).
 * X is called as X(P..., row...) where P... are the arguments after X, so
 * that a list can hand its own callback through (SETLINFO_FIELDS does). */
#define FUND_LAYERS(X, ...)                                                              \
    X(__VA_ARGS__, hifp, "310100", "390100", "basic pooled fund", "basic", ALWAYS)       \
    X(__VA_ARGS__, hifob, "330100", "330100", "large-amount", "large-amount", NONZERO)   \
    X(__VA_ARGS__, hifmi, "390200", "390200", "catastrophic", "catastrophic", NONZERO)   \
    X(__VA_ARGS__, maf, "610100", "610100", "medical assistance", "assistance", NONZERO) \
    FUND_LAYERS_TEST_EXTRA(X, __VA_ARGS__)

/* A test-only layer (tests/t_extra_fund.sh builds with it) that shows a row
 * above is all the lists need; settle.c gives it a rule. */
#ifdef YIBAO_TEST_EXTRA_FUND
#define FUND_LAYERS_TEST_EXTRA(X, ...) \
    X(__VA_ARGS__, xtf, "990100", "990100", "test layer", "test-layer", NONZERO)
#else
#define FUND_LAYERS_TEST_EXTRA(X, ...)
#endif

#define FUND_LAYER_ID_(unused, fund, ...) FUND_##fund,
enum fund_layer_id { FUND_LAYERS(FUND_LAYER_ID_, ~) FUND_LAYER_COUNT };
#undef FUND_LAYER_ID_

/* The settlement figures, all int64_t fen, named as in the NHSA setlinfo and
 * in this order in every output (JSON, journal body, answers); one row each,
 * X(A, name, kind). kind: FIGURE (an amount of this settlement), FUND (paid
 * by a fund layer, from FUND_LAYERS), BALANCE (the personal account after
 * it: not a flow, so a revoke's answer leaves it out). acct_mulaid_pay is
 * what family members' accounts paid (FUNDS.md §5, Step 7b), after balc as
 * in the NHSA setlinfo. */
#define SETLINFO_FIELDS(X, A)             \
    X(A, medfee_sumamt, FIGURE)           \
    X(A, fulamt_ownpay_amt, FIGURE)       \
    X(A, overlmt_selfpay, FIGURE)         \
    X(A, preselfpay_amt, FIGURE)          \
    X(A, inscp_scp_amt, FIGURE)           \
    X(A, act_pay_dedc, FIGURE)            \
    FUND_LAYERS(SETLINFO_FUND_PAY_, X, A) \
    X(A, fund_pay_sumamt, FIGURE)         \
    X(A, psn_part_amt, FIGURE)            \
    X(A, acct_pay, FIGURE)                \
    X(A, psn_cash_pay, FIGURE)            \
    X(A, balc, BALANCE)                   \
    X(A, acct_mulaid_pay, FIGURE)
#define SETLINFO_FUND_PAY_(X, A, fund, ...) X(A, fund##_pay, FUND)

#define SETLINFO_MEMBER_(unused, name, kind) int64_t name;
struct setlinfo {
    SETLINFO_FIELDS(SETLINFO_MEMBER_, ~)
};
#undef SETLINFO_MEMBER_

#define SETLINFO_COUNT_(unused, name, kind) +1
enum { SETLINFO_FIELD_COUNT = 0 SETLINFO_FIELDS(SETLINFO_COUNT_, ~) };
#undef SETLINFO_COUNT_

/* Room under each fund's cap before this settlement (crt_payb_lmt_amt);
 * INT64_MAX means no cap. */
#define FUND_ROOM_MEMBER_(unused, fund, ...) int64_t fund##_room_fen;
struct fund_rooms {
    FUND_LAYERS(FUND_ROOM_MEMBER_, ~)
};
#undef FUND_ROOM_MEMBER_

/* A fund layer's row as data, for code that loops over the funds
 * (ledger postings, the setldetail answer, the brief print). */
struct fund_layer {
    const char *fund;          /* "hifp": ledger account F:hifp:<region>:<year> */
    const char *code_employee; /* setldetail fund_pay_type, insutype 310 */
    const char *code_other;    /* setldetail fund_pay_type, other insutypes */
    const char *type_name;     /* setldetail fund_pay_type_name */
    const char *label;         /* brief print */
    bool always_listed;        /* in setldetail even when it pays nothing */
};
const struct fund_layer *fund_layer(enum fund_layer_id id);
/* What fund layer `id` pays in `setl`, and its room in `rooms`. */
int64_t fund_layer_pay(const struct setlinfo *setl, enum fund_layer_id id);
int64_t fund_layer_room(const struct fund_rooms *rooms, enum fund_layer_id id);

/* Per-line figures (answers to fee-line uploads). */
struct line_result {
    int32_t item_class; /* enum item_class */
    int64_t fulamt_ownpay_fen;
    int64_t overlmt_fen;
    int64_t preselfpay_fen;
    int64_t inscp_fen;
    int32_t selfpay_prop_bp;  /* pre-self-pay share applied (B), 0 (A), 10000 (C) */
    int64_t cap_price_scaled; /* -1: none */
};

/* Step 7b (FUNDS.md §5): one of the person's bindings to a holder of a
 * personal account, as made (binding.holder_policy may be NULL: `shares`
 * says what the engine needs of it), with the holder's balance now. */
#define SETTLE_HOLDERS_MAX 4 /* bounded by the journal body (store.h) */
struct settle_holder {
    struct binding binding;
    bool shares;           /* the holder's policy has personal_account.family_sharing */
    int64_t acct_balc_fen; /* the holder's account before this settlement */
};

struct settle_input {
    const struct policy *policy;
    const struct catalog *catalog;
    const struct institution *institution; /* NULL: unknown institution */
    const struct person *person;
    const struct year_state *state; /* the person's year (policy year) */
    const struct bill *bill;
    /* the person's bindings in the order they were made (any validity);
     * NULL/0: none. At most SETTLE_HOLDERS_MAX. */
    const struct settle_holder *holders;
    int32_t holder_count;
};

struct settle_result {
    enum settle_code code;
    int32_t error_line;       /* line index for line errors, else -1 */
    const char *error_field;  /* field named by the error, or NULL */
    const char *error_reason; /* what is wrong with it ("is negative"), or NULL */
    struct setlinfo setl;
    struct fund_rooms rooms;
    int32_t pool_ratio_bp;   /* basic ratio applied (pool_prop_selfpay) */
    struct year_state delta; /* what this settlement adds */
    /* Step 7b: what each of input->holders paid (same index; 0 when it did
     * not pay); their sum is setl.acct_mulaid_pay. */
    int64_t holder_pay_fen[SETTLE_HOLDERS_MAX];
};

/* Settles. On error, result->code says why and the delta is all zero.
 * line_results (nullable) receives bill->line_count entries on success.
 * explain (nullable) receives the steps in words and figures. */
enum settle_code settle(const struct settle_input *input, struct settle_result *result,
                        struct line_result *line_results, struct explain *explain);

const char *settle_code_name(enum settle_code code);
/* Reverse of settle_code_name; returns SETTLE_CODE_COUNT if unknown. */
enum settle_code settle_code_parse(const char *name);

#endif
