/* limits.h: every bound yibao enforces, in one place.
 *
 * TigerBeetle style: put a limit on everything. Each constant names its unit
 * last. Adapters check these before anything reaches the core, and the core
 * asserts them. Tests exercise each limit at and one past its value. */
#ifndef YIBAO_LIMITS_H
#define YIBAO_LIMITS_H

/* Identifiers and codes (bytes, excluding the terminating NUL). */
#define CODE_BYTES_MAX 63  /* med_list_codg, fixmedins_code, psn_no, ... */
#define NAME_BYTES_MAX 191 /* human names of items, institutions, persons */

/* Bills. */
#define BILL_LINES_MAX 4096 /* detail lines in one settlement */

/* Policies. */
#define POLICY_DISEASES_MAX 32     /* special diseases of one policy */
#define POLICY_PERSON_RULES_MAX 16 /* person_rules, catastrophic rules, assistance */
#define POLICY_BANDS_MAX 8         /* catastrophic bands */
#define POLICY_WAIVED_DX_MAX 32    /* deductible_waived_dx prefixes */
#define POLICY_LEVELS_MAX 4        /* township, level1, level2, level3 */

/* Catalog. */
#define CATALOG_ITEMS_MAX 1000000 /* items in one catalog */

/* Money and quantities: any amount larger than these is refused as input.
 * They keep every product below in int64 range: amount_fen * 10000 (a ratio
 * in basis points) <= 1e12 * 1e4 = 1e16, and a bill of BILL_LINES_MAX lines
 * sums to at most 4.1e15 fen. */
#define AMOUNT_FEN_MAX 1000000000000LL       /* 10 billion yuan per line or cap */
#define CNT_SCALED_MAX 100000000000000LL     /* 1e10 units (cnt is scaled 1e4) */
#define PRICE_SCALED_MAX 10000000000000000LL /* 1e10 yuan (pric is scaled 1e6) */
#define BILL_TOTAL_FEN_MAX 10000000000000LL  /* 100 billion yuan: a bill's medfee_sumamt */
#define STATE_FEN_MAX 1000000000000000LL     /* any year accumulator read from outside */

/* JSON documents (adapters). */
#define JSON_BYTES_MAX (16u * 1024u * 1024u) /* a policy, catalog or request */
#define JSON_DEPTH_MAX 32u
#define JSON_NODES_MAX 2000000u

/* Explanations. */
#define EXPLAIN_BYTES_MAX \
    (1 << 19) /* the steps and a reason per line for BILL_LINES_MAX lines (~120 B each) */

#endif
