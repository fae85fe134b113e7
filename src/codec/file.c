/* file.c: reading whole files with a size limit, for the loaders. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"

int file_read_all(const char *path, size_t bytes_max, char **data, size_t *len, char *err,
                  size_t err_size) {
    bool in = strcmp(path, "-") == 0; /* standard input */
    FILE *f = in ? stdin : fopen(path, "rb");
    *data = NULL;
    *len = 0;
    if (f == NULL) {
        snprintf(err, err_size, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = 0;
    while (buf != NULL) {
        if (n == cap) {
            if (cap > bytes_max) break;
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (buf == NULL) {
        snprintf(err, err_size, "%s: out of memory", path);
        rc = -1;
    } else if (ferror(f)) {
        snprintf(err, err_size, "%s: read error: %s", path, strerror(errno));
        rc = -1;
    } else if (n > bytes_max) {
        snprintf(err, err_size, "%s: larger than %zu bytes", path, bytes_max);
        rc = -1;
    }
    if (!in) fclose(f);
    if (rc != 0) {
        free(buf);
        return -1;
    }
    *data = buf;
    *len = n;
    return 0;
}
