/* rule_warns.c: the warns kept with settlements (rule_warns.h). One pass
 * over the journal keeps the flagged settlements (their records are few)
 * and the revoked seqs; then the standing ones are told, warn by warn. */
#include "app/rule_warns.h"
#include "app/array_room.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "app/rules_case.h"

struct flagged {
    struct journal_rec rec;
    struct store_settlement stl;
};

struct gather {
    int32_t year;
    struct flagged *f;
    size_t n, cap;
    int64_t *revoked;
    size_t revoked_n, revoked_cap;
    struct store_err *err;
};

static int gather_one(void *ctx, const struct journal_rec *rec) {
    struct gather *g = ctx;
    assert(g != NULL && rec != NULL);
    if (rec->kind == JOURNAL_REVOKE) {
        if (!app_array_room((void **)&g->revoked, &g->revoked_cap, g->revoked_n + 1,
                            sizeof(int64_t)))
            return store_errf(g->err, "warns: out of memory"), -1;
        g->revoked[g->revoked_n++] = rec->ref_seq;
        return 0;
    }
    if (rec->kind != JOURNAL_SETTLE || (g->year != 0 && rec->year != g->year)) return 0;
    if (strstr(rec->body, " note=" APP_RULE_WARN_PREFIX) == NULL) return 0;
    if (!app_array_room((void **)&g->f, &g->cap, g->n + 1, sizeof *g->f))
        return store_errf(g->err, "warns: out of memory"), -1;
    struct flagged *f = &g->f[g->n];
    const char *bad = NULL;
    if (settlement_decode(rec->body, &f->stl, &bad) != 0)
        return store_errf(g->err, "journal seq %lld: its body does not decode (%s)",
                          (long long)rec->seq, bad ? bad : "?"),
               -1;
    f->rec = *rec;
    g->n++;
    return 0;
}

static bool revoked(const struct gather *g, int64_t seq) {
    assert(g != NULL && seq > 0);
    for (size_t i = 0; i < g->revoked_n; i++)
        if (g->revoked[i] == seq) return true;
    return false;
}

/* Tells each "ID:LINE" (and a "+N") of one settlement's note. */
static int tell(const struct flagged *f, app_rule_warn_cb cb, void *ctx) {
    char note[sizeof f->stl.note];
    memcpy(note, f->stl.note, sizeof note);
    struct app_rule_warn w = {
        f->rec.seq, f->rec.year, f->rec.msgid, f->rec.psn_no, f->rec.fixmedins_code, NULL, 0};
    char *save = NULL;
    int rc = 0;
    assert(strncmp(note, APP_RULE_WARN_PREFIX, strlen(APP_RULE_WARN_PREFIX)) == 0);
    strtok_r(note, " ", &save); /* the prefix */
    for (char *tok = strtok_r(NULL, " ", &save); tok != NULL && rc == 0;
         tok = strtok_r(NULL, " ", &save)) {
        char *colon = strrchr(tok, ':');
        w.rule = tok;
        w.line = 0;
        if (colon != NULL) *colon = '\0', w.line = atoi(colon + 1);
        rc = cb(ctx, &w);
    }
    return rc;
}

int app_rule_warns(struct store *store, int32_t year, app_rule_warn_cb cb, void *ctx,
                   int64_t *settlements, struct store_err *err) {
    assert(store != NULL && cb != NULL && settlements != NULL && year >= 0);
    struct gather g = {year, NULL, 0, 0, NULL, 0, 0, err};
    *settlements = 0;
    int rc = store_journal_range(store, 1, INT64_MAX, gather_one, &g, err);
    for (size_t i = 0; rc == 0 && i < g.n; i++) {
        if (revoked(&g, g.f[i].rec.seq)) continue;
        (*settlements)++;
        rc = tell(&g.f[i], cb, ctx);
    }
    free(g.f);
    free(g.revoked);
    return rc;
}
