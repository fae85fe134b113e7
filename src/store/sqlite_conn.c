/* sqlite_conn.c: a busy handler that retries the lock often, and the
 * folder lock that serializes connection setups (see sqlite_conn.h). */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "store/sqlite_conn.h"

/* The process's waits for a busy lock, for sqlite_wait_stats (counted,
 * not locked: relaxed atomics, a statistic read at the end of a run). */
static _Atomic int64_t waits_started, waits_retried, waits_slept_us;

static int64_t now_us(void) {
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* count: how many times this lock was already retried. */
static int on_busy(void *ctx, int count) {
    intptr_t timeout_ms = (intptr_t)ctx;
    assert(timeout_ms > 0 && count >= 0);
    if ((int64_t)count * SQLITE_WAIT_STEP_US >= (int64_t)timeout_ms * 1000) return 0;
    if (count == 0) atomic_fetch_add_explicit(&waits_started, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&waits_retried, 1, memory_order_relaxed);
    struct timespec step = {0, SQLITE_WAIT_STEP_US * 1000L};
    int64_t from_us = now_us();
    (void)nanosleep(&step, NULL); /* interrupted: tries sooner, which is harmless */
    atomic_fetch_add_explicit(&waits_slept_us, now_us() - from_us, memory_order_relaxed);
    return 1;
}

void sqlite_wait_stats(struct sqlite_wait_stats *out) {
    assert(out != NULL);
    out->waits = atomic_load_explicit(&waits_started, memory_order_relaxed);
    out->retries = atomic_load_explicit(&waits_retried, memory_order_relaxed);
    out->slept_us = atomic_load_explicit(&waits_slept_us, memory_order_relaxed);
}

int sqlite_wait_install(sqlite3 *db, int timeout_ms) {
    assert(db != NULL && timeout_ms > 0);
    return sqlite3_busy_handler(db, on_busy, (void *)(intptr_t)timeout_ms) == SQLITE_OK ? 0 : -1;
}

int sqlite_setup_lock(const char *path) {
    char dir[4096];
    assert(path != NULL);
    const char *slash = strrchr(path, '/');
    if (slash == NULL) snprintf(dir, sizeof dir, ".");
    else if (slash == path) snprintf(dir, sizeof dir, "/");
    else if ((size_t)(slash - path) < sizeof dir)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            close(fd);
            return -1;
        }
    }
    assert(fd >= 0);
    return fd;
}

void sqlite_setup_unlock(int fd) {
    if (fd >= 0) close(fd); /* releases the flock */
}
