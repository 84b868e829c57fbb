/*
 * edgeread - read a socket that epoll watches edge-triggered; see
 * edgeread.h.
 *
 * Exercise 06: write edge_read(). `make progress` runs the tests in
 * tests/exercises/06-epoll.c against this file.
 */
#include "edgeread.h"

#include <errno.h>
#include <unistd.h>

int edge_read(int fd, char *buf, size_t cap, size_t *len)
{
    /* TODO: the contract is in edgeread.h: after a report, take what the
     * kernel holds for fd into buf[*len .. cap); say why you stopped
     * (EDGE_EMPTY, EDGE_FULL, EDGE_EOF), or -1 with errno. Whatever you
     * leave in the kernel while returning EDGE_EMPTY is never reported. */
    (void)fd;
    (void)buf;
    (void)cap;
    (void)len;
    errno = ENOSYS;
    return -1;
}
