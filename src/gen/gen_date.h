/* gen_date.h: civil-date arithmetic for the generator, on the same axis as
 * core/date.h (seconds since 0001-01-01 00:00:00, proleptic Gregorian), kept
 * local so the generator does not depend on the core's implementation. */
#ifndef YIBAO_GEN_DATE_H
#define YIBAO_GEN_DATE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/date.h"

#define GEN_DAY_S 86400LL

/* Days since 0001-01-01 (day 0). */
int64_t gen_days_from_civil(int year, int month, int day);
void gen_civil_from_days(int64_t days, int *year, int *month, int *day);
bool gen_leap_year(int year);
int gen_days_in_year(int year);
/* "YYYY-MM-DD HH:MM:SS" (19 characters, no NUL) into out. */
void gen_format_datetime(datetime_s t, char out[19]);
/* "YYYY-MM-DD" (10 characters, no NUL) into out. */
void gen_format_date(int year, int month, int day, char out[10]);

#endif
