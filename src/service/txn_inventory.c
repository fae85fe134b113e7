/* txn_inventory.c: pharmacies' inventory feeds (issue 18, item 4;
 * docs/INTEROP.md "Inventory"): 3501 stock-taking, 3502 stock changes,
 * 3503 purchases, 3504 purchase returns, 3505 sales, 3506 sales returns,
 * each a record per item with the pharmacy's batch number
 * (fixmedins_bchno) as its id, and 3507 the deletion of an earlier record
 * by that id. Each node (invinfo, purcinfo, selinfo) is one object or an
 * array of at most INV_LINES_MAX; the request is recorded whole or not at
 * all (a refused line refuses it), replayable by msgid like every write.
 * The rows are those `yibao import inventory` writes (one checker,
 * store/enrol_rows.c), read by the substitution scan (app/scan.c). */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/inventory.h"
#include "service/svc.h"
#include "store/enrol_rows.h"

/* The request's field for each column of the row, per kind (NULL: none). */
struct inv_shape {
    const char *node;
    const char *cnt, *day; /* the quantity and the date fields */
};
static const struct inv_shape SHAPES[INV_KIND_COUNT] = {
    [INV_STOCKTAKE] = {"invinfo", "inv_cnt", "invdate"},
    [INV_CHANGE] = {"invinfo", "cnt", "inv_chg_time"},
    [INV_PURCHASE] = {"purcinfo", "purc_retn_cnt", "purc_retn_stoin_time"},
    [INV_PURCHASE_RETURN] = {"purcinfo", "purc_retn_cnt", "purc_retn_stoin_time"},
    [INV_SALE] = {"selinfo", "sel_retn_cnt", "sel_retn_time"},
    [INV_SALE_RETURN] = {"selinfo", "sel_retn_cnt", "sel_retn_time"},
};

/* The request's name of column col of kind's rows. */
static const char *field_name(enum inv_kind kind, int col) {
    assert(kind >= 0 && kind < INV_KIND_COUNT);
    switch (col) {
    case INV_BCHNO: return "fixmedins_bchno";
    case INV_ITEM: return "med_list_codg";
    case INV_DAY: return SHAPES[kind].day;
    case INV_CNT: return SHAPES[kind].cnt;
    case INV_CHG: return "inv_chg_type";
    case INV_SETL: return "setl_id";
    default: return "fixmedins_code";
    }
}

/* One record of the node into row; path names it in refusals. */
static int inv_record(struct svc_call *c, enum inv_kind kind, const struct json_value *rec,
                      const char *path, struct store_enrol_row *row) {
    char text[ENROL_COLS_MAX][NAME_BYTES_MAX + 1];
    const char *cols[ENROL_COLS_MAX];
    assert(c != NULL && rec != NULL && path != NULL && row != NULL);
    if (rec->type != JSON_OBJECT) return svc_fail(c, "%s: not an object", path);
    memset(text, 0, sizeof text);
    snprintf(text[INV_CODE], sizeof text[0], "%s", c->fixmedins_code);
    snprintf(text[INV_INFNO], sizeof text[0], "%s", inv_infno(kind));
    for (int col = INV_BCHNO; col <= INV_SETL; col++) {
        bool required = col <= INV_CNT;
        if (in_code(c, rec, field_name(kind, col), path, required, text[col], sizeof text[0]) < 0)
            return -1;
    }
    for (int col = 0; col < ENROL_COLS_MAX; col++) cols[col] = text[col];
    int bad = 0;
    const char *why = inventory_row_make(cols, row, &bad);
    if (why != NULL)
        return svc_fail(c, "%s.%s: '%s' %s", path, field_name(kind, bad), text[bad], why);
    return 0;
}

/* 3501-3506: every record checked, then each inserted; a batch number
 * recorded already for this transaction (by another msgid, or twice in
 * the request) refuses the request. */
int txn_inventory(struct svc_call *c) {
    assert(c->txn != NULL && c->txn->replayable && c->db != c->svc->rdb); /* on a writer */
    int k = inv_kind_of(c->txn->infno);
    assert(k >= 0);
    enum inv_kind kind = (enum inv_kind)k;
    char path[64];
    const char *node = SHAPES[kind].node;
    const struct json_value *v = json_get(c->input, node);
    if (v == NULL || v->type == JSON_NULL) return svc_fail(c, "input.%s: missing", node);
    bool many = v->type == JSON_ARRAY;
    if (many && v->len == 0) return svc_fail(c, "input.%s: empty", node);
    if (many && v->len > INV_LINES_MAX)
        return svc_fail(c, "input.%s: %" PRIu32 " records, more than %d a request", node, v->len,
                        INV_LINES_MAX);
    int32_t n = 0;
    for (const struct json_value *rec = many ? v->child : v; rec != NULL;
         rec = many ? rec->next : NULL, n++) {
        if (many) snprintf(path, sizeof path, "input.%s[%" PRId32 "]", node, n);
        else snprintf(path, sizeof path, "input.%s", node);
        struct store_enrol_row row;
        bool inserted = false;
        if (inv_record(c, kind, rec, path, &row) != 0) return -1;
        if (c->svc->cfg.dry_run) continue;
        if (svcdb_inv_put(c->db, &row, &inserted) != 0)
            return svc_fail(c, "storage: %s", svcdb_error(c->db));
        if (!inserted)
            return svc_fail(c,
                            "%s.fixmedins_bchno: '%s' is recorded already (%s): delete it with "
                            "3507 first",
                            path, row.col[INV_BCHNO], inv_infno(kind));
    }
    struct jw w;
    jw_begin(&w, c->output);
    jw_int(&w, "rec_cnt", n); /* ours: the records written */
    jw_end(&w);
    return 0;
}

/* 3507: data{fixmedins_bchno, inv_data_type}: 1 stock-taking, 2 stock
 * change, 3 purchase (and its return), 4 sale (and its return). */
int txn_inventory_delete(struct svc_call *c) {
    static const char *const types[][2] = {
        {"3501", "3501"}, {"3502", "3502"}, {"3503", "3504"}, {"3505", "3506"}};
    const char *p = "input.data";
    char bchno[CODE_BYTES_MAX + 1];
    int64_t type = 0, deleted = 0;
    assert(c->txn != NULL && c->txn->replayable && c->db != c->svc->rdb); /* on a writer */
    const struct json_value *data = in_object(c, c->input, "data", "input", true);
    if (data == NULL || in_code(c, data, "fixmedins_bchno", p, true, bchno, sizeof bchno) != 0 ||
        in_int(c, data, "inv_data_type", p, true, 1, 4, &type) != 0)
        return -1;
    const char *const *t = types[type - 1];
    if (svcdb_inv_delete(c->db, c->fixmedins_code, t[0], t[1], bchno, &deleted) != 0)
        return svc_fail(c, "storage: %s", svcdb_error(c->db));
    if (deleted == 0)
        return svc_fail(c, "%s.fixmedins_bchno: no record '%s' of inv_data_type %" PRId64, p, bchno,
                        type);
    struct jw w;
    jw_begin(&w, c->output);
    jw_int(&w, "deleted_cnt", deleted); /* ours */
    jw_end(&w);
    return 0;
}
