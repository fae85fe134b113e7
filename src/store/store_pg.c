/* store_pg.c: the PostgreSQL backend of the store interface (store.h).
 *
 * libpq, one connection per store_conn. Durability: synchronous_commit is
 * forced on. Write transactions take a transaction-level advisory lock, so
 * there is one writer at a time across processes (the journal is a chain).
 * Batched operations cost one round trip each: lookups use "= ANY($1)"
 * with array parameters, upserts "INSERT ... SELECT FROM unnest(...) ON
 * CONFLICT", and appends (journal, postings, persons) use COPY. Scans read
 * through a cursor, PG_FETCH_ROWS rows at a time.
 *
 * The fixed statements (pg_run) are prepared once per session, so the
 * server does not parse and analyze them at every call (the visit flow
 * reads a person's registry row, state and balance per request). They are
 * planned at every call all the same (plan_cache_mode = force_custom_plan):
 * a generic plan is made once, from the sizes the tables had then, and a
 * journal that grew from empty kept a sequential scan for its msgid
 * lookups (bench store on PostgreSQL fell from about 24,000 to 5,000
 * settlements/s, and 2,597 to 647 again in 2026 with generic plans on the
 * writer); a custom plan sees the tables' current size.
 *
 * The store's read connections (store_open_as: reader_session; the HTTP
 * side's person, state and kept-answer reads) are the exception: their
 * session runs at plan_cache_mode = auto, because planning the person's
 * tables read (3 a visit) at every call cost ~190 us against ~40 us of
 * execution. There the statements are split, each call site choosing:
 *   - pg_run_key: reads by equality on a unique key only, or catalog
 *     look-ups, whose best plan is an index probe whatever the table's
 *     size (a generic plan made on an empty table is the same index scan;
 *     checked with EXPLAIN at force_generic_plan): the person's tables
 *     (states' key, checkpoint id 1, max(seq) of the journal, accounts'
 *     key, one person by psn_no), a credential by paasid, to_regclass.
 *     Prepared; generic plans.
 *   - pg_run (everything else): on a reader sent unprepared (an unnamed
 *     statement is planned at its bind, with its parameters and the
 *     tables' current size), because a generic plan of these can go wrong
 *     as a table grows from empty: the "= ANY($1)" array look-ups (persons,
 *     the journal by msgid or seq, revokes, balances: a generic plan made
 *     on an empty journal is a sequential scan, checked with EXPLAIN),
 *     states_get's unnest join, the prefix match of last_import, and the
 *     service tables' statements. Statements without parameters keep their
 *     prepared statement: PostgreSQL plans them generically under any
 *     plan_cache_mode (there is nothing a custom plan could use), as on the
 *     writer; except, on every connection, the three that read the
 *     journal's end (pg_run_fresh: a generic plan made on a small journal
 *     scans all of it once the journal has grown).
 * The writer (s->conn) and the commit queue's connections never call
 * reader_session: they keep force_custom_plan for every statement but the
 * writes kept for a round trip (pg_flush: appends from arrays and the
 * visits' links) and a commit queue batch's reads by keys (pg_batch_plans):
 * those at generic plans with sequential scans off, so that a plan made on
 * a table of a page is still the index's once the table has grown.
 *
 * A dropped connection (server restart, pg_terminate_backend, network) is
 * re-established at the start of the next unit of work only: pg_begin, or
 * a statement or scan outside a transaction (pgconn.h). Inside a
 * transaction nothing is retried: the failed statement fails the
 * transaction, and the caller (the commit queue) fails its batch. After a
 * reconnect the session settings (PG_SESSION, and a reader's
 * PG_READER_SESSION) are applied again, and the
 * statements prepared again as they are used; the temp
 * table states_in is created on use, and cursors and advisory locks live
 * only within a transaction. */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "store/enrol_rows.h"
#include "store/pgconn.h"
#include "store/schema.h"
#include "store/store.h"
#include "store/store_columns.h"

#define PG_FETCH_ROWS 10000
#define PG_WRITER_LOCK_KEY (SCHEMA_PG_LOCK_KEY - 1) /* pg_advisory_xact_lock key of the writer */
#define PG_STR(x) #x
#define PG_XSTR(x) PG_STR(x)
#define PG_WRITER_LOCK_SQL "pg_advisory_xact_lock(" PG_XSTR(PG_WRITER_LOCK_KEY) ")"

/* Per-session settings, applied at open and after every reconnect. */
static const char PG_SESSION[] = "SET synchronous_commit = on; SET client_min_messages = warning;"
                                 " SET plan_cache_mode = force_custom_plan";
/* A read connection's, after PG_SESSION (the file's top comment says why). */
static const char PG_READER_SESSION[] = "SET plan_cache_mode = auto";

#include "store/store_columns.h"

#define PG_PREPARED_MAX 32 /* fixed statements prepared per session (pg_run); more: unprepared */
#define PG_DEFER_MAX 8     /* writes kept for one round trip (pg_defer); more: sent first */
#define PG_FLUSH_ITEMS_MAX (PG_DEFER_MAX + 2) /* pg_flush's: the plan mode, the tail or it again */
/* the plan mode of pg_flush's kept writes, and back (SET LOCAL: until the
 * transaction's end at most) */
#define PG_GENERIC_ON                                                                                \
    "SELECT set_config('plan_cache_mode', 'force_generic_plan', true), set_config('enable_seqscan'," \
    " 'off', true)"
#define PG_GENERIC_OFF                                                                              \
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), set_config('enable_seqscan'," \
    " 'on', true)"
#define PG_DEFER_PARAMS_MAX 12 /* the widest kept write's parameters (journal's columns) */
#define PG_DEFER_ROWS_MAX 256  /* rows appended by a kept INSERT; more: COPY, sent now */
#define PG_AHEAD_MAX 8         /* reads a batch sends ahead (pg_batch_capture) */
#define PG_AHEAD_PARAMS_MAX 2  /* the widest of them (states_get's two arrays) */

/* A read of a commit queue batch captured before the batch ran
 * (pg_batch_capture), sent in its first round trip (begin_with), its
 * result kept until the batch runs that read with the same parameters. */
struct pg_ahead {
    const char *sql; /* by address, as pg_run */
    int prepared;    /* its index among the session's prepared statements */
    int nparams;
    char *params[PG_AHEAD_PARAMS_MAX];
    PGresult *res; /* NULL until sent */
};

/* A write whose only outcome is success, kept to be sent in the round
 * trip of the next statement or of the COMMIT (pg_defer): its statement
 * (by address, as pg_run's) and its parameters (owned). */
struct pg_deferred {
    const char *sql;
    int nparams;
    int prepared; /* its index among the session's prepared statements, or -1 */
    char *params[PG_DEFER_PARAMS_MAX];
};

struct store_conn {
    PGconn *pg;
    struct pgconn_watch watch; /* sees the server's goodbye while idle */
    int cursor_serial;
    const char *prepared[PG_PREPARED_MAX]; /* pg_run's statements on this session, by address */
    int prepared_count;
    unsigned enrol_seen; /* bit per enrol_kind: its table exists (tables are never dropped) */
    bool in_tx;          /* in pg_begin's transaction or a scan's own: never reconnect */
    bool broken;         /* a reconnect or its session settings failed: again at the next unit */
    bool persons_v16;    /* read only, a store before migration 17: no benefit_years column */
    bool catalog_v18;    /* read only, a store before migration 19: no restrictions */
    bool postings_v19;   /* read only, a store before migration 20: no posting's month */
    bool catalog_v20;    /* read only, before migration 21: gender and ages only */
    bool breaks_v21;     /* read only, before migration 22: no journal_breaks (none kept) */
    bool reader;         /* one of the store's read connections: PG_READER_SESSION too */
    /* writes kept for the next round trip (pg_defer) */
    struct pg_deferred deferred[PG_DEFER_MAX];
    int deferred_count;
    /* the journal's last record as this transaction read it (journal_tail;
     * 0: not read): its time, for the time breaks of records appended after
     * it (pg_breaks_note) without reading it again */
    int64_t tail_seq, tail_time_us;
    /* the transaction's statements from here on run at generic plans
     * without sequential scans (pg_batch_plans; PG_GENERIC_ON) */
    bool batch_generic;
    /* pg_batch_begin's BEGIN not sent yet: it goes with the batch's first
     * statement (begin_send, pg_batch_heads); begin_reconnected: that unit
     * of work reconnected already (no second try) */
    bool begin_due, begin_reconnected;
    /* pg_batch_capture: reads recorded, not run (capturing), then sent
     * with the batch's first statement and kept for it */
    bool capturing;
    struct pg_ahead ahead[PG_AHEAD_MAX];
    int ahead_count;
};

/* ---- a growable text buffer ------------------------------------------- */
struct sbuf {
    char *data;
    size_t len, cap;
    bool failed;
};

static void sb_reserve(struct sbuf *b, size_t more) {
    assert(b != NULL && (b->cap == 0 || b->len < b->cap));
    if (b->failed || b->len + more + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1) cap *= 2;
    char *grown = realloc(b->data, cap);
    if (grown == NULL) {
        b->failed = true;
        return;
    }
    b->data = grown;
    b->cap = cap;
}

static void sb_put(struct sbuf *b, const char *s, size_t n) {
    assert(s != NULL || n == 0);
    sb_reserve(b, n);
    if (b->failed) return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    assert(b->len < b->cap);
}

static void sb_printf(struct sbuf *b, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *format, ...) {
    char tmp[128];
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(tmp, sizeof tmp, format, ap);
    va_end(ap);
    assert(n >= 0 && (size_t)n < sizeof tmp);
    if (n > 0) sb_put(b, tmp, (size_t)n);
}

/* COPY text format: backslash escapes for \, tab, newline, CR. */
static void sb_copy_text(struct sbuf *b, const char *s, char sep) {
    assert(s != NULL && sep != '\0');
    sb_reserve(b, 2 * strlen(s) + 2);
    for (; !b->failed && *s; s++) {
        char c = *s;
        if (c == '\\' || c == '\t' || c == '\n' || c == '\r') {
            b->data[b->len++] = '\\';
            c = c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\';
        }
        b->data[b->len++] = c;
    }
    if (!b->failed) b->data[b->len++] = sep, b->data[b->len] = '\0';
    assert(b->failed || b->len < b->cap);
}

/* An array literal element, always quoted: "{\"a\",\"b\"}". */
static void sb_array_text(struct sbuf *b, const char *s, bool first) {
    assert(s != NULL);
    sb_reserve(b, 2 * strlen(s) + 4);
    if (b->failed) return;
    if (!first) b->data[b->len++] = ',';
    b->data[b->len++] = '"';
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') b->data[b->len++] = '\\';
        b->data[b->len++] = *s;
    }
    b->data[b->len++] = '"';
    b->data[b->len] = '\0';
    assert(b->len < b->cap);
}

static void sb_free(struct sbuf *b) {
    assert(b != NULL && b->len <= b->cap);
    free(b->data);
}

/* ---- plumbing ---------------------------------------------------------------- */
static int pg_fail(struct store_conn *c, struct store_err *err, const char *what, PGresult *res) {
    assert(c != NULL && c->pg != NULL && err != NULL && what != NULL);
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg);
    store_errf(err, "postgresql: %s: %s", what, msg && *msg ? msg : "error");
    pgconn_trim(err->msg);
    if (res) PQclear(res);
    return -1;
}

static int pg_flush(struct store_conn *c, const char *tail, struct store_err *err);
static int begin_send(struct store_conn *c, struct store_err *err);

/* Any statement first sends a BEGIN still due (pg_batch_begin) and the
 * writes kept for its round trip (pg_defer), so that it sees them, in
 * order. -1 (err set) when one failed. */
static int pg_due(struct store_conn *c, struct store_err *err) {
    assert(c != NULL && c->deferred_count >= 0 && c->deferred_count <= PG_DEFER_MAX);
    if (c->begin_due && begin_send(c, err) != 0) return -1;
    return c->deferred_count > 0 ? pg_flush(c, NULL, err) : 0;
}

static int prepared_index(struct store_conn *c, const char *sql, struct store_err *err);

/* ---- reads sent ahead of a batch ------------------------------------------------ */
/* A commit queue batch reads the journal by its msgids, the persons,
 * balances and year states it misses, and locks its visits: five round
 * trips after its first (the journal's end). Those reads depend on no
 * result of the others but the journal's (a msgid already journaled is a
 * replay, whose person is not read), so the queue first runs them on the
 * bet that none is (commitq.c reads_ahead) with this connection capturing:
 * each read is recorded, not run, and answers nothing. They then go in
 * the batch's first round trip (begin_with), after its writer lock, and
 * a read of the batch that is the same statement with the same
 * parameters takes its result (ahead_take). The results are what running
 * it then would give: no other process writes these tables without the
 * writer lock, which the batch holds from before them, the visits read
 * are locked by the read itself, and this transaction writes nothing
 * before them (its writes are kept for the COMMIT, pg_defer; any other
 * statement drops them first). */
static void ahead_free(struct store_conn *c) {
    assert(c->ahead_count >= 0 && c->ahead_count <= PG_AHEAD_MAX);
    for (int i = 0; i < c->ahead_count; i++) {
        for (int k = 0; k < c->ahead[i].nparams; k++) free(c->ahead[i].params[k]);
        PQclear(c->ahead[i].res);
    }
    c->ahead_count = 0;
}

/* Capturing: sql recorded (when it fits), an empty result for its caller. */
static PGresult *ahead_capture(struct store_conn *c, const char *sql, int nparams,
                               const char *const *params) {
    struct store_err ignored;
    assert(c->capturing && c->ahead_count >= 0 && c->ahead_count <= PG_AHEAD_MAX);
    int prepared = prepared_index(c, sql, &ignored); /* a PREPARE changes no data */
    if (prepared >= 0 && c->ahead_count < PG_AHEAD_MAX && nparams <= PG_AHEAD_PARAMS_MAX) {
        struct pg_ahead *a = &c->ahead[c->ahead_count];
        *a = (struct pg_ahead){.sql = sql, .prepared = prepared};
        bool ok = true;
        for (; a->nparams < nparams && ok; a->nparams++)
            ok = (a->params[a->nparams] = strdup(params[a->nparams])) != NULL;
        c->ahead_count++;
        if (!ok) ahead_free(c);
    }
    return PQmakeEmptyPGresult(c->pg, PGRES_TUPLES_OK);
}

/* The result sent ahead for this very read, taken; NULL when there is none,
 * and then every one is dropped (any other statement comes between). */
static PGresult *ahead_take(struct store_conn *c, const char *sql, int nparams,
                            const char *const *params) {
    assert(!c->capturing && c->ahead_count >= 0 && c->ahead_count <= PG_AHEAD_MAX);
    for (int i = 0; i < c->ahead_count; i++) {
        struct pg_ahead *a = &c->ahead[i];
        bool same = a->res != NULL && a->sql == sql && a->nparams == nparams;
        for (int k = 0; same && k < nparams; k++) same = strcmp(a->params[k], params[k]) == 0;
        if (!same) continue;
        PGresult *res = a->res;
        a->res = NULL; /* taken: the entry stays, spent */
        return res;
    }
    ahead_free(c);
    return NULL;
}

/* store_backend.batch_capture: from on, the reads by this connection's
 * fixed statements are recorded, not run (see above). */
static void pg_batch_capture(struct store_conn *c, bool on) {
    assert(c != NULL && c->in_tx && c->begin_due && c->capturing != on);
    if (on) ahead_free(c);
    c->capturing = on;
}

/* Runs sql with text parameters; returns the result (caller clears) or NULL. */
static PGresult *pg_run_raw(struct store_conn *c, const char *sql, int nparams,
                            const char *const *params, struct store_err *err) {
    assert(c != NULL && c->pg != NULL && sql != NULL && nparams >= 0 &&
           (params != NULL || nparams == 0));
    if (c->capturing) return PQmakeEmptyPGresult(c->pg, PGRES_TUPLES_OK); /* not recorded */
    if (c->ahead_count > 0) ahead_free(c);
    if (pg_due(c, err) != 0) return NULL;
    PGresult *res = PQexecParams(c->pg, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        pg_fail(c, err, sql, res);
        return NULL;
    }
    return res;
}

/* Runs one or more parameterless statements (simple query protocol). */
static int pg_cmd_raw(struct store_conn *c, const char *sql, struct store_err *err) {
    assert(c != NULL && c->pg != NULL && sql != NULL);
    if (c->capturing) return 0; /* not recorded */
    if (c->ahead_count > 0) ahead_free(c);
    if (pg_due(c, err) != 0) return -1;
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return pg_fail(c, err, sql, res);
    PQclear(res);
    return 0;
}

/* At the start of a unit of work (outside a transaction): when the server
 * dropped the connection, or the last reconnect failed, one reconnect and
 * the session settings again; *reconnected (may be NULL) says it tried. */
static int pg_ensure(struct store_conn *c, bool *reconnected, struct store_err *err) {
    assert(c != NULL && !c->in_tx); /* never reconnects inside a transaction */
    if (!c->broken && !pgconn_lost(c->pg, &c->watch)) return 0;
    if (reconnected) *reconnected = true;
    c->broken = true;
    c->prepared_count = 0; /* a new session has none */
    if (pgconn_reset(c->pg, &c->watch, err->msg, sizeof err->msg) != 0) return -1;
    struct store_err why;
    if (pg_cmd_raw(c, PG_SESSION, &why) != 0 ||
        (c->reader && pg_cmd_raw(c, PG_READER_SESSION, &why) != 0))
        return store_errf(err, "postgresql: connection lost; reconnect failed: %s",
                          pgconn_unprefixed(why.msg)),
               -1;
    c->broken = false;
    assert(c->prepared_count == 0);
    return 0;
}

/* The index of sql's prepared statement on this session, preparing it the
 * first time; -1 when the table is full (then it runs unprepared), -2 (err
 * set) when preparing failed. */
static int prepared_index(struct store_conn *c, const char *sql, struct store_err *err) {
    assert(sql != NULL && c->prepared_count >= 0 && c->prepared_count <= PG_PREPARED_MAX);
    for (int i = 0; i < c->prepared_count; i++)
        if (c->prepared[i] == sql) return i;
    if (c->prepared_count == PG_PREPARED_MAX) return -1;
    char name[16];
    snprintf(name, sizeof name, "st%d", c->prepared_count);
    PGresult *res = PQprepare(c->pg, name, sql, 0, NULL);
    if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
        return pg_fail(c, err, sql, res), -2;
    PQclear(res);
    c->prepared[c->prepared_count] = sql;
    return c->prepared_count++;
}

/* Runs one of this file's fixed statements (sql must be a string constant:
 * it is known by its address), prepared once per session so that the
 * server parses it once, not at every call; reconnects first when outside
 * a transaction. generic_ok: a key look-up whose generic plan is safe (the
 * file's top comment); otherwise, on a reader (plan_cache_mode = auto), a
 * statement with parameters is sent unprepared, to be planned at each
 * call. The result (caller clears) or NULL. */
static PGresult *pg_run_as(struct store_conn *c, const char *sql, int nparams,
                           const char *const *params, bool generic_ok, struct store_err *err) {
    assert(c != NULL && sql != NULL && nparams >= 0);
    if (c->capturing) return ahead_capture(c, sql, nparams, params);
    if (c->ahead_count > 0) {
        PGresult *res = ahead_take(c, sql, nparams, params);
        if (res != NULL) return res;
    }
    if (!c->in_tx && pg_ensure(c, NULL, err) != 0) return NULL;
    /* before preparing: its reconnect, if any, drops the prepared ones */
    if (c->begin_due && begin_send(c, err) != 0) return NULL;
    if (c->reader && !generic_ok && nparams > 0) return pg_run_raw(c, sql, nparams, params, err);
    int i = prepared_index(c, sql, err);
    assert(i >= -2 && i < c->prepared_count);
    if (i == -2) return NULL;
    if (i == -1) return pg_run_raw(c, sql, nparams, params, err);
    char name[16];
    snprintf(name, sizeof name, "st%d", i);
    if (pg_due(c, err) != 0) return NULL;
    PGresult *res = PQexecPrepared(c->pg, name, nparams, params, NULL, NULL, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        pg_fail(c, err, sql, res);
        return NULL;
    }
    return res;
}

/* A fixed statement planned at each call on every connection. */
static PGresult *pg_run(struct store_conn *c, const char *sql, int nparams,
                        const char *const *params, struct store_err *err) {
    assert(c != NULL && sql != NULL);
    return pg_run_as(c, sql, nparams, params, false, err);
}

/* A fixed statement reading by unique keys only: a reader may keep its
 * generic plan (the file's top comment lists them and says why). */
static PGresult *pg_run_key(struct store_conn *c, const char *sql, int nparams,
                            const char *const *params, struct store_err *err) {
    assert(c != NULL && sql != NULL);
    return pg_run_as(c, sql, nparams, params, true, err);
}

/* ---- writes kept for the next round trip ------------------------------------------- */
/* A commit queue's batch ends with writes whose only outcome is success:
 * the visits' links, the journal's records, their data, the postings. Sent
 * one by one (and the journal's three as COPY, two round trips each) they
 * cost about eight round trips a batch, each a wake-up of the writer and
 * of its backend; kept (pg_defer) they go together with the COMMIT, in
 * one (libpq's pipeline mode). Any other statement sends what is kept
 * first (a round trip of its own: the batch's usual path has none, its
 * time-break check takes the previous record's time from the tail the
 * batch read, pg_breaks_note), so every statement sees the writes made
 * before it (pg_due). A kept write that fails fails the statement it went
 * with (the COMMIT: the transaction is then rolled back), as it would
 * have failed the caller's call: callers of writes in a transaction fail
 * the transaction on any error. */
static void deferred_free(struct store_conn *c) {
    assert(c->deferred_count >= 0 && c->deferred_count <= PG_DEFER_MAX);
    for (int i = 0; i < c->deferred_count; i++)
        for (int k = 0; k < c->deferred[i].nparams; k++) free(c->deferred[i].params[k]);
    c->deferred_count = 0;
}

static int deferred_send(struct store_conn *c, const struct pg_deferred *d, struct store_err *err) {
    const char *params[PG_DEFER_PARAMS_MAX];
    char name[16];
    assert(d->sql != NULL && d->nparams >= 0 && d->nparams <= PG_DEFER_PARAMS_MAX);
    for (int k = 0; k < d->nparams; k++) params[k] = d->params[k];
    snprintf(name, sizeof name, "st%d", d->prepared);
    int sent = d->prepared >= 0
                   ? PQsendQueryPrepared(c->pg, name, d->nparams, params, NULL, NULL, 0)
                   : PQsendQueryParams(c->pg, d->sql, d->nparams, NULL, params, NULL, NULL, 0);
    return sent == 1 ? 0 : pg_fail(c, err, d->sql, NULL);
}

/* A command without parameters into the pipeline. */
static int send_text(struct store_conn *c, const char *sql, struct store_err *err) {
    assert(c != NULL && sql != NULL);
    return PQsendQueryParams(c->pg, sql, 0, NULL, NULL, NULL, NULL, 0) == 1
               ? 0
               : pg_fail(c, err, sql, NULL);
}

/* The results of a pipeline of n queries up to its sync; the first
 * failure's message in err (what: its statement, by index). */
static int pipeline_results(struct store_conn *c, int n, const char *const *what,
                            struct store_err *err) {
    struct pgconn_pipe_out o;
    assert(n >= 1 && n <= PG_FLUSH_ITEMS_MAX);
    if (pgconn_pipeline_results(c->pg, n, NULL, n, &o) == 0) return 0;
    if (o.failed != NULL) /* pg_fail clears it */
        return pg_fail(c, err, o.failed_at < n ? what[o.failed_at] : "pipeline", o.failed);
    if (o.synced)
        return store_errf(err, "postgresql: pipeline: %d results of %d", o.results, n), -1;
    return pg_fail(c, err, "pipeline", NULL);
}

/* Sends the kept writes and then tail (a command without parameters, the
 * COMMIT; NULL: none) in one round trip: when one fails the rest do not
 * run. The kept writes run at generic plans without sequential scans
 * (PG_GENERIC_ON ... OFF around them): each appends rows from its arrays,
 * or (the visits' links) updates by a key in an array, whose plan is then
 * an index scan whatever the tables' size, so planning them at every
 * batch, as force_custom_plan does, bought nothing (a visit's link was the
 * writer's costliest plan: perf, the visit flow, 4.9 -> 3.2 % of the
 * machine in the writer's planner). With sequential scans allowed, the
 * link's generic plan made while svc_fee was a page scanned all of it at
 * every batch as it grew (seen in the same profile: a third of the
 * machine). Results left unread make the
 * connection useless: it is marked for a reconnect at the next unit of
 * work. */
static int pg_flush(struct store_conn *c, const char *tail, struct store_err *err) {
    const char *what[PG_FLUSH_ITEMS_MAX];
    int n = c->deferred_count, rc = 0, count = 0;
    assert(c->in_tx && !c->reader && n >= 0 && n <= PG_DEFER_MAX && (n > 0 || tail != NULL));
    bool wrap = n > 0 && !c->batch_generic; /* a batch at generic plans needs no switch */
    const char *after = wrap && tail == NULL ? PG_GENERIC_OFF : tail; /* the transaction goes on */
    if (wrap) what[count++] = PG_GENERIC_ON;
    for (int i = 0; i < n; i++) what[count++] = c->deferred[i].sql;
    if (after != NULL) what[count++] = after;
    assert(count >= 1 && count <= PG_FLUSH_ITEMS_MAX);
    if (PQenterPipelineMode(c->pg) != 1) rc = pg_fail(c, err, "pipeline mode", NULL);
    if (rc == 0 && wrap) rc = send_text(c, PG_GENERIC_ON, err);
    for (int i = 0; rc == 0 && i < n; i++) rc = deferred_send(c, &c->deferred[i], err);
    if (rc == 0 && after != NULL) rc = send_text(c, after, err);
    if (rc == 0 && PQpipelineSync(c->pg) != 1) rc = pg_fail(c, err, "pipeline sync", NULL);
    if (rc == 0) rc = pipeline_results(c, count, what, err);
    if (PQpipelineStatus(c->pg) != PQ_PIPELINE_OFF && PQexitPipelineMode(c->pg) != 1) {
        if (rc == 0) rc = pg_fail(c, err, "pipeline mode", NULL);
        c->broken = true;
    }
    deferred_free(c);
    return rc;
}

/* A write of one of this file's fixed statements (by address, as pg_run)
 * whose only outcome is success: inside a transaction kept for the next
 * round trip (see above), run now outside one. */
static int pg_defer(struct store_conn *c, const char *sql, int nparams, const char *const *params,
                    struct store_err *err) {
    assert(c != NULL && sql != NULL && nparams >= 0 && nparams <= PG_DEFER_PARAMS_MAX);
    assert(!c->capturing); /* a batch's capture reads only */
    if (!c->in_tx) {
        PGresult *res = pg_run(c, sql, nparams, params, err);
        PQclear(res);
        return res != NULL ? 0 : -1;
    }
    if (c->begin_due && begin_send(c, err) != 0) return -1; /* as pg_run_as */
    if (c->deferred_count == PG_DEFER_MAX && pg_flush(c, NULL, err) != 0) return -1;
    int prepared = prepared_index(c, sql, err); /* a PREPARE sent now changes no data */
    if (prepared == -2) return -1;
    struct pg_deferred *d = &c->deferred[c->deferred_count];
    *d = (struct pg_deferred){.sql = sql, .nparams = 0, .prepared = prepared};
    c->deferred_count++;
    for (int k = 0; k < nparams; k++, d->nparams++)
        if ((d->params[k] = strdup(params[k])) == NULL) {
            c->deferred_count--;
            for (int j = 0; j < k; j++) free(d->params[j]);
            return store_errf(err, "postgresql: out of memory"), -1;
        }
    assert(d->nparams == nparams && c->deferred_count <= PG_DEFER_MAX);
    return 0;
}

/* Appends rows given as n array literals a[0..n) (each opened with '{')
 * by sql's unnest of them, kept (pg_defer); frees the arrays. */
static int defer_arrays(struct store_conn *c, const char *sql, struct sbuf *a, int n,
                        struct store_err *err) {
    const char *params[PG_DEFER_PARAMS_MAX];
    bool failed = false;
    assert(n >= 1 && n <= PG_DEFER_PARAMS_MAX);
    for (int k = 0; k < n; k++) {
        sb_put(&a[k], "}", 1);
        failed = failed || a[k].failed;
        params[k] = a[k].data;
    }
    int rc = failed ? store_errf(err, "postgresql: out of memory"),
        -1          : pg_defer(c, sql, n, params, err);
    for (int k = 0; k < n; k++) sb_free(&a[k]);
    return rc;
}

/* A fixed statement without parameters that reads the journal's end
 * (its tail, max(seq), the last import): sent unprepared, so that it is
 * planned at every call with the journal's current size. Prepared, it
 * kept the generic plan of its first call for the whole session: made
 * while the journal held a few rows (a sequential scan and a sort), it
 * scanned the whole journal at every batch as a run grew it, until
 * autovacuum's next ANALYZE of the journal replaced the plan (a resident
 * year of 500,000 persons spent 14 s of its 74 s there; docs/BENCHMARKS.md
 * "Fifteenth session"). Planning these costs well under a millisecond, once
 * a batch or a group commit. */
static PGresult *pg_run_fresh(struct store_conn *c, const char *sql, struct store_err *err) {
    assert(c != NULL && sql != NULL);
    if (!c->in_tx && pg_ensure(c, NULL, err) != 0) return NULL;
    return pg_run_raw(c, sql, 0, NULL, err);
}

/* pg_cmd_raw, reconnecting first when outside a transaction. */
static int pg_cmd(struct store_conn *c, const char *sql, struct store_err *err) {
    assert(c != NULL && sql != NULL);
    if (!c->in_tx && pg_ensure(c, NULL, err) != 0) return -1;
    return pg_cmd_raw(c, sql, err);
}

static int pg_copy(struct store_conn *c, const char *sql, const struct sbuf *data,
                   struct store_err *err) {
    assert(c != NULL && sql != NULL && data != NULL && data->len <= INT32_MAX);
    if (data->failed) return store_errf(err, "postgresql: out of memory"), -1;
    if (data->len == 0 || c->capturing) return 0; /* capturing: not recorded */
    if (c->ahead_count > 0) ahead_free(c);
    if (!c->in_tx && pg_ensure(c, NULL, err) != 0) return -1;
    if (pg_due(c, err) != 0) return -1;
    PGresult *res = PQexec(c->pg, sql);
    if (res == NULL || PQresultStatus(res) != PGRES_COPY_IN) return pg_fail(c, err, sql, res);
    PQclear(res);
    if (PQputCopyData(c->pg, data->data, (int)data->len) != 1 || PQputCopyEnd(c->pg, NULL) != 1)
        return pg_fail(c, err, sql, NULL);
    int rc = 0;
    while ((res = PQgetResult(c->pg)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            if (rc == 0) rc = pg_fail(c, err, sql, res);
            else PQclear(res);
        } else {
            PQclear(res);
        }
    }
    return rc;
}

static int64_t col_i64(const PGresult *res, int row, int col) {
    assert(res != NULL && row >= 0 && row < PQntuples(res) && col >= 0 && col < PQnfields(res));
    return (int64_t)strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static void col_text(const PGresult *res, int row, int col, char *out, size_t size) {
    assert(res != NULL && row < PQntuples(res) && col < PQnfields(res) && out != NULL && size > 0);
    snprintf(out, size, "%s", PQgetvalue(res, row, col));
}

/* Maps result keys back to request order: index of key in keys, or -1. */
struct keyindex {
    size_t slot_count;
    uint32_t *slots;
    const char *const *keys;
};

static int keyindex_build(struct keyindex *ki, const char *const *keys, size_t n) {
    assert(ki != NULL && (keys != NULL || n == 0) && n < UINT32_MAX);
    ki->slot_count = 16;
    while (ki->slot_count < 2 * n) ki->slot_count *= 2;
    ki->slots = calloc(ki->slot_count, sizeof *ki->slots);
    ki->keys = keys;
    if (ki->slots == NULL) return -1;
    for (size_t i = 0; i < n; i++) {
        size_t h = (size_t)fnv1a_text(FNV_OFFSET, keys[i]) & (ki->slot_count - 1);
        while (ki->slots[h] != 0) h = (h + 1) & (ki->slot_count - 1);
        ki->slots[h] = (uint32_t)i + 1;
    }
    return 0;
}

/* Iterates the request indexes whose key equals key (duplicates too):
 * start with *pos = SIZE_MAX; returns -1 at the end. */
static long keyindex_next(const struct keyindex *ki, const char *key, size_t *pos) {
    assert(ki->slots != NULL && key != NULL && pos != NULL);
    size_t mask = ki->slot_count - 1;
    size_t h = *pos == SIZE_MAX ? (size_t)fnv1a_text(FNV_OFFSET, key) & mask : (*pos + 1) & mask;
    for (; ki->slots[h] != 0; h = (h + 1) & mask) {
        size_t i = ki->slots[h] - 1;
        if (strcmp(ki->keys[i], key) == 0) {
            *pos = h;
            return (long)i;
        }
    }
    return -1;
}

/* ---- open, close, transactions ---------------------------------------------- */
static void pg_close(struct store_conn *c) {
    if (c == NULL) return;
    assert(c->prepared_count >= 0 && c->prepared_count <= PG_PREPARED_MAX);
    deferred_free(c);
    if (c->pg) PQfinish(c->pg);
    free(c);
}

/* A database that must already hold a yibao store (its journal), and, read
 * only, no migration: a store newer than this binary is refused as at any
 * open. 0, or -1 with err. */
static int pg_existing(struct store_conn *c, enum store_mode mode, struct store_err *err) {
    PGresult *res = PQexec(c->pg, "SELECT to_regclass('journal') IS NOT NULL");
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
    bool store = ok && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!ok)
        return store_errf(err, "postgresql: %s", PQerrorMessage(c->pg)), pgconn_trim(err->msg), -1;
    if (!store) {
        store_errf(err,
                   "postgresql: database %s is not a yibao store (no journal table); yibao "
                   "init --db creates one",
                   PQdb(c->pg));
        return -1;
    }
    if (mode != STORE_MODE_READ_ONLY) return 0;
    char why[SCHEMA_ERR_BYTES];
    int version = schema_pg_version(c->pg, why, sizeof why);
    if (version < 0) return store_errf(err, "%s", why), -1;
    if (version > SCHEMA_VERSION_LATEST) {
        store_errf(err,
                   "postgresql: schema version %d is newer than this yibao knows (%d): "
                   "open it with a later release",
                   version, SCHEMA_VERSION_LATEST);
        return -1;
    }
    c->persons_v16 = version < 17;
    c->catalog_v18 = version < 19;
    c->postings_v19 = version < 20;
    c->catalog_v20 = version < 21;
    c->breaks_v21 = version < 22;
    return 0;
}

static int pg_open(const char *target, enum store_mode mode, struct store_conn **out,
                   struct store_err *err) {
    assert(target != NULL && out != NULL);
    *out = NULL;
    struct store_conn *c = calloc(1, sizeof *c);
    if (c == NULL) return store_errf(err, "postgresql: out of memory"), -1;
    c->pg = pgconn_connect(target, &c->watch);
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
        store_errf(err, "postgresql: cannot connect: %s",
                   c->pg ? PQerrorMessage(c->pg) : "no memory");
        pgconn_trim(err->msg);
        pg_close(c);
        return -1;
    }
    char why[SCHEMA_ERR_BYTES];
    int rc = pg_cmd_raw(c, PG_SESSION, err);
    if (rc == 0 && mode != STORE_MODE_CREATE) rc = pg_existing(c, mode, err);
    if (rc == 0 && mode != STORE_MODE_READ_ONLY && schema_pg_migrate(c->pg, why, sizeof why) != 0) {
        store_errf(err, "%s", why);
        rc = -1;
    }
    if (rc != 0) {
        pg_close(c);
        return -1;
    }
    *out = c;
    return 0;
}

/* One of the store's read connections: generic plans allowed for its key
 * look-ups, now and after every reconnect (pg_ensure). */
static int pg_reader_session(struct store_conn *c, struct store_err *err) {
    assert(c != NULL && c->pg != NULL && !c->in_tx);
    c->reader = true;
    return pg_cmd_raw(c, PG_READER_SESSION, err);
}

int store_pg_show(struct store_conn *c, const char *name, char *out, size_t size,
                  struct store_err *err) {
    assert(c != NULL && name != NULL && out != NULL && size > 0 && !c->in_tx);
    const char *params[1] = {name};
    PGresult *res = pg_ensure(c, NULL, err) != 0
                        ? NULL
                        : pg_run_raw(c, "SELECT current_setting($1)", 1, params, err);
    if (res == NULL) return -1;
    snprintf(out, size, "%s", PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    return 0;
}

/* The start of a unit of work: reconnects when the connection was lost.
 * If BEGIN itself finds the connection dead, no statement of the
 * transaction ran, so one reconnect (if none was tried yet) and a second
 * BEGIN are safe. */
static int pg_begin(struct store_conn *c, struct store_err *err) {
    assert(c != NULL && !c->in_tx);                  /* transactions do not nest */
    assert(c->deferred_count == 0 && !c->begin_due); /* kept writes end with their transaction */
    c->tail_seq = 0;
    static const char sql[] = "BEGIN; SELECT " PG_WRITER_LOCK_SQL;
    bool reconnected = false;
    int rc = pg_ensure(c, &reconnected, err);
    if (rc == 0) rc = pg_cmd_raw(c, sql, err);
    if (rc != 0 && !reconnected && PQstatus(c->pg) != CONNECTION_OK) {
        rc = pg_ensure(c, &reconnected, err);
        if (rc == 0) rc = pg_cmd_raw(c, sql, err);
    }
    c->in_tx = rc == 0;
    assert(rc != 0 || PQtransactionStatus(c->pg) == PQTRANS_INTRANS);
    return rc;
}

/* store_backend.batch_begin: pg_begin at the batch's plans
 * (pg_batch_plans) whose BEGIN, lock and plan settings are not sent now
 * but with the batch's first statement, in its round trip: the journal's
 * end (pg_batch_heads), or any other (pg_due: then in one of their own,
 * as pg_begin's). Two round trips fewer a batch. When the connection was
 * lost while idle, nothing of the transaction ran when that round trip
 * finds it, so one reconnect and the round trip again are safe, as they
 * are for pg_begin. */
static int pg_batch_begin(struct store_conn *c, struct store_err *err) {
    assert(c != NULL && !c->in_tx && !c->reader);
    assert(c->deferred_count == 0 && !c->begin_due);
    c->tail_seq = 0;
    bool reconnected = false;
    if (pg_ensure(c, &reconnected, err) != 0) return -1;
    c->in_tx = c->begin_due = c->batch_generic = true;
    c->begin_reconnected = reconnected;
    return 0;
}

/* A BEGIN due (pg_batch_begin) sent now, in a round trip of its own. */
static int begin_send(struct store_conn *c, struct store_err *err) {
    static const char sql[] = "BEGIN; SELECT " PG_WRITER_LOCK_SQL "; " PG_GENERIC_ON;
    assert(c->in_tx && c->begin_due && c->batch_generic && c->deferred_count == 0);
    c->begin_due = false;
    int rc = pg_cmd_raw(c, sql, err);
    if (rc != 0 && !c->begin_reconnected && PQstatus(c->pg) != CONNECTION_OK) {
        c->in_tx = false;
        rc = pg_ensure(c, NULL, err);
        if (rc == 0) rc = pg_cmd_raw(c, sql, err);
        c->in_tx = true;
    }
    c->begin_reconnected = true;
    assert(rc != 0 || PQtransactionStatus(c->pg) == PQTRANS_INTRANS);
    return rc;
}

/* Never retried: when the connection is lost during COMMIT, whether the
 * transaction committed is unknown (the journal tells; a resend with the
 * same msgid is answered from it if it did). */
static int pg_commit(struct store_conn *c, struct store_err *err) {
    assert(c != NULL && c->in_tx); /* pg_begin's transaction is open */
    ahead_free(c);
    if (c->begin_due) { /* nothing was sent: nothing to commit */
        assert(c->deferred_count == 0);
        c->begin_due = c->in_tx = c->batch_generic = false;
        return 0;
    }
    int rc = c->deferred_count > 0 ? pg_flush(c, "COMMIT", err) : pg_cmd_raw(c, "COMMIT", err);
    c->in_tx = c->batch_generic = false; /* SET LOCAL: ended with it */
    c->tail_seq = 0;
    if (rc != 0 && PQstatus(c->pg) != CONNECTION_OK) {
        struct store_err why = *err;
        store_errf(err, "postgresql: connection lost during COMMIT, outcome unknown: %s",
                   pgconn_unprefixed(why.msg));
    }
    assert(rc != 0 ||
           PQtransactionStatus(c->pg) == PQTRANS_IDLE); /* committed: the transaction ended */
    return rc;
}

static int pg_snapshot_begin(struct store_conn *c, struct store_err *err) {
    assert(c != NULL && !c->in_tx);
    bool reconnected = false;
    int rc = pg_ensure(c, &reconnected, err);
    if (rc == 0) rc = pg_cmd_raw(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err);
    if (rc == 0) c->in_tx = true;
    assert(rc != 0 || PQtransactionStatus(c->pg) == PQTRANS_INTRANS);
    return rc;
}

static void pg_rollback(struct store_conn *c) {
    struct store_err ignored;
    assert(c != NULL && c->pg != NULL);
    deferred_free(c); /* never sent */
    ahead_free(c);
    c->tail_seq = 0;
    c->begin_due = c->capturing = false; /* nothing of it was sent */
    if (PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        (void)pg_cmd_raw(c, "ROLLBACK", &ignored); /* a lost connection rolled back already */
    c->in_tx = c->batch_generic = false;
}

/* store_backend.batch_plans: the rest of a commit queue batch's
 * transaction at generic plans without sequential scans (PG_GENERIC_ON):
 * from here the batch reads by keys, in arrays (the journal by msgid or
 * seq, revokes, persons, states, balances, bindings, its visits), or
 * appends, or scans the journal from a seq; each such plan is an index
 * scan whatever the tables' sizes, so planning it again at every batch
 * (force_custom_plan, this session's default) bought nothing: about two
 * thirds of the writer's planning in the visit flow's profile. Not for the
 * registry's load (it reads whole tables, where a sequential scan is
 * right): a scan (pg_scan) goes back to the session's plans first, and the
 * commit queue calls this again after the registry's refresh. */
static int pg_batch_plans(struct store_conn *c, struct store_err *err) {
    assert(c != NULL && c->in_tx && !c->reader);
    if (c->batch_generic) return 0;
    if (pg_cmd_raw(c, PG_GENERIC_ON, err) != 0) return -1;
    c->batch_generic = true;
    return 0;
}

static int pg_bulk_mode(struct store_conn *c, bool on, struct store_err *err) {
    (void)c, (void)on, (void)err;
    assert(c != NULL); /* nothing to relax: COPY is the bulk path */
    return 0;
}

/* A scan outside a transaction runs in its own read-only one, started
 * here (the start of a unit of work: reconnects when the connection was
 * lost); *own says whether it did. */
static int scan_begin(struct store_conn *c, bool *own, struct store_err *err) {
    assert(c != NULL && own != NULL);
    *own = false;
    if (c->in_tx) return 0;
    if (pg_ensure(c, NULL, err) != 0) return -1;
    if (PQtransactionStatus(c->pg) != PQTRANS_IDLE) return 0;
    if (pg_cmd_raw(c, "BEGIN READ ONLY", err) != 0) return -1;
    *own = c->in_tx = true;
    return 0;
}

/* Runs a query through a cursor; row(res, i, ctx) per row. */
static int pg_scan(struct store_conn *c, const char *sql, int nparams, const char *const *params,
                   int (*row)(const PGresult *, int, void *), void *ctx, struct store_err *err) {
    bool own_tx = false;
    assert(c != NULL && sql != NULL && row != NULL);
    char name[32], fetch[64], decl[64];
    if (c->capturing) return 0; /* not recorded: no row */
    snprintf(name, sizeof name, "yibao_c%d", ++c->cursor_serial);
    if (scan_begin(c, &own_tx, err) != 0) return -1;
    /* a scan reads a whole table, or a range: a batch's plans (for keys)
     * are not for it (the registry's load after an import, a catch-up) */
    if (c->batch_generic && pg_cmd_raw(c, PG_GENERIC_OFF, err) != 0) return -1;
    c->batch_generic = false;
    snprintf(decl, sizeof decl, "DECLARE %s NO SCROLL CURSOR FOR ", name);
    struct sbuf q = {0};
    sb_put(&q, decl, strlen(decl));
    sb_put(&q, sql, strlen(sql));
    if (q.failed) store_errf(err, "postgresql: out of memory");
    PGresult *res = q.failed ? NULL : pg_run_raw(c, q.data, nparams, params, err);
    sb_free(&q);
    int rc = res ? 0 : -1;
    if (res) PQclear(res);
    snprintf(fetch, sizeof fetch, "FETCH %d FROM %s", PG_FETCH_ROWS, name);
    while (rc == 0 && (res = pg_run_raw(c, fetch, 0, NULL, err)) != NULL) {
        int rows = PQntuples(res);
        for (int i = 0; rc == 0 && i < rows; i++) rc = row(res, i, ctx);
        PQclear(res);
        if (rows < PG_FETCH_ROWS) break;
    }
    if (res == NULL && rc == 0) rc = -1;
    snprintf(fetch, sizeof fetch, "CLOSE %s", name);
    if (rc != -1 && PQtransactionStatus(c->pg) == PQTRANS_INTRANS && pg_cmd_raw(c, fetch, err) != 0)
        rc = -1;
    assert(!own_tx || c->in_tx);
    if (own_tx) {
        struct store_err ignored;
        if (PQstatus(c->pg) == CONNECTION_OK)
            (void)pg_cmd_raw(c, rc == -1 ? "ROLLBACK" : "COMMIT", &ignored);
        c->in_tx = false;
    }
    return rc;
}

/* ---- lookups by key arrays ------------------------------------------------------ */
typedef void (*fill_fn)(const PGresult *res, int row, size_t idx, void *out);

/* Runs sql with $1 = keys as a text[] literal; rows are matched back to the
 * request by their key_col value (keys may repeat). */
static int get_by_keys(struct store_conn *c, const char *sql, const char *const *keys, size_t n,
                       int key_col, fill_fn fill, void *out, bool *found, struct store_err *err) {
    assert(c != NULL && sql != NULL && fill != NULL && found != NULL && key_col >= 0);
    for (size_t i = 0; i < n; i++) found[i] = false;
    if (n == 0) return 0;
    struct sbuf arr = {0};
    sb_put(&arr, "{", 1);
    for (size_t i = 0; i < n; i++) sb_array_text(&arr, keys[i], i == 0);
    sb_put(&arr, "}", 1);
    struct keyindex ki;
    if (arr.failed || keyindex_build(&ki, keys, n) != 0) {
        sb_free(&arr);
        return store_errf(err, "postgresql: out of memory"), -1;
    }
    const char *params[1] = {arr.data};
    PGresult *res = pg_run(c, sql, 1, params, err);
    sb_free(&arr);
    if (res != NULL) {
        for (int r = 0; r < PQntuples(res); r++) {
            size_t pos = SIZE_MAX;
            for (long i; (i = keyindex_next(&ki, PQgetvalue(res, r, key_col), &pos)) >= 0;) {
                assert((size_t)i < n);
                fill(res, r, (size_t)i, out);
                found[i] = true;
            }
        }
        PQclear(res);
    }
    free(ki.slots);
    return res ? 0 : -1;
}

/* Decimal text keys for bigint lookups. */
struct num_keys {
    char (*text)[24];
    const char **keys;
};

static int num_keys_make(struct num_keys *k, const int64_t *v, size_t n) {
    assert(k != NULL && (v != NULL || n == 0));
    k->text = calloc(n ? n : 1, sizeof *k->text);
    k->keys = calloc(n ? n : 1, sizeof *k->keys);
    if (k->text == NULL || k->keys == NULL) return -1;
    for (size_t i = 0; i < n; i++) {
        snprintf(k->text[i], sizeof k->text[i], "%" PRId64, v[i]);
        k->keys[i] = k->text[i];
    }
    return 0;
}

static void num_keys_free(struct num_keys *k) {
    assert(k != NULL);
    free(k->text);
    free(k->keys);
}

/* ---- registry --------------------------------------------------------------------- */
static void copy_person_line(struct sbuf *b, const struct store_person *p) {
    assert(p->psn_no[0] != '\0' && p->acct_open_fen >= 0);
    sb_copy_text(b, p->psn_no, '\t');
    sb_copy_text(b, p->certno, '\t');
    sb_copy_text(b, p->name, '\t');
    sb_copy_text(b, p->gender, '\t');
    sb_copy_text(b, p->birth_date, '\t');
    sb_printf(b, "%d\t%d\t%u\t", (int)p->insutype, (int)p->category, (unsigned)p->flags);
    sb_copy_text(b, p->region, '\t');
    sb_printf(b, "%" PRId64 "\t%" PRId64 "\t%d\t%" PRId64 "\n", p->benefit_start, p->acct_open_fen,
              (int)p->status, p->benefit_years);
}

static int pg_persons_put(struct store_conn *c, const struct store_person *p, size_t n,
                          struct store_err *err) {
    struct sbuf b = {0};
    assert(n <= IMPORT_ROWS_PER_CALL && (p != NULL || n == 0));
    for (size_t i = 0; i < n; i++) copy_person_line(&b, &p[i]);
    int rc = pg_copy(c, "COPY persons(" PERSON_COLS ") FROM STDIN", &b, err);
    sb_free(&b);
    return rc;
}

/* An edit (store.h): few rows, one statement each. */
static int pg_persons_edit(struct store_conn *c, const struct store_person *p, size_t n,
                           struct store_err *err) {
    assert(n <= IMPORT_ROWS_PER_CALL && (p != NULL || n == 0));
    for (size_t i = 0; i < n; i++) {
        char insutype[16], category[16], flags[24], benefit[24], open[24], status[16], years[24];
        snprintf(insutype, sizeof insutype, "%d", (int)p[i].insutype);
        snprintf(category, sizeof category, "%d", (int)p[i].category);
        snprintf(flags, sizeof flags, "%" PRIu32, p[i].flags);
        snprintf(benefit, sizeof benefit, "%" PRId64, p[i].benefit_start);
        snprintf(open, sizeof open, "%" PRId64, p[i].acct_open_fen);
        snprintf(status, sizeof status, "%d", (int)p[i].status);
        snprintf(years, sizeof years, "%" PRId64, p[i].benefit_years);
        const char *params[13] = {p[i].psn_no, p[i].certno, p[i].name, p[i].gender, p[i].birth_date,
                                  insutype,    category,    flags,     p[i].region, benefit,
                                  open,        status,      years};
        PGresult *res = pg_run(
            c,
            "UPDATE persons SET certno = $2, name = $3, gender = $4, birth_date = $5,"
            " insutype = $6, category = $7, flags = $8, region = $9, benefit_start = $10,"
            " acct_open = $11, status = $12, benefit_years = $13 WHERE psn_no = $1",
            13, params, err);
        if (res == NULL) return -1;
        bool one = strcmp(PQcmdTuples(res), "1") == 0;
        PQclear(res);
        if (!one) return store_errf(err, "psn_no %s: not registered", p[i].psn_no), -1;
    }
    return 0;
}

static void person_fill(const PGresult *res, int r, size_t idx, void *out) {
    assert(out != NULL && PQnfields(res) >= 13);
    struct store_person *p = &((struct store_person *)out)[idx];
    memset(p, 0, sizeof *p);
    col_text(res, r, 0, p->psn_no, sizeof p->psn_no);
    col_text(res, r, 1, p->certno, sizeof p->certno);
    col_text(res, r, 2, p->name, sizeof p->name);
    col_text(res, r, 3, p->gender, sizeof p->gender);
    col_text(res, r, 4, p->birth_date, sizeof p->birth_date);
    p->insutype = (int32_t)col_i64(res, r, 5);
    p->category = (enum category)col_i64(res, r, 6);
    p->flags = (uint32_t)col_i64(res, r, 7);
    col_text(res, r, 8, p->region, sizeof p->region);
    p->benefit_start = col_i64(res, r, 9);
    p->acct_open_fen = col_i64(res, r, 10);
    p->status = (enum insured_status)col_i64(res, r, 11);
    p->benefit_years = col_i64(res, r, 12);
}

/* One person by psn_no, the key (a request's look-up, on a reader): a
 * generic plan is safe there (the top comment), so it is not planned at
 * each call as the array form is (about 40 us of a visit's person read). */
static int person_by_key(struct store_conn *c, const char *psn_no, struct store_person *out,
                         bool *found, struct store_err *err) {
    assert(c != NULL && psn_no != NULL && found != NULL);
    const char *params[1] = {psn_no};
    PGresult *res = pg_run_key(
        c,
        c->persons_v16 ? "SELECT " PERSON_SELECT_V16 " FROM persons WHERE psn_no = $1::text"
                       : "SELECT " PERSON_COLS " FROM persons WHERE psn_no = $1::text",
        1, params, err);
    if (res == NULL) return -1;
    assert(PQntuples(res) <= 1); /* the key */
    *found = PQntuples(res) == 1;
    if (*found) person_fill(res, 0, 0, out);
    PQclear(res);
    return 0;
}

static int pg_persons_get(struct store_conn *c, const char *const *keys, size_t n,
                          struct store_person *out, bool *found, struct store_err *err) {
    assert(n <= BATCH_MAX);
    if (n == 1 && c->reader) return person_by_key(c, keys[0], out, found, err);
    return get_by_keys(
        c,
        c->persons_v16 ? "SELECT " PERSON_SELECT_V16 " FROM persons WHERE psn_no = ANY($1::text[])"
                       : "SELECT " PERSON_COLS " FROM persons WHERE psn_no = ANY($1::text[])",
        keys, n, 0, person_fill, out, found, err);
}

static int pg_persons_by_certno(struct store_conn *c, const char *certno,
                                char (*psn_nos)[CODE_BYTES_MAX + 1], size_t max, size_t *n,
                                struct store_err *err) {
    char lim[24];
    assert(certno != NULL && psn_nos != NULL && max > 0 && n != NULL);
    snprintf(lim, sizeof lim, "%zu", max);
    const char *params[2] = {certno, lim};
    *n = 0;
    PGresult *res = pg_run_raw(
        c, "SELECT psn_no FROM persons WHERE certno = $1 ORDER BY psn_no LIMIT $2::bigint", 2,
        params, err);
    if (res == NULL) return -1;
    for (int r = 0; r < PQntuples(res) && *n < max; r++)
        snprintf(psn_nos[(*n)++], CODE_BYTES_MAX + 1, "%s", PQgetvalue(res, r, 0));
    PQclear(res);
    assert(*n <= max);
    return 0;
}

struct scan_ctx {
    void *cb;
    void *ctx;
};

static int person_row(const PGresult *res, int r, void *v) {
    struct scan_ctx *sc = v;
    assert(res != NULL && r >= 0 && r < PQntuples(res) && sc->cb != NULL);
    struct store_person p;
    person_fill(res, r, 0, &p);
    return ((person_cb)sc->cb)(sc->ctx, &p);
}

static int pg_persons_scan(struct store_conn *c, int64_t limit, person_cb cb, void *ctx,
                           struct store_err *err) {
    assert(c != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    char lim[24];
    snprintf(lim, sizeof lim, "%" PRId64, limit < 0 ? INT64_MAX : limit);
    const char *params[1] = {lim};
    return pg_scan(c,
                   c->persons_v16 ? "SELECT " PERSON_SELECT_V16
                                    " FROM persons ORDER BY psn_no LIMIT $1::bigint"
                                  : "SELECT " PERSON_COLS
                                    " FROM persons ORDER BY psn_no LIMIT $1::bigint",
                   1, params, person_row, &sc, err);
}

static int pg_persons_flagged(struct store_conn *c, uint32_t mask, person_cb cb, void *ctx,
                              struct store_err *err) {
    assert(c != NULL && cb != NULL && mask != 0);
    struct scan_ctx sc = {(void *)cb, ctx};
    char bits[16];
    snprintf(bits, sizeof bits, "%" PRIu32, mask);
    const char *params[1] = {bits};
    return pg_scan(c,
                   c->persons_v16 ? "SELECT " PERSON_SELECT_V16
                                    " FROM persons WHERE flags & $1::int <> 0 ORDER BY psn_no"
                                  : "SELECT " PERSON_COLS
                                    " FROM persons WHERE flags & $1::int <> 0 ORDER BY psn_no",
                   1, params, person_row, &sc, err);
}

static int pg_institutions_put(struct store_conn *c, const struct store_institution *r, size_t n,
                               struct store_err *err) {
    assert(n <= IMPORT_ROWS_PER_CALL && (r != NULL || n == 0));
    for (size_t i = 0; i < n; i++) {
        assert(r[i].code[0] != '\0');
        char type[8], level[8], status[8], until[24];
        snprintf(type, sizeof type, "%d", (int)r[i].type);
        snprintf(level, sizeof level, "%d", (int)r[i].level);
        snprintf(status, sizeof status, "%d", (int)r[i].status);
        snprintf(until, sizeof until, "%" PRId64, r[i].suspended_until);
        const char *params[7] = {r[i].code, r[i].name, type, level, r[i].region, status, until};
        PGresult *res = pg_run(
            c,
            "INSERT INTO institutions(code, name, type, level, region, status, suspended_until)"
            " VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO UPDATE SET"
            " name = excluded.name, type = excluded.type, level = excluded.level,"
            " region = excluded.region, status = excluded.status,"
            " suspended_until = excluded.suspended_until",
            7, params, err);
        if (res == NULL) return -1;
        PQclear(res);
    }
    return 0;
}

static int inst_row(const PGresult *res, int r, void *v) {
    struct scan_ctx *sc = v;
    assert(res != NULL && r >= 0 && r < PQntuples(res) && sc->cb != NULL);
    struct store_institution x;
    memset(&x, 0, sizeof x);
    col_text(res, r, 0, x.code, sizeof x.code);
    col_text(res, r, 1, x.name, sizeof x.name);
    x.type = (enum institution_type)col_i64(res, r, 2);
    x.level = (enum level)col_i64(res, r, 3);
    col_text(res, r, 4, x.region, sizeof x.region);
    x.status = (enum designation)col_i64(res, r, 5);
    x.suspended_until = col_i64(res, r, 6);
    return ((institution_cb)sc->cb)(sc->ctx, &x);
}

static int pg_institutions_scan(struct store_conn *c, institution_cb cb, void *ctx,
                                struct store_err *err) {
    assert(c != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    return pg_scan(c,
                   "SELECT code, name, type, level, region, status, suspended_until"
                   " FROM institutions ORDER BY code",
                   0, NULL, inst_row, &sc, err);
}

static int pg_policy_put(struct store_conn *c, const struct store_policy_row *row,
                         struct store_err *err) {
    assert(row != NULL && row->json != NULL);
    char year[16], insutype[16];
    snprintf(year, sizeof year, "%d", (int)row->year);
    snprintf(insutype, sizeof insutype, "%d", (int)row->insutype);
    char *json = strndup(row->json, row->json_len);
    if (json == NULL) return store_errf(err, "postgresql: out of memory"), -1;
    assert(strlen(row->valid_from) == 10);
    const char *params[6] = {row->region, year, insutype, row->id, json, row->valid_from};
    PGresult *res = pg_run(
        c,
        "INSERT INTO policies(region, year, insutype, id, json, valid_from)"
        " VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT (region, year, insutype, valid_from)"
        " DO UPDATE SET id = excluded.id, json = excluded.json",
        6, params, err);
    free(json);
    if (res == NULL) return -1;
    PQclear(res);
    return 0;
}

static int policy_row(const PGresult *res, int r, void *v) {
    struct scan_ctx *sc = v;
    assert(res != NULL && r >= 0 && r < PQntuples(res) && sc->cb != NULL);
    struct store_policy_row row;
    memset(&row, 0, sizeof row);
    col_text(res, r, 0, row.region, sizeof row.region);
    row.year = (int32_t)col_i64(res, r, 1);
    row.insutype = (int32_t)col_i64(res, r, 2);
    col_text(res, r, 3, row.id, sizeof row.id);
    row.json = PQgetvalue(res, r, 4);
    row.json_len = (size_t)PQgetlength(res, r, 4);
    return ((policy_cb)sc->cb)(sc->ctx, &row);
}

static int pg_policies_scan(struct store_conn *c, policy_cb cb, void *ctx, struct store_err *err) {
    assert(c != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    return pg_scan(c,
                   "SELECT region, year, insutype, id, json FROM policies"
                   " ORDER BY region, year, insutype, json",
                   0, NULL, policy_row, &sc, err);
}

static int pg_catalog_replace(struct store_conn *c, const struct catalog_item *items, size_t n,
                              struct store_err *err) {
    assert(n <= CATALOG_ITEMS_MAX && (items != NULL || n == 0));
    if (pg_cmd(c, "DELETE FROM catalog", err) != 0) return -1;
    struct sbuf b = {0};
    for (size_t i = 0; i < n; i++) {
        sb_copy_text(&b, items[i].code, '\t');
        sb_printf(&b, "%d\t%d\t%" PRId64 "\t%d\t%d\t%d\t%d\t%d\t%" PRId64 "\t%" PRId64 "\t",
                  (int)items[i].item_class, (int)items[i].prepay_bp, items[i].cap_price_scaled,
                  (int)items[i].restrict_gender, (int)items[i].restrict_age_min,
                  (int)items[i].restrict_age_max, (int)items[i].restrict_levels,
                  (int)items[i].restrict_settings, items[i].restrict_day_scaled,
                  items[i].restrict_bill_scaled);
        sb_copy_text(&b, items[i].restrict_diagnoses ? items[i].restrict_diagnoses : "", '\t');
        sb_copy_text(&b, items[i].restrict_exclusive ? items[i].restrict_exclusive : "", '\n');
    }
    int rc = pg_copy(c,
                     "COPY catalog(code, class, prepay_bp, cap_price, restrict_gender,"
                     " restrict_age_min, restrict_age_max, " CATALOG_RESTRICT_V21 ") FROM STDIN",
                     &b, err);
    sb_free(&b);
    return rc;
}

static int catalog_row(const PGresult *res, int r, void *v) {
    struct scan_ctx *sc = v;
    assert(res != NULL && r >= 0 && r < PQntuples(res) && sc->cb != NULL);
    struct catalog_item it;
    memset(&it, 0, sizeof it);
    col_text(res, r, 0, it.code, sizeof it.code);
    it.item_class = (enum item_class)col_i64(res, r, 1);
    it.prepay_bp = (int32_t)col_i64(res, r, 2);
    it.cap_price_scaled = col_i64(res, r, 3);
    it.restrict_gender = (int8_t)col_i64(res, r, 4);
    it.restrict_age_min = (int16_t)col_i64(res, r, 5);
    it.restrict_age_max = (int16_t)col_i64(res, r, 6);
    it.restrict_levels = (uint8_t)col_i64(res, r, 7);
    it.restrict_settings = (uint8_t)col_i64(res, r, 8);
    it.restrict_day_scaled = col_i64(res, r, 9);
    it.restrict_bill_scaled = col_i64(res, r, 10);
    /* the lists as the result holds them, valid during the call (catalog_add copies them) */
    char *diagnoses = PQgetvalue(res, r, 11), *exclusive = PQgetvalue(res, r, 12);
    it.restrict_diagnoses = diagnoses[0] != '\0' ? diagnoses : NULL;
    it.restrict_exclusive = exclusive[0] != '\0' ? exclusive : NULL;
    return ((catalog_cb)sc->cb)(sc->ctx, &it);
}

static int pg_catalog_scan(struct store_conn *c, catalog_cb cb, void *ctx, struct store_err *err) {
    assert(c != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    const char *sql =
        c->catalog_v18   ? "SELECT code, class, prepay_bp, cap_price, 0, -1, -1, 0, 0, 0, 0, '', ''"
                           " FROM catalog ORDER BY code"
        : c->catalog_v20 ? "SELECT code, class, prepay_bp, cap_price, restrict_gender,"
                           " restrict_age_min, restrict_age_max, 0, 0, 0, 0, '', ''"
                           " FROM catalog ORDER BY code"
                         : "SELECT code, class, prepay_bp, cap_price, restrict_gender,"
                           " restrict_age_min, restrict_age_max, " CATALOG_RESTRICT_V21
                           " FROM catalog ORDER BY code";
    return pg_scan(c, sql, 0, NULL, catalog_row, &sc, err);
}

/* ---- journal ------------------------------------------------------------------------ */
/* The batch's time breaks (migration 22, journal_breaks): each record
 * journaled more than STORE_CLOCK_SLACK_US before the one ahead of it,
 * found here rather than by a trigger: the batch's records are compared in
 * memory and the first with the record ahead, read (a statement trigger's
 * transition table of the batch's rows cost the server about a fifth more
 * CPU a settlement; docs/BENCHMARKS.md "Sixteenth session"). */
static int pg_breaks_note(struct store_conn *c, const struct journal_rec *r, size_t n,
                          struct store_err *err) {
    assert(r != NULL && n >= 1 && r[0].seq >= 1);
    bool has_prev = false;
    int64_t prev_us = 0;
    if (r[0].seq > 1 && c->in_tx && c->tail_seq == r[0].seq - 1) {
        has_prev = true; /* read by this transaction (journal_tail) */
        prev_us = c->tail_time_us;
    } else if (r[0].seq > 1) {
        char seq[24];
        snprintf(seq, sizeof seq, "%" PRId64, r[0].seq - 1);
        const char *params[1] = {seq};
        PGresult *res = pg_run_key(c, "SELECT time_us FROM journal WHERE seq = $1", 1, params, err);
        if (res == NULL) return -1;
        has_prev = PQntuples(res) == 1;
        if (has_prev) prev_us = col_i64(res, 0, 0);
        PQclear(res);
    }
    struct sbuf q = {0};
    for (size_t i = 0; i < n; i++) {
        if (i > 0) has_prev = true, prev_us = r[i - 1].time_us;
        if (!has_prev || r[i].time_us >= prev_us - STORE_CLOCK_SLACK_US) continue;
        sb_printf(&q, "%s(%" PRId64 ")", q.len ? "," : "INSERT INTO journal_breaks(seq) VALUES ",
                  r[i].seq);
    }
    if (q.len == 0) return 0; /* the usual batch: none */
    sb_printf(&q, " ON CONFLICT DO NOTHING");
    int rc = q.failed ? store_errf(err, "postgresql: out of memory"), -1 : pg_cmd(c, q.data, err);
    sb_free(&q);
    return rc;
}

/* A batch's records as arrays, unnested into the journal (a kept write). */
static int journal_insert(struct store_conn *c, const struct journal_rec *r, size_t n,
                          struct store_err *err) {
    static const char sql[] =
        "INSERT INTO journal (" JOURNAL_COLS ") SELECT * FROM unnest($1::bigint[], $2::bigint[], "
        "$3::int[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::int[], $9::text[], "
        "$10::text[], $11::text[], $12::text[])";
    struct sbuf a[12];
    assert(c->in_tx && n >= 1 && n <= PG_DEFER_ROWS_MAX);
    for (int k = 0; k < 12; k++) a[k] = (struct sbuf){0}, sb_put(&a[k], "{", 1);
    for (size_t i = 0; i < n; i++) {
        bool first = i == 0;
        const char *sep = first ? "" : ",";
        sb_printf(&a[0], "%s%" PRId64, sep, r[i].seq);
        sb_printf(&a[1], "%s%" PRId64, sep, r[i].time_us);
        sb_printf(&a[2], "%s%d", sep, (int)r[i].kind);
        sb_array_text(&a[3], r[i].msgid, first);
        sb_array_text(&a[4], r[i].psn_no, first);
        sb_array_text(&a[5], r[i].fixmedins_code, first);
        sb_printf(&a[6], "%s%" PRId64, sep, r[i].ref_seq);
        sb_printf(&a[7], "%s%d", sep, (int)r[i].year);
        sb_array_text(&a[8], r[i].req_hash, first);
        sb_array_text(&a[9], r[i].body, first);
        sb_array_text(&a[10], r[i].prev_hash, first);
        sb_array_text(&a[11], r[i].hash, first);
    }
    return defer_arrays(c, sql, a, 12, err);
}

/* A commit queue's batch is kept for the COMMIT's round trip (pg_defer);
 * an import's thousands of records go by COPY. */
static int pg_journal_append(struct store_conn *c, const struct journal_rec *r, size_t n,
                             struct store_err *err) {
    struct sbuf b = {0};
    assert(n >= 1 && n <= BATCH_MAX);
    if (c->in_tx && n <= PG_DEFER_ROWS_MAX) {
        for (size_t i = 1; i < n; i++) /* the records continue one another's chain */
            assert(r[i].seq == r[i - 1].seq + 1 && strcmp(r[i].prev_hash, r[i - 1].hash) == 0);
        int rc = journal_insert(c, r, n, err);
        return rc == 0 ? pg_breaks_note(c, r, n, err) : rc;
    }
    for (size_t i = 0; i < n; i++) {
        /* the records continue one another's chain */
        assert(r[i].seq > 0 && strlen(r[i].hash) == HASH_HEX_BYTES);
        assert(i == 0 ||
               (r[i].seq == r[i - 1].seq + 1 && strcmp(r[i].prev_hash, r[i - 1].hash) == 0));
        sb_printf(&b, "%" PRId64 "\t%" PRId64 "\t%d\t", r[i].seq, r[i].time_us, (int)r[i].kind);
        sb_copy_text(&b, r[i].msgid, '\t');
        sb_copy_text(&b, r[i].psn_no, '\t');
        sb_copy_text(&b, r[i].fixmedins_code, '\t');
        sb_printf(&b, "%" PRId64 "\t%d\t", r[i].ref_seq, (int)r[i].year);
        sb_copy_text(&b, r[i].req_hash, '\t');
        sb_copy_text(&b, r[i].body, '\t');
        sb_copy_text(&b, r[i].prev_hash, '\t');
        sb_copy_text(&b, r[i].hash, '\n');
    }
    int rc = pg_copy(c, "COPY journal(" JOURNAL_COLS ") FROM STDIN", &b, err);
    sb_free(&b);
    return rc == 0 ? pg_breaks_note(c, r, n, err) : rc;
}

static void journal_fill(const PGresult *res, int r, size_t idx, void *out) {
    assert(out != NULL && PQnfields(res) >= 12);
    struct journal_rec *j = &((struct journal_rec *)out)[idx];
    j->seq = col_i64(res, r, 0);
    j->time_us = col_i64(res, r, 1);
    j->kind = (enum journal_kind)col_i64(res, r, 2);
    col_text(res, r, 3, j->msgid, sizeof j->msgid);
    col_text(res, r, 4, j->psn_no, sizeof j->psn_no);
    col_text(res, r, 5, j->fixmedins_code, sizeof j->fixmedins_code);
    j->ref_seq = col_i64(res, r, 6);
    j->year = (int32_t)col_i64(res, r, 7);
    col_text(res, r, 8, j->req_hash, sizeof j->req_hash);
    col_text(res, r, 9, j->body, sizeof j->body);
    col_text(res, r, 10, j->prev_hash, sizeof j->prev_hash);
    col_text(res, r, 11, j->hash, sizeof j->hash);
}

static int pg_journal_tail(struct store_conn *c, struct journal_rec *last, bool *found,
                           struct store_err *err) {
    assert(last != NULL && found != NULL);
    PGresult *res = pg_run_fresh(
        c, "SELECT " JOURNAL_COLS " FROM journal ORDER BY seq DESC LIMIT 1", err);
    if (res == NULL) return -1;
    *found = PQntuples(res) == 1;
    if (*found) journal_fill(res, 0, 0, last);
    PQclear(res);
    /* in a write transaction (pg_begin's lock) the tail stays until its end */
    if (c->in_tx && *found) c->tail_seq = last->seq, c->tail_time_us = last->time_us;
    return 0;
}

/* The BEGIN due (pg_batch_begin), its lock and plan settings, and the
 * session's prepared statement prepared (prepared_index) in one round
 * trip: its result, or NULL (err set). When that round trip finds the
 * connection lost, and the unit of work did not reconnect yet, nothing of
 * it ran: one reconnect, and the BEGIN and the statement apart. */
static PGresult *begin_with(struct store_conn *c, const char *sql, int prepared,
                            struct store_err *err) {
    static const char lock[] = "SELECT " PG_WRITER_LOCK_SQL;
    enum { HEAD = 3, N_MAX = HEAD + 1 + PG_AHEAD_MAX };
    const char *what[N_MAX] = {"BEGIN", lock, PG_GENERIC_ON, sql};
    PGresult *res[1 + PG_AHEAD_MAX] = {NULL};
    char name[16];
    struct pgconn_pipe_out o;
    assert(c->begin_due && c->batch_generic && c->deferred_count == 0 && !c->capturing);
    assert(prepared >= 0 && prepared < c->prepared_count && c->prepared[prepared] == sql);
    int n = HEAD + 1 + c->ahead_count;
    c->begin_due = false;
    int rc = PQenterPipelineMode(c->pg) == 1 ? 0 : pg_fail(c, err, "pipeline mode", NULL);
    for (int i = 0; rc == 0 && i < HEAD; i++) rc = send_text(c, what[i], err);
    for (int i = HEAD; rc == 0 && i < n; i++) { /* the journal's end, then the reads ahead */
        const struct pg_ahead *a = i == HEAD ? NULL : &c->ahead[i - HEAD - 1];
        snprintf(name, sizeof name, "st%d", a == NULL ? prepared : a->prepared);
        if (a != NULL) what[i] = a->sql;
        if (PQsendQueryPrepared(c->pg, name, a == NULL ? 0 : a->nparams,
                                a == NULL ? NULL : (const char *const *)a->params, NULL, NULL,
                                0) != 1)
            rc = pg_fail(c, err, what[i], NULL);
    }
    if (rc == 0 && PQpipelineSync(c->pg) != 1) rc = pg_fail(c, err, "pipeline sync", NULL);
    if (rc == 0 && pgconn_pipeline_results(c->pg, n, res, HEAD, &o) != 0)
        rc = o.failed != NULL
                 ? pg_fail(c, err, o.failed_at < n ? what[o.failed_at] : "pipeline", o.failed)
                 : pg_fail(c, err, "pipeline", NULL);
    if (PQpipelineStatus(c->pg) != PQ_PIPELINE_OFF && PQexitPipelineMode(c->pg) != 1) {
        if (rc == 0) rc = pg_fail(c, err, "pipeline mode", NULL);
        c->broken = true;
    }
    for (int i = 0; i < c->ahead_count; i++) { /* kept for the batch's reads */
        if (rc == 0) c->ahead[i].res = res[1 + i];
        else PQclear(res[1 + i]);
    }
    if (rc != 0) ahead_free(c);
    if (rc == 0) return res[0];
    PQclear(res[0]);
    if (c->begin_reconnected || PQstatus(c->pg) == CONNECTION_OK) return NULL;
    c->begin_due = true; /* nothing ran: begin_send reconnects and sends it again */
    return pg_run(c, sql, 0, NULL, err);
}

/* The journal's last record, the checkpoint and the registry generation
 * in one statement (store_backend.batch_heads): at a batch's plans
 * (pg_batch_plans) prepared, else unprepared, so planned with the
 * journal's current size, as pg_run_fresh says why. A batch's first
 * statement: its BEGIN, when due, goes in its round trip (begin_with). */
static int pg_batch_heads(struct store_conn *c, struct journal_rec *tail, bool *tail_found,
                          struct store_heads *out, struct store_err *err) {
    enum { AT = 12 }; /* the columns after JOURNAL_COLS' twelve */
    static const char sql[] =
        "SELECT j.*, (SELECT seq FROM checkpoint WHERE id = 1), (" REGISTRY_GEN_SQL
        ") FROM (SELECT 1) AS one LEFT JOIN (SELECT " JOURNAL_COLS
        " FROM journal ORDER BY seq DESC LIMIT 1) AS j ON true";
    assert(tail != NULL && tail_found != NULL && out != NULL);
    int prepared = -1; /* its index when prepared on this session already */
    for (int i = 0; i < c->prepared_count && prepared < 0; i++)
        if (c->prepared[i] == sql) prepared = i;
    /* at a batch's plans (no sequential scan) its generic plan is the
     * indexes' whatever the journal's size: prepared, planned once */
    PGresult *res = c->begin_due && prepared >= 0 ? begin_with(c, sql, prepared, err)
                    : c->batch_generic            ? pg_run(c, sql, 0, NULL, err)
                                                  : pg_run_fresh(c, sql, err);
    if (res == NULL) return -1;
    if (PQntuples(res) != 1 || PQnfields(res) != AT + 2) {
        PQclear(res);
        return store_errf(err, "postgresql: the journal's end: not one row"), -1;
    }
    *tail_found = !PQgetisnull(res, 0, 0);
    if (*tail_found) journal_fill(res, 0, 0, tail);
    out->tail_seq = *tail_found ? tail->seq : 0;
    out->checkpoint_found = !PQgetisnull(res, 0, AT);
    out->checkpoint_seq = out->checkpoint_found ? col_i64(res, 0, AT) : 0;
    out->registry_gen = col_i64(res, 0, AT + 1);
    PQclear(res);
    /* as pg_journal_tail: the tail stays until the transaction's end */
    if (c->in_tx && *tail_found) c->tail_seq = tail->seq, c->tail_time_us = tail->time_us;
    assert(out->registry_gen >= 0 && out->registry_gen <= out->tail_seq);
    return 0;
}

static int pg_journal_by_msgid(struct store_conn *c, const char *const *msgids, size_t n,
                               struct journal_rec *out, bool *found, struct store_err *err) {
    assert(n <= BATCH_MAX);
    return get_by_keys(c, "SELECT " JOURNAL_COLS " FROM journal WHERE msgid = ANY($1::text[])",
                       msgids, n, 3, journal_fill, out, found, err);
}

static int pg_journal_by_seq(struct store_conn *c, const int64_t *seqs, size_t n,
                             struct journal_rec *out, bool *found, struct store_err *err) {
    struct num_keys k;
    int rc = -1;
    assert(n <= BATCH_MAX);
    if (num_keys_make(&k, seqs, n) != 0) store_errf(err, "postgresql: out of memory");
    else
        rc = get_by_keys(c, "SELECT " JOURNAL_COLS " FROM journal WHERE seq = ANY($1::bigint[])",
                         k.keys, n, 0, journal_fill, out, found, err);
    num_keys_free(&k);
    for (size_t i = 0; rc == 0 && i < n; i++) assert(!found[i] || out[i].seq == seqs[i]);
    return rc;
}

static void nothing_fill(const PGresult *res, int r, size_t idx, void *out) {
    (void)res, (void)r, (void)idx, (void)out;
    assert(out == NULL); /* a lookup for "found" alone */
}

static int pg_journal_revoked(struct store_conn *c, const int64_t *ids, size_t n, bool *revoked,
                              struct store_err *err) {
    struct num_keys k;
    int rc = -1;
    assert(n <= BATCH_MAX);
    if (num_keys_make(&k, ids, n) != 0) store_errf(err, "postgresql: out of memory");
    else
        rc = get_by_keys(
            c, "SELECT ref_seq FROM journal WHERE kind = 2 AND ref_seq = ANY($1::bigint[])", k.keys,
            n, 0, nothing_fill, NULL, revoked, err);
    num_keys_free(&k);
    return rc;
}

static int journal_row(const PGresult *res, int r, void *v) {
    struct scan_ctx *sc = v;
    assert(res != NULL && r >= 0 && r < PQntuples(res) && sc->cb != NULL);
    struct journal_rec j;
    journal_fill(res, r, 0, &j);
    return ((journal_cb)sc->cb)(sc->ctx, &j);
}

/* The journal from from_seq in seq order, by sql (its one parameter the
 * seq), each row through journal_row. */
static int journal_scan_by(struct store_conn *c, const char *sql, int64_t from_seq, journal_cb cb,
                           void *ctx, struct store_err *err) {
    assert(c != NULL && sql != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    char from[24];
    snprintf(from, sizeof from, "%" PRId64, from_seq);
    const char *params[1] = {from};
    return pg_scan(c, sql, 1, params, journal_row, &sc, err);
}

static int pg_journal_scan(struct store_conn *c, int64_t from_seq, journal_cb cb, void *ctx,
                           struct store_err *err) {
    return journal_scan_by(
        c, "SELECT " JOURNAL_COLS " FROM journal WHERE seq >= $1::bigint ORDER BY seq", from_seq,
        cb, ctx, err);
}

static int journal_brief_row(const PGresult *res, int r, void *v) {
    struct scan_ctx *sc = v;
    assert(res != NULL && r >= 0 && r < PQntuples(res) && sc->cb != NULL);
    struct journal_brief j = {col_i64(res, r, 0),          col_i64(res, r, 1),
                              col_i64(res, r, 5),          (enum journal_kind)col_i64(res, r, 2),
                              (int32_t)col_i64(res, r, 6), PQgetvalue(res, r, 3),
                              PQgetvalue(res, r, 4),       PQgetvalue(res, r, 7)};
    return ((journal_brief_cb)sc->cb)(sc->ctx, &j);
}

static int pg_journal_brief_scan(struct store_conn *c, int64_t from_seq, uint32_t kinds,
                                 uint32_t body_kinds, journal_brief_cb cb, void *ctx,
                                 struct store_err *err) {
    assert(c != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    char from[24], kind_mask[16], body_mask[16];
    snprintf(from, sizeof from, "%" PRId64, from_seq);
    snprintf(kind_mask, sizeof kind_mask, "%" PRIu32, kinds);
    snprintf(body_mask, sizeof body_mask, "%" PRIu32, body_kinds);
    const char *params[3] = {from, kind_mask, body_mask};
    return pg_scan(c,
                   "SELECT seq, time_us, kind, psn_no, fixmedins_code, ref_seq, year,"
                   " CASE WHEN ($3::bigint >> kind::int) & 1 = 1 THEN body ELSE '' END"
                   " FROM journal WHERE seq >= $1::bigint AND ($2::bigint >> kind::int) & 1 = 1"
                   " ORDER BY seq",
                   3, params, journal_brief_row, &sc, err);
}

static int pg_journal_replay_scan(struct store_conn *c, int64_t from_seq, journal_cb cb, void *ctx,
                                  struct store_err *err) {
    return journal_scan_by(
        c, "SELECT " JOURNAL_REPLAY_COLS " FROM journal WHERE seq >= $1::bigint ORDER BY seq",
        from_seq, cb, ctx, err);
}

/* ---- data attached to journal records ---------------------------------------------------- */
/* The bytes of d[0..n) as hex, each ending with end (sb's '\n' of COPY,
 * ',' between array elements). */
static void data_hex(struct sbuf *b, const struct journal_data *d, const char *prefix, char end) {
    static const char digits[] = "0123456789abcdef";
    assert(b != NULL && d != NULL && d->seq > 0 && d->len <= JOURNAL_DATA_BYTES_MAX);
    sb_printf(b, "%s", prefix);
    sb_reserve(b, 2 * d->len + 1);
    for (size_t k = 0; k < d->len && !b->failed; k++) {
        b->data[b->len++] = digits[d->bytes[k] >> 4];
        b->data[b->len++] = digits[d->bytes[k] & 15];
    }
    if (end != '\0') sb_put(b, &end, 1);
}

/* A batch's data kept for the COMMIT's round trip, as the journal's
 * records (pg_journal_append); many by COPY. */
static int pg_data_put(struct store_conn *c, const struct journal_data *d, size_t n,
                       struct store_err *err) {
    struct sbuf b = {0};
    assert(c != NULL && (d != NULL || n == 0));
    if (n > 0 && c->in_tx && n <= PG_DEFER_ROWS_MAX) {
        static const char sql[] = "INSERT INTO journal_data (seq, data) SELECT s, decode(h, 'hex') "
                                  "FROM unnest($1::bigint[], $2::text[]) AS u(s, h)";
        struct sbuf a[2] = {{0}, {0}};
        sb_put(&a[0], "{", 1);
        sb_put(&a[1], "{", 1);
        for (size_t i = 0; i < n; i++) {
            sb_printf(&a[0], "%s%" PRId64, i == 0 ? "" : ",", d[i].seq);
            data_hex(&a[1], &d[i], i == 0 ? "" : ",", '\0');
        }
        return defer_arrays(c, sql, a, 2, err);
    }
    for (size_t i = 0; i < n && !b.failed; i++) {
        sb_printf(&b, "%" PRId64 "\t", d[i].seq);
        data_hex(&b, &d[i], "\\\\x", '\n'); /* bytea hex, its backslash escaped */
    }
    int rc = pg_copy(c, "COPY journal_data(seq, data) FROM STDIN", &b, err);
    sb_free(&b);
    return rc;
}

static int data_row(const PGresult *res, int r, void *v) {
    struct scan_ctx *sc = v;
    assert(res != NULL && r >= 0 && r < PQntuples(res) && sc->cb != NULL);
    size_t len = 0;
    unsigned char *bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(res, r, 1), &len);
    if (bytes == NULL) return -1;
    struct journal_data d = {col_i64(res, r, 0), bytes, len};
    int rc = ((data_cb)sc->cb)(sc->ctx, &d);
    PQfreemem(bytes);
    return rc;
}

static int pg_data_scan(struct store_conn *c, int64_t from_seq, int64_t to_seq, data_cb cb,
                        void *ctx, struct store_err *err) {
    assert(c != NULL && cb != NULL);
    /* a read-only check of a store of a release before journal_data scans nothing */
    PGresult *res = pg_run(c, "SELECT to_regclass('journal_data') IS NOT NULL", 0, NULL, err);
    if (res == NULL) return -1;
    bool exists = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    if (!exists) return 0;
    struct scan_ctx sc = {(void *)cb, ctx};
    char from[24], to[24];
    snprintf(from, sizeof from, "%" PRId64, from_seq);
    snprintf(to, sizeof to, "%" PRId64, to_seq);
    const char *params[2] = {from, to};
    int rc = pg_scan(c,
                     "SELECT seq, data FROM journal_data WHERE seq >= $1::bigint"
                     " AND seq <= $2::bigint ORDER BY seq",
                     2, params, data_row, &sc, err);
    if (rc == -1 && err->msg[0] == '\0') store_errf(err, "postgresql: journal_data: out of memory");
    return rc;
}

/* ---- year states ------------------------------------------------------------------------ */
static void special_encode(const struct year_state *st, struct sbuf *b) {
    bool first = true;
    assert(st != NULL && b != NULL);
    for (int d = 0; d < POLICY_DISEASES_MAX; d++) {
        if (st->special_paid_fen[d] == 0) continue;
        sb_printf(b, "%s%d:%" PRId64, first ? "" : ",", d, st->special_paid_fen[d]);
        first = false;
    }
}

static void special_decode(const char *text, struct year_state *st) {
    assert(st != NULL);
    while (text != NULL && *text != '\0') {
        char *end = NULL;
        long d = strtol(text, &end, 10);
        if (end == NULL || *end != ':') return;
        long long v = strtoll(end + 1, &end, 10);
        if (d >= 0 && d < POLICY_DISEASES_MAX) st->special_paid_fen[d] = (int64_t)v;
        text = (end != NULL && *end == ',') ? end + 1 : NULL;
    }
}

static void state_fill(const PGresult *res, int r, struct state_key *key, struct year_state *st) {
    col_text(res, r, 0, key->psn_no, sizeof key->psn_no);
    key->year = (int32_t)col_i64(res, r, 1);
    year_state_init(st, key->year, 0);
    st->admissions = (int32_t)col_i64(res, r, 2);
    int col = 3; /* the stored rows of YEAR_STATE_FIELDS, as in STATE_COLS */
    for (int i = 0; i < YEAR_STATE_MONEY_COUNT; i++)
        if (year_state_field((enum year_state_id)i)->stored)
            *year_state_money(st, (enum year_state_id)i) = col_i64(res, r, col++);
    assert(col == STATE_SPECIAL_COL && col < PQnfields(res));
    special_decode(PQgetvalue(res, r, col), st);
}

static int pg_states_get(struct store_conn *c, const struct state_key *keys, size_t n,
                         struct year_state *out, bool *found, struct store_err *err) {
    assert(n <= BATCH_MAX && (n == 0 || (keys != NULL && out != NULL && found != NULL)));
    if (n == 0) return 0;
    struct sbuf psn = {0}, year = {0};
    sb_put(&psn, "{", 1);
    sb_put(&year, "{", 1);
    for (size_t i = 0; i < n; i++) {
        sb_array_text(&psn, keys[i].psn_no, i == 0);
        sb_printf(&year, "%s%d", i == 0 ? "" : ",", (int)keys[i].year);
        found[i] = false;
        year_state_init(&out[i], keys[i].year, 0);
    }
    sb_put(&psn, "}", 1);
    sb_put(&year, "}", 1);
    const char *params[2] = {psn.data, year.data};
    if (psn.failed || year.failed) store_errf(err, "postgresql: out of memory");
    PGresult *res =
        psn.failed || year.failed
            ? NULL
            : pg_run(c,
                     "SELECT s." STATE_COLS
                     ", k.i FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS k(p, y, i)"
                     " JOIN states s ON s.psn_no = k.p AND s.year = k.y",
                     2, params, err);
    sb_free(&psn);
    sb_free(&year);
    if (res == NULL) return -1;
    for (int r = 0; r < PQntuples(res); r++) {
        int64_t i = col_i64(res, r, STATE_SPECIAL_COL + 1) - 1;
        assert(i >= 0 && (size_t)i < n);
        struct state_key k;
        state_fill(res, r, &k, &out[i]);
        assert(k.year == keys[i].year); /* joined on the key */
        found[i] = true;
    }
    PQclear(res);
    return 0;
}

static int pg_states_put(struct store_conn *c, const struct state_key *keys,
                         const struct year_state *st, size_t n, struct store_err *err) {
    if (n == 0) return 0;
    struct sbuf b = {0};
    for (size_t i = 0; i < n; i++) {
        const struct year_state *s = &st[i];
        /* a stored state is keyed by its year and never negative */
        assert(keys[i].year == s->year && year_state_valid(s));
        sb_copy_text(&b, keys[i].psn_no, '\t');
        sb_printf(&b, "%d\t%d\t", (int)keys[i].year, (int)s->admissions);
        for (int f = 0; f < YEAR_STATE_MONEY_COUNT; f++) /* as in STATE_COLS */
            if (year_state_field((enum year_state_id)f)->stored)
                sb_printf(&b, "%" PRId64 "\t", year_state_money_get(s, (enum year_state_id)f));
        special_encode(s, &b);
        sb_put(&b, "\n", 1);
    }
    int rc = pg_cmd(
        c, "CREATE TEMP TABLE IF NOT EXISTS states_in (LIKE states) ON COMMIT DELETE ROWS", err);
    if (rc == 0) rc = pg_copy(c, "COPY states_in(" STATE_COLS ") FROM STDIN", &b, err);
    sb_free(&b);
    if (rc == 0)
        rc = pg_cmd(
            c,
            "INSERT INTO states SELECT * FROM states_in ON CONFLICT (psn_no, year) DO UPDATE SET"
            " admissions = excluded.admissions," STATE_MONEY_SET " special = excluded.special;"
            " TRUNCATE states_in",
            err); /* a second call in the same transaction starts empty */
    return rc;
}

static int state_row(const PGresult *res, int r, void *v) {
    struct scan_ctx *sc = v;
    assert(res != NULL && r >= 0 && r < PQntuples(res) && sc->cb != NULL);
    struct state_key k;
    struct year_state st;
    state_fill(res, r, &k, &st);
    return ((state_cb)sc->cb)(sc->ctx, &k, &st);
}

static int pg_states_scan(struct store_conn *c, state_cb cb, void *ctx, struct store_err *err) {
    assert(c != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    return pg_scan(c, "SELECT " STATE_COLS " FROM states ORDER BY psn_no, year", 0, NULL, state_row,
                   &sc, err);
}

/* ---- ledger ---------------------------------------------------------------------------------- */
/* A batch's postings kept for the COMMIT's round trip, as the journal's
 * records (pg_journal_append); many by COPY. */
static int pg_postings_put(struct store_conn *c, const struct posting *p, size_t n,
                           struct store_err *err) {
    struct sbuf b = {0};
    if (n > 0 && c->in_tx && n <= PG_DEFER_ROWS_MAX) {
        static const char sql[] =
            "INSERT INTO postings (seq, idx, debit, credit, amount, month) SELECT * FROM "
            "unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::bigint[], $6::int[])";
        struct sbuf a[6];
        for (int k = 0; k < 6; k++) a[k] = (struct sbuf){0}, sb_put(&a[k], "{", 1);
        for (size_t i = 0; i < n; i++) {
            const char *sep = i == 0 ? "" : ",";
            assert(p[i].seq > 0 && p[i].amount_fen > 0 && strcmp(p[i].debit, p[i].credit) != 0);
            sb_printf(&a[0], "%s%" PRId64, sep, p[i].seq);
            sb_printf(&a[1], "%s%d", sep, (int)p[i].idx);
            sb_array_text(&a[2], p[i].debit, i == 0);
            sb_array_text(&a[3], p[i].credit, i == 0);
            sb_printf(&a[4], "%s%" PRId64, sep, p[i].amount_fen);
            sb_printf(&a[5], "%s%d", sep, (int)p[i].month);
        }
        return defer_arrays(c, sql, a, 6, err);
    }
    for (size_t i = 0; i < n; i++) {
        /* a posting moves a positive amount between two accounts */
        assert(p[i].seq > 0 && p[i].amount_fen > 0 && strcmp(p[i].debit, p[i].credit) != 0);
        sb_printf(&b, "%" PRId64 "\t%d\t", p[i].seq, (int)p[i].idx);
        sb_copy_text(&b, p[i].debit, '\t');
        sb_copy_text(&b, p[i].credit, '\t');
        sb_printf(&b, "%" PRId64 "\t%d\n", p[i].amount_fen, (int)p[i].month);
    }
    int rc = pg_copy(c, "COPY postings(seq, idx, debit, credit, amount, month) FROM STDIN", &b,
                     err);
    sb_free(&b);
    return rc;
}

static int posting_row(const PGresult *res, int r, void *v) {
    struct scan_ctx *sc = v;
    assert(res != NULL && r >= 0 && r < PQntuples(res) && sc->cb != NULL);
    struct posting p;
    p.seq = col_i64(res, r, 0);
    p.idx = (int32_t)col_i64(res, r, 1);
    col_text(res, r, 2, p.debit, sizeof p.debit);
    col_text(res, r, 3, p.credit, sizeof p.credit);
    p.amount_fen = col_i64(res, r, 4);
    p.month = (int32_t)col_i64(res, r, 5);
    return ((posting_cb)sc->cb)(sc->ctx, &p);
}

static int pg_postings_scan(struct store_conn *c, int64_t from_seq, posting_cb cb, void *ctx,
                            struct store_err *err) {
    assert(c != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    char from[24];
    snprintf(from, sizeof from, "%" PRId64, from_seq);
    const char *params[1] = {from};
    return pg_scan(c,
                   c->postings_v19 ? "SELECT seq, idx, debit, credit, amount, -1 FROM postings"
                                     " WHERE seq >= $1::bigint ORDER BY seq, idx"
                                   : "SELECT seq, idx, debit, credit, amount, month FROM postings"
                                     " WHERE seq >= $1::bigint ORDER BY seq, idx",
                   1, params, posting_row, &sc, err);
}

static bool pg_postings_months(struct store_conn *c) {
    assert(c != NULL);
    return !c->postings_v19;
}

static int account_row(const PGresult *res, int r, void *v) {
    struct scan_ctx *sc = v;
    assert(res != NULL && r >= 0 && r < PQntuples(res) && sc->cb != NULL);
    char account[ACCOUNT_BYTES_MAX + 1];
    col_text(res, r, 0, account, sizeof account);
    return ((account_cb)sc->cb)(sc->ctx, account, col_i64(res, r, 1));
}

static int pg_balances_add(struct store_conn *c, const struct balance_delta *d, size_t n,
                           struct store_err *err) {
    if (n == 0) return 0;
    struct sbuf acc = {0}, amt = {0};
    sb_put(&acc, "{", 1);
    sb_put(&amt, "{", 1);
    for (size_t i = 0; i < n; i++) {
        assert(d[i].account[0] != '\0' && d[i].delta_fen != 0);
        sb_array_text(&acc, d[i].account, i == 0);
        sb_printf(&amt, "%s%" PRId64, i == 0 ? "" : ",", d[i].delta_fen);
    }
    sb_put(&acc, "}", 1);
    sb_put(&amt, "}", 1);
    const char *params[2] = {acc.data, amt.data};
    PGresult *res =
        acc.failed || amt.failed
            ? NULL
            : pg_run(
                  c,
                  "INSERT INTO accounts(account, balance) SELECT * FROM unnest($1::text[], $2::bigint[])"
                  " ON CONFLICT (account) DO UPDATE SET balance = accounts.balance + excluded.balance",
                  2, params, err);
    if (acc.failed || amt.failed) store_errf(err, "postgresql: out of memory");
    sb_free(&acc);
    sb_free(&amt);
    if (res == NULL) return -1;
    PQclear(res);
    return 0;
}

struct balance_out {
    int64_t *fen;
};

static void balance_fill(const PGresult *res, int r, size_t idx, void *out) {
    assert(out != NULL);
    ((struct balance_out *)out)->fen[idx] = col_i64(res, r, 1);
}

static int pg_balances_get(struct store_conn *c, const char *const *accounts, size_t n,
                           int64_t *out, bool *found, struct store_err *err) {
    assert(n <= BATCH_MAX && (out != NULL || n == 0));
    for (size_t i = 0; i < n; i++) out[i] = 0;
    struct balance_out bo = {out};
    return get_by_keys(c, "SELECT account, balance FROM accounts WHERE account = ANY($1::text[])",
                       accounts, n, 0, balance_fill, &bo, found, err);
}

static int pg_balances_scan(struct store_conn *c, account_cb cb, void *ctx, struct store_err *err) {
    assert(c != NULL && cb != NULL);
    struct scan_ctx sc = {(void *)cb, ctx};
    return pg_scan(c, "SELECT account, balance FROM accounts ORDER BY account", 0, NULL,
                   account_row, &sc, err);
}

static int pg_checkpoint_get(struct store_conn *c, int64_t *checkpoint_seq, bool *found,
                             int64_t *tail_seq, struct store_err *err) {
    assert(checkpoint_seq != NULL && found != NULL && tail_seq != NULL);
    PGresult *res = pg_run_fresh(c, CHECKPOINT_GET_SQL, err);
    if (res == NULL) return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return store_errf(err, "postgresql: checkpoint get: no row"), -1;
    }
    *found = !PQgetisnull(res, 0, 0);
    *checkpoint_seq = *found ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    *tail_seq = PQgetisnull(res, 0, 1) ? 0 : strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    return 0;
}

/* checkpoint_get, states_get and balances_get of one person in one
 * statement: one snapshot, one round trip. */
static int pg_person_tables_get(struct store_conn *c, struct store_person_tables *r,
                                struct store_err *err) {
    char year[16];
    assert(r != NULL && r->account != NULL && r->key.year >= 0);
    snprintf(year, sizeof year, "%d", (int)r->key.year);
    const char *params[3] = {r->key.psn_no, year, r->account};
    PGresult *res = pg_run_key(
        c,
        "SELECT s." STATE_COLS ", (SELECT seq FROM checkpoint WHERE id = 1), "
        "(SELECT max(seq) FROM journal), (SELECT balance FROM accounts WHERE "
        "account = $3) FROM (SELECT 1) AS one LEFT JOIN states s ON "
        "s.psn_no = $1 AND s.year = $2::int",
        3, params, err);
    if (res == NULL) return -1;
    if (PQntuples(res) != 1 || PQnfields(res) != STATE_SPECIAL_COL + 4) {
        PQclear(res);
        return store_errf(err, "postgresql: a person's tables: not one row"), -1;
    }
    const int at = STATE_SPECIAL_COL + 1; /* after the state's columns */
    r->state_found = !PQgetisnull(res, 0, 0);
    year_state_init(&r->st, r->key.year, 0);
    if (r->state_found) {
        struct state_key k;
        state_fill(res, 0, &k, &r->st);
        assert(k.year == r->key.year); /* joined on the key */
    }
    r->checkpoint_found = !PQgetisnull(res, 0, at);
    r->checkpoint_seq = r->checkpoint_found ? col_i64(res, 0, at) : 0;
    r->tail_seq = PQgetisnull(res, 0, at + 1) ? 0 : col_i64(res, 0, at + 1);
    r->balance_fen = PQgetisnull(res, 0, at + 2) ? 0 : col_i64(res, 0, at + 2);
    PQclear(res);
    return 0;
}

static int pg_registry_gen(struct store_conn *c, int64_t *gen, struct store_err *err) {
    assert(gen != NULL);
    PGresult *res = pg_run_fresh(c, REGISTRY_GEN_SQL, err);
    if (res == NULL) return -1;
    if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
        PQclear(res);
        return store_errf(err, "postgresql: registry generation: no row"), -1;
    }
    *gen = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}

static int pg_journal_breaks(struct store_conn *c, int64_t *seqs, size_t max, size_t *n,
                             struct store_err *err) {
    assert(seqs != NULL && n != NULL && max >= 1 && max <= INT32_MAX);
    *n = 0;
    if (c->breaks_v21) return 0; /* read only, a release before migration 22: no breaks kept */
    char limit[24];
    snprintf(limit, sizeof limit, "%zu", max);
    const char *params[1] = {limit};
    PGresult *res = pg_run(c, "SELECT seq FROM journal_breaks ORDER BY seq LIMIT $1", 1, params,
                           err);
    if (res == NULL) return -1;
    int rows = PQntuples(res);
    for (int i = 0; i < rows && *n < max; i++) seqs[(*n)++] = col_i64(res, i, 0);
    PQclear(res);
    assert(*n <= max);
    return 0;
}

static int pg_last_import(struct store_conn *c, const char *what, int64_t *seq,
                          struct store_err *err) {
    char prefix[48];
    assert(what != NULL && seq != NULL && strlen(what) < 32);
    snprintf(prefix, sizeof prefix, "what=%s ", what);
    const char *params[1] = {prefix};
    PGresult *res = pg_run(c, LAST_IMPORT_SQL, 1, params, err);
    if (res == NULL) return -1;
    if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
        PQclear(res);
        return store_errf(err, "postgresql: last import: no row"), -1;
    }
    *seq = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}

static int pg_checkpoint_put(struct store_conn *c, int64_t checkpoint_seq, struct store_err *err) {
    assert(c != NULL && c->in_tx && checkpoint_seq >= 0); /* in the writer's transaction */
    char text[24];
    snprintf(text, sizeof text, "%" PRId64, checkpoint_seq);
    const char *params[1] = {text};
    PGresult *res = pg_run(c, CHECKPOINT_PUT_SQL, 1, params, err);
    if (res == NULL) return -1;
    PQclear(res);
    return 0;
}

/* ---- the service's credentials ------------------------------------------------------------ */
static void credential_fill(const PGresult *res, int r, struct store_credential *out) {
    assert(res != NULL && out != NULL && PQnfields(res) == 7);
    memset(out, 0, sizeof *out);
    col_text(res, r, 0, out->paasid, sizeof out->paasid);
    col_text(res, r, 1, out->token, sizeof out->token);
    col_text(res, r, 2, out->fixmedins_code, sizeof out->fixmedins_code);
    col_text(res, r, 3, out->status, sizeof out->status);
    out->token_version = col_i64(res, r, 4);
    col_text(res, r, 5, out->key_id, sizeof out->key_id);
    out->hmac_required = col_i64(res, r, 6);
}

static int pg_credential_get(struct store_conn *c, const char *paasid, struct store_credential *out,
                             bool *found, struct store_err *err) {
    assert(c != NULL && paasid != NULL && out != NULL && found != NULL);
    const char *params[1] = {paasid};
    PGresult *res = pg_run_key(
        c, "SELECT " CREDENTIAL_COLS " FROM svc_credential WHERE paasid = $1", 1, params, err);
    if (res == NULL) return -1;
    *found = PQntuples(res) == 1;
    if (*found) credential_fill(res, 0, out);
    PQclear(res);
    return 0;
}

static int pg_credential_put(struct store_conn *c, const struct store_credential *r,
                             struct store_err *err) {
    assert(c != NULL && c->in_tx && r != NULL && r->paasid[0] != '\0');
    char version[24], hmac[24];
    snprintf(version, sizeof version, "%" PRId64, r->token_version);
    snprintf(hmac, sizeof hmac, "%" PRId64, r->hmac_required);
    const char *params[7] = {r->paasid, r->token, r->fixmedins_code, r->status, version,
                             r->key_id, hmac};
    PGresult *res = pg_run(c,
                           "INSERT INTO svc_credential(" CREDENTIAL_COLS ")"
                           " VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (paasid) DO UPDATE SET"
                           " token = excluded.token, fixmedins_code = excluded.fixmedins_code,"
                           " status = excluded.status, token_version = excluded.token_version,"
                           " key_id = excluded.key_id, hmac_required = excluded.hmac_required",
                           7, params, err);
    if (res == NULL) return -1;
    PQclear(res);
    return 0;
}

static int credential_row(const PGresult *res, int r, void *v) {
    struct scan_ctx *sc = v;
    assert(res != NULL && r >= 0 && r < PQntuples(res) && sc->cb != NULL);
    struct store_credential row;
    credential_fill(res, r, &row);
    return ((credential_cb)sc->cb)(sc->ctx, &row);
}

/* In paasid's byte order (COLLATE "C"), as SQLite's, whatever the
 * database's collation: the content hash must not depend on it. */
static int pg_credentials_scan(struct store_conn *c, credential_cb cb, void *ctx,
                               struct store_err *err) {
    assert(c != NULL && cb != NULL);
    /* a read-only check of a store of a release before migration 8 scans nothing */
    PGresult *res = pg_run(c,
                           "SELECT count(*) FROM pg_attribute WHERE attrelid ="
                           " to_regclass('svc_credential') AND attname = 'hmac_required'"
                           " AND NOT attisdropped",
                           0, NULL, err);
    if (res == NULL) return -1;
    bool exists = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "1") == 0;
    PQclear(res);
    if (!exists) return 0;
    struct scan_ctx sc = {(void *)cb, ctx};
    return pg_scan(c,
                   "SELECT " CREDENTIAL_COLS " FROM svc_credential ORDER BY paasid COLLATE \"C\"",
                   0, NULL, credential_row, &sc, err);
}

/* ---- the enrolment registry (enrol_rows.h) ---------------------------------- */
/* Statements made from the tables' descriptions (run unprepared: they are
 * not string constants); text parameters, which the server casts to the
 * integer columns. The rows go as one text array a column (ph 'U'): one
 * round trip for an import's batch, where a statement a row took 426 s
 * for 100,000 episodes. The importer checked every row first (keys once
 * in its file, every field's form), so the upsert has no constraint left
 * to fail on a row. */
static int pg_enrol_put(struct store_conn *c, enum enrol_kind kind,
                        const struct store_enrol_row *rows, size_t n, struct store_err *err) {
    const struct enrol_table *t = enrol_table(kind);
    assert(c != NULL && (rows != NULL || n == 0) && t->cols <= ENROL_COLS_MAX);
    if (n == 0) return 0;
    if (!c->in_tx && pg_ensure(c, NULL, err) != 0) return -1;
    char sql[ENROL_SQL_BYTES];
    enrol_sql_put(kind, 'U', sql, sizeof sql);
    struct sbuf arr[ENROL_COLS_MAX];
    const char *params[ENROL_COLS_MAX];
    bool failed = false;
    memset(arr, 0, sizeof arr);
    for (int k = 0; k < t->cols; k++) {
        sb_put(&arr[k], "{", 1);
        for (size_t i = 0; i < n; i++) sb_array_text(&arr[k], rows[i].col[k], i == 0);
        sb_put(&arr[k], "}", 1);
        failed = failed || arr[k].failed;
        params[k] = arr[k].data;
    }
    PGresult *res = failed ? NULL : pg_run_raw(c, sql, t->cols, params, err);
    if (failed) store_errf(err, "postgresql: out of memory");
    for (int k = 0; k < t->cols; k++) sb_free(&arr[k]);
    if (res == NULL) return -1;
    PQclear(res);
    return 0;
}

struct enrol_scan_ctx {
    const struct enrol_table *t;
    enrol_cb cb;
    void *ctx;
};

static int enrol_row(const PGresult *res, int r, void *v) {
    struct enrol_scan_ctx *sc = v;
    assert(res != NULL && r >= 0 && r < PQntuples(res) && PQnfields(res) == sc->t->cols);
    struct store_enrol_row row;
    memset(&row, 0, sizeof row);
    for (int k = 0; k < sc->t->cols; k++) col_text(res, r, k, row.col[k], sizeof row.col[k]);
    return sc->cb(sc->ctx, &row);
}

/* One person's rows (a handful: bindings, episodes, wages) in one round
 * trip, where a cursor (pg_scan) would take five. */
static int enrol_rows_of(struct store_conn *c, const char *sql, const char *who,
                         struct enrol_scan_ctx *sc, struct store_err *err) {
    const char *params[1] = {who};
    assert(who != NULL && sc != NULL);
    if (!c->in_tx && pg_ensure(c, NULL, err) != 0) return -1;
    PGresult *res = pg_run_raw(c, sql, 1, params, err);
    if (res == NULL) return -1;
    int rc = 0;
    for (int r = 0; rc == 0 && r < PQntuples(res); r++) rc = enrol_row(res, r, sc);
    PQclear(res);
    return rc;
}

static int pg_enrol_scan(struct store_conn *c, enum enrol_kind kind, const char *who, enrol_cb cb,
                         void *ctx, struct store_err *err) {
    const struct enrol_table *t = enrol_table(kind);
    assert(c != NULL && cb != NULL && (unsigned)kind < 8 * sizeof c->enrol_seen);
    /* a read-only look at a store of a release before migration 14; once
     * seen, a table stays (on this connection's database) */
    if (!c->in_tx && (c->enrol_seen & (1u << kind)) == 0) {
        const char *params[1] = {t->table};
        PGresult *res = pg_run_key(c, "SELECT to_regclass($1) IS NOT NULL", 1, params, err);
        if (res == NULL) return -1;
        bool exists = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
        PQclear(res);
        if (!exists) return 0;
        c->enrol_seen |= 1u << kind;
    }
    char sql[ENROL_SQL_BYTES];
    enrol_sql_scan(kind, who != NULL, '$', true, sql, sizeof sql);
    struct enrol_scan_ctx sc = {t, cb, ctx};
    if (who != NULL) return enrol_rows_of(c, sql, who, &sc, err);
    return pg_scan(c, sql, 0, NULL, enrol_row, &sc, err);
}

/* The rows naming any of whos, one round trip (the importer's batches). */
static int pg_enrol_scan_set(struct store_conn *c, enum enrol_kind kind, const char *const *whos,
                             size_t n, enrol_cb cb, void *ctx, struct store_err *err) {
    const struct enrol_table *t = enrol_table(kind);
    assert(c != NULL && cb != NULL && (whos != NULL || n == 0) && n <= BATCH_MAX);
    if (n == 0) return 0;
    if (!c->in_tx && pg_ensure(c, NULL, err) != 0) return -1;
    char sql[ENROL_SQL_BYTES];
    enrol_sql_scan(kind, true, 'A', true, sql, sizeof sql);
    struct sbuf arr = {0};
    sb_put(&arr, "{", 1);
    for (size_t i = 0; i < n; i++) sb_array_text(&arr, whos[i], i == 0);
    sb_put(&arr, "}", 1);
    if (arr.failed) return sb_free(&arr), store_errf(err, "postgresql: out of memory"), -1;
    const char *params[1] = {arr.data};
    PGresult *res = pg_run_raw(c, sql, 1, params, err);
    sb_free(&arr);
    if (res == NULL) return -1;
    struct enrol_scan_ctx sc = {t, cb, ctx};
    int rc = 0;
    for (int r = 0; rc == 0 && r < PQntuples(res); r++) rc = enrol_row(res, r, &sc);
    PQclear(res);
    return rc;
}

/* ---- payment agreements (migration 15) ------------------------------------ */
static int pg_agreement_put(struct store_conn *c, const struct store_agreement_row *row,
                            struct store_err *err) {
    assert(c != NULL && row != NULL && row->json != NULL);
    char year[16];
    snprintf(year, sizeof year, "%d", (int)row->year);
    char *json = strndup(row->json, row->json_len); /* a file's text is not NUL-terminated */
    if (json == NULL) return store_errf(err, "postgresql: out of memory"), -1;
    const char *params[4] = {row->region, year, row->id, json};
    PGresult *res = pg_run(c,
                           "INSERT INTO payment_agreements(region, year, id, json)"
                           " VALUES($1, $2, $3, $4) ON CONFLICT (region, year)"
                           " DO UPDATE SET id = excluded.id, json = excluded.json",
                           4, params, err);
    free(json);
    if (res == NULL) return -1;
    PQclear(res);
    return 0;
}

struct agreement_scan_ctx {
    agreement_cb cb;
    void *ctx;
};

static int agreement_row(const PGresult *res, int r, void *v) {
    struct agreement_scan_ctx *sc = v;
    assert(res != NULL && r >= 0 && r < PQntuples(res) && PQnfields(res) == 4);
    struct store_agreement_row row;
    memset(&row, 0, sizeof row);
    col_text(res, r, 0, row.region, sizeof row.region);
    row.year = (int32_t)col_i64(res, r, 1);
    col_text(res, r, 2, row.id, sizeof row.id);
    row.json = PQgetvalue(res, r, 3);
    row.json_len = (size_t)PQgetlength(res, r, 3);
    return sc->cb(sc->ctx, &row);
}

static int pg_agreements_scan(struct store_conn *c, agreement_cb cb, void *ctx,
                              struct store_err *err) {
    assert(c != NULL && cb != NULL);
    if (!c->in_tx) { /* a read-only look at a store of a release before migration 15 */
        const char *params[1] = {"payment_agreements"};
        PGresult *res = pg_run_key(c, "SELECT to_regclass($1) IS NOT NULL", 1, params, err);
        if (res == NULL) return -1;
        bool exists = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
        PQclear(res);
        if (!exists) return 0;
    }
    struct agreement_scan_ctx sc = {cb, ctx};
    return pg_scan(c, "SELECT region, year, id, json FROM payment_agreements ORDER BY region, year",
                   0, NULL, agreement_row, &sc, err);
}

/* ---- the service's visits linked to their settlements ---------------------- */
/* "{1,2,3}" of n ids (int64). */
static void sb_array_i64(struct sbuf *b, const int64_t *v, size_t n) {
    assert(b != NULL && (v != NULL || n == 0));
    sb_put(b, "{", 1);
    for (size_t i = 0; i < n; i++) sb_printf(b, "%s%" PRId64, i == 0 ? "" : ",", v[i]);
    sb_put(b, "}", 1);
}

/* In id order, so that two writers locking visits never wait on each other
 * in a cycle. The ids are also given as "= ANY($1)" on svc_visit itself:
 * joined only to the unnest, the planner hashed the batch and scanned the
 * whole table, a cost that grows with every visit ever registered; the
 * array on the table's key makes it an index probe per id. */
static int pg_visits_lock(struct store_conn *c, const int64_t *visit_ids, size_t n,
                          struct store_visit_row *out, struct store_err *err) {
    assert(c != NULL && c->in_tx && n <= BATCH_MAX && (n == 0 || out != NULL));
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++) out[i] = (struct store_visit_row){0};
    struct sbuf ids = {0};
    sb_array_i64(&ids, visit_ids, n);
    const char *params[1] = {ids.data};
    if (ids.failed) store_errf(err, "postgresql: out of memory");
    PGresult *res = ids.failed
                        ? NULL
                        : pg_run(c,
                                 "SELECT k.i, v.kind, v.status FROM unnest($1::bigint[])"
                                 " WITH ORDINALITY AS k(id, i) JOIN svc_visit v ON v.id = k.id"
                                 " WHERE v.id = ANY($1::bigint[]) ORDER BY v.id FOR UPDATE OF v",
                                 1, params, err);
    sb_free(&ids);
    if (res == NULL) return -1;
    for (int r = 0; r < PQntuples(res); r++) {
        int64_t i = col_i64(res, r, 0) - 1;
        assert(i >= 0 && (size_t)i < n);
        out[i] = (struct store_visit_row){(int32_t)col_i64(res, r, 1), (int32_t)col_i64(res, r, 2),
                                          true};
    }
    PQclear(res);
    return 0;
}

/* Every link of the batch in one statement, kept for the COMMIT's round
 * trip (pg_defer); the commit
 * queue links a visit at most once a batch, so no row is changed twice.
 * The batch's visit ids ($1) bound svc_fee and svc_visit by "= ANY" on
 * their keys' first column: joined only to the CTE, the planner (custom
 * plans, fresh statistics) chose a hash join over a sequential scan of
 * svc_fee, 6.5 ms a batch at 15,000 fee lines and growing with the table
 * (bench/pg_visit_profile.sh: the costliest statement of the visit flow);
 * with the array it is an index scan of the batch's visits. */
static int pg_visits_link(struct store_conn *c, const struct store_visit_link *const *links,
                          const int64_t *setl_ids, size_t n, struct store_err *err) {
    assert(c != NULL && c->in_tx && n <= BATCH_MAX && (n == 0 || links != NULL));
    if (n == 0) return 0;
    struct sbuf visit = {0}, msgid = {0}, bchno = {0}, status = {0}, setl = {0};
    sb_put(&visit, "{", 1);
    sb_put(&msgid, "{", 1);
    sb_put(&bchno, "{", 1);
    sb_put(&status, "{", 1);
    for (size_t i = 0; i < n; i++) {
        assert(links[i]->visit_id > 0 && setl_ids[i] > 0);
        sb_printf(&visit, "%s%" PRId64, i == 0 ? "" : ",", links[i]->visit_id);
        sb_array_text(&msgid, links[i]->msgid, i == 0);
        sb_array_text(&bchno, links[i]->bchno, i == 0);
        sb_printf(&status, "%s%d", i == 0 ? "" : ",", (int)links[i]->status_after);
    }
    sb_put(&visit, "}", 1);
    sb_put(&msgid, "}", 1);
    sb_put(&bchno, "}", 1);
    sb_put(&status, "}", 1);
    sb_array_i64(&setl, setl_ids, n);
    bool failed = visit.failed || msgid.failed || bchno.failed || status.failed || setl.failed;
    const char *params[5] = {visit.data, setl.data, msgid.data, bchno.data, status.data};
    if (failed) store_errf(err, "postgresql: out of memory");
    static const char link_sql[] =
        "WITH l AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[],"
        " $4::text[], $5::int[]) AS l(visit_id, setl_id, msgid, bchno, status)),"
        " s AS (INSERT INTO svc_setl (setl_id, visit_id, msgid)"
        " SELECT setl_id, visit_id, msgid FROM l ON CONFLICT DO NOTHING),"
        " f AS (UPDATE svc_fee SET setl_id = l.setl_id FROM l"
        " WHERE svc_fee.visit_id = ANY($1::bigint[])"
        " AND svc_fee.visit_id = l.visit_id AND svc_fee.setl_id = 0"
        " AND (l.bchno = '' OR svc_fee.bchno = l.bchno OR svc_fee.bchno = ''))"
        " UPDATE svc_visit SET status = l.status, setl_id = l.setl_id FROM l"
        " WHERE svc_visit.id = ANY($1::bigint[]) AND svc_visit.id = l.visit_id";
    int rc = failed ? -1 : pg_defer(c, link_sql, 5, params, err);
    sb_free(&visit);
    sb_free(&msgid);
    sb_free(&bchno);
    sb_free(&status);
    sb_free(&setl);
    return rc;
}

/* One statement a revoke (revokes are rare): its lines unsettled, the
 * visit's newest settlement standing (a set-aside refund line's -1 is
 * none) and its status by that. */
static int pg_visits_reopen(struct store_conn *c, const struct store_visit_link *const *links,
                            const int64_t *setl_ids, size_t n, struct store_err *err) {
    assert(c != NULL && c->in_tx && (n == 0 || links != NULL));
    for (size_t i = 0; i < n; i++) {
        char visit[24], setl[24], after[16], reopened[16];
        assert(links[i]->visit_id > 0 && setl_ids[i] > 0);
        snprintf(visit, sizeof visit, "%" PRId64, links[i]->visit_id);
        snprintf(setl, sizeof setl, "%" PRId64, setl_ids[i]);
        snprintf(after, sizeof after, "%d", (int)links[i]->status_after);
        snprintf(reopened, sizeof reopened, "%d", (int)links[i]->status_reopened);
        const char *params[4] = {visit, setl, after, reopened};
        PGresult *res = pg_run(
            c,
            "WITH f AS (UPDATE svc_fee SET setl_id = 0 WHERE visit_id = $1 AND setl_id = $2),"
            " l AS (SELECT greatest(coalesce(max(setl_id), 0), 0) AS last FROM svc_fee"
            " WHERE visit_id = $1 AND setl_id <> $2)"
            " UPDATE svc_visit SET setl_id = l.last,"
            " status = CASE WHEN l.last > 0 THEN $3::int ELSE $4::int END"
            " FROM l WHERE svc_visit.id = $1",
            4, params, err);
        if (res == NULL) return -1;
        PQclear(res);
    }
    return 0;
}

const struct store_backend store_pg_backend = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .snapshot_begin = pg_snapshot_begin,
    .bulk_mode = pg_bulk_mode,
    .reader_session = pg_reader_session,
    .persons_put = pg_persons_put,
    .persons_edit = pg_persons_edit,
    .persons_get = pg_persons_get,
    .persons_by_certno = pg_persons_by_certno,
    .persons_scan = pg_persons_scan,
    .persons_flagged = pg_persons_flagged,
    .institutions_put = pg_institutions_put,
    .institutions_scan = pg_institutions_scan,
    .policy_put = pg_policy_put,
    .policies_scan = pg_policies_scan,
    .catalog_replace = pg_catalog_replace,
    .catalog_scan = pg_catalog_scan,
    .journal_append = pg_journal_append,
    .journal_tail = pg_journal_tail,
    .journal_by_msgid = pg_journal_by_msgid,
    .journal_by_seq = pg_journal_by_seq,
    .journal_revoked = pg_journal_revoked,
    .journal_scan = pg_journal_scan,
    .journal_brief_scan = pg_journal_brief_scan,
    .journal_replay_scan = pg_journal_replay_scan,
    .data_put = pg_data_put,
    .data_scan = pg_data_scan,
    .states_get = pg_states_get,
    .states_put = pg_states_put,
    .states_scan = pg_states_scan,
    .postings_put = pg_postings_put,
    .postings_scan = pg_postings_scan,
    .postings_months = pg_postings_months,
    .balances_add = pg_balances_add,
    .balances_get = pg_balances_get,
    .balances_scan = pg_balances_scan,
    .checkpoint_get = pg_checkpoint_get,
    .person_tables_get = pg_person_tables_get,
    .checkpoint_put = pg_checkpoint_put,
    .registry_gen = pg_registry_gen,
    .batch_heads = pg_batch_heads,
    .batch_begin = pg_batch_begin,
    .batch_capture = pg_batch_capture,
    .batch_plans = pg_batch_plans,
    .journal_breaks = pg_journal_breaks,
    .last_import = pg_last_import,
    .credential_get = pg_credential_get,
    .credential_put = pg_credential_put,
    .credentials_scan = pg_credentials_scan,
    .enrol_put = pg_enrol_put,
    .enrol_scan = pg_enrol_scan,
    .enrol_scan_set = pg_enrol_scan_set,
    .agreement_put = pg_agreement_put,
    .agreements_scan = pg_agreements_scan,
    .visits_lock = pg_visits_lock,
    .visits_link = pg_visits_link,
    .visits_reopen = pg_visits_reopen,
};
