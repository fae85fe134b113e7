/* scan_bills.c: the scans' compact copy of a period's bills (scan_bills.h).
 *
 * A packed bill, at an offset block << SCAN_BLOCK_SHIFT | position:
 *   next (8 bytes, the person's next bill or SCAN_NONE, patched when it
 *   comes) | msgid, NUL-terminated | varints: seq, psn, fund_paid_fen,
 *   inst, med_type, dise, spec_dise, begntime, endtime - begntime,
 *   line_count | per
 *   line: item, cnt_scaled, pric_scaled, amount_fen
 * Signed numbers are zigzag varints, as in the journal's bill blobs
 * (store/bill_blob.c); codes are indexes into the codes' names. What the
 * detectors never read is left out (feedetl_sn, flags). spec_dise_codg is
 * kept since the catalog's indications (schema version 21) may name it.
 * Nothing is checked on reading back: the bytes were written here. */
#include "app/scan_bills.h"
#include "app/array_room.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"

#define BLOCK_BYTES ((size_t)1 << SCAN_BLOCK_SHIFT)
#define VARINT_BYTES_MAX 10
#define MSGID_STORED_MAX 63 /* MSGID_BYTES_MAX of store.h */
/* next, msgid, ten varints; a line's four */
#define HEAD_BYTES_MAX (8 + MSGID_STORED_MAX + 1 + 10 * VARINT_BYTES_MAX)
#define LINE_BYTES_MAX (4 * VARINT_BYTES_MAX)
_Static_assert(HEAD_BYTES_MAX + (size_t)BILL_LINES_MAX * LINE_BYTES_MAX < BLOCK_BYTES,
               "the largest bill fits a block");

/* ---- interned names ------------------------------------------------------------- */
static uint64_t hash_text(const char *s) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    assert(s != NULL);
    for (; *s != '\0'; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

void scan_names_free(struct scan_names *n) {
    assert(n != NULL);
    for (size_t i = 0; i < n->block_count; i++) free(n->blocks[i]);
    free(n->blocks);
    free(n->text);
    free(n->slots);
    memset(n, 0, sizeof *n);
}

/* The slot of text: its index + 1, or the empty slot where it would go. */
static size_t slot_of(const struct scan_names *n, const char *text) {
    assert(n != NULL && n->slot_count > 0 && text != NULL);
    size_t mask = n->slot_count - 1, at = (size_t)hash_text(text) & mask;
    while (n->slots[at] != 0 && strcmp(n->text[n->slots[at] - 1], text) != 0) at = (at + 1) & mask;
    return at;
}

/* Twice the slots, every name placed again. */
static int grow_slots(struct scan_names *n) {
    size_t count = n->slot_count > 0 ? n->slot_count * 2 : 1024;
    assert(n != NULL && count > n->count * 2);
    uint32_t *slots = calloc(count, sizeof *slots);
    if (slots == NULL) return -1;
    free(n->slots);
    n->slots = slots, n->slot_count = count;
    for (size_t i = 0; i < n->count; i++) n->slots[slot_of(n, n->text[i])] = (uint32_t)(i + 1);
    return 0;
}

/* Room for len + 1 bytes of text that never move. */
static char *text_room(struct scan_names *n, size_t len) {
    assert(n != NULL && len < SCAN_NAME_BLOCK_BYTES);
    if (n->block_count == 0 || n->block_used + len + 1 > SCAN_NAME_BLOCK_BYTES) {
        if (!app_array_room((void **)&n->blocks, &n->block_cap, n->block_count + 1,
                            sizeof *n->blocks))
            return NULL;
        char *block = malloc(SCAN_NAME_BLOCK_BYTES);
        if (block == NULL) return NULL;
        n->blocks[n->block_count++] = block, n->block_used = 0;
    }
    char *at = n->blocks[n->block_count - 1] + n->block_used;
    n->block_used += len + 1;
    return at;
}

int scan_names_intern(struct scan_names *n, const char *text, uint32_t *idx) {
    assert(n != NULL && text != NULL && idx != NULL);
    if (n->slot_count == 0 || (n->count + 1) * 2 > n->slot_count)
        if (n->count >= UINT32_MAX - 1 || grow_slots(n) != 0) return -1;
    size_t at = slot_of(n, text);
    if (n->slots[at] != 0) return *idx = n->slots[at] - 1, 0;
    size_t len = strnlen(text, SCAN_NAME_BLOCK_BYTES - 1);
    char *copy = text_room(n, len);
    if (copy == NULL || !app_array_room((void **)&n->text, &n->cap, n->count + 1, sizeof *n->text))
        return -1;
    memcpy(copy, text, len);
    copy[len] = '\0';
    n->text[n->count] = copy;
    n->slots[at] = (uint32_t)(n->count + 1);
    *idx = (uint32_t)n->count++;
    return 0;
}

bool scan_names_find(const struct scan_names *n, const char *text, uint32_t *idx) {
    assert(n != NULL && text != NULL && idx != NULL);
    if (n->slot_count == 0) return false;
    size_t at = slot_of(n, text);
    if (n->slots[at] == 0) return false;
    *idx = n->slots[at] - 1;
    return true;
}

static _Thread_local const struct scan_names *sorting; /* qsort has no context */

static int cmp_index(const void *a, const void *b) {
    assert(a != NULL && b != NULL && sorting != NULL);
    return strcmp(sorting->text[*(const uint32_t *)a], sorting->text[*(const uint32_t *)b]);
}

uint32_t *scan_names_sorted(const struct scan_names *n) {
    assert(n != NULL);
    uint32_t *order = malloc((n->count ? n->count : 1) * sizeof *order);
    if (order == NULL) return NULL;
    for (size_t i = 0; i < n->count; i++) order[i] = (uint32_t)i;
    sorting = n;
    if (n->count > 0) qsort(order, n->count, sizeof *order, cmp_index);
    sorting = NULL;
    return order;
}

uint32_t *scan_names_ranks(const struct scan_names *n) {
    assert(n != NULL);
    uint32_t *order = scan_names_sorted(n);
    uint32_t *rank = malloc((n->count ? n->count : 1) * sizeof *rank);
    if (order == NULL || rank == NULL) return free(order), free(rank), NULL;
    for (size_t i = 0; i < n->count; i++) rank[order[i]] = (uint32_t)i;
    free(order);
    return rank;
}

/* ---- packed bills --------------------------------------------------------------- */
void scan_bills_free(struct scan_bills *b) {
    assert(b != NULL);
    scan_names_free(&b->codes);
    scan_names_free(&b->psns);
    free(b->head), free(b->tail), free(b->count);
    for (size_t i = 0; i < b->block_count; i++) free(b->blocks[i]);
    free(b->blocks);
    free(b->used);
    memset(b, 0, sizeof *b);
}

int scan_bills_person(struct scan_bills *b, const char *psn_no, uint32_t *psn) {
    assert(b != NULL && psn_no != NULL && psn != NULL);
    if (scan_names_intern(&b->psns, psn_no, psn) != 0) return -1;
    if (*psn < b->person_cap) return 0;
    size_t cap = b->person_cap, need = (size_t)*psn + 1;
    if (!app_array_room((void **)&b->head, &cap, need, sizeof *b->head)) return -1;
    cap = b->person_cap;
    if (!app_array_room((void **)&b->tail, &cap, need, sizeof *b->tail)) return -1;
    cap = b->person_cap;
    if (!app_array_room((void **)&b->count, &cap, need, sizeof *b->count)) return -1;
    for (size_t i = b->person_cap; i < cap; i++)
        b->head[i] = b->tail[i] = SCAN_NONE, b->count[i] = 0;
    b->person_cap = cap;
    return 0;
}

static unsigned char *put_u64(unsigned char *p, uint64_t v) {
    assert(p != NULL);
    do {
        unsigned char byte = (unsigned char)(v & 0x7f);
        v >>= 7;
        *p++ = v != 0 ? (unsigned char)(byte | 0x80) : byte;
    } while (v != 0);
    return p;
}

static unsigned char *put_i64(unsigned char *p, int64_t v) {
    assert(p != NULL);
    return put_u64(p, ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0)); /* zigzag */
}

/* Room for size bytes at the end of the last block (a new one when full). */
static unsigned char *bill_room(struct scan_bills *b, size_t size, uint64_t *off) {
    assert(b != NULL && size < BLOCK_BYTES);
    if (b->block_count == 0 || b->used[b->block_count - 1] + size > BLOCK_BYTES) {
        size_t cap = b->block_cap;
        if (!app_array_room((void **)&b->blocks, &cap, b->block_count + 1, sizeof *b->blocks))
            return NULL;
        cap = b->block_cap;
        if (!app_array_room((void **)&b->used, &cap, b->block_count + 1, sizeof *b->used))
            return NULL;
        b->block_cap = cap;
        unsigned char *block = malloc(BLOCK_BYTES);
        if (block == NULL) return NULL;
        b->blocks[b->block_count] = block, b->used[b->block_count++] = 0;
    }
    size_t last = b->block_count - 1;
    *off = (uint64_t)last << SCAN_BLOCK_SHIFT | b->used[last];
    return b->blocks[last] + b->used[last];
}

static unsigned char *at_off(const struct scan_bills *b, uint64_t off) {
    assert(b != NULL && (off >> SCAN_BLOCK_SHIFT) < b->block_count);
    return b->blocks[off >> SCAN_BLOCK_SHIFT] + (off & (BLOCK_BYTES - 1));
}

/* The codes of the bill's lines interned into items[0..line_count). */
static int intern_codes(struct scan_bills *b, const struct bill *bill, uint32_t *inst,
                        uint32_t dise[2], uint32_t *items) {
    assert(b != NULL && bill != NULL && items != NULL);
    if (scan_names_intern(&b->codes, bill->fixmedins_code, inst) != 0 ||
        scan_names_intern(&b->codes, bill->dise_codg, &dise[0]) != 0 ||
        scan_names_intern(&b->codes, bill->spec_dise_codg, &dise[1]) != 0)
        return -1;
    for (int32_t l = 0; l < bill->line_count; l++)
        if (scan_names_intern(&b->codes, bill->lines[l].med_list_codg, &items[l]) != 0) return -1;
    return 0;
}

int scan_bills_add(struct scan_bills *b, uint32_t psn, int64_t seq, const char *msgid,
                   int64_t fund_paid_fen, const struct bill *bill) {
    static _Thread_local uint32_t items[BILL_LINES_MAX];
    uint32_t inst = 0, dise[2] = {0, 0};
    uint64_t off = 0;
    assert(b != NULL && psn < b->person_cap && msgid != NULL && bill != NULL);
    assert(bill->line_count >= 0 && bill->line_count <= BILL_LINES_MAX);
    if (intern_codes(b, bill, &inst, dise, items) != 0) return -1;
    size_t id_len = strnlen(msgid, MSGID_STORED_MAX);
    unsigned char *p = bill_room(b, HEAD_BYTES_MAX + (size_t)bill->line_count * LINE_BYTES_MAX,
                                 &off),
                  *start = p;
    if (p == NULL) return -1;
    uint64_t none = SCAN_NONE;
    memcpy(p, &none, 8);
    memcpy(p + 8, msgid, id_len);
    p[8 + id_len] = '\0';
    p = put_u64(p + 9 + id_len, (uint64_t)seq);
    p = put_i64(put_u64(p, psn), fund_paid_fen);
    p = put_i64(put_u64(p, inst), bill->med_type);
    p = put_u64(put_u64(p, dise[0]), dise[1]);
    p = put_i64(put_i64(p, bill->begntime), bill->endtime - bill->begntime);
    p = put_u64(p, (uint64_t)bill->line_count);
    for (int32_t l = 0; l < bill->line_count; l++) {
        const struct bill_line *line = &bill->lines[l];
        p = put_i64(put_i64(put_u64(p, items[l]), line->cnt_scaled), line->pric_scaled);
        p = put_i64(p, line->amount_fen);
    }
    b->used[off >> SCAN_BLOCK_SHIFT] += (size_t)(p - start);
    if (b->tail[psn] != SCAN_NONE) memcpy(at_off(b, b->tail[psn]), &off, 8);
    else b->head[psn] = off;
    b->tail[psn] = off;
    b->count[psn]++;
    b->bills++;
    return 0;
}

static uint64_t get_u64(const unsigned char **p) {
    uint64_t v = 0;
    assert(p != NULL && *p != NULL);
    for (unsigned shift = 0;; shift += 7) {
        unsigned char byte = *(*p)++;
        v |= (uint64_t)(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return v;
        assert(shift < 63);
    }
}

static int64_t get_i64(const unsigned char **p) {
    uint64_t u = get_u64(p);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

void scan_bills_get(const struct scan_bills *b, uint64_t off, struct scan_packed *out) {
    const unsigned char *p = at_off(b, off);
    assert(out != NULL);
    out->off = off;
    memcpy(&out->next, p, 8);
    out->msgid = (const char *)p + 8;
    p += 8 + strlen(out->msgid) + 1;
    out->seq = (int64_t)get_u64(&p);
    out->psn = (uint32_t)get_u64(&p);
    out->fund_paid_fen = get_i64(&p);
    out->inst = (uint32_t)get_u64(&p);
    out->med_type = (enum med_type)get_i64(&p);
    out->dise = (uint32_t)get_u64(&p);
    out->spec_dise = (uint32_t)get_u64(&p);
    out->begntime = get_i64(&p);
    out->endtime = out->begntime + get_i64(&p);
    out->line_count = (int32_t)get_u64(&p);
    out->lines_at = p;
}

/* The line at *p, *p moved past it. */
static void get_line(const unsigned char **p, struct scan_line *out) {
    assert(p != NULL && out != NULL);
    out->item = (uint32_t)get_u64(p);
    out->cnt_scaled = get_i64(p);
    out->pric_scaled = get_i64(p);
    out->amount_fen = get_i64(p);
}

void scan_bills_lines(const struct scan_packed *pb, struct scan_line *out, int32_t max) {
    const unsigned char *p = pb->lines_at;
    struct scan_line skip;
    assert(pb != NULL && (out != NULL || max == 0) && max >= 0);
    for (int32_t l = 0; l < pb->line_count; l++) get_line(&p, l < max ? &out[l] : &skip);
}

/* The end of the packed bill pb, as an offset. */
static uint64_t end_of(const struct scan_bills *b, const struct scan_packed *pb) {
    const unsigned char *p = pb->lines_at;
    struct scan_line skip;
    assert(b != NULL && pb != NULL);
    for (int32_t l = 0; l < pb->line_count; l++) get_line(&p, &skip);
    return pb->off + (uint64_t)(p - at_off(b, pb->off));
}

bool scan_bills_walk(const struct scan_bills *b, uint64_t *off, struct scan_packed *out) {
    assert(b != NULL && off != NULL && out != NULL);
    uint64_t at = 0;
    if (*off != SCAN_NONE) { /* after the bill at *off */
        struct scan_packed cur;
        scan_bills_get(b, *off, &cur);
        at = end_of(b, &cur);
    }
    size_t block = (size_t)(at >> SCAN_BLOCK_SHIFT);
    if (block < b->block_count && (at & (BLOCK_BYTES - 1)) >= b->used[block])
        at = (uint64_t)++block << SCAN_BLOCK_SHIFT; /* the block's end: the next one */
    if (block >= b->block_count || b->used[block] == 0) return false;
    scan_bills_get(b, at, out);
    *off = at;
    return true;
}
