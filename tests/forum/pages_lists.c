/*
 * The forum's lists, page by page: the group list twenty at a time,
 * newest first; a post's comments fifty a page, each with its replies,
 * and a comment, reply or like that lands on the page showing it (the
 * Location it answers with, and a reply's error beside its thread); a
 * group's page holding its own posts only (the course listed every
 * post); /qa without a category listing them all (the course filtered
 * on a NULL category).
 */
#include "pages_browser.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ft_forum forum;

static void stop(void)
{
    ft_stop(&forum);
}

#define LISTS_TEST(name, ...) FT_SQLITE_ONLY(pages, name) __VA_ARGS__

static long long user(pb_browser *b, const char *mobile)
{
    return pb_user(b, &forum, mobile);
}

static long long make_group(pb_browser *b, const char *name)
{
    return pb_make_group(b, name);
}

LISTS_TEST(the_group_list_and_comments_come_a_page_at_a_time, {
    pb_browser b;
    user(&b, "13933330003");
    long long g = 0;
    char name[32], path[96];
    for (int i = 1; i <= 21; i++) {
        snprintf(name, sizeof name, "Group number %02d", i);
        g = make_group(&b, name);
    }
    cr_assert_eq(pb_get(&b, "/"), 200);
    cr_assert(pb_has(&b, "Group number 21") && pb_has(&b, "Group number 02"), "newest first");
    cr_assert(!pb_has(&b, "Group number 01"), "twenty a page: %s", b.page);
    cr_assert(pb_has(&b, "page=2\">Next"), "%s", b.page);
    cr_assert_eq(pb_get(&b, "/?page=2"), 200);
    cr_assert(pb_has(&b, "Group number 01") && !pb_has(&b, "Group number 02"), "%s", b.page);
    cr_assert(!pb_has(&b, ">Next"));

    /* fifty-one comments on one post: the oldest on page 2, with its reply */
    snprintf(path, sizeof path, "/group/%lld/post", g);
    pb_get(&b, "/");
    cr_assert_eq(pb_post(&b, path, true, NULL, "title", "Paged", "content", "text", NULL), 303);
    long long post = 0;
    cr_assert_eq(sscanf(b.location, "/post/%lld", &post), 1);
    snprintf(path, sizeof path, "/post/%lld/comment", post);
    long long first = 0;
    char expect[128];
    for (int i = 1; i <= 51; i++) {
        snprintf(name, sizeof name, "comment number %02d", i);
        cr_assert_eq(pb_post(&b, path, true, NULL, "content", name, NULL), 303);
        long long id = atoll(ft_rows(&forum, "SELECT MAX(id) FROM post_comment"));
        snprintf(expect, sizeof expect, "/post/%lld#c%lld", post, id);
        cr_assert_str_eq(b.location, expect, "a new comment: page 1, at the comment");
        if (i == 1)
            first = id;
    }
    char to[24];
    snprintf(to, sizeof to, "%lld",
             atoll(ft_rows(&forum, "SELECT id FROM user ORDER BY id DESC LIMIT 1")));
    snprintf(path, sizeof path, "/comment/%lld/reply", first);
    /* a reply with an error is shown beside its thread, on page 2 */
    cr_assert_eq(pb_post(&b, path, true, NULL, "replyed_user", to, "content", "ab", NULL), 400);
    cr_assert(pb_has(&b, "comment number 01") && !pb_has(&b, "comment number 51"), "%s", b.page);
    cr_assert(pb_has(&b, "class=\"field has-error\"><label for=\"content\""), "%s", b.page);
    cr_assert_eq(pb_post(&b, path, true, NULL, "replyed_user", to, "content", "a late reply", NULL),
                 303);
    /* the reply lands where it is shown: the thread's page, at the reply */
    snprintf(expect, sizeof expect, "/post/%lld?page=2#c%lld", post,
             atoll(ft_rows(&forum, "SELECT MAX(id) FROM post_comment")));
    cr_assert_str_eq(b.location, expect);
    /* and so does a like from someone else, without JavaScript */
    pb_browser liker;
    long long liker_id = user(&liker, "13933330004");
    char sql[160];
    snprintf(sql, sizeof sql,
             "INSERT INTO community_group_member (user_id, community_id, status, apply_reason,"
             " add_time) VALUES (%lld, %lld, 'agree', '', '2026-01-01 00:00:00')",
             liker_id, g);
    ft_rows(&forum, sql);
    pb_get(&liker, "/");
    snprintf(path, sizeof path, "/comment/%lld/like", first);
    cr_assert_eq(pb_post(&liker, path, true, NULL, NULL), 303, "%s", liker.page);
    snprintf(expect, sizeof expect, "/post/%lld?page=2#c%lld", post, first);
    cr_assert_str_eq(liker.location, expect);
    pb_free(&liker);
    snprintf(path, sizeof path, "/post/%lld", post);
    cr_assert_eq(pb_get(&b, path), 200);
    cr_assert(pb_has(&b, "comment number 51") && !pb_has(&b, "comment number 01"), "%s", b.page);
    cr_assert(!pb_has(&b, "a late reply"));
    snprintf(path, sizeof path, "/post/%lld?page=2", post);
    cr_assert_eq(pb_get(&b, path), 200);
    cr_assert(pb_has(&b, "comment number 01") && pb_has(&b, "a late reply"), "%s", b.page);
    cr_assert(!pb_has(&b, "comment number 02"));
    pb_free(&b);
})

LISTS_TEST(a_group_page_lists_its_own_posts_and_qa_lists_every_category, {
    pb_browser b;
    user(&b, "13933330005");
    long long g1 = make_group(&b, "First"), g2 = make_group(&b, "Second");
    char path[96];
    const long long groups[] = {g1, g2};
    const char *titles[] = {"Only in first", "Only in second"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "/group/%lld/post", groups[i]);
        pb_get(&b, "/");
        cr_assert_eq(pb_post(&b, path, true, NULL, "title", titles[i], "content", "text", NULL),
                     303);
    }
    /* each group's page lists its posts only (the course listed them all) */
    snprintf(path, sizeof path, "/group/%lld", g1);
    cr_assert_eq(pb_get(&b, path), 200);
    cr_assert(pb_has(&b, "Only in first") && !pb_has(&b, "Only in second"), "%s", b.page);
    cr_assert(pb_has(&b, "members: 1 · posts: 1 "), "member_nums and post_nums: %s", b.page);
    cr_assert(pb_has(&b, "comments: 0"), "a post with none: %s", b.page);
    cr_assert_eq(pb_get(&b, "/"), 200);
    cr_assert(pb_has(&b, "members: 1 · posts: 1 "), "%s", b.page);
    snprintf(path, sizeof path, "/group/%lld", g2);
    cr_assert_eq(pb_get(&b, path), 200);
    cr_assert(pb_has(&b, "Only in second") && !pb_has(&b, "Only in first"), "%s", b.page);

    /* questions in two categories: /qa without one lists both (the course
     * filtered on a NULL category and listed none) */
    const char *cats[] = {"技术问答", "活动建议"};
    const char *asks[] = {"A question on C", "A meetup idea"};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(pb_get(&b, "/qa/new"), 200);
        ft_part q[] = {{"category", cats[i], 0, NULL, NULL},
                       {"title", asks[i], 0, NULL, NULL},
                       {"content", "text", 0, NULL, NULL}};
        cr_assert_eq(pb_multipart(&b, "/qa/new", q, 3), 303, "%s", b.page);
    }
    cr_assert_eq(pb_get(&b, "/qa"), 200);
    cr_assert(pb_has(&b, "A question on C") && pb_has(&b, "A meetup idea"), "%s", b.page);
    cr_assert_eq(pb_get(&b, "/qa?c=%E6%B4%BB%E5%8A%A8%E5%BB%BA%E8%AE%AE"), 200); /* 活动建议 */
    cr_assert(pb_has(&b, "A meetup idea") && !pb_has(&b, "A question on C"), "%s", b.page);
    pb_free(&b);
})
