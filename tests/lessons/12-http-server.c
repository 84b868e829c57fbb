/*
 * Lesson 12 smoke tests: the server program as a client sees it.
 *
 * Each path (/, /echo, /stream, /slow, a 404), keep-alive on one
 * connection, pipelined requests answered in order with a /slow in the
 * middle, a chunked upload, the 405, 413, 414 and 501 answers, the access
 * log and its switch, a graceful stop that lets /slow finish, and
 * --processes 2 serving on one port and stopping on SIGTERM.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SERVER "lessons/12-http-server/server"

static th_proc server;

static void start_args(char *const extra[])
{
    /* A test's own .init runs after the suite's: the server the suite
     * started is stopped first, not left running with its output. */
    if (server.pid)
        th_free(&server);
    char *argv[16] = {(char *)th_path(SERVER), "--port", "0"};
    int n = 3;
    for (int i = 0; extra && extra[i] && n < 15; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    cr_assert_eq(th_start_server(&server, argv, 5000), 0, "server did not start:\n%s",
                 server.output ? server.output : "");
}

static void start_server(void) { start_args(NULL); }
static void stop_server(void) { th_free(&server); }

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* ask - send on fd, read until `until` into buf. */
static void ask(int fd, const char *req, const char *until, char *buf, size_t cap)
{
    cr_assert_eq(th_send_str(fd, req), 0);
    cr_assert_geq(th_recv_until(fd, buf, cap, until, 4000), 0, "no '%s' in:\n%s", until, buf);
}

/* once - one request on a new connection. */
static char *once(const char *req, const char *until)
{
    static char buf[65536];
    int fd = th_connect(server.port, 2000);
    cr_assert_geq(fd, 0);
    ask(fd, req, until, buf, sizeof buf);
    close(fd);
    return buf;
}

TestSuite(lesson12, .init = start_server, .fini = stop_server, .timeout = 30);

Test(lesson12, every_path_answers_as_documented)
{
    char *r = once("GET / HTTP/1.1\r\nHost: t\r\n\r\n", "Hello, world!\n");
    cr_assert_eq(strncmp(r, "HTTP/1.1 200 OK\r\n", 17), 0, "%s", r);
    cr_assert_not_null(strstr(r, "\r\nContent-Length: 14\r\n"), "%s", r);
    r = once("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nabcde", "abcde");
    cr_assert_eq(strncmp(r, "HTTP/1.1 200 OK\r\n", 17), 0, "%s", r);
    r = once("GET /echo HTTP/1.1\r\nHost: t\r\n\r\n", "POST a body");
    cr_assert_eq(strncmp(r, "HTTP/1.1 405 ", 13), 0, "%s", r);
    cr_assert_not_null(strstr(r, "\r\nAllow: POST\r\n"), "%s", r);
    r = once("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n", "</html>");
    cr_assert_eq(strncmp(r, "HTTP/1.1 404 ", 13), 0, "%s", r);
    r = once("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n", "0\r\n\r\n");
    cr_assert_not_null(strstr(r, "Transfer-Encoding: chunked"), "%s", r);
    cr_assert_eq(count(r, "piece "), 5, "%s", r);
    long long t0 = th_now_ms();
    r = once("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n", "Hello after");
    long long ms = th_now_ms() - t0;
    cr_assert_geq(ms, 900, "/slow answered after %lld ms", ms);
}

Test(lesson12, unknown_or_lowercase_methods_get_501_and_a_huge_target_414)
{
    const char *methods[] = {"get", "FOOBAR"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        char req[256];
        snprintf(req, sizeof req, "%s / HTTP/1.1\r\nHost: t\r\n\r\n", methods[i]);
        char *r = once(req, "</html>");
        cr_assert_eq(strncmp(r, "HTTP/1.1 501 Not Implemented\r\n", 30), 0, "%s:\n%s",
                     methods[i], r);
        cr_assert_null(strstr(r, "Hello"), "%s", r);
    }
    static char req[24000];
    size_t n = (size_t)snprintf(req, sizeof req, "GET /");
    memset(req + n, 'a', 20000);
    snprintf(req + n + 20000, sizeof req - n - 20000, " HTTP/1.1\r\nHost: t\r\n\r\n");
    char *r = once(req, "\r\n\r\n");
    cr_assert_eq(strncmp(r, "HTTP/1.1 414 URI Too Long\r\n", 27), 0, "%.300s", r);
}

Test(lesson12, keep_alive_serves_many_requests_on_one_connection)
{
    int fd = th_connect(server.port, 2000);
    char buf[4096];
    for (int i = 0; i < 20; i++)
        ask(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", "Hello, world!\n", buf, sizeof buf);
    /* Connection: close is honoured after the answer */
    ask(fd, "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", "Hello, world!\n", buf,
        sizeof buf);
    cr_assert_not_null(strstr(buf, "Connection: close"), "%s", buf);
    cr_assert(th_closed_within(fd, 2000), "the server kept the connection after close");
    close(fd);
}

Test(lesson12, pipelined_requests_come_back_in_order_with_slow_in_the_middle)
{
    int fd = th_connect(server.port, 2000);
    char buf[8192];
    long long t0 = th_now_ms();
    ask(fd,
        "GET / HTTP/1.1\r\nHost: t\r\n\r\n"
        "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nlast",
        "last", buf, sizeof buf);
    long long ms = th_now_ms() - t0;
    char *hello = strstr(buf, "Hello, world!"), *slow = strstr(buf, "Hello after"),
         *last = strstr(buf, "\r\n\r\nlast");
    cr_assert(hello && slow && last && hello < slow && slow < last, "out of order:\n%s", buf);
    cr_assert_geq(ms, 900, "the echo waited for /slow before it: %lld ms", ms);
    close(fd);
}

Test(lesson12, slow_holds_up_no_other_client)
{
    int slow = th_connect(server.port, 2000);
    th_send_str(slow, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    long long t0 = th_now_ms();
    for (int i = 0; i < 5; i++)
        once("GET / HTTP/1.1\r\nHost: t\r\n\r\n", "Hello, world!\n");
    long long ms = th_now_ms() - t0;
    cr_assert_lt(ms, 700 + th_slack_ms(), "5 hellos next to a /slow took %lld ms", ms);
    char buf[4096];
    cr_assert_geq(th_recv_until(slow, buf, sizeof buf, "Hello after", 4000), 0, "%s", buf);
    close(slow);
}

Test(lesson12, chunked_upload_is_echoed_decoded)
{
    char *r = once("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n",
                   "abcdefg");
    cr_assert_not_null(strstr(r, "\r\nContent-Length: 7\r\n"), "%s", r);
}

Test(lesson12, access_log_has_a_line_per_request)
{
    once("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n", "</html>");
    cr_assert_eq(th_read_output(&server, "404 GET /nowhere", 2000), 0, "%s", server.output);
}

Test(lesson12, sigterm_lets_a_request_in_flight_finish)
{
    int fd = th_connect(server.port, 2000);
    th_send_str(fd, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    usleep(200 * 1000);
    kill(server.pid, SIGTERM);
    char buf[4096];
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "Hello after", 4000), 0,
                  "the request in flight was cut: %s", buf);
    cr_assert_not_null(strstr(buf, "Connection: close"), "%s", buf);
    close(fd);
    int status = th_wait(&server, 4000);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d:\n%s", status,
              server.output);
    cr_assert_not_null(strstr(server.output, "stopped after"), "%s", server.output);
}

static void start_small_limits(void)
{
    char *extra[] = {"--max-body", "100", "--access-log=false", NULL};
    start_args(extra);
}

Test(lesson12, limits_from_options_answer_413, .init = start_small_limits)
{
    char *r = once("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n", "\r\n\r\n");
    cr_assert_eq(strncmp(r, "HTTP/1.1 413 ", 13), 0, "%s", r);
    r = once("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nok!", "ok!");
    cr_assert_eq(strncmp(r, "HTTP/1.1 200 ", 13), 0, "%s", r);
    th_read_output(&server, NULL, 200);
    cr_assert_null(strstr(server.output, "200 POST"), "--access-log=false still logs:\n%s",
                   server.output);
}

static void start_two_processes(void)
{
    char *extra[] = {"--processes", "2", NULL};
    start_args(extra);
}

Test(lesson12, two_processes_serve_one_port_and_stop_on_sigterm, .init = start_two_processes)
{
    cr_assert_eq(th_read_output(&server, "started 2 worker", 3000), 0, "%s", server.output);
    /* both workers listening before the first request (a busy machine starts them late) */
    cr_assert_eq(th_read_output(&server, "worker 0 (pid", 3000), 0, "%s", server.output);
    cr_assert_eq(th_read_output(&server, "worker 1 (pid", 3000), 0, "%s", server.output);
    for (int i = 0; i < 20; i++)
        once("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", "Hello, world!\n");
    kill(server.pid, SIGTERM);
    int status = th_wait(&server, 8000);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d:\n%s", status,
              server.output);
    cr_assert_eq(count(server.output, "stopped after"), 2, "both workers stop:\n%s",
                 server.output);
    cr_assert_not_null(strstr(server.output, "every worker has stopped"),
                       "the parent returns from eddy_fork_processes:\n%s", server.output);
    cr_assert_eq(count(server.output, "listening on http://127.0.0.1:"), 2, "%s", server.output);
}

/* ------------------------------------------------------------ out of descriptors */

/* cpu_ticks - utime + stime of pid, in clock ticks (/proc/PID/stat). */
static long long cpu_ticks(pid_t pid)
{
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *p = strrchr(text, ')'); /* the command name may hold spaces */
    cr_assert_not_null(p);
    unsigned long long utime = 0, stime = 0;
    /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt
     * majflt cmajflt utime stime */
    cr_assert_eq(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                        &stime),
                 2, "%s", text);
    return (long long)(utime + stime);
}

Test(lesson12_fds, running_out_of_descriptors_pauses_accepting_instead_of_spinning,
     .fini = stop_server, .timeout = 60)
{
    /* 128 descriptors for the server, 300 connections from here (this
     * process's own limit is raised for them if it must be). */
    enum { N = 300 };
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < N + 64 && rl.rlim_max >= N + 64) {
        rl.rlim_cur = N + 64;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    char *argv[] = {"/usr/bin/prlimit", "--nofile=128:128", (char *)th_path(SERVER), "--port", "0",
                    "--access-log=false", NULL};
    cr_assert_eq(th_start_server(&server, argv, 5000), 0, "%s", server.output);
    cr_assert_not_null(strstr(server.output, "file descriptors"),
                       "no warning that max_connections does not fit:\n%s", server.output);

    static int fds[N];
    for (int i = 0; i < N; i++) {
        fds[i] = th_connect(server.port, 2000); /* the kernel completes it into the backlog */
        cr_assert_geq(fds[i], 0, "connection %d", i);
    }
    /* A connection that was accepted is still served. */
    char buf[4096];
    ask(fds[0], "GET / HTTP/1.1\r\nHost: t\r\n\r\n", "Hello, world!\n", buf, sizeof buf);

    /* Out of descriptors for a second: the server must not spin. (Output is
     * read meanwhile, so a server logging in a loop cannot block on it.) */
    th_read_output(&server, "(never printed)", 300);
    long long t0 = th_now_ms(), c0 = cpu_ticks(server.pid);
    th_read_output(&server, "(never printed)", 1000);
    long long ms = th_now_ms() - t0, ticks = cpu_ticks(server.pid) - c0;
    double share = (double)ticks / (double)sysconf(_SC_CLK_TCK) * 1000.0 / (double)ms;
    cr_assert_lt(share, 0.3, "the server used %.0f%% of a core while out of descriptors",
                 share * 100);
    int lines = count(server.output, "accept");
    cr_assert_gt(lines, 0, "running out of descriptors was not reported:\n%s", server.output);
    cr_assert_lt(lines, 10, "%d lines about accept:\n%.2000s", lines, server.output);

    /* Once the others close, a new connection is served. */
    for (int i = 0; i < N; i++)
        close(fds[i]);
    int served = 0;
    for (long long end = th_now_ms() + 10000; !served && th_now_ms() < end;) {
        int fd = th_connect(server.port, 1000);
        if (fd < 0)
            continue;
        served = th_send_str(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n") == 0 &&
                 th_recv_until(fd, buf, sizeof buf, "Hello, world!\n", 1000) >= 0;
        close(fd);
    }
    cr_assert(served, "no connection served once descriptors were free again:\n%.2000s",
              server.output);
}

