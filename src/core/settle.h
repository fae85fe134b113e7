/* settle.h: the settle engine, a pure function.
 *
 * settle() takes a policy, catalog, institution, person, year state and bill
 * and returns the settlement figures, the delta it adds to the year state and
 * (optionally) an explanation. It does no I/O, touches no global state and
 * allocates nothing. See shared/spec/SETTLEMENT.md for every rule. */
#ifndef YIBAO_SETTLE_H
#define YIBAO_SETTLE_H

#include <stdint.h>

#include "bill.h"
#include "catalog.h"
#include "explain.h"
#include "person.h"
#include "policy.h"
#include "state.h"

enum settle_code {
    SETTLE_OK = 0,
    E_UNKNOWN_INSTITUTION,
    E_MED_TYPE,
    E_BAD_DATES,
    E_POLICY_YEAR,
    E_SCHEME,
    E_EMPTY_BILL,
    E_DISEASE,
    E_DUP_LINE,
    E_BAD_AMOUNT,
    E_REVOKED,      /* raised by journals, not by settle() */
    E_NOT_SETTLED,  /* raised by journals, not by settle() */
    SETTLE_CODE_COUNT,
};

/* The settlement figures, all in fen, named as in the NHSA setlinfo. */
struct setlinfo {
    int64_t medfee_sumamt;
    int64_t fulamt_ownpay_amt;
    int64_t overlmt_selfpay;
    int64_t preselfpay_amt;
    int64_t inscp_scp_amt;
    int64_t act_pay_dedc;
    int64_t hifp_pay;
    int64_t hifob_pay;
    int64_t hifmi_pay;
    int64_t maf_pay;
    int64_t fund_pay_sumamt;
    int64_t psn_part_amt;
    int64_t acct_pay;
    int64_t psn_cash_pay;
    int64_t balc;
};

/* Room under each fund's cap before this settlement (crt_payb_lmt_amt);
 * INT64_MAX means no cap. */
struct fund_rooms {
    int64_t hifp_room_fen;
    int64_t hifob_room_fen;
    int64_t hifmi_room_fen;
    int64_t maf_room_fen;
};

/* Per-line figures (answers to fee-line uploads). */
struct line_result {
    int32_t item_class;             /* enum item_class */
    int64_t fulamt_ownpay_fen;
    int64_t overlmt_fen;
    int64_t preselfpay_fen;
    int64_t inscp_fen;
    int32_t selfpay_prop_bp;        /* pre-self-pay share applied (B), 0 (A), 10000 (C) */
    int64_t cap_price_scaled;       /* -1: none */
};

struct settle_input {
    const struct policy *policy;
    const struct catalog *catalog;
    const struct institution *institution; /* NULL: unknown institution */
    const struct person *person;
    const struct year_state *state;        /* the person's year (policy year) */
    const struct bill *bill;
};

struct settle_result {
    enum settle_code code;
    int32_t error_line;             /* line index for line errors, else -1 */
    const char *error_field;        /* field named by the error, or NULL */
    struct setlinfo setl;
    struct fund_rooms rooms;
    int32_t pool_ratio_bp;          /* basic ratio applied (pool_prop_selfpay) */
    struct year_state delta;        /* what this settlement adds */
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
