/*
 * Tests of lib/data/redis: the connection, on a real redis-server.
 *
 * The PRE_ALL hook starts the private server every Redis test of the lib
 * suite uses (kv, pubsub and ratelimit too); without one they skip,
 * saying why. The tests that stop and restart a server start one of their
 * own. What is checked is what a program sees: replies byte for byte,
 * Redis's own error text, commands from many tasks answered on one
 * connection, and the connection coming back after the server restarts.
 */
#include "harness.h"
#include "redis_server.h"

#include <eddy/async/future.h>
#include <eddy/data/redis.h>

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The hooks are written a few lines down from the top of the file on purpose:
 * Criterion names a hook after its line, and the lib suite's database tests
 * have theirs near the top of db.c. */

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    redis_suite_start("lib redis");
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    redis_suite_stop();
}

/* ------------------------------------------------------------ running */

typedef void (*redis_check_fn)(eddy_redis *r, const char *url);

struct run {
    redis_check_fn check;
    eddy_redis *r;
    const char *url;
    int done;
};

static void run_task(void *arg)
{
    struct run *run = arg;
    run->check(run->r, run->url);
    eddy_redis_close(run->r); /* its socket would keep the loop running */
    run->done = 1;
}

static void run_on(const char *url, redis_check_fn check, const eddy_redis_options *o)
{
    struct run run = {check, eddy_redis_open(url, o), url, 0};
    cr_assert_not_null(run.r, "eddy_redis_open(%s): %s", url, strerror(errno));
    cr_assert_not_null(eddy_task_spawn(run_task, &run));
    cr_assert_eq(eddy_loop_run(), 0);
    cr_assert(run.done, "the check did not finish");
    eddy_loop_free();
}

static void run_check(redis_check_fn check, const eddy_redis_options *o)
{
    const char *why = NULL;
    const char *url = redis_url(&why);
    if (!url)
        cr_skip_test("Redis: %s", why);
    run_on(url, check, o);
}

#define A(s) EDDY_REDIS_STR(s)

/* ------------------------------------------------------------ commands */

static void binary_arguments_check(eddy_redis *r, const char *url)
{
    /* A key and a value that a formatted command line would split or cut. */
    const char key[] = "redis.bin key\r\nSET x y";
    const char value[] = "v\0a l\r\nue";
    eddy_redis_reply *rep;
    int rc = eddy_redis_command(
        r, &rep, EDDY_REDIS_ARGS(A("SET"), A(key), EDDY_REDIS_BYTES(value, sizeof value - 1)));
    cr_assert_eq(rc, 0, "SET: %s", rep ? rep->str : strerror(rc));
    cr_assert_eq(rep->type, EDDY_REDIS_STATUS);
    cr_assert_str_eq(rep->str, "OK");
    eddy_redis_reply_free(rep);

    rc = eddy_redis_command(r, &rep, EDDY_REDIS_ARGS(A("GET"), A(key)));
    cr_assert_eq(rc, 0);
    cr_assert_eq(rep->type, EDDY_REDIS_STRING);
    cr_assert_eq(rep->len, sizeof value - 1);
    cr_assert(memcmp(rep->str, value, rep->len) == 0, "the value came back byte for byte");
    eddy_redis_reply_free(rep);

    char *n = redis_cli(url, "STRLEN", key, NULL);
    cr_assert_not_null(n);
    cr_assert_str_eq(n, "9", "the server holds one 9-byte value under that one key");
    free(n);
    char *x = redis_cli(url, "EXISTS", "x", NULL);
    cr_assert_str_eq(x, "0", "nothing in the key was run as a command");
    free(x);

    rc = eddy_redis_command(r, &rep, EDDY_REDIS_ARGS(A("GET"), A("redis.bin absent")));
    cr_assert_eq(rc, 0);
    cr_assert_eq(rep->type, EDDY_REDIS_NIL);
    eddy_redis_reply_free(rep);

    rc = eddy_redis_command(r, &rep,
                            EDDY_REDIS_ARGS(A("RPUSH"), A("redis.list"), A("a"), A("b"), A("c")));
    cr_assert_eq(rc, 0);
    cr_assert_eq(rep->type, EDDY_REDIS_INTEGER);
    cr_assert_eq(rep->integer, 3);
    eddy_redis_reply_free(rep);
    rc =
        eddy_redis_command(r, &rep, EDDY_REDIS_ARGS(A("LRANGE"), A("redis.list"), A("0"), A("-1")));
    cr_assert_eq(rc, 0);
    cr_assert_eq(rep->type, EDDY_REDIS_ARRAY);
    cr_assert_eq(rep->elements, 3);
    cr_assert_str_eq(rep->element[2].str, "c");
    eddy_redis_reply_free(rep);
}

Test(redis, arguments_are_binary_safe_and_replies_typed, .timeout = 30)
{
    run_check(binary_arguments_check, NULL);
}

static void error_reply_check(eddy_redis *r, const char *url)
{
    (void)url;
    eddy_redis_reply *rep;
    int rc = eddy_redis_command(r, &rep, EDDY_REDIS_ARGS(A("NOSUCHCOMMAND"), A("x")));
    cr_assert_eq(rc, EIO);
    cr_assert_not_null(rep);
    cr_assert_eq(rep->type, EDDY_REDIS_ERROR);
    cr_assert(strstr(rep->str, "unknown command"), "Redis's own words: %s", rep->str);
    eddy_redis_reply_free(rep);
    /* The connection goes on serving. */
    rc = eddy_redis_command(r, &rep, EDDY_REDIS_ARGS(A("PING")));
    cr_assert_eq(rc, 0);
    cr_assert_str_eq(rep->str, "PONG");
    eddy_redis_reply_free(rep);
}

Test(redis, an_error_reply_is_eio_with_the_servers_message, .timeout = 30)
{
    run_check(error_reply_check, NULL);
}

/* Many tasks, one connection: every command is answered, each with its
 * own answer (pipelined, answered in order). */
enum { PIPELINED = 200 };

struct echo {
    eddy_redis *r;
    int i, rc, right;
    int *left;
};

static void echo_task(void *arg)
{
    struct echo *e = arg;
    char msg[32];
    snprintf(msg, sizeof msg, "task %d", e->i);
    eddy_redis_reply *rep;
    e->rc = eddy_redis_command(e->r, &rep, EDDY_REDIS_ARGS(A("ECHO"), A(msg)));
    e->right = e->rc == 0 && strcmp(rep->str, msg) == 0;
    eddy_redis_reply_free(rep);
    --*e->left;
}

static void pipelining_check(eddy_redis *r, const char *url)
{
    (void)url;
    static struct echo e[PIPELINED];
    int left = PIPELINED;
    for (int i = 0; i < PIPELINED; i++) {
        e[i] = (struct echo){r, i, -1, 0, &left};
        cr_assert_not_null(eddy_task_spawn(echo_task, &e[i]));
    }
    for (int waited = 0; left > 0 && waited < 20000; waited += 5)
        eddy_sleep(5);
    cr_assert_eq(left, 0);
    for (int i = 0; i < PIPELINED; i++)
        cr_assert(e[i].right, "task %d got %s", i, strerror(e[i].rc));
}

Test(redis, many_tasks_share_one_connection, .timeout = 30)
{
    run_check(pipelining_check, NULL);
}

static void timeout_check(eddy_redis *r, const char *url)
{
    (void)url;
    eddy_redis_reply *rep;
    long long t0 = th_now_ms();
    int rc = eddy_redis_command(r, &rep, EDDY_REDIS_ARGS(A("BLPOP"), A("redis.never"), A("1")));
    cr_assert_eq(rc, ETIMEDOUT);
    cr_assert_null(rep);
    cr_assert(th_now_ms() - t0 < 900 + th_slack_ms(), "gave up after the command timeout");
    /* The late answer (nil, after 1 s: the connection answers in order, so
     * nothing else could be answered before it) is dropped; the next
     * answer is the next command's. */
    cr_assert_eq(eddy_sleep(1100), 0);
    rc = eddy_redis_command(r, &rep, EDDY_REDIS_ARGS(A("ECHO"), A("after")));
    cr_assert_eq(rc, 0, "%s", strerror(rc));
    cr_assert_str_eq(rep->str, "after");
    eddy_redis_reply_free(rep);
}

Test(redis, a_slow_answer_times_out, .timeout = 30)
{
    eddy_redis_options o = {.command_timeout_ms = 200};
    run_check(timeout_check, &o);
}

/* eddy_redis_send: no task needed; the answer comes to a callback, and
 * when the connection closes first, the callback hears NULL. */
struct answer {
    int calls;
    int got_null;
    char text[32];
};

static void on_answer(void *arg, const eddy_redis_reply *reply)
{
    struct answer *a = arg;
    a->calls++;
    if (!reply)
        a->got_null = 1;
    else
        snprintf(a->text, sizeof a->text, "%s", reply->str ? reply->str : "");
}

static void send_check(eddy_redis *r, const char *url)
{
    struct answer a = {0};
    cr_assert_eq(eddy_redis_send(r, on_answer, &a, EDDY_REDIS_ARGS(A("ECHO"), A("by callback"))),
                 0);
    for (int waited = 0; a.calls == 0 && waited < 5000; waited += 5)
        eddy_sleep(5);
    cr_assert_eq(a.calls, 1);
    cr_assert_str_eq(a.text, "by callback");

    eddy_redis *other = eddy_redis_open(url, NULL);
    cr_assert_not_null(other);
    struct answer b = {0};
    cr_assert_eq(eddy_redis_send(other, on_answer, &b,
                                 EDDY_REDIS_ARGS(A("BLPOP"), A("redis.never.send"), A("5"))),
                 0);
    eddy_sleep(100);
    eddy_redis_close(other);
    cr_assert_eq(b.calls, 1, "the callback ran once, at the close");
    cr_assert(b.got_null, "with no reply");
}

Test(redis, send_answers_a_callback, .timeout = 30)
{
    run_check(send_check, NULL);
}

Test(redis, outside_a_task_a_command_is_eperm, .timeout = 30)
{
    eddy_redis *r = eddy_redis_open("redis://127.0.0.1:1/0", NULL);
    cr_assert_not_null(r, "a server that is not there is no error at open");
    eddy_redis_reply *rep;
    cr_assert_eq(eddy_redis_command(r, &rep, EDDY_REDIS_ARGS(A("PING"))), EPERM);
    eddy_redis_close(r);
    eddy_loop_free();
}

Test(redis, bad_urls_are_einval)
{
    const char *bad[] = {"http://127.0.0.1:6379", "redis://127.0.0.1:99999",
                         "redis://127.0.0.1:6379/x", "redis://h/-1", "redis://h:0/"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        errno = 0;
        cr_assert_null(eddy_redis_open(bad[i], NULL), "%s", bad[i]);
        cr_assert_eq(errno, EINVAL, "%s", bad[i]);
    }
    eddy_loop_free();
}

static void refused_check(eddy_redis *r, const char *url)
{
    (void)url;
    eddy_redis_reply *rep;
    int rc = eddy_redis_command(r, &rep, EDDY_REDIS_ARGS(A("PING")));
    cr_assert_eq(rc, ECONNREFUSED, "%s", strerror(rc));
    cr_assert_eq(eddy_redis_connected(r), 0);
}

Test(redis, nobody_listening_is_econnrefused, .timeout = 30)
{
    run_on("redis://127.0.0.1:1/0", refused_check, NULL);
}

/* ------------------------------------------------------------ a server of our own */

struct private_server {
    char dir[64];
    const char *url;
};

static void private_start(struct private_server *s)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/eddy-redis-own-XXXXXX");
    cr_assert_not_null(mkdtemp(s->dir));
    const char *why = NULL;
    const char *url = redis_private_start(s->dir, &why);
    if (!url) {
        redis_private_remove(s->dir);
        cr_skip_test("Redis: %s", why);
    }
    s->url = strdup(url);
}

static void private_end(struct private_server *s)
{
    redis_private_remove(s->dir);
    free((char *)s->url);
}

static struct private_server own;

/* ping - PING until it answers or tries run out; the last errno value. */
static int ping(eddy_redis *r, int tries)
{
    int rc = -1;
    for (int i = 0; i < tries; i++) {
        eddy_redis_reply *rep;
        rc = eddy_redis_command(r, &rep, EDDY_REDIS_ARGS(A("PING")));
        eddy_redis_reply_free(rep);
        if (rc == 0)
            break;
        eddy_sleep(50);
    }
    return rc;
}

static void restart_check(eddy_redis *r, const char *url)
{
    cr_assert_eq(ping(r, 100), 0, "connected to the private server");
    redis_private_stop(own.dir);
    eddy_redis_reply *rep;
    int rc = eddy_redis_command(r, &rep, EDDY_REDIS_ARGS(A("PING")));
    cr_assert_eq(rc, ECONNREFUSED, "the server is gone: %s", strerror(rc));
    const char *why = NULL;
    cr_assert_not_null(redis_private_start(own.dir, &why), "restart: %s", why);
    cr_assert_eq(ping(r, 200), 0, "the connection came back by itself");
    rc = eddy_redis_command(r, &rep, EDDY_REDIS_ARGS(A("SET"), A("after.restart"), A("yes")));
    cr_assert_eq(rc, 0);
    eddy_redis_reply_free(rep);
    char *v = redis_cli(url, "GET", "after.restart", NULL);
    cr_assert_str_eq(v, "yes");
    free(v);
}

Test(redis, reconnects_after_the_server_restarts, .timeout = 60)
{
    private_start(&own);
    eddy_redis_options o = {.retry_min_ms = 20, .retry_max_ms = 200};
    run_on(own.url, restart_check, &o);
    private_end(&own);
}

static void password_check(eddy_redis *r, const char *url)
{
    (void)url;
    cr_assert_eq(ping(r, 100), 0, "AUTH went first, with the URL's password");
    eddy_redis_reply *rep;
    int rc = eddy_redis_command(r, &rep, EDDY_REDIS_ARGS(A("SET"), A("db3.key"), A("here")));
    cr_assert_eq(rc, 0);
    eddy_redis_reply_free(rep);
    char *v = redis_cli(own.url, "-a", "s3cret pass", "--no-auth-warning", "-n", "3", "GET",
                        "db3.key", NULL);
    cr_assert_str_eq(v, "here", "SELECT 3 from the URL's path");
    free(v);
}

Test(redis, the_urls_password_and_database_are_used, .timeout = 60)
{
    private_start(&own);
    char *out = redis_cli(own.url, "CONFIG", "SET", "requirepass", "s3cret pass", NULL);
    cr_assert_str_eq(out, "OK");
    free(out);
    char url[256];
    snprintf(url, sizeof url, "redis://:s3cret%%20pass@%s", strstr(own.url, "127.0.0.1"));
    /* own.url ends in /0: point it at database 3 */
    url[strlen(url) - 1] = '3';
    run_on(url, password_check, NULL);
    private_end(&own);
}
