/* http.c: `yibao-bench http`, a load generator for the settlement
 * service: C keep-alive HTTP/1.1 connections driven by T event-loop threads
 * (epoll, non-blocking sockets; default one thread, so that the generator
 * takes as little of the machine as possible), each connection sending
 * signed one-shot settlements (2207 with feedetail at a hospital, or 2102
 * at a pharmacy) of 5-30 lines for random persons of a synthetic city's
 * registry (src/gen: --persons N --seed S, `yibao gen city` imported into
 * the served store; those of the --insutype scheme), one request at a time,
 * for S seconds; reports settlements/s, requests/s, p50/p99/p999 latency
 * per request (send of the first byte to the last byte of the answer) and
 * the generator's own CPU. With --flow visit each settlement is a hospital
 * system's whole outpatient visit instead: 2201 register, 2203 visit
 * information, two 2204 charge batches (the bill's lines split in two, each
 * its own chrg_bchno), 2206 pre-settle, 2207 settle by mdtrt_id; the
 * pre-settlement's and the settlement's medfee_sumamt must be the sum of
 * both batches (else the answer counts as refused).
 *
 * First it signs in once (9001, on its own connection) and every body
 * carries that sign_no in its envelope, as the service requires. Bodies are
 * built up front (BENCH_TEMPLATES generated bills, as many of each line
 * count 5-30: one small city per count, gen_config.bill_lines); each
 * request copies one, writes a fresh msgid and a random person into
 * fixed-width slots, and signs fresh gateway headers (sha256 mode: one
 * SHA-256 per request).
 *
 *   yibao-bench http --url http://127.0.0.1:PORT/fsi/api/rsfComIfsService/callService
 *        --paasid P --code FIXMEDINS (the token in YIBAO_TOKEN) [--infno 2207|2102] [--flow oneshot|visit]
 *        [--insutype 390] [--connections C] [--seconds S] [--persons N] [--seed S] [--threads T] */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "cli/common.h"
#include "gen/gen.h"
#include "service/service.h"

#define BENCH_CONNECTIONS_MAX 4096
#define BENCH_THREADS_MAX 16
#define BENCH_SECONDS_MAX 3600
#define BENCH_TEMPLATES 256         /* pre-built bills */
#define BENCH_TEMPLATE_PERSONS 1000 /* the city of each line count's templates */
#define BENCH_PSN_DIGITS 8          /* a generated psn_no: region + 8-digit serial */
#define BENCH_NUMBER_BYTES 32       /* a cnt or pric in decimal */
#define BENCH_BODY_BYTES 8192
#define BENCH_REQUEST_BYTES (BENCH_BODY_BYTES + 1024)
#define BENCH_RESPONSE_BYTES 65536
#define BENCH_LINES_MIN 5
#define BENCH_LINES_MAX 30
#define BENCH_EVENTS 256
#define BENCH_MSGID_DIGITS 16      /* hex digits of the msgid counter */
#define BENCH_SIGN_IN_TIMEOUT_S 10 /* the 9001 before the run */

struct bench_cfg {
    char host[64];
    int port;
    char path[256];
    const char *paasid, *token, *code, *infno, *insutype;
    long long connections, seconds, persons, threads, seed;
    bool visit_flow; /* --flow visit: 2201 2203 2204 2204 2206 2207 per settlement */
    char sign_no[SERVICE_SIGN_NO_BYTES_MAX + 1]; /* from the 9001 */
    char region[16];                             /* the city's: psn_no = region + serial */
    int64_t *who; /* serials of the persons of the --insutype scheme */
    int64_t who_count;
};

/* A fee line of a template, its numbers as the body carries them. */
struct tline {
    char code[CODE_BYTES_MAX + 1];
    char cnt[BENCH_NUMBER_BYTES], pric[BENCH_NUMBER_BYTES];
    int64_t fen;
};

/* A pre-built body with the offsets of its msgid and person slots, and
 * its lines for the visit flow. */
struct template {
    char body[BENCH_BODY_BYTES];
    int len;
    int msgid_at, psn_at;
    struct tline line[BENCH_LINES_MAX];
    int lines;
    int64_t total_fen;
};

/* The visit flow's steps, in order; a refusal starts a new visit. The
 * two 2204 steps are the bill's two charge batches. */
static const char *const visit_steps[] = {"2201", "2203", "2204", "2204", "2206", "2207"};
#define VISIT_STEPS ((int)(sizeof visit_steps / sizeof visit_steps[0]))
#define VISIT_STEP_FEES 2 /* the first charge batch; the second follows */
#define VISIT_STEP_PRESETTLE 4
#define VISIT_STEP_SETTLE 5

struct conn {
    int fd;
    char *req, *resp;
    size_t req_len, sent, got;
    int64_t t0;
    /* visit flow */
    int step;                   /* index into visit_steps */
    const struct template *tpl; /* the visit's bill */
    int64_t psn;                /* the visit's person (serial) */
    char mdtrt_id[32];          /* from the 2201 answer */
};

struct loop {
    const struct bench_cfg *cfg;
    const struct template *tpl;
    int index;
    struct conn *conns;
    size_t conn_count;
    uint64_t rng, seq;
    int64_t end_us;
    int64_t *lat_us;
    size_t lat_count, lat_cap;
    int64_t ok, refused, errors, requests;
    char sample_err[256];
    char body[BENCH_BODY_BYTES]; /* the visit flow's body being built */
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

/* value / 10^digits in decimal with at least min_decimals decimals and no
 * trailing zeros past them ("2.5", "35.00"); value >= 0. */
static void put_scaled(char *out, size_t size, int64_t value, int digits, int min_decimals) {
    assert(value >= 0 && digits >= min_decimals && digits <= 6);
    int64_t unit = 1;
    for (int i = 0; i < digits; i++) unit *= 10;
    int64_t frac = value % unit;
    int keep = digits;
    while (keep > min_decimals && frac % 10 == 0) frac /= 10, keep--;
    if (keep == 0) snprintf(out, size, "%" PRId64, value / unit);
    else snprintf(out, size, "%" PRId64 ".%0*" PRId64, value / unit, keep, frac);
}

/* One template from a generated bill; msgid and psn_no digits are
 * placeholders. */
static int make_template(const struct bench_cfg *cfg, const struct bill *bill, struct template *t) {
    char detail[BENCH_BODY_BYTES];
    size_t used = 0;
    int64_t total = 0;
    assert(bill->line_count >= BENCH_LINES_MIN && bill->line_count <= BENCH_LINES_MAX);
    for (int i = 0; i < bill->line_count; i++) {
        const struct bill_line *l = &bill->lines[i];
        struct tline *tl = &t->line[i];
        snprintf(tl->code, sizeof tl->code, "%s", l->med_list_codg);
        put_scaled(tl->cnt, sizeof tl->cnt, l->cnt_scaled, 4, 0);
        put_scaled(tl->pric, sizeof tl->pric, l->pric_scaled, 6, 2);
        tl->fen = l->amount_fen;
        int n = snprintf(detail + used, sizeof detail - used,
                         "%s{\"feedetl_sn\":\"%d\",\"med_list_codg\":\"%s\",\"cnt\":%s,\"pric\":%s,"
                         "\"det_item_fee_sumamt\":%" PRId64 ".%02d}",
                         i ? "," : "", i + 1, tl->code, tl->cnt, tl->pric, tl->fen / 100,
                         (int)(tl->fen % 100));
        if (n < 0 || (size_t)n >= sizeof detail - used) return -1;
        used += (size_t)n;
        total += tl->fen;
    }
    t->lines = bill->line_count;
    t->total_fen = total;
    bool pharmacy = strcmp(cfg->infno, "2102") == 0;
    int n = snprintf(
        t->body, sizeof t->body,
        "{\"infno\":\"%s\",\"msgid\":\"B%0*d\",\"fixmedins_code\":\"%s\","
        "\"sign_no\":\"%s\",\"infver\":\"V1.0\",\"opter_type\":\"1\",\"input\":{\"data\":{\"psn_no\":\"%s%0*d\","
        "\"med_type\":\"%s\",\"begntime\":\"2020-06-01\",\"endtime\":\"2020-06-01\","
        "\"medfee_sumamt\":%" PRId64 ".%02d,\"acct_used_flag\":\"1\"},\"feedetail\":[%s]}}",
        cfg->infno, BENCH_MSGID_DIGITS, 0, cfg->code, cfg->sign_no, cfg->region, BENCH_PSN_DIGITS,
        0, pharmacy ? "41" : "11", total / 100, (int)(total % 100), detail);
    if (n < 0 || (size_t)n >= sizeof t->body) return -1;
    t->len = n;
    t->msgid_at = (int)(strstr(t->body, "\"msgid\":\"B") - t->body) + 10;
    char psn_key[96];
    snprintf(psn_key, sizeof psn_key, "\"psn_no\":\"%s", cfg->region);
    t->psn_at = (int)(strstr(t->body, psn_key) - t->body) + (int)strlen(psn_key);
    return 0;
}

/* Templates i = lines - BENCH_LINES_MIN, then every span-th, from the bills
 * of the wanted kind of a small city whose bills all have `lines` lines. */
static int templates_of(const struct bench_cfg *cfg, int lines, struct template *tpl) {
    const int span = BENCH_LINES_MAX - BENCH_LINES_MIN + 1;
    assert(lines >= BENCH_LINES_MIN && lines <= BENCH_LINES_MAX && lines <= GEN_FIXED_LINES_MAX);
    enum med_type want = strcmp(cfg->infno, "2102") == 0 ? MED_TYPE_PHARMACY
                                                         : MED_TYPE_GENERAL_OUTPATIENT;
    struct gen_config config;
    struct gen_city *city = NULL;
    struct gen_stream *stream = NULL;
    struct gen_bill_out *out = malloc(sizeof *out);
    char err[GEN_ERR_BYTES] = "out of memory";
    gen_config_defaults(&config);
    config.persons = BENCH_TEMPLATE_PERSONS;
    config.seed = (uint64_t)cfg->seed + (uint64_t)lines;
    config.bill_lines = lines;
    int i = lines - BENCH_LINES_MIN, rc = -1;
    if (out != NULL && gen_city_open(&config, &city, err, sizeof err) == 0 &&
        gen_stream_open(city, &stream) == 0) {
        while (i < BENCH_TEMPLATES && gen_next_bill(stream, out) == 1)
            if (out->bill.med_type == want && make_template(cfg, &out->bill, &tpl[i]) == 0)
                i += span;
        rc = i >= BENCH_TEMPLATES ? 0 : -1;
        snprintf(err, sizeof err, "too few bills of med_type %d", (int)want);
    }
    if (rc != 0) fprintf(stderr, "yibao-bench http: templates of %d lines: %s\n", lines, err);
    gen_stream_close(stream);
    gen_city_close(city);
    free(out);
    return rc;
}

/* The registry's persons of the --insutype scheme (their psn_no serials). */
static int load_persons(struct bench_cfg *cfg) {
    struct gen_config config;
    struct gen_city *city = NULL;
    char err[GEN_ERR_BYTES];
    assert(cfg->persons > 0 && cfg->who == NULL);
    gen_config_defaults(&config);
    config.persons = cfg->persons;
    config.seed = (uint64_t)cfg->seed;
    if (gen_city_open(&config, &city, err, sizeof err) != 0)
        return fprintf(stderr, "yibao-bench http: the city: %s\n", err), -1;
    snprintf(cfg->region, sizeof cfg->region, "%s", gen_city_region(city));
    cfg->who = calloc((size_t)cfg->persons, sizeof *cfg->who);
    if (cfg->who == NULL) {
        gen_city_close(city);
        return fprintf(stderr, "yibao-bench http: out of memory\n"), -1;
    }
    struct gen_person p;
    int insutype = atoi(cfg->insutype);
    for (int64_t i = 0; i < cfg->persons; i++) {
        gen_person_get(city, i, &p);
        if (p.person.insutype == insutype) cfg->who[cfg->who_count++] = i + 1;
    }
    gen_city_close(city);
    if (cfg->who_count == 0)
        return fprintf(stderr,
                       "yibao-bench http: --insutype: no person of the city has scheme %s\n",
                       cfg->insutype),
               -1;
    return 0;
}

static void put_digits(char *at, uint64_t v, int width, unsigned base) {
    static const char digits[] = "0123456789abcdef";
    for (int i = width - 1; i >= 0; i--, v /= base) at[i] = digits[v % base];
}

/* The request line and headers, signed now, for a body of body_len bytes;
 * returns their length. */
static int format_head(const struct bench_cfg *cfg, char *out, const char *nonce, int body_len) {
    char ts[24], sig[65];
    snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
    service_sign_sha256(ts, cfg->token, nonce, sig);
    return snprintf(out, BENCH_REQUEST_BYTES,
                    "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                    "x-tif-paasid: %s\r\nx-tif-timestamp: %s\r\nx-tif-nonce: %s\r\n"
                    "x-tif-signature: %s\r\nContent-Length: %d\r\n\r\n",
                    cfg->path, cfg->host, cfg->paasid, ts, nonce, sig, body_len);
}

/* msgid: thread (2 hex) + a per-thread counter + the start time, unique per run */
static uint64_t msgid_of(const struct loop *l, uint64_t seq) {
    return ((uint64_t)l->index << 56) ^ (seq << 20) ^ ((uint64_t)l->end_us & 0xFFFFF);
}

/* The template's lines of charge batch `batch` (0 or 1): the first half,
 * then the rest (a template has at least BENCH_LINES_MIN lines). */
static void batch_range(const struct template *t, int batch, int *from, int *to) {
    assert(t->lines >= 2 && (batch == 0 || batch == 1));
    int half = t->lines / 2;
    *from = batch == 0 ? 0 : half;
    *to = batch == 0 ? half : t->lines;
}

/* 2204's feedetail: a charge batch of the template's lines under the
 * visit's mdtrt_id; feedetl_sn is the line's number in the whole bill, so
 * the two batches' are distinct. */
static int visit_lines(const struct conn *c, const char *psn, int batch, char *out, size_t size) {
    size_t used = 0;
    int from, to;
    batch_range(c->tpl, batch, &from, &to);
    for (int i = from; i < to; i++) {
        const struct tline *tl = &c->tpl->line[i];
        int n = snprintf(out + used, size - used,
                         "%s{\"mdtrt_id\":\"%s\",\"psn_no\":\"%s\",\"med_type\":\"11\","
                         "\"fee_ocur_time\":\"2020-06-01 09:30:00\",\"feedetl_sn\":\"%d\","
                         "\"chrg_bchno\":\"CB%d\",\"med_list_codg\":\"%s\",\"cnt\":%s,"
                         "\"pric\":%s,\"det_item_fee_sumamt\":%" PRId64 ".%02d}",
                         i > from ? "," : "", c->mdtrt_id, psn, i + 1, batch + 1, tl->code, tl->cnt,
                         tl->pric, tl->fen / 100, (int)(tl->fen % 100));
        if (n < 0 || (size_t)n >= size - used) return -1;
        used += (size_t)n;
    }
    return 0;
}

/* The input object of the connection's visit step, into out. */
static int visit_input(const struct bench_cfg *cfg, const struct conn *c, char *out, size_t size) {
    char psn[48];
    snprintf(psn, sizeof psn, "%s%0*" PRId64, cfg->region, BENCH_PSN_DIGITS, c->psn);
    const char *at = "2020-06-01 09:00:00";
    int n = -1;
    if (c->step == 0) {
        n = snprintf(out, size,
                     "{\"data\":{\"psn_no\":\"%s\",\"insutype\":\"%s\",\"begntime\":\"%s\","
                     "\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":\"%s\",\"ipt_otp_no\":\"OTP%s\","
                     "\"dept_code\":\"01\",\"caty\":\"A03\"}}",
                     psn, cfg->insutype, at, psn, psn);
    } else if (c->step == 1) {
        n = snprintf(
            out, size,
            "{\"mdtrtinfo\":{\"mdtrt_id\":\"%s\",\"psn_no\":\"%s\",\"med_type\":\"11\","
            "\"begntime\":\"%s\",\"dise_codg\":\"J06.9\",\"dise_name\":\"URI\"},"
            "\"diseinfo\":[{\"diag_type\":\"1\",\"diag_code\":\"J06.9\",\"maindiag_flag\":\"1\"}]}",
            c->mdtrt_id, psn, at);
    } else if (c->step == VISIT_STEP_FEES || c->step == VISIT_STEP_FEES + 1) {
        char lines[BENCH_BODY_BYTES - 512];
        if (visit_lines(c, psn, c->step - VISIT_STEP_FEES, lines, sizeof lines) == 0)
            n = snprintf(out, size, "{\"feedetail\":[%s]}", lines);
    } else {
        n = snprintf(
            out, size,
            "{\"data\":{\"psn_no\":\"%s\",\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":\"%s\","
            "\"med_type\":\"11\",\"medfee_sumamt\":%" PRId64 ".%02d,\"psn_setlway\":\"01\","
            "\"mdtrt_id\":\"%s\",\"acct_used_flag\":\"1\",\"insutype\":\"%s\"}}",
            psn, psn, c->tpl->total_fen / 100, (int)(c->tpl->total_fen % 100), c->mdtrt_id,
            cfg->insutype);
    }
    return n < 0 || (size_t)n >= size ? -1 : n;
}

/* The visit flow's next body into l->body; its length, or -1. */
static int visit_body(struct loop *l, struct conn *c, uint64_t seq) {
    const struct bench_cfg *cfg = l->cfg;
    if (c->step == 0) {
        c->tpl = &l->tpl[rng_next(&l->rng) % BENCH_TEMPLATES];
        c->psn = cfg->who[rng_next(&l->rng) % (uint64_t)cfg->who_count];
    }
    char input[BENCH_BODY_BYTES - 256];
    if (visit_input(cfg, c, input, sizeof input) < 0) return -1;
    int n = snprintf(l->body, sizeof l->body,
                     "{\"infno\":\"%s\",\"msgid\":\"V%016" PRIx64 "\","
                     "\"fixmedins_code\":\"%s\",\"sign_no\":\"%s\",\"infver\":\"V1.0\","
                     "\"opter_type\":\"1\",\"input\":%s}",
                     visit_steps[c->step], msgid_of(l, seq), cfg->code, cfg->sign_no, input);
    return n < 0 || (size_t)n >= sizeof l->body ? -1 : n;
}

/* The next request of a connection: headers signed now, a template body
 * (one-shot) or the visit's next step. -1: the body did not fit. */
static int next_request(struct loop *l, struct conn *c) {
    const struct bench_cfg *cfg = l->cfg;
    char nonce[48];
    uint64_t seq = l->seq++;
    snprintf(nonce, sizeof nonce, "n%d-%" PRIx64 "-%" PRIx64, l->index, seq, rng_next(&l->rng));
    c->sent = c->got = 0;
    if (cfg->visit_flow) {
        int len = visit_body(l, c, seq);
        if (len < 0) return -1;
        int h = format_head(cfg, c->req, nonce, len);
        memcpy(c->req + h, l->body, (size_t)len);
        c->req_len = (size_t)h + (size_t)len;
        return 0;
    }
    const struct template *t = &l->tpl[rng_next(&l->rng) % BENCH_TEMPLATES];
    int h = format_head(cfg, c->req, nonce, t->len);
    memcpy(c->req + h, t->body, (size_t)t->len);
    put_digits(c->req + h + t->msgid_at, msgid_of(l, seq), BENCH_MSGID_DIGITS, 16);
    put_digits(c->req + h + t->psn_at,
               (uint64_t)cfg->who[rng_next(&l->rng) % (uint64_t)cfg->who_count], BENCH_PSN_DIGITS,
               10);
    c->req_len = (size_t)h + (size_t)t->len;
    return 0;
}

static int connect_to(const struct bench_cfg *cfg) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->port)};
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (inet_pton(AF_INET, cfg->host, &a.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void record(struct loop *l, int64_t us) {
    if (l->lat_count == l->lat_cap) {
        size_t cap = l->lat_cap ? l->lat_cap * 2 : 65536;
        int64_t *grown = realloc(l->lat_us, cap * sizeof *grown);
        if (grown == NULL) return;
        l->lat_us = grown;
        l->lat_cap = cap;
    }
    l->lat_us[l->lat_count++] = us;
}

/* 1: a whole answer is in c->resp (body at *body); 0: need more; -1: bad. */
static int response_complete(struct conn *c, const char **body) {
    c->resp[c->got] = '\0';
    const char *end = strstr(c->resp, "\r\n\r\n");
    if (end == NULL) return c->got + 1 >= BENCH_RESPONSE_BYTES ? -1 : 0;
    const char *cl = strcasestr(c->resp, "\r\nContent-Length:");
    if (cl == NULL || cl > end) return -1;
    long long len = atoll(cl + 17);
    *body = end + 4;
    size_t need = (size_t)(*body - c->resp) + (size_t)len;
    if (need + 1 > BENCH_RESPONSE_BYTES) return -1;
    return c->got >= need ? 1 : 0;
}

/* One request and its answer on a blocking connection of its own; *body
 * points into c->resp. */
static int exchange(const struct bench_cfg *cfg, struct conn *c, const char **body) {
    int fd = connect_to(cfg);
    if (fd < 0) return -1;
    struct timeval tv = {.tv_sec = BENCH_SIGN_IN_TIMEOUT_S};
    int rc = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0 &&
                     setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == 0
                 ? 0
                 : -1;
    c->sent = c->got = 0;
    while (rc == 0 && c->sent < c->req_len) {
        ssize_t n = send(fd, c->req + c->sent, c->req_len - c->sent, MSG_NOSIGNAL);
        if (n <= 0) rc = -1;
        else c->sent += (size_t)n;
    }
    int done = 0;
    while (rc == 0 && done == 0) {
        ssize_t n = recv(fd, c->resp + c->got, BENCH_RESPONSE_BYTES - 1 - c->got, 0);
        if (n <= 0) rc = -1;
        else c->got += (size_t)n, done = response_complete(c, body);
        if (done < 0) rc = -1;
    }
    close(fd);
    return rc;
}

/* Copies the answer's output.signinoutb.sign_no into cfg->sign_no. */
static int sign_no_of(struct bench_cfg *cfg, const char *body) {
    static const char key[] = "\"sign_no\":\"";
    const char *at = strncmp(body, "{\"infcode\":0,", 13) == 0 ? strstr(body, key) : NULL;
    if (at == NULL) return -1;
    at += sizeof key - 1;
    size_t n = strspn(at, "0123456789");
    if (n == 0 || n > SERVICE_SIGN_NO_BYTES_MAX || at[n] != '"') return -1;
    memcpy(cfg->sign_no, at, n);
    cfg->sign_no[n] = '\0';
    return 0;
}

/* 9001 for cfg->code, once per run: every settlement carries its sign_no. */
static int sign_in(struct bench_cfg *cfg) {
    struct conn c = {
        .fd = -1, .req = malloc(BENCH_REQUEST_BYTES), .resp = malloc(BENCH_RESPONSE_BYTES)};
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t stamp = (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
    char body[512], nonce[48];
    int n = snprintf(body, sizeof body,
                     "{\"infno\":\"9001\",\"msgid\":\"BS%" PRIx64 "%x\","
                     "\"fixmedins_code\":\"%s\",\"input\":{\"signIn\":{\"opter_no\":\"bench\","
                     "\"mac\":\"\",\"ip\":\"%s\"}}}",
                     stamp, (unsigned)getpid(), cfg->code, cfg->host);
    snprintf(nonce, sizeof nonce, "s%" PRIx64 "-%x", stamp, (unsigned)getpid());
    const char *answer = NULL;
    int rc = -1;
    if (c.req != NULL && c.resp != NULL && n > 0 && (size_t)n < sizeof body) {
        int h = format_head(cfg, c.req, nonce, n);
        memcpy(c.req + h, body, (size_t)n);
        c.req_len = (size_t)h + (size_t)n;
        rc = exchange(cfg, &c, &answer);
    }
    if (rc != 0)
        fprintf(stderr, "yibao-bench http: 9001 sign-in: no answer from %s:%d\n", cfg->host,
                cfg->port);
    else if ((rc = sign_no_of(cfg, answer)) != 0)
        fprintf(stderr, "yibao-bench http: 9001 sign-in refused: %.300s\n", answer);
    free(c.req);
    free(c.resp);
    return rc;
}

/* A (pre-)settlement's answer: its medfee_sumamt must be the total of the
 * visit's two charge batches, in fen. */
static bool sum_matches(const char *body, int64_t want_fen) {
    static const char key[] = "\"medfee_sumamt\":";
    const char *at = strstr(body, key);
    assert(want_fen >= 0);
    if (at == NULL) return false;
    at += sizeof key - 1;
    char *end = NULL;
    long long yuan = strtoll(at, &end, 10);
    if (end == at || end[0] != '.' || end[1] < '0' || end[1] > '9' || end[2] < '0' || end[2] > '9')
        return false;
    return yuan * 100 + (end[1] - '0') * 10 + (end[2] - '0') == want_fen;
}

/* Counts an answer; in the visit flow moves the connection to its next
 * step (a refusal, or the settlement, starts a new visit). */
static void tally(struct loop *l, struct conn *c, const char *body) {
    bool accepted = strncmp(body, "{\"infcode\":0,", 13) == 0;
    /* an accepted (pre-)settlement of the wrong sum counts as refused */
    bool wrong = accepted && l->cfg->visit_flow &&
                 (c->step == VISIT_STEP_PRESETTLE || c->step == VISIT_STEP_SETTLE) &&
                 !sum_matches(body, c->tpl->total_fen);
    if (wrong) accepted = false;
    l->requests++;
    if (!accepted && l->refused++ == 0)
        snprintf(l->sample_err, sizeof l->sample_err, "%s%.240s", wrong ? "wrong sum: " : "", body);
    if (!l->cfg->visit_flow) {
        l->ok += accepted;
        return;
    }
    static const char key[] = "\"mdtrt_id\":\"";
    const char *at = c->step == 0 && accepted ? strstr(body, key) : NULL;
    if (at != NULL) {
        at += sizeof key - 1;
        size_t n = strcspn(at, "\"");
        if (n == 0 || n >= sizeof c->mdtrt_id) accepted = false;
        else memcpy(c->mdtrt_id, at, n), c->mdtrt_id[n] = '\0';
    } else if (c->step == 0) {
        accepted = false;
    }
    if (accepted && c->step == VISIT_STEPS - 1) l->ok++;
    c->step = accepted && c->step < VISIT_STEPS - 1 ? c->step + 1 : 0;
}

/* Sends what is pending; 0 ok (maybe partial), -1 error. */
static int pump_send(struct conn *c) {
    while (c->sent < c->req_len) {
        ssize_t n = send(c->fd, c->req + c->sent, c->req_len - c->sent, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        if (n <= 0) return -1;
        c->sent += (size_t)n;
    }
    return 0;
}

/* Reads; on a whole answer records it and starts the next request.
 * Returns 1 when the connection is done (time is up), -1 on error. */
static int pump_recv(struct loop *l, struct conn *c) {
    for (;;) {
        ssize_t n = recv(c->fd, c->resp + c->got, BENCH_RESPONSE_BYTES - 1 - c->got, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        if (n <= 0) return -1;
        c->got += (size_t)n;
        const char *body = NULL;
        int rc = response_complete(c, &body);
        if (rc < 0) return -1;
        if (rc == 0) continue;
        int64_t t = now_us();
        record(l, t - c->t0);
        tally(l, c, body);
        if (t >= l->end_us) return 1;
        if (next_request(l, c) != 0) return -1;
        c->t0 = now_us();
        if (pump_send(c) != 0) return -1;
    }
}

static int conn_open(struct loop *l, struct conn *c, int ep) {
    c->fd = connect_to(l->cfg);
    if (c->fd < 0) return -1;
    int flags = fcntl(c->fd, F_GETFL, 0);
    if (flags < 0 || fcntl(c->fd, F_SETFL, flags | O_NONBLOCK) != 0) return -1;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) return -1;
    c->step = 0;
    if (next_request(l, c) != 0) return -1;
    c->t0 = now_us();
    return pump_send(c);
}

static void conn_close(struct conn *c, int ep) {
    if (c->fd < 0) return;
    (void)epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
}

/* One event: progress the connection; reconnects after an error. */
static void on_event(struct loop *l, struct conn *c, uint32_t events, int ep, size_t *open) {
    int rc = 0;
    if (events & (EPOLLERR | EPOLLHUP)) rc = -1;
    if (rc == 0 && (events & EPOLLOUT)) rc = pump_send(c);
    if (rc == 0 && (events & EPOLLIN)) rc = pump_recv(l, c);
    if (rc == 0) return;
    conn_close(c, ep);
    if (rc > 0 || now_us() >= l->end_us) {
        (*open)--;
        return;
    }
    l->errors++;
    if (conn_open(l, c, ep) != 0) {
        conn_close(c, ep);
        (*open)--;
    }
}

static int loop_run(struct loop *l) {
    int ep = epoll_create1(0);
    if (ep < 0) return -1;
    size_t open = 0;
    for (size_t i = 0; i < l->conn_count; i++) {
        struct conn *c = &l->conns[i];
        if (conn_open(l, c, ep) == 0) open++;
        else conn_close(c, ep), l->errors++;
    }
    struct epoll_event ev[BENCH_EVENTS];
    while (open > 0) {
        int64_t left_ms = (l->end_us - now_us()) / 1000;
        int n = epoll_wait(ep, ev, BENCH_EVENTS, left_ms > 0 ? (int)left_ms + 1000 : 1000);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        if (n == 0 && now_us() >= l->end_us + 1000000) break; /* answers overdue: stop */
        for (int i = 0; i < n; i++) on_event(l, ev[i].data.ptr, ev[i].events, ep, &open);
    }
    for (size_t i = 0; i < l->conn_count; i++) conn_close(&l->conns[i], ep);
    close(ep);
    return 0;
}

static void *loop_main(void *arg) {
    struct loop *l = arg;
    for (size_t i = 0; i < l->conn_count; i++) {
        l->conns[i].fd = -1;
        l->conns[i].req = malloc(BENCH_REQUEST_BYTES);
        l->conns[i].resp = malloc(BENCH_RESPONSE_BYTES);
        if (l->conns[i].req == NULL || l->conns[i].resp == NULL) l->errors++;
    }
    if (l->errors == 0 && loop_run(l) != 0) l->errors++;
    for (size_t i = 0; i < l->conn_count; i++) {
        free(l->conns[i].req);
        free(l->conns[i].resp);
    }
    return NULL;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int parse_url(const char *url, struct bench_cfg *cfg) {
    if (strncmp(url, "http://", 7) != 0) return -1;
    const char *host = url + 7, *colon = strchr(host, ':'), *slash = strchr(host, '/');
    if (colon == NULL || slash == NULL || colon > slash ||
        (size_t)(colon - host) >= sizeof cfg->host)
        return -1;
    memcpy(cfg->host, host, (size_t)(colon - host));
    cfg->host[colon - host] = '\0';
    cfg->port = atoi(colon + 1);
    snprintf(cfg->path, sizeof cfg->path, "%s", slash);
    return cfg->port > 0 && cfg->port < 65536 ? 0 : -1;
}

static int parse(int argc, char **argv, struct bench_cfg *cfg) {
    const char *url = NULL, *conns = "16", *secs = "10", *persons = "1000", *threads = "1",
               *seed = "1";
    const char *flow = "oneshot";
    bool bad = false;
    cfg->infno = "2207";
    cfg->insutype = "390";
    for (int i = 1; i < argc && !bad; i++)
        if (!cli_option(argc, argv, &i, "--url", &url, &bad) &&
            !cli_option(argc, argv, &i, "--paasid", &cfg->paasid, &bad) &&
            !cli_option(argc, argv, &i, "--token", &cfg->token, &bad) &&
            !cli_option(argc, argv, &i, "--code", &cfg->code, &bad) &&
            !cli_option(argc, argv, &i, "--infno", &cfg->infno, &bad) &&
            !cli_option(argc, argv, &i, "--seed", &seed, &bad) &&
            !cli_option(argc, argv, &i, "--flow", &flow, &bad) &&
            !cli_option(argc, argv, &i, "--insutype", &cfg->insutype, &bad) &&
            !cli_option(argc, argv, &i, "--connections", &conns, &bad) &&
            !cli_option(argc, argv, &i, "--seconds", &secs, &bad) &&
            !cli_option(argc, argv, &i, "--persons", &persons, &bad) &&
            !cli_option(argc, argv, &i, "--threads", &threads, &bad))
            bad = true;
    cfg->visit_flow = strcmp(flow, "visit") == 0;
    /* the token from the environment: a command line is visible to every
     * user (ps); --token is kept for side-by-side runs of older binaries */
    if (cfg->token != NULL)
        fprintf(stderr, "yibao-bench http: --token is visible to every user; use YIBAO_TOKEN\n");
    else cfg->token = getenv("YIBAO_TOKEN");
    if (bad || url == NULL || cfg->paasid == NULL || cfg->token == NULL || cfg->code == NULL ||
        strlen(cfg->insutype) > 3 || parse_url(url, cfg) != 0 ||
        (!cfg->visit_flow && strcmp(flow, "oneshot") != 0) ||
        (cfg->visit_flow && strcmp(cfg->infno, "2207") != 0) ||
        !cli_positive("--connections", conns, BENCH_CONNECTIONS_MAX, &cfg->connections) ||
        !cli_positive("--seconds", secs, BENCH_SECONDS_MAX, &cfg->seconds) ||
        !cli_positive("--persons", persons, GEN_PERSONS_MAX, &cfg->persons) ||
        !cli_positive("--seed", seed, INT64_MAX / 2, &cfg->seed) ||
        !cli_positive("--threads", threads, BENCH_THREADS_MAX, &cfg->threads)) {
        fprintf(
            stderr,
            "usage: YIBAO_TOKEN=T yibao-bench http --url http://HOST:PORT/PATH --paasid P "
            "--code FIXMEDINS [--infno 2207|2102] [--flow oneshot|visit]\n       [--connections C] "
            "[--seconds S] [--persons N] [--seed S] [--insutype 390] [--threads T]\n"
            "  (persons: those of the --insutype scheme in `yibao gen city --persons N --seed S`;\n"
            "   --flow visit: 2201 2203 2204 2204 2206 2207 per settlement)\n");
        return -1;
    }
    if (cfg->threads > cfg->connections) cfg->threads = cfg->connections;
    return 0;
}

static double cpu_seconds(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Merges the loops' counters and latencies and prints the result line. */
static int report(const struct bench_cfg *cfg, struct loop *loops, double secs, double cpu) {
    int64_t ok = 0, refused = 0, errors = 0, requests = 0;
    size_t n = 0;
    for (int i = 0; i < cfg->threads; i++) {
        ok += loops[i].ok, refused += loops[i].refused, errors += loops[i].errors;
        requests += loops[i].requests;
        n += loops[i].lat_count;
    }
    int64_t *all = malloc((n ? n : 1) * sizeof *all);
    size_t k = 0;
    bool sampled = false;
    for (int i = 0; i < cfg->threads; i++) {
        if (all) memcpy(all + k, loops[i].lat_us, loops[i].lat_count * sizeof *all);
        k += loops[i].lat_count;
        if (loops[i].refused && !sampled) {
            fprintf(stderr, "bench http: sample refusal: %s\n", loops[i].sample_err);
            sampled = true;
        }
    }
    if (all == NULL) n = 0;
    if (n) qsort(all, n, sizeof *all, cmp_i64);
    printf("connections %lld  seconds %.1f  settlements %" PRId64 "  refused %" PRId64
           "  errors %" PRId64 "  settlements/s %.0f  requests/s %.0f  p50 %.2f ms  p99 %.2f ms"
           "  p999 %.2f ms  client-cpu %.0f%%\n",
           cfg->connections, secs, ok, refused, errors, (double)ok / secs, (double)requests / secs,
           n ? (double)all[n / 2] / 1000 : 0, n ? (double)all[n * 99 / 100] / 1000 : 0,
           n ? (double)all[n * 999 / 1000] / 1000 : 0, 100.0 * cpu / secs);
    free(all);
    return ok > 0 && errors == 0 ? 0 : EXIT_CHECK_FAILED;
}

/* The persons, the 9001 sign-in, then the templates (their bodies carry the
 * sign_no); false after saying why not. */
static bool prepare(struct bench_cfg *cfg, struct template *tpl) {
    if (load_persons(cfg) != 0 || sign_in(cfg) != 0) return false;
    for (int lines = BENCH_LINES_MIN; lines <= BENCH_LINES_MAX; lines++)
        if (templates_of(cfg, lines, tpl) != 0) return false;
    return true;
}

/* T event-loop threads over the connections until the time is up. */
static int run_loops(struct bench_cfg *cfg, const struct template *tpl, struct conn *conns,
                     struct loop *loops, pthread_t *tids) {
    assert(cfg->threads >= 1 && cfg->threads <= cfg->connections);
    uint64_t rng = 0x9E3779B97F4A7C15ULL ^ (uint64_t)now_us();
    double cpu0 = cpu_seconds();
    int64_t t0 = now_us(), end = t0 + cfg->seconds * 1000000;
    size_t next = 0;
    int started = 0;
    for (int i = 0; i < cfg->threads; i++) {
        size_t share = (size_t)(cfg->connections / cfg->threads +
                                (i < cfg->connections % cfg->threads));
        loops[i] = (struct loop){.cfg = cfg,
                                 .tpl = tpl,
                                 .index = i,
                                 .conns = conns + next,
                                 .conn_count = share,
                                 .rng = rng_next(&rng) | 1,
                                 .end_us = end};
        next += share;
        if (pthread_create(&tids[i], NULL, loop_main, &loops[i]) == 0) started++;
        else loops[i].errors++;
    }
    for (int i = 0; i < started; i++) pthread_join(tids[i], NULL);
    int rc = report(cfg, loops, (double)(now_us() - t0) / 1e6, cpu_seconds() - cpu0);
    for (int i = 0; i < cfg->threads; i++) free(loops[i].lat_us);
    return rc;
}

int bench_http(int argc, char **argv) {
    struct bench_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    if (parse(argc, argv, &cfg) != 0) return EXIT_BAD_INPUT;
    struct template *tpl = calloc(BENCH_TEMPLATES, sizeof *tpl);
    struct conn *conns = calloc((size_t)cfg.connections, sizeof *conns);
    struct loop *loops = calloc((size_t)cfg.threads, sizeof *loops);
    pthread_t *tids = calloc((size_t)cfg.threads, sizeof *tids);
    int rc = EXIT_CHECK_FAILED;
    if (!tpl || !conns || !loops || !tids) fprintf(stderr, "yibao-bench http: out of memory\n");
    else if (prepare(&cfg, tpl)) rc = run_loops(&cfg, tpl, conns, loops, tids);
    free(cfg.who);
    free(tpl);
    free(conns);
    free(loops);
    free(tids);
    return rc;
}
