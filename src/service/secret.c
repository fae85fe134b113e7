/* secret.c: the service key and the tokens derived from it.
 *
 * A credential's token is never stored: the database keeps the paasid, a
 * token version and the id of the key it was derived under, and the token
 * is HMAC-SHA-256(key, "yibao-token/1" NUL paasid NUL version), written in
 * hex. The key is 32 random bytes in a file of its own, readable by its
 * owner only (0600), beside the SQLite store by default ("DB.key") or named
 * by --key-file or YIBAO_KEY_FILE (a PostgreSQL store must name one). A
 * copy of the database alone therefore signs nothing, and rotating a token
 * is raising its version (docs/SECURITY.md).
 *
 * Credentials of releases before this one kept their token in plaintext
 * (version 0, no key id): they still sign in, and `yibao credential
 * rotate` moves them to a derived token and empties the stored text. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "service/service.h"

#define KEY_FILE_BYTES (2 * SERVICE_KEY_BYTES + 1) /* hex and a newline */
#define KEY_FILE_MODE 0600
#define KEY_TOKEN_LABEL "yibao-token/1"
#define KEY_ID_LABEL "yibao-key-id/1"
#define PG_PREFIX "postgresql://"
#define PG_PREFIX_SHORT "postgres://"

static void hex_encode(const unsigned char *raw, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    assert(raw != NULL && out != NULL);
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[raw[i] >> 4];
        out[2 * i + 1] = digits[raw[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hex_digit(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

int service_key_path(const char *target, const char *explicit_path, char *out, size_t size,
                     char *err, size_t err_size) {
    assert(target != NULL && out != NULL && size > 0);
    const char *env = getenv("YIBAO_KEY_FILE");
    const char *chosen = explicit_path != NULL ? explicit_path : (env && *env ? env : NULL);
    int n;
    if (chosen != NULL) n = snprintf(out, size, "%s", chosen);
    else if (strncmp(target, PG_PREFIX, strlen(PG_PREFIX)) == 0 ||
             strncmp(target, PG_PREFIX_SHORT, strlen(PG_PREFIX_SHORT)) == 0)
        return snprintf(err, err_size,
                        "--key-file: a PostgreSQL store needs its key file named (--key-file "
                        "PATH or YIBAO_KEY_FILE)"),
               -1;
    else n = snprintf(out, size, "%s.key", target);
    if (n < 0 || (size_t)n >= size)
        return snprintf(err, err_size, "--key-file: path longer than %zu bytes", size - 1), -1;
    assert(out[0] != '\0' || n == 0);
    return 0;
}

static void key_id_of(struct service_key *key) {
    unsigned char md[SHA256_DIGEST_LENGTH], msg[sizeof KEY_ID_LABEL + SERVICE_KEY_BYTES];
    assert(key != NULL);
    memcpy(msg, KEY_ID_LABEL, sizeof KEY_ID_LABEL);
    memcpy(msg + sizeof KEY_ID_LABEL, key->bytes, SERVICE_KEY_BYTES);
    SHA256(msg, sizeof msg, md);
    OPENSSL_cleanse(msg, sizeof msg);
    hex_encode(md, SERVICE_KEY_ID_HEX_BYTES / 2, key->id);
    assert(strlen(key->id) == SERVICE_KEY_ID_HEX_BYTES);
}

/* A new key file, written whole and synced before it is used: O_EXCL, so
 * that two commands starting together never make two keys. */
static int key_create(const char *path, struct service_key *key, char *err, size_t err_size) {
    char text[KEY_FILE_BYTES + 1];
    assert(path != NULL && key != NULL);
    if (RAND_bytes(key->bytes, SERVICE_KEY_BYTES) != 1)
        return snprintf(err, err_size, "%s: no randomness for a key", path), -1;
    hex_encode(key->bytes, SERVICE_KEY_BYTES, text);
    text[2 * SERVICE_KEY_BYTES] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, KEY_FILE_MODE);
    if (fd < 0) return snprintf(err, err_size, "%s: cannot create: %s", path, strerror(errno)), -1;
    bool ok = write(fd, text, KEY_FILE_BYTES) == (ssize_t)KEY_FILE_BYTES && fsync(fd) == 0;
    int saved = errno;
    ok = close(fd) == 0 && ok;
    OPENSSL_cleanse(text, sizeof text);
    if (!ok) {
        unlink(path); /* a half-written key is no key */
        return snprintf(err, err_size, "%s: cannot write: %s", path, strerror(saved)), -1;
    }
    key_id_of(key);
    return 0;
}

static int key_parse(const char *path, const char *text, size_t len, struct service_key *key,
                     char *err, size_t err_size) {
    assert(text != NULL && key != NULL);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) len--;
    if (len != 2 * SERVICE_KEY_BYTES)
        return snprintf(err, err_size, "%s: not a yibao key (want %d hex digits)", path,
                        2 * SERVICE_KEY_BYTES),
               -1;
    for (size_t i = 0; i < SERVICE_KEY_BYTES; i++) {
        int hi = hex_digit(text[2 * i]), lo = hex_digit(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return snprintf(err, err_size, "%s: not a yibao key (not hex at byte %zu)", path,
                            2 * i),
                   -1;
        key->bytes[i] = (unsigned char)(hi * 16 + lo);
    }
    key_id_of(key);
    return 0;
}

int service_key_load(const char *path, bool create, struct service_key *key, bool *created,
                     char *err, size_t err_size) {
    assert(path != NULL && key != NULL && created != NULL);
    *created = false;
    memset(key, 0, sizeof *key);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT && create) {
        int rc = key_create(path, key, err, err_size);
        if (rc != 0 && errno == EEXIST)
            return service_key_load(path, false, key, created, err, err_size); /* lost the race */
        *created = rc == 0;
        return rc;
    }
    if (fd < 0)
        return snprintf(err, err_size, "key file %s: %s", path,
                        errno == ENOENT ? "no such file (made by `yibao init` or `yibao "
                                          "credential issue`)"
                                        : strerror(errno)),
               -1;
    struct stat st = {0};
    char text[KEY_FILE_BYTES + 8];
    ssize_t n = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) == 0)
        n = read(fd, text, sizeof text);
    int saved = errno;
    close(fd);
    int rc = -1;
    if (!S_ISREG(st.st_mode)) snprintf(err, err_size, "key file %s: not a file", path);
    else if ((st.st_mode & 077) != 0)
        snprintf(err, err_size,
                 "key file %s: readable by others (mode %04o); chmod 600 it, and rotate the "
                 "tokens if others read it",
                 path, (unsigned)(st.st_mode & 0777));
    else if (n < 0) snprintf(err, err_size, "key file %s: %s", path, strerror(saved));
    else rc = key_parse(path, text, (size_t)n, key, err, err_size);
    OPENSSL_cleanse(text, sizeof text);
    return rc;
}

void service_token_derive(const struct service_key *key, const char *paasid, int64_t version,
                          char out[SERVICE_TOKEN_HEX_BYTES + 1]) {
    unsigned char msg[sizeof KEY_TOKEN_LABEL + SERVICE_PAASID_BYTES_MAX + 1 + 24];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    assert(key != NULL && paasid != NULL && version >= 1);
    size_t plen = strnlen(paasid, SERVICE_PAASID_BYTES_MAX);
    size_t n = 0;
    memcpy(msg, KEY_TOKEN_LABEL, sizeof KEY_TOKEN_LABEL); /* with its NUL */
    n += sizeof KEY_TOKEN_LABEL;
    memcpy(msg + n, paasid, plen);
    n += plen;
    msg[n++] = '\0';
    n += (size_t)snprintf((char *)msg + n, sizeof msg - n, "%" PRId64, version);
    assert(n < sizeof msg);
    if (HMAC(EVP_sha256(), key->bytes, SERVICE_KEY_BYTES, msg, n, md, &md_len) == NULL ||
        md_len != SHA256_DIGEST_LENGTH)
        abort(); /* HMAC-SHA-256 of a few bytes cannot fail: never issue a weak token */
    hex_encode(md, SHA256_DIGEST_LENGTH, out);
    OPENSSL_cleanse(md, sizeof md);
    assert(strlen(out) == SERVICE_TOKEN_HEX_BYTES);
}
