/*
 * Tests of lib/future: tasks on the loop, what each waiting call returns
 * (a job on the thread pool included), and cancellation — seen from the
 * task's side. The pool itself has tests/lib/pool.c.
 */
#include <eddy/async/future.h>
#include <eddy/async/pool.h>

#include "harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <event2/event.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void teardown(void)
{
    eddy_loop_free();
    eddy_thread_pool_shutdown();
}

TestSuite(future, .fini = teardown, .timeout = 20);

static char order[64];

static void sleep_then_note(void *arg)
{
    long ms = (long)(intptr_t)arg;
    cr_assert_eq(eddy_sleep(ms), 0);
    char note[16];
    snprintf(note, sizeof note, "%ld ", ms);
    strcat(order, note);
}

Test(future, sleeping_tasks_wake_in_deadline_order_concurrently)
{
    long long start = now_ms();
    eddy_task_spawn(sleep_then_note, (void *)(intptr_t)150);
    eddy_task_spawn(sleep_then_note, (void *)(intptr_t)50);
    eddy_task_spawn(sleep_then_note, (void *)(intptr_t)100);
    cr_assert_eq(eddy_loop_run(), 0, "the loop ends when nothing is left to wait for");
    long long took = now_ms() - start;
    cr_assert_str_eq(order, "50 100 150 ");
    cr_assert_geq(took, 140);
    cr_assert_lt(took, 290 + th_slack_ms(), "three sleeps of <= 150 ms overlapped, yet took %lld ms", took);
}

Test(future, waiting_outside_a_task_is_refused)
{
    cr_assert_eq(eddy_sleep(10), EPERM);
    cr_assert_eq(eddy_wait_fd(0, EDDY_WAIT_READ, 10), EPERM);
    cr_assert_null(eddy_task_current());
}

static int pair[2];
static int wait_results[2];

static void reader(void *arg)
{
    (void)arg;
    wait_results[0] = eddy_wait_fd(pair[0], EDDY_WAIT_READ, 50); /* nothing yet */
    wait_results[1] = eddy_wait_fd(pair[0], EDDY_WAIT_READ, 2000);
}

static void writer(void *arg)
{
    (void)arg;
    eddy_sleep(120);
    cr_assert_eq(write(pair[1], "x", 1), 1);
}

Test(future, wait_fd_times_out_then_sees_data)
{
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    eddy_task_spawn(reader, NULL);
    eddy_task_spawn(writer, NULL);
    eddy_loop_run();
    cr_assert_eq(wait_results[0], ETIMEDOUT);
    cr_assert_eq(wait_results[1], 0);
    close(pair[0]);
    close(pair[1]);
}

static eddy_future *fut;
static int await_rc;
static void *await_value;

static void awaiter(void *arg)
{
    long timeout = (long)(intptr_t)arg;
    await_rc = eddy_future_await(fut, timeout, &await_value);
    eddy_future_release(fut);
}

static void resolve_later(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    eddy_future_resolve(fut, 0, arg);
}

static void schedule_resolve(long ms, void *value)
{
    struct timeval tv = {0, ms * 1000};
    event_base_once(eddy_loop_base(), -1, EV_TIMEOUT, resolve_later, value, &tv);
}

Test(future, await_returns_the_value_a_callback_provides)
{
    fut = eddy_future_new();
    eddy_task_spawn(awaiter, (void *)(intptr_t)-1);
    schedule_resolve(30, "forty-two");
    eddy_loop_run();
    cr_assert_eq(await_rc, 0);
    cr_assert_str_eq(await_value, "forty-two");
}

Test(future, await_of_a_resolved_future_returns_at_once)
{
    fut = eddy_future_new();
    eddy_future_resolve(fut, EIO, NULL);
    eddy_task_spawn(awaiter, (void *)(intptr_t)-1);
    eddy_loop_run();
    cr_assert_eq(await_rc, EIO, "the resolver's error comes back to the awaiter");
}

Test(future, await_times_out_and_a_late_resolve_is_harmless)
{
    fut = eddy_future_new();
    eddy_task_spawn(awaiter, (void *)(intptr_t)30);
    schedule_resolve(100, "late"); /* after the awaiter gave up and released it */
    eddy_loop_run();
    cr_assert_eq(await_rc, ETIMEDOUT);
}

/* A wait's time counts from when it is asked for, even late in a round
 * of the loop that has already run long (libevent counts from the time
 * it cached when the round began): after 80 ms of work in the same
 * round, a 100 ms sleep, a 100 ms await timeout and a 100 ms fd wait
 * still last 100 ms. */
static long long waited[3];

static void spin_ms(long long ms)
{
    long long until = now_ms() + ms;
    while (now_ms() < until)
        ;
}

static void work_then_wait(void *arg)
{
    (void)arg;
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(eddy_sleep(5), 0); /* a new round of the loop */
        spin_ms(80);
        long long t0 = now_ms();
        if (k == 0) {
            cr_assert_eq(eddy_sleep(100), 0);
        } else if (k == 1) {
            eddy_future *f = eddy_future_new();
            cr_assert_eq(eddy_future_await(f, 100, NULL), ETIMEDOUT);
            eddy_future_release(f);
            eddy_future_resolve(f, ECANCELED, NULL);
        } else {
            cr_assert_eq(eddy_wait_fd(sv[0], EDDY_WAIT_READ, 100), ETIMEDOUT);
        }
        waited[k] = now_ms() - t0;
    }
    close(sv[0]);
    close(sv[1]);
}

Test(future, a_wait_counts_from_when_it_is_asked_for)
{
    eddy_task_spawn(work_then_wait, NULL);
    cr_assert_eq(eddy_loop_run(), 0);
    static const char *const what[] = {"sleep", "await's timeout", "fd wait's timeout"};
    for (int k = 0; k < 3; k++)
        cr_assert(waited[k] >= 98 && waited[k] < 300 + th_slack_ms(), "the %s lasted %lld ms",
                  what[k], waited[k]);
}

static atomic_int job_started, job_done;
static atomic_int ticks;

static void slow_job(void *arg)
{
    (void)arg;
    job_started = 1;
    usleep(200 * 1000); /* would freeze the loop if it ran there */
    job_done = 1;
}

static void offloader(void *arg)
{
    int *rc = arg;
    *rc = eddy_run_blocking(slow_job, NULL);
}

static void ticker(void *arg)
{
    (void)arg;
    while (!job_done) {
        eddy_sleep(10);
        ticks++;
    }
}

Test(future, run_blocking_keeps_the_loop_serving)
{
    int rc = -1;
    eddy_task_spawn(offloader, &rc);
    eddy_task_spawn(ticker, NULL);
    eddy_loop_run();
    cr_assert_eq(rc, 0);
    cr_assert(job_done);
    cr_assert_geq(ticks, 5, "only %d ticks while the job ran: the loop was blocked", (int)ticks);
}

Test(future, run_blocking_outside_a_task_runs_inline)
{
    job_done = 0;
    cr_assert_eq(eddy_run_blocking(slow_job, NULL), 0);
    cr_assert(job_done);
}

static void count_job(void *arg) { atomic_fetch_add((atomic_int *)arg, 1); }

static void many_jobs(void *arg)
{
    for (int i = 0; i < 50; i++)
        cr_assert_eq(eddy_run_blocking(count_job, arg), 0);
}

Test(future, many_tasks_share_the_pool)
{
    static atomic_int count;
    for (int i = 0; i < 20; i++)
        eddy_task_spawn(many_jobs, &count);
    eddy_loop_run();
    cr_assert_eq(count, 1000);
}

/* A job no worker has started within its time is taken back and never
 * runs; one that started is waited for to its end, however long. With
 * one worker busy for 300 ms, a job given 100 ms to start gives up after
 * about 100 ms; the same job given a second runs after the first. */
static atomic_int late_ran;
static void late_job(void *arg) { (void)arg; late_ran++; }

static void busy_job(void *arg)
{
    (void)arg;
    usleep(300 * 1000);
}

static void occupy(void *arg)
{
    (void)arg;
    cr_assert_eq(eddy_run_blocking(busy_job, NULL), 0);
}

static int within_rc[3];
static long long within_ms[3];

static void within(void *arg)
{
    eddy_sleep(20); /* the worker has the busy job by now */
    long long t0 = th_now_ms();
    within_rc[0] = eddy_run_blocking_within(late_job, NULL, 100);
    within_ms[0] = th_now_ms() - t0;
    t0 = th_now_ms();
    within_rc[1] = eddy_run_blocking_within(late_job, NULL, 1000);
    within_ms[1] = th_now_ms() - t0;
    t0 = th_now_ms();
    within_rc[2] = eddy_run_blocking_within(slow_job, NULL, 50); /* starts at once, runs 200 ms */
    within_ms[2] = th_now_ms() - t0;
    (void)arg;
}

Test(future, a_job_not_started_in_time_is_taken_back)
{
    cr_assert_eq(eddy_thread_pool_set_size(1), 0);
    eddy_task_spawn(occupy, NULL);
    eddy_task_spawn(within, NULL);
    eddy_loop_run();
    cr_assert_eq(within_rc[0], ETIMEDOUT, "got %d", within_rc[0]);
    cr_assert(within_ms[0] >= 95 && within_ms[0] < 250 + th_slack_ms(), "gave up after %lld ms",
              within_ms[0]);
    cr_assert_eq(within_rc[1], 0, "the second one starts once the busy job is over");
    cr_assert_eq(late_ran, 1, "the job taken back ran %d times in all", late_ran - 1);
    cr_assert_eq(within_rc[2], 0, "a started job is not given up on");
    cr_assert_geq(within_ms[2], 195, "returned after %lld ms of a 200 ms job", within_ms[2]);
}

/* ------------------------------------------------------------ cancellation */

static int cancel_results[3];
static int done_called;

static void long_sleeper(void *arg)
{
    (void)arg;
    cancel_results[0] = eddy_sleep(10000);
    cancel_results[1] = eddy_task_cancelled();
    cancel_results[2] = eddy_sleep(1); /* every later wait is refused at once */
}

static void on_done(void *arg) { *(int *)arg += 1; }

static void cancel_later(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    eddy_task_cancel(arg);
}

static void cancel_in(eddy_task *t, long ms)
{
    struct timeval tv = {0, ms * 1000};
    event_base_once(eddy_loop_base(), -1, EV_TIMEOUT, cancel_later, t, &tv);
}

Test(future, cancel_ends_a_sleep_with_ECANCELED)
{
    long long start = now_ms();
    eddy_task *t = eddy_task_spawn(long_sleeper, NULL);
    eddy_task_on_done(t, on_done, &done_called);
    cancel_in(t, 30);
    eddy_loop_run();
    cr_assert_eq(cancel_results[0], ECANCELED);
    cr_assert_eq(cancel_results[1], 1);
    cr_assert_eq(cancel_results[2], ECANCELED);
    cr_assert_eq(done_called, 1, "on_done runs once the task has unwound");
    cr_assert_lt(now_ms() - start, 2000 + th_slack_ms());
}

static void fd_waiter(void *arg)
{
    (void)arg;
    cancel_results[0] = eddy_wait_fd(pair[0], EDDY_WAIT_READ, -1);
}

Test(future, cancel_ends_an_fd_wait)
{
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    eddy_task *t = eddy_task_spawn(fd_waiter, NULL);
    cancel_in(t, 30);
    eddy_loop_run();
    cr_assert_eq(cancel_results[0], ECANCELED);
    close(pair[0]);
    close(pair[1]);
}

Test(future, cancel_unhooks_a_future_that_is_resolved_later)
{
    fut = eddy_future_new();
    eddy_task *t = eddy_task_spawn(awaiter, (void *)(intptr_t)-1);
    cancel_in(t, 20);
    schedule_resolve(60, "too late");
    eddy_loop_run();
    cr_assert_eq(await_rc, ECANCELED);
}

static void blocking_then_cancelled(void *arg)
{
    (void)arg;
    job_done = 0;
    cancel_results[0] = eddy_run_blocking(slow_job, NULL);
    cancel_results[1] = job_done; /* the job finished before the task went on */
}

/* cancel_once_started - cancel the task once a worker runs its job (a
 * job not started yet would be taken back instead). */
static void cancel_once_started(void *arg)
{
    while (!job_started)
        eddy_sleep(1);
    eddy_task_cancel(arg);
}

Test(future, cancel_during_run_blocking_waits_for_the_job)
{
    eddy_task *t = eddy_task_spawn(blocking_then_cancelled, NULL);
    eddy_task_spawn(cancel_once_started, t);
    eddy_loop_run();
    cr_assert_eq(cancel_results[0], ECANCELED);
    cr_assert_eq(cancel_results[1], 1, "the task resumed while the job could still use its stack");
}

/* A task cancelled while its job is still queued behind a busy worker
 * goes on at once, and the job never runs. */
static int queued_rc = -1;
static long long queued_ms;

static void queued_then_cancelled(void *arg)
{
    (void)arg;
    eddy_sleep(20); /* the worker has the busy job by now */
    long long t0 = th_now_ms();
    queued_rc = eddy_run_blocking(late_job, NULL);
    queued_ms = th_now_ms() - t0;
}

Test(future, cancel_takes_back_a_job_no_worker_has_started)
{
    cr_assert_eq(eddy_thread_pool_set_size(1), 0);
    eddy_task_spawn(occupy, NULL);
    eddy_task *t = eddy_task_spawn(queued_then_cancelled, NULL);
    cancel_in(t, 60);
    eddy_loop_run();
    cr_assert_eq(queued_rc, ECANCELED, "got %d", queued_rc);
    cr_assert_lt(queued_ms, 150 + th_slack_ms(), "went on after %lld ms, not at the cancel",
                 queued_ms);
    cr_assert_eq(late_ran, 0, "the cancelled job ran");
}
