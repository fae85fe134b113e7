/* detect.c: the detectors of the scans after settlement (detect.h). Each
 * looks at one person's settled bills of the year, sorted by admission
 * time, and reports what a supervisor's rule flags; the thresholds and the
 * reasons for them are in docs/SUPERVISION.md. Dates are civil dates: a
 * day "inside" a stay is strictly after the admission date and strictly
 * before the discharge date, as the ghost-bed (挂床) rule counts days. */
#include "detect.h"

#include <assert.h>
#include <string.h>

#define DAY_S 86400

static const char *const kind_names[DET_KIND_COUNT] = {
    "split_admission",      "overlapping_stays",     "visit_during_stay",
    "gender_restricted",    "age_restricted",        "duplicate_charge",
    "non_medical_goods",    "duplicate_enrolment",   "over_quantity",
    "substitution",         "level_restricted",      "setting_restricted",
    "units_day_restricted", "units_bill_restricted", "indication_restricted",
    "exclusive_restricted",
};

const char *det_kind_name(enum det_kind kind) {
    assert(kind >= 0 && kind < DET_KIND_COUNT);
    return kind_names[kind];
}

int64_t det_days_between(datetime_s a, datetime_s b) {
    assert(a >= 0 && b >= 0);
    return b / DAY_S - a / DAY_S;
}

static bool leap_year(int year) {
    assert(year > 0);
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int det_age_at(const struct det_person *p, datetime_s t) {
    assert(p != NULL && t >= 0);
    datetime_s birth = datetime_from_civil(p->birth_year, p->birth_month, p->birth_day, 0, 0, 0);
    int year = datetime_year(t);
    int age = year - p->birth_year;
    /* the birthday of this year not reached yet: a year younger. Born on
     * 29 February: that day in a leap year (a plant by other code than the
     * generator found the 28th taken in 2020 too), the 28th in a common one */
    datetime_s day_start = t - t % DAY_S;
    bool feb29 = p->birth_month == 2 && p->birth_day == 29;
    datetime_s birthday = datetime_from_civil(
        year, p->birth_month, feb29 && !leap_year(year) ? 28 : p->birth_day, 0, 0, 0);
    if (day_start < birthday) age--;
    return t < birth || age < 0 ? 0 : age;
}

static bool is_stay(const struct det_bill *b) {
    assert(b != NULL);
    return b->med_type == MED_TYPE_INPATIENT;
}

static struct det_finding finding(enum det_kind kind, int32_t a, int32_t b, int32_t line,
                                  const char *rule, int64_t value, int64_t limit) {
    struct det_finding f = {kind, a, b, line, rule, 10000, value, limit, 0, -1};
    assert(rule != NULL);
    return f;
}

/* 分解住院: a readmission to the same hospital with the same diagnosis on
 * a day 0..DET_SPLIT_DAYS_MAX after the discharge date of the latest
 * earlier stay there with that diagnosis. A later part of a stay settled
 * in parts begins exactly when the part before ended: not a readmission. */
int det_split_admission(const struct det_input *in, det_emit emit, void *ctx) {
    assert(in != NULL && emit != NULL);
    for (int32_t j = 0; j < in->bill_count; j++) {
        const struct det_bill *r = &in->bills[j];
        int32_t prev = -1;
        if (!is_stay(r)) continue;
        for (int32_t i = 0; i < in->bill_count; i++) {
            const struct det_bill *s = &in->bills[i];
            if (i == j || !is_stay(s) || s->endtime >= r->begntime ||
                strcmp(s->fixmedins_code, r->fixmedins_code) != 0 ||
                strcmp(s->dise_codg, r->dise_codg) != 0)
                continue;
            if (prev < 0 || s->endtime > in->bills[prev].endtime) prev = i;
        }
        if (prev < 0) continue;
        int64_t days = det_days_between(in->bills[prev].endtime, r->begntime);
        if (days > DET_SPLIT_DAYS_MAX) continue;
        struct det_finding f = finding(DET_SPLIT_ADMISSION, prev, j, -1, "SPLIT-15D", days,
                                       DET_SPLIT_DAYS_MAX);
        int rc = emit(ctx, &f);
        if (rc != 0) return rc;
    }
    return 0;
}

/* Two stays of one person at the same time: one begins before the other
 * ends (a stay that begins when another ends is its next part). Named in
 * discharge order: the stay that ended first, then the one still open. */
int det_overlapping_stays(const struct det_input *in, det_emit emit, void *ctx) {
    assert(in != NULL && emit != NULL);
    for (int32_t i = 0; i < in->bill_count; i++) {
        const struct det_bill *a = &in->bills[i];
        if (!is_stay(a)) continue;
        for (int32_t j = i + 1; j < in->bill_count && in->bills[j].begntime < a->endtime; j++) {
            const struct det_bill *b = &in->bills[j];
            if (!is_stay(b) || b->endtime <= a->begntime) continue;
            bool a_first = a->endtime <= b->endtime;
            int64_t days = det_days_between(b->begntime, a_first ? a->endtime : b->endtime);
            struct det_finding f = finding(DET_OVERLAPPING_STAYS, a_first ? i : j, a_first ? j : i,
                                           -1, "STAY-OVERLAP", days, 0);
            int rc = emit(ctx, &f);
            if (rc != 0) return rc;
        }
    }
    return 0;
}

/* The hospitalisation stay i belongs to: a stay settled in parts (a
 * mid-stay settlement, or a transfer the minute of the discharge) is one
 * bill a part, each part beginning when the one before ended; the patient
 * was in bed from the first part's admission to the last part's discharge.
 * *from and *to get those two times. The walk is bounded by the bills (a
 * zero-length part cannot make it loop). */
static void stay_span(const struct det_input *in, int32_t i, datetime_s *from, datetime_s *to) {
    assert(in != NULL && i >= 0 && i < in->bill_count && from != NULL && to != NULL);
    *from = in->bills[i].begntime, *to = in->bills[i].endtime;
    for (int32_t step = 0, moved = 1; moved && step < in->bill_count; step++) {
        moved = 0;
        for (int32_t j = 0; j < in->bill_count; j++) {
            const struct det_bill *p = &in->bills[j];
            if (!is_stay(p) || p->begntime >= p->endtime) continue;
            if (p->endtime == *from) *from = p->begntime, moved = 1;
            if (p->begntime == *to) *to = p->endtime, moved = 1;
        }
    }
}

/* The stay a visit v falls strictly inside (days after the admission date,
 * before the discharge date, of the hospitalisation it is part of), or -1:
 * of several, the one admitted last before the visit ended (with parts:
 * the part the patient was in). */
static int32_t stay_around(const struct det_input *in, const struct det_bill *v) {
    int32_t best = -1;
    assert(in != NULL && v != NULL);
    for (int32_t i = 0; i < in->bill_count; i++) {
        const struct det_bill *s = &in->bills[i];
        datetime_s from, to;
        if (!is_stay(s) || s->begntime > v->endtime) continue;
        stay_span(in, i, &from, &to);
        if (det_days_between(from, v->endtime) < 1 || det_days_between(v->endtime, to) < 1)
            continue;
        if (best < 0 || s->begntime > in->bills[best].begntime ||
            (s->begntime == in->bills[best].begntime && s->endtime > in->bills[best].endtime))
            best = i;
    }
    return best;
}

/* 挂床: a general outpatient or pharmacy settlement on a day strictly
 * inside a stay (a stay settled in parts counted whole: a visit on the day
 * its part changes is inside it). One finding a visit, with the stay the person was last
 * admitted to (the one that should have kept them in bed). */
int det_visit_during_stay(const struct det_input *in, det_emit emit, void *ctx) {
    assert(in != NULL && emit != NULL);
    for (int32_t j = 0; j < in->bill_count; j++) {
        const struct det_bill *v = &in->bills[j];
        if (v->med_type != MED_TYPE_GENERAL_OUTPATIENT && v->med_type != MED_TYPE_PHARMACY)
            continue;
        int32_t i = stay_around(in, v);
        if (i < 0) continue;
        datetime_s from, to; /* the hospitalisation's, over its parts */
        stay_span(in, i, &from, &to);
        struct det_finding f = finding(DET_VISIT_DURING_STAY, i, j, -1, "VISIT-IN-STAY",
                                       det_days_between(from, v->endtime),
                                       det_days_between(from, to));
        int rc = emit(ctx, &f);
        if (rc != 0) return rc;
    }
    return 0;
}

/* Whether line k of bill b repeats the item of an earlier line of b (one
 * finding per item and bill). */
static bool item_seen(const struct det_bill *b, int32_t k) {
    assert(b != NULL && k < b->line_count);
    for (int32_t i = 0; i < k; i++)
        if (strcmp(b->lines[i].med_list_codg, b->lines[k].med_list_codg) == 0) return true;
    return false;
}

static int restricted_line(const struct det_input *in, int32_t i, int32_t k, det_emit emit,
                           void *ctx) {
    const struct det_bill *b = &in->bills[i];
    struct det_item item = {false, 0, 0, -1, 0};
    int rc = 0;
    assert(in != NULL && k >= 0 && k < b->line_count);
    in->item(in->item_ctx, b->lines[k].med_list_codg, &item);
    if (item.gender != 0 && in->person->gender != 0 && item.gender != in->person->gender) {
        struct det_finding f = finding(DET_GENDER_RESTRICTED, i, -1, k, "RESTRICT-GENDER",
                                       in->person->gender, item.gender);
        rc = emit(ctx, &f);
    }
    /* an unknown birth date (0) checks no age */
    int age = in->person->birth_year > 0 ? det_age_at(in->person, b->endtime) : -1;
    if (rc == 0 && age >= 0 && item.age_max >= 0 && (age < item.age_min || age > item.age_max)) {
        struct det_finding f = finding(DET_AGE_RESTRICTED, i, -1, k, "RESTRICT-AGE", age,
                                       age < item.age_min ? item.age_min : item.age_max);
        rc = emit(ctx, &f);
    }
    return rc;
}

/* The catalog's `restrict` against the registry's gender and the age on
 * the bill's end date. */
int det_restricted(const struct det_input *in, det_emit emit, void *ctx) {
    assert(in != NULL && emit != NULL && in->item != NULL);
    for (int32_t i = 0; i < in->bill_count; i++)
        for (int32_t k = 0; k < in->bills[i].line_count; k++) {
            if (item_seen(&in->bills[i], k)) continue;
            int rc = restricted_line(in, i, k, emit, ctx);
            if (rc != 0) return rc;
        }
    return 0;
}

/* The first line of bill a charged again in bill b (same code, units and
 * price), or -1. */
static int32_t line_again(const struct det_bill *a, const struct det_bill *b) {
    assert(a != NULL && b != NULL);
    for (int32_t k = 0; k < a->line_count; k++)
        for (int32_t m = 0; m < b->line_count; m++)
            if (a->lines[k].cnt_scaled == b->lines[m].cnt_scaled &&
                a->lines[k].pric_scaled == b->lines[m].pric_scaled &&
                strcmp(a->lines[k].med_list_codg, b->lines[m].med_list_codg) == 0)
                return k;
    return -1;
}

/* The same line (code, units, price) in two outpatient or pharmacy bills
 * of one institution ending the same day. Stays are left out: a stay's
 * parts list the same daily items on purpose. */
int det_duplicate_charge(const struct det_input *in, det_emit emit, void *ctx) {
    assert(in != NULL && emit != NULL);
    for (int32_t i = 0; i < in->bill_count; i++) {
        const struct det_bill *a = &in->bills[i];
        if (is_stay(a)) continue;
        for (int32_t j = i + 1; j < in->bill_count; j++) {
            const struct det_bill *b = &in->bills[j];
            if (is_stay(b) || det_days_between(a->endtime, b->endtime) != 0 ||
                strcmp(a->fixmedins_code, b->fixmedins_code) != 0)
                continue;
            int32_t k = line_again(a, b);
            if (k < 0) continue;
            struct det_finding f = finding(DET_DUPLICATE_CHARGE, i, j, k, "CHARGE-TWICE-DAY",
                                           a->lines[k].amount_fen, 0);
            int rc = emit(ctx, &f);
            if (rc != 0) return rc;
        }
    }
    return 0;
}

/* A pharmacy line of a code the medical list does not have: daily goods
 * sold on the card (a one-vote veto in Liaoyang's rules). */
int det_non_medical_goods(const struct det_input *in, det_emit emit, void *ctx) {
    assert(in != NULL && emit != NULL && in->item != NULL);
    for (int32_t i = 0; i < in->bill_count; i++) {
        const struct det_bill *b = &in->bills[i];
        if (b->med_type != MED_TYPE_PHARMACY) continue;
        for (int32_t k = 0; k < b->line_count; k++) {
            struct det_item item = {false, 0, 0, -1, 0};
            if (item_seen(b, k)) continue;
            in->item(in->item_ctx, b->lines[k].med_list_codg, &item);
            if (item.in_catalog) continue;
            struct det_finding f = finding(DET_NON_MEDICAL_GOODS, i, -1, k, "PHARMACY-NOT-LISTED",
                                           b->lines[k].amount_fen, 0);
            int rc = emit(ctx, &f);
            if (rc != 0) return rc;
        }
    }
    return 0;
}

/* A line of an outpatient or pharmacy bill with more than DET_QTY_FACTOR
 * times its item's usual largest quantity. Scored by how far above. */
int det_over_quantity(const struct det_input *in, det_emit emit, void *ctx) {
    assert(in != NULL && emit != NULL && in->item != NULL);
    for (int32_t i = 0; i < in->bill_count; i++) {
        const struct det_bill *b = &in->bills[i];
        if (!det_quantity_bill(b->med_type)) continue;
        for (int32_t k = 0; k < b->line_count; k++) {
            struct det_item item = {false, 0, 0, -1, 0};
            in->item(in->item_ctx, b->lines[k].med_list_codg, &item);
            int64_t limit = item.usual_cnt_scaled * DET_QTY_FACTOR;
            if (item.usual_cnt_scaled <= 0 || b->lines[k].cnt_scaled <= limit) continue;
            struct det_finding f = finding(DET_OVER_QUANTITY, i, -1, k, "QTY-5X-USUAL",
                                           b->lines[k].cnt_scaled, item.usual_cnt_scaled);
            /* 5x the usual scores 0.5, 10x and more 1.0 */
            int64_t ratio_bp = b->lines[k].cnt_scaled * 1000 / item.usual_cnt_scaled;
            f.score_bp = (int32_t)(ratio_bp >= 10000 ? 10000 : ratio_bp);
            int rc = emit(ctx, &f);
            if (rc != 0) return rc;
        }
    }
    return 0;
}

int det_person_all(const struct det_input *in, det_emit emit, void *ctx) {
    int (*const kinds[])(const struct det_input *, det_emit, void *) = {
        det_split_admission,  det_overlapping_stays, det_visit_during_stay, det_restricted,
        det_duplicate_charge, det_non_medical_goods, det_over_quantity,
    };
    assert(in != NULL && emit != NULL);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        int rc = kinds[k](in, emit, ctx);
        if (rc != 0) return rc;
    }
    return 0;
}

bool det_quantity_bill(enum med_type med_type) {
    assert(med_type == MED_TYPE_INVALID || med_type > 0);
    return med_type == MED_TYPE_GENERAL_OUTPATIENT || med_type == MED_TYPE_SPECIAL_OUTPATIENT ||
           med_type == MED_TYPE_PHARMACY;
}

int64_t det_usual_quantity(const int64_t *cnt_scaled, int64_t n) {
    assert(n >= 0 && (n == 0 || cnt_scaled != NULL));
    if (n < DET_QTY_LINES_MIN) return 0;
    assert(cnt_scaled[0] <= cnt_scaled[n - 1]); /* sorted by the caller */
    /* from the median up, while each quantity is within DET_QTY_JUMP times
     * the one below: ordinary prescriptions are dense up to the usual
     * largest, an extreme line (or a handful of them) stands apart */
    int64_t i = n / 2 > 0 ? n / 2 - 1 : 0;
    while (i + 1 < n && cnt_scaled[i + 1] <= DET_QTY_JUMP * cnt_scaled[i]) i++;
    return cnt_scaled[i];
}
