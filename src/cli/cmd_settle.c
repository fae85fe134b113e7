/* cmd_settle.c: `yibao settle` settles one bill from files and prints the
 * result as JSON with the spec's field names (money as yuan, 2 decimals).
 *
 *   yibao settle --policy P --catalog C --institutions INST.json
 *                --person PERSON.json [--state STATE.json] [--explain] [--brief] BILL.json
 *
 * With --db the bill is settled durably against a store (cmd_settle_db.c).
 * A refused bill prints {"error": "E_...", ...} and exits 2, like any other
 * bad input. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/bill_decode.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/world.h"
#include "codec/codec.h"
#include "core/money.h"
#include "core/settle.h"

struct settle_args {
    const char *policy, *catalog, *institutions, *person, *state, *bill;
    bool explain;
    bool json;  /* with --explain: JSON lines */
    bool brief; /* one human line instead of JSON */
};

static int parse_args(int argc, char **argv, struct settle_args *a) {
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--policy", &a->policy, &bad) ||
            cli_option(argc, argv, &i, "--catalog", &a->catalog, &bad) ||
            cli_option(argc, argv, &i, "--institutions", &a->institutions, &bad) ||
            cli_option(argc, argv, &i, "--person", &a->person, &bad) ||
            cli_option(argc, argv, &i, "--state", &a->state, &bad))
            continue;
        if (strcmp(argv[i], "--explain") == 0) a->explain = true;
        else if (strcmp(argv[i], "--brief") == 0) a->brief = true;
        else if (strcmp(argv[i], "--json") == 0) a->json = true;
        else if ((argv[i][0] == '-' && argv[i][1] != '\0') || a->bill != NULL) {
            fprintf(stderr, "yibao settle: unexpected argument '%s'\n", argv[i]);
            bad = true;
        } else a->bill = argv[i];
    }
    if (!bad && (!a->policy || !a->catalog || !a->institutions || !a->person || !a->bill)) {
        cli_usage("settle", stderr);
        bad = true;
    }
    return bad ? -1 : 0;
}

static int load_json_into(const char *path, struct json_doc *doc, char **data,
                          const struct json_value **root) {
    *root = cli_read_json(path, doc, data);
    return *root == NULL ? -1 : 0;
}

static int load_world_files(const struct settle_args *a, struct world *w, struct year_state *state,
                            struct json_doc *doc) {
    char err[CODEC_ERR_BYTES], *data = NULL;
    const struct json_value *root;
    int rc = -1;
    if (policy_load_file(a->policy, &w->policy, err, sizeof err) != 0 ||
        catalog_load_file(a->catalog, &w->catalog, err, sizeof err) != 0)
        return fprintf(stderr, "yibao: %s\n", err), -1;
    if (load_json_into(a->institutions, doc, &data, &root) != 0) goto out;
    if (world_institutions_from_json(w, root, err, sizeof err) != 0) {
        fprintf(stderr, "yibao: %s: %s\n", a->institutions, err);
        goto out;
    }
    free(data);
    if (load_json_into(a->person, doc, &data, &root) != 0) goto out;
    if (person_from_json(root, &w->person, err, sizeof err) != 0) {
        fprintf(stderr, "yibao: %s: %s\n", a->person, err);
        goto out;
    }
    year_state_init(state, w->policy.year, w->person.acct_balc_fen);
    if (a->state != NULL) {
        free(data);
        if (load_json_into(a->state, doc, &data, &root) != 0) goto out;
        if (state_from_json(root, &w->policy, w->person.acct_balc_fen, state, err, sizeof err) !=
            0) {
            fprintf(stderr, "yibao: %s: %s\n", a->state, err);
            goto out;
        }
    }
    rc = 0;
out:
    free(data);
    return rc;
}

static void print_result(const struct world *w, const struct settle_result *r,
                         const struct year_state *after) {
    struct json_buf buf;
    char ratio[24];
    json_buf_init(&buf);
    json_buf_char(&buf, '{');
    json_buf_key(&buf, "setlinfo");
    setlinfo_to_json(&buf, &r->setl);
    json_buf_char(&buf, ',');
    json_buf_key(&buf, "pool_prop_selfpay");
    ratio_format(r->pool_ratio_bp, ratio, sizeof ratio);
    json_buf_raw(&buf, ratio, strlen(ratio));
    json_buf_char(&buf, ',');
    json_buf_key(&buf, "state");
    state_to_json(&buf, &w->policy, after);
    json_buf_raw(&buf, "}\n", 2);
    if (!buf.failed) fwrite(buf.data, 1, buf.len, stdout);
    json_buf_free(&buf);
}

/* "total T  basic B  ...  account A  cash C  balance L": a label per fund
 * layer of FUND_LAYERS (core/settle.h), in order. */
static void print_brief(const struct setlinfo *s) {
    assert(s != NULL);
    char text[24];
    money_format(s->medfee_sumamt, text, sizeof text);
    printf("total %s", text);
    for (int i = 0; i < FUND_LAYER_COUNT; i++) {
        money_format(fund_layer_pay(s, (enum fund_layer_id)i), text, sizeof text);
        printf("  %s %s", fund_layer((enum fund_layer_id)i)->label, text);
    }
    const int64_t rest[3] = {s->acct_pay, s->psn_cash_pay, s->balc};
    static const char *const names[3] = {"account", "cash", "balance"};
    for (int i = 0; i < 3; i++) {
        money_format(rest[i], text, sizeof text);
        printf("  %s %s", names[i], text);
    }
    printf("\n");
}

static int settle_bill(const struct settle_args *a, struct world *w, struct year_state *state,
                       struct json_doc *doc, struct bill_line *lines) {
    char err[CODEC_ERR_BYTES], *data = NULL;
    const struct json_value *root;
    struct bill bill;
    if (load_json_into(a->bill, doc, &data, &root) != 0) return free(data), EXIT_BAD_INPUT;
    int rc = bill_from_json(root, &bill, lines, BILL_LINES_MAX, err, sizeof err);
    int32_t asked = bill_insutype_asked(root);
    free(data);
    if (rc != 0) return fprintf(stderr, "yibao: %s: %s\n", a->bill, err), EXIT_BAD_INPUT;
    struct app_registry reg = world_registry(w);
    struct app_person_reader reader = world_reader(w, state);
    struct app_settle_request req = {w->person.psn_no, &bill, asked};
    static struct app_settle_answer ans;
    static struct settle_result result;
    static struct explain ex;
    struct store_err serr;
    explain_init(&ex);
    if (app_settle(&reg, &reader, &req, &ans, NULL, a->explain ? &ex : NULL, &serr) != 0)
        return fprintf(stderr, "yibao: %s\n", serr.msg), EXIT_BAD_INPUT;
    if (ans.refusal.code != NULL) {
        char text[APP_REFUSAL_TEXT_BYTES];
        app_refusal_text(&ans.refusal, &bill, NULL, text, sizeof text);
        cli_print_refusal(&ans.refusal, text);
        fprintf(stderr, "yibao: %s: refused: %s\n", a->bill, text);
        return EXIT_BAD_INPUT;
    }
    result.setl = ans.stl.setl;
    result.pool_ratio_bp = ans.stl.pool_ratio_bp;
    result.delta = ans.stl.delta;
    year_state_apply(state, &result.delta);
    /* --explain: the steps as text after the brief line; with --json, as
     * JSON lines before the result's */
    if (a->explain && a->json) cli_print_explain(stdout, &ex, true);
    if (a->brief || (a->explain && !a->json)) print_brief(&result.setl);
    else print_result(w, &result, state);
    if (a->explain && !a->json) cli_print_explain(stdout, &ex, false);
    return 0;
}

int cmd_settle(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--db") == 0) return cmd_settle_db(argc, argv);
    struct settle_args args = {0};
    if (parse_args(argc, argv, &args) != 0) return EXIT_BAD_INPUT;
    struct world *w = calloc(1, sizeof *w);
    struct year_state *state = calloc(1, sizeof *state);
    struct bill_line *lines = calloc(BILL_LINES_MAX, sizeof *lines);
    struct json_doc *doc = cli_json_doc();
    int rc = EXIT_BAD_INPUT;
    if (w && state && lines && doc) {
        catalog_init(&w->catalog);
        if (load_world_files(&args, w, state, doc) == 0)
            rc = settle_bill(&args, w, state, doc, lines);
        world_free(w);
    } else {
        fprintf(stderr, "yibao: out of memory\n");
    }
    json_doc_free(doc);
    free(lines);
    free(state);
    free(w);
    return rc;
}
