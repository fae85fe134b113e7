/* risk.c: institution indicators' arithmetic and the risk score (risk.h).
 *
 * Why terms and not a model: an inspector must be able to say why an
 * institution is at the top (so many bills named by findings, costs so far
 * above its level's), and an institution must be able to contest each
 * part. Each term is an integer number of points: a count times a weight,
 * or a rate's excess over the peers' median times a weight per 100 %. */
#include "risk.h"

#include <assert.h>
#include <string.h>

int risk_med_index(enum med_type med_type) {
    switch (med_type) {
    case MED_TYPE_GENERAL_OUTPATIENT: return 0;
    case MED_TYPE_SPECIAL_OUTPATIENT: return 1;
    case MED_TYPE_INPATIENT: return 2;
    case MED_TYPE_PHARMACY: return 3;
    default: return -1;
    }
}

const char *risk_term_name(enum risk_term t) {
    static const char *const names[RISK_TERM_COUNT] = {
        "flagged_bills", "flagged_share", "cost_index", "readmission", "class_c", "non_medical",
    };
    assert(t >= 0 && t < RISK_TERM_COUNT);
    return names[t];
}

const char *risk_person_term_name(enum risk_person_term t) {
    static const char *const names[RISK_P_TERM_COUNT] = {
        "findings",
        "at_stake",
        "stay_visits",
        "pharmacies",
    };
    assert(t >= 0 && t < RISK_P_TERM_COUNT);
    return names[t];
}

int64_t risk_term_weight(enum risk_term t) {
    static const int64_t weights[RISK_TERM_COUNT] = {
        RISK_W_FLAGGED_BILL, RISK_W_FLAGGED_SHARE, RISK_W_COST_INDEX,
        RISK_W_READMISSION,  RISK_W_CLASS_C,       RISK_W_NON_MEDICAL,
    };
    assert(t >= 0 && t < RISK_TERM_COUNT);
    return weights[t];
}

int64_t risk_share_bp(int64_t num, int64_t den) {
    assert(num >= 0);
    if (den <= 0) return 0;
    /* num x 10000 fits: the figures are fen sums of one region's year */
    return (int64_t)(((__int128)num * 10000) / den);
}

int64_t risk_cost_index_bp(const struct risk_inst *in, const struct risk_peer *peer) {
    __int128 actual = 0, expected = 0;
    assert(in != NULL && peer != NULL);
    for (int m = 0; m < RISK_MED_TYPES; m++) {
        if (peer->cost_per_case_fen[m] <= 0 || in->cases_mt[m] <= 0) continue;
        actual += in->cost_mt_fen[m];
        expected += (__int128)in->cases_mt[m] * peer->cost_per_case_fen[m];
    }
    return expected > 0 ? (int64_t)(actual * 10000 / expected) : 0;
}

/* A rate term: points for the excess over the peers, when counted. */
static struct risk_term_value rate_term(int64_t value_bp, int64_t peer_bp, int64_t den,
                                        int64_t weight) {
    struct risk_term_value t = {value_bp, peer_bp, 0, den >= RISK_CASES_MIN};
    assert(value_bp >= 0 && weight >= 0);
    if (t.counted && value_bp > peer_bp) t.points = (value_bp - peer_bp) * weight / 10000;
    return t;
}

void risk_score_inst(const struct risk_inst *in, const struct risk_peer *peer,
                     struct risk_score *out) {
    assert(in != NULL && peer != NULL && out != NULL);
    struct risk_term_value *t = out->terms;
    t[RISK_T_FLAGGED_BILLS] = (struct risk_term_value){
        in->flagged_bills, 0, in->flagged_bills * RISK_W_FLAGGED_BILL, true};
    t[RISK_T_FLAGGED_SHARE] = rate_term(risk_share_bp(in->flagged_bills, in->cases),
                                        peer->flagged_share_bp, in->cases, RISK_W_FLAGGED_SHARE);
    t[RISK_T_COST_INDEX] = rate_term(risk_cost_index_bp(in, peer), 10000, in->cases,
                                     RISK_W_COST_INDEX);
    t[RISK_T_READMISSION] = rate_term(risk_share_bp(in->readmissions, in->stays),
                                      peer->readmission_bp, in->stays, RISK_W_READMISSION);
    t[RISK_T_CLASS_C] = rate_term(risk_share_bp(in->class_c_fen, in->cost_fen), peer->class_c_bp,
                                  in->cases, RISK_W_CLASS_C);
    t[RISK_T_NON_MEDICAL] = rate_term(risk_share_bp(in->non_medical_fen, in->pharmacy_fen),
                                      peer->non_medical_bp, in->cases_mt[3], RISK_W_NON_MEDICAL);
    out->points = 0;
    for (int i = 0; i < RISK_TERM_COUNT; i++) out->points += t[i].points;
}

void risk_score_person(const struct risk_person *in, struct risk_person_score *out) {
    assert(in != NULL && out != NULL);
    struct risk_term_value *t = out->terms;
    int64_t extra = in->pharmacies > RISK_PHARMACIES_USUAL ? in->pharmacies - RISK_PHARMACIES_USUAL
                                                           : 0;
    t[RISK_P_FINDINGS] = (struct risk_term_value){in->findings, 0,
                                                  in->findings * RISK_W_PERSON_FINDING, true};
    t[RISK_P_AT_STAKE] = (struct risk_term_value){in->at_stake_fen, 0,
                                                  in->at_stake_fen / RISK_FEN_PER_POINT, true};
    t[RISK_P_STAY_VISITS] = (struct risk_term_value){
        in->stay_visits, 0, in->stay_visits * RISK_W_PERSON_STAY_VISIT, true};
    t[RISK_P_PHARMACIES] = (struct risk_term_value){in->pharmacies, RISK_PHARMACIES_USUAL,
                                                    extra * RISK_W_PERSON_PHARMACY, true};
    out->points = 0;
    for (int i = 0; i < RISK_P_TERM_COUNT; i++) out->points += t[i].points;
}

void risk_readmissions(const struct det_bill *bills, int32_t n, bool *admission,
                       bool *readmission) {
    assert((bills != NULL && admission != NULL && readmission != NULL) || n == 0);
    for (int32_t i = 0; i < n; i++) {
        admission[i] = readmission[i] = false;
        if (bills[i].med_type != MED_TYPE_INPATIENT) continue;
        bool continued = false;
        int32_t latest = -1; /* the latest earlier stay there, by discharge */
        for (int32_t j = 0; j < i; j++) {
            if (bills[j].med_type != MED_TYPE_INPATIENT ||
                strcmp(bills[j].fixmedins_code, bills[i].fixmedins_code) != 0)
                continue;
            if (bills[j].endtime == bills[i].begntime) continued = true;
            if (bills[j].endtime <= bills[i].begntime &&
                (latest < 0 || bills[j].endtime > bills[latest].endtime))
                latest = j;
        }
        if (continued) continue;
        admission[i] = true;
        if (latest < 0) continue;
        int64_t days = det_days_between(bills[latest].endtime, bills[i].begntime);
        readmission[i] = days >= 0 && days <= DET_SPLIT_DAYS_MAX;
    }
}

int64_t risk_median(const int64_t *v, int64_t n) {
    assert(v != NULL || n == 0);
    return n > 0 ? v[(n - 1) / 2] : 0;
}
