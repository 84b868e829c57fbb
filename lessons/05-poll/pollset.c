/*
 * pollset - a growable pollfd array with deferred removal; see pollset.h.
 */
#include "pollset.h"

#include <errno.h>
#include <stdlib.h>

void ps_init(struct pollset *ps)
{
    ps->fds = NULL;
    ps->n = ps->cap = ps->dead = 0;
}

/* quote:begin ps-add */
long ps_add(struct pollset *ps, int fd, short events)
{
    if (ps->n == ps->cap) { /* double: n adds cost O(n) copying in all */
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        struct pollfd *grown = realloc(ps->fds, cap * sizeof *grown);
        if (!grown) {
            errno = ENOMEM;
            return -1;
        }
        ps->fds = grown;
        ps->cap = cap;
    }
    ps->fds[ps->n] = (struct pollfd){.fd = fd, .events = events, .revents = 0};
    return (long)ps->n++;
}
/* quote:end ps-add */

/* quote:begin ps-remove */
void ps_remove(struct pollset *ps, size_t i)
{
    ps->fds[i].fd = -1; /* poll() ignores it; the scan in progress can go on */
    ps->fds[i].events = ps->fds[i].revents = 0;
    ps->dead++;
}

size_t ps_compact(struct pollset *ps)
{
    size_t kept = 0;
    for (size_t i = 0; i < ps->n; i++)
        if (ps->fds[i].fd >= 0)
            ps->fds[kept++] = ps->fds[i];
    size_t dropped = ps->n - kept;
    ps->n = kept;
    ps->dead = 0;
    return dropped;
}
/* quote:end ps-remove */

void ps_free(struct pollset *ps)
{
    free(ps->fds);
    ps_init(ps);
}
