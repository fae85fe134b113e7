/* fault_vfs.h: a SQLite VFS for fault injection (docs/FAULTS.md). It wraps
 * the default VFS ("unix"), is registered as the default, and counts the
 * write points of the database files (main database, WAL, rollback
 * journal; not temporary files): every xWrite, xSync and xTruncate, across
 * all connections and threads of the process. Armed at point N it fails
 * that point with an I/O error, or crashes the process there:
 *
 *  FAULT_ERROR  the Nth point returns SQLITE_IOERR_WRITE / _FSYNC /
 *               _TRUNCATE without doing it; the points after it succeed
 *               (a transient error: a full disk that frees, a flaky path).
 *  FAULT_CRASH  the process _exit()s at the Nth point, before doing it:
 *               a process crash (kill -9, a segfault); what it wrote before
 *               is in the OS page cache and survives.
 *  FAULT_POWER  a power loss at the Nth point: every write not followed by
 *               an xSync of its file is undone (the file's bytes and size
 *               as of its last sync), then the process _exit()s. It models
 *               a disk that loses all unsynced writes and keeps the synced
 *               ones; not torn sectors nor reordered unsynced writes, and
 *               directory entries are taken as durable.
 *
 * Not thread-safe to arm while connections work; every counted point is
 * serialized by one mutex, so the Nth point is one point. */
#ifndef YIBAO_TESTS_FAULT_VFS_H
#define YIBAO_TESTS_FAULT_VFS_H

#include <stdbool.h>

enum fault_mode { FAULT_COUNT = 0, FAULT_ERROR, FAULT_CRASH, FAULT_POWER };

#define FAULT_CRASH_EXIT 86 /* exit status of a crashed process */

/* Registers the VFS as SQLite's default; 0, or -1. Call once, before any
 * connection is opened. */
int fault_vfs_install(void);
/* From now: count points, and at point n (>= 1; 0: never) inject mode. */
void fault_vfs_arm(enum fault_mode mode, long n);
/* Stops injecting (counting goes on until the next arm); returns the
 * points seen since the arm. */
long fault_vfs_disarm(void);
/* Points seen since the last arm. */
long fault_vfs_points(void);
/* Whether the armed point was reached (an error injected). */
bool fault_vfs_fired(void);
/* The injected point, e.g. "sync s.db-wal" ("" when none). */
const char *fault_vfs_what(void);
/* At a crash, "! POINT\n" (the point, as fault_vfs_what) is written to fd
 * first (-1: nowhere): the parent of a crashed child learns where. */
void fault_vfs_report_to(int fd);
/* Crashes now as mode (FAULT_CRASH or FAULT_POWER) would: never returns. */
_Noreturn void fault_vfs_crash_now(enum fault_mode mode);

#endif
