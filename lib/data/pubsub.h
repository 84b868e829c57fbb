/*
 * pubsub - channels: subscribe a callback, publish bytes, everyone hears.
 *
 * A chat room is a channel: each open WebSocket subscribes a callback
 * that sends what arrives to its browser, and each message a user types
 * is published to the channel:
 *
 *     eddy_pubsub *hub = eddy_pubsub_open("memory:", NULL);   // or "redis://127.0.0.1:6379"
 *     eddy_subscription *s = eddy_pubsub_subscribe(hub, "room:lobby", on_message, conn);
 *     eddy_pubsub_publish(hub, "room:lobby", text, len);
 *     ...
 *     eddy_pubsub_unsubscribe(s);
 *
 * Two backends behind one table of operations (pubsub_internal.h):
 *   "memory:"     in this process only: publish hands the message to the
 *                 loop, which delivers it to every subscriber.
 *   "redis://..." through Redis (redis.h for the URL), so that every
 *                 process (or machine) using the same Redis hears every
 *                 message: one app's publish reaches the subscribers of
 *                 all of them. Each pubsub object holds one subscriber
 *                 connection, SUBSCRIBEs a channel when its first local
 *                 subscriber arrives and UNSUBSCRIBEs when the last one
 *                 leaves, and publishes over a second connection. When
 *                 Redis restarts, both reconnect and every channel still
 *                 wanted is subscribed again; messages published while
 *                 the subscriber was away are lost (Redis keeps none).
 *
 * Delivery: callbacks run from the loop, never inside
 * eddy_pubsub_publish, one message at a time, in the order the messages
 * were published by one publisher; a message reaches the subscribers
 * present when it arrives. A callback is not a task: one that needs to
 * wait spawns a task. It may subscribe or unsubscribe anything,
 * including its own subscription, and publish.
 *
 * Channel names and payloads are bytes: a payload may hold NUL bytes and
 * arrives with its length, exactly as it was published.
 */
#ifndef EDDY_PUBSUB_H
#define EDDY_PUBSUB_H

#include <eddy/data/redis.h>

#include <stddef.h>

typedef struct eddy_pubsub eddy_pubsub;
typedef struct eddy_subscription eddy_subscription;

/* eddy_pubsub_fn - a message: channel (NUL-terminated, clen bytes) and
 * payload data[0..len) (NUL-terminated too, for text), both valid only
 * during the call. */
typedef void (*eddy_pubsub_fn)(void *arg, const char *channel, size_t clen, const void *data,
                               size_t len);

/* eddy_pubsub_open - a hub on url: "memory:" or a Redis URL ("redis://...").
 * redis_options (NULL: the defaults) apply to both Redis connections.
 * NULL with errno (EINVAL for a URL it cannot read, EPROTONOSUPPORT for an
 * unknown scheme, ENOMEM) and a logged message. */
eddy_pubsub *eddy_pubsub_open(const char *url, const eddy_redis_options *redis_options);

/* eddy_pubsub_close - drop every subscription (their callbacks are not
 * called again) and free hub; messages not yet delivered are dropped.
 * Not from inside a callback of this hub. NULL is a no-op. */
void eddy_pubsub_close(eddy_pubsub *hub);

/* eddy_pubsub_backend - "memory" or "redis". */
const char *eddy_pubsub_backend(const eddy_pubsub *hub);

/* eddy_pubsub_subscribe - call fn(arg, ...) for each message on channel
 * until unsubscribed. Returns the subscription, or NULL with errno
 * (ENOMEM; EINVAL for an empty channel name). For Redis, the server
 * hears of it soon after (not yet when this returns): a message
 * published by another process in between may be missed. */
eddy_subscription *eddy_pubsub_subscribe(eddy_pubsub *hub, const char *channel, eddy_pubsub_fn fn,
                                         void *arg);

/* eddy_pubsub_unsubscribe - stop calling s's callback (from this moment,
 * even for a message being delivered) and free s. NULL is a no-op. */
void eddy_pubsub_unsubscribe(eddy_subscription *s);

/* eddy_pubsub_subscribers - how many local subscriptions channel has. */
size_t eddy_pubsub_subscribers(const eddy_pubsub *hub, const char *channel);

/* eddy_pubsub_publish - send data[0..len) to channel's subscribers;
 * returns at once (not a wait). 0, or -1 with errno: ECONNREFUSED when
 * Redis is unreachable right now (the message is not sent), EINVAL for
 * an empty channel name, ENOMEM. */
int eddy_pubsub_publish(eddy_pubsub *hub, const char *channel, const void *data, size_t len);

/* eddy_pubsub_ready - 1 when the hub can deliver: always for memory; for
 * Redis, when the subscriber connection is up and the server has
 * confirmed every channel subscribed locally (tests and health checks). */
int eddy_pubsub_ready(const eddy_pubsub *hub);

#endif
