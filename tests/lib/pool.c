/*
 * Tests of lib/pool: jobs run on worker threads and come back to the loop
 * thread that sent them, side by side up to the pool's size, and a
 * shutdown finishes what was queued. Tasks waiting for a job
 * (eddy_run_blocking) are future.c's tests.
 */
#include <eddy/async/future.h>
#include <eddy/async/pool.h>

#include <criterion/criterion.h>
#include <event2/event.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

static void teardown(void)
{
    eddy_loop_free();
    eddy_thread_pool_shutdown();
}

TestSuite(pool, .fini = teardown, .timeout = 20);

enum { JOBS = 20 };

static pthread_t loop_thread;

static struct job_record {
    int index;
    atomic_int worked_off_the_loop; /* written by a worker */
    int done_on_the_loop;           /* written by the loop */
} records[JOBS];

static int done_order[JOBS], dones;

static void record_work(void *arg)
{
    struct job_record *r = arg;
    r->worked_off_the_loop = !pthread_equal(pthread_self(), loop_thread);
}

static void record_done(void *arg)
{
    struct job_record *r = arg;
    r->done_on_the_loop = pthread_equal(pthread_self(), loop_thread);
    done_order[dones++] = r->index;
}

Test(pool, work_runs_on_a_worker_and_done_back_on_the_loop_thread)
{
    loop_thread = pthread_self();
    for (int i = 0; i < JOBS; i++) {
        records[i].index = i;
        cr_assert_eq(eddy_thread_pool_submit(eddy_loop_base(), record_work, &records[i],
                                             record_done, &records[i]),
                     0);
    }
    cr_assert_eq(eddy_loop_run(), 0, "the loop ends once every job is back");
    cr_assert_eq(dones, JOBS);
    int seen[JOBS] = {0};
    for (int i = 0; i < JOBS; i++) {
        cr_assert(records[i].worked_off_the_loop, "job %d ran on the loop thread", i);
        cr_assert(records[i].done_on_the_loop, "job %d's done ran off the loop thread", i);
        seen[done_order[i]]++;
    }
    for (int i = 0; i < JOBS; i++)
        cr_assert_eq(seen[i], 1, "job %d came back %d times", i, seen[i]);
}

static pthread_barrier_t all_three;
static atomic_int met;

/* Returns only once three jobs are in here at the same time. */
static void meet(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&all_three);
    met++;
}

static void nothing(void *arg)
{
    (void)arg;
}

Test(pool, jobs_run_side_by_side_up_to_the_pool_size, .timeout = 10)
{
    cr_assert_eq(eddy_thread_pool_set_size(3), 0);
    pthread_barrier_init(&all_three, NULL, 3);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(eddy_thread_pool_submit(eddy_loop_base(), meet, NULL, nothing, NULL), 0);
    eddy_loop_run();
    cr_assert_eq(met, 3, "three jobs met on three workers");
    pthread_barrier_destroy(&all_three);
}

Test(pool, size_is_checked_and_fixed_while_workers_run)
{
    errno = 0;
    cr_assert_eq(eddy_thread_pool_set_size(0), -1);
    cr_assert_eq(errno, EINVAL);
    cr_assert_eq(eddy_thread_pool_set_size(257), -1);
    cr_assert_eq(eddy_thread_pool_set_size(2), 0);
    cr_assert_eq(eddy_thread_pool_submit(eddy_loop_base(), nothing, NULL, nothing, NULL), 0);
    errno = 0;
    cr_assert_eq(eddy_thread_pool_set_size(3), -1, "the workers are running");
    cr_assert_eq(errno, EBUSY);
    eddy_loop_run();
    eddy_thread_pool_shutdown();
    cr_assert_eq(eddy_thread_pool_set_size(3), 0, "after a shutdown the size may change");
}

static atomic_int slow_done;
static int dones_seen;

static void slow_work(void *arg)
{
    (void)arg;
    usleep(20 * 1000);
    slow_done++;
}

static void count_done(void *arg)
{
    (void)arg;
    dones_seen++;
}

Test(pool, shutdown_finishes_the_queued_jobs_and_the_loop_gets_them_back)
{
    cr_assert_eq(eddy_thread_pool_set_size(1), 0);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(eddy_thread_pool_submit(eddy_loop_base(), slow_work, NULL, count_done, NULL),
                     0);
    eddy_thread_pool_shutdown();
    cr_assert_eq(slow_done, 5, "shutdown returned with jobs still queued");
    cr_assert_eq(dones_seen, 0, "done callbacks run on the loop, not in shutdown");
    eddy_loop_run();
    cr_assert_eq(dones_seen, 5);
}

Test(pool, a_new_loop_on_the_same_thread_gets_its_jobs_back)
{
    cr_assert_eq(eddy_thread_pool_submit(eddy_loop_base(), slow_work, NULL, count_done, NULL), 0);
    eddy_loop_run();
    eddy_loop_free(); /* detaches this thread from the pool */
    cr_assert_eq(eddy_thread_pool_submit(eddy_loop_base(), slow_work, NULL, count_done, NULL), 0);
    eddy_loop_run();
    cr_assert_eq(dones_seen, 2);
}

/* A worker busy with a long job is not waited for: the jobs queued behind
 * it go to another worker, and come back first. */
static int order[4], norder;

static void note_done(void *arg)
{
    order[norder++] = (int)(intptr_t)arg;
}

static void long_work(void *arg)
{
    (void)arg;
    usleep(300 * 1000);
}

Test(pool, quick_jobs_do_not_wait_behind_a_long_one)
{
    cr_assert_eq(eddy_thread_pool_set_size(2), 0);
    cr_assert_eq(
        eddy_thread_pool_submit(eddy_loop_base(), long_work, NULL, note_done, (void *)(intptr_t)0),
        0);
    for (int i = 1; i < 4; i++)
        cr_assert_eq(eddy_thread_pool_submit(eddy_loop_base(), nothing, NULL, note_done,
                                             (void *)(intptr_t)i),
                     0);
    eddy_loop_run();
    cr_assert_eq(norder, 4);
    cr_assert_eq(order[3], 0, "the long job came back last, not before the quick ones");
}

/* A job is withdrawn, neither its work nor its done run, while no
 * worker has taken it: still in the round that submitted it, or queued
 * behind a busy worker; once a worker has it, it is not. */
static atomic_int withdrawn_ran;
static int withdrawn_done, busy_done;

static void busy_work(void *arg)
{
    (void)arg;
    usleep(200 * 1000);
}

static void mark_ran(void *arg) { (void)arg; withdrawn_ran++; }
static void mark_done(void *arg) { (void)arg; withdrawn_done++; }
static void busy_back(void *arg) { (void)arg; busy_done++; }

Test(pool, a_job_is_withdrawn_until_a_worker_takes_it)
{
    cr_assert_eq(eddy_thread_pool_set_size(1), 0);
    struct event_base *base = eddy_loop_base();
    int busy, in_round, queued;
    cr_assert_eq(eddy_thread_pool_submit(base, busy_work, NULL, busy_back, &busy), 0);
    cr_assert_eq(eddy_thread_pool_submit(base, mark_ran, NULL, mark_done, &in_round), 0);
    cr_assert_eq(eddy_thread_pool_withdraw(&in_round), 1, "withdrawn from its round");
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK); /* the round goes to the worker */
    usleep(20 * 1000);                                    /* which takes the busy job */
    cr_assert_eq(eddy_thread_pool_withdraw(&busy), 0, "a worker has it");
    cr_assert_eq(eddy_thread_pool_submit(base, mark_ran, NULL, mark_done, &queued), 0);
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK); /* queued behind the busy job */
    cr_assert_eq(eddy_thread_pool_withdraw(&queued), 1, "withdrawn from the queue");
    cr_assert_eq(eddy_thread_pool_withdraw(&queued), 0, "and only once");
    cr_assert_eq(eddy_loop_run(), 0, "the loop ends with the busy job back");
    cr_assert_eq(busy_done, 1);
    cr_assert_eq(withdrawn_ran, 0, "a withdrawn job's work ran");
    cr_assert_eq(withdrawn_done, 0, "a withdrawn job's done ran");
}
