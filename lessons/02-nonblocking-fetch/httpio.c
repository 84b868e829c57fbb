/*
 * httpio - the steps of a non-blocking HTTP fetch; see httpio.h.
 *
 * connect_done() and recv_step() are the exercise of lesson 02:
 * exercises/02-nonblocking-fetch/httpio.c is this file with their bodies
 * removed. Compare with lesson 01's httpio.c: the loops are the same, but
 * where a blocking call would have slept, a step returns 0.
 */
#include "httpio.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* quote:begin connect-done */
int connect_done(int fd)
{
    /* A failed handshake leaves its error in SO_ERROR (reading it clears it). */
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return -1;
    if (err != 0) {
        errno = err;
        return -1;
    }
    /* No error: connected, or still waiting for the server's answer to our
     * SYN. Only a connected socket has a peer. (If the handshake fails just
     * after the check above, this says "not yet" and the next call sees it.) */
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    if (getpeername(fd, (struct sockaddr *)&peer, &plen) == 0)
        return 1;
    return errno == ENOTCONN ? 0 : -1;
}
/* quote:end connect-done */

/* quote:begin send-step */
int send_step(int fd, const char *data, size_t len, size_t *sent)
{
    while (*sent < len) {
        ssize_t n = send(fd, data + *sent, len - *sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0; /* the send buffer is full: come back later */
        if (n < 0)
            return -1;
        *sent += (size_t)n; /* a short send: try for the rest at once */
    }
    return 1;
}
/* quote:end send-step */

void response_init(struct response *r)
{
    r->head_len = 0;
    r->total = 0;
}

void response_add(struct response *r, const char *data, size_t n)
{
    size_t room = sizeof r->head - r->head_len;
    size_t keep = n < room ? n : room;
    memcpy(r->head + r->head_len, data, keep);
    r->head_len += keep;
    r->total += (long long)n;
}

/* quote:begin recv-step */
int recv_step(int fd, struct response *r)
{
    char chunk[16384];
    for (;;) {
        /* Never waits: returns what has arrived, or EAGAIN if nothing has. */
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0; /* nothing more for now: come back later */
        if (n < 0)
            return -1;
        if (n == 0)
            return 1; /* EOF: the server closed, the answer is complete */
        response_add(r, chunk, (size_t)n);
    }
}
/* quote:end recv-step */

/* quote:begin parse-status-line */
int parse_status_line(const char *line, size_t len)
{
    /* "HTTP/1.1 200 OK": version, a space, exactly three digits, then a
     * space or the end of the line. */
    static const char prefix[] = "HTTP/1.";
    size_t plen = sizeof prefix - 1;
    if (len < plen + 5 || memcmp(line, prefix, plen) != 0)
        return -1;
    const char *p = line + plen;
    if (p[0] < '0' || p[0] > '9' || p[1] != ' ')
        return -1;
    p += 2;
    int status = 0;
    for (int i = 0; i < 3; i++) {
        if ((size_t)(p + i - line) >= len || p[i] < '0' || p[i] > '9')
            return -1;
        status = status * 10 + (p[i] - '0');
    }
    size_t after = (size_t)(p + 3 - line);
    if (after < len && p[3] != ' ' && p[3] != '\r' && p[3] != '\n')
        return -1;
    return status >= 100 && status <= 599 ? status : -1;
}
/* quote:end parse-status-line */

long long response_body_bytes(const struct response *r)
{
    /* The headers end at the first empty line, "\r\n\r\n". */
    for (size_t i = 0; i + 4 <= r->head_len; i++)
        if (memcmp(r->head + i, "\r\n\r\n", 4) == 0)
            return r->total - (long long)(i + 4);
    return -1;
}
