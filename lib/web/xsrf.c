/*
 * xsrf - see xsrf.h.
 *
 * The token is 16 random bytes; the cookie holds them base64url-encoded.
 * A form carries 32 bytes, mask then token XOR mask, base64url-encoded.
 * The state is the app slot "eddy.xsrf" (on, and the exempt handlers) and
 * the request slot "eddy.xsrf_token" (the token, once known, so a page
 * with three forms sets the cookie once). The masked token is made once
 * per request too, as Tornado's xsrf_token is, and kept with its hidden
 * input in "eddy.xsrf_masked" and "eddy.xsrf_form": a page with a form
 * per comment would otherwise draw random bytes and encode them fifty
 * times over.
 */
#include <eddy/web/xsrf.h>

#include <eddy/base/buf.h>
#include <eddy/base/codec.h>
#include <eddy/base/crypto.h>
#include <eddy/base/log.h>
#include <eddy/web/security.h>

#include <stdlib.h>
#include <string.h>

enum { TOKEN_LEN = 16, MAX_EXEMPT = 64 };

static const char cookie_name[] = "_xsrf";

struct xsrf {
    const eddy_handler *exempt[MAX_EXEMPT];
    size_t exempt_count;
};

static const char xsrf_slot[] = "eddy.xsrf";
static const char token_slot[] = "eddy.xsrf_token";
static const char masked_slot[] = "eddy.xsrf_masked";
static const char form_slot[] = "eddy.xsrf_form";

static void require_xsrf_check(eddy_req *r);

int eddy_app_use_xsrf(eddy_app *app)
{
    if (eddy_app_slot(app, xsrf_slot))
        return 0;
    struct xsrf *x = calloc(1, sizeof *x);
    if (!x || eddy_app_set_slot(app, xsrf_slot, x, free) < 0) {
        free(x);
        return -1;
    }
    return eddy_app_add_check(app, require_xsrf_check);
}

int eddy_xsrf_exempt(eddy_app *app, const eddy_handler *h)
{
    struct xsrf *x = eddy_app_slot(app, xsrf_slot);
    if (!x || x->exempt_count == MAX_EXEMPT)
        return -1;
    x->exempt[x->exempt_count++] = h;
    return 0;
}

/* cookie_token - the token in the browser's cookie, into out; false when
 * there is none or it is not one of ours. */
static bool cookie_token(eddy_req *r, unsigned char out[TOKEN_LEN])
{
    const char *c = eddy_get_cookie(r, cookie_name, NULL);
    eddy_buf b = EDDY_BUF_INIT;
    bool ok = c && eddy_base64url_decode(&b, c, strlen(c)) == 0 && b.len == TOKEN_LEN;
    if (ok)
        memcpy(out, b.data, TOKEN_LEN);
    eddy_buf_free(&b);
    return ok;
}

/* request_token - the raw token for this request: the cookie's, else a
 * new one that is sent as the cookie. NULL without protection. */
static const unsigned char *request_token(eddy_req *r)
{
    if (!eddy_req_app_slot(r, xsrf_slot))
        return NULL;
    unsigned char *t = eddy_req_slot(r, token_slot);
    if (t)
        return t;
    if (!(t = eddy_alloc(r, TOKEN_LEN)))
        return NULL;
    if (!cookie_token(r, t)) {
        eddy_buf b = EDDY_BUF_INIT;
        int rc = eddy_random_bytes(t, TOKEN_LEN);
        if (rc == 0)
            rc = eddy_base64url_encode(&b, t, TOKEN_LEN);
        /* Not HttpOnly: a script must be able to read it for the header. */
        eddy_cookie_options o = eddy_cookie_defaults(r, 0);
        o.http_only = false;
        if (rc == 0)
            rc = eddy_set_cookie(r, cookie_name, b.data, &o);
        eddy_buf_free(&b);
        if (rc < 0)
            return NULL;
    }
    return eddy_req_set_slot(r, token_slot, t, NULL) == 0 ? t : NULL;
}

/* masked_token - a fresh mask over the request's token, encoded. */
static const char *masked_token(eddy_req *r)
{
    const unsigned char *t = request_token(r);
    unsigned char masked[2 * TOKEN_LEN];
    if (!t || eddy_random_bytes(masked, TOKEN_LEN) < 0)
        return NULL;
    for (int i = 0; i < TOKEN_LEN; i++)
        masked[TOKEN_LEN + i] = t[i] ^ masked[i];
    eddy_buf b = EDDY_BUF_INIT;
    const char *s = eddy_base64url_encode(&b, masked, sizeof masked) == 0
                        ? eddy_strdup(r, b.data) : NULL;
    eddy_buf_free(&b);
    return s;
}

const char *eddy_xsrf_token(eddy_req *r)
{
    const char *s = eddy_req_slot(r, masked_slot);
    if (s)
        return s;
    s = masked_token(r);
    if (s)
        eddy_req_set_slot(r, masked_slot, (void *)s, NULL); /* if not kept, made again next time */
    return s;
}

const char *eddy_xsrf_form_html(eddy_req *r)
{
    const char *html = eddy_req_slot(r, form_slot);
    if (html)
        return html;
    const char *t = eddy_xsrf_token(r);
    if (!t)
        return "";
    eddy_buf b = EDDY_BUF_INIT;
    /* base64url needs no escaping in an attribute. */
    static const char head[] = "<input type=\"hidden\" name=\"_xsrf\" value=\"";
    html = eddy_buf_append(&b, head, sizeof head - 1) == 0 && eddy_buf_append_str(&b, t) == 0 &&
                   eddy_buf_append(&b, "\"/>", 3) == 0
               ? eddy_strdup(r, b.data)
               : NULL;
    eddy_buf_free(&b);
    if (!html)
        return "";
    eddy_req_set_slot(r, form_slot, (void *)html, NULL); /* if not kept, made again next time */
    return html;
}

/* sent_token - the token the request sent back, unmasked; false when it
 * sent none or something that is not a token. */
static bool sent_token(eddy_req *r, unsigned char out[TOKEN_LEN], const char **reason)
{
    const char *s = eddy_get_argument(r, "_xsrf", NULL);
    if (!s)
        s = eddy_header(r, "X-XSRFToken");
    if (!s)
        s = eddy_header(r, "X-CSRFToken");
    if (!s) {
        *reason = "no _xsrf argument or X-XSRFToken header";
        return false;
    }
    eddy_buf b = EDDY_BUF_INIT;
    bool ok = eddy_base64url_decode(&b, s, strlen(s)) == 0;
    if (ok && b.len == 2 * TOKEN_LEN) {
        for (int i = 0; i < TOKEN_LEN; i++)
            out[i] = (unsigned char)(b.data[TOKEN_LEN + i] ^ b.data[i]);
    } else if (ok && b.len == TOKEN_LEN) {
        memcpy(out, b.data, TOKEN_LEN); /* the cookie's own value, from a script */
    } else {
        ok = false;
        *reason = "malformed token";
    }
    eddy_buf_free(&b);
    return ok;
}

/* quote:begin require_xsrf */
int eddy_require_xsrf(eddy_req *r)
{
    unsigned char expected[TOKEN_LEN], sent[TOKEN_LEN];
    const char *reason = "token does not match the cookie";
    bool ok = false;
    if (!cookie_token(r, expected))
        reason = "no _xsrf cookie";
    else if (sent_token(r, sent, &reason))
        ok = eddy_equal_ct(expected, sent, TOKEN_LEN);
    if (ok)
        return 0;
    eddy_str m = eddy_request_method(r);
    eddy_warn("XSRF check failed for %.*s %s from %s: %s", (int)m.len, m.p, eddy_path(r),
              eddy_client_ip(r), reason);
    eddy_send_error(r, 403, "XSRF cookie does not match the request's token");
    return -1;
}
/* quote:end require_xsrf */

/* require_xsrf_check - the app-wide check: unsafe methods only, unless
 * the route is exempt. */
static void require_xsrf_check(eddy_req *r)
{
    if (eddy_method_is(r, "GET") || eddy_method_is(r, "HEAD") || eddy_method_is(r, "OPTIONS"))
        return;
    const struct xsrf *x = eddy_req_app_slot(r, xsrf_slot);
    const eddy_handler *h = eddy_req_handler(r);
    for (size_t i = 0; x && i < x->exempt_count; i++)
        if (x->exempt[i] == h)
            return;
    eddy_require_xsrf(r);
}
