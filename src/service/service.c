/* service.c: the request path without HTTP: opening the service (store,
 * commit queue, service tables), the worker scratch pool, and
 * service_handle(): body limits, JSON, the envelope, the gateway checks,
 * the transaction table, the sign-in check (signin.c), replayable answers,
 * and the response envelope. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "app/refusal.h"
#include "store/lat_stat.h"
#include "store/sqlite_ckpt.h"
#include "store/sqlite_conn.h"
#include "service/svc.h"

/* The transactions: who may call each, what it reads and writes. A
 * replayable write keeps its answer by msgid in the service tables;
 * settlements and revokes are idempotent in the store's journal instead. */
static const struct svc_txn txns[] = {
    {.infno = "9001",
     .run = txn_signin,
     .institutions = SVC_FOR_ANY,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "9002",
     .run = txn_signout,
     .institutions = SVC_FOR_ANY,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "1101",
     .run = txn_person,
     .institutions = SVC_FOR_ANY,
     .writes = false,
     .designation = SVC_DESIGNATION_NOW,
     .reads_person = true},
    {.infno = "2001", /* may the person be treated now (before a visit) */
     .run = txn_benefit_check,
     .institutions = SVC_FOR_ANY,
     .writes = false,
     .designation = SVC_DESIGNATION_NOW,
     .reads_person = true},
    {.infno = "2601", /* reversal of a settlement whose answer was lost */
     .run = txn_reverse,
     .institutions = SVC_FOR_ANY,
     .writes = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "5206",
     .run = txn_cumulative,
     .institutions = SVC_FOR_ANY,
     .writes = false,
     .designation = SVC_DESIGNATION_NOW,
     .reads_person = true},
    {.infno = "5203",
     .run = txn_setl_query,
     .institutions = SVC_FOR_ANY,
     .writes = false,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "3201",
     .run = txn_reconcile,
     .institutions = SVC_FOR_ANY,
     .writes = false,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "3202", /* detail reconciliation: totals, and the detail as a file (9102) */
     .run = txn_detail_reconcile,
     .institutions = SVC_FOR_ANY,
     .writes = false,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "1301", /* catalog downloads: a file query number for 9102 */
     .run = txn_catalog_file,
     .institutions = SVC_FOR_ANY,
     .writes = false,
     .designation = SVC_DESIGNATION_NONE,
     .list = SVC_LIST_DRUGS},
    {.infno = "1305",
     .run = txn_catalog_file,
     .institutions = SVC_FOR_ANY,
     .writes = false,
     .designation = SVC_DESIGNATION_NONE,
     .list = SVC_LIST_SERVICES},
    {.infno = "1306",
     .run = txn_catalog_file,
     .institutions = SVC_FOR_ANY,
     .writes = false,
     .designation = SVC_DESIGNATION_NONE,
     .list = SVC_LIST_MATERIALS},
    {.infno = "1307",
     .run = txn_catalog_file,
     .institutions = SVC_FOR_ANY,
     .writes = false,
     .designation = SVC_DESIGNATION_NONE,
     .list = SVC_LIST_DIAGNOSES},
    {.infno = "1312", /* catalog queries, paged */
     .run = txn_catalog_page,
     .institutions = SVC_FOR_ANY,
     .writes = false,
     .designation = SVC_DESIGNATION_NONE,
     .list = SVC_LIST_ITEMS},
    {.infno = "1318",
     .run = txn_catalog_page,
     .institutions = SVC_FOR_ANY,
     .writes = false,
     .designation = SVC_DESIGNATION_NONE,
     .list = SVC_LIST_CAPS},
    {.infno = "1319",
     .run = txn_catalog_page,
     .institutions = SVC_FOR_ANY,
     .writes = false,
     .designation = SVC_DESIGNATION_NONE,
     .list = SVC_LIST_SELFPAY},
    {.infno = "3101", /* rules before and during a visit (txn_rules.c, docs/RULES.md) */
     .run = txn_rules,
     .institutions = SVC_FOR_ANY,
     .writes = false,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "3102", /* rules at settlement: the same evaluation */
     .run = txn_rules,
     .institutions = SVC_FOR_ANY,
     .writes = false,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "9102", /* a file of 1301-1307 or 3202 */
     .run = txn_file_download,
     .institutions = SVC_FOR_ANY,
     .writes = false,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "3301", /* the institution's item code mapped to a catalog item */
     .run = txn_mapping_upload,
     .institutions = SVC_FOR_ANY,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "3302",
     .run = txn_mapping_revoke,
     .institutions = SVC_FOR_ANY,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "3501", /* inventory feeds (txn_inventory.c) */
     .run = txn_inventory,
     .institutions = SVC_FOR_ANY,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "3502",
     .run = txn_inventory,
     .institutions = SVC_FOR_ANY,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "3503",
     .run = txn_inventory,
     .institutions = SVC_FOR_ANY,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "3504",
     .run = txn_inventory,
     .institutions = SVC_FOR_ANY,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "3505",
     .run = txn_inventory,
     .institutions = SVC_FOR_ANY,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "3506",
     .run = txn_inventory,
     .institutions = SVC_FOR_ANY,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "3507", /* an inventory record deleted */
     .run = txn_inventory_delete,
     .institutions = SVC_FOR_ANY,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "2201",
     .run = txn_register,
     .prepare = txn_register_prepare,
     .write_ahead = txn_visit_ahead,
     .institutions = SVC_FOR_HOSPITALS,
     .visit = VISIT_OUTPATIENT,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NOW},
    {.infno = "2202",
     .run = txn_register_cancel,
     .institutions = SVC_FOR_HOSPITALS,
     .visit = VISIT_OUTPATIENT,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "2203",
     .run = txn_visit_info,
     .institutions = SVC_FOR_HOSPITALS,
     .visit = VISIT_OUTPATIENT,
     .writes = true,
     .replayable = true,
     .prepare = txn_info_ahead,
     .write_ahead = txn_visit_ahead,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "2203A", /* 2203 as some provinces number it (docs/INTEROP.md) */
     .run = txn_visit_info,
     .institutions = SVC_FOR_HOSPITALS,
     .visit = VISIT_OUTPATIENT,
     .writes = true,
     .replayable = true,
     .prepare = txn_info_ahead,
     .write_ahead = txn_visit_ahead,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "2204",
     .run = txn_fee_upload,
     .write_ahead = txn_fee_ahead,
     .institutions = SVC_FOR_HOSPITALS,
     .visit = VISIT_OUTPATIENT,
     .writes = true,
     .replayable = true,
     .prepare = txn_fee_prepare,
     .designation = SVC_DESIGNATION_NOW,
     .rules_off = true},
    {.infno = "2205",
     .run = txn_fee_withdraw,
     .institutions = SVC_FOR_HOSPITALS,
     .visit = VISIT_OUTPATIENT,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "2206",
     .run = txn_presettle,
     .institutions = SVC_FOR_HOSPITALS,
     .visit = VISIT_OUTPATIENT,
     .writes = false,
     .designation = SVC_DESIGNATION_BILL,
     .med_type = "11"},
    {.infno = "2207",
     .run = txn_settle,
     .institutions = SVC_FOR_HOSPITALS,
     .visit = VISIT_OUTPATIENT,
     .writes = true,
     .designation = SVC_DESIGNATION_BILL,
     .med_type = "11"},
    {.infno = "2208",
     .run = txn_revoke,
     .institutions = SVC_FOR_HOSPITALS,
     .visit = VISIT_OUTPATIENT,
     .writes = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "2401",
     .run = txn_admit,
     .institutions = SVC_FOR_HOSPITALS,
     .visit = VISIT_INPATIENT,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NOW},
    {.infno = "2402",
     .run = txn_discharge,
     .institutions = SVC_FOR_HOSPITALS,
     .visit = VISIT_INPATIENT,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "2403",
     .run = txn_admit_change,
     .institutions = SVC_FOR_HOSPITALS,
     .visit = VISIT_INPATIENT,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "2404",
     .run = txn_register_cancel,
     .institutions = SVC_FOR_HOSPITALS,
     .visit = VISIT_INPATIENT,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "2301",
     .run = txn_fee_upload,
     .write_ahead = txn_fee_ahead,
     .institutions = SVC_FOR_HOSPITALS,
     .visit = VISIT_INPATIENT,
     .writes = true,
     .replayable = true,
     .prepare = txn_fee_prepare,
     .designation = SVC_DESIGNATION_NOW,
     .rules_off = true},
    {.infno = "2302",
     .run = txn_fee_withdraw,
     .institutions = SVC_FOR_HOSPITALS,
     .visit = VISIT_INPATIENT,
     .writes = true,
     .replayable = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "2303",
     .run = txn_presettle,
     .institutions = SVC_FOR_HOSPITALS,
     .visit = VISIT_INPATIENT,
     .writes = false,
     .designation = SVC_DESIGNATION_BILL,
     .med_type = "21"},
    {.infno = "2304",
     .run = txn_settle,
     .institutions = SVC_FOR_HOSPITALS,
     .visit = VISIT_INPATIENT,
     .writes = true,
     .designation = SVC_DESIGNATION_BILL,
     .med_type = "21"},
    {.infno = "2305",
     .run = txn_revoke,
     .institutions = SVC_FOR_HOSPITALS,
     .visit = VISIT_INPATIENT,
     .writes = true,
     .designation = SVC_DESIGNATION_NONE},
    {.infno = "2101",
     .run = txn_pharmacy,
     .institutions = SVC_FOR_PHARMACIES,
     .writes = false,
     .designation = SVC_DESIGNATION_BILL,
     .med_type = "41"},
    {.infno = "2102",
     .run = txn_pharmacy,
     .institutions = SVC_FOR_PHARMACIES,
     .writes = true,
     .designation = SVC_DESIGNATION_BILL,
     .med_type = "41"},
    {.infno = "2103",
     .run = txn_revoke,
     .institutions = SVC_FOR_PHARMACIES,
     .writes = true,
     .designation = SVC_DESIGNATION_NONE},
};

const struct svc_txn *svc_txn_find(const char *infno) {
    assert(infno != NULL);
    for (size_t i = 0; i < sizeof txns / sizeof txns[0]; i++)
        if (strcmp(txns[i].infno, infno) == 0) return &txns[i];
    return NULL;
}

void service_config_default(struct service_config *cfg) {
    assert(cfg != NULL);
    memset(cfg, 0, sizeof *cfg);
    cfg->body_bytes_max = SERVICE_BODY_BYTES_DEFAULT;
    cfg->lines_max = SERVICE_LINES_DEFAULT;
    cfg->depth_max = SERVICE_DEPTH_DEFAULT;
    cfg->nonces_per_paasid = SERVICE_NONCES_PER_PAASID_DEFAULT;
    cfg->threads = SERVICE_THREADS_DEFAULT;
    cfg->batch_max = SERVICE_BATCH_DEFAULT;
    cfg->time_window_s = SERVICE_TIME_WINDOW_S;
    cfg->sign_in_valid_s = SERVICE_SIGN_IN_VALID_S_DEFAULT;
    cfg->answers_kept_s = SERVICE_ANSWERS_KEPT_S_DEFAULT;
    cfg->person_reads_per_min = SERVICE_PERSON_READS_PER_MIN_DEFAULT;
    cfg->person_reads_burst = SERVICE_PERSON_READS_BURST_DEFAULT;
    cfg->body_total_bytes_max = SERVICE_BODY_TOTAL_BYTES_DEFAULT;
    cfg->connections_per_address_max = SERVICE_CONNECTIONS_PER_ADDRESS_DEFAULT;
    cfg->header_timeout_s = SERVICE_HEADER_TIMEOUT_S_DEFAULT;
    cfg->body_timeout_s = SERVICE_BODY_TIMEOUT_S_DEFAULT;
    cfg->idle_timeout_s = SERVICE_IDLE_TIMEOUT_S_DEFAULT;
}

/* The HTTP front's limits: one body of the largest size must fit in the
 * total, or no request of that size could ever be served; an address may
 * have up to all the connections; a deadline is at least a second. */
static int config_check_http(const struct service_config *cfg, char *err, size_t size) {
    assert(cfg != NULL && err != NULL && size > 0);
    if (cfg->path_prefix != NULL &&
        (cfg->path_prefix[0] != '/' || strlen(cfg->path_prefix) > SERVICE_PATH_PREFIX_BYTES_MAX))
        return snprintf(err, size, "path-prefix: must start with / and be at most %d bytes",
                        SERVICE_PATH_PREFIX_BYTES_MAX),
               -1;
    if (cfg->body_total_bytes_max < cfg->body_bytes_max ||
        cfg->body_total_bytes_max > SERVICE_BODY_TOTAL_BYTES_MAX)
        return snprintf(err, size, "max-body-total: must be in [max-body %zu, %u]",
                        cfg->body_bytes_max, SERVICE_BODY_TOTAL_BYTES_MAX),
               -1;
    if (cfg->connections_per_address_max < 1 ||
        cfg->connections_per_address_max > SERVICE_CONNECTIONS_MAX)
        return snprintf(err, size, "max-connections-per-address: must be in [1, %d]",
                        SERVICE_CONNECTIONS_MAX),
               -1;
    const int32_t timeouts_s[] = {cfg->header_timeout_s, cfg->body_timeout_s, cfg->idle_timeout_s};
    for (size_t i = 0; i < sizeof timeouts_s / sizeof timeouts_s[0]; i++)
        if (timeouts_s[i] < 1 || timeouts_s[i] > SERVICE_TIMEOUT_S_MAX)
            return snprintf(err, size, "header-, body- and idle-timeout-s: must be in [1, %d]",
                            SERVICE_TIMEOUT_S_MAX),
                   -1;
    return 0;
}

static int config_check(const struct service_config *cfg, char *err, size_t size) {
    assert(cfg != NULL && err != NULL && size > 0);
    if (cfg->body_bytes_max < 64 || cfg->body_bytes_max > SERVICE_BODY_BYTES_MAX)
        return snprintf(err, size, "max-body: must be in [64, %u]", SERVICE_BODY_BYTES_MAX), -1;
    if (cfg->writers < 0 || cfg->writers > SERVICE_WRITERS_MAX)
        return snprintf(err, size, "writers: must be in [1, %d]", SERVICE_WRITERS_MAX), -1;
    if (cfg->lines_max < 1 || cfg->lines_max > BILL_LINES_MAX)
        return snprintf(err, size, "max-lines: must be in [1, %d]", BILL_LINES_MAX), -1;
    if (cfg->depth_max < 4 || cfg->depth_max > JSON_DEPTH_MAX)
        return snprintf(err, size, "max-depth: must be in [4, %u]", JSON_DEPTH_MAX), -1;
    if (cfg->person_reads_per_min < 1 ||
        cfg->person_reads_per_min > SERVICE_PERSON_READS_PER_MIN_MAX)
        return snprintf(err, size, "person-reads-per-min: must be in [1, %d]",
                        SERVICE_PERSON_READS_PER_MIN_MAX),
               -1;
    if (cfg->person_reads_burst < 1 || cfg->person_reads_burst > SERVICE_PERSON_READS_PER_MIN_MAX)
        return snprintf(err, size, "person-reads-burst: must be in [1, %d]",
                        SERVICE_PERSON_READS_PER_MIN_MAX),
               -1;
    if (cfg->threads < 1 || cfg->threads > SERVICE_THREADS_MAX)
        return snprintf(err, size, "threads: must be in [1, %d]", SERVICE_THREADS_MAX), -1;
    if (cfg->batch_max < 1 || cfg->batch_max > BATCH_MAX)
        return snprintf(err, size, "batch: must be in [1, %d]", BATCH_MAX), -1;
    if (cfg->nonces_per_paasid < 16 || cfg->nonces_per_paasid > SERVICE_NONCES_PER_PAASID_MAX)
        return snprintf(err, size, "nonce-cache: must be in [16, %u]",
                        SERVICE_NONCES_PER_PAASID_MAX),
               -1;
    if (cfg->sign_in_valid_s < 1 || cfg->sign_in_valid_s > SERVICE_SIGN_IN_VALID_S_MAX)
        return snprintf(err, size, "sign-in-valid-s: must be in [1, %d]",
                        SERVICE_SIGN_IN_VALID_S_MAX),
               -1;
    if (cfg->answers_kept_s < 1 || cfg->answers_kept_s > SERVICE_ANSWERS_KEPT_S_MAX)
        return snprintf(err, size, "answers-kept-s: must be in [1, %d]",
                        SERVICE_ANSWERS_KEPT_S_MAX),
               -1;
    return config_check_http(cfg, err, size);
}

/* The service tables' connections: the writers' (several for
 * PostgreSQL, see svcq.c) and the HTTP threads' reads. On SQLite the
 * queue's jobs run on the store's writer (one writer for the file: the
 * two took turns at its one write lock, each with its own fsync), and
 * svc->db serves the writes made alone (svcq_run_alone) and the start. */
static int open_tables(struct service *svc, const char *target, char *err, size_t err_size) {
    bool sync_off = svc->cfg.db_sync_off;
    assert(svc->db == NULL && svc->rdb == NULL && svc->wq == NULL && target != NULL);
    if (svcdb_open(target, sync_off, &svc->db, err, err_size) != 0) return -1;
    svc->wdb[0] = svc->db;
    bool concurrent = svcdb_concurrent_writers(svc->db);
    if (!concurrent && svc->cfg.writers > 1)
        return snprintf(err, err_size,
                        "writers: a SQLite file has one writer (the service's writes ride the "
                        "store's); only 1"),
               -1;
    svc->writers = svc->cfg.writers > 0 ? svc->cfg.writers
                   : concurrent         ? SERVICE_PG_WRITERS_DEFAULT
                                        : 1;
    assert(svc->writers >= 1 && svc->writers <= SVCQ_WRITERS_MAX);
    for (int i = 1; i < svc->writers; i++)
        if (svcdb_open(target, sync_off, &svc->wdb[i], err, err_size) != 0) return -1;
    if (svcdb_open(target, sync_off, &svc->rdb, err, err_size) != 0) return -1;
    void *store_db = svc->q != NULL ? store_sqlite_writer(svc->store) : NULL;
    if (store_db == NULL)
        return svcq_start(svc->wdb, svc->writers, SVCQ_BATCH_MAX, svc->cfg.answers_kept_s, &svc->wq,
                          err, err_size);
    assert(svc->writers == 1 && !svcdb_concurrent_writers(svc->db));
    if (svcdb_attach_sqlite(store_db, &svc->hdb, err, err_size) != 0) return -1;
    return svcq_start_hosted(svc->hdb, svc->q, SVCQ_BATCH_MAX, svc->cfg.answers_kept_s, &svc->wq,
                             err, err_size);
}

int service_open(const char *db, const struct service_config *cfg, struct service **out, char *err,
                 size_t err_size) {
    assert(db != NULL && out != NULL);
    *out = NULL;
    if (config_check(cfg, err, err_size) != 0) return -1;
    struct service *svc = calloc(1, sizeof *svc);
    if (svc == NULL) return snprintf(err, err_size, "out of memory"), -1;
    svc->cfg = *cfg;
    snprintf(svc->target, sizeof svc->target, "%s", db);
    pthread_mutex_init(&svc->cred_lock, NULL);
    pthread_mutex_init(&svc->pool_lock, NULL);
    pthread_mutex_init(&svc->scan_lock, NULL);
    pthread_mutex_init(&svc->text_lock, NULL);
    pthread_mutex_init(&svc->settling_lock, NULL);
    struct store_err serr = {{0}};
    if (store_open_as(db, STORE_MODE_EXISTING, &svc->store, &serr) != 0 ||
        store_ops(svc->store)->open(db, STORE_MODE_EXISTING, &svc->scan_conn, &serr) != 0 ||
        (!cfg->dry_run && commitq_start(svc->store, cfg->batch_max, &svc->q, &serr) != 0)) {
        snprintf(err, err_size, "%s", serr.msg);
        service_close(svc);
        return -1;
    }
    if (open_tables(svc, db, err, err_size) != 0) {
        service_close(svc);
        return -1;
    }
    /* the visits' cache saves a round trip per read on PostgreSQL only */
    if (svcdb_answer_gen_folded(svc->db) && svc_visit_cache_open(svc) != 0) {
        snprintf(err, err_size, "out of memory");
        service_close(svc);
        return -1;
    }
    if (svc_auth_start(svc, (int64_t)time(NULL), err, err_size) != 0 ||
        svc_signin_start(svc, (int64_t)time(NULL), err, err_size) != 0) {
        service_close(svc);
        return -1;
    }
    if (svc->hdb != NULL && svc->nonce_log != NULL) nonce_log_host(svc->nonce_log, svc->wq);
    *out = svc;
    return 0;
}

static void worker_free(struct svc_worker *w) {
    if (w == NULL) return;
    assert(!w->in_flight && !w->job_in_flight && !w->settling);
    json_doc_free(w->doc);
    json_buf_free(&w->out);
    json_buf_free(&w->body);
    json_buf_free(&w->scratch);
    json_buf_free(&w->req);
    free(w->lines);
    free(w->line_results);
    free(w->refund_of);
    free(w->bchno_of);
    free(w);
}

/* Where the writes' time went (issue 14: the SQLite visit flow's p99):
 * the store writer's rounds, the service jobs, the WAL's checkpoints. */
static void print_write_times(struct service *svc) {
    int64_t batches = 0, requests = 0, jobs = 0;
    assert(svc != NULL);
    if (svc->q != NULL) commitq_stats(svc->q, &batches, &requests);
    if (svc->wq != NULL) svcq_stats(svc->wq, &batches, &jobs);
    if (requests == 0 && jobs == 0) return; /* nothing was written */
    fprintf(stderr,
            "yibao serve: where the writes' time went (count, mean, max, over %d ms, "
            "total):\n",
            LAT_SLOW_US / 1000);
    if (svc->q != NULL) commitq_print_times(svc->q, stderr);
    if (svc->wq != NULL) svcq_print_times(svc->wq, stderr);
    if (store_sqlite_writer(svc->store) != NULL) sqlite_ckpt_print(stderr);
}

/* At the end of a run, on stderr: the group commits of the store and of
 * the service tables, and how long SQLite connections waited for the
 * file's one write lock (the cost of two writers on one file). */
static void print_write_stats(struct service *svc) {
    int64_t batches = 0, requests = 0;
    assert(svc != NULL);
    if (svc->q) commitq_stats(svc->q, &batches, &requests);
    if (requests > 0)
        fprintf(stderr,
                "yibao serve: %" PRId64 " settlements and revokes in %" PRId64
                " group commits (%.1f per commit)\n",
                requests, batches, (double)requests / (double)batches);
    batches = requests = 0;
    if (svc->wq) svcq_stats(svc->wq, &batches, &requests);
    if (requests > 0 && svc->hdb != NULL) /* hosted: in the store's commits */
        fprintf(stderr,
                "yibao serve: %" PRId64 " service-table writes in %" PRId64
                " batches of the store's writer, %" PRId64 " of them committed alone\n",
                requests, batches, commitq_guest_rounds(svc->q));
    else if (requests > 0)
        fprintf(stderr,
                "yibao serve: %" PRId64 " service-table writes in %" PRId64
                " group commits (%.1f per commit)\n",
                requests, batches, (double)requests / (double)batches);
    int64_t piped = 0, again = 0;
    if (svc->wq) svcq_piped_stats(svc->wq, &piped, &again);
    if (piped > 0)
        fprintf(stderr,
                "yibao serve: %" PRId64 " of them with their writes piped, %" PRId64
                " of those run again one by one\n",
                piped, again);
    struct sqlite_wait_stats w;
    sqlite_wait_stats(&w);
    if (w.waits > 0)
        fprintf(stderr,
                "yibao serve: %" PRId64 " waits for the SQLite write lock, %" PRId64
                " tries, %.1f ms asleep in them\n",
                w.waits, w.retries, (double)w.slept_us / 1000.0);
    print_write_times(svc);
}

void service_close(struct service *svc) {
    if (svc == NULL) return;
    assert(svc->settling_count <= SVC_SETTLING_MAX);
    print_write_stats(svc);
    if (svc->hdb != NULL) svcq_shut(svc->wq); /* hosted: nothing queued after the host stops */
    if (svc->nonce_log != NULL) nonce_log_host(svc->nonce_log, NULL); /* before the host stops */
    if (svc->q) commitq_stop(svc->q);
    svcq_stop(svc->wq);
    svcdb_close(svc->hdb); /* before the store's connection it borrows closes */
    if (svc->scan_conn) store_ops(svc->store)->close(svc->scan_conn);
    svc_auth_free(svc); /* flushes the nonce log */
    svc_signin_free(svc);
    store_close(svc->store);
    svcdb_close(svc->db);
    for (int i = 1; i < SVCQ_WRITERS_MAX; i++) svcdb_close(svc->wdb[i]);
    svcdb_close(svc->rdb);
    for (size_t i = 0; i < svc->pool_count; i++) worker_free(svc->pool[i]);
    free(svc->pool);
    pthread_mutex_destroy(&svc->cred_lock);
    pthread_mutex_destroy(&svc->pool_lock);
    pthread_mutex_destroy(&svc->scan_lock);
    svc_catalog_text_free(svc->text);
    pthread_mutex_destroy(&svc->text_lock);
    assert(svc->settling_count == 0); /* every reservation was given back */
    pthread_mutex_destroy(&svc->settling_lock);
    svc_visit_cache_close(svc);
    free(svc);
}

/* A worker's JSON arena, empty: the limits are the body's. */
static struct json_doc *worker_doc_new(const struct service_config *cfg) {
    assert(cfg->body_bytes_max >= 64); /* config_check */
    struct json_limits limits = {cfg->body_bytes_max, cfg->depth_max,
                                 (uint32_t)(cfg->body_bytes_max / SERVICE_NODES_PER_BYTE_DIV + 64)};
    return json_doc_new(&limits);
}

static struct svc_worker *worker_new(const struct service_config *cfg) {
    assert(cfg->lines_max >= 1 && cfg->lines_max <= BILL_LINES_MAX); /* config_check */
    struct svc_worker *w = calloc(1, sizeof *w);
    if (w == NULL) return NULL;
    w->doc = worker_doc_new(cfg);
    json_buf_init(&w->out);
    json_buf_init(&w->body);
    json_buf_init(&w->scratch);
    json_buf_init(&w->req);
    w->lines_max = cfg->lines_max;
    w->lines = calloc((size_t)cfg->lines_max, sizeof *w->lines);
    w->line_results = calloc((size_t)cfg->lines_max, sizeof *w->line_results);
    w->refund_of = calloc((size_t)cfg->lines_max, sizeof *w->refund_of);
    w->bchno_of = calloc((size_t)cfg->lines_max, sizeof *w->bchno_of);
    if (w->doc == NULL || w->lines == NULL || w->line_results == NULL || w->refund_of == NULL ||
        w->bchno_of == NULL) {
        worker_free(w);
        return NULL;
    }
    return w;
}

size_t service_worker_bytes(const struct svc_worker *w) {
    assert(w != NULL);
    return json_doc_bytes(w->doc) + w->out.cap + w->body.cap + w->scratch.cap + w->req.cap;
}

/* A worker whose buffers grew past SVC_WORKER_KEPT_BYTES_MAX gives them
 * back (a fresh JSON arena, empty buffers): false when the fresh arena
 * cannot be had (the worker is then freed, not pooled). */
static bool worker_trim(struct svc_worker *w, const struct service_config *cfg) {
    assert(w != NULL && !w->in_flight && !w->job_in_flight);
    if (service_worker_bytes(w) <= SVC_WORKER_KEPT_BYTES_MAX) return true;
    json_buf_free(&w->out);
    json_buf_free(&w->body);
    json_buf_free(&w->scratch);
    json_buf_free(&w->req);
    json_doc_free(w->doc);
    w->doc = worker_doc_new(cfg);
    return w->doc != NULL;
}

struct svc_worker *service_worker_take(struct service *svc) {
    struct svc_worker *w = NULL;
    pthread_mutex_lock(&svc->pool_lock);
    assert(svc->pool_count <= svc->pool_cap);
    if (svc->pool_count > 0) w = svc->pool[--svc->pool_count];
    pthread_mutex_unlock(&svc->pool_lock);
    assert(w == NULL || (!w->in_flight && !w->job_in_flight && w->after == NULL));
    return w ? w : worker_new(&svc->cfg);
}

void service_worker_give(struct service *svc, struct svc_worker *w) {
    if (w == NULL) return;
    /* the front end gave up waiting: wait here, then finish in place
     * (visit links), with no waiter to suspend */
    if (w->in_flight) commitq_wait(svc->q, &w->sreq);
    if (w->job_in_flight) svcq_wait(svc->wq, &w->job);
    memset(&w->waiter, 0, sizeof w->waiter);
    if (w->after != NULL) {
        size_t len;
        (void)service_finish(svc, w, &len);
    }
    assert(!w->in_flight && !w->job_in_flight && w->after == NULL);
    if (!worker_trim(w, &svc->cfg)) {
        worker_free(w);
        return;
    }
    pthread_mutex_lock(&svc->pool_lock);
    if (svc->pool_count >= SVC_POOL_IDLE_MAX) { /* a burst's workers are not all kept */
        pthread_mutex_unlock(&svc->pool_lock);
        worker_free(w);
        return;
    }
    if (svc->pool_count == svc->pool_cap) {
        size_t cap = svc->pool_cap ? svc->pool_cap * 2 : 16;
        struct svc_worker **grown = realloc(svc->pool, cap * sizeof *grown);
        if (grown == NULL) {
            pthread_mutex_unlock(&svc->pool_lock);
            worker_free(w);
            return;
        }
        svc->pool = grown;
        svc->pool_cap = cap;
    }
    svc->pool[svc->pool_count++] = w;
    pthread_mutex_unlock(&svc->pool_lock);
}

/* ---- the envelope --------------------------------------------------------- */
#define ENVELOPE_CAINFO_BYTES_MAX 1024        /* 表 2: cainfo C(1024) */
#define ENVELOPE_DEV_SAFE_INFO_BYTES_MAX 2000 /* 表 2: dev_safe_info C(2000) */
#define ENVELOPE_FIELD_BYTES_MAX 2000         /* the longest of them */
/* The envelope's other fields and the longest each may be, in bytes: the
 * interface's widths (表 2: cainfo 1024, dev_safe_info 2000; names in
 * characters, 3 bytes each in UTF-8), and never under NAME_BYTES_MAX.
 * Read for their type and length only. */
static const struct {
    const char *name;
    size_t bytes_max;
} optional_fields[] = {{"mdtrtarea_admvs", NAME_BYTES_MAX},
                       {"insuplc_admdvs", NAME_BYTES_MAX},
                       {"recer_sys_code", NAME_BYTES_MAX},
                       {"infver", NAME_BYTES_MAX},
                       {"opter_type", NAME_BYTES_MAX},
                       {"opter", NAME_BYTES_MAX},
                       {"opter_name", NAME_BYTES_MAX},
                       {"inf_time", NAME_BYTES_MAX},
                       {"fixmedins_name", 3 * 200},
                       {"sign_no", NAME_BYTES_MAX},
                       {"dev_no", 3 * 100},
                       {"dev_safe_info", ENVELOPE_DEV_SAFE_INFO_BYTES_MAX},
                       {"cainfo", ENVELOPE_CAINFO_BYTES_MAX},
                       {"signtype", NAME_BYTES_MAX}};

static int envelope(struct svc_call *c, const struct json_value *root) {
    assert(root != NULL && c->env == NULL && c->input == NULL);
    if (root->type != JSON_OBJECT)
        return svc_fail(c, "body: must be a JSON object, not %s", json_type_name(root->type));
    if (in_code(c, root, "infno", "envelope", true, c->infno, sizeof c->infno) != 0 ||
        in_code(c, root, "msgid", "envelope", true, c->msgid, sizeof c->msgid) != 0 ||
        in_code(c, root, "fixmedins_code", "envelope", true, c->fixmedins_code,
                sizeof c->fixmedins_code) != 0)
        return -1;
    char scratch[ENVELOPE_FIELD_BYTES_MAX + 1];
    for (size_t i = 0; i < sizeof optional_fields / sizeof optional_fields[0]; i++) {
        assert(optional_fields[i].bytes_max <= ENVELOPE_FIELD_BYTES_MAX);
        if (in_code(c, root, optional_fields[i].name, "envelope", false, scratch,
                    optional_fields[i].bytes_max + 1) < 0)
            return -1;
    }
    c->input = in_object(c, root, "input", "envelope", true);
    if (c->input == NULL) return -1;
    c->env = root;
    int n = snprintf(c->store_msgid, sizeof c->store_msgid, "%s%c%s", c->fixmedins_code,
                     SVC_STORE_MSGID_SEP, c->msgid);
    if (n < 0 || (size_t)n >= sizeof c->store_msgid)
        return svc_fail(c, "envelope.msgid: fixmedins_code and msgid together exceed %d bytes",
                        MSGID_BYTES_MAX - 1);
    assert(c->input->type == JSON_OBJECT && strchr(c->store_msgid, SVC_STORE_MSGID_SEP) != NULL);
    return 0;
}

/* The envelope's institution: known, of a kind the transaction serves,
 * and, for what opens or adds to a visit, designated now. A settlement's
 * designation is decided at the bill's date by the settlement itself
 * (src/app/settle_case.c: E_UNKNOWN_INSTITUTION), like every adapter's. */
static int institution_check(struct svc_call *c, const struct svc_txn *t) {
    assert(t->institutions != 0);
    c->inst = registry_institution(c->reg, c->fixmedins_code);
    if (c->inst == NULL)
        return svc_fail(c, "envelope.fixmedins_code: unknown institution '%s'", c->fixmedins_code);
    if (!(t->institutions & SVC_FOR_PHARMACIES) && c->inst->type != INSTITUTION_HOSPITAL)
        return svc_fail(c, "infno %s: only for hospitals; '%s' is a pharmacy", t->infno,
                        c->fixmedins_code);
    if (!(t->institutions & SVC_FOR_HOSPITALS) && c->inst->type != INSTITUTION_PHARMACY)
        return svc_fail(c, "infno %s: only for pharmacies; '%s' is a hospital", t->infno,
                        c->fixmedins_code);
    /* a revoked institution reads and writes nothing; a suspended one
     * keeps its own settlements (queries, reconciliation, revokes) */
    if (c->inst->status == DESIGNATION_REVOKED)
        return svc_fail(c, "envelope.fixmedins_code: institution '%s' is revoked",
                        c->fixmedins_code);
    if (t->designation == SVC_DESIGNATION_NOW &&
        !app_designated(c->inst, true, svc_unix_to_local(c->now_s)))
        return svc_fail(c, "envelope.fixmedins_code: institution '%s' is suspended and cannot %s",
                        c->fixmedins_code, t->reads_person ? "read persons" : "settle");
    return 0;
}

/* A write whose answer is kept, as a job on the service tables' writer:
 * replays return the kept answer; the write and the answer commit
 * together. */
static int replayable_body(struct svc_call *c) {
    struct svcdb *db = c->db;
    assert(c->txn != NULL && c->txn->replayable && c->txn->writes);
    assert(db != c->svc->rdb); /* on a writer's connection, inside its savepoint */
    struct json_buf *kept = &c->w->scratch;
    char infno[SVC_INFNO_BYTES_MAX + 1], req_hash[HASH_HEX_BYTES + 1];
    bool found = false;
    int64_t answered_s = 0, gen = -1;
    json_buf_reset(kept);
    c->visit_noted = false; /* a replay writes nothing */
    int rc = svcdb_answer_gen_folded(db)
                 ? svcdb_answer_gen_get(db, c->fixmedins_code, c->msgid, infno, req_hash, kept,
                                        &answered_s, &found, &gen, c->visit_ahead_id)
                 : svcdb_answer_get(db, c->fixmedins_code, c->msgid, infno, req_hash, kept,
                                    &answered_s, &found);
    if (rc != 0) return svc_fail(c, "storage: %s", svcdb_error(db));
    /* an import committed since the snapshot was taken: nothing of this
     * request was decided on it yet; replayable_done runs it again */
    if (!found && c->registry_unconfirmed && gen != registry_gen(c->reg)) {
        c->registry_moved = true;
        return svc_fail(c, "registry: changed while the request was checked");
    }
    if (found && strcmp(infno, c->infno) != 0)
        return svc_fail(c, "envelope.msgid: '%s' was already used for infno %s", c->msgid, infno);
    /* like a settlement's: a used msgid with another request is refused */
    if (found && req_hash[0] != '\0' && strcmp(req_hash, c->req_hash) != 0) {
        struct app_refusal why;
        char text[APP_REFUSAL_TEXT_BYTES];
        app_refuse(&why, APP_E_MSGID_REUSED);
        app_refusal_text(&why, NULL, c->msgid, text, sizeof text);
        return svc_fail(c, "%s", text);
    }
    /* past the retention the answer is refused even before it is pruned */
    if (found && (kept->len == 0 || answered_s < c->now_s - c->svc->cfg.answers_kept_s))
        return svc_fail(c,
                        "envelope.msgid: '%s' was already used (infno %s) more than %" PRId64
                        " s ago; its answer is no longer kept",
                        c->msgid, infno, c->svc->cfg.answers_kept_s);
    if (found) { /* the first answer, not what a prepare step wrote now */
        json_buf_reset(c->output);
        json_buf_raw(c->output, kept->data, kept->len);
        return 0;
    }
    if (c->txn->run(c) != 0) return -1;
    if (!c->output->failed &&
        svcdb_answer_put(db, c->fixmedins_code, c->msgid, c->infno, c->req_hash, c->output->data,
                         c->output->len, c->now_s) != 0)
        return svc_fail(c, "storage: %s", svcdb_error(db));
    return 0;
}

/* replayable_body, its write sent ahead with its kept answer's read where
 * the transaction has one (svc_txn.write_ahead): what was sent and not
 * taken fails the job, which undoes it. */
static int replayable_run(struct svc_call *c) {
    assert(c->txn != NULL && c->txn->replayable);
    if (c->txn->write_ahead != NULL && svcdb_answer_gen_folded(c->db)) c->txn->write_ahead(c);
    int rc = replayable_body(c);
    if (svcdb_ahead_end(c->db) != 0 && rc == 0)
        return svc_fail(c, "storage: %s", svcdb_error(c->db));
    return rc;
}

static int registry_now(struct svc_call *c, const struct svc_txn *t, bool again);
static int replayable_done(struct svc_call *c);

/* The request again, from its institution's check, under a snapshot read
 * afresh now: its job found the registry moved (replayable_run). Once: the
 * fresh snapshot is the one current after the request came. */
static int replayable_again(struct svc_call *c) {
    const struct svc_txn *t = c->txn;
    assert(c->registry_moved && c->w->job.rc != 0 && c->db == c->svc->rdb);
    c->registry_moved = false;
    c->err[0] = '\0';
    if (registry_now(c, t, true) != 0 || institution_check(c, t) != 0) return -1;
    assert(!c->registry_unconfirmed);
    json_buf_reset(c->output);
    c->visit_ahead_id = 0;
    if (t->prepare != NULL) c->prepared_rc = t->prepare(c);
    return svc_write(c, replayable_run, replayable_done);
}

/* 2204's prepare again, on a fresh read of its visit: its job found the
 * cached visit it started from changed (visit_cache.c). Once: a prepare
 * with visit_moved set does not take the cache. */
static int prepare_again(struct svc_call *c) {
    const struct svc_txn *t = c->txn;
    assert(c->visit_moved && c->w->job.rc != 0 && t->prepare != NULL && c->db == c->svc->rdb);
    c->err[0] = '\0';
    svc_visit_cache_drop(c->svc, c->visit_ahead_id);
    json_buf_reset(c->output);
    c->visit_ahead_id = 0;
    c->prepared_rc = t->prepare(c); /* visit_moved: it reads afresh */
    assert(!c->visit_cached);
    c->visit_moved = false;
    return svc_write(c, replayable_run, replayable_done);
}

/* Once committed: 9001/9002 go into the sign-in cache, a visit written
 * into the visits' cache. */
static int replayable_done(struct svc_call *c) {
    assert(c->txn->replayable && c->w->job.done && !c->w->job_in_flight);
    if (c->w->job.rc != 0 && c->registry_moved) return replayable_again(c);
    if (c->w->job.rc != 0 && c->visit_moved) return prepare_again(c);
    if (c->w->job.rc != 0) return -1;
    if (c->visit_noted) svc_visit_cache_put(c->svc, &c->w->visit_note);
    svc_signin_note(c->svc, &c->signin_note, c->now_s);
    return 0;
}

/* ---- person reads: rate-limited, and audited before they are answered --- */
static int audit_run(struct svc_call *c) {
    char outcome[SVC_AUDIT_OUTCOME_BYTES_MAX + 1];
    assert(c->txn != NULL && c->txn->reads_person && c->db != c->svc->rdb);
    const char *text = c->read_rc == 0 ? "answered" : c->err;
    size_t n = strnlen(text, SVC_AUDIT_OUTCOME_BYTES_MAX); /* a refusal's first words */
    memcpy(outcome, text, n);
    outcome[n] = '\0';
    struct svc_audit row = {.time_s = c->now_s,
                            .paasid = c->paasid,
                            .fixmedins_code = c->fixmedins_code,
                            .infno = c->infno,
                            .msgid = c->msgid,
                            .psn_no = c->w->psn_no,
                            .outcome = outcome};
    if (svcdb_audit_put(c->db, &row) != 0) return svc_fail(c, "storage: %s", svcdb_error(c->db));
    return 0;
}

/* The read's own answer once its audit row committed; none without it. */
static int audit_done(struct svc_call *c) {
    assert(c->txn->reads_person && c->w->job.done && !c->w->job_in_flight);
    if (c->w->job.rc != 0) return -1; /* c->err: why the audit failed */
    return c->read_rc;
}

static int person_read(struct svc_call *c) {
    assert(c->txn != NULL && c->txn->reads_person && !c->txn->writes);
    c->w->psn_no[0] = '\0'; /* the handler names who was asked for */
    c->read_rc = svc_person_read_take(c) == 0 ? c->txn->run(c) : -1;
    assert(c->read_rc == 0 || c->err[0] != '\0');
    return svc_write(c, audit_run, audit_done);
}

/* The registry as of this request: an edit committed before it (a
 * suspension, a new policy) decides it, without a restart. A settlement is
 * decided by the commit queue's writer, which reads the registry afresh
 * for every batch; here it needs only the institution, so it takes the
 * snapshot it finds and reads afresh only when the institution is unknown
 * (a new one). Anything decided here (registrations, pre-settlements,
 * queries) reads afresh (one indexed read). Held until the answer. */
/* A visit's pre-settlement (2206, 2303 without feedetail) reads the
 * generation with its visit and lines (svc_registry_confirm). */
static bool gen_in_visit_read(const struct svc_call *c, const struct svc_txn *t) {
    assert(t != NULL);
    return t->run == txn_presettle && c->input != NULL && json_get(c->input, "feedetail") == NULL;
}

static int registry_now(struct svc_call *c, const struct svc_txn *t, bool again) {
    struct store_err err;
    assert(t != NULL);
    bool decided_by_writer = t->writes && t->designation == SVC_DESIGNATION_BILL;
    /* PostgreSQL: a replayable write's job reads the generation with its
     * kept answer, in the round trip it makes anyway, and the request runs
     * again under a fresh snapshot when it moved (replayable_run); a
     * refusal on the unconfirmed snapshot is checked afresh (dispatch) */
    c->registry_unconfirmed = !again && (t->replayable || gen_in_visit_read(c, t)) &&
                              !decided_by_writer && svcdb_answer_gen_folded(c->svc->db);
    if (again) {
        store_registry_release(c->svc->store, c->reg);
        c->reg = NULL;
    }
    assert(c->reg == NULL);
    if ((again || !decided_by_writer) && !c->registry_unconfirmed &&
        store_registry_refresh(c->svc->store, NULL, &err) != 0)
        return svc_fail(c, "storage: %s", err.msg);
    c->reg = store_registry_acquire(c->svc->store);
    assert(c->reg != NULL);
    return 0;
}

int svc_registry_confirm(struct svc_call *c, int64_t gen) {
    assert(c->txn != NULL && c->reg != NULL && gen >= -1);
    if (!c->registry_unconfirmed) return 0;
    if (gen >= 0 && gen == registry_gen(c->reg)) {
        c->registry_unconfirmed = false;
        return 0;
    }
    char err[SERVICE_ERR_BYTES]; /* the request's own refusal, if any, stands after */
    snprintf(err, sizeof err, "%s", c->err);
    c->err[0] = '\0';
    if (registry_now(c, c->txn, true) != 0 || institution_check(c, c->txn) != 0) return -1;
    assert(!c->registry_unconfirmed);
    snprintf(c->err, sizeof c->err, "%s", err);
    return 0;
}

/* The institution's check; a refusal on a snapshot not confirmed current
 * (registry_now) is decided again on a fresh one: an import may have
 * lifted a suspension just before the request. */
static int institution_check_now(struct svc_call *c, const struct svc_txn *t) {
    assert(c->reg != NULL);
    if (institution_check(c, t) == 0) return 0;
    if (!c->registry_unconfirmed) return -1;
    c->err[0] = '\0';
    if (registry_now(c, t, true) != 0) return -1;
    assert(!c->registry_unconfirmed);
    return institution_check(c, t);
}

static int dispatch(struct svc_call *c, const struct svc_request *req) {
    struct json_error jerr;
    assert(c->txn == NULL && c->reg == NULL && c->db == c->svc->rdb);
    if (req->body_len > c->svc->cfg.body_bytes_max)
        return svc_fail(c, "body: %zu bytes, more than the limit %zu", req->body_len,
                        c->svc->cfg.body_bytes_max);
    const struct json_value *root = json_parse(c->w->doc, req->body, req->body_len, &jerr);
    if (root == NULL)
        return svc_fail(c, "body: not valid JSON at byte %zu: %s", jerr.offset, jerr.message);
    if (envelope(c, root) != 0 || svc_auth(c->svc, req, c->fixmedins_code, c) != 0) return -1;
    if (req->path_infno != NULL && req->path_infno[0] != '\0' &&
        strcmp(req->path_infno, c->infno) != 0)
        return svc_fail(c, "path: infno '%s' is not the envelope's infno '%s'", req->path_infno,
                        c->infno);
    const struct svc_txn *t = svc_txn_find(c->infno);
    if (t == NULL) return svc_fail(c, "envelope.infno: unknown transaction '%s'", c->infno);
    if (registry_now(c, t, false) != 0) return -1;
    if (registry_institution(c->reg, c->fixmedins_code) == NULL && registry_now(c, t, true) != 0)
        return -1;
    if (institution_check_now(c, t) != 0) return -1;
    /* After the credential, before the msgid: a replay too needs a live sign-in */
    if (strcmp(t->infno, "9001") != 0 && svc_signin_check(c) != 0) return -1;
    c->txn = t;
    assert(t->run != NULL && (t->writes || !t->replayable) &&
           (t->prepare == NULL || t->replayable));
    if (t->reads_person) return person_read(c);
    if (!t->replayable) return t->run(c);
    svc_request_hash(c); /* here: the writer is the busier thread */
    /* a failed prepare is answered by the writer: a replay gets its first answer */
    if (t->prepare != NULL) c->prepared_rc = t->prepare(c);
    return svc_write(c, replayable_run, replayable_done);
}

static void stamp(char *out, size_t size) {
    assert(out != NULL && size >= 18); /* YYYYMMDDHHMMSSmmm */
    struct timeval tv;
    gettimeofday(&tv, NULL);
    datetime_s t = svc_unix_to_local(tv.tv_sec);
    char text[20];
    datetime_format(t, text);
    snprintf(out, size, "%.4s%.2s%.2s%.2s%.2s%.2s%03d", text, text + 5, text + 8, text + 11,
             text + 14, text + 17, (int)(tv.tv_usec / 1000));
}

/* The response envelope around c's output (rc 0) or error. */
static const char *respond(struct svc_call *c, int rc, size_t *len) {
    struct svc_worker *w = c->w;
    store_registry_release(c->svc->store, c->reg);
    c->reg = NULL;
    assert(rc == 0 || rc == -1);
    if (rc == 0 && w->body.failed) rc = svc_fail(c, "out of memory");
    assert(rc == 0 || c->err[0] != '\0'); /* a refusal always says why */
    char time_text[24];
    stamp(time_text, sizeof time_text);
    struct jw j;
    jw_begin(&j, &w->out);
    jw_int(&j, "infcode", rc == 0 ? 0 : -1);
    jw_str(&j, "inf_refmsgid", c->msgid);
    jw_str(&j, "refmsg_time", time_text);
    jw_str(&j, "respond_time", time_text);
    jw_str(&j, "err_msg", rc == 0 ? NULL : c->err);
    jw_str(&j, "warn_msg", NULL);
    if (rc == 0) jw_raw(&j, "output", w->body.data, w->body.len);
    else jw_raw(&j, "output", "{}", 2);
    jw_end(&j);
    if (w->out.failed) {
        static const char oom[] = "{\"infcode\":-1,\"err_msg\":\"out of memory\",\"output\":{}}";
        *len = sizeof oom - 1;
        return oom;
    }
    *len = w->out.len;
    return w->out.data;
}

int svc_commit(struct svc_call *c, int (*after)(struct svc_call *c)) {
    struct svc_worker *w = c->w;
    assert(after != NULL && !w->in_flight && !w->job_in_flight && w->after == NULL);
    assert(c->txn != NULL && c->txn->writes && !c->svc->cfg.dry_run);
    if (w->waiter.resume == NULL) {
        (void)commitq_call(c->svc->q, &w->sreq); /* a stopped queue fails the request */
        return after(c);
    }
    w->after = after;
    w->in_flight = true;
    w->waiter.suspend(w->waiter.ctx);
    if (commitq_submit_async(c->svc->q, &w->sreq, w->waiter.resume, w->waiter.ctx) != 0)
        w->waiter.resume(w->waiter.ctx); /* failed: answered as a storage error */
    return SVC_PENDING;
}

static int queue_job(struct svc_call *c, int (*run)(struct svc_call *c),
                     int (*after)(struct svc_call *c), bool reads_only) {
    struct svc_worker *w = c->w;
    assert(run != NULL && after != NULL && c->txn != NULL);
    assert(!w->job_in_flight && !w->in_flight && w->after == NULL); /* the job is queued once */
    w->job = (struct svcq_job){.run = run,
                               .c = c,
                               .reads_only = reads_only,
                               .piped = run == replayable_run && c->txn->write_ahead != NULL,
                               .output_len = c->output->len};
    if (w->waiter.resume == NULL) {
        svcq_run_alone(c->svc->db, &w->job);
        return after(c);
    }
    w->after = after;
    w->job_in_flight = true;
    w->waiter.suspend(w->waiter.ctx);
    if (svcq_submit(c->svc->wq, &w->job, w->waiter.resume, w->waiter.ctx) != 0)
        w->waiter.resume(w->waiter.ctx); /* refused: answered with the job's error */
    return SVC_PENDING;
}

/* What a run wrote after the prepare step goes; a run that found its
 * kept answer replaced the answer with it (replayable_body), and so will
 * the next run (that answer was committed before the batch): then all
 * goes. */
void svc_job_rewind(struct svcq_job *job) {
    struct svc_call *c = job->c;
    assert(job->piped && c != NULL && !job->done);
    if (c->output->len >= job->output_len && !c->output->failed) {
        c->output->len = job->output_len; /* what the prepare step wrote stays */
        if (c->output->data != NULL) c->output->data[c->output->len] = '\0';
    } else {
        json_buf_reset(c->output);
    }
    c->err[0] = '\0';
    c->registry_moved = c->visit_moved = c->visit_noted = false;
    job->rc = 0;
}

int svc_write(struct svc_call *c, int (*run)(struct svc_call *c),
              int (*after)(struct svc_call *c)) {
    assert(c != NULL && run != NULL);
    return queue_job(c, run, after, false);
}

int svc_read_ordered(struct svc_call *c, int (*run)(struct svc_call *c),
                     int (*after)(struct svc_call *c)) {
    assert(c != NULL && run != NULL);
    return queue_job(c, run, after, true);
}

const char *service_begin(struct service *svc, struct svc_worker *w, const struct svc_request *req,
                          const struct service_waiter *waiter, size_t *len) {
    assert(svc != NULL && w != NULL && req != NULL && !w->in_flight && w->after == NULL);
    assert(!w->job_in_flight && !w->settling); /* nothing of the last request is pending */
    struct svc_call *c = &w->call;
    memset(c, 0, offsetof(struct svc_call, err) + 1);
    c->svc = svc;
    c->w = w;
    c->db = svc->rdb;
    c->now_s = req->now_s;
    c->output = &w->body;
    w->med_type[0] = '\0';
    w->bill_current = false;
    w->lines_cut = false;
    json_buf_reset(&w->body);
    json_buf_reset(&w->out);
    if (waiter != NULL) w->waiter = *waiter;
    else memset(&w->waiter, 0, sizeof w->waiter);
    int rc = dispatch(c, req);
    if (rc == SVC_PENDING) return NULL;
    return respond(c, rc, len);
}

const char *service_finish(struct service *svc, struct svc_worker *w, size_t *len) {
    assert(svc != NULL && w != NULL && w->after != NULL);
    int (*after)(struct svc_call * c) = w->after;
    w->after = NULL;
    w->in_flight = false;
    w->job_in_flight = false;
    int rc = after(&w->call); /* may queue the next step: SVC_PENDING again */
    return rc == SVC_PENDING ? NULL : respond(&w->call, rc, len);
}

const char *service_handle(struct service *svc, struct svc_worker *w, const struct svc_request *req,
                           size_t *len) {
    assert(svc != NULL && w != NULL && req != NULL && len != NULL);
    return service_begin(svc, w, req, NULL, len);
}
