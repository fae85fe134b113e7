/* packed.c: what the in-memory benchmarks of a city's year (year.c,
 * whatif.c) share: a person's year state packed without the 32-slot
 * disease array (what one insured person costs in memory while a year is
 * settled), and a policy set's files with the conformance catalog. */
#include <assert.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "codec/codec.h"

void bench_unpack(const struct bench_packed_state *p, struct year_state *s, int32_t year,
                  int64_t acct_fen) {
    assert(p != NULL && s != NULL);
    year_state_init(s, year, acct_fen);
    if (!p->used) return;
    for (int i = 0; i < YEAR_STATE_MONEY_COUNT; i++)
        *year_state_money(s, (enum year_state_id)i) = p->money_fen[i];
    s->admissions = p->admissions;
    for (int k = 0; k < BENCH_PACKED_DISEASES; k++)
        if (p->disease[k] != 0) s->special_paid_fen[p->disease[k] - 1] = p->special_fen[k];
}

bool bench_pack(struct bench_packed_state *p, const struct year_state *s) {
    assert(p != NULL && s != NULL);
    memset(p, 0, sizeof *p);
    p->used = true;
    for (int i = 0; i < YEAR_STATE_MONEY_COUNT; i++)
        p->money_fen[i] = year_state_money_get(s, (enum year_state_id)i);
    p->admissions = s->admissions;
    int k = 0;
    for (int d = 0; d < POLICY_DISEASES_MAX; d++) {
        if (s->special_paid_fen[d] == 0) continue;
        if (k == BENCH_PACKED_DISEASES) return false;
        p->disease[k] = (int8_t)(d + 1);
        p->special_fen[k++] = s->special_paid_fen[d];
    }
    return true;
}

int bench_policy_set(const char *set, struct policy *policies, int *count,
                     struct catalog *catalog) {
    char pattern[256], err[CODEC_ERR_BYTES];
    glob_t g;
    assert(set != NULL && policies != NULL && count != NULL && catalog != NULL);
    *count = 0;
    snprintf(pattern, sizeof pattern, "policies/%s-*.json", set);
    if (glob(pattern, 0, NULL, &g) != 0)
        return fprintf(stderr, "yibao-bench: no policies match %s\n", pattern), -1;
    int rc = 0;
    for (size_t i = 0; i < g.gl_pathc && rc == 0 && *count < BENCH_SET_POLICIES_MAX; i++) {
        if (policy_load_file(g.gl_pathv[i], &policies[*count], err, sizeof err) != 0)
            rc = fprintf(stderr, "yibao-bench: %s\n", err) > 0 ? -1 : -1;
        else (*count)++;
    }
    globfree(&g);
    if (rc == 0 &&
        catalog_load_file("policies/catalog-conformance.json", catalog, err, sizeof err) != 0)
        rc = fprintf(stderr, "yibao-bench: %s\n", err) > 0 ? -1 : -1;
    return rc;
}
