/* gen_data.c: the generator's fixed tables: policy sets (region, year,
 * districts, special diseases), the conformance catalog's items with
 * realistic unit prices, diagnoses, names, the age pyramid. The reasons
 * for the figures are in docs/GENERATOR.md. */
#include <string.h>

#include "core/catalog.h"
#include "gen/gen_internal.h"

#define YUAN(x) ((int64_t)(1000000.0 * (x) + 0.5))

/* --- policy sets -------------------------------------------------------- */

/* clang-format off */ /* a row per entry, not a line per field */
const struct gen_policy_set gen_policy_sets[] = {
    {"maoming-2020", "440900", "Maoming", 2020, GEN_SCHEME_EMPLOYEE | GEN_SCHEME_RESIDENT,
     5,
     {{"440902", "Maonan", 90}, {"440904", "Dianbai", 150}, {"440981", "Gaozhou", 130},
      {"440982", "Huazhou", 120}, {"440983", "Xinyi", 100}},
     5,
     {{"M01600", 3}, {"M01700", 3}, {"M03900", 3}, {"M00300", 3}, {"M07800", 3}},
     3,
     {{"440100", "Guangzhou", 3}, {"440300", "Shenzhen", 1}, {"440800", "Zhanjiang", 1}},
     6000, 3, 6, 300, 240, 120, 800},
    {"jincheng-2015", "140500", "Jincheng", 2015, GEN_SCHEME_EMPLOYEE | GEN_SCHEME_RESIDENT,
     6,
     {{"140502", "Chengqu", 50}, {"140521", "Qinshui", 20}, {"140522", "Yangcheng", 40},
      {"140524", "Lingchuan", 25}, {"140525", "Zezhou", 50}, {"140581", "Gaoping", 50}},
     2,
     {{"M01600", GEN_SCHEME_EMPLOYEE}, {"M01700", GEN_SCHEME_RESIDENT}},
     2,
     {{"140100", "Taiyuan", 3}, {"410800", "Jiaozuo", 1}},
     4200, -1, 0, 0, 0, 0, 0},
    {"jinchang-2015", "620300", "Jinchang", 2015, GEN_SCHEME_RESIDENT,
     2,
     {{"620302", "Jinchuan", 60}, {"620321", "Yongchang", 40}},
     2,
     {{"M01600", GEN_SCHEME_RESIDENT}, {"M07800", GEN_SCHEME_RESIDENT}},
     1,
     {{"620100", "Lanzhou", 3}},
     4500, -1, 0, 0, 0, 0, 0},
    {"synthetic-2022", "999999", "Synthetic City", 2022, GEN_SCHEME_EMPLOYEE,
     2,
     {{"999901", "North", 50}, {"999902", "South", 50}},
     2,
     {{"M01600", GEN_SCHEME_EMPLOYEE}, {"M03900", GEN_SCHEME_EMPLOYEE}},
     1,
     {{"999800", "Elsewhere", 2}},
     6000, -1, 0, 0, 0, 0, 0},
};
/* clang-format on */
const int gen_policy_set_count = (int)(sizeof gen_policy_sets / sizeof gen_policy_sets[0]);

const struct gen_policy_set *gen_policy_set_find(const char *name) {
    for (int i = 0; i < gen_policy_set_count; i++)
        if (strcmp(gen_policy_sets[i].name, name) == 0) return &gen_policy_sets[i];
    return NULL;
}

const char *const *gen_policy_set_names(void) {
    static const char *const names[] = {"maoming-2020", "jincheng-2015", "jinchang-2015",
                                        "synthetic-2022", NULL};
    return names;
}

/* --- items: the conformance catalog (XA09 left out on purpose) ---------- */

#define OPD GEN_CTX_BIT(GEN_CTX_OPD)
#define SPE GEN_CTX_BIT(GEN_CTX_SPECIAL)
#define INP GEN_CTX_BIT(GEN_CTX_INPATIENT)
#define PHA GEN_CTX_BIT(GEN_CTX_PHARMACY)

/* clang-format off */ /* a row per entry, not a line per field */
const struct gen_item gen_default_items[] = {
    /* code, name, kind, class, role, contexts, decimals, level_priced,
     * prepay_bp, cap, base price, sigma x1000, cnt_max, restrictions (none) */
    {"XA01", "amoxicillin capsule 0.25g", GEN_ITEM_DRUG, CLASS_A, GEN_ROLE_NONE,
     OPD | INP | PHA, 4, false, -1, -1, YUAN(0.35), 200, 60, 0, 0, 0},
    {"XA02", "nifedipine tablet 10mg", GEN_ITEM_DRUG, CLASS_A, GEN_ROLE_ANTIHYPERTENSIVE,
     OPD | SPE | INP | PHA, 2, false, -1, YUAN(12.5), YUAN(11.0), 120, 4, 0, 0, 0},
    {"XA03", "insulin injection", GEN_ITEM_DRUG, CLASS_A, GEN_ROLE_INSULIN,
     OPD | SPE | INP | PHA, 2, false, -1, YUAN(68.3), YUAN(62.0), 100, 4, 0, 0, 0},
    {"SA01", "general ward bed, per day", GEN_ITEM_SERVICE, CLASS_A, GEN_ROLE_BED,
     0, 2, true, -1, YUAN(30.0), YUAN(27.0), 100, 1, 0, 0, 0},
    {"SA02", "appendectomy", GEN_ITEM_SERVICE, CLASS_A, GEN_ROLE_SURGERY,
     0, 2, true, -1, -1, YUAN(2600.0), 200, 1, 0, 0, 0},
    {"SA03", "haemodialysis session", GEN_ITEM_SERVICE, CLASS_A, GEN_ROLE_DIALYSIS,
     0, 2, false, -1, YUAN(420.0), YUAN(400.0), 60, 1, 0, 0, 0},
    {"XB01", "atorvastatin tablet 20mg", GEN_ITEM_DRUG, CLASS_B, GEN_ROLE_NONE,
     OPD | SPE | INP | PHA, 4, false, -1, -1, YUAN(3.5), 200, 60, 0, 0, 0},
    {"XB02", "imported antibiotic injection", GEN_ITEM_DRUG, CLASS_B, GEN_ROLE_NONE,
     OPD | SPE | INP, 2, false, 2000, -1, YUAN(45.0), 250, 6, 0, 0, 0},
    {"XB03", "targeted anticancer drug (negotiated)", GEN_ITEM_DRUG, CLASS_B, GEN_ROLE_CANCER,
     0, 2, false, 1500, YUAN(800.0), YUAN(760.0), 60, 30, 0, 0, 0},
    {"SB01", "CT scan, head", GEN_ITEM_SERVICE, CLASS_B, GEN_ROLE_NONE,
     OPD | SPE | INP, 2, true, -1, -1, YUAN(280.0), 100, 1, 0, 0, 0},
    {"SB02", "MRI scan", GEN_ITEM_SERVICE, CLASS_B, GEN_ROLE_NONE,
     OPD | SPE | INP, 2, true, 2000, YUAN(600.0), YUAN(560.0), 100, 1, 0, 0, 0},
    {"MB01", "coronary stent", GEN_ITEM_MATERIAL, CLASS_B, GEN_ROLE_STENT,
     0, 2, false, 3000, YUAN(5000.0), YUAN(5200.0), 100, 3, 0, 0, 0},
    {"XC01", "imported nutrition supplement", GEN_ITEM_DRUG, CLASS_C, GEN_ROLE_NONE,
     OPD | SPE | INP | PHA, 2, false, -1, -1, YUAN(150.0), 300, 3, 0, 0, 0},
    {"MC01", "private nursing", GEN_ITEM_SERVICE, CLASS_C, GEN_ROLE_NURSING,
     0, 2, false, -1, -1, YUAN(150.0), 200, 1, 0, 0, 0},
};
/* clang-format on */
const int gen_default_item_count = (int)(sizeof gen_default_items / sizeof gen_default_items[0]);

/* --- special diseases (med_type 14) ------------------------------------ */

/* clang-format off */ /* a row per entry, not a line per field */
const struct gen_disease_profile gen_disease_profiles[] = {
    {"M01600", "hypertension", 35, 50000, 10.0, 220.0, 0.35, GEN_ROLE_ANTIHYPERTENSIVE, LEVEL_1,
     {"I10", "I11.9"}, 2},
    {"M01700", "diabetes", 30, 25000, 10.0, 300.0, 0.35, GEN_ROLE_INSULIN, LEVEL_1,
     {"E11.9", "E10.9"}, 2},
    {"M00300", "malignant tumour, radio- or chemotherapy", 20, 3000, 8.0, 5000.0, 0.6,
     GEN_ROLE_CANCER, LEVEL_2, {"C34.9", "C16.9", "C22.0", "C18.9"}, 4},
    {"M07800", "chronic renal failure (uraemia)", 18, 800, 104.0, 420.0, 0.15, GEN_ROLE_DIALYSIS,
     LEVEL_2, {"N18.5"}, 1},
    {"M03900", "leukaemia", 0, 150, 10.0, 3000.0, 0.6, GEN_ROLE_CANCER, LEVEL_3,
     {"C92.0", "C91.0"}, 2},
};
/* clang-format on */
const int gen_disease_profile_count = (int)(sizeof gen_disease_profiles /
                                            sizeof gen_disease_profiles[0]);

const struct gen_disease_profile *gen_disease_profile_find(const char *code) {
    for (int i = 0; i < gen_disease_profile_count; i++)
        if (strcmp(gen_disease_profiles[i].code, code) == 0) return &gen_disease_profiles[i];
    return NULL;
}

/* --- diagnoses (ICD-10) ------------------------------------------------- */

const struct gen_dx gen_dx_inpatient[] = {
    /* code, weight, age_min, age_max, gender, level_min, role */
    {"J18.9", 100, 0, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE}, /* pneumonia */
    {"J18.0", 80, 0, 14, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE},  /* bronchopneumonia */
    {"I63.9", 80, 45, 99, 0, LEVEL_1, GEN_ROLE_NONE},        /* cerebral infarction */
    {"I25.1", 50, 40, 99, 0, LEVEL_2, GEN_ROLE_STENT},       /* coronary heart disease */
    {"I20.0", 30, 40, 99, 0, LEVEL_2, GEN_ROLE_STENT},       /* unstable angina */
    {"I50.9", 30, 50, 99, 0, LEVEL_1, GEN_ROLE_NONE},        /* heart failure */
    {"J44.1", 50, 45, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE}, /* COPD exacerbation */
    {"K35.8", 30, 5, 99, 0, LEVEL_1, GEN_ROLE_SURGERY},      /* appendicitis */
    {"K80.2", 30, 20, 99, 0, LEVEL_1, GEN_ROLE_SURGERY},     /* gallstones */
    {"K29.7", 30, 15, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE}, /* gastritis */
    {"S72.0", 20, 60, 99, 0, LEVEL_2, GEN_ROLE_SURGERY},     /* femoral neck fracture */
    {"S82.2", 15, 10, 99, 0, LEVEL_1, GEN_ROLE_SURGERY},     /* tibia fracture */
    {"O80.0", 120, 18, 45, 2, LEVEL_1, GEN_ROLE_NONE},       /* spontaneous delivery */
    {"O82.0", 80, 18, 45, 2, LEVEL_1, GEN_ROLE_SURGERY},     /* caesarean section */
    {"C34.9", 20, 40, 99, 0, LEVEL_2, GEN_ROLE_CANCER},      /* lung cancer */
    {"C16.9", 10, 40, 99, 0, LEVEL_2, GEN_ROLE_CANCER},      /* stomach cancer */
    {"C22.0", 15, 35, 99, 0, LEVEL_2, GEN_ROLE_CANCER},      /* liver cancer */
    {"N18.5", 10, 30, 99, 0, LEVEL_2, GEN_ROLE_DIALYSIS},    /* CKD stage 5 */
    {"E11.9", 30, 30, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE}, /* diabetes */
    {"I10", 40, 30, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE},   /* hypertension */
    {"A09.9", 30, 0, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE},  /* gastroenteritis */
    {"N39.0", 20, 0, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE},  /* urinary infection */
    {"F20.9", 10, 15, 75, 0, LEVEL_2, GEN_ROLE_NONE},        /* schizophrenia */
    {"N40", 20, 50, 99, 1, LEVEL_1, GEN_ROLE_SURGERY},       /* prostate hyperplasia */
    {"H25.9", 20, 50, 99, 0, LEVEL_1, GEN_ROLE_SURGERY},     /* senile cataract */
};
const int gen_dx_inpatient_count = (int)(sizeof gen_dx_inpatient / sizeof gen_dx_inpatient[0]);

const struct gen_dx gen_dx_outpatient[] = {
    {"J06.9", 200, 0, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE}, /* upper respiratory infection */
    {"J20.9", 80, 0, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE},  /* acute bronchitis */
    {"J02.9", 60, 0, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE},  /* pharyngitis */
    {"K29.7", 60, 15, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE}, /* gastritis */
    {"A09.9", 40, 0, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE},  /* gastroenteritis */
    {"I10", 80, 30, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE},   /* hypertension */
    {"E11.9", 40, 30, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE}, /* diabetes */
    {"M54.5", 50, 20, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE}, /* low back pain */
    {"L30.9", 40, 0, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE},  /* dermatitis */
    {"N39.0", 30, 0, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE},  /* urinary infection */
    {"H10.9", 20, 0, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE},  /* conjunctivitis */
    {"M17.9", 30, 45, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE}, /* knee osteoarthritis */
    {"J30.4", 30, 3, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE},  /* allergic rhinitis */
    {"R51", 20, 10, 99, 0, LEVEL_TOWNSHIP, GEN_ROLE_NONE},   /* headache */
};
const int gen_dx_outpatient_count = (int)(sizeof gen_dx_outpatient / sizeof gen_dx_outpatient[0]);

/* --- non-medical goods a pharmacy may bill under a made-up code --------- */

const struct gen_goods gen_non_medical_goods[] = {
    {"NM0001", "facial cream", 12800}, {"NM0002", "shampoo", 4500},
    {"NM0003", "milk powder", 26800},  {"NM0004", "cooking oil", 8900},
    {"NM0005", "rice 10kg", 6000},     {"NM0006", "electric kettle", 15900},
    {"NM0007", "health wine", 19800},  {"NM0008", "laundry liquid", 3900},
};
const int gen_non_medical_goods_count = (int)(sizeof gen_non_medical_goods /
                                              sizeof gen_non_medical_goods[0]);

/* --- names -------------------------------------------------------------- */

const char *const gen_surnames[] = {
    "Chen", "Li",    "Huang", "Lin",  "Liang", "Yang", "Zhang", "Wu",   "Lao",  "Liu",
    "Wang", "He",    "Luo",   "Zhou", "Zheng", "Tan",  "Xie",   "Mo",   "Feng", "Deng",
    "Ye",   "Pang",  "Cai",   "Ke",   "Zhong", "Su",   "Lu",    "Ou",   "Peng", "Guan",
    "Shao", "Jiang", "Zhu",   "Xu",   "Hu",    "Guo",  "Ma",    "Tang", "Qiu",  "Yu"};
const uint32_t gen_surname_weights[] = {90, 80, 60, 55, 50, 45, 45, 40, 30, 35, 35, 30, 28, 25,
                                        22, 20, 20, 18, 18, 16, 15, 15, 14, 12, 12, 12, 10, 10,
                                        10, 9,  8,  10, 10, 10, 9,  9,  8,  8,  7,  7};
const int gen_surname_count = (int)(sizeof gen_surnames / sizeof gen_surnames[0]);
_Static_assert(sizeof gen_surnames / sizeof gen_surnames[0] ==
                   sizeof gen_surname_weights / sizeof gen_surname_weights[0],
               "a weight per surname");

const char *const gen_given_male[] = {
    "Wei",  "Jian",  "Guo", "Qiang", "Jun",  "Hui",  "Ming", "Hao",   "Yong", "Jie",
    "Tao",  "Bin",   "Hua", "Lei",   "Peng", "Zhi",  "Dong", "Cheng", "Feng", "Hong",
    "Kang", "Liang", "Rui", "Xiang", "Yu",   "Zhen", "Chao", "Long",  "Bo",   "Gang"};
const int gen_given_male_count = (int)(sizeof gen_given_male / sizeof gen_given_male[0]);

const char *const gen_given_female[] = {
    "Mei", "Ying", "Xiu",  "Fang", "Li",  "Jing", "Hui",  "Yan",  "Ling", "Na",
    "Min", "Juan", "Xia",  "Hong", "Yun", "Lan",  "Qing", "Ting", "Yu",   "Zhen",
    "Fen", "Jie",  "Lian", "Shan", "Wen", "Xin",  "Yi",   "Ping", "Qin",  "Dan"};
const int gen_given_female_count = (int)(sizeof gen_given_female / sizeof gen_given_female[0]);

const char *const gen_pharmacy_brands[] = {"Dashenlin", "Yixintang", "Laobaixing",
                                           "Jianmin",   "Haiwang",   "Kangmei"};
const int gen_pharmacy_brand_count = (int)(sizeof gen_pharmacy_brands /
                                           sizeof gen_pharmacy_brands[0]);

/* --- age pyramid: weights of the 5-year bands 0-4 .. 95-99 -------------- */
/* China's 2020 census shape, with more children and fewer people aged
 * 25-44 as in a city of emigration like Maoming (0-14: 23 %, 60+: 18 %). */
const uint32_t gen_age_band_weights[GEN_AGE_MAX / 5] = {70, 78, 72, 60, 52, 55, 70, 62, 62, 75,
                                                        75, 60, 45, 45, 32, 22, 14, 7,  3,  1};
