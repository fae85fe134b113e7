/* sqlite_ckpt.h: who checkpoints the WAL of the store's SQLite file, and
 * when (docs/SERVICE.md, "On SQLite, one writer for the file").
 *
 * SQLite's wal_autocheckpoint runs a checkpoint inside the COMMIT that
 * finds the WAL past SQLITE_WAL_CHECKPOINT_PAGES: the committing thread
 * copies the WAL's pages into the database file and fsyncs it before its
 * commit returns. On the store's one writer that stalls every request of
 * the round (and the rounds queued behind it) for the whole copy. Every
 * connection that writes gets our hook instead (sqlite_ckpt_hook), which
 * does the same and times it. While the store's commit queue runs, its
 * connection's checkpoints move to a thread with a connection of its own
 * (sqlite_ckpt_start): the writer only wakes it. That thread's PASSIVE
 * checkpoints copy the pages without taking the write lock, so the writer
 * goes on committing meanwhile; and since it goes on, the WAL is never
 * copied to its last frame by that thread, so the writer finishes each
 * pass itself at its next commit past the threshold (copying only what
 * was committed during the pass), after which its next transaction starts
 * the WAL again from its beginning. The WAL's size stays bounded: past
 * SQLITE_WAL_PAGES_MAX pages the writer checkpoints the whole of it
 * itself, as SQLite would. Durability is untouched: a commit is durable
 * when its WAL frames are fsync'd, before any checkpoint. */
#ifndef YIBAO_SQLITE_CKPT_H
#define YIBAO_SQLITE_CKPT_H

#include <stdio.h>

#include <sqlite3.h>

#include "store/sqlite_conn.h"

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

/* The process's checkpoints so far (lat_stat.h lines on out). */
void sqlite_ckpt_print(FILE *out);

#endif
