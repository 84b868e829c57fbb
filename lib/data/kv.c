/*
 * kv - opening a store and the calls every backend shares: arguments
 * checked once, the prefix put before each key. See kv.h.
 */
#include "kv_internal.h"

#include <eddy/base/log.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

eddy_kv *eddy_kv_open(const char *url, const eddy_kv_options *options)
{
    eddy_kv *kv = calloc(1, sizeof *kv);
    if (!kv) {
        errno = ENOMEM;
        return NULL;
    }
    if (options)
        kv->o = *options;
    if (!kv->o.max_keys)
        kv->o.max_keys = 100000;
    if (kv->o.sweep_interval_ms <= 0)
        kv->o.sweep_interval_ms = 1000;
    const char *prefix = kv->o.prefix ? kv->o.prefix : "";
    kv->plen = strlen(prefix);
    kv->prefix = strdup(prefix);
    kv->o.prefix = kv->prefix;
    int rc = -1;
    if (!kv->prefix)
        errno = ENOMEM;
    else if (!url)
        errno = EINVAL;
    else if (strcmp(url, "memory:") == 0 || strcmp(url, "memory://") == 0)
        rc = kv_memory_init(kv);
    else if (strncmp(url, "redis://", 8) == 0)
        rc = kv_redis_init(kv, url);
    else {
        eddy_error("kv: unknown URL scheme in \"%.16s...\" (memory: or redis://)", url);
        errno = EPROTONOSUPPORT;
    }
    if (rc < 0) {
        int err = errno;
        if (kv->ops)
            kv->ops->close(kv);
        free(kv->prefix);
        free(kv);
        errno = err;
        return NULL;
    }
    return kv;
}

void eddy_kv_close(eddy_kv *kv)
{
    if (!kv)
        return;
    kv->ops->close(kv);
    free(kv->prefix);
    free(kv);
}

const char *eddy_kv_backend(const eddy_kv *kv)
{
    return kv->ops->name;
}

/* A key with the prefix before it: on the stack when short. */
typedef struct full_key {
    char small[256];
    char *p;
    size_t len;
} full_key;

static int make_key(const eddy_kv *kv, const char *key, full_key *k)
{
    if (!key || !*key)
        return EINVAL;
    size_t klen = strlen(key);
    k->len = kv->plen + klen;
    k->p = k->len < sizeof k->small ? k->small : malloc(k->len + 1);
    if (!k->p)
        return ENOMEM;
    memcpy(k->p, kv->prefix, kv->plen);
    memcpy(k->p + kv->plen, key, klen + 1);
    return 0;
}

static void drop_key(full_key *k)
{
    if (k->p != k->small)
        free(k->p);
}

static int store(eddy_kv *kv, const char *key, const void *value, size_t len, long ttl_ms,
                 int only_new)
{
    full_key k;
    int rc = (ttl_ms < 0 || (!value && len)) ? EINVAL : make_key(kv, key, &k);
    if (rc)
        return rc;
    rc = kv->ops->set(kv, k.p, k.len, value ? value : "", len, ttl_ms, only_new);
    drop_key(&k);
    return rc;
}

int eddy_kv_set(eddy_kv *kv, const char *key, const void *value, size_t len, long ttl_ms)
{
    return store(kv, key, value, len, ttl_ms, 0);
}

int eddy_kv_add(eddy_kv *kv, const char *key, const void *value, size_t len, long ttl_ms)
{
    return store(kv, key, value, len, ttl_ms, 1);
}

int eddy_kv_get(eddy_kv *kv, const char *key, char **value, size_t *len)
{
    *value = NULL;
    size_t ignored;
    full_key k;
    int rc = make_key(kv, key, &k);
    if (rc)
        return rc;
    rc = kv->ops->get(kv, k.p, k.len, value, len ? len : &ignored);
    drop_key(&k);
    return rc;
}

int eddy_kv_ttl(eddy_kv *kv, const char *key, long *ttl_ms)
{
    full_key k;
    int rc = make_key(kv, key, &k);
    if (rc)
        return rc;
    rc = kv->ops->ttl(kv, k.p, k.len, ttl_ms);
    drop_key(&k);
    return rc;
}

int eddy_kv_delete(eddy_kv *kv, const char *key)
{
    full_key k;
    int rc = make_key(kv, key, &k);
    if (rc)
        return rc;
    rc = kv->ops->del(kv, k.p, k.len);
    drop_key(&k);
    return rc;
}

int eddy_kv_incr(eddy_kv *kv, const char *key, long ttl_ms, int64_t *count, long *ttl_left_ms)
{
    int64_t c;
    long left;
    full_key k;
    int rc = ttl_ms < 0 ? EINVAL : make_key(kv, key, &k);
    if (rc)
        return rc;
    rc = kv->ops->incr(kv, k.p, k.len, ttl_ms, &c, &left);
    drop_key(&k);
    if (rc == 0 && count)
        *count = c;
    if (rc == 0 && ttl_left_ms)
        *ttl_left_ms = left;
    return rc;
}
