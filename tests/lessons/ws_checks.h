/*
 * ws_checks - a WebSocket client over raw sockets for the lesson's tests.
 *
 * Small on purpose: what goes on the wire is written out here (masked
 * frames, the handshake, permessage-deflate's empty-block tail), so a
 * test sees exactly what a browser would and depends on no WebSocket code
 * of the library it tests. Every read has a timeout; nothing asserts:
 * functions return -1 and the test decides.
 */
#ifndef TEST_WS_CHECKS_H
#define TEST_WS_CHECKS_H

#include <stddef.h>

enum { WS_OP_TEXT = 1, WS_OP_BINARY = 2, WS_OP_CLOSE = 8, WS_OP_PING = 9, WS_OP_PONG = 10 };

/* ws_open - connect to 127.0.0.1:port, GET path with the upgrade headers
 * (and Sec-WebSocket-Extensions: offer, if not NULL), check 101 and
 * Sec-WebSocket-Accept. The answered extensions go into answer (256
 * bytes) if not NULL. The socket, or -1. */
int ws_open(int port, const char *path, const char *offer, char *answer);

/* ws_open_status - the same handshake; returns the HTTP status whatever
 * it is (the head in head), closing the socket. -1 on no answer. */
int ws_open_status(int port, const char *path, char *head, size_t cap);

/* ws_send - one masked frame with fin set. 0 or -1. */
int ws_send(int fd, int opcode, const void *data, size_t len);

/* ws_recv - the next data message (pings are answered, pongs skipped),
 * NUL-terminated in buf: its length, opcode in *op; -1 on a close frame,
 * timeout, a compressed or oversized frame, or an error. */
int ws_recv(int fd, int *op, char *buf, size_t cap, int timeout_ms);

/* ws_recv_inflate - ws_recv for a connection with permessage-deflate:
 * a frame with RSV1 set is inflated; *compressed says whether it was and
 * *wire how many payload bytes it had on the wire. */
int ws_recv_inflate(int fd, int *op, char *buf, size_t cap, int timeout_ms, int *compressed, size_t *wire);

/* ws_recv_containing - read messages until one contains needle (1; it
 * is left in buf) or timeout_ms passes (0; the last message in buf). */
int ws_recv_containing(int fd, const char *needle, char *buf, size_t cap, int timeout_ms);

/* ws_close - send a close frame with code, wait (2 s at most) for the
 * server's, close the socket. */
void ws_close(int fd, int code);

#endif
