/*
 * loop_epoll - the loop's epoll(7) backend (compare loop_select.c).
 *
 * epoll keeps the interest list in the kernel: set() tells it once about
 * each change (add, modify, delete), and epoll_wait returns only the fds
 * that are ready, so nothing here scans every fd. Level-triggered, as the
 * loop promises: an fd with unread data is reported again next time.
 */
#include "loop.h"
#include "loop_backend.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

enum { MAX_EVENTS = 256 };

struct state {
    int epfd;                              /* the kernel's interest list */
    struct epoll_event events[MAX_EVENTS]; /* what epoll_wait fills in */
};

static void *create(void)
{
    struct state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (s->epfd < 0) {
        free(s);
        return NULL;
    }
    return s;
}

static void destroy(void *state)
{
    struct state *s = state;
    close(s->epfd);
    free(s);
}

/* quote:begin set */
static int set(void *state, int fd, int old_events, int new_events)
{
    struct state *s = state;
    struct epoll_event ev = {.data.fd = fd};
    if (new_events & LOOP_READ)
        ev.events |= EPOLLIN;
    if (new_events & LOOP_WRITE)
        ev.events |= EPOLLOUT;
    int op = !old_events ? EPOLL_CTL_ADD : !new_events ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    return epoll_ctl(s->epfd, op, fd, &ev);
}
/* quote:end set */

/* quote:begin wait */
static int wait_ready(void *state, int timeout_ms, struct loop_fired *fired, int max)
{
    struct state *s = state;
    int n = epoll_wait(s->epfd, s->events, max < MAX_EVENTS ? max : MAX_EVENTS, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -1;
    int count = 0;
    for (int i = 0; i < n; i++) { /* only the ready ones come back */
        uint32_t e = s->events[i].events;
        int events = (e & (EPOLLIN | EPOLLERR | EPOLLHUP) ? LOOP_READ : 0) |
                     (e & (EPOLLOUT | EPOLLERR | EPOLLHUP) ? LOOP_WRITE : 0);
        fired[count++] = (struct loop_fired){s->events[i].data.fd, events};
    }
    return count;
}
/* quote:end wait */

const struct loop_backend loop_backend_epoll = {"epoll", create, destroy, set, wait_ready};
