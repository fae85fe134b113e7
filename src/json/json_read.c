/* json_read.c: the strict RFC 8259 reader declared in json.h.
 *
 * The parser is iterative: open containers live on an explicit stack bounded
 * by limits.depth_max, so hostile nesting cannot exhaust the C stack. Nodes
 * come from a chain of chunks and string/number bytes from one text buffer,
 * both owned by the json_doc and rewound (not freed) by the next parse.
 *
 * Text buffer bound: a string token of n input bytes (quotes included)
 * unescapes to at most n - 2 bytes plus a NUL; a number of n bytes is copied
 * with a NUL and is followed by a delimiter byte unless it ends the input.
 * So len + 1 bytes always hold every string and number of a document. */
#include "json/json.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"

#define CHUNK_NODES_MIN 256u
#define CHUNK_NODES_MAX 65536u
#define STACK_FRAMES_MIN 16u

struct node_chunk {
    struct node_chunk *next;
    size_t cap;
    struct json_value items[];
};

struct frame {
    struct json_value *node; /* the open array or object */
    struct json_value *last; /* its last member so far, or NULL */
};

struct json_doc {
    struct json_limits limits;
    struct node_chunk *chunks; /* every chunk ever allocated, in order */
    struct node_chunk *chunk;  /* the chunk being filled, or NULL */
    size_t chunk_used;
    char *text; /* strings and number text, NUL-terminated */
    size_t text_cap;
    struct frame *stack;
    uint32_t stack_cap;
    const struct json_value **members; /* scratch of the duplicate-key check */
    uint32_t members_cap;
};

struct parser {
    struct json_doc *doc;
    const unsigned char *src;
    size_t len;
    size_t pos;
    char *out;           /* next free byte of doc->text */
    const char *out_end; /* doc->text + doc->text_cap */
    uint32_t nodes;
    uint32_t depth;
    struct json_error *error;
};

/* Bytes that end a run of plain string characters: controls, '"', '\\' and
 * every non-ASCII byte (validated as UTF-8 one sequence at a time). */
static bool byte_is_special(unsigned char c) {
    return c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
}

static bool byte_is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static bool byte_starts_value(unsigned char c) {
    return c == '{' || c == '[' || c == '"' || c == '-' || byte_is_digit(c) || c == 't' ||
           c == 'f' || c == 'n';
}

__attribute__((format(printf, 3, 4))) static bool fail(struct parser *p, size_t offset,
                                                       const char *fmt, ...) {
    assert(p != NULL && p->error != NULL);
    assert(fmt != NULL);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->error->message, sizeof p->error->message, fmt, ap);
    va_end(ap);
    p->error->offset = offset;
    return false;
}

/* Reports the byte at p->pos as unexpected, with an optional expectation. */
static bool fail_unexpected(struct parser *p, const char *expected) {
    assert(p != NULL);
    assert(expected != NULL);
    const char *sep = expected[0] != '\0' ? ", expected " : "";
    if (p->pos >= p->len) return fail(p, p->pos, "unexpected end of input%s%s", sep, expected);
    unsigned char c = p->src[p->pos];
    if (c > 0x20 && c < 0x7f)
        return fail(p, p->pos, "unexpected character '%c'%s%s", c, sep, expected);
    return fail(p, p->pos, "unexpected byte 0x%02x%s%s", c, sep, expected);
}

static void skip_ws(struct parser *p) {
    assert(p->pos <= p->len);
    while (p->pos < p->len) {
        unsigned char c = p->src[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

/* Makes doc->chunk the next chunk to fill, allocating one if none is left. */
static bool next_chunk(struct json_doc *doc) {
    assert(doc != NULL);
    assert(doc->chunk != NULL || doc->chunks == NULL);
    struct node_chunk *c = doc->chunk != NULL ? doc->chunk->next : doc->chunks;
    if (c == NULL) {
        size_t cap = CHUNK_NODES_MIN;
        if (doc->chunk != NULL)
            cap = doc->chunk->cap < CHUNK_NODES_MAX / 2 ? doc->chunk->cap * 2 : CHUNK_NODES_MAX;
        c = malloc(sizeof *c + cap * sizeof c->items[0]);
        if (c == NULL) return false;
        c->next = NULL;
        c->cap = cap;
        if (doc->chunk != NULL) doc->chunk->next = c;
        else doc->chunks = c;
    }
    doc->chunk = c;
    doc->chunk_used = 0;
    return true;
}

static struct json_value *new_node(struct parser *p) {
    struct json_doc *doc = p->doc;
    assert(p->nodes <= doc->limits.nodes_max);
    if (p->nodes == doc->limits.nodes_max) {
        fail(p, p->pos, "more than %" PRIu32 " values", doc->limits.nodes_max);
        return NULL;
    }
    if (doc->chunk == NULL || doc->chunk_used == doc->chunk->cap) {
        if (!next_chunk(doc)) {
            fail(p, p->pos, "out of memory");
            return NULL;
        }
    }
    assert(doc->chunk_used < doc->chunk->cap);
    struct json_value *v = &doc->chunk->items[doc->chunk_used++];
    memset(v, 0, sizeof *v);
    p->nodes++;
    return v;
}

/* Appends v to the innermost open container, if any. */
static void attach(struct parser *p, struct json_value *v) {
    assert(v != NULL && v->next == NULL);
    if (p->depth == 0) return;
    struct frame *f = &p->doc->stack[p->depth - 1];
    assert(f->node->type == JSON_ARRAY || f->node->type == JSON_OBJECT);
    if (f->last != NULL) f->last->next = v;
    else f->node->child = v;
    f->last = v;
    f->node->len++;
}

static void put_byte(struct parser *p, unsigned char c) {
    assert(p->out < p->out_end);
    *p->out++ = (char)c;
}

static void put_bytes(struct parser *p, const unsigned char *bytes, size_t n) {
    assert(n <= (size_t)(p->out_end - p->out));
    if (n > 0) memcpy(p->out, bytes, n);
    p->out += n;
}

/* Length of the valid UTF-8 sequence at s[0..avail) (lead byte >= 0x80), or
 * 0 when it is overlong, a surrogate, above U+10FFFF or truncated. */
static size_t utf8_sequence(const unsigned char *s, size_t avail) {
    assert(avail > 0 && s[0] >= 0x80);
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    size_t n;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0) lo = 0xa0;      /* below is overlong */
        else if (c == 0xed) hi = 0x9f; /* above is a UTF-16 surrogate */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0) lo = 0x90;      /* below is overlong */
        else if (c == 0xf4) hi = 0x8f; /* above is beyond U+10FFFF */
    } else {
        return 0; /* continuation byte, C0, C1 or F5..FF */
    }
    if (avail < n || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf) return 0;
    return n;
}

static void put_code_point(struct parser *p, uint32_t cp) {
    assert(cp > 0 && cp <= 0x10ffff);
    assert(cp < 0xd800 || cp > 0xdfff);
    if (cp < 0x80) {
        put_byte(p, (unsigned char)cp);
    } else if (cp < 0x800) {
        put_byte(p, (unsigned char)(0xc0 | (cp >> 6)));
        put_byte(p, (unsigned char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        put_byte(p, (unsigned char)(0xe0 | (cp >> 12)));
        put_byte(p, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
        put_byte(p, (unsigned char)(0x80 | (cp & 0x3f)));
    } else {
        put_byte(p, (unsigned char)(0xf0 | (cp >> 18)));
        put_byte(p, (unsigned char)(0x80 | ((cp >> 12) & 0x3f)));
        put_byte(p, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
        put_byte(p, (unsigned char)(0x80 | (cp & 0x3f)));
    }
}

/* Reads the 4 hex digits of a \u escape whose backslash is at `at`. */
static bool read_hex4(const struct parser *p, size_t at, uint32_t *cp) {
    assert(cp != NULL);
    assert(at < p->len);
    if (p->len - at < 6 || p->src[at] != '\\' || p->src[at + 1] != 'u') return false;
    uint32_t v = 0;
    for (size_t i = at + 2; i < at + 6; i++) {
        unsigned char c = p->src[i];
        uint32_t d;
        if (c >= '0' && c <= '9') d = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') d = (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') d = (uint32_t)(c - 'A' + 10);
        else return false;
        v = v * 16 + d;
    }
    *cp = v;
    return true;
}

/* A \uXXXX escape (or a surrogate pair of two) at p->pos. */
static bool parse_unicode_escape(struct parser *p) {
    size_t at = p->pos;
    assert(p->src[at] == '\\' && p->src[at + 1] == 'u');
    uint32_t cp, low;
    if (!read_hex4(p, at, &cp)) return fail(p, at, "invalid escape: \\u needs 4 hex digits");
    p->pos += 6;
    if (cp >= 0xdc00 && cp <= 0xdfff) return fail(p, at, "lone surrogate in \\u escape");
    if (cp >= 0xd800 && cp <= 0xdbff) {
        if (p->pos >= p->len || !read_hex4(p, p->pos, &low) || low < 0xdc00 || low > 0xdfff)
            return fail(p, at, "lone surrogate in \\u escape");
        p->pos += 6;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    }
    if (cp == 0) return fail(p, at, "\\u0000 is not allowed in strings");
    put_code_point(p, cp);
    assert(p->pos <= p->len);
    return true;
}

/* An escape sequence whose backslash is at p->pos. */
static bool parse_escape(struct parser *p, size_t string_start) {
    assert(p->pos < p->len && p->src[p->pos] == '\\');
    if (p->pos + 1 >= p->len) return fail(p, string_start, "unterminated string");
    unsigned char c = p->src[p->pos + 1], out;
    switch (c) {
    case '"': out = '"'; break;
    case '\\': out = '\\'; break;
    case '/': out = '/'; break;
    case 'b': out = '\b'; break;
    case 'f': out = '\f'; break;
    case 'n': out = '\n'; break;
    case 'r': out = '\r'; break;
    case 't': out = '\t'; break;
    case 'u': return parse_unicode_escape(p);
    default:
        if (c > 0x20 && c < 0x7f) return fail(p, p->pos, "invalid escape '\\%c'", c);
        return fail(p, p->pos, "invalid escape");
    }
    put_byte(p, out);
    p->pos += 2;
    return true;
}

/* A string token at p->pos (on its opening quote): validated, unescaped and
 * copied, NUL-terminated, into the text buffer. */
static bool parse_string(struct parser *p, const char **text, uint32_t *len) {
    assert(p->pos < p->len && p->src[p->pos] == '"');
    size_t start = p->pos++;
    char *begin = p->out;
    for (;;) {
        size_t run = p->pos;
        while (run < p->len && !byte_is_special(p->src[run])) run++;
        put_bytes(p, p->src + p->pos, run - p->pos);
        p->pos = run;
        if (p->pos >= p->len) return fail(p, start, "unterminated string");
        unsigned char c = p->src[p->pos];
        if (c == '"') break;
        if (c == '\\') {
            if (!parse_escape(p, start)) return false;
        } else if (c < 0x20) {
            return fail(p, p->pos, "control character 0x%02x in string", c);
        } else {
            size_t n = utf8_sequence(p->src + p->pos, p->len - p->pos);
            if (n == 0) return fail(p, p->pos, "invalid UTF-8");
            put_bytes(p, p->src + p->pos, n);
            p->pos += n;
        }
    }
    p->pos++;
    size_t n = (size_t)(p->out - begin);
    if (n > UINT32_MAX) return fail(p, start, "string longer than %" PRIu32 " bytes", UINT32_MAX);
    put_byte(p, '\0');
    *text = begin;
    *len = (uint32_t)n;
    return true;
}

static void skip_digits(struct parser *p) {
    while (p->pos < p->len && byte_is_digit(p->src[p->pos])) p->pos++;
}

/* A number at p->pos: checked against the RFC 8259 grammar and its literal
 * text copied, NUL-terminated, into the text buffer. */
static bool parse_number(struct parser *p, const char **text, uint32_t *len) {
    size_t start = p->pos;
    assert(start < p->len);
    if (p->src[p->pos] == '-') p->pos++;
    if (p->pos >= p->len || !byte_is_digit(p->src[p->pos]))
        return fail(p, p->pos, "expected a digit in number");
    if (p->src[p->pos] == '0') {
        p->pos++;
        if (p->pos < p->len && byte_is_digit(p->src[p->pos]))
            return fail(p, start, "leading zero in number");
    } else {
        skip_digits(p);
    }
    if (p->pos < p->len && p->src[p->pos] == '.') {
        p->pos++;
        if (p->pos >= p->len || !byte_is_digit(p->src[p->pos]))
            return fail(p, p->pos, "expected a digit after '.' in number");
        skip_digits(p);
    }
    if (p->pos < p->len && (p->src[p->pos] == 'e' || p->src[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->src[p->pos] == '+' || p->src[p->pos] == '-')) p->pos++;
        if (p->pos >= p->len || !byte_is_digit(p->src[p->pos]))
            return fail(p, p->pos, "expected a digit in exponent");
        skip_digits(p);
    }
    size_t n = p->pos - start;
    if (n > UINT32_MAX) return fail(p, start, "number longer than %" PRIu32 " bytes", UINT32_MAX);
    *text = p->out;
    *len = (uint32_t)n;
    put_bytes(p, p->src + start, n);
    put_byte(p, '\0');
    return true;
}

static bool parse_literal(struct parser *p, const char *word) {
    size_t n = strlen(word);
    assert(n == 4 || n == 5);
    if (p->len - p->pos < n || memcmp(p->src + p->pos, word, n) != 0)
        return fail(p, p->pos, "invalid literal, expected '%s'", word);
    p->pos += n;
    return true;
}

static bool grow_stack(struct json_doc *doc) {
    assert(doc->stack_cap < doc->limits.depth_max);
    uint32_t cap = doc->stack_cap == 0 ? STACK_FRAMES_MIN : doc->stack_cap;
    while (cap <= doc->stack_cap && cap < UINT32_MAX / 2) cap *= 2;
    if (cap > doc->limits.depth_max) cap = doc->limits.depth_max;
    struct frame *s = realloc(doc->stack, (size_t)cap * sizeof *s);
    if (s == NULL) return false;
    doc->stack = s;
    doc->stack_cap = cap;
    return true;
}

/* Pushes the array or object v whose opening bracket is at p->pos. */
static bool open_container(struct parser *p, struct json_value *v, enum json_type type) {
    struct json_doc *doc = p->doc;
    assert(type == JSON_ARRAY || type == JSON_OBJECT);
    assert(p->depth <= doc->limits.depth_max);
    if (p->depth == doc->limits.depth_max)
        return fail(p, p->pos, "nesting deeper than %" PRIu32, doc->limits.depth_max);
    if (p->depth == doc->stack_cap && !grow_stack(doc)) return fail(p, p->pos, "out of memory");
    v->type = type;
    doc->stack[p->depth].node = v;
    doc->stack[p->depth].last = NULL;
    p->depth++;
    p->pos++;
    return true;
}

/* Starts a value at the next token: a scalar is parsed whole, a container is
 * opened. The value is attached to the innermost open container. */
static struct json_value *begin_value(struct parser *p, const char *key, uint32_t key_len) {
    skip_ws(p);
    if (p->pos >= p->len || !byte_starts_value(p->src[p->pos])) {
        fail_unexpected(p, "");
        return NULL;
    }
    unsigned char c = p->src[p->pos];
    struct json_value *v = new_node(p);
    if (v == NULL) return NULL;
    v->key = key;
    v->key_len = key_len;
    attach(p, v);
    bool ok;
    switch (c) {
    case '{': ok = open_container(p, v, JSON_OBJECT); break;
    case '[': ok = open_container(p, v, JSON_ARRAY); break;
    case '"':
        v->type = JSON_STRING;
        ok = parse_string(p, &v->text, &v->len);
        break;
    case 't':
        v->type = JSON_TRUE;
        ok = parse_literal(p, "true");
        break;
    case 'f':
        v->type = JSON_FALSE;
        ok = parse_literal(p, "false");
        break;
    case 'n':
        v->type = JSON_NULL;
        ok = parse_literal(p, "null");
        break;
    default:
        v->type = JSON_NUMBER;
        ok = parse_number(p, &v->text, &v->len);
        break;
    }
    assert(!ok || p->pos <= p->len);
    return ok ? v : NULL;
}

/* An object member's name and the ':' after it. */
static bool parse_key(struct parser *p, const char **key, uint32_t *key_len) {
    skip_ws(p);
    if (p->pos >= p->len || p->src[p->pos] != '"') return fail_unexpected(p, "a string key");
    if (!parse_string(p, key, key_len)) return false;
    skip_ws(p);
    if (p->pos >= p->len || p->src[p->pos] != ':') return fail_unexpected(p, "':' after the key");
    p->pos++;
    assert(*key != NULL);
    return true;
}

/* Orders members by key bytes (then length): equal keys end up adjacent. */
static int key_order(const void *a, const void *b) {
    const struct json_value *x = *(const struct json_value *const *)a;
    const struct json_value *y = *(const struct json_value *const *)b;
    uint32_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    if (c != 0) return c;
    return x->key_len < y->key_len ? -1 : x->key_len > y->key_len ? 1 : 0;
}

static bool same_key(const struct json_value *x, const struct json_value *y) {
    return x->key_len == y->key_len && memcmp(x->key, y->key, x->key_len) == 0;
}

#define DUP_SCAN_MEMBERS_MAX 8u /* up to this many members: compared pairwise */

/* The member whose key an earlier member of obj has, or NULL: a document
 * with a key twice is refused (readers would silently take the first).
 * Large objects are sorted (O(n log n), whatever the keys). */
static const struct json_value *duplicate_key(struct json_doc *doc, const struct json_value *obj,
                                              bool *oom) {
    assert(obj->type == JSON_OBJECT);
    *oom = false;
    if (obj->len <= DUP_SCAN_MEMBERS_MAX) {
        for (const struct json_value *m = obj->child; m != NULL; m = m->next)
            for (const struct json_value *k = m->next; k != NULL; k = k->next)
                if (same_key(m, k)) return k;
        return NULL;
    }
    if (doc->members_cap < obj->len) {
        const struct json_value **grown = realloc(doc->members, obj->len * sizeof *grown);
        if (grown == NULL) return *oom = true, NULL;
        doc->members = grown;
        doc->members_cap = obj->len;
    }
    uint32_t n = 0;
    for (const struct json_value *m = obj->child; m != NULL; m = m->next) doc->members[n++] = m;
    assert(n == obj->len);
    qsort(doc->members, n, sizeof *doc->members, key_order);
    for (uint32_t i = 1; i < n; i++)
        if (same_key(doc->members[i - 1], doc->members[i])) return doc->members[i];
    return NULL;
}

/* Closes the innermost container at its closing bracket. */
static bool close_container(struct parser *p, struct json_value *node) {
    assert(p->depth > 0 && p->doc->stack[p->depth - 1].node == node);
    if (node->type == JSON_OBJECT) {
        bool oom = false;
        const struct json_value *dup = duplicate_key(p->doc, node, &oom);
        if (oom) return fail(p, p->pos, "out of memory");
        if (dup != NULL) return fail(p, p->pos, "duplicate key \"%.40s\" in an object", dup->key);
    }
    p->pos++;
    p->depth--;
    return true;
}

/* After a value (or an opening bracket): closes finished containers and
 * consumes the ',' (and key) before the next value. Returns 1 when a value
 * follows, 0 when the top-level value is complete, -1 on error. */
static int after_value(struct parser *p, const char **key, uint32_t *key_len) {
    while (p->depth > 0) {
        struct frame *f = &p->doc->stack[p->depth - 1];
        bool object = f->node->type == JSON_OBJECT;
        assert(object || f->node->type == JSON_ARRAY);
        skip_ws(p);
        if (p->pos < p->len && p->src[p->pos] == (object ? '}' : ']')) {
            if (!close_container(p, f->node)) return -1;
            continue;
        }
        if (f->node->len > 0) {
            if (p->pos >= p->len || p->src[p->pos] != ',') {
                fail_unexpected(p, object ? "',' or '}'" : "',' or ']'");
                return -1;
            }
            p->pos++;
        }
        *key = NULL;
        *key_len = 0;
        if (object && !parse_key(p, key, key_len)) return -1;
        return 1;
    }
    return 0;
}

static const struct json_value *parse_document(struct parser *p) {
    struct json_value *root = NULL;
    const char *key = NULL;
    uint32_t key_len = 0;
    for (;;) {
        struct json_value *v = begin_value(p, key, key_len);
        if (v == NULL) return NULL;
        if (root == NULL) root = v;
        int more = after_value(p, &key, &key_len);
        if (more < 0) return NULL;
        if (more == 0) break;
    }
    assert(p->depth == 0);
    skip_ws(p);
    if (p->pos < p->len) {
        fail(p, p->pos, "trailing characters after the document");
        return NULL;
    }
    return root;
}

struct json_doc *json_doc_new(const struct json_limits *limits) {
    struct json_doc *doc = calloc(1, sizeof *doc);
    if (doc == NULL) return NULL;
    if (limits != NULL) {
        doc->limits = *limits;
    } else {
        doc->limits.bytes_max = (size_t)JSON_BYTES_MAX;
        doc->limits.depth_max = JSON_DEPTH_MAX;
        doc->limits.nodes_max = JSON_NODES_MAX;
    }
    assert(doc->chunks == NULL && doc->text == NULL);
    return doc;
}

void json_doc_free(struct json_doc *doc) {
    if (doc == NULL) return;
    struct node_chunk *c = doc->chunks;
    while (c != NULL) {
        struct node_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(doc->text);
    free(doc->stack);
    free(doc->members);
    free(doc);
}

size_t json_doc_bytes(const struct json_doc *doc) {
    if (doc == NULL) return 0;
    size_t n = sizeof *doc + doc->text_cap + doc->stack_cap * sizeof *doc->stack +
               doc->members_cap * sizeof *doc->members;
    for (const struct node_chunk *c = doc->chunks; c != NULL; c = c->next)
        n += sizeof *c + c->cap * sizeof c->items[0];
    assert(n >= sizeof *doc);
    return n;
}

/* Makes the text buffer hold at least `need` bytes, with slack so that a
 * slightly larger next document does not reallocate. */
static bool reserve_text(struct json_doc *doc, size_t need) {
    assert(need > 0);
    if (doc->text_cap >= need) return true;
    size_t cap = 4096;
    while (cap < need && cap <= SIZE_MAX / 2) cap *= 2;
    if (cap < need) cap = need;
    size_t limit = doc->limits.bytes_max < SIZE_MAX ? doc->limits.bytes_max + 1 : SIZE_MAX;
    if (cap > limit) cap = limit > need ? limit : need;
    char *t = malloc(cap);
    if (t == NULL) return false;
    free(doc->text);
    doc->text = t;
    doc->text_cap = cap;
    return true;
}

const struct json_value *json_parse(struct json_doc *doc, const char *src, size_t len,
                                    struct json_error *error) {
    struct json_error ignored = {.offset = 0};
    struct parser p = {.doc = doc,
                       .src = (const unsigned char *)(src != NULL ? src : ""),
                       .len = len,
                       .error = error != NULL ? error : &ignored};
    p.error->offset = 0;
    p.error->message[0] = '\0';
    if (doc == NULL || (src == NULL && len > 0)) {
        fail(&p, 0, "no document or no input");
        return NULL;
    }
    if (len > doc->limits.bytes_max) {
        fail(&p, doc->limits.bytes_max, "document above %zu bytes", doc->limits.bytes_max);
        return NULL;
    }
    if (len == SIZE_MAX || !reserve_text(doc, len + 1)) {
        fail(&p, 0, "out of memory");
        return NULL;
    }
    doc->chunk = doc->chunks;
    doc->chunk_used = 0;
    p.out = doc->text;
    p.out_end = doc->text + doc->text_cap;
    const struct json_value *root = parse_document(&p);
    assert(root == NULL || p.pos == len);
    return root;
}

const struct json_value *json_get(const struct json_value *obj, const char *key) {
    if (obj == NULL || key == NULL || obj->type != JSON_OBJECT) return NULL;
    size_t n = strlen(key);
    for (const struct json_value *m = obj->child; m != NULL; m = m->next) {
        assert(m->key != NULL);
        if (m->key_len == n && memcmp(m->key, key, n) == 0) return m;
    }
    return NULL;
}

const char *json_type_name(enum json_type type) {
    switch (type) {
    case JSON_NULL: return "null";
    case JSON_FALSE: return "false";
    case JSON_TRUE: return "true";
    case JSON_NUMBER: return "number";
    case JSON_STRING: return "string";
    case JSON_ARRAY: return "array";
    case JSON_OBJECT: return "object";
    }
    return "unknown";
}
