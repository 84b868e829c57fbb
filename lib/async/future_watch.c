/*
 * future_watch - fd watches: an fd kept registered with the loop between
 * waits; see future.h.
 *
 * The watch is one libevent event, persistent and edge-triggered, for
 * both reading and writing: added once (one epoll_ctl) and deleted once.
 * A waiting task hangs on it like a task on a future; an edge it did not
 * ask for, or one that comes while nobody waits, is dropped. The loop
 * keeps a list of its watches, to unregister them if it goes first and to
 * tell eddy_loop_run how many of its pending events are only idle watches.
 */
#include <eddy/async/future.h>

#include "future_internal.h"

#include <errno.h>
#include <stdlib.h>

/* on_watch - an edge on a watched fd: wake its waiter if it is one the
 * waiter asked for. An edge nobody waits for is dropped: whoever does IO
 * next finds the bytes (or the space) by trying, before it waits. */
static void on_watch(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    eddy_fd_watch *w = arg;
    eddy_task *t = w->waiter;
    if (!t || !(what & w->wanted))
        return;
    w->waiter = NULL;
    w->loop->watched--;
    event_del(&t->timer);
    future_make_ready(t, 0);
}

eddy_fd_watch *eddy_fd_watch_new(int fd)
{
    struct loop *l = future_loop();
    if (l && !(event_base_get_features(l->base) & EV_FEATURE_ET)) {
        errno = ENOTSUP; /* level-triggered, a write watch would fire on every turn */
        return NULL;
    }
    eddy_fd_watch *w = l ? calloc(1, sizeof *w) : NULL;
    if (!w) {
        errno = ENOMEM;
        return NULL;
    }
    w->fd = fd;
    w->loop = l;
    if (event_assign(&w->ev, l->base, fd, EV_READ | EV_WRITE | EV_PERSIST | EV_ET, on_watch, w) <
            0 ||
        event_add(&w->ev, NULL) < 0) {
        free(w);
        errno = EBADF;
        return NULL;
    }
    w->next = l->watches;
    if (l->watches)
        l->watches->prev = w;
    l->watches = w;
    l->watch_count++;
    return w;
}

int eddy_fd_watch_fd(const eddy_fd_watch *w) { return w->fd; }

int eddy_fd_watch_wait(eddy_fd_watch *w, int events, long timeout_ms)
{
    eddy_task *t;
    int rc = future_begin_wait(&t);
    if (rc)
        return rc;
    if (!w->loop || w->loop != t->loop)
        return EBADF; /* its loop is gone, or it belongs to another thread's */
    if (w->waiter)
        return EBUSY;
    w->wanted = (short)(((events & EDDY_WAIT_READ) ? EV_READ : 0) |
                        ((events & EDDY_WAIT_WRITE) ? EV_WRITE : 0));
    if (!w->wanted)
        return EINVAL;
    w->waiter = t;
    w->loop->watched++;
    t->watch = w;
    evtimer_assign(&t->timer, t->loop->base, future_on_timer, t);
    future_arm_timer(t, timeout_ms);
    rc = future_suspend(t, W_WATCH);
    t->watch = NULL;
    return rc;
}

void eddy_fd_watch_free(eddy_fd_watch *w)
{
    if (!w)
        return;
    if (w->waiter) { /* freed under a waiting task: it must not sleep on forever */
        eddy_task *t = w->waiter;
        w->waiter = NULL;
        t->loop->watched--;
        event_del(&t->timer);
        future_make_ready(t, ECANCELED);
    }
    if (w->loop) {
        event_del(&w->ev);
        if (w->prev)
            w->prev->next = w->next;
        else
            w->loop->watches = w->next;
        if (w->next)
            w->next->prev = w->prev;
        w->loop->watch_count--;
    }
    free(w);
}
