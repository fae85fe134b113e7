/* store_cli.c: helpers of the store's subcommands (see store_cli.h). */
#include "cli/store_cli.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "app/refusal.h"
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
    /* the version the bill was settled under (its endtime), else the latest */
    const struct policy *policy = req->bill != NULL && req->bill->dates_ok
                                      ? store_policy_at(store, s->region, s->year, s->insutype,
                                                        req->bill->endtime)
                                      : store_policy_find(store, s->region, s->year, s->insutype);
    if (!req->has_state || policy == NULL) return;
    json_buf_char(b, ',');
    json_buf_key(b, "state");
    state_to_json(b, policy, &req->state_after);
}

/* The store's refusal as an app_refusal, and in words. */
static void refusal_of(const struct store_req *req, struct app_refusal *why, char *text,
                       size_t size) {
    assert(req->status == STORE_REFUSED && req->error != NULL);
    memset(why, 0, sizeof *why);
    why->code = req->error;
    why->field = req->error_field;
    why->line = req->error_line;
    memcpy(why->reason, req->error_reason, sizeof why->reason);
    const char *value = why->field != NULL && strcmp(why->field, "psn_no") == 0  ? req->psn_no
                        : why->field != NULL && strcmp(why->field, "msgid") == 0 ? req->msgid
                                                                                 : NULL;
    app_refusal_text(why, req->op == STORE_OP_SETTLE ? req->bill : NULL, value, text, size);
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
    struct app_refusal why;
    char text[APP_REFUSAL_TEXT_BYTES] = "";
    if (req->status == STORE_REFUSED) {
        refusal_of(req, &why, text, sizeof text);
        json_buf_key(&b, "error");
        json_buf_str(&b, req->error);
        json_buf_char(&b, ',');
        json_buf_key(&b, "field");
        json_buf_str(&b, req->error_field ? req->error_field : "");
        json_buf_char(&b, ',');
        json_buf_key(&b, "line");
        json_buf_int(&b, req->error_line);
        json_buf_char(&b, ',');
        json_buf_key(&b, "message");
        json_buf_str(&b, text);
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
    if (!b.failed && req->status == STORE_REFUSED) /* after "FILE:LINE: " for a line of a file */
        fprintf(stderr, "yibao: %s%srefused: %s\n", input ? input : "", input ? ": " : "", text);
    json_buf_free(&b);
    return rc;
}
