/* rules.c: evaluation of a bill against the rule file's rules (rules.h).
 *
 * Pure: a rule set, the person's gender and birth date, the institution's
 * level and the bill in; violations out. Each line's code is looked up in
 * the rules' item index (sorted, binary search), so a bill costs
 * lines x log(items) whatever the number of rules. */
#include "core/rules.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/detect.h"

#define DAY_S 86400

static const char *const type_names[RULE_TYPE_COUNT] = {
    NULL,         "gender",     "age",       "level",       "setting",          "units_day",
    "units_bill", "indication", "exclusive", "days_supply", "catalog_restrict",
};

const char *rule_type_name(enum rule_type type) {
    assert(type > 0 && type < RULE_TYPE_COUNT);
    return type_names[type];
}

enum rule_type rule_type_parse(const char *name) {
    assert(name != NULL);
    for (int t = 1; t < RULE_TYPE_COUNT; t++)
        if (strcmp(type_names[t], name) == 0) return (enum rule_type)t;
    return 0;
}

uint32_t rule_setting_of(enum med_type med_type) {
    assert(med_type == MED_TYPE_INVALID || med_type > 0);
    switch (med_type) {
    case MED_TYPE_GENERAL_OUTPATIENT:
    case MED_TYPE_SPECIAL_OUTPATIENT: return RULE_SETTING_OUTPATIENT;
    case MED_TYPE_INPATIENT: return RULE_SETTING_INPATIENT;
    case MED_TYPE_PHARMACY: return RULE_SETTING_PHARMACY;
    default: return 0;
    }
}

int rules_init(struct rule_set *rs) {
    assert(rs != NULL);
    memset(rs, 0, sizeof *rs);
    rs->rules = calloc(RULES_MAX, sizeof *rs->rules);
    rs->items = calloc(RULE_ITEMS_MAX, sizeof *rs->items);
    if (rs->rules == NULL || rs->items == NULL) {
        rules_free(rs);
        return -1;
    }
    rs->item_capacity = RULE_ITEMS_MAX;
    rs->rule_capacity = RULES_MAX;
    return 0;
}

void rules_free(struct rule_set *rs) {
    if (rs == NULL) return;
    free(rs->rules);
    free(rs->items);
    memset(rs, 0, sizeof *rs);
}

int rules_add_item(struct rule_set *rs, int32_t r, const char *code) {
    assert(rs != NULL && r >= 0 && r < rs->count && code != NULL);
    if (rs->item_count >= RULE_ITEMS_MAX || strlen(code) > CODE_BYTES_MAX) return -1;
    struct rule_item *it = &rs->items[rs->item_count++];
    memcpy(it->code, code, strlen(code) + 1);
    it->rule = r;
    return 0;
}

static int item_cmp(const void *a, const void *b) {
    const struct rule_item *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    return c != 0 ? c : (x->rule > y->rule) - (x->rule < y->rule);
}

/* Heap sort of the index (the core calls no library sort: t_core_purity). */
static void sift_down(struct rule_item *a, int32_t root, int32_t n) {
    assert(a != NULL && root >= 0 && n >= 0);
    for (int32_t child = 2 * root + 1; child < n; root = child, child = 2 * root + 1) {
        if (child + 1 < n && item_cmp(&a[child], &a[child + 1]) < 0) child++;
        if (item_cmp(&a[root], &a[child]) >= 0) return;
        struct rule_item t = a[root];
        a[root] = a[child];
        a[child] = t;
    }
}

static void items_sort(struct rule_item *a, int32_t n) {
    assert(a != NULL && n >= 0);
    for (int32_t i = n / 2 - 1; i >= 0; i--) sift_down(a, i, n);
    for (int32_t end = n - 1; end > 0; end--) {
        struct rule_item t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end);
    }
}

int32_t rules_index(struct rule_set *rs) {
    assert(rs != NULL && rs->item_count >= 0 && rs->item_count <= rs->item_capacity);
    items_sort(rs->items, rs->item_count);
    for (int32_t i = 1; i < rs->item_count; i++)
        if (item_cmp(&rs->items[i - 1], &rs->items[i]) == 0) return i + 1;
    return 0;
}

void rules_catalog_default(struct rule *out) {
    assert(out != NULL);
    memset(out, 0, sizeof *out);
    memcpy(out->id, "CATALOG-RESTRICT", sizeof "CATALOG-RESTRICT");
    memcpy(out->name, "目录限定使用 (catalog restriction)",
           sizeof "目录限定使用 (catalog restriction)");
    memcpy(out->behaviour, "1", 2);
    memcpy(out->evidence, "the catalog's restrict", sizeof "the catalog's restrict");
    out->type = RULE_CATALOG;
    out->severity = RULE_WARN;
}

bool rules_catalog_restricts(const struct catalog *catalog) {
    assert(catalog != NULL && catalog->count <= catalog->capacity);
    for (size_t i = 0; i < catalog->count; i++)
        if (catalog_item_restricted(&catalog->items[i])) return true;
    return false;
}

/* Whether two rules of one type restrict alike. */
static bool same_restriction(const struct rule *a, const struct rule *b) {
    assert(a != NULL && b != NULL);
    if (a->type != b->type) return false;
    switch (a->type) {
    case RULE_GENDER: return a->gender == b->gender;
    case RULE_AGE: return a->age_min == b->age_min && a->age_max == b->age_max;
    case RULE_LEVEL: return a->levels == b->levels;
    case RULE_SETTING: return a->settings == b->settings;
    case RULE_UNITS_DAY:
    case RULE_UNITS_BILL: return a->max_cnt_scaled == b->max_cnt_scaled;
    case RULE_INDICATION:
        if (a->diagnosis_count != b->diagnosis_count) return false;
        for (int32_t k = 0; k < a->diagnosis_count; k++)
            if (strcmp(a->diagnoses[k], b->diagnoses[k]) != 0) return false;
        return true;
    case RULE_EXCLUSIVE:
        return strcmp(a->pair[0], b->pair[0]) == 0 && strcmp(a->pair[1], b->pair[1]) == 0;
    default: assert(!"not a catalog restriction"); return false;
    }
}

/* Room for one more rule, growing past the file's RULES_MAX for the
 * catalog's (at most CATALOG_RULES_MAX of them): 0, -1 out of memory, -2
 * full. */
static int rule_room(struct rule_set *rs) {
    assert(rs != NULL && rs->count <= rs->rule_capacity);
    if (rs->count < rs->rule_capacity) return 0;
    if (rs->rule_capacity >= RULES_MAX + CATALOG_RULES_MAX) return -2;
    int32_t cap = rs->rule_capacity * 2;
    if (cap > RULES_MAX + CATALOG_RULES_MAX) cap = RULES_MAX + CATALOG_RULES_MAX;
    struct rule *rules = realloc(rs->rules, (size_t)cap * sizeof *rules);
    if (rules == NULL) return -1;
    rs->rules = rules;
    rs->rule_capacity = cap;
    return 0;
}

/* The rule like want (its type and restriction) among the catalog's, those
 * from first on, or a new one with tpl's id, name, behaviour, evidence and
 * severity; *added whether it is new. Its index, or -1 out of memory, -2
 * when the catalog's rules are full. */
static int32_t catalog_rule(struct rule_set *rs, int32_t first, const struct rule *tpl,
                            const struct rule *want, bool *added) {
    assert(rs != NULL && tpl != NULL && first >= 0 && first <= rs->count);
    *added = false;
    for (int32_t k = first; k < rs->count; k++)
        if (same_restriction(&rs->rules[k], want)) return k;
    if (rs->count - first >= CATALOG_RULES_MAX) return -2;
    int room = rule_room(rs);
    if (room != 0) return room;
    struct rule *r = &rs->rules[rs->count];
    *r = *want;
    memcpy(r->id, tpl->id, sizeof r->id);
    memcpy(r->name, tpl->name, sizeof r->name);
    memcpy(r->behaviour, tpl->behaviour, sizeof r->behaviour);
    memcpy(r->evidence, tpl->evidence, sizeof r->evidence);
    r->severity = tpl->severity;
    *added = true;
    return rs->count++;
}

/* Room in the index for n more entries (the catalog's may go past the
 * file's RULE_ITEMS_MAX: a catalog of a million items restricts tens of
 * thousands). */
static int items_room(struct rule_set *rs, size_t n) {
    assert(rs != NULL && rs->item_count <= rs->item_capacity);
    if ((size_t)rs->item_count + n <= (size_t)rs->item_capacity) return 0;
    if ((size_t)rs->item_count + n > (size_t)INT32_MAX / 2) return -1;
    size_t cap = (size_t)rs->item_count + n;
    struct rule_item *items = realloc(rs->items, cap * sizeof *items);
    if (items == NULL) return -1;
    rs->items = items;
    rs->item_capacity = (int32_t)cap;
    return 0;
}

static void catalog_item_add(struct rule_set *rs, int32_t r, const char *code) {
    assert(rs->item_count < rs->item_capacity && strlen(code) <= CODE_BYTES_MAX);
    struct rule_item *it = &rs->items[rs->item_count++];
    memcpy(it->code, code, strlen(code) + 1);
    it->rule = r;
}

/* The entries of a comma-separated list: how many (at most max), each into
 * out[k] (CODE_BYTES_MAX + 1 bytes; a longer one is cut). */
static int32_t list_split(const char *list, char (*out)[CODE_BYTES_MAX + 1], int32_t max) {
    assert(list != NULL && out != NULL && max > 0);
    int32_t n = 0;
    for (const char *p = list; *p != '\0' && n < max; n++) {
        size_t len = 0; /* the core calls no strcspn (t_core_purity) */
        while (p[len] != '\0' && p[len] != ',') len++;
        size_t keep = len < CODE_BYTES_MAX ? len : CODE_BYTES_MAX;
        memcpy(out[n], p, keep);
        out[n][keep] = '\0';
        p += len + (p[len] == ',');
    }
    return n;
}

/* Index entries the item's restrictions take at most (an exclusive pair
 * adds both of its items when it is new). */
static size_t catalog_entries(const struct catalog_item *it) {
    size_t n = (size_t)(it->restrict_gender != 0) + (size_t)(it->restrict_age_max >= 0) +
               (size_t)(it->restrict_levels != 0) + (size_t)(it->restrict_settings != 0) +
               (size_t)(it->restrict_day_scaled > 0) + (size_t)(it->restrict_bill_scaled > 0) +
               (size_t)(it->restrict_diagnoses != NULL);
    if (it->restrict_exclusive != NULL)
        for (const char *p = it->restrict_exclusive; *p != '\0'; p++)
            n += 2 * (size_t)(p == it->restrict_exclusive || *p == ',');
    return n;
}

/* The restriction want of item as a catalog rule, its code in the index. */
static int catalog_add_one(struct rule_set *rs, int32_t first, const struct rule *tpl,
                           const struct rule *want, const char *code) {
    bool added = false;
    int32_t r = catalog_rule(rs, first, tpl, want, &added);
    if (r < 0) return r;
    if (want->type != RULE_EXCLUSIVE) catalog_item_add(rs, r, code);
    else if (added) catalog_item_add(rs, r, want->pair[0]), catalog_item_add(rs, r, want->pair[1]);
    return 0;
}

/* Each exclusive pair of item as a rule (the pair's codes in order). */
static int catalog_pairs(struct rule_set *rs, int32_t first, const struct rule *tpl,
                         const struct catalog_item *item) {
    char others[CATALOG_EXCLUSIVE_MAX][CODE_BYTES_MAX + 1];
    int32_t n = list_split(item->restrict_exclusive, others, CATALOG_EXCLUSIVE_MAX);
    assert(n > 0);
    struct rule want;
    for (int32_t k = 0; k < n; k++) {
        memset(&want, 0, sizeof want);
        want.type = RULE_EXCLUSIVE, want.item_count = 2;
        bool before = strcmp(item->code, others[k]) < 0;
        memcpy(want.pair[0], before ? item->code : others[k], CODE_BYTES_MAX + 1);
        memcpy(want.pair[1], before ? others[k] : item->code, CODE_BYTES_MAX + 1);
        int rc = catalog_add_one(rs, first, tpl, &want, item->code);
        if (rc != 0) return rc;
    }
    return 0;
}

/* All of one item's restrictions as catalog rules. */
static int catalog_item_rules(struct rule_set *rs, int32_t first, const struct rule *tpl,
                              const struct catalog_item *it) {
    struct rule want[7];
    int32_t n = 0, rc = 0;
    memset(want, 0, sizeof want);
    if (it->restrict_gender != 0)
        want[n].type = RULE_GENDER, want[n++].gender = it->restrict_gender;
    if (it->restrict_age_max >= 0)
        want[n].type = RULE_AGE, want[n].age_min = it->restrict_age_min,
        want[n++].age_max = it->restrict_age_max;
    if (it->restrict_levels != 0) want[n].type = RULE_LEVEL, want[n++].levels = it->restrict_levels;
    if (it->restrict_settings != 0)
        want[n].type = RULE_SETTING, want[n++].settings = it->restrict_settings;
    if (it->restrict_day_scaled > 0)
        want[n].type = RULE_UNITS_DAY, want[n++].max_cnt_scaled = it->restrict_day_scaled;
    if (it->restrict_bill_scaled > 0)
        want[n].type = RULE_UNITS_BILL, want[n++].max_cnt_scaled = it->restrict_bill_scaled;
    if (it->restrict_diagnoses != NULL) {
        want[n].type = RULE_INDICATION;
        want[n].diagnosis_count = list_split(it->restrict_diagnoses, want[n].diagnoses,
                                             RULE_DIAGNOSES_MAX);
        n += want[n].diagnosis_count > 0;
    }
    assert(n <= 7);
    for (int32_t k = 0; k < n && rc == 0; k++)
        rc = catalog_add_one(rs, first, tpl, &want[k], it->code);
    if (rc == 0 && it->restrict_exclusive != NULL) rc = catalog_pairs(rs, first, tpl, it);
    return rc;
}

int rules_add_catalog(struct rule_set *rs, const struct catalog *catalog) {
    assert(rs != NULL && rs->rules != NULL && catalog != NULL);
    struct rule tpl;
    rules_catalog_default(&tpl);
    for (int32_t k = 0; k < rs->count; k++)
        if (rs->rules[k].type == RULE_CATALOG) tpl = rs->rules[k];
    if (tpl.severity == RULE_OFF) return 0;
    size_t entries = 0;
    for (size_t i = 0; i < catalog->count; i++) entries += catalog_entries(&catalog->items[i]);
    if (items_room(rs, entries) != 0) return -1;
    int32_t first = rs->count;
    for (size_t i = 0; i < catalog->count; i++) {
        if (!catalog_item_restricted(&catalog->items[i])) continue;
        int rc = catalog_item_rules(rs, first, &tpl, &catalog->items[i]);
        if (rc != 0) return rc;
    }
    int32_t dup = rules_index(rs);
    assert(dup == 0); /* an item has one restriction of a kind; a pair is one rule */
    return dup == 0 ? 0 : -1;
}

/* The first index entry of code, or -1. */
static int32_t first_of(const struct rule_set *rs, const char *code) {
    assert(rs != NULL && code != NULL);
    int32_t lo = 0, hi = rs->item_count;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (strcmp(rs->items[mid].code, code) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo < rs->item_count && strcmp(rs->items[lo].code, code) == 0 ? lo : -1;
}

/* The bill's days for units per day: whole days from its begin date to
 * its end date, at least 1 (an outpatient bill is one day). */
static int64_t bill_days(const struct bill *b) {
    assert(b != NULL);
    if (!b->dates_ok || b->endtime < b->begntime) return 1;
    int64_t d = b->endtime / DAY_S - b->begntime / DAY_S;
    return d < 1 ? 1 : d;
}

/* Units and amount of code over the bill's lines; whether line is the
 * first line of code (the item's violation is reported there, once). */
static bool item_total(const struct bill *b, int32_t line, int64_t *cnt_scaled, int64_t *fen) {
    assert(b != NULL && line >= 0 && line < b->line_count);
    const char *code = b->lines[line].med_list_codg;
    *cnt_scaled = *fen = 0;
    for (int32_t j = 0; j < b->line_count; j++) {
        const struct bill_line *l = &b->lines[j];
        if (strcmp(l->med_list_codg, code) != 0) continue;
        if (j < line) return false;
        if (!l->numbers_ok) continue;
        *cnt_scaled += l->cnt_scaled;
        *fen += l->amount_fen;
    }
    return true;
}

/* The line of the other item of an exclusive pair before `line`, or -1:
 * the pair is broken by the line that completes it. */
static int32_t partner_line(const struct rule *r, const struct bill *b, int32_t line) {
    assert(r->type == RULE_EXCLUSIVE && r->item_count == 2);
    const char *code = b->lines[line].med_list_codg;
    const char *other = strcmp(r->pair[0], code) == 0 ? r->pair[1] : r->pair[0];
    for (int32_t j = 0; j < line; j++)
        if (strcmp(b->lines[j].med_list_codg, other) == 0) return j;
    return -1;
}

static bool diagnosis_indicated(const struct rule *r, const struct bill *b) {
    assert(r->type == RULE_INDICATION && r->diagnosis_count > 0);
    for (int32_t k = 0; k < r->diagnosis_count; k++) {
        size_t n = strlen(r->diagnoses[k]);
        if (strncmp(b->dise_codg, r->diagnoses[k], n) == 0) return true;
        if (b->spec_dise_codg[0] != '\0' && strncmp(b->spec_dise_codg, r->diagnoses[k], n) == 0)
            return true;
    }
    return false;
}

/* Days of supply: what an outpatient or pharmacy bill hands out of the
 * item, its units over all its lines, at the rule's daily units, against
 * the days allowed (an inpatient's units are taken during the stay:
 * units_day judges those). v->value: the days supplied x 1e4, rounded
 * down, at most 1e9 days. */
static bool days_supplied(const struct rule *r, const struct bill *b, int32_t line,
                          struct rule_violation *v) {
    int64_t cnt = 0, fen = 0;
    assert(r->type == RULE_DAYS_SUPPLY && r->daily_cnt_scaled > 0 && r->max_days > 0);
    if ((rule_setting_of(b->med_type) & (RULE_SETTING_OUTPATIENT | RULE_SETTING_PHARMACY)) == 0)
        return false;
    if (!item_total(b, line, &cnt, &fen)) return false;
    v->amount_fen = fen;
    int64_t whole = cnt / r->daily_cnt_scaled, part = cnt % r->daily_cnt_scaled;
    v->value = whole >= 1000000000 ? INT64_C(10000000000000)
                                   : whole * 10000 + part * 10000 / r->daily_cnt_scaled;
    assert(v->value >= 0);
    return cnt > r->daily_cnt_scaled * r->max_days; /* both bounded: no overflow */
}

/* Whether line breaks rule r; v gets the figure and amount. */
static bool breaks(const struct rule *r, const struct rule_subject *s, int32_t line,
                   struct rule_violation *v) {
    const struct bill *b = s->bill;
    const struct bill_line *l = &b->lines[line];
    int64_t cnt = 0, fen = l->numbers_ok ? l->amount_fen : 0;
    v->amount_fen = fen;
    v->other_line = -1;
    switch (r->type) {
    case RULE_GENDER: return v->value = s->gender, s->gender != 0 && s->gender != r->gender;
    case RULE_AGE: {
        if (s->birth_year <= 0 || !b->dates_ok) return false;
        struct det_person p = {"", s->gender, s->birth_year, s->birth_month, s->birth_day};
        int age = det_age_at(&p, b->endtime);
        return v->value = age, age < r->age_min || age > r->age_max;
    }
    case RULE_LEVEL: return v->value = s->level, (r->levels & (1u << s->level)) == 0;
    case RULE_SETTING: {
        uint32_t bit = rule_setting_of(b->med_type);
        return v->value = bit, bit != 0 && (r->settings & bit) == 0;
    }
    case RULE_UNITS_DAY:
    case RULE_UNITS_BILL:
        if (!item_total(b, line, &cnt, &fen)) return false;
        if (r->type == RULE_UNITS_DAY) cnt /= bill_days(b);
        v->amount_fen = fen;
        return v->value = cnt, cnt > r->max_cnt_scaled;
    case RULE_INDICATION: return v->value = 0, !diagnosis_indicated(r, b);
    case RULE_EXCLUSIVE:
        v->value = 0;
        v->other_line = partner_line(r, b, line);
        return v->other_line >= 0;
    case RULE_DAYS_SUPPLY: return days_supplied(r, b, line, v);
    default: assert(!"unknown rule type"); return false;
    }
}

int32_t rules_eval(const struct rule_set *rs, const struct rule_subject *s,
                   struct rule_violation *out, int32_t max, int32_t *first_deny) {
    assert(rs != NULL && s != NULL && s->bill != NULL && first_deny != NULL && max >= 0);
    const struct bill *b = s->bill;
    int32_t n = 0;
    *first_deny = -1;
    for (int32_t i = 0; i < b->line_count; i++) {
        int32_t k = first_of(rs, b->lines[i].med_list_codg);
        for (; k >= 0 && k < rs->item_count &&
               strcmp(rs->items[k].code, b->lines[i].med_list_codg) == 0;
             k++) {
            const struct rule *r = &rs->rules[rs->items[k].rule];
            struct rule_violation v = {rs->items[k].rule, i, -1, 0, 0};
            if (!breaks(r, s, i, &v)) continue;
            bool deny = *first_deny < 0 && r->severity == RULE_DENY;
            /* out full: the first deny still takes the last place */
            int32_t at = n < max ? n : deny && max > 0 ? max - 1 : -1;
            if (at >= 0) out[at] = v;
            if (at >= 0 && deny) *first_deny = at;
            n++;
        }
    }
    assert(*first_deny < max && (*first_deny < 0 || *first_deny < n));
    return n;
}
