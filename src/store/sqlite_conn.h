/* sqlite_conn.h: what every SQLite connection of ours shares: how it
 * waits for the write lock, and how often the WAL is checkpointed.
 *
 * The store's writer and the service tables' writer (and other processes:
 * import, check) share one database file, so a writer sometimes finds the
 * lock taken for the length of the other's batch: a few milliseconds.
 * sqlite3_busy_timeout() sleeps 1, 2, 5, 10, 15... ms between tries, so a
 * writer that missed the lock by 100 us sleeps past several of the other's
 * batches and both sides' latency grows. This handler retries every
 * SQLITE_WAIT_STEP_US instead, up to the same overall timeout. */
#ifndef YIBAO_SQLITE_CONN_H
#define YIBAO_SQLITE_CONN_H

#include <stdint.h>

#include <sqlite3.h>

#define SQLITE_WAIT_STEP_US 100 /* between tries for a busy lock */
/* WAL pages after which the committing connection checkpoints. The same
 * for the store's and the service tables' connections: they share the
 * file's WAL, and SQLite's default (1000) made the service tables' writer
 * checkpoint four times as often as the store's. */
#define SQLITE_WAL_CHECKPOINT_PAGES 4000

/* Installs the handler on db: gives up after about timeout_ms. */
int sqlite_wait_install(sqlite3 *db, int timeout_ms);

/* How often this process's connections found the write lock taken (waits),
 * how many tries that took (retries) and the time slept in them, since
 * the start: `yibao serve` prints them when it stops. */
struct sqlite_wait_stats {
    int64_t waits, retries, slept_us;
};
void sqlite_wait_stats(struct sqlite_wait_stats *out);

/* The setup of a connection that may write (open, the switch to WAL, the
 * migrations) runs under an exclusive flock() of the database's folder, so
 * that processes opening one new store at once take turns: two of them
 * switching a fresh file to WAL while the other holds a read lock
 * deadlock, and SQLite answers one "database is locked" without waiting
 * (tests/test_schema.c, test_concurrent_open, failed 2 runs in 12 so). A
 * flock of the folder, not the file: closing any descriptor of the file
 * would drop the process's POSIX locks that SQLite holds on it. Returns
 * the lock's descriptor (give it to sqlite_setup_unlock), or -1 when the
 * folder cannot be locked, in which case the setup runs unserialized. */
int sqlite_setup_lock(const char *path);
void sqlite_setup_unlock(int fd);

#endif
