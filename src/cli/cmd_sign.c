/* cmd_sign.c: `yibao sign` prints the gateway headers for a request body,
 * so that a request can be sent with curl by hand.
 *
 *   yibao sign --paasid P [--token-file F] [--hmac] [--body FILE] [--curl URL]
 *
 * The token comes from --token-file or the environment (YIBAO_TOKEN),
 * never from the command line, where every user of the machine reads it
 * (ps, /proc/PID/cmdline, shell history).
 * Without --curl it prints one header per line ("x-tif-paasid: ...");
 * with --curl URL it prints a complete curl command posting FILE. The
 * timestamp is now and the nonce is random; see docs/SERVICE.md. */
#include <assert.h>
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
#define SIGN_TOKEN_BYTES_MAX 256

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

/* The token: the first line of token_file, else $YIBAO_TOKEN. */
static int token_read(const char *token_file, char token[SIGN_TOKEN_BYTES_MAX + 1]) {
    char *text = NULL, err[CODEC_ERR_BYTES];
    size_t len = 0;
    assert(token != NULL);
    if (token_file == NULL) {
        const char *env = getenv("YIBAO_TOKEN");
        if (env == NULL || env[0] == '\0' || strlen(env) > SIGN_TOKEN_BYTES_MAX) {
            fprintf(stderr, "yibao sign: no token: give --token-file FILE or set YIBAO_TOKEN\n");
            return -1;
        }
        snprintf(token, SIGN_TOKEN_BYTES_MAX + 1, "%s", env);
        return 0;
    }
    if (file_read_all(token_file, SIGN_TOKEN_BYTES_MAX + 2, &text, &len, err, sizeof err) != 0) {
        fprintf(stderr, "yibao sign: --token-file: %s\n", err);
        return -1;
    }
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) len--;
    bool ok = len > 0 && len <= SIGN_TOKEN_BYTES_MAX && memchr(text, '\n', len) == NULL;
    if (ok) snprintf(token, SIGN_TOKEN_BYTES_MAX + 1, "%.*s", (int)len, text);
    else fprintf(stderr, "yibao sign: --token-file %s: not one line of a token\n", token_file);
    free(text);
    return ok ? 0 : -1;
}

int cmd_sign(int argc, char **argv) {
    const char *paasid = NULL, *token_file = NULL, *body_path = NULL, *url = NULL;
    bool bad = false, hmac = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--token") == 0) {
            fprintf(stderr, "yibao sign: --token: a token on the command line is visible to "
                            "every user (ps); use --token-file FILE or YIBAO_TOKEN\n");
            return EXIT_BAD_INPUT;
        }
        if (cli_option(argc, argv, &i, "--paasid", &paasid, &bad) ||
            cli_option(argc, argv, &i, "--token-file", &token_file, &bad) ||
            cli_option(argc, argv, &i, "--body", &body_path, &bad) ||
            cli_option(argc, argv, &i, "--curl", &url, &bad))
            continue;
        if (strcmp(argv[i], "--hmac") == 0) hmac = true;
        else bad = true;
    }
    if (bad || paasid == NULL || ((hmac || url) && body_path == NULL)) {
        cli_usage("sign", stderr);
        return EXIT_BAD_INPUT;
    }
    char token[SIGN_TOKEN_BYTES_MAX + 1];
    if (token_read(token_file, token) != 0) return EXIT_BAD_INPUT;
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
