/* http.c: the HTTP front of the service on libmicrohttpd: one daemon with
 * its epoll thread per --threads (about one per core). One listening socket
 * (never SO_REUSEPORT: a second server on a busy port must fail to start,
 * not split the institutions' requests between two stores), whose acceptor
 * thread hands the connections to the daemons in turn (MHD_add_connection),
 * so that they share the load evenly. One POST endpoint, body
 * size enforced while receiving, each request handled with a pooled worker
 * scratch. A write does not block its thread while a writer group-commits:
 * the connection is suspended (MHD_suspend_connection) and its request
 * queued (service_begin) on the store's commit queue (settlements,
 * revokes) or the service tables' (svcq.c: visits, fee lines, links); the
 * writer resumes it after the commit, and the pool thread then writes the
 * answer (service_finish), or queues the request's next step and is
 * suspended again (a visit's settlement: read, settle, link). So in-flight
 * requests are not bounded by threads, and batches grow with the load.
 *
 * Hostile clients (docs/SERVICE.md, "Limits"): the gateway headers are
 * checked before the body is read (service_precheck), so a request without
 * a valid credential never has its body held; request memory in flight
 * (bodies, and what parsing them grew) is bounded process-wide
 * (--max-body-total, 503 past it); the acceptor admits at most
 * SERVICE_CONNECTIONS_MAX connections, at most --max-connections-per-address
 * from one address; and a connection that does not finish its request's
 * headers or body in time, or idles too long, is shut down by the acceptor's
 * sweep (deadlines per connection, set from the request callbacks). */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "service/svc.h"
#include "store/lat_stat.h"

#define HTTP_POLL_SLEEP_NS 100000000L
#define HTTP_CONN_MEMORY_BYTES (16u * 1024u) /* MHD zeroes it per request: keep it small */
#define HTTP_DRAIN_WAIT_MS 30000             /* at stop: longest wait for queued commits */
#define HTTP_DAEMONS_MAX 64 /* one daemon (one thread) per --threads, at most this */
#define HTTP_LISTEN_BACKLOG 1024
#define HTTP_ACCEPT_POLL_MS 100 /* the acceptor looks at the stop flag this often */
#define HTTP_SWEEP_MS 100       /* and at the connections' deadlines */
#define HTTP_LOG_LINES_PER_S 10 /* MHD's messages (one per connection an attacker drops) */
#define HTTP_FDS_SPARE 256      /* descriptors besides the connections' (databases, logs) */
/* Blocks from this size up are mapped on their own and unmapped when
 * freed. glibc's default threshold grows to 32 MB after such a block is
 * freed, after which a large body's buffers and JSON arena come from the
 * heap and stay resident once the worker gives them back (64 signed 1 MiB
 * arrays left 750 MB resident). */
#define HTTP_MMAP_THRESHOLD_BYTES (128 * 1024)
#define HTTP_ADDR_SLOTS (2 * SERVICE_CONNECTIONS_MAX) /* per-address counts (power of two) */
#define HTTP_REFUSAL_BYTES (SERVICE_ERR_BYTES + 64)   /* a refusal's envelope */

/* One open connection (MHD's socket_context), on the server's list from
 * MHD's STARTED notice to its CLOSED one, during which its socket is open. */
struct http_conn {
    struct http_conn *prev, *next; /* under conns_lock */
    int fd;
    uint32_t addr;               /* IPv4, network order */
    _Atomic int64_t deadline_ms; /* shut down past this (monotonic); 0: none */
    bool shut;                   /* the sweep shut it down; under conns_lock */
};

/* Open connections of one address; count 0: a free slot (linear probing). */
struct http_addr {
    uint32_t addr;
    int32_t count;
};

struct http_server {
    struct service *svc;
    atomic_int in_flight; /* suspended requests waiting for a commit */
    atomic_bool stopping; /* new requests are refused */
    int listen_fd;
    struct MHD_Daemon *daemons[HTTP_DAEMONS_MAX];
    int daemon_count;
    atomic_bool accepting; /* the acceptor runs while true */
    pthread_t acceptor;
    atomic_size_t body_bytes; /* request memory in flight (body_total_bytes_max) */
    /* connections: admitted by the acceptor, released at MHD's CLOSED */
    pthread_mutex_t conns_lock;
    struct http_conn *conns;
    int conn_count; /* admitted, not yet closed */
    struct http_addr addrs[HTTP_ADDR_SLOTS];
    /* MHD's messages, at most HTTP_LOG_LINES_PER_S */
    _Atomic int64_t log_second;
    atomic_int log_lines, log_dropped;
    /* where a request's time goes (printed at the stop): its headers in ->
     * its answer handed to MHD; suspended waiting for a queue's answer
     * (each step); resumed -> running again on its daemon's thread */
    struct lat_stat request, suspended, resumed;
};

/* Per request (MHD's con_cls). */
struct http_req {
    struct http_server *srv;
    struct MHD_Connection *conn;
    struct svc_worker *w;
    struct service_waiter waiter;
    bool waiting;         /* suspended: the next call finishes it */
    bool busy;            /* a chunked body passed the memory in flight: answered 503 */
    size_t base_bytes;    /* the worker's bytes when taken */
    size_t charged_bytes; /* this request's share of srv->body_bytes */
    int64_t start_us;     /* headers in */
    int64_t step_us;      /* suspended, then resumed, at */
};

static int64_t now_ms(void) {
    struct timespec ts;
    int rc = clock_gettime(CLOCK_MONOTONIC, &ts);
    assert(rc == 0);
    (void)rc;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- connections: per-address counts and deadlines ---------------------- */
static size_t addr_home(uint32_t addr) {
    assert((HTTP_ADDR_SLOTS & (HTTP_ADDR_SLOTS - 1)) == 0);
    return (size_t)((addr * 2654435761u) >> 7) & (HTTP_ADDR_SLOTS - 1);
}

/* addr's slot, or the free slot where it would go. Under conns_lock. */
static size_t addr_slot(const struct http_server *srv, uint32_t addr) {
    size_t i = addr_home(addr);
    assert(srv->conn_count <= SERVICE_CONNECTIONS_MAX); /* so a free slot exists */
    while (srv->addrs[i].count > 0 && srv->addrs[i].addr != addr)
        i = (i + 1) & (HTTP_ADDR_SLOTS - 1);
    return i;
}

/* Frees slot i (backward-shift deletion: no tombstones to sweep). */
static void addr_free(struct http_server *srv, size_t i) {
    assert(srv->addrs[i].count == 0);
    for (size_t j = (i + 1) & (HTTP_ADDR_SLOTS - 1); srv->addrs[j].count > 0;
         j = (j + 1) & (HTTP_ADDR_SLOTS - 1)) {
        size_t home = addr_home(srv->addrs[j].addr);
        bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            srv->addrs[i] = srv->addrs[j];
            srv->addrs[j].count = 0;
            i = j;
        }
    }
}

/* The acceptor's admission of a connection from addr: false past the
 * connection limit or the address's. */
static bool conn_admit(struct http_server *srv, uint32_t addr) {
    pthread_mutex_lock(&srv->conns_lock);
    size_t i = addr_slot(srv, addr);
    bool ok = srv->conn_count < SERVICE_CONNECTIONS_MAX &&
              srv->addrs[i].count < srv->svc->cfg.connections_per_address_max;
    if (ok) {
        srv->addrs[i].addr = addr;
        srv->addrs[i].count++;
        srv->conn_count++;
    }
    assert(srv->conn_count <= SERVICE_CONNECTIONS_MAX);
    pthread_mutex_unlock(&srv->conns_lock);
    return ok;
}

/* An admitted connection is gone. Under conns_lock. */
static void conn_release_locked(struct http_server *srv, uint32_t addr) {
    size_t i = addr_slot(srv, addr);
    assert(srv->addrs[i].count > 0 && srv->conn_count > 0); /* admitted once, released once */
    srv->conn_count--;
    if (--srv->addrs[i].count == 0) addr_free(srv, i);
}

static uint32_t conn_addr(struct MHD_Connection *conn) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
        conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    assert(ci != NULL && ci->client_addr != NULL && ci->client_addr->sa_family == AF_INET);
    return ((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr.s_addr;
}

/* MHD's notices: a connection starts (its deadline for its first request's
 * headers) or is closed (its address's count released; its socket is
 * still open here, so the sweep never shuts down a reused descriptor). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
    struct http_server *srv = cls;
    assert(srv != NULL && conn != NULL && socket_context != NULL);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd = MHD_get_connection_info(
            conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct http_conn *hc = calloc(1, sizeof *hc);
        if (hc == NULL || fd == NULL) { /* untimed, but still counted and released */
            free(hc);
            return;
        }
        hc->fd = fd->connect_fd;
        hc->addr = conn_addr(conn);
        atomic_init(&hc->deadline_ms, now_ms() + srv->svc->cfg.header_timeout_s * 1000);
        pthread_mutex_lock(&srv->conns_lock);
        hc->next = srv->conns;
        if (srv->conns != NULL) srv->conns->prev = hc;
        srv->conns = hc;
        pthread_mutex_unlock(&srv->conns_lock);
        *socket_context = hc;
        return;
    }
    struct http_conn *hc = *socket_context;
    pthread_mutex_lock(&srv->conns_lock);
    if (hc != NULL) {
        if (hc->prev != NULL) hc->prev->next = hc->next;
        else srv->conns = hc->next;
        if (hc->next != NULL) hc->next->prev = hc->prev;
    }
    conn_release_locked(srv, hc != NULL ? hc->addr : conn_addr(conn));
    pthread_mutex_unlock(&srv->conns_lock);
    free(hc);
    *socket_context = NULL;
}

/* The connection must have made its next step within seconds (0: no
 * deadline, while its request is handled). */
static void conn_deadline(struct MHD_Connection *conn, int seconds) {
    assert(conn != NULL && seconds >= 0);
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
        conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct http_conn *hc = ci != NULL ? ci->socket_context : NULL;
    if (hc != NULL) atomic_store(&hc->deadline_ms, seconds ? now_ms() + seconds * 1000 : 0);
}

/* Shuts down the connections past their deadline; MHD sees the end of the
 * stream on its thread and closes them. */
static void conn_sweep(struct http_server *srv) {
    int64_t now = now_ms();
    assert(srv != NULL);
    pthread_mutex_lock(&srv->conns_lock);
    for (struct http_conn *hc = srv->conns; hc != NULL; hc = hc->next) {
        int64_t deadline = atomic_load(&hc->deadline_ms);
        if (deadline == 0 || now <= deadline || hc->shut) continue;
        hc->shut = true;
        (void)shutdown(hc->fd, SHUT_RDWR); /* fails only if the peer already closed it */
    }
    pthread_mutex_unlock(&srv->conns_lock);
}

/* MHD's messages to stderr, at most HTTP_LOG_LINES_PER_S a second: it
 * writes one for each connection closed in the middle of a request, and
 * thousands of attackers' connections must not fill the disk with them. */
__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *format,
                                                             va_list args) {
    struct http_server *srv = cls;
    int64_t now = (int64_t)time(NULL), second = atomic_load(&srv->log_second);
    assert(srv != NULL && format != NULL);
    if (second != now && atomic_compare_exchange_strong(&srv->log_second, &second, now)) {
        int dropped = atomic_exchange(&srv->log_dropped, 0);
        atomic_store(&srv->log_lines, 0);
        if (dropped > 0)
            fprintf(stderr, "yibao serve: %d more HTTP messages not shown (at most %d a second)\n",
                    dropped, HTTP_LOG_LINES_PER_S);
    }
    if (atomic_fetch_add(&srv->log_lines, 1) >= HTTP_LOG_LINES_PER_S) {
        atomic_fetch_add(&srv->log_dropped, 1);
        return;
    }
    vfprintf(stderr, format, args);
}

/* ---- request memory in flight -------------------------------------------- */
/* Takes n bytes of the process's request memory; false when they would
 * pass --max-body-total. */
static bool budget_take(struct http_server *srv, size_t n) {
    size_t max = srv->svc->cfg.body_total_bytes_max;
    size_t before = atomic_fetch_add(&srv->body_bytes, n);
    assert(max >= srv->svc->cfg.body_bytes_max); /* config_check */
    if (before + n <= max) return true;
    atomic_fetch_sub(&srv->body_bytes, n);
    return false;
}

/* What the request's worker grew by so far is charged (its body is part
 * of it); over the limit, later requests are refused until it is given back. */
static void budget_note(struct http_server *srv, struct http_req *hr) {
    size_t now = service_worker_bytes(hr->w);
    size_t grown = now > hr->base_bytes ? now - hr->base_bytes : 0;
    assert(hr->srv == srv);
    if (grown <= hr->charged_bytes) return;
    atomic_fetch_add(&srv->body_bytes, grown - hr->charged_bytes);
    hr->charged_bytes = grown;
}

/* ---- requests ------------------------------------------------------------- */
static void on_suspend(void *ctx) {
    struct http_req *r = ctx;
    assert(r != NULL && r->conn != NULL && !r->waiting); /* suspended once per step */
    atomic_fetch_add(&r->srv->in_flight, 1);
    r->step_us = lat_now_us();
    r->waiting = true;
    MHD_suspend_connection(r->conn);
}

/* From the writer thread: r may be finished and freed as soon as the
 * connection is resumed, so srv is read first. */
static void on_resume(void *ctx) {
    struct http_req *r = ctx;
    struct http_server *srv = r->srv;
    assert(r->waiting && atomic_load(&srv->in_flight) > 0);
    r->step_us = lat_since(&srv->suspended, r->step_us);
    MHD_resume_connection(r->conn);
    atomic_fetch_sub(&srv->in_flight, 1);
}

static enum MHD_Result send_json(struct MHD_Connection *conn, unsigned status, const char *body,
                                 size_t len) {
    assert(conn != NULL && body != NULL && len > 0);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
                                                             MHD_RESPMEM_MUST_COPY);
    if (r == NULL) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    enum MHD_Result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

/* An infcode -1 answer; msg is escaped (it may quote a header). */
static enum MHD_Result refuse(struct MHD_Connection *conn, unsigned status, const char *msg) {
    static const char head[] = "{\"infcode\":-1,\"err_msg\":", tail[] = ",\"output\":{}}";
    char body[HTTP_REFUSAL_BYTES];
    struct json_buf text;
    assert(conn != NULL && msg != NULL);
    json_buf_init(&text);
    json_buf_str(&text, msg);
    int n = snprintf(body, sizeof body, "%s%s%s", head,
                     text.failed ? "\"out of memory\"" : text.data, tail);
    json_buf_free(&text);
    if (n < 0 || (size_t)n >= sizeof body)
        n = snprintf(body, sizeof body, "%s\"refused\"%s", head, tail);
    assert(n > 0 && (size_t)n < sizeof body);
    return send_json(conn, status, body, (size_t)n);
}

#define HTTP_PATH_INFNO_BYTES_MAX 7 /* "2203A", "1306A" */

/* The paths a request may be posted to (docs/INTEROP.md): the interface's
 * SERVICE_PATH, the same followed by "/" and the infno, and --path-prefix
 * alone or followed by "/INFNO". 0 with *infno the path's infno ("" when
 * it names none), or -1: no such path. */
static int path_match(const struct service *svc, const char *url, char *infno, size_t size) {
    assert(url != NULL && infno != NULL && size > HTTP_PATH_INFNO_BYTES_MAX);
    const char *prefixes[2] = {SERVICE_PATH, svc->cfg.path_prefix};
    infno[0] = '\0';
    for (size_t i = 0; i < 2; i++) {
        const char *p = prefixes[i];
        size_t n = p != NULL ? strlen(p) : 0;
        while (n > 0 && p[n - 1] == '/') n--; /* "/api/" is "/api" */
        if (p == NULL || strncmp(url, p, n) != 0) continue;
        const char *rest = url + n;
        if (*rest == '\0') return 0;
        if (*rest != '/') continue;
        size_t len = strlen(++rest);
        if (len == 0) return 0; /* a trailing slash */
        bool ok = len <= HTTP_PATH_INFNO_BYTES_MAX;
        for (size_t k = 0; ok && k < len; k++)
            ok = (rest[k] >= '0' && rest[k] <= '9') || (rest[k] >= 'A' && rest[k] <= 'Z');
        if (!ok) continue;
        memcpy(infno, rest, len + 1);
        return 0;
    }
    return -1;
}

static const char *header(struct MHD_Connection *conn, const char *name) {
    assert(conn != NULL && name != NULL);
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* The gateway headers of the request (its body not yet). */
static struct svc_request gateway_request(struct MHD_Connection *conn) {
    assert(conn != NULL);
    return (struct svc_request){
        .paasid = header(conn, "x-tif-paasid"),
        .timestamp = header(conn, "x-tif-timestamp"),
        .nonce = header(conn, "x-tif-nonce"),
        .signature = header(conn, "x-tif-signature"),
        .sign_method = header(conn, "x-tif-signature-method"),
        .api_access_key = header(conn, "_api_access_key"),
        .api_name = header(conn, "_api_name"),
        .api_timestamp = header(conn, "_api_timestamp"),
        .api_version = header(conn, "_api_version"),
        .api_signature = header(conn, "_api_signature"),
        .body = "",
        .body_len = 0,
        .now_s = (int64_t)time(NULL),
    };
}

static enum MHD_Result too_big(struct service *svc, struct MHD_Connection *conn) {
    char msg[96];
    assert(svc != NULL);
    snprintf(msg, sizeof msg, "body: more than the limit %zu bytes", svc->cfg.body_bytes_max);
    return refuse(conn, MHD_HTTP_OK, msg);
}

static enum MHD_Result busy(struct service *svc, struct MHD_Connection *conn) {
    char msg[128];
    assert(svc != NULL);
    snprintf(msg, sizeof msg, "busy: request memory in flight at the limit %zu bytes; retry",
             svc->cfg.body_total_bytes_max);
    return refuse(conn, MHD_HTTP_SERVICE_UNAVAILABLE, msg);
}

/* The request is answered (its answer copied into MHD's response): its
 * worker and its memory in flight are given back now, not when MHD is done
 * sending, so that the next request's memory check sees them gone. */
static enum MHD_Result release(struct http_req *hr, enum MHD_Result rc) {
    assert(hr != NULL && hr->w != NULL && !hr->waiting);
    service_worker_give(hr->srv->svc, hr->w);
    hr->w = NULL;
    atomic_fetch_sub(&hr->srv->body_bytes, hr->charged_bytes);
    hr->charged_bytes = 0;
    return rc;
}

/* The whole body is in (or, once resumed, its commit is done): the request
 * is handled, unless it passed a limit meanwhile; the memory in flight is
 * checked again, since others' parsing may have grown it past the limit. */
static enum MHD_Result answer(struct service *svc, struct MHD_Connection *conn, struct http_req *hr,
                              const char *url) {
    struct svc_worker *w = hr->w;
    size_t len;
    assert(w != NULL && hr->conn == conn);
    conn_deadline(conn, 0); /* received: handling it has no deadline */
    if (hr->waiting) {
        hr->waiting = false;
        (void)lat_since(&hr->srv->resumed, hr->step_us);
        const char *text = service_finish(svc, w, &len);
        budget_note(hr->srv, hr);
        if (text == NULL) return MHD_YES; /* suspended again: its next step is queued */
        (void)lat_since(&hr->srv->request, hr->start_us);
        return release(hr, send_json(conn, MHD_HTTP_OK, text, len));
    }
    if (w->req_too_big) return release(hr, too_big(svc, conn));
    if (hr->busy || atomic_load(&hr->srv->body_bytes) > svc->cfg.body_total_bytes_max)
        return release(hr, busy(svc, conn));
    if (atomic_load(&hr->srv->stopping))
        return release(hr, refuse(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "shutting down"));
    struct svc_request req = gateway_request(conn);
    char path_infno[HTTP_PATH_INFNO_BYTES_MAX + 1];
    if (path_match(svc, url, path_infno, sizeof path_infno) != 0) path_infno[0] = '\0';
    req.path_infno = path_infno;
    req.body = w->req.data ? w->req.data : "";
    req.body_len = w->req.len;
    const char *text = service_begin(svc, w, &req, &hr->waiter, &len);
    budget_note(hr->srv, hr);
    if (text == NULL) return MHD_YES; /* suspended until its commit */
    (void)lat_since(&hr->srv->request, hr->start_us);
    return release(hr, send_json(conn, MHD_HTTP_OK, text, len));
}

/* What may be refused from the headers alone, before a byte of the body is
 * read: path, method, stopping, the gateway headers, the body's declared
 * size, and the request memory in flight. MHD_YES with *cl the declared
 * size (0: none, chunked) when the request may go on; else the refusal. */
static enum MHD_Result screen(struct http_server *srv, struct MHD_Connection *conn, const char *url,
                              const char *method, size_t *cl, bool *go_on) {
    struct service *svc = srv->svc;
    char err[SERVICE_ERR_BYTES];
    assert(url != NULL && method != NULL && cl != NULL && go_on != NULL);
    *go_on = false;
    char path_infno[HTTP_PATH_INFNO_BYTES_MAX + 1];
    if (path_match(svc, url, path_infno, sizeof path_infno) != 0)
        return refuse(conn, MHD_HTTP_NOT_FOUND, "no such path");
    if (strcmp(method, "POST") != 0) return refuse(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only POST");
    if (atomic_load(&srv->stopping))
        return refuse(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "shutting down");
    struct svc_request req = gateway_request(conn);
    if (service_precheck(svc, &req, err, sizeof err) != 0) return refuse(conn, MHD_HTTP_OK, err);
    const char *text = header(conn, "Content-Length");
    unsigned long long declared = text != NULL ? strtoull(text, NULL, 10) : 0;
    if (declared > svc->cfg.body_bytes_max) return too_big(svc, conn);
    *cl = (size_t)declared;
    if (!budget_take(srv, *cl)) return busy(svc, conn);
    *go_on = true;
    return MHD_YES;
}

/* The first call of a request (its headers are in): screens it, then
 * takes a worker for its body. */
static enum MHD_Result request_start(struct http_server *srv, struct MHD_Connection *conn,
                                     const char *url, const char *method, void **con_cls) {
    struct service *svc = srv->svc;
    size_t cl = 0;
    bool go_on = false;
    assert(url != NULL && method != NULL && *con_cls == NULL);
    conn_deadline(conn, svc->cfg.body_timeout_s);
    enum MHD_Result rc = screen(srv, conn, url, method, &cl, &go_on);
    if (!go_on) return rc;
    struct http_req *hr = calloc(1, sizeof *hr);
    struct svc_worker *w = hr ? service_worker_take(svc) : NULL;
    if (w == NULL) {
        free(hr);
        atomic_fetch_sub(&srv->body_bytes, cl);
        return refuse(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
    }
    *hr = (struct http_req){.srv = srv,
                            .conn = conn,
                            .w = w,
                            .waiter = {on_suspend, on_resume, NULL},
                            .base_bytes = service_worker_bytes(w),
                            .charged_bytes = cl,
                            .start_us = lat_now_us()};
    hr->waiter.ctx = hr;
    json_buf_reset(&w->req);
    w->req_too_big = false;
    assert(!w->in_flight && !w->job_in_flight && w->after == NULL); /* an idle worker */
    *con_cls = hr;
    return MHD_YES;
}

/* A piece of the body: kept unless it passes --max-body; a body without a
 * Content-Length takes its memory in flight as it comes. */
static void take_upload(struct http_server *srv, struct http_req *hr, const char *upload,
                        size_t size) {
    struct svc_worker *w = hr->w;
    assert(size > 0 && upload != NULL);
    if (!w->req_too_big && w->req.len + size > srv->svc->cfg.body_bytes_max) w->req_too_big = true;
    if (w->req_too_big || hr->busy) return;
    if (w->req.len + size > hr->charged_bytes) {
        size_t more = w->req.len + size - hr->charged_bytes;
        if (!budget_take(srv, more)) {
            hr->busy = true;
            return;
        }
        hr->charged_bytes += more;
    }
    json_buf_raw(&w->req, upload, size);
    budget_note(srv, hr); /* the buffer's growth, which may pass the body's size */
    if (w->req.failed) w->req_too_big = true;
    assert(w->req_too_big || w->req.len <= srv->svc->cfg.body_bytes_max);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
    struct http_server *srv = cls;
    (void)version;
    struct http_req *hr = *con_cls;
    if (hr == NULL) return request_start(srv, conn, url, method, con_cls);
    assert(hr->srv == srv);
    if (hr->w == NULL) return MHD_YES; /* answered already */
    if (*upload_size > 0) {
        take_upload(srv, hr, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    return answer(srv->svc, conn, hr, url);
}

/* A request is over (answered, or its connection gone): its worker and its
 * memory in flight are given back if they were not at the answer, and a
 * kept-alive connection has --idle-timeout-s for its next request's
 * headers. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code) {
    struct http_server *srv = cls;
    struct http_req *hr = *con_cls;
    (void)code;
    conn_deadline(conn, srv->svc->cfg.idle_timeout_s);
    if (hr != NULL) {
        assert(hr->srv == srv && (hr->w != NULL || hr->charged_bytes == 0));
        service_worker_give(srv->svc, hr->w); /* NULL: given back at the answer */
        atomic_fetch_sub(&srv->body_bytes, hr->charged_bytes);
        free(hr);
    }
    *con_cls = NULL;
}

static int parse_listen(const char *listen, struct sockaddr_in *addr, char *err, size_t size) {
    char host[64];
    assert(listen != NULL && addr != NULL && err != NULL);
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || (size_t)(colon - listen) >= sizeof host)
        return snprintf(err, size, "--listen: must be HOST:PORT"), -1;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (*end != '\0' || colon[1] == '\0' || port > 65535)
        return snprintf(err, size, "--listen: port must be in [0, 65535]"), -1;
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_port = htons((uint16_t)port);
    if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &addr->sin_addr) != 1)
        return snprintf(err, size, "--listen: '%s' is not an IPv4 address", host), -1;
    return 0;
}

/* The listening socket: bound once, so that a port another process
 * listens on fails here (EADDRINUSE) instead of being shared with it.
 * -1 with errno. */
static int listen_socket(const struct sockaddr_in *addr) {
    assert(addr != NULL && addr->sin_family == AF_INET);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int on = 1;
    assert(addr->sin_family == AF_INET);
    if (fd < 0) return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        bind(fd, (const struct sockaddr *)addr, sizeof *addr) != 0 ||
        listen(fd, HTTP_LISTEN_BACKLOG) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* MHD's messages go through on_mhd_log (the first option, so that all
 * do). MHD's own timeout is --idle-timeout-s: a connection with no byte either
 * way for that long (a client that stops reading its answer, say) is
 * closed. MHD's own connection limit is the server's: the acceptor admits no more
 * than that, and a daemon counts a connection out (cleanup) on the same
 * thread that counts new ones in, so MHD never refuses one the acceptor
 * admitted (which would go without the CLOSED notice that releases it). */
static struct MHD_Daemon *daemon_start(struct http_server *srv) {
    assert(srv->svc->cfg.threads >= 1);
    return MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
                                MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC,
                            0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
                            srv, MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVICE_CONNECTIONS_MAX,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)srv->svc->cfg.idle_timeout_s,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY_BYTES,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_END);
}

/* The acceptor: every new connection goes to the next daemon in turn (the
 * kernel's SO_REUSEPORT spreading, without sharing the port with anyone),
 * once admitted (conn_admit: closed at once past a limit). Between
 * accepts it sweeps the connections past their deadlines. */
static void *acceptor_main(void *arg) {
    struct http_server *srv = arg;
    assert(srv->daemon_count > 0 && srv->listen_fd >= 0);
    unsigned next = 0;
    int64_t swept_ms = now_ms();
    struct pollfd pfd = {.fd = srv->listen_fd, .events = POLLIN};
    while (atomic_load(&srv->accepting)) {
        if (now_ms() - swept_ms >= HTTP_SWEEP_MS) conn_sweep(srv), swept_ms = now_ms();
        if (poll(&pfd, 1, HTTP_ACCEPT_POLL_MS) <= 0) continue;
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        int fd = accept4(srv->listen_fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
        if (fd < 0 && (errno == EMFILE || errno == ENFILE)) { /* not a busy loop meanwhile */
            struct timespec nap = {0, HTTP_ACCEPT_POLL_MS * 1000000L};
            nanosleep(&nap, NULL);
        }
        if (fd < 0) continue; /* EAGAIN, ECONNABORTED: try again at the next poll */
        uint32_t addr = ((const struct sockaddr_in *)(const void *)&peer)->sin_addr.s_addr;
        if (peer.ss_family != AF_INET || !conn_admit(srv, addr)) {
            close(fd);
            continue;
        }
        struct MHD_Daemon *d = srv->daemons[next++ % (unsigned)srv->daemon_count];
        if (MHD_add_connection(d, fd, (const struct sockaddr *)&peer, len) != MHD_YES) {
            pthread_mutex_lock(&srv->conns_lock); /* closed by MHD, never started */
            conn_release_locked(srv, addr);
            pthread_mutex_unlock(&srv->conns_lock);
        }
    }
    return NULL;
}

/* Stops taking connections and requests, lets the queued commits finish
 * and resume their connections, then stops the daemons. */
static void drain_and_stop(struct http_server *srv) {
    assert(srv->daemon_count >= 0 && srv->daemon_count <= HTTP_DAEMONS_MAX);
    atomic_store(&srv->stopping, true);
    if (atomic_exchange(&srv->accepting, false)) pthread_join(srv->acceptor, NULL);
    struct timespec ms = {0, 1000000L};
    for (int i = 0; i < HTTP_DRAIN_WAIT_MS && atomic_load(&srv->in_flight) > 0; i++)
        nanosleep(&ms, NULL);
    for (int i = 0; i < srv->daemon_count; i++) MHD_stop_daemon(srv->daemons[i]);
    if (srv->listen_fd >= 0) close(srv->listen_fd);
    assert(srv->conns == NULL); /* MHD closed them all, with their CLOSED notices */
}

/* Room for every connection the server admits, and its databases' and
 * logs' descriptors: the soft limit raised towards the hard one. */
static void raise_fd_limit(void) {
    struct rlimit rl;
    rlim_t want = (rlim_t)SERVICE_CONNECTIONS_MAX + HTTP_FDS_SPARE;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want) return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        fprintf(stderr, "yibao serve: cannot raise the descriptor limit to %llu: %s\n",
                (unsigned long long)rl.rlim_cur, strerror(errno));
    assert(want > SERVICE_CONNECTIONS_MAX);
}

static void server_init(struct http_server *srv, struct service *svc) {
    assert(srv != NULL && svc != NULL);
    memset(srv, 0, sizeof *srv);
    srv->svc = svc;
    atomic_init(&srv->in_flight, 0);
    atomic_init(&srv->stopping, false);
    atomic_init(&srv->accepting, false);
    atomic_init(&srv->body_bytes, 0);
    pthread_mutex_init(&srv->conns_lock, NULL);
    raise_fd_limit();
    if (mallopt(M_MMAP_THRESHOLD, HTTP_MMAP_THRESHOLD_BYTES) != 1) /* a fixed threshold */
        fprintf(stderr, "yibao serve: mallopt: the memory of large bodies may stay resident\n");
}

int service_serve(struct service *svc, const char *listen, volatile sig_atomic_t *stop, char *err,
                  size_t err_size) {
    struct sockaddr_in addr;
    assert(svc != NULL && listen != NULL && stop != NULL);
    if (parse_listen(listen, &addr, err, err_size) != 0) return -1;
    static struct http_server srv; /* one server per process: its daemons' threads point here */
    server_init(&srv, svc);
    int n = svc->cfg.threads < HTTP_DAEMONS_MAX ? svc->cfg.threads : HTTP_DAEMONS_MAX;
    srv.listen_fd = listen_socket(&addr);
    if (srv.listen_fd < 0) {
        pthread_mutex_destroy(&srv.conns_lock);
        return snprintf(err, err_size, "cannot listen on %s: %s%s", listen, strerror(errno),
                        errno == EADDRINUSE ? " (another server, or another yibao serve, has it)"
                                            : ""),
               -1;
    }
    socklen_t len = sizeof addr;
    bool ok = getsockname(srv.listen_fd, (struct sockaddr *)&addr, &len) == 0; /* port 0 */
    while (ok && srv.daemon_count < n &&
           (srv.daemons[srv.daemon_count] = daemon_start(&srv)) != NULL)
        srv.daemon_count++;
    ok = ok && srv.daemon_count == n;
    if (ok) atomic_store(&srv.accepting, true);
    if (ok && pthread_create(&srv.acceptor, NULL, acceptor_main, &srv) != 0) {
        atomic_store(&srv.accepting, false);
        ok = false;
    }
    if (!ok) {
        drain_and_stop(&srv);
        pthread_mutex_destroy(&srv.conns_lock);
        return snprintf(err, err_size, "cannot start the HTTP daemons on %s", listen), -1;
    }
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &addr.sin_addr, host, sizeof host);
    printf("yibao serve: listening on http://%s:%u%s\n", host, (unsigned)ntohs(addr.sin_port),
           SERVICE_PATH);
    fflush(stdout);
    struct timespec nap = {0, HTTP_POLL_SLEEP_NS};
    while (!*stop) nanosleep(&nap, NULL);
    drain_and_stop(&srv);
    lat_print(stderr, "HTTP request, headers in -> answer", &srv.request);
    lat_print(stderr, "  suspended for a queue (each step)", &srv.suspended);
    lat_print(stderr, "  resumed -> running again", &srv.resumed);
    pthread_mutex_destroy(&srv.conns_lock);
    return 0;
}
