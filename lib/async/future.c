/*
 * future - the loop, tasks and waiting; see future.h.
 *
 * A task is a coroutine plus what it waits for. A wait arms a libevent
 * event (a timer, an fd) or hangs the task on a future or a thread-pool
 * job, then yields to the loop. Whoever completes the wait does not
 * resume the task directly: it queues it on the loop's ready list and
 * activates one "wake" event, whose callback resumes the ready tasks in
 * order from the loop's own stack. That keeps every resume on the loop,
 * whichever callback or task caused it.
 *
 * An fd watch (future_watch.c) is the one event that stays added between
 * waits: a connection's socket registered once, edge-triggered, with the
 * task that waits hung on it, so a database round trip costs no
 * epoll_ctl. An idle watch is not something to wait for: eddy_loop_run
 * ends without it (nor waits for the thread pool's event, which stays
 * added too).
 *
 * Blocking work is a wait like the others: the job goes to the thread
 * pool (pool.c), whose hand-back on this loop makes the task ready.
 */
#include <eddy/async/future.h>

#include "future_internal.h"

#include <eddy/async/coro.h>
#include <eddy/async/pool.h>

#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local struct loop *this_loop;
static _Thread_local eddy_task *running_task;

/* ------------------------------------------------------------ the loop */

static void run_ready(evutil_socket_t fd, short what, void *arg);

struct loop *future_loop(void)
{
    if (this_loop)
        return this_loop;
    struct loop *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->base = event_base_new();
    if (!l->base) {
        free(l);
        return NULL;
    }
    l->own_base = 1;
    event_assign(&l->wake, l->base, -1, 0, run_ready, l);
    this_loop = l;
    return l;
}

struct event_base *eddy_loop_base(void)
{
    struct loop *l = future_loop();
    return l ? l->base : NULL;
}

int eddy_loop_use(struct event_base *base)
{
    if (this_loop)
        return -1;
    struct loop *l = calloc(1, sizeof *l);
    if (!l)
        return -1;
    l->base = base;
    event_assign(&l->wake, l->base, -1, 0, run_ready, l);
    this_loop = l;
    return 0;
}

/* only_idle_events_left - 1 when the loop has nothing to do but keep
 * events registered that nobody waits on (fd watches without a waiter,
 * the thread pool's hand-back with no job out): for eddy_loop_run that is
 * "nothing left to wait for", though libevent counts them as pending. */
static int only_idle_events_left(const struct loop *l)
{
    int idle = l->watch_count - l->watched + eddy_thread_pool_idle_events();
    if (idle == 0 || l->watched > 0 ||
        event_base_get_num_events(l->base, EVENT_BASE_COUNT_ACTIVE) > 0)
        return 0;
    return event_base_get_num_events(l->base, EVENT_BASE_COUNT_ADDED | EVENT_BASE_COUNT_VIRTUAL) <=
           idle;
}

int eddy_loop_run(void)
{
    struct loop *l = future_loop();
    if (!l)
        return -1;
    while (!only_idle_events_left(l)) {
        int rc = event_base_loop(l->base, EVLOOP_ONCE);
        if (rc < 0)
            return -1;
        if (rc == 1 || event_base_got_break(l->base))
            break; /* nothing pending at all, or eddy_loop_stop */
    }
    return 0;
}

void eddy_loop_stop(void)
{
    if (this_loop)
        event_base_loopbreak(this_loop->base);
}

void eddy_loop_free(void)
{
    struct loop *l = this_loop;
    if (!l)
        return;
    event_del(&l->wake);
    for (eddy_fd_watch *w = l->watches; w; w = w->next) { /* freed later by their owners */
        event_del(&w->ev);
        w->loop = NULL;
        w->waiter = NULL; /* its task is abandoned with the loop */
    }
    l->watches = NULL;
    l->watch_count = l->watched = 0;
    eddy_thread_pool_detach(); /* before the base its event belongs to */
    if (l->own_base)
        event_base_free(l->base);
    while (l->spare) {
        eddy_task *next = l->spare->next_ready;
        free(l->spare);
        l->spare = next;
    }
    free(l);
    this_loop = NULL;
    eddy_coro_pool_drain(); /* the thread's spare stacks go with its loop */
}

/* ------------------------------------------------------------ tasks */

/* make_ready - queue t to be resumed with result; the wake event runs it. */
void future_make_ready(eddy_task *t, int result)
{
    if (t->queued)
        return;
    t->wait_result = result;
    t->waiting = W_NONE;
    t->queued = 1;
    t->next_ready = NULL;
    struct loop *l = t->loop;
    if (l->ready_tail)
        l->ready_tail->next_ready = t;
    else
        l->ready_head = t;
    l->ready_tail = t;
    event_active(&l->wake, EV_READ, 0);
}

/* end_job_wait - t's wait for its job is over, with result; the timer
 * bounding the job's start, if one was set, is stopped. */
static void end_job_wait(eddy_task *t, int result)
{
    if (t->job_timed) {
        t->job_timed = 0;
        event_del(&t->timer);
    }
    future_make_ready(t, result);
}

static void task_entry(void *arg)
{
    eddy_task *t = arg;
    t->fn(t->arg);
}

/* run_task - resume t; 1 if it is still alive afterwards, 0 if it
 * finished (and is freed). */
static int run_task(eddy_task *t)
{
    eddy_task *outer = running_task;
    running_task = t;
    int alive = eddy_coro_resume(t->coro);
    running_task = outer;
    if (alive == 0) {
        if (t->done)
            t->done(t->done_arg);
        eddy_coro_destroy(t->coro);
        struct loop *l = t->loop;
        if (l->spare_count < 64) {
            t->next_ready = l->spare;
            l->spare = t;
            l->spare_count++;
        } else {
            free(t);
        }
    }
    return alive == 1;
}

/* run_ready - the wake event: resume what is ready, in order. Tasks made
 * ready meanwhile wait for the next round, so timers and IO get a turn. */
static void run_ready(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    struct loop *l = arg;
    eddy_task *t = l->ready_head;
    l->ready_head = l->ready_tail = NULL;
    while (t) {
        eddy_task *next = t->next_ready;
        t->queued = 0;
        run_task(t);
        t = next;
    }
}

/* new_task - a task ready to run fn(arg), not yet scheduled. */
static eddy_task *new_task(eddy_task_fn fn, void *arg)
{
    struct loop *l = future_loop();
    eddy_task *t = NULL;
    if (l && l->spare) {
        t = l->spare;
        l->spare = t->next_ready;
        l->spare_count--;
        memset(t, 0, sizeof *t);
    } else if (l) {
        t = calloc(1, sizeof *t);
    }
    if (!t) {
        errno = ENOMEM;
        return NULL;
    }
    t->coro = eddy_coro_create(task_entry, t);
    if (!t->coro) {
        free(t);
        errno = ENOMEM;
        return NULL;
    }
    t->fn = fn;
    t->arg = arg;
    t->loop = l;
    eddy_coro_set_data(t->coro, t);
    return t;
}

eddy_task *eddy_task_spawn(eddy_task_fn fn, void *arg)
{
    eddy_task *t = new_task(fn, arg);
    if (t)
        future_make_ready(t, 0);
    return t;
}

eddy_task *eddy_task_run(eddy_task_fn fn, void *arg, void (*done)(void *), void *done_arg,
                         int *finished)
{
    *finished = 0;
    eddy_task *t = new_task(fn, arg);
    if (!t)
        return NULL;
    t->done = done;
    t->done_arg = done_arg;
    *finished = !run_task(t);
    return *finished ? NULL : t;
}

void eddy_task_on_done(eddy_task *t, void (*done)(void *), void *arg)
{
    t->done = done;
    t->done_arg = arg;
}

eddy_task *eddy_task_current(void) { return running_task; }

int eddy_task_cancelled(void) { return running_task && running_task->cancelled; }

void eddy_task_cancel(eddy_task *t)
{
    if (t->cancelled)
        return;
    t->cancelled = 1;
    switch (t->waiting) {
    case W_TIMER:
        event_del(&t->timer);
        future_make_ready(t, ECANCELED);
        break;
    case W_FD:
        event_del(&t->io);
        event_del(&t->timer);
        future_make_ready(t, ECANCELED);
        break;
    case W_WATCH:
        event_del(&t->timer);
        t->watch->waiter = NULL;
        t->loop->watched--;
        future_make_ready(t, ECANCELED);
        break;
    case W_FUTURE:
        event_del(&t->timer);
        t->future->waiter = NULL;
        future_make_ready(t, ECANCELED);
        break;
    case W_JOB: /* a job still queued is taken back; a started one's completion
                   resumes the task, with ECANCELED */
        if (eddy_thread_pool_withdraw(t))
            end_job_wait(t, ECANCELED);
        break;
    case W_NONE: /* running, or already queued: its next wait sees the flag */
        break;
    }
}

/* begin_wait - the checks every waiting call starts with. */
int future_begin_wait(eddy_task **t)
{
    *t = running_task;
    if (!*t || eddy_coro_current() != (*t)->coro)
        return EPERM;
    if ((*t)->cancelled)
        return ECANCELED;
    return 0;
}

int future_suspend(eddy_task *t, enum wait_kind kind)
{
    t->waiting = kind;
    eddy_coro_yield();
    return t->wait_result;
}

void future_arm_timer(eddy_task *t, long ms)
{
    if (ms < 0)
        return;
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    event_base_update_cache_time(t->loop->base);
    evtimer_add(&t->timer, &tv);
}

/* future_on_timer - a sleep ended or a wait's timeout passed. */
void future_on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    eddy_task *t = arg;
    switch (t->waiting) {
    case W_TIMER:
        future_make_ready(t, 0);
        break;
    case W_FD:
        event_del(&t->io);
        future_make_ready(t, ETIMEDOUT);
        break;
    case W_WATCH:
        t->watch->waiter = NULL;
        t->loop->watched--;
        future_make_ready(t, ETIMEDOUT);
        break;
    case W_FUTURE:
        t->future->waiter = NULL;
        future_make_ready(t, ETIMEDOUT);
        break;
    default:
        break;
    }
}

int eddy_sleep(long ms)
{
    eddy_task *t;
    int rc = future_begin_wait(&t);
    if (rc)
        return rc;
    evtimer_assign(&t->timer, t->loop->base, future_on_timer, t);
    future_arm_timer(t, ms < 0 ? 0 : ms);
    return future_suspend(t, W_TIMER);
}

static void on_io(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    eddy_task *t = arg;
    if (t->waiting != W_FD)
        return;
    event_del(&t->timer);
    future_make_ready(t, 0);
}

int eddy_wait_fd(int fd, int events, long timeout_ms)
{
    eddy_task *t;
    int rc = future_begin_wait(&t);
    if (rc)
        return rc;
    short what = (short)(((events & EDDY_WAIT_READ) ? EV_READ : 0) |
                         ((events & EDDY_WAIT_WRITE) ? EV_WRITE : 0));
    if (!what)
        return EINVAL;
    event_assign(&t->io, t->loop->base, fd, what, on_io, t);
    if (event_add(&t->io, NULL) < 0)
        return EBADF;
    evtimer_assign(&t->timer, t->loop->base, future_on_timer, t);
    future_arm_timer(t, timeout_ms);
    return future_suspend(t, W_FD);
}

/* on_job_done - the pool has handed the job back: the task may go on,
 * and whatever the job used on its stack is free again. */
static void on_job_done(void *arg)
{
    eddy_task *t = arg;
    end_job_wait(t, t->cancelled ? ECANCELED : 0);
}

/* on_job_not_started - the time to start a job is up: withdrawn if still
 * queued; a job a worker has is waited for to the end (it uses the
 * task's memory). */
static void on_job_not_started(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    eddy_task *t = arg;
    t->job_timed = 0; /* it has fired */
    if (eddy_thread_pool_withdraw(t))
        future_make_ready(t, t->cancelled ? ECANCELED : ETIMEDOUT);
}

int eddy_run_blocking_within(void (*fn)(void *), void *arg, long start_timeout_ms)
{
    eddy_task *t;
    int rc = future_begin_wait(&t);
    if (rc == EPERM) {
        fn(arg);
        return 0;
    }
    if (rc)
        return rc;
    if (eddy_thread_pool_submit(t->loop->base, fn, arg, on_job_done, t) < 0)
        return errno;
    if (start_timeout_ms >= 0) {
        evtimer_assign(&t->timer, t->loop->base, on_job_not_started, t);
        future_arm_timer(t, start_timeout_ms);
        t->job_timed = 1;
    }
    return future_suspend(t, W_JOB);
}

int eddy_run_blocking(void (*fn)(void *), void *arg)
{
    return eddy_run_blocking_within(fn, arg, -1);
}

/* ------------------------------------------------------------ futures */

eddy_future *eddy_future_new(void)
{
    eddy_future *f = calloc(1, sizeof *f);
    if (!f) {
        errno = ENOMEM;
        return NULL;
    }
    f->refs = 2;
    return f;
}

static void future_unref(eddy_future *f)
{
    if (--f->refs == 0)
        free(f);
}

void eddy_future_resolve(eddy_future *f, int error, void *value)
{
    if (!f->resolved) {
        f->resolved = 1;
        f->error = error;
        f->value = value;
        eddy_task *t = f->waiter;
        if (t) {
            f->waiter = NULL;
            event_del(&t->timer);
            future_make_ready(t, error);
        }
    }
    future_unref(f);
}

int eddy_future_await(eddy_future *f, long timeout_ms, void **value)
{
    eddy_task *t;
    int rc = future_begin_wait(&t);
    if (rc)
        return rc;
    if (!f->resolved) {
        f->waiter = t;
        t->future = f;
        evtimer_assign(&t->timer, t->loop->base, future_on_timer, t);
        future_arm_timer(t, timeout_ms);
        rc = future_suspend(t, W_FUTURE);
        t->future = NULL;
        if (!f->resolved)
            return rc; /* timed out or cancelled */
    }
    if (value)
        *value = f->value;
    return f->error;
}

void eddy_future_release(eddy_future *f)
{
    if (f->waiter) /* released by a task still hanging on it: unhook */
        f->waiter = NULL;
    future_unref(f);
}
