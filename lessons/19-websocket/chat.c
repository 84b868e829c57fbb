/*
 * chat - lesson 19: long connections. A chat room, a live push, an echo,
 * and ten thousand idle WebSockets held by one small process.
 *
 *   GET /                 the page: the chat room and the ticking clock
 *   WS  /chat?nick=NICK   the room (room.h): lines said, who is online
 *   WS  /ticks            the server pushes {"tick":N,"time":"HH:MM:SS"}
 *                         to every open page each --tick-ms
 *   WS  /echo             every message back as it came, text or binary,
 *                         compressed (permessage-deflate) when offered
 *   WS  /broadcast        every message to every connection on
 *                         /broadcast, the sender included: what ws-load's
 *                         C10K demo and bench/19-websocket.sh drive
 *
 * The room is a pub/sub channel: in this process ("memory:") by default,
 * or through Redis with --redis URL, so that several processes
 * (--processes N, or servers on other ports or machines) share one room.
 *
 * After the handshake a WebSocket holds no coroutine and no buffer (see
 * lib/web/websocket.h): the callbacks below run from the loop, so an idle
 * connection costs a small struct and the kernel's socket.
 */
#include "room.h"

#include <eddy/data/pubsub.h>
#include <eddy/eddy.h>
#include <eddy/web/websocket.h>

#include <event2/event.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ sets of WebSockets */

/* A set of open WebSockets, in an array eddy_ws_broadcast can take; each
 * one's data is its index + 1, so leaving is a swap with the last. */
struct ws_set {
    eddy_ws **items;
    size_t count, cap;
};

static int ws_set_add(struct ws_set *set, eddy_ws *ws)
{
    if (set->count == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 64;
        eddy_ws **items = realloc(set->items, cap * sizeof *items);
        if (!items)
            return -1;
        set->items = items;
        set->cap = cap;
    }
    set->items[set->count] = ws;
    eddy_ws_set_data(ws, (void *)(uintptr_t)++set->count);
    return 0;
}

static void ws_set_remove(struct ws_set *set, eddy_ws *ws)
{
    size_t at = (size_t)(uintptr_t)eddy_ws_data(ws);
    if (at == 0)
        return; /* never added */
    eddy_ws *last = set->items[--set->count];
    set->items[at - 1] = last;
    eddy_ws_set_data(last, (void *)(uintptr_t)at);
    eddy_ws_set_data(ws, NULL);
}

/* What one process serves from. */
struct live {
    room *room;
    struct ws_set tickers, fans;
    long tick;
    int64_t tick_ms;
    int beat_every; /* ticks between two room heartbeats */
};

static struct live live;

/* ------------------------------------------------------------ the page */

static void home_get(eddy_req *r)
{
    eddy_render(r, "chat.html", json_pack("{s:I}", "tick_ms", (json_int_t)live.tick_ms));
}

static const eddy_handler home = {.get = home_get};

/* ------------------------------------------------------------ the chat room */

/* quote:begin chat */
/* chat_prepare - before the upgrade: a bad nick gets a plain 400. */
static void chat_prepare(eddy_req *r)
{
    const char *nick = eddy_get_query_argument(r, "nick", "");
    if (!room_nick_ok(nick))
        eddy_send_error(r, 400, "nick: 1 to 20 letters, digits, _ or -");
}

static void chat_open(eddy_ws *ws, eddy_req *r)
{
    if (room_join(live.room, ws, eddy_get_query_argument(r, "nick", "")) != 0)
        eddy_ws_close(ws, 1011, "out of memory");
}

static void chat_message(eddy_ws *ws, const char *data, size_t len, int binary)
{
    if (!binary) /* the room speaks text */
        room_say(live.room, ws, data, len);
}

static void chat_close(eddy_ws *ws, int code, const char *reason)
{
    (void)code;
    (void)reason;
    room_leave(live.room, ws);
}

static const eddy_ws_handler chat_ws = {
    .prepare = chat_prepare,
    .on_open = chat_open,
    .on_message = chat_message,
    .on_close = chat_close,
    .options = {.max_message_bytes = 8192, .ping_interval_ms = 30000},
};
/* quote:end chat */

/* ------------------------------------------------------------ the push */

static void ticks_open(eddy_ws *ws, eddy_req *r)
{
    (void)r;
    if (ws_set_add(&live.tickers, ws) != 0)
        eddy_ws_close(ws, 1011, "out of memory");
}

static void ticks_close(eddy_ws *ws, int code, const char *reason)
{
    (void)code;
    (void)reason;
    ws_set_remove(&live.tickers, ws);
}

static const eddy_ws_handler ticks_ws = {.on_open = ticks_open, .on_close = ticks_close};

/* quote:begin tick */
/* on_tick - every --tick-ms: one message to every open page, framed once. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    char clock[16], text[96];
    time_t now = time(NULL);
    struct tm tm;
    strftime(clock, sizeof clock, "%H:%M:%S", localtime_r(&now, &tm));
    int n = snprintf(text, sizeof text, "{\"tick\":%ld,\"time\":\"%s\",\"pid\":%ld}", ++live.tick, clock,
                     (long)getpid());
    eddy_ws_broadcast(live.tickers.items, live.tickers.count, text, (size_t)n, 0);
    if (live.tick % live.beat_every == 0)
        room_heartbeat(live.room);
}
/* quote:end tick */

/* ------------------------------------------------------------ echo and broadcast */

static void echo_message(eddy_ws *ws, const char *data, size_t len, int binary)
{
    eddy_ws_send(ws, data, len, binary);
}

static const eddy_ws_handler echo_ws = {
    .on_message = echo_message,
    .options = {.compression = 1},
};

static void fan_open(eddy_ws *ws, eddy_req *r)
{
    (void)r;
    if (ws_set_add(&live.fans, ws) != 0)
        eddy_ws_close(ws, 1011, "out of memory");
}

/* quote:begin broadcast */
static void fan_message(eddy_ws *ws, const char *data, size_t len, int binary)
{
    (void)ws;
    eddy_ws_broadcast(live.fans.items, live.fans.count, data, len, binary);
}
/* quote:end broadcast */

static void fan_close(eddy_ws *ws, int code, const char *reason)
{
    (void)code;
    (void)reason;
    ws_set_remove(&live.fans, ws);
}

static const eddy_ws_handler fan_ws = {.on_open = fan_open, .on_message = fan_message, .on_close = fan_close};

/* ------------------------------------------------------------ starting */

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* quote:begin options */
    eddy_server_option_values server;
    const char *redis, *root;
    eddy_options *opts = eddy_options_new();
    eddy_server_options(opts, &server);
    eddy_options_group(opts, "chat");
    eddy_option_string(opts, "redis", &redis, NULL,
                       "share the room through this Redis (redis://127.0.0.1:6379/0); default: this process only");
    eddy_option_int(opts, "tick-ms", &live.tick_ms, 1000, "how often /ticks pushes, in milliseconds");
    eddy_option_range(opts, "tick-ms", 10, 3600000);
    eddy_option_string(opts, "root", &root, NULL, "folder holding templates/ (default: the lesson's)");
    eddy_options_define_logging(opts);
    int first = eddy_options_parse_command_line(opts, argc, argv);
    if (first < 0) {
        eddy_options_free(opts);
        return first == EDDY_OPTIONS_HELP ? 0 : 2;
    }
    /* quote:end options */

    int status = 1;
    char templates[PATH_MAX + 32];
    eddy_template_loader *tl = NULL;
    eddy_app *app = NULL;
    eddy_server *srv = NULL;
    eddy_pubsub *hub = NULL;
    struct event *ticker = NULL;
    if (first < argc) {
        fprintf(stderr, "chat: unexpected argument \"%s\" (options only)\n", argv[first]);
        status = 2;
        goto out;
    }
    if (!eddy_find_app_dir(root, __FILE__, "lessons/19-websocket", "templates", templates,
                           sizeof templates)) {
        fprintf(stderr, "chat: no templates/ folder found (try --root)\n");
        goto out;
    }
    /* quote:begin processes */
    if (server.processes != 1) {
        if (server.port == 0) {
            fprintf(stderr, "chat: --processes needs a fixed --port: the workers share it\n");
            status = 2;
            goto out;
        }
        int worker = eddy_fork_processes((int)server.processes);
        if (worker < 0) { /* the parent, once every worker has stopped; or fork failed */
            status = worker == EDDY_FORK_PARENT_DONE ? 0 : 1;
            goto out;
        }
    }
    /* from here on, each worker: its own loop, hub, room and server */
    hub = eddy_pubsub_open(redis ? redis : "memory:", NULL);
    if (!hub || !(live.room = room_new(hub, "lobby")))
        goto out; /* the reason is logged */
    /* quote:end processes */
    live.beat_every = (int)(ROOM_BEAT_SECONDS * 1000 / live.tick_ms);
    if (live.beat_every < 1)
        live.beat_every = 1;
    ticker = event_new(eddy_loop_base(), -1, EV_PERSIST, on_tick, NULL);
    struct timeval every = {(time_t)(live.tick_ms / 1000), (suseconds_t)(live.tick_ms % 1000 * 1000)};
    if (!ticker || event_add(ticker, &every) != 0)
        goto out;

    tl = eddy_template_loader_new(templates, false);
    app = eddy_app_new();
    if (!tl || !app || eddy_app_set_templates(app, tl) < 0)
        goto out;
    if (eddy_route(app, "/", &home, "home") < 0 || eddy_ws_route(app, "/chat", &chat_ws, "chat") < 0 ||
        eddy_ws_route(app, "/ticks", &ticks_ws, "ticks") < 0 || eddy_ws_route(app, "/echo", &echo_ws, "echo") < 0 ||
        eddy_ws_route(app, "/broadcast", &fan_ws, "broadcast") < 0) {
        fprintf(stderr, "chat: %s\n", eddy_app_error(app));
        goto out;
    }
    eddy_server_config cfg;
    eddy_server_config_defaults(&cfg);
    eddy_server_options_apply(&server, &cfg);
    srv = eddy_app_listen(app, &cfg);
    if (!srv)
        goto out;
    printf("listening on http://%s:%d/\n", cfg.address, eddy_server_port(srv));
    printf("room on %s\n", eddy_pubsub_backend(hub));
    status = eddy_server_run(srv) < 0;
    eddy_ws_close_all(); /* 1001 to every page still open; on_close leaves the room */
out:
    if (ticker)
        event_free(ticker);
    eddy_server_free(srv);
    eddy_app_free(app);
    eddy_template_loader_free(tl); /* after the app, which used it */
    room_free(live.room);
    eddy_pubsub_close(hub);
    free(live.tickers.items);
    free(live.fans.items);
    eddy_loop_free();
    eddy_thread_pool_shutdown();
    eddy_options_free(opts);
    return status;
}
