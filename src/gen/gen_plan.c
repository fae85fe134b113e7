/* gen_plan.c: a person's year, as a list of events (bills before their
 * lines are drawn) and the labels of what was planted in it.
 *
 * Order matters and is fixed: chronic diseases, inpatient stays (no two
 * overlap, at least STAY_GAP_DAYS apart), planted stays (split admissions,
 * overlapping stays), then special-disease, general outpatient and pharmacy
 * visits on days that are free (never during a stay, one a day), then the
 * plants that ride on existing bills. Everything is drawn from the person's
 * own stream, so the plan is the same each time it is recomputed. */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "core/catalog.h"
#include "gen/gen_internal.h"

#define ADMISSIONS_MAX 12
#define STAY_GAP_DAYS 16 /* ordinary stays: no readmission within 15 days */
#define STAY_NIGHTS_MAX 90
#define OUTPATIENT_VISITS_MAX 150
#define PHARMACY_VISITS_MAX 60
#define SPECIAL_VISITS_MAX 160
#define FRAILTY_SIGMA 0.7
#define OUT_OF_AREA_INPATIENT_PPM 80000u
#define OUT_OF_AREA_OUTPATIENT_PPM 25000u
#define FILED_INPATIENT_PPM 600000u
#define FILED_OUTPATIENT_PPM 300000u
#define EMPLOYEE_ACCT_PPM 900000u
#define EMPLOYEE_ACCT_PHARMACY_PPM 980000u
#define EMPLOYEE_PHARMACY_PER_YEAR 4.5
#define RESIDENT_PHARMACY_PER_YEAR 0.6
#define DX_TRIES 16

/* Admissions by level: township, level1, level2, level3 (per cent). */
static const uint32_t inpatient_level_weights[4] = {25, 12, 38, 25};
static const uint32_t outpatient_level_weights[4] = {45, 25, 20, 10};
static const double inpatient_cost_median[4] = {3000.0, 5000.0, 9000.0, 20000.0};
static const double inpatient_nights_median[4] = {5.0, 6.0, 7.0, 9.0};
static const double outpatient_cost_median[4] = {45.0, 70.0, 150.0, 250.0};
#define INPATIENT_COST_SIGMA 0.85
#define OUTPATIENT_COST_SIGMA 0.7
#define PHARMACY_COST_MEDIAN 60.0
#define PHARMACY_COST_SIGMA 0.8

double gen_admission_rel(int32_t age, char gend) {
    if (age < 5) return 0.9;
    if (age < 15) return 0.35;
    if (age < 20) return 0.4;
    if (age < 40) return gend == '2' ? 1.1 : 0.45; /* deliveries */
    if (age < 50) return 0.7;
    if (age < 60) return 1.0;
    if (age < 70) return 1.6;
    if (age < 80) return 2.4;
    return 3.0;
}

double gen_outpatient_rel(int32_t age) {
    if (age < 5) return 1.6;
    if (age < 15) return 0.9;
    if (age < 40) return 0.7;
    if (age < 60) return 1.0;
    return 1.5;
}

/* --- small helpers ------------------------------------------------------ */

struct planner {
    const struct gen_city *city;
    struct gen_plan *plan;
    struct gen_rng rng;
    double frailty;
    int64_t birth_rel; /* birth day relative to 1 January */
    uint8_t disease[2];
    int disease_count;
};

static bool day_busy(const struct gen_plan *plan, int64_t day) {
    return (plan->busy[day / 64] >> (day % 64)) & 1u;
}

static void mark_busy(struct planner *pl, int64_t from, int64_t to) {
    if (from < 0) from = 0;
    if (to > pl->city->days_in_year - 1) to = pl->city->days_in_year - 1;
    for (int64_t d = from; d <= to; d++) pl->plan->busy[d / 64] |= (uint64_t)1 << (d % 64);
}

static datetime_s at(const struct planner *pl, int64_t day, int64_t secs) {
    return (pl->city->year_day0 + day) * GEN_DAY_S + secs;
}

static int64_t day_of(const struct planner *pl, datetime_s t) {
    return t / GEN_DAY_S - pl->city->year_day0;
}

static struct gen_event *add_event(struct planner *pl, uint8_t med_type) {
    struct gen_plan *plan = pl->plan;
    if (plan->event_count >= GEN_PERSON_EVENTS_MAX) return NULL;
    struct gen_event *ev = &plan->events[plan->event_count];
    memset(ev, 0, sizeof *ev);
    ev->seq = (uint16_t)plan->event_count;
    ev->line_seq = ev->seq;
    ev->psn_index = (int32_t)plan->person.index;
    ev->med_type = med_type;
    ev->disease = GEN_NO_DISEASE;
    ev->plant_item = -1;
    ev->gend = (uint8_t)(plan->person.gend - '0');
    ev->age = (uint8_t)plan->person.age;
    plan->event_count++;
    return ev;
}

static struct gen_label *add_label(struct planner *pl, enum gen_plant_kind kind, uint16_t a,
                                   int b) {
    struct gen_plan *plan = pl->plan;
    if (plan->label_count >= GEN_PERSON_LABELS_MAX) return NULL;
    struct gen_label *label = &plan->labels[plan->label_count++];
    memset(label, 0, sizeof *label);
    label->kind = (uint8_t)kind;
    label->event[0] = a;
    label->event_count = 1;
    if (b >= 0) {
        label->event[1] = (uint16_t)b;
        label->event_count = 2;
    }
    label->item = -1;
    label->age_min = label->age_max = -1;
    return label;
}

static uint16_t pick_dx(struct planner *pl, const struct gen_dx *table, int count) {
    const struct gen_person *p = &pl->plan->person;
    uint64_t total = 0;
    for (int i = 0; i < count; i++) total += table[i].weight;
    for (int t = 0; t < DX_TRIES; t++) {
        uint64_t x = gen_rng_below(&pl->rng, total);
        int i = 0;
        while (x >= table[i].weight) x -= table[i++].weight;
        const struct gen_dx *dx = &table[i];
        if (p->age < dx->age_min || p->age > dx->age_max) continue;
        if (dx->gender && dx->gender != (uint8_t)(p->gend - '0')) continue;
        return (uint16_t)i;
    }
    return 0;
}

static int64_t yuan_to_fen(double yuan) {
    if (yuan < 0.01) yuan = 0.01;
    if (yuan > 5e7) yuan = 5e7;
    return (int64_t)(yuan * 100.0 + 0.5);
}

static void set_acct(struct planner *pl, struct gen_event *ev, uint32_t ppm) {
    if (pl->plan->person.person.insutype == 310 && gen_rng_chance_ppm(&pl->rng, ppm))
        ev->flags |= GEN_EV_ACCT_USED;
}

/* A free day near `want` (forwards then backwards), or -1. */
static int64_t free_day_near(const struct planner *pl, int64_t want) {
    int64_t last = pl->city->days_in_year - 1;
    int64_t first = pl->birth_rel > 0 ? pl->birth_rel : 0;
    for (int64_t k = 0; k <= last; k++) {
        int64_t a = want + k, b = want - k;
        if (a >= first && a <= last && !day_busy(pl->plan, a)) return a;
        if (b >= first && b <= last && !day_busy(pl->plan, b)) return b;
        if (a > last && b < first) break;
    }
    return -1;
}

/* --- chronic diseases --------------------------------------------------- */

static void plan_diseases(struct planner *pl) {
    const struct gen_city *city = pl->city;
    const struct gen_person *p = &pl->plan->person;
    uint32_t scheme = p->person.insutype == 310 ? GEN_SCHEME_EMPLOYEE : GEN_SCHEME_RESIDENT;
    pl->disease_count = 0;
    for (int d = 0; d < city->set->disease_count && pl->disease_count < 2; d++) {
        const struct gen_disease_profile *prof = city->disease[d];
        if (!prof || !(city->set->diseases[d].schemes & scheme) || p->age < prof->age_min) continue;
        double factor = (double)(p->age - prof->age_min + 1) / (double)(60 - prof->age_min + 1);
        if (factor > 1.6) factor = 1.6;
        uint32_t ppm = (uint32_t)(prof->ppm_at_60 * factor);
        if (gen_rng_chance_ppm(&pl->rng, ppm)) pl->disease[pl->disease_count++] = (uint8_t)d;
    }
}

/* --- inpatient stays ---------------------------------------------------- */

struct stay {
    int64_t adm, dis; /* days relative to 1 January */
    int64_t nights;
    uint16_t dx;
    int level;
    bool out_of_area;
    double cost_yuan;
};

static void draw_stay(struct planner *pl, struct stay *s) {
    s->dx = pick_dx(pl, gen_dx_inpatient, gen_dx_inpatient_count);
    s->level = gen_rng_weighted(&pl->rng, inpatient_level_weights, 4);
    if (s->level < gen_dx_inpatient[s->dx].level_min) s->level = gen_dx_inpatient[s->dx].level_min;
    s->out_of_area = gen_rng_chance_ppm(&pl->rng, OUT_OF_AREA_INPATIENT_PPM);
    if (s->out_of_area) s->level = LEVEL_3;
    double z = gen_rng_normal(&pl->rng);
    double z2 = 0.7 * z + 0.714 * gen_rng_normal(&pl->rng);
    s->cost_yuan = inpatient_cost_median[s->level] * exp(INPATIENT_COST_SIGMA * z);
    double nights = inpatient_nights_median[s->level] * exp(0.45 * z2);
    s->nights = (int64_t)(nights + 0.5);
    if (s->nights < 1) s->nights = 1;
    if (s->nights > STAY_NIGHTS_MAX) s->nights = STAY_NIGHTS_MAX;
    s->dis = gen_rng_range(&pl->rng, 0, pl->city->days_in_year - 1);
    s->adm = s->dis - s->nights;
}

static struct gen_event *add_stay_event(struct planner *pl, const struct stay *s, int32_t inst) {
    struct gen_event *ev = add_event(pl, MED_TYPE_INPATIENT);
    if (!ev) return NULL;
    ev->inst_index = inst;
    ev->dx = s->dx;
    ev->stay_nights = (uint16_t)s->nights;
    ev->begntime = at(pl, s->adm, gen_rng_range(&pl->rng, 8 * 3600, 21 * 3600 + 59 * 60) / 60 * 60);
    ev->endtime = at(pl, s->dis, gen_rng_range(&pl->rng, 9 * 3600, 11 * 3600 + 59 * 60) / 60 * 60);
    ev->target_fen = yuan_to_fen(s->cost_yuan);
    double lines = 5.0 + (double)s->nights * 2.0 * (0.6 + 0.8 * gen_rng_uniform(&pl->rng));
    ev->line_count = (uint8_t)(lines > 60.0 ? 60 : (int)lines);
    if (s->out_of_area) {
        ev->flags |= GEN_EV_OUT_OF_AREA;
        if (gen_rng_chance_ppm(&pl->rng, FILED_INPATIENT_PPM)) ev->flags |= GEN_EV_FILED;
    }
    set_acct(pl, ev, EMPLOYEE_ACCT_PPM);
    mark_busy(pl, s->adm, s->dis);
    return ev;
}

static int32_t stay_institution(struct planner *pl, const struct stay *s) {
    enum gen_inst_kind kind = s->out_of_area ? GEN_IK_OUT_OF_AREA : (enum gen_inst_kind)s->level;
    return gen_pick_institution(pl->city, &pl->rng, kind, pl->plan->person.district);
}

static void plan_stays(struct planner *pl) {
    const struct gen_person *p = &pl->plan->person;
    double mean = pl->city->admission_scale * gen_admission_rel(p->age, p->gend) * pl->frailty;
    uint32_t n = gen_rng_poisson(&pl->rng, mean);
    if (n > ADMISSIONS_MAX) n = ADMISSIONS_MAX;
    struct stay stays[ADMISSIONS_MAX];
    for (uint32_t i = 0; i < n; i++) draw_stay(pl, &stays[i]);
    for (uint32_t i = 1; i < n; i++) /* by discharge day */
        for (uint32_t j = i; j > 0 && stays[j - 1].dis > stays[j].dis; j--) {
            struct stay t = stays[j];
            stays[j] = stays[j - 1];
            stays[j - 1] = t;
        }
    int64_t prev_dis = -1000000;
    for (uint32_t i = 0; i < n; i++) {
        struct stay *s = &stays[i];
        if (s->adm < prev_dis + STAY_GAP_DAYS) {
            s->adm = prev_dis + STAY_GAP_DAYS;
            s->dis = s->adm + s->nights;
        }
        if (s->adm < pl->birth_rel) s->adm = pl->birth_rel;
        if (s->dis > pl->city->days_in_year - 1 || s->dis <= s->adm) continue;
        s->nights = s->dis - s->adm;
        if (!add_stay_event(pl, s, stay_institution(pl, s))) return;
        prev_dis = s->dis;
    }
}

/* True when [adm, dis] lies in the year and [adm, dis + gap_days] meets no
 * stay of the plan except `skip`. */
static bool stay_free(const struct planner *pl, int64_t adm, int64_t dis, int64_t gap_days,
                      int skip) {
    const struct gen_plan *plan = pl->plan;
    if (adm < 0 || dis > pl->city->days_in_year - 1) return false;
    for (int i = 0; i < plan->event_count; i++) {
        const struct gen_event *ev = &plan->events[i];
        if (i == skip || ev->med_type != MED_TYPE_INPATIENT) continue;
        int64_t a = day_of(pl, ev->begntime), b = day_of(pl, ev->endtime);
        if (adm <= b && a <= dis + gap_days) return false;
    }
    return true;
}

static void stay_like(struct planner *pl, const struct gen_event *ev, struct stay *s) {
    s->dx = ev->dx;
    s->level = gen_level_index(pl->city->institutions[ev->inst_index].inst.level);
    assert(s->level >= 0); /* an inpatient stay is at a hospital */
    s->out_of_area = (ev->flags & GEN_EV_OUT_OF_AREA) != 0;
    s->nights = gen_rng_range(&pl->rng, 2, 6);
    s->cost_yuan = inpatient_cost_median[s->level] *
                   exp(INPATIENT_COST_SIGMA * gen_rng_normal(&pl->rng)) * 0.6;
}

static void plant_split(struct planner *pl, int e) {
    const struct gen_event *ev = &pl->plan->events[e];
    struct stay s;
    stay_like(pl, ev, &s);
    int64_t gap = gen_rng_range(&pl->rng, 1, 14);
    s.adm = day_of(pl, ev->endtime) + gap;
    s.dis = s.adm + s.nights;
    if (!stay_free(pl, s.adm, s.dis, STAY_GAP_DAYS, e)) return;
    int32_t inst = ev->inst_index;
    struct gen_event *re = add_stay_event(pl, &s, inst);
    if (!re) return;
    struct gen_label *label = add_label(pl, GEN_PLANT_SPLIT_ADMISSION, (uint16_t)e, re->seq);
    if (label) label->value = (int32_t)gap;
}

/* A local hospital other than `except`, of `level` if the city has one. */
static int32_t other_hospital(struct planner *pl, int32_t except, int level) {
    for (int k = 0; k < 4; k++) {
        enum gen_inst_kind kind = (enum gen_inst_kind)((level + k) % 4);
        for (int t = 0; t < 8; t++) {
            int32_t inst = gen_pick_institution(pl->city, &pl->rng, kind,
                                                pl->plan->person.district);
            if (inst != except) return inst;
        }
    }
    return -1;
}

static void plant_overlap(struct planner *pl, int e) {
    const struct gen_event *ev = &pl->plan->events[e];
    struct stay s;
    stay_like(pl, ev, &s);
    int64_t adm1 = day_of(pl, ev->begntime), dis1 = day_of(pl, ev->endtime);
    s.adm = adm1 + gen_rng_range(&pl->rng, 0, dis1 - adm1 - 1 > 0 ? dis1 - adm1 - 1 : 0);
    s.dis = dis1 + gen_rng_range(&pl->rng, 1, 4);
    s.nights = s.dis - s.adm;
    s.out_of_area = false;
    if (!stay_free(pl, s.adm, s.dis, STAY_GAP_DAYS, e)) return;
    int32_t inst = other_hospital(pl, ev->inst_index, s.level);
    if (inst < 0) return;
    s.level = gen_level_index(pl->city->institutions[inst].inst.level);
    assert(s.level >= 0); /* other_hospital picks hospitals only */
    struct gen_event *ov = add_stay_event(pl, &s, inst);
    if (!ov) return;
    add_label(pl, GEN_PLANT_OVERLAPPING_STAYS, (uint16_t)e, ov->seq);
}

static void plan_stay_plants(struct planner *pl) {
    const uint32_t *rate = pl->city->config.rates.rate_ppm;
    int ordinary = pl->plan->event_count;
    for (int e = 0; e < ordinary; e++) {
        if (gen_rng_chance_ppm(&pl->rng, rate[GEN_PLANT_SPLIT_ADMISSION])) plant_split(pl, e);
        if (gen_rng_chance_ppm(&pl->rng, rate[GEN_PLANT_OVERLAPPING_STAYS])) plant_overlap(pl, e);
    }
}

/* --- visits ------------------------------------------------------------- */

static struct gen_event *add_visit(struct planner *pl, uint8_t med_type, int64_t day,
                                   int64_t open_s, int64_t close_s, int64_t dur_min_s,
                                   int64_t dur_max_s) {
    struct gen_event *ev = add_event(pl, med_type);
    if (!ev) return NULL;
    int64_t begin = gen_rng_range(&pl->rng, open_s, close_s) / 60 * 60;
    ev->begntime = at(pl, day, begin);
    ev->endtime = ev->begntime + gen_rng_range(&pl->rng, dur_min_s, dur_max_s) / 60 * 60;
    mark_busy(pl, day, day);
    return ev;
}

static int32_t special_institution(struct planner *pl, const struct gen_disease_profile *prof) {
    static const uint32_t from_level1[3] = {40, 40, 20};
    static const uint32_t from_level2[2] = {60, 40};
    int level = LEVEL_3;
    if (prof->level_min == LEVEL_1) level = LEVEL_1 + gen_rng_weighted(&pl->rng, from_level1, 3);
    else if (prof->level_min == LEVEL_2)
        level = LEVEL_2 + gen_rng_weighted(&pl->rng, from_level2, 2);
    return gen_pick_institution(pl->city, &pl->rng, (enum gen_inst_kind)level,
                                pl->plan->person.district);
}

static void plan_special(struct planner *pl) {
    for (int k = 0; k < pl->disease_count; k++) {
        const struct gen_disease_profile *prof = pl->city->disease[pl->disease[k]];
        int32_t inst = special_institution(pl, prof);
        uint16_t dx = (uint16_t)gen_rng_below(&pl->rng, (uint64_t)prof->dx_count);
        uint32_t n = gen_rng_poisson(&pl->rng, prof->visits_per_year);
        if (n > SPECIAL_VISITS_MAX) n = SPECIAL_VISITS_MAX;
        for (uint32_t v = 0; v < n; v++) {
            double pos = ((double)v + gen_rng_uniform(&pl->rng)) / (double)n;
            int64_t day = free_day_near(pl, (int64_t)(pos * pl->city->days_in_year));
            if (day < 0) break;
            struct gen_event *ev = add_visit(pl, MED_TYPE_SPECIAL_OUTPATIENT, day, 8 * 3600,
                                             11 * 3600 + 30 * 60, 20 * 60, 90 * 60);
            if (!ev) return;
            ev->inst_index = inst;
            ev->disease = pl->disease[k];
            ev->dx = dx;
            ev->target_fen = yuan_to_fen(
                gen_rng_lognormal(&pl->rng, prof->cost_median_yuan, prof->cost_sigma));
            uint32_t lines = 1 + gen_rng_poisson(&pl->rng, 1.5);
            ev->line_count = (uint8_t)(lines > 6 ? 6 : lines);
            set_acct(pl, ev, EMPLOYEE_ACCT_PPM);
        }
    }
}

static int64_t random_free_day(struct planner *pl) {
    int64_t first = pl->birth_rel > 0 ? pl->birth_rel : 0;
    return free_day_near(pl, gen_rng_range(&pl->rng, first, pl->city->days_in_year - 1));
}

static int opd_lines_max(const struct gen_city *city) {
    int n = 0;
    for (int c = 0; c < 3; c++) n += city->ctx_item_count[GEN_CTX_OPD][c];
    return n < 10 ? n : 10;
}

static void plan_outpatient(struct planner *pl) {
    const struct gen_person *p = &pl->plan->person;
    double mean = pl->city->outpatient_scale * gen_outpatient_rel(p->age) * pl->frailty;
    uint32_t n = gen_rng_poisson(&pl->rng, mean);
    if (n > OUTPATIENT_VISITS_MAX) n = OUTPATIENT_VISITS_MAX;
    int lines_max = opd_lines_max(pl->city);
    for (uint32_t v = 0; v < n; v++) {
        int64_t day = random_free_day(pl);
        if (day < 0) return;
        struct gen_event *ev = add_visit(pl, MED_TYPE_GENERAL_OUTPATIENT, day, 8 * 3600,
                                         16 * 3600 + 59 * 60, 5 * 60, 90 * 60);
        if (!ev) return;
        int level = gen_rng_weighted(&pl->rng, outpatient_level_weights, 4);
        enum gen_inst_kind kind = (enum gen_inst_kind)level;
        if (gen_rng_chance_ppm(&pl->rng, OUT_OF_AREA_OUTPATIENT_PPM)) {
            kind = GEN_IK_OUT_OF_AREA;
            level = LEVEL_3;
            ev->flags |= GEN_EV_OUT_OF_AREA;
            if (gen_rng_chance_ppm(&pl->rng, FILED_OUTPATIENT_PPM)) ev->flags |= GEN_EV_FILED;
        }
        ev->inst_index = gen_pick_institution(pl->city, &pl->rng, kind, p->district);
        ev->dx = pick_dx(pl, gen_dx_outpatient, gen_dx_outpatient_count);
        ev->target_fen = yuan_to_fen(
            gen_rng_lognormal(&pl->rng, outpatient_cost_median[level], OUTPATIENT_COST_SIGMA));
        uint32_t lines = 1 + gen_rng_poisson(&pl->rng, 1.8);
        ev->line_count = (uint8_t)(lines > (uint32_t)lines_max ? (uint32_t)lines_max : lines);
        set_acct(pl, ev, EMPLOYEE_ACCT_PPM);
    }
}

static void plan_pharmacy(struct planner *pl) {
    const struct gen_person *p = &pl->plan->person;
    double rate = p->person.insutype == 310 ? EMPLOYEE_PHARMACY_PER_YEAR
                                            : RESIDENT_PHARMACY_PER_YEAR;
    uint32_t n = gen_rng_poisson(&pl->rng, rate * pl->frailty);
    if (n > PHARMACY_VISITS_MAX) n = PHARMACY_VISITS_MAX;
    for (uint32_t v = 0; v < n; v++) {
        int64_t day = random_free_day(pl);
        if (day < 0) return;
        struct gen_event *ev = add_visit(pl, MED_TYPE_PHARMACY, day, 8 * 3600, 20 * 3600 + 59 * 60,
                                         2 * 60, 10 * 60);
        if (!ev) return;
        ev->inst_index = gen_pick_institution(pl->city, &pl->rng, GEN_IK_PHARMACY, p->district);
        ev->dx = pick_dx(pl, gen_dx_outpatient, gen_dx_outpatient_count);
        ev->target_fen = yuan_to_fen(
            gen_rng_lognormal(&pl->rng, PHARMACY_COST_MEDIAN, PHARMACY_COST_SIGMA));
        uint32_t lines = 1 + gen_rng_poisson(&pl->rng, 0.7);
        ev->line_count = (uint8_t)(lines > 4 ? 4 : lines);
        set_acct(pl, ev, EMPLOYEE_ACCT_PHARMACY_PPM);
    }
}

/* --- plants on existing bills -------------------------------------------- */

static void plant_visit_during_stay(struct planner *pl, int e) {
    const struct gen_event *stay = &pl->plan->events[e];
    int64_t adm = day_of(pl, stay->begntime), dis = day_of(pl, stay->endtime);
    if (dis - adm < 2) return;
    int64_t day = gen_rng_range(&pl->rng, adm + 1, dis - 1);
    if (day < 0 || day > pl->city->days_in_year - 1) return;
    bool pharmacy = gen_rng_chance_ppm(&pl->rng, 400000u);
    struct gen_event *ev = add_visit(pl, pharmacy ? MED_TYPE_PHARMACY : MED_TYPE_GENERAL_OUTPATIENT,
                                     day, 9 * 3600, 16 * 3600, 5 * 60, 30 * 60);
    if (!ev) return;
    enum gen_inst_kind kind = pharmacy ? GEN_IK_PHARMACY : GEN_IK_TOWNSHIP;
    ev->inst_index = gen_pick_institution(pl->city, &pl->rng, kind, pl->plan->person.district);
    ev->dx = pick_dx(pl, gen_dx_outpatient, gen_dx_outpatient_count);
    ev->target_fen = yuan_to_fen(gen_rng_lognormal(&pl->rng, 80.0, 0.6));
    ev->line_count = (uint8_t)gen_rng_range(&pl->rng, 1, 3);
    set_acct(pl, ev, EMPLOYEE_ACCT_PPM);
    add_label(pl, GEN_PLANT_VISIT_DURING_STAY, stay->seq, ev->seq);
}

static int ctx_of_event(const struct gen_event *ev) {
    return ev->med_type == MED_TYPE_GENERAL_OUTPATIENT   ? GEN_CTX_OPD
           : ev->med_type == MED_TYPE_SPECIAL_OUTPATIENT ? GEN_CTX_SPECIAL
           : ev->med_type == MED_TYPE_INPATIENT          ? GEN_CTX_INPATIENT
                                                         : GEN_CTX_PHARMACY;
}

static bool plain_drug(const struct planner *pl, const struct gen_event *ev, int32_t index) {
    const struct gen_item *item = &pl->city->items[index];
    const struct gen_person *p = &pl->plan->person;
    return item->kind == GEN_ITEM_DRUG && !gen_item_forbidden(item, p->gend - '0', ev->age);
}

/* An ordinary A or B drug of the bill's context (not one reached by role
 * only, not forbidden to the person), or -1. */
static int32_t plant_drug(struct planner *pl, const struct gen_event *ev) {
    int ctx = ctx_of_event(ev);
    int32_t na = pl->city->ctx_item_count[ctx][0], nb = pl->city->ctx_item_count[ctx][1];
    if (na + nb == 0) return -1;
    for (int t = 0; t < 16; t++) {
        int32_t k = (int32_t)gen_rng_below(&pl->rng, (uint64_t)(na + nb));
        int32_t index = k < na ? pl->city->ctx_items[ctx][0][k]
                               : pl->city->ctx_items[ctx][1][k - na];
        if (plain_drug(pl, ev, index)) return index;
    }
    for (int32_t k = 0; k < na + nb; k++) {
        int32_t index = k < na ? pl->city->ctx_items[ctx][0][k]
                               : pl->city->ctx_items[ctx][1][k - na];
        if (plain_drug(pl, ev, index)) return index;
    }
    return -1;
}

/* An item of a synthetic catalog whose restriction excludes the person and
 * that may be billed here, or -1 (the conformance catalog has none). */
/* The person's full years on the day the event ends: a restriction by age
 * applies to the patient's age when served, so a label must not name a
 * line billed after a birthday that made it allowed (29 February counts as
 * the 28th in a common year, itself in a leap year, as the scan reads it). */
static int32_t age_at_event(const struct gen_person *p, const struct gen_event *ev) {
    int year, month, day;
    gen_civil_from_days(ev->endtime / GEN_DAY_S, &year, &month, &day);
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int birth_day = p->birth_month == 2 && p->birth_day == 29 && !leap ? 28 : p->birth_day;
    int32_t age = year - p->birth_year;
    if (month < p->birth_month || (month == p->birth_month && day < birth_day)) age--;
    return age < 0 ? 0 : age;
}

static int32_t catalog_restricted(struct planner *pl, const struct gen_event *ev,
                                  enum gen_plant_kind kind, int32_t age) {
    const struct gen_person *p = &pl->plan->person;
    int list;
    if (kind == GEN_PLANT_GENDER_RESTRICTED)
        list = p->gend == '1' ? GEN_RESTRICT_WOMEN : GEN_RESTRICT_MEN;
    else if (age <= 14) list = GEN_RESTRICT_ELDERLY;
    else if (age >= 60) list = GEN_RESTRICT_CHILDREN;
    else
        list = gen_rng_chance_ppm(&pl->rng, 500000u) ? GEN_RESTRICT_CHILDREN : GEN_RESTRICT_ELDERLY;
    int32_t n = pl->city->restricted_count[list];
    for (int t = 0; n > 0 && t < 16; t++) {
        int32_t index = pl->city->restricted[list][gen_rng_below(&pl->rng, (uint64_t)n)];
        const struct gen_item *item = &pl->city->items[index];
        if ((item->contexts & GEN_CTX_BIT(ctx_of_event(ev))) &&
            gen_item_forbidden(item, p->gend - '0', age))
            return index;
    }
    return -1;
}

static void restrict_label(struct planner *pl, struct gen_label *label, enum gen_plant_kind kind,
                           int32_t real, int32_t age) {
    const struct gen_person *p = &pl->plan->person;
    if (real >= 0) {
        const struct gen_item *item = &pl->city->items[real];
        label->in_catalog = true;
        if (kind == GEN_PLANT_GENDER_RESTRICTED) {
            label->restrict_gender = item->restrict_gender;
        } else {
            label->age_min = item->age_min;
            label->age_max = item->age_max;
        }
    } else if (kind == GEN_PLANT_GENDER_RESTRICTED) {
        label->restrict_gender = p->gend == '1' ? 2 : 1;
    } else if (age >= 18) {
        label->age_min = 0;
        label->age_max = 14;
    } else {
        label->age_min = 18;
        label->age_max = 120;
    }
}

static void plant_restricted(struct planner *pl, struct gen_event *ev, enum gen_plant_kind kind) {
    int32_t age = ev->age; /* on the bill's day (events_age) */
    assert(age == age_at_event(&pl->plan->person, ev));
    int32_t real = catalog_restricted(pl, ev, kind, age);
    int32_t item = real >= 0 ? real : plant_drug(pl, ev);
    if (item < 0) return;
    struct gen_label *label = add_label(pl, kind, ev->seq, -1);
    if (!label) return;
    ev->plant = (uint8_t)kind;
    ev->plant_item = item;
    ev->plant_cnt = (int32_t)gen_rng_range(&pl->rng, 1, 2);
    label->item = item;
    label->value = ev->plant_cnt;
    label->age = (int16_t)age;
    restrict_label(pl, label, kind, real, age);
}

static void plant_over_quantity(struct planner *pl, struct gen_event *ev) {
    int32_t item = plant_drug(pl, ev);
    if (item < 0) return;
    struct gen_label *label = add_label(pl, GEN_PLANT_OVER_QUANTITY, ev->seq, -1);
    if (!label) return;
    ev->plant = GEN_PLANT_OVER_QUANTITY;
    ev->plant_item = item;
    ev->plant_cnt = (int32_t)(pl->city->items[item].cnt_max * gen_rng_range(&pl->rng, 10, 20));
    label->item = item;
    label->value = ev->plant_cnt;
}

static void plant_non_medical(struct planner *pl, struct gen_event *ev) {
    struct gen_label *label = add_label(pl, GEN_PLANT_NON_MEDICAL_GOODS, ev->seq, -1);
    if (!label) return;
    ev->plant = GEN_PLANT_NON_MEDICAL_GOODS;
    ev->plant_item = (int32_t)gen_rng_below(&pl->rng, (uint64_t)gen_non_medical_goods_count);
    ev->plant_cnt = (int32_t)gen_rng_range(&pl->rng, 1, 3);
    label->item = ev->plant_item;
    label->value = ev->plant_cnt;
}

/* A second bill, same day and institution, charging the first bill's
 * first line again. */
static void plant_duplicate_charge(struct planner *pl, int e) {
    if (pl->plan->event_count >= GEN_PERSON_EVENTS_MAX) return;
    struct gen_event copy = pl->plan->events[e];
    struct gen_event *ev = add_event(pl, copy.med_type);
    if (!ev) return;
    uint16_t seq = ev->seq;
    *ev = copy;
    ev->seq = seq;
    ev->line_seq = copy.line_seq;
    ev->flags |= GEN_EV_COPY_ONE_LINE;
    ev->begntime = copy.endtime + gen_rng_range(&pl->rng, 30, 180) * 60;
    ev->endtime = ev->begntime + gen_rng_range(&pl->rng, 5, 30) * 60;
    add_label(pl, GEN_PLANT_DUPLICATE_CHARGE, copy.seq, seq);
}

static void plan_bill_plants(struct planner *pl) {
    const uint32_t *rate = pl->city->config.rates.rate_ppm;
    int ordinary = pl->plan->event_count;
    for (int e = 0; e < ordinary; e++) {
        struct gen_event *ev = &pl->plan->events[e];
        uint8_t mt = ev->med_type;
        if (mt == MED_TYPE_INPATIENT &&
            gen_rng_chance_ppm(&pl->rng, rate[GEN_PLANT_VISIT_DURING_STAY]))
            plant_visit_during_stay(pl, e);
        ev = &pl->plan->events[e];
        if (mt != MED_TYPE_PHARMACY && ev->plant == GEN_PLANT_NONE &&
            gen_rng_chance_ppm(&pl->rng, rate[GEN_PLANT_GENDER_RESTRICTED]))
            plant_restricted(pl, ev, GEN_PLANT_GENDER_RESTRICTED);
        if (mt != MED_TYPE_PHARMACY && ev->plant == GEN_PLANT_NONE &&
            gen_rng_chance_ppm(&pl->rng, rate[GEN_PLANT_AGE_RESTRICTED]))
            plant_restricted(pl, ev, GEN_PLANT_AGE_RESTRICTED);
        if ((mt == MED_TYPE_GENERAL_OUTPATIENT || mt == MED_TYPE_PHARMACY) &&
            ev->plant == GEN_PLANT_NONE &&
            gen_rng_chance_ppm(&pl->rng, rate[GEN_PLANT_OVER_QUANTITY]))
            plant_over_quantity(pl, ev);
        if (mt == MED_TYPE_PHARMACY && ev->plant == GEN_PLANT_NONE &&
            gen_rng_chance_ppm(&pl->rng, rate[GEN_PLANT_NON_MEDICAL_GOODS]))
            plant_non_medical(pl, ev);
        if (mt == MED_TYPE_GENERAL_OUTPATIENT &&
            gen_rng_chance_ppm(&pl->rng, rate[GEN_PLANT_DUPLICATE_CHARGE]))
            plant_duplicate_charge(pl, e);
    }
}

/* Each bill's age: the person's on the day it ends, by which its lines
 * keep to the catalog's age ranges (gen_lines.c). */
static void events_age(struct gen_plan *plan) {
    assert(plan->event_count >= 0 && plan->event_count <= GEN_PERSON_EVENTS_MAX);
    for (int32_t e = 0; e < plan->event_count; e++)
        plan->events[e].age = (uint8_t)age_at_event(&plan->person, &plan->events[e]);
}

/* --- the whole year ----------------------------------------------------- */

void gen_plan_person(const struct gen_city *city, int64_t index, struct gen_plan *plan) {
    struct planner pl;
    memset(&pl, 0, sizeof pl);
    pl.city = city;
    pl.plan = plan;
    plan->event_count = 0;
    plan->label_count = 0;
    memset(plan->busy, 0, sizeof plan->busy);
    gen_person_draw(city, index, &plan->person, false);
    gen_rng_seed(&pl.rng, city->config.seed, GEN_RNG_PLAN, (uint64_t)index, 0);
    pl.birth_rel = gen_days_from_civil(plan->person.birth_year, plan->person.birth_month,
                                       plan->person.birth_day) -
                   city->year_day0;
    pl.frailty = gen_rng_lognormal(&pl.rng, exp(-FRAILTY_SIGMA * FRAILTY_SIGMA / 2.0),
                                   FRAILTY_SIGMA);
    plan_diseases(&pl);
    plan_stays(&pl);
    plan_stay_plants(&pl);
    plan_special(&pl);
    plan_outpatient(&pl);
    plan_pharmacy(&pl);
    events_age(plan); /* the plants below choose by it */
    plan_bill_plants(&pl);
    events_age(plan); /* and the bills they added */
}

const char *gen_event_dx_code(const struct gen_city *city, const struct gen_event *event) {
    if (event->med_type == MED_TYPE_INPATIENT) return gen_dx_inpatient[event->dx].code;
    if (event->med_type == MED_TYPE_SPECIAL_OUTPATIENT && event->disease != GEN_NO_DISEASE)
        return city->disease[event->disease]->dx[event->dx];
    return gen_dx_outpatient[event->dx].code;
}
