/* sqlite_conn.c: a busy handler that retries the lock often (see
 * sqlite_conn.h for why). */
#include <assert.h>
#include <stdint.h>
#include <time.h>

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
