/*
 * pubsub_redis - the Redis backend: one connection that subscribes, one
 * that publishes.
 *
 * The subscribing connection follows local interest: SUBSCRIBE when a
 * channel gets its first subscriber here, UNSUBSCRIBE when it loses its
 * last. Each channel's remote state (ps_channel.remote) records what the
 * server was last asked, so that a channel wanted again while its
 * UNSUBSCRIBE is still on the way is subscribed again only once the
 * server has confirmed it: one request per channel in flight at a time,
 * which is also what older hiredis releases need (they forget a
 * channel's callback when an UNSUBSCRIBE is confirmed, even with a
 * SUBSCRIBE sent after it; 0.14.1 counts pending subscriptions).
 *
 * The connection also stays subscribed to a channel of its own for its
 * whole life, so the server's count of its subscriptions never falls to
 * 0: older hiredis releases leave "subscribed" mode at 0 even with a
 * SUBSCRIBE to another channel on its way, and stop at an assertion when
 * its confirmation comes. It also makes the hub's connection easy to
 * spot in CLIENT LIST and PUBSUB CHANNELS.
 *
 * After a reconnect the server knows nothing: every channel with local
 * subscribers is subscribed again.
 */
#include "pubsub_internal.h"

#include <eddy/base/log.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { R_NONE, R_SUBSCRIBING, R_SUBSCRIBED, R_UNSUBSCRIBING };

typedef struct remote {
    eddy_redis *sub, *pub;
    char own[64]; /* the channel that keeps the connection subscribed */
} remote;

/* ask - (UN)SUBSCRIBE ch, only on a connection that is up: on_connect
 * subscribes first to the connection's own channel, before anything
 * else is sent, and then to every channel wanted. */
static void ask(eddy_pubsub *hub, ps_channel *ch, int subscribe)
{
    remote *rm = hub->backend;
    int rc = -1;
    if (eddy_redis_connected(rm->sub) && subscribe)
        rc = eddy_redis_subscribe(rm->sub, ch->name, ch->len);
    else if (eddy_redis_connected(rm->sub))
        rc = eddy_redis_unsubscribe(rm->sub, ch->name, ch->len);
    if (rc == 0)
        ch->remote = subscribe ? R_SUBSCRIBING : R_UNSUBSCRIBING;
    else /* down: on_connect subscribes what is wanted then */
        ch->remote = R_NONE;
}

static void interest(eddy_pubsub *hub, ps_channel *ch, int on)
{
    if (on && ch->remote == R_NONE)
        ask(hub, ch, 1);
    else if (!on && (ch->remote == R_SUBSCRIBING || ch->remote == R_SUBSCRIBED))
        ask(hub, ch, 0);
    /* on while R_UNSUBSCRIBING: confirmed() subscribes again */
}

/* confirmed - the server's answer to (UN)SUBSCRIBE channel. */
static void confirmed(eddy_pubsub *hub, const eddy_redis_reply *name, int subscribed)
{
    ps_channel *ch = pubsub_find(hub, name->str, name->len);
    if (!ch)
        return;
    if (subscribed) {
        if (ch->remote == R_SUBSCRIBING)
            ch->remote = R_SUBSCRIBED;
        return;
    }
    if (ch->remote != R_UNSUBSCRIBING)
        return;
    ch->remote = R_NONE;
    if (ch->live)
        ask(hub, ch, 1);
    else
        pubsub_forget(hub, ch);
}

static void on_message(void *arg, const eddy_redis_reply *reply)
{
    eddy_pubsub *hub = arg;
    if (!reply || reply->type != EDDY_REDIS_ARRAY || reply->elements != 3 ||
        reply->element[0].type != EDDY_REDIS_STRING || reply->element[1].type != EDDY_REDIS_STRING)
        return;
    const char *kind = reply->element[0].str;
    const eddy_redis_reply *channel = &reply->element[1], *payload = &reply->element[2];
    if (strcmp(kind, "message") == 0 && payload->type == EDDY_REDIS_STRING)
        pubsub_deliver(hub, channel->str, channel->len, payload->str, payload->len);
    else if (strcmp(kind, "subscribe") == 0)
        confirmed(hub, channel, 1);
    else if (strcmp(kind, "unsubscribe") == 0)
        confirmed(hub, channel, 0);
}

static void resubscribe_one(eddy_pubsub *hub, ps_channel *ch, void *arg)
{
    (void)arg;
    ch->remote = R_NONE;
    if (ch->live)
        ask(hub, ch, 1);
}

/* on_connect - a new connection knows no channels: ours first, then
 * every one wanted here. */
static void on_connect(void *arg)
{
    eddy_pubsub *hub = arg;
    remote *rm = hub->backend;
    if (eddy_redis_subscribe(rm->sub, rm->own, strlen(rm->own)) < 0)
        return;
    pubsub_each(hub, resubscribe_one, NULL);
    pubsub_tidy(hub); /* channels whose UNSUBSCRIBE went with the old connection */
}

static int publish(eddy_pubsub *hub, const char *channel, size_t clen, const void *data, size_t len)
{
    remote *rm = hub->backend;
    return eddy_redis_send(rm->pub, NULL, NULL,
                           EDDY_REDIS_ARGS(EDDY_REDIS_STR("PUBLISH"),
                                           EDDY_REDIS_BYTES(channel, clen),
                                           EDDY_REDIS_BYTES(data, len)));
}

static void check_ready(eddy_pubsub *hub, ps_channel *ch, void *arg)
{
    (void)hub;
    if (ch->live && ch->remote != R_SUBSCRIBED)
        *(int *)arg = 0;
}

static int ready(const eddy_pubsub *hub)
{
    const remote *rm = hub->backend;
    if (!eddy_redis_connected(rm->sub) || !eddy_redis_connected(rm->pub))
        return 0;
    int all = 1;
    pubsub_each((eddy_pubsub *)hub, check_ready, &all);
    return all;
}

static void close_redis(eddy_pubsub *hub)
{
    remote *rm = hub->backend;
    if (!rm)
        return;
    eddy_redis_close(rm->sub);
    eddy_redis_close(rm->pub);
    free(rm);
}

static const pubsub_ops redis_ops = {
    .name = "redis",
    .interest = interest,
    .publish = publish,
    .ready = ready,
    .close = close_redis,
};

int pubsub_redis_init(eddy_pubsub *hub, const char *url, const eddy_redis_options *o)
{
    hub->ops = &redis_ops;
    remote *rm = calloc(1, sizeof *rm);
    hub->backend = rm;
    if (!rm) {
        errno = ENOMEM;
        return -1;
    }
    snprintf(rm->own, sizeof rm->own, "eddy.pubsub.%ld.%p", (long)getpid(), (void *)hub);
    if (!(rm->sub = eddy_redis_open(url, o)) || !(rm->pub = eddy_redis_open(url, o)))
        return -1;
    eddy_redis_on_message(rm->sub, on_message, hub);
    eddy_redis_on_connect(rm->sub, on_connect, hub);
    return 0;
}
