/* refusal.c: names and fields of the refusal codes (refusal.h). */
#include "app/refusal.h"

#include <assert.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/bill.h"
#include "core/money.h"

static const struct {
    const char *name, *field, *meaning;
} refusals[APP_REFUSAL_COUNT] = {
#define APP_REFUSAL_ROW(code, field, meaning) {#code, field, meaning},
    APP_REFUSALS(APP_REFUSAL_ROW)
#undef APP_REFUSAL_ROW
};

const char *app_refusal_name(enum app_refusal_code code) {
    assert(code >= 0 && code < APP_REFUSAL_COUNT);
    return refusals[code].name;
}

void app_refuse(struct app_refusal *r, enum app_refusal_code code) {
    assert(r != NULL && code >= 0 && code < APP_REFUSAL_COUNT);
    r->code = refusals[code].name;
    r->field = refusals[code].field;
    r->line = -1;
    snprintf(r->reason, sizeof r->reason, "%s", refusals[code].meaning);
}

void app_refuse_engine(struct app_refusal *r, const struct settle_result *res) {
    assert(r != NULL && res != NULL && res->code != SETTLE_OK);
    r->code = settle_code_name(res->code);
    r->field = res->error_field;
    r->line = res->error_line;
    snprintf(r->reason, sizeof r->reason, "%s", res->error_reason ? res->error_reason : "");
}

void app_refuse_with(struct app_refusal *r, const char *code, const char *field, const char *format,
                     ...) {
    assert(r != NULL && code != NULL && format != NULL);
    r->code = code;
    r->field = field;
    r->line = -1;
    va_list ap;
    va_start(ap, format);
    vsnprintf(r->reason, sizeof r->reason, format, ap);
    va_end(ap);
}

/* A line's field as it was sent, when it parsed: "-12.00", "0.0". */
static void line_value(const struct bill_line *l, const char *field, char *out, size_t size) {
    assert(l != NULL && field != NULL && size > 0);
    out[0] = '\0';
    if (!l->numbers_ok) return;
    if (strcmp(field, "cnt") == 0) scaled_format(l->cnt_scaled, 4, out, size);
    else if (strcmp(field, "pric") == 0) scaled_format(l->pric_scaled, 6, out, size);
    else if (strcmp(field, "det_item_fee_sumamt") == 0) money_format(l->amount_fen, out, size);
    else if (strcmp(field, "feedetl_sn") == 0 && l->has_feedetl_sn && l->feedetl_sn[0])
        snprintf(out, size, "'%s'", l->feedetl_sn);
}

void app_refusal_text(const struct app_refusal *r, const struct bill *bill, const char *value,
                      char *out, size_t size) {
    assert(r != NULL && r->code != NULL && out != NULL && size > 0);
    char where[CODE_BYTES_MAX + 48] = "", shown[CODE_BYTES_MAX + 8] = "";
    const char *field = r->field ? r->field : "";
    if (bill != NULL && r->line >= 0 && r->line < bill->line_count) {
        const struct bill_line *l = &bill->lines[r->line];
        if (l->has_feedetl_sn && l->feedetl_sn[0] != '\0')
            snprintf(where, sizeof where, "line %d (feedetl_sn '%s'): ", (int)r->line + 1,
                     l->feedetl_sn);
        else snprintf(where, sizeof where, "line %d: ", (int)r->line + 1);
        line_value(l, field, shown, sizeof shown);
    } else if (value != NULL && value[0] != '\0') {
        snprintf(shown, sizeof shown, "'%s'", value);
    }
    snprintf(out, size, "%s: %s%s%s%s%s%s", r->code, where, field, shown[0] ? " " : "", shown,
             r->reason[0] ? (field[0] ? " " : "") : "", r->reason);
}
