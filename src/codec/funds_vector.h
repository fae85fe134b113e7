/* funds_vector.h: yibao-funds-vector/1 documents (FUNDS.md §9) <-> the
 * inputs of the fund rules, and the comparison of a rule's figures with a
 * vector's `expect`.
 *
 * Decoding does the spec's wire checks in its order: the named policy
 * first (E_POLICY), then the kind's inputs in the order §9 lists them, the
 * first failure winning (E_BAD_AMOUNT for a number, E_BAD_DATES for a
 * date, month or episode). A failure is an answer, not a decoding error:
 * it is kept in `code` and compared with the vector's expected error. */
#ifndef YIBAO_CODEC_FUNDS_VECTOR_H
#define YIBAO_CODEC_FUNDS_VECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/contrib.h"
#include "core/enrol.h"
#include "core/funding.h"
#include "core/payment.h"
#include "core/policy.h"
#include "core/sharing.h"
#include "json/json.h"

#define FUNDS_KIND_BYTES_MAX 31
#define FUNDS_WHY_BYTES 256
#define FUNDS_FIGURES_MAX (3 * PAY_INSTITUTIONS_MAX + 8) /* dip_settlement: 3 per institution */
#define FUNDS_FIGURE_NAME_BYTES 96

/* The kinds of §9: the rules of §2-5 (issue 16), then those of §6-8
 * (issue 17). */
enum funds_kind {
    FUNDS_KIND_EMPLOYEE_MONTH = 0,
    FUNDS_KIND_RESIDENT_YEAR,
    FUNDS_KIND_PREMIUM_FROM_ACCOUNT,
    FUNDS_KIND_BIND,
    FUNDS_KIND_BENEFIT_START_EMPLOYEE,
    FUNDS_KIND_BENEFIT_START_RESIDENT,
    FUNDS_KIND_RETIREMENT_CHECK,
    FUNDS_KIND_BUDGET_SETTLEMENT,
    FUNDS_KIND_QUOTA_ADJUSTMENT,
    FUNDS_KIND_DIP_SETTLEMENT,
    FUNDS_KIND_CAPITATION,
    FUNDS_KIND_PAYMENT_RUN,
    FUNDS_KIND_YEAR_END_PAYMENT,
    FUNDS_KIND_MONTHS_OF_SUPPORT,
    FUNDS_KIND_RATIOS,
    FUNDS_KIND_BUILT_COUNT,
    FUNDS_KIND_NOT_BUILT = FUNDS_KIND_BUILT_COUNT, /* none left: kept for the runner's NOTRUN */
    FUNDS_KIND_UNKNOWN,                            /* no kind of §9 */
};

/* Reads the policy file a vector names (a path relative to the vector, as
 * written in it) into out: 0, or -1 when it cannot be loaded or breaks §1. */
typedef int (*funds_policy_loader)(void *ctx, const char *path, struct policy *out);

/* A decoded vector: the kind, the wire check's answer and the inputs (each
 * kind fills its own). Large (the episodes): allocate it. */
struct funds_vector {
    enum funds_kind kind;
    char kind_name[FUNDS_KIND_BYTES_MAX + 1];
    enum funds_code code;      /* FUNDS_OK: the inputs below are decoded */
    char why[FUNDS_WHY_BYTES]; /* the wire failure, named by input path */
    const struct json_value *expect;
    struct policy policy;
    struct policy holder_policy;
    month_index month;
    int32_t year;
    enum employee_status status;
    enum category category; /* CATEGORY_COUNT: none of the known names */
    uint32_t flags;         /* enum person_flag bits */
    bool contribution_short;
    int32_t episode_count;
    struct episode episodes[EPISODES_MAX];
    int32_t contributed_count;
    month_index contributed[CONTRIBUTED_MAX];
    bool has_wage;
    int64_t wage_fen;
    bool base_share_exact;
    int32_t base_share_bp;
    bool struggling;
    datetime_s date; /* premium_from_account's date, benefit_start_resident's paid */
    bool has_brdy;
    datetime_s brdy;
    char gend[CODE_BYTES_MAX + 1]; /* matched against min_months_total's keys */
    char member_psn_no[CODE_BYTES_MAX + 1];
    char holder_psn_no[CODE_BYTES_MAX + 1];
    enum relation relation;
    datetime_s bound_from;
    bool revoked;
    datetime_s revoked_at;
    int64_t acct_balc_fen;
    /* §6-8's kinds (payment.h, report.h) */
    int64_t budget_fen, rate_fen, deposit_fen, sanctions_fen, adjustment_fen;
    int64_t balance_fen, spending_12m_fen, enrolled, should_insure;
    struct budget_terms budget;
    int32_t withhold_rate_bp;
    bool has_quotas, joined;
    struct pay_quotas quotas;
    struct dip_region dip; /* its settlements and quotas point into this vector */
    int32_t signed_count;
    struct pay_signing signed_[PAY_SIGNED_MAX];
    int32_t settlement_count;
    struct pay_settlement settlements[PAY_SETTLEMENTS_MAX];
};

/* 0: a vector (v->kind, v->code set; for a kind not built only kind and
 * kind_name); -1 with err: not a yibao-funds-vector/1 document. */
int funds_vector_from_json(const struct json_value *root, funds_policy_loader load, void *ctx,
                           struct funds_vector *v, char *err, size_t err_size);
const char *funds_kind_name(enum funds_kind kind); /* built kinds; "?" otherwise */

/* A rule's answer as named figures, for comparison with `expect`. */
enum funds_figure_type {
    FIGURE_MONEY = 0, /* fen */
    FIGURE_COUNT,     /* an integer */
    FIGURE_DATE,      /* datetime_s of a date, compared as "YYYY-MM-DD" */
    FIGURE_NULL,
    FIGURE_BOOL,
    FIGURE_FLAGS,      /* 1: ["contribution_short"], 0: [] */
    FIGURE_TENTHS,     /* a number with 1 decimal, value in tenths */
    FIGURE_HUNDREDTHS, /* a number with 2 decimals (a per cent), value in hundredths */
    FIGURE_INFINITY,   /* the string "∞" */
};

/* name: a field of `expect`, or a path into its objects
 * ("institutions.H1.due"). */
struct funds_figure {
    char name[FUNDS_FIGURE_NAME_BYTES];
    enum funds_figure_type type;
    int64_t value;
};

struct funds_outcome {
    enum funds_code code;
    int32_t count;
    struct funds_figure figures[FUNDS_FIGURES_MAX];
};

/* 0 when every field `expect` names matches (or the expected error is the
 * code); -1 with message naming the first difference ("benefit_start:
 * expected 2020-04-01, got 2020-05-01"). */
int funds_expect_compare(const struct json_value *expect, const struct funds_outcome *outcome,
                         const char *why, char *message, size_t message_size);

#endif
