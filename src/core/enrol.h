/* enrol.h: enrolment episodes and when benefits start (FUNDS.md §4).
 *
 * Months are counted as one integer (year * 12 + month - 1) so that "the
 * month after", "the months between" and episode coverage are integer
 * arithmetic. An episode is an enrolment in one scheme and region for
 * whole months, from..to inclusive (open: still enrolled). Pure functions:
 * callers (the vector runner, later the registry) decode and bound the
 * inputs, these assert the bounds. */
#ifndef YIBAO_ENROL_H
#define YIBAO_ENROL_H

#include <stdbool.h>
#include <stdint.h>

#include "date.h"
#include "funding.h"
#include "limits.h"
#include "policy.h"

#define EPISODES_MAX 256    /* episodes of one person given to one rule */
#define MONTH_YEAR_MIN 1900 /* months and years accepted by the fund rules */
#define MONTH_YEAR_MAX \
    9800 /* leaves room for waiting periods: every result is a date before 9999 */

typedef int32_t month_index; /* year * 12 + (month - 1) */

static inline month_index month_of(int32_t year, int32_t month) { return year * 12 + month - 1; }
static inline int32_t month_year(month_index m) { return m / 12; }
static inline int32_t month_number(month_index m) { return m % 12 + 1; }

struct episode {
    int32_t insutype;                /* 310, 390, or another scheme's code */
    char region[CODE_BYTES_MAX + 1]; /* admdvs */
    month_index from_month;
    bool open; /* to is null: still enrolled */
    month_index to_month;
};

/* Whether the episode is of the policy's scheme in the policy's region. */
bool episode_of_policy(const struct episode *episode, const struct policy *policy);
/* Whether month is covered by an episode of the policy's scheme and region. */
bool enrolled_in(const struct episode *episodes, int32_t count, const struct policy *policy,
                 month_index month);

/* benefit_start_employee: m is the first contributed month of an episode;
 * episodes are the person's others, any scheme and region. */
struct benefit_start_employee {
    datetime_s benefit_start; /* a date (00:00:00) */
    bool has_gap;             /* false: no earlier coverage here */
    int32_t gap_months;
};
enum funds_code benefit_start_employee(const struct policy *policy, month_index first_month,
                                       const struct episode *episodes, int32_t count,
                                       struct benefit_start_employee *out);

/* benefit_start_resident: enrolling for year Y, paid on a date. category
 * is CATEGORY_COUNT when the person's category is none of the known ones. */
struct resident_enrolment {
    int32_t year;
    datetime_s paid; /* a date */
    enum category category;
    uint32_t flags; /* enum person_flag bits */
    bool has_brdy;
    datetime_s brdy; /* a date */
};
enum funds_code benefit_start_resident(const struct policy *policy,
                                       const struct resident_enrolment *in,
                                       datetime_s *benefit_start);

/* retirement_check over closed episodes; gend is matched against the keys
 * of min_months_total. */
struct retirement {
    int32_t total_months;
    int32_t local_months;
    int32_t short_months;
    int64_t lump_sum_fen;
    bool contribution_short; /* short_months > 0 */
};
enum funds_code retirement_check(const struct policy *policy, const char *gend,
                                 const struct episode *episodes, int32_t count,
                                 struct retirement *out);

#endif
