/* scan_bills.h: the scans' compact copy of a period's bills (app/scan.c,
 * app/scan_inventory.c). The scan needs every bill of the year grouped by
 * person, but reads them in journal order; a struct bill with its lines
 * takes about 1.2 KB a bill (codes are 64-byte arrays), 11 GB for the
 * 1M-person year's 9 M bills. Here codes are interned once (an index into
 * a table of names), a bill is packed into varints in large blocks (about
 * 100 bytes for a bill of three lines, most of it the msgid), and each
 * person's bills are chained in journal order, so the scan can take the
 * persons one by one after a single read of the journal. */
#ifndef YIBAO_APP_SCAN_BILLS_H
#define YIBAO_APP_SCAN_BILLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bill.h"

#define SCAN_BLOCK_SHIFT 26 /* blocks of 64 MiB hold the packed bills */
#define SCAN_NAME_BLOCK_BYTES (1u << 20)
#define SCAN_NONE UINT64_MAX /* the end of a chain */

/* Interned strings: each distinct text gets an index 0, 1, ... that stays
 * valid, and its text stays at one address, until the table is freed. */
struct scan_names {
    char **blocks; /* the texts, NUL-terminated */
    size_t block_count, block_cap, block_used;
    const char **text; /* by index */
    size_t count, cap;
    uint32_t *slots; /* open addressing: index + 1, 0 empty */
    size_t slot_count;
};

/* A packed bill as read back: its journal facts and the bill's head. */
struct scan_packed {
    uint64_t off, next;    /* where it is; the person's next bill (SCAN_NONE) */
    int64_t seq;           /* the settlement's journal record */
    uint32_t psn;          /* index into the persons' names */
    int64_t fund_paid_fen; /* fund_pay_sumamt (0 unless asked for) */
    const char *msgid;     /* the request's id, in the block */
    uint32_t inst, dise;   /* indexes into the codes */
    uint32_t spec_dise;    /* the special disease's code ("" when none) */
    enum med_type med_type;
    datetime_s begntime, endtime;
    int32_t line_count;
    const unsigned char *lines_at; /* the packed lines */
};

/* One packed line. */
struct scan_line {
    uint32_t item; /* index into the codes */
    int64_t cnt_scaled, pric_scaled, amount_fen;
};

struct scan_bills {
    struct scan_names codes; /* institutions, diagnoses, items */
    struct scan_names psns;  /* persons */
    uint64_t *head, *tail;   /* by person: the first and last bill of the chain */
    uint32_t *count;         /* by person: bills chained */
    size_t person_cap;
    unsigned char **blocks;
    size_t *used; /* bytes used in each block */
    size_t block_count, block_cap;
    int64_t bills;
};

void scan_names_free(struct scan_names *n);
/* The index of text, added when new: 0, or -1 (out of memory, or more
 * than UINT32_MAX - 1 names). */
int scan_names_intern(struct scan_names *n, const char *text, uint32_t *idx);
/* Whether text is interned (its index in *idx). */
bool scan_names_find(const struct scan_names *n, const char *text, uint32_t *idx);
/* Each index's place in byte (strcmp) order, malloc'd; NULL when out of memory. */
uint32_t *scan_names_ranks(const struct scan_names *n);
/* The indexes in byte (strcmp) order, malloc'd; NULL when out of memory. */
uint32_t *scan_names_sorted(const struct scan_names *n);

void scan_bills_free(struct scan_bills *b);
/* The person's index, added when new: 0, or -1 out of memory. */
int scan_bills_person(struct scan_bills *b, const char *psn_no, uint32_t *psn);
/* Packs the bill of settlement seq (msgid, fund paid) at the end of its
 * person's chain: 0, or -1 out of memory. */
int scan_bills_add(struct scan_bills *b, uint32_t psn, int64_t seq, const char *msgid,
                   int64_t fund_paid_fen, const struct bill *bill);
/* The packed bill at off (an offset from scan_bills_add's chains or walk). */
void scan_bills_get(const struct scan_bills *b, uint64_t off, struct scan_packed *out);
/* The bill's lines in order: line k into out[k] (k < p->line_count). */
void scan_bills_lines(const struct scan_packed *p, struct scan_line *out, int32_t max);
/* The first packed bill (*off = SCAN_NONE) or the one after *off, in the
 * order they were added: false when there is none. */
bool scan_bills_walk(const struct scan_bills *b, uint64_t *off, struct scan_packed *out);

#endif
