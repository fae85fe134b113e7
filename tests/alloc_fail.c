/* alloc_fail.c: the wrappers behind alloc_fail.h. The linker's
 * --wrap=malloc makes every reference to malloc in the linked objects call
 * __wrap_malloc, and __real_malloc the C library's (or the sanitizer's)
 * malloc; likewise for calloc, realloc, strdup and strndup. Each wrapper
 * asks should_fail() first, which counts the call while armed. */
#include "alloc_fail.h"

#include <assert.h>
#include <errno.h>
#include <execinfo.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#define TRACE_FRAMES_MAX 24 /* ALLOC_FAIL_TRACE: frames printed per failure */

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *ptr, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *ptr, size_t size);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static atomic_bool armed;
static atomic_long calls;   /* allocations seen since arming */
static atomic_long fail_at; /* the call that fails; 0: none */
static atomic_bool fired;

void alloc_fail_arm(long n) {
    assert(n >= 0);
    atomic_store(&armed, false);
    atomic_store(&calls, 0);
    atomic_store(&fired, false);
    atomic_store(&fail_at, n);
    atomic_store(&armed, true);
    assert(atomic_load(&calls) == 0);
}

long alloc_fail_disarm(void) {
    atomic_store(&armed, false);
    atomic_store(&fail_at, 0);
    long seen = atomic_load(&calls);
    assert(seen >= 0);
    return seen;
}

bool alloc_fail_fired(void) { return atomic_load(&fired); }

/* Counts one allocation; true when it is the one to fail. */
static bool should_fail(void) {
    if (!atomic_load(&armed)) return false;
    long k = atomic_fetch_add(&calls, 1) + 1;
    long n = atomic_load(&fail_at);
    if (n == 0 || k != n) return false;
    atomic_store(&fired, true);
    if (getenv("ALLOC_FAIL_TRACE") != NULL) {
        /* where the failed call came from, on stderr (addr2line or the
         * sanitizer build's symbols turn it into lines) */
        void *frames[TRACE_FRAMES_MAX];
        int depth = backtrace(frames, TRACE_FRAMES_MAX);
        assert(depth > 0);
        backtrace_symbols_fd(frames, depth, STDERR_FILENO);
        if (write(STDERR_FILENO, "--\n", 3) != 3) { /* a trace only: nothing to do */
        }
    }
    errno = ENOMEM;
    return true;
}

void *__wrap_malloc(size_t size) { return should_fail() ? NULL : __real_malloc(size); }

void *__wrap_calloc(size_t count, size_t size) {
    return should_fail() ? NULL : __real_calloc(count, size);
}

/* A failed realloc leaves ptr allocated, as the real one does. */
void *__wrap_realloc(void *ptr, size_t size) {
    return should_fail() ? NULL : __real_realloc(ptr, size);
}

char *__wrap_strdup(const char *s) { return should_fail() ? NULL : __real_strdup(s); }

char *__wrap_strndup(const char *s, size_t n) {
    return should_fail() ? NULL : __real_strndup(s, n);
}

/* ---- SQLite's allocations --------------------------------------------- */
static sqlite3_mem_methods sqlite_real; /* SQLite's own, saved by the hook */
static atomic_bool sqlite_on;

static void *sqlite_malloc(int size) {
    return atomic_load(&sqlite_on) && should_fail() ? NULL : sqlite_real.xMalloc(size);
}

static void *sqlite_realloc(void *ptr, int size) {
    return atomic_load(&sqlite_on) && should_fail() ? NULL : sqlite_real.xRealloc(ptr, size);
}

int alloc_fail_sqlite_hook(void) {
    assert(sqlite_real.xMalloc == NULL);
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_real) != SQLITE_OK) return -1;
    sqlite3_mem_methods hooked = sqlite_real;
    hooked.xMalloc = sqlite_malloc;
    hooked.xRealloc = sqlite_realloc;
    assert(sqlite_real.xMalloc != NULL && sqlite_real.xFree != NULL);
    return sqlite3_config(SQLITE_CONFIG_MALLOC, &hooked) == SQLITE_OK ? 0 : -1;
}

void alloc_fail_sqlite(bool on) { atomic_store(&sqlite_on, on); }
