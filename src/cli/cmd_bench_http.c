/* cmd_bench_http.c: `yibao bench http`, a load generator for the settlement
 * service: C keep-alive HTTP/1.1 connections (one thread each, blocking
 * sockets), each sending signed one-shot settlements (2207 with feedetail
 * at a hospital, or 2102 at a pharmacy) of 5-30 lines for random persons,
 * for S seconds; reports settlements/s and p50/p99/p999 latency.
 *
 *   yibao bench http --url http://127.0.0.1:PORT/fsi/api/rsfComIfsService/callService
 *        --paasid P --token T --code FIXMEDINS [--infno 2207|2102]
 *        [--connections C] [--seconds S] [--persons N] [--psn-prefix PFX] */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "service/service.h"

#define BENCH_CONNECTIONS_MAX 1024
#define BENCH_SECONDS_MAX 3600
#define BENCH_BODY_BYTES 16384
#define BENCH_RESPONSE_BYTES 65536
#define BENCH_LINES_MIN 5
#define BENCH_LINES_MAX 30

struct bench_cfg {
    char host[64];
    int port;
    char path[256];
    const char *paasid, *token, *code, *infno, *psn_prefix;
    long long connections, seconds, persons;
};

struct bench_conn {
    const struct bench_cfg *cfg;
    int index;
    int64_t *lat_us;
    size_t lat_count, lat_cap;
    int64_t ok, refused, errors;
    char sample_err[256];
};

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t rng_next(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static const struct { const char *code, *pric; int cnt; const char *amount; } items[] = {
    {"XA01", "1.2", 10, "12.00"}, {"XB01", "4.5", 2, "9.00"}, {"SA01", "35", 1, "35.00"},
    {"SB01", "280", 1, "280.00"}, {"XC01", "150", 1, "150.00"}, {"SA02", "26", 3, "78.00"}};

/* A one-shot settlement body; returns its length. */
static int make_body(const struct bench_conn *c, uint64_t *rng, int64_t seq, char *out, size_t size) {
    const struct bench_cfg *cfg = c->cfg;
    int lines = BENCH_LINES_MIN + (int)(rng_next(rng) % (BENCH_LINES_MAX - BENCH_LINES_MIN + 1));
    char detail[BENCH_BODY_BYTES];
    size_t used = 0;
    int64_t total_fen = 0;
    for (int i = 0; i < lines; i++) {
        int k = (int)(rng_next(rng) % (sizeof items / sizeof items[0]));
        int n = snprintf(detail + used, sizeof detail - used,
                         "%s{\"feedetl_sn\":\"%d\",\"med_list_codg\":\"%s\",\"cnt\":%d,\"pric\":%s,"
                         "\"det_item_fee_sumamt\":%s}", i ? "," : "", i + 1, items[k].code,
                         items[k].cnt, items[k].pric, items[k].amount);
        used += (size_t)n;
        int64_t yuan = 0, cents = 0;
        sscanf(items[k].amount, "%" SCNd64 ".%" SCNd64, &yuan, &cents);
        total_fen += yuan * 100 + cents;
    }
    long long person = (long long)(rng_next(rng) % (uint64_t)cfg->persons);
    bool pharmacy = strcmp(cfg->infno, "2102") == 0;
    return snprintf(out, size,
                    "{\"infno\":\"%s\",\"msgid\":\"B%d-%" PRId64 "-%lld\",\"fixmedins_code\":\"%s\","
                    "\"infver\":\"V1.0\",\"opter_type\":\"1\",\"input\":{\"data\":{\"psn_no\":\"%s%04lld\","
                    "\"med_type\":\"%s\",\"begntime\":\"2020-06-01\",\"endtime\":\"2020-06-01\","
                    "\"medfee_sumamt\":%" PRId64 ".%02d,\"acct_used_flag\":\"1\"},\"feedetail\":[%s]}}",
                    cfg->infno, c->index, seq, (long long)time(NULL), cfg->code, cfg->psn_prefix,
                    person, pharmacy ? "41" : "11", total_fen / 100, (int)(total_fen % 100), detail);
}

static int connect_to(const struct bench_cfg *cfg) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->port)};
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (inet_pton(AF_INET, cfg->host, &a.sin_addr) != 1 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n <= 0) return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads one response; returns the body offset in buf, -1 on error. */
static int read_response(int fd, char *buf, size_t size, size_t *total) {
    size_t got = 0;
    long long body_len = -1;
    char *body = NULL;
    while (body == NULL || (long long)(got - (size_t)(body - buf)) < body_len) {
        if (got + 1 >= size) return -1;
        ssize_t n = recv(fd, buf + got, size - 1 - got, 0);
        if (n <= 0) return -1;
        got += (size_t)n;
        buf[got] = '\0';
        if (body == NULL && (body = strstr(buf, "\r\n\r\n")) != NULL) {
            body += 4;
            const char *cl = strcasestr(buf, "Content-Length:");
            if (cl == NULL) return -1;
            body_len = atoll(cl + 15);
        }
    }
    *total = got;
    return (int)(body - buf);
}

static void record(struct bench_conn *c, int64_t us) {
    if (c->lat_count == c->lat_cap) {
        size_t cap = c->lat_cap ? c->lat_cap * 2 : 4096;
        int64_t *grown = realloc(c->lat_us, cap * sizeof *grown);
        if (grown == NULL) return;
        c->lat_us = grown;
        c->lat_cap = cap;
    }
    c->lat_us[c->lat_count++] = us;
}

static void *conn_main(void *arg) {
    struct bench_conn *c = arg;
    const struct bench_cfg *cfg = c->cfg;
    uint64_t rng = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)c->index * 7919 + (uint64_t)now_us());
    char *body = malloc(BENCH_BODY_BYTES), *req = malloc(BENCH_BODY_BYTES + 1024);
    char *resp = malloc(BENCH_RESPONSE_BYTES);
    int fd = connect_to(cfg);
    int64_t end = now_us() + cfg->seconds * 1000000, seq = 0;
    while (body && req && resp && fd >= 0 && now_us() < end) {
        int blen = make_body(c, &rng, seq, body, BENCH_BODY_BYTES);
        char ts[24], nonce[48], sig[65];
        snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
        snprintf(nonce, sizeof nonce, "n%d-%" PRId64 "-%" PRIx64, c->index, seq++, rng_next(&rng));
        service_sign_sha256(ts, cfg->token, nonce, sig);
        int rlen = snprintf(req, BENCH_BODY_BYTES + 1024,
                            "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                            "x-tif-paasid: %s\r\nx-tif-timestamp: %s\r\nx-tif-nonce: %s\r\n"
                            "x-tif-signature: %s\r\nContent-Length: %d\r\n\r\n%s",
                            cfg->path, cfg->host, cfg->paasid, ts, nonce, sig, blen, body);
        int64_t t0 = now_us();
        size_t total;
        int off;
        if (send_all(fd, req, (size_t)rlen) != 0 ||
            (off = read_response(fd, resp, BENCH_RESPONSE_BYTES, &total)) < 0) {
            c->errors++;
            close(fd);
            fd = connect_to(cfg);
            continue;
        }
        record(c, now_us() - t0);
        if (strstr(resp + off, "\"infcode\":0") != NULL) c->ok++;
        else if (c->refused++ == 0) snprintf(c->sample_err, sizeof c->sample_err, "%.255s", resp + off);
    }
    if (fd >= 0) close(fd);
    free(body);
    free(req);
    free(resp);
    return NULL;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int parse_url(const char *url, struct bench_cfg *cfg) {
    if (strncmp(url, "http://", 7) != 0) return -1;
    const char *host = url + 7, *colon = strchr(host, ':'), *slash = strchr(host, '/');
    if (colon == NULL || slash == NULL || colon > slash || (size_t)(colon - host) >= sizeof cfg->host)
        return -1;
    memcpy(cfg->host, host, (size_t)(colon - host));
    cfg->host[colon - host] = '\0';
    cfg->port = atoi(colon + 1);
    snprintf(cfg->path, sizeof cfg->path, "%s", slash);
    return cfg->port > 0 && cfg->port < 65536 ? 0 : -1;
}

static int parse(int argc, char **argv, struct bench_cfg *cfg) {
    const char *url = NULL, *conns = "16", *secs = "10", *persons = "90";
    bool bad = false;
    cfg->infno = "2207";
    cfg->psn_prefix = "P";
    for (int i = 1; i < argc && !bad; i++)
        if (!cli_option(argc, argv, &i, "--url", &url, &bad) &&
            !cli_option(argc, argv, &i, "--paasid", &cfg->paasid, &bad) &&
            !cli_option(argc, argv, &i, "--token", &cfg->token, &bad) &&
            !cli_option(argc, argv, &i, "--code", &cfg->code, &bad) &&
            !cli_option(argc, argv, &i, "--infno", &cfg->infno, &bad) &&
            !cli_option(argc, argv, &i, "--psn-prefix", &cfg->psn_prefix, &bad) &&
            !cli_option(argc, argv, &i, "--connections", &conns, &bad) &&
            !cli_option(argc, argv, &i, "--seconds", &secs, &bad) &&
            !cli_option(argc, argv, &i, "--persons", &persons, &bad))
            bad = true;
    if (bad || url == NULL || cfg->paasid == NULL || cfg->token == NULL || cfg->code == NULL ||
        parse_url(url, cfg) != 0 ||
        !cli_positive("--connections", conns, BENCH_CONNECTIONS_MAX, &cfg->connections) ||
        !cli_positive("--seconds", secs, BENCH_SECONDS_MAX, &cfg->seconds) ||
        !cli_positive("--persons", persons, 9999, &cfg->persons)) {
        fprintf(stderr, "usage: yibao bench http --url http://HOST:PORT/PATH --paasid P --token T "
                        "--code FIXMEDINS [--infno 2207|2102]\n       [--connections C] [--seconds S] "
                        "[--persons N] [--psn-prefix PFX]  (persons are PFX0000..PFX(N-1))\n");
        return -1;
    }
    return 0;
}

int bench_http(int argc, char **argv) {
    struct bench_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    if (parse(argc, argv, &cfg) != 0) return EXIT_BAD_INPUT;
    struct bench_conn *conns = calloc((size_t)cfg.connections, sizeof *conns);
    pthread_t *threads = calloc((size_t)cfg.connections, sizeof *threads);
    if (conns == NULL || threads == NULL) return free(conns), free(threads), EXIT_CHECK_FAILED;
    int64_t t0 = now_us();
    for (int i = 0; i < cfg.connections; i++) {
        conns[i] = (struct bench_conn){.cfg = &cfg, .index = i};
        if (pthread_create(&threads[i], NULL, conn_main, &conns[i]) != 0) cfg.connections = i;
    }
    int64_t ok = 0, refused = 0, errors = 0;
    size_t n = 0;
    for (int i = 0; i < cfg.connections; i++) {
        pthread_join(threads[i], NULL);
        ok += conns[i].ok, refused += conns[i].refused, errors += conns[i].errors;
        n += conns[i].lat_count;
    }
    double secs = (double)(now_us() - t0) / 1e6;
    int64_t *all = malloc((n ? n : 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < cfg.connections; i++) {
        if (all) memcpy(all + k, conns[i].lat_us, conns[i].lat_count * sizeof *all);
        k += conns[i].lat_count;
        if (conns[i].refused && refused > 0) {
            fprintf(stderr, "bench http: sample refusal: %s\n", conns[i].sample_err);
            refused = -refused; /* print one sample only */
        }
        free(conns[i].lat_us);
    }
    if (refused < 0) refused = -refused;
    if (all && n) qsort(all, n, sizeof *all, cmp_i64);
    printf("connections %lld  seconds %.1f  settlements %" PRId64 "  refused %" PRId64
           "  errors %" PRId64 "  settlements/s %.0f  p50 %.2f ms  p99 %.2f ms  p999 %.2f ms\n",
           cfg.connections, secs, ok, refused, errors, (double)ok / secs,
           n ? (double)all[n / 2] / 1000 : 0, n ? (double)all[n * 99 / 100] / 1000 : 0,
           n ? (double)all[n * 999 / 1000] / 1000 : 0);
    free(all);
    free(conns);
    free(threads);
    return ok > 0 && errors == 0 ? 0 : EXIT_CHECK_FAILED;
}
