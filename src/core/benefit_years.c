/* benefit_years.c: per-year resident benefit starts, packed into the
 * persons row (benefit_years.h). */
#include "core/benefit_years.h"

#include <assert.h>
#include <string.h>

#define DAY_S 86400
#define YEAR_BITS 16
#define DAY_BITS 9
#define DAY_MASK ((1u << DAY_BITS) - 1u)
#define PACKED_YEAR_MAX 9999

static int32_t days_in(int32_t year) {
    assert(year > 0);
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 366 : 365;
}

void benefit_years_clear(struct benefit_years *y) {
    assert(y != NULL);
    y->first_year = 0;
    for (int i = 0; i < BENEFIT_YEARS_MAX; i++) y->day[i] = BENEFIT_DAY_NONE;
}

/* Moves the window so that it ends at year (the older years fall out). */
static void slide_to(struct benefit_years *y, int32_t year) {
    int32_t shift = year - (y->first_year + BENEFIT_YEARS_MAX - 1);
    assert(shift > 0);
    for (int i = 0; i < BENEFIT_YEARS_MAX; i++)
        y->day[i] = i + shift < BENEFIT_YEARS_MAX ? y->day[i + shift] : BENEFIT_DAY_NONE;
    y->first_year += shift;
}

bool benefit_years_set(struct benefit_years *y, int32_t year, datetime_s start) {
    assert(y != NULL && year > 0 && year <= PACKED_YEAR_MAX);
    if (y->first_year == 0) y->first_year = year;
    if (year < y->first_year) {
        /* room before the window: move it back when its later years are free */
        int32_t back = y->first_year - year;
        for (int i = BENEFIT_YEARS_MAX - 1; i >= 0 && back > 0; i--)
            if (y->day[i] != BENEFIT_DAY_NONE && i + back >= BENEFIT_YEARS_MAX) return false;
        for (int i = BENEFIT_YEARS_MAX - 1; i >= 0; i--)
            y->day[i] = i - back >= 0 ? y->day[i - back] : BENEFIT_DAY_NONE;
        y->first_year = year;
    }
    if (year >= y->first_year + BENEFIT_YEARS_MAX) slide_to(y, year);
    datetime_s jan1 = datetime_from_civil(year, 1, 1, 0, 0, 0);
    int64_t days = start <= jan1
                       ? 0
                       : (start - jan1 + DAY_S - 1) / DAY_S; /* a later time: the next day */
    if (days > days_in(year)) days = days_in(year);
    y->day[year - y->first_year] = (uint16_t)days;
    return true;
}

int64_t benefit_years_pack(const struct benefit_years *y) {
    assert(y != NULL && y->first_year >= 0 && y->first_year <= PACKED_YEAR_MAX);
    int64_t packed = y->first_year;
    bool any = false;
    for (int i = 0; i < BENEFIT_YEARS_MAX; i++) {
        if (y->day[i] == BENEFIT_DAY_NONE) continue;
        assert(y->day[i] <= 366);
        packed |= (int64_t)(y->day[i] + 1u) << (YEAR_BITS + DAY_BITS * i);
        any = true;
    }
    return any ? packed : 0;
}

bool benefit_years_unpack(int64_t packed, struct benefit_years *y) {
    assert(y != NULL);
    benefit_years_clear(y);
    if (packed == 0) return true;
    if (packed < 0 || packed >> (YEAR_BITS + DAY_BITS * BENEFIT_YEARS_MAX) != 0) return false;
    int32_t first = (int32_t)(packed & 0xFFFF);
    if (first < 1 || first > PACKED_YEAR_MAX) return false;
    bool any = false;
    for (int i = 0; i < BENEFIT_YEARS_MAX; i++) {
        uint32_t code = (uint32_t)(packed >> (YEAR_BITS + DAY_BITS * i)) & DAY_MASK;
        if (code == 0) continue;
        if (first + i > PACKED_YEAR_MAX || (int32_t)code - 1 > days_in(first + i))
            return benefit_years_clear(y), false;
        y->day[i] = (uint16_t)(code - 1);
        any = true;
    }
    y->first_year = any ? first : 0;
    return any || (benefit_years_clear(y), false);
}

datetime_s benefit_start_at(datetime_s benefit_start, int64_t packed, datetime_s at) {
    struct benefit_years y;
    if (packed == 0 || !benefit_years_unpack(packed, &y)) return benefit_start;
    int32_t year = datetime_year(at);
    if (year < y.first_year || year >= y.first_year + BENEFIT_YEARS_MAX) return benefit_start;
    uint16_t day = y.day[year - y.first_year];
    if (day == BENEFIT_DAY_NONE) return benefit_start;
    return datetime_from_civil(year, 1, 1, 0, 0, 0) + (datetime_s)day * DAY_S;
}
