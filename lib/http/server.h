/*
 * server - HTTP/1.1 connections on the loop (Tornado's HTTPServer).
 *
 * The server accepts connections, parses requests with http_parser, reads
 * their bodies, and runs the application's request function for each one
 * in its own task (future.h), so the function may wait — for a database,
 * a timer, another server — while the loop serves everyone else. A
 * connection that is idle holds no buffers and no task: a few hundred
 * bytes. Keep-alive, pipelining (answered in order), Content-Length and
 * chunked request bodies (with "100 Continue"), buffered or streamed
 * responses, HEAD, a cached Date header and an access log are handled
 * here; so are the limits, each with the status a client should see:
 * 400 bad request, 408 too slow, 413 body too large, 414 URI too long
 * (a request line longer than max_line or than the whole head may be),
 * 431 headers too large, 501 unsupported (a transfer coding, CONNECT),
 * 505 HTTP version, all followed by closing the connection. Methods are
 * case-sensitive: one outside the standard set ("get", "FOOBAR") is
 * answered 501 on a connection that stays open, unless extension_methods
 * lets it through to the request function. When the process runs out of
 * file descriptors, accepting pauses for a moment instead of spinning.
 * Stopping is graceful: stop accepting, let requests in flight finish
 * (up to a deadline), close the idle.
 */
#ifndef EDDY_SERVER_H
#define EDDY_SERVER_H

#include <eddy/base/arena.h>
#include <eddy/base/buf.h>
#include <eddy/base/http_fields.h>
#include <eddy/http/http_parser.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct eddy_server eddy_server;
typedef struct eddy_req eddy_req;
typedef void (*eddy_request_fn)(eddy_req *r, void *arg);

typedef struct eddy_server_config {
    const char *address;     /* default "127.0.0.1" */
    int port;                /* default 8888; 0 picks a free port */
    int backlog;             /* listen() backlog, default 1024 */
    int reuse_port;          /* SO_REUSEPORT, for several processes on one port */
    size_t max_line;         /* request line, default 8 KiB (414) */
    size_t max_headers;      /* header fields, default 100 (431) */
    size_t max_header_bytes; /* whole head, default 16 KiB (431) */
    size_t max_body_bytes;   /* request body, default 10 MiB (413) */
    long header_timeout_ms;  /* from a head's first byte to its end, default 10 s (408) */
    long body_timeout_ms;    /* to receive a whole body, default 60 s (408) */
    long idle_timeout_ms;    /* keep-alive connection with nothing to do, default 60 s */
    long write_timeout_ms;   /* a client that stops reading its response, default 60 s */
    int max_connections;     /* default 10000; beyond it, new ones wait in the backlog */
    int access_log;          /* one log line per request, default 1 */
    long stop_timeout_ms;    /* graceful stop: how long requests in flight may take, default 10 s */
    int gzip;                /* compress compressible responses when the client accepts it (default 1) */
    size_t gzip_min_bytes;   /* ... and the body is at least this large, default 1024 */
    int handle_signals;      /* stop gracefully on SIGTERM/SIGINT from listen on (default 1;
                                0 for a server on a thread that does not own the process) */
    int extension_methods;   /* pass any method to the request function (1), or only
                                GET HEAD POST PUT DELETE OPTIONS TRACE PATCH and answer
                                others 501 (0, the default; the framework sets 1 and
                                answers 405 with Allow itself) */
} eddy_server_config;

/* eddy_server_config_defaults - fill c with the defaults above. */
void eddy_server_config_defaults(eddy_server_config *c);

/* eddy_server_new - a server on this thread's loop that answers every
 * request with fn(request, arg). NULL on ENOMEM. */
eddy_server *eddy_server_new(const eddy_server_config *c, eddy_request_fn fn, void *arg);

/* eddy_server_listen - bind and listen; 0, or -1 with eddy_server_error(). */
int eddy_server_listen(eddy_server *s);

/* eddy_server_port - the port listened on (useful with port 0). */
int eddy_server_port(const eddy_server *s);

/* eddy_server_error - what the last failed call failed with. */
const char *eddy_server_error(const eddy_server *s);

/* eddy_server_stop - stop gracefully (see above); the loop ends once the
 * last connection is gone. Safe from a signal callback and to call twice. */
void eddy_server_stop(eddy_server *s);

/* eddy_server_run - listen unless listening, and run the loop until
 * stopped. With handle_signals, SIGTERM and SIGINT stop gracefully; they
 * are caught from eddy_server_listen on, so a signal that arrives between
 * listen and run is not lost. 0, or -1 with a message. */
int eddy_server_run(eddy_server *s);

/* eddy_server_free - close everything at once (after the loop has ended). */
void eddy_server_free(eddy_server *s);

/* eddy_server_set_error_writer - who writes the body of error responses
 * from eddy_send_error: writer(r, status, reason, arg) sets headers and
 * writes the page (the status is set already). Default: a small HTML page. */
typedef void (*eddy_error_writer)(eddy_req *r, int status, const char *reason, void *arg);
void eddy_server_set_error_writer(eddy_server *s, eddy_error_writer writer, void *arg);

/* eddy_server_connections - connections open now (for tests and stats). */
int eddy_server_connections(const eddy_server *s);

/* eddy_fork_processes - Tornado's fork_processes: fork n workers (0: one
 * per CPU). In each worker it returns the worker's index 0..n-1: create
 * the loop and the server there, after the fork (with reuse_port). The
 * parent stays inside to supervise: it restarts a worker that dies of a
 * signal or exits non-zero (at most 100 times in all), passes SIGTERM and
 * SIGINT on to the workers, and once the last one is gone returns
 * EDDY_FORK_PARENT_DONE; the program then simply ends (it has no loop and
 * no server in the parent). Returns -1 with errno set, in the parent with
 * no worker started, if the first fork fails. So:
 *
 *     int worker = eddy_fork_processes(n);
 *     if (worker < 0)                  // the parent, done; or fork failed
 *         return worker == EDDY_FORK_PARENT_DONE ? 0 : 1;
 *     ... the worker's loop and server ...
 */
enum { EDDY_FORK_PARENT_DONE = -2 };
int eddy_fork_processes(int n);

/* ------------------------------------------------------------ requests */

/* Strings from a request point into the connection's buffers and stay
 * valid until the request finishes. */
const eddy_http_message *eddy_request_head(const eddy_req *r);
eddy_str eddy_request_method(const eddy_req *r);
eddy_str eddy_request_path(const eddy_req *r);  /* raw: percent-encoded */
eddy_str eddy_request_query(const eddy_req *r); /* raw, without '?' */
const eddy_str *eddy_request_header(const eddy_req *r, const char *name);
eddy_str eddy_request_body(const eddy_req *r);  /* decoded from chunked if it was */
const char *eddy_request_remote_ip(const eddy_req *r);
int eddy_request_is_head(const eddy_req *r);    /* HEAD: the body written is not sent */

/* eddy_request_arena - the request's arena: memory freed when it finishes. */
eddy_arena *eddy_request_arena(eddy_req *r);

/* eddy_request_set_data / eddy_request_data - one pointer for the layer
 * above (the framework keeps its per-request state here). */
void eddy_request_set_data(eddy_req *r, void *data);
void *eddy_request_data(const eddy_req *r);

/* ------------------------------------------------------------ responses */

/* eddy_response_status - the status code (default 200); before the first flush. */
int eddy_response_status(eddy_req *r, int status);

/* eddy_response_header - add a header (set_header replaces one of the
 * same name). Names and values with CR, LF or NUL are refused: -1. */
int eddy_response_header(eddy_req *r, const char *name, const char *value);
int eddy_response_set_header(eddy_req *r, const char *name, const char *value);

/* eddy_write - append to the response body (buffered until flush/finish). */
int eddy_write(eddy_req *r, const void *data, size_t len);
int eddy_write_str(eddy_req *r, const char *s);
int eddy_writef(eddy_req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* eddy_response_body - the body buffered so far, for code that writes
 * into it in place (a template renders straight into it, and drops what
 * it wrote if it fails); NULL once the response is finished. */
eddy_buf *eddy_response_body(eddy_req *r);

/* eddy_flush - send what is buffered now. The first flush sends the
 * headers, with chunked encoding since the length is not known yet; later
 * writes go out as chunks. In a task, waits while the client is slower
 * than the writes (0, or ECANCELED/EPIPE when the client is gone). */
int eddy_flush(eddy_req *r);

/* eddy_send_file - the whole response body: length bytes of fd from
 * offset, sent with sendfile(2) so the bytes go from the page cache to the
 * socket without a copy through user space. Writes the head (with
 * Content-Length: length; do not set one yourself), then the bytes, then
 * finishes the response; HEAD and bodiless statuses get the head only.
 * The sendfile calls run on the thread pool, so a file that is not in the
 * page cache never stalls the loop; between them the task waits for the
 * socket like eddy_flush does. A span of at most 64 KiB that is already
 * cached is copied next to the head instead (a read that cannot wait for
 * the disk), which is cheaper than a trip to the pool. Call it from the request's task, before
 * anything was written or flushed; fd stays the caller's to close. 0, or
 * an errno value: EINVAL (too late, or body bytes already written), EPERM
 * (not in a task), EPIPE/ECANCELED (the client is gone), EIO (the file is
 * shorter than promised); after an error once the head is out the
 * connection is closed, as a short body is all the client can be told. */
int eddy_send_file(eddy_req *r, int fd, uint64_t offset, uint64_t length);

/* eddy_finish - end the response: with Content-Length if nothing was
 * flushed, else with the last chunk. Finishing twice does nothing; a
 * request function that returns without finishing is finished for it. */
void eddy_finish(eddy_req *r);

/* eddy_send_error - a complete error response: the status, and a page
 * from the error writer (by default a small HTML page). The body written
 * so far is dropped, and so are the headers that describe it:
 * Content-Type, Content-Length, Content-Encoding, Content-Language,
 * Content-Disposition, Content-Location, Content-Range (except on a 416,
 * where it gives the size), ETag, Last-Modified and Transfer-Encoding.
 * Every other header the handler set stays, as it was set on purpose:
 * Allow on a 405, WWW-Authenticate on a 401, Retry-After on a 503,
 * Location, Set-Cookie. (Tornado's send_error clears them all, and its
 * write_error has to set them again.) If the head was already sent it is too late for a status: the
 * connection is closed, cutting the response short. */
void eddy_send_error(eddy_req *r, int status, const char *reason);

/* eddy_default_error_page - the small HTML page eddy_send_error writes
 * when no error writer is set; reason is HTML-escaped. For error writers
 * that want to fall back to it. */
void eddy_default_error_page(eddy_req *r, int status, const char *reason);

/* eddy_response_finished - finish has been called. */
int eddy_response_finished(const eddy_req *r);

/* eddy_request_take_over - switch protocols (WebSocket): once this
 * request's response, a 101, is finished and the request function has
 * returned, the connection is given to fn instead of reading another
 * request. fn(fd, in, in_len, out, out_len, arg) gets the socket, now its
 * own to close; the bytes the client sent after the request (already
 * read); and the end of the response the socket has not taken yet, to
 * send before anything else. in and out are valid during the call only.
 * The server then forgets the connection: its buffers, request and task
 * are given back and it no longer counts it. fn is called exactly once,
 * with fd -1 when the connection was lost or the response was not a 101.
 * 0, or -1 when a take-over is already set. */
typedef void (*eddy_takeover_fn)(int fd, const char *in, size_t in_len, const char *out,
                                 size_t out_len, void *arg);
int eddy_request_take_over(eddy_req *r, eddy_takeover_fn fn, void *arg);


#endif
