/* scan.c: the scans after settlement (scan.h). The passes:
 *
 *   1. the journal, SCAN_CHUNK_SEQS records at a time up to its tail when
 *      the scan began: the settlements of the year and the revokes; after
 *      each chunk, the bills of its settlements, read in one range of seqs
 *      (store_settlement_bills) and, when they end in the period, packed
 *      into the scan's compact copy (scan_bills.h), chained by person;
 *   2. the inventory feeds of the pharmacies that send them
 *      (scan_inventory.c), and what the catalog says of each code;
 *   3. each item's quantities on outpatient, special and pharmacy bills
 *      that no revoke undid, from which its usual largest quantity is taken
 *      (core/detect.h);
 *   4. the persons in psn_no order, SCAN_PERSON_BATCH registry rows a read:
 *      each person's bills unpacked, revoked ones left out, sorted by time,
 *      through the detectors of core/detect.c, and, when the catalog
 *      restricts items by level, setting, units, indication or pair,
 *      through its rules (core/detect_restrict.c); the pharmacy lines of
 *      pharmacies with feeds kept for
 *   5. the substitution walk (scan_inventory.c).
 *
 * Everything is read from settlements, their fee lines, the registry and
 * the catalog: never labels or request-id patterns. Memory: the packed
 * bills (about 100 bytes a bill of three lines; the 1M-person year's
 * 9.1 M bills about 1 GB), one chunk of journal facts, and one person's
 * bills unpacked at a time. */
#include "app/scan.h"
#include "app/array_room.h"
#include "app/scan_bills.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_S 86400
#define SCAN_CHUNK_SEQS 8192  /* journal records read before their bills */
#define SCAN_PERSON_BATCH 512 /* registry rows one read brings (<= BATCH_MAX) */
_Static_assert(SCAN_PERSON_BATCH <= BATCH_MAX, "a person batch is one persons_get");

/* A settlement of the chunk: what its journal record says. */
struct chunk_rec {
    int64_t seq;
    uint32_t psn;
    int64_t fund_paid_fen; /* the settlement's fund_pay_sumamt (only with person_cb) */
    char msgid[MSGID_BYTES_MAX + 1];
};

/* One person's bills, unpacked for the detectors. */
struct person_bufs {
    struct scan_packed *packed;
    struct det_bill *db;
    struct bill_line *lines;
    struct scan_line *sl;
    int64_t *paid;
    size_t packed_cap, db_cap, lines_cap, sl_cap, paid_cap;
};

struct scan {
    struct store *store;
    const struct scan_opts *opts;
    struct store_err *err;
    struct scan_totals *totals;
    const struct catalog *catalog;
    struct scan_bills bills;
    struct chunk_rec *chunk;
    size_t chunk_count, chunk_cap;
    int64_t tail_seq;
    unsigned char *year_bits; /* by seq: a settlement of the year */
    int64_t *revoked;         /* seqs revoked, sorted after pass 1 */
    size_t revoked_count, revoked_cap;
    struct det_item *items; /* by code index */
    size_t item_count;
    struct scan_sub *sub;
    struct person_bufs pb;
    /* the catalog's other restrictions: their items (gender and ages
     * cleared: det_restricted judges those), as rules; none when has_more
     * is false */
    bool has_more;
    struct catalog more;
    struct rule_set more_rules;
    struct rule_violation *viol;
    int32_t viol_cap;
};

/* ---- pass 1: the journal and the bills ------------------------------------------ */
static int journal_one(void *ctx, const struct journal_rec *rec) {
    struct scan *s = ctx;
    assert(s != NULL && rec != NULL && rec->seq <= s->tail_seq);
    if (rec->kind == JOURNAL_REVOKE) {
        if (!app_array_room((void **)&s->revoked, &s->revoked_cap, s->revoked_count + 1,
                            sizeof(int64_t)))
            return store_errf(s->err, "scan: out of memory"), -1;
        s->revoked[s->revoked_count++] = rec->ref_seq;
        return 0;
    }
    if (rec->kind != JOURNAL_SETTLE || rec->year != s->opts->year) return 0;
    s->year_bits[rec->seq >> 3] |= (unsigned char)(1u << (rec->seq & 7));
    if (!app_array_room((void **)&s->chunk, &s->chunk_cap, s->chunk_count + 1, sizeof *s->chunk))
        return store_errf(s->err, "scan: out of memory"), -1;
    struct chunk_rec *c = &s->chunk[s->chunk_count];
    c->seq = rec->seq, c->fund_paid_fen = 0;
    if (scan_bills_person(&s->bills, rec->psn_no, &c->psn) != 0)
        return store_errf(s->err, "scan: out of memory"), -1;
    /* the service stores "fixmedins_code:msgid" (svc.h); a file's bills the msgid */
    size_t code_len = strlen(rec->fixmedins_code);
    bool prefixed = code_len > 0 && strncmp(rec->msgid, rec->fixmedins_code, code_len) == 0 &&
                    rec->msgid[code_len] == ':';
    snprintf(c->msgid, sizeof c->msgid, "%s", rec->msgid + (prefixed ? code_len + 1 : 0));
    if (s->opts->person_cb != NULL) { /* the indicators want the fund paid */
        struct store_settlement stl;
        const char *bad = NULL;
        if (settlement_decode(rec->body, &stl, &bad) != 0)
            return store_errf(s->err, "scan: settlement %" PRId64 ": bad body key %s", rec->seq,
                              bad ? bad : "?"),
                   -1;
        c->fund_paid_fen = stl.setl.fund_pay_sumamt;
    }
    s->chunk_count++;
    return 0;
}

static const struct chunk_rec *chunk_of(const struct scan *s, int64_t seq) {
    size_t lo = 0, hi = s->chunk_count;
    assert(s != NULL);
    while (lo < hi) { /* the chunk is in seq order (the journal's) */
        size_t mid = lo + (hi - lo) / 2;
        if (s->chunk[mid].seq < seq) lo = mid + 1;
        else hi = mid;
    }
    return lo < s->chunk_count && s->chunk[lo].seq == seq ? &s->chunk[lo] : NULL;
}

static bool wanted(void *ctx, int64_t seq) {
    const struct scan *s = ctx;
    assert(s != NULL);
    return chunk_of(s, seq) != NULL;
}

static bool in_period(const struct scan *s, const struct bill *b) {
    assert(s != NULL && b != NULL);
    if (s->opts->from > 0 && b->endtime / DAY_S < s->opts->from / DAY_S) return false;
    return s->opts->to <= 0 || b->endtime / DAY_S <= s->opts->to / DAY_S;
}

/* A settlement's bill packed, when in the period (a revoke later in the
 * journal is applied in pass 4). */
static int keep_bill(void *ctx, int64_t seq, const struct bill *bill) {
    struct scan *s = ctx;
    const struct chunk_rec *c = chunk_of(s, seq);
    assert(c != NULL && bill != NULL);
    if (!in_period(s, bill)) return 0;
    if (scan_bills_add(&s->bills, c->psn, seq, c->msgid, c->fund_paid_fen, bill) != 0)
        return store_errf(s->err, "scan: out of memory"), -1;
    return 0;
}

/* The journal's last seq when the scan begins: records after it (a server
 * still writing) are not read. */
static int journal_tail(struct scan *s) {
    struct journal_rec *last = malloc(sizeof *last);
    bool found = false;
    assert(s != NULL);
    if (last == NULL) return store_errf(s->err, "scan: out of memory"), -1;
    int rc = store_ops(s->store)->journal_tail(store_conn(s->store), last, &found, s->err);
    s->tail_seq = rc == 0 && found ? last->seq : 0;
    free(last);
    if (rc != 0) return -1;
    s->year_bits = calloc((size_t)(s->tail_seq >> 3) + 1, 1);
    return s->year_bits != NULL ? 0 : (store_errf(s->err, "scan: out of memory"), -1);
}

static int cmp_seq(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    assert(a != NULL && b != NULL);
    return (x > y) - (x < y);
}

static bool is_revoked(const struct scan *s, int64_t seq) {
    assert(s != NULL);
    return s->revoked_count > 0 &&
           bsearch(&seq, s->revoked, s->revoked_count, sizeof seq, cmp_seq) != NULL;
}

/* Pass 1: the journal by chunks, each chunk's bills after it; then the
 * revokes sorted and the year's settlements they undid counted. */
static int read_journal(struct scan *s) {
    int rc = journal_tail(s);
    for (int64_t lo = 1; rc == 0 && lo <= s->tail_seq; lo += SCAN_CHUNK_SEQS) {
        int64_t hi = s->tail_seq - lo >= SCAN_CHUNK_SEQS ? lo + SCAN_CHUNK_SEQS - 1 : s->tail_seq;
        s->chunk_count = 0;
        rc = store_journal_range(s->store, lo, hi, journal_one, s, s->err);
        if (rc == 0 && s->chunk_count > 0)
            rc = store_settlement_bills(s->store, s->chunk[0].seq, s->chunk[s->chunk_count - 1].seq,
                                        wanted, keep_bill, s, s->err);
    }
    if (rc != 0) return -1;
    if (s->revoked_count > 0) qsort(s->revoked, s->revoked_count, sizeof(int64_t), cmp_seq);
    for (size_t i = 0; i < s->revoked_count; i++) {
        int64_t seq = s->revoked[i];
        if (i > 0 && seq == s->revoked[i - 1]) continue;
        if (seq >= 1 && seq <= s->tail_seq && (s->year_bits[seq >> 3] & (1u << (seq & 7))) != 0)
            s->totals->revoked++;
    }
    return 0;
}

/* ---- pass 2: what the catalog says of each code ----------------------------------- */
static int cmp_restrict_key(const void *key, const void *elem) {
    assert(key != NULL && elem != NULL);
    return strcmp((const char *)key, ((const struct scan_restrict *)elem)->code);
}

static int cmp_restrict(const void *a, const void *b) {
    assert(a != NULL && b != NULL);
    return strcmp(((const struct scan_restrict *)a)->code, ((const struct scan_restrict *)b)->code);
}

void scan_restrict_sort(struct scan_restrict *r, size_t n) {
    assert(r != NULL || n == 0);
    if (n > 0) qsort(r, n, sizeof *r, cmp_restrict);
}

/* What the store's catalog and the catalog file's restrictions say of code
 * (the usual quantity is pass 3's). */
static void item_catalog(const struct scan *s, const char *code, struct det_item *out) {
    assert(s != NULL && code != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    out->age_max = -1;
    const struct catalog_item *item = s->catalog != NULL ? catalog_find(s->catalog, code) : NULL;
    out->in_catalog = item != NULL;
    if (s->opts->restricts == NULL) { /* no --catalog: the store's (migration 19) */
        if (item != NULL && (item->restrict_gender != 0 || item->restrict_age_max >= 0))
            out->gender = item->restrict_gender, out->age_min = item->restrict_age_min,
            out->age_max = item->restrict_age_max;
        return;
    }
    const struct scan_restrict *r = s->opts->restrict_count > 0
                                        ? bsearch(code, s->opts->restricts, s->opts->restrict_count,
                                                  sizeof *r, cmp_restrict_key)
                                        : NULL;
    if (r != NULL) out->gender = r->gender, out->age_min = r->age_min, out->age_max = r->age_max;
}

static int items_of_codes(struct scan *s) {
    const struct scan_names *codes = &s->bills.codes;
    assert(s != NULL);
    s->items = malloc((codes->count ? codes->count : 1) * sizeof *s->items);
    if (s->items == NULL) return store_errf(s->err, "scan: out of memory"), -1;
    for (size_t i = 0; i < codes->count; i++) item_catalog(s, codes->text[i], &s->items[i]);
    s->item_count = codes->count;
    return 0;
}

/* Whether the item is restricted by more than gender and ages. */
static bool restricted_more(const struct catalog_item *it) {
    assert(it != NULL);
    return it->restrict_levels != 0 || it->restrict_settings != 0 || it->restrict_day_scaled > 0 ||
           it->restrict_bill_scaled > 0 || it->restrict_diagnoses != NULL ||
           it->restrict_exclusive != NULL;
}

/* The catalog's other restrictions (the file's with --catalog, else the
 * store's) as rules: the items that carry them copied without their
 * gender and ages, turned into rules as settlement turns them
 * (rules_add_catalog), so the scan judges a settled line as settlement
 * would judge it today. Nothing to do, and nothing allocated, when no item
 * carries one: a scan of a catalog without them costs what it did. */
static int more_restrictions(struct scan *s) {
    const struct catalog *from = s->opts->restricts != NULL ? s->opts->more_restricts : s->catalog;
    assert(s != NULL && !s->has_more);
    catalog_init(&s->more);
    for (size_t i = 0; from != NULL && i < from->count; i++) {
        struct catalog_item it = from->items[i];
        if (!restricted_more(&it)) continue;
        it.restrict_gender = 0, it.restrict_age_min = 0, it.restrict_age_max = -1;
        if (catalog_add(&s->more, &it) != 0)
            return store_errf(s->err, "scan: out of memory (the catalog's restrictions)"), -1;
    }
    if (s->more.count == 0) return 0;
    if (rules_init(&s->more_rules) != 0) return store_errf(s->err, "scan: out of memory"), -1;
    s->has_more = true;
    int rc = rules_add_catalog(&s->more_rules, &s->more);
    if (rc == -2)
        return store_errf(s->err, "scan: the catalog's restrictions make more than %d rules",
                          CATALOG_RULES_MAX),
               -1;
    return rc == 0 ? 0 : (store_errf(s->err, "scan: out of memory"), -1);
}

/* What the catalog and the period's quantities say of an item. */
static void item_of(void *ctx, const char *code, struct det_item *out) {
    const struct scan *s = ctx;
    uint32_t idx = 0;
    assert(s != NULL && code != NULL && out != NULL);
    if (scan_names_find(&s->bills.codes, code, &idx) && idx < s->item_count) *out = s->items[idx];
    else item_catalog(s, code, out); /* not a code of the bills: no usual quantity */
}

/* ---- pass 3: each item's usual largest quantity ----------------------------------- */
/* How many lines of an item had a quantity: a histogram keyed (item, cnt). */
struct qty_slot {
    uint32_t item, used;
    int64_t cnt_scaled, lines;
};

struct qty_hist {
    struct qty_slot *slots;
    size_t count, used;
};

static size_t qty_at(const struct qty_hist *h, uint32_t item, int64_t cnt_scaled) {
    uint64_t k = ((uint64_t)item * 0x9E3779B97F4A7C15ULL) ^ (uint64_t)cnt_scaled;
    size_t mask = h->count - 1, at = (size_t)((k * 0xff51afd7ed558ccdULL) >> 17) & mask;
    assert(h->count > 0);
    while (h->slots[at].used &&
           (h->slots[at].item != item || h->slots[at].cnt_scaled != cnt_scaled))
        at = (at + 1) & mask;
    return at;
}

static int qty_add(struct qty_hist *h, uint32_t item, int64_t cnt_scaled) {
    assert(h != NULL);
    if (h->count == 0 || (h->used + 1) * 2 > h->count) {
        struct qty_hist g = {calloc(h->count ? h->count * 2 : 4096, sizeof *h->slots), 0, 0};
        if (g.slots == NULL) return -1;
        g.count = h->count ? h->count * 2 : 4096;
        for (size_t i = 0; i < h->count; i++)
            if (h->slots[i].used)
                g.slots[qty_at(&g, h->slots[i].item, h->slots[i].cnt_scaled)] = h->slots[i];
        g.used = h->used;
        free(h->slots);
        *h = g;
    }
    struct qty_slot *q = &h->slots[qty_at(h, item, cnt_scaled)];
    if (!q->used) *q = (struct qty_slot){item, 1, cnt_scaled, 0}, h->used++;
    q->lines++;
    return 0;
}

static int cmp_qty(const void *a, const void *b) {
    const struct qty_slot *x = a, *y = b;
    assert(a != NULL && b != NULL);
    if (x->item != y->item) return x->item < y->item ? -1 : 1;
    return (x->cnt_scaled > y->cnt_scaled) - (x->cnt_scaled < y->cnt_scaled);
}

/* The histogram's items, each one's quantities in order, to det_usual_quantity. */
static int usual_of_hist(struct scan *s, struct qty_hist *h) {
    size_t n = 0, most = 0;
    assert(s != NULL && h != NULL);
    for (size_t i = 0; i < h->count; i++)
        if (h->slots[i].used) h->slots[n++] = h->slots[i]; /* packed to the front */
    if (n > 0) qsort(h->slots, n, sizeof *h->slots, cmp_qty);
    for (size_t i = 0, lines = 0; i < n; i++) {
        lines = i > 0 && h->slots[i].item == h->slots[i - 1].item ? lines : 0;
        lines += (size_t)h->slots[i].lines;
        most = lines > most ? lines : most;
    }
    int64_t *cnt = malloc((most ? most : 1) * sizeof *cnt);
    if (cnt == NULL) return -1;
    for (size_t i = 0; i < n;) {
        size_t j = i, k = 0;
        for (; j < n && h->slots[j].item == h->slots[i].item; j++)
            for (int64_t l = 0; l < h->slots[j].lines; l++) cnt[k++] = h->slots[j].cnt_scaled;
        assert(h->slots[i].item < s->item_count);
        s->items[h->slots[i].item].usual_cnt_scaled = det_usual_quantity(cnt, (int64_t)k);
        i = j;
    }
    free(cnt);
    return 0;
}

/* The packed lines of p into the scratch (NULL when out of memory). */
static struct scan_line *lines_of(struct scan *s, const struct scan_packed *p, size_t at) {
    struct person_bufs *b = &s->pb;
    assert(s != NULL && p != NULL && p->line_count >= 0);
    if (!app_array_room((void **)&b->sl, &b->sl_cap, at + (size_t)p->line_count + 1, sizeof *b->sl))
        return NULL;
    scan_bills_lines(p, &b->sl[at], p->line_count);
    return &b->sl[at];
}

/* Each item's usual largest quantity over the period's lines of
 * outpatient, special and pharmacy bills that no revoke undid. */
static int usual_quantities(struct scan *s) {
    struct qty_hist h = {NULL, 0, 0};
    struct scan_packed p;
    uint64_t off = SCAN_NONE;
    int rc = 0;
    assert(s != NULL);
    while (rc == 0 && scan_bills_walk(&s->bills, &off, &p)) {
        if (!det_quantity_bill(p.med_type) || is_revoked(s, p.seq)) continue;
        const struct scan_line *sl = lines_of(s, &p, 0);
        if (sl == NULL) rc = -1;
        for (int32_t l = 0; rc == 0 && l < p.line_count; l++)
            rc = qty_add(&h, sl[l].item, sl[l].cnt_scaled);
    }
    if (rc == 0) rc = usual_of_hist(s, &h);
    free(h.slots);
    return rc != 0 ? (store_errf(s->err, "scan: out of memory"), -1) : 0;
}

/* ---- pass 4: person by person ----------------------------------------------------- */
struct person_run {
    struct scan *s;
    scan_cb cb;
    void *ctx;
    const struct det_person *person;
    const char *certno;
    const struct det_bill *bills;
};

static int emit_one(void *ctx, const struct det_finding *f) {
    struct person_run *r = ctx;
    assert(r != NULL && f != NULL && f->a >= 0);
    struct scan_finding sf = {f,
                              r->person,
                              r->certno,
                              &r->bills[f->a],
                              f->b >= 0 ? &r->bills[f->b] : NULL,
                              f->line >= 0 ? &r->bills[f->a].lines[f->line] : NULL,
                              {false, 0, 0, -1, 0},
                              f->stake_fen,
                              NULL,
                              NULL};
    if (sf.line != NULL) item_of(r->s, sf.line->med_list_codg, &sf.item);
    if (f->kind >= DET_LEVEL_RESTRICTED && sf.line != NULL) {
        sf.restricted = catalog_find(&r->s->more, sf.line->med_list_codg);
        if (f->line_2 >= 0) sf.line_2 = &r->bills[f->a].lines[f->line_2];
    }
    r->s->totals->findings[f->kind]++;
    return r->cb(r->ctx, &sf);
}

static void person_of(const struct store_person *row, struct det_person *p) {
    assert(row != NULL && p != NULL);
    memset(p, 0, sizeof *p);
    p->psn_no = row->psn_no;
    p->gender = strcmp(row->gender, "1") == 0 ? 1 : strcmp(row->gender, "2") == 0 ? 2 : 0;
    if (sscanf(row->birth_date, "%4d-%2d-%2d", &p->birth_year, &p->birth_month, &p->birth_day) != 3)
        p->birth_year = 0;
}

static int cmp_packed(const void *a, const void *b) {
    const struct scan_packed *x = a, *y = b;
    assert(a != NULL && b != NULL);
    if (x->begntime != y->begntime) return x->begntime < y->begntime ? -1 : 1;
    if (x->endtime != y->endtime) return x->endtime < y->endtime ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The person's bills that no revoke undid, sorted by (begntime, endtime,
 * seq), into pb.packed: how many, or -1 when out of memory. */
static int64_t gather(struct scan *s, uint32_t psn) {
    struct person_bufs *b = &s->pb;
    size_t n = 0;
    assert(s != NULL && psn < s->bills.person_cap);
    if (!app_array_room((void **)&b->packed, &b->packed_cap, s->bills.count[psn],
                        sizeof *b->packed))
        return -1;
    for (uint64_t off = s->bills.head[psn]; off != SCAN_NONE;) {
        scan_bills_get(&s->bills, off, &b->packed[n]);
        off = b->packed[n].next;
        if (!is_revoked(s, b->packed[n].seq)) n++;
    }
    if (n > 1) qsort(b->packed, n, sizeof *b->packed, cmp_packed);
    return (int64_t)n;
}

/* pb.packed[0..n) unpacked: pb.db the detectors' bills, pb.lines their
 * lines, pb.sl the packed lines (item indexes) in the same order, pb.paid
 * the fund paid. The lines' count, or -1 when out of memory. */
static int64_t unpack(struct scan *s, size_t n) {
    struct person_bufs *b = &s->pb;
    const struct scan_names *codes = &s->bills.codes;
    size_t total = 0;
    assert(s != NULL && n > 0);
    for (size_t i = 0; i < n; i++) total += (size_t)b->packed[i].line_count;
    if (!app_array_room((void **)&b->db, &b->db_cap, n, sizeof *b->db) ||
        !app_array_room((void **)&b->paid, &b->paid_cap, n, sizeof *b->paid) ||
        !app_array_room((void **)&b->lines, &b->lines_cap, total + 1, sizeof *b->lines))
        return -1;
    for (size_t i = 0, pos = 0; i < n; i++) {
        const struct scan_packed *p = &b->packed[i];
        const struct scan_line *sl = lines_of(s, p, pos);
        if (sl == NULL) return -1;
        for (int32_t l = 0; l < p->line_count; l++) {
            struct bill_line *bl = &b->lines[pos + (size_t)l];
            const char *code = codes->text[sl[l].item];
            memset(bl, 0, offsetof(struct bill_line, med_list_codg));
            memcpy(bl->med_list_codg, code, strlen(code) + 1); /* interned from such an array */
            bl->cnt_scaled = sl[l].cnt_scaled, bl->pric_scaled = sl[l].pric_scaled;
            bl->amount_fen = sl[l].amount_fen, bl->numbers_ok = true, bl->bad_field = NULL;
        }
        b->db[i] = (struct det_bill){
            p->msgid,       codes->text[p->inst], p->med_type,
            p->begntime,    p->endtime,           codes->text[p->dise],
            &b->lines[pos], p->line_count,        codes->text[p->spec_dise]};
        b->paid[i] = p->fund_paid_fen;
        pos += (size_t)p->line_count;
    }
    return (int64_t)total;
}

/* The pharmacy lines of pharmacies that send feeds, for the substitution walk. */
static int keep_sales(struct scan *s, size_t n) {
    const struct person_bufs *b = &s->pb;
    assert(s != NULL);
    for (size_t i = 0, pos = 0; s->sub != NULL && i < n; i++) {
        const struct scan_packed *p = &b->packed[i];
        bool judged = p->med_type == MED_TYPE_PHARMACY && scan_sub_judged(s->sub, p->inst);
        for (int32_t l = 0; judged && l < p->line_count; l++)
            if (b->sl[pos + (size_t)l].cnt_scaled > 0 &&
                scan_sub_sale(s->sub, p, l, b->sl[pos + (size_t)l].item) != 0)
                return store_errf(s->err, "scan: out of memory"), -1;
        pos += (size_t)p->line_count;
    }
    return 0;
}

/* The catalog's other restrictions over each of the person's bills, at
 * its institution's level (the registry's; none when not registered, as
 * settlement takes it). 0, -1 out of memory (err set), or 1: emit stopped. */
static int person_more(struct scan *s, const struct det_input *in, struct person_run *run) {
    assert(s != NULL && s->has_more && in != NULL && run != NULL);
    for (int32_t i = 0; i < in->bill_count; i++) {
        const struct store_institution *inst = store_institution_find(s->store,
                                                                      in->bills[i].fixmedins_code);
        enum level level = inst != NULL ? inst->level : LEVEL_NONE;
        int32_t need = 0;
        int rc = det_catalog_restricted(in, i, level, &s->more_rules, s->viol, s->viol_cap, &need,
                                        emit_one, run);
        if (rc == 0 && need > s->viol_cap) { /* more violations than room: grow, ask again */
            size_t cap = (size_t)s->viol_cap;
            if (!app_array_room((void **)&s->viol, &cap, (size_t)need, sizeof *s->viol) ||
                cap > INT32_MAX)
                return store_errf(s->err, "scan: out of memory"), -1;
            s->viol_cap = (int32_t)cap;
            rc = det_catalog_restricted(in, i, level, &s->more_rules, s->viol, s->viol_cap, &need,
                                        emit_one, run);
            assert(rc != 0 || need <= s->viol_cap);
        }
        if (rc != 0) return 1;
    }
    return 0;
}

/* Pass 4 for one person (row NULL: not in the registry). */
static int scan_person(struct scan *s, uint32_t psn, const struct store_person *row, scan_cb cb,
                       void *ctx) {
    struct store_person none;
    struct det_person p;
    assert(s != NULL && cb != NULL);
    int64_t n = gather(s, psn);
    if (n == 0) return 0; /* every bill revoked */
    if (n > DET_PERSON_BILLS_MAX)
        return store_errf(s->err, "scan: person %s has more than %d bills", s->bills.psns.text[psn],
                          DET_PERSON_BILLS_MAX),
               -1;
    int64_t lines = n > 0 ? unpack(s, (size_t)n) : -1;
    if (lines < 0) return store_errf(s->err, "scan: out of memory"), -1;
    if (row == NULL) {
        memset(&none, 0, sizeof none);
        snprintf(none.psn_no, sizeof none.psn_no, "%s", s->bills.psns.text[psn]);
        row = &none;
    }
    person_of(row, &p);
    s->totals->persons++, s->totals->settlements += n, s->totals->lines += lines;
    struct det_input in = {&p, s->pb.db, (int32_t)n, item_of, s};
    struct person_run run = {s, cb, ctx, &p, row->certno, s->pb.db};
    int rc = det_person_all(&in, emit_one, &run);
    if (rc == 0 && s->has_more) rc = person_more(s, &in, &run);
    if (rc == -1) return -1; /* out of memory, err set */
    if (rc == 0 && s->opts->person_cb != NULL) {
        struct scan_person_view v = {&p, s->pb.db, s->pb.paid, (int32_t)n};
        rc = s->opts->person_cb(s->opts->person_ctx, &v);
    }
    if (rc != 0) return store_errf(s->err, "scan: stopped"), -1;
    return keep_sales(s, (size_t)n);
}

/* Pass 4: the persons in psn_no order, their registry rows a batch a read. */
static int scan_persons(struct scan *s, scan_cb cb, void *ctx) {
    const struct scan_bills *sb = &s->bills;
    uint32_t *order = scan_names_sorted(&sb->psns), batch[SCAN_PERSON_BATCH];
    struct store_person *rows = malloc(SCAN_PERSON_BATCH * sizeof *rows);
    const char *keys[SCAN_PERSON_BATCH];
    bool found[SCAN_PERSON_BATCH];
    int rc = order != NULL && rows != NULL ? 0 : -1;
    assert(s != NULL && cb != NULL);
    if (rc != 0) store_errf(s->err, "scan: out of memory");
    for (size_t i = 0; rc == 0 && i < sb->psns.count;) {
        size_t k = 0;
        for (; i < sb->psns.count && k < SCAN_PERSON_BATCH; i++)
            if (sb->count[order[i]] > 0) batch[k] = order[i], keys[k++] = sb->psns.text[order[i]];
        if (k > 0)
            rc = store_ops(s->store)->persons_get(store_conn(s->store), keys, k, rows, found,
                                                  s->err);
        for (size_t j = 0; rc == 0 && j < k; j++)
            rc = scan_person(s, batch[j], found[j] ? &rows[j] : NULL, cb, ctx);
    }
    free(order);
    free(rows);
    return rc != 0 ? -1 : 0;
}

int app_scan(struct store *store, const struct scan_opts *opts, scan_cb cb, void *ctx,
             struct scan_totals *totals, struct store_err *err) {
    struct scan_totals local;
    struct scan s;
    assert(store != NULL && opts != NULL && cb != NULL && err != NULL);
    memset(&s, 0, sizeof s);
    s.store = store, s.opts = opts, s.err = err;
    s.totals = totals != NULL ? totals : &local;
    memset(s.totals, 0, sizeof *s.totals);
    s.catalog = store_catalog(store);
    int rc = read_journal(&s);
    if (rc == 0) rc = scan_sub_begin(store, opts, &s.bills, &s.sub, err);
    if (rc == 0) rc = items_of_codes(&s);
    if (rc == 0) rc = more_restrictions(&s);
    if (rc == 0) rc = usual_quantities(&s);
    if (rc == 0) rc = scan_persons(&s, cb, ctx);
    if (rc == 0) rc = scan_sub_run(s.sub, &s.bills, cb, ctx, s.totals, err);
    scan_sub_free(s.sub);
    scan_bills_free(&s.bills);
    free(s.chunk), free(s.year_bits), free(s.revoked), free(s.items);
    free(s.pb.packed), free(s.pb.db), free(s.pb.lines), free(s.pb.sl), free(s.pb.paid);
    if (s.has_more) rules_free(&s.more_rules);
    catalog_free(&s.more), free(s.viol);
    return rc != 0 ? -1 : 0;
}
