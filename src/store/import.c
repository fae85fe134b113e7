/* import.c: `yibao import`: loads persons, institutions (CSV), policies and
 * the catalog (JSON) into the registry, and the enrolment registry's
 * employers, episodes, wages and bindings (CSV; their rows: enrol_import.c). One file is one write transaction
 * and one journal record (kind import); any bad row rolls the whole file
 * back and is reported as "FILE:LINE: field: what". Importing persons also
 * opens their personal accounts: each non-zero acct_balc is posted from the
 * region's S:open account, so the books balance from the first row.
 *
 * A persons file may name persons registered already: one unchanged is
 * left as it is; one changed (status, flags, region, any column but its
 * opening balance) is an edit, which needs who and why (a note) and is
 * journaled with its rows before and after (person_edit.h), so that
 * `check --deep` settles each record against the person as it was. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "codec/codec.h"
#include "core/rules.h"
#include "store/csv.h"
#include "store/enrol_rows.h"
#include "store/person_edit.h"
#include "store/registry_rows.h"
#include "store/checkpoint.h"
#include "store/store.h"

#define IMPORT_REGIONS_MAX 4096 /* distinct insured regions in one persons file */
#define FILE_HASH_CHUNK_BYTES 65536

struct importer {
    struct store *store;
    const char *path;
    const char *base; /* file name for messages */
    struct store_err *err;
    struct journal_rec rec; /* the import record */
    int64_t rows, accounts, opening_fen;
    const struct store_import_note *note; /* who and why, or NULL */
    /* persons */
    struct store_person *persons;
    int64_t *lines;
    size_t pending;
    struct posting *postings;
    struct balance_delta *deltas;
    size_t posting_count;
    struct store_person *was; /* the pending rows' registered persons (persons_get) */
    bool *found;
    struct store_person *edited; /* the pending rows that edit a person */
    char *edit_data;             /* the edits' journaled rows (person_edit.h) */
    size_t edit_len, edit_cap;
    int64_t edits, unchanged;
    char regions[IMPORT_REGIONS_MAX][CODE_BYTES_MAX + 1];
    int64_t region_sums[IMPORT_REGIONS_MAX];
    size_t region_count;
    int64_t file_bytes; /* the file's size, for the progress (0: unknown) */
    bool failed;        /* a read failed (not a refusal): im->err holds it */
};

/* Progress every STORE_PROGRESS_EVERY rows; -1 with err when told to stop. */
static int import_tick(struct importer *im, FILE *f, int64_t line) {
    assert(im != NULL && f != NULL);
    if (im->rows % STORE_PROGRESS_EVERY != 0) return 0;
    double fraction = im->file_bytes > 0 ? (double)ftello(f) / (double)im->file_bytes : -1.0;
    if (!store_progress_stop(im->store, "rows", im->rows, fraction)) return 0;
    store_errf(im->err, "%s:%" PRId64 ": stopped at row %" PRId64 "; nothing imported", im->base,
               line, im->rows);
    return -1;
}

static int row_fail(struct importer *im, int64_t line, const char *field, const char *why) {
    assert(im != NULL && field != NULL && why != NULL && line >= 0);
    store_errf(im->err, "%s:%" PRId64 ": %s: %s", im->base, line, field, why);
    return -1;
}

/* The header record, mapped to names[0..count) (registry_rows.h). */
static int map_header(struct importer *im, struct csv_reader *r, const char *const *names,
                      int count, int required, int *columns) {
    assert(im != NULL && r != NULL && names != NULL && columns != NULL && count > 0);
    assert(r->line == 0); /* the file's first record */
    int rc = csv_next(r);
    if (rc <= 0) return row_fail(im, r->line, "header", rc == 0 ? "empty file" : r->err);
    const char *missing = rows_map_header(r, names, count, required, columns);
    return missing != NULL ? row_fail(im, r->line, missing, "missing column") : 0;
}

/* ---- the import record ------------------------------------------------------- */
static int file_sha256(const char *path, char out[HASH_HEX_BYTES + 1], struct store_err *err) {
    assert(path != NULL && out != NULL);
    FILE *f = fopen(path, "rb");
    if (f == NULL) return store_errf(err, "%s: cannot open", path), -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    static unsigned char chunk[FILE_HASH_CHUNK_BYTES];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    size_t n;
    while (ok && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        ok = EVP_DigestUpdate(ctx, chunk, n) == 1;
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &md_len) == 1;
    EVP_MD_CTX_free(ctx);
    fclose(f);
    if (!ok) return store_errf(err, "%s: cannot read", path), -1;
    assert(md_len == 32);
    for (unsigned i = 0; i < md_len && i < 32; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
    assert(strlen(out) == HASH_HEX_BYTES);
    return 0;
}

static int record_begin(struct importer *im) {
    assert(im != NULL && im->path != NULL);
    if (journal_import_begin(store_ops(im->store), store_conn(im->store), "import", &im->rec,
                             im->err) != 0)
        return -1;
    return file_sha256(im->path, im->rec.req_hash, im->err);
}

/* The import writes balances directly, so the tables are made current
 * first (checkpoint.h) and the checkpoint moves to the import's record. */
/* A policy, catalog, institutions or enrolment file joins its record (journal_data,
 * covered by req_hash, the file's SHA-256): `check --deep` settles each
 * record against the registry of its time, rebuilt from these (an
 * enrolment file only for check's hash: nothing settles by it yet). A persons
 * file, the largest, is not kept: its new persons are the table's rows
 * at every later time, and its edits join the record instead (then
 * req_hash is their SHA-256), from which the deep check rebuilds a
 * person as it was before. */
static int record_data(struct importer *im, const char *kind) {
    struct journal_rec *rec = &im->rec;
    assert(rec->kind == JOURNAL_IMPORT && rec->seq >= 1);
    char *text = NULL;
    size_t len = 0;
    char msg[CODEC_ERR_BYTES];
    if (strcmp(kind, "persons") == 0) {
        /* a persons file is not kept (persons are the largest), only the
         * edits it made: the rows before and after */
        if (im->edits == 0) return 0;
        assert(im->edit_data != NULL && im->edit_len > 0);
        sha256_hex(im->edit_data, im->edit_len, rec->req_hash);
        struct journal_data d = {rec->seq, (const unsigned char *)im->edit_data, im->edit_len};
        return store_ops(im->store)->data_put(store_conn(im->store), &d, 1, im->err);
    }
    if (file_read_all(im->path, JOURNAL_DATA_BYTES_MAX, &text, &len, msg, sizeof msg) != 0)
        return store_errf(im->err, "%s (a file the journal keeps: at most %u bytes)", msg,
                          JOURNAL_DATA_BYTES_MAX),
               -1;
    /* the bytes kept are the bytes hashed, should the file have changed meanwhile */
    sha256_hex(text, len, rec->req_hash);
    struct journal_data d = {rec->seq, (const unsigned char *)text, len};
    int rc = store_ops(im->store)->data_put(store_conn(im->store), &d, 1, im->err);
    free(text);
    return rc;
}

static int record_end(struct importer *im, const char *kind) {
    struct journal_rec *rec = &im->rec;
    assert(rec->kind == JOURNAL_IMPORT && rec->seq >= 1 && rec->hash[0] == '\0');
    assert(im->rows >= 0 && im->accounts >= 0 && im->opening_fen >= 0 && im->accounts <= im->rows);
    const struct store_backend *ops = store_ops(im->store);
    char content[HASH_HEX_BYTES + 1];
    if (registry_content_hash(ops, store_conn(im->store), kind, content, im->err) != 0 ||
        record_data(im, kind) != 0)
        return -1;
    char note[2 * STORE_NOTE_BYTES_MAX + 16] = "", edits[32] = "";
    if (im->note != NULL)
        snprintf(note, sizeof note, " by=%s why=%s", im->note->operator_name, im->note->reason);
    if (im->edits > 0) snprintf(edits, sizeof edits, " edits=%" PRId64, im->edits);
    snprintf(rec->body, sizeof rec->body,
             "what=%s file=%.200s rows=%" PRId64 " accounts=%" PRId64 " opening=%" PRId64
             "%s%s content=%s",
             kind, im->base, im->rows, im->accounts, im->opening_fen, edits, note, content);
    journal_hash(rec, rec->hash);
    if (ops->journal_append(store_conn(im->store), rec, 1, im->err) != 0) return -1;
    return ops->checkpoint_put(store_conn(im->store), rec->seq, im->err);
}

/* ---- persons -------------------------------------------------------------------- */
static int region_add(struct importer *im, const char *region, int64_t fen) {
    assert(region != NULL && fen > 0 && im->region_count <= IMPORT_REGIONS_MAX);
    for (size_t i = 0; i < im->region_count; i++) {
        if (strcmp(im->regions[i], region) == 0) {
            im->region_sums[i] += fen;
            return 0;
        }
    }
    if (im->region_count >= IMPORT_REGIONS_MAX)
        return store_errf(im->err, "%s: more than %d insured regions", im->base,
                          IMPORT_REGIONS_MAX),
               -1;
    snprintf(im->regions[im->region_count], CODE_BYTES_MAX + 1, "%s", region);
    im->region_sums[im->region_count++] = fen;
    return 0;
}

/* The person's rows before and after the edit, joined to the record's data. */
static int edit_keep(struct importer *im, const struct store_person *was,
                     const struct store_person *now) {
    assert(was != NULL && now != NULL && strcmp(was->psn_no, now->psn_no) == 0);
    if (im->edit_cap - im->edit_len < 2 * PERSON_EDIT_LINE_BYTES_MAX + sizeof PERSON_EDIT_HEADER) {
        size_t cap = im->edit_cap * 2 + 64 * 1024;
        char *grown = cap <= JOURNAL_DATA_BYTES_MAX ? realloc(im->edit_data, cap) : NULL;
        if (grown == NULL)
            return store_errf(im->err, "%s: the edits' rows exceed %u bytes", im->base,
                              JOURNAL_DATA_BYTES_MAX),
                   -1;
        im->edit_data = grown;
        im->edit_cap = cap;
        if (im->edit_len == 0)
            im->edit_len = (size_t)snprintf(grown, cap, "%s", PERSON_EDIT_HEADER);
    }
    size_t a = person_edit_format(im->edit_data + im->edit_len, im->edit_cap - im->edit_len, "old",
                                  was);
    im->edit_len += a;
    size_t b = person_edit_format(im->edit_data + im->edit_len, im->edit_cap - im->edit_len, "new",
                                  now);
    im->edit_len += b;
    if (a == 0 || b == 0)
        return store_errf(im->err, "%s: %s: row too long", im->base, was->psn_no), -1;
    im->edits++;
    return 0;
}

/* Sorts the pending rows against the registry: the new persons stay in
 * im->persons[0..*fresh), the edits go to im->edited[0..*edited) (their
 * rows before in im->was), an unchanged one is dropped. An edit needs a
 * note, and keeps its opening balance: that was posted when the person
 * was registered (the ledger, not the registry, holds the account). */
static int sort_pending(struct importer *im, size_t *fresh, size_t *edited) {
    const char *keys[IMPORT_ROWS_PER_CALL];
    assert(im->pending >= 1 && im->pending <= IMPORT_ROWS_PER_CALL);
    for (size_t i = 0; i < im->pending; i++) keys[i] = im->persons[i].psn_no;
    if (store_ops(im->store)->persons_get(store_conn(im->store), keys, im->pending, im->was,
                                          im->found, im->err) != 0)
        return -1;
    size_t nf = 0, ne = 0;
    for (size_t i = 0; i < im->pending; i++) {
        const struct store_person *p = &im->persons[i];
        const char *field = im->found[i] ? person_first_change(&im->was[i], p) : NULL;
        if (im->found[i] && field == NULL) { /* unchanged: nothing to do */
            im->unchanged++;
            continue;
        }
        if (!im->found[i]) {
            im->lines[nf] = im->lines[i];
            im->persons[nf++] = *p; /* nf <= i: moved down in place */
            continue;
        }
        if (p->acct_open_fen != im->was[i].acct_open_fen)
            return store_errf(im->err,
                              "%s:%" PRId64 ": acct_balc: person %s is registered already: the"
                              " opening balance is posted and is not edited",
                              im->base, im->lines[i], p->psn_no),
                   -1;
        if (im->note == NULL) {
            store_errf(im->err,
                       "%s:%" PRId64 ": %s: person %s is registered already with another value:"
                       " changing a person needs --operator and --reason",
                       im->base, im->lines[i], field, p->psn_no);
            return -1;
        }
        for (size_t k = 0; k < ne; k++)
            if (strcmp(im->edited[k].psn_no, p->psn_no) == 0)
                return row_fail(im, im->lines[i], "psn_no", "the file names this person twice");
        if (edit_keep(im, &im->was[i], p) != 0) return -1;
        im->was[ne] = im->was[i];
        im->edited[ne++] = *p;
    }
    assert(nf + ne <= im->pending);
    *fresh = nf;
    *edited = ne;
    return 0;
}

static int flush_persons(struct importer *im) {
    const struct store_backend *ops = store_ops(im->store);
    struct store_conn *c = store_conn(im->store);
    size_t np = 0, fresh = 0, edited = 0;
    assert(im->pending >= 1 && im->pending <= IMPORT_ROWS_PER_CALL && im->rec.seq >= 1);
    if (sort_pending(im, &fresh, &edited) != 0) return -1;
    int32_t month = postings_month_local(im->rec.time_us); /* the import's business month */
    for (size_t i = 0; i < fresh; i++) {
        const struct store_person *p = &im->persons[i];
        if (p->acct_open_fen == 0) continue;
        struct posting *post = &im->postings[np];
        post->seq = im->rec.seq;
        post->idx = (int32_t)im->accounts;
        account_person(post->debit, p->psn_no);
        account_opening(post->credit, p->region);
        post->amount_fen = p->acct_open_fen;
        post->month = month;
        snprintf(im->deltas[np].account, sizeof im->deltas[np].account, "%s", post->debit);
        im->deltas[np].delta_fen = p->acct_open_fen;
        np++;
        im->accounts++;
        im->opening_fen += p->acct_open_fen;
        if (region_add(im, p->region, p->acct_open_fen) != 0) return -1;
    }
    assert(np <= fresh);
    struct store_err inner;
    if (fresh > 0 && ops->persons_put(c, im->persons, fresh, &inner) != 0)
        return store_errf(im->err, "%s: rows %" PRId64 "-%" PRId64 ": %s", im->base, im->lines[0],
                          im->lines[fresh - 1], inner.msg),
               -1;
    if (edited > 0 && ops->persons_edit(c, im->edited, edited, im->err) != 0) return -1;
    if (ops->postings_put(c, im->postings, np, im->err) != 0 ||
        ops->balances_add(c, im->deltas, np, im->err) != 0)
        return -1;
    im->pending = 0;
    return 0;
}

static int import_persons_rows(struct importer *im, FILE *f) {
    struct csv_reader r;
    int cols[PC_COUNT];
    assert(im->pending == 0 && im->region_count == 0 && im->opening_fen == 0);
    csv_init(&r, f);
    if (map_header(im, &r, ROWS_PERSON_COLS, PC_COUNT, PC_STATUS, cols) != 0) return -1;
    int rc;
    while ((rc = csv_next(&r)) == 1) {
        if (r.field_count == 1 && r.fields[0][0] == '\0') continue; /* blank line */
        int col = 0;
        const char *why = rows_person(&r, cols, &im->persons[im->pending], &col);
        if (why != NULL) return row_fail(im, r.line, ROWS_PERSON_COLS[col], why);
        im->lines[im->pending++] = r.line;
        im->rows++;
        if (im->pending == IMPORT_ROWS_PER_CALL && flush_persons(im) != 0) return -1;
        if (import_tick(im, f, r.line) != 0) return -1;
    }
    if (rc < 0) return row_fail(im, r.line, "csv", r.err);
    if (im->pending > 0 && flush_persons(im) != 0) return -1;
    assert(im->pending == 0);
    int64_t opened = 0; /* the S:open accounts pay exactly what the persons' accounts received */
    for (size_t i = 0; i < im->region_count; i++) opened += im->region_sums[i];
    assert(opened == im->opening_fen);
    struct balance_delta d;
    for (size_t i = 0; i < im->region_count; i++) {
        account_opening(d.account, im->regions[i]);
        d.delta_fen = -im->region_sums[i];
        if (store_ops(im->store)->balances_add(store_conn(im->store), &d, 1, im->err) != 0)
            return -1;
    }
    return 0;
}

static int import_persons(struct importer *im, FILE *f) {
    assert(f != NULL && im->persons == NULL);
    im->persons = calloc(IMPORT_ROWS_PER_CALL, sizeof *im->persons);
    im->lines = calloc(IMPORT_ROWS_PER_CALL, sizeof *im->lines);
    im->postings = calloc(IMPORT_ROWS_PER_CALL, sizeof *im->postings);
    im->deltas = calloc(IMPORT_ROWS_PER_CALL, sizeof *im->deltas);
    im->was = calloc(IMPORT_ROWS_PER_CALL, sizeof *im->was);
    im->found = calloc(IMPORT_ROWS_PER_CALL, sizeof *im->found);
    im->edited = calloc(IMPORT_ROWS_PER_CALL, sizeof *im->edited);
    int rc = -1;
    if (im->persons && im->lines && im->postings && im->deltas && im->was && im->found &&
        im->edited)
        rc = import_persons_rows(im, f);
    else store_errf(im->err, "%s: out of memory", im->base);
    free(im->was);
    free(im->found);
    free(im->edited);
    free(im->persons);
    free(im->lines);
    free(im->postings);
    free(im->deltas);
    return rc;
}

/* ---- institutions ----------------------------------------------------------------- */
static bool same_institution(const struct store_institution *a, const struct store_institution *b) {
    assert(a != NULL && b != NULL && strcmp(a->code, b->code) == 0);
    return strcmp(a->name, b->name) == 0 && a->type == b->type && a->level == b->level &&
           strcmp(a->region, b->region) == 0 && a->status == b->status &&
           a->suspended_until == b->suspended_until;
}

static int import_institutions(struct importer *im, FILE *f) {
    struct csv_reader r;
    int cols[IC_COUNT];
    assert(f != NULL && im->rows == 0);
    csv_init(&r, f);
    if (map_header(im, &r, ROWS_INST_COLS, IC_COUNT, IC_UNTIL, cols) != 0) return -1;
    int rc;
    while ((rc = csv_next(&r)) == 1) {
        if (r.field_count == 1 && r.fields[0][0] == '\0') continue;
        struct store_institution x;
        int col = 0;
        const char *why = rows_institution(&r, cols, &x, &col);
        if (why != NULL) return row_fail(im, r.line, ROWS_INST_COLS[col], why);
        const struct store_institution *was = store_institution_find(im->store, x.code);
        if (was != NULL && !same_institution(was, &x) && im->note == NULL)
            return row_fail(im, r.line, "fixmedins_code",
                            "registered already with other values: changing an institution needs"
                            " --operator and --reason");
        struct store_err inner;
        if (store_ops(im->store)->institutions_put(store_conn(im->store), &x, 1, &inner) != 0)
            return row_fail(im, r.line, "fixmedins_code", inner.msg);
        im->rows++;
        if (import_tick(im, f, r.line) != 0) return -1;
    }
    if (rc < 0) return row_fail(im, r.line, "csv", r.err);
    return 0;
}

/* ---- policies and the catalog (JSON, through the codec) ---------------------------- */
/* A version reaching back over bills settled already (policy_backdate.c):
 * refused, naming them; the operator revokes them first or names a later
 * day. NULL, or the refusal; a failed read sets im->failed and says so. */
static const char *backdate_problem(struct importer *im, const struct policy *policy, char *why,
                                    size_t size) {
    struct store_backdate late;
    char day[20], end[20];
    assert(policy != NULL && why != NULL);
    if (store_policy_backdated(im->store, policy, &late, im->err) != 0) {
        im->failed = true; /* im->err says what failed */
        return "the journal could not be read";
    }
    if (late.count == 0) return NULL;
    datetime_format(policy->valid_from, day);
    datetime_format(late.latest_endtime, end);
    day[10] = '\0';
    int n = snprintf(why, size,
                     "valid_from %s: %" PRId64 " settled bill(s) end on or after it (the latest"
                     " %.19s, setl_id %" PRId64 "); name a later day or revoke them first",
                     day, late.count, end, late.latest_setl_id);
    assert(n > 0 && (size_t)n < size);
    assert(late.count > 0);
    return why;
}

/* A policy file against the versions of its (region, year, scheme): the
 * same rules as the version of its day is no change; the first version is
 * in force from the year's first day, so that every bill of the year has
 * one; a change names the day it is in force from (valid_from), not
 * before the latest version's (versions are added in date order; the
 * latest may be replaced), and says who and why. NULL, or the refusal. */
static const char *policy_change_problem(struct importer *im, const struct policy *policy,
                                         char *why, size_t size) {
    assert(policy != NULL && why != NULL);
    char day[20], latest_day[20];
    datetime_format(policy->valid_from, day);
    day[10] = '\0';
    const struct policy *at_day = store_policy_at(im->store, policy->region, policy->year,
                                                  policy->insutype, policy->valid_from);
    if (at_day != NULL && at_day->valid_from == policy->valid_from &&
        policy_same_rules(at_day, policy))
        return NULL;
    const struct policy *latest = store_policy_find(im->store, policy->region, policy->year,
                                                    policy->insutype);
    if (latest == NULL) {
        if (policy->valid_from == datetime_from_civil(policy->year, 1, 1, 0, 0, 0)) return NULL;
        snprintf(why, size,
                 "valid_from %s: the first policy of a year is in force from its first day"
                 " (%d-01-01); a later version names its date",
                 day, (int)policy->year);
        return why;
    }
    datetime_format(latest->valid_from, latest_day);
    latest_day[10] = '\0';
    if (!policy->valid_from_given)
        snprintf(why, size,
                 "registered already with other rules: a change inside the year must name the"
                 " date it is in force from (valid_from, %s or later) and give --operator and"
                 " --reason",
                 latest_day);
    else if (policy->valid_from < latest->valid_from)
        snprintf(why, size,
                 "valid_from %s is before the latest version's, %s: versions are added in date"
                 " order",
                 day, latest_day);
    else if (im->note == NULL)
        snprintf(why, size,
                 "a version in force from %s %s the registered one: it needs --operator"
                 " and --reason",
                 day, policy->valid_from == latest->valid_from ? "replaces" : "follows");
    else return backdate_problem(im, policy, why, size);
    return why;
}

static int import_policy(struct importer *im) {
    struct policy *policy = calloc(1, sizeof *policy);
    char msg[CODEC_ERR_BYTES];
    char *text = NULL;
    size_t len = 0;
    int rc = -1;
    assert(im->rows == 0);
    if (policy == NULL) return store_errf(im->err, "%s: out of memory", im->base), -1;
    if (policy_load_file(im->path, policy, msg, sizeof msg) != 0 ||
        file_read_all(im->path, JSON_BYTES_MAX, &text, &len, msg, sizeof msg) != 0) {
        store_errf(im->err, "%s", msg);
    } else {
        struct store_policy_row row;
        memset(&row, 0, sizeof row);
        snprintf(row.region, sizeof row.region, "%s", policy->region);
        snprintf(row.id, sizeof row.id, "%s", policy->id);
        row.year = policy->year;
        row.insutype = policy->insutype;
        char day[20];
        datetime_format(policy->valid_from, day);
        memcpy(row.valid_from, day, 10); /* YYYY-MM-DD */
        row.json = text;
        row.json_len = len;
        char why[STORE_ERR_BYTES / 2];
        if (policy_change_problem(im, policy, why, sizeof why) != NULL) {
            if (!im->failed) /* a refusal; a failed read keeps the store's error */
                store_errf(im->err, "%s: a policy of region %s, year %d, scheme %d: %s", im->base,
                           policy->region, (int)policy->year, (int)policy->insutype, why);
            free(text);
            free(policy);
            return -1;
        }
        rc = store_ops(im->store)->policy_put(store_conn(im->store), &row, im->err);
        im->rows = 1;
    }
    free(text);
    free(policy);
    return rc;
}

/* Whether the catalog's restrictions make at most CATALOG_RULES_MAX rules
 * (core/rules.h): a registry must be able to load what is imported. */
static int catalog_rules_fit(const struct catalog *catalog, struct store_err *err) {
    struct rule_set rs;
    assert(catalog != NULL);
    if (!rules_catalog_restricts(catalog)) return 0;
    if (rules_init(&rs) != 0) return store_errf(err, "catalog: out of memory"), -1;
    int rc = rules_add_catalog(&rs, catalog);
    rules_free(&rs);
    if (rc == -2)
        store_errf(err, "catalog: its restrictions make more than %d distinct rules",
                   CATALOG_RULES_MAX);
    else if (rc != 0) store_errf(err, "catalog: out of memory");
    return rc == 0 ? 0 : -1;
}

/* The catalog replaced by the file's items with their restrictions (the
 * settlement decoder keeps no `restrict`: restrict_json.c reads it). */
static int import_catalog(struct importer *im) {
    struct catalog catalog;
    char msg[CODEC_ERR_BYTES];
    catalog_init(&catalog);
    int rc = -1;
    assert(im->rows == 0);
    if (catalog_load_file(im->path, &catalog, msg, sizeof msg) != 0 ||
        catalog_restrict_apply_file(im->path, &catalog, msg, sizeof msg) != 0)
        store_errf(im->err, "%s", msg);
    else if (catalog_rules_fit(&catalog, im->err) == 0)
        rc = store_ops(im->store)->catalog_replace(store_conn(im->store), catalog.items,
                                                   catalog.count, im->err);
    im->rows = (int64_t)catalog.count;
    assert(im->rows <= CATALOG_ITEMS_MAX);
    catalog_free(&catalog);
    return rc;
}

/* A rule file (yibao-rules/1): validated whole; it has no table of its
 * own, the record keeps the file (record_data) and the registry reads the
 * last one (registry.c). */
static int import_rules(struct importer *im) {
    struct rule_set rs;
    char msg[CODEC_ERR_BYTES];
    assert(im->rows == 0);
    if (rules_init(&rs) != 0) return store_errf(im->err, "%s: out of memory", im->base), -1;
    int rc = rules_load_file(im->path, &rs, msg, sizeof msg);
    if (rc != 0) store_errf(im->err, "%s", msg);
    im->rows = rs.count;
    assert(rc != 0 || (rs.count >= 0 && rs.count <= RULES_MAX));
    rules_free(&rs);
    return rc;
}

static int import_body(struct importer *im, const char *kind) {
    assert(im != NULL && im->path != NULL && kind != NULL);
    if (strcmp(kind, "policy") == 0) return import_policy(im);
    if (strcmp(kind, "rules") == 0) return import_rules(im);
    if (strcmp(kind, "catalog") == 0) return import_catalog(im);
    if (strcmp(kind, "payment") == 0)
        return agreement_import(im->store, im->path, im->base, im->note, &im->rows, im->err);
    FILE *f = fopen(im->path, "rb");
    if (f == NULL) return store_errf(im->err, "%s: cannot open", im->path), -1;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) im->file_bytes = st.st_size;
    int rc, enrol = enrol_kind_of(kind);
    struct enrol_import_out out;
    if (enrol >= 0) {
        rc = enrol_import(im->store, (enum enrol_kind)enrol, f, im->base, im->note, &out, im->err);
        im->rows = out.rows, im->edits = out.changed, im->unchanged = out.unchanged;
    } else {
        rc = strcmp(kind, "persons") == 0 ? import_persons(im, f) : import_institutions(im, f);
    }
    fclose(f);
    return rc;
}

/* A note's text: printable, at most STORE_NOTE_BYTES_MAX bytes, no '='
 * (the record's body is key=value pairs). */
const char *store_note_problem(const char *text) {
    if (text == NULL || text[0] == '\0') return "is empty";
    if (strlen(text) > STORE_NOTE_BYTES_MAX) return "is longer than 200 bytes";
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '=') return "holds a control character or '='";
    return NULL;
}

int store_import(struct store *store, const char *kind, const char *path, int64_t *rows,
                 struct store_err *err) {
    return store_import_as(store, kind, path, NULL, rows, NULL, err);
}

int store_import_as(struct store *store, const char *kind, const char *path,
                    const struct store_import_note *note, int64_t *rows,
                    struct store_import_counts *counts, struct store_err *err) {
    assert(store != NULL && kind != NULL && path != NULL && rows != NULL);
    if (note != NULL && store_note_problem(note->operator_name) != NULL)
        return store_errf(err, "--operator %s", store_note_problem(note->operator_name)), -1;
    if (note != NULL && store_note_problem(note->reason) != NULL)
        return store_errf(err, "--reason %s", store_note_problem(note->reason)), -1;
    static const char *const kinds[] = {"persons", "institutions", "policy",
                                        "catalog", "payment",      "rules"};
    bool known = enrol_kind_of(kind) >= 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        known |= strcmp(kind, kinds[i]) == 0;
    if (!known) return store_errf(err, "import: unknown kind '%s'", kind), -1;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    struct importer *im = calloc(1, sizeof *im);
    if (im == NULL) return store_errf(err, "%s: out of memory", base), -1;
    im->store = store;
    im->path = path;
    im->base = base;
    im->err = err;
    im->note = note;
    const struct store_backend *ops = store_ops(store);
    struct store_conn *c = store_conn(store);
    int64_t checkpoint_seq = 0, tail_seq = 0;
    int rc = ops->begin(c, err);
    if (rc == 0) rc = ops->bulk_mode(c, true, err);
    if (rc == 0) rc = checkpoint_catch_up(store, &checkpoint_seq, &tail_seq, err);
    if (rc == 0) rc = record_begin(im);
    if (rc == 0) rc = import_body(im, kind);
    if (rc == 0) rc = record_end(im, kind);
    if (rc == 0) rc = ops->commit(c, err);
    if (rc != 0) ops->rollback(c);
    struct store_err ignored;
    (void)ops->bulk_mode(c, false, &ignored);
    *rows = im->rows;
    if (counts != NULL) counts->edited = im->edits, counts->unchanged = im->unchanged;
    free(im->edit_data);
    free(im);
    if (rc == 0 && store_reload_registry(store, err) != 0) {
        /* the file is imported: say so, lest it be imported again */
        struct store_err why = *err;
        store_errf(err, "%s: imported, but the registry could not be reloaded: %s", base, why.msg);
        rc = -1;
    }
    return rc;
}

/* ---- derived columns: persons rewritten by the application ------------------------- */
/* One chunk of rows: read the registered rows, keep each change. */
static int rewrite_chunk(struct importer *im, const struct store_person *rows, size_t n) {
    const char *keys[IMPORT_ROWS_PER_CALL];
    assert(n >= 1 && n <= IMPORT_ROWS_PER_CALL);
    for (size_t i = 0; i < n; i++) keys[i] = rows[i].psn_no;
    const struct store_backend *ops = store_ops(im->store);
    if (ops->persons_get(store_conn(im->store), keys, n, im->was, im->found, im->err) != 0)
        return -1;
    size_t ne = 0;
    for (size_t i = 0; i < n; i++) {
        if (!im->found[i])
            return store_errf(im->err, "%s: person %s is not registered", im->base, rows[i].psn_no),
                   -1;
        if (person_first_change(&im->was[i], &rows[i]) == NULL) continue;
        if (rows[i].acct_open_fen != im->was[i].acct_open_fen)
            return store_errf(im->err, "%s: %s: the opening balance is not rewritten", im->base,
                              rows[i].psn_no),
                   -1;
        if (edit_keep(im, &im->was[i], &rows[i]) != 0) return -1;
        im->edited[ne++] = rows[i];
    }
    im->rows += (int64_t)n;
    if (ne == 0) return 0;
    return ops->persons_edit(store_conn(im->store), im->edited, ne, im->err);
}

static int rewrite_body(struct importer *im, const struct store_person *rows, size_t n) {
    im->was = calloc(IMPORT_ROWS_PER_CALL, sizeof *im->was);
    im->found = calloc(IMPORT_ROWS_PER_CALL, sizeof *im->found);
    im->edited = calloc(IMPORT_ROWS_PER_CALL, sizeof *im->edited);
    int rc = im->was && im->found && im->edited ? 0 : -1;
    if (rc != 0) store_errf(im->err, "%s: out of memory", im->base);
    for (size_t at = 0; rc == 0 && at < n; at += IMPORT_ROWS_PER_CALL)
        rc = rewrite_chunk(im, rows + at,
                           n - at < IMPORT_ROWS_PER_CALL ? n - at : IMPORT_ROWS_PER_CALL);
    free(im->was);
    free(im->found);
    free(im->edited);
    im->was = im->edited = NULL;
    im->found = NULL;
    return rc;
}

int store_persons_rewrite(struct store *store, const char *label, const struct store_person *rows,
                          size_t n, const struct store_import_note *note, int64_t *edits,
                          struct store_err *err) {
    assert(store != NULL && label != NULL && note != NULL && edits != NULL);
    assert(n == 0 || rows != NULL);
    *edits = 0;
    struct importer *im = calloc(1, sizeof *im);
    if (im == NULL) return store_errf(err, "%s: out of memory", label), -1;
    im->store = store;
    im->path = label;
    im->base = label;
    im->err = err;
    im->note = note;
    const struct store_backend *ops = store_ops(store);
    struct store_conn *c = store_conn(store);
    int64_t checkpoint_seq = 0, tail_seq = 0;
    int rc = ops->begin(c, err);
    if (rc == 0) rc = checkpoint_catch_up(store, &checkpoint_seq, &tail_seq, err);
    if (rc == 0) rc = journal_import_begin(ops, c, "import", &im->rec, err);
    if (rc == 0) rc = rewrite_body(im, rows, n);
    /* nothing changed: no record */
    bool empty = rc == 0 && im->edits == 0;
    if (rc == 0 && !empty) rc = record_end(im, "persons");
    if (rc == 0 && !empty) rc = ops->commit(c, err);
    if (rc != 0 || empty) ops->rollback(c);
    *edits = im->edits;
    free(im->edit_data);
    free(im);
    if (rc == 0 && !empty && store_reload_registry(store, err) != 0) return -1;
    return rc;
}
