/* cmd_settle_db.c: `yibao settle --db PATH BILL.json|BILLS.jsonl|-`
 * settles durably. A bill is the spec's bill plus "psn_no" and an optional
 * "msgid" (the idempotency key; --msgid overrides it for one bill; without
 * one, a msgid is derived from the bill's content, so that settling the
 * same bill again answers the first settlement). The policy is the one of
 * the person's insured region, the bill's year and the person's insutype.
 *
 * One bill (a JSON document, on one line or many): prints {"setl_id",
 * "setlinfo", "state", "msgid", "replayed"}; a refused settlement prints
 * {"error": "E_..."} and exits 2; bad input, usage or storage failure
 * exits 2. Two lines or more each holding one JSON object: a JSONL file,
 * settled in batches (settle_batch.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/bill_decode.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/settle_batch.h"
#include "cli/store_cli.h"
#include "codec/codec.h"

int settle_request_ids(const struct json_value *root, const char *msgid_opt,
                       const struct bill *bill, struct store_req *req, char *err, size_t err_size) {
    const struct json_value *psn = json_get(root, "psn_no");
    const struct json_value *msgid = json_get(root, "msgid");
    if (psn == NULL || psn->type != JSON_STRING || psn->len == 0 || psn->len > CODE_BYTES_MAX)
        return snprintf(err, err_size, "psn_no: must be a string of 1 to %d bytes",
                        CODE_BYTES_MAX) > 0
                   ? -1
                   : -1;
    snprintf(req->psn_no, sizeof req->psn_no, "%s", psn->text);
    const char *id = msgid_opt;
    if (id == NULL && msgid != NULL) {
        if (msgid->type != JSON_STRING)
            return snprintf(err, err_size, "msgid: must be a string") > 0 ? -1 : -1;
        id = msgid->text;
    }
    if (id != NULL && (strlen(id) == 0 || strlen(id) > MSGID_BYTES_MAX))
        return snprintf(err, err_size, "msgid: must have 1 to %d bytes", MSGID_BYTES_MAX) > 0 ? -1
                                                                                              : -1;
    req->op = STORE_OP_SETTLE;
    req->bill = bill;
    req->insutype_asked = bill_insutype_asked(root);
    if (id != NULL) {
        snprintf(req->msgid, sizeof req->msgid, "%s", id);
        return 0;
    }
    char hash[HASH_HEX_BYTES + 1];
    bill_request_hash(req->psn_no, bill, req->insutype_asked, hash);
    snprintf(req->msgid, sizeof req->msgid, "%s%.*s", SETTLE_MSGID_PREFIX, SETTLE_MSGID_HASH_HEX,
             hash);
    return 0;
}

/* One bill: the whole input parsed as one JSON document. */
static int settle_one(const char *db, const char *name, const char *data, size_t len,
                      const char *msgid_opt) {
    struct json_doc *doc = cli_json_doc();
    struct store_req *req = calloc(1, sizeof *req);
    struct bill *bill = calloc(1, sizeof *bill);
    struct bill_line *lines = calloc(BILL_LINES_MAX, sizeof *lines);
    char err[CODEC_ERR_BYTES];
    struct json_error jerr;
    int rc = EXIT_BAD_INPUT;
    const struct json_value *root = NULL;
    if (doc == NULL || req == NULL || bill == NULL || lines == NULL)
        fprintf(stderr, "yibao: out of memory\n");
    else if ((root = json_parse(doc, data, len, &jerr)) == NULL)
        fprintf(stderr, "yibao: %s: byte %zu: %s\n", name, jerr.offset, jerr.message);
    else if (bill_from_json(root, bill, lines, BILL_LINES_MAX, err, sizeof err) != 0 ||
             settle_request_ids(root, msgid_opt, bill, req, err, sizeof err) != 0)
        fprintf(stderr, "yibao: %s: %s\n", name, err);
    else {
        struct store *store = store_cli_open(db, STORE_MODE_EXISTING);
        struct commitq *q = NULL;
        struct store_err serr = {{0}};
        if (store != NULL && commitq_start(store, 1, &q, &serr) != 0)
            fprintf(stderr, "yibao: %s\n", serr.msg);
        if (q != NULL) {
            commitq_call(q, req);
            rc = store_cli_print(stdout, store, req);
        }
        commitq_stop(q);
        store_close(store);
    }
    json_doc_free(doc);
    free(req);
    free(bill);
    free(lines);
    return rc;
}

/* A line that holds one JSON object: it starts with '{' and ends with '}'
 * (blanks aside). A pretty-printed bill's first line is "{" alone. */
static bool object_line(const char *line, size_t len) {
    while (len > 0 && strchr(" \t\r\n", line[len - 1]) != NULL) len--;
    while (len > 0 && strchr(" \t\r", *line) != NULL) line++, len--;
    return len >= 2 && line[0] == '{' && line[len - 1] == '}';
}

static bool blank_line(const char *line, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (strchr(" \t\r\n", line[i]) == NULL) return false;
    return true;
}

/* Reads the next non-blank line into input->pending[k]; 0, or 1 at the end. */
static int read_pending(struct bills_input *input, int k) {
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&input->pending[k], &cap, input->in)) > 0) {
        input->lines_read++;
        input->bytes_read += n;
        if (!blank_line(input->pending[k], (size_t)n)) {
            input->pending_len[k] = (size_t)n;
            input->pending_line[k] = input->lines_read;
            return 0;
        }
    }
    free(input->pending[k]);
    input->pending[k] = NULL;
    return 1;
}

/* The lines read so far and the rest of the input, as one buffer. */
static char *read_whole(struct bills_input *input, size_t *len) {
    size_t cap = JSON_BYTES_MAX + 2, n = 0;
    char *data = malloc(cap);
    if (data == NULL) return NULL;
    for (int k = 0; k < 2; k++) {
        if (input->pending[k] == NULL) continue;
        size_t take = input->pending_len[k] < cap - n ? input->pending_len[k] : cap - n;
        memcpy(data + n, input->pending[k], take);
        n += take;
    }
    n += fread(data + n, 1, cap - n, input->in);
    *len = n;
    return data;
}

static int settle_from(const char *db, struct bills_input *input, const char *msgid,
                       const char *answers) {
    if (read_pending(input, 0) != 0) {
        fprintf(stderr, "yibao: %s: no bill\n", input->name);
        return EXIT_BAD_INPUT;
    }
    bool jsonl = object_line(input->pending[0], input->pending_len[0]) &&
                 read_pending(input, 1) == 0;
    if (jsonl && msgid != NULL) {
        fprintf(stderr, "yibao: --msgid names one bill; %s has one bill a line\n", input->name);
        return EXIT_BAD_INPUT;
    }
    if (!jsonl && answers != NULL) {
        fprintf(stderr, "yibao: --answers is for a file of one bill a line; %s holds one bill\n",
                input->name);
        return EXIT_BAD_INPUT;
    }
    if (jsonl) return settle_batch(db, input, answers);
    size_t len = 0;
    char *data = read_whole(input, &len);
    int rc = EXIT_BAD_INPUT;
    if (data == NULL) fprintf(stderr, "yibao: out of memory\n");
    else if (ferror(input->in)) fprintf(stderr, "yibao: %s: read error\n", input->name);
    else if (len > JSON_BYTES_MAX)
        fprintf(stderr, "yibao: %s: larger than %zu bytes\n", input->name, (size_t)JSON_BYTES_MAX);
    else rc = settle_one(db, input->name, data, len, msgid);
    free(data);
    return rc;
}

int cmd_settle_db(int argc, char **argv) {
    const char *db = NULL, *msgid = NULL, *path = NULL, *answers = NULL;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", &db, &bad) ||
            cli_option(argc, argv, &i, "--msgid", &msgid, &bad) ||
            cli_option(argc, argv, &i, "--answers", &answers, &bad))
            continue;
        if (path != NULL || (argv[i][0] == '-' && argv[i][1] != '\0')) {
            fprintf(stderr, "yibao settle: unexpected argument '%s'\n", argv[i]);
            bad = true;
        } else {
            path = argv[i];
        }
    }
    if (bad || db == NULL || path == NULL) {
        cli_usage("settle", stderr);
        return EXIT_BAD_INPUT;
    }
    struct bills_input input;
    memset(&input, 0, sizeof input);
    bool from_stdin = strcmp(path, "-") == 0;
    input.name = from_stdin ? "(standard input)" : path;
    input.in = from_stdin ? stdin : fopen(path, "rb");
    if (input.in == NULL) {
        fprintf(stderr, "yibao: %s: cannot open: %s\n", path, strerror(errno));
        return EXIT_BAD_INPUT;
    }
    struct stat st;
    if (fstat(fileno(input.in), &st) == 0 && S_ISREG(st.st_mode)) input.size = st.st_size;
    int rc = settle_from(db, &input, msgid, answers);
    free(input.pending[0]);
    free(input.pending[1]);
    if (!from_stdin) fclose(input.in);
    return rc;
}
