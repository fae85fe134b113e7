/* agreement.h: a region's payment agreements for a year (yibao-payment/1,
 * docs/PAYMENT.md): how each designated institution is paid.
 *
 * One document per region and year names, for every institution that has
 * an agreement, its payment method (FUNDS.md §6: fee for service, global
 * budget, DIP points, capitation) with the method's terms, whether it
 * joined the per-case quota list, and the share of each monthly payment
 * withheld as a quality deposit (§7). The region's quota list and DIP
 * terms (budget, level coefficients, groups) are shared by the
 * institutions that use them. The terms are the structs of payment.h, so
 * the runs of issue 17 hand them to the pure rules as they are.
 *
 * Pure data and look-ups: no I/O. The codec (codec/payment_json.c) fills
 * it and checks every value; agreement_problem() states the rules across
 * fields that hold whatever the source. */
#ifndef YIBAO_AGREEMENT_H
#define YIBAO_AGREEMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "limits.h"
#include "payment.h"

#define AGREEMENT_INSTITUTIONS_MAX 8192 /* institutions of one region's agreement */

enum pay_method {
    PAY_FEE_FOR_SERVICE = 0, /* paid as billed: no year-end adjustment */
    PAY_GLOBAL_BUDGET,       /* §6a */
    PAY_DIP,                 /* §6c: a share of the region's DIP budget */
    PAY_CAPITATION,          /* §6d */
    PAY_METHOD_COUNT
};

struct agreement_institution {
    char fixmedins_code[CODE_BYTES_MAX + 1];
    enum pay_method method;
    bool quota_joined;           /* its inpatient cases of the quota list are paid by quota */
    int32_t withhold_rate_bp;    /* of each monthly payment (§7) */
    struct budget_terms budget;  /* PAY_GLOBAL_BUDGET */
    int64_t capitation_rate_fen; /* PAY_CAPITATION: per signed person and month */
};

struct agreement_dip {
    int64_t budget_fen;
    int32_t level_count, group_count;
    struct dip_level levels[PAY_LEVELS_MAX];
    struct dip_group groups[PAY_GROUPS_MAX];
};

struct agreement {
    char id[CODE_BYTES_MAX + 1];
    char region[CODE_BYTES_MAX + 1];
    int32_t year;
    int32_t withhold_rate_bp; /* the region's default */
    bool has_quotas, has_dip;
    struct pay_quotas quotas;
    struct agreement_dip dip;
    int32_t institution_count;
    struct agreement_institution institutions[AGREEMENT_INSTITUTIONS_MAX];
};

const char *pay_method_name(enum pay_method method);
int pay_method_parse(const char *name, enum pay_method *out); /* 0, or -1: unknown */

/* The institution's agreement, or NULL: it has none. */
const struct agreement_institution *agreement_find(const struct agreement *a, const char *code);

/* The first rule across fields the agreement breaks, as "path: what", or
 * NULL: a DIP institution without the region's DIP terms, an institution
 * in the quota list without a list, DIP terms without the group "*". */
const char *agreement_problem(const struct agreement *a, char *out, size_t size);

#endif
