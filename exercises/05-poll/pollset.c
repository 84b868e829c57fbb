/*
 * pollset - a growable pollfd array with deferred removal; see pollset.h.
 *
 * Exercise 05: fill in ps_add(), ps_remove() and ps_compact(). `make
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
    /* TODO: append {fd, events, revents 0} at ps->fds[ps->n].
     * - When ps->n == ps->cap, grow first: realloc to twice the capacity
     *   (16 when empty). If realloc fails, set errno = ENOMEM and return -1
     *   with the set unchanged (realloc leaves the old array alive).
     * Return the new entry's index. */
    (void)ps;
    (void)fd;
    (void)events;
    errno = ENOSYS;
    return -1;
}

void ps_remove(struct pollset *ps, size_t i)
{
    /* TODO: do not move anything (a scan may be walking the array): mark
     * entry i dead with fd -1 (poll() skips negative fds), clear its events
     * and revents, and count it in ps->dead. */
    (void)ps;
    (void)i;
}

size_t ps_compact(struct pollset *ps)
{
    /* TODO: squeeze out the dead entries (fd < 0), keeping the living ones
     * in their order; set ps->n to how many are left and ps->dead to 0.
     * Return how many were dropped. One pass with a "kept so far" index. */
    (void)ps;
    return 0;
}

void ps_free(struct pollset *ps)
{
    free(ps->fds);
    ps_init(ps);
}
