/* bill.h: one settlement request as the settle engine sees it.
 *
 * Adapters (JSON, the NHSA envelope, the generator) fill a bill. They do not
 * reject a bad date or number themselves: they record whether each parsed,
 * so that the engine reports errors in the order the spec's validation table
 * gives (a duplicate line is reported before a bad amount, and so on). */
#ifndef YIBAO_BILL_H
#define YIBAO_BILL_H

#include <stdbool.h>
#include <stdint.h>

#include "date.h"
#include "limits.h"

enum med_type {
    MED_TYPE_INVALID = -1, /* missing, malformed or unknown */
    MED_TYPE_GENERAL_OUTPATIENT = 11,
    MED_TYPE_SPECIAL_OUTPATIENT = 14,
    MED_TYPE_INPATIENT = 21,
    MED_TYPE_PHARMACY = 41,
};

struct bill_line {
    char feedetl_sn[CODE_BYTES_MAX + 1];
    bool has_feedetl_sn;
    char med_list_codg[CODE_BYTES_MAX + 1];
    int64_t cnt_scaled;    /* cnt * 1e4 */
    int64_t pric_scaled;   /* pric * 1e6 */
    int64_t amount_fen;    /* det_item_fee_sumamt */
    bool numbers_ok;       /* all three parsed, in precision and range */
    const char *bad_field; /* first field that did not parse, or NULL */
};

struct bill {
    char fixmedins_code[CODE_BYTES_MAX + 1];
    enum med_type med_type;
    bool dates_ok; /* both present and parsable */
    datetime_s begntime;
    datetime_s endtime;
    char dise_codg[CODE_BYTES_MAX + 1];
    char spec_dise_codg[CODE_BYTES_MAX + 1];
    bool out_of_area;
    bool filed;
    bool acct_used;
    /* A later part of an inpatient stay settled in parts (mid-stay
     * settlement, 中途结算; docs/SERVICE.md): the stay was counted as an
     * admission, and its deductible applied, by its first part in the same
     * year; this part pays what is left of that deductible and does not
     * count the admission again. Set by the application from the stay's
     * earlier, standing parts; false for every bill from a file. */
    bool admission_continued;
    int64_t admission_dedc_paid_fen; /* the deductible the earlier parts paid (>= 0) */
    int32_t line_count;
    struct bill_line *lines; /* caller-owned, line_count entries */
};

/* Maps "11", "14", "21", "41" to the enum; anything else is INVALID. */
enum med_type med_type_parse(const char *text);

#endif
