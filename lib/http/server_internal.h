/*
 * server_internal - what the server's files share; see server.c for the
 * map. Not installed, not for programs: only lib/http/server*.c include it.
 *
 * The three structs the server is made of live here (the server, a
 * connection, a request), with the few functions one file calls in
 * another. The ones on every request's path and small enough to matter
 * are static inline here, so splitting the files cost no call.
 */
#ifndef EDDY_SERVER_INTERNAL_H
#define EDDY_SERVER_INTERNAL_H

#include <eddy/async/future.h>
#include <eddy/base/buf.h>
#include <eddy/http/server.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

enum conn_state { READ_HEAD, READ_BODY, IN_HANDLER };

/* quote:begin conn */
struct conn {
    struct event ev;
    int fd;
    enum conn_state state;
    short interest;        /* EV_READ or EV_WRITE, as ev is assigned now */
    unsigned closing : 1;  /* close once the output is written */
    unsigned dead : 1;     /* the peer is gone or the server gave up: free asap */
    unsigned in_process : 1;
    unsigned read_paused : 1;
    unsigned lingering : 1; /* our side is shut: draining what the client still sends */
    eddy_takeover_fn takeover; /* switching protocols: who gets the socket (server.h) */
    void *takeover_arg;
    char *in;              /* pooled input block, NULL while idle */
    size_t in_start, in_end;
    size_t scanned;        /* bytes of the pending head already searched */
    size_t keep;           /* in[0..keep) holds the running request's head: never moved */
    struct timeval head_started;
    struct timeval idle_since; /* when it last went idle between requests */
    long timeout_ms;           /* ev's timeout, as last added (see arm) */
    unsigned handler_day : 1;  /* that timeout is the day a handler is given */
    eddy_buf *out;         /* pooled output buffer, NULL while idle */
    eddy_req *req;     /* the request being read or handled */
    eddy_server *server;
    struct conn *prev, *next;
    struct sockaddr_in6 peer; /* IPv4 or IPv6 */
};
/* quote:end conn */

struct eddy_req {
    eddy_http_message head;
    struct conn *conn;
    eddy_buf body;
    eddy_chunked chunked;
    uint64_t body_left; /* Content-Length bytes still to read */
    /* the response */
    int status;
    eddy_buf headers; /* "Name: value\r\n" lines the application added */
    eddy_buf out;     /* body written and not yet sent */
    uint64_t sent_body;
    unsigned headers_sent : 1, chunked_out : 1, finished : 1, is_head : 1, close_after : 1;
    unsigned streaming : 1; /* the request function reads the body (eddy_request_read_body) */
    unsigned body_done : 1; /* ... and has read all of it */
    eddy_task *task;
    eddy_arena arena;
    void *data;
    struct timespec started; /* for the access log */
    char ip[INET6_ADDRSTRLEN];
    eddy_req *next_free;
};

/* Storage for response bodies kept between responses: a body is written
 * within one turn of its task, so a few serve a whole loop. */
enum { SPARE_BODIES = 16 };

struct eddy_server {
    eddy_server_config cfg;
    eddy_request_fn fn;
    void *arg;
    struct event_base *base;
    struct evconnlistener *listener;
    int port;
    int connections;
    int listener_paused;
    int stopping;
    int deadline_armed;
    struct conn *conns; /* every open connection */
    char **free_inputs;
    size_t free_input_count;
    eddy_buf **free_outputs;
    size_t free_output_count;
    eddy_buf spare_bodies[SPARE_BODIES]; /* response bodies' storage, between responses */
    size_t spare_body_count;
    eddy_req *free_requests;
    size_t in_size;
    eddy_error_writer error_writer;
    void *error_writer_arg;
    eddy_stream_body_fn stream_body; /* which bodies the request function reads itself */
    void *stream_body_arg;
    struct event stop_deadline;
    struct event *signals[2];
    /* out of descriptors (server.c): accepting paused, a reserve to shed with */
    int reserve_fd;            /* /dev/null, given up to accept-and-close one client */
    int accept_paused;         /* the listener is off until accept_pause fires */
    int accept_trouble;        /* accept failed since it last succeeded */
    long accept_pauses, accept_shed; /* since the last log line */
    struct timeval accept_reported;
    struct event accept_pause;
    const struct timeval *idle_tv, *header_tv, *write_tv; /* libevent common timeouts */
    char error[256];
};

enum {
    POOL_KEEP = 256,
    OUT_HIGH_WATER = 256 * 1024,
    SENDFILE_STEP = 4 * 1024 * 1024, /* most bytes one sendfile job may move */
    INLINE_FILE_MAX = 64 * 1024,     /* eddy_send_file copies a cached span this small */
    LINGER_IDLE_MS = 1000,  /* nginx's lingering_timeout, shortened */
    LINGER_TOTAL_MS = 5000, /* nginx's lingering_time, shortened */
};

/* ------------------------------------------------------------ server.c */

/* eddy_server_accepting_again - the first connection accepted after
 * accept() failed: say so, with what happened in between. */
void eddy_server_accepting_again(eddy_server *s);

/* ------------------------------------------------------------ server_conn.c */

/* eddy_conn_accept - the listener's callback: a new connection. */
void eddy_conn_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *addr,
                      int len, void *arg);

/* eddy_conn_flush - write what c's output holds, then close it or arm it
 * for what it waits for next. 0, or -1 when c was closed: unless a task
 * holds its request, c is freed then and must not be touched again. */
int eddy_conn_flush(struct conn *c);

/* eddy_conn_close - close c now (or, while its request's task runs,
 * cancel the task and close when it ends). */
void eddy_conn_close(struct conn *c);

/* eddy_conn_hand_over - give c's socket to its takeover function and
 * forget c (freed: not to be touched again). */
void eddy_conn_hand_over(struct conn *c);

/* eddy_conn_peer_ip - the client's address as text. */
void eddy_conn_peer_ip(const struct conn *c, char out[INET6_ADDRSTRLEN]);

/* output - the connection's output buffer, taken from the server's pool
 * when needed. Appends to a pooled buffer only fail when memory runs out,
 * and then the response is cut short, which the client sees as a short
 * body. */
static inline eddy_buf *output(struct conn *c)
{
    if (!c->out) {
        eddy_server *s = c->server;
        c->out = s->free_output_count ? s->free_outputs[--s->free_output_count]
                                      : calloc(1, sizeof(eddy_buf));
    }
    return c->out;
}

/* ------------------------------------------------------------ server_recycle.c */

/* The server's pools: an input buffer (in_size bytes) or a request,
 * taken for a connection that needs one and given back when it is idle. */
char *eddy_conn_take_input(eddy_server *s);
void eddy_conn_give_input(eddy_server *s, char *in);
void eddy_conn_give_output(eddy_server *s, eddy_buf *b);
eddy_req *eddy_conn_take_request(eddy_server *s);
void eddy_conn_give_request(eddy_server *s, eddy_req *r);

/* ------------------------------------------------------------ server_response.c */

/* eddy_server_date - the Date header's value now, formatted once a second. */
const char *eddy_server_date(struct event_base *base);

#endif
