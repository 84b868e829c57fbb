/*
 * Lesson 05 smoke tests: lesson 04's tests (tests/lessons/04-select.c) run
 * against the poll() fetcher and server, except that where select refused
 * an fd past FD_SETSIZE, poll serves it; and --max-conns is checked here.
 */
#include "fetch_checks.h"
#include "hello_checks.h"

#include <criterion/criterion.h>
#include <sys/select.h>
#include <unistd.h>

#define LESSON "lessons/05-poll/"

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

Test(lesson05, five_fetches_take_about_one_latency, .init = start_pages, .fini = stop_pages,
     .timeout = 30)
{
    fc_five_fetches_take_about_one_latency(LESSON "fetch", pages.port, "poll: ", "poll calls");
}

Test(lesson05, a_failed_fetch_says_why_and_the_others_go_on, .init = start_pages,
     .fini = stop_pages, .timeout = 30)
{
    fc_a_failed_fetch_says_why(LESSON "fetch", pages.port);
}

HC_HELLO_SERVER_TESTS(lesson05, start_server, stop_server, server.port)

Test(lesson05, no_wall_at_fd_setsize, .timeout = 60)
{
    hc_need_fds_past_fd_setsize();
    start_server();
    enum { N = FD_SETSIZE + 20 };
    static int fds[N];
    hc_connect_all(server.port, fds, N);
    hc_ask_hello(fds[N - 1]); /* the last one has an fd past 1024 in the server, and is served */
    hc_ask_hello(fds[0]);
    for (int i = 0; i < N; i++)
        close(fds[i]);
    stop_server();
}

Test(lesson05, max_conns_closes_the_connections_over_the_limit, .timeout = 20)
{
    char *extra[] = {"--max-conns", "2", NULL};
    hc_start(&server, LESSON "server", extra);
    usleep(200000); /* the harness's probe connection must be gone first */
    int a = th_connect(server.port, 1000), b = th_connect(server.port, 1000);
    hc_ask_hello(a);
    hc_ask_hello(b);
    int c = th_connect(server.port, 1000);
    cr_assert_eq(th_closed_within(c, 2000), 1, "a third connection is closed at once");
    cr_assert_eq(th_read_output(&server, "(--max-conns 2): closing new one", 2000), 0, "%s",
                 server.output);
    close(a); /* room again */
    usleep(100000);
    int d = th_connect(server.port, 1000);
    hc_ask_hello(d);
    close(b);
    close(c);
    close(d);
    stop_server();
}

Test(lesson05, ctrl_c_prints_the_scan_summary, .init = start_server, .fini = stop_server,
     .timeout = 20)
{
    hc_stop_prints_summary(&server, "fds scanned and", " requests, ", NULL);
}
