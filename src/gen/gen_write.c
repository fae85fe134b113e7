/* gen_write.c: writes a city to files: institutions.csv, persons.csv,
 * labels.jsonl (one pass over persons) and bills.jsonl (from the same
 * stream as gen_next_bill), each as NAME.partial renamed when all are
 * complete. Formats: docs/DATA_FORMATS.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gen/gen_date.h"
#include "gen/gen_enrol.h"
#include "gen/gen_internal.h"
#include "gen/gen_inventory.h"
#include "gen/gen_out.h"

#define PATH_BYTES 4096
#define PARTIAL_SUFFIX ".partial"

static const char *const output_names[] = {"institutions.csv", "persons.csv", "labels.jsonl",
                                           "bills.jsonl", "inventory.csv"};
#define OUTPUT_COUNT (sizeof output_names / sizeof output_names[0])

struct writer {
    const struct gen_city *city;
    struct gen_out out;
    struct gen_out labels;
    struct gen_bill_out *bill; /* scratch for label details */
    struct gen_write_stats stats;
    const struct gen_progress *progress; /* or NULL */
    bool stopped;                        /* the progress callback said stop */
};

/* Every GEN_PROGRESS_EVERY units: tells the callback; true to go on. */
static bool tick(struct writer *w, const char *phase, int64_t done, double fraction) {
    if (w->progress == NULL || w->progress->fn == NULL || done % GEN_PROGRESS_EVERY != 0)
        return true;
    if (w->progress->fn(w->progress->ctx, phase, done, fraction) != 0) w->stopped = true;
    return !w->stopped;
}

static int fail(char *err, size_t err_size, const char *path, const char *what, int e) {
    snprintf(err, err_size, "%s: %s: %s", path, what, strerror(e));
    return -1;
}

static int join(char *buf, const char *dir, const char *name, const char *suffix) {
    int n = snprintf(buf, PATH_BYTES, "%s/%s%s", dir, name, suffix);
    return n > 0 && n < PATH_BYTES ? 0 : -1;
}

static int open_out(struct gen_out *out, char *path, const char *dir, const char *name, char *err,
                    size_t err_size) {
    if (join(path, dir, name, PARTIAL_SUFFIX) != 0) {
        snprintf(err, err_size, "%s: path too long", dir);
        return -1;
    }
    if (gen_out_open(out, path) != 0) return fail(err, err_size, path, "cannot create", errno);
    return 0;
}

static int close_out(struct gen_out *out, const char *path, char *err, size_t err_size) {
    if (gen_out_close(out) != 0) return fail(err, err_size, path, "write failed", out->error);
    return 0;
}

/* --- institutions.csv ---------------------------------------------------- */

static int write_institutions(struct writer *w, const char *dir, char *err, size_t err_size) {
    char path[PATH_BYTES];
    if (open_out(&w->out, path, dir, "institutions.csv", err, err_size) != 0) return -1;
    gen_out_str(&w->out, "fixmedins_code,fixmedins_name,type,level,admdvs,status\n");
    for (int32_t i = 0; i < w->city->institution_count; i++) {
        const struct gen_institution *inst = &w->city->institutions[i];
        gen_out_str(&w->out, inst->inst.code);
        gen_out_char(&w->out, ',');
        gen_out_str(&w->out, inst->name);
        gen_out_str(&w->out, inst->inst.type == INSTITUTION_PHARMACY ? ",pharmacy," : ",hospital,");
        gen_out_str(&w->out, level_name(inst->inst.level));
        gen_out_char(&w->out, ',');
        gen_out_str(&w->out, inst->admdvs);
        gen_out_str(&w->out, ",active\n");
    }
    w->stats.institutions = w->city->institution_count;
    return close_out(&w->out, path, err, err_size);
}

/* --- persons.csv ---------------------------------------------------------- */

static void write_date_of(struct gen_out *out, datetime_s t) {
    char buf[19];
    gen_format_datetime(t, buf);
    gen_out_bytes(out, buf, 10);
}

static void write_person(struct gen_out *out, const struct gen_person *p) {
    static const char *const flag_names[4] = {"extreme_poverty", "low_income", "poverty_registered",
                                              "contribution_short"};
    char date[10];
    gen_out_str(out, p->person.psn_no);
    gen_out_char(out, ',');
    gen_out_str(out, p->certno);
    gen_out_char(out, ',');
    gen_out_str(out, p->name);
    gen_out_char(out, ',');
    gen_out_char(out, p->gend);
    gen_out_char(out, ',');
    gen_format_date(p->birth_year, p->birth_month, p->birth_day, date);
    gen_out_bytes(out, date, sizeof date);
    gen_out_char(out, ',');
    gen_out_i64(out, p->person.insutype);
    gen_out_char(out, ',');
    gen_out_str(out, category_name(p->person.category));
    gen_out_char(out, ',');
    bool first = true;
    for (int f = 0; f < 4; f++) {
        if (!(p->person.flags & (1u << f))) continue;
        if (!first) gen_out_char(out, ';');
        gen_out_str(out, flag_names[f]);
        first = false;
    }
    gen_out_char(out, ',');
    gen_out_str(out, p->insuplc_admdvs);
    gen_out_char(out, ',');
    write_date_of(out, p->person.benefit_start);
    gen_out_char(out, ',');
    gen_out_scaled(out, p->person.acct_balc_fen, 2, 2);
    gen_out_char(out, '\n');
}

/* --- labels.jsonl ---------------------------------------------------------- */

static void label_head(struct writer *w, enum gen_plant_kind kind, const struct gen_plan *plan,
                       const struct gen_label *label) {
    struct gen_out *out = &w->labels;
    char msgid[GEN_MSGID_BYTES_MAX + 1];
    gen_out_str(out, "{\"kind\":\"");
    gen_out_str(out, gen_plant_kind_name(kind));
    gen_out_str(out, "\",\"msgid\":[");
    for (int i = 0; label && i < label->event_count; i++) {
        if (i) gen_out_char(out, ',');
        gen_msgid(w->city, &plan->events[label->event[i]], msgid);
        gen_out_json_str(out, msgid);
    }
    gen_out_str(out, "],\"psn_no\":");
    gen_out_json_str(out, plan->person.person.psn_no);
    w->stats.labels++;
}

static void label_tail(struct writer *w, const char *note) {
    gen_out_str(&w->labels, ",\"note\":");
    gen_out_json_str(&w->labels, note);
    gen_out_str(&w->labels, "}\n");
}

static const char *inst_code(const struct writer *w, const struct gen_plan *plan, int seq) {
    return w->city->institutions[plan->events[seq].inst_index].inst.code;
}

static void label_item(struct writer *w, const char *code) {
    gen_out_str(&w->labels, ",\"item\":");
    gen_out_json_str(&w->labels, code);
}

static void write_stay_label(struct writer *w, const struct gen_plan *plan,
                             const struct gen_label *label, char *note, size_t size) {
    const struct gen_event *a = &plan->events[label->event[0]];
    const struct gen_event *b = &plan->events[label->event[1]];
    if (label->kind == GEN_PLANT_SPLIT_ADMISSION)
        snprintf(note, size, "readmitted to %s %d days after discharge with the same diagnosis %s",
                 inst_code(w, plan, a->seq), (int)label->value, gen_event_dx_code(w->city, a));
    else if (label->kind == GEN_PLANT_OVERLAPPING_STAYS)
        snprintf(note, size, "inpatient at %s and at %s at the same time",
                 inst_code(w, plan, a->seq), inst_code(w, plan, b->seq));
    else
        snprintf(note, size, "%s bill at %s during the stay at %s",
                 b->med_type == MED_TYPE_PHARMACY ? "pharmacy" : "outpatient",
                 inst_code(w, plan, b->seq), inst_code(w, plan, a->seq));
}

static void write_item_label(struct writer *w, const struct gen_plan *plan,
                             const struct gen_label *label, char *note, size_t size) {
    const struct gen_item *item = label->item >= 0 ? &w->city->items[label->item] : NULL;
    struct gen_out *out = &w->labels;
    if (label->kind == GEN_PLANT_NON_MEDICAL_GOODS) {
        const struct gen_goods *goods = &gen_non_medical_goods[label->item];
        label_item(w, goods->code);
        snprintf(note, size, "%s billed as %s, a code outside the catalog", goods->name,
                 goods->code);
        return;
    }
    if (label->kind == GEN_PLANT_DUPLICATE_CHARGE) {
        gen_event_materialize(w->city, &plan->events[label->event[1]], w->bill);
        label_item(w, w->bill->lines[0].med_list_codg);
        snprintf(note, size, "%s charged again the same day at %s", w->bill->lines[0].med_list_codg,
                 inst_code(w, plan, label->event[0]));
        return;
    }
    label_item(w, item->code);
    if (label->kind == GEN_PLANT_OVER_QUANTITY) {
        gen_out_str(out, ",\"cnt\":");
        gen_out_i64(out, label->value);
        snprintf(note, size, "%d units of %s where at most %d are usual", (int)label->value,
                 item->code, (int)item->cnt_max);
        return;
    }
    gen_out_str(out, ",\"restrict\":{");
    if (label->kind == GEN_PLANT_GENDER_RESTRICTED) {
        gen_out_str(out, label->restrict_gender == 1 ? "\"gender\":\"1\"}" : "\"gender\":\"2\"}");
        snprintf(note, size, "%s %s restricted to %s, billed to a %s", item->code,
                 label->in_catalog ? "is (in the catalog)"
                                   : "taken as (planted, not in the catalog)",
                 label->restrict_gender == 1 ? "men" : "women",
                 plan->person.gend == '1' ? "man" : "woman");
        return;
    }
    gen_out_str(out, "\"age_min\":");
    gen_out_i64(out, label->age_min);
    gen_out_str(out, ",\"age_max\":");
    gen_out_i64(out, label->age_max);
    gen_out_char(out, '}');
    snprintf(note, size, "%s %s restricted to ages %d-%d, billed to a person aged %d", item->code,
             label->in_catalog ? "is (in the catalog)" : "taken as (planted, not in the catalog)",
             (int)label->age_min, (int)label->age_max, (int)label->age);
}

static void write_plan_labels(struct writer *w, const struct gen_plan *plan) {
    char note[256];
    for (int32_t i = 0; i < plan->label_count; i++) {
        const struct gen_label *label = &plan->labels[i];
        label_head(w, (enum gen_plant_kind)label->kind, plan, label);
        if (label->kind == GEN_PLANT_SPLIT_ADMISSION ||
            label->kind == GEN_PLANT_OVERLAPPING_STAYS ||
            label->kind == GEN_PLANT_VISIT_DURING_STAY)
            write_stay_label(w, plan, label, note, sizeof note);
        else write_item_label(w, plan, label, note, sizeof note);
        label_tail(w, note);
    }
}

static void write_enrolment_label(struct writer *w, const struct gen_person *orig,
                                  const struct gen_person *dup) {
    struct gen_out *out = &w->labels;
    char note[256];
    gen_out_str(out, "{\"kind\":\"duplicate_enrolment\",\"msgid\":[],\"psn_no\":");
    gen_out_json_str(out, orig->person.psn_no);
    gen_out_str(out, ",\"psn_no_dup\":");
    gen_out_json_str(out, dup->person.psn_no);
    gen_out_str(out, ",\"certno\":");
    gen_out_json_str(out, orig->certno);
    snprintf(note, sizeof note, "one certno enrolled twice: %s (%d, %s) and %s (%d, %s)",
             orig->person.psn_no, (int)orig->person.insutype, orig->insuplc_admdvs,
             dup->person.psn_no, (int)dup->person.insutype, dup->insuplc_admdvs);
    w->stats.labels++;
    label_tail(w, note);
}

static int write_registry(struct writer *w, const char *dir, bool registry_only, char *err,
                          size_t err_size) {
    char path[PATH_BYTES], labels_path[PATH_BYTES];
    struct gen_registry *reg = NULL;
    struct gen_enrol_files *enrol = NULL;
    struct gen_enrol_counts counts = {0, 0, 0, 0};
    struct gen_plan *plan = malloc(sizeof *plan);
    struct gen_person *row = malloc(sizeof *row), *orig = malloc(sizeof *orig);
    int rc = -1;
    if (!plan || !row || !orig || gen_registry_open(w->city, &reg) != 0) {
        snprintf(err, err_size, "out of memory");
        goto done;
    }
    if (open_out(&w->out, path, dir, "persons.csv", err, err_size) != 0) goto done;
    if (open_out(&w->labels, labels_path, dir, "labels.jsonl", err, err_size) != 0) {
        gen_out_close(&w->out);
        goto done;
    }
    if (gen_enrol_files_open(w->city, dir, &enrol, err, err_size) != 0) {
        gen_out_close(&w->out);
        gen_out_close(&w->labels);
        goto done;
    }
    gen_out_str(&w->out, "psn_no,certno,psn_name,gend,brdy,insutype,category,flags,"
                         "insuplc_admdvs,benefit_start,acct_balc\n");
    int got;
    int64_t persons = gen_city_persons(w->city);
    struct gen_person typed; /* a row as persons.csv types it */
    while ((got = gen_registry_next(reg, row)) == 1) {
        gen_enrol_files_row(enrol, row);
        write_person(&w->out, gen_enrol_typed(w->city, row, gen_enrol_files_plan(enrol), &typed));
        w->stats.person_rows++;
        if (!tick(w, "persons", w->stats.person_rows, (double)row->index / (double)persons)) break;
        if (row->duplicate) {
            write_enrolment_label(w, orig, row);
            continue;
        }
        *orig = *row;
        if (!registry_only) {
            gen_plan_person(w->city, row->index, plan);
            write_plan_labels(w, plan);
        }
    }
    if (got < 0)
        snprintf(err, err_size, "more persons than identity numbers for their birth dates");
    int a = close_out(&w->out, path, err, err_size);
    int b = close_out(&w->labels, labels_path, err, err_size);
    int c = gen_enrol_files_close(enrol, &counts, err, err_size);
    w->stats.employers = counts.employers, w->stats.episodes = counts.episodes;
    w->stats.wages = counts.wages, w->stats.bindings = counts.bindings;
    rc = got < 0 || a != 0 || b != 0 || c != 0 || w->stopped ? -1 : 0;
done:
    gen_registry_close(reg);
    free(plan);
    free(row);
    free(orig);
    return rc;
}

/* --- bills.jsonl ------------------------------------------------------------ */

static void write_bill(struct gen_out *out, const struct gen_bill_out *b) {
    const struct bill *bill = &b->bill;
    char ts[19];
    gen_out_str(out, "{\"msgid\":\"");
    gen_out_str(out, b->msgid);
    gen_out_str(out, "\",\"psn_no\":\"");
    gen_out_str(out, b->psn_no);
    gen_out_str(out, "\",\"fixmedins_code\":\"");
    gen_out_str(out, bill->fixmedins_code);
    gen_out_str(out, "\",\"med_type\":\"");
    gen_out_i64(out, bill->med_type);
    gen_out_str(out, "\",\"begntime\":\"");
    gen_format_datetime(bill->begntime, ts);
    gen_out_bytes(out, ts, sizeof ts);
    gen_out_str(out, "\",\"endtime\":\"");
    gen_format_datetime(bill->endtime, ts);
    gen_out_bytes(out, ts, sizeof ts);
    gen_out_str(out, "\",\"dise_codg\":\"");
    gen_out_str(out, bill->dise_codg);
    if (bill->spec_dise_codg[0]) {
        gen_out_str(out, "\",\"spec_dise_codg\":\"");
        gen_out_str(out, bill->spec_dise_codg);
    }
    gen_out_str(out, bill->out_of_area ? "\",\"out_of_area\":true" : "\",\"out_of_area\":false");
    gen_out_str(out, bill->filed ? ",\"filed\":true" : ",\"filed\":false");
    gen_out_str(out, bill->acct_used ? ",\"acct_used_flag\":1" : ",\"acct_used_flag\":0");
    gen_out_str(out, ",\"details\":[");
    for (int i = 0; i < bill->line_count; i++) {
        const struct bill_line *line = &bill->lines[i];
        gen_out_str(out, i ? ",{\"feedetl_sn\":\"" : "{\"feedetl_sn\":\"");
        gen_out_str(out, line->feedetl_sn);
        gen_out_str(out, "\",\"med_list_codg\":\"");
        gen_out_str(out, line->med_list_codg);
        gen_out_str(out, "\",\"cnt\":");
        gen_out_scaled(out, line->cnt_scaled, 4, 0);
        gen_out_str(out, ",\"pric\":");
        gen_out_scaled(out, line->pric_scaled, 6, 2);
        gen_out_str(out, ",\"det_item_fee_sumamt\":");
        gen_out_scaled(out, line->amount_fen, 2, 2);
        gen_out_char(out, '}');
    }
    gen_out_str(out, "]}\n");
}

/* inventory.csv, and the substitutions' labels appended to labels.jsonl. */
static int write_inventory(struct writer *w, const struct gen_inv *inv, const char *dir, char *err,
                           size_t err_size) {
    char path[PATH_BYTES], labels_path[PATH_BYTES];
    struct gen_out csv, labels;
    if (open_out(&csv, path, dir, "inventory.csv", err, err_size) != 0) return -1;
    if (join(labels_path, dir, "labels.jsonl", PARTIAL_SUFFIX) != 0 ||
        (labels.buf = malloc(GEN_OUT_BUFFER_BYTES)) == NULL) {
        gen_out_close(&csv);
        return fail(err, err_size, dir, "out of memory", ENOMEM);
    }
    labels.len = 0, labels.error = 0;
    labels.file = fopen(labels_path, "ab");
    if (labels.file == NULL) {
        free(labels.buf);
        gen_out_close(&csv);
        return fail(err, err_size, labels_path, "cannot append", errno);
    }
    gen_inv_write(inv, w->city, &csv, &labels, &w->stats.labels);
    int rc = close_out(&csv, path, err, err_size);
    int rc2 = close_out(&labels, labels_path, err, err_size);
    return rc != 0 ? rc : rc2;
}

static int write_bills(struct writer *w, const char *dir, char *err, size_t err_size) {
    char path[PATH_BYTES];
    struct gen_stream *stream = NULL;
    if (gen_stream_open(w->city, &stream) != 0) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    if (open_out(&w->out, path, dir, "bills.jsonl", err, err_size) != 0) {
        gen_stream_close(stream);
        return -1;
    }
    int32_t year = gen_city_year(w->city);
    datetime_s from = datetime_from_civil(year, 1, 1, 0, 0, 0);
    double span = (double)gen_days_in_year(year) * (double)GEN_DAY_S;
    int got;
    struct gen_inv *inv = gen_inv_new();
    while (inv != NULL && (got = gen_next_bill(stream, w->bill)) == 1) {
        if (gen_inv_add(inv, w->city, w->bill) != 0) {
            got = -1;
            break;
        }
        write_bill(&w->out, w->bill);
        w->stats.bills++;
        w->stats.lines += w->bill->bill.line_count;
        if (!tick(w, "bills", w->stats.bills, (double)(w->bill->bill.endtime - from) / span)) break;
    }
    gen_stream_close(stream);
    if (inv == NULL || got < 0) {
        gen_inv_free(inv);
        gen_out_close(&w->out);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    int rc = close_out(&w->out, path, err, err_size);
    if (rc == 0 && !w->stopped) rc = write_inventory(w, inv, dir, err, err_size);
    gen_inv_free(inv);
    return w->stopped ? -1 : rc;
}

/* Renames every NAME.partial written to NAME (rename = true), or removes
 * them all. */
static int finish_outputs(const char *dir, bool rename_them, char *err, size_t err_size) {
    char from[PATH_BYTES], to[PATH_BYTES];
    int rc = 0;
    for (size_t i = 0; i < OUTPUT_COUNT; i++) {
        if (join(from, dir, output_names[i], PARTIAL_SUFFIX) != 0 ||
            join(to, dir, output_names[i], "") != 0 || access(from, F_OK) != 0)
            continue;
        if (!rename_them) unlink(from);
        else if (rc == 0 && rename(from, to) != 0)
            rc = fail(err, err_size, to, "cannot rename", errno);
    }
    return rc;
}

static int make_dir(const char *dir, char *err, size_t err_size) {
    struct stat st;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return fail(err, err_size, dir, "cannot create", errno);
    if (stat(dir, &st) != 0) return fail(err, err_size, dir, "cannot stat", errno);
    if (!S_ISDIR(st.st_mode)) return fail(err, err_size, dir, "not a directory", ENOTDIR);
    return 0;
}

int gen_write_city(const struct gen_city *city, const char *dir, bool registry_only,
                   struct gen_write_stats *stats, char *err, size_t err_size) {
    return gen_write_city_ex(city, dir, registry_only, NULL, stats, err, err_size);
}

int gen_write_city_ex(const struct gen_city *city, const char *dir, bool registry_only,
                      const struct gen_progress *progress, struct gen_write_stats *stats, char *err,
                      size_t err_size) {
    struct writer w;
    memset(&w, 0, sizeof w);
    w.city = city;
    w.progress = progress;
    if (make_dir(dir, err, err_size) != 0) return -1;
    w.bill = malloc(sizeof *w.bill);
    if (!w.bill) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    int rc = write_institutions(&w, dir, err, err_size);
    if (rc == 0) rc = write_registry(&w, dir, registry_only, err, err_size);
    if (rc == 0 && !registry_only) rc = write_bills(&w, dir, err, err_size);
    free(w.bill);
    if (stats) *stats = w.stats;
    if (w.stopped)
        snprintf(err, err_size, "stopped while writing %s (%lld written)",
                 w.stats.bills > 0 ? "bills.jsonl" : "persons.csv",
                 (long long)(w.stats.bills > 0 ? w.stats.bills : w.stats.person_rows));
    if (rc == 0) rc = finish_outputs(dir, true, err, err_size);
    if (rc == 0) rc = gen_enrol_files_finish(dir, true, err, err_size);
    if (rc != 0) {
        finish_outputs(dir, false, err, err_size);
        gen_enrol_files_finish(dir, false, err, err_size);
    }
    return w.stopped ? 1 : rc;
}
