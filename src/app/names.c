/* names.c: a set of names with dense indexes (names.h). Open addressing
 * with linear probing over a power-of-two table kept at most half full,
 * so a lookup probes about two slots; the strings live in one growing
 * buffer, addressed by offset so growing it moves nothing that is kept. */
#include "app/names.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "app/array_room.h"

static uint64_t name_hash(const char *name) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    assert(name != NULL);
    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

/* The slot holding name, or the empty slot where it would go. */
static size_t slot_of(const struct app_names *n, const char *name) {
    assert(n != NULL && n->slot_count > 0 && (n->slot_count & (n->slot_count - 1)) == 0);
    size_t mask = n->slot_count - 1, i = (size_t)name_hash(name) & mask;
    while (n->slots[i] != 0 && strcmp(n->bytes + n->at[n->slots[i] - 1], name) != 0)
        i = (i + 1) & mask;
    return i;
}

/* Twice the slots, every name placed again: false when out of memory. */
static bool rehash(struct app_names *n) {
    assert(n != NULL);
    size_t count = n->slot_count ? n->slot_count * 2 : 1024;
    int32_t *slots = calloc(count, sizeof *slots);
    if (slots == NULL) return false;
    free(n->slots);
    n->slots = slots, n->slot_count = count;
    for (size_t k = 0; k < n->count; k++)
        n->slots[slot_of(n, n->bytes + n->at[k])] = (int32_t)k + 1;
    return true;
}

int32_t app_names_find(const struct app_names *n, const char *name) {
    assert(n != NULL && name != NULL);
    if (n->slot_count == 0) return -1;
    return n->slots[slot_of(n, name)] - 1;
}

int32_t app_names_add(struct app_names *n, const char *name) {
    assert(n != NULL && name != NULL);
    int32_t found = app_names_find(n, name);
    if (found >= 0) return found;
    size_t len = strlen(name) + 1;
    if (n->count >= APP_NAMES_MAX || ((n->count + 1) * 2 > n->slot_count && !rehash(n)) ||
        !app_array_room((void **)&n->at, &n->at_cap, n->count + 1, sizeof *n->at) ||
        !app_array_room((void **)&n->bytes, &n->bytes_cap, n->bytes_len + len, 1))
        return -1;
    memcpy(n->bytes + n->bytes_len, name, len);
    n->at[n->count] = n->bytes_len;
    n->bytes_len += len;
    n->slots[slot_of(n, name)] = (int32_t)n->count + 1;
    return (int32_t)n->count++;
}

const char *app_names_get(const struct app_names *n, int32_t i) {
    assert(n != NULL && i >= 0 && (size_t)i < n->count);
    return n->bytes + n->at[i];
}

void app_names_free(struct app_names *n) {
    assert(n != NULL);
    free(n->bytes);
    free(n->at);
    free(n->slots);
    memset(n, 0, sizeof *n);
}
