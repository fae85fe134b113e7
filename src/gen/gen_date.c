/* gen_date.c: days <-> civil dates (H. Hinnant's algorithms) and fixed-width
 * date formatting without stdio. */
#include "gen/gen_date.h"

#define DAYS_0001_TO_1970 719162LL

int64_t gen_days_from_civil(int year, int month, int day) {
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468 + DAYS_0001_TO_1970;
}

void gen_civil_from_days(int64_t days, int *year, int *month, int *day) {
    int64_t z = days - DAYS_0001_TO_1970 + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = (int)m;
    *day = (int)d;
}

bool gen_leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int gen_days_in_year(int year) { return gen_leap_year(year) ? 366 : 365; }

static void put_digits(char *out, int value, int width) {
    for (int i = width - 1; i >= 0; i--) {
        out[i] = (char)('0' + value % 10);
        value /= 10;
    }
}

void gen_format_date(int year, int month, int day, char out[10]) {
    put_digits(out, year, 4);
    out[4] = '-';
    put_digits(out + 5, month, 2);
    out[7] = '-';
    put_digits(out + 8, day, 2);
}

void gen_format_datetime(datetime_s t, char out[19]) {
    int64_t days = t / GEN_DAY_S;
    int64_t secs = t % GEN_DAY_S;
    int year, month, day;
    gen_civil_from_days(days, &year, &month, &day);
    gen_format_date(year, month, day, out);
    out[10] = ' ';
    put_digits(out + 11, (int)(secs / 3600), 2);
    out[13] = ':';
    put_digits(out + 14, (int)(secs / 60 % 60), 2);
    out[16] = ':';
    put_digits(out + 17, (int)(secs % 60), 2);
}
