/* gen_inventory.c: pharmacy purchases and planted substitutions
 * (gen_inventory.h). Why the month's last line: with monthly restocking a
 * supervisor sees where the stock runs short, not which line was swapped;
 * a substituted line earlier in the month would leave the month's last
 * line of the item beyond the stock instead. So the generator swaps the
 * line at which the shortfall shows (and only one whose end time is after
 * every other line of the group: a tie would leave the order to chance). */
#include "gen/gen_inventory.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "gen/gen_date.h"
#include "gen/gen_internal.h"
#include "gen/gen_rng.h"

#define GEN_RNG_SUBSTITUTION 11 /* a group's draw (gen_rng.h's purposes end at 10) */
#define INV_INDEX_MIN 4096

struct inv_group {
    int32_t inst, month;
    char item[CODE_BYTES_MAX + 1];
    int64_t sum_scaled, lines;
    /* the latest line, and the end time of the one before it */
    datetime_s last_end, prev_end;
    int64_t last_cnt_scaled, last_amount_fen;
    char last_msgid[GEN_MSGID_BYTES_MAX + 1];
    char last_psn_no[CODE_BYTES_MAX + 1];
};

struct gen_inv {
    struct inv_group *groups;
    size_t count, cap;
    int64_t *index; /* open addressing: a group's position, or -1; at most half full */
    size_t index_size;
};

struct gen_inv *gen_inv_new(void) {
    return calloc(1, sizeof(struct gen_inv));
}

void gen_inv_free(struct gen_inv *inv) {
    if (inv == NULL) return;
    free(inv->groups);
    free(inv->index);
    free(inv);
}

static uint64_t key_hash(int32_t inst, int32_t month, const char *item) {
    uint64_t h = fnv1a_text(FNV_OFFSET, item);
    return h * 1000003u ^ (uint64_t)inst * 131u ^ (uint64_t)month;
}

static int64_t *slot_of(const struct gen_inv *inv, int32_t inst, int32_t month, const char *item) {
    size_t mask = inv->index_size - 1, i = (size_t)key_hash(inst, month, item) & mask;
    for (;; i = (i + 1) & mask) {
        int64_t at = inv->index[i];
        if (at < 0) return &inv->index[i];
        const struct inv_group *g = &inv->groups[at];
        if (g->inst == inst && g->month == month && strcmp(g->item, item) == 0)
            return &inv->index[i];
    }
}

/* Room for one more group: the array grown, the index kept half empty. */
static int room(struct gen_inv *inv) {
    if (inv->count == inv->cap) {
        size_t cap = inv->cap ? inv->cap * 2 : INV_INDEX_MIN / 2;
        struct inv_group *g = realloc(inv->groups, cap * sizeof *g);
        if (g == NULL) return -1;
        inv->groups = g, inv->cap = cap;
    }
    if (2 * (inv->count + 1) <= inv->index_size) return 0;
    size_t size = inv->index_size ? inv->index_size * 2 : INV_INDEX_MIN;
    int64_t *index = malloc(size * sizeof *index);
    if (index == NULL) return -1;
    for (size_t i = 0; i < size; i++) index[i] = -1;
    free(inv->index);
    inv->index = index, inv->index_size = size;
    for (size_t k = 0; k < inv->count; k++)
        *slot_of(inv, inv->groups[k].inst, inv->groups[k].month, inv->groups[k].item) = (int64_t)k;
    return 0;
}

static void add_line(struct inv_group *g, const struct gen_bill_out *b, const struct bill_line *l) {
    g->sum_scaled += l->cnt_scaled;
    g->lines++;
    g->prev_end = g->last_end;
    g->last_end = b->bill.endtime;
    g->last_cnt_scaled = l->cnt_scaled;
    g->last_amount_fen = l->amount_fen;
    snprintf(g->last_msgid, sizeof g->last_msgid, "%s", b->msgid);
    snprintf(g->last_psn_no, sizeof g->last_psn_no, "%s", b->psn_no);
}

int gen_inv_add(struct gen_inv *inv, const struct gen_city *city, const struct gen_bill_out *b) {
    assert(inv != NULL && city != NULL && b != NULL);
    if (b->bill.med_type != MED_TYPE_PHARMACY) return 0;
    int year, month, day;
    gen_civil_from_days(b->bill.endtime / GEN_DAY_S, &year, &month, &day);
    for (int32_t i = 0; i < b->bill.line_count; i++) {
        const struct bill_line *l = &b->bill.lines[i];
        if (room(inv) != 0) return -1;
        int64_t *slot = slot_of(inv, b->institution_index, month, l->med_list_codg);
        if (*slot < 0) {
            struct inv_group *g = &inv->groups[inv->count];
            memset(g, 0, sizeof *g);
            g->inst = b->institution_index, g->month = month;
            snprintf(g->item, sizeof g->item, "%s", l->med_list_codg);
            *slot = (int64_t)inv->count++;
        }
        add_line(&inv->groups[*slot], b, l);
    }
    return 0;
}

/* One purchase row: code,3503,bchno,item,yyyy-mm-01,cnt,, */
static void purchase(struct gen_out *csv, const char *code, const char *bchno, const char *item,
                     int32_t year, int32_t month, int64_t cnt_scaled) {
    char day[16];
    snprintf(day, sizeof day, "%04d-%02d-01", (int)year, (int)month);
    gen_out_str(csv, code);
    gen_out_str(csv, ",3503,");
    gen_out_str(csv, bchno);
    gen_out_char(csv, ',');
    gen_out_str(csv, item);
    gen_out_char(csv, ',');
    gen_out_str(csv, day);
    gen_out_char(csv, ',');
    gen_out_scaled(csv, cnt_scaled, 4, 0);
    gen_out_str(csv, ",,\n");
}

static void substitution_label(struct gen_out *labels, const struct inv_group *g, const char *code,
                               const struct gen_goods *sold) {
    char note[256];
    gen_out_str(labels, "{\"kind\":\"substitution\",\"msgid\":[");
    gen_out_json_str(labels, g->last_msgid);
    gen_out_str(labels, "],\"psn_no\":");
    gen_out_json_str(labels, g->last_psn_no);
    gen_out_str(labels, ",\"item\":");
    gen_out_json_str(labels, g->item);
    gen_out_str(labels, ",\"cnt\":");
    gen_out_scaled(labels, g->last_cnt_scaled, 4, 0);
    gen_out_str(labels, ",\"sold\":");
    gen_out_json_str(labels, sold->code);
    snprintf(note, sizeof note, "%s billed at pharmacy %s, %s sold: the pharmacy never bought it",
             g->item, code, sold->name);
    gen_out_str(labels, ",\"note\":");
    gen_out_json_str(labels, note);
    gen_out_str(labels, "}\n");
}

/* Daily goods are not substituted: the card should not pay for them at all
 * (non_medical_goods). */
static bool is_goods(const char *code) {
    for (int k = 0; k < gen_non_medical_goods_count; k++)
        if (strcmp(code, gen_non_medical_goods[k].code) == 0) return true;
    return false;
}

void gen_inv_write(const struct gen_inv *inv, const struct gen_city *city, struct gen_out *csv,
                   struct gen_out *labels, int64_t *label_count) {
    char bchno[2 * CODE_BYTES_MAX + 32];
    assert(inv != NULL && city != NULL && csv != NULL && labels != NULL && label_count != NULL);
    int32_t year = gen_city_year(city);
    uint32_t ppm = city->config.rates.rate_ppm[GEN_PLANT_SUBSTITUTION];
    gen_out_str(csv, "fixmedins_code,infno,fixmedins_bchno,med_list_codg,day,cnt,inv_chg_type,"
                     "setl_id\n");
    for (size_t k = 0; k < inv->count; k++) {
        const struct inv_group *g = &inv->groups[k];
        const char *code = city->institutions[g->inst].inst.code;
        struct gen_rng rng;
        gen_rng_seed(&rng, city->config.seed, GEN_RNG_SUBSTITUTION,
                     key_hash(g->inst, g->month, g->item), 0);
        bool alone = (g->lines == 1 || g->last_end > g->prev_end) && !is_goods(g->item);
        bool swap = alone && gen_rng_chance_ppm(&rng, ppm);
        int64_t bought = swap ? g->sum_scaled - g->last_cnt_scaled : g->sum_scaled;
        snprintf(bchno, sizeof bchno, "G%04d%02d-%s", (int)year, (int)g->month, g->item);
        if (bought > 0) purchase(csv, code, bchno, g->item, year, g->month, bought);
        if (!swap) continue;
        const struct gen_goods *sold =
            &gen_non_medical_goods[gen_rng_below(&rng, (uint64_t)gen_non_medical_goods_count)];
        snprintf(bchno, sizeof bchno, "S%04d%02d-%s-%s", (int)year, (int)g->month, g->item,
                 sold->code);
        purchase(csv, code, bchno, sold->code, year, g->month, g->last_cnt_scaled);
        substitution_label(labels, g, code, sold);
        (*label_count)++;
    }
}
