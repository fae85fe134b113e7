/* names.h: a set of names (institution codes, person numbers, diagnosis
 * codes), each given a dense index the first time it is added. A pass
 * over millions of rows keeps a 4-byte index per row instead of the
 * string (app/settle_year.c: the year's settlements in bounded memory). */
#ifndef YIBAO_APP_NAMES_H
#define YIBAO_APP_NAMES_H

#include <stddef.h>
#include <stdint.h>

#define APP_NAMES_MAX 100000000 /* names of one set */

struct app_names {
    char *bytes; /* the names, each NUL-terminated, one after another */
    size_t bytes_len, bytes_cap;
    size_t *at; /* name i starts at bytes + at[i] */
    size_t count, at_cap;
    int32_t *slots; /* open addressing: a name's index + 1, 0 empty */
    size_t slot_count;
};

/* The index of name, added if new: 0..count-1, or -1 when out of memory
 * or the set holds APP_NAMES_MAX names already. */
int32_t app_names_add(struct app_names *n, const char *name);

/* The index of name, or -1 when it is not in the set. */
int32_t app_names_find(const struct app_names *n, const char *name);

/* Name i (0 <= i < count). */
const char *app_names_get(const struct app_names *n, int32_t i);

void app_names_free(struct app_names *n);

#endif
