/* benefit_years.h: a resident's benefit start per policy year (FUNDS.md
 * §4; docs/ENROLMENT.md, "Residents": per-year starts).
 *
 * Each resident year Y has its own start: paid inside the window Y-01-01,
 * paid late the payment date + the waiting period, unpaid (Y+1)-01-01. A
 * year paid on time keeps its start when the next year's premium is late,
 * so settlement asks for the start of the bill's year, not one start a
 * person. The registry keeps, beside the person's benefit_start (the
 * latest covered year's, or the typed value), the starts of up to
 * BENEFIT_YEARS_MAX consecutive years packed in one integer (the persons
 * column benefit_years): small enough to sit in every person row the
 * settlement paths already read. Pure: no I/O. */
#ifndef YIBAO_BENEFIT_YEARS_H
#define YIBAO_BENEFIT_YEARS_H

#include <stdbool.h>
#include <stdint.h>

#include "date.h"

/* Years a person row holds a start for: the latest charged ones (a bill
 * older than that is settled with the person's benefit_start). */
#define BENEFIT_YEARS_MAX 5
/* day[i] of a year without a start (not charged): benefit_start applies */
#define BENEFIT_DAY_NONE 0xFFFFu

/* The unpacked form: first_year 0 when the person holds no per-year start.
 * day[i] is the start of year first_year + i as days after its January 1:
 * 0 the whole year, the year's length (365 or 366) not covered in the
 * year, BENEFIT_DAY_NONE no start known. */
struct benefit_years {
    int32_t first_year;
    uint16_t day[BENEFIT_YEARS_MAX];
};

/* Empties y (first_year 0, every day BENEFIT_DAY_NONE). */
void benefit_years_clear(struct benefit_years *y);
/* Records start as year's: the window slides forward to keep the latest
 * BENEFIT_YEARS_MAX years (an older year falling out is forgotten); a
 * year before the window is ignored (false). start before year-01-01 is
 * raised to it, after year's end lowered to (year+1)-01-01. */
bool benefit_years_set(struct benefit_years *y, int32_t year, datetime_s start);
/* The packed column: 0 for none; else bits 0-15 first_year, then 9 bits a
 * year (0: none, day + 1). */
int64_t benefit_years_pack(const struct benefit_years *y);
/* false: packed is not a value benefit_years_pack writes (y cleared). */
bool benefit_years_unpack(int64_t packed, struct benefit_years *y);
/* The start that settlement's Step 2 compares a bill ending at `at` with:
 * the start of at's year when packed holds one, else benefit_start. */
datetime_s benefit_start_at(datetime_s benefit_start, int64_t packed, datetime_s at);

#endif
