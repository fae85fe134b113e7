/* case_rec.c: supervision cases in the journal (issue 18 item 5;
 * docs/SUPERVISION.md, "Cases and sanctions"): each step of a case (open,
 * first and second review, decision, appeal) and each role granted to an
 * operator is one record of kind JOURNAL_CASE, its body the step's fields,
 * its msgid naming the case and the step ("case/<id>/<step>") or the
 * operator and the role ("case-role/<operator>/<role>"), so that the
 * journal's unique msgid makes every step happen at most once.
 *
 * A decision that recovers or deducts money posts it in the same
 * transaction (case_postings); the evidence a case was opened on is kept
 * as the record's journal data, its SHA-256 in the body, so `check`
 * verifies it as it verifies a kept bill. Which step may follow which, and
 * who may record it, is the application's (app/cases.c): it decides inside
 * this file's write transaction, on the records it asked for. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "store/checkpoint.h"
#include "store/record_body.h"
#include "store/store.h"

#define CASE_MSGIDS_MAX 8

_Static_assert(CASE_POSTINGS_MAX <= POSTINGS_PER_RECORD_MAX,
               "a case's postings fit where a record's postings are read");

static const char *const STEP_NAMES[CASE_STEP_COUNT] = {"grant",   "open",     "review1",
                                                        "review2", "decision", "appeal"};
static const char *const SANCTION_NAMES[SANCTION_COUNT] = {"none", "recover", "deduct", "suspend",
                                                           "revoke"};

const char *case_step_name(enum case_step step) {
    assert(step >= 0 && step < CASE_STEP_COUNT);
    return STEP_NAMES[step];
}

const char *case_sanction_name(enum case_sanction s) {
    assert(s >= 0 && s < SANCTION_COUNT);
    return SANCTION_NAMES[s];
}

int case_msgid(char out[MSGID_BYTES_MAX + 1], const struct store_case *c) {
    assert(out != NULL && c != NULL && c->step >= 0 && c->step < CASE_STEP_COUNT);
    int n = c->step == CASE_GRANT
                ? snprintf(out, MSGID_BYTES_MAX + 1, "case-role/%s/%s", c->id, c->role)
                : snprintf(out, MSGID_BYTES_MAX + 1, "case/%s/%s", c->id, STEP_NAMES[c->step]);
    return n > 0 && n <= MSGID_BYTES_MAX ? 0 : -1;
}

/* A name the body holds as it is: letters, digits, '.', '_', '-'. */
static bool plain(const char *s, size_t max) {
    assert(s != NULL);
    size_t len = strlen(s);
    return len >= 1 && len <= max &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == len;
}

/* why percent-encoded: every byte but letters, digits and . _ - */
static int put_why(char *out, size_t size, const char *why) {
    static const char hex[] = "0123456789ABCDEF";
    size_t at = 0;
    assert(out != NULL && why != NULL);
    for (const unsigned char *p = (const unsigned char *)why; *p; p++) {
        if (at + 4 > size) return -1;
        if (plain((const char[]){(char)*p, '\0'}, 1)) out[at++] = (char)*p;
        else out[at++] = '%', out[at++] = hex[*p >> 4], out[at++] = hex[*p & 15];
    }
    if (at + 2 > size) return -1;
    out[at++] = why[0] == '\0' ? '-' : '\0', out[at] = '\0';
    return 0;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool take_why(const char *val, char *out, size_t size) {
    size_t at = 0;
    assert(val != NULL && out != NULL && size > 0);
    if (strcmp(val, "-") == 0) return out[0] = '\0', true;
    for (const char *p = val; *p; p++) {
        if (at + 1 >= size) return false;
        if (*p != '%') {
            if (!plain((const char[]){*p, '\0'}, 1)) return false;
            out[at++] = *p;
            continue;
        }
        int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
        if (lo < 0) return false;
        out[at++] = (char)(hi << 4 | lo);
        /* one encoding only: a plain byte is never escaped, no NUL */
        if (out[at - 1] == '\0' || plain((const char[]){out[at - 1], '\0'}, 1)) return false;
        p += 2;
    }
    out[at] = '\0';
    return at > 0;
}

int case_encode(const struct store_case *c, char *body, size_t size) {
    char why[3 * CASE_WHY_BYTES_MAX + 2], until[20] = "-";
    assert(c != NULL && body != NULL && size > 0);
    if (!plain(c->id, CASE_NAME_BYTES_MAX) || !plain(c->by, CASE_NAME_BYTES_MAX) ||
        !plain(c->role, sizeof c->role - 1) || put_why(why, sizeof why, c->why) != 0)
        return -1;
    if (c->until != 0) datetime_format(c->until, until), until[10] = '\0';
    const char *inst = c->inst[0] ? c->inst : "-", *region = c->region[0] ? c->region : "-";
    const char *kind = c->kind[0] ? c->kind : "-";
    const char *evid = c->evidence_hash[0] ? c->evidence_hash : "-";
    int n = snprintf(body, size,
                     "case=%s step=%s by=%s role=%s inst=%s region=%s year=%d kind=%s"
                     " amount=%" PRId64 " sanction=%s until=%s outcome=%s evidence=%s why=%s",
                     c->id, STEP_NAMES[c->step], c->by, c->role, inst, region, (int)c->year, kind,
                     c->amount_fen, SANCTION_NAMES[c->sanction], until,
                     c->lifted ? "lifted" : "upheld", evid, why);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

/* val into out ("-": empty) when it is plain and fits. */
static bool take_code(const char **p, const char *key, char *out, size_t size) {
    char val[3 * CASE_WHY_BYTES_MAX + 2];
    if (!body_take(p, key, val, sizeof val)) return false;
    if (strcmp(val, "-") == 0) return out[0] = '\0', true;
    if (strlen(val) >= size || !plain(val, size - 1)) return false;
    memcpy(out, val, strlen(val) + 1);
    return true;
}

static int name_index(const char *val, const char *const *names, int count) {
    for (int i = 0; i < count; i++)
        if (strcmp(val, names[i]) == 0) return i;
    return -1;
}

/* A canonical integer in [min, max] under key. */
static bool take_int(const char **p, const char *key, int64_t min, int64_t max, int64_t *out) {
    assert(p != NULL && out != NULL && min >= 0);
    return body_take_i64(p, key, out) && *out >= min && *out <= max;
}

/* step=<name>: one of STEP_NAMES. */
static const char *take_step(const char **p, struct store_case *out) {
    char val[24];
    int i;
    if (!body_take(p, "step", val, sizeof val) ||
        (i = name_index(val, STEP_NAMES, CASE_STEP_COUNT)) < 0)
        return "step";
    out->step = (enum case_step)i;
    return NULL;
}

static const char *take_tail(const char **p, struct store_case *out) {
    char val[3 * CASE_WHY_BYTES_MAX + 2];
    int i;
    if (!body_take(p, "sanction", val, sizeof val) ||
        (i = name_index(val, SANCTION_NAMES, SANCTION_COUNT)) < 0)
        return "sanction";
    out->sanction = (enum case_sanction)i;
    if (!body_take(p, "until", val, sizeof val)) return "until";
    if (strcmp(val, "-") != 0) {
        char again[20];
        if (strlen(val) != 10 || !datetime_parse(val, 10, &out->until) || out->until == 0)
            return "until";
        datetime_format(out->until, again);
        if (strncmp(again, val, 10) != 0 || strcmp(again + 10, " 00:00:00") != 0) return "until";
    }
    if (!body_take(p, "outcome", val, sizeof val) ||
        (strcmp(val, "upheld") != 0 && strcmp(val, "lifted") != 0))
        return "outcome";
    out->lifted = strcmp(val, "lifted") == 0;
    if (!body_take(p, "evidence", val, sizeof val) ||
        (strcmp(val, "-") != 0 &&
         (strlen(val) != HASH_HEX_BYTES || strspn(val, "0123456789abcdef") != HASH_HEX_BYTES)))
        return "evidence";
    if (strcmp(val, "-") != 0) memcpy(out->evidence_hash, val, HASH_HEX_BYTES + 1);
    if (!body_take(p, "why", val, sizeof val) || !take_why(val, out->why, sizeof out->why))
        return "why";
    return **p == '\0' ? NULL : "end";
}

int case_decode(const char *body, struct store_case *out, const char **bad_key) {
    assert(body != NULL && out != NULL && bad_key != NULL);
    memset(out, 0, sizeof *out);
    const char *p = body, *bad = NULL;
    int64_t year = 0;
    if (!take_code(&p, "case", out->id, sizeof out->id) || out->id[0] == '\0') bad = "case";
    else if ((bad = take_step(&p, out)) != NULL) {
    } else if (!take_code(&p, "by", out->by, sizeof out->by) || out->by[0] == '\0') bad = "by";
    else if (!take_code(&p, "role", out->role, sizeof out->role) || out->role[0] == '\0')
        bad = "role";
    else if (!take_code(&p, "inst", out->inst, sizeof out->inst)) bad = "inst";
    else if (!take_code(&p, "region", out->region, sizeof out->region)) bad = "region";
    else if (!take_int(&p, "year", 0, 9999, &year)) bad = "year";
    else if (!take_code(&p, "kind", out->kind, sizeof out->kind)) bad = "kind";
    else if (!take_int(&p, "amount", 0, AMOUNT_FEN_MAX, &out->amount_fen)) bad = "amount";
    else bad = take_tail(&p, out);
    out->year = (int32_t)year;
    /* a case's step names its institution, region and year: the accounts */
    if (bad == NULL && out->step != CASE_GRANT &&
        (out->inst[0] == '\0' || out->region[0] == '\0' || out->year < 1))
        bad = "inst";
    *bad_key = bad;
    return bad == NULL ? 0 : -1;
}

int case_postings(const struct journal_rec *rec, const struct store_case *c,
                  struct posting out[CASE_POSTINGS_MAX]) {
    assert(rec != NULL && c != NULL && rec->kind == JOURNAL_CASE && rec->seq >= 1);
    bool money = c->sanction == SANCTION_RECOVER || c->sanction == SANCTION_DEDUCT;
    bool moves = c->step == CASE_DECISION || (c->step == CASE_APPEAL && c->lifted);
    if (!money || !moves || c->amount_fen <= 0) return 0;
    char fund[ACCOUNT_BYTES_MAX + 1], other[ACCOUNT_BYTES_MAX + 1];
    account_fund(fund, fund_layer(FUND_hifp)->fund, c->region, c->year);
    if (c->sanction == SANCTION_RECOVER) account_institution(other, c->inst);
    else account_deposit(other, c->inst, c->year);
    /* the decision: the institution's payable (or deposit) pays the fund
     * pool back; an appeal that lifts it returns the money */
    bool back = c->step == CASE_APPEAL;
    struct posting *p = &out[0];
    p->seq = rec->seq;
    p->idx = 0;
    snprintf(p->debit, sizeof p->debit, "%s", back ? other : fund);
    snprintf(p->credit, sizeof p->credit, "%s", back ? fund : other);
    p->amount_fen = c->amount_fen;
    p->month = postings_month_local(rec->time_us);
    return 1;
}

/* ---- one commit ---------------------------------------------------------------- */
struct case_txn {
    const char *const *msgids;
    size_t n;
    case_decide_fn decide;
    void *ctx;
    struct journal_rec found_recs[CASE_MSGIDS_MAX];
    bool found[CASE_MSGIDS_MAX];
};

/* The record of step after the journal's tail, hashed. */
static int case_record(struct store *store, const char *msgid, const struct store_case *step,
                       struct journal_rec *rec, struct store_err *err) {
    const struct store_backend *ops = store_ops(store);
    struct journal_rec tail;
    bool has_tail = false;
    if (ops->journal_tail(store_conn(store), &tail, &has_tail, err) != 0) return -1;
    memset(rec, 0, sizeof *rec);
    rec->seq = has_tail ? tail.seq + 1 : 1;
    rec->time_us = store_now_us();
    rec->kind = JOURNAL_CASE;
    rec->year = step->year;
    snprintf(rec->msgid, sizeof rec->msgid, "%s", msgid);
    if (case_encode(step, rec->body, sizeof rec->body) != 0)
        return store_errf(err, "%s: the record's body does not fit", msgid), -1;
    char req[MSGID_BYTES_MAX + JOURNAL_BODY_BYTES_MAX + 3];
    int n = snprintf(req, sizeof req, "%s\n%s", rec->msgid, rec->body);
    assert(n > 0 && (size_t)n < sizeof req);
    sha256_hex(req, (size_t)n, rec->req_hash);
    if (has_tail) memcpy(rec->prev_hash, tail.hash, sizeof rec->prev_hash);
    else memset(rec->prev_hash, '0', HASH_HEX_BYTES), rec->prev_hash[HASH_HEX_BYTES] = '\0';
    journal_hash(rec, rec->hash);
    return 0;
}

static int case_write(struct store *store, struct case_txn *t, struct journal_rec *rec,
                      struct store_err *err) {
    const struct store_backend *ops = store_ops(store);
    struct store_conn *c = store_conn(store);
    int64_t checkpoint_seq = 0, tail_seq = 0;
    if (checkpoint_catch_up(store, &checkpoint_seq, &tail_seq, err) != 0) return -1;
    if (ops->journal_by_msgid(c, t->msgids, t->n, t->found_recs, t->found, err) != 0) return -1;
    struct store_case step;
    const char *evidence = NULL;
    size_t evidence_len = 0;
    memset(&step, 0, sizeof step);
    int rc = t->decide(t->ctx, t->found_recs, t->found, &step, &evidence, &evidence_len);
    if (rc != 0) return rc;
    if (evidence != NULL) sha256_hex(evidence, evidence_len, step.evidence_hash);
    if (case_record(store, t->msgids[0], &step, rec, err) != 0) return -1;
    struct posting post[CASE_POSTINGS_MAX];
    int count = case_postings(rec, &step, post);
    struct balance_delta d[2 * CASE_POSTINGS_MAX];
    for (int i = 0; i < count; i++) {
        snprintf(d[2 * i].account, sizeof d[0].account, "%s", post[i].debit);
        d[2 * i].delta_fen = post[i].amount_fen;
        snprintf(d[2 * i + 1].account, sizeof d[0].account, "%s", post[i].credit);
        d[2 * i + 1].delta_fen = -post[i].amount_fen;
    }
    struct journal_data data = {rec->seq, (const unsigned char *)evidence, evidence_len};
    if (ops->journal_append(c, rec, 1, err) != 0 ||
        (evidence != NULL && ops->data_put(c, &data, 1, err) != 0) ||
        (count > 0 && ops->postings_put(c, post, (size_t)count, err) != 0) ||
        (count > 0 && ops->balances_add(c, d, 2 * (size_t)count, err) != 0))
        return -1;
    return ops->checkpoint_put(c, rec->seq, err);
}

int store_case_commit(struct store *store, const char *const *msgids, size_t n,
                      case_decide_fn decide, void *ctx, struct journal_rec *written,
                      struct store_err *err) {
    assert(store != NULL && msgids != NULL && decide != NULL && written != NULL);
    assert(n >= 1 && n <= CASE_MSGIDS_MAX);
    struct case_txn *t = calloc(1, sizeof *t);
    if (t == NULL) return store_errf(err, "case: out of memory"), -1;
    t->msgids = msgids, t->n = n, t->decide = decide, t->ctx = ctx;
    const struct store_backend *ops = store_ops(store);
    int rc = ops->begin(store_conn(store), err);
    if (rc == 0) {
        rc = case_write(store, t, written, err);
        if (rc == 0 && ops->commit(store_conn(store), err) != 0) rc = -1;
        if (rc != 0) ops->rollback(store_conn(store));
    }
    free(t);
    return rc;
}

struct evidence_read {
    char *text;
    size_t len;
};

static int evidence_row(void *ctx, const struct journal_data *d) {
    struct evidence_read *e = ctx;
    assert(e != NULL && d != NULL && e->text == NULL);
    e->text = malloc(d->len + 1);
    if (e->text == NULL) return -1;
    memcpy(e->text, d->bytes, d->len);
    e->text[d->len] = '\0';
    e->len = d->len;
    return 1;
}

int store_case_evidence(struct store *store, int64_t seq, char **text, size_t *len,
                        struct store_err *err) {
    assert(store != NULL && seq >= 1 && text != NULL && len != NULL);
    struct evidence_read e = {NULL, 0};
    int rc = store_ops(store)->data_scan(store_conn(store), seq, seq, evidence_row, &e, err);
    if (rc < 0) {
        if (e.text == NULL && err->msg[0] == '\0') store_errf(err, "case: out of memory");
        free(e.text);
        return -1;
    }
    *text = e.text;
    *len = e.len;
    if (e.text == NULL)
        return store_errf(err, "journal seq %" PRId64 ": no evidence kept", seq), -1;
    return 0;
}
