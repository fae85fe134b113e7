/* service.h: the HTTP settlement service (the NHSA interface for designated
 * institutions: one POST endpoint, an envelope naming the transaction by
 * infno). See docs/SERVICE.md for the interface, fields, extensions,
 * security modes and limits.
 *
 * The request path is split so that it can be driven without HTTP (tests,
 * the fuzzer): service_handle() takes the gateway headers and the body and
 * writes the response envelope; http.c only moves bytes. */
#ifndef YIBAO_SERVICE_H
#define YIBAO_SERVICE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json/json.h"

/* ---- limits (defaults; serve options override the configurable ones) --- */
#define SERVICE_BODY_BYTES_DEFAULT (1024u * 1024u)   /* --max-body */
#define SERVICE_BODY_BYTES_MAX (16u * 1024u * 1024u) /* upper bound of --max-body */
#define SERVICE_LINES_DEFAULT 1000                   /* --max-lines: fee lines per request/bill */
#define SERVICE_DEPTH_DEFAULT 16                     /* --max-depth: JSON nesting */
#define SERVICE_NODES_PER_BYTE_DIV 2                 /* JSON nodes <= body bytes / 2 + 64 */
#define SERVICE_TIME_WINDOW_S 300                    /* x-tif-timestamp skew allowed */
#define SERVICE_NONCES_PER_PAASID_DEFAULT (1u << 20) /* --nonce-cache */
#define SERVICE_NONCES_PER_PAASID_MAX (1u << 26)     /* ~28 bytes each */
#define SERVICE_NONCE_BYTES_MAX 64                   /* x-tif-nonce */
#define SERVICE_THREADS_DEFAULT 2 /* --threads: HTTP threads (not blocked by commits) */
#define SERVICE_THREADS_MAX 1024
#define SERVICE_BATCH_DEFAULT 1024 /* --batch: settlements per group commit */
/* --writers: PostgreSQL's service-table writer connections, each a group
 * commit at a time (svcq.c); SQLite's service writes ride the store's one
 * writer. Two on this machine's two cores: four made batches of 2.6
 * writes, two of 4.9, and 21 % less CPU a visit request (docs/BENCHMARKS.md,
 * nineteenth session); more cores may want more. */
#define SERVICE_PG_WRITERS_DEFAULT 2
#define SERVICE_WRITERS_MAX 8
#define SERVICE_CONNECTIONS_MAX 4096                /* concurrent HTTP connections */
#define SERVICE_CONNECTIONS_PER_ADDRESS_DEFAULT 512 /* --max-connections-per-address */
/* --max-body-total: request memory in flight (bodies being received or
 * handled, and the JSON they were parsed into); past it, 503 "busy" */
#define SERVICE_BODY_TOTAL_BYTES_DEFAULT (64u * 1024u * 1024u)
#define SERVICE_BODY_TOTAL_BYTES_MAX (1024u * 1024u * 1024u)
#define SERVICE_HEADER_TIMEOUT_S_DEFAULT 10 /* --header-timeout-s: a new connection's headers */
#define SERVICE_BODY_TIMEOUT_S_DEFAULT 30   /* --body-timeout-s: a body, from its headers */
#define SERVICE_IDLE_TIMEOUT_S_DEFAULT 30   /* --idle-timeout-s: keep-alive, or no byte at all */
#define SERVICE_TIMEOUT_S_MAX 3600          /* upper bound of the three */
#define SERVICE_MSGID_BYTES_MAX 40          /* envelope msgid */
#define SERVICE_ERR_BYTES 512               /* err_msg */
#define SERVICE_ANSWER_BYTES_MAX (4u * 1024u * 1024u) /* a stored (replayable) answer */
#define SERVICE_TOKEN_HEX_BYTES 64                    /* credential token: 32 random bytes */
#define SERVICE_PAASID_BYTES_MAX 63
#define SERVICE_SIGN_IN_VALID_S_DEFAULT (24 * 3600) /* --sign-in-valid-s: a 9001 sign_no's life */
#define SERVICE_SIGN_IN_VALID_S_MAX (366 * 24 * 3600)
#define SERVICE_ANSWERS_KEPT_S_DEFAULT \
    (7 * 24 * 3600) /* --answers-kept-s: replayable answers' life */
#define SERVICE_ANSWERS_KEPT_S_MAX (366 * 24 * 3600)
#define SERVICE_SIGN_NO_BYTES_MAX 20 /* sign_no: decimal digits (9001 pads to 20) */
/* Person lookups (1101, 5206) per credential: a token bucket refilled at
 * --person-reads-per-min, holding at most --person-reads-burst. A counter
 * serves a patient with one or two; 300 in a second is a harvest. */
#define SERVICE_PERSON_READS_PER_MIN_DEFAULT 120
#define SERVICE_PERSON_READS_BURST_DEFAULT 60
#define SERVICE_PERSON_READS_PER_MIN_MAX 1000000

#define SERVICE_PATH "/fsi/api/rsfComIfsService/callService"
#define SERVICE_PATH_PREFIX_BYTES_MAX 256 /* --path-prefix */

struct service_config {
    size_t body_bytes_max;
    int32_t lines_max;
    uint32_t depth_max;
    uint32_t nonces_per_paasid;
    int threads;
    int batch_max;
    int writers; /* --writers; 0: the backend's default (PostgreSQL 2, SQLite 1) */
    int64_t time_window_s;
    int64_t sign_in_valid_s;     /* a sign_no is valid this long after its 9001 */
    int64_t answers_kept_s;      /* a replayable answer is kept this long, then only its msgid */
    size_t body_total_bytes_max; /* request memory in flight, all requests */
    int32_t connections_per_address_max; /* open connections from one IPv4 address */
    int32_t header_timeout_s; /* a new connection's first request headers, from its accept */
    int32_t body_timeout_s;   /* a request's body, from the end of its headers */
    int32_t idle_timeout_s;   /* the next request's headers after an answer; also no byte */
    bool sign_in_off;         /* --sign-in off (test rigs): the envelope's sign_no is not checked */
    bool auth_off;            /* tests and the fuzzer only: no gateway headers needed */
    bool dry_run;     /* the fuzzer: settle, revoke and 9002 sign-out compute but commit nothing */
    bool db_sync_off; /* the fuzzer: service tables without fsync */
    const char *key_file;         /* --key-file; NULL: service_key_path's default */
    const char *path_prefix;      /* --path-prefix: another path the service answers on */
    int32_t person_reads_per_min; /* --person-reads-per-min: 1101/5206 per credential */
    int32_t person_reads_burst;   /* --person-reads-burst: taken at once before the rate */
};

void service_config_default(struct service_config *cfg);

struct service;
struct svc_worker; /* per-thread scratch: JSON doc, buffers, bill lines */

/* Opens the store and the service's own tables in the same database and
 * starts the commit queue (unless dry_run). err is filled on failure. */
int service_open(const char *db, const struct service_config *cfg, struct service **out, char *err,
                 size_t err_size);
void service_close(struct service *svc);

/* A worker's scratch, taken from and returned to the service's pool. */
struct svc_worker *service_worker_take(struct service *svc);
void service_worker_give(struct service *svc, struct svc_worker *w);

/* Bytes the worker's buffers and JSON arena hold now (its fixed fee-line
 * arrays not counted): what a request it handles costs beyond its body. */
size_t service_worker_bytes(const struct svc_worker *w);

/* The gateway headers (NULL when absent) and the body of one request. */
struct svc_request {
    const char *paasid;
    const char *timestamp;
    const char *nonce;
    const char *signature;
    const char *sign_method; /* x-tif-signature-method: NULL/"sha256" or "hmac-sha256" */
    /* the provincial gateways' scheme (docs/INTEROP.md): _api_access_key is
     * the paasid, _api_signature base64(HMAC-SHA1(token, "_api_access_key=
     * ..&_api_name=..&_api_timestamp=..&_api_version=..")) */
    const char *api_access_key, *api_name, *api_timestamp, *api_version, *api_signature;
    const char *path_infno; /* the infno the URL's path names; NULL or "": none */
    const char *body;
    size_t body_len;
    int64_t now_s; /* unix time */
};

/* Handles one request and returns the response envelope's text (owned by
 * the worker, valid until its next request). Never fails: every problem is
 * an infcode -1 answer. */
const char *service_handle(struct service *svc, struct svc_worker *w, const struct svc_request *req,
                           size_t *len);

/* The checks of the gateway headers that need no body, for a front end to
 * refuse a request before it reads (and holds) its body: the headers'
 * presence and lengths, the timestamp window, a known active credential,
 * and the signature when it does not cover the body (sha256 mode). The
 * nonce and an hmac-sha256 signature are checked with the body
 * (service_begin, which checks all again). req->body is not read. 0, or
 * -1 with err filled as the answer's err_msg. */
int service_precheck(struct service *svc, const struct svc_request *req, char *err,
                     size_t err_size);

/* The asynchronous form, for an event-driven front end. A settlement or
 * revoke that must wait for its group commit calls waiter->suspend(ctx),
 * queues itself and service_begin returns NULL; waiter->resume(ctx) is
 * called later from the commit queue's writer thread (keep it short: wake
 * the front end), and the front end then calls service_finish() on its own
 * thread for the answer. Any other request is answered at once, like
 * service_handle. The worker must not be given back while a request waits. */
struct service_waiter {
    void (*suspend)(void *ctx);
    void (*resume)(void *ctx);
    void *ctx;
};
const char *service_begin(struct service *svc, struct svc_worker *w, const struct svc_request *req,
                          const struct service_waiter *waiter, size_t *len);
const char *service_finish(struct service *svc, struct svc_worker *w, size_t *len);

/* http.c: serves until *stop becomes non-zero. listen is HOST:PORT. */
int service_serve(struct service *svc, const char *listen, volatile sig_atomic_t *stop, char *err,
                  size_t err_size);

/* Signature helpers shared with `yibao sign` and the load generator.
 * sha256 mode: hex SHA-256(timestamp + token + nonce + timestamp).
 * hmac mode:   hex HMAC-SHA-256(key = token, timestamp + "\n" + nonce + "\n" + body). */
void service_sign_sha256(const char *timestamp, const char *token, const char *nonce, char out[65]);
void service_sign_hmac(const char *timestamp, const char *token, const char *nonce,
                       const char *body, size_t body_len, char out[65]);

/* secret.c: the service key (a 0600 file of its own) and the tokens
 * derived from it; no token is stored (docs/SECURITY.md). */
#define SERVICE_KEY_BYTES 32
#define SERVICE_KEY_ID_HEX_BYTES 16 /* a key's public id, kept with each credential */
#define SERVICE_KEY_PATH_BYTES_MAX 4096
struct service_key {
    unsigned char bytes[SERVICE_KEY_BYTES];
    char id[SERVICE_KEY_ID_HEX_BYTES + 1];
};
/* The key file of target: explicit_path, else $YIBAO_KEY_FILE, else
 * "TARGET.key" beside a SQLite store; a PostgreSQL target must name one. */
int service_key_path(const char *target, const char *explicit_path, char *out, size_t size,
                     char *err, size_t err_size);
/* Reads the key at path (refused unless a regular file of mode 0600 or
 * stricter); when missing and create, makes one (*created). */
int service_key_load(const char *path, bool create, struct service_key *key, bool *created,
                     char *err, size_t err_size);
/* The token of paasid at version (>= 1): 64 hex digits. */
void service_token_derive(const struct service_key *key, const char *paasid, int64_t version,
                          char out[SERVICE_TOKEN_HEX_BYTES + 1]);

/* Credentials (service_db.c), for `yibao credential`. key_path is the key
 * file (service_key_path); issue makes it when missing. */
struct service_credential_info {
    char paasid[SERVICE_PAASID_BYTES_MAX + 1];
    char fixmedins_code[64];
    char token[SERVICE_TOKEN_HEX_BYTES + 1]; /* issue, rotate: the new token */
    bool hmac_required;
    bool key_created; /* issue made the key file */
};
int service_credential_issue(const char *db, const char *key_path, const char *fixmedins_code,
                             bool hmac_required, struct service_credential_info *out, char *err,
                             size_t err_size);
/* A new token for paasid (its version raised, under the key of key_path);
 * the old one stops working at once (within the cache's recheck). */
int service_credential_rotate(const char *db, const char *key_path, const char *paasid,
                              struct service_credential_info *out, char *err, size_t err_size);
int service_credential_set_status(const char *db, const char *paasid, const char *status, char *err,
                                  size_t err_size);
int service_credential_set_hmac(const char *db, const char *paasid, bool hmac_required, char *err,
                                size_t err_size);

#endif
