/*
 * httpio - the steps of a non-blocking HTTP fetch, and the few lines of
 * HTTP a fetcher needs to understand the answer.
 *
 * On a non-blocking socket no call waits. connect() starts the handshake
 * and returns EINPROGRESS; send() and recv() do what can be done at once
 * and return EAGAIN when nothing can. So each step below does as much as
 * it can right now and says whether it has finished (1), must be called
 * again later (0), or failed (-1). Lesson 01's loops become steps.
 */
#ifndef HTTPIO_H
#define HTTPIO_H

#include <stddef.h>

/* connect_done - has the non-blocking connect() on fd finished? 1 yes,
 * connected; 0 not yet (the handshake is still under way); -1 it failed,
 * with errno set to why (ECONNREFUSED, ETIMEDOUT, ...). */
int connect_done(int fd);

/* send_step - send data[*sent .. len) on the non-blocking socket fd, as
 * much as the kernel takes now, advancing *sent. 1 all sent; 0 the send
 * buffer is full (EAGAIN), call again later; -1 error, errno set. Retries
 * EINTR; never raises SIGPIPE. */
int send_step(int fd, const char *data, size_t len, size_t *sent);

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

/* recv_step - recv() from the non-blocking socket fd whatever has arrived,
 * feeding every byte to response_add(); retries EINTR. 1 the server has
 * closed (EOF), the response is complete; 0 nothing more to read now
 * (EAGAIN), call again later; -1 error, errno set. */
int recv_step(int fd, struct response *r);

/* parse_status_line - the status code of "HTTP/1.x NNN ..." at the start
 * of line (len bytes, need not be NUL-terminated), or -1 if it is not one. */
int parse_status_line(const char *line, size_t len);

/* response_body_bytes - bytes after the blank line that ends the headers,
 * or -1 if that blank line was never received. */
long long response_body_bytes(const struct response *r);

#endif
