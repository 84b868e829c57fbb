/*
 * scaleout - the forum in more than one process: what one process knows,
 * the others know, through MariaDB (the rows) and Redis (SMS codes, rate
 * limits, live notifications).
 *
 * Two forum processes A and B share one MariaDB database, one Redis and
 * one secret, each on a port of its own so the test chooses which one
 * answers: an account made on one signs in on the other, a token or a
 * page session from one is good on the other, a code's cooldown and the
 * sign-in attempts counted by one hold on the other, and a comment
 * written through A reaches the receiver's WebSocket held by B. Then one
 * forum with --processes 2 on one port: every socket a user has open,
 * whichever worker holds it, hears of the user's new message.
 *
 * MariaDB and Redis are the suite's (forum_test.c starts them); without
 * either the tests skip with one line saying why.
 */
#include <criterion/criterion.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "e2e.h"
#include "forum_test.h"
#include "harness.h"
#include "redis_server.h"

#define SECRET "--secret=scale-out-test-secret-0123456789abcdef"

/* need_redis - the suite's Redis URL as an option, or skip saying why. */
static const char *need_redis(void)
{
    static char option[600];
    const char *why = NULL;
    const char *url = redis_url(&why);
    if (!url)
        cr_skip_test("Redis: %s", why);
    snprintf(option, sizeof option, "--redis=%s", url);
    return option;
}

/* second_process - B: another forum process on a's database, media
 * folder, Redis and secret; ft_call(b, ...) talks to it. */
static void second_process(ft_forum *b, const ft_forum *a, const char *redis, const char *port)
{
    *b = *a;
    memset(&b->proc, 0, sizeof b->proc);
    char media[128];
    snprintf(media, sizeof media, "%s/media", a->dir);
    char *argv[] = {(char *)th_path("lessons/21-forum/forum"), "--port", (char *)port, "--db", b->db_url,
                    "--media-dir", media, "--scrypt-log2-n", "10", "--logging", "info", (char *)redis, SECRET,
                    NULL};
    cr_assert_eq(th_start_server(&b->proc, argv, 20000), 0, "the second process did not start:\n%s",
                 b->proc.output ? b->proc.output : "");
}

/* ws_open - a WebSocket to /ws/notifications on port as token's user,
 * upgraded (101 with the right accept key); the socket. */
static int ws_open(int port, const char *token)
{
    char header[FT_TOKEN_MAX + 32];
    snprintf(header, sizeof header, "tsessionid: %s\r\n", token);
    int fd = -1;
    int status = e2e_ws_handshake(port, "/ws/notifications", header, &fd);
    cr_assert_eq(status, 101, "the notification socket was not opened (status %d)", status);
    return fd;
}

/* ws_wait_for - read fd's frames (unmasked, from the server) until their
 * bytes hold needle or timeout_ms passes; 1 if they did. Raw bytes, not
 * strings: a frame's length may hold a 0 byte. */
static int ws_wait_for(int fd, const char *needle, int timeout_ms)
{
    static char buf[65536];
    size_t len = 0;
    long long deadline = th_now_ms() + timeout_ms;
    for (long long left; (left = deadline - th_now_ms()) > 0 && len < sizeof buf;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, (int)left) <= 0)
            break;
        ssize_t got = recv(fd, buf + len, sizeof buf - len, 0);
        if (got <= 0)
            break;
        len += (size_t)got;
        if (memmem(buf, len, needle, strlen(needle)))
            return 1;
    }
    return 0;
}

/* group_with_member - owner (token) makes a group through one process,
 * member applies through the other, the owner approves; the group's id. */
static long long group_with_member(ft_forum *via_owner, ft_forum *via_member, const char *owner,
                                   const char *member)
{
    const ft_part parts[] = {
        {"name", "Scale-out walkers", 17, NULL, NULL},
        {"category", "教育同盟", strlen("教育同盟"), NULL, NULL},
        {"desc", "Two processes, one forum", 24, NULL, NULL},
        {"notice", "Be kind", 7, NULL, NULL},
        {"front_image", (const char *)ft_png, ft_png_len, "cover.png", "image/png"},
    };
    ft_resp *r = ft_multipart(via_owner, "POST", "/groups/", owner, parts, sizeof parts / sizeof *parts);
    cr_assert(r->status == 200 || r->status == 201, "POST /groups/: %d %s", r->status, r->body);
    long long group = json_integer_value(json_object_get(r->json, "id"));
    char path[64];
    snprintf(path, sizeof path, "/groups/%lld/members/", group);
    r = ft_call(via_member, "POST", path, member, "{\"apply_reason\":\"I walk too\"}");
    cr_assert(r->status == 200 || r->status == 201, "apply: %d %s", r->status, r->body);
    long long application = json_integer_value(json_object_get(r->json, "id"));
    /* the owner sees the application through the other process */
    r = ft_call(via_member, "GET", "/applys/", owner, NULL);
    cr_assert_eq(r->status, 200, "GET /applys/ with the owner's token on the other process: %s", r->body);
    cr_assert(strstr(r->body, "I walk too"), "the application is listed by the other process: %s", r->body);
    snprintf(path, sizeof path, "/members/%lld/", application);
    r = ft_call(via_owner, "PATCH", path, owner, "{\"status\":\"agree\",\"handle_msg\":\"welcome\"}");
    cr_assert_eq(r->status, 200, "approve: %s", r->body);
    return group;
}

/* post_in - member posts in group through f; the post's id. */
static long long post_in(ft_forum *f, long long group, const char *member)
{
    char path[64];
    snprintf(path, sizeof path, "/groups/%lld/posts/", group);
    ft_resp *r = ft_call(f, "POST", path, member, "{\"title\":\"Two processes\",\"content\":\"One forum\"}");
    cr_assert(r->status == 200 || r->status == 201, "post: %d %s", r->status, r->body);
    return json_integer_value(json_object_get(r->json, "id"));
}

/* comment_on - token's user comments on post through f. */
static void comment_on(ft_forum *f, long long post, const char *token, const char *text)
{
    char path[64], body[256];
    snprintf(path, sizeof path, "/posts/%lld/comments/", post);
    snprintf(body, sizeof body, "{\"content\":\"%s\"}", text);
    ft_resp *r = ft_call(f, "POST", path, token, body);
    cr_assert(r->status == 200 || r->status == 201, "comment: %d %s", r->status, r->body);
}

TestSuite(forum_scaleout, .timeout = 120);

Test(forum_scaleout, two_processes_share_accounts_tokens_limits_and_notifications)
{
    const char *redis = need_redis();
    ft_forum a, b;
    const char *extra[] = {redis, SECRET, NULL};
    ft_start(&a, FT_MARIADB, extra);
    second_process(&b, &a, redis, "0");

    /* an account made through A signs in through B; each token is good on both */
    char owner[FT_TOKEN_MAX], member[FT_TOKEN_MAX];
    ft_user(&a, "13722220001", "owner-password-1", owner, NULL);
    ft_user(&b, "13722220002", "member-password-2", member, NULL);
    ft_resp *r = ft_call(&b, "POST", "/login/", NULL, "{\"mobile\":\"13722220001\",\"password\":\"owner-password-1\"}");
    cr_expect_eq(r->status, 200, "the account made on A signs in on B: %s", r->body);
    r = ft_call(&b, "GET", "/info/", owner, NULL);
    cr_expect_eq(r->status, 200, "A's token is good on B: %s", r->body);
    cr_expect(strstr(r->body, "13722220001"), "and says who it is: %s", r->body);

    /* a notification written through A reaches the socket B holds */
    long long group = group_with_member(&a, &b, owner, member);
    long long post = post_in(&b, group, member);
    int ws = ws_open(b.proc.port, member);
    comment_on(&a, post, owner, "Written through A");
    cr_expect(ws_wait_for(ws, "Written through A", 5000),
              "the member's socket on B hears of the comment made through A");
    close(ws);

    /* an SMS code's cooldown set through A holds on B */
    r = ft_call(&a, "POST", "/code/", NULL, "{\"mobile\":\"13722220003\"}");
    cr_expect_eq(r->status, 200, "a code through A: %s", r->body);
    r = ft_call(&b, "POST", "/code/", NULL, "{\"mobile\":\"13722220003\"}");
    cr_expect_neq(r->status, 200, "a second code at once through B is refused (the cooldown is shared): %s", r->body);

    /* sign-in attempts counted by A are counted by B */
    int refused_at = 0;
    for (int i = 1; i <= 30 && !refused_at; i++) {
        r = ft_call(i % 2 ? &a : &b, "POST", "/login/", NULL,
                    "{\"mobile\":\"13722220002\",\"password\":\"wrong-password\"}");
        if (r->status == 429)
            refused_at = i;
    }
    cr_expect_gt(refused_at, 0, "wrong passwords alternating between A and B are limited");
    r = ft_call(&a, "POST", "/login/", NULL, "{\"mobile\":\"13722220002\",\"password\":\"wrong-password\"}");
    cr_expect_eq(r->status, 429, "A refuses too once the shared count is reached: %s", r->body);
    r = ft_call(&b, "POST", "/login/", NULL, "{\"mobile\":\"13722220002\",\"password\":\"wrong-password\"}");
    cr_expect_eq(r->status, 429, "and B: %s", r->body);

    th_stop(&b.proc);
    th_free(&b.proc);
    ft_stop(&a);
}

Test(forum_scaleout, workers_on_one_port_each_deliver_to_the_sockets_they_hold)
{
    const char *redis = need_redis();
    ft_forum a, one_port;
    const char *extra[] = {redis, SECRET, NULL};
    ft_start(&a, FT_MARIADB, extra);
    char owner[FT_TOKEN_MAX], member[FT_TOKEN_MAX];
    ft_user(&a, "13733330001", "owner-password-1", owner, NULL);
    ft_user(&a, "13733330002", "member-password-2", member, NULL);
    long long group = group_with_member(&a, &a, owner, member);
    long long post = post_in(&a, group, member);

    /* the same database behind one port with two workers */
    char port[16], processes[32];
    snprintf(port, sizeof port, "%d", e2e_free_port());
    snprintf(processes, sizeof processes, "--processes=2");
    one_port = a;
    memset(&one_port.proc, 0, sizeof one_port.proc);
    char media[128];
    snprintf(media, sizeof media, "%s/media", a.dir);
    char *argv[] = {(char *)th_path("lessons/21-forum/forum"), "--port", port, "--db", a.db_url,
                    "--media-dir", media, "--scrypt-log2-n", "10", (char *)redis, SECRET, processes, NULL};
    cr_assert_eq(th_start_server(&one_port.proc, argv, 20000), 0, "two workers did not start:\n%s",
                 one_port.proc.output ? one_port.proc.output : "");

    /* eight sockets, each handed by the kernel to either worker (the port
     * is shared): all eight on one worker would happen once in 128 runs */
    enum { SOCKETS = 8 };
    int ws[SOCKETS];
    for (int i = 0; i < SOCKETS; i++)
        ws[i] = ws_open(one_port.proc.port, member);
    comment_on(&one_port, post, owner, "Heard by every worker");
    int heard = 0;
    for (int i = 0; i < SOCKETS; i++) {
        heard += ws_wait_for(ws[i], "Heard by every worker", 5000);
        close(ws[i]);
    }
    cr_expect_eq(heard, SOCKETS, "every open socket of the member hears of the comment (%d of %d did)", heard,
                 SOCKETS);
    th_stop(&one_port.proc);
    th_free(&one_port.proc);
    ft_stop(&a);
}
