/*
 * Lesson 11 smoke tests: the hello server and the fetcher on libevent do
 * what lessons 04-09's do, seen from outside: keep-alive, pipelining in
 * order, /slow on a timer that holds nobody else up, 400 and a close for
 * garbage, a client that never reads delaying no one; five fetches in
 * about one latency, a name resolved through evdns, and the same server
 * on libevent's other backends; and the evhttp twin answers in order.
 *
 * The checks lesson 04's server and fetcher pass are shared
 * (hello_checks.h, fetch_checks.h); only the sizes differ where libevent's
 * buffers are larger.
 */
#include "fetch_checks.h"
#include "hello_checks.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LESSON "lessons/11-libevent/"

static th_proc pages, server;

static void start_pages(void)
{
    fc_start_pages(&pages, "300ms");
}

static void stop_pages(void)
{
    th_free(&pages);
}

static void start_with(const char *backend)
{
    char *extra[] = {backend ? "--backend" : NULL, (char *)backend, NULL};
    hc_start(&server, LESSON "server", extra);
}

static void start_server(void)
{
    start_with(NULL);
}

static void stop_server(void)
{
    th_free(&server);
}

Test(lesson11, five_fetches_take_about_one_latency, .init = start_pages, .fini = stop_pages,
     .timeout = 30)
{
    fc_five_fetches_take_about_one_latency(LESSON "fetch", pages.port, "backend ", "loop rounds");
}

Test(lesson11, localhost_resolves_through_evdns_and_failures_say_why, .init = start_pages,
     .fini = stop_pages, .timeout = 30)
{
    char by_name[128];
    snprintf(by_name, sizeof by_name, "http://localhost:%d/a", pages.port);
    char *argv[] = {(char *)th_path(LESSON "fetch"),  by_name,    "http://127.0.0.1:1/refused",
                    fc_url(pages.port, "status/404"), "nonsense", NULL};
    char *out = NULL;
    int status = th_run(argv, 15000, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "output:\n%s", out);
    char want[160];
    snprintf(want, sizeof want, "http://localhost:%d/a", pages.port);
    char line[512];
    cr_assert_not_null(fc_fetch_line(out, 1, line, sizeof line), "output:\n%s", out);
    cr_assert(strstr(line, want) && strstr(line, " 200   10240 bytes"), "localhost: %s", line);
    cr_assert_not_null(fc_fetch_line(out, 2, line, sizeof line), "output:\n%s", out);
    cr_assert_not_null(strstr(line, " error: connect: Connection refused  "), "line 2: %s", line);
    cr_assert_not_null(strstr(out, " 404 "), "output:\n%s", out);
    cr_assert_not_null(fc_fetch_line(out, 4, line, sizeof line), "output:\n%s", out);
    cr_assert_not_null(strstr(line, "nonsense"), "line 4: %s", line);
    cr_assert_not_null(strstr(line, " error: not an http://host[:port]/path URL  "), "%s", line);
    struct fc_totals t;
    fc_check_totals(out, "loop rounds", &t);
    cr_assert(t.fetches == 4 && t.failed == 2, "want 4 fetches, 2 failed:\n%s", out);
    free(out);
}

Test(lesson11, hello_with_keep_alive, .init = start_server, .fini = stop_server, .timeout = 20)
{
    cr_assert_not_null(strstr(server.output, "backend epoll"), "%s", server.output);
    hc_keep_alive(server.port);
}

Test(lesson11, pipelined_requests_are_answered_in_order, .init = start_server, .fini = stop_server,
     .timeout = 20)
{
    hc_pipelined_in_order(server.port, true);
}

Test(lesson11, a_long_pipeline_larger_than_the_watermark_is_answered_whole, .init = start_server,
     .fini = stop_server, .timeout = 20)
{
    hc_long_pipeline(server.port, 2000); /* about 56 KiB: well over the 16 KiB read watermark */
}

Test(lesson11, slow_does_not_block_other_clients, .init = start_server, .fini = stop_server,
     .timeout = 20)
{
    hc_slow_blocks_nobody(server.port);
}

Test(lesson11, a_half_request_and_a_client_that_never_reads_delay_nobody, .init = start_server,
     .fini = stop_server, .timeout = 30)
{
    hc_half_and_deaf_delay_nobody(server.port, true);
}

Test(lesson11, malformed_input_gets_400_and_close, .init = start_server, .fini = stop_server,
     .timeout = 20)
{
    hc_malformed_gets_400_and_close(server.port, 9000); /* past the lesson's 8 KiB head limit */
}

Test(lesson11, other_backends_at_run_time, .timeout = 30)
{
    const char *backends[] = {"poll", "select"};
    for (int i = 0; i < 2; i++) {
        start_with(backends[i]);
        char want[32];
        snprintf(want, sizeof want, "backend %s", backends[i]);
        cr_assert_not_null(strstr(server.output, want), "%s", server.output);
        int fd = th_connect(server.port, 1000);
        char buf[1024];
        hc_ask(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n",
               "Hello, world!\nHTTP/1.1 200 OK", buf, sizeof buf);
        close(fd);
        th_free(&server);
    }
}

Test(lesson11, sigterm_prints_the_summary, .init = start_server, .fini = stop_server, .timeout = 20)
{
    hc_stop_prints_summary(&server, "connections, 1 requests", NULL);
}

Test(lesson11, evhttp_answers_pipelined_requests_in_order, .timeout = 20)
{
    hc_start(&server, LESSON "evhttp", NULL);
    hc_pipelined_in_order(server.port, false);
    int fd = th_connect(server.port, 1000);
    char buf[4096];
    hc_ask(fd, "garbage\r\n\r\n", "</HTML>", buf, sizeof buf);
    cr_assert(strncmp(buf, "HTTP/1.1 400 ", 13) == 0, "got: %s", buf);
    close(fd);
    th_free(&server);
}
