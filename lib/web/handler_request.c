/*
 * handler_request - what a handler reads from its request and the small
 * answers it gives: the path and its captures, query and form arguments,
 * headers, cookies, the JSON body, JSON out, redirects and reverse URLs
 * (see handler.h). Arguments, cookies and the JSON body are parsed on
 * first use and kept in the request's state, in its arena; the fields of
 * multipart and JSON bodies come from body.c.
 */
#include <eddy/web/handler.h>

#include "handler_internal.h"

#include <eddy/base/buf.h>
#include <eddy/base/escape.h>
#include <eddy/base/log.h>
#include <eddy/base/url.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ the request */

char *eddy_strdup(eddy_req *r, const char *s)
{
    return eddy_arena_strndup(eddy_request_arena(r), s, strlen(s));
}

void *eddy_alloc(eddy_req *r, size_t n) { return eddy_arena_alloc(eddy_request_arena(r), n); }

/* decode - percent-decode into the arena; NULL if malformed or out of memory. */
const char *eddy_handler_decode(eddy_req *r, eddy_str s, int plus_is_space)
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
    struct req_state *st = eddy_handler_state(r);
    if (st && st->path)
        return st->path;
    const char *p = eddy_handler_decode(r, eddy_request_path(r), 0);
    if (!p)
        p = eddy_arena_strndup(eddy_request_arena(r), eddy_request_path(r).p,
                               eddy_request_path(r).len);
    if (st)
        st->path = p;
    return p;
}

const char *eddy_path_arg(eddy_req *r, int i)
{
    struct req_state *st = eddy_handler_state(r);
    if (!st || i < 1 || (size_t)i > st->capture_count)
        return NULL;
    return st->path_args[i - 1];
}

long eddy_require_path_long(eddy_req *r, int i)
{
    const char *v = eddy_path_arg(r, i);
    if (!v) {
        eddy_send_error(r, 500, "the route has no such capture");
        return -1;
    }
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
        const char *k = eddy_handler_decode(r, name, 1), *v = eddy_handler_decode(r, value, 1);
        if (!k || !v)
            continue; /* a malformed pair is dropped, the others kept */
        out->items[out->count++] = (struct pair){k, v};
    }
}

static struct pairs *query_args(eddy_req *r)
{
    struct req_state *st = eddy_handler_state(r);
    if (!st->query.parsed)
        parse_pairs(r, eddy_request_query(r), &st->query);
    return &st->query;
}

static struct pairs *body_args(eddy_req *r)
{
    struct req_state *st = eddy_handler_state(r);
    if (!st->body.parsed) {
        st->body.parsed = 1;
        const eddy_str *type = eddy_request_header(r, "content-type");
        if (type && type->len >= 33 &&
            strncasecmp(type->p, "application/x-www-form-urlencoded", 33) == 0) {
            parse_pairs(r, eddy_request_body(r), &st->body);
        } else if (type) { /* multipart or JSON: body.c */
            eddy_body *b = eddy_req_body(r);
            size_t n = 0;
            const eddy_body_field *f = b ? eddy_body_fields(r, b, &n) : NULL;
            st->body.items = n ? eddy_alloc(r, n * sizeof *st->body.items) : NULL;
            for (size_t i = 0; st->body.items && i < n; i++)
                st->body.items[st->body.count++] = (struct pair){f[i].name, f[i].value};
        }
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
    struct req_state *st = eddy_handler_state(r);
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

json_t *eddy_require_json_body(eddy_req *r)
{
    struct req_state *st = eddy_handler_state(r);
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
    eddy_buf text = EDDY_BUF_INIT;
    int rc = eddy_json_compact_to(&text, value);
    json_decref(value);
    if (rc == 0) {
        eddy_response_set_header(r, "Content-Type", "application/json; charset=UTF-8");
        rc = eddy_write(r, text.data, text.len);
    }
    eddy_buf_free(&text);
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
    struct req_state *st = eddy_handler_state(r);
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
