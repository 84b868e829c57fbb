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
 * The thread pool is shared by the process; each job remembers the loop
 * it came from, and a worker hands the finished job back through that
 * loop's list and eventfd.
 */
#include <eddy/async/future.h>

#include <eddy/async/coro.h>

#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

enum wait_kind { W_NONE, W_TIMER, W_FD, W_FUTURE, W_JOB };

struct loop;

struct eddy_task {
    eddy_coro *coro;
    eddy_task_fn fn;
    void *arg;
    void (*done)(void *);
    void *done_arg;
    struct loop *loop;
    int cancelled;
    enum wait_kind waiting;
    int wait_result;      /* what the current wait returns */
    int queued;           /* on the ready list */
    eddy_task *next_ready;
    struct event timer;   /* sleeps and timeouts */
    struct event io;      /* fd waits */
    eddy_future *future;  /* the future being awaited */
};

struct eddy_future {
    int refs; /* the awaiting side and the resolving side */
    int resolved;
    int error;
    void *value;
    eddy_task *waiter;
};

struct job {
    void (*fn)(void *);
    void *arg;
    eddy_task *task;
    struct loop *home;
    struct job *next;
};

struct loop {
    struct event_base *base;
    int own_base;
    struct event wake;
    eddy_task *ready_head, *ready_tail;
    /* finished thread-pool jobs, handed over by the workers */
    int efd;
    struct event efd_event;
    int jobs_out; /* the eventfd is watched only while jobs are out */
    pthread_mutex_t lock;
    struct job *finished;
    eddy_task *spare; /* finished tasks kept for reuse: one allocation less per request */
    int spare_count;
};

static _Thread_local struct loop *this_loop;
static _Thread_local eddy_task *running_task;

/* ------------------------------------------------------------ the loop */

static void run_ready(evutil_socket_t fd, short what, void *arg);

static struct loop *get_loop(void)
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
    l->efd = -1;
    pthread_mutex_init(&l->lock, NULL);
    event_assign(&l->wake, l->base, -1, 0, run_ready, l);
    this_loop = l;
    return l;
}

struct event_base *eddy_loop_base(void)
{
    struct loop *l = get_loop();
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
    l->efd = -1;
    pthread_mutex_init(&l->lock, NULL);
    event_assign(&l->wake, l->base, -1, 0, run_ready, l);
    this_loop = l;
    return 0;
}

int eddy_loop_run(void)
{
    struct loop *l = get_loop();
    if (!l)
        return -1;
    return event_base_dispatch(l->base) < 0 ? -1 : 0;
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
    if (l->efd >= 0) {
        event_del(&l->efd_event);
        close(l->efd);
    }
    if (l->own_base)
        event_base_free(l->base);
    while (l->spare) {
        eddy_task *next = l->spare->next_ready;
        free(l->spare);
        l->spare = next;
    }
    pthread_mutex_destroy(&l->lock);
    free(l);
    this_loop = NULL;
    eddy_coro_pool_drain(); /* the thread's spare stacks go with its loop */
}

/* ------------------------------------------------------------ tasks */

/* make_ready - queue t to be resumed with result; the wake event runs it. */
static void make_ready(eddy_task *t, int result)
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
    struct loop *l = get_loop();
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
        make_ready(t, 0);
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
        make_ready(t, ECANCELED);
        break;
    case W_FD:
        event_del(&t->io);
        event_del(&t->timer);
        make_ready(t, ECANCELED);
        break;
    case W_FUTURE:
        event_del(&t->timer);
        t->future->waiter = NULL;
        make_ready(t, ECANCELED);
        break;
    case W_JOB:  /* the job's completion resumes it, with ECANCELED */
    case W_NONE: /* running, or already queued: its next wait sees the flag */
        break;
    }
}

/* begin_wait - the checks every waiting call starts with. */
static int begin_wait(eddy_task **t)
{
    *t = running_task;
    if (!*t || eddy_coro_current() != (*t)->coro)
        return EPERM;
    if ((*t)->cancelled)
        return ECANCELED;
    return 0;
}

static int suspend(eddy_task *t, enum wait_kind kind)
{
    t->waiting = kind;
    eddy_coro_yield();
    return t->wait_result;
}

static struct timeval to_timeval(long ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    return tv;
}

/* on_timer - a sleep ended or a wait's timeout passed. */
static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    eddy_task *t = arg;
    switch (t->waiting) {
    case W_TIMER:
        make_ready(t, 0);
        break;
    case W_FD:
        event_del(&t->io);
        make_ready(t, ETIMEDOUT);
        break;
    case W_FUTURE:
        t->future->waiter = NULL;
        make_ready(t, ETIMEDOUT);
        break;
    default:
        break;
    }
}

int eddy_sleep(long ms)
{
    eddy_task *t;
    int rc = begin_wait(&t);
    if (rc)
        return rc;
    struct timeval tv = to_timeval(ms < 0 ? 0 : ms);
    evtimer_assign(&t->timer, t->loop->base, on_timer, t);
    evtimer_add(&t->timer, &tv);
    return suspend(t, W_TIMER);
}

static void on_io(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    eddy_task *t = arg;
    if (t->waiting != W_FD)
        return;
    event_del(&t->timer);
    make_ready(t, 0);
}

int eddy_wait_fd(int fd, int events, long timeout_ms)
{
    eddy_task *t;
    int rc = begin_wait(&t);
    if (rc)
        return rc;
    short what = (short)(((events & EDDY_WAIT_READ) ? EV_READ : 0) |
                         ((events & EDDY_WAIT_WRITE) ? EV_WRITE : 0));
    if (!what)
        return EINVAL;
    event_assign(&t->io, t->loop->base, fd, what, on_io, t);
    if (event_add(&t->io, NULL) < 0)
        return EBADF;
    evtimer_assign(&t->timer, t->loop->base, on_timer, t);
    if (timeout_ms >= 0) {
        struct timeval tv = to_timeval(timeout_ms);
        evtimer_add(&t->timer, &tv);
    }
    return suspend(t, W_FD);
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
            make_ready(t, error);
        }
    }
    future_unref(f);
}

int eddy_future_await(eddy_future *f, long timeout_ms, void **value)
{
    eddy_task *t;
    int rc = begin_wait(&t);
    if (rc)
        return rc;
    if (!f->resolved) {
        f->waiter = t;
        t->future = f;
        evtimer_assign(&t->timer, t->loop->base, on_timer, t);
        if (timeout_ms >= 0) {
            struct timeval tv = to_timeval(timeout_ms);
            evtimer_add(&t->timer, &tv);
        }
        rc = suspend(t, W_FUTURE);
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

/* ------------------------------------------------------------ thread pool */

static struct {
    pthread_mutex_t lock;
    pthread_cond_t more;
    struct job *head, *tail;
    int size;    /* wanted */
    int started; /* running workers */
    int stopping;
    pthread_t threads[256];
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 4, 0, 0, {0}};

int eddy_thread_pool_set_size(int threads)
{
    if (threads < 1 || threads > 256) {
        errno = EINVAL;
        return -1;
    }
    pthread_mutex_lock(&pool.lock);
    int busy = pool.started > 0;
    if (!busy)
        pool.size = threads;
    pthread_mutex_unlock(&pool.lock);
    if (busy) {
        errno = EBUSY;
        return -1;
    }
    return 0;
}

static void *worker(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (!pool.head && !pool.stopping)
            pthread_cond_wait(&pool.more, &pool.lock);
        if (!pool.head)
            break; /* stopping, and nothing left to do */
        struct job *j = pool.head;
        pool.head = j->next;
        if (!pool.head)
            pool.tail = NULL;
        pthread_mutex_unlock(&pool.lock);

        j->fn(j->arg);

        struct loop *home = j->home;
        pthread_mutex_lock(&home->lock);
        j->next = home->finished;
        home->finished = j;
        pthread_mutex_unlock(&home->lock);
        uint64_t one = 1;
        while (write(home->efd, &one, sizeof one) < 0 && errno == EINTR)
            ;
        pthread_mutex_lock(&pool.lock);
    }
    pthread_mutex_unlock(&pool.lock);
    return NULL;
}

/* on_jobs_done - the loop side: resume the tasks whose jobs finished. */
static void on_jobs_done(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct loop *l = arg;
    uint64_t count;
    while (read(fd, &count, sizeof count) < 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&l->lock);
    struct job *j = l->finished, *reversed = NULL;
    l->finished = NULL;
    pthread_mutex_unlock(&l->lock);
    while (j) { /* the list is newest first: restore submission order */
        struct job *next = j->next;
        j->next = reversed;
        reversed = j;
        j = next;
    }
    for (j = reversed; j;) {
        struct job *next = j->next;
        eddy_task *t = j->task;
        free(j);
        if (--l->jobs_out == 0)
            event_del(&l->efd_event);
        make_ready(t, t->cancelled ? ECANCELED : 0);
        j = next;
    }
}

/* start_pool - start the workers and this loop's hand-back channel. */
static int start_pool(struct loop *l)
{
    if (l->efd < 0) {
        l->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (l->efd < 0)
            return EAGAIN;
        event_assign(&l->efd_event, l->base, l->efd, EV_READ | EV_PERSIST, on_jobs_done, l);
    }
    int rc = 0;
    pthread_mutex_lock(&pool.lock);
    pool.stopping = 0;
    while (pool.started < pool.size) {
        if (pthread_create(&pool.threads[pool.started], NULL, worker, NULL) != 0) {
            rc = pool.started ? 0 : EAGAIN; /* fewer workers still work */
            break;
        }
        pool.started++;
    }
    pthread_mutex_unlock(&pool.lock);
    return rc;
}

int eddy_run_blocking(void (*fn)(void *), void *arg)
{
    eddy_task *t;
    int rc = begin_wait(&t);
    if (rc == EPERM) {
        fn(arg);
        return 0;
    }
    if (rc)
        return rc;
    if ((rc = start_pool(t->loop)) != 0)
        return rc;
    struct job *j = malloc(sizeof *j);
    if (!j)
        return ENOMEM;
    *j = (struct job){.fn = fn, .arg = arg, .task = t, .home = t->loop};
    if (t->loop->jobs_out++ == 0)
        event_add(&t->loop->efd_event, NULL);
    pthread_mutex_lock(&pool.lock);
    if (pool.tail)
        pool.tail->next = j;
    else
        pool.head = j;
    pool.tail = j;
    pthread_cond_signal(&pool.more);
    pthread_mutex_unlock(&pool.lock);
    return suspend(t, W_JOB);
}

void eddy_thread_pool_shutdown(void)
{
    pthread_mutex_lock(&pool.lock);
    pool.stopping = 1;
    pthread_cond_broadcast(&pool.more);
    int n = pool.started;
    pthread_mutex_unlock(&pool.lock);
    for (int i = 0; i < n; i++)
        pthread_join(pool.threads[i], NULL);
    pthread_mutex_lock(&pool.lock);
    pool.started = 0;
    pthread_mutex_unlock(&pool.lock);
}
