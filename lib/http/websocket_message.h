/*
 * websocket_message - whole messages out of WebSocket frames, for both
 * ends of a connection (the server's handler and the client).
 *
 * The reader sits on the frame parser: it joins a fragmented message,
 * decompresses it when permessage-deflate is on, checks that a text
 * message is UTF-8 (across fragments, so a bad byte fails at once, not
 * at the end: 1007), holds a message to max_message bytes (1009), and
 * hands control frames out as they come, between fragments too. A close
 * frame's payload is checked as well (1002 for a bad code, 1007 for a bad
 * reason). Its buffers exist only while a message is being read: between
 * messages a reader is a couple of hundred bytes.
 */
#ifndef EDDY_WEBSOCKET_MESSAGE_H
#define EDDY_WEBSOCKET_MESSAGE_H

#include <eddy/base/buf.h>
#include <eddy/base/utf8.h>
#include <eddy/http/websocket_deflate.h>
#include <eddy/http/websocket_frame.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A message or control frame. data is valid until the reader is fed
 * again, and while the bytes last fed stay where they are: a whole
 * binary message that came in one frame points into them. For a text
 * message data is followed by a NUL (not counted). */
typedef struct eddy_ws_message {
    int opcode; /* EDDY_WS_TEXT, _BINARY, _PING, _PONG or _CLOSE */
    const char *data;
    size_t len;
    int close_code;     /* EDDY_WS_CLOSE: the peer's code (1005 if none) */
    const char *reason; /* EDDY_WS_CLOSE: its reason, NUL-terminated */
} eddy_ws_message;

typedef struct eddy_ws_reader {
    eddy_ws_parser parser;
    eddy_ws_deflate *deflate; /* not owned; NULL: no compression */
    size_t max_message;
    eddy_buf message;  /* the data message being joined */
    eddy_buf inflated; /* its decompressed form, once whole */
    eddy_utf8 utf8;
    uint8_t opcode; /* of the data message being joined */
    uint8_t compressed;
    uint8_t control_len;
    uint8_t control[EDDY_WS_MAX_CONTROL + 1];
    int close_code;    /* after -1: the code to close with */
    const char *error; /* after -1: why */
} eddy_ws_reader;

/* eddy_ws_reader_init - a reader for role; deflate (may be NULL) stays
 * the caller's; max_message 0 means no limit. */
void eddy_ws_reader_init(eddy_ws_reader *r, enum eddy_ws_role role, eddy_ws_deflate *deflate,
                         size_t max_message);

/* eddy_ws_reader_feed - take bytes from data[0..len) (unmasking them in
 * place) until a message is whole: then *m is set, *got is 1, and the
 * count taken so far is returned; else *got is 0 and all of len was
 * taken. -1 on a violation: r->close_code and r->error. */
ssize_t eddy_ws_reader_feed(eddy_ws_reader *r, uint8_t *data, size_t len, eddy_ws_message *m,
                            int *got);

/* eddy_ws_reader_idle - free the buffers of the last message, if no
 * message is half-read; call when the input runs dry. */
void eddy_ws_reader_idle(eddy_ws_reader *r);

/* eddy_ws_reader_free - free everything the reader holds. */
void eddy_ws_reader_free(eddy_ws_reader *r);

#endif
