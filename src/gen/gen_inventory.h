/* gen_inventory.h: the synthetic city's pharmacy purchases (inventory.csv,
 * the `yibao import inventory` format) and its planted substitutions
 * (docs/GENERATOR.md "Inventory"). Every pharmacy bill's lines are summed
 * per pharmacy, item and month as they stream by; at the end each group is
 * one purchase (3503) dated the month's first day, of what the month
 * sells. A substitution (rate --rate-substitution, of a pharmacy's
 * item-months) takes the month's last line of the item: the pharmacy is
 * taken to have sold daily goods instead, so the purchase is of those
 * goods, not of the billed item. */
#ifndef YIBAO_GEN_INVENTORY_H
#define YIBAO_GEN_INVENTORY_H

#include <stdint.h>

#include "gen/gen.h"
#include "gen/gen_out.h"

struct gen_inv;
struct gen_inv *gen_inv_new(void);
void gen_inv_free(struct gen_inv *inv);
/* A bill of the stream (pharmacy bills counted, others ignored); -1 out of memory. */
int gen_inv_add(struct gen_inv *inv, const struct gen_city *city, const struct gen_bill_out *b);
/* The purchases into csv (header included) and the substitutions' labels
 * into labels (appended); *labels counts them. */
void gen_inv_write(const struct gen_inv *inv, const struct gen_city *city, struct gen_out *csv,
                   struct gen_out *labels, int64_t *label_count);

#endif
