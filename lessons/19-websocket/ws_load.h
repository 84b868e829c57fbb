/* ws_load.h - the WebSocket load program's connections.
 *
 * ws-load is a measuring tool, like wrk, so it is plain C on epoll with no
 * libeddy underneath: what it measures must not share code with what is
 * measured. This header is what its two files share: a set of client
 * connections on one epoll instance, each doing the RFC 6455 opening
 * handshake (and checking Sec-WebSocket-Accept), sending masked frames and
 * handing every data frame it receives to the program, which decides what
 * a frame means (an echo to check, a broadcast to time).
 */
#ifndef WS_LOAD_H
#define WS_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

enum ws_opcode { WS_CONTINUATION = 0, WS_TEXT = 1, WS_BINARY = 2, WS_CLOSE = 8, WS_PING = 9, WS_PONG = 10 };

enum conn_state { CONN_IDLE, CONN_CONNECTING, CONN_HANDSHAKE, CONN_OPEN, CONN_CLOSED };

struct conn {
    int fd;
    enum conn_state state;
    char expected_accept[32]; /* the Sec-WebSocket-Accept the server must answer */
    unsigned char *in;        /* bytes read and not yet parsed */
    size_t in_len, in_cap;
    unsigned char *out; /* bytes still to write */
    size_t out_len, out_off, out_cap;
    int message_opcode;    /* the data message being received (text or binary) */
    size_t message_offset; /* how many of its bytes came in earlier frames */
    /* what the program keeps per connection */
    uint64_t messages;
    uint64_t round;
};

struct load;

/* Called for every data frame: OPCODE is the message's (text or binary,
 * also for its continuation frames), OFFSET where DATA sits in the
 * message, FIN whether it is the message's last frame. */
typedef void load_frame_fn(struct load *load, struct conn *c, int opcode, const unsigned char *data,
                           size_t len, size_t offset, int fin);

struct load {
    int epfd;
    struct conn *conns;
    int count;
    struct sockaddr_in server;
    char host_header[80]; /* "127.0.0.1:8888" */
    const char *path;
    int sources; /* spread connections over 127.0.0.1 .. 127.0.0.SOURCES */
    uint64_t rng;
    load_frame_fn *on_frame;
    void *user;
    int opened, in_flight;
    int holding; /* load_send queues without writing: the caller flushes (load_flush) */
    char error[256]; /* the first failure, fatal for the run */
};

/* Sets LOAD up for COUNT connections to URL ("ws://127.0.0.1:8888/echo");
 * 0, or -1 with load->error set. */
int load_init(struct load *load, const char *url, int count, int sources);
void load_free(struct load *load);
/* Sends a close frame (1000) on every open connection. */
void load_close_all(struct load *load);

/* Starts connection I: socket, optional source address, non-blocking
 * connect; the handshake follows from load_poll. 0 or -1 (load->error). */
int load_connect(struct load *load, int i);

/* Waits up to TIMEOUT_MS for events and handles them. 0, or -1 once a
 * connection failed (load->error says which and why). */
int load_poll(struct load *load, int timeout_ms);

/* Queues one masked frame on C and writes what the socket takes (only
 * queues while load->holding). 0 or -1. */
int load_send(struct load *load, struct conn *c, int opcode, const void *data, size_t len);

/* Writes what C has queued. 0 or -1. */
int load_flush(struct load *load, struct conn *c);

double now_seconds(void);

#endif
