/* hostile.c: `yibao-bench hostile`, an attacker for the settlement
 * service's connection limits (issue 13 item 6; docs/BENCHMARKS.md): it
 * opens C connections and holds them for S seconds, spread over K source
 * addresses 127.0.0.2, 127.0.0.3, ... (Linux routes all of 127/8 to lo, so
 * one machine can be K clients), while `yibao-bench http` measures a
 * normal client beside it. --mode idle sends nothing; --mode slowloris
 * sends a request's headers one byte per connection every
 * HOSTILE_DRIBBLE_S, so that the connection is never idle and its headers
 * never end. A connection the server closes (refused at accept, or past a
 * deadline) is opened again after HOSTILE_RECONNECT_MS, so the attacker
 * keeps pressing on the limits without spinning a core on reconnects.
 * Prints, once a second, how many connections it holds, and at the end
 * the least and most it held and how many times it reconnected.
 *
 *   yibao-bench hostile --url http://127.0.0.1:PORT/PATH [--connections 4000]
 *        [--sources 8] [--mode idle|slowloris] [--seconds 30] */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "cli/common.h"

#define HOSTILE_CONNECTIONS_MAX 60000
#define HOSTILE_SOURCES_MAX 250 /* 127.0.0.2 .. 127.0.0.251 */
#define HOSTILE_SECONDS_MAX 3600
#define HOSTILE_DRIBBLE_S 5       /* slowloris: one byte per connection this often */
#define HOSTILE_RECONNECT_MS 1000 /* a closed connection is opened again after this */
#define HOSTILE_TICK_MS 100       /* the loop's wake-up */
#define HOSTILE_FDS_SPARE 64

struct hconn {
    int fd;            /* -1: closed, waiting for reopen_ms */
    uint32_t source;   /* host order */
    int64_t reopen_ms; /* when closed */
    int64_t next_ms;   /* slowloris: the next byte */
    size_t pos;        /* slowloris: bytes of the request sent */
};

struct hostile {
    char host[64];
    int port;
    long long connections, sources, seconds;
    bool slowloris;
    int ep;
    struct hconn *conns;
    long long open, reconnects;
    char head[512]; /* what slowloris dribbles (never ends: no blank line) */
    size_t head_len;
};

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A non-blocking connect from the connection's source address. */
static int hconn_open(struct hostile *h, struct hconn *c, int64_t now) {
    struct sockaddr_in from = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(c->source)};
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)h->port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
    if (inet_pton(AF_INET, h->host, &to.sin_addr) != 1 ||
        bind(fd, (struct sockaddr *)&from, sizeof from) != 0 ||
        (connect(fd, (struct sockaddr *)&to, sizeof to) != 0 && errno != EINPROGRESS) ||
        epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        close(fd);
        return -1;
    }
    c->fd = fd;
    c->pos = 0;
    c->next_ms = now + HOSTILE_DRIBBLE_S * 1000;
    h->open++;
    return 0;
}

static void hconn_close(struct hostile *h, struct hconn *c, int64_t now) {
    if (c->fd < 0) return;
    (void)epoll_ctl(h->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->reopen_ms = now + HOSTILE_RECONNECT_MS;
    h->open--;
}

/* Reopens what is due, dribbles what is due. */
static void tick(struct hostile *h, int64_t now) {
    for (long long i = 0; i < h->connections; i++) {
        struct hconn *c = &h->conns[i];
        if (c->fd < 0 && now >= c->reopen_ms) {
            if (hconn_open(h, c, now) == 0) h->reconnects++;
            else c->reopen_ms = now + HOSTILE_RECONNECT_MS;
        }
        if (c->fd < 0 || !h->slowloris || now < c->next_ms) continue;
        if (send(c->fd, h->head + c->pos % h->head_len, 1, MSG_NOSIGNAL) == 1) c->pos++;
        c->next_ms = now + HOSTILE_DRIBBLE_S * 1000;
    }
}

/* The server closed it (or answered: this client never reads answers). */
static void on_readable(struct hostile *h, struct hconn *c, int64_t now) {
    char buf[4096];
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))) return;
    hconn_close(h, c, now);
}

static int run(struct hostile *h) {
    int64_t start = mono_ms(), end = start + h->seconds * 1000, report = start + 1000;
    long long least = -1, most = 0;
    struct epoll_event ev[256];
    for (long long i = 0; i < h->connections; i++)
        h->conns[i] = (struct hconn){
            .fd = -1, .source = 0x7F000002u + (uint32_t)(i % h->sources), .reopen_ms = start};
    h->reconnects = -h->connections; /* the first opening is not a reconnect */
    for (int64_t now = start; now < end; now = mono_ms()) {
        tick(h, now);
        int n = epoll_wait(h->ep, ev, 256, HOSTILE_TICK_MS);
        for (int i = 0; i < n; i++) on_readable(h, ev[i].data.ptr, mono_ms());
        if (mono_ms() < report) continue;
        report += 1000;
        printf("hostile: %lld held\n", h->open);
        fflush(stdout);
        if (mono_ms() - start >= 3000) { /* after the first opening */
            if (least < 0 || h->open < least) least = h->open;
            if (h->open > most) most = h->open;
        }
    }
    printf("hostile: %s, %lld connections from %lld addresses, %lld s: held %lld-%lld, "
           "%lld reconnects\n",
           h->slowloris ? "slowloris" : "idle", h->connections, h->sources, h->seconds, least, most,
           h->reconnects < 0 ? 0 : h->reconnects);
    return 0;
}

static int parse(int argc, char **argv, struct hostile *h) {
    const char *url = NULL, *conns = "4000", *sources = "8", *mode = "idle", *secs = "30";
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++)
        if (!cli_option(argc, argv, &i, "--url", &url, &bad) &&
            !cli_option(argc, argv, &i, "--connections", &conns, &bad) &&
            !cli_option(argc, argv, &i, "--sources", &sources, &bad) &&
            !cli_option(argc, argv, &i, "--mode", &mode, &bad) &&
            !cli_option(argc, argv, &i, "--seconds", &secs, &bad))
            bad = true;
    const char *host = url && strncmp(url, "http://", 7) == 0 ? url + 7 : NULL;
    const char *colon = host ? strchr(host, ':') : NULL, *path = host ? strchr(host, '/') : NULL;
    h->slowloris = strcmp(mode, "slowloris") == 0;
    if (bad || colon == NULL || path == NULL || colon > path ||
        (size_t)(colon - host) >= sizeof h->host || (!h->slowloris && strcmp(mode, "idle") != 0) ||
        !cli_positive("--connections", conns, HOSTILE_CONNECTIONS_MAX, &h->connections) ||
        !cli_positive("--sources", sources, HOSTILE_SOURCES_MAX, &h->sources) ||
        !cli_positive("--seconds", secs, HOSTILE_SECONDS_MAX, &h->seconds)) {
        fprintf(stderr, "usage: yibao-bench hostile --url http://HOST:PORT/PATH "
                        "[--connections 4000] [--sources 8] [--mode idle|slowloris] "
                        "[--seconds 30]\n");
        return -1;
    }
    memcpy(h->host, host, (size_t)(colon - host));
    h->host[colon - host] = '\0';
    h->port = atoi(colon + 1);
    int n = snprintf(h->head, sizeof h->head,
                     "POST %.256s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                     "X-Padding: ",
                     path, h->host);
    h->head_len = n > 0 && (size_t)n < sizeof h->head ? (size_t)n : 1;
    return h->port > 0 && h->port < 65536 ? 0 : -1;
}

/* Room for the connections: the soft descriptor limit raised to the hard. */
static int fd_room(long long want) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
    rlim_t need = (rlim_t)want + HOSTILE_FDS_SPARE;
    if (rl.rlim_cur < need) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
    }
    return rl.rlim_cur >= need ? 0 : -1;
}

int bench_hostile(int argc, char **argv) {
    struct hostile h;
    memset(&h, 0, sizeof h);
    if (parse(argc, argv, &h) != 0) return EXIT_BAD_INPUT;
    if (fd_room(h.connections) != 0) {
        fprintf(stderr, "yibao-bench hostile: cannot have %lld descriptors (ulimit -n)\n",
                h.connections + HOSTILE_FDS_SPARE);
        return EXIT_BAD_INPUT;
    }
    h.conns = calloc((size_t)h.connections, sizeof *h.conns);
    h.ep = epoll_create1(EPOLL_CLOEXEC);
    int rc = EXIT_CHECK_FAILED;
    if (h.conns == NULL || h.ep < 0) fprintf(stderr, "yibao-bench hostile: out of memory\n");
    else rc = run(&h);
    for (long long i = 0; h.conns != NULL && i < h.connections; i++)
        if (h.conns[i].fd >= 0) close(h.conns[i].fd);
    if (h.ep >= 0) close(h.ep);
    free(h.conns);
    return rc;
}
