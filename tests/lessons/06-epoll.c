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
    fc_five_fetches_take_about_one_latency(LESSON "fetch", pages.port, "epoll: ");
}

Test(lesson06, a_failed_fetch_says_why_and_the_others_go_on, .init = start_pages,
     .fini = stop_pages, .timeout = 30)
{
    fc_a_failed_fetch_says_why(LESSON "fetch", pages.port);
}

Test(lesson06, hello_with_keep_alive, .init = start_server, .fini = stop_server, .timeout = 20)
{
    hc_keep_alive(server.port);
}

Test(lesson06, pipelined_requests_are_answered_in_order, .init = start_server, .fini = stop_server,
     .timeout = 20)
{
    hc_pipelined_in_order(server.port, true);
}

Test(lesson06, a_long_pipeline_larger_than_the_buffer_is_answered_whole, .init = start_server,
     .fini = stop_server, .timeout = 20)
{
    hc_long_pipeline(server.port, 300); /* about 8 KiB of requests: more than one input buffer */
}

Test(lesson06, slow_does_not_block_other_clients, .init = start_server, .fini = stop_server,
     .timeout = 20)
{
    hc_slow_blocks_nobody(server.port);
}

Test(lesson06, a_half_request_and_a_client_that_never_reads_delay_nobody, .init = start_server,
     .fini = stop_server, .timeout = 30)
{
    hc_half_and_deaf_delay_nobody(server.port, false);
}

Test(lesson06, malformed_input_gets_400_and_close, .init = start_server, .fini = stop_server,
     .timeout = 20)
{
    hc_malformed_gets_400_and_close(server.port, 5000);
}

Test(lesson06, ctrl_c_prints_the_scan_summary, .init = start_server, .fini = stop_server,
     .timeout = 20)
{
    hc_stop_prints_summary(&server, "fds registered and", " requests, ", NULL);
}

/* The same tests, edge-triggered. */

Test(lesson06_edge, hello_with_keep_alive, .init = start_server_edge, .fini = stop_server,
     .timeout = 20)
{
    hc_keep_alive(server.port);
}

Test(lesson06_edge, pipelined_requests_are_answered_in_order, .init = start_server_edge,
     .fini = stop_server, .timeout = 20)
{
    hc_pipelined_in_order(server.port, true);
}

Test(lesson06_edge, a_long_pipeline_larger_than_the_buffer_is_answered_whole,
     .init = start_server_edge, .fini = stop_server, .timeout = 20)
{
    hc_long_pipeline(server.port, 300); /* about 8 KiB of requests: more than one input buffer */
}

Test(lesson06_edge, slow_does_not_block_other_clients, .init = start_server_edge,
     .fini = stop_server, .timeout = 20)
{
    hc_slow_blocks_nobody(server.port);
}

Test(lesson06_edge, a_half_request_and_a_client_that_never_reads_delay_nobody,
     .init = start_server_edge, .fini = stop_server, .timeout = 30)
{
    hc_half_and_deaf_delay_nobody(server.port, false);
}

Test(lesson06_edge, malformed_input_gets_400_and_close, .init = start_server_edge,
     .fini = stop_server, .timeout = 20)
{
    hc_malformed_gets_400_and_close(server.port, 5000);
}

Test(lesson06_edge, ctrl_c_prints_the_scan_summary, .init = start_server_edge, .fini = stop_server,
     .timeout = 20)
{
    hc_stop_prints_summary(&server, "fds registered and", " requests, ", NULL);
}
