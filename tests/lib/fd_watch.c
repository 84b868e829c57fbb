/*
 * Tests of lib/async/future_watch (fd watches): an fd kept registered between waits. What
 * a task sees: a wait ends when bytes or room arrive after it found none,
 * times out, is cancelled, and the loop still ends when only idle watches
 * are left.
 */
#include <eddy/async/future.h>
#include <eddy/async/pool.h>

#include "harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int pair[2];

static void setup(void)
{
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair), 0);
}

static void teardown(void)
{
    close(pair[0]);
    close(pair[1]);
    eddy_loop_free();
    eddy_thread_pool_shutdown();
}

TestSuite(fd_watch, .init = setup, .fini = teardown, .timeout = 20);

/* read_all - read fd until EAGAIN, waiting on w when nothing is there;
 * the bytes read, or -errno of the wait that failed. */
static ssize_t read_some(eddy_fd_watch *w, char *buf, size_t size, long timeout_ms)
{
    for (;;) {
        ssize_t n = read(eddy_fd_watch_fd(w), buf, size);
        if (n >= 0)
            return n;
        if (errno != EAGAIN)
            return -errno;
        int rc = eddy_fd_watch_wait(w, EDDY_WAIT_READ, timeout_ms);
        if (rc)
            return -rc;
    }
}

static eddy_fd_watch *watch;
static int results[4];
static char got[64];

static void reader(void *arg)
{
    (void)arg;
    char b[16];
    results[0] = (int)read_some(watch, b, sizeof b, 50); /* nothing yet */
    ssize_t n = read_some(watch, b, sizeof b, 2000);
    results[1] = (int)n;
    if (n > 0)
        memcpy(got, b, (size_t)n);
}

static void writer(void *arg)
{
    (void)arg;
    eddy_sleep(100);
    cr_assert_eq(write(pair[1], "hello", 5), 5);
}

Test(fd_watch, a_wait_times_out_then_sees_bytes_and_the_loop_ends_around_the_idle_watch)
{
    watch = eddy_fd_watch_new(pair[0]);
    cr_assert_not_null(watch);
    eddy_task_spawn(reader, NULL);
    eddy_task_spawn(writer, NULL);
    cr_assert_eq(eddy_loop_run(), 0, "the loop ended though the watch is still registered");
    cr_assert_eq(results[0], -ETIMEDOUT);
    cr_assert_eq(results[1], 5);
    cr_assert_str_eq(got, "hello");
    eddy_fd_watch_free(watch);
}

/* Two tasks bounce a counter back and forth many times, each reading
 * until EAGAIN and then waiting: an edge missed would hang the rally. */
static eddy_fd_watch *ends[2];
static int rounds_done[2];

static void player(void *arg)
{
    int me = (int)(intptr_t)arg;
    eddy_fd_watch *w = ends[me];
    if (me == 0)
        cr_assert_eq(write(pair[0], "0 ", 2), 2);
    for (;;) {
        char b[32] = "";
        ssize_t n = read_some(w, b, sizeof b - 1, 5000);
        cr_assert_gt(n, 0, "read: %zd", n);
        int v = atoi(b);
        rounds_done[me]++;
        if (v >= 1000)
            return;
        char out[32];
        int len = snprintf(out, sizeof out, "%d ", v + 1);
        cr_assert_eq(write(pair[me], out, (size_t)len), len);
        if (v + 1 >= 1000)
            return;
    }
}

Test(fd_watch, a_thousand_round_trips_miss_no_edge)
{
    ends[0] = eddy_fd_watch_new(pair[0]);
    ends[1] = eddy_fd_watch_new(pair[1]);
    cr_assert(ends[0] && ends[1]);
    eddy_task_spawn(player, (void *)(intptr_t)0);
    eddy_task_spawn(player, (void *)(intptr_t)1);
    cr_assert_eq(eddy_loop_run(), 0);
    cr_assert_eq(rounds_done[0] + rounds_done[1], 1001, "values 0..1000 each read once");
    eddy_fd_watch_free(ends[0]);
    eddy_fd_watch_free(ends[1]);
}

/* A full socket: the writer finds no room, waits for write, and goes on
 * once the other side has read. */
static size_t written, drained;

static void filler(void *arg)
{
    (void)arg;
    char block[4096];
    memset(block, 'x', sizeof block);
    while (written < 1024 * 1024) {
        ssize_t n = write(pair[0], block, sizeof block);
        if (n > 0) {
            written += (size_t)n;
            continue;
        }
        cr_assert_eq(errno, EAGAIN);
        results[0] = eddy_fd_watch_wait(watch, EDDY_WAIT_WRITE, 5000);
        cr_assert_eq(results[0], 0);
        results[1]++;
    }
    shutdown(pair[0], SHUT_WR);
}

static void drainer(void *arg)
{
    (void)arg;
    eddy_fd_watch *w = eddy_fd_watch_new(pair[1]);
    char b[8192];
    ssize_t n;
    while ((n = read_some(w, b, sizeof b, 5000)) > 0)
        drained += (size_t)n;
    eddy_fd_watch_free(w);
}

Test(fd_watch, a_write_wait_ends_when_the_peer_makes_room)
{
    watch = eddy_fd_watch_new(pair[0]);
    eddy_task_spawn(filler, NULL);
    eddy_task_spawn(drainer, NULL);
    cr_assert_eq(eddy_loop_run(), 0);
    cr_assert_eq(drained, written);
    cr_assert_gt(results[1], 0, "the socket never filled: the write wait was not tried");
    eddy_fd_watch_free(watch);
}

static void waiter(void *arg)
{
    int *rc = arg;
    *rc = eddy_fd_watch_wait(watch, EDDY_WAIT_READ, -1);
}

static void second_waiter(void *arg)
{
    int *rc = arg;
    *rc = eddy_fd_watch_wait(watch, EDDY_WAIT_READ, 10);
}

static void cancel_later(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    eddy_task_cancel(arg);
}

Test(fd_watch, cancel_ends_a_wait_and_a_second_waiter_is_refused)
{
    watch = eddy_fd_watch_new(pair[0]);
    eddy_task *t = eddy_task_spawn(waiter, &results[0]);
    eddy_task_spawn(second_waiter, &results[1]);
    struct timeval tv = {0, 30 * 1000};
    event_base_once(eddy_loop_base(), -1, EV_TIMEOUT, cancel_later, t, &tv);
    cr_assert_eq(eddy_loop_run(), 0);
    cr_assert_eq(results[0], ECANCELED);
    cr_assert_eq(results[1], EBUSY);
    eddy_task_spawn(second_waiter, &results[2]); /* the watch is free again */
    cr_assert_eq(eddy_loop_run(), 0);
    cr_assert_eq(results[2], ETIMEDOUT);
    eddy_fd_watch_free(watch);
}

static void free_later(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what, (void)arg;
    eddy_fd_watch_free(watch);
    watch = NULL;
}

Test(fd_watch, freeing_a_watch_wakes_its_waiter_with_ECANCELED)
{
    watch = eddy_fd_watch_new(pair[0]);
    eddy_task_spawn(waiter, &results[0]);
    struct timeval tv = {0, 20 * 1000};
    event_base_once(eddy_loop_base(), -1, EV_TIMEOUT, free_later, NULL, &tv);
    cr_assert_eq(eddy_loop_run(), 0);
    cr_assert_eq(results[0], ECANCELED);
}

Test(fd_watch, waiting_outside_a_task_is_refused_and_a_watch_may_outlive_its_loop)
{
    watch = eddy_fd_watch_new(pair[0]);
    cr_assert_eq(eddy_fd_watch_wait(watch, EDDY_WAIT_READ, 10), EPERM);
    eddy_loop_free();
    eddy_fd_watch_free(watch); /* unregistered with the loop already: only freed */
}
