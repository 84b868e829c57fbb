/*
 * kv_checks - the kv suites' shared machinery; see kv_checks.h.
 */
#include "kv_checks.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct run {
    kv_check_fn check;
    kv_test *t;
    int done;
};

static void run_task(void *arg)
{
    struct run *r = arg;
    r->check(r->t);
    eddy_kv_close(r->t->kv); /* its connection would keep the loop running */
    r->t->kv = NULL;
    r->done = 1;
}

void kv_run(kv_check_fn check, int redis, const char *name, const eddy_kv_options *o)
{
    const char *why = NULL, *url = NULL;
    if (redis && !(url = redis_url(&why)))
        cr_skip_test("Redis: %s", why);
    char prefix[128];
    snprintf(prefix, sizeof prefix, "test.%s:", name);
    eddy_kv_options opts = *o;
    opts.prefix = prefix;
    kv_test t = {.url = url, .prefix = prefix};
    t.kv = eddy_kv_open(redis ? url : "memory:", &opts);
    cr_assert_not_null(t.kv, "eddy_kv_open: %s", strerror(errno));
    cr_assert_str_eq(eddy_kv_backend(t.kv), redis ? "redis" : "memory");
    struct run r = {check, &t, 0};
    cr_assert_not_null(eddy_task_spawn(run_task, &r));
    cr_assert_eq(eddy_loop_run(), 0);
    cr_assert(r.done, "the check did not finish");
    eddy_loop_free();
}

char *kv_cli(const kv_test *t, const char *command, const char *key)
{
    if (!t->url)
        return NULL;
    char full[256];
    snprintf(full, sizeof full, "%s%s", t->prefix, key);
    char *out = redis_cli(t->url, command, full, NULL);
    cr_assert_not_null(out, "redis-cli %s %s failed", command, full);
    return out;
}
