/* cmd_sign.c: `yibao sign` prints the gateway headers for a request body,
 * so that a request can be sent with curl by hand.
 *
 *   yibao sign --paasid P --token T [--hmac] [--body FILE] [--curl URL]
 *
 * Without --curl it prints one header per line ("x-tif-paasid: ...");
 * with --curl URL it prints a complete curl command posting FILE. The
 * timestamp is now and the nonce is random; see docs/SERVICE.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "codec/codec.h"
#include "service/service.h"

#define SIGN_BODY_BYTES_MAX SERVICE_BODY_BYTES_MAX

static int make_nonce(char out[33]) {
    unsigned char raw[16];
    static const char hex[] = "0123456789abcdef";
    if (RAND_bytes(raw, sizeof raw) != 1) return -1;
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[32] = '\0';
    return 0;
}

int cmd_sign(int argc, char **argv) {
    const char *paasid = NULL, *token = NULL, *body_path = NULL, *url = NULL;
    bool bad = false, hmac = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_option(argc, argv, &i, "--paasid", &paasid, &bad) ||
            cli_option(argc, argv, &i, "--token", &token, &bad) ||
            cli_option(argc, argv, &i, "--body", &body_path, &bad) ||
            cli_option(argc, argv, &i, "--curl", &url, &bad))
            continue;
        if (strcmp(argv[i], "--hmac") == 0) hmac = true;
        else bad = true;
    }
    if (bad || paasid == NULL || token == NULL || ((hmac || url) && body_path == NULL)) {
        fprintf(stderr,
                "usage: yibao sign --paasid P --token T [--hmac] [--body FILE] [--curl URL]\n"
                "       (--hmac and --curl need --body)\n");
        return EXIT_BAD_INPUT;
    }
    char *body = NULL, err[CODEC_ERR_BYTES], ts[24], nonce[33], sig[65];
    size_t len = 0;
    if (body_path &&
        file_read_all(body_path, SIGN_BODY_BYTES_MAX, &body, &len, err, sizeof err) != 0) {
        fprintf(stderr, "yibao sign: %s\n", err);
        return EXIT_BAD_INPUT;
    }
    snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
    if (make_nonce(nonce) != 0) {
        free(body);
        fprintf(stderr, "yibao sign: no randomness\n");
        return EXIT_CHECK_FAILED;
    }
    if (hmac) service_sign_hmac(ts, token, nonce, body, len, sig);
    else service_sign_sha256(ts, token, nonce, sig);
    free(body);
    const char *method = hmac ? "hmac-sha256" : "sha256";
    if (url == NULL) {
        printf("x-tif-paasid: %s\nx-tif-timestamp: %s\nx-tif-nonce: %s\nx-tif-signature: %s\n"
               "x-tif-signature-method: %s\n",
               paasid, ts, nonce, sig, method);
        return 0;
    }
    printf("curl -s -X POST '%s' -H 'Content-Type: application/json' -H 'x-tif-paasid: %s' "
           "-H 'x-tif-timestamp: %s' -H 'x-tif-nonce: %s' -H 'x-tif-signature: %s' "
           "-H 'x-tif-signature-method: %s' --data-binary @'%s'\n",
           url, paasid, ts, nonce, sig, method, body_path);
    return 0;
}
