/* holders_json.c: the `holders` list of a family-sharing settlement vector
 * (FUNDS.md §9): the person's bindings in the order they were made, each
 * {psn_no, relation, from, revoked, acct_balc, policy}. The policies are
 * named by path; the caller's loader reads them (relative to the vector). */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "codec/codec.h"
#include "codec/fields.h"
#include "core/money.h"

static bool holder_date(const struct json_value *v, datetime_s *out) {
    return v != NULL && v->type == JSON_STRING && datetime_parse(v->text, v->len, out);
}

/* One entry; 0, or -1 with e filled (path "holders[i]"). */
static int holder_from_json(const struct json_value *h, const char *path, struct vector_holder *out,
                            struct field_err *e) {
    assert(h != NULL && path != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    if (h->type != JSON_OBJECT) return field_fail(e, path, "", "must be an object");
    if (field_string(h, "psn_no", true, out->psn_no, sizeof out->psn_no, path, e) != 0) return -1;
    if (out->psn_no[0] == '\0') return field_fail(e, path, "psn_no", "must not be empty");
    const struct json_value *rel = json_get(h, "relation");
    if (rel == NULL || rel->type != JSON_STRING || relation_parse(rel->text, &out->relation) != 0)
        return field_fail(e, path, "relation", "must be spouse, parent or child");
    if (!holder_date(json_get(h, "from"), &out->from))
        return field_fail(e, path, "from", "must be a date or date-time");
    const struct json_value *revoked = json_get(h, "revoked");
    out->revoked = revoked != NULL && revoked->type != JSON_NULL;
    if (out->revoked && !holder_date(revoked, &out->revoked_at))
        return field_fail(e, path, "revoked", "must be a date, a date-time or null");
    if (field_money(h, "acct_balc", true, &out->acct_balc_fen, path, e) != 0) return -1;
    if (out->acct_balc_fen > STATE_FEN_MAX)
        return field_fail(e, path, "acct_balc", "is above the largest balance");
    if (field_string(h, "policy", true, out->policy_path, sizeof out->policy_path, path, e) != 0)
        return -1;
    return 0;
}

int holders_from_json(const struct json_value *list, struct vector_holder *out, int32_t *count,
                      char *err, size_t err_size) {
    struct field_err e = {err, err_size};
    char path[32];
    assert(out != NULL && count != NULL);
    *count = 0;
    if (list == NULL || list->type == JSON_NULL) return 0;
    if (list->type != JSON_ARRAY) return field_fail(&e, "", "holders", "must be an array");
    if (list->len > SETTLE_HOLDERS_MAX)
        return field_fail(&e, "", "holders", "has more than %d bindings", SETTLE_HOLDERS_MAX);
    for (const struct json_value *h = list->child; h != NULL; h = h->next) {
        snprintf(path, sizeof path, "holders[%d]", (int)*count);
        if (holder_from_json(h, path, &out[*count], &e) != 0) return -1;
        for (int32_t i = 0; i < *count; i++)
            if (strcmp(out[i].psn_no, out[*count].psn_no) == 0)
                return field_fail(&e, path, "psn_no", "names a holder listed before");
        (*count)++;
    }
    assert(*count == (int32_t)list->len);
    return 0;
}
