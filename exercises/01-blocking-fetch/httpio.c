/*
 * httpio - the socket loops of a blocking HTTP fetch; see httpio.h.
 *
 * Exercise 01: fill in send_all(), read_response() and parse_status_line().
 * `make progress` runs the tests in tests/exercises/01-blocking-fetch.c
 * against this file; `make lesson N=01` builds the fetcher from the
 * lesson's own copy, lessons/01-blocking-fetch/httpio.c.
 */
#include "httpio.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int send_all(int fd, const void *data, size_t len)
{
    /* TODO: call send() until all len bytes are sent.
     * - Pass MSG_NOSIGNAL, so a vanished peer is an EPIPE error, not SIGPIPE.
     * - send() may take fewer bytes than asked: advance and go again.
     * - -1 with errno EINTR means "interrupted before sending": try again.
     * - any other -1 is a real error: return -1 (errno is already set).
     * Return 0 when everything is sent. */
    (void)fd;
    (void)data;
    (void)len;
    errno = ENOSYS;
    return -1;
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
    /* TODO: recv() from fd into a local buffer until the server closes.
     * - recv() returns whatever has arrived: hand those n bytes to
     *   response_add(r, buffer, n) and go round again.
     * - recv() returning 0 is EOF: the response is complete, return 0.
     * - -1 with errno EINTR: try again; any other -1: return -1. */
    (void)fd;
    (void)r;
    errno = ENOSYS;
    return -1;
}

int parse_status_line(const char *line, size_t len)
{
    /* TODO: return the status code of a line like "HTTP/1.1 200 OK\r\n".
     * - It starts with "HTTP/1." and one digit, then a space.
     * - Then exactly three digits: the status, 100 to 599.
     * - After them comes a space, "\r", "\n", or the end of the len bytes.
     * - line is not NUL-terminated: never look at line[len] or beyond.
     * Anything else is not a status line: return -1. */
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
