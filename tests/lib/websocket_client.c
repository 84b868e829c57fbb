/*
 * Tests for lib/http/websocket_client against servers nobody here wrote:
 * Python's websockets and Node's ws, each started on 127.0.0.1 and a free
 * port, skipped with one line when missing. Our own server (the handler
 * kind) is the peer for frames a server must refuse, since it reports
 * exactly which close code it sent.
 */
#include "harness.h"
#include "serve_thread.h"

#include <criterion/criterion.h>
#include <eddy/eddy.h>
#include <eddy/http/websocket_client.h>
#include <eddy/web/websocket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static th_proc peer;

static void stop_peer(void)
{
    th_stop(&peer);
    th_free(&peer);
    eddy_loop_free();
}

static void start_python_server(void)
{
    if (access("/usr/bin/python3", X_OK) != 0 ||
        system("/usr/bin/python3 -c 'import websockets' 2>/dev/null") != 0)
        cr_skip("websockets is not installed (Debian package python3-websockets): skipping "
                "the client tests against it");
    char *argv[] = {"/usr/bin/python3", TEST_SOURCE_DIR "/tests/fixtures/ws_peers.py", "websockets",
                    "server", NULL};
    cr_assert_eq(th_start_server(&peer, argv, 10000), 0, "the websockets server did not start: %s",
                 peer.output ? peer.output : "");
}

static void start_node_server(void)
{
    if (access("/usr/bin/node", X_OK) != 0 ||
        access(TEST_SOURCE_DIR "/tests/fixtures/ws_node/node_modules/ws/package.json", R_OK) != 0)
        cr_skip("Node's ws is not installed (scripts/deps.sh runs npm ci in "
                "tests/fixtures/ws_node): skipping the client tests against it");
    char *argv[] = {"/usr/bin/node", TEST_SOURCE_DIR "/tests/fixtures/ws_node/peer.js", "server",
                    NULL};
    cr_assert_eq(th_start_server(&peer, argv, 10000), 0, "the ws server did not start: %s",
                 peer.output ? peer.output : "");
}

/* ------------------------------------------------------------ a conversation in a task */

typedef struct talk {
    const char *url;
    eddy_ws_client_options opts;
    int connect_rc, status;
    char subprotocol[32], extensions[160], error[256];
    char text[64], binary_hex[32];
    int big_same, pong_same;
    int close_rc, close_code;
    char close_reason[64];
    int receive_rc; /* for the "server closes" cases */
} talk;

static void echo_talk(void *arg)
{
    talk *t = arg;
    eddy_ws_client *c = eddy_ws_client_new(t->url, &t->opts);
    cr_assert_not_null(c);
    t->connect_rc = eddy_ws_client_connect(c);
    t->status = eddy_ws_client_status(c);
    snprintf(t->error, sizeof t->error, "%s", eddy_ws_client_error(c));
    if (t->connect_rc) {
        eddy_ws_client_free(c);
        return;
    }
    const char *p = eddy_ws_client_subprotocol(c), *e = eddy_ws_client_extensions(c);
    snprintf(t->subprotocol, sizeof t->subprotocol, "%s", p ? p : "(none)");
    snprintf(t->extensions, sizeof t->extensions, "%s", e ? e : "(none)");
    eddy_ws_message m;
    if (eddy_ws_client_send(c, "hello", 5, 0) == 0 && eddy_ws_client_receive(c, &m, 5000) == 0)
        snprintf(t->text, sizeof t->text, "%d:%.*s", m.opcode, (int)m.len, m.data);
    static const uint8_t bin[] = {0x00, 0xff, 0x10};
    if (eddy_ws_client_send(c, bin, sizeof bin, 1) == 0 && eddy_ws_client_receive(c, &m, 5000) == 0)
        for (size_t i = 0; i < m.len && i < 8; i++)
            snprintf(t->binary_hex + 2 * i, 3, "%02x", (unsigned char)m.data[i]);
    size_t big_len = 200000;
    char *big = malloc(big_len);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (char)('a' + i % 23);
    if (eddy_ws_client_send(c, big, big_len, 0) == 0 && eddy_ws_client_receive(c, &m, 5000) == 0)
        t->big_same = m.len == big_len && memcmp(m.data, big, big_len) == 0;
    free(big);
    if (eddy_ws_client_ping(c, "knock", 5) == 0 && eddy_ws_client_receive(c, &m, 5000) == 0)
        t->pong_same = m.opcode == EDDY_WS_PONG && m.len == 5 && memcmp(m.data, "knock", 5) == 0;
    t->close_rc = eddy_ws_client_close(c, 1000, "bye");
    t->close_code = eddy_ws_client_close_code(c);
    eddy_ws_client_free(c);
}

/* closed_by_server - connect, wait for the server to close. */
static void closed_by_server(void *arg)
{
    talk *t = arg;
    eddy_ws_client *c = eddy_ws_client_new(t->url, &t->opts);
    cr_assert_not_null(c);
    t->connect_rc = eddy_ws_client_connect(c);
    snprintf(t->error, sizeof t->error, "%s", eddy_ws_client_error(c));
    if (!t->connect_rc) {
        eddy_ws_message m;
        while ((t->receive_rc = eddy_ws_client_receive(c, &m, 5000)) == 0)
            ;
        t->close_code = eddy_ws_client_close_code(c);
        snprintf(t->close_reason, sizeof t->close_reason, "%s", eddy_ws_client_close_reason(c));
    }
    eddy_ws_client_free(c);
}

static void run(void (*fn)(void *), talk *t)
{
    cr_assert_not_null(eddy_task_spawn(fn, t));
    cr_assert_eq(eddy_loop_run(), 0);
}

static const char *peer_url(const char *path)
{
    static char buf[128];
    snprintf(buf, sizeof buf, "ws://127.0.0.1:%d%s", peer.port, path);
    return buf;
}

static void check_echo(const talk *t, int compressed)
{
    cr_assert_eq(t->connect_rc, 0, "connect: %s", t->error);
    cr_assert_eq(t->status, 101);
    cr_assert_str_eq(t->text, "1:hello");
    cr_assert_str_eq(t->binary_hex, "00ff10");
    cr_assert(t->big_same, "a 200 kB text did not come back the same");
    cr_assert(t->pong_same, "no pong with the ping's payload");
    cr_assert_eq(t->close_rc, 0, "close: %s", t->error);
    cr_assert_eq(t->close_code, 1000);
    if (compressed)
        cr_assert(strncmp(t->extensions, "permessage-deflate", 18) == 0, "%s", t->extensions);
    else
        cr_assert_str_eq(t->extensions, "(none)");
}

/* ------------------------------------------------------------ Python's websockets */

TestSuite(websocket_client_python, .init = start_python_server, .fini = stop_peer, .timeout = 60);

Test(websocket_client_python, echo_ping_and_close)
{
    talk t = {.url = peer_url("/")};
    run(echo_talk, &t);
    check_echo(&t, 0);
}

Test(websocket_client_python, deflate_and_a_subprotocol)
{
    talk t = {.url = peer_url("/"), .opts = {.compression = 1, .subprotocols = "superchat, chat"}};
    run(echo_talk, &t);
    check_echo(&t, 1);
    cr_assert_str_eq(t.subprotocol, "chat");
    cr_assert(strstr(t.extensions, "server_no_context_takeover"), "%s", t.extensions);
}

Test(websocket_client_python, deflate_with_context_takeover)
{
    talk t = {.url = peer_url("/"), .opts = {.compression = 1, .deflate = {.context_takeover = 1}}};
    run(echo_talk, &t);
    check_echo(&t, 1);
    cr_assert_null(strstr(t.extensions, "no_context_takeover"), "%s", t.extensions);
}

Test(websocket_client_python, the_servers_close_code_and_reason)
{
    talk t = {.url = peer_url("/close")};
    run(closed_by_server, &t);
    cr_assert_eq(t.connect_rc, 0, "%s", t.error);
    cr_assert_eq(t.receive_rc, EPIPE);
    cr_assert_eq(t.close_code, 4000);
    cr_assert_str_eq(t.close_reason, "custom");
}

/* ------------------------------------------------------------ wss:// */

static char tls_dir[64];

static void start_tls_server(void)
{
    if (access("/usr/bin/python3", X_OK) != 0 ||
        system("/usr/bin/python3 -c 'import websockets' 2>/dev/null") != 0)
        cr_skip("websockets is not installed (Debian package python3-websockets): skipping "
                "the wss:// tests");
    if (access("/usr/bin/openssl", X_OK) != 0)
        cr_skip("openssl is not installed (Debian package openssl): skipping the wss:// tests");
    snprintf(tls_dir, sizeof tls_dir, "/tmp/eddy-wss-XXXXXX");
    cr_assert_not_null(mkdtemp(tls_dir));
    /* A throwaway CA, and a certificate for localhost signed by it. */
    char script[1024];
    snprintf(script, sizeof script,
             "set -e; cd '%s';"
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
             " -keyout ca.key -out ca.pem -subj /CN=eddy-test-ca 2>/dev/null;"
             "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
             " -keyout srv.key -out srv.csr -subj /CN=localhost 2>/dev/null;"
             "printf 'subjectAltName=DNS:localhost\\n' > ext.cnf;"
             "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1"
             " -extfile ext.cnf -out srv.pem 2>/dev/null",
             tls_dir);
    char *sh[] = {"/bin/sh", "-c", script, NULL}, *out = NULL;
    int st = th_run(sh, 20000, &out);
    cr_assert_eq(st, 0, "making the test CA failed: %s", out ? out : "");
    free(out);
    char *argv[] = {"/usr/bin/python3", TEST_SOURCE_DIR "/tests/fixtures/ws_peers.py",
                    "websockets", "tls-server", tls_dir, NULL};
    cr_assert_eq(th_start_server(&peer, argv, 10000), 0, "the TLS server did not start: %s",
                 peer.output ? peer.output : "");
}

static void stop_tls_server(void)
{
    stop_peer();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tls_dir);
    if (system(cmd) != 0)
        return;
}

TestSuite(websocket_client_tls, .init = start_tls_server, .fini = stop_tls_server, .timeout = 60);

Test(websocket_client_tls, wss_with_the_test_ca)
{
    char url[64], ca[128];
    snprintf(url, sizeof url, "wss://localhost:%d/", peer.port);
    snprintf(ca, sizeof ca, "%s/ca.pem", tls_dir);
    talk t = {.url = url, .opts = {.ca_file = ca, .compression = 1}};
    run(echo_talk, &t);
    check_echo(&t, 1);
}

Test(websocket_client_tls, the_certificate_is_checked_unless_told_not_to)
{
    char url[64];
    snprintf(url, sizeof url, "wss://localhost:%d/", peer.port);
    talk t = {.url = url};
    run(echo_talk, &t);
    cr_assert_eq(t.connect_rc, EPROTO);
    cr_assert(strstr(t.error, "TLS handshake"), "%s", t.error);
    talk insecure = {.url = url, .opts = {.insecure = 1}};
    run(echo_talk, &insecure);
    check_echo(&insecure, 0);
}

/* ------------------------------------------------------------ Node's ws */

TestSuite(websocket_client_node, .init = start_node_server, .fini = stop_peer, .timeout = 60);

Test(websocket_client_node, echo_with_deflate)
{
    talk t = {.url = peer_url("/"), .opts = {.compression = 1, .subprotocols = "chat"}};
    run(echo_talk, &t);
    check_echo(&t, 1);
    cr_assert_str_eq(t.subprotocol, "chat");
}

Test(websocket_client_node, the_servers_close_code)
{
    talk t = {.url = peer_url("/close")};
    run(closed_by_server, &t);
    cr_assert_eq(t.connect_rc, 0, "%s", t.error);
    cr_assert_eq(t.close_code, 4001);
    cr_assert_str_eq(t.close_reason, "node says bye");
}

/* ------------------------------------------------------------ our server: what it refuses */

static serve_thread srv;
static eddy_app *app;

static void echo_message(eddy_ws *ws, const char *data, size_t len, int binary)
{
    eddy_ws_send(ws, data, len, binary);
}

static eddy_ws_handler echo_h = {.on_message = echo_message};
static eddy_ws_handler small_h = {.on_message = echo_message,
                                  .options = {.max_message_bytes = 100}};
static eddy_ws_handler deflate_h = {.on_message = echo_message, .options = {.compression = 1}};

static void start_own(void)
{
    app = eddy_app_new();
    cr_assert(eddy_ws_route(app, "/echo", &echo_h, NULL) == 0);
    cr_assert(eddy_ws_route(app, "/small", &small_h, NULL) == 0);
    cr_assert(eddy_ws_route(app, "/deflate", &deflate_h, NULL) == 0);
    serve_thread_init(&srv);
    srv.app = app;
    cr_assert(serve_thread_start(&srv) == 0);
}

static void stop_own(void)
{
    serve_thread_stop(&srv);
    eddy_app_free(app);
    eddy_loop_free();
}

static const char *own_url(const char *path)
{
    static char buf[128];
    snprintf(buf, sizeof buf, "ws://127.0.0.1:%d%s", srv.port, path);
    return buf;
}

typedef struct bad_frame {
    const char *url;
    int fin, rsv1, opcode, masked, compression;
    const char *payload;
    size_t len;
    int connect_rc, close_code;
    char error[256];
} bad_frame;

static void send_bad(void *arg)
{
    bad_frame *b = arg;
    eddy_ws_client_options o = {.compression = b->compression};
    eddy_ws_client *c = eddy_ws_client_new(b->url, &o);
    b->connect_rc = eddy_ws_client_connect(c);
    if (!b->connect_rc) {
        eddy_ws_client_send_frame(c, b->fin, b->rsv1, b->opcode, b->payload, b->len, b->masked);
        eddy_ws_message m;
        while (eddy_ws_client_receive(c, &m, 5000) == 0)
            ;
        b->close_code = eddy_ws_client_close_code(c);
    }
    snprintf(b->error, sizeof b->error, "%s", eddy_ws_client_error(c));
    eddy_ws_client_free(c);
}

static int close_code_for(const char *path, int opcode, const char *payload, size_t len, int masked)
{
    bad_frame b = {.url = own_url(path),
                   .fin = 1,
                   .opcode = opcode,
                   .masked = masked,
                   .payload = payload,
                   .len = len};
    cr_assert_not_null(eddy_task_spawn(send_bad, &b));
    eddy_loop_run();
    cr_assert_eq(b.connect_rc, 0, "%s", b.error);
    return b.close_code;
}

TestSuite(websocket_client_own, .init = start_own, .fini = stop_own, .timeout = 60);

Test(websocket_client_own, what_our_server_refuses_comes_back_as_close_codes)
{
    cr_assert_eq(close_code_for("/echo", EDDY_WS_TEXT, "plain", 5, 0), 1002);
    cr_assert_eq(close_code_for("/echo", EDDY_WS_TEXT, "\xff\xfe", 2, 1), 1007);
    char big[101];
    memset(big, 'b', sizeof big);
    cr_assert_eq(close_code_for("/small", EDDY_WS_BINARY, big, sizeof big, 1), 1009);
    cr_assert_eq(close_code_for("/small", EDDY_WS_BINARY, big, 100, 1), 0, "100 bytes are allowed");
}

Test(websocket_client_own, a_zip_bomb_is_refused_with_1009)
{
    /* 50 MB of zeros deflate to about 50 kB: far under the 10 MiB limit
     * on the wire, far over it once inflated. */
    size_t n = 50 * 1000 * 1000;
    char *zeros = calloc(1, n);
    eddy_ws_deflate_params p = {1, 1, 15, 15};
    eddy_ws_deflate *d = eddy_ws_deflate_new(&p, EDDY_WS_CLIENT, 9);
    eddy_buf z = EDDY_BUF_INIT;
    cr_assert_eq(eddy_ws_deflate_compress(d, zeros, n, &z), 0);
    free(zeros);
    eddy_ws_deflate_free(d);
    cr_assert_lt(z.len, 1024 * 1024);
    /* a client that negotiated deflate sends the bomb as one compressed frame */
    bad_frame b = {.url = own_url("/deflate"),
                   .fin = 1,
                   .rsv1 = 1,
                   .opcode = EDDY_WS_BINARY,
                   .masked = 1,
                   .payload = z.data,
                   .len = z.len,
                   .compression = 1};
    cr_assert_not_null(eddy_task_spawn(send_bad, &b));
    eddy_loop_run();
    eddy_buf_free(&z);
    cr_assert_eq(b.connect_rc, 0, "%s", b.error);
    cr_assert_eq(b.close_code, 1009);
}

Test(websocket_client_own, handshake_failures_say_what_failed)
{
    talk t = {.url = own_url("/nowhere")};
    run(echo_talk, &t);
    cr_assert_eq(t.connect_rc, EPROTO);
    cr_assert_eq(t.status, 404);
    cr_assert(strstr(t.error, "404"), "%s", t.error);

    int port = srv.port;
    serve_thread_stop(&srv); /* nobody listens there now */
    char u[64];
    snprintf(u, sizeof u, "ws://127.0.0.1:%d/echo", port);
    talk refused = {.url = u};
    run(echo_talk, &refused);
    cr_assert_eq(refused.connect_rc, ECONNREFUSED, "%s", refused.error);
    cr_assert_null(eddy_ws_client_new("http://127.0.0.1/", NULL));
    cr_assert_eq(errno, EINVAL);
}

Test(websocket_client_own, our_client_and_server_with_deflate)
{
    talk t = {.url = own_url("/deflate"), .opts = {.compression = 1}};
    run(echo_talk, &t);
    check_echo(&t, 1);
}
