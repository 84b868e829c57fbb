/*
 * Lesson 04 smoke tests: the select() fetcher against the local page
 * server, and the select() hello server through raw sockets, checking what
 * a user sees: concurrent fetches take one latency, keep-alive and
 * pipelining work, /slow and misbehaving clients hold up nobody else, and
 * an fd past FD_SETSIZE is refused rather than corrupting memory.
 *
 * The checks themselves are shared with lessons 05, 06 and 11
 * (fetch_checks.h, hello_checks.h); what differs for each multiplexer is in
 * its own file (tests/lessons/05-poll.c, 06-epoll.c).
 */
#include "fetch_checks.h"
#include "hello_checks.h"

#include <criterion/criterion.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#define LESSON "lessons/04-select/"

static th_proc pages, server;

static void start_pages(void)
{
    fc_start_pages(&pages, "300ms");
}

static void stop_pages(void)
{
    th_free(&pages);
}

static void start_server(void)
{
    hc_start(&server, LESSON "server", NULL);
}

static void stop_server(void)
{
    th_free(&server);
}

Test(lesson04, five_fetches_take_about_one_latency, .init = start_pages, .fini = stop_pages,
     .timeout = 30)
{
    fc_five_fetches_take_about_one_latency(LESSON "fetch", pages.port, "select: ", "select calls");
}

Test(lesson04, a_failed_fetch_says_why_and_the_others_go_on, .init = start_pages,
     .fini = stop_pages, .timeout = 30)
{
    fc_a_failed_fetch_says_why(LESSON "fetch", pages.port);
}

HC_HELLO_SERVER_TESTS(lesson04, start_server, stop_server, server.port)

Test(lesson04, an_fd_past_fd_setsize_is_refused_and_the_rest_carry_on, .timeout = 60)
{
    hc_need_fds_past_fd_setsize();
    start_server();
    enum { N = FD_SETSIZE + 20 };
    static int fds[N];
    hc_connect_all(server.port, fds, N);
    cr_assert_eq(th_read_output(&server, "FD_SETSIZE (1024): select cannot watch it", 5000), 0,
                 "server said:\n%s", server.output);
    cr_assert_eq(th_closed_within(fds[N - 1], 3000), 1, "the connection past the wall is closed");
    hc_ask_hello(fds[0]);
    hc_ask_hello(fds[N - 30]);
    for (int i = 0; i < N; i++)
        close(fds[i]);
    th_stop(&server);
    cr_assert_not_null(strstr(server.output, "refused at FD_SETSIZE"), "%s", server.output);
    cr_assert_null(strstr(server.output, " 0 refused at FD_SETSIZE"), "%s", server.output);
    stop_server();
}

Test(lesson04, ctrl_c_prints_the_scan_summary, .init = start_server, .fini = stop_server,
     .timeout = 20)
{
    hc_stop_prints_summary(&server, "fds scanned and", " requests, ", NULL);
}
