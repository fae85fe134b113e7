/* pgconn.c: libpq connection plumbing shared by store_pg.c and
 * service_db_pg.c (pgconn.h). */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "store/pgconn.h"

#define PGCONN_PREFIX "postgresql: "

/* A FATAL or PANIC outside a query is the server ending the session. */
static void watch_notice(void *arg, const PGresult *res) {
    struct pgconn_watch *w = arg;
    assert(w != NULL && res != NULL);
    const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (severity == NULL) severity = PQresultErrorField(res, PG_DIAG_SEVERITY);
    if (severity != NULL && (strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0))
        w->goodbye = true;
    if (w->chained != NULL) w->chained(NULL, res); /* libpq's default ignores its argument */
}

PGconn *pgconn_connect(const char *target, struct pgconn_watch *w) {
    assert(target != NULL && w != NULL);
    /* keywords apply in order: the URI (dbname, expanded) overrides the default */
    const char *const keys[] = {"connect_timeout", "dbname", NULL};
    const char *const values[] = {PGCONN_CONNECT_TIMEOUT_S, target, NULL};
    PGconn *pg = PQconnectdbParams(keys, values, 1);
    w->goodbye = false;
    w->chained = pg != NULL ? PQsetNoticeReceiver(pg, watch_notice, w) : NULL;
    return pg;
}

bool pgconn_lost(PGconn *pg, struct pgconn_watch *w) {
    assert(pg != NULL && w != NULL);
    for (int i = 0; i < PGCONN_PROBE_READS && !w->goodbye && PQstatus(pg) == CONNECTION_OK; i++) {
        if (PQconsumeInput(pg) == 0) break; /* a read error or end of file: PQstatus says so */
        (void)PQisBusy(pg); /* parses what came: an idle FATAL reaches watch_notice */
    }
    return w->goodbye || PQstatus(pg) != CONNECTION_OK;
}

int pgconn_reset(PGconn *pg, struct pgconn_watch *w, char *msg, size_t size) {
    assert(pg != NULL && w != NULL && msg != NULL && size > 0);
    PQreset(pg);
    w->goodbye = false;
    if (PQstatus(pg) == CONNECTION_OK) return 0;
    const char *why = PQerrorMessage(pg);
    snprintf(msg, size, PGCONN_PREFIX "connection lost; reconnect failed: %s",
             why != NULL && *why ? why : "error");
    pgconn_trim(msg);
    return -1;
}

void pgconn_trim(char *msg) {
    assert(msg != NULL);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) msg[--n] = '\0';
    assert(n == strlen(msg));
}

const char *pgconn_unprefixed(const char *msg) {
    assert(msg != NULL);
    size_t n = strlen(PGCONN_PREFIX);
    return strncmp(msg, PGCONN_PREFIX, n) == 0 ? msg + n : msg;
}

int pgconn_pipeline_results(PGconn *pg, int n, PGresult **keep, int keep_from,
                            struct pgconn_pipe_out *o) {
    assert(pg != NULL && o != NULL && n >= 1 && keep_from >= 0 && keep_from <= n);
    assert(keep != NULL || keep_from == n);
    *o = (struct pgconn_pipe_out){.failed_at = -1};
    /* each query gives its result, then NULL; the sync its own result */
    for (int guard = 0; guard < 4 * (n + 1) && !o->synced; guard++) {
        PGresult *res = PQgetResult(pg);
        if (res == NULL) {
            if (PQstatus(pg) != CONNECTION_OK) break; /* nothing more will come */
            o->results++;
            continue;
        }
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_PIPELINE_SYNC) {
            o->synced = true;
        } else if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            if (o->failed_at == -1) o->failed_at = o->results, o->failed = res, res = NULL;
        } else if (o->failed_at == -1 && o->results >= keep_from && o->results < n &&
                   keep[o->results - keep_from] == NULL) {
            keep[o->results - keep_from] = res, res = NULL;
        }
        PQclear(res);
    }
    assert(o->failed_at == -1 || o->failed != NULL);
    return o->synced && o->results == n && o->failed_at == -1 ? 0 : -1;
}
