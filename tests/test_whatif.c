/* test_whatif.c: cmocka tests of the what-if's pure figures
 * (src/core/whatif.c, issue 17 item 5).
 *
 * whatif_hardest against a full sort (qsort, here in the test) over random
 * persons, sizes and k, ties included: the same persons in the same order,
 * and the others left behind as a permutation; the count of the hardest
 * (10 %, rounded up); whatif_add: a settlement then its revoke leaves every
 * sum at 0, and the sums land in the settlement's level and group. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/whatif.h"

#define TEST_RNG_SEED 0x5eed17ULL
#include "test_rng.h"

/* test_rng.h's reference mul, not needed here */
static int64_t (*const unused_ref_mul)(int64_t, int64_t) __attribute__((unused)) = ref_mul;

#define RANDOM_ROUNDS 400
#define PERSONS_MAX 2000

static int by_hit(const void *x, const void *y) {
    const struct whatif_person *a = x, *b = y;
    int64_t ca = a->after_fen - a->before_fen, cb = b->after_fen - b->before_fen;
    if (ca != cb) return ca > cb ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

static int by_id(const void *x, const void *y) {
    const struct whatif_person *a = x, *b = y;
    return a->id < b->id ? -1 : a->id > b->id;
}

static void test_hardest_against_sort(void **unused) {
    (void)unused;
    static struct whatif_person p[PERSONS_MAX], ref[PERSONS_MAX];
    for (int round = 0; round < RANDOM_ROUNDS; round++) {
        size_t n = (size_t)rnd_to(PERSONS_MAX);
        int64_t spread = round % 3 == 0 ? 3 : 1000000; /* small spreads: many ties */
        for (size_t i = 0; i < n; i++) {
            p[i].id = (uint32_t)i;
            p[i].before_fen = rnd_to(spread);
            p[i].after_fen = rnd_to(spread);
        }
        size_t k = round % 2 == 0 ? whatif_hardest_count(n) : (size_t)rnd_to((int64_t)n);
        memcpy(ref, p, n * sizeof *p);
        qsort(ref, n, sizeof *ref, by_hit);
        whatif_hardest(p, n, k);
        for (size_t i = 0; i < k; i++) assert_int_equal(p[i].id, ref[i].id);
        qsort(p, n, sizeof *p, by_id); /* nobody lost or doubled */
        for (size_t i = 0; i < n; i++) assert_int_equal(p[i].id, i);
    }
}

static void test_hardest_count(void **unused) {
    (void)unused;
    assert_int_equal(whatif_hardest_count(0), 0);
    assert_int_equal(whatif_hardest_count(1), 1);
    assert_int_equal(whatif_hardest_count(10), 1);
    assert_int_equal(whatif_hardest_count(11), 2);
    assert_int_equal(whatif_hardest_count(1942), 195);
    assert_int_equal(whatif_hardest_count(1000000), 100000);
}

static void test_add_and_take_back(void **unused) {
    (void)unused;
    static struct whatif_side side, zero;
    struct setlinfo s;
    memset(&s, 0, sizeof s);
    s.medfee_sumamt = 358600;
    s.inscp_scp_amt = 300000;
    s.hifp_pay = 143585;
    s.hifmi_pay = 1000;
    s.fund_pay_sumamt = 144585;
    s.psn_part_amt = 358600 - 144585;
    struct whatif_where w = {LEVEL_3, INSUTYPE_RESIDENT, CATEGORY_ADULT};
    whatif_add(&side, &w, &s, 1);
    assert_int_equal(side.total.settlements, 1);
    assert_int_equal(side.total.fund_fen[FUND_hifp], 143585);
    assert_int_equal(side.total.fund_fen[FUND_hifmi], 1000);
    assert_int_equal(side.level[LEVEL_3].psn_part_amt_fen, 214015);
    assert_int_equal(side.group[1][CATEGORY_ADULT].medfee_sumamt_fen, 358600);
    assert_int_equal(side.level[LEVEL_1].settlements, 0);
    struct whatif_where unknown = {LEVEL_NONE, INSUTYPE_EMPLOYEE, CATEGORY_COUNT};
    whatif_add(&side, &unknown, &s, 1);
    assert_int_equal(side.level[LEVEL_NONE].settlements, 1);
    assert_int_equal(side.group[0][CATEGORY_COUNT].settlements, 1);
    whatif_add(&side, &unknown, &s, -1);
    whatif_add(&side, &w, &s, -1);
    assert_memory_equal(&side, &zero, sizeof side);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hardest_against_sort),
        cmocka_unit_test(test_hardest_count),
        cmocka_unit_test(test_add_and_take_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
