/* store.h: the durable settlement store: registry, hash-chained journal,
 * double-entry ledger and year states, behind one backend interface.
 *
 * Two halves:
 *  1. The backend interface (struct store_backend): a vtable of storage
 *     operations on plain records. SQLite (store_sqlite.c) and PostgreSQL
 *     (store_pg.c) implement it; a third backend implements the same table
 *     and registers in store_backend_for() (store.c). Every "many" operation
 *     takes arrays so that a network backend can do one round trip per batch.
 *     Backends know nothing of settlement rules, hashing or postings.
 *  2. The store API used by callers (CLI, HTTP service, tests): open, import,
 *     settle / revoke through a thread-safe blocking commit queue, reads, and
 *     check. All backend-independent logic (commit queue, journal encoding
 *     and hashing, ledger postings, replay check, CSV import) lives in the
 *     other files of src/store/.
 *
 * Money is int64 fen. Account balances: balance = sum(debits) - sum(credits);
 * a posting debits the receiving account and credits the paying one, so the
 * sum of all balances is 0 at every commit. */
#ifndef YIBAO_STORE_H
#define YIBAO_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/bill.h"
#include "core/catalog.h"
#include "core/person.h"
#include "core/policy.h"
#include "core/settle.h"
#include "core/state.h"

/* ---- limits ---------------------------------------------------------- */
#define BATCH_MAX 4096              /* requests settled in one group commit */
#define COMMITQ_LEN_MAX 16384       /* requests waiting in the commit queue */
#define MSGID_BYTES_MAX 63          /* a request id */
#define ACCOUNT_BYTES_MAX 159       /* "F:hifp:440900:2022", "P:<psn_no>" ... */
#define JOURNAL_BODY_BYTES_MAX 2047 /* a journal record's body text */
#define STORE_ERR_BYTES 512         /* error messages */
#define STORE_URI_BYTES_MAX 1024    /* --db argument */
#define IMPORT_ROWS_PER_CALL 1024   /* rows handed to persons_put at once */
/* each fund layer, the personal account, the family holders' accounts */
#define POSTINGS_PER_RECORD_MAX (FUND_LAYER_COUNT + 1 + SETTLE_HOLDERS_MAX)
#define HASH_HEX_BYTES 64        /* SHA-256 as lower-case hex */
#define INSTITUTIONS_MAX 1000000 /* institutions held in memory */
#define CHECKPOINT_RECORDS_MAX \
    131072                /* journal records after the checkpoint before one is written */
#define POLICIES_MAX 1024 /* policies held in memory */
#define STORE_PERSON_CACHE_SLOTS 8192 /* persons' rows the readers keep (a power of two) */
/* A journal record's attached data (journal_data): a settlement's bill
 * (bill_blob.c; at most ~170 bytes a line), an imported policy, catalog,
 * institutions or enrolment file. */
#define JOURNAL_DATA_BYTES_MAX (64u * 1024u * 1024u)

struct store_err {
    char msg[STORE_ERR_BYTES];
};

/* ---- records --------------------------------------------------------- */
enum insured_status { INSURED_ACTIVE = 0, INSURED_SUSPENDED = 1, INSURED_ENDED = 2 };

struct store_person {
    char psn_no[CODE_BYTES_MAX + 1];
    char certno[CODE_BYTES_MAX + 1];
    char name[NAME_BYTES_MAX + 1];
    char gender[CODE_BYTES_MAX + 1];
    char birth_date[11]; /* YYYY-MM-DD */
    int32_t insutype;    /* 310 / 390 */
    enum category category;
    uint32_t flags;                  /* enum person_flag bits */
    char region[CODE_BYTES_MAX + 1]; /* insuplc_admdvs */
    datetime_s benefit_start;
    int64_t benefit_years; /* packed per-year starts (core/benefit_years.h), 0: none */
    int64_t acct_open_fen; /* opening personal-account balance */
    enum insured_status status;
};

enum designation { DESIGNATION_ACTIVE = 0, DESIGNATION_SUSPENDED = 1, DESIGNATION_REVOKED = 2 };

struct store_institution {
    char code[CODE_BYTES_MAX + 1];
    char name[NAME_BYTES_MAX + 1];
    enum institution_type type;
    enum level level;
    char region[CODE_BYTES_MAX + 1];
    enum designation status;
    datetime_s suspended_until; /* DESIGNATION_SUSPENDED: 0 = indefinitely */
};

struct store_policy_row {
    char region[CODE_BYTES_MAX + 1];
    int32_t year;
    int32_t insutype;
    char id[CODE_BYTES_MAX + 1];
    char valid_from[11]; /* "YYYY-MM-DD" (policy_put; a scan leaves it "": the JSON says) */
    const char *json;    /* the policy file's text */
    size_t json_len;
};

/* JOURNAL_CONTRIB: one person's contribution for one period (an employee
 * month or a resident year; contrib_rec.c), with its postings. */
enum journal_kind {
    JOURNAL_SETTLE = 1,
    JOURNAL_REVOKE = 2,
    JOURNAL_IMPORT = 3,
    JOURNAL_CONTRIB = 4,
    JOURNAL_PAY = 5,      /* an institution's monthly payment (pay_rec.c; docs/PAYMENT.md) */
    JOURNAL_YEAR_END = 6, /* an institution's year-end settlement (year_end_rec.c) */
    JOURNAL_TRANSFER = 7, /* a person's transfer between regions (transfer_rec.c) */
    JOURNAL_CASE = 8,     /* a supervision case's step or a role granted (case_rec.c) */
};

/* A row of the service's svc_credential table (service_db.c issues and
 * edits them through store_credential_put, credential.c): every column as
 * stored, so that its content hash covers them all. */
#define CREDENTIAL_PAASID_BYTES_MAX 63 /* SERVICE_PAASID_BYTES_MAX */
#define CREDENTIAL_TOKEN_BYTES_MAX 64  /* a previous release's plaintext token (hex) */
#define CREDENTIAL_KEY_ID_BYTES_MAX 16 /* SERVICE_KEY_ID_HEX_BYTES */
#define CREDENTIAL_STATUS_BYTES_MAX 15 /* "active", "revoked" */

struct store_credential {
    char paasid[CREDENTIAL_PAASID_BYTES_MAX + 1];
    char token[CREDENTIAL_TOKEN_BYTES_MAX + 1]; /* "" but for a previous release's row */
    char fixmedins_code[CODE_BYTES_MAX + 1];
    char status[CREDENTIAL_STATUS_BYTES_MAX + 1];
    int64_t token_version; /* 0: a previous release's row (its token stored) */
    char key_id[CREDENTIAL_KEY_ID_BYTES_MAX + 1];
    int64_t hmac_required; /* 0 or 1 */
};

/* The enrolment registry (issue 16; docs/ENROLMENT.md): employers,
 * enrolment episodes, declared wages and flexible workers' bases, family
 * bindings. A row is its columns as text, in the order of its kind's
 * table (enrol_rows.h names them and their types); the backends store the
 * integer columns as integers and give them back as decimal text. */
enum enrol_kind {
    ENROL_EMPLOYERS = 0,
    ENROL_EPISODES,
    ENROL_WAGES,
    ENROL_BINDINGS,
    ENROL_SIGNINGS,  /* persons signed to a primary-care institution (capitation, FUNDS.md §6d) */
    ENROL_INVENTORY, /* pharmacies' stock, purchases and sales (3501-3506; SUPERVISION.md) */
    ENROL_KIND_COUNT,
};
#define ENROL_COLS_MAX 8 /* columns of an enrolment table */
struct store_enrol_row {
    char col[ENROL_COLS_MAX][NAME_BYTES_MAX + 1];
};

struct journal_rec {
    int64_t seq;     /* 1, 2, ...; a settlement's setl_id */
    int64_t time_us; /* unix time, microseconds */
    enum journal_kind kind;
    char msgid[MSGID_BYTES_MAX + 1];
    char psn_no[CODE_BYTES_MAX + 1]; /* settle / revoke */
    char fixmedins_code[CODE_BYTES_MAX + 1];
    int64_t ref_seq;                       /* revoke: the setl_id revoked; else 0 */
    int32_t year;                          /* policy year (settle / revoke) */
    char req_hash[HASH_HEX_BYTES + 1];     /* SHA-256 of the canonical request */
    char body[JOURNAL_BODY_BYTES_MAX + 1]; /* "key=value ..." (journal.c) */
    char prev_hash[HASH_HEX_BYTES + 1];
    char hash[HASH_HEX_BYTES + 1];
};

/* Data attached to a journal record and covered by its hash: the record's
 * body (settle: bill=) or req_hash (import) holds the data's SHA-256. */
struct journal_data {
    int64_t seq;
    const unsigned char *bytes;
    size_t len;
};

struct posting {
    int64_t seq;                        /* journal record that made it */
    int32_t idx;                        /* 0.. within the record */
    char debit[ACCOUNT_BYTES_MAX + 1];  /* receives */
    char credit[ACCOUNT_BYTES_MAX + 1]; /* pays */
    int64_t amount_fen;                 /* > 0 */
    /* the record's business month, year * 12 + month - 1: a contribution's
     * period (a resident year's: January), a transfer's effective month,
     * any other record's local month (postings_month_local); the fund
     * reports' month, kept at commit so they need not read the journal;
     * -1 only on a posting whose record a migration did not find */
    int32_t month;
};

struct balance_delta {
    char account[ACCOUNT_BYTES_MAX + 1];
    int64_t delta_fen;
};

struct state_key {
    char psn_no[CODE_BYTES_MAX + 1];
    int32_t year;
};

/* ---- the backend interface ------------------------------------------- */
struct store_conn; /* a backend's connection; opaque to everything else */

typedef int (*journal_cb)(void *ctx, const struct journal_rec *rec);

/* A journal record as a report reads it (journal_brief_scan): no msgid or
 * hashes, nothing copied. The strings are the backend's, valid during the
 * callback only; body is "" unless the scan asked for its kind's. */
struct journal_brief {
    int64_t seq, time_us;
    int64_t ref_seq; /* revoke: the setl_id revoked; else 0 */
    enum journal_kind kind;
    int32_t year; /* policy year (settle / revoke) */
    const char *psn_no, *fixmedins_code, *body;
};
typedef int (*journal_brief_cb)(void *ctx, const struct journal_brief *rec);
/* A kind's bit in journal_brief_scan's masks. */
#define JOURNAL_KIND_BIT(kind) (1u << (unsigned)(kind))
typedef int (*state_cb)(void *ctx, const struct state_key *key, const struct year_state *state);
typedef int (*posting_cb)(void *ctx, const struct posting *posting);
typedef int (*account_cb)(void *ctx, const char *account, int64_t amount_fen);
typedef int (*person_cb)(void *ctx, const struct store_person *person);
typedef int (*institution_cb)(void *ctx, const struct store_institution *institution);
typedef int (*policy_cb)(void *ctx, const struct store_policy_row *row);
typedef int (*catalog_cb)(void *ctx, const struct catalog_item *item);
typedef int (*data_cb)(void *ctx, const struct journal_data *data);
typedef int (*credential_cb)(void *ctx, const struct store_credential *row);
typedef int (*enrol_cb)(void *ctx, const struct store_enrol_row *row);
/* A region's payment agreements for a year, as imported (yibao-payment/1). */
struct store_agreement_row {
    char region[CODE_BYTES_MAX + 1];
    int32_t year;
    char id[CODE_BYTES_MAX + 1];
    const char *json; /* the file's text */
    size_t json_len;
};
typedef int (*agreement_cb)(void *ctx, const struct store_agreement_row *row);

/* Every operation returns 0 on success and -1 with err filled. "found"
 * arrays say per key whether a row exists. A callback returning non-zero
 * stops a scan, whose result is then that value. */
/* How a store is opened. Only an explicit `yibao init` or `import` (and
 * the benchmarks) creates one; everything else refuses a missing target or
 * one that is not a yibao store, so that a typo never makes an empty store;
 * `check` reads only (no migration, no pragma, nothing written). */
enum store_mode {
    STORE_MODE_CREATE = 0, /* created when missing (or an empty file); else as EXISTING */
    STORE_MODE_EXISTING,   /* must be a yibao store; migrated */
    STORE_MODE_READ_ONLY,  /* must be a yibao store no newer than this binary; read only */
};

/* One person's rows at one snapshot (store_backend.person_tables_get). */
struct store_person_tables {
    struct state_key key; /* key.year 0: no year state is wanted */
    const char *account;  /* the person's account */
    int64_t checkpoint_seq, tail_seq;
    bool checkpoint_found, state_found;
    struct year_state st; /* as states_get gives it (found or not) */
    int64_t balance_fen;  /* 0: no such account yet */
};

/* The journal's end as a commit queue's batch reads it first
 * (store_backend.batch_heads, store_heads_get): the checkpoint, the
 * journal's last seq and the registry's generation, with the last record
 * itself (passed apart: it is large). */
struct store_heads {
    int64_t checkpoint_seq; /* checkpoint_get's */
    bool checkpoint_found;
    int64_t tail_seq;     /* the last record's seq; 0: the journal is empty */
    int64_t registry_gen; /* registry_gen's */
};

/* The service's visit that a settlement settles (its tables svc_visit,
 * svc_fee and svc_setl; service/svcdb.h says what they hold), linked in
 * the settlement's own transaction by the commit queue's writer: the
 * settlement and its link commit together or not at all, so a visit's
 * settlement is never durable while the visit still looks unsettled
 * (issue 13: a full disk failed the link after the settlement committed,
 * and a retry under another msgid paid the visit twice), and it waits for
 * one group commit, not two. */
struct store_visit_link {
    int64_t visit_id;                /* 0: the settlement has no visit */
    char msgid[MSGID_BYTES_MAX + 1]; /* settle: svc_setl.msgid, the request's own */
    char bchno[CODE_BYTES_MAX + 1];  /* settle: the charge batch settled ("": every open line) */
    /* settle: the visit's status once linked; revoke: once reopened while
     * other settlements of it stand (an inpatient stay's earlier parts, an
     * outpatient visit's other charge batches) */
    int32_t status_after;
    int32_t status_reopened; /* revoke: once no settlement of it stands */
    /* settle: whether a visit of this kind and status may still be
     * settled; revoke: whether it is settled, so its lines are reopened
     * (the service's rule; another server on the database may have changed
     * the visit since the service read it) */
    bool (*open)(int32_t kind, int32_t status);
};

/* A visit's row as the link reads it (locked until the commit where the
 * database has row locks). */
struct store_visit_row {
    int32_t kind, status;
    bool found;
};

struct store_backend {
    const char *name;
    int (*open)(const char *target, enum store_mode mode, struct store_conn **out,
                struct store_err *err);
    void (*close)(struct store_conn *conn);

    /* Write transactions are exclusive (one writer at a time, across
     * processes); commit returns only once the data is durable. */
    int (*begin)(struct store_conn *conn, struct store_err *err);
    int (*commit)(struct store_conn *conn, struct store_err *err);
    void (*rollback)(struct store_conn *conn);
    /* A read-only transaction whose reads all see one committed state while
     * writers go on (check); ended by rollback. */
    int (*snapshot_begin)(struct store_conn *conn, struct store_err *err);
    /* Bulk mode for imports (SQLite: relaxed pragmas until commit). */
    int (*bulk_mode)(struct store_conn *conn, bool on, struct store_err *err);
    /* Marks conn one of the store's read connections (store_open_as, never
     * the writer's): PostgreSQL lets its key look-ups keep generic plans
     * (plan_cache_mode = auto, applied again after a reconnect), where the
     * writer plans every statement at each call. NULL: nothing to do
     * (SQLite). */
    int (*reader_session)(struct store_conn *conn, struct store_err *err);

    /* registry */
    int (*persons_put)(struct store_conn *conn, const struct store_person *persons, size_t n,
                       struct store_err *err); /* insert only; a duplicate fails */
    /* Rewrites persons already registered (by psn_no) with every column
     * of the row given: a registry edit (import.c), which journals the
     * rows before and after. A psn_no not registered fails. */
    int (*persons_edit)(struct store_conn *conn, const struct store_person *persons, size_t n,
                        struct store_err *err);
    int (*persons_get)(struct store_conn *conn, const char *const *psn_nos, size_t n,
                       struct store_person *out, bool *found, struct store_err *err);
    /* the psn_nos (at most max, in order) of the persons whose ID number is certno */
    int (*persons_by_certno)(struct store_conn *conn, const char *certno,
                             char (*psn_nos)[CODE_BYTES_MAX + 1], size_t max, size_t *n,
                             struct store_err *err);
    int (*persons_scan)(struct store_conn *conn, int64_t limit, person_cb cb, void *ctx,
                        struct store_err *err);
    /* The persons whose flags carry any bit of mask, in psn_no order,
     * filtered by the server (a few rows of millions: the rest never
     * cross the connection). NULL: store_persons_flagged filters a
     * persons_scan (SQLite, in process). */
    int (*persons_flagged)(struct store_conn *conn, uint32_t mask, person_cb cb, void *ctx,
                           struct store_err *err);
    int (*institutions_put)(struct store_conn *conn, const struct store_institution *rows, size_t n,
                            struct store_err *err); /* upsert */
    int (*institutions_scan)(struct store_conn *conn, institution_cb cb, void *ctx,
                             struct store_err *err);
    int (*policy_put)(struct store_conn *conn, const struct store_policy_row *row,
                      struct store_err *err); /* upsert by (region, year, insutype, valid_from) */
    int (*policies_scan)(struct store_conn *conn, policy_cb cb, void *ctx, struct store_err *err);
    int (*catalog_replace)(struct store_conn *conn, const struct catalog_item *items, size_t n,
                           struct store_err *err);
    int (*catalog_scan)(struct store_conn *conn, catalog_cb cb, void *ctx, struct store_err *err);

    /* journal */
    int (*journal_append)(struct store_conn *conn, const struct journal_rec *recs, size_t n,
                          struct store_err *err);
    int (*journal_tail)(struct store_conn *conn, struct journal_rec *last, bool *found,
                        struct store_err *err);
    int (*journal_by_msgid)(struct store_conn *conn, const char *const *msgids, size_t n,
                            struct journal_rec *out, bool *found, struct store_err *err);
    int (*journal_by_seq)(struct store_conn *conn, const int64_t *seqs, size_t n,
                          struct journal_rec *out, bool *found, struct store_err *err);
    /* revoked[i]: a revoke record refers to setl_ids[i] */
    int (*journal_revoked)(struct store_conn *conn, const int64_t *setl_ids, size_t n,
                           bool *revoked, struct store_err *err);
    int (*journal_scan)(struct store_conn *conn, int64_t from_seq, journal_cb cb, void *ctx,
                        struct store_err *err); /* in seq order */
    /* the records of the kinds in kinds (JOURNAL_KIND_BIT) from from_seq, in
     * seq order, the body read only for the kinds in body_kinds: the
     * reports' scan, which skips the other kinds inside the backend */
    int (*journal_brief_scan)(struct store_conn *conn, int64_t from_seq, uint32_t kinds,
                              uint32_t body_kinds, journal_brief_cb cb, void *ctx,
                              struct store_err *err);
    /* journal_scan without what only the chain check reads (msgid and the
     * three hashes come empty): the deep check's and the what-if's replay,
     * which reads every record and settles from the rest */
    int (*journal_replay_scan)(struct store_conn *conn, int64_t from_seq, journal_cb cb, void *ctx,
                               struct store_err *err);
    /* the records' attached data (journal_data); a scan of seq in
     * [from_seq, to_seq], in seq order. A read-only connection to a store
     * of a release before attached data scans nothing. */
    int (*data_put)(struct store_conn *conn, const struct journal_data *data, size_t n,
                    struct store_err *err);
    int (*data_scan)(struct store_conn *conn, int64_t from_seq, int64_t to_seq, data_cb cb,
                     void *ctx, struct store_err *err);

    /* year states (acct_balc is not stored: the ledger holds the account) */
    int (*states_get)(struct store_conn *conn, const struct state_key *keys, size_t n,
                      struct year_state *out, bool *found, struct store_err *err);
    int (*states_put)(struct store_conn *conn, const struct state_key *keys,
                      const struct year_state *states, size_t n, struct store_err *err);
    int (*states_scan)(struct store_conn *conn, state_cb cb, void *ctx, struct store_err *err);

    /* ledger */
    int (*postings_put)(struct store_conn *conn, const struct posting *postings, size_t n,
                        struct store_err *err);
    int (*postings_scan)(struct store_conn *conn, int64_t from_seq, posting_cb cb, void *ctx,
                         struct store_err *err); /* in (seq, idx) order */
    /* whether the postings keep their month (schema 20; false only on a
     * read-only connection to an older store, whose scan gives -1) */
    bool (*postings_months)(struct store_conn *conn);
    int (*balances_add)(struct store_conn *conn, const struct balance_delta *deltas, size_t n,
                        struct store_err *err);
    int (*balances_get)(struct store_conn *conn, const char *const *accounts, size_t n,
                        int64_t *out_fen, bool *found, struct store_err *err);
    int (*balances_scan)(struct store_conn *conn, account_cb cb, void *ctx,
                         struct store_err *err); /* in account order */

    /* checkpoint (checkpoint.h): the journal seq up to which the states and
     * accounts tables are written (found = false: never recorded), and the
     * journal's last seq (0 when empty), read together. */
    int (*checkpoint_get)(struct store_conn *conn, int64_t *checkpoint_seq, bool *found,
                          int64_t *tail_seq, struct store_err *err);
    int (*checkpoint_put)(struct store_conn *conn, int64_t checkpoint_seq, struct store_err *err);
    /* Optional (NULL: read one by one, and read again when a commit came
     * between): what checkpoint_get, states_get and balances_get give for
     * one person, in one statement and so one snapshot (one round trip on
     * PostgreSQL instead of four). */
    int (*person_tables_get)(struct store_conn *conn, struct store_person_tables *r,
                             struct store_err *err);

    /* The registry's generation: the seq of the journal's last import
     * record (0: none), read through an index. */
    int (*registry_gen)(struct store_conn *conn, int64_t *gen, struct store_err *err);
    /* Optional (NULL: journal_tail, checkpoint_get and registry_gen one by
     * one): the three in one statement and one snapshot, as a commit
     * queue's batch reads them first (one round trip and one plan on
     * PostgreSQL instead of three). *tail as journal_tail gives it. */
    int (*batch_heads)(struct store_conn *conn, struct journal_rec *tail, bool *tail_found,
                       struct store_heads *out, struct store_err *err);
    /* Optional (NULL: nothing to do): inside a commit queue batch's
     * transaction, its statements from here on read by keys (or append):
     * a backend may plan them once for all batches (PostgreSQL: generic
     * plans without sequential scans; a scan, such as the registry's
     * load, goes back to the session's plans, and the queue calls this
     * again after the registry's refresh). */
    int (*batch_plans)(struct store_conn *conn, struct store_err *err);
    /* Optional (NULL: begin, then batch_plans): begin of a commit queue
     * batch that has no guest, at the batch's plans from its start; a
     * backend may send it with the batch's first statement (PostgreSQL:
     * in the round trip of batch_heads). */
    int (*batch_begin)(struct store_conn *conn, struct store_err *err);
    /* Optional (NULL: none), after batch_begin: from on (true) until off
     * (false), the connection records its reads instead of running them
     * and answers them as finding nothing; a backend may send them in the
     * batch's first round trip, and a read of the batch that is the same
     * statement with the same parameters takes that result (PostgreSQL:
     * store_pg.c "reads sent ahead"). */
    void (*batch_capture)(struct store_conn *conn, bool on);
    /* The journal's time breaks (journal_breaks, migration 22): the seqs of
     * the records journaled more than STORE_CLOCK_SLACK_US before the record
     * ahead of them, ascending, at most max in seqs; *n how many were read.
     * A read-only connection to a store before migration 22 has none. */
    int (*journal_breaks)(struct store_conn *conn, int64_t *seqs, size_t max, size_t *n,
                          struct store_err *err);
    /* The seq of the last import record of what ("catalog": the last
     * catalog import, whose file its journal_data keeps); 0: none. */
    int (*last_import)(struct store_conn *conn, const char *what, int64_t *seq,
                       struct store_err *err);

    /* the service's credentials (svc_credential): one by paasid, an upsert,
     * and a scan in paasid order (bytewise). A read-only connection to a
     * store of a release before migration 8 scans nothing. */
    int (*credential_get)(struct store_conn *conn, const char *paasid, struct store_credential *out,
                          bool *found, struct store_err *err);
    int (*credential_put)(struct store_conn *conn, const struct store_credential *row,
                          struct store_err *err);
    int (*credentials_scan)(struct store_conn *conn, credential_cb cb, void *ctx,
                            struct store_err *err);

    /* the enrolment registry (enrol_rows.h): rows upserted by their key
     * columns; a scan in key order (bytewise), of every row (who NULL) or
     * of the rows naming who (a psn_no or emp_no: enrol_rows.h says which
     * columns). A read-only connection to a store of a release before
     * migration 14 scans nothing. */
    int (*enrol_put)(struct store_conn *conn, enum enrol_kind kind,
                     const struct store_enrol_row *rows, size_t n, struct store_err *err);
    int (*enrol_scan)(struct store_conn *conn, enum enrol_kind kind, const char *who, enrol_cb cb,
                      void *ctx, struct store_err *err);
    /* the rows naming any of whos (n <= BATCH_MAX), each once, a code's
     * rows in key order: a batch of an import's rows read at once
     * (enrol_import.c); PostgreSQL one round trip, SQLite one prepared
     * statement run per code in sorted order; NULL: the importer reads
     * row by row with enrol_scan */
    int (*enrol_scan_set)(struct store_conn *conn, enum enrol_kind kind, const char *const *whos,
                          size_t n, enrol_cb cb, void *ctx, struct store_err *err);
    /* payment agreements: upsert by (region, year); a scan in that order
     * (a read-only connection to a store before migration 15: none) */
    int (*agreement_put)(struct store_conn *conn, const struct store_agreement_row *row,
                         struct store_err *err);
    int (*agreements_scan)(struct store_conn *conn, agreement_cb cb, void *ctx,
                           struct store_err *err);

    /* The visits of a batch's settlements and revokes (store_visit_link):
     * their rows by id, locked until the commit; then the links: per
     * settlement its row (svc_setl), its lines marked settled (svc_fee) and
     * the visit's status and newest settlement (svc_visit); per revoke
     * (visits_reopen) its lines unsettled and the visit's status and newest
     * settlement standing. Inside a transaction. */
    int (*visits_lock)(struct store_conn *conn, const int64_t *visit_ids, size_t n,
                       struct store_visit_row *out, struct store_err *err);
    int (*visits_link)(struct store_conn *conn, const struct store_visit_link *const *links,
                       const int64_t *setl_ids, size_t n, struct store_err *err);
    int (*visits_reopen)(struct store_conn *conn, const struct store_visit_link *const *links,
                         const int64_t *setl_ids, size_t n, struct store_err *err);
};

extern const struct store_backend store_sqlite_backend;
extern const struct store_backend store_pg_backend;
/* PostgreSQL: the value of a session setting on conn (SHOW name), as a
 * unit of work (reconnects first when the connection was lost); for tests
 * of the session's settings. 0, or -1 with err. */
int store_pg_show(struct store_conn *conn, const char *name, char *out, size_t size,
                  struct store_err *err);

/* The backend for a --db target: postgresql:// or postgres:// URIs go to
 * PostgreSQL, anything else is a SQLite file path. */
const struct store_backend *store_backend_for(const char *target);

/* ---- the store API ---------------------------------------------------- */
struct store;   /* a backend connection plus the in-memory registry */
struct commitq; /* the group-commit writer (commitq.c) */

int store_open(const char *target, struct store **out, struct store_err *err); /* CREATE */
int store_open_as(const char *target, enum store_mode mode, struct store **out,
                  struct store_err *err);
void store_close(struct store *store);
const struct store_backend *store_ops(const struct store *store);
struct store_conn *store_conn(const struct store *store);

/* ---- the registry (registry.c): immutable snapshots ------------------- */
struct registry;
/* The registry now, held until released: pointers into it stay valid
 * while it is held, whatever is published meanwhile. Thread-safe. */
const struct registry *store_registry_acquire(struct store *store);
void store_registry_release(struct store *store, const struct registry *reg);
/* When the journal holds an import newer than the registry held (another
 * process's `yibao import`, an edit), loads and publishes the registry
 * anew; one indexed read when nothing changed. conn NULL: on one of the
 * store's read connections (thread-safe); else on the caller's (the
 * commit queue's writer, inside its transaction). */
int store_registry_refresh(struct store *store, struct store_conn *conn, struct store_err *err);
/* store_registry_refresh with the generation already read on conn
 * (store_heads_get): loads the registry only when it moved. */
int store_registry_refresh_to(struct store *store, struct store_conn *conn, int64_t gen,
                              struct store_err *err);
/* The journal's end on conn (inside the caller's transaction): the
 * backend's batch_heads, or its three reads one by one. */
int store_heads_get(struct store *store, struct store_conn *conn, struct journal_rec *tail,
                    bool *tail_found, struct store_heads *out, struct store_err *err);
/* Loads the registry on the writer's connection and publishes it (after
 * an import in this process). */
int store_reload_registry(struct store *store, struct store_err *err);

const struct store_institution *registry_institution(const struct registry *r, const char *code);
const struct store_institution *registry_institutions(const struct registry *r, size_t *count);
/* The policy for (region, year, insutype), or NULL: its latest version. */
const struct policy *registry_policy(const struct registry *r, const char *region, int32_t year,
                                     int32_t insutype);
/* The version of (region, year, insutype) in force at `at` (a bill's
 * endtime; policy_version_at), or NULL. */
const struct policy *registry_policy_at(const struct registry *r, const char *region, int32_t year,
                                        int32_t insutype, datetime_s at);
/* Any policy of the region (prefer insutype, then the latest year): used
 * to let the engine name a bill's error when no exact policy applies. */
const struct policy *registry_policy_fallback(const struct registry *r, const char *region,
                                              int32_t insutype);
/* Every policy held (1307 lists their diseases). */
const struct policy *registry_policies(const struct registry *r, size_t *count);
const struct catalog *registry_catalog(const struct registry *r);
/* The rules of the last rules import (docs/RULES.md), or NULL: none. */
struct rule_set;
const struct rule_set *registry_rules(const struct registry *r);
int64_t registry_gen(const struct registry *r);
/* Whether a bindings file was imported by the snapshot's generation: when
 * not, no settlement has holders to read (family sharing unused). */
bool registry_bindings_any(const struct registry *r);
/* registry.c internals for store.c */
int registry_load(const struct store_backend *ops, struct store_conn *conn, struct registry **out,
                  struct store_err *err);
void registry_free(struct registry *r);
void registry_hold(struct registry *r);
int64_t registry_let_go(struct registry *r);
int64_t registry_holders(const struct registry *r);

/* The current registry without holding it: for single-threaded callers
 * (the CLI), where nothing publishes a new one meanwhile. */
const struct store_institution *store_institution_find(const struct store *store, const char *code);
const struct policy *store_policy_find(const struct store *store, const char *region, int32_t year,
                                       int32_t insutype);
const struct policy *store_policy_at(const struct store *store, const char *region, int32_t year,
                                     int32_t insutype, datetime_s at);
const struct policy *store_policy_fallback(const struct store *store, const char *region,
                                           int32_t insutype);
const struct catalog *store_catalog(const struct store *store);
/* The commit queue shows readers the effect of its records after the
 * checkpoint (checkpoint.h); NULL detaches. */
struct pending;
void store_attach_pending(struct store *store, struct pending *pending);

/* Progress of the long operations (an import's rows, a check's journal
 * records and postings): fn is called every STORE_PROGRESS_EVERY of them
 * with the phase ("rows", "journal", "postings"), the count so far and the
 * fraction of the phase done (< 0: unknown). A non-zero return stops the
 * operation: an import rolls back (nothing imported), a check fails
 * (-1); either's err says where it stopped. fn NULL: none. */
#define STORE_PROGRESS_EVERY 4096
typedef int (*store_progress_fn)(void *ctx, const char *phase, int64_t done, double fraction);
void store_set_progress(struct store *store, store_progress_fn fn, void *ctx);
/* For the store's loops: tells fn when done is a multiple of
 * STORE_PROGRESS_EVERY; true when fn asked to stop. */
bool store_progress_stop(struct store *store, const char *phase, int64_t done, double fraction);

/* import.c: KIND persons|institutions|policy|catalog, or an enrolment
 * file employers|episodes|wages|bindings (enrol_rows.h); the whole file in
 * one transaction; errors read "persons.csv:1234: brdy: not a date". */
int store_import(struct store *store, const char *kind, const char *path, int64_t *rows,
                 struct store_err *err);
/* Who changes the registry and why: an import that changes what is
 * registered (an institution already there with other values, a policy
 * of a (region, year, scheme) already there with other rules) needs one;
 * its record keeps both (body by= and why=). Each at most
 * STORE_NOTE_BYTES_MAX bytes of printable text. */
struct store_import_note {
    const char *operator_name;
    const char *reason;
};
/* What a persons import did with rows naming registered persons. */
struct store_import_counts {
    int64_t edited;    /* rows that changed a registered person */
    int64_t unchanged; /* rows the same as the registered person: no change */
};
/* store_import with a note (NULL: none); counts (NULL: not wanted). */
int store_import_as(struct store *store, const char *kind, const char *path,
                    const struct store_import_note *note, int64_t *rows,
                    struct store_import_counts *counts, struct store_err *err);

/* import.c: registered persons rewritten by the application (derived
 * columns: app/benefit.c's benefit_start and flags), as a persons import
 * of the rows changed: one write transaction, one journal record
 * (what=persons file=LABEL ... edits=N by= why= content=) keeping each
 * row before and after, so `check` and `check --deep` read it as any
 * persons edit. Rows equal to the registered ones are left; none
 * changed: no record (*edits 0). A person not registered, or an opening
 * balance changed, refuses all. */
int store_persons_rewrite(struct store *store, const char *label, const struct store_person *rows,
                          size_t n, const struct store_import_note *note, int64_t *edits,
                          struct store_err *err);
/* credential.c: the service's credentials under the chain. Each call is
 * one write transaction that writes the row and appends a journal record
 * of kind import whose body is "what=credentials ... content=<SHA-256 of
 * the svc_credential table after it>" (registry_content_hash, kind
 * "credentials"), which `yibao check` compares with the table. op names
 * the edit in the record ("issue", "rotate", ...: [a-z]+).
 * store_credential_put writes row as given (a new credential, or one
 * replaced whole); store_credential_edit reads paasid's row in the
 * transaction, lets edit change it (never its paasid) and writes it back,
 * with the row after in *after; no such row: -1 with *found false. */
typedef void (*store_credential_edit_fn)(struct store_credential *row, void *ctx);
int store_credential_put(struct store *store, const struct store_credential *row, const char *op,
                         struct store_err *err);
int store_credential_edit(struct store *store, const char *paasid, const char *op,
                          store_credential_edit_fn edit, void *ctx, struct store_credential *after,
                          bool *found, struct store_err *err);

/* ---- requests and the commit queue ---------------------------------- */
enum store_op { STORE_OP_SETTLE = 1, STORE_OP_REVOKE = 2 };

enum store_status {
    STORE_PENDING = 0,
    STORE_DONE,    /* committed (or answered from the journal: replayed) */
    STORE_REFUSED, /* a business refusal: error names the code; nothing changed */
    STORE_FAILED,  /* storage failure: nothing changed; err says why */
};

/* Who and why, for a change an operator makes (an import that changes the
 * registry, a revoke): each at most STORE_NOTE_BYTES_MAX bytes of
 * printable text without '=' (store_note_problem). */
#define STORE_NOTE_BYTES_MAX 200
#define STORE_NOTE_TEXT_BYTES (2 * STORE_NOTE_BYTES_MAX + 3) /* "operator: reason" */
/* What is wrong with a note's text ("is empty" ...), or NULL. */
const char *store_note_problem(const char *text);

/* A settlement's figures as journaled. */
struct store_settlement {
    char region[CODE_BYTES_MAX + 1];
    int32_t insutype;
    int32_t year;
    struct setlinfo setl;
    struct fund_rooms rooms;
    int32_t pool_ratio_bp;
    struct year_state delta;
    /* Step 7b (FUNDS.md §5): the holders' accounts that paid, each with its
     * part (> 0), in the order the bindings were made; Σ pay_fen = setl.acct_mulaid_pay.
     * Journal keys h.<i>=<psn_no>:<fen>; a revoke returns each part. */
    int32_t holder_count;
    struct store_holder_part {
        char psn_no[CODE_BYTES_MAX + 1];
        int64_t pay_fen;
    } holders[SETTLE_HOLDERS_MAX];
    char bill_hash[HASH_HEX_BYTES + 1]; /* SHA-256 of the bill as journaled (bill_blob.c); ""
                                           in records of releases before bills were kept */
    char note[STORE_NOTE_TEXT_BYTES];   /* a revoke's "operator: reason", or "" */
};

#define STORE_REASON_BYTES 160 /* APP_REFUSAL_REASON_BYTES */
struct store_req {
    /* in */
    enum store_op op;
    char msgid[MSGID_BYTES_MAX + 1];  /* empty: one is generated */
    char psn_no[CODE_BYTES_MAX + 1];  /* settle */
    const struct bill *bill;          /* settle; caller-owned until answered */
    int32_t insutype_asked;           /* settle: the scheme asked for (app_settle_request) */
    int64_t setl_id;                  /* revoke */
    char note[STORE_NOTE_TEXT_BYTES]; /* revoke: "operator: reason" the record keeps, or "" */
    struct store_visit_link link;     /* settle: the visit linked in the same commit, or 0 */
    int64_t sim_time_us; /* the journal time to record instead of the clock's (unix us > 0), or
                          * 0: a simulated time, only on a queue that allows it
                          * (commitq_simulated_time: the bench and tests); elsewhere refused */
    /* out */
    enum store_status status;
    const char *error;                     /* "E_BAD_AMOUNT", "E_UNKNOWN_PERSON", ... */
    const char *error_field;               /* the field it names ("det_item_fee_sumamt", "psn_no",
                                       * ...; a static string) or NULL */
    int32_t error_line;                    /* the bill line it names (0-based), or -1 */
    char error_reason[STORE_REASON_BYTES]; /* what is wrong with the field (app_refusal) */
    bool replayed;                         /* the msgid was used before: first answer */
    int64_t seq;                           /* journal seq of this request's record */
    int64_t result_setl_id;                /* settle: seq; revoke: the revoked one */
    struct store_settlement stl;
    bool has_state;
    struct year_state state_after; /* acct_balc = the account after */
    int64_t time_us;               /* journal time of the record (seq) */
    char hash[HASH_HEX_BYTES + 1]; /* the record's chain hash: with seq, the receipt
                                      (`yibao check --expect-head SEQ:HASH`) */
    struct store_err err;
    /* commit queue internals */
    char req_hash_[HASH_HEX_BYTES + 1]; /* of the request, computed at submit */
    unsigned char *bill_data_;          /* settle: the bill encoded at submit (bill_blob.c) */
    size_t bill_len_;
    char bill_hash_[HASH_HEX_BYTES + 1];
    struct store_req *next_;
    int64_t queued_us_; /* lat_now_us() at submit: its wait for the writer (commitq_print_times) */
    int done_;
    void (*on_done_)(void *ctx); /* commitq_submit_async */
    void *on_done_ctx_;
};

/* Starts the writer thread; batch_max in [1, BATCH_MAX]. */
int commitq_start(struct store *store, int batch_max, struct commitq **out, struct store_err *err);
void commitq_stop(struct commitq *q);
/* Queues a request (blocks while the queue is full); thread-safe. */
int commitq_submit(struct commitq *q, struct store_req *req);
/* Queues a request whose answer is signalled by a call on_done(ctx) from
 * the writer thread after its batch committed (or failed): the caller does
 * not block (except while the queue is full) and must not touch req until
 * on_done runs; on_done must be short and must not call the queue. When
 * the queue is stopped, returns -1 with req failed and on_done not called. */
int commitq_submit_async(struct commitq *q, struct store_req *req, void (*on_done)(void *ctx),
                         void *ctx);
/* Waits until the request is answered. */
void commitq_wait(struct commitq *q, struct store_req *req);
/* submit + wait: the blocking call the service uses. */
int commitq_call(struct commitq *q, struct store_req *req);
/* Writes a checkpoint (checkpoint.h) every `records` journal records, in
 * [1, CHECKPOINT_RECORDS_MAX] (the default): fewer means less memory and a
 * shorter catch-up after a kill, more means fewer table writes. Call while
 * no request is in flight. */
void commitq_checkpoint_every(struct commitq *q, int64_t records);
/* Lets the queue's requests carry a simulated journal time (store_req's
 * sim_time_us: a generated city-year's settlements journaled in the months
 * they fall in). For the bench and tests only: the service and the CLI
 * never call it (tests/t_sim_time.sh), so that no hospital's request or
 * operator can date a record. Call before the first request. */
void commitq_simulated_time(struct commitq *q);
/* Counters: batches committed, requests answered. */
void commitq_stats(struct commitq *q, int64_t *batches, int64_t *requests);
/* Where the writer's rounds spend their time (lat_stat.h lines on out):
 * a request's wait for the round that takes it, the round, and in it the
 * guest's work, the settlements, the commit (with its fsync). */
void commitq_print_times(struct commitq *q, FILE *out);

/* A guest: another queue's writes run by the commit queue's writer in its
 * own transactions, so that one connection writes the database. On SQLite
 * the service tables' writes (src/service/svcq.c) are the guest: two
 * writers on one file took turns at its one write lock, each waiting for
 * the other's transaction and fsync. The guest's work of a round runs
 * first in the transaction, before the batch's settlements (as if it had
 * committed just before them), and commits with them, or alone when no
 * settlement is queued. Calls come from the writer thread only. */
struct commitq_guest {
    void *ctx;
    /* Takes the guest's queued work for the next transaction; false when
     * there was none. No lock of the commit queue is held. */
    bool (*take)(void *ctx);
    /* Runs the taken work inside the open transaction: 0, or -1 with why
     * when the transaction is in doubt (then nothing of it commits). */
    int (*run)(void *ctx, char *why, size_t why_size);
    /* After the commit (committed) or the rollback (why): answers the
     * taken work, then may run short transactions of its own. */
    void (*finish)(void *ctx, bool committed, const char *why);
};
/* Makes guest (copied) the queue's guest; call before the first
 * commitq_kick. A stopped queue runs what was kicked before it stopped. */
void commitq_host(struct commitq *q, const struct commitq_guest *guest);
/* The guest has work queued: the writer takes it in its next round. */
void commitq_kick(struct commitq *q);
/* Transactions of the guest's work alone (no settlement), since the start. */
int64_t commitq_guest_rounds(struct commitq *q);
/* SQLite: the WAL checkpoints of the store's writer connection move to a
 * thread of their own (sqlite_ckpt.h), so that no round of the commit
 * queue copies the WAL into the file inside its COMMIT; stop gives them
 * back. The commit queue calls them. Another backend: nothing. */
int store_checkpointer_start(struct store *store, struct store_err *err);
void store_checkpointer_stop(struct store *store);
/* Between the writer's rounds, on its thread, once a round was answered:
 * the work the checkpointer left the writer (SQLite: a pass's finish,
 * sqlite_ckpt.h); nothing on PostgreSQL. */
void store_checkpointer_idle(struct store *store);
/* The SQLite handle (sqlite3 *) of the store's writer connection, for a
 * guest's statements on the writer's thread; NULL on another backend. */
void *store_sqlite_writer(const struct store *store);

/* ---- reads (thread-safe: each takes the store's read lock) ------------ */
/* The registry row and the personal account's balance. */
int store_person_get(struct store *store, const char *psn_no, struct store_person *out,
                     int64_t *acct_balc_fen, bool *found, struct store_err *err);
/* The registry row only (one read: no journal effect). */
/* The journal record committed under msgid (the store's: CODE:MSGID). */
int store_journal_by_msgid(struct store *store, const char *msgid, struct journal_rec *rec,
                           bool *found, struct store_err *err);
/* The journal records committed under msgids[0..n) (n at most BATCH_MAX),
 * found[i] saying whether msgids[i] is there, read in one snapshot: first
 * among the n records from near_seq on (one read in seq order: cheap when
 * the msgids are those of records written in that order, as a file's
 * bills are; near_seq 0: none), then the rest by msgid (one statement a
 * msgid on SQLite, one round trip on PostgreSQL). */
int store_journal_by_msgids(struct store *store, int64_t near_seq, const char *const *msgids,
                            size_t n, struct journal_rec *recs, bool *found, struct store_err *err);
/* Answers without the commit queue those of the settle requests
 * reqs[0..n) (n at most BATCH_MAX, each with its msgid) that are replays:
 * whose msgid the journal holds for a settlement of the same request (the
 * same canonical request hash). Each is answered as the commit queue
 * answers a replay (STORE_DONE, replayed, the first settlement's seq, time,
 * hash and figures) and answered[i] set; the others are left as they were,
 * for commitq_submit to answer (a msgid not there, or there for another
 * request, or settled meanwhile). *near_seq: where to look first
 * (store_journal_by_msgids; 0: nowhere), moved past the records answered
 * from. recs is scratch of n records. Returns how many were answered, or
 * -1 (nothing answered). Thread-safe. */
int store_replay_settled(struct store *store, struct store_req *const *reqs, size_t n,
                         int64_t *near_seq, struct journal_rec *recs, bool *answered,
                         struct store_err *err);
/* The bill settlement setl_id was settled from, as the journal keeps it
 * (lines into lines[0..lines_max)); *found false for a record of a release
 * before bills were kept. */
int store_settlement_bill(struct store *store, int64_t setl_id, struct bill *bill,
                          struct bill_line *lines, int32_t lines_max, bool *found,
                          struct store_err *err);
/* The bills of the settlements in [from_seq, to_seq] for which wanted(ctx,
 * seq) is true, to cb (the bill and its lines valid during the call; a
 * non-zero return stops the read and is returned), in seq order, in one
 * read: the supervision scan (app/scan.c). */
typedef bool (*store_bill_wanted)(void *ctx, int64_t setl_id);
typedef int (*store_bill_cb)(void *ctx, int64_t setl_id, const struct bill *bill);
int store_settlement_bills(struct store *store, int64_t from_seq, int64_t to_seq,
                           store_bill_wanted wanted, store_bill_cb cb, void *ctx,
                           struct store_err *err);
/* The insured persons (their psn_no, at most max) with ID number certno:
 * usually one; more when a person is enrolled twice (duplicate enrolment). */
int store_person_by_certno(struct store *store, const char *certno,
                           char (*psn_nos)[CODE_BYTES_MAX + 1], size_t max, size_t *n,
                           struct store_err *err);
/* The registry row alone. The readers keep the last
 * STORE_PERSON_CACHE_SLOTS found (store_person_get and store_person_find
 * answer from them without a read); a person not found is read again every
 * time, as an import may add them. A person edit is an import: the slots
 * are emptied when the registry of a newer import is published
 * (store_registry_refresh), so the row is read afresh after it. */
int store_person_find(struct store *store, const char *psn_no, struct store_person *out,
                      bool *found, struct store_err *err);
/* Reads answered by the persons kept, since the store opened (tests). */
int64_t store_person_cache_hits(struct store *store);
/* The persons whose flags carry any bit of mask (enum person_flag), in
 * psn_no order, to cb (a non-zero return stops the scan and is returned),
 * on the writer's connection: the backend's persons_flagged, or a
 * persons_scan filtered here. */
int store_persons_flagged(struct store *store, uint32_t mask, person_cb cb, void *ctx,
                          struct store_err *err);
/* The registry rows of psn_nos[0..n) (n at most BATCH_MAX) in one read
 * on a reader connection (found[i]: psn_nos[i] is registered), without
 * the kept rows: a run's batch of persons read beside the writer's
 * commit (app/contribute.c). */
int store_persons_read(struct store *store, const char *const *psn_nos, size_t n,
                       struct store_person *out, bool *found, struct store_err *err);
/* The enrolment rows of kind naming who (enrol_scan), read on a reader
 * connection: safe beside other threads, as the committed reads above. */
int store_enrol_rows_of(struct store *store, enum enrol_kind kind, const char *who, enrol_cb cb,
                        void *ctx, struct store_err *err);
int store_state_get(struct store *store, const char *psn_no, int32_t year, struct year_state *out,
                    struct store_err *err); /* zero year if none; with the balance */
int store_settlement_get(struct store *store, int64_t setl_id, struct journal_rec *rec,
                         struct store_settlement *stl, bool *revoked, bool *found,
                         struct store_err *err);
int store_totals(struct store *store, const char *fixmedins_code, int64_t from_us, int64_t to_us,
                 int64_t *count, int64_t *fund_sum_fen, struct store_err *err);
/* The journal records with time_us in [from_us, to_us), in seq order,
 * through cb (a non-zero return stops the scan), read on conn (a
 * connection of the caller's). Only the period is read, not the journal:
 * between two time breaks (below) record times follow seq, so in each
 * such run the start is found by binary search, from STORE_CLOCK_SLACK_US
 * before from_us, and the scan stops at the first record
 * STORE_CLOCK_SLACK_US after to_us or at the run's end; the slack covers a
 * clock that stepped back between two batches. */
#define STORE_CLOCK_SLACK_US (600LL * 1000000LL)
/* A journal whose time went back further than the slack (a simulated
 * time: commitq_simulated_time; a clock stepped back) has a time break
 * there (journal_breaks): the period read searches each run of records
 * between two breaks on its own. With more breaks than this it reads the
 * whole journal instead. */
#define STORE_JOURNAL_BREAKS_MAX 1024
int store_journal_period(struct store *store, struct store_conn *conn, int64_t from_us,
                         int64_t to_us, journal_cb cb, void *ctx, struct store_err *err);

/* ---- agreement_import.c: a yibao-payment/1 file (import kind "payment") -- */
/* Checks the file against the registry and upserts its row; *rows = its
 * institutions. Inside the import's transaction (import.c). */
int agreement_import(struct store *store, const char *path, const char *base,
                     const struct store_import_note *note, int64_t *rows, struct store_err *err);
/* What the registry says against agreement a (an institution not
 * registered, in another region, a DIP institution whose level has no
 * coefficient), as "key.path: what" in why, or NULL. */
struct agreement;
const char *store_agreement_problem(struct store *store, const struct agreement *a, char *why,
                                    size_t size);

/* ---- policy_backdate.c: what a new policy version would reach back over -- */
struct store_backdate {
    int64_t count; /* settlements of its key ending on or after valid_from, not revoked */
    datetime_s latest_endtime; /* the latest of their endtimes (count > 0) */
    int64_t latest_setl_id;    /* the settlement that ends then */
};
/* The settlements of the version's region, year and scheme whose bill ends
 * on or after its valid_from and that no revoke undid. 0, or -1 with err. */
int store_policy_backdated(struct store *store, const struct policy *version,
                           struct store_backdate *out, struct store_err *err);

/* ---- views.c: the operator's look-ups ---------------------------------- */
#define STORE_VIEW_ACCOUNTS_MAX 4096 /* accounts one view lists (a prefix's: funds, not persons) */
/* The accounts whose name starts with prefix ("F:" every fund, "F:hifp:"
 * ...), in name order, each with its balance now: the balances table (a
 * checkpoint) plus every posting after it, read in one snapshot. */
int store_accounts_now(struct store *store, const char *prefix, account_cb cb, void *ctx,
                       struct store_err *err);
/* store_accounts_now inside the caller's snapshot (ops->snapshot_begin,
 * ended by the caller's rollback), so that they are read with the
 * caller's other reads in one state: snapshots do not nest. */
int store_accounts_in_snapshot(struct store *store, const char *prefix, account_cb cb, void *ctx,
                               struct store_err *err);
/* Every piece of every account's balance now, in one snapshot: each
 * account's balance at the checkpoint (balances table, account order),
 * then each posting after it as (debit, +amount) and (credit, -amount).
 * An account's balance is the sum of its pieces; all pieces sum to 0. A
 * non-zero return of cb stops the walk (returned). -1 with err. */
int store_ledger_walk(struct store *store, account_cb cb, void *ctx, struct store_err *err);
/* The records of the kinds in kinds from from_seq (journal_brief_scan),
 * on the store's own connection: 0 when the scan ended or cb stopped it (>
 * 0), -1 with err on a read error or cb's (< 0). */
int store_journal_brief(struct store *store, int64_t from_seq, uint32_t kinds, uint32_t body_kinds,
                        journal_brief_cb cb, void *ctx, struct store_err *err);
/* The journal records seq in [from_seq, to_seq], in order, through cb (a
 * positive return stops the walk: 0; a negative one is the caller's error,
 * in err: -1), on the store's own connection. -1 with err. */
int store_journal_range(struct store *store, int64_t from_seq, int64_t to_seq, journal_cb cb,
                        void *ctx, struct store_err *err);

/* ---- journal.c -------------------------------------------------------- */
void journal_hash(const struct journal_rec *rec, char out[HASH_HEX_BYTES + 1]);
void sha256_hex(const void *data, size_t len, char out[HASH_HEX_BYTES + 1]);
int settlement_encode(const struct store_settlement *stl, char *body, size_t size);
int settlement_decode(const char *body, struct store_settlement *out, const char **bad_key);
/* The first figure (journal key, in body order) where two settlements
 * differ, with both values, or NULL when every figure is equal (the bill
 * hash aside). Region: *va = *vb = 0. */
const char *settlement_diff(const struct store_settlement *a, const struct store_settlement *b,
                            int64_t *va, int64_t *vb);
/* SHA-256 of a bill in a canonical form (independent of JSON spacing). */
void bill_request_hash(const char *psn_no, const struct bill *bill, int32_t insutype_asked,
                       char out[HASH_HEX_BYTES + 1]);
void revoke_request_hash(int64_t setl_id, char out[HASH_HEX_BYTES + 1]);
int64_t store_now_us(void);
const char *journal_kind_name(enum journal_kind kind);
/* Inside a write transaction: rec made the next import record at the
 * journal's tail (seq, prev_hash, kind, time, a fresh msgid
 * "<prefix>-<seq>-<random>"); the caller fills req_hash and body, hashes
 * and appends it. */
int journal_import_begin(const struct store_backend *ops, struct store_conn *conn,
                         const char *msgid_prefix, struct journal_rec *rec, struct store_err *err);

/* ---- bill_blob.c: a bill as the journal keeps it ------------------------ */
/* A compact binary form of every field the engine reads (strings with
 * their length, integers as zigzag varints). 0 with *out malloc'd, or -1
 * (out of memory). */
int bill_blob_encode(const struct bill *bill, unsigned char **out, size_t *len);
/* Decodes into bill, whose lines go to lines[0..lines_max); 0, or -1 when
 * the bytes are not a bill. */
int bill_blob_decode(const unsigned char *data, size_t len, struct bill *bill,
                     struct bill_line *lines, int32_t lines_max);
/* The content hash of a registry table (KIND persons, institutions,
 * policy, catalog) or of the service's credentials (KIND credentials):
 * SHA-256 of its rows in key order (registry_hash.c). */
int registry_content_hash(const struct store_backend *ops, struct store_conn *conn,
                          const char *kind, char out[HASH_HEX_BYTES + 1], struct store_err *err);

/* ---- ledger.c --------------------------------------------------------- */
void account_fund(char *out, const char *fund, const char *region, int32_t year);
void account_person(char *out, const char *psn_no);
void account_institution(char *out, const char *code);
void account_opening(char *out, const char *region);
/* The postings of a settlement (reverse: for its revoke); returns count. */
int ledger_postings(const struct journal_rec *rec, const struct store_settlement *stl, bool reverse,
                    struct posting out[POSTINGS_PER_RECORD_MAX]);
/* The lowest balance an account may hold (INT64_MIN: none). */
int64_t account_floor_fen(const char *account);
/* The local month (year * 12 + month - 1, the process's time zone) of a
 * record's time: the business month of the postings of every kind but
 * contributions and transfers (struct posting, month). */
int32_t postings_month_local(int64_t time_us);
/* Sets month on the count postings at out. */
void postings_month_set(struct posting *out, int count, int32_t month);
/* Contributions' accounts (docs/CONTRIBUTIONS.md): R:emp:<emp_no> an
 * employer's receivable, R:psn:<psn_no> a person's own premium
 * receivable, R:fin:<region>:<year> public finance's subsidy receivable. */
void account_employer(char *out, const char *emp_no);
void account_due(char *out, const char *psn_no);
void account_finance(char *out, const char *region, int32_t year);
/* C:<region>:<year>: the residents' premiums of the region and year
 * collected in cash (tax bureau, bank): pays R:psn:<psn_no>. */
void account_collection(char *out, const char *region, int32_t year);
/* C:<payer>:<region>:<year> (payer "emp", "psn" or "fin"): what the tax
 * bureau collected from employers, from flexible workers for their own
 * months, and what public finance paid of its subsidy, for the region
 * and year (app/collect.h, docs/CONTRIBUTIONS.md "Collections"): pays
 * R:emp:<emp_no>, R:psn:<psn_no>, R:fin:<region>:<year>. */
void account_collected(char *out, const char *payer, const char *region, int32_t year);

/* ---- contrib_rec.c: contribution records (issue 16 item 2; docs/CONTRIBUTIONS.md) ---- */
#define CONTRIB_CATEGORY_BYTES_MAX 15 /* "in_service", "student", ... */
/* One person's contribution for one period as journaled: the inputs the
 * figures were computed from (so that `check --deep` computes them again)
 * and the figures (FUNDS.md §2 for scheme 310, §3 for 390). */
struct store_contrib {
    int32_t insutype; /* 310: an employee month; 390: a resident year */
    int32_t year;
    int32_t month; /* 1..12 (310); 0 (390) */
    char region[CODE_BYTES_MAX + 1];
    char category[CONTRIB_CATEGORY_BYTES_MAX + 1];
    char emp_no[CODE_BYTES_MAX + 1]; /* in service: the employer; else "" */
    uint32_t flags;                  /* enum person_flag bits (390) */
    bool struggling;                 /* the employer's (310 in service) */
    int64_t wage_fen;                /* declared wage (310 in service) */
    int32_t share_bp;                /* chosen base share (310 flexible) */
    /* 310 figures (contrib.h struct employee_month) */
    int64_t base_fen, employer_fen, employee_fen, account_fen, pool_fen, over_cap_fen;
    /* 390 figures (contrib.h struct resident_year; pool_fen above) */
    int64_t premium_fen, assisted_fen, own_fen, subsidy_fen, catastrophic_fen;
    /* category "lump_sum" (310, FUNDS.md §4): a retiree's lump sum for the
     * months short, base_fen the price of one month, employee_fen =
     * pool_fen = base_fen * lump_months (body key months=, last) */
    int32_t lump_months;
    /* category "premium_paid" (390, `yibao pay-premium`): a resident's own
     * premium of the year collected, own_fen paid (premium_fen and
     * assisted_fen as the year's record; subsidy, catastrophic and pool
     * 0), on paid_date (body key paid=), from the holder's personal
     * account payer_psn_no (FUNDS.md §5) or, "" (from=-), collected in
     * cash: posted payer -> R:psn:<psn_no>. Keys paid= and from=, last. */
    char paid_date[11]; /* YYYY-MM-DD */
    char payer_psn_no[CODE_BYTES_MAX + 1];
    /* category "collected" (app/collect.h): a payment collected against a
     * receivable, amount_fen (> 0) of owed_fen (what the receivable's
     * period owed when it was paid, >= amount_fen) on paid_date: scheme
     * 310 an employer's month (emp_no) or, emp_no "", a flexible worker's
     * own month (the record's psn_no); scheme 390 public finance's subsidy
     * of the region and year. Its other figures are 0. Body keys amount=,
     * owed=, paid= after category= (310: emp= first). */
    int64_t amount_fen, owed_fen;
};
#define CONTRIB_LUMP_SUM "lump_sum"         /* the category of a lump-sum record */
#define CONTRIB_PREMIUM_PAID "premium_paid" /* the category of a premium payment */
#define CONTRIB_COLLECTED "collected"       /* the category of a collection (app/collect.h) */
#define CONTRIB_POSTINGS_MAX 4 /* a record's postings (resident: own, assisted, subsidy, share) */
/* "contrib/310/2020-03/<psn_no>", "contrib/390/2020/<psn_no>": the
 * record's msgid, unique in the journal, so a period is posted once per
 * person. -1 when it does not fit MSGID_BYTES_MAX. */
int contrib_msgid(char out[MSGID_BYTES_MAX + 1], const char *psn_no, const struct store_contrib *c);
/* The body "scheme=310 period=2020-03 region=... ..." (every key always,
 * in one order); 0, or -1 when it does not fit or a code holds a space
 * or '='. */
int contrib_encode(const struct store_contrib *c, char *body, size_t size);
/* 0, or -1 with *bad_key at the first key that is missing or wrong. */
int contrib_decode(const char *body, struct store_contrib *out, const char **bad_key);
/* The identity a record's figures break (FUNDS.md §2, §3), or NULL. */
const char *contrib_identity_error(const struct store_contrib *c);
/* ledger.c: the postings of a contribution record (its psn_no and seq);
 * returns count (0..CONTRIB_POSTINGS_MAX). */
int contrib_postings(const struct journal_rec *rec, const struct store_contrib *c,
                     struct posting out[CONTRIB_POSTINGS_MAX]);
/* A person's contribution to commit (store_contrib_commit). */
struct store_contrib_item {
    char psn_no[CODE_BYTES_MAX + 1];
    char msgid[MSGID_BYTES_MAX + 1]; /* contrib_msgid */
    struct store_contrib c;
    /* A collection: the journal's last seq when c.owed_fen was read (the
     * period's charges less what was collected up to it); what other
     * writers collected for the same receivable and period after it is
     * taken from owed inside the commit. 0 for other items. */
    int64_t read_seq;
};
/* One write transaction: each item whose msgid the journal does not hold
 * yet becomes a JOURNAL_CONTRIB record with its postings (posted[i] true);
 * the others are left (posted[i] false: posted before). The tables are
 * caught up first and the checkpoint moved to the last record, as an
 * import does. n at most BATCH_MAX. 0, or -1 with err (nothing
 * written), or 2 with err (nothing written): a premium paid from a
 * holder's account that its balance, read in this transaction, does not
 * cover (E_ACCOUNT_SHORT); a collection its receivable, or its period
 * (after read_seq), no longer owes ("amount: R:..."). */
#define CONTRIB_COMMIT_MAX BATCH_MAX
/* A commit's scratch for up to n items (about 30 KiB an item), made once
 * per run: NULL when out of memory. */
struct contrib_batch;
struct contrib_batch *store_contrib_batch_new(size_t n);
void store_contrib_batch_free(struct contrib_batch *b);
int store_contrib_commit(struct store *store, struct contrib_batch *b,
                         const struct store_contrib_item *items, size_t n, bool *posted,
                         struct store_err *err);
/* The enrolment rows of kind (every row: who NULL), in key order, on the
 * store's connection (enrol_scan). */
int store_enrol_scan(struct store *store, enum enrol_kind kind, const char *who, enrol_cb cb,
                     void *ctx, struct store_err *err);

/* ---- pay_rec.c: monthly payment records (issue 17 item 3; docs/PAYMENT.md) ---- */
#define PAY_PARTS_MAX 4        /* policy years of one institution's settlements in one month */
#define PAY_RUN_RECORDS_MAX 64 /* records of one (institution, month): the first and catch-ups */
/* What one record pays an institution for a month (FUNDS.md §7): per
 * policy year of the settlements its payable and the withheld deposit
 * (into that year's deposit account), and the sums. The month's first
 * record pays the month as journaled when it ran; a later run that finds
 * records of the month not yet paid (settled or revoked after the first
 * run, while the month was still open) posts a catch-up record of the
 * difference. */
struct store_pay {
    char code[CODE_BYTES_MAX + 1]; /* fixmedins_code */
    int32_t year, month;           /* the month paid (journal time, local) */
    int32_t part_count;            /* 1..PAY_PARTS_MAX */
    struct store_pay_part {
        int32_t year;         /* the settlements' policy year */
        int64_t payable_fen;  /* settled less revoked (may be negative) */
        int64_t withhold_fen; /* the deposit withheld: the month's mul(payable, rate) when its
                                  payable > 0, else 0, less what earlier records withheld */
    } parts[PAY_PARTS_MAX];
    int64_t payable_fen, withhold_fen, paid_fen; /* sums; paid = payable - withhold */
};
#define PAY_POSTINGS_MAX (PAY_PARTS_MAX + 1) /* each part's deposit, the bank */
/* "pay/<code>/YYYY-MM" (n 1) or "pay/<code>/YYYY-MM/<n>" (n >= 2, a
 * catch-up); -1 when it does not fit MSGID_BYTES_MAX. */
int pay_msgid(char out[MSGID_BYTES_MAX + 1], const char *code, int32_t year, int32_t month,
              int32_t n);
/* The body "month=YYYY-MM inst=CODE payable=.. withhold=.. paid=.. parts=N
 * p.0=YEAR:PAYABLE:WITHHOLD ..."; 0, or -1 when it does not fit or the
 * code holds a space or '='. */
int pay_encode(const struct store_pay *p, char *body, size_t size);
/* 0, or -1 with *bad_key at the first key missing or wrong ("figures":
 * the sums break pay_identity_error). */
int pay_decode(const char *body, struct store_pay *out, const char **bad_key);
/* The identity the figures break, or NULL. */
const char *pay_identity_error(const struct store_pay *p);
/* B:<code> the institution's bank account (what it was paid), D:<code>:<year>
 * the deposit withheld from it for the policy year. */
void account_bank(char *out, const char *code);
void account_deposit(char *out, const char *code, int32_t year);
/* ledger.c: a payment record's postings: per part with a withhold,
 * I:<code> -> D:<code>:<year> (a negative one the other way); then paid > 0 I:<code> -> B:<code>, paid < 0
 * B:<code> -> I:<code>. Returns count (0..PAY_POSTINGS_MAX). */
int pay_postings(const struct journal_rec *rec, const struct store_pay *p,
                 struct posting out[PAY_POSTINGS_MAX]);
/* An institution's year-end settlement (FUNDS.md §6, §7): its method's
 * adjustment to the basic pooled fund's payments of the policy year and
 * the release of the year's deposit, less sanctions (none until
 * supervision exists: 0). */
struct store_year_end {
    char code[CODE_BYTES_MAX + 1];   /* fixmedins_code */
    char region[CODE_BYTES_MAX + 1]; /* the agreement's: the fund F:hifp:<region>:<year> */
    int32_t year;
    char method[CODE_BYTES_MAX + 1]; /* pay_method_name */
    int64_t f_fen;                   /* F: hifp_pay of its settlements of the year, not revoked */
    int64_t quota_fen;               /* §6b's part of the adjustment */
    int64_t adjustment_fen;          /* the whole adjustment (quota part included) */
    int64_t deposit_fen, sanctions_fen, released_fen; /* released = max(0, deposit - sanctions) */
    int64_t paid_fen;                                 /* adjustment + released */
};
#define YEAR_END_POSTINGS_MAX 2 /* the adjustment, the release */
/* "year-end/<code>/<year>"; -1 when it does not fit. */
int year_end_msgid(char out[MSGID_BYTES_MAX + 1], const char *code, int32_t year);
int year_end_encode(const struct store_year_end *y, char *body, size_t size);
int year_end_decode(const char *body, struct store_year_end *out, const char **bad_key);
const char *year_end_identity_error(const struct store_year_end *y);
/* ledger.c: adjustment > 0 F:hifp:<region>:<year> -> B:<code> (< 0 the
 * other way); released > 0 D:<code>:<year> -> B:<code>. */
int year_end_postings(const struct journal_rec *rec, const struct store_year_end *y,
                      struct posting out[YEAR_END_POSTINGS_MAX]);
struct store_pay_item {
    char msgid[MSGID_BYTES_MAX + 1]; /* pay_msgid or year_end_msgid */
    enum journal_kind kind;          /* JOURNAL_PAY (p) or JOURNAL_YEAR_END (y) */
    struct store_pay p;
    struct store_year_end y;
};
/* One write transaction, as store_contrib_commit: each item whose msgid
 * the journal does not hold becomes a record of its kind with its
 * postings (posted[i] true), the others are left. n at most BATCH_MAX. */
int store_pay_commit(struct store *store, const struct store_pay_item *items, size_t n,
                     bool *posted, struct store_err *err);
/* An account's balance a run read and relies on. */
struct store_balance_expect {
    char account[ACCOUNT_BYTES_MAX + 1];
    int64_t balance_fen; /* 0 for an account without a posting */
};
/* The settlements a run read: every settlement and revoke of the policy
 * year in the journal up to read_seq (the last record its snapshot saw). */
struct store_journal_watch {
    int64_t read_seq; /* >= 0 */
    int32_t year;     /* the policy year */
};
/* store_pay_commit, but refused (2, err naming the account, nothing of
 * the batch written) unless every expect[i]'s balance, read inside the
 * write transaction, is still its balance_fen: the year-end's check that
 * no case deducted from a deposit (and no payment run withheld into one)
 * since it read them; and, with watch (may be NULL), refused (2, err
 * naming the record) when a settlement or a revoke of watch->year was
 * journaled after watch->read_seq: the year-end's check that its F is
 * every settlement of the year there is when it posts. 0, 2, or -1
 * storage. */
int store_pay_commit_checked(struct store *store, const struct store_pay_item *items, size_t n,
                             const struct store_balance_expect *expect, size_t expect_n,
                             const struct store_journal_watch *watch, bool *posted,
                             struct store_err *err);

/* ---- transfer_rec.c: transfers between regions (issue 16 item 5;
 * docs/ENROLMENT.md "Transfers between regions") ---- */
struct store_transfer {
    char psn_no[CODE_BYTES_MAX + 1];
    char from_region[CODE_BYTES_MAX + 1], to_region[CODE_BYTES_MAX + 1];
    int32_t year, month; /* the month it takes effect */
    bool from_here;      /* the from region's books are in this store: it pays out */
    bool to_here;        /* the to region's books are in this store: it takes in */
    int64_t amount_fen;  /* the balance moved, >= 0 (from_here: the account's, read at commit) */
    int32_t months;      /* contribution months carried (FUNDS.md §4: total, not local) */
};
#define TRANSFER_POSTINGS_MAX 2 /* paid out, taken in */
/* "transfer/310/<psn_no>/<from>-<to>/YYYY-MM"; -1 when it does not fit. */
int transfer_msgid(char out[MSGID_BYTES_MAX + 1], const struct store_transfer *t);
/* T:<region>:<year>: the region's personal-account transfers (chart.h). */
void account_transfer(char *out, const char *region, int32_t year);
/* The body "scheme=310 psn=.. from=.. to=.. month=YYYY-MM from_here=0|1
 * to_here=0|1 amount=FEN months=N"; 0, or -1 when a code cannot be held. */
int transfer_encode(const struct store_transfer *t, char *body, size_t size);
/* 0, or -1 with *bad_key at the first key missing or wrong ("figures":
 * transfer_identity_error; "body": not the one spelling encode writes). */
int transfer_decode(const char *body, struct store_transfer *out, const char **bad_key);
const char *transfer_identity_error(const struct store_transfer *t);
/* from_here: P:<psn_no> -> T:<from>:<year>; to_here: T:<to>:<year> ->
 * P:<psn_no>; none when the amount is 0. Returns count. */
int transfer_postings(const struct journal_rec *rec, const struct store_transfer *t,
                      struct posting out[TRANSFER_POSTINGS_MAX]);
/* One write transaction: the tables caught up, then the transfer's record
 * (t->amount_fen set to P:<psn_no>'s balance when from_here) with its
 * postings, *posted true and *rec the record; or the journal holds its
 * msgid already: nothing written, *posted false, *rec that record. 0, or
 * -1 with err (nothing written). */
int store_transfer_commit(struct store *store, struct store_transfer *t, bool *posted,
                          struct journal_rec *rec, struct store_err *err);

/* ---- case_rec.c: supervision cases (issue 18 item 5; docs/SUPERVISION.md) -- */
/* A case's steps, in the only order they may come (CASE_GRANT: a role
 * granted to an operator, no case). */
enum case_step {
    CASE_GRANT = 0,
    CASE_OPEN,
    CASE_REVIEW1,
    CASE_REVIEW2,
    CASE_DECISION,
    CASE_APPEAL,
    CASE_STEP_COUNT
};
enum case_sanction {
    SANCTION_NONE = 0, /* dismissed */
    SANCTION_RECOVER,  /* an amount recovered from the institution's payable */
    SANCTION_DEDUCT,   /* an amount deducted from its deposit held for the year */
    SANCTION_SUSPEND,  /* designation suspended until a date */
    SANCTION_REVOKE,   /* designation revoked */
    SANCTION_COUNT
};
#define CASE_ID_BYTES_MAX 15                /* "C" and 12 hex digits */
#define CASE_NAME_BYTES_MAX 32              /* an operator's name: letters, digits, . _ - */
#define CASE_KIND_BYTES_MAX 31              /* a finding's kind */
#define CASE_WHY_BYTES_MAX 200              /* why, as given (percent-encoded in the body) */
#define CASE_EVIDENCE_BYTES_MAX (64 * 1024) /* evidence text, kept as journal data */
#define CASE_POSTINGS_MAX 1
struct store_case {
    /* grant: the operator granted the role; else the case */
    char id[CASE_NAME_BYTES_MAX + 1];
    enum case_step step;
    char by[CASE_NAME_BYTES_MAX + 1];   /* the operator who recorded the step */
    char role[16];                      /* "reviewer", "decider": granted or acted in */
    char inst[CODE_BYTES_MAX + 1];      /* the institution (all but grant) */
    char region[CODE_BYTES_MAX + 1];    /* its region: the fund pool recovered to */
    int32_t year;                       /* the policy year concerned */
    char kind[CASE_KIND_BYTES_MAX + 1]; /* open: the finding's kind */
    int64_t amount_fen;          /* open: at stake; decision, appeal: the sanction's amount */
    enum case_sanction sanction; /* decision; appeal: the decision's */
    datetime_s until;            /* suspend: the last day (its 00:00:00) */
    bool lifted;                 /* appeal: the decision lifted (else upheld) */
    char evidence_hash[HASH_HEX_BYTES + 1]; /* open: SHA-256 of the evidence kept */
    char why[CASE_WHY_BYTES_MAX + 1];
};
const char *case_step_name(enum case_step step);
const char *case_sanction_name(enum case_sanction s);
/* "case/<id>/<step>" or "case-role/<operator>/<role>"; -1 when it does not fit. */
int case_msgid(char out[MSGID_BYTES_MAX + 1], const struct store_case *c);
int case_encode(const struct store_case *c, char *body, size_t size);
int case_decode(const char *body, struct store_case *out, const char **bad_key);
/* recover: F:hifp:<region>:<year> <- I:<inst>; deduct: <- D:<inst>:<year>;
 * an appeal that lifts one of them: the other way. */
int case_postings(const struct journal_rec *rec, const struct store_case *c,
                  struct posting out[CASE_POSTINGS_MAX]);
/* Decides, inside the commit's write transaction, on what the journal
 * holds under the msgids asked (recs[i] when found[i]): 0 fills *step
 * (and *evidence: its bytes, NULL for none) to be written under msgids[0],
 * 1 writes nothing (the caller's ctx says why), -1 an error. */
typedef int (*case_decide_fn)(void *ctx, const struct journal_rec *recs, const bool *found,
                              struct store_case *step, const char **evidence, size_t *evidence_len);
/* One write transaction: reads msgids[0..n) (n at most 8), asks decide,
 * writes the step's record with its postings and evidence. 0 written
 * (*written the record), 1 not, -1 error (nothing written). */
int store_case_commit(struct store *store, const char *const *msgids, size_t n,
                      case_decide_fn decide, void *ctx, struct journal_rec *written,
                      struct store_err *err);
/* The evidence a case's open record keeps (its seq): *text malloc'd. */
int store_case_evidence(struct store *store, int64_t seq, char **text, size_t *len,
                        struct store_err *err);

/* ---- check.c ---------------------------------------------------------- */
/* Verifies chain, ledger, states and floors; returns 0 when all hold,
 * 1 with err naming the first fault, -1 on a storage error. */
int store_check(struct store *store, int64_t *records, struct store_err *err);
/* store_check with the head it saw and, when expect_seq > 0, the receipt it
 * must hold: record expect_seq with hash expect_hash (a later head is fine;
 * missing or different is a fault, 1). */
struct store_check_opts {
    int64_t expect_seq;
    char expect_hash[HASH_HEX_BYTES + 1];
};
struct store_check_out {
    int64_t records;
    int64_t head_seq; /* 0: empty journal */
    char head_hash[HASH_HEX_BYTES + 1];
};
int store_check_ex(struct store *store, const struct store_check_opts *opts,
                   struct store_check_out *out, struct store_err *err);

void store_errf(struct store_err *err, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

#endif
