/*
 * mux_select - the mux interface on select(2).
 *
 * The interest set is a bitmap (fd_set) that lives in this process. Every
 * call hands the whole bitmap, up to the highest fd, to the kernel, which
 * checks each fd in it and writes back a bitmap of the ready ones; then we
 * scan that bitmap ourselves to find them. Both scans cost O(highest fd),
 * however few fds are ready. And an fd_set has FD_SETSIZE (1024) bits, so
 * select cannot watch an fd numbered 1024 or above at all.
 */
#include "mux.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/select.h>

struct mux {
    fd_set watched; /* the interest set: select() overwrites its argument, so we keep a copy */
    int maxfd;      /* highest watched fd, -1 when none */
};

static struct mux *select_create(int capacity)
{
    (void)capacity; /* an fd_set has a fixed size */
    struct mux *m = malloc(sizeof *m);
    if (!m)
        return NULL;
    FD_ZERO(&m->watched);
    m->maxfd = -1;
    return m;
}

static int select_add(struct mux *m, int fd)
{
    if (fd < 0 || fd >= FD_SETSIZE) {
        errno = EINVAL; /* FD_SET past the end of the bitmap would corrupt memory */
        return -1;
    }
    FD_SET(fd, &m->watched);
    if (fd > m->maxfd)
        m->maxfd = fd;
    return 0;
}

/* quote:begin select-wait */
static int select_wait(struct mux *m, int *ready, int cap, int timeout_ms)
{
    fd_set readable = m->watched; /* copy the whole interest set, every call */
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    int rc = select(m->maxfd + 1, &readable, NULL, NULL, timeout_ms < 0 ? NULL : &tv);
    if (rc <= 0)
        return rc;
    int count = 0; /* the kernel said how many, not which: scan every fd for them */
    for (int fd = 0; fd <= m->maxfd && count < cap; fd++)
        if (FD_ISSET(fd, &readable))
            ready[count++] = fd;
    return count;
}
/* quote:end select-wait */

static void select_destroy(struct mux *m)
{
    free(m);
}

const struct mux_ops mux_select = {
    .name = "select",
    .fd_limit = FD_SETSIZE,
    .create = select_create,
    .add = select_add,
    .wait = select_wait,
    .destroy = select_destroy,
};
