/* whatif.c: the what-if's sums and the hardest hit (whatif.h). */
#include "core/whatif.h"

#include <assert.h>

int whatif_scheme_index(int32_t insutype) { return insutype == INSUTYPE_EMPLOYEE ? 0 : 1; }

static void sums_add(struct whatif_sums *s, const struct setlinfo *setl, int sign) {
    assert(s != NULL && setl != NULL && (sign == 1 || sign == -1));
    s->settlements += sign;
    for (int f = 0; f < FUND_LAYER_COUNT; f++)
        s->fund_fen[f] += sign * fund_layer_pay(setl, (enum fund_layer_id)f);
    s->fund_pay_sumamt_fen += sign * setl->fund_pay_sumamt;
    s->medfee_sumamt_fen += sign * setl->medfee_sumamt;
    s->inscp_scp_amt_fen += sign * setl->inscp_scp_amt;
    s->psn_part_amt_fen += sign * setl->psn_part_amt;
}

void whatif_add(struct whatif_side *side, const struct whatif_where *where,
                const struct setlinfo *setl, int sign) {
    assert(side != NULL && where != NULL && setl != NULL);
    int level = where->level >= LEVEL_TOWNSHIP && where->level <= LEVEL_NONE ? (int)where->level
                                                                             : (int)LEVEL_NONE;
    int category = where->category >= CATEGORY_IN_SERVICE && where->category < CATEGORY_COUNT
                       ? (int)where->category
                       : (int)CATEGORY_COUNT;
    sums_add(&side->total, setl, sign);
    sums_add(&side->level[level], setl, sign);
    sums_add(&side->group[whatif_scheme_index(where->insutype)][category], setl, sign);
}

size_t whatif_hardest_count(size_t n) {
    assert(n <= SIZE_MAX / WHATIF_HARDEST_PERCENT);
    return (n * WHATIF_HARDEST_PERCENT + 99) / 100;
}

/* a is hit harder than b: a larger increase, or the same and a smaller id. */
static bool harder(const struct whatif_person *a, const struct whatif_person *b) {
    assert(a != NULL && b != NULL);
    int64_t ca = a->after_fen - a->before_fen, cb = b->after_fen - b->before_fen;
    return ca > cb || (ca == cb && a->id < b->id);
}

static void swap(struct whatif_person *a, struct whatif_person *b) {
    struct whatif_person t = *a;
    *a = *b;
    *b = t;
}

/* A heap of p[0..n) whose root is the least hit: restores it below i. */
static void sift_down(struct whatif_person *p, size_t n, size_t i) {
    assert(p != NULL && i < n);
    for (;;) {
        size_t least = i, l = 2 * i + 1, r = 2 * i + 2;
        if (l < n && harder(&p[least], &p[l])) least = l;
        if (r < n && harder(&p[least], &p[r])) least = r;
        if (least == i) return;
        swap(&p[i], &p[least]);
        i = least;
    }
}

void whatif_hardest(struct whatif_person *p, size_t n, size_t k) {
    assert((p != NULL || n == 0) && k <= n);
    if (k == 0) return;
    for (size_t i = k / 2; i-- > 0;) sift_down(p, k, i);
    /* the k hardest so far in the heap; a harder one replaces its least hit */
    for (size_t i = k; i < n; i++) {
        if (!harder(&p[i], &p[0])) continue;
        swap(&p[i], &p[0]);
        sift_down(p, k, 0);
    }
    /* heap sort: the least hit goes last, so p[0..k) ends hardest first */
    for (size_t end = k; end > 1; end--) {
        swap(&p[0], &p[end - 1]);
        sift_down(p, end - 1, 0);
    }
}
