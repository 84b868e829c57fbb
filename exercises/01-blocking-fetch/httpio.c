/*
 * httpio - the socket loops of a blocking HTTP fetch; see httpio.h.
 *
 * Exercise 01: write read_response() and parse_status_line(). send_all()
 * is done (course chapter 01 prints it): read it first. `make progress`
 * runs the tests in tests/exercises/01-blocking-fetch.c against this file;
 * `make lesson N=01` builds the fetcher from the lesson's own copy,
 * lessons/01-blocking-fetch/httpio.c.
 */
#include "httpio.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        /* MSG_NOSIGNAL: a peer that has gone away is an EPIPE error to
         * handle, not a SIGPIPE that kills the whole program. */
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue; /* a signal arrived before anything was sent */
        if (n < 0)
            return -1;
        p += n; /* a short send: go round again for the rest */
        len -= (size_t)n;
    }
    return 0;
}

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

int read_response(int fd, struct response *r)
{
    /* TODO: every byte the server sends on the blocking socket fd, handed
     * to response_add(r, ...), until the server closes the connection.
     * Returns 0 once it has closed, or -1 with errno set (a signal that
     * interrupts the wait is not a failure). */
    (void)fd;
    (void)r;
    errno = ENOSYS;
    return -1;
}

int parse_status_line(const char *line, size_t len)
{
    /* TODO: the status code of the line "HTTP/1.x NNN reason" that starts
     * at line: "HTTP/1." and a digit, a space, exactly three digits making
     * a status from 100 to 599, then a space, '\r', '\n' or the end of the
     * len bytes. Anything else: -1. line comes off the network, is not
     * NUL-terminated and may end anywhere: never look at line[len]. */
    (void)line;
    (void)len;
    return -1;
}

long long response_body_bytes(const struct response *r)
{
    /* The headers end at the first empty line, "\r\n\r\n". */
    for (size_t i = 0; i + 4 <= r->head_len; i++)
        if (memcmp(r->head + i, "\r\n\r\n", 4) == 0)
            return r->total - (long long)(i + 4);
    return -1;
}
