/*
 * kv_memory - the in-process backend: a hash table whose keys expire.
 *
 * An expired key is removed when a call touches it (lazy expiry), and a
 * timer walks a slice of the buckets at a time to remove the ones nobody
 * touches again (periodic expiry); the timer runs only while keys with a
 * TTL exist, so an idle store keeps no loop awake. The table never holds
 * more than max_keys keys: a new key beyond that first clears a slice of
 * expired ones, then evicts, from a sample of keys, the one closest to
 * expiring (a key without TTL only when the sample has nothing else).
 *
 * Values are kept as bytes; a counter is its decimal text, as in Redis,
 * so a key set to "41" counts on from 41. Time is CLOCK_MONOTONIC: a
 * change of the wall clock does not expire anything early or late.
 */
#include "kv_internal.h"

#include <eddy/async/future.h>

#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct entry {
    struct entry *next;
    unsigned hash;
    size_t klen, vlen;
    long long expires; /* monotonic ms; 0: never */
    char *value;       /* NUL-terminated after vlen bytes */
    char key[];
} entry;

typedef struct table {
    entry **buckets;
    size_t nbuckets, count, with_ttl;
    size_t cursor; /* where the next sweep slice starts */
    struct event *sweep;
} table;

enum { SWEEP_SLICE = 256, EVICT_SAMPLE = 32 };

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned hash_of(const char *s, size_t len)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void arm_sweep(eddy_kv *kv)
{
    table *t = kv->backend;
    if (t->with_ttl && !evtimer_pending(t->sweep, NULL)) {
        long ms = kv->o.sweep_interval_ms;
        struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
        evtimer_add(t->sweep, &tv);
    }
}

/* unlink_at - remove the entry *p points at. */
static void unlink_at(table *t, entry **p)
{
    entry *e = *p;
    *p = e->next;
    t->count--;
    if (e->expires)
        t->with_ttl--;
    free(e->value);
    free(e);
}

static int expired(const entry *e, long long now)
{
    return e->expires && e->expires <= now;
}

/* sweep_slice - remove the expired keys of the next slice of buckets. */
static void sweep_slice(table *t, long long now)
{
    for (size_t n = 0; n < SWEEP_SLICE && n < t->nbuckets; n++) {
        t->cursor = (t->cursor + 1) % t->nbuckets;
        for (entry **p = &t->buckets[t->cursor]; *p;)
            if (expired(*p, now))
                unlink_at(t, p);
            else
                p = &(*p)->next;
    }
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    eddy_kv *kv = arg;
    sweep_slice(kv->backend, now_ms());
    arm_sweep(kv);
}

/* find - the live entry for key (removing it if expired), and where it hangs. */
static entry **find(table *t, const char *key, size_t klen, unsigned h, long long now)
{
    for (entry **p = &t->buckets[h & (t->nbuckets - 1)]; *p; p = &(*p)->next) {
        entry *e = *p;
        if (e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0) {
            if (!expired(e, now))
                return p;
            unlink_at(t, p);
            return NULL;
        }
    }
    return NULL;
}

static void grow(table *t)
{
    size_t n = t->nbuckets * 2;
    entry **b = calloc(n, sizeof *b);
    if (!b)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < t->nbuckets; i++)
        for (entry *e = t->buckets[i], *next; e; e = next) {
            next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
    t->cursor = 0;
}

/* evict - remove the key closest to expiring among a sample. */
static void evict(table *t)
{
    entry **victim = NULL;
    size_t seen = 0, start = (size_t)rand() & (t->nbuckets - 1);
    for (size_t i = 0; i < t->nbuckets && seen < EVICT_SAMPLE; i++)
        for (entry **p = &t->buckets[(start + i) & (t->nbuckets - 1)]; *p; p = &(*p)->next) {
            seen++;
            long long when = (*p)->expires ? (*p)->expires : INT64_MAX;
            if (!victim || when < ((*victim)->expires ? (*victim)->expires : INT64_MAX))
                victim = p;
        }
    if (victim)
        unlink_at(t, victim);
}

/* insert - a new entry for key; the caller checked it is absent. */
static entry *insert(eddy_kv *kv, const char *key, size_t klen, unsigned h, long long now)
{
    table *t = kv->backend;
    if (t->count >= kv->o.max_keys) {
        sweep_slice(t, now);
        if (t->count >= kv->o.max_keys)
            evict(t);
    }
    if (t->count >= t->nbuckets)
        grow(t);
    entry *e = calloc(1, sizeof *e + klen + 1);
    if (!e)
        return NULL;
    e->hash = h;
    e->klen = klen;
    memcpy(e->key, key, klen);
    e->next = t->buckets[h & (t->nbuckets - 1)];
    t->buckets[h & (t->nbuckets - 1)] = e;
    t->count++;
    return e;
}

/* set_ttl - e lives ttl_ms from now (0: for ever). */
static void set_ttl(eddy_kv *kv, entry *e, long ttl_ms, long long now)
{
    table *t = kv->backend;
    if (e->expires)
        t->with_ttl--;
    e->expires = ttl_ms ? now + ttl_ms : 0;
    if (e->expires)
        t->with_ttl++;
    arm_sweep(kv);
}

static int put_value(entry *e, const void *value, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return ENOMEM;
    memcpy(copy, value, len);
    copy[len] = '\0';
    free(e->value);
    e->value = copy;
    e->vlen = len;
    return 0;
}

static int set(eddy_kv *kv, const char *key, size_t klen, const void *value, size_t len,
               long ttl_ms, int only_new)
{
    table *t = kv->backend;
    long long now = now_ms();
    unsigned h = hash_of(key, klen);
    entry **p = find(t, key, klen, h, now);
    if (p && only_new)
        return EEXIST;
    entry *e = p ? *p : insert(kv, key, klen, h, now);
    if (!e)
        return ENOMEM;
    if (put_value(e, value, len)) {
        if (!p) /* a new entry without a value is no entry */
            unlink_at(t, find(t, key, klen, h, now));
        return ENOMEM;
    }
    set_ttl(kv, e, ttl_ms, now);
    return 0;
}

static int get(eddy_kv *kv, const char *key, size_t klen, char **value, size_t *len)
{
    entry **p = find(kv->backend, key, klen, hash_of(key, klen), now_ms());
    if (!p)
        return ENOENT;
    if (!(*value = malloc((*p)->vlen + 1)))
        return ENOMEM;
    memcpy(*value, (*p)->value, (*p)->vlen + 1);
    *len = (*p)->vlen;
    return 0;
}

static int ttl(eddy_kv *kv, const char *key, size_t klen, long *ttl_ms)
{
    long long now = now_ms();
    entry **p = find(kv->backend, key, klen, hash_of(key, klen), now);
    if (!p)
        return ENOENT;
    *ttl_ms = (*p)->expires ? (long)((*p)->expires - now) : -1;
    return 0;
}

static int del(eddy_kv *kv, const char *key, size_t klen)
{
    table *t = kv->backend;
    entry **p = find(t, key, klen, hash_of(key, klen), now_ms());
    if (!p)
        return ENOENT;
    unlink_at(t, p);
    return 0;
}

/* as_integer - the value as a 64-bit decimal integer; 0 or -1. */
static int as_integer(const entry *e, int64_t *n)
{
    if (e->vlen == 0 || e->vlen > 20)
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(e->value, &end, 10);
    if (errno || end != e->value + e->vlen || e->value[0] == ' ' || e->value[0] == '+')
        return -1;
    *n = v;
    return 0;
}

static int incr(eddy_kv *kv, const char *key, size_t klen, long ttl_ms, int64_t *count,
                long *ttl_left_ms)
{
    table *t = kv->backend;
    long long now = now_ms();
    unsigned h = hash_of(key, klen);
    entry **p = find(t, key, klen, h, now);
    int64_t n = 0;
    if (p && as_integer(*p, &n) < 0)
        return ERANGE;
    if (n == INT64_MAX)
        return ERANGE;
    entry *e = p ? *p : insert(kv, key, klen, h, now);
    if (!e)
        return ENOMEM;
    char text[24];
    int tlen = snprintf(text, sizeof text, "%" PRId64, n + 1);
    if (put_value(e, text, (size_t)tlen)) {
        if (!p)
            unlink_at(t, find(t, key, klen, h, now));
        return ENOMEM;
    }
    if (!e->expires && ttl_ms) /* new, or somehow without TTL: the window starts now */
        set_ttl(kv, e, ttl_ms, now);
    *count = n + 1;
    *ttl_left_ms = e->expires ? (long)(e->expires - now) : -1;
    return 0;
}

static void close_memory(eddy_kv *kv)
{
    table *t = kv->backend;
    if (!t)
        return;
    for (size_t i = 0; t->buckets && i < t->nbuckets; i++)
        while (t->buckets[i])
            unlink_at(t, &t->buckets[i]);
    if (t->sweep)
        event_free(t->sweep);
    free(t->buckets);
    free(t);
}

static const kv_ops memory_ops = {
    .name = "memory",
    .set = set,
    .get = get,
    .ttl = ttl,
    .del = del,
    .incr = incr,
    .close = close_memory,
};

int kv_memory_init(eddy_kv *kv)
{
    kv->ops = &memory_ops;
    table *t = calloc(1, sizeof *t);
    kv->backend = t;
    struct event_base *base = eddy_loop_base();
    if (!t || !base || !(t->buckets = calloc(64, sizeof *t->buckets)) ||
        !(t->sweep = evtimer_new(base, on_sweep, kv))) {
        errno = ENOMEM;
        return -1;
    }
    t->nbuckets = 64;
    return 0;
}
