/*
 * pool - the thread pool; see pool.h.
 *
 * One queue of jobs for the process, guarded by a mutex, and workers that
 * sleep on a condition variable until a job comes. Each loop thread that
 * submits has an inbox: a finished job goes on its inbox's list and a
 * write to the inbox's eventfd wakes that loop, whose event callback takes
 * the whole list and runs the done callbacks. The eventfd stays
 * registered with the loop from the first job on: adding it whenever
 * jobs went from none to some, and deleting it when none were left, cost
 * two epoll_ctl calls each time (a loop serving pages goes through that
 * cycle thousands of times a second). While no job is out, eddy_loop_run
 * does not count it as something to wait for.
 *
 * A hand-off between threads costs system calls and, on a busy core,
 * context switches; a loop serving many clients hands off many small
 * jobs. So the hand-offs are made per batch, not per job:
 *   - a job submitted from a loop callback waits on the inbox's own list
 *     until that round of callbacks is over (a "flush" event the first
 *     submit activates): then the round's jobs join the queue under one
 *     lock and the workers are woken once;
 *   - only as many sleeping workers are woken as there are queued jobs
 *     no worker is already on its way to;
 *   - a worker writes to the eventfd only when the inbox's list was
 *     empty: a list that already holds jobs has already woken the loop,
 *     which has not taken it yet and will take the new job with it.
 */
#include <eddy/async/pool.h>

#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct inbox;

struct job {
    void (*work)(void *);
    void *work_arg;
    void (*done)(void *);
    void *done_arg;
    struct inbox *home; /* where it goes back once done */
    struct job *next;
};

/* inbox - where one loop thread's jobs leave from and finished ones come
 * back. Only the loop thread touches the fields above lock. */
struct inbox {
    int efd;
    struct event ready;       /* the loop's watch on efd */
    struct event flush;       /* activated by a submit: the round's jobs go to the queue */
    struct event watch;       /* while jobs are queued: is the queue moving? */
    unsigned long seen_taken; /* pool.taken at the last look */
    int out;                  /* jobs submitted and not yet handed back */
    bool registered;          /* ready is added to the loop (it stays) */
    struct job *round_head, *round_tail; /* submitted, not yet on the queue */
    int round_count;
    struct job *spare_jobs; /* finished job records, reused by the next submits */
    pthread_mutex_t lock;
    struct job *finished; /* handed over by the workers, newest first */
};

static _Thread_local struct inbox *this_inbox;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t more;
    struct job *head, *tail;
    int queued;          /* jobs on the queue */
    int sleeping;        /* workers in pthread_cond_wait */
    int woken;           /* signalled and not yet back from the wait */
    unsigned long taken; /* jobs taken off the queue, ever: its progress */
    int size;            /* wanted */
    int started;         /* running workers */
    int stopping;
    pthread_t threads[256];
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .more = PTHREAD_COND_INITIALIZER, .size = 4};

/* all_started - every worker runs: a submit need not take the lock to check. */
static atomic_bool all_started;

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

/* ------------------------------------------------------------ the workers */

/* hand_back - put a finished job on its inbox; wake the loop only if
 * nothing was waiting there (see the top of this file). */
static void hand_back(struct job *j)
{
    struct inbox *home = j->home;
    pthread_mutex_lock(&home->lock);
    int was_empty = home->finished == NULL;
    j->next = home->finished;
    home->finished = j;
    pthread_mutex_unlock(&home->lock);
    if (!was_empty)
        return;
    uint64_t one = 1;
    while (write(home->efd, &one, sizeof one) < 0 && errno == EINTR)
        ;
}

static void *worker(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (!pool.head && !pool.stopping) {
            pool.sleeping++;
            pthread_cond_wait(&pool.more, &pool.lock);
            pool.sleeping--;
            if (pool.woken > 0)
                pool.woken--;
        }
        if (!pool.head)
            break; /* stopping, and nothing left to do */
        struct job *j = pool.head;
        pool.head = j->next;
        if (!pool.head)
            pool.tail = NULL;
        pool.queued--;
        pool.taken++;
        pthread_mutex_unlock(&pool.lock);

        j->work(j->work_arg);
        hand_back(j);

        pthread_mutex_lock(&pool.lock);
    }
    pthread_mutex_unlock(&pool.lock);
    return NULL;
}

/* start_workers - bring the pool up to its size; 0, or EAGAIN if not a
 * single worker runs (fewer than wanted still work). */
static int start_workers(void)
{
    if (atomic_load_explicit(&all_started, memory_order_acquire))
        return 0;
    int rc = 0;
    pthread_mutex_lock(&pool.lock);
    pool.stopping = 0;
    while (pool.started < pool.size) {
        if (pthread_create(&pool.threads[pool.started], NULL, worker, NULL) != 0) {
            rc = pool.started ? 0 : EAGAIN;
            break;
        }
        pool.started++;
    }
    atomic_store_explicit(&all_started, pool.started == pool.size, memory_order_release);
    pthread_mutex_unlock(&pool.lock);
    return rc;
}

/* count_wakes - how many of n more workers can be woken (no more than
 * sleep and are not already on their way), counted as woken; under
 * pool.lock. The signals themselves are sent by signal_workers after the
 * lock is released: a worker woken while the lock is still held would
 * only run into it and sleep again on the mutex, two more futex calls
 * and a context switch for nothing. */
static int count_wakes(int n)
{
    if (n > pool.sleeping - pool.woken)
        n = pool.sleeping - pool.woken;
    if (n < 0)
        n = 0;
    pool.woken += n;
    return n;
}

static void signal_workers(int n)
{
    for (; n > 0; n--)
        pthread_cond_signal(&pool.more);
}

static const struct timeval watch_period = {0, 1000};

/* enqueue_round - move the inbox's submitted jobs to the queue. A worker
 * is woken only if none is awake: one that is will take them after its
 * current job. Whether that job is a long one shows only later, so the
 * loop looks again in a millisecond (on_watch). */
static void enqueue_round(struct inbox *in)
{
    if (!in->round_head)
        return;
    pthread_mutex_lock(&pool.lock);
    if (pool.tail)
        pool.tail->next = in->round_head;
    else
        pool.head = in->round_head;
    pool.tail = in->round_tail;
    pool.queued += in->round_count;
    int wakes = pool.started - pool.sleeping + pool.woken == 0 ? count_wakes(1) : 0;
    in->seen_taken = pool.taken;
    pthread_mutex_unlock(&pool.lock);
    signal_workers(wakes);
    in->round_head = in->round_tail = NULL;
    in->round_count = 0;
    if (!evtimer_pending(&in->watch, NULL))
        evtimer_add(&in->watch, &watch_period);
}

/* on_watch - jobs were queued a millisecond ago: if no worker has taken
 * one since, the awake ones are all busy with long jobs, so wake a
 * sleeping worker for each job that waits. */
static void on_watch(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    struct inbox *in = arg;
    pthread_mutex_lock(&pool.lock);
    int wakes = 0;
    if (pool.queued > 0 && pool.taken == in->seen_taken)
        wakes = count_wakes(pool.queued - pool.woken);
    in->seen_taken = pool.taken;
    int again = pool.queued > 0;
    pthread_mutex_unlock(&pool.lock);
    signal_workers(wakes);
    if (again)
        evtimer_add(&in->watch, &watch_period);
}

void eddy_thread_pool_shutdown(void)
{
    if (this_inbox) /* this thread's last jobs are part of what is finished */
        enqueue_round(this_inbox);
    pthread_mutex_lock(&pool.lock);
    atomic_store_explicit(&all_started, false, memory_order_release);
    pool.stopping = 1;
    pthread_cond_broadcast(&pool.more);
    int n = pool.started;
    pthread_mutex_unlock(&pool.lock);
    for (int i = 0; i < n; i++)
        pthread_join(pool.threads[i], NULL);
    pthread_mutex_lock(&pool.lock);
    pool.started = 0;
    pool.woken = 0;
    pthread_mutex_unlock(&pool.lock);
}

/* ------------------------------------------------------------ the loop side */

/* on_flush - the round of callbacks that submitted jobs is over. */
static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    enqueue_round(arg);
}

/* on_finished - the inbox's eventfd is readable: run the done callbacks
 * of the jobs that came back. */
static void on_finished(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct inbox *in = arg;
    uint64_t count;
    while (read(fd, &count, sizeof count) < 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&in->lock);
    struct job *j = in->finished, *oldest_first = NULL;
    in->finished = NULL;
    pthread_mutex_unlock(&in->lock);
    while (j) {
        struct job *next = j->next;
        j->next = oldest_first;
        oldest_first = j;
        j = next;
    }
    for (j = oldest_first; j;) {
        struct job *next = j->next;
        void (*done)(void *) = j->done;
        void *done_arg = j->done_arg;
        j->next = in->spare_jobs;
        in->spare_jobs = j;
        in->out--;
        done(done_arg);
        j = next;
    }
}

/* inbox_for - this thread's inbox, made on its first job. */
static struct inbox *inbox_for(struct event_base *base)
{
    if (this_inbox)
        return this_inbox;
    struct inbox *in = calloc(1, sizeof *in);
    if (!in) {
        errno = ENOMEM;
        return NULL;
    }
    in->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (in->efd < 0) {
        free(in);
        errno = EAGAIN;
        return NULL;
    }
    pthread_mutex_init(&in->lock, NULL);
    event_assign(&in->ready, base, in->efd, EV_READ | EV_PERSIST, on_finished, in);
    event_assign(&in->flush, base, -1, 0, on_flush, in);
    evtimer_assign(&in->watch, base, on_watch, in);
    this_inbox = in;
    return in;
}

int eddy_thread_pool_submit(struct event_base *base, void (*work)(void *), void *work_arg,
                            void (*done)(void *), void *done_arg)
{
    struct inbox *in = inbox_for(base);
    if (!in)
        return -1;
    int rc = start_workers();
    if (rc) {
        errno = rc;
        return -1;
    }
    struct job *j = in->spare_jobs;
    if (j)
        in->spare_jobs = j->next;
    else if (!(j = malloc(sizeof *j))) {
        errno = ENOMEM;
        return -1;
    }
    *j = (struct job){
        .work = work, .work_arg = work_arg, .done = done, .done_arg = done_arg, .home = in};
    if (!in->registered && event_add(&in->ready, NULL) == 0)
        in->registered = true;
    in->out++;
    if (in->round_tail)
        in->round_tail->next = j;
    else
        in->round_head = j;
    in->round_tail = j;
    in->round_count++;
    event_active(&in->flush, EV_TIMEOUT, 0); /* no-op when already active */
    return 0;
}

/* unlink_from - remove the job of this inbox whose done_arg is arg from
 * the list at *head (tail and count kept right); the job, or NULL. */
static struct job *unlink_from(struct job **head, struct job **tail, int *count,
                               const struct inbox *in, const void *arg)
{
    struct job *prev = NULL;
    for (struct job *j = *head; j; prev = j, j = j->next) {
        if (j->home != in || j->done_arg != arg)
            continue;
        if (prev)
            prev->next = j->next;
        else
            *head = j->next;
        if (*tail == j)
            *tail = prev;
        --*count;
        return j;
    }
    return NULL;
}

int eddy_thread_pool_withdraw(const void *done_arg)
{
    struct inbox *in = this_inbox;
    if (!in)
        return 0;
    struct job *j = unlink_from(&in->round_head, &in->round_tail, &in->round_count, in, done_arg);
    if (!j) { /* gone to the queue: withdrawn only if no worker has taken it yet */
        pthread_mutex_lock(&pool.lock);
        j = unlink_from(&pool.head, &pool.tail, &pool.queued, in, done_arg);
        pthread_mutex_unlock(&pool.lock);
    }
    if (!j)
        return 0; /* a worker has it: its done comes as usual */
    j->next = in->spare_jobs;
    in->spare_jobs = j;
    in->out--;
    return 1;
}

int eddy_thread_pool_idle_events(void)
{
    struct inbox *in = this_inbox;
    return in && in->registered && in->out == 0;
}

void eddy_thread_pool_detach(void)
{
    struct inbox *in = this_inbox;
    if (!in)
        return;
    event_del(&in->ready);
    event_del(&in->flush);
    event_del(&in->watch);
    close(in->efd);
    pthread_mutex_destroy(&in->lock);
    while (in->spare_jobs) {
        struct job *j = in->spare_jobs;
        in->spare_jobs = j->next;
        free(j);
    }
    free(in);
    this_inbox = NULL;
}
