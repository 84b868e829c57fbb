/*
 * Exercise 02: connect_done() and recv_step()
 * (exercises/02-nonblocking-fetch/httpio.c).
 *
 * connect_done() is tested on real TCP connections over loopback: one
 * that completes, one that is refused, and one whose handshake is held up
 * (the listener's queue is full, so the kernel drops our SYN and retries a
 * second later). recv_step() is tested on a non-blocking socketpair: it
 * must take what has arrived, say "later" without waiting when nothing
 * has, and tell the end of the answer from a broken connection.
 */
#include "httpio.h"

#include <arpa/inet.h>
#include "harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* bound_socket - a TCP socket bound to 127.0.0.1 on a free port. */
static int bound_socket(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

/* start_connect - a non-blocking socket connecting to 127.0.0.1:port. */
static int start_connect(int port, int nonblocking)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    cr_assert(rc == 0 || errno == EINPROGRESS || (nonblocking && errno == ECONNREFUSED),
              "connect: %s", strerror(errno));
    return fd;
}

/* wait_for_answer - call connect_done() until it is not 0 (or timeout). */
static int wait_for_answer(int fd, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    int rc;
    while ((rc = connect_done(fd)) == 0 && now_ms() < deadline)
        usleep(1000);
    return rc;
}

Test(connect_done, says_yes_once_the_handshake_is_done, .timeout = 10)
{
    int port, lfd = bound_socket(&port);
    cr_assert_eq(listen(lfd, 8), 0);
    int fd = start_connect(port, 1);
    int rc = wait_for_answer(fd, 2000);
    cr_assert_eq(rc, 1, "connect_done said %d (errno %s), expected 1: connected", rc,
                 strerror(errno));
    cr_assert_eq(send(fd, "hi", 2, MSG_NOSIGNAL), 2, "the socket really is connected");
    close(fd);
    close(lfd);
}

Test(connect_done, reports_a_refused_connection, .timeout = 10)
{
    /* A port that is bound but not listening answers a SYN with a reset. */
    int port, lfd = bound_socket(&port);
    int fd = start_connect(port, 1);
    errno = 0;
    int rc = wait_for_answer(fd, 2000);
    cr_assert_eq(rc, -1, "connect_done said %d, expected -1: refused", rc);
    cr_assert_eq(errno, ECONNREFUSED, "errno is %s, expected ECONNREFUSED", strerror(errno));
    close(fd);
    close(lfd);
}

Test(connect_done, says_not_yet_while_the_handshake_is_held_up, .timeout = 10)
{
    /* Backlog 0 holds one finished connection; with it waiting in the
     * queue, the kernel drops the next SYN and the client's handshake stays
     * under way until it sends its SYN again, about a second later. */
    int port, lfd = bound_socket(&port);
    cr_assert_eq(listen(lfd, 0), 0);
    int first = start_connect(port, 0);
    usleep(50000);
    int fd = start_connect(port, 1);
    usleep(100000);
    int rc = connect_done(fd);
    cr_assert_eq(rc, 0, "connect_done said %d (errno %s), expected 0: not yet", rc,
                 strerror(errno));
    /* Make room: the retried SYN then gets through. */
    int a = accept(lfd, NULL, NULL);
    cr_assert_geq(a, 0);
    rc = wait_for_answer(fd, 8000);
    cr_assert_eq(rc, 1, "connect_done said %d (errno %s), expected 1 once there was room", rc,
                 strerror(errno));
    close(a);
    close(first);
    close(fd);
    close(lfd);
}

static int pair[2];

static void make_pair(void)
{
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair), 0);
}

static void close_pair(void)
{
    if (pair[0] >= 0)
        close(pair[0]);
    if (pair[1] >= 0)
        close(pair[1]);
}

Test(recv_step, says_later_at_once_when_nothing_has_arrived, .init = make_pair,
     .fini = close_pair, .timeout = 10)
{
    struct response r;
    response_init(&r);
    long long t0 = now_ms();
    int rc = recv_step(pair[0], &r);
    cr_assert_eq(rc, 0, "recv_step said %d (errno %s), expected 0: nothing yet", rc,
                 strerror(errno));
    cr_assert_lt(now_ms() - t0, 500 + th_slack_ms(), "recv_step must not wait");
    cr_assert_eq(r.total, 0);
}

Test(recv_step, takes_all_that_has_arrived_then_sees_the_end, .init = make_pair,
     .fini = close_pair, .timeout = 10)
{
    /* 100000 bytes: more than one recv() of any sensible buffer. */
    static char answer[100000];
    memset(answer, 'x', sizeof answer);
    memcpy(answer, "HTTP/1.1 200 OK\r\n\r\n", 19);
    int big = 1 << 20;
    setsockopt(pair[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    cr_assert_eq(write(pair[1], answer, sizeof answer), (ssize_t)sizeof answer);
    struct response r;
    response_init(&r);
    int rc = recv_step(pair[0], &r);
    cr_assert_eq(rc, 0, "recv_step said %d (errno %s), expected 0: all read, more may come", rc,
                 strerror(errno));
    cr_assert_eq(r.total, (long long)sizeof answer, "took %lld of %zu bytes that had arrived",
                 r.total, sizeof answer);
    cr_assert_eq(write(pair[1], "tail", 4), 4);
    shutdown(pair[1], SHUT_WR);
    rc = recv_step(pair[0], &r);
    cr_assert_eq(rc, 1, "recv_step said %d (errno %s), expected 1: the end", rc,
                 strerror(errno));
    cr_assert_eq(r.total, (long long)sizeof answer + 4);
    cr_assert_eq(response_body_bytes(&r), (long long)sizeof answer + 4 - 19);
    cr_assert_eq(parse_status_line(r.head, r.head_len), 200);
}

Test(recv_step, reports_a_reset_connection, .init = make_pair, .fini = close_pair,
     .timeout = 10)
{
    /* Closing a UNIX socket with unread data in it resets the connection. */
    cr_assert_eq(write(pair[0], "unread", 6), 6);
    close(pair[1]);
    pair[1] = -1;
    struct response r;
    response_init(&r);
    errno = 0;
    cr_assert_eq(recv_step(pair[0], &r), -1, "a reset is an error, not an end");
    cr_assert_eq(errno, ECONNRESET, "errno is %s, expected ECONNRESET", strerror(errno));
}
