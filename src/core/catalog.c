/* catalog.c: the item table, an open-addressing hash from code to item.
 *
 * Linear probing over a power-of-two slot array kept at most half full, so a
 * look-up is one hash and, nearly always, one or two string compares. */
#include "core/catalog.h"
#include "core/hash.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

void catalog_init(struct catalog *catalog) { memset(catalog, 0, sizeof *catalog); }

void catalog_free(struct catalog *catalog) {
    for (size_t i = 0; i < catalog->count; i++) {
        free(catalog->items[i].restrict_diagnoses);
        free(catalog->items[i].restrict_exclusive);
    }
    free(catalog->items);
    free(catalog->slots);
    catalog_init(catalog);
}

/* FNV-1a, 64-bit: codes are short ASCII strings. */
uint64_t code_hash(const char *code) { return fnv1a_text(FNV_OFFSET, code); }

static void slots_insert(uint32_t *slots, size_t slot_count, const struct catalog_item *items,
                         uint32_t index) {
    size_t mask = slot_count - 1;
    size_t at = (size_t)code_hash(items[index].code) & mask;
    while (slots[at] != 0) at = (at + 1) & mask;
    slots[at] = index + 1;
}

static int catalog_grow(struct catalog *c) {
    size_t capacity = c->capacity ? c->capacity * 2 : 64;
    struct catalog_item *items = realloc(c->items, capacity * sizeof *items);
    if (items == NULL) return -1;
    c->items = items;
    c->capacity = capacity;
    size_t slot_count = capacity * 2;
    uint32_t *slots = calloc(slot_count, sizeof *slots);
    if (slots == NULL) return -1;
    for (size_t i = 0; i < c->count; i++) slots_insert(slots, slot_count, c->items, (uint32_t)i);
    free(c->slots);
    c->slots = slots;
    c->slot_count = slot_count;
    return 0;
}

bool catalog_item_restricted(const struct catalog_item *item) {
    assert(item != NULL && item->restrict_age_max >= -1);
    return item->restrict_gender != 0 || item->restrict_age_max >= 0 ||
           item->restrict_levels != 0 || item->restrict_settings != 0 ||
           item->restrict_day_scaled > 0 || item->restrict_bill_scaled > 0 ||
           item->restrict_diagnoses != NULL || item->restrict_exclusive != NULL;
}

/* A copy of a restriction's list that the catalog owns; *out NULL for none.
 * 0, or -1 out of memory. */
static int list_copy(const char *list, char **out) {
    assert(out != NULL);
    *out = NULL;
    if (list == NULL) return 0;
    size_t n = strlen(list) + 1;
    assert(n <= CATALOG_LIST_BYTES);
    *out = malloc(n);
    if (*out == NULL) return -1;
    memcpy(*out, list, n);
    return 0;
}

int catalog_add(struct catalog *c, const struct catalog_item *item) {
    assert(item->item_class >= CLASS_A && item->item_class <= CLASS_C);
    assert(strlen(item->code) <= CODE_BYTES_MAX);
    if (catalog_find(c, item->code) != NULL) return -2;
    if (c->count >= CATALOG_ITEMS_MAX) return -3;
    if (c->count == c->capacity && catalog_grow(c) != 0) return -1;
    struct catalog_item *it = &c->items[c->count];
    *it = *item;
    if (list_copy(item->restrict_diagnoses, &it->restrict_diagnoses) != 0) return -1;
    if (list_copy(item->restrict_exclusive, &it->restrict_exclusive) != 0) {
        free(it->restrict_diagnoses);
        return -1;
    }
    slots_insert(c->slots, c->slot_count, c->items, (uint32_t)c->count);
    c->count++;
    return 0;
}

const struct catalog_item *catalog_find(const struct catalog *c, const char *code) {
    if (c->slot_count == 0) return NULL;
    size_t mask = c->slot_count - 1;
    size_t at = (size_t)code_hash(code) & mask;
    while (c->slots[at] != 0) {
        const struct catalog_item *item = &c->items[c->slots[at] - 1];
        if (strcmp(item->code, code) == 0) return item;
        at = (at + 1) & mask;
    }
    return NULL;
}
