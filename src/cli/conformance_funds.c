/* conformance_funds.c: runs one yibao-funds-vector/1 file (FUNDS.md §9):
 * decodes it (src/codec/funds_vector_json.c), with its policies read
 * relative to the vector's folder, runs the case (src/app/funds_case.c)
 * and compares the figures with `expect`. Every kind of §9 is built (§2-5
 * in issue 16, §6-8 in issue 17); FUNDS_KIND_NOT_BUILT stays for a kind
 * listed but not built, reported as not run: counting it as passed would
 * claim rules that do not exist, counting it as failed would hide the real
 * failures among them. */
#include "cli/conformance_funds.h"

#include <assert.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/funds_case.h"
#include "codec/codec.h"
#include "codec/funds_vector.h"

#define PATH_BYTES 4096

struct policy_dir {
    const char *dir;
    char err[CODEC_ERR_BYTES]; /* the last policy that would not load */
};

static int load_policy(void *ctx, const char *path, struct policy *out) {
    struct policy_dir *pd = ctx;
    char file[PATH_BYTES];
    assert(pd != NULL && path != NULL && out != NULL);
    if (path[0] == '/') snprintf(file, sizeof file, "%s", path);
    else snprintf(file, sizeof file, "%s/%s", pd->dir, path);
    /* A holder's policy may have no funding (any settlement policy, §9):
     * the rules that need one answer E_POLICY themselves. */
    return policy_load_file(file, out, pd->err, sizeof pd->err) == 0 ? 0 : -1;
}

enum vector_verdict conformance_funds_run(const char *path, const struct json_value *root,
                                          char *message, size_t message_size) {
    char dir_buf[PATH_BYTES], err[CODEC_ERR_BYTES];
    assert(path != NULL && root != NULL && message != NULL);
    snprintf(dir_buf, sizeof dir_buf, "%s", path);
    struct policy_dir pd = {dirname(dir_buf), ""};
    struct funds_vector *v = malloc(sizeof *v);
    struct funds_outcome outcome;
    enum vector_verdict verdict = VECTOR_FAIL;
    if (v == NULL) {
        snprintf(message, message_size, "out of memory");
    } else if (funds_vector_from_json(root, load_policy, &pd, v, err, sizeof err) != 0) {
        snprintf(message, message_size, "%s", err);
    } else if (v->kind == FUNDS_KIND_NOT_BUILT) {
        snprintf(message, message_size, "unsupported kind %s (not built yet)", v->kind_name);
        verdict = VECTOR_NOT_RUN;
    } else if (v->kind == FUNDS_KIND_UNKNOWN) {
        snprintf(message, message_size, "kind: unknown kind '%s'", v->kind_name);
    } else {
        funds_case_run(v, &outcome);
        const char *why = v->code == FUNDS_E_POLICY && pd.err[0] ? pd.err : v->why;
        verdict = funds_expect_compare(v->expect, &outcome, why, message, message_size) == 0
                      ? VECTOR_PASS
                      : VECTOR_FAIL;
    }
    free(v);
    return verdict;
}
