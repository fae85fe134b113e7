/* rules.h: rules as data inside settlement (issue 18 items 1-2,
 * docs/RULES.md): what a rule file (yibao-rules/1) says, and the pure
 * evaluation of a bill against it.
 *
 * A rule names catalog items and one restriction on them (gender, age,
 * institution levels, care setting, units per day or per bill, diagnoses
 * that indicate it, an item it may not be billed with), a behaviour type
 * and a severity: deny (the settlement refuses the bill, E_RULE) or warn
 * (settled, flagged). The evaluation decides only which lines break which
 * rule; it never changes an amount: the settlement spec stays the
 * contract for what an admitted bill is paid. */
#ifndef YIBAO_RULES_H
#define YIBAO_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "bill.h"
#include "catalog.h"
#include "limits.h"
#include "person.h"

#define RULES_MAX 512              /* rules in one file */
#define RULE_ITEMS_MAX 65536       /* item codes named by all rules together */
#define RULE_DIAGNOSES_MAX 32      /* diagnosis prefixes of one indication rule */
#define RULE_BEHAVIOUR_BYTES_MAX 7 /* vola_bhvr_type: C(3) in the interface, some room */
#define RULE_VIOLATIONS_MAX 64     /* kept per bill; more are counted, not kept */
/* Rules made from the catalog's restrictions, beyond the file's RULES_MAX:
 * one per distinct restriction (gender, age range, levels, settings, units,
 * diagnosis list) and one per exclusive pair. A catalog whose restrictions
 * make more is refused at import. */
#define CATALOG_RULES_MAX 4096

enum rule_type {
    RULE_GENDER = 1,  /* the person's gender must be the rule's */
    RULE_AGE,         /* full years on the bill's end date within [age_min, age_max] */
    RULE_LEVEL,       /* the institution's level among the levels allowed */
    RULE_SETTING,     /* the bill's care setting among those allowed */
    RULE_UNITS_DAY,   /* the item's units in the bill over its days at most max */
    RULE_UNITS_BILL,  /* the item's units in the bill at most max */
    RULE_INDICATION,  /* the bill's diagnosis starts with one of the prefixes */
    RULE_EXCLUSIVE,   /* the two items are not billed together (one bill: one day) */
    RULE_DAYS_SUPPLY, /* outpatient, pharmacy: the item's units at most max_days' worth */
    RULE_CATALOG,     /* catalog_restrict: names no items; its id, name, behaviour and
                         severity are those of the rules made from the catalog's
                         restrictions (rules_add_catalog) */
    RULE_TYPE_COUNT,
};

/* RULE_OFF: only a catalog_restrict rule's, which then makes no rules. */
enum rule_severity { RULE_WARN = 1, RULE_DENY = 2, RULE_OFF = 3 };

/* Care settings (bit masks) from a bill's med_type. */
enum rule_setting {
    RULE_SETTING_OUTPATIENT = 1, /* 11, 14 */
    RULE_SETTING_INPATIENT = 2,  /* 21 */
    RULE_SETTING_PHARMACY = 4,   /* 41 */
};

struct rule {
    char id[CODE_BYTES_MAX + 1];
    char name[NAME_BYTES_MAX + 1];
    char behaviour[RULE_BEHAVIOUR_BYTES_MAX + 1]; /* vola_bhvr_type */
    char evidence[NAME_BYTES_MAX + 1];            /* vola_evid: the rule's basis; may be "" */
    enum rule_type type;
    enum rule_severity severity;
    int gender;               /* RULE_GENDER: 1 man, 2 woman */
    int age_min, age_max;     /* RULE_AGE, inclusive */
    uint32_t levels;          /* RULE_LEVEL: bit (1 << enum level) */
    uint32_t settings;        /* RULE_SETTING: enum rule_setting bits */
    int64_t max_cnt_scaled;   /* RULE_UNITS_*: units x 1e4 */
    int64_t daily_cnt_scaled; /* RULE_DAYS_SUPPLY: units a day x 1e4 */
    int32_t max_days;         /* RULE_DAYS_SUPPLY: days supplied at most */
    int32_t diagnosis_count;  /* RULE_INDICATION */
    char diagnoses[RULE_DIAGNOSES_MAX][CODE_BYTES_MAX + 1];
    int32_t item_count;               /* RULE_EXCLUSIVE: exactly 2 */
    char pair[2][CODE_BYTES_MAX + 1]; /* RULE_EXCLUSIVE: the two items */
};

/* An item code named by a rule (the index is sorted by code, then rule). */
struct rule_item {
    char code[CODE_BYTES_MAX + 1];
    int32_t rule;
};

struct rule_set {
    int32_t count;
    struct rule *rules; /* rule_capacity entries: RULES_MAX, more with the catalog's */
    int32_t rule_capacity;
    int32_t item_count;
    struct rule_item *items; /* RULE_ITEMS_MAX entries, more with the catalog's */
    int32_t item_capacity;
};

/* 0, or -1 when out of memory. rules_free frees what init allocated. */
int rules_init(struct rule_set *rs);
void rules_free(struct rule_set *rs);
/* Adds item code to rule r (the last added rule); -1 when full. */
int rules_add_item(struct rule_set *rs, int32_t r, const char *code);
/* Sorts the item index; 0, or the index + 1 of the second of two equal
 * (code, rule) entries: a rule naming an item twice. */
int32_t rules_index(struct rule_set *rs);

/* The catalog's restrictions (`restrict`: gender, ages, levels, settings,
 * units a day and a bill, indications, exclusive items) as rules, after
 * the file's: one rule of the type for each distinct restriction (one
 * exclusive rule per pair of items, whichever of the two names the
 * other), its items the catalog's items that carry it, its id, name,
 * behaviour, evidence and severity those of the file's catalog_restrict
 * rule, or, when the file has none (or there is no file), of the built-in
 * one: CATALOG-RESTRICT, warn. Sorts the index again. 0; -1 when out of
 * memory, -2 when the catalog makes more than CATALOG_RULES_MAX rules. */
int rules_add_catalog(struct rule_set *rs, const struct catalog *catalog);
/* Whether the catalog has any restricted item (a store without needs no rule set). */
bool rules_catalog_restricts(const struct catalog *catalog);
/* The built-in catalog_restrict rule (warn). */
void rules_catalog_default(struct rule *out);

/* What a rule reads of a settlement besides the bill. */
struct rule_subject {
    int gender;                             /* 1, 2; 0 unknown: gender rules do not apply */
    int birth_year, birth_month, birth_day; /* birth_year 0: unknown */
    enum level level;                       /* the institution's */
    const struct bill *bill;                /* dates_ok; lines with numbers_ok */
};

struct rule_violation {
    int32_t rule;       /* index into rs->rules */
    int32_t line;       /* the line that breaks it */
    int32_t other_line; /* RULE_EXCLUSIVE: the line of the other item; else -1 */
    int64_t amount_fen; /* at stake: the line's amount (units rules: the item's lines) */
    int64_t value;      /* the figure compared: gender, age, level, setting bit,
                           units x 1e4 (per day: per day), or 0 */
};

/* The bill's violations in line order (a line's in rule order) into
 * out[0..max); returns how many there are (may exceed max: the first max
 * are kept, but the first deny always: in the last place if need be).
 * *first_deny: the index in out of the first deny, or -1: none. */
int32_t rules_eval(const struct rule_set *rs, const struct rule_subject *s,
                   struct rule_violation *out, int32_t max, int32_t *first_deny);

const char *rule_type_name(enum rule_type type); /* "gender", "units_day", ... */
/* The enum from its name; 0 when unknown. */
enum rule_type rule_type_parse(const char *name);
/* The bill's care setting bit; 0 for an invalid med_type. */
uint32_t rule_setting_of(enum med_type med_type);

#endif
