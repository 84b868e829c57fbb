/*
 * Lesson 08 smoke tests: the event loop's demo and the hello server on it,
 * each with both backends, run as a student runs them.
 */
#include "hello_checks.h"

#include "harness.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* at_ms - the time stamp at the start of the demo's line containing what,
 * or -1 if there is no such line. */
static long at_ms(const char *out, const char *what)
{
    const char *p = strstr(out, what);
    if (!p)
        return -1;
    while (p > out && p[-1] != '\n')
        p--;
    return strtol(p, NULL, 10);
}

static char *run_demo(const char *backend)
{
    char *argv[] = {(char *)th_path("lessons/08-event-loop/demo"), "--backend", (char *)backend,
                    NULL};
    char *out = NULL;
    int status = th_run(argv, 10000, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "demo failed:\n%s", out);
    return out;
}

static void timers_fire_in_deadline_order(const char *backend)
{
    char *out = run_demo(backend);
    long first = at_ms(out, "timer: first"), second = at_ms(out, "timer: second"),
         third = at_ms(out, "timer: third");
    cr_assert(first >= 90 && second >= 190 && third >= 290, "timers fired early:\n%s", out);
    cr_assert(strstr(out, "timer: first") < strstr(out, "timer: second") &&
                  strstr(out, "timer: second") < strstr(out, "timer: third"),
              "timers out of order:\n%s", out);
    cr_assert_lt(third, 1500, "timers fired far too late:\n%s", out);
    /* The repeating timer ticked 3 times, 50 ms apart, then cancelled itself. */
    cr_assert(strstr(out, "tick 3 of 3") && !strstr(out, "tick 4"), "ticks:\n%s", out);
    free(out);
}

Test(lesson08, timers_fire_in_order_with_epoll, .timeout = 20)
{
    timers_fire_in_deadline_order("epoll");
}

Test(lesson08, timers_fire_in_order_with_select, .timeout = 20)
{
    timers_fire_in_deadline_order("select");
}

Test(lesson08, fd_callback_and_both_ways_of_stopping, .timeout = 20)
{
    const char *backends[] = {"epoll", "select"};
    for (int i = 0; i < 2; i++) {
        char *out = run_demo(backends[i]);
        /* The pipe written by a timer is picked up by its read callback. */
        cr_assert(strstr(out, "pipe readable, read: ping"), "%s:\n%s", backends[i], out);
        cr_assert_lt(strstr(out, "writing \"ping\""), strstr(out, "pipe readable"));
        /* The loop returns by itself when nothing is left, and on loop_stop(). */
        long empty = at_ms(out, "returned: nothing left to wait for");
        long stopped = at_ms(out, "returned: stopped");
        cr_assert(empty >= 290 && stopped >= empty + 300, "%s:\n%s", backends[i], out);
        cr_assert(strstr(out, "calling loop_stop()") < strstr(out, "returned: stopped"));
        free(out);
    }
}

Test(lesson08, unknown_backend_is_refused, .timeout = 20)
{
    char *argv[] = {(char *)th_path("lessons/08-event-loop/demo"), "--backend", "kqueue", NULL};
    char *out = NULL;
    int status = th_run(argv, 5000, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2, "output:\n%s", out);
    free(out);
}

static th_proc server;

static void start_server(const char *backend)
{
    char *extra[] = {"--backend", (char *)backend, NULL};
    hc_start(&server, "lessons/08-event-loop/server", extra);
}

static void start_epoll(void)
{
    start_server("epoll");
}
static void start_select(void)
{
    start_server("select");
}
static void stop_server(void)
{
    th_free(&server);
}

static void hello_and_pipelining(void)
{
    int fd = th_connect(server.port, 1000);
    cr_assert_geq(fd, 0);
    char buf[2048];
    th_send_str(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\n\r\n"
                    "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, NULL, 3000), 0);
    const char *a = strstr(buf, "Hello, world!\n"), *b = strstr(buf, "404 Not Found");
    cr_assert(a && b && a < b, "got:\n%s", buf);
    cr_assert(strstr(b, "Connection: close\r\n\r\nHello, world!\n"), "got:\n%s", buf);
    close(fd);
}

Test(lesson08, server_pipelines_with_epoll, .init = start_epoll, .fini = stop_server, .timeout = 20)
{
    hello_and_pipelining();
}

Test(lesson08, server_pipelines_with_select, .init = start_select, .fini = stop_server,
     .timeout = 20)
{
    hello_and_pipelining();
}

static void slow_blocks_nobody(void)
{
    int slow = th_connect(server.port, 1000);
    cr_assert_geq(slow, 0);
    long long t0 = th_now_ms();
    th_send_str(slow, "GET /slow HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n");
    usleep(100 * 1000);

    /* While /slow waits on its timer, another client is served at once. */
    int fast = th_connect(server.port, 1000);
    char buf[1024];
    th_send_str(fast, "GET / HTTP/1.0\r\n\r\n");
    cr_assert_geq(th_recv_until(fast, buf, sizeof buf, NULL, 3000), 0);
    cr_assert(strstr(buf, "Hello, world!\n"), "got:\n%s", buf);
    cr_assert_lt(th_now_ms() - t0, 700 + th_slack_ms(), "the fast client waited for the slow one");
    close(fast);

    /* The slow answer comes after about a second, then the one behind it. */
    cr_assert_geq(th_recv_until(slow, buf, sizeof buf, "Hello, world!\n", 4000), 0, "got:\n%s",
                  buf);
    cr_assert_geq(th_now_ms() - t0, 900);
    const char *s = strstr(buf, "Hello, slow world!\n"), *h = strstr(buf, "Hello, world!\n");
    cr_assert(s && h && s < h, "order:\n%s", buf);
    close(slow);
}

Test(lesson08, slow_is_a_timer_with_epoll, .init = start_epoll, .fini = stop_server, .timeout = 20)
{
    slow_blocks_nobody();
}

Test(lesson08, slow_is_a_timer_with_select, .init = start_select, .fini = stop_server,
     .timeout = 20)
{
    slow_blocks_nobody();
}

Test(lesson08, malformed_gets_400_and_close, .init = start_epoll, .fini = stop_server,
     .timeout = 20)
{
    hc_garbage_gets_400_and_close(server.port);
}

Test(lesson08, sigterm_prints_the_summary, .init = start_epoll, .fini = stop_server, .timeout = 20)
{
    int fd = th_connect(server.port, 1000);
    char buf[1024];
    th_send_str(fd, "GET / HTTP/1.0\r\n\r\n");
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, NULL, 3000), 0);
    close(fd);
    int status = th_stop(&server);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "output:\n%s", server.output);
    cr_assert(strstr(server.output, "stopping"), "output:\n%s", server.output);
    cr_assert(strstr(server.output, " accepted, 1 requests;"), "output:\n%s", server.output);
}

static void start_sleepy(void)
{
    char *extra[] = {"--sleep-slow", NULL};
    hc_start(&server, "lessons/08-event-loop/server", extra);
}

Test(lesson08, sleep_in_a_callback_stalls_everyone, .init = start_sleepy, .fini = stop_server,
     .timeout = 20)
{
    int slow = th_connect(server.port, 1000);
    cr_assert_geq(slow, 0);
    long long t0 = th_now_ms();
    th_send_str(slow, "GET /slow HTTP/1.0\r\n\r\n");
    usleep(100 * 1000);
    int fast = th_connect(server.port, 1000); /* the kernel accepts; the server is asleep */
    char buf[1024];
    th_send_str(fast, "GET / HTTP/1.0\r\n\r\n");
    cr_assert_geq(th_recv_until(fast, buf, sizeof buf, NULL, 4000), 0);
    cr_assert(strstr(buf, "Hello, world!\n"), "got:\n%s", buf);
    cr_assert_geq(th_now_ms() - t0, 900, "with sleep() in a callback, / had to wait for /slow");
    close(fast);
    close(slow);
}
