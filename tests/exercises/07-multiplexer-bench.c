/*
 * Exercise 07: the epoll backend's add() and wait()
 * (exercises/07-multiplexer-bench/mux_epoll.c).
 *
 * The tests watch the ends of real socketpairs, make some readable by
 * writing into their other ends, and check that wait() names exactly
 * those fds: none too few, none too many, each once, never more than asked.
 */
#include "mux.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PAIRS 100

/* pair[i][0] is watched; a byte written to pair[i][1] makes it readable. */
static int pair[PAIRS][2];
static struct mux *m;

static void setup(void)
{
    for (int i = 0; i < PAIRS; i++)
        cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair[i]), 0);
    m = mux_epoll.create(PAIRS);
    cr_assert_not_null(m, "create failed: %s", strerror(errno));
}

static void teardown(void)
{
    if (m)
        mux_epoll.destroy(m);
    for (int i = 0; i < PAIRS; i++) {
        close(pair[i][0]);
        close(pair[i][1]);
    }
}

static void watch_all(void)
{
    for (int i = 0; i < PAIRS; i++) {
        errno = 0;
        cr_assert_eq(mux_epoll.add(m, pair[i][0]), 0, "add(fd %d) failed: %s", pair[i][0],
                     strerror(errno));
    }
}

static void make_ready(int i)
{
    cr_assert_eq(write(pair[i][1], "x", 1), 1);
}

/* index_of - which pair a ready fd belongs to, or -1 for a stranger. */
static int index_of(int fd)
{
    for (int i = 0; i < PAIRS; i++)
        if (pair[i][0] == fd)
            return i;
    return -1;
}

Test(epoll_mux, nothing_ready_means_a_timeout, .init = setup, .fini = teardown, .timeout = 10)
{
    watch_all();
    int ready[PAIRS];
    errno = 0;
    cr_assert_eq(mux_epoll.wait(m, ready, PAIRS, 0), 0,
                 "no fd is readable, so wait(timeout 0) must return 0 (errno %s)", strerror(errno));
    cr_assert_eq(mux_epoll.wait(m, ready, PAIRS, 50), 0, "still nothing after 50 ms");
}

Test(epoll_mux, names_the_one_ready_fd_among_many, .init = setup, .fini = teardown, .timeout = 10)
{
    watch_all();
    int ready[PAIRS];
    for (int round = 0; round < 20; round++) {
        int i = (round * 37 + 11) % PAIRS;
        make_ready(i);
        int k = mux_epoll.wait(m, ready, PAIRS, 1000);
        cr_assert_eq(k, 1, "round %d: one fd is readable, wait returned %d (errno %s)", round, k,
                     strerror(errno));
        cr_assert_eq(ready[0], pair[i][0], "round %d: expected fd %d, got fd %d", round, pair[i][0],
                     ready[0]);
        char ch;
        cr_assert_eq(read(pair[i][0], &ch, 1), 1);
    }
}

Test(epoll_mux, names_every_ready_fd_exactly_once, .init = setup, .fini = teardown, .timeout = 10)
{
    watch_all();
    const int chosen[] = {0, 7, 42, 43, 99};
    for (int j = 0; j < 5; j++)
        make_ready(chosen[j]);
    int ready[PAIRS], seen[PAIRS] = {0};
    int k = mux_epoll.wait(m, ready, PAIRS, 1000);
    cr_assert_eq(k, 5, "five fds are readable, wait returned %d (errno %s)", k, strerror(errno));
    for (int j = 0; j < k; j++) {
        int i = index_of(ready[j]);
        cr_assert_geq(i, 0, "fd %d was never added", ready[j]);
        cr_assert_eq(seen[i]++, 0, "fd %d came back twice", ready[j]);
    }
    for (int j = 0; j < 5; j++)
        cr_assert_eq(seen[chosen[j]], 1, "the ready fd %d was not reported", pair[chosen[j]][0]);
}

Test(epoll_mux, is_level_triggered_and_keeps_reporting_unread_bytes, .init = setup,
     .fini = teardown, .timeout = 10)
{
    watch_all();
    make_ready(3);
    int ready[PAIRS];
    for (int again = 0; again < 3; again++) {
        int k = mux_epoll.wait(m, ready, PAIRS, 1000);
        cr_assert_eq(k, 1, "call %d: the byte is still unread, so the fd is still ready (got %d)",
                     again + 1, k);
        cr_assert_eq(ready[0], pair[3][0]);
    }
    char ch;
    cr_assert_eq(read(pair[3][0], &ch, 1), 1);
    cr_assert_eq(mux_epoll.wait(m, ready, PAIRS, 0), 0, "once read, the fd is quiet again");
}

Test(epoll_mux, never_stores_more_than_cap, .init = setup, .fini = teardown, .timeout = 10)
{
    watch_all();
    for (int i = 0; i < 10; i++)
        make_ready(i * 10);
    int ready[PAIRS + 1];
    ready[3] = -12345; /* a guard: cap 3 means ready[0..2] only */
    int k = mux_epoll.wait(m, ready, 3, 1000);
    cr_assert_eq(k, 3, "ten fds are ready but cap is 3: wait returned %d (errno %s)", k,
                 strerror(errno));
    cr_assert_eq(ready[3], -12345, "wait wrote past ready[cap - 1]");
    for (int j = 0; j < 3; j++)
        cr_assert_geq(index_of(ready[j]), 0, "fd %d was never added", ready[j]);
}

Test(epoll_mux, add_reports_what_epoll_ctl_refuses, .init = setup, .fini = teardown, .timeout = 10)
{
    watch_all();
    errno = 0;
    cr_assert_eq(mux_epoll.add(m, pair[0][0]), -1, "adding the same fd twice is an error");
    cr_assert_eq(errno, EEXIST, "errno is %s, expected EEXIST", strerror(errno));
    int closed = dup(pair[1][1]);
    close(closed);
    errno = 0;
    cr_assert_eq(mux_epoll.add(m, closed), -1, "adding a closed fd is an error");
    cr_assert_eq(errno, EBADF, "errno is %s, expected EBADF", strerror(errno));
}
