/*
 * handler - the application: routes, slots, dispatch; see handler.h.
 *
 * The app is the server's request function: it matches the path against
 * the routes, keeps the handler and the decoded captures in a small
 * per-request state in the arena, and calls prepare, the method and
 * on_finish in the request's task. What a handler reads from its request
 * (arguments, cookies, the JSON body) is handler_request.c.
 */
#include <eddy/web/handler.h>

#include "handler_internal.h"

#include <eddy/base/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The app's body limits (eddy_app_set_body_limits), in a slot of the app. */
static const char BODY_LIMITS_SLOT[] = "eddy.body.limits";

/* ------------------------------------------------------------ the app */

eddy_app *eddy_app_new(void)
{
    eddy_app *app = calloc(1, sizeof *app);
    if (app && !(app->router = eddy_router_new())) {
        free(app);
        return NULL;
    }
    return app;
}

void eddy_app_free(eddy_app *app)
{
    if (!app)
        return;
    for (struct slot *sl = app->slots, *next; sl; sl = next) {
        next = sl->next;
        if (sl->free_fn && sl->value)
            sl->free_fn(sl->value);
        free(sl);
    }
    eddy_router_free(app->router);
    free(app);
}

int eddy_route(eddy_app *app, const char *pattern, const eddy_handler *h, const char *name)
{
    if (eddy_router_add(app->router, pattern, (void *)h, name) < 0) {
        snprintf(app->error, sizeof app->error, "%s", eddy_router_error(app->router));
        return -1;
    }
    return 0;
}

void eddy_app_error_writer(eddy_app *app,
                           void (*write_error)(eddy_req *r, int status, const char *reason))
{
    app->write_error = write_error;
}

void eddy_app_set_data(eddy_app *app, void *data) { app->data = data; }

const char *eddy_app_error(const eddy_app *app) { return app->error; }

int eddy_app_add_check(eddy_app *app, eddy_method_fn check)
{
    for (size_t i = 0; i < app->check_count; i++)
        if (app->checks[i] == check)
            return 0;
    if (app->check_count == EDDY_APP_MAX_CHECKS) {
        snprintf(app->error, sizeof app->error, "more than %d app-wide checks",
                 EDDY_APP_MAX_CHECKS);
        return -1;
    }
    app->checks[app->check_count++] = check;
    return 0;
}


/* ------------------------------------------------------------ extensions */

/* find_slot - the slot called name in a list; the whole list is tried
 * by pointer first, as modules pass the same constant each time (a
 * request looks its app's slots up dozens of times). */
static struct slot *find_slot(struct slot *list, const char *name)
{
    for (struct slot *sl = list; sl; sl = sl->next)
        if (sl->name == name)
            return sl;
    for (struct slot *sl = list; sl; sl = sl->next)
        if (strcmp(sl->name, name) == 0)
            return sl;
    return NULL;
}

/* replace_value - give a found slot its new value, freeing the old one. */
static void replace_value(struct slot *sl, void *value, eddy_slot_free_fn free_fn)
{
    if (sl->free_fn && sl->value && sl->value != value)
        sl->free_fn(sl->value);
    sl->value = value;
    sl->free_fn = free_fn;
}

int eddy_app_set_slot(eddy_app *app, const char *name, void *value, eddy_slot_free_fn free_fn)
{
    struct slot *sl = find_slot(app->slots, name);
    if (sl) {
        replace_value(sl, value, free_fn);
        return 0;
    }
    if (!(sl = malloc(sizeof *sl))) {
        snprintf(app->error, sizeof app->error, "slot %s: out of memory", name);
        return -1;
    }
    *sl = (struct slot){name, value, free_fn, app->slots};
    app->slots = sl;
    return 0;
}

void *eddy_app_slot(const eddy_app *app, const char *name)
{
    struct slot *sl = app ? find_slot(app->slots, name) : NULL;
    return sl ? sl->value : NULL;
}

void *eddy_req_app_slot(const eddy_req *r, const char *name)
{
    struct req_state *st = eddy_handler_state(r);
    return st ? eddy_app_slot(st->app, name) : NULL;
}

int eddy_req_set_slot(eddy_req *r, const char *name, void *value, eddy_slot_free_fn free_fn)
{
    struct req_state *st = eddy_handler_state(r);
    if (!st)
        return -1;
    struct slot *sl = find_slot(st->slots, name);
    if (sl) {
        replace_value(sl, value, free_fn);
        return 0;
    }
    if (!(sl = eddy_arena_alloc(eddy_request_arena(r), sizeof *sl)))
        return -1;
    *sl = (struct slot){name, value, free_fn, st->slots};
    st->slots = sl;
    return 0;
}

void *eddy_req_slot(const eddy_req *r, const char *name)
{
    struct req_state *st = eddy_handler_state(r);
    struct slot *sl = st ? find_slot(st->slots, name) : NULL;
    return sl ? sl->value : NULL;
}

/* release_state - what the request's framework state holds beyond its
 * arena: the parsed JSON body and the values of its slots. */
static void release_state(struct req_state *st)
{
    for (struct slot *sl = st->slots; sl; sl = sl->next)
        if (sl->free_fn && sl->value)
            sl->free_fn(sl->value);
    st->slots = NULL;
    if (st->form)
        eddy_body_release(st->form); /* spooled uploads are removed */
    st->form = NULL;
    if (st->json)
        json_decref(st->json);
    st->json = NULL;
}

void *eddy_req_app_data(const eddy_req *r)
{
    struct req_state *st = eddy_handler_state(r);
    return st ? st->app->data : NULL;
}

eddy_app *eddy_req_app(const eddy_req *r)
{
    struct req_state *st = eddy_handler_state(r);
    return st ? st->app : NULL;
}

const eddy_handler *eddy_req_handler(const eddy_req *r)
{
    struct req_state *st = eddy_handler_state(r);
    return st ? st->handler : NULL;
}

void eddy_app_error_page(eddy_req *r, int status, const char *reason, void *arg)
{
    struct req_state *st = eddy_handler_state(r);
    eddy_app *app = arg;
    if (st && st->handler && st->handler->write_error) {
        st->handler->write_error(r, status, reason);
    } else if (app && app->write_error) {
        app->write_error(r, status, reason);
    } else {
        eddy_default_error_page(r, status, reason);
    }
}

/* method_fn - the handler's function for the request's method, or NULL.
 * Methods are case-sensitive (RFC 9110 9.1): "get" is not GET, and is
 * answered 405 like any other method the handler lacks. */
static eddy_method_fn method_fn(const eddy_handler *h, eddy_str m)
{
    if (eddy_str_eq(m, "GET"))
        return h->get;
    if (eddy_str_eq(m, "HEAD"))
        return h->head ? h->head : h->get; /* the server drops the body */
    if (eddy_str_eq(m, "POST"))
        return h->post;
    if (eddy_str_eq(m, "PUT"))
        return h->put;
    if (eddy_str_eq(m, "PATCH"))
        return h->patch;
    if (eddy_str_eq(m, "DELETE"))
        return h->delete_;
    if (eddy_str_eq(m, "OPTIONS"))
        return h->options;
    return NULL;
}

/* allow_header - "GET, HEAD, POST" for a 405. */
static void allow_header(eddy_req *r, const eddy_handler *h)
{
    char allow[64] = "";
    const struct {
        int has;
        const char *name;
    } all[] = {{h->get != NULL, "GET"},     {h->get || h->head, "HEAD"}, {h->post != NULL, "POST"},
               {h->put != NULL, "PUT"},     {h->patch != NULL, "PATCH"},
               {h->delete_ != NULL, "DELETE"}, {h->options != NULL, "OPTIONS"}};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (!all[i].has)
            continue;
        if (*allow)
            strcat(allow, ", ");
        strcat(allow, all[i].name);
    }
    eddy_response_set_header(r, "Allow", allow);
}

/* route - the request's framework state, with its route matched; kept
 * in the request's data, as the server may ask before the request
 * function runs (stream_body below). NULL when memory runs out. */
static struct req_state *route(eddy_req *r, eddy_app *app)
{
    struct req_state *st = eddy_request_data(r);
    if (st)
        return st;
    if (!(st = eddy_arena_alloc(eddy_request_arena(r), sizeof *st)))
        return NULL;
    memset(st, 0, sizeof *st);
    st->app = app;
    eddy_request_set_data(r, st);
    eddy_str path = eddy_request_path(r);
    st->handler = eddy_router_match(app->router, path.p, path.len, st->captures,
                                    &st->capture_count);
    return st;
}

/* stream_body - the server's question when a body follows a head: stream
 * it to a handler that reads bodies itself, and a multipart form to the
 * framework's form reader (body.c), which spools large files to disk;
 * read every other body whole. */
static int stream_body(eddy_req *r, void *arg)
{
    struct req_state *st = route(r, arg);
    if (!st || !st->handler || !method_fn(st->handler, eddy_request_method(r)))
        return 0;
    return st->handler->stream_body || eddy_body_is_form(r);
}

eddy_body *eddy_req_body(eddy_req *r)
{
    struct req_state *st = eddy_handler_state(r);
    if (!st)
        return NULL;
    if (!st->form)
        st->form = eddy_body_new(r, eddy_app_slot(st->app, BODY_LIMITS_SLOT));
    return st->form;
}

const eddy_body_limits *eddy_app_body_limits(const eddy_app *app)
{
    return eddy_app_slot(app, BODY_LIMITS_SLOT);
}

int eddy_app_set_body_limits(eddy_app *app, const eddy_body_limits *l)
{
    eddy_body_limits *copy = malloc(sizeof *copy);
    if (!copy) {
        snprintf(app->error, sizeof app->error, "body limits: out of memory");
        return -1;
    }
    *copy = *l;
    if (eddy_app_set_slot(app, BODY_LIMITS_SLOT, copy, free) < 0) {
        free(copy);
        return -1;
    }
    return 0;
}

void eddy_app_request_fn(eddy_req *r, void *arg)
{
    eddy_app *app = arg;
    struct req_state *st = route(r, app);
    if (!st) {
        eddy_send_error(r, 503, "out of memory");
        return;
    }
    if (!st->handler) {
        eddy_send_error(r, 404, NULL);
        return;
    }
    /* Captures are decoded before the handler runs, as Tornado does, so a
     * handler never meets a path it cannot read. */
    for (size_t i = 0; i < st->capture_count; i++) {
        if (!(st->path_args[i] = eddy_handler_decode(r, st->captures[i], 0))) {
            eddy_send_error(r, 400, "malformed percent-encoding or an encoded NUL in the path");
            return;
        }
    }
    eddy_method_fn fn = method_fn(st->handler, eddy_request_method(r));
    /* A streamed multipart form is read before the checks and prepare, as
     * Tornado reads a body: the XSRF check finds its _xsrf field there,
     * and a handler its fields and files. Only when a method will run. */
    if (fn && eddy_request_streaming(r) && !st->handler->stream_body) {
        eddy_body *b = eddy_req_body(r);
        if (!b) {
            eddy_send_error(r, 503, "out of memory");
            release_state(st);
            return;
        }
        if (eddy_body_read_form(r, b) < 0) {
            release_state(st);
            return;
        }
    }
    /* App-wide checks (XSRF, CORS preflight, security headers) run for
     * every routed request, before a missing method is answered: a
     * preflight must be answered even where the handler has no OPTIONS. */
    for (size_t i = 0; i < app->check_count && !eddy_response_finished(r); i++)
        app->checks[i](r);
    if (eddy_response_finished(r)) {
        release_state(st);
        return;
    }
    if (!fn) { /* eddy_send_error keeps the Allow header set here */
        allow_header(r, st->handler);
        eddy_send_error(r, 405, NULL);
        release_state(st); /* a check may have filled a slot */
        return;
    }
    if (st->handler->prepare)
        st->handler->prepare(r);
    if (!eddy_response_finished(r))
        fn(r);
    if (!eddy_response_finished(r))
        eddy_finish(r);
    if (st->handler->on_finish)
        st->handler->on_finish(r);
    release_state(st);
}

eddy_server *eddy_app_listen(eddy_app *app, const eddy_server_config *cfg)
{
    eddy_server_config c;
    if (cfg)
        c = *cfg;
    else
        eddy_server_config_defaults(&c);
    c.extension_methods = 1; /* every method reaches a handler: 405 with Allow */
    eddy_server *s = eddy_server_new(&c, eddy_app_request_fn, app);
    if (!s) {
        eddy_error("cannot create the server: out of memory");
        return NULL;
    }
    eddy_server_set_error_writer(s, eddy_app_error_page, app);
    eddy_server_set_stream_body(s, stream_body, app);
    if (eddy_server_listen(s) < 0) {
        eddy_error("%s", eddy_server_error(s));
        eddy_server_free(s);
        return NULL;
    }
    return s;
}

int eddy_server_options(eddy_options *o, eddy_server_option_values *v)
{
    eddy_server_config d;
    eddy_server_config_defaults(&d);
    int rc = 0;
    rc |= eddy_options_group(o, "server");
    rc |= eddy_option_int(o, "port", &v->port, d.port, "port to listen on (0: any free port)");
    rc |= eddy_option_range(o, "port", 0, 65535);
    rc |= eddy_option_string(o, "address", &v->address, d.address, "address to listen on");
    rc |= eddy_option_int(o, "processes", &v->processes, 1,
                          "worker processes sharing the port (0: one per CPU)");
    rc |= eddy_option_range(o, "processes", 0, 256);
    rc |= eddy_option_bool(o, "access-log", &v->access_log, d.access_log != 0,
                           "log one line per request");
    rc |= eddy_option_bool(o, "gzip", &v->gzip, d.gzip != 0, "compress large text responses");
    rc |= eddy_option_int(o, "max-connections", &v->max_connections, d.max_connections,
                          "open connections at most; the rest wait in the backlog");
    rc |= eddy_option_range(o, "max-connections", 1, 1000000);
    rc |= eddy_option_int(o, "max-body", &v->max_body_bytes, (int64_t)d.max_body_bytes,
                          "largest request body in bytes (413 beyond)");
    rc |= eddy_option_range(o, "max-body", 0, (int64_t)1 << 40);
    rc |= eddy_option_duration(o, "idle-timeout", &v->idle_timeout_ms, d.idle_timeout_ms,
                               "close keep-alive connections idle this long");
    rc |= eddy_option_duration(o, "header-timeout", &v->header_timeout_ms, d.header_timeout_ms,
                               "time to send a request head (408 beyond)");
    rc |= eddy_option_duration(o, "body-timeout", &v->body_timeout_ms, d.body_timeout_ms,
                               "time to send a request body (408 beyond)");
    rc |= eddy_options_group(o, NULL);
    return rc ? -1 : 0;
}

void eddy_server_options_apply(const eddy_server_option_values *v, eddy_server_config *cfg)
{
    cfg->port = (int)v->port;
    cfg->address = v->address;
    cfg->access_log = v->access_log;
    cfg->gzip = v->gzip;
    cfg->max_connections = (int)v->max_connections;
    cfg->max_body_bytes = (size_t)v->max_body_bytes;
    cfg->idle_timeout_ms = (long)v->idle_timeout_ms;
    cfg->header_timeout_ms = (long)v->header_timeout_ms;
    cfg->body_timeout_ms = (long)v->body_timeout_ms;
    cfg->reuse_port = v->processes != 1;
}
