/* inventory.c: the inventory feeds' kinds and the substitution walk
 * (inventory.h; docs/SUPERVISION.md says why each choice). */
#include "inventory.h"

#include <assert.h>
#include <string.h>

static const char *const infnos[INV_KIND_COUNT] = {"3501", "3502", "3503", "3504", "3505", "3506"};

int inv_kind_of(const char *infno) {
    assert(infno != NULL);
    for (int k = 0; k < INV_KIND_COUNT; k++)
        if (strcmp(infno, infnos[k]) == 0) return k;
    return -1;
}

const char *inv_infno(enum inv_kind kind) {
    assert(kind >= 0 && kind < INV_KIND_COUNT);
    return infnos[kind];
}

/* Our table of 3502's change types (the public documents name the field,
 * not its codes): 101 transfer in, 102 transfer out, 103 counted over, 104
 * counted short, 105 damaged or expired, 106 other in, 107 other out. */
int inv_chg_sign(const char *inv_chg_type) {
    static const char *const in[] = {"101", "103", "106"};
    static const char *const out[] = {"102", "104", "105", "107"};
    assert(inv_chg_type != NULL);
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        if (strcmp(inv_chg_type, in[i]) == 0) return 1;
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
        if (strcmp(inv_chg_type, out[i]) == 0) return -1;
    return 0;
}

int64_t inv_delta(enum inv_kind kind, int64_t cnt_scaled, int chg_sign, bool settled_sale) {
    assert(cnt_scaled >= 0 && kind >= 0 && kind < INV_KIND_COUNT);
    switch (kind) {
    case INV_CHANGE: return chg_sign > 0 ? cnt_scaled : chg_sign < 0 ? -cnt_scaled : 0;
    case INV_PURCHASE: return cnt_scaled;
    case INV_PURCHASE_RETURN: return -cnt_scaled;
    case INV_SALE: return settled_sale ? 0 : -cnt_scaled;
    case INV_SALE_RETURN: return settled_sale ? 0 : cnt_scaled;
    case INV_STOCKTAKE:
    case INV_KIND_COUNT: break;
    }
    return 0;
}

/* The part of amount_fen that excess of cnt is (rounded half up). */
static int64_t share_of(int64_t amount_fen, int64_t excess, int64_t cnt) {
    assert(cnt > 0 && excess > 0 && excess <= cnt);
    if (excess == cnt) return amount_fen;
    __int128 x = (__int128)amount_fen * excess * 2 + cnt;
    return (int64_t)(x / (2 * (__int128)cnt));
}

int inv_substitution(int64_t opening_scaled, const struct inv_event *events, int64_t event_count,
                     const struct inv_sale *sales, int64_t sale_count, inv_emit emit, void *ctx) {
    assert(event_count >= 0 && sale_count >= 0 && emit != NULL);
    assert(event_count == 0 || events != NULL);
    int64_t stock = opening_scaled > 0 ? opening_scaled : 0, e = 0;
    for (int64_t s = 0; s < sale_count; s++) {
        const struct inv_sale *line = &sales[s];
        assert(s == 0 || sales[s - 1].day <= line->day);
        for (; e < event_count && events[e].day <= line->day; e++) {
            if (events[e].kind == INV_STOCKTAKE) stock = events[e].cnt_scaled;
            else stock += events[e].cnt_scaled;
            if (stock < 0) stock = 0; /* more out than in: nothing left, not a debt */
        }
        if (line->cnt_scaled <= stock) {
            stock -= line->cnt_scaled;
            continue;
        }
        int64_t excess = line->cnt_scaled - stock;
        int rc = emit(ctx, s, stock, excess, share_of(line->amount_fen, excess, line->cnt_scaled));
        if (rc != 0) return rc;
        stock = 0;
    }
    return 0;
}
