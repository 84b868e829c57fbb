/*
 * websocket_internal - what the WebSocket handler's two files share:
 * websocket.c (routes, the handshake, the API a program calls) and
 * websocket_conn.c (a connection's life on the loop once it is taken
 * over: reading, writing, pings, closing). Only they include it.
 */
#ifndef EDDY_WEBSOCKET_INTERNAL_H
#define EDDY_WEBSOCKET_INTERNAL_H

#include <eddy/async/future.h>
#include <eddy/http/websocket_deflate.h>
#include <eddy/http/websocket_message.h>
#include <eddy/web/websocket.h>

#include <event2/event.h>
#include <event2/event_struct.h>

/* A route: the router's handler table first, so the table the framework
 * hands back (eddy_req_handler) leads to the WebSocket handler. */
struct ws_route {
    eddy_handler http;
    eddy_ws_handler h; /* a copy, with the options' defaults filled in */
    struct ws_route *next;
};

enum ws_state {
    WS_OPEN,    /* messages both ways */
    WS_CLOSING, /* our close frame is queued or sent: waiting for the peer's */
    WS_CLOSED,  /* close frames exchanged: the socket closes once the queue is out */
    WS_FAILING, /* we failed the connection: our close frame goes out, input is discarded */
};

/* A message queued for a run task's eddy_ws_read. */
struct ws_inbox {
    struct ws_inbox *next;
    int opcode;
    size_t len;
    char data[];
};

struct eddy_ws {
    struct event ev;
    int fd;                   /* -1 until the server hands the socket over */
    uint8_t state;            /* enum ws_state */
    unsigned doomed : 1;      /* end at the next event (a slow reader, a dead peer) */
    unsigned finished : 1;    /* closed and told; freed once its task is done */
    unsigned ping_out : 1;    /* a ping of ours awaits its pong */
    unsigned shut : 1;        /* our side is shut (WS_FAILING): draining the peer's */
    unsigned read_paused : 1; /* a run task has messages it has not read */
    unsigned close_told : 1;  /* on_close has run */
    short interest;           /* EV_READ, or EV_READ|EV_WRITE while output waits */
    long armed_ms;            /* the timeout ev was added with (0: none); -1: not added */
    int close_code;           /* the peer's, once known */
    char *close_reason;       /* the peer's (malloc), or NULL */
    const struct ws_route *route;
    eddy_ws_reader reader;
    eddy_ws_deflate *deflate; /* NULL: no compression */
    eddy_buf *out;            /* what the socket has not taken yet; NULL when empty */
    char *subprotocol;        /* malloc, or NULL */
    void *data;
    eddy_ws *prev, *next; /* this thread's open WebSockets */
    /* only for a run task */
    eddy_task *task;
    eddy_future *waiter;
    struct ws_inbox *inbox, *inbox_last, *current;
};

/* ------------------------------------------------------------ websocket_conn.c */

/* ws_taken_over - the server's take-over function (server.h): the 101 is
 * out, the socket is ws's. */
void ws_taken_over(int fd, const char *in, size_t in_len, const char *out, size_t out_len,
                   void *arg);

/* ws_write_frame - send a frame (header hn bytes, then payload), queueing
 * what the socket does not take. 0, EPIPE, or EAGAIN (dropped by the
 * slow-reader policy). control: a control frame, never dropped. */
int ws_write_frame(eddy_ws *ws, const uint8_t *hdr, size_t hn, const void *payload, size_t len,
                   int control);

/* ws_send_close - queue our close frame and move to state. */
void ws_send_close(eddy_ws *ws, int code, const char *reason, enum ws_state state);

/* ws_doom - end ws at its next event, from anywhere. */
void ws_doom(eddy_ws *ws);

/* ws_finish - close the socket, tell the program, free (or leave it to
 * the run task). */
void ws_finish(eddy_ws *ws);

/* ws_resume - a run task has read all that was queued: read the socket again. */
void ws_resume(eddy_ws *ws);

/* ws_first / ws_count - this thread's open WebSockets; ws_task_count -
 * its run tasks that have not returned yet. */
eddy_ws *ws_first(void);
int ws_count(void);
int ws_task_count(void);

#endif
