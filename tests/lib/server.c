/*
 * Tests of lib/server: the bytes a client sees on the wire.
 *
 * Each test runs a server on its own thread (its own loop) bound to
 * 127.0.0.1 on a free port, and talks to it from the test's thread over
 * raw sockets: keep-alive, pipelining, bodies, streaming, gzip, HEAD, every
 * limit and smuggling vector, timeouts, disconnects and a graceful stop.
 */
#include "harness.h"
#include "serve_thread.h"

#include <eddy/async/future.h>
#include <eddy/base/log.h>
#include <eddy/http/server.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

static serve_thread st;

static struct {
    atomic_int cancelled;
    atomic_int finished_sleeps;
} srv;

static int path_is(eddy_req *r, const char *p)
{
    eddy_str path = eddy_request_path(r);
    return path.len == strlen(p) && memcmp(path.p, p, path.len) == 0;
}

static void handle(eddy_req *r, void *arg)
{
    (void)arg;
    if (path_is(r, "/echo")) {
        eddy_str b = eddy_request_body(r);
        eddy_response_header(r, "Content-Type", "text/plain");
        eddy_write(r, b.p, b.len);
    } else if (path_is(r, "/sleep")) {
        int rc = eddy_sleep(300);
        if (rc == ECANCELED)
            srv.cancelled++;
        else
            srv.finished_sleeps++;
        eddy_write_str(r, "slept\n");
    } else if (path_is(r, "/nap")) { /* longer than server_limits' timeouts */
        eddy_sleep(800);
        eddy_write_str(r, "napped\n");
    } else if (path_is(r, "/brief")) { /* half as long as them */
        eddy_sleep(150);
        eddy_write_str(r, "brief\n");
    } else if (path_is(r, "/long")) {
        if (eddy_sleep(5000) == ECANCELED)
            srv.cancelled++;
        eddy_write_str(r, "late\n");
    } else if (path_is(r, "/stream")) {
        eddy_response_header(r, "Content-Type", "text/plain");
        for (int i = 0; i < 3; i++) {
            eddy_writef(r, "part %d\n", i);
            eddy_flush(r);
            eddy_sleep(20);
        }
    } else if (path_is(r, "/big")) {
        eddy_response_header(r, "Content-Type", "text/plain");
        for (int i = 0; i < 1000; i++)
            eddy_writef(r, "line %04d of a compressible body\n", i);
    } else if (path_is(r, "/huge")) {
        /* 8 MiB streamed: makes the server wait for a slow reader */
        char block[65536];
        memset(block, 'h', sizeof block);
        for (int i = 0; i < 128; i++) {
            eddy_write(r, block, sizeof block);
            int rc = eddy_flush(r);
            if (rc != 0) {
                fprintf(stderr, "huge: flush failed at block %d: %s\n", i, strerror(rc));
                return;
            }
        }
    } else if (path_is(r, "/buffered")) {
        /* 4 MiB written at once and left for the loop to send after the
         * handler has returned */
        static char block[1 << 16];
        memset(block, 'b', sizeof block);
        for (int i = 0; i < 64; i++)
            eddy_write(r, block, sizeof block);
    } else if (path_is(r, "/counted")) {
        /* 4 MiB of numbered 16-byte lines, written at once: a byte lost,
         * doubled or moved shows in the numbers */
        char line[17];
        for (int i = 0; i < (4 << 20) / 16; i++) {
            snprintf(line, sizeof line, "%015d\n", i);
            eddy_write(r, line, 16);
        }
    } else if (path_is(r, "/missing")) {
        eddy_send_error(r, 404, "no such page");
    } else if (path_is(r, "/refuse")) {
        /* headers set on purpose, and a body (with the headers describing
         * it) that the error replaces */
        eddy_response_header(r, "Allow", "POST");
        eddy_response_header(r, "WWW-Authenticate", "Basic realm=\"t\"");
        eddy_response_header(r, "Retry-After", "120");
        eddy_response_header(r, "Set-Cookie", "seen=1");
        eddy_response_header(r, "Content-Type", "application/json");
        eddy_response_header(r, "Content-Language", "fr");
        eddy_response_header(r, "Content-Range", "bytes 0-6/99");
        eddy_response_header(r, "ETag", "\"v1\"");
        eddy_response_header(r, "Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT");
        eddy_write_str(r, "partial");
        eddy_str q = eddy_request_query(r);
        eddy_send_error(r, q.len ? atoi(q.p) : 405, NULL);
    } else {
        eddy_response_header(r, "Content-Type", "text/plain");
        eddy_write_str(r, "Hello, world!\n");
    }
}

static void start(void (*configure)(eddy_server_config *))
{
    memset(&srv, 0, sizeof srv);
    serve_thread_init(&st);
    st.fn = handle;
    if (configure)
        configure(&st.cfg);
    cr_assert_eq(serve_thread_start(&st), 0, "server did not start");
}

static void stop(void) { serve_thread_stop(&st); }

static void start_default(void) { start(NULL); }

/* exchange - send raw on a new connection, read until needle (or EOF). */
static char *exchange(const char *raw, const char *needle)
{
    static char buf[1 << 20];
    int fd = th_connect(st.port, 2000);
    cr_assert_geq(fd, 0);
    th_send_str(fd, raw);
    ssize_t n = th_recv_until(fd, buf, sizeof buf, needle, 5000);
    close(fd);
    cr_assert_geq(n, 0, "no \"%s\" in the answer to\n%s\ngot:\n%s", needle ? needle : "EOF", raw,
                  buf);
    return buf;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

TestSuite(server, .init = start_default, .fini = stop, .timeout = 30);

Test(server, answers_hello_with_length_date_and_type)
{
    char *r = exchange("GET / HTTP/1.1\r\nHost: t\r\n\r\n", "Hello, world!\n");
    cr_assert_eq(strncmp(r, "HTTP/1.1 200 OK\r\n", 17), 0, "%s", r);
    cr_assert_not_null(strstr(r, "\r\nContent-Length: 14\r\n"), "%s", r);
    cr_assert_not_null(strstr(r, "\r\nContent-Type: text/plain\r\n"));
    cr_assert_not_null(strstr(r, "\r\nDate: "));
    cr_assert_null(strstr(r, "Connection: close"), "1.1 keeps the connection open");
}

Test(server, keeps_the_connection_alive_across_requests)
{
    int fd = th_connect(st.port, 2000);
    char buf[4096];
    for (int i = 0; i < 5; i++) {
        th_send_str(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "Hello, world!\n", 2000), 0,
                      "request %d on the same connection", i + 1);
    }
    close(fd);
}

Test(server, answers_pipelined_requests_in_order_even_when_one_waits)
{
    char *r = exchange("GET /sleep HTTP/1.1\r\nHost: t\r\n\r\n"
                       "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nfirst"
                       "GET / HTTP/1.1\r\nHost: t\r\n\r\n"
                       "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nConnection: close\r\n\r\nlast",
                       NULL);
    const char *a = strstr(r, "slept\n"), *b = strstr(r, "first"), *c = strstr(r, "Hello"),
               *d = strstr(r, "last");
    cr_assert(a && b && c && d && a < b && b < c && c < d, "out of order:\n%s", r);
    cr_assert_eq(count(r, "HTTP/1.1 200 OK"), 4);
}

Test(server, reads_length_and_chunked_bodies)
{
    char *r = exchange("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world",
                       "hello world");
    cr_assert_not_null(strstr(r, "Content-Length: 11\r\n"));
    r = exchange("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n",
                 "hello world");
    cr_assert_not_null(strstr(r, "Content-Length: 11\r\n"), "%s", r);
}

Test(server, sends_100_continue_before_the_body_arrives)
{
    int fd = th_connect(st.port, 2000);
    char buf[4096];
    th_send_str(fd, "PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "\r\n\r\n", 2000), 0);
    cr_assert_str_eq(buf, "HTTP/1.1 100 Continue\r\n\r\n");
    th_send_str(fd, "data");
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "data", 2000), 0);
    cr_assert_eq(strncmp(buf, "HTTP/1.1 200 OK", 15), 0);
    close(fd);
}

Test(server, head_gets_the_headers_of_get_without_the_body)
{
    int fd = th_connect(st.port, 2000);
    char buf[4096];
    th_send_str(fd, "HEAD / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n");
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "Hello, world!\n", 2000), 0);
    cr_assert_eq(count(buf, "Content-Length: 14"), 2, "%s", buf);
    cr_assert_eq(count(buf, "Hello, world!"), 1, "HEAD sent a body:\n%s", buf);
    close(fd);
}

Test(server, streams_flushed_writes_as_chunks)
{
    char *r = exchange("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n", "0\r\n\r\n");
    cr_assert_not_null(strstr(r, "Transfer-Encoding: chunked\r\n"), "%s", r);
    cr_assert_not_null(strstr(r, "\r\n\r\n7\r\npart 0\n\r\n7\r\npart 1\n\r\n7\r\npart 2\n\r\n0\r\n\r\n"),
                       "%s", r);
    r = exchange("GET /stream HTTP/1.0\r\n\r\n", NULL);
    cr_assert_null(strstr(r, "chunked"), "HTTP/1.0 has no chunks");
    cr_assert_not_null(strstr(r, "part 0\npart 1\npart 2\n"), "%s", r);
}

Test(server, gzips_large_text_when_the_client_accepts_it)
{
    static char packed[1 << 16];
    char *r = exchange("GET /big HTTP/1.1\r\nHost: t\r\nAccept-Encoding: deflate, gzip\r\n"
                       "Connection: close\r\n\r\n", NULL);
    cr_assert_not_null(strstr(r, "Content-Encoding: gzip\r\n"), "%.300s", r);
    cr_assert_not_null(strstr(r, "Vary: Accept-Encoding\r\n"));
    long len = atol(strstr(r, "Content-Length: ") + 16);
    char *body = strstr(r, "\r\n\r\n") + 4;
    cr_assert_lt(len, 33000 / 4, "compressed to %ld bytes", len);
    memcpy(packed, body, (size_t)len);
    static char plain[1 << 16];
    z_stream z = {0};
    inflateInit2(&z, 15 + 16);
    z.next_in = (Bytef *)packed;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)plain;
    z.avail_out = sizeof plain;
    cr_assert_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
    inflateEnd(&z);
    cr_assert_eq(z.total_out, 33000);
    cr_assert_eq(strncmp(plain, "line 0000 of a compressible body\n", 33), 0);

    r = exchange("GET /big HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", NULL);
    cr_assert_null(strstr(r, "gzip"), "not asked for");
    r = exchange("GET /big HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip;q=0\r\nConnection: close\r\n\r\n", NULL);
    cr_assert_null(strstr(r, "Content-Encoding"), "q=0 refuses gzip");
    r = exchange("GET / HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n", "Hello");
    cr_assert_null(strstr(r, "Content-Encoding"), "too small to be worth it");
}

Test(server, error_page_from_send_error)
{
    char *r = exchange("GET /missing HTTP/1.1\r\nHost: t\r\n\r\n", "</html>\n");
    cr_assert_eq(strncmp(r, "HTTP/1.1 404 Not Found\r\n", 24), 0);
    cr_assert_not_null(strstr(r, "404: no such page"));
}

Test(server, send_error_keeps_headers_set_on_purpose_and_drops_those_of_the_body)
{
    char *r = exchange("POST /refuse HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", "</html>\n");
    cr_assert_eq(strncmp(r, "HTTP/1.1 405 Method Not Allowed\r\n", 33), 0, "%s", r);
    const char *kept[] = {"\r\nAllow: POST\r\n", "\r\nWWW-Authenticate: Basic realm=\"t\"\r\n",
                          "\r\nRetry-After: 120\r\n", "\r\nSet-Cookie: seen=1\r\n"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        cr_assert_not_null(strstr(r, kept[i]), "%s missing:\n%s", kept[i], r);
    const char *dropped[] = {"application/json", "Content-Language", "Content-Range", "ETag",
                             "Last-Modified", "partial"};
    for (size_t i = 0; i < sizeof dropped / sizeof dropped[0]; i++)
        cr_assert_null(strstr(r, dropped[i]), "%s kept:\n%s", dropped[i], r);
    cr_assert_not_null(strstr(r, "\r\nContent-Type: text/html; charset=UTF-8\r\n"), "%s", r);
    const char *body = strstr(r, "\r\n\r\n") + 4;
    char length[64];
    snprintf(length, sizeof length, "\r\nContent-Length: %zu\r\n", strlen(body));
    cr_assert_not_null(strstr(r, length), "the page's own length:\n%s", r);
    cr_assert_eq(count(r, "Content-Type:"), 1, "%s", r);

    /* Content-Range stays on a 416 only, where it gives the size */
    r = exchange("GET /refuse?416 HTTP/1.1\r\nHost: t\r\n\r\n", "</html>\n");
    cr_assert_eq(strncmp(r, "HTTP/1.1 416 ", 13), 0, "%s", r);
    cr_assert_not_null(strstr(r, "\r\nContent-Range: bytes 0-6/99\r\n"), "%s", r);
    cr_assert_null(strstr(r, "ETag"), "%s", r);
}

Test(server, methods_are_case_sensitive_and_unknown_ones_get_501)
{
    int fd = th_connect(st.port, 2000);
    char buf[4096];
    const char *unknown[] = {"get", "FOOBAR", "Get", "post"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        char raw[128];
        snprintf(raw, sizeof raw, "%s / HTTP/1.1\r\nHost: t\r\n\r\n", unknown[i]);
        th_send_str(fd, raw);
        cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "</html>\n", 2000), 0, "%s", unknown[i]);
        cr_assert_eq(strncmp(buf, "HTTP/1.1 501 Not Implemented\r\n", 30), 0, "%s: %s",
                     unknown[i], buf);
        cr_assert_null(strstr(buf, "Hello"), "the request function ran for %s", unknown[i]);
    }
    /* the connection stays usable, and a body sent with one is skipped */
    th_send_str(fd, "FOOBAR /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
                    "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "Hello, world!\n", 2000), 0, "%s", buf);
    cr_assert_eq(strncmp(buf, "HTTP/1.1 501 ", 13), 0, "%s", buf);
    close(fd);
    const char *known[] = {"PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "POST"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        char raw[128];
        snprintf(raw, sizeof raw, "%s / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
                 known[i]);
        char *r = exchange(raw, "Hello, world!\n");
        cr_assert_eq(strncmp(r, "HTTP/1.1 200 ", 13), 0, "%s: %s", known[i], r);
    }
}

Test(server, a_target_longer_than_the_head_may_be_is_414)
{
    static char raw[24000];
    size_t n = (size_t)snprintf(raw, sizeof raw, "GET /");
    memset(raw + n, 'a', 20000); /* over max_line (8 KiB) and max_header_bytes (16 KiB) */
    snprintf(raw + n + 20000, sizeof raw - n - 20000, " HTTP/1.1\r\nHost: t\r\n\r\n");
    char *r = exchange(raw, NULL);
    cr_assert_eq(strncmp(r, "HTTP/1.1 414 URI Too Long\r\n", 27), 0, "%.200s", r);
}

static void any_method(eddy_server_config *c) { c->extension_methods = 1; }
static void start_any_method(void) { start(any_method); }

Test(server_any_method, extension_methods_reach_the_request_function, .init = start_any_method,
     .fini = stop, .timeout = 30)
{
    char *r = exchange("FOOBAR / HTTP/1.1\r\nHost: t\r\n\r\n", "Hello, world!\n");
    cr_assert_eq(strncmp(r, "HTTP/1.1 200 ", 13), 0, "%s", r);
    r = exchange("get / HTTP/1.1\r\nHost: t\r\n\r\n", "Hello, world!\n");
    cr_assert_eq(strncmp(r, "HTTP/1.1 200 ", 13), 0, "%s", r);
}

struct refusal {
    char raw[200];
    char status[40];
};

static struct refusal refusals[] = {
    {"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "400 Bad Request"},
    {"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "400 Bad Request"},
    {"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: +3\r\n\r\nabc", "400 Bad Request"},
    {"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n", "400 Bad Request"},
    {"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "501 Not Implemented"},
    {"GET / HTTP/1.1\r\nHost : t\r\n\r\n", "400 Bad Request"},
    {"GET / HTTP/1.1\r\n\r\n", "400 Bad Request"},
    {"GET / HTTP/2.0\r\nHost: t\r\n\r\n", "505 HTTP Version Not Supported"},
    {"GET /\x01 HTTP/1.1\r\nHost: t\r\n\r\n", "400 Bad Request"},
    {"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999\r\n\r\n", "413 Content Too Large"},
};

ParameterizedTestParameters(server, refuses_bad_requests_and_closes)
{
    return cr_make_param_array(struct refusal, refusals, sizeof refusals / sizeof refusals[0]);
}

ParameterizedTest(struct refusal *bad, server, refuses_bad_requests_and_closes)
{
    char *r = exchange(bad->raw, NULL); /* NULL: read until the server closes */
    char want[64];
    snprintf(want, sizeof want, "HTTP/1.1 %s\r\n", bad->status);
    cr_assert_eq(strncmp(r, want, strlen(want)), 0, "sent\n%s\ngot\n%s", bad->raw, r);
    cr_assert_not_null(strstr(r, "Connection: close\r\n"));
    /* and the server is still fine */
    exchange("GET / HTTP/1.1\r\nHost: t\r\n\r\n", "Hello, world!\n");
}

static void small_limits(eddy_server_config *c)
{
    c->max_line = 100;
    c->max_headers = 5;
    c->max_header_bytes = 400;
    c->max_body_bytes = 1000;
    c->header_timeout_ms = 300;
    c->idle_timeout_ms = 300;
    c->body_timeout_ms = 300;
}

static void start_small(void) { start(small_limits); }

TestSuite(server_limits, .init = start_small, .fini = stop, .timeout = 30);

Test(server_limits, answer_414_431_413)
{
    char raw[4096];
    snprintf(raw, sizeof raw, "GET /%0200d HTTP/1.1\r\nHost: t\r\n\r\n", 0);
    cr_assert_eq(strncmp(exchange(raw, NULL), "HTTP/1.1 414 URI Too Long", 25), 0);
    cr_assert_eq(strncmp(exchange("GET / HTTP/1.1\r\nHost: t\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n", NULL),
                         "HTTP/1.1 431", 12), 0);
    size_t n = (size_t)snprintf(raw, sizeof raw, "GET / HTTP/1.1\r\nHost: t\r\n");
    while (n < 600)
        n += (size_t)snprintf(raw + n, sizeof raw - n, "X-Long: %050d\r\n", 0);
    cr_assert_eq(strncmp(exchange(raw, NULL), "HTTP/1.1 431", 12), 0);
    n = (size_t)snprintf(raw, sizeof raw, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 4; i++)
        n += (size_t)snprintf(raw + n, sizeof raw - n, "190\r\n%0400d\r\n", 0);
    cr_assert_eq(strncmp(exchange(raw, NULL), "HTTP/1.1 413", 12), 0, "a chunked body over the limit");
}

Test(server_limits, slowloris_gets_408_and_is_closed)
{
    int fd = th_connect(st.port, 2000);
    long long t0 = th_now_ms();
    const char *head = "GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ";
    th_send_str(fd, head);
    char buf[4096];
    /* a byte every 100 ms keeps it alive only until the header timeout */
    int closed = 0;
    for (int i = 0; i < 30 && !closed; i++) {
        if (send(fd, "a", 1, MSG_NOSIGNAL) != 1)
            break;
        struct pollfd p = {fd, POLLIN, 0};
        closed = poll(&p, 1, 100) == 1;
    }
    ssize_t got = th_recv_until(fd, buf, sizeof buf, NULL, 2000);
    cr_assert_gt(got, 0);
    cr_assert_eq(strncmp(buf, "HTTP/1.1 408 Request Timeout", 28), 0, "%s", buf);
    cr_assert_lt(th_now_ms() - t0, 2000 + th_slack_ms(), "the trickle was cut off at the header timeout");
    close(fd);
}

/* get_on - GET path on the open connection fd: whether the answer holds
 * expect within ms. */
static bool get_on(int fd, const char *path, const char *expect, long ms)
{
    char req[128], buf[4096];
    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
    th_send_str(fd, req);
    return th_recv_until(fd, buf, sizeof buf, expect, ms) >= 0;
}

Test(server_limits, idle_keep_alive_connections_are_closed)
{
    int fd = th_connect(st.port, 2000);
    cr_assert(get_on(fd, "/", "Hello", 2000));
    cr_assert(th_closed_within(fd, 2000), "idle for longer than idle_timeout, still open");
    close(fd);
}

/* The idle timeout is left pending while a request is handled and
 * while it is shorter than needed (server_conn.c's arm): it must still
 * count from the last response, and never cut a handler short. */
Test(server_limits, the_idle_timeout_counts_from_the_last_response)
{
    int fd = th_connect(st.port, 2000);
    cr_assert(get_on(fd, "/", "Hello", 2000));
    /* the timeout pending since this request came fires 150 ms after its answer */
    cr_assert(get_on(fd, "/brief", "brief", 2000));
    long long t0 = th_now_ms();
    cr_assert(th_closed_within(fd, 2000 + th_slack_ms()), "idle for longer than idle_timeout, still open");
    long long idle = th_now_ms() - t0;
    cr_assert_geq(idle, 280, "closed %lld ms after its last response: the idle timeout is 300", idle);
    close(fd);
}

Test(server_limits, a_handler_may_outlast_the_idle_and_header_timeouts)
{
    int fd = th_connect(st.port, 2000);
    cr_assert(get_on(fd, "/", "Hello", 2000));
    cr_assert(get_on(fd, "/nap", "napped", 3000 + th_slack_ms()),
              "the connection was closed while its handler ran");
    cr_assert(get_on(fd, "/", "Hello", 2000), "not kept alive after it");
    close(fd);
}

Test(server_limits, body_that_never_comes_gets_408)
{
    char *r = exchange("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc", NULL);
    cr_assert_eq(strncmp(r, "HTTP/1.1 408", 12), 0, "%s", r);
}

Test(server, client_leaving_mid_body_or_mid_handler_costs_nothing)
{
    int fd = th_connect(st.port, 2000);
    th_send_str(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly part");
    close(fd);
    fd = th_connect(st.port, 2000);
    th_send_str(fd, "GET /long HTTP/1.1\r\nHost: t\r\n\r\n");
    usleep(100 * 1000);
    close(fd); /* the handler is waiting: it must be cancelled */
    for (int i = 0; i < 50 && srv.cancelled == 0; i++)
        usleep(20 * 1000);
    cr_assert_eq(srv.cancelled, 1, "the waiting handler was not told the client left");
    exchange("GET / HTTP/1.1\r\nHost: t\r\n\r\n", "Hello, world!\n");
}

/* hang_up_mid_response - ask for path, read a little of the answer, and
 * reset the connection while the server still has much to write. */
/* reset_close - close fd with a reset (SO_LINGER 0), as a client that
 * vanishes does. */
static void reset_close(int fd)
{
    struct linger reset = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close(fd);
}

static void hang_up_mid_response(const char *path)
{
    char req[128], buf[4096];
    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
    int fd = th_connect(st.port, 2000);
    cr_assert_geq(fd, 0);
    th_send_str(fd, req);
    cr_assert_gt(recv(fd, buf, sizeof buf, 0), 0, "no answer to %s", path);
    usleep(50 * 1000); /* the server is now waiting for us to read more */
    reset_close(fd);
}

/* A client that resets right after asking: the handler's first write
 * meets a dead connection before its task has ever waited. The
 * connection must be left to the task to free (ASan and valgrind watch
 * this test: it was freed under the running handler). */
Test(server, a_client_gone_before_its_answer_is_written_leaves_the_server_well)
{
    for (int i = 0; i < 5; i++) {
        int fd = th_connect(st.port, 2000);
        cr_assert_geq(fd, 0);
        th_send_str(fd, "GET /huge HTTP/1.1\r\nHost: t\r\n\r\n");
        reset_close(fd);
    }
    usleep(100 * 1000);
    exchange("GET / HTTP/1.1\r\nHost: t\r\n\r\n", "Hello, world!\n");
}

Test(server, a_client_that_hangs_up_mid_response_leaves_the_server_well)
{
    /* Once with the body left to the loop after the handler returned, once
     * while the handler streams it: the write that fails must not touch
     * the connection it has just closed (ASan watches this test). */
    for (int i = 0; i < 3; i++) {
        hang_up_mid_response("/buffered");
        hang_up_mid_response("/huge");
    }
    usleep(100 * 1000);
    exchange("GET / HTTP/1.1\r\nHost: t\r\n\r\n", "Hello, world!\n");
}

Test(server, slow_reader_of_a_huge_response_does_not_stall_others)
{
    /* 8 MiB is more than the kernel buffers hold: while this client
     * reads nothing, the handler must wait in eddy_flush. */
    int slow = th_connect(st.port, 2000);
    th_send_str(slow, "GET /huge HTTP/1.1\r\nHost: t\r\n\r\n");
    usleep(100 * 1000);
    long long t0 = th_now_ms();
    exchange("GET / HTTP/1.1\r\nHost: t\r\n\r\n", "Hello, world!\n");
    cr_assert_lt(th_now_ms() - t0, 1000 + th_slack_ms());
    /* now read it all: 8 MiB arrive intact */
    static char buf[1 << 16];
    size_t total = 0;
    long long deadline = th_now_ms() + 10000;
    while (th_now_ms() < deadline) {
        ssize_t n = recv(slow, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        total += (size_t)n;
        if (total > 8 * 1024 * 1024 + 1000 && memmem(buf, (size_t)n, "0\r\n\r\n", 5))
            break;
    }
    cr_assert_gt(total, 8u * 1024 * 1024, "got %zu bytes", total);
    close(slow);
}

Test(server, a_large_finished_body_arrives_whole_and_before_the_next_pipelined_answer)
{
    /* 4 MiB finished at once goes out with its head straight away; the
     * socket takes part of it while this client sleeps, the rest waits
     * in the output, and the pipelined request after it is answered
     * after its last byte. */
    int fd = th_connect(st.port, 2000);
    cr_assert_geq(fd, 0);
    th_send_str(fd, "GET /counted HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n");
    usleep(200 * 1000);
    enum { BODY = 4 << 20 };
    size_t cap = BODY + 4096, got = 0;
    char *all = malloc(cap + 1);
    cr_assert_not_null(all);
    long long deadline = th_now_ms() + 10000;
    while (got < cap && th_now_ms() < deadline) {
        ssize_t n = recv(fd, all + got, cap - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        all[got] = '\0';
        if (got > BODY && strstr(all + BODY, "Hello, world!\n"))
            break;
    }
    close(fd);
    all[got] = '\0';
    cr_assert(strstr(all, "Content-Length: 4194304\r\n"), "%.200s", all);
    char *body = strstr(all, "\r\n\r\n");
    cr_assert_not_null(body);
    body += 4;
    cr_assert_geq(got - (size_t)(body - all), (size_t)BODY, "got %zu bytes", got);
    char want[17];
    for (int i = 0; i < BODY / 16; i++) {
        snprintf(want, sizeof want, "%015d\n", i);
        if (memcmp(body + (size_t)i * 16, want, 16) != 0)
            cr_assert_fail("line %d of the body is \"%.15s\"", i, body + (size_t)i * 16);
    }
    cr_assert(strncmp(body + BODY, "HTTP/1.1 200 OK\r\n", 17) == 0, "%.80s", body + BODY);
    cr_assert(strstr(body + BODY, "\r\n\r\nHello, world!\n"));
    free(all);
}

Test(server, serves_a_thousand_concurrent_connections, .timeout = 60)
{
    enum { N = 1000 };
    static int fds[N];
    for (int i = 0; i < N; i++) {
        fds[i] = th_connect(st.port, 5000);
        cr_assert_geq(fds[i], 0, "connection %d", i);
    }
    for (int i = 0; i < N; i++)
        th_send_str(fds[i], "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    char buf[1024];
    for (int i = 0; i < N; i++) {
        cr_assert_geq(th_recv_until(fds[i], buf, sizeof buf, "Hello, world!\n", 5000), 0,
                      "connection %d got no answer", i);
        close(fds[i]);
    }
}

static void two_connections(eddy_server_config *c) { c->max_connections = 2; }
static void start_two(void) { start(two_connections); }

TestSuite(server_two, .init = start_two, .fini = stop, .timeout = 30);

Test(server_two, max_connections_holds_the_rest_in_the_backlog)
{
    int a = th_connect(st.port, 2000), b = th_connect(st.port, 2000);
    char buf[1024];
    th_send_str(a, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    cr_assert_geq(th_recv_until(a, buf, sizeof buf, "Hello", 2000), 0);
    th_send_str(b, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    cr_assert_geq(th_recv_until(b, buf, sizeof buf, "Hello", 2000), 0);
    int c = th_connect(st.port, 2000); /* the kernel accepts it into the backlog */
    th_send_str(c, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    cr_assert_lt(th_recv_until(c, buf, sizeof buf, "Hello", 300), 0, "a third was served");
    close(a);
    cr_assert_geq(th_recv_until(c, buf, sizeof buf, "Hello", 2000), 0, "served once one left");
    close(b);
    close(c);
}

Test(server, http_1_0_closes_unless_asked_to_keep_alive)
{
    char *r = exchange("GET / HTTP/1.0\r\n\r\n", NULL);
    cr_assert_not_null(strstr(r, "Connection: close"), "%s", r);
    int fd = th_connect(st.port, 2000);
    char buf[1024];
    th_send_str(fd, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "Hello", 2000), 0);
    cr_assert_not_null(strstr(buf, "Connection: keep-alive\r\n"));
    cr_assert_eq(th_closed_within(fd, 300), 0);
    close(fd);
}

Test(server, graceful_stop_finishes_requests_in_flight)
{
    int busy = th_connect(st.port, 2000), idle = th_connect(st.port, 2000);
    char buf[1024];
    th_send_str(idle, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    cr_assert_geq(th_recv_until(idle, buf, sizeof buf, "Hello", 2000), 0);
    th_send_str(busy, "GET /sleep HTTP/1.1\r\nHost: t\r\n\r\n");
    usleep(50 * 1000);
    serve_thread_request_stop(&st);
    cr_assert(th_closed_within(idle, 1000), "the idle connection stays open after stop");
    cr_assert_geq(th_recv_until(busy, buf, sizeof buf, "slept\n", 3000), 0,
                  "the request in flight was not finished");
    cr_assert_not_null(strstr(buf, "Connection: close\r\n"), "%s", buf);
    serve_thread_stop(&st);
    cr_assert_eq(srv.finished_sleeps, 1);
    cr_assert_eq(st.connections_left, 0);
    cr_assert_lt(th_connect(st.port, 500), 0, "still accepting after stop");
    close(busy);
    close(idle);
}

/* ------------------------------------------------------------ processes */

static void pid_handler(eddy_req *r, void *arg)
{
    (void)arg;
    eddy_writef(r, "pid=%d\n", (int)getpid());
}

/* ask_pid - the pid of the worker that answers a new connection, or 0. */
static int ask_pid(int port)
{
    int fd = th_connect(port, 500);
    if (fd < 0)
        return 0;
    char buf[1024];
    th_send_str(fd, "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    ssize_t n = th_recv_until(fd, buf, sizeof buf, NULL, 2000);
    close(fd);
    const char *p = n > 0 ? strstr(buf, "pid=") : NULL;
    return p ? atoi(p + 4) : 0;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    bind(fd, (struct sockaddr *)&sa, sizeof sa);
    getsockname(fd, (struct sockaddr *)&sa, &len);
    close(fd);
    return ntohs(sa.sin_port);
}

Test(processes, workers_share_a_port_are_restarted_and_stop_together, .timeout = 60)
{
    int port = free_port();
    pid_t parent = fork();
    cr_assert_geq(parent, 0);
    if (parent == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        eddy_log_set_level(EDDY_LOG_ERROR);
        int worker = eddy_fork_processes(2);
        if (worker == EDDY_FORK_PARENT_DONE)
            _exit(0); /* the supervisor returns once every worker is gone */
        if (worker < 0 || worker > 1)
            _exit(4);
        eddy_server_config cfg;
        eddy_server_config_defaults(&cfg);
        cfg.port = port;
        cfg.reuse_port = 1;
        cfg.access_log = 0;
        eddy_server *s = eddy_server_new(&cfg, pid_handler, NULL);
        if (eddy_server_listen(s) < 0)
            _exit(3);
        eddy_server_run(s);
        eddy_server_free(s);
        eddy_loop_free();
        _exit(0);
    }

    int seen[64] = {0}, nseen = 0;
    long long deadline = th_now_ms() + 10000;
    while (nseen < 2 && th_now_ms() < deadline) {
        int pid = ask_pid(port);
        int known = 0;
        for (int i = 0; i < nseen; i++)
            known |= seen[i] == pid;
        if (pid && !known)
            seen[nseen++] = pid;
        if (!pid)
            usleep(20000);
    }
    cr_assert_eq(nseen, 2, "two workers answer on one port (saw %d)", nseen);

    cr_assert_eq(kill(seen[0], SIGKILL), 0);
    int restarted = 0;
    deadline = th_now_ms() + 10000;
    while (!restarted && th_now_ms() < deadline) {
        int pid = ask_pid(port);
        restarted = pid && pid != seen[0] && pid != seen[1];
        if (pid && !restarted)
            usleep(10000);
    }
    cr_assert(restarted, "no new worker answered after one was killed");

    cr_assert_eq(kill(parent, SIGTERM), 0);
    int status = 0;
    deadline = th_now_ms() + 10000;
    while (waitpid(parent, &status, WNOHANG) == 0 && th_now_ms() < deadline)
        usleep(20000);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "parent status %#x", status);
    cr_assert_eq(ask_pid(port), 0, "a worker still answers after SIGTERM");
    cr_assert(kill(seen[1], 0) < 0, "worker %d outlived the parent", seen[1]);
}

Test(server, stop_under_load_finishes_every_request_in_flight)
{
    enum { N = 50 };
    int fds[N];
    for (int i = 0; i < N; i++) {
        fds[i] = th_connect(st.port, 2000);
        cr_assert_geq(fds[i], 0);
        th_send_str(fds[i], "GET /sleep HTTP/1.1\r\nHost: t\r\n\r\n");
    }
    usleep(100 * 1000); /* every request is now waiting in its handler */
    serve_thread_request_stop(&st);
    char buf[1024];
    for (int i = 0; i < N; i++) {
        cr_assert_geq(th_recv_until(fds[i], buf, sizeof buf, "slept\n", 5000), 0,
                      "request %d in flight was dropped by the stop", i);
        cr_assert_not_null(strstr(buf, "Connection: close\r\n"));
        cr_assert(th_closed_within(fds[i], 2000));
        close(fds[i]);
    }
    serve_thread_stop(&st);
    cr_assert_eq(srv.finished_sleeps, N);
    cr_assert_eq(srv.cancelled, 0);
}
