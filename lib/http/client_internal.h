/*
 * client_internal - what the client's files share (client.h is the API).
 *
 *   client.c           the client, the queue of fetches, redirects, and the
 *                      two ways to wait (a task or a callback)
 *   client_request.c   a fetch's copy of the request, its target, the head it writes
 *   client_conn.c      connections: evdns lookups, connect, TLS, the keep-alive pool
 *   client_response.c  reading one response: head, framing, gzip, limits
 *
 * A fetch (eddy_http_call) holds a slot from the moment it leaves the
 * queue until it ends, redirects included; it borrows a connection
 * (client_conn) for each request it sends and gives it back to the pool
 * only once that response was read to its last byte.
 */
#ifndef EDDY_CLIENT_INTERNAL_H
#define EDDY_CLIENT_INTERNAL_H

#include <eddy/base/buf.h>
#include <eddy/base/url.h>
#include <eddy/http/client.h>

#include <event2/event_struct.h>
#include <zlib.h>

struct evdns_base;
struct evdns_getaddrinfo_request;
struct evutil_addrinfo;
struct bufferevent;
typedef struct ssl_ctx_st SSL_CTX;

/* ------------------------------------------------------------ reading a response */

enum reader_state { READ_HEAD, READ_BODY, READ_DONE, READ_ERROR };

/* What the reader asks of its owner once a head is in (on_head's answer). */
enum { HEAD_KEEP = 0, HEAD_DISCARD_BODY = 1, HEAD_ABORT = -1 };

/* client_reader - one response, fed bytes as they arrive. It owns the
 * response it fills until client_reader_take hands it over. */
typedef struct client_reader {
    enum reader_state state;
    eddy_http_response *resp;
    eddy_buf head;       /* the head's bytes, kept: resp->head points into them */
    size_t scanned;      /* head bytes already searched for its end */
    const char *method;  /* of the request it answers: HEAD has no body */
    eddy_http_body framing;
    uint64_t remaining;  /* Content-Length bytes still to come */
    eddy_chunked chunked;
    z_stream z;
    int inflating;       /* 0 none, 1 gzip or zlib, 2 raw deflate */
    int z_started;       /* bytes have gone through z (a raw-deflate retry is too late) */
    int discard;         /* the body is read but not kept (a redirect's) */
    int decompress;
    uint64_t max_body;
    uint64_t body_total; /* decoded bytes so far */
    eddy_buf body;
    size_t bytes_in;     /* bytes fed so far, head included */
    int (*on_head)(void *owner, const eddy_http_message *head);
    int (*body_cb)(const char *data, size_t len, void *arg);
    void *owner, *cb_arg;
    int error;           /* when state is READ_ERROR */
    const char *error_text;
} client_reader;

/* client_reader_init - ready for a response to a request with method.
 * -1 on ENOMEM. */
int client_reader_init(client_reader *r, const char *method, int decompress, uint64_t max_body);

/* client_reader_feed - take bytes from data[0..len); *used says how many
 * belonged to this response (the rest, if any, came after it). Returns
 * the state: READ_HEAD/READ_BODY want more, READ_DONE or READ_ERROR. */
enum reader_state client_reader_feed(client_reader *r, const char *data, size_t len, size_t *used);

/* client_reader_eof - the connection closed: READ_DONE when the body was
 * delimited by the close, else READ_ERROR saying what was cut short. */
enum reader_state client_reader_eof(client_reader *r);

/* client_reader_keep_alive - the connection may carry another request. */
int client_reader_keep_alive(const client_reader *r);

/* client_reader_take - the finished response (body NUL-terminated);
 * the reader keeps nothing. */
eddy_http_response *client_reader_take(client_reader *r);

void client_reader_free(client_reader *r);

/* client_response_new / client_response_fail - a response struct, and one
 * that carries only an error. */
eddy_http_response *client_response_new(void);
void client_response_fail(eddy_http_response *resp, int error, const char *text);

/* ------------------------------------------------------------ connections */

typedef struct client_host client_host;
typedef struct client_conn client_conn;

/* One scheme://host:port: its open connections and the idle ones. */
struct client_host {
    char *key;           /* "https://example.com:443" */
    int conns;           /* open (busy + idle) */
    client_conn *idle;   /* most recently used first */
    client_host *next;
};

struct client_conn {
    eddy_http_client *client;
    client_host *host;
    struct bufferevent *bev;
    eddy_http_call *call;           /* using it now, or NULL when idle */
    client_conn *idle_next, *idle_prev;
    struct client_lookup *lookup;   /* the name lookup in progress */
    struct evutil_addrinfo *addrs, *next_addr;
    int connected;
    int is_idle;                    /* on its host's idle list */
    int requests;                   /* sent on it so far */
    int last_errno;                 /* of the last failed connect */
    char last_error[160];
};

/* ------------------------------------------------------------ fetches */

struct eddy_http_call {
    eddy_http_client *client;
    eddy_http_done_fn done;
    void *done_arg;
    /* the request, copied */
    char *method;
    char **headers; /* "Name: value" lines the caller gave */
    size_t header_count;
    char *body;
    size_t body_len;
    char *content_type;
    long connect_timeout_ms, request_timeout_ms;
    int follow, max_redirects, decompress;
    uint64_t max_body;
    int (*header_cb)(const eddy_http_message *, void *);
    int (*body_cb)(const char *, size_t, void *);
    void *cb_arg;
    /* where it goes now */
    char *url;          /* NUL-terminated; the parts below point into it */
    eddy_url parts;
    char *host;         /* NUL-terminated host, without brackets */
    char port[12];
    int https;
    char *host_key;     /* "scheme://host:port" */
    char **visited;     /* normalised URLs of this fetch, for redirect loops */
    int redirects;
    char *origin_key;   /* host_key of the first URL: credentials stay with it */
    char *redirect_to;  /* the Location of the response being read, resolved */
    const char *redirect_error;
    /* progress */
    client_conn *conn;
    client_reader reader;
    int reader_ready;
    int retried;        /* a stale pooled connection was retried once */
    int fresh_only;     /* the retry: never a pooled connection */
    int queued;         /* waiting for a slot */
    int has_slot;
    int delivering;     /* the done event is pending */
    int reused;         /* the current request went out on a pooled connection */
    eddy_http_response *result;
    eddy_http_call *q_next, *q_prev; /* the queue, or the list of active calls */
    struct event request_timer, connect_timer, deliver;
    double t_start, t_slot;
};

struct eddy_http_client {
    struct event_base *base;
    struct evdns_base *dns;
    SSL_CTX *ssl;       /* made on the first https fetch */
    char *ca_file;
    char *user_agent;
    eddy_http_client_config cfg;
    eddy_http_call *queue_head, *queue_tail;
    eddy_http_call *active; /* calls holding a slot, for free() */
    eddy_http_call *delivering; /* finished, their done callback pending */
    eddy_buf scratch;       /* where request heads are written */
    client_host *hosts;
    int idle_total;
    eddy_http_client_stats stats;
    char error[200];
};

/* client_conn_get - a connection for call's host: an idle one (unless
 * call->fresh_only), or a new one being opened. When it is ready (at once
 * for an idle one) client_call_connected(call) runs; when opening fails,
 * client_call_failed. -1 on ENOMEM. */
int client_conn_get(eddy_http_call *call);

/* client_conn_release - the call is done with its connection: keep it for
 * the next request if reusable, else close it. */
void client_conn_release(client_conn *conn, int reusable);

/* client_conn_close - close now, whatever its state. */
void client_conn_close(client_conn *conn);

/* client_conn_send - queue bytes on the connection's output. */
int client_conn_send(client_conn *conn, const void *data, size_t len);

/* client_host_can_open - another connection to key is allowed by max_per_host. */
int client_host_can_open(eddy_http_client *c, const char *key);

/* client_pool_free - close every idle connection and forget every host. */
void client_pool_free(eddy_http_client *c);

/* client_tls_ctx - the client's TLS context, made on first use; NULL with
 * c->error set. */
SSL_CTX *client_tls_ctx(eddy_http_client *c);

/* client_request.c: a fetch and what it sends. */

/* client_call_new - a fetch with req copied and defaults filled in
 * (timers not yet assigned); *why is set when it cannot be fetched (it
 * then ends at once with that error). NULL on ENOMEM. */
eddy_http_call *client_call_new(eddy_http_client *c, const eddy_http_request *req, const char **why);
void client_call_free(eddy_http_call *call);

/* client_call_set_target - aim call at url; NULL, or why it cannot be fetched. */
const char *client_call_set_target(eddy_http_call *call, const char *url);

/* client_call_remember_url - add url to the chain of this fetch; 1 if it
 * was there (a loop), 0, or -1 when it cannot be normalised or on ENOMEM. */
int client_call_remember_url(eddy_http_call *call, const char *url);

/* client_call_write_head - the request head into out; 0 or -1. */
int client_call_write_head(eddy_http_call *call, eddy_buf *out);

/* client_method_idempotent - repeating it is harmless (RFC 9110 9.2.2). */
int client_method_idempotent(const char *method);

/* Called by the connection layer. */
void client_call_connecting(eddy_http_call *call);
void client_call_connected(eddy_http_call *call);
void client_call_failed(eddy_http_call *call, int error, const char *text);
/* client_call_data - bytes arrived; 1 if the call still reads from its
 * connection afterwards, 0 if the response ended or failed. */
int client_call_data(eddy_http_call *call);
void client_call_closed(eddy_http_call *call, int error, const char *text);
void client_dispatch(eddy_http_client *c);

double client_now_ms(void);

#endif
