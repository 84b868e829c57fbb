/*
 * Lesson 19 tests: the chat server seen by WebSocket clients on the wire.
 *
 * The clients here are a few lines of RFC 6455 over raw sockets (masked
 * frames out, the handshake's Sec-WebSocket-Accept checked), so what is
 * asserted is what a browser would see: the page, an echo of text and of
 * binary (and compressed when deflate is offered), two members chatting
 * with who-is-online following them, the history a late member gets,
 * the pushed ticks, a nick refused before the upgrade, and ws-load's C10K
 * demo on a small scale, and two headless Chromium pages chatting through
 * the real page (tests/fixtures/chat_browser; skipped, saying why, where
 * Node, playwright-core or Chromium is missing). Two servers sharing one
 * room through a private Redis are in 19-websocket-redis.c.
 */
#include "harness.h"
#include "ws_checks.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHAT "lessons/19-websocket/chat"
#define LOAD "lessons/19-websocket/ws-load"

static th_proc server;

static void start_chat(const char *tick_ms)
{
    char *argv[] = {(char *)th_path(CHAT), "--port", "0", "--tick-ms", (char *)tick_ms, NULL};
    cr_assert_eq(th_start_server(&server, argv, 10000), 0, "chat did not start:\n%s",
                 server.output ? server.output : "");
}

static void stop_chat(void)
{
    th_free(&server);
}

TestSuite(lesson19, .init = NULL, .fini = stop_chat, .timeout = 60);

Test(lesson19, the_page_opens_websockets_to_the_room_and_the_ticks)
{
    start_chat("1000");
    int fd = th_connect(server.port, 2000);
    cr_assert_geq(fd, 0);
    th_send_str(fd, "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    static char page[65536];
    cr_assert_geq(th_recv_until(fd, page, sizeof page, NULL, 5000), 0);
    close(fd);
    cr_assert_eq(strncmp(page, "HTTP/1.1 200", 12), 0, "%.200s", page);
    cr_assert_not_null(strstr(page, "new WebSocket(url(\"/ticks\"))"));
    cr_assert_not_null(strstr(page, "/chat?nick="));
}

Test(lesson19, echo_sends_text_and_binary_back_as_they_came)
{
    start_chat("1000");
    int fd = ws_open(server.port, "/echo", NULL, NULL);
    cr_assert_geq(fd, 0, "no WebSocket on /echo");
    char msg[4096];
    int op;
    cr_assert_eq(ws_send(fd, WS_OP_TEXT, "héllo", strlen("héllo")), 0);
    cr_assert_eq(ws_recv(fd, &op, msg, sizeof msg, 5000), (int)strlen("héllo"));
    cr_assert_eq(op, WS_OP_TEXT);
    cr_assert_str_eq(msg, "héllo");

    unsigned char bytes[3000];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (unsigned char)(i * 7);
    bytes[10] = 0;
    cr_assert_eq(ws_send(fd, WS_OP_BINARY, bytes, sizeof bytes), 0);
    cr_assert_eq(ws_recv(fd, &op, msg, sizeof msg, 5000), (int)sizeof bytes);
    cr_assert_eq(op, WS_OP_BINARY);
    cr_assert_eq(memcmp(msg, bytes, sizeof bytes), 0);
    close(fd);
}

Test(lesson19, echo_compresses_when_deflate_is_offered)
{
    start_chat("1000");
    char extensions[256] = "";
    int fd = ws_open(server.port, "/echo", "permessage-deflate; client_max_window_bits", extensions);
    cr_assert_geq(fd, 0);
    cr_assert_not_null(strstr(extensions, "permessage-deflate"), "answered: \"%s\"", extensions);
    /* uncompressed frames stay allowed; the echo comes back compressed */
    char text[2048], msg[4096];
    memset(text, 'z', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    cr_assert_eq(ws_send(fd, WS_OP_TEXT, text, strlen(text)), 0);
    int op, compressed = 0;
    size_t wire = 0;
    cr_assert_eq(ws_recv_inflate(fd, &op, msg, sizeof msg, 5000, &compressed, &wire), (int)strlen(text));
    cr_assert(compressed, "the echo was not compressed (RSV1 unset)");
    cr_assert_lt(wire, strlen(text) / 10, "%zu bytes on the wire for %zu", wire, strlen(text));
    cr_assert_str_eq(msg, text);
    close(fd);
}

Test(lesson19, two_members_chat_and_see_who_is_online)
{
    start_chat("1000");
    char msg[8192];
    int ann = ws_open(server.port, "/chat?nick=ann", NULL, NULL);
    cr_assert_geq(ann, 0);
    cr_assert(ws_recv_containing(ann, "\"type\":\"welcome\"", msg, sizeof msg, 5000), "%s", msg);
    cr_assert_not_null(strstr(msg, "\"nick\":\"ann\""), "%s", msg);
    cr_assert(ws_recv_containing(ann, "\"nicks\":[\"ann\"]", msg, sizeof msg, 5000), "%s", msg);

    int bob = ws_open(server.port, "/chat?nick=bob", NULL, NULL);
    cr_assert_geq(bob, 0);
    cr_assert(ws_recv_containing(bob, "\"type\":\"welcome\"", msg, sizeof msg, 5000), "%s", msg);
    cr_assert(ws_recv_containing(ann, "\"joined\":\"bob\"", msg, sizeof msg, 5000), "%s", msg);
    cr_assert_not_null(strstr(msg, "\"nicks\":[\"ann\",\"bob\"]"), "%s", msg);
    cr_assert(ws_recv_containing(bob, "\"nicks\":[\"ann\",\"bob\"]", msg, sizeof msg, 5000), "%s", msg);

    cr_assert_eq(ws_send(ann, WS_OP_TEXT, "hello, <b>bob</b>", 17), 0);
    cr_assert(ws_recv_containing(bob, "\"type\":\"message\"", msg, sizeof msg, 5000), "%s", msg);
    cr_assert_not_null(strstr(msg, "\"nick\":\"ann\""), "%s", msg);
    cr_assert_not_null(strstr(msg, "\"text\":\"hello, <b>bob</b>\""), "%s", msg);
    cr_assert(ws_recv_containing(ann, "\"text\":\"hello, <b>bob</b>\"", msg, sizeof msg, 5000), "%s", msg);

    /* bob leaves with a close frame: ann hears of it */
    ws_close(bob, 1000);
    cr_assert(ws_recv_containing(ann, "\"left\":\"bob\"", msg, sizeof msg, 5000), "%s", msg);
    cr_assert_not_null(strstr(msg, "\"nicks\":[\"ann\"]"), "%s", msg);

    /* a late member gets what was said */
    int cid = ws_open(server.port, "/chat?nick=cid", NULL, NULL);
    cr_assert_geq(cid, 0);
    cr_assert(ws_recv_containing(cid, "\"type\":\"welcome\"", msg, sizeof msg, 5000), "%s", msg);
    cr_assert_not_null(strstr(msg, "\"history\":[{"), "%s", msg);
    cr_assert_not_null(strstr(msg, "hello, <b>bob</b>"), "%s", msg);
    close(ann);
    close(cid);
}

Test(lesson19, a_bad_nick_is_refused_before_the_upgrade)
{
    start_chat("1000");
    char head[1024];
    cr_assert_eq(ws_open_status(server.port, "/chat?nick=no%20spaces", head, sizeof head), 400, "%s", head);
    cr_assert_eq(ws_open_status(server.port, "/chat", head, sizeof head), 400, "%s", head);
}

Test(lesson19, every_open_page_gets_the_ticks)
{
    start_chat("50");
    int a = ws_open(server.port, "/ticks", NULL, NULL), b = ws_open(server.port, "/ticks", NULL, NULL);
    cr_assert_geq(a, 0);
    cr_assert_geq(b, 0);
    char msg[512];
    long first = -1, later = -1;
    for (int fd = a, i = 0; i < 2; i++, fd = b) {
        int op;
        cr_assert_gt(ws_recv(fd, &op, msg, sizeof msg, 5000), 0);
        cr_assert_eq(sscanf(msg, "{\"tick\":%ld,\"time\":", &first), 1, "%s", msg);
        cr_assert_gt(ws_recv(fd, &op, msg, sizeof msg, 5000), 0);
        cr_assert_eq(sscanf(msg, "{\"tick\":%ld,", &later), 1, "%s", msg);
        cr_assert_gt(later, first);
    }
    close(a);
    close(b);
}

Test(lesson19, ws_load_broadcasts_to_every_idle_connection)
{
    start_chat("1000");
    char url[64], pid[16], *out = NULL;
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/broadcast", server.port);
    snprintf(pid, sizeof pid, "%d", (int)server.pid);
    char *argv[] = {(char *)th_path(LOAD), "broadcast", url, "-c", "300", "-r", "3", "--pid", pid,
                    "--settle", "0.2", NULL};
    int st = th_run(argv, 30000, &out);
    cr_assert_eq(st, 0, "ws-load failed:\n%s", out);
    cr_assert_not_null(strstr(out, "idle: connections=300 "), "%s", out);
    cr_assert_not_null(strstr(out, "bytes_per_connection="), "%s", out);
    cr_assert_not_null(strstr(out, "broadcast: clients=300 rounds=3 "), "%s", out);
    free(out);

    snprintf(url, sizeof url, "ws://127.0.0.1:%d/echo", server.port);
    char *echo[] = {(char *)th_path(LOAD), "echo", url, "-c", "10", "-d", "0.3", "-s", "1000", NULL};
    st = th_run(echo, 30000, &out);
    cr_assert_eq(st, 0, "ws-load failed:\n%s", out);
    cr_assert_not_null(strstr(out, "echo: connections=10 size=1000 type=text messages="), "%s", out);
    cr_assert_not_null(strstr(out, " depth=1"), "%s", out);
    free(out);

    /* Eight messages in flight on each connection: every echo still
     * checked byte for byte, and the line says the depth it ran with. */
    char *deep[] = {(char *)th_path(LOAD), "echo", url, "-c", "10", "-d", "0.3", "-s", "40",
                    "--depth", "8", "--binary", NULL};
    st = th_run(deep, 30000, &out);
    cr_assert_eq(st, 0, "ws-load failed:\n%s", out);
    cr_assert_not_null(strstr(out, "echo: connections=10 size=40 type=binary messages="), "%s", out);
    cr_assert_not_null(strstr(out, " depth=8"), "%s", out);
    free(out);
}

Test(lesson19, two_browser_pages_chat)
{
    struct stat st;
    const char *driver = TEST_SOURCE_DIR "/tests/fixtures/chat_browser/node_modules/playwright-core/package.json";
    const char *chromium = getenv("CHROMIUM") ? getenv("CHROMIUM") : "/usr/bin/chromium";
    if (system("command -v node >/dev/null 2>&1") != 0)
        cr_skip_test("no node on PATH (Debian's nodejs package)");
    if (stat(driver, &st) != 0)
        cr_skip_test("playwright-core is not installed in tests/fixtures/chat_browser (scripts/deps.sh does it)");
    if (stat(chromium, &st) != 0)
        cr_skip_test("no Chromium at %s (Debian's chromium package)", chromium);
    start_chat("200");
    char url[64], *out = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", server.port);
    setenv("NODE_PATH", TEST_SOURCE_DIR "/tests/fixtures/chat_browser/node_modules", 1);
    char *argv[] = {"/usr/bin/env", "node", TEST_SOURCE_DIR "/tests/fixtures/chat_browser/chat.js", url, NULL};
    int st_ = th_run(argv, 50000, &out);
    if (WIFEXITED(st_) && WEXITSTATUS(st_) == 77)
        cr_skip_test("%s", out);
    cr_assert(WIFEXITED(st_) && WEXITSTATUS(st_) == 0, "the browser chat failed:\n%s", out);
    cr_assert_not_null(strstr(out, "message: bob read ann's line, as text"), "%s", out);
    free(out);
}
