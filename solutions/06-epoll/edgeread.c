/*
 * edgeread - read a socket that epoll watches edge-triggered; see
 * edgeread.h. The reference answer of exercise 06.
 */
#include "edgeread.h"

#include <errno.h>
#include <unistd.h>

/* quote:begin edge-read */
int edge_read(int fd, char *buf, size_t cap, size_t *len)
{
    /* Read until EAGAIN, not until a short read: a short read says the
     * data is all in, but an end of input that came with it is still in
     * the kernel, and no new edge will announce it. */
    while (*len < cap) {
        ssize_t n = read(fd, buf + *len, cap - *len);
        if (n > 0) {
            *len += (size_t)n;
            continue;
        }
        if (n == 0)
            return EDGE_EOF;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return EDGE_EMPTY;
        return -1;
    }
    /* Full: there may be more, and only a read with room could tell. A
     * read of 0 bytes would return 0, which is not the end of input. */
    return EDGE_FULL;
}
/* quote:end edge-read */
