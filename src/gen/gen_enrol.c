/* gen_enrol.c: the registry in time of the synthetic city (issue 16,
 * item 7): the employers, and for every persons.csv row its enrolment
 * episodes in its registered scheme and region, with the year's events
 * (late enrolment, job change, transfer in or out, retirement, death),
 * and each household's family bindings. Pure functions of the seed and
 * the row's index, drawn from streams of their own (gen_rng.h), so that
 * adding them changed no byte of the older files. Months are numbered
 * year * 12 + (month - 1). Why each rate: docs/GENERATOR.md. */
#include "gen/gen_enrol.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PERSONS_PER_EMPLOYER 80    /* the city's employers: one per 80 persons */
#define STRUGGLING_PPM 60000u      /* employers on the reduced rate */
#define LOCAL_EMPLOYER_PPM 850000u /* an employer of one's own district */
#define FLEXIBLE_PPM 120000u       /* in-service employees who are flexible workers */
#define WAGE_MEDIAN_PERMILLE 850   /* median wage: 85 % of the average (right-skewed) */
#define WAGE_SIGMA 0.5
#define STRUGGLING_WAGE_PERMILLE 800
#define JOB_CHANGE_PPM 60000u
#define TRANSFER_OUT_PPM 10000u
#define TRANSFER_IN_PPM 10000u
#define FLEXIBLE_HIGH_BASE_PPM 300000u /* flexible workers choosing the base 1.0, else 0.6 */
#define HOLDER_PPM 450000u             /* households whose first fit employee binds family */
#define BINDING_IN_YEAR_PPM 150000u
#define BINDING_REVOKED_PPM 60000u

static const char *const sectors[] = {
    "Food Processing", "Construction",  "Logistics", "Garments",      "Petrochemical",
    "Machinery",       "Trading",       "Ceramics",  "Fruit Growers", "Furniture",
    "Electronics",     "Property Mgmt", "Catering",  "Printing",      "Aquaculture",
};
#define SECTOR_COUNT ((int)(sizeof sectors / sizeof sectors[0]))

const char *gen_ecat_name(enum gen_ecat ecat) {
    static const char *const names[] = {"in_service", "flexible", "retired",
                                        "adult",      "minor",    "student"};
    return names[ecat];
}

const char *gen_start_name(enum gen_start start) {
    static const char *const names[] = {"new", "transfer_in", "retirement"};
    return names[start];
}

const char *gen_end_name(enum gen_end end) {
    static const char *const names[] = {"", "transfer_out", "stop", "death", "retirement"};
    return names[end];
}

const char *gen_episode_region(const struct gen_city *city, const struct gen_episode *ep) {
    return ep->region < 0 ? city->set->region : city->set->oa[ep->region].code;
}

/* ---- employers ---------------------------------------------------------- */

/* District of the k-th of n employers: spread in proportion to weight, so
 * that each district's employers are consecutive. */
static int spread(const struct gen_policy_set *set, int64_t k, int64_t n) {
    uint64_t total = 0;
    for (int d = 0; d < set->district_count; d++) total += set->districts[d].weight;
    uint64_t x = ((uint64_t)k * 2 + 1) * total / ((uint64_t)n * 2);
    for (int d = 0; d < set->district_count; d++) {
        if (x < set->districts[d].weight) return d;
        x -= set->districts[d].weight;
    }
    return set->district_count - 1;
}

void gen_enrol_prepare(struct gen_city *city) {
    int64_t n = 0;
    if (city->set->schemes & GEN_SCHEME_EMPLOYEE) {
        n = city->config.persons / PERSONS_PER_EMPLOYER;
        if (n < 1) n = 1;
    }
    city->employer_local = (int32_t)n;
    int dc = city->set->district_count;
    for (int d = 0; d <= dc; d++) city->employer_start[d] = (int32_t)n;
    for (int d = dc - 1; d >= 0; d--) {
        /* the first k whose district is >= d: binary search on the monotonic spread */
        int64_t lo = 0, hi = n;
        while (lo < hi) {
            int64_t mid = (lo + hi) / 2;
            if (spread(city->set, mid, n) >= d) hi = mid;
            else lo = mid + 1;
        }
        city->employer_start[d] = (int32_t)lo;
    }
}

int32_t gen_employer_count(const struct gen_city *city) {
    if (city->employer_local == 0) return 0;
    return city->employer_local + city->set->oa_count * GEN_OA_EMPLOYERS;
}

void gen_employer_get(const struct gen_city *city, int32_t index, struct gen_employer *out) {
    struct gen_rng rng;
    gen_rng_seed(&rng, city->config.seed, GEN_RNG_EMPLOYER, (uint64_t)index, 0);
    memset(out, 0, sizeof *out);
    const char *place;
    int32_t serial;
    if (index < city->employer_local) {
        out->admdvs = city->set->region;
        place = city->set->districts[spread(city->set, index, city->employer_local)].name;
        serial = index + 1;
    } else {
        int32_t k = index - city->employer_local;
        out->admdvs = city->set->oa[k / GEN_OA_EMPLOYERS].code;
        place = city->set->oa[k / GEN_OA_EMPLOYERS].city;
        serial = k % GEN_OA_EMPLOYERS + 1;
    }
    snprintf(out->emp_no, sizeof out->emp_no, "E%s%06d", out->admdvs, (int)serial);
    const char *sector = sectors[gen_rng_below(&rng, SECTOR_COUNT)];
    snprintf(out->name, sizeof out->name, "%s %s Co., Ltd. No.%d", place, sector, (int)serial);
    out->struggling = gen_rng_chance_ppm(&rng, STRUGGLING_PPM);
}

/* An employer for a person of district d (region -1), or of out-of-area
 * region r: the first employers of a list are the biggest. */
static int32_t pick_employer(const struct gen_city *city, struct gen_rng *rng, int district,
                             int region) {
    if (region >= 0)
        return city->employer_local + region * GEN_OA_EMPLOYERS +
               (int32_t)gen_rng_below(rng, GEN_OA_EMPLOYERS);
    int32_t lo = 0, n = city->employer_local;
    if (gen_rng_chance_ppm(rng, LOCAL_EMPLOYER_PPM) &&
        city->employer_start[district + 1] > city->employer_start[district]) {
        lo = city->employer_start[district];
        n = city->employer_start[district + 1] - lo;
    }
    double u = gen_rng_uniform(rng);
    int32_t k = (int32_t)(u * u * n);
    return lo + (k >= n ? n - 1 : k);
}

static int64_t draw_wage_fen(const struct gen_city *city, struct gen_rng *rng, int32_t employer) {
    double median = city->set->avg_wage_yuan * WAGE_MEDIAN_PERMILLE / 1000.0;
    struct gen_employer emp;
    gen_employer_get(city, employer, &emp);
    if (emp.struggling) median = median * STRUGGLING_WAGE_PERMILLE / 1000.0;
    double yuan = gen_rng_lognormal(rng, median, WAGE_SIGMA);
    if (yuan > 1000000.0) yuan = 1000000.0;
    return (int64_t)(yuan * 100.0 + 0.5);
}

/* ---- one row's episodes --------------------------------------------------- */

static int32_t month_of_day(int64_t day) {
    int y, m, d;
    gen_civil_from_days(day, &y, &m, &d);
    return y * 12 + m - 1;
}

static int32_t clamp32(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Months of the first and the last bill of person index in the year. */
static void bill_months(const struct gen_city *city, int64_t index, struct gen_plan *scratch,
                        int32_t *first, int32_t *last) {
    int32_t y0 = city->year * 12;
    gen_plan_person(city, index, scratch);
    *first = y0 + 11, *last = y0;
    for (int32_t i = 0; i < scratch->event_count; i++) {
        int32_t a = month_of_day(scratch->events[i].begntime / GEN_DAY_S);
        int32_t b = month_of_day(scratch->events[i].endtime / GEN_DAY_S);
        if (a < *first) *first = a < y0 ? y0 : a;
        if (b > *last) *last = b;
    }
}

static struct gen_episode *add(struct gen_enrol_plan *plan, int16_t insutype, enum gen_ecat ecat,
                               int32_t from_m) {
    struct gen_episode *ep = &plan->ep[plan->count++];
    memset(ep, 0, sizeof *ep);
    ep->from_m = from_m, ep->to_m = -1;
    ep->insutype = insutype, ep->ecat = (uint8_t)ecat, ep->region = -1, ep->employer = -1;
    return ep;
}

static enum gen_ecat resident_ecat(enum category c) {
    return c == CATEGORY_MINOR     ? GEN_EC_MINOR
           : c == CATEGORY_STUDENT ? GEN_EC_STUDENT
                                   : GEN_EC_ADULT;
}

/* Deaths per million in the year by age. */
static uint32_t death_ppm(int32_t age) {
    return age < 40 ? 1000u : age < 60 ? 5000u : age < 70 ? 15000u : age < 80 ? 40000u : 100000u;
}

/* A registered retiree: an in-service career ended by retirement (short of
 * the minimum months for a few), then the open retired episode. */
static void plan_retired(const struct gen_city *city, struct gen_rng *rng,
                         const struct gen_person *p, struct gen_enrol_plan *plan) {
    int32_t birth_m = p->birth_year * 12 + p->birth_month - 1;
    int32_t retire_m = birth_m + p->retire_age * 12 + 1;
    if (retire_m > city->year * 12) retire_m = city->year * 12;
    int32_t min_total = p->gend == '1' ? 300 : 240;
    int32_t career = gen_rng_chance_ppm(rng, city->config.short_career_ppm)
                         ? (int32_t)gen_rng_range(rng, 24, min_total - 1)
                         : min_total + (int32_t)gen_rng_range(rng, 0, 180);
    int32_t from = retire_m - career;
    if (from < birth_m + 16 * 12) from = birth_m + 16 * 12;
    if (from < retire_m) {
        struct gen_episode *work = add(plan, 310, GEN_EC_IN_SERVICE, from);
        work->to_m = retire_m - 1, work->end = GEN_END_RETIREMENT;
    }
    struct gen_episode *ret = add(plan, 310, GEN_EC_RETIRED, retire_m);
    ret->start = plan->count > 1 ? GEN_START_RETIREMENT : GEN_START_NEW;
}

/* The current episode of an original row, from its benefit start. */
static void plan_current(const struct gen_city *city, struct gen_rng *rng,
                         const struct gen_person *p, bool late, struct gen_enrol_plan *plan) {
    int32_t y0 = city->year * 12;
    int32_t birth_m = p->birth_year * 12 + p->birth_month - 1;
    int32_t bs_m = month_of_day(p->person.benefit_start / GEN_DAY_S);
    if (p->person.insutype == 390) {
        int32_t from = late ? clamp32(bs_m - 3, y0, y0 + 10) : bs_m;
        add(plan, 390, resident_ecat(p->person.category), from < birth_m ? birth_m : from);
        return;
    }
    if (p->person.category == CATEGORY_RETIRED) {
        plan_retired(city, rng, p, plan);
        return;
    }
    int32_t from = late ? clamp32(bs_m - 1, y0, y0 + 10) : bs_m - 1;
    if (from < birth_m + 16 * 12) from = birth_m + 16 * 12;
    if (gen_rng_chance_ppm(rng, FLEXIBLE_PPM)) {
        struct gen_episode *ep = add(plan, 310, GEN_EC_FLEXIBLE, from);
        ep->base_bp = gen_rng_chance_ppm(rng, FLEXIBLE_HIGH_BASE_PPM) ? 10000 : 6000;
        return;
    }
    struct gen_episode *ep = add(plan, 310, GEN_EC_IN_SERVICE, from);
    ep->employer = pick_employer(city, rng, p->district, -1);
    ep->wage_fen = draw_wage_fen(city, rng, ep->employer);
}

/* Retirement during the year: the in-service (or flexible) episode ends in
 * the month of the birthday that reaches the retirement age. */
static bool plan_retirement(const struct gen_city *city, const struct gen_person *p,
                            struct gen_enrol_plan *plan) {
    struct gen_episode *ep = &plan->ep[plan->count - 1];
    int32_t retire_m = city->year * 12 + p->birth_month; /* the month after the birthday */
    if (p->person.insutype != 310 || p->person.category == CATEGORY_RETIRED ||
        p->age + 1 != p->retire_age || p->birth_month > 11 || ep->from_m >= retire_m - 1)
        return false;
    /* a career of at least the minimum months (FUNDS.md §4): one shorter
     * would be contribution_short, which only --rate-short-career plants */
    int32_t min_from = retire_m - (p->gend == '1' ? 300 : 240);
    int32_t adult_m = p->birth_year * 12 + p->birth_month - 1 + 16 * 12;
    if (ep->from_m > min_from) ep->from_m = min_from < adult_m ? adult_m : min_from;
    ep->to_m = retire_m - 1, ep->end = GEN_END_RETIREMENT;
    add(plan, 310, GEN_EC_RETIRED, retire_m)->start = GEN_START_RETIREMENT;
    return true;
}

/* The last episode ends at month k (a death or a move away); a move opens
 * one in an out-of-area region the month after. */
static void plan_leave(const struct gen_city *city, struct gen_rng *rng, int32_t k, bool death,
                       struct gen_enrol_plan *plan) {
    struct gen_episode *ep = &plan->ep[plan->count - 1];
    ep->to_m = k, ep->end = death ? GEN_END_DEATH : GEN_END_TRANSFER_OUT;
    plan->leaves = true;
    if (death) return;
    int region = (int)gen_rng_below(rng, (uint64_t)city->set->oa_count);
    struct gen_episode *next = add(plan, ep->insutype, (enum gen_ecat)ep->ecat, k + 1);
    next->start = GEN_START_TRANSFER_IN, next->region = (int8_t)region;
    next->base_bp = ep->base_bp, next->wage_fen = ep->wage_fen;
    if (ep->employer >= 0) next->employer = pick_employer(city, rng, 0, region);
}

/* Arrived during the year at month k (not after the first bill): the
 * years before were spent in an out-of-area region. */
static void plan_arrival(const struct gen_city *city, struct gen_rng *rng, int32_t k,
                         struct gen_enrol_plan *plan) {
    struct gen_episode here = plan->ep[plan->count - 1];
    struct gen_episode *before = &plan->ep[plan->count - 1];
    int region = (int)gen_rng_below(rng, (uint64_t)city->set->oa_count);
    before->to_m = k - 1, before->end = GEN_END_TRANSFER_OUT, before->region = (int8_t)region;
    if (before->employer >= 0) before->employer = pick_employer(city, rng, 0, region);
    struct gen_episode *ep = &plan->ep[plan->count++];
    *ep = here;
    ep->from_m = k, ep->start = GEN_START_TRANSFER_IN;
}

/* A job change: the episode with one employer stops at month k, the next
 * starts with another after a gap of 0 to 2 months. */
static void plan_job_change(const struct gen_city *city, struct gen_rng *rng,
                            const struct gen_person *p, struct gen_enrol_plan *plan) {
    struct gen_episode *ep = &plan->ep[plan->count - 1];
    int32_t y0 = city->year * 12;
    int32_t k = (int32_t)gen_rng_range(rng, y0, y0 + 10);
    if (k < ep->from_m) return;
    int32_t gap = gen_rng_chance_ppm(rng, 600000u) ? 0 : gen_rng_chance_ppm(rng, 600000u) ? 1 : 2;
    ep->to_m = k, ep->end = GEN_END_STOP;
    struct gen_episode *next = add(plan, 310, GEN_EC_IN_SERVICE, k + 1 + gap);
    next->employer = pick_employer(city, rng, p->district, -1);
    next->wage_fen = (int64_t)((double)ep->wage_fen * gen_rng_lognormal(rng, 1.05, 0.15) + 0.5);
}

/* The year's event of an original row that has no planted duplicate and
 * was enrolled before the year: at most one. */
static void plan_event(const struct gen_city *city, struct gen_rng *rng, const struct gen_person *p,
                       struct gen_plan *scratch, struct gen_enrol_plan *plan) {
    int32_t y0 = city->year * 12, first, last;
    bool death = gen_rng_chance_ppm(rng, death_ppm(p->age));
    bool out = gen_rng_chance_ppm(rng, TRANSFER_OUT_PPM);
    bool in = gen_rng_chance_ppm(rng, TRANSFER_IN_PPM);
    bool job = gen_rng_chance_ppm(rng, JOB_CHANGE_PPM);
    if (death || out || in) bill_months(city, p->index, scratch, &first, &last);
    if (death || out) {
        plan_leave(city, rng, (int32_t)gen_rng_range(rng, last, y0 + 11), death, plan);
    } else if (in && first > y0 && city->set->oa_count > 0) {
        plan_arrival(city, rng, (int32_t)gen_rng_range(rng, y0 + 1, first), plan);
    } else if (job && plan->ep[plan->count - 1].employer >= 0) {
        plan_job_change(city, rng, p, plan);
    }
}

/* A planted duplicate row: one open episode in its scheme and region,
 * starting after its original's and inside the year, so the two overlap. */
static void plan_duplicate(const struct gen_city *city, struct gen_rng *rng,
                           const struct gen_person *p, int32_t orig_from_m,
                           struct gen_enrol_plan *plan) {
    int32_t y0 = city->year * 12;
    int32_t lo = orig_from_m + 1 > y0 - 12 ? orig_from_m + 1 : y0 - 12;
    int32_t from = (int32_t)gen_rng_range(rng, lo, y0 + 11);
    int region = -1;
    for (int r = 0; r < city->set->oa_count; r++)
        if (strcmp(city->set->oa[r].code, p->insuplc_admdvs) == 0) region = r;
    enum gen_ecat ecat = p->person.insutype == 390 ? resident_ecat(p->person.category)
                         : p->person.category == CATEGORY_RETIRED ? GEN_EC_RETIRED
                                                                  : GEN_EC_IN_SERVICE;
    struct gen_episode *ep = add(plan, (int16_t)p->person.insutype, ecat, from);
    ep->region = (int8_t)region;
    if (ecat == GEN_EC_IN_SERVICE && city->employer_local > 0) {
        ep->employer = pick_employer(city, rng, p->district, region);
        ep->wage_fen = draw_wage_fen(city, rng, ep->employer);
    }
}

void gen_enrol_plan_row(const struct gen_city *city, const struct gen_person *row,
                        int32_t orig_from_m, struct gen_plan *scratch,
                        struct gen_enrol_plan *plan) {
    struct gen_rng rng;
    gen_rng_seed(&rng, city->config.seed, GEN_RNG_ENROL, (uint64_t)row->index,
                 row->duplicate ? 1 : 0);
    memset(plan, 0, sizeof *plan);
    if (row->duplicate) {
        plan_duplicate(city, &rng, row, orig_from_m, plan);
        return;
    }
    bool late = row->person.benefit_start >= city->year_day0 * GEN_DAY_S;
    plan_current(city, &rng, row, late, plan);
    struct gen_person dup;
    bool has_dup = gen_person_duplicate(city, row, &dup);
    if (!plan_retirement(city, row, plan) && !late && !has_dup)
        plan_event(city, &rng, row, scratch, plan);
    const struct gen_episode *ep = &plan->ep[0];
    plan->holder = plan->count == 1 && ep->ecat == GEN_EC_IN_SERVICE && ep->employer >= 0 &&
                   ep->from_m < city->year * 12;
}

int32_t gen_enrol_first_in_year(const struct gen_city *city, const struct gen_enrol_plan *plan) {
    int32_t y0 = city->year * 12;
    for (int i = 0; i < plan->count; i++) {
        const struct gen_episode *ep = &plan->ep[i];
        if ((ep->to_m < 0 || ep->to_m >= y0) && ep->from_m <= y0 + 11) return ep->from_m;
    }
    return y0 + 11;
}

/* ---- households ------------------------------------------------------------ */

/* The relation of member m to holder h, or NULL when none fits. */
static const char *relation_of(struct gen_rng *rng, const struct gen_person *h,
                               const struct gen_person *m, bool *have_spouse) {
    int32_t older = m->age - h->age;
    if (!*have_spouse && m->gend != h->gend && m->age >= 20 && older >= -8 && older <= 8 &&
        gen_rng_chance_ppm(rng, 700000u)) {
        *have_spouse = true;
        return "spouse";
    }
    if (older <= -18 && older >= -45 && m->age < 25 && gen_rng_chance_ppm(rng, 800000u))
        return "child";
    if (older >= 18 && older <= 45 && gen_rng_chance_ppm(rng, 600000u)) return "parent";
    return NULL;
}

static void binding_days(const struct gen_city *city, struct gen_rng *rng,
                         const struct gen_person *m, struct gen_binding *b) {
    int64_t d0 = city->year_day0, dn = d0 + city->days_in_year - 1;
    b->from_day = gen_rng_chance_ppm(rng, BINDING_IN_YEAR_PPM)
                      ? gen_rng_range(rng, d0, dn)
                      : gen_rng_range(rng, d0 - 3 * 365, d0 - 1);
    int64_t birth = gen_days_from_civil(m->birth_year, m->birth_month, m->birth_day);
    if (b->from_day < birth) b->from_day = birth;
    b->revoked_day = 0;
    if (b->from_day < dn && gen_rng_chance_ppm(rng, BINDING_REVOKED_PPM))
        b->revoked_day = gen_rng_range(rng, b->from_day > d0 ? b->from_day + 1 : d0, dn);
}

int gen_household_bindings(const struct gen_city *city, int64_t household, struct gen_plan *scratch,
                           struct gen_binding *out) {
    struct gen_person people[GEN_HOUSEHOLD_PERSONS];
    struct gen_enrol_plan plans[GEN_HOUSEHOLD_PERSONS];
    struct gen_rng rng;
    gen_rng_seed(&rng, city->config.seed, GEN_RNG_FAMILY, (uint64_t)household, 0);
    if (!gen_rng_chance_ppm(&rng, HOLDER_PPM)) return 0;
    int64_t first = household * GEN_HOUSEHOLD_PERSONS;
    int n = 0, holder = -1, count = 0;
    for (; n < GEN_HOUSEHOLD_PERSONS && first + n < city->config.persons; n++) {
        gen_person_draw(city, first + n, &people[n], false);
        gen_enrol_plan_row(city, &people[n], 0, scratch, &plans[n]);
        if (holder < 0 && plans[n].holder && people[n].age >= 22 && people[n].age < 60) holder = n;
    }
    if (holder < 0) return 0;
    bool have_spouse = false;
    for (int i = 0; i < n && count < GEN_BINDINGS_MAX; i++) {
        if (i == holder || plans[i].leaves) continue;
        const char *relation = relation_of(&rng, &people[holder], &people[i], &have_spouse);
        if (relation == NULL) continue;
        struct gen_binding *b = &out[count++];
        b->holder = first + holder, b->member = first + i, b->relation = relation;
        binding_days(city, &rng, &people[i], b);
    }
    return count;
}
