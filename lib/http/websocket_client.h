/*
 * websocket_client - a WebSocket client (RFC 6455) for tasks, like
 * Tornado's websocket_connect.
 *
 * Every call that talks to the server is a wait: it runs in a task and
 * returns 0 or an errno value, with a message in eddy_ws_client_error.
 *
 *     eddy_ws_client *ws = eddy_ws_client_new("ws://127.0.0.1:8888/chat", NULL);
 *     if (!ws || eddy_ws_client_connect(ws) != 0) ... eddy_ws_client_error(ws)
 *     eddy_ws_client_send(ws, "hello", 5, 0);
 *     eddy_ws_message m;
 *     while (eddy_ws_client_receive(ws, &m, 5000) == 0)
 *         printf("%.*s\n", (int)m.len, m.data);
 *     eddy_ws_client_close(ws, EDDY_WS_NORMAL, "bye");
 *     eddy_ws_client_free(ws);
 *
 * ws:// and wss:// (TLS, certificate checked against the system's CAs or
 * ca_file); the handshake is checked (101, Upgrade, Connection, the
 * Sec-WebSocket-Accept that proves the server read our key, a
 * subprotocol we offered, extensions we offered); permessage-deflate is
 * offered when compression is set. Frames we send are masked; frames we
 * receive must not be. Pings are answered while receiving.
 */
#ifndef EDDY_WEBSOCKET_CLIENT_H
#define EDDY_WEBSOCKET_CLIENT_H

#include <eddy/http/websocket_deflate.h>
#include <eddy/http/websocket_frame.h>
#include <eddy/http/websocket_message.h>

#include <stddef.h>

typedef struct eddy_ws_client eddy_ws_client;

typedef struct eddy_ws_client_options {
    const char *subprotocols; /* offered, comma-separated ("chat, superchat"), or NULL */
    const char *origin;       /* an Origin header, or NULL */
    const char *headers;      /* more request headers, "Name: value\r\n" lines, or NULL */
    int compression;          /* offer permessage-deflate */
    eddy_ws_deflate_config deflate;
    size_t max_message_bytes; /* default 10 MiB (1009 beyond) */
    long connect_timeout_ms;  /* connect, TLS and handshake; default 20 s */
    const char *ca_file;      /* wss: trust these CAs instead of the system's */
    int insecure;             /* wss: do not check the certificate (tests only) */
} eddy_ws_client_options;

/* eddy_ws_client_new - a client for url (ws:// or wss://); options may be
 * NULL and are copied. NULL with errno (EINVAL for a bad URL, ENOMEM). */
eddy_ws_client *eddy_ws_client_new(const char *url, const eddy_ws_client_options *options);

/* eddy_ws_client_connect - connect and do the handshake. 0, or an errno
 * value: ECONNREFUSED, ETIMEDOUT, EPROTO (the handshake was refused or
 * wrong: the message says how; eddy_ws_client_status has the HTTP
 * status), ECANCELED. */
int eddy_ws_client_connect(eddy_ws_client *c);

/* eddy_ws_client_send - send one message (binary 0: text). 0, EPIPE
 * (closed), ECANCELED. */
int eddy_ws_client_send(eddy_ws_client *c, const void *data, size_t len, int binary);

/* eddy_ws_client_send_frame - one raw frame, for tests of a server's
 * checks: fin, rsv1 and opcode as given, masked unless masked is 0. */
int eddy_ws_client_send_frame(eddy_ws_client *c, int fin, int rsv1, int opcode, const void *data,
                              size_t len, int masked);

/* eddy_ws_client_ping - send a ping; its pong comes out of receive. */
int eddy_ws_client_ping(eddy_ws_client *c, const void *data, size_t len);

/* eddy_ws_client_receive - wait for the next message (timeout_ms < 0:
 * none). 0 with *m set (EDDY_WS_TEXT, EDDY_WS_BINARY or EDDY_WS_PONG;
 * data valid until the next receive); EPIPE once the connection is
 * closed (the close frame is answered; eddy_ws_client_close_code says
 * what the server sent), EPROTO when the server broke the protocol (we
 * closed with 1002, 1007 or 1009: the message says which),
 * ETIMEDOUT, ECANCELED. */
int eddy_ws_client_receive(eddy_ws_client *c, eddy_ws_message *m, long timeout_ms);

/* eddy_ws_client_close - send a close frame (code 0: none) and wait (up
 * to 5 s) for the server's, then close. 0 or an errno value. */
int eddy_ws_client_close(eddy_ws_client *c, int code, const char *reason);

/* eddy_ws_client_close_code - the code of the server's close frame (1005
 * if it had none, 1006 if the connection ended without one), 0 while
 * open. eddy_ws_client_close_reason - its reason ("" if none). */
int eddy_ws_client_close_code(const eddy_ws_client *c);
const char *eddy_ws_client_close_reason(const eddy_ws_client *c);

/* eddy_ws_client_subprotocol - the server's choice, or NULL. */
const char *eddy_ws_client_subprotocol(const eddy_ws_client *c);

/* eddy_ws_client_extensions - the Sec-WebSocket-Extensions the server
 * answered, or NULL. */
const char *eddy_ws_client_extensions(const eddy_ws_client *c);

/* eddy_ws_client_status - the HTTP status of the handshake's answer. */
int eddy_ws_client_status(const eddy_ws_client *c);

/* eddy_ws_client_error - what the last failed call failed with. */
const char *eddy_ws_client_error(const eddy_ws_client *c);

/* eddy_ws_client_free - close at once (no handshake) and free. */
void eddy_ws_client_free(eddy_ws_client *c);

#endif
