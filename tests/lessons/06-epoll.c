/*
 * Lesson 06 smoke tests: lesson 04's tests (tests/lessons/04-select.c) run
 * against the epoll fetcher and server, each server test twice: level-
 * triggered (the default) and edge-triggered (--edge), where forgetting to
 * read until the kernel is empty loses requests or hangs a connection.
 */
#include "fetch_checks.h"
#include "hello_checks.h"

#include <criterion/criterion.h>

#define LESSON "lessons/06-epoll/"

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

static void start_server_edge(void)
{
    char *extra[] = {"--edge", NULL};
    hc_start(&server, LESSON "server", extra);
}

static void stop_server(void)
{
    th_free(&server);
}

Test(lesson06, five_fetches_take_about_one_latency, .init = start_pages, .fini = stop_pages,
     .timeout = 30)
{
    fc_five_fetches_take_about_one_latency(LESSON "fetch", pages.port,
                                           "epoll: ", "epoll_wait calls");
}

Test(lesson06, a_failed_fetch_says_why_and_the_others_go_on, .init = start_pages,
     .fini = stop_pages, .timeout = 30)
{
    fc_a_failed_fetch_says_why(LESSON "fetch", pages.port);
}

HC_HELLO_SERVER_TESTS(lesson06, start_server, stop_server, server.port)

Test(lesson06, ctrl_c_prints_the_scan_summary, .init = start_server, .fini = stop_server,
     .timeout = 20)
{
    hc_stop_prints_summary(&server, "fds registered and", " requests, ", NULL);
}

/* The same tests, edge-triggered. */

HC_HELLO_SERVER_TESTS(lesson06_edge, start_server_edge, stop_server, server.port)

Test(lesson06_edge, ctrl_c_prints_the_scan_summary, .init = start_server_edge, .fini = stop_server,
     .timeout = 20)
{
    hc_stop_prints_summary(&server, "fds registered and", " requests, ", NULL);
}
