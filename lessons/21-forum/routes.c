/*
 * routes - the forum's wiring: every feature's routes in order, the
 * media files, and the small helpers all the feature files share (who is
 * calling, the course's error body, media URLs).
 *
 * Order matters because the first matching route wins: the JSON API's
 * paths are the course's (/groups/, /posts/1/...), and the pages use
 * their own, so each face registers its routes here in turn.
 */
#include "forum.h"

#include <stdio.h>
#include <string.h>

forum *forum_of(const eddy_req *r)
{
    return eddy_req_app_data(r);
}

void forum_send_field_error(eddy_req *r, int status, const char *field, const char *message)
{
    eddy_response_status(r, status);
    eddy_send_json(r, json_pack("{s:s}", field, message));
}

const char *forum_media_url(eddy_req *r, const char *name, bool absolute)
{
    if (!name || !*name)
        return NULL;
    const char *site = absolute ? forum_of(r)->site_url : "";
    size_t s = strlen(site), m = strlen(name);
    char *url = eddy_alloc(r, s + sizeof "/media/" + m); /* one per cover in a list: no printf */
    if (url) {
        memcpy(url, site, s);
        memcpy(url + s, "/media/", sizeof "/media/" - 1);
        memcpy(url + s + sizeof "/media/" - 1, name, m + 1);
    }
    return url;
}

int64_t forum_api_user(eddy_req *r)
{
    json_t *user = eddy_require_token_user(r); /* 401 when there is no valid token */
    return user ? (int64_t)json_integer_value(json_object_get(user, "id")) : -1;
}

int forum_api_route(eddy_app *app, const char *pattern, const eddy_handler *h, const char *name)
{
    return eddy_route(app, pattern, h, name) < 0 || eddy_xsrf_exempt(app, h) < 0 ? -1 : 0;
}

const char *forum_save_upload(eddy_req *r, const eddy_upload *u)
{
    char name[128];
    int rc = eddy_upload_save(r, u, forum_of(r)->media_dir, name, sizeof name);
    if (rc) {
        eddy_error("saving an upload in %s: %s", forum_of(r)->media_dir, strerror(rc));
        eddy_send_error(r, 500, "The file could not be saved");
        return NULL;
    }
    return eddy_strdup(r, name);
}

/* app_security - what every route shares: tokens for the API (7 days,
 * the course's lifetime, but really expiring), the signed cookie and
 * XSRF for the pages, CORS for a front end on another origin. */
static int app_security(eddy_app *app, forum *f)
{
    eddy_auth_config auth = {.load_user = forum_load_user,
                             .login_url = "/signin",
                             .cookie_name = FORUM_SESSION_COOKIE,
                             .cookie_max_age_s = FORUM_SESSION_MAX_AGE_S,
                             .jwt = {.secret = f->secret, .lifetime_s = 7 * 24 * 3600}};
    eddy_cors_config cors = EDDY_CORS_FORUM;
    return eddy_app_set_auth(app, &auth) < 0 ||
                   eddy_app_set_cookie_secret(app, f->secret, NULL) < 0 ||
                   eddy_app_use_xsrf(app) < 0 || eddy_app_set_cors(app, &cors) < 0
               ? -1
               : 0;
}

/* Each feature's registration, in the order its routes are tried. */
static int (*const features[])(eddy_app *app, forum *f) = {
    forum_routes_accounts,
    forum_routes_groups,
    forum_routes_posts,
    forum_routes_questions,
    forum_routes_messages,
    forum_routes_live,
    forum_routes_upload,
    forum_routes_search,
    forum_routes_pages,
};

/* quote:begin features */
int forum_routes(eddy_app *app, forum *f)
{
    if (app_security(app, f) < 0)
        return -1;
    for (size_t i = 0; i < sizeof features / sizeof features[0]; i++)
        if (features[i](app, f) < 0)
            return -1;
    /* last: the pages' own static files, routed before, stay the app's
     * first static (the one eddy_static_url uses) */
    return eddy_static_route(app, "/media/(.*)", f->media, "media");
}
/* quote:end features */
