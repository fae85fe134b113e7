/* bill_blob.c: a settlement's bill as the journal keeps it (journal_data).
 *
 * The bill is kept so that `yibao check --deep` can settle every record
 * again and any settlement can be explained from the journal alone. Its
 * form is compact binary rather than JSON: a journaled bill of a typical
 * visit (a handful of lines) takes a few hundred bytes, about what the
 * record's body does, where the JSON request took several times that.
 * Strings are a varint length and the bytes; integers zigzag varints.
 * Compression did not pay: most of a line is its two codes, short and
 * different from line to line, and zlib is not a dependency. Layout:
 *   'B' 1 | fixmedins_code | med_type | flags (dates_ok, out_of_area, filed,
 *   acct_used, admission_continued) | [admission_dedc_paid_fen, when
 *   admission_continued] | begntime | endtime | dise_codg | spec_dise_codg |
 *   line_count | per line: flags (has_feedetl_sn, numbers_ok) | feedetl_sn |
 *   med_list_codg | cnt_scaled | pric_scaled | amount_fen
 * A line's bad_field is not kept: a bill with one is refused, and refusals
 * are not journaled. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

#define BLOB_MAGIC 'B'
#define BLOB_VERSION 1
#define VARINT_BYTES_MAX 10
/* flags, two codes with their lengths, three integers */
#define LINE_BYTES_MAX (1 + 2 * (1 + CODE_BYTES_MAX) + 3 * VARINT_BYTES_MAX)
#define HEAD_BYTES_MAX (2 + 3 * (1 + CODE_BYTES_MAX) + 6 * VARINT_BYTES_MAX)
_Static_assert(HEAD_BYTES_MAX + (size_t)BILL_LINES_MAX * LINE_BYTES_MAX <= JOURNAL_DATA_BYTES_MAX,
               "the largest bill fits a journal record's data");

struct writer {
    unsigned char *p;
    size_t len;
};

static void put_u64(struct writer *w, uint64_t v) {
    assert(w != NULL && w->p != NULL);
    do {
        unsigned char byte = (unsigned char)(v & 0x7f);
        v >>= 7;
        w->p[w->len++] = v != 0 ? (unsigned char)(byte | 0x80) : byte;
    } while (v != 0);
}

static void put_i64(struct writer *w, int64_t v) {
    assert(w != NULL);
    put_u64(w, ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0)); /* zigzag */
}

static void put_str(struct writer *w, const char *s) {
    size_t n = strnlen(s, CODE_BYTES_MAX + 1);
    assert(n <= CODE_BYTES_MAX); /* the adapters bound every code */
    put_u64(w, n);
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

int bill_blob_encode(const struct bill *bill, unsigned char **out, size_t *len) {
    assert(bill != NULL && out != NULL && len != NULL);
    assert(bill->line_count >= 0 && bill->line_count <= BILL_LINES_MAX);
    size_t cap = HEAD_BYTES_MAX + (size_t)bill->line_count * LINE_BYTES_MAX;
    struct writer w = {malloc(cap), 0};
    if (w.p == NULL) return -1;
    w.p[w.len++] = BLOB_MAGIC;
    w.p[w.len++] = BLOB_VERSION;
    put_str(&w, bill->fixmedins_code);
    put_i64(&w, bill->med_type);
    put_u64(&w, (bill->dates_ok ? 1u : 0u) | (bill->out_of_area ? 2u : 0u) |
                    (bill->filed ? 4u : 0u) | (bill->acct_used ? 8u : 0u) |
                    (bill->admission_continued ? 16u : 0u));
    /* only a continued stay's part has it: every bill journaled before
     * mid-stay settlement reads as it always did */
    if (bill->admission_continued) put_i64(&w, bill->admission_dedc_paid_fen);
    put_i64(&w, bill->begntime);
    put_i64(&w, bill->endtime);
    put_str(&w, bill->dise_codg);
    put_str(&w, bill->spec_dise_codg);
    put_u64(&w, (uint64_t)bill->line_count);
    for (int32_t i = 0; i < bill->line_count; i++) {
        const struct bill_line *l = &bill->lines[i];
        put_u64(&w, (l->has_feedetl_sn ? 1u : 0u) | (l->numbers_ok ? 2u : 0u));
        put_str(&w, l->feedetl_sn);
        put_str(&w, l->med_list_codg);
        put_i64(&w, l->cnt_scaled);
        put_i64(&w, l->pric_scaled);
        put_i64(&w, l->amount_fen);
    }
    assert(w.len <= cap);
    *out = w.p;
    *len = w.len;
    return 0;
}

struct reader {
    const unsigned char *p;
    size_t len, at;
    bool bad;
};

static uint64_t get_u64(struct reader *r) {
    assert(r != NULL && r->at <= r->len);
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (r->at >= r->len) break;
        unsigned char byte = r->p[r->at++];
        v |= (uint64_t)(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return v;
    }
    r->bad = true;
    return 0;
}

static int64_t get_i64(struct reader *r) {
    uint64_t u = get_u64(r);
    assert(r->at <= r->len);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static void get_str(struct reader *r, char out[CODE_BYTES_MAX + 1]) {
    uint64_t n = get_u64(r);
    assert(out != NULL && r->at <= r->len);
    if (r->bad || n > CODE_BYTES_MAX || n > r->len - r->at) {
        r->bad = true;
        out[0] = '\0';
        return;
    }
    memcpy(out, r->p + r->at, (size_t)n);
    out[n] = '\0';
    r->at += (size_t)n;
}

static void get_line(struct reader *r, struct bill_line *l) {
    assert(r != NULL && l != NULL);
    memset(l, 0, sizeof *l);
    uint64_t flags = get_u64(r);
    l->has_feedetl_sn = (flags & 1) != 0;
    l->numbers_ok = (flags & 2) != 0;
    get_str(r, l->feedetl_sn);
    get_str(r, l->med_list_codg);
    l->cnt_scaled = get_i64(r);
    l->pric_scaled = get_i64(r);
    l->amount_fen = get_i64(r);
    l->bad_field = NULL;
}

int bill_blob_decode(const unsigned char *data, size_t len, struct bill *bill,
                     struct bill_line *lines, int32_t lines_max) {
    assert(data != NULL && bill != NULL && lines != NULL && lines_max >= 0);
    struct reader r = {data, len, 2, false};
    memset(bill, 0, sizeof *bill);
    bill->lines = lines;
    if (len < 2 || data[0] != BLOB_MAGIC || data[1] != BLOB_VERSION) return -1;
    get_str(&r, bill->fixmedins_code);
    int64_t med = get_i64(&r);
    bill->med_type = med == 11 || med == 14 || med == 21 || med == 41 ? (enum med_type)med
                                                                      : MED_TYPE_INVALID;
    uint64_t flags = get_u64(&r);
    bill->dates_ok = (flags & 1) != 0;
    bill->out_of_area = (flags & 2) != 0;
    bill->filed = (flags & 4) != 0;
    bill->acct_used = (flags & 8) != 0;
    bill->admission_continued = (flags & 16) != 0;
    if (bill->admission_continued) bill->admission_dedc_paid_fen = get_i64(&r);
    if (flags > 31 || bill->admission_dedc_paid_fen < 0) return -1;
    bill->begntime = get_i64(&r);
    bill->endtime = get_i64(&r);
    get_str(&r, bill->dise_codg);
    get_str(&r, bill->spec_dise_codg);
    uint64_t count = get_u64(&r);
    if (r.bad || count > (uint64_t)lines_max) return -1;
    bill->line_count = (int32_t)count;
    for (int32_t i = 0; i < bill->line_count && !r.bad; i++) get_line(&r, &lines[i]);
    if (r.bad || r.at != len) return -1;
    assert(bill->line_count <= lines_max);
    return 0;
}
