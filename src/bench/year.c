/* year.c: `yibao-bench year` settles a synthetic city's whole
 * year end to end: the generator streams its bills (no files), and each is
 * settled against the person's evolving year state.
 *
 *   yibao-bench year [--persons N] [--seed S] [--policy-set NAME] [--db PATH] [--bills N]
 *                    [--dated]
 *
 * Without --db every settlement runs through the pure core with all year
 * states held in memory in a packed form (what memory an insured person
 * costs is reported). With --db the bills go through the durable store's
 * commit queue (group commit, fsync'd), pipelined WINDOW at a time; the
 * store must hold the city's registry (`yibao gen city --registry-only`
 * then `yibao import`). --bills stops after the year's first N bills (a
 * shorter run of the same mix). --dated (with --db) journals each
 * settlement at its bill's end time (the store's simulated time,
 * commitq_simulated_time) instead of the clock's, never before the one
 * ahead of it: the year's settlements fall in their months, so that a
 * city-year has twelve monthly pay runs (bench/cityyear.sh, issue 17).
 * Prints one JSON line of figures. A
 * progress line on a terminal; Ctrl-C stops after the bills in flight
 * and says how many were settled (exit 128 + signal, no figures). */
#include <assert.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "app/refusal.h"
#include "bench/bench.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "core/settle.h"
#include "gen/gen.h"
#include "store/store.h"

#define YEAR_WINDOW 4096 /* durable mode: requests in flight */

_Static_assert(GEN_MSGID_BYTES_MAX <= MSGID_BYTES_MAX, "a generated msgid fits the store's");

struct year_run {
    struct policy policies[BENCH_SET_POLICIES_MAX];
    int policy_count;
    struct catalog catalog;
    struct gen_city *city;
    struct bench_packed_state *states;
    int64_t settled, refused, lines, overflow;
    int64_t bills_max; /* 0: the whole year */
    bool dated;        /* --dated: each record at its bill's end time */
    int64_t last_us;   /* --dated: the last record's time (unix us) */
    int64_t refused_by_code[SETTLE_CODE_COUNT];
    int64_t refused_by_app[APP_REFUSAL_COUNT]; /* the store's own refusals (unknown person ...) */
    int64_t fund_fen[FUND_LAYER_COUNT + 2];    /* each fund layer, acct, cash */
    struct progress progress;                  /* on a terminal */
    datetime_s year_from;                      /* the year's first second */
};

/* The progress line after bill n (of the year, by its end date, or of
 * --bills); false once Ctrl-C asks to stop. */
static bool year_tick(struct year_run *run, int64_t n, const struct bill *bill) {
    double year_s = 366.0 * 86400.0;
    double fraction = run->bills_max > 0 ? (double)n / (double)run->bills_max
                                         : (double)(bill->endtime - run->year_from) / year_s;
    progress_update(&run->progress, n, fraction);
    return progress_interrupted() == 0;
}

static const struct policy *policy_for(const struct year_run *run, int32_t insutype, int32_t year) {
    for (int i = 0; i < run->policy_count; i++)
        if (run->policies[i].insutype == insutype && run->policies[i].year == year)
            return &run->policies[i];
    return NULL;
}

static void count_result(struct year_run *run, const struct settle_result *r, int32_t lines) {
    run->lines += lines;
    if (r->code != SETTLE_OK) {
        run->refused++;
        run->refused_by_code[r->code]++;
        return;
    }
    run->settled++;
    for (int i = 0; i < FUND_LAYER_COUNT; i++)
        run->fund_fen[i] += fund_layer_pay(&r->setl, (enum fund_layer_id)i);
    run->fund_fen[FUND_LAYER_COUNT] += r->setl.acct_pay;
    run->fund_fen[FUND_LAYER_COUNT + 1] += r->setl.psn_cash_pay;
}

static int year_in_memory(struct year_run *run) {
    struct gen_stream *stream = NULL;
    struct gen_bill_out *out = malloc(sizeof *out);
    struct gen_person *gp = malloc(sizeof *gp);
    static struct year_state st;
    static struct settle_result r;
    int rc = -1;
    int32_t year = gen_city_year(run->city);
    if (out == NULL || gp == NULL || gen_stream_open(run->city, &stream) != 0) goto done;
    for (int64_t n = 0;
         (run->bills_max == 0 || n < run->bills_max) && (rc = gen_next_bill(stream, out)) == 1;
         n++) {
        gen_person_get(run->city, out->psn_index, gp);
        const struct policy *policy = policy_for(run, gp->person.insutype, year);
        if (policy == NULL) { /* as app_settle says it: no policy for the year and scheme */
            run->refused++;
            run->refused_by_code[E_POLICY_YEAR]++;
            continue;
        }
        struct bench_packed_state *packed = &run->states[out->psn_index];
        bench_unpack(packed, &st, year, gp->person.acct_balc_fen);
        struct settle_input in = {policy,
                                  &run->catalog,
                                  &gen_institution_get(run->city, out->institution_index)->inst,
                                  &gp->person,
                                  &st,
                                  &out->bill,
                                  NULL,
                                  0};
        if (settle(&in, &r, NULL, NULL) == SETTLE_OK) {
            year_state_apply(&st, &r.delta);
            if (!bench_pack(packed, &st)) run->overflow++;
        }
        count_result(run, &r, out->bill.line_count);
        if (!year_tick(run, n + 1, &out->bill)) break;
    }
    if (rc == 1) rc = 0; /* stopped at --bills or by Ctrl-C */
done:
    if (stream) gen_stream_close(stream);
    free(out);
    free(gp);
    return rc == 0 ? 0 : (fprintf(stderr, "yibao-bench year: the generator failed\n"), -1);
}

struct year_slot {
    struct gen_bill_out out;
    struct store_req req;
    bool busy;
};

static int slot_finish(struct year_run *run, struct commitq *q, struct year_slot *slot) {
    if (!slot->busy) return 0;
    commitq_wait(q, &slot->req);
    slot->busy = false;
    if (slot->req.status == STORE_FAILED)
        return fprintf(stderr, "yibao-bench year: %s\n", slot->req.err.msg), -1;
    struct settle_result r = {.code = SETTLE_OK};
    if (slot->req.status == STORE_REFUSED) {
        r.code = settle_code_parse(slot->req.error ? slot->req.error : "");
        if (r.code == SETTLE_CODE_COUNT) { /* the store's own: unknown person, not insured ... */
            for (int c = 0; c < APP_REFUSAL_COUNT; c++)
                if (strcmp(slot->req.error, app_refusal_name((enum app_refusal_code)c)) == 0)
                    run->refused_by_app[c]++;
            run->refused++;
            run->lines += slot->out.bill.line_count;
            return 0;
        }
    } else {
        r.setl = slot->req.stl.setl;
    }
    count_result(run, &r, slot->out.bill.line_count);
    return 0;
}

/* The unix time (us) of a local time of the bills (the process's zone, as
 * the store reads a record's month: postings_month_local). */
static int64_t local_to_unix_us(datetime_s local) {
    time_t as_utc = (time_t)(local - datetime_from_civil(1970, 1, 1, 0, 0, 0));
    struct tm tm;
    if (gmtime_r(&as_utc, &tm) == NULL) return 0;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    assert(t != (time_t)-1 || as_utc == (time_t)-1);
    return (int64_t)t * 1000000;
}

/* --dated: the request's journal time, its bill's end time, never before
 * the one ahead of it (the journal's times follow seq between breaks). */
static void date_request(struct year_run *run, struct store_req *req) {
    assert(run != NULL && req != NULL && req->bill != NULL);
    if (!run->dated) return;
    int64_t at_us = local_to_unix_us(req->bill->endtime);
    if (at_us < run->last_us) at_us = run->last_us;
    req->sim_time_us = run->last_us = at_us > 0 ? at_us : 1;
}

static int year_durable(struct year_run *run, const char *db) {
    struct store *store = NULL;
    struct commitq *q = NULL;
    struct gen_stream *stream = NULL;
    struct store_err err;
    struct year_slot *slots = calloc(YEAR_WINDOW, sizeof *slots);
    int rc = -1, more = 1;
    if (slots == NULL || store_open(db, &store, &err) != 0 ||
        commitq_start(store, BATCH_MAX, &q, &err) != 0) {
        fprintf(stderr, "yibao-bench year: %s\n", slots ? err.msg : "out of memory");
        goto done;
    }
    if (run->dated) commitq_simulated_time(q);
    if (gen_stream_open(run->city, &stream) != 0) goto done;
    for (int64_t n = 0; more == 1; n++) {
        struct year_slot *slot = &slots[n % YEAR_WINDOW];
        if (slot_finish(run, q, slot) != 0) goto done;
        if (run->bills_max > 0 && n >= run->bills_max) more = 0;
        if (more == 0 || (more = gen_next_bill(stream, &slot->out)) != 1) break;
        memset(&slot->req, 0, sizeof slot->req);
        slot->req.op = STORE_OP_SETTLE;
        slot->out.bill.lines = slot->out.lines;
        slot->req.bill = &slot->out.bill;
        date_request(run, &slot->req);
        snprintf(slot->req.msgid, sizeof slot->req.msgid, "%s", slot->out.msgid);
        snprintf(slot->req.psn_no, sizeof slot->req.psn_no, "%s", slot->out.psn_no);
        if (commitq_submit(q, &slot->req) != 0) goto done;
        slot->busy = true;
        if (!year_tick(run, n + 1, &slot->out.bill)) more = 0;
    }
    rc = more == 0 ? 0 : -1;
    for (int i = 0; i < YEAR_WINDOW; i++)
        if (slot_finish(run, q, &slots[i]) != 0) rc = -1;
done:
    if (stream) gen_stream_close(stream);
    if (q) commitq_stop(q);
    if (store) store_close(store);
    free(slots);
    return rc;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void print_figures(const struct year_run *run, const char *mode, int64_t persons,
                          double seconds) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    int64_t bills = run->settled + run->refused;
    printf(
        "{\"bench\":\"year\",\"mode\":\"%s\",\"persons\":%lld,\"bills\":%lld,\"lines\":%lld,"
        "\"settled\":%lld,\"refused\":%lld,\"seconds\":%.1f,\"settlements_per_s\":%.0f,"
        "\"peak_rss_mib\":%.0f,\"state_bytes_per_person\":%zu,\"packed_overflow\":%lld,\"refused_by_code\":{",
        mode, (long long)persons, (long long)bills, (long long)run->lines, (long long)run->settled,
        (long long)run->refused, seconds, (double)bills / seconds, (double)usage.ru_maxrss / 1024.0,
        strcmp(mode, "memory") == 0 ? sizeof(struct bench_packed_state) : (size_t)0,
        (long long)run->overflow);
    bool first = true;
    for (int c = 1; c < SETTLE_CODE_COUNT; c++) {
        if (run->refused_by_code[c] == 0) continue;
        printf("%s\"%s\":%lld", first ? "" : ",", settle_code_name((enum settle_code)c),
               (long long)run->refused_by_code[c]);
        first = false;
    }
    for (int c = 0; c < APP_REFUSAL_COUNT; c++) {
        if (run->refused_by_app[c] == 0) continue;
        printf("%s\"%s\":%lld", first ? "" : ",", app_refusal_name((enum app_refusal_code)c),
               (long long)run->refused_by_app[c]);
        first = false;
    }
    printf("},\"totals_yuan\":{");
    for (int i = 0; i < FUND_LAYER_COUNT + 2; i++) {
        char name[CODE_BYTES_MAX + 1];
        if (i < FUND_LAYER_COUNT)
            snprintf(name, sizeof name, "%s_pay", fund_layer((enum fund_layer_id)i)->fund);
        else snprintf(name, sizeof name, "%s", i == FUND_LAYER_COUNT ? "acct_pay" : "psn_cash_pay");
        printf("%s\"%s\":%lld.%02lld", i ? "," : "", name, (long long)(run->fund_fen[i] / 100),
               (long long)(run->fund_fen[i] % 100));
    }
    printf("}}\n");
}

int bench_year(int argc, char **argv) {
    const char *persons_text = "6500000", *seed_text = "1", *set = "maoming-2020", *db = NULL;
    const char *bills_text = NULL;
    bool bad = false, dated = false;
    for (int i = 1; i < argc && !bad; i++)
        if (strcmp(argv[i], "--dated") == 0) dated = true;
        else if (!cli_option(argc, argv, &i, "--persons", &persons_text, &bad) &&
                 !cli_option(argc, argv, &i, "--seed", &seed_text, &bad) &&
                 !cli_option(argc, argv, &i, "--policy-set", &set, &bad) &&
                 !cli_option(argc, argv, &i, "--db", &db, &bad) &&
                 !cli_option(argc, argv, &i, "--bills", &bills_text, &bad))
            bad = fprintf(stderr, "yibao-bench year: unexpected argument '%s'\n", argv[i]) > 0;
    long long persons, seed, bills_max = 0;
    if (bad || !cli_positive("--persons", persons_text, GEN_PERSONS_MAX, &persons) ||
        !cli_positive("--seed", seed_text, INT64_MAX / 2, &seed) ||
        (bills_text && !cli_positive("--bills", bills_text, INT64_MAX / 2, &bills_max)))
        return EXIT_BAD_INPUT;
    if (dated && db == NULL)
        return fprintf(stderr, "yibao-bench year: --dated: only with --db\n"), EXIT_BAD_INPUT;
    struct year_run *run = calloc(1, sizeof *run);
    struct gen_config config;
    char err[256];
    int rc = EXIT_BAD_INPUT;
    gen_config_defaults(&config);
    config.persons = persons;
    config.seed = (uint64_t)seed;
    config.policy_set = set;
    if (run == NULL) return fprintf(stderr, "yibao-bench: out of memory\n"), EXIT_BAD_INPUT;
    run->bills_max = bills_max;
    run->dated = dated;
    catalog_init(&run->catalog);
    if (bench_policy_set(set, run->policies, &run->policy_count, &run->catalog) != 0) goto done;
    if (gen_city_open(&config, &run->city, err, sizeof err) != 0) {
        fprintf(stderr, "yibao-bench year: %s\n", err);
        goto done;
    }
    if (db == NULL && (run->states = calloc((size_t)persons, sizeof *run->states)) == NULL) {
        fprintf(stderr, "yibao-bench year: no memory for %lld year states\n", persons);
        goto done;
    }
    double t0 = now_s();
    run->year_from = datetime_from_civil(gen_city_year(run->city), 1, 1, 0, 0, 0);
    progress_catch_signals();
    progress_start(&run->progress, "year", "bills");
    int done = db ? year_durable(run, db) : year_in_memory(run);
    progress_finish(&run->progress);
    if (done == 0 && progress_interrupted() != 0) {
        fprintf(stderr,
                "yibao-bench year: stopped by a signal after %lld bills (%lld settled, %lld "
                "refused); no figures\n",
                (long long)(run->settled + run->refused), (long long)run->settled,
                (long long)run->refused);
        rc = progress_exit_status();
    } else if (done == 0) {
        print_figures(run, db ? "durable" : "memory", persons, now_s() - t0);
        rc = run->overflow == 0 ? 0 : EXIT_CHECK_FAILED;
    }
done:
    if (run->city) gen_city_close(run->city);
    catalog_free(&run->catalog);
    free(run->states);
    free(run);
    return rc;
}
