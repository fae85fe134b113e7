/* txn_catalog.c: the catalog as a hospital's integration reads it, and
 * the mapping of its own item codes: downloads (1301 drugs, 1305
 * services, 1306 consumables, 1307 diagnoses) answered with a file query
 * number that 9102 turns into the file; the paged queries (1312 items,
 * 1318 price caps, 1319 pre-self-pay ratios); the mapping upload (3301)
 * and revoke (3302), kept in svc_mapping. Read from the registry held for
 * the request (docs/INTEROP.md, "Catalog transactions").
 *
 * Our catalog (core/catalog.h) keeps what settles: class, share, cap.
 * The names and kinds (drug, service, material) the downloads and 1312
 * answer are read from the file the last catalog import keeps in the
 * journal (journal_data), once per registry generation; a catalog
 * imported before files were kept has none: names "", lists by code.
 *
 * The catalog's version is the registry's generation (the seq of the last
 * import). A file is not stored: its file_qury_no names what it holds
 * ("1301-42-A": 1301's list at generation 42, all items), and 9102 makes
 * it again from the registry, as long as the generation is still the
 * registry's. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "core/money.h"
#include "service/svc.h"

/* ---- the lists ---------------------------------------------------------- */
/* Which download lists an item whose kind is not known, by its national
 * code's first letter (as 2204's med_chrgitm_type). */
static enum svc_list list_of_code(const char *code) {
    assert(code != NULL);
    switch (code[0]) {
    case 'X':
    case 'Z':
    case 'T': return SVC_LIST_DRUGS;
    case 'C': return SVC_LIST_MATERIALS;
    default: return SVC_LIST_SERVICES;
    }
}

/* ---- names and kinds, from the catalog import's kept file --------------- */
struct text_row {
    char code[CODE_BYTES_MAX + 1];
    enum svc_list list; /* SVC_LIST_NONE: the file gives no kind */
    size_t name_at;     /* into names */
};

struct svc_catalog_text {
    int64_t gen;           /* the registry generation it was checked at; -1: never */
    int64_t seq;           /* the catalog import it was read from; 0: none */
    struct text_row *rows; /* sorted by code */
    size_t count, cap;
    char *names;
    size_t names_len, names_cap;
};

void svc_catalog_text_free(struct svc_catalog_text *t) {
    if (t == NULL) return;
    assert(t->count <= t->cap && t->names_len <= t->names_cap);
    free(t->rows);
    free(t->names);
    free(t);
}

static void text_clear(struct svc_catalog_text *t) {
    assert(t != NULL);
    t->count = t->names_len = 0;
    t->seq = 0;
}

static int text_add(void *ctx, const char *code, const char *name, const char *kind) {
    struct svc_catalog_text *t = ctx;
    size_t len = strlen(name) + 1;
    assert(t != NULL && strlen(code) <= CODE_BYTES_MAX && len <= NAME_BYTES_MAX + 1);
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        struct text_row *rows = realloc(t->rows, cap * sizeof *rows);
        if (rows == NULL) return -1;
        t->rows = rows;
        t->cap = cap;
    }
    if (t->names_len + len > t->names_cap) {
        size_t cap = t->names_cap ? t->names_cap * 2 : 4096;
        while (cap < t->names_len + len) cap *= 2;
        char *names = realloc(t->names, cap);
        if (names == NULL) return -1;
        t->names = names;
        t->names_cap = cap;
    }
    struct text_row *r = &t->rows[t->count++];
    snprintf(r->code, sizeof r->code, "%s", code);
    r->list = strcmp(kind, "drug") == 0       ? SVC_LIST_DRUGS
              : strcmp(kind, "service") == 0  ? SVC_LIST_SERVICES
              : strcmp(kind, "material") == 0 ? SVC_LIST_MATERIALS
                                              : SVC_LIST_NONE;
    r->name_at = t->names_len;
    memcpy(t->names + t->names_len, name, len);
    t->names_len += len;
    return 0;
}

static int text_row_cmp(const void *a, const void *b) {
    return strcmp(((const struct text_row *)a)->code, ((const struct text_row *)b)->code);
}

/* The kept file of the import (journal_data of its seq), parsed. */
static int text_parse(void *ctx, const struct journal_data *d) {
    struct svc_catalog_text *t = ctx;
    struct json_limits limits = {JSON_BYTES_MAX, JSON_DEPTH_MAX, JSON_NODES_MAX};
    struct json_error jerr;
    char err[256];
    assert(t != NULL && d != NULL && t->count == 0);
    struct json_doc *doc = json_doc_new(&limits);
    if (doc == NULL) return -1;
    const struct json_value *root = json_parse(doc, (const char *)d->bytes, d->len, &jerr);
    int rc = root != NULL ? catalog_text_from_json(root, text_add, t, err, sizeof err) : -1;
    json_doc_free(doc);
    if (rc == 0) qsort(t->rows, t->count, sizeof *t->rows, text_row_cmp);
    return rc;
}

/* Reads the names and kinds again when the last catalog import is not the
 * one they were read from. Any failure leaves none (names "", lists by
 * code): the answer is still the catalog's. */
static void text_refresh(struct svc_call *c, struct svc_catalog_text *t) {
    const struct store_backend *ops = store_ops(c->svc->store);
    int64_t seq = 0;
    struct store_err err;
    assert(t != NULL && c->svc->scan_conn != NULL);
    t->gen = registry_gen(c->reg);
    pthread_mutex_lock(&c->svc->scan_lock);
    if (ops->last_import(c->svc->scan_conn, "catalog", &seq, &err) != 0) seq = -1;
    if (seq != t->seq) {
        text_clear(t);
        if (seq > 0 && ops->data_scan(c->svc->scan_conn, seq, seq, text_parse, t, &err) == 0)
            t->seq = seq;
        else text_clear(t);
    }
    pthread_mutex_unlock(&c->svc->scan_lock);
}

/* The service's names and kinds, locked until text_release; NULL when
 * they cannot be had (out of memory): then none. */
static const struct svc_catalog_text *text_hold(struct svc_call *c) {
    struct service *svc = c->svc;
    pthread_mutex_lock(&svc->text_lock);
    if (svc->text == NULL) {
        svc->text = calloc(1, sizeof *svc->text);
        if (svc->text != NULL) svc->text->gen = -1;
    }
    if (svc->text != NULL && svc->text->gen != registry_gen(c->reg)) text_refresh(c, svc->text);
    assert(svc->text == NULL || svc->text->gen == registry_gen(c->reg));
    return svc->text;
}

static void text_release(struct svc_call *c) {
    assert(c != NULL);
    pthread_mutex_unlock(&c->svc->text_lock);
}

static const struct text_row *text_find(const struct svc_catalog_text *t, const char *code) {
    struct text_row key;
    assert(code != NULL);
    if (t == NULL || t->count == 0) return NULL;
    snprintf(key.code, sizeof key.code, "%s", code);
    return bsearch(&key, t->rows, t->count, sizeof *t->rows, text_row_cmp);
}

/* The list an item is in: its kind, else by its code. */
static enum svc_list list_of(const struct svc_catalog_text *t, const char *code) {
    const struct text_row *r = text_find(t, code);
    assert(code != NULL);
    return r != NULL && r->list != SVC_LIST_NONE ? r->list : list_of_code(code);
}

static const char *name_of(const struct svc_catalog_text *t, const char *code) {
    const struct text_row *r = text_find(t, code);
    assert(code != NULL);
    return r != NULL ? t->names + r->name_at : "";
}

/* list_type as the interface numbers it: 101 drugs, 201 services, 301 consumables. */
static const char *list_type_of(enum svc_list list) {
    assert(list == SVC_LIST_DRUGS || list == SVC_LIST_SERVICES || list == SVC_LIST_MATERIALS);
    return list == SVC_LIST_DRUGS ? "101" : list == SVC_LIST_SERVICES ? "201" : "301";
}

static const char *class_level(enum item_class cls) {
    assert(cls >= CLASS_A && cls <= CLASS_C);
    return cls == CLASS_A ? "01" : cls == CLASS_B ? "02" : "03";
}

/* An item's price cap as the interface answers it: 999999 when none. */
static int cap_text(const struct catalog_item *it, char *out, size_t size) {
    assert(it != NULL && out != NULL && size >= 32);
    int64_t scaled = it->cap_price_scaled < 0 ? (int64_t)SVC_NO_CAP_FEN * 10000
                                              : it->cap_price_scaled;
    return scaled_format(scaled, 6, out, size);
}

/* The pre-self-pay share of an item under a policy (NULL: the item's own
 * only; -1 when it has none): class A 0, class C 1, class B its own or
 * the policy's class_b_prepay. */
static int32_t selfpay_bp(const struct catalog_item *it, const struct policy *pol) {
    assert(it != NULL);
    if (it->item_class == CLASS_A) return 0;
    if (it->item_class == CLASS_C) return RATIO_ONE_BP;
    if (it->prepay_bp >= 0) return it->prepay_bp;
    return pol != NULL ? pol->class_b_prepay_bp : -1;
}

/* The date (yyyy-MM-dd) of the registry's last import: when the catalog
 * answered took effect; today's when nothing was imported. */
static int version_date(struct svc_call *c, char out[SVC_DATE_BYTES + 1]) {
    int64_t gen = registry_gen(c->reg), time_s = c->now_s;
    assert(gen >= 0 && c->svc->scan_conn != NULL);
    if (gen > 0) {
        struct journal_rec rec;
        bool found = false;
        struct store_err err;
        pthread_mutex_lock(&c->svc->scan_lock);
        int rc = store_ops(c->svc->store)
                     ->journal_by_seq(c->svc->scan_conn, &gen, 1, &rec, &found, &err);
        pthread_mutex_unlock(&c->svc->scan_lock);
        if (rc != 0) return svc_fail(c, "storage: %s", err.msg);
        if (found) time_s = rec.time_us / 1000000;
    }
    char text[20];
    datetime_format(svc_unix_to_local(time_s), text);
    memcpy(out, text, SVC_DATE_BYTES);
    out[SVC_DATE_BYTES] = '\0';
    return 0;
}

/* ---- download files (1301-1307, made again by 9102) --------------------- */
/* A cell and its separator; a tab or line break inside a name becomes a
 * space, so that every row stays one line of the same columns. */
static void tsv_cell(struct json_buf *b, const char *text, char end) {
    assert(b != NULL && text != NULL);
    for (const char *p = text; *p != '\0';) {
        size_t n = strcspn(p, "\t\r\n");
        json_buf_raw(b, p, n);
        p += n;
        if (*p != '\0') {
            json_buf_char(b, ' ');
            p++;
        }
    }
    json_buf_char(b, end);
}

static int64_t items_file(const struct catalog *cat, const struct svc_catalog_text *text,
                          enum svc_list list, struct json_buf *b) {
    static const char head[] = "med_list_codg\thilist_name\tlist_type\tmed_chrgitm_type\t"
                               "chrgitm_lv\tselfpay_prop\tpric_uplmt_amt\tvali_flag\n";
    int64_t rows = 0;
    assert(cat != NULL && b != NULL);
    json_buf_raw(b, head, sizeof head - 1);
    for (size_t i = 0; i < cat->count; i++) {
        const struct catalog_item *it = &cat->items[i];
        if (list_of(text, it->code) != list) continue;
        char cap[40], prop[32] = "";
        int32_t bp = selfpay_bp(it, NULL);
        if (bp >= 0) (void)ratio_format(bp, prop, sizeof prop);
        (void)cap_text(it, cap, sizeof cap);
        tsv_cell(b, it->code, '\t');
        tsv_cell(b, name_of(text, it->code), '\t');
        tsv_cell(b, list_type_of(list), '\t');
        tsv_cell(b, svc_charge_item_type(it->code), '\t');
        tsv_cell(b, class_level(it->item_class), '\t');
        tsv_cell(b, prop, '\t');
        tsv_cell(b, cap, '\t');
        tsv_cell(b, "1", '\n');
        rows++;
    }
    return rows;
}

/* 1307: the diagnoses our policies name: special diseases (with their
 * annual cap) and the prefixes that waive the inpatient deductible, each
 * year's policy in the version in force at `now` (a past year's: its last;
 * a coming year's: its first). */
static int64_t diagnoses_file(const struct registry *reg, datetime_s now, struct json_buf *b) {
    static const char head[] = "diag_list_codg\tdiag_name\tdiag_type\tinsu_admdvs\tinsutype\t"
                               "year\tannual_cap\n";
    size_t n = 0;
    const struct policy *pols = registry_policies(reg, &n);
    int64_t rows = 0;
    assert(b != NULL && (pols != NULL || n == 0));
    json_buf_raw(b, head, sizeof head - 1);
    for (size_t p = 0; p < n; p++) {
        const struct policy *pol = &pols[p];
        /* a policy of several versions (valid_from): the one in force lists them */
        if (registry_policy_at(reg, pol->region, pol->year, pol->insutype, now) != pol) continue;
        char scheme[32];
        snprintf(scheme, sizeof scheme, "%d\t%d\t", (int)pol->insutype, (int)pol->year);
        for (int32_t d = 0; d < pol->disease_count + pol->waived_dx_count; d++) {
            bool special = d < pol->disease_count;
            tsv_cell(b, special ? pol->diseases[d].code : pol->waived_dx[d - pol->disease_count],
                     '\t');
            tsv_cell(b, "", '\t');
            tsv_cell(b, special ? "special_disease" : "deductible_waived_prefix", '\t');
            tsv_cell(b, pol->region, '\t');
            json_buf_raw(b, scheme, strlen(scheme));
            if (special && pol->diseases[d].annual_cap_fen >= 0)
                json_buf_fen(b, pol->diseases[d].annual_cap_fen);
            json_buf_char(b, '\n');
            rows++;
        }
    }
    return rows;
}

static int64_t list_file(const struct svc_call *c, const struct svc_catalog_text *text,
                         enum svc_list list, bool empty, struct json_buf *b) {
    assert(list >= SVC_LIST_DRUGS && list <= SVC_LIST_DIAGNOSES);
    if (empty) return 0; /* the client holds this version already: an empty file */
    if (list == SVC_LIST_DIAGNOSES) return diagnoses_file(c->reg, svc_unix_to_local(c->now_s), b);
    return items_file(registry_catalog(c->reg), text, list, b);
}

/* "1301-42-A": the infno, the generation, A all rows or E none. */
static void qury_no_format(const char *infno, int64_t gen, bool empty, char *out, size_t size) {
    assert(infno != NULL && gen >= 0 && size >= SVC_FILE_QURY_NO_BYTES_MAX + 1);
    snprintf(out, size, "%s-%" PRId64 "-%c", infno, gen, empty ? 'E' : 'A');
}

int txn_catalog_file(struct svc_call *c) {
    const struct json_value *data = in_object(c, c->input, "data", "input", true);
    char ver[CODE_BYTES_MAX + 1], now_ver[24], qury_no[SVC_FILE_QURY_NO_BYTES_MAX + 1];
    char date[SVC_DATE_BYTES + 1], filename[64];
    assert(c->txn != NULL && !c->txn->writes && c->txn->list >= SVC_LIST_DRUGS);
    if (data == NULL || in_code(c, data, "ver", "input.data", true, ver, sizeof ver) != 0)
        return -1;
    int64_t gen = registry_gen(c->reg);
    snprintf(now_ver, sizeof now_ver, "%" PRId64, gen);
    bool empty = strcmp(ver, now_ver) == 0 && strcmp(ver, "0") != 0;
    if (version_date(c, date) != 0) return -1;
    json_buf_reset(&c->w->scratch);
    const struct svc_catalog_text *text = text_hold(c);
    int64_t rows = list_file(c, text, c->txn->list, empty, &c->w->scratch);
    text_release(c);
    qury_no_format(c->infno, gen, empty, qury_no, sizeof qury_no);
    snprintf(filename, sizeof filename, "%s_%s.txt", c->infno, now_ver);
    char until[20]; /* 9102 serves it while the catalog stays at this version */
    datetime_format(svc_unix_to_local(c->now_s + SVC_DAY_S), until);
    until[10] = '\0';
    struct jw w;
    jw_begin(&w, c->output);
    jw_str(&w, "file_qury_no", qury_no);
    jw_str(&w, "filename", filename);
    jw_str(&w, "dld_end_time", until);
    jw_int(&w, "data_cnt", rows);
    jw_str(&w, "ver", now_ver);
    jw_str(&w, "ver_date", date);
    jw_end(&w);
    return 0;
}

/* ---- paged queries (1312, 1318, 1319) ----------------------------------- */
/* A query's rows: the catalog's items (or the one hilist_code names),
 * times the schemes for 1319 (one row per item and scheme). */
struct page_rows {
    const struct catalog *cat;
    const struct svc_catalog_text *text; /* names and kinds; NULL: none */
    const struct catalog_item *only;     /* hilist_code given */
    bool none;                           /* hilist_code given and not in the catalog */
    const struct policy *schemes[2];     /* 1319: the region's employee and resident policies */
    int scheme_count;
};

static int64_t rows_count(const struct page_rows *r) {
    assert(r != NULL && r->scheme_count >= 1 && r->scheme_count <= 2);
    if (r->none) return 0;
    int64_t items = r->only != NULL ? 1 : (int64_t)r->cat->count;
    return items * r->scheme_count;
}

static void page_row(struct svc_call *c, struct jw *w, const struct page_rows *r, int64_t at,
                     const char *date) {
    const struct catalog_item *it = r->only != NULL
                                        ? r->only
                                        : &r->cat->items[(size_t)(at / r->scheme_count)];
    const struct policy *pol = r->schemes[at % r->scheme_count];
    char text[CODE_BYTES_MAX + 16];
    assert(at >= 0 && at < rows_count(r));
    jw_obj(w, NULL);
    jw_str(w, "hilist_code", it->code);
    jw_str(w, "insu_admdvs", c->inst->region);
    jw_str(w, "begndate", date);
    jw_str(w, "enddate", "");
    if (c->txn->list == SVC_LIST_ITEMS) {
        jw_str(w, "hilist_name", name_of(r->text, it->code));
        jw_str(w, "med_chrgitm_type", svc_charge_item_type(it->code));
        jw_str(w, "chrgitm_lv", class_level(it->item_class));
        jw_str(w, "lmt_used_flag", "0");
        jw_str(w, "list_type", list_type_of(list_of(r->text, it->code)));
        static const char *const empty[] = {"med_use_flag",  "matn_used_flag", "hilist_use_type",
                                            "lmt_cpnd_type", "wubi",           "pinyin",
                                            "memo"};
        for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) jw_str(w, empty[i], "");
    } else if (c->txn->list == SVC_LIST_CAPS) {
        jw_str(w, "hilist_lmtpric_type", it->cap_price_scaled < 0 ? "" : "1");
        jw_str(w, "overlmt_dspo_way", it->cap_price_scaled < 0 ? "" : "1");
        int n = cap_text(it, text, sizeof text);
        jw_raw(w, "hilist_pric_uplmt_amt", text, (size_t)n);
    } else {
        assert(c->txn->list == SVC_LIST_SELFPAY);
        snprintf(text, sizeof text, "%d", pol != NULL ? (int)pol->insutype : 0);
        jw_str(w, "selfpay_prop_psn_type", pol != NULL ? text : "");
        jw_str(w, "selfpay_prop_type", class_level(it->item_class));
        int32_t bp = selfpay_bp(it, pol);
        jw_bp(w, "selfpay_prop", bp < 0 ? RATIO_ONE_BP : bp);
    }
    jw_str(w, "vali_flag", "1");
    snprintf(text, sizeof text, "%s-%s", c->infno, it->code);
    jw_str(w, "rid", text);
    jw_str(w, "updt_time", date);
    jw_str(w, "crte_time", date);
    jw_close(w, '}');
}

/* 1319's schemes: the region's policies for this year in the version in
 * force now (else any year),
 * employee then resident; none: one row per item with the item's own share. */
static void page_schemes(struct svc_call *c, struct page_rows *r) {
    static const int32_t insutypes[] = {INSUTYPE_EMPLOYEE, INSUTYPE_RESIDENT};
    int32_t year = datetime_year(svc_unix_to_local(c->now_s));
    assert(r->scheme_count == 0);
    for (size_t i = 0; c->txn->list == SVC_LIST_SELFPAY && i < 2; i++) {
        const struct policy *p = registry_policy_at(c->reg, c->inst->region, year, insutypes[i],
                                                    svc_unix_to_local(c->now_s));
        if (p == NULL) p = registry_policy_fallback(c->reg, c->inst->region, insutypes[i]);
        if (p != NULL && p->insutype == insutypes[i]) r->schemes[r->scheme_count++] = p;
    }
    if (r->scheme_count == 0) r->schemes[r->scheme_count++] = NULL;
}

static void page_counters(struct jw *w, int64_t num, int64_t size, int64_t total) {
    int64_t pages = (total + size - 1) / size;
    int64_t start = (num - 1) * size;
    int64_t on_page = start >= total ? 0 : (total - start < size ? total - start : size);
    assert(num >= 1 && size >= 1 && total >= 0);
    jw_int(w, "pageNum", num);
    jw_int(w, "pageSize", size);
    jw_int(w, "size", on_page);
    jw_int(w, "startRow", on_page > 0 ? start + 1 : 0);
    jw_int(w, "endRow", on_page > 0 ? start + on_page : 0);
    jw_int(w, "pages", pages);
    jw_int(w, "recordCounts", total);
    jw_int(w, "firstPage", 1);
    jw_int(w, "lastPage", pages > 0 ? pages : 1);
    jw_raw(w, "isFirstPage", num == 1 ? "true" : "false", num == 1 ? 4 : 5);
    jw_raw(w, "isLastPage", num >= pages ? "true" : "false", num >= pages ? 4 : 5);
    jw_raw(w, "hasPreviousPage", num > 1 ? "true" : "false", num > 1 ? 4 : 5);
    jw_raw(w, "hasNextPage", num < pages ? "true" : "false", num < pages ? 4 : 5);
}

int txn_catalog_page(struct svc_call *c) {
    const char *p = "input.data";
    const struct json_value *data = in_object(c, c->input, "data", "input", true);
    int64_t num = 0, size = 0;
    char code[CODE_BYTES_MAX + 1] = "", date[SVC_DATE_BYTES + 1];
    assert(c->txn != NULL && !c->txn->writes && c->txn->list >= SVC_LIST_ITEMS);
    if (data == NULL || in_int(c, data, "page_num", p, true, 1, INT32_MAX, &num) != 0 ||
        in_int(c, data, "page_size", p, true, 1, INT32_MAX, &size) != 0 ||
        in_code(c, data, "hilist_code", p, false, code, sizeof code) < 0)
        return -1;
    if (size > SVC_PAGE_SIZE_MAX)
        return svc_fail(c, "input.data.page_size: %" PRId64 " is more than the limit %d", size,
                        SVC_PAGE_SIZE_MAX);
    struct page_rows r = {.cat = registry_catalog(c->reg)};
    if (code[0] != '\0') {
        r.only = catalog_find(r.cat, code);
        r.none = r.only == NULL;
    }
    page_schemes(c, &r);
    if (version_date(c, date) != 0) return -1;
    int64_t total = rows_count(&r);
    struct jw w;
    jw_begin(&w, c->output);
    jw_arr(&w, "data");
    r.text = text_hold(c);
    for (int64_t at = (num - 1) * size; at < total && at < num * size; at++)
        page_row(c, &w, &r, at, date);
    text_release(c);
    jw_close(&w, ']');
    page_counters(&w, num, size, total);
    jw_end(&w);
    return 0;
}

/* ---- 9102: a file named by its file_qury_no ----------------------------- */
/* "1301-42-A" -> the download's transaction, generation and kind; false
 * when it is not one of ours. */
static bool qury_no_parse(const char *text, const struct svc_txn **t, int64_t *gen, bool *empty) {
    char infno[8];
    assert(text != NULL && t != NULL && gen != NULL && empty != NULL);
    const char *dash = strchr(text, '-');
    if (dash == NULL || dash - text < 1 || dash - text >= (long)sizeof infno) return false;
    memcpy(infno, text, (size_t)(dash - text));
    infno[dash - text] = '\0';
    *t = svc_txn_find(infno);
    if (*t == NULL) return false;
    char *end = NULL;
    long long g = strtoll(dash + 1, &end, 10);
    if (end == dash + 1 || g < 0 || end[0] != '-' || (end[1] != 'A' && end[1] != 'E') ||
        end[2] != '\0')
        return false;
    *gen = (int64_t)g;
    *empty = end[1] == 'E';
    return (*t)->list >= SVC_LIST_DRUGS && (*t)->list <= SVC_LIST_DIAGNOSES;
}

/* "3202-20200601-20200630": 3202's detail of a period. */
static bool detail_qury_no_parse(const char *text, datetime_s *begn, datetime_s *end) {
    int y1, m1, d1, y2, m2, d2;
    char tail;
    assert(text != NULL && begn != NULL && end != NULL);
    if (sscanf(text, "3202-%4d%2d%2d-%4d%2d%2d%c", &y1, &m1, &d1, &y2, &m2, &d2, &tail) != 6)
        return false;
    if (m1 < 1 || m1 > 12 || d1 < 1 || d1 > 31 || m2 < 1 || m2 > 12 || d2 < 1 || d2 > 31)
        return false;
    *begn = datetime_from_civil(y1, m1, d1, 0, 0, 0);
    *end = datetime_from_civil(y2, m2, d2, 0, 0, 0);
    return *begn <= *end;
}

static int file_make(struct svc_call *c, const char *no, const char *p, int64_t *rows) {
    const struct svc_txn *t = NULL;
    int64_t gen = 0;
    bool empty = false;
    datetime_s begn, end;
    assert(no != NULL && rows != NULL);
    json_buf_reset(&c->w->scratch);
    if (detail_qury_no_parse(no, &begn, &end))
        return svc_detail_file(c, begn, end, &c->w->scratch, rows);
    if (!qury_no_parse(no, &t, &gen, &empty))
        return svc_fail(c, "%s.file_qury_no: no such file '%s'", p, no);
    if (gen != registry_gen(c->reg))
        return svc_fail(c,
                        "%s.file_qury_no: '%s' lists version %" PRId64 "; the catalog is at "
                        "version %" PRId64 " now (ask %s again)",
                        p, no, gen, registry_gen(c->reg), t->infno);
    const struct svc_catalog_text *text = text_hold(c);
    *rows = list_file(c, text, t->list, empty, &c->w->scratch);
    text_release(c);
    return 0;
}

int txn_file_download(struct svc_call *c) {
    const char *p = "input.fsDownloadIn";
    const struct json_value *in = in_object(c, c->input, "fsDownloadIn", "input", true);
    char no[SVC_FILE_QURY_NO_BYTES_MAX + 1], filename[128] = "";
    int64_t rows = 0;
    assert(c->txn != NULL && !c->txn->writes);
    if (in == NULL || in_code(c, in, "file_qury_no", p, true, no, sizeof no) != 0 ||
        in_code(c, in, "filename", p, false, filename, sizeof filename) < 0 ||
        file_make(c, no, p, &rows) != 0)
        return -1;
    if (c->w->scratch.failed) return svc_fail(c, "out of memory");
    struct jw w;
    jw_begin(&w, c->output);
    jw_str(&w, "file_qury_no", no);
    jw_str(&w, "filename", filename);
    jw_int(&w, "data_cnt", rows);
    jw_int(&w, "file_size", (int64_t)c->w->scratch.len);
    jw_str(&w, "file_format", "text/tab-separated-values; charset=utf-8");
    jw_str(&w, "file_content", c->w->scratch.data != NULL ? c->w->scratch.data : "");
    jw_end(&w);
    return 0;
}

/* ---- 3301, 3302: the institution's codes mapped to the catalog's -------- */
static int mapping_date(struct svc_call *c, const struct json_value *data, const char *key,
                        char out[SVC_DATE_BYTES + 1]) {
    datetime_s t;
    assert(data != NULL && key != NULL);
    if (in_time(c, data, key, "input.data", true, &t) != 0) return -1;
    char text[20];
    datetime_format(t, text);
    memcpy(out, text, SVC_DATE_BYTES);
    out[SVC_DATE_BYTES] = '\0';
    return 0;
}

/* The list type must be the catalog item's (101 drugs, 201 services, 301
 * consumables; 102, 103, 104 are drugs too). */
static int mapping_check(struct svc_call *c, const struct svc_mapping *m) {
    static const char *const drug_types[] = {"101", "102", "103", "104"};
    const struct catalog_item *it = catalog_find(registry_catalog(c->reg), m->med_list_codg);
    assert(m != NULL);
    if (it == NULL)
        return svc_fail(c, "input.data.med_list_codg: '%s' is not in the catalog",
                        m->med_list_codg);
    enum svc_list list = list_of(text_hold(c), it->code);
    text_release(c);
    bool drug_type = false;
    for (size_t i = 0; i < sizeof drug_types / sizeof drug_types[0]; i++)
        drug_type |= strcmp(m->list_type, drug_types[i]) == 0;
    bool fits = list == SVC_LIST_DRUGS ? drug_type : strcmp(m->list_type, list_type_of(list)) == 0;
    if (!fits)
        return svc_fail(c, "input.data.list_type: '%s' is not the list of '%s' (%s)", m->list_type,
                        it->code, list_type_of(list));
    if (strcmp(m->enddate, m->begndate) < 0)
        return svc_fail(c, "input.data.enddate: before begndate");
    return 0;
}

/* 3301: an upload of a mapping already held updates it (name, code,
 * dates): the document's re-upload after a change. */
int txn_mapping_upload(struct svc_call *c) {
    const char *p = "input.data";
    const struct json_value *data = in_object(c, c->input, "data", "input", true);
    struct svc_mapping m = {.time_s = c->now_s};
    assert(c->txn != NULL && c->txn->replayable && c->db != c->svc->rdb); /* on a writer */
    snprintf(m.fixmedins_code, sizeof m.fixmedins_code, "%s", c->fixmedins_code);
    if (data == NULL ||
        in_code(c, data, "fixmedins_hilist_id", p, true, m.hilist_id, sizeof m.hilist_id) != 0 ||
        in_code(c, data, "fixmedins_hilist_name", p, true, m.hilist_name, sizeof m.hilist_name) !=
            0 ||
        in_code(c, data, "list_type", p, true, m.list_type, sizeof m.list_type) != 0 ||
        in_code(c, data, "med_list_codg", p, true, m.med_list_codg, sizeof m.med_list_codg) != 0 ||
        mapping_date(c, data, "begndate", m.begndate) != 0 ||
        mapping_date(c, data, "enddate", m.enddate) != 0 || mapping_check(c, &m) != 0)
        return -1;
    bool existed = false;
    if (!c->svc->cfg.dry_run && svcdb_mapping_put(c->db, &m, &existed) != 0)
        return svc_fail(c, "storage: %s", svcdb_error(c->db));
    struct jw w;
    jw_begin(&w, c->output);
    jw_str(&w, "fixmedins_hilist_id", m.hilist_id);
    jw_str(&w, "med_list_codg", m.med_list_codg);
    jw_str(&w, "updated", existed ? "1" : "0"); /* ours: 1 when it replaced a mapping */
    jw_end(&w);
    return 0;
}

/* 3302: its fields directly in input (the document's "no node"), or in
 * input.data as many clients send them; fixmedins_code must be the
 * envelope's. */
int txn_mapping_revoke(struct svc_call *c) {
    const struct json_value *data = json_get(c->input, "data");
    const char *p = data != NULL ? "input.data" : "input";
    char code[CODE_BYTES_MAX + 1], id[CODE_BYTES_MAX + 1], type[SVC_LIST_TYPE_BYTES_MAX + 1];
    char codg[CODE_BYTES_MAX + 1];
    assert(c->txn != NULL && c->txn->replayable && c->db != c->svc->rdb); /* on a writer */
    if (data == NULL) data = c->input;
    else if (in_object(c, c->input, "data", "input", true) == NULL) return -1;
    if (in_code(c, data, "fixmedins_code", p, true, code, sizeof code) != 0 ||
        in_code(c, data, "fixmedins_hilist_id", p, true, id, sizeof id) != 0 ||
        in_code(c, data, "list_type", p, true, type, sizeof type) != 0 ||
        in_code(c, data, "med_list_codg", p, true, codg, sizeof codg) != 0)
        return -1;
    if (strcmp(code, c->fixmedins_code) != 0)
        return svc_fail(c, "%s.fixmedins_code: '%s' is not the envelope's '%s'", p, code,
                        c->fixmedins_code);
    bool deleted = false;
    if (svcdb_mapping_delete(c->db, code, type, id, codg, &deleted) != 0)
        return svc_fail(c, "storage: %s", svcdb_error(c->db));
    if (!deleted)
        return svc_fail(c, "%s.fixmedins_hilist_id: no mapping of '%s' (list_type %s) to '%s'", p,
                        id, type, codg);
    struct jw w;
    jw_begin(&w, c->output);
    jw_end(&w);
    return 0;
}
