/* bill.c: the medical types a bill may carry. */
#include "core/bill.h"

#include <string.h>

enum med_type med_type_parse(const char *text) {
    if (text == NULL) return MED_TYPE_INVALID;
    if (strcmp(text, "11") == 0) return MED_TYPE_GENERAL_OUTPATIENT;
    if (strcmp(text, "14") == 0) return MED_TYPE_SPECIAL_OUTPATIENT;
    if (strcmp(text, "21") == 0) return MED_TYPE_INPATIENT;
    if (strcmp(text, "41") == 0) return MED_TYPE_PHARMACY;
    return MED_TYPE_INVALID;
}
