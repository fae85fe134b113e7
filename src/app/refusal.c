/* refusal.c: names and fields of the refusal codes (refusal.h). */
#include "app/refusal.h"

#include <assert.h>
#include <stddef.h>

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
}

void app_refuse_engine(struct app_refusal *r, const struct settle_result *res) {
    assert(r != NULL && res != NULL && res->code != SETTLE_OK);
    r->code = settle_code_name(res->code);
    r->field = res->error_field;
    r->line = res->error_line;
}
