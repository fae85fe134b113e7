/* alloc_fail.h: test-only allocation-failure injection. A test program
 * linked with ALLOC_FAIL_LDFLAGS (the Makefile's TEST_LDFLAGS_<name>)
 * has every malloc, calloc, realloc, strdup and strndup of its own and
 * libyibao's objects routed through tests/alloc_fail.c, which counts the
 * calls made while armed and fails (returns NULL, errno ENOMEM) exactly the
 * Nth one. Allocations inside shared libraries (libc's own, SQLite,
 * libpq, OpenSSL, libmicrohttpd) are not seen: the linker's --wrap only
 * redirects references from the objects it links. Thread-safe: the
 * counter is atomic, so allocations of threads the entry point starts
 * count as well while armed. */
#ifndef YIBAO_TESTS_ALLOC_FAIL_H
#define YIBAO_TESTS_ALLOC_FAIL_H

#include <stdbool.h>

/* Starts counting from zero; the nth allocation from now fails (n >= 1).
 * n = 0 counts without failing any. */
void alloc_fail_arm(long n);
/* Stops counting and failing; returns the number of allocations seen
 * since alloc_fail_arm (the failed one included). */
long alloc_fail_disarm(void);
/* Whether the armed failure was injected (the nth call happened). */
bool alloc_fail_fired(void);

/* SQLite allocates through its own malloc references, which --wrap does not
 * see; alloc_fail_sqlite_hook() installs SQLite memory methods
 * (SQLITE_CONFIG_MALLOC) that ask the same counter while alloc_fail_sqlite
 * (true) is in force. Call the hook before SQLite is first used; 0, or -1
 * when SQLite refused it. */
int alloc_fail_sqlite_hook(void);
void alloc_fail_sqlite(bool on);

#endif
