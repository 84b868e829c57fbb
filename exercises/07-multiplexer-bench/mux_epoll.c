/*
 * mux_epoll - the mux interface on epoll(7).
 *
 * The interest set lives in the kernel, inside the epoll instance: add()
 * tells it about an fd once, with epoll_ctl(), and the kernel hooks that
 * fd so that when it becomes ready it is put on the instance's ready list.
 * epoll_wait() then hands back only that list. A call costs O(ready fds),
 * not O(watched fds); the price is one system call per fd added, changed
 * or removed.
 *
 * Exercise 07: fill in epoll_mux_add() and epoll_mux_wait(). `make progress`
 * runs the tests in tests/exercises/07-multiplexer-bench.c against this file.
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

static int epoll_mux_add(struct mux *m, int fd)
{
    /* TODO: tell the epoll instance m->epfd to watch fd for reading.
     * - Describe the interest in a struct epoll_event: events = EPOLLIN
     *   (level-triggered, like select and poll), and data.fd = fd so that
     *   epoll_wait() tells you which fd became ready.
     * - Register it with epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev).
     * Return 0, or -1 with errno set (epoll_ctl sets it for you). */
    (void)m;
    (void)fd;
    errno = ENOSYS;
    return -1;
}

static int epoll_mux_wait(struct mux *m, int *ready, int cap, int timeout_ms)
{
    /* TODO: wait for ready fds and store them in ready[].
     * - epoll_wait() fills m->events (room for m->capacity of them) with
     *   at most maxevents entries: ask for no more than cap, and no more
     *   than m->capacity; a maxevents below 1 is an error (EINVAL).
     * - Pass timeout_ms straight through (-1 waits forever, 0 returns now).
     * - Copy each returned event's data.fd into ready[] and return the
     *   count; 0 means the timeout passed; -1 keeps epoll_wait's errno. */
    (void)m;
    (void)ready;
    (void)cap;
    (void)timeout_ms;
    errno = ENOSYS;
    return -1;
}

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
