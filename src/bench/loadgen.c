/* loadgen.c: the synthetic registry and random bills of `store` and
 * `stress` (see bench.h). */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "codec/codec.h"
#include "core/money.h"
#include "gen/gen_rng.h"

uint64_t loadgen_rand(uint64_t *s) {
    return gen_splitmix64(s);
}

/* ---- a synthetic registry ------------------------------------------------ */
static int write_institutions(const char *path, const char *region) {
    FILE *f = fopen(path, "w");
    if (f == NULL) return -1;
    static const char *const levels[] = {"township", "level1", "level2", "level3"};
    fprintf(f, "fixmedins_code,fixmedins_name,type,level,admdvs,status\n");
    for (int i = 0; i < 40; i++)
        fprintf(f, "H%s%04d,\"Hospital %d, %s\",hospital,%s,%s,active\n", region, i, i, region,
                levels[i % 4], region);
    for (int i = 0; i < 20; i++)
        fprintf(f, "D%s%04d,Pharmacy %d,pharmacy,pharmacy,%s,active\n", region, i, i, region);
    return fclose(f) == 0 ? 0 : -1;
}

static int write_persons(const char *path, int64_t n, const struct policy *const *pol, int npol) {
    FILE *f = fopen(path, "w");
    if (f == NULL) return -1;
    static const char *const cats310[] = {"in_service", "in_service", "in_service", "retired"};
    static const char *const cats390[] = {"adult", "adult", "minor", "student"};
    static const char *const flags[] = {"", "", "", "", "", "", "low_income", "extreme_poverty",
                                        "poverty_registered", "low_income;poverty_registered"};
    uint64_t rng = 7;
    fprintf(f, "psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,"
               "benefit_start,acct_balc\n");
    for (int64_t i = 0; i < n; i++) {
        const struct policy *p = pol[i % npol];
        bool emp = p->insutype == INSUTYPE_EMPLOYEE;
        uint64_t r = loadgen_rand(&rng);
        fprintf(f, "P%s%09" PRId64 ",%s19%02d0101%04d,Person %" PRId64 ",%d,19%02d-01-01,%d,%s,%s,%s,"
                   "2010-01-01,%s%d.%02d\n",
                p->region, i, p->region, (int)(r % 80 + 10), (int)(i % 10000), i, (int)(r % 2 + 1),
                (int)(r % 80 + 10), (int)p->insutype, (emp ? cats310 : cats390)[r % 4],
                flags[(r >> 8) % 10], p->region, "", emp ? (int)((r >> 16) % 5000) : 0,
                emp ? (int)((r >> 32) % 100) : 0);
    }
    return fclose(f) == 0 ? 0 : -1;
}

static int import_one(struct store *store, const char *kind, const char *path) {
    struct store_err err = {{0}};
    int64_t rows = 0;
    if (store_import(store, kind, path, &rows, &err) != 0) {
        fprintf(stderr, "yibao-bench: import %s: %s\n", kind, err.msg);
        return -1;
    }
    return 0;
}

int loadgen_make_registry(struct store *store, const char *dir, int64_t persons,
                          const char *const *policy_files, int policy_count,
                          const char *catalog_file) {
    assert(policy_count > 0 && policy_count <= LOADGEN_POLICIES_MAX);
    static struct policy pol[LOADGEN_POLICIES_MAX];
    const struct policy *ptrs[LOADGEN_POLICIES_MAX];
    char err[CODEC_ERR_BYTES], path[4096];
    for (int i = 0; i < policy_count; i++) {
        if (policy_load_file(policy_files[i], &pol[i], err, sizeof err) != 0)
            return fprintf(stderr, "yibao-bench: %s\n", err), -1;
        if (import_one(store, "policy", policy_files[i]) != 0) return -1;
        ptrs[i] = &pol[i];
    }
    if (import_one(store, "catalog", catalog_file) != 0) return -1;
    snprintf(path, sizeof path, "%s/institutions.csv", dir);
    if (write_institutions(path, pol[0].region) != 0 || import_one(store, "institutions", path) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/persons.csv", dir);
    if (write_persons(path, persons, ptrs, policy_count) != 0 || import_one(store, "persons", path) != 0)
        return -1;
    return 0;
}

/* ---- drawing bills ---------------------------------------------------------- */
static int collect_person(void *ctx, const struct store_person *p) {
    struct loadgen *g = ctx;
    const struct policy *policy = store_policy_fallback(g->store, p->region, p->insutype);
    if (policy == NULL || policy->insutype != p->insutype) return 0;
    g->persons[g->person_count] = *p;
    g->policies[g->person_count++] = policy;
    return 0;
}

int loadgen_init(struct loadgen *g, struct store *store) {
    memset(g, 0, sizeof *g);
    g->store = store;
    g->persons = calloc(LOADGEN_PERSONS_MAX, sizeof *g->persons);
    g->policies = calloc(LOADGEN_PERSONS_MAX, sizeof *g->policies);
    size_t n = 0;
    const struct store_institution *inst = store_institutions(store, &n);
    g->hospitals = calloc(n + 1, sizeof *g->hospitals);
    g->pharmacies = calloc(n + 1, sizeof *g->pharmacies);
    if (!g->persons || !g->policies || !g->hospitals || !g->pharmacies) {
        loadgen_free(g);
        return fprintf(stderr, "yibao-bench: out of memory\n"), -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (inst[i].status != DESIGNATION_ACTIVE) continue;
        if (inst[i].type == INSTITUTION_HOSPITAL) g->hospitals[g->hospital_count++] = inst[i].code;
        else g->pharmacies[g->pharmacy_count++] = inst[i].code;
    }
    struct store_err err = {{0}};
    if (store_ops(store)->persons_scan(store_conn(store), LOADGEN_PERSONS_MAX, collect_person, g,
                                       &err) != 0) {
        fprintf(stderr, "yibao-bench: %s\n", err.msg);
        loadgen_free(g);
        return -1;
    }
    if (g->person_count == 0 || g->hospital_count == 0 || store_catalog(store)->count == 0) {
        fprintf(stderr, "yibao-bench: the store needs persons with a policy, hospitals and a catalog\n");
        loadgen_free(g);
        return -1;
    }
    return 0;
}

void loadgen_free(struct loadgen *g) {
    free(g->persons);
    free(g->policies);
    free(g->hospitals);
    free(g->pharmacies);
    memset(g, 0, sizeof *g);
}

static void make_lines(const struct loadgen *g, uint64_t *rng, struct bill *bill,
                       struct bill_line *lines) {
    const struct catalog *cat = store_catalog(g->store);
    bill->line_count = (int32_t)(1 + loadgen_rand(rng) % LOADGEN_LINES_MAX);
    bill->lines = lines;
    for (int32_t i = 0; i < bill->line_count; i++) {
        struct bill_line *l = &lines[i];
        memset(l, 0, sizeof *l);
        snprintf(l->feedetl_sn, sizeof l->feedetl_sn, "%d", (int)i + 1);
        l->has_feedetl_sn = true;
        snprintf(l->med_list_codg, sizeof l->med_list_codg, "%s",
                 cat->items[loadgen_rand(rng) % cat->count].code);
        int64_t count = (int64_t)(1 + loadgen_rand(rng) % 5);
        int64_t price_fen = (int64_t)(100 + loadgen_rand(rng) % 50000);
        l->cnt_scaled = count * CNT_SCALE;
        l->pric_scaled = price_fen * (PRICE_SCALE / 100);
        l->amount_fen = count * price_fen;
        l->numbers_ok = true;
    }
}

void loadgen_bill(const struct loadgen *g, uint64_t *rng, struct bill *bill,
                  struct bill_line *lines, char *psn_no) {
    assert(g->person_count > 0 && g->hospital_count > 0);
    int who = (int)(loadgen_rand(rng) % (uint64_t)g->person_count);
    const struct policy *policy = g->policies[who];
    snprintf(psn_no, CODE_BYTES_MAX + 1, "%s", g->persons[who].psn_no);
    memset(bill, 0, sizeof *bill);
    static const enum med_type types[20] = {21, 21, 21, 21, 21, 21, 21, 21, 11, 11,
                                            11, 11, 11, 14, 14, 14, 41, 41, 41, 41};
    bill->med_type = types[loadgen_rand(rng) % 20];
    if (bill->med_type == MED_TYPE_SPECIAL_OUTPATIENT && policy->disease_count == 0)
        bill->med_type = MED_TYPE_INPATIENT;
    if (bill->med_type == MED_TYPE_PHARMACY && g->pharmacy_count == 0)
        bill->med_type = MED_TYPE_GENERAL_OUTPATIENT;
    const char *inst = bill->med_type == MED_TYPE_PHARMACY
                           ? g->pharmacies[loadgen_rand(rng) % (uint64_t)g->pharmacy_count]
                           : g->hospitals[loadgen_rand(rng) % (uint64_t)g->hospital_count];
    snprintf(bill->fixmedins_code, sizeof bill->fixmedins_code, "%s", inst);
    int month = (int)(1 + loadgen_rand(rng) % 11), day = (int)(1 + loadgen_rand(rng) % 20);
    bill->dates_ok = true;
    bill->begntime = datetime_from_civil(policy->year, month, day, 8, 0, 0);
    bill->endtime = datetime_from_civil(policy->year, month, day + (bill->med_type == 21 ? 7 : 0), 17, 0, 0);
    snprintf(bill->dise_codg, sizeof bill->dise_codg, "%s", loadgen_rand(rng) % 10 ? "I10" : "F32");
    if (bill->med_type == MED_TYPE_SPECIAL_OUTPATIENT)
        snprintf(bill->spec_dise_codg, sizeof bill->spec_dise_codg, "%s",
                 policy->diseases[loadgen_rand(rng) % (uint64_t)policy->disease_count].code);
    bill->acct_used = loadgen_rand(rng) % 2 == 0;
    make_lines(g, rng, bill, lines);
}
