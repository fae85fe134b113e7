/* pgconn.h: what the PostgreSQL backends of the store (store_pg.c) and of
 * the service's tables (service_db_pg.c) share about a libpq connection:
 * opening it with a bounded connect time, noticing that the server dropped
 * it, and reconnecting once.
 *
 * The rule both follow: a connection is only ever re-established at the
 * start of a unit of work (a BEGIN, or a statement outside a transaction),
 * never inside a transaction, and at most once per unit: a statement that
 * fails mid-transaction fails its transaction, and an ambiguous COMMIT is
 * reported, not retried. */
#ifndef YIBAO_PGCONN_H
#define YIBAO_PGCONN_H

#include <stdbool.h>
#include <stddef.h>

#include <postgresql/libpq-fe.h> /* Debian: libpq-dev */

/* connect_timeout (seconds) when the URI sets none: bounds a connect and
 * a reconnect to a server that does not answer. */
#define PGCONN_CONNECT_TIMEOUT_S "10"
/* Reads of an idle connection's input that take in a dropped connection's
 * FATAL message and then its end of file. */
#define PGCONN_PROBE_READS 2

/* One per connection, at a stable address: what the notice receiver saw. */
struct pgconn_watch {
    bool goodbye;             /* a FATAL (or PANIC) arrived while idle */
    PQnoticeReceiver chained; /* libpq's receiver, which prints notices */
};

/* PQconnectdbParams of the URI, with connect_timeout defaulted, watched
 * by w; never NULL unless out of memory (check PQstatus). */
PGconn *pgconn_connect(const char *target, struct pgconn_watch *w);

/* Whether the connection is lost. Call only outside a transaction, with no
 * query in flight: a server that ends a session (pg_terminate_backend, a
 * shutdown) sends a FATAL error, then closes, so reading and parsing what
 * came lets us see the loss before a statement is sent into it. */
bool pgconn_lost(PGconn *pg, struct pgconn_watch *w);

/* PQreset: one reconnect attempt. 0, or -1 with msg = "postgresql:
 * connection lost; reconnect failed: <libpq's reason>". The session's
 * settings and prepared statements are gone either way: the caller
 * re-creates them. */
int pgconn_reset(PGconn *pg, struct pgconn_watch *w, char *msg, size_t size);

/* What a pipeline's results said (pgconn_pipeline_results). */
struct pgconn_pipe_out {
    int failed_at;    /* the first query whose result was an error; -1: none */
    PGresult *failed; /* that result (the caller clears it); NULL: none */
    int results;      /* queries whose results came before the sync's */
    bool synced;      /* the sync's result came */
};

/* Reads the results of a pipeline of n queries (libpq's pipeline mode,
 * ended by PQpipelineSync) up to its sync's. Each successful result of
 * query i >= keep_from is kept in keep[i - keep_from] while none failed
 * (the caller clears them); the others are cleared. 0 when all n
 * succeeded and the sync came; else -1, o saying why. Bounded: a lost
 * connection ends it, and so does a count of results no pipeline of n
 * gives. Shared by store_pg.c and service_db_pg.c. */
int pgconn_pipeline_results(PGconn *pg, int n, PGresult **keep, int keep_from,
                            struct pgconn_pipe_out *o);

/* Removes trailing newlines and spaces (libpq's messages end with one). */
void pgconn_trim(char *msg);
/* msg without a leading "postgresql: ", to nest it in another message. */
const char *pgconn_unprefixed(const char *msg);

#endif
