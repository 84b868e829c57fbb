/*
 * pool - the thread pool; see pool.h.
 *
 * One queue of jobs for the process, guarded by a mutex, and workers that
 * sleep on a condition variable until a job comes. Each loop thread that
 * submits has an inbox: a finished job goes on its inbox's list and one
 * write to the inbox's eventfd wakes that loop, whose event callback takes
 * the whole list and runs the done callbacks. The loop watches the
 * eventfd only while it has jobs out.
 */
#include <eddy/async/pool.h>

#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <pthread.h>
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

/* inbox - where one loop thread's finished jobs come back. */
struct inbox {
    int efd;
    struct event ready; /* the loop's watch on efd */
    int out;            /* jobs submitted and not yet handed back */
    pthread_mutex_t lock;
    struct job *finished; /* handed over by the workers, newest first */
};

static _Thread_local struct inbox *this_inbox;

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

/* ------------------------------------------------------------ the workers */

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

        j->work(j->work_arg);

        struct inbox *home = j->home;
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

/* start_workers - bring the pool up to its size; 0, or EAGAIN if not a
 * single worker runs (fewer than wanted still work). */
static int start_workers(void)
{
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
    pthread_mutex_unlock(&pool.lock);
    return rc;
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

/* ------------------------------------------------------------ the loop side */

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
        free(j);
        if (--in->out == 0)
            event_del(&in->ready);
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
    struct job *j = malloc(sizeof *j);
    if (!j) {
        errno = ENOMEM;
        return -1;
    }
    *j = (struct job){.work = work, .work_arg = work_arg, .done = done, .done_arg = done_arg,
                      .home = in};
    if (in->out++ == 0)
        event_add(&in->ready, NULL);
    pthread_mutex_lock(&pool.lock);
    if (pool.tail)
        pool.tail->next = j;
    else
        pool.head = j;
    pool.tail = j;
    pthread_cond_signal(&pool.more);
    pthread_mutex_unlock(&pool.lock);
    return 0;
}

void eddy_thread_pool_detach(void)
{
    struct inbox *in = this_inbox;
    if (!in)
        return;
    event_del(&in->ready);
    close(in->efd);
    pthread_mutex_destroy(&in->lock);
    free(in);
    this_inbox = NULL;
}
