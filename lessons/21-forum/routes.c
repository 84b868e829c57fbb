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
    size_t n = strlen(site) + strlen(name) + sizeof "/media/";
    char *url = eddy_alloc(r, n);
    if (url)
        snprintf(url, n, "%s/media/%s", site, name);
    return url;
}

int64_t forum_api_user(eddy_req *r)
{
    /* the token guard arrives with lib/web/auth.h */
    forum_send_field_error(r, 401, "non_fields", "Log in first");
    return -1;
}

/* Each feature's registration, in the order its routes are tried. */
static int (*const features[])(eddy_app *app, forum *f) = {
    forum_routes_accounts,
    forum_routes_groups,
};

int forum_routes(eddy_app *app, forum *f)
{
    for (size_t i = 0; i < sizeof features / sizeof features[0]; i++)
        if (features[i](app, f) < 0)
            return -1;
    /* last: the pages' own static files, routed before, stay the app's
     * first static (the one eddy_static_url uses) */
    return eddy_static_route(app, "/media/(.*)", f->media, "media");
}
