/* person_keep.c: the persons a replay has read, packed (person_keep.h).
 *
 * A row is its numbers (a fixed head) and its six strings one after the
 * other, each ended by its NUL, in blocks of PERSON_KEEP_BLOCK_BYTES: no
 * allocation per person, and the strings take their length, not their
 * column's width. An open-addressed table of (hash of psn_no, row) finds
 * it: a probe compares the hash, then the row's psn_no, its first string. */
#include "app/person_keep.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

#define PERSON_KEEP_BLOCK_BYTES ((size_t)1 << 20)

struct person_keep_slot {
    uint64_t hash; /* 0: empty */
    const unsigned char *row;
};

struct person_keep_block {
    struct person_keep_block *next;
    size_t used;
    unsigned char bytes[];
};

/* A row's numbers; its strings follow. */
struct packed_head {
    int64_t benefit_start, benefit_years, acct_open_fen;
    int32_t insutype, category, status;
    uint32_t flags;
};

void person_keep_init(struct person_keep *k, size_t bytes_max) {
    assert(k != NULL);
    memset(k, 0, sizeof *k);
    k->bytes_max = bytes_max;
}

void person_keep_free(struct person_keep *k) {
    assert(k != NULL);
    for (struct person_keep_block *b = k->blocks, *next; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
    free(k->slots);
    memset(k, 0, sizeof *k);
}

static uint64_t hash_of(const char *psn_no) {
    assert(psn_no != NULL);
    uint64_t h = fnv1a_text(FNV_OFFSET, psn_no);
    return h != 0 ? h : 1; /* 0 marks an empty slot */
}

/* The slot of psn_no: its row's, or the empty one where it would go. */
static size_t slot_of(const struct person_keep *k, const char *psn_no, uint64_t h) {
    assert(k->slot_count > 0 && (k->slot_count & (k->slot_count - 1)) == 0);
    size_t mask = k->slot_count - 1, s = (size_t)h & mask;
    while (k->slots[s].hash != 0 &&
           (k->slots[s].hash != h ||
            strcmp((const char *)k->slots[s].row + sizeof(struct packed_head), psn_no) != 0))
        s = (s + 1) & mask;
    return s;
}

bool person_keep_get(const struct person_keep *k, const char *psn_no, struct store_person *out) {
    assert(k != NULL && psn_no != NULL && out != NULL);
    if (k->count == 0) return false;
    size_t s = slot_of(k, psn_no, hash_of(psn_no));
    if (k->slots[s].hash == 0) return false;
    const unsigned char *row = k->slots[s].row;
    struct packed_head head;
    memcpy(&head, row, sizeof head);
    memset(out, 0, sizeof *out);
    out->benefit_start = head.benefit_start;
    out->benefit_years = head.benefit_years;
    out->acct_open_fen = head.acct_open_fen;
    out->insutype = head.insutype;
    out->category = (enum category)head.category;
    out->status = (enum insured_status)head.status;
    out->flags = head.flags;
    const char *text = (const char *)row + sizeof head;
    char *const fields[] = {out->psn_no, out->certno,     out->name,
                            out->gender, out->birth_date, out->region};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        size_t len = strlen(text);
        memcpy(fields[i], text, len + 1); /* put checked it fits */
        text += len + 1;
    }
    assert(strcmp(out->psn_no, psn_no) == 0);
    return true;
}

/* Room for one more in the table (at most half full): 0, -1 out of memory. */
static int grow(struct person_keep *k) {
    assert(k != NULL);
    if (2 * (k->count + 1) <= k->slot_count) return 0;
    size_t count = k->slot_count > 0 ? k->slot_count * 2 : 65536;
    struct person_keep_slot *slots = calloc(count, sizeof *slots);
    if (slots == NULL) return -1;
    for (size_t i = 0; i < k->slot_count; i++) {
        if (k->slots[i].hash == 0) continue;
        size_t s = (size_t)k->slots[i].hash & (count - 1);
        while (slots[s].hash != 0) s = (s + 1) & (count - 1);
        slots[s] = k->slots[i];
    }
    free(k->slots);
    k->slots = slots;
    k->slot_count = count;
    return 0;
}

/* size bytes (8-aligned) in the newest block, a new block when full;
 * NULL: out of memory, or a new block would pass the bound. */
static unsigned char *room(struct person_keep *k, size_t size) {
    assert(k != NULL && size <= PERSON_KEEP_BLOCK_BYTES);
    size = (size + 7) & ~(size_t)7;
    struct person_keep_block *b = k->blocks;
    if (b == NULL || b->used + size > PERSON_KEEP_BLOCK_BYTES) {
        if (k->bytes + sizeof *b + PERSON_KEEP_BLOCK_BYTES > k->bytes_max)
            return k->full = true, NULL;
        b = malloc(sizeof *b + PERSON_KEEP_BLOCK_BYTES);
        if (b == NULL) return NULL;
        b->next = k->blocks;
        b->used = 0;
        k->blocks = b;
        k->bytes += sizeof *b + PERSON_KEEP_BLOCK_BYTES;
    }
    unsigned char *at = b->bytes + b->used;
    b->used += size;
    return at;
}

int person_keep_put(struct person_keep *k, const struct store_person *p) {
    assert(k != NULL && p != NULL && p->psn_no[0] != '\0');
    if (k->full) return 1; /* past the bound: no row kept any more */
    const char *const fields[] = {p->psn_no, p->certno,     p->name,
                                  p->gender, p->birth_date, p->region};
    size_t size = sizeof(struct packed_head);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) size += strlen(fields[i]) + 1;
    uint64_t h = hash_of(p->psn_no);
    if (grow(k) != 0) return 1;
    size_t s = slot_of(k, p->psn_no, h);
    if (k->slots[s].hash != 0) return 0; /* kept already */
    unsigned char *row = room(k, size);
    if (row == NULL) return 1;
    struct packed_head head = {p->benefit_start, p->benefit_years,     p->acct_open_fen,
                               p->insutype,      (int32_t)p->category, (int32_t)p->status,
                               p->flags};
    memcpy(row, &head, sizeof head);
    char *text = (char *)row + sizeof head;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        size_t len = strlen(fields[i]) + 1;
        memcpy(text, fields[i], len);
        text += len;
    }
    k->slots[s] = (struct person_keep_slot){h, row};
    k->count++;
    return 0;
}
