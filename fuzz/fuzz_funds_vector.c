/* fuzz_funds_vector.c: libFuzzer target for the yibao-funds-vector/1
 * decoder (src/codec/funds_vector_json.c), the fund rules behind it
 * (src/app/funds_case.c -> src/core/contrib.c, enrol.c, sharing.c) and the
 * comparison with `expect` (src/codec/funds_expect_json.c).
 *
 * Arbitrary bytes are parsed as JSON and decoded with an in-memory policy
 * loader ("employee", "resident", "settlement": the maoming figures of
 * FUNDS.md §1; any other path fails, E_POLICY). Properties: the decoder
 * answers 0 or -1 (-1 with a "path: what" message); a decoded case has a
 * code in range and, when it succeeds, figures that keep the spec's
 * identities; the comparison answers 0 or -1 with a terminated message.
 * The core's asserts (on in this build) check the rest. Nothing may crash
 * or leak. Corpus: fuzz/corpus/funds_vector (the shared vectors 000-059
 * with their policy paths renamed, and vectors of §6-8's kinds, which
 * name no policy, as shipped). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/funds_case.h"
#include "codec/codec.h"
#include "codec/funds_vector.h"
#include "core/money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_funds_vector: property violated: %s\n", what);
        abort();
    }
}

static void employee_policy(struct policy *p, bool with_funding) {
    memset(p, 0, sizeof *p);
    strcpy(p->region, "440900");
    p->year = 2020;
    p->insutype = INSUTYPE_EMPLOYEE;
    p->has_personal_account = true;
    p->account_covers = ACCOUNT_COVERS_IN_SCOPE;
    p->account_family_sharing = with_funding;
    p->has_funding = with_funding;
    struct funding_employee *f = &p->funding.employee;
    *f = (struct funding_employee){.avg_wage_monthly_fen = 600000,
                                   .base_floor_bp = 6000,
                                   .base_ceiling_bp = 30000,
                                   .employer_rate_bp = 600,
                                   .employer_rate_reduced_bp = 400,
                                   .employee_rate_bp = 200,
                                   .account_rate_bp = 200,
                                   .over_cap_premium_monthly_fen = 1000,
                                   .has_flexible = true,
                                   .flexible = {2, {6000, 10000}, 800, 0},
                                   .retiree_account_monthly_fen = 8400,
                                   .grace_months = 3,
                                   .waiting_months = 6,
                                   .min_months_total_count = 2,
                                   .min_months_total = {{"1", 300}, {"2", 240}},
                                   .min_months_local = 120,
                                   .lump_rate_bp = 800};
}

static void resident_policy(struct policy *p) {
    memset(p, 0, sizeof *p);
    strcpy(p->region, "440900");
    p->year = 2020;
    p->insutype = INSUTYPE_RESIDENT;
    p->has_funding = true;
    struct funding_resident *f = &p->funding.resident;
    f->has_premium[CATEGORY_ADULT] = f->has_premium[CATEGORY_MINOR] = true;
    f->has_premium[CATEGORY_STUDENT] = true;
    f->premium_fen[CATEGORY_ADULT] = 28000;
    f->premium_fen[CATEGORY_MINOR] = f->premium_fen[CATEGORY_STUDENT] = 18000;
    f->subsidy_fen = 55000;
    f->assistance_count = 3;
    f->assistance[0] = (struct funding_assistance){FLAG_EXTREME_POVERTY << CATEGORY_COUNT, 10000};
    f->assistance[1] = (struct funding_assistance){FLAG_LOW_INCOME << CATEGORY_COUNT, 10000};
    f->assistance[2] = (struct funding_assistance){FLAG_POVERTY_REGISTERED << CATEGORY_COUNT, 5000};
    f->catastrophic_share_fen = 6000;
    f->window_from_month = 9;
    f->window_from_day = 1;
    f->window_to_month = 12;
    f->window_to_day = 31;
    f->waiting_days = 90;
    f->newborn_days = 90;
}

static int load(void *ctx, const char *path, struct policy *out) {
    (void)ctx;
    if (strcmp(path, "employee") == 0) employee_policy(out, true);
    else if (strcmp(path, "settlement") == 0) employee_policy(out, false);
    else if (strcmp(path, "resident") == 0) resident_policy(out);
    else return -1;
    check(policy_invariant_error(out) == NULL, "the loader's policies are valid");
    return 0;
}

static const struct funds_figure *figure(const struct funds_outcome *o, const char *name) {
    for (int32_t i = 0; i < o->count; i++)
        if (strcmp(o->figures[i].name, name) == 0) return &o->figures[i];
    return NULL;
}

static void check_outcome(const struct funds_vector *v, const struct funds_outcome *o) {
    check(o->code >= 0 && o->code < FUNDS_CODE_COUNT, "code in range");
    check(o->count >= 0 && o->count <= FUNDS_FIGURES_MAX, "figure count");
    if (o->code != FUNDS_OK) {
        check(o->count == 0, "an error carries no figures");
        return;
    }
    check(o->count > 0, "a success carries figures");
    if (v->kind == FUNDS_KIND_EMPLOYEE_MONTH) {
        int64_t er = figure(o, "employer")->value, ee = figure(o, "employee")->value;
        int64_t acct = figure(o, "account")->value, pool = figure(o, "pool")->value;
        check(er + ee == acct + pool, "employer + employee = account + pool");
        check(acct >= 0 && er >= 0 && ee >= 0, "shares >= 0");
    }
    if (v->kind == FUNDS_KIND_RESIDENT_YEAR) {
        int64_t sum = figure(o, "own")->value + figure(o, "assisted")->value +
                      figure(o, "subsidy")->value;
        check(sum == figure(o, "pool")->value + figure(o, "catastrophic")->value,
              "own + assisted + subsidy = pool + catastrophic");
    }
    if (v->kind == FUNDS_KIND_BUDGET_SETTLEMENT) {
        check(figure(o, "due")->value == figure(o, "F")->value + figure(o, "adjustment")->value,
              "due = F + adjustment");
        check(figure(o, "reward")->value == 0 || figure(o, "shared")->value == 0,
              "reward and shared never both");
    }
    if (v->kind == FUNDS_KIND_PAYMENT_RUN)
        check(figure(o, "paid")->value + figure(o, "withhold")->value ==
                  figure(o, "payable")->value,
              "paid + withhold = payable");
    if (v->kind == FUNDS_KIND_DIP_SETTLEMENT) { /* Σ due is the budget, or 0 without points */
        int64_t total = 0;
        for (int32_t i = 1; i < o->count; i += 3) total += o->figures[i].value;
        check(total == v->dip.budget_fen || total == 0, "dues add up to the budget");
    }
}

static struct json_doc *doc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (doc == NULL) {
        struct json_limits limits = {1u << 20, JSON_DEPTH_MAX, 1u << 16};
        doc = json_doc_new(&limits);
        check(doc != NULL, "json_doc_new");
    }
    struct json_error jerr;
    const struct json_value *root = json_parse(doc, (const char *)data, size, &jerr);
    if (root == NULL) return 0;
    static struct funds_vector v;
    char err[CODEC_ERR_BYTES], message[512];
    memset(err, 'x', sizeof err);
    int rc = funds_vector_from_json(root, load, NULL, &v, err, sizeof err);
    check(rc == 0 || rc == -1, "return value");
    if (rc != 0) {
        check(memchr(err, '\0', sizeof err) != NULL, "message terminated");
        check(err[0] != '\0' && strstr(err, ": ") != NULL, "message names a path");
        return 0;
    }
    if (v.kind >= FUNDS_KIND_BUILT_COUNT) return 0;
    check(v.code == FUNDS_OK || v.why[0] != '\0', "a wire failure says why");
    struct funds_outcome outcome;
    funds_case_run(&v, &outcome);
    check_outcome(&v, &outcome);
    memset(message, 'x', sizeof message);
    int cmp = funds_expect_compare(v.expect, &outcome, v.why, message, sizeof message);
    check(cmp == 0 || cmp == -1, "compare answer");
    check(memchr(message, '\0', sizeof message) != NULL, "compare message terminated");
    return 0;
}
