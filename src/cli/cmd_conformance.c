/* cmd_conformance.c: `yibao conformance PATH...` runs yibao-vector/1 files
 * (SETTLEMENT.md) and yibao-funds-vector/1 files (FUNDS.md §9; see
 * conformance_funds.c).
 *
 * Each settlement vector names a policy and catalog (paths relative to the
 * vector), institutions, one person, an optional starting state and steps
 * (settle or revoke) with expectations, and optionally `holders`: the
 * person's bindings to holders of personal accounts (family sharing,
 * FUNDS.md §5 Step 7b, §9), whose balances `holders_after` checks. One line
 * per vector, PASS or FAIL with the first differing field, then "N passed,
 * N failed". A vector of a kind not built yet (none today) is a NOTRUN
 * line, counted apart ("N not run (unsupported kind)" before the last
 * line), neither passed nor failed. Exit 1 on any failure. */
#include <assert.h>
#include <dirent.h>
#include <stdarg.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/conformance_funds.h"
#include "app/bill_decode.h"
#include "cli/world.h"
#include "codec/codec.h"
#include "codec/fields.h"
#include "core/money.h"
#include "core/settle.h"

#define VECTOR_STEPS_MAX 1000
#define VECTOR_FILES_MAX 100000
#define MESSAGE_BYTES 512

struct step_record {
    bool settled;
    bool revoked;
    struct year_state delta;
    int64_t holder_pay_fen[SETTLE_HOLDERS_MAX]; /* by the world's holder index */
};

struct run {
    struct world world;
    struct year_state state;
    struct bill_line *lines;   /* BILL_LINES_MAX, reused */
    struct step_record *steps; /* VECTOR_STEPS_MAX, reused */
    char message[MESSAGE_BYTES];
};

static int fail(struct run *run, const char *format, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct run *run, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(run->message, sizeof run->message, format, args);
    va_end(args);
    return -1;
}

static int compare_money(struct run *run, int step, const char *group, const struct json_value *v,
                         int64_t actual) {
    int64_t expected;
    char e[24], a[24];
    if (field_scaled(v, 2, STATE_FEN_MAX * 10, &expected) != 0)
        return fail(run, "step %d: %s.%s: expected value is not an amount", step, group, v->key);
    if (expected == actual) return 0;
    money_format(expected, e, sizeof e);
    money_format(actual, a, sizeof a);
    return fail(run, "step %d: %s.%s: expected %s, got %s", step, group, v->key, e, a);
}

static int compare_special(struct run *run, int step, const struct json_value *sp) {
    const struct policy *p = &run->world.policy;
    for (const struct json_value *d = sp->child; d != NULL; d = d->next) {
        int i = policy_disease_index(p, d->key);
        int64_t actual = i < 0 ? 0 : run->state.special_paid_fen[i];
        if (compare_money(run, step, "state.special_paid", d, actual) != 0) return -1;
    }
    for (int i = 0; i < p->disease_count; i++)
        if (run->state.special_paid_fen[i] != 0 && json_get(sp, p->diseases[i].code) == NULL)
            return fail(run, "step %d: state.special_paid.%s: expected 0.00 (absent), got non-zero",
                        step, p->diseases[i].code);
    return 0;
}

static int compare_state(struct run *run, int step, const struct json_value *expect) {
    for (const struct json_value *v = expect->child; v != NULL; v = v->next) {
        int64_t actual, expected;
        if (strcmp(v->key, "year") == 0 || strcmp(v->key, "admissions") == 0) {
            actual = v->key[0] == 'y' ? run->state.year : run->state.admissions;
            if (field_scaled(v, 0, 1000000, &expected) != 0 || expected != actual)
                return fail(run, "step %d: state.%s: expected %s, got %lld", step, v->key,
                            v->type == JSON_NUMBER ? v->text : "?", (long long)actual);
        } else if (strcmp(v->key, "special_paid") == 0) {
            if (v->type != JSON_OBJECT || compare_special(run, step, v) != 0)
                return v->type != JSON_OBJECT
                           ? fail(run, "step %d: special_paid not an object", step)
                           : -1;
        } else if (state_field(&run->state, v->key, &actual) != 0) {
            return fail(run, "step %d: state.%s: unknown field", step, v->key);
        } else if (compare_money(run, step, "state", v, actual) != 0) {
            return -1;
        }
    }
    return 0;
}

/* holders_after: each holder named, its balance after the step; a holder
 * not named is not compared (§9 names them all). */
static int compare_holders(struct run *run, int step, const struct json_value *after) {
    if (after == NULL) return 0;
    if (after->type != JSON_OBJECT) return fail(run, "step %d: holders_after: not an object", step);
    for (const struct json_value *v = after->child; v != NULL; v = v->next) {
        int32_t i = 0;
        while (i < run->world.holder_count && strcmp(run->world.holders[i].psn_no, v->key) != 0)
            i++;
        if (i == run->world.holder_count)
            return fail(run, "step %d: holders_after.%s: no such holder", step, v->key);
        if (compare_money(run, step, "holders_after", v, run->world.holders[i].acct_balc_fen) != 0)
            return -1;
    }
    return 0;
}

/* Moves each holder's part of a settlement (sign -1) or back (+1). */
static void holders_apply(struct run *run, const struct step_record *rec, int sign) {
    for (int32_t i = 0; i < run->world.holder_count; i++) {
        run->world.holders[i].acct_balc_fen += sign * rec->holder_pay_fen[i];
        assert(run->world.holders[i].acct_balc_fen >= 0);
    }
}

/* The settlement's parts by holder index (the answer names them by psn_no). */
static void holder_parts(struct run *run, const struct store_settlement *stl,
                         struct step_record *rec) {
    memset(rec->holder_pay_fen, 0, sizeof rec->holder_pay_fen);
    for (int32_t k = 0; k < stl->holder_count; k++)
        for (int32_t i = 0; i < run->world.holder_count; i++)
            if (strcmp(run->world.holders[i].psn_no, stl->holders[k].psn_no) == 0)
                rec->holder_pay_fen[i] += stl->holders[k].pay_fen;
}

static int compare(struct run *run, int step, const struct json_value *expect,
                   enum settle_code code, const struct settle_result *result) {
    const struct json_value *error = json_get(expect, "error");
    if (error != NULL) {
        if (error->type == JSON_STRING && strcmp(error->text, settle_code_name(code)) == 0)
            return 0;
        return fail(run, "step %d: expected %s, got %s", step,
                    error->type == JSON_STRING ? error->text : "?",
                    code == SETTLE_OK ? "success" : settle_code_name(code));
    }
    if (code != SETTLE_OK)
        return fail(run, "step %d: expected success, got %s (%s)", step, settle_code_name(code),
                    result && result->error_field ? result->error_field : "-");
    const struct json_value *setl = json_get(expect, "setlinfo");
    for (const struct json_value *v = setl ? setl->child : NULL; v != NULL; v = v->next) {
        int64_t actual;
        if (result == NULL || setlinfo_field(&result->setl, v->key, &actual) != 0)
            return fail(run, "step %d: setlinfo.%s: unknown field", step, v->key);
        if (compare_money(run, step, "setlinfo", v, actual) != 0) return -1;
    }
    const struct json_value *state = json_get(expect, "state");
    if (state != NULL && state->type == JSON_OBJECT && compare_state(run, step, state) != 0)
        return -1;
    return compare_holders(run, step, json_get(expect, "holders_after"));
}

static int settle_step(struct run *run, int i, const struct json_value *bill_json,
                       const struct json_value *expect) {
    char err[CODEC_ERR_BYTES];
    struct bill bill;
    if (bill_from_json(bill_json, &bill, run->lines, BILL_LINES_MAX, err, sizeof err) != 0)
        return fail(run, "step %d: bill: %s", i, err);
    struct app_registry reg = world_registry(&run->world);
    struct app_person_reader reader = world_reader(&run->world, &run->state);
    struct app_settle_request req = {run->world.person.psn_no, &bill,
                                     bill_insutype_asked(bill_json)};
    static struct app_settle_answer ans; /* large; one run at a time */
    static struct settle_result result;
    struct store_err serr;
    if (app_settle(&reg, &reader, &req, &ans, NULL, NULL, &serr) != 0)
        return fail(run, "step %d: %s", i, serr.msg);
    enum settle_code code = ans.refusal.code ? settle_code_parse(ans.refusal.code) : SETTLE_OK;
    memset(&result, 0, sizeof result);
    result.code = code;
    result.error_field = ans.refusal.field;
    result.error_line = ans.refusal.line;
    if (code == SETTLE_OK) {
        result.setl = ans.stl.setl;
        run->steps[i].settled = true;
        run->steps[i].delta = ans.stl.delta;
        year_state_apply(&run->state, &ans.stl.delta);
        holder_parts(run, &ans.stl, &run->steps[i]);
        holders_apply(run, &run->steps[i], -1);
    }
    return compare(run, i, expect, code, &result);
}

static int revoke_step(struct run *run, int i, const struct json_value *target,
                       const struct json_value *expect) {
    int64_t k;
    enum settle_code code = SETTLE_OK;
    if (field_scaled(target, 0, VECTOR_STEPS_MAX, &k) != 0)
        return fail(run, "step %d: revoke: must name an earlier step index", i);
    if (k < 0 || k >= i || !run->steps[k].settled) code = E_NOT_SETTLED;
    else if (run->steps[k].revoked) code = E_REVOKED;
    else {
        run->steps[k].revoked = true;
        year_state_unapply(&run->state, &run->steps[k].delta);
        holders_apply(run, &run->steps[k], +1);
    }
    return compare(run, i, expect, code, NULL);
}

static int load_world(struct run *run, const char *path, const struct json_value *root) {
    char err[CODEC_ERR_BYTES], file[4096], dir_buf[4096], key_path[64];
    snprintf(dir_buf, sizeof dir_buf, "%s", path);
    const char *dir = dirname(dir_buf);
    const char *keys[2] = {"policy", "catalog"};
    for (int k = 0; k < 2; k++) {
        const struct json_value *v = json_get(root, keys[k]);
        if (v == NULL || v->type != JSON_STRING) return fail(run, "%s: missing", keys[k]);
        snprintf(file, sizeof file, "%s/%s", dir, v->text);
        int rc = k == 0 ? policy_load_file(file, &run->world.policy, err, sizeof err)
                        : catalog_load_file(file, &run->world.catalog, err, sizeof err);
        if (rc != 0) return fail(run, "%s", err);
    }
    if (world_institutions_from_json(&run->world, json_get(root, "institutions"), err,
                                     sizeof err) != 0 ||
        person_from_json(json_get(root, "person"), &run->world.person, err, sizeof err) != 0)
        return fail(run, "%s", err);
    if (world_holders_from_json(&run->world, json_get(root, "holders"), dir, err, sizeof err) != 0)
        return fail(run, "%s", err);
    snprintf(key_path, sizeof key_path, "state");
    if (state_from_json(json_get(root, "state"), &run->world.policy,
                        run->world.person.acct_balc_fen, &run->state, err, sizeof err) != 0)
        return fail(run, "%s: %s", key_path, err);
    return 0;
}

static int run_steps(struct run *run, const struct json_value *steps) {
    if (steps == NULL || steps->type != JSON_ARRAY) return fail(run, "steps: must be an array");
    if (steps->len > VECTOR_STEPS_MAX) return fail(run, "steps: more than %d", VECTOR_STEPS_MAX);
    memset(run->steps, 0, VECTOR_STEPS_MAX * sizeof *run->steps);
    int i = 0;
    for (const struct json_value *s = steps->child; s != NULL; s = s->next, i++) {
        const struct json_value *expect = json_get(s, "expect");
        const struct json_value *bill = json_get(s, "settle"), *target = json_get(s, "revoke");
        if (expect == NULL || expect->type != JSON_OBJECT)
            return fail(run, "step %d: expect: must be an object", i);
        int rc = bill != NULL     ? settle_step(run, i, bill, expect)
                 : target != NULL ? revoke_step(run, i, target, expect)
                                  : fail(run, "step %d: neither settle nor revoke", i);
        if (rc != 0) return -1;
    }
    return 0;
}

static bool format_is(const struct json_value *root, const char *format) {
    const struct json_value *f = json_get(root, "format");
    assert(format != NULL);
    return f != NULL && f->type == JSON_STRING && strcmp(f->text, format) == 0;
}

static enum vector_verdict run_vector(struct run *run, const char *path, struct json_doc *doc) {
    char *data = NULL;
    assert(run != NULL && path != NULL && doc != NULL);
    run->message[0] = '\0';
    catalog_init(&run->world.catalog);
    const struct json_value *root = cli_read_json(path, doc, &data);
    enum vector_verdict verdict = VECTOR_FAIL;
    if (root == NULL) fail(run, "cannot read the vector (see above)");
    else if (format_is(root, "yibao-funds-vector/1"))
        verdict = conformance_funds_run(path, root, run->message, sizeof run->message);
    else if (!format_is(root, "yibao-vector/1"))
        fail(run, "format: must be \"yibao-vector/1\" or \"yibao-funds-vector/1\"");
    else if (load_world(run, path, root) == 0 && run_steps(run, json_get(root, "steps")) == 0)
        verdict = VECTOR_PASS;
    world_free(&run->world);
    free(data);
    return verdict;
}

static int name_compare(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Expands folders into their *.json files, sorted. */
static int collect(const char *path, char ***files, size_t *count) {
    struct stat st;
    if (stat(path, &st) != 0)
        return fprintf(stderr, "yibao: %s: no such file or folder\n", path), -1;
    size_t first = *count;
    DIR *dir = S_ISDIR(st.st_mode) ? opendir(path) : NULL;
    if (S_ISDIR(st.st_mode) && dir == NULL)
        return fprintf(stderr, "yibao: %s: cannot open\n", path), -1;
    for (struct dirent *d;;) {
        const char *name = path;
        char joined[4096];
        if (dir != NULL) {
            if ((d = readdir(dir)) == NULL) break;
            size_t n = strlen(d->d_name);
            if (n < 6 || strcmp(d->d_name + n - 5, ".json") != 0) continue;
            snprintf(joined, sizeof joined, "%s/%s", path, d->d_name);
            name = joined;
        }
        if (*count >= VECTOR_FILES_MAX) break;
        char **grown = realloc(*files, (*count + 1) * sizeof **files);
        if (grown == NULL || (grown[*count] = strdup(name)) == NULL) {
            if (grown) *files = grown;
            if (dir) closedir(dir);
            return fprintf(stderr, "yibao: out of memory\n"), -1;
        }
        *files = grown;
        (*count)++;
        if (dir == NULL) break;
    }
    if (dir != NULL) closedir(dir);
    if (*count > first) qsort(*files + first, *count - first, sizeof **files, name_compare);
    return 0;
}

int cmd_conformance(int argc, char **argv) {
    char **files = NULL;
    size_t count = 0;
    int status = 0;
    if (argc < 2) return cli_usage("conformance", stderr), EXIT_BAD_INPUT;
    for (int i = 1; i < argc && status == 0; i++)
        if (collect(argv[i], &files, &count) != 0) status = EXIT_BAD_INPUT;
    if (status == 0 && count == 0) { /* "0 passed" would look like success */
        fprintf(stderr, "yibao conformance: no vector files found under the paths given\n");
        status = EXIT_BAD_INPUT;
    }
    struct run *run = calloc(1, sizeof *run);
    struct json_doc *doc = cli_json_doc();
    if (run) run->lines = calloc(BILL_LINES_MAX, sizeof *run->lines);
    if (run) run->steps = calloc(VECTOR_STEPS_MAX, sizeof *run->steps);
    if (status == 0 && (!run || !doc || !run->lines || !run->steps)) status = EXIT_BAD_INPUT;
    int passed = 0, failed = 0, not_run = 0;
    for (size_t i = 0; status == 0 && i < count; i++) {
        switch (run_vector(run, files[i], doc)) {
        case VECTOR_PASS:
            passed++;
            printf("PASS %s\n", files[i]);
            break;
        case VECTOR_NOT_RUN:
            not_run++;
            printf("NOTRUN %s: %s\n", files[i], run->message);
            break;
        case VECTOR_FAIL:
            failed++;
            printf("FAIL %s: %s\n", files[i], run->message);
            break;
        }
    }
    if (status == 0 && not_run > 0) printf("%d not run (unsupported kind)\n", not_run);
    if (status == 0) printf("%d passed, %d failed\n", passed, failed);
    for (size_t i = 0; i < count; i++) free(files[i]);
    free(files);
    if (run) {
        free(run->lines);
        free(run->steps);
        free(run);
    }
    json_doc_free(doc);
    if (status != 0) return status;
    return failed > 0 ? EXIT_CHECK_FAILED : 0;
}
