/* report_dup.h: a duplicate-enrolment case as one JSON line in the shape of
 * the generator's duplicate_enrolment labels, ending "}\n"; written by
 * `yibao report duplicates --format jsonl` (cmd_report.c) and reused by
 * `yibao supervise scan` (cmd_supervise.c), which adds its rule, score and
 * evidence before the closing brace. */
#ifndef YIBAO_CLI_REPORT_DUP_H
#define YIBAO_CLI_REPORT_DUP_H

#include "app/dup_report.h"
#include "json/json.h"

void report_dup_json(struct json_buf *b, const struct app_dup_case *c);

#endif
