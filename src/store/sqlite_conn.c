/* sqlite_conn.c: a busy handler that retries the lock often, and the
 * folder lock that serializes connection setups (see sqlite_conn.h). */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "store/sqlite_conn.h"

/* count: how many times this lock was already retried. */
static int on_busy(void *ctx, int count) {
    intptr_t timeout_ms = (intptr_t)ctx;
    assert(timeout_ms > 0 && count >= 0);
    if ((int64_t)count * SQLITE_WAIT_STEP_US >= (int64_t)timeout_ms * 1000) return 0;
    struct timespec step = {0, SQLITE_WAIT_STEP_US * 1000L};
    (void)nanosleep(&step, NULL); /* interrupted: tries sooner, which is harmless */
    return 1;
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
