/*
 * render - templates as responses (Tornado's RequestHandler.render).
 *
 * The app keeps one template loader (eddy_app_set_templates); a handler
 * renders a page with a context object and the page is the response:
 *
 *     eddy_template_loader *tl = eddy_template_loader_new("templates", debug);
 *     eddy_app_set_templates(app, tl);
 *     ...
 *     static void topic_get(eddy_req *r)
 *     {
 *         eddy_render(r, "topic.html", json_pack("{s:s}", "title", "Hello"));
 *     }
 *
 * Besides the context, a template rendered this way sees the names bound
 * to the request, each a default the app may replace by registering the
 * same name on the loader (the helper or global gets the request from
 * eddy_template_user()):
 *
 *     reverse_url(name, args...)  the app's named route (eddy_reverse_url)
 *     static_url(path)            the app's static files' versioned URL
 *                                 (eddy_static_url), else "/static/" + path
 *     xsrf_form_html()            the hidden _xsrf field (xsrf.h), or "" when
 *                                 the app does not use XSRF protection
 *     current_user                the request's user (auth.h), or null
 *     request_path                the request's path, decoded
 */
#ifndef EDDY_RENDER_H
#define EDDY_RENDER_H

#include <eddy/base/buf.h>
#include <eddy/web/handler.h>
#include <eddy/web/template.h>

#include <jansson.h>

/* eddy_app_set_templates - the template loader eddy_render uses for the
 * app's requests, kept in the app's "eddy.templates" slot. The app does
 * not own it: free the loader after the app. 0, or -1 (out of memory). */
int eddy_app_set_templates(eddy_app *app, eddy_template_loader *loader);

/* eddy_req_templates - the loader of the app serving r, or NULL. */
eddy_template_loader *eddy_req_templates(const eddy_req *r);

/* eddy_render - render template name with ctx (stolen; NULL for none) as
 * the response body, Content-Type text/html. On failure: the error is
 * logged and the client gets 500 (in debug mode, with the message); -1. */
int eddy_render(eddy_req *r, const char *name, json_t *ctx);

/* eddy_render_string - the same page appended to out instead (ctx stolen);
 * 0, or -1 with the error logged and nothing sent. */
int eddy_render_string(eddy_req *r, const char *name, json_t *ctx, eddy_buf *out);

/* eddy_render_rows, eddy_render_rows_string - the same, with database
 * rows besides ctx, each under its name (template.h's
 * eddy_template_rows; the list ends with {NULL}, may be NULL): a loop
 * over them reads the result itself instead of JSON made from it.
 *
 *     eddy_render_rows(r, "board.html", ctx,
 *                      (eddy_template_rows[]){{"messages", res}, {NULL, NULL}});
 *     eddy_db_result_free(res); // after the render: the page is written
 */
int eddy_render_rows(eddy_req *r, const char *name, json_t *ctx, const eddy_template_rows *rows);
int eddy_render_rows_string(eddy_req *r, const char *name, json_t *ctx,
                            const eddy_template_rows *rows, eddy_buf *out);

#endif
