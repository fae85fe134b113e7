/* refusal.h: the one list of refusal codes a settlement or revoke can get,
 * with what each means. The spec's validation codes come from the engine
 * (enum settle_code, src/core/settle.h, in the spec's order); the codes
 * below are decided around it: by the registry, the journal and the
 * idempotency key. Every adapter answers with these names. */
#ifndef YIBAO_APP_REFUSAL_H
#define YIBAO_APP_REFUSAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/settle.h"

/* X(code, field named, meaning: what is wrong with the field's value) */
#define APP_REFUSALS(X)                                                                        \
    X(E_UNKNOWN_PERSON, "psn_no", "is no insured person")                                      \
    X(E_NOT_INSURED, "psn_no", "is a person whose insurance is suspended or has ended")        \
    X(E_NOT_SETTLED, "setl_id", "is no successful settlement")                                 \
    X(E_REVOKED, "setl_id", "was revoked already")                                             \
    X(E_MSGID_REUSED, "msgid", "was used before for a different request")                      \
    X(E_VISIT_CLOSED, "mdtrt_id", "is a visit no longer open: settled or cancelled meanwhile") \
    X(E_RULE, "med_list_codg", "breaks a deny rule of the rule file (docs/RULES.md)")

enum app_refusal_code {
#define APP_REFUSAL_ENUM(code, field, meaning) APP_##code,
    APP_REFUSALS(APP_REFUSAL_ENUM)
#undef APP_REFUSAL_ENUM
        APP_REFUSAL_COUNT,
};

#define APP_REFUSAL_REASON_BYTES 160 /* what is wrong, in words */
#define APP_REFUSAL_TEXT_BYTES 512   /* a refusal in words (app_refusal_text) */

/* A refusal: its code ("E_..."), the field it names and the bill line
 * (0-based) or -1, and what is wrong with the field ("" when the code
 * says it all). code NULL: not refused. */
struct app_refusal {
    const char *code;
    const char *field;
    int32_t line;
    char reason[APP_REFUSAL_REASON_BYTES];
};

const char *app_refusal_name(enum app_refusal_code code);
/* Sets r to the code with its field. */
void app_refuse(struct app_refusal *r, enum app_refusal_code code);
/* Sets r from the engine's refusal (res->code != SETTLE_OK). */
void app_refuse_engine(struct app_refusal *r, const struct settle_result *res);
/* Sets r to code (an engine's code name) with field and a reason. */
void app_refuse_with(struct app_refusal *r, const char *code, const char *field, const char *format,
                     ...) __attribute__((format(printf, 4, 5)));

struct bill;
/* The refusal in words, as every adapter says it to a person, with the
 * line counted from 1 and the value at fault: "E_BAD_AMOUNT: line 3
 * (feedetl_sn '3'): det_item_fee_sumamt -12.00 is negative", "E_POLICY_YEAR:
 * endtime: no policy for region 440900, year 2021, scheme 390". value: the
 * field's value when it is not a line's (psn_no ...), or NULL. */
void app_refusal_text(const struct app_refusal *r, const struct bill *bill, const char *value,
                      char *out, size_t size);

#endif
