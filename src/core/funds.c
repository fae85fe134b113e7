/* funds.c: the fund layers and settlement figures of settle.h as data.
 *
 * Built from FUND_LAYERS and SETLINFO_FIELDS, so a fund layer added there
 * reaches the ledger postings, the setldetail answer and the brief print
 * with no change here. Also checks, at compile time, that every figure is
 * int64_t fen: the codecs read them so. */
#include <assert.h>
#include <stddef.h>

#include "core/settle.h"

#define SETL_IS_FEN_(unused, name, kind)                                             \
    _Static_assert(_Generic(((struct setlinfo *)0)->name, int64_t : 1, default : 0), \
                   #name " must be int64_t fen");
SETLINFO_FIELDS(SETL_IS_FEN_, ~)
#undef SETL_IS_FEN_
/* Nothing in struct setlinfo or fund_rooms but the listed rows. */
_Static_assert(sizeof(struct setlinfo) == SETLINFO_FIELD_COUNT * sizeof(int64_t),
               "struct setlinfo holds a member not in SETLINFO_FIELDS");
_Static_assert(sizeof(struct fund_rooms) == FUND_LAYER_COUNT * sizeof(int64_t),
               "struct fund_rooms holds a member not in FUND_LAYERS");

#define FUND_LISTED_ALWAYS true
#define FUND_LISTED_NONZERO false
#define FUND_ROW_(unused, fund, code_employee, code_other, type_name, label, listed) \
    {#fund, code_employee, code_other, type_name, label, FUND_LISTED_##listed},
/* A file-scope table, not an exported one: the sanitizer build gives an
 * exported global a writable ODR indicator, which t_core_purity.sh refuses. */
static const struct fund_layer fund_layers[FUND_LAYER_COUNT] = {FUND_LAYERS(FUND_ROW_, ~)};
#undef FUND_ROW_

const struct fund_layer *fund_layer(enum fund_layer_id id) {
    assert(id >= 0 && id < FUND_LAYER_COUNT);
    assert(fund_layers[id].fund != NULL);
    return &fund_layers[id];
}

int64_t fund_layer_pay(const struct setlinfo *setl, enum fund_layer_id id) {
    assert(setl != NULL);
    assert(id >= 0 && id < FUND_LAYER_COUNT);
    switch (id) {
#define FUND_PAY_CASE_(s, fund, ...) \
    case FUND_##fund: return (s)->fund##_pay;
        FUND_LAYERS(FUND_PAY_CASE_, setl)
#undef FUND_PAY_CASE_
    case FUND_LAYER_COUNT: break;
    }
    return 0;
}

int64_t fund_layer_room(const struct fund_rooms *rooms, enum fund_layer_id id) {
    assert(rooms != NULL);
    assert(id >= 0 && id < FUND_LAYER_COUNT);
    switch (id) {
#define FUND_ROOM_CASE_(r, fund, ...) \
    case FUND_##fund: return (r)->fund##_room_fen;
        FUND_LAYERS(FUND_ROOM_CASE_, rooms)
#undef FUND_ROOM_CASE_
    case FUND_LAYER_COUNT: break;
    }
    return 0;
}
