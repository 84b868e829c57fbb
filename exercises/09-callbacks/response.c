/*
 * response - collect an HTTP response that arrives in pieces; see
 * response.h.
 *
 * Exercise 09: write response_read(), the step of the fetch's state
 * machine that the loop calls each time the socket is readable.
 * `make progress` runs the tests in tests/exercises/09-callbacks.c
 * against this file.
 */
#include "response.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int response_read(int fd, struct response *r)
{
    /* TODO: one step, called each time the loop says fd is readable: take
     * what has arrived into r->data (growing it, never past RESPONSE_MAX)
     * without ever waiting, and say whether more is to come (0), the
     * response is complete and parsed (1), or it failed (-1, errno).
     * response.h has the details. */
    (void)fd;
    (void)r;
    errno = ENOSYS;
    return -1;
}

int response_parse(struct response *r)
{
    /* "HTTP/1.x NNN ..." then headers, then a blank line. */
    const char *blank = r->data ? memmem(r->data, r->len, "\r\n\r\n", 4) : NULL;
    if (!blank || r->len < 12 || memcmp(r->data, "HTTP/1.", 7) != 0 || r->data[8] != ' ' ||
        r->data[9] < '1' || r->data[9] > '5' || r->data[10] < '0' || r->data[10] > '9' ||
        r->data[11] < '0' || r->data[11] > '9') {
        errno = EPROTO;
        return -1;
    }
    r->status = (r->data[9] - '0') * 100 + (r->data[10] - '0') * 10 + (r->data[11] - '0');
    r->body_off = (size_t)(blank + 4 - r->data);
    return 0;
}

void response_free(struct response *r)
{
    free(r->data);
    *r = (struct response){0};
}
