/* lat_stat.h: a latency counter cheap enough to keep in every build: how
 * many times a step ran, the time spent in it, its longest run and how
 * many runs were over LAT_SLOW_US. Sums and counts are less noisy than a
 * percentile on a shared machine, and the slow count says which step the
 * slow requests (the p99) spent their time in. Relaxed atomics: statistics
 * read at the end of a run (`yibao serve` prints them when it stops). */
#ifndef YIBAO_LAT_STAT_H
#define YIBAO_LAT_STAT_H

#include <assert.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define LAT_SLOW_US 5000 /* half the visit flow's p99 goal (10 ms) */

struct lat_stat {
    _Atomic int64_t count, sum_us, max_us, slow_count;
};

static inline int64_t lat_now_us(void) {
    struct timespec ts;
    int rc = clock_gettime(CLOCK_MONOTONIC, &ts);
    assert(rc == 0);
    (void)rc;
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline void lat_add(struct lat_stat *s, int64_t us) {
    assert(s != NULL);
    if (us < 0) us = 0; /* the clock is monotonic; a negative span is a caller's 0 */
    atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_us, us, memory_order_relaxed);
    if (us > LAT_SLOW_US) atomic_fetch_add_explicit(&s->slow_count, 1, memory_order_relaxed);
    int64_t max = atomic_load_explicit(&s->max_us, memory_order_relaxed);
    while (us > max && !atomic_compare_exchange_weak_explicit(
                           &s->max_us, &max, us, memory_order_relaxed, memory_order_relaxed)) {
    }
}

/* Adds the time since from_us; returns now, for the next step. */
static inline int64_t lat_since(struct lat_stat *s, int64_t from_us) {
    assert(s != NULL && from_us >= 0);
    int64_t now = lat_now_us();
    lat_add(s, now - from_us);
    return now;
}

/* One line: "  NAME: N, mean M ms, max X ms, N over 5 ms, total T ms". */
static inline void lat_print(FILE *out, const char *name, struct lat_stat *s) {
    assert(out != NULL && name != NULL && s != NULL);
    int64_t n = atomic_load_explicit(&s->count, memory_order_relaxed);
    int64_t sum = atomic_load_explicit(&s->sum_us, memory_order_relaxed);
    if (n == 0) return;
    fprintf(out,
            "yibao serve:   %-34s %8lld, mean %6.2f ms, max %7.2f ms, %6lld over %d ms, total "
            "%9.1f ms\n",
            name, (long long)n, (double)sum / (double)n / 1000.0,
            (double)atomic_load_explicit(&s->max_us, memory_order_relaxed) / 1000.0,
            (long long)atomic_load_explicit(&s->slow_count, memory_order_relaxed),
            LAT_SLOW_US / 1000, (double)sum / 1000.0);
}

#endif
