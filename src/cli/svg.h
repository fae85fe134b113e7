/* svg.h: the fund reports' charts as hand-written SVG text (`yibao report
 * ... --plot DIR`, docs/REPORTS.md): a line chart of series over the
 * months and a bar chart of pairs of values per label. Values are scaled
 * integers (fen, tenths of a month) drawn with integer arithmetic; the
 * axis labels print them with the scale given. No dependency. */
#ifndef YIBAO_SVG_H
#define YIBAO_SVG_H

#include <stdbool.h>
#include <stdint.h>

#define SVG_SERIES_MAX 16 /* lines of a line chart (more are left out, said in the title) */
#define SVG_BARS_MAX 64   /* labels of a bar chart (more are left out, said in the title) */

struct svg_series {
    const char *name;
    int32_t count;         /* points, <= 12 */
    const int64_t *values; /* values[0..count) */
};

/* decimals: the values' scale (2: fen shown as yuan, 1: tenths). 0, or
 * -1 after a message naming path (it could not be written). */
int svg_line_chart(const char *path, const char *title, const char *x_first_label,
                   const struct svg_series *series, int32_t n, int decimals);

/* One or two bars per label (b NULL: one), a's and b's legends. */
int svg_bar_chart(const char *path, const char *title, const char *const *labels, const int64_t *a,
                  const int64_t *b, int32_t n, const char *a_name, const char *b_name,
                  int decimals);

#endif
