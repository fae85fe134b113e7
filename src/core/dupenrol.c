/* dupenrol.c: finds duplicate enrolments among one certno's enrolments
 * (dupenrol.h). A pair of enrolments counts when their scheme or region
 * differs and both cover a month of the year; a pair of person numbers
 * collects the months of all such pairs of their enrolments. The resident
 * subsidy of a month is the duplicate one: of the dup's resident
 * enrolment, else of the first's when only it is a resident (an employee
 * must be in the employee scheme: the resident enrolment is the extra one);
 * for one number with two resident enrolments, of the later one. */
#include "core/dupenrol.h"

#include <string.h>

static bool covers(const struct dup_enrol *e, int32_t m) {
    return e->from_m <= m && (e->to_m < 0 || m <= e->to_m);
}

static bool differ(const struct dup_enrol *a, const struct dup_enrol *b) {
    return a->insutype != b->insutype || strcmp(a->region, b->region) != 0;
}

/* The first month of the earliest of psn's enrolments overlapping the year. */
static int32_t first_in_year(const struct dup_enrol *e, int lo, int hi, int32_t y0) {
    int32_t first = INT32_MAX;
    for (int i = lo; i < hi; i++)
        if ((e[i].to_m < 0 || e[i].to_m >= y0) && e[i].from_m <= y0 + 11 && e[i].from_m < first)
            first = e[i].from_m;
    return first;
}

/* The resident enrolment among a and b whose subsidy of month m is the duplicate. */
static const char *subsidy_region(const struct dup_enrol *a, const struct dup_enrol *b,
                                  bool same_psn, const char *had) {
    const struct dup_enrol *res = NULL;
    if (b->insutype == 390 && a->insutype == 390) res = same_psn && a->from_m > b->from_m ? a : b;
    else if (b->insutype == 390) res = b;
    else if (a->insutype == 390) res = a;
    if (res == NULL) return had;
    return had != NULL && res == a && !same_psn ? had : res->region;
}

/* The months in year where an enrolment of [la, ha) and one of [lb, hb)
 * differ and overlap; the subsidy's region of each into c. */
static uint16_t overlap(const struct dup_enrol *e, int la, int ha, int lb, int hb, int32_t y0,
                        struct dup_case *c) {
    uint16_t mask = 0;
    bool same = la == lb;
    for (int i = la; i < ha; i++)
        for (int j = same ? i + 1 : lb; j < hb; j++) {
            if (!differ(&e[i], &e[j])) continue;
            for (int k = 0; k < DUP_MONTHS; k++) {
                if (!covers(&e[i], y0 + k) || !covers(&e[j], y0 + k)) continue;
                mask = (uint16_t)(mask | (1u << k));
                c->subsidy_region[k] = subsidy_region(&e[i], &e[j], same, c->subsidy_region[k]);
            }
        }
    return mask;
}

int dup_find(const struct dup_enrol *e, int n, int32_t year, struct dup_case *out, int max) {
    int start[DUP_ENROL_MAX + 1], persons = 0, count = 0;
    int32_t y0 = year * 12;
    for (int i = 0; i < n; i++)
        if (i == 0 || strcmp(e[i].psn_no, e[i - 1].psn_no) != 0) start[persons++] = i;
    start[persons] = n;
    for (int p = 0; p < persons; p++)
        for (int q = p; q < persons; q++) {
            struct dup_case c;
            memset(&c, 0, sizeof c);
            int32_t fp = first_in_year(e, start[p], start[p + 1], y0);
            int32_t fq = first_in_year(e, start[q], start[q + 1], y0);
            bool p_first = fp < fq ||
                           (fp == fq && strcmp(e[start[p]].psn_no, e[start[q]].psn_no) <= 0);
            int a = p_first ? p : q, b = p_first ? q : p;
            c.months = overlap(e, start[a], start[a + 1], start[b], start[b + 1], y0, &c);
            if (c.months == 0) continue;
            if (count == max) return -1;
            c.psn_no = e[start[a]].psn_no, c.psn_no_dup = e[start[b]].psn_no;
            out[count++] = c;
        }
    return count;
}

int64_t dup_subsidy_fen(int64_t subsidy_fen, int months) {
    if (subsidy_fen <= 0 || months <= 0) return 0;
    return (subsidy_fen * months * 2 + DUP_MONTHS) / (2 * DUP_MONTHS);
}

int dup_month_count(uint16_t mask) {
    int n = 0;
    for (; mask; mask = (uint16_t)(mask & (mask - 1))) n++;
    return n;
}
