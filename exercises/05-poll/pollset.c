/*
 * pollset - a growable pollfd array with deferred removal; see pollset.h.
 *
 * Exercise 05: write ps_add(), ps_remove() and ps_compact(). `make
 * progress` runs the tests in tests/exercises/05-poll.c against this file.
 */
#include "pollset.h"

#include <errno.h>
#include <stdlib.h>

void ps_init(struct pollset *ps)
{
    ps->fds = NULL;
    ps->n = ps->cap = ps->dead = 0;
}

long ps_add(struct pollset *ps, int fd, short events)
{
    /* TODO: append {fd, events} at the end of the array, growing it when it
     * is full so that n adds cost O(n) copying in all. Returns the new
     * entry's index, or -1 with errno ENOMEM and the set as it was. */
    (void)ps;
    (void)fd;
    (void)events;
    errno = ENOSYS;
    return -1;
}

void ps_remove(struct pollset *ps, size_t i)
{
    /* TODO: take entry i out of what poll() watches, while a walk over the
     * array may be going on: no entry may change its index. ps_compact()
     * drops it later. */
    (void)ps;
    (void)i;
}

size_t ps_compact(struct pollset *ps)
{
    /* TODO: drop the entries ps_remove() took out, keeping the others in
     * their order; returns how many were dropped. */
    (void)ps;
    return 0;
}

void ps_free(struct pollset *ps)
{
    free(ps->fds);
    ps_init(ps);
}
