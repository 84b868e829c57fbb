/*
 * websocket_client_internal - what the client's two files share:
 * websocket_client.c (the handshake, frames, the API) and
 * websocket_client_conn.c (lookup, connect, TLS, bytes with waits).
 * Only they include it.
 */
#ifndef EDDY_WEBSOCKET_CLIENT_INTERNAL_H
#define EDDY_WEBSOCKET_CLIENT_INTERNAL_H

#include <eddy/http/websocket_client.h>

#include <stdarg.h>
#include <time.h>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

enum { IN_SIZE = 16384, HEAD_MAX = 16384 };

struct eddy_ws_client {
    eddy_ws_client_options o;
    char *subprotocols, *origin, *headers, *ca_file; /* the options' strings, copied */
    char *host, *target;
    int port, tls;
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    eddy_ws_reader reader;
    eddy_ws_deflate *deflate;
    eddy_ws_deflate_params params;
    char *in;
    size_t in_start, in_end;
    int status;
    char *subprotocol, *extensions;
    int close_code;
    char close_reason[EDDY_WS_MAX_CONTROL];
    unsigned open : 1, close_sent : 1, closed : 1;
    char error[256];
};

/* ------------------------------------------------------------ websocket_client.c */

/* ws_client_fail - keep the message for eddy_ws_client_error; returns err. */
int ws_client_fail(eddy_ws_client *c, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------ websocket_client_conn.c */


/* ws_client_tcp_connect - look the host up (on the thread pool) and
 * connect to the first address that answers; 0 or an errno value. */
int ws_client_tcp_connect(eddy_ws_client *c, const struct timespec *deadline);

/* ws_client_tls_connect - the TLS handshake on c's socket; 0 or errno. */
int ws_client_tls_connect(eddy_ws_client *c, const struct timespec *deadline);

/* ws_client_write - all of data, waiting as needed; 0 or an errno value. */
int ws_client_write(eddy_ws_client *c, const void *data, size_t len);

/* ws_client_read - some bytes into the input buffer's free end; 0,
 * EPIPE at the end of the stream, ETIMEDOUT (deadline NULL: none),
 * ECANCELED. */
int ws_client_read(eddy_ws_client *c, const struct timespec *deadline);

#endif
