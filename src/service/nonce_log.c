/* nonce_log.c: used nonces made durable. auth.c's in-memory caches decide
 * at once whether a nonce was seen; each accepted nonce is also queued
 * here, and a flusher thread writes the queue to svc_nonce every
 * NONCE_FLUSH_MS in one transaction on its own connection (so request
 * threads never wait for it), pruning rows whose timestamp can no longer
 * be accepted every NONCE_PRUNE_S. Stopping flushes what is queued. At
 * start the service reads the recent rows back (nonce_log_scan), so a
 * request captured before a restart cannot be replayed after it. A crash
 * (not a clean stop) can lose the nonces of the last flush interval. */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "service/svc.h"

#define NONCE_FLUSH_MS 50       /* longest time a used nonce is only in memory */
#define NONCE_PRUNE_S 10        /* how often expired rows are deleted */
#define NONCE_PENDING_MAX 65536 /* nonces queued between flushes; more are refused */

struct nonce_log {
    struct svcdb *db; /* the flusher's own connection */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct svc_nonce *pending, *writing;
    size_t pending_count;
    bool stopping;
    pthread_t thread;
    int64_t window_s, pruned_s;
    struct svc_log_gate write_gate; /* failed flushes: logged once per condition */
    struct svc_log_gate lost_gate;  /* nonces dropped from a full queue */
    /* hosted (nonce_log_host, SQLite): a flush is a job of the service
     * tables' queue, so the store's writer writes it in its transaction
     * instead of a third writer taking the file's write lock */
    pthread_mutex_t host_lock; /* held by a flush through host */
    struct svcq *host;
    struct svc_call call; /* the job's; its err says why it failed */
    struct svcq_job job;
    const struct svc_nonce *job_rows;
    size_t job_n;
    bool job_prune;
    int64_t job_now_s;
};

/* Writes rows[0..n) on db, in its open transaction, and prunes. */
static int write_rows(struct nonce_log *log, struct svcdb *db, const struct svc_nonce *rows,
                      size_t n, bool prune, int64_t now_s) {
    assert(log != NULL && db != NULL && n <= NONCE_PENDING_MAX);
    int rc = svcdb_nonce_put(db, rows, n);
    if (rc == 0 && prune) rc = svcdb_nonce_prune(db, now_s - log->window_s);
    return rc;
}

static int flush_job(struct svc_call *c) {
    struct nonce_log *log = (struct nonce_log *)(void *)((char *)c -
                                                         offsetof(struct nonce_log, call));
    assert(c == &log->call && c->db != NULL);
    if (write_rows(log, c->db, log->job_rows, log->job_n, log->job_prune, log->job_now_s) != 0)
        return svc_fail(c, "%s", svcdb_error(c->db));
    return 0;
}

/* Through the host's queue: 0, -1 (why set), or 1 when the queue did not
 * take it (none, shut, full): then the flusher writes it itself. */
static int flush_hosted(struct nonce_log *log, const struct svc_nonce *rows, size_t n, bool prune,
                        int64_t now_s, char *why, size_t why_size) {
    int rc = 1;
    pthread_mutex_lock(&log->host_lock);
    if (log->host != NULL) {
        memset(&log->call, 0, sizeof log->call);
        log->job = (struct svcq_job){.run = flush_job, .c = &log->call};
        log->job_rows = rows;
        log->job_n = n;
        log->job_prune = prune;
        log->job_now_s = now_s;
        if (svcq_submit(log->host, &log->job, NULL, NULL) == 0) {
            svcq_wait(log->host, &log->job);
            rc = log->job.rc;
            if (rc != 0) snprintf(why, why_size, "%s", log->call.err);
        }
    }
    pthread_mutex_unlock(&log->host_lock);
    assert(rc == 0 || rc == 1 || why[0] != '\0');
    return rc;
}

/* On the flusher's own connection, a transaction of its own. */
static int flush_own(struct nonce_log *log, const struct svc_nonce *rows, size_t n, bool prune,
                     int64_t now_s, char *why, size_t why_size) {
    svcdb_lock(log->db);
    int rc = svcdb_begin(log->db);
    if (rc == 0) rc = write_rows(log, log->db, rows, n, prune, now_s);
    if (rc == 0) rc = svcdb_commit(log->db);
    if (rc != 0) {
        snprintf(why, why_size, "%s", svcdb_error(log->db));
        svcdb_rollback(log->db);
    }
    svcdb_unlock(log->db);
    return rc;
}

/* Writes rows[0..n) and prunes when due; 0 or -1 (logged). */
static int flush(struct nonce_log *log, const struct svc_nonce *rows, size_t n, int64_t now_s) {
    bool prune = now_s - log->pruned_s >= NONCE_PRUNE_S;
    char why[SERVICE_ERR_BYTES] = "";
    assert((rows != NULL || n == 0) && n <= NONCE_PENDING_MAX);
    if (n == 0 && !prune) return 0;
    int rc = flush_hosted(log, rows, n, prune, now_s, why, sizeof why);
    if (rc == 1) rc = flush_own(log, rows, n, prune, now_s, why, sizeof why);
    if (rc != 0) {
        if (svc_log_gate_fail(&log->write_gate))
            fprintf(stderr, "yibao serve: nonce log: %s (logged once until a flush succeeds)\n",
                    why);
    } else {
        int64_t failed = svc_log_gate_ok(&log->write_gate);
        if (failed > 0)
            fprintf(stderr, "yibao serve: nonce log: writing again after %lld failed flushes\n",
                    (long long)failed);
    }
    if (rc == 0 && prune) log->pruned_s = now_s;
    return rc;
}

void nonce_log_host(struct nonce_log *log, struct svcq *host) {
    assert(log != NULL);
    pthread_mutex_lock(&log->host_lock); /* a flush through the old host has ended */
    log->host = host;
    pthread_mutex_unlock(&log->host_lock);
}

/* Puts rows that failed to write back in front of the queue (as many as fit). */
static void requeue(struct nonce_log *log, size_t n) {
    assert(n <= NONCE_PENDING_MAX && log->pending_count <= NONCE_PENDING_MAX);
    size_t room = NONCE_PENDING_MAX - log->pending_count;
    size_t keep = n < room ? n : room;
    memmove(log->pending + keep, log->pending, log->pending_count * sizeof *log->pending);
    memcpy(log->pending, log->writing, keep * sizeof *log->pending);
    log->pending_count += keep;
    assert(log->pending_count <= NONCE_PENDING_MAX);
    if (keep < n && svc_log_gate_fail(&log->lost_gate))
        fprintf(stderr, "yibao serve: nonce log: the queue is full: used nonces are not persisted "
                        "(logged once until it drains)\n");
    if (keep == n && log->pending_count < NONCE_PENDING_MAX / 2) {
        int64_t times = svc_log_gate_ok(&log->lost_gate);
        if (times > 0) fprintf(stderr, "yibao serve: nonce log: the queue drains again\n");
    }
}

static void *flusher_main(void *arg) {
    struct nonce_log *log = arg;
    pthread_mutex_lock(&log->lock);
    for (;;) {
        bool last = log->stopping;
        if (!last) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += NONCE_FLUSH_MS * 1000000L;
            until.tv_sec += until.tv_nsec / 1000000000L;
            until.tv_nsec %= 1000000000L;
            int rc = 0;
            while (!log->stopping && rc != ETIMEDOUT)
                rc = pthread_cond_timedwait(&log->wake, &log->lock, &until);
        }
        struct svc_nonce *rows = log->pending;
        size_t n = log->pending_count;
        assert(n <= NONCE_PENDING_MAX && log->pending != log->writing);
        log->pending = log->writing;
        log->writing = rows;
        log->pending_count = 0;
        pthread_mutex_unlock(&log->lock);
        int rc = flush(log, rows, n, (int64_t)time(NULL));
        pthread_mutex_lock(&log->lock);
        if (rc != 0) requeue(log, n);
        if (last) break;
    }
    pthread_mutex_unlock(&log->lock);
    return NULL;
}

static void log_free(struct nonce_log *log) {
    assert(log != NULL);
    svcdb_close(log->db);
    free(log->pending);
    free(log->writing);
    free(log);
}

int nonce_log_start(const char *target, bool sync_off, int64_t window_s, struct nonce_log **out,
                    char *err, size_t err_size) {
    assert(target != NULL && out != NULL && window_s > 0);
    *out = NULL;
    struct nonce_log *log = calloc(1, sizeof *log);
    if (log == NULL) return snprintf(err, err_size, "out of memory"), -1;
    log->window_s = window_s;
    log->pending = calloc(NONCE_PENDING_MAX, sizeof *log->pending);
    log->writing = calloc(NONCE_PENDING_MAX, sizeof *log->writing);
    if (log->pending == NULL || log->writing == NULL) {
        log_free(log);
        return snprintf(err, err_size, "out of memory"), -1;
    }
    if (svcdb_open(target, sync_off, &log->db, err, err_size) != 0) {
        log_free(log);
        return -1;
    }
    if (pthread_mutex_init(&log->lock, NULL) != 0 || pthread_cond_init(&log->wake, NULL) != 0 ||
        pthread_mutex_init(&log->host_lock, NULL) != 0 ||
        pthread_create(&log->thread, NULL, flusher_main, log) != 0) {
        log_free(log); /* the mutex and cond hold no resources on Linux */
        return snprintf(err, err_size, "nonce log: cannot start its thread"), -1;
    }
    *out = log;
    return 0;
}

int nonce_log_scan(struct nonce_log *log, int64_t since_ts, svc_nonce_cb cb, void *ctx) {
    assert(log != NULL && log->db != NULL && cb != NULL);
    svcdb_lock(log->db);
    int rc = svcdb_nonce_scan(log->db, since_ts, cb, ctx);
    svcdb_unlock(log->db);
    return rc;
}

const char *nonce_log_error(struct nonce_log *log) {
    assert(log != NULL && log->db != NULL);
    return svcdb_error(log->db);
}

/* paasid, nonce and ts as auth.c checked them: present, within their sizes. */
int nonce_log_add(struct nonce_log *log, const char *paasid, const char *nonce, int64_t ts) {
    assert(paasid[0] != '\0' && strlen(paasid) <= SERVICE_PAASID_BYTES_MAX);
    assert(nonce[0] != '\0' && strlen(nonce) <= SERVICE_NONCE_BYTES_MAX && ts >= 0);
    pthread_mutex_lock(&log->lock);
    bool room = log->pending_count < NONCE_PENDING_MAX;
    if (room) {
        struct svc_nonce *row = &log->pending[log->pending_count++];
        snprintf(row->paasid, sizeof row->paasid, "%s", paasid);
        snprintf(row->nonce, sizeof row->nonce, "%s", nonce);
        row->ts = ts;
    }
    assert(log->pending_count <= NONCE_PENDING_MAX);
    pthread_mutex_unlock(&log->lock);
    return room ? 0 : -1;
}

void nonce_log_stop(struct nonce_log *log) {
    if (log == NULL) return;
    pthread_mutex_lock(&log->lock);
    assert(!log->stopping); /* stopped once */
    log->stopping = true;
    pthread_cond_signal(&log->wake);
    pthread_mutex_unlock(&log->lock);
    pthread_join(log->thread, NULL);
    pthread_mutex_destroy(&log->lock);
    pthread_mutex_destroy(&log->host_lock);
    pthread_cond_destroy(&log->wake);
    log_free(log);
}
