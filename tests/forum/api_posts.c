/*
 * api_posts - the forum's posts, comments, replies and likes through the
 * JSON API, on SQLite and on MariaDB: statuses, JSON shapes, rows in the
 * database, members-only access (403 for everyone else), counts that go
 * both ways, no like of one's own comment, notifications written, Markdown shown safely, and SQL in
 * text stored as text.
 */
#include "content_client.h"
#include "mariadb_server.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

/* The suite's MariaDB and Redis are started once for the whole forum
 * suite, by forum_test.c's hooks. */

static fc_forum forum;

static void cleanup(void)
{
    fc_stop(&forum);
}

static json_t *get(const fc_response *r, const char *key)
{
    return json_object_get(r->json, key);
}

static void posts_and_comments(const char *db_url)
{
    const char *why = "";
    cr_assert_eq(fc_start(&forum, db_url, NULL, &why), 0, "%s:\n%s", why,
                 forum.proc.output ? forum.proc.output : "");
    fc_forum *f = &forum;
    long long owner = fc_user(f, 1, "owner"), member = fc_user(f, 2, "member");
    long long outsider = fc_user(f, 3, "outsider"), pending = fc_user(f, 4, "pending");
    long long group = fc_group(f, owner, "g1");
    fc_member(f, member, group, "agree");
    fc_member(f, pending, group, NULL);
    long long other_group = fc_group(f, outsider, "g2");
    char path[128];

    /* who may list a group's posts */
    snprintf(path, sizeof path, "/groups/%lld/posts/", group);
    fc_response r = fc_call(f, "GET", path, 0, NULL);
    cr_expect_eq(r.status, 401, "no token: %d", r.status);
    fc_free(&r);
    r = fc_call(f, "GET", path, outsider, NULL);
    cr_expect_eq(r.status, 403, "an outsider: %d %s", r.status, r.body);
    fc_free(&r);
    r = fc_call(f, "GET", path, pending, NULL);
    cr_expect_eq(r.status, 403, "a pending applicant: %d", r.status);
    fc_free(&r);
    r = fc_call(f, "GET", "/groups/99999/posts/", owner, NULL);
    cr_expect_eq(r.status, 404, "no such group: %d", r.status);
    fc_free(&r);

    /* writing a post: validated, stored, counted */
    r = fc_call(f, "POST", path, member, "{\"title\": \"\", \"content\": \"x\"}");
    cr_expect_eq(r.status, 400);
    cr_expect(json_is_string(get(&r, "title")), "the error names the field: %s", r.body);
    fc_free(&r);
    r = fc_call(f, "POST", path, outsider, "{\"title\": \"t\", \"content\": \"x\"}");
    cr_expect_eq(r.status, 403);
    fc_free(&r);
    const char *md = "{\"title\": \"Hello\", \"content\": \"# Hi\\n\\n<script>alert(1)</script>\\n\\n"
                     "[x](javascript:alert(1)) [y](https://example.org/) **bold**\"}";
    r = fc_call(f, "POST", path, member, md);
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    long long post = fc_id(&r);
    fc_free(&r);
    cr_expect_eq(fc_sql_int(f, "SELECT group_id FROM post WHERE id = %lld", post), group);
    cr_expect_eq(fc_sql_int(f, "SELECT user_id FROM post WHERE id = %lld", post), member);
    cr_expect_eq(fc_sql_int(f, "SELECT post_nums FROM community_group WHERE id = %lld", group), 1);
    const char *evil = "{\"title\": \"x'); DROP TABLE post; --\", \"content\": \"' OR 1=1 --\"}";
    r = fc_call(f, "POST", path, owner, evil);
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    long long evil_post = fc_id(&r);
    fc_free(&r);
    fc_sql(f, "INSERT INTO post (user_id, group_id, title, content, comment_nums, is_excellent,"
              " is_hot, add_time) VALUES (%lld, %lld, 'elsewhere', 'c', 0, 0, 0,"
              " '2026-01-01 00:00:00')",
           outsider, other_group);
    fc_sql(f, "UPDATE post SET is_hot = 1 WHERE id = %lld", post);

    /* the list holds this group's posts only */
    r = fc_call(f, "GET", path, owner, NULL);
    cr_assert_eq(r.status, 200);
    cr_expect_eq(json_array_size(r.json), 2, "%s", r.body);
    json_t *first = json_array_get(r.json, 0);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(first, "user"), "nick_name")),
                     "owner", "newest first, with its author: %s", r.body);
    fc_free(&r);
    snprintf(path, sizeof path, "/groups/%lld/posts/?cate=hot", group);
    r = fc_call(f, "GET", path, owner, NULL);
    cr_expect_eq(json_array_size(r.json), 1, "hot: %s", r.body);
    fc_free(&r);

    /* a post: Markdown shown safely, members only */
    snprintf(path, sizeof path, "/posts/%lld/", post);
    r = fc_call(f, "GET", path, owner, NULL);
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    const char *html = json_string_value(get(&r, "content_html"));
    cr_assert(html, "%s", r.body);
    cr_expect(strstr(html, "<h1>Hi</h1>"), "%s", html);
    cr_expect(strstr(html, "&lt;script&gt;") && !strstr(html, "<script"), "%s", html);
    cr_expect(!strstr(html, "javascript:"), "the link lost its address: %s", html);
    cr_expect(strstr(html, "<a href=\"https://example.org/\">y</a>"), "%s", html);
    cr_expect(strstr(html, "<strong>bold</strong>"), "%s", html);
    cr_expect_eq(strlen(json_string_value(get(&r, "add_time"))), 10, "a day: %s", r.body);
    fc_free(&r);
    r = fc_call(f, "GET", path, outsider, NULL);
    cr_expect_eq(r.status, 403);
    fc_free(&r);
    r = fc_call(f, "GET", "/posts/99999/", owner, NULL);
    cr_expect_eq(r.status, 404);
    fc_free(&r);
    snprintf(path, sizeof path, "/posts/%lld/", evil_post);
    r = fc_call(f, "GET", path, member, NULL);
    cr_expect_str_eq(json_string_value(get(&r, "title")), "x'); DROP TABLE post; --");
    fc_free(&r);

    /* comments */
    snprintf(path, sizeof path, "/posts/%lld/comments/", post);
    r = fc_call(f, "POST", path, owner, "{\"content\": \"ab\"}");
    cr_expect_eq(r.status, 400);
    cr_expect(json_is_string(get(&r, "content")), "%s", r.body);
    fc_free(&r);
    r = fc_call(f, "POST", path, outsider, "{\"content\": \"let me in\"}");
    cr_expect_eq(r.status, 403);
    fc_free(&r);
    r = fc_call(f, "POST", path, owner, "{\"content\": \"<img src=x onerror=alert(1)> nice\"}");
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    long long comment = fc_id(&r);
    cr_expect_eq(json_integer_value(json_object_get(get(&r, "user"), "id")), owner);
    fc_free(&r);
    cr_expect_eq(fc_sql_int(f, "SELECT comment_nums FROM post WHERE id = %lld", post), 1);
    cr_expect_eq(fc_sql_int(f,
                            "SELECT COUNT(*) FROM message WHERE receiver_id = %lld AND sender_id ="
                            " %lld AND message_type = 1",
                            member, owner),
                 1, "the post's author is told");

    /* replies name whom they answer */
    snprintf(path, sizeof path, "/comments/%lld/replys/", comment);
    r = fc_call(f, "POST", path, member, "{\"replyed_user\": 99999, \"content\": \"thanks!\"}");
    cr_expect_eq(r.status, 400);
    cr_expect_str_eq(json_string_value(get(&r, "replyed_user")), "用户不存在");
    fc_free(&r);
    char body[256];
    snprintf(body, sizeof body, "{\"replyed_user\": %lld, \"content\": \"thanks!\"}", owner);
    r = fc_call(f, "POST", path, member, body);
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    fc_free(&r);
    cr_expect_eq(fc_sql_int(f, "SELECT reply_nums FROM post_comment WHERE id = %lld", comment), 1);
    cr_expect_eq(fc_sql_int(f,
                            "SELECT COUNT(*) FROM message WHERE receiver_id = %lld AND"
                            " message_type = 2",
                            owner),
                 1);
    r = fc_call(f, "GET", path, owner, NULL);
    cr_assert_eq(json_array_size(r.json), 1, "%s", r.body);
    json_t *reply = json_array_get(r.json, 0);
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(reply, "reply_user"), "id")),
                 owner, "%s", r.body);
    fc_free(&r);
    r = fc_call(f, "GET", path, outsider, NULL);
    cr_expect_eq(r.status, 403);
    fc_free(&r);

    /* likes toggle, and count both ways */
    snprintf(path, sizeof path, "/comments/%lld/likes/", comment);
    r = fc_call(f, "POST", path, member, "{}");
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    cr_expect_gt(fc_id(&r), 0);
    cr_expect_eq(json_integer_value(get(&r, "like_nums")), 1);
    fc_free(&r);
    cr_expect_eq(fc_sql_int(f, "SELECT COUNT(*) FROM message WHERE receiver_id = %lld AND"
                               " message_type = 3", owner), 1);
    snprintf(path, sizeof path, "/posts/%lld/comments/", post);
    r = fc_call(f, "GET", path, member, NULL);
    json_t *c0 = json_array_get(r.json, 0);
    cr_expect(json_is_true(json_object_get(c0, "has_liked")), "%s", r.body);
    cr_expect_eq(json_integer_value(json_object_get(c0, "like_nums")), 1);
    cr_expect_str_eq(json_string_value(json_object_get(c0, "content")),
                     "<img src=x onerror=alert(1)> nice", "JSON carries the text as it was");
    fc_free(&r);
    snprintf(path, sizeof path, "/comments/%lld/likes/", comment);
    r = fc_call(f, "POST", path, member, "{}");
    cr_expect_eq(fc_id(&r), -1);
    cr_expect_eq(json_integer_value(get(&r, "like_nums")), 0);
    fc_free(&r);
    cr_expect_eq(fc_sql_int(f, "SELECT like_nums FROM post_comment WHERE id = %lld", comment), 0);
    cr_expect_eq(fc_sql_int(f, "SELECT COUNT(*) FROM comment_like"), 0);
    r = fc_call(f, "POST", path, outsider, "{}");
    cr_expect_eq(r.status, 403, "an outsider cannot like: %d", r.status);
    fc_free(&r);

    /* nobody likes their own comment (the course let them): refused in
     * the course's error shape, with no row written and nobody told */
    long long told = fc_sql_int(f, "SELECT COUNT(*) FROM message");
    for (int i = 0; i < 2; i++) { /* a toggle, so twice: neither counts */
        r = fc_call(f, "POST", path, owner, "{}");
        cr_expect_eq(r.status, 400, "one's own comment: %d %s", r.status, r.body);
        cr_expect(json_is_string(get(&r, "non_fields")), "%s", r.body);
        fc_free(&r);
    }
    cr_expect_eq(fc_sql_int(f, "SELECT COUNT(*) FROM comment_like"), 0);
    cr_expect_eq(fc_sql_int(f, "SELECT like_nums FROM post_comment WHERE id = %lld", comment), 0);
    cr_expect_eq(fc_sql_int(f, "SELECT COUNT(*) FROM message"), told, "no message sent");
    cr_expect_eq(fc_sql_int(f, "SELECT COUNT(*) FROM post"), 3, "nothing was dropped");

    /* a user without a nick name is shown by a masked mobile number */
    long long anonymous = fc_user(f, 5, "");
    fc_member(f, anonymous, group, "agree");
    snprintf(path, sizeof path, "/posts/%lld/comments/", post);
    r = fc_call(f, "POST", path, anonymous, "{\"content\": \"who am I\"}");
    cr_expect_eq(r.status, 200);
    fc_free(&r);
    r = fc_call(f, "GET", path, owner, NULL);
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_object_get(json_array_get(r.json, 0), "user"), "nick_name")),
                     "138****0005", "%s", r.body);
    cr_expect(!strstr(r.body, "13800000005"), "the number itself is not shown: %s", r.body);
    fc_free(&r);
}

Test(forum_posts, sqlite, .fini = cleanup, .timeout = 60)
{
    posts_and_comments(NULL);
}

Test(forum_posts, mariadb, .fini = cleanup, .timeout = 90)
{
    const char *why = NULL;
    const char *url = mariadb_database("forum_posts", &why);
    if (!url)
        cr_skip_test("%s", why);
    posts_and_comments(url);
}
