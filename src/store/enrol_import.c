/* enrol_import.c: `yibao import employers|episodes|wages|bindings FILE`
 * (issue 16, item 1; docs/ENROLMENT.md). import.c opens the write
 * transaction and the journal record (the file kept in journal_data, the
 * table's content hash in the body, as for institutions); this file reads
 * the rows, checks each against the registry and writes it. Any bad row
 * fails the whole file: "FILE:LINE: field: what".
 *
 * Checks beyond a row's own fields (enrol_rows.c): the persons and
 * employers a row names are registered; a key named twice in the file; a
 * registered row changed needs --operator and --reason (the same row again
 * is no change); an episode overlapping another of the same person and
 * scheme, registered or in the file; a binding to oneself, or to a holder
 * without a personal account (a resident, or whose policy has none).
 *
 * Rows go in batches of ENROL_BATCH_ROWS: parsed, then checked in file
 * order, then written by one enrol_put. A batch's registry reads are made
 * at once too (enrol_scan_set, persons_get of its persons: struct
 * who_cache, struct person_cache) and the checks read those: one round
 * trip on PostgreSQL, one prepared statement on SQLite (enrol_scan
 * prepares one a call, which cost most of a row). The first bad line
 * of the file is still the one named: a parse error flushes the rows
 * before it first. */
#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/sharing.h"
#include "store/enrol_rows.h"
#include "store/registry_rows.h"

/* A row of the file: its key, column 0 and line, in file order. */
struct key_slot {
    char key[ENROL_KEY_BYTES];
    char who[CODE_BYTES_MAX + 1]; /* column 0: a psn_no or emp_no */
    int64_t line;
};
#define KEY_INDEX_MIN 1024                    /* the index's first size (a power of two) */
#define ENROL_BATCH_ROWS 1024                 /* rows checked, then written, at once */
#define BATCH_WHOS_MAX (2 * ENROL_BATCH_ROWS) /* codes a batch names: a binding's two */
#define STRSET_SLOTS (4 * BATCH_WHOS_MAX)     /* a power of two, at most a quarter full */

/* A batch's codes (psn_no, emp_no), each once, with their position. */
struct strset {
    char (*text)[CODE_BYTES_MAX + 1]; /* BATCH_WHOS_MAX */
    size_t n;
    int32_t *slots; /* STRSET_SLOTS: a position, or -1 */
};

/* The registry rows of one table naming any of a batch's codes, read in
 * one round trip; for each code, its rows in key order (a list of
 * entries), as enrol_scan of that code gives them. */
struct who_cache {
    enum enrol_kind kind;
    bool filled;
    struct strset whos;
    int32_t *head, *tail; /* BATCH_WHOS_MAX: a code's first and last entry, or -1 */
    struct store_enrol_row *rows;
    size_t n_rows, cap_rows;
    struct cache_entry {
        int32_t row, next;
    } * entries;
    size_t n_entries, cap_entries;
};

/* The persons a batch names, read in one persons_get. */
struct person_cache {
    bool filled;
    struct strset keys;
    struct store_person *persons; /* BATCH_WHOS_MAX, at the key's position */
    bool *found;
};

struct enrol_importer {
    struct store *store;
    const struct store_backend *ops;
    struct store_conn *conn;
    enum enrol_kind kind;
    const struct enrol_table *t;
    const char *base;
    const struct store_import_note *note;
    struct store_err *err;
    struct enrol_import_out *out;
    struct key_slot *rows; /* the file's rows so far, out->rows of them */
    size_t row_cap;
    int64_t *index; /* open addressing: a row's position, or -1; at most half full */
    size_t index_size;
    /* rows parsed and waiting for their batch's checks and write, with
     * their lines (ENROL_BATCH_ROWS each; rows as enrol_put takes them) */
    struct store_enrol_row *batch;
    int64_t *batch_lines;
    size_t batch_n;
    bool sets;                    /* the backend reads sets (enrol_scan_set) */
    struct who_cache own, others; /* own: the file's table; others: employers (wages) */
    struct person_cache persons;
};

static int fail(struct enrol_importer *im, int64_t line, const char *field, const char *why) {
    assert(im != NULL && field != NULL && why != NULL);
    store_errf(im->err, "%s:%" PRId64 ": %s: %s", im->base, line, field, why);
    return -1;
}

/* The index slot of key: its row's, or the empty one where it goes. */
static int64_t *slot_of(const struct enrol_importer *im, const char *key) {
    assert(im->index_size > 0 && key != NULL);
    size_t i = (size_t)fnv1a_text(FNV_OFFSET, key) & (im->index_size - 1);
    while (im->index[i] >= 0 && strcmp(im->rows[im->index[i]].key, key) != 0)
        i = (i + 1) & (im->index_size - 1);
    return &im->index[i];
}

/* The row of key in the file, or NULL. */
static const struct key_slot *file_row(const struct enrol_importer *im, const char *key) {
    int64_t at = *slot_of(im, key);
    assert(at < im->out->rows);
    return at >= 0 ? &im->rows[at] : NULL;
}

/* Room for one more row: the rows grown, the index kept at most half full. */
static int room(struct enrol_importer *im) {
    assert(im != NULL && (size_t)im->out->rows <= im->row_cap);
    if ((size_t)im->out->rows == im->row_cap) {
        size_t cap = im->row_cap ? 2 * im->row_cap : KEY_INDEX_MIN / 2;
        struct key_slot *grown = realloc(im->rows, cap * sizeof *grown);
        if (grown == NULL) return store_errf(im->err, "%s: out of memory", im->base), -1;
        im->rows = grown, im->row_cap = cap;
    }
    if (2 * ((size_t)im->out->rows + 1) <= im->index_size) return 0;
    size_t size = im->index_size ? 2 * im->index_size : KEY_INDEX_MIN;
    int64_t *index = malloc(size * sizeof *index);
    if (index == NULL) return store_errf(im->err, "%s: out of memory", im->base), -1;
    for (size_t i = 0; i < size; i++) index[i] = -1;
    free(im->index);
    im->index = index, im->index_size = size;
    for (int64_t r = 0; r < im->out->rows; r++) *slot_of(im, im->rows[r].key) = r;
    return 0;
}

/* ---- a batch's reads at once (enrol_scan_set) ------------------------------------- */
static int strset_init(struct strset *set) {
    assert(set != NULL);
    set->n = 0;
    set->text = malloc(BATCH_WHOS_MAX * sizeof *set->text);
    set->slots = malloc(STRSET_SLOTS * sizeof *set->slots);
    if (set->text == NULL || set->slots == NULL) return -1;
    for (size_t i = 0; i < STRSET_SLOTS; i++) set->slots[i] = -1;
    return 0;
}

static void strset_free(struct strset *set) {
    assert(set != NULL);
    free(set->text);
    free(set->slots);
}

static void strset_clear(struct strset *set) {
    assert(set != NULL && set->n <= BATCH_WHOS_MAX);
    for (size_t i = 0; i < STRSET_SLOTS; i++) set->slots[i] = -1;
    set->n = 0;
}

/* The slot of code: its position's, or the empty one where it goes. */
static int32_t *strset_slot(const struct strset *set, const char *code) {
    size_t i = (size_t)fnv1a_text(FNV_OFFSET, code) & (STRSET_SLOTS - 1);
    assert(set->slots != NULL && code != NULL);
    while (set->slots[i] >= 0 && strcmp(set->text[set->slots[i]], code) != 0)
        i = (i + 1) & (STRSET_SLOTS - 1);
    return &set->slots[i];
}

static int32_t strset_find(const struct strset *set, const char *code) {
    return *strset_slot(set, code);
}

/* code added once (the batch names at most BATCH_WHOS_MAX); "" is none. */
static void strset_add(struct strset *set, const char *code) {
    assert(set != NULL && code != NULL);
    if (code[0] == '\0') return;
    int32_t *slot = strset_slot(set, code);
    if (*slot >= 0) return;
    assert(set->n < BATCH_WHOS_MAX);
    snprintf(set->text[set->n], sizeof set->text[0], "%s", code);
    *slot = (int32_t)set->n++;
}

static int who_cache_init(struct who_cache *wc) {
    assert(wc != NULL);
    memset(wc, 0, sizeof *wc);
    wc->head = malloc(BATCH_WHOS_MAX * sizeof *wc->head);
    wc->tail = malloc(BATCH_WHOS_MAX * sizeof *wc->tail);
    return strset_init(&wc->whos) != 0 || wc->head == NULL || wc->tail == NULL ? -1 : 0;
}

static void who_cache_free(struct who_cache *wc) {
    assert(wc != NULL);
    strset_free(&wc->whos);
    free(wc->head);
    free(wc->tail);
    free(wc->rows);
    free(wc->entries);
}

/* Appends entry row under the code at position w. */
static int cache_entry_add(struct who_cache *wc, int32_t w, int32_t row) {
    assert(w >= 0 && (size_t)w < wc->whos.n && row >= 0);
    if (wc->n_entries == wc->cap_entries) {
        size_t cap = wc->cap_entries ? 2 * wc->cap_entries : 2 * BATCH_WHOS_MAX;
        struct cache_entry *grown = realloc(wc->entries, cap * sizeof *grown);
        if (grown == NULL) return -1;
        wc->entries = grown, wc->cap_entries = cap;
    }
    int32_t e = (int32_t)wc->n_entries++;
    wc->entries[e] = (struct cache_entry){row, -1};
    if (wc->tail[w] >= 0) wc->entries[wc->tail[w]].next = e;
    else wc->head[w] = e;
    wc->tail[w] = e;
    return 0;
}

/* A row read back: kept, and listed under each of its who columns that the
 * batch asked for (once if both name the same code), as enrol_scan of that
 * code would have given it. */
static int cache_row(void *ctx, const struct store_enrol_row *row) {
    struct who_cache *wc = ctx;
    const struct enrol_table *t = enrol_table(wc->kind);
    assert(wc != NULL && row != NULL && wc->n_rows <= wc->cap_rows);
    if (wc->n_rows == wc->cap_rows) {
        size_t cap = wc->cap_rows ? 2 * wc->cap_rows : ENROL_BATCH_ROWS;
        struct store_enrol_row *grown = realloc(wc->rows, cap * sizeof *grown);
        if (grown == NULL) return -1;
        wc->rows = grown, wc->cap_rows = cap;
    }
    int32_t r = (int32_t)wc->n_rows++;
    wc->rows[r] = *row;
    int32_t first = -1;
    for (int k = 0; k < 2 && t->who_cols[k] >= 0; k++) {
        int32_t w = strset_find(&wc->whos, row->col[t->who_cols[k]]);
        if (w < 0 || w == first) continue;
        if (cache_entry_add(wc, w, r) != 0) return -1;
        first = w;
    }
    return 0;
}

/* Reads the rows of kind naming the codes already added to wc->whos. */
static int who_cache_fill(struct enrol_importer *im, struct who_cache *wc, enum enrol_kind kind) {
    const char *whos[BATCH_WHOS_MAX];
    assert(im->sets && wc->whos.n <= BATCH_WHOS_MAX);
    wc->kind = kind, wc->n_rows = 0, wc->n_entries = 0;
    for (size_t i = 0; i < wc->whos.n; i++) {
        whos[i] = wc->whos.text[i];
        wc->head[i] = wc->tail[i] = -1;
    }
    int rc = im->ops->enrol_scan_set(im->conn, kind, whos, wc->whos.n, cache_row, wc, im->err);
    if (rc != 0 && im->err->msg[0] == '\0') store_errf(im->err, "%s: out of memory", im->base);
    wc->filled = rc == 0;
    return rc == 0 ? 0 : -1;
}

/* The person cache: the codes in keys read by one persons_get. */
static int person_cache_fill(struct enrol_importer *im) {
    struct person_cache *pc = &im->persons;
    const char *keys[BATCH_WHOS_MAX];
    assert(im->sets && pc->keys.n <= BATCH_WHOS_MAX && BATCH_WHOS_MAX <= BATCH_MAX);
    for (size_t i = 0; i < pc->keys.n; i++) keys[i] = pc->keys.text[i];
    int rc = im->ops->persons_get(im->conn, keys, pc->keys.n, pc->persons, pc->found, im->err);
    pc->filled = rc == 0;
    return rc == 0 ? 0 : -1;
}

/* The persons a row names (those person_needed asks for). */
static void row_persons(const struct enrol_importer *im, const struct store_enrol_row *row,
                        struct strset *set) {
    assert(im != NULL && row != NULL);
    switch (im->kind) {
    case ENROL_EPISODES: strset_add(set, row->col[EPI_PSN]); break;
    case ENROL_WAGES: strset_add(set, row->col[WAGE_PSN]); break;
    case ENROL_BINDINGS:
        strset_add(set, row->col[BIND_HOLDER]);
        strset_add(set, row->col[BIND_MEMBER]);
        break;
    case ENROL_SIGNINGS: strset_add(set, row->col[SIGN_PSN]); break;
    case ENROL_EMPLOYERS:
    case ENROL_INVENTORY:
    case ENROL_KIND_COUNT: break;
    }
}

/* The column change_check looks a row's registered version up by. */
static int who_col(const struct enrol_table *t) {
    assert(t != NULL);
    return t->who_cols[0] >= 0 ? t->who_cols[0] : 0;
}

/* Everything the batch's checks read, in three round trips at most. */
static int batch_prefetch(struct enrol_importer *im) {
    assert(im->sets && im->batch_n <= ENROL_BATCH_ROWS);
    strset_clear(&im->persons.keys);
    strset_clear(&im->own.whos);
    strset_clear(&im->others.whos);
    for (size_t i = 0; i < im->batch_n; i++) {
        const struct store_enrol_row *row = &im->batch[i];
        row_persons(im, row, &im->persons.keys);
        strset_add(&im->own.whos, row->col[who_col(im->t)]);
        if (im->kind == ENROL_WAGES) strset_add(&im->others.whos, row->col[WAGE_EMP]);
    }
    if (person_cache_fill(im) != 0 || who_cache_fill(im, &im->own, im->kind) != 0) return -1;
    return im->kind == ENROL_WAGES ? who_cache_fill(im, &im->others, ENROL_EMPLOYERS) : 0;
}

static void caches_drop(struct enrol_importer *im) {
    assert(im != NULL);
    im->own.filled = im->others.filled = im->persons.filled = false;
}

/* enrol_scan of kind and who, from a cache filled for who when there is
 * one (1 when cb stopped the scan, as enrol_scan). */
static int im_scan(struct enrol_importer *im, enum enrol_kind kind, const char *who, enrol_cb cb,
                   void *ctx) {
    assert(im != NULL && who != NULL && cb != NULL);
    const struct who_cache *caches[2] = {&im->own, &im->others};
    for (int c = 0; c < 2; c++) {
        const struct who_cache *wc = caches[c];
        int32_t w = wc->filled && wc->kind == kind ? strset_find(&wc->whos, who) : -1;
        if (w < 0) continue;
        for (int32_t e = wc->head[w]; e >= 0; e = wc->entries[e].next) {
            int rc = cb(ctx, &wc->rows[wc->entries[e].row]);
            if (rc != 0) return rc;
        }
        return 0;
    }
    return im->ops->enrol_scan(im->conn, kind, who, cb, ctx, im->err);
}

/* ---- what the registry holds ---------------------------------------------------- */
struct find_ctx {
    enum enrol_kind kind;
    const char *key;
    struct store_enrol_row *out;
    bool found;
};

static int find_row(void *ctx, const struct store_enrol_row *row) {
    struct find_ctx *f = ctx;
    char key[ENROL_KEY_BYTES];
    assert(f != NULL && row != NULL);
    enrol_row_key(f->kind, row, key, sizeof key);
    if (strcmp(key, f->key) != 0) return 0;
    *f->out = *row;
    f->found = true;
    return 1;
}

/* The registered row of kind with key (its column 0 is who). */
static int row_get(struct enrol_importer *im, enum enrol_kind kind, const char *who,
                   const char *key, struct store_enrol_row *out, bool *found) {
    struct find_ctx f = {kind, key, out, false};
    assert(im != NULL && who != NULL && key != NULL && out != NULL && found != NULL);
    int rc = im_scan(im, kind, who, find_row, &f);
    *found = f.found;
    return rc < 0 ? -1 : 0;
}

static int person_get(struct enrol_importer *im, const char *psn_no, struct store_person *p,
                      bool *found) {
    const char *keys[1] = {psn_no};
    assert(im != NULL && psn_no != NULL && p != NULL && found != NULL);
    int32_t at = im->persons.filled ? strset_find(&im->persons.keys, psn_no) : -1;
    if (at >= 0) {
        *found = im->persons.found[at];
        if (*found) *p = im->persons.persons[at];
        return 0;
    }
    return im->ops->persons_get(im->conn, keys, 1, p, found, im->err);
}

/* A person the row names must be registered. */
static int person_needed(struct enrol_importer *im, int64_t line, int col, const char *psn_no,
                         struct store_person *p) {
    bool found = false;
    char why[CODE_BYTES_MAX + 64];
    assert(im != NULL && psn_no != NULL && col >= 0 && col < im->t->cols);
    if (person_get(im, psn_no, p, &found) != 0) return -1;
    if (found) return 0;
    snprintf(why, sizeof why, "person %.63s is not registered", psn_no);
    return fail(im, line, im->t->names[col], why);
}

/* ---- the checks of a row against the registry ------------------------------------- */
static int wage_refs(struct enrol_importer *im, int64_t line, const struct store_enrol_row *row) {
    struct store_person p;
    assert(im->kind == ENROL_WAGES && row != NULL);
    if (person_needed(im, line, WAGE_PSN, row->col[WAGE_PSN], &p) != 0) return -1;
    if (row->col[WAGE_EMP][0] == '\0') return 0; /* a flexible worker's base */
    struct store_enrol_row emp;
    bool found = false;
    if (row_get(im, ENROL_EMPLOYERS, row->col[WAGE_EMP], row->col[WAGE_EMP], &emp, &found) != 0)
        return -1;
    if (found) return 0;
    char why[CODE_BYTES_MAX + 64];
    snprintf(why, sizeof why, "employer %.63s is not registered", row->col[WAGE_EMP]);
    return fail(im, line, "emp_no", why);
}

/* FUNDS.md §5: not to oneself, and to a holder with a personal account:
 * an employee-scheme person, whose policy (of the binding's year, when
 * registered) keeps one (bind_check). */
static int binding_refs(struct enrol_importer *im, int64_t line,
                        const struct store_enrol_row *row) {
    struct store_person holder, member;
    char why[STORE_ERR_BYTES / 2];
    assert(im->kind == ENROL_BINDINGS && row != NULL);
    if (strcmp(row->col[BIND_HOLDER], row->col[BIND_MEMBER]) == 0)
        return fail(im, line, "member_psn_no", "a binding to oneself (the holder)");
    if (person_needed(im, line, BIND_HOLDER, row->col[BIND_HOLDER], &holder) != 0 ||
        person_needed(im, line, BIND_MEMBER, row->col[BIND_MEMBER], &member) != 0)
        return -1;
    if (holder.insutype != INSUTYPE_EMPLOYEE) {
        snprintf(why, sizeof why,
                 "holder %s has no personal account (scheme %d: only an employee's has one)",
                 holder.psn_no, (int)holder.insutype);
        return fail(im, line, "holder_psn_no", why);
    }
    datetime_s from = 0;
    bool ok = datetime_parse(row->col[BIND_FROM], strlen(row->col[BIND_FROM]), &from);
    assert(ok); /* enrol_row_parse wrote it */
    enum relation relation;
    (void)relation_parse(row->col[BIND_RELATION], &relation);
    const struct policy *pol = store_policy_at(im->store, holder.region,
                                               (int32_t)strtol(row->col[BIND_FROM], NULL, 10),
                                               INSUTYPE_EMPLOYEE, from);
    if (!ok || pol == NULL || bind_check(pol, holder.psn_no, member.psn_no, relation) == FUNDS_OK)
        return 0;
    snprintf(why, sizeof why, "holder %s has no personal account (policy %s keeps none)",
             holder.psn_no, pol->id);
    return fail(im, line, "holder_psn_no", why);
}

/* A signing names a registered institution and person. */
static int signing_refs(struct enrol_importer *im, int64_t line,
                        const struct store_enrol_row *row) {
    struct store_person p;
    char why[CODE_BYTES_MAX + 64];
    assert(im->kind == ENROL_SIGNINGS && row != NULL);
    if (store_institution_find(im->store, row->col[SIGN_INST]) == NULL) {
        snprintf(why, sizeof why, "institution %.63s is not registered", row->col[SIGN_INST]);
        return fail(im, line, "fixmedins_code", why);
    }
    return person_needed(im, line, SIGN_PSN, row->col[SIGN_PSN], &p);
}

/* An inventory record names a registered institution. */
static int inventory_refs(struct enrol_importer *im, int64_t line,
                          const struct store_enrol_row *row) {
    char why[CODE_BYTES_MAX + 64];
    assert(im->kind == ENROL_INVENTORY && row != NULL);
    if (store_institution_find(im->store, row->col[INV_CODE]) != NULL) return 0;
    snprintf(why, sizeof why, "institution %.63s is not registered", row->col[INV_CODE]);
    return fail(im, line, "fixmedins_code", why);
}

static int refs_check(struct enrol_importer *im, int64_t line, const struct store_enrol_row *row) {
    struct store_person p;
    assert(im != NULL && row != NULL);
    switch (im->kind) {
    case ENROL_EPISODES: return person_needed(im, line, EPI_PSN, row->col[EPI_PSN], &p);
    case ENROL_WAGES: return wage_refs(im, line, row);
    case ENROL_BINDINGS: return binding_refs(im, line, row);
    case ENROL_SIGNINGS: return signing_refs(im, line, row);
    case ENROL_INVENTORY: return inventory_refs(im, line, row);
    case ENROL_EMPLOYERS:
    case ENROL_KIND_COUNT: break;
    }
    return 0;
}

/* The row against its registered version: the same is no change; another
 * needs who and why. *same says which; *found whether it is registered. */
static int change_check(struct enrol_importer *im, int64_t line, const char *key,
                        const struct store_enrol_row *row, bool *same, bool *found) {
    struct store_enrol_row was;
    assert(im != NULL && key != NULL && row != NULL && same != NULL && found != NULL);
    *same = false;
    /* looked up by its who column (indexed): an inventory row by its batch
     * number, not among all of its pharmacy's rows */
    int who = im->t->who_cols[0] >= 0 ? im->t->who_cols[0] : 0;
    if (row_get(im, im->kind, row->col[who], key, &was, found) != 0) return -1;
    if (!*found) return 0;
    int col = enrol_row_diff(im->kind, &was, row);
    *same = col < 0;
    if (col < 0 || im->note != NULL) return 0;
    char why[NAME_BYTES_MAX + 160];
    snprintf(why, sizeof why,
             "registered already as '%s': changing it needs --operator and --reason", was.col[col]);
    return fail(im, line, im->t->names[col], why);
}

/* The row checked in file order; *write: to be written (not the same as
 * registered), by its batch's enrol_put. */
static int row_take(struct enrol_importer *im, int64_t line, const struct store_enrol_row *row,
                    bool *write) {
    char key[ENROL_KEY_BYTES], why[64];
    assert(im != NULL && row != NULL && line > 0);
    if (im->out->rows >= ENROL_ROWS_MAX) {
        snprintf(why, sizeof why, "more than %d rows: split the file", ENROL_ROWS_MAX);
        return fail(im, line, "rows", why);
    }
    enrol_row_key(im->kind, row, key, sizeof key);
    const struct key_slot *twice = file_row(im, key);
    if (twice != NULL) {
        snprintf(why, sizeof why, "the file names this row's key again (line %" PRId64 ")",
                 twice->line);
        return fail(im, line, im->t->names[0], why);
    }
    bool same = false, registered = false;
    if (refs_check(im, line, row) != 0 || change_check(im, line, key, row, &same, &registered) != 0)
        return -1;
    *write = !same;
    if (room(im) != 0) return -1;
    struct key_slot *slot = &im->rows[im->out->rows];
    memcpy(slot->key, key, sizeof key);
    snprintf(slot->who, sizeof slot->who, "%.63s", row->col[0]);
    slot->line = line;
    *slot_of(im, key) = im->out->rows++;
    if (same) im->out->unchanged++;
    else if (registered) im->out->changed++;
    return 0;
}

/* ---- episodes that overlap ------------------------------------------------------- */
struct overlap_ctx {
    struct enrol_importer *im;
    struct store_enrol_row self;
    bool self_found;
    struct store_enrol_row other; /* the first overlapping one */
    int64_t other_line;           /* 0: registered before */
    const struct key_slot *slot;
};

static int collect_self(void *ctx, const struct store_enrol_row *row) {
    struct overlap_ctx *o = ctx;
    char key[ENROL_KEY_BYTES];
    assert(o != NULL && row != NULL);
    enrol_row_key(ENROL_EPISODES, row, key, sizeof key);
    if (strcmp(key, o->slot->key) != 0) return 0;
    o->self = *row;
    o->self_found = true;
    return 1;
}

/* Months from..to inclusive ("" to: open) meet; months compare as text. */
static bool months_meet(const struct store_enrol_row *a, const struct store_enrol_row *b) {
    assert(a != NULL && b != NULL);
    const char *a_to = a->col[EPI_TO][0] ? a->col[EPI_TO] : "9999-12";
    const char *b_to = b->col[EPI_TO][0] ? b->col[EPI_TO] : "9999-12";
    return strcmp(a->col[EPI_FROM], b_to) <= 0 && strcmp(b->col[EPI_FROM], a_to) <= 0;
}

/* Another episode of the person and scheme that meets self: registered
 * before, or in the file on an earlier line (so the later one is named). */
static int find_overlap(void *ctx, const struct store_enrol_row *row) {
    struct overlap_ctx *o = ctx;
    char key[ENROL_KEY_BYTES];
    assert(o != NULL && row != NULL && o->self_found);
    enrol_row_key(ENROL_EPISODES, row, key, sizeof key);
    if (strcmp(key, o->slot->key) == 0 || strcmp(row->col[EPI_INSUTYPE], o->self.col[EPI_INSUTYPE]))
        return 0;
    if (!months_meet(row, &o->self)) return 0;
    const struct key_slot *s = file_row(o->im, key);
    if (s != NULL && s->line > o->slot->line) return 0; /* named at its own line */
    o->other = *row;
    o->other_line = s != NULL ? s->line : 0;
    return 1;
}

/* On a backend that reads sets, the episodes or bindings of the file's
 * rows i.. (a batch of them) read at once for the checks after the writes. */
static int slots_prefetch(struct enrol_importer *im, int64_t i) {
    assert(im != NULL && i >= 0 && i < im->out->rows);
    if (!im->sets || i % ENROL_BATCH_ROWS != 0) return 0;
    caches_drop(im);
    strset_clear(&im->own.whos);
    for (int64_t j = i; j < im->out->rows && j < i + ENROL_BATCH_ROWS; j++)
        strset_add(&im->own.whos, im->rows[j].who);
    return who_cache_fill(im, &im->own, im->kind);
}

static int overlaps_check(struct enrol_importer *im) {
    assert(im->kind == ENROL_EPISODES);
    for (int64_t i = 0; i < im->out->rows; i++) {
        struct overlap_ctx o;
        memset(&o, 0, sizeof o);
        o.im = im;
        o.slot = &im->rows[i];
        if (slots_prefetch(im, i) != 0 ||
            im_scan(im, ENROL_EPISODES, o.slot->who, collect_self, &o) < 0)
            return -1;
        assert(o.self_found); /* written by its batch */
        int rc = im_scan(im, ENROL_EPISODES, o.slot->who, find_overlap, &o);
        if (rc < 0) return -1;
        if (rc == 0) continue;
        char where[32], why[STORE_ERR_BYTES / 2];
        if (o.other_line > 0) snprintf(where, sizeof where, "line %" PRId64, o.other_line);
        else snprintf(where, sizeof where, "registered");
        snprintf(why, sizeof why, "overlaps the episode of scheme %.3s from %.7s to %.7s (%s)",
                 o.other.col[EPI_INSUTYPE], o.other.col[EPI_FROM],
                 o.other.col[EPI_TO][0] ? o.other.col[EPI_TO] : "now", where);
        return fail(im, o.slot->line, "from_month", why);
    }
    return 0;
}

/* ---- a member's holders at once -------------------------------------------------- */
/* The bindings of one member read back, each as when it is valid. */
#define MEMBER_BINDINGS_MAX 64
struct member_bindings {
    const char *member; /* the scan by code also returns the bindings it holds: skipped */
    int32_t count;
    bool too_many;
    datetime_s from[MEMBER_BINDINGS_MAX], until[MEMBER_BINDINGS_MAX]; /* until: 0 open */
};

static int collect_binding(void *ctx, const struct store_enrol_row *row) {
    struct member_bindings *m = ctx;
    assert(m != NULL && row != NULL && m->member != NULL);
    if (strcmp(row->col[BIND_MEMBER], m->member) != 0) return 0;
    if (m->count == MEMBER_BINDINGS_MAX) return m->too_many = true, 1;
    datetime_s from = 0, until = 0;
    const char *revoked = row->col[BIND_REVOKED];
    bool ok = datetime_parse(row->col[BIND_FROM], strlen(row->col[BIND_FROM]), &from) &&
              (revoked[0] == '\0' || datetime_parse(revoked, strlen(revoked), &until));
    assert(ok); /* enrol_row_parse checked both, or the row was stored by an import that did */
    m->from[m->count] = from, m->until[m->count] = ok ? until : 0;
    m->count++;
    return 0;
}

/* The most bindings of the member valid at one instant (valid from `from`
 * until `until`, excluded): the count reaches its most at some start. */
static int32_t most_at_once(const struct member_bindings *m, datetime_s *when) {
    int32_t most = 0;
    assert(m != NULL && m->count <= MEMBER_BINDINGS_MAX);
    for (int32_t i = 0; i < m->count; i++) {
        int32_t n = 0;
        for (int32_t j = 0; j < m->count; j++)
            n += m->from[j] <= m->from[i] && (m->until[j] == 0 || m->from[i] < m->until[j]);
        if (n > most) most = n, *when = m->from[i];
    }
    return most;
}

/* Settlement reads at most SETTLE_HOLDERS_MAX holders of a person (the
 * journal body bounds them), so an import that would leave a member with
 * more valid at one instant is refused at the file's first row of that
 * member, rather than a holder being passed over at the counter. One read
 * of the member's bindings a row, as overlaps_check reads episodes. */
static int holders_check(struct enrol_importer *im) {
    assert(im->kind == ENROL_BINDINGS);
    for (int64_t i = 0; i < im->out->rows; i++) {
        const struct key_slot *slot = &im->rows[i];
        struct member_bindings m;
        memset(&m, 0, sizeof m);
        m.member = slot->who;
        if (slots_prefetch(im, i) != 0 ||
            im_scan(im, ENROL_BINDINGS, slot->who, collect_binding, &m) < 0)
            return -1;
        char why[STORE_ERR_BYTES / 2], at[20]; /* datetime_format */
        datetime_s when = 0;
        if (m.too_many) {
            snprintf(why, sizeof why, "member %s has more than %d bindings (MEMBER_BINDINGS_MAX)",
                     slot->who, MEMBER_BINDINGS_MAX);
            return fail(im, slot->line, "member_psn_no", why);
        }
        int32_t most = most_at_once(&m, &when);
        if (most <= SETTLE_HOLDERS_MAX) continue;
        datetime_format(when, at);
        snprintf(why, sizeof why,
                 "member %s would have %d holders at %s; at most %d (SETTLE_HOLDERS_MAX)",
                 slot->who, (int)most, at, SETTLE_HOLDERS_MAX);
        return fail(im, slot->line, "member_psn_no", why);
    }
    return 0;
}

/* ---- the file ----------------------------------------------------------------------- */
/* The batch's rows checked in file order, then those that change the
 * registry written by one enrol_put. */
static int batch_flush(struct enrol_importer *im) {
    assert(im != NULL && im->batch_n <= ENROL_BATCH_ROWS);
    if (im->batch_n == 0) return 0;
    int64_t first = im->batch_lines[0], last = im->batch_lines[im->batch_n - 1];
    if (im->sets && batch_prefetch(im) != 0) return -1;
    size_t n = 0;
    for (size_t i = 0; i < im->batch_n; i++) {
        bool write = false;
        if (row_take(im, im->batch_lines[i], &im->batch[i], &write) != 0) return -1;
        if (write && n != i) im->batch[n] = im->batch[i];
        n += write;
    }
    caches_drop(im);
    im->batch_n = 0;
    /* the rows were checked, each key once in the file: a failure here is
     * the database's own (connection, disk), named with the batch's lines */
    char msg[STORE_ERR_BYTES];
    if (im->ops->enrol_put(im->conn, im->kind, im->batch, n, im->err) == 0) return 0;
    assert(n > 0);
    snprintf(msg, sizeof msg, "writing lines %" PRId64 " to %" PRId64 ": %.300s", first, last,
             im->err->msg);
    return fail(im, first, "rows", msg);
}

/* Reads the file's rows into batches; 0, or -1 with the first bad line's error. */
static int rows_loop(struct enrol_importer *im, struct csv_reader *r, const int *cols) {
    int rc;
    assert(im != NULL && r != NULL && cols != NULL);
    while ((rc = csv_next(r)) == 1) {
        if (r->field_count == 1 && r->fields[0][0] == '\0') continue; /* blank line */
        int col = 0;
        const char *why = enrol_row_parse(im->kind, r, cols, &im->batch[im->batch_n], &col);
        if (why != NULL) /* the rows before it first: an error there comes first */
            return batch_flush(im) != 0 ? -1 : fail(im, r->line, im->t->names[col], why);
        im->batch_lines[im->batch_n] = r->line;
        if (++im->batch_n < ENROL_BATCH_ROWS) continue;
        if (batch_flush(im) != 0) return -1;
        if (store_progress_stop(im->store, "rows", im->out->rows, -1.0))
            return store_errf(im->err,
                              "%s:%" PRId64 ": stopped at row %" PRId64 "; nothing imported",
                              im->base, r->line, im->out->rows),
                   -1;
    }
    if (batch_flush(im) != 0) return -1;
    return rc < 0 ? fail(im, r->line, "csv", r->err) : 0;
}

static int read_rows(struct enrol_importer *im, FILE *f) {
    struct csv_reader *r = malloc(sizeof *r);
    int cols[ENROL_COLS_MAX], rc;
    assert(im != NULL && f != NULL);
    if (r == NULL) return store_errf(im->err, "%s: out of memory", im->base), -1;
    csv_init(r, f);
    if ((rc = csv_next(r)) <= 0) {
        rc = fail(im, r->line, "header", rc == 0 ? "empty file" : r->err);
        return free(r), rc;
    }
    const char *missing = rows_map_header(r, im->t->names, im->t->cols, im->t->required, cols);
    if (missing != NULL) return rc = fail(im, r->line, missing, "missing column"), free(r), rc;
    rc = rows_loop(im, r, cols);
    free(r);
    return rc;
}

/* The batch and, where the backend reads sets, the caches. */
static int importer_alloc(struct enrol_importer *im) {
    assert(im != NULL);
    im->batch = malloc(ENROL_BATCH_ROWS * sizeof *im->batch);
    im->batch_lines = malloc(ENROL_BATCH_ROWS * sizeof *im->batch_lines);
    if (im->batch == NULL || im->batch_lines == NULL) return -1;
    if (!im->sets) return 0;
    struct person_cache *pc = &im->persons;
    pc->persons = malloc(BATCH_WHOS_MAX * sizeof *pc->persons);
    pc->found = malloc(BATCH_WHOS_MAX * sizeof *pc->found);
    if (pc->persons == NULL || pc->found == NULL || strset_init(&pc->keys) != 0) return -1;
    return who_cache_init(&im->own) != 0 || who_cache_init(&im->others) != 0 ? -1 : 0;
}

static void importer_free(struct enrol_importer *im) {
    assert(im != NULL);
    free(im->rows);
    free(im->index);
    free(im->batch);
    free(im->batch_lines);
    free(im->persons.persons);
    free(im->persons.found);
    strset_free(&im->persons.keys);
    who_cache_free(&im->own);
    who_cache_free(&im->others);
}

int enrol_import(struct store *store, enum enrol_kind kind, FILE *f, const char *base,
                 const struct store_import_note *note, struct enrol_import_out *out,
                 struct store_err *err) {
    assert(store != NULL && f != NULL && base != NULL && out != NULL);
    struct enrol_importer im;
    memset(&im, 0, sizeof im);
    im.store = store, im.ops = store_ops(store), im.conn = store_conn(store);
    im.kind = kind, im.t = enrol_table(kind), im.base = base, im.note = note;
    im.err = err, im.out = out;
    im.sets = im.ops->enrol_scan_set != NULL;
    memset(out, 0, sizeof *out);
    int rc = importer_alloc(&im) != 0 ? store_errf(err, "%s: out of memory", base), -1 : 0;
    if (rc == 0) rc = room(&im);
    if (rc == 0) rc = read_rows(&im, f);
    if (rc == 0 && kind == ENROL_EPISODES) rc = overlaps_check(&im);
    if (rc == 0 && kind == ENROL_BINDINGS) rc = holders_check(&im);
    importer_free(&im);
    return rc;
}
