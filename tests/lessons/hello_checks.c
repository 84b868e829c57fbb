/*
 * hello_checks - the checks shared by the hello servers' smoke tests (see
 * hello_checks.h). Each is what a lesson's test did on its own before:
 * the same requests, timeouts and assertions.
 */
#include "hello_checks.h"

#include "harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define HELLO_REQUEST "GET / HTTP/1.1\r\nHost: t\r\n\r\n"
#define HELLO         "Hello, world!\n"

void hc_start(th_proc *p, const char *prog, char *const extra[])
{
    char *argv[16] = {(char *)th_path(prog), "--port", "0"};
    int n = 3;
    for (int i = 0; extra && extra[i]; i++) {
        if (n == 15)
            cr_assert_fail("too many arguments for %s", prog);
        argv[n++] = extra[i];
    }
    argv[n] = NULL;
    const char *name = strrchr(prog, '/');
    cr_assert_eq(th_start_server(p, argv, 5000), 0, "%s did not start:\n%s", name ? name + 1 : prog,
                 p->output ? p->output : "");
}

int hc_count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

void hc_ask(int fd, const char *request, const char *until, char *buf, size_t cap)
{
    cr_assert_eq(th_send_str(fd, request), 0);
    cr_assert_geq(th_recv_until(fd, buf, cap, until, 3000), 0, "no '%s' in: %s", until, buf);
}

void hc_ask_hello(int fd)
{
    char buf[1024];
    hc_ask(fd, HELLO_REQUEST, HELLO, buf, sizeof buf);
}

void hc_keep_alive(int port)
{
    int fd = th_connect(port, 1000);
    cr_assert_geq(fd, 0);
    char buf[1024];
    for (int i = 0; i < 3; i++) { /* three requests, one connection */
        hc_ask(fd, HELLO_REQUEST, HELLO, buf, sizeof buf);
        cr_assert(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0, "got: %s", buf);
        cr_assert_not_null(strstr(buf, "Content-Length: 14\r\n"), "got: %s", buf);
    }
    cr_assert_eq(th_closed_within(fd, 200), 0, "keep-alive: the connection stays open");
    hc_ask(fd, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", HELLO, buf, sizeof buf);
    cr_assert_not_null(strstr(buf, "Connection: close\r\n"), "got: %s", buf);
    cr_assert_eq(th_closed_within(fd, 2000), 1, "Connection: close is honoured");
    close(fd);

    fd = th_connect(port, 1000);
    hc_ask(fd, "GET / HTTP/1.0\r\n\r\n", HELLO, buf, sizeof buf);
    cr_assert_eq(th_closed_within(fd, 2000), 1, "HTTP/1.0 closes unless asked");
    close(fd);
}

void hc_pipelined_in_order(int port, bool timed)
{
    int fd = th_connect(port, 1000);
    char buf[4096];
    long long t0 = th_now_ms();
    /* One write, three requests: /slow first, so the two behind it must wait. */
    hc_ask(fd,
           "GET /slow HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n"
           "GET /nothing-here HTTP/1.1\r\nHost: t\r\n\r\n",
           "Not found\n", buf, sizeof buf);
    long long ms = th_now_ms() - t0;
    const char *slow = strstr(buf, "Hello, slow world!\n"), *hello = strstr(buf, HELLO),
               *nf = strstr(buf, "404 Not Found");
    cr_assert(slow && hello && nf && slow < hello && hello < nf, "out of order: %s", buf);
    if (timed)
        cr_assert_geq(ms, 900, "/slow answered after %lld ms", ms);
    close(fd);
}

enum { LONG_PIPELINE_MAX = 2000 };

void hc_long_pipeline(int port, int n)
{
    static char reqs[LONG_PIPELINE_MAX * 32];
    static char buf[LONG_PIPELINE_MAX * 100];
    if (n <= 0 || n > LONG_PIPELINE_MAX)
        cr_assert_fail("a pipeline of %d requests: 1 to %d", n, LONG_PIPELINE_MAX);
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += (size_t)sprintf(reqs + len, HELLO_REQUEST);
    int fd = th_connect(port, 1000);
    cr_assert_eq(th_send(fd, reqs, len), 0);
    cr_assert_eq(th_send_str(fd, "GET /last HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    cr_assert_geq(th_recv_until(fd, buf, (size_t)n * 100, "Not found\n", 5000), 0);
    cr_assert_eq(hc_count(buf, HELLO), n, "answers: %d", hc_count(buf, HELLO));
    close(fd);
}

void hc_slow_blocks_nobody(int port)
{
    int a = th_connect(port, 1000), b = th_connect(port, 1000);
    char buf[1024];
    cr_assert_eq(th_send_str(a, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    long long t0 = th_now_ms();
    hc_ask(b, HELLO_REQUEST, HELLO, buf, sizeof buf);
    long long ms = th_now_ms() - t0;
    cr_assert_lt(ms, 800 + th_slack_ms(), "/ waited %lld ms behind another client's /slow", ms);
    cr_assert_geq(th_recv_until(a, buf, sizeof buf, "Hello, slow world!\n", 3000), 0);
    close(a);
    close(b);
}

enum { FLOOD_BOUND = 8 * 1024 * 1024 };

/* flood_without_reading - pipeline requests on fd and never read the
 * answers, until the server stops taking them (it has stopped reading us)
 * or a bound; returns the bytes sent. */
static long flood_without_reading(int fd)
{
    int small = 4096; /* a small window, so the answers back up fast */
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    static const char req[] = HELLO_REQUEST;
    long sent = 0;
    int stuck = 0;
    long long deadline = th_now_ms() + 3000;
    while (stuck < 50 && sent < FLOOD_BOUND && th_now_ms() < deadline) {
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

void hc_half_and_deaf_delay_nobody(int port, bool must_stop_reading)
{
    int half = th_connect(port, 1000), deaf = th_connect(port, 1000);
    cr_assert(half >= 0 && deaf >= 0);
    cr_assert_eq(th_send_str(half, "GET / HTTP/1.1\r\nHost: t\r\n"), 0); /* and no blank line */
    long sent = flood_without_reading(deaf);
    cr_assert_gt(sent, 0);
    if (must_stop_reading)
        cr_assert_lt(sent, FLOOD_BOUND, "the server kept reading a client that never reads");

    char buf[1024];
    for (int i = 0; i < 3; i++) {
        int fd = th_connect(port, 1000);
        long long t0 = th_now_ms();
        hc_ask(fd, HELLO_REQUEST, HELLO, buf, sizeof buf);
        long long ms = th_now_ms() - t0;
        cr_assert_lt(ms, 2000 + th_slack_ms(), "a normal client waited %lld ms (deaf client sent %ld bytes)", ms,
                     sent);
        close(fd);
    }
    /* The half request is still waiting for its end, and gets its answer. */
    hc_ask(half, "\r\n", HELLO, buf, sizeof buf);
    close(half);
    close(deaf);
}

void hc_malformed_gets_400_and_close(int port, size_t endless_head)
{
    const char *bad[] = {"garbage\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "GET nopath HTTP/1.1\r\n\r\n",
                         "GET / HTTP/1.1\r\nNo colon here\r\n\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int fd = th_connect(port, 1000);
        char buf[1024];
        hc_ask(fd, bad[i], "Bad request\n", buf, sizeof buf);
        cr_assert(strncmp(buf, "HTTP/1.1 400 ", 13) == 0, "for %s got: %s", bad[i], buf);
        cr_assert_eq(th_closed_within(fd, 2000), 1);
        close(fd);
    }
    /* A request head that never ends is refused once it fills the server's
     * buffer (or passes its limit). */
    static char big[16384];
    if (endless_head < 5 || endless_head > sizeof big)
        cr_assert_fail("a head of %zu bytes: 5 to %zu", endless_head, sizeof big);
    char buf[1024];
    int fd = th_connect(port, 1000);
    memset(big, 'a', endless_head);
    memcpy(big, "GET /", 5);
    th_send(fd, big, endless_head);
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "Bad request\n", 3000), 0, "got: %s", buf);
    close(fd);
}

void hc_garbage_gets_400_and_close(int port)
{
    int fd = th_connect(port, 1000);
    char buf[2048];
    th_send_str(fd, "HELLO THERE\r\n\r\n");
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, NULL, 3000), 0, "the server closes");
    cr_assert_not_null(strstr(buf, "HTTP/1.1 400 Bad Request\r\n"), "got: %s", buf);
    close(fd);
    /* ...and the server carries on. */
    fd = th_connect(port, 1000);
    th_send_str(fd, "GET / HTTP/1.0\r\n\r\n");
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, NULL, 3000), 0, "the server carries on");
    cr_assert_not_null(strstr(buf, HELLO), "the server carries on, got: %s", buf);
    close(fd);
}

void hc_stop_prints_summary(th_proc *server, ...)
{
    int fd = th_connect(server->port, 1000);
    hc_ask_hello(fd);
    close(fd);
    int status = th_stop(server);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d:\n%s", status,
              server->output);
    va_list ap;
    va_start(ap, server);
    for (const char *want; (want = va_arg(ap, const char *)) != NULL;)
        cr_assert_not_null(strstr(server->output, want), "%s", server->output);
    va_end(ap);
}

/* raise_fd_limit - enough descriptors for this process and the server it
 * starts (the child inherits the limit); false if the hard limit is too low. */
static bool raise_fd_limit(rlim_t want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return false;
    if (rl.rlim_cur >= want)
        return true;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
        return false;
    rl.rlim_cur = want;
    return setrlimit(RLIMIT_NOFILE, &rl) == 0;
}

void hc_need_fds_past_fd_setsize(void)
{
    if (!raise_fd_limit(4096))
        cr_skip_test("the hard fd limit is below 4096: cannot reach FD_SETSIZE");
}

void hc_connect_all(int port, int *fds, int n)
{
    int opened = 0;
    for (; opened < n; opened++) {
        fds[opened] = th_connect(port, 2000);
        if (fds[opened] < 0)
            break;
    }
    cr_assert_eq(opened, n, "could open only %d connections", opened);
}
