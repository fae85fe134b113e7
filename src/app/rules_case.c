/* rules_case.c: the rules inside settlement and for 3101/3102
 * (rules_case.h): the subject of a rule from the registry rows, the
 * refusal or the warns of a settled bill, and a violation in words. */
#include "app/rules_case.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "app/refusal.h"
#include "core/money.h"

/* "YYYY-MM-DD" into its numbers; false unless all digits where they belong
 * (no sscanf: this runs once per settlement). */
static bool birth_date_of(const char *t, int *y, int *m, int *d) {
    assert(t != NULL && y != NULL && m != NULL && d != NULL);
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? t[i] != '-' : (t[i] < '0' || t[i] > '9')) return false;
    *y = (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
    *m = (t[5] - '0') * 10 + (t[6] - '0');
    *d = (t[8] - '0') * 10 + (t[9] - '0');
    return *y > 0 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= 31;
}

void app_rule_subject(const struct store_person *person, const struct store_institution *inst,
                      const struct bill *bill, struct rule_subject *subject) {
    assert(person != NULL && bill != NULL && subject != NULL);
    memset(subject, 0, sizeof *subject);
    subject->gender = strcmp(person->gender, "1") == 0   ? 1
                      : strcmp(person->gender, "2") == 0 ? 2
                                                         : 0;
    if (!birth_date_of(person->birth_date, &subject->birth_year, &subject->birth_month,
                       &subject->birth_day))
        subject->birth_year = 0;
    subject->level = inst != NULL ? inst->level : LEVEL_NONE;
    subject->bill = bill;
}

int32_t app_rules_check(const struct rule_set *rs, const struct store_person *person,
                        const struct store_institution *inst, const struct bill *bill,
                        struct rule_violation *out, int32_t max, int32_t *first_deny) {
    assert(rs != NULL && person != NULL && bill != NULL && first_deny != NULL);
    struct rule_subject subject;
    app_rule_subject(person, inst, bill, &subject);
    return rules_eval(rs, &subject, out, max, first_deny);
}

/* Cuts a truncated text back to a whole UTF-8 character. */
static void utf8_cut(char *text) {
    size_t n = strlen(text);
    size_t end = n;
    while (end > 0 && ((unsigned char)text[end - 1] & 0xC0) == 0x80) end--;
    if (end == 0) return;
    unsigned char lead = (unsigned char)text[end - 1];
    size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (n - (end - 1) < want) text[end - 1] = '\0';
}

static const char *const setting_names[] = {"", "outpatient", "inpatient", "", "pharmacy"};

void app_rule_text(const struct rule_set *rs, const struct rule_violation *v,
                   const struct bill *bill, char *out, size_t size) {
    assert(rs != NULL && v != NULL && v->rule >= 0 && v->rule < rs->count && out != NULL);
    const struct rule *r = &rs->rules[v->rule];
    const char *code = bill->lines[v->line].med_list_codg;
    char a[32], b[32];
    int n = 0;
    switch (r->type) {
    case RULE_GENDER:
        n = snprintf(out, size, "rule %s: %s is for gender %d only, the person's is %d", r->id,
                     code, r->gender, (int)v->value);
        break;
    case RULE_AGE:
        n = snprintf(out, size, "rule %s: %s is for ages %d-%d, the person is %d", r->id, code,
                     r->age_min, r->age_max, (int)v->value);
        break;
    case RULE_LEVEL:
        n = snprintf(out, size, "rule %s: %s is not allowed at a level %d institution", r->id, code,
                     (int)v->value);
        break;
    case RULE_SETTING:
        n = snprintf(out, size, "rule %s: %s is not allowed in the %s setting", r->id, code,
                     v->value >= 1 && v->value <= 4 ? setting_names[v->value] : "unknown");
        break;
    case RULE_UNITS_DAY:
    case RULE_UNITS_BILL:
        scaled_format(v->value, 4, a, sizeof a);
        scaled_format(r->max_cnt_scaled, 4, b, sizeof b);
        n = snprintf(out, size, "rule %s: %s %s units %s, at most %s", r->id, code, a,
                     r->type == RULE_UNITS_DAY ? "a day" : "in the bill", b);
        break;
    case RULE_INDICATION:
        n = snprintf(out, size, "rule %s: %s is indicated for %s..., not diagnosis '%s'", r->id,
                     code, r->diagnoses[0], bill->dise_codg);
        break;
    case RULE_EXCLUSIVE:
        n = snprintf(out, size, "rule %s: %s is not billed with %s (line %d)", r->id, code,
                     bill->lines[v->other_line].med_list_codg, (int)v->other_line + 1);
        break;
    case RULE_DAYS_SUPPLY:
        scaled_format(v->value, 4, a, sizeof a);
        scaled_format(r->daily_cnt_scaled, 4, b, sizeof b);
        n = snprintf(out, size, "rule %s: %s %s days of supply at %s units a day, at most %d",
                     r->id, code, a, b, (int)r->max_days);
        break;
    default: n = snprintf(out, size, "rule %s", r->id);
    }
    if (n >= 0 && (size_t)n >= size) utf8_cut(out);
}

/* The warns as the settlement's note: "rules-warn ID:LINE ..." (lines
 * from 1), as many as fit, then "+N" for the rest. */
static void warn_note(const struct rule_set *rs, const struct rule_violation *v, int32_t n,
                      char *note, size_t size) {
    size_t len = (size_t)snprintf(note, size, "%s", APP_RULE_WARN_PREFIX);
    int32_t shown = 0, warns = 0;
    for (int32_t i = 0; i < n; i++) {
        if (rs->rules[v[i].rule].severity != RULE_WARN) continue;
        warns++;
        char one[CODE_BYTES_MAX + 16];
        int k = snprintf(one, sizeof one, " %s:%d", rs->rules[v[i].rule].id, (int)v[i].line + 1);
        if (k < 0 || len + (size_t)k + 8 >= size) continue;
        memcpy(note + len, one, (size_t)k + 1);
        len += (size_t)k;
        shown++;
    }
    if (warns > shown) snprintf(note + len, size - len, " +%d", (int)(warns - shown));
    assert(strlen(note) < size);
}

void app_rules_settle(const struct rule_set *rs, const struct app_registry *reg,
                      const struct bill *bill, struct app_settle_answer *out) {
    assert(reg != NULL && bill != NULL && out != NULL && out->refusal.code == NULL);
    if (rs == NULL) return;
    struct rule_violation v[RULE_VIOLATIONS_MAX];
    int32_t deny = -1;
    const struct store_institution *inst = reg->institution(reg->ctx, bill->fixmedins_code);
    int32_t n = app_rules_check(rs, &out->person, inst, bill, v, RULE_VIOLATIONS_MAX, &deny);
    if (n == 0) return;
    if (deny >= 0) {
        app_refuse(&out->refusal, APP_E_RULE);
        out->refusal.line = v[deny].line;
        app_rule_text(rs, &v[deny], bill, out->refusal.reason, sizeof out->refusal.reason);
        return;
    }
    warn_note(rs, v, n < RULE_VIOLATIONS_MAX ? n : RULE_VIOLATIONS_MAX, out->stl.note,
              sizeof out->stl.note);
}
