/* txn_rules.c: NHSA 3101 (明细审核事前事中分析: before and during a
 * visit) and 3102 (明细审核事中分析 at settlement): the rules of the last
 * rules import (docs/RULES.md) run over the fee lines a request sends,
 * answered as the interface lists violations (docs/INTEROP.md, "Rules:
 * 3101 and 3102"). The same evaluation as inside 2207/2304/2102
 * (app/rules_case.h), so an answer here is what settlement would do.
 *
 * One patient with one encounter per request (patient_dtos and
 * fsi_encounter_dtos: an object or an array of one); its orders
 * (fsi_order_dtos) are the bill's lines: rx_id, hilist_code, cnt, pric,
 * sumamt. The person and the institution's level come from the registry,
 * never from the request: patn_id is the psn_no. Writes nothing. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app/refusal.h"
#include "app/rules_case.h"
#include "core/money.h"
#include "service/svc.h"

#define RULES_PATH_BYTES 160

/* obj[key] as the one object of an object or an array of one. */
static const struct json_value *one_of(struct svc_call *c, const struct json_value *obj,
                                       const char *key, const char *path, char *out_path) {
    const struct json_value *v = json_get(obj, key);
    if (v == NULL || v->type == JSON_NULL) return svc_fail(c, "%s.%s: missing", path, key), NULL;
    if (v->type == JSON_ARRAY) {
        if (v->len != 1 || v->child->type != JSON_OBJECT)
            return svc_fail(c, "%s.%s: must hold exactly one object (one per request)", path, key),
                   NULL;
        snprintf(out_path, RULES_PATH_BYTES, "%s.%s[0]", path, key);
        return v->child;
    }
    if (v->type != JSON_OBJECT)
        return svc_fail(c, "%s.%s: must be an object or an array of one", path, key), NULL;
    snprintf(out_path, RULES_PATH_BYTES, "%s.%s", path, key);
    return v;
}

/* A non-negative decimal of at most `decimals` places into *out. */
static int order_number(struct svc_call *c, const struct json_value *o, const char *key,
                        const char *path, int decimals, int64_t max, int64_t *out) {
    const struct json_value *v = json_get(o, key);
    if (v == NULL || v->type == JSON_NULL) return svc_fail(c, "%s.%s: missing", path, key);
    if ((v->type != JSON_NUMBER && v->type != JSON_STRING) ||
        decimal_parse(v->text, v->len, decimals, max, out) != DECIMAL_OK || *out < 0)
        return svc_fail(c, "%s.%s: must be a number >= 0 with at most %d decimals", path, key,
                        decimals);
    return 0;
}

static int one_order(struct svc_call *c, const struct json_value *o, const char *path,
                     struct bill_line *l) {
    memset(l, 0, sizeof *l);
    if (o->type != JSON_OBJECT) return svc_fail(c, "%s: must be an object", path);
    if (in_code(c, o, "rx_id", path, true, l->feedetl_sn, sizeof l->feedetl_sn) != 0 ||
        in_code(c, o, "hilist_code", path, true, l->med_list_codg, sizeof l->med_list_codg) != 0 ||
        order_number(c, o, "cnt", path, 4, CNT_SCALED_MAX, &l->cnt_scaled) != 0 ||
        order_number(c, o, "pric", path, 6, PRICE_SCALED_MAX, &l->pric_scaled) != 0 ||
        order_number(c, o, "sumamt", path, 2, AMOUNT_FEN_MAX, &l->amount_fen) != 0)
        return -1;
    l->has_feedetl_sn = true;
    l->numbers_ok = true;
    return 0;
}

static int orders_of(struct svc_call *c, const struct json_value *enc, const char *path,
                     struct bill *bill) {
    struct svc_worker *w = c->w;
    const struct json_value *a = json_get(enc, "fsi_order_dtos");
    if (a == NULL || a->type == JSON_NULL) return svc_fail(c, "%s.fsi_order_dtos: missing", path);
    if (a->type != JSON_ARRAY || a->len == 0)
        return svc_fail(c, "%s.fsi_order_dtos: must be a non-empty array", path);
    if ((int64_t)a->len > (int64_t)w->lines_max)
        return svc_fail(c, "%s.fsi_order_dtos: more than %d orders", path, (int)w->lines_max);
    int32_t i = 0;
    char where[RULES_PATH_BYTES + 32];
    for (const struct json_value *o = a->child; o != NULL; o = o->next, i++) {
        snprintf(where, sizeof where, "%s.fsi_order_dtos[%d]", path, (int)i);
        if (one_order(c, o, where, &w->lines[i]) != 0) return -1;
        for (int32_t j = 0; j < i; j++)
            if (strcmp(w->lines[j].feedetl_sn, w->lines[i].feedetl_sn) == 0)
                return svc_fail(c, "%s.rx_id: '%s' is the rx_id of order %d too", where,
                                w->lines[i].feedetl_sn, (int)j);
    }
    bill->lines = w->lines;
    bill->line_count = i;
    return 0;
}

/* The encounter's head: med_type, dates (adm_date; dscg_date, or adm_date
 * while the visit goes on), the main diagnosis. */
static int encounter_of(struct svc_call *c, const struct json_value *enc, const char *path,
                        struct bill *bill, char *mdtrt_id, size_t mdtrt_size) {
    char med_type[8];
    memset(bill, 0, sizeof *bill);
    snprintf(bill->fixmedins_code, sizeof bill->fixmedins_code, "%s", c->fixmedins_code);
    if (in_code(c, enc, "mdtrt_id", path, true, mdtrt_id, mdtrt_size) != 0 ||
        in_code(c, enc, "med_type", path, true, med_type, sizeof med_type) != 0 ||
        in_time(c, enc, "adm_date", path, true, &bill->begntime) != 0)
        return -1;
    bill->med_type = med_type_parse(med_type);
    if (bill->med_type == MED_TYPE_INVALID)
        return svc_fail(c, "%s.med_type: '%s' is not 11, 14, 21 or 41", path, med_type);
    int rc = in_time(c, enc, "dscg_date", path, false, &bill->endtime);
    if (rc < 0) return -1;
    if (rc == 1) bill->endtime = bill->begntime;
    if (bill->endtime < bill->begntime) return svc_fail(c, "%s.dscg_date: before adm_date", path);
    bill->dates_ok = true;
    rc = in_code(c, enc, "dscg_main_dise_codg", path, false, bill->dise_codg,
                 sizeof bill->dise_codg);
    return rc < 0 ? -1 : orders_of(c, enc, path, bill);
}

/* One violation as the interface's result entry. */
static void answer_one(struct jw *w, const struct rule_set *rs, const struct rule_violation *v,
                       const struct bill *bill, const char *psn_no, const char *mdtrt_id,
                       const char *task_id) {
    const struct rule *r = &rs->rules[v->rule];
    char text[APP_REFUSAL_REASON_BYTES * 2], jr_id[2 * CODE_BYTES_MAX + 2];
    app_rule_text(rs, v, bill, text, sizeof text);
    snprintf(jr_id, sizeof jr_id, "%s:%s", r->id, bill->lines[v->line].feedetl_sn);
    jw_obj(w, NULL);
    jw_str(w, "jr_id", jr_id);
    jw_str(w, "rule_id", r->id);
    jw_str(w, "rule_name", r->name);
    jw_str(w, "vola_cont", text);
    jw_str(w, "patn_id", psn_no);
    jw_str(w, "mdtrt_id", mdtrt_id);
    jw_fen(w, "vola_amt", v->amount_fen);
    jw_str(w, "vola_amt_stas", "1");                            /* computed */
    jw_str(w, "sev_deg", r->severity == RULE_DENY ? "1" : "2"); /* clear / suspect */
    jw_str(w, "vola_evid", r->evidence[0] ? r->evidence : r->name);
    jw_str(w, "vola_bhvr_type", r->behaviour);
    jw_str(w, "task_id", task_id);
    jw_arr(w, "judge_result_detail_dtos");
    for (int k = 0; k < 2; k++) {
        int32_t line = k == 0 ? v->line : v->other_line;
        if (line < 0) continue;
        char jrd_id[2 * CODE_BYTES_MAX + 2 + 16];
        snprintf(jrd_id, sizeof jrd_id, "%s:%d", jr_id, k + 1);
        jw_obj(w, NULL);
        jw_str(w, "jrd_id", jrd_id);
        jw_str(w, "patn_id", psn_no);
        jw_str(w, "mdtrt_id", mdtrt_id);
        jw_str(w, "rx_id", bill->lines[line].feedetl_sn);
        jw_str(w, "hilist_code", bill->lines[line].med_list_codg);
        jw_str(w, "vola_item_type", k == 0 ? "1" : "2"); /* the violating line; one concerned */
        jw_fen(w, "vola_amt", k == 0 ? v->amount_fen : bill->lines[line].amount_fen);
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_close(w, '}');
}

static int person_for(struct svc_call *c, const char *psn_no, struct store_person *p) {
    bool found = false;
    struct store_err err;
    if (store_person_find(c->svc->store, psn_no, p, &found, &err) != 0)
        return svc_fail(c, "storage: %s", err.msg);
    if (found) return 0;
    struct app_refusal why;
    char text[APP_REFUSAL_TEXT_BYTES];
    app_refuse(&why, APP_E_UNKNOWN_PERSON);
    app_refusal_text(&why, NULL, psn_no, text, sizeof text);
    return svc_fail(c, "%s", text);
}

int txn_rules(struct svc_call *c) {
    assert(c->txn != NULL && !c->txn->writes && c->reg != NULL);
    char ppath[RULES_PATH_BYTES], epath[RULES_PATH_BYTES];
    char psn_no[CODE_BYTES_MAX + 1], mdtrt_id[CODE_BYTES_MAX + 1], task_id[CODE_BYTES_MAX + 1];
    struct bill *bill = &c->w->bill;
    struct store_person person;
    const struct json_value *data = in_object(c, c->input, "data", "input", true);
    if (data == NULL ||
        in_code(c, data, "task_id", "input.data", false, task_id, sizeof task_id) < 0)
        return -1;
    const struct json_value *pat = one_of(c, data, "patient_dtos", "input.data", ppath);
    if (pat == NULL || in_code(c, pat, "patn_id", ppath, true, psn_no, sizeof psn_no) != 0)
        return -1;
    const struct json_value *enc = one_of(c, pat, "fsi_encounter_dtos", ppath, epath);
    if (enc == NULL || encounter_of(c, enc, epath, bill, mdtrt_id, sizeof mdtrt_id) != 0 ||
        person_for(c, psn_no, &person) != 0)
        return -1;
    const struct rule_set *rs = registry_rules(c->reg);
    struct rule_violation v[RULE_VIOLATIONS_MAX];
    int32_t deny = -1, n = 0;
    if (rs != NULL) n = app_rules_check(rs, &person, c->inst, bill, v, RULE_VIOLATIONS_MAX, &deny);
    int32_t kept = n < RULE_VIOLATIONS_MAX ? n : RULE_VIOLATIONS_MAX;
    struct jw w;
    jw_begin(&w, c->output);
    jw_arr(&w, "result");
    for (int32_t i = 0; i < kept; i++) answer_one(&w, rs, &v[i], bill, psn_no, mdtrt_id, task_id);
    jw_close(&w, ']');
    jw_int(&w, "vola_cnt", n);
    jw_end(&w);
    return 0;
}
