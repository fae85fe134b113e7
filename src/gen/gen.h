/* gen.h: the synthetic-city generator's public interface.
 *
 * A city is a pure function of its configuration (seed, persons, year,
 * policy set, rates): person i, institution k and every bill are computed
 * from the seed and their own index, so the same configuration gives the
 * same bytes, and a whole year can be streamed with bounded memory.
 *
 * Two ways to use it:
 *   - in process: gen_city_open(), then gen_person_get() for any person and
 *     gen_stream_open()/gen_next_bill() for the year's bills in endtime
 *     order, as struct bill (core/bill.h) without any JSON;
 *   - files: gen_write_city() writes persons.csv, institutions.csv,
 *     bills.jsonl and labels.jsonl from that same stream (docs/DATA_FORMATS.md).
 * gen_write_catalog() writes a large synthetic yibao-catalog/1 file. */
#ifndef YIBAO_GEN_H
#define YIBAO_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bill.h"
#include "core/limits.h"
#include "core/person.h"

#define GEN_PERSONS_MAX 99999999LL /* psn_no serials have 8 digits */
#define GEN_BILL_LINES_MAX 64      /* lines in one generated bill (<= BILL_LINES_MAX) */
#define GEN_FIXED_LINES_MAX (GEN_BILL_LINES_MAX - 2) /* most gen_config.bill_lines */
#define GEN_YEAR_MIN 1990
#define GEN_YEAR_MAX 2099
#define GEN_CATALOG_ITEMS_MAX 100000 /* keeps the file under JSON_BYTES_MAX */
#define GEN_ERR_BYTES 256
/* Rows of one part of an enrolment file (gen_enrol_write.c): the import's
 * ENROL_ROWS_MAX, checked where both are seen (cli/cmd_gen.c). */
#define GEN_ENROL_PART_ROWS 200000
#define GEN_PPM_ONE 1000000u   /* rates are parts per million */
#define GEN_INST_CODE_BYTES 12 /* fixmedins_code: H or P + 6-digit region + 5-digit serial */
#define GEN_SEED_DIGITS_MAX 20 /* UINT64_MAX in decimal */
/* msgid: fixmedins_code + yyyymmdd + "-G" + seed + "-" + 8-digit person serial
 * + "-" + 3-digit bill number (docs/DATA_FORMATS.md); at most 55 bytes, within
 * the store's MSGID_BYTES_MAX (checked where both are seen: src/bench/year.c). */
#define GEN_MSGID_BYTES_MAX (GEN_INST_CODE_BYTES + 8 + 2 + GEN_SEED_DIGITS_MAX + 1 + 8 + 1 + 3)

_Static_assert(GEN_BILL_LINES_MAX <= BILL_LINES_MAX, "generated bills must fit a bill");

/* Planted irregularities (labels.jsonl "kind"). */
enum gen_plant_kind {
    GEN_PLANT_NONE = 0,
    GEN_PLANT_SPLIT_ADMISSION,
    GEN_PLANT_OVERLAPPING_STAYS,
    GEN_PLANT_VISIT_DURING_STAY,
    GEN_PLANT_GENDER_RESTRICTED,
    GEN_PLANT_AGE_RESTRICTED,
    GEN_PLANT_OVER_QUANTITY,
    GEN_PLANT_DUPLICATE_CHARGE,
    GEN_PLANT_NON_MEDICAL_GOODS,
    GEN_PLANT_DUPLICATE_ENROLMENT,
    GEN_PLANT_SUBSTITUTION, /* planted in the inventory feeds (gen_inventory.c) */
    GEN_PLANT_KIND_COUNT,
};

/* Rates, in parts per million, of each planted irregularity. What a rate is
 * a rate of (per admission, per bill of a kind, per person) is documented in
 * docs/GENERATOR.md; rate_ppm[GEN_PLANT_NONE] is unused. */
struct gen_rates {
    uint32_t rate_ppm[GEN_PLANT_KIND_COUNT];
};

struct gen_config {
    uint64_t seed;
    int64_t persons;              /* 1 .. GEN_PERSONS_MAX */
    int32_t year;                 /* 0: the policy set's year */
    const char *policy_set;       /* NULL: "maoming-2020" */
    struct gen_rates rates;       /* see gen_config_defaults() */
    uint32_t admissions_per_1000; /* inpatient admissions per 1000 person-years */
    uint32_t outpatient_per_1000; /* general outpatient visits per 1000 person-years */
    int32_t catalog_items;        /* 0: the conformance items only; else also the items
                                      * of `gen catalog --items N --seed catalog_seed` */
    uint64_t catalog_seed;
    /* registered retirees whose career is short of the minimum months
     * (FUNDS.md §4): persons.csv types them contribution_short, so their
     * bills are refused (E_CONTRIBUTION_SHORT); 0 by default */
    uint32_t short_career_ppm;
    int32_t bill_lines; /* 0: each bill's planned lines; 1 .. GEN_FIXED_LINES_MAX:
                                      * every bill has exactly this many (benchmarks: cost
                                      * per line); see docs/GENERATOR.md */
};

/* Fills defaults: seed 1, 1000 persons, the default rates. */
void gen_config_defaults(struct gen_config *config);
/* Name of a planted kind as in labels.jsonl ("split_admission"), or NULL. */
const char *gen_plant_kind_name(enum gen_plant_kind kind);
/* Names of the built-in policy sets, NULL-terminated. */
const char *const *gen_policy_set_names(void);

struct gen_city;

/* Builds the city's institutions and tables. Returns 0, or -1 with err. */
int gen_city_open(const struct gen_config *config, struct gen_city **out, char *err,
                  size_t err_size);
void gen_city_close(struct gen_city *city);
int32_t gen_city_year(const struct gen_city *city);
const char *gen_city_region(const struct gen_city *city);
int64_t gen_city_persons(const struct gen_city *city);

/* Institutions (designated hospitals and pharmacies). */
struct gen_institution {
    struct institution inst; /* code, type, level */
    char name[NAME_BYTES_MAX + 1];
    char admdvs[8];   /* the region's code, or another region's */
    bool out_of_area; /* in another pooling region */
    int32_t district; /* index of the district, -1 out of area */
};
const struct gen_institution *gen_institution_get(const struct gen_city *city, int32_t index);

/* An insured person (a row of persons.csv). */
struct gen_person {
    struct person person; /* psn_no, insutype, category, flags, ... */
    int64_t index;        /* 0 .. persons-1 (a duplicate: its original's) */
    bool duplicate;       /* a planted duplicate_enrolment row */
    char certno[20];      /* 18 characters; empty from gen_person_get() */
    char name[48];
    char gend; /* '1' male, '2' female */
    int32_t birth_year, birth_month, birth_day;
    int32_t age;        /* full years on 1 January of the year */
    int32_t district;   /* index of the person's district */
    int32_t retire_age; /* employees: the legal retirement age drawn (60; 50 or 55) */
    char insuplc_admdvs[8];
};
/* Person `index` (0-based) without certno (certnos are handed out in order,
 * see gen_registry_next). */
void gen_person_get(const struct gen_city *city, int64_t index, struct gen_person *out);

/* Person `index` as persons.csv types it (its registry row, the one a
 * store imports): gen_person_get's, with the benefit start and
 * contribution_short that `yibao derive-benefits` derives from the
 * person's episodes where it derives them (gen_benefit.c). Planning the
 * episodes costs about one bill's planning, so a caller meeting a person
 * often keeps what it gets. A typer holds the planning's scratch. */
struct gen_typer;
int gen_typer_open(const struct gen_city *city, struct gen_typer **out); /* 0; -1: no memory */
void gen_typer_person(struct gen_typer *typer, int64_t index, struct gen_person *out);
void gen_typer_close(struct gen_typer *typer);

/* The registry in file order: every person with a unique certno, each
 * planted duplicate row right after its original. */
struct gen_registry;
int gen_registry_open(const struct gen_city *city, struct gen_registry **out);
/* 1: a row; 0: the end; -1: no certno left (more persons than the
 * districts' birth dates can number). */
int gen_registry_next(struct gen_registry *registry, struct gen_person *row);
void gen_registry_close(struct gen_registry *registry);

/* One generated bill, ready for settle(): bill.lines points at lines. */
struct gen_bill_out {
    struct bill bill;
    struct bill_line lines[GEN_BILL_LINES_MAX];
    int64_t psn_index; /* the person's index */
    int32_t institution_index;
    char psn_no[CODE_BYTES_MAX + 1];
    char msgid[GEN_MSGID_BYTES_MAX + 1];
};

/* The year's bills in (endtime, person, sequence) order. Memory is bounded:
 * the year is cut into windows of days and each window's events are sorted
 * in one buffer (see docs/GENERATOR.md). */
struct gen_stream;
int gen_stream_open(const struct gen_city *city, struct gen_stream **out);
/* 1: a bill in *out; 0: the end; -1: out of memory. */
int gen_next_bill(struct gen_stream *stream, struct gen_bill_out *out);
void gen_stream_close(struct gen_stream *stream);

/* Counts of what gen_write_city() wrote (for the command's summary). */
struct gen_write_stats {
    int64_t person_rows;
    int64_t institutions;
    int64_t bills;
    int64_t lines;
    int64_t labels;
    int64_t employers, episodes, wages, bindings; /* rows of the enrolment files */
};

/* Files. Return 0, or -1 with err (a failed write or close is an error).
 * stats may be NULL. Besides, both ways, the enrolment files employers.csv,
 * episodes.csv, wages.csv and bindings.csv (gen_enrol.h; docs/GENERATOR.md).
 * registry_only writes persons.csv, institutions.csv, the enrolment files
 * and the duplicate_enrolment labels, no bills. Each file is written as
 * NAME.partial and all are renamed to their names once every one is
 * complete; on a failure or a stop the .partial files are removed, so an
 * interrupted run leaves no file that looks complete. */
int gen_write_city(const struct gen_city *city, const char *dir, bool registry_only,
                   struct gen_write_stats *stats, char *err, size_t err_size);
/* Progress of gen_write_city_ex: called every GEN_PROGRESS_EVERY persons
 * and bills with the phase ("persons", "bills"), the count so far and the
 * fraction of the phase done (persons: of the persons; bills: of the
 * year, by the bills' end dates). A non-zero return stops the write:
 * gen_write_city_ex then returns 1 (err names the phase and count). */
#define GEN_PROGRESS_EVERY 1024
struct gen_progress {
    int (*fn)(void *ctx, const char *phase, int64_t done, double fraction);
    void *ctx;
};
int gen_write_city_ex(const struct gen_city *city, const char *dir, bool registry_only,
                      const struct gen_progress *progress, struct gen_write_stats *stats, char *err,
                      size_t err_size);
int gen_write_catalog(const char *path, int32_t items, uint64_t seed, char *err, size_t err_size);

#endif
