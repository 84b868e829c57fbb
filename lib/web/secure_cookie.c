/*
 * secure_cookie - see secure_cookie.h.
 *
 * The secrets live in the app slot "eddy.cookie_secret", current first.
 * Verification recomputes the MAC with each key and compares in constant
 * time; the parts are checked for shape before any MAC is computed, so
 * garbage costs nothing but a scan.
 */
#include <eddy/web/secure_cookie.h>

#include <eddy/base/codec.h>
#include <eddy/base/crypto.h>
#include <eddy/base/log.h>
#include <eddy/web/security.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MIN_SECRET = 16, FUTURE_SLACK_S = 60 };
#define DEFAULT_MAX_AGE_S (31 * 86400)

struct secrets {
    char **keys; /* current first */
    size_t count;
};

static const char secrets_slot[] = "eddy.cookie_secret";

static void secrets_free(void *p)
{
    struct secrets *s = p;
    for (size_t i = 0; i < s->count; i++)
        free(s->keys[i]);
    free(s->keys);
    free(s);
}

int eddy_app_set_cookie_secret(eddy_app *app, const char *current, const char *const *old)
{
    size_t n = 1;
    for (const char *const *o = old; o && *o; o++)
        n++;
    struct secrets *s = calloc(1, sizeof *s);
    if (!s || !(s->keys = calloc(n, sizeof *s->keys)))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        const char *k = i == 0 ? current : old[i - 1];
        if (!k || strlen(k) < MIN_SECRET || !(s->keys[i] = strdup(k)))
            goto fail;
        s->count++;
    }
    if (eddy_app_set_slot(app, secrets_slot, s, secrets_free) == 0)
        return 0;
fail:
    eddy_error("cookie secret: missing, shorter than %d bytes, or out of memory", MIN_SECRET);
    if (s)
        secrets_free(s);
    return -1;
}

/* mac - base64url HMAC of "1|name|time|value64" with secret, appended. */
static int mac(eddy_buf *out, const char *secret, const char *name, const char *stamp,
               size_t stamp_len, const char *value64, size_t value64_len)
{
    eddy_buf msg = EDDY_BUF_INIT;
    unsigned char m[EDDY_SHA256_LEN];
    int rc = eddy_buf_append(&msg, "1|", 2) < 0 || eddy_buf_append_str(&msg, name) < 0 ||
                     eddy_buf_append_char(&msg, '|') < 0 ||
                     eddy_buf_append(&msg, stamp, stamp_len) < 0 ||
                     eddy_buf_append_char(&msg, '|') < 0 ||
                     eddy_buf_append(&msg, value64, value64_len) < 0
                 ? -1
                 : 0;
    if (rc == 0)
        rc = eddy_hmac_sha256(secret, strlen(secret), msg.data, msg.len, m);
    if (rc == 0)
        rc = eddy_base64url_encode(out, m, sizeof m);
    eddy_buf_free(&msg);
    return rc;
}

int eddy_secure_value_sign(eddy_buf *out, const char *secret, const char *name,
                           const char *value, int64_t now)
{
    size_t start = out->len;
    int rc = eddy_buf_printf(out, "1|%" PRId64 "|", now);
    size_t v64 = out->len;
    if (rc == 0)
        rc = eddy_base64url_encode(out, value, strlen(value));
    size_t v64_end = out->len;
    if (rc == 0)
        rc = eddy_buf_append_char(out, '|');
    if (rc == 0) {
        /* out may move while the MAC is appended: copy what it covers. */
        char *covered = strndup(out->data + start, out->len - start);
        rc = covered ? 0 : -1;
        if (rc == 0)
            rc = mac(out, secret, name, covered + 2, v64 - start - 3, covered + (v64 - start),
                     v64_end - v64);
        free(covered);
    }
    if (rc < 0)
        eddy_buf_truncate(out, start);
    return rc;
}

/* split - the parts of a signed value "1|stamp|value64|mac64": 0, or -1
 * with *reason set when it has not that shape. */
static int split(const char *s, const char **stamp, size_t *stamp_len, const char **value64,
                 size_t *value64_len, const char **given, const char **reason)
{
    if (strncmp(s, "1|", 2) != 0) {
        *reason = "not a signed value of a known version";
        return -1;
    }
    *stamp = s + 2;
    *stamp_len = strspn(*stamp, "0123456789");
    *value64 = *stamp + *stamp_len + 1;
    if (*stamp_len == 0 || *stamp_len > 18 || (*stamp)[*stamp_len] != '|') {
        *reason = "malformed timestamp";
        return -1;
    }
    const char *bar = strchr(*value64, '|');
    if (!bar || strchr(bar + 1, '|')) {
        *reason = "malformed value";
        return -1;
    }
    *value64_len = (size_t)(bar - *value64);
    *given = bar + 1;
    return 0;
}

int eddy_secure_value_claim(eddy_buf *out, const char *signed_value)
{
    const char *stamp, *value64, *given, *reason;
    size_t stamp_len, value64_len;
    if (split(signed_value, &stamp, &stamp_len, &value64, &value64_len, &given, &reason) < 0)
        return -1;
    return eddy_base64url_decode(out, value64, value64_len) < 0 ? -1 : 0;
}

int eddy_secure_value_verify(eddy_buf *out, const char *const *secrets, size_t nsecrets,
                             const char *name, const char *signed_value, int64_t now,
                             int64_t max_age_s, const char **reason)
{
    /* Shape first: "1|" digits "|" value64 "|" mac64, nothing else. */
    const char *stamp, *value64, *given;
    size_t stamp_len, value64_len;
    if (split(signed_value, &stamp, &stamp_len, &value64, &value64_len, &given, reason) < 0)
        return -1;
    bool good = false;
    for (size_t i = 0; i < nsecrets && !good; i++) {
        eddy_buf m = EDDY_BUF_INIT;
        if (mac(&m, secrets[i], name, stamp, stamp_len, value64, value64_len) == 0)
            good = eddy_str_equal_ct(m.data, m.len, given, strlen(given));
        eddy_buf_free(&m);
    }
    if (!good) {
        *reason = "bad signature";
        return -1;
    }
    int64_t signed_at = strtoll(stamp, NULL, 10);
    if (signed_at < now - (max_age_s > 0 ? max_age_s : DEFAULT_MAX_AGE_S)) {
        *reason = "expired";
        return -1;
    }
    if (signed_at > now + FUTURE_SLACK_S) {
        *reason = "signed in the future";
        return -1;
    }
    if (eddy_base64url_decode(out, value64, value64_len) < 0) {
        *reason = "malformed value";
        return -1;
    }
    return 0;
}

int eddy_set_secure_cookie(eddy_req *r, const char *name, const char *value,
                           const eddy_cookie_options *opts)
{
    const struct secrets *s = eddy_req_app_slot(r, secrets_slot);
    if (!s) {
        eddy_error("set_secure_cookie: the app has no cookie secret");
        return -1;
    }
    eddy_buf b = EDDY_BUF_INIT;
    int rc = eddy_secure_value_sign(&b, s->keys[0], name, value, (int64_t)time(NULL));
    eddy_cookie_options defaults = eddy_cookie_defaults(r, 30L * 86400);
    if (rc == 0)
        rc = eddy_set_cookie(r, name, b.data, opts ? opts : &defaults);
    eddy_buf_free(&b);
    return rc;
}

const char *eddy_get_secure_cookie(eddy_req *r, const char *name, int64_t max_age_s)
{
    const struct secrets *s = eddy_req_app_slot(r, secrets_slot);
    const char *raw = eddy_get_cookie(r, name, NULL);
    if (!s || !raw)
        return NULL;
    eddy_buf b = EDDY_BUF_INIT;
    const char *reason = "out of memory";
    const char *value = NULL;
    if (eddy_secure_value_verify(&b, (const char *const *)s->keys, s->count, name, raw,
                                 (int64_t)time(NULL), max_age_s, &reason) == 0)
        value = eddy_strdup(r, b.data ? b.data : "");
    else
        eddy_warn("cookie %s from %s refused: %s", name, eddy_client_ip(r), reason);
    eddy_buf_free(&b);
    return value;
}
