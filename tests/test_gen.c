/* test_gen.c: the synthetic-city generator (src/gen/).
 *
 * Checks what the generator promises: same seed same bytes; valid identity
 * numbers (with a checker written independently of the generator's);
 * the admission rate and the inpatient cost medians by level within their
 * tolerances; line counts within bounds; every amount = cnt x pric to the
 * fen; bills sorted by endtime inside the year; no overlapping stays or
 * visits during a stay except the planted ones; msgids that begin with the
 * bill's fixmedins_code and the yyyymmdd of its endtime, unique, the same in
 * the file and the stream; labels that name existing bills and persons;
 * bills of a fixed line count (config.bill_lines, for benchmarks) that
 * settle; and failed writes reported as errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "codec/codec.h"
#include "core/money.h"
#include "core/settle.h"
#include "gen/gen.h"
#include "gen/gen_internal.h"
#include "store/store.h"

#define SMALL_PERSONS 2000
#define STAT_PERSONS 20000
#define ADMISSION_TARGET 0.20
#define ADMISSION_TOLERANCE 0.10 /* relative */
#define COST_TOLERANCE 0.15      /* relative, inpatient medians by level */
#define LINE_BYTES_MAX (1u << 16)
#define SMALL_SEED 7

static const double inpatient_median_target[4] = {3000.0, 5000.0, 9000.0, 20000.0};

/* ---- helpers -------------------------------------------------------------- */

static char small_dir[256]; /* a 2000-person city written once */

static int32_t city_catalog_items; /* 0, or a synthetic catalog's size (seed 2) */
static int32_t city_bill_lines;    /* 0, or every bill's line count */

static struct gen_city *open_city(int64_t persons, uint64_t seed, const char *set) {
    struct gen_config config;
    gen_config_defaults(&config);
    config.persons = persons;
    config.seed = seed;
    config.policy_set = set;
    config.catalog_items = city_catalog_items;
    config.catalog_seed = 2;
    config.bill_lines = city_bill_lines;
    struct gen_city *city = NULL;
    char err[GEN_ERR_BYTES];
    assert_int_equal(gen_city_open(&config, &city, err, sizeof err), 0);
    return city;
}

static void make_tmp_dir(char *buf, size_t size) {
    snprintf(buf, size, "/tmp/test_gen.XXXXXX");
    assert_non_null(mkdtemp(buf));
}

static void write_city(const char *dir, int64_t persons, uint64_t seed) {
    struct gen_city *city = open_city(persons, seed, NULL);
    char err[GEN_ERR_BYTES];
    int rc = gen_write_city(city, dir, false, NULL, err, sizeof err);
    if (rc != 0) fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    gen_city_close(city);
}

static uint64_t hash_file(const char *path) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint64_t h = 1469598103934665603ULL;
    int c;
    while ((c = fgetc(f)) != EOF) h = (h ^ (uint64_t)c) * 1099511628211ULL;
    fclose(f);
    return h;
}

static uint64_t hash_text(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 1099511628211ULL;
    return h;
}

static void remove_dir(const char *dir) {
    static const char *const names[] = {"persons.csv", "institutions.csv", "bills.jsonl",
                                        "labels.jsonl", "inventory.csv"};
    char path[512];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static FILE *open_in(const char *dir, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    return f;
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

struct hash_set {
    uint64_t *v;
    size_t n, cap;
};

static void set_add(struct hash_set *s, uint64_t h) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        assert_non_null(s->v);
    }
    s->v[s->n++] = h;
}

static bool set_has(const struct hash_set *s, uint64_t h) {
    return bsearch(&h, s->v, s->n, sizeof h, compare_u64) != NULL;
}

/* Exact decimal text -> value * 10^scale; returns decimals, or -1. */
static int parse_decimal(const char *p, int scale, int64_t *out) {
    int64_t v = 0;
    int decimals = -1;
    for (; (*p >= '0' && *p <= '9') || *p == '.'; p++) {
        if (*p == '.') {
            decimals = 0;
            continue;
        }
        v = v * 10 + (*p - '0');
        if (decimals >= 0) decimals++;
    }
    if (decimals < 0) decimals = 0;
    if (decimals > scale) return -1;
    for (int k = decimals; k < scale; k++) v *= 10;
    *out = v;
    return decimals;
}

/* ---- fixtures ------------------------------------------------------------- */

static int group_setup(void **state) {
    (void)state;
    make_tmp_dir(small_dir, sizeof small_dir);
    write_city(small_dir, SMALL_PERSONS, SMALL_SEED);
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    remove_dir(small_dir);
    return 0;
}

/* ---- same seed, same bytes ------------------------------------------------ */

static void test_same_seed_same_bytes(void **state) {
    (void)state;
    static const char *const names[] = {"persons.csv", "institutions.csv", "bills.jsonl",
                                        "labels.jsonl", "inventory.csv"};
    char a[256], b[256], pa[512], pb[512];
    make_tmp_dir(a, sizeof a);
    make_tmp_dir(b, sizeof b);
    write_city(a, SMALL_PERSONS, SMALL_SEED);
    write_city(b, SMALL_PERSONS, 8);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(pa, sizeof pa, "%s/%s", a, names[i]);
        snprintf(pb, sizeof pb, "%s/%s", small_dir, names[i]);
        assert_true(hash_file(pa) == hash_file(pb));
    }
    snprintf(pa, sizeof pa, "%s/bills.jsonl", b);
    snprintf(pb, sizeof pb, "%s/bills.jsonl", small_dir);
    assert_true(hash_file(pa) != hash_file(pb));
    remove_dir(a);
    remove_dir(b);
}

/* ---- identity numbers, checked independently ------------------------------ */

/* ISO 7064 MOD 11-2: sum of a_i * 2^(i-1), i counted from the right with the
 * check character (X = 10) at i = 1, is 1 modulo 11. */
static bool certno_valid(const char *c) {
    if (strlen(c) != 18) return false;
    int sum = 0, weight = 1;
    for (int i = 17; i >= 0; i--) {
        int digit;
        if (c[i] >= '0' && c[i] <= '9') digit = c[i] - '0';
        else if (i == 17 && c[i] == 'X') digit = 10;
        else return false;
        sum = (sum + digit * weight) % 11;
        weight = weight * 2 % 11;
    }
    return sum == 1;
}

static void test_certno_check_digits(void **state) {
    (void)state;
    static const char *const divisions[] = {"440902", "440904", "440981", "440982", "440983"};
    FILE *f = open_in(small_dir, "persons.csv");
    char line[1024];
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "psn_no,certno,psn_name,gend,brdy,insutype,category,flags,"
                              "insuplc_admdvs,benefit_start,acct_balc\n");
    int rows = 0;
    struct hash_set certs = {0};
    while (fgets(line, sizeof line, f)) {
        char *field[11];
        int n = 0;
        for (char *p = line, *tok; n < 11 && (tok = strsep(&p, ",\n"));) field[n++] = tok;
        assert_int_equal(n, 11);
        const char *c = field[1];
        assert_true(certno_valid(c));
        bool known = false;
        for (size_t d = 0; d < 5; d++) known |= strncmp(c, divisions[d], 6) == 0;
        assert_true(known);
        char brdy[11] = {c[6], c[7], c[8], c[9], '-', c[10], c[11], '-', c[12], c[13], 0};
        assert_string_equal(brdy, field[4]);
        int seq = (c[14] - '0') * 100 + (c[15] - '0') * 10 + (c[16] - '0');
        assert_int_equal(seq % 2 == 1 ? '1' : '2', field[3][0]);
        assert_true(strcmp(field[5], "310") == 0 || strcmp(field[5], "390") == 0);
        if (strncmp(field[0], "440900", 6) == 0) set_add(&certs, hash_text(c, 18));
        rows++;
    }
    fclose(f);
    assert_true(rows >= SMALL_PERSONS);
    assert_int_equal(certs.n, SMALL_PERSONS);
    qsort(certs.v, certs.n, sizeof *certs.v, compare_u64);
    for (size_t i = 1; i < certs.n; i++) assert_true(certs.v[i] != certs.v[i - 1]);
    free(certs.v);
    assert_false(certno_valid("440902195612245290"));
}

/* ---- the stream: rates, costs, lines, numbers, order ----------------------- */

struct stream_stats {
    int64_t bills, admissions, out_of_area;
    int64_t *cost_fen[4];
    size_t cost_n[4];
    int64_t class_lines[4];
};

static int compare_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void check_bill(const struct gen_city *city, const struct gen_bill_out *b,
                       datetime_s *last_end, struct stream_stats *st) {
    const struct bill *bill = &b->bill;
    int32_t year = gen_city_year(city);
    int64_t y0 = gen_days_from_civil(year, 1, 1) * GEN_DAY_S;
    int64_t y1 = gen_days_from_civil(year + 1, 1, 1) * GEN_DAY_S;
    assert_true(bill->endtime >= y0 && bill->endtime < y1);
    assert_true(bill->begntime <= bill->endtime);
    assert_true(bill->endtime >= *last_end);
    *last_end = bill->endtime;
    const struct gen_institution *inst = gen_institution_get(city, b->institution_index);
    assert_non_null(inst);
    bool pharmacy = inst->inst.type == INSTITUTION_PHARMACY;
    assert_int_equal(pharmacy, bill->med_type == MED_TYPE_PHARMACY);
    assert_true(bill->line_count >= 1 && bill->line_count <= GEN_BILL_LINES_MAX);
    if (bill->med_type == MED_TYPE_INPATIENT) {
        assert_true(bill->line_count >= 5 && bill->line_count <= 62);
        assert_true(bill->endtime / GEN_DAY_S > bill->begntime / GEN_DAY_S); /* a night */
    } else {
        assert_true(bill->line_count <= 12);
    }
    int64_t total = 0;
    for (int i = 0; i < bill->line_count; i++) {
        const struct bill_line *l = &bill->lines[i];
        assert_true(l->cnt_scaled > 0 && l->pric_scaled > 0);
        __int128 exact = (__int128)l->cnt_scaled * l->pric_scaled; /* fen * 1e8 */
        __int128 diff = exact - (__int128)l->amount_fen * 100000000;
        assert_true(diff <= 100000000 && diff >= -100000000);
        char sn[16];
        snprintf(sn, sizeof sn, "%d", i + 1);
        assert_string_equal(l->feedetl_sn, sn);
        total += l->amount_fen;
    }
    st->bills++;
    if (bill->out_of_area) st->out_of_area++;
    if (bill->med_type == MED_TYPE_INPATIENT) {
        st->admissions++;
        int level = inst->inst.level;
        st->cost_fen[level] = realloc(st->cost_fen[level],
                                      (st->cost_n[level] + 1) * sizeof(int64_t));
        assert_non_null(st->cost_fen[level]);
        st->cost_fen[level][st->cost_n[level]++] = total;
    }
    if (bill->med_type == MED_TYPE_SPECIAL_OUTPATIENT) assert_true(bill->spec_dise_codg[0]);
}

static void test_stream_statistics(void **state) {
    (void)state;
    struct gen_city *city = open_city(STAT_PERSONS, 11, NULL);
    struct gen_stream *stream = NULL;
    assert_int_equal(gen_stream_open(city, &stream), 0);
    struct gen_bill_out *b = malloc(sizeof *b);
    assert_non_null(b);
    struct stream_stats st;
    memset(&st, 0, sizeof st);
    datetime_s last_end = 0;
    int got;
    while ((got = gen_next_bill(stream, b)) == 1) check_bill(city, b, &last_end, &st);
    assert_int_equal(got, 0);
    double rate = (double)st.admissions / STAT_PERSONS;
    assert_true(rate > ADMISSION_TARGET * (1 - ADMISSION_TOLERANCE));
    assert_true(rate < ADMISSION_TARGET * (1 + ADMISSION_TOLERANCE));
    for (int level = 0; level < 4; level++) {
        assert_true(st.cost_n[level] > 100);
        qsort(st.cost_fen[level], st.cost_n[level], sizeof(int64_t), compare_i64);
        double median = st.cost_fen[level][st.cost_n[level] / 2] / 100.0;
        double target = inpatient_median_target[level];
        assert_true(median > target * (1 - COST_TOLERANCE));
        assert_true(median < target * (1 + COST_TOLERANCE));
        free(st.cost_fen[level]);
    }
    double per_person = (double)st.bills / STAT_PERSONS;
    assert_true(per_person > 7.0 && per_person < 12.0);
    double oa = (double)st.out_of_area / (double)st.bills;
    assert_true(oa > 0.005 && oa < 0.06);
    free(b);
    gen_stream_close(stream);
    gen_city_close(city);
}

/* ---- population shares ------------------------------------------------------ */

static void test_population_shares(void **state) {
    (void)state;
    struct gen_city *city = open_city(STAT_PERSONS, 5, NULL);
    struct gen_person p;
    int employees = 0, retired = 0, waiting = 0, low_income = 0;
    int64_t y0 = gen_days_from_civil(2020, 1, 1) * GEN_DAY_S;
    for (int64_t i = 0; i < STAT_PERSONS; i++) {
        gen_person_get(city, i, &p);
        if (p.person.insutype == 310) {
            employees++;
            if (p.person.category == CATEGORY_RETIRED) {
                retired++;
                assert_true(p.age >= 50);
            }
        } else {
            assert_int_equal(p.person.acct_balc_fen, 0);
            if (p.person.category == CATEGORY_MINOR) assert_true(p.age < 18);
        }
        if (p.person.benefit_start >= y0) waiting++;
        if (p.person.flags & FLAG_LOW_INCOME) low_income++;
    }
    double emp = (double)employees / STAT_PERSONS, ret = (double)retired / employees;
    assert_true(emp > 0.34 && emp < 0.41);
    assert_true(ret > 0.24 && ret < 0.31);
    assert_true(waiting > STAT_PERSONS / 100 && waiting < STAT_PERSONS / 10);
    assert_true(low_income > STAT_PERSONS / 100 && low_income < STAT_PERSONS / 25);
    gen_city_close(city);
}

/* ---- plans: no overlap, no visit during a stay, except what is labelled ---- */

/* A label of `kind` naming bills a and b (b only when a < 0). */
static bool labelled(const struct gen_plan *plan, enum gen_plant_kind kind, int a, int b) {
    for (int i = 0; i < plan->label_count; i++) {
        const struct gen_label *l = &plan->labels[i];
        if (l->kind != kind || l->event_count != 2) continue;
        if (a < 0 && l->event[1] == b) return true;
        if ((l->event[0] == a && l->event[1] == b) || (l->event[0] == b && l->event[1] == a))
            return true;
    }
    return false;
}

static void check_plan(const struct gen_plan *plan, int64_t *planted) {
    for (int i = 0; i < plan->event_count; i++) {
        const struct gen_event *s = &plan->events[i];
        assert_int_equal(s->seq, i); /* labels find their bills' events by seq */
        if (s->med_type != MED_TYPE_INPATIENT) continue;
        for (int j = 0; j < plan->event_count; j++) {
            const struct gen_event *o = &plan->events[j];
            if (j == i) continue;
            if (o->med_type == MED_TYPE_INPATIENT && j > i && o->begntime < s->endtime &&
                s->begntime < o->endtime) {
                assert_true(labelled(plan, GEN_PLANT_OVERLAPPING_STAYS, i, j));
                (*planted)++;
            }
            if ((o->med_type == MED_TYPE_GENERAL_OUTPATIENT || o->med_type == MED_TYPE_PHARMACY) &&
                o->endtime > s->begntime && o->endtime < s->endtime) {
                assert_true(labelled(plan, GEN_PLANT_VISIT_DURING_STAY, -1, j));
                (*planted)++;
            }
        }
    }
}

static void test_plans_clean_except_planted(void **state) {
    (void)state;
    struct gen_city *city = open_city(STAT_PERSONS, 11, NULL);
    struct gen_plan *plan = malloc(sizeof *plan);
    assert_non_null(plan);
    int64_t planted = 0;
    for (int64_t i = 0; i < STAT_PERSONS; i++) {
        gen_plan_person(city, i, plan);
        check_plan(plan, &planted);
    }
    assert_true(planted > 0);
    free(plan);
    gen_city_close(city);
}

/* ---- files: numbers, labels ------------------------------------------------- */

static const char *field_after(const char *line, const char *key) {
    const char *p = strstr(line, key);
    return p ? p + strlen(key) : NULL;
}

static void check_details(const char *line) {
    const char *p = line;
    while ((p = strstr(p, "\"cnt\":")) != NULL) {
        int64_t cnt, pric, amount;
        const char *q = p + 6;
        assert_true(parse_decimal(q, 4, &cnt) >= 0);
        q = field_after(q, "\"pric\":");
        assert_non_null(q);
        assert_true(parse_decimal(q, 6, &pric) >= 2);
        q = field_after(q, "\"det_item_fee_sumamt\":");
        assert_non_null(q);
        assert_int_equal(parse_decimal(q, 2, &amount), 2);
        __int128 diff = (__int128)cnt * pric - (__int128)amount * 100000000;
        assert_true(diff <= 100000000 && diff >= -100000000);
        p = q;
    }
}

/* msgid (len bytes) = fixmedins_code + yyyymmdd of endtime ("YYYY-MM-DD ...")
 * + "-G" + seed + "-" + the psn_no's 8-digit serial + "-" + 3 digits.
 * code and psn_no end at a NUL or a quote. */
static void check_msgid(const char *msgid, size_t len, const char *code, const char *endtime,
                        const char *psn_no, uint64_t seed) {
    char want[128];
    size_t psn_len = strcspn(psn_no, "\"");
    assert_true(psn_len >= 8);
    int n = snprintf(want, sizeof want, "%.*s%.4s%.2s%.2s-G%llu-%.8s-", (int)strcspn(code, "\""),
                     code, endtime, endtime + 5, endtime + 8, (unsigned long long)seed,
                     psn_no + psn_len - 8);
    assert_true(n > 0 && (size_t)n + 3 == len);
    assert_memory_equal(msgid, want, (size_t)n);
    for (size_t i = (size_t)n; i < len; i++) assert_true(msgid[i] >= '0' && msgid[i] <= '9');
    assert_true(len <= GEN_MSGID_BYTES_MAX && len <= MSGID_BYTES_MAX);
}

static void check_bill_msgid(const char *line, const char *msgid, size_t len) {
    const char *code = field_after(line, "\"fixmedins_code\":\"");
    const char *end = field_after(line, "\"endtime\":\"");
    const char *psn = field_after(line, "\"psn_no\":\"");
    assert_true(code && end && psn);
    check_msgid(msgid, len, code, end, psn, SMALL_SEED);
}

static void collect_msgids(struct hash_set *msgids, int64_t *bills) {
    FILE *f = open_in(small_dir, "bills.jsonl");
    char *line = malloc(LINE_BYTES_MAX);
    assert_non_null(line);
    char last_end[20] = "";
    while (fgets(line, LINE_BYTES_MAX, f)) {
        assert_true(strncmp(line, "{\"msgid\":\"", 10) == 0);
        const char *m = line + 10, *e = strchr(m, '"');
        set_add(msgids, hash_text(m, (size_t)(e - m)));
        check_bill_msgid(line, m, (size_t)(e - m));
        const char *end = field_after(line, "\"endtime\":\"");
        assert_non_null(end);
        assert_true(strncmp(end, "2020-", 5) == 0);
        assert_true(strncmp(end, last_end, 19) >= 0);
        memcpy(last_end, end, 19);
        check_details(line);
        (*bills)++;
    }
    free(line);
    fclose(f);
    qsort(msgids->v, msgids->n, sizeof *msgids->v, compare_u64);
    for (size_t i = 1; i < msgids->n; i++) assert_true(msgids->v[i] != msgids->v[i - 1]);
}

static void collect_psn_nos(struct hash_set *psns) {
    FILE *f = open_in(small_dir, "persons.csv");
    char line[1024];
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) set_add(psns, hash_text(line, strcspn(line, ",")));
    fclose(f);
    qsort(psns->v, psns->n, sizeof *psns->v, compare_u64);
}

static int check_label_line(const char *line, const struct hash_set *msgids,
                            const struct hash_set *psns) {
    assert_true(strncmp(line, "{\"kind\":\"", 9) == 0);
    const char *list = field_after(line, "\"msgid\":[");
    assert_non_null(list);
    int refs = 0;
    while (*list == '"' || *list == ',') {
        if (*list == ',') list++;
        const char *e = strchr(list + 1, '"');
        assert_true(set_has(msgids, hash_text(list + 1, (size_t)(e - list - 1))));
        list = e + 1;
        refs++;
    }
    const char *keys[2] = {"\"psn_no\":\"", "\"psn_no_dup\":\""};
    for (int k = 0; k < 2; k++) {
        const char *p = field_after(line, keys[k]);
        if (!p) continue;
        assert_true(set_has(psns, hash_text(p, strcspn(p, "\""))));
        refs++;
    }
    assert_non_null(strstr(line, "\"note\":\""));
    return refs;
}

/* Streams the small city and compares each bill's msgid with the file's
 * line in the same place; returns the bills streamed. */
static int64_t stream_msgids_as_file(const struct hash_set *msgids) {
    struct gen_city *city = open_city(SMALL_PERSONS, SMALL_SEED, NULL);
    struct gen_stream *stream = NULL;
    assert_int_equal(gen_stream_open(city, &stream), 0);
    struct gen_bill_out *b = malloc(sizeof *b);
    char *line = malloc(LINE_BYTES_MAX);
    assert_true(b && line);
    FILE *f = open_in(small_dir, "bills.jsonl");
    int64_t n = 0;
    char end[20];
    while (gen_next_bill(stream, b) == 1) {
        size_t len = strlen(b->msgid);
        assert_true(set_has(msgids, hash_text(b->msgid, len)));
        assert_non_null(fgets(line, LINE_BYTES_MAX, f));
        assert_memory_equal(line + 10, b->msgid, len);
        assert_int_equal(line[10 + len], '"');
        datetime_format(b->bill.endtime, end);
        check_msgid(b->msgid, len, b->bill.fixmedins_code, end, b->psn_no, SMALL_SEED);
        n++;
    }
    assert_null(fgets(line, LINE_BYTES_MAX, f));
    fclose(f);
    free(line);
    free(b);
    gen_stream_close(stream);
    gen_city_close(city);
    return n;
}

static void test_files_numbers_and_labels(void **state) {
    (void)state;
    struct hash_set msgids = {0}, psns = {0};
    int64_t bills = 0;
    collect_msgids(&msgids, &bills);
    collect_psn_nos(&psns);
    FILE *f = open_in(small_dir, "labels.jsonl");
    char line[2048];
    int labels = 0;
    while (fgets(line, sizeof line, f)) {
        assert_true(check_label_line(line, &msgids, &psns) >= 1);
        labels++;
    }
    fclose(f);
    assert_true(labels > 10);
    /* The file and the in-process stream give the same bills, same msgids. */
    int64_t n = stream_msgids_as_file(&msgids);
    assert_int_equal(n, bills);
    free(msgids.v);
    free(psns.v);
}

/* A 20-digit seed gives the longest msgids, and they fit the store's. */
static void test_msgid_widest_seed(void **state) {
    (void)state;
    struct gen_city *city = open_city(50, UINT64_MAX, NULL);
    struct gen_stream *stream = NULL;
    assert_int_equal(gen_stream_open(city, &stream), 0);
    struct gen_bill_out *b = malloc(sizeof *b);
    assert_non_null(b);
    int64_t n = 0;
    char end[20];
    while (gen_next_bill(stream, b) == 1) {
        datetime_format(b->bill.endtime, end);
        check_msgid(b->msgid, strlen(b->msgid), b->bill.fixmedins_code, end, b->psn_no, UINT64_MAX);
        assert_int_equal(strlen(b->msgid), GEN_MSGID_BYTES_MAX);
        n++;
    }
    assert_true(n > 0);
    free(b);
    gen_stream_close(stream);
    gen_city_close(city);
}

/* ---- every bill settles against the shipped policies ---------------------------- */

static void load_policy(const char *name, struct policy *out) {
    const char *root = getenv("YIBAO_ROOT");
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/policies/%s", root ? root : ".", name);
    int rc = policy_load_file(path, out, err, sizeof err);
    if (rc != 0) fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
}

/* Settles every bill of a 2000-person city; catalog_path NULL: the
 * conformance catalog. */
static void settle_city(const char *set, const char *employee, const char *resident,
                        const char *catalog_path) {
    static struct policy pe, pr;
    struct catalog catalog;
    char path[512], err[256];
    load_policy(employee, &pe);
    load_policy(resident, &pr);
    catalog_init(&catalog);
    const char *root = getenv("YIBAO_ROOT");
    snprintf(path, sizeof path, "%s/policies/catalog-conformance.json", root ? root : ".");
    int rc = catalog_load_file(catalog_path ? catalog_path : path, &catalog, err, sizeof err);
    if (rc != 0) fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    struct gen_city *city = open_city(SMALL_PERSONS, 13, set);
    struct gen_person *persons = calloc(SMALL_PERSONS, sizeof *persons);
    struct year_state *states = calloc(SMALL_PERSONS, sizeof *states);
    struct gen_bill_out *b = malloc(sizeof *b);
    assert_true(persons && states && b);
    for (int64_t i = 0; i < SMALL_PERSONS; i++) {
        gen_person_get(city, i, &persons[i]);
        year_state_init(&states[i], gen_city_year(city), persons[i].person.acct_balc_fen);
    }
    struct gen_stream *stream = NULL;
    assert_int_equal(gen_stream_open(city, &stream), 0);
    while (gen_next_bill(stream, b) == 1) {
        const struct person *p = &persons[b->psn_index].person;
        struct settle_input in = {p->insutype == 310 ? &pe : &pr,
                                  &catalog,
                                  &gen_institution_get(city, b->institution_index)->inst,
                                  p,
                                  &states[b->psn_index],
                                  &b->bill,
                                  NULL,
                                  0};
        struct settle_result r;
        enum settle_code code = settle(&in, &r, NULL, NULL);
        if (code != SETTLE_OK) fprintf(stderr, "%s: %s\n", b->msgid, settle_code_name(code));
        assert_int_equal(code, SETTLE_OK);
        year_state_apply(&states[b->psn_index], &r.delta);
    }
    gen_stream_close(stream);
    gen_city_close(city);
    catalog_free(&catalog);
    free(persons);
    free(states);
    free(b);
}

static void test_bills_settle(void **state) {
    (void)state;
    settle_city(NULL, "maoming-2020-employee.json", "maoming-2020-resident.json", NULL);
    settle_city("jincheng-2015", "jincheng-2015-employee.json", "jincheng-2015-ncms.json", NULL);
    settle_city("jinchang-2015", "jinchang-2015-resident.json", "jinchang-2015-resident.json",
                NULL);
    settle_city("synthetic-2022", "synthetic-2022-employee.json", "synthetic-2022-employee.json",
                NULL);
}

/* ---- a city on a synthetic catalog: real restrictions --------------------------- */

static int32_t item_by_code(const struct gen_city *city, const char *code) {
    for (int32_t i = 0; i < city->item_count; i++)
        if (strcmp(city->items[i].code, code) == 0) return i;
    return -1;
}

/* The person's full years on the day the bill ends (29 February counted as
 * the 28th in a common year): restrictions apply to the patient's age when
 * served. */
static int age_on_bill(const struct gen_person *p, const struct gen_event *ev) {
    int year = datetime_year(ev->endtime);
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int day = p->birth_month == 2 && p->birth_day == 29 && !leap ? 28 : p->birth_day;
    datetime_s birthday = datetime_from_civil(year, p->birth_month, day, 0, 0, 0);
    int age = year - p->birth_year - (ev->endtime < birthday ? 1 : 0);
    return age < 0 ? 0 : age;
}

/* Only a planted line may break an item's restriction (by the age on the
 * bill's day), and its label says what the catalog says. Returns the
 * number of such labels. */
static int check_restrictions(const struct gen_city *city, struct gen_plan *plan,
                              struct gen_bill_out *b) {
    int real = 0;
    for (int32_t e = 0; e < plan->event_count; e++) {
        const struct gen_event *ev = &plan->events[e];
        gen_event_materialize(city, ev, b);
        for (int i = 0; i < b->bill.line_count; i++) {
            int32_t index = item_by_code(city, b->lines[i].med_list_codg);
            if (index < 0) continue;
            if (!gen_item_forbidden(&city->items[index], plan->person.gend - '0',
                                    age_on_bill(&plan->person, ev)))
                continue;
            assert_true(ev->plant == GEN_PLANT_GENDER_RESTRICTED ||
                        ev->plant == GEN_PLANT_AGE_RESTRICTED);
            assert_int_equal(ev->plant_item, index);
            assert_int_equal(i, b->bill.line_count - 1);
        }
    }
    for (int32_t k = 0; k < plan->label_count; k++) {
        const struct gen_label *l = &plan->labels[k];
        if (!l->in_catalog) continue;
        const struct gen_item *item = &city->items[l->item];
        assert_true(gen_item_forbidden(item, plan->person.gend - '0', plan->person.age));
        if (l->kind == GEN_PLANT_GENDER_RESTRICTED)
            assert_int_equal(l->restrict_gender, item->restrict_gender);
        else assert_true(l->age_min == item->age_min && l->age_max == item->age_max);
        real++;
    }
    return real;
}

static void test_catalog_city(void **state) {
    (void)state;
    char dir[256], path[512], err[GEN_ERR_BYTES];
    make_tmp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/catalog.json", dir);
    assert_int_equal(gen_write_catalog(path, 3000, 2, err, sizeof err), 0);
    city_catalog_items = 3000;
    settle_city(NULL, "maoming-2020-employee.json", "maoming-2020-resident.json", path);
    struct gen_config config;
    gen_config_defaults(&config);
    config.persons = SMALL_PERSONS;
    config.catalog_items = 3000;
    config.catalog_seed = 2;
    config.rates.rate_ppm[GEN_PLANT_GENDER_RESTRICTED] = 20000;
    config.rates.rate_ppm[GEN_PLANT_AGE_RESTRICTED] = 20000;
    struct gen_city *city = NULL;
    assert_int_equal(gen_city_open(&config, &city, err, sizeof err), 0);
    struct gen_plan *plan = malloc(sizeof *plan);
    struct gen_bill_out *b = malloc(sizeof *b);
    assert_true(plan && b);
    int real = 0;
    for (int64_t i = 0; i < SMALL_PERSONS; i++) {
        gen_plan_person(city, i, plan);
        real += check_restrictions(city, plan, b);
    }
    assert_true(real > 50);
    city_catalog_items = 0;
    free(plan);
    free(b);
    gen_city_close(city);
    unlink(path);
    rmdir(dir);
}

/* ---- bills of a fixed line count (benchmarks) ------------------------------------ */

/* Every bill of a small city has exactly n lines, numbered 1..n, each
 * amount cnt x pric to the fen. */
static void check_fixed_lines(int32_t n) {
    city_bill_lines = n;
    struct gen_city *city = open_city(300, 5, NULL);
    struct gen_stream *stream = NULL;
    struct gen_bill_out *b = malloc(sizeof *b);
    assert_non_null(b);
    assert_int_equal(gen_stream_open(city, &stream), 0);
    int64_t bills = 0;
    while (gen_next_bill(stream, b) == 1) {
        assert_int_equal(b->bill.line_count, n);
        for (int i = 0; i < n; i++) {
            const struct bill_line *l = &b->bill.lines[i];
            char sn[16];
            snprintf(sn, sizeof sn, "%d", i + 1);
            assert_string_equal(l->feedetl_sn, sn);
            assert_true(l->numbers_ok && l->med_list_codg[0] != '\0');
            assert_int_equal(l->amount_fen,
                             (l->cnt_scaled * l->pric_scaled + 50000000) / 100000000);
        }
        bills++;
    }
    assert_true(bills > 1000);
    free(b);
    gen_stream_close(stream);
    gen_city_close(city);
    city_bill_lines = 0;
}

static void test_fixed_lines(void **state) {
    (void)state;
    check_fixed_lines(1);
    check_fixed_lines(7);
    check_fixed_lines(GEN_FIXED_LINES_MAX);
    city_bill_lines = 7;
    settle_city(NULL, "maoming-2020-employee.json", "maoming-2020-resident.json", NULL);
    city_bill_lines = GEN_FIXED_LINES_MAX;
    settle_city(NULL, "maoming-2020-employee.json", "maoming-2020-resident.json", NULL);
    city_bill_lines = 0;
}

/* ---- policy sets, errors, catalog --------------------------------------------- */

static int year_of(datetime_s t) {
    int y, m, d;
    gen_civil_from_days(t / GEN_DAY_S, &y, &m, &d);
    return y;
}

static void test_policy_sets(void **state) {
    (void)state;
    struct {
        const char *name;
        int32_t year;
        int32_t only;
    } sets[] = {
        {"jinchang-2015", 2015, 390}, {"synthetic-2022", 2022, 310}, {"jincheng-2015", 2015, 0}};
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        struct gen_city *city = open_city(500, 3, sets[s].name);
        assert_int_equal(gen_city_year(city), sets[s].year);
        struct gen_person p;
        for (int64_t i = 0; i < 500; i++) {
            gen_person_get(city, i, &p);
            if (sets[s].only) assert_int_equal(p.person.insutype, sets[s].only);
        }
        struct gen_stream *stream = NULL;
        assert_int_equal(gen_stream_open(city, &stream), 0);
        struct gen_bill_out *b = malloc(sizeof *b);
        assert_non_null(b);
        while (gen_next_bill(stream, b) == 1)
            assert_int_equal(year_of(b->bill.endtime), sets[s].year);
        free(b);
        gen_stream_close(stream);
        gen_city_close(city);
    }
}

static void test_config_errors(void **state) {
    (void)state;
    struct gen_config config;
    struct gen_city *city = NULL;
    char err[GEN_ERR_BYTES];
    gen_config_defaults(&config);
    config.persons = 0;
    assert_int_equal(gen_city_open(&config, &city, err, sizeof err), -1);
    assert_non_null(strstr(err, "persons"));
    gen_config_defaults(&config);
    config.policy_set = "atlantis-2020";
    assert_int_equal(gen_city_open(&config, &city, err, sizeof err), -1);
    assert_non_null(strstr(err, "atlantis"));
    gen_config_defaults(&config);
    config.rates.rate_ppm[GEN_PLANT_SPLIT_ADMISSION] = GEN_PPM_ONE + 1;
    assert_int_equal(gen_city_open(&config, &city, err, sizeof err), -1);
    assert_null(city);
    gen_config_defaults(&config);
    config.bill_lines = GEN_FIXED_LINES_MAX + 1;
    assert_int_equal(gen_city_open(&config, &city, err, sizeof err), -1);
    assert_non_null(strstr(err, "bill_lines"));
    config.bill_lines = -1;
    assert_int_equal(gen_city_open(&config, &city, err, sizeof err), -1);
    assert_null(city);
}

static void test_full_disk_is_an_error(void **state) {
    (void)state;
    char err[GEN_ERR_BYTES];
    if (access("/dev/full", W_OK) != 0) skip();
    assert_int_equal(gen_write_catalog("/dev/full", 1000, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "write failed"));
    char dir[256], link[512];
    make_tmp_dir(dir, sizeof dir);
    snprintf(link, sizeof link, "%s/bills.jsonl.partial", dir); /* written, then renamed */
    assert_int_equal(symlink("/dev/full", link), 0);
    struct gen_city *city = open_city(200, 1, NULL);
    assert_int_equal(gen_write_city(city, dir, false, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "bills.jsonl"));
    /* nothing that looks complete is left, nor the .partial files */
    snprintf(link, sizeof link, "%s/persons.csv", dir);
    assert_int_not_equal(access(link, F_OK), 0);
    snprintf(link, sizeof link, "%s/persons.csv.partial", dir);
    assert_int_not_equal(access(link, F_OK), 0);
    snprintf(link, sizeof link, "%s/bills.jsonl.partial", dir);
    assert_int_not_equal(access(link, F_OK), 0);
    gen_city_close(city);
    remove_dir(dir);
}

static void test_catalog_file(void **state) {
    (void)state;
    char dir[256], path[512];
    make_tmp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/catalog.json", dir);
    char err[GEN_ERR_BYTES];
    assert_int_equal(gen_write_catalog(path, 3000, 4, err, sizeof err), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[512];
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "{\"format\":\"yibao-catalog/1\",\"items\":{\n");
    struct hash_set codes = {0};
    int classes[3] = {0}, restricted = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] != '"') continue;
        const char *e = strchr(line + 1, '"');
        set_add(&codes, hash_text(line + 1, (size_t)(e - line - 1)));
        const char *c = field_after(line, "\"class\":\"");
        assert_non_null(c);
        assert_true(*c >= 'A' && *c <= 'C');
        classes[*c - 'A']++;
        if (strstr(line, "\"restrict\":")) restricted++;
    }
    fclose(f);
    assert_int_equal(codes.n, 3000 + 15);
    qsort(codes.v, codes.n, sizeof *codes.v, compare_u64);
    for (size_t i = 1; i < codes.n; i++) assert_true(codes.v[i] != codes.v[i - 1]);
    assert_true(classes[0] > classes[2] && classes[1] > classes[2] && classes[2] > 0);
    assert_true(restricted > 0);
    free(codes.v);
    unlink(path);
    rmdir(dir);
}

/* ---- inventory.csv: consistent with the pharmacy bills ---------------------------- */
struct kv {
    char key[96]; /* code|item|month */
    int64_t cnt;
};
struct kvs {
    struct kv *v;
    size_t n, cap;
};

static void kv_add(struct kvs *m, const char *code, const char *item, int month, int64_t cnt) {
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->v = realloc(m->v, m->cap * sizeof *m->v);
        assert_non_null(m->v);
    }
    snprintf(m->v[m->n].key, sizeof m->v[0].key, "%s|%s|%02d", code, item, month);
    m->v[m->n++].cnt = cnt;
}

static int kv_cmp(const void *a, const void *b) {
    return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

/* Sorted, one entry per key with the sum, zeros dropped. */
static void kv_norm(struct kvs *m) {
    if (m->n == 0) return;
    qsort(m->v, m->n, sizeof *m->v, kv_cmp);
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++) {
        if (k > 0 && strcmp(m->v[k - 1].key, m->v[i].key) == 0) m->v[k - 1].cnt += m->v[i].cnt;
        else m->v[k++] = m->v[i];
    }
    m->n = 0;
    for (size_t i = 0; i < k; i++)
        if (m->v[i].cnt != 0) m->v[m->n++] = m->v[i];
}

static int64_t units(const char *text, size_t len) {
    int64_t v = 0;
    assert_int_equal(decimal_parse(text, len, 4, INT64_MAX / 2, &v), DECIMAL_OK);
    return v;
}

/* A label field's text after "key": (a string's or a number's). */
static void label_field(const char *line, const char *key, char *out, size_t size) {
    const char *at = strstr(line, key);
    assert_non_null(at);
    at += strlen(key);
    if (*at == '"') at++;
    size_t n = strcspn(at, "\",]}");
    assert_true(n < size);
    memcpy(out, at, n);
    out[n] = '\0';
}

/* Purchases (per pharmacy, item and month, dated the 1st) equal what the
 * pharmacy bills sold, but for each substitution label: the billed item
 * less the line's units, the goods sold instead more. Every substitution
 * names a catalog item, never daily goods. */
static void test_inventory_consistent(void **state) {
    (void)state;
    struct kvs bought = {0}, sold = {0};
    char dir[256], err[GEN_ERR_BYTES];
    make_tmp_dir(dir, sizeof dir);
    struct gen_city *city = open_city(SMALL_PERSONS, SMALL_SEED, NULL);
    gen_city_close(city);
    struct gen_config config;
    gen_config_defaults(&config);
    config.persons = SMALL_PERSONS, config.seed = SMALL_SEED;
    config.rates.rate_ppm[GEN_PLANT_SUBSTITUTION] = 200000; /* a fifth of the item-months */
    assert_int_equal(gen_city_open(&config, &city, err, sizeof err), 0);
    assert_int_equal(gen_write_city(city, dir, false, NULL, err, sizeof err), 0);
    FILE *f = open_in(dir, "inventory.csv");
    char line[2048], code[64], item[64], day[16], cnt[32], msgid[96], goods[64];
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(
        line, "fixmedins_code,infno,fixmedins_bchno,med_list_codg,day,cnt,inv_chg_type,setl_id\n");
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        assert_int_equal(
            sscanf(line, "%63[^,],3503,%*[^,],%63[^,],%15[^,],%31[^,],,", code, item, day, cnt), 4);
        assert_int_equal(strlen(day), 10);
        assert_string_equal(day + 7, "-01");
        kv_add(&bought, code, item, atoi(day + 5), units(cnt, strlen(cnt)));
        rows++;
    }
    fclose(f);
    assert_true(rows > 10);
    struct gen_stream *stream = NULL;
    struct gen_bill_out *b = malloc(sizeof *b);
    assert_non_null(b);
    assert_int_equal(gen_stream_open(city, &stream), 0);
    while (gen_next_bill(stream, b) == 1) {
        if (b->bill.med_type != MED_TYPE_PHARMACY) continue;
        int month = (b->msgid[16] - '0') * 10 + (b->msgid[17] - '0');
        for (int32_t i = 0; i < b->bill.line_count; i++)
            kv_add(&sold, b->bill.fixmedins_code, b->bill.lines[i].med_list_codg, month,
                   b->bill.lines[i].cnt_scaled);
    }
    gen_stream_close(stream);
    free(b);
    gen_city_close(city);
    f = open_in(dir, "labels.jsonl");
    int substitutions = 0;
    while (fgets(line, sizeof line, f)) {
        static const char head[] = "{\"kind\":\"substitution\",";
        if (strncmp(line, head, sizeof head - 1) != 0) continue;
        label_field(line, "\"msgid\":[", msgid, sizeof msgid);
        label_field(line, "\"item\":", item, sizeof item);
        label_field(line, "\"cnt\":", cnt, sizeof cnt);
        label_field(line, "\"sold\":", goods, sizeof goods);
        assert_true(strncmp(item, "NM", 2) != 0 && strncmp(goods, "NM", 2) == 0);
        memcpy(code, msgid, 12);
        code[12] = '\0';
        int month = (msgid[16] - '0') * 10 + (msgid[17] - '0');
        kv_add(&sold, code, item, month, -units(cnt, strlen(cnt)));
        kv_add(&sold, code, goods, month, units(cnt, strlen(cnt)));
        substitutions++;
    }
    fclose(f);
    assert_true(substitutions > 0);
    kv_norm(&bought);
    kv_norm(&sold);
    assert_int_equal(bought.n, sold.n);
    for (size_t i = 0; i < bought.n; i++) {
        assert_string_equal(bought.v[i].key, sold.v[i].key);
        assert_int_equal(bought.v[i].cnt, sold.v[i].cnt);
    }
    free(bought.v);
    free(sold.v);
    remove_dir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_certno_check_digits),
        cmocka_unit_test(test_stream_statistics),
        cmocka_unit_test(test_population_shares),
        cmocka_unit_test(test_plans_clean_except_planted),
        cmocka_unit_test(test_files_numbers_and_labels),
        cmocka_unit_test(test_msgid_widest_seed),
        cmocka_unit_test(test_bills_settle),
        cmocka_unit_test(test_catalog_city),
        cmocka_unit_test(test_fixed_lines),
        cmocka_unit_test(test_policy_sets),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_full_disk_is_an_error),
        cmocka_unit_test(test_catalog_file),
        cmocka_unit_test(test_inventory_consistent),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
