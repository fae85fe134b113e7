/* test_scan_bills.c: cmocka tests of src/app/scan_bills.c, the scans'
 * packed copy of a period's bills: interned names keep one index and one
 * address per text through the table's growth, and sort in byte order; a
 * packed bill reads back as it was given (negative numbers, an invalid
 * med_type, an end before the beginning, no lines, the largest bill, a
 * 63-byte msgid); each person's chain holds their bills in the order
 * added; the walk visits every bill in that order across a block's end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/scan_bills.h"
#include "core/limits.h"

static void test_names(void **state) {
    struct scan_names n;
    char text[32];
    uint32_t idx = 0, again = 0;
    const char *first = NULL;
    (void)state;
    memset(&n, 0, sizeof n);
    assert_false(scan_names_find(&n, "x", &idx));
    for (int i = 0; i < 5000; i++) { /* the slots grow several times */
        snprintf(text, sizeof text, "C%05d", (i * 7919) % 5000);
        assert_int_equal(scan_names_intern(&n, text, &idx), 0);
        assert_int_equal(idx, i);
        if (i == 0) first = n.text[0];
    }
    assert_int_equal(scan_names_intern(&n, "C00000", &again), 0);
    assert_int_equal(again, 0);
    assert_ptr_equal(n.text[0], first); /* texts never move */
    assert_true(scan_names_find(&n, "C04999", &idx));
    assert_string_equal(n.text[idx], "C04999");
    assert_false(scan_names_find(&n, "C05000", &idx));
    assert_int_equal(scan_names_intern(&n, "", &idx), 0); /* an empty code is a name */
    assert_int_equal(scan_names_intern(&n, "\xe5\x8c\xbb", &idx), 0);
    uint32_t *order = scan_names_sorted(&n), *rank = scan_names_ranks(&n);
    assert_non_null(order);
    assert_non_null(rank);
    assert_string_equal(n.text[order[0]], "");
    assert_string_equal(n.text[order[n.count - 1]], "\xe5\x8c\xbb"); /* bytes, unsigned */
    for (size_t i = 0; i + 1 < n.count; i++) {
        assert_true(strcmp(n.text[order[i]], n.text[order[i + 1]]) < 0);
        assert_int_equal(rank[order[i]], i);
    }
    free(order);
    free(rank);
    scan_names_free(&n);
}

static struct bill_line lines[BILL_LINES_MAX];

static struct bill make_bill(const char *inst, enum med_type t, int32_t count, int64_t base) {
    struct bill b;
    memset(&b, 0, sizeof b);
    snprintf(b.fixmedins_code, sizeof b.fixmedins_code, "%s", inst);
    snprintf(b.dise_codg, sizeof b.dise_codg, "I10");
    b.med_type = t;
    b.begntime = 1580000000 + base;
    b.endtime = b.begntime + 3600 - base % 7200; /* may end before it began */
    b.line_count = count;
    b.lines = lines;
    for (int32_t l = 0; l < count; l++) {
        memset(&lines[l], 0, sizeof lines[l]);
        snprintf(lines[l].med_list_codg, sizeof lines[l].med_list_codg, "X%d", (int)(l % 300));
        lines[l].cnt_scaled = (l % 5 == 0 ? -1 : 1) * (base + l) * 10000;
        lines[l].pric_scaled = (int64_t)l * 1000003 - 7;
        lines[l].amount_fen = INT64_MAX / (l + 1);
    }
    return b;
}

static void check_bill(const struct scan_bills *sb, uint64_t off, const struct bill *want,
                       int64_t seq, const char *msgid, uint32_t psn) {
    static struct scan_line got[BILL_LINES_MAX];
    struct scan_packed p;
    scan_bills_get(sb, off, &p);
    assert_int_equal(p.seq, seq);
    assert_int_equal(p.psn, psn);
    assert_string_equal(p.msgid, msgid);
    assert_int_equal(p.fund_paid_fen, -seq);
    assert_string_equal(sb->codes.text[p.inst], want->fixmedins_code);
    assert_string_equal(sb->codes.text[p.dise], want->dise_codg);
    assert_int_equal(p.med_type, want->med_type);
    assert_int_equal(p.begntime, want->begntime);
    assert_int_equal(p.endtime, want->endtime);
    assert_int_equal(p.line_count, want->line_count);
    scan_bills_lines(&p, got, p.line_count);
    for (int32_t l = 0; l < p.line_count; l++) {
        assert_string_equal(sb->codes.text[got[l].item], want->lines[l].med_list_codg);
        assert_int_equal(got[l].cnt_scaled, want->lines[l].cnt_scaled);
        assert_int_equal(got[l].pric_scaled, want->lines[l].pric_scaled);
        assert_int_equal(got[l].amount_fen, want->lines[l].amount_fen);
    }
}

static void test_round_trip(void **state) {
    struct scan_bills sb;
    uint32_t a = 0, b = 0;
    char long_id[64];
    (void)state;
    memset(&sb, 0, sizeof sb);
    memset(long_id, 'm', 63);
    long_id[63] = '\0';
    assert_int_equal(scan_bills_person(&sb, "P-A", &a), 0);
    assert_int_equal(scan_bills_person(&sb, "P-B", &b), 0);
    assert_int_equal(sb.count[b], 0);
    struct bill b1 = make_bill("H1", MED_TYPE_INPATIENT, 3, 5);
    assert_int_equal(scan_bills_add(&sb, a, 10, "m-1", -10, &b1), 0);
    struct bill b2 = make_bill("P2", MED_TYPE_INVALID, 0, 9000);
    assert_int_equal(scan_bills_add(&sb, b, 11, long_id, -11, &b2), 0);
    struct bill b3 = make_bill("H1", MED_TYPE_PHARMACY, BILL_LINES_MAX, 1);
    assert_int_equal(scan_bills_add(&sb, a, 12, "", -12, &b3), 0);
    assert_int_equal(sb.bills, 3);
    assert_int_equal(sb.count[a], 2);
    struct scan_packed p;
    scan_bills_get(&sb, sb.head[a], &p); /* a's chain: 10, then 12 */
    b1 = make_bill("H1", MED_TYPE_INPATIENT, 3, 5);
    check_bill(&sb, p.off, &b1, 10, "m-1", a);
    assert_int_equal(p.next, sb.tail[a]);
    b3 = make_bill("H1", MED_TYPE_PHARMACY, BILL_LINES_MAX, 1);
    check_bill(&sb, p.next, &b3, 12, "", a);
    scan_bills_get(&sb, sb.tail[a], &p);
    assert_true(p.next == SCAN_NONE);
    b2 = make_bill("P2", MED_TYPE_INVALID, 0, 9000);
    check_bill(&sb, sb.head[b], &b2, 11, long_id, b);
    scan_bills_free(&sb);
}

/* About 75 MiB of bills: the walk goes on into the second block. */
static void test_walk_blocks(void **state) {
    struct scan_bills sb;
    uint32_t psn[3];
    (void)state;
    memset(&sb, 0, sizeof sb);
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "P%d", i);
        assert_int_equal(scan_bills_person(&sb, name, &psn[i]), 0);
    }
    int64_t n = 1500;
    for (int64_t i = 0; i < n; i++) {
        struct bill b = make_bill(i % 2 ? "H1" : "P1", MED_TYPE_PHARMACY, BILL_LINES_MAX, i);
        assert_int_equal(scan_bills_add(&sb, psn[i % 3], i + 1, "m", -(i + 1), &b), 0);
    }
    assert_true(sb.block_count >= 2);
    uint64_t off = SCAN_NONE;
    struct scan_packed p;
    int64_t seen = 0;
    while (scan_bills_walk(&sb, &off, &p)) {
        assert_int_equal(p.seq, seen + 1);
        assert_int_equal(p.psn, psn[seen % 3]);
        if (seen % 97 == 0) {
            struct bill b = make_bill(seen % 2 ? "H1" : "P1", MED_TYPE_PHARMACY, BILL_LINES_MAX,
                                      seen);
            check_bill(&sb, p.off, &b, seen + 1, "m", psn[seen % 3]);
        }
        seen++;
    }
    assert_int_equal(seen, n);
    for (int i = 0; i < 3; i++) { /* each chain in the order added */
        int64_t k = 0;
        for (uint64_t o = sb.head[psn[i]]; o != SCAN_NONE; o = p.next, k++) {
            scan_bills_get(&sb, o, &p);
            assert_int_equal(p.seq, i + 3 * k + 1);
        }
        assert_int_equal(k, sb.count[psn[i]]);
    }
    scan_bills_free(&sb);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_walk_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
