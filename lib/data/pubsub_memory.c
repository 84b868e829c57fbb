/*
 * pubsub_memory - the in-process backend: a queue of messages that the
 * loop delivers.
 *
 * Publish copies the message to the end of the queue and wakes the
 * loop; the loop delivers the messages that were queued when it woke,
 * in order. Messages published by the callbacks meanwhile wait for the
 * next turn of the loop, so a callback that always publishes cannot keep
 * the loop from serving everyone else.
 */
#include "pubsub_internal.h"

#include <eddy/async/future.h>

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

typedef struct message {
    struct message *next;
    size_t clen, len;
    char bytes[]; /* channel, NUL, payload, NUL */
} message;

typedef struct memory {
    struct event *wake;
    message *head, *tail;
} memory;

static void interest(eddy_pubsub *hub, ps_channel *ch, int on)
{
    (void)hub;
    (void)ch;
    (void)on; /* nobody else to tell */
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    eddy_pubsub *hub = arg;
    memory *m = hub->backend;
    message *last = m->tail;
    while (m->head) {
        message *msg = m->head;
        m->head = msg->next;
        if (!m->head)
            m->tail = NULL;
        pubsub_deliver(hub, msg->bytes, msg->clen, msg->bytes + msg->clen + 1, msg->len);
        free(msg);
        if (msg == last)
            break;
    }
    if (m->head)
        event_active(m->wake, 0, 0);
}

static int publish(eddy_pubsub *hub, const char *channel, size_t clen, const void *data, size_t len)
{
    memory *m = hub->backend;
    message *msg = malloc(sizeof *msg + clen + len + 2);
    if (!msg) {
        errno = ENOMEM;
        return -1;
    }
    msg->next = NULL;
    msg->clen = clen;
    msg->len = len;
    memcpy(msg->bytes, channel, clen);
    msg->bytes[clen] = '\0';
    memcpy(msg->bytes + clen + 1, data, len);
    msg->bytes[clen + 1 + len] = '\0';
    if (m->tail)
        m->tail->next = msg;
    else
        m->head = msg;
    m->tail = msg;
    event_active(m->wake, 0, 0);
    return 0;
}

static int ready(const eddy_pubsub *hub)
{
    (void)hub;
    return 1;
}

static void close_memory(eddy_pubsub *hub)
{
    memory *m = hub->backend;
    if (!m)
        return;
    while (m->head) {
        message *msg = m->head;
        m->head = msg->next;
        free(msg);
    }
    if (m->wake)
        event_free(m->wake);
    free(m);
}

static const pubsub_ops memory_ops = {
    .name = "memory",
    .interest = interest,
    .publish = publish,
    .ready = ready,
    .close = close_memory,
};

int pubsub_memory_init(eddy_pubsub *hub)
{
    hub->ops = &memory_ops;
    memory *m = calloc(1, sizeof *m);
    hub->backend = m;
    struct event_base *base = eddy_loop_base();
    if (!m || !base || !(m->wake = event_new(base, -1, 0, on_wake, hub))) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}
