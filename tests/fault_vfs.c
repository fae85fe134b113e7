/* fault_vfs.c: the fault-injection VFS of fault_vfs.h. Each open file of
 * ours is a struct ffile followed by the wrapped VFS's own file; every
 * method is forwarded, and the write points (xWrite, xSync, xTruncate of
 * a database, WAL or journal file) go through point(), which counts them
 * and injects the armed fault. For FAULT_POWER every write since the
 * file's last sync keeps an undo record (its offset, the file's size
 * before it, the bytes it overwrote); a crash applies them newest first,
 * with plain POSIX calls, which brings each file back to its last sync. */
#include "fault_vfs.h"

#include <assert.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PATHS_MAX 32       /* distinct database files written in a run */
#define PATH_BYTES_MAX 512 /* a database file's path */
#define WHAT_BYTES 600

struct ffile {
    sqlite3_file base;
    sqlite3_file *real; /* the wrapped VFS's file, right after this struct */
    int path_id;        /* -1: not counted (temporary files) */
};

/* An unsynced write (or truncate) of a file, undone at a power loss. */
struct undo {
    int path_id;
    sqlite3_int64 offset;
    sqlite3_int64 size_before;
    void *old;      /* the bytes overwritten inside the old size */
    size_t old_len; /* 0 when the write lay past the old end */
};

static struct {
    sqlite3_vfs vfs;
    sqlite3_vfs *real;
    sqlite3_io_methods methods;
    pthread_mutex_t lock;
    enum fault_mode mode;
    long arm_at;
    long points;
    bool fired;
    int report_fd;
    char what[WHAT_BYTES];
    char paths[PATHS_MAX][PATH_BYTES_MAX];
    int path_count;
    struct undo *undo;
    size_t undo_count, undo_cap;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER, .report_fd = -1};

static int path_id_of(const char *name) {
    if (name == NULL || strlen(name) >= PATH_BYTES_MAX) return -1;
    pthread_mutex_lock(&g.lock);
    int id = -1;
    for (int i = 0; i < g.path_count && id < 0; i++)
        if (strcmp(g.paths[i], name) == 0) id = i;
    if (id < 0 && g.path_count < PATHS_MAX) {
        id = g.path_count++;
        snprintf(g.paths[id], PATH_BYTES_MAX, "%s", name);
    }
    pthread_mutex_unlock(&g.lock);
    return id;
}

/* Undoes every unsynced write, newest first (FAULT_POWER); g.lock held. */
static void power_loss(void) {
    for (size_t i = g.undo_count; i-- > 0;) {
        const struct undo *u = &g.undo[i];
        int fd = open(g.paths[u->path_id], O_WRONLY);
        if (fd < 0) continue; /* deleted since: nothing of it is left to undo */
        if (u->old_len > 0 &&
            pwrite(fd, u->old, u->old_len, (off_t)u->offset) != (ssize_t)u->old_len)
            fprintf(stderr, "fault_vfs: cannot undo a write of %s\n", g.paths[u->path_id]);
        if (ftruncate(fd, (off_t)u->size_before) != 0)
            fprintf(stderr, "fault_vfs: cannot undo the size of %s\n", g.paths[u->path_id]);
        close(fd);
    }
}

_Noreturn void fault_vfs_crash_now(enum fault_mode mode) {
    pthread_mutex_lock(&g.lock); /* held until the end: no other thread writes again */
    if (mode == FAULT_POWER) power_loss();
    if (g.report_fd >= 0) {
        char line[WHAT_BYTES + 4];
        int len = snprintf(line, sizeof line, "! %s\n", g.what[0] ? g.what : "the end");
        if (len > 0 && write(g.report_fd, line, (size_t)len) != len) _exit(FAULT_CRASH_EXIT + 1);
    }
    _exit(FAULT_CRASH_EXIT);
}

/* Forgets the undo records of a file: it was synced (or deleted). g.lock held. */
static void undo_forget(int path_id) {
    size_t kept = 0;
    for (size_t i = 0; i < g.undo_count; i++) {
        if (g.undo[i].path_id == path_id) free(g.undo[i].old);
        else g.undo[kept++] = g.undo[i];
    }
    g.undo_count = kept;
}

/* Records what a write of len bytes at offset (or a truncate to offset,
 * len < 0) changes; g.lock held. */
static int undo_record(struct ffile *f, sqlite3_int64 offset, sqlite3_int64 len) {
    sqlite3_int64 size = 0;
    if (f->real->pMethods->xFileSize(f->real, &size) != SQLITE_OK) return -1;
    if (g.undo_count == g.undo_cap) {
        size_t cap = g.undo_cap ? 2 * g.undo_cap : 256;
        struct undo *more = realloc(g.undo, cap * sizeof *more);
        if (more == NULL) return -1;
        g.undo = more, g.undo_cap = cap;
    }
    sqlite3_int64 end = len < 0 ? size : offset + len;
    if (end > size) end = size;
    struct undo u = {f->path_id, offset, size, NULL, 0};
    if (end > offset) {
        u.old_len = (size_t)(end - offset);
        u.old = malloc(u.old_len);
        if (u.old == NULL ||
            f->real->pMethods->xRead(f->real, u.old, (int)u.old_len, offset) != SQLITE_OK) {
            free(u.old);
            return -1;
        }
    }
    g.undo[g.undo_count++] = u;
    return 0;
}

enum op { OP_WRITE, OP_SYNC, OP_TRUNCATE };

/* One write point: counts it; returns the error to inject, or SQLITE_OK
 * (then the caller does the operation, g.lock still held). */
static int point(struct ffile *f, enum op op, sqlite3_int64 offset, sqlite3_int64 len) {
    static const char *const names[] = {"write", "sync", "truncate"};
    static const int errors[] = {SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC, SQLITE_IOERR_TRUNCATE};
    pthread_mutex_lock(&g.lock);
    long n = ++g.points;
    if (n == g.arm_at && g.mode != FAULT_COUNT) {
        g.fired = true;
        snprintf(g.what, sizeof g.what, "%s %s", names[op], g.paths[f->path_id]);
        if (g.mode == FAULT_ERROR) return errors[op]; /* g.lock held: the caller lets go */
        pthread_mutex_unlock(&g.lock);
        fault_vfs_crash_now(g.mode);
    }
    if (g.mode == FAULT_POWER && op == OP_SYNC) undo_forget(f->path_id);
    if (g.mode == FAULT_POWER && op != OP_SYNC && undo_record(f, offset, len) != 0) {
        fprintf(stderr, "fault_vfs: cannot record an undo: power loss would be wrong\n");
        abort();
    }
    return SQLITE_OK;
}

/* ---- the file methods ------------------------------------------------------ */
#define REAL(file) (((struct ffile *)(file))->real)
#define RM(file) (REAL(file)->pMethods)

static int f_close(sqlite3_file *file) {
    int rc = RM(file)->xClose(REAL(file));
    file->pMethods = NULL;
    return rc;
}
static int f_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 off) {
    return RM(file)->xRead(REAL(file), buf, amt, off);
}
static int f_write(sqlite3_file *file, const void *buf, int amt, sqlite3_int64 off) {
    struct ffile *f = (struct ffile *)file;
    if (f->path_id < 0) return RM(file)->xWrite(REAL(file), buf, amt, off);
    int rc = point(f, OP_WRITE, off, amt);
    if (rc == SQLITE_OK) rc = RM(file)->xWrite(REAL(file), buf, amt, off);
    pthread_mutex_unlock(&g.lock);
    return rc;
}
static int f_truncate(sqlite3_file *file, sqlite3_int64 size) {
    struct ffile *f = (struct ffile *)file;
    if (f->path_id < 0) return RM(file)->xTruncate(REAL(file), size);
    int rc = point(f, OP_TRUNCATE, size, -1);
    if (rc == SQLITE_OK) rc = RM(file)->xTruncate(REAL(file), size);
    pthread_mutex_unlock(&g.lock);
    return rc;
}
static int f_sync(sqlite3_file *file, int flags) {
    struct ffile *f = (struct ffile *)file;
    if (f->path_id < 0) return RM(file)->xSync(REAL(file), flags);
    int rc = point(f, OP_SYNC, 0, 0);
    if (rc == SQLITE_OK) rc = RM(file)->xSync(REAL(file), flags);
    pthread_mutex_unlock(&g.lock);
    return rc;
}
static int f_file_size(sqlite3_file *file, sqlite3_int64 *size) {
    return RM(file)->xFileSize(REAL(file), size);
}
static int f_lock(sqlite3_file *file, int lock) { return RM(file)->xLock(REAL(file), lock); }
static int f_unlock(sqlite3_file *file, int lock) { return RM(file)->xUnlock(REAL(file), lock); }
static int f_check_lock(sqlite3_file *file, int *out) {
    return RM(file)->xCheckReservedLock(REAL(file), out);
}
static int f_file_control(sqlite3_file *file, int op, void *arg) {
    return RM(file)->xFileControl(REAL(file), op, arg);
}
static int f_sector_size(sqlite3_file *file) { return RM(file)->xSectorSize(REAL(file)); }
static int f_device(sqlite3_file *file) { return RM(file)->xDeviceCharacteristics(REAL(file)); }
static int f_shm_map(sqlite3_file *file, int page, int size, int extend, void volatile **out) {
    return RM(file)->xShmMap(REAL(file), page, size, extend, out);
}
static int f_shm_lock(sqlite3_file *file, int offset, int n, int flags) {
    return RM(file)->xShmLock(REAL(file), offset, n, flags);
}
static void f_shm_barrier(sqlite3_file *file) { RM(file)->xShmBarrier(REAL(file)); }
static int f_shm_unmap(sqlite3_file *file, int delete_flag) {
    return RM(file)->xShmUnmap(REAL(file), delete_flag);
}
static int f_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **out) {
    return RM(file)->xFetch(REAL(file), off, amt, out);
}
static int f_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p) {
    return RM(file)->xUnfetch(REAL(file), off, p);
}

/* ---- the VFS ----------------------------------------------------------------- */
static int f_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                  int *out_flags) {
    (void)vfs;
    struct ffile *f = (struct ffile *)file;
    f->real = (sqlite3_file *)(f + 1);
    int counted = SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL;
    f->path_id = (flags & counted) != 0 ? path_id_of(name) : -1;
    int rc = g.real->xOpen(g.real, name, f->real, flags, out_flags);
    file->pMethods = rc == SQLITE_OK && f->real->pMethods != NULL ? &g.methods : NULL;
    /* our methods are version 3: they forward the shm and fetch calls too */
    assert(file->pMethods == NULL || f->real->pMethods->iVersion >= 3);
    return rc;
}

static int f_delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
    (void)vfs;
    int id = path_id_of(name);
    pthread_mutex_lock(&g.lock);
    if (id >= 0) undo_forget(id);
    pthread_mutex_unlock(&g.lock);
    return g.real->xDelete(g.real, name, sync_dir);
}

int fault_vfs_install(void) {
    g.real = sqlite3_vfs_find(NULL);
    if (g.real == NULL) return -1;
    g.vfs = *g.real;
    g.vfs.zName = "fault";
    g.vfs.szOsFile = (int)sizeof(struct ffile) + g.real->szOsFile;
    g.vfs.xOpen = f_open;
    g.vfs.xDelete = f_delete;
    g.vfs.pNext = NULL;
    g.methods = (sqlite3_io_methods){3,           f_close,      f_read,         f_write,
                                     f_truncate,  f_sync,       f_file_size,    f_lock,
                                     f_unlock,    f_check_lock, f_file_control, f_sector_size,
                                     f_device,    f_shm_map,    f_shm_lock,     f_shm_barrier,
                                     f_shm_unmap, f_fetch,      f_unfetch};
    return sqlite3_vfs_register(&g.vfs, 1) == SQLITE_OK ? 0 : -1;
}

void fault_vfs_arm(enum fault_mode mode, long n) {
    assert(n >= 0);
    pthread_mutex_lock(&g.lock);
    for (size_t i = 0; i < g.undo_count; i++) free(g.undo[i].old);
    g.undo_count = 0;
    g.mode = mode;
    g.arm_at = n;
    g.points = 0;
    g.fired = false;
    g.what[0] = '\0';
    pthread_mutex_unlock(&g.lock);
}

long fault_vfs_disarm(void) {
    pthread_mutex_lock(&g.lock);
    long n = g.points;
    g.mode = FAULT_COUNT;
    g.arm_at = 0;
    for (size_t i = 0; i < g.undo_count; i++) free(g.undo[i].old);
    g.undo_count = 0;
    pthread_mutex_unlock(&g.lock);
    return n;
}

long fault_vfs_points(void) {
    pthread_mutex_lock(&g.lock);
    long n = g.points;
    pthread_mutex_unlock(&g.lock);
    return n;
}

bool fault_vfs_fired(void) {
    pthread_mutex_lock(&g.lock);
    bool fired = g.fired;
    pthread_mutex_unlock(&g.lock);
    return fired;
}

const char *fault_vfs_what(void) { return g.what; }

void fault_vfs_report_to(int fd) { g.report_fd = fd; }
