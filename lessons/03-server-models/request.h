/*
 * request - find one whole HTTP/1.x request at the front of a buffer.
 *
 * A server reads whatever bytes have arrived: half a request, exactly one,
 * or three pipelined back to back. Before it can answer it must know where
 * the first request ends and whether the client wants the connection kept
 * open afterwards. http_parse() answers both without copying or allocating:
 * the caller owns the buffer, and the request points into it.
 */
#ifndef REQUEST_H
#define REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct http_request {
    const char *method; /* points into the caller's buffer, not NUL-terminated */
    size_t method_len;
    const char *path; /* the request target, e.g. "/slow?x=1" */
    size_t path_len;
    int minor_version; /* 0 for HTTP/1.0, 1 for HTTP/1.1 */
    bool keep_alive;   /* may the connection carry another request after this one? */
};

/* http_parse - look for one complete request at the start of buf[0..len).
 * Returns its length in bytes (the header, its blank line and any body
 * announced by Content-Length) and fills *req; 0 if more bytes are needed;
 * -1 if the bytes can never become a request this server accepts
 * (a bad request line, a header line without a colon, a version other
 * than HTTP/1.0 or 1.1, a bad Content-Length, Transfer-Encoding). */
ssize_t http_parse(const char *buf, size_t len, struct http_request *req);

#endif
