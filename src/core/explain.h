/* explain.h: the settle engine's account of itself, in words and figures.
 *
 * When the caller passes an explain buffer, settle() appends one line per
 * step ("deductible: level3 1000.00 x repeat-admission 0.5 = 500.00"). The
 * buffer is fixed-size; a full buffer marks itself truncated rather than
 * allocating. */
#ifndef YIBAO_EXPLAIN_H
#define YIBAO_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "limits.h"

struct explain {
    size_t len;
    bool truncated;
    char text[EXPLAIN_BYTES_MAX];
};

void explain_init(struct explain *explain);
/* printf-style append of one line (a newline is added). No-op on NULL. */
void explain_line(struct explain *explain, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

#endif
