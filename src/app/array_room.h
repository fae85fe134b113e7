/* array_room.h: room in a growing array, the one way the use cases grow
 * the arrays they gather a pass's rows into (doubling, checked for
 * overflow and allocation failure). */
#ifndef YIBAO_APP_ARRAY_ROOM_H
#define YIBAO_APP_ARRAY_ROOM_H

#include <stdbool.h>
#include <stddef.h>

/* Makes *items (of *cap items of size bytes) hold at least need items:
 * true, or false (items unchanged) when out of memory or need * size
 * overflows. */
bool app_array_room(void **items, size_t *cap, size_t need, size_t size);

#endif
