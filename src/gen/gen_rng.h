/* gen_rng.h: the generator's own pseudo-random numbers.
 *
 * xoshiro256** seeded through splitmix64. Every person, plan and bill gets
 * its own stream keyed by (seed, purpose, index, sub-index), so that any of
 * them can be recomputed alone and in any order. Never rand(). */
#ifndef YIBAO_GEN_RNG_H
#define YIBAO_GEN_RNG_H

#include <stdbool.h>
#include <stdint.h>

/* Purposes: keep distinct so that streams never coincide. */
enum gen_stream_id {
    GEN_RNG_PERSON = 1,
    GEN_RNG_PLAN = 2,
    GEN_RNG_LINES = 3,
    GEN_RNG_INSTITUTION = 4,
    GEN_RNG_CATALOG = 5,
    GEN_RNG_REGISTRY = 6,
    GEN_RNG_ENROL = 7,    /* a person row's episodes (gen_enrol.c) */
    GEN_RNG_EMPLOYER = 8, /* an employer's name and flag */
    GEN_RNG_FAMILY = 9,   /* a household's bindings */
    GEN_RNG_WAGES = 10,   /* a person row's monthly wages */
};

struct gen_rng {
    uint64_t s[4];
};

uint64_t gen_splitmix64(uint64_t *state);
void gen_rng_seed(struct gen_rng *rng, uint64_t seed, uint64_t purpose, uint64_t index,
                  uint64_t sub);
uint64_t gen_rng_next(struct gen_rng *rng);
/* Uniform in [0, 1) with 53 random bits. */
double gen_rng_uniform(struct gen_rng *rng);
/* Uniform integer in [0, n), n > 0: multiply-shift for n <= 1e6 (relative
 * bias below 2.3e-4), exact rejection above. */
uint64_t gen_rng_below(struct gen_rng *rng, uint64_t n);
/* Uniform integer in [lo, hi]. */
int64_t gen_rng_range(struct gen_rng *rng, int64_t lo, int64_t hi);
/* True with probability ppm / 1e6. */
bool gen_rng_chance_ppm(struct gen_rng *rng, uint32_t ppm);
/* Standard normal (Box-Muller, one value per call). */
double gen_rng_normal(struct gen_rng *rng);
/* exp(N(ln median, sigma)). */
double gen_rng_lognormal(struct gen_rng *rng, double median, double sigma);
/* Poisson(mean); mean >= 0. */
uint32_t gen_rng_poisson(struct gen_rng *rng, double mean);
/* Index i with probability weights[i] / sum; n > 0 and sum > 0. */
int gen_rng_weighted(struct gen_rng *rng, const uint32_t *weights, int n);

#endif
