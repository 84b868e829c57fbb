/*
 * Tests of lib/data/pubsub: one suite, run against both backends, plus
 * what only Redis can do: fan-out between processes and coming back
 * after the server restarts.
 *
 * PS_TEST runs a check on a "memory:" hub and on a hub over the private
 * redis-server the PRE_ALL hook in redis.c started (skipped, saying why,
 * without one). Each test's channels carry its name, so tests running
 * side by side on one server never hear each other. What is checked is
 * what a subscriber receives, byte for byte and in order, and on Redis
 * what the server says it holds (PUBSUB NUMSUB through redis-cli).
 */
#include "harness.h"
#include "redis_server.h"

#include <eddy/async/future.h>
#include <eddy/data/pubsub.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------ a listener */

enum { MAX_HEARD = 256 };

/* What one subscriber heard. */
typedef struct listener {
    int count;
    char channel[MAX_HEARD][64];
    char data[MAX_HEARD][64];
    size_t len[MAX_HEARD];
    eddy_subscription *self;   /* to unsubscribe from inside the callback */
    eddy_subscription *victim; /* another subscription the callback ends */
    int leave_after;           /* unsubscribe self after this many (0: never) */
} listener;

static void hear(void *arg, const char *channel, size_t clen, const void *data, size_t len)
{
    listener *l = arg;
    cr_assert_eq(strlen(channel), clen, "the channel name is NUL-terminated");
    if (l->count < MAX_HEARD) {
        snprintf(l->channel[l->count], sizeof l->channel[0], "%s", channel);
        memcpy(l->data[l->count], data, len < 63 ? len : 63);
        l->len[l->count] = len;
    }
    l->count++;
    if (l->victim) {
        eddy_pubsub_unsubscribe(l->victim);
        l->victim = NULL;
    }
    if (l->leave_after && l->count == l->leave_after) {
        eddy_pubsub_unsubscribe(l->self);
        l->self = NULL;
    }
}

/* wait_heard - let the loop run until l heard n messages (or 10 s). */
static void wait_heard(const listener *l, int n)
{
    for (int waited = 0; l->count < n && waited < 10000; waited += 5)
        eddy_sleep(5);
}

/* wait_ready - until the hub's server has confirmed its subscriptions. */
static void wait_ready(eddy_pubsub *hub)
{
    for (int waited = 0; !eddy_pubsub_ready(hub) && waited < 10000; waited += 5)
        eddy_sleep(5);
    cr_assert(eddy_pubsub_ready(hub), "the hub is subscribed within 10 s");
}

/* ------------------------------------------------------------ running */

typedef struct ps_test {
    eddy_pubsub *hub;
    const char *url; /* Redis, or NULL for memory */
    const char *name;
} ps_test;

typedef void (*ps_check_fn)(ps_test *t);

struct run {
    ps_check_fn check;
    ps_test *t;
    int done;
};

static void run_task(void *arg)
{
    struct run *r = arg;
    r->check(r->t);
    eddy_pubsub_close(r->t->hub); /* its connections would keep the loop running */
    r->done = 1;
}

static void ps_run(ps_check_fn check, int redis, const char *name)
{
    const char *why = NULL, *url = NULL;
    if (redis && !(url = redis_url(&why)))
        cr_skip_test("Redis: %s", why);
    ps_test t = {eddy_pubsub_open(redis ? url : "memory:", NULL), url, name};
    cr_assert_not_null(t.hub, "eddy_pubsub_open: %s", strerror(errno));
    cr_assert_str_eq(eddy_pubsub_backend(t.hub), redis ? "redis" : "memory");
    struct run r = {check, &t, 0};
    cr_assert_not_null(eddy_task_spawn(run_task, &r));
    cr_assert_eq(eddy_loop_run(), 0);
    cr_assert(r.done, "the check did not finish");
    eddy_loop_free();
}

#define PS_CHECK(name) static void name##_check(ps_test *t)
#define PS_TEST(name)                                                                              \
    Test(pubsub_memory, name, .timeout = 60)                                                       \
    {                                                                                              \
        ps_run(name##_check, 0, #name);                                                            \
    }                                                                                              \
    Test(pubsub_redis, name, .timeout = 60)                                                        \
    {                                                                                              \
        ps_run(name##_check, 1, #name);                                                            \
    }

/* chan - "NAME.suffix" in a static buffer, one of four in turn. */
static const char *chan(const ps_test *t, const char *suffix)
{
    static char names[4][96];
    static int next;
    char *out = names[next++ % 4];
    snprintf(out, sizeof names[0], "test.%s.%s", t->name, suffix);
    return out;
}

/* numsub - on Redis, how many subscribers the server counts on channel. */
static int numsub(const ps_test *t, const char *channel)
{
    char *out = redis_cli(t->url, "PUBSUB", "NUMSUB", channel, NULL);
    cr_assert_not_null(out);
    char *nl = strrchr(out, '\n');
    int n = atoi(nl ? nl + 1 : out);
    free(out);
    return n;
}

/* wait_numsub - until the server counts n subscribers on channel (10 s). */
static void wait_numsub(const ps_test *t, const char *channel, int n)
{
    int seen = -1;
    for (int waited = 0; waited < 10000; waited += 20) {
        if ((seen = numsub(t, channel)) == n)
            return;
        eddy_sleep(20);
    }
    cr_assert_fail("the server counts %d subscribers on %s, not %d", seen, channel, n);
}

/* ------------------------------------------------------------ both backends */

PS_CHECK(every_subscriber_hears_binary_payloads)
{
    char room[96], other[96];
    snprintf(room, sizeof room, "%s", chan(t, "room"));
    snprintf(other, sizeof other, "%s", chan(t, "other"));
    listener a = {0}, b = {0}, c = {0};
    cr_assert_not_null(eddy_pubsub_subscribe(t->hub, room, hear, &a));
    cr_assert_not_null(eddy_pubsub_subscribe(t->hub, room, hear, &b));
    cr_assert_not_null(eddy_pubsub_subscribe(t->hub, other, hear, &c));
    cr_assert_eq(eddy_pubsub_subscribers(t->hub, room), 2);
    cr_assert_eq(eddy_pubsub_subscribers(t->hub, "nobody"), 0);
    wait_ready(t->hub);
    if (t->url) {
        cr_assert_eq(numsub(t, room), 1, "one SUBSCRIBE for the two local subscribers");
        cr_assert_eq(numsub(t, other), 1);
    }

    const char payload[] = "bin\0ary\r\n";
    cr_assert_eq(eddy_pubsub_publish(t->hub, room, payload, sizeof payload), 0);
    cr_assert_eq(a.count, 0, "nothing is delivered inside publish");
    wait_heard(&a, 1);
    wait_heard(&b, 1);
    cr_assert_eq(a.count, 1);
    cr_assert_eq(b.count, 1);
    cr_assert_eq(a.len[0], sizeof payload);
    cr_assert(memcmp(a.data[0], payload, sizeof payload) == 0, "the bytes arrived as sent");
    cr_assert(memcmp(b.data[0], payload, sizeof payload) == 0);
    cr_assert_str_eq(a.channel[0], room);

    cr_assert_eq(eddy_pubsub_publish(t->hub, other, "", 0), 0, "an empty message is a message");
    wait_heard(&c, 1);
    cr_assert_eq(c.len[0], 0);
    eddy_sleep(50);
    cr_assert_eq(a.count, 1, "a channel hears only its own messages");
    cr_assert_eq(c.count, 1);
}

PS_TEST(every_subscriber_hears_binary_payloads)

PS_CHECK(messages_arrive_in_order)
{
    const char *room = chan(t, "room");
    listener l = {0};
    cr_assert_not_null(eddy_pubsub_subscribe(t->hub, room, hear, &l));
    wait_ready(t->hub);
    for (int i = 0; i < 100; i++) {
        char msg[16];
        int n = snprintf(msg, sizeof msg, "m%d", i);
        cr_assert_eq(eddy_pubsub_publish(t->hub, room, msg, (size_t)n), 0);
    }
    wait_heard(&l, 100);
    cr_assert_eq(l.count, 100);
    for (int i = 0; i < 100; i++) {
        char msg[16];
        snprintf(msg, sizeof msg, "m%d", i);
        cr_assert_str_eq(l.data[i], msg, "message %d", i);
    }
}

PS_TEST(messages_arrive_in_order)

PS_CHECK(unsubscribed_callbacks_hear_nothing_more)
{
    char room[96];
    snprintf(room, sizeof room, "%s", chan(t, "room"));
    listener a = {0}, b = {0};
    eddy_subscription *sa = eddy_pubsub_subscribe(t->hub, room, hear, &a);
    eddy_subscription *sb = eddy_pubsub_subscribe(t->hub, room, hear, &b);
    wait_ready(t->hub);
    eddy_pubsub_unsubscribe(sa);
    cr_assert_eq(eddy_pubsub_subscribers(t->hub, room), 1);
    cr_assert_eq(eddy_pubsub_publish(t->hub, room, "x", 1), 0);
    wait_heard(&b, 1);
    eddy_sleep(50);
    cr_assert_eq(a.count, 0);
    cr_assert_eq(b.count, 1);
    if (t->url)
        cr_assert_eq(numsub(t, room), 1, "still wanted here");

    eddy_pubsub_unsubscribe(sb);
    cr_assert_eq(eddy_pubsub_subscribers(t->hub, room), 0);
    if (t->url)
        wait_numsub(t, room, 0);
    cr_assert_eq(eddy_pubsub_publish(t->hub, room, "y", 1), 0);
    eddy_sleep(50);
    cr_assert_eq(b.count, 1);
    eddy_pubsub_unsubscribe(NULL);
}

PS_TEST(unsubscribed_callbacks_hear_nothing_more)

PS_CHECK(callbacks_may_unsubscribe_and_subscribe)
{
    char room[96];
    snprintf(room, sizeof room, "%s", chan(t, "room"));
    listener first = {0}, second = {0}, late = {0};
    first.self = eddy_pubsub_subscribe(t->hub, room, hear, &first);
    first.leave_after = 1;
    eddy_subscription *s2 = eddy_pubsub_subscribe(t->hub, room, hear, &second);
    first.victim = s2; /* the first callback ends the second before its turn */
    wait_ready(t->hub);
    cr_assert_eq(eddy_pubsub_publish(t->hub, room, "one", 3), 0);
    wait_heard(&first, 1);
    eddy_sleep(50);
    cr_assert_eq(first.count, 1);
    cr_assert_eq(second.count, 0, "unsubscribed during the delivery, before its turn");
    cr_assert_eq(eddy_pubsub_subscribers(t->hub, room), 0);

    /* Subscribing again right after the last one left: the server may
     * still be confirming the UNSUBSCRIBE. */
    cr_assert_not_null(eddy_pubsub_subscribe(t->hub, room, hear, &late));
    wait_ready(t->hub);
    if (t->url)
        wait_numsub(t, room, 1);
    cr_assert_eq(eddy_pubsub_publish(t->hub, room, "two", 3), 0);
    wait_heard(&late, 1);
    cr_assert_eq(late.count, 1);
    cr_assert_str_eq(late.data[0], "two");
    cr_assert_eq(first.count, 1);
}

PS_TEST(callbacks_may_unsubscribe_and_subscribe)

/* Interest that comes and goes faster than the server confirms it: each
 * SUBSCRIBE and UNSUBSCRIBE still on its way when the next one is asked.
 * The hub ends subscribed exactly to what is wanted, and hears once. */
PS_CHECK(rapid_interest_changes_end_as_wanted)
{
    char wanted[96], dropped[96];
    snprintf(wanted, sizeof wanted, "%s", chan(t, "wanted"));
    snprintf(dropped, sizeof dropped, "%s", chan(t, "dropped"));
    listener l = {0}, gone = {0};
    for (int i = 0; i < 50; i++) {
        eddy_pubsub_unsubscribe(eddy_pubsub_subscribe(t->hub, wanted, hear, &l));
        eddy_pubsub_unsubscribe(eddy_pubsub_subscribe(t->hub, dropped, hear, &gone));
        if (i % 10 == 0)
            eddy_sleep(1); /* let some confirmations arrive in between */
    }
    cr_assert_not_null(eddy_pubsub_subscribe(t->hub, wanted, hear, &l));
    wait_ready(t->hub);
    if (t->url) {
        wait_numsub(t, wanted, 1);
        wait_numsub(t, dropped, 0);
    }
    cr_assert_eq(eddy_pubsub_publish(t->hub, wanted, "once", 4), 0);
    cr_assert_eq(eddy_pubsub_publish(t->hub, dropped, "nobody", 6), 0);
    wait_heard(&l, 1);
    eddy_sleep(50);
    cr_assert_eq(l.count, 1);
    cr_assert_str_eq(l.data[0], "once");
    cr_assert_eq(gone.count, 0);
}

PS_TEST(rapid_interest_changes_end_as_wanted)

PS_CHECK(bad_arguments_are_einval)
{
    listener l = {0};
    errno = 0;
    cr_assert_null(eddy_pubsub_subscribe(t->hub, "", hear, &l));
    cr_assert_eq(errno, EINVAL);
    cr_assert_eq(eddy_pubsub_publish(t->hub, "", "x", 1), -1);
    cr_assert_eq(errno, EINVAL);
}

PS_TEST(bad_arguments_are_einval)

Test(pubsub, unknown_urls_are_refused)
{
    errno = 0;
    cr_assert_null(eddy_pubsub_open("amqp://127.0.0.1", NULL));
    cr_assert_eq(errno, EPROTONOSUPPORT);
    cr_assert_null(eddy_pubsub_open("redis://127.0.0.1:x", NULL));
    cr_assert_eq(errno, EINVAL);
    eddy_loop_free();
}

/* ------------------------------------------------------------ Redis only */

/* Two hubs on one server (as two app processes would have): what one
 * publishes, the other's subscribers hear; so do redis-cli's. */
PS_CHECK(hubs_on_one_server_hear_each_other)
{
    if (!t->url)
        return;
    char room[96];
    snprintf(room, sizeof room, "%s", chan(t, "room"));
    eddy_pubsub *second = eddy_pubsub_open(t->url, NULL);
    cr_assert_not_null(second);
    listener here = {0}, there = {0};
    cr_assert_not_null(eddy_pubsub_subscribe(t->hub, room, hear, &here));
    cr_assert_not_null(eddy_pubsub_subscribe(second, room, hear, &there));
    wait_ready(t->hub);
    wait_ready(second);
    cr_assert_eq(numsub(t, room), 2);
    cr_assert_eq(eddy_pubsub_publish(second, room, "from second", 11), 0);
    wait_heard(&here, 1);
    wait_heard(&there, 1);
    cr_assert_str_eq(here.data[0], "from second");
    cr_assert_str_eq(there.data[0], "from second", "the publisher's own subscribers hear it too");

    char *n = redis_cli(t->url, "PUBLISH", room, "from redis-cli", NULL);
    cr_assert_str_eq(n, "2", "the server delivered to both hubs");
    free(n);
    wait_heard(&here, 2);
    cr_assert_str_eq(here.data[1], "from redis-cli");
    eddy_pubsub_close(second);
}

Test(pubsub_redis, hubs_on_one_server_hear_each_other, .timeout = 60)
{
    ps_run(hubs_on_one_server_hear_each_other_check, 1, "hubs_on_one_server_hear_each_other");
}

/* room_member - one process's part in a chat room: subscribe, wait until
 * the server counts both members, say hello, and hear the other's hello.
 * Returns 0 when it did. */
struct member {
    const char *url, *room, *me, *other;
    int ok;
};

static void member_task(void *arg)
{
    struct member *m = arg;
    eddy_pubsub *hub = eddy_pubsub_open(m->url, NULL);
    eddy_redis *probe = eddy_redis_open(m->url, NULL);
    listener l = {0};
    if (!hub || !probe || !eddy_pubsub_subscribe(hub, m->room, hear, &l))
        goto out;
    for (int waited = 0; waited < 10000; waited += 20) {
        eddy_redis_reply *rep;
        int rc =
            eddy_redis_command(probe, &rep,
                               EDDY_REDIS_ARGS(EDDY_REDIS_STR("PUBSUB"), EDDY_REDIS_STR("NUMSUB"),
                                               EDDY_REDIS_STR(m->room)));
        int both = rc == 0 && rep->elements == 2 && rep->element[1].integer == 2;
        eddy_redis_reply_free(rep);
        if (both)
            break;
        eddy_sleep(20);
    }
    if (eddy_pubsub_publish(hub, m->room, m->me, strlen(m->me)) < 0)
        goto out;
    for (int waited = 0; waited < 10000 && !m->ok; waited += 5) {
        for (int i = 0; i < l.count && i < MAX_HEARD; i++)
            if (strcmp(l.data[i], m->other) == 0)
                m->ok = 1;
        eddy_sleep(5);
    }
out:
    eddy_redis_close(probe);
    eddy_pubsub_close(hub);
}

static int room_member(const char *url, const char *room, const char *me, const char *other)
{
    struct member m = {url, room, me, other, 0};
    if (!eddy_task_spawn(member_task, &m) || eddy_loop_run() != 0)
        return 1;
    eddy_loop_free();
    return m.ok ? 0 : 1;
}

Test(pubsub_redis, two_processes_share_a_room, .timeout = 60)
{
    const char *why = NULL;
    const char *url = redis_url(&why);
    if (!url)
        cr_skip_test("Redis: %s", why);
    const char *room = "test.two_processes.room";
    fflush(NULL);
    pid_t child = fork();
    cr_assert(child >= 0);
    if (child == 0) { /* a process of its own, with its own loop and connections */
        alarm(30);
        _exit(room_member(url, room, "hello from the child", "hello from the parent"));
    }
    int mine = room_member(url, room, "hello from the parent", "hello from the child");
    int status = 0;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "the child heard the parent (status %d)", status);
    cr_assert_eq(mine, 0, "the parent heard the child");
}

/* The server restarts (stopped, started again on the same port): the hub
 * reconnects, subscribes again, and hears what is published after. */
static char own_dir[64];

PS_CHECK(resubscribes_after_the_server_restarts)
{
    char room[96];
    snprintf(room, sizeof room, "%s", chan(t, "room"));
    listener l = {0};
    cr_assert_not_null(eddy_pubsub_subscribe(t->hub, room, hear, &l));
    wait_ready(t->hub);
    cr_assert_eq(numsub(t, room), 1);

    redis_private_stop(own_dir);
    for (int waited = 0; eddy_pubsub_ready(t->hub) && waited < 5000; waited += 5)
        eddy_sleep(5);
    cr_assert(!eddy_pubsub_ready(t->hub), "the hub noticed the server went away");
    errno = 0;
    cr_assert_eq(eddy_pubsub_publish(t->hub, room, "lost", 4), -1);
    cr_assert_eq(errno, ECONNREFUSED);

    const char *why = NULL;
    cr_assert_not_null(redis_private_start(own_dir, &why), "restart: %s", why);
    wait_ready(t->hub);
    cr_assert_eq(numsub(t, room), 1, "subscribed again on the new server");
    char *n = redis_cli(t->url, "PUBLISH", room, "after the restart", NULL);
    cr_assert_str_eq(n, "1");
    free(n);
    wait_heard(&l, 1);
    cr_assert_str_eq(l.data[0], "after the restart");
    cr_assert_eq(eddy_pubsub_publish(t->hub, room, "ours", 4), 0, "the publisher is back too");
    wait_heard(&l, 2);
    cr_assert_str_eq(l.data[1], "ours");
}

Test(pubsub_redis, resubscribes_after_the_server_restarts, .timeout = 60)
{
    snprintf(own_dir, sizeof own_dir, "/tmp/eddy-redis-ps-XXXXXX");
    cr_assert_not_null(mkdtemp(own_dir));
    const char *why = NULL;
    const char *url = redis_private_start(own_dir, &why);
    if (!url) {
        redis_private_remove(own_dir);
        cr_skip_test("Redis: %s", why);
    }
    char *copy = strdup(url);
    eddy_redis_options o = {.retry_min_ms = 20, .retry_max_ms = 200};
    ps_test t = {eddy_pubsub_open(copy, &o), copy, "restart"};
    cr_assert_not_null(t.hub);
    struct run r = {resubscribes_after_the_server_restarts_check, &t, 0};
    cr_assert_not_null(eddy_task_spawn(run_task, &r));
    cr_assert_eq(eddy_loop_run(), 0);
    cr_assert(r.done);
    eddy_loop_free();
    redis_private_remove(own_dir);
    free(copy);
}
