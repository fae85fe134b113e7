/* gen_rng.c: xoshiro256** streams and the few distributions the generator
 * draws from (uniform, normal, log-normal, Poisson, weighted choice). */
#include "gen/gen_rng.h"

#include <math.h>

#define GEN_PI 3.14159265358979323846
#define POISSON_KNUTH_MEAN_MAX 30.0
#define SMALL_RANGE_MAX 1000000u

uint64_t gen_splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void gen_rng_seed(struct gen_rng *rng, uint64_t seed, uint64_t purpose, uint64_t index,
                  uint64_t sub) {
    uint64_t state = seed;
    uint64_t key = gen_splitmix64(&state);
    state = key ^ (purpose * 0xD1B54A32D192ED03ULL);
    key = gen_splitmix64(&state);
    state = key ^ (index * 0x8CB92BA72F3D8DD7ULL);
    key = gen_splitmix64(&state);
    state = key ^ (sub * 0xABC98388FB8FAC03ULL);
    for (int i = 0; i < 4; i++) rng->s[i] = gen_splitmix64(&state);
    if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0) rng->s[0] = 1;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t gen_rng_next(struct gen_rng *rng) {
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double gen_rng_uniform(struct gen_rng *rng) {
    return (double)(gen_rng_next(rng) >> 11) * 0x1.0p-53;
}

uint64_t gen_rng_below(struct gen_rng *rng, uint64_t n) {
    if (n <= SMALL_RANGE_MAX) /* multiply-shift: bias below n / 2^32, at most 2e-4 */
        return ((gen_rng_next(rng) >> 32) * n) >> 32;
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = gen_rng_next(rng);
    } while (x >= limit);
    return x % n;
}

int64_t gen_rng_range(struct gen_rng *rng, int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    return lo + (int64_t)gen_rng_below(rng, (uint64_t)(hi - lo) + 1);
}

bool gen_rng_chance_ppm(struct gen_rng *rng, uint32_t ppm) {
    if (ppm == 0) return false;
    return ((gen_rng_next(rng) >> 32) * 1000000u) >> 32 < ppm;
}

double gen_rng_normal(struct gen_rng *rng) {
    double u1 = 1.0 - gen_rng_uniform(rng); /* (0, 1] */
    double u2 = gen_rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * GEN_PI * u2);
}

double gen_rng_lognormal(struct gen_rng *rng, double median, double sigma) {
    return median * exp(sigma * gen_rng_normal(rng));
}

uint32_t gen_rng_poisson(struct gen_rng *rng, double mean) {
    if (mean <= 0.0) return 0;
    if (mean > POISSON_KNUTH_MEAN_MAX) {
        double x = mean + sqrt(mean) * gen_rng_normal(rng) + 0.5;
        return x < 0.0 ? 0u : (uint32_t)x;
    }
    double limit = exp(-mean), p = 1.0;
    uint32_t k = 0;
    for (;;) {
        p *= gen_rng_uniform(rng);
        if (p <= limit) return k;
        k++;
    }
}

int gen_rng_weighted(struct gen_rng *rng, const uint32_t *weights, int n) {
    uint64_t sum = 0;
    for (int i = 0; i < n; i++) sum += weights[i];
    if (sum == 0) return 0;
    uint64_t x = gen_rng_below(rng, sum);
    for (int i = 0; i < n; i++) {
        if (x < weights[i]) return i;
        x -= weights[i];
    }
    return n - 1;
}
