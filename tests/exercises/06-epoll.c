/*
 * Exercise 06: edge_read() (exercises/06-epoll/edgeread.c).
 *
 * A socketpair stands in for a client connection; its server end sits in
 * an epoll set, edge-triggered, as in lesson 06's server with --edge. The
 * tests check what a server would observe: that every byte the client
 * sent reaches the buffer, that the end of input is seen even when it came
 * with the last bytes, and that a reader which leaves bytes in the kernel
 * waits for a report that never comes.
 */
#include "edgeread.h"

#include "harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static int sp[2], epfd; /* sp[0]: the server's end, non-blocking, in epfd with EPOLLET */

static void setup(void)
{
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
    cr_assert_eq(fcntl(sp[0], F_SETFL, fcntl(sp[0], F_GETFL) | O_NONBLOCK), 0);
    int big = 1 << 20; /* room for the tests' bursts, so a write never waits for the reader */
    setsockopt(sp[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    epfd = epoll_create1(0);
    cr_assert_geq(epfd, 0);
    struct epoll_event e = {.events = EPOLLIN | EPOLLET, .data.fd = sp[0]};
    cr_assert_eq(epoll_ctl(epfd, EPOLL_CTL_ADD, sp[0], &e), 0);
}

static void teardown(void)
{
    close(sp[0]);
    if (sp[1] >= 0)
        close(sp[1]);
    close(epfd);
}

/* reported - does epoll report the server's end within ms milliseconds? */
static bool reported(int ms)
{
    struct epoll_event e;
    return epoll_wait(epfd, &e, 1, ms) == 1;
}

static void send_text(const char *s)
{
    cr_assert_eq(write(sp[1], s, strlen(s)), (ssize_t)strlen(s));
}

static const char *result_name(int rc)
{
    return rc == EDGE_EMPTY ? "EDGE_EMPTY"
           : rc == EDGE_FULL ? "EDGE_FULL"
           : rc == EDGE_EOF  ? "EDGE_EOF"
           : rc == -1        ? "-1"
                             : "not a result";
}

Test(edge_read, takes_everything_that_arrived_then_waits_for_news, .init = setup,
     .fini = teardown, .timeout = 10)
{
    send_text("GET /a HTTP/1.1\r\n\r\n");
    send_text("GET /b HTTP/1.1\r\n\r\n");
    send_text("GET /c HTTP/1.1\r\n\r\n");
    cr_assert(reported(1000), "bytes arrived: epoll reports the socket");
    char buf[4096];
    size_t len = 0;
    int rc = edge_read(sp[0], buf, sizeof buf, &len);
    cr_assert_eq(rc, EDGE_EMPTY, "got %s (errno %s), expected EDGE_EMPTY", result_name(rc),
                 strerror(errno));
    cr_assert_eq(len, 57, "took %zu of the 57 bytes that had arrived", len);
    cr_assert(memcmp(buf, "GET /a HTTP/1.1\r\n\r\nGET /b", 25) == 0);
    cr_assert_not(reported(0), "nothing new: no report");
    /* New bytes are a new edge, added after what is already in buf. */
    send_text("GET /d HTTP/1.1\r\n\r\n");
    cr_assert(reported(1000), "new bytes are reported");
    rc = edge_read(sp[0], buf, sizeof buf, &len);
    cr_assert_eq(rc, EDGE_EMPTY, "got %s (errno %s)", result_name(rc), strerror(errno));
    cr_assert_eq(len, 76);
    cr_assert(memcmp(buf + 57, "GET /d", 6) == 0, "appended after the bytes already in buf");
}

Test(edge_read, nothing_to_read_is_not_an_error, .init = setup, .fini = teardown, .timeout = 10)
{
    char buf[64];
    size_t len = 5;
    int rc = edge_read(sp[0], buf, sizeof buf, &len);
    cr_assert_eq(rc, EDGE_EMPTY, "got %s (errno %s): an empty socket is not an error",
                 result_name(rc), strerror(errno));
    cr_assert_eq(len, 5, "*len is what was there plus what was read");
}

Test(edge_read, sees_the_end_that_came_behind_the_last_bytes, .init = setup, .fini = teardown,
     .timeout = 10)
{
    /* A client that sends its request and shuts its side: both reach the
     * kernel before the server looks, and epoll reports them once. */
    send_text("GET / HTTP/1.1\r\n\r\n");
    shutdown(sp[1], SHUT_WR);
    cr_assert(reported(1000));
    char buf[4096];
    size_t len = 0;
    int rc = edge_read(sp[0], buf, sizeof buf, &len);
    cr_assert_eq(len, 18, "took %zu of 18 bytes", len);
    cr_assert_eq(rc, EDGE_EOF,
                 "got %s, expected EDGE_EOF: the end of input came with the bytes, and epoll "
                 "will not report it again (a read that returned fewer bytes than asked for "
                 "does not mean the kernel is empty)",
                 result_name(rc));
    cr_assert_not(reported(0), "epoll has nothing more to say about it");
}

Test(edge_read, stops_when_the_buffer_is_full_and_says_there_may_be_more, .init = setup,
     .fini = teardown, .timeout = 10)
{
    static char sent[10000];
    for (size_t i = 0; i < sizeof sent; i++)
        sent[i] = (char)('a' + i % 26);
    cr_assert_eq(write(sp[1], sent, sizeof sent), (ssize_t)sizeof sent);
    cr_assert(reported(1000));
    char buf[4096];
    size_t len = 0;
    int rc = edge_read(sp[0], buf, sizeof buf, &len);
    cr_assert_eq(rc, EDGE_FULL, "got %s (errno %s) with a full buffer, expected EDGE_FULL",
                 result_name(rc), strerror(errno));
    cr_assert_eq(len, sizeof buf);
    cr_assert_not(reported(0), "edge-triggered: the 5904 bytes still in the kernel are no news; "
                               "only the caller's own list brings it back");
    /* The caller makes room and comes back by itself, twice. */
    len = 0;
    rc = edge_read(sp[0], buf, sizeof buf, &len);
    cr_assert_eq(rc, EDGE_FULL, "got %s, expected EDGE_FULL", result_name(rc));
    cr_assert(memcmp(buf, sent + 4096, 4096) == 0, "the bytes go on where they left off");
    len = 0;
    rc = edge_read(sp[0], buf, sizeof buf, &len);
    cr_assert_eq(rc, EDGE_EMPTY, "got %s, expected EDGE_EMPTY", result_name(rc));
    cr_assert_eq(len, sizeof sent - 8192);
    cr_assert(memcmp(buf, sent + 8192, len) == 0);
}

Test(edge_read, a_full_buffer_is_not_the_end_of_input, .init = setup, .fini = teardown,
     .timeout = 10)
{
    send_text("more");
    char buf[16];
    size_t len = sizeof buf; /* full on entry */
    int rc = edge_read(sp[0], buf, sizeof buf, &len);
    cr_assert_eq(rc, EDGE_FULL,
                 "got %s, expected EDGE_FULL: with no room, a read() of 0 bytes returns 0, "
                 "which says nothing about the end of input",
                 result_name(rc));
    cr_assert_eq(len, sizeof buf);
    len = 0;
    rc = edge_read(sp[0], buf, sizeof buf, &len);
    cr_assert_eq(rc, EDGE_EMPTY, "got %s (errno %s)", result_name(rc), strerror(errno));
    cr_assert(len == 4 && memcmp(buf, "more", 4) == 0, "the bytes were waiting, none lost");
}

Test(edge_read, reports_a_reset_connection, .init = setup, .fini = teardown, .timeout = 10)
{
    /* Closing a UNIX socket with unread data in it resets the connection:
     * the other end's next read fails with ECONNRESET. */
    cr_assert_eq(write(sp[0], "unread", 6), 6);
    close(sp[1]);
    sp[1] = -1;
    char buf[64];
    size_t len = 0;
    errno = 0;
    int rc = edge_read(sp[0], buf, sizeof buf, &len);
    cr_assert_eq(rc, -1, "got %s: a reset is an error, not an end", result_name(rc));
    cr_assert_eq(errno, ECONNRESET, "errno is %s, expected ECONNRESET", strerror(errno));
}

/* A client that streams TOTAL bytes in bursts of every size, then shuts its
 * side: the pattern lets the reader check every byte. */
enum { TOTAL = 1 << 20 };

static unsigned char pattern(size_t i) { return (unsigned char)(i * 7 + i / 251); }

static void *stream_client(void *arg)
{
    int fd = *(int *)arg;
    static unsigned char chunk[20000];
    size_t sent = 0, size = 1;
    while (sent < TOTAL) {
        size_t n = size < TOTAL - sent ? size : TOTAL - sent;
        for (size_t i = 0; i < n; i++)
            chunk[i] = pattern(sent + i);
        ssize_t w = write(fd, chunk, n);
        if (w <= 0)
            break;
        sent += (size_t)w;
        size = size * 3 % 19997 + 1; /* 1, 4, 13, 40, ... every size up to 20000 */
        if (sent % 7 == 0)
            usleep(100);
    }
    shutdown(fd, SHUT_WR);
    return NULL;
}

Test(edge_read, serves_a_stream_with_a_small_buffer_without_hanging, .init = setup,
     .fini = teardown, .timeout = 60)
{
    /* The server's loop, as lesson 06 runs it edge-triggered: wait for a
     * report, read, use the bytes, and come back at once (not through
     * epoll) while edge_read says there may be more. */
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, stream_client, &sp[1]), 0);
    char buf[4096];
    size_t got = 0;
    int rc = EDGE_EMPTY, rounds = 0;
    while (rc != EDGE_EOF) {
        if (rc == EDGE_EMPTY && !reported(5000 + th_slack_ms())) {
            shutdown(sp[0], SHUT_RD); /* unblock the client, then fail */
            pthread_join(t, NULL);
            cr_assert_fail("%zu of %d bytes read, and no report for 5 s: bytes left in the "
                           "kernel after an EDGE_EMPTY are never reported",
                           got, TOTAL);
        }
        size_t len = 0;
        rc = edge_read(sp[0], buf, sizeof buf, &len);
        cr_assert_geq(rc, 0, "edge_read failed: %s", strerror(errno));
        for (size_t i = 0; i < len; i++)
            cr_assert_eq((unsigned char)buf[i], pattern(got + i), "byte %zu is wrong", got + i);
        got += len;
        cr_assert_leq(++rounds, 4 * TOTAL, "no end in sight");
    }
    pthread_join(t, NULL);
    cr_assert_eq(got, TOTAL, "read %zu of %d bytes before EDGE_EOF", got, TOTAL);
}
