/* auth.c: the gateway's security checks for every request: the
 * credential named by x-tif-paasid (cached from the service tables), the
 * timestamp window, the nonce (never twice per paasid while its timestamp
 * could still be accepted), the signature (SHA-256 of timestamp + token +
 * nonce + timestamp, or HMAC-SHA-256 over timestamp, nonce and body when
 * x-tif-signature-method is hmac-sha256), and that the envelope's
 * fixmedins_code is the credential's own. The checks that need no body
 * also run before it is read (service_precheck), so that a request without
 * a valid credential is refused without its body being held.
 *
 * Credentials are cached in a hash table by paasid and re-read from the
 * table every SVC_CRED_RECHECK_S (revocation takes effect within that).
 * Nonces are checked in memory per paasid and persisted through the nonce
 * log (nonce_log.c); the ones still inside their window are loaded at
 * start, so a restart does not reopen the replay window. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "core/hash.h"
#include "service/svc.h"

/* A nonce is kept until no timestamp that could carry it is accepted:
 * inserted at now, its timestamp is >= now - window, and it is refused
 * after timestamp + window, so 2 * window after insertion it can go. */
struct nonce_entry {
    uint64_t hash;
    int64_t expires_s;
    uint32_t next; /* chain in the bucket: index + 1, 0 = end */
};

/* An array of the cache: calloc'd, or mapped on its own (map, span). */
struct nonce_array {
    void *at;
    void *map; /* NULL: calloc'd */
    size_t span;
};

struct nonce_cache {
    uint32_t capacity;    /* ring entries */
    uint32_t head, count; /* oldest entry, live entries */
    struct nonce_entry *ring;
    uint32_t bucket_count; /* power of two */
    uint32_t *buckets;     /* index + 1 */
    struct nonce_array ring_mem, buckets_mem;
};

/* A cache's arrays are as large as --nonce-cache makes them (28 bytes a
 * nonce: 448 MiB at 16 M). The ring is written in order, one page fault
 * per 4 KiB page; the buckets are read at random and only then written:
 * touched lazily, nearly every request's first touch of one of their
 * pages was a fault that mapped the zero page and then a second that
 * copied it and flushed the other cores' TLBs (4.9 % of a fresh server's
 * CPU over 10 s in the benchmark's 16 M cache). So the buckets of a cache
 * made larger than the default (NONCE_POPULATE_BYTES and more: a busy
 * institution's, chosen by the operator) are mapped on their own and
 * faulted in writable at once (MADV_POPULATE_WRITE: 64 MiB at 16 M; a
 * kernel without it leaves them lazy). The default's 4 MiB stay lazy: a
 * bureau's thousands of institutions, most of them quiet, would each hold
 * them at once, and the faults of one are a few thousand, once.
 * Transparent huge pages were tried instead: fewer faults, but each
 * zeroes 2 MiB under the credential's lock, and with the kernel compacting
 * memory for them the one-shot flow's p999 on PostgreSQL went from 19-74
 * to 109-143 ms. */
#define NONCE_POPULATE_BYTES ((size_t)16 << 20)
_Static_assert((size_t)SERVICE_NONCES_PER_PAASID_DEFAULT * sizeof(uint32_t) < NONCE_POPULATE_BYTES,
               "the default cache's buckets stay lazy");

static int nonce_array_new(struct nonce_array *a, size_t bytes, bool populate) {
    assert(a != NULL && bytes > 0);
    memset(a, 0, sizeof *a);
    if (!populate || bytes < NONCE_POPULATE_BYTES)
        return (a->at = calloc(1, bytes)) != NULL ? 0 : -1;
    a->span = bytes;
    a->map = mmap(NULL, a->span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a->map == MAP_FAILED) return a->map = NULL, -1;
    a->at = a->map;
    (void)madvise(a->at, a->span, MADV_POPULATE_WRITE); /* refused: faulted lazily, zeroed */
    return 0;
}

static void nonce_array_free(struct nonce_array *a) {
    assert(a != NULL);
    if (a->map == NULL) free(a->at);
    else {
        int rc = munmap(a->map, a->span);
        assert(rc == 0); /* a whole mapping of our own: nothing to refuse */
        (void)rc;
    }
    memset(a, 0, sizeof *a);
}

static uint64_t nonce_hash(const char *nonce) {
    assert(nonce != NULL);
    uint64_t h = fnv1a_text(FNV_OFFSET, nonce);
    h ^= h >> 29;
    return h * 0xbf58476d1ce4e5b9ULL;
}

static struct nonce_cache *nonce_cache_new(uint32_t capacity) {
    assert(capacity >= 16 && capacity <= SERVICE_NONCES_PER_PAASID_MAX); /* config_check */
    struct nonce_cache *nc = calloc(1, sizeof *nc);
    if (nc == NULL) return NULL;
    nc->capacity = capacity;
    nc->bucket_count = 16;
    while (nc->bucket_count < capacity) nc->bucket_count *= 2;
    int rc = nonce_array_new(&nc->ring_mem, (size_t)capacity * sizeof *nc->ring, false);
    if (rc == 0)
        rc = nonce_array_new(&nc->buckets_mem, nc->bucket_count * sizeof *nc->buckets, true);
    if (rc != 0) {
        nonce_array_free(&nc->ring_mem);
        free(nc);
        return NULL;
    }
    nc->ring = nc->ring_mem.at;
    nc->buckets = nc->buckets_mem.at;
    assert((nc->bucket_count & (nc->bucket_count - 1)) == 0 && nc->bucket_count >= capacity);
    return nc;
}

static void nonce_cache_free(struct nonce_cache *nc) {
    if (nc == NULL) return;
    assert(nc->count <= nc->capacity && nc->head < nc->capacity);
    nonce_array_free(&nc->ring_mem);
    nonce_array_free(&nc->buckets_mem);
    free(nc);
}

/* Drops the oldest entry from its bucket chain. */
static void nonce_drop_oldest(struct nonce_cache *nc) {
    assert(nc->count > 0);
    uint32_t idx = nc->head;
    uint32_t *link = &nc->buckets[nc->ring[idx].hash & (nc->bucket_count - 1)];
    while (*link != 0 && *link != idx + 1) link = &nc->ring[*link - 1].next;
    assert(*link == idx + 1);
    *link = nc->ring[idx].next;
    nc->head = (nc->head + 1) % nc->capacity;
    nc->count--;
}

/* A used nonce is keyed by its request's timestamp and the nonce: a
 * replay repeats both (the signature covers both), while clients whose
 * nonces are short (digits of 1-10 characters) may reuse one with another
 * timestamp without a false "already used". */
static uint64_t nonce_key(int64_t ts, const char *nonce) {
    assert(nonce != NULL);
    return nonce_hash(nonce) ^ ((uint64_t)ts * 0x9e3779b97f4a7c15ULL);
}

/* 0: recorded; 1: seen before; 2: cache full of live nonces. */
static int nonce_check_add(struct nonce_cache *nc, int64_t ts, const char *nonce, int64_t now_s,
                           int64_t window_s) {
    assert(nonce != NULL && window_s > 0 && nc->count <= nc->capacity);
    while (nc->count > 0 && nc->ring[nc->head].expires_s < now_s) nonce_drop_oldest(nc);
    uint64_t h = nonce_key(ts, nonce);
    uint32_t *bucket = &nc->buckets[h & (nc->bucket_count - 1)];
    for (uint32_t i = *bucket; i != 0; i = nc->ring[i - 1].next)
        if (nc->ring[i - 1].hash == h) return 1;
    if (nc->count == nc->capacity) return 2;
    uint32_t idx = (nc->head + nc->count) % nc->capacity;
    nc->ring[idx].hash = h;
    nc->ring[idx].expires_s = now_s + 2 * window_s;
    nc->ring[idx].next = *bucket;
    *bucket = idx + 1;
    nc->count++;
    assert(nc->count <= nc->capacity); /* the cache stays within its limit */
    return 0;
}

/* ---- signatures --------------------------------------------------------- */
static void hex_of(const unsigned char *raw, size_t n, char *out) {
    static const char hex[] = "0123456789abcdef";
    assert(raw != NULL && out != NULL && n <= EVP_MAX_MD_SIZE);
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[2 * n] = '\0';
}

void service_sign_sha256(const char *timestamp, const char *token, const char *nonce,
                         char out[65]) {
    char text[3 * 160];
    unsigned char md[SHA256_DIGEST_LENGTH];
    int n = snprintf(text, sizeof text, "%s%s%s%s", timestamp, token, nonce, timestamp);
    assert(n > 0);
    if ((size_t)n >= sizeof text) n = (int)sizeof text - 1; /* headers are length-checked first */
    SHA256((const unsigned char *)text, (size_t)n, md);
    hex_of(md, sizeof md, out);
}

void service_sign_hmac(const char *timestamp, const char *token, const char *nonce,
                       const char *body, size_t body_len, char out[65]) {
    assert(timestamp != NULL && token != NULL && nonce != NULL && out != NULL);
    assert(body != NULL || body_len == 0);
    size_t ts = strlen(timestamp), nn = strlen(nonce);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    unsigned char *msg = malloc(ts + nn + body_len + 2);
    if (msg == NULL) {
        memset(out, 'x', 64); /* never matches a real signature */
        out[64] = '\0';
        return;
    }
    memcpy(msg, timestamp, ts);
    msg[ts] = '\n';
    memcpy(msg + ts + 1, nonce, nn);
    msg[ts + 1 + nn] = '\n';
    if (body_len > 0) memcpy(msg + ts + nn + 2, body, body_len);
    bool ok = HMAC(EVP_sha256(), token, (int)strlen(token), msg, ts + nn + body_len + 2, md,
                   &md_len) != NULL &&
              md_len == SHA256_DIGEST_LENGTH;
    free(msg);
    if (!ok) {
        memset(out, 'x', 64);
        out[64] = '\0';
        return;
    }
    hex_of(md, SHA256_DIGEST_LENGTH, out);
}

/* ---- credentials cache -------------------------------------------------- */
/* Entries are hashed by paasid and never removed (a revoked credential
 * stays, inactive). Each is re-read from the table when older than
 * SVC_CRED_RECHECK_S, so a revocation (or re-activation) takes effect
 * within that bound. */
static size_t cred_bucket(const char *paasid) {
    assert(paasid != NULL && (SVC_CRED_BUCKETS & (SVC_CRED_BUCKETS - 1)) == 0);
    return (size_t)nonce_hash(paasid) & (SVC_CRED_BUCKETS - 1);
}

static struct cred_entry *cred_find(struct service *svc, const char *paasid) {
    assert(svc->cred_count <= SVC_CRED_MAX); /* under cred_lock */
    for (struct cred_entry *e = svc->cred_buckets[cred_bucket(paasid)]; e != NULL; e = e->next)
        if (strcmp(e->cred.paasid, paasid) == 0) return e;
    return NULL;
}

static struct cred_entry *cred_add(struct service *svc, const struct svc_credential *cred,
                                   int64_t now_s) {
    assert(cred->paasid[0] != '\0' && cred_find(svc, cred->paasid) == NULL); /* once per paasid */
    if (svc->cred_count >= SVC_CRED_MAX) return NULL;
    struct cred_entry *e = calloc(1, sizeof *e);
    if (e == NULL || pthread_mutex_init(&e->lock, NULL) != 0) {
        free(e);
        return NULL;
    }
    e->cred = *cred;
    e->checked_s = now_s;
    size_t b = cred_bucket(cred->paasid);
    e->next = svc->cred_buckets[b];
    svc->cred_buckets[b] = e;
    svc->cred_count++;
    assert(svc->cred_count <= SVC_CRED_MAX);
    return e;
}

/* The entry of paasid, read from the tables when missing or due; *cred
 * receives a copy of its credential. NULL: unknown, or (*uncached set) a
 * credential of the table that could not be cached (out of memory, or
 * SVC_CRED_MAX of them). */
static struct cred_entry *cred_lookup(struct service *svc, const char *paasid, int64_t now_s,
                                      struct svc_credential *cred, bool *uncached) {
    assert(paasid != NULL && cred != NULL && uncached != NULL);
    *uncached = false;
    pthread_mutex_lock(&svc->cred_lock);
    struct cred_entry *e = cred_find(svc, paasid);
    if (e == NULL || now_s - e->checked_s >= SVC_CRED_RECHECK_S || now_s < e->checked_s) {
        struct svc_credential fresh;
        bool found = false;
        svcdb_lock(svc->rdb);
        int rc = svcdb_credential_get(svc->rdb, paasid, &fresh, &found);
        svcdb_unlock(svc->rdb);
        if (rc == 0 && found && e != NULL) e->cred = fresh, e->checked_s = now_s;
        else if (rc == 0 && found) *uncached = (e = cred_add(svc, &fresh, now_s)) == NULL;
        else if (rc == 0 && e != NULL) e->cred.active = false, e->checked_s = now_s; /* deleted */
        /* a read error keeps the cached entry as it was */
    }
    if (e != NULL) *cred = e->cred;
    assert(e == NULL || strcmp(cred->paasid, paasid) == 0);
    pthread_mutex_unlock(&svc->cred_lock);
    return e;
}

/* 0: recorded; 1: seen before; 2: cache full; 3: out of memory. */
static int nonce_use(struct service *svc, struct cred_entry *e, int64_t ts, const char *nonce,
                     int64_t now_s) {
    assert(e != NULL && nonce != NULL && strlen(nonce) <= SERVICE_NONCE_BYTES_MAX);
    pthread_mutex_lock(&e->lock);
    if (e->nonces == NULL) e->nonces = nonce_cache_new(svc->cfg.nonces_per_paasid);
    int rc = e->nonces ? nonce_check_add(e->nonces, ts, nonce, now_s, svc->cfg.time_window_s) : 3;
    pthread_mutex_unlock(&e->lock);
    assert(rc >= 0 && rc <= 3);
    return rc;
}

struct nonce_load {
    struct service *svc;
    const char *failure; /* why the load stopped; NULL: a storage error */
};

/* A used nonce into its credential's cache. One that cannot be held fails
 * the start: a nonce left out could be replayed within the window. */
static int nonce_load(void *ctx, const struct svc_nonce *row) {
    struct nonce_load *l = ctx;
    assert(l != NULL && l->svc != NULL && row != NULL && !l->svc->cfg.auth_off);
    struct svc_credential cred;
    int64_t now_s = (int64_t)time(NULL);
    bool uncached = false;
    struct cred_entry *e = cred_lookup(l->svc, row->paasid, now_s, &cred, &uncached);
    assert(e == NULL || !uncached);
    if (uncached) l->failure = "a credential cannot be cached (out of memory, or too many)";
    else if (e != NULL && nonce_use(l->svc, e, row->ts, row->nonce, now_s) == 3)
        l->failure = "out of memory";
    return l->failure != NULL ? -1 : 0;
}

/* The key the tokens derive from. A missing file is no error: a store of
 * a previous release has only plaintext tokens, which sign without it
 * (the first `yibao credential issue` or `rotate` makes the file). */
static int auth_key_load(struct service *svc, char *err, size_t err_size) {
    bool created = false;
    assert(svc != NULL && !svc->key_loaded);
    if (service_key_path(svc->target, svc->cfg.key_file, svc->key_path, sizeof svc->key_path, err,
                         err_size) != 0)
        return -1;
    if (access(svc->key_path, F_OK) != 0 && errno == ENOENT) {
        fprintf(stderr,
                "yibao serve: no key file %s: only credentials of a previous release "
                "sign in\n",
                svc->key_path);
        return 0;
    }
    if (service_key_load(svc->key_path, false, &svc->key, &created, err, err_size) != 0) return -1;
    svc->key_loaded = true;
    assert(!created && strlen(svc->key.id) == SERVICE_KEY_ID_HEX_BYTES);
    return 0;
}

int svc_auth_start(struct service *svc, int64_t now_s, char *err, size_t err_size) {
    assert(svc != NULL && svc->nonce_log == NULL && svc->cred_count == 0);
    if (svc->cfg.auth_off) return 0;
    if (auth_key_load(svc, err, err_size) != 0) return -1;
    if (nonce_log_start(svc->target, svc->cfg.db_sync_off, svc->cfg.time_window_s, &svc->nonce_log,
                        err, err_size) != 0)
        return -1;
    struct nonce_load l = {svc, NULL};
    if (nonce_log_scan(svc->nonce_log, now_s - svc->cfg.time_window_s, nonce_load, &l) != 0)
        return snprintf(err, err_size, "nonces: %s",
                        l.failure ? l.failure : nonce_log_error(svc->nonce_log)),
               -1;
    return 0;
}

void svc_auth_free(struct service *svc) {
    assert(svc != NULL);
    OPENSSL_cleanse(&svc->key, sizeof svc->key);
    svc->key_loaded = false;
    nonce_log_stop(svc->nonce_log);
    svc->nonce_log = NULL;
    for (size_t b = 0; b < SVC_CRED_BUCKETS; b++) {
        struct cred_entry *e = svc->cred_buckets[b];
        while (e != NULL) {
            struct cred_entry *next = e->next;
            nonce_cache_free(e->nonces);
            pthread_mutex_destroy(&e->lock);
            free(e);
            e = next;
        }
        svc->cred_buckets[b] = NULL;
    }
    assert(svc->cred_count <= SVC_CRED_MAX);
    svc->cred_count = 0;
}

static int header_text(struct svc_call *c, const char *value, const char *name, size_t max) {
    assert(c != NULL && name != NULL && max > 0);
    if (value == NULL || value[0] == '\0') return svc_fail(c, "auth: header %s missing", name);
    if (strlen(value) > max) return svc_fail(c, "auth: header %s longer than %zu bytes", name, max);
    return 0;
}

static int check_timestamp(struct svc_call *c, const struct svc_request *req, int64_t window_s,
                           int64_t *ts_out) {
    int64_t ts = 0;
    assert(req->timestamp != NULL && window_s > 0 && ts_out != NULL);
    size_t n = strlen(req->timestamp);
    if (n > 12) return svc_fail(c, "auth: x-tif-timestamp: not unix seconds");
    for (size_t i = 0; i < n; i++) {
        if (req->timestamp[i] < '0' || req->timestamp[i] > '9')
            return svc_fail(c, "auth: x-tif-timestamp: not unix seconds");
        ts = ts * 10 + (req->timestamp[i] - '0');
    }
    if (ts < req->now_s - window_s || ts > req->now_s + window_s)
        return svc_fail(c,
                        "auth: x-tif-timestamp %" PRId64 " is outside +-%" PRId64
                        " s of the server's time %" PRId64,
                        ts, window_s, req->now_s);
    *ts_out = ts;
    assert(ts >= 0);
    return 0;
}

/* The credential's token: derived from the server's key, or a previous
 * release's plaintext one (version 0). -1 with c->err when none can be. */
static int credential_token(struct svc_call *c, struct cred_entry *e,
                            const struct svc_credential *cred,
                            char token[SERVICE_TOKEN_HEX_BYTES + 1]) {
    struct service *svc = c->svc;
    assert(cred != NULL && cred->token_version >= 0);
    if (cred->token_version == 0) {
        if (cred->legacy_token[0] == '\0')
            return svc_fail(c, "auth: x-tif-paasid: the credential has no token; rotate it");
        snprintf(token, SERVICE_TOKEN_HEX_BYTES + 1, "%s", cred->legacy_token);
        return 0;
    }
    if (!svc->key_loaded)
        return svc_fail(c, "auth: x-tif-paasid: the server has no key file (%s)", svc->key_path);
    if (strcmp(cred->key_id, svc->key.id) != 0)
        return svc_fail(c,
                        "auth: x-tif-paasid: the credential was issued under key %s; this "
                        "server holds key %s",
                        cred->key_id, svc->key.id);
    assert(e != NULL && strcmp(e->cred.paasid, cred->paasid) == 0);
    pthread_mutex_lock(&e->lock); /* derived once per version and key, not per request */
    if (e->token[0] == '\0' || e->token_version != cred->token_version ||
        strcmp(e->token_key_id, cred->key_id) != 0) {
        service_token_derive(&svc->key, cred->paasid, cred->token_version, e->token);
        e->token_version = cred->token_version;
        snprintf(e->token_key_id, sizeof e->token_key_id, "%s", cred->key_id);
    }
    memcpy(token, e->token, SERVICE_TOKEN_HEX_BYTES + 1);
    pthread_mutex_unlock(&e->lock);
    assert(strlen(token) == SERVICE_TOKEN_HEX_BYTES);
    return 0;
}

static int check_signature(struct svc_call *c, const struct svc_request *req, struct cred_entry *e,
                           const struct svc_credential *cred) {
    char want[65], token[SERVICE_TOKEN_HEX_BYTES + 1];
    assert(cred != NULL && req->timestamp != NULL && req->nonce != NULL && req->signature != NULL);
    const char *method = req->sign_method;
    bool hmac = method != NULL && strcmp(method, "hmac-sha256") == 0;
    if (!hmac && method != NULL && method[0] != '\0' && strcmp(method, "sha256") != 0)
        return svc_fail(c, "auth: x-tif-signature-method: must be sha256 or hmac-sha256");
    if (!hmac && cred->hmac_required)
        return svc_fail(c, "auth: x-tif-signature-method: this credential must sign the body "
                           "(hmac-sha256)");
    if (credential_token(c, e, cred, token) != 0) return -1;
    if (hmac) service_sign_hmac(req->timestamp, token, req->nonce, req->body, req->body_len, want);
    else service_sign_sha256(req->timestamp, token, req->nonce, want);
    OPENSSL_cleanse(token, sizeof token);
    if (strlen(req->signature) != 64 || CRYPTO_memcmp(want, req->signature, 64) != 0)
        return svc_fail(c, "auth: x-tif-signature does not match");
    assert(strlen(want) == 64);
    return 0;
}

/* The x-tif-* headers: present, and not longer than they can be. */
static int tif_headers(struct svc_call *c, const struct svc_request *req) {
    assert(c != NULL && req != NULL);
    if (header_text(c, req->paasid, "x-tif-paasid", SERVICE_PAASID_BYTES_MAX) != 0 ||
        header_text(c, req->timestamp, "x-tif-timestamp", 20) != 0 ||
        header_text(c, req->nonce, "x-tif-nonce", SERVICE_NONCE_BYTES_MAX) != 0 ||
        header_text(c, req->signature, "x-tif-signature", 128) != 0)
        return -1;
    return 0;
}

/* The active credential of paasid (from the header named header) into
 * *cred, and its cache entry; NULL after svc_fail. */
static struct cred_entry *gateway_credential(struct service *svc, const char *paasid,
                                             const char *header, int64_t now_s,
                                             struct svc_credential *cred, struct svc_call *c) {
    bool uncached = false;
    assert(paasid != NULL && header != NULL && cred != NULL);
    struct cred_entry *e = cred_lookup(svc, paasid, now_s, cred, &uncached);
    if (uncached)
        return svc_fail(c,
                        "auth: %s: the credential cannot be cached (out of memory, or %d "
                        "credentials)",
                        header, SVC_CRED_MAX),
               NULL;
    if (e == NULL) return svc_fail(c, "auth: %s: unknown credential", header), NULL;
    if (!cred->active) return svc_fail(c, "auth: %s: credential revoked", header), NULL;
    return e;
}

/* True when the signature covers the body (hmac-sha256): it can only be
 * checked once the body is read. */
static bool tif_body_signed(const struct svc_request *req) {
    assert(req != NULL);
    return req->sign_method != NULL && strcmp(req->sign_method, "hmac-sha256") == 0;
}

/* ---- the _api_* scheme of provincial gateways (docs/INTEROP.md) ---------- */
#define API_NAME_BYTES_MAX 16
#define API_VERSION_BYTES_MAX 16
#define API_SIGNATURE_BYTES_MAX 64 /* base64 of 20 bytes is 28 */
#define API_TEXT_BYTES_MAX 256     /* the signed text */

static bool api_scheme(const struct svc_request *req) {
    assert(req != NULL);
    return req->paasid == NULL && req->api_access_key != NULL;
}

static int api_headers(struct svc_call *c, const struct svc_request *req) {
    assert(c != NULL && req != NULL);
    if (header_text(c, req->api_access_key, "_api_access_key", SERVICE_PAASID_BYTES_MAX) != 0 ||
        header_text(c, req->api_name, "_api_name", API_NAME_BYTES_MAX) != 0 ||
        header_text(c, req->api_timestamp, "_api_timestamp", 13) != 0 ||
        header_text(c, req->api_version, "_api_version", API_VERSION_BYTES_MAX) != 0 ||
        header_text(c, req->api_signature, "_api_signature", API_SIGNATURE_BYTES_MAX) != 0)
        return -1;
    return 0;
}

/* _api_timestamp: unix seconds (10 digits) or milliseconds (13), within
 * the window; *ts_s in seconds. */
static int api_timestamp(struct svc_call *c, const struct svc_request *req, int64_t window_s,
                         int64_t *ts_s) {
    int64_t ts = 0;
    size_t n = strlen(req->api_timestamp);
    assert(window_s > 0 && ts_s != NULL);
    for (size_t i = 0; i < n; i++) {
        if (req->api_timestamp[i] < '0' || req->api_timestamp[i] > '9')
            return svc_fail(c, "auth: _api_timestamp: not unix seconds or milliseconds");
        ts = ts * 10 + (req->api_timestamp[i] - '0');
    }
    if (n != 10 && n != 13)
        return svc_fail(c, "auth: _api_timestamp: not unix seconds or milliseconds");
    if (n == 13) ts /= 1000;
    if (ts < req->now_s - window_s || ts > req->now_s + window_s)
        return svc_fail(
            c, "auth: _api_timestamp %s is outside +-%" PRId64 " s of the server's time %" PRId64,
            req->api_timestamp, window_s, req->now_s);
    *ts_s = ts;
    return 0;
}

/* base64(HMAC-SHA1(token, "_api_access_key=..&_api_name=..&_api_timestamp=
 * ..&_api_version=..")), the keys in their natural order. */
static int api_signature(struct svc_call *c, const struct svc_request *req, struct cred_entry *e,
                         const struct svc_credential *cred) {
    char token[SERVICE_TOKEN_HEX_BYTES + 1], text[API_TEXT_BYTES_MAX];
    unsigned char md[EVP_MAX_MD_SIZE], want[64];
    unsigned int md_len = 0;
    assert(cred != NULL && req->api_signature != NULL);
    if (cred->hmac_required) /* this scheme never signs the body */
        return svc_fail(c, "auth: _api_signature: this credential must sign the body "
                           "(x-tif-signature-method hmac-sha256)");
    if (credential_token(c, e, cred, token) != 0) return -1;
    int n = snprintf(text, sizeof text,
                     "_api_access_key=%s&_api_name=%s&_api_timestamp=%s&_api_version=%s",
                     req->api_access_key, req->api_name, req->api_timestamp, req->api_version);
    assert(n > 0 && (size_t)n < sizeof text); /* each part was length-checked */
    bool ok = HMAC(EVP_sha1(), token, (int)strlen(token), (const unsigned char *)text, (size_t)n,
                   md, &md_len) != NULL;
    OPENSSL_cleanse(token, sizeof token);
    int len = ok ? EVP_EncodeBlock(want, md, (int)md_len) : 0;
    if (!ok || len <= 0 || strlen(req->api_signature) != (size_t)len ||
        CRYPTO_memcmp(want, req->api_signature, (size_t)len) != 0)
        return svc_fail(c, "auth: _api_signature does not match");
    return 0;
}

/* ---- one form for both schemes ------------------------------------------- */
/* What a request's gateway headers come to, whichever scheme carried them. */
struct gateway {
    const char *paasid;
    const char *paasid_header; /* for messages */
    int64_t ts_s;
    char nonce[SERVICE_NONCE_BYTES_MAX + 1]; /* what a replay repeats (with ts_s) */
};

/* The checks that need no body (both schemes); for the signature too when
 * it does not cover the body. *e and *cred: the credential. */
static int gateway_front(struct service *svc, const struct svc_request *req, struct gateway *g,
                         struct cred_entry **e, struct svc_credential *cred, struct svc_call *c) {
    assert(svc != NULL && !svc->cfg.auth_off && g != NULL && e != NULL);
    memset(g, 0, sizeof *g);
    bool api = api_scheme(req);
    if (api ? api_headers(c, req) : tif_headers(c, req)) return -1;
    g->paasid = api ? req->api_access_key : req->paasid;
    g->paasid_header = api ? "_api_access_key" : "x-tif-paasid";
    if ((api ? api_timestamp(c, req, svc->cfg.time_window_s, &g->ts_s)
             : check_timestamp(c, req, svc->cfg.time_window_s, &g->ts_s)) != 0)
        return -1;
    *e = gateway_credential(svc, g->paasid, g->paasid_header, req->now_s, cred, c);
    if (*e == NULL) return -1;
    if (api) return api_signature(c, req, *e, cred);
    if (!tif_body_signed(req) && check_signature(c, req, *e, cred) != 0) return -1;
    snprintf(g->nonce, sizeof g->nonce, "%s", req->nonce);
    return 0;
}

int service_precheck(struct service *svc, const struct svc_request *req, char *err,
                     size_t err_size) {
    struct gateway g;
    struct cred_entry *e = NULL;
    struct svc_credential cred;
    assert(svc != NULL && req != NULL && err != NULL && err_size > 0);
    if (svc->cfg.auth_off) return 0;
    struct svc_call c = {.svc = svc};
    int rc = gateway_front(svc, req, &g, &e, &cred, &c);
    if (rc != 0) snprintf(err, err_size, "%s", c.err);
    assert(rc == 0 || c.err[0] != '\0'); /* a refusal says why */
    return rc;
}

/* The _api_ scheme signs neither the body nor a nonce: a replay is the same
 * signature and body, so those are its nonce; _api_name is the infno. */
static int api_replay_key(struct svc_call *c, const struct svc_request *req, struct gateway *g) {
    char body_hash[HASH_HEX_BYTES + 1];
    assert(api_scheme(req) && g != NULL);
    if (strcmp(req->api_name, c->infno) != 0)
        return svc_fail(c, "auth: _api_name '%s' is not the envelope's infno '%s'", req->api_name,
                        c->infno);
    sha256_hex(req->body, req->body_len, body_hash);
    char sig_hash[HASH_HEX_BYTES + 1];
    sha256_hex(req->api_signature, strlen(req->api_signature), sig_hash);
    snprintf(g->nonce, sizeof g->nonce, "api:%.16s%.16s", sig_hash, body_hash);
    return 0;
}

int svc_auth(struct service *svc, const struct svc_request *req, const char *body_code,
             struct svc_call *c) {
    struct gateway g;
    struct cred_entry *e = NULL;
    struct svc_credential cred;
    assert(svc != NULL && req != NULL);
    if (svc->cfg.auth_off) return 0;
    if (gateway_front(svc, req, &g, &e, &cred, c) != 0) return -1;
    if (!api_scheme(req) && tif_body_signed(req) && check_signature(c, req, e, &cred) != 0)
        return -1;
    if (api_scheme(req) && api_replay_key(c, req, &g) != 0) return -1;
    c->cred = e;
    snprintf(c->paasid, sizeof c->paasid, "%s", cred.paasid);
    if (strcmp(body_code, cred.fixmedins_code) != 0)
        return svc_fail(c, "fixmedins_code: '%s' is not the credential's institution", body_code);
    int rc = nonce_use(svc, e, g.ts_s, g.nonce, req->now_s);
    if (rc == 1)
        return svc_fail(c, "auth: %s: already used",
                        api_scheme(req) ? "_api_signature (this "
                                          "request was sent before)"
                                        : "x-tif-nonce");
    if (rc == 2)
        return svc_fail(c, "auth: too many requests in the time window (nonce cache full)");
    if (rc == 3) return svc_fail(c, "auth: out of memory");
    if (svc->nonce_log != NULL && nonce_log_add(svc->nonce_log, g.paasid, g.nonce, g.ts_s) != 0)
        return svc_fail(c, "auth: nonces cannot be recorded now (storage); retry with a new nonce");
    return 0;
}

/* ---- person reads: a token bucket per credential ------------------------ */
#define READ_MILLI 1000                 /* one read, in the bucket's thousandths */
#define READ_REFILL_S_MAX (366 * 86400) /* a longer pause fills the bucket anyway */

int svc_person_read_take(struct svc_call *c) {
    struct cred_entry *e = c->cred;
    const struct service_config *cfg = &c->svc->cfg;
    assert(c->txn != NULL && c->txn->reads_person);
    if (e == NULL) return 0; /* auth off: the test rigs and the fuzzer */
    int64_t cap = (int64_t)cfg->person_reads_burst * READ_MILLI;
    int64_t per_s = (int64_t)cfg->person_reads_per_min * READ_MILLI / 60;
    if (per_s < 1) per_s = 1;
    pthread_mutex_lock(&e->lock);
    if (e->reads_at_s == 0) e->reads_milli = cap, e->reads_at_s = c->now_s;
    int64_t pause_s = c->now_s - e->reads_at_s;
    if (pause_s > 0) {
        if (pause_s > READ_REFILL_S_MAX) pause_s = READ_REFILL_S_MAX;
        e->reads_milli += pause_s * per_s;
        if (e->reads_milli > cap) e->reads_milli = cap;
        e->reads_at_s = c->now_s;
    }
    bool ok = e->reads_milli >= READ_MILLI;
    if (ok) e->reads_milli -= READ_MILLI;
    assert(e->reads_milli >= 0 && e->reads_milli <= cap);
    pthread_mutex_unlock(&e->lock);
    if (ok) return 0;
    return svc_fail(c,
                    "auth: person lookups of this credential over its limit (%d a minute, %d "
                    "at once); retry later",
                    (int)cfg->person_reads_per_min, (int)cfg->person_reads_burst);
}
