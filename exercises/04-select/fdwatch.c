/*
 * fdwatch - the master fd_sets and the highest fd; see fdwatch.h.
 *
 * Exercise 04: write fdw_set(). `make progress` runs the tests in
 * tests/exercises/04-select.c against this file.
 */
#include "fdwatch.h"

#include <errno.h>

void fdw_init(struct fd_watch *w)
{
    FD_ZERO(&w->readers);
    FD_ZERO(&w->writers);
    w->maxfd = -1;
}

int fdw_set(struct fd_watch *w, int fd, int events)
{
    /* TODO: watch fd for events (FDW_READ, FDW_WRITE, both, or 0: stop
     * watching it), so that a copy of w->readers and w->writers is what
     * select() must be given, and w->maxfd + 1 its nfds: the highest fd
     * still in either set, -1 when none is. An fd that has no bit in an
     * fd_set is refused: -1 with errno EBADF, w untouched. Returns 0. */
    (void)w;
    (void)fd;
    (void)events;
    errno = ENOSYS;
    return -1;
}
