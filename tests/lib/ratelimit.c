/*
 * Tests of lib/data/ratelimit, on both kv backends (kv_checks.h): what a
 * caller is told hit by hit (allowed, remaining, when to retry), that the
 * window ends, that keys and limits do not mix, that concurrent hits
 * never let more through than the limit, and on Redis the counter the
 * server holds.
 */
#include "kv_checks.h"

#include <eddy/data/ratelimit.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static eddy_ratelimit_verdict hit(eddy_ratelimit *rl, const char *key)
{
    eddy_ratelimit_verdict v;
    int rc = eddy_ratelimit_hit(rl, key, &v);
    cr_assert_eq(rc, 0, "hit %s: %s", key, strerror(rc));
    return v;
}

KV_CHECK(n_hits_per_window_then_refused)
{
    eddy_ratelimit *rl = eddy_ratelimit_new(t->kv, "login", 3, 1500);
    cr_assert_not_null(rl);
    for (long i = 1; i <= 3; i++) {
        eddy_ratelimit_verdict v = hit(rl, "10.0.0.7");
        cr_assert(v.allowed, "hit %ld is within the limit", i);
        cr_assert_eq(v.count, i);
        cr_assert_eq(v.limit, 3);
        cr_assert_eq(v.remaining, 3 - i);
        cr_assert_eq(v.retry_after_seconds, 0);
        cr_assert(v.reset_ms > 0 && v.reset_ms <= 1500, "reset in %ld ms", v.reset_ms);
    }
    eddy_ratelimit_verdict v = hit(rl, "10.0.0.7");
    cr_assert(!v.allowed, "the fourth hit is refused");
    cr_assert_eq(v.count, 4);
    cr_assert_eq(v.remaining, 0);
    cr_assert(v.retry_after_seconds >= 1 && v.retry_after_seconds <= 2,
              "retry after %ld s (the window's rest, rounded up)", v.retry_after_seconds);

    if (t->url) { /* the counter as the server holds it */
        char *count = kv_cli(t, "GET", "rl:login:10.0.0.7");
        cr_assert_str_eq(count, "4");
        free(count);
        char *ttl = kv_cli(t, "PTTL", "rl:login:10.0.0.7");
        long ms = atol(ttl);
        free(ttl);
        cr_assert(ms > 0 && ms <= 1500, "the counter expires with the window: %ld", ms);
    }

    cr_assert(hit(rl, "10.0.0.8").allowed, "another key has its own count");
    eddy_ratelimit *sms = eddy_ratelimit_new(t->kv, "sms", 1, 1500);
    cr_assert(hit(sms, "10.0.0.7").allowed, "another limit has its own count");
    cr_assert(!hit(sms, "10.0.0.7").allowed);

    cr_assert_eq(eddy_sleep(1600), 0);
    v = hit(rl, "10.0.0.7");
    cr_assert(v.allowed, "a new window after the last one ended");
    cr_assert_eq(v.count, 1);
    eddy_ratelimit_free(sms);
    eddy_ratelimit_free(rl);
}

KV_TEST(ratelimit, n_hits_per_window_then_refused)

KV_CHECK(reset_forgets_a_key)
{
    eddy_ratelimit *rl = eddy_ratelimit_new(t->kv, "attempts", 2, 60000);
    hit(rl, "alice");
    hit(rl, "alice");
    cr_assert(!hit(rl, "alice").allowed);
    cr_assert_eq(eddy_ratelimit_reset(rl, "alice"), 0);
    cr_assert(hit(rl, "alice").allowed, "after a reset, counting starts again");
    cr_assert_eq(eddy_ratelimit_reset(rl, "nobody"), 0, "resetting an unknown key is no error");
    eddy_ratelimit_free(rl);
}

KV_TEST(ratelimit, reset_forgets_a_key)

/* Many tasks hit one key at once: exactly the limit get through. */
enum { HITTERS = 30 };

struct hitter {
    eddy_ratelimit *rl;
    int allowed, rc;
    int *left;
};

static void hitter_task(void *arg)
{
    struct hitter *h = arg;
    eddy_ratelimit_verdict v;
    h->rc = eddy_ratelimit_hit(h->rl, "burst", &v);
    h->allowed = h->rc == 0 && v.allowed;
    --*h->left;
}

KV_CHECK(concurrent_hits_never_pass_the_limit)
{
    eddy_ratelimit *rl = eddy_ratelimit_new(t->kv, "burst", 5, 60000);
    struct hitter h[HITTERS];
    int left = HITTERS;
    for (int i = 0; i < HITTERS; i++) {
        h[i] = (struct hitter){rl, 0, -1, &left};
        cr_assert_not_null(eddy_task_spawn(hitter_task, &h[i]));
    }
    for (int waited = 0; left > 0 && waited < 20000; waited += 5)
        eddy_sleep(5);
    cr_assert_eq(left, 0);
    int allowed = 0;
    for (int i = 0; i < HITTERS; i++) {
        cr_assert_eq(h[i].rc, 0);
        allowed += h[i].allowed;
    }
    cr_assert_eq(allowed, 5, "%d hits were allowed", allowed);
    eddy_ratelimit_free(rl);
}

KV_TEST(ratelimit, concurrent_hits_never_pass_the_limit)

Test(ratelimit, bad_limits_are_einval)
{
    eddy_kv *kv = eddy_kv_open("memory:", NULL);
    const char *names[] = {"", "has space", "colon:in", NULL};
    for (int i = 0; i < 4; i++) {
        errno = 0;
        cr_assert_null(eddy_ratelimit_new(kv, names[i], 1, 1000), "name %d", i);
        cr_assert_eq(errno, EINVAL);
    }
    cr_assert_null(eddy_ratelimit_new(kv, "ok", 0, 1000));
    cr_assert_null(eddy_ratelimit_new(kv, "ok", 1, 0));
    cr_assert_null(eddy_ratelimit_new(NULL, "ok", 1, 1000));
    eddy_ratelimit *rl = eddy_ratelimit_new(kv, "ok.name-1_", 1, 1000);
    cr_assert_not_null(rl);
    eddy_ratelimit_free(rl);
    eddy_kv_close(kv);
    eddy_loop_free();
}
