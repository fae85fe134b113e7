/* store_cli.c: helpers of the store's subcommands (see store_cli.h). */
#include "cli/store_cli.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "core/money.h"
#include "json/json.h"

struct store *store_cli_open(const char *db, enum store_mode mode) {
    struct store *store = NULL;
    struct store_err err = {{0}};
    if (store_open_as(db, mode, &store, &err) != 0) {
        fprintf(stderr, "yibao: %s\n", err.msg);
        return NULL;
    }
    return store;
}

static void print_state(struct json_buf *b, struct store *store, const struct store_req *req) {
    const struct store_settlement *s = &req->stl;
    const struct policy *policy = store_policy_find(store, s->region, s->year, s->insutype);
    if (!req->has_state || policy == NULL) return;
    json_buf_char(b, ',');
    json_buf_key(b, "state");
    state_to_json(b, policy, &req->state_after);
}

/* "error", "field" ("" when none) and "line" (-1 when none), as `settle`
 * from files prints them. */
static void print_refusal(struct json_buf *b, const struct store_req *req) {
    char line[16];
    int n = snprintf(line, sizeof line, "%d", (int)req->error_line);
    assert(n > 0 && (size_t)n < sizeof line);
    json_buf_key(b, "error");
    json_buf_str(b, req->error);
    json_buf_char(b, ',');
    json_buf_key(b, "field");
    json_buf_str(b, req->error_field ? req->error_field : "");
    json_buf_char(b, ',');
    json_buf_key(b, "line");
    json_buf_raw(b, line, (size_t)n);
}

/* "yibao: refused: E_BAD_AMOUNT (det_item_fee_sumamt, details[3])", after
 * "FILE:LINE: " when the bill is a line of a file. */
static void refusal_message(const struct store_req *req, const char *input) {
    char where[32] = "", at[STORE_CLI_WHERE_BYTES + 2] = "";
    if (req->error_line >= 0) snprintf(where, sizeof where, ", details[%d]", (int)req->error_line);
    if (input != NULL) snprintf(at, sizeof at, "%s: ", input);
    if (req->error_field != NULL)
        fprintf(stderr, "yibao: %srefused: %s (%s%s)\n", at, req->error, req->error_field, where);
    else fprintf(stderr, "yibao: %srefused: %s\n", at, req->error);
}

int store_cli_print(FILE *out, struct store *store, const struct store_req *req) {
    return store_cli_print_at(out, store, req, NULL, 0);
}

int store_cli_print_at(FILE *out, struct store *store, const struct store_req *req,
                       const char *input, int64_t input_line) {
    assert(out != NULL && req != NULL && input_line >= 0);
    if (req->status == STORE_FAILED) {
        fprintf(stderr, "yibao: %s%s%s\n", input ? input : "", input ? ": " : "",
                req->err.msg[0] ? req->err.msg : "storage failure");
        return 2;
    }
    struct json_buf b;
    json_buf_init(&b);
    json_buf_char(&b, '{');
    if (req->status == STORE_REFUSED) {
        print_refusal(&b, req);
    } else {
        char id[24];
        snprintf(id, sizeof id, "%" PRId64, req->result_setl_id);
        json_buf_key(&b, "setl_id");
        json_buf_str(&b, id);
        if (req->op == STORE_OP_REVOKE) {
            json_buf_char(&b, ',');
            json_buf_key(&b, "revoked");
            json_buf_raw(&b, "true", 4);
        } else {
            json_buf_char(&b, ',');
            json_buf_key(&b, "setlinfo");
            setlinfo_to_json(&b, &req->stl.setl);
        }
        print_state(&b, store, req);
    }
    json_buf_char(&b, ',');
    json_buf_key(&b, "msgid");
    json_buf_str(&b, req->msgid);
    json_buf_char(&b, ',');
    json_buf_key(&b, "replayed");
    json_buf_raw(&b, req->replayed ? "true" : "false", req->replayed ? 4 : 5);
    if (input_line > 0) {
        json_buf_char(&b, ',');
        json_buf_key(&b, "input_line");
        json_buf_int(&b, input_line);
    }
    json_buf_char(&b, '}');
    json_buf_char(&b, '\n');
    /* A refused request is bad input, as for `settle` from files: exit 2. */
    int rc = b.failed || req->status == STORE_REFUSED ? 2 : 0;
    if (b.failed) fprintf(stderr, "yibao: out of memory\n");
    else fwrite(b.data, 1, b.len, out);
    if (!b.failed && req->status == STORE_REFUSED) refusal_message(req, input);
    json_buf_free(&b);
    return rc;
}
