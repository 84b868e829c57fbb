/*
 * kv_internal - the table of operations behind eddy_kv, one per backend
 * (kv_memory.c, kv_redis.c). kv.c checks arguments and puts the prefix
 * before every key, so a backend sees the whole key and only stores.
 */
#ifndef EDDY_KV_INTERNAL_H
#define EDDY_KV_INTERNAL_H

#include <eddy/data/kv.h>

#include <stddef.h>
#include <stdint.h>

typedef struct kv_ops {
    const char *name;
    /* set - store; only_new: not when a live key exists (EEXIST). */
    int (*set)(eddy_kv *kv, const char *key, size_t klen, const void *value, size_t len,
               long ttl_ms, int only_new);
    int (*get)(eddy_kv *kv, const char *key, size_t klen, char **value, size_t *len);
    int (*ttl)(eddy_kv *kv, const char *key, size_t klen, long *ttl_ms);
    int (*del)(eddy_kv *kv, const char *key, size_t klen);
    int (*incr)(eddy_kv *kv, const char *key, size_t klen, long ttl_ms, int64_t *count,
                long *ttl_left_ms);
    void (*close)(eddy_kv *kv);
} kv_ops;

struct eddy_kv {
    const kv_ops *ops;
    void *backend;
    char *prefix;
    size_t plen;
    eddy_kv_options o; /* with the defaults filled in */
};

/* The backends' constructors: 0, or -1 with errno (kv->backend set). */
int kv_memory_init(eddy_kv *kv);
int kv_redis_init(eddy_kv *kv, const char *url);

#endif
