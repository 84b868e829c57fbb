/*
 * websocket - WebSocket endpoints (RFC 6455), a handler kind like
 * Tornado's WebSocketHandler.
 *
 * A route gets an eddy_ws_handler instead of an eddy_handler: a GET with
 * the upgrade headers is checked (version 13, a key, the Origin, a
 * subprotocol, permessage-deflate) and answered 101, and from then on the
 * connection belongs to the WebSocket: the HTTP connection's buffers,
 * request and task are given back, and what is left is a small struct
 * with one event. Messages arrive through callbacks run from the loop:
 *
 *     static void chat_open(eddy_ws *ws, eddy_req *r) { join(ws, eddy_path_arg(r, 1)); }
 *     static void chat_message(eddy_ws *ws, const char *data, size_t len, int binary)
 *     {
 *         eddy_ws_send(ws, data, len, binary);           an echo
 *     }
 *     static void chat_close(eddy_ws *ws, int code, const char *reason) { leave(ws); }
 *
 *     static const eddy_ws_handler chat = {
 *         .on_open = chat_open, .on_message = chat_message, .on_close = chat_close,
 *     };
 *     eddy_ws_route(app, "/chat/([a-z]+)", &chat, "chat");
 *
 * An idle WebSocket therefore holds no coroutine and no buffer; its cost
 * is the struct and its event, about 650 bytes of heap in all
 * (tests/lib/websocket_idle.c measures it), and the kernel's socket. A handler
 * that prefers to read in a loop sets .run instead of .on_message: run
 * is a task started after the handshake, reading with eddy_ws_read (a
 * wait) until it returns an error; that task, with its stack, lives as
 * long as the connection.
 *
 * The protocol is handled here: fragmented messages are joined (control
 * frames may come between fragments), text is checked as UTF-8 (1007),
 * messages longer than max_message_bytes are refused (1009), unmasked or
 * malformed frames end the connection (1002), pings are answered, a ping
 * goes out after ping_interval_ms in which nothing came from the peer,
 * and a peer that then stays silent for ping_timeout_ms more is dropped,
 * and the close handshake is done both ways, with codes and reasons. What is sent waits in a queue
 * bounded by max_queued_bytes; when a reader is too slow to keep it below
 * that, the slow_reader policy either closes the connection (the default)
 * or drops the new message, so a slow client never costs unbounded memory.
 *
 * Sending is from the loop's thread only (a callback or a task there).
 */
#ifndef EDDY_WEB_WEBSOCKET_H
#define EDDY_WEB_WEBSOCKET_H

#include <eddy/http/websocket_frame.h>
#include <eddy/http/websocket_message.h>
#include <eddy/web/handler.h>

#include <stddef.h>

typedef struct eddy_ws eddy_ws;

/* What to do when a message would push the send queue past its bound. */
enum eddy_ws_slow_reader {
    EDDY_WS_CLOSE_SLOW = 0, /* close the connection (the peer sees 1006) */
    EDDY_WS_DROP_NEW = 1,   /* drop the message; eddy_ws_send returns EAGAIN */
};

typedef struct eddy_ws_options {
    size_t max_message_bytes; /* larger incoming messages close with 1009; default 10 MiB */
    size_t max_queued_bytes;  /* bound of the send queue; default 1 MiB */
    int slow_reader;          /* enum eddy_ws_slow_reader */
    long ping_interval_ms;    /* ping after this long without a byte from the peer; 0: never */
    long ping_timeout_ms;     /* then drop a peer silent this long more; default: the interval */
    long close_timeout_ms;    /* how long to wait for the peer's close frame; default 5 s */
    int compression;          /* accept permessage-deflate when offered (default 0) */
    eddy_ws_deflate_config deflate; /* its settings (see websocket_deflate.h) */
} eddy_ws_options;

typedef struct eddy_ws_handler {
    /* on_open - the handshake is done; r (the upgrade request, with its
     * path arguments, headers and cookies) is valid during the call only.
     * Messages sent here go out right after the 101. */
    void (*on_open)(eddy_ws *ws, eddy_req *r);
    /* on_message - a whole message: text (binary 0, data is UTF-8 and
     * NUL-terminated) or binary. data is valid during the call. */
    void (*on_message)(eddy_ws *ws, const char *data, size_t len, int binary);
    /* on_close - the connection is closing: code and reason are the
     * peer's (1005/"" if it gave none, 1006 if it vanished without a close
     * frame). Last call for ws; it is freed after. */
    void (*on_close)(eddy_ws *ws, int code, const char *reason);
    /* on_pong - a pong came back (optional). */
    void (*on_pong)(eddy_ws *ws, const char *data, size_t len);
    /* run - instead of on_message: a task for the connection's life that
     * reads with eddy_ws_read. When it returns, the connection is closed
     * (1000) if it still is open. */
    void (*run)(eddy_ws *ws);
    /* check_origin - may a page from origin open this WebSocket? NULL:
     * only the same origin (Origin's host equals the Host header) or a
     * client that sends no Origin (not a browser). Refused: 403. */
    int (*check_origin)(eddy_req *r, const char *origin);
    /* select_subprotocol - pick one of the client's subprotocols (in its
     * order), returning it or NULL for none; NULL hook: none is chosen. */
    const char *(*select_subprotocol)(eddy_req *r, const char *const *offered, size_t count);
    /* prepare - before the handshake, like a handler's prepare: it may
     * answer (an error, a redirect) and the upgrade does not happen. */
    eddy_method_fn prepare;
    eddy_ws_options options; /* zero fields take the defaults */
    void *arg;               /* for the callbacks: eddy_ws_handler_arg(ws) */
} eddy_ws_handler;

/* eddy_ws_route - serve h's WebSocket at pattern (router syntax); h must
 * outlive the app. Other methods than GET are answered 405. 0, or -1
 * with eddy_app_error(). */
int eddy_ws_route(eddy_app *app, const char *pattern, const eddy_ws_handler *h, const char *name);

/* eddy_ws_options_defaults - fill o with the defaults above. */
void eddy_ws_options_defaults(eddy_ws_options *o);

/* ------------------------------------------------------------ a connection */

/* eddy_ws_send - send one message (text: binary 0, and data must be
 * UTF-8), compressed when permessage-deflate is on; what the socket does
 * not take at once waits in the queue. A message always enters an empty
 * queue, whatever its size; the bound (max_queued_bytes) applies while
 * older bytes still wait. 0; EPIPE when the connection is closing or
 * closed, or the policy EDDY_WS_CLOSE_SLOW has just closed it; EAGAIN
 * when EDDY_WS_DROP_NEW dropped the message. */
int eddy_ws_send(eddy_ws *ws, const void *data, size_t len, int binary);
int eddy_ws_send_text(eddy_ws *ws, const char *text);

/* eddy_ws_ping - send a ping with up to 125 bytes; 0 or EPIPE/EINVAL. */
int eddy_ws_ping(eddy_ws *ws, const void *data, size_t len);

/* eddy_ws_close - start the close handshake with code (0: none) and
 * reason; on_close follows when the peer answers or the timeout passes. */
void eddy_ws_close(eddy_ws *ws, int code, const char *reason);

/* eddy_ws_read - in a run task: wait for the next message (timeout_ms <
 * 0: none). 0 with *m set (m->data valid until the next read; its opcode
 * is EDDY_WS_TEXT or EDDY_WS_BINARY), or an errno value: EPIPE when the
 * connection closed (eddy_ws_close_code says how), ETIMEDOUT, ECANCELED. */
int eddy_ws_read(eddy_ws *ws, eddy_ws_message *m, long timeout_ms);

/* eddy_ws_set_data / eddy_ws_data - one pointer of the program's own. */
void eddy_ws_set_data(eddy_ws *ws, void *data);
void *eddy_ws_data(const eddy_ws *ws);

/* eddy_ws_handler_arg - the handler's arg. */
void *eddy_ws_handler_arg(const eddy_ws *ws);

/* eddy_ws_subprotocol - the subprotocol chosen, or NULL. */
const char *eddy_ws_subprotocol(const eddy_ws *ws);

/* eddy_ws_compressed - permessage-deflate is on for this connection. */
int eddy_ws_compressed(const eddy_ws *ws);

/* eddy_ws_close_code - the peer's close code once closed (1006 if it
 * vanished), 0 while open. */
int eddy_ws_close_code(const eddy_ws *ws);

/* eddy_ws_queued_bytes - bytes waiting in the send queue. */
size_t eddy_ws_queued_bytes(const eddy_ws *ws);

/* eddy_ws_remote_ip - the peer's address as text. */
const char *eddy_ws_remote_ip(const eddy_ws *ws);

/* eddy_ws_broadcast - send one message to count connections, framing it
 * once, and compressing it once for all those whose compression keeps no
 * context (the others compress their own). Connections that are closing
 * are skipped; a full queue follows each one's policy. Returns how many
 * took the message. */
size_t eddy_ws_broadcast(eddy_ws *const *conns, size_t count, const void *data, size_t len,
                         int binary);

/* eddy_ws_open_count - WebSocket connections open on this thread (for
 * tests and stats). */
int eddy_ws_open_count(void);

/* eddy_ws_close_all - close every WebSocket of this thread at once,
 * sending 1001 where it can (on_close runs for each; run tasks are
 * cancelled and given the chance to return): a program calls it after its
 * loop ends, before freeing the loop (eddy_app_run does). */
void eddy_ws_close_all(void);

#endif
