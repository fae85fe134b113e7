/* fuzz_service.c: libFuzzer target for the service's request path: the
 * input is an HTTP body handed to service_handle() (envelope, input
 * decoding, visits and fee lines in the service tables, the engine) with
 * the gateway checks off and settlements in dry-run mode (computed, not
 * committed), over a temp SQLite database holding a tiny city. Sign-in
 * is enforced: setup signs in H3 (sign_no 1) and P1 (sign_no 2), the
 * numbers the corpus carries; 9002 is dry-run too, so they stay valid.
 * Every answer must be a JSON object with an infcode of 0 or -1. The
 * corpus holds a request of each transaction, the inventory feeds
 * (3501-3507, txn_inventory.c) among them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json/json.h"
#include "service/service.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct service *svc;
static struct svc_worker *worker;
static struct json_doc *check_doc;

static void die(const char *what, const char *why) {
    fprintf(stderr, "fuzz_service: %s: %s\n", what, why);
    abort();
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) die(path, "cannot write");
}

static void setup(void) {
    char dir[] = "/tmp/yibao-fuzz-service.XXXXXX", path[256], db[256];
    if (mkdtemp(dir) == NULL) die("mkdtemp", "failed");
    snprintf(db, sizeof db, "%s/db.sqlite", dir);
    struct store *store;
    struct store_err err;
    if (store_open(db, &store, &err) != 0) die("store_open", err.msg);
    snprintf(path, sizeof path, "%s/p.csv", dir);
    write_file(path,
               "psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,"
               "benefit_start,acct_balc\nP0001,1,A,1,1960-06-15,390,adult,,440900,2000-01-01,0\n"
               "P0002,2,B,2,1970-01-01,310,in_service,,440900,2000-01-01,500\n");
    int64_t rows;
    const char *root = getenv("YIBAO_ROOT") ? getenv("YIBAO_ROOT") : ".";
    char pol[512], cat[512], pol2[512];
    snprintf(pol, sizeof pol, "%s/policies/maoming-2020-resident.json", root);
    snprintf(pol2, sizeof pol2, "%s/policies/maoming-2020-employee.json", root);
    snprintf(cat, sizeof cat, "%s/policies/catalog-conformance.json", root);
    char inst[256];
    snprintf(inst, sizeof inst, "%s/i.csv", dir);
    write_file(inst, "fixmedins_code,fixmedins_name,type,level,admdvs,status\n"
                     "H3,H,hospital,level3,440900,active\nP1,P,pharmacy,pharmacy,440900,active\n");
    if (store_import(store, "institutions", inst, &rows, &err) != 0 ||
        store_import(store, "policy", pol, &rows, &err) != 0 ||
        store_import(store, "policy", pol2, &rows, &err) != 0 ||
        store_import(store, "catalog", cat, &rows, &err) != 0 ||
        store_import(store, "persons", path, &rows, &err) != 0)
        die("import", err.msg);
    store_close(store);
    struct service_config cfg;
    service_config_default(&cfg);
    cfg.auth_off = cfg.dry_run = cfg.db_sync_off = true;
    cfg.body_bytes_max = 65536;
    cfg.lines_max = 64;
    char msg[512];
    if (service_open(db, &cfg, &svc, msg, sizeof msg) != 0) die("service_open", msg);
    worker = service_worker_take(svc);
    struct json_limits limits = {1u << 20, 32, 1u << 20};
    check_doc = json_doc_new(&limits);
    if (worker == NULL || check_doc == NULL) die("setup", "out of memory");
}

/* 9001 for code on the fresh database; its sign_no (20 digits, random)
 * into out. */
static void sign_in(const char *code, char out[21]) {
    char body[256];
    snprintf(body, sizeof body,
             "{\"infno\":\"9001\",\"msgid\":\"S%s\",\"fixmedins_code\":\"%s\","
             "\"input\":{\"signIn\":{\"opter_no\":\"1\"}}}",
             code, code);
    struct svc_request req = {.body = body, .body_len = strlen(body), .now_s = (int64_t)time(NULL)};
    size_t len;
    const char *answer = service_handle(svc, worker, &req, &len);
    const char *at = strstr(answer, "\"sign_no\":\"");
    if (at == NULL || strlen(at) < 11 + 20 || at[11 + 20] != '"') die("9001", answer);
    memcpy(out, at + 11, 20);
    out[20] = '\0';
}

/* The corpus names the sign-ins as sign_no 1 (H3) and 2 (P1), as the
 * service numbered them before sign_nos were random: each is replaced
 * (same length) by the one issued, so the inputs still reach past the
 * sign-in check. */
static char sign_no_h3[21], sign_no_p1[21];
static uint8_t input_copy[1u << 17];

static const uint8_t *with_sign_nos(const uint8_t *data, size_t size) {
    static const char one[] = "00000000000000000001", two[] = "00000000000000000002";
    if (size > sizeof input_copy) return data;
    memcpy(input_copy, data, size);
    for (size_t i = 0; i + 20 <= size; i++) {
        if (memcmp(input_copy + i, one, 20) == 0) memcpy(input_copy + i, sign_no_h3, 20);
        else if (memcmp(input_copy + i, two, 20) == 0) memcpy(input_copy + i, sign_no_p1, 20);
    }
    return input_copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (svc == NULL) {
        setup();
        sign_in("H3", sign_no_h3);
        sign_in("P1", sign_no_p1);
    }
    data = with_sign_nos(data, size);
    struct svc_request req = {
        .body = (const char *)data, .body_len = size, .now_s = (int64_t)time(NULL)};
    size_t len;
    const char *answer = service_handle(svc, worker, &req, &len);
    struct json_error jerr;
    const struct json_value *root = json_parse(check_doc, answer, len, &jerr);
    if (root == NULL || root->type != JSON_OBJECT) die("answer", "not a JSON object");
    const struct json_value *code = json_get(root, "infcode");
    if (code == NULL || code->type != JSON_NUMBER ||
        (strcmp(code->text, "0") != 0 && strcmp(code->text, "-1") != 0))
        die("answer", "infcode is not 0 or -1");
    return 0;
}
