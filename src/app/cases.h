/* cases.h: supervision cases and sanctions (issue 18 item 5;
 * docs/SUPERVISION.md, "Cases and sanctions"): a finding becomes a case,
 * which goes open -> review1 -> review2 -> decision [-> appeal], each step
 * one journal record (store/case_rec.c) recorded by an operator holding
 * the step's role (granted by a `grant` record); the decision's sanction
 * takes effect at once: money recovered from the institution's payable or
 * deducted from its deposit (postings), or its designation suspended or
 * revoked (the registry's institution row, imported as an edit, so that a
 * running service sees it at its next request). */
#ifndef YIBAO_APP_CASES_H
#define YIBAO_APP_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct app_case_req {
    enum case_step step;
    const char *id;   /* the case (grant: the operator granted the role) */
    const char *by;   /* the operator recording the step */
    const char *role; /* grant: "reviewer" or "decider" */
    const char *why;  /* printable, at most CASE_WHY_BYTES_MAX bytes */
    /* open */
    const char *inst, *kind;
    int32_t year;
    int64_t amount_fen;
    const char *evidence; /* the finding's line or the evidence given */
    size_t evidence_len;
    /* decision */
    enum case_sanction sanction;
    int64_t sanction_fen; /* recover, deduct */
    datetime_s until;     /* suspend: its last day */
    /* appeal */
    bool lifted;
};

enum app_case_status {
    APP_CASE_DONE = 0, /* recorded now */
    APP_CASE_ALREADY,  /* recorded before, the same: nothing written */
    APP_CASE_REFUSED,  /* out of order, unknown case, no right, bad: nothing written */
    APP_CASE_ERROR,    /* storage: err */
};

struct app_case_out {
    char id[CASE_NAME_BYTES_MAX + 1]; /* the case (open: the one made) */
    struct journal_rec rec;           /* the step's record (done or already) */
    char why[320];                    /* refused: why */
    bool registry_changed;            /* a suspension or revocation applied now */
};

enum app_case_status app_case_step(struct store *store, const struct app_case_req *req,
                                   struct app_case_out *out, struct store_err *err);

/* A case's steps found: recs[step] when found[step] (CASE_OPEN..CASE_APPEAL). */
struct app_case_view {
    struct journal_rec recs[CASE_STEP_COUNT];
    struct store_case steps[CASE_STEP_COUNT];
    bool found[CASE_STEP_COUNT];
};
/* 0 with *known false when no such case; -1 on error. */
int app_case_read(struct store *store, const char *id, struct app_case_view *v, bool *known,
                  struct store_err *err);
/* Every case, each once with its latest step, in the order opened. */
typedef int (*app_case_cb)(void *ctx, const struct store_case *open, enum case_step latest,
                           const struct store_case *latest_step);
int app_case_list(struct store *store, app_case_cb cb, void *ctx, struct store_err *err);

#endif
