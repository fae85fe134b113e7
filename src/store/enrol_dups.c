/* enrol_dups.c: the store's read for the duplicate-enrolment report
 * (issue 16, item 6; app/dup_report.h): the enrolments of every ID number
 * (certno) that may be enrolled twice, read from the persons and their
 * episodes on both backends through the backend's scans, in one snapshot.
 *
 * Memory stays small whatever the registry: a first scan of the persons
 * keeps 8 bytes a person (a hash of the certno) to find the certnos named
 * more than once; a second keeps only those persons; the scan of the
 * episodes keeps theirs, and the episodes of a person held once whose own
 * episodes of two schemes or regions overlap in the year (that person's
 * row is then read). A hash collision only adds a candidate: the groups
 * are made on the certno itself. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "store/enrol_dups.h"
#include "store/enrol_rows.h"

struct cand { /* a person that may be enrolled twice */
    struct store_person p;
};

struct epi { /* an episode of a candidate */
    int32_t cand;
    int32_t insutype;
    char region[CODE_BYTES_MAX + 1];
    int32_t from_m, to_m;
};

struct dups {
    const struct store_backend *ops;
    struct store_conn *conn;
    struct store_err *err;
    int32_t year;
    uint64_t *hashes; /* pass 1: every person's certno hash; then the repeated ones */
    size_t n_hashes, cap_hashes;
    struct cand *cands;
    size_t n_cands, cap_cands;
    struct epi *epis;
    size_t n_epis, cap_epis;
    /* the episodes of the person being scanned who is not a candidate */
    char held_psn[CODE_BYTES_MAX + 1];
    struct epi held[DUP_ENROL_MAX];
    int n_held;
};

/* Room for one more element in *arr (count n, capacity *cap). */
static int grow(void **arr, size_t n, size_t *cap, size_t size, struct store_err *err) {
    assert(arr != NULL && cap != NULL && size > 0);
    if (n < *cap) return 0;
    size_t want = *cap ? 2 * *cap : 1024;
    void *p = realloc(*arr, want * size);
    if (p == NULL) return store_errf(err, "duplicates: out of memory"), -1;
    *arr = p, *cap = want;
    return 0;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The ID number as compared: a check character typed as a small x is the
 * X of the same number (GB 11643 writes it capital; registries receive
 * both, and a plant by other code than the generator enrolled a person
 * twice that way). The rest is compared as stored. */
static void certno_key(const char *certno, char out[CODE_BYTES_MAX + 1]) {
    assert(certno != NULL && out != NULL);
    size_t n = strlen(certno);
    if (n > CODE_BYTES_MAX) n = CODE_BYTES_MAX;
    memcpy(out, certno, n);
    out[n] = '\0';
    if (n > 0 && out[n - 1] == 'x') out[n - 1] = 'X';
}

static uint64_t certno_hash(const char *certno) {
    char key[CODE_BYTES_MAX + 1];
    assert(certno != NULL);
    certno_key(certno, key);
    return fnv1a_text(FNV_OFFSET, key);
}

static int hash_row(void *ctx, const struct store_person *p) {
    struct dups *d = ctx;
    assert(d != NULL && p != NULL);
    if (grow((void **)&d->hashes, d->n_hashes, &d->cap_hashes, sizeof *d->hashes, d->err) != 0)
        return -1;
    d->hashes[d->n_hashes++] = certno_hash(p->certno);
    return 0;
}

/* Keeps, sorted, the hashes that occur more than once. */
static void keep_repeated(struct dups *d) {
    size_t out = 0;
    assert(d != NULL);
    if (d->n_hashes > 0) qsort(d->hashes, d->n_hashes, sizeof *d->hashes, cmp_u64);
    for (size_t i = 0; i + 1 < d->n_hashes; i++)
        if (d->hashes[i] == d->hashes[i + 1] && (out == 0 || d->hashes[out - 1] != d->hashes[i]))
            d->hashes[out++] = d->hashes[i];
    d->n_hashes = out;
}

static int add_cand(struct dups *d, const struct store_person *p) {
    assert(d != NULL && p != NULL);
    if (grow((void **)&d->cands, d->n_cands, &d->cap_cands, sizeof *d->cands, d->err) != 0)
        return -1;
    struct store_person *kept = &d->cands[d->n_cands++].p;
    *kept = *p;
    /* grouped, sorted and reported by the number as compared */
    certno_key(p->certno, kept->certno);
    return 0;
}

static int cand_row(void *ctx, const struct store_person *p) {
    struct dups *d = ctx;
    assert(d != NULL && p != NULL);
    uint64_t h = certno_hash(p->certno);
    if (bsearch(&h, d->hashes, d->n_hashes, sizeof h, cmp_u64) == NULL) return 0;
    return add_cand(d, p);
}

static int cmp_cand_psn(const void *a, const void *b) {
    return strcmp(((const struct cand *)a)->p.psn_no, ((const struct cand *)b)->p.psn_no);
}

/* The candidate psn_no among the first n (sorted by psn_no), or -1. */
static int32_t find_cand(const struct dups *d, size_t n, const char *psn_no) {
    size_t lo = 0, hi = n;
    assert(d != NULL && psn_no != NULL);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(d->cands[mid].p.psn_no, psn_no);
        if (c == 0) return (int32_t)mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

static int32_t month_text_index(const char *text) { /* "YYYY-MM", checked at import */
    assert(text != NULL && strlen(text) == 7);
    return atoi(text) * 12 + atoi(text + 5) - 1;
}

static int add_epi(struct dups *d, const struct epi *e) {
    assert(d != NULL && e != NULL);
    if (grow((void **)&d->epis, d->n_epis, &d->cap_epis, sizeof *d->epis, d->err) != 0) return -1;
    d->epis[d->n_epis++] = *e;
    return 0;
}

/* Whether two of the held episodes differ in scheme or region and share a
 * month of the year: then their person is enrolled twice by themself. */
static bool held_twice(const struct dups *d) {
    int32_t y0 = d->year * 12;
    assert(d != NULL && d->n_held <= DUP_ENROL_MAX);
    for (int i = 0; i < d->n_held; i++)
        for (int j = i + 1; j < d->n_held; j++) {
            const struct epi *a = &d->held[i], *b = &d->held[j];
            if (a->insutype == b->insutype && strcmp(a->region, b->region) == 0) continue;
            int32_t lo = a->from_m > b->from_m ? a->from_m : b->from_m;
            int32_t hi = y0 + 11;
            if (a->to_m >= 0 && a->to_m < hi) hi = a->to_m;
            if (b->to_m >= 0 && b->to_m < hi) hi = b->to_m;
            if (lo < y0) lo = y0;
            if (lo <= hi) return true;
        }
    return false;
}

/* The held person done: a candidate of its own when held_twice (its row
 * read after the scan: a connection runs one statement at a time). */
static int flush_held(struct dups *d) {
    assert(d != NULL);
    if (d->n_held == 0 || !held_twice(d)) return d->n_held = 0, 0;
    struct store_person p;
    memset(&p, 0, sizeof p);
    snprintf(p.psn_no, sizeof p.psn_no, "%s", d->held_psn);
    if (add_cand(d, &p) != 0) return -1;
    for (int i = 0; i < d->n_held; i++) {
        d->held[i].cand = (int32_t)d->n_cands - 1;
        if (add_epi(d, &d->held[i]) != 0) return -1;
    }
    d->n_held = 0;
    return 0;
}

struct scan_state {
    struct dups *d;
    size_t sorted; /* the candidates of the certnos, sorted by psn_no */
};

static int episode_row(void *ctx, const struct store_enrol_row *row) {
    struct scan_state *s = ctx;
    struct dups *d = s->d;
    struct epi e;
    assert(s != NULL && row != NULL);
    e.insutype = atoi(row->col[EPI_INSUTYPE]);
    snprintf(e.region, sizeof e.region, "%.63s", row->col[EPI_ADMDVS]);
    e.from_m = month_text_index(row->col[EPI_FROM]);
    e.to_m = row->col[EPI_TO][0] ? month_text_index(row->col[EPI_TO]) : -1;
    e.cand = find_cand(d, s->sorted, row->col[EPI_PSN]);
    if (e.cand >= 0) return add_epi(d, &e);
    if (strcmp(d->held_psn, row->col[EPI_PSN]) != 0) {
        if (flush_held(d) != 0) return -1;
        snprintf(d->held_psn, sizeof d->held_psn, "%.63s", row->col[EPI_PSN]);
    }
    if (d->n_held == DUP_ENROL_MAX) return 0; /* more are never generated nor useful */
    d->held[d->n_held++] = e;
    return 0;
}

/* The rows of the candidates found among the episodes alone. */
static int read_pending(struct dups *d, size_t from) {
    assert(d != NULL && from <= d->n_cands);
    for (size_t i = from; i < d->n_cands; i++) {
        const char *keys[1] = {d->cands[i].p.psn_no};
        bool found = false;
        struct store_person p;
        if (d->ops->persons_get(d->conn, keys, 1, &p, &found, d->err) != 0) return -1;
        if (found) d->cands[i].p = p; /* an episode names a registered person */
    }
    return 0;
}

static int cmp_epi(const void *a, const void *b) {
    const struct epi *x = a, *y = b;
    if (x->cand != y->cand) return x->cand < y->cand ? -1 : 1;
    return (x->from_m > y->from_m) - (x->from_m < y->from_m);
}

struct order { /* a candidate in (certno, psn_no) order */
    const struct cand *c;
    size_t first_epi, epis;
};

static int cmp_order(const void *a, const void *b) {
    const struct order *x = a, *y = b;
    int c = strcmp(x->c->p.certno, y->c->p.certno);
    return c != 0 ? c : strcmp(x->c->p.psn_no, y->c->p.psn_no);
}

/* One certno's enrolments (order[lo, hi)) to cb; a person without an
 * episode counts as enrolled all year in their row's scheme and region. */
static int emit_group(const struct dups *d, const struct order *o, size_t lo, size_t hi,
                      dup_group_cb cb, void *ctx) {
    struct dup_enrol e[DUP_ENROL_MAX];
    int n = 0;
    assert(d != NULL && o != NULL && lo < hi);
    for (size_t i = lo; i < hi && n < DUP_ENROL_MAX; i++) {
        const struct store_person *p = &o[i].c->p;
        if (o[i].epis == 0) {
            e[n++] = (struct dup_enrol){p->psn_no, p->insutype, p->region, d->year * 12,
                                        d->year * 12 + 11};
            continue;
        }
        for (size_t k = 0; k < o[i].epis && n < DUP_ENROL_MAX; k++) {
            const struct epi *x = &d->epis[o[i].first_epi + k];
            e[n++] = (struct dup_enrol){p->psn_no, x->insutype, x->region, x->from_m, x->to_m};
        }
    }
    return cb(ctx, o[lo].c->p.certno, e, n);
}

static int emit_all(struct dups *d, dup_group_cb cb, void *ctx) {
    assert(d != NULL && cb != NULL);
    if (d->n_cands == 0) return 0;
    struct order *o = calloc(d->n_cands, sizeof *o);
    if (o == NULL) return store_errf(d->err, "duplicates: out of memory"), -1;
    if (d->n_epis > 0) qsort(d->epis, d->n_epis, sizeof *d->epis, cmp_epi);
    size_t k = 0;
    for (size_t i = 0; i < d->n_cands; i++) {
        o[i].c = &d->cands[i];
        o[i].first_epi = k;
        while (k < d->n_epis && d->epis[k].cand == (int32_t)i) k++;
        o[i].epis = k - o[i].first_epi;
    }
    qsort(o, d->n_cands, sizeof *o, cmp_order);
    int rc = 0;
    for (size_t lo = 0, hi; rc == 0 && lo < d->n_cands; lo = hi) {
        for (hi = lo + 1; hi < d->n_cands && strcmp(o[hi].c->p.certno, o[lo].c->p.certno) == 0;)
            hi++;
        rc = emit_group(d, o, lo, hi, cb, ctx);
    }
    free(o);
    return rc;
}

/* The three scans, in the open snapshot. */
static int scan_all(struct dups *d) {
    assert(d != NULL);
    if (d->ops->persons_scan(d->conn, -1, hash_row, d, d->err) != 0) return -1;
    keep_repeated(d);
    if (d->ops->persons_scan(d->conn, -1, cand_row, d, d->err) != 0) return -1;
    if (d->n_cands > 0) qsort(d->cands, d->n_cands, sizeof *d->cands, cmp_cand_psn);
    struct scan_state s = {d, d->n_cands};
    if (d->ops->enrol_scan(d->conn, ENROL_EPISODES, NULL, episode_row, &s, d->err) != 0) return -1;
    if (flush_held(d) != 0) return -1;
    return read_pending(d, s.sorted);
}

int store_enrol_duplicates(struct store *store, int32_t year, dup_group_cb cb, void *ctx,
                           struct store_err *err) {
    assert(store != NULL && cb != NULL && err != NULL);
    struct dups d;
    memset(&d, 0, sizeof d);
    d.ops = store_ops(store), d.conn = store_conn(store), d.err = err, d.year = year;
    int rc = d.ops->snapshot_begin(d.conn, err);
    if (rc == 0) rc = scan_all(&d);
    d.ops->rollback(d.conn);
    if (rc == 0) rc = emit_all(&d, cb, ctx);
    free(d.hashes);
    free(d.cands);
    free(d.epis);
    return rc;
}
