/*
 * httpio - the socket loops of a blocking HTTP fetch; see httpio.h.
 *
 * read_response() and parse_status_line() are the exercise of lesson 01:
 * exercises/01-blocking-fetch/httpio.c is this file with their bodies
 * removed.
 */
#include "httpio.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* quote:begin send-all */
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
/* quote:end send-all */

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

/* quote:begin read-response */
int read_response(int fd, struct response *r)
{
    char chunk[16384];
    for (;;) {
        /* Blocks until at least one byte has arrived, or the server
         * closes, or something fails. One byte or 16384: whatever is there. */
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 0; /* EOF: the server closed, the answer is complete */
        response_add(r, chunk, (size_t)n);
    }
}
/* quote:end read-response */

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
