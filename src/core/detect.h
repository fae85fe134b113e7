/* detect.h: the scans after settlement (issue 18, item 3;
 * docs/SUPERVISION.md): pure detectors over one person's settled bills of a
 * year, in time order, with their fee lines, the person's registry row and
 * what the catalog says of each item. Each kind is one function; a finding
 * names the bills (indexes into the person's array) and, for the item
 * kinds, the line. Nothing here reads a file, the store or any label: the
 * application (app/scan.c) gathers the bills and writes the findings. */
#ifndef YIBAO_CORE_DETECT_H
#define YIBAO_CORE_DETECT_H

#include <stdbool.h>
#include <stdint.h>

#include "bill.h"
#include "date.h"
#include "rules.h"

/* The thresholds (docs/SUPERVISION.md says why these values). */
#define DET_SPLIT_DAYS_MAX 15       /* readmission within 15 days of discharge */
#define DET_QTY_JUMP 5              /* "usual largest": where the quantities jump 5x */
#define DET_QTY_FACTOR 5            /* a line above 5 times the usual is flagged */
#define DET_QTY_LINES_MIN 5         /* lines of an item needed to know its usual */
#define DET_PERSON_BILLS_MAX 100000 /* bills of one person in one scan */

enum det_kind {
    DET_SPLIT_ADMISSION = 0,
    DET_OVERLAPPING_STAYS,
    DET_VISIT_DURING_STAY,
    DET_GENDER_RESTRICTED,
    DET_AGE_RESTRICTED,
    DET_DUPLICATE_CHARGE,
    DET_NON_MEDICAL_GOODS,
    DET_DUPLICATE_ENROLMENT, /* found by core/dupenrol.c, named here for the output */
    DET_OVER_QUANTITY,
    DET_SUBSTITUTION, /* found by core/inventory.c over a pharmacy's feeds (app/scan_inventory.c) */
    /* the catalog's other restrictions (schema version 21), judged by its
     * rules (core/rules.h) over settled bills: det_catalog_restricted */
    DET_LEVEL_RESTRICTED,
    DET_SETTING_RESTRICTED,
    DET_UNITS_DAY_RESTRICTED,
    DET_UNITS_BILL_RESTRICTED,
    DET_INDICATION_RESTRICTED,
    DET_EXCLUSIVE_RESTRICTED,
    DET_KIND_COUNT,
};

/* One settled bill (not revoked) as the detectors see it. */
struct det_bill {
    const char *msgid;
    const char *fixmedins_code;
    enum med_type med_type;
    datetime_s begntime, endtime;
    const char *dise_codg;
    const struct bill_line *lines;
    int32_t line_count;
    const char *spec_dise_codg; /* NULL or "": none (an indication may name it) */
};

/* The registry row: gender "1" man, "2" woman (0: unknown); birth date. */
struct det_person {
    const char *psn_no;
    int gender;
    int birth_year, birth_month, birth_day;
};

/* What the catalog says of an item (det_item_cb). */
struct det_item {
    bool in_catalog;
    int gender;               /* restrict.gender: 1 or 2, 0 none */
    int age_min, age_max;     /* restrict ages (inclusive); age_max < 0: none */
    int64_t usual_cnt_scaled; /* the item's usual largest quantity (x 1e4); <= 0: unknown */
};
typedef void (*det_item_cb)(void *ctx, const char *code, struct det_item *out);

struct det_finding {
    enum det_kind kind;
    int32_t a, b;     /* the bills (b = -1 for a one-bill finding) */
    int32_t line;     /* the line of bill a concerned, or -1 */
    const char *rule; /* the rule's id, e.g. "SPLIT-15D" */
    int32_t score_bp; /* how sure: 10000 certain (a deterministic rule) */
    int64_t value;    /* the rule's figure: days, age, units x 1e4 ... */
    int64_t limit;    /* the threshold it was compared with */
    /* the catalog's restriction kinds only (0 and -1 otherwise): the amount
     * at stake (the line's; units: the item's lines in the bill) and the
     * line of the other item of an exclusive pair */
    int64_t stake_fen;
    int32_t line_2;
};
/* A non-zero return stops the detector and is returned. */
typedef int (*det_emit)(void *ctx, const struct det_finding *f);

struct det_input {
    const struct det_person *person;
    const struct det_bill *bills; /* sorted by (begntime, endtime) */
    int32_t bill_count;
    det_item_cb item;
    void *item_ctx;
};

const char *det_kind_name(enum det_kind kind);
/* Whole days from the date of a to the date of b (b's date minus a's). */
int64_t det_days_between(datetime_s a, datetime_s b);
/* Full years of age on the date of t (0 if born after). */
int det_age_at(const struct det_person *p, datetime_s t);

int det_split_admission(const struct det_input *in, det_emit emit, void *ctx);
int det_overlapping_stays(const struct det_input *in, det_emit emit, void *ctx);
int det_visit_during_stay(const struct det_input *in, det_emit emit, void *ctx);
int det_restricted(const struct det_input *in, det_emit emit, void *ctx); /* gender and age */
int det_duplicate_charge(const struct det_input *in, det_emit emit, void *ctx);
int det_non_medical_goods(const struct det_input *in, det_emit emit, void *ctx);
int det_over_quantity(const struct det_input *in, det_emit emit, void *ctx);
/* Every bill kind above, in the order of enum det_kind. */
int det_person_all(const struct det_input *in, det_emit emit, void *ctx);

/* The catalog's other restrictions (levels, settings, units a day and a
 * bill, indications, exclusive pairs) over bill `bill` of the person, at
 * an institution of `level`: rs holds those restrictions as rules
 * (rules_add_catalog; its gender and age rules are not reported here:
 * det_restricted's kinds). One finding per kind, item and bill (a pair:
 * per pair and bill), at the first line breaking it, with the amount at
 * stake summed over the lines that break it. scratch[0..max) holds the rules'
 * violations; *need gets how many the bill has: when more than max,
 * nothing is emitted (the caller grows scratch and asks again). 0, or
 * emit's non-zero return. */
int det_catalog_restricted(const struct det_input *in, int32_t bill, enum level level,
                           const struct rule_set *rs, struct rule_violation *scratch, int32_t max,
                           int32_t *need, det_emit emit, void *ctx);

/* Whether a bill's lines count toward an item's usual quantity (and may be
 * flagged over it): outpatient, special outpatient and pharmacy bills; a
 * stay's lines scale with its nights. */
bool det_quantity_bill(enum med_type med_type);
/* The usual largest quantity of an item from its n lines' quantities
 * cnt[0..n) (sorted ascending by the caller): walking up from the median,
 * the last quantity before the first one more than DET_QTY_JUMP times the
 * one below it (the largest if none); 0 when n < DET_QTY_LINES_MIN. */
int64_t det_usual_quantity(const int64_t *cnt_scaled, int64_t n);

#endif
