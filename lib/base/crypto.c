/*
 * crypto - see crypto.h. A thin layer over OpenSSL's libcrypto, so the
 * rest of the library names what it wants (a MAC, equal-or-not, random
 * bytes) rather than how OpenSSL spells it.
 */
#include <eddy/base/crypto.h>

#include <eddy/base/codec.h>
#include <eddy/base/thread_slot.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A MAC keyed once per thread. HMAC() allocates a context and hashes
 * the key into it on every call, which is most of what checking a short
 * cookie costs, while a server signs with the same secret all day: the
 * last key (up to KEPT_KEY_MAX bytes) stays set in a context of the
 * thread's, and a call with it only resets that context. A thread's
 * context is freed when the thread ends; longer keys, and any failure to
 * set one up, take HMAC() as before. */
enum { KEPT_KEY_MAX = 128 };
struct kept_mac {
    EVP_MAC_CTX *ctx;
    bool keyed;
    size_t key_len;
    unsigned char key[KEPT_KEY_MAX];
};
static _Thread_local struct kept_mac *kept;

static void kept_mac_free(void *p)
{
    struct kept_mac *k = p;
    EVP_MAC_CTX_free(k->ctx);
    OPENSSL_cleanse(k->key, sizeof k->key);
    free(k);
}

static eddy_thread_slot kept_mac_slot = EDDY_THREAD_SLOT(kept_mac_free);

static struct kept_mac *kept_mac_new(void)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    struct kept_mac *k = mac ? calloc(1, sizeof *k) : NULL;
    if (k && !(k->ctx = EVP_MAC_CTX_new(mac))) {
        free(k);
        k = NULL;
    }
    EVP_MAC_free(mac); /* the context holds its own reference */
    if (k && eddy_thread_slot_keep(&kept_mac_slot, k) < 0) {
        kept_mac_free(k);
        k = NULL;
    }
    return k;
}

/* keyed_ctx - the thread's context ready to MAC with key, or NULL. */
static EVP_MAC_CTX *keyed_ctx(const void *key, size_t key_len)
{
    if (key_len > KEPT_KEY_MAX || (!kept && !(kept = kept_mac_new())))
        return NULL;
    if (kept->keyed && kept->key_len == key_len && memcmp(kept->key, key, key_len) == 0)
        return EVP_MAC_init(kept->ctx, NULL, 0, NULL) ? kept->ctx : NULL; /* the same key again */
    static const unsigned char empty = 0;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end()};
    kept->keyed = false;
    if (!EVP_MAC_init(kept->ctx, key_len ? key : &empty, key_len, params))
        return NULL;
    memcpy(kept->key, key, key_len);
    kept->key_len = key_len;
    kept->keyed = true;
    return kept->ctx;
}

int eddy_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                     unsigned char out[EDDY_SHA256_LEN])
{
    EVP_MAC_CTX *ctx = keyed_ctx(key, key_len);
    if (ctx) {
        size_t n = 0;
        if (EVP_MAC_update(ctx, data, len) && EVP_MAC_final(ctx, out, &n, EDDY_SHA256_LEN))
            return n == EDDY_SHA256_LEN ? 0 : -1;
        kept->keyed = false; /* set it again next time */
        return -1;
    }
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

/* Random bytes drawn RANDOM_POOL at a time and handed out in small
 * pieces: RAND_bytes costs some 6,600 instructions and a getpid (its
 * fork check) per call whatever the length, and a page with a form asks
 * for 16 bytes of XSRF mask. Each thread has its own pool; a byte handed
 * out is wiped from it; a child process starts with its pool emptied
 * (pthread_atfork), so parent and child never share a byte. Requests
 * larger than RANDOM_PIECE_MAX go to RAND_bytes directly. */
enum { RANDOM_POOL = 512, RANDOM_PIECE_MAX = 64 };
static _Thread_local unsigned char random_pool[RANDOM_POOL];
static _Thread_local size_t random_left; /* the unread bytes are the last random_left */
static pthread_once_t random_fork_once = PTHREAD_ONCE_INIT;

static void random_forget(void)
{
    OPENSSL_cleanse(random_pool, sizeof random_pool);
    random_left = 0;
}

static void random_watch_forks(void)
{
    pthread_atfork(NULL, NULL, random_forget); /* runs in the child's only thread */
}

static int random_from_pool(unsigned char *out, size_t n)
{
    pthread_once(&random_fork_once, random_watch_forks);
    if (random_left < n) {
        if (RAND_bytes(random_pool, RANDOM_POOL) != 1)
            return -1;
        random_left = RANDOM_POOL;
    }
    unsigned char *from = random_pool + (RANDOM_POOL - random_left);
    memcpy(out, from, n);
    OPENSSL_cleanse(from, n);
    random_left -= n;
    return 0;
}

int eddy_random_bytes(void *out, size_t n)
{
    unsigned char *p = out;
    if (n <= RANDOM_PIECE_MAX)
        return random_from_pool(p, n);
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
