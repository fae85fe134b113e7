/* test_person_keep.c: cmocka tests of the replay's kept person rows
 * (src/app/person_keep.c, issue 17: the what-if at 1M).
 *
 * Rows put then got back are the rows put, field by field (every string
 * at its column's full width, empty strings, negative and large numbers),
 * over enough persons to grow the table several times; a person never put
 * is not found; putting a person twice keeps the first; the byte bound
 * (PERSON_KEEP_BYTES_MAX, here a small one) stops keeping rows once a new
 * block would pass it, and the rows kept before stay readable. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "app/person_keep.h"

#define PERSONS 200000 /* the table starts at 65,536 slots: grows twice */

static void fill(struct store_person *p, size_t i) {
    memset(p, 0, sizeof *p);
    snprintf(p->psn_no, sizeof p->psn_no, "P%08zu", i);
    if (i % 7 == 0) memset(p->certno, 'c', sizeof p->certno - 1); /* full width */
    else snprintf(p->certno, sizeof p->certno, "44%016zu", i * 31);
    if (i % 5 == 0) memset(p->name, 'n', sizeof p->name - 1);
    else if (i % 5 == 1) p->name[0] = '\0';
    else snprintf(p->name, sizeof p->name, "name %zu", i);
    snprintf(p->gender, sizeof p->gender, "%d", (int)(i % 3));
    snprintf(p->birth_date, sizeof p->birth_date, "19%02zu-01-%02zu", i % 100, 1 + i % 28);
    p->insutype = i % 2 ? 310 : 390;
    p->category = (enum category)(i % CATEGORY_COUNT);
    p->flags = (uint32_t)(i * 2654435761u);
    snprintf(p->region, sizeof p->region, "44%04zu", i % 10000);
    p->benefit_start = (int64_t)i * 86400 - 1000000000;
    p->benefit_years = i % 11 == 0 ? INT64_MIN : (int64_t)i << 20;
    p->acct_open_fen = i % 13 == 0 ? INT64_MAX : -(int64_t)i;
    p->status = (enum insured_status)(i % 2);
}

static void same(const struct store_person *a, const struct store_person *b) {
    assert_string_equal(a->psn_no, b->psn_no);
    assert_string_equal(a->certno, b->certno);
    assert_string_equal(a->name, b->name);
    assert_string_equal(a->gender, b->gender);
    assert_string_equal(a->birth_date, b->birth_date);
    assert_int_equal(a->insutype, b->insutype);
    assert_int_equal(a->category, b->category);
    assert_int_equal(a->flags, b->flags);
    assert_string_equal(a->region, b->region);
    assert_int_equal(a->benefit_start, b->benefit_start);
    assert_int_equal(a->benefit_years, b->benefit_years);
    assert_int_equal(a->acct_open_fen, b->acct_open_fen);
    assert_int_equal(a->status, b->status);
    assert_memory_equal(a, b, sizeof *a); /* both zeroed past their strings */
}

static void test_round_trip(void **state) {
    (void)state;
    struct person_keep k;
    struct store_person p, got;
    person_keep_init(&k, PERSON_KEEP_BYTES_MAX);
    assert_false(person_keep_get(&k, "P00000001", &got));
    for (size_t i = 0; i < PERSONS; i++) {
        fill(&p, i);
        assert_int_equal(person_keep_put(&k, &p), 0);
    }
    assert_int_equal(k.count, PERSONS);
    for (size_t i = 0; i < PERSONS; i++) {
        fill(&p, i);
        assert_true(person_keep_get(&k, p.psn_no, &got));
        same(&p, &got);
    }
    assert_false(person_keep_get(&k, "P99999999", &got));
    assert_false(person_keep_get(&k, "", &got));
    fill(&p, 3); /* a second put of a kept person keeps the first row */
    p.acct_open_fen = 42;
    assert_int_equal(person_keep_put(&k, &p), 0);
    assert_int_equal(k.count, PERSONS);
    assert_true(person_keep_get(&k, p.psn_no, &got));
    assert_int_equal(got.acct_open_fen, -3);
    person_keep_free(&k);
    assert_int_equal(k.count, 0);
}

static void test_bound(void **state) {
    (void)state;
    struct person_keep k;
    struct store_person p, got;
    person_keep_init(&k, (size_t)3 << 20); /* room for two blocks of 1 MiB, not three */
    size_t kept = 0, refused = 0;
    for (size_t i = 0; i < 40000; i++) {
        fill(&p, i);
        int rc = person_keep_put(&k, &p);
        assert_true(rc == 0 || rc == 1);
        if (rc == 0) assert_int_equal(refused, 0); /* nothing kept after the first refusal */
        kept += rc == 0, refused += rc == 1;
    }
    assert_true(kept > 1000 && refused > 0);
    assert_true(k.bytes <= (size_t)3 << 20);
    for (size_t i = 0; i < 40000; i++) {
        fill(&p, i);
        bool found = person_keep_get(&k, p.psn_no, &got);
        assert_int_equal(found, i < kept);
        if (found) same(&p, &got);
    }
    person_keep_free(&k);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
