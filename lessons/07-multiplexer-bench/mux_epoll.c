/*
 * mux_epoll - the mux interface on epoll(7).
 *
 * The interest set lives in the kernel, inside the epoll instance: add()
 * tells it about an fd once, with epoll_ctl(), and the kernel hooks that
 * fd so that when it becomes ready it is put on the instance's ready list.
 * epoll_wait() then hands back only that list. A call costs O(ready fds),
 * not O(watched fds); the price is one system call per fd added, changed
 * or removed. It is the exercise of lesson 07: the copy in exercises/ has
 * the bodies of add and wait removed.
 */
#include "mux.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

struct mux {
    int epfd;     /* the epoll instance: the interest set and ready list live behind it */
    int capacity; /* size of events[] */
    struct epoll_event events[];
};

static struct mux *epoll_mux_create(int capacity)
{
    if (capacity < 1)
        capacity = 1;
    struct mux *m = malloc(sizeof *m + (size_t)capacity * sizeof m->events[0]);
    if (!m)
        return NULL;
    m->capacity = capacity;
    m->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (m->epfd < 0) {
        int saved = errno;
        free(m);
        errno = saved;
        return NULL;
    }
    return m;
}

/* quote:begin epoll-add */
static int epoll_mux_add(struct mux *m, int fd)
{
    /* Level-triggered (no EPOLLET), like select and poll: an fd with unread
     * bytes keeps coming back until they are read. data.fd comes back to
     * us in epoll_wait(), so we know which fd it was without searching. */
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    return epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev);
}
/* quote:end epoll-add */

/* quote:begin epoll-wait */
static int epoll_mux_wait(struct mux *m, int *ready, int cap, int timeout_ms)
{
    if (cap > m->capacity)
        cap = m->capacity;
    if (cap < 1) {
        errno = EINVAL; /* epoll_wait refuses maxevents < 1 too */
        return -1;
    }
    /* Only ready fds come back: nothing to copy in, nothing to scan. */
    int rc = epoll_wait(m->epfd, m->events, cap, timeout_ms);
    for (int i = 0; i < rc; i++)
        ready[i] = m->events[i].data.fd;
    return rc;
}
/* quote:end epoll-wait */

static void epoll_mux_destroy(struct mux *m)
{
    close(m->epfd);
    free(m);
}

const struct mux_ops mux_epoll = {
    .name = "epoll",
    .fd_limit = 0,
    .create = epoll_mux_create,
    .add = epoll_mux_add,
    .wait = epoll_mux_wait,
    .destroy = epoll_mux_destroy,
};
