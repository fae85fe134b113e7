/* settle_batch.c: `yibao settle --db PATH BILLS.jsonl|-`: one bill a line,
 * settled in batches through the store's commit queue, SETTLE_WINDOW bills
 * in flight (read, decoded and hashed on this thread while the queue's
 * writer commits the batch before). Prints one JSON line per bill in the
 * file's order (the one-bill answer or refusal, with "input_line"); a line
 * that cannot be read is named "FILE:LINE: field: what" on stderr and
 * skipped. Ends with a summary on stderr. A progress line on stderr while
 * it is a terminal. Ctrl-C (SIGINT, SIGTERM) stops reading, lets the bills
 * in flight commit and says the last line answered; since every bill has
 * a msgid (its own, or derived from its content), running the file again
 * answers the settled ones from the journal and settles only the rest.
 * That resume does not go through the queue: the file is read a chunk at
 * a time, each chunk looked up in the journal on the looker's thread
 * (store_replay_settled, from where the chunk before was found) while the
 * next is read; the lines found are answered from their records, the
 * others queued, until a chunk has none found. */
#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/bill_decode.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "cli/settle_answers.h"
#include "cli/settle_batch.h"
#include "cli/store_cli.h"
#include "codec/codec.h"

#define SETTLE_STDOUT_BUFFER_BYTES (1u << 20)

struct slot {
    struct store_req req;
    struct bill bill;
    struct bill_line *lines;
    int32_t lines_cap;
    int64_t input_line;
    bool busy;   /* holds a line not yet answered on stdout */
    bool queued; /* submitted to the commit queue (else answered from the journal) */
};

/* Lines read together: SETTLE_RESUME_CHUNK while resuming, else one. */
struct chunk {
    size_t n;
    struct slot **slot;
    struct store_req **reqs;
    bool *answered;
    struct journal_rec *recs;
    int answered_count; /* store_replay_settled's result */
};

/* The thread that looks a chunk up in the journal while the next one is
 * read and decoded (looked up on the reading thread when it could not
 * start). */
struct looker {
    struct store *store;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct chunk *job; /* handed over and not yet looked up */
    int64_t near_seq;  /* where the next chunk is looked for first (0: by msgid) */
    bool started, quit;
};

struct run {
    struct bills_input *input;
    struct store *store;
    struct commitq *q;
    struct json_doc *doc;
    struct bill_line *scratch; /* BILL_LINES_MAX: a line decoded before it is copied */
    struct slot *slots;
    /* resuming: the lines of a chunk whose msgid the journal already holds
     * are answered from it (store_replay_settled), the rest queued */
    bool resuming;
    struct chunk chunks[2];
    struct looker looker;
    char *line;
    size_t line_cap;
    int64_t settled, replayed, refused, bad, failed;
    int64_t last_answered; /* the input line of the last bill answered */
    FILE *out;             /* the answers: standard output or --answers FILE */
    struct answers_file answers;
    bool stdout_tty;
    struct progress progress;
};

/* "FILE:LINE: what" on stderr, the progress line out of the way. */
static void line_error(struct run *run, int64_t line, const char *what) {
    assert(run != NULL && what != NULL && line > 0);
    progress_clear(&run->progress);
    fprintf(stderr, "yibao: %s:%" PRId64 ": %s\n", run->input->name, line, what);
}

/* Waits for the slot's bill and prints its answer. */
static void slot_finish(struct run *run, struct slot *slot) {
    assert(run != NULL && slot != NULL);
    if (!slot->busy) return;
    if (slot->queued) commitq_wait(run->q, &slot->req);
    slot->busy = slot->queued = false;
    const struct store_req *r = &slot->req;
    if (r->status == STORE_FAILED) run->failed++;
    else if (r->status == STORE_REFUSED) run->refused++;
    else if (r->replayed) run->replayed++;
    else run->settled++;
    /* after a failed batch, later ones may commit: the line named is the
     * last before the first failure, every bill up to it answered */
    if (r->status != STORE_FAILED && run->failed == 0) run->last_answered = slot->input_line;
    char where[STORE_CLI_WHERE_BYTES]; /* named in messages only */
    where[0] = '\0';
    if (r->status != STORE_DONE)
        snprintf(where, sizeof where, "%s:%" PRId64, run->input->name, slot->input_line);
    if (run->stdout_tty || r->status != STORE_DONE) progress_clear(&run->progress);
    store_cli_print_at(run->out, run->store, r, where, slot->input_line);
}

/* The next line (the pending ones first): 0, or 1 at the end. */
static int next_line(struct run *run, const char **text, size_t *len, int64_t *number) {
    struct bills_input *in = run->input;
    for (int k = 0; k < 2; k++) {
        if (in->pending[k] == NULL) continue;
        free(run->line);
        run->line = in->pending[k], run->line_cap = in->pending_len[k] + 1;
        in->pending[k] = NULL;
        *text = run->line, *len = in->pending_len[k], *number = in->pending_line[k];
        return 0;
    }
    ssize_t n = getline(&run->line, &run->line_cap, in->in);
    if (n <= 0) return 1;
    in->lines_read++;
    in->bytes_read += n;
    *text = run->line, *len = (size_t)n, *number = in->lines_read;
    return 0;
}

/* Decodes a line into the slot's bill and request; false after naming
 * what is wrong (a blank line is skipped without a word). */
static bool slot_fill(struct run *run, struct slot *slot, const char *text, size_t len,
                      int64_t number) {
    struct json_error jerr;
    char err[CODEC_ERR_BYTES], msg[CODEC_ERR_BYTES + 64];
    while (len > 0 && strchr(" \t\r\n", text[len - 1]) != NULL) len--;
    if (len == 0) return false;
    run->bad++;
    const struct json_value *root = json_parse(run->doc, text, len, &jerr);
    if (root == NULL) {
        snprintf(msg, sizeof msg, "byte %zu: %s", jerr.offset + 1, jerr.message);
        return line_error(run, number, msg), false;
    }
    memset(&slot->req, 0, sizeof slot->req);
    if (bill_from_json(root, &slot->bill, run->scratch, BILL_LINES_MAX, err, sizeof err) != 0 ||
        settle_request_ids(root, NULL, &slot->bill, &slot->req, err, sizeof err) != 0)
        return line_error(run, number, err), false;
    int32_t count = slot->bill.line_count;
    if (count > slot->lines_cap) {
        struct bill_line *bigger = realloc(slot->lines, (size_t)count * sizeof *bigger);
        if (bigger == NULL) return line_error(run, number, "out of memory"), false;
        slot->lines = bigger, slot->lines_cap = count;
    }
    if (count > 0) memcpy(slot->lines, run->scratch, (size_t)count * sizeof *slot->lines);
    slot->bill.lines = slot->lines;
    slot->input_line = number;
    run->bad--;
    return true;
}

/* The chunk's lines already settled (by a run before, or a line before
 * with the same msgid) are answered from the journal in one batched read,
 * without the commit queue. */
static void look_up(struct looker *lk, struct chunk *c) {
    struct store_err err = {{0}};
    assert(c->n >= 1 && c->n <= SETTLE_RESUME_CHUNK);
    for (size_t k = 0; k < c->n; k++) c->reqs[k] = &c->slot[k]->req;
    /* the journal from where the chunk before was found on: a file's
     * bills were settled in its order */
    c->answered_count = store_replay_settled(lk->store, c->reqs, c->n, &lk->near_seq, c->recs,
                                             c->answered, &err);
}

static void *looker_main(void *arg) {
    struct looker *lk = arg;
    assert(lk != NULL && lk->store != NULL);
    pthread_mutex_lock(&lk->lock);
    while (!lk->quit) {
        if (lk->job == NULL) {
            pthread_cond_wait(&lk->cond, &lk->lock);
            continue;
        }
        pthread_mutex_unlock(&lk->lock);
        look_up(lk, lk->job);
        pthread_mutex_lock(&lk->lock);
        lk->job = NULL;
        pthread_cond_broadcast(&lk->cond);
    }
    pthread_mutex_unlock(&lk->lock);
    return NULL;
}

static void looker_start(struct looker *lk, struct store *store) {
    assert(lk != NULL && !lk->started);
    lk->store = store;
    if (pthread_mutex_init(&lk->lock, NULL) != 0) return;
    if (pthread_cond_init(&lk->cond, NULL) != 0) {
        pthread_mutex_destroy(&lk->lock);
        return;
    }
    lk->started = pthread_create(&lk->thread, NULL, looker_main, lk) == 0;
    if (lk->started) return;
    pthread_cond_destroy(&lk->cond);
    pthread_mutex_destroy(&lk->lock);
}

static void looker_stop(struct looker *lk) {
    assert(lk != NULL);
    if (!lk->started) return;
    pthread_mutex_lock(&lk->lock);
    lk->quit = true;
    pthread_cond_broadcast(&lk->cond);
    pthread_mutex_unlock(&lk->lock);
    pthread_join(lk->thread, NULL);
    pthread_cond_destroy(&lk->cond);
    pthread_mutex_destroy(&lk->lock);
    lk->started = false;
}

/* Hands the chunk over to be looked up (looked up now without the thread). */
static void looker_give(struct looker *lk, struct chunk *c) {
    assert(lk != NULL && c != NULL && c->n >= 1);
    if (!lk->started) {
        look_up(lk, c);
        return;
    }
    pthread_mutex_lock(&lk->lock);
    assert(lk->job == NULL); /* one chunk at a time */
    lk->job = c;
    pthread_cond_broadcast(&lk->cond);
    pthread_mutex_unlock(&lk->lock);
}

/* Waits until the chunk handed over is looked up. */
static void looker_wait(struct looker *lk) {
    assert(lk != NULL);
    if (!lk->started) return;
    pthread_mutex_lock(&lk->lock);
    while (lk->job != NULL) pthread_cond_wait(&lk->cond, &lk->lock);
    pthread_mutex_unlock(&lk->lock);
}

/* Reads and decodes up to want lines into the chunk's slots, from the
 * window's position at, answering the lines before in order as their
 * slots are reused (*end: the input ended). */
static void fill_chunk(struct run *run, struct chunk *c, int64_t at, size_t want, bool *end) {
    const char *text;
    size_t len;
    int64_t number;
    assert(want >= 1 && want <= SETTLE_RESUME_CHUNK);
    c->n = 0;
    while (c->n < want && run->failed == 0 && progress_interrupted() == 0) {
        struct slot *slot = &run->slots[(at + (int64_t)c->n) % SETTLE_WINDOW];
        slot_finish(run, slot);
        if (next_line(run, &text, &len, &number) != 0) {
            *end = true;
            break;
        }
        if (slot_fill(run, slot, text, len, number)) c->slot[c->n++] = slot;
    }
}

/* The chunk's lines to be answered: those looked up and found in the
 * journal are answered already, the others go to the commit queue. A
 * chunk looked up without one found (or whose read failed) ends the
 * resume: the queue answers replays too. */
static void dispatch(struct run *run, struct chunk *c, bool looked) {
    assert(c != NULL && c->n <= SETTLE_RESUME_CHUNK);
    if (looked) {
        looker_wait(&run->looker);
        if (c->answered_count <= 0) run->resuming = false;
    }
    bool answered = looked && c->answered_count > 0;
    for (size_t k = 0; k < c->n; k++) {
        struct slot *slot = c->slot[k];
        slot->queued = !(answered && c->answered[k]);
        if (slot->queued && commitq_submit(run->q, &slot->req) != 0) run->failed++;
        slot->busy = true;
    }
}

/* Reads, decodes and submits every line; stops at the end, at Ctrl-C or
 * after a storage failure. While resuming, the lines are read a chunk at
 * a time, each looked up on the looker's thread while the next is read. */
static void pump(struct run *run) {
    int64_t filled = 0;
    bool end = false;
    struct chunk *looking = NULL; /* with the looker */
    struct bills_input *in = run->input;
    for (size_t k = 0; !end && run->failed == 0 && progress_interrupted() == 0; k++) {
        struct chunk *c = &run->chunks[k & 1];
        fill_chunk(run, c, filled, run->resuming ? SETTLE_RESUME_CHUNK : 1, &end);
        filled += (int64_t)c->n;
        if (looking != NULL) dispatch(run, looking, true);
        looking = NULL;
        if (run->resuming && c->n > 0) looker_give(&run->looker, looking = c);
        else dispatch(run, c, false);
        progress_update(&run->progress, run->settled + run->replayed + run->refused,
                        in->size > 0 ? (double)in->bytes_read / (double)in->size : -1.0);
    }
    if (looking != NULL) dispatch(run, looking, true);
    for (int64_t k = 0; k < SETTLE_WINDOW; k++)
        slot_finish(run, &run->slots[(filled + k) % SETTLE_WINDOW]);
    if (ferror(in->in)) {
        progress_clear(&run->progress);
        fprintf(stderr, "yibao: %s: read error\n", in->name);
        run->failed++;
    }
}

/* With an answers file from an earlier run of this file: its lines up to
 * the last one answered there are read and passed over (the answers file
 * holds their answers, the journal their effects), the last of them
 * decoded to check that the answers belong to this file. 0, or -1 after
 * saying why. */
static int skip_answered(struct run *run) {
    const struct answers_file *a = &run->answers;
    const char *text = NULL;
    size_t len = 0;
    int64_t number = 0;
    assert(a->last_line > 0);
    while (number < a->last_line && next_line(run, &text, &len, &number) == 0) {
    }
    struct slot *slot = &run->slots[0];
    if (number == a->last_line && slot_fill(run, slot, text, len, number) &&
        strcmp(slot->req.msgid, a->last_msgid) == 0) {
        run->last_answered = number;
        return 0;
    }
    progress_clear(&run->progress);
    fprintf(stderr,
            "yibao: --answers: its last answer is of line %" PRId64
            ", msgid %s, and %s line %" PRId64 " %s: not the answers of this file\n",
            a->last_line, a->last_msgid, run->input->name, a->last_line,
            number < a->last_line ? "does not exist" : "is another bill");
    return -1;
}

static int summary(struct run *run, double seconds) {
    int64_t answered = run->settled + run->replayed + run->refused;
    progress_finish(&run->progress);
    if (run->answers.last_line > 0)
        fprintf(stderr, "settle: continued after line %" PRId64 ", answered by an earlier run\n",
                run->answers.last_line);
    fprintf(stderr,
            "settle: %" PRId64 " bills in %.1f s (%.0f/s): %" PRId64 " settled, %" PRId64
            " replayed, %" PRId64 " refused, %" PRId64 " bad lines\n",
            answered, seconds, seconds > 0 ? (double)answered / seconds : 0.0, run->settled,
            run->replayed, run->refused, run->bad);
    if (progress_interrupted() != 0 || run->failed > 0) {
        fprintf(stderr,
                "yibao: %s: stopped %s after line %" PRId64
                " (every bill up to it answered); run the file again to settle the rest\n",
                run->input->name, run->failed ? "by a failure" : "by a signal", run->last_answered);
        return run->failed ? EXIT_BAD_INPUT : progress_exit_status();
    }
    if (run->bad > 0) return EXIT_BAD_INPUT;
    return run->refused > 0 ? EXIT_CHECK_FAILED : 0;
}

static int run_open(struct run *run, const char *db, const char *answers_path) {
    struct store_err err = {{0}};
    run->doc = cli_json_doc();
    run->scratch = calloc(BILL_LINES_MAX, sizeof *run->scratch);
    run->slots = calloc(SETTLE_WINDOW, sizeof *run->slots);
    bool chunks_ok = true;
    for (int k = 0; k < 2; k++) {
        struct chunk *c = &run->chunks[k];
        c->slot = calloc(SETTLE_RESUME_CHUNK, sizeof *c->slot);
        c->reqs = calloc(SETTLE_RESUME_CHUNK, sizeof *c->reqs);
        c->answered = calloc(SETTLE_RESUME_CHUNK, sizeof *c->answered);
        c->recs = calloc(SETTLE_RESUME_CHUNK, sizeof *c->recs);
        chunks_ok = chunks_ok && c->slot && c->reqs && c->answered && c->recs;
    }
    if (run->doc == NULL || run->scratch == NULL || run->slots == NULL || !chunks_ok)
        return fprintf(stderr, "yibao: out of memory\n"), -1;
    run->store = store_cli_open(db, STORE_MODE_EXISTING);
    if (run->store == NULL) return -1;
    /* after the store opened: a refused store leaves no answers file */
    if (answers_path != NULL && answers_open(answers_path, run->doc, &run->answers) != 0) return -1;
    if (answers_path != NULL) run->out = run->answers.out;
    if (commitq_start(run->store, BATCH_MAX, &run->q, &err) != 0)
        return fprintf(stderr, "yibao: %s\n", err.msg), -1;
    run->resuming = true;
    looker_start(&run->looker, run->store);
    return 0;
}

int settle_batch(const char *db, struct bills_input *input, const char *answers_path) {
    assert(db != NULL && input != NULL && input->pending[0] != NULL);
    static char out_buffer[SETTLE_STDOUT_BUFFER_BYTES];
    struct run run;
    memset(&run, 0, sizeof run);
    run.input = input;
    run.out = stdout;
    run.stdout_tty = answers_path == NULL && isatty(STDOUT_FILENO) == 1;
    int rc = EXIT_BAD_INPUT;
    int opened = run_open(&run, db, answers_path);
    if (opened == 0 && !run.stdout_tty) setvbuf(run.out, out_buffer, _IOFBF, sizeof out_buffer);
    if (opened == 0 && (run.answers.last_line == 0 || skip_answered(&run) == 0)) {
        progress_catch_signals();
        progress_start(&run.progress, "settle", "bills");
        double start = progress_now();
        pump(&run);
        if (fflush(run.out) != 0) run.failed++;
        rc = summary(&run, progress_now() - start);
    }
    looker_stop(&run.looker);
    commitq_stop(run.q);
    store_close(run.store);
    for (int i = 0; run.slots != NULL && i < SETTLE_WINDOW; i++) free(run.slots[i].lines);
    free(run.slots);
    for (int k = 0; k < 2; k++) {
        free(run.chunks[k].slot);
        free(run.chunks[k].reqs);
        free(run.chunks[k].answered);
        free(run.chunks[k].recs);
    }
    free(run.scratch);
    free(run.line);
    json_doc_free(run.doc);
    if (run.answers.out != NULL && fclose(run.answers.out) != 0 && rc == 0) {
        fprintf(stderr, "yibao: --answers %s: write error\n", answers_path);
        rc = EXIT_BAD_INPUT;
    }
    return rc;
}
