/* store.c: `yibao-bench store --db PATH [--n N] [--batch B]
 * [--threads T] [--persons P] [--seed S] [--policy F]... [--catalog F]`
 * measures durable settlements per second through the commit queue: T
 * producer threads keep 2*B requests in flight, the writer groups them into
 * commits of up to B. The bills are the first BENCH_POOL_BILLS of the year of
 * a synthetic city of P persons (src/gen, seed S), drawn up front and
 * settled round; an empty store first gets that city's registry, a store
 * with persons must hold it (`yibao gen city --persons P --seed S
 * --registry-only`, imported). Every counted settlement was committed
 * (fsync'd) before its answer came back. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "cli/common.h"
#include "cli/store_cli.h"
#include "gen/gen.h"

#define BENCH_POOL_BILLS 4096
#define BENCH_THREADS_MAX 16
#define BENCH_N_MAX 100000000LL

struct bench {
    struct commitq *q;
    const struct bench_city *city;
    long long n, window;
    int threads;
    int64_t stamp;
    int64_t done, refused, failed;
    pthread_mutex_t lock;
};

struct producer {
    struct bench *b;
    int id;
};

static double mono_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void tally(const struct store_req *r, int64_t *d, int64_t *rf, int64_t *f) {
    if (r->status == STORE_DONE) (*d)++;
    else if (r->status == STORE_REFUSED) (*rf)++;
    else if ((*f)++ == 0) fprintf(stderr, "yibao-bench: %s\n", r->err.msg);
}

static void *producer_main(void *arg) {
    struct producer *p = arg;
    struct bench *b = p->b;
    long long share = b->n / b->threads + (p->id < b->n % b->threads ? 1 : 0);
    long long window = b->window;
    struct store_req *reqs = calloc((size_t)window, sizeof *reqs);
    int64_t done = 0, refused = 0, failed = 0;
    if (reqs == NULL) return NULL;
    for (long long k = 0; k < share; k++) {
        struct store_req *r = &reqs[k % window];
        if (k >= window) {
            commitq_wait(b->q, r);
            tally(r, &done, &refused, &failed);
        }
        int bill = (int)((k * b->threads + p->id) % b->city->bill_count);
        memset(r, 0, sizeof *r);
        r->op = STORE_OP_SETTLE;
        r->bill = &b->city->bills[bill];
        snprintf(r->psn_no, sizeof r->psn_no, "%s", b->city->psn[bill]);
        snprintf(r->msgid, sizeof r->msgid, "b%" PRId64 "-%d-%lld", b->stamp, p->id, k);
        commitq_submit(b->q, r);
    }
    for (long long k = share > window ? share - window : 0; k < share; k++) {
        commitq_wait(b->q, &reqs[k % window]);
        tally(&reqs[k % window], &done, &refused, &failed);
    }
    free(reqs);
    pthread_mutex_lock(&b->lock);
    b->done += done, b->refused += refused, b->failed += failed;
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

static int run_bench(struct bench *b, struct store *store, long long batch) {
    struct store_err err = {{0}};
    if (commitq_start(store, (int)batch, &b->q, &err) != 0)
        return fprintf(stderr, "yibao-bench: %s\n", err.msg), EXIT_BAD_INPUT;
    pthread_mutex_init(&b->lock, NULL);
    struct producer prod[BENCH_THREADS_MAX];
    pthread_t tid[BENCH_THREADS_MAX];
    double start = mono_now();
    int started = 0;
    for (int t = 0; t < b->threads; t++) {
        prod[t].b = b;
        prod[t].id = t;
        if (pthread_create(&tid[t], NULL, producer_main, &prod[t]) == 0) started++;
    }
    for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
    double elapsed = mono_now() - start;
    int64_t batches = 0, requests = 0;
    commitq_stats(b->q, &batches, &requests);
    commitq_stop(b->q);
    pthread_mutex_destroy(&b->lock);
    printf("bench store: backend %s, batch %lld, threads %d: %" PRId64 " settled + %" PRId64
           " refused in %.2f s = %.0f durable settlements/s (%" PRId64
           " commits, %.1f per commit)\n",
           store_ops(store)->name, batch, b->threads, b->done, b->refused, elapsed,
           (double)b->done / elapsed, batches, batches ? (double)requests / (double)batches : 0.0);
    return b->failed == 0 && started == b->threads ? 0 : EXIT_CHECK_FAILED;
}

/* Options; false after printing the usage. */
static bool parse(int argc, char **argv, const char **db, long long v[5],
                  struct bench_files *files) {
    const char *n = NULL, *batch = NULL, *threads = NULL, *persons = NULL, *seed = NULL,
               *policy = NULL;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", db, &bad) ||
            cli_option(argc, argv, &i, "--n", &n, &bad) ||
            cli_option(argc, argv, &i, "--batch", &batch, &bad) ||
            cli_option(argc, argv, &i, "--threads", &threads, &bad) ||
            cli_option(argc, argv, &i, "--persons", &persons, &bad) ||
            cli_option(argc, argv, &i, "--seed", &seed, &bad) ||
            cli_option(argc, argv, &i, "--catalog", &files->catalog, &bad))
            continue;
        if (cli_option(argc, argv, &i, "--policy", &policy, &bad) &&
            files->policy_count < BENCH_POLICIES_MAX)
            files->policies[files->policy_count++] = policy;
        else bad = true;
    }
    if (bad || *db == NULL || (n && !cli_positive("--n", n, BENCH_N_MAX, &v[0])) ||
        (batch && !cli_positive("--batch", batch, BATCH_MAX, &v[1])) ||
        (threads && !cli_positive("--threads", threads, BENCH_THREADS_MAX, &v[2])) ||
        (persons && !cli_positive("--persons", persons, GEN_PERSONS_MAX, &v[3])) ||
        (seed && !cli_positive("--seed", seed, INT64_MAX / 2, &v[4]))) {
        fprintf(stderr, "usage: yibao-bench store --db PATH [--n N] [--batch B] [--threads T]"
                        " [--persons P] [--seed S] [--policy F]... [--catalog F]\n");
        return false;
    }
    bench_default_files(files);
    return true;
}

/* Removes what bench_city_registry wrote into dir, and dir. */
static void remove_setup(const char *dir) {
    static const char *const files[] = {"persons.csv", "institutions.csv", "labels.jsonl"};
    char path[BENCH_PATH_BYTES + 32];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

int bench_store(int argc, char **argv) {
    const char *db = NULL;
    long long v[5] = {100000, 256, 2, 100000, BENCH_CITY_SEED}; /* n batch threads persons seed */
    static struct bench_files files;
    if (!parse(argc, argv, &db, v, &files)) return EXIT_BAD_INPUT;
    struct store *store = store_cli_open(db, STORE_MODE_CREATE);
    if (store == NULL) return EXIT_BAD_INPUT;
    const char *tmp = getenv("TMPDIR");
    char dirbuf[BENCH_PATH_BYTES];
    snprintf(dirbuf, sizeof dirbuf, "%s/yibao-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    struct bench_city city;
    struct bench b;
    memset(&b, 0, sizeof b);
    b.n = v[0], b.threads = (int)v[2], b.window = 2 * v[1] / v[2] + 1, b.stamp = store_now_us();
    b.city = &city;
    int rc = EXIT_BAD_INPUT;
    char *made = mkdtemp(dirbuf);
    if (made == NULL) fprintf(stderr, "yibao-bench: %s: cannot create\n", dirbuf);
    else if (bench_city_open(&city, v[3], (uint64_t)v[4], BENCH_POOL_BILLS) == 0) {
        if (bench_city_registry(&city, store, made, &files) == 0) rc = run_bench(&b, store, v[1]);
        bench_city_close(&city);
    }
    if (made != NULL) remove_setup(made);
    store_close(store);
    return rc;
}
