/* gen_stream.c: the year's bills in endtime order with bounded memory.
 *
 * The year is cut into `windows` runs of consecutive days, sized so that a
 * window holds about GEN_WINDOW_EVENTS_MAX events. For each window the
 * stream replans every person (plans are pure functions of the seed and the
 * person's index), keeps the compact events whose endtime falls in the
 * window, sorts them by (endtime, person, sequence) and materializes them
 * one at a time. Memory is one window's events (56 bytes each, ~320 MB at
 * most) plus one plan; time is persons x windows plans (~2 us each) plus
 * the bills. */
#include <stdlib.h>
#include <string.h>

#include "gen/gen_internal.h"

struct gen_stream {
    const struct gen_city *city;
    struct gen_plan *plan;
    struct gen_event *events;
    size_t count, capacity, next;
    int32_t window; /* the next window to fill */
};

int gen_stream_open(const struct gen_city *city, struct gen_stream **out) {
    *out = NULL;
    struct gen_stream *s = calloc(1, sizeof *s);
    if (!s) return -1;
    s->city = city;
    s->plan = malloc(sizeof *s->plan);
    if (!s->plan) {
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void gen_stream_close(struct gen_stream *stream) {
    if (!stream) return;
    free(stream->events);
    free(stream->plan);
    free(stream);
}

static int compare_events(const void *pa, const void *pb) {
    const struct gen_event *a = pa, *b = pb;
    if (a->endtime != b->endtime) return a->endtime < b->endtime ? -1 : 1;
    if (a->psn_index != b->psn_index) return a->psn_index < b->psn_index ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* Room for one more event: first the expected size of a window plus 15 %,
 * then half as much again each time it is short. */
static int push(struct gen_stream *s, const struct gen_event *ev) {
    if (s->count == s->capacity) {
        size_t expected = (size_t)(s->city->expected_events / s->city->windows * 1.15) + 1024;
        size_t cap = s->capacity ? s->capacity + s->capacity / 2 : expected;
        struct gen_event *grown = realloc(s->events, cap * sizeof *grown);
        if (!grown) return -1;
        s->events = grown;
        s->capacity = cap;
    }
    s->events[s->count++] = *ev;
    return 0;
}

static int fill_window(struct gen_stream *s) {
    const struct gen_city *city = s->city;
    int64_t first = (int64_t)s->window * city->days_in_year / city->windows;
    int64_t last = (int64_t)(s->window + 1) * city->days_in_year / city->windows;
    datetime_s lo = (city->year_day0 + first) * GEN_DAY_S;
    datetime_s hi = (city->year_day0 + last) * GEN_DAY_S;
    s->count = 0;
    s->next = 0;
    for (int64_t i = 0; i < city->config.persons; i++) {
        gen_plan_person(city, i, s->plan);
        for (int32_t e = 0; e < s->plan->event_count; e++) {
            const struct gen_event *ev = &s->plan->events[e];
            if (ev->endtime >= lo && ev->endtime < hi && push(s, ev) != 0) return -1;
        }
    }
    qsort(s->events, s->count, sizeof *s->events, compare_events);
    s->window++;
    return 0;
}

int gen_next_bill(struct gen_stream *stream, struct gen_bill_out *out) {
    while (stream->next == stream->count) {
        if (stream->window >= stream->city->windows) return 0;
        if (fill_window(stream) != 0) return -1;
    }
    gen_event_materialize(stream->city, &stream->events[stream->next++], out);
    return 1;
}
