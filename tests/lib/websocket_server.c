/*
 * Tests for lib/web/websocket (the server side) against clients nobody
 * here wrote: Python's websockets, Tornado's websocket_connect and Node's
 * ws, each run as a child process that prints what it saw. Frames no
 * polite client sends (unmasked, bad UTF-8, a reserved opcode) are
 * written by hand on a raw socket, and what comes back is read the same
 * way: the close frame's code is what a peer sees.
 */
#include "harness.h"
#include "serve_thread.h"

#include <criterion/criterion.h>
#include <eddy/eddy.h>
#include <eddy/web/websocket.h>

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static serve_thread srv;
static eddy_app *app;
static atomic_int last_close_code, closes, slow_send_result;

/* ------------------------------------------------------------ the app */

static void echo_message(eddy_ws *ws, const char *data, size_t len, int binary)
{
    eddy_ws_send(ws, data, len, binary);
}

static void bye_or_echo(eddy_ws *ws, const char *data, size_t len, int binary)
{
    if (len == 3 && memcmp(data, "bye", 3) == 0)
        eddy_ws_close(ws, 4002, "server says bye");
    else
        eddy_ws_send(ws, data, len, binary);
}

static void record_close(eddy_ws *ws, int code, const char *reason)
{
    (void)ws;
    (void)reason;
    atomic_store(&last_close_code, code);
    atomic_fetch_add(&closes, 1);
}

static void greet(eddy_ws *ws, eddy_req *r)
{
    const char *who = eddy_path_arg(r, 1);
    char hello[64];
    snprintf(hello, sizeof hello, "welcome %s", who ? who : "?");
    eddy_ws_send_text(ws, hello);
}

static const char *pick_chat(eddy_req *r, const char *const *offered, size_t count)
{
    (void)r;
    for (size_t i = 0; i < count; i++)
        if (strcmp(offered[i], "chat") == 0)
            return offered[i];
    return NULL;
}

static int allow_example(eddy_req *r, const char *origin)
{
    (void)r;
    return strcmp(origin, "https://allowed.example") == 0;
}

/* run-mode echo: a task reading in a loop */
static void run_echo(eddy_ws *ws)
{
    eddy_ws_message m;
    while (eddy_ws_read(ws, &m, -1) == 0) {
        char reply[256];
        int n = snprintf(reply, sizeof reply, "task read: %.*s", (int)m.len, m.data);
        eddy_ws_send(ws, reply, (size_t)n, 0);
    }
}

/* slow: "flood" sends until the queue's policy says stop */
static void flood(eddy_ws *ws, const char *data, size_t len, int binary)
{
    (void)binary;
    if (len != 5 || memcmp(data, "flood", 5) != 0)
        return;
    static char chunk[16384];
    memset(chunk, 'z', sizeof chunk);
    int rc = 0;
    for (int i = 0; i < 4096 && rc == 0; i++) /* 64 MiB at most: far past any socket buffer */
        rc = eddy_ws_send(ws, chunk, sizeof chunk, 1);
    atomic_store(&slow_send_result, rc);
}

static eddy_ws_handler echo_h = {.on_message = echo_message, .on_close = record_close};
static eddy_ws_handler bye_h = {.on_message = bye_or_echo, .on_close = record_close};
static eddy_ws_handler greet_h = {.on_open = greet, .on_message = echo_message};
static eddy_ws_handler deflate_h = {.on_message = echo_message, .options = {.compression = 1}};
static eddy_ws_handler deflate_ctx_h = {
    .on_message = echo_message, .options = {.compression = 1, .deflate = {.context_takeover = 1}}};
static eddy_ws_handler proto_h = {.select_subprotocol = pick_chat, .on_message = echo_message};
static eddy_ws_handler origin_h = {.check_origin = allow_example, .on_message = echo_message};
static eddy_ws_handler small_h = {
    .on_message = echo_message, .on_close = record_close, .options = {.max_message_bytes = 1000}};
static eddy_ws_handler run_h = {.run = run_echo};
static eddy_ws_handler slow_close_h = {
    .on_message = flood,
    .on_close = record_close,
    .options = {.max_queued_bytes = 64 * 1024, .slow_reader = EDDY_WS_CLOSE_SLOW}};
static eddy_ws_handler slow_drop_h = {
    .on_message = flood,
    .options = {.max_queued_bytes = 64 * 1024, .slow_reader = EDDY_WS_DROP_NEW}};
static eddy_ws_handler ping_h = {.on_message = echo_message,
                                 .on_close = record_close,
                                 .options = {.ping_interval_ms = 200, .ping_timeout_ms = 300}};

static void setup(void)
{
    app = eddy_app_new();
    cr_assert(eddy_ws_route(app, "/echo", &echo_h, NULL) == 0);
    cr_assert(eddy_ws_route(app, "/bye", &bye_h, NULL) == 0);
    cr_assert(eddy_ws_route(app, "/greet/([a-z]+)", &greet_h, NULL) == 0);
    cr_assert(eddy_ws_route(app, "/deflate", &deflate_h, NULL) == 0);
    cr_assert(eddy_ws_route(app, "/deflate-ctx", &deflate_ctx_h, NULL) == 0);
    cr_assert(eddy_ws_route(app, "/proto", &proto_h, NULL) == 0);
    cr_assert(eddy_ws_route(app, "/origin", &origin_h, NULL) == 0);
    cr_assert(eddy_ws_route(app, "/small", &small_h, NULL) == 0);
    cr_assert(eddy_ws_route(app, "/run", &run_h, NULL) == 0);
    cr_assert(eddy_ws_route(app, "/slow-close", &slow_close_h, NULL) == 0);
    cr_assert(eddy_ws_route(app, "/slow-drop", &slow_drop_h, NULL) == 0);
    cr_assert(eddy_ws_route(app, "/ping", &ping_h, NULL) == 0);
    serve_thread_init(&srv);
    srv.app = app;
    cr_assert(serve_thread_start(&srv) == 0, "the server did not start");
    atomic_store(&last_close_code, 0);
    atomic_store(&closes, 0);
}

static void teardown(void)
{
    serve_thread_stop(&srv);
    eddy_app_free(app);
}

/* wait_closes - until on_close has run n times (the server's thread
 * runs it after the client has gone; 5 s at most). */
static int wait_closes(int n)
{
    for (int i = 0; i < 500 && atomic_load(&closes) < n; i++)
        usleep(10000);
    return atomic_load(&closes) >= n;
}

/* ------------------------------------------------------------ peers */

static const char *url(const char *path)
{
    static char buf[4][128];
    static int n;
    char *b = buf[n++ % 4];
    snprintf(b, sizeof buf[0], "ws://127.0.0.1:%d%s", srv.port, path);
    return b;
}

static void need_python_module(const char *module, const char *package)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import %s' 2>/dev/null", module);
    if (access("/usr/bin/python3", X_OK) != 0 || system(cmd) != 0)
        cr_skip("%s is not installed (Debian package %s): skipping this peer test", module,
                package);
}

/* python - run ws_peers.py with args; its output (the test fails if it fails). */
static char *python(const char *peer, const char *mode, const char *u, const char *extra)
{
    static char *output;
    free(output);
    output = NULL;
    char *argv[] = {"/usr/bin/python3",
                    TEST_SOURCE_DIR "/tests/fixtures/ws_peers.py",
                    (char *)peer,
                    (char *)mode,
                    (char *)u,
                    (char *)extra,
                    NULL};
    int status = th_run(argv, 20000, &output);
    cr_assert_eq(status, 0, "ws_peers.py %s %s failed:\n%s", peer, mode, output ? output : "");
    return output;
}

static int have_node_ws(void)
{
    return access("/usr/bin/node", X_OK) == 0 &&
           access(TEST_SOURCE_DIR "/tests/fixtures/ws_node/node_modules/ws/package.json", R_OK) ==
               0;
}

static char *node(const char *mode, const char *u)
{
    static char *output;
    free(output);
    output = NULL;
    char *argv[] = {"/usr/bin/node", TEST_SOURCE_DIR "/tests/fixtures/ws_node/peer.js",
                    (char *)mode, (char *)u, NULL};
    int status = th_run(argv, 20000, &output);
    cr_assert_eq(status, 0, "peer.js %s failed:\n%s", mode, output ? output : "");
    return output;
}

/* ------------------------------------------------------------ raw frames */

/* raw_open - a handshake by hand; the connection after the 101, or -1. */
static int raw_open(const char *path, const char *extra, char *head, size_t cap)
{
    int fd = th_connect(srv.port, 2000);
    if (fd < 0)
        return -1;
    char req[512];
    snprintf(req, sizeof req,
             "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             "Sec-WebSocket-Version: 13\r\n%s\r\n",
             path, srv.port, extra ? extra : "");
    th_send_str(fd, req);
    size_t n = 0;
    while (n + 1 < cap) { /* byte by byte: not a byte of the first frame is taken */
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 5000) <= 0 || recv(fd, head + n, 1, 0) != 1)
            break;
        head[++n] = '\0';
        if (n >= 4 && memcmp(head + n - 4, "\r\n\r\n", 4) == 0)
            return fd;
    }
    head[n] = '\0';
    close(fd);
    return -1;
}

static void raw_frame(int fd, int fin, int opcode, const void *payload, size_t len, int masked)
{
    eddy_buf b = EDDY_BUF_INIT;
    static const uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
    eddy_ws_frame_append(&b, fin, 0, opcode, payload, len, masked ? mask : NULL);
    th_send(fd, b.data, b.len);
    eddy_buf_free(&b);
}

static int read_exact(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 5000) <= 0)
            return -1;
        ssize_t n = recv(fd, buf + got, len - got, 0);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

/* raw_read - the next frame from the server: its opcode, payload in buf
 * (NUL-terminated), length in *len; -1 on EOF or after 5 s. */
static int raw_read(int fd, uint8_t *buf, size_t cap, size_t *len)
{
    uint8_t h[10];
    if (read_exact(fd, h, 2) < 0)
        return -1;
    cr_assert_eq(h[1] & 0x80, 0, "a server's frame must not be masked");
    uint64_t n = h[1] & 0x7F;
    if (n == 126) {
        if (read_exact(fd, h + 2, 2) < 0)
            return -1;
        n = (uint64_t)h[2] << 8 | h[3];
    } else if (n == 127) {
        if (read_exact(fd, h + 2, 8) < 0)
            return -1;
        n = 0;
        for (int i = 0; i < 8; i++)
            n = n << 8 | h[2 + i];
    }
    cr_assert_lt(n, cap);
    if (read_exact(fd, buf, (size_t)n) < 0)
        return -1;
    buf[n] = '\0';
    *len = (size_t)n;
    return h[0] & 0x0F;
}

/* close_code_after - read frames until the server's close frame: its code. */
static int close_code_after(int fd)
{
    uint8_t buf[70000];
    size_t len;
    int op;
    while ((op = raw_read(fd, buf, sizeof buf, &len)) >= 0)
        if (op == EDDY_WS_CLOSE)
            return len >= 2 ? buf[0] << 8 | buf[1] : 1005;
    return -1;
}

TestSuite(websocket_server, .init = setup, .fini = teardown, .timeout = 60);

/* ------------------------------------------------------------ handshake */

Test(websocket_server, the_handshake_answers_101_with_the_accept_key)
{
    char head[1024];
    int fd = raw_open("/echo", NULL, head, sizeof head);
    cr_assert_geq(fd, 0, "no 101: %s", head);
    cr_assert(strstr(head, "HTTP/1.1 101 Switching Protocols\r\n"), "%s", head);
    /* RFC 6455's own example: this key gives this accept value */
    cr_assert(strstr(head, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), "%s", head);
    cr_assert(strstr(head, "Upgrade: websocket\r\n"));
    cr_assert_null(strstr(head, "Content-Length"));
    raw_frame(fd, 1, EDDY_WS_TEXT, "hi", 2, 1);
    uint8_t buf[64];
    size_t len;
    cr_assert_eq(raw_read(fd, buf, sizeof buf, &len), EDDY_WS_TEXT);
    cr_assert_str_eq((char *)buf, "hi");
    close(fd);
}

Test(websocket_server, requests_that_are_not_handshakes_are_refused)
{
    char *resp =
        serve_thread_ask(&srv, "GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    cr_assert(strncmp(resp, "HTTP/1.1 400 ", 13) == 0, "%s", resp);
    resp = serve_thread_ask(&srv, "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                  "Connection: Upgrade, close\r\nSec-WebSocket-Version: 8\r\n"
                                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    cr_assert(strncmp(resp, "HTTP/1.1 426 ", 13) == 0, "%s", resp);
    cr_assert(strstr(resp, "Sec-WebSocket-Version: 13\r\n"), "%s", resp);
    resp = serve_thread_ask(&srv, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                                  "Connection: close\r\n\r\n");
    cr_assert(strncmp(resp, "HTTP/1.1 405 ", 13) == 0, "%s", resp);
}

Test(websocket_server, frames_sent_with_the_handshake_are_not_lost)
{
    int fd = th_connect(srv.port, 2000);
    eddy_buf b = EDDY_BUF_INIT;
    eddy_buf_printf(&b, "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n");
    static const uint8_t mask[4] = {1, 2, 3, 4};
    eddy_ws_frame_append(&b, 1, 0, EDDY_WS_TEXT, "early", 5, mask);
    th_send(fd, b.data, b.len); /* one write: the frame arrives with the request */
    eddy_buf_free(&b);
    char head[1024];
    size_t n = 0;
    while (n < 4 || memcmp(head + n - 4, "\r\n\r\n", 4) != 0)
        cr_assert_eq(read_exact(fd, (uint8_t *)head + n++, 1), 0);
    uint8_t buf[64];
    size_t len;
    cr_assert_eq(raw_read(fd, buf, sizeof buf, &len), EDDY_WS_TEXT);
    cr_assert_str_eq((char *)buf, "early");
    close(fd);
}

Test(websocket_server, many_frames_in_one_write_are_answered_in_order)
{
    /* Small echoes, a pong, an echo too big to wait with the others and
     * the close, all asked for by one write: each answer in its place. */
    char head[1024];
    int fd = raw_open("/echo", NULL, head, sizeof head);
    cr_assert_geq(fd, 0);
    static char big[20000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + i % 26);
    static const uint8_t mask[4] = {9, 8, 7, 6};
    uint8_t close_payload[2] = {1000 >> 8, 1000 & 0xFF};
    eddy_buf b = EDDY_BUF_INIT;
    eddy_ws_frame_append(&b, 1, 0, EDDY_WS_TEXT, "first", 5, mask);
    eddy_ws_frame_append(&b, 1, 0, EDDY_WS_PING, "p", 1, mask);
    eddy_ws_frame_append(&b, 1, 0, EDDY_WS_TEXT, "second", 6, mask);
    eddy_ws_frame_append(&b, 1, 0, EDDY_WS_BINARY, big, sizeof big, mask);
    eddy_ws_frame_append(&b, 1, 0, EDDY_WS_TEXT, "third", 5, mask);
    eddy_ws_frame_append(&b, 1, 0, EDDY_WS_CLOSE, close_payload, 2, mask);
    th_send(fd, b.data, b.len);
    eddy_buf_free(&b);
    static uint8_t buf[sizeof big + 1];
    size_t len;
    cr_assert_eq(raw_read(fd, buf, sizeof buf, &len), EDDY_WS_TEXT);
    cr_assert_str_eq((char *)buf, "first");
    cr_assert_eq(raw_read(fd, buf, sizeof buf, &len), EDDY_WS_PONG);
    cr_assert_str_eq((char *)buf, "p");
    cr_assert_eq(raw_read(fd, buf, sizeof buf, &len), EDDY_WS_TEXT);
    cr_assert_str_eq((char *)buf, "second");
    cr_assert_eq(raw_read(fd, buf, sizeof buf, &len), EDDY_WS_BINARY);
    cr_assert_eq(len, sizeof big);
    cr_assert_eq(memcmp(buf, big, sizeof big), 0);
    cr_assert_eq(raw_read(fd, buf, sizeof buf, &len), EDDY_WS_TEXT);
    cr_assert_str_eq((char *)buf, "third");
    cr_assert_eq(raw_read(fd, buf, sizeof buf, &len), EDDY_WS_CLOSE);
    cr_assert_eq(len, 2);
    cr_assert_eq(buf[0] << 8 | buf[1], 1000);
    close(fd);
}

Test(websocket_server, a_burst_of_big_messages_over_several_reads_comes_back_whole)
{
    /* More than one read of the server's takes (its buffer is 256 KiB):
     * big binary messages, some cut between two reads, echoed with small
     * texts in between; each answer whole, byte for byte, in its place. */
    char head[1024];
    int fd = raw_open("/echo", NULL, head, sizeof head);
    cr_assert_geq(fd, 0);
    enum { COUNT = 36, BIG = 16384 };
    static char payload[COUNT][BIG + COUNT * 37];
    static const uint8_t mask[4] = {3, 1, 4, 1};
    eddy_buf b = EDDY_BUF_INIT;
    for (int m = 0; m < COUNT; m++) {
        size_t len = m % 3 == 2 ? 9 : BIG + (size_t)m * 37;
        for (size_t i = 0; i < len; i++)
            payload[m][i] = (char)('a' + (i * 7 + (size_t)m) % 26);
        eddy_ws_frame_append(&b, 1, 0, m % 3 == 2 ? EDDY_WS_TEXT : EDDY_WS_BINARY, payload[m], len, mask);
    }
    cr_assert_gt(b.len, 256 * 1024);
    th_send(fd, b.data, b.len);
    eddy_buf_free(&b);
    static uint8_t buf[BIG + COUNT * 37 + 1];
    for (int m = 0; m < COUNT; m++) {
        size_t len, want = m % 3 == 2 ? 9 : BIG + (size_t)m * 37;
        cr_assert_eq(raw_read(fd, buf, sizeof buf, &len), m % 3 == 2 ? EDDY_WS_TEXT : EDDY_WS_BINARY,
                     "message %d", m);
        cr_assert_eq(len, want, "message %d", m);
        cr_assert_eq(memcmp(buf, payload[m], want), 0, "message %d", m);
    }
    close(fd);
}

/* ------------------------------------------------------------ protocol violations */

Test(websocket_server, an_unmasked_client_frame_is_a_protocol_error)
{
    char head[1024];
    int fd = raw_open("/echo", NULL, head, sizeof head);
    cr_assert_geq(fd, 0);
    raw_frame(fd, 1, EDDY_WS_TEXT, "naked", 5, 0);
    cr_assert_eq(close_code_after(fd), 1002);
    close(fd);
}

Test(websocket_server, bad_utf8_closes_with_1007_even_across_fragments)
{
    char head[1024];
    int fd = raw_open("/echo", NULL, head, sizeof head);
    cr_assert_geq(fd, 0);
    raw_frame(fd, 0, EDDY_WS_TEXT, "caf\xc3", 4, 1); /* a character cut in two: fine so far */
    raw_frame(fd, 1, EDDY_WS_CONTINUATION, "\xa9 ok", 4, 1);
    uint8_t buf[64];
    size_t len;
    cr_assert_eq(raw_read(fd, buf, sizeof buf, &len), EDDY_WS_TEXT);
    cr_assert_str_eq((char *)buf, "caf\xc3\xa9 ok");
    raw_frame(fd, 1, EDDY_WS_TEXT, "\xed\xa0\x80", 3, 1); /* a surrogate */
    cr_assert_eq(close_code_after(fd), 1007);
    close(fd);
}

Test(websocket_server, control_frames_between_fragments_and_bad_sequences)
{
    char head[1024];
    int fd = raw_open("/echo", NULL, head, sizeof head);
    cr_assert_geq(fd, 0);
    raw_frame(fd, 0, EDDY_WS_TEXT, "one ", 4, 1);
    raw_frame(fd, 1, EDDY_WS_PING, "p", 1, 1);
    raw_frame(fd, 1, EDDY_WS_CONTINUATION, "two", 3, 1);
    uint8_t buf[64];
    size_t len;
    cr_assert_eq(raw_read(fd, buf, sizeof buf, &len), EDDY_WS_PONG);
    cr_assert_str_eq((char *)buf, "p");
    cr_assert_eq(raw_read(fd, buf, sizeof buf, &len), EDDY_WS_TEXT);
    cr_assert_str_eq((char *)buf, "one two");
    raw_frame(fd, 1, EDDY_WS_CONTINUATION, "stray", 5, 1);
    cr_assert_eq(close_code_after(fd), 1002);
    close(fd);

    fd = raw_open("/echo", NULL, head, sizeof head);
    raw_frame(fd, 1, 0x3, "", 0, 1); /* a reserved opcode */
    cr_assert_eq(close_code_after(fd), 1002);
    close(fd);

    fd = raw_open("/echo", NULL, head, sizeof head);
    char big[200];
    memset(big, 'p', sizeof big);
    raw_frame(fd, 1, EDDY_WS_PING, big, sizeof big, 1); /* control frames carry <= 125 */
    cr_assert_eq(close_code_after(fd), 1002);
    close(fd);
}

Test(websocket_server, the_close_handshake_echoes_the_code)
{
    char head[1024];
    int fd = raw_open("/echo", NULL, head, sizeof head);
    cr_assert_geq(fd, 0);
    uint8_t payload[EDDY_WS_MAX_CONTROL];
    size_t n = eddy_ws_close_payload(payload, 4321, "done here");
    raw_frame(fd, 1, EDDY_WS_CLOSE, payload, n, 1);
    cr_assert_eq(close_code_after(fd), 4321);
    cr_assert_eq(th_closed_within(fd, 5000), 1, "the server closes the TCP connection first");
    close(fd);
    cr_assert(wait_closes(1));
    cr_assert_eq(atomic_load(&last_close_code), 4321);

    fd = raw_open("/echo", NULL, head, sizeof head);
    n = eddy_ws_close_payload(payload, 1005, ""); /* a code no one may send */
    raw_frame(fd, 1, EDDY_WS_CLOSE, payload, n, 1);
    cr_assert_eq(close_code_after(fd), 1002);
    close(fd);
}

Test(websocket_server, the_server_starts_a_close_and_waits_for_the_answer)
{
    char head[1024];
    int fd = raw_open("/bye", NULL, head, sizeof head);
    cr_assert_geq(fd, 0);
    raw_frame(fd, 1, EDDY_WS_TEXT, "bye", 3, 1);
    uint8_t buf[200];
    size_t len;
    cr_assert_eq(raw_read(fd, buf, sizeof buf, &len), EDDY_WS_CLOSE);
    cr_assert_eq(buf[0] << 8 | buf[1], 4002);
    cr_assert_str_eq((char *)buf + 2, "server says bye");
    raw_frame(fd, 1, EDDY_WS_TEXT, "late", 4, 1); /* after its close: not answered */
    uint8_t payload[EDDY_WS_MAX_CONTROL];
    raw_frame(fd, 1, EDDY_WS_CLOSE, payload, eddy_ws_close_payload(payload, 4002, ""), 1);
    cr_assert_eq(raw_read(fd, buf, sizeof buf, &len), -1, "nothing more, then the end");
    close(fd);
    cr_assert(wait_closes(1));
    cr_assert_eq(atomic_load(&last_close_code), 4002);
}

Test(websocket_server, a_message_over_the_limit_closes_with_1009)
{
    need_python_module("websockets", "python3-websockets");
    char *out = python("websockets", "send", url("/small"), "1000");
    cr_assert(strstr(out, "echoed\nclosed 1000\n"), "%s", out);
    out = python("websockets", "send", url("/small"), "1001");
    cr_assert(strstr(out, "closed 1009\n"), "%s", out);
}

/* ------------------------------------------------------------ peers */

Test(websocket_server, python_websockets_echo_fragments_ping_close)
{
    need_python_module("websockets", "python3-websockets");
    char *out = python("websockets", "echo", url("/echo"), NULL);
    cr_assert(strstr(out, "text hello\n"), "%s", out);
    cr_assert(strstr(out, "binary 0001feff\n"), "%s", out);
    cr_assert(strstr(out, "fragmented fragmented \u2713\n"), "%s", out);
    cr_assert(strstr(out, "pong\n"), "%s", out);
    cr_assert(strstr(out, "closed 1000 bye\n"), "%s", out);
    cr_assert(wait_closes(1));
    cr_assert_eq(atomic_load(&last_close_code), 1000);
}

Test(websocket_server, python_websockets_negotiates_deflate)
{
    need_python_module("websockets", "python3-websockets");
    char *out = python("websockets", "deflate", url("/deflate"), NULL);
    cr_assert(strstr(out, "extensions permessage-deflate; server_no_context_takeover; "
                          "client_no_context_takeover\n"),
              "%s", out);
    cr_assert(strstr(out, "echo same 12400\necho same 12400\necho same 12400\n"), "%s", out);
    out = python("websockets", "deflate-bits", url("/deflate"), NULL);
    cr_assert(strstr(out, "extensions permessage-deflate; server_no_context_takeover; "
                          "client_no_context_takeover; server_max_window_bits=10\n"),
              "%s", out);
    cr_assert(strstr(out, "echo same 12400\necho same 12400\necho same 12400\n"), "%s", out);
    /* a server that allows context takeover: the window carries over */
    out = python("websockets", "deflate", url("/deflate-ctx"), NULL);
    cr_assert(strstr(out, "extensions permessage-deflate\n"), "%s", out);
    cr_assert(strstr(out, "echo same 12400\necho same 12400\necho same 12400\n"), "%s", out);
    /* without the option the offer is declined */
    out = python("websockets", "deflate", url("/echo"), NULL);
    cr_assert(strstr(out, "extensions None\n"), "%s", out);
    cr_assert(strstr(out, "echo same 12400\n"), "%s", out);
}

Test(websocket_server, subprotocol_origin_and_on_open)
{
    need_python_module("websockets", "python3-websockets");
    char *out = python("websockets", "subprotocol", url("/proto"), NULL);
    cr_assert(strstr(out, "subprotocol chat\n"), "%s", out);
    out = python("websockets", "subprotocol", url("/echo"), NULL);
    cr_assert(strstr(out, "subprotocol None\n"), "%s", out);
    out = python("websockets", "origin", url("/echo"), "https://evil.example");
    cr_assert(strstr(out, "status 403\n"), "%s", out);
    char same[64];
    snprintf(same, sizeof same, "http://127.0.0.1:%d", srv.port);
    out = python("websockets", "origin", url("/echo"), same);
    cr_assert(strstr(out, "status 101\n"), "%s", out);
    out = python("websockets", "origin", url("/origin"), "https://allowed.example");
    cr_assert(strstr(out, "status 101\n"), "%s", out);

    char head[1024];
    int fd = raw_open("/greet/ada", NULL, head, sizeof head);
    uint8_t buf[64];
    size_t len;
    cr_assert_eq(raw_read(fd, buf, sizeof buf, &len), EDDY_WS_TEXT);
    cr_assert_str_eq((char *)buf, "welcome ada");
    close(fd);
}

Test(websocket_server, tornado_client_echo_and_close)
{
    need_python_module("tornado", "python3-tornado");
    char *out = python("tornado", "echo", url("/echo"), NULL);
    cr_assert(strstr(out, "text hello tornado\nbinary 0102\nclosed 1000\n"), "%s", out);
}

Test(websocket_server, a_run_task_reads_in_a_loop)
{
    char head[1024];
    int fd = raw_open("/run", NULL, head, sizeof head);
    cr_assert_geq(fd, 0);
    uint8_t buf[300];
    size_t len;
    for (int i = 0; i < 3; i++) {
        char msg[16];
        snprintf(msg, sizeof msg, "m%d", i);
        raw_frame(fd, 1, EDDY_WS_TEXT, msg, strlen(msg), 1);
        cr_assert_eq(raw_read(fd, buf, sizeof buf, &len), EDDY_WS_TEXT);
        char want[32];
        snprintf(want, sizeof want, "task read: %s", msg);
        cr_assert_str_eq((char *)buf, want);
    }
    uint8_t payload[EDDY_WS_MAX_CONTROL];
    raw_frame(fd, 1, EDDY_WS_CLOSE, payload, eddy_ws_close_payload(payload, 1000, ""), 1);
    cr_assert_eq(close_code_after(fd), 1000);
    cr_assert_eq(th_closed_within(fd, 5000), 1, "the task ended and the server closed");
    close(fd);
}

/* ------------------------------------------------------------ slow readers, pings */

Test(websocket_server, a_slow_reader_is_closed_not_buffered)
{
    char head[1024];
    int fd = raw_open("/slow-close", NULL, head, sizeof head);
    cr_assert_geq(fd, 0);
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    raw_frame(fd, 1, EDDY_WS_TEXT, "flood", 5, 1);
    cr_assert(wait_closes(1), "the server kept a reader that does not read");
    cr_assert_eq(atomic_load(&slow_send_result), EPIPE);
    cr_assert_eq(atomic_load(&last_close_code), 1006);
    close(fd);
}

Test(websocket_server, a_slow_reader_can_have_messages_dropped_instead)
{
    char head[1024];
    int fd = raw_open("/slow-drop", NULL, head, sizeof head);
    cr_assert_geq(fd, 0);
    atomic_store(&slow_send_result, -1);
    raw_frame(fd, 1, EDDY_WS_TEXT, "flood", 5, 1);
    for (int i = 0; i < 500 && atomic_load(&slow_send_result) == -1; i++)
        usleep(10000);
    cr_assert_eq(atomic_load(&slow_send_result), EAGAIN);
    /* the connection is still usable: the frames that were queued arrive intact */
    uint8_t *buf = malloc(70000);
    size_t len, total = 0;
    int op;
    while (total < 16384 && (op = raw_read(fd, buf, 70000, &len)) == EDDY_WS_BINARY)
        total += len;
    cr_assert_geq(total, 16384);
    free(buf);
    close(fd);
}

Test(websocket_server, pings_go_out_and_a_silent_peer_is_dropped)
{
    char head[1024];
    int fd = raw_open("/ping", NULL, head, sizeof head);
    cr_assert_geq(fd, 0);
    uint8_t buf[200];
    size_t len;
    cr_assert_eq(raw_read(fd, buf, sizeof buf, &len), EDDY_WS_PING);
    raw_frame(fd, 1, EDDY_WS_PONG, buf, len, 1); /* answered: the connection stays */
    cr_assert_eq(raw_read(fd, buf, sizeof buf, &len), EDDY_WS_PING);
    /* not answered this time: the server gives up on us */
    cr_assert(wait_closes(1));
    cr_assert_eq(atomic_load(&last_close_code), 1006);
    close(fd);
}

/* ------------------------------------------------------------ Node's ws */

Test(websocket_server, node_ws_client_echo_and_deflate)
{
    if (!have_node_ws())
        cr_skip("Node's ws is not installed (scripts/deps.sh runs npm ci in "
                "tests/fixtures/ws_node): skipping the Node peer tests");
    char *out = node("client", url("/deflate"));
    cr_assert(strstr(out, "extensions permessage-deflate; server_no_context_takeover; "
                          "client_no_context_takeover\n"),
              "%s", out);
    cr_assert(strstr(out, "text hello from node\n"), "%s", out);
    cr_assert(strstr(out, "big same\n"), "%s", out);
    cr_assert(strstr(out, "closed 1000\n"), "%s", out);
}

/* ------------------------------------------------------------ stopping */

Test(websocket_server, stopping_the_server_tells_every_websocket_going_away)
{
    char head[1024];
    int a = raw_open("/echo", NULL, head, sizeof head);
    int b = raw_open("/run", NULL, head, sizeof head); /* a task waits in eddy_ws_read */
    cr_assert(a >= 0 && b >= 0);
    raw_frame(b, 1, EDDY_WS_TEXT, "x", 1, 1);
    uint8_t buf[64];
    size_t len;
    cr_assert_eq(raw_read(b, buf, sizeof buf, &len), EDDY_WS_TEXT);
    serve_thread_stop(&srv);
    cr_assert_eq(close_code_after(a), 1001);
    cr_assert_eq(close_code_after(b), 1001);
    cr_assert(wait_closes(1));
    cr_assert_eq(atomic_load(&last_close_code), 1001, "on_close ran with 1001");
    close(a);
    close(b);
}
