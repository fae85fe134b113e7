/* record_body.c: the key=value body of the journal's fund records
 * (record_body.h). Encoders write with snprintf; this is their one reader:
 * it accepts exactly what they write, so a body altered by hand is refused
 * by `check` whatever record kind it sits in. */
#include "store/record_body.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

bool body_code_ok(const char *s, bool empty_ok, const char *also) {
    assert(s != NULL);
    if (s[0] == '\0') return empty_ok;
    for (const char *p = s; *p; p++)
        if (*p == ' ' || *p == '=' || (unsigned char)*p < 0x21 ||
            (also != NULL && strchr(also, *p) != NULL))
            return false;
    return true;
}

bool body_take(const char **p, const char *key, char *val, size_t size) {
    assert(p != NULL && *p != NULL && key != NULL && val != NULL && size > 0);
    size_t klen = strlen(key);
    assert(klen > 0);
    if (strncmp(*p, key, klen) != 0 || (*p)[klen] != '=') return false;
    const char *v = *p + klen + 1;
    size_t len = strcspn(v, " ");
    if (len == 0 || len >= size || (v[len] == ' ' && v[len + 1] == '\0')) return false;
    memcpy(val, v, len);
    val[len] = '\0';
    *p = v + len + (v[len] == ' ' ? 1 : 0);
    return true;
}

bool body_int(const char *val, size_t len, int64_t *out) {
    assert(val != NULL && out != NULL);
    const char *d = len > 0 && val[0] == '-' ? val + 1 : val;
    size_t dlen = len - (size_t)(d - val);
    if (dlen == 0 || dlen > 19 || strspn(d, "0123456789") < dlen) return false;
    if (d[0] == '0' && (dlen > 1 || d != val)) return false; /* "007", "-0" */
    int64_t v = 0;
    for (size_t i = 0; i < dlen; i++) {
        int digit = d[i] - '0';
        if (v > (INT64_MAX - digit) / 10) return false; /* beyond int64_t */
        v = v * 10 + digit;
    }
    *out = d != val ? -v : v;
    return true;
}

bool body_take_i64(const char **p, const char *key, int64_t *out) {
    char val[24];
    assert(p != NULL && out != NULL);
    const char *at = *p;
    if (!body_take(p, key, val, sizeof val)) return false;
    if (body_int(val, strlen(val), out)) return true;
    *p = at;
    return false;
}
