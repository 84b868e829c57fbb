/*
 * kv - an expiring key-value store with atomic counters.
 *
 * The storage behind short-lived state: a verification code kept for ten
 * minutes, a rate limit's counter for one window, a resend cooldown.
 * Each key may carry a time to live, after which it is gone as if
 * deleted:
 *
 *     eddy_kv *kv = eddy_kv_open("memory:", NULL);   // or "redis://127.0.0.1:6379/0"
 *     eddy_kv_set(kv, "sms:+8613800000000", "482913", 6, 10 * 60 * 1000);
 *     ...
 *     int64_t n; long ttl;
 *     eddy_kv_incr(kv, "login:10.0.0.7", 60 * 1000, &n, &ttl);   // n-th hit this minute
 *
 * Two backends behind one table of operations (kv_internal.h):
 *   "memory:"     this process only: a hash table; an expired key is
 *                 dropped when next touched, and a timer sweeps a few
 *                 buckets at a time so keys nobody reads again go too.
 *                 It holds at most max_keys keys; when full, a new key
 *                 first clears expired ones and then evicts the key
 *                 closest to expiring among a sample (the one whose loss
 *                 matters least: it was about to go anyway).
 *   "redis://..." (redis.h for the URL) shared by every process on that
 *                 Redis: SET ... PX [NX], GET, DEL, and the counter as a
 *                 small Lua script, so INCR and its expiry are one atomic
 *                 step even with many processes counting at once.
 *
 * Times are milliseconds; a ttl_ms of 0 means no expiry. Keys are
 * NUL-terminated strings; values are bytes (NUL bytes allowed).
 *
 * Every call is a wait and follows the wait rule (lib/README.md): 0 or
 * an errno value. ENOENT (no such key), EEXIST (eddy_kv_add found one)
 * and ERANGE (eddy_kv_incr on a value that is not an integer) are
 * answers, not failures; the Redis backend adds its connection's
 * errors (ECONNREFUSED, ETIMEDOUT, ECANCELED, EPERM outside a task:
 * redis.h). The memory backend never suspends and also works outside a
 * task.
 */
#ifndef EDDY_KV_H
#define EDDY_KV_H

#include <eddy/data/redis.h>

#include <stddef.h>
#include <stdint.h>

typedef struct eddy_kv eddy_kv;

/* eddy_kv_options - a field left 0 takes its default. */
typedef struct eddy_kv_options {
    size_t max_keys;          /* memory: the most keys held (default 100000) */
    long sweep_interval_ms;   /* memory: how often the expiry sweep runs (default 1000) */
    const char *prefix;       /* put before every key (default none): "myapp:" */
    eddy_redis_options redis; /* redis: the connection's options */
} eddy_kv_options;

/* eddy_kv_open - a store on url: "memory:" or a Redis URL. NULL with
 * errno (EINVAL for a URL it cannot read, EPROTONOSUPPORT for an unknown
 * scheme, ENOMEM) and a logged message. */
eddy_kv *eddy_kv_open(const char *url, const eddy_kv_options *options);

/* eddy_kv_close - free kv; calls still waiting get ECONNREFUSED. NULL is a no-op. */
void eddy_kv_close(eddy_kv *kv);

/* eddy_kv_backend - "memory" or "redis". */
const char *eddy_kv_backend(const eddy_kv *kv);

/* eddy_kv_set - key = value[0..len), living ttl_ms (0: for ever); an
 * existing key is replaced, TTL and all. */
int eddy_kv_set(eddy_kv *kv, const char *key, const void *value, size_t len, long ttl_ms);

/* eddy_kv_add - eddy_kv_set only if key does not exist: 0 when it was
 * stored, EEXIST when a live key was there (left as it was). */
int eddy_kv_add(eddy_kv *kv, const char *key, const void *value, size_t len, long ttl_ms);

/* eddy_kv_get - key's value in *value (malloc'ed, NUL-terminated after its
 * *len bytes; free() it), or ENOENT (*value NULL). len may be NULL. */
int eddy_kv_get(eddy_kv *kv, const char *key, char **value, size_t *len);

/* eddy_kv_ttl - the time key has left in *ttl_ms (-1: no expiry), or ENOENT. */
int eddy_kv_ttl(eddy_kv *kv, const char *key, long *ttl_ms);

/* eddy_kv_delete - remove key: 0 when it was there, ENOENT when not. */
int eddy_kv_delete(eddy_kv *kv, const char *key);

/* eddy_kv_incr - add 1 to the integer at key, atomically, and return the
 * new count in *count and the time it has left in *ttl_left_ms (either
 * may be NULL). A missing key starts at 0 and gets ttl_ms (0: none): the
 * counter lives ttl_ms from its first increment, and later increments
 * do not extend it, which is what a fixed window needs. A key that
 * somehow has no TTL gets ttl_ms. ERANGE when the value is not an
 * integer. */
int eddy_kv_incr(eddy_kv *kv, const char *key, long ttl_ms, int64_t *count, long *ttl_left_ms);

#endif
