/*
 * Lesson 19 tests over Redis: two chat servers, one room.
 *
 * Two servers on two ports, both with --redis pointing at the private
 * redis-server this suite starts (tests/common/redis_server.h; the tests
 * skip with its reason when it cannot start). A member of each: both see
 * the same who-is-online list, and a line said on one server reaches the
 * member of the other. Then the same with one program in --processes 2
 * mode: the workers share a port, so the test cannot choose a worker,
 * but a member's welcome names the pid serving it, and members are
 * opened until both workers have one.
 */
#include "harness.h"
#include "redis_server.h"
#include "ws_checks.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHAT "lessons/19-websocket/chat"

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    redis_suite_start("lesson 19");
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    redis_suite_stop();
}

static th_proc one, two;

static void stop_servers(void)
{
    th_free(&one);
    th_free(&two);
}

TestSuite(lesson19_redis, .fini = stop_servers, .timeout = 60);

static const char *need_redis(void)
{
    const char *why = NULL, *url = redis_url(&why);
    if (!url)
        cr_skip_test("no Redis: %s", why);
    return url;
}

static void start(th_proc *p, const char *url, const char *port, const char *processes)
{
    char *argv[] = {(char *)th_path(CHAT), "--port", (char *)port, "--processes", (char *)processes,
                    "--redis", (char *)url, NULL};
    cr_assert_eq(th_start_server(p, argv, 10000), 0, "chat did not start:\n%s", p->output ? p->output : "");
}

Test(lesson19_redis, two_servers_share_one_room)
{
    const char *url = need_redis();
    start(&one, url, "0", "1");
    start(&two, url, "0", "1");
    char msg[8192];
    int ann = ws_open(one.port, "/chat?nick=ann", NULL, NULL);
    cr_assert_geq(ann, 0);
    cr_assert(ws_recv_containing(ann, "\"nicks\":[\"ann\"]", msg, sizeof msg, 5000), "%s", msg);
    int bob = ws_open(two.port, "/chat?nick=bob", NULL, NULL);
    cr_assert_geq(bob, 0);
    /* who is online spans both servers, as seen from either */
    cr_assert(ws_recv_containing(bob, "\"nicks\":[\"ann\",\"bob\"]", msg, sizeof msg, 5000), "%s", msg);
    cr_assert(ws_recv_containing(ann, "\"nicks\":[\"ann\",\"bob\"]", msg, sizeof msg, 5000), "%s", msg);

    cr_assert_eq(ws_send(bob, WS_OP_TEXT, "from the second server", 22), 0);
    cr_assert(ws_recv_containing(ann, "\"text\":\"from the second server\"", msg, sizeof msg, 5000), "%s", msg);
    cr_assert_not_null(strstr(msg, "\"nick\":\"bob\""), "%s", msg);
    cr_assert_eq(ws_send(ann, WS_OP_TEXT, "and back", 8), 0);
    cr_assert(ws_recv_containing(bob, "\"text\":\"and back\"", msg, sizeof msg, 5000), "%s", msg);

    /* what the channel carried is in Redis's own counters: two lines published */
    char *published = redis_cli(url, "PUBSUB", "NUMSUB", "room:lobby", NULL);
    cr_assert_not_null(published);
    cr_assert_not_null(strstr(published, "room:lobby\n2"), "two subscribers on room:lobby, got:\n%s", published);
    free(published);

    ws_close(bob, 1000);
    cr_assert(ws_recv_containing(ann, "\"left\":\"bob\"", msg, sizeof msg, 5000), "%s", msg);
    close(ann);
}

/* free_port - a port nobody listens on now: --processes needs a fixed one. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        return -1;
    close(fd);
    return ntohs(a.sin_port);
}

/* welcome_pid - open a member; the pid of the worker serving it (from
 * its welcome), or 0. */
static long welcome_pid(int port, const char *nick, int *fd)
{
    char path[64], msg[8192];
    snprintf(path, sizeof path, "/chat?nick=%s", nick);
    *fd = ws_open(port, path, NULL, NULL);
    if (*fd < 0 || !ws_recv_containing(*fd, "\"type\":\"welcome\"", msg, sizeof msg, 5000))
        return 0;
    const char *p = strstr(msg, "\"pid\":");
    return p ? atol(p + 6) : 0;
}

Test(lesson19_redis, worker_processes_share_one_room)
{
    const char *url = need_redis();
    char port[16];
    snprintf(port, sizeof port, "%d", free_port());
    start(&one, url, port, "2");
    /* the kernel spreads connections over the workers (SO_REUSEPORT): open
     * members until one is served by a worker other than ann's */
    int ann, others[16], n = 0, bob = -1;
    long ann_pid = welcome_pid(one.port, "ann", &ann);
    cr_assert_gt(ann_pid, 0, "ann got no welcome");
    while (bob < 0 && n < 16) {
        char nick[16];
        snprintf(nick, sizeof nick, "bob%d", n);
        long pid = welcome_pid(one.port, nick, &others[n]);
        cr_assert_gt(pid, 0, "%s got no welcome", nick);
        if (pid != ann_pid)
            bob = others[n];
        n++;
    }
    if (bob < 0)
        cr_skip_test("16 members all went to ann's worker: no second worker to hear from");
    char msg[8192];
    cr_assert_eq(ws_send(bob, WS_OP_TEXT, "hello across", 12), 0);
    cr_assert(ws_recv_containing(ann, "\"text\":\"hello across\"", msg, sizeof msg, 5000), "%s", msg);
    for (int i = 0; i < n; i++)
        close(others[i]);
    close(ann);
}
