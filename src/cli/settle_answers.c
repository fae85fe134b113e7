/* settle_answers.c: opens the answers file of a batch run and reads back
 * its last answer, the point after which a run started again continues
 * (settle_answers.h). */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/settle_answers.h"
#include "codec/fields.h"

/* Reads size bytes at offset into buf: 0, or -1 with errno. */
static int read_at(int fd, char *buf, size_t size, off_t offset) {
    size_t done = 0;
    while (done < size) {
        ssize_t n = pread(fd, buf + done, size - done, offset + (off_t)done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return n == 0 ? (errno = EIO, -1) : -1;
        done += (size_t)n;
    }
    return 0;
}

/* The answer line text[0..len): its input line and msgid into out; 0, or
 * -1 with what is wrong in why. */
static int answer_fields(struct json_doc *doc, const char *text, size_t len,
                         struct answers_file *out, const char **why) {
    assert(doc != NULL && text != NULL && out != NULL);
    struct json_error jerr;
    char text_err[128];
    struct field_err e = {text_err, sizeof text_err};
    const struct json_value *root = json_parse(doc, text, len, &jerr);
    *why = "its last line is not an answer of `settle --db` (an \"input_line\" and a \"msgid\")";
    if (root == NULL || root->type != JSON_OBJECT) return -1;
    if (field_integer(root, "input_line", true, 1, INT64_MAX, &out->last_line, "", &e) != 0 ||
        field_string(root, "msgid", true, out->last_msgid, sizeof out->last_msgid, "", &e) != 0 ||
        out->last_msgid[0] == '\0')
        return out->last_line = 0, -1;
    assert(out->last_line > 0);
    return 0;
}

/* Finds the last complete line of the file's tail and cuts what follows
 * it; 0, or -1 with what is wrong in why (errno set on an I/O error). */
static int read_last(int fd, off_t size, struct json_doc *doc, struct answers_file *out,
                     const char **why) {
    assert(fd >= 0 && size > 0);
    size_t want = size < (off_t)SETTLE_ANSWER_BYTES_MAX ? (size_t)size : SETTLE_ANSWER_BYTES_MAX;
    char *tail = malloc(want);
    if (tail == NULL) return *why = "out of memory", -1;
    int rc = -1;
    if (read_at(fd, tail, want, size - (off_t)want) != 0) {
        *why = "read error";
        goto done;
    }
    size_t end = want; /* just past the last '\n' */
    while (end > 0 && tail[end - 1] != '\n') end--;
    size_t start = end > 0 ? end - 1 : 0;
    while (start > 0 && tail[start - 1] != '\n') start--;
    bool whole = (off_t)want == size; /* the tail is the whole file */
    *why = "has a last line longer than SETTLE_ANSWER_BYTES_MAX";
    if ((end == 0 || start == 0) && !whole) goto done;
    /* no complete line: a run killed while writing its first answer, or
     * not an answers file at all (then nothing is cut) */
    *why = "is not an answers file (it holds no complete line)";
    if (end == 0 && tail[0] != '{') goto done;
    if (end > 0 && answer_fields(doc, tail + start, end - 1 - start, out, why) != 0) goto done;
    out->cut_bytes = (int64_t)(want - end);
    *why = "cannot cut its partial last line";
    if (out->cut_bytes > 0 && ftruncate(fd, size - (off_t)out->cut_bytes) != 0) goto done;
    rc = 0;
done:
    free(tail);
    return rc;
}

int answers_open(const char *path, struct json_doc *doc, struct answers_file *out) {
    assert(path != NULL && doc != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "yibao: --answers %s: cannot open: %s\n", path, strerror(errno));
        return -1;
    }
    struct stat st;
    const char *why = NULL;
    if (fstat(fd, &st) != 0) why = "cannot read its size";
    else if (!S_ISREG(st.st_mode)) why = "is not a regular file";
    else if (st.st_size > 0 && read_last(fd, st.st_size, doc, out, &why) != 0) {
    } else if ((out->out = fdopen(fd, "a")) == NULL) why = "cannot open for appending";
    if (out->out != NULL) return 0;
    fprintf(stderr, "yibao: --answers %s: %s\n", path, why ? why : "cannot open");
    close(fd);
    return -1;
}
