/* gen_internal.h: what the generator's files share and nobody else needs:
 * the static tables (policy sets, names, diagnoses, items), the city's
 * built state, and a person's planned year (events and planted labels). */
#ifndef YIBAO_GEN_INTERNAL_H
#define YIBAO_GEN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen/gen.h"
#include "gen/gen_date.h"
#include "gen/gen_rng.h"

#define GEN_DISTRICTS_MAX 8
#define GEN_SET_DISEASES_MAX 8
#define GEN_OA_HOSPITALS_MAX 8
#define GEN_AGE_MAX 100           /* ages 0 .. GEN_AGE_MAX-1 */
#define GEN_PERSON_EVENTS_MAX 512 /* bills of one person in one year */
#define GEN_PERSON_LABELS_MAX 32
#define GEN_WINDOW_EVENTS_MAX 5000000 /* events sorted in memory at once (target, ~300 MB) */
#define GEN_NO_DISEASE 0xFF

/* Where a bill is: selects the items that may appear on it. */
enum gen_ctx {
    GEN_CTX_OPD = 0,   /* 11 general outpatient */
    GEN_CTX_SPECIAL,   /* 14 special-disease outpatient */
    GEN_CTX_INPATIENT, /* 21 */
    GEN_CTX_PHARMACY,  /* 41 */
    GEN_CTX_COUNT,
};
#define GEN_CTX_BIT(c) (1u << (c))
#define GEN_CTX_ALL 0xFu

/* Institution kinds, for picking: hospital levels then pharmacies. */
enum gen_inst_kind {
    GEN_IK_TOWNSHIP = 0,
    GEN_IK_LEVEL1,
    GEN_IK_LEVEL2,
    GEN_IK_LEVEL3,
    GEN_IK_PHARMACY,
    GEN_IK_OUT_OF_AREA, /* level-3 hospitals in other regions */
    GEN_IK_COUNT,
};

enum gen_item_kind { GEN_ITEM_DRUG = 0, GEN_ITEM_SERVICE, GEN_ITEM_MATERIAL };

/* What an item is for when a bill needs a particular one. */
enum gen_role {
    GEN_ROLE_NONE = 0,
    GEN_ROLE_BED,
    GEN_ROLE_NURSING,
    GEN_ROLE_SURGERY,
    GEN_ROLE_STENT,
    GEN_ROLE_DIALYSIS,
    GEN_ROLE_CANCER,
    GEN_ROLE_ANTIHYPERTENSIVE,
    GEN_ROLE_INSULIN,
    GEN_ROLE_COUNT,
};

struct gen_item {
    char code[24];
    const char *name;           /* NULL for synthetic catalog items */
    uint8_t kind;               /* enum gen_item_kind */
    uint8_t item_class;         /* enum item_class: 1 A, 2 B, 3 C */
    uint8_t role;               /* enum gen_role */
    uint8_t contexts;           /* GEN_CTX_BIT mask */
    uint8_t price_decimals;     /* 2 or 4 */
    bool level_priced;          /* services cost more at higher levels */
    int32_t prepay_bp;          /* -1: the policy's class_b_prepay */
    int64_t cap_scaled;         /* price cap * 1e6; -1: none */
    int64_t base_price_scaled;  /* median unit price * 1e6 (level2 for services) */
    uint16_t price_sigma_milli; /* log-normal sigma of the unit price, x1000 */
    uint16_t cnt_max;           /* most units on an ordinary line */
    int8_t restrict_gender;     /* 0: none; 1 men only; 2 women only */
    int16_t age_min, age_max;   /* inclusive; age_max 0: no age restriction */
};

/* Restricted-item lists of a city built on a synthetic catalog. */
enum gen_restrict_list {
    GEN_RESTRICT_MEN = 0,
    GEN_RESTRICT_WOMEN,
    GEN_RESTRICT_CHILDREN, /* age_max <= 14 */
    GEN_RESTRICT_ELDERLY,  /* age_min >= 60 */
    GEN_RESTRICT_COUNT,
};

struct gen_district {
    const char *code;
    const char *name;
    uint32_t weight;
};

struct gen_oa_region {
    const char *code;
    const char *city;
    uint32_t hospitals;
};

struct gen_set_disease {
    const char *code;
    uint32_t schemes; /* bit 0: 310, bit 1: 390 */
};
#define GEN_SCHEME_EMPLOYEE 1u
#define GEN_SCHEME_RESIDENT 2u

struct gen_policy_set {
    const char *name;
    const char *region;
    const char *city;
    int32_t year;
    uint32_t schemes;
    int district_count;
    struct gen_district districts[GEN_DISTRICTS_MAX];
    int disease_count;
    struct gen_set_disease diseases[GEN_SET_DISEASES_MAX];
    int oa_count;
    struct gen_oa_region oa[GEN_OA_HOSPITALS_MAX];
    int32_t avg_wage_yuan; /* monthly average wage of the region (the employee policy's) */
    /* The employee policy's funding figures the benefit-start rule reads
     * (FUNDS.md §4; gen_benefit.c); grace_months -1: the set's shipped
     * policies have no funding section. */
    int32_t grace_months, waiting_months;
    int32_t min_months_men, min_months_women, min_months_local;
    int32_t lump_rate_bp;
};

struct gen_disease_profile {
    const char *code;
    const char *name;
    int32_t age_min;
    uint32_t ppm_at_60; /* prevalence among persons aged 60 */
    double visits_per_year;
    double cost_median_yuan;
    double cost_sigma;
    uint8_t key_role;  /* the item every visit has */
    uint8_t level_min; /* enum level of the designated hospital */
    const char *dx[4];
    int dx_count;
};

struct gen_dx {
    const char *code;
    uint16_t weight;
    uint8_t age_min, age_max;
    uint8_t gender;    /* 0 any, 1 men, 2 women */
    uint8_t level_min; /* enum level */
    uint8_t role;      /* key item of the stay, GEN_ROLE_NONE if none */
};

struct gen_goods {
    const char *code;
    const char *name;
    int64_t price_fen;
};

/* Tables (gen_data.c). */
extern const struct gen_policy_set gen_policy_sets[];
extern const int gen_policy_set_count;
extern const struct gen_item gen_default_items[];
extern const int gen_default_item_count;
extern const struct gen_disease_profile gen_disease_profiles[];
extern const int gen_disease_profile_count;
extern const struct gen_dx gen_dx_inpatient[];
extern const int gen_dx_inpatient_count;
extern const struct gen_dx gen_dx_outpatient[];
extern const int gen_dx_outpatient_count;
extern const struct gen_goods gen_non_medical_goods[];
extern const int gen_non_medical_goods_count;
extern const char *const gen_surnames[];
extern const uint32_t gen_surname_weights[];
extern const int gen_surname_count;
extern const char *const gen_given_male[];
extern const int gen_given_male_count;
extern const char *const gen_given_female[];
extern const int gen_given_female_count;
extern const uint32_t gen_age_band_weights[GEN_AGE_MAX / 5];
extern const char *const gen_pharmacy_brands[];
extern const int gen_pharmacy_brand_count;

const struct gen_policy_set *gen_policy_set_find(const char *name);
const struct gen_disease_profile *gen_disease_profile_find(const char *code);

/* The built city. */
struct gen_city {
    struct gen_config config;
    const struct gen_policy_set *set;
    int32_t year;
    int32_t days_in_year;
    int64_t year_day0;             /* day number of 1 January */
    uint64_t age_cum[GEN_AGE_MAX]; /* cumulative age weights */
    double admission_scale;        /* rate multiplier to the target */
    double outpatient_scale;
    const struct gen_disease_profile *disease[GEN_SET_DISEASES_MAX];
    struct gen_institution *institutions;
    int32_t institution_count;
    /* institutions of kind k in district d: pick_index[pick_start[k][d] ..
     * pick_start[k][d] + pick_count[k][d]); d = district_count: all. */
    int32_t *pick_index;
    int32_t pick_start[GEN_IK_COUNT][GEN_DISTRICTS_MAX + 1];
    int32_t pick_count[GEN_IK_COUNT][GEN_DISTRICTS_MAX + 1];
    const struct gen_item *items; /* the conformance items, then synthetic ones */
    struct gen_item *items_owned; /* items when built from a synthetic catalog */
    int32_t item_count;
    /* items per (context, class), sorted by base price. */
    int32_t *ctx_items[GEN_CTX_COUNT][3];
    int32_t ctx_item_count[GEN_CTX_COUNT][3];
    int32_t *ctx_storage;
    int32_t role_item[GEN_ROLE_COUNT];       /* -1: none */
    int32_t *restricted[GEN_RESTRICT_COUNT]; /* item indices */
    int32_t restricted_count[GEN_RESTRICT_COUNT];
    int32_t *restricted_storage;
    double expected_events;
    int32_t windows;
    /* employers (gen_enrol.c): the city's, those of district d are
     * employer_start[d] .. employer_start[d + 1] - 1 */
    int32_t employer_local;
    int32_t employer_start[GEN_DISTRICTS_MAX + 1];
};

/* One bill of a person's year, before its lines are drawn. */
enum gen_event_flag {
    GEN_EV_OUT_OF_AREA = 1u << 0,
    GEN_EV_FILED = 1u << 1,
    GEN_EV_ACCT_USED = 1u << 2,
    GEN_EV_COPY_ONE_LINE = 1u << 3, /* duplicate_charge: first line only */
};

struct gen_event {
    datetime_s begntime;
    datetime_s endtime;
    int64_t target_fen; /* what the lines should add up to */
    int32_t psn_index;
    int32_t inst_index;
    uint16_t seq;         /* msgid serial within the person;
                                                * plan->events[seq] is this event */
    uint16_t line_seq;    /* whose line stream to draw from */
    uint16_t dx;          /* index in its diagnosis table */
    uint16_t stay_nights; /* inpatient, else 0 */
    uint8_t med_type;     /* 11, 14, 21, 41 */
    uint8_t disease;      /* set disease index or GEN_NO_DISEASE */
    uint8_t line_count;   /* ordinary lines */
    uint8_t flags;        /* enum gen_event_flag */
    uint8_t plant;        /* planted line kind, GEN_PLANT_NONE if none */
    uint8_t gend;         /* the person's: 1 or 2 */
    uint8_t age;          /* the person's, on 1 January */
    int32_t plant_item;   /* item index, or goods index */
    int32_t plant_cnt;    /* units of the planted line */
};
_Static_assert(sizeof(struct gen_event) == 56, "events are kept compact: a window holds millions");

struct gen_label {
    uint8_t kind; /* enum gen_plant_kind */
    uint8_t event_count;
    uint16_t event[2];        /* seq of the bills */
    int32_t value;            /* days apart, units, ... */
    int32_t item;             /* item or goods index, -1 none */
    int8_t restrict_gender;   /* 0 none */
    bool in_catalog;          /* the catalog has the restriction */
    int16_t age_min, age_max; /* -1 none */
    int16_t age;              /* age_restricted: the person's on the bill's day */
};

struct gen_plan {
    struct gen_person person;
    int32_t event_count;
    struct gen_event events[GEN_PERSON_EVENTS_MAX];
    int32_t label_count;
    struct gen_label labels[GEN_PERSON_LABELS_MAX];
    uint64_t busy[6]; /* days of the year already used */
};

/* A hospital's level as an index 0..3 (LEVEL_TOWNSHIP .. LEVEL_3) of the
 * per-level tables, or -1 for LEVEL_NONE (a pharmacy) and anything else. */
static inline int gen_level_index(enum level level) {
    return level >= LEVEL_TOWNSHIP && level <= LEVEL_3 ? (int)level : -1;
}

/* Copies src into dst (size bytes, always NUL-terminated, truncating). */
static inline void gen_strcpy(char *dst, size_t size, const char *src) {
    size_t i = 0;
    for (; i + 1 < size && src[i]; i++) dst[i] = src[i];
    dst[i] = '\0';
}

/* Writes value as exactly `width` decimal digits (zero-padded, the lowest
 * digits kept); returns dst + width. */
static inline char *gen_put_digits(char *dst, uint64_t value, int width) {
    for (int i = width - 1; i >= 0; i--) {
        dst[i] = (char)('0' + value % 10);
        value /= 10;
    }
    return dst + width;
}

/* gen_person.c */
/* Person `index` without the name when with_name is false (planning). */
void gen_person_draw(const struct gen_city *city, int64_t index, struct gen_person *out,
                     bool with_name);
void gen_psn_no(const char *prefix, int64_t index, char out[CODE_BYTES_MAX + 1]);
/* The duplicate row of person p, or false when p has none. */
bool gen_person_duplicate(const struct gen_city *city, const struct gen_person *p,
                          struct gen_person *dup);

/* gen_plan.c */
double gen_admission_rel(int32_t age, char gend);
double gen_outpatient_rel(int32_t age);
void gen_plan_person(const struct gen_city *city, int64_t index, struct gen_plan *plan);
const char *gen_event_dx_code(const struct gen_city *city, const struct gen_event *event);

/* gen_lines.c */
void gen_event_materialize(const struct gen_city *city, const struct gen_event *event,
                           struct gen_bill_out *out);
/* The bill's msgid, from its institution, endtime, person and seq: the
 * stream and the label writer call it on the same planned event. */
void gen_msgid(const struct gen_city *city, const struct gen_event *event,
               char out[GEN_MSGID_BYTES_MAX + 1]);

/* gen_enrol.c: the city's employers spread over its districts. */
void gen_enrol_prepare(struct gen_city *city);

/* gen_catalog.c: synthetic catalog item i (file fields and the city's
 * price model); name receives the item's name. */
void gen_catalog_item(uint64_t seed, int32_t i, struct gen_item *item, char *name,
                      size_t name_size);
/* True when the item's restriction excludes a person of this sex and age. */
bool gen_item_forbidden(const struct gen_item *item, int gend, int age);

/* gen_city.c */
extern const int64_t gen_level_service_factor_milli[4];
int32_t gen_pick_institution(const struct gen_city *city, struct gen_rng *rng,
                             enum gen_inst_kind kind, int32_t district);

#endif
