/* cmd_serve.c: `yibao serve --db PATH --listen HOST:PORT [options]` runs
 * the HTTP settlement service (src/service/, docs/SERVICE.md) until
 * SIGINT or SIGTERM.
 *
 * Options (defaults in service.h): --threads N, --batch N (settlements per
 * group commit), --writers N (PostgreSQL: service-table writer connections,
 * default 2; SQLite has one), --max-body BYTES, --max-lines N, --max-depth N,
 * --nonce-cache N (nonces remembered per paasid), --sign-in on|off (off:
 * the envelope's sign_no is not checked; for test rigs), --sign-in-valid-s N
 * (how long a 9001 sign_no is valid), --answers-kept-s N (how long the
 * answer of a replayable write is kept for a replay of its msgid),
 * --key-file PATH (the key tokens derive from; default DB.key beside a
 * SQLite store, or YIBAO_KEY_FILE), --person-reads-per-min N and
 * --person-reads-burst N (person lookups, 1101 and 5206, per credential),
 * --max-body-total BYTES (request memory in flight, all requests: past it
 * 503 "busy"), --max-connections-per-address N (open connections from one
 * IPv4 address; more are closed at accept), --header-timeout-s,
 * --body-timeout-s, --idle-timeout-s (a connection that has not sent its
 * request's headers, or its body, in time is shut down), --path-prefix
 * /PATH (another path requests may be posted to, alone or with "/INFNO"). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "service/service.h"

static volatile sig_atomic_t serve_stop;

static void on_signal(int sig) {
    (void)sig;
    serve_stop = 1;
}

static bool number_option(int argc, char **argv, int *i, const char *name, long long max,
                          long long *out, bool *bad) {
    const char *text = NULL;
    if (!cli_option(argc, argv, i, name, &text, bad)) return false;
    if (!*bad && !cli_positive(name, text, max, out)) *bad = true;
    return true;
}

/* --sign-in on|off */
static bool sign_in_option(int argc, char **argv, int *i, struct service_config *cfg, bool *bad) {
    const char *text = NULL;
    if (!cli_option(argc, argv, i, "--sign-in", &text, bad)) return false;
    if (*bad) return true;
    if (strcmp(text, "on") == 0 || strcmp(text, "off") == 0) {
        cfg->sign_in_off = strcmp(text, "off") == 0;
    } else {
        fprintf(stderr, "yibao serve: --sign-in: must be on or off, not '%s'\n", text);
        *bad = true;
    }
    return true;
}

static int parse(int argc, char **argv, const char **db, const char **listen,
                 struct service_config *cfg) {
    bool bad = false;
    long long v = 0;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", db, &bad) ||
            cli_option(argc, argv, &i, "--listen", listen, &bad) ||
            cli_option(argc, argv, &i, "--key-file", &cfg->key_file, &bad) ||
            cli_option(argc, argv, &i, "--path-prefix", &cfg->path_prefix, &bad) ||
            sign_in_option(argc, argv, &i, cfg, &bad))
            continue;
        if (number_option(argc, argv, &i, "--threads", SERVICE_THREADS_MAX, &v, &bad))
            cfg->threads = (int)v;
        else if (number_option(argc, argv, &i, "--batch", 1 << 20, &v, &bad))
            cfg->batch_max = (int)v;
        else if (number_option(argc, argv, &i, "--writers", SERVICE_WRITERS_MAX, &v, &bad))
            cfg->writers = (int)v;
        else if (number_option(argc, argv, &i, "--max-body", SERVICE_BODY_BYTES_MAX, &v, &bad))
            cfg->body_bytes_max = (size_t)v;
        else if (number_option(argc, argv, &i, "--max-lines", 1 << 20, &v, &bad))
            cfg->lines_max = (int32_t)v;
        else if (number_option(argc, argv, &i, "--max-depth", 1 << 10, &v, &bad))
            cfg->depth_max = (uint32_t)v;
        else if (number_option(argc, argv, &i, "--nonce-cache", 1 << 26, &v, &bad))
            cfg->nonces_per_paasid = (uint32_t)v;
        else if (number_option(argc, argv, &i, "--sign-in-valid-s", SERVICE_SIGN_IN_VALID_S_MAX, &v,
                               &bad))
            cfg->sign_in_valid_s = v;
        else if (number_option(argc, argv, &i, "--answers-kept-s", SERVICE_ANSWERS_KEPT_S_MAX, &v,
                               &bad))
            cfg->answers_kept_s = v;
        else if (number_option(argc, argv, &i, "--person-reads-per-min",
                               SERVICE_PERSON_READS_PER_MIN_MAX, &v, &bad))
            cfg->person_reads_per_min = (int32_t)v;
        else if (number_option(argc, argv, &i, "--person-reads-burst",
                               SERVICE_PERSON_READS_PER_MIN_MAX, &v, &bad))
            cfg->person_reads_burst = (int32_t)v;
        else if (number_option(argc, argv, &i, "--max-body-total", SERVICE_BODY_TOTAL_BYTES_MAX, &v,
                               &bad))
            cfg->body_total_bytes_max = (size_t)v;
        else if (number_option(argc, argv, &i, "--max-connections-per-address",
                               SERVICE_CONNECTIONS_MAX, &v, &bad))
            cfg->connections_per_address_max = (int32_t)v;
        else if (number_option(argc, argv, &i, "--header-timeout-s", SERVICE_TIMEOUT_S_MAX, &v,
                               &bad))
            cfg->header_timeout_s = (int32_t)v;
        else if (number_option(argc, argv, &i, "--body-timeout-s", SERVICE_TIMEOUT_S_MAX, &v, &bad))
            cfg->body_timeout_s = (int32_t)v;
        else if (number_option(argc, argv, &i, "--idle-timeout-s", SERVICE_TIMEOUT_S_MAX, &v, &bad))
            cfg->idle_timeout_s = (int32_t)v;
        else {
            fprintf(stderr, "yibao serve: unexpected argument '%s'\n", argv[i]);
            bad = true;
        }
    }
    if (!bad && (*db == NULL || *listen == NULL)) {
        fprintf(stderr, "yibao serve: --db and --listen are required\n");
        bad = true;
    }
    if (bad) cli_usage("serve", stderr);
    return bad ? -1 : 0;
}

int cmd_serve(int argc, char **argv) {
    const char *db = NULL, *listen = NULL;
    struct service_config cfg;
    service_config_default(&cfg);
    if (parse(argc, argv, &db, &listen, &cfg) != 0) return EXIT_BAD_INPUT;
    char err[SERVICE_ERR_BYTES];
    struct service *svc = NULL;
    if (service_open(db, &cfg, &svc, err, sizeof err) != 0) {
        fprintf(stderr, "yibao serve: %s\n", err);
        return EXIT_BAD_INPUT;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int rc = service_serve(svc, listen, &serve_stop, err, sizeof err);
    if (rc != 0) fprintf(stderr, "yibao serve: %s\n", err);
    service_close(svc);
    return rc == 0 ? 0 : EXIT_BAD_INPUT;
}
