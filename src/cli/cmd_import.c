/* cmd_import.c: `yibao import --db PATH KIND FILE...` loads the registry
 * (KIND persons|institutions|policy|catalog; the enrolment files; payment
 * agreements; rules, docs/RULES.md; premiums: the collection file of residents' premiums paid,
 * its rows journaled as payments, app/premium.h; collections: the tax
 * bureau's file of employers' and flexible workers' months paid,
 * app/collect.h). Each file is one transaction
 * and one journal record; a bad row rolls its file back, is reported as
 * "FILE:LINE: field: what" and exits 2. Files before it stay imported.
 * A FILE "-" is standard input. A progress line on a terminal; Ctrl-C
 * rolls the file being imported back and says the row it stopped at. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/benefit.h"
#include "app/collect.h"
#include "app/premium.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "cli/store_cli.h"
#include "core/money.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A FILE "-": standard input, copied to a temporary file first (an import
 * reads its file twice: its hash, then its rows); at most
 * IMPORT_STDIN_BYTES_MAX. path receives the copy's name. */
#define IMPORT_STDIN_BYTES_MAX (16LL << 30)
static int spool_stdin(char *path, size_t size) {
    const char *dir = getenv("TMPDIR");
    assert(path != NULL && size > 0);
    int n = snprintf(path, size, "%s/yibao-stdin.XXXXXX", dir && *dir ? dir : "/tmp");
    if (n < 0 || (size_t)n >= size) return fprintf(stderr, "yibao import: TMPDIR too long\n"), -1;
    int fd = mkstemp(path);
    if (fd < 0) return fprintf(stderr, "yibao import: %s: %s\n", path, strerror(errno)), -1;
    static char chunk[1 << 16];
    long long total = 0;
    ssize_t got;
    int rc = 0;
    while (rc == 0 && (got = read(STDIN_FILENO, chunk, sizeof chunk)) != 0) {
        if (got < 0 && errno == EINTR) continue;
        total += got;
        if (got < 0 || total > IMPORT_STDIN_BYTES_MAX || write(fd, chunk, (size_t)got) != got)
            rc = -1;
    }
    if (close(fd) != 0) rc = -1;
    if (rc != 0) {
        fprintf(stderr, "yibao import: standard input: %s\n",
                total > IMPORT_STDIN_BYTES_MAX ? "larger than 16 GiB" : strerror(errno));
        unlink(path);
    }
    return rc;
}

/* One FILE imported ("-": standard input); says what it did. */
/* The tax bureau's collection file: residents' premiums paid, every row or
 * none (app_premium_import; its journal records are the payments). */
static int import_premiums(struct store *store, const char *path, const char *shown) {
    struct app_premium_import out;
    struct store_err err = {{0}};
    double start = now_s();
    assert(store != NULL && path != NULL && shown != NULL);
    int rc = app_premium_import(store, path, shown, &out, &err);
    if (rc != 0)
        return fprintf(stderr, "yibao: %s%s\n", err.msg, rc == 2 ? " (nothing written)" : ""),
               EXIT_BAD_INPUT;
    printf("imported %lld premiums from %s in %.2f s: %lld paid, %lld.%02lld yuan",
           (long long)out.rows, shown, now_s() - start, (long long)out.paid,
           (long long)(out.paid_fen / 100), (long long)(out.paid_fen % 100));
    if (out.paid < out.rows)
        printf(" (%lld paid meanwhile by another writer)", (long long)(out.rows - out.paid));
    printf("\n");
    int64_t changed = 0; /* the derived residents' benefit start follows the payments */
    if (app_benefit_rederive(store, NULL, "premiums imported: benefit start derived again",
                             &changed, &err) != 0)
        return fprintf(stderr,
                       "yibao: the premiums are paid, but deriving the benefit start again "
                       "failed: %s (run yibao derive-benefits)\n",
                       err.msg),
               EXIT_BAD_INPUT;
    if (changed > 0)
        printf("derived again: %lld persons' benefit values changed\n", (long long)changed);
    return 0;
}

/* The tax bureau's collection file of employers' or flexible workers'
 * months paid, every row or none (app_collect_import). */
static int import_collections(struct store *store, const char *path, const char *shown) {
    struct app_collect_import out;
    struct store_err err = {{0}};
    char money[32];
    double start = now_s();
    assert(store != NULL && path != NULL && shown != NULL);
    int rc = app_collect_import(store, path, shown, &out, &err);
    if (rc != 0)
        return fprintf(stderr, "yibao: %s%s\n", err.msg, rc == 2 ? " (nothing written)" : ""),
               EXIT_BAD_INPUT;
    money_format(out.paid_fen, money, sizeof money);
    printf("imported %lld %s payments from %s in %.2f s: %lld collected, %s yuan",
           (long long)out.rows, app_collect_payer_name(out.payer), shown, now_s() - start,
           (long long)out.paid, money);
    if (out.paid < out.rows)
        printf(" (%lld collected meanwhile by another writer)", (long long)(out.rows - out.paid));
    printf("\n");
    return 0;
}

static int import_one(struct store *store, const char *kind, const char *file,
                      const struct store_import_note *note) {
    char spooled[4096];
    const char *path = file;
    assert(store != NULL && kind != NULL && file != NULL);
    if (strcmp(file, "-") == 0) {
        if (spool_stdin(spooled, sizeof spooled) != 0) return EXIT_BAD_INPUT;
        path = spooled;
    }
    if (strcmp(kind, "collections") == 0) {
        int rc = import_collections(store, path, path != file ? "(standard input)" : file);
        if (path != file) unlink(path);
        return rc;
    }
    if (strcmp(kind, "premiums") == 0) {
        int rc = import_premiums(store, path, path != file ? "(standard input)" : file);
        if (path != file) unlink(path);
        return rc;
    }
    struct store_err err = {{0}};
    int64_t rows = 0;
    double start = now_s();
    struct progress_phases phases = {.what = "import"};
    store_set_progress(store, progress_phase_update, &phases);
    struct store_import_counts counts = {0, 0};
    int rc = store_import_as(store, kind, path, note, &rows, &counts, &err);
    store_set_progress(store, NULL, NULL);
    progress_phases_finish(&phases);
    if (path != file) unlink(path);
    if (rc != 0 && progress_interrupted() != 0) {
        fprintf(stderr, "yibao: %s (interrupted by a signal)\n", err.msg);
        return progress_exit_status();
    }
    if (rc != 0) {
        /* name it as the operator did (errors name the file or its base name) */
        const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        const char *hit = path != file ? strstr(err.msg, path) : NULL;
        size_t hit_len = strlen(path);
        if (path != file && hit == NULL) hit = strstr(err.msg, name), hit_len = strlen(name);
        if (hit != NULL)
            fprintf(stderr, "yibao: %.*s(standard input)%s\n", (int)(hit - err.msg), err.msg,
                    hit + hit_len);
        else fprintf(stderr, "yibao: %s\n", err.msg);
        return EXIT_BAD_INPUT;
    }
    char edits[96] = ""; /* a persons file naming registered persons says what it did */
    if (counts.edited > 0 || counts.unchanged > 0)
        snprintf(edits, sizeof edits, " (%lld edited, %lld unchanged)", (long long)counts.edited,
                 (long long)counts.unchanged);
    /* rows are what the file holds: a payment file's, its institutions' agreements */
    const char *noun = strcmp(kind, "payment") == 0 ? "institutions' payment agreements" : kind;
    printf("imported %lld %s%s from %s in %.2f s\n", (long long)rows, noun, edits,
           path != file ? "standard input" : file, now_s() - start);
    return 0;
}

/* argv's options anywhere (--db, --operator, --reason); the kind and the
 * files are the other arguments, in order, into files[0..*count). */
static int parse(int argc, char **argv, const char **db, struct store_import_note *note,
                 const char **kind, const char **files, int *count) {
    bool bad = false;
    assert(argc >= 1 && files != NULL);
    *count = 0;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--db", db, &bad) ||
            cli_option(argc, argv, &i, "--operator", &note->operator_name, &bad) ||
            cli_option(argc, argv, &i, "--reason", &note->reason, &bad))
            continue;
        if (*kind == NULL) *kind = argv[i];
        else files[(*count)++] = argv[i];
    }
    if ((note->operator_name == NULL) != (note->reason == NULL)) {
        fprintf(stderr, "yibao import: --operator and --reason go together\n");
        bad = true;
    }
    return bad || *db == NULL || *kind == NULL || *count == 0 ? -1 : 0;
}

/* Episodes and employee policies (grace and waiting months, minimum
 * months, lump rate) change what the persons' derived benefit values are:
 * those derived already (app/benefit.h) are derived again, so that `yibao
 * check` still finds them current. */
static int rederive(struct store *store, const char *kind, const struct store_import_note *given) {
    struct store_import_note note = {
        "yibao", strcmp(kind, "policy") == 0 ? "policy imported: benefit values derived again"
                                             : "episodes imported: benefit values derived again"};
    if (given->operator_name != NULL) note = *given;
    struct app_benefit_run run = {.derived_only = true, .note = &note};
    struct app_benefit_out out;
    struct store_err err = {{0}};
    if (app_benefit_derive(store, &run, &out, &err) != 0) {
        fprintf(stderr,
                "yibao: the episodes are imported, but deriving the benefit values"
                " again failed: %s (run yibao derive-benefits)\n",
                err.msg);
        return EXIT_BAD_INPUT;
    }
    if (out.changed > 0)
        printf("derived again: %lld persons' benefit values changed\n", (long long)out.changed);
    return 0;
}

int cmd_import(int argc, char **argv) {
    const char *db = NULL, *kind = NULL;
    struct store_import_note note = {NULL, NULL};
    const char **files = calloc((size_t)argc, sizeof *files);
    int count = 0;
    if (files == NULL) return fprintf(stderr, "yibao import: out of memory\n"), EXIT_BAD_INPUT;
    if (parse(argc, argv, &db, &note, &kind, files, &count) != 0) {
        free(files);
        cli_usage("import", stderr);
        return EXIT_BAD_INPUT;
    }
    struct store *store = store_cli_open(db, STORE_MODE_CREATE);
    if (store == NULL) return free(files), EXIT_BAD_INPUT;
    progress_catch_signals();
    int rc = 0;
    for (int i = 0; i < count && rc == 0; i++)
        rc = import_one(store, kind, files[i], note.operator_name ? &note : NULL);
    if (rc == 0 && (strcmp(kind, "episodes") == 0 || strcmp(kind, "policy") == 0))
        rc = rederive(store, kind, &note);
    free(files);
    store_close(store);
    return rc;
}
