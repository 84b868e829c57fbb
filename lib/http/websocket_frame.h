/*
 * websocket_frame - RFC 6455 frames: a parser that allocates nothing, a
 * writer, and the small pieces of the opening and closing handshakes.
 *
 * The parser is fed bytes as they arrive and hands back, one event per
 * call, a frame's header or a slice of its payload, unmasked in place
 * (the bytes given to it are modified). It keeps the few bytes of a
 * header split between two reads itself, so the caller never has to keep
 * unparsed input. It enforces what a frame alone can break: clients must
 * mask and servers must not; reserved bits (RSV1 only where
 * permessage-deflate allows it) and reserved opcodes are refused; control
 * frames carry at most 125 bytes and are never fragmented; continuation
 * frames come only inside a fragmented message, and a new message never
 * starts inside one (control frames between fragments are fine); a
 * 64-bit length has its top bit clear. A violation makes it return -1
 * with the close code to send (1002) and a reason, and it stays failed.
 *
 *     eddy_ws_parser p;
 *     eddy_ws_parser_init(&p, EDDY_WS_SERVER, 0);
 *     for (;;) {                            until it asks for more bytes
 *         eddy_ws_event ev;
 *         ssize_t n = eddy_ws_parse(&p, data, len, &ev);
 *         if (n < 0) ... close with p.close_code, p.error
 *         data += n, len -= n;
 *         if (ev.kind == EDDY_WS_EV_NONE) break;
 *         if (ev.kind == EDDY_WS_EV_HEADER) ... ev.frame
 *         if (ev.kind == EDDY_WS_EV_DATA) ... ev.data, ev.len; ev.frame_end
 *     }
 *
 * (Keep calling when len reaches 0: an empty frame's end is an event.)
 */
#ifndef EDDY_WEBSOCKET_FRAME_H
#define EDDY_WEBSOCKET_FRAME_H

#include <eddy/base/buf.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum eddy_ws_opcode {
    EDDY_WS_CONTINUATION = 0x0,
    EDDY_WS_TEXT = 0x1,
    EDDY_WS_BINARY = 0x2,
    EDDY_WS_CLOSE = 0x8,
    EDDY_WS_PING = 0x9,
    EDDY_WS_PONG = 0xA,
};

/* Close codes (RFC 6455 7.4.1) a program meets. 1005 and 1006 are never
 * sent: they report "no code given" and "closed without a close frame". */
enum eddy_ws_close_code {
    EDDY_WS_NORMAL = 1000,
    EDDY_WS_GOING_AWAY = 1001,
    EDDY_WS_PROTOCOL_ERROR = 1002,
    EDDY_WS_UNSUPPORTED_DATA = 1003,
    EDDY_WS_NO_STATUS = 1005,
    EDDY_WS_ABNORMAL = 1006,
    EDDY_WS_INVALID_DATA = 1007,
    EDDY_WS_POLICY = 1008,
    EDDY_WS_TOO_BIG = 1009,
    EDDY_WS_MISSING_EXTENSION = 1010,
    EDDY_WS_INTERNAL_ERROR = 1011,
};

/* Which end we are: a server's parser wants masked frames, a client's unmasked. */
enum eddy_ws_role { EDDY_WS_SERVER = 0, EDDY_WS_CLIENT = 1 };

enum { EDDY_WS_MAX_HEADER = 14, EDDY_WS_MAX_CONTROL = 125 };

typedef struct eddy_ws_frame {
    unsigned fin : 1, rsv1 : 1, masked : 1;
    uint8_t opcode;
    uint8_t mask[4];
    uint64_t length;
} eddy_ws_frame;

enum eddy_ws_event_kind {
    EDDY_WS_EV_NONE,   /* all bytes given were taken; feed more */
    EDDY_WS_EV_HEADER, /* ev.frame is the header of a new frame */
    EDDY_WS_EV_DATA,   /* ev.data/ev.len: payload, unmasked; ev.frame_end on the last
                          slice (a frame with no payload gets one empty slice) */
};

typedef struct eddy_ws_event {
    enum eddy_ws_event_kind kind;
    eddy_ws_frame frame; /* the current frame's header (HEADER and DATA) */
    uint8_t *data;
    size_t len;
    int frame_end;
} eddy_ws_event;

typedef struct eddy_ws_parser {
    uint8_t role;       /* enum eddy_ws_role */
    uint8_t allow_rsv1; /* permessage-deflate negotiated */
    uint8_t in_message; /* inside a fragmented data message */
    uint8_t in_payload; /* between a header and its frame's end */
    uint8_t header_len; /* bytes of a header kept in header[] */
    uint8_t header[EDDY_WS_MAX_HEADER];
    eddy_ws_frame frame;
    uint64_t offset;   /* payload bytes of the frame already handed out */
    int close_code;    /* after -1: the code to close with */
    const char *error; /* after -1: why */
} eddy_ws_parser;

/* eddy_ws_parser_init - a parser for role; allow_rsv1 when
 * permessage-deflate was negotiated. */
void eddy_ws_parser_init(eddy_ws_parser *p, enum eddy_ws_role role, int allow_rsv1);

/* eddy_ws_parse - take bytes from data[0..len) up to the next event; the
 * count taken (possibly len, with kind NONE), or -1 on a protocol error
 * (p->close_code, p->error; every later call fails too). */
ssize_t eddy_ws_parse(eddy_ws_parser *p, uint8_t *data, size_t len, eddy_ws_event *ev);

/* eddy_ws_mask - XOR data with mask, as if data began offset bytes into
 * the payload. Masking and unmasking are the same operation. */
void eddy_ws_mask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t offset);

/* eddy_ws_header_size - the bytes of the header of a frame with len bytes. */
size_t eddy_ws_header_size(uint64_t len, int masked);

/* eddy_ws_write_header - the header of a frame into out; its size. mask
 * NULL: unmasked (a server's frames). */
size_t eddy_ws_write_header(uint8_t out[EDDY_WS_MAX_HEADER], int fin, int rsv1, int opcode,
                            uint64_t len, const uint8_t *mask);

/* eddy_ws_frame_append - a whole frame (header and payload, masked with
 * mask unless it is NULL) at the end of out. 0, or -1 on ENOMEM. */
int eddy_ws_frame_append(eddy_buf *out, int fin, int rsv1, int opcode, const void *payload,
                         size_t len, const uint8_t *mask);

/* eddy_ws_close_payload - the payload of a close frame: code (0 for none)
 * and reason, cut to fit 125 bytes at a character boundary; its length. */
size_t eddy_ws_close_payload(uint8_t out[EDDY_WS_MAX_CONTROL], int code, const char *reason);

/* eddy_ws_parse_close - read a close frame's payload: *code (1005 when
 * empty) and the reason (points into payload, not NUL-terminated). 0, or
 * the close code to answer a bad one with: 1002 for a one-byte payload or
 * a code no one may send, 1007 for a reason that is not UTF-8. */
int eddy_ws_parse_close(const uint8_t *payload, size_t len, int *code, const char **reason,
                        size_t *reason_len);

/* eddy_ws_close_code_valid - code may appear in a close frame on the wire. */
int eddy_ws_close_code_valid(int code);

/* eddy_ws_accept_key - Sec-WebSocket-Accept for a Sec-WebSocket-Key:
 * base64(SHA-1(key + the RFC's GUID)), 28 characters and a NUL. */
void eddy_ws_accept_key(const char *key, size_t key_len, char out[29]);

/* eddy_ws_new_key - a fresh Sec-WebSocket-Key (16 random bytes in
 * base64), 24 characters and a NUL. 0, or -1 if no randomness. */
int eddy_ws_new_key(char out[25]);

/* eddy_ws_random_mask - four random bytes for a client frame's mask. */
void eddy_ws_random_mask(uint8_t mask[4]);

#endif
