/*
 * api_messages - the inbox through the JSON API, on SQLite and MariaDB:
 * notifications written by the actions they report, filtered by type,
 * paged, counted, marked read, deleted; another user's message is
 * refused exactly as a missing one (404).
 */
#include "content_client.h"
#include "mariadb_server.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static fc_forum forum;

static void cleanup(void)
{
    fc_stop(&forum);
}

/* notify_three - author's post gets two comments from reader and one
 * reply; returns the post. */
static long long notify_three(fc_forum *f, long long author, long long reader)
{
    long long group = fc_group(f, author, "inbox");
    fc_member(f, reader, group, "agree");
    char path[128];
    snprintf(path, sizeof path, "/groups/%lld/posts/", group);
    fc_response r = fc_call(f, "POST", path, author, "{\"title\": \"T\", \"content\": \"body\"}");
    long long post = fc_id(&r);
    fc_free(&r);
    snprintf(path, sizeof path, "/posts/%lld/comments/", post);
    r = fc_call(f, "POST", path, reader, "{\"content\": \"first comment\"}");
    long long comment = fc_id(&r);
    fc_free(&r);
    r = fc_call(f, "POST", path, reader, "{\"content\": \"second comment\"}");
    fc_free(&r);
    /* the author replies to the reader, who likes the author's comment */
    snprintf(path, sizeof path, "/comments/%lld/replys/", comment);
    char body[128];
    snprintf(body, sizeof body, "{\"replyed_user\": %lld, \"content\": \"a reply\"}", reader);
    r = fc_call(f, "POST", path, author, body);
    fc_free(&r);
    return post;
}

static void inbox(const char *db_url)
{
    const char *why = "";
    cr_assert_eq(fc_start(&forum, db_url, NULL, &why), 0, "%s", why);
    fc_forum *f = &forum;
    long long author = fc_user(f, 11, "author"), reader = fc_user(f, 12, "reader");
    notify_three(f, author, reader);

    fc_response r = fc_call(f, "GET", "/messages/", 0, NULL);
    cr_expect_eq(r.status, 401);
    fc_free(&r);
    r = fc_call(f, "GET", "/messages/", author, NULL);
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    cr_expect_eq(json_array_size(r.json), 2, "two comments: %s", r.body);
    json_t *m = json_array_get(r.json, 0);
    cr_expect_str_eq(json_string_value(json_object_get(m, "message")), "second comment");
    cr_expect_str_eq(json_string_value(json_object_get(m, "parent_content")), "T");
    cr_expect_eq(json_integer_value(json_object_get(m, "message_type")), 1);
    cr_expect_str_eq(
        json_string_value(json_object_get(json_object_get(m, "sender"), "nick_name")), "reader");
    cr_expect(json_is_false(json_object_get(m, "is_read")));
    cr_expect_str_eq(fc_header(&r, "X-Unread-Count"), "2");
    long long newest = (long long)json_integer_value(json_object_get(m, "id"));
    fc_free(&r);

    /* types, pages, unread */
    r = fc_call(f, "GET", "/messages/?message_type=2&message_type=3", reader, NULL);
    cr_expect_eq(json_array_size(r.json), 1, "the reply: %s", r.body);
    fc_free(&r);
    r = fc_call(f, "GET", "/messages/?message_type=1&limit=1&page=2", author, NULL);
    cr_expect_eq(json_array_size(r.json), 1);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(r.json, 0), "message")),
                     "first comment", "page 2 of 1 a page: %s", r.body);
    cr_expect_str_eq(fc_header(&r, "X-Total-Count"), "2");
    fc_free(&r);
    r = fc_call(f, "GET", "/messages/?message_type=9", author, NULL);
    cr_expect_eq(r.status, 400);
    fc_free(&r);
    r = fc_call(f, "GET", "/messages/?message_type=1%20OR%201=1", author, NULL);
    cr_expect_eq(r.status, 400, "not a type, never SQL");
    fc_free(&r);

    /* marking read: one, then all; never someone else's */
    char path[64];
    snprintf(path, sizeof path, "/messages/%lld/", newest);
    r = fc_call(f, "PATCH", path, reader, "{}");
    cr_expect_eq(r.status, 404, "the reader cannot touch the author's message: %d", r.status);
    fc_free(&r);
    cr_expect_eq(fc_sql_int(f, "SELECT is_read FROM message WHERE id = %lld", newest), 0);
    r = fc_call(f, "PATCH", path, author, "{}");
    cr_expect_eq(r.status, 200, "%s", r.body);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "unread")), 1);
    fc_free(&r);
    r = fc_call(f, "GET", "/messages/unread/", author, NULL);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "unread")), 1, "%s", r.body);
    fc_free(&r);
    r = fc_call(f, "GET", "/messages/?unread=1", author, NULL);
    cr_expect_eq(json_array_size(r.json), 1);
    fc_free(&r);
    r = fc_call(f, "POST", "/messages/read/", author, "{}");
    cr_expect_eq(json_integer_value(json_object_get(r.json, "unread")), 0, "%s", r.body);
    fc_free(&r);
    cr_expect_eq(fc_sql_int(f, "SELECT COUNT(*) FROM message WHERE receiver_id = %lld AND"
                               " is_read = 0", reader), 1, "the reader's own stays unread");

    /* deleting */
    r = fc_call(f, "DELETE", path, reader, NULL);
    cr_expect_eq(r.status, 404);
    fc_free(&r);
    r = fc_call(f, "DELETE", path, author, NULL);
    cr_expect_eq(r.status, 200);
    fc_free(&r);
    cr_expect_eq(fc_sql_int(f, "SELECT COUNT(*) FROM message WHERE id = %lld", newest), 0);
}

Test(forum_messages, sqlite, .fini = cleanup, .timeout = 60)
{
    inbox(NULL);
}

Test(forum_messages, mariadb, .fini = cleanup, .timeout = 90)
{
    const char *why = NULL;
    const char *url = mariadb_database("forum_messages", &why);
    if (!url)
        cr_skip_test("%s", why);
    inbox(url);
}
