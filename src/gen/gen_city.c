/* gen_city.c: builds a city from its configuration: the policy set, the
 * calibration of rates to their targets, the institutions (counts scale
 * with persons) and the per-context item tables; and picks institutions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "gen/gen_internal.h"

/* Institutions per million persons, by kind (township, level1, level2,
 * level3, pharmacy); at least one of each. */
static const int64_t institutions_per_million[GEN_IK_PHARMACY + 1] = {90, 60, 25, 8, 400};
/* Service prices by level, per mille of the level-2 price. */
const int64_t gen_level_service_factor_milli[4] = {700, 850, 1000, 1150};
#define LOCAL_PICK_PPM 880000u /* a person's own district first */
#define MALE_SHARE 0.512

static const char *const default_rate_names[GEN_PLANT_KIND_COUNT] = {
    NULL,
    "split_admission",
    "overlapping_stays",
    "visit_during_stay",
    "gender_restricted",
    "age_restricted",
    "over_quantity",
    "duplicate_charge",
    "non_medical_goods",
    "duplicate_enrolment",
    "substitution",
};

const char *gen_plant_kind_name(enum gen_plant_kind kind) {
    if (kind <= GEN_PLANT_NONE || kind >= GEN_PLANT_KIND_COUNT) return NULL;
    return default_rate_names[kind];
}

void gen_config_defaults(struct gen_config *config) {
    static const uint32_t rates[GEN_PLANT_KIND_COUNT] = {0,    10000, 2000,  10000, 1000, 1000,
                                                         2000, 2000,  10000, 5000,  10000};
    memset(config, 0, sizeof *config);
    config->seed = 1;
    config->persons = 1000;
    config->year = 0;
    config->policy_set = NULL;
    memcpy(config->rates.rate_ppm, rates, sizeof rates);
    config->admissions_per_1000 = 200;
    config->outpatient_per_1000 = 6500;
}

int32_t gen_city_year(const struct gen_city *city) { return city->year; }
const char *gen_city_region(const struct gen_city *city) { return city->set->region; }
int64_t gen_city_persons(const struct gen_city *city) { return city->config.persons; }

const struct gen_institution *gen_institution_get(const struct gen_city *city, int32_t index) {
    if (index < 0 || index >= city->institution_count) return NULL;
    return &city->institutions[index];
}

/* Age weights, the expected relative rates, and the scales that bring the
 * population means to their targets. */
static void calibrate(struct gen_city *city) {
    double total = 0.0, adm = 0.0, opd = 0.0;
    uint64_t cum = 0;
    for (int age = 0; age < GEN_AGE_MAX; age++) {
        uint64_t w = gen_age_band_weights[age / 5] * 200u;
        if (!(city->set->schemes & GEN_SCHEME_RESIDENT) && age < 18) w = 0;
        cum += w;
        city->age_cum[age] = cum;
        double rel_adm = MALE_SHARE * gen_admission_rel(age, '1') +
                         (1.0 - MALE_SHARE) * gen_admission_rel(age, '2');
        total += (double)w;
        adm += (double)w * rel_adm;
        opd += (double)w * gen_outpatient_rel(age);
    }
    city->admission_scale = city->config.admissions_per_1000 / 1000.0 / (adm / total);
    city->outpatient_scale = city->config.outpatient_per_1000 / 1000.0 / (opd / total);
    /* Bills per person-year besides admissions and general outpatient:
     * pharmacy ~2.2, special outpatient ~0.6, planted ~0.05. */
    double per_person = (city->config.admissions_per_1000 + city->config.outpatient_per_1000) /
                            1000.0 +
                        3.0;
    city->expected_events = per_person * (double)city->config.persons;
    double windows = ceil(city->expected_events / GEN_WINDOW_EVENTS_MAX);
    if (windows < 1) windows = 1;
    if (windows > city->days_in_year) windows = city->days_in_year;
    city->windows = (int32_t)windows;
}

static int32_t kind_count(const struct gen_city *city, int kind) {
    if (kind == GEN_IK_OUT_OF_AREA) {
        int32_t n = 0;
        for (int i = 0; i < city->set->oa_count; i++) n += (int32_t)city->set->oa[i].hospitals;
        return n;
    }
    int64_t n = (city->config.persons * institutions_per_million[kind] + 500000) / 1000000;
    return n < 1 ? 1 : (int32_t)n;
}

/* District of the k-th of n institutions: spread in proportion to weight. */
static int32_t spread_district(const struct gen_policy_set *set, int32_t k, int32_t n) {
    uint64_t total = 0;
    for (int d = 0; d < set->district_count; d++) total += set->districts[d].weight;
    uint64_t x = ((uint64_t)k * 2 + 1) * total / ((uint64_t)n * 2);
    for (int d = 0; d < set->district_count; d++) {
        if (x < set->districts[d].weight) return d;
        x -= set->districts[d].weight;
    }
    return set->district_count - 1;
}

static const char *const kind_label[GEN_IK_COUNT] = {
    "Township Health Centre", "Community Hospital", "People's Hospital",
    "Central Hospital",       "Pharmacy",           "University Hospital"};
static const enum level kind_level[GEN_IK_COUNT] = {LEVEL_TOWNSHIP, LEVEL_1,    LEVEL_2,
                                                    LEVEL_3,        LEVEL_NONE, LEVEL_3};

static void name_institution(const struct gen_city *city, struct gen_institution *inst, int kind,
                             int32_t serial, const char *place) {
    if (kind == GEN_IK_PHARMACY) {
        const char *brand = gen_pharmacy_brands[serial % gen_pharmacy_brand_count];
        snprintf(inst->name, sizeof inst->name, "%s Pharmacy %s No.%d", brand, place,
                 (int)serial + 1);
    } else if (kind == GEN_IK_LEVEL3) {
        snprintf(inst->name, sizeof inst->name, "%s %s No.%d", city->set->city, kind_label[kind],
                 (int)serial + 1);
    } else {
        snprintf(inst->name, sizeof inst->name, "%s %s No.%d", place, kind_label[kind],
                 (int)serial + 1);
    }
}

/* Fills the institutions of one kind starting at *next. */
static void make_kind(struct gen_city *city, int kind, int32_t *next, int32_t *hospital_serial,
                      int32_t *pharmacy_serial) {
    const struct gen_policy_set *set = city->set;
    int32_t n = kind_count(city, kind);
    for (int32_t k = 0; k < n; k++) {
        struct gen_institution *inst = &city->institutions[(*next)++];
        memset(inst, 0, sizeof *inst);
        inst->inst.type = kind == GEN_IK_PHARMACY ? INSTITUTION_PHARMACY : INSTITUTION_HOSPITAL;
        inst->inst.level = kind_level[kind];
        if (kind == GEN_IK_OUT_OF_AREA) {
            int r = 0;
            int32_t left = k;
            while (r < set->oa_count - 1 && left >= (int32_t)set->oa[r].hospitals)
                left -= (int32_t)set->oa[r++].hospitals;
            inst->out_of_area = true;
            inst->district = -1;
            snprintf(inst->admdvs, sizeof inst->admdvs, "%s", set->oa[r].code);
            snprintf(inst->inst.code, sizeof inst->inst.code, "H%s%05d", set->oa[r].code,
                     (int)left + 1);
            snprintf(inst->name, sizeof inst->name, "%s %s No.%d", set->oa[r].city,
                     kind_label[kind], (int)left + 1);
            continue;
        }
        inst->district = spread_district(set, k, n);
        snprintf(inst->admdvs, sizeof inst->admdvs, "%s", set->region);
        if (kind == GEN_IK_PHARMACY)
            snprintf(inst->inst.code, sizeof inst->inst.code, "P%s%05d", set->region,
                     (int)++*pharmacy_serial);
        else
            snprintf(inst->inst.code, sizeof inst->inst.code, "H%s%05d", set->region,
                     (int)++*hospital_serial);
        name_institution(city, inst, kind, k, set->districts[inst->district].name);
    }
}

static int32_t inst_kind(const struct gen_institution *inst) {
    if (inst->out_of_area) return GEN_IK_OUT_OF_AREA;
    if (inst->inst.type == INSTITUTION_PHARMACY) return GEN_IK_PHARMACY;
    return (int32_t)inst->inst.level;
}

static int build_pick_lists(struct gen_city *city) {
    int dall = city->set->district_count;
    city->pick_index = calloc((size_t)city->institution_count * 2, sizeof *city->pick_index);
    if (!city->pick_index) return -1;
    memset(city->pick_count, 0, sizeof city->pick_count);
    for (int32_t i = 0; i < city->institution_count; i++) {
        const struct gen_institution *inst = &city->institutions[i];
        int k = inst_kind(inst);
        if (inst->district >= 0) city->pick_count[k][inst->district]++;
        city->pick_count[k][dall]++;
    }
    int32_t start = 0;
    for (int k = 0; k < GEN_IK_COUNT; k++)
        for (int d = 0; d <= dall; d++) {
            city->pick_start[k][d] = start;
            start += city->pick_count[k][d];
        }
    int32_t fill[GEN_IK_COUNT][GEN_DISTRICTS_MAX + 1] = {{0}};
    for (int32_t i = 0; i < city->institution_count; i++) {
        const struct gen_institution *inst = &city->institutions[i];
        int k = inst_kind(inst);
        if (inst->district >= 0)
            city->pick_index[city->pick_start[k][inst->district] + fill[k][inst->district]++] = i;
        city->pick_index[city->pick_start[k][dall] + fill[k][dall]++] = i;
    }
    return 0;
}

static int build_institutions(struct gen_city *city) {
    int32_t total = 0;
    for (int k = 0; k < GEN_IK_COUNT; k++) total += kind_count(city, k);
    city->institutions = calloc((size_t)total, sizeof *city->institutions);
    if (!city->institutions) return -1;
    int32_t next = 0, hospital_serial = 0, pharmacy_serial = 0;
    static const int order[GEN_IK_COUNT] = {GEN_IK_LEVEL3,   GEN_IK_LEVEL2,      GEN_IK_LEVEL1,
                                            GEN_IK_TOWNSHIP, GEN_IK_OUT_OF_AREA, GEN_IK_PHARMACY};
    for (int i = 0; i < GEN_IK_COUNT; i++)
        make_kind(city, order[i], &next, &hospital_serial, &pharmacy_serial);
    city->institution_count = next;
    return build_pick_lists(city);
}

int32_t gen_pick_institution(const struct gen_city *city, struct gen_rng *rng,
                             enum gen_inst_kind kind, int32_t district) {
    int dall = city->set->district_count;
    int d = dall;
    if (district >= 0 && district < dall && city->pick_count[kind][district] > 0 &&
        gen_rng_chance_ppm(rng, LOCAL_PICK_PPM))
        d = district;
    int32_t n = city->pick_count[kind][d];
    double u = gen_rng_uniform(rng);
    int32_t k = (int32_t)(u * u * n); /* the first institutions are the busiest */
    if (k >= n) k = n - 1;
    return city->pick_index[city->pick_start[kind][d] + k];
}

struct priced {
    int64_t price;
    int32_t index;
};

static int compare_priced(const void *pa, const void *pb) {
    const struct priced *a = pa, *b = pb;
    if (a->price != b->price) return a->price < b->price ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

/* The item table: the conformance items, then a synthetic catalog's. */
static int load_items(struct gen_city *city) {
    int32_t extra = city->config.catalog_items;
    if (extra <= 0) {
        city->items = gen_default_items;
        city->item_count = gen_default_item_count;
        return 0;
    }
    int32_t n = gen_default_item_count + extra;
    city->items_owned = calloc((size_t)n, sizeof *city->items_owned);
    if (!city->items_owned) return -1;
    memcpy(city->items_owned, gen_default_items,
           (size_t)gen_default_item_count * sizeof *city->items_owned);
    for (int32_t i = 0; i < extra; i++)
        gen_catalog_item(city->config.catalog_seed, i,
                         &city->items_owned[gen_default_item_count + i], NULL, 0);
    city->items = city->items_owned;
    city->item_count = n;
    return 0;
}

/* Items per (context, class), sorted by base price. */
static int build_ctx_lists(struct gen_city *city) {
    size_t total = 0;
    memset(city->ctx_item_count, 0, sizeof city->ctx_item_count);
    for (int32_t i = 0; i < city->item_count; i++)
        for (int c = 0; c < GEN_CTX_COUNT; c++)
            if (city->items[i].contexts & GEN_CTX_BIT(c)) total++;
    city->ctx_storage = calloc(total ? total : 1, sizeof *city->ctx_storage);
    struct priced *tmp = calloc((size_t)city->item_count, sizeof *tmp);
    if (!city->ctx_storage || !tmp) {
        free(tmp);
        return -1;
    }
    int32_t *next = city->ctx_storage;
    for (int c = 0; c < GEN_CTX_COUNT; c++)
        for (int cls = 0; cls < 3; cls++) {
            int32_t n = 0;
            for (int32_t i = 0; i < city->item_count; i++) {
                const struct gen_item *item = &city->items[i];
                if ((item->contexts & GEN_CTX_BIT(c)) && item->item_class == cls + 1)
                    tmp[n++] = (struct priced){item->base_price_scaled, i};
            }
            qsort(tmp, (size_t)n, sizeof *tmp, compare_priced);
            city->ctx_items[c][cls] = next;
            city->ctx_item_count[c][cls] = n;
            for (int32_t k = 0; k < n; k++) *next++ = tmp[k].index;
        }
    free(tmp);
    return 0;
}

static int restrict_list(const struct gen_item *item) {
    if (item->restrict_gender == 1) return GEN_RESTRICT_MEN;
    if (item->restrict_gender == 2) return GEN_RESTRICT_WOMEN;
    if (item->age_max > 0 && item->age_max <= 14) return GEN_RESTRICT_CHILDREN;
    if (item->age_max > 0 && item->age_min >= 60) return GEN_RESTRICT_ELDERLY;
    return -1;
}

static int build_items(struct gen_city *city) {
    if (load_items(city) != 0 || build_ctx_lists(city) != 0) return -1;
    for (int r = 0; r < GEN_ROLE_COUNT; r++) city->role_item[r] = -1;
    memset(city->restricted_count, 0, sizeof city->restricted_count);
    for (int32_t i = 0; i < city->item_count; i++) {
        const struct gen_item *item = &city->items[i];
        if (item->role != GEN_ROLE_NONE && city->role_item[item->role] < 0)
            city->role_item[item->role] = i;
        int r = restrict_list(item);
        if (r >= 0) city->restricted_count[r]++;
    }
    int32_t total = 0;
    for (int r = 0; r < GEN_RESTRICT_COUNT; r++) total += city->restricted_count[r];
    city->restricted_storage = calloc(total ? (size_t)total : 1, sizeof(int32_t));
    if (!city->restricted_storage) return -1;
    int32_t *next = city->restricted_storage;
    for (int r = 0; r < GEN_RESTRICT_COUNT; r++) {
        city->restricted[r] = next;
        next += city->restricted_count[r];
        city->restricted_count[r] = 0;
    }
    for (int32_t i = 0; i < city->item_count; i++) {
        int r = restrict_list(&city->items[i]);
        if (r >= 0) city->restricted[r][city->restricted_count[r]++] = i;
    }
    return 0;
}

static int check_config(const struct gen_config *config, char *err, size_t err_size) {
    if (config->persons < 1 || config->persons > GEN_PERSONS_MAX) {
        snprintf(err, err_size, "persons must be 1..%lld", (long long)GEN_PERSONS_MAX);
        return -1;
    }
    if (config->year != 0 && (config->year < GEN_YEAR_MIN || config->year > GEN_YEAR_MAX)) {
        snprintf(err, err_size, "year must be %d..%d", GEN_YEAR_MIN, GEN_YEAR_MAX);
        return -1;
    }
    for (int k = 1; k < GEN_PLANT_KIND_COUNT; k++)
        if (config->rates.rate_ppm[k] > GEN_PPM_ONE) {
            snprintf(err, err_size, "rate of %s must be in [0, 1]", default_rate_names[k]);
            return -1;
        }
    if (config->catalog_items < 0 || config->catalog_items > GEN_CATALOG_ITEMS_MAX) {
        snprintf(err, err_size, "catalog items must be 0..%d", GEN_CATALOG_ITEMS_MAX);
        return -1;
    }
    if (config->bill_lines < 0 || config->bill_lines > GEN_FIXED_LINES_MAX) {
        snprintf(err, err_size, "bill_lines must be 0..%d", GEN_FIXED_LINES_MAX);
        return -1;
    }
    if (config->admissions_per_1000 > 5000 || config->outpatient_per_1000 > 50000) {
        snprintf(err, err_size, "admission rate must be <= 5 and outpatient rate <= 50");
        return -1;
    }
    return 0;
}

/* msgids begin with the institution's code and rely on its fixed width. */
static int check_institution_codes(const struct gen_city *city, char *err, size_t err_size) {
    for (int32_t i = 0; i < city->institution_count; i++) {
        const char *code = city->institutions[i].inst.code;
        if (strlen(code) != GEN_INST_CODE_BYTES) {
            snprintf(err, err_size, "institution code '%s' does not have %d bytes", code,
                     GEN_INST_CODE_BYTES);
            return -1;
        }
    }
    return 0;
}

int gen_city_open(const struct gen_config *config, struct gen_city **out, char *err,
                  size_t err_size) {
    *out = NULL;
    if (check_config(config, err, err_size) != 0) return -1;
    const char *set_name = config->policy_set ? config->policy_set : "maoming-2020";
    const struct gen_policy_set *set = gen_policy_set_find(set_name);
    if (!set) {
        snprintf(err, err_size, "unknown policy set '%s'", set_name);
        return -1;
    }
    struct gen_city *city = calloc(1, sizeof *city);
    if (!city) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    city->config = *config;
    city->config.policy_set = set->name;
    city->set = set;
    city->year = config->year ? config->year : set->year;
    city->days_in_year = gen_days_in_year(city->year);
    city->year_day0 = gen_days_from_civil(city->year, 1, 1);
    for (int d = 0; d < set->disease_count; d++)
        city->disease[d] = gen_disease_profile_find(set->diseases[d].code);
    calibrate(city);
    gen_enrol_prepare(city);
    if (build_items(city) != 0 || build_institutions(city) != 0) {
        gen_city_close(city);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    if (check_institution_codes(city, err, err_size) != 0) {
        gen_city_close(city);
        return -1;
    }
    *out = city;
    return 0;
}

void gen_city_close(struct gen_city *city) {
    if (!city) return;
    free(city->institutions);
    free(city->pick_index);
    free(city->items_owned);
    free(city->ctx_storage);
    free(city->restricted_storage);
    free(city);
}
