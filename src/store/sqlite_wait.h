/* sqlite_wait.h: how our SQLite connections wait for the write lock.
 * The store's writer and the service tables' writer (and other processes:
 * import, check) share one database file, so a writer sometimes finds the
 * lock taken for the length of the other's batch: a few milliseconds.
 * sqlite3_busy_timeout() sleeps 1, 2, 5, 10, 15... ms between tries, so a
 * writer that missed the lock by 100 us sleeps past several of the other's
 * batches and both sides' latency grows. This handler retries every
 * SQLITE_WAIT_STEP_US instead, up to the same overall timeout. */
#ifndef YIBAO_SQLITE_WAIT_H
#define YIBAO_SQLITE_WAIT_H

#include <sqlite3.h>

#define SQLITE_WAIT_STEP_US 100     /* between tries for a busy lock */

/* Installs the handler on db: gives up after about timeout_ms. */
int sqlite_wait_install(sqlite3 *db, int timeout_ms);

#endif
