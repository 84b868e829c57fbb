/*
 * cors - Cross-Origin Resource Sharing for a JSON API that a front end on
 * another origin calls (the course forum's static site calls its API
 * this way).
 *
 * A browser asks before a cross-origin request that is not "simple"
 * (a JSON body, a custom header such as tsessionid, PUT/PATCH/DELETE):
 * it sends OPTIONS with Access-Control-Request-Method, and goes on only
 * if the answer allows the origin, method and headers. eddy_app_set_cors
 * answers that preflight on every route (200, empty body, the allowed
 * lists) and puts Access-Control-Allow-Origin on every other response.
 *
 * CORS relaxes the browser's same-origin rule; it protects nothing. An
 * API open to any origin ("*") must not trust cookies for who the user
 * is: it authenticates with a token header, which a page on another site
 * cannot make the browser send.
 */
#ifndef EDDY_WEB_CORS_H
#define EDDY_WEB_CORS_H

#include <eddy/web/handler.h>

typedef struct eddy_cors_config {
    /* "*" (any origin, no credentials), or origins separated by spaces
     * ("https://a.example https://b.example"): a request from one of them
     * gets its own origin back, with Vary: Origin. */
    const char *allow_origin;
    const char *allow_methods; /* for preflights */
    const char *allow_headers; /* for preflights */
    long max_age;              /* seconds a preflight answer may be cached */
} eddy_cors_config;

/* What the course forum's API sends (any origin, its methods, its
 * tsessionid header, ten minutes' worth of caching). */
#define EDDY_CORS_FORUM                                                                      \
    {"*", "POST, GET, DELETE, PUT, PATCH, OPTIONS",                                          \
     "Content-Type, tsessionid, Access-Control-Allow-Origin, Access-Control-Allow-Headers, " \
     "X-Requested-By, Access-Control-Allow-Methods",                                         \
     1000}

/* eddy_app_set_cors - apply cfg (copied) to every route of the app. 0, or
 * -1 (out of memory, or no allow_origin). */
int eddy_app_set_cors(eddy_app *app, const eddy_cors_config *cfg);

#endif
