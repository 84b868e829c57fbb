/*
 * render - templates as responses; see render.h.
 *
 * The engine (template*.c) knows nothing of requests: a render gets the
 * request as its user pointer and a table of default names that read it.
 * A page renders straight into the response body, which is still only
 * buffered: module CSS and JS can be put in once all of the page is
 * known, and a failed render can take back what it wrote and become a
 * clean 500 rather than half a page.
 */
#include <eddy/web/render.h>

#include <eddy/base/log.h>
#include <eddy/base/url.h>
#include <eddy/web/auth.h>
#include <eddy/web/router.h>
#include <eddy/web/static.h>
#include <eddy/web/xsrf.h>

#include <stdlib.h>
#include <string.h>

/* text_arg - argument v as a string in the request's arena. */
static const char *text_arg(eddy_req *r, const json_t *v)
{
    if (json_is_string(v))
        return eddy_strdup(r, json_string_value(v));
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    const char *copy = s ? eddy_strdup(r, s) : NULL;
    free(s);
    return copy;
}

static json_t *reverse_url(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    eddy_req *r = eddy_template_user(t);
    if (argc < 1 || argc > 1 + EDDY_ROUTE_MAX_CAPTURES || !json_is_string(argv[0])) {
        eddy_template_fail(t, "takes a route name and up to %d arguments", EDDY_ROUTE_MAX_CAPTURES);
        return NULL;
    }
    const char *a[EDDY_ROUTE_MAX_CAPTURES + 1] = {NULL};
    for (size_t i = 1; i < argc; i++)
        if (!(a[i - 1] = text_arg(r, argv[i]))) {
            eddy_template_fail(t, "out of memory");
            return NULL;
        }
    const char *url = eddy_reverse_url(r, json_string_value(argv[0]), a[0], a[1], a[2], a[3], a[4],
                                       a[5], a[6], a[7], a[8], (const char *)NULL);
    if (!url) {
        eddy_template_fail(t, "no URL for route \"%s\" with %zu argument%s",
                           json_string_value(argv[0]), argc - 1, argc == 2 ? "" : "s");
        return NULL;
    }
    return json_string(url);
}

/* static_url - the versioned URL of the app's static files (static.h);
 * without them, "/static/" + path, each segment percent-encoded. */
static json_t *static_url(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (argc != 1 || !json_is_string(argv[0])) {
        eddy_template_fail(t, "takes a path");
        return NULL;
    }
    const char *p = json_string_value(argv[0]);
    eddy_req *r = eddy_template_user(t);
    if (eddy_app_static(eddy_req_app(r))) {
        const char *url = eddy_static_url(r, p);
        if (!url)
            eddy_template_fail(t, "out of memory");
        return url ? json_string(url) : NULL;
    }
    eddy_buf b = EDDY_BUF_INIT;
    int rc = eddy_buf_append_str(&b, "/static/");
    while (*p == '/')
        p++;
    if (rc == 0)
        rc = eddy_url_escape_to(&b, p, strlen(p), EDDY_URL_KEEP_SLASH);
    json_t *v = rc == 0 ? json_stringn(b.data, b.len) : NULL;
    eddy_buf_free(&b);
    if (!v)
        eddy_template_fail(t, "out of memory");
    return v;
}

static json_t *xsrf_form_html(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    (void)argv;
    if (argc) {
        eddy_template_fail(t, "takes no arguments");
        return NULL;
    }
    return json_string(eddy_xsrf_form_html(eddy_template_user(t)));
}

/* current_user - auth.h's user for the request (the one a guard loaded,
 * or the login cookie's), or null. */
static json_t *current_user(eddy_template_ctx *t)
{
    json_t *user = eddy_current_user(eddy_template_user(t));
    return user ? json_incref(user) : json_null();
}

static json_t *request_path(eddy_template_ctx *t)
{
    const char *p = eddy_path(eddy_template_user(t));
    return p ? json_string(p) : json_null();
}

static const eddy_template_def request_names[] = {
    {"reverse_url", reverse_url, NULL},       {"static_url", static_url, NULL},
    {"xsrf_form_html", xsrf_form_html, NULL}, {"current_user", NULL, current_user},
    {"request_path", NULL, request_path},     {NULL, NULL, NULL},
};

/* The app slot the loader is kept in (handler.h's extension API). */
static const char templates_slot[] = "eddy.templates";

int eddy_app_set_templates(eddy_app *app, eddy_template_loader *loader)
{
    return eddy_app_set_slot(app, templates_slot, loader, NULL);
}

eddy_template_loader *eddy_req_templates(const eddy_req *r)
{
    return eddy_req_app_slot(r, templates_slot);
}

int eddy_render_string(eddy_req *r, const char *name, json_t *ctx, eddy_buf *out)
{
    return eddy_render_rows_string(r, name, ctx, NULL, out);
}

int eddy_render_rows_string(eddy_req *r, const char *name, json_t *ctx,
                            const eddy_template_rows *rows, eddy_buf *out)
{
    eddy_template_loader *l = eddy_req_templates(r);
    int rc = -1;
    if (!l) {
        eddy_error("render \"%s\": the app has no templates (eddy_app_set_templates)", name);
    } else {
        eddy_template_env env = {.user = r, .defaults = request_names, .rows = rows};
        rc = eddy_template_render(l, name, ctx, &env, out);
        if (rc < 0)
            eddy_error("%s", eddy_template_loader_error(l));
    }
    json_decref(ctx);
    return rc;
}

int eddy_render(eddy_req *r, const char *name, json_t *ctx)
{
    return eddy_render_rows(r, name, ctx, NULL);
}

int eddy_render_rows(eddy_req *r, const char *name, json_t *ctx, const eddy_template_rows *rows)
{
    /* Straight into the response: no page-sized copy. A failure takes
     * back whatever part of the page it wrote. */
    eddy_buf *body = eddy_response_body(r);
    if (!body) {
        json_decref(ctx);
        return -1;
    }
    size_t start = body->len;
    int rc = eddy_render_rows_string(r, name, ctx, rows, body);
    if (rc == 0)
        return eddy_response_set_header(r, "Content-Type", "text/html; charset=UTF-8");
    eddy_buf_truncate(body, start);
    eddy_template_loader *l = eddy_req_templates(r);
    if (l && eddy_template_loader_debug(l)) {
        /* Debug mode shows why, as Tornado's debug page does. */
        eddy_buf msg = EDDY_BUF_INIT;
        const char *e = eddy_template_loader_error(l);
        eddy_xhtml_escape_to(&msg, e, strlen(e));
        eddy_response_status(r, 500);
        eddy_response_set_header(r, "Content-Type", "text/html; charset=UTF-8");
        eddy_writef(r,
                    "<html><title>500: Internal Server Error</title><body><pre>%s</pre></body>"
                    "</html>\n",
                    msg.data ? msg.data : "");
        eddy_buf_free(&msg);
        eddy_finish(r);
    } else {
        eddy_send_error(r, 500, NULL);
    }
    return rc;
}
