/* fuzz_json.c: libFuzzer target for src/json. Parses the input into a reused
 * doc, checks the tree's invariants, re-serialises it with json_buf and
 * checks that the output parses back to an identical tree. Also feeds the
 * raw bytes to json_buf_str (output must parse back) and checks
 * json_buf_fen against a reference built from json_buf_int. Any violated
 * property aborts. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"

#define FUZZ_DEPTH_MAX 32u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct json_doc *doc_in;  /* parses the fuzz input */
static struct json_doc *doc_out; /* parses what the writer produced */
static struct json_buf out;
static struct json_buf ref;

static void check(bool ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_json: property violated: %s\n", what);
        abort();
    }
}

static void setup(void) {
    struct json_limits in = {
        .bytes_max = 1u << 20, .depth_max = FUZZ_DEPTH_MAX, .nodes_max = 1u << 16};
    struct json_limits back = {
        .bytes_max = 8u << 20, .depth_max = FUZZ_DEPTH_MAX, .nodes_max = 1u << 16};
    doc_in = json_doc_new(&in);
    doc_out = json_doc_new(&back);
    check(doc_in != NULL && doc_out != NULL, "json_doc_new");
    json_buf_init(&out);
    json_buf_init(&ref);
}

/* Checks one value's invariants and appends it to `out` as JSON. */
static void walk(const struct json_value *v, const struct json_value *parent, unsigned depth) {
    check(depth <= FUZZ_DEPTH_MAX, "depth within the limit");
    bool in_object = parent != NULL && parent->type == JSON_OBJECT;
    check((v->key != NULL) == in_object, "key set exactly for object members");
    if (in_object) {
        check(strlen(v->key) == v->key_len, "key has no NUL");
        check(json_get(parent, v->key) != NULL, "json_get finds every key");
        json_buf_key(&out, v->key);
    }
    switch (v->type) {
    case JSON_NULL: json_buf_raw(&out, "null", 4); break;
    case JSON_TRUE: json_buf_raw(&out, "true", 4); break;
    case JSON_FALSE: json_buf_raw(&out, "false", 5); break;
    case JSON_NUMBER:
        check(v->len > 0 && strlen(v->text) == v->len, "number text");
        json_buf_raw(&out, v->text, v->len);
        break;
    case JSON_STRING:
        check(strlen(v->text) == v->len, "string has no NUL");
        json_buf_str(&out, v->text);
        break;
    case JSON_ARRAY:
    case JSON_OBJECT: {
        uint32_t count = 0;
        json_buf_char(&out, v->type == JSON_ARRAY ? '[' : '{');
        for (const struct json_value *c = v->child; c != NULL; c = c->next) {
            if (count++ > 0) json_buf_char(&out, ',');
            walk(c, v, depth + 1);
        }
        check(count == v->len, "member count");
        json_buf_char(&out, v->type == JSON_ARRAY ? ']' : '}');
        break;
    }
    default: check(false, "known type");
    }
}

static bool same_text(const char *a, uint32_t alen, const char *b, uint32_t blen) {
    if (a == NULL || b == NULL) return a == b;
    return alen == blen && memcmp(a, b, alen) == 0;
}

static bool same_tree(const struct json_value *a, const struct json_value *b) {
    if (a->type != b->type || a->len != b->len ||
        !same_text(a->key, a->key_len, b->key, b->key_len))
        return false;
    if ((a->type == JSON_STRING || a->type == JSON_NUMBER) &&
        !same_text(a->text, a->len, b->text, b->len))
        return false;
    const struct json_value *x = a->child, *y = b->child;
    for (; x != NULL && y != NULL; x = x->next, y = y->next)
        if (!same_tree(x, y)) return false;
    return x == NULL && y == NULL;
}

/* The writer must turn any byte string into a valid JSON string. Each
 * invalid byte grows to U+FFFD (3 bytes), so an output as long as the input
 * means nothing was replaced and the bytes went through unchanged. */
static void check_buf_str(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    check(s != NULL, "malloc");
    memcpy(s, data, size);
    s[size] = '\0';
    size_t n = strlen(s);
    json_buf_reset(&out);
    json_buf_str(&out, s);
    check(!out.failed, "json_buf_str");
    struct json_error err;
    const struct json_value *v = json_parse(doc_out, out.data, out.len, &err);
    check(v != NULL && v->type == JSON_STRING, "json_buf_str output parses as a string");
    check(v->len >= n, "json_buf_str loses no bytes");
    check(v->len != n || memcmp(v->text, s, n) == 0, "valid UTF-8 passes through");
    free(s);
}

/* json_buf_fen must equal json_buf_int's digits, zero-padded to at least
 * three, with a point before the last two. */
static void check_fen(const uint8_t *data, size_t size) {
    int64_t v = 0;
    memcpy(&v, data, size < sizeof v ? size : sizeof v);
    json_buf_reset(&ref);
    json_buf_int(&ref, v);
    check(!ref.failed, "json_buf_int");
    const char *digits = ref.data[0] == '-' ? ref.data + 1 : ref.data;
    size_t n = strlen(digits), pad = n < 3 ? 3 - n : 0;
    char padded[32], want[40];
    check(n + pad < sizeof padded, "int64 digits");
    memset(padded, '0', pad);
    memcpy(padded + pad, digits, n + 1);
    size_t m = n + pad;
    snprintf(want, sizeof want, "%s%.*s.%s", v < 0 ? "-" : "", (int)(m - 2), padded,
             padded + m - 2);
    json_buf_reset(&out);
    json_buf_fen(&out, v);
    check(!out.failed && strcmp(out.data, want) == 0, "json_buf_fen matches json_buf_int");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (doc_in == NULL) setup();
    struct json_error err;
    const struct json_value *root = json_parse(doc_in, (const char *)data, size, &err);
    if (root == NULL) {
        check(err.message[0] != '\0', "error has a message");
        check(err.offset <= size, "error offset inside the input");
    } else {
        json_buf_reset(&out);
        walk(root, NULL, 0);
        check(!out.failed, "writer allocation");
        const struct json_value *back = json_parse(doc_out, out.data, out.len, &err);
        check(back != NULL, "re-serialised document parses");
        check(same_tree(root, back), "round trip gives the same tree");
        /* a second parse into the reused doc gives the same tree again */
        const struct json_value *again = json_parse(doc_in, (const char *)data, size, &err);
        check(again != NULL && same_tree(again, back), "reparse into a reused doc");
    }
    check_buf_str(data, size);
    check_fen(data, size);
    return 0;
}
