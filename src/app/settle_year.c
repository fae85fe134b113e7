/* settle_year.c: the year-end settlement with the institutions
 * (settle_year.h; FUNDS.md §6, §7; docs/PAYMENT.md).
 *
 * A run reads the year's agreements, then the journal once: every
 * settlement of the policy year (its figures as journaled) and every
 * revoke; then the settlements' bills (journal data: med_type, dise_codg
 * and the bill's end time, which is the care's day in the policy year and
 * so its setl_time for §6d: the journal's time is when it was settled,
 * which may be another year), the capitation signings and the deposit
 * accounts, all of it in one snapshot: a case decided meanwhile is either
 * wholly in what was read (its sanction and the deposit it drew) or not at
 * all. It refuses, listing every problem, before anything is written; then
 * computes each institution's figures with the pure rules
 * (core/payment.h) and posts one record each, in batches of one
 * transaction, the journal's msgid making each institution's year posted
 * once. Each batch's transaction checks that the deposits still to be
 * released hold what was read and that no settlement or revoke of the
 * year was journaled after the last record read; when one changed (a
 * case decided, a payment run, a bill settled or revoked, after the
 * read), the year is read again, up to SETTLE_YEAR_READINGS_MAX readings.
 * The read also counts the settlements and revokes of the year journaled
 * after their institution's year-end record: late, paid monthly, named. */
#include "app/settle_year.h"
#include "app/array_room.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/lookup.h"
#include "app/names.h"
#include "core/agreement.h"
#include "core/bill.h"
#include "core/money.h"
#include "core/person.h"
#include "store/enrol_rows.h"

/* A settlement of the year as the methods read it (FUNDS.md §6a-6d): 56
 * bytes where struct pay_settlement takes 360, the strings as indexes
 * into the run's names, so the 1M-person year's 9.1 M settlements take
 * about 510 MiB. Only the cases a method looks at one by one (inpatient
 * cases for quotas and DIP, general outpatient ones for capitation) are
 * widened to struct pay_settlement, an institution or a DIP region at a
 * time, for the core's rules. */
struct setl {
    int64_t seq;
    int64_t hifp_pay, medfee_sumamt;
    int64_t others_fen;   /* psn_part_amt + hifob_pay + hifmi_pay + maf_pay */
    datetime_s setl_time; /* the bill's end time; 0 without a bill */
    int32_t code, psn;    /* in run.codes, run.persons */
    int32_t dise;         /* in run.dises; -1 without a bill */
    int16_t med_type;     /* the bill's enum med_type; SETL_NO_BILL before it is read */
    bool revoked;         /* revoked in the journal, or refused by the what-if */
};

#define SETL_NO_BILL INT16_MIN
_Static_assert(sizeof(struct setl) <= 56, "a settlement of the year in 56 bytes");

/* One institution with an agreement for the year. */
struct inst {
    const struct agreement *a;
    const struct agreement_institution *t;
    int32_t first, count; /* its settlements: run.order[first..first+count) */
    int32_t sign_first, sign_count;
    struct dip_due dip; /* PAY_DIP: its share (filled per region) */
};

struct signing {
    char code[CODE_BYTES_MAX + 1];
    struct pay_signing s;
};

struct deposit {
    char account[ACCOUNT_BYTES_MAX + 1];
    int64_t balance_fen;
};

/* An institution's deposit deductions of the year decided by cases (less
 * those an appeal lifted): its sanctions (FUNDS.md §7). */
struct sanction {
    char code[CODE_BYTES_MAX + 1];
    int64_t fen;
};

struct run {
    struct store *store;
    const struct app_settle_year_opts *opts;
    struct app_settle_year_out *out;
    struct store_err *err;
    struct agreement *agreements[SETTLE_YEAR_REGIONS_MAX];
    size_t agreement_count;
    struct setl *setl; /* the year's settlements in seq order */
    size_t setl_count, setl_cap;
    int32_t *order; /* indexes into setl: by institution code, then seq */
    struct app_names codes, persons, dises;
    int64_t *revoked;
    size_t revoked_count, revoked_cap;
    struct pay_settlement *wide; /* the cases a method reads one by one, widened */
    size_t wide_count, wide_cap;
    struct inst *insts;
    size_t inst_count;
    struct signing *signings;
    size_t signing_count, signing_cap;
    struct pay_signing *signed_; /* signings' in (code, file) order */
    struct deposit *deposits;
    size_t deposit_count, deposit_cap;
    struct sanction *sanctions; /* by code once the journal is read */
    size_t sanction_count, sanction_cap;
    struct bill_line *lines;
    int64_t read_seq;        /* the last journal record the snapshot saw */
    struct app_names closed; /* institutions with a year-end record of the year */
    unsigned char *late_at;  /* closed's: 1 once a record came after its year-end */
    size_t late_cap;
    bool over; /* more settlements than the limit: refused */
    int failed;
};

static void problem(struct run *r, const char *code, const char *what) {
    assert(r != NULL && code != NULL && what != NULL);
    r->out->missing++;
    if (r->opts->missing) r->opts->missing(r->opts->ctx, code, what);
}

/* ---- reading ---------------------------------------------------------------------- */
static int agreement_row(void *ctx, const struct agreement *a) {
    struct run *r = ctx;
    assert(r != NULL && a != NULL);
    if (a->year != r->opts->year) return 0;
    if (r->opts->region != NULL && strcmp(a->region, r->opts->region) != 0) return 0;
    for (size_t i = 0; i < r->opts->replace_count; i++)
        if (strcmp(r->opts->replace[i].region, a->region) == 0 && a != &r->opts->replace[i])
            return 0; /* the what-if's agreement stands for it */
    if (r->agreement_count == SETTLE_YEAR_REGIONS_MAX) {
        store_errf(r->err, "settle-year: more than %d regions' agreements for %d",
                   SETTLE_YEAR_REGIONS_MAX, (int)a->year);
        return r->failed = 1, 1;
    }
    struct agreement *copy = malloc(sizeof *copy);
    if (copy == NULL) return store_errf(r->err, "settle-year: out of memory"), r->failed = 1, 1;
    memcpy(copy, a, sizeof *copy);
    r->agreements[r->agreement_count++] = copy;
    return 0;
}

/* A case's decision deducting from the deposit of the year (+), or its
 * appeal lifting that deduction (-): the institution's sanctions. The
 * money moved at the decision (D:<code>:<year> to the pool, case_postings),
 * so the deposit's balance is already less the sanction: the year-end
 * record shows the deposit before the sanctions and releases the rest. */
static int case_row(struct run *r, const struct journal_rec *rec) {
    struct store_case c;
    const char *bad = NULL;
    assert(r != NULL && rec != NULL && rec->kind == JOURNAL_CASE);
    if (case_decode(rec->body, &c, &bad) != 0)
        return store_errf(r->err, "journal seq %lld: case body does not decode at %s",
                          (long long)rec->seq, bad),
               r->failed = 1, 1;
    bool decided = c.step == CASE_DECISION, lifted = c.step == CASE_APPEAL && c.lifted;
    if (c.sanction != SANCTION_DEDUCT || c.year != r->opts->year || !(decided || lifted)) return 0;
    struct sanction *x = NULL;
    for (size_t i = 0; i < r->sanction_count && x == NULL; i++)
        if (strcmp(r->sanctions[i].code, c.inst) == 0) x = &r->sanctions[i];
    if (x == NULL) {
        if (!app_array_room((void **)&r->sanctions, &r->sanction_cap, r->sanction_count + 1,
                            sizeof *r->sanctions))
            return store_errf(r->err, "settle-year: out of memory"), r->failed = 1, 1;
        x = memset(&r->sanctions[r->sanction_count++], 0, sizeof *r->sanctions);
        snprintf(x->code, sizeof x->code, "%s", c.inst);
    }
    x->fen += decided ? c.amount_fen : -c.amount_fen;
    return 0;
}

static size_t settlements_max(const struct app_settle_year_opts *o) {
    assert(o != NULL && o->settlements_max <= SETTLE_YEAR_SETTLEMENTS_MAX);
    return o->settlements_max > 0 ? o->settlements_max : SETTLE_YEAR_SETTLEMENTS_MAX;
}

/* A year-end record of the policy year (msgid "year-end/<code>/<year>"):
 * its institution is settled for the year from here on in the journal. */
static int closed_row(struct run *r, const struct journal_rec *rec) {
    assert(r != NULL && rec != NULL && rec->kind == JOURNAL_YEAR_END);
    static const char prefix[] = "year-end/";
    const char *code = rec->msgid + sizeof prefix - 1, *slash = strrchr(rec->msgid, '/');
    if (strncmp(rec->msgid, prefix, sizeof prefix - 1) != 0 || slash < code)
        return store_errf(r->err, "journal seq %lld: a year-end msgid without its institution",
                          (long long)rec->seq),
               r->failed = 1, 1;
    char name[CODE_BYTES_MAX + 1];
    snprintf(name, sizeof name, "%.*s", (int)(slash - code), code);
    int32_t at = app_names_add(&r->closed, name);
    if (at < 0 || !app_array_room((void **)&r->late_at, &r->late_cap, (size_t)at + 1, 1))
        return store_errf(r->err, "settle-year: out of memory"), r->failed = 1, 1;
    r->late_at[at] = 0;
    return 0;
}

/* A settlement or revoke of the policy year at code: when the journal
 * holds the institution's year-end record before it, it came after the
 * year was settled there: the monthly runs pay it, the year-end record
 * stands (docs/PAYMENT.md), and the run says how many there are. */
static void late_row(struct run *r, const char *code) {
    assert(r != NULL && code != NULL);
    int32_t at = r->closed.count > 0 ? app_names_find(&r->closed, code) : -1;
    if (at < 0) return;
    r->out->late++;
    if (!r->late_at[at]) r->out->late_institutions++;
    r->late_at[at] = 1;
}

/* A settlement of the policy year: its figures (the what-if's, when it
 * replaces them), its institution and person as indexes. */
static int settle_row(struct run *r, const struct journal_rec *rec) {
    struct store_settlement stl;
    const char *bad = NULL;
    assert(r != NULL && rec != NULL && rec->kind == JOURNAL_SETTLE);
    if (settlement_decode(rec->body, &stl, &bad) != 0)
        return store_errf(r->err, "journal seq %lld: body does not decode", (long long)rec->seq),
               r->failed = 1, 1;
    if (r->setl_count == settlements_max(r->opts)) {
        char what[128];
        snprintf(what, sizeof what,
                 "more than %zu settlements of %d, the most a year-end holds in memory"
                 " (SETTLE_YEAR_SETTLEMENTS_MAX)",
                 settlements_max(r->opts), (int)r->opts->year);
        problem(r, "settlements", what);
        return r->over = true, 1; /* stop the scan: refused */
    }
    if (!app_array_room((void **)&r->setl, &r->setl_cap, r->setl_count + 1, sizeof *r->setl))
        return store_errf(r->err, "settle-year: out of memory"), r->failed = 1, 1;
    assert(r->setl_count == 0 || r->setl[r->setl_count - 1].seq < rec->seq);
    const struct setlinfo *f = &stl.setl;
    struct settle_year_figures fig = {
        .hifp_pay = f->hifp_pay,
        .others_fen = f->psn_part_amt + f->hifob_pay + f->hifmi_pay + f->maf_pay,
    };
    if (r->opts->refigure != NULL && r->opts->refigure(r->opts->ctx, rec->seq, &fig, r->err) != 0)
        return r->failed = 1, 1;
    struct setl *s = &r->setl[r->setl_count];
    *s = (struct setl){.seq = rec->seq,
                       .hifp_pay = fig.hifp_pay,
                       .medfee_sumamt = f->medfee_sumamt,
                       .others_fen = fig.others_fen,
                       .code = app_names_add(&r->codes, rec->fixmedins_code),
                       .psn = app_names_add(&r->persons, rec->psn_no),
                       .dise = -1,
                       .med_type = SETL_NO_BILL,
                       .revoked = fig.refused};
    if (s->code < 0 || s->psn < 0)
        return store_errf(r->err, "settle-year: out of memory"), r->failed = 1, 1;
    r->setl_count++;
    return 0;
}

static int journal_row(void *ctx, const struct journal_rec *rec) {
    struct run *r = ctx;
    assert(r != NULL && rec != NULL && rec->seq > r->read_seq);
    r->read_seq = rec->seq; /* what the postings check the journal after */
    if (rec->kind == JOURNAL_CASE) return case_row(r, rec);
    if (rec->kind == JOURNAL_YEAR_END && rec->year == r->opts->year) return closed_row(r, rec);
    if ((rec->kind == JOURNAL_REVOKE || rec->kind == JOURNAL_SETTLE) && rec->year == r->opts->year)
        late_row(r, rec->fixmedins_code);
    if (rec->kind == JOURNAL_REVOKE) {
        if (!app_array_room((void **)&r->revoked, &r->revoked_cap, r->revoked_count + 1,
                            sizeof *r->revoked))
            return store_errf(r->err, "settle-year: out of memory"), r->failed = 1, 1;
        r->revoked[r->revoked_count++] = rec->ref_seq;
        return 0;
    }
    if (rec->kind != JOURNAL_SETTLE || rec->year != r->opts->year) return 0;
    return settle_row(r, rec);
}

static int setl_by_seq(const void *key, const void *item) {
    int64_t k = *(const int64_t *)key, s = ((const struct setl *)item)->seq;
    return (k > s) - (k < s);
}

/* A settlement's bill: the case's kind, diagnosis and day. */
static int data_row(void *ctx, const struct journal_data *d) {
    struct run *r = ctx;
    assert(r != NULL && d != NULL);
    struct setl *s = bsearch(&d->seq, r->setl, r->setl_count, sizeof *r->setl, setl_by_seq);
    if (s == NULL) return 0; /* an import's file, or another year's bill */
    struct bill bill;
    if (bill_blob_decode(d->bytes, d->len, &bill, r->lines, BILL_LINES_MAX) != 0)
        return store_errf(r->err, "journal seq %lld: its bill does not decode", (long long)d->seq),
               r->failed = 1, 1;
    s->med_type = (int16_t)bill.med_type; /* -1..41 */
    s->dise = app_names_add(&r->dises, bill.dise_codg);
    s->setl_time = bill.endtime;
    if (s->dise < 0) return store_errf(r->err, "settle-year: out of memory"), r->failed = 1, 1;
    return 0;
}

static int i64_order(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int sanction_order(const void *a, const void *b) {
    return strcmp(((const struct sanction *)a)->code, ((const struct sanction *)b)->code);
}

/* The journal, the bills, the revokes. */
static int read_settlements(struct run *r) {
    assert(r != NULL);
    if (store_journal_range(r->store, 1, INT64_MAX, journal_row, r, r->err) < 0 || r->failed)
        return -1;
    if (r->over) return 0; /* refused: the rest is not read */
    if (r->sanction_count > 1)
        qsort(r->sanctions, r->sanction_count, sizeof *r->sanctions, sanction_order);
    r->out->settlements = (int64_t)r->setl_count;
    if (r->setl_count == 0) return 0;
    const struct store_backend *ops = store_ops(r->store);
    if (ops->data_scan(store_conn(r->store), r->setl[0].seq, r->setl[r->setl_count - 1].seq,
                       data_row, r, r->err) < 0 ||
        r->failed)
        return -1;
    if (r->revoked_count > 0) qsort(r->revoked, r->revoked_count, sizeof *r->revoked, i64_order);
    for (size_t i = 0; i < r->setl_count && r->revoked_count > 0; i++)
        if (bsearch(&r->setl[i].seq, r->revoked, r->revoked_count, sizeof *r->revoked, i64_order) !=
            NULL)
            r->setl[i].revoked = true;
    return 0;
}

/* A code and its index in run.codes, to sort the codes. */
struct ranked {
    const char *code;
    int32_t index;
};

static int ranked_order(const void *a, const void *b) {
    return strcmp(((const struct ranked *)a)->code, ((const struct ranked *)b)->code);
}

/* run.order: the settlements grouped by institution code in code order,
 * by seq within one (a counting sort, stable over the seq order they were
 * read in); codes[k] the code of rank k, at[k]..at[k+1] its settlements. */
static int order_by_code(struct run *r, struct ranked *codes, size_t *at) {
    assert(r != NULL && codes != NULL && at != NULL);
    size_t k_count = r->codes.count;
    int32_t *rank = malloc((k_count ? k_count : 1) * sizeof *rank);
    r->order = malloc((r->setl_count ? r->setl_count : 1) * sizeof *r->order);
    if (rank == NULL || r->order == NULL)
        return free(rank), store_errf(r->err, "settle-year: out of memory"), -1;
    for (size_t k = 0; k < k_count; k++)
        codes[k] = (struct ranked){app_names_get(&r->codes, (int32_t)k), (int32_t)k};
    if (k_count > 1) qsort(codes, k_count, sizeof *codes, ranked_order);
    for (size_t k = 0; k <= k_count; k++) at[k] = 0;
    for (size_t k = 0; k < k_count; k++) rank[codes[k].index] = (int32_t)k;
    for (size_t i = 0; i < r->setl_count; i++) at[rank[r->setl[i].code] + 1]++;
    for (size_t k = 0; k < k_count; k++) at[k + 1] += at[k];
    size_t *next = malloc((k_count ? k_count : 1) * sizeof *next);
    if (next == NULL) return free(rank), store_errf(r->err, "settle-year: out of memory"), -1;
    memcpy(next, at, k_count * sizeof *next);
    for (size_t i = 0; i < r->setl_count; i++) r->order[next[rank[r->setl[i].code]]++] = (int32_t)i;
    free(next);
    free(rank);
    return 0;
}

static int signing_row(void *ctx, const struct store_enrol_row *row) {
    struct run *r = ctx;
    assert(r != NULL && row != NULL);
    if (r->signing_count == SETTLE_YEAR_SIGNINGS_MAX ||
        !app_array_room((void **)&r->signings, &r->signing_cap, r->signing_count + 1,
                        sizeof *r->signings))
        return store_errf(r->err, "settle-year: out of memory (or more than %d signings)",
                          SETTLE_YEAR_SIGNINGS_MAX),
               r->failed = 1, 1;
    struct signing *g = memset(&r->signings[r->signing_count], 0, sizeof *r->signings);
    /* the import refuses codes longer than CODE_BYTES_MAX */
    snprintf(g->code, sizeof g->code, "%.*s", CODE_BYTES_MAX, row->col[SIGN_INST]);
    snprintf(g->s.psn_no, sizeof g->s.psn_no, "%.*s", CODE_BYTES_MAX, row->col[SIGN_PSN]);
    const char *to = row->col[SIGN_TO];
    g->s.open = to[0] == '\0';
    if (!datetime_parse(row->col[SIGN_FROM], strlen(row->col[SIGN_FROM]), &g->s.from) ||
        (!g->s.open && !datetime_parse(to, strlen(to), &g->s.to)))
        return store_errf(r->err, "signing of %s at %s: a date does not parse", g->s.psn_no,
                          g->code),
               r->failed = 1, 1;
    r->signing_count++;
    return 0;
}

static int signing_order(const void *a, const void *b) {
    return strcmp(((const struct signing *)a)->code, ((const struct signing *)b)->code);
}

static int deposit_row(void *ctx, const char *account, int64_t balance_fen) {
    struct run *r = ctx;
    assert(r != NULL && account != NULL);
    if (!app_array_room((void **)&r->deposits, &r->deposit_cap, r->deposit_count + 1,
                        sizeof *r->deposits))
        return store_errf(r->err, "settle-year: out of memory"), r->failed = 1, 1;
    struct deposit *d = &r->deposits[r->deposit_count++];
    snprintf(d->account, sizeof d->account, "%s", account);
    d->balance_fen = balance_fen;
    return 0;
}

/* Signings (sorted by institution, stable within one) and deposits. */
static int read_rest(struct run *r) {
    assert(r != NULL);
    if (store_enrol_scan(r->store, ENROL_SIGNINGS, NULL, signing_row, r, r->err) < 0 || r->failed)
        return -1;
    if (r->signing_count > 0) {
        /* the scan is in key order (institution first), so sorted already;
         * a sort keeps the rule whatever a backend's order */
        for (size_t i = 1; i < r->signing_count; i++)
            if (signing_order(&r->signings[i - 1], &r->signings[i]) > 0) {
                qsort(r->signings, r->signing_count, sizeof *r->signings, signing_order);
                break;
            }
        r->signed_ = malloc(r->signing_count * sizeof *r->signed_);
        if (r->signed_ == NULL) return store_errf(r->err, "settle-year: out of memory"), -1;
        for (size_t i = 0; i < r->signing_count; i++) r->signed_[i] = r->signings[i].s;
    }
    if (store_accounts_in_snapshot(r->store, "D:", deposit_row, r, r->err) < 0 || r->failed)
        return -1;
    return 0;
}

/* ---- the institutions ------------------------------------------------------------------ */
static int inst_order(const void *a, const void *b) {
    return strcmp(((const struct inst *)a)->t->fixmedins_code,
                  ((const struct inst *)b)->t->fixmedins_code);
}

static int inst_by_code(const void *key, const void *item) {
    return strcmp(key, ((const struct inst *)item)->t->fixmedins_code);
}

/* A settlement's institution counts: every region's, or the run's region's. */
static bool in_region(const struct run *r, const char *code) {
    assert(r != NULL && code != NULL);
    if (r->opts->region == NULL) return true;
    const struct store_institution *in = store_institution_find(r->store, code);
    return in == NULL || strcmp(in->region, r->opts->region) == 0;
}

/* Every agreement's institutions, sorted. */
static int institutions(struct run *r) {
    assert(r != NULL);
    size_t n = 0;
    for (size_t i = 0; i < r->agreement_count; i++)
        n += (size_t)r->agreements[i]->institution_count;
    r->insts = calloc(n ? n : 1, sizeof *r->insts);
    if (r->insts == NULL) return store_errf(r->err, "settle-year: out of memory"), -1;
    for (size_t i = 0; i < r->agreement_count; i++)
        for (int32_t k = 0; k < r->agreements[i]->institution_count; k++)
            r->insts[r->inst_count++] = (struct inst){.a = r->agreements[i],
                                                      .t = &r->agreements[i]->institutions[k]};
    if (r->inst_count > 0) qsort(r->insts, r->inst_count, sizeof *r->insts, inst_order);
    r->out->institutions = (int64_t)r->inst_count;
    return 0;
}

/* The institutions, each with its settlements and signings; a
 * settlement's institution without one is a problem. */
static int gather(struct run *r) {
    assert(r != NULL);
    size_t k_count = r->codes.count;
    struct ranked *codes = malloc((k_count ? k_count : 1) * sizeof *codes);
    size_t *at = malloc((k_count + 1) * sizeof *at);
    int rc = codes != NULL && at != NULL ? institutions(r)
                                         : (store_errf(r->err, "settle-year: out of memory"), -1);
    if (rc == 0) rc = order_by_code(r, codes, at);
    for (size_t k = 0; rc == 0 && k < k_count; k++) {
        struct inst *x = r->inst_count ? bsearch(codes[k].code, r->insts, r->inst_count,
                                                 sizeof *r->insts, inst_by_code)
                                       : NULL;
        if (x == NULL && in_region(r, codes[k].code))
            problem(r, codes[k].code, "no payment agreement for the year");
        else if (x != NULL) x->first = (int32_t)at[k], x->count = (int32_t)(at[k + 1] - at[k]);
    }
    free(codes);
    free(at);
    for (size_t i = 0; rc == 0 && i < r->signing_count;) {
        size_t k = i;
        while (k < r->signing_count && strcmp(r->signings[k].code, r->signings[i].code) == 0) k++;
        struct inst *x = r->inst_count ? bsearch(r->signings[i].code, r->insts, r->inst_count,
                                                 sizeof *r->insts, inst_by_code)
                                       : NULL;
        if (x != NULL) x->sign_first = (int32_t)i, x->sign_count = (int32_t)(k - i);
        i = k;
    }
    return rc;
}

/* A settlement as the core's rules read it. The four parts a quota case's
 * fund share is less (§6b: psn_part_amt, hifob_pay, hifmi_pay, maf_pay)
 * are kept as their sum, carried as psn_part_amt: the rules read only the
 * sum; the figures no method reads are 0. */
static void widen(const struct run *r, const struct setl *s, struct pay_settlement *w) {
    assert(r != NULL && s != NULL && w != NULL);
    memset(w, 0, sizeof *w);
    snprintf(w->setl_id, sizeof w->setl_id, "%lld", (long long)s->seq);
    snprintf(w->psn_no, sizeof w->psn_no, "%s", app_names_get(&r->persons, s->psn));
    if (s->med_type != SETL_NO_BILL) snprintf(w->med_type, sizeof w->med_type, "%d", s->med_type);
    if (s->dise >= 0)
        snprintf(w->dise_codg, sizeof w->dise_codg, "%s", app_names_get(&r->dises, s->dise));
    w->setl_time = s->setl_time;
    w->revoked = s->revoked;
    w->medfee_sumamt = s->medfee_sumamt, w->hifp_pay = s->hifp_pay;
    w->psn_part_amt = s->others_fen;
}

/* Institution x's settlements of med_type, not revoked, widened onto the
 * end of run.wide: 0, or -1 (err) when out of memory. *hifp_fen grows by
 * their hifp_pay. The other settlements are not a case of any rule that
 * needs them one by one (quotas and DIP: inpatient cases; capitation:
 * general outpatient ones). */
static int widen_cases(struct run *r, const struct inst *x, enum med_type med_type,
                       int64_t *hifp_fen) {
    assert(r != NULL && x != NULL && hifp_fen != NULL);
    for (int32_t i = 0; i < x->count; i++) {
        const struct setl *s = &r->setl[r->order[x->first + i]];
        if (s->revoked || s->med_type != (int16_t)med_type) continue;
        if (!app_array_room((void **)&r->wide, &r->wide_cap, r->wide_count + 1, sizeof *r->wide))
            return store_errf(r->err, "settle-year: out of memory"), -1;
        widen(r, s, &r->wide[r->wide_count++]);
        *hifp_fen += s->hifp_pay;
    }
    return 0;
}

/* One region's DIP: the budget shared by points (§6c) over its DIP
 * institutions' inpatient cases (widened, the region's at once); a
 * problem when it cannot be settled. 0, or -1 (err) out of memory. */
static int dip_region_of(struct run *r, const struct agreement *a) {
    assert(r != NULL && a != NULL && a->has_dip);
    struct dip_region *d = calloc(1, sizeof *d);
    if (d == NULL) {
        problem(r, a->region, "out of memory for the region's DIP");
        return 0;
    }
    d->budget_fen = a->dip.budget_fen;
    d->level_count = a->dip.level_count, d->group_count = a->dip.group_count;
    memcpy(d->levels, a->dip.levels, sizeof d->levels);
    memcpy(d->groups, a->dip.groups, sizeof d->groups);
    d->quotas = a->has_quotas ? &a->quotas : NULL;
    r->wide_count = 0;
    struct inst *mine[PAY_INSTITUTIONS_MAX];
    for (size_t i = 0; i < r->inst_count; i++) {
        struct inst *x = &r->insts[i];
        if (x->a != a || x->t->method != PAY_DIP) continue;
        if (d->institution_count == PAY_INSTITUTIONS_MAX) {
            problem(r, a->region, "more DIP institutions than a region's DIP settles (64)");
            free(d);
            return 0;
        }
        const struct store_institution *reg = store_institution_find(r->store,
                                                                     x->t->fixmedins_code);
        struct dip_institution *di = &d->institutions[d->institution_count];
        snprintf(di->fixmedins_code, sizeof di->fixmedins_code, "%s", x->t->fixmedins_code);
        snprintf(di->level, sizeof di->level, "%s", reg ? level_name(reg->level) : "");
        di->quota_joined = x->t->quota_joined;
        di->first = (int32_t)r->wide_count;
        int64_t hifp_fen = 0; /* dip_settlement sums its own F */
        if (widen_cases(r, x, MED_TYPE_INPATIENT, &hifp_fen) != 0) return free(d), -1;
        di->count = (int32_t)r->wide_count - di->first;
        mine[d->institution_count++] = x;
    }
    d->settlements = r->wide; /* where the widening left them */
    struct dip_due due[PAY_INSTITUTIONS_MAX];
    if (d->institution_count > 0 && dip_settlement(d, due) != FUNDS_OK)
        problem(r, a->region,
                "DIP cannot be settled: a case whose group is missing and no \"*\" group, or an "
                "institution whose level has no coefficient");
    else
        for (int32_t i = 0; i < d->institution_count; i++) mine[i]->dip = due[i];
    free(d);
    return 0;
}

static int sanction_by_code(const void *key, const void *item) {
    return strcmp(key, ((const struct sanction *)item)->code);
}

/* The institution's quota (§6b) and method adjustments into y (its F
 * summed): 0, or -1 (err) out of memory. */
static int adjustments(struct run *r, const struct inst *x, struct store_year_end *y) {
    assert(r != NULL && x != NULL && y != NULL);
    bool joined = x->a->has_quotas && x->t->quota_joined;
    int64_t cases_fen = 0;
    r->wide_count = 0;
    if (joined && widen_cases(r, x, MED_TYPE_INPATIENT, &cases_fen) != 0) return -1;
    struct quota_result q;
    quota_adjustment(&x->a->quotas, joined, r->wide, (int32_t)r->wide_count, &q);
    /* a settlement not widened is no quota case: its hifp_pay is the rest's */
    int64_t f_rest_fen = q.f_rest_fen + (y->f_fen - cases_fen);
    y->quota_fen = q.adjustment_fen;
    int64_t method = 0;
    if (x->t->method == PAY_GLOBAL_BUDGET) {
        struct budget_result b;
        budget_settlement(&x->t->budget, f_rest_fen, &b);
        method = b.adjustment_fen;
    } else if (x->t->method == PAY_DIP) {
        method = x->dip.adjustment_fen;
    } else if (x->t->method == PAY_CAPITATION) {
        struct capitation_result c;
        int64_t outpatient_fen = 0;
        r->wide_count = 0;
        if (widen_cases(r, x, MED_TYPE_GENERAL_OUTPATIENT, &outpatient_fen) != 0) return -1;
        capitation(y->year, x->t->capitation_rate_fen,
                   x->sign_count ? &r->signed_[x->sign_first] : NULL, x->sign_count, r->wide,
                   (int32_t)r->wide_count, &c);
        method = c.adjustment_fen;
    }
    y->adjustment_fen = q.adjustment_fen + method;
    return 0;
}

/* The institution's year-end figures: 0, or -1 (err) out of memory. */
static int figures(struct run *r, const struct inst *x, struct store_year_end *y) {
    assert(r != NULL && x != NULL && y != NULL);
    memset(y, 0, sizeof *y);
    snprintf(y->code, sizeof y->code, "%s", x->t->fixmedins_code);
    snprintf(y->region, sizeof y->region, "%s", x->a->region);
    snprintf(y->method, sizeof y->method, "%s", pay_method_name(x->t->method));
    y->year = r->opts->year;
    for (int32_t i = 0; i < x->count; i++) {
        const struct setl *s = &r->setl[r->order[x->first + i]];
        if (!s->revoked) y->f_fen += s->hifp_pay;
    }
    if (adjustments(r, x, y) != 0) return -1;
    char account[ACCOUNT_BYTES_MAX + 1];
    account_deposit(account, y->code, y->year);
    for (size_t i = 0; i < r->deposit_count; i++)
        if (strcmp(r->deposits[i].account, account) == 0)
            y->deposit_fen = r->deposits[i].balance_fen;
    if (y->deposit_fen < 0) y->deposit_fen = 0; /* a catch-up gave back more than was held */
    const struct sanction *san = r->sanction_count
                                     ? bsearch(y->code, r->sanctions, r->sanction_count,
                                               sizeof *r->sanctions, sanction_by_code)
                                     : NULL;
    /* the deductions left the deposit when decided: the deposit held
     * before them is the balance plus them, and the release, deposit less
     * sanctions, is the balance (never deducted twice) */
    y->sanctions_fen = san != NULL && san->fen > 0 ? san->fen : 0;
    y->deposit_fen += y->sanctions_fen;
    struct year_end_result e;
    year_end_payment(y->deposit_fen, y->sanctions_fen, y->adjustment_fen, &e);
    y->released_fen = e.released_fen;
    y->paid_fen = e.paid_fen;
    assert(year_end_identity_error(y) == NULL);
    return 0;
}

/* Whether an institution is paid by its region's DIP: the region's dues
 * are shared to the fen among them (§6c), so they are posted together. */
static bool by_dip(const struct inst *x) {
    assert(x != NULL && x->a != NULL && x->t != NULL);
    return x->t->method == PAY_DIP;
}

/* The order the institutions are posted in: by code, except that a DIP
 * region's institutions follow its first one, so one batch posts the
 * whole region (post). Shares computed on one reading stay together: a
 * region split over two batches, with a settlement journaled between
 * them, would have its first batch's shares from a reading the second
 * batch reads again, and its dues would not add up to the budget. */
static size_t *posting_order(const struct run *r) {
    assert(r != NULL);
    size_t *order = malloc((r->inst_count ? r->inst_count : 1) * sizeof *order);
    bool *placed = calloc(r->inst_count ? r->inst_count : 1, sizeof *placed);
    size_t n = 0;
    for (size_t i = 0; order != NULL && placed != NULL && i < r->inst_count; i++) {
        if (placed[i]) continue;
        order[n++] = i, placed[i] = true;
        /* the what-if's figures, nothing posted: by code, as it merges them */
        if (r->opts->compute_only || !by_dip(&r->insts[i])) continue;
        for (size_t j = i + 1; j < r->inst_count; j++)
            if (!placed[j] && by_dip(&r->insts[j]) && r->insts[j].a == r->insts[i].a)
                order[n++] = j, placed[j] = true;
    }
    if (placed == NULL) free(order), order = NULL;
    free(placed);
    assert(order == NULL || n == r->inst_count);
    return order;
}

/* What the postings rely on: each institution's deposit account (in
 * posting order) with its balance as read, 0 when it has none. A
 * payment run withholding into one, or a case deducting from it, after
 * the read changes it. */
static struct store_balance_expect *expectations(const struct run *r, const size_t *order) {
    assert(r != NULL && order != NULL);
    struct store_balance_expect *e = calloc(r->inst_count ? r->inst_count : 1, sizeof *e);
    if (e == NULL) return store_errf(r->err, "settle-year: out of memory"), NULL;
    for (size_t i = 0; i < r->inst_count; i++) {
        account_deposit(e[i].account, r->insts[order[i]].t->fixmedins_code, r->opts->year);
        for (size_t k = 0; k < r->deposit_count; k++)
            if (strcmp(r->deposits[k].account, e[i].account) == 0)
                e[i].balance_fen = r->deposits[k].balance_fen;
    }
    return e;
}

/* Whether the batch ends after order[i]: at b institutions or more (a DIP
 * region is never split: a batch holds up to b - 1 + PAY_INSTITUTIONS_MAX),
 * and at the last. */
static bool batch_ends(const struct run *r, const size_t *order, size_t i, size_t k, size_t b) {
    assert(r != NULL && order != NULL && i < r->inst_count && k >= 1);
    assert(k < b + PAY_INSTITUTIONS_MAX);
    if (i + 1 == r->inst_count) return true;
    const struct inst *x = &r->insts[order[i]], *next = &r->insts[order[i + 1]];
    bool same_region = by_dip(x) && by_dip(next) && x->a == next->a;
    return k >= b && !same_region;
}

/* Posts one batch: items[0..k) are order[first..first+k); the deposits
 * of it and of those after it are checked. 0, -1 (err) or 2 (changed). */
static int post_batch(struct run *r, struct store_pay_item *items, size_t k, bool *posted,
                      const struct store_balance_expect *expect, size_t first) {
    assert(r != NULL && items != NULL && k >= 1 && k <= BATCH_MAX && first + k <= r->inst_count);
    const struct store_journal_watch watch = {r->read_seq, r->opts->year};
    int rc = store_pay_commit_checked(r->store, items, k, &expect[first], r->inst_count - first,
                                      &watch, posted, r->err);
    for (size_t j = 0; rc == 0 && j < k; j++) {
        if (!posted[j]) {
            r->out->already++;
            continue;
        }
        r->out->posted++;
        r->out->adjustment_fen += items[j].y.adjustment_fen;
        r->out->released_fen += items[j].y.released_fen;
        r->out->sanctions_fen += items[j].y.sanctions_fen;
        r->out->paid_fen += items[j].y.paid_fen;
        if (r->opts->posted) r->opts->posted(r->opts->ctx, items[j].msgid, &items[j].y);
    }
    return rc;
}

/* 0, -1 (err), or 2: a deposit changed since the read, or a settlement
 * or an import the year depends on came after it (err), the batch not
 * written. Batches of --batch institutions, a DIP region whole (so at
 * most BATCH_MAX - PAY_INSTITUTIONS_MAX + 1 before a region). */
static int post(struct run *r) {
    assert(r != NULL && r->opts->batch >= 1 && r->opts->batch <= BATCH_MAX);
    size_t b = r->opts->batch, k = 0, batches = 0;
    if (b > BATCH_MAX - PAY_INSTITUTIONS_MAX + 1) b = BATCH_MAX - PAY_INSTITUTIONS_MAX + 1;
    size_t *order = posting_order(r);
    struct store_pay_item *items = calloc(b + PAY_INSTITUTIONS_MAX, sizeof *items);
    bool *posted = calloc(b + PAY_INSTITUTIONS_MAX, sizeof *posted);
    struct store_balance_expect *expect = order != NULL ? expectations(r, order) : NULL;
    int rc = order && items && posted && expect
                 ? 0
                 : (store_errf(r->err, "settle-year: out of memory"), -1);
    for (size_t i = 0; rc == 0 && i < r->inst_count; i++) {
        struct store_pay_item *it = &items[k++];
        it->kind = JOURNAL_YEAR_END;
        if (figures(r, &r->insts[order[i]], &it->y) != 0) {
            rc = -1;
            break;
        }
        if (r->opts->compute_only) {
            r->opts->computed(r->opts->ctx, &it->y);
            k = 0;
            continue;
        }
        if (year_end_msgid(it->msgid, it->y.code, it->y.year) != 0)
            rc = (store_errf(r->err, "%s: its code does not fit a msgid", it->y.code), -1);
        if (rc != 0 || !batch_ends(r, order, i, k, b)) continue;
        rc = post_batch(r, items, k, posted, expect, i + 1 - k);
        k = 0;
        if (rc == 0 && i + 1 < r->inst_count && r->opts->after_batch != NULL &&
            r->opts->after_batch(r->opts->ctx, ++batches) != 0)
            rc = (store_errf(r->err, "settle-year: the hook after a batch failed"), -1);
    }
    free(order);
    free(items);
    free(posted);
    free(expect);
    return rc;
}

static void run_free(struct run *r) {
    assert(r != NULL);
    for (size_t i = 0; i < r->agreement_count; i++) free(r->agreements[i]);
    free(r->setl);
    free(r->order);
    app_names_free(&r->codes);
    app_names_free(&r->persons);
    app_names_free(&r->dises);
    free(r->wide);
    free(r->revoked);
    free(r->insts);
    free(r->signings);
    free(r->signed_);
    free(r->deposits);
    free(r->sanctions);
    free(r->lines);
    app_names_free(&r->closed);
    free(r->late_at);
    free(r);
}

/* The reads, in one snapshot: the agreements, the journal (settlements,
 * revokes, the cases' sanctions), the bills, the signings, the deposits. */
static int read_year(struct run *r) {
    assert(r != NULL);
    const struct store_backend *ops = store_ops(r->store);
    int rc = ops->snapshot_begin(store_conn(r->store), r->err);
    if (rc == 0) rc = app_agreements(r->store, NULL, r->opts->year, agreement_row, r, r->err);
    for (size_t i = 0; rc == 0 && !r->failed && i < r->opts->replace_count; i++)
        rc = agreement_row(r, &r->opts->replace[i]) != 0 ? -1 : 0;
    if (rc == 0 && r->failed) rc = -1;
    if (rc == 0) rc = read_settlements(r);
    if (rc == 0 && !r->over) rc = read_rest(r);
    ops->rollback(store_conn(r->store)); /* the snapshot ends: nothing was written */
    return rc;
}

/* One reading of the year and its postings. */
static enum app_settle_year_status attempt(struct store *store,
                                           const struct app_settle_year_opts *opts,
                                           struct app_settle_year_out *out, int reading,
                                           struct store_err *err) {
    assert(store != NULL && opts != NULL && out != NULL && err != NULL);
    memset(out, 0, sizeof *out);
    struct run *r = calloc(1, sizeof *r);
    if (r != NULL) r->lines = malloc(BILL_LINES_MAX * sizeof *r->lines);
    if (r == NULL || r->lines == NULL) {
        if (r != NULL) free(r);
        return store_errf(err, "settle-year: out of memory"), APP_SETTLE_YEAR_FAILED;
    }
    r->store = store, r->opts = opts, r->out = out, r->err = err;
    int rc = read_year(r);
    if (rc == 0 && !r->over) rc = gather(r);
    for (size_t i = 0; rc == 0 && !r->over && i < r->agreement_count; i++)
        if (r->agreements[i]->has_dip) rc = dip_region_of(r, r->agreements[i]);
    enum app_settle_year_status st = rc != 0            ? APP_SETTLE_YEAR_FAILED
                                     : out->missing > 0 ? APP_SETTLE_YEAR_REFUSED
                                                        : APP_SETTLE_YEAR_OK;
    if (st == APP_SETTLE_YEAR_OK && !opts->compute_only && opts->before_post != NULL &&
        opts->before_post(opts->ctx, reading) != 0)
        st = (store_errf(err, "settle-year: the hook before posting failed"),
              APP_SETTLE_YEAR_FAILED);
    if (st == APP_SETTLE_YEAR_OK) {
        rc = post(r);
        st = rc == 0   ? APP_SETTLE_YEAR_OK
             : rc == 2 ? APP_SETTLE_YEAR_CHANGED
                       : APP_SETTLE_YEAR_FAILED;
    }
    assert(st != APP_SETTLE_YEAR_OK || opts->compute_only ||
           out->posted + out->already == out->institutions);
    run_free(r);
    return st;
}

enum app_settle_year_status app_settle_year(struct store *store,
                                            const struct app_settle_year_opts *opts,
                                            struct app_settle_year_out *out,
                                            struct store_err *err) {
    assert(store != NULL && opts != NULL && out != NULL && err != NULL);
    assert(opts->year >= MONTH_YEAR_MIN && opts->year <= MONTH_YEAR_MAX);
    assert(!opts->compute_only || opts->computed != NULL);
    enum app_settle_year_status st = APP_SETTLE_YEAR_CHANGED;
    struct app_settle_year_out sum = {0};
    for (int reading = 1; st == APP_SETTLE_YEAR_CHANGED && reading <= SETTLE_YEAR_READINGS_MAX;
         reading++) {
        st = attempt(store, opts, out, reading, err);
        /* the records an earlier reading posted are found by their msgids
         * now: they count as posted, not as already settled */
        sum.posted += out->posted;
        sum.adjustment_fen += out->adjustment_fen;
        sum.released_fen += out->released_fen;
        sum.paid_fen += out->paid_fen;
        sum.sanctions_fen += out->sanctions_fen;
        out->already -= sum.posted - out->posted;
    }
    out->posted = sum.posted;
    out->adjustment_fen = sum.adjustment_fen;
    out->released_fen = sum.released_fen;
    out->paid_fen = sum.paid_fen;
    out->sanctions_fen = sum.sanctions_fen;
    return st;
}
