/* check.c: `yibao check`: proves a store consistent from its journal.
 *
 *  1. the hash chain: seq 1, 2, ... each record's prev_hash is the previous
 *     record's hash and its hash recomputes (a changed byte names its seq);
 *     a revoke names an earlier, unrevoked settlement and repeats its body;
 *  2. the ledger: every record's postings are exactly those its body
 *     implies (imports: the count and sum their body states), each in its
 *     record's business month (a contribution's period, a transfer's
 *     month, else the record's local month in some zone UTC-12..+14), the sum of
 *     debits equals the sum of credits, every account's balance equals the
 *     sum of its postings, and no account is below its floor;
 *  3. year states: every stored (person, year) equals the replay of the
 *     journal's deltas, and every replayed one is stored;
 *  4. what the chain covers beyond the records: every settlement's figures
 *     keep the spec's identities (a total equals its parts); each record's
 *     attached data (its bill, an imported file) is there and hashes to what
 *     the record says, and a bill's lines sum to the settlement's total; the
 *     registry tables hash to what their last import recorded (content=),
 *     and the service's credentials to what their last record did
 *     (credential.c; none yet: only a previous release's rows may be there);
 *     and, when asked, the journal holds a receipt (seq and hash) given out.
 * Re-settling each record through the engine is `check --deep`
 * (app/deep_check.c), which needs the use case above the store.
 * The states and accounts tables are a checkpoint (checkpoint.h): they are
 * compared with the replay up to the checkpoint seq; the records after it
 * must replay without a negative state or an account below its floor. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hash.h"
#include "store/checkpoint.h"
#include "store/store.h"

enum data_want { DATA_NONE = 0, DATA_WANTED, DATA_SEEN };

struct seq_info {
    uint64_t body_hash;
    uint64_t post_hash; /* expected postings */
    uint64_t data_hash; /* the first 64 bits of its attached data's SHA-256 */
    int64_t medfee_fen; /* settle: what its bill's lines must sum to */
    uint8_t kind;
    uint8_t revoked;
    uint8_t data;       /* enum data_want */
    uint8_t month_span; /* its postings' month is month .. month + month_span */
    int32_t month;
};

/* The registry kinds an import record names (body what=), and their tables. */
static const char *const REGISTRY_KINDS[] = {"persons",   "institutions", "policy", "catalog",
                                             "employers", "episodes",     "wages",  "bindings",
                                             "payment",   "signings",     "rules"};
#define REGISTRY_KIND_COUNT (sizeof REGISTRY_KINDS / sizeof REGISTRY_KINDS[0])

struct state_node {
    struct state_node *next;
    struct year_state st;
    bool seen; /* matched a stored row */
    char key[];
};

struct account_node {
    struct account_node *next;
    uint64_t hash;
    int64_t at_checkpoint_fen; /* postings up to the checkpoint */
    int64_t sum_fen;           /* all postings */
    bool seen;                 /* matched a stored balance */
    char account[];
};

struct statemap {
    struct state_node **buckets;
    size_t bucket_count, count;
};

struct checker {
    struct store *store;
    struct store_err *err;
    int failed; /* 1 once a fault is recorded */
    /* journal */
    int64_t expect_seq;
    char prev_hash[HASH_HEX_BYTES + 1];
    struct seq_info *seqs;
    size_t seq_cap;
    int64_t checkpoint_seq; /* tables hold the journal up to here */
    /* replayed states: up to the checkpoint, and after it (from copies) */
    struct statemap states, tail;
    /* postings scan */
    int64_t cur_seq;
    uint64_t cur_hash;
    int64_t cur_count, cur_sum;
    bool months; /* the postings keep their month (schema 20): verified */
    /* ledger */
    struct account_node **accounts;
    size_t account_buckets, account_count;
    int64_t total_debit, total_credit;
    int64_t records;
    int64_t tail_seq, postings; /* for the progress */
    /* what the chain covers beyond the records */
    const struct store_check_opts *opts;
    bool receipt_seen;
    char content[REGISTRY_KIND_COUNT][HASH_HEX_BYTES + 1]; /* last import's content= */
    int64_t content_seq[REGISTRY_KIND_COUNT];
    char cred_content[HASH_HEX_BYTES + 1]; /* the last what=credentials record's content= */
    int64_t cred_seq;                      /* its seq; 0: none */
    struct bill_line *lines;               /* scratch to decode a bill */
    /* the journal's time breaks (journal_breaks) as listed, the next one
     * expected, and the time of the record read last */
    int64_t *breaks;
    size_t break_count, break_at;
    int64_t prev_time_us;
};

static uint64_t fnv(uint64_t h, const char *s, size_t len) {
    assert(s != NULL || len == 0);
    return fnv1a_bytes(h, s, len);
}
#define FNV_SEED FNV_OFFSET

static int fault(struct checker *k, const char *format, const char *a, int64_t n) {
    assert(k != NULL && format != NULL && a != NULL);
    if (!k->failed) {
        char what[STORE_ERR_BYTES];
        snprintf(what, sizeof what, format, a, n);
        store_errf(k->err, "%s", what);
    }
    k->failed = 1;
    return 1;
}

/* ---- replayed states ----------------------------------------------------- */
/* The node of (psn_no, year); with create, a zero year when absent. */
static struct state_node *state_node(struct statemap *m, const char *psn_no, int32_t year,
                                     bool create) {
    char key[CODE_BYTES_MAX + 16];
    assert(m->buckets != NULL && psn_no != NULL);
    int len = snprintf(key, sizeof key, "%s\x1f%d", psn_no, (int)year);
    assert(len > 0 && (size_t)len < sizeof key);
    size_t b = (size_t)fnv(FNV_SEED, key, (size_t)len) & (m->bucket_count - 1);
    for (struct state_node *n = m->buckets[b]; n; n = n->next)
        if (strcmp(n->key, key) == 0) return n;
    if (!create) return NULL;
    struct state_node *n = calloc(1, sizeof *n + (size_t)len + 1);
    if (n == NULL) return NULL;
    memcpy(n->key, key, (size_t)len + 1);
    year_state_init(&n->st, year, 0);
    n->next = m->buckets[b];
    m->buckets[b] = n;
    m->count++;
    return n;
}

static int grow_buckets(struct statemap *m) {
    assert(m->buckets != NULL && (m->bucket_count & (m->bucket_count - 1)) == 0);
    if (m->count < m->bucket_count) return 0;
    size_t count = m->bucket_count * 4;
    struct state_node **nb = calloc(count, sizeof *nb);
    if (nb == NULL) return -1;
    for (size_t i = 0; i < m->bucket_count; i++) {
        for (struct state_node *n = m->buckets[i], *next; n; n = next) {
            next = n->next;
            size_t b = (size_t)fnv(FNV_SEED, n->key, strlen(n->key)) & (count - 1);
            n->next = nb[b];
            nb[b] = n;
        }
    }
    free(m->buckets);
    m->buckets = nb;
    m->bucket_count = count;
    assert(m->count < m->bucket_count);
    return 0;
}

static int statemap_init(struct statemap *m) {
    assert(m != NULL);
    m->bucket_count = 1024;
    m->count = 0;
    m->buckets = calloc(m->bucket_count, sizeof *m->buckets);
    return m->buckets ? 0 : -1;
}

static void statemap_free(struct statemap *m) {
    assert(m != NULL);
    for (size_t b = 0; m->buckets && b < m->bucket_count; b++) {
        for (struct state_node *n = m->buckets[b], *next; n; n = next) {
            next = n->next;
            free(n);
        }
    }
    free(m->buckets);
}

/* The state a record applies to: up to the checkpoint the checkpoint's
 * replay; after it a copy that starts from the checkpoint's value. */
static struct state_node *replay_target(struct checker *k, const struct journal_rec *rec) {
    assert(rec->seq >= 1 && rec->seq < k->expect_seq); /* a record the chain accepted */
    if (rec->seq <= k->checkpoint_seq) {
        struct state_node *n = state_node(&k->states, rec->psn_no, rec->year, true);
        return n && grow_buckets(&k->states) == 0 ? n : NULL;
    }
    bool fresh = state_node(&k->tail, rec->psn_no, rec->year, false) == NULL;
    struct state_node *n = state_node(&k->tail, rec->psn_no, rec->year, true);
    if (n == NULL || grow_buckets(&k->tail) != 0) return NULL;
    const struct state_node *base = fresh ? state_node(&k->states, rec->psn_no, rec->year, false)
                                          : NULL;
    if (base != NULL) n->st = base->st;
    return n;
}

/* ---- 1. the journal --------------------------------------------------------- */
static uint64_t postings_hash(const struct posting *p, int count) {
    uint64_t h = FNV_SEED;
    assert(count >= 0 && count <= POSTINGS_PER_RECORD_MAX && (p != NULL || count == 0));
    char line[2 * ACCOUNT_BYTES_MAX + 64];
    for (int i = 0; i < count; i++) {
        int n = snprintf(line, sizeof line, "%d|%s|%s|%" PRId64 "\n", (int)p[i].idx, p[i].debit,
                         p[i].credit, p[i].amount_fen);
        h = fnv(h, line, (size_t)n);
    }
    return h;
}

static uint64_t import_hash(int64_t count, int64_t sum_fen) {
    char line[64];
    int n = snprintf(line, sizeof line, "import|%" PRId64 "|%" PRId64, count, sum_fen);
    assert(n > 0 && (size_t)n < sizeof line);
    return fnv(FNV_SEED, line, (size_t)n);
}

static int seq_slot(struct checker *k, int64_t seq) {
    assert(seq >= 1);
    if ((size_t)seq <= k->seq_cap) return 0;
    size_t cap = k->seq_cap ? k->seq_cap * 2 : 4096;
    while (cap < (size_t)seq) cap *= 2;
    struct seq_info *grown = realloc(k->seqs, cap * sizeof *grown);
    if (grown == NULL) return -1;
    memset(grown + k->seq_cap, 0, (cap - k->seq_cap) * sizeof *grown);
    k->seqs = grown;
    k->seq_cap = cap;
    assert((size_t)seq <= k->seq_cap);
    return 0;
}

#define CHECK_ZONE_WEST_S (12 * 3600) /* the time zones a record's local month was in */
#define CHECK_ZONE_EAST_S (14 * 3600)

static int32_t utc_month(int64_t unix_s) {
    time_t t = (time_t)unix_s;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL) return 12; /* no calendar's: postings_month_local's 0001-01 */
    assert(tm.tm_mon >= 0 && tm.tm_mon <= 11);
    return (int32_t)(tm.tm_year + 1900) * 12 + tm.tm_mon;
}

/* The months a record's postings may keep (struct posting, month): its
 * local month in the zone of the process that wrote it, which the store
 * does not record, so any zone of UTC-12 .. UTC+14; a contribution's and
 * a transfer's are exact (month_exact). */
static void month_expect(struct seq_info *si, int64_t time_us) {
    assert(si != NULL);
    int64_t s = time_us / 1000000;
    int32_t lo = utc_month(s - CHECK_ZONE_WEST_S), hi = utc_month(s + CHECK_ZONE_EAST_S);
    si->month = lo;
    si->month_span = hi - lo == 1 ? 1 : 0; /* 26 hours span a month's end at most */
}

static void month_exact(struct seq_info *si, int32_t month) {
    assert(si != NULL && month >= 0);
    si->month = month;
    si->month_span = 0;
}

static int import_expect(struct checker *k, const struct journal_rec *rec) {
    assert(rec->kind == JOURNAL_IMPORT && rec->seq >= 1 && (size_t)rec->seq <= k->seq_cap);
    const char *acc = strstr(rec->body, "accounts=");
    const char *sum = strstr(rec->body, "opening=");
    long long count = acc ? strtoll(acc + 9, NULL, 10) : 0;
    long long total = sum ? strtoll(sum + 8, NULL, 10) : 0;
    k->seqs[rec->seq - 1].post_hash = import_hash(count, total);
    return 0;
}

static uint64_t hash_prefix(const char *hex) {
    assert(hex != NULL);
    uint64_t v = 0;
    for (int i = 0; i < 16 && hex[i] != '\0'; i++) {
        char c = hex[i];
        v = v << 4 | (uint64_t)(c >= 'a' ? c - 'a' + 10 : c - '0');
    }
    return v;
}

/* A persons import's body says edits=N (import.c) after its opening=;
 * the file name before may hold anything, a note no '='. */
static bool import_has_edits(const char *body) {
    assert(body != NULL);
    const char *after = NULL;
    for (const char *at = strstr(body, " opening="); at != NULL; at = strstr(at + 1, " opening="))
        after = at;
    return after != NULL && strstr(after, " edits=") != NULL;
}

/* An import of this release: what=KIND first, content=HASH last (the file
 * name between may hold anything). Remembers the kind's last content hash
 * and whether the record carries its file. */
static void import_content(struct checker *k, const struct journal_rec *rec) {
    assert(rec->kind == JOURNAL_IMPORT && (size_t)rec->seq <= k->seq_cap);
    static const char key[] = " content=";
    size_t len = strlen(rec->body), klen = sizeof key - 1;
    if (len < klen + HASH_HEX_BYTES) return;
    const char *hash = rec->body + len - HASH_HEX_BYTES;
    if (memcmp(hash - klen, key, klen) != 0) return;        /* a release before content hashes */
    if (strncmp(rec->body, "what=credentials ", 17) == 0) { /* credential.c; no data */
        memcpy(k->cred_content, hash, HASH_HEX_BYTES + 1);
        k->cred_seq = rec->seq;
        return;
    }
    /* the inventory is written by the service too (3501-3507): its import
     * keeps its file, but the table's content is not the last file's */
    if (strncmp(rec->body, "what=inventory ", 15) == 0) {
        k->seqs[rec->seq - 1].data = DATA_WANTED;
        k->seqs[rec->seq - 1].data_hash = hash_prefix(rec->req_hash);
        return;
    }
    for (size_t i = 0; i < REGISTRY_KIND_COUNT; i++) {
        size_t n = strlen(REGISTRY_KINDS[i]);
        if (strncmp(rec->body, "what=", 5) != 0 ||
            strncmp(rec->body + 5, REGISTRY_KINDS[i], n) != 0 || rec->body[5 + n] != ' ')
            continue;
        memcpy(k->content[i], hash, HASH_HEX_BYTES + 1);
        k->content_seq[i] = rec->seq;
        /* all but persons keep their file, hashed as req_hash; a persons
         * import keeps its edits' rows (edits=N, import.c) */
        if (i != 0 || import_has_edits(rec->body)) {
            k->seqs[rec->seq - 1].data = DATA_WANTED;
            k->seqs[rec->seq - 1].data_hash = hash_prefix(rec->req_hash);
        }
    }
}

/* What the family holders' accounts paid, as the record's h. keys say. */
static int64_t holders_total_fen(const struct store_settlement *stl) {
    int64_t total_fen = 0;
    assert(stl->holder_count >= 0 && stl->holder_count <= SETTLE_HOLDERS_MAX);
    for (int32_t i = 0; i < stl->holder_count; i++) total_fen += stl->holders[i].pay_fen;
    return total_fen;
}

/* The spec's identities of a settlement's figures (SETTLEMENT.md): the
 * engine asserts them, so a stored record that breaks one was altered. */
static int settlement_identities(struct checker *k, const struct journal_rec *rec,
                                 const struct store_settlement *stl) {
    const struct setlinfo *s = &stl->setl;
    assert(rec->kind == JOURNAL_SETTLE);
    int64_t funds = 0;
    for (int f = 0; f < FUND_LAYER_COUNT; f++) funds += fund_layer_pay(s, (enum fund_layer_id)f);
    const char *broken = NULL;
    if (s->medfee_sumamt !=
        s->fulamt_ownpay_amt + s->overlmt_selfpay + s->preselfpay_amt + s->inscp_scp_amt)
        broken = "medfee_sumamt is not fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt + "
                 "inscp_scp_amt";
    else if (s->fund_pay_sumamt != funds) broken = "fund_pay_sumamt is not the sum of the funds";
    else if (s->medfee_sumamt != s->fund_pay_sumamt + s->psn_part_amt)
        broken = "medfee_sumamt is not fund_pay_sumamt + psn_part_amt";
    else if (s->psn_part_amt != s->acct_pay + s->acct_mulaid_pay + s->psn_cash_pay)
        broken = "psn_part_amt is not acct_pay + acct_mulaid_pay + psn_cash_pay";
    else if (s->acct_mulaid_pay != holders_total_fen(stl))
        broken = "acct_mulaid_pay is not the sum of the holders' parts (h.)";
    if (broken != NULL)
        return fault(k, "journal seq %2$" PRId64 ": %1$s (a total no longer equals its parts)",
                     broken, rec->seq);
    return 0;
}

/* A contribution: its body decodes, its figures keep FUNDS.md's identities
 * (contrib_decode checks them), and its postings are those it implies. */
static int replay_contrib(struct checker *k, const struct journal_rec *rec) {
    assert(rec->kind == JOURNAL_CONTRIB && (size_t)rec->seq <= k->seq_cap);
    struct store_contrib c;
    const char *bad = NULL;
    if (contrib_decode(rec->body, &c, &bad) != 0) {
        const char *why = strcmp(bad, "figures") == 0 ? contrib_identity_error(&c) : NULL;
        if (why != NULL)
            return fault(k,
                         "journal seq %2$" PRId64 ": contribution: %1$s (a total no longer"
                         " equals its parts)",
                         why, rec->seq);
        return fault(k, "journal seq %2$" PRId64 ": contribution body does not decode at '%1$s'",
                     bad, rec->seq);
    }
    if (c.year != rec->year)
        return fault(k, "journal seq %2$" PRId64 ": contribution's year is not the record's%1$s",
                     "", rec->seq);
    /* a collection names its payer: a flexible worker's is the record's
     * person, an employer's or finance's has none */
    bool person_paid = c.insutype == 310 && c.emp_no[0] == '\0';
    if (strcmp(c.category, CONTRIB_COLLECTED) == 0 && person_paid != (rec->psn_no[0] != '\0'))
        return fault(k, "journal seq %2$" PRId64 ": collection's payer is not the record's%1$s",
                     " person", rec->seq);
    struct posting p[POSTINGS_PER_RECORD_MAX];
    int count = contrib_postings(rec, &c, p);
    k->seqs[rec->seq - 1].post_hash = postings_hash(p, count);
    month_exact(&k->seqs[rec->seq - 1], c.year * 12 + (c.month >= 1 ? c.month - 1 : 0));
    return 0;
}

/* A monthly payment: its body decodes, its figures add up
 * (pay_identity_error), and its postings are those it implies. */
static int replay_pay(struct checker *k, const struct journal_rec *rec) {
    assert(rec->kind == JOURNAL_PAY && (size_t)rec->seq <= k->seq_cap);
    struct store_pay p;
    const char *bad = NULL;
    if (pay_decode(rec->body, &p, &bad) != 0) {
        const char *why = strcmp(bad, "figures") == 0 ? pay_identity_error(&p) : NULL;
        if (why != NULL)
            return fault(k,
                         "journal seq %2$" PRId64 ": payment: %1$s (a total no longer"
                         " equals its parts)",
                         why, rec->seq);
        return fault(k, "journal seq %2$" PRId64 ": payment body does not decode at '%1$s'", bad,
                     rec->seq);
    }
    if (p.year != rec->year)
        return fault(k, "journal seq %2$" PRId64 ": payment's year is not the record's%1$s", "",
                     rec->seq);
    struct posting post[POSTINGS_PER_RECORD_MAX];
    int count = pay_postings(rec, &p, post);
    k->seqs[rec->seq - 1].post_hash = postings_hash(post, count);
    return 0;
}

/* A year-end settlement: as a payment (replay_pay). */
static int replay_year_end(struct checker *k, const struct journal_rec *rec) {
    assert(rec->kind == JOURNAL_YEAR_END && (size_t)rec->seq <= k->seq_cap);
    struct store_year_end y;
    const char *bad = NULL;
    if (year_end_decode(rec->body, &y, &bad) != 0) {
        const char *why = strcmp(bad, "figures") == 0 ? year_end_identity_error(&y) : NULL;
        if (why != NULL)
            return fault(k,
                         "journal seq %2$" PRId64 ": year-end: %1$s (a total no longer"
                         " equals its parts)",
                         why, rec->seq);
        return fault(k, "journal seq %2$" PRId64 ": year-end body does not decode at '%1$s'", bad,
                     rec->seq);
    }
    if (y.year != rec->year)
        return fault(k, "journal seq %2$" PRId64 ": year-end's year is not the record's%1$s", "",
                     rec->seq);
    struct posting post[POSTINGS_PER_RECORD_MAX];
    int count = year_end_postings(rec, &y, post);
    k->seqs[rec->seq - 1].post_hash = postings_hash(post, count);
    return 0;
}

/* A transfer between regions: as a payment (replay_pay). */
static int replay_transfer(struct checker *k, const struct journal_rec *rec) {
    assert(rec->kind == JOURNAL_TRANSFER && (size_t)rec->seq <= k->seq_cap);
    struct store_transfer t;
    const char *bad = NULL;
    if (transfer_decode(rec->body, &t, &bad) != 0) {
        const char *why = strcmp(bad, "figures") == 0 ? transfer_identity_error(&t) : NULL;
        if (why != NULL)
            return fault(k, "journal seq %2$" PRId64 ": transfer: %1$s", why, rec->seq);
        return fault(k, "journal seq %2$" PRId64 ": transfer body does not decode at '%1$s'", bad,
                     rec->seq);
    }
    char msgid[MSGID_BYTES_MAX + 1];
    if (t.year != rec->year || strcmp(t.psn_no, rec->psn_no) != 0 ||
        transfer_msgid(msgid, &t) != 0 || strcmp(msgid, rec->msgid) != 0)
        return fault(k, "journal seq %2$" PRId64 ": transfer's %1$s is not the record's",
                     "person, month or msgid", rec->seq);
    struct posting post[POSTINGS_PER_RECORD_MAX];
    int count = transfer_postings(rec, &t, post);
    k->seqs[rec->seq - 1].post_hash = postings_hash(post, count);
    month_exact(&k->seqs[rec->seq - 1], t.year * 12 + t.month - 1);
    return 0;
}

/* A case's step or a role granted: its body decodes, its postings are
 * those it implies (a decision's recovery or deduction, an appeal's
 * return), and the evidence an open record names is kept (data). */
static int replay_case(struct checker *k, const struct journal_rec *rec) {
    assert(rec->kind == JOURNAL_CASE && (size_t)rec->seq <= k->seq_cap);
    struct store_case c;
    const char *bad = NULL;
    if (case_decode(rec->body, &c, &bad) != 0)
        return fault(k, "journal seq %2$" PRId64 ": case body does not decode at '%1$s'", bad,
                     rec->seq);
    char msgid[MSGID_BYTES_MAX + 1];
    if (c.year != rec->year || case_msgid(msgid, &c) != 0 || strcmp(msgid, rec->msgid) != 0)
        return fault(k, "journal seq %2$" PRId64 ": case step is not its msgid's or year's%1$s", "",
                     rec->seq);
    if (c.evidence_hash[0] != '\0') {
        k->seqs[rec->seq - 1].data = DATA_WANTED;
        k->seqs[rec->seq - 1].data_hash = hash_prefix(c.evidence_hash);
    }
    struct posting post[POSTINGS_PER_RECORD_MAX];
    int count = case_postings(rec, &c, post);
    k->seqs[rec->seq - 1].post_hash = postings_hash(post, count);
    return 0;
}

static int replay_record(struct checker *k, const struct journal_rec *rec) {
    /* journal_row accepted it: the next in the chain, with its slot */
    assert(rec->seq == k->expect_seq - 1 && (size_t)rec->seq <= k->seq_cap);
    struct seq_info *si = &k->seqs[rec->seq - 1];
    if (rec->kind == JOURNAL_IMPORT) return import_content(k, rec), import_expect(k, rec);
    if (rec->kind == JOURNAL_CONTRIB) return replay_contrib(k, rec);
    if (rec->kind == JOURNAL_PAY) return replay_pay(k, rec);
    if (rec->kind == JOURNAL_YEAR_END) return replay_year_end(k, rec);
    if (rec->kind == JOURNAL_TRANSFER) return replay_transfer(k, rec);
    if (rec->kind == JOURNAL_CASE) return replay_case(k, rec);
    struct store_settlement stl;
    const char *bad = NULL;
    if (settlement_decode(rec->body, &stl, &bad) != 0)
        return fault(k, "journal seq %2$" PRId64 ": body does not decode at '%1$.40s'", bad,
                     rec->seq);
    if (rec->kind == JOURNAL_SETTLE && settlement_identities(k, rec, &stl) != 0) return 1;
    if (rec->kind == JOURNAL_SETTLE && stl.bill_hash[0] != '\0') {
        si->data = DATA_WANTED;
        si->data_hash = hash_prefix(stl.bill_hash);
        si->medfee_fen = stl.setl.medfee_sumamt;
    }
    if (rec->kind == JOURNAL_REVOKE) {
        int64_t t = rec->ref_seq;
        if (t < 1 || t >= rec->seq || k->seqs[t - 1].kind != JOURNAL_SETTLE ||
            k->seqs[t - 1].revoked || k->seqs[t - 1].body_hash != si->body_hash)
            return fault(k,
                         "journal seq %2$" PRId64 ": revoke does not match an open settlement%1$s",
                         "", rec->seq);
        k->seqs[t - 1].revoked = 1;
    }
    struct posting p[POSTINGS_PER_RECORD_MAX];
    int count = ledger_postings(rec, &stl, rec->kind == JOURNAL_REVOKE, p);
    si->post_hash = postings_hash(p, count);
    struct state_node *n = replay_target(k, rec);
    if (n == NULL) return store_errf(k->err, "check: out of memory"), -1;
    stl.delta.acct_balc_fen = 0;
    if (rec->kind == JOURNAL_SETTLE) year_state_apply(&n->st, &stl.delta);
    else year_state_unapply(&n->st, &stl.delta);
    if (!year_state_valid(&n->st))
        return fault(k, "journal seq %2$" PRId64 ": replay makes %1$s's year state negative",
                     rec->psn_no, rec->seq);
    return 0;
}

/* Progress every STORE_PROGRESS_EVERY units; -1 with err when told to stop. */
static int check_tick(struct checker *k, const char *phase, int64_t done, int64_t seq) {
    assert(k != NULL && phase != NULL);
    double fraction = k->tail_seq > 0 ? (double)seq / (double)k->tail_seq : -1.0;
    if (!store_progress_stop(k->store, phase, done, fraction)) return 0;
    store_errf(k->err, "check: stopped at journal seq %" PRId64 " (%s); not verified", seq, phase);
    return -1;
}

/* A record journaled more than STORE_CLOCK_SLACK_US before the one ahead
 * of it is a time break, and journal_breaks lists exactly those: the
 * period read (store_journal_period) trusts the list. */
static int check_break(struct checker *k, const struct journal_rec *rec) {
    assert(k != NULL && rec != NULL && rec->seq >= 1);
    bool is_break = rec->seq > 1 && rec->time_us < k->prev_time_us - STORE_CLOCK_SLACK_US;
    bool listed = k->break_at < k->break_count && k->breaks[k->break_at] == rec->seq;
    k->prev_time_us = rec->time_us;
    if (listed) k->break_at++;
    if (is_break == listed) return 0;
    return fault(k, "journal seq %2$" PRId64 ": %1$s",
                 is_break ? "journaled before the record ahead of it, a time break "
                            "journal_breaks does not list"
                          : "journal_breaks lists it, but it is no time break",
                 rec->seq);
}

/* The journal's time breaks as listed (at most CHECK_BREAKS_MAX). */
#define CHECK_BREAKS_MAX (1 << 20)
static int read_breaks(struct checker *k) {
    assert(k != NULL && k->breaks == NULL);
    k->breaks = malloc(CHECK_BREAKS_MAX * sizeof *k->breaks);
    if (k->breaks == NULL) return store_errf(k->err, "check: out of memory"), -1;
    return store_ops(k->store)->journal_breaks(store_conn(k->store), k->breaks, CHECK_BREAKS_MAX,
                                               &k->break_count, k->err);
}

static int journal_row(void *ctx, const struct journal_rec *rec) {
    struct checker *k = ctx;
    char hash[HASH_HEX_BYTES + 1];
    assert(!k->failed && k->expect_seq >= 1); /* a fault stops the scan */
    k->records++;
    if (check_tick(k, "journal", k->records, rec->seq) != 0) return -1;
    if (rec->seq != k->expect_seq) {
        char expected[24];
        snprintf(expected, sizeof expected, "%" PRId64, k->expect_seq);
        return fault(k, "journal seq %2$" PRId64 ": expected seq %1$s here (records missing)",
                     expected, rec->seq);
    }
    if (strcmp(rec->prev_hash, k->prev_hash) != 0)
        return fault(k,
                     "journal seq %2$" PRId64 ": prev_hash does not match the previous record%1$s",
                     "", rec->seq);
    journal_hash(rec, hash);
    if (strcmp(hash, rec->hash) != 0)
        return fault(k, "journal seq %2$" PRId64 ": hash mismatch: the record was altered%1$s", "",
                     rec->seq);
    if (k->opts != NULL && rec->seq == k->opts->expect_seq) {
        if (strcmp(rec->hash, k->opts->expect_hash) != 0)
            return fault(k,
                         "journal seq %2$" PRId64 ": hash %1$.64s is not the receipt's: the "
                         "journal was rewritten since",
                         rec->hash, rec->seq);
        k->receipt_seen = true;
    }
    if (seq_slot(k, rec->seq) != 0) return store_errf(k->err, "check: out of memory"), -1;
    int broken = check_break(k, rec);
    if (broken != 0) return broken;
    struct seq_info *si = &k->seqs[rec->seq - 1];
    si->kind = (uint8_t)rec->kind;
    month_expect(si, rec->time_us); /* a contribution's or transfer's replay makes it exact */
    /* a revoke's body is its settlement's, and then who revoked it and why
     * (note=, always last): the figures are what must match */
    const char *note = rec->kind == JOURNAL_REVOKE ? strstr(rec->body, " note=") : NULL;
    size_t body_len = note ? (size_t)(note - rec->body) : strlen(rec->body);
    si->body_hash = fnv(FNV_SEED, rec->body, body_len);
    memcpy(k->prev_hash, rec->hash, sizeof k->prev_hash);
    k->expect_seq++;
    return replay_record(k, rec);
}

/* ---- 2. the ledger ------------------------------------------------------------ */
static int flush_seq(struct checker *k) {
    assert(!k->failed); /* a fault stops the scan */
    if (k->cur_seq == 0) return 0;
    int64_t seq = k->cur_seq;
    if (seq < 1 || seq >= k->expect_seq)
        return fault(k, "postings of seq %2$" PRId64 ": no such journal record%1$s", "", seq);
    struct seq_info *si = &k->seqs[seq - 1];
    uint64_t got = si->kind == JOURNAL_IMPORT ? import_hash(k->cur_count, k->cur_sum) : k->cur_hash;
    if (got != si->post_hash)
        return fault(k, "journal seq %2$" PRId64 ": postings differ from the record%1$s", "", seq);
    si->post_hash = 0; /* matched: remaining non-zero hashes had no postings */
    return 0;
}

/* The account's sums, created at zero when absent (NULL: out of memory). */
static struct account_node *account_node(struct checker *k, const char *account, bool create) {
    assert(account != NULL && k->accounts != NULL);
    assert((k->account_buckets & (k->account_buckets - 1)) == 0);
    uint64_t h = fnv(FNV_SEED, account, strlen(account));
    for (struct account_node *n = k->accounts[h & (k->account_buckets - 1)]; n; n = n->next)
        if (n->hash == h && strcmp(n->account, account) == 0) return n;
    if (!create) return NULL;
    if (k->account_count >= k->account_buckets) { /* keep chains short: 4x the buckets */
        size_t count = k->account_buckets * 4;
        struct account_node **nb = calloc(count, sizeof *nb);
        if (nb == NULL) return NULL;
        for (size_t i = 0; i < k->account_buckets; i++) {
            for (struct account_node *n = k->accounts[i], *next; n; n = next) {
                next = n->next;
                n->next = nb[n->hash & (count - 1)];
                nb[n->hash & (count - 1)] = n;
            }
        }
        free(k->accounts);
        k->accounts = nb;
        k->account_buckets = count;
    }
    size_t len = strlen(account);
    struct account_node *n = calloc(1, sizeof *n + len + 1);
    if (n == NULL) return NULL;
    memcpy(n->account, account, len + 1);
    n->hash = h;
    n->next = k->accounts[h & (k->account_buckets - 1)];
    k->accounts[h & (k->account_buckets - 1)] = n;
    k->account_count++;
    return n;
}

static int account_add(struct checker *k, const char *account, int64_t seq, int64_t amount_fen) {
    assert(amount_fen != 0); /* posting_row refused a non-positive amount */
    struct account_node *n = account_node(k, account, true);
    if (n == NULL) return store_errf(k->err, "check: out of memory"), -1;
    n->sum_fen += amount_fen;
    if (seq <= k->checkpoint_seq) n->at_checkpoint_fen += amount_fen;
    return 0;
}

struct month_text {
    char text[24];
};

static struct month_text month_text(int32_t month) {
    struct month_text t;
    if (month < 0) snprintf(t.text, sizeof t.text, "(none)");
    else snprintf(t.text, sizeof t.text, "%04d-%02d", (int)(month / 12), (int)(month % 12 + 1));
    return t;
}

/* A posting's month outside its record's (month_expect); a seq with no
 * record is flush_seq's fault. */
static bool posting_month_wrong(const struct checker *k, const struct posting *p) {
    assert(k != NULL && p != NULL && k->months);
    if (p->seq < 1 || p->seq >= k->expect_seq) return false;
    const struct seq_info *si = &k->seqs[p->seq - 1];
    return p->month < si->month || p->month > si->month + si->month_span;
}

static int posting_row(void *ctx, const struct posting *p) {
    struct checker *k = ctx;
    assert(!k->failed && p != NULL);
    if (check_tick(k, "postings", ++k->postings, p->seq) != 0) return -1;
    if (p->seq != k->cur_seq) {
        if (flush_seq(k) != 0) return 1;
        k->cur_seq = p->seq;
        k->cur_hash = FNV_SEED;
        k->cur_count = k->cur_sum = 0;
    }
    char line[2 * ACCOUNT_BYTES_MAX + 64];
    int n = snprintf(line, sizeof line, "%d|%s|%s|%" PRId64 "\n", (int)p->idx, p->debit, p->credit,
                     p->amount_fen);
    k->cur_hash = fnv(k->cur_hash, line, (size_t)n);
    if (k->months && posting_month_wrong(k, p))
        return fault(k, "journal seq %2$" PRId64 ": a posting's month %1$s is not the record's",
                     month_text(p->month).text, p->seq);
    k->cur_count++;
    k->cur_sum += p->amount_fen;
    if (p->amount_fen <= 0)
        return fault(k, "posting of seq %2$" PRId64 ": amount not positive%1$s", "", p->seq);
    k->total_debit += p->amount_fen;
    k->total_credit += p->amount_fen;
    if (account_add(k, p->debit, p->seq, p->amount_fen) != 0 ||
        account_add(k, p->credit, p->seq, -p->amount_fen) != 0)
        return -1;
    return 0;
}

static int check_postings(struct checker *k) {
    const struct store_backend *ops = store_ops(k->store);
    assert(!k->failed && k->cur_seq == 0 && k->account_count == 0);
    int rc = ops->postings_scan(store_conn(k->store), 1, posting_row, k, k->err);
    if (rc == -1) return -1;
    if (rc == 0 && flush_seq(k) != 0) return 1;
    if (k->failed) return 1;
    uint64_t empty = postings_hash(NULL, 0);
    for (int64_t s = 1; s < k->expect_seq; s++) {
        const struct seq_info *si = &k->seqs[s - 1];
        uint64_t none = si->kind == JOURNAL_IMPORT ? import_hash(0, 0) : empty;
        if (si->post_hash != 0 && si->post_hash != none)
            return fault(k, "journal seq %2$" PRId64 ": its postings are missing%1$s", "", s);
    }
    return 0;
}

/* A stored balance: equal to its postings up to the checkpoint. */
static int balance_row(void *ctx, const char *account, int64_t balance_fen) {
    struct checker *k = ctx;
    assert(!k->failed && account != NULL);
    struct account_node *n = account_node(k, account, false);
    int64_t expect = n ? n->at_checkpoint_fen : 0;
    if (balance_fen != expect)
        return fault(k, "account %s: balance differs from its postings by %" PRId64 " fen", account,
                     balance_fen - expect);
    if (n) n->seen = true;
    return 0;
}

static int check_balances(struct checker *k) {
    assert(!k->failed);
    if (k->total_debit != k->total_credit)
        return fault(k, "ledger: debits and credits differ%s by %" PRId64 " fen", "",
                     k->total_debit - k->total_credit);
    int rc = store_ops(k->store)->balances_scan(store_conn(k->store), balance_row, k, k->err);
    if (rc != 0) return rc;
    int64_t total = 0;
    for (size_t b = 0; b < k->account_buckets; b++) {
        for (const struct account_node *n = k->accounts[b]; n; n = n->next) {
            total += n->sum_fen;
            if (!n->seen && n->at_checkpoint_fen != 0)
                return fault(k, "account %s: has postings but no balance row (%" PRId64 " fen)",
                             n->account, n->at_checkpoint_fen);
            if (n->sum_fen < account_floor_fen(n->account) ||
                n->at_checkpoint_fen < account_floor_fen(n->account))
                return fault(k, "account %s: balance %" PRId64 " fen is below its floor",
                             n->account,
                             n->sum_fen < n->at_checkpoint_fen ? n->sum_fen : n->at_checkpoint_fen);
        }
    }
    if (total != 0)
        return fault(k, "ledger: sum of all accounts is %s%" PRId64 " fen, not 0", "", total);
    return 0;
}

/* ---- 3. year states ------------------------------------------------------------- */
static int stored_state_row(void *ctx, const struct state_key *key, const struct year_state *st) {
    struct checker *k = ctx;
    assert(!k->failed && key != NULL && st != NULL);
    struct state_node *n = state_node(&k->states, key->psn_no, key->year, true);
    if (n == NULL || grow_buckets(&k->states) != 0)
        return store_errf(k->err, "check: out of memory"), -1;
    n->seen = true;
    struct year_state stored = *st;
    stored.acct_balc_fen = 0;
    if (!year_state_equal(&stored, &n->st)) {
        char what[CODE_BYTES_MAX + 32];
        snprintf(what, sizeof what, "%s", key->psn_no);
        return fault(k, "state of %s, year %" PRId64 ": differs from the replay of the journal",
                     what, key->year);
    }
    return 0;
}

static int check_states(struct checker *k) {
    assert(!k->failed);
    int rc = store_ops(k->store)->states_scan(store_conn(k->store), stored_state_row, k, k->err);
    if (rc != 0) return rc;
    struct year_state zero;
    for (size_t b = 0; b < k->states.bucket_count; b++) {
        for (struct state_node *n = k->states.buckets[b]; n; n = n->next) {
            year_state_init(&zero, n->st.year, 0);
            if (!n->seen && !year_state_equal(&zero, &n->st))
                return fault(k, "state of %s: missing from storage (year %" PRId64 ")", n->key,
                             n->st.year);
        }
    }
    return 0;
}

/* ---- 4. attached data, the registry, the receipt ---------------------------------- */
static const char *data_name(enum journal_kind kind) {
    assert(kind >= JOURNAL_SETTLE && kind <= JOURNAL_CASE);
    if (kind == JOURNAL_SETTLE) return "bill";
    return kind == JOURNAL_CASE ? "case evidence" : "imported file";
}

static int data_row(void *ctx, const struct journal_data *d) {
    struct checker *k = ctx;
    assert(!k->failed && d != NULL);
    if (d->seq < 1 || d->seq >= k->expect_seq || k->seqs[d->seq - 1].data != DATA_WANTED)
        return fault(k, "journal data of seq %2$" PRId64 ": no record carries it%1$s", "", d->seq);
    struct seq_info *si = &k->seqs[d->seq - 1];
    char hash[HASH_HEX_BYTES + 1];
    sha256_hex(d->bytes, d->len, hash);
    if (hash_prefix(hash) != si->data_hash)
        return fault(k, "journal seq %2$" PRId64 ": its %1$s does not hash to what the record says",
                     data_name(si->kind), d->seq);
    si->data = DATA_SEEN;
    if (si->kind != JOURNAL_SETTLE) return 0;
    struct bill bill;
    if (bill_blob_decode(d->bytes, d->len, &bill, k->lines, BILL_LINES_MAX) != 0)
        return fault(k, "journal seq %2$" PRId64 ": its bill does not decode%1$s", "", d->seq);
    int64_t sum = 0;
    for (int32_t i = 0; i < bill.line_count; i++) sum += k->lines[i].amount_fen;
    if (sum != si->medfee_fen)
        return fault(k,
                     "journal seq %2$" PRId64 ": its bill's lines sum to %1$s, not medfee_sumamt "
                     "(a total no longer equals its parts)",
                     "", d->seq);
    return 0;
}

static int check_data(struct checker *k) {
    assert(!k->failed);
    int rc = store_ops(k->store)->data_scan(store_conn(k->store), 1, k->expect_seq - 1, data_row, k,
                                            k->err);
    if (rc != 0) return rc;
    for (int64_t s = 1; s < k->expect_seq; s++)
        if (k->seqs[s - 1].data == DATA_WANTED)
            return fault(k, "journal seq %2$" PRId64 ": its %1$s is missing",
                         data_name(k->seqs[s - 1].kind), s);
    return 0;
}

static int check_registry(struct checker *k) {
    assert(!k->failed);
    char hash[HASH_HEX_BYTES + 1];
    for (size_t i = 0; i < REGISTRY_KIND_COUNT; i++) {
        if (k->content_seq[i] == 0) continue; /* no import of this release */
        if (registry_content_hash(store_ops(k->store), store_conn(k->store), REGISTRY_KINDS[i],
                                  hash, k->err) != 0)
            return -1;
        if (strcmp(hash, k->content[i]) != 0)
            return fault(k,
                         "registry: the %s table differs from what import seq %" PRId64
                         " recorded: changed outside yibao",
                         REGISTRY_KINDS[i], k->content_seq[i]);
    }
    return 0;
}

/* With no credentials record, only a previous release's rows (their token
 * stored, no version: credential.c journals every row of this release)
 * are not covered yet; they are from the first credential edit on. */
static int uncovered_row(void *ctx, const struct store_credential *row) {
    struct checker *k = ctx;
    assert(k != NULL && row != NULL);
    if (row->token_version == 0 && row->key_id[0] == '\0' && row->token[0] != '\0') return 0;
    return fault(k,
                 "credentials: svc_credential row '%1$s' is in no journal record: changed "
                 "outside yibao",
                 row->paasid, 0);
}

static int check_credentials(struct checker *k) {
    assert(!k->failed);
    const struct store_backend *ops = store_ops(k->store);
    if (k->cred_seq == 0)
        return ops->credentials_scan(store_conn(k->store), uncovered_row, k, k->err);
    char hash[HASH_HEX_BYTES + 1];
    if (registry_content_hash(ops, store_conn(k->store), "credentials", hash, k->err) != 0)
        return -1;
    if (strcmp(hash, k->cred_content) != 0)
        return fault(k,
                     "credentials: the svc_credential table differs from what journal seq "
                     "%2$" PRId64 " recorded: changed outside yibao%1$s",
                     "", k->cred_seq);
    return 0;
}

static int check_receipt(struct checker *k) {
    assert(!k->failed && k->opts != NULL && k->opts->expect_seq > 0);
    if (k->receipt_seen) return 0;
    char end[24];
    snprintf(end, sizeof end, "%" PRId64, k->expect_seq - 1);
    return fault(k,
                 "receipt seq %2$" PRId64 ": the journal ends at seq %1$s: records acknowledged "
                 "were removed",
                 end, k->opts->expect_seq);
}

static void checker_free(struct checker *k) {
    assert(k != NULL);
    statemap_free(&k->states);
    statemap_free(&k->tail);
    for (size_t b = 0; k->accounts && b < k->account_buckets; b++) {
        for (struct account_node *n = k->accounts[b], *next; n; n = next) {
            next = n->next;
            free(n);
        }
    }
    free(k->accounts);
    free(k->seqs);
    free(k->lines);
    free(k->breaks);
}

static int checker_init(struct checker *k, struct store *store, struct store_err *err) {
    assert(k != NULL && store != NULL);
    memset(k, 0, sizeof *k);
    k->store = store;
    k->err = err;
    k->expect_seq = 1;
    memset(k->prev_hash, '0', HASH_HEX_BYTES);
    k->months = store_ops(store)->postings_months(store_conn(store));
    k->account_buckets = 1024;
    k->accounts = calloc(k->account_buckets, sizeof *k->accounts);
    k->lines = calloc(BILL_LINES_MAX, sizeof *k->lines);
    if (statemap_init(&k->states) != 0 || statemap_init(&k->tail) != 0 || k->accounts == NULL ||
        k->lines == NULL)
        return store_errf(err, "check: out of memory"), -1;
    int64_t tail_seq = 0;
    bool found = false;
    if (store_ops(store)->checkpoint_get(store_conn(store), &k->checkpoint_seq, &found, &tail_seq,
                                         err) != 0)
        return -1;
    if (!found) k->checkpoint_seq = tail_seq; /* a store from before checkpoints */
    k->tail_seq = tail_seq;
    return 0;
}

int store_check(struct store *store, int64_t *records, struct store_err *err) {
    assert(store != NULL && records != NULL);
    struct store_check_out out;
    int rc = store_check_ex(store, NULL, &out, err);
    *records = out.records;
    return rc;
}

int store_check_ex(struct store *store, const struct store_check_opts *opts,
                   struct store_check_out *out, struct store_err *err) {
    assert(store != NULL && err != NULL && out != NULL);
    struct checker k;
    const struct store_backend *ops = store_ops(store);
    memset(out, 0, sizeof *out);
    int rc = ops->snapshot_begin(store_conn(store), err); /* one state, while writers go on */
    if (rc != 0) return -1;
    rc = checker_init(&k, store, err);
    k.opts = opts != NULL && opts->expect_seq > 0 ? opts : NULL;
    if (rc == 0) rc = read_breaks(&k);
    if (rc == 0) rc = ops->journal_scan(store_conn(store), 1, journal_row, &k, err);
    if (rc == 0 && !k.failed && k.break_at < k.break_count)
        rc = fault(&k, "journal_breaks: seq %2$" PRId64 " is no record's%1$s", "",
                   k.breaks[k.break_at]);
    if (rc == 0 && !k.failed && k.expect_seq - 1 < k.checkpoint_seq)
        rc = fault(&k, "checkpoint: seq %2$" PRId64 " is after the journal's end%1$s", "",
                   k.checkpoint_seq);
    if (rc == 0 && !k.failed) rc = check_postings(&k);
    if (rc == 0 && !k.failed) rc = check_balances(&k);
    if (rc == 0 && !k.failed) rc = check_states(&k);
    if (rc == 0 && !k.failed) rc = check_data(&k);
    if (rc == 0 && !k.failed) rc = check_registry(&k);
    if (rc == 0 && !k.failed) rc = check_credentials(&k);
    if (rc == 0 && !k.failed && k.opts != NULL) rc = check_receipt(&k);
    /* every record read was accepted, unless a fault stopped the scan there */
    assert(rc != 0 || k.failed || k.records == k.expect_seq - 1);
    out->records = k.records;
    out->head_seq = k.expect_seq - 1;
    memcpy(out->head_hash, k.prev_hash, sizeof out->head_hash);
    ops->rollback(store_conn(store));
    checker_free(&k);
    if (rc == -1) return -1;
    return k.failed ? 1 : 0;
}
