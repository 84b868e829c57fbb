/*
 * Exercise 12 tests: handle_echo() and handle_stream() seen from a client.
 *
 * app.c (the student's or the solution) runs in a real lib/server on a
 * thread of this process, as tests/lib/http/server.c does, and the tests talk
 * to it over raw sockets: what /echo sends back for a POST, with a chunked
 * upload, and for a GET; and whether /stream arrives as chunks that are
 * spread out in time rather than all at the end.
 */
#include "app.h"
#include "harness.h"

#include <criterion/criterion.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
    pthread_t thread;
    struct app app;
    int port;
    int ctl[2];   /* the test writes 's' here to stop the server */
    int ready[2]; /* the server thread writes its port here */
} srv;

static void on_ctl(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    char cmd;
    if (read(fd, &cmd, 1) == 1 && cmd == 's')
        eddy_server_stop(arg);
}

static void *server_main(void *unused)
{
    (void)unused;
    eddy_server_config cfg;
    eddy_server_config_defaults(&cfg);
    cfg.port = 0;
    cfg.access_log = 0;
    cfg.stop_timeout_ms = 1000;
    eddy_server *s = eddy_server_new(&cfg, app_handle, &srv.app);
    int port = -1;
    if (s && eddy_server_listen(s) == 0)
        port = eddy_server_port(s);
    if (write(srv.ready[1], &port, sizeof port) != sizeof port || port < 0) {
        eddy_server_free(s);
        return NULL;
    }
    struct event *ctl = event_new(eddy_loop_base(), srv.ctl[0], EV_READ | EV_PERSIST, on_ctl, s);
    event_add(ctl, NULL);
    eddy_server_run(s);
    event_free(ctl);
    eddy_server_free(s);
    eddy_loop_free();
    return NULL;
}

static void start(void)
{
    memset(&srv, 0, sizeof srv);
    app_init(&srv.app);
    srv.app.stream_pieces = 4;
    srv.app.stream_ms = 150;
    cr_assert_eq(pipe(srv.ctl), 0);
    cr_assert_eq(pipe(srv.ready), 0);
    cr_assert_eq(pthread_create(&srv.thread, NULL, server_main, NULL), 0);
    cr_assert_eq(read(srv.ready[0], &srv.port, sizeof srv.port), (ssize_t)sizeof srv.port);
    cr_assert_gt(srv.port, 0, "server did not start");
}

static void stop(void)
{
    if (write(srv.ctl[1], "s", 1) == 1)
        pthread_join(srv.thread, NULL);
    close(srv.ctl[0]);
    close(srv.ctl[1]);
    close(srv.ready[0]);
    close(srv.ready[1]);
}

/* exchange - send raw on a new connection; the answer, read until needle. */
static char *exchange(const char *raw, const char *needle)
{
    static char buf[65536];
    int fd = th_connect(srv.port, 2000);
    cr_assert_geq(fd, 0);
    cr_assert_eq(th_send_str(fd, raw), 0);
    ssize_t n = th_recv_until(fd, buf, sizeof buf, needle, 3000);
    close(fd);
    cr_assert_geq(n, 0, "no \"%s\" in the answer to\n%s\ngot:\n%s", needle, raw, buf);
    return buf;
}

TestSuite(ex12, .init = start, .fini = stop, .timeout = 20);

Test(ex12, echo_answers_a_post_with_its_body_and_type)
{
    char *r = exchange("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                       "Content-Length: 13\r\n\r\n{\"say\":\"hi\"}\n",
                       "{\"say\":\"hi\"}\n");
    cr_assert_eq(strncmp(r, "HTTP/1.1 200 ", 13), 0, "%s", r);
    cr_assert_not_null(strstr(r, "\r\nContent-Length: 13\r\n"), "%s", r);
    cr_assert_not_null(strstr(r, "\r\nContent-Type: application/json\r\n"), "%s", r);
}

Test(ex12, echo_answers_a_chunked_upload_decoded)
{
    char *r = exchange("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "6\r\nHello,\r\n8\r\n chunks!\r\n0\r\n\r\n",
                       "Hello, chunks!");
    cr_assert_eq(strncmp(r, "HTTP/1.1 200 ", 13), 0, "%s", r);
    cr_assert_not_null(strstr(r, "\r\nContent-Length: 14\r\n"), "%s", r);
    cr_assert_not_null(strstr(r, "\r\nContent-Type: text/plain"), "no type given: text/plain\n%s",
                       r);
}

Test(ex12, echo_refuses_other_methods_with_405_and_allow)
{
    char *r = exchange("GET /echo HTTP/1.1\r\nHost: t\r\n\r\n", "\r\n\r\n");
    cr_assert_eq(strncmp(r, "HTTP/1.1 405 ", 13), 0, "%s", r);
    cr_assert_not_null(strstr(r, "\r\nAllow: POST\r\n"), "a 405 must say what is allowed:\n%s", r);
    /* and the connection still works: the next request is answered */
    int fd = th_connect(srv.port, 2000);
    char buf[4096];
    th_send_str(fd, "PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi"
                    "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "Hello, world!\n", 3000), 0, "%s", buf);
    cr_assert_eq(strncmp(buf, "HTTP/1.1 405 ", 13), 0, "%s", buf);
    close(fd);
}

Test(ex12, stream_sends_chunked_pieces_as_they_are_written)
{
    int fd = th_connect(srv.port, 2000);
    cr_assert_geq(fd, 0);
    long long t0 = th_now_ms();
    th_send_str(fd, "GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
    char buf[8192];
    /* the first piece must arrive long before the last is written (3 x 150 ms) */
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "piece 1 of 4\n", 3000), 0,
                  "no first piece: %s", buf);
    long long first = th_now_ms() - t0;
    cr_assert_not_null(strstr(buf, "\r\nTransfer-Encoding: chunked\r\n"), "%s", buf);
    cr_assert_null(strstr(buf, "piece 2"), "piece 2 came with piece 1: no pause between");
    cr_assert_lt(first, 400 + th_slack_ms(), "first piece after %lld ms: flushed only at the end?", first);
    size_t have = strlen(buf);
    cr_assert_geq(th_recv_until(fd, buf + have, sizeof buf - have, "0\r\n\r\n", 5000), 0,
                  "no last chunk: %s", buf);
    long long all = th_now_ms() - t0;
    cr_assert_geq(all, 400, "all four pieces after %lld ms: no eddy_sleep between?", all);
    cr_assert_not_null(strstr(buf, "d\r\npiece 4 of 4\n\r\n0\r\n\r\n"),
                       "each piece is its own chunk, then the last one:\n%s", buf);
    close(fd);
}

Test(ex12, stream_stops_when_the_client_leaves)
{
    int fd = th_connect(srv.port, 2000);
    char buf[4096];
    th_send_str(fd, "GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "piece 1 of 4\n", 3000), 0, "%s", buf);
    close(fd);
    /* the server must still answer others at once */
    char *r = exchange("GET / HTTP/1.1\r\nHost: t\r\n\r\n", "Hello, world!\n");
    cr_assert_eq(strncmp(r, "HTTP/1.1 200 ", 13), 0, "%s", r);
}
