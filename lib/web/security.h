/*
 * security - the defaults a security reviewer expects of every response,
 * and the two facts about a request that only a trusted proxy may change:
 * the client's address and whether it came over HTTPS (Tornado's
 * xheaders).
 *
 * Behind a reverse proxy every request comes from the proxy's address;
 * the proxy says who the client was in X-Real-IP or X-Forwarded-For and
 * which scheme it used in X-Forwarded-Proto. Any client can send those
 * headers too, so they are believed only when the peer is one of the
 * proxies the app was told to trust; otherwise the peer's own address
 * stands. Rate limits and logs keyed on an address use eddy_client_ip.
 *
 * With eddy_app_set_security, every routed response also carries
 * X-Content-Type-Options: nosniff, a Referrer-Policy, X-Frame-Options and,
 * when the app sets one (fixed, or from a hook that may vary per request,
 * e.g. with a nonce), a Content-Security-Policy.
 */
#ifndef EDDY_WEB_SECURITY_H
#define EDDY_WEB_SECURITY_H

#include <eddy/web/handler.h>

#include <stdbool.h>

typedef struct eddy_security_config {
    /* Addresses of the reverse proxies in front ("127.0.0.1, ::1"), exact
     * matches; NULL or "": none, no forwarding header is believed. */
    const char *trusted_proxies;
    /* TLS ends in front of the app on every route (a proxy that does not
     * send X-Forwarded-Proto): every cookie gets Secure. */
    bool always_https;
    const char *referrer_policy; /* NULL: "strict-origin-when-cross-origin" */
    const char *frame_options;   /* NULL: "DENY"; "" leaves it out */
    const char *csp;             /* a Content-Security-Policy for every page, or NULL */
    /* csp_hook - the policy for this request (wins over csp); NULL for none. */
    const char *(*csp_hook)(eddy_req *r);
} eddy_security_config;

/* eddy_app_set_security - use cfg (copied) for the app and send its headers
 * on every routed response. 0, or -1 with eddy_app_error(). */
int eddy_app_set_security(eddy_app *app, const eddy_security_config *cfg);

/* eddy_client_ip - the client's address: the peer's, or, when the peer is
 * a trusted proxy, X-Real-IP, else the nearest address in X-Forwarded-For
 * that is not itself a trusted proxy. Only well-formed IP addresses are
 * taken from headers. A string in the request's arena (or the server's). */
const char *eddy_client_ip(eddy_req *r);

/* eddy_request_is_https - the client used HTTPS, as far as the app can
 * know: always_https, or a trusted proxy's X-Forwarded-Proto (or
 * X-Scheme) says "https". (The server itself speaks plain HTTP.) */
bool eddy_request_is_https(eddy_req *r);

/* eddy_cookie_defaults - the options a cookie holding anything that
 * matters should have: path "/", HttpOnly, SameSite=Lax, Secure whenever
 * eddy_request_is_https, and max_age. */
eddy_cookie_options eddy_cookie_defaults(eddy_req *r, long max_age);

#endif
