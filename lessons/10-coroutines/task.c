/*
 * task.c - tasks, futures and await on lesson 08's loop; see task.h.
 *
 * The glue is small. A task that awaits puts a future on its own stack,
 * registers a loop callback whose argument points at that future, and
 * yields. The stack - and so the future, and every local of every
 * function the task was in the middle of - stays exactly as it was while
 * the loop runs others. The callback resolves the future, which resumes
 * the task. Compare lesson 09, where the same state had to be moved into
 * a heap struct, and the code after the wait into another function.
 */
#include "task.h"

#include <errno.h>
#include <stdlib.h>

static loop *the_loop;

void tasks_init(loop *l)
{
    the_loop = l;
}

/* run - resume c until it waits again or ends; free it when it ends. Runs
 * on the main stack, from a loop callback. */
static void run(coro *c)
{
    if (!coro_resume(c))
        coro_free(c);
}

/* on_run - a timer callback that resumes a task: how a task is started,
 * and woken when its future is resolved by another task. */
static void on_run(loop *l, long id, void *arg)
{
    (void)l, (void)id;
    run(arg);
}

int task_spawn(void (*fn)(void *), void *arg)
{
    coro *c = coro_create(fn, arg, 64 * 1024);
    if (!c)
        return -1;
    if (loop_timer_add(the_loop, 0, 0, on_run, c) < 0) {
        coro_free(c);
        return -1;
    }
    return 0;
}

/* quote:begin future */
int await(struct future *f)
{
    if (!f->done) {
        f->waiter = coro_current();
        if (!f->waiter) { /* on the main stack: there is nothing to yield to */
            errno = EDEADLK;
            return -1;
        }
        coro_yield(); /* back to the loop; resumed by future_resolve() */
    }
    if (f->error) {
        errno = f->error;
        return -1;
    }
    return f->result;
}

void future_resolve(struct future *f, int result, int error)
{
    f->done = 1;
    f->result = result;
    f->error = error;
    coro *w = f->waiter;
    if (!w)
        return; /* nobody waits yet: await() will find it done */
    f->waiter = NULL;
    /* From a loop callback, switch to the task right now. From inside a
     * task, let the loop resume w once this task yields. */
    if (!coro_current())
        run(w);
    else if (loop_timer_add(the_loop, 0, 0, on_run, w) < 0)
        abort(); /* no memory for one timer: w could never be woken */
}
/* quote:end future */

/* quote:begin await-fd */
/* What one await_fd() is waiting for: on the awaiting task's stack. */
struct fd_wait {
    struct future f;
    int fd;
    long timer; /* 0 when there is no timeout */
};

static void on_ready(loop *l, int fd, int events, void *arg)
{
    struct fd_wait *w = arg;
    loop_unwatch(l, fd);
    if (w->timer)
        loop_timer_cancel(l, w->timer);
    future_resolve(&w->f, events, 0);
}

static void on_timeout(loop *l, long id, void *arg)
{
    struct fd_wait *w = arg;
    (void)id;
    loop_unwatch(l, w->fd);
    future_resolve(&w->f, 0, ETIMEDOUT);
}

int await_fd(int fd, int events, long long timeout_ms)
{
    struct fd_wait w = {.fd = fd};
    if (loop_watch(the_loop, fd, events, on_ready, &w) < 0)
        return -1;
    if (timeout_ms >= 0 &&
        (w.timer = loop_timer_add(the_loop, timeout_ms, 0, on_timeout, &w)) < 0) {
        loop_unwatch(the_loop, fd);
        return -1;
    }
    return await(&w.f); /* w stays valid: this frame lives until we return */
}
/* quote:end await-fd */

static void on_sleep_done(loop *l, long id, void *arg)
{
    (void)l, (void)id;
    future_resolve(arg, 0, 0);
}

int await_sleep(long long ms)
{
    struct future f = {0};
    if (loop_timer_add(the_loop, ms, 0, on_sleep_done, &f) < 0)
        return -1;
    return await(&f);
}

/* A waiting task, linked into a task_queue from its own stack. */
struct waiter {
    struct future f;
    struct waiter *next;
};

int task_wait(struct task_queue *q)
{
    struct waiter w = {.next = q->head};
    q->head = &w;
    int rc = await(&w.f);
    /* task_wake_all() has unlinked w; if await() failed instead, w must not
     * stay in the queue once this frame is gone. */
    for (struct waiter **p = &q->head; *p; p = &(*p)->next)
        if (*p == &w) {
            *p = w.next;
            break;
        }
    return rc;
}

void task_wake_all(struct task_queue *q)
{
    struct waiter *w = q->head;
    q->head = NULL;
    while (w) {
        struct waiter *next = w->next; /* read first: w's task may run now */
        future_resolve(&w->f, 0, 0);
        w = next;
    }
}
