/* store.c: `yibao-bench store --db PATH [--n N] [--batch B]
 * [--threads T] [--persons P] [--policy F]... [--catalog F]` measures
 * durable settlements per second through the commit queue: T producer
 * threads keep 2*B requests in flight, the writer groups them into commits
 * of up to B. Bills are drawn up front from the store's registry (an empty
 * store first gets a synthetic one of P persons). Every counted settlement
 * was committed (fsync'd) before its answer came back. */
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

#define BENCH_POOL_BILLS 4096
#define BENCH_THREADS_MAX 16
#define BENCH_N_MAX 100000000LL

struct bench {
    struct commitq *q;
    struct bill *bills;
    struct bill_line *lines;
    char (*psn)[CODE_BYTES_MAX + 1];
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
        int bill = (int)((k * b->threads + p->id) % BENCH_POOL_BILLS);
        memset(r, 0, sizeof *r);
        r->op = STORE_OP_SETTLE;
        r->bill = &b->bills[bill];
        snprintf(r->psn_no, sizeof r->psn_no, "%s", b->psn[bill]);
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

static int make_pool(struct bench *b, struct store *store) {
    struct loadgen g;
    if (loadgen_init(&g, store) != 0) return -1;
    b->bills = calloc(BENCH_POOL_BILLS, sizeof *b->bills);
    b->lines = calloc((size_t)BENCH_POOL_BILLS * LOADGEN_LINES_MAX, sizeof *b->lines);
    b->psn = calloc(BENCH_POOL_BILLS, sizeof *b->psn);
    if (b->bills == NULL || b->lines == NULL || b->psn == NULL) {
        loadgen_free(&g);
        return fprintf(stderr, "yibao-bench: out of memory\n"), -1;
    }
    uint64_t rng = 2024;
    for (int i = 0; i < BENCH_POOL_BILLS; i++)
        loadgen_bill(&g, &rng, &b->bills[i], &b->lines[(size_t)i * LOADGEN_LINES_MAX], b->psn[i]);
    loadgen_free(&g);
    return 0;
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
           " refused in %.2f s = %.0f durable settlements/s (%" PRId64 " commits, %.1f per commit)\n",
           store_ops(store)->name, batch, b->threads, b->done, b->refused, elapsed,
           (double)b->done / elapsed, batches, batches ? (double)requests / (double)batches : 0.0);
    return b->failed == 0 && started == b->threads ? 0 : EXIT_CHECK_FAILED;
}

int bench_store(int argc, char **argv) {
    const char *db = NULL, *n = NULL, *batch = NULL, *threads = NULL, *persons = NULL;
    const char *catalog = NULL, *policy = NULL, *policies[LOADGEN_POLICIES_MAX];
    int policy_count = 0;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &db, &bad) || cli_option(argc, argv, &i, "--n", &n, &bad) ||
            cli_option(argc, argv, &i, "--batch", &batch, &bad) ||
            cli_option(argc, argv, &i, "--threads", &threads, &bad) ||
            cli_option(argc, argv, &i, "--persons", &persons, &bad) ||
            cli_option(argc, argv, &i, "--catalog", &catalog, &bad))
            continue;
        if (cli_option(argc, argv, &i, "--policy", &policy, &bad) && policy_count < LOADGEN_POLICIES_MAX)
            policies[policy_count++] = policy;
        else bad = true;
    }
    long long nv = 100000, bv = 256, tv = 2, pv = 100000;
    if (bad || db == NULL || (n && !cli_positive("--n", n, BENCH_N_MAX, &nv)) ||
        (batch && !cli_positive("--batch", batch, BATCH_MAX, &bv)) ||
        (threads && !cli_positive("--threads", threads, BENCH_THREADS_MAX, &tv)) ||
        (persons && !cli_positive("--persons", persons, 100000000, &pv))) {
        fprintf(stderr, "usage: yibao-bench store --db PATH [--n N] [--batch B] [--threads T]"
                        " [--persons P] [--policy F]... [--catalog F]\n");
        return EXIT_BAD_INPUT;
    }
    static char defaults[3][4096];
    const char *root = getenv("YIBAO_ROOT") ? getenv("YIBAO_ROOT") : ".";
    if (policy_count == 0) {
        snprintf(defaults[0], sizeof defaults[0], "%s/tests/vectors/policies/maoming-2020-employee.json", root);
        snprintf(defaults[1], sizeof defaults[1], "%s/tests/vectors/policies/maoming-2020-resident.json", root);
        policies[0] = defaults[0], policies[1] = defaults[1], policy_count = 2;
    }
    if (catalog == NULL) {
        snprintf(defaults[2], sizeof defaults[2], "%s/tests/vectors/catalog.json", root);
        catalog = defaults[2];
    }
    struct store *store = store_cli_open(db);
    if (store == NULL) return EXIT_BAD_INPUT;
    const char *tmp = getenv("TMPDIR");
    char dirbuf[4096];
    snprintf(dirbuf, sizeof dirbuf, "%s/yibao-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    struct bench b;
    memset(&b, 0, sizeof b);
    b.n = nv, b.threads = (int)tv, b.window = 2 * bv / tv + 1, b.stamp = store_now_us();
    int rc = EXIT_BAD_INPUT;
    char *made = mkdtemp(dirbuf);
    if (made != NULL && stress_prepare(store, made, pv, policies, policy_count, catalog) == 0 &&
        make_pool(&b, store) == 0)
        rc = run_bench(&b, store, bv);
    if (made != NULL) {
        char path[4200];
        snprintf(path, sizeof path, "%s/persons.csv", made);
        unlink(path);
        snprintf(path, sizeof path, "%s/institutions.csv", made);
        unlink(path);
        rmdir(made);
    }
    free(b.bills);
    free(b.lines);
    free(b.psn);
    store_close(store);
    return rc;
}
