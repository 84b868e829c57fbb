/*
 * fdwatch - the master fd_sets and the highest fd; see fdwatch.h.
 */
#include "fdwatch.h"

#include <errno.h>

void fdw_init(struct fd_watch *w)
{
    FD_ZERO(&w->readers);
    FD_ZERO(&w->writers);
    w->maxfd = -1;
}

/* quote:begin fdw-set */
int fdw_set(struct fd_watch *w, int fd, int events)
{
    if (fd < 0 || fd >= FD_SETSIZE) { /* FD_SET would write past the bitmap */
        errno = EBADF;
        return -1;
    }
    if (events & FDW_READ)
        FD_SET(fd, &w->readers);
    else
        FD_CLR(fd, &w->readers);
    if (events & FDW_WRITE)
        FD_SET(fd, &w->writers);
    else
        FD_CLR(fd, &w->writers);

    if (events && fd > w->maxfd)
        w->maxfd = fd;
    /* The highest fd went quiet: walk down to the next one still watched,
     * so select() does not scan bits nobody cares about. */
    while (w->maxfd >= 0 && !FD_ISSET(w->maxfd, &w->readers) && !FD_ISSET(w->maxfd, &w->writers))
        w->maxfd--;
    return 0;
}
/* quote:end fdw-set */
