/* test_names.c: cmocka tests of src/app/names.c, the set of names with
 * dense indexes settle-year keeps its settlements' codes and persons in:
 * indexes given in order of first addition, the same index for a name
 * added again, find without adding, the empty name, names that collide in
 * few slots, and 200,000 names through many rehashes, each found at its
 * index after.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "app/names.h"

static void test_add_find_get(void **state) {
    (void)state;
    struct app_names n = {0};
    assert_int_equal(app_names_find(&n, "H1"), -1);
    assert_int_equal(app_names_add(&n, "H1"), 0);
    assert_int_equal(app_names_add(&n, "H2"), 1);
    assert_int_equal(app_names_add(&n, "H1"), 0);
    assert_int_equal(app_names_add(&n, ""), 2);
    assert_int_equal(app_names_find(&n, ""), 2);
    assert_int_equal(app_names_find(&n, "H2"), 1);
    assert_int_equal(app_names_find(&n, "H3"), -1);
    assert_int_equal(app_names_find(&n, "H"), -1);
    assert_string_equal(app_names_get(&n, 0), "H1");
    assert_string_equal(app_names_get(&n, 1), "H2");
    assert_string_equal(app_names_get(&n, 2), "");
    assert_int_equal((int)n.count, 3);
    app_names_free(&n);
    assert_int_equal(app_names_find(&n, "H1"), -1);
    assert_int_equal(app_names_add(&n, "H1"), 0); /* usable again after free */
    app_names_free(&n);
}

static void test_many(void **state) {
    (void)state;
    struct app_names n = {0};
    char name[32];
    for (int i = 0; i < 200000; i++) {
        snprintf(name, sizeof name, "P%012d", i);
        assert_int_equal(app_names_add(&n, name), i);
    }
    for (int i = 199999; i >= 0; i -= 7) {
        snprintf(name, sizeof name, "P%012d", i);
        assert_int_equal(app_names_find(&n, name), i);
        assert_int_equal(app_names_add(&n, name), i);
        assert_string_equal(app_names_get(&n, i), name);
    }
    assert_int_equal((int)n.count, 200000);
    assert_true(n.slot_count >= 2 * n.count); /* at most half full */
    assert_int_equal(app_names_find(&n, "P000000200000"), -1);
    app_names_free(&n);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_find_get),
        cmocka_unit_test(test_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
