/*
 * handler - the application and the request API; see handler.h.
 *
 * The app is the server's request function: it matches the path against
 * the routes, keeps the handler and captures in a small per-request state
 * in the arena, and calls prepare, the method and on_finish in the
 * request's task. Arguments, cookies and the JSON body are parsed on
 * first use and kept in that state.
 */
#include <eddy/web/handler.h>

#include <eddy/base/log.h>
#include <eddy/base/url.h>
#include <eddy/web/router.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A module's state on the app or on one request (see eddy_app_set_slot). */
struct slot {
    const char *name;
    void *value;
    eddy_slot_free_fn free_fn;
    struct slot *next;
};

struct eddy_app {
    eddy_router *router;
    void (*write_error)(eddy_req *r, int status, const char *reason);
    void *data;
    struct slot *slots; /* newest first, so they are freed in reverse order */
    char error[256];
};

struct pair {
    const char *name, *value;
};

struct pairs {
    struct pair *items;
    size_t count;
    int parsed;
};

struct req_state {
    eddy_app *app;
    const eddy_handler *handler;
    eddy_str captures[EDDY_ROUTE_MAX_CAPTURES];
    size_t capture_count;
    struct pairs query, body, cookies;
    json_t *json;
    int json_parsed;
    const char *path;
    struct slot *slots; /* in the arena; values freed when the request ends */
};

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

static struct req_state *state(const eddy_req *r) { return eddy_request_data(r); }

/* ------------------------------------------------------------ extensions */

/* find_slot - the slot called name in a list; names are compared by
 * pointer first, as modules pass the same constant each time. */
static struct slot *find_slot(struct slot *list, const char *name)
{
    for (struct slot *sl = list; sl; sl = sl->next)
        if (sl->name == name || strcmp(sl->name, name) == 0)
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
    struct req_state *st = state(r);
    return st ? eddy_app_slot(st->app, name) : NULL;
}

int eddy_req_set_slot(eddy_req *r, const char *name, void *value, eddy_slot_free_fn free_fn)
{
    struct req_state *st = state(r);
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
    struct req_state *st = state(r);
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
    if (st->json)
        json_decref(st->json);
    st->json = NULL;
}

void *eddy_req_app_data(const eddy_req *r)
{
    struct req_state *st = state(r);
    return st ? st->app->data : NULL;
}

eddy_app *eddy_req_app(const eddy_req *r)
{
    struct req_state *st = state(r);
    return st ? st->app : NULL;
}

const eddy_handler *eddy_req_handler(const eddy_req *r)
{
    struct req_state *st = state(r);
    return st ? st->handler : NULL;
}

void eddy_app_error_page(eddy_request *r, int status, const char *reason, void *arg)
{
    struct req_state *st = state(r);
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

void eddy_app_request_fn(eddy_request *r, void *arg)
{
    eddy_app *app = arg;
    struct req_state *st = eddy_arena_alloc(eddy_request_arena(r), sizeof *st);
    if (!st) {
        eddy_send_error(r, 503, "out of memory");
        return;
    }
    memset(st, 0, sizeof *st);
    st->app = app;
    eddy_request_set_data(r, st);

    eddy_str path = eddy_request_path(r);
    st->handler = eddy_router_match(app->router, path.p, path.len, st->captures,
                                    &st->capture_count);
    if (!st->handler) {
        eddy_send_error(r, 404, NULL);
        return;
    }
    eddy_method_fn fn = method_fn(st->handler, eddy_request_method(r));
    if (!fn) { /* eddy_send_error keeps the Allow header set here */
        allow_header(r, st->handler);
        eddy_send_error(r, 405, NULL);
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

/* ------------------------------------------------------------ the request */

char *eddy_strdup(eddy_req *r, const char *s)
{
    return eddy_arena_strndup(eddy_request_arena(r), s, strlen(s));
}

void *eddy_alloc(eddy_req *r, size_t n) { return eddy_arena_alloc(eddy_request_arena(r), n); }

/* decode - percent-decode into the arena; NULL if malformed or out of memory. */
static const char *decode(eddy_req *r, eddy_str s, int plus_is_space)
{
    char *out = eddy_alloc(r, s.len + 1);
    if (!out)
        return NULL;
    ssize_t n = eddy_url_decode(s.p, s.len, out, plus_is_space, 0);
    if (n < 0)
        return NULL;
    out[n] = '\0';
    return out;
}

bool eddy_method_is(const eddy_req *r, const char *m)
{
    return eddy_str_eq(eddy_request_method(r), m); /* methods are case-sensitive */
}

const char *eddy_path(eddy_req *r)
{
    struct req_state *st = state(r);
    if (st && st->path)
        return st->path;
    const char *p = decode(r, eddy_request_path(r), 0);
    if (!p)
        p = eddy_arena_strndup(eddy_request_arena(r), eddy_request_path(r).p,
                               eddy_request_path(r).len);
    if (st)
        st->path = p;
    return p;
}

const char *eddy_path_arg(eddy_req *r, int i)
{
    struct req_state *st = state(r);
    if (!st || i < 1 || (size_t)i > st->capture_count)
        return NULL;
    const char *v = decode(r, st->captures[i - 1], 0);
    if (!v)
        eddy_send_error(r, 400, "malformed percent-encoding in the path");
    return v;
}

long eddy_path_long(eddy_req *r, int i)
{
    const char *v = eddy_path_arg(r, i);
    if (!v)
        return -1;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < 0) {
        eddy_send_error(r, 400, "expected a number in the path");
        return -1;
    }
    return n;
}

/* parse_pairs - decode "a=1&b=2" into the arena. */
static void parse_pairs(eddy_req *r, eddy_str text, struct pairs *out)
{
    out->parsed = 1;
    size_t n = 0;
    eddy_str cur = text, name, value;
    while (eddy_urlencoded_next(&cur, &name, &value))
        n++;
    out->items = n ? eddy_alloc(r, n * sizeof *out->items) : NULL;
    if (!out->items)
        return;
    cur = text;
    while (eddy_urlencoded_next(&cur, &name, &value)) {
        const char *k = decode(r, name, 1), *v = decode(r, value, 1);
        if (!k || !v)
            continue; /* a malformed pair is dropped, the others kept */
        out->items[out->count++] = (struct pair){k, v};
    }
}

static struct pairs *query_args(eddy_req *r)
{
    struct req_state *st = state(r);
    if (!st->query.parsed)
        parse_pairs(r, eddy_request_query(r), &st->query);
    return &st->query;
}

static struct pairs *body_args(eddy_req *r)
{
    struct req_state *st = state(r);
    if (!st->body.parsed) {
        st->body.parsed = 1;
        const eddy_str *type = eddy_request_header(r, "content-type");
        if (type && type->len >= 33 &&
            strncasecmp(type->p, "application/x-www-form-urlencoded", 33) == 0)
            parse_pairs(r, eddy_request_body(r), &st->body);
    }
    return &st->body;
}

static const char *first(const struct pairs *p, const char *name)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->items[i].name, name) == 0)
            return p->items[i].value;
    return NULL;
}

const char *eddy_get_query_argument(eddy_req *r, const char *name, const char *def)
{
    const char *v = first(query_args(r), name);
    return v ? v : def;
}

const char *eddy_get_body_argument(eddy_req *r, const char *name, const char *def)
{
    const char *v = first(body_args(r), name);
    return v ? v : def;
}

const char *eddy_get_argument(eddy_req *r, const char *name, const char *def)
{
    const char *v = first(query_args(r), name);
    if (!v)
        v = first(body_args(r), name);
    return v ? v : def;
}

const char **eddy_get_arguments(eddy_req *r, const char *name, size_t *count)
{
    struct pairs *q = query_args(r), *b = body_args(r);
    const char **out = eddy_alloc(r, (q->count + b->count + 1) * sizeof *out);
    size_t n = 0;
    if (out) {
        for (size_t i = 0; i < q->count; i++)
            if (strcmp(q->items[i].name, name) == 0)
                out[n++] = q->items[i].value;
        for (size_t i = 0; i < b->count; i++)
            if (strcmp(b->items[i].name, name) == 0)
                out[n++] = b->items[i].value;
        out[n] = NULL;
    }
    if (count)
        *count = n;
    return out;
}

const char *eddy_require_argument(eddy_req *r, const char *name)
{
    const char *v = eddy_get_argument(r, name, NULL);
    if (!v) {
        char reason[160];
        snprintf(reason, sizeof reason, "Missing argument %.100s", name);
        eddy_send_error(r, 400, reason);
    }
    return v;
}

const char *eddy_header(eddy_req *r, const char *name)
{
    const eddy_str *v = eddy_request_header(r, name);
    return v ? eddy_arena_strndup(eddy_request_arena(r), v->p, v->len) : NULL;
}

/* ------------------------------------------------------------ cookies */

static void parse_cookies(eddy_req *r, struct pairs *out)
{
    out->parsed = 1;
    const eddy_http_message *head = eddy_request_head(r);
    size_t n = 0;
    for (size_t i = 0; i < head->header_count; i++)
        if (eddy_str_case_eq(head->headers[i].name, "cookie"))
            for (size_t k = 0; k < head->headers[i].value.len; k++)
                n += head->headers[i].value.p[k] == ';';
    out->items = eddy_alloc(r, (n + 8) * sizeof *out->items);
    if (!out->items)
        return;
    size_t cap = n + 8;
    for (size_t i = 0; i < head->header_count; i++) {
        if (!eddy_str_case_eq(head->headers[i].name, "cookie"))
            continue;
        const char *p = head->headers[i].value.p, *end = p + head->headers[i].value.len;
        while (p < end && out->count < cap) {
            const char *semi = memchr(p, ';', (size_t)(end - p));
            const char *stop = semi ? semi : end;
            while (p < stop && (*p == ' ' || *p == '\t'))
                p++;
            const char *eq = memchr(p, '=', (size_t)(stop - p));
            if (eq && eq > p) {
                const char *v = eq + 1, *ve = stop;
                while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                    ve--;
                if (ve - v >= 2 && *v == '"' && ve[-1] == '"')
                    v++, ve--;
                const char *ne = eq;
                while (ne > p && (ne[-1] == ' ' || ne[-1] == '\t'))
                    ne--;
                out->items[out->count++] = (struct pair){
                    eddy_arena_strndup(eddy_request_arena(r), p, (size_t)(ne - p)),
                    eddy_arena_strndup(eddy_request_arena(r), v, (size_t)(ve - v))};
            }
            p = semi ? semi + 1 : end;
        }
    }
}

const char *eddy_get_cookie(eddy_req *r, const char *name, const char *def)
{
    struct req_state *st = state(r);
    if (!st->cookies.parsed)
        parse_cookies(r, &st->cookies);
    const char *v = first(&st->cookies, name);
    return v ? v : def;
}

static int cookie_token(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c >= 0x7f || strchr("()<>@,;:\\\"/[]?={}", c))
            return 0;
    }
    return 1;
}

static int cookie_value(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\')
            return 0;
    }
    return 1;
}

int eddy_set_cookie(eddy_req *r, const char *name, const char *value,
                    const eddy_cookie_options *o)
{
    static const eddy_cookie_options defaults = {.path = "/"};
    if (!o)
        o = &defaults;
    if (!cookie_token(name) || !cookie_value(value) || (o->path && !cookie_value(o->path)) ||
        (o->domain && !cookie_value(o->domain)))
        return -1;
    eddy_buf b = EDDY_BUF_INIT;
    eddy_buf_printf(&b, "%s=%s; Path=%s", name, value, o->path ? o->path : "/");
    if (o->domain)
        eddy_buf_printf(&b, "; Domain=%s", o->domain);
    if (o->max_age > 0)
        eddy_buf_printf(&b, "; Max-Age=%ld", o->max_age);
    else if (o->max_age < 0)
        eddy_buf_append_str(&b, "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
    if (o->http_only)
        eddy_buf_append_str(&b, "; HttpOnly");
    if (o->secure)
        eddy_buf_append_str(&b, "; Secure");
    if (o->same_site)
        eddy_buf_printf(&b, "; SameSite=%s", o->same_site);
    int rc = b.data ? eddy_response_header(r, "Set-Cookie", b.data) : -1;
    eddy_buf_free(&b);
    return rc;
}

int eddy_clear_cookie(eddy_req *r, const char *name, const char *path)
{
    eddy_cookie_options o = {.path = path ? path : "/", .max_age = -1};
    return eddy_set_cookie(r, name, "", &o);
}

/* ------------------------------------------------------------ JSON */

json_t *eddy_json_body(eddy_req *r)
{
    struct req_state *st = state(r);
    if (st->json_parsed)
        return st->json;
    st->json_parsed = 1;
    eddy_str body = eddy_request_body(r);
    json_error_t err;
    st->json = json_loadb(body.p, body.len, JSON_REJECT_DUPLICATES, &err);
    if (!st->json) {
        char reason[256];
        snprintf(reason, sizeof reason, "invalid JSON body: %s (line %d, column %d)", err.text,
                 err.line, err.column);
        eddy_send_error(r, 400, reason);
    }
    return st->json;
}

int eddy_send_json(eddy_req *r, json_t *value)
{
    if (!value)
        return -1;
    char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(value);
    if (!text)
        return -1;
    eddy_response_set_header(r, "Content-Type", "application/json; charset=UTF-8");
    int rc = eddy_write_str(r, text);
    free(text);
    return rc;
}

/* ------------------------------------------------------------ redirects, URLs */

void eddy_redirect(eddy_req *r, const char *url, bool permanent)
{
    if (eddy_response_status(r, permanent ? 301 : 302) < 0 ||
        eddy_response_set_header(r, "Location", url) < 0) {
        eddy_send_error(r, 500, "cannot redirect");
        return;
    }
    eddy_finish(r);
}

const char *eddy_reverse_url(eddy_req *r, const char *name, ...)
{
    struct req_state *st = state(r);
    const char *args[EDDY_ROUTE_MAX_CAPTURES];
    size_t n = 0;
    va_list ap;
    va_start(ap, name);
    const char *a;
    while ((a = va_arg(ap, const char *)) && n < EDDY_ROUTE_MAX_CAPTURES)
        args[n++] = a;
    va_end(ap);
    eddy_buf out = EDDY_BUF_INIT;
    const char *url = NULL;
    if (eddy_router_reverse(st->app->router, name, args, n, &out) == 0 && out.data)
        url = eddy_arena_strndup(eddy_request_arena(r), out.data, out.len);
    else
        eddy_error("reverse_url(\"%s\"): %s", name, eddy_router_error(st->app->router));
    eddy_buf_free(&out);
    return url;
}
