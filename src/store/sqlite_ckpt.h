/* sqlite_ckpt.h: who checkpoints the WAL of the store's SQLite file, and
 * when (docs/SERVICE.md, "On SQLite, the WAL's checkpoints").
 *
 * SQLite's wal_autocheckpoint runs a checkpoint inside the COMMIT that
 * finds the WAL past SQLITE_WAL_CHECKPOINT_PAGES: the committing thread
 * copies the WAL's pages into the database file and fsyncs it before its
 * commit returns. On the store's one writer that stalled every request of
 * the round and of the rounds queued behind it: 57 ms a checkpoint on
 * average, ten in a 10-s visit-flow run, the slowest 1 % of requests. Every
 * connection that writes gets our hook instead (sqlite_ckpt_hook), which
 * does the same and times it. While the store's commit queue runs, its
 * connection's checkpoints move to a thread with a connection of its own
 * (sqlite_ckpt_start): the writer only wakes it, at
 * SQLITE_WAL_CHECKPOINT_PAGES and then every SQLITE_WAL_PASS_PAGES more.
 * That thread's PASSIVE checkpoints (passes) copy the pages without the
 * write lock, so the writer goes on committing meanwhile. Since it goes on,
 * no pass copies the WAL to its last frame, and SQLite starts the WAL
 * again from its beginning only once it was copied whole: so past
 * SQLITE_WAL_FINISH_PAGES one more pass is asked, and after its first
 * commit after that pass the writer finishes the copy itself (only what
 * was committed during that pass, and one fsync of the file); its next
 * transaction starts the WAL again. The finish waits until the writer
 * answered that commit's round (sqlite_ckpt_idle, called by the store's
 * commit queue between rounds): the round's requests do not wait for it,
 * only those queued meanwhile (about half the requests the finish delayed
 * inside the COMMIT).
 * The WAL's size stays bounded: past SQLITE_WAL_PAGES_MAX pages (64 MiB at
 * 4 KiB pages) the writer checkpoints the whole of it in its commit, as
 * SQLite would. Durability is untouched: a commit is durable when its WAL
 * frames are fsync'd, before any checkpoint. */
#ifndef YIBAO_SQLITE_CKPT_H
#define YIBAO_SQLITE_CKPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "store/sqlite_conn.h"

/* A pass again when the WAL grew this many pages since the last was asked. */
#define SQLITE_WAL_PASS_PAGES (SQLITE_WAL_CHECKPOINT_PAGES / 2)
/* Past this a finishing pass is asked, and the writer finishes it in its
 * first commit after it ended: the rarer, the fewer rounds stall (a finish
 * costs one fsync of the file and the pages committed during the pass). */
#define SQLITE_WAL_FINISH_PAGES (3 * SQLITE_WAL_CHECKPOINT_PAGES)
/* The WAL's bound, in pages (64 MiB at 4 KiB pages, the size the WAL file
 * is truncated to after a restart): past it the writer checkpoints itself. */
#define SQLITE_WAL_PAGES_MAX (4 * SQLITE_WAL_CHECKPOINT_PAGES)

/* Installs the counting hook on db (a connection that writes): checkpoints
 * as wal_autocheckpoint would, at SQLITE_WAL_CHECKPOINT_PAGES. 0 or -1. */
int sqlite_ckpt_hook(sqlite3 *db);

struct sqlite_ckpt;
/* Starts the checkpointer of writer's database (path: its file) on a
 * thread of its own. 0, or -1 with why (then writer keeps the hook). */
int sqlite_ckpt_start(sqlite3 *writer, const char *path, struct sqlite_ckpt **out, char *why,
                      size_t why_size);
/* Stops the thread and gives the checkpoints back to the writer's hook.
 * Call when no commit runs on the writer. NULL: nothing. */
void sqlite_ckpt_stop(struct sqlite_ckpt *k);

/* Between the writer's transactions, on its thread: runs the writer's
 * finish when one is due (true), else nothing. NULL: nothing. */
bool sqlite_ckpt_idle(struct sqlite_ckpt *k);

/* The process's checkpoints so far (lat_stat.h lines on out). */
void sqlite_ckpt_print(FILE *out);
/* The same as counts, for tests: whole checkpoints inside a commit, passes
 * asked of the thread and done, finishes inside a commit, failures, the
 * WAL's largest and last length at a commit (pages). */
struct sqlite_ckpt_counts {
    int64_t in_commit, passes_asked, passes, finishes, failed, wal_pages_max, wal_pages_last;
};
void sqlite_ckpt_counts(struct sqlite_ckpt_counts *out);

#endif
