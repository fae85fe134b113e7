/* array_room.c: room in a growing array (array_room.h). Capacity doubles
 * from 256 items, so a pass gathering n rows reallocates about log2(n)
 * times. */
#include "app/array_room.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

bool app_array_room(void **items, size_t *cap, size_t need, size_t size) {
    assert(items != NULL && cap != NULL && size > 0);
    assert(*cap == 0 || *items != NULL);
    if (need <= *cap) return true;
    if (need > SIZE_MAX / 2 / size) return false; /* doubling past it would overflow */
    size_t next = *cap > 0 ? *cap * 2 : 256;
    while (next < need) next *= 2;
    void *grown = realloc(*items, next * size);
    if (grown == NULL) return false;
    *items = grown;
    *cap = next;
    return true;
}
