/* settle_batch.h: `yibao settle --db` of a JSONL file (settle_batch.c)
 * and what it shares with the one-bill form (cmd_settle_db.c). */
#ifndef YIBAO_CLI_SETTLE_BATCH_H
#define YIBAO_CLI_SETTLE_BATCH_H

#include <stdio.h>
#include <sys/types.h>

#include "core/bill.h"
#include "json/json.h"
#include "store/store.h"

/* Bills in flight: two batches of the commit queue, so that one is read
 * and parsed while the other commits. */
#define SETTLE_WINDOW (2 * BATCH_MAX)
/* Lines read and looked up in the journal at once while a run resumes
 * (settle_batch.c: the lines a run before settled are answered from the
 * journal without the commit queue). */
#define SETTLE_RESUME_CHUNK BATCH_MAX
_Static_assert(SETTLE_RESUME_CHUNK <= SETTLE_WINDOW, "a chunk fits in the window");
/* A msgid derived from a bill's content: this prefix and the first
 * SETTLE_MSGID_HASH_HEX hex digits of its canonical request's SHA-256
 * (bill_request_hash: person, bill, scheme asked), so that settling the
 * same bill again answers the first settlement. */
#define SETTLE_MSGID_PREFIX "bill-"
#define SETTLE_MSGID_HASH_HEX 56
_Static_assert(sizeof SETTLE_MSGID_PREFIX - 1 + SETTLE_MSGID_HASH_HEX <= MSGID_BYTES_MAX,
               "a derived msgid fits");

/* From a decoded bill's JSON object root: psn_no, and the msgid (msgid_opt,
 * else the object's "msgid", else derived from the bill's content) into
 * req; the bill and the scheme asked are set too. 0, or -1 with the
 * field's message in err. */
int settle_request_ids(const struct json_value *root, const char *msgid_opt,
                       const struct bill *bill, struct store_req *req, char *err, size_t err_size);

/* The input: name for messages, the stream, its size when a regular file
 * (else 0), and the lines already read from it (the first two non-blank
 * ones, which said it is a JSONL file), whose numbers are first_line and
 * second_line. */
struct bills_input {
    const char *name;
    FILE *in;
    off_t size;
    char *pending[2];
    size_t pending_len[2];
    int64_t pending_line[2];
    int64_t lines_read; /* the number of the last line read so far */
    int64_t bytes_read;
};

/* Settles every line of input through the commit queue of the store db,
 * its answers on standard output, or appended to answers_path (when not
 * NULL) after the last line an earlier run answered there
 * (settle_answers.h). Returns the exit status: 0 every bill settled or
 * replayed, 1 some refused, 2 bad lines or a storage failure, 128 +
 * signal interrupted. */
int settle_batch(const char *db, struct bills_input *input, const char *answers_path);

#endif
