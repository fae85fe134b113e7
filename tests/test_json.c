/* test_json.c: cmocka tests of the JSON reader and writer (src/json): every
 * accepted and rejected form, exact number text, UTF-8 edge cases, limits at
 * and one past their value, doc reuse, and exact writer output. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "json/json.h"

/* ---- helpers ---------------------------------------------------------- */

static const struct json_value *parse_n(struct json_doc *doc, const char *src, size_t len,
                                        struct json_error *err) {
    const struct json_value *v = json_parse(doc, src, len, err);
    if (v == NULL) print_message("parse error at %zu: %s\n", err->offset, err->message);
    return v;
}

/* Parses src with default limits and checks it is a scalar of `type` whose
 * text (for strings and numbers) is exactly want[0..want_len). */
static void check_scalar(const char *src, enum json_type type, const char *want, size_t want_len) {
    struct json_doc *doc = json_doc_new(NULL);
    struct json_error err;
    assert_non_null(doc);
    const struct json_value *v = parse_n(doc, src, strlen(src), &err);
    assert_non_null(v);
    assert_int_equal(v->type, type);
    assert_null(v->key);
    if (want != NULL) {
        assert_int_equal(v->len, want_len);
        assert_memory_equal(v->text, want, want_len);
        assert_int_equal(v->text[want_len], '\0');
    }
    json_doc_free(doc);
}

/* Parses src[0..len) with `limits` (NULL: defaults) and checks that it fails
 * with a message starting with `msg` at byte `offset`. */
static void check_reject_with(const struct json_limits *limits, const char *src, size_t len,
                              const char *msg, size_t offset) {
    struct json_doc *doc = json_doc_new(limits);
    struct json_error err;
    assert_non_null(doc);
    const struct json_value *v = json_parse(doc, src, len, &err);
    if (v != NULL) fail_msg("accepted %.*s", (int)(len < 60 ? len : 60), src);
    if (strncmp(err.message, msg, strlen(msg)) != 0 || err.offset != offset)
        fail_msg("input %.*s: got \"%s\" at %zu, want \"%s\" at %zu", (int)(len < 60 ? len : 60),
                 src, err.message, err.offset, msg, offset);
    json_doc_free(doc);
}

static void check_reject(const char *src, const char *msg, size_t offset) {
    check_reject_with(NULL, src, strlen(src), msg, offset);
}

/* "[[[...]]]" with `depth` brackets each side; caller frees. */
static char *nested_arrays(size_t depth) {
    char *s = malloc(2 * depth + 1);
    assert_non_null(s);
    memset(s, '[', depth);
    memset(s + depth, ']', depth);
    s[2 * depth] = '\0';
    return s;
}

/* "[0,0,...]" holding `count` zeros; caller frees. */
static char *flat_array(size_t count) {
    char *s = malloc(2 * count + 3);
    assert_non_null(s);
    size_t n = 0;
    s[n++] = '[';
    for (size_t i = 0; i < count; i++) {
        if (i > 0) s[n++] = ',';
        s[n++] = '0';
    }
    s[n++] = ']';
    s[n] = '\0';
    return s;
}

/* ---- accepted forms --------------------------------------------------- */

static void test_literals(void **state) {
    (void)state;
    check_scalar("null", JSON_NULL, NULL, 0);
    check_scalar("true", JSON_TRUE, NULL, 0);
    check_scalar("false", JSON_FALSE, NULL, 0);
    check_scalar(" \t\r\n true \n\r\t ", JSON_TRUE, NULL, 0);
}

static void test_numbers_keep_text(void **state) {
    (void)state;
    static const char *const ok[] = {
        "0",     "-0",     "1.230", "1e-7",     "1e5",
        "1E5",   "1.5E-2", "1e+5",  "-12.5e10", "123456789012345678901234567890",
        "0.000", "-0.0e0", "9.99",  "100",      "0e0",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        check_scalar(ok[i], JSON_NUMBER, ok[i], strlen(ok[i]));
    check_scalar("  -0.50  ", JSON_NUMBER, "-0.50", 5);
}

static void test_empty_containers(void **state) {
    (void)state;
    struct json_doc *doc = json_doc_new(NULL);
    struct json_error err;
    const struct json_value *v = parse_n(doc, "[ ]", 3, &err);
    assert_non_null(v);
    assert_int_equal(v->type, JSON_ARRAY);
    assert_int_equal(v->len, 0);
    assert_null(v->child);
    v = parse_n(doc, "{\n}", 3, &err);
    assert_non_null(v);
    assert_int_equal(v->type, JSON_OBJECT);
    assert_int_equal(v->len, 0);
    assert_null(v->child);
    v = parse_n(doc, "[[],{},[[]]]", 12, &err);
    assert_non_null(v);
    assert_int_equal(v->len, 3);
    assert_int_equal(v->child->next->next->child->type, JSON_ARRAY);
    json_doc_free(doc);
}

static void test_nested_structure(void **state) {
    (void)state;
    const char *src = "{\"a\": [1, \"two\", {\"b\": null}], \"c\": {\"d\": [true, false]},"
                      " \"e\": -3.50}";
    struct json_doc *doc = json_doc_new(NULL);
    struct json_error err;
    const struct json_value *root = parse_n(doc, src, strlen(src), &err);
    assert_non_null(root);
    assert_int_equal(root->type, JSON_OBJECT);
    assert_int_equal(root->len, 3);
    const struct json_value *a = json_get(root, "a");
    assert_non_null(a);
    assert_int_equal(a->type, JSON_ARRAY);
    assert_int_equal(a->len, 3);
    assert_string_equal(a->key, "a");
    assert_int_equal(a->key_len, 1);
    assert_string_equal(a->child->text, "1");
    assert_null(a->child->key);
    assert_string_equal(a->child->next->text, "two");
    assert_int_equal(a->child->next->len, 3);
    const struct json_value *inner = a->child->next->next;
    assert_int_equal(inner->type, JSON_OBJECT);
    assert_null(inner->next);
    assert_int_equal(json_get(inner, "b")->type, JSON_NULL);
    const struct json_value *d = json_get(json_get(root, "c"), "d");
    assert_non_null(d);
    assert_int_equal(d->child->type, JSON_TRUE);
    assert_int_equal(d->child->next->type, JSON_FALSE);
    assert_string_equal(json_get(root, "e")->text, "-3.50");
    assert_null(json_get(root, "e")->next);
    json_doc_free(doc);
}

static void test_input_not_nul_terminated(void **state) {
    (void)state;
    struct json_doc *doc = json_doc_new(NULL);
    struct json_error err;
    char buf[8] = {'[', '1', '2', ']', 'x', 'y', 'z', '9'};
    const struct json_value *v = parse_n(doc, buf, 4, &err);
    assert_non_null(v);
    assert_string_equal(v->child->text, "12");
    char num[2] = {'7', '5'}; /* a number that ends the input */
    v = parse_n(doc, num, 2, &err);
    assert_non_null(v);
    assert_string_equal(v->text, "75");
    v = parse_n(doc, num, 1, &err);
    assert_non_null(v);
    assert_string_equal(v->text, "7");
    json_doc_free(doc);
}

/* ---- rejected forms --------------------------------------------------- */

static void test_reject_numbers(void **state) {
    (void)state;
    check_reject("01", "leading zero in number", 0);
    check_reject("-01", "leading zero in number", 0);
    check_reject("00", "leading zero in number", 0);
    check_reject("[1, 007]", "leading zero in number", 4);
    check_reject("+1", "unexpected character '+'", 0);
    check_reject(".5", "unexpected character '.'", 0);
    check_reject("1.", "expected a digit after '.'", 2);
    check_reject("1.e5", "expected a digit after '.'", 2);
    check_reject("-", "expected a digit in number", 1);
    check_reject("-a", "expected a digit in number", 1);
    check_reject("- 1", "expected a digit in number", 1);
    check_reject("1e", "expected a digit in exponent", 2);
    check_reject("1e+", "expected a digit in exponent", 3);
    check_reject("1E-x", "expected a digit in exponent", 3);
    check_reject("NaN", "unexpected character 'N'", 0);
    check_reject("Infinity", "unexpected character 'I'", 0);
    check_reject("-Infinity", "expected a digit in number", 1);
    check_reject("0x10", "trailing characters after the document", 1);
    check_reject("1.5.3", "trailing characters after the document", 3);
    check_reject("[1.5.3]", "unexpected character '.', expected ',' or ']'", 4);
}

static void test_reject_structure(void **state) {
    (void)state;
    check_reject("[1,]", "unexpected character ']'", 3);
    check_reject("{\"a\":1,}", "unexpected character '}', expected a string key", 7);
    check_reject("[,1]", "unexpected character ','", 1);
    check_reject("{,}", "unexpected character ','", 1);
    check_reject("{\"a\" 1}", "unexpected character '1', expected ':'", 5);
    check_reject("{a:1}", "unexpected character 'a', expected a string key", 1);
    check_reject("{\"a\":}", "unexpected character '}'", 5);
    check_reject("{1:2}", "unexpected character '1'", 1);
    check_reject("[1 2]", "unexpected character '2', expected ',' or ']'", 3);
    check_reject("{\"a\":1 \"b\":2}", "unexpected character '\"', expected ',' or '}'", 7);
    check_reject("[1}", "unexpected character '}', expected ',' or ']'", 2);
    check_reject("{\"a\":1]", "unexpected character ']', expected ',' or '}'", 6);
    check_reject("[", "unexpected end of input", 1);
    check_reject("{", "unexpected end of input, expected a string key", 1);
    check_reject("[1", "unexpected end of input, expected ',' or ']'", 2);
    check_reject("{\"a\"", "unexpected end of input, expected ':'", 4);
    check_reject("{\"a\":", "unexpected end of input", 5);
    check_reject("", "unexpected end of input", 0);
    check_reject(" \n\t\r ", "unexpected end of input", 5);
    check_reject("[]]", "trailing characters after the document", 2);
    check_reject("{} x", "trailing characters after the document", 3);
    check_reject("1 2", "trailing characters after the document", 2);
    check_reject("nullx", "trailing characters after the document", 4);
}

/* A key twice in one object is refused (readers would take the first and
 * drop the second silently); the same key in different objects is fine. */
static void test_reject_duplicate_keys(void **state) {
    (void)state;
    check_reject("{\"a\":1,\"a\":2}", "duplicate key \"a\" in an object", 12);
    check_reject("{\"x\":{\"b\":1,\"c\":2,\"b\":3}}", "duplicate key \"b\"", 23);
    check_reject("{\"a\\u0062\":1,\"ab\":2}", "duplicate key \"ab\"", 19); /* after unescaping */
    check_scalar("1", JSON_NUMBER, "1", 1);
    struct json_doc *doc = json_doc_new(NULL);
    struct json_error err;
    assert_non_null(doc);
    const char *fine = "{\"a\":{\"a\":1},\"b\":[{\"a\":1},{\"a\":2}],\"A\":3}";
    assert_non_null(parse_n(doc, fine, strlen(fine), &err));
    /* a large object goes through the sorted check, at either end */
    char big[40000];
    for (int dup_at = 0; dup_at < 3; dup_at++) {
        size_t n = 0;
        big[n++] = '{';
        for (int i = 0; i < 2000; i++)
            n += (size_t)snprintf(big + n, sizeof big - n, "%s\"k%d\":%d", i ? "," : "", i, i);
        if (dup_at == 1) n += (size_t)snprintf(big + n, sizeof big - n, ",\"k0\":0");
        if (dup_at == 2) n += (size_t)snprintf(big + n, sizeof big - n, ",\"k1999\":0");
        big[n++] = '}';
        const struct json_value *v = json_parse(doc, big, n, &err);
        if (dup_at == 0) {
            assert_non_null(v);
            assert_int_equal(v->len, 2000);
        } else {
            assert_null(v);
            assert_non_null(strstr(err.message, "duplicate key"));
        }
    }
    json_doc_free(doc);
}

static void test_reject_non_json(void **state) {
    (void)state;
    check_reject("/* c */ 1", "unexpected character '/'", 0);
    check_reject("// c\n1", "unexpected character '/'", 0);
    check_reject("[1, /* c */ 2]", "unexpected character '/'", 4);
    check_reject("'a'", "unexpected character '''", 0);
    check_reject("\v1", "unexpected byte 0x0b", 0);
    check_reject("\f1", "unexpected byte 0x0c", 0);
    check_reject("\xc2\xa0"
                 "1",
                 "unexpected byte 0xc2", 0);                   /* NBSP is not whitespace */
    check_reject("\xef\xbb\xbf{}", "unexpected byte 0xef", 0); /* nor is a BOM */
    check_reject("tru", "invalid literal, expected 'true'", 0);
    check_reject("nul", "invalid literal, expected 'null'", 0);
    check_reject("fals", "invalid literal, expected 'false'", 0);
    check_reject("True", "unexpected character 'T'", 0);
    check_reject("[nulL]", "invalid literal, expected 'null'", 1);
    check_reject("undefined", "unexpected character 'u'", 0);
    check_reject_with(NULL, "[1,\0]", 5, "unexpected byte 0x00", 3);
}

static void test_reject_strings(void **state) {
    (void)state;
    check_reject("\"abc", "unterminated string", 0);
    check_reject("[\"abc\\", "unterminated string", 1);
    check_reject("\"abc\\\"", "unterminated string", 0);
    check_reject("\"a\x01\"", "control character 0x01 in string", 2);
    check_reject("\"a\nb\"", "control character 0x0a in string", 2);
    check_reject("\"a\tb\"", "control character 0x09 in string", 2);
    check_reject("\"\x1f\"", "control character 0x1f in string", 1);
    check_reject("\"\\x41\"", "invalid escape '\\x'", 1);
    check_reject("\"\\'\"", "invalid escape '\\''", 1);
    check_reject("\"\\U0041\"", "invalid escape '\\U'", 1);
    check_reject("\"\\u12\"", "invalid escape: \\u needs 4 hex digits", 1);
    check_reject("\"\\u12", "invalid escape: \\u needs 4 hex digits", 1);
    check_reject("\"\\uZZZZ\"", "invalid escape: \\u needs 4 hex digits", 1);
    check_reject("\"\\u 123\"", "invalid escape: \\u needs 4 hex digits", 1);
    check_reject("\"\\u0000\"", "\\u0000 is not allowed", 1);
    check_reject("\"\\ud800\"", "lone surrogate", 1);
    check_reject("\"\\udc00\"", "lone surrogate", 1);
    check_reject("\"\\ud800\\u0041\"", "lone surrogate", 1);
    check_reject("\"\\ud800\\ud800\"", "lone surrogate", 1);
    check_reject("\"\\ud800x\"", "lone surrogate", 1);
    check_reject("\"x\\ud83d", "lone surrogate", 2);
    check_reject("\"\\udbff\\ue000\"", "lone surrogate", 1);
    check_reject("{\"a\\u0000\":1}", "\\u0000 is not allowed", 3);
    check_reject("{\"k\x02\":1}", "control character 0x02 in string", 3);
    check_reject_with(NULL, "\"a\0b\"", 5, "control character 0x00 in string", 2);
}

static void test_escapes(void **state) {
    (void)state;
    check_scalar("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", JSON_STRING, "\"\\/\b\f\n\r\t", 8);
    check_scalar("\"\\u0041\\u00e9\\u20AC\"", JSON_STRING, "A\xc3\xa9\xe2\x82\xac", 6);
    check_scalar("\"\\ud83d\\ude00\"", JSON_STRING, "\xf0\x9f\x98\x80", 4);
    check_scalar("\"\\uD800\\uDC00\"", JSON_STRING, "\xf0\x90\x80\x80", 4);
    check_scalar("\"\\udbff\\udfff\"", JSON_STRING, "\xf4\x8f\xbf\xbf", 4);
    check_scalar("\"\\u0001\\u001F\\u007f\"", JSON_STRING, "\x01\x1f\x7f", 3);
    check_scalar("\"\\uffff\\u0800\\u07ff\"", JSON_STRING, "\xef\xbf\xbf\xe0\xa0\x80\xdf\xbf", 8);
    check_scalar("\"\"", JSON_STRING, "", 0);
    check_scalar("\"plain text 123\"", JSON_STRING, "plain text 123", 14);
    check_scalar("\"a\x7f"
                 "b\"",
                 JSON_STRING,
                 "a\x7f"
                 "b",
                 3); /* DEL is allowed */
}

static void test_utf8_valid(void **state) {
    (void)state;
    check_scalar("\"\xc3\xa9\"", JSON_STRING, "\xc3\xa9", 2);         /* é */
    check_scalar("\"\xc2\x80\"", JSON_STRING, "\xc2\x80", 2);         /* U+0080 */
    check_scalar("\"\xe2\x82\xac\"", JSON_STRING, "\xe2\x82\xac", 3); /* € */
    check_scalar("\"\xe5\x8c\xbb\xe4\xbf\x9d\"", JSON_STRING, "\xe5\x8c\xbb\xe4\xbf\x9d", 6);
    check_scalar("\"\xe0\xa0\x80\"", JSON_STRING, "\xe0\xa0\x80", 3);         /* U+0800 */
    check_scalar("\"\xed\x9f\xbf\"", JSON_STRING, "\xed\x9f\xbf", 3);         /* U+D7FF */
    check_scalar("\"\xee\x80\x80\"", JSON_STRING, "\xee\x80\x80", 3);         /* U+E000 */
    check_scalar("\"\xef\xbf\xbf\"", JSON_STRING, "\xef\xbf\xbf", 3);         /* U+FFFF */
    check_scalar("\"\xf0\x9f\x98\x80\"", JSON_STRING, "\xf0\x9f\x98\x80", 4); /* 😀 */
    check_scalar("\"\xf0\x90\x80\x80\"", JSON_STRING, "\xf0\x90\x80\x80", 4); /* U+10000 */
    check_scalar("\"\xf4\x8f\xbf\xbf\"", JSON_STRING, "\xf4\x8f\xbf\xbf", 4); /* U+10FFFF */
}

static void test_utf8_invalid(void **state) {
    (void)state;
    check_reject("\"\xc0\x80\"", "invalid UTF-8", 1);     /* overlong NUL */
    check_reject("\"\xc1\xbf\"", "invalid UTF-8", 1);     /* overlong 2-byte */
    check_reject("\"\xe0\x80\x80\"", "invalid UTF-8", 1); /* overlong 3-byte */
    check_reject("\"\xe0\x9f\xbf\"", "invalid UTF-8", 1);
    check_reject("\"\xf0\x80\x80\x80\"", "invalid UTF-8", 1); /* overlong 4-byte */
    check_reject("\"\xf0\x8f\xbf\xbf\"", "invalid UTF-8", 1);
    check_reject("\"\xed\xa0\x80\"", "invalid UTF-8", 1);     /* U+D800 */
    check_reject("\"\xed\xbf\xbf\"", "invalid UTF-8", 1);     /* U+DFFF */
    check_reject("\"\xf4\x90\x80\x80\"", "invalid UTF-8", 1); /* U+110000 */
    check_reject("\"\xf5\x80\x80\x80\"", "invalid UTF-8", 1);
    check_reject("\"\xff\"", "invalid UTF-8", 1);
    check_reject("\"\xfe\"", "invalid UTF-8", 1);
    check_reject("\"\x80\"", "invalid UTF-8", 1); /* lone continuation */
    check_reject("\"ab\xbf\"", "invalid UTF-8", 3);
    check_reject("\"\xe2\x82\"", "invalid UTF-8", 1); /* truncated by '"' */
    check_reject("\"\xe2\x82", "invalid UTF-8", 1);   /* truncated by the end */
    check_reject("\"\xf0\x9f\x98\"", "invalid UTF-8", 1);
    check_reject("\"\xc3"
                 "A\"",
                 "invalid UTF-8", 1);
    check_reject("\"\xe2\x28\xa1\"", "invalid UTF-8", 1);
    check_reject("{\"\xc0\x80\":1}", "invalid UTF-8", 2); /* in a key */
    check_reject("{\"k\":\"\xed\xa0\x80\"}", "invalid UTF-8", 6);
}

/* ---- json_get and json_type_name -------------------------------------- */

static void test_json_get(void **state) {
    (void)state;
    const char *src = "{\"k\":1,\"key\":2,\"k3\":3,\"a\\u0062\":4,\"\":5}";
    struct json_doc *doc = json_doc_new(NULL);
    struct json_error err;
    const struct json_value *root = parse_n(doc, src, strlen(src), &err);
    assert_non_null(root);
    assert_int_equal(root->len, 5);
    assert_string_equal(json_get(root, "k")->text, "1");
    assert_string_equal(root->child->next->next->text, "3");
    assert_string_equal(root->child->next->next->key, "k3");
    assert_string_equal(json_get(root, "key")->text, "2");
    assert_string_equal(json_get(root, "ab")->text, "4");
    assert_string_equal(json_get(root, "")->text, "5");
    assert_null(json_get(root, "ke"));
    assert_null(json_get(root, "keys"));
    assert_null(json_get(root, "K"));
    assert_null(json_get(root, NULL));
    assert_null(json_get(NULL, "k"));
    assert_null(json_get(json_get(root, "k"), "k")); /* not an object */
    root = parse_n(doc, "[{\"k\":1}]", 9, &err);
    assert_non_null(root);
    assert_null(json_get(root, "k")); /* arrays have no keys */
    json_doc_free(doc);
}

static void test_type_names(void **state) {
    (void)state;
    assert_string_equal(json_type_name(JSON_NULL), "null");
    assert_string_equal(json_type_name(JSON_NUMBER), "number");
    assert_string_equal(json_type_name(JSON_STRING), "string");
    assert_string_equal(json_type_name(JSON_ARRAY), "array");
    assert_string_equal(json_type_name(JSON_OBJECT), "object");
    assert_string_equal(json_type_name(JSON_TRUE), "true");
    assert_string_equal(json_type_name(JSON_FALSE), "false");
}

/* ---- limits ----------------------------------------------------------- */

static void test_limit_bytes(void **state) {
    (void)state;
    struct json_limits lim = {.bytes_max = 10, .depth_max = 4, .nodes_max = 100};
    struct json_doc *doc = json_doc_new(&lim);
    struct json_error err;
    assert_non_null(parse_n(doc, "[1,2,3,45]", 10, &err));
    assert_null(json_parse(doc, "[1,2,3,456]", 11, &err));
    assert_string_equal(err.message, "document above 10 bytes");
    assert_int_equal(err.offset, 10);
    assert_non_null(parse_n(doc, "\"abcdefgh\"", 10, &err));
    json_doc_free(doc);
}

static void test_limit_bytes_default(void **state) {
    (void)state;
    size_t n = JSON_BYTES_MAX + 1u;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, ' ', n);
    big[0] = '0';
    struct json_doc *doc = json_doc_new(NULL);
    struct json_error err;
    assert_null(json_parse(doc, big, n, &err));
    assert_string_equal(err.message, "document above 16777216 bytes");
    const struct json_value *v = parse_n(doc, big, n - 1, &err); /* exactly at the limit */
    assert_non_null(v);
    assert_string_equal(v->text, "0");
    json_doc_free(doc);
    free(big);
}

static void test_limit_depth(void **state) {
    (void)state;
    struct json_doc *doc = json_doc_new(NULL);
    struct json_error err;
    char *at = nested_arrays(JSON_DEPTH_MAX);
    char *past = nested_arrays(JSON_DEPTH_MAX + 1);
    assert_non_null(parse_n(doc, at, strlen(at), &err));
    assert_null(json_parse(doc, past, strlen(past), &err));
    assert_string_equal(err.message, "nesting deeper than 32");
    assert_int_equal(err.offset, JSON_DEPTH_MAX);
    free(at);
    free(past);
    /* objects count too, mixed with arrays */
    struct json_limits lim = {.bytes_max = 1000, .depth_max = 3, .nodes_max = 100};
    json_doc_free(doc);
    doc = json_doc_new(&lim);
    assert_non_null(parse_n(doc, "{\"a\":[{\"b\":1}]}", 15, &err));
    assert_null(json_parse(doc, "{\"a\":[{\"b\":[]}]}", 16, &err));
    assert_string_equal(err.message, "nesting deeper than 3");
    assert_int_equal(err.offset, 11);
    json_doc_free(doc);
}

static void test_limit_depth_zero_and_hostile(void **state) {
    (void)state;
    struct json_limits lim = {.bytes_max = 100, .depth_max = 0, .nodes_max = 10};
    check_reject_with(&lim, "[]", 2, "nesting deeper than 0", 0);
    struct json_doc *doc = json_doc_new(&lim);
    struct json_error err;
    assert_non_null(parse_n(doc, "\"scalar\"", 8, &err));
    json_doc_free(doc);
    /* a million open brackets: rejected quickly, no deep C recursion */
    size_t n = 1000000;
    char *deep = malloc(n);
    assert_non_null(deep);
    memset(deep, '[', n);
    check_reject_with(NULL, deep, n, "nesting deeper than 32", 32);
    memset(deep, '{', n);
    check_reject_with(NULL, deep, n, "unexpected character '{', expected a string key", 1);
    free(deep);
}

static void test_limit_nodes(void **state) {
    (void)state;
    struct json_limits lim = {.bytes_max = 1000, .depth_max = 8, .nodes_max = 5};
    struct json_doc *doc = json_doc_new(&lim);
    struct json_error err;
    assert_non_null(parse_n(doc, "[1,2,3,4]", 9, &err)); /* 5 values */
    assert_null(json_parse(doc, "[1,2,3,4,5]", 11, &err));
    assert_string_equal(err.message, "more than 5 values");
    assert_int_equal(err.offset, 9);
    const char *at = "{\"a\":{\"b\":[[[]]]}}"; /* 5 values, nested */
    const char *past = "{\"a\":{\"b\":[[[[]]]]}}";
    assert_non_null(parse_n(doc, at, strlen(at), &err));
    assert_null(json_parse(doc, past, strlen(past), &err));
    assert_string_equal(err.message, "more than 5 values");
    assert_int_equal(err.offset, 13);
    json_doc_free(doc);
}

static void test_limit_nodes_default(void **state) {
    (void)state;
    struct json_doc *doc = json_doc_new(NULL);
    struct json_error err;
    char *at = flat_array(JSON_NODES_MAX - 1); /* plus the array itself */
    char *past = flat_array(JSON_NODES_MAX);
    const struct json_value *v = parse_n(doc, at, strlen(at), &err);
    assert_non_null(v);
    assert_int_equal(v->len, JSON_NODES_MAX - 1);
    assert_null(json_parse(doc, past, strlen(past), &err));
    assert_string_equal(err.message, "more than 2000000 values");
    assert_int_equal(err.offset, strlen(past) - 2);
    free(at);
    free(past);
    json_doc_free(doc);
}

/* ---- doc reuse -------------------------------------------------------- */

static void test_doc_reuse(void **state) {
    (void)state;
    const char *a = "{\"name\":\"alpha\",\"n\":[1,2,3]}";
    const char *b = "{\"name\":\"bravo\",\"n\":[4,5,6]}";
    struct json_doc *doc = json_doc_new(NULL);
    struct json_error err;
    const struct json_value *ra = parse_n(doc, a, strlen(a), &err);
    assert_non_null(ra);
    const struct json_value *first_node = ra;
    const char *first_text = ra->child->key;
    assert_string_equal(json_get(ra, "name")->text, "alpha");
    const struct json_value *rb = parse_n(doc, b, strlen(b), &err);
    assert_non_null(rb);
    /* the same memory is reused: same first node and same text bytes */
    assert_ptr_equal(rb, first_node);
    assert_ptr_equal(rb->child->key, first_text);
    assert_string_equal(json_get(rb, "name")->text, "bravo");
    assert_string_equal(json_get(rb, "n")->child->next->next->text, "6");
    /* a failed parse leaves the doc usable */
    assert_null(json_parse(doc, "{\"name\":", 8, &err));
    rb = parse_n(doc, b, strlen(b), &err);
    assert_non_null(rb);
    assert_ptr_equal(rb, first_node);
    assert_string_equal(json_get(rb, "name")->text, "bravo");
    json_doc_free(doc);
}

static void test_doc_reuse_growing(void **state) {
    (void)state;
    struct json_doc *doc = json_doc_new(NULL);
    struct json_error err;
    char *big = flat_array(100000); /* many node chunks */
    const struct json_value *v = parse_n(doc, big, strlen(big), &err);
    assert_non_null(v);
    assert_int_equal(v->len, 100000);
    size_t count = 0;
    for (const struct json_value *e = v->child; e != NULL; e = e->next) count++;
    assert_int_equal(count, 100000);
    v = parse_n(doc, "[\"small\"]", 9, &err);
    assert_non_null(v);
    assert_string_equal(v->child->text, "small");
    v = parse_n(doc, big, strlen(big), &err);
    assert_non_null(v);
    assert_int_equal(v->len, 100000);
    free(big);
    json_doc_free(doc);
    json_doc_free(NULL);
}

static void test_parse_bad_arguments(void **state) {
    (void)state;
    struct json_doc *doc = json_doc_new(NULL);
    struct json_error err;
    assert_null(json_parse(NULL, "1", 1, &err));
    assert_true(err.message[0] != '\0');
    assert_null(json_parse(doc, NULL, 1, &err));
    assert_null(json_parse(doc, NULL, 0, &err));
    assert_string_equal(err.message, "unexpected end of input");
    assert_null(json_parse(doc, "[", 1, NULL)); /* error may be NULL */
    assert_non_null(json_parse(doc, "[]", 2, NULL));
    json_doc_free(doc);
}

/* ---- writer ----------------------------------------------------------- */

static void test_buf_str_escapes(void **state) {
    (void)state;
    struct json_buf b;
    json_buf_init(&b);
    json_buf_str(&b, "a\"b\\c/d\n\t\r\b\f\x01\x1f\x7f");
    assert_false(b.failed);
    assert_string_equal(b.data, "\"a\\\"b\\\\c/d\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\"");
    assert_int_equal(b.len, strlen(b.data));
    json_buf_reset(&b);
    json_buf_str(&b, "");
    assert_string_equal(b.data, "\"\"");
    json_buf_reset(&b);
    json_buf_str(&b, NULL);
    assert_string_equal(b.data, "null");
    json_buf_free(&b);
}

static void test_buf_str_utf8(void **state) {
    (void)state;
    struct json_buf b;
    json_buf_init(&b);
    json_buf_str(&b, "\xe5\x8c\xbb\xe4\xbf\x9d \xc3\xa9 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf");
    assert_string_equal(b.data, "\"\xe5\x8c\xbb\xe4\xbf\x9d \xc3\xa9 \xf0\x9f\x98\x80 "
                                "\xf4\x8f\xbf\xbf\"");
    json_buf_reset(&b);
    /* invalid bytes become U+FFFD so the output stays valid JSON */
    json_buf_str(&b, "a\xc0\x80"
                     "b\xed\xa0\x80"
                     "c\xe2\x82");
    assert_string_equal(b.data, "\"a\xef\xbf\xbd\xef\xbf\xbd"
                                "b\xef\xbf\xbd\xef\xbf\xbd"
                                "\xef\xbf\xbd"
                                "c\xef\xbf\xbd\xef\xbf\xbd\"");
    json_buf_free(&b);
}

static void test_buf_object(void **state) {
    (void)state;
    struct json_buf b;
    json_buf_init(&b);
    json_buf_char(&b, '{');
    json_buf_key(&b, "amt");
    json_buf_fen(&b, 12340);
    json_buf_char(&b, ',');
    json_buf_key(&b, "n\"q");
    json_buf_int(&b, -42);
    json_buf_char(&b, ',');
    json_buf_key(&b, "raw");
    json_buf_raw(&b, "[true,null]", 11);
    json_buf_raw(&b, NULL, 0);
    json_buf_char(&b, '}');
    assert_false(b.failed);
    assert_string_equal(b.data, "{\"amt\":123.40,\"n\\\"q\":-42,\"raw\":[true,null]}");
    json_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void test_buf_int(void **state) {
    (void)state;
    static const struct {
        int64_t v;
        const char *want;
    } cases[] = {
        {0, "0"},
        {7, "7"},
        {-1, "-1"},
        {1234567890123LL, "1234567890123"},
        {INT64_MAX, "9223372036854775807"},
        {INT64_MIN, "-9223372036854775808"},
    };
    struct json_buf b;
    json_buf_init(&b);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_buf_reset(&b);
        json_buf_int(&b, cases[i].v);
        assert_string_equal(b.data, cases[i].want);
    }
    json_buf_free(&b);
}

static void test_buf_fen(void **state) {
    (void)state;
    static const struct {
        int64_t v;
        const char *want;
    } cases[] = {
        {0, "0.00"},
        {5, "0.05"},
        {-5, "-0.05"},
        {10, "0.10"},
        {99, "0.99"},
        {100, "1.00"},
        {-100, "-1.00"},
        {12340, "123.40"},
        {12345, "123.45"},
        {-12345, "-123.45"},
        {100000000000000LL, "1000000000000.00"},
        {INT64_MAX, "92233720368547758.07"},
        {INT64_MIN, "-92233720368547758.08"},
    };
    struct json_buf b;
    json_buf_init(&b);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_buf_reset(&b);
        json_buf_fen(&b, cases[i].v);
        assert_string_equal(b.data, cases[i].want);
    }
    json_buf_free(&b);
}

static void test_buf_growth_and_reset(void **state) {
    (void)state;
    struct json_buf b;
    json_buf_init(&b);
    for (int i = 0; i < 10000; i++) json_buf_char(&b, 'x');
    assert_int_equal(b.len, 10000);
    assert_true(b.cap > 10000);
    assert_int_equal(b.data[10000], '\0');
    char *data = b.data;
    size_t cap = b.cap;
    json_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_ptr_equal(b.data, data);
    assert_int_equal(b.cap, cap);
    json_buf_int(&b, 5);
    assert_string_equal(b.data, "5");
    json_buf_free(&b);
}

static void test_buf_failure_is_sticky(void **state) {
    (void)state;
    struct json_buf b;
    json_buf_init(&b);
    json_buf_raw(&b, "ab", 2);
    json_buf_raw(&b, "x", SIZE_MAX); /* cannot be allocated: fails, reads nothing */
    assert_true(b.failed);
    assert_int_equal(b.len, 2);
    json_buf_str(&b, "more");
    json_buf_int(&b, 1);
    json_buf_fen(&b, 1);
    json_buf_char(&b, 'c');
    assert_int_equal(b.len, 2);
    json_buf_reset(&b);
    assert_false(b.failed);
    json_buf_char(&b, 'c');
    assert_string_equal(b.data, "c");
    json_buf_free(&b);
}

/* Every byte string the writer emits parses back to the same bytes. */
static void test_round_trip(void **state) {
    (void)state;
    char all[256];
    size_t n = 0;
    for (int c = 1; c < 0x80; c++) all[n++] = (char)c;
    memcpy(all + n, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9);
    n += 9;
    all[n] = '\0';
    struct json_buf b;
    json_buf_init(&b);
    json_buf_char(&b, '{');
    json_buf_key(&b, all);
    json_buf_str(&b, all);
    json_buf_char(&b, '}');
    assert_false(b.failed);
    struct json_doc *doc = json_doc_new(NULL);
    struct json_error err;
    const struct json_value *v = parse_n(doc, b.data, b.len, &err);
    assert_non_null(v);
    assert_int_equal(v->child->key_len, n);
    assert_string_equal(v->child->key, all);
    assert_int_equal(v->child->len, n);
    assert_string_equal(v->child->text, all);
    assert_non_null(json_get(v, all));
    json_doc_free(doc);
    json_buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_numbers_keep_text),
        cmocka_unit_test(test_empty_containers),
        cmocka_unit_test(test_nested_structure),
        cmocka_unit_test(test_input_not_nul_terminated),
        cmocka_unit_test(test_reject_numbers),
        cmocka_unit_test(test_reject_structure),
        cmocka_unit_test(test_reject_duplicate_keys),
        cmocka_unit_test(test_reject_non_json),
        cmocka_unit_test(test_reject_strings),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_utf8_invalid),
        cmocka_unit_test(test_json_get),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_limit_bytes),
        cmocka_unit_test(test_limit_bytes_default),
        cmocka_unit_test(test_limit_depth),
        cmocka_unit_test(test_limit_depth_zero_and_hostile),
        cmocka_unit_test(test_limit_nodes),
        cmocka_unit_test(test_limit_nodes_default),
        cmocka_unit_test(test_doc_reuse),
        cmocka_unit_test(test_doc_reuse_growing),
        cmocka_unit_test(test_parse_bad_arguments),
        cmocka_unit_test(test_buf_str_escapes),
        cmocka_unit_test(test_buf_str_utf8),
        cmocka_unit_test(test_buf_object),
        cmocka_unit_test(test_buf_int),
        cmocka_unit_test(test_buf_fen),
        cmocka_unit_test(test_buf_growth_and_reset),
        cmocka_unit_test(test_buf_failure_is_sticky),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
