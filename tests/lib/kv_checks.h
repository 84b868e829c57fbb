/*
 * kv_checks - running one check on both kv backends, for the kv and
 * rate-limit suites.
 *
 *     KV_CHECK(name) { ... uses t->kv, t->url, t->prefix ... }
 *     KV_TEST(kv, name)        runs it on "memory:" and on the test Redis,
 *                              as kv_memory::name and kv_redis::name
 *
 * A check runs inside a task on the test's loop, so it may wait. Each
 * test's keys get a prefix of their own ("test.NAME:"), so tests running
 * side by side on one Redis never meet; t->url is the Redis URL (NULL for
 * memory), for looking at the store with redis_cli.
 */
#ifndef TEST_KV_CHECKS_H
#define TEST_KV_CHECKS_H

#include "harness.h"
#include "redis_server.h"

#include <eddy/async/future.h>
#include <eddy/data/kv.h>

typedef struct kv_test {
    eddy_kv *kv;
    const char *url;    /* the Redis server, or NULL for the memory backend */
    const char *prefix; /* put before every key by the store */
} kv_test;

typedef void (*kv_check_fn)(kv_test *t);

/* kv_run - open a store (redis: skip the test when there is no server),
 * run check in a task, close everything. */
void kv_run(kv_check_fn check, int redis, const char *name, const eddy_kv_options *o);

/* kv_cli - redis_cli on the test's server with key prefixed; NULL for
 * the memory backend. Freed by the caller. */
char *kv_cli(const kv_test *t, const char *command, const char *key);

#define KV_CHECK(name) static void name##_check(kv_test *t)
#define KV_TEST_OPTS(suite, name, ...)                                                             \
    Test(suite##_memory, name, .timeout = 60)                                                      \
    {                                                                                              \
        eddy_kv_options o_ = {__VA_ARGS__};                                                        \
        kv_run(name##_check, 0, #name, &o_);                                                       \
    }                                                                                              \
    Test(suite##_redis, name, .timeout = 60)                                                       \
    {                                                                                              \
        eddy_kv_options o_ = {__VA_ARGS__};                                                        \
        kv_run(name##_check, 1, #name, &o_);                                                       \
    }
#define KV_TEST(suite, name) KV_TEST_OPTS(suite, name, .max_keys = 0)

#endif
