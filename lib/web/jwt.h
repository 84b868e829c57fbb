/*
 * jwt - JSON Web Tokens signed with HMAC-SHA256 (RFC 7519, "HS256"), the
 * bearer tokens of a JSON API.
 *
 * A token is header.claims.signature, each part base64url. Decoding
 * trusts nothing the token says about itself: the algorithm must be
 * exactly HS256 (a token that asks for "none", or for RS256 hoping the
 * secret is used as a public key, is refused), the signature is compared
 * in constant time, and the claims must hold an expiry that has not
 * passed, a not-before that has, and the issuer and audience the config
 * names. Each refusal has a short reason for the log; the client only
 * ever learns "401".
 */
#ifndef EDDY_WEB_JWT_H
#define EDDY_WEB_JWT_H

#include <jansson.h>
#include <stdint.h>

typedef struct eddy_jwt_config {
    const char *secret;   /* at least 32 bytes for HS256 */
    const char *issuer;   /* set: written as iss, and required when decoding */
    const char *audience; /* set: written as aud, and required when decoding */
    int64_t lifetime_s;   /* exp = iat + this; 0: 7 days */
    int64_t leeway_s;     /* clock difference allowed on exp, nbf and iat */
} eddy_jwt_config;

/* eddy_jwt_encode - a token for claims (an object, not changed) with
 * iat, nbf and exp set from now, and iss/aud from c. A malloc'd string,
 * or NULL (no or short secret, claims not an object, out of memory). */
char *eddy_jwt_encode(const eddy_jwt_config *c, const json_t *claims, int64_t now);

/* eddy_jwt_decode - the claims of token (a new reference), or NULL with
 * *reason saying why it was refused. */
json_t *eddy_jwt_decode(const eddy_jwt_config *c, const char *token, int64_t now,
                        const char **reason);

#endif
