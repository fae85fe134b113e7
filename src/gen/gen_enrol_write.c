/* gen_enrol_write.c: writes the city's enrolment files, employers.csv,
 * episodes.csv, wages.csv and bindings.csv, in the formats `yibao import`
 * reads (docs/ENROLMENT.md), row by row beside persons.csv (gen_write.c
 * calls gen_enrol_files_row for each persons.csv row, in file order), so
 * memory stays one row's plan. A file of more than GEN_ENROL_PART_ROWS rows
 * (the import's limit of one file) continues in NAME-2.csv, NAME-3.csv ...,
 * each with the header; like the other outputs each part is written as
 * .partial and renamed when the whole city is complete. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen/gen_enrol.h"
#include "gen/gen_out.h"

#define PATH_BYTES 4096
#define PARTIAL_SUFFIX ".partial"

enum { F_EMPLOYERS = 0, F_EPISODES, F_WAGES, F_BINDINGS, F_COUNT };
static const char *const stems[F_COUNT] = {"employers", "episodes", "wages", "bindings"};
static const char *const headers[F_COUNT] = {
    "emp_no,emp_name,admdvs,struggling\n",
    "psn_no,insutype,admdvs,category,from_month,to_month,reason,end_reason\n",
    "emp_no,psn_no,month,wage,base_share\n",
    "holder_psn_no,member_psn_no,relation,valid_from,revoked_at\n",
};

/* One file written in parts of at most GEN_ENROL_PART_ROWS rows. */
struct parts {
    struct gen_out out;
    const char *dir;
    int kind;
    int part;        /* the part open, 1 .. */
    int64_t in_part; /* rows in it */
    int64_t rows;    /* rows in all */
    char path[PATH_BYTES];
    int error; /* errno of the first failure */
};

struct gen_enrol_files {
    const struct gen_city *city;
    struct parts file[F_COUNT];
    struct gen_plan *scratch;
    struct gen_enrol_plan plan;
    int32_t orig_first_m; /* the last original row's first month in the year */
};

/* DIR/NAME.csv or DIR/NAME-K.csv, with suffix. */
static int part_path(char *buf, const char *dir, int kind, int part, const char *suffix) {
    int n = part == 1 ? snprintf(buf, PATH_BYTES, "%s/%s.csv%s", dir, stems[kind], suffix)
                      : snprintf(buf, PATH_BYTES, "%s/%s-%d.csv%s", dir, stems[kind], part, suffix);
    return n > 0 && n < PATH_BYTES ? 0 : -1;
}

static int part_open(struct parts *p) {
    p->part++;
    p->in_part = 0;
    if (part_path(p->path, p->dir, p->kind, p->part, PARTIAL_SUFFIX) != 0) {
        p->error = ENAMETOOLONG;
        return -1;
    }
    if (gen_out_open(&p->out, p->path) != 0) {
        p->error = errno ? errno : EIO;
        return -1;
    }
    gen_out_str(&p->out, headers[p->kind]);
    return 0;
}

static int part_close(struct parts *p) {
    if (p->out.file == NULL) return p->error ? -1 : 0;
    if (gen_out_close(&p->out) != 0 && !p->error) p->error = p->out.error;
    return p->error ? -1 : 0;
}

/* Before each row: the next part when this one is full. False on an error. */
static bool row_begin(struct parts *p) {
    if (p->error) return false;
    if (p->in_part == GEN_ENROL_PART_ROWS && (part_close(p) != 0 || part_open(p) != 0))
        return false;
    p->in_part++;
    p->rows++;
    return true;
}

static void put_month(struct gen_out *out, int32_t m) {
    char buf[8];
    gen_put_digits(buf, (uint64_t)(m / 12), 4);
    buf[4] = '-';
    gen_put_digits(buf + 5, (uint64_t)(m % 12 + 1), 2);
    gen_out_bytes(out, buf, 7);
}

static void put_day(struct gen_out *out, int64_t day) {
    int y, m, d;
    char buf[10];
    gen_civil_from_days(day, &y, &m, &d);
    gen_format_date(y, m, d, buf);
    gen_out_bytes(out, buf, sizeof buf);
}

static void write_employers(struct gen_enrol_files *f) {
    struct parts *p = &f->file[F_EMPLOYERS];
    struct gen_employer emp;
    int32_t n = gen_employer_count(f->city);
    for (int32_t k = 0; k < n && row_begin(p); k++) {
        gen_employer_get(f->city, k, &emp);
        gen_out_str(&p->out, emp.emp_no);
        gen_out_char(&p->out, ',');
        gen_out_json_str(&p->out, emp.name); /* a CSV quoted field: the name has a comma */
        gen_out_char(&p->out, ',');
        gen_out_str(&p->out, emp.admdvs);
        gen_out_str(&p->out, emp.struggling ? ",true\n" : ",false\n");
    }
}

int gen_enrol_files_open(const struct gen_city *city, const char *dir, struct gen_enrol_files **out,
                         char *err, size_t err_size) {
    struct gen_enrol_files *f = calloc(1, sizeof *f);
    *out = NULL;
    if (f == NULL || (f->scratch = malloc(sizeof *f->scratch)) == NULL) {
        free(f);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    f->city = city;
    for (int k = 0; k < F_COUNT; k++) {
        f->file[k].dir = dir, f->file[k].kind = k;
        if (part_open(&f->file[k]) != 0) {
            snprintf(err, err_size, "%s: cannot create: %s", f->file[k].path,
                     strerror(f->file[k].error));
            gen_enrol_files_close(f, NULL, NULL, 0);
            return -1;
        }
    }
    write_employers(f);
    *out = f;
    return 0;
}

static void write_episode(struct gen_enrol_files *f, const struct gen_person *row,
                          const struct gen_episode *ep) {
    struct parts *p = &f->file[F_EPISODES];
    if (!row_begin(p)) return;
    gen_out_str(&p->out, row->person.psn_no);
    gen_out_str(&p->out, ep->insutype == 310 ? ",310," : ",390,");
    gen_out_str(&p->out, gen_episode_region(f->city, ep));
    gen_out_char(&p->out, ',');
    gen_out_str(&p->out, gen_ecat_name((enum gen_ecat)ep->ecat));
    gen_out_char(&p->out, ',');
    put_month(&p->out, ep->from_m);
    gen_out_char(&p->out, ',');
    if (ep->to_m >= 0) put_month(&p->out, ep->to_m);
    gen_out_char(&p->out, ',');
    gen_out_str(&p->out, gen_start_name((enum gen_start)ep->start));
    gen_out_char(&p->out, ',');
    gen_out_str(&p->out, gen_end_name((enum gen_end)ep->end));
    gen_out_char(&p->out, '\n');
}

/* The episode's wage rows for its months in the year: an employer's
 * declared wage (the person's median, varying by month, a year-end bonus
 * in December), or a flexible worker's chosen base. */
static void write_wages(struct gen_enrol_files *f, struct gen_rng *rng,
                        const struct gen_person *row, const struct gen_episode *ep) {
    struct parts *p = &f->file[F_WAGES];
    int32_t y0 = f->city->year * 12, y11 = y0 + 11;
    int32_t from = ep->from_m < y0 ? y0 : ep->from_m;
    int32_t to = ep->to_m < 0 || ep->to_m > y11 ? y11 : ep->to_m;
    bool flexible = ep->ecat == GEN_EC_FLEXIBLE;
    if (!flexible && (ep->ecat != GEN_EC_IN_SERVICE || ep->employer < 0)) return;
    struct gen_employer emp;
    if (!flexible) gen_employer_get(f->city, ep->employer, &emp);
    for (int32_t m = from; m <= to && row_begin(p); m++) {
        if (!flexible) gen_out_str(&p->out, emp.emp_no);
        gen_out_char(&p->out, ',');
        gen_out_str(&p->out, row->person.psn_no);
        gen_out_char(&p->out, ',');
        put_month(&p->out, m);
        if (flexible) {
            gen_out_str(&p->out, ep->base_bp == 10000 ? ",,1.0\n" : ",,0.6\n");
            continue;
        }
        double factor = gen_rng_lognormal(rng, m % 12 == 11 ? 1.3 : 1.0, 0.06);
        gen_out_char(&p->out, ',');
        gen_out_scaled(&p->out, (int64_t)((double)ep->wage_fen * factor + 0.5), 2, 2);
        gen_out_str(&p->out, ",\n");
    }
}

static void write_bindings(struct gen_enrol_files *f, int64_t household) {
    struct gen_binding b[GEN_BINDINGS_MAX];
    struct parts *p = &f->file[F_BINDINGS];
    char psn_no[CODE_BYTES_MAX + 1];
    int n = gen_household_bindings(f->city, household, f->scratch, b);
    for (int i = 0; i < n && row_begin(p); i++) {
        gen_psn_no(f->city->set->region, b[i].holder, psn_no);
        gen_out_str(&p->out, psn_no);
        gen_out_char(&p->out, ',');
        gen_psn_no(f->city->set->region, b[i].member, psn_no);
        gen_out_str(&p->out, psn_no);
        gen_out_char(&p->out, ',');
        gen_out_str(&p->out, b[i].relation);
        gen_out_char(&p->out, ',');
        put_day(&p->out, b[i].from_day);
        gen_out_char(&p->out, ',');
        if (b[i].revoked_day > 0) put_day(&p->out, b[i].revoked_day);
        gen_out_char(&p->out, '\n');
    }
}

void gen_enrol_files_row(struct gen_enrol_files *f, const struct gen_person *row) {
    struct gen_rng rng;
    gen_enrol_plan_row(f->city, row, f->orig_first_m, f->scratch, &f->plan);
    if (!row->duplicate) f->orig_first_m = gen_enrol_first_in_year(f->city, &f->plan);
    gen_rng_seed(&rng, f->city->config.seed, GEN_RNG_WAGES, (uint64_t)row->index,
                 row->duplicate ? 1 : 0);
    for (int i = 0; i < f->plan.count; i++) {
        write_episode(f, row, &f->plan.ep[i]);
        write_wages(f, &rng, row, &f->plan.ep[i]);
    }
    if (!row->duplicate && row->index % GEN_HOUSEHOLD_PERSONS == 0)
        write_bindings(f, row->index / GEN_HOUSEHOLD_PERSONS);
}

const struct gen_enrol_plan *gen_enrol_files_plan(const struct gen_enrol_files *f) {
    assert(f != NULL);
    return &f->plan;
}

int gen_enrol_files_close(struct gen_enrol_files *f, struct gen_enrol_counts *counts, char *err,
                          size_t err_size) {
    int rc = 0;
    if (f == NULL) return 0;
    for (int k = 0; k < F_COUNT; k++) {
        struct parts *p = &f->file[k];
        if (part_close(p) != 0 && rc == 0) {
            rc = -1;
            if (err) snprintf(err, err_size, "%s: write failed: %s", p->path, strerror(p->error));
        }
    }
    if (counts) {
        counts->employers = f->file[F_EMPLOYERS].rows;
        counts->episodes = f->file[F_EPISODES].rows;
        counts->wages = f->file[F_WAGES].rows;
        counts->bindings = f->file[F_BINDINGS].rows;
    }
    free(f->scratch);
    free(f);
    return rc;
}

/* Renames every part NAME[-K].csv.partial to its name and removes the parts
 * of an earlier, bigger city left beyond them (rename_them), or removes the
 * .partial parts. */
int gen_enrol_files_finish(const char *dir, bool rename_them, char *err, size_t err_size) {
    char from[PATH_BYTES], to[PATH_BYTES];
    int rc = 0;
    for (int k = 0; k < F_COUNT; k++) {
        int part = 1;
        for (; part_path(from, dir, k, part, PARTIAL_SUFFIX) == 0 && access(from, F_OK) == 0;
             part++) {
            if (!rename_them || part_path(to, dir, k, part, "") != 0) unlink(from);
            else if (rc == 0 && rename(from, to) != 0) {
                snprintf(err, err_size, "%s: cannot rename: %s", to, strerror(errno));
                rc = -1;
            }
        }
        if (!rename_them) continue;
        for (; part > 1 && part_path(to, dir, k, part, "") == 0 && access(to, F_OK) == 0; part++)
            unlink(to); /* a stale part */
    }
    return rc;
}
