/*
 * fdwatch - the master fd_sets and the highest fd; see fdwatch.h.
 *
 * Exercise 04: fill in fdw_set(). `make progress` runs the tests in
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
    /* TODO: make fd's bits in w->readers and w->writers match events.
     * - An fd below 0 or at/above FD_SETSIZE has no bit: FD_SET on it writes
     *   past the array. Refuse it first: errno = EBADF, return -1, touch nothing.
     * - FDW_READ in events: FD_SET it in readers, else FD_CLR it; the same
     *   for FDW_WRITE and writers.
     * - Keep w->maxfd the highest fd that is in either set: raise it when
     *   this fd is now watched and higher; when the highest one is no longer
     *   in either set, walk down to the next one that is (-1 when none).
     * Return 0. */
    (void)w;
    (void)fd;
    (void)events;
    errno = ENOSYS;
    return -1;
}
