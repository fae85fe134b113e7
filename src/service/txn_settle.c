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
#include "app/bill_decode.h"
#include "service/svc.h"

/* Reserves a visit for one settlement at a time; false if taken or full.
 * Taken and checked only on the service tables' writers (svcq.c), so a
 * visit's writes and its settlement's read of them are in one order. */
static bool settling_take(struct service *svc, int64_t visit_id) {
    bool ok = true;
    assert(visit_id > 0);
    pthread_mutex_lock(&svc->settling_lock);
    assert(svc->settling_count <= SVC_SETTLING_MAX);
    for (size_t i = 0; i < svc->settling_count && ok; i++) ok = svc->settling[i] != visit_id;
    if (ok && svc->settling_count == SVC_SETTLING_MAX) ok = false;
    if (ok) svc->settling[svc->settling_count++] = visit_id;
    assert(svc->settling_count <= SVC_SETTLING_MAX); /* and visit_id in it once (the loop) */
    pthread_mutex_unlock(&svc->settling_lock);
    return ok;
}

static void settling_give(struct service *svc, int64_t visit_id) {
    bool found = false;
    assert(visit_id > 0);
    pthread_mutex_lock(&svc->settling_lock);
    assert(svc->settling_count > 0 && svc->settling_count <= SVC_SETTLING_MAX);
    for (size_t i = 0; i < svc->settling_count && !found; i++)
        if (svc->settling[i] == visit_id) {
            svc->settling[i] = svc->settling[--svc->settling_count];
            found = true;
        }
    for (size_t i = 0; i < svc->settling_count; i++)
        assert(svc->settling[i] != visit_id); /* it was reserved once */
    pthread_mutex_unlock(&svc->settling_lock);
    assert(found);
}

/* The worker's reservation of its visit, given back once (w->settling). */
static void settling_release(struct svc_call *c) {
    struct svc_worker *w = c->w;
    assert(w->settling && w->visit.id > 0);
    settling_give(c->svc, w->visit.id);
    w->settling = false;
}

bool svc_visit_settling(struct service *svc, int64_t visit_id) {
    bool found = false;
    assert(visit_id > 0);
    pthread_mutex_lock(&svc->settling_lock);
    assert(svc->settling_count <= SVC_SETTLING_MAX);
    for (size_t i = 0; i < svc->settling_count && !found; i++) found = svc->settling[i] == visit_id;
    pthread_mutex_unlock(&svc->settling_lock);
    return found;
}

/* ---- the engine on committed state ---------------------------------------- */
/* A refusal's err_msg (docs/SERVICE.md): "E_BAD_AMOUNT:
 * feedetail[3].det_item_fee_sumamt (feedetl_sn '4')" for a line, else
 * "E_POLICY_YEAR: endtime", with the value when given ("E_UNKNOWN_PERSON:
 * psn_no 'P9'"), or the bare code. */
/* A refusal in the words every adapter uses (app_refusal_text): its code,
 * the fee line counted from 1, the field, its value and what is wrong. */
static int refusal(struct svc_call *c, const struct app_refusal *why, const struct bill *bill,
                   const char *value) {
    char text[APP_REFUSAL_TEXT_BYTES];
    assert(why != NULL && why->code != NULL && why->code[0] != '\0');
    app_refusal_text(why, bill, value, text, sizeof text);
    return svc_fail(c, "%s", text);
}

/* The value a refusal's field names, for its message. */
static const char *refused_value(const char *field, const char *psn_no, const struct bill *bill) {
    assert(psn_no != NULL);
    if (field == NULL) return NULL;
    if (strcmp(field, "psn_no") == 0) return psn_no;
    if (strcmp(field, "fixmedins_code") == 0 && bill != NULL) return bill->fixmedins_code;
    return NULL;
}

static int engine_with(struct svc_call *c, struct app_person_reader reader, const char *psn_no,
                       const struct bill *bill, int32_t insutype_asked,
                       struct app_settle_answer *ans, struct line_result *line_results) {
    assert(c != NULL && bill != NULL && ans != NULL);
    assert(c->reg != NULL);
    struct app_registry reg = app_registry_of(c->reg);
    if (c->txn->rules_off) reg.rules = NULL;
    /* no bindings imported by the request's registry generation: Step 7b
     * has no holders, and their read (one statement) is skipped */
    if (!registry_bindings_any(c->reg)) reader.holders = NULL;
    struct app_settle_request req = {psn_no, bill, insutype_asked};
    struct store_err err;
    if (app_settle(&reg, &reader, &req, ans, line_results, NULL, &err) != 0)
        return svc_fail(c, "storage: %s", err.msg);
    const struct app_refusal *why = &ans->refusal;
    if (why->code != NULL) return refusal(c, why, bill, refused_value(why->field, psn_no, bill));
    return 0;
}

int svc_engine(struct svc_call *c, const char *psn_no, const struct bill *bill,
               int32_t insutype_asked, struct app_settle_answer *ans,
               struct line_result *line_results) {
    assert(c != NULL && c->svc != NULL);
    return engine_with(c, app_store_reader(c->svc->store), psn_no, bill, insutype_asked, ans,
                       line_results);
}

int svc_engine_lines(struct svc_call *c, const char *psn_no, const struct bill *bill,
                     int32_t insutype_asked, struct app_settle_answer *ans,
                     struct line_result *line_results) {
    assert(c != NULL && c->svc != NULL && line_results != NULL);
    return engine_with(c, app_store_lines_reader(c->svc->store), psn_no, bill, insutype_asked, ans,
                       line_results);
}

/* ---- answers --------------------------------------------------------------- */
static void fund_detail(struct jw *w, const char *type, const char *name, int64_t pay_fen,
                        int64_t inscp_fen, int64_t room_fen, int sign) {
    assert(type != NULL && name != NULL && (sign == 1 || sign == -1));
    jw_obj(w, NULL);
    jw_str(w, "fund_pay_type", type);
    jw_str(w, "fund_pay_type_name", name);
    jw_fen(w, "inscp_scp_amt", sign * inscp_fen);
    /* no cap: the platform's 999999, never null (a client's decimal cannot hold it) */
    jw_fen(w, "crt_payb_lmt_amt", room_fen == INT64_MAX ? SVC_NO_CAP_FEN : room_fen);
    jw_str(w, "setl_proc_info", "");
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
#define SETL_ANSWER_BALANCE(name) \
    if (sign > 0) jw_fen(w, #name, stl->setl.name);
#define SETL_ANSWER_(unused, name, kind) SETL_ANSWER_##kind(name)

void svc_oneshot_mdtrt_id(int64_t setl_id, char out[24]) {
    assert(setl_id > 0 && out != NULL);
    snprintf(out, 24, "MDS%010" PRId64, setl_id);
}

const char *svc_med_type_text(enum med_type t, char out[8]) {
    assert(out != NULL);
    if (t == MED_TYPE_INVALID) out[0] = '\0';
    else snprintf(out, 8, "%d", (int)t);
    return out;
}

/* The clearing type of a med_type (11 outpatient, 21 inpatient, 41
 * pharmacy): the first digit, as the platform's clr_type codes go. */
static const char *clr_type_of(const char *med_type) {
    assert(med_type != NULL);
    if (med_type[0] == '2') return "21";
    if (med_type[0] == '4') return "41";
    return med_type[0] == '\0' ? "" : "11";
}

/* The person's fields of setlinfo: name, sex, birth date, age, ID number,
 * the kind of certificate presented, the person type, civil servant flag. */
static void setl_person(struct svc_call *c, struct jw *w, const char *psn_no, int64_t time_s) {
    struct store_person p;
    bool found = false;
    struct store_err err;
    assert(psn_no != NULL);
    if (store_person_find(c->svc->store, psn_no, &p, &found, &err) != 0 || !found)
        memset(&p, 0, sizeof p);
    char cert_type[8] = "";
    const struct json_value *d = c->input ? json_get(c->input, "data") : NULL;
    const struct json_value *v = d && d->type == JSON_OBJECT ? json_get(d, "mdtrt_cert_type")
                                                             : NULL;
    if (v != NULL && v->type == JSON_STRING && v->len < sizeof cert_type)
        memcpy(cert_type, v->text, v->len + 1);
    jw_str(w, "psn_name", p.name);
    jw_str(w, "psn_cert_type", "01"); /* resident ID card: the registry's certno */
    jw_str(w, "certno", p.certno);
    jw_str(w, "gend", p.gender);
    jw_str(w, "naty", "01");
    jw_str(w, "brdy", p.birth_date);
    jw_int(w, "age", found ? svc_age_at(p.birth_date, time_s) : 0);
    jw_str(w, "psn_type", found ? svc_psn_type_code(p.category) : "");
    jw_str(w, "cvlserv_flag", "0");
    jw_str(w, "mdtrt_cert_type", cert_type);
    jw_str(w, "clr_optins", p.region);
    assert(!found || strcmp(p.psn_no, psn_no) == 0);
}

/* The personal account's balance as the store has it now (0 when it
 * cannot be read: an answer is not withheld for it). */
static int64_t balance_now(struct svc_call *c, const char *psn_no) {
    struct store_person p;
    int64_t balc_fen = 0;
    bool found = false;
    struct store_err err;
    assert(psn_no != NULL);
    if (store_person_get(c->svc->store, psn_no, &p, &balc_fen, &found, &err) != 0 || !found)
        return 0;
    assert(balc_fen >= 0);
    return balc_fen;
}

/* The bill's own fields: its dates and, when the caller had none, its
 * med_type (a stored settlement's from the journal: 5203, revokes,
 * replays). Unknown (a record of a release before bills were kept): "". */
static void setl_bill_fields(struct svc_call *c, struct jw *w, const struct svc_setl_answer *a,
                             char med_type[8]) {
    struct bill journaled;
    const struct bill *bill = a->bill;
    bool found = false;
    struct store_err err;
    assert(a != NULL && med_type != NULL);
    if (bill == NULL && a->setl_id > 0 && c->w->lines != NULL &&
        store_settlement_bill(c->svc->store, a->sign > 0 ? a->setl_id : a->init_setl_id, &journaled,
                              c->w->lines, c->w->lines_max, &found, &err) == 0 &&
        found)
        bill = &journaled;
    char begn[20] = "", end[20] = "";
    if (bill != NULL && bill->dates_ok) {
        datetime_format(bill->begntime, begn);
        datetime_format(bill->endtime, end);
        begn[10] = end[10] = '\0'; /* dates: yyyy-MM-dd */
    }
    if (med_type[0] == '\0' && bill != NULL) svc_med_type_text(bill->med_type, med_type);
    jw_str(w, "fixmedins_code", c->fixmedins_code);
    jw_str(w, "begndate", begn);
    jw_str(w, "enddate", end);
}

void svc_write_settlement(struct svc_call *c, struct jw *w, const struct svc_setl_answer *a) {
    const struct store_settlement *stl = a->stl;
    int sign = a->sign;
    char text[24], med_type[8];
    assert(sign == 1 || sign == -1);
    assert(a->mdtrt_id != NULL && a->psn_no != NULL && a->med_type != NULL);
    jw_obj(w, "setlinfo");
    snprintf(text, sizeof text, "%" PRId64, a->setl_id); /* a string on the interface */
    jw_str(w, "setl_id", a->setl_id > 0 ? text : "");
    /* a one-shot settlement's visit is itself: MDS + its setl_id (2103
     * and 5203 take it back) */
    char oneshot_id[24];
    int64_t own_id = sign > 0 ? a->setl_id : a->init_setl_id;
    if (a->mdtrt_id[0] == '\0' && own_id > 0) svc_oneshot_mdtrt_id(own_id, oneshot_id);
    else snprintf(oneshot_id, sizeof oneshot_id, "%s", a->mdtrt_id);
    jw_str(w, "mdtrt_id", oneshot_id);
    jw_str(w, "psn_no", a->psn_no);
    snprintf(text, sizeof text, "%d", (int)stl->insutype); /* "390" */
    jw_str(w, "insutype", text);
    snprintf(med_type, sizeof med_type, "%s", a->med_type);
    setl_bill_fields(c, w, a, med_type);
    jw_str(w, "med_type", med_type);
    jw_time(w, "setl_time", a->time_s ? svc_unix_to_local(a->time_s) : 0);
    setl_person(c, w, a->psn_no, a->time_s ? a->time_s : c->now_s);
    SETLINFO_FIELDS(SETL_ANSWER_, ~)
    if (sign < 0) jw_fen(w, "balc", balance_now(c, a->psn_no)); /* after the revoke */
    /* funds this platform does not run: present, zero (clients read them) */
    static const char *const zero_funds[] = {"cvlserv_pay", "hifes_pay", "oth_pay", "hosp_part_amt",
                                             "hifdm_pay"};
    for (size_t i = 0; i < sizeof zero_funds / sizeof zero_funds[0]; i++)
        jw_fen(w, zero_funds[i], 0);
    jw_bp(w, "pool_prop_selfpay", stl->pool_ratio_bp);
    jw_str(w, "medins_setl_id", c->msgid);
    jw_str(w, "clr_way", "1");
    jw_str(w, "clr_type", clr_type_of(med_type));
    if (a->refd_setl_flag != NULL) jw_str(w, "refd_setl_flag", a->refd_setl_flag);
    jw_close(w, '}');
    setldetail(w, stl, sign);
}

int svc_own_settlement(struct svc_call *c, const struct json_value *data, const char *path,
                       struct journal_rec *rec, struct store_settlement *stl, bool *revoked) {
    int64_t setl_id;
    assert(data != NULL && rec != NULL && stl != NULL && revoked != NULL);
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
        return svc_fail(c, "%s.psn_no: settlement %" PRId64 " is not of person '%s'", path, setl_id,
                        psn_no);
    return 0;
}

int svc_settlement_mdtrt(struct svc_call *c, int64_t setl_id, char *out, size_t size) {
    int64_t visit_id = 0;
    assert(setl_id > 0 && out != NULL && size >= 14); /* "MDT" + 10 digits */
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

/* detlcutinfo[]: each line's split, when this request computed it. */
static void write_cut(struct svc_call *c, struct jw *w) {
    const struct svc_worker *wk = c->w;
    assert(c != NULL && w != NULL);
    if (!wk->lines_cut) return;
    assert(wk->bill.line_count <= wk->lines_max);
    jw_arr(w, "detlcutinfo");
    for (int32_t i = 0; i < wk->bill.line_count; i++)
        svc_write_line(w, &wk->bill.lines[i], &wk->line_results[i]);
    jw_close(w, ']');
}

/* The med_type of the request being answered: its visit's, or its
 * one-shot bill's; "" for a revoke or a replay (not at hand). */
static const char *answer_med_type(struct svc_call *c, char out[8]) {
    assert(c->txn != NULL && out != NULL);
    snprintf(out, 8, "%s", c->w->med_type); /* set by this request's bill or visit */
    return out;
}

/* Beside the NHSA fields, a committed answer carries its receipt: the
 * journal seq and chain hash it was committed at (jrnl_seq, jrnl_hash),
 * which `yibao check --expect-head SEQ:HASH` proves the journal still holds.
 * jrnl_hash NULL or "": none (a dry run). */
static int answer_settlement(struct svc_call *c, const struct store_settlement *stl, int64_t seq,
                             int64_t setl_id, const char *mdtrt_id, const char *psn_no,
                             int64_t time_s, int sign, const char *jrnl_hash) {
    struct jw w;
    char setl_text[24], med_type[8];
    assert(sign == 1 || (sign == -1 && setl_id > 0)); /* a revoke names its settlement */
    jw_begin(&w, c->output);
    struct svc_setl_answer a = {.stl = stl,
                                .setl_id = sign > 0 ? setl_id : seq,
                                .mdtrt_id = mdtrt_id,
                                .psn_no = psn_no,
                                .med_type = answer_med_type(c, med_type),
                                .time_s = time_s,
                                .sign = sign,
                                .bill = c->w->bill_current ? &c->w->bill : NULL,
                                .init_setl_id = sign < 0 ? setl_id : 0};
    svc_write_settlement(c, &w, &a);
    if (sign > 0) write_cut(c, &w);
    if (sign < 0) {
        snprintf(setl_text, sizeof setl_text, "%" PRId64, setl_id);
        jw_str(&w, "init_setl_id", setl_text); /* a string on the interface */
    }
    if (seq > 0 && jrnl_hash != NULL && jrnl_hash[0] != '\0') {
        jw_int(&w, "jrnl_seq", seq);
        jw_str(&w, "jrnl_hash", jrnl_hash);
    }
    jw_end(&w);
    return 0;
}

/* The commit queue's answer: 0 when done, else c->err names the refusal
 * like a pre-settlement's (the field, the bill line, the value). */
static int committed(struct svc_call *c) {
    const struct store_req *r = &c->w->sreq;
    assert(!c->w->in_flight); /* answered */
    if (r->status == STORE_DONE) return 0;
    if (r->status != STORE_REFUSED) return svc_fail(c, "storage: %s", r->err.msg);
    char setl_id[24];
    snprintf(setl_id, sizeof setl_id, "%" PRId64, r->setl_id);
    const char *f = r->error_field;
    const struct bill *bill = r->op == STORE_OP_SETTLE ? r->bill : NULL;
    const char *value = refused_value(f, c->w->psn_no, bill);
    if (f != NULL && strcmp(f, "setl_id") == 0) value = setl_id;
    else if (f != NULL && strcmp(f, "msgid") == 0) value = c->msgid;
    struct app_refusal why = {.code = r->error, .field = f, .line = r->error_line};
    memcpy(why.reason, r->error_reason, sizeof why.reason);
    return refusal(c, &why, bill, value);
}

/* The answer's setl_time: the journal record's time. */
static int64_t commit_time_s(struct svc_call *c) {
    const struct store_req *r = &c->w->sreq;
    assert(r->status == STORE_DONE);
    return r->time_us > 0 ? r->time_us / 1000000 : c->now_s;
}

/* Settles c->w->bill for c->w->psn_no through the commit queue; after(c)
 * answers. link: the visit linked in the same commit, or NULL. dry_run:
 * computes only, and answers at once. */
static int commit_settle(struct svc_call *c, const char *msgid, const struct store_visit_link *link,
                         int (*after)(struct svc_call *c)) {
    struct svc_worker *w = c->w;
    struct store_req *r = &w->sreq;
    assert(after != NULL && w->psn_no[0] != '\0' && !w->in_flight);
    memset(r, 0, sizeof *r);
    if (c->svc->cfg.dry_run) {
        struct app_settle_answer ans;
        if (svc_engine(c, w->psn_no, &w->bill, w->insutype_asked, &ans, NULL) != 0) return -1;
        r->status = STORE_DONE;
        r->stl = ans.stl;
        return after(c);
    }
    r->op = STORE_OP_SETTLE;
    snprintf(r->msgid, sizeof r->msgid, "%s", msgid);
    snprintf(r->psn_no, sizeof r->psn_no, "%s", w->psn_no);
    r->bill = &w->bill;
    r->insutype_asked = w->insutype_asked;
    if (link != NULL) r->link = *link;
    assert(link == NULL || (r->link.visit_id > 0 && r->link.open != NULL));
    return svc_commit(c, after);
}

/* data.medfee_sumamt must be the lines' total; when a line's numbers are
 * bad or negative there is no total, and the engine names the line
 * (E_BAD_AMOUNT), as for a bill from a file. */
static int check_total(struct svc_call *c, const struct json_value *data, const struct bill *bill) {
    int64_t medfee = 0, sum = 0;
    assert(bill->line_count >= 0 && bill->line_count <= c->w->lines_max);
    if (in_money(c, data, "medfee_sumamt", "input.data", true, &medfee) != 0) return -1;
    for (int32_t i = 0; i < bill->line_count; i++) {
        if (!bill->lines[i].numbers_ok || bill->lines[i].amount_fen < 0) return 0;
        sum += bill->lines[i].amount_fen;
    }
    if (sum != medfee) {
        char a[32], b[32];
        money_format(medfee, a, sizeof a);
        money_format(sum, b, sizeof b);
        return svc_fail(c, "input.data.medfee_sumamt: %s differs from the fee lines' total %s", a,
                        b);
    }
    return 0;
}

/* ---- hospital visits --------------------------------------------------------- */
/* Whether the visit may be settled now: an outpatient visit batch by
 * batch (its unsettled lines), an inpatient stay after its discharge, or
 * in part before it (mid_setl_flag 1, a mid-stay settlement: *mid). */
static int visit_settleable(struct svc_call *c, const struct json_value *data,
                            const struct svc_visit *v, bool *mid) {
    enum visit_kind kind = c->txn->visit;
    assert(mid != NULL && (kind == VISIT_INPATIENT || kind == VISIT_OUTPATIENT));
    *mid = false;
    if (v->kind != kind)
        return svc_fail(c, "input.data.mdtrt_id: not an %s visit",
                        kind == VISIT_INPATIENT ? "inpatient" : "outpatient");
    if (v->status == VISIT_CANCELLED) return svc_fail(c, "input.data.mdtrt_id: visit is cancelled");
    if (kind == VISIT_OUTPATIENT) return 0;
    if (v->status == VISIT_SETTLED)
        return svc_fail(c, "input.data.mdtrt_id: visit is settled (setl_id %" PRId64 ")",
                        v->setl_id);
    if (in_flag(c, data, "mid_setl_flag", "input.data", mid) != 0) return -1;
    if (*mid && v->endtime != 0)
        return svc_fail(c, "input.data.mid_setl_flag: the stay is discharged (2402); settle it"
                           " with mid_setl_flag 0");
    if (!*mid && v->endtime == 0)
        return svc_fail(c, "input.data.mdtrt_id: not discharged yet (2402); a mid-stay"
                           " settlement sends mid_setl_flag 1");
    assert(v->status == VISIT_OPEN || v->status == VISIT_PART_SETTLED);
    return 0;
}

/* A later part of a stay settled in parts pays its admission's deductible
 * once: the stay's standing parts of the bill's year, from the store; the
 * part that counted the admission makes this one a continuation
 * (core/bill.h). A part of another year is no part of this year's
 * admission: a stay across the new year counts again in the new one. */
static int stay_parts(struct svc_call *c, const struct svc_visit *v, struct bill *bill) {
    int64_t ids[SVC_STAY_PARTS_MAX];
    int32_t n = 0;
    assert(v->kind == VISIT_INPATIENT && bill->med_type == MED_TYPE_INPATIENT);
    int rc = svcdb_fee_setls(c->db, v->id, ids, SVC_STAY_PARTS_MAX, &n);
    if (rc < 0) return svc_fail(c, "storage: %s", svcdb_error(c->db));
    if (rc == 1)
        return svc_fail(c, "input.data.mdtrt_id: more than %d settled parts", SVC_STAY_PARTS_MAX);
    int32_t year = datetime_year(bill->endtime);
    int64_t paid_fen = 0;
    bool counted = false;
    for (int32_t i = 0; i < n; i++) {
        struct journal_rec rec;
        struct store_settlement stl;
        bool revoked = false, found = false;
        struct store_err err;
        if (store_settlement_get(c->svc->store, ids[i], &rec, &stl, &revoked, &found, &err) != 0)
            return svc_fail(c, "storage: %s", err.msg);
        if (!found) return svc_fail(c, "storage: part %" PRId64 " of the stay is missing", ids[i]);
        if (revoked || stl.year != year) continue;
        counted = counted || stl.delta.admissions == 1;
        paid_fen += stl.setl.act_pay_dedc;
    }
    bill->admission_continued = counted;
    bill->admission_dedc_paid_fen = counted ? paid_fen : 0;
    assert(paid_fen >= 0);
    return 0;
}

/* The visit of data.mdtrt_id with its unsettled lines, as a bill, read
 * through c->db (the caller holds it); *mid: settled in part. */
static int visit_bill(struct svc_call *c, const struct json_value *data, struct svc_visit *v,
                      struct bill *bill, bool *mid) {
    int32_t count = 0;
    datetime_s latest = 0;
    char *bchno = c->w->chrg_bchno;
    int rc = svc_visit_load(c, data, "input.data", v);
    if (rc == 0 &&
        in_code(c, data, "chrg_bchno", "input.data", false, bchno, CODE_BYTES_MAX + 1) < 0)
        rc = -1;
    if (rc == 0)
        rc = svcdb_fee_open(c->db, v->id, bchno, c->w->lines, c->w->lines_max, &count, &latest);
    if (rc < 0) return c->err[0] ? -1 : svc_fail(c, "storage: %s", svcdb_error(c->db));
    if (rc == 1) return svc_fail(c, "input.data.mdtrt_id: more than %d fee lines", c->w->lines_max);
    if (visit_settleable(c, data, v, mid) != 0) return -1;
    if (count == 0 && bchno[0] != '\0')
        return svc_fail(c, "input.data.chrg_bchno: no unsettled fee lines in charge batch '%s'",
                        bchno);
    if (count == 0) return svc_fail(c, "input.data.mdtrt_id: no unsettled fee lines (2204/2301)");
    if (v->endtime != 0 && latest != 0 &&
        latest - latest % SVC_DAY_S > v->endtime - v->endtime % SVC_DAY_S) {
        char when[20], end[20];
        datetime_format(latest, when);
        datetime_format(v->endtime, end);
        return svc_fail(c,
                        "input.data.mdtrt_id: a fee line of %s is after the discharge on %.10s;"
                        " withdraw it (2302) or correct the discharge (2402)",
                        when, end);
    }
    char med_type[8];
    rc = in_code(c, data, "med_type", "input.data", false, med_type, sizeof med_type);
    if (rc < 0) return -1;
    if (rc == 0 && strcmp(med_type, v->med_type) != 0)
        return svc_fail(c, "input.data.med_type: '%s' differs from the visit's '%s'", med_type,
                        v->med_type);
    svc_visit_bill(v, bill, c->w->lines, count, latest);
    if (v->status == VISIT_PART_SETTLED && bill->med_type == MED_TYPE_INPATIENT &&
        stay_parts(c, v, bill) != 0)
        return -1;
    assert(v->status != VISIT_CANCELLED && bill->line_count == count && count > 0);
    return in_flag(c, data, "acct_used_flag", "input.data", &bill->acct_used);
}

static int oneshot(struct svc_call *c, const char *default_med_type, bool commit);

int txn_presettle(struct svc_call *c) {
    assert(c->txn != NULL && !c->txn->writes); /* commits nothing */
    const struct json_value *data = in_object(c, c->input, "data", "input", true);
    if (data != NULL && json_get(c->input, "feedetail") != NULL)
        return oneshot(c, c->txn->med_type, false);
    struct svc_visit v;
    struct bill bill;
    struct app_settle_answer ans;
    bool mid = false;
    if (data == NULL)
        return svc_registry_confirm(c, -1), -1; /* its refusal, or the institution's */
    /* the visit, its open lines and the registry's generation in one read
     * (checked as ever by visit_bill: a hint that differs from the parsed
     * batch reads the lines apart) */
    const struct json_value *b = json_get(data, "chrg_bchno");
    int64_t gen = -1;
    svcdb_lock(c->db);
    svcdb_lines_ahead(c->db, b != NULL && b->type == JSON_STRING ? b->text : "", &gen);
    int rc = visit_bill(c, data, &v, &bill, &mid);
    svcdb_unlock(c->db);
    /* the registry the engine decides on, read with the visit (PostgreSQL;
     * the read itself depends on none: only the institution and the engine) */
    if (svc_registry_confirm(c, gen) != 0) return -1;
    if (rc != 0 || check_total(c, data, &bill) != 0 ||
        svc_engine(c, v.psn_no, &bill, bill_insutype_asked(data), &ans, NULL) != 0)
        return -1;
    char mdtrt_id[24];
    mdtrt_id_format(v.id, mdtrt_id, sizeof mdtrt_id);
    struct jw w;
    jw_begin(&w, c->output);
    struct svc_setl_answer a = {.stl = &ans.stl,
                                .mdtrt_id = mdtrt_id,
                                .psn_no = v.psn_no,
                                .med_type = v.med_type,
                                .time_s = c->now_s,
                                .sign = 1,
                                .bill = &bill};
    svc_write_settlement(c, &w, &a);
    jw_end(&w);
    return 0;
}

/* Whether a visit of this kind and status may still be settled: open, an
 * inpatient stay settled in part, or an outpatient visit (it settles each
 * charge batch: settled stays open). The store's link asks it too. */
static bool visit_still_open(int32_t kind, int32_t status) {
    assert(kind == VISIT_OUTPATIENT || kind == VISIT_INPATIENT);
    return status == VISIT_OPEN || status == VISIT_PART_SETTLED ||
           (status == VISIT_SETTLED && kind == VISIT_OUTPATIENT);
}

/* A write job, once the store answered a replay of the visit's
 * settlement (committed by a release that linked it in a commit of its
 * own, and not linked then): reads the visit again (on the writer,
 * locking it), links the settlement to it, marks its lines and the visit
 * settled (an inpatient stay's mid-stay part: settled in part). */
static int link_visit(struct svc_call *c) {
    int64_t setl_id = c->w->sreq.result_setl_id, visit_id = c->w->visit.id;
    struct svc_visit v;
    bool found = false;
    assert(setl_id > 0 && visit_id > 0 && c->w->settling); /* reserved: no other settlement */
    int rc = svcdb_visit_get(c->db, visit_id, &v, &found); /* first: locks the visit */
    /* another server on the database may have settled it meanwhile (an
     * outpatient visit settles each charge batch: settled stays open) */
    bool open = rc == 0 && found && visit_still_open(v.kind, v.status);
    if (open) rc = svcdb_setl_put(c->db, setl_id, visit_id, c->store_msgid);
    if (open && rc == 0) rc = svcdb_fee_mark(c->db, visit_id, 0, setl_id, c->w->chrg_bchno);
    if (open && rc == 0) {
        assert(v.id == visit_id && v.setl_id < setl_id); /* -> SETTLED by its newest */
        v.status = c->w->mid_stay ? VISIT_PART_SETTLED : VISIT_SETTLED;
        v.setl_id = setl_id;
        rc = svcdb_visit_update(c->db, &v);
    }
    if (rc != 0 || !open)
        return svc_fail(c, "storage: settled as %" PRId64 " but not linked to the visit: %s",
                        setl_id,
                        rc != 0 ? svcdb_error(c->db)
                        : found ? "visit no longer open"
                                : "visit missing");
    return 0;
}

/* A replayed 2207/2304's answer from the store: its settlement setl_id,
 * linked to visit_id; *done once answered. */
static int replay_answer(struct svc_call *c, int64_t setl_id, int64_t visit_id, bool *done) {
    struct journal_rec rec;
    struct store_settlement stl;
    bool revoked = false, found = false;
    struct store_err err;
    assert(setl_id > 0 && done != NULL && !*done);
    if (store_settlement_get(c->svc->store, setl_id, &rec, &stl, &revoked, &found, &err) != 0)
        return svc_fail(c, "storage: %s", err.msg);
    if (!found)
        return svc_fail(c, "storage: settlement %" PRId64 " is linked but missing", setl_id);
    char mdtrt_id[24];
    mdtrt_id_format(visit_id, mdtrt_id, sizeof mdtrt_id);
    *done = true;
    return answer_settlement(c, &stl, setl_id, setl_id, mdtrt_id, rec.psn_no, rec.time_us / 1000000,
                             1, rec.hash);
}

/* A replayed 2207/2304 whose settlement is linked: answer from the store. */
static int replay_linked(struct svc_call *c, bool *done) {
    int64_t setl_id = 0, visit_id = 0;
    bool found = false;
    assert(done != NULL && strchr(c->store_msgid, SVC_STORE_MSGID_SEP) != NULL);
    *done = false;
    struct svc_visit v;
    bool visit_found = false;
    svcdb_lock(c->db);
    int rc = svcdb_setl_by_msgid(c->db, c->store_msgid, &setl_id, &visit_id, &found);
    if (rc == 0 && found) rc = svcdb_visit_get(c->db, visit_id, &v, &visit_found);
    if (rc != 0) svc_fail(c, "storage: %s", svcdb_error(c->db));
    svcdb_unlock(c->db);
    if (rc == 0 && visit_found) snprintf(c->w->med_type, sizeof c->w->med_type, "%s", v.med_type);
    if (rc != 0) return -1;
    return found ? replay_answer(c, setl_id, visit_id, done) : 0;
}

/* In the read job (PostgreSQL): the replay's look-up made by the visit's
 * locked read (svcdb_probe_ahead), or apart when that read did not run (a
 * bad mdtrt_id, refused after the replay as before); a link found wins
 * over whatever the read decided. */
static int replay_probed(struct svc_call *c, int rc) {
    struct svcdb_probe *p = &c->w->replay;
    assert(rc == 0 || rc == -1);
    if (!p->ran &&
        svcdb_setl_by_msgid(c->db, c->store_msgid, &p->setl_id, &p->visit_id, &p->found) != 0)
        return svc_fail(c, "storage: %s", svcdb_error(c->db));
    if (!p->found) return rc;
    struct svc_visit v;
    bool visit_found = false;
    if (p->visit_id > 0 && svcdb_visit_get(c->db, p->visit_id, &v, &visit_found) != 0)
        return svc_fail(c, "storage: %s", svcdb_error(c->db));
    if (visit_found) snprintf(c->w->med_type, sizeof c->w->med_type, "%s", v.med_type);
    c->err[0] = '\0';
    return 0;
}

/* A write job after the store committed failed: when the failure does
 * not say so already (the job's batch failed at its commit, say, with
 * "storage: disk I/O error"), says what did commit, so that a failed answer
 * never hides a durable settlement or revoke (found by tests/test_faults.c:
 * an I/O error at the link's commit). */
static int committed_but(struct svc_call *c, const char *what, int64_t setl_id, const char *but) {
    char why[SERVICE_ERR_BYTES];
    assert(c->err[0] != '\0' && setl_id > 0); /* the job said why it failed */
    if (strstr(c->err, what) != NULL) return -1;
    const char *text = strncmp(c->err, "storage: ", 9) == 0 ? c->err + 9 : c->err;
    snprintf(why, sizeof why, "%s", text);
    return svc_fail(c, "storage: %s %" PRId64 "%s: %s", what, setl_id, but, why);
}

/* Once the link committed (or failed): releases the visit, answers. */
static int visit_linked(struct svc_call *c) {
    struct svc_worker *w = c->w;
    assert(w->job.done || c->svc->cfg.dry_run);
    settling_release(c);
    if (w->job.rc != 0)
        return committed_but(c, "settled as", w->sreq.result_setl_id,
                             " but not linked to the visit");
    mdtrt_id_format(w->visit.id, w->mdtrt_id, sizeof w->mdtrt_id);
    return answer_settlement(c, &w->sreq.stl, w->sreq.seq, w->sreq.result_setl_id, w->mdtrt_id,
                             w->visit.psn_no, commit_time_s(c), 1, w->sreq.hash);
}

/* After the store's commit of a visit's settlement, linked in that
 * commit: answer. A replay (the settlement committed before, by a release
 * that linked in a second commit, which failed): link it now. */
static int visit_settle_done(struct svc_call *c) {
    struct svc_worker *w = c->w;
    assert(w->settling && w->sreq.op == (c->svc->cfg.dry_run ? 0 : STORE_OP_SETTLE));
    if (committed(c) != 0) {
        settling_release(c);
        return -1;
    }
    if (w->sreq.replayed) return svc_write(c, link_visit, visit_linked);
    assert(w->job.done && w->job.rc == 0); /* the read's job; the store's commit was the link's */
    return visit_linked(c);
}

/* A job on the service tables' writer: reads the visit and its unsettled
 * lines after every write queued before it, and reserves the visit, so no
 * line upload, withdrawal or second settlement of it comes between this
 * read and the link (visit_open() refuses them while it is settling). It
 * writes nothing (svc_read_ordered: answered once it ran). */
static int visit_settle_read(struct svc_call *c) {
    struct svc_worker *w = c->w;
    const struct json_value *data = json_get(c->input, "data");
    assert(data != NULL && data->type == JSON_OBJECT && !w->settling); /* txn_settle checked */
    bool probe = svcdb_probe_folded(c->db); /* the replay's look-up is this job's (txn_settle) */
    /* the open lines read with the locked visit (a hint, as txn_presettle's) */
    const struct json_value *b = json_get(data, "chrg_bchno");
    memset(&w->replay, 0, sizeof w->replay);
    if (probe)
        svcdb_probe_ahead(c->db, c->store_msgid, b != NULL && b->type == JSON_STRING ? b->text : "",
                          &w->replay);
    int rc = visit_bill(c, data, &w->visit, &w->bill, &w->mid_stay);
    if (probe && (replay_probed(c, rc) != 0 || w->replay.found)) return w->replay.found ? 0 : -1;
    if (rc != 0 || check_total(c, data, &w->bill) != 0) return -1;
    w->insutype_asked = bill_insutype_asked(data);
    snprintf(w->med_type, sizeof w->med_type, "%s", w->visit.med_type);
    w->bill_current = true;
    /* the visit's n-th settlement: journaled under "CODE:MDT...#n", so that a
     * settlement that committed but whose link failed (a full disk) is
     * answered again, and linked, whatever msgid the retry carries */
    int64_t n = 0;
    if (svcdb_setl_count(c->db, w->visit.id, &n) != 0)
        return svc_fail(c, "storage: %s", svcdb_error(c->db));
    int len = snprintf(w->visit_msgid, sizeof w->visit_msgid, "%s%cMDT%010" PRId64 "#%" PRId64,
                       c->fixmedins_code, SVC_STORE_MSGID_SEP, w->visit.id, n + 1);
    if (len < 0 || (size_t)len >= sizeof w->visit_msgid)
        return svc_fail(c, "envelope.fixmedins_code: too long for a visit's settlement msgid");
    if (!settling_take(c->svc, w->visit.id))
        return svc_fail(c, "input.data.mdtrt_id: another request is settling this visit");
    w->settling = true;
    assert(w->visit.status != VISIT_CANCELLED && w->visit.id > 0); /* visit_bill checked it */
    return 0;
}

/* Once the read committed: settles through the store's commit queue. */
static int visit_settle_go(struct svc_call *c) {
    struct svc_worker *w = c->w;
    assert(w->job.done && (w->job.rc == 0 || w->job.rc == -1));
    if (w->job.rc != 0) {
        if (w->settling) settling_release(c);
        return -1;
    }
    bool done = false;
    if (w->replay.found) /* the job found it linked: a replay (replay_probed) */
        return replay_answer(c, w->replay.setl_id, w->replay.visit_id, &done);
    snprintf(w->psn_no, sizeof w->psn_no, "%s", w->visit.psn_no);
    struct store_visit_link link = {.visit_id = w->visit.id,
                                    .status_after = w->mid_stay ? VISIT_PART_SETTLED
                                                                : VISIT_SETTLED,
                                    .open = visit_still_open};
    snprintf(link.msgid, sizeof link.msgid, "%s", c->store_msgid);
    snprintf(link.bchno, sizeof link.bchno, "%s", w->chrg_bchno);
    int rc = commit_settle(c, w->visit_msgid, &link, visit_settle_done);
    /* refused before visit_settle_done ran (a dry run's engine): give back */
    if (rc == -1 && w->settling) settling_release(c);
    assert(rc == SVC_PENDING || !w->settling);
    return rc;
}

int txn_settle(struct svc_call *c) {
    assert(c->txn != NULL && c->txn->writes && c->txn->visit != 0);
    const struct json_value *data = in_object(c, c->input, "data", "input", true);
    if (data == NULL) return -1;
    if (json_get(c->input, "feedetail") != NULL) return oneshot(c, c->txn->med_type, true);
    bool done = false;
    memset(&c->w->replay, 0, sizeof c->w->replay);
    /* PostgreSQL: the look-up goes with the read job's first statement */
    if (!svcdb_probe_folded(c->svc->db) && (replay_linked(c, &done) != 0 || done))
        return done ? 0 : -1;
    assert(!c->w->settling); /* given back by the last request */
    return svc_read_ordered(c, visit_settle_read, visit_settle_go);
}

/* ---- one-shot: pharmacy (2101/2102) and hospital (2207/2304 + feedetail) ---- */
/* A pharmacy's request in the node names some provinces give it:
 * druginfo and drugdetail for data and feedetail (docs/INTEROP.md). */
static bool pharmacy_nodes(const struct svc_call *c) {
    assert(c->txn != NULL && c->input != NULL);
    return c->txn->institutions == SVC_FOR_PHARMACIES && json_get(c->input, "data") == NULL &&
           json_get(c->input, "druginfo") != NULL;
}

/* The latest fee_ocur_time of the lines (0: none), which dates a bill
 * whose data gives none. */
static int latest_fee_time(struct svc_call *c, const struct json_value *arr, datetime_s *latest) {
    char path[SVC_PATH_BYTES];
    int32_t i = 0;
    assert(arr->type == JSON_ARRAY && latest != NULL);
    *latest = 0;
    for (const struct json_value *v = arr->child; v != NULL; v = v->next, i++) {
        datetime_s t = 0;
        snprintf(path, sizeof path, "input.feedetail[%d]", (int)i);
        if (v->type == JSON_OBJECT && in_time(c, v, "fee_ocur_time", path, false, &t) < 0)
            return -1;
        if (t > *latest) *latest = t;
    }
    return 0;
}

/* The interface's defaults: the envelope's institution; the infno's
 * med_type; for an outpatient or pharmacy bill, a date left out is the
 * lines' latest fee_ocur_time (or now). An inpatient bill without its
 * dates is E_BAD_DATES, as from a file; so is a malformed date. */
static int oneshot_defaults(struct svc_call *c, const struct json_value *d, const char *med_default,
                            const struct json_value *arr, struct bill *bill) {
    datetime_s latest = 0;
    snprintf(bill->fixmedins_code, sizeof bill->fixmedins_code, "%s", c->fixmedins_code);
    const struct json_value *med = json_get(d, "med_type");
    if (med == NULL || med->type == JSON_NULL || (med->type == JSON_STRING && med->len == 0))
        bill->med_type = med_type_parse(med_default);
    if (arr->type == JSON_ARRAY && latest_fee_time(c, arr, &latest) != 0) return -1;
    int begn = bill_date_field_iso(d, "begntime", &bill->begntime);
    int end = bill_date_field_iso(d, "endtime", &bill->endtime);
    bill->dates_ok = begn == 0 && end == 0; /* else the engine's E_BAD_DATES, as from a file */
    if (begn < 0 || end < 0 || bill->med_type == MED_TYPE_INPATIENT) return 0;
    /* an instantaneous visit (outpatient, pharmacy) may leave dates out */
    if (begn == 1 && end == 1) bill->begntime = latest ? latest : svc_unix_to_local(c->now_s);
    else if (begn == 1) bill->begntime = latest && latest <= bill->endtime ? latest : bill->endtime;
    if (end == 1) bill->endtime = latest > bill->begntime ? latest : bill->begntime;
    bill->dates_ok = true;
    assert(!bill->dates_ok || bill->begntime > 0);
    return 0;
}

/* The one-shot bill: data and feedetail[] through the one bill decoder. */
static int oneshot_bill(struct svc_call *c, const struct json_value *d, const char *med_default,
                        struct bill *bill, char *psn_no) {
    bool drug = pharmacy_nodes(c);
    const char *lines_path = drug ? "input.drugdetail" : "input.feedetail";
    const char *head_path = drug ? "input.druginfo" : "input.data";
    const struct json_value *arr = json_get(c->input, lines_path + 6);
    if (in_code(c, d, "psn_no", head_path, true, psn_no, CODE_BYTES_MAX + 1) != 0) return -1;
    if (arr == NULL || arr->type == JSON_NULL) return svc_fail(c, "%s: missing", lines_path);
    c->w->insutype_asked = bill_insutype_asked(d);
    struct bill_source src = {d, head_path, arr, lines_path, true};
    if (bill_decode(&src, bill, c->w->lines, c->w->lines_max, c->err, sizeof c->err) != 0 ||
        oneshot_defaults(c, d, med_default, arr, bill) != 0)
        return -1;
    assert(bill->lines == c->w->lines && bill->line_count <= c->w->lines_max);
    svc_med_type_text(bill->med_type, c->w->med_type);
    c->w->bill_current = bill == &c->w->bill;
    return check_total(c, d, bill);
}

static int oneshot_done(struct svc_call *c) {
    struct svc_worker *w = c->w;
    assert(!w->settling && w->sreq.op == (c->svc->cfg.dry_run ? 0 : STORE_OP_SETTLE));
    if (committed(c) != 0) return -1;
    return answer_settlement(c, &w->sreq.stl, w->sreq.seq, w->sreq.result_setl_id, "", w->psn_no,
                             commit_time_s(c), 1, w->sreq.hash);
}

static int oneshot(struct svc_call *c, const char *default_med_type, bool commit) {
    const struct json_value *d = in_object(c, c->input, pharmacy_nodes(c) ? "druginfo" : "data",
                                           "input", true);
    char *psn_no = c->w->psn_no;
    struct bill *bill = &c->w->bill;
    assert(default_med_type != NULL && (!commit || c->txn->writes));
    if (d == NULL || oneshot_bill(c, d, default_med_type, bill, psn_no) != 0) return -1;
    /* a pharmacy's answer carries each line's split (detlcutinfo): the
     * engine's, from the bill alone (catalog and policy), computed here */
    bool cut = c->txn->institutions == SVC_FOR_PHARMACIES && bill->line_count <= c->w->lines_max;
    struct app_settle_answer ans;
    /* a sale the writer settles needs only the lines' split here */
    int rc = 0;
    if (!commit)
        rc = svc_engine(c, psn_no, bill, c->w->insutype_asked, &ans,
                        cut ? c->w->line_results : NULL);
    else if (cut)
        rc = svc_engine_lines(c, psn_no, bill, c->w->insutype_asked, &ans, c->w->line_results);
    if (rc != 0) {
        if (!commit) return -1;
        cut = false; /* the writer decides (and answers a replay as the first time) */
        c->err[0] = '\0';
    }
    c->w->lines_cut = cut;
    if (!commit) {
        struct jw w;
        jw_begin(&w, c->output);
        char med_type[8];
        struct svc_setl_answer a = {.stl = &ans.stl,
                                    .mdtrt_id = "",
                                    .psn_no = psn_no,
                                    .med_type = svc_med_type_text(bill->med_type, med_type),
                                    .time_s = c->now_s,
                                    .sign = 1,
                                    .bill = bill};
        svc_write_settlement(c, &w, &a);
        write_cut(c, &w);
        jw_end(&w);
        return 0;
    }
    return commit_settle(c, c->store_msgid, NULL, oneshot_done);
}

int txn_pharmacy(struct svc_call *c) {
    assert(c->txn->visit == 0 && c->txn->institutions == SVC_FOR_PHARMACIES);
    return oneshot(c, c->txn->med_type, c->txn->writes);
}

/* ---- revoke (2208, 2305, 2103) ------------------------------------------------ */
/* A write job, once the store committed the revoke: reopens the visit of
 * the settlement (if it has one) and its lines. An inpatient stay's parts
 * are revoked newest first (revoke_order): what stands after the revoke
 * are mid-stay parts, or nothing. */
/* A write job, once the store answered a replay of a revoke: reopens its
 * visit (a release before this one did it in a commit of its own). */
static int unlink_visit(struct svc_call *c) {
    int64_t setl_id = c->w->sreq.setl_id, visit_id = 0;
    bool found = false;
    struct svc_visit v;
    assert(setl_id > 0 && c->w->sreq.op == STORE_OP_REVOKE);
    int rc = svcdb_setl_visit(c->db, setl_id, &visit_id, &found);
    if (rc == 0 && found && visit_id > 0) rc = svcdb_visit_get(c->db, visit_id, &v, &found);
    if (rc == 0 && found && visit_id > 0 &&
        (v.status == VISIT_SETTLED || v.status == VISIT_PART_SETTLED)) {
        assert(v.id == visit_id); /* its lines unsettled; OPEN unless another settlement stays */
        int64_t last = 0;
        rc = svcdb_fee_mark(c->db, v.id, setl_id, 0, "");
        if (rc == 0) rc = svcdb_fee_last_setl(c->db, v.id, &last);
        enum visit_status stays = v.kind == VISIT_INPATIENT ? VISIT_PART_SETTLED : VISIT_SETTLED;
        v.status = last > 0 ? stays : VISIT_OPEN;
        v.setl_id = last;
        if (rc == 0) rc = svcdb_visit_update(c->db, &v);
    }
    if (rc != 0)
        return svc_fail(c, "storage: revoked, but the visit was not reopened: %s",
                        svcdb_error(c->db));
    return 0;
}

/* The revoke's answer; unlinked: whether its visit was reopened (or had
 * nothing to reopen). */
static int revoke_answer_as(struct svc_call *c, bool unlinked) {
    struct svc_worker *w = c->w;
    assert(w->sreq.op == STORE_OP_REVOKE && w->sreq.status == STORE_DONE);
    if (w->settling) settling_release(c); /* revoke_order's reservation */
    if (!unlinked)
        return committed_but(c, "revoked", w->sreq.setl_id, ", but the visit was not reopened");
    return answer_settlement(c, &w->sreq.stl, w->sreq.seq, w->sreq.setl_id, w->mdtrt_id, w->psn_no,
                             commit_time_s(c), -1, w->sreq.hash);
}

/* After unlink_visit's job. */
static int revoke_answer(struct svc_call *c) {
    assert(c->w->job.done);
    return revoke_answer_as(c, c->w->job.rc == 0);
}

/* After the store's commit of a revoke, which reopened its visit in the
 * same transaction. A replay (the revoke committed before, by a release
 * that reopened the visit in a second commit, which failed): reopen it
 * now. */
static int revoke_done(struct svc_call *c) {
    assert(c->w->sreq.op == STORE_OP_REVOKE);
    if (committed(c) != 0) {
        if (c->w->settling) settling_release(c);
        return -1;
    }
    if (c->w->sreq.replayed) return svc_write(c, unlink_visit, revoke_answer);
    return revoke_answer_as(c, true);
}

/* A revoke's visit is reopened when it is settled (in full or in part); a
 * visit cancelled since has nothing to reopen. */
static bool visit_reopenable(int32_t kind, int32_t status) {
    assert(kind == VISIT_OUTPATIENT || kind == VISIT_INPATIENT);
    return status == VISIT_SETTLED || status == VISIT_PART_SETTLED;
}

/* The link of a revoke of a settlement of visit v. */
static void revoke_link(const struct svc_visit *v, struct store_visit_link *link) {
    assert(v->id > 0 && link != NULL);
    memset(link, 0, sizeof *link);
    link->visit_id = v->id;
    link->status_after = v->kind == VISIT_INPATIENT ? VISIT_PART_SETTLED : VISIT_SETTLED;
    link->status_reopened = VISIT_OPEN;
    link->open = visit_reopenable;
}

/* The visit of settlement setl_id, when it has one (*found). */
static int settlement_visit(struct svc_call *c, int64_t setl_id, struct svc_visit *v, bool *found) {
    int64_t visit_id = 0;
    assert(setl_id > 0 && v != NULL && found != NULL);
    svcdb_lock(c->db);
    int rc = svcdb_setl_visit(c->db, setl_id, &visit_id, found);
    if (rc == 0 && *found && visit_id > 0) rc = svcdb_visit_get(c->db, visit_id, v, found);
    svcdb_unlock(c->db);
    *found = rc == 0 && *found && visit_id > 0;
    if (rc != 0) return svc_fail(c, "storage: %s", svcdb_error(c->db));
    assert(!*found || v->id == visit_id);
    return 0;
}

/* An inpatient stay's parts are revoked newest first: an earlier part
 * revoked under a later one would take back the admission (or the
 * deductible) the later one was settled on. The stay is reserved, as a
 * settlement reserves it, until the revoke is answered, so that no part is
 * settled between this check and the revoke. field: what named it; v: the
 * settlement's visit. */
static int revoke_order(struct svc_call *c, int64_t setl_id, const struct svc_visit *v,
                        const char *field) {
    struct svc_worker *w = c->w;
    int64_t last = 0;
    assert(setl_id > 0 && field != NULL && !w->settling && v->id > 0);
    if (v->kind != VISIT_INPATIENT) return 0;
    if (!settling_take(c->svc, v->id))
        return svc_fail(c, "%s: its stay is being settled; retry after the settlement", field);
    w->visit = *v;
    w->settling = true;
    svcdb_lock(c->db);
    int rc = svcdb_fee_last_setl(c->db, v->id, &last);
    svcdb_unlock(c->db);
    if (rc == 0 && last <= setl_id) return 0;
    settling_release(c);
    if (rc != 0) return svc_fail(c, "storage: %s", svcdb_error(c->db));
    return svc_fail(c, "%s: a later part of the stay (setl_id %" PRId64 ") stands; revoke it first",
                    field, last);
}

/* Who revoked it, as the record keeps it (store_req.note): the envelope's
 * operator, "Dr Wang (0053): 2208" ("?" for a byte a note may not hold). */
static void revoke_note(const struct svc_call *c, char *out, size_t size) {
    const struct json_value *op = json_get(c->env, "opter"), *name = json_get(c->env, "opter_name");
    bool has_op = op != NULL && op->type == JSON_STRING && op->len > 0;
    bool has_name = name != NULL && name->type == JSON_STRING && name->len > 0;
    assert(out != NULL && size > 0 && c->infno[0] != '\0');
    snprintf(out, size, "%.*s (%.*s): %s", has_name ? (int)name->len : 7,
             has_name ? name->text : "unnamed", has_op ? (int)op->len : 1, has_op ? op->text : "-",
             c->infno);
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '=') *p = '?';
}

/* Revokes the settlement rec (its visit's mdtrt_id in w->mdtrt_id): 2208,
 * 2305, 2103, and 2601's reversal; field names it in the request. */
static int revoke_settlement(struct svc_call *c, const struct journal_rec *rec,
                             const struct store_settlement *stl, const char *field) {
    struct svc_worker *w = c->w;
    assert(rec != NULL && stl != NULL && rec->seq > 0);
    if (c->svc->cfg.dry_run)
        return answer_settlement(c, stl, 0, rec->seq, w->mdtrt_id, rec->psn_no, c->now_s, -1, NULL);
    struct svc_visit v;
    bool has_visit = false;
    if (settlement_visit(c, rec->seq, &v, &has_visit) != 0 ||
        (has_visit && revoke_order(c, rec->seq, &v, field) != 0))
        return -1;
    snprintf(w->psn_no, sizeof w->psn_no, "%s", rec->psn_no);
    struct store_req *r = &w->sreq;
    memset(r, 0, sizeof *r);
    r->op = STORE_OP_REVOKE;
    if (has_visit) revoke_link(&v, &r->link);
    snprintf(r->msgid, sizeof r->msgid, "%s", c->store_msgid);
    r->setl_id = rec->seq;
    revoke_note(c, r->note, sizeof r->note);
    return svc_commit(c, revoke_done);
}

/* The settlement setl_id of this institution, revoked. */
static int revoke_by_id(struct svc_call *c, int64_t setl_id) {
    struct journal_rec rec;
    struct store_settlement stl;
    bool revoked = false, found = false;
    struct store_err err;
    assert(setl_id > 0);
    if (store_settlement_get(c->svc->store, setl_id, &rec, &stl, &revoked, &found, &err) != 0)
        return svc_fail(c, "storage: %s", err.msg);
    if (!found || strcmp(rec.fixmedins_code, c->fixmedins_code) != 0)
        return svc_fail(c, "input.data.omsgid: no settlement of this institution");
    if (svc_settlement_mdtrt(c, rec.seq, c->w->mdtrt_id, sizeof c->w->mdtrt_id) != 0) return -1;
    return revoke_settlement(c, &rec, &stl, "input.data.omsgid");
}

/* 2601 (冲正): reverses a settlement whose answer the institution lost,
 * named by the msgid and infno it was sent with: revoked as by 2208. When
 * nothing was committed under that msgid there is nothing to reverse:
 * answered so, with no effect. */
int txn_reverse(struct svc_call *c) {
    const struct json_value *data = in_object(c, c->input, "data", "input", true);
    char omsgid[SERVICE_MSGID_BYTES_MAX + 1], oinfno[8], store_msgid[MSGID_BYTES_MAX + 1];
    assert(c->txn != NULL && c->txn->writes);
    if (data == NULL ||
        in_code(c, data, "omsgid", "input.data", true, omsgid, sizeof omsgid) != 0 ||
        in_code(c, data, "oinfno", "input.data", true, oinfno, sizeof oinfno) != 0)
        return -1;
    if (strcmp(oinfno, "2207") != 0 && strcmp(oinfno, "2304") != 0 && strcmp(oinfno, "2102") != 0)
        return svc_fail(c, "input.data.oinfno: '%s' is not reversed here (2207, 2304, 2102)",
                        oinfno);
    int n = snprintf(store_msgid, sizeof store_msgid, "%s%c%s", c->fixmedins_code,
                     SVC_STORE_MSGID_SEP, omsgid);
    if (n < 0 || (size_t)n >= sizeof store_msgid)
        return svc_fail(c, "input.data.omsgid: with fixmedins_code, longer than %d bytes",
                        MSGID_BYTES_MAX);
    int64_t setl_id = 0, visit_id = 0;
    bool found = false;
    struct journal_rec rec;
    struct store_err err;
    svcdb_lock(c->db); /* a visit's settlement is linked under the envelope's msgid */
    int rc = svcdb_setl_by_msgid(c->db, store_msgid, &setl_id, &visit_id, &found);
    svcdb_unlock(c->db);
    if (rc != 0) return svc_fail(c, "storage: %s", svcdb_error(c->db));
    if (!found && store_journal_by_msgid(c->svc->store, store_msgid, &rec, &found, &err) != 0)
        return svc_fail(c, "storage: %s", err.msg);
    if (!found) { /* nothing committed under it */
        struct jw w;
        jw_begin(&w, c->output);
        jw_end(&w);
        return 0;
    }
    if (setl_id == 0) setl_id = rec.seq;
    return revoke_by_id(c, setl_id);
}

int txn_revoke(struct svc_call *c) {
    assert(c->txn != NULL && c->txn->writes);
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
    char oneshot_id[24];
    svc_oneshot_mdtrt_id(rec.seq, oneshot_id);
    bool own = w->mdtrt_id[0] == '\0' ? strcmp(given, oneshot_id) == 0 || given[0] == '\0'
                                      : strcmp(given, w->mdtrt_id) == 0;
    if (rc == 0 && !own)
        return svc_fail(c, "input.data.mdtrt_id: settlement %" PRId64 " is not of visit '%s'",
                        rec.seq, given);
    return revoke_settlement(c, &rec, &stl, "input.data.setl_id");
}
