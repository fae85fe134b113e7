/* gen_lines.c: turns a planned event into a bill with detail lines.
 *
 * The lines are drawn from the event's own stream (seed, lines, person,
 * line_seq) so that a bill is the same whenever it is materialized. A bill
 * has a target cost; fixed lines come first (bed days, the operation, the
 * stent, the dialysis session, the disease's key drug), then ordinary lines
 * share what is left: each picks a class (about 60/30/10 A/B/C), an item of
 * that class it can afford, a unit price around the item's median (some
 * above their caps) and as many units as its share buys. Every amount is
 * cnt x pric rounded half-up to the fen, in integers. With
 * config.bill_lines every bill gets exactly that many lines instead
 * (fit_lines): items may then repeat on any bill, and a duplicate_charge
 * bill is not cut to its one copied line. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/catalog.h"
#include "gen/gen_internal.h"

#define HALF_UNIT_PPM 50000u /* drug lines with half units (cnt 2.5) */
#define NURSING_PPM 120000u
#define STENT_PPM 600000u
#define INPATIENT_UNITS_MAX 5400
#define GEN_PRICE_SCALED_MAX 100000000000LL /* 100000 yuan per unit */

static const uint32_t class_weights[GEN_CTX_COUNT][3] = {
    {62, 28, 10}, /* OPD */
    {55, 38, 7},  /* special */
    {52, 34, 14}, /* inpatient */
    {60, 25, 15}, /* pharmacy */
};

struct builder {
    const struct gen_city *city;
    const struct gen_event *ev;
    struct gen_rng rng;
    struct bill_line *lines;
    int count;
    int level; /* 0..3 */
    int ctx;
    int64_t budget_fen;               /* what is left of the target */
    int32_t used[GEN_BILL_LINES_MAX]; /* items on the bill */
    int used_count;
    bool no_repeat;  /* outpatient bills list an item once */
    int32_t exclude; /* the planted item, kept off ordinary lines */
};

#define PICK_SAMPLES 8 /* candidates tried per line */

static int64_t round_price(double scaled, int decimals) {
    int64_t unit = decimals >= 4 ? 100 : 10000;
    if (scaled > (double)GEN_PRICE_SCALED_MAX) scaled = (double)GEN_PRICE_SCALED_MAX;
    int64_t p = (int64_t)(scaled / (double)unit + 0.5) * unit;
    return p < unit ? unit : p;
}

static int64_t item_price(struct builder *b, const struct gen_item *item, bool jitter) {
    double scaled = (double)item->base_price_scaled;
    if (item->level_priced)
        scaled = scaled * (double)gen_level_service_factor_milli[b->level] / 1000.0;
    if (jitter) scaled *= exp(item->price_sigma_milli / 1000.0 * gen_rng_normal(&b->rng));
    return round_price(scaled, item->price_decimals);
}

static void put_line(struct builder *b, const char *code, int64_t pric_scaled, int64_t cnt_scaled) {
    if (b->count >= GEN_BILL_LINES_MAX) return;
    struct bill_line *line = &b->lines[b->count++];
    memset(line, 0, sizeof *line);
    gen_strcpy(line->med_list_codg, sizeof line->med_list_codg, code);
    line->has_feedetl_sn = true;
    line->cnt_scaled = cnt_scaled;
    line->pric_scaled = pric_scaled;
    line->amount_fen = (cnt_scaled * pric_scaled + 50000000) / 100000000;
    line->numbers_ok = true;
    line->bad_field = NULL;
    b->budget_fen -= line->amount_fen;
}

/* Units that `share_fen` buys at `pric_scaled`, in 1e-4 units, within
 * [1, max_units]; a few drug lines get half units. */
static int64_t units_for(struct builder *b, const struct gen_item *item, int64_t pric_scaled,
                         int64_t share_fen, int64_t max_units) {
    double u = (double)share_fen * 10000.0 / (double)pric_scaled;
    int64_t n = (int64_t)(u + 0.5);
    if (n < 1) n = 1;
    if (n > max_units) n = max_units;
    if (item->kind == GEN_ITEM_DRUG && n < max_units && gen_rng_chance_ppm(&b->rng, HALF_UNIT_PPM))
        return n * 10000 + 5000;
    return n * 10000;
}

static void mark_used(struct builder *b, int32_t index) {
    if (b->used_count < GEN_BILL_LINES_MAX) b->used[b->used_count++] = index;
}

static void put_item(struct builder *b, int32_t index, int64_t units_scaled, bool jitter) {
    const struct gen_item *item = &b->city->items[index];
    put_line(b, item->code, item_price(b, item, jitter), units_scaled);
    mark_used(b, index);
}

/* Not the planted item, not forbidden to the person, and on outpatient
 * bills not listed yet. */
static bool usable(const struct builder *b, int32_t index) {
    if (index == b->exclude) return false;
    if (gen_item_forbidden(&b->city->items[index], b->ev->gend, b->ev->age)) return false;
    if (!b->no_repeat) return true;
    for (int i = 0; i < b->used_count; i++)
        if (b->used[i] == index) return false;
    return true;
}

static int64_t units_max(const struct builder *b, const struct gen_item *item) {
    if (b->ctx != GEN_CTX_INPATIENT) return item->cnt_max;
    int64_t nights = b->ev->stay_nights > 0 ? b->ev->stay_nights : 1;
    int64_t n = (int64_t)item->cnt_max * nights;
    return n > INPATIENT_UNITS_MAX ? INPATIENT_UNITS_MAX : n;
}

/* Most a line of this item can cost at its median price, in fen. */
static int64_t capacity_fen(const struct builder *b, int32_t index) {
    const struct gen_item *item = &b->city->items[index];
    return item->base_price_scaled / 10000 * units_max(b, item);
}

/* Items of the list priced at most 2 x share (at least one). */
static int32_t affordable_count(const struct builder *b, const int32_t *list, int32_t n,
                                int64_t share_fen) {
    int32_t lo = 0, hi = n;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (b->city->items[list[mid]].base_price_scaled / 10000 <= 2 * share_fen) lo = mid + 1;
        else hi = mid;
    }
    return lo > 0 ? lo : 1;
}

/* An item of class `cls`: among a few random affordable ones, the first
 * that can absorb the share, else the one that absorbs most; failing
 * those, any usable item of the class; -1 if none. */
static int32_t pick_in_class(struct builder *b, int cls, int64_t share_fen) {
    const int32_t *list = b->city->ctx_items[b->ctx][cls];
    int32_t n = b->city->ctx_item_count[b->ctx][cls];
    if (n == 0) return -1;
    int32_t affordable = affordable_count(b, list, n, share_fen);
    int32_t start = (int32_t)gen_rng_below(&b->rng, (uint64_t)affordable);
    int32_t best = -1;
    int32_t samples = affordable < PICK_SAMPLES ? affordable : PICK_SAMPLES;
    for (int32_t k = 0; k < samples; k++) {
        int32_t index = list[(start + k * 7919) % affordable];
        if (!usable(b, index)) continue;
        if (capacity_fen(b, index) >= share_fen) return index;
        if (best < 0 || capacity_fen(b, index) > capacity_fen(b, best)) best = index;
    }
    if (best >= 0) return best;
    for (int32_t k = 0; k < n; k++)
        if (usable(b, list[k])) return list[k];
    return -1;
}

static int32_t choose_item(struct builder *b, int64_t share_fen) {
    int cls = gen_rng_weighted(&b->rng, class_weights[b->ctx], 3);
    for (int k = 0; k < 3; k++) {
        int32_t item = pick_in_class(b, (cls + k) % 3, share_fen);
        if (item >= 0) return item;
    }
    return -1;
}

/* Ordinary lines share the budget left, each its weighted part of it. */
static void ordinary_lines(struct builder *b, int wanted) {
    double weights[GEN_BILL_LINES_MAX], rest = 0.0;
    if (wanted > GEN_BILL_LINES_MAX - 2) wanted = GEN_BILL_LINES_MAX - 2;
    for (int j = 0; j < wanted; j++) rest += weights[j] = 0.3 + 1.4 * gen_rng_uniform(&b->rng);
    for (int j = 0; j < wanted && b->count < GEN_BILL_LINES_MAX - 2; j++) {
        int64_t share = b->budget_fen > 0 ? (int64_t)((double)b->budget_fen * weights[j] / rest)
                                          : 1;
        rest -= weights[j];
        if (share < 1) share = 1;
        int32_t index = choose_item(b, share);
        if (index < 0) return;
        const struct gen_item *item = &b->city->items[index];
        int64_t pric = item_price(b, item, true);
        put_line(b, item->code, pric, units_for(b, item, pric, share, units_max(b, item)));
        mark_used(b, index);
    }
}

static bool role_usable(const struct builder *b, int32_t index) {
    return index >= 0 && index != b->exclude &&
           !gen_item_forbidden(&b->city->items[index], b->ev->gend, b->ev->age);
}

static void role_line(struct builder *b, int role, int64_t units) {
    int32_t index = b->city->role_item[role];
    if (!role_usable(b, index)) return;
    put_item(b, index, units * 10000, true);
}

static void inpatient_fixed(struct builder *b) {
    int64_t nights = b->ev->stay_nights > 0 ? b->ev->stay_nights : 1;
    role_line(b, GEN_ROLE_BED, nights);
    switch (gen_dx_inpatient[b->ev->dx].role) {
    case GEN_ROLE_SURGERY: role_line(b, GEN_ROLE_SURGERY, 1); break;
    case GEN_ROLE_STENT:
        if (b->level >= LEVEL_2 && gen_rng_chance_ppm(&b->rng, STENT_PPM))
            role_line(b, GEN_ROLE_STENT, gen_rng_range(&b->rng, 1, 2));
        break;
    case GEN_ROLE_DIALYSIS: role_line(b, GEN_ROLE_DIALYSIS, nights / 2 > 0 ? nights / 2 : 1); break;
    case GEN_ROLE_CANCER: {
        int32_t index = b->city->role_item[GEN_ROLE_CANCER];
        if (!role_usable(b, index)) break;
        const struct gen_item *item = &b->city->items[index];
        int64_t pric = item_price(b, item, true);
        put_line(b, item->code, pric, units_for(b, item, pric, b->budget_fen * 3 / 10, 30));
        mark_used(b, index);
        break;
    }
    default: break;
    }
    int32_t nursing = b->city->role_item[GEN_ROLE_NURSING];
    if (role_usable(b, nursing) && gen_rng_chance_ppm(&b->rng, NURSING_PPM) &&
        b->city->items[nursing].base_price_scaled / 10000 * nights < b->budget_fen * 4 / 10)
        put_item(b, nursing, nights * 10000, true);
}

static void special_fixed(struct builder *b) {
    if (b->ev->disease == GEN_NO_DISEASE) return;
    int role = b->city->disease[b->ev->disease]->key_role;
    int32_t index = b->city->role_item[role];
    if (!role_usable(b, index)) return;
    const struct gen_item *item = &b->city->items[index];
    int64_t pric = item_price(b, item, true);
    int64_t max_units = role == GEN_ROLE_DIALYSIS ? 1 : item->cnt_max;
    put_line(b, item->code, pric, units_for(b, item, pric, b->budget_fen / 2, max_units));
    mark_used(b, index);
}

static void planted_line(struct builder *b) {
    const struct gen_event *ev = b->ev;
    if (ev->plant == GEN_PLANT_NONE || ev->plant_item < 0) return;
    if (ev->plant == GEN_PLANT_NON_MEDICAL_GOODS) {
        const struct gen_goods *goods = &gen_non_medical_goods[ev->plant_item];
        put_line(b, goods->code, goods->price_fen * 10000, (int64_t)ev->plant_cnt * 10000);
        return;
    }
    const struct gen_item *item = &b->city->items[ev->plant_item];
    put_line(b, item->code, item_price(b, item, false), (int64_t)ev->plant_cnt * 10000);
}

static int ctx_of(int med_type) {
    switch (med_type) {
    case MED_TYPE_GENERAL_OUTPATIENT: return GEN_CTX_OPD;
    case MED_TYPE_SPECIAL_OUTPATIENT: return GEN_CTX_SPECIAL;
    case MED_TYPE_INPATIENT: return GEN_CTX_INPATIENT;
    default: return GEN_CTX_PHARMACY;
    }
}

/* config.bill_lines: exactly n lines, the planted one (if any) last. Lines
 * past n are dropped; ordinary lines fill up to n (items may repeat). */
static void fit_lines(struct builder *b, int n) {
    assert(n >= 1 && n <= GEN_FIXED_LINES_MAX);
    bool planted = b->ev->plant != GEN_PLANT_NONE && b->ev->plant_item >= 0;
    int ordinary = planted ? n - 1 : n;
    if (b->count > ordinary) b->count = ordinary;
    b->no_repeat = false;
    for (int tries = 0; b->count < ordinary && tries < GEN_FIXED_LINES_MAX; tries++)
        ordinary_lines(b, ordinary - b->count);
    if (planted) planted_line(b);
    assert(b->count <= n);
}

static int build_lines(const struct gen_city *city, const struct gen_event *ev,
                       struct bill_line *lines) {
    struct builder b;
    memset(&b, 0, sizeof b);
    b.city = city;
    b.ev = ev;
    b.lines = lines;
    b.ctx = ctx_of(ev->med_type);
    int level = gen_level_index(city->institutions[ev->inst_index].inst.level);
    b.level = level >= 0 ? level : LEVEL_2; /* a pharmacy's goods are priced as at level 2 */
    b.budget_fen = ev->target_fen;
    int fixed = city->config.bill_lines;
    b.no_repeat = b.ctx != GEN_CTX_INPATIENT && fixed == 0;
    b.exclude = ev->plant != GEN_PLANT_NON_MEDICAL_GOODS ? ev->plant_item : -1;
    gen_rng_seed(&b.rng, city->config.seed, GEN_RNG_LINES, (uint64_t)ev->psn_index, ev->line_seq);
    if (b.ctx == GEN_CTX_INPATIENT) inpatient_fixed(&b);
    else if (b.ctx == GEN_CTX_SPECIAL) special_fixed(&b);
    int wanted = fixed > 0 ? fixed : ev->line_count;
    ordinary_lines(&b, wanted > b.count ? wanted - b.count : 0);
    if (b.count == 0) ordinary_lines(&b, 1);
    if (fixed > 0) fit_lines(&b, fixed);
    else if (ev->flags & GEN_EV_COPY_ONE_LINE) b.count = b.count > 0 ? 1 : 0;
    else planted_line(&b);
    return b.count;
}

_Static_assert(GEN_PERSON_EVENTS_MAX <= 1000, "a bill number has 3 digits in the msgid");
_Static_assert(GEN_PERSONS_MAX <= 99999999LL, "a person serial has 8 digits in the msgid");

/* "G" + the seed in decimal; returns the end. */
static char *put_seed(char *p, uint64_t seed) {
    char digits[GEN_SEED_DIGITS_MAX];
    int n = 0;
    do {
        digits[n++] = (char)('0' + seed % 10);
        seed /= 10;
    } while (seed);
    *p++ = 'G';
    while (n > 0) *p++ = digits[--n];
    return p;
}

/* fixmedins_code + yyyymmdd of endtime + "-G" + seed + "-" + 8-digit person
 * serial + "-" + 3-digit bill number: ordered by institution and date like
 * hospitals' msgids (code + yyyyMMddHHmmss + serial), unique by the last
 * two fields. Codes have GEN_INST_CODE_BYTES (checked by gen_city_open). */
void gen_msgid(const struct gen_city *city, const struct gen_event *ev,
               char out[GEN_MSGID_BYTES_MAX + 1]) {
    const char *code = city->institutions[ev->inst_index].inst.code;
    char *p = out;
    for (int i = 0; i < GEN_INST_CODE_BYTES && code[i]; i++) *p++ = code[i];
    int year, month, day;
    gen_civil_from_days(ev->endtime / GEN_DAY_S, &year, &month, &day);
    p = gen_put_digits(p, (uint64_t)year, 4);
    p = gen_put_digits(p, (uint64_t)month, 2);
    p = gen_put_digits(p, (uint64_t)day, 2);
    *p++ = '-';
    p = put_seed(p, city->config.seed);
    *p++ = '-';
    p = gen_put_digits(p, (uint64_t)(ev->psn_index + 1), 8);
    *p++ = '-';
    *gen_put_digits(p, (uint64_t)ev->seq, 3) = '\0';
}

/* "1".."64" */
static void put_sn(char *out, int value) {
    if (value >= 10) *out++ = (char)('0' + value / 10);
    *out++ = (char)('0' + value % 10);
    *out = '\0';
}

void gen_event_materialize(const struct gen_city *city, const struct gen_event *ev,
                           struct gen_bill_out *out) {
    struct bill *bill = &out->bill;
    memset(bill, 0, sizeof *bill);
    const struct gen_institution *inst = &city->institutions[ev->inst_index];
    gen_strcpy(bill->fixmedins_code, sizeof bill->fixmedins_code, inst->inst.code);
    bill->med_type = (enum med_type)ev->med_type;
    bill->dates_ok = true;
    bill->begntime = ev->begntime;
    bill->endtime = ev->endtime;
    gen_strcpy(bill->dise_codg, sizeof bill->dise_codg, gen_event_dx_code(city, ev));
    if (ev->med_type == MED_TYPE_SPECIAL_OUTPATIENT && ev->disease != GEN_NO_DISEASE)
        gen_strcpy(bill->spec_dise_codg, sizeof bill->spec_dise_codg,
                   city->set->diseases[ev->disease].code);
    bill->out_of_area = (ev->flags & GEN_EV_OUT_OF_AREA) != 0;
    bill->filed = (ev->flags & GEN_EV_FILED) != 0;
    bill->acct_used = (ev->flags & GEN_EV_ACCT_USED) != 0;
    bill->line_count = build_lines(city, ev, out->lines);
    _Static_assert(GEN_BILL_LINES_MAX < 100, "feedetl_sn has two digits at most");
    for (int i = 0; i < bill->line_count; i++) put_sn(out->lines[i].feedetl_sn, i + 1);
    bill->lines = out->lines;
    out->psn_index = ev->psn_index;
    out->institution_index = ev->inst_index;
    gen_psn_no(city->set->region, ev->psn_index, out->psn_no);
    gen_msgid(city, ev, out->msgid);
}
