/* stress.c: `yibao-bench stress`, the store's crash-test driver
 * (tests/t_store_crash.sh, tests/t_store_tamper.sh).
 *
 *   yibao-bench stress store --db PATH [--threads T] [--seconds S] [--run R]
 *                      [--batch B] [--setup DIR] [--policy F]... [--catalog F]
 *   yibao-bench stress verify --db PATH ACKS
 *
 * `store` runs T threads of random settlements, revokes of their own
 * earlier settlements and idempotent replays through one commit queue. A
 * line "S msgid setl_id" or "R msgid setl_id" is written to stdout (one
 * write(2) each) only after the commit returned, so the lines are exactly
 * the acknowledged transactions even when the process is SIGKILLed. The
 * bills are the first STRESS_POOL_BILLS of the year of a synthetic city of
 * STRESS_PERSONS persons (src/gen); with --setup DIR an empty store first
 * gets that city's registry (written into DIR and imported). `verify`
 * checks that every acknowledged line is in the journal exactly as
 * acknowledged. */
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
#include "gen/gen_rng.h"

#define STRESS_THREADS_MAX 64
#define STRESS_OPEN_MAX 1024 /* a thread's settlements it may still revoke */
#define STRESS_LINE_BYTES 256
#define STRESS_PERSONS 2000
#define STRESS_POOL_BILLS 4096
#define STRESS_RUN_MAX 1000000000LL
#define STRESS_SECONDS_MAX 86400

struct stress {
    struct store *store;
    struct commitq *q;
    struct bench_city city;
    long long run, seconds;
    double deadline;
    int failures;
    pthread_mutex_t lock;
};

struct worker {
    struct stress *s;
    int id;
    uint64_t rng;
    int64_t open[STRESS_OPEN_MAX];
    int open_count;
    struct store_req req, replay;
    int last_bill; /* pool index of the last settlement */
    int64_t last_setl_id;
};

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void ack(char kind, const char *msgid, int64_t setl_id) {
    char line[STRESS_LINE_BYTES];
    int n = snprintf(line, sizeof line, "%c %s %" PRId64 "\n", kind, msgid, setl_id);
    if (n > 0 && write(STDOUT_FILENO, line, (size_t)n) != n) perror("yibao-bench stress: write");
}

static void fail(struct worker *w, const char *what, const struct store_req *r) {
    pthread_mutex_lock(&w->s->lock);
    w->s->failures++;
    fprintf(stderr, "yibao-bench stress: %s: msgid %s status %d error %s %s\n", what, r->msgid,
            (int)r->status, r->error ? r->error : "-", r->err.msg);
    pthread_mutex_unlock(&w->s->lock);
}

static void do_settle(struct worker *w, long long k) {
    const struct bench_city *city = &w->s->city;
    int bill = (int)(gen_splitmix64(&w->rng) % (uint64_t)city->bill_count);
    struct store_req *r = &w->req;
    memset(r, 0, sizeof *r);
    snprintf(r->psn_no, sizeof r->psn_no, "%s", city->psn[bill]);
    r->op = STORE_OP_SETTLE;
    r->bill = &city->bills[bill];
    snprintf(r->msgid, sizeof r->msgid, "r%lld-t%d-%lld", w->s->run, w->id, k);
    commitq_call(w->s->q, r);
    if (r->status == STORE_FAILED) return fail(w, "settle failed", r);
    if (r->status != STORE_DONE) return; /* a refusal changes nothing */
    ack('S', r->msgid, r->result_setl_id);
    if (w->open_count < STRESS_OPEN_MAX) w->open[w->open_count++] = r->result_setl_id;
    w->last_bill = bill;
    w->last_setl_id = r->result_setl_id;
    snprintf(w->replay.msgid, sizeof w->replay.msgid, "%s", r->msgid);
}

static void do_revoke(struct worker *w, long long k) {
    int pick = (int)(gen_splitmix64(&w->rng) % (uint64_t)w->open_count);
    struct store_req *r = &w->req;
    memset(r, 0, sizeof *r);
    r->op = STORE_OP_REVOKE;
    r->setl_id = w->open[pick];
    w->open[pick] = w->open[--w->open_count];
    snprintf(r->msgid, sizeof r->msgid, "r%lld-t%d-%lld-v", w->s->run, w->id, k);
    commitq_call(w->s->q, r);
    if (r->status == STORE_DONE) ack('R', r->msgid, r->setl_id);
    else fail(w, "revoke not done", r);
}

static void do_replay(struct worker *w) {
    struct store_req *r = &w->replay;
    char msgid[MSGID_BYTES_MAX + 1];
    snprintf(msgid, sizeof msgid, "%s", r->msgid);
    memset(r, 0, sizeof *r);
    snprintf(r->msgid, sizeof r->msgid, "%s", msgid);
    snprintf(r->psn_no, sizeof r->psn_no, "%s", w->s->city.psn[w->last_bill]);
    r->op = STORE_OP_SETTLE;
    r->bill = &w->s->city.bills[w->last_bill];
    commitq_call(w->s->q, r);
    if (r->status != STORE_DONE || !r->replayed || r->result_setl_id != w->last_setl_id)
        fail(w, "replay did not return the first answer", r);
}

static void *worker_main(void *arg) {
    struct worker *w = arg;
    for (long long k = 0; w->s->seconds == 0 || mono_s() < w->s->deadline; k++) {
        uint64_t roll = gen_splitmix64(&w->rng) % 10;
        if (roll < 2 && w->open_count > 0) do_revoke(w, k);
        else if (roll == 2 && w->last_setl_id > 0) do_replay(w);
        else do_settle(w, k);
    }
    return NULL;
}

/* ---- options ---------------------------------------------------------------------- */
struct stress_opts {
    const char *db, *setup, *acks;
    struct bench_files files;
    long long threads, seconds, run, batch, checkpoint_every;
};

static int parse_opts(int argc, char **argv, struct stress_opts *o) {
    bool bad = false;
    const char *threads = NULL, *seconds = NULL, *run = NULL, *batch = NULL, *policy = NULL;
    const char *every = NULL;
    for (int i = 2; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &o->db, &bad) ||
            cli_option(argc, argv, &i, "--setup", &o->setup, &bad) ||
            cli_option(argc, argv, &i, "--catalog", &o->files.catalog, &bad) ||
            cli_option(argc, argv, &i, "--threads", &threads, &bad) ||
            cli_option(argc, argv, &i, "--seconds", &seconds, &bad) ||
            cli_option(argc, argv, &i, "--run", &run, &bad) ||
            cli_option(argc, argv, &i, "--batch", &batch, &bad) ||
            cli_option(argc, argv, &i, "--checkpoint-every", &every, &bad))
            continue;
        if (cli_option(argc, argv, &i, "--policy", &policy, &bad)) {
            if (o->files.policy_count == BENCH_POLICIES_MAX) bad = true;
            else o->files.policies[o->files.policy_count++] = policy;
        } else if (argv[i][0] != '-' && o->acks == NULL) {
            o->acks = argv[i];
        } else {
            fprintf(stderr, "yibao-bench stress: unexpected argument '%s'\n", argv[i]);
            bad = true;
        }
    }
    if (!bad && threads && !cli_positive("--threads", threads, STRESS_THREADS_MAX, &o->threads))
        bad = true;
    if (!bad && seconds && !cli_positive("--seconds", seconds, STRESS_SECONDS_MAX, &o->seconds))
        bad = true;
    if (!bad && run && !cli_positive("--run", run, STRESS_RUN_MAX, &o->run)) bad = true;
    if (!bad && batch && !cli_positive("--batch", batch, BATCH_MAX, &o->batch)) bad = true;
    if (!bad && every &&
        !cli_positive("--checkpoint-every", every, CHECKPOINT_RECORDS_MAX, &o->checkpoint_every))
        bad = true;
    bench_default_files(&o->files);
    return bad || o->db == NULL ? -1 : 0;
}

static int run_store(struct stress_opts *o) {
    struct stress s;
    memset(&s, 0, sizeof s);
    s.run = o->run ? o->run : 1;
    s.seconds = o->seconds;
    s.store = store_cli_open(o->db, STORE_MODE_CREATE);
    if (s.store == NULL) return EXIT_BAD_INPUT;
    struct store_err err = {{0}};
    int threads = o->threads ? (int)o->threads : 4;
    struct worker *w = calloc((size_t)threads, sizeof *w);
    pthread_t tid[STRESS_THREADS_MAX];
    int rc = EXIT_BAD_INPUT;
    if (w == NULL ||
        bench_city_open(&s.city, STRESS_PERSONS, BENCH_CITY_SEED, STRESS_POOL_BILLS) != 0 ||
        bench_city_registry(&s.city, s.store, o->setup, &o->files) != 0)
        goto out;
    if (commitq_start(s.store, o->batch ? (int)o->batch : 64, &s.q, &err) != 0) {
        fprintf(stderr, "yibao-bench: %s\n", err.msg);
        goto out;
    }
    if (o->checkpoint_every > 0) commitq_checkpoint_every(s.q, o->checkpoint_every);
    pthread_mutex_init(&s.lock, NULL);
    s.deadline = mono_s() + (double)s.seconds;
    int started = 0;
    for (int t = 0; t < threads; t++) {
        w[t].s = &s;
        w[t].id = t;
        w[t].rng = (uint64_t)s.run * 1000003u + (uint64_t)t;
        w[t].last_bill = -1;
        if (pthread_create(&tid[t], NULL, worker_main, &w[t]) == 0) started++;
    }
    for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
    commitq_stop(s.q);
    pthread_mutex_destroy(&s.lock);
    rc = s.failures == 0 && started == threads ? 0 : EXIT_CHECK_FAILED;
out:
    bench_city_close(&s.city);
    free(w);
    store_close(s.store);
    return rc;
}

/* ---- verify ---------------------------------------------------------------------- */
static int verify_line(struct store *store, const char *line, int64_t *count) {
    char kind = 0, msgid[MSGID_BYTES_MAX + 1];
    long long setl_id = 0;
    if (sscanf(line, "%c %63s %lld", &kind, msgid, &setl_id) != 3 || (kind != 'S' && kind != 'R')) {
        fprintf(stderr, "yibao-bench stress verify: bad line '%s'\n", line);
        return -1;
    }
    struct journal_rec *rec = malloc(sizeof *rec);
    bool found = false;
    struct store_err err = {{0}};
    const char *key = msgid;
    int rc = rec ? store_ops(store)->journal_by_msgid(store_conn(store), &key, 1, rec, &found, &err)
                 : -1;
    if (rc != 0) {
        fprintf(stderr, "yibao-bench: %s\n", rec ? err.msg : "out of memory");
    } else if (!found) {
        fprintf(stderr, "acknowledged %s is missing from the journal\n", msgid);
        rc = -1;
    } else if (kind == 'S' && (rec->kind != JOURNAL_SETTLE || rec->seq != setl_id)) {
        fprintf(stderr, "acknowledged settlement %s: journal has seq %lld kind %d\n", msgid,
                (long long)rec->seq, (int)rec->kind);
        rc = -1;
    } else if (kind == 'R' && (rec->kind != JOURNAL_REVOKE || rec->ref_seq != setl_id)) {
        fprintf(stderr, "acknowledged revoke %s: journal has ref %lld kind %d\n", msgid,
                (long long)rec->ref_seq, (int)rec->kind);
        rc = -1;
    }
    free(rec);
    if (rc == 0) (*count)++;
    return rc;
}

static int run_verify(const struct stress_opts *o) {
    if (o->acks == NULL)
        return fprintf(stderr, "usage: yibao-bench stress verify --db PATH ACKS\n"), EXIT_BAD_INPUT;
    FILE *f = fopen(o->acks, "r");
    if (f == NULL)
        return fprintf(stderr, "yibao-bench: %s: cannot open\n", o->acks), EXIT_BAD_INPUT;
    struct store *store = store_cli_open(o->db, STORE_MODE_CREATE);
    int rc = store ? 0 : EXIT_BAD_INPUT;
    char line[STRESS_LINE_BYTES];
    int64_t count = 0;
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        size_t len = strlen(line);
        if (len == 0 || line[len - 1] != '\n') break; /* a line cut by the kill: not acknowledged */
        line[len - 1] = '\0';
        if (verify_line(store, line, &count) != 0) rc = EXIT_CHECK_FAILED;
    }
    fclose(f);
    store_close(store);
    if (rc == 0)
        printf("verify ok: %lld acknowledged transactions present exactly as acknowledged\n",
               (long long)count);
    return rc;
}

int bench_stress(int argc, char **argv) {
    struct stress_opts o;
    memset(&o, 0, sizeof o);
    if (argc < 2 || parse_opts(argc, argv, &o) != 0) {
        fprintf(stderr,
                "usage: yibao-bench stress store --db PATH [--threads T] [--seconds S] [--run R]"
                " [--batch B] [--setup DIR] [--checkpoint-every N]\n"
                "       yibao-bench stress verify --db PATH ACKS\n");
        return EXIT_BAD_INPUT;
    }
    if (strcmp(argv[1], "store") == 0) return run_store(&o);
    if (strcmp(argv[1], "verify") == 0) return run_verify(&o);
    fprintf(stderr, "yibao-bench stress: unknown mode '%s'\n", argv[1]);
    return EXIT_BAD_INPUT;
}
