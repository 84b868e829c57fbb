/*
 * response - collect an HTTP response that arrives in pieces; see
 * response.h. This is the exercise of lesson 09:
 * exercises/09-callbacks/response.c is this file with the body of
 * response_read() removed.
 */
#include "response.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* quote:begin response-read */
int response_read(int fd, struct response *r)
{
    for (;;) {
        if (r->len == r->cap) { /* full: grow before reading more */
            if (r->cap >= RESPONSE_MAX) {
                errno = EFBIG;
                return -1;
            }
            size_t cap = r->cap ? 2 * r->cap : 16384;
            char *data = realloc(r->data, cap);
            if (!data)
                return -1;
            r->data = data;
            r->cap = cap;
        }
        ssize_t n = recv(fd, r->data + r->len, r->cap - r->len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0; /* all that has arrived is in: back to the loop */
        if (n < 0)
            return -1;
        if (n == 0) /* EOF: with Connection: close, the response is whole */
            return response_parse(r) < 0 ? -1 : 1;
        r->len += (size_t)n;
    }
}
/* quote:end response-read */

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
