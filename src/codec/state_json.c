/* state_json.c: year states and settlement figures to and from JSON (yuan). */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "codec/codec.h"
#include "codec/fields.h"
#include "core/money.h"

/* The money accumulators are the rows of YEAR_STATE_FIELDS (state.h) and the
 * figures the rows of SETLINFO_FIELDS (settle.h), in their order. */

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
    for (int i = 0; i < YEAR_STATE_MONEY_COUNT; i++) {
        const char *name = year_state_field((enum year_state_id)i)->name;
        const struct json_value *v = json_get(obj, name);
        if (v == NULL) continue;
        int64_t fen;
        if (field_scaled(v, 2, STATE_FEN_MAX, &fen) != 0 || fen < 0)
            return field_fail(&e, "state", name, "must be an amount in yuan >= 0");
        *year_state_money(out, (enum year_state_id)i) = fen;
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
#define STATE_JSON_(unused, name, where) \
    json_buf_char(buf, ',');             \
    json_buf_key(buf, #name);            \
    json_buf_fen(buf, s->name##_fen);
    YEAR_STATE_FIELDS(STATE_JSON_, ~)
#undef STATE_JSON_
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

void setlinfo_to_json(struct json_buf *buf, const struct setlinfo *setl) {
    assert(buf != NULL && setl != NULL);
    char sep = '{';
#define SETL_JSON_(unused, name, kind) \
    json_buf_char(buf, sep);           \
    sep = ',';                         \
    json_buf_key(buf, #name);          \
    json_buf_fen(buf, setl->name);
    SETLINFO_FIELDS(SETL_JSON_, ~)
#undef SETL_JSON_
    json_buf_char(buf, '}');
}

int setlinfo_field(const struct setlinfo *setl, const char *name, int64_t *out) {
    assert(setl != NULL && name != NULL);
#define SETL_BY_NAME_(unused, field, kind) \
    if (strcmp(name, #field) == 0) return *out = setl->field, 0;
    SETLINFO_FIELDS(SETL_BY_NAME_, ~)
#undef SETL_BY_NAME_
    return -1;
}

int state_field(const struct year_state *state, const char *name, int64_t *out) {
    assert(state != NULL && name != NULL);
    for (int i = 0; i < YEAR_STATE_MONEY_COUNT; i++)
        if (strcmp(name, year_state_field((enum year_state_id)i)->name) == 0) {
            *out = year_state_money_get(state, (enum year_state_id)i);
            return 0;
        }
    return -1;
}
