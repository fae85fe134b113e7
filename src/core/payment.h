/* payment.h: paying the institutions (FUNDS.md §6 and §7): the year-end
 * settlement by payment method (global budget, per-case quotas, DIP
 * points, capitation), the monthly payment run with its quality deposit
 * and the year-end payment that releases the deposit.
 *
 * Pure functions of their inputs: money in int64_t fen, ratios in basis
 * points, DIP points as exact rationals (no floating point anywhere). The
 * settlements are those the institution (or the report) sees: each one's
 * amounts as settled, `revoked` true when revoked before the computation. */
#ifndef YIBAO_PAYMENT_H
#define YIBAO_PAYMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "date.h"
#include "enrol.h"
#include "funding.h"
#include "limits.h"

#define PAY_QUOTAS_MAX 64        /* prefixes of one quota list */
#define PAY_GROUPS_MAX 32        /* DIP groups, "*" included */
#define PAY_LEVELS_MAX 8         /* DIP level coefficients */
#define PAY_INSTITUTIONS_MAX 64  /* institutions of one DIP region */
#define PAY_SETTLEMENTS_MAX 4096 /* settlements of one computation */
#define PAY_SIGNED_MAX 1024      /* capitation signings */
#define PAY_PREFIX_BYTES_MAX 15  /* an ICD-10 prefix */
#define PAY_COEFF_MAX_BP 100000  /* a DIP coefficient at most 10 */
#define PAY_POINTS_SCALE 10000   /* DIP points: at most 4 decimals */

/* A settlement as the institution and report kinds see it (§9). */
struct pay_settlement {
    char setl_id[CODE_BYTES_MAX + 1];
    char psn_no[CODE_BYTES_MAX + 1];
    char med_type[CODE_BYTES_MAX + 1]; /* "11" general outpatient, "21" inpatient */
    char dise_codg[CODE_BYTES_MAX + 1];
    datetime_s setl_time;
    bool revoked;
    int64_t medfee_sumamt, inscp_scp_amt, hifp_pay, hifob_pay, hifmi_pay, maf_pay;
    int64_t fund_pay_sumamt, psn_part_amt, acct_pay, acct_mulaid_pay, psn_cash_pay;
};

/* A quota list: ICD-10 prefix -> quota per inpatient case (§6b). */
struct pay_quota {
    char prefix[PAY_PREFIX_BYTES_MAX + 1];
    int64_t quota_fen;
};

struct pay_quotas {
    int32_t count;
    struct pay_quota quota[PAY_QUOTAS_MAX];
};

/* The longest prefix of `code` among `count` prefixes laid out `stride`
 * bytes apart from `first` (each a NUL-terminated string); -1: none. */
int32_t pay_longest_prefix(const char *code, const char *first, size_t stride, int32_t count);

/* §6b: the institution's quota cases (joined: it joined the list). */
struct quota_result {
    int32_t cases;
    int64_t adjustment_fen; /* sum of (quota_fund - hifp_pay) over the cases */
    int64_t quota_fund_fen; /* sum of quota_fund */
    int64_t f_rest_fen;     /* F of the other settlements (non-revoked) */
};
/* Whether s is a quota case of a list the institution joined. */
bool pay_is_quota_case(const struct pay_settlement *s, const struct pay_quotas *q, bool joined);
void quota_adjustment(const struct pay_quotas *q, bool joined, const struct pay_settlement *s,
                      int32_t n, struct quota_result *out);

/* §6a. */
struct budget_terms {
    int64_t budget_fen;
    int32_t savings_corridor_bp, savings_share_bp;
    int32_t overspend_corridor_bp, overspend_share_bp;
};
struct budget_result {
    int64_t f_fen, reward_fen, shared_fen, due_fen, adjustment_fen;
};
/* F is the institution's F with its quota cases taken out (§6b). */
void budget_settlement(const struct budget_terms *t, int64_t f_fen, struct budget_result *out);

/* §6c. */
struct dip_group {
    char prefix[PAY_PREFIX_BYTES_MAX + 1]; /* "*": the unmatched cases */
    int64_t points;                        /* scaled by PAY_POINTS_SCALE, > 0 */
    int64_t avg_cost_fen;                  /* > 0 */
};
struct dip_level {
    char name[CODE_BYTES_MAX + 1];
    int32_t coeff_bp; /* 0..PAY_COEFF_MAX_BP */
};
struct dip_institution {
    char fixmedins_code[CODE_BYTES_MAX + 1];
    char level[CODE_BYTES_MAX + 1];
    bool quota_joined;
    int32_t first, count; /* its settlements in the region's array */
};
struct dip_region {
    int64_t budget_fen;
    int32_t level_count, group_count, institution_count;
    struct dip_level levels[PAY_LEVELS_MAX];
    struct dip_group groups[PAY_GROUPS_MAX];
    const struct pay_quotas *quotas; /* NULL: no quota list */
    struct dip_institution institutions[PAY_INSTITUTIONS_MAX];
    const struct pay_settlement *settlements;
};
struct dip_due {
    int64_t f_fen, due_fen, adjustment_fen;
};
/* out[i] for institution i. E_POLICY: no group "*", or a case carrying
 * points at an institution whose level has no coefficient. Σ due = budget
 * (0 when no institution has points). */
enum funds_code dip_settlement(const struct dip_region *r, struct dip_due *out);

/* §6d. */
struct pay_signing {
    char psn_no[CODE_BYTES_MAX + 1];
    datetime_s from;
    bool open; /* to null: still signed */
    datetime_s to;
};
struct capitation_result {
    int64_t months;
    int64_t capitation_fen, covered_fen, adjustment_fen;
};
void capitation(int32_t year, int64_t rate_fen, const struct pay_signing *signed_, int32_t n_signed,
                const struct pay_settlement *s, int32_t n, struct capitation_result *out);

/* §7: one institution's run for month M (month_index of date.h). */
struct payment_run_result {
    int64_t payable_fen, withhold_fen, paid_fen;
};
void payment_run(month_index month, int32_t withhold_rate_bp, const struct pay_settlement *s,
                 int32_t n, struct payment_run_result *out);

struct year_end_result {
    int64_t released_fen, paid_fen;
};
void year_end_payment(int64_t deposit_fen, int64_t sanctions_fen, int64_t adjustment_fen,
                      struct year_end_result *out);

#endif
