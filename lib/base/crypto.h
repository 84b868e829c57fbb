/*
 * crypto - the few cryptographic primitives the web layer builds on:
 * HMAC-SHA256 (signed cookies, JWTs, XSRF tokens), a comparison whose
 * time does not depend on where two secrets differ, and random bytes
 * from OpenSSL's CSPRNG. No loop, no I/O: password hashing, which is
 * slow on purpose, lives in web/password.h and runs on the thread pool.
 */
#ifndef EDDY_CRYPTO_H
#define EDDY_CRYPTO_H

#include <eddy/base/buf.h>

#include <stdbool.h>
#include <stddef.h>

#define EDDY_SHA256_LEN 32

/* eddy_hmac_sha256 - out = HMAC-SHA256(key, data). 0, or -1 if OpenSSL
 * fails (it does not for these sizes, but the caller still checks). */
int eddy_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                     unsigned char out[EDDY_SHA256_LEN]);

/* eddy_equal_ct - a and b (n bytes each) are equal, compared in time that
 * depends on n only, so an attacker timing a refusal learns nothing about
 * how much of a guessed signature or token was right. */
bool eddy_equal_ct(const void *a, const void *b, size_t n);

/* eddy_str_equal_ct - the same for two strings of possibly different
 * lengths (a different length is refused; lengths are not secret). */
bool eddy_str_equal_ct(const char *a, size_t a_len, const char *b, size_t b_len);

/* eddy_random_bytes - n bytes from the CSPRNG. 0, or -1 when it cannot
 * give them (never fall back to something weaker). Up to 64 bytes come
 * from a per-thread pool the CSPRNG fills 512 bytes at a time; a byte is
 * wiped from it once handed out, and a forked child starts with it
 * empty, so no two calls, in one process or across a fork, get the
 * same bytes. */
int eddy_random_bytes(void *out, size_t n);

/* eddy_random_token - append `bytes` random bytes as base64url text (a
 * session id, a reset token, an API key). 0 or -1. */
int eddy_random_token(eddy_buf *out, size_t bytes);

#endif
