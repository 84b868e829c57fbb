/*
 * secure_cookie - cookies the client can read but not forge (Tornado's
 * set_secure_cookie / get_secure_cookie).
 *
 * The value travels in the clear, with the time it was signed and an
 * HMAC-SHA256 over the cookie's name, that time and the value:
 *
 *     1|<unix time>|<value, base64url>|<MAC, base64url>
 *
 * Changing any part, or moving the value to a cookie of another name,
 * breaks the MAC; a cookie older than the reader's max age is refused
 * even though its MAC is good. The secret can be rotated: sign with the
 * current key, and keep the previous keys for as long as cookies made
 * with them should stay valid. Do not put secrets in a signed cookie: it
 * is signed, not encrypted.
 */
#ifndef EDDY_WEB_SECURE_COOKIE_H
#define EDDY_WEB_SECURE_COOKIE_H

#include <eddy/base/buf.h>
#include <eddy/web/handler.h>

#include <stdint.h>

/* eddy_app_set_cookie_secret - current signs and verifies; old (a
 * NULL-ended list, or NULL) still verifies. Strings are copied; a secret
 * shorter than 16 bytes is refused. 0, or -1 with eddy_app_error(). */
int eddy_app_set_cookie_secret(eddy_app *app, const char *current, const char *const *old);

/* eddy_set_secure_cookie - sign value and set it as cookie name with
 * opts (NULL: eddy_cookie_defaults with 30 days). -1 without a secret. */
int eddy_set_secure_cookie(eddy_req *r, const char *name, const char *value,
                           const eddy_cookie_options *opts);

/* eddy_get_secure_cookie - the value of a cookie set by
 * eddy_set_secure_cookie and signed at most max_age_s seconds ago (0: 31
 * days), in the request's arena; NULL when it is missing, tampered with,
 * too old or signed with a key the app no longer has (the reason is
 * logged at warning level). */
const char *eddy_get_secure_cookie(eddy_req *r, const char *name, int64_t max_age_s);

/* The format itself, for tests and tools: */

/* eddy_secure_value_sign - append the signed form of value to out. 0 or -1. */
int eddy_secure_value_sign(eddy_buf *out, const char *secret, const char *name,
                           const char *value, int64_t now);

/* eddy_secure_value_verify - append to out the value signed_value stands
 * for, trying each of the nsecrets secrets. 0, or -1 with *reason set. */
int eddy_secure_value_verify(eddy_buf *out, const char *const *secrets, size_t nsecrets,
                             const char *name, const char *signed_value, int64_t now,
                             int64_t max_age_s, const char **reason);

/* eddy_secure_value_claim - append to out the value signed_value claims
 * to stand for, its signature NOT checked: a guess to start work from
 * (a page reading the claimed user's row in its own query) that only
 * eddy_get_secure_cookie's verdict may confirm. 0, or -1 when it has not
 * the shape of a signed value. */
int eddy_secure_value_claim(eddy_buf *out, const char *signed_value);

#endif
