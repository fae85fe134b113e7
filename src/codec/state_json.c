/* state_json.c: year states and settlement figures to and from JSON (yuan). */
#include <stdio.h>
#include <string.h>

#include "codec/codec.h"
#include "codec/fields.h"
#include "core/money.h"

struct state_field {
    const char *name;
    size_t offset;
};

#define STATE_FIELD(f) {#f, offsetof(struct year_state, f##_fen)}
static const struct state_field state_fields[] = {
    STATE_FIELD(basic_paid),   STATE_FIELD(general_paid),  STATE_FIELD(general_ded_used),
    STATE_FIELD(special_ded_used), STATE_FIELD(over_cap_paid), STATE_FIELD(cat_burden),
    STATE_FIELD(cat_paid),     STATE_FIELD(maf_paid),      STATE_FIELD(acct_balc),
};
#define STATE_FIELD_COUNT (sizeof state_fields / sizeof state_fields[0])

static int64_t *state_slot(struct year_state *s, size_t i) {
    return (int64_t *)((char *)s + state_fields[i].offset);
}

static int special_paid_from_json(const struct json_value *obj, const struct policy *policy,
                                  struct year_state *out, struct field_err *e) {
    int status;
    const struct json_value *sp = field_object(obj, "special_paid", false, "", e, &status);
    if (sp == NULL) return status < 0 ? -1 : 0;
    for (const struct json_value *d = sp->child; d != NULL; d = d->next) {
        int i = policy_disease_index(policy, d->key);
        if (i < 0) return field_fail(e, "special_paid", d->key, "not a disease of the policy");
        int64_t fen;
        if (field_scaled(d, 2, STATE_FEN_MAX, &fen) != 0 || fen < 0)
            return field_fail(e, "special_paid", d->key, "must be an amount in yuan >= 0");
        out->special_paid_fen[i] = fen;
    }
    return 0;
}

int state_from_json(const struct json_value *obj, const struct policy *policy,
                    int64_t default_acct_balc_fen, struct year_state *out, char *err,
                    size_t err_size) {
    struct field_err e = {err, err_size};
    year_state_init(out, policy->year, default_acct_balc_fen);
    if (obj == NULL || obj->type == JSON_NULL) return 0;
    if (obj->type != JSON_OBJECT) return field_fail(&e, "", "state", "must be an object");
    for (size_t i = 0; i < STATE_FIELD_COUNT; i++) {
        const struct json_value *v = json_get(obj, state_fields[i].name);
        if (v == NULL) continue;
        int64_t fen;
        if (field_scaled(v, 2, STATE_FEN_MAX, &fen) != 0 || fen < 0)
            return field_fail(&e, "state", state_fields[i].name, "must be an amount in yuan >= 0");
        *state_slot(out, i) = fen;
    }
    int64_t admissions = 0;
    if (field_integer(obj, "admissions", false, 0, 100000, &admissions, "state", &e) < 0) return -1;
    out->admissions = (int32_t)admissions;
    return special_paid_from_json(obj, policy, out, &e);
}

void state_to_json(struct json_buf *buf, const struct policy *policy, const struct year_state *s) {
    json_buf_char(buf, '{');
    json_buf_key(buf, "year");
    json_buf_int(buf, s->year);
    json_buf_char(buf, ',');
    json_buf_key(buf, "admissions");
    json_buf_int(buf, s->admissions);
    for (size_t i = 0; i < STATE_FIELD_COUNT; i++) {
        json_buf_char(buf, ',');
        json_buf_key(buf, state_fields[i].name);
        json_buf_fen(buf, *state_slot((struct year_state *)s, i));
    }
    json_buf_char(buf, ',');
    json_buf_key(buf, "special_paid");
    json_buf_char(buf, '{');
    bool first = true;
    for (int i = 0; i < policy->disease_count; i++) {
        if (s->special_paid_fen[i] == 0) continue;
        if (!first) json_buf_char(buf, ',');
        first = false;
        json_buf_key(buf, policy->diseases[i].code);
        json_buf_fen(buf, s->special_paid_fen[i]);
    }
    json_buf_raw(buf, "}}", 2);
}

#define SETL_FIELD(f) {#f, offsetof(struct setlinfo, f)}
static const struct state_field setl_fields[] = {
    SETL_FIELD(medfee_sumamt), SETL_FIELD(fulamt_ownpay_amt), SETL_FIELD(overlmt_selfpay),
    SETL_FIELD(preselfpay_amt), SETL_FIELD(inscp_scp_amt),  SETL_FIELD(act_pay_dedc),
    SETL_FIELD(hifp_pay),      SETL_FIELD(hifob_pay),      SETL_FIELD(hifmi_pay),
    SETL_FIELD(maf_pay),       SETL_FIELD(fund_pay_sumamt), SETL_FIELD(psn_part_amt),
    SETL_FIELD(acct_pay),      SETL_FIELD(psn_cash_pay),   SETL_FIELD(balc),
};
#define SETL_FIELD_COUNT (sizeof setl_fields / sizeof setl_fields[0])

void setlinfo_to_json(struct json_buf *buf, const struct setlinfo *setl) {
    json_buf_char(buf, '{');
    for (size_t i = 0; i < SETL_FIELD_COUNT; i++) {
        if (i > 0) json_buf_char(buf, ',');
        json_buf_key(buf, setl_fields[i].name);
        json_buf_fen(buf, *(const int64_t *)((const char *)setl + setl_fields[i].offset));
    }
    json_buf_char(buf, '}');
}

int setlinfo_field(const struct setlinfo *setl, const char *name, int64_t *out) {
    for (size_t i = 0; i < SETL_FIELD_COUNT; i++)
        if (strcmp(name, setl_fields[i].name) == 0) {
            *out = *(const int64_t *)((const char *)setl + setl_fields[i].offset);
            return 0;
        }
    return -1;
}

int state_field(const struct year_state *state, const char *name, int64_t *out) {
    for (size_t i = 0; i < STATE_FIELD_COUNT; i++)
        if (strcmp(name, state_fields[i].name) == 0) {
            *out = *state_slot((struct year_state *)state, i);
            return 0;
        }
    return -1;
}
