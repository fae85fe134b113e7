/* date.h: civil date-times as seconds, pure arithmetic, no time zones.
 *
 * The interface sends "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS"; a date alone
 * means 00:00:00. We count seconds from 0001-01-01 00:00:00 so that ordering
 * is integer comparison. */
#ifndef YIBAO_DATE_H
#define YIBAO_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t datetime_s; /* seconds since 0001-01-01 00:00:00 */

/* Returns false unless text is a valid calendar date or date-time. */
bool datetime_parse(const char *text, size_t len, datetime_s *out);
/* As datetime_parse, and also "YYYY-MM-DDTHH:MM:SS" (ISO 8601; C#'s
 * DateTime default), which the NHSA interface's clients send. */
bool datetime_parse_iso(const char *text, size_t len, datetime_s *out);
int datetime_year(datetime_s t);
/* Writes "YYYY-MM-DD HH:MM:SS" (19 bytes + NUL). */
void datetime_format(datetime_s t, char buf[20]);
datetime_s datetime_from_civil(int year, int month, int day, int hour, int min, int sec);

#endif
