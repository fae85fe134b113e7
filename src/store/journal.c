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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "store/store.h"

#define CANON_BYTES_MAX (JOURNAL_BODY_BYTES_MAX + 1024)

void store_errf(struct store_err *err, const char *format, ...) {
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
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *journal_kind_name(enum journal_kind kind) {
    switch (kind) {
    case JOURNAL_SETTLE: return "settle";
    case JOURNAL_REVOKE: return "revoke";
    case JOURNAL_IMPORT: return "import";
    }
    return "?";
}

static void hex_of(const unsigned char *md, unsigned len, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < len; i++) {
        out[2 * i] = digits[md[i] >> 4];
        out[2 * i + 1] = digits[md[i] & 15];
    }
    out[2 * len] = '\0';
}

void sha256_hex(const void *data, size_t len, char out[HASH_HEX_BYTES + 1]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    int ok = EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL);
    assert(ok == 1 && md_len == 32);
    if (ok != 1 || md_len != 32) { /* cannot happen with a working libcrypto */
        memset(out, '0', HASH_HEX_BYTES);
        out[HASH_HEX_BYTES] = '\0';
        return;
    }
    hex_of(md, md_len, out);
}

void journal_hash(const struct journal_rec *rec, char out[HASH_HEX_BYTES + 1]) {
    char canon[CANON_BYTES_MAX];
    int n = snprintf(canon, sizeof canon,
                     "%s\n%" PRId64 "\n%" PRId64 "\n%s\n%s\n%s\n%s\n%" PRId64 "\n%d\n%s\n%s",
                     rec->prev_hash, rec->seq, rec->time_us, journal_kind_name(rec->kind),
                     rec->msgid, rec->psn_no, rec->fixmedins_code, rec->ref_seq, (int)rec->year,
                     rec->req_hash, rec->body);
    assert(n > 0 && (size_t)n < sizeof canon);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof canon) n = (int)sizeof canon - 1;
    sha256_hex(canon, (size_t)n, out);
}

/* ---- body encoding ---------------------------------------------------- */
struct field64 {
    const char *key;
    size_t offset;
};

#define SETL(f) {#f, offsetof(struct store_settlement, setl) + offsetof(struct setlinfo, f)}
#define ROOM(k, f) {k, offsetof(struct store_settlement, rooms) + offsetof(struct fund_rooms, f)}
#define DELTA(k, f) {k, offsetof(struct store_settlement, delta) + offsetof(struct year_state, f)}
static const struct field64 FIELDS64[] = {
    SETL(medfee_sumamt), SETL(fulamt_ownpay_amt), SETL(overlmt_selfpay), SETL(preselfpay_amt),
    SETL(inscp_scp_amt), SETL(act_pay_dedc), SETL(hifp_pay), SETL(hifob_pay), SETL(hifmi_pay),
    SETL(maf_pay), SETL(fund_pay_sumamt), SETL(psn_part_amt), SETL(acct_pay),
    SETL(psn_cash_pay), SETL(balc),
    ROOM("hifp_room", hifp_room_fen), ROOM("hifob_room", hifob_room_fen),
    ROOM("hifmi_room", hifmi_room_fen), ROOM("maf_room", maf_room_fen),
    DELTA("d.basic_paid", basic_paid_fen), DELTA("d.general_paid", general_paid_fen),
    DELTA("d.general_ded_used", general_ded_used_fen),
    DELTA("d.special_ded_used", special_ded_used_fen), DELTA("d.over_cap_paid", over_cap_paid_fen),
    DELTA("d.cat_burden", cat_burden_fen), DELTA("d.cat_paid", cat_paid_fen),
    DELTA("d.maf_paid", maf_paid_fen), DELTA("d.acct_balc", acct_balc_fen),
};
#define FIELDS64_COUNT (sizeof FIELDS64 / sizeof FIELDS64[0])

static int64_t *field_ptr(struct store_settlement *s, size_t i) {
    return (int64_t *)(void *)((char *)s + FIELDS64[i].offset);
}

int settlement_encode(const struct store_settlement *stl, char *body, size_t size) {
    assert(stl != NULL && body != NULL);
    size_t len = 0;
    int n = snprintf(body, size, "region=%s insutype=%d year=%d pool_ratio=%d d.admissions=%d",
                     stl->region, (int)stl->insutype, (int)stl->year, (int)stl->pool_ratio_bp,
                     (int)stl->delta.admissions);
    if (n < 0 || (size_t)n >= size) return -1;
    len = (size_t)n;
    struct store_settlement *mut = (struct store_settlement *)(uintptr_t)stl;
    for (size_t i = 0; i < FIELDS64_COUNT; i++) {
        n = snprintf(body + len, size - len, " %s=%" PRId64, FIELDS64[i].key, *field_ptr(mut, i));
        if (n < 0 || (size_t)n >= size - len) return -1;
        len += (size_t)n;
    }
    for (int d = 0; d < POLICY_DISEASES_MAX; d++) {
        if (stl->delta.special_paid_fen[d] == 0) continue;
        n = snprintf(body + len, size - len, " d.sp.%d=%" PRId64, d, stl->delta.special_paid_fen[d]);
        if (n < 0 || (size_t)n >= size - len) return -1;
        len += (size_t)n;
    }
    return (int)len;
}

static int parse_i64(const char *text, size_t len, int64_t *out) {
    if (len == 0 || len > 20) return -1;
    char buf[24];
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *end = NULL;
    long long v = strtoll(buf, &end, 10);
    if (end != buf + len) return -1;
    *out = (int64_t)v;
    return 0;
}

static int set_small(const char *key, size_t klen, int64_t v, struct store_settlement *out) {
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

static int set_pair(const char *key, size_t klen, const char *val, size_t vlen,
                    struct store_settlement *out) {
    if (klen == 6 && memcmp(key, "region", 6) == 0) {
        if (vlen > CODE_BYTES_MAX) return -1;
        memcpy(out->region, val, vlen);
        out->region[vlen] = '\0';
        return 0;
    }
    int64_t v = 0;
    if (parse_i64(val, vlen, &v) != 0) return -1;
    int small = set_small(key, klen, v, out);
    if (small <= 0) return small;
    if (klen > 5 && memcmp(key, "d.sp.", 5) == 0) {
        int64_t d = 0;
        if (parse_i64(key + 5, klen - 5, &d) != 0 || d < 0 || d >= POLICY_DISEASES_MAX) return -1;
        out->delta.special_paid_fen[d] = v;
        return 0;
    }
    for (size_t i = 0; i < FIELDS64_COUNT; i++) {
        if (strlen(FIELDS64[i].key) == klen && memcmp(FIELDS64[i].key, key, klen) == 0) {
            *field_ptr(out, i) = v;
            return 0;
        }
    }
    return -1;
}

int settlement_decode(const char *body, struct store_settlement *out, const char **bad_key) {
    assert(body != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    *bad_key = NULL;
    int seen = 0;
    const char *p = body;
    while (*p != '\0') {
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq == NULL || set_pair(p, (size_t)(eq - p), eq + 1, len - (size_t)(eq - p) - 1, out) != 0) {
            *bad_key = p;
            return -1;
        }
        seen++;
        p += len;
        if (*p == ' ') p++;
    }
    if (seen < (int)FIELDS64_COUNT + 5) {
        *bad_key = "(missing fields)";
        return -1;
    }
    out->delta.year = out->year;
    return 0;
}

/* ---- request hashes --------------------------------------------------- */
void bill_request_hash(const char *psn_no, const struct bill *bill, char out[HASH_HEX_BYTES + 1]) {
    assert(psn_no != NULL && bill != NULL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    char head[1024];
    int n = snprintf(head, sizeof head, "bill\n%s\n%s\n%d\n%d\n%" PRId64 "\n%" PRId64 "\n%s\n%s\n%d%d%d\n%d\n",
                     psn_no, bill->fixmedins_code, (int)bill->med_type, (int)bill->dates_ok,
                     bill->begntime, bill->endtime, bill->dise_codg, bill->spec_dise_codg,
                     (int)bill->out_of_area, (int)bill->filed, (int)bill->acct_used,
                     (int)bill->line_count);
    bool ok = ctx != NULL && n > 0 && (size_t)n < sizeof head &&
              EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
              EVP_DigestUpdate(ctx, head, (size_t)n) == 1;
    for (int32_t i = 0; ok && i < bill->line_count; i++) {
        const struct bill_line *l = &bill->lines[i];
        n = snprintf(head, sizeof head, "%s|%d|%s|%" PRId64 "|%" PRId64 "|%" PRId64 "|%d|%s\n",
                     l->feedetl_sn, (int)l->has_feedetl_sn, l->med_list_codg, l->cnt_scaled,
                     l->pric_scaled, l->amount_fen, (int)l->numbers_ok,
                     l->bad_field ? l->bad_field : "");
        ok = n > 0 && (size_t)n < sizeof head && EVP_DigestUpdate(ctx, head, (size_t)n) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len == 32;
    EVP_MD_CTX_free(ctx);
    if (!ok) { /* allocation failure in libcrypto: a hash no request can match */
        memset(out, 'x', HASH_HEX_BYTES);
        out[HASH_HEX_BYTES] = '\0';
        return;
    }
    hex_of(md, md_len, out);
}

void revoke_request_hash(int64_t setl_id, char out[HASH_HEX_BYTES + 1]) {
    char text[64];
    int n = snprintf(text, sizeof text, "revoke\n%" PRId64, setl_id);
    assert(n > 0 && (size_t)n < sizeof text);
    sha256_hex(text, (size_t)n, out);
}
