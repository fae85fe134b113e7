/* settle_answers.h: the answers file of `yibao settle --db D --answers
 * FILE BILLS.jsonl` (settle_answers.c), and where a run interrupted by a
 * kill, a crash or Ctrl-C continues.
 *
 * A batch prints one answer line per bill, in the file's order, each after
 * its bill committed. So the last complete line of the answers file names
 * an input line up to which every bill is answered and durable: a run
 * started again with the same answers file appends after it and reads the
 * lines before without settling or answering them again. What the killed
 * run committed but had not yet written out is found in the journal as
 * before (settle_batch.c), so each bill ends answered exactly once in the
 * file. */
#ifndef YIBAO_CLI_SETTLE_ANSWERS_H
#define YIBAO_CLI_SETTLE_ANSWERS_H

#include <stdint.h>
#include <stdio.h>

#include "json/json.h"
#include "store/store.h"

/* The longest answer line read back (a settlement's answer is about 2 KB). */
#define SETTLE_ANSWER_BYTES_MAX (256u * 1024u)

struct answers_file {
    FILE *out;         /* opened for appending */
    int64_t last_line; /* the input line of the file's last answer; 0 when empty */
    char last_msgid[MSGID_BYTES_MAX + 1];
    int64_t cut_bytes; /* of a partial last line, cut off when opened */
};

/* Opens path for appending answers (created when missing). Its last
 * complete line must be an answer of `settle --db` (an "input_line" and a
 * "msgid"); a partial line after it, left by a run killed while writing,
 * is cut off. 0, or -1 after naming the file and what is wrong on stderr
 * (nothing changed then). */
int answers_open(const char *path, struct json_doc *doc, struct answers_file *out);

#endif
