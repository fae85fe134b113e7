/* codec.h: JSON <-> core structs. The adapters between the wire formats
 * (yibao-policy/1, yibao-catalog/1, bills, vectors) and the pure core.
 *
 * Every function that can fail writes a message naming the field
 * ("basic.inpatient.ratio.level3: must be a number in [0, 1]") into err and
 * returns -1; nothing it was filling is to be used then. */
#ifndef YIBAO_CODEC_H
#define YIBAO_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "core/bill.h"
#include "core/catalog.h"
#include "core/person.h"
#include "core/policy.h"
#include "core/settle.h"
#include "core/state.h"
#include "json/json.h"

#define CODEC_ERR_BYTES 256

/* Reads a whole file (at most bytes_max). Returns 0, or -1 with err set
 * ("FILE: cannot open: No such file or directory"). *data is malloc'd. */
int file_read_all(const char *path, size_t bytes_max, char **data, size_t *len, char *err,
                  size_t err_size);

int policy_from_json(const struct json_value *root, struct policy *out, char *err, size_t err_size);
/* Loads and validates a policy file; errors read "FILE: key.path: what". */
int policy_load_file(const char *path, struct policy *out, char *err, size_t err_size);

/* The catalog must be catalog_init()ed; on error it is left empty. */
int catalog_from_json(const struct json_value *root, struct catalog *out, char *err,
                      size_t err_size);
int catalog_load_file(const char *path, struct catalog *out, char *err, size_t err_size);
/* What the catalog's loader does not keep: each item's name and kind
 * ("drug", "service", "material"; "" when absent), given to cb in the
 * document's order (the service's downloads, 1312). 0, or -1 with err. */
typedef int (*catalog_text_cb)(void *ctx, const char *code, const char *name, const char *kind);
int catalog_text_from_json(const struct json_value *root, catalog_text_cb cb, void *ctx, char *err,
                           size_t err_size);
/* Each item's `restrict` in a yibao-catalog/1 file (docs/RULES.md, "The
 * catalog's restrictions"), to cb as an item whose code and restrict_*
 * fields are set (the rest zero; its lists valid during the call); for the
 * store's import and the scans after settlement (app/scan.c). 0, or -1
 * with err ("FILE: items.CODE.restrict.gender: ..."). */
typedef int (*catalog_restrict_cb)(void *ctx, const struct catalog_item *restriction);
int catalog_restrict_load_file(const char *path, catalog_restrict_cb cb, void *ctx, char *err,
                               size_t err_size);
int catalog_restrict_from_json(const struct json_value *root, catalog_restrict_cb cb, void *ctx,
                               char *err, size_t err_size);
/* The same document's restrictions onto the catalog loaded from it
 * (catalog_load_file: each item's restrict_* fields, its lists copied). */
int catalog_restrict_apply(const struct json_value *root, struct catalog *catalog, char *err,
                           size_t err_size);
int catalog_restrict_apply_file(const char *path, struct catalog *catalog, char *err,
                                size_t err_size);

/* A rule file (yibao-rules/1, docs/RULES.md) into out (rules_init()ed;
 * emptied on error): 0, or -1 with err naming the rule and key
 * ("rules[2].max_units: must be a number > 0 ..."). */
struct rule_set;
int rules_from_json(const struct json_value *root, struct rule_set *out, char *err,
                    size_t err_size);
int rules_load_file(const char *path, struct rule_set *out, char *err, size_t err_size);
/* The same from a kept file's bytes (the store's last rules import). */
int rules_from_text(const char *text, size_t len, struct rule_set *out, char *err, size_t err_size);

/* A region's payment agreements for a year (yibao-payment/1,
 * docs/PAYMENT.md; core/agreement.h). out is large: allocate it. */
struct agreement;
int payment_agreement_from_json(const struct json_value *root, struct agreement *out, char *err,
                                size_t err_size);
/* Loads and checks a payment file; errors read "FILE: key.path: what". */
int payment_agreement_load_file(const char *path, struct agreement *out, char *err,
                                size_t err_size);

int person_from_json(const struct json_value *obj, struct person *out, char *err, size_t err_size);
int institution_from_json(const char *code, const struct json_value *obj, struct institution *out,
                          char *err, size_t err_size);

/* One binding of a family-sharing vector's `holders` (FUNDS.md §9), in
 * the order made; policy_path as written (relative to the vector). */
#define HOLDER_POLICY_PATH_BYTES 512
struct vector_holder {
    char psn_no[CODE_BYTES_MAX + 1];
    enum relation relation;
    datetime_s from;
    bool revoked;
    datetime_s revoked_at;
    int64_t acct_balc_fen;
    char policy_path[HOLDER_POLICY_PATH_BYTES];
};
/* `holders` (absent or null: none) into out[SETTLE_HOLDERS_MAX]. */
int holders_from_json(const struct json_value *list, struct vector_holder *out, int32_t *count,
                      char *err, size_t err_size);

/* A year state in yuan as in the vectors: missing fields are 0 except
 * acct_balc (default_acct_balc_fen); year is the policy's. */
int state_from_json(const struct json_value *obj, const struct policy *policy,
                    int64_t default_acct_balc_fen, struct year_state *out, char *err,
                    size_t err_size);

void setlinfo_to_json(struct json_buf *buf, const struct setlinfo *setl);
void state_to_json(struct json_buf *buf, const struct policy *policy,
                   const struct year_state *state);

/* Named figure of a setlinfo / year state (fen), for comparisons by name
 * (conformance). Return -1 for an unknown name. */
int setlinfo_field(const struct setlinfo *setl, const char *name, int64_t *out);
int state_field(const struct year_state *state, const char *name, int64_t *out);

#endif
