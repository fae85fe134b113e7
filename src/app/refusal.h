/* refusal.h: the one list of refusal codes a settlement or revoke can get,
 * with what each means. The spec's validation codes come from the engine
 * (enum settle_code, src/core/settle.h, in the spec's order); the codes
 * below are decided around it: by the registry, the journal and the
 * idempotency key. Every adapter answers with these names. */
#ifndef YIBAO_APP_REFUSAL_H
#define YIBAO_APP_REFUSAL_H

#include <stdint.h>

#include "core/settle.h"

/* X(code, field named, meaning) */
#define APP_REFUSALS(X)                                                            \
    X(E_UNKNOWN_PERSON, "psn_no", "no insured person with this psn_no")            \
    X(E_NOT_INSURED, "psn_no", "the person's insurance is suspended or has ended") \
    X(E_NOT_SETTLED, "setl_id", "no successful settlement with this setl_id")      \
    X(E_REVOKED, "setl_id", "the settlement was already revoked")                  \
    X(E_MSGID_REUSED, "msgid", "the msgid was used before for a different request")

enum app_refusal_code {
#define APP_REFUSAL_ENUM(code, field, meaning) APP_##code,
    APP_REFUSALS(APP_REFUSAL_ENUM)
#undef APP_REFUSAL_ENUM
        APP_REFUSAL_COUNT,
};

/* A refusal: its code ("E_..."), the field it names and the bill line
 * (0-based) or -1. code NULL: not refused. */
struct app_refusal {
    const char *code;
    const char *field;
    int32_t line;
};

const char *app_refusal_name(enum app_refusal_code code);
/* Sets r to the code with its field. */
void app_refuse(struct app_refusal *r, enum app_refusal_code code);
/* Sets r from the engine's refusal (res->code != SETTLE_OK). */
void app_refuse_engine(struct app_refusal *r, const struct settle_result *res);

#endif
