/* gen_catalog.c: `gen catalog`: a large synthetic yibao-catalog/1 file.
 *
 * Item i is drawn from its own stream (seed, catalog, i): kind (drug /
 * service / material), class by kind, a code that embeds i (so codes are
 * unique), a made-up name, sometimes a price cap, a B item's own prepay,
 * and a few gender or age restrictions. The conformance catalog's items
 * follow, unchanged, so bills of the default city settle against this file
 * exactly as against the conformance catalog. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/catalog.h"
#include "gen/gen_internal.h"
#include "gen/gen_out.h"

static const uint32_t kind_weights[3] = {55, 33, 12};
static const uint32_t class_weights[3][3] = {{35, 45, 20}, {70, 20, 10}, {10, 70, 20}};
static const double price_median[3] = {20.0, 60.0, 300.0};
static const uint32_t cap_ppm[3] = {250000, 200000, 500000};
#define OWN_PREPAY_PPM 350000u
#define GENDER_RESTRICT_PPM 20000u
#define AGE_RESTRICT_PPM 20000u

static const char atc_letters[] = "ABCDGHJLMNRS";
static const char *const drug_stems[] = {"amlo",  "cefu",  "levo",   "metro", "predni", "ome",
                                         "losa",  "glime", "rosu",   "azi",   "clopi",  "dexa",
                                         "fluco", "ibu",   "lisino", "panto"};
static const char *const drug_suffixes[] = {
    "dipine",   "roxime",    "floxacin", "nidazole",  "solone", "prazole", "sartan", "piride",
    "vastatin", "thromycin", "dogrel",   "methasone", "nazole", "profen",  "pril"};
static const char *const drug_forms[] = {"tablet 10mg", "capsule 0.25g",       "injection 2ml",
                                         "granules 5g", "oral solution 100ml", "ointment 10g"};
static const char *const services[] = {"blood routine test",
                                       "liver function panel",
                                       "ultrasound, abdomen",
                                       "X-ray, chest",
                                       "ECG",
                                       "acupuncture",
                                       "physiotherapy session",
                                       "gastroscopy",
                                       "suture of wound",
                                       "intravenous infusion",
                                       "nursing care, level 1",
                                       "consultation, specialist"};
static const char *const materials[] = {"catheter",         "suture",     "orthopaedic plate",
                                        "intraocular lens", "guide wire", "infusion set",
                                        "dressing",         "bone screw"};
static const char *const kind_names[3] = {"drug", "service", "material"};

struct synth_item {
    char code[24];
    char name[96];
    int kind, cls;
    int32_t prepay_bp;    /* -1 none */
    int64_t cap_scaled;   /* -1 none */
    int gender;           /* 0 none */
    int age_min, age_max; /* -1 none */
};

static void draw_identity(struct gen_rng *rng, int32_t i, struct synth_item *it) {
    int chapter = (int)gen_rng_range(rng, 1, 40);
    if (it->kind == 0) {
        char letter = atc_letters[gen_rng_below(rng, sizeof atc_letters - 1)];
        snprintf(it->code, sizeof it->code, "X%c%02d%07d", letter, chapter, (int)i + 1);
        snprintf(it->name, sizeof it->name, "%s%s %s",
                 drug_stems[gen_rng_below(rng, sizeof drug_stems / sizeof *drug_stems)],
                 drug_suffixes[gen_rng_below(rng, sizeof drug_suffixes / sizeof *drug_suffixes)],
                 drug_forms[gen_rng_below(rng, sizeof drug_forms / sizeof *drug_forms)]);
    } else if (it->kind == 1) {
        snprintf(it->code, sizeof it->code, "S%02d%07d", chapter, (int)i + 1);
        snprintf(it->name, sizeof it->name, "%s, variant %d",
                 services[gen_rng_below(rng, sizeof services / sizeof *services)], chapter);
    } else {
        snprintf(it->code, sizeof it->code, "C%02d%07d", chapter, (int)i + 1);
        snprintf(it->name, sizeof it->name, "%s, model %d",
                 materials[gen_rng_below(rng, sizeof materials / sizeof *materials)], chapter);
    }
}

static void draw_item(uint64_t seed, int32_t i, struct synth_item *it) {
    struct gen_rng rng;
    gen_rng_seed(&rng, seed, GEN_RNG_CATALOG, (uint64_t)i, 0);
    memset(it, 0, sizeof *it);
    it->kind = gen_rng_weighted(&rng, kind_weights, 3);
    it->cls = 1 + gen_rng_weighted(&rng, class_weights[it->kind], 3);
    draw_identity(&rng, i, it);
    it->prepay_bp = -1;
    it->cap_scaled = -1;
    it->age_min = it->age_max = -1;
    if (it->cls == CLASS_B && gen_rng_chance_ppm(&rng, OWN_PREPAY_PPM)) {
        static const int32_t prepays[5] = {500, 1000, 1500, 2000, 3000};
        it->prepay_bp = prepays[gen_rng_below(&rng, 5)];
    }
    if (it->cls != CLASS_C && gen_rng_chance_ppm(&rng, cap_ppm[it->kind])) {
        double cap = gen_rng_lognormal(&rng, price_median[it->kind], 1.2);
        int64_t fen = (int64_t)(cap * 100.0 + 0.5);
        it->cap_scaled = (fen < 1 ? 1 : fen) * 10000;
    }
    if (it->kind != 2 && gen_rng_chance_ppm(&rng, GENDER_RESTRICT_PPM)) {
        it->gender = gen_rng_chance_ppm(&rng, 700000u) ? 2 : 1;
    } else if (gen_rng_chance_ppm(&rng, AGE_RESTRICT_PPM)) {
        bool child = gen_rng_chance_ppm(&rng, 600000u);
        it->age_min = child ? 0 : 60;
        it->age_max = child ? 14 : 120;
    }
}

/* The city's view of item i: median unit price (below the cap, so that
 * some lines end above it), where it may be billed, usual quantity. Drawn
 * from a second stream so the catalog file does not depend on it. */
static void city_fields(uint64_t seed, int32_t i, struct gen_item *item) {
    struct gen_rng rng;
    gen_rng_seed(&rng, seed, GEN_RNG_CATALOG, (uint64_t)i, 1);
    double base;
    if (item->cap_scaled >= 0) base = (double)item->cap_scaled / 1e6 * 0.92;
    else base = gen_rng_lognormal(&rng, price_median[item->kind], 1.0);
    if (base < 0.05) base = 0.05;
    if (base > 20000.0) base = 20000.0;
    item->base_price_scaled = (int64_t)(base * 1e6);
    item->price_sigma_milli = (uint16_t)gen_rng_range(&rng, 60, 200);
    item->price_decimals = item->kind == GEN_ITEM_DRUG && base < 5.0 ? 4 : 2;
    item->level_priced = item->kind == GEN_ITEM_SERVICE;
    if (item->kind == GEN_ITEM_DRUG) {
        item->contexts = GEN_CTX_ALL;
        item->cnt_max = base < 1.0 ? 60 : base < 10.0 ? 20 : base < 100.0 ? 6 : 3;
    } else if (item->kind == GEN_ITEM_SERVICE) {
        item->contexts = base < 1500.0 ? (uint8_t)(GEN_CTX_ALL & ~GEN_CTX_BIT(GEN_CTX_PHARMACY))
                                       : (uint8_t)GEN_CTX_BIT(GEN_CTX_INPATIENT);
        item->cnt_max = 1;
    } else {
        item->contexts = GEN_CTX_BIT(GEN_CTX_INPATIENT);
        item->cnt_max = 2;
    }
}

void gen_catalog_item(uint64_t seed, int32_t i, struct gen_item *item, char *name,
                      size_t name_size) {
    struct synth_item it;
    draw_item(seed, i, &it);
    memset(item, 0, sizeof *item);
    gen_strcpy(item->code, sizeof item->code, it.code);
    if (name) gen_strcpy(name, name_size, it.name);
    item->kind = (uint8_t)it.kind;
    item->item_class = (uint8_t)it.cls;
    item->role = GEN_ROLE_NONE;
    item->prepay_bp = it.prepay_bp;
    item->cap_scaled = it.cap_scaled;
    item->restrict_gender = (int8_t)it.gender;
    if (it.age_min >= 0) {
        item->age_min = (int16_t)it.age_min;
        item->age_max = (int16_t)it.age_max;
    }
    city_fields(seed, i, item);
}

bool gen_item_forbidden(const struct gen_item *item, int gend, int age) {
    if (item->restrict_gender && item->restrict_gender != gend) return true;
    return item->age_max > 0 && (age < item->age_min || age > item->age_max);
}

static void write_item(struct gen_out *out, const struct gen_item *it, const char *name) {
    static const char class_letter[4] = {'?', 'A', 'B', 'C'};
    gen_out_json_str(out, it->code);
    gen_out_str(out, ":{\"name\":");
    gen_out_json_str(out, name);
    gen_out_str(out, ",\"kind\":\"");
    gen_out_str(out, kind_names[it->kind]);
    gen_out_str(out, "\",\"class\":\"");
    gen_out_char(out, class_letter[it->item_class]);
    gen_out_char(out, '"');
    if (it->prepay_bp >= 0) {
        gen_out_str(out, ",\"prepay\":");
        gen_out_scaled(out, it->prepay_bp, 4, 1);
    }
    if (it->cap_scaled >= 0) {
        gen_out_str(out, ",\"cap_price\":");
        gen_out_scaled(out, it->cap_scaled, 6, 1);
    }
    if (it->restrict_gender) {
        gen_out_str(out, it->restrict_gender == 1 ? ",\"restrict\":{\"gender\":\"1\"}"
                                                  : ",\"restrict\":{\"gender\":\"2\"}");
    } else if (it->age_max > 0) {
        gen_out_str(out, ",\"restrict\":{\"age_min\":");
        gen_out_i64(out, it->age_min);
        gen_out_str(out, ",\"age_max\":");
        gen_out_i64(out, it->age_max);
        gen_out_char(out, '}');
    }
    gen_out_char(out, '}');
}

/* The conformance catalog's items (the generator's defaults, and XA09). */
static void write_conformance(struct gen_out *out) {
    for (int i = 0; i < gen_default_item_count; i++) {
        gen_out_str(out, ",\n");
        write_item(out, &gen_default_items[i], gen_default_items[i].name);
    }
    gen_out_str(out, ",\n\"XA09\":{\"name\":\"item whose price cap is zero\",\"kind\":\"service\","
                     "\"class\":\"A\",\"cap_price\":0}");
}

int gen_write_catalog(const char *path, int32_t items, uint64_t seed, char *err, size_t err_size) {
    if (items < 1 || items > GEN_CATALOG_ITEMS_MAX) {
        snprintf(err, err_size, "items must be 1..%d", GEN_CATALOG_ITEMS_MAX);
        return -1;
    }
    struct gen_out out;
    if (gen_out_open(&out, path) != 0) {
        snprintf(err, err_size, "%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    gen_out_str(&out, "{\"format\":\"yibao-catalog/1\",\"items\":{\n");
    struct gen_item it;
    char name[96];
    for (int32_t i = 0; i < items; i++) {
        gen_catalog_item(seed, i, &it, name, sizeof name);
        if (i) gen_out_str(&out, ",\n");
        write_item(&out, &it, name);
    }
    write_conformance(&out);
    gen_out_str(&out, "\n}}\n");
    if (gen_out_close(&out) != 0) {
        snprintf(err, err_size, "%s: write failed: %s", path, strerror(out.error));
        return -1;
    }
    return 0;
}
