/*
 * websocket - the WebSocket handler kind (see websocket.h): routes, the
 * opening handshake, and the calls a program makes on a connection.
 * websocket_conn.c carries a connection once its socket is taken over.
 *
 * The handshake runs as the route's GET, in the request's task like any
 * handler, so it can use everything a handler can (cookies, the path's
 * arguments, the app's state) and answer errors the usual way: 400 for a
 * request that is not a WebSocket handshake, 426 for another protocol
 * version, 403 for an origin the handler does not allow. Once it answers
 * 101 it asks the server to hand the socket over (eddy_request_take_over)
 * and returns; the request, its task and its buffers end there.
 */
#include "websocket_internal.h"

#include <eddy/base/arena.h>
#include <eddy/base/log.h>
#include <eddy/base/str.h>
#include <eddy/http/server.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

static const char SLOT[] = "eddy.websocket";

/* ------------------------------------------------------------ routes */

void eddy_ws_options_defaults(eddy_ws_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_message_bytes = 10 * 1024 * 1024;
    o->max_queued_bytes = 1024 * 1024;
    o->close_timeout_ms = 5000;
}

static void fill_defaults(eddy_ws_options *o)
{
    eddy_ws_options d;
    eddy_ws_options_defaults(&d);
    if (!o->max_message_bytes)
        o->max_message_bytes = d.max_message_bytes;
    if (!o->max_queued_bytes)
        o->max_queued_bytes = d.max_queued_bytes;
    if (o->close_timeout_ms <= 0)
        o->close_timeout_ms = d.close_timeout_ms;
    if (o->ping_interval_ms > 0 && o->ping_timeout_ms <= 0)
        o->ping_timeout_ms = o->ping_interval_ms;
}

static void free_routes(void *value)
{
    struct ws_route *rt = value;
    while (rt) {
        struct ws_route *next = rt->next;
        free(rt);
        rt = next;
    }
}

static void upgrade(eddy_req *r);

int eddy_ws_route(eddy_app *app, const char *pattern, const eddy_ws_handler *h, const char *name)
{
    struct ws_route *rt = calloc(1, sizeof *rt);
    if (!rt) {
        errno = ENOMEM;
        return -1;
    }
    rt->h = *h;
    fill_defaults(&rt->h.options);
    rt->http.get = upgrade;
    rt->http.prepare = h->prepare;
    /* The slot owns every route of the app, so they go when the app goes. */
    rt->next = eddy_app_slot(app, SLOT);
    if (rt->next) {
        struct ws_route *head = rt->next;
        rt->next = head->next;
        head->next = rt; /* keep the slot's value, add behind it */
    } else if (eddy_app_set_slot(app, SLOT, rt, free_routes) < 0) {
        free(rt);
        return -1;
    }
    return eddy_route(app, pattern, &rt->http, name);
}

/* ------------------------------------------------------------ the handshake */

/* joined - every field called name, joined with ", " (a list may be split
 * over several lines); NULL if none. */
static const char *joined(eddy_req *r, const char *name)
{
    const eddy_http_message *head = eddy_request_head(r);
    eddy_buf b = EDDY_BUF_INIT;
    for (size_t i = 0; i < head->header_count; i++) {
        if (!eddy_str_case_eq(head->headers[i].name, name))
            continue;
        if (b.len)
            eddy_buf_append(&b, ", ", 2);
        eddy_buf_append(&b, head->headers[i].value.p, head->headers[i].value.len);
    }
    const char *out = b.data ? eddy_arena_strndup(eddy_request_arena(r), b.data, b.len) : NULL;
    eddy_buf_free(&b);
    return out;
}

/* has_token - the comma-separated list holds token (ASCII case ignored). */
static int has_token(const char *list, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = list; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *end = p;
        while (*end && *end != ',')
            end++;
        const char *last = end;
        while (last > p && (last[-1] == ' ' || last[-1] == '\t'))
            last--;
        if ((size_t)(last - p) == n && strncasecmp(p, token, n) == 0)
            return 1;
        p = end;
    }
    return 0;
}

/* same_origin - Tornado's default check: the Origin's host (and port) is
 * the Host the request was sent to. */
static int same_origin(eddy_req *r, const char *origin)
{
    const char *host = eddy_header(r, "Host");
    const char *p = strstr(origin, "://");
    if (!host || !p)
        return 0;
    p += 3;
    size_t n = strcspn(p, "/");
    return strlen(host) == n && strncasecmp(p, host, n) == 0;
}

/* choose_subprotocol - split the client's list and ask the handler. */
static const char *choose_subprotocol(eddy_req *r, const eddy_ws_handler *h)
{
    const char *list = joined(r, "Sec-WebSocket-Protocol");
    if (!list || !h->select_subprotocol)
        return NULL;
    const char *items[32];
    size_t count = 0;
    for (const char *p = list; *p && count < 32;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n)
            items[count++] = eddy_arena_strndup(eddy_request_arena(r), p, n);
        p += strcspn(p, ",");
    }
    const char *pick = count ? h->select_subprotocol(r, items, count) : NULL;
    for (size_t i = 0; pick && i < count; i++)
        if (strcmp(pick, items[i]) == 0)
            return pick;
    return NULL; /* a choice the client did not offer is no choice */
}

static void refuse(eddy_req *r, int status, const char *why)
{
    eddy_send_error(r, status, why);
}

static void upgrade(eddy_req *r)
{
    const struct ws_route *rt = (const struct ws_route *)(const void *)eddy_req_handler(r);
    const eddy_ws_handler *h = &rt->h;
    const char *up = joined(r, "Upgrade"), *conn = joined(r, "Connection");
    if (!has_token(up, "websocket") || !has_token(conn, "upgrade")) {
        refuse(r, 400, "Can \"Upgrade\" only to \"WebSocket\".");
        return;
    }
    if (eddy_request_head(r)->version_minor < 1) {
        refuse(r, 400, "WebSocket needs HTTP/1.1");
        return;
    }
    const char *version = eddy_header(r, "Sec-WebSocket-Version");
    if (!version || strcmp(version, "13") != 0) {
        eddy_response_set_header(r, "Sec-WebSocket-Version", "13");
        refuse(r, 426, "unsupported WebSocket version");
        return;
    }
    const char *key = eddy_header(r, "Sec-WebSocket-Key");
    if (!key || strlen(key) != 24 || key[22] != '=' || key[23] != '=') {
        refuse(r, 400, "missing or malformed Sec-WebSocket-Key");
        return;
    }
    const char *origin = eddy_header(r, "Origin");
    if (origin && !(h->check_origin ? h->check_origin(r, origin) : same_origin(r, origin))) {
        refuse(r, 403, "cross-origin WebSocket refused");
        return;
    }

    eddy_ws *ws = calloc(1, sizeof *ws);
    if (!ws) {
        refuse(r, 503, "out of memory");
        return;
    }
    ws->fd = -1;
    ws->route = rt;
    const char *proto = choose_subprotocol(r, h);
    char ext[160] = "";
    if (h->options.compression) {
        eddy_ws_deflate_params params;
        int rc = eddy_ws_deflate_negotiate(joined(r, "Sec-WebSocket-Extensions"),
                                           &h->options.deflate, &params, ext, sizeof ext);
        if (rc < 0) {
            free(ws);
            refuse(r, 400, "malformed Sec-WebSocket-Extensions");
            return;
        }
        if (rc > 0 && !(ws->deflate = eddy_ws_deflate_new(&params, EDDY_WS_SERVER,
                                                          h->options.deflate.level))) {
            free(ws);
            refuse(r, 503, "out of memory");
            return;
        }
        if (rc == 0)
            ext[0] = '\0';
    }
    if (proto && !(ws->subprotocol = strdup(proto))) {
        eddy_ws_deflate_free(ws->deflate);
        free(ws);
        refuse(r, 503, "out of memory");
        return;
    }
    eddy_ws_reader_init(&ws->reader, EDDY_WS_SERVER, ws->deflate, h->options.max_message_bytes);

    char accept[29];
    eddy_ws_accept_key(key, strlen(key), accept);
    eddy_response_status(r, 101);
    eddy_response_header(r, "Upgrade", "websocket");
    eddy_response_header(r, "Connection", "Upgrade");
    eddy_response_header(r, "Sec-WebSocket-Accept", accept);
    if (proto)
        eddy_response_header(r, "Sec-WebSocket-Protocol", proto);
    if (ext[0])
        eddy_response_header(r, "Sec-WebSocket-Extensions", ext);
    eddy_request_take_over(r, ws_taken_over, ws);
    if (h->on_open)
        h->on_open(ws, r); /* what it sends waits for the 101 */
    eddy_finish(r);
}

/* ------------------------------------------------------------ a connection */

int eddy_ws_send(eddy_ws *ws, const void *data, size_t len, int binary)
{
    if (ws->state != WS_OPEN || ws->finished || ws->doomed)
        return EPIPE;
    int opcode = binary ? EDDY_WS_BINARY : EDDY_WS_TEXT;
    uint8_t hdr[EDDY_WS_MAX_HEADER];
    if (ws->deflate) {
        eddy_buf z = EDDY_BUF_INIT;
        if (eddy_ws_deflate_compress(ws->deflate, data, len, &z) < 0) {
            eddy_buf_free(&z);
            return ENOMEM;
        }
        size_t hn = eddy_ws_write_header(hdr, 1, 1, opcode, z.len, NULL);
        int rc = ws_write_frame(ws, hdr, hn, z.data, z.len, 0);
        eddy_buf_free(&z);
        return rc;
    }
    size_t hn = eddy_ws_write_header(hdr, 1, 0, opcode, len, NULL);
    return ws_write_frame(ws, hdr, hn, data, len, 0);
}

int eddy_ws_send_text(eddy_ws *ws, const char *text)
{
    return eddy_ws_send(ws, text, strlen(text), 0);
}

int eddy_ws_ping(eddy_ws *ws, const void *data, size_t len)
{
    if (len > EDDY_WS_MAX_CONTROL)
        return EINVAL;
    if (ws->state != WS_OPEN || ws->finished || ws->doomed)
        return EPIPE;
    uint8_t hdr[EDDY_WS_MAX_HEADER];
    size_t hn = eddy_ws_write_header(hdr, 1, 0, EDDY_WS_PING, len, NULL);
    return ws_write_frame(ws, hdr, hn, data, len, 1);
}

void eddy_ws_close(eddy_ws *ws, int code, const char *reason)
{
    if (ws->state != WS_OPEN || ws->finished)
        return;
    ws_send_close(ws, code, reason, WS_CLOSING);
}

int eddy_ws_read(eddy_ws *ws, eddy_ws_message *m, long timeout_ms)
{
    if (!eddy_task_current())
        return EPERM;
    for (;;) {
        struct ws_inbox *in = ws->inbox;
        if (in) {
            ws->inbox = in->next;
            if (!ws->inbox) {
                ws->inbox_last = NULL;
                ws_resume(ws);
            }
            free(ws->current);
            ws->current = in;
            memset(m, 0, sizeof *m);
            m->opcode = in->opcode;
            m->data = in->data;
            m->len = in->len;
            return 0;
        }
        if (ws->finished || ws->state != WS_OPEN)
            return EPIPE;
        eddy_future *f = eddy_future_new();
        if (!f)
            return ENOMEM;
        ws->waiter = f;
        ws_resume(ws);
        int rc = eddy_future_await(f, timeout_ms, NULL);
        if (ws->waiter == f) { /* timed out or cancelled: withdraw the resolver's share */
            ws->waiter = NULL;
            eddy_future_resolve(f, ECANCELED, NULL);
        }
        eddy_future_release(f);
        if (rc)
            return rc;
    }
}

void eddy_ws_set_data(eddy_ws *ws, void *data)
{
    ws->data = data;
}
void *eddy_ws_data(const eddy_ws *ws)
{
    return ws->data;
}
void *eddy_ws_handler_arg(const eddy_ws *ws)
{
    return ws->route->h.arg;
}
const char *eddy_ws_subprotocol(const eddy_ws *ws)
{
    return ws->subprotocol;
}
int eddy_ws_compressed(const eddy_ws *ws)
{
    return ws->deflate != NULL;
}
int eddy_ws_close_code(const eddy_ws *ws)
{
    return ws->close_code;
}
size_t eddy_ws_queued_bytes(const eddy_ws *ws)
{
    return ws->out ? ws->out->len : 0;
}
int eddy_ws_open_count(void)
{
    return ws_count();
}

const char *eddy_ws_remote_ip(const eddy_ws *ws)
{
    static _Thread_local char text[INET6_ADDRSTRLEN];
    struct sockaddr_storage a;
    socklen_t len = sizeof a;
    strcpy(text, "?");
    if (ws->fd >= 0 && getpeername(ws->fd, (struct sockaddr *)&a, &len) == 0) {
        if (a.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&a)->sin_addr, text, sizeof text);
        else if (a.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&a)->sin6_addr, text, sizeof text);
    }
    return text;
}

/* ------------------------------------------------------------ many at once */

size_t eddy_ws_broadcast(eddy_ws *const *conns, size_t count, const void *data, size_t len,
                         int binary)
{
    int opcode = binary ? EDDY_WS_BINARY : EDDY_WS_TEXT;
    /* The uncompressed frame is built once, header and payload in one
     * piece, so each plain connection costs one send of it and nothing
     * else; without the memory for it, header and payload go as two. */
    uint8_t plain_hdr[EDDY_WS_MAX_HEADER], small[EDDY_WS_MAX_HEADER + 512];
    size_t plain_hn = eddy_ws_write_header(plain_hdr, 1, 0, opcode, len, NULL);
    uint8_t *frame = NULL;
    /* One compressed copy per window size among connections that keep no context. */
    eddy_buf packed[16] = {EDDY_BUF_INIT};
    int packed_ok[16] = {0};
    size_t took = 0;
    for (size_t i = 0; i < count; i++) {
        eddy_ws *ws = conns[i];
        if (ws->state != WS_OPEN || ws->finished || ws->doomed)
            continue;
        int rc;
        int bits = ws->deflate ? eddy_ws_deflate_stateless(ws->deflate) : 0;
        if (!ws->deflate) {
            if (!frame && (frame = plain_hn + len <= sizeof small ? small : malloc(plain_hn + len))) {
                memcpy(frame, plain_hdr, plain_hn);
                if (len)
                    memcpy(frame + plain_hn, data, len);
            }
            rc = frame ? ws_write_frame(ws, frame, plain_hn + len, NULL, 0, 0)
                       : ws_write_frame(ws, plain_hdr, plain_hn, data, len, 0);
        } else if (bits) {
            if (!packed_ok[bits]) {
                if (eddy_ws_deflate_compress(ws->deflate, data, len, &packed[bits]) < 0)
                    continue;
                packed_ok[bits] = 1;
            }
            uint8_t hdr[EDDY_WS_MAX_HEADER];
            size_t hn = eddy_ws_write_header(hdr, 1, 1, opcode, packed[bits].len, NULL);
            rc = ws_write_frame(ws, hdr, hn, packed[bits].data, packed[bits].len, 0);
        } else {
            rc = eddy_ws_send(ws, data, len, binary);
        }
        if (rc == 0)
            took++;
    }
    for (int b = 0; b < 16; b++)
        eddy_buf_free(&packed[b]);
    if (frame != small)
        free(frame);
    return took;
}

void eddy_ws_close_all(void)
{
    eddy_ws *ws;
    while ((ws = ws_first())) {
        if (ws->state == WS_OPEN) {
            uint8_t frame[4 + 32];
            size_t hn = eddy_ws_write_header(frame, 1, 0, EDDY_WS_CLOSE, 2, NULL);
            frame[hn] = EDDY_WS_GOING_AWAY >> 8;
            frame[hn + 1] = EDDY_WS_GOING_AWAY & 0xFF;
            if (!ws->out) /* best effort: only if nothing is queued before it */
                (void)!send(ws->fd, frame, hn + 2, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        if (!ws->close_code)
            ws->close_code = EDDY_WS_GOING_AWAY;
        if (ws->task)
            eddy_task_cancel(ws->task); /* its wait returns ECANCELED: it unwinds */
        ws_finish(ws);
    }
    /* Let cancelled run tasks return (they are resumed from the loop), so
     * nothing is left suspended when the loop is freed. Bounded: a task
     * that ignores ECANCELED and waits again is abandoned. */
    for (int i = 0; i < 100 && ws_task_count() > 0; i++)
        event_base_loop(eddy_loop_base(), EVLOOP_ONCE | EVLOOP_NONBLOCK);
}
