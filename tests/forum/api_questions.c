/*
 * api_questions - Q&A through the JSON API: a public list (every
 * question when no category is asked for, the course's bug fixed), a
 * question with its image checked by its bytes, answers and replies that
 * count and notify, Markdown shown safely; on SQLite and MariaDB.
 */
#include "content_client.h"
#include "mariadb_server.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static fc_forum forum;

static void cleanup(void)
{
    fc_stop(&forum);
}

static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                    'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0};

static fc_response ask(long long user, const char *category, const char *title,
                       const void *image, size_t size)
{
    const char *fields[] = {"category", category, "title", title, "content",
                            "Why **this**? <script>alert(1)</script>", NULL};
    size_t len;
    const char *type;
    char *body = fc_multipart(image ? "image" : NULL, "q.png", image, size, fields, &len, &type);
    fc_response r = fc_call_raw(&forum, "POST", "/questions/", user, type, body, len);
    free(body);
    return r;
}

static void questions(const char *db_url)
{
    const char *why = "";
    cr_assert_eq(fc_start(&forum, db_url, NULL, &why), 0, "%s", why);
    long long asker = fc_user(&forum, 51, "asker"), helper = fc_user(&forum, 52, "helper");

    fc_response r = ask(0, "技术问答", "t", png, sizeof png);
    cr_expect_eq(r.status, 401);
    fc_free(&r);
    r = ask(asker, "技术问答", "t", NULL, 0);
    cr_expect_eq(r.status, 400);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "image")), "请上传图片", "%s",
                     r.body);
    fc_free(&r);
    r = ask(asker, "技术问答", "t", "GIF? no, text", 13);
    cr_expect_eq(r.status, 400, "text is not an image: %s", r.body);
    cr_expect(json_is_string(json_object_get(r.json, "image")), "%s", r.body);
    fc_free(&r);
    r = ask(asker, "闲聊", "t", png, sizeof png);
    cr_expect_eq(r.status, 400);
    cr_expect(json_is_string(json_object_get(r.json, "category")), "%s", r.body);
    fc_free(&r);
    r = ask(asker, "技术问答", "How?", png, sizeof png);
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    long long q1 = fc_id(&r);
    fc_free(&r);
    r = ask(helper, "技术分享", "Sharing", png, sizeof png);
    long long q2 = fc_id(&r);
    fc_free(&r);
    cr_expect_gt(q2, q1);

    /* the list: all without a category, filtered with one, public */
    r = fc_call(&forum, "GET", "/questions/", 0, NULL);
    cr_assert_eq(r.status, 200);
    cr_expect_eq(json_array_size(r.json), 2, "%s", r.body);
    const char *image = json_string_value(json_object_get(json_array_get(r.json, 0), "image"));
    cr_expect(image && strstr(image, "/media/") && strstr(image, ".png"), "%s", r.body);
    fc_free(&r);
    r = fc_call(&forum, "GET", "/questions/?c=%E6%8A%80%E6%9C%AF%E9%97%AE%E7%AD%94", 0, NULL);
    cr_expect_eq(json_array_size(r.json), 1, "技术问答 only: %s", r.body);
    fc_free(&r);
    r = fc_call(&forum, "GET", "/questions/?c=%27%20OR%201%3D1%20--", 0, NULL);
    cr_expect_eq(json_array_size(r.json), 0, "SQL as a category finds nothing");
    fc_free(&r);

    char path[128];
    snprintf(path, sizeof path, "/questions/%lld/", q1);
    r = fc_call(&forum, "GET", path, 0, NULL);
    cr_assert_eq(r.status, 200);
    const char *html = json_string_value(json_object_get(r.json, "content_html"));
    cr_expect(html && strstr(html, "<strong>this</strong>") && !strstr(html, "<script"), "%s",
              html ? html : r.body);
    fc_free(&r);
    r = fc_call(&forum, "GET", "/questions/99999/", 0, NULL);
    cr_expect_eq(r.status, 404);
    fc_free(&r);

    /* answers: counted, the asker told; the hot order follows them */
    snprintf(path, sizeof path, "/questions/%lld/answers/", q1);
    r = fc_call(&forum, "POST", path, helper, "{\"content\": \"no\"}");
    cr_expect_eq(r.status, 400);
    fc_free(&r);
    r = fc_call(&forum, "POST", path, helper,
                "{\"content\": \"Use `make`. <img src=x onerror=alert(1)>\"}");
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    long long answer = fc_id(&r);
    fc_free(&r);
    cr_expect_eq(fc_sql_int(&forum, "SELECT answer_nums FROM question WHERE id = %lld", q1), 1);
    cr_expect_eq(fc_sql_int(&forum, "SELECT COUNT(*) FROM message WHERE receiver_id = %lld AND"
                                    " message_type = 4", asker), 1);
    r = fc_call(&forum, "GET", "/questions/?o=hot", 0, NULL);
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(r.json, 0), "id")), q1,
                 "most answered first: %s", r.body);
    fc_free(&r);
    r = fc_call(&forum, "GET", path, asker, NULL);
    cr_expect_eq(json_array_size(r.json), 1);
    const char *answer_html =
        json_string_value(json_object_get(json_array_get(r.json, 0), "content_html"));
    cr_expect(answer_html && strstr(answer_html, "<code>make</code>") &&
                  strstr(answer_html, "&lt;img") && !strstr(answer_html, "<img"),
              "%s", r.body);
    fc_free(&r);

    /* a reply to the answer, naming its author */
    snprintf(path, sizeof path, "/answers/%lld/replys/", answer);
    r = fc_call(&forum, "POST", path, asker, "{\"replyed_user\": 99999, \"content\": \"thanks\"}");
    cr_expect_eq(r.status, 400);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "replyed_user")), "用户不存在");
    fc_free(&r);
    char body[128];
    snprintf(body, sizeof body, "{\"replyed_user\": %lld, \"content\": \"thanks!\"}", helper);
    r = fc_call(&forum, "POST", path, asker, body);
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    fc_free(&r);
    cr_expect_eq(fc_sql_int(&forum, "SELECT reply_nums FROM answer WHERE id = %lld", answer), 1);
    cr_expect_eq(fc_sql_int(&forum, "SELECT COUNT(*) FROM message WHERE receiver_id = %lld AND"
                                    " message_type = 5", helper), 1);
    r = fc_call(&forum, "GET", path, helper, NULL);
    cr_expect_eq(json_array_size(r.json), 1, "%s", r.body);
    fc_free(&r);
}

Test(forum_questions, sqlite, .fini = cleanup, .timeout = 60)
{
    questions(NULL);
}

Test(forum_questions, mariadb, .fini = cleanup, .timeout = 90)
{
    const char *why = NULL;
    const char *url = mariadb_database("forum_questions", &why);
    if (!url)
        cr_skip_test("%s", why);
    questions(url);
}
