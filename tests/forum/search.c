/*
 * search - full-text search over posts and questions (/search/), on
 * SQLite (FTS5) and MariaDB (FULLTEXT): words found in titles and text,
 * Chinese words too, a post only for members of its group, paging, and
 * query syntax or SQL in the words taken as plain words.
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

static fc_response find(long long user, const char *query)
{
    char path[512];
    snprintf(path, sizeof path, "/search/?%s", query);
    return fc_call(&forum, "GET", path, user, NULL);
}

static long long total(const fc_response *r)
{
    json_t *t = json_object_get(r->json, "total");
    return json_is_integer(t) ? (long long)json_integer_value(t) : -1;
}

static void searching(const char *db_url)
{
    const char *why = "";
    cr_assert_eq(fc_start(&forum, db_url, NULL, &why), 0, "%s", why);
    fc_forum *f = &forum;
    long long member = fc_user(f, 61, "member"), outsider = fc_user(f, 62, "outsider");
    long long group = fc_group(f, member, "search");
    char path[64];
    snprintf(path, sizeof path, "/groups/%lld/posts/", group);
    const char *posts[] = {
        "{\"title\": \"Coroutines explained\", \"content\": \"stackful zebracorn switching\"}",
        "{\"title\": \"事件循环\", \"content\": \"用协程写服务器很简单\"}",
        "{\"title\": \"Third zebracorn\", \"content\": \"more about the zebracorn\"}",
    };
    for (size_t i = 0; i < 3; i++) {
        fc_response r = fc_call(f, "POST", path, member, posts[i]);
        cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
        fc_free(&r);
    }
    /* a question, written straight into its table */
    fc_sql(f, "INSERT INTO question (user_id, category, title, content, image, answer_nums,"
              " add_time) VALUES (%lld, '技术问答', 'Public zebracorn question', 'anyone sees it',"
              " 'q.png', 0, '2026-01-01 00:00:00')",
           outsider);

    fc_response r = find(member, "q=zebracorn");
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    cr_expect_eq(total(&r), 3, "two posts and a question: %s", r.body);
    json_t *hit = json_array_get(json_object_get(r.json, "results"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(hit, "type")), "post", "newest first");
    cr_expect(strstr(json_string_value(json_object_get(hit, "snippet")), "zebracorn"), "%s",
              r.body);
    fc_free(&r);
    r = find(outsider, "q=zebracorn");
    cr_expect_eq(total(&r), 1, "an outsider finds the public question only: %s", r.body);
    fc_free(&r);
    r = find(0, "q=zebracorn&type=post");
    cr_expect_eq(total(&r), 0, "nobody finds no post");
    fc_free(&r);
    r = find(member, "q=zebracorn&type=post&limit=1&page=2");
    cr_expect_eq(total(&r), 2);
    cr_expect_eq(json_array_size(json_object_get(r.json, "results")), 1, "%s", r.body);
    fc_free(&r);
    r = find(member, "q=coroutines%20STACKFUL");
    cr_expect_eq(total(&r), 1, "every word, any case: %s", r.body);
    fc_free(&r);
    /* Chinese: a long word through the index, a two-character one by LIKE */
    r = find(member, "q=%E5%86%99%E6%9C%8D%E5%8A%A1%E5%99%A8"); /* 写服务器 */
    cr_expect_eq(total(&r), 1, "%s", r.body);
    fc_free(&r);
    r = find(member, "q=%E5%8D%8F%E7%A8%8B"); /* 协程 */
    cr_expect_eq(total(&r), 1, "%s", r.body);
    fc_free(&r);

    /* words that look like syntax or SQL stay words */
    const char *odd[] = {"q=%22", "q=zebra*", "q=%27%20OR%201%3D1%20--", "q=NEAR(a%20b)",
                         "q=%25", "q=a%22b%22c%20-zebracorn", "q=_"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        r = find(member, odd[i]);
        cr_expect_eq(r.status, 200, "%s: %d %s", odd[i], r.status, r.body);
        cr_expect_eq(total(&r), 0, "%s matched: %s", odd[i], r.body);
        fc_free(&r);
    }
    r = find(member, "q=zebracorn&type=everything");
    cr_expect_eq(r.status, 400);
    fc_free(&r);
    r = find(member, "q=");
    cr_expect_eq(total(&r), 0);
    fc_free(&r);
}

Test(forum_search, sqlite, .fini = cleanup, .timeout = 60)
{
    searching(NULL);
}

Test(forum_search, mariadb, .fini = cleanup, .timeout = 90)
{
    const char *why = NULL;
    const char *url = mariadb_database("forum_search", &why);
    if (!url)
        cr_skip_test("%s", why);
    searching(url);
}
