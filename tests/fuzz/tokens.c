/*
 * Fuzz target: the decoders that read what a client sends as proof of
 * who it is: JWTs (lib/web/jwt.h), signed cookie values
 * (lib/web/secure_cookie.h), and the base64, base64url and hex decoders
 * under them (lib/base/codec.h), on arbitrary bytes.
 *
 * Besides what ASan and UBSan catch: nothing made up by the fuzzer is
 * ever accepted as a token or a signed value (it would need the secret);
 * every refusal has a reason; a decoded base64 value encodes back to the
 * same text (one spelling per value).
 */
#include <eddy/base/codec.h>
#include <eddy/web/jwt.h>
#include <eddy/web/secure_cookie.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const eddy_jwt_config jwt = {.secret = "a fuzzing secret that is 32 bytes or more",
                                    .issuer = "fuzz"};
static const char *const keys[] = {"first cookie secret, long enough", "second cookie secret!!"};

static void round_trip(const char *s, size_t n,
                       int (*decode)(eddy_buf *, const char *, size_t),
                       int (*encode)(eddy_buf *, const void *, size_t))
{
    eddy_buf raw = EDDY_BUF_INIT, again = EDDY_BUF_INIT;
    if (decode(&raw, s, n) == 0) {
        if (encode(&again, raw.data ? raw.data : "", raw.len) < 0)
            abort();
        if (again.len != n || (n && memcmp(again.data, s, n) != 0))
            abort();
    }
    eddy_buf_free(&raw);
    eddy_buf_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    const char *reason = NULL;
    json_t *claims = eddy_jwt_decode(&jwt, s, 1700000000, &reason);
    if (claims || !reason)
        abort();

    eddy_buf out = EDDY_BUF_INIT;
    reason = NULL;
    if (eddy_secure_value_verify(&out, keys, 2, "user", s, 1700000000, 3600, &reason) == 0 ||
        !reason)
        abort();
    eddy_buf_free(&out);

    round_trip(s, size, eddy_base64_decode, eddy_base64_encode);
    round_trip(s, size, eddy_base64url_decode, eddy_base64url_encode);
    eddy_buf hex = EDDY_BUF_INIT;
    eddy_hex_decode(&hex, s, size);
    eddy_buf_free(&hex);
    free(s);
    return 0;
}
