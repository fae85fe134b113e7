/* date.c: parsing and arithmetic of civil date-times (proleptic Gregorian).
 *
 * Days are counted with the well-known era arithmetic (400-year cycles), so
 * that any date from year 1 to 9999 maps to a day number and back. */
#include "core/date.h"

#include <assert.h>
#include <string.h>
#include <stdio.h>

static int64_t days_from_civil(int y, int m, int d) {
    assert(m >= 1 && m <= 12 && d >= 1 && d <= 31);
    y -= m <= 2;
    const int64_t era = y / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 306; /* day 0 = 0000-03-01 shifted to 0001-01-01 */
}

static void civil_from_days(int64_t z, int *y, int *m, int *d) {
    z += 306;
    const int64_t era = z / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
    assert(*m >= 1 && *m <= 12);
}

static int days_in_month(int y, int m) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

datetime_s datetime_from_civil(int year, int month, int day, int hour, int min, int sec) {
    return days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
}

static bool read_number(const char *t, size_t at, size_t width, int *out) {
    int v = 0;
    for (size_t i = at; i < at + width; i++) {
        if (t[i] < '0' || t[i] > '9') return false;
        v = v * 10 + (t[i] - '0');
    }
    *out = v;
    return true;
}

bool datetime_parse(const char *text, size_t len, datetime_s *out) {
    int y, mo, d, h = 0, mi = 0, s = 0;
    if (text == NULL || (len != 10 && len != 19)) return false;
    if (text[4] != '-' || text[7] != '-') return false;
    if (!read_number(text, 0, 4, &y) || !read_number(text, 5, 2, &mo) ||
        !read_number(text, 8, 2, &d))
        return false;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return false;
    if (len == 19) {
        if (text[10] != ' ' || text[13] != ':' || text[16] != ':') return false;
        if (!read_number(text, 11, 2, &h) || !read_number(text, 14, 2, &mi) ||
            !read_number(text, 17, 2, &s))
            return false;
        if (h > 23 || mi > 59 || s > 59) return false;
    }
    *out = datetime_from_civil(y, mo, d, h, mi, s);
    return true;
}

bool datetime_parse_iso(const char *text, size_t len, datetime_s *out) {
    char copy[20];
    if (text == NULL || len != 19 || text[10] != 'T') return datetime_parse(text, len, out);
    memcpy(copy, text, len);
    copy[10] = ' ';
    copy[19] = '\0';
    return datetime_parse(copy, len, out);
}

int datetime_year(datetime_s t) {
    int y, m, d;
    assert(t >= 0);
    civil_from_days(t / 86400, &y, &m, &d);
    return y;
}

static char *two_digits(char *p, int v) {
    assert(v >= 0 && v <= 99);
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* Digit by digit (a server formats several a request; printf's cost
 * showed); a year of more than four digits as printf writes it. */
void datetime_format(datetime_s t, char buf[20]) {
    int y, m, d;
    assert(t >= 0);
    civil_from_days(t / 86400, &y, &m, &d);
    int secs = (int)(t % 86400);
    if (y < 0 || y > 9999) {
        snprintf(buf, 20, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, secs / 3600, secs / 60 % 60,
                 secs % 60);
        return;
    }
    char *p = two_digits(buf, y / 100);
    p = two_digits(p, y % 100);
    *p++ = '-';
    p = two_digits(p, m);
    *p++ = '-';
    p = two_digits(p, d);
    *p++ = ' ';
    p = two_digits(p, secs / 3600);
    *p++ = ':';
    p = two_digits(p, secs / 60 % 60);
    *p++ = ':';
    p = two_digits(p, secs % 60);
    *p = '\0';
    assert(p == buf + 19);
}
