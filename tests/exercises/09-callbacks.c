/*
 * Exercise 09: response_read(), one step of the fetch's state machine
 * (exercises/09-callbacks/response.c).
 *
 * On the loop, a response is read by many calls, one each time the socket
 * is readable. The tests play the server on the other end of a socketpair:
 * they send the response in pieces and call response_read() after each,
 * the way on_readable is called, and check that it says "more to come"
 * until the end, then "complete" with the status and body found.
 */
#include "response.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int pair[2]; /* [0]: the fetcher's end (non-blocking), [1]: the server's */

static void make_pair(void)
{
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK);
}

static void close_pair(void)
{
    close(pair[0]);
    if (pair[1] >= 0)
        close(pair[1]);
}

static void server_sends(const char *s)
{
    cr_assert_eq(write(pair[1], s, strlen(s)), (ssize_t)strlen(s));
}

static void server_closes(void)
{
    close(pair[1]);
    pair[1] = -1;
}

Test(ex09_response, more_to_come_until_the_server_closes, .init = make_pair, .fini = close_pair,
     .timeout = 10)
{
    struct response r = {0};
    errno = 0;
    cr_assert_eq(response_read(pair[0], &r), 0, "nothing has arrived yet: expected 0 (errno %d)",
                 errno);
    server_sends("HTTP/1.0 200 OK\r\nContent-Le");
    cr_assert_eq(response_read(pair[0], &r), 0, "half a head: expected 0");
    server_sends("ngth: 11\r\n\r\nhello");
    cr_assert_eq(response_read(pair[0], &r), 0, "part of the body: expected 0");
    server_sends(" world");
    server_closes();
    cr_assert_eq(response_read(pair[0], &r), 1, "EOF: expected 1 (complete)");
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.len - r.body_off, 11);
    cr_assert_eq(memcmp(r.data + r.body_off, "hello world", 11), 0);
    response_free(&r);
}

Test(ex09_response, a_large_body_grows_the_buffer, .init = make_pair, .fini = close_pair,
     .timeout = 10)
{
    struct response r = {0};
    server_sends("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
    size_t body = 0;
    char chunk[8192];
    memset(chunk, 'x', sizeof chunk);
    for (int i = 0; i < 12; i++) { /* 96 KB, read step by step */
        cr_assert_eq(write(pair[1], chunk, sizeof chunk), (ssize_t)sizeof chunk);
        body += sizeof chunk;
        cr_assert_eq(response_read(pair[0], &r), 0, "after %zu body bytes: expected 0", body);
    }
    server_closes();
    cr_assert_eq(response_read(pair[0], &r), 1);
    cr_assert_eq(r.status, 404);
    cr_assert_eq(r.len - r.body_off, body, "body %zu bytes, expected %zu", r.len - r.body_off,
                 body);
    cr_assert_eq(r.data[r.len - 1], 'x');
    response_free(&r);
}

Test(ex09_response, everything_in_one_go, .init = make_pair, .fini = close_pair, .timeout = 10)
{
    struct response r = {0};
    server_sends("HTTP/1.0 301 Moved\r\nLocation: /x\r\n\r\n");
    server_closes();
    cr_assert_eq(response_read(pair[0], &r), 1, "the whole response and EOF: expected 1");
    cr_assert_eq(r.status, 301);
    cr_assert_eq(r.body_off, r.len, "no body");
    response_free(&r);
}

Test(ex09_response, not_http_is_an_error, .init = make_pair, .fini = close_pair, .timeout = 10)
{
    struct response r = {0};
    server_sends("SSH-2.0-OpenSSH_9.2\r\n");
    cr_assert_eq(response_read(pair[0], &r), 0);
    server_closes();
    errno = 0;
    cr_assert_eq(response_read(pair[0], &r), -1, "not HTTP: expected -1");
    cr_assert_eq(errno, EPROTO, "errno %d, expected EPROTO", errno);
    response_free(&r);
}

Test(ex09_response, a_broken_socket_is_an_error, .timeout = 10)
{
    struct response r = {0};
    int fds[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    close(fds[1]);
    close(fds[0]); /* reading a closed fd: EBADF */
    errno = 0;
    cr_assert_eq(response_read(fds[0], &r), -1);
    cr_assert_eq(errno, EBADF, "errno %d, expected EBADF", errno);
    response_free(&r);
}

Test(ex09_response, takes_all_that_has_arrived_in_one_call, .init = make_pair,
     .fini = close_pair, .timeout = 10)
{
    /* 200 KB already waiting: one call must take all of it (it returns
     * "more to come" only once the kernel has nothing more). */
    int big = 1 << 20;
    setsockopt(pair[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    static char answer[200000];
    memset(answer, 'y', sizeof answer);
    memcpy(answer, "HTTP/1.1 200 OK\r\n\r\n", 19);
    cr_assert_eq(write(pair[1], answer, sizeof answer), (ssize_t)sizeof answer);
    struct response r = {0};
    cr_assert_eq(response_read(pair[0], &r), 0, "all read, the server is still there: 0");
    cr_assert_eq(r.len, sizeof answer, "took %zu of the %zu bytes that had arrived", r.len,
                 sizeof answer);
    response_free(&r);
}

static void *send_too_much(void *arg)
{
    int fd = *(int *)arg;
    static char block[65536];
    memset(block, 'z', sizeof block);
    memcpy(block, "HTTP/1.1 200 OK\r\n\r\n", 19);
    for (size_t sent = 0; sent < RESPONSE_MAX + sizeof block;) { /* past the limit, then close */
        ssize_t n = send(fd, block, sizeof block, MSG_NOSIGNAL);
        if (n <= 0)
            break; /* the fetcher gave up and closed its end */
        sent += (size_t)n;
    }
    close(fd);
    return NULL;
}

Test(ex09_response, refuses_a_response_larger_than_it_allows, .init = make_pair,
     .fini = close_pair, .timeout = 30)
{
    pthread_t t;
    int server = pair[1];
    pair[1] = -1; /* the thread closes it */
    cr_assert_eq(pthread_create(&t, NULL, send_too_much, &server), 0);
    struct response r = {0};
    int rc;
    errno = 0;
    while ((rc = response_read(pair[0], &r)) == 0) {
        struct pollfd p = {.fd = pair[0], .events = POLLIN};
        poll(&p, 1, 5000); /* what the loop does: wait until it is readable */
    }
    int err = errno;
    shutdown(pair[0], SHUT_RDWR); /* let the sender finish if it is still writing */
    pthread_join(t, NULL);
    cr_assert_eq(rc, -1, "a response past RESPONSE_MAX (%d bytes) must be refused, got %d with "
                         "%zu bytes",
                 RESPONSE_MAX, rc, r.len);
    cr_assert_eq(err, EFBIG, "errno %d, expected EFBIG", err);
    cr_assert_leq(r.len, (size_t)RESPONSE_MAX, "kept %zu bytes", r.len);
    response_free(&r);
}
