/*
 * Exercise 06: interest_update() (exercises/06-epoll/interest.c).
 *
 * A socketpair stands in for a client connection. The tests ask epoll what
 * it reports after each update, so they check what the kernel was told,
 * not only what the function returned.
 */
#include "interest.h"

#include <criterion/criterion.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static int sp[2], epfd, registered;

static void setup(void)
{
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp), 0);
    epfd = epoll_create1(0);
    cr_assert_geq(epfd, 0);
    struct epoll_event e = {.events = EPOLLIN, .data.fd = sp[0]};
    cr_assert_eq(epoll_ctl(epfd, EPOLL_CTL_ADD, sp[0], &e), 0);
    registered = EPOLLIN;
}

static void teardown(void)
{
    close(sp[0]);
    close(sp[1]);
    close(epfd);
}

/* reported - the events epoll reports for sp[0] right now (0 if none). */
static uint32_t reported(void)
{
    struct epoll_event e;
    int n = epoll_wait(epfd, &e, 1, 0);
    return n == 1 ? e.events : 0;
}

Test(ex06, arming_epollout_makes_a_writable_socket_reported, .init = setup, .fini = teardown,
     .timeout = 10)
{
    cr_assert_eq(reported(), 0, "nothing to read, EPOLLOUT not asked: quiet");
    cr_assert_eq(interest_update(epfd, sp[0], &registered, EPOLLIN | EPOLLOUT, false), 1);
    cr_assert_eq(registered, EPOLLIN | EPOLLOUT);
    cr_assert(reported() & EPOLLOUT, "after arming, the writable socket is reported");
    /* Level-triggered: reported again and again while it stays writable -
     * which is why a server must not leave EPOLLOUT on. */
    cr_assert(reported() & EPOLLOUT);
}

Test(ex06, disarming_epollout_quiets_it_and_an_unchanged_wish_costs_nothing, .init = setup,
     .fini = teardown, .timeout = 10)
{
    cr_assert_eq(interest_update(epfd, sp[0], &registered, EPOLLIN | EPOLLOUT, false), 1);
    cr_assert_eq(interest_update(epfd, sp[0], &registered, EPOLLIN, false), 1);
    cr_assert_eq(registered, EPOLLIN);
    cr_assert_eq(reported(), 0, "EPOLLOUT dropped: a writable socket is no news");
    /* Same wish again: no system call. A closed epoll fd proves it - a call
     * would fail, and the function says 0 without touching anything. */
    int saved = epfd;
    epfd = -1;
    cr_assert_eq(interest_update(epfd, sp[0], &registered, EPOLLIN, false), 0);
    epfd = saved;
    cr_assert_eq(write(sp[1], "x", 1), 1);
    cr_assert(reported() & EPOLLIN, "EPOLLIN stayed registered");
}

Test(ex06, a_failed_update_leaves_registered_alone, .init = setup, .fini = teardown,
     .timeout = 10)
{
    int other[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, other), 0);
    cr_assert_eq(interest_update(epfd, sp[0], &registered, EPOLLIN | EPOLLOUT, false), 1);
    int reg = EPOLLIN;
    /* other[0] was never added: EPOLL_CTL_MOD fails with ENOENT. */
    cr_assert_eq(interest_update(epfd, other[0], &reg, EPOLLIN | EPOLLOUT, false), -1);
    cr_assert_eq(reg, EPOLLIN);
    close(other[0]);
    close(other[1]);
}

Test(ex06, edge_triggered_reports_a_change_once, .init = setup, .fini = teardown, .timeout = 10)
{
    cr_assert_eq(interest_update(epfd, sp[0], &registered, EPOLLIN | EPOLLOUT, true), 1);
    cr_assert(reported() & EPOLLOUT, "arming reports the socket's state once");
    cr_assert_eq(reported(), 0, "edge-triggered (EPOLLET): no news, no report");
    cr_assert_eq(write(sp[1], "abc", 3), 3);
    cr_assert(reported() & EPOLLIN, "new data is an edge");
    cr_assert_eq(reported(), 0, "the same unread data is not reported twice");
}
