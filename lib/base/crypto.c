/*
 * crypto - see crypto.h. A thin layer over OpenSSL's libcrypto, so the
 * rest of the library names what it wants (a MAC, equal-or-not, random
 * bytes) rather than how OpenSSL spells it.
 */
#include <eddy/base/crypto.h>

#include <eddy/base/codec.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <limits.h>

int eddy_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                     unsigned char out[EDDY_SHA256_LEN])
{
    unsigned int out_len = 0;
    if (key_len > INT_MAX)
        return -1;
    /* HMAC() with a NULL key means "no key" to OpenSSL; give it a real
     * pointer even for an empty key. */
    static const unsigned char empty = 0;
    if (!HMAC(EVP_sha256(), key_len ? key : &empty, (int)key_len, data, len, out, &out_len))
        return -1;
    return out_len == EDDY_SHA256_LEN ? 0 : -1;
}

bool eddy_equal_ct(const void *a, const void *b, size_t n)
{
    return n == 0 || CRYPTO_memcmp(a, b, n) == 0;
}

bool eddy_str_equal_ct(const char *a, size_t a_len, const char *b, size_t b_len)
{
    return a_len == b_len && eddy_equal_ct(a, b, a_len);
}

int eddy_random_bytes(void *out, size_t n)
{
    unsigned char *p = out;
    while (n) {
        int chunk = n > INT_MAX ? INT_MAX : (int)n;
        if (RAND_bytes(p, chunk) != 1)
            return -1;
        p += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}

int eddy_random_token(eddy_buf *out, size_t bytes)
{
    unsigned char raw[64];
    if (bytes == 0 || bytes > sizeof raw || eddy_random_bytes(raw, bytes) < 0)
        return -1;
    int rc = eddy_base64url_encode(out, raw, bytes);
    OPENSSL_cleanse(raw, sizeof raw);
    return rc;
}
