/* signin.c: the envelope's sign_no. An operator signs in with 9001 and
 * gets a sign_no (svc_signin); every other transaction must carry a
 * sign_no issued to the same institution (the credential's), not signed
 * out with 9002 (svc_signout) and not older than sign_in_valid_s. The
 * check runs for every request, so it is answered from memory: a hash
 * table by sign_no of the sign-ins seen valid, loaded at start from the
 * table (the ones still inside their validity), filled by 9001 and 9002
 * once committed, and by reading the table on a miss. An entry is re-read
 * when SVC_SIGNIN_RECHECK_S old, so a sign-out made through another
 * server on the same database applies here within that bound. A sign-out
 * is final: merging a row read earlier never un-signs an entry out.
 *
 * At most SVC_SIGNIN_MAX entries; when full, entries expired or signed
 * out are dropped (at most every SVC_SIGNIN_SWEEP_S), and a sign-in that
 * still does not fit is checked against the table on each request:
 * slower, never wrong. Unknown sign_nos are not cached (each is a read of
 * the table's primary key, for an authenticated caller). */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/svc.h"

struct signin_entry {
    struct svc_signin row;
    int64_t checked_s;         /* when row was last read from the table */
    struct signin_entry *next; /* bucket chain */
};

struct signin_cache {
    pthread_mutex_t lock; /* never held while the table is read */
    int64_t valid_s;
    struct signin_entry *buckets[SVC_SIGNIN_BUCKETS];
    size_t count;
    int64_t swept_s;
};

int64_t svc_sign_no_parse(const char *text) {
    assert(text != NULL);
    size_t n = strlen(text);
    if (n == 0 || n > SERVICE_SIGN_NO_BYTES_MAX) return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9') return -1;
        int d = text[i] - '0';
        if (v > (INT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
        assert(v >= 0); /* the check above keeps it from overflowing */
    }
    return v > 0 ? v : -1;
}

static size_t bucket_of(int64_t sign_no) {
    assert(sign_no > 0 && (SVC_SIGNIN_BUCKETS & (SVC_SIGNIN_BUCKETS - 1)) == 0);
    uint64_t h = (uint64_t)sign_no * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 32) & (SVC_SIGNIN_BUCKETS - 1);
}

static bool row_expired(const struct signin_cache *sc, const struct svc_signin *row,
                        int64_t now_s) {
    assert(sc->valid_s >= 1 && sc->valid_s <= SERVICE_SIGN_IN_VALID_S_MAX);
    return now_s - row->time_s > sc->valid_s;
}

static bool row_dead(const struct signin_cache *sc, const struct svc_signin *row, int64_t now_s) {
    assert(sc != NULL && row != NULL);
    return row->signout_s != 0 || row_expired(sc, row, now_s);
}

static struct signin_entry *find(struct signin_cache *sc, int64_t sign_no) {
    assert(sign_no > 0 && sc->count <= SVC_SIGNIN_MAX);
    for (struct signin_entry *e = sc->buckets[bucket_of(sign_no)]; e != NULL; e = e->next)
        if (e->row.sign_no == sign_no) return e;
    return NULL;
}

/* Drops the entries that can no longer pass the check. */
static void sweep(struct signin_cache *sc, int64_t now_s) {
    size_t count = 0;
    sc->swept_s = now_s;
    for (size_t b = 0; b < SVC_SIGNIN_BUCKETS; b++) {
        struct signin_entry **link = &sc->buckets[b];
        while (*link != NULL) {
            struct signin_entry *e = *link;
            if (row_dead(sc, &e->row, now_s)) {
                *link = e->next;
                free(e);
                sc->count--;
            } else {
                link = &e->next;
                count++;
            }
        }
    }
    assert(count == sc->count); /* the count is the entries in the buckets */
}

/* Merges row (read now, or just committed) into the cache; *row receives
 * the merged state. A new entry is made only for a live sign-in. Under
 * sc->lock. */
static void remember(struct signin_cache *sc, struct svc_signin *row, int64_t now_s) {
    assert(row->sign_no > 0);
    struct signin_entry *e = find(sc, row->sign_no);
    if (e != NULL) {
        if (e->row.signout_s != 0 && row->signout_s == 0) row->signout_s = e->row.signout_s;
        assert(e->row.sign_no == row->sign_no);
        e->row = *row;
        e->checked_s = now_s;
        return;
    }
    if (row_dead(sc, row, now_s)) return;
    if (sc->count >= SVC_SIGNIN_MAX && now_s - sc->swept_s >= SVC_SIGNIN_SWEEP_S) sweep(sc, now_s);
    if (sc->count >= SVC_SIGNIN_MAX) return; /* checked against the table instead */
    e = malloc(sizeof *e);
    if (e == NULL) return;
    e->row = *row;
    e->checked_s = now_s;
    size_t b = bucket_of(row->sign_no);
    e->next = sc->buckets[b];
    sc->buckets[b] = e;
    sc->count++;
    assert(sc->count <= SVC_SIGNIN_MAX);
}

void svc_signin_note(struct service *svc, const struct svc_signin *row, int64_t now_s) {
    assert(svc != NULL && row != NULL);
    struct signin_cache *sc = svc->signins;
    if (sc == NULL || row->sign_no <= 0) return;
    struct svc_signin copy = *row;
    pthread_mutex_lock(&sc->lock);
    remember(sc, &copy, now_s);
    pthread_mutex_unlock(&sc->lock);
}

struct signin_load {
    struct signin_cache *sc;
    int64_t now_s;
};

static int load_row(void *ctx, const struct svc_signin *row) {
    struct signin_load *l = ctx;
    assert(l != NULL && l->sc != NULL && row != NULL);
    if (row->sign_no <= 0) return 0; /* not a number 9001 issues: never checked valid */
    struct svc_signin copy = *row;
    remember(l->sc, &copy, l->now_s);
    return 0;
}

int svc_signin_start(struct service *svc, int64_t now_s, char *err, size_t err_size) {
    assert(svc != NULL && svc->signins == NULL);
    if (svc->cfg.sign_in_off) return 0;
    struct signin_cache *sc = calloc(1, sizeof *sc);
    if (sc == NULL || pthread_mutex_init(&sc->lock, NULL) != 0) {
        free(sc);
        return snprintf(err, err_size, "out of memory"), -1;
    }
    sc->valid_s = svc->cfg.sign_in_valid_s;
    sc->swept_s = now_s;
    svc->signins = sc;
    struct signin_load l = {sc, now_s};
    svcdb_lock(svc->db);
    int rc = svcdb_signin_scan(svc->db, now_s - sc->valid_s, load_row, &l);
    svcdb_unlock(svc->db);
    if (rc != 0) return snprintf(err, err_size, "sign-ins: %s", svcdb_error(svc->db)), -1;
    return 0;
}

void svc_signin_free(struct service *svc) {
    struct signin_cache *sc = svc->signins;
    if (sc == NULL) return;
    size_t freed = 0;
    for (size_t b = 0; b < SVC_SIGNIN_BUCKETS; b++) {
        struct signin_entry *e = sc->buckets[b];
        while (e != NULL) {
            struct signin_entry *next = e->next;
            free(e);
            e = next;
            freed++;
        }
    }
    assert(freed == sc->count);
    pthread_mutex_destroy(&sc->lock);
    free(sc);
    svc->signins = NULL;
}

/* The sign-in of sign_no: 1 found (*row), 0 never issued, -1 storage
 * error. From the cache while fresh, else from the table. */
static int lookup(struct service *svc, int64_t sign_no, int64_t now_s, struct svc_signin *row) {
    struct signin_cache *sc = svc->signins;
    assert(sc != NULL && sign_no > 0 && row != NULL);
    pthread_mutex_lock(&sc->lock);
    struct signin_entry *e = find(sc, sign_no);
    bool fresh = e != NULL && now_s >= e->checked_s && now_s - e->checked_s < SVC_SIGNIN_RECHECK_S;
    if (fresh) *row = e->row;
    assert(!fresh || row->sign_no == sign_no);
    pthread_mutex_unlock(&sc->lock);
    if (fresh) return 1;
    bool found = false;
    svcdb_lock(svc->rdb);
    int rc = svcdb_signin_get(svc->rdb, sign_no, row, &found);
    svcdb_unlock(svc->rdb);
    if (rc != 0) return -1;
    if (!found) return 0; /* a cached entry of a deleted row is refused the same way */
    pthread_mutex_lock(&sc->lock);
    remember(sc, row, now_s);
    pthread_mutex_unlock(&sc->lock);
    return 1;
}

int svc_signin_check(struct svc_call *c) {
    struct service *svc = c->svc;
    assert(c->env != NULL && c->reg != NULL); /* after the envelope and credential checks */
    if (svc->cfg.sign_in_off) return 0;
    assert(svc->signins != NULL);
    char text[SERVICE_SIGN_NO_BYTES_MAX + 1];
    int rc = in_code(c, c->env, "sign_no", "envelope", false, text, sizeof text);
    if (rc < 0) return -1;
    if (rc == 1) return svc_fail(c, "envelope.sign_no: not signed in (call 9001 first)");
    int64_t sign_no = svc_sign_no_parse(text);
    struct svc_signin row;
    rc = sign_no > 0 ? lookup(svc, sign_no, c->now_s, &row) : 0;
    if (rc < 0) return svc_fail(c, "storage: %s", svcdb_error(svc->rdb));
    if (rc == 0)
        return svc_fail(c,
                        "envelope.sign_no: not signed in ('%s' was not issued by 9001; "
                        "call 9001 first)",
                        text);
    if (strcmp(row.fixmedins_code, c->fixmedins_code) != 0)
        return svc_fail(c, "envelope.sign_no: issued to another institution (not to '%s')",
                        c->fixmedins_code);
    char when[20];
    if (row.signout_s != 0) {
        datetime_format(svc_unix_to_local(row.signout_s), when);
        return svc_fail(c, "envelope.sign_no: signed out (9002 at %s; call 9001 again)", when);
    }
    if (row_expired(svc->signins, &row, c->now_s)) {
        datetime_format(svc_unix_to_local(row.time_s), when);
        return svc_fail(
            c, "envelope.sign_no: expired (signed in at %s, valid %" PRId64 " s; call 9001 again)",
            when, svc->signins->valid_s);
    }
    return 0;
}
