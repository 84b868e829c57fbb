/*
 * jwt - see jwt.h.
 *
 * The order of the checks matters: the header's shape and algorithm
 * first, then the signature, and only then the claims, so nothing from
 * an unsigned or forged token is ever acted on or even parsed as claims.
 */
#include <eddy/web/jwt.h>

#include <eddy/base/buf.h>
#include <eddy/base/codec.h>
#include <eddy/base/crypto.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { MIN_SECRET = 32, MAX_TOKEN = 8192 };
#define DEFAULT_LIFETIME_S (7 * 86400)

static int sign(const eddy_jwt_config *c, const char *input, size_t len,
                unsigned char out[EDDY_SHA256_LEN])
{
    return eddy_hmac_sha256(c->secret, strlen(c->secret), input, len, out);
}

static int append_json64(eddy_buf *out, const json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT);
    int rc = text ? eddy_base64url_encode(out, text, strlen(text)) : -1;
    free(text);
    return rc;
}

char *eddy_jwt_encode(const eddy_jwt_config *c, const json_t *claims, int64_t now)
{
    if (!c->secret || strlen(c->secret) < MIN_SECRET || !json_is_object(claims))
        return NULL;
    json_t *header = json_pack("{s:s, s:s}", "alg", "HS256", "typ", "JWT");
    json_t *body = json_deep_copy(claims);
    int64_t life = c->lifetime_s > 0 ? c->lifetime_s : DEFAULT_LIFETIME_S;
    eddy_buf t = EDDY_BUF_INIT;
    unsigned char mac[EDDY_SHA256_LEN];
    int rc = header && body ? 0 : -1;
    if (rc == 0)
        rc = json_object_set_new(body, "iat", json_integer(now)) |
             json_object_set_new(body, "nbf", json_integer(now)) |
             json_object_set_new(body, "exp", json_integer(now + life));
    if (rc == 0 && c->issuer)
        rc = json_object_set_new(body, "iss", json_string(c->issuer));
    if (rc == 0 && c->audience)
        rc = json_object_set_new(body, "aud", json_string(c->audience));
    if (rc == 0)
        rc = append_json64(&t, header);
    if (rc == 0)
        rc = eddy_buf_append_char(&t, '.');
    if (rc == 0)
        rc = append_json64(&t, body);
    if (rc == 0)
        rc = sign(c, t.data, t.len, mac);
    if (rc == 0)
        rc = eddy_buf_append_char(&t, '.');
    if (rc == 0)
        rc = eddy_base64url_encode(&t, mac, sizeof mac);
    json_decref(header);
    json_decref(body);
    if (rc != 0) {
        eddy_buf_free(&t);
        return NULL;
    }
    return eddy_buf_detach(&t, NULL);
}

/* json_part - the JSON object base64url text s (n chars) holds, or NULL. */
static json_t *json_part(const char *s, size_t n)
{
    eddy_buf b = EDDY_BUF_INIT;
    json_t *v = NULL;
    if (eddy_base64url_decode(&b, s, n) == 0 && b.len)
        v = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, NULL);
    eddy_buf_free(&b);
    if (v && !json_is_object(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

/* check_header - NULL when the header is one this module accepts. */
/* quote:begin check_header */
static const char *check_header(const json_t *h)
{
    const json_t *alg = json_object_get(h, "alg");
    if (!json_is_string(alg))
        return "no algorithm in the header";
    if (strcasecmp(json_string_value(alg), "none") == 0)
        return "unsigned token (alg none)";
    if (strcmp(json_string_value(alg), "HS256") != 0)
        return "algorithm other than HS256";
    if (json_object_get(h, "crit"))
        return "critical header extensions not understood";
    const json_t *typ = json_object_get(h, "typ");
    if (typ && (!json_is_string(typ) || strcasecmp(json_string_value(typ), "JWT") != 0))
        return "not a JWT";
    return NULL;
}
/* quote:end check_header */

/* number_claim - 1 and *v when claims[name] is a number, 0 when absent,
 * -1 when it is something else. */
static int number_claim(const json_t *claims, const char *name, double *v)
{
    const json_t *x = json_object_get(claims, name);
    if (!x)
        return 0;
    if (!json_is_number(x))
        return -1;
    *v = json_number_value(x);
    return 1;
}

static bool audience_matches(const json_t *aud, const char *want)
{
    if (json_is_string(aud))
        return strcmp(json_string_value(aud), want) == 0;
    size_t i;
    const json_t *a;
    json_array_foreach(aud, i, a) {
        if (json_is_string(a) && strcmp(json_string_value(a), want) == 0)
            return true;
    }
    return false;
}

static const char *check_claims(const eddy_jwt_config *c, const json_t *claims, int64_t now)
{
    double exp, nbf, iat, leeway = (double)(c->leeway_s > 0 ? c->leeway_s : 0);
    int has = number_claim(claims, "exp", &exp);
    if (has <= 0)
        return has < 0 ? "exp is not a number" : "no expiry (exp)";
    if ((double)now >= exp + leeway)
        return "expired";
    if ((has = number_claim(claims, "nbf", &nbf)) < 0)
        return "nbf is not a number";
    if (has && (double)now + leeway < nbf)
        return "not valid yet (nbf)";
    if ((has = number_claim(claims, "iat", &iat)) < 0)
        return "iat is not a number";
    if (has && (double)now + leeway < iat)
        return "issued in the future (iat)";
    if (c->issuer) {
        const json_t *iss = json_object_get(claims, "iss");
        if (!json_is_string(iss) || strcmp(json_string_value(iss), c->issuer) != 0)
            return "wrong issuer";
    }
    if (c->audience && !audience_matches(json_object_get(claims, "aud"), c->audience))
        return "wrong audience";
    return NULL;
}

json_t *eddy_jwt_decode(const eddy_jwt_config *c, const char *token, int64_t now,
                        const char **reason)
{
    *reason = NULL;
    if (!c->secret || strlen(c->secret) < MIN_SECRET) {
        *reason = "no secret configured";
        return NULL;
    }
    size_t len = token ? strnlen(token, MAX_TOKEN + 1) : 0;
    if (len == 0 || len > MAX_TOKEN) {
        *reason = len ? "token too long" : "no token";
        return NULL;
    }
    const char *dot1 = memchr(token, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
    if (!dot1 || !dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token))) {
        *reason = "malformed (not three parts)";
        return NULL;
    }
    json_t *header = json_part(token, (size_t)(dot1 - token));
    if (!header) {
        *reason = "malformed header";
        return NULL;
    }
    *reason = check_header(header);
    json_decref(header);
    if (*reason)
        return NULL;

    eddy_buf sig = EDDY_BUF_INIT;
    unsigned char mac[EDDY_SHA256_LEN];
    const char *s = dot2 + 1;
    bool good = eddy_base64url_decode(&sig, s, len - (size_t)(s - token)) == 0 &&
                sig.len == EDDY_SHA256_LEN &&
                sign(c, token, (size_t)(dot2 - token), mac) == 0 &&
                eddy_equal_ct(mac, sig.data, EDDY_SHA256_LEN);
    eddy_buf_free(&sig);
    if (!good) {
        *reason = "bad signature";
        return NULL;
    }
    json_t *claims = json_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    if (!claims) {
        *reason = "malformed claims";
        return NULL;
    }
    if ((*reason = check_claims(c, claims, now))) {
        json_decref(claims);
        return NULL;
    }
    return claims;
}
