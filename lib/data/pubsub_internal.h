/*
 * pubsub_internal - what pubsub.c shares with its backends.
 *
 * pubsub.c keeps the local side for every backend: the channels this
 * process listens to, each with its subscriptions, and delivery to them.
 * A backend only says when a channel gains its first subscriber or loses
 * its last one (to tell its server) and carries published messages,
 * handing the ones that arrive to pubsub_deliver.
 */
#ifndef EDDY_PUBSUB_INTERNAL_H
#define EDDY_PUBSUB_INTERNAL_H

#include <eddy/data/pubsub.h>

#include <stddef.h>

/* A channel this process has (or had, while its server is told) local
 * interest in. */
typedef struct ps_channel {
    char *name; /* NUL-terminated, len bytes */
    size_t len;
    unsigned hash;
    struct eddy_subscription *first, *last; /* in subscription order, dead ones included */
    size_t live;                            /* subscriptions not unsubscribed */
    int remote;                             /* the backend's state for this channel; 0: none */
    struct ps_channel *next;                /* in its hash bucket */
} ps_channel;

struct eddy_subscription {
    eddy_pubsub *hub;
    ps_channel *channel;
    eddy_pubsub_fn fn; /* NULL once unsubscribed */
    void *arg;
    struct eddy_subscription *prev, *next;
};

typedef struct pubsub_ops {
    const char *name;
    /* interest - ch has its first live subscriber (on 1) or lost its last (on 0). */
    void (*interest)(eddy_pubsub *hub, ps_channel *ch, int on);
    /* publish - carry a message; 0 or -1 with errno. */
    int (*publish)(eddy_pubsub *hub, const char *channel, size_t clen, const void *data,
                   size_t len);
    int (*ready)(const eddy_pubsub *hub);
    /* close - free the backend's state (the channels are freed after). */
    void (*close)(eddy_pubsub *hub);
} pubsub_ops;

struct eddy_pubsub {
    const pubsub_ops *ops;
    void *backend;
    ps_channel **buckets;
    size_t nbuckets, nchannels;
    int delivering; /* depth of pubsub_deliver calls: nothing is freed meanwhile */
    int dead;       /* subscriptions were unsubscribed during a delivery */
};

/* The backends' constructors: 0, or -1 with errno (hub->backend set). */
int pubsub_memory_init(eddy_pubsub *hub);
int pubsub_redis_init(eddy_pubsub *hub, const char *url, const eddy_redis_options *o);

/* pubsub_deliver - call every subscriber of channel present now. */
void pubsub_deliver(eddy_pubsub *hub, const char *channel, size_t clen, const void *data,
                    size_t len);

/* pubsub_find - the channel named name[0..len), or NULL. */
ps_channel *pubsub_find(const eddy_pubsub *hub, const char *name, size_t len);

/* pubsub_forget - free ch if it has no subscriptions left and its
 * remote state is 0 (not while delivering). */
void pubsub_forget(eddy_pubsub *hub, ps_channel *ch);

/* pubsub_tidy - unlink the subscriptions unsubscribed during deliveries,
 * and free the channels left with no subscription and remote state 0. */
void pubsub_tidy(eddy_pubsub *hub);

/* pubsub_each - call fn for every channel (fn must not free any). */
void pubsub_each(eddy_pubsub *hub, void (*fn)(eddy_pubsub *hub, ps_channel *ch, void *arg),
                 void *arg);

#endif
