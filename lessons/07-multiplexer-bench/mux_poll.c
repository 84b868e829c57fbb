/*
 * mux_poll - the mux interface on poll(2).
 *
 * The interest set is an array of struct pollfd that lives in this
 * process: no FD_SETSIZE wall, any fd number works. But every call still
 * copies the whole array into the kernel, which checks each fd and copies
 * the array back with revents filled in; then we scan it for the ready
 * ones. Cost O(number of fds watched), however few are ready.
 */
#include "mux.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>

struct mux {
    int count, capacity;
    struct pollfd fds[]; /* the interest set, handed to the kernel whole on every call */
};

static struct mux *poll_create(int capacity)
{
    if (capacity < 1)
        capacity = 1;
    struct mux *m = malloc(sizeof *m + (size_t)capacity * sizeof m->fds[0]);
    if (!m)
        return NULL;
    m->count = 0;
    m->capacity = capacity;
    return m;
}

static int poll_add(struct mux *m, int fd)
{
    if (m->count == m->capacity) {
        errno = ENOSPC;
        return -1;
    }
    m->fds[m->count++] = (struct pollfd){.fd = fd, .events = POLLIN};
    return 0;
}

/* quote:begin poll-wait */
static int poll_wait(struct mux *m, int *ready, int cap, int timeout_ms)
{
    int rc = poll(m->fds, (nfds_t)m->count, timeout_ms); /* the whole array goes in and out */
    if (rc <= 0)
        return rc;
    int count = 0; /* rc says how many have revents set, not which: scan for them */
    for (int i = 0; i < m->count && count < cap; i++)
        if (m->fds[i].revents & (POLLIN | POLLHUP | POLLERR))
            ready[count++] = m->fds[i].fd;
    return count;
}
/* quote:end poll-wait */

static void poll_destroy(struct mux *m)
{
    free(m);
}

const struct mux_ops mux_poll = {
    .name = "poll",
    .fd_limit = 0,
    .create = poll_create,
    .add = poll_add,
    .wait = poll_wait,
    .destroy = poll_destroy,
};
