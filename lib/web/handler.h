/*
 * handler - the application: routes to handler tables, and the request
 * API a handler uses (Tornado's Application and RequestHandler).
 *
 * A handler is a table of functions for one URL pattern: one per HTTP
 * method, plus prepare (runs first; may answer on its own, e.g. redirect
 * to a login page) and on_finish (runs after). Each request runs in its
 * own task, so a handler may wait (eddy_sleep, a database query, an HTTP
 * fetch) and reads top to bottom:
 *
 *     static void topic_get(eddy_req *r)
 *     {
 *         long id = eddy_require_path_long(r, 1);
 *         if (id < 0)
 *             return;                  // 400 sent
 *         ...
 *         eddy_send_json(r, topic);
 *     }
 *     static const eddy_handler topic = {.get = topic_get};
 *     eddy_route(app, "/topic/([0-9]+)", &topic, "topic");
 *
 * No route: 404. A route without the method: 405 with an Allow header.
 * Strings the API hands out live in the request's arena (freed when the
 * request finishes); nothing needs freeing by the handler. Functions that
 * judge the client's input and answer it themselves (400 with the reason)
 * are named eddy_require_*: they return NULL/-1, and the handler only has
 * to return. Every other getter answers nothing.
 *
 * The response side is the server's (server.h): eddy_write, eddy_writef,
 * eddy_flush, eddy_finish, eddy_response_status, eddy_response_header.
 */
#ifndef EDDY_HANDLER_H
#define EDDY_HANDLER_H

#include <eddy/web/options.h>
#include <eddy/http/server.h>

#include <jansson.h>
#include <stdbool.h>

typedef struct eddy_app eddy_app;

typedef void (*eddy_method_fn)(eddy_req *r);

typedef struct eddy_handler {
    eddy_method_fn get, head, post, put, patch, delete_, options;
    eddy_method_fn prepare;   /* before the method; finishing the response skips it */
    eddy_method_fn on_finish; /* after the response is done */
    /* write_error - this handler's error page (status already set). */
    void (*write_error)(eddy_req *r, int status, const char *reason);
    /* stream_body - the methods read the request body themselves, piece by
     * piece as it arrives, with eddy_request_read_body (server.h; Tornado's
     * stream_request_body). Otherwise a multipart form is read by the
     * framework (body.h) and any other body whole, before prepare. */
    bool stream_body;
} eddy_handler;

/* ------------------------------------------------------------ the app */

eddy_app *eddy_app_new(void);
void eddy_app_free(eddy_app *app);

/* eddy_route - add a route (first match wins); name may be NULL. 0, or -1
 * with eddy_app_error() (bad pattern, name used twice). */
int eddy_route(eddy_app *app, const char *pattern, const eddy_handler *h, const char *name);

/* eddy_app_error_writer - the error page for every handler without its own. */
void eddy_app_error_writer(eddy_app *app,
                           void (*write_error)(eddy_req *r, int status, const char *reason));

/* eddy_app_set_data / eddy_app_data - the application's own state, reachable
 * from every request through eddy_req_app_data. */
void eddy_app_set_data(eddy_app *app, void *data);
void *eddy_req_app_data(const eddy_req *r);

const char *eddy_app_error(const eddy_app *app);

/* eddy_app_add_check - run check on every request that matched a route,
 * in the order added, before its method is looked up and before prepare:
 * how modules enforce something app-wide (XSRF tokens, CORS preflight,
 * security headers). A check that finishes the response ends the request
 * there. Adding the same check twice adds it once. 0, or -1 with
 * eddy_app_error() past EDDY_APP_MAX_CHECKS. */
#define EDDY_APP_MAX_CHECKS 8
int eddy_app_add_check(eddy_app *app, eddy_method_fn check);

/* ------------------------------------------------------------ extensions
 *
 * A module that keeps state on the app (the template loader, static
 * files; later the database pool, sessions, the pub/sub hub, the HTTP
 * client) or on one request (the current user, a database connection
 * held for a transaction) keeps it in a named slot instead of a field of
 * its own or a global registry. Name slots after the module
 * ("eddy.templates", "forum.user"); pass the same constant string each
 * time: it is not copied, and is compared by pointer before by content. */

typedef void (*eddy_slot_free_fn)(void *value);

/* eddy_app_set_slot - store value under name (replacing, and freeing
 * with its free_fn, what was there). free_fn (may be NULL: the app does
 * not own value) runs when the app is freed, newest slot first. Set slots
 * before serving: they are not locked. 0, or -1 with eddy_app_error(). */
int eddy_app_set_slot(eddy_app *app, const char *name, void *value, eddy_slot_free_fn free_fn);

/* eddy_app_slot - the value under name, or NULL. */
void *eddy_app_slot(const eddy_app *app, const char *name);

/* eddy_req_app_slot - the same for the app serving r. */
void *eddy_req_app_slot(const eddy_req *r, const char *name);

/* eddy_req_set_slot / eddy_req_slot - a value for this request only;
 * free_fn (may be NULL) runs when the request ends, after on_finish. 0, or
 * -1 when memory runs out or r is not served by an app. */
int eddy_req_set_slot(eddy_req *r, const char *name, void *value, eddy_slot_free_fn free_fn);
void *eddy_req_slot(const eddy_req *r, const char *name);

/* eddy_req_app - the app serving r; eddy_req_handler - the handler table
 * its route matched (NULL before routing). A module whose handler table
 * sits inside a larger struct (static files) finds its own state this way. */
eddy_app *eddy_req_app(const eddy_req *r);
const eddy_handler *eddy_req_handler(const eddy_req *r);

/* eddy_app_request_fn - the server callback: pass it with the app as arg
 * to eddy_server_new, or let eddy_app_listen do it. */
void eddy_app_request_fn(eddy_req *r, void *app);

/* eddy_app_listen - a server for the app with cfg (NULL: defaults),
 * listening; NULL with a logged error. */
eddy_server *eddy_app_listen(eddy_app *app, const eddy_server_config *cfg);

/* eddy_app_error_page - the server's error writer for an app (what
 * eddy_app_listen installs): the handler's write_error, else the app's,
 * else the server's default page. */
void eddy_app_error_page(eddy_req *r, int status, const char *reason, void *app);

/* The standard server options (--port, --address, --processes,
 * --access-log, limits and timeouts): define them, parse, then apply. */
typedef struct eddy_server_option_values {
    int64_t port, processes, max_connections, max_body_bytes;
    int64_t idle_timeout_ms, header_timeout_ms, body_timeout_ms;
    const char *address;
    bool access_log, gzip;
} eddy_server_option_values;

int eddy_server_options(eddy_options *opts, eddy_server_option_values *v);
void eddy_server_options_apply(const eddy_server_option_values *v, eddy_server_config *cfg);

/* ------------------------------------------------------------ the request */

/* eddy_path_arg - capture i (1-based) of the route, percent-decoded, or
 * NULL if the route has no such capture. (A path whose captures do not
 * decode, or hold an encoded NUL, is answered 400 before the handler
 * runs.) */
const char *eddy_path_arg(eddy_req *r, int i);

/* eddy_require_path_long - capture i as a number >= 0; -1 after answering
 * 400 when it is not one. */
long eddy_require_path_long(eddy_req *r, int i);

/* eddy_path - the request path, percent-decoded. */
const char *eddy_path(eddy_req *r);

/* eddy_method_is - the method equals m ("GET", ...), case and all. */
bool eddy_method_is(const eddy_req *r, const char *m);

/* Arguments, as in Tornado: from the query string and from the body:
 * a urlencoded form, the text fields of a multipart form, or the members
 * of a JSON object (body.h says how JSON values read). The _query_ and
 * _body_ forms look in one place only. Returns def when missing. Files
 * sent with a form: eddy_get_upload (body.h). */
const char *eddy_get_argument(eddy_req *r, const char *name, const char *def);
const char *eddy_get_query_argument(eddy_req *r, const char *name, const char *def);
const char *eddy_get_body_argument(eddy_req *r, const char *name, const char *def);

/* eddy_get_arguments - every value of name (query then body), NULL-ended
 * array in the arena; *count gets the number. */
const char **eddy_get_arguments(eddy_req *r, const char *name, size_t *count);

/* eddy_require_argument - the argument, or NULL after answering 400
 * "Missing argument name" (Tornado's MissingArgumentError). */
const char *eddy_require_argument(eddy_req *r, const char *name);

/* eddy_header - a request header, NUL-terminated, or NULL. */
const char *eddy_header(eddy_req *r, const char *name);

/* eddy_get_cookie - a cookie sent by the client, or def. */
const char *eddy_get_cookie(eddy_req *r, const char *name, const char *def);

typedef struct eddy_cookie_options {
    const char *path;      /* default "/" */
    const char *domain;    /* default none */
    long max_age;          /* seconds; 0 = a session cookie; < 0 = delete now */
    bool http_only;
    bool secure;
    const char *same_site; /* "Lax", "Strict", "None" or NULL */
} eddy_cookie_options;

/* eddy_set_cookie - add a Set-Cookie header. -1 if name or value hold
 * characters a cookie may not carry (the value is not escaped for you). */
int eddy_set_cookie(eddy_req *r, const char *name, const char *value,
                    const eddy_cookie_options *opts);
int eddy_clear_cookie(eddy_req *r, const char *name, const char *path);

/* eddy_require_json_body - the body parsed as JSON, owned by the request
 * (do not decref); NULL after answering 400 with the parse error. */
json_t *eddy_require_json_body(eddy_req *r);

/* eddy_send_json - write value (and set Content-Type: application/json);
 * steals the reference. */
int eddy_send_json(eddy_req *r, json_t *value);

/* eddy_redirect - 302 (or 301 when permanent) to url, and finish. */
void eddy_redirect(eddy_req *r, const char *url, bool permanent);

/* eddy_reverse_url - the URL of a named route with args filling its
 * groups (NULL-terminated list), in the arena; NULL if it cannot be built. */
const char *eddy_reverse_url(eddy_req *r, const char *name, ...);

/* eddy_strdup / eddy_alloc - memory in the request's arena. */
char *eddy_strdup(eddy_req *r, const char *s);
void *eddy_alloc(eddy_req *r, size_t n);

#endif
