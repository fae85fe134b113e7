/* progress.c: the progress line and the Ctrl-C flag of long commands
 * (see progress.h). */
#include "cli/progress.h"

#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t caught_signal;

double progress_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_start(struct progress *p, const char *what, const char *unit) {
    assert(p != NULL && what != NULL && unit != NULL);
    memset(p, 0, sizeof *p);
    snprintf(p->what, sizeof p->what, "%s", what);
    snprintf(p->unit, sizeof p->unit, "%s", unit);
    p->on = isatty(STDERR_FILENO) == 1;
    p->start_s = progress_now();
    p->last_s = p->start_s - 1.0; /* the first update draws */
}

/* "1:02:03" or "2:03" */
static void format_duration(char *out, size_t size, double seconds) {
    assert(out != NULL && size > 0);
    int s = seconds > 0 && seconds < 1e7 ? (int)(seconds + 0.5) : 0; /* under 4 months */
    if (s >= 3600) snprintf(out, size, "%d:%02d:%02d", s / 3600 % 10000, s / 60 % 60, s % 60);
    else snprintf(out, size, "%d:%02d", s / 60 % 60, s % 60);
}

/* "settle: 120000 bills, 41000/s, 12%, ETA 1:45": the rate once half a
 * second has passed, the ETA once a second has and 1 % is done. */
static void draw(struct progress *p, int64_t done, double fraction, double now) {
    char line[PROGRESS_LINE_BYTES_MAX], rate[32] = "", eta[48] = "";
    double elapsed = now - p->start_s;
    assert(done >= 0);
    if (elapsed >= 0.5) snprintf(rate, sizeof rate, ", %.0f/s", (double)done / elapsed);
    if (fraction >= 0.01 && fraction <= 1 && elapsed >= 1.0) {
        char left[24];
        format_duration(left, sizeof left, elapsed * (1 - fraction) / fraction);
        snprintf(eta, sizeof eta, ", %d%%, ETA %s", (int)(fraction * 100), left);
    }
    int n = snprintf(line, sizeof line, "%s: %lld %s%s%s", p->what, (long long)done, p->unit, rate,
                     eta);
    if (n < 0) return;
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    p->drawn = true;
}

void progress_update(struct progress *p, int64_t done, double fraction) {
    assert(p != NULL);
    if (!p->on) return;
    double now = progress_now();
    if (now - p->last_s < 1.0 / PROGRESS_REDRAWS_PER_S) return;
    p->last_s = now;
    draw(p, done, fraction, now);
}

void progress_clear(struct progress *p) {
    assert(p != NULL);
    if (!p->drawn) return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    p->drawn = false;
}

void progress_finish(struct progress *p) {
    assert(p != NULL);
    progress_clear(p);
    p->on = false;
}

int progress_phase_update(void *ctx, const char *phase, int64_t done, double fraction) {
    struct progress_phases *pp = ctx;
    assert(pp != NULL && pp->what != NULL && phase != NULL);
    if (pp->phase == NULL || strcmp(pp->phase, phase) != 0) {
        if (pp->phase != NULL) progress_finish(&pp->line);
        progress_start(&pp->line, pp->what, phase);
        pp->phase = phase;
    }
    progress_update(&pp->line, done, fraction);
    return progress_interrupted();
}

void progress_phases_finish(struct progress_phases *pp) {
    assert(pp != NULL);
    if (pp->phase != NULL) progress_finish(&pp->line);
}

static void on_signal(int sig) { caught_signal = sig; }

void progress_catch_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = (int)(SA_RESETHAND | SA_RESTART); /* a second signal: the default action */
    int rc = sigaction(SIGINT, &sa, NULL) | sigaction(SIGTERM, &sa, NULL);
    assert(rc == 0);
    (void)rc;
}

int progress_interrupted(void) { return (int)caught_signal; }

int progress_exit_status(void) {
    int sig = (int)caught_signal;
    assert(sig >= 0);
    return sig > 0 ? PROGRESS_EXIT_SIGNAL_BASE + sig : 0;
}
