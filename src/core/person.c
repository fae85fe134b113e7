/* person.c: names of levels, categories and flags, both ways. */
#include "core/person.h"

#include <assert.h>
#include <string.h>

static const char *const level_names[] = {"township", "level1", "level2", "level3", "pharmacy"};
static const char *const category_names[CATEGORY_COUNT] = {"in_service", "retired", "adult",
                                                           "minor", "student"};
static const char *const flag_names[] = {"extreme_poverty", "low_income", "poverty_registered",
                                         "contribution_short", "benefit_derived"};
#define PERSON_FLAG_NAMES ((int)(sizeof flag_names / sizeof flag_names[0]))

const char *level_name(enum level level) {
    assert(level >= LEVEL_TOWNSHIP && level <= LEVEL_NONE);
    return level_names[level];
}

int level_parse(const char *name, enum level *out) {
    assert(name != NULL && out != NULL);
    for (int i = 0; i <= LEVEL_NONE; i++)
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum level)i;
            return 0;
        }
    return -1;
}

const char *category_name(enum category category) {
    assert(category >= 0 && category < CATEGORY_COUNT);
    return category_names[category];
}

int category_parse(const char *name, enum category *out) {
    assert(name != NULL && out != NULL);
    for (int i = 0; i < CATEGORY_COUNT; i++)
        if (strcmp(name, category_names[i]) == 0) {
            *out = (enum category)i;
            return 0;
        }
    return -1;
}

void flags_format(uint32_t flags, char *out, size_t size) {
    assert(out != NULL && size >= PERSON_FLAGS_TEXT_BYTES);
    size_t at = 0;
    out[0] = '\0';
    for (int i = 0; i < PERSON_FLAG_NAMES; i++) {
        if ((flags & (1u << i)) == 0) continue;
        size_t len = strlen(flag_names[i]);
        assert(at + len + 2 <= size); /* all the names fit PERSON_FLAGS_TEXT_BYTES */
        if (at > 0) out[at++] = ';';
        memcpy(out + at, flag_names[i], len + 1);
        at += len;
    }
}

int flag_parse(const char *name, uint32_t *bit) {
    assert(name != NULL && bit != NULL);
    for (int i = 0; i < PERSON_FLAG_NAMES; i++)
        if (strcmp(name, flag_names[i]) == 0) {
            *bit = 1u << i;
            return 0;
        }
    return -1;
}
