/* gen_enrol.h: the synthetic city's registry in time (issue 16, item 7):
 * employers, each person's enrolment episodes, monthly wages and family
 * bindings, drawn from their own streams (GEN_RNG_ENROL, GEN_RNG_EMPLOYER,
 * GEN_RNG_FAMILY) so that the older files of a seed keep their bytes.
 * Months are numbered year * 12 + (month - 1). docs/GENERATOR.md says
 * what is modelled and why. */
#ifndef YIBAO_GEN_ENROL_H
#define YIBAO_GEN_ENROL_H

#include <stdbool.h>
#include <stdint.h>

#include "gen/gen_internal.h"

#define GEN_EPISODES_MAX 6      /* episodes of one person row */
#define GEN_OA_EMPLOYERS 4      /* employers in each out-of-area region */
#define GEN_HOUSEHOLD_PERSONS 6 /* a household: persons 6b .. 6b+5 */
#define GEN_BINDINGS_MAX 5      /* members of one household's holder */
#define GEN_EMP_NAME_BYTES 96

/* An episode's category: the scheme's (FUNDS.md §2, §3). */
enum gen_ecat {
    GEN_EC_IN_SERVICE = 0,
    GEN_EC_FLEXIBLE,
    GEN_EC_RETIRED,
    GEN_EC_ADULT,
    GEN_EC_MINOR,
    GEN_EC_STUDENT
};
enum gen_start { GEN_START_NEW = 0, GEN_START_TRANSFER_IN, GEN_START_RETIREMENT };
enum gen_end {
    GEN_END_OPEN = 0,
    GEN_END_TRANSFER_OUT,
    GEN_END_STOP,
    GEN_END_DEATH,
    GEN_END_RETIREMENT
};

struct gen_episode {
    int32_t from_m, to_m; /* month numbers; to_m -1: still open */
    int16_t insutype;     /* 310 or 390 */
    uint8_t ecat;         /* enum gen_ecat */
    uint8_t start;        /* enum gen_start */
    uint8_t end;          /* enum gen_end */
    int8_t region;        /* -1: the city's; else an out-of-area region's index */
    uint16_t base_bp;     /* flexible: the chosen base share in basis points */
    int32_t employer;     /* in service: gen_employer_get's index; else -1 */
    int64_t wage_fen;     /* in service: the monthly wage's median */
};

struct gen_enrol_plan {
    int count;
    struct gen_episode ep[GEN_EPISODES_MAX]; /* in time order */
    bool leaves;                             /* dies or transfers out during the year */
    bool holder; /* may hold a family account: in service with an employer all year */
};

/* The region code of an episode (the city's, or an out-of-area one). */
const char *gen_episode_region(const struct gen_city *city, const struct gen_episode *ep);
/* Name of an episode's category, start and end reason as the files write them. */
const char *gen_ecat_name(enum gen_ecat ecat);
const char *gen_start_name(enum gen_start start);
const char *gen_end_name(enum gen_end end);

/* Employers: the city's (spread over its districts like institutions),
 * then GEN_OA_EMPLOYERS in each out-of-area region. */
int32_t gen_employer_count(const struct gen_city *city);
struct gen_employer {
    char emp_no[16]; /* "E" + region + 6-digit serial */
    char name[GEN_EMP_NAME_BYTES];
    const char *admdvs;
    bool struggling;
};
void gen_employer_get(const struct gen_city *city, int32_t index, struct gen_employer *out);

/* The episodes of a persons.csv row. orig_from_m: for a planted duplicate
 * row, the first month of its original's earliest episode that overlaps
 * the year (the duplicate's starts later); ignored for an original. */
/* scratch: for the bills' months (a death or a move never precedes a bill). */
void gen_enrol_plan_row(const struct gen_city *city, const struct gen_person *row,
                        int32_t orig_from_m, struct gen_plan *scratch, struct gen_enrol_plan *plan);
/* The first month of the plan's earliest episode overlapping the year. */
int32_t gen_enrol_first_in_year(const struct gen_city *city, const struct gen_enrol_plan *plan);

/* gen_benefit.c: the benefit start and contribution_short that `yibao
 * derive-benefits` derives for row from the plan's episodes (FUNDS.md
 * §4), under the set's employee funding figures. false: not derivable
 * (a resident, another region, a set without funding): keep the drawn
 * values. */
bool gen_enrol_benefit(const struct gen_city *city, const struct gen_person *row,
                       const struct gen_enrol_plan *plan, datetime_s *benefit_start,
                       bool *contribution_short);
/* row as persons.csv types it: row itself when gen_enrol_benefit derives
 * nothing, else *typed (row with the derived start and contribution_short). */
const struct gen_person *gen_enrol_typed(const struct gen_city *city, const struct gen_person *row,
                                         const struct gen_enrol_plan *plan,
                                         struct gen_person *typed);

/* A family binding of one household. */
struct gen_binding {
    int64_t holder, member; /* person indexes */
    const char *relation;   /* spouse, parent, child */
    int64_t from_day;       /* valid from this day (gen_days_from_civil) */
    int64_t revoked_day;    /* 0: not revoked */
};
/* The bindings of household h (persons h*6 .. h*6+5): 0 .. GEN_BINDINGS_MAX. */
int gen_household_bindings(const struct gen_city *city, int64_t household, struct gen_plan *scratch,
                           struct gen_binding *out);

/* gen_enrol_write.c: the four files beside persons.csv (gen_write.c). */
struct gen_enrol_counts {
    int64_t employers, episodes, wages, bindings;
};
struct gen_enrol_files;
/* Opens DIR's four .partial files and writes employers.csv's rows. */
int gen_enrol_files_open(const struct gen_city *city, const char *dir, struct gen_enrol_files **out,
                         char *err, size_t err_size);
/* The episodes and wages of one persons.csv row (given in file order), and
 * the bindings of its household when it is the household's first. */
void gen_enrol_files_row(struct gen_enrol_files *f, const struct gen_person *row);
/* The plan of the row gen_enrol_files_row wrote last. */
const struct gen_enrol_plan *gen_enrol_files_plan(const struct gen_enrol_files *f);
/* Closes the files (counts may be NULL): 0, or -1 with err when a write failed. */
int gen_enrol_files_close(struct gen_enrol_files *f, struct gen_enrol_counts *counts, char *err,
                          size_t err_size);
/* Renames the .partial parts to their names (rename_them), or removes them. */
int gen_enrol_files_finish(const char *dir, bool rename_them, char *err, size_t err_size);

#endif
