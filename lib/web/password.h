/*
 * password - storing and checking passwords with scrypt, a memory-hard
 * key derivation function (RFC 7914, through OpenSSL's EVP_KDF).
 *
 * A stored hash describes itself:
 *
 *     $scrypt$ln=15,r=8,p=1$<salt, base64url>$<key, base64url>
 *
 * so the parameters can be raised later: every hash made before keeps
 * working, and a login that succeeds against an older, weaker hash hands
 * back a new one to store (eddy_password_verify's `rehashed`).
 *
 * Hashing takes tens of milliseconds and megabytes of memory on purpose,
 * so a request never runs it on the loop: eddy_password_hash and
 * eddy_password_verify are waits that run the work on the thread pool
 * (eddy_run_blocking) while the loop serves everyone else. The _blocking
 * forms are the work itself, for tools and tests outside a task.
 */
#ifndef EDDY_WEB_PASSWORD_H
#define EDDY_WEB_PASSWORD_H

#include <eddy/web/options.h>

#include <stdbool.h>
#include <stdint.h>

/* scrypt's cost: N = 2^log2_n, block size r, parallelism p. Memory is
 * about 128 * r * N bytes: 32 MiB for the defaults. */
typedef struct eddy_password_params {
    int log2_n, r, p;
} eddy_password_params;

#define EDDY_PASSWORD_DEFAULTS {15, 8, 1}

/* eddy_password_options - define --scrypt-log2-n, --scrypt-r and
 * --scrypt-p (group "passwords") writing into v; read v after parsing.
 * 0, or -1 with eddy_options_error(). */
typedef struct eddy_password_option_values {
    int64_t log2_n, r, p;
} eddy_password_option_values;

int eddy_password_options(eddy_options *o, eddy_password_option_values *v);
eddy_password_params eddy_password_params_from(const eddy_password_option_values *v);

/* eddy_password_hash - hash password with params (NULL: the defaults)
 * and a fresh random salt, on the thread pool. A wait: 0 with *out a
 * malloc'd hash string (free it), or an errno value (ENOMEM, EINVAL for
 * parameters out of range, ECANCELED). */
int eddy_password_hash(const char *password, const eddy_password_params *params, char **out);

/* eddy_password_verify - does password match stored? On the thread pool;
 * the comparison is constant-time. stored may be NULL (no such user): a
 * hash is still computed, so a missing account takes as long to refuse as
 * a wrong password and cannot be told from it. When it matches and
 * stored's parameters differ from params (NULL: the defaults), *rehashed
 * (if not NULL) gets a malloc'd new hash to store; otherwise NULL. A wait:
 * 0 with *ok set, or an errno value (*ok false). */
int eddy_password_verify(const char *password, const char *stored,
                         const eddy_password_params *params, bool *ok, char **rehashed);

/* eddy_password_hash_blocking - the work of eddy_password_hash, on the
 * calling thread: a malloc'd string, or NULL (errno set). */
char *eddy_password_hash_blocking(const char *password, const eddy_password_params *params);

/* eddy_password_check_blocking - 1 when password matches stored, 0 when
 * not, -1 when stored is not a hash this module wrote. */
int eddy_password_check_blocking(const char *password, const char *stored);

/* eddy_password_needs_rehash - stored was made with other parameters than
 * params (or is not readable at all). */
bool eddy_password_needs_rehash(const char *stored, const eddy_password_params *params);

#endif
