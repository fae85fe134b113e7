/* fuzz_person_edit.c: libFuzzer target for a person edit's journaled row
 * (src/store/person_edit.c), the text `check --deep` reads back to rebuild
 * a person, and the per-year benefit starts it may carry
 * (src/core/benefit_years.c).
 *
 * Properties: a row that parses formats again and parses to the same
 * person; a refusal says why; the row's benefit_years either unpacks and
 * packs back to the same integer or is refused (cleared); the start of any
 * year it gives lies in [Y-01-01, (Y+1)-01-01], else benefit_start. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/benefit_years.h"
#include "store/person_edit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_person_edit: property violated: %s\n", what);
        abort();
    }
}

static void years_hold(const struct store_person *p) {
    struct benefit_years y;
    if (!benefit_years_unpack(p->benefit_years, &y)) {
        check(y.first_year == 0, "a refused value leaves none");
        return;
    }
    check(benefit_years_pack(&y) == p->benefit_years, "pack(unpack(x)) == x");
    for (int i = 0; i < BENEFIT_YEARS_MAX && y.first_year != 0; i++) {
        int year = y.first_year + i;
        datetime_s at = datetime_from_civil(year, 7, 1, 0, 0, 0);
        datetime_s start = benefit_start_at(p->benefit_start, p->benefit_years, at);
        if (y.day[i] == BENEFIT_DAY_NONE) {
            check(start == p->benefit_start, "a year without a start reads benefit_start");
            continue;
        }
        check(start >= datetime_from_civil(year, 1, 1, 0, 0, 0) &&
                  start <= datetime_from_civil(year + 1, 1, 1, 0, 0, 0),
              "a year's start lies in the year");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > PERSON_EDIT_LINE_BYTES_MAX) return 0;
    char text[PERSON_EDIT_LINE_BYTES_MAX + 1];
    memcpy(text, data, size);
    text[size] = '\0';
    struct csv_reader r;
    if (csv_parse_string(&r, text) != 1) return 0;
    bool is_old = false, again_old = false;
    struct store_person p, again;
    const char *why = person_edit_parse(&r, &is_old, &p);
    if (why != NULL) {
        check(why[0] != '\0', "a refusal says why");
        return 0;
    }
    years_hold(&p);
    char row[4 * PERSON_EDIT_LINE_BYTES_MAX];
    size_t n = person_edit_format(row, sizeof row, is_old ? "old" : "new", &p);
    check(n > 0 && row[n - 1] == '\n', "a parsed row formats");
    check(csv_parse_string(&r, row) == 1, "the formatted row is a record");
    check(person_edit_parse(&r, &again_old, &again) == NULL, "the formatted row parses");
    check(again_old == is_old && memcmp(&p, &again, sizeof p) == 0, "the same person again");
    check(person_first_change(&p, &again) == NULL, "no change named");
    return 0;
}
