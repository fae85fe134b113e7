/* person_id.c: which insured person a request names. Hospitals identify
 * a patient the way the interface lets them (docs/INTEROP.md): by psn_no
 * (from an earlier 1101), or by the certificate presented at the counter,
 * mdtrt_cert_type + mdtrt_cert_no (02 ID card, 03 social security card,
 * whose number is the ID number; 01 electronic voucher, whose token only
 * the national platform resolves, so its certno is used), or by certno
 * alone. A refusal names the field the value came from. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "service/svc.h"

#define PERSON_ID_MATCHES_MAX 4 /* persons shown when an ID number names several */

/* The persons with ID number certno; the one of insutype when several are
 * (a person enrolled twice) and insutype > 0. */
static int by_certno(struct svc_call *c, const char *path, const char *key, const char *certno,
                     int32_t insutype, char *psn_no, size_t size) {
    char found[PERSON_ID_MATCHES_MAX][CODE_BYTES_MAX + 1];
    size_t n = 0;
    struct store_err err;
    assert(certno != NULL && psn_no != NULL && size > CODE_BYTES_MAX);
    if (store_person_by_certno(c->svc->store, certno, found, PERSON_ID_MATCHES_MAX, &n, &err) != 0)
        return svc_fail(c, "storage: %s", err.msg);
    size_t pick = n;
    for (size_t i = 0; insutype > 0 && i < n && n > 1; i++) {
        struct store_person p;
        bool ok = false;
        if (store_person_find(c->svc->store, found[i], &p, &ok, &err) != 0)
            return svc_fail(c, "storage: %s", err.msg);
        if (ok && p.insutype == insutype) pick = pick == n ? i : n + 1; /* one of that scheme */
    }
    if (n == 1) pick = 0;
    if (n == 0)
        return svc_fail(c, "%s.%s: no insured person with ID number '%s'", path, key, certno);
    if (pick >= n)
        return svc_fail(c,
                        "%s.%s: ID number '%s' names %zu insured persons (%s, %s%s); send psn_no",
                        path, key, certno, n, found[0], found[1], n > 2 ? ", ..." : "");
    snprintf(psn_no, size, "%s", found[pick]);
    return 0;
}

int svc_person_identify(struct svc_call *c, const struct json_value *data, const char *path,
                        int32_t insutype, char *psn_no, size_t size) {
    char cert_no[CODE_BYTES_MAX + 1], cert_type[8], certno[CODE_BYTES_MAX + 1];
    assert(data != NULL && path != NULL && psn_no != NULL && size > CODE_BYTES_MAX);
    int has_psn = in_code(c, data, "psn_no", path, false, psn_no, size);
    int has_cert = has_psn == 1
                       ? in_code(c, data, "mdtrt_cert_no", path, false, cert_no, sizeof cert_no)
                       : 1;
    int has_type = in_code(c, data, "mdtrt_cert_type", path, false, cert_type, sizeof cert_type);
    int has_certno = in_code(c, data, "certno", path, false, certno, sizeof certno);
    if (has_psn < 0 || has_cert < 0 || has_type < 0 || has_certno < 0) return -1;
    snprintf(c->w->psn_no, sizeof c->w->psn_no, "%s", /* the audit names who was asked for */
             has_psn == 0      ? psn_no
             : has_cert == 0   ? cert_no
             : has_certno == 0 ? certno
                               : "");
    if (has_psn == 0) return 0;
    if (has_cert == 0 && has_type == 0 && strcmp(cert_type, "01") == 0) {
        if (has_certno == 0) return by_certno(c, path, "certno", certno, insutype, psn_no, size);
        return svc_fail(c,
                        "%s.mdtrt_cert_no: an electronic voucher (mdtrt_cert_type 01) is resolved "
                        "by the national platform; send certno or psn_no",
                        path);
    }
    if (has_cert == 0 && has_type == 0 && strcmp(cert_type, "02") != 0 &&
        strcmp(cert_type, "03") != 0)
        return svc_fail(c, "%s.mdtrt_cert_type: '%s' is not 01, 02 or 03", path, cert_type);
    if (has_cert == 0 && has_type == 0)
        return by_certno(c, path, "mdtrt_cert_no", cert_no, insutype, psn_no, size);
    if (has_cert == 0) { /* no type: a psn_no, as before the types were read, or an ID number */
        struct store_person p;
        bool found = false;
        struct store_err err;
        if (store_person_find(c->svc->store, cert_no, &p, &found, &err) != 0)
            return svc_fail(c, "storage: %s", err.msg);
        if (found) return snprintf(psn_no, size, "%s", cert_no), 0;
        return by_certno(c, path, "mdtrt_cert_no", cert_no, insutype, psn_no, size);
    }
    if (has_certno == 0) return by_certno(c, path, "certno", certno, insutype, psn_no, size);
    return svc_fail(c, "%s: psn_no, mdtrt_cert_no or certno: missing", path);
}
