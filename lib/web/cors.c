/*
 * cors - see cors.h. The configuration lives in the app slot "eddy.cors";
 * an app-wide check adds the headers and answers preflights before the
 * router looks for the handler's OPTIONS method.
 */
#include <eddy/web/cors.h>

#include <eddy/base/log.h>
#include <eddy/base/str.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cors {
    char *allow_origin, *allow_methods, *allow_headers;
    char max_age[24];
    bool any_origin;
};

static const char cors_slot[] = "eddy.cors";

static void cors_free(void *p)
{
    struct cors *c = p;
    free(c->allow_origin);
    free(c->allow_methods);
    free(c->allow_headers);
    free(c);
}

/* allowed_origin - the Access-Control-Allow-Origin for this request, or
 * NULL when its origin is not on the list. */
static const char *allowed_origin(eddy_req *r, const struct cors *c)
{
    if (c->any_origin)
        return "*";
    const char *origin = eddy_header(r, "Origin");
    if (!origin || !*origin)
        return NULL;
    size_t n = strlen(origin);
    for (const char *p = c->allow_origin; *p;) {
        p += strspn(p, " ");
        size_t len = strcspn(p, " ");
        if (len == n && memcmp(p, origin, n) == 0)
            return origin;
        p += len;
    }
    return NULL;
}

static void cors_check(eddy_req *r)
{
    const struct cors *c = eddy_req_app_slot(r, cors_slot);
    if (!c)
        return;
    if (!c->any_origin)
        eddy_response_header(r, "Vary", "Origin"); /* caches must key on it */
    const char *origin = allowed_origin(r, c);
    if (origin)
        eddy_response_set_header(r, "Access-Control-Allow-Origin", origin);
    bool preflight = eddy_method_is(r, "OPTIONS") &&
                     eddy_header(r, "Access-Control-Request-Method") != NULL;
    if (!preflight)
        return;
    if (origin) {
        eddy_response_set_header(r, "Access-Control-Allow-Methods", c->allow_methods);
        eddy_response_set_header(r, "Access-Control-Allow-Headers", c->allow_headers);
        eddy_response_set_header(r, "Access-Control-Max-Age", c->max_age);
    }
    /* An origin not on the list gets a plain 200 without the allow
     * headers: the browser then refuses the real request itself. */
    eddy_response_status(r, 200);
    eddy_finish(r);
}

static char *dup_default(const char *s, const char *def) { return strdup(s ? s : def); }

int eddy_app_set_cors(eddy_app *app, const eddy_cors_config *cfg)
{
    if (!cfg->allow_origin || !*cfg->allow_origin)
        return -1;
    struct cors *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->allow_origin = strdup(cfg->allow_origin);
    c->allow_methods = dup_default(cfg->allow_methods, "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    c->allow_headers = dup_default(cfg->allow_headers, "Content-Type");
    c->any_origin = strcmp(cfg->allow_origin, "*") == 0;
    snprintf(c->max_age, sizeof c->max_age, "%ld", cfg->max_age > 0 ? cfg->max_age : 0);
    if (!c->allow_origin || !c->allow_methods || !c->allow_headers ||
        eddy_app_set_slot(app, cors_slot, c, cors_free) < 0) {
        cors_free(c);
        return -1;
    }
    return eddy_app_add_check(app, cors_check);
}
