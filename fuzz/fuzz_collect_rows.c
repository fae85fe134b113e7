/* fuzz_collect_rows.c: libFuzzer target for the tax bureau's collection
 * file (`yibao import collections`, src/app/collect.c app_collect_rows):
 * its header and rows as the import parses them before it reads the
 * store.
 *
 * Properties: the parse accepts (0) or refuses (2) and never runs out of
 * memory on a small input; a refusal names the file; an accepted file has
 * 1..COLLECT_IMPORT_ROWS_MAX rows, each with a payer code of at most
 * CODE_BYTES_MAX bytes and no space, '=', '/' or ':' (it goes into a
 * msgid and an account), a month 1..12 of a year the rules take, an
 * amount above 0 and at most COLLECT_AMOUNT_MAX_FEN, a paid date
 * YYYY-MM-DD that parses, rising line numbers, and no two rows the same
 * payment (payer, month and day). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/collect.h"
#include "core/date.h"
#include "core/enrol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_collect_rows: property violated: %s\n", what);
        abort();
    }
}

static struct app_collect_in ins[COLLECT_IMPORT_ROWS_MAX];
static int64_t lines[COLLECT_IMPORT_ROWS_MAX];

static void check_row(const struct app_collect_in *in, enum app_collect_payer payer) {
    datetime_s d = 0;
    size_t len = strlen(in->who);
    check(in->payer == payer, "every row the header's payer");
    check(len >= 1 && len <= CODE_BYTES_MAX && strpbrk(in->who, " =/:") == NULL, "a payer code");
    check(in->month >= 1 && in->month <= 12, "a month");
    check(in->year >= MONTH_YEAR_MIN && in->year <= MONTH_YEAR_MAX, "a year");
    check(in->amount_fen > 0 && in->amount_fen <= COLLECT_AMOUNT_MAX_FEN, "an amount");
    check(strlen(in->paid_date) == 10 && datetime_parse(in->paid_date, 10, &d), "a date");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1 << 16) return 0;
    FILE *f = fmemopen((void *)(uintptr_t)data, size ? size : 1, "rb");
    if (f == NULL) return 0;
    if (size == 0) fseek(f, 0, SEEK_END);
    size_t n = 0;
    enum app_collect_payer payer = COLLECT_PAYER_COUNT;
    struct store_err err = {{0}};
    int rc = app_collect_rows(f, "fuzz.csv", ins, lines, &n, &payer, &err);
    fclose(f);
    check(rc == 0 || rc == 2, "accepted or refused");
    if (rc == 2) {
        check(strncmp(err.msg, "fuzz.csv", 8) == 0, "a refusal names the file");
        return 0;
    }
    check(n >= 1 && n <= COLLECT_IMPORT_ROWS_MAX, "row count");
    check(payer == COLLECT_EMPLOYER || payer == COLLECT_FLEXIBLE, "a file's payer");
    for (size_t i = 0; i < n; i++) {
        check_row(&ins[i], payer);
        check(lines[i] >= 2 && (i == 0 || lines[i] > lines[i - 1]), "rising lines");
        for (size_t k = 0; k < i; k++)
            check(strcmp(ins[k].who, ins[i].who) != 0 || ins[k].year != ins[i].year ||
                      ins[k].month != ins[i].month ||
                      strcmp(ins[k].paid_date, ins[i].paid_date) != 0,
                  "no payment twice");
    }
    return 0;
}
