/*
 * Lesson 11 smoke tests: the hello server and the fetcher on libevent do
 * what lessons 04-09's do, seen from outside: keep-alive, pipelining in
 * order, /slow on a timer that holds nobody else up, 400 and a close for
 * garbage, a client that never reads delaying no one; five fetches in
 * about one latency, a name resolved through evdns, and the same server
 * on libevent's other backends; and the evhttp twin answers in order.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define LESSON "lessons/11-libevent/"

static th_proc pages, server;

static void start_pages(void)
{
    char *argv[] = {(char *)th_path("fixtures/pageserver"), "--port", "0", "--delay", "300ms",
                    "--size", "10k", NULL};
    cr_assert_eq(th_start_server(&pages, argv, 5000), 0, "pageserver did not start:\n%s",
                 pages.output ? pages.output : "");
}

static void stop_pages(void)
{
    th_free(&pages);
}

static void start_with(const char *backend)
{
    char *argv[] = {(char *)th_path(LESSON "server"), "--port", "0", backend ? "--backend" : NULL,
                    (char *)backend, NULL};
    cr_assert_eq(th_start_server(&server, argv, 5000), 0, "server did not start:\n%s",
                 server.output ? server.output : "");
}

static void start_server(void)
{
    start_with(NULL);
}

static void stop_server(void)
{
    th_free(&server);
}

static char *page_url(const char *host, const char *path)
{
    static char bufs[8][128];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "http://%s:%d/%s", host, pages.port, path);
    return b;
}

/* count - occurrences of needle in s. */
static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* ask - one request on fd; the response (through its body's end) in buf. */
static void ask(int fd, const char *request, const char *until, char *buf, size_t cap)
{
    cr_assert_eq(th_send_str(fd, request), 0);
    cr_assert_geq(th_recv_until(fd, buf, cap, until, 3000), 0, "no '%s' in: %s", until, buf);
}

Test(lesson11, five_fetches_take_about_one_latency, .init = start_pages, .fini = stop_pages,
     .timeout = 30)
{
    char *argv[] = {(char *)th_path(LESSON "fetch"), page_url("127.0.0.1", "a"),
                    page_url("127.0.0.1", "b"),      page_url("127.0.0.1", "c"),
                    page_url("127.0.0.1", "d"),      page_url("127.0.0.1", "e"),
                    NULL};
    char *out = NULL;
    long long t0 = th_now_ms();
    int status = th_run(argv, 10000, &out);
    long long ms = th_now_ms() - t0;
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fetch failed:\n%s", out);
    cr_assert_lt(ms, 900, "5 fetches of 300 ms each took %lld ms: not concurrent?\n%s", ms, out);
    cr_assert_eq(count(out, "200   10240 bytes"), 5, "output:\n%s", out);
    cr_assert_not_null(strstr(out, "5 fetches, 51200 bytes"), "output:\n%s", out);
    cr_assert_not_null(strstr(out, "backend "), "output:\n%s", out);
    free(out);
}

Test(lesson11, localhost_resolves_through_evdns_and_failures_say_why, .init = start_pages,
     .fini = stop_pages, .timeout = 30)
{
    char *argv[] = {(char *)th_path(LESSON "fetch"), page_url("localhost", "a"),
                    "http://127.0.0.1:1/refused", page_url("127.0.0.1", "status/404"),
                    "nonsense", NULL};
    char *out = NULL;
    int status = th_run(argv, 15000, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "output:\n%s", out);
    char want[160];
    snprintf(want, sizeof want, "  1  http://localhost:%d/a   200   10240 bytes", pages.port);
    cr_assert_not_null(strstr(out, want), "localhost did not resolve:\n%s", out);
    cr_assert_not_null(strstr(out, "  2  http://127.0.0.1:1/refused   error: "), "%s", out);
    cr_assert_not_null(strstr(out, " 404 "), "output:\n%s", out);
    cr_assert_not_null(strstr(out, "  4  nonsense   error: not an http:// URL"), "%s", out);
    cr_assert(strstr(out, "4 fetches, ") && strstr(out, "(2 failed)"), "output:\n%s", out);
    free(out);
}

Test(lesson11, hello_with_keep_alive, .init = start_server, .fini = stop_server, .timeout = 20)
{
    cr_assert_not_null(strstr(server.output, "backend epoll"), "%s", server.output);
    int fd = th_connect(server.port, 1000);
    cr_assert_geq(fd, 0);
    char buf[1024];
    for (int i = 0; i < 3; i++) { /* three requests, one connection */
        ask(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", "Hello, world!\n", buf, sizeof buf);
        cr_assert(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0, "got: %s", buf);
        cr_assert_not_null(strstr(buf, "Content-Length: 14\r\n"), "got: %s", buf);
    }
    cr_assert_eq(th_closed_within(fd, 200), 0, "keep-alive: the connection stays open");
    ask(fd, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", "Hello, world!\n", buf, sizeof buf);
    cr_assert_not_null(strstr(buf, "Connection: close\r\n"), "got: %s", buf);
    cr_assert_eq(th_closed_within(fd, 2000), 1, "Connection: close is honoured");
    close(fd);

    fd = th_connect(server.port, 1000);
    ask(fd, "GET / HTTP/1.0\r\n\r\n", "Hello, world!\n", buf, sizeof buf);
    cr_assert_eq(th_closed_within(fd, 2000), 1, "HTTP/1.0 closes unless asked");
    close(fd);
}

Test(lesson11, pipelined_requests_are_answered_in_order, .init = start_server,
     .fini = stop_server, .timeout = 20)
{
    int fd = th_connect(server.port, 1000);
    char buf[4096];
    long long t0 = th_now_ms();
    /* One write, three requests: /slow first, so the two behind it must wait. */
    ask(fd,
        "GET /slow HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n"
        "GET /nothing-here HTTP/1.1\r\nHost: t\r\n\r\n",
        "Not found\n", buf, sizeof buf);
    long long ms = th_now_ms() - t0;
    const char *slow = strstr(buf, "Hello, slow world!\n"), *hello = strstr(buf, "Hello, world!\n"),
               *nf = strstr(buf, "404 Not Found");
    cr_assert(slow && hello && nf && slow < hello && hello < nf, "out of order: %s", buf);
    cr_assert_geq(ms, 900, "/slow answered after %lld ms", ms);
    close(fd);
}

Test(lesson11, a_long_pipeline_larger_than_the_watermark_is_answered_whole, .init = start_server,
     .fini = stop_server, .timeout = 20)
{
    enum { N = 2000 }; /* about 56 KiB of requests: well over the 16 KiB read watermark */
    static char reqs[N * 32];
    size_t len = 0;
    for (int i = 0; i < N; i++)
        len += (size_t)sprintf(reqs + len, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    int fd = th_connect(server.port, 1000);
    cr_assert_eq(th_send(fd, reqs, len), 0);
    cr_assert_eq(th_send_str(fd, "GET /last HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    static char buf[N * 100];
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "Not found\n", 5000), 0);
    cr_assert_eq(count(buf, "Hello, world!\n"), N, "answers: %d", count(buf, "Hello, world!\n"));
    close(fd);
}

Test(lesson11, slow_does_not_block_other_clients, .init = start_server, .fini = stop_server,
     .timeout = 20)
{
    int a = th_connect(server.port, 1000), b = th_connect(server.port, 1000);
    char buf[1024];
    cr_assert_eq(th_send_str(a, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    long long t0 = th_now_ms();
    ask(b, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", "Hello, world!\n", buf, sizeof buf);
    long long ms = th_now_ms() - t0;
    cr_assert_lt(ms, 800, "/ waited %lld ms behind another client's /slow", ms);
    cr_assert_geq(th_recv_until(a, buf, sizeof buf, "Hello, slow world!\n", 3000), 0);
    close(a);
    close(b);
}

/* flood_without_reading - pipeline requests on fd and never read the
 * answers, until the server stops taking them or a bound; bytes sent. */
static long flood_without_reading(int fd)
{
    int small = 4096; /* a small window, so the answers back up fast */
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    static const char req[] = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";
    long sent = 0;
    int stuck = 0;
    long long deadline = th_now_ms() + 3000;
    while (stuck < 50 && sent < 8L * 1024 * 1024 && th_now_ms() < deadline) {
        ssize_t n = send(fd, req, sizeof req - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            sent += n;
            stuck = 0;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            stuck++;
            usleep(2000);
        } else {
            break;
        }
    }
    return sent;
}

Test(lesson11, a_half_request_and_a_client_that_never_reads_delay_nobody, .init = start_server,
     .fini = stop_server, .timeout = 30)
{
    int half = th_connect(server.port, 1000), deaf = th_connect(server.port, 1000);
    cr_assert(half >= 0 && deaf >= 0);
    cr_assert_eq(th_send_str(half, "GET / HTTP/1.1\r\nHost: t\r\n"), 0); /* and no blank line */
    long sent = flood_without_reading(deaf);
    cr_assert_gt(sent, 0);
    cr_assert_lt(sent, 8L * 1024 * 1024, "the server kept reading a client that never reads");

    char buf[1024];
    for (int i = 0; i < 3; i++) {
        int fd = th_connect(server.port, 1000);
        long long t0 = th_now_ms();
        ask(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", "Hello, world!\n", buf, sizeof buf);
        long long ms = th_now_ms() - t0;
        cr_assert_lt(ms, 2000, "a normal client waited %lld ms (deaf client sent %ld bytes)", ms,
                     sent);
        close(fd);
    }
    ask(half, "\r\n", "Hello, world!\n", buf, sizeof buf); /* the half request completes */
    close(half);
    close(deaf);
}

Test(lesson11, malformed_input_gets_400_and_close, .init = start_server, .fini = stop_server,
     .timeout = 20)
{
    const char *bad[] = {"garbage\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "GET nopath HTTP/1.1\r\n\r\n",
                         "GET / HTTP/1.1\r\nNo colon here\r\n\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int fd = th_connect(server.port, 1000);
        char buf[1024];
        ask(fd, bad[i], "Bad request\n", buf, sizeof buf);
        cr_assert(strncmp(buf, "HTTP/1.1 400 ", 13) == 0, "for %s got: %s", bad[i], buf);
        cr_assert_eq(th_closed_within(fd, 2000), 1);
        close(fd);
    }
    /* A request head that never ends is refused once it passes the limit. */
    int fd = th_connect(server.port, 1000);
    char big[9000], buf[1024];
    memset(big, 'a', sizeof big);
    memcpy(big, "GET /", 5);
    th_send(fd, big, sizeof big);
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "Bad request\n", 3000), 0, "got: %s", buf);
    close(fd);
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
        ask(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n",
            "Hello, world!\nHTTP/1.1 200 OK", buf, sizeof buf);
        close(fd);
        th_free(&server);
    }
}

Test(lesson11, sigterm_prints_the_summary, .init = start_server, .fini = stop_server,
     .timeout = 20)
{
    int fd = th_connect(server.port, 1000);
    char buf[1024];
    ask(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", "Hello, world!\n", buf, sizeof buf);
    close(fd);
    int status = th_stop(&server);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d:\n%s", status,
              server.output);
    cr_assert_not_null(strstr(server.output, "connections, 1 requests"), "%s", server.output);
}

Test(lesson11, evhttp_answers_pipelined_requests_in_order, .timeout = 20)
{
    char *argv[] = {(char *)th_path(LESSON "evhttp"), "--port", "0", NULL};
    cr_assert_eq(th_start_server(&server, argv, 5000), 0, "evhttp did not start:\n%s",
                 server.output ? server.output : "");
    int fd = th_connect(server.port, 1000);
    char buf[4096];
    ask(fd,
        "GET /slow HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n"
        "GET /nothing-here HTTP/1.1\r\nHost: t\r\n\r\n",
        "Not found\n", buf, sizeof buf);
    const char *slow = strstr(buf, "Hello, slow world!\n"), *hello = strstr(buf, "Hello, world!\n"),
               *nf = strstr(buf, "404 Not Found");
    cr_assert(slow && hello && nf && slow < hello && hello < nf, "out of order: %s", buf);
    close(fd);
    fd = th_connect(server.port, 1000);
    ask(fd, "garbage\r\n\r\n", "</HTML>", buf, sizeof buf);
    cr_assert(strncmp(buf, "HTTP/1.1 400 ", 13) == 0, "got: %s", buf);
    close(fd);
    th_free(&server);
}
