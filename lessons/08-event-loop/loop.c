/*
 * loop - lesson 08: the core of the event loop; see loop.h for the
 * contract.
 *
 * The loop owns three things: a table from fd to (events, callback, arg),
 * a min-heap of timers (timerheap.c), and a backend that does the waiting
 * (loop_select.c or loop_epoll.c). One round of loop_run() is:
 *
 *   1. work out how long we may sleep: until the earliest timer is due, or
 *      for ever if there is none;
 *   2. ask the backend to wait that long for any watched fd to be ready;
 *   3. call the callback of each ready fd;
 *   4. call the callback of each timer that is due.
 *
 * Everything a program does happens inside step 3 or 4, and the loop only
 * gets to step 1 again when that callback returns. That is why a callback
 * must never block: a sleep(1) in one stalls every connection for a second.
 */
#include "loop.h"
#include "loop_backend.h"
#include "timerheap.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MAX_FIRED = 256 }; /* ready fds handled per round; the rest wait a round */

/* What the loop knows about one fd; events == 0 means "not watched". */
struct watch {
    int events;
    loop_io_fn *fn;
    void *arg;
};

struct loop {
    const struct loop_backend *backend;
    void *state;           /* the backend's own */
    struct watch *watches; /* indexed by fd, nwatch_cap entries */
    int nwatch_cap;
    int nwatched; /* fds with events != 0 */
    struct timer_heap timers;
    long next_id; /* the next timer id; ids only grow */
    int stopping; /* set by loop_stop() */
    struct loop_stats stats;
    struct loop_fired fired[MAX_FIRED];
};

static const struct loop_backend *const backends[] = {&loop_backend_epoll, &loop_backend_select};

loop *loop_new(const char *backend)
{
    const struct loop_backend *b = NULL;
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (!backend || strcmp(backend, backends[i]->name) == 0) {
            b = backends[i];
            break;
        }
    if (!b) {
        errno = EINVAL;
        return NULL;
    }
    loop *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->backend = b;
    l->next_id = 1;
    l->state = b->create();
    if (!l->state) {
        free(l);
        return NULL;
    }
    return l;
}

void loop_free(loop *l)
{
    if (!l)
        return;
    struct timer *t;
    while ((t = heap_pop(&l->timers)))
        free(t);
    heap_free(&l->timers);
    l->backend->destroy(l->state);
    free(l->watches);
    free(l);
}

const char *loop_backend_name(const loop *l)
{
    return l->backend->name;
}

long long loop_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* grow_watches - make room in the fd table for fd. */
static int grow_watches(loop *l, int fd)
{
    if (fd < l->nwatch_cap)
        return 0;
    int cap = l->nwatch_cap ? l->nwatch_cap : 64;
    while (cap <= fd)
        cap *= 2;
    struct watch *w = realloc(l->watches, (size_t)cap * sizeof *w);
    if (!w)
        return -1;
    memset(w + l->nwatch_cap, 0, (size_t)(cap - l->nwatch_cap) * sizeof *w);
    l->watches = w;
    l->nwatch_cap = cap;
    return 0;
}

/* quote:begin watch */
int loop_watch(loop *l, int fd, int events, loop_io_fn *fn, void *arg)
{
    if (fd < 0 || (events & ~(LOOP_READ | LOOP_WRITE)) || (events && !fn)) {
        errno = EINVAL;
        return -1;
    }
    if (events == 0)
        return fd < l->nwatch_cap && l->watches[fd].events ? loop_unwatch(l, fd) : 0;
    if (grow_watches(l, fd) < 0)
        return -1;
    struct watch *w = &l->watches[fd];
    /* Tell the kernel (through the backend) first: if it refuses, nothing
     * has changed. */
    if (w->events != events && l->backend->set(l->state, fd, w->events, events) < 0)
        return -1;
    if (!w->events)
        l->nwatched++;
    *w = (struct watch){events, fn, arg};
    return 0;
}
/* quote:end watch */

int loop_unwatch(loop *l, int fd)
{
    if (fd < 0 || fd >= l->nwatch_cap || !l->watches[fd].events) {
        errno = ENOENT;
        return -1;
    }
    struct watch *w = &l->watches[fd];
    int rc = l->backend->set(l->state, fd, w->events, 0);
    *w = (struct watch){0, NULL, NULL}; /* forgotten even if the kernel complained */
    l->nwatched--;
    return rc;
}

long loop_timer_add(loop *l, long long delay_ms, long long repeat_ms, loop_timer_fn *fn, void *arg)
{
    if (!fn || delay_ms < 0 || repeat_ms < 0) {
        errno = EINVAL;
        return -1;
    }
    struct timer *t = malloc(sizeof *t);
    if (!t)
        return -1;
    *t = (struct timer){.deadline = loop_now_ms() + delay_ms,
                        .id = l->next_id++,
                        .repeat = repeat_ms,
                        .fn = fn,
                        .arg = arg};
    if (heap_push(&l->timers, t) < 0) {
        free(t);
        return -1;
    }
    return t->id;
}

int loop_timer_cancel(loop *l, long id)
{
    /* A linear search: fine for the dozens of timers of a lesson. (A real
     * loop hands out the timer pointer instead and finds it in O(1).) */
    for (size_t i = 0; i < l->timers.len; i++) {
        struct timer *t = l->timers.items[i];
        if (t->id == id) {
            heap_remove(&l->timers, t);
            free(t);
            return 0;
        }
    }
    errno = ENOENT;
    return -1;
}

/* quote:begin timeout */
/* next_timeout - how long the backend may sleep: until the earliest timer
 * is due (0 if one is already late), or -1 (for ever) if there is none. */
static int next_timeout(const loop *l, long long now)
{
    struct timer *t = heap_top(&l->timers);
    if (!t)
        return -1;
    long long wait = t->deadline - now;
    if (wait < 0)
        return 0;
    return wait > INT_MAX ? INT_MAX : (int)wait;
}
/* quote:end timeout */

/* quote:begin dispatch-io */
/* dispatch_io - call the callback of each fd the backend found ready. */
static void dispatch_io(loop *l, int n)
{
    for (int i = 0; i < n && !l->stopping; i++) {
        int fd = l->fired[i].fd;
        /* Look the fd up again: an earlier callback in this round may have
         * unwatched it, or changed what it waits for. */
        if (fd >= l->nwatch_cap)
            continue;
        struct watch w = l->watches[fd];
        int ready = l->fired[i].events & w.events;
        if (!ready)
            continue;
        l->stats.io_calls++;
        w.fn(l, fd, ready, w.arg);
    }
}
/* quote:end dispatch-io */

/* quote:begin run-timers */
/* run_timers - call every timer that is due by now. Timers added by these
 * callbacks wait for the next round, so a timer that re-adds itself with
 * delay 0 cannot keep the loop from looking at its fds. */
static void run_timers(loop *l)
{
    long long now = loop_now_ms();
    long first_new_id = l->next_id;
    struct timer *t;
    while (!l->stopping && (t = heap_top(&l->timers)) && t->deadline <= now &&
           t->id < first_new_id) {
        heap_pop(&l->timers);
        loop_timer_fn *fn = t->fn;
        long id = t->id;
        void *arg = t->arg;
        if (t->repeat > 0) {          /* back in the heap before the callback runs, so */
            t->deadline += t->repeat; /* the callback can cancel it */
            if (t->deadline <= now)   /* far behind: skip, don't burst */
                t->deadline = now + t->repeat;
            heap_push(&l->timers, t); /* cannot fail: we just popped one */
        } else {
            free(t);
        }
        l->stats.timer_calls++;
        fn(l, id, arg);
    }
}
/* quote:end run-timers */

/* quote:begin run */
int loop_run(loop *l)
{
    l->stopping = 0;
    while (!l->stopping) {
        if (l->nwatched == 0 && l->timers.len == 0)
            break; /* nothing left that could ever call us back */
        int timeout = next_timeout(l, loop_now_ms());
        int n = l->backend->wait(l->state, timeout, l->fired, MAX_FIRED);
        if (n < 0)
            return -1;
        l->stats.rounds++;
        dispatch_io(l, n);
        run_timers(l);
    }
    return 0;
}
/* quote:end run */

void loop_stop(loop *l)
{
    l->stopping = 1;
}

void loop_get_stats(const loop *l, struct loop_stats *out)
{
    *out = l->stats;
}
