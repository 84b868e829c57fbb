/*
 * client_request - what a fetch is made of: the request copied from the
 * caller, the URL it is aimed at now, and the head it writes.
 *
 * The caller's eddy_http_request may live on a stack that is gone by the
 * time a redirect is followed or a stale connection is retried, so a
 * fetch copies everything: method, headers, the body in whichever form it
 * came (bytes, form fields urlencoded, a JSON value serialised), and the
 * options with their defaults filled in. A header line with a CR or LF in
 * it is refused: it would be a second header the caller did not write.
 */
#include "client_internal.h"

#include <eddy/base/url.h>

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    DEFAULT_TIMEOUT_MS = 20000, /* Tornado's connect_timeout and request_timeout */
    DEFAULT_MAX_REDIRECTS = 5,
};
#define DEFAULT_MAX_BODY (100ull * 1024 * 1024)

/* client_call_set_target - aim call at url: parse it, and note the host, port and the
 * key of its connection pool. NULL, or why it cannot be fetched. */
const char *client_call_set_target(eddy_http_call *call, const char *url)
{
    free(call->url);
    free(call->host);
    free(call->host_key);
    call->host = call->host_key = NULL;
    if (!(call->url = strdup(url)))
        return "out of memory";
    eddy_url *u = &call->parts;
    if (eddy_url_parse(call->url, strlen(call->url), u) < 0)
        return "malformed URL";
    if (eddy_str_case_eq(u->scheme, "https"))
        call->https = 1;
    else if (eddy_str_case_eq(u->scheme, "http"))
        call->https = 0;
    else
        return u->scheme.p ? "unsupported URL scheme (http and https only)"
                           : "not an absolute URL (http://host/...)";
    if (!u->host.p || u->host.len == 0)
        return "URL without a host";
    int port = u->port_number >= 0 ? u->port_number : (call->https ? 443 : 80);
    if (port == 0)
        return "URL with port 0";
    snprintf(call->port, sizeof call->port, "%d", port);
    call->host = strndup(u->host.p, u->host.len);
    if (!call->host)
        return "out of memory";
    for (char *p = call->host; *p; p++)
        *p = (char)eddy_ascii_lower((unsigned char)*p);
    size_t n = strlen(call->host) + 24;
    if (!(call->host_key = malloc(n)))
        return "out of memory";
    snprintf(call->host_key, n, "%s://%s%s%s:%d", call->https ? "https" : "http",
             u->host_is_ipv6 ? "[" : "", call->host, u->host_is_ipv6 ? "]" : "", port);
    return NULL;
}

/* client_call_remember_url - add url (normalised) to the fetch's chain; 1 if it was
 * there already (a loop), 0, or -1 on ENOMEM. */
int client_call_remember_url(eddy_http_call *call, const char *url)
{
    eddy_buf n = EDDY_BUF_INIT;
    if (eddy_url_normalize(url, strlen(url), &n) < 0 || !n.data) {
        eddy_buf_free(&n);
        return -1;
    }
    for (int i = 0; i <= call->redirects && call->visited && call->visited[i]; i++) {
        if (strcmp(call->visited[i], n.data) == 0) {
            eddy_buf_free(&n);
            return 1;
        }
    }
    char **v = realloc(call->visited, (size_t)(call->redirects + 2) * sizeof *v);
    if (!v) {
        eddy_buf_free(&n);
        return -1;
    }
    call->visited = v;
    v[call->redirects] = eddy_buf_detach(&n, NULL);
    v[call->redirects + 1] = NULL;
    return 0;
}

int client_method_idempotent(const char *m)
{
    static const char *const safe[] = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"};
    for (size_t i = 0; i < sizeof safe / sizeof *safe; i++)
        if (strcmp(m, safe[i]) == 0)
            return 1;
    return 0;
}

/* has_header - the caller gave a header called name. */
static int has_header(const eddy_http_call *call, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < call->header_count; i++)
        if (strncasecmp(call->headers[i], name, n) == 0 && call->headers[i][n] == ':')
            return 1;
    return 0;
}

/* client_call_write_head - the request head into out. */
int client_call_write_head(eddy_http_call *call, eddy_buf *out)
{
    const eddy_url *u = &call->parts;
    int rc = eddy_buf_printf(out, "%s ", call->method);
    rc |= u->path.len ? eddy_buf_append(out, u->path.p, u->path.len) : eddy_buf_append_char(out, '/');
    if (u->query.p)
        rc |= eddy_buf_append_char(out, '?') | eddy_buf_append(out, u->query.p, u->query.len);
    int port = atoi(call->port);
    int default_port = port == (call->https ? 443 : 80);
    rc |= eddy_buf_printf(out, " HTTP/1.1\r\nHost: %s%s%s", u->host_is_ipv6 ? "[" : "", call->host,
                          u->host_is_ipv6 ? "]" : "");
    if (!default_port)
        rc |= eddy_buf_printf(out, ":%d", port);
    rc |= eddy_buf_append_str(out, "\r\n");
    if (call->client->user_agent[0] && !has_header(call, "user-agent"))
        rc |= eddy_buf_printf(out, "User-Agent: %s\r\n", call->client->user_agent);
    if (call->decompress && !has_header(call, "accept-encoding"))
        rc |= eddy_buf_append_str(out, "Accept-Encoding: gzip\r\n");
    int same_origin = strcmp(call->host_key, call->origin_key) == 0;
    for (size_t i = 0; i < call->header_count; i++) {
        const char *h = call->headers[i];
        /* Credentials are for the host they were given for, not for
         * wherever a redirect points. */
        if (!same_origin && (strncasecmp(h, "authorization:", 14) == 0 ||
                             strncasecmp(h, "cookie:", 7) == 0))
            continue;
        rc |= eddy_buf_printf(out, "%s\r\n", h);
    }
    if (call->body) {
        if (!has_header(call, "content-type"))
            rc |= eddy_buf_printf(out, "Content-Type: %s\r\n", call->content_type);
        rc |= eddy_buf_printf(out, "Content-Length: %zu\r\n", call->body_len);
    } else if (!strcmp(call->method, "POST") || !strcmp(call->method, "PUT") ||
               !strcmp(call->method, "PATCH")) {
        rc |= eddy_buf_append_str(out, "Content-Length: 0\r\n");
    }
    rc |= eddy_buf_append_str(out, "\r\n");
    return rc;
}

/* copy_body - the request's body in whichever form it was given. */
static const char *copy_body(eddy_http_call *call, const eddy_http_request *req)
{
    const char *type = req->content_type ? req->content_type : "application/octet-stream";
    if (req->form) {
        eddy_buf b = EDDY_BUF_INIT;
        for (size_t i = 0; req->form[i] && req->form[i + 1]; i += 2) {
            if ((i && eddy_buf_append_char(&b, '&') < 0) ||
                eddy_url_escape_to(&b, req->form[i], strlen(req->form[i]), EDDY_URL_PLUS) < 0 ||
                eddy_buf_append_char(&b, '=') < 0 ||
                eddy_url_escape_to(&b, req->form[i + 1], strlen(req->form[i + 1]), EDDY_URL_PLUS) < 0) {
                eddy_buf_free(&b);
                return "out of memory";
            }
        }
        call->body = eddy_buf_detach(&b, &call->body_len);
        type = "application/x-www-form-urlencoded";
    } else if (req->json) {
        call->body = json_dumps(req->json, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!call->body)
            return "cannot serialise the JSON body";
        call->body_len = strlen(call->body);
        type = "application/json";
    } else if (req->body) {
        call->body = malloc(req->body_len ? req->body_len : 1);
        if (!call->body)
            return "out of memory";
        memcpy(call->body, req->body, req->body_len);
        call->body_len = req->body_len;
    }
    if (call->body && !(call->content_type = strdup(type)))
        return "out of memory";
    return NULL;
}

/* call_new - the fetch, with everything copied from req; *why says what
 * makes it impossible (it then ends with that error at once). */
eddy_http_call *client_call_new(eddy_http_client *c, const eddy_http_request *req, const char **why)
{
    eddy_http_call *call = calloc(1, sizeof *call);
    if (!call)
        return NULL;
    call->client = c;
    call->t_start = client_now_ms();
    call->connect_timeout_ms = req->connect_timeout_ms > 0 ? req->connect_timeout_ms : DEFAULT_TIMEOUT_MS;
    call->request_timeout_ms = req->request_timeout_ms > 0 ? req->request_timeout_ms : DEFAULT_TIMEOUT_MS;
    call->follow = !req->no_follow;
    call->max_redirects = req->max_redirects < 0 ? -1
                          : req->max_redirects ? req->max_redirects
                                               : DEFAULT_MAX_REDIRECTS;
    call->decompress = !req->no_decompress;
    call->max_body = req->max_body_bytes ? req->max_body_bytes : DEFAULT_MAX_BODY;
    call->header_cb = req->header_cb;
    call->body_cb = req->body_cb;
    call->cb_arg = req->cb_arg;
    *why = copy_body(call, req);
    const char *method = req->method ? req->method : call->body ? "POST" : "GET";
    if (!(call->method = strdup(method)) && !*why)
        *why = "out of memory";
    for (size_t i = 0; req->headers && req->headers[i]; i++)
        call->header_count++;
    if (call->header_count && !*why) {
        call->headers = calloc(call->header_count, sizeof *call->headers);
        for (size_t i = 0; call->headers && i < call->header_count; i++) {
            const char *h = req->headers[i];
            /* A line break would start a header the caller did not write. */
            if (strpbrk(h, "\r\n") || !strchr(h, ':'))
                *why = "malformed request header (want \"Name: value\")";
            if (!(call->headers[i] = strdup(h)))
                *why = "out of memory";
        }
        if (!call->headers)
            *why = "out of memory";
    }
    if (!*why && strpbrk(method, " \r\n\t"))
        *why = "malformed method";
    if (!*why)
        *why = client_call_set_target(call, req->url ? req->url : "");
    if (!*why) {
        call->origin_key = strdup(call->host_key);
        int r = client_call_remember_url(call, call->url);
        if (!call->origin_key || r < 0)
            *why = r < 0 ? "malformed URL" : "out of memory";
    }
    return call;
}

void client_call_free(eddy_http_call *call)
{
    event_del(&call->request_timer);
    event_del(&call->connect_timer);
    event_del(&call->deliver);
    free(call->method);
    for (size_t i = 0; call->headers && i < call->header_count; i++)
        free(call->headers[i]);
    free(call->headers);
    free(call->body);
    free(call->content_type);
    free(call->url);
    free(call->host);
    free(call->host_key);
    free(call->origin_key);
    free(call->redirect_to);
    for (int i = 0; call->visited && call->visited[i]; i++)
        free(call->visited[i]);
    free(call->visited);
    free(call);
}

