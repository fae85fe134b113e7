/* json.h: a strict JSON (RFC 8259) reader that keeps numbers as text, and a
 * small writer.
 *
 * Why our own: money must be parsed from the decimal text ("never through
 * double"), and neither jansson nor cJSON (the JSON libraries Debian ships)
 * keeps the text of a number: both convert it with strtod. So the reader
 * hands numbers over as their literal text and the core's decimal_parse()
 * turns them into scaled integers.
 *
 * The reader builds a tree in arenas owned by a reusable json_doc: parsing
 * the next request into the same doc reuses its memory, so a server's hot
 * path does not allocate once warmed up. Limits (bytes, depth, nodes) are
 * enforced while parsing. Strings are validated as UTF-8 and unescaped
 * (\uXXXX surrogate pairs included); embedded NUL (\u0000) is refused so
 * that every string can be used as a C string. */
#ifndef YIBAO_JSON_H
#define YIBAO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type {
    JSON_NULL = 0,
    JSON_FALSE,
    JSON_TRUE,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
};

struct json_value {
    enum json_type type;
    uint32_t len;     /* string: bytes; number: text bytes; array/object: members */
    const char *text; /* string (unescaped) or number (literal text); NUL-terminated */
    const char *key;  /* member name when the parent is an object, else NULL */
    uint32_t key_len;
    struct json_value *child; /* first element or member (arrays, objects) */
    struct json_value *next;  /* next sibling */
};

struct json_limits {
    size_t bytes_max;
    uint32_t depth_max;
    uint32_t nodes_max;
};

struct json_error {
    size_t offset; /* byte offset in the input */
    char message[128];
};

struct json_doc;

/* A reusable document. Returns NULL on allocation failure. */
struct json_doc *json_doc_new(const struct json_limits *limits);
void json_doc_free(struct json_doc *doc);
/* Parses src[0..len) (need not be NUL-terminated). Returns the root or NULL
 * with *error filled ("depth above 32", "invalid UTF-8", ...). Each call
 * invalidates values from the previous call on the same doc. */
const struct json_value *json_parse(struct json_doc *doc, const char *src, size_t len,
                                    struct json_error *error);
/* The bytes the doc holds (its node chunks, text, stack and scratch): a
 * reused doc keeps what its largest document needed, so a pool of docs
 * can give back the ones that grew (service.c). */
size_t json_doc_bytes(const struct json_doc *doc);

/* Member of an object by key (first match), or NULL. NULL-safe on obj. */
const struct json_value *json_get(const struct json_value *obj, const char *key);
const char *json_type_name(enum json_type type);

/* Writer: a growable byte buffer with helpers that emit valid JSON. The
 * caller places commas with json_buf_sep(); keys and strings are escaped. */
struct json_buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed; /* an allocation failed; contents unusable */
};

void json_buf_init(struct json_buf *buf);
void json_buf_free(struct json_buf *buf);
void json_buf_reset(struct json_buf *buf); /* len = 0, keeps memory */
void json_buf_raw(struct json_buf *buf, const char *text, size_t len);
void json_buf_str(struct json_buf *buf, const char *text); /* quoted, escaped */
void json_buf_key(struct json_buf *buf, const char *key);  /* "key": */
void json_buf_int(struct json_buf *buf, int64_t value);
void json_buf_fen(struct json_buf *buf, int64_t amount_fen); /* 123.45 */
void json_buf_char(struct json_buf *buf, char c);

#endif
