/* http.c: the HTTP front of the service on libmicrohttpd: an internal
 * epoll thread pool (settlements block their thread in the commit queue
 * while the writer group-commits, so the pool is sized for concurrency, not
 * cores), one POST endpoint, body size enforced while receiving, each
 * request handled with a pooled worker scratch (service_handle). */
#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "service/svc.h"

#define HTTP_CONNECTION_TIMEOUT_S 30
#define HTTP_POLL_SLEEP_NS 100000000L
#define HTTP_CONN_MEMORY_BYTES (64u * 1024u)

static enum MHD_Result send_json(struct MHD_Connection *conn, unsigned status, const char *body,
                                 size_t len) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
                                                             MHD_RESPMEM_MUST_COPY);
    if (r == NULL) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    enum MHD_Result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result refuse(struct MHD_Connection *conn, unsigned status, const char *msg) {
    char body[256];
    int n = snprintf(body, sizeof body, "{\"infcode\":-1,\"err_msg\":\"%s\",\"output\":{}}", msg);
    assert(n > 0 && (size_t)n < sizeof body);
    return send_json(conn, status, body, (size_t)n);
}

static const char *header(struct MHD_Connection *conn, const char *name) {
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static enum MHD_Result answer(struct service *svc, struct MHD_Connection *conn,
                              struct svc_worker *w) {
    if (w->req_too_big) {
        char msg[96];
        snprintf(msg, sizeof msg, "body: more than the limit %zu bytes", svc->cfg.body_bytes_max);
        return refuse(conn, MHD_HTTP_OK, msg);
    }
    struct svc_request req = {
        .paasid = header(conn, "x-tif-paasid"),
        .timestamp = header(conn, "x-tif-timestamp"),
        .nonce = header(conn, "x-tif-nonce"),
        .signature = header(conn, "x-tif-signature"),
        .sign_method = header(conn, "x-tif-signature-method"),
        .body = w->req.data ? w->req.data : "",
        .body_len = w->req.len,
        .now_s = (int64_t)time(NULL),
    };
    size_t len;
    const char *text = service_handle(svc, w, &req, &len);
    return send_json(conn, MHD_HTTP_OK, text, len);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
    struct service *svc = cls;
    (void)version;
    struct svc_worker *w = *con_cls;
    if (w == NULL) {
        if (strcmp(url, SERVICE_PATH) != 0) return refuse(conn, MHD_HTTP_NOT_FOUND, "no such path");
        if (strcmp(method, "POST") != 0)
            return refuse(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only POST");
        w = service_worker_take(svc);
        if (w == NULL) return refuse(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
        json_buf_reset(&w->req);
        w->req_too_big = false;
        const char *cl = header(conn, "Content-Length");
        if (cl != NULL && strtoull(cl, NULL, 10) > svc->cfg.body_bytes_max) w->req_too_big = true;
        *con_cls = w;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!w->req_too_big && w->req.len + *upload_size > svc->cfg.body_bytes_max)
            w->req_too_big = true;
        if (!w->req_too_big) json_buf_raw(&w->req, upload, *upload_size);
        if (w->req.failed) w->req_too_big = true;
        *upload_size = 0;
        return MHD_YES;
    }
    return answer(svc, conn, w);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code) {
    struct service *svc = cls;
    (void)conn;
    (void)code;
    if (*con_cls != NULL) service_worker_give(svc, *con_cls);
    *con_cls = NULL;
}

static int parse_listen(const char *listen, struct sockaddr_in *addr, char *err, size_t size) {
    char host[64];
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

int service_serve(struct service *svc, const char *listen, volatile sig_atomic_t *stop, char *err,
                  size_t err_size) {
    struct sockaddr_in addr;
    if (parse_listen(listen, &addr, err, err_size) != 0) return -1;
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, svc,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)svc->cfg.threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVICE_CONNECTIONS_MAX,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CONNECTION_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY_BYTES,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, svc,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
    if (d == NULL) return snprintf(err, err_size, "cannot listen on %s", listen), -1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &addr.sin_addr, host, sizeof host);
    printf("yibao serve: listening on http://%s:%u%s\n", host,
           info ? (unsigned)info->port : (unsigned)ntohs(addr.sin_port), SERVICE_PATH);
    fflush(stdout);
    struct timespec nap = {0, HTTP_POLL_SLEEP_NS};
    while (!*stop) nanosleep(&nap, NULL);
    MHD_stop_daemon(d);
    return 0;
}
