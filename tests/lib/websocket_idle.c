/*
 * Tests for what many WebSockets cost and share (lib/web/websocket): the
 * memory an idle connection holds once the server has handed it over,
 * and a broadcast reaching plain and compressing connections alike.
 */
#include "harness.h"
#include "serve_thread.h"

#include <criterion/criterion.h>
#include <eddy/eddy.h>
#include <eddy/http/websocket_client.h>
#include <eddy/web/websocket.h>

#include <malloc.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static serve_thread srv;
static eddy_app *app;
static atomic_int opened;

/* the room: every connection of /room, for the server's thread only */
static eddy_ws *room[16];
static size_t room_size;

static void count_open(eddy_ws *ws, eddy_req *r)
{
    (void)ws;
    (void)r;
    atomic_fetch_add(&opened, 1);
}

static void echo_message(eddy_ws *ws, const char *data, size_t len, int binary)
{
    eddy_ws_send(ws, data, len, binary);
}

static void join_room(eddy_ws *ws, eddy_req *r)
{
    (void)r;
    if (room_size < 16)
        room[room_size++] = ws;
}

static void leave_room(eddy_ws *ws, int code, const char *reason)
{
    (void)code;
    (void)reason;
    for (size_t i = 0; i < room_size; i++)
        if (room[i] == ws)
            room[i] = room[--room_size];
}

static void say_to_room(eddy_ws *ws, const char *data, size_t len, int binary)
{
    (void)ws;
    eddy_ws_broadcast(room, room_size, data, len, binary);
}

static eddy_ws_handler idle_h = {.on_open = count_open, .on_message = echo_message};
static eddy_ws_handler room_h = {.on_open = join_room,
                                 .on_message = say_to_room,
                                 .on_close = leave_room,
                                 .options = {.compression = 1}};

static void setup(void)
{
    app = eddy_app_new();
    cr_assert(eddy_ws_route(app, "/idle", &idle_h, NULL) == 0);
    cr_assert(eddy_ws_route(app, "/room", &room_h, NULL) == 0);
    serve_thread_init(&srv);
    srv.app = app;
    srv.cfg.max_connections = 100000;
    cr_assert(serve_thread_start(&srv) == 0);
    atomic_store(&opened, 0);
}

static void teardown(void)
{
    serve_thread_stop(&srv);
    eddy_app_free(app);
    eddy_loop_free();
}

/* handshake - a WebSocket on /idle by hand; the socket, or -1. */
static int handshake(void)
{
    int fd = th_connect(srv.port, 2000);
    if (fd < 0)
        return -1;
    char req[256], head[512];
    snprintf(
        req, sizeof req,
        "GET /idle HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    th_send_str(fd, req);
    if (th_recv_until(fd, head, sizeof head, "\r\n\r\n", 5000) < 0 || !strstr(head, " 101 ")) {
        close(fd);
        return -1;
    }
    return fd;
}

/* heap_in_use - bytes malloc has handed out, over every arena. */
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

Test(websocket_idle, an_idle_connection_costs_under_a_kibibyte, .init = setup, .fini = teardown,
     .timeout = 120)
{
#if defined(__SANITIZE_ADDRESS__)
    cr_skip("the heap is the sanitizer's here: the figure is measured by the plain build");
#endif
    enum { WARM = 50 };
    int n = 1000;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)(2 * (n + WARM) + 100)) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < (rlim_t)(2 * (n + WARM) + 100))
            n = (int)(rl.rlim_cur - 100) / 2 - WARM;
    }
    int *fds = calloc((size_t)(n + WARM), sizeof *fds);
    /* Warm up first, so the pools and the loop's own tables are grown. */
    for (int i = 0; i < WARM; i++)
        cr_assert_geq(fds[i] = handshake(), 0);
    usleep(100000);
    size_t before = heap_in_use();
    for (int i = WARM; i < WARM + n; i++)
        cr_assert_geq(fds[i] = handshake(), 0, "connection %d", i);
    /* One echo on the last: the server has finished with every handshake. */
    static const uint8_t mask[4] = {1, 2, 3, 4};
    eddy_buf b = EDDY_BUF_INIT;
    eddy_ws_frame_append(&b, 1, 0, EDDY_WS_TEXT, "ping", 4, mask);
    th_send(fds[WARM + n - 1], b.data, b.len);
    eddy_buf_free(&b);
    char echo[64];
    cr_assert_geq(th_recv_until(fds[WARM + n - 1], echo, sizeof echo, "ping", 5000), 0);
    usleep(100000);
    size_t after = heap_in_use();
    cr_assert_eq(atomic_load(&opened), WARM + n);
    double per = after > before ? (double)(after - before) / n : 0;
    fprintf(stderr, "websocket: %d idle connections hold %.0f bytes of heap each\n", n, per);
    cr_assert_leq(per, 1024.0, "an idle WebSocket holds %.0f bytes", per);
    for (int i = 0; i < WARM + n; i++)
        close(fds[i]);
    free(fds);
}

/* ------------------------------------------------------------ broadcast */

typedef struct room_talk {
    int port;
    int connected, compressed;
    char got[3][64];
    char error[256];
} room_talk;

static void room_task(void *arg)
{
    room_talk *t = arg;
    char url[64];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/room", t->port);
    eddy_ws_client *c[3];
    for (int i = 0; i < 3; i++) {
        eddy_ws_client_options o = {.compression = i != 2}; /* two compress, one does not */
        c[i] = eddy_ws_client_new(url, &o);
        if (eddy_ws_client_connect(c[i]) == 0)
            t->connected++;
        else
            snprintf(t->error, sizeof t->error, "%s", eddy_ws_client_error(c[i]));
        if (eddy_ws_client_extensions(c[i]))
            t->compressed++;
    }
    /* the server's on_open has run for all three once they are connected */
    const char *text = "to everyone in the room, once";
    if (t->connected == 3 && eddy_ws_client_send(c[1], text, strlen(text), 0) == 0) {
        for (int i = 0; i < 3; i++) {
            eddy_ws_message m;
            if (eddy_ws_client_receive(c[i], &m, 5000) == 0)
                snprintf(t->got[i], sizeof t->got[i], "%.*s", (int)m.len, m.data);
        }
    }
    for (int i = 0; i < 3; i++) {
        eddy_ws_client_close(c[i], 1000, NULL);
        eddy_ws_client_free(c[i]);
    }
}

Test(websocket_idle, a_broadcast_reaches_plain_and_compressing_connections, .init = setup,
     .fini = teardown, .timeout = 60)
{
    room_talk t = {.port = srv.port};
    cr_assert_not_null(eddy_task_spawn(room_task, &t));
    eddy_loop_run();
    cr_assert_eq(t.connected, 3, "%s", t.error);
    cr_assert_eq(t.compressed, 2);
    for (int i = 0; i < 3; i++)
        cr_assert_str_eq(t.got[i], "to everyone in the room, once", "connection %d", i);
}
