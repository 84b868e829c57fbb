/*
 * pubsub - the local side of every hub: channels, subscriptions and
 * delivery; the backend (pubsub_memory.c, pubsub_redis.c) carries the
 * messages. See pubsub.h.
 *
 * Callbacks may unsubscribe anything while a message is being delivered,
 * so nothing is freed during a delivery: an unsubscribed subscription
 * only loses its callback, and is unlinked and freed once the outermost
 * delivery is over. A subscription made during a delivery goes at the
 * end of its channel's list, past where that delivery stops.
 */
#include "pubsub_internal.h"

#include <eddy/base/log.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static unsigned hash_of(const char *s, size_t len)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* ------------------------------------------------------------ opening */

eddy_pubsub *eddy_pubsub_open(const char *url, const eddy_redis_options *redis_options)
{
    eddy_pubsub *hub = calloc(1, sizeof *hub);
    if (!hub || !(hub->buckets = calloc(16, sizeof *hub->buckets))) {
        free(hub);
        errno = ENOMEM;
        return NULL;
    }
    hub->nbuckets = 16;
    int rc;
    if (!url) {
        errno = EINVAL;
        rc = -1;
    } else if (strcmp(url, "memory:") == 0 || strcmp(url, "memory://") == 0) {
        rc = pubsub_memory_init(hub);
    } else if (strncmp(url, "redis://", 8) == 0) {
        rc = pubsub_redis_init(hub, url, redis_options);
    } else {
        eddy_error("pubsub: unknown URL scheme in \"%.16s...\" (memory: or redis://)", url);
        errno = EPROTONOSUPPORT;
        rc = -1;
    }
    if (rc < 0) {
        int err = errno;
        if (hub->ops)
            hub->ops->close(hub);
        free(hub->buckets);
        free(hub);
        errno = err;
        return NULL;
    }
    return hub;
}

static void free_channel(ps_channel *ch)
{
    for (eddy_subscription *s = ch->first, *next; s; s = next) {
        next = s->next;
        free(s);
    }
    free(ch->name);
    free(ch);
}

void eddy_pubsub_close(eddy_pubsub *hub)
{
    if (!hub)
        return;
    hub->ops->close(hub);
    for (size_t i = 0; i < hub->nbuckets; i++)
        for (ps_channel *ch = hub->buckets[i], *next; ch; ch = next) {
            next = ch->next;
            free_channel(ch);
        }
    free(hub->buckets);
    free(hub);
}

const char *eddy_pubsub_backend(const eddy_pubsub *hub)
{
    return hub->ops->name;
}

int eddy_pubsub_ready(const eddy_pubsub *hub)
{
    return hub->ops->ready(hub);
}

/* ------------------------------------------------------------ channels */

ps_channel *pubsub_find(const eddy_pubsub *hub, const char *name, size_t len)
{
    unsigned h = hash_of(name, len);
    for (ps_channel *ch = hub->buckets[h % hub->nbuckets]; ch; ch = ch->next)
        if (ch->hash == h && ch->len == len && memcmp(ch->name, name, len) == 0)
            return ch;
    return NULL;
}

/* grow - twice the buckets once there are more channels than buckets. */
static void grow(eddy_pubsub *hub)
{
    size_t n = hub->nbuckets * 2;
    ps_channel **b = calloc(n, sizeof *b);
    if (!b)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < hub->nbuckets; i++)
        for (ps_channel *ch = hub->buckets[i], *next; ch; ch = next) {
            next = ch->next;
            ch->next = b[ch->hash % n];
            b[ch->hash % n] = ch;
        }
    free(hub->buckets);
    hub->buckets = b;
    hub->nbuckets = n;
}

static ps_channel *channel_add(eddy_pubsub *hub, const char *name, size_t len)
{
    ps_channel *ch = calloc(1, sizeof *ch);
    if (!ch || !(ch->name = malloc(len + 1))) {
        free(ch);
        return NULL;
    }
    memcpy(ch->name, name, len);
    ch->name[len] = '\0';
    ch->len = len;
    ch->hash = hash_of(name, len);
    if (hub->nchannels >= hub->nbuckets)
        grow(hub);
    ch->next = hub->buckets[ch->hash % hub->nbuckets];
    hub->buckets[ch->hash % hub->nbuckets] = ch;
    hub->nchannels++;
    return ch;
}

void pubsub_forget(eddy_pubsub *hub, ps_channel *ch)
{
    if (hub->delivering || ch->first || ch->remote)
        return;
    for (ps_channel **p = &hub->buckets[ch->hash % hub->nbuckets]; *p; p = &(*p)->next)
        if (*p == ch) {
            *p = ch->next;
            hub->nchannels--;
            free_channel(ch);
            return;
        }
}

void pubsub_each(eddy_pubsub *hub, void (*fn)(eddy_pubsub *hub, ps_channel *ch, void *arg),
                 void *arg)
{
    for (size_t i = 0; i < hub->nbuckets; i++)
        for (ps_channel *ch = hub->buckets[i]; ch; ch = ch->next)
            fn(hub, ch, arg);
}

/* ------------------------------------------------------------ subscriptions */

eddy_subscription *eddy_pubsub_subscribe(eddy_pubsub *hub, const char *channel, eddy_pubsub_fn fn,
                                         void *arg)
{
    if (!channel || !*channel || !fn) {
        errno = EINVAL;
        return NULL;
    }
    size_t len = strlen(channel);
    ps_channel *ch = pubsub_find(hub, channel, len);
    if (!ch && !(ch = channel_add(hub, channel, len))) {
        errno = ENOMEM;
        return NULL;
    }
    eddy_subscription *s = calloc(1, sizeof *s);
    if (!s) {
        pubsub_forget(hub, ch);
        errno = ENOMEM;
        return NULL;
    }
    *s = (eddy_subscription){.hub = hub, .channel = ch, .fn = fn, .arg = arg, .prev = ch->last};
    if (ch->last)
        ch->last->next = s;
    else
        ch->first = s;
    ch->last = s;
    if (++ch->live == 1)
        hub->ops->interest(hub, ch, 1);
    return s;
}

static void unlink_subscription(eddy_subscription *s)
{
    ps_channel *ch = s->channel;
    if (s->prev)
        s->prev->next = s->next;
    else
        ch->first = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        ch->last = s->prev;
    free(s);
}

void eddy_pubsub_unsubscribe(eddy_subscription *s)
{
    if (!s || !s->fn)
        return;
    eddy_pubsub *hub = s->hub;
    ps_channel *ch = s->channel;
    s->fn = NULL;
    if (--ch->live == 0)
        hub->ops->interest(hub, ch, 0);
    if (hub->delivering) {
        hub->dead = 1; /* unlinked after the delivery */
        return;
    }
    unlink_subscription(s);
    pubsub_forget(hub, ch);
}

size_t eddy_pubsub_subscribers(const eddy_pubsub *hub, const char *channel)
{
    const ps_channel *ch = channel ? pubsub_find(hub, channel, strlen(channel)) : NULL;
    return ch ? ch->live : 0;
}

/* ------------------------------------------------------------ messages */

int eddy_pubsub_publish(eddy_pubsub *hub, const char *channel, const void *data, size_t len)
{
    if (!channel || !*channel || (!data && len)) {
        errno = EINVAL;
        return -1;
    }
    return hub->ops->publish(hub, channel, strlen(channel), data ? data : "", len);
}

void pubsub_tidy(eddy_pubsub *hub)
{
    if (hub->delivering)
        return;
    hub->dead = 0;
    for (size_t i = 0; i < hub->nbuckets; i++)
        for (ps_channel *ch = hub->buckets[i], *next; ch; ch = next) {
            next = ch->next;
            for (eddy_subscription *s = ch->first, *after; s; s = after) {
                after = s->next;
                if (!s->fn)
                    unlink_subscription(s);
            }
            pubsub_forget(hub, ch);
        }
}

void pubsub_deliver(eddy_pubsub *hub, const char *channel, size_t clen, const void *data,
                    size_t len)
{
    ps_channel *ch = pubsub_find(hub, channel, clen);
    if (!ch || !ch->live)
        return;
    hub->delivering++;
    eddy_subscription *end = ch->last; /* later subscribers wait for the next message */
    for (eddy_subscription *s = ch->first; s; s = s->next) {
        if (s->fn)
            s->fn(s->arg, ch->name, ch->len, data, len);
        if (s == end)
            break;
    }
    if (--hub->delivering == 0 && hub->dead)
        pubsub_tidy(hub);
}
