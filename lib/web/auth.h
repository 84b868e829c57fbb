/*
 * auth - who is asking: login guards for pages and for a JSON API, and
 * the current user (Tornado's current_user, @authenticated, and the
 * course's authenticated_async).
 *
 * Two ways to say who you are, kept apart on purpose:
 *
 *   - pages: a signed cookie (secure_cookie.h) holding the user's id, set
 *     by eddy_login. Browsers send cookies with every request, even ones
 *     another site makes them send, so pages that change things need XSRF
 *     protection too (xsrf.h).
 *   - the API: a JWT (jwt.h) in a request header (the course's
 *     tsessionid, or Authorization: Bearer). A browser never adds it by
 *     itself, so an API on tokens needs no XSRF token, and may open CORS.
 *
 * Either way the id is turned into a user by the app's loader, which may
 * wait (a database query runs while the loop serves others), and the user
 * is kept for the rest of the request: a second guard, a template's
 * current_user, the handler all see the same one without another query.
 */
#ifndef EDDY_WEB_AUTH_H
#define EDDY_WEB_AUTH_H

#include <eddy/web/handler.h>
#include <eddy/web/jwt.h>

#include <jansson.h>

/* eddy_user_loader - the user with this id (a new reference), or NULL when
 * there is none. Runs in the request's task: it may wait. A loader that
 * could not look (its database failed) answers the request itself
 * (eddy_send_db_error: 503) and returns NULL: a finished response tells
 * the guards not to add a 401 or a redirect to it. */
typedef json_t *(*eddy_user_loader)(eddy_req *r, const char *user_id, void *arg);

typedef struct eddy_auth_config {
    eddy_user_loader load_user; /* required */
    void *loader_arg;
    const char *login_url;     /* the page guard's redirect; NULL: "/login" */
    const char *cookie_name;   /* the signed cookie holding the id; NULL: "user" */
    int64_t cookie_max_age_s;  /* 0: 30 days */
    const char *token_header;  /* NULL: "tsessionid" (Authorization: Bearer also works) */
    const char *id_claim;      /* the claim holding the id; NULL: "id" */
    eddy_jwt_config jwt;       /* tokens; a secret is needed for the API guard */
} eddy_auth_config;

/* eddy_app_set_auth - use cfg (strings copied) for the app. Pages also
 * need eddy_app_set_cookie_secret. 0, or -1 with a logged error. */
int eddy_app_set_auth(eddy_app *app, const eddy_auth_config *cfg);

/* eddy_current_user - the request's user: the one a guard loaded, else
 * the one the signed cookie names (loaded once, then kept). A borrowed
 * reference, valid until the request ends; NULL when nobody is logged in. */
json_t *eddy_current_user(eddy_req *r);

/* eddy_require_user - the page guard: the cookie's user, or NULL after
 * answering (GET and HEAD: 302 to the login URL with ?next=<this path>;
 * other methods: 403). */
json_t *eddy_require_user(eddy_req *r);

/* eddy_require_token_user - the API guard: the user named by a valid
 * token, or NULL after answering 401 with a JSON body (the reason the
 * token was refused goes to the log, not to the client). */
json_t *eddy_require_token_user(eddy_req *r);

/* eddy_login_required / eddy_token_required - the guards shaped as a
 * handler's prepare (.prepare = eddy_login_required). */
void eddy_login_required(eddy_req *r);
void eddy_token_required(eddy_req *r);

/* eddy_login - remember user_id in the signed cookie. 0 or -1. */
int eddy_login(eddy_req *r, const char *user_id);

/* eddy_logout - forget it (the cookie is cleared). */
void eddy_logout(eddy_req *r);

/* eddy_issue_token - a JWT for user_id (the id claim holds it as a number
 * when it is one, as the course's tokens do) plus the members of extra
 * (may be NULL), in the request's arena; NULL on failure. */
const char *eddy_issue_token(eddy_req *r, const char *user_id, const json_t *extra);

#endif
