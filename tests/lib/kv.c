/*
 * Tests of lib/data/kv: one suite, run against both backends.
 *
 * Every check is written once and KV_TEST runs it on the memory backend
 * and on the private redis-server (started by the PRE_ALL hook in
 * redis.c; without one, those tests skip saying why). On Redis the
 * checks also ask redis-cli what the server holds: the key, its value's
 * length, its TTL, so a test sees the store and not only the calls.
 */
#include "kv_checks.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* cli_is - on Redis, redis-cli COMMAND key prints want. */
static void cli_is(const kv_test *t, const char *command, const char *key, const char *want)
{
    char *out = kv_cli(t, command, key);
    if (!out)
        return;
    cr_assert_str_eq(out, want, "redis-cli %s %s%s", command, t->prefix, key);
    free(out);
}

/* cli_ttl - on Redis, the key's PTTL as redis-cli sees it (-2 when gone). */
static long cli_ttl(const kv_test *t, const char *key)
{
    char *out = kv_cli(t, "PTTL", key);
    if (!out)
        return 0;
    long v = atol(out);
    free(out);
    return v;
}

KV_CHECK(binary_values_round_trip)
{
    const char value[] = "a\0b\r\n c\0";
    cr_assert_eq(eddy_kv_set(t->kv, "bin", value, sizeof value, 0), 0);
    char *got;
    size_t len;
    cr_assert_eq(eddy_kv_get(t->kv, "bin", &got, &len), 0);
    cr_assert_eq(len, sizeof value);
    cr_assert(memcmp(got, value, len) == 0, "the bytes came back as they went");
    cr_assert_eq(got[len], '\0', "NUL-terminated after its bytes");
    free(got);
    cli_is(t, "STRLEN", "bin", "9");
    cli_is(t, "PTTL", "bin", "-1");

    cr_assert_eq(eddy_kv_set(t->kv, "empty", "", 0, 0), 0);
    cr_assert_eq(eddy_kv_get(t->kv, "empty", &got, &len), 0);
    cr_assert_eq(len, 0);
    free(got);
    cli_is(t, "EXISTS", "empty", "1");
}

KV_TEST(kv, binary_values_round_trip)

KV_CHECK(missing_keys_and_delete)
{
    char *got = (char *)"untouched";
    cr_assert_eq(eddy_kv_get(t->kv, "nothing", &got, NULL), ENOENT);
    cr_assert_null(got);
    long ttl;
    cr_assert_eq(eddy_kv_ttl(t->kv, "nothing", &ttl), ENOENT);
    cr_assert_eq(eddy_kv_delete(t->kv, "nothing"), ENOENT);

    cr_assert_eq(eddy_kv_set(t->kv, "k", "v", 1, 0), 0);
    cli_is(t, "GET", "k", "v");
    cr_assert_eq(eddy_kv_delete(t->kv, "k"), 0);
    cr_assert_eq(eddy_kv_delete(t->kv, "k"), ENOENT);
    cr_assert_eq(eddy_kv_get(t->kv, "k", &got, NULL), ENOENT);
    cli_is(t, "EXISTS", "k", "0");

    cr_assert_eq(eddy_kv_set(t->kv, "", "v", 1, 0), EINVAL, "an empty key is refused");
    cr_assert_eq(eddy_kv_set(t->kv, "k", "v", 1, -5), EINVAL, "a negative TTL is refused");
}

KV_TEST(kv, missing_keys_and_delete)

KV_CHECK(keys_expire)
{
    cr_assert_eq(eddy_kv_set(t->kv, "code", "482913", 6, 300), 0);
    long ttl = 0;
    cr_assert_eq(eddy_kv_ttl(t->kv, "code", &ttl), 0);
    cr_assert(ttl > 0 && ttl <= 300, "ttl %ld", ttl);
    if (t->url) {
        long server = cli_ttl(t, "code");
        cr_assert(server > 0 && server <= 300, "the server's PTTL is %ld", server);
    }
    char *got;
    cr_assert_eq(eddy_kv_get(t->kv, "code", &got, NULL), 0);
    cr_assert_str_eq(got, "482913");
    free(got);

    cr_assert_eq(eddy_sleep(400), 0);
    cr_assert_eq(eddy_kv_get(t->kv, "code", &got, NULL), ENOENT, "gone after its TTL");
    cr_assert_eq(eddy_kv_ttl(t->kv, "code", &ttl), ENOENT);
    cli_is(t, "EXISTS", "code", "0");

    /* Setting again replaces the TTL too: without one, it stays. */
    cr_assert_eq(eddy_kv_set(t->kv, "code", "1", 1, 300), 0);
    cr_assert_eq(eddy_kv_set(t->kv, "code", "2", 1, 0), 0);
    cr_assert_eq(eddy_kv_ttl(t->kv, "code", &ttl), 0);
    cr_assert_eq(ttl, -1);
    cli_is(t, "PTTL", "code", "-1");
}

KV_TEST(kv, keys_expire)

KV_CHECK(add_only_when_absent)
{
    cr_assert_eq(eddy_kv_add(t->kv, "cooldown", "1", 1, 300), 0);
    cr_assert_eq(eddy_kv_add(t->kv, "cooldown", "2", 1, 300), EEXIST);
    char *got;
    cr_assert_eq(eddy_kv_get(t->kv, "cooldown", &got, NULL), 0);
    cr_assert_str_eq(got, "1", "the first value stays");
    free(got);
    cli_is(t, "GET", "cooldown", "1");

    cr_assert_eq(eddy_sleep(400), 0);
    cr_assert_eq(eddy_kv_add(t->kv, "cooldown", "3", 1, 0), 0, "an expired key is absent");
    cli_is(t, "GET", "cooldown", "3");
}

KV_TEST(kv, add_only_when_absent)

KV_CHECK(counters_count_within_their_window)
{
    /* A one-second window: long enough that a test machine under load
     * does not see it run out between two calls 150 ms apart. */
    int64_t n = 0;
    long left = 0;
    cr_assert_eq(eddy_kv_incr(t->kv, "hits", 1000, &n, &left), 0);
    cr_assert_eq(n, 1);
    cr_assert(left > 0 && left <= 1000, "left %ld", left);
    cr_assert_eq(eddy_sleep(150), 0);
    cr_assert_eq(eddy_kv_incr(t->kv, "hits", 1000, &n, &left), 0);
    cr_assert_eq(n, 2);
    cr_assert(left > 0 && left <= 860, "a later increment does not extend the window: %ld", left);
    cr_assert_eq(eddy_kv_incr(t->kv, "hits", 1000, &n, NULL), 0);
    cr_assert_eq(n, 3);
    cli_is(t, "GET", "hits", "3");
    if (t->url) {
        long server = cli_ttl(t, "hits");
        cr_assert(server > 0 && server <= 860, "the server's PTTL is %ld", server);
    }

    cr_assert_eq(eddy_sleep(1000), 0);
    cr_assert_eq(eddy_kv_incr(t->kv, "hits", 1000, &n, &left), 0);
    cr_assert_eq(n, 1, "a new window starts at 1");

    /* A counter set by hand counts on from its value; text is no counter. */
    cr_assert_eq(eddy_kv_set(t->kv, "forty", "41", 2, 0), 0);
    cr_assert_eq(eddy_kv_incr(t->kv, "forty", 1000, &n, &left), 0);
    cr_assert_eq(n, 42);
    cr_assert(left > 0 && left <= 1000, "a key without TTL gets one: %ld", left);
    cr_assert_eq(eddy_kv_set(t->kv, "word", "hello", 5, 0), 0);
    cr_assert_eq(eddy_kv_incr(t->kv, "word", 1000, &n, &left), ERANGE);
    cli_is(t, "GET", "word", "hello");

    /* No TTL asked: a counter for ever. */
    cr_assert_eq(eddy_kv_incr(t->kv, "total", 0, &n, &left), 0);
    cr_assert_eq(left, -1);
    cli_is(t, "PTTL", "total", "-1");
}

KV_TEST(kv, counters_count_within_their_window)

/* Many tasks on two stores (two connections to Redis) increment one key:
 * every count from 1 to the total is handed out exactly once. */
enum { COUNTERS = 40, EACH = 25 };

struct counter {
    eddy_kv *kv;
    int64_t *seen;
    int *left;
    int rc;
};

static void count_task(void *arg)
{
    struct counter *c = arg;
    for (int i = 0; i < EACH && c->rc == 0; i++) {
        int64_t n;
        c->rc = eddy_kv_incr(c->kv, "shared", 60000, &n, NULL);
        if (c->rc == 0 && n >= 1 && n <= COUNTERS * EACH)
            c->seen[n - 1]++;
    }
    --*c->left;
}

KV_CHECK(counters_are_atomic_under_concurrent_tasks)
{
    eddy_kv_options o = {.prefix = t->prefix};
    eddy_kv *second = t->url ? eddy_kv_open(t->url, &o) : t->kv;
    cr_assert_not_null(second);
    static int64_t seen[COUNTERS * EACH];
    memset(seen, 0, sizeof seen);
    struct counter c[COUNTERS];
    int left = COUNTERS;
    for (int i = 0; i < COUNTERS; i++) {
        c[i] = (struct counter){i % 2 ? second : t->kv, seen, &left, 0};
        cr_assert_not_null(eddy_task_spawn(count_task, &c[i]));
    }
    for (int waited = 0; left > 0 && waited < 20000; waited += 5)
        eddy_sleep(5);
    cr_assert_eq(left, 0, "every task finished");
    for (int i = 0; i < COUNTERS; i++)
        cr_assert_eq(c[i].rc, 0, "task %d: %s", i, strerror(c[i].rc));
    for (int i = 0; i < COUNTERS * EACH; i++)
        cr_assert_eq(seen[i], 1, "count %d was handed out %lld times", i + 1, (long long)seen[i]);
    cli_is(t, "GET", "shared", "1000");
    if (second != t->kv)
        eddy_kv_close(second);
}

KV_TEST(kv, counters_are_atomic_under_concurrent_tasks)

/* ------------------------------------------------------------ memory only */

struct memory_run {
    void (*check)(eddy_kv *kv);
    eddy_kv *kv;
};

static void memory_task(void *arg)
{
    struct memory_run *r = arg;
    r->check(r->kv);
    eddy_kv_close(r->kv);
}

static void run_memory(void (*check)(eddy_kv *kv), const eddy_kv_options *o)
{
    struct memory_run r = {check, eddy_kv_open("memory:", o)};
    cr_assert_not_null(r.kv);
    cr_assert_not_null(eddy_task_spawn(memory_task, &r));
    cr_assert_eq(eddy_loop_run(), 0);
    eddy_loop_free();
}

static int present(eddy_kv *kv, const char *key)
{
    long ttl;
    return eddy_kv_ttl(kv, key, &ttl) == 0;
}

static void full_store_check(eddy_kv *kv)
{
    cr_assert_eq(eddy_kv_set(kv, "soon", "x", 1, 100), 0);
    cr_assert_eq(eddy_kv_set(kv, "later", "x", 1, 60000), 0);
    cr_assert_eq(eddy_kv_set(kv, "never", "x", 1, 0), 0);
    /* Full: the key closest to expiring makes room. */
    cr_assert_eq(eddy_kv_set(kv, "new", "x", 1, 0), 0);
    cr_assert(!present(kv, "soon"), "the key about to expire was evicted");
    cr_assert(present(kv, "later") && present(kv, "never") && present(kv, "new"));
    /* Then the one with a TTL before any without. */
    cr_assert_eq(eddy_kv_set(kv, "newer", "x", 1, 0), 0);
    cr_assert(!present(kv, "later"));
    cr_assert(present(kv, "never") && present(kv, "new") && present(kv, "newer"));
    /* Expired keys go first of all. */
    cr_assert_eq(eddy_kv_delete(kv, "newer"), 0);
    cr_assert_eq(eddy_kv_set(kv, "brief", "x", 1, 50), 0);
    cr_assert_eq(eddy_sleep(100), 0);
    cr_assert_eq(eddy_kv_incr(kv, "counter", 0, NULL, NULL), 0);
    cr_assert(present(kv, "never") && present(kv, "new") && present(kv, "counter"));
}

Test(kv_memory, a_full_store_evicts_the_key_closest_to_expiring)
{
    eddy_kv_options o = {.max_keys = 3};
    run_memory(full_store_check, &o);
}

static void outside_check(eddy_kv *kv)
{
    (void)kv;
}

Test(kv_memory, works_outside_a_task)
{
    eddy_kv *kv = eddy_kv_open("memory:", NULL);
    cr_assert_not_null(kv);
    int64_t n;
    cr_assert_eq(eddy_kv_incr(kv, "k", 0, &n, NULL), 0);
    cr_assert_eq(eddy_kv_incr(kv, "k", 0, &n, NULL), 0);
    cr_assert_eq(n, 2);
    eddy_kv_close(kv);
    run_memory(outside_check, NULL);
}

Test(kv, unknown_urls_are_refused)
{
    errno = 0;
    cr_assert_null(eddy_kv_open("memcached://127.0.0.1", NULL));
    cr_assert_eq(errno, EPROTONOSUPPORT);
    cr_assert_null(eddy_kv_open("redis://127.0.0.1:notaport", NULL));
    cr_assert_eq(errno, EINVAL);
    eddy_loop_free();
}
