/*
 * password - see password.h.
 *
 * The hash string is parsed strictly (known algorithm, parameters within
 * the ranges the options allow, salt and key of the right size), so a
 * damaged row in the database is refused rather than checked against
 * something cheaper than it claims.
 */
#include <eddy/web/password.h>

#include <eddy/async/future.h>
#include <eddy/base/buf.h>
#include <eddy/base/codec.h>
#include <eddy/base/crypto.h>
#include <eddy/base/log.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SALT_LEN = 16, KEY_LEN = 32 };
enum { MIN_LOG2_N = 10, MAX_LOG2_N = 22, MAX_R = 32, MAX_P = 16 };

static const eddy_password_params defaults = EDDY_PASSWORD_DEFAULTS;

int eddy_password_options(eddy_options *o, eddy_password_option_values *v)
{
    int rc = eddy_options_group(o, "passwords");
    rc |= eddy_option_int(o, "scrypt-log2-n", &v->log2_n, defaults.log2_n,
                          "scrypt cost: N = 2^this (memory ~ 128 * r * N bytes)");
    rc |= eddy_option_range(o, "scrypt-log2-n", MIN_LOG2_N, MAX_LOG2_N);
    rc |= eddy_option_int(o, "scrypt-r", &v->r, defaults.r, "scrypt block size");
    rc |= eddy_option_range(o, "scrypt-r", 1, MAX_R);
    rc |= eddy_option_int(o, "scrypt-p", &v->p, defaults.p, "scrypt parallelism");
    rc |= eddy_option_range(o, "scrypt-p", 1, MAX_P);
    rc |= eddy_options_group(o, NULL);
    return rc ? -1 : 0;
}

eddy_password_params eddy_password_params_from(const eddy_password_option_values *v)
{
    return (eddy_password_params){(int)v->log2_n, (int)v->r, (int)v->p};
}

static bool params_valid(const eddy_password_params *p)
{
    return p->log2_n >= MIN_LOG2_N && p->log2_n <= MAX_LOG2_N && p->r >= 1 && p->r <= MAX_R &&
           p->p >= 1 && p->p <= MAX_P;
}

/* derive - scrypt(password, salt) into key. 0 or -1. */
static int derive(const char *password, const unsigned char *salt, const eddy_password_params *pp,
                  unsigned char key[KEY_LEN])
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_SCRYPT, NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    uint64_t n = (uint64_t)1 << pp->log2_n;
    uint32_t r = (uint32_t)pp->r, p = (uint32_t)pp->p;
    /* OpenSSL refuses work above maxmem; allow what these parameters need. */
    uint64_t maxmem = 128 * (uint64_t)r * (n + p + 2) + (1u << 20);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)password,
                                          strlen(password)),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, SALT_LEN),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
        OSSL_PARAM_construct_end(),
    };
    int rc = ctx && EVP_KDF_derive(ctx, key, KEY_LEN, params) == 1 ? 0 : -1;
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return rc;
}

char *eddy_password_hash_blocking(const char *password, const eddy_password_params *params)
{
    const eddy_password_params *pp = params ? params : &defaults;
    if (!password || !params_valid(pp)) {
        errno = EINVAL;
        return NULL;
    }
    unsigned char salt[SALT_LEN], key[KEY_LEN];
    eddy_buf out = EDDY_BUF_INIT;
    int rc = eddy_random_bytes(salt, sizeof salt);
    if (rc == 0)
        rc = derive(password, salt, pp, key);
    if (rc == 0)
        rc = eddy_buf_printf(&out, "$scrypt$ln=%d,r=%d,p=%d$", pp->log2_n, pp->r, pp->p);
    if (rc == 0)
        rc = eddy_base64url_encode(&out, salt, sizeof salt);
    if (rc == 0)
        rc = eddy_buf_append_char(&out, '$');
    if (rc == 0)
        rc = eddy_base64url_encode(&out, key, sizeof key);
    OPENSSL_cleanse(key, sizeof key);
    if (rc < 0) {
        eddy_buf_free(&out);
        errno = ENOMEM;
        return NULL;
    }
    return eddy_buf_detach(&out, NULL);
}

struct parsed {
    eddy_password_params params;
    unsigned char salt[SALT_LEN], key[KEY_LEN];
};

/* parse_hash - read a stored hash; 0, or -1 when it is not one of ours. */
static int parse_hash(const char *stored, struct parsed *out)
{
    int ln, r, p, used = 0;
    if (!stored || sscanf(stored, "$scrypt$ln=%d,r=%d,p=%d$%n", &ln, &r, &p, &used) != 3 || !used)
        return -1;
    out->params = (eddy_password_params){ln, r, p};
    if (!params_valid(&out->params))
        return -1;
    const char *salt = stored + used, *dollar = strchr(salt, '$');
    if (!dollar)
        return -1;
    eddy_buf s = EDDY_BUF_INIT, k = EDDY_BUF_INIT;
    int rc = -1;
    if (eddy_base64url_decode(&s, salt, (size_t)(dollar - salt)) == 0 && s.len == SALT_LEN &&
        eddy_base64url_decode(&k, dollar + 1, strlen(dollar + 1)) == 0 && k.len == KEY_LEN) {
        memcpy(out->salt, s.data, SALT_LEN);
        memcpy(out->key, k.data, KEY_LEN);
        rc = 0;
    }
    eddy_buf_free(&s);
    eddy_buf_free(&k);
    return rc;
}

int eddy_password_check_blocking(const char *password, const char *stored)
{
    struct parsed h;
    unsigned char key[KEY_LEN];
    if (!password || parse_hash(stored, &h) < 0)
        return -1;
    if (derive(password, h.salt, &h.params, key) < 0)
        return -1;
    bool same = eddy_equal_ct(key, h.key, KEY_LEN);
    OPENSSL_cleanse(key, sizeof key);
    return same ? 1 : 0;
}

bool eddy_password_needs_rehash(const char *stored, const eddy_password_params *params)
{
    const eddy_password_params *pp = params ? params : &defaults;
    struct parsed h;
    if (parse_hash(stored, &h) < 0)
        return true;
    return h.params.log2_n != pp->log2_n || h.params.r != pp->r || h.params.p != pp->p;
}

/* ------------------------------------------------------------ on the pool */

struct job {
    const char *password, *stored;
    const eddy_password_params *params;
    char *hash;    /* hash: the result; verify: a new hash when needed */
    int check;     /* verify: 1, 0 or -1 as eddy_password_check_blocking */
    int error;
};

static void hash_work(void *arg)
{
    struct job *j = arg;
    if (!(j->hash = eddy_password_hash_blocking(j->password, j->params)))
        j->error = errno ? errno : ENOMEM;
}

int eddy_password_hash(const char *password, const eddy_password_params *params, char **out)
{
    struct job j = {.password = password, .params = params};
    *out = NULL;
    int rc = eddy_run_blocking(hash_work, &j);
    if (rc == 0 && j.error)
        rc = j.error;
    if (rc == 0)
        *out = j.hash;
    else
        free(j.hash);
    return rc;
}

/* A hash of nothing anyone can type, made once per parameter set: what a
 * missing user's login is checked against, so it costs the same as a
 * wrong password. Workers share it under a lock and check a copy. */
static pthread_mutex_t decoy_lock = PTHREAD_MUTEX_INITIALIZER;
static char decoy_hash[128];
static eddy_password_params decoy_params;

static int check_decoy(const char *password, const eddy_password_params *pp)
{
    char copy[sizeof decoy_hash];
    pthread_mutex_lock(&decoy_lock);
    if (!decoy_hash[0] || memcmp(&decoy_params, pp, sizeof *pp) != 0) {
        char *d = eddy_password_hash_blocking("\x01 no such user \x01", pp);
        if (d && strlen(d) < sizeof decoy_hash) {
            strcpy(decoy_hash, d);
            decoy_params = *pp;
        }
        free(d);
    }
    memcpy(copy, decoy_hash, sizeof copy);
    pthread_mutex_unlock(&decoy_lock);
    return copy[0] ? eddy_password_check_blocking(password, copy) : -1;
}

static void verify_work(void *arg)
{
    struct job *j = arg;
    const eddy_password_params *pp = j->params ? j->params : &defaults;
    if (!j->stored) {
        if (check_decoy(j->password, pp) < 0)
            j->error = params_valid(pp) ? ENOMEM : EINVAL;
        j->check = 0;
        return;
    }
    j->check = eddy_password_check_blocking(j->password, j->stored);
    if (j->check == 1 && eddy_password_needs_rehash(j->stored, pp))
        j->hash = eddy_password_hash_blocking(j->password, pp);
}

int eddy_password_verify(const char *password, const char *stored,
                         const eddy_password_params *params, bool *ok, char **rehashed)
{
    struct job j = {.password = password ? password : "", .stored = stored, .params = params};
    *ok = false;
    if (rehashed)
        *rehashed = NULL;
    int rc = eddy_run_blocking(verify_work, &j);
    if (rc == 0 && j.error)
        rc = j.error;
    if (rc == 0 && j.check < 0)
        eddy_warn("password check: the stored hash is not one this library wrote");
    if (rc == 0)
        *ok = j.check == 1;
    if (rc == 0 && *ok && rehashed)
        *rehashed = j.hash;
    else
        free(j.hash);
    return rc;
}
