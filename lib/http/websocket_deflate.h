/*
 * websocket_deflate - permessage-deflate (RFC 7692): negotiating it in the
 * handshake and compressing and decompressing messages with zlib.
 *
 * Each message is compressed as raw deflate ending in a sync flush whose
 * last four bytes (00 00 FF FF) are left off; the receiver puts them back.
 * With "context takeover" a stream's window carries over from message to
 * message (better compression, but a zlib stream per connection and
 * direction, hundreds of KiB for a compressor). Without it each message
 * stands alone, so no state is kept between messages: the compressor is
 * one per thread, shared by every connection, and a decompressor exists
 * only while a message is being read. A server therefore asks for
 * no_context_takeover both ways unless told otherwise, which keeps idle
 * connections small (the negotiation lets a server impose both).
 *
 * Decompression stops at a limit: a small message that would inflate
 * past max_message_bytes (a zip bomb) fails with close code 1009 before
 * the memory is spent.
 */
#ifndef EDDY_WEBSOCKET_DEFLATE_H
#define EDDY_WEBSOCKET_DEFLATE_H

#include <eddy/base/buf.h>
#include <eddy/http/websocket_frame.h>

#include <stddef.h>

/* What was agreed, for one connection. Window bits 8..15. */
typedef struct eddy_ws_deflate_params {
    int server_no_context_takeover;
    int client_no_context_takeover;
    int server_max_window_bits; /* 15 when not given */
    int client_max_window_bits; /* 15 when not given */
} eddy_ws_deflate_params;

/* What a server accepts, or a client offers. */
typedef struct eddy_ws_deflate_config {
    int context_takeover; /* 0 (the default): ask for no_context_takeover both ways */
    int max_window_bits;  /* our compressor's window, 9..15 (default 15) */
    int level;            /* zlib level, default 6 */
} eddy_ws_deflate_config;

/* eddy_ws_deflate_negotiate - a server reads the client's
 * Sec-WebSocket-Extensions (offers, in its order of preference) and picks
 * the first permessage-deflate offer it can honour: 1 with *out set and
 * the response header's value in response (NUL-terminated), 0 when there
 * is none to accept (no compression; not an error), -1 when the header
 * does not parse (answer 400). cfg NULL: defaults. */
int eddy_ws_deflate_negotiate(const char *offers, const eddy_ws_deflate_config *cfg,
                              eddy_ws_deflate_params *out, char *response, size_t cap);

/* eddy_ws_deflate_offer - the Sec-WebSocket-Extensions value a client
 * sends; its length. */
size_t eddy_ws_deflate_offer(const eddy_ws_deflate_config *cfg, char *out, size_t cap);

/* eddy_ws_deflate_accept - a client checks the server's answer to its
 * offer: 0 with *out set, or -1 (the connection must fail) when it names
 * another extension, repeats or misspells a parameter, or imposes what
 * the client did not offer. */
int eddy_ws_deflate_accept(const char *response, const eddy_ws_deflate_config *cfg,
                           eddy_ws_deflate_params *out);

/* One end's compression state. */
typedef struct eddy_ws_deflate eddy_ws_deflate;

/* eddy_ws_deflate_new - state for our end (role) of a connection with
 * params. Allocates nothing big until a message needs it. NULL on ENOMEM. */
eddy_ws_deflate *eddy_ws_deflate_new(const eddy_ws_deflate_params *params, enum eddy_ws_role role,
                                     int level);
void eddy_ws_deflate_free(eddy_ws_deflate *d);

/* eddy_ws_deflate_stateless - our compressor keeps nothing between
 * messages (no context takeover, or only our window): the same message
 * compresses to the same bytes for every such connection with the same
 * window, so a broadcast compresses once. Returns the window bits (the
 * key to share by), or 0 when the compressor has a context. */
int eddy_ws_deflate_stateless(const eddy_ws_deflate *d);

/* eddy_ws_deflate_compress - one message, compressed, appended to out.
 * 0, or -1 (ENOMEM or a zlib failure). */
int eddy_ws_deflate_compress(eddy_ws_deflate *d, const void *data, size_t len, eddy_buf *out);

/* eddy_ws_deflate_decompress - one whole compressed message (the
 * payloads of its frames, in order), inflated into out. 0, or a close
 * code: 1009 when it would exceed max bytes, 1007 for data that is not
 * deflate, 1011 out of memory. */
int eddy_ws_deflate_decompress(eddy_ws_deflate *d, const void *data, size_t len, eddy_buf *out,
                               size_t max);

/* eddy_ws_deflate_idle - drop what is kept between messages when nothing
 * needs it (no context takeover): call when a connection goes idle. */
void eddy_ws_deflate_idle(eddy_ws_deflate *d);

#endif
