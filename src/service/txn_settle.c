/* txn_settle.c: pre-settlement, settlement and revoke: outpatient
 * (2206-2208), inpatient (2303-2305), pharmacy (2101-2103), and the
 * one-shot hospital settlement (2207/2304 whose input carries feedetail[];
 * our extension, docs/SERVICE.md). Settlements and revokes go through the
 * store's commit queue (durable, idempotent by msgid, group-committed);
 * pre-settlements run the engine on the committed state and commit nothing. */
#include <assert.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/money.h"
#include "service/svc.h"

/* Reserves a visit for one settlement at a time; false if taken or full.
 * Taken and checked only on the service tables' writers (svcq.c), so a
 * visit's writes and its settlement's read of them are in one order. */
static bool settling_take(struct service *svc, int64_t visit_id) {
    bool ok = true;
    pthread_mutex_lock(&svc->settling_lock);
    for (size_t i = 0; i < svc->settling_count && ok; i++) ok = svc->settling[i] != visit_id;
    if (ok && svc->settling_count == SVC_SETTLING_MAX) ok = false;
    if (ok) svc->settling[svc->settling_count++] = visit_id;
    pthread_mutex_unlock(&svc->settling_lock);
    return ok;
}

static void settling_give(struct service *svc, int64_t visit_id) {
    bool found = false;
    pthread_mutex_lock(&svc->settling_lock);
    for (size_t i = 0; i < svc->settling_count && !found; i++)
        if (svc->settling[i] == visit_id) {
            svc->settling[i] = svc->settling[--svc->settling_count];
            found = true;
        }
    pthread_mutex_unlock(&svc->settling_lock);
    assert(found);
}

bool svc_visit_settling(struct service *svc, int64_t visit_id) {
    bool found = false;
    pthread_mutex_lock(&svc->settling_lock);
    for (size_t i = 0; i < svc->settling_count && !found; i++) found = svc->settling[i] == visit_id;
    pthread_mutex_unlock(&svc->settling_lock);
    return found;
}

/* ---- the engine on committed state ---------------------------------------- */
static void engine_institution(const struct store_institution *r, struct institution *out) {
    memset(out, 0, sizeof *out);
    snprintf(out->code, sizeof out->code, "%s", r->code);
    out->type = r->type;
    out->level = r->level;
}

/* A refusal's err_msg (docs/SERVICE.md): "E_BAD_AMOUNT:
 * feedetail[3].det_item_fee_sumamt (feedetl_sn '4')" for a line, else
 * "E_POLICY_YEAR: endtime", with the value when given ("E_UNKNOWN_PERSON:
 * psn_no 'P9'"), or the bare code. */
static int refusal(struct svc_call *c, const char *code, const char *field, int32_t line,
                   const struct bill *bill, const char *value) {
    if (field != NULL && line >= 0 && bill != NULL && line < bill->line_count)
        return svc_fail(c, "%s: feedetail[%d].%s (feedetl_sn '%s')", code, (int)line, field,
                        bill->lines[line].feedetl_sn);
    if (field != NULL && value != NULL) return svc_fail(c, "%s: %s '%s'", code, field, value);
    if (field != NULL) return svc_fail(c, "%s: %s", code, field);
    return svc_fail(c, "%s", code);
}

static int engine_refusal(struct svc_call *c, const struct settle_result *res,
                          const struct bill *bill) {
    return refusal(c, settle_code_name(res->code), res->error_field, res->error_line, bill, NULL);
}

int svc_engine(struct svc_call *c, const char *psn_no, const struct bill *bill,
               struct settle_result *res, struct line_result *line_results) {
    struct store_person sp;
    bool found = false;
    struct store_err err;
    if (store_person_find(c->svc->store, psn_no, &sp, &found, &err) != 0)
        return svc_fail(c, "storage: %s", err.msg);
    if (!found) return refusal(c, "E_UNKNOWN_PERSON", "psn_no", -1, NULL, psn_no);
    if (sp.status != INSURED_ACTIVE) return refusal(c, "E_NOT_INSURED", "psn_no", -1, NULL, psn_no);
    int year = bill->dates_ok ? datetime_year(bill->endtime) : -1;
    const struct policy *pol = store_policy_find(c->svc->store, sp.region, year, sp.insutype);
    if (pol == NULL) pol = store_policy_fallback(c->svc->store, sp.region, sp.insutype);
    if (pol == NULL) return refusal(c, "E_POLICY_YEAR", "endtime", -1, NULL, NULL);
    struct year_state st;
    if (store_state_get(c->svc->store, psn_no, pol->year, &st, &err) != 0)
        return svc_fail(c, "storage: %s", err.msg);
    st.year = pol->year;
    struct person person = {.insutype = sp.insutype, .category = sp.category, .flags = sp.flags,
                            .benefit_start = sp.benefit_start, .acct_balc_fen = st.acct_balc_fen};
    snprintf(person.psn_no, sizeof person.psn_no, "%s", sp.psn_no);
    struct institution inst;
    const struct store_institution *si = store_institution_find(c->svc->store, bill->fixmedins_code);
    if (si != NULL) engine_institution(si, &inst);
    struct settle_input in = {pol, store_catalog(c->svc->store), si ? &inst : NULL, &person, &st, bill};
    if (settle(&in, res, line_results, NULL) != SETTLE_OK) return engine_refusal(c, res, bill);
    return 0;
}

/* ---- answers --------------------------------------------------------------- */
static void fund_detail(struct jw *w, const char *type, const char *name, int64_t pay_fen,
                        int64_t inscp_fen, int64_t room_fen, int sign) {
    jw_obj(w, NULL);
    jw_str(w, "fund_pay_type", type);
    jw_str(w, "fund_pay_type_name", name);
    jw_fen(w, "inscp_scp_amt", sign * inscp_fen);
    if (room_fen == INT64_MAX) jw_raw(w, "crt_payb_lmt_amt", "null", 4);
    else jw_fen(w, "crt_payb_lmt_amt", room_fen);
    jw_fen(w, "fund_payamt", sign * pay_fen);
    jw_close(w, '}');
}

/* One entry per fund layer of FUND_LAYERS (core/settle.h) that pays, or is
 * listed ALWAYS, then the personal account. */
static void setldetail(struct jw *w, const struct store_settlement *stl, int sign) {
    assert(sign == 1 || sign == -1);
    const struct setlinfo *s = &stl->setl;
    jw_arr(w, "setldetail");
    for (int i = 0; i < FUND_LAYER_COUNT; i++) {
        const struct fund_layer *f = fund_layer((enum fund_layer_id)i);
        int64_t pay = fund_layer_pay(s, (enum fund_layer_id)i);
        if (pay == 0 && !f->always_listed) continue;
        fund_detail(w, stl->insutype == INSUTYPE_EMPLOYEE ? f->code_employee : f->code_other,
                    f->type_name, pay, s->inscp_scp_amt,
                    fund_layer_room(&stl->rooms, (enum fund_layer_id)i), sign);
    }
    if (s->acct_pay != 0)
        fund_detail(w, "310200", "personal account", s->acct_pay, s->psn_part_amt,
                    s->balc + s->acct_pay, sign);
    jw_close(w, ']');
}

/* The figures of SETLINFO_FIELDS (core/settle.h) in order; a revoke answers
 * each flow negated and leaves out the BALANCE (balc). */
#define SETL_ANSWER_FIGURE(name) jw_fen(w, #name, sign * stl->setl.name);
#define SETL_ANSWER_FUND(name) jw_fen(w, #name, sign * stl->setl.name);
#define SETL_ANSWER_BALANCE(name) if (sign > 0) jw_fen(w, #name, stl->setl.name);
#define SETL_ANSWER_(unused, name, kind) SETL_ANSWER_##kind(name)

void svc_write_settlement(struct jw *w, const struct store_settlement *stl, int64_t setl_id,
                          const char *mdtrt_id, const char *psn_no, int64_t time_s, int sign) {
    assert(sign == 1 || sign == -1);
    jw_obj(w, "setlinfo");
    jw_int(w, "setl_id", setl_id);
    jw_str(w, "mdtrt_id", mdtrt_id);
    jw_str(w, "psn_no", psn_no);
    char insutype_text[12]; /* the interface sends insutype as a string: "390" */
    snprintf(insutype_text, sizeof insutype_text, "%d", (int)stl->insutype);
    jw_str(w, "insutype", insutype_text);
    jw_time(w, "setl_time", time_s ? svc_unix_to_local(time_s) : 0);
    SETLINFO_FIELDS(SETL_ANSWER_, ~)
    jw_bp(w, "pool_prop_selfpay", stl->pool_ratio_bp);
    jw_close(w, '}');
    setldetail(w, stl, sign);
}

int svc_own_settlement(struct svc_call *c, const struct json_value *data, const char *path,
                       struct journal_rec *rec, struct store_settlement *stl, bool *revoked) {
    int64_t setl_id;
    if (in_int(c, data, "setl_id", path, true, 1, INT64_MAX / 2, &setl_id) != 0) return -1;
    bool found = false;
    struct store_err err;
    if (store_settlement_get(c->svc->store, setl_id, rec, stl, revoked, &found, &err) != 0)
        return svc_fail(c, "storage: %s", err.msg);
    if (!found || strcmp(rec->fixmedins_code, c->fixmedins_code) != 0)
        return svc_fail(c, "%s.setl_id: no settlement %" PRId64 " of this institution", path,
                        setl_id);
    char psn_no[CODE_BYTES_MAX + 1];
    int rc = in_code(c, data, "psn_no", path, false, psn_no, sizeof psn_no);
    if (rc < 0) return -1;
    if (rc == 0 && strcmp(psn_no, rec->psn_no) != 0)
        return svc_fail(c, "%s.psn_no: settlement %" PRId64 " is not of person '%s'", path,
                        setl_id, psn_no);
    return 0;
}

int svc_settlement_mdtrt(struct svc_call *c, int64_t setl_id, char *out, size_t size) {
    int64_t visit_id = 0;
    bool found = false;
    svcdb_lock(c->db);
    int rc = svcdb_setl_visit(c->db, setl_id, &visit_id, &found);
    if (rc != 0) svc_fail(c, "storage: %s", svcdb_error(c->db));
    svcdb_unlock(c->db);
    if (rc != 0) return -1;
    out[0] = '\0';
    if (found && visit_id > 0) mdtrt_id_format(visit_id, out, size);
    return 0;
}

static int answer_settlement(struct svc_call *c, const struct store_settlement *stl, int64_t seq,
                             int64_t setl_id, const char *mdtrt_id, const char *psn_no,
                             int64_t time_s, int sign) {
    struct jw w;
    jw_begin(&w, c->output);
    svc_write_settlement(&w, stl, sign > 0 ? setl_id : seq, mdtrt_id, psn_no, time_s, sign);
    if (sign < 0) jw_int(&w, "init_setl_id", setl_id);
    jw_end(&w);
    return 0;
}

/* The commit queue's answer: 0 when done, else c->err names the refusal
 * like a pre-settlement's (the field, the bill line, the value). */
static int committed(struct svc_call *c) {
    const struct store_req *r = &c->w->sreq;
    if (r->status == STORE_DONE) return 0;
    if (r->status != STORE_REFUSED) return svc_fail(c, "storage: %s", r->err.msg);
    char setl_id[24];
    snprintf(setl_id, sizeof setl_id, "%" PRId64, r->setl_id);
    const char *f = r->error_field, *value = NULL;
    if (f != NULL && strcmp(f, "psn_no") == 0) value = c->w->psn_no;
    else if (f != NULL && strcmp(f, "setl_id") == 0) value = setl_id;
    else if (f != NULL && strcmp(f, "msgid") == 0) value = c->msgid;
    return refusal(c, r->error, f, r->error_line, r->op == STORE_OP_SETTLE ? r->bill : NULL, value);
}

/* The answer's setl_time: the journal record's time. */
static int64_t commit_time_s(struct svc_call *c) {
    const struct store_req *r = &c->w->sreq;
    return r->time_us > 0 ? r->time_us / 1000000 : c->now_s;
}

/* Settles c->w->bill for c->w->psn_no through the commit queue; after(c)
 * answers. dry_run: computes only, and answers at once. */
static int commit_settle(struct svc_call *c, int (*after)(struct svc_call *c)) {
    struct svc_worker *w = c->w;
    struct store_req *r = &w->sreq;
    memset(r, 0, sizeof *r);
    if (c->svc->cfg.dry_run) {
        struct settle_result res;
        if (svc_engine(c, w->psn_no, &w->bill, &res, NULL) != 0) return -1;
        r->status = STORE_DONE;
        r->stl.setl = res.setl;
        r->stl.rooms = res.rooms;
        r->stl.pool_ratio_bp = res.pool_ratio_bp;
        return after(c);
    }
    r->op = STORE_OP_SETTLE;
    snprintf(r->msgid, sizeof r->msgid, "%s", c->store_msgid);
    snprintf(r->psn_no, sizeof r->psn_no, "%s", w->psn_no);
    r->bill = &w->bill;
    return svc_commit(c, after);
}

static int check_total(struct svc_call *c, const struct json_value *data, const struct bill *bill) {
    int64_t medfee = 0, sum = 0;
    if (in_money(c, data, "medfee_sumamt", "input.data", true, &medfee) != 0) return -1;
    for (int32_t i = 0; i < bill->line_count; i++) sum += bill->lines[i].amount_fen;
    if (sum != medfee) {
        char a[32], b[32];
        money_format(medfee, a, sizeof a);
        money_format(sum, b, sizeof b);
        return svc_fail(c, "input.data.medfee_sumamt: %s differs from the fee lines' total %s", a, b);
    }
    return 0;
}

/* ---- hospital visits --------------------------------------------------------- */
/* The visit of data.mdtrt_id with its unsettled lines, as a bill, read
 * through c->db (the caller holds it). */
static int visit_bill(struct svc_call *c, const struct json_value *data, struct svc_visit *v,
                      struct bill *bill) {
    enum visit_kind kind = c->infno[1] == '3' ? VISIT_INPATIENT : VISIT_OUTPATIENT;
    int32_t count = 0;
    datetime_s latest = 0;
    int rc = svc_visit_load(c, data, "input.data", v);
    if (rc == 0) rc = svcdb_fee_open(c->db, v->id, c->w->lines, c->w->lines_max, &count, &latest);
    if (rc < 0) return c->err[0] ? -1 : svc_fail(c, "storage: %s", svcdb_error(c->db));
    if (rc == 1) return svc_fail(c, "input.data.mdtrt_id: more than %d fee lines", c->w->lines_max);
    if (v->kind != kind) return svc_fail(c, "input.data.mdtrt_id: not an %s visit",
                                         kind == VISIT_INPATIENT ? "inpatient" : "outpatient");
    if (v->status == VISIT_CANCELLED) return svc_fail(c, "input.data.mdtrt_id: visit is cancelled");
    if (v->status == VISIT_SETTLED)
        return svc_fail(c, "input.data.mdtrt_id: visit is settled (setl_id %" PRId64 ")", v->setl_id);
    if (kind == VISIT_INPATIENT && v->endtime == 0)
        return svc_fail(c, "input.data.mdtrt_id: not discharged yet (2402)");
    if (count == 0) return svc_fail(c, "input.data.mdtrt_id: no unsettled fee lines (2204/2301)");
    char med_type[8];
    rc = in_code(c, data, "med_type", "input.data", false, med_type, sizeof med_type);
    if (rc < 0) return -1;
    if (rc == 0 && strcmp(med_type, v->med_type) != 0)
        return svc_fail(c, "input.data.med_type: '%s' differs from the visit's '%s'", med_type,
                        v->med_type);
    svc_visit_bill(v, bill, c->w->lines, count, latest);
    return in_flag(c, data, "acct_used_flag", "input.data", &bill->acct_used);
}

static int oneshot(struct svc_call *c, const char *default_med_type, bool commit);

int txn_presettle(struct svc_call *c) {
    const struct json_value *data = in_object(c, c->input, "data", "input", true);
    if (data != NULL && json_get(c->input, "feedetail") != NULL)
        return oneshot(c, c->infno[1] == '3' ? "21" : "11", false);
    struct svc_visit v;
    struct bill bill;
    struct settle_result res;
    if (data == NULL) return -1;
    svcdb_lock(c->db);
    int rc = visit_bill(c, data, &v, &bill);
    svcdb_unlock(c->db);
    if (rc != 0 || check_total(c, data, &bill) != 0 || svc_engine(c, v.psn_no, &bill, &res, NULL) != 0)
        return -1;
    struct store_settlement stl = {.insutype = v.insutype, .setl = res.setl, .rooms = res.rooms,
                                   .pool_ratio_bp = res.pool_ratio_bp};
    char mdtrt_id[24];
    mdtrt_id_format(v.id, mdtrt_id, sizeof mdtrt_id);
    struct jw w;
    jw_begin(&w, c->output);
    svc_write_settlement(&w, &stl, 0, mdtrt_id, v.psn_no, c->now_s, 1);
    jw_end(&w);
    return 0;
}

/* A write job, once the store committed: reads the visit again (on the
 * writer, locking it), links the settlement to it, marks its lines and the
 * visit settled. */
static int link_visit(struct svc_call *c) {
    int64_t setl_id = c->w->sreq.result_setl_id, visit_id = c->w->visit.id;
    struct svc_visit v;
    bool found = false;
    int rc = svcdb_visit_get(c->db, visit_id, &v, &found); /* first: locks the visit */
    if (rc == 0 && found) rc = svcdb_setl_put(c->db, setl_id, visit_id, c->store_msgid);
    if (rc == 0 && found) rc = svcdb_fee_mark(c->db, visit_id, 0, setl_id);
    if (rc == 0 && found) {
        v.status = VISIT_SETTLED;
        v.setl_id = setl_id;
        rc = svcdb_visit_update(c->db, &v);
    }
    if (rc != 0 || !found)
        return svc_fail(c, "storage: settled as %" PRId64 " but not linked to the visit: %s",
                        setl_id, found ? svcdb_error(c->db) : "visit missing");
    return 0;
}

/* A replayed 2207/2304 whose settlement is linked: answer from the store. */
static int replay_linked(struct svc_call *c, bool *done) {
    int64_t setl_id = 0, visit_id = 0;
    bool found = false;
    *done = false;
    svcdb_lock(c->db);
    int rc = svcdb_setl_by_msgid(c->db, c->store_msgid, &setl_id, &visit_id, &found);
    if (rc != 0) svc_fail(c, "storage: %s", svcdb_error(c->db));
    svcdb_unlock(c->db);
    if (rc != 0) return -1;
    if (!found) return 0;
    struct journal_rec rec;
    struct store_settlement stl;
    bool revoked = false;
    struct store_err err;
    if (store_settlement_get(c->svc->store, setl_id, &rec, &stl, &revoked, &found, &err) != 0)
        return svc_fail(c, "storage: %s", err.msg);
    if (!found) return svc_fail(c, "storage: settlement %" PRId64 " is linked but missing", setl_id);
    char mdtrt_id[24];
    mdtrt_id_format(visit_id, mdtrt_id, sizeof mdtrt_id);
    *done = true;
    return answer_settlement(c, &stl, setl_id, setl_id, mdtrt_id, rec.psn_no,
                             rec.time_us / 1000000, 1);
}

/* Once the link committed (or failed): releases the visit, answers. */
static int visit_linked(struct svc_call *c) {
    struct svc_worker *w = c->w;
    settling_give(c->svc, w->visit.id);
    if (w->job.rc != 0) return -1;
    mdtrt_id_format(w->visit.id, w->mdtrt_id, sizeof w->mdtrt_id);
    return answer_settlement(c, &w->sreq.stl, w->sreq.seq, w->sreq.result_setl_id, w->mdtrt_id,
                             w->visit.psn_no, commit_time_s(c), 1);
}

/* After the store's commit of a visit's settlement: link it. */
static int visit_settle_done(struct svc_call *c) {
    struct svc_worker *w = c->w;
    if (committed(c) != 0) {
        settling_give(c->svc, w->visit.id);
        return -1;
    }
    if (c->svc->cfg.dry_run) {
        w->job.rc = 0;
        return visit_linked(c);
    }
    return svc_write(c, link_visit, visit_linked);
}

/* A job on the service tables' writer: reads the visit and its unsettled
 * lines after every write queued before it, and reserves the visit, so no
 * line upload, withdrawal or second settlement of it comes between this
 * read and the link (visit_open() refuses them while it is settling). */
static int visit_settle_read(struct svc_call *c) {
    struct svc_worker *w = c->w;
    const struct json_value *data = json_get(c->input, "data");
    if (visit_bill(c, data, &w->visit, &w->bill) != 0 || check_total(c, data, &w->bill) != 0)
        return -1;
    if (!settling_take(c->svc, w->visit.id))
        return svc_fail(c, "input.data.mdtrt_id: another request is settling this visit");
    w->settling = true;
    return 0;
}

/* Once the read committed: settles through the store's commit queue. */
static int visit_settle_go(struct svc_call *c) {
    struct svc_worker *w = c->w;
    if (w->job.rc != 0) {
        if (w->settling) settling_give(c->svc, w->visit.id);
        return -1;
    }
    snprintf(w->psn_no, sizeof w->psn_no, "%s", w->visit.psn_no);
    return commit_settle(c, visit_settle_done);
}

int txn_settle(struct svc_call *c) {
    const struct json_value *data = in_object(c, c->input, "data", "input", true);
    if (data == NULL) return -1;
    if (json_get(c->input, "feedetail") != NULL)
        return oneshot(c, c->infno[1] == '3' ? "21" : "11", true);
    bool done = false;
    if (replay_linked(c, &done) != 0 || done) return done ? 0 : -1;
    c->w->settling = false;
    return svc_write(c, visit_settle_read, visit_settle_go);
}

/* ---- one-shot: pharmacy (2101/2102) and hospital (2207/2304 + feedetail) ---- */
static int oneshot_bill(struct svc_call *c, const struct json_value *d, const char *med_default,
                        struct bill *bill, char *psn_no) {
    const char *p = "input.data";
    char med_type[8];
    int32_t count = 0;
    datetime_s latest = 0;
    memset(bill, 0, sizeof *bill);
    if (in_code(c, d, "psn_no", p, true, psn_no, CODE_BYTES_MAX + 1) != 0 ||
        in_feedetail(c, json_get(c->input, "feedetail"), "input.feedetail", &count, &latest, NULL,
                     0) != 0)
        return -1;
    int rc = in_code(c, d, "med_type", p, false, med_type, sizeof med_type);
    if (rc < 0) return -1;
    bill->med_type = med_type_parse(rc == 1 ? med_default : med_type);
    if (bill->med_type == MED_TYPE_INVALID)
        return svc_fail(c, "input.data.med_type: '%s' is not 11, 14, 21 or 41", med_type);
    rc = in_time(c, d, "begntime", p, false, &bill->begntime);
    if (rc < 0) return -1;
    if (rc == 1) bill->begntime = latest ? latest : svc_unix_to_local(c->now_s);
    rc = in_time(c, d, "endtime", p, false, &bill->endtime);
    if (rc < 0) return -1;
    if (rc == 1) bill->endtime = latest > bill->begntime ? latest : bill->begntime;
    bill->dates_ok = true;
    snprintf(bill->fixmedins_code, sizeof bill->fixmedins_code, "%s", c->fixmedins_code);
    bill->lines = c->w->lines;
    bill->line_count = count;
    if (in_code(c, d, "dise_codg", p, false, bill->dise_codg, sizeof bill->dise_codg) < 0 ||
        in_code(c, d, "spec_dise_codg", p, false, bill->spec_dise_codg,
                sizeof bill->spec_dise_codg) < 0 ||
        in_flag(c, d, "out_of_area", p, &bill->out_of_area) != 0 ||
        in_flag(c, d, "filed", p, &bill->filed) != 0 ||
        in_flag(c, d, "acct_used_flag", p, &bill->acct_used) != 0)
        return -1;
    return check_total(c, d, bill);
}

static int oneshot_done(struct svc_call *c) {
    struct svc_worker *w = c->w;
    if (committed(c) != 0) return -1;
    return answer_settlement(c, &w->sreq.stl, w->sreq.seq, w->sreq.result_setl_id, "", w->psn_no,
                             commit_time_s(c), 1);
}

static int oneshot(struct svc_call *c, const char *default_med_type, bool commit) {
    const struct json_value *d = in_object(c, c->input, "data", "input", true);
    char *psn_no = c->w->psn_no;
    struct bill *bill = &c->w->bill;
    if (d == NULL || oneshot_bill(c, d, default_med_type, bill, psn_no) != 0) return -1;
    if (!commit) {
        struct settle_result res;
        if (svc_engine(c, psn_no, bill, &res, NULL) != 0) return -1;
        const struct store_institution *si = c->inst;
        (void)si;
        struct store_settlement stl = {.setl = res.setl, .rooms = res.rooms,
                                       .pool_ratio_bp = res.pool_ratio_bp};
        struct store_person sp;
        bool found = false;
        struct store_err err;
        if (store_person_find(c->svc->store, psn_no, &sp, &found, &err) == 0 && found)
            stl.insutype = sp.insutype;
        struct jw w;
        jw_begin(&w, c->output);
        svc_write_settlement(&w, &stl, 0, "", psn_no, c->now_s, 1);
        jw_end(&w);
        return 0;
    }
    return commit_settle(c, oneshot_done);
}

int txn_pharmacy(struct svc_call *c) {
    return oneshot(c, "41", strcmp(c->infno, "2102") == 0);
}

/* ---- revoke (2208, 2305, 2103) ------------------------------------------------ */
/* A write job, once the store committed the revoke: reopens the visit of
 * the settlement (if it has one) and its lines. */
static int unlink_visit(struct svc_call *c) {
    int64_t setl_id = c->w->sreq.setl_id, visit_id = 0;
    bool found = false;
    struct svc_visit v;
    int rc = svcdb_setl_visit(c->db, setl_id, &visit_id, &found);
    if (rc == 0 && found) rc = svcdb_visit_get(c->db, visit_id, &v, &found);
    if (rc == 0 && found && v.status == VISIT_SETTLED && v.setl_id == setl_id) {
        v.status = VISIT_OPEN;
        v.setl_id = 0;
        rc = svcdb_fee_mark(c->db, v.id, setl_id, 0);
        if (rc == 0) rc = svcdb_visit_update(c->db, &v);
    }
    if (rc != 0)
        return svc_fail(c, "storage: revoked, but the visit was not reopened: %s", svcdb_error(c->db));
    return 0;
}

static int revoke_answer(struct svc_call *c) {
    struct svc_worker *w = c->w;
    if (w->job.rc != 0) return -1;
    return answer_settlement(c, &w->sreq.stl, w->sreq.seq, w->sreq.setl_id, w->mdtrt_id,
                             w->psn_no, commit_time_s(c), -1);
}

static int revoke_done(struct svc_call *c) {
    if (committed(c) != 0) return -1;
    return svc_write(c, unlink_visit, revoke_answer);
}

int txn_revoke(struct svc_call *c) {
    const struct json_value *data = in_object(c, c->input, "data", "input", true);
    struct journal_rec rec;
    struct store_settlement stl;
    bool revoked = false;
    if (data == NULL || svc_own_settlement(c, data, "input.data", &rec, &stl, &revoked) != 0)
        return -1;
    struct svc_worker *w = c->w;
    if (svc_settlement_mdtrt(c, rec.seq, w->mdtrt_id, sizeof w->mdtrt_id) != 0) return -1;
    char given[CODE_BYTES_MAX + 1];
    int rc = in_code(c, data, "mdtrt_id", "input.data", false, given, sizeof given);
    if (rc < 0) return -1;
    if (rc == 0 && strcmp(given, w->mdtrt_id) != 0)
        return svc_fail(c, "input.data.mdtrt_id: settlement %" PRId64 " is not of visit '%s'",
                        rec.seq, given);
    if (c->svc->cfg.dry_run)
        return answer_settlement(c, &stl, 0, rec.seq, w->mdtrt_id, rec.psn_no, c->now_s, -1);
    snprintf(w->psn_no, sizeof w->psn_no, "%s", rec.psn_no);
    struct store_req *r = &w->sreq;
    memset(r, 0, sizeof *r);
    r->op = STORE_OP_REVOKE;
    snprintf(r->msgid, sizeof r->msgid, "%s", c->store_msgid);
    r->setl_id = rec.seq;
    return svc_commit(c, revoke_done);
}
