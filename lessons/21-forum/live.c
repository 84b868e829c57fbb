/*
 * live - notifications pushed to every open page of their receiver, the
 * moment they happen (beyond the course, whose inbox was pull-only).
 *
 * A page opens a WebSocket at /ws/notifications; the handshake says who
 * it is (the page's session cookie, or the tsessionid header as the API
 * does) and the socket
 * subscribes to that user's channel, "forum:user:<id>", on the forum's
 * pub/sub hub. forum_notify publishes each new inbox row there as JSON
 * ({"event": "message", "id", "sender", "message", "message_type", ...});
 * reading messages publishes {"event": "read", "unread": n}. With
 * --redis the hub is Redis, so a comment written through one process
 * reaches a page whose socket is held by another; without it the hub is
 * this process's own.
 *
 * An idle socket costs its small struct and one subscription: nothing
 * runs for it until a message comes. The socket only listens; what a
 * page sends is ignored, except "ping", answered "pong" for pages that
 * check the line is alive.
 */
#include "content.h"
#include "forum.h"

#include <eddy/base/log.h>
#include <eddy/data/pubsub.h>
#include <eddy/web/auth.h>
#include <eddy/web/websocket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char live_user_slot[] = "forum.live_user";

static void channel_of(int64_t user, char out[40])
{
    snprintf(out, 40, "forum:user:%lld", (long long)user);
}

int forum_live_publish(forum *f, int64_t receiver, const char *payload, size_t len)
{
    char channel[40];
    channel_of(receiver, channel);
    return eddy_pubsub_publish(f->pubsub, channel, payload, len);
}

/* live_prepare - before the handshake: who is asking. Without a valid
 * token the upgrade is refused (401) and no socket is opened. */
static void live_prepare(eddy_req *r)
{
    /* A page of the forum's own says who it is with its session cookie
     * (the socket's Origin must be the forum's: check_origin's default,
     * so another site cannot open it with the reader's cookie); an API
     * client with its token. */
    int64_t me = -1;
    json_t *user = eddy_header(r, "tsessionid") ? NULL : eddy_current_user(r);
    if (user)
        me = (int64_t)json_integer_value(json_object_get(user, "id"));
    else
        me = forum_api_user(r);
    if (me <= 0) {
        /* the 401 is written; finishing it is what stops the upgrade */
        if (!eddy_response_finished(r))
            eddy_finish(r);
        return;
    }
    int64_t *id = malloc(sizeof *id);
    if (!id || eddy_req_set_slot(r, live_user_slot, id, free) < 0) {
        free(id);
        eddy_send_error(r, 500, "out of memory");
        return;
    }
    *id = me;
}

static void deliver(void *arg, const char *channel, size_t clen, const void *data, size_t len)
{
    (void)channel;
    (void)clen;
    /* A page too slow to take its messages is closed by the socket's
     * policy, so it never holds memory without bound. */
    eddy_ws_send(arg, data, len, 0);
}

static void live_open(eddy_ws *ws, eddy_req *r)
{
    const int64_t *me = eddy_req_slot(r, live_user_slot);
    forum *f = forum_of(r);
    char channel[40];
    channel_of(me ? *me : 0, channel);
    eddy_subscription *s = me ? eddy_pubsub_subscribe(f->pubsub, channel, deliver, ws) : NULL;
    if (!s) {
        eddy_warn("live: cannot subscribe %s", channel);
        eddy_ws_close(ws, 1011, "cannot subscribe");
        return;
    }
    eddy_ws_set_data(ws, s);
    eddy_ws_send_text(ws, "{\"event\":\"ready\"}");
}

static void live_message(eddy_ws *ws, const char *data, size_t len, int binary)
{
    if (!binary && len == 4 && memcmp(data, "ping", 4) == 0)
        eddy_ws_send_text(ws, "pong");
}

static void live_close(eddy_ws *ws, int code, const char *reason)
{
    (void)code;
    (void)reason;
    eddy_pubsub_unsubscribe(eddy_ws_data(ws));
    eddy_ws_set_data(ws, NULL);
}

static const eddy_ws_handler live = {
    .prepare = live_prepare,
    .on_open = live_open,
    .on_message = live_message,
    .on_close = live_close,
    /* A page that vanished without closing is found by a ping a minute. */
    .options = {.max_message_bytes = 4096, .max_queued_bytes = 256 * 1024,
                .ping_interval_ms = 60000},
};

int forum_routes_live(eddy_app *app, forum *f)
{
    (void)f;
    return eddy_ws_route(app, "/ws/notifications", &live, "live_notifications");
}
