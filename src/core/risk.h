/* risk.h: institution indicators and the risk score (issue 18, items 3
 * and 6; docs/SUPERVISION.md "Indicators and the risk ranking"). Pure
 * arithmetic over figures the application gathered from settlements, fee
 * lines, the registry, the catalog and the scan's findings: each score is
 * a sum of named terms, each term the points one indicator earned, so an
 * inspector sees why an institution or a person ranks where it does.
 * Money in fen, shares and ratios in basis points, points integers. */
#ifndef YIBAO_CORE_RISK_H
#define YIBAO_CORE_RISK_H

#include <stdbool.h>
#include <stdint.h>

#include "detect.h"

/* A rate term counts only over at least this many cases (its denominator):
 * one flagged bill out of three says little. */
#define RISK_CASES_MIN 20
/* Pharmacies a person visits in a year without it being remarkable. */
#define RISK_PHARMACIES_USUAL 3

/* The weights: a per-unit term earns WEIGHT points per unit; a rate term
 * earns WEIGHT points per 100 % (10000 bp) above its peers' median, none
 * at or below it. The values and why are in docs/SUPERVISION.md. */
#define RISK_W_FLAGGED_BILL 100      /* per bill named by a finding of the scan */
#define RISK_W_FLAGGED_SHARE 1000    /* the share of bills named by findings */
#define RISK_W_COST_INDEX 1000       /* cost per case against the level's medians */
#define RISK_W_READMISSION 2000      /* stays that are readmissions within 15 days */
#define RISK_W_CLASS_C 1000          /* class C (self-pay) share of line amounts */
#define RISK_W_NON_MEDICAL 2000      /* a pharmacy's share of amounts off the list */
#define RISK_W_PERSON_FINDING 100    /* per finding naming the person */
#define RISK_W_PERSON_STAY_VISIT 100 /* per visit during a stay, on top */
#define RISK_W_PERSON_PHARMACY 50    /* per pharmacy above RISK_PHARMACIES_USUAL */
#define RISK_FEN_PER_POINT 10000     /* amount at stake: a point per 100 yuan */

/* med_type 11, 14, 21, 41 as indexes 0..3 (-1 for anything else). */
enum { RISK_MED_TYPES = 4 };
int risk_med_index(enum med_type med_type);

/* What the application gathered for one institution over the period. */
struct risk_inst {
    int64_t cases;                         /* settlements (bills) */
    int64_t cost_fen;                      /* Σ line amounts */
    int64_t fund_paid_fen;                 /* Σ fund_pay_sumamt */
    int64_t cases_mt[RISK_MED_TYPES];      /* by med_type */
    int64_t cost_mt_fen[RISK_MED_TYPES];   /* by med_type */
    int64_t stays, readmissions;           /* inpatient admissions; those within 15 days */
    int64_t class_c_fen;                   /* lines of class C items */
    int64_t pharmacy_fen, non_medical_fen; /* pharmacy (41) lines; those off the list */
    int64_t flagged_bills;                 /* bills named by at least one finding */
    int64_t findings, at_stake_fen;        /* findings naming its bills; their amounts */
};

/* The institution's peers (same type and level): medians over the peers
 * with at least RISK_CASES_MIN cases in the figure's denominator. */
struct risk_peer {
    int64_t cost_per_case_fen[RISK_MED_TYPES]; /* 0: no peer median */
    int64_t flagged_share_bp, readmission_bp, class_c_bp, non_medical_bp;
};

enum risk_term {
    RISK_T_FLAGGED_BILLS = 0,
    RISK_T_FLAGGED_SHARE,
    RISK_T_COST_INDEX,
    RISK_T_READMISSION,
    RISK_T_CLASS_C,
    RISK_T_NON_MEDICAL,
    RISK_TERM_COUNT,
};

enum risk_person_term {
    RISK_P_FINDINGS = 0,
    RISK_P_AT_STAKE,
    RISK_P_STAY_VISITS,
    RISK_P_PHARMACIES,
    RISK_P_TERM_COUNT,
};

/* One term: the indicator's value, what it was compared with, the points. */
struct risk_term_value {
    int64_t value, peer, points;
    bool counted; /* false: too few cases for a rate */
};

struct risk_score {
    int64_t points;
    struct risk_term_value terms[RISK_TERM_COUNT];
};

struct risk_person {
    int64_t bills, findings, at_stake_fen, stay_visits, pharmacies;
};

struct risk_person_score {
    int64_t points;
    struct risk_term_value terms[RISK_P_TERM_COUNT];
};

const char *risk_term_name(enum risk_term t);
const char *risk_person_term_name(enum risk_person_term t);
int64_t risk_term_weight(enum risk_term t);

/* num / den in basis points, rounded down; 0 when den <= 0. */
int64_t risk_share_bp(int64_t num, int64_t den);
/* The cost index: the institution's cost over what its cases would cost at
 * its peers' median cost per case of each med_type (bp; 10000 = as its
 * peers; 0 when no med_type of its has a peer median). */
int64_t risk_cost_index_bp(const struct risk_inst *in, const struct risk_peer *peer);
void risk_score_inst(const struct risk_inst *in, const struct risk_peer *peer,
                     struct risk_score *out);
void risk_score_person(const struct risk_person *in, struct risk_person_score *out);

/* Which of a person's bills (sorted by begntime, as det_input's) are
 * inpatient admissions and which of those readmissions to the same
 * institution 0..DET_SPLIT_DAYS_MAX days (by date) after the discharge of
 * an earlier stay there, whatever the diagnosis; a stay's next part (it
 * begins when the part before ended) is neither. admission/readmission:
 * n flags each, written. */
void risk_readmissions(const struct det_bill *bills, int32_t n, bool *admission, bool *readmission);

/* The median of v[0..n) (sorted ascending by the caller): the lower middle
 * value; 0 when n == 0. */
int64_t risk_median(const int64_t *v, int64_t n);

#endif
