/*
 * httpio - the socket loops of a blocking HTTP fetch, and the few lines of
 * HTTP a fetcher needs to understand the answer.
 *
 * A TCP socket moves a stream of bytes, not messages: send() may take only
 * part of what it is given and recv() returns whatever has arrived, from
 * one byte to everything. send_all() and read_response() hide that behind
 * "send all of this" and "read the whole answer"; on a blocking socket each
 * of them may sleep for as long as the network takes.
 */
#ifndef HTTPIO_H
#define HTTPIO_H

#include <stddef.h>

/* send_all - send all len bytes on the blocking socket fd, going round
 * again after a short send and after EINTR. Never raises SIGPIPE.
 * Returns 0, or -1 with errno set. */
int send_all(int fd, const void *data, size_t len);

/* A response as it arrives: the first bytes (status line and headers) are
 * kept for parsing, the rest is only counted. */
struct response {
    char head[4096];  /* the first bytes received */
    size_t head_len;  /* how many of head are used */
    long long total;  /* every byte received, head included */
};

void response_init(struct response *r);

/* response_add - account for n more bytes received. */
void response_add(struct response *r, const char *data, size_t n);

/* read_response - recv() from fd until the server closes (EOF), feeding
 * every byte to response_add(); retries EINTR. Returns 0 at EOF, or -1 with
 * errno set. */
int read_response(int fd, struct response *r);

/* parse_status_line - the status code of "HTTP/1.x NNN ..." at the start
 * of line (len bytes, need not be NUL-terminated), or -1 if it is not one. */
int parse_status_line(const char *line, size_t len);

/* response_body_bytes - bytes after the blank line that ends the headers,
 * or -1 if that blank line was never received. */
long long response_body_bytes(const struct response *r);

#endif
