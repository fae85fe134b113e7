/* catalog.h: the medical list (drugs, services, materials) and its classes.
 *
 * An open-addressing hash table from item code to class, pre-self-pay share
 * and price cap. Built once at load time; lookups on the settle hot path do
 * not allocate. An item that is not in the catalog is class C. */
#ifndef YIBAO_CATALOG_H
#define YIBAO_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"

enum item_class { CLASS_A = 1, CLASS_B = 2, CLASS_C = 3 };

struct catalog_item {
    char code[CODE_BYTES_MAX + 1];
    enum item_class item_class;
    int32_t prepay_bp;        /* -1: use the policy's class_b_prepay */
    int64_t cap_price_scaled; /* price cap * 1e6; -1: none */
    /* the catalog's `restrict` (issue 18 item 1; docs/RULES.md, "The
     * catalog's restrictions"): the gender the item is for (1 man, 2
     * woman; 0 any) and the ages, inclusive (restrict_age_max -1: none) */
    int8_t restrict_gender;
    int16_t restrict_age_min, restrict_age_max;
    /* the rest of `restrict` (fifteenth session, schema version 21): the
     * institution levels (bit 1 << enum level) and care settings (rules.h's
     * enum rule_setting bits) the item is paid in, 0 any; its units at most
     * a day and a bill (x 1e4), 0 none; the diagnosis prefixes that indicate
     * it and the items it may not be billed with, each NULL (none) or a
     * comma-separated list that the catalog owns once added (catalog_add
     * copies it, catalog_free frees it) */
    uint8_t restrict_levels, restrict_settings;
    int64_t restrict_day_scaled, restrict_bill_scaled;
    char *restrict_diagnoses, *restrict_exclusive;
};

/* Limits of an item's `restrict` lists (docs/RULES.md). */
#define CATALOG_DIAGNOSES_MAX 32 /* diagnosis prefixes, as an indication rule's */
#define CATALOG_EXCLUSIVE_MAX 16 /* items it may not be billed with */
/* Bytes of the comma-separated lists (each entry at most CODE_BYTES_MAX). */
#define CATALOG_LIST_BYTES (CATALOG_DIAGNOSES_MAX * (CODE_BYTES_MAX + 1))

struct catalog {
    size_t count;
    size_t capacity; /* items array */
    struct catalog_item *items;
    size_t slot_count; /* power of two */
    uint32_t *slots;   /* index + 1 into items; 0 = empty */
};

void catalog_init(struct catalog *catalog);
void catalog_free(struct catalog *catalog);
/* Adds an item; returns 0, -1 on allocation failure, -2 on a duplicate code,
 * -3 when the catalog is full. */
int catalog_add(struct catalog *catalog, const struct catalog_item *item);
/* Whether the item carries any restriction (`restrict`). */
bool catalog_item_restricted(const struct catalog_item *item);
const struct catalog_item *catalog_find(const struct catalog *catalog, const char *code);
uint64_t code_hash(const char *code);

#endif
