/* city_fixture.h: for the C tests that need a small stored city: three
 * persons, four institutions (one revoked), the Maoming 2020 policies and
 * the conformance catalog of tests/vectors, imported into a store. */
#ifndef YIBAO_TESTS_CITY_FIXTURE_H
#define YIBAO_TESTS_CITY_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"

static const char CITY_PERSONS[] =
    "psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,benefit_start,acct_balc\n"
    "E1,440900197001010011,\"Wang, Wei\",1,1970-01-01,310,in_service,,440900,2010-01-01,3000.00\n"
    "E2,440900195001010022,Li Na,2,1950-01-01,310,retired,low_income,440900,2010-01-01,10.50\n"
    "R1,440900199001010033,Zhang San,1,1990-01-01,390,adult,extreme_poverty;low_income,440900,2010-01-01,0.00\n";

static const char CITY_INSTITUTIONS[] = "fixmedins_code,fixmedins_name,type,level,admdvs,status\n"
                                        "H3,City Hospital,hospital,level3,440900,active\n"
                                        "H0,Township Centre,hospital,township,440900,active\n"
                                        "D1,Pharmacy,pharmacy,pharmacy,440900,active\n"
                                        "HX,Revoked Hospital,hospital,level2,440900,revoked\n";

/* The repository's root: YIBAO_ROOT, else the working directory. */
static inline const char *city_root(void) {
    const char *r = getenv("YIBAO_ROOT");
    return r && *r ? r : ".";
}

/* Writes text to dir/name; 0, or -1 when it could not. */
static inline int city_write_file(const char *dir, const char *name, const char *text) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) return -1;
    int rc = fputs(text, f) < 0 ? -1 : 0;
    return fclose(f) != 0 ? -1 : rc;
}

/* Imports kind from path into s; 0, or -1 with the message printed. */
static inline int city_import(struct store *s, const char *kind, const char *path) {
    struct store_err err = {{0}};
    int64_t rows = 0;
    int rc = store_import(s, kind, path, &rows, &err);
    if (rc != 0) fprintf(stderr, "import %s: %s\n", path, err.msg);
    return rc;
}

/* The whole city into s; dir receives its CSV files. 0, or -1. */
static inline int city_import_all(struct store *s, const char *dir) {
    static const char *const files[][2] = {
        {"policy", "tests/vectors/policies/maoming-2020-employee.json"},
        {"policy", "tests/vectors/policies/maoming-2020-resident.json"},
        {"catalog", "tests/vectors/catalog.json"},
    };
    char path[1024];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", city_root(), files[i][1]);
        if (city_import(s, files[i][0], path) != 0) return -1;
    }
    if (city_write_file(dir, "persons.csv", CITY_PERSONS) != 0 ||
        city_write_file(dir, "institutions.csv", CITY_INSTITUTIONS) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/institutions.csv", dir);
    if (city_import(s, "institutions", path) != 0) return -1;
    snprintf(path, sizeof path, "%s/persons.csv", dir);
    return city_import(s, "persons", path);
}

#endif
