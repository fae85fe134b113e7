/* txn_query.c: sign-in (9001), sign-out (9002) and the read-only
 * transactions: person information (1101), the person's accumulated
 * figures (5206), settlement query (5203), reconciliation of totals
 * (3201) and of the detail (3202, whose file 9102 gives). */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/lookup.h"
#include "codec/codec.h"
#include "core/benefit_years.h"
#include "core/money.h"
#include "service/svc.h"

int txn_signin(struct svc_call *c) {
    assert(c->txn != NULL && c->txn->replayable && c->db != c->svc->rdb); /* on a writer */
    const struct json_value *in = in_object(c, c->input, "signIn", "input", true);
    char opter_no[CODE_BYTES_MAX + 1];
    if (in == NULL ||
        in_code(c, in, "opter_no", "input.signIn", true, opter_no, sizeof opter_no) != 0)
        return -1;
    int64_t sign_no;
    if (svcdb_signin_put(c->db, c->fixmedins_code, opter_no, c->now_s, &sign_no) != 0)
        return svc_fail(c, "storage: %s", svcdb_error(c->db));
    struct svc_signin *note = &c->signin_note; /* cached once committed */
    assert(sign_no > 0 && note->sign_no == 0);
    note->sign_no = sign_no;
    snprintf(note->fixmedins_code, sizeof note->fixmedins_code, "%s", c->fixmedins_code);
    note->time_s = c->now_s;
    note->signout_s = 0;
    char text[32];
    snprintf(text, sizeof text, "%0*" PRId64, SERVICE_SIGN_NO_BYTES_MAX, sign_no);
    struct jw w;
    jw_begin(&w, c->output);
    jw_obj(&w, "signinoutb");
    jw_time(&w, "sign_time", svc_unix_to_local(c->now_s));
    jw_str(&w, "sign_no", text);
    jw_close(&w, '}');
    jw_end(&w);
    return 0;
}

/* 9002: signs out a sign_no of this institution (the envelope's own, or
 * another operator's); it is refused from then on. */
int txn_signout(struct svc_call *c) {
    const char *p = "input.signOut";
    assert(c->txn != NULL && c->txn->replayable && c->db != c->svc->rdb); /* on a writer */
    const struct json_value *in = in_object(c, c->input, "signOut", "input", true);
    char text[SERVICE_SIGN_NO_BYTES_MAX + 1], opter_no[CODE_BYTES_MAX + 1];
    if (in == NULL || in_code(c, in, "sign_no", p, true, text, sizeof text) != 0 ||
        in_code(c, in, "opter_no", p, true, opter_no, sizeof opter_no) != 0)
        return -1;
    int64_t sign_no = svc_sign_no_parse(text);
    struct svc_signin row;
    bool found = false;
    if (sign_no > 0 && svcdb_signin_get(c->db, sign_no, &row, &found) != 0)
        return svc_fail(c, "storage: %s", svcdb_error(c->db));
    if (!found) return svc_fail(c, "%s.sign_no: '%s' was not issued by 9001", p, text);
    assert(sign_no > 0); /* looked up only then */
    if (strcmp(row.fixmedins_code, c->fixmedins_code) != 0)
        return svc_fail(c, "%s.sign_no: issued to another institution (not to '%s')", p,
                        c->fixmedins_code);
    if (row.signout_s != 0) {
        char when[20];
        datetime_format(svc_unix_to_local(row.signout_s), when);
        return svc_fail(c, "%s.sign_no: already signed out at %s", p, when);
    }
    if (!c->svc->cfg.dry_run) { /* the fuzzer keeps its sign-ins */
        if (svcdb_signout_put(c->db, sign_no, opter_no, c->now_s) != 0)
            return svc_fail(c, "storage: %s", svcdb_error(c->db));
        row.signout_s = c->now_s;
        c->signin_note = row;
    }
    struct jw w;
    jw_begin(&w, c->output);
    jw_obj(&w, "signoutoutb");
    jw_time(&w, "sign_time", svc_unix_to_local(c->now_s));
    jw_close(&w, '}');
    jw_end(&w);
    return 0;
}

/* Person codes as this platform defines them (docs/SERVICE.md). */
const char *svc_psn_type_code(enum category cat) {
    static const char *const codes[CATEGORY_COUNT] = {"1101", "1102", "1401", "1402", "1403"};
    return cat < CATEGORY_COUNT ? codes[cat] : "9999";
}

static const char *insu_stas(enum insured_status s) {
    return s == INSURED_ACTIVE ? "1" : s == INSURED_SUSPENDED ? "2" : "4";
}

int svc_age_at(const char *brdy, int64_t now_s) {
    datetime_s b, now = svc_unix_to_local(now_s);
    assert(brdy != NULL);
    if (!datetime_parse(brdy, strlen(brdy), &b)) return 0;
    char bt[20], nt[20];
    datetime_format(b, bt);
    datetime_format(now, nt);
    int age = datetime_year(now) - datetime_year(b);
    if (strcmp(nt + 5, bt + 5) < 0) age--; /* birthday not reached this year */
    return age < 0 ? 0 : age;
}

/* The person the request names (svc_person_identify: psn_no, or the
 * certificate presented), with the account balance. */
static int person_of(struct svc_call *c, const struct json_value *data, const char *path,
                     struct store_person *p, int64_t *balc_fen) {
    char psn_no[CODE_BYTES_MAX + 1];
    assert(data != NULL && path != NULL && p != NULL && balc_fen != NULL);
    if (svc_person_identify(c, data, path, 0, psn_no, sizeof psn_no) != 0) return -1;
    bool found = false;
    struct store_err err;
    if (store_person_get(c->svc->store, psn_no, p, balc_fen, &found, &err) != 0)
        return svc_fail(c, "storage: %s", err.msg);
    if (!found) return svc_fail(c, "%s.psn_no: no insured person '%s'", path, psn_no);
    return 0;
}

int txn_person(struct svc_call *c) {
    assert(c->txn != NULL && !c->txn->writes);
    const struct json_value *data = in_object(c, c->input, "data", "input", true);
    struct store_person p;
    int64_t balc = 0;
    if (data == NULL || person_of(c, data, "input.data", &p, &balc) != 0) return -1;
    struct jw w;
    jw_begin(&w, c->output);
    jw_obj(&w, "baseinfo");
    jw_str(&w, "psn_no", p.psn_no);
    jw_str(&w, "psn_cert_type", "01");
    jw_str(&w, "certno", p.certno);
    jw_str(&w, "psn_name", p.name);
    jw_str(&w, "gend", p.gender);
    jw_str(&w, "naty", "01");
    jw_str(&w, "brdy", p.birth_date);
    jw_int(&w, "age", svc_age_at(p.birth_date, c->now_s));
    jw_close(&w, '}');
    jw_arr(&w, "insuinfo");
    jw_obj(&w, NULL);
    jw_fen(&w, "balc", balc);
    char insutype_text[12]; /* the interface sends insutype as a string: "390" */
    snprintf(insutype_text, sizeof insutype_text, "%d", (int)p.insutype);
    jw_str(&w, "insutype", insutype_text);
    jw_str(&w, "psn_type", svc_psn_type_code(p.category));
    jw_str(&w, "psn_insu_stas", insu_stas(p.status));
    char date[20];
    datetime_format(p.benefit_start, date);
    date[10] = '\0'; /* a date on the interface: yyyy-MM-dd */
    jw_str(&w, "psn_insu_date", date);
    jw_str(&w, "paus_insu_date", "");
    jw_str(&w, "cvlserv_flag", "0");
    jw_str(&w, "emp_name", "");
    jw_str(&w, "insuplc_admdvs", p.region);
    jw_close(&w, '}');
    jw_close(&w, ']');
    jw_arr(&w, "idetinfo");
    static const struct {
        uint32_t bit;
        const char *code;
    } idets[] = {{FLAG_EXTREME_POVERTY, "2301"},
                 {FLAG_LOW_INCOME, "2302"},
                 {FLAG_POVERTY_REGISTERED, "2303"}};
    for (size_t i = 0; i < sizeof idets / sizeof idets[0]; i++) {
        if (!(p.flags & idets[i].bit)) continue;
        jw_obj(&w, NULL);
        jw_str(&w, "psn_idet_type", idets[i].code);
        jw_str(&w, "psn_type_lv", ""); /* a string, never null */
        jw_str(&w, "begntime", "");
        jw_close(&w, '}');
    }
    jw_close(&w, ']');
    jw_end(&w);
    return 0;
}

/* ---- 2001: may the person be treated under this scheme now ------------- */
/* Why the person cannot be, or NULL: insured now, under insutype, with
 * benefits started by begntime. */
static const char *benefit_refusal(const struct store_person *p, int64_t insutype,
                                   datetime_s begntime) {
    assert(p != NULL && insutype > 0);
    if (p->status != INSURED_ACTIVE) return "not insured now";
    if (p->insutype != insutype) return "insured under another scheme (insutype)";
    /* a resident's start is the one of begntime's year (core/benefit_years.h) */
    if (begntime < benefit_start_at(p->benefit_start, p->benefit_years, begntime))
        return "benefits not yet started (waiting period)";
    return NULL;
}

int txn_benefit_check(struct svc_call *c) {
    const struct json_value *data = in_object(c, c->input, "data", "input", true);
    int64_t insutype = 0;
    datetime_s begntime = 0;
    char psn_no[CODE_BYTES_MAX + 1], date[20];
    assert(c->txn != NULL && !c->txn->writes);
    if (data == NULL || in_int(c, data, "insutype", "input.data", true, 1, 999, &insutype) != 0 ||
        in_time(c, data, "begntime", "input.data", true, &begntime) != 0 ||
        svc_person_identify(c, data, "input.data", (int32_t)insutype, psn_no, sizeof psn_no) != 0)
        return -1;
    struct store_person p;
    bool found = false;
    struct store_err err;
    if (store_person_find(c->svc->store, psn_no, &p, &found, &err) != 0)
        return svc_fail(c, "storage: %s", err.msg);
    if (!found) return svc_fail(c, "input.data.psn_no: no insured person '%s'", psn_no);
    const char *why = benefit_refusal(&p, insutype, begntime);
    const struct fund_layer *basic = fund_layer(FUND_hifp);
    datetime_format(benefit_start_at(p.benefit_start, p.benefit_years, begntime), date);
    date[10] = '\0';
    struct jw w;
    jw_begin(&w, c->output);
    jw_arr(&w, "trtinfo");
    jw_obj(&w, NULL);
    jw_str(&w, "psn_no", p.psn_no);
    jw_str(&w, "trt_chk_type", "10"); /* insured status and benefit period */
    jw_str(&w, "fund_pay_type",
           insutype == INSUTYPE_EMPLOYEE ? basic->code_employee : basic->code_other);
    jw_str(&w, "trt_enjymnt_flag", why == NULL ? "1" : "0");
    jw_str(&w, "begndate", date);
    jw_str(&w, "enddate", "");
    jw_str(&w, "trt_chk_rslt", why == NULL ? "" : why);
    jw_close(&w, '}');
    jw_close(&w, ']');
    jw_end(&w);
    return 0;
}

static int year_of(struct svc_call *c, const struct json_value *data, int32_t *year) {
    char ym[16];
    assert(data != NULL && year != NULL);
    int rc = in_code(c, data, "cum_ym", "input.data", false, ym, sizeof ym);
    if (rc < 0) return -1;
    if (rc == 0) {
        if (strlen(ym) < 4) return svc_fail(c, "input.data.cum_ym: must be YYYYMM");
        int64_t y;
        if (decimal_parse(ym, 4, 0, 9999, &y) != DECIMAL_OK || y < 1)
            return svc_fail(c, "input.data.cum_ym: must be YYYYMM");
        *year = (int32_t)y;
        return 0;
    }
    int64_t y = datetime_year(svc_unix_to_local(c->now_s));
    if (in_int(c, data, "year", "input.data", false, 1, 9999, &y) < 0) return -1;
    *year = (int32_t)y;
    return 0;
}

/* cuminfo in the interface's shape: one row per accumulator of the year,
 * {insutype, year, cum_ym, cum_type_code, cum}; cum_type_code is the
 * accumulator's name (docs/INTEROP.md), cum_ym the year's last month. */
static void cum_rows(struct jw *w, const struct year_state *st, int32_t insutype) {
    char insutype_text[12], ym[12];
    assert(st != NULL && st->year >= 1);
    snprintf(insutype_text, sizeof insutype_text, "%d", (int)insutype);
    snprintf(ym, sizeof ym, "%04d12", (int)st->year);
    char year_text[8];
    snprintf(year_text, sizeof year_text, "%04d", (int)st->year);
    jw_arr(w, "cuminfo");
    for (int i = -1; i < YEAR_STATE_MONEY_COUNT; i++) {
        jw_obj(w, NULL);
        jw_str(w, "insutype", insutype_text);
        jw_str(w, "year", year_text); /* a string on the interface */
        jw_str(w, "cum_ym", ym);
        if (i < 0) { /* a count, not money */
            jw_str(w, "cum_type_code", "admissions");
            jw_int(w, "cum", st->admissions);
        } else {
            jw_str(w, "cum_type_code", year_state_field((enum year_state_id)i)->name);
            jw_fen(w, "cum", year_state_money_get(st, (enum year_state_id)i));
        }
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

int txn_cumulative(struct svc_call *c) {
    assert(c->txn != NULL && !c->txn->writes);
    const struct json_value *data = in_object(c, c->input, "data", "input", true);
    struct store_person p;
    int64_t balc = 0;
    int32_t year = 0;
    if (data == NULL || person_of(c, data, "input.data", &p, &balc) != 0 ||
        year_of(c, data, &year) != 0)
        return -1;
    assert(year >= 1 && year <= 9999);
    struct year_state st;
    struct store_err err;
    if (store_state_get(c->svc->store, p.psn_no, year, &st, &err) != 0)
        return svc_fail(c, "storage: %s", err.msg);
    st.year = year;
    /* the version in force now names the state's caps (a past year's: its last) */
    const struct policy *pol = registry_policy_at(c->reg, p.region, year, p.insutype,
                                                  svc_unix_to_local(c->now_s));
    if (pol == NULL) pol = registry_policy_fallback(c->reg, p.region, p.insutype);
    if (pol == NULL) return svc_fail(c, "input.data.psn_no: no policy for region %s", p.region);
    json_buf_reset(&c->w->scratch);
    state_to_json(&c->w->scratch, pol, &st);
    struct jw w;
    jw_begin(&w, c->output);
    jw_str(&w, "psn_no", p.psn_no);
    jw_int(&w, "year", year);
    cum_rows(&w, &st, p.insutype);
    jw_raw(&w, "cum_state", c->w->scratch.data, c->w->scratch.len); /* ours: the whole state */
    jw_end(&w);
    return 0;
}

int txn_setl_query(struct svc_call *c) {
    assert(c->txn != NULL && !c->txn->writes && c->db == c->svc->rdb);
    const struct json_value *data = in_object(c, c->input, "data", "input", true);
    struct journal_rec rec;
    struct store_settlement stl;
    bool revoked = false;
    if (data == NULL || svc_own_settlement(c, data, "input.data", &rec, &stl, &revoked) != 0)
        return -1;
    char mdtrt_id[CODE_BYTES_MAX + 1];
    if (svc_settlement_mdtrt(c, rec.seq, mdtrt_id, sizeof mdtrt_id) != 0) return -1;
    struct jw w;
    jw_begin(&w, c->output);
    struct svc_setl_answer a = {.stl = &stl,
                                .setl_id = rec.seq,
                                .mdtrt_id = mdtrt_id,
                                .psn_no = rec.psn_no,
                                .med_type = "",
                                .time_s = rec.time_us / 1000000,
                                .sign = 1,
                                .refd_setl_flag = revoked ? "1" : "0"};
    svc_write_settlement(c, &w, &a);
    jw_str(&w, "refd_setl_flag", revoked ? "1" : "0"); /* where releases before put it */
    jw_end(&w);
    return 0;
}

/* ---- 3201, 3202: reconciliation ------------------------------------------ */
/* The institution's settlements (and revokes, netted) committed in a
 * period of days; with file set, one line per record of its detail. */
struct recon {
    struct svc_call *c;
    const char *code;
    int32_t insutype; /* 0: all */
    int64_t from_us, to_us;
    int64_t count, medfee_fen, fund_fen, acct_fen, cash_fen;
    struct json_buf *file; /* NULL: totals only */
    bool bad, failed;
};

static void recon_line(struct recon *r, const struct journal_rec *rec,
                       const struct store_settlement *stl) {
    char mdtrt_id[CODE_BYTES_MAX + 1] = "", num[24];
    int64_t setl_id = rec->kind == JOURNAL_SETTLE ? rec->seq : rec->ref_seq;
    assert(r->file != NULL && setl_id > 0);
    if (svc_settlement_mdtrt(r->c, setl_id, mdtrt_id, sizeof mdtrt_id) != 0) r->failed = true;
    snprintf(num, sizeof num, "%" PRId64 "\t", rec->seq);
    json_buf_raw(r->file, num, strlen(num));
    json_buf_raw(r->file, mdtrt_id, strlen(mdtrt_id));
    json_buf_char(r->file, '\t');
    json_buf_raw(r->file, rec->psn_no, strlen(rec->psn_no));
    const int64_t figures[] = {stl->setl.medfee_sumamt, stl->setl.fund_pay_sumamt,
                               stl->setl.acct_pay, stl->setl.psn_cash_pay};
    int64_t sign = rec->kind == JOURNAL_SETTLE ? 1 : -1;
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) {
        json_buf_char(r->file, '\t');
        json_buf_fen(r->file, sign * figures[i]);
    }
    const char *msgid = strchr(rec->msgid, SVC_STORE_MSGID_SEP);
    snprintf(num, sizeof num, "\t%d\t%" PRId64 "\t", rec->kind == JOURNAL_SETTLE ? 0 : 1,
             rec->kind == JOURNAL_SETTLE ? 0 : rec->ref_seq);
    json_buf_raw(r->file, num, strlen(num));
    msgid = msgid != NULL ? msgid + 1 : rec->msgid;
    json_buf_raw(r->file, msgid, strlen(msgid));
    json_buf_char(r->file, '\n');
}

static int recon_row(void *ctx, const struct journal_rec *rec) {
    struct recon *r = ctx;
    assert(r != NULL && r->code != NULL && rec != NULL && !r->bad);
    if (rec->kind == JOURNAL_IMPORT || strcmp(rec->fixmedins_code, r->code) != 0) return 0;
    struct store_settlement stl;
    const char *bad = NULL;
    if (settlement_decode(rec->body, &stl, &bad) != 0) return r->bad = true, -1;
    if (r->insutype != 0 && stl.insutype != r->insutype) return 0;
    int64_t sign = rec->kind == JOURNAL_SETTLE ? 1 : -1;
    r->count += sign;
    r->medfee_fen += sign * stl.setl.medfee_sumamt;
    r->fund_fen += sign * stl.setl.fund_pay_sumamt;
    r->acct_fen += sign * stl.setl.acct_pay;
    r->cash_fen += sign * stl.setl.psn_cash_pay;
    if (r->file != NULL) recon_line(r, rec, &stl);
    return r->failed ? -1 : 0;
}

/* Scans the journal for the days [begn, end] into r (r->code set). */
static int recon_scan(struct svc_call *c, struct recon *r, datetime_s begn, datetime_s end) {
    assert(c->svc->scan_conn != NULL && r->code != NULL && begn <= end);
    r->c = c;
    int64_t unused = 0; /* local days, as the look-ups count them (app/lookup.h) */
    app_local_day_us(begn, &r->from_us, &unused);
    app_local_day_us(end, &unused, &r->to_us);
    struct store_err err;
    pthread_mutex_lock(&c->svc->scan_lock);
    int rc = store_journal_period(c->svc->store, c->svc->scan_conn, r->from_us, r->to_us, recon_row,
                                  r, &err);
    pthread_mutex_unlock(&c->svc->scan_lock);
    if (rc != 0 && r->failed) return -1; /* c->err: the mdtrt_id's lookup */
    if (rc != 0)
        return svc_fail(c, "storage: %s", r->bad ? "journal body does not decode" : err.msg);
    return 0;
}

/* The period both take: stmt_begndate .. stmt_enddate. */
static int recon_period(struct svc_call *c, const struct json_value *data, datetime_s *begn,
                        datetime_s *end) {
    const char *p = "input.data";
    assert(data != NULL && begn != NULL && end != NULL);
    if (in_time(c, data, "stmt_begndate", p, true, begn) != 0 ||
        in_time(c, data, "stmt_enddate", p, true, end) != 0)
        return -1;
    if (*end < *begn) return svc_fail(c, "input.data.stmt_enddate: before stmt_begndate");
    return 0;
}

static void recon_figure(struct jw *w, const char *name, int64_t theirs, int64_t ours, bool money) {
    char key[48];
    assert(name != NULL && strlen(name) + 6 <= sizeof key);
    snprintf(key, sizeof key, "plaf_%s", name);
    if (money) jw_fen(w, key, ours);
    else jw_int(w, key, ours);
    snprintf(key, sizeof key, "diff_%s", name);
    if (money) jw_fen(w, key, theirs - ours);
    else jw_int(w, key, theirs - ours);
}

int txn_reconcile(struct svc_call *c) {
    const char *p = "input.data";
    assert(c->txn != NULL && !c->txn->writes && c->svc->scan_conn != NULL);
    const struct json_value *data = in_object(c, c->input, "data", "input", true);
    struct recon r = {.code = c->fixmedins_code};
    datetime_s begn, end;
    int64_t medfee, fund, acct, cnt, insutype = 0;
    if (data == NULL || recon_period(c, data, &begn, &end) != 0 ||
        in_money(c, data, "medfee_sumamt", p, true, &medfee) != 0 ||
        in_money(c, data, "fund_pay_sumamt", p, true, &fund) != 0 ||
        in_money(c, data, "acct_pay", p, true, &acct) != 0 ||
        in_int(c, data, "fixmedins_setl_cnt", p, true, 0, INT32_MAX, &cnt) != 0 ||
        in_int(c, data, "insutype", p, false, 0, 999, &insutype) < 0)
        return -1;
    r.insutype = (int32_t)insutype;
    if (recon_scan(c, &r, begn, end) != 0) return -1;
    bool agree = r.count == cnt && r.medfee_fen == medfee && r.fund_fen == fund &&
                 r.acct_fen == acct;
    struct jw w;
    jw_begin(&w, c->output);
    jw_obj(&w, "stmtinfo");
    jw_str(&w, "setl_optins", c->fixmedins_code);
    jw_str(&w, "stmt_rslt", agree ? "0" : "1");
    jw_str(&w, "stmt_rslt_dscr", agree ? "totals agree" : "totals differ: diff_* = yours - ours");
    recon_figure(&w, "medfee_sumamt", medfee, r.medfee_fen, true);
    recon_figure(&w, "fund_pay_sumamt", fund, r.fund_fen, true);
    recon_figure(&w, "acct_pay", acct, r.acct_fen, true);
    recon_figure(&w, "fixmedins_setl_cnt", cnt, r.count, false);
    jw_close(&w, '}');
    jw_end(&w);
    return 0;
}

int svc_detail_file(struct svc_call *c, datetime_s begn, datetime_s end, struct json_buf *out,
                    int64_t *rows) {
    static const char head[] = "setl_id\tmdtrt_id\tpsn_no\tmedfee_sumamt\tfund_pay_sumamt\t"
                               "acct_pay\tcash_payamt\trefd_setl_flag\tinit_setl_id\tmsgid\n";
    struct recon r = {.code = c->fixmedins_code, .file = out};
    assert(out != NULL && rows != NULL);
    json_buf_raw(out, head, sizeof head - 1);
    if (recon_scan(c, &r, begn, end) != 0) return -1;
    *rows = 0;
    for (size_t i = sizeof head - 1; i < out->len; i++) *rows += out->data[i] == '\n';
    return out->failed ? svc_fail(c, "out of memory") : 0;
}

/* 3202: the totals compared as 3201 does, and the period's detail as a
 * file (9102) whose lines the client compares with its own. A detail file
 * uploaded with 9101 (file_qury_no) is not served. */
int txn_detail_reconcile(struct svc_call *c) {
    const char *p = "input.data";
    const struct json_value *data = in_object(c, c->input, "data", "input", true);
    struct recon r = {.code = c->fixmedins_code};
    datetime_s begn, end;
    int64_t medfee, fund, cash, cnt;
    char optins[CODE_BYTES_MAX + 1], clr[CODE_BYTES_MAX + 1], file[CODE_BYTES_MAX + 1];
    assert(c->txn != NULL && !c->txn->writes && c->svc->scan_conn != NULL);
    if (data == NULL || recon_period(c, data, &begn, &end) != 0 ||
        in_code(c, data, "setl_optins", p, true, optins, sizeof optins) != 0 ||
        in_code(c, data, "clr_type", p, true, clr, sizeof clr) != 0 ||
        in_money(c, data, "medfee_sumamt", p, true, &medfee) != 0 ||
        in_money(c, data, "fund_pay_sumamt", p, true, &fund) != 0 ||
        in_money(c, data, "cash_payamt", p, true, &cash) != 0 ||
        in_int(c, data, "fixmedins_setl_cnt", p, true, 0, INT32_MAX, &cnt) != 0 ||
        in_code(c, data, "file_qury_no", p, false, file, sizeof file) < 0)
        return -1;
    if (file[0] != '\0')
        return svc_fail(c, "input.data.file_qury_no: detail files uploaded by 9101 are not "
                           "served; send it empty and compare the detail 9102 gives");
    if (recon_scan(c, &r, begn, end) != 0) return -1;
    bool agree = r.count == cnt && r.medfee_fen == medfee && r.fund_fen == fund &&
                 r.cash_fen == cash;
    char no[SVC_FILE_QURY_NO_BYTES_MAX + 1], b[20], e[20], name[64];
    datetime_format(begn, b);
    datetime_format(end, e);
    snprintf(no, sizeof no, "3202-%.4s%.2s%.2s-%.4s%.2s%.2s", b, b + 5, b + 8, e, e + 5, e + 8);
    snprintf(name, sizeof name, "%s.txt", no);
    struct jw w;
    jw_begin(&w, c->output);
    jw_obj(&w, "fileinfo");
    jw_str(&w, "file_qury_no", no);
    jw_str(&w, "filename", name);
    jw_time(&w, "dld_endtime", svc_unix_to_local(c->now_s + SVC_DAY_S));
    jw_str(&w, "setl_optins", optins);
    jw_str(&w, "stmt_rslt", agree ? "0" : "1");
    jw_str(&w, "stmt_rslt_dscr", agree ? "totals agree" : "totals differ: diff_* = yours - ours");
    recon_figure(&w, "medfee_sumamt", medfee, r.medfee_fen, true);
    recon_figure(&w, "fund_pay_sumamt", fund, r.fund_fen, true);
    recon_figure(&w, "cash_payamt", cash, r.cash_fen, true);
    recon_figure(&w, "fixmedins_setl_cnt", cnt, r.count, false);
    jw_close(&w, '}');
    jw_end(&w);
    return 0;
}
