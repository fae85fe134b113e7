/* visit_cache.c: the visits as this server last committed them, kept in
 * memory for 2204/2301's prepare step (txn_fee_prepare), on PostgreSQL
 * only. A visit flow registers (2201), describes (2203) and then uploads
 * two charge batches (2204): each upload's prepare read the visit on the
 * HTTP side, a round trip of its own, only to run the engine for the
 * per-line answer; the write's job then reads it again, locked, and checks
 * that the engine's inputs did not change (same_visit). So the prepare
 * may as well start from the visit as the writes of this server left it:
 * the locked read stays the judge. When it finds the visit changed (a
 * write of another server, or of this one noted out of order), the
 * request runs its prepare again on a fresh read (c->visit_moved,
 * service.c), and a refusal decided on a cached visit is decided again on
 * a fresh read (txn_fee_prepare): no answer depends on the cache.
 *
 * A fixed table of SVC_VISIT_CACHE_SLOTS visits, slot id % slots: a newer
 * visit takes its slot from an older one (a miss is a read, as before).
 * Entries are noted after their write committed (replayable_done), never
 * before: a visit of a rolled-back batch is never seen. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "service/svc.h"

int svc_visit_cache_open(struct service *svc) {
    assert(svc != NULL && svc->visit_cache == NULL);
    pthread_mutex_init(&svc->visit_cache_lock, NULL);
    svc->visit_cache = calloc(SVC_VISIT_CACHE_SLOTS, sizeof *svc->visit_cache);
    return svc->visit_cache != NULL ? 0 : -1;
}

void svc_visit_cache_close(struct service *svc) {
    assert(svc != NULL);
    if (svc->visit_cache == NULL) return;
    free(svc->visit_cache);
    svc->visit_cache = NULL;
    pthread_mutex_destroy(&svc->visit_cache_lock);
}

static size_t slot_of(int64_t id) {
    assert(id > 0);
    return (size_t)((uint64_t)id % SVC_VISIT_CACHE_SLOTS);
}

bool svc_visit_cache_get(struct service *svc, int64_t id, struct svc_visit *out) {
    assert(svc != NULL && out != NULL);
    if (svc->visit_cache == NULL || id <= 0) return false;
    pthread_mutex_lock(&svc->visit_cache_lock);
    const struct svc_visit *e = &svc->visit_cache[slot_of(id)];
    bool hit = e->id == id;
    if (hit) *out = *e;
    pthread_mutex_unlock(&svc->visit_cache_lock);
    assert(!hit || out->id == id);
    return hit;
}

void svc_visit_cache_put(struct service *svc, const struct svc_visit *v) {
    assert(svc != NULL && v != NULL && v->id > 0);
    if (svc->visit_cache == NULL) return;
    pthread_mutex_lock(&svc->visit_cache_lock);
    svc->visit_cache[slot_of(v->id)] = *v;
    pthread_mutex_unlock(&svc->visit_cache_lock);
}

void svc_visit_cache_drop(struct service *svc, int64_t id) {
    assert(svc != NULL);
    if (svc->visit_cache == NULL || id <= 0) return;
    pthread_mutex_lock(&svc->visit_cache_lock);
    struct svc_visit *e = &svc->visit_cache[slot_of(id)];
    if (e->id == id) memset(e, 0, sizeof *e);
    pthread_mutex_unlock(&svc->visit_cache_lock);
}
