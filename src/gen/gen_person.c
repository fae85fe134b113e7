/* gen_person.c: insured persons. Person i's attributes are drawn from its
 * own stream (seed, person, i): age from the pyramid, scheme and category
 * by age, poverty flags, enrolment date, personal-account balance, a name.
 * The registry iterator hands out unique identity card numbers in order
 * and inserts the planted duplicate-enrolment rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/gen_idcard.h"
#include "gen/gen_internal.h"

#define MALE_PPM 512000u
#define WAITING_PERIOD_PPM 30000u /* enrolled this year: benefits start later */
#define ENROLMENT_YEARS_BACK 15
/* Employees' share by age (ppm) where both schemes exist. */
#define EMPLOYEE_YOUNG_PPM 250000u   /* 18-22, many still students */
#define EMPLOYEE_WORKING_PPM 560000u /* 23 to retirement age */
#define EMPLOYEE_RETIRED_PPM 440000u /* retirement age and over */
/* Poverty flags (ppm): residents, and the few employees with low income. */
#define RES_EXTREME_POVERTY_PPM 8000u
#define RES_LOW_INCOME_PPM 35000u
#define RES_POVERTY_REGISTERED_PPM 22000u
#define EMP_LOW_INCOME_PPM 3000u
#define CERT_SEQ_SLOTS 499  /* sequence numbers per birth date, district, sex */
#define CERT_SEQ_STRIDE 211 /* coprime with 499: scrambles the order */

void gen_psn_no(const char *prefix, int64_t index, char out[CODE_BYTES_MAX + 1]) {
    size_t n = strlen(prefix);
    if (n > CODE_BYTES_MAX - 8) n = CODE_BYTES_MAX - 8;
    memcpy(out, prefix, n);
    *gen_put_digits(out + n, (uint64_t)(index + 1), 8) = '\0';
}

static int32_t draw_age(const struct gen_city *city, struct gen_rng *rng) {
    uint64_t x = gen_rng_below(rng, city->age_cum[GEN_AGE_MAX - 1]);
    int lo = 0, hi = GEN_AGE_MAX - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (x < city->age_cum[mid]) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

static void draw_name(struct gen_rng *rng, char gend, char *out, size_t size) {
    const char *surname =
        gen_surnames[gen_rng_weighted(rng, gen_surname_weights, gen_surname_count)];
    const char *const *given = gend == '1' ? gen_given_male : gen_given_female;
    int count = gend == '1' ? gen_given_male_count : gen_given_female_count;
    const char *first = given[gen_rng_below(rng, (uint64_t)count)];
    if (gen_rng_chance_ppm(rng, 700000u)) {
        char second[16];
        snprintf(second, sizeof second, "%s", given[gen_rng_below(rng, (uint64_t)count)]);
        second[0] = (char)(second[0] - 'A' + 'a');
        snprintf(out, size, "%s %s%s", surname, first, second);
    } else {
        snprintf(out, size, "%s %s", surname, first);
    }
}

static int32_t retirement_age(struct gen_rng *rng, char gend) {
    if (gend == '1') return 60;
    return gen_rng_chance_ppm(rng, 500000u) ? 50 : 55; /* workers 50, cadres 55 */
}

static void draw_scheme(const struct gen_city *city, struct gen_rng *rng, struct gen_person *p) {
    int32_t age = p->age;
    int32_t retire = retirement_age(rng, p->gend);
    p->retire_age = retire;
    uint32_t schemes = city->set->schemes;
    bool employee;
    if (!(schemes & GEN_SCHEME_RESIDENT)) employee = true;
    else if (!(schemes & GEN_SCHEME_EMPLOYEE) || age < 18) employee = false;
    else if (age <= 22) employee = gen_rng_chance_ppm(rng, EMPLOYEE_YOUNG_PPM);
    else if (age < retire) employee = gen_rng_chance_ppm(rng, EMPLOYEE_WORKING_PPM);
    else employee = gen_rng_chance_ppm(rng, EMPLOYEE_RETIRED_PPM);
    if (employee) {
        p->person.insutype = 310;
        p->person.category = age >= retire ? CATEGORY_RETIRED : CATEGORY_IN_SERVICE;
    } else {
        p->person.insutype = 390;
        if (age < 6) p->person.category = CATEGORY_MINOR;
        else if (age < 18)
            p->person.category = gen_rng_chance_ppm(rng, 600000u) ? CATEGORY_STUDENT
                                                                  : CATEGORY_MINOR;
        else if (age <= 22)
            p->person.category = gen_rng_chance_ppm(rng, 400000u) ? CATEGORY_STUDENT
                                                                  : CATEGORY_ADULT;
        else p->person.category = CATEGORY_ADULT;
    }
}

static void draw_flags(struct gen_rng *rng, struct gen_person *p) {
    uint32_t flags = 0;
    if (p->person.insutype == 390) {
        if (gen_rng_chance_ppm(rng, RES_EXTREME_POVERTY_PPM)) flags |= FLAG_EXTREME_POVERTY;
        if (gen_rng_chance_ppm(rng, RES_LOW_INCOME_PPM)) flags |= FLAG_LOW_INCOME;
        if (gen_rng_chance_ppm(rng, RES_POVERTY_REGISTERED_PPM)) flags |= FLAG_POVERTY_REGISTERED;
    } else if (gen_rng_chance_ppm(rng, EMP_LOW_INCOME_PPM)) {
        flags |= FLAG_LOW_INCOME;
    }
    p->person.flags = flags;
}

/* Benefits start: mostly years ago, a few within the year (waiting period). */
static datetime_s draw_benefit_start(const struct gen_city *city, struct gen_rng *rng,
                                     int64_t birth_day) {
    int64_t day;
    if (gen_rng_chance_ppm(rng, WAITING_PERIOD_PPM)) {
        day = city->year_day0 + gen_rng_range(rng, 0, city->days_in_year - 1);
    } else {
        int64_t earliest = gen_days_from_civil(city->year - ENROLMENT_YEARS_BACK, 1, 1);
        if (earliest < birth_day) earliest = birth_day;
        day = gen_rng_range(rng, earliest, city->year_day0 - 1);
    }
    return day * GEN_DAY_S;
}

static int64_t draw_account_fen(struct gen_rng *rng, const struct gen_person *p) {
    if (p->person.insutype != 310) return 0;
    double yuan = gen_rng_lognormal(rng, 1500.0, 1.0);
    if (yuan > 500000.0) yuan = 500000.0;
    return (int64_t)(yuan * 100.0 + 0.5);
}

void gen_person_get(const struct gen_city *city, int64_t index, struct gen_person *out) {
    gen_person_draw(city, index, out, true);
}

void gen_person_draw(const struct gen_city *city, int64_t index, struct gen_person *out,
                     bool with_name) {
    struct gen_rng rng;
    gen_rng_seed(&rng, city->config.seed, GEN_RNG_PERSON, (uint64_t)index, 0);
    memset(out, 0, sizeof *out);
    out->index = index;
    out->gend = gen_rng_chance_ppm(&rng, MALE_PPM) ? '1' : '2';
    out->age = draw_age(city, &rng);
    int32_t birth_year = city->year - 1 - out->age;
    int64_t birth_day = gen_days_from_civil(birth_year, 1, 1) +
                        gen_rng_range(&rng, 0, gen_days_in_year(birth_year) - 1);
    int y, m, d;
    gen_civil_from_days(birth_day, &y, &m, &d);
    out->birth_year = y;
    out->birth_month = m;
    out->birth_day = d;
    uint32_t weights[GEN_DISTRICTS_MAX];
    for (int i = 0; i < city->set->district_count; i++) weights[i] = city->set->districts[i].weight;
    out->district = gen_rng_weighted(&rng, weights, city->set->district_count);
    draw_scheme(city, &rng, out);
    draw_flags(&rng, out);
    out->person.benefit_start = draw_benefit_start(city, &rng, birth_day);
    out->person.acct_balc_fen = draw_account_fen(&rng, out);
    if (with_name) draw_name(&rng, out->gend, out->name, sizeof out->name); /* drawn last */
    gen_psn_no(city->set->region, index, out->person.psn_no);
    gen_strcpy(out->insuplc_admdvs, sizeof out->insuplc_admdvs, city->set->region);
}

/* Same certno, another psn_no: the other scheme in the same region (psn_no
 * issued by the district office), or the same scheme in another region. */
bool gen_person_duplicate(const struct gen_city *city, const struct gen_person *p,
                          struct gen_person *dup) {
    struct gen_rng rng;
    gen_rng_seed(&rng, city->config.seed, GEN_RNG_REGISTRY, (uint64_t)p->index, 0);
    uint32_t ppm = city->config.rates.rate_ppm[GEN_PLANT_DUPLICATE_ENROLMENT];
    if (!gen_rng_chance_ppm(&rng, ppm)) return false;
    *dup = *p;
    dup->duplicate = true;
    dup->person.flags = 0;
    bool other_scheme = p->age >= 18 &&
                        city->set->schemes == (GEN_SCHEME_EMPLOYEE | GEN_SCHEME_RESIDENT) &&
                        gen_rng_chance_ppm(&rng, 500000u);
    if (other_scheme) {
        const char *division = city->set->districts[p->district].code;
        gen_psn_no(division, p->index, dup->person.psn_no);
        if (p->person.insutype == 310) {
            dup->person.insutype = 390;
            dup->person.category = CATEGORY_ADULT;
        } else {
            dup->person.insutype = 310;
            int32_t retire = p->gend == '1' ? 60 : 55;
            dup->person.category = p->age >= retire ? CATEGORY_RETIRED : CATEGORY_IN_SERVICE;
        }
    } else {
        const struct gen_oa_region *oa =
            &city->set->oa[gen_rng_below(&rng, (uint64_t)city->set->oa_count)];
        gen_psn_no(oa->code, p->index, dup->person.psn_no);
        snprintf(dup->insuplc_admdvs, sizeof dup->insuplc_admdvs, "%s", oa->code);
    }
    int64_t birth_day = gen_days_from_civil(p->birth_year, p->birth_month, p->birth_day);
    dup->person.benefit_start = draw_benefit_start(city, &rng, birth_day);
    dup->person.acct_balc_fen = draw_account_fen(&rng, dup);
    return true;
}

/* --- the registry: certnos in order ------------------------------------- */

struct gen_registry {
    const struct gen_city *city;
    int64_t next_index;
    bool have_dup;
    struct gen_person dup;
    int64_t first_day; /* birth day number of counter 0 */
    int32_t day_span;
    uint16_t *counters; /* [district][day][sex] */
};

int gen_registry_open(const struct gen_city *city, struct gen_registry **out) {
    *out = NULL;
    struct gen_registry *reg = calloc(1, sizeof *reg);
    if (!reg) return -1;
    reg->city = city;
    reg->first_day = gen_days_from_civil(city->year - GEN_AGE_MAX, 1, 1);
    reg->day_span = (int32_t)(city->year_day0 - reg->first_day);
    size_t n = (size_t)city->set->district_count * (size_t)reg->day_span * 2;
    reg->counters = calloc(n, sizeof *reg->counters);
    if (!reg->counters) {
        free(reg);
        return -1;
    }
    *out = reg;
    return 0;
}

void gen_registry_close(struct gen_registry *registry) {
    if (!registry) return;
    free(registry->counters);
    free(registry);
}

/* The next free sequence number for (district, birth day, sex); a full
 * district passes to the next. Returns -1 when all are full. */
static int assign_certno(struct gen_registry *reg, struct gen_person *p) {
    const struct gen_policy_set *set = reg->city->set;
    int64_t day = gen_days_from_civil(p->birth_year, p->birth_month, p->birth_day);
    int64_t offset = day - reg->first_day;
    int sex = p->gend == '1' ? 0 : 1;
    for (int tries = 0; tries < set->district_count; tries++) {
        int d = (p->district + tries) % set->district_count;
        uint16_t *counter =
            &reg->counters[((size_t)d * (size_t)reg->day_span + (size_t)offset) * 2 + (size_t)sex];
        if (*counter >= CERT_SEQ_SLOTS) continue;
        int m = (int)((*counter * CERT_SEQ_STRIDE + (uint64_t)(offset * 7 + d * 13)) %
                      CERT_SEQ_SLOTS);
        (*counter)++;
        int seq = sex == 0 ? 2 * m + 1 : 2 * m + 2;
        gen_idcard_make(set->districts[d].code, p->birth_year, p->birth_month, p->birth_day, seq,
                        p->certno);
        return 0;
    }
    return -1;
}

int gen_registry_next(struct gen_registry *registry, struct gen_person *row) {
    if (registry->have_dup) {
        registry->have_dup = false;
        *row = registry->dup;
        return 1;
    }
    if (registry->next_index >= registry->city->config.persons) return 0;
    gen_person_get(registry->city, registry->next_index++, row);
    if (assign_certno(registry, row) != 0) return -1;
    if (gen_person_duplicate(registry->city, row, &registry->dup)) registry->have_dup = true;
    return 1;
}
