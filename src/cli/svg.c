/* svg.c: line and bar charts as SVG text (svg.h). The plot area is
 * W_PLOT x H_PLOT user units at (LEFT, TOP); a value v maps to
 * TOP + (hi - v) * H_PLOT / (hi - lo) in 128-bit integers, lo..hi the
 * values' range widened to include 0, so a chart of money never passes
 * through floating point. */
#include "cli/svg.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define LEFT 110
#define TOP 40
#define W_PLOT 640
#define H_PLOT 300
static const char *const COLOURS[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                      "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};
#define COLOUR(i) COLOURS[(size_t)(i) % (sizeof COLOURS / sizeof COLOURS[0])]

/* text with &, <, >, " escaped */
static void put_text(FILE *f, const char *text) {
    assert(f != NULL && text != NULL);
    for (const char *c = text; *c; c++) {
        if (*c == '&') fputs("&amp;", f);
        else if (*c == '<') fputs("&lt;", f);
        else if (*c == '>') fputs("&gt;", f);
        else if (*c == '"') fputs("&quot;", f);
        else fputc(*c, f);
    }
}

/* v with `decimals` decimals ("-12.34"). */
static void put_value(FILE *f, int64_t v, int decimals) {
    assert(f != NULL && decimals >= 0 && decimals <= 4);
    int64_t scale = 1;
    for (int i = 0; i < decimals; i++) scale *= 10;
    unsigned long long a = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    fprintf(f, "%s%llu", v < 0 ? "-" : "", a / (unsigned long long)scale);
    if (decimals > 0) fprintf(f, ".%0*llu", decimals, a % (unsigned long long)scale);
}

static int64_t y_of(int64_t v, int64_t lo, int64_t hi) {
    assert(hi > lo && v >= lo && v <= hi);
    return TOP + (int64_t)((__int128)(hi - v) * H_PLOT / ((__int128)hi - lo));
}

/* The frame, title, zero line and the y axis' labels at lo, 0 and hi. */
static void frame(FILE *f, const char *title, int64_t lo, int64_t hi, int decimals) {
    assert(f != NULL && title != NULL && hi > lo);
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 "
            "%d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<text x=\"%d\" y=\"22\" "
            "font-size=\"15\">",
            LEFT + W_PLOT + 180, TOP + H_PLOT + 60, LEFT + W_PLOT + 180, TOP + H_PLOT + 60, LEFT);
    put_text(f, title);
    fprintf(f,
            "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
            "stroke=\"#999\"/>\n",
            LEFT, TOP, W_PLOT, H_PLOT);
    int64_t ticks[3] = {lo, 0, hi};
    for (int i = 0; i < 3; i++) {
        if (i == 1 && (lo == 0 || hi == 0)) continue;
        int64_t y = y_of(ticks[i], lo, hi);
        fprintf(f, "<line x1=\"%d\" y1=\"%lld\" x2=\"%d\" y2=\"%lld\" stroke=\"#ccc\"/>\n", LEFT,
                (long long)y, LEFT + W_PLOT, (long long)y);
        fprintf(f, "<text x=\"%d\" y=\"%lld\" text-anchor=\"end\">", LEFT - 6, (long long)y + 4);
        put_value(f, ticks[i], decimals);
        fputs("</text>\n", f);
    }
}

static void legend(FILE *f, int32_t i, const char *name) {
    assert(f != NULL && name != NULL && i >= 0);
    int y = TOP + 10 + 18 * i;
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>",
            LEFT + W_PLOT + 12, y, COLOUR(i));
    fprintf(f, "<text x=\"%d\" y=\"%d\">", LEFT + W_PLOT + 30, y + 11);
    put_text(f, name);
    fputs("</text>\n", f);
}

static int finish(FILE *f, const char *path) {
    assert(f != NULL && path != NULL);
    fputs("</svg>\n", f);
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad)
        return fprintf(stderr, "yibao report: --plot: %s: cannot write\n", path), -1;
    return 0;
}

static void range(const int64_t *v, int32_t n, int64_t *lo, int64_t *hi) {
    assert((v != NULL || n == 0) && lo != NULL && hi != NULL);
    for (int32_t i = 0; i < n; i++) {
        if (v[i] < *lo) *lo = v[i];
        if (v[i] > *hi) *hi = v[i];
    }
}

int svg_line_chart(const char *path, const char *title, const char *x_first_label,
                   const struct svg_series *series, int32_t n, int decimals) {
    assert(path != NULL && title != NULL && x_first_label != NULL && n >= 0);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return fprintf(stderr, "yibao report: --plot: %s: %s\n", path, strerror(errno)), -1;
    int64_t lo = 0, hi = 1;
    int32_t shown = n < SVG_SERIES_MAX ? n : SVG_SERIES_MAX;
    for (int32_t s = 0; s < shown; s++) range(series[s].values, series[s].count, &lo, &hi);
    frame(f, title, lo, hi, decimals);
    for (int32_t m = 0; m < 12; m++)
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d</text>\n",
                LEFT + W_PLOT * (2 * m + 1) / 24, TOP + H_PLOT + 18, (int)m + 1);
    fprintf(f, "<text x=\"%d\" y=\"%d\">months of ", LEFT, TOP + H_PLOT + 40);
    put_text(f, x_first_label);
    fputs("</text>\n", f);
    for (int32_t s = 0; s < shown; s++) {
        fprintf(f, "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"%s\" points=\"", COLOUR(s));
        for (int32_t m = 0; m < series[s].count && m < 12; m++)
            fprintf(f, "%s%d,%lld", m ? " " : "", LEFT + W_PLOT * (2 * m + 1) / 24,
                    (long long)y_of(series[s].values[m], lo, hi));
        fputs("\"/>\n", f);
        legend(f, s, series[s].name);
    }
    return finish(f, path);
}

int svg_bar_chart(const char *path, const char *title, const char *const *labels, const int64_t *a,
                  const int64_t *b, int32_t n, const char *a_name, const char *b_name,
                  int decimals) {
    assert(path != NULL && title != NULL && labels != NULL && a != NULL && a_name != NULL);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return fprintf(stderr, "yibao report: --plot: %s: %s\n", path, strerror(errno)), -1;
    int32_t shown = n < SVG_BARS_MAX ? n : SVG_BARS_MAX;
    int64_t lo = 0, hi = 1;
    range(a, shown, &lo, &hi);
    if (b != NULL) range(b, shown, &lo, &hi);
    frame(f, title, lo, hi, decimals);
    int32_t slot = shown > 0 ? W_PLOT / shown : W_PLOT, bars = b != NULL ? 2 : 1;
    int32_t width = slot * 7 / 10 / bars;
    for (int32_t i = 0; i < shown; i++) {
        int32_t x = LEFT + slot * i + slot * 3 / 20;
        for (int32_t k = 0; k < bars; k++) {
            int64_t v = k == 0 ? a[i] : b[i];
            int64_t y0 = y_of(0, lo, hi), y = y_of(v, lo, hi);
            fprintf(f, "<rect x=\"%d\" y=\"%lld\" width=\"%d\" height=\"%lld\" fill=\"%s\"/>\n",
                    x + k * width, (long long)(y < y0 ? y : y0), width > 0 ? width : 1,
                    (long long)(y < y0 ? y0 - y : y - y0), COLOUR(k));
        }
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\">",
                LEFT + slot * i + slot / 2, TOP + H_PLOT + 16 + 12 * (i % 2));
        put_text(f, labels[i]);
        fputs("</text>\n", f);
    }
    legend(f, 0, a_name);
    if (b != NULL) legend(f, 1, b_name != NULL ? b_name : "");
    return finish(f, path);
}
