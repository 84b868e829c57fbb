/*
 * websocket_client - a WebSocket client for tasks (see
 * websocket_client.h): the opening handshake, frames out, messages in,
 * the closing handshake. websocket_client_conn.c carries the bytes
 * (lookup, connect, TLS, reads and writes that wait).
 *
 * The handshake's answer is parsed with the HTTP parser; frames with the
 * message reader, so the checks (UTF-8, sizes, control frames, deflate)
 * are the server's.
 */
#include "websocket_client_internal.h"

#include <eddy/base/buf.h>
#include <eddy/base/clock.h>
#include <eddy/base/str.h>
#include <eddy/base/url.h>
#include <eddy/http/http_parser.h>

#include <errno.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

int ws_client_fail(eddy_ws_client *c, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->error, sizeof c->error, fmt, ap);
    va_end(ap);
    return err;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

eddy_ws_client *eddy_ws_client_new(const char *url, const eddy_ws_client_options *options)
{
    eddy_url u;
    if (!url || eddy_url_parse(url, strlen(url), &u) < 0 || !u.host.len ||
        !(eddy_str_case_eq(u.scheme, "ws") || eddy_str_case_eq(u.scheme, "wss"))) {
        errno = EINVAL;
        return NULL;
    }
    eddy_ws_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (options)
        c->o = *options;
    if (!c->o.max_message_bytes)
        c->o.max_message_bytes = 10 * 1024 * 1024;
    if (c->o.connect_timeout_ms <= 0)
        c->o.connect_timeout_ms = 20000;
    c->fd = -1;
    c->tls = eddy_str_case_eq(u.scheme, "wss");
    c->port = u.port_number > 0 ? u.port_number : c->tls ? 443 : 80;
    c->host = strndup(u.host.p, u.host.len);
    eddy_buf t = EDDY_BUF_INIT;
    eddy_buf_append(&t, u.path.len ? u.path.p : "/", u.path.len ? u.path.len : 1);
    if (u.query.p) {
        eddy_buf_append_char(&t, '?');
        eddy_buf_append(&t, u.query.p, u.query.len);
    }
    c->target = t.data;
    c->subprotocols = dup_or_null(c->o.subprotocols);
    c->origin = dup_or_null(c->o.origin);
    c->headers = dup_or_null(c->o.headers);
    c->ca_file = dup_or_null(c->o.ca_file);
    c->in = malloc(IN_SIZE);
    if (!c->host || !c->target || !c->in || (c->o.subprotocols && !c->subprotocols) ||
        (c->o.origin && !c->origin) || (c->o.headers && !c->headers) ||
        (c->o.ca_file && !c->ca_file)) {
        eddy_ws_client_free(c);
        errno = ENOMEM;
        return NULL;
    }
    return c;
}

/* offered - the comma-separated list holds name exactly. */
static int offered(const char *list, const char *name, size_t len)
{
    for (const char *p = list; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        size_t m = n;
        while (m && p[m - 1] == ' ')
            m--;
        if (m == len && m && memcmp(p, name, len) == 0)
            return 1;
        p += n;
    }
    return 0;
}

static int has_token(const eddy_str *v, const char *token)
{
    size_t n = strlen(token);
    for (size_t i = 0; v && i + n <= v->len; i++)
        if (strncasecmp(v->p + i, token, n) == 0)
            return 1;
    return 0;
}

/* handshake - send the upgrade request, read and check the answer. */
static int handshake(eddy_ws_client *c, const struct timespec *deadline)
{
    char key[25], accept[29], ext[160] = "";
    if (eddy_ws_new_key(key) < 0)
        return ws_client_fail(c, EIO, "no randomness for the key");
    eddy_ws_accept_key(key, 24, accept);
    if (c->o.compression)
        eddy_ws_deflate_offer(&c->o.deflate, ext, sizeof ext);
    eddy_buf req = EDDY_BUF_INIT;
    int default_port = c->port == (c->tls ? 443 : 80);
    int v6 = strchr(c->host, ':') != NULL;
    eddy_buf_printf(&req, "GET %s HTTP/1.1\r\nHost: %s%s%s", c->target, v6 ? "[" : "", c->host,
                    v6 ? "]" : "");
    if (!default_port)
        eddy_buf_printf(&req, ":%d", c->port);
    eddy_buf_printf(&req,
                    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n",
                    key);
    if (c->origin)
        eddy_buf_printf(&req, "Origin: %s\r\n", c->origin);
    if (c->subprotocols)
        eddy_buf_printf(&req, "Sec-WebSocket-Protocol: %s\r\n", c->subprotocols);
    if (ext[0])
        eddy_buf_printf(&req, "Sec-WebSocket-Extensions: %s\r\n", ext);
    if (c->headers)
        eddy_buf_append_str(&req, c->headers);
    if (eddy_buf_append_str(&req, "\r\n") < 0) {
        eddy_buf_free(&req);
        return ws_client_fail(c, ENOMEM, "out of memory");
    }
    int rc = ws_client_write(c, req.data, req.len);
    eddy_buf_free(&req);
    if (rc)
        return ws_client_fail(c, rc, "sending the handshake: %s", strerror(rc));

    eddy_http_message head;
    ssize_t n;
    size_t scanned = 0;
    for (;;) {
        n = eddy_http_parse_response(c->in + c->in_start, c->in_end - c->in_start, scanned, &head,
                                     "GET", NULL);
        if (n != EDDY_HTTP_INCOMPLETE)
            break;
        scanned = c->in_end - c->in_start;
        if (scanned >= HEAD_MAX || (rc = ws_client_read(c, deadline)) != 0)
            return ws_client_fail(c, rc ? rc : EPROTO, "no complete answer to the handshake%s%s",
                                  rc ? ": " : "", rc ? strerror(rc) : "");
    }
    if (n == EDDY_HTTP_INVALID)
        return ws_client_fail(c, EPROTO, "the handshake's answer does not parse: %s",
                              head.error_reason);
    c->status = head.status;
    if (head.status != 101)
        return ws_client_fail(c, EPROTO, "the handshake was answered %d", head.status);
    const eddy_str *up = eddy_http_header_get(&head, "Upgrade");
    const eddy_str *conn = eddy_http_header_get(&head, "Connection");
    const eddy_str *acc = eddy_http_header_get(&head, "Sec-WebSocket-Accept");
    const eddy_str *proto = eddy_http_header_get(&head, "Sec-WebSocket-Protocol");
    const eddy_str *exts = eddy_http_header_get(&head, "Sec-WebSocket-Extensions");
    if (!has_token(up, "websocket") || !has_token(conn, "upgrade"))
        return ws_client_fail(c, EPROTO, "the 101 lacks Upgrade: websocket or Connection: Upgrade");
    if (!acc || acc->len != 28 || memcmp(acc->p, accept, 28) != 0)
        return ws_client_fail(c, EPROTO,
                              "wrong Sec-WebSocket-Accept: the server did not read our key");
    if (proto) {
        if (!offered(c->subprotocols, proto->p, proto->len))
            return ws_client_fail(c, EPROTO, "the server chose a subprotocol we did not offer");
        c->subprotocol = strndup(proto->p, proto->len);
    }
    if (exts) {
        c->extensions = strndup(exts->p, exts->len);
        if (!c->extensions)
            return ws_client_fail(c, ENOMEM, "out of memory");
        if (!c->o.compression ||
            eddy_ws_deflate_accept(c->extensions, &c->o.deflate, &c->params) < 0)
            return ws_client_fail(c, EPROTO, "the server answered extensions we did not offer: %s",
                                  c->extensions);
        if (!(c->deflate = eddy_ws_deflate_new(&c->params, EDDY_WS_CLIENT, c->o.deflate.level)))
            return ws_client_fail(c, ENOMEM, "out of memory");
    }
    c->in_start += (size_t)n; /* frames sent right behind the 101 stay */
    eddy_ws_reader_init(&c->reader, EDDY_WS_CLIENT, c->deflate, c->o.max_message_bytes);
    c->open = 1;
    return 0;
}

int eddy_ws_client_connect(eddy_ws_client *c)
{
    if (c->fd >= 0)
        return ws_client_fail(c, EISCONN, "already connected");
    struct timespec deadline;
    eddy_deadline_in(&deadline, c->o.connect_timeout_ms);
    int rc = ws_client_tcp_connect(c, &deadline);
    if (!rc && c->tls)
        rc = ws_client_tls_connect(c, &deadline);
    if (!rc)
        rc = handshake(c, &deadline);
    return rc;
}

/* ------------------------------------------------------------ frames */

static int send_frame(eddy_ws_client *c, int fin, int rsv1, int opcode, const void *data,
                      size_t len, int masked)
{
    if (!c->open || c->close_sent)
        return ws_client_fail(c, EPIPE, "the connection is closed");
    uint8_t mask[4];
    eddy_ws_random_mask(mask);
    eddy_buf b = EDDY_BUF_INIT;
    if (eddy_ws_frame_append(&b, fin, rsv1, opcode, data, len, masked ? mask : NULL) < 0) {
        eddy_buf_free(&b);
        return ws_client_fail(c, ENOMEM, "out of memory");
    }
    int rc = ws_client_write(c, b.data, b.len);
    eddy_buf_free(&b);
    if (opcode == EDDY_WS_CLOSE)
        c->close_sent = 1;
    return rc ? ws_client_fail(c, rc, "sending: %s", strerror(rc)) : 0;
}

int eddy_ws_client_send(eddy_ws_client *c, const void *data, size_t len, int binary)
{
    int opcode = binary ? EDDY_WS_BINARY : EDDY_WS_TEXT;
    if (!c->deflate)
        return send_frame(c, 1, 0, opcode, data, len, 1);
    eddy_buf z = EDDY_BUF_INIT;
    if (eddy_ws_deflate_compress(c->deflate, data, len, &z) < 0) {
        eddy_buf_free(&z);
        return ws_client_fail(c, ENOMEM, "compressing: out of memory");
    }
    int rc = send_frame(c, 1, 1, opcode, z.data, z.len, 1);
    eddy_buf_free(&z);
    return rc;
}

int eddy_ws_client_send_frame(eddy_ws_client *c, int fin, int rsv1, int opcode, const void *data,
                              size_t len, int masked)
{
    return send_frame(c, fin, rsv1, opcode, data, len, masked);
}

int eddy_ws_client_ping(eddy_ws_client *c, const void *data, size_t len)
{
    if (len > EDDY_WS_MAX_CONTROL)
        return ws_client_fail(c, EINVAL, "a ping carries at most 125 bytes");
    return send_frame(c, 1, 0, EDDY_WS_PING, data, len, 1);
}

static void send_close(eddy_ws_client *c, int code, const char *reason)
{
    uint8_t payload[EDDY_WS_MAX_CONTROL];
    size_t n = eddy_ws_close_payload(payload, code, reason);
    if (!c->close_sent)
        send_frame(c, 1, 0, EDDY_WS_CLOSE, payload, n, 1);
}

/* ended - the connection is over: close the socket. */
static void ended(eddy_ws_client *c)
{
    c->closed = 1;
    if (!c->close_code)
        c->close_code = EDDY_WS_ABNORMAL;
    if (c->ssl) {
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
}

int eddy_ws_client_receive(eddy_ws_client *c, eddy_ws_message *m, long timeout_ms)
{
    struct timespec deadline;
    if (timeout_ms >= 0)
        eddy_deadline_in(&deadline, timeout_ms);
    if (!c->open)
        return ws_client_fail(c, ENOTCONN, "not connected");
    for (;;) {
        if (c->closed)
            return ws_client_fail(c, EPIPE, "the connection is closed (%d)", c->close_code);
        if (c->in_start < c->in_end) {
            int got;
            ssize_t n = eddy_ws_reader_feed(&c->reader, (uint8_t *)c->in + c->in_start,
                                            c->in_end - c->in_start, m, &got);
            if (n < 0) {
                int code = c->reader.close_code;
                send_close(c, code, c->reader.error);
                ended(c);
                return ws_client_fail(c, EPROTO, "the server broke the protocol (%d): %s", code,
                                      c->reader.error);
            }
            c->in_start += (size_t)n;
            if (!got)
                continue;
            if (m->opcode == EDDY_WS_PING) {
                int rc = send_frame(c, 1, 0, EDDY_WS_PONG, m->data, m->len, 1);
                if (rc && rc != EPIPE)
                    return rc;
                continue;
            }
            if (m->opcode == EDDY_WS_CLOSE) {
                c->close_code = m->close_code;
                snprintf(c->close_reason, sizeof c->close_reason, "%s", m->reason ? m->reason : "");
                send_close(c, m->close_code == EDDY_WS_NO_STATUS ? 0 : m->close_code, m->reason);
                ended(c);
                return ws_client_fail(c, EPIPE, "the server closed the connection (%d)",
                                      c->close_code);
            }
            return 0;
        }
        int rc = ws_client_read(c, timeout_ms >= 0 ? &deadline : NULL);
        if (rc == EPIPE) {
            ended(c);
            return ws_client_fail(c, EPIPE, "the connection ended without a close frame");
        }
        if (rc)
            return ws_client_fail(c, rc, "receiving: %s", strerror(rc));
    }
}

int eddy_ws_client_close(eddy_ws_client *c, int code, const char *reason)
{
    if (!c->open || c->closed)
        return 0;
    send_close(c, code, reason);
    eddy_ws_message m;
    int rc;
    while ((rc = eddy_ws_client_receive(c, &m, 5000)) == 0)
        ; /* what the server still sends before its close frame */
    if (!c->closed)
        ended(c);
    return rc == EPIPE ? 0 : rc;
}

int eddy_ws_client_close_code(const eddy_ws_client *c)
{
    return c->closed ? c->close_code : 0;
}
const char *eddy_ws_client_close_reason(const eddy_ws_client *c)
{
    return c->close_reason;
}
const char *eddy_ws_client_subprotocol(const eddy_ws_client *c)
{
    return c->subprotocol;
}
const char *eddy_ws_client_extensions(const eddy_ws_client *c)
{
    return c->extensions;
}
int eddy_ws_client_status(const eddy_ws_client *c)
{
    return c->status;
}
const char *eddy_ws_client_error(const eddy_ws_client *c)
{
    return c->error;
}

void eddy_ws_client_free(eddy_ws_client *c)
{
    if (!c)
        return;
    if (c->ssl)
        SSL_free(c->ssl);
    if (c->ctx)
        SSL_CTX_free(c->ctx);
    if (c->fd >= 0)
        close(c->fd);
    eddy_ws_reader_free(&c->reader);
    eddy_ws_deflate_free(c->deflate);
    free(c->subprotocols);
    free(c->origin);
    free(c->headers);
    free(c->ca_file);
    free(c->host);
    free(c->target);
    free(c->in);
    free(c->subprotocol);
    free(c->extensions);
    free(c);
}
