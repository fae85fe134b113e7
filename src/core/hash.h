/* hash.h: FNV-1a (64-bit), the one string hash of the project's in-memory
 * tables: codes, psn_nos, accounts, msgids are short ASCII strings. A seed
 * other than FNV_OFFSET keeps keys of different kinds (a person and a year
 * state of the same psn_no) apart. */
#ifndef YIBAO_HASH_H
#define YIBAO_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FNV_OFFSET 1469598103934665603ULL
#define FNV_PRIME 1099511628211ULL

static inline uint64_t fnv1a_bytes(uint64_t h, const void *data, size_t len) {
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

static inline uint64_t fnv1a_text(uint64_t h, const char *text) {
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) h = (h ^ *p) * FNV_PRIME;
    return h;
}

#endif
