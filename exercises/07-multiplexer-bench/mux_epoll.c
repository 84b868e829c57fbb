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
 * Exercise 07: write epoll_mux_add() and epoll_mux_wait(). `make progress`
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
    /* TODO: watch fd for reading, level-triggered like the select and poll
     * backends, so that epoll_mux_wait() can name it without a search.
     * 0, or -1 with the errno of the call that refused (mux.h). */
    (void)m;
    (void)fd;
    errno = ENOSYS;
    return -1;
}

static int epoll_mux_wait(struct mux *m, int *ready, int cap, int timeout_ms)
{
    /* TODO: the contract of wait in mux.h: block up to timeout_ms (-1:
     * forever) until a watched fd is readable, store at most cap ready fds
     * in ready[] and return how many (0: timeout), or -1 with errno
     * (EINVAL when cap < 1). m->events has room for m->capacity events. */
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
