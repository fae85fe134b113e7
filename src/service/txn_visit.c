/* txn_visit.c: the visit transactions kept in the service tables:
 * outpatient registration, cancel, visit information (2201-2203), fee line
 * upload and withdrawal (2204/2205, 2301/2302), and inpatient admission,
 * discharge, change and cancel (2401-2404). Each runs on the service
 * tables' writer inside the request's savepoint (svc_write(), svcq.c), so
 * that the write and its replayable answer commit together; c->db is the
 * writer's connection. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "service/svc.h"

static const char *const visit_kind_name[] = {"", "outpatient", "inpatient"};

int svc_visit_load(struct svc_call *c, const struct json_value *obj, const char *path,
                   struct svc_visit *v) {
    char text[CODE_BYTES_MAX + 1], psn_no[CODE_BYTES_MAX + 1];
    assert(obj != NULL && path != NULL && v != NULL);
    if (in_code(c, obj, "mdtrt_id", path, true, text, sizeof text) != 0) return -1;
    int rc = in_code(c, obj, "psn_no", path, false, psn_no, sizeof psn_no);
    if (rc < 0) return -1;
    int64_t id = mdtrt_id_parse(text);
    bool found = false;
    if (id > 0 && svcdb_visit_get(c->db, id, v, &found) != 0)
        return svc_fail(c, "storage: %s", svcdb_error(c->db));
    if (!found || strcmp(v->fixmedins_code, c->fixmedins_code) != 0)
        return svc_fail(c, "%s.mdtrt_id: no visit '%s' of this institution", path, text);
    if (rc == 0 && strcmp(psn_no, v->psn_no) != 0)
        return svc_fail(c, "%s.psn_no: visit '%s' is not of person '%s'", path, text, psn_no);
    assert(id > 0 && v->id == id); /* found: of this institution */
    return 0;
}

static int visit_open(struct svc_call *c, const struct svc_visit *v, enum visit_kind kind,
                      const char *path);

/* For what a visit in progress takes (fee lines, their withdrawal; an
 * inpatient stay's discharge and changes): an open visit, an outpatient
 * one already settled, which takes further charge batches (the
 * registration fee settled first, the prescriptions later), each settled
 * in turn, or an inpatient stay settled in part (mid-stay settlements). */
static int visit_open_for_more(struct svc_call *c, const struct svc_visit *v, enum visit_kind kind,
                               const char *path) {
    assert(v != NULL && path != NULL);
    bool more = (v->status == VISIT_SETTLED && v->kind == VISIT_OUTPATIENT) ||
                v->status == VISIT_PART_SETTLED;
    if (more && v->kind == kind) {
        struct svc_visit open = *v;
        open.status = VISIT_OPEN;
        open.setl_id = 0;
        return visit_open(c, &open, kind, path);
    }
    return visit_open(c, v, kind, path);
}

static int visit_open(struct svc_call *c, const struct svc_visit *v, enum visit_kind kind,
                      const char *path) {
    assert(v->id > 0 && (kind == VISIT_OUTPATIENT || kind == VISIT_INPATIENT));
    if (v->kind != kind)
        return svc_fail(c, "%s.mdtrt_id: MDT%010" PRId64 " is an %s visit, not %s", path, v->id,
                        visit_kind_name[v->kind], visit_kind_name[kind]);
    if (v->status == VISIT_SETTLED)
        return svc_fail(c, "%s.mdtrt_id: visit is settled (setl_id %" PRId64 "); revoke first",
                        path, v->setl_id);
    if (v->status == VISIT_CANCELLED) return svc_fail(c, "%s.mdtrt_id: visit is cancelled", path);
    if (v->status == VISIT_PART_SETTLED)
        return svc_fail(c,
                        "%s.mdtrt_id: the stay is settled in part (setl_id %" PRId64
                        "); revoke its settlements first",
                        path, v->setl_id);
    if (svc_visit_settling(c->svc, v->id))
        return svc_fail(c, "%s.mdtrt_id: visit is being settled; retry after the settlement", path);
    assert(v->status == VISIT_OPEN && v->setl_id == 0); /* svcdb_visit_get checked the row */
    return 0;
}

/* A visit's date may not lie ahead of the service's clock by more than
 * SVC_CLOCK_AHEAD_S (a discharge "9999-12-31" is a typing error). */
static int not_future(struct svc_call *c, const char *path, const char *key, datetime_s t) {
    assert(path != NULL && key != NULL);
    datetime_s now = svc_unix_to_local(c->now_s);
    if (t <= now + SVC_CLOCK_AHEAD_S) return 0;
    char text[20];
    datetime_format(t, text);
    return svc_fail(c, "%s.%s: %s is in the future", path, key, text);
}

static datetime_s day_of(datetime_s t) {
    assert(t >= 0);
    return t - t % SVC_DAY_S;
}

/* Fee lines of an upload lie within the visit's days: not before the day
 * of its begntime, not after the day of its endtime (when discharged). */
static int fees_within_visit(struct svc_call *c, const struct svc_visit *v) {
    const struct json_value *arr = json_get(c->input, "feedetail");
    char path[SVC_PATH_BYTES], when[20], edge[20];
    int32_t i = 0;
    assert(arr != NULL && arr->type == JSON_ARRAY);
    for (const struct json_value *line = arr->child; line != NULL; line = line->next, i++) {
        datetime_s t = 0;
        snprintf(path, sizeof path, "input.feedetail[%d]", (int)i);
        if (in_time(c, line, "fee_ocur_time", path, false, &t) < 0) return -1;
        if (t == 0) continue;
        bool early = day_of(t) < day_of(v->begntime);
        bool late = v->endtime != 0 && day_of(t) > day_of(v->endtime);
        if (!early && !late) continue;
        datetime_format(t, when);
        datetime_format(early ? v->begntime : v->endtime, edge);
        return svc_fail(c, "%s.fee_ocur_time: %s is %s the visit's %s %.10s", path, when,
                        early ? "before" : "after", early ? "begntime" : "endtime", edge);
    }
    return 0;
}

static int storage_fail(struct svc_call *c) {
    assert(c->db != NULL);
    return svc_fail(c, "storage: %s", svcdb_error(c->db));
}

/* The main diagnosis: obj.dise_codg, else diseinfo[] (maindiag_flag 1 first). */
static int diagnosis(struct svc_call *c, const struct json_value *obj, const char *path, char *out,
                     size_t size) {
    assert(obj != NULL && out != NULL && size > 0 && c->input != NULL);
    int rc = in_code(c, obj, "dise_codg", path, false, out, size);
    if (rc <= 0) return rc;
    const struct json_value *arr = json_get(c->input, "diseinfo");
    if (arr == NULL || arr->type == JSON_NULL) return 1;
    /* a list, or one diagnosis as an object (clients send either) */
    bool one = arr->type == JSON_OBJECT;
    if (arr->type != JSON_ARRAY && !one)
        return svc_fail(c, "input.diseinfo: must be an array or an object");
    int i = 0, found = 1;
    char where[SVC_PATH_BYTES], flag[8], code[CODE_BYTES_MAX + 1];
    for (const struct json_value *d = one ? arr : arr->child; d != NULL;
         d = one ? NULL : d->next, i++) {
        if (one) snprintf(where, sizeof where, "input.diseinfo");
        else snprintf(where, sizeof where, "input.diseinfo[%d]", i);
        if (d->type != JSON_OBJECT) return svc_fail(c, "%s: must be an object", where);
        if (in_code(c, d, "diag_code", where, true, code, sizeof code) != 0 ||
            in_code(c, d, "maindiag_flag", where, false, flag, sizeof flag) < 0)
            return -1;
        if (found == 1 || strcmp(flag, "1") == 0) snprintf(out, size, "%s", code);
        if (strcmp(flag, "1") == 0) return 0;
        found = 0;
    }
    return found;
}

/* 2201 / 2401: the person must be insured, and under this insutype. */
static int register_common(struct svc_call *c, const struct json_value *d, const char *path,
                           struct svc_visit *v) {
    int64_t insutype;
    assert(v->id == 0 && v->status == VISIT_OPEN && v->setl_id == 0); /* a new visit */
    if (in_int(c, d, "insutype", path, true, 1, 999, &insutype) != 0 ||
        svc_person_identify(c, d, path, (int32_t)insutype, v->psn_no, sizeof v->psn_no) != 0 ||
        in_time(c, d, "begntime", path, true, &v->begntime) != 0 ||
        not_future(c, path, "begntime", v->begntime) != 0 ||
        in_code(c, d, "ipt_otp_no", path, false, v->ipt_otp_no, sizeof v->ipt_otp_no) < 0 ||
        in_flag(c, d, "out_of_area", path, &v->out_of_area) != 0 ||
        in_flag(c, d, "filed", path, &v->filed) != 0)
        return -1;
    struct store_person p;
    bool found = false;
    struct store_err err;
    if (store_person_find(c->svc->store, v->psn_no, &p, &found, &err) != 0)
        return svc_fail(c, "storage: %s", err.msg);
    if (!found) return svc_fail(c, "%s.psn_no: no insured person '%s'", path, v->psn_no);
    if (p.status != INSURED_ACTIVE)
        return svc_fail(c, "%s.psn_no: '%s' is not insured now", path, v->psn_no);
    if (p.insutype != insutype)
        return svc_fail(c, "%s.insutype: person '%s' is insured under %d", path, v->psn_no,
                        (int)p.insutype);
    snprintf(v->fixmedins_code, sizeof v->fixmedins_code, "%s", c->fixmedins_code);
    v->insutype = (int32_t)insutype;
    v->status = VISIT_OPEN;
    assert(v->kind == c->txn->visit);
    return 0;
}

void svc_visit_note(struct svc_call *c, const struct svc_visit *v) {
    assert(c != NULL && v != NULL && v->id > 0);
    c->w->visit_note = *v;
    c->visit_noted = true;
}

static int answer_visit(struct svc_call *c, const char *wrapper, const struct svc_visit *v) {
    char id[24];
    assert(wrapper != NULL && v->id > 0);
    mdtrt_id_format(v->id, id, sizeof id);
    struct jw w;
    jw_begin(&w, c->output);
    jw_obj(&w, wrapper);
    jw_str(&w, "mdtrt_id", id);
    jw_str(&w, "psn_no", v->psn_no);
    jw_str(&w, "ipt_otp_no", v->ipt_otp_no);
    jw_close(&w, '}');
    jw_end(&w);
    return 0;
}

/* 2201's visit from its request, not yet numbered. */
static int register_outpatient(struct svc_call *c, struct svc_visit *v) {
    assert(c->txn->visit == VISIT_OUTPATIENT && c->txn->replayable);
    const struct json_value *d = in_object(c, c->input, "data", "input", true);
    *v = (struct svc_visit){.kind = VISIT_OUTPATIENT};
    if (d == NULL || register_common(c, d, "input.data", v) != 0) return -1;
    snprintf(v->med_type, sizeof v->med_type, "11");
    return 0;
}

/* 2201 on the HTTP thread: the row its job will insert, for the write
 * sent ahead (txn_visit_ahead; PostgreSQL); a refusal is left to the
 * job, which decides again. */
int txn_register_prepare(struct svc_call *c) {
    struct svc_worker *w = c->w;
    /* where a statement costs no round trip nothing goes ahead */
    w->visit_ahead_ok = svcdb_answer_gen_folded(c->svc->db) &&
                        register_outpatient(c, &w->visit_ahead) == 0;
    if (!w->visit_ahead_ok) c->err[0] = '\0';
    assert(!w->visit_ahead_ok || w->visit_ahead.id == 0);
    return 0;
}

int txn_register(struct svc_call *c) {
    struct svc_visit v;
    if (register_outpatient(c, &v) != 0) return -1;
    if (svcdb_visit_insert(c->db, &v) != 0) return storage_fail(c);
    svc_visit_note(c, &v);
    return answer_visit(c, "data", &v);
}

int txn_admit(struct svc_call *c) {
    assert(c->txn->visit == VISIT_INPATIENT && c->txn->replayable);
    const char *path = "input.mdtrtinfo";
    const struct json_value *d = in_object(c, c->input, "mdtrtinfo", "input", true);
    struct svc_visit v = {.kind = VISIT_INPATIENT};
    if (d == NULL || register_common(c, d, path, &v) != 0) return -1;
    int rc = in_code(c, d, "med_type", path, false, v.med_type, sizeof v.med_type);
    if (rc < 0) return -1;
    if (rc == 1) snprintf(v.med_type, sizeof v.med_type, "21");
    if (strcmp(v.med_type, "21") != 0)
        return svc_fail(c, "%s.med_type: '%s' is not an inpatient med_type (21)", path, v.med_type);
    if (v.ipt_otp_no[0] == '\0' &&
        in_code(c, d, "ipt_no", path, false, v.ipt_otp_no, sizeof v.ipt_otp_no) < 0)
        return -1;
    if (diagnosis(c, d, path, v.dise_codg, sizeof v.dise_codg) < 0) return -1;
    if (svcdb_visit_insert(c->db, &v) != 0) return storage_fail(c);
    svc_visit_note(c, &v);
    return answer_visit(c, "result", &v);
}

int txn_register_cancel(struct svc_call *c) {
    const struct json_value *d = in_object(c, c->input, "data", "input", true);
    struct svc_visit v;
    enum visit_kind kind = c->txn->visit;
    assert(kind == VISIT_OUTPATIENT || kind == VISIT_INPATIENT);
    if (d == NULL || svc_visit_load(c, d, "input.data", &v) != 0 ||
        visit_open(c, &v, kind, "input.data") != 0)
        return -1;
    assert(v.status == VISIT_OPEN); /* OPEN -> CANCELLED, and nothing else */
    v.status = VISIT_CANCELLED;
    if (svcdb_visit_update(c->db, &v) != 0) return storage_fail(c);
    svc_visit_note(c, &v);
    return answer_visit(c, "data", &v);
}

/* 2203's changes to its visit v, loaded: the checks and the new columns. */
static int info_apply(struct svc_call *c, const struct json_value *d, struct svc_visit *v) {
    const char *path = "input.mdtrtinfo";
    assert(d != NULL && d->type == JSON_OBJECT && v->id > 0);
    if (visit_open(c, v, VISIT_OUTPATIENT, path) != 0 ||
        in_code(c, d, "med_type", path, true, v->med_type, sizeof v->med_type) != 0)
        return -1;
    if (strcmp(v->med_type, "11") != 0 && strcmp(v->med_type, "14") != 0)
        return svc_fail(c, "%s.med_type: '%s' is not an outpatient med_type (11, 14)", path,
                        v->med_type);
    if (in_time(c, d, "begntime", path, false, &v->begntime) < 0 ||
        diagnosis(c, d, path, v->dise_codg, sizeof v->dise_codg) < 0)
        return -1;
    int rc = in_code(c, d, "spec_dise_codg", path, false, v->spec_dise_codg,
                     sizeof v->spec_dise_codg);
    if (rc < 0) return -1;
    if (rc == 1 && strcmp(v->med_type, "14") == 0)
        snprintf(v->spec_dise_codg, sizeof v->spec_dise_codg, "%s", v->dise_codg);
    assert(v->status == VISIT_OPEN);
    return 0;
}

/* 2203 on the HTTP thread: names its visit to the job's kept-answer read,
 * which locks it in the same round trip on PostgreSQL (visit_ahead_id;
 * svc_visit_load's read is the job's first), and, when this server has
 * the visit cached, the row the job will write from it (sent ahead:
 * txn_visit_ahead). Nothing refused here: a missing or bad mdtrt_id, or a
 * refusal on the cached visit, is decided by the job, on the locked read. */
int txn_info_ahead(struct svc_call *c) {
    struct svc_worker *w = c->w;
    assert(c->txn->run == txn_visit_info && c->visit_ahead_id == 0);
    const struct json_value *d = json_get(c->input, "mdtrtinfo");
    const struct json_value *id = d != NULL && d->type == JSON_OBJECT ? json_get(d, "mdtrt_id")
                                                                      : NULL;
    int64_t vid = id != NULL && id->type == JSON_STRING ? mdtrt_id_parse(id->text) : -1;
    c->visit_ahead_id = vid > 0 ? vid : 0;
    w->visit_ahead_ok = vid > 0 && svc_visit_cache_get(c->svc, vid, &w->visit) &&
                        strcmp(w->visit.fixmedins_code, c->fixmedins_code) == 0;
    if (!w->visit_ahead_ok) return 0;
    w->visit_ahead = w->visit;
    w->visit_ahead_ok = info_apply(c, d, &w->visit_ahead) == 0;
    if (!w->visit_ahead_ok) c->err[0] = '\0';
    return 0;
}

/* 2201, 2203 on the writer, before the kept answer's read: the row the
 * prepare step computed, sent with that read (svcdb_visit_write_ahead);
 * the job's own write takes the outcome, or the job fails and is undone
 * with it. */
int txn_visit_ahead(struct svc_call *c) {
    struct svc_worker *w = c->w;
    assert(c->txn->prepare == txn_register_prepare || c->txn->prepare == txn_info_ahead);
    if (!w->visit_ahead_ok) return 0;
    bool update = w->visit_ahead.id > 0;
    assert(!update || (w->visit.id == w->visit_ahead.id && c->visit_ahead_id == w->visit.id));
    (void)svcdb_visit_write_ahead(c->db, c->fixmedins_code, c->msgid, update ? &w->visit : NULL,
                                  &w->visit_ahead);
    return 0;
}

int txn_visit_info(struct svc_call *c) {
    assert(c->txn->visit == VISIT_OUTPATIENT);
    const char *path = "input.mdtrtinfo";
    const struct json_value *d = in_object(c, c->input, "mdtrtinfo", "input", true);
    struct svc_visit v;
    if (d == NULL || svc_visit_load(c, d, path, &v) != 0 || info_apply(c, d, &v) != 0) return -1;
    if (svcdb_visit_update(c->db, &v) != 0) return storage_fail(c);
    svc_visit_note(c, &v);
    struct jw w;
    jw_begin(&w, c->output);
    jw_end(&w);
    return 0;
}

/* The charge item type (med_chrgitm_type) by the national code's first
 * letter: X western medicine 09, Z patent Chinese medicine 11, C medical
 * consumables 08; anything else 14 (other). */
const char *svc_charge_item_type(const char *code) {
    assert(code != NULL);
    switch (code[0]) {
    case 'X': return "09";
    case 'Z': return "11";
    case 'C': return "08";
    default: return "14";
    }
}

void svc_write_line(struct jw *w, const struct bill_line *l, const struct line_result *r) {
    static const char *const lv[] = {"", "01", "02", "03"};
    char text[40];
    assert(l != NULL && r != NULL && w->depth >= 2); /* inside "result" */
    jw_obj(w, NULL);
    jw_str(w, "feedetl_sn", l->feedetl_sn);
    jw_fen(w, "det_item_fee_sumamt", l->amount_fen);
    int n = scaled_format(l->cnt_scaled, 4, text, sizeof text);
    jw_raw(w, "cnt", text, (size_t)n);
    n = scaled_format(l->pric_scaled, 6, text, sizeof text);
    jw_raw(w, "pric", text, (size_t)n);
    /* no cap: the platform's 999999, never null (a client's decimal cannot hold it) */
    n = scaled_format(r->cap_price_scaled < 0 ? (int64_t)SVC_NO_CAP_FEN * 10000
                                              : r->cap_price_scaled,
                      6, text, sizeof text);
    jw_raw(w, "pric_uplmt_amt", text, (size_t)n);
    jw_bp(w, "selfpay_prop", r->selfpay_prop_bp);
    jw_fen(w, "fulamt_ownpay_amt", r->fulamt_ownpay_fen);
    jw_fen(w, "overlmt_amt", r->overlmt_fen);
    jw_fen(w, "preselfpay_amt", r->preselfpay_fen);
    jw_fen(w, "inscp_scp_amt", r->inscp_fen);
    jw_str(w, "chrgitm_lv",
           r->item_class >= CLASS_A && r->item_class <= CLASS_C ? lv[r->item_class] : "03");
    jw_str(w, "med_chrgitm_type", svc_charge_item_type(l->med_list_codg));
    /* flags the interface carries per line; this platform's catalog sets none */
    static const char *const flags[] = {"lmt_used_flag",  "bas_medn_flag",     "hi_nego_drug_flag",
                                        "chld_medc_flag", "list_sp_item_flag", "drt_reim_flag"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) jw_str(w, flags[i], "0");
    jw_close(w, '}');
}

void svc_visit_bill(const struct svc_visit *v, struct bill *bill, struct bill_line *lines,
                    int32_t count, datetime_s latest_fee) {
    assert(v->id > 0 && bill != NULL && (lines != NULL || count == 0));
    assert(count >= 0 && count <= BILL_LINES_MAX);
    memset(bill, 0, sizeof *bill);
    snprintf(bill->fixmedins_code, sizeof bill->fixmedins_code, "%s", v->fixmedins_code);
    bill->med_type = med_type_parse(v->med_type);
    bill->begntime = v->begntime;
    bill->endtime = v->endtime;
    if (bill->endtime == 0) bill->endtime = latest_fee > v->begntime ? latest_fee : v->begntime;
    bill->dates_ok = true;
    snprintf(bill->dise_codg, sizeof bill->dise_codg, "%s", v->dise_codg);
    snprintf(bill->spec_dise_codg, sizeof bill->spec_dise_codg, "%s", v->spec_dise_codg);
    bill->out_of_area = v->out_of_area;
    bill->filed = v->filed;
    bill->line_count = count;
    bill->lines = lines;
}

/* 2204/2301, on the HTTP thread: parses the lines, reads the visit as
 * committed, runs the engine for the per-line answer and writes it. The
 * write (txn_fee_upload, on the service tables' writer) then checks that the
 * visit is still the one the answer was computed for. */
/* Each uploaded line's split (the engine's per-line answer, result[]). A
 * refund line (negative cnt, with init_feedetl_sn) is no bill line of its
 * own: it is applied to the line it refunds when written (txn_fee_upload),
 * and answered with its own figures, all in scope. */
static int fee_split(struct svc_call *c) {
    struct svc_worker *w = c->w;
    int32_t n = 0, refunds = 0;
    assert(w->fee_count > 0 && w->fee_count <= w->lines_max);
    for (int32_t i = 0; i < w->fee_count; i++) refunds += w->refund_of[i][0] != '\0';
    struct bill_line *own = refunds ? calloc((size_t)w->fee_count, sizeof *own) : w->lines;
    struct line_result *res = refunds ? calloc((size_t)w->fee_count, sizeof *res) : w->line_results;
    if (own == NULL || res == NULL) {
        if (refunds) free(own), free(res);
        return svc_fail(c, "out of memory");
    }
    for (int32_t i = 0; refunds && i < w->fee_count; i++)
        if (w->refund_of[i][0] == '\0') own[n++] = w->lines[i];
    if (!refunds) n = w->fee_count;
    struct bill bill;
    struct app_settle_answer ans;
    svc_visit_bill(&w->visit, &bill, own, n, w->fee_latest);
    int rc = n == 0 ? 0 : svc_engine_lines(c, w->visit.psn_no, &bill, 0, &ans, res);
    for (int32_t i = 0, k = 0; rc == 0 && refunds && i < w->fee_count; i++) {
        struct line_result refund = {.cap_price_scaled = -1, .inscp_fen = w->lines[i].amount_fen};
        w->line_results[i] = w->refund_of[i][0] == '\0' ? res[k++] : refund;
    }
    if (refunds) free(own), free(res);
    return rc;
}

/* The prepare's checks and per-line split on w->visit (found: read or
 * cached). */
static int fee_checks(struct svc_call *c, bool found, const char *id) {
    struct svc_worker *w = c->w;
    assert(id != NULL && c->txn->visit != 0);
    if (!found || strcmp(w->visit.fixmedins_code, c->fixmedins_code) != 0)
        return svc_fail(c, "input.feedetail[0].mdtrt_id: no visit '%s' of this institution", id);
    if (visit_open_for_more(c, &w->visit, c->txn->visit, "input.feedetail[0]") != 0 ||
        fees_within_visit(c, &w->visit) != 0)
        return -1;
    return fee_split(c);
}

int txn_fee_prepare(struct svc_call *c) {
    struct svc_worker *w = c->w;
    char id[CODE_BYTES_MAX + 1];
    assert(c->txn->visit != 0 && c->txn->prepare == txn_fee_prepare && c->db == c->svc->rdb);
    if (in_feedetail(c, json_get(c->input, "feedetail"), "input.feedetail", &w->fee_count,
                     &w->fee_latest, id, sizeof id) != 0)
        return -1;
    int64_t vid = mdtrt_id_parse(id);
    /* the visit as this server committed it: the job's locked read judges
     * (txn_fee_upload); a refusal is decided again on a fresh read */
    c->visit_cached = !c->visit_moved && vid > 0 && svc_visit_cache_get(c->svc, vid, &w->visit);
    if (c->visit_cached && fee_checks(c, true, id) != 0) {
        c->visit_cached = false;
        c->err[0] = '\0';
    }
    if (!c->visit_cached) {
        bool found = false;
        svcdb_lock(c->db);
        int rc = vid > 0 ? svcdb_visit_get(c->db, vid, &w->visit, &found) : 0;
        if (rc != 0) storage_fail(c);
        svcdb_unlock(c->db);
        if (rc != 0) return -1;
        if (found) svc_visit_cache_put(c->svc, &w->visit); /* committed: as good as noted */
        if (fee_checks(c, found, id) != 0) return -1;
    }
    c->visit_ahead_id = w->visit.id; /* txn_fee_upload's first read, locked with the answer's */
    struct jw j;
    jw_begin(&j, c->output);
    jw_arr(&j, "result");
    for (int32_t i = 0; i < w->fee_count; i++)
        svc_write_line(&j, &w->lines[i], &w->line_results[i]);
    jw_close(&j, ']');
    jw_end(&j);
    return 0;
}

/* What the engine's per-line answer depends on. */
static bool same_visit(const struct svc_visit *a, const struct svc_visit *b) {
    assert(a->id == b->id);
    return a->kind == b->kind && a->insutype == b->insutype && a->begntime == b->begntime &&
           a->endtime == b->endtime && a->out_of_area == b->out_of_area && a->filed == b->filed &&
           strcmp(a->psn_no, b->psn_no) == 0 && strcmp(a->med_type, b->med_type) == 0 &&
           strcmp(a->dise_codg, b->dise_codg) == 0 &&
           strcmp(a->spec_dise_codg, b->spec_dise_codg) == 0;
}

/* 2204/2301 on the writer, after txn_fee_prepare: the visit must still be
 * open and unchanged; a feedetl_sn already uploaded refuses the request. */
/* The batch's refund lines, each applied to the line it refunds (in this
 * batch or uploaded before, unsettled, of the same item and price): a
 * refund that cannot be applied fails the upload, which is rolled back. */
static int fee_refunds(struct svc_call *c, int64_t visit_id) {
    struct svc_worker *w = c->w;
    assert(visit_id > 0 && w->fee_count <= w->lines_max);
    for (int32_t i = 0; i < w->fee_count; i++) {
        bool applied = false;
        if (w->refund_of[i][0] == '\0') continue;
        if (strcmp(w->refund_of[i], w->lines[i].feedetl_sn) == 0)
            return svc_fail(c, "input.feedetail[%d].init_feedetl_sn: a line cannot refund itself",
                            (int)i);
        if (svcdb_fee_refund(c->db, visit_id, w->lines[i].feedetl_sn, w->refund_of[i], &applied) !=
            0)
            return storage_fail(c);
        if (!applied)
            return svc_fail(
                c,
                "input.feedetail[%d].init_feedetl_sn: no unsettled line '%s' of the same "
                "item and price with as much to refund",
                (int)i, w->refund_of[i]);
    }
    return 0;
}

/* 2204/2301 on the writer, before its kept answer's read: the lines the
 * job will insert, sent with that read (svcdb_fee_insert_ahead); the job
 * takes the outcome, or fails and is undone with them. */
int txn_fee_ahead(struct svc_call *c) {
    struct svc_worker *w = c->w;
    assert(c->txn->run == txn_fee_upload && c->db != c->svc->rdb);
    if (c->prepared_rc != 0 || w->visit.id <= 0 || c->visit_ahead_id != w->visit.id) return 0;
    (void)svcdb_fee_insert_ahead(c->db, c->fixmedins_code, c->msgid, w->visit.id, w->lines,
                                 (const char(*)[CODE_BYTES_MAX + 1]) w->bchno_of, w->fee_count,
                                 w->fee_latest);
    return 0;
}

int txn_fee_upload(struct svc_call *c) {
    enum visit_kind kind = c->txn->visit;
    struct svc_worker *w = c->w;
    assert(kind != 0 && (c->prepared_rc == 0 || c->err[0] != '\0'));
    if (c->prepared_rc != 0) return -1; /* c->err says why */
    assert(w->visit.id > 0 && w->fee_count <= w->lines_max);
    struct svc_visit now;
    bool found = false;
    int32_t dup = -1;
    if (svcdb_visit_get(c->db, w->visit.id, &now, &found) != 0) return storage_fail(c);
    if (!found) return svc_fail(c, "input.feedetail[0].mdtrt_id: the visit is gone");
    if (visit_open_for_more(c, &now, kind, "input.feedetail[0]") != 0) return -1;
    c->visit_moved = c->visit_cached && !same_visit(&now, &w->visit); /* prepare again */
    if (!same_visit(&now, &w->visit))
        return svc_fail(c, "input.feedetail[0].mdtrt_id: the visit changed while its lines were "
                           "checked; send them again");
    if (svcdb_fee_insert(c->db, now.id, w->lines, (const char(*)[CODE_BYTES_MAX + 1]) w->bchno_of,
                         w->fee_count, w->fee_latest, &dup) != 0)
        return storage_fail(c);
    if (dup >= 0)
        return svc_fail(c, "input.feedetail[%d].feedetl_sn: '%s' was already uploaded", dup,
                        w->lines[dup].feedetl_sn);
    return fee_refunds(c, now.id);
}

int txn_fee_withdraw(struct svc_call *c) {
    enum visit_kind kind = c->txn->visit;
    const struct json_value *d = in_object(c, c->input, "data", "input", true);
    struct svc_visit v;
    char sn[CODE_BYTES_MAX + 1];
    assert(kind == VISIT_OUTPATIENT || kind == VISIT_INPATIENT);
    if (d == NULL || svc_visit_load(c, d, "input.data", &v) != 0 ||
        visit_open_for_more(c, &v, kind, "input.data") != 0)
        return -1;
    char bchno[CODE_BYTES_MAX + 1];
    int rc = in_code(c, d, "feedetl_sn", "input.data", false, sn, sizeof sn);
    if (rc < 0 || in_code(c, d, "chrg_bchno", "input.data", false, bchno, sizeof bchno) < 0)
        return -1;
    bool all = rc == 1 || strcmp(sn, "0000") == 0;
    int64_t deleted = 0;
    if (svcdb_fee_withdraw(c->db, v.id, all ? NULL : sn, bchno, &deleted) != 0)
        return storage_fail(c);
    if (!all && deleted == 0)
        return svc_fail(c, "input.data.feedetl_sn: no unsettled fee line '%s'%s%s", sn,
                        bchno[0] ? " in charge batch " : "", bchno);
    if (all && bchno[0] != '\0' && deleted == 0)
        return svc_fail(c, "input.data.chrg_bchno: no unsettled fee line in charge batch '%s'",
                        bchno);
    struct jw w;
    jw_begin(&w, c->output);
    jw_int(&w, "withdrawn_cnt", deleted);
    jw_end(&w);
    return 0;
}

int txn_discharge(struct svc_call *c) {
    assert(c->txn->visit == VISIT_INPATIENT);
    const char *path = "input.dscginfo";
    const struct json_value *d = in_object(c, c->input, "dscginfo", "input", true);
    struct svc_visit v;
    if (d == NULL || svc_visit_load(c, d, path, &v) != 0 ||
        visit_open_for_more(c, &v, VISIT_INPATIENT, path) != 0 ||
        in_time(c, d, "endtime", path, true, &v.endtime) != 0 ||
        not_future(c, path, "endtime", v.endtime) != 0 ||
        diagnosis(c, d, path, v.dise_codg, sizeof v.dise_codg) < 0)
        return -1;
    if (v.endtime < v.begntime)
        return svc_fail(c, "%s.endtime: before the admission's begntime", path);
    assert(v.status == VISIT_OPEN || v.status == VISIT_PART_SETTLED);
    if (svcdb_visit_update(c->db, &v) != 0) return storage_fail(c);
    svc_visit_note(c, &v);
    return answer_visit(c, "result", &v);
}

int txn_admit_change(struct svc_call *c) {
    assert(c->txn->visit == VISIT_INPATIENT);
    const char *path = "input.adminfo";
    const struct json_value *d = in_object(c, c->input, "adminfo", "input", true);
    struct svc_visit v;
    if (d == NULL || svc_visit_load(c, d, path, &v) != 0 ||
        visit_open_for_more(c, &v, VISIT_INPATIENT, path) != 0 ||
        in_time(c, d, "begntime", path, false, &v.begntime) < 0 ||
        not_future(c, path, "begntime", v.begntime) != 0 ||
        diagnosis(c, d, path, v.dise_codg, sizeof v.dise_codg) < 0 ||
        in_code(c, d, "ipt_otp_no", path, false, v.ipt_otp_no, sizeof v.ipt_otp_no) < 0)
        return -1;
    if (json_get(d, "out_of_area") && in_flag(c, d, "out_of_area", path, &v.out_of_area) != 0)
        return -1;
    if (json_get(d, "filed") && in_flag(c, d, "filed", path, &v.filed) != 0) return -1;
    if (v.endtime != 0 && v.endtime < v.begntime)
        return svc_fail(c, "%s.begntime: after the discharge's endtime", path);
    assert(v.status == VISIT_OPEN || v.status == VISIT_PART_SETTLED);
    if (svcdb_visit_update(c->db, &v) != 0) return storage_fail(c);
    svc_visit_note(c, &v);
    return answer_visit(c, "result", &v);
}
