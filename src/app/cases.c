/* cases.c: supervision cases and sanctions (cases.h): which step may
 * follow which and who may record it, decided inside the step's write
 * transaction on the records the journal holds (store_case_commit), and
 * the registry edit a suspension or revocation makes.
 *
 * The order, one way only: open -> review1 -> review2 -> decision ->
 * appeal (optional, after the decision: the institution contests a
 * sanction that has taken effect). Roles, granted by `grant` records
 * (msgid case-role/<operator>/<role>): a reviewer opens and reviews, and
 * the second review is another reviewer's than the first (four eyes); a
 * decider decides, and was not a reviewer of the case; an appeal is
 * decided by another decider than the one who decided. */
#include "app/cases.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/date.h"
#include "core/money.h"
#include "core/person.h"

enum { M_OWN = 0, M_ROLE, M_OPEN, M_PREV, M_REVIEW1, M_APPEAL, M_COUNT };

struct decide_ctx {
    const struct app_case_req *req;
    struct app_case_out *out;
    char msgids[M_COUNT][MSGID_BYTES_MAX + 1];
    const char *ptrs[M_COUNT];
    size_t n;
    enum app_case_status status;
    char region[CODE_BYTES_MAX + 1];  /* open: the institution's */
    bool appealed;                    /* the case's appeal is recorded */
    struct store_case steps[M_COUNT]; /* the found records decoded */
};

static void refuse(struct decide_ctx *d, const char *fmt, const char *a, const char *b) {
    assert(d != NULL && fmt != NULL);
    d->status = APP_CASE_REFUSED;
    snprintf(d->out->why, sizeof d->out->why, fmt, a, b);
}

/* The msgids a step reads: its own, the role, the open, the step before. */
static int msgids_of(struct decide_ctx *d) {
    const struct app_case_req *r = d->req;
    struct store_case k = {0};
    assert(r->step >= CASE_GRANT && r->step < CASE_STEP_COUNT);
    snprintf(k.id, sizeof k.id, "%s", r->step == CASE_GRANT ? r->id : d->out->id);
    k.step = r->step;
    snprintf(k.role, sizeof k.role, "%s", r->step == CASE_GRANT ? r->role : "x");
    if (case_msgid(d->msgids[M_OWN], &k) != 0) return -1;
    d->n = 1;
    if (r->step == CASE_GRANT) return 0;
    snprintf(k.id, sizeof k.id, "%s", r->by);
    k.step = CASE_GRANT;
    snprintf(k.role, sizeof k.role, "%s",
             r->step == CASE_DECISION || r->step == CASE_APPEAL ? "decider" : "reviewer");
    if (case_msgid(d->msgids[M_ROLE], &k) != 0) return -1;
    snprintf(k.id, sizeof k.id, "%s", d->out->id);
    enum case_step others[M_COUNT] = {0, 0, CASE_OPEN, r->step - 1, CASE_REVIEW1, CASE_APPEAL};
    d->n = r->step == CASE_OPEN ? 2 : M_COUNT;
    for (size_t i = M_OPEN; i < d->n; i++) {
        k.step = others[i] == CASE_GRANT ? CASE_OPEN : others[i];
        if (case_msgid(d->msgids[i], &k) != 0) return -1;
    }
    return 0;
}

/* The step as this request makes it, its case's fields from the open. */
static void step_of(const struct decide_ctx *d, const bool *found, struct store_case *s) {
    const struct app_case_req *r = d->req;
    assert(r != NULL && s != NULL);
    const struct store_case *open = r->step > CASE_OPEN && found[M_OPEN] ? &d->steps[M_OPEN] : NULL;
    s->step = r->step;
    snprintf(s->id, sizeof s->id, "%s", r->step == CASE_GRANT ? r->id : d->out->id);
    snprintf(s->by, sizeof s->by, "%s", r->by);
    snprintf(s->role, sizeof s->role, "%s",
             r->step == CASE_GRANT                                ? r->role
             : r->step == CASE_DECISION || r->step == CASE_APPEAL ? "decider"
                                                                  : "reviewer");
    snprintf(s->why, sizeof s->why, "%s", r->why);
    if (r->step == CASE_GRANT) return;
    if (open != NULL) {
        memcpy(s->inst, open->inst, sizeof s->inst),
            memcpy(s->region, open->region, sizeof s->region);
        s->year = open->year;
    }
    if (r->step == CASE_DECISION) {
        s->sanction = r->sanction, s->amount_fen = r->sanction_fen, s->until = r->until;
    } else if (r->step == CASE_APPEAL && found[M_PREV]) {
        const struct store_case *dec = &d->steps[M_PREV];
        s->sanction = dec->sanction, s->amount_fen = dec->amount_fen, s->until = dec->until;
        s->lifted = r->lifted;
    }
}

/* Out of order, or a role missing or not separated: true with the refusal set. */
static bool order_refused(struct decide_ctx *d, const bool *found) {
    const struct app_case_req *r = d->req;
    const char *step = case_step_name(r->step);
    assert(r->step >= CASE_OPEN);
    if (r->step > CASE_OPEN && !found[M_OPEN])
        return refuse(d, "unknown case '%s'%s", d->out->id, ""), true;
    if (r->step > CASE_OPEN && !found[M_PREV])
        return refuse(d, "%s before %s: out of order (open, review1, review2, decision, appeal)",
                      step, case_step_name(r->step - 1)),
               true;
    if (!found[M_ROLE])
        return refuse(d, "operator '%s' has no right to record %s (the role is not granted)", r->by,
                      step),
               true;
    const char *same = NULL;
    if (r->step == CASE_REVIEW2 && strcmp(d->steps[M_PREV].by, r->by) == 0)
        same = "the second review is another reviewer's than the first";
    if (r->step == CASE_DECISION &&
        (strcmp(d->steps[M_PREV].by, r->by) == 0 || strcmp(d->steps[M_REVIEW1].by, r->by) == 0))
        same = "the decider may not have reviewed the case";
    if (r->step == CASE_APPEAL && strcmp(d->steps[M_PREV].by, r->by) == 0)
        same = "an appeal is decided by another decider than the decision";
    if (same != NULL) return refuse(d, "operator '%s': %s", r->by, same), true;
    return false;
}

static int decide(void *ctx, const struct journal_rec *recs, const bool *found,
                  struct store_case *step, const char **evidence, size_t *evidence_len) {
    struct decide_ctx *d = ctx;
    const struct app_case_req *r = d->req;
    assert(d != NULL && recs != NULL && found != NULL);
    for (size_t i = 0; i < d->n; i++) {
        const char *bad = NULL;
        if (found[i] && i != M_ROLE && case_decode(recs[i].body, &d->steps[i], &bad) != 0)
            return refuse(d, "%s: case record does not decode at %s", recs[i].msgid, bad), 1;
    }
    step_of(d, found, step);
    if (r->step == CASE_OPEN) {
        snprintf(step->inst, sizeof step->inst, "%s", r->inst);
        snprintf(step->kind, sizeof step->kind, "%s", r->kind);
        step->year = r->year, step->amount_fen = r->amount_fen;
        memcpy(step->region, d->region, sizeof step->region);
        sha256_hex(r->evidence, r->evidence_len, step->evidence_hash);
        *evidence = r->evidence, *evidence_len = r->evidence_len;
    }
    d->appealed = r->step == CASE_DECISION && found[M_APPEAL];
    if (found[M_OWN]) {
        char body[JOURNAL_BODY_BYTES_MAX + 1], seq[24];
        d->out->rec = recs[M_OWN];
        if (case_encode(step, body, sizeof body) == 0 && strcmp(body, recs[M_OWN].body) == 0)
            return d->status = APP_CASE_ALREADY, 1;
        snprintf(seq, sizeof seq, "%" PRId64, recs[M_OWN].seq);
        return refuse(d, "%s is recorded already (journal seq %s) with other content",
                      recs[M_OWN].msgid, seq),
               1;
    }
    if (r->step != CASE_GRANT && order_refused(d, found)) return 1;
    return 0;
}

/* ---- the registry: a suspension or revocation, as an institutions edit ---------- */
static void csv_text(FILE *f, const char *s) {
    assert(f != NULL && s != NULL);
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* The institution's row with the designation the case leaves it with. */
static int registry_apply(struct store *store, const struct store_case *s, const char *by,
                          bool *changed, struct store_err *err) {
    const struct store_institution *in = store_institution_find(store, s->inst);
    if (in == NULL) return store_errf(err, "institution %s: not in the registry", s->inst), -1;
    bool lift = s->step == CASE_APPEAL && s->lifted;
    enum designation want = lift                              ? DESIGNATION_ACTIVE
                            : s->sanction == SANCTION_SUSPEND ? DESIGNATION_SUSPENDED
                                                              : DESIGNATION_REVOKED;
    datetime_s until = want == DESIGNATION_SUSPENDED ? s->until : 0;
    *changed = false;
    if (in->status == want && in->suspended_until == until) return 0;
    char path[] = "/tmp/yibao-case-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        if (fd >= 0) close(fd), unlink(path);
        return store_errf(err, "case: cannot write a temporary file"), -1;
    }
    char day[20] = "";
    if (until != 0) datetime_format(until, day), day[10] = '\0';
    static const char *const names[] = {"active", "suspended", "revoked"};
    fprintf(f, "fixmedins_code,fixmedins_name,type,level,admdvs,status,suspended_until\n%s,",
            in->code);
    csv_text(f, in->name);
    fprintf(f, ",%s,%s,%s,%s,%s\n", in->type == INSTITUTION_PHARMACY ? "pharmacy" : "hospital",
            level_name(in->level), in->region, names[want], day);
    bool wrote = fclose(f) == 0;
    char reason[CASE_NAME_BYTES_MAX + 64];
    snprintf(reason, sizeof reason, "case %s %s", s->id, case_step_name(s->step));
    struct store_import_note note = {by, reason};
    int64_t rows = 0;
    int rc = wrote ? store_import_as(store, "institutions", path, &note, &rows, NULL, err)
                   : (store_errf(err, "case: cannot write a temporary file"), -1);
    unlink(path);
    *changed = rc == 0;
    return rc;
}

static bool touches_registry(const struct store_case *s) {
    assert(s != NULL);
    if (s->sanction != SANCTION_SUSPEND && s->sanction != SANCTION_REVOKE) return false;
    return s->step == CASE_DECISION || (s->step == CASE_APPEAL && s->lifted);
}

/* The case id of an open: "C" and 12 hex digits of the case's content. */
static void case_id_of(const struct app_case_req *r, char out[CASE_NAME_BYTES_MAX + 1]) {
    char head[256], hash[HASH_HEX_BYTES + 1], evid[HASH_HEX_BYTES + 1];
    assert(r != NULL && r->inst != NULL && r->kind != NULL);
    sha256_hex(r->evidence, r->evidence_len, evid);
    int n = snprintf(head, sizeof head, "%s\n%d\n%s\n%" PRId64 "\n%s", r->inst, (int)r->year,
                     r->kind, r->amount_fen, evid);
    assert(n > 0 && (size_t)n < sizeof head);
    sha256_hex(head, (size_t)n, hash);
    snprintf(out, CASE_NAME_BYTES_MAX + 1, "C%.12s", hash);
}

struct deposit_read {
    const char *account;
    int64_t balance_fen;
};

static int deposit_row(void *ctx, const char *account, int64_t balance_fen) {
    struct deposit_read *d = ctx;
    assert(d != NULL && account != NULL);
    if (strcmp(account, d->account) == 0) d->balance_fen = balance_fen;
    return 0;
}

/* A deduction is at most the deposit held for the case's year (read before
 * the step's transaction: a payment run between could only add to it).
 * 0 fine, 1 refused (out->why), -1 error. */
static int deposit_refused(struct store *store, const struct app_case_req *req,
                           struct app_case_out *out, struct store_err *err) {
    struct app_case_view *v = malloc(sizeof *v);
    bool known = false;
    assert(req->step == CASE_DECISION && req->sanction == SANCTION_DEDUCT);
    if (v == NULL) return store_errf(err, "case: out of memory"), -1;
    int rc = app_case_read(store, req->id, v, &known, err);
    /* unknown, or decided already: the commit says so */
    if (rc != 0 || !known || v->found[CASE_DECISION]) return free(v), rc;
    char account[ACCOUNT_BYTES_MAX + 1], held[32], asked[32];
    account_deposit(account, v->steps[CASE_OPEN].inst, v->steps[CASE_OPEN].year);
    free(v);
    struct deposit_read d = {account, 0};
    if (store_accounts_now(store, account, deposit_row, &d, err) < 0) return -1;
    if (req->sanction_fen <= d.balance_fen) return 0;
    money_format(d.balance_fen, held, sizeof held),
        money_format(req->sanction_fen, asked, sizeof asked);
    snprintf(out->why, sizeof out->why, "--amount %s: more than the deposit held, %s %s", asked,
             account, held);
    return 1;
}

enum app_case_status app_case_step(struct store *store, const struct app_case_req *req,
                                   struct app_case_out *out, struct store_err *err) {
    assert(store != NULL && req != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    struct decide_ctx d = {.req = req, .out = out, .status = APP_CASE_DONE};
    if (req->step == CASE_OPEN) {
        const struct store_institution *in = store_institution_find(store, req->inst);
        if (in == NULL)
            return snprintf(out->why, sizeof out->why, "--inst: unknown institution '%s'",
                            req->inst),
                   APP_CASE_REFUSED;
        case_id_of(req, out->id);
        memcpy(d.region, in->region, sizeof d.region);
    } else if (req->step != CASE_GRANT) {
        snprintf(out->id, sizeof out->id, "%s", req->id);
    }
    if (req->step == CASE_DECISION && req->sanction == SANCTION_DEDUCT) {
        int refused = deposit_refused(store, req, out, err);
        if (refused != 0) return refused < 0 ? APP_CASE_ERROR : APP_CASE_REFUSED;
    }
    if (msgids_of(&d) != 0) return store_errf(err, "case: a msgid does not fit"), APP_CASE_ERROR;
    for (size_t i = 0; i < d.n; i++) d.ptrs[i] = d.msgids[i];
    int rc = store_case_commit(store, d.ptrs, d.n, decide, &d, &out->rec, err);
    if (rc < 0) return APP_CASE_ERROR;
    if (d.status == APP_CASE_REFUSED) return APP_CASE_REFUSED;
    struct store_case s;
    const char *bad = NULL;
    if (case_decode(out->rec.body, &s, &bad) != 0)
        return store_errf(err, "case: its own record does not decode at %s", bad), APP_CASE_ERROR;
    /* a decision recorded before its registry edit (a crash between the
     * two transactions) is completed when it is asked again */
    if (touches_registry(&s) && !d.appealed &&
        registry_apply(store, &s, req->by, &out->registry_changed, err) != 0)
        return APP_CASE_ERROR;
    return rc == 0 ? APP_CASE_DONE : d.status;
}

/* ---- reading cases ------------------------------------------------------------------ */
int app_case_read(struct store *store, const char *id, struct app_case_view *v, bool *known,
                  struct store_err *err) {
    char msgids[CASE_STEP_COUNT][MSGID_BYTES_MAX + 1];
    const char *ptrs[CASE_STEP_COUNT];
    struct store_case k = {0};
    assert(store != NULL && id != NULL && v != NULL && known != NULL);
    memset(v, 0, sizeof *v);
    snprintf(k.id, sizeof k.id, "%s", id);
    if (strlen(id) > CASE_NAME_BYTES_MAX) return *known = false, 0;
    for (int s = CASE_OPEN; s < CASE_STEP_COUNT; s++) {
        k.step = (enum case_step)s;
        if (case_msgid(msgids[s], &k) != 0) return *known = false, 0;
        ptrs[s] = msgids[s];
    }
    /* slot CASE_GRANT unused: a case's steps are OPEN.. */
    if (store_journal_by_msgids(store, 0, ptrs + CASE_OPEN, CASE_STEP_COUNT - CASE_OPEN,
                                v->recs + CASE_OPEN, v->found + CASE_OPEN, err) != 0)
        return -1;
    v->found[CASE_GRANT] = false;
    for (int s = CASE_OPEN; s < CASE_STEP_COUNT; s++) {
        const char *bad = NULL;
        if (v->found[s] && case_decode(v->recs[s].body, &v->steps[s], &bad) != 0)
            return store_errf(err, "%s: does not decode at %s", msgids[s], bad), -1;
    }
    *known = v->found[CASE_OPEN];
    return 0;
}

struct list_row {
    struct store_case open, latest;
};
struct lister {
    struct list_row *rows;
    size_t count, cap;
    bool failed;
};

static int list_rec(void *ctx, const struct journal_rec *rec) {
    struct lister *l = ctx;
    struct store_case c;
    const char *bad = NULL;
    assert(l != NULL && rec != NULL);
    if (rec->kind != JOURNAL_CASE || case_decode(rec->body, &c, &bad) != 0 || c.step == CASE_GRANT)
        return 0;
    if (c.step == CASE_OPEN) {
        if (l->count == l->cap) {
            size_t cap = l->cap ? 2 * l->cap : 64;
            struct list_row *grown = realloc(l->rows, cap * sizeof *grown);
            if (grown == NULL) return l->failed = true, 1;
            l->rows = grown, l->cap = cap;
        }
        l->rows[l->count].open = c, l->rows[l->count++].latest = c;
        return 0;
    }
    for (size_t i = l->count; i-- > 0;)
        if (strcmp(l->rows[i].open.id, c.id) == 0) return l->rows[i].latest = c, 0;
    return 0;
}

int app_case_list(struct store *store, app_case_cb cb, void *ctx, struct store_err *err) {
    struct lister l = {NULL, 0, 0, false};
    assert(store != NULL && cb != NULL);
    int rc = store_journal_range(store, 1, INT64_MAX, list_rec, &l, err);
    if (l.failed) rc = -1, store_errf(err, "case list: out of memory");
    for (size_t i = 0; rc >= 0 && i < l.count; i++)
        rc = cb(ctx, &l.rows[i].open, l.rows[i].latest.step, &l.rows[i].latest);
    free(l.rows);
    return rc < 0 ? -1 : 0;
}
