/* txn_rules.c: NHSA 3101 (明细审核事前事中分析: before and during a
 * visit) and 3102 (明细审核事中分析 at settlement): the rules of the last
 * rules import (docs/RULES.md) run over the fee lines a request sends,
 * answered as the interface lists violations (docs/INTEROP.md, "Rules:
 * 3101 and 3102"). The same evaluation as inside 2207/2304/2102
 * (app/rules_case.h), so an answer here is what settlement would do.
 *
 * A request holds patients (patient_dtos: an object or an array of at
 * most RULES_PATIENTS_MAX), each with encounters (fsi_encounter_dtos,
 * likewise; at most RULES_ENCOUNTERS_MAX over the whole request, their
 * mdtrt_ids distinct); each encounter is one bill, checked on its own as
 * settlement would check it, its orders (fsi_order_dtos) the bill's lines:
 * rx_id, hilist_code, cnt, pric, sumamt. The whole request is read and
 * checked before anything is answered, so a bad encounter anywhere refuses
 * it all. The person and the institution's level come from the registry,
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
#define RULES_PATIENTS_MAX 16   /* patient_dtos in one request */
#define RULES_ENCOUNTERS_MAX 16 /* fsi_encounter_dtos in one request, all patients */

/* obj[key]: an object, or a non-empty array of at most `max` objects; the
 * first item and *count: 0 for a lone object (its path has no index), else
 * the array's length; the items follow each other through ->next. */
static const struct json_value *list_of(struct svc_call *c, const struct json_value *obj,
                                        const char *key, const char *path, int32_t max,
                                        int32_t *count) {
    assert(max > 0 && count != NULL);
    const struct json_value *v = json_get(obj, key);
    if (v == NULL || v->type == JSON_NULL) return svc_fail(c, "%s.%s: missing", path, key), NULL;
    if (v->type == JSON_OBJECT) return *count = 0, v;
    if (v->type != JSON_ARRAY || v->len == 0)
        return svc_fail(c, "%s.%s: must be an object or a non-empty array of objects", path, key),
               NULL;
    if ((int64_t)v->len > max)
        return svc_fail(c, "%s.%s: more than %d in one request", path, key, (int)max), NULL;
    for (const struct json_value *e = v->child; e != NULL; e = e->next)
        if (e->type != JSON_OBJECT)
            return svc_fail(c, "%s.%s: must hold objects only", path, key), NULL;
    *count = (int32_t)v->len;
    return v->child;
}

/* The path of item i of list_of's answer (count 0: the object itself). */
static void item_path(char *out, const char *path, const char *key, int32_t count, int32_t i) {
    assert(i >= 0 && (count == 0 || i < count));
    if (count == 0) snprintf(out, RULES_PATH_BYTES, "%s.%s", path, key);
    else snprintf(out, RULES_PATH_BYTES, "%s.%s[%d]", path, key, (int)i);
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
                       const char *task_id, bool several) {
    const struct rule *r = &rs->rules[v->rule];
    char text[APP_REFUSAL_REASON_BYTES * 2], jr_id[3 * CODE_BYTES_MAX + 3];
    app_rule_text(rs, v, bill, text, sizeof text);
    if (several) /* rx_ids are an encounter's own: the mdtrt_id keeps jr_id unique */
        snprintf(jr_id, sizeof jr_id, "%s:%s:%s", r->id, mdtrt_id, bill->lines[v->line].feedetl_sn);
    else snprintf(jr_id, sizeof jr_id, "%s:%s", r->id, bill->lines[v->line].feedetl_sn);
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
        char jrd_id[3 * CODE_BYTES_MAX + 3 + 16];
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

/* The walk over a request's encounters: checked only (w NULL), or
 * checked and answered into w. */
struct rules_walk {
    struct jw *w;
    const char *task_id;
    int32_t encounters, vola_cnt;
    bool several; /* more than one encounter: jr_id names the mdtrt_id too */
    char mdtrt_ids[RULES_ENCOUNTERS_MAX][CODE_BYTES_MAX + 1];
};

static int encounter_walk(struct svc_call *c, struct rules_walk *k, const struct json_value *enc,
                          const char *epath, const char *psn_no,
                          const struct store_person *person) {
    struct bill *bill = &c->w->bill;
    char mdtrt_id[CODE_BYTES_MAX + 1];
    assert(k->encounters >= 0 && k->encounters < RULES_ENCOUNTERS_MAX);
    if (encounter_of(c, enc, epath, bill, mdtrt_id, sizeof mdtrt_id) != 0) return -1;
    for (int32_t j = 0; j < k->encounters; j++)
        if (strcmp(k->mdtrt_ids[j], mdtrt_id) == 0)
            return svc_fail(c, "%s.mdtrt_id: '%s' is the mdtrt_id of encounter %d too", epath,
                            mdtrt_id, (int)j);
    snprintf(k->mdtrt_ids[k->encounters++], sizeof k->mdtrt_ids[0], "%s", mdtrt_id);
    const struct rule_set *rs = registry_rules(c->reg);
    if (k->w == NULL || rs == NULL) return 0;
    struct rule_violation v[RULE_VIOLATIONS_MAX];
    int32_t deny = -1;
    int32_t n = app_rules_check(rs, person, c->inst, bill, v, RULE_VIOLATIONS_MAX, &deny);
    assert(n >= 0);
    int32_t kept = n < RULE_VIOLATIONS_MAX ? n : RULE_VIOLATIONS_MAX;
    for (int32_t i = 0; i < kept; i++)
        answer_one(k->w, rs, &v[i], bill, psn_no, mdtrt_id, k->task_id, k->several);
    k->vola_cnt += n;
    return 0;
}

static int patient_walk(struct svc_call *c, struct rules_walk *k, const struct json_value *pat,
                        const char *ppath) {
    char psn_no[CODE_BYTES_MAX + 1], epath[RULES_PATH_BYTES];
    struct store_person person;
    int32_t count = 0;
    if (in_code(c, pat, "patn_id", ppath, true, psn_no, sizeof psn_no) != 0) return -1;
    const struct json_value *enc = list_of(c, pat, "fsi_encounter_dtos", ppath,
                                           RULES_ENCOUNTERS_MAX, &count);
    if (enc == NULL || person_for(c, psn_no, &person) != 0) return -1;
    int32_t n = count == 0 ? 1 : count; /* a lone object is one item */
    for (int32_t i = 0; i < n; i++, enc = enc->next) {
        assert(enc != NULL);
        if (k->encounters == RULES_ENCOUNTERS_MAX)
            return svc_fail(c, "%s.fsi_encounter_dtos: more than %d encounters in one request",
                            ppath, RULES_ENCOUNTERS_MAX);
        item_path(epath, ppath, "fsi_encounter_dtos", count, i);
        if (encounter_walk(c, k, enc, epath, psn_no, &person) != 0) return -1;
    }
    return 0;
}

static int request_walk(struct svc_call *c, struct rules_walk *k, const struct json_value *data) {
    char ppath[RULES_PATH_BYTES];
    int32_t count = 0;
    const struct json_value *pat = list_of(c, data, "patient_dtos", "input.data",
                                           RULES_PATIENTS_MAX, &count);
    if (pat == NULL) return -1;
    k->encounters = 0, k->vola_cnt = 0;
    int32_t n = count == 0 ? 1 : count; /* a lone object is one item */
    for (int32_t i = 0; i < n; i++, pat = pat->next) {
        assert(pat != NULL);
        item_path(ppath, "input.data", "patient_dtos", count, i);
        if (patient_walk(c, k, pat, ppath) != 0) return -1;
    }
    return 0;
}

int txn_rules(struct svc_call *c) {
    assert(c->txn != NULL && !c->txn->writes && c->reg != NULL);
    char task_id[CODE_BYTES_MAX + 1];
    const struct json_value *data = in_object(c, c->input, "data", "input", true);
    if (data == NULL ||
        in_code(c, data, "task_id", "input.data", false, task_id, sizeof task_id) < 0)
        return -1;
    /* all of it checked first, then answered: a refusal leaves no half answer */
    struct rules_walk k = {.w = NULL, .task_id = task_id};
    if (request_walk(c, &k, data) != 0) return -1;
    assert(k.encounters > 0);
    struct jw w;
    k.several = k.encounters > 1;
    k.w = &w;
    jw_begin(&w, c->output);
    jw_arr(&w, "result");
    if (request_walk(c, &k, data) != 0) return -1;
    jw_close(&w, ']');
    jw_int(&w, "vola_cnt", k.vola_cnt);
    jw_end(&w);
    return 0;
}
