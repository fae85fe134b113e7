/* world.c: institutions of a file-based world (see world.h). */
#include "cli/world.h"

#include <stdio.h>
#include <string.h>

#include "codec/codec.h"

int world_institutions_from_json(struct world *w, const struct json_value *obj, char *err,
                                 size_t err_size) {
    w->institution_count = 0;
    if (obj == NULL || obj->type != JSON_OBJECT) {
        snprintf(err, err_size, "institutions: must be an object of code: {type, level}");
        return -1;
    }
    for (const struct json_value *m = obj->child; m != NULL; m = m->next) {
        if (w->institution_count >= WORLD_INSTITUTIONS_MAX) {
            snprintf(err, err_size, "institutions: more than %d", WORLD_INSTITUTIONS_MAX);
            return -1;
        }
        char inner[CODEC_ERR_BYTES];
        if (institution_from_json(m->key, m, &w->institutions[w->institution_count], inner,
                                  sizeof inner) != 0) {
            snprintf(err, err_size, "institutions.%s", inner);
            return -1;
        }
        w->institution_count++;
    }
    return 0;
}

const struct institution *world_institution(const struct world *w, const char *code) {
    for (int i = 0; i < w->institution_count; i++)
        if (strcmp(w->institutions[i].code, code) == 0) return &w->institutions[i];
    return NULL;
}

void world_free(struct world *w) {
    catalog_free(&w->catalog);
}
