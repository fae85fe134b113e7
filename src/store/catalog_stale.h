/* catalog_stale.h: the catalog rows' restrictions against the last
 * catalog import's kept file (catalog_stale.c), for `yibao check`. */
#ifndef YIBAO_STORE_CATALOG_STALE_H
#define YIBAO_STORE_CATALOG_STALE_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

struct catalog_stale {
    int64_t import_seq;             /* the last catalog import; 0: none */
    int64_t items;                  /* rows whose restrictions are not the file's */
    char first[CODE_BYTES_MAX + 1]; /* the first such item's code */
    bool unreadable;                /* the kept file's restrictions do not load here */
};

/* Fills out (on a connection in one snapshot). 0, or -1 with err. */
int catalog_restrict_stale(const struct store_backend *ops, struct store_conn *conn,
                           struct catalog_stale *out, struct store_err *err);

#endif
