/* svcq.c: group commit of the service tables. A hospital's visit flow
 * writes the service tables three or four times per settlement (2201
 * register, 2203 visit information, 2204 fee lines, and the link of the
 * settlement to its visit); each of those is a durable commit. Run one by
 * one, every commit is an fsync on an HTTP thread, and the flow is bound
 * by the disk (about 600 visits/s here). So, like the store's commit
 * queue, a writer thread takes every write queued meanwhile, runs each
 * inside a SAVEPOINT of one transaction (a refused request rolls back to
 * its savepoint and leaves the others), commits once, and only then
 * answers them all: the requests' connections stay suspended until their
 * write is durable, so nothing is acknowledged before it is committed.
 *
 * A request inside a batch sees the writes of the requests before it in
 * that batch (same connection), so the batch is equivalent to running
 * them one after another. When the commit fails, every request of the
 * batch fails with the storage error and nothing of it stays.
 *
 * A job that writes nothing (reads_only: a visit's settlement reading its
 * lines, svc_read_ordered) is run at the front of its batch: the jobs of a
 * batch were all queued before the writer took them, by requests in flight
 * at the same time, so any order among them is one they could have come
 * in. There it reads only what earlier batches committed (and, on
 * PostgreSQL, locks it), so it is answered as soon as the batch's reads
 * ran, without waiting for the batch's commit: one group commit less on
 * the way of a settlement. If the reads themselves leave the transaction
 * in doubt, they wait for the batch's fate like the others.
 *
 * SQLite has one write lock per file, and the store's commit queue writes
 * the same file: there the queue has no thread (svcq_start_hosted) and the
 * store's writer runs its batches first in its own transactions
 * (commitq_guest, store.h), so the two no longer take turns at the lock,
 * each with its fsync; its reads are answered as above. PostgreSQL
 * takes concurrent writers, and a writer there waits a network round trip
 * per statement, so several writer threads (each its own connection) run
 * batches side by side. Their order per visit comes from the database: a
 * job that reads or changes a visit locks its row first (svcdb visit_get
 * inside a transaction is SELECT ... FOR UPDATE), so a job on a visit waits
 * for the commit of any other batch that touched it. There a job's last
 * write may go to the database only with the next job's first statement
 * or the COMMIT (its kept answer's INSERT, service_db_pg.c), after the job
 * was released: when it fails then, the connection undoes that job alone
 * and says so (svcdb_held_failed), and the writer fails it (held_check).
 *
 * A batch's replayable writes may go piped there (run_piped,
 * svcdb_piped_*): each job's first round trip (its kept answer's read and
 * the write sent ahead with it) depends on no other job's answer, only on
 * the jobs before it having run, so all go in one round trip, in the
 * batch's order, and each job then runs on its results; their kept
 * answers go with the COMMIT. n + 1 round trips become 2. A job that
 * leaves that path (another statement, a refusal, a failed statement or
 * INSERT) has the transaction rolled back and the batch run one by one
 * as above, each job from where it was queued (svc_job_rewind).
 *
 * The writers also prune the kept answers (svcdb_answer_prune): once a
 * batch is answered, one writer at a time makes at most
 * SVCQ_PRUNE_ROWS_MAX answers older than the retention stubs in a short
 * transaction of its own, batch after batch until none is left, then
 * rests SVCQ_PRUNE_EVERY_S. No request waits for pruning, and the next
 * batch waits for at most one such transaction. A writer with no work
 * prunes nothing, but then nothing new is written either. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "service/svc.h"
#include "store/lat_stat.h"

struct completion {
    void (*fn)(void *ctx);
    void *ctx;
};

struct svcq;
struct writer {
    struct svcq *q;
    struct svcdb *db; /* this writer's connection */
    pthread_t thread;
    bool started;
    struct svcq_job **batch;  /* [batch_max] */
    struct svcq_job **writes; /* [batch_max]: the batch's writing jobs while it is taken */
    struct completion *calls; /* [batch_max] */
};

struct svcq {
    size_t batch_max;
    pthread_mutex_t lock;
    pthread_cond_t nonempty, done;
    struct svcq_job *head, *tail;
    size_t queued;
    bool stopping;
    int64_t answers_kept_s; /* retention of kept answers; 0: never pruned */
    bool pruning;           /* a writer is pruning */
    int64_t prune_next_s;   /* unix time of the next pruning */
    int writer_count;
    struct writer writers[SVCQ_WRITERS_MAX];
    struct svc_log_gate prune_gate; /* a failing prune is logged once */
    int64_t batches, jobs;          /* taken so far, for svcq_stats */
    int64_t piped, piped_again;     /* batches piped; of them run again one by one */
    /* hosted (svcq_start_hosted): the store's commit queue runs writers[0]'s
     * batch[0..host_n), its reads first, in its transactions */
    struct commitq *host;
    size_t host_n, host_reads;
    size_t host_from; /* the jobs not answered yet: batch[host_from..host_n) */
    bool host_ran;    /* the jobs ran in the host's transaction */
    /* svcq_print_times: a job submitted -> taken, submitted -> answered;
     * the pruning transactions */
    struct lat_stat job_wait, job_answer, prune;
};

/* One job inside the open transaction: its savepoint, run, release or
 * roll back. Returns -1 when the transaction itself is in doubt. */
static int run_one(struct svcdb *db, struct svcq_job *job) {
    struct svc_call *c = job->c;
    assert(db != NULL && job->run != NULL && c != NULL && !job->done && !job->queued);
    struct svcdb *was = c->db;
    if (svcdb_savepoint(db) != 0) {
        job->rc = svc_fail(c, "storage: %s", svcdb_error(db));
        return -1;
    }
    c->db = db;
    job->rc = job->run(c);
    c->db = was;
    assert(job->rc == 0 || job->rc == -1);
    assert(job->rc == 0 || c->err[0] != '\0'); /* a refusal says why */
    int rc = job->rc == 0 ? svcdb_release(db) : svcdb_rollback_to(db);
    if (rc != 0 && job->rc == 0) job->rc = svc_fail(c, "storage: %s", svcdb_error(db));
    return rc;
}

/* The job holding its kept answer's INSERT (svcdb_held_new) fails when
 * that INSERT, sent later, failed (svcdb_held_failed): its savepoint was
 * rolled back then, the jobs after it stand. */
static void held_check(struct svcdb *db, struct svcq_job **holder) {
    char why[SERVICE_ERR_BYTES];
    if (!svcdb_held_failed(db, why, sizeof why)) return;
    assert(*holder != NULL && (*holder)->rc == 0); /* only a job that succeeded holds one */
    (*holder)->rc = svc_fail((*holder)->c, "storage: %s", why);
    *holder = NULL;
}

/* Runs jobs[0..n) in the open transaction (rc: its state so far; *holder:
 * the job whose INSERT is held); returns -1 once it is in doubt, the jobs
 * from there on failed. */
static int run_jobs(struct svcdb *db, struct svcq_job **jobs, size_t n, int rc,
                    struct svcq_job **holder) {
    assert(n <= SVCQ_BATCH_MAX && (rc == 0 || rc == -1));
    for (size_t i = 0; i < n; i++) {
        if (rc == 0) rc = run_one(db, jobs[i]);
        else jobs[i]->rc = svc_fail(jobs[i]->c, "storage: %s", svcdb_error(db));
        if (rc == 0) held_check(db, holder); /* found by this job's first statement */
        if (rc == 0 && jobs[i]->rc == 0 && svcdb_held_new(db)) *holder = jobs[i];
        assert(jobs[i]->rc == 0 || jobs[i]->rc == -1);
    }
    return rc;
}

/* Commits the transaction (rc: its state); when that fails, every job of
 * jobs[0..n) that had succeeded fails with the storage error; when only
 * the held INSERT sent with it failed, its job alone. */
static void commit_jobs(struct svcdb *db, struct svcq_job **jobs, size_t n, int rc,
                        struct svcq_job **holder) {
    assert(n <= SVCQ_BATCH_MAX && (rc == 0 || rc == -1));
    if (rc == 0) rc = svcdb_commit(db);
    if (rc == 0) held_check(db, holder);
    if (rc != 0) {
        char why[SERVICE_ERR_BYTES];
        snprintf(why, sizeof why, "%s", svcdb_error(db));
        svcdb_rollback(db);
        for (size_t i = 0; i < n; i++)
            if (jobs[i]->rc == 0) jobs[i]->rc = svc_fail(jobs[i]->c, "storage: %s", why);
    }
    *holder = NULL;
    assert(rc == 0 || n == 0 || jobs[n - 1]->rc == -1); /* nothing of a failed batch succeeds */
}

void svcq_run_alone(struct svcdb *db, struct svcq_job *job) {
    assert(db != NULL && job != NULL && job->run != NULL && job->c != NULL);
    assert(!job->queued);
    struct svcq_job *one[1] = {job}, *holder = NULL;
    svcdb_lock(db);
    int rc = run_jobs(db, one, 1, svcdb_begin(db) == 0 ? 0 : -1, &holder);
    commit_jobs(db, one, 1, rc, &holder);
    svcdb_unlock(db);
    job->done = true;
}

/* Marks the batch done and wakes its waiters; the completions are called
 * after the lock is let go, from copies (a job may be reused at once). */
static void finish_batch(struct svcq *q, struct svcq_job **jobs, size_t n,
                         struct completion *calls) {
    size_t count = 0;
    assert(n > 0 && n <= q->batch_max);
    int64_t now_us = lat_now_us();
    pthread_mutex_lock(&q->lock);
    for (size_t i = 0; i < n; i++) {
        assert(!jobs[i]->done && !jobs[i]->queued);
        lat_add(&q->job_answer, now_us - jobs[i]->queued_us);
        if (jobs[i]->on_done != NULL)
            calls[count++] = (struct completion){jobs[i]->on_done, jobs[i]->on_done_ctx};
        jobs[i]->done = true;
    }
    pthread_cond_broadcast(&q->done);
    pthread_mutex_unlock(&q->lock);
    assert(count <= n);
    for (size_t i = 0; i < count; i++) calls[i].fn(calls[i].ctx);
}

/* One pruning transaction when it is due (see the top of the file). */
static void prune_when_due(struct svcq *q, struct svcdb *db) {
    int64_t now_s = (int64_t)time(NULL);
    assert(db != NULL && q->answers_kept_s >= 0);
    pthread_mutex_lock(&q->lock);
    bool due = q->answers_kept_s > 0 && !q->pruning && now_s >= q->prune_next_s;
    if (due) q->pruning = true;
    pthread_mutex_unlock(&q->lock);
    if (!due) return;
    int64_t pruned = 0, from_us = lat_now_us();
    svcdb_lock(db);
    int rc = svcdb_begin(db);
    if (rc == 0)
        rc = svcdb_answer_prune(db, now_s - q->answers_kept_s, SVCQ_PRUNE_ROWS_MAX, &pruned);
    if (rc == 0) rc = svcdb_commit(db);
    if (rc != 0) { /* q->prune_gate: only the one pruner (q->pruning) touches it */
        if (svc_log_gate_fail(&q->prune_gate))
            fprintf(stderr, "yibao serve: pruning kept answers: %s (logged once until it works)\n",
                    svcdb_error(db));
        svcdb_rollback(db);
    } else {
        (void)svc_log_gate_ok(&q->prune_gate);
    }
    svcdb_unlock(db);
    (void)lat_since(&q->prune, from_us);
    assert(pruned >= 0 && pruned <= SVCQ_PRUNE_ROWS_MAX);
    pthread_mutex_lock(&q->lock);
    assert(q->pruning); /* ours: one writer prunes at a time */
    q->pruning = false;
    if (rc != 0 || pruned < SVCQ_PRUNE_ROWS_MAX) q->prune_next_s = now_s + SVCQ_PRUNE_EVERY_S;
    pthread_mutex_unlock(&q->lock);
}

/* Whether jobs[0..n) go piped: two or more, each a replayable write with
 * its write sent ahead, on a backend that pipes them. */
static bool piped_ok(struct svcdb *db, struct svcq_job **jobs, size_t n) {
    if (n < 2 || n > SVCQ_PIPED_MAX || !svcdb_piped_folded(db)) return false;
    for (size_t i = 0; i < n; i++)
        if (!jobs[i]->piped) return false;
    return true;
}

/* Each job once more, from where it was queued. */
static void rewind_jobs(struct svcq_job **jobs, size_t n) {
    for (size_t i = 0; i < n; i++) svc_job_rewind(jobs[i]);
}

/* Runs job k of a piped batch, staging or taking (svcdb_piped_job). */
static int piped_run(struct svcdb *db, struct svcq_job *job, int k, bool stage) {
    struct svc_call *c = job->c;
    struct svcdb *was = c->db;
    if (svcdb_piped_job(db, k, stage) != 0) return -1;
    c->db = db;
    job->rc = job->run(c);
    c->db = was;
    assert(job->rc == 0 || c->err[0] != '\0'); /* a failure says why */
    return job->rc;
}

/* The writes jobs[0..n) piped (svcdb_piped_*; the top of the file): their
 * first statements in one round trip, their kept answers with the COMMIT.
 * 0: the batch ran (committed or failed, each job's rc set, the
 * transaction over); 2: it was rolled back, the jobs not run (to run one
 * by one, in a transaction of their own). */
static int run_piped(struct svcdb *db, struct svcq_job **jobs, size_t n) {
    assert(n >= 2 && n <= SVCQ_PIPED_MAX);
    bool staged = true;
    for (size_t k = 0; k < n && staged; k++) {
        (void)piped_run(db, jobs[k], (int)k, true); /* ends at its first statement */
        staged = svcdb_piped_staged(db, (int)k);
    }
    rewind_jobs(jobs, n);
    if (!staged) return svcdb_rollback(db), 2; /* a job left the plan before sending */
    bool went = svcdb_piped_send(db, (int)n) == 0;
    for (size_t k = 0; k < n && went; k++)
        went = piped_run(db, jobs[k], (int)k, false) == 0 && !svcdb_piped_astray(db);
    int rc = went ? svcdb_piped_commit(db) : 1;
    if (rc == 1) { /* off the plan, or a kept answer's INSERT failed */
        if (went == false) svcdb_rollback(db);
        rewind_jobs(jobs, n);
        return 2;
    }
    if (rc != 0) { /* as commit_jobs: every job fails with the storage error */
        char why[SERVICE_ERR_BYTES];
        snprintf(why, sizeof why, "%s", svcdb_error(db));
        svcdb_rollback(db);
        for (size_t i = 0; i < n; i++) jobs[i]->rc = svc_fail(jobs[i]->c, "storage: %s", why);
    }
    return 0;
}

static void piped_count(struct svcq *q, bool again) {
    pthread_mutex_lock(&q->lock);
    q->piped++;
    q->piped_again += again;
    assert(q->piped_again <= q->piped && q->piped <= q->batches);
    pthread_mutex_unlock(&q->lock);
}

/* The writer's batch wr->batch[0..n), its reads_only jobs first (reads of
 * them): one transaction; the reads are answered once they ran (see the
 * top of the file), the others after the commit; those piped when they
 * can be (run_piped), else, or when that was rolled back, one by one. */
static void run_batch(struct writer *wr, size_t n, size_t reads) {
    struct svcq_job **jobs = wr->batch;
    size_t from = 0; /* the jobs not answered yet: jobs[from..n) */
    struct svcq_job *holder = NULL;
    assert(n > 0 && n <= wr->q->batch_max && reads <= n);
    svcdb_lock(wr->db);
    int rc = run_jobs(wr->db, jobs, reads, svcdb_begin(wr->db) == 0 ? 0 : -1, &holder);
    assert(holder == NULL); /* reads hold nothing: they write nothing */
    if (rc == 0 && reads > 0) {
        finish_batch(wr->q, jobs, reads, wr->calls); /* they may be reused from here on */
        from = reads;
    }
    int piped = rc == 0 && piped_ok(wr->db, jobs + reads, n - reads)
                    ? run_piped(wr->db, jobs + reads, n - reads)
                    : -1;
    if (piped >= 0) piped_count(wr->q, piped == 2);
    if (piped == 2) rc = svcdb_begin(wr->db) == 0 ? 0 : -1; /* rolled back: one by one */
    if (piped != 0) {                                       /* not piped, or rolled back */
        rc = run_jobs(wr->db, jobs + reads, n - reads, rc, &holder);
        commit_jobs(wr->db, jobs + from, n - from, rc, &holder);
    }
    svcdb_unlock(wr->db);
    if (from < n) finish_batch(wr->q, jobs + from, n - from, wr->calls);
}

/* Takes up to batch_max queued jobs into wr->batch, those that write
 * nothing first, each kind in queue order; *reads: how many of those.
 * Called with q->lock held. */
static size_t take_batch(struct writer *wr, size_t *reads) {
    struct svcq *q = wr->q;
    size_t n = 0, r = 0, w = 0;
    int64_t now_us = lat_now_us();
    while (q->head != NULL && n < q->batch_max) {
        assert(q->head->queued && !q->head->done);
        q->head->queued = false;
        lat_add(&q->job_wait, now_us - q->head->queued_us);
        if (q->head->reads_only) wr->batch[r++] = q->head;
        else wr->writes[w++] = q->head;
        n++;
        q->head = q->head->next;
    }
    if (q->head == NULL) q->tail = NULL;
    memcpy(wr->batch + r, wr->writes, w * sizeof *wr->writes);
    assert(n == r + w && n > 0 && n <= q->batch_max && n <= q->queued);
    q->queued -= n;
    q->batches++;
    q->jobs += (int64_t)n;
    *reads = r;
    return n;
}

static void *writer_main(void *arg) {
    struct writer *wr = arg;
    struct svcq *q = wr->q;
    assert(wr->batch != NULL && wr->writes != NULL && wr->calls != NULL && wr->db != NULL);
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (q->head == NULL && !q->stopping) pthread_cond_wait(&q->nonempty, &q->lock);
        assert((q->head == NULL) == (q->queued == 0) && q->queued <= SVCQ_QUEUED_MAX);
        if (q->head == NULL) break;
        size_t reads = 0, n = take_batch(wr, &reads);
        pthread_mutex_unlock(&q->lock);
        run_batch(wr, n, reads);
        prune_when_due(q, wr->db);
        pthread_mutex_lock(&q->lock);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

/* ---- hosted: the store's writer runs the jobs (commitq_guest) ---------- */
/* Takes the queued jobs for the host's next transaction. */
static bool host_take(void *ctx) {
    struct svcq *q = ctx;
    struct writer *wr = &q->writers[0];
    assert(q->host != NULL && q->host_n == 0 && !q->host_ran);
    pthread_mutex_lock(&q->lock);
    if (q->head != NULL) q->host_n = take_batch(wr, &q->host_reads);
    bool more = q->head != NULL; /* past batch_max: the next round's */
    pthread_mutex_unlock(&q->lock);
    if (more) commitq_kick(q->host);
    q->host_from = 0;
    return q->host_n > 0;
}

/* In the host's open transaction: the reads, answered at once (as
 * run_batch does), then the writes, each in its savepoint. */
static int host_run(void *ctx, char *why, size_t why_size) {
    struct svcq *q = ctx;
    struct writer *wr = &q->writers[0];
    struct svcq_job **jobs = wr->batch;
    size_t n = q->host_n, reads = q->host_reads;
    assert(n > 0 && reads <= n && !q->host_ran && q->host_from == 0);
    svcdb_lock(wr->db);
    svcdb_host_txn(wr->db, true);
    q->host_ran = true;
    struct svcq_job *holder = NULL; /* SQLite holds no INSERT: stays NULL */
    int rc = run_jobs(wr->db, jobs, reads, 0, &holder);
    if (rc == 0 && reads > 0) {
        finish_batch(q, jobs, reads, wr->calls); /* they may be reused from here on */
        q->host_from = reads;
    }
    rc = run_jobs(wr->db, jobs + reads, n - reads, rc, &holder);
    assert(holder == NULL);
    if (rc != 0) snprintf(why, why_size, "service tables: %s", svcdb_error(wr->db));
    svcdb_unlock(wr->db);
    return rc;
}

/* After the host's commit or rollback: answers the jobs not answered yet
 * (a job of a transaction that did not commit fails with why), then
 * prunes kept answers when due, in a transaction of its own. */
static void host_finish(void *ctx, bool committed, const char *why) {
    struct svcq *q = ctx;
    struct writer *wr = &q->writers[0];
    struct svcq_job **jobs = wr->batch;
    size_t n = q->host_n, from = q->host_from;
    assert(n > 0 && from <= n && (committed || why[0] != '\0'));
    assert(!committed || q->host_ran);
    svcdb_lock(wr->db);
    if (q->host_ran) svcdb_host_txn(wr->db, false);
    svcdb_unlock(wr->db);
    for (size_t i = from; i < n; i++)
        if (!committed && (!q->host_ran || jobs[i]->rc == 0))
            jobs[i]->rc = svc_fail(jobs[i]->c, "storage: %s", why);
    q->host_n = q->host_reads = q->host_from = 0;
    q->host_ran = false;
    if (from < n) finish_batch(q, jobs + from, n - from, wr->calls);
    prune_when_due(q, wr->db);
}

static int writer_start(struct svcq *q, struct writer *wr, struct svcdb *db) {
    assert(q->batch_max >= 1 && q->batch_max <= SVCQ_BATCH_MAX);
    assert(db != NULL && !wr->started && q->writer_count < SVCQ_WRITERS_MAX);
    wr->q = q;
    wr->db = db;
    wr->batch = calloc(q->batch_max, sizeof *wr->batch);
    wr->writes = calloc(q->batch_max, sizeof *wr->writes);
    wr->calls = calloc(q->batch_max, sizeof *wr->calls);
    if (wr->batch == NULL || wr->writes == NULL || wr->calls == NULL) return -1;
    wr->started = pthread_create(&wr->thread, NULL, writer_main, wr) == 0;
    return wr->started ? 0 : -1;
}

static struct svcq *queue_new(size_t batch_max, int64_t answers_kept_s) {
    assert(batch_max >= 1 && batch_max <= SVCQ_BATCH_MAX && answers_kept_s >= 0);
    struct svcq *q = calloc(1, sizeof *q);
    if (q == NULL) return NULL;
    q->batch_max = batch_max;
    q->answers_kept_s = answers_kept_s;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->nonempty, NULL);
    pthread_cond_init(&q->done, NULL);
    return q;
}

int svcq_start(struct svcdb *const *dbs, int writers, size_t batch_max, int64_t answers_kept_s,
               struct svcq **out, char *err, size_t err_size) {
    assert(dbs != NULL && out != NULL && answers_kept_s >= 0);
    *out = NULL;
    if (batch_max < 1 || batch_max > SVCQ_BATCH_MAX || writers < 1 || writers > SVCQ_WRITERS_MAX)
        return snprintf(err, err_size,
                        "service writes: batch must be in [1, %d], writers in [1, %d]",
                        SVCQ_BATCH_MAX, SVCQ_WRITERS_MAX),
               -1;
    struct svcq *q = queue_new(batch_max, answers_kept_s);
    if (q == NULL) return snprintf(err, err_size, "out of memory"), -1;
    for (int i = 0; i < writers; i++, q->writer_count++)
        if (writer_start(q, &q->writers[i], dbs[i]) != 0) {
            q->writer_count++; /* stopped and freed with the others */
            svcq_stop(q);
            return snprintf(err, err_size, "service writes: cannot start writer %d", i), -1;
        }
    *out = q;
    return 0;
}

int svcq_start_hosted(struct svcdb *db, struct commitq *host, size_t batch_max,
                      int64_t answers_kept_s, struct svcq **out, char *err, size_t err_size) {
    assert(db != NULL && host != NULL && out != NULL && answers_kept_s >= 0);
    *out = NULL;
    if (batch_max < 1 || batch_max > SVCQ_BATCH_MAX)
        return snprintf(err, err_size, "service writes: batch must be in [1, %d]", SVCQ_BATCH_MAX),
               -1;
    struct svcq *q = queue_new(batch_max, answers_kept_s);
    if (q == NULL) return snprintf(err, err_size, "out of memory"), -1;
    struct writer *wr = &q->writers[0]; /* its arrays only: no thread */
    wr->q = q;
    wr->db = db;
    wr->batch = calloc(batch_max, sizeof *wr->batch);
    wr->writes = calloc(batch_max, sizeof *wr->writes);
    wr->calls = calloc(batch_max, sizeof *wr->calls);
    q->writer_count = 1; /* freed by svcq_stop */
    if (wr->batch == NULL || wr->writes == NULL || wr->calls == NULL) {
        svcq_stop(q);
        return snprintf(err, err_size, "out of memory"), -1;
    }
    q->host = host;
    commitq_host(host, &(struct commitq_guest){
                           .ctx = q, .take = host_take, .run = host_run, .finish = host_finish});
    *out = q;
    return 0;
}

/* Hosted, after the host stopped: a job queued after the host's last
 * round fails ("shutting down") rather than wait for ever; each is taken
 * and answered in turn (its completion may reuse it at once). */
static void fail_left(struct svcq *q) {
    assert(q->host != NULL && q->stopping && q->host_n == 0);
    pthread_mutex_lock(&q->lock);
    while (q->head != NULL) {
        struct svcq_job *job = q->head;
        q->head = job->next;
        if (q->head == NULL) q->tail = NULL;
        q->queued--;
        job->queued = false;
        job->rc = svc_fail(job->c, "service: shutting down");
        struct completion call = {job->on_done, job->on_done_ctx};
        job->done = true;
        pthread_cond_broadcast(&q->done);
        pthread_mutex_unlock(&q->lock);
        if (call.fn != NULL) call.fn(call.ctx);
        pthread_mutex_lock(&q->lock);
    }
    assert(q->queued == 0 && q->tail == NULL);
    pthread_mutex_unlock(&q->lock);
}

void svcq_shut(struct svcq *q) {
    if (q == NULL) return;
    pthread_mutex_lock(&q->lock);
    q->stopping = true;
    pthread_cond_broadcast(&q->nonempty);
    pthread_mutex_unlock(&q->lock);
}

void svcq_stop(struct svcq *q) {
    if (q == NULL) return;
    pthread_mutex_lock(&q->lock);
    q->stopping = true;
    pthread_cond_broadcast(&q->nonempty);
    pthread_mutex_unlock(&q->lock);
    if (q->host != NULL) fail_left(q);
    for (int i = 0; i < q->writer_count; i++) {
        struct writer *wr = &q->writers[i];
        if (wr->started) pthread_join(wr->thread, NULL);
        free(wr->batch);
        free(wr->writes);
        free(wr->calls);
    }
    assert(q->head == NULL && q->queued == 0);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->nonempty);
    pthread_cond_destroy(&q->done);
    free(q);
}

int svcq_submit(struct svcq *q, struct svcq_job *job, void (*on_done)(void *ctx), void *ctx) {
    assert(q != NULL && job != NULL && job->run != NULL && job->c != NULL);
    job->on_done = on_done;
    job->on_done_ctx = ctx;
    assert(!job->queued); /* a job is queued at most once */
    job->done = false;
    job->next = NULL;
    pthread_mutex_lock(&q->lock);
    assert(q->queued <= SVCQ_QUEUED_MAX && (q->tail == NULL) == (q->head == NULL));
    const char *why = q->stopping                    ? "service: shutting down"
                      : q->queued >= SVCQ_QUEUED_MAX ? "service: too many writes queued; retry"
                                                     : NULL;
    if (why == NULL) {
        job->queued_us = lat_now_us();
        if (q->tail != NULL) q->tail->next = job;
        else q->head = job;
        q->tail = job;
        q->queued++;
        job->queued = true;
        pthread_cond_signal(&q->nonempty);
    }
    pthread_mutex_unlock(&q->lock);
    if (why == NULL && q->host != NULL) commitq_kick(q->host); /* after the job is queued */
    if (why == NULL) return 0;
    job->rc = svc_fail(job->c, "%s", why);
    job->done = true;
    return -1;
}

void svcq_stats(struct svcq *q, int64_t *batches, int64_t *jobs) {
    assert(q != NULL && batches != NULL && jobs != NULL);
    pthread_mutex_lock(&q->lock);
    *batches = q->batches;
    *jobs = q->jobs;
    pthread_mutex_unlock(&q->lock);
    assert(*batches <= *jobs);
}

void svcq_piped_stats(struct svcq *q, int64_t *piped, int64_t *again) {
    assert(q != NULL && piped != NULL && again != NULL);
    pthread_mutex_lock(&q->lock);
    *piped = q->piped;
    *again = q->piped_again;
    pthread_mutex_unlock(&q->lock);
    assert(*again <= *piped);
}

void svcq_wait(struct svcq *q, struct svcq_job *job) {
    assert(q != NULL && job != NULL);
    pthread_mutex_lock(&q->lock);
    while (!job->done) pthread_cond_wait(&q->done, &q->lock);
    assert(!job->queued && (job->rc == 0 || job->rc == -1));
    pthread_mutex_unlock(&q->lock);
}

void svcq_print_times(struct svcq *q, FILE *out) {
    assert(q != NULL && out != NULL);
    lat_print(out, "service job's wait for its round", &q->job_wait);
    lat_print(out, "service job, queued -> answered", &q->job_answer);
    lat_print(out, "pruning of kept answers", &q->prune);
}
