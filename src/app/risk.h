/* risk.h: institution indicators and the risk ranking of institutions and
 * persons (issue 18, items 3 and 6; `yibao supervise rank`;
 * docs/SUPERVISION.md). Runs the scan (app/scan.h) once: its findings and
 * each person's bills give the indicators, core/risk.h the scores. Reads
 * settlements, fee lines, the registry and the catalog, never labels; the
 * store is not changed. */
#ifndef YIBAO_APP_RISK_H
#define YIBAO_APP_RISK_H

#include <stddef.h>
#include <stdint.h>

#include "app/scan.h"
#include "core/risk.h"

struct risk_inst_row {
    char code[CODE_BYTES_MAX + 1];
    char name[NAME_BYTES_MAX + 1];
    enum institution_type type; /* 0: not in the registry */
    enum level level;
    struct risk_inst ind;
    struct risk_peer peer;
    /* its peer figures are the means of the adjacent levels' medians: it
     * is its level's only one (docs/SUPERVISION.md, "Peers") */
    bool peers_adjacent;
    struct risk_score score;
};

struct risk_person_row {
    char psn_no[CODE_BYTES_MAX + 1];
    struct risk_person ind;
    struct risk_person_score score;
};

/* Both rankings, highest score first (ties: code / psn_no ascending). */
struct risk_result {
    struct risk_inst_row *inst;
    size_t inst_count;
    struct risk_person_row *persons;
    size_t person_count;
    struct scan_totals totals;
};

/* opts as the scan's (person_cb is the ranking's own). 0, or -1 with err. */
int app_risk(struct store *store, const struct scan_opts *opts, struct risk_result *out,
             struct store_err *err);
void risk_result_free(struct risk_result *r);

#endif
