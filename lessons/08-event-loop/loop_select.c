/*
 * loop_select - the loop's select(2) backend (compare loop_epoll.c).
 *
 * select keeps no state in the kernel: every call hands it the whole set of
 * fds we care about and gets back the subset that is ready, so the backend
 * keeps the master sets itself, copies them before each wait (select
 * overwrites its arguments) and then scans every fd up to the highest to
 * find the ready ones. fds >= FD_SETSIZE (1024) cannot be put in an fd_set
 * at all: set() refuses them.
 */
#include "loop.h"
#include "loop_backend.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/select.h>

struct state {
    fd_set rfds, wfds; /* the master copies: what we are interested in */
    int maxfd;         /* the highest fd in either set, -1 if none */
};

static void *create(void)
{
    struct state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    FD_ZERO(&s->rfds);
    FD_ZERO(&s->wfds);
    s->maxfd = -1;
    return s;
}

static void destroy(void *state)
{
    free(state);
}

/* quote:begin set */
static int set(void *state, int fd, int old_events, int new_events)
{
    struct state *s = state;
    (void)old_events; /* select is told everything on every call anyway */
    if (fd < 0 || fd >= FD_SETSIZE) {
        errno = EINVAL; /* the FD_SETSIZE wall of lesson 04 */
        return -1;
    }
    if (new_events & LOOP_READ)
        FD_SET(fd, &s->rfds);
    else
        FD_CLR(fd, &s->rfds);
    if (new_events & LOOP_WRITE)
        FD_SET(fd, &s->wfds);
    else
        FD_CLR(fd, &s->wfds);
    if (new_events && fd > s->maxfd)
        s->maxfd = fd;
    while (s->maxfd >= 0 && !FD_ISSET(s->maxfd, &s->rfds) && !FD_ISSET(s->maxfd, &s->wfds))
        s->maxfd--; /* the highest fd went away: find the new highest */
    return 0;
}
/* quote:end set */

/* quote:begin wait */
static int wait_ready(void *state, int timeout_ms, struct loop_fired *fired, int max)
{
    struct state *s = state;
    fd_set r = s->rfds, w = s->wfds; /* select overwrites what it is given */
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    int n = select(s->maxfd + 1, &r, &w, NULL, timeout_ms < 0 ? NULL : &tv);
    if (n < 0)
        return errno == EINTR ? 0 : -1;
    int count = 0;
    for (int fd = 0; fd <= s->maxfd && count < max; fd++) { /* the full scan */
        int events = (FD_ISSET(fd, &r) ? LOOP_READ : 0) | (FD_ISSET(fd, &w) ? LOOP_WRITE : 0);
        if (events)
            fired[count++] = (struct loop_fired){fd, events};
    }
    return count;
}
/* quote:end wait */

const struct loop_backend loop_backend_select = {"select", create, destroy, set, wait_ready};
