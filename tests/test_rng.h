/* test_rng.h: the property tests' random numbers (test_contrib, test_payment):
 * xorshift64*, reproducible from the seed the including test defines as
 * TEST_RNG_SEED before including it; not cryptographic. Also the spec's
 * mul(x, r) computed apart from money.c, for the tests to compare with. */
#ifndef YIBAO_TEST_RNG_H
#define YIBAO_TEST_RNG_H

#include <stdint.h>

#ifndef TEST_RNG_SEED
#error "define TEST_RNG_SEED before including test_rng.h"
#endif

static uint64_t rng_state = TEST_RNG_SEED;
static uint64_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}
static int64_t rnd_to(int64_t max) { return (int64_t)(rnd() % (uint64_t)(max + 1)); }

/* The spec's mul(x, r): x times r basis points, half up. */
static int64_t ref_mul(int64_t x, int64_t r) { return (int64_t)(((__int128)x * r + 5000) / 10000); }

#endif
