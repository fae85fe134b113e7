/* journal.c: the journal record's contents and its SHA-256 hash chain.
 *
 * A settlement's figures travel in the record body as "key=value" text
 * (one space between pairs, fixed key order), readable with the sqlite3 or
 * psql client and hashed byte for byte. Each record's hash is
 * SHA-256(prev_hash || canonical fields), so changing any byte of any
 * record breaks the chain at that record. */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>

#include "store/record_body.h"
#include "store/store.h"

#define CANON_BYTES_MAX (JOURNAL_BODY_BYTES_MAX + 1024)

void store_errf(struct store_err *err, const char *format, ...) {
    assert(format != NULL);
    if (err == NULL) return;
    va_list ap;
    va_start(ap, format);
    vsnprintf(err->msg, sizeof err->msg, format, ap);
    va_end(ap);
}

int64_t store_now_us(void) {
    struct timespec ts;
    int rc = clock_gettime(CLOCK_REALTIME, &ts);
    assert(rc == 0);
    (void)rc;
    assert(ts.tv_sec > 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *journal_kind_name(enum journal_kind kind) {
    switch (kind) {
    case JOURNAL_SETTLE: return "settle";
    case JOURNAL_REVOKE: return "revoke";
    case JOURNAL_IMPORT: return "import";
    case JOURNAL_CONTRIB: return "contrib";
    case JOURNAL_PAY: return "pay";
    case JOURNAL_YEAR_END: return "year-end";
    case JOURNAL_TRANSFER: return "transfer";
    case JOURNAL_CASE: return "case";
    }
    return "?";
}

int journal_import_begin(const struct store_backend *ops, struct store_conn *conn,
                         const char *msgid_prefix, struct journal_rec *rec, struct store_err *err) {
    assert(ops != NULL && conn != NULL && msgid_prefix != NULL && rec != NULL);
    memset(rec, 0, sizeof *rec);
    bool found = false;
    if (ops->journal_tail(conn, rec, &found, err) != 0) return -1;
    int64_t seq = found ? rec->seq + 1 : 1;
    char prev[HASH_HEX_BYTES + 1];
    if (found) memcpy(prev, rec->hash, sizeof prev);
    else memset(prev, '0', HASH_HEX_BYTES), prev[HASH_HEX_BYTES] = '\0';
    memset(rec, 0, sizeof *rec);
    rec->seq = seq;
    memcpy(rec->prev_hash, prev, sizeof prev);
    rec->kind = JOURNAL_IMPORT;
    rec->time_us = store_now_us();
    unsigned char raw[8] = {0};
    if (RAND_bytes(raw, sizeof raw) != 1) memcpy(raw, &rec->time_us, sizeof raw);
    snprintf(rec->msgid, sizeof rec->msgid, "%.16s-%" PRId64 "-%02x%02x%02x%02x%02x%02x%02x%02x",
             msgid_prefix, seq, raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7]);
    /* the record continues the chain at the tail */
    assert(rec->seq >= 1 && strlen(rec->prev_hash) == HASH_HEX_BYTES && rec->ref_seq == 0);
    return 0;
}

static void hex_of(const unsigned char *md, unsigned len, char *out) {
    assert(md != NULL && out != NULL && 2 * len <= HASH_HEX_BYTES);
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < len; i++) {
        out[2 * i] = digits[md[i] >> 4];
        out[2 * i + 1] = digits[md[i] & 15];
    }
    out[2 * len] = '\0';
}

/* SHA-256 fetched once: OpenSSL 3 looks the algorithm up on every implicit use. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void) {
    assert(sha256_md == NULL); /* once */
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256(void) {
    pthread_once(&sha256_once, sha256_fetch);
    const EVP_MD *md = sha256_md != NULL ? sha256_md : EVP_sha256();
    assert(md != NULL && EVP_MD_get_size(md) * 2 == HASH_HEX_BYTES);
    return md;
}

void sha256_hex(const void *data, size_t len, char out[HASH_HEX_BYTES + 1]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    assert((data != NULL || len == 0) && out != NULL);
    int ok = EVP_Digest(data, len, md, &md_len, sha256(), NULL);
    assert(ok == 1 && md_len == 32);
    if (ok != 1 || md_len != 32) { /* cannot happen with a working libcrypto */
        memset(out, '0', HASH_HEX_BYTES);
        out[HASH_HEX_BYTES] = '\0';
        return;
    }
    hex_of(md, md_len, out);
    assert(strlen(out) == HASH_HEX_BYTES);
}

/* Appends text and a newline; returns the new length or size on overflow. */
static size_t put_text(char *buf, size_t len, size_t size, const char *text) {
    assert(buf != NULL && text != NULL && len <= size);
    size_t n = strlen(text);
    if (len + n + 1 > size) return size;
    memcpy(buf + len, text, n);
    buf[len + n] = '\n';
    return len + n + 1;
}

/* Decimal int64 without printf (the hot path formats dozens per record). */
static size_t put_i64(char *buf, size_t len, size_t size, int64_t v) {
    assert(buf != NULL && len <= size);
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do tmp[n++] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0) tmp[n++] = '-';
    assert(n >= 1 && n <= 20); /* INT64_MIN: 19 digits and the sign */
    if (len + (size_t)n + 1 > size) return size;
    for (int i = 0; i < n; i++) buf[len + (size_t)i] = tmp[n - 1 - i];
    buf[len + (size_t)n] = '\n';
    return len + (size_t)n + 1;
}

void journal_hash(const struct journal_rec *rec, char out[HASH_HEX_BYTES + 1]) {
    assert(rec != NULL && out != NULL);
    char canon[CANON_BYTES_MAX];
    size_t n = 0, size = sizeof canon;
    n = put_text(canon, n, size, rec->prev_hash);
    n = put_i64(canon, n, size, rec->seq);
    n = put_i64(canon, n, size, rec->time_us);
    n = put_text(canon, n, size, journal_kind_name(rec->kind));
    n = put_text(canon, n, size, rec->msgid);
    n = put_text(canon, n, size, rec->psn_no);
    n = put_text(canon, n, size, rec->fixmedins_code);
    n = put_i64(canon, n, size, rec->ref_seq);
    n = put_i64(canon, n, size, rec->year);
    n = put_text(canon, n, size, rec->req_hash);
    n = put_text(canon, n, size, rec->body);
    assert(n < size); /* the canonical form of a bounded record fits */
    sha256_hex(canon, n, out);
    assert(out[HASH_HEX_BYTES] == '\0');
}

/* ---- body encoding ---------------------------------------------------- */
struct field64 {
    const char *key;
    size_t offset;
};

/* The int64 keys of a body, in their order: the setlinfo figures (rows of
 * SETLINFO_FIELDS), the fund rooms (FUND_LAYERS, key <fund>_room) and the
 * delta (YEAR_STATE_FIELDS, key d.<name>); all int64_t (asserted in core). */
#define SETL_KEY_(unused, name, kind) \
    {#name, offsetof(struct store_settlement, setl) + offsetof(struct setlinfo, name)},
#define ROOM_KEY_(unused, fund, ...) \
    {#fund "_room",                  \
     offsetof(struct store_settlement, rooms) + offsetof(struct fund_rooms, fund##_room_fen)},
#define DELTA_KEY_(unused, name, where) \
    {"d." #name,                        \
     offsetof(struct store_settlement, delta) + offsetof(struct year_state, name##_fen)},
static const struct field64 FIELDS64[] = {SETLINFO_FIELDS(SETL_KEY_, ~) FUND_LAYERS(ROOM_KEY_, ~)
                                              YEAR_STATE_FIELDS(DELTA_KEY_, ~)};
#undef SETL_KEY_
#undef ROOM_KEY_
#undef DELTA_KEY_
#define FIELDS64_COUNT (sizeof FIELDS64 / sizeof FIELDS64[0])

static int64_t *field_ptr(struct store_settlement *s, size_t i) {
    assert(s != NULL && i < FIELDS64_COUNT);
    assert(FIELDS64[i].offset % sizeof(int64_t) == 0);
    return (int64_t *)(void *)((char *)s + FIELDS64[i].offset);
}

/* " key=value" with value in decimal; returns the new length or size. */
static size_t put_pair(char *buf, size_t len, size_t size, const char *key, int64_t v) {
    assert(buf != NULL && key != NULL && len <= size);
    size_t k = strlen(key);
    assert(k > 0 && strchr(key, ' ') == NULL && strchr(key, '=') == NULL); /* keys parse back */
    if (len + k + 2 >= size) return size;
    buf[len++] = ' ';
    memcpy(buf + len, key, k);
    len += k;
    buf[len++] = '=';
    len = put_i64(buf, len, size, v);
    if (len >= size) return size;
    buf[len - 1] = '\0'; /* put_i64 ended with a newline */
    return len - 1;
}

/* " note=TEXT", TEXT percent-encoded (a space, '%', '=' and any byte
 * outside printable ASCII as %XX: a body's pairs are split at spaces).
 * Last of all, after bill=: the bodies of earlier releases read as before. */
static size_t put_note(char *body, size_t len, size_t size, const char *note) {
    static const char hex[] = "0123456789ABCDEF";
    assert(body != NULL && note != NULL && len < size);
    if (len + 6 >= size) return size;
    memcpy(body + len, " note=", 6);
    len += 6;
    for (const unsigned char *p = (const unsigned char *)note; *p && len < size; p++) {
        bool plain = *p > 0x20 && *p < 0x7f && *p != '%' && *p != '=';
        if (plain) {
            body[len++] = (char)*p;
            continue;
        }
        if (len + 3 >= size) return size;
        body[len++] = '%';
        body[len++] = hex[*p >> 4];
        body[len++] = hex[*p & 15];
    }
    return len;
}

static int hex_digit(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The note's text back from its percent-encoded value. */
static int get_note(const char *val, size_t vlen, char *out, size_t size) {
    size_t n = 0;
    assert(val != NULL && out != NULL && size > 0);
    for (size_t i = 0; i < vlen; i++) {
        char c = val[i];
        if (c == '%') {
            if (i + 2 >= vlen) return -1;
            int hi = hex_digit(val[i + 1]), lo = hex_digit(val[i + 2]);
            if (hi < 0 || lo < 0) return -1;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (n + 1 >= size) return -1;
        out[n++] = c;
    }
    out[n] = '\0';
    return 0;
}

static int parse_i64(const char *text, size_t len, int64_t *out);

/* " h.<i>=<psn_no>:<fen>" per holder's part (FUNDS.md §5 Step 7b): the
 * accounts a revoke returns them to. psn_no has no space, '=' or ':'. */
static size_t put_holders(char *body, size_t len, size_t size, const struct store_settlement *stl) {
    assert(stl->holder_count >= 0 && stl->holder_count <= SETTLE_HOLDERS_MAX);
    for (int32_t i = 0; i < stl->holder_count && len < size; i++) {
        const struct store_holder_part *h = &stl->holders[i];
        assert(h->pay_fen > 0 && h->psn_no[0] != '\0' && strpbrk(h->psn_no, " =:") == NULL);
        int n = snprintf(body + len, size - len, " h.%d=%s:%" PRId64, (int)i, h->psn_no,
                         h->pay_fen);
        len = n < 0 || (size_t)n >= size - len ? size : len + (size_t)n;
    }
    return len;
}

/* A holder's part back from "h.<i>" = "<psn_no>:<fen>"; parts in order. */
static int get_holder(const char *key, size_t klen, const char *val, size_t vlen,
                      struct store_settlement *out) {
    int64_t i = -1, fen = 0;
    if (parse_i64(key + 2, klen - 2, &i) != 0 || i != out->holder_count || i >= SETTLE_HOLDERS_MAX)
        return -1;
    const char *colon = memchr(val, ':', vlen);
    size_t plen = colon ? (size_t)(colon - val) : 0;
    if (colon == NULL || plen == 0 || plen > CODE_BYTES_MAX ||
        parse_i64(colon + 1, vlen - plen - 1, &fen) != 0 || fen <= 0)
        return -1;
    struct store_holder_part *h = &out->holders[out->holder_count++];
    memcpy(h->psn_no, val, plen);
    h->psn_no[plen] = '\0';
    h->pay_fen = fen;
    return 0;
}

int settlement_encode(const struct store_settlement *stl, char *body, size_t size) {
    assert(stl != NULL && body != NULL && size > 0);
    size_t len = strlen(stl->region);
    if (len + 8 >= size) return -1;
    memcpy(body, "region=", 7);
    memcpy(body + 7, stl->region, len);
    len += 7;
    len = put_pair(body, len, size, "insutype", stl->insutype);
    len = put_pair(body, len, size, "year", stl->year);
    len = put_pair(body, len, size, "pool_ratio", stl->pool_ratio_bp);
    if (stl->delta.admissions != 0)
        len = put_pair(body, len, size, "d.admissions", stl->delta.admissions);
    struct store_settlement *mut = (struct store_settlement *)(uintptr_t)stl;
    for (size_t i = 0; i < FIELDS64_COUNT && len < size; i++) {
        int64_t v = *field_ptr(mut, i);
        if (v != 0) len = put_pair(body, len, size, FIELDS64[i].key, v); /* absent = 0 */
    }
    char key[24];
    for (int d = 0; d < POLICY_DISEASES_MAX && len < size; d++) {
        if (stl->delta.special_paid_fen[d] == 0) continue;
        snprintf(key, sizeof key, "d.sp.%d", d);
        len = put_pair(body, len, size, key, stl->delta.special_paid_fen[d]);
    }
    len = put_holders(body, len, size, stl);
    /* last, so that the bodies of earlier releases read as before */
    size_t h = strlen(stl->bill_hash);
    if (h > 0 && len < size) {
        assert(h == HASH_HEX_BYTES);
        if (len + 6 + h >= size) return -1;
        memcpy(body + len, " bill=", 6);
        memcpy(body + len + 6, stl->bill_hash, h);
        len += 6 + h;
    }
    if (stl->note[0] != '\0' && len < size) len = put_note(body, len, size, stl->note);
    if (len >= size) return -1;
    body[len] = '\0';
    assert(strlen(body) == len && len <= INT32_MAX);
    return (int)len;
}

/* An integer as the encoders write it (record_body.c's one reader). */
static int parse_i64(const char *text, size_t len, int64_t *out) {
    assert(text != NULL && out != NULL);
    return body_int(text, len, out) ? 0 : -1;
}

static int set_small(const char *key, size_t klen, int64_t v, struct store_settlement *out) {
    assert(key != NULL && out != NULL);
    int32_t *dst = NULL;
    if (klen == 8 && memcmp(key, "insutype", 8) == 0) dst = &out->insutype;
    else if (klen == 4 && memcmp(key, "year", 4) == 0) dst = &out->year;
    else if (klen == 10 && memcmp(key, "pool_ratio", 10) == 0) dst = &out->pool_ratio_bp;
    else if (klen == 12 && memcmp(key, "d.admissions", 12) == 0) dst = &out->delta.admissions;
    if (dst == NULL) return 1;
    if (v < INT32_MIN || v > INT32_MAX) return -1;
    *dst = (int32_t)v;
    return 0;
}

/* The field named key[0..klen), or -1. The encoder writes the fields in
 * FIELDS64's order, so the search starts after the last one found (*next)
 * and a body decodes in one pass over the table instead of one a key. */
static int field_index(const char *key, size_t klen, size_t *next) {
    assert(key != NULL && next != NULL && *next <= FIELDS64_COUNT);
    for (size_t n = 0; n < FIELDS64_COUNT; n++) {
        size_t i = (*next + n) % FIELDS64_COUNT;
        /* strncmp stops at the field's end: no strlen of every field */
        if (strncmp(FIELDS64[i].key, key, klen) == 0 && FIELDS64[i].key[klen] == '\0') {
            *next = i + 1;
            return (int)i;
        }
    }
    return -1;
}

static int set_pair(const char *key, size_t klen, const char *val, size_t vlen,
                    struct store_settlement *out, size_t *next) {
    assert(key != NULL && val != NULL && out != NULL);
    if (klen == 6 && memcmp(key, "region", 6) == 0) {
        if (vlen > CODE_BYTES_MAX) return -1;
        memcpy(out->region, val, vlen);
        out->region[vlen] = '\0';
        return 0;
    }
    if (klen == 4 && memcmp(key, "note", 4) == 0)
        return get_note(val, vlen, out->note, sizeof out->note);
    if (klen == 4 && memcmp(key, "bill", 4) == 0) {
        if (vlen != HASH_HEX_BYTES || strspn(val, "0123456789abcdef") < vlen) return -1;
        memcpy(out->bill_hash, val, vlen);
        out->bill_hash[vlen] = '\0';
        return 0;
    }
    if (klen > 2 && memcmp(key, "h.", 2) == 0) return get_holder(key, klen, val, vlen, out);
    int64_t v = 0;
    if (parse_i64(val, vlen, &v) != 0) return -1;
    int small = set_small(key, klen, v, out);
    if (small <= 0) return small;
    if (klen > 5 && memcmp(key, "d.sp.", 5) == 0) {
        int64_t d = 0;
        if (parse_i64(key + 5, klen - 5, &d) != 0 || d < 0 || d >= POLICY_DISEASES_MAX) return -1;
        assert(d >= 0 && d < POLICY_DISEASES_MAX);
        out->delta.special_paid_fen[d] = v;
        return 0;
    }
    int i = field_index(key, klen, next);
    if (i < 0) return -1;
    *field_ptr(out, (size_t)i) = v;
    return 0;
}

int settlement_decode(const char *body, struct store_settlement *out, const char **bad_key) {
    assert(body != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    *bad_key = NULL;
    int seen = 0;
    size_t next = 0; /* FIELDS64's index to try first */
    const char *p = body;
    while (*p != '\0') {
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq == NULL ||
            set_pair(p, (size_t)(eq - p), eq + 1, len - (size_t)(eq - p) - 1, out, &next) != 0) {
            *bad_key = p;
            return -1;
        }
        seen++;
        p += len;
        if (*p == ' ') p++;
    }
    if (seen < 4 || out->region[0] == '\0' || out->year == 0) {
        *bad_key = "(region, insutype, year, pool_ratio required)";
        return -1;
    }
    out->delta.year = out->year;
    assert(*bad_key == NULL && out->region[0] != '\0' && out->delta.year != 0);
    return 0;
}

/* The holders' parts (h.<i>): the same accounts, the same amounts. */
static const char *holders_diff(const struct store_settlement *a, const struct store_settlement *b,
                                int64_t *va, int64_t *vb) {
    static const char *const keys[] = {"h.0", "h.1", "h.2", "h.3"};
    _Static_assert(sizeof keys / sizeof keys[0] == SETTLE_HOLDERS_MAX, "one per holder");
    *va = a->holder_count, *vb = b->holder_count;
    if (*va != *vb) return "h (holders that paid)";
    for (int32_t i = 0; i < a->holder_count; i++) {
        *va = a->holders[i].pay_fen, *vb = b->holders[i].pay_fen;
        if (*va != *vb || strcmp(a->holders[i].psn_no, b->holders[i].psn_no) != 0) return keys[i];
    }
    *va = *vb = 0;
    return NULL;
}

const char *settlement_diff(const struct store_settlement *a, const struct store_settlement *b,
                            int64_t *va, int64_t *vb) {
    assert(a != NULL && b != NULL && va != NULL && vb != NULL);
    if (strcmp(a->region, b->region) != 0) return *va = *vb = 0, "region";
    const int64_t small[][2] = {{a->insutype, b->insutype},
                                {a->year, b->year},
                                {a->pool_ratio_bp, b->pool_ratio_bp},
                                {a->delta.admissions, b->delta.admissions}};
    static const char *const small_keys[] = {"insutype", "year", "pool_ratio", "d.admissions"};
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++)
        if (small[i][0] != small[i][1]) return *va = small[i][0], *vb = small[i][1], small_keys[i];
    struct store_settlement *ma = (struct store_settlement *)(uintptr_t)a;
    struct store_settlement *mb = (struct store_settlement *)(uintptr_t)b;
    for (size_t i = 0; i < FIELDS64_COUNT; i++) {
        *va = *field_ptr(ma, i);
        *vb = *field_ptr(mb, i);
        if (*va != *vb) return FIELDS64[i].key;
    }
    /* constant names: a check may run beside other threads */
    static const char *const sp_keys[] = {
        "d.sp.0",  "d.sp.1",  "d.sp.2",  "d.sp.3",  "d.sp.4",  "d.sp.5",  "d.sp.6",  "d.sp.7",
        "d.sp.8",  "d.sp.9",  "d.sp.10", "d.sp.11", "d.sp.12", "d.sp.13", "d.sp.14", "d.sp.15",
        "d.sp.16", "d.sp.17", "d.sp.18", "d.sp.19", "d.sp.20", "d.sp.21", "d.sp.22", "d.sp.23",
        "d.sp.24", "d.sp.25", "d.sp.26", "d.sp.27", "d.sp.28", "d.sp.29", "d.sp.30", "d.sp.31"};
    _Static_assert(sizeof sp_keys / sizeof sp_keys[0] == POLICY_DISEASES_MAX, "one per disease");
    for (int d = 0; d < POLICY_DISEASES_MAX; d++) {
        *va = a->delta.special_paid_fen[d];
        *vb = b->delta.special_paid_fen[d];
        if (*va != *vb) return sp_keys[d];
    }
    return holders_diff(a, b, va, vb);
}

/* ---- request hashes --------------------------------------------------- */
/* Canonical request bytes: each field as text or fixed-width integer,
 * fields and lines in order. */
struct canon {
    unsigned char buf[1024];
    size_t len;
    EVP_MD_CTX *ctx;
    bool ok;
};

static void canon_flush(struct canon *c) {
    assert(c != NULL && c->len <= sizeof c->buf);
    if (c->ok && c->len > 0) c->ok = EVP_DigestUpdate(c->ctx, c->buf, c->len) == 1;
    c->len = 0;
}

static void canon_bytes(struct canon *c, const void *data, size_t n) {
    assert(n < sizeof c->buf);
    if (c->len + n > sizeof c->buf) canon_flush(c);
    assert(c->len + n <= sizeof c->buf);
    memcpy(c->buf + c->len, data, n);
    c->len += n;
}

static void canon_str(struct canon *c, const char *s) {
    assert(s != NULL);
    canon_bytes(c, s, strlen(s) + 1);
}

static void canon_i64(struct canon *c, int64_t v) {
    assert(c != NULL);
    unsigned char le[8];
    for (int i = 0; i < 8; i++) le[i] = (unsigned char)((uint64_t)v >> (8 * i));
    canon_bytes(c, le, sizeof le);
}

void bill_request_hash(const char *psn_no, const struct bill *bill, int32_t insutype_asked,
                       char out[HASH_HEX_BYTES + 1]) {
    assert(psn_no != NULL && bill != NULL && out != NULL);
    assert(bill->line_count >= 0 && bill->line_count <= BILL_LINES_MAX);
    struct canon c = {.len = 0, .ctx = EVP_MD_CTX_new()};
    c.ok = c.ctx != NULL && EVP_DigestInit_ex(c.ctx, sha256(), NULL) == 1;
    canon_str(&c, "bill/1");
    canon_str(&c, psn_no);
    canon_str(&c, bill->fixmedins_code);
    canon_str(&c, bill->dise_codg);
    canon_str(&c, bill->spec_dise_codg);
    int64_t head[] = {bill->med_type,    bill->dates_ok, bill->begntime,  bill->endtime,
                      bill->out_of_area, bill->filed,    bill->acct_used, bill->line_count};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) canon_i64(&c, head[i]);
    for (int32_t i = 0; i < bill->line_count; i++) {
        const struct bill_line *l = &bill->lines[i];
        canon_str(&c, l->feedetl_sn);
        canon_str(&c, l->med_list_codg);
        canon_str(&c, l->bad_field ? l->bad_field : "");
        int64_t nums[] = {l->has_feedetl_sn, l->cnt_scaled, l->pric_scaled, l->amount_fen,
                          l->numbers_ok};
        for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) canon_i64(&c, nums[k]);
    }
    /* only when asked: the hashes of earlier releases' requests stay the same */
    if (insutype_asked != 0) canon_i64(&c, insutype_asked);
    if (bill->admission_continued) { /* likewise: only a continued stay's part */
        canon_str(&c, "continued");
        canon_i64(&c, bill->admission_dedc_paid_fen);
    }
    canon_flush(&c);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    c.ok = c.ok && EVP_DigestFinal_ex(c.ctx, md, &md_len) == 1 && md_len == 32;
    EVP_MD_CTX_free(c.ctx);
    if (!c.ok) { /* allocation failure in libcrypto: a hash no request can match */
        memset(out, 'x', HASH_HEX_BYTES);
        out[HASH_HEX_BYTES] = '\0';
        return;
    }
    hex_of(md, md_len, out);
    assert(strlen(out) == HASH_HEX_BYTES);
}

void revoke_request_hash(int64_t setl_id, char out[HASH_HEX_BYTES + 1]) {
    assert(out != NULL);
    char text[64];
    int n = snprintf(text, sizeof text, "revoke\n%" PRId64, setl_id);
    assert(n > 0 && (size_t)n < sizeof text);
    sha256_hex(text, (size_t)n, out);
}
