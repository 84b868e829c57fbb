/*
 * kv_redis - the Redis backend: each call one command on one shared
 * connection (redis.h), so concurrent tasks pipeline.
 *
 * The counter is a Lua script run by EVAL: INCR, then PEXPIRE when the
 * key has no TTL (it was just made), then PTTL, all in one step that no
 * other client's command can come between. With INCR and EXPIRE sent as
 * two commands, a process that died between them would leave a counter
 * that never expires: a client locked out for good.
 */
#include "kv_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char incr_script[] = "local n = redis.call('INCR', KEYS[1])\n"
                                  "local t = redis.call('PTTL', KEYS[1])\n"
                                  "local ttl = tonumber(ARGV[1])\n"
                                  "if t < 0 and ttl > 0 then\n"
                                  "  redis.call('PEXPIRE', KEYS[1], ttl)\n"
                                  "  t = ttl\n"
                                  "end\n"
                                  "return {n, t}\n";

static eddy_redis *conn(eddy_kv *kv)
{
    return kv->backend;
}

static int set(eddy_kv *kv, const char *key, size_t klen, const void *value, size_t len,
               long ttl_ms, int only_new)
{
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%ld", ttl_ms);
    eddy_redis_arg args[6] = {EDDY_REDIS_STR("SET"), EDDY_REDIS_BYTES(key, klen),
                              EDDY_REDIS_BYTES(value, len)};
    size_t n = 3;
    if (ttl_ms) {
        args[n++] = EDDY_REDIS_STR("PX");
        args[n++] = EDDY_REDIS_STR(ttl);
    }
    if (only_new)
        args[n++] = EDDY_REDIS_STR("NX");
    eddy_redis_reply *rep;
    int rc = eddy_redis_command(conn(kv), &rep, args, n);
    if (rc == 0 && rep->type == EDDY_REDIS_NIL)
        rc = EEXIST; /* NX found the key */
    eddy_redis_reply_free(rep);
    return rc;
}

static int get(eddy_kv *kv, const char *key, size_t klen, char **value, size_t *len)
{
    eddy_redis_reply *rep;
    int rc = eddy_redis_command(
        conn(kv), &rep, EDDY_REDIS_ARGS(EDDY_REDIS_STR("GET"), EDDY_REDIS_BYTES(key, klen)));
    if (rc == 0 && rep->type != EDDY_REDIS_STRING)
        rc = ENOENT;
    if (rc == 0 && !(*value = malloc(rep->len + 1)))
        rc = ENOMEM;
    if (rc == 0) {
        memcpy(*value, rep->str, rep->len + 1);
        *len = rep->len;
    }
    eddy_redis_reply_free(rep);
    return rc;
}

static int ttl(eddy_kv *kv, const char *key, size_t klen, long *ttl_ms)
{
    eddy_redis_reply *rep;
    int rc = eddy_redis_command(
        conn(kv), &rep, EDDY_REDIS_ARGS(EDDY_REDIS_STR("PTTL"), EDDY_REDIS_BYTES(key, klen)));
    if (rc == 0 && (rep->type != EDDY_REDIS_INTEGER || rep->integer == -2))
        rc = ENOENT;
    if (rc == 0)
        *ttl_ms = rep->integer < 0 ? -1 : (long)rep->integer;
    eddy_redis_reply_free(rep);
    return rc;
}

static int del(eddy_kv *kv, const char *key, size_t klen)
{
    eddy_redis_reply *rep;
    int rc = eddy_redis_command(
        conn(kv), &rep, EDDY_REDIS_ARGS(EDDY_REDIS_STR("DEL"), EDDY_REDIS_BYTES(key, klen)));
    if (rc == 0 && (rep->type != EDDY_REDIS_INTEGER || rep->integer == 0))
        rc = ENOENT;
    eddy_redis_reply_free(rep);
    return rc;
}

static int incr(eddy_kv *kv, const char *key, size_t klen, long ttl_ms, int64_t *count,
                long *ttl_left_ms)
{
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%ld", ttl_ms);
    eddy_redis_reply *rep;
    int rc = eddy_redis_command(conn(kv), &rep,
                                EDDY_REDIS_ARGS(EDDY_REDIS_STR("EVAL"), EDDY_REDIS_STR(incr_script),
                                                EDDY_REDIS_STR("1"), EDDY_REDIS_BYTES(key, klen),
                                                EDDY_REDIS_STR(ttl)));
    if (rc == EIO && strstr(rep->str, "not an integer"))
        rc = ERANGE;
    else if (rc == 0 && (rep->type != EDDY_REDIS_ARRAY || rep->elements != 2 ||
                         rep->element[0].type != EDDY_REDIS_INTEGER ||
                         rep->element[1].type != EDDY_REDIS_INTEGER))
        rc = EIO;
    if (rc == 0) {
        *count = rep->element[0].integer;
        *ttl_left_ms = rep->element[1].integer < 0 ? -1 : (long)rep->element[1].integer;
    }
    eddy_redis_reply_free(rep);
    return rc;
}

static void close_redis(eddy_kv *kv)
{
    eddy_redis_close(kv->backend);
}

static const kv_ops redis_ops = {
    .name = "redis",
    .set = set,
    .get = get,
    .ttl = ttl,
    .del = del,
    .incr = incr,
    .close = close_redis,
};

int kv_redis_init(eddy_kv *kv, const char *url)
{
    kv->ops = &redis_ops;
    kv->backend = eddy_redis_open(url, &kv->o.redis);
    return kv->backend ? 0 : -1;
}
