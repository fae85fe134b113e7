/* progress.h: what every long command shares (issue 15, item 4): a
 * progress line on standard error while it is a terminal (quiet
 * otherwise), redrawn at most PROGRESS_REDRAWS_PER_S times a second, with
 * the count, the rate and, when the whole is known, an ETA; and a clean
 * stop on Ctrl-C: SIGINT / SIGTERM set a flag the command polls between
 * units of work (a second signal kills at once). Used by settle --db,
 * gen city, import, check and yibao-bench year. */
#ifndef YIBAO_CLI_PROGRESS_H
#define YIBAO_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#define PROGRESS_REDRAWS_PER_S 4
#define PROGRESS_LINE_BYTES_MAX 160 /* one drawn line */
/* Exit status of a command stopped by a signal: 128 + the signal, as a
 * shell reports it (130 after Ctrl-C). */
#define PROGRESS_EXIT_SIGNAL_BASE 128

struct progress {
    char what[32]; /* "settle", "gen city: persons", ... */
    char unit[16]; /* "bills", "rows", ... */
    bool on;       /* standard error is a terminal */
    bool drawn;    /* a line is on the screen */
    double start_s, last_s;
};

/* Starts a progress line (drawn only if standard error is a terminal). */
void progress_start(struct progress *p, const char *what, const char *unit);
/* done units so far; fraction of the whole in [0, 1], or < 0 when unknown
 * (no ETA). Cheap: draws only when the last draw is old enough. */
void progress_update(struct progress *p, int64_t done, double fraction);
/* Erases the line (before printing a message on standard error). */
void progress_clear(struct progress *p);
/* Erases the line; the command prints its own summary. */
void progress_finish(struct progress *p);
/* Seconds on a monotonic clock. */
double progress_now(void);

/* A progress line per phase of an operation that reports through a
 * callback (gen_write_city_ex, store_set_progress): "gen city: 120000
 * bills ...", "check: 400000 journal ...". */
struct progress_phases {
    const char *what;  /* "gen city", "import", "check" */
    const char *phase; /* the current one, or NULL */
    struct progress line;
};
/* The callback: ctx is a struct progress_phases; a new phase starts a new
 * line. Returns the signal caught (non-zero: stop), as the callbacks ask. */
int progress_phase_update(void *ctx, const char *phase, int64_t done, double fraction);
/* Erases the line of the phases. */
void progress_phases_finish(struct progress_phases *pp);

/* Catches SIGINT and SIGTERM: the first sets the flag (and restores the
 * default action, so a second one kills). */
void progress_catch_signals(void);
/* The signal caught (SIGINT, SIGTERM), or 0. */
int progress_interrupted(void);
/* The exit status after an interruption: PROGRESS_EXIT_SIGNAL_BASE + signal. */
int progress_exit_status(void);

#endif
