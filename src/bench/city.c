/* city.c: the synthetic city that `store` and `stress` settle against (see
 * bench.h): its registry imported into an empty store, and a pool of its
 * year's first bills drawn up front, all from the generator (src/gen). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "gen/gen.h"

void bench_default_files(struct bench_files *f) {
    assert(f->policy_count >= 0 && f->policy_count <= BENCH_POLICIES_MAX);
    const char *root = getenv("YIBAO_ROOT");
    if (root == NULL || root[0] == '\0') root = ".";
    if (f->policy_count == 0) {
        snprintf(f->paths[0], sizeof f->paths[0],
                 "%s/tests/vectors/policies/maoming-2020-employee.json", root);
        snprintf(f->paths[1], sizeof f->paths[1],
                 "%s/tests/vectors/policies/maoming-2020-resident.json", root);
        f->policies[0] = f->paths[0];
        f->policies[1] = f->paths[1];
        f->policy_count = 2;
    }
    if (f->catalog == NULL) {
        snprintf(f->paths[2], sizeof f->paths[2], "%s/tests/vectors/catalog.json", root);
        f->catalog = f->paths[2];
    }
}

int bench_city_open(struct bench_city *c, int64_t persons, uint64_t seed, int bills) {
    assert(bills > 0 && persons > 0);
    memset(c, 0, sizeof *c);
    struct gen_config config;
    char err[GEN_ERR_BYTES];
    gen_config_defaults(&config);
    config.persons = persons;
    config.seed = seed;
    if (gen_city_open(&config, &c->city, err, sizeof err) != 0)
        return fprintf(stderr, "yibao-bench: the city: %s\n", err), -1;
    struct gen_stream *stream = NULL;
    struct gen_bill_out *out = malloc(sizeof *out);
    size_t *first = calloc((size_t)bills, sizeof *first), used = 0;
    c->bills = calloc((size_t)bills, sizeof *c->bills);
    c->psn = calloc((size_t)bills, sizeof *c->psn);
    c->lines = malloc((size_t)bills * 8 * sizeof *c->lines); /* grown as needed */
    size_t cap = (size_t)bills * 8;
    int rc = out && first && c->bills && c->psn && c->lines &&
                     gen_stream_open(c->city, &stream) == 0
                 ? 1
                 : -1;
    while (rc == 1 && c->bill_count < bills && (rc = gen_next_bill(stream, out)) == 1) {
        size_t n = (size_t)out->bill.line_count;
        if (used + n > cap) {
            struct bill_line *grown = realloc(c->lines, (cap + cap / 2 + n) * sizeof *grown);
            if (grown == NULL) {
                rc = -1;
                break;
            }
            c->lines = grown, cap += cap / 2 + n;
        }
        memcpy(&c->lines[used], out->lines, n * sizeof *c->lines);
        first[c->bill_count] = used, used += n;
        c->bills[c->bill_count] = out->bill;
        snprintf(c->psn[c->bill_count++], sizeof c->psn[0], "%s", out->psn_no);
    }
    for (int i = 0; i < c->bill_count; i++) c->bills[i].lines = &c->lines[first[i]];
    gen_stream_close(stream);
    free(out);
    free(first);
    if (rc < 0 || c->bill_count == 0) {
        fprintf(stderr, "yibao-bench: the city: %s\n", rc < 0 ? "out of memory" : "no bills");
        bench_city_close(c);
        return -1;
    }
    return 0;
}

void bench_city_close(struct bench_city *c) {
    if (c->city) gen_city_close(c->city);
    free(c->bills);
    free(c->lines);
    free(c->psn);
    memset(c, 0, sizeof *c);
}

static int import_one(struct store *store, const char *kind, const char *path) {
    struct store_err err = {{0}};
    int64_t rows = 0;
    if (store_import(store, kind, path, &rows, &err) != 0)
        return fprintf(stderr, "yibao-bench: import %s: %s\n", kind, err.msg), -1;
    return 0;
}

static int count_person(void *ctx, const struct store_person *p) {
    (void)p;
    (*(int *)ctx)++;
    return 0;
}

int bench_city_registry(const struct bench_city *c, struct store *store, const char *dir,
                        const struct bench_files *files) {
    assert(c->city != NULL && files->policy_count > 0 && files->catalog != NULL);
    int n = 0;
    struct store_err err = {{0}};
    if (store_ops(store)->persons_scan(store_conn(store), 1, count_person, &n, &err) != 0)
        return fprintf(stderr, "yibao-bench: %s\n", err.msg), -1;
    if (n > 0) return 0;
    if (dir == NULL)
        return fprintf(
                   stderr,
                   "yibao-bench: the store has no persons (give --setup DIR to create a registry)\n"),
               -1;
    char gen_err[GEN_ERR_BYTES], path[BENCH_PATH_BYTES];
    if (gen_write_city(c->city, dir, true, NULL, gen_err, sizeof gen_err) != 0)
        return fprintf(stderr, "yibao-bench: the city's registry: %s\n", gen_err), -1;
    for (int i = 0; i < files->policy_count; i++)
        if (import_one(store, "policy", files->policies[i]) != 0) return -1;
    if (import_one(store, "catalog", files->catalog) != 0) return -1;
    snprintf(path, sizeof path, "%s/institutions.csv", dir);
    if (import_one(store, "institutions", path) != 0) return -1;
    snprintf(path, sizeof path, "%s/persons.csv", dir);
    return import_one(store, "persons", path);
}
