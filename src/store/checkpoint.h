/* checkpoint.h: year states and account balances are written to their
 * tables at checkpoints, not with every settlement.
 *
 * Why: a real year's mix touches a different person with nearly every
 * settlement. Updating that person's year-state row and account row in the
 * same commit as the journal record dirtied two scattered B-tree pages per
 * settlement, which the WAL (and its checkpoints) then wrote out again: on
 * a 1M-person city most of the durable cost. The journal already holds each
 * settlement's deltas, so the tables need only be a checkpoint of it:
 *
 *   the states and accounts tables hold exactly the effect of the journal
 *   records with seq <= C, the checkpoint seq; records after C are not in
 *   them.
 *
 * Durability is unchanged: a settlement is acknowledged once its journal
 * record and postings are committed; its effect on the tables is derived
 * from them. Every writer keeps the invariant:
 *  - the commit queue holds the effect of the records after C in memory
 *    (struct pending), reads through it, shows it to readers, and writes
 *    it with a new C every CHECKPOINT_RECORDS_MAX records and when it stops;
 *  - a writer that finds records after C that are not its own (another
 *    process wrote, or a process was killed before its checkpoint) first
 *    replays them into the tables (checkpoint_catch_up), or, when it holds
 *    nothing yet (a restart), into its pending effect, as if they were its
 *    own (checkpoint_load_pending);
 *  - import catches up first and moves C to its own record.
 * Readers add to the table values the pending effect (same process) or a
 * replay of that person's records after C. `yibao check` compares the
 * tables with the journal replayed up to C. */
#ifndef YIBAO_STORE_CHECKPOINT_H
#define YIBAO_STORE_CHECKPOINT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define PENDING_BUCKETS 524288 /* power of two, about 2 x the entries a pending holds */
#define CATCH_UP_CHUNK 1024    /* journal records read per round trip when catching up */

struct pending_node;
struct account_node;

/* The effect of the journal records (base_seq, last_seq] on the tables:
 * the year states they changed (absolute values, without the account) and
 * the sum of their postings per account. base_seq < 0: invalid (unknown). */
struct pending {
    pthread_mutex_t lock; /* taken by the owner to change, by readers to look up */
    int64_t base_seq, last_seq;
    size_t state_count, account_count;
    struct pending_node **states; /* buckets */
    struct account_node **accounts;
};

int pending_init(struct pending *p);
void pending_free(struct pending *p);
/* Empties it; base_seq = last_seq = seq (-1: invalid). */
void pending_reset(struct pending *p, int64_t seq);
int pending_put_state(struct pending *p, const struct state_key *key, const struct year_state *st);
int pending_add_balance(struct pending *p, const char *account, int64_t delta_fen);
bool pending_state(const struct pending *p, const char *psn_no, int32_t year,
                   struct year_state *out);
int64_t pending_balance_delta(const struct pending *p, const char *account);
/* Writes the states (upsert) and balance deltas (add), sorted by key; inside
 * the caller's write transaction. Does not change p. */
int pending_write(const struct pending *p, struct store *store, struct store_err *err);

/* Inside a write transaction: makes the tables current to the journal tail,
 * replaying the records after C when there are any (and recording C when
 * the store never had one). *checkpoint_seq and *tail_seq: as found. */
int checkpoint_catch_up(struct store *store, int64_t *checkpoint_seq, int64_t *tail_seq,
                        struct store_err *err);

/* Inside a write transaction, for a commit queue that holds no pending
 * effect (p invalid, base_seq -1: it has just started, or a batch failed):
 * replays the records after C into p instead of the tables, when there are
 * fewer than records_max of them (a process killed before its checkpoint
 * left at most that many), so that a restart reads them and writes nothing
 * until its own next checkpoint. 0: p holds the effect of (C, tail], its
 * base_seq and last_seq still -1 for the caller to set under p's lock
 * (readers ignore it until then); 1: nothing done (no records after C, a
 * store without a checkpoint, or too many: catch up instead); -1 with err
 * (p then holds part of it: reset it). */
int checkpoint_load_pending(struct store *store, struct pending *p, int64_t records_max,
                            int64_t *checkpoint_seq, int64_t *tail_seq, struct store_err *err);

/* The effect of one settle or revoke record on a year state (without the
 * account: delta.acct_balc_fen is ignored; state NULL: none) and its
 * postings; returns the
 * posting count, or -1 with err when the body does not decode or the state
 * would go negative. */
int checkpoint_effect(const struct journal_rec *rec, struct year_state *state,
                      struct posting out[POSTINGS_PER_RECORD_MAX], struct store_err *err);

#endif
