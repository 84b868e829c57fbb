/*
 * live - notifications pushed over WebSocket (/ws/notifications): every
 * open page of the receiver gets each new message at once, nobody else
 * does, a socket without a valid token is refused, and with --redis a
 * message written through one process reaches a page held by another.
 */
#include "content_client.h"
#include "redis_server.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static fc_forum forum, second;

static void cleanup(void)
{
    fc_stop(&second);
    fc_stop(&forum);
}

/* a group of owner's with reader in it, and a post of owner's */
static long long post_of(fc_forum *f, long long owner, long long reader)
{
    long long group = fc_group(f, owner, "live");
    fc_member(f, reader, group, "agree");
    char path[64];
    snprintf(path, sizeof path, "/groups/%lld/posts/", group);
    fc_response r = fc_call(f, "POST", path, owner, "{\"title\": \"Live\", \"content\": \"x\"}");
    long long post = fc_id(&r);
    fc_free(&r);
    return post;
}

static void expect_ready(int fd)
{
    char *hello = fc_ws_read(fd, 5000);
    cr_assert(hello && strstr(hello, "\"ready\""), "first message: %s", hello ? hello : "none");
    free(hello);
}

static void comment(fc_forum *f, long long post, long long user, const char *text)
{
    char path[64], body[128];
    snprintf(path, sizeof path, "/posts/%lld/comments/", post);
    snprintf(body, sizeof body, "{\"content\": \"%s\"}", text);
    fc_response r = fc_call(f, "POST", path, user, body);
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    fc_free(&r);
}

Test(forum_live, every_page_of_the_receiver, .fini = cleanup, .timeout = 60)
{
    const char *why = "";
    cr_assert_eq(fc_start(&forum, NULL, NULL, &why), 0, "%s", why);
    long long owner = fc_user(&forum, 21, "owner"), reader = fc_user(&forum, 22, "reader");
    long long post = post_of(&forum, owner, reader);

    int status = 0;
    cr_expect_lt(fc_ws_open(forum.proc.port, 0, &status), 0);
    cr_expect_eq(status, 401, "no token, no socket: %d", status);
    int tab1 = fc_ws_open(forum.proc.port, owner, &status);
    cr_assert_geq(tab1, 0, "handshake: %d", status);
    int tab2 = fc_ws_open(forum.proc.port, owner, &status);
    cr_assert_geq(tab2, 0);
    int other = fc_ws_open(forum.proc.port, reader, &status);
    cr_assert_geq(other, 0);
    expect_ready(tab1);
    expect_ready(tab2);
    expect_ready(other);

    comment(&forum, post, reader, "pushed to you");
    for (int i = 0; i < 2; i++) {
        char *m = fc_ws_read(i ? tab2 : tab1, 5000);
        cr_assert(m, "tab %d got nothing", i + 1);
        json_t *j = json_loads(m, 0, NULL);
        cr_expect_str_eq(json_string_value(json_object_get(j, "event")), "message", "%s", m);
        cr_expect_eq(json_integer_value(json_object_get(j, "message_type")), 1);
        cr_expect_str_eq(json_string_value(json_object_get(j, "message")), "pushed to you");
        cr_expect_str_eq(
            json_string_value(json_object_get(json_object_get(j, "sender"), "nick_name")),
            "reader");
        json_decref(j);
        free(m);
    }
    char *none = fc_ws_read(other, 300);
    cr_expect_null(none, "the sender's page hears nothing: %s", none ? none : "");
    free(none);

    /* reading in one tab tells the others the new count */
    fc_response r = fc_call(&forum, "POST", "/messages/read/", owner, "{}");
    fc_free(&r);
    char *m = fc_ws_read(tab2, 5000);
    cr_expect(m && strstr(m, "\"event\":\"read\"") && strstr(m, "\"unread\":0"), "%s",
              m ? m : "none");
    free(m);
    close(tab1);
    close(tab2);
    close(other);
}

Test(forum_live, across_processes_with_redis, .fini = cleanup, .timeout = 60)
{
    const char *why = NULL;
    const char *redis = redis_url(&why);
    if (!redis)
        cr_skip_test("%s", why);
    char redis_arg[300];
    snprintf(redis_arg, sizeof redis_arg, "--redis=%s", redis);
    const char *extra[] = {redis_arg, NULL};
    cr_assert_eq(fc_start(&forum, NULL, extra, &why), 0, "%s", why);
    cr_assert_eq(fc_start(&second, forum.db_url, extra, &why), 0, "%s", why);
    long long owner = fc_user(&forum, 31, "owner"), reader = fc_user(&forum, 32, "reader");
    long long post = post_of(&forum, owner, reader);

    int status = 0;
    int page = fc_ws_open(forum.proc.port, owner, &status);
    cr_assert_geq(page, 0, "handshake: %d", status);
    expect_ready(page);
    /* Redis hears of the subscription soon after the socket opens: a
     * comment is written through the other process until one arrives
     * (bounded: 50 tries). */
    char *m = NULL;
    for (int i = 0; i < 50 && !m; i++) {
        comment(&second, post, reader, "through the other process");
        m = fc_ws_read(page, 200);
    }
    cr_assert(m, "nothing crossed over Redis");
    cr_expect(strstr(m, "through the other process"), "%s", m);
    free(m);
    close(page);
}
