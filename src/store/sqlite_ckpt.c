/* sqlite_ckpt.c: the WAL's checkpoints, on the committing connection or on
 * a thread of their own, timed (see sqlite_ckpt.h). */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/lat_stat.h"
#include "store/sqlite_ckpt.h"

/* The process's checkpoints (statistics, relaxed atomics like
 * sqlite_conn.c's waits): whole ones in a commit, the thread's passes, the
 * writer's finishing of a pass, and the largest WAL seen at a commit. */
static struct lat_stat in_commit, passes, finishes;
static _Atomic int64_t wal_pages_seen_max, wal_pages_last, checkpoints_failed, passes_asked;

struct sqlite_ckpt {
    sqlite3 *writer; /* hooked: its commits wake the thread */
    sqlite3 *db;     /* the thread's own connection */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool due;           /* woken: a pass is wanted */
    bool running;       /* a pass runs */
    bool stopping;      /* the thread ends */
    int64_t passes;     /* passes done */
    int64_t passes_met; /* passes done when the last one was asked or finished */
    int asked_pages;    /* the WAL's length when the last pass was asked; 0: none since a finish */
    int finished_pages; /* the WAL's length at the last finish; 0: none since it started again */
    bool finishing;     /* the pass asked is the finishing one: the writer finishes after it */
    /* the writer's finish is due, run by sqlite_ckpt_idle once the round
     * that found it due was answered; only the writer's thread touches it */
    bool finish_pending;
};

/* One PASSIVE checkpoint of db (what wal_autocheckpoint runs), timed into s. */
static void checkpoint(sqlite3 *db, const char *schema, struct lat_stat *s) {
    assert(db != NULL && s != NULL);
    int64_t from_us = lat_now_us();
    int rc = sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    (void)lat_since(s, from_us);
    /* a checkpoint that fails (a full disk, another checkpoint running)
     * loses nothing: the frames stay in the WAL for the next one */
    if (rc != SQLITE_OK) atomic_fetch_add_explicit(&checkpoints_failed, 1, memory_order_relaxed);
}

static void note_pages(int pages) {
    assert(pages >= 0);
    atomic_store_explicit(&wal_pages_last, pages, memory_order_relaxed);
    int64_t max = atomic_load_explicit(&wal_pages_seen_max, memory_order_relaxed);
    while (pages > max &&
           !atomic_compare_exchange_weak_explicit(&wal_pages_seen_max, &max, pages,
                                                  memory_order_relaxed, memory_order_relaxed)) {
    }
}

/* Under k->lock, at a commit that left pages in the WAL: true when the
 * writer is to finish the last pass itself now; else wakes the thread
 * when a pass is due: the WAL grew SQLITE_WAL_PASS_PAGES since the last
 * one was asked, or it passed SQLITE_WAL_FINISH_PAGES (the finishing pass,
 * so that the writer's finish copies only what came during that pass). */
static bool ckpt_decide(struct sqlite_ckpt *k, int pages) {
    assert(pages >= SQLITE_WAL_CHECKPOINT_PAGES && pages < SQLITE_WAL_PAGES_MAX);
    if (pages < k->asked_pages) k->asked_pages = 0; /* the WAL started again */
    if (pages < k->finished_pages) k->finished_pages = 0;
    if (k->running || k->due) return false;
    if (k->finishing && k->passes > k->passes_met) {
        k->finishing = false;
        k->passes_met = k->passes;
        k->finished_pages = pages;
        return true;
    }
    /* the finishing pass once past the threshold, and again only when the
     * WAL grew on (a reader's old snapshot may keep any checkpoint from
     * copying it whole) */
    bool finish_due = pages >= SQLITE_WAL_FINISH_PAGES &&
                      (k->finished_pages == 0 ||
                       pages >= k->finished_pages + SQLITE_WAL_PASS_PAGES);
    if (!finish_due && k->asked_pages > 0 && pages < k->asked_pages + SQLITE_WAL_PASS_PAGES)
        return false;
    k->finishing = finish_due;
    k->passes_met = k->passes;
    k->due = true;
    k->asked_pages = pages;
    atomic_fetch_add_explicit(&passes_asked, 1, memory_order_relaxed);
    pthread_cond_signal(&k->wake);
    return false;
}

/* After each commit of a hooked connection (SQLite's wal hook): pages is
 * the WAL's length. ctx NULL: checkpoint here, as wal_autocheckpoint does. */
static int on_commit(void *ctx, sqlite3 *db, const char *schema, int pages) {
    struct sqlite_ckpt *k = ctx;
    assert(db != NULL && schema != NULL);
    note_pages(pages);
    if (pages < SQLITE_WAL_CHECKPOINT_PAGES) return SQLITE_OK;
    if (k == NULL || pages >= SQLITE_WAL_PAGES_MAX) {
        checkpoint(db, schema, &in_commit);
        return SQLITE_OK;
    }
    assert(k->writer == db);
    if (k->finish_pending) return SQLITE_OK; /* sqlite_ckpt_idle runs it */
    pthread_mutex_lock(&k->lock);
    k->finish_pending = ckpt_decide(k, pages);
    pthread_mutex_unlock(&k->lock);
    return SQLITE_OK;
}

bool sqlite_ckpt_idle(struct sqlite_ckpt *k) {
    if (k == NULL || !k->finish_pending) return false;
    assert(k->writer != NULL && sqlite3_get_autocommit(k->writer)); /* between transactions */
    k->finish_pending = false;
    /* the passes copied the WAL up to where the last one began; what was
     * committed since is short to copy, and the writer commits nothing
     * meanwhile, so the WAL is copied whole and its next transaction
     * starts it again from its beginning */
    checkpoint(k->writer, "main", &finishes);
    return true;
}

int sqlite_ckpt_hook(sqlite3 *db) {
    assert(db != NULL);
    (void)sqlite3_wal_hook(db, on_commit, NULL);
    return 0;
}

static void *ckpt_main(void *arg) {
    struct sqlite_ckpt *k = arg;
    assert(k != NULL && k->db != NULL);
    pthread_mutex_lock(&k->lock);
    for (;;) {
        while (!k->due && !k->stopping) pthread_cond_wait(&k->wake, &k->lock);
        if (k->stopping) break;
        k->due = false;
        k->running = true;
        pthread_mutex_unlock(&k->lock);
        checkpoint(k->db, "main", &passes);
        pthread_mutex_lock(&k->lock);
        k->running = false;
        k->passes++;
    }
    pthread_mutex_unlock(&k->lock);
    return NULL;
}

/* The thread's connection: it writes no row; its checkpoints sync as the
 * store's writer does (synchronous=FULL). */
static int ckpt_open(struct sqlite_ckpt *k, const char *path, char *why, size_t why_size) {
    assert(k != NULL && path != NULL);
    int rc = sqlite3_open_v2(path, &k->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(k->db, "PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=0;", NULL,
                          NULL, NULL);
    if (rc == SQLITE_OK) return 0;
    snprintf(why, why_size, "%s: checkpointer: %s", path,
             k->db != NULL ? sqlite3_errmsg(k->db) : "out of memory");
    sqlite3_close(k->db);
    k->db = NULL;
    return -1;
}

int sqlite_ckpt_start(sqlite3 *writer, const char *path, struct sqlite_ckpt **out, char *why,
                      size_t why_size) {
    assert(writer != NULL && path != NULL && out != NULL && why_size > 0);
    *out = NULL;
    struct sqlite_ckpt *k = calloc(1, sizeof *k);
    if (k == NULL) {
        snprintf(why, why_size, "%s: checkpointer: out of memory", path);
        return -1;
    }
    k->writer = writer;
    if (ckpt_open(k, path, why, why_size) != 0) {
        free(k);
        return -1;
    }
    pthread_mutex_init(&k->lock, NULL);
    pthread_cond_init(&k->wake, NULL);
    if (pthread_create(&k->thread, NULL, ckpt_main, k) != 0) {
        snprintf(why, why_size, "%s: checkpointer: cannot start its thread", path);
        pthread_mutex_destroy(&k->lock);
        pthread_cond_destroy(&k->wake);
        sqlite3_close(k->db);
        free(k);
        return -1;
    }
    (void)sqlite3_wal_hook(writer, on_commit, k);
    *out = k;
    return 0;
}

void sqlite_ckpt_stop(struct sqlite_ckpt *k) {
    if (k == NULL) return;
    assert(k->writer != NULL && k->db != NULL);
    (void)sqlite_ckpt_idle(k);
    (void)sqlite3_wal_hook(k->writer, on_commit, NULL); /* the writer checkpoints again */
    pthread_mutex_lock(&k->lock);
    k->stopping = true;
    pthread_cond_signal(&k->wake);
    pthread_mutex_unlock(&k->lock);
    pthread_join(k->thread, NULL);
    pthread_mutex_destroy(&k->lock);
    pthread_cond_destroy(&k->wake);
    sqlite3_close(k->db);
    free(k);
}

void sqlite_ckpt_print(FILE *out) {
    assert(out != NULL);
    lat_print(out, "WAL checkpoint inside a COMMIT", &in_commit);
    lat_print(out, "WAL checkpoint pass (own thread)", &passes);
    lat_print(out, "  its finish by the writer, between rounds", &finishes);
    int64_t failed = atomic_load_explicit(&checkpoints_failed, memory_order_relaxed);
    fprintf(out, "yibao serve:   largest WAL at a commit: %lld pages; %lld checkpoints failed\n",
            (long long)atomic_load_explicit(&wal_pages_seen_max, memory_order_relaxed),
            (long long)failed);
}

void sqlite_ckpt_counts(struct sqlite_ckpt_counts *out) {
    assert(out != NULL);
    out->in_commit = atomic_load_explicit(&in_commit.count, memory_order_relaxed);
    out->passes_asked = atomic_load_explicit(&passes_asked, memory_order_relaxed);
    out->passes = atomic_load_explicit(&passes.count, memory_order_relaxed);
    out->finishes = atomic_load_explicit(&finishes.count, memory_order_relaxed);
    out->failed = atomic_load_explicit(&checkpoints_failed, memory_order_relaxed);
    out->wal_pages_max = atomic_load_explicit(&wal_pages_seen_max, memory_order_relaxed);
    out->wal_pages_last = atomic_load_explicit(&wal_pages_last, memory_order_relaxed);
    assert(out->passes <= out->passes_asked);
}
