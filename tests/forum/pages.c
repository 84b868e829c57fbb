/*
 * The forum's pages as a browser sees them: signing up with a code and
 * signing in (a signed-cookie session), a group made with a cover, an
 * application reviewed by the owner, a post, comments, replies and likes,
 * Q&A, the inbox read and unread, the profile, search; every form with
 * its errors inline. And the attacks a page invites: a form posted
 * without its XSRF token or with another browser's, someone else's
 * application or a group one is not a member of (IDOR), script in every
 * text field, SQL as text, an image that is not one, a sign-in that
 * would forward to another site.
 */
#include "content_client.h"
#include "pages_browser.h"

#include <eddy/base/codec.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ft_forum forum;

static void stop(void)
{
    ft_stop(&forum);
}

/* The body given as the last argument: NAME(name, { ... }). */
#define BOTH_DATABASES(name, ...) FT_BOTH_DATABASES(pages, name) __VA_ARGS__
#define SQLITE_ONLY(name, ...)    FT_SQLITE_ONLY(pages, name) __VA_ARGS__

/* user - an account made through the API, signed in on browser b. */
static long long user(pb_browser *b, const char *mobile)
{
    return pb_user(b, &forum, mobile);
}

/* make_group - a group by b with the test PNG as its cover; its id. */
static long long make_group(pb_browser *b, const char *name)
{
    return pb_make_group(b, name);
}

/* ------------------------------------------------------------ accounts */

SQLITE_ONLY(signup_with_code_then_signin_and_out, {
    pb_browser b;
    pb_init(&b, &forum);
    cr_assert_eq(pb_get(&b, "/signup"), 200);
    cr_assert(pb_has(&b, "name=\"_xsrf\""), "the form carries its token: %s", b.page);
    cr_assert_eq(pb_post(&b, "/signup/code", true, NULL, "mobile", "13911112222", NULL), 200, "%s",
                 b.page);
    cr_assert(pb_has(&b, "value=\"13911112222\""), "the number is carried to step 2");
    const char *code = ft_code(&forum, "13911112222");
    cr_assert_not_null(code);
    char wrong[16];
    snprintf(wrong, sizeof wrong, "%s", strcmp(code, "0000") ? "0000" : "1111");
    cr_assert_eq(pb_post(&b, "/signup", true, NULL, "mobile", "13911112222", "code", wrong,
                         "password", "long-password", NULL),
                 400);
    cr_assert(pb_has(&b, "class=\"field has-error\"><label for=\"code\""), "%s", b.page);
    cr_assert_eq(pb_post(&b, "/signup", true, NULL, "mobile", "13911112222", "code", code,
                         "password", "long-password", NULL),
                 303, "%s", b.page);
    cr_assert_str_eq(b.location, "/me");
    cr_assert_eq(pb_get(&b, "/me"), 200);
    cr_assert(pb_has(&b, "Signed in as 13911112222"), "%s", b.page);
    cr_assert(pb_has(&b, "Welcome!"), "the notice carried over the redirect: %s", b.page);
    cr_assert(strstr(ft_rows(&forum, "SELECT password FROM user WHERE mobile = '13911112222'"),
                     "$scrypt$"));

    cr_assert_eq(pb_post(&b, "/signout", true, NULL, NULL), 303);
    cr_assert_eq(pb_get(&b, "/me"), 302);
    cr_assert_str_eq(b.location, "/signin?next=%2Fme");
    pb_free(&b);
})

SQLITE_ONLY(signin_refuses_alike_and_never_forwards_off_site, {
    pb_browser b;
    user(&b, "13911113333");
    pb_free(&b);
    pb_init(&b, &forum);
    pb_get(&b, "/signin");
    cr_assert_eq(
        pb_post(&b, "/signin", true, NULL, "mobile", "13911113333", "password", "nope", NULL), 400);
    cr_assert(pb_has(&b, "Wrong mobile number or password."));
    cr_assert_eq(
        pb_post(&b, "/signin", true, NULL, "mobile", "13911114444", "password", "nope", NULL), 400);
    cr_assert(pb_has(&b, "Wrong mobile number or password."), "an unknown number: the same");
    const char *nexts[] = {"//evil.example/", "/\\evil.example", "https://evil.example/"};
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(pb_post(&b, "/signin", true, NULL, "mobile", "13911113333", "password",
                             "password-1", "next", nexts[i], NULL),
                     303);
        cr_assert_str_eq(b.location, "/", "next=%s went to %s", nexts[i], b.location);
    }
    cr_assert_eq(pb_post(&b, "/signin", true, NULL, "mobile", "13911113333", "password",
                         "password-1", "next", "/qa", NULL),
                 303);
    cr_assert_str_eq(b.location, "/qa");
    pb_free(&b);
})

SQLITE_ONLY(every_form_refuses_a_missing_or_foreign_xsrf_token, {
    pb_browser a, c;
    user(&a, "13911115555");
    user(&c, "13911116666");
    long long g = make_group(&a, "Guarded");
    char path[64];
    snprintf(path, sizeof path, "/group/%lld/apply", g);
    /* no token, then the other browser's (its cookie does not match) */
    cr_assert_eq(pb_post(&c, path, false, NULL, "apply_reason", "let me in", NULL), 403);
    pb_get(&a, "/");
    snprintf(c.xsrf, sizeof c.xsrf, "%s", a.xsrf);
    cr_assert_eq(pb_post(&c, path, true, NULL, "apply_reason", "let me in", NULL), 403);
    cr_assert_str_eq(ft_rows(&forum, "SELECT COUNT(*) FROM community_group_member"), "1\n");
    const char *posts[] = {"/signout",     "/signin",    "/signup",     "/signup/code", "/me",
                           "/me/password", "/group/new", "/inbox/read", "/qa/new"};
    for (size_t i = 0; i < sizeof posts / sizeof posts[0]; i++)
        cr_assert_eq(pb_post(&a, posts[i], false, NULL, NULL), 403, "%s", posts[i]);
    pb_free(&a);
    pb_free(&c);
})

SQLITE_ONLY(profile_and_password_with_inline_errors, {
    pb_browser b;
    long long id = user(&b, "13911117777");
    cr_assert_eq(pb_get(&b, "/me"), 200);
    ft_part bad[] = {{"nick_name", "", 0, NULL, NULL},
                     {"gender", "other", 0, NULL, NULL},
                     {"address", "Here", 0, NULL, NULL}};
    cr_assert_eq(pb_multipart(&b, "/me", bad, 3), 400);
    cr_assert(pb_has(&b, "class=\"field has-error\"><label for=\"nick_name\""), "%s", b.page);
    ft_part text_avatar[] = {{"nick_name", "Ada", 0, NULL, NULL},
                             {"gender", "female", 0, NULL, NULL},
                             {"address", "Here", 0, NULL, NULL},
                             {"avatar", "hello, not a GIF", 16, "a.gif", "image/gif"}};
    cr_assert_eq(pb_multipart(&b, "/me", text_avatar, 4), 400, "an avatar judged by its bytes");
    ft_part good[] = {{"nick_name", "<b>Ada</b>", 0, NULL, NULL},
                      {"gender", "female", 0, NULL, NULL},
                      {"address", "Here", 0, NULL, NULL},
                      {"desc", "x'); DROP TABLE user; --", 0, NULL, NULL},
                      {"avatar", (const char *)ft_png, ft_png_len, "../../a.png", "image/png"}};
    cr_assert_eq(pb_multipart(&b, "/me", good, 5), 303, "%s", b.page);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT nick_name, \"desc\", head_url FROM user WHERE id = %lld", id);
    const char *row = ft_rows(&forum, sql);
    cr_assert(strstr(row, "<b>Ada</b>|x'); DROP TABLE user; --|"), "%s", row);
    cr_assert_null(strstr(row, ".."), "the server names the file: %s", row);
    pb_get(&b, "/me");
    cr_assert(pb_has(&b, "&lt;b&gt;Ada&lt;/b&gt;"), "%s", b.page);
    cr_assert(!pb_has(&b, "<b>Ada</b>"));

    cr_assert_eq(pb_post(&b, "/me/password", true, NULL, "old_password", "wrong", "new_password",
                         "password-2", "confirm_password", "password-2", NULL),
                 400);
    cr_assert(pb_has(&b, "That is not your current password."));
    cr_assert_eq(pb_post(&b, "/me/password", true, NULL, "old_password", "password-1",
                         "new_password", "password-2", "confirm_password", "password-3", NULL),
                 400);
    cr_assert(pb_has(&b, "The two passwords differ."));
    cr_assert_eq(pb_post(&b, "/me/password", true, NULL, "old_password", "password-1",
                         "new_password", "password-2", "confirm_password", "password-2", NULL),
                 303);
    pb_free(&b);
    pb_init(&b, &forum);
    pb_signin(&b, "13911117777", "password-2");
    pb_free(&b);
})

/* ------------------------------------------------------------ groups, posts */

BOTH_DATABASES(group_apply_review_post_comment_reply_like, {
    pb_browser owner, other;
    long long owner_id = user(&owner, "13922220001");
    long long other_id = user(&other, "13922220002");

    /* a group with a cover; the cover must be an image */
    cr_assert_eq(pb_get(&owner, "/group/new"), 200);
    ft_part fake[] = {{"name", "G", 0, NULL, NULL},
                      {"category", "程序设计", 0, NULL, NULL},
                      {"desc", "d", 0, NULL, NULL},
                      {"notice", "n", 0, NULL, NULL},
                      {"front_image", "<?php echo 1; ?>", 16, "x.png", "image/png"}};
    cr_assert_eq(pb_multipart(&owner, "/group/new", fake, 5), 400);
    cr_assert(pb_has(&owner, "class=\"field has-error\"><label for=\"front_image\""), "%s",
              owner.page);
    long long g = make_group(&owner, "<script>alert('g')</script>");
    char sql[256], path[96];
    snprintf(sql, sizeof sql, "SELECT member_nums, post_nums FROM community_group WHERE id = %lld",
             g);
    cr_assert_str_eq(ft_rows(&forum, sql), "1|0\n", "the creator is the first member");
    pb_get(&owner, "/");
    cr_assert(pb_has(&owner, "&lt;script&gt;alert(&#39;g&#39;)&lt;/script&gt;"), "%s", owner.page);
    cr_assert(!pb_has(&owner, "<script>alert"));
    cr_assert(pb_has(&owner, "by 139****0001"), "a number without a nick name is masked");
    cr_assert(!pb_has(&owner, "by 13922220001"));

    /* another user: not a member, so no posts to read or write */
    snprintf(path, sizeof path, "/group/%lld", g);
    cr_assert_eq(pb_get(&other, path), 200);
    cr_assert(pb_has(&other, "Apply to join"), "%s", other.page);
    snprintf(path, sizeof path, "/group/%lld/post", g);
    cr_assert_eq(pb_post(&other, path, true, NULL, "title", "t", "content", "c", NULL), 403);
    snprintf(path, sizeof path, "/group/%lld/apply", g);
    cr_assert_eq(pb_post(&other, path, true, NULL, "apply_reason", "", NULL), 400);
    cr_assert(pb_has(&other, "class=\"field has-error\"><label for=\"apply_reason\""));
    cr_assert_eq(pb_post(&other, path, true, NULL, "apply_reason", "I write C", NULL), 303);
    snprintf(sql, sizeof sql,
             "SELECT id FROM community_group_member WHERE user_id = %lld AND status IS NULL",
             other_id);
    long long member = atoll(ft_rows(&forum, sql));
    cr_assert_gt(member, 0);
    snprintf(sql, sizeof sql, "SELECT member_nums FROM community_group WHERE id = %lld", g);
    cr_assert_str_eq(ft_rows(&forum, sql), "1\n", "applying counts nobody yet");

    /* only the owner reviews: the applicant's own try is "no such" */
    snprintf(path, sizeof path, "/applications/%lld", member);
    pb_get(&other, "/applications");
    cr_assert(!pb_has(&other, "I write C"));
    cr_assert_eq(pb_post(&other, path, true, NULL, "status", "agree", NULL), 404);
    cr_assert_eq(pb_get(&owner, "/applications"), 200);
    cr_assert(pb_has(&owner, "I write C"), "%s", owner.page);
    cr_assert_eq(
        pb_post(&owner, path, true, NULL, "status", "agree", "handle_msg", "welcome", NULL), 303);
    cr_assert_eq(pb_post(&owner, path, true, NULL, "status", "agree", NULL), 303);
    snprintf(sql, sizeof sql, "SELECT member_nums FROM community_group WHERE id = %lld", g);
    cr_assert_str_eq(ft_rows(&forum, sql), "2\n", "counted on approval, once");
    /* refused later: one fewer; agreed again: counted again */
    cr_assert_eq(pb_post(&owner, path, true, NULL, "status", "refuse", NULL), 303);
    cr_assert_str_eq(ft_rows(&forum, sql), "1\n", "a later refusal takes the member off");
    cr_assert_eq(pb_post(&owner, path, true, NULL, "status", "agree", NULL), 303);
    cr_assert_str_eq(ft_rows(&forum, sql), "2\n");

    /* a member posts, in Markdown: raw HTML and script links are defused */
    snprintf(path, sizeof path, "/group/%lld/post", g);
    pb_get(&other, "/");
    cr_assert_eq(pb_post(&other, path, true, NULL, "title", "Hello <i>all</i>", "content",
                         "**bold** <img src=x onerror=alert(1)> [x](javascript:alert(1))", NULL),
                 303, "%s", other.page);
    long long post = 0;
    cr_assert_eq(sscanf(other.location, "/post/%lld", &post), 1);
    snprintf(sql, sizeof sql, "SELECT post_nums FROM community_group WHERE id = %lld", g);
    cr_assert_str_eq(ft_rows(&forum, sql), "1\n");
    cr_assert_eq(pb_get(&other, other.location), 200);
    cr_assert(pb_has(&other, "<strong>bold</strong>"), "%s", other.page);
    cr_assert(pb_has(&other, "&lt;img src=x onerror=alert(1)&gt;"));
    cr_assert(!pb_has(&other, "javascript:"));
    cr_assert(pb_has(&other, "Hello &lt;i&gt;all&lt;/i&gt;"));

    /* the owner comments: too short first, then script as text */
    snprintf(path, sizeof path, "/post/%lld/comment", post);
    pb_get(&owner, other.location);
    cr_assert_eq(pb_post(&owner, path, true, NULL, "content", "ok", NULL), 400);
    cr_assert(pb_has(&owner, "class=\"field has-error\"><label for=\"content\""));
    cr_assert_eq(pb_post(&owner, path, true, NULL, "content", "<script>x()</script> nice", NULL),
                 303);
    snprintf(sql, sizeof sql,
             "SELECT id FROM post_comment WHERE post_id = %lld AND parent_comment_id IS NULL",
             post);
    long long comment = atoll(ft_rows(&forum, sql));
    cr_assert_gt(comment, 0);

    /* the author replies to the comment, naming its writer */
    char post_path[64], owner_s[24];
    snprintf(post_path, sizeof post_path, "/post/%lld", post);
    snprintf(owner_s, sizeof owner_s, "%lld", owner_id);
    pb_get(&other, post_path);
    cr_assert(pb_has(&other, "&lt;script&gt;x()&lt;/script&gt; nice"), "%s", other.page);
    snprintf(path, sizeof path, "/comment/%lld/reply", comment);
    cr_assert_eq(
        pb_post(&other, path, true, NULL, "replyed_user", "999999", "content", "thanks!", NULL),
        400, "a reply to nobody");
    cr_assert_eq(
        pb_post(&other, path, true, NULL, "replyed_user", owner_s, "content", "thanks!", NULL),
        303);
    pb_get(&other, post_path);
    cr_assert(pb_has(&other, " → 139****0001: thanks!"), "%s", other.page);

    /* the post page reads its reader in the post's own query, by the id
     * the session cookie claims: a cookie claiming the owner under the
     * other's signature is still sent to sign in, shown nothing */
    pb_browser forged;
    pb_init(&forged, &forum);
    memcpy(forged.cookies, other.cookies, sizeof forged.cookies);
    bool claimed = false;
    for (size_t i = 0; i < PB_COOKIES; i++) {
        char *v = forged.cookies[i][1];
        char *stamp_end = strcmp(forged.cookies[i][0], "user") == 0 ? strchr(v + 2, '|') : NULL;
        char *signature = stamp_end ? strchr(stamp_end + 1, '|') : NULL;
        if (!signature)
            continue;
        eddy_buf claim = EDDY_BUF_INIT;
        eddy_buf_append(&claim, v, (size_t)(stamp_end + 1 - v));
        eddy_base64url_encode(&claim, owner_s, strlen(owner_s));
        eddy_buf_append_str(&claim, signature);
        snprintf(v, sizeof forged.cookies[i][1], "%s", claim.data);
        eddy_buf_free(&claim);
        claimed = true;
    }
    cr_assert(claimed, "the session cookie");
    cr_assert_eq(pb_get(&forged, post_path), 302);
    cr_assert(strncmp(forged.location, "/signin?next=", 13) == 0, "%s", forged.location);
    pb_free(&forged);

    /* the post's HTML is kept once rendered, beside its text: a text
     * changed under it is rendered again, never answered from before */
    snprintf(sql, sizeof sql, "UPDATE post SET content = '*changed*' WHERE id = %lld", post);
    ft_rows(&forum, sql);
    cr_assert_eq(pb_get(&other, post_path), 200);
    cr_assert(pb_has(&other, "<em>changed</em>"), "%s", other.page);
    cr_assert(!pb_has(&other, "<strong>bold</strong>"));
    snprintf(sql, sizeof sql,
             "UPDATE post SET content = '**bold** <img src=x onerror=alert(1)> "
             "[x](javascript:alert(1))' WHERE id = %lld",
             post);
    ft_rows(&forum, sql);
    cr_assert_eq(pb_get(&other, post_path), 200);
    cr_assert(pb_has(&other, "<strong>bold</strong>"), "%s", other.page);

    /* likes toggle both ways, counted both ways (forum.js asks for JSON) */
    snprintf(path, sizeof path, "/comment/%lld/like", comment);
    cr_assert_eq(pb_post(&other, path, true, "Accept: application/json", NULL), 200);
    cr_assert(strstr(other.page, "\"like_nums\":1") && strstr(other.page, "\"has_liked\":true"),
              "%s", other.page);
    pb_get(&other, post_path);
    cr_assert(pb_has(&other, "<span data-count>1</span> <button type=\"submit\">Unlike</button>"),
              "the page knows the reader liked it: %s", other.page);
    cr_assert_eq(pb_post(&other, path, true, "Accept: application/json", NULL), 200);
    cr_assert(strstr(other.page, "\"like_nums\":0"), "%s", other.page);
    pb_get(&other, post_path);
    cr_assert(pb_has(&other, "<span data-count>0</span> <button type=\"submit\">Like</button>"),
              "%s", other.page);
    cr_assert_eq(pb_post(&other, path, true, NULL, NULL), 303, "without JavaScript: back");
    snprintf(sql, sizeof sql, "SELECT like_nums FROM post_comment WHERE id = %lld", comment);
    cr_assert_str_eq(ft_rows(&forum, sql), "1\n");

    /* one's own comment has no like button, and a forged like is refused
     * the API's way: nothing written, nobody told */
    char like_form[200];
    snprintf(like_form, sizeof like_form, "<form data-like method=\"post\" action=\"%s\">", path);
    pb_get(&other, post_path);
    cr_assert(pb_has(&other, like_form), "the others may like it: %s", other.page);
    pb_get(&owner, post_path);
    cr_assert(!pb_has(&owner, like_form), "no button on one's own comment: %s", owner.page);
    const char *told = strdup(ft_rows(&forum, "SELECT COUNT(*) FROM message"));
    cr_assert_eq(pb_post(&owner, path, true, "Accept: application/json", NULL), 400, "%s",
                 owner.page);
    cr_assert(strstr(owner.page, "\"non_fields\""), "%s", owner.page);
    pb_get(&owner, post_path);
    cr_assert_eq(pb_post(&owner, path, true, NULL, NULL), 400, "without JavaScript: the same");
    cr_assert_str_eq(ft_rows(&forum, sql), "1\n");
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM comment_like WHERE user_id = %lld", owner_id);
    cr_assert_str_eq(ft_rows(&forum, sql), "0\n");
    cr_assert_str_eq(ft_rows(&forum, "SELECT COUNT(*) FROM message"), told, "no message sent");
    free((void *)told);

    /* the inbox: owner got a reply and a like; shown unread once, then read */
    cr_assert_eq(pb_get(&owner, "/inbox"), 200);
    cr_assert(pb_has(&owner, "replied to your comment"), "%s", owner.page);
    cr_assert(pb_has(&owner, "liked your comment"));
    cr_assert(pb_has(&owner, "card unread"));
    pb_get(&owner, "/inbox");
    cr_assert(!pb_has(&owner, "card unread"), "%s", owner.page);
    pb_get(&other, "/inbox?kind=comments");
    cr_assert(pb_has(&other, "commented on your post"), "%s", other.page);

    /* a stranger sees neither the post nor its comments */
    pb_browser stranger;
    user(&stranger, "13922220003");
    cr_assert_eq(pb_get(&stranger, post_path), 403);
    cr_assert_eq(pb_post(&stranger, path, true, NULL, NULL), 403);
    pb_get(&stranger, "/search?q=Hello");
    cr_assert(!pb_has(&stranger, post_path), "search keeps posts to members");
    pb_get(&other, "/search?q=Hello");
    cr_assert(pb_has(&other, post_path), "%s", other.page);
    /* the page runs the API's full-text search: every word, in any order,
     * in the title or the text (a phrase match would find nothing here) */
    pb_get(&other, "/search?q=bold+Hello");
    cr_assert(pb_has(&other, post_path), "%s", other.page);
    cr_assert(pb_has(&other, "1 found"), "%s", other.page);
    pb_get(&other, "/search?q=bold+Goodbye");
    cr_assert(!pb_has(&other, post_path), "every word must be there: %s", other.page);
    pb_free(&owner);
    pb_free(&other);
    pb_free(&stranger);
})

BOTH_DATABASES(questions_answers_and_replies, {
    pb_browser asker, helper;
    user(&asker, "13933330001");
    long long helper_id = user(&helper, "13933330002");
    cr_assert_eq(pb_get(&asker, "/qa/new"), 200);
    ft_part q[] = {{"category", "技术问答", 0, NULL, NULL},
                   {"title", "How do 'forms' work?", 0, NULL, NULL},
                   {"content", "Explain *XSRF*", 0, NULL, NULL},
                   {"image", (const char *)ft_png, ft_png_len, "q.png", "image/png"}};
    cr_assert_eq(pb_multipart(&asker, "/qa/new", q, 4), 303, "%s", asker.page);
    char qpath[600], path[700], helper_s[24];
    snprintf(qpath, sizeof qpath, "%s", asker.location);
    snprintf(helper_s, sizeof helper_s, "%lld", helper_id);
    cr_assert_eq(pb_get(&helper, "/qa"), 200);
    cr_assert(pb_has(&helper, "How do &#39;forms&#39; work?"), "%s", helper.page);
    cr_assert_eq(pb_get(&helper, qpath), 200);
    cr_assert(pb_has(&helper, "<em>XSRF</em>"));
    snprintf(path, sizeof path, "%s/answer", qpath);
    cr_assert_eq(pb_post(&helper, path, true, NULL, "content", "With a **token**", NULL), 303);
    long long answer = atoll(ft_rows(&forum, "SELECT MAX(id) FROM answer"));
    pb_get(&asker, qpath);
    cr_assert(pb_has(&asker, "With a <strong>token</strong>"), "%s", asker.page);
    snprintf(path, sizeof path, "/answer/%lld/reply", answer);
    cr_assert_eq(
        pb_post(&asker, path, true, NULL, "replyed_user", helper_s, "content", "Thanks", NULL),
        303);
    pb_get(&asker, qpath);
    cr_assert(pb_has(&asker, " → 139****0002: Thanks"), "%s", asker.page);
    cr_assert_str_eq(ft_rows(&forum, "SELECT answer_nums FROM question"), "1\n");
    pb_get(&helper, "/inbox?kind=replies");
    cr_assert(pb_has(&helper, "replied to your answer"), "%s", helper.page);
    pb_get(&asker, "/inbox?kind=answers");
    cr_assert(pb_has(&asker, "answered your question"), "%s", asker.page);
    pb_free(&asker);
    pb_free(&helper);
})

SQLITE_ONLY(pages_need_a_session_and_static_files_are_served, {
    pb_browser b;
    pb_init(&b, &forum);
    const char *guarded[] = {"/me", "/inbox", "/applications", "/group/new", "/qa/new"};
    for (size_t i = 0; i < sizeof guarded / sizeof guarded[0]; i++) {
        cr_assert_eq(pb_get(&b, guarded[i]), 302, "%s", guarded[i]);
        cr_assert(strncmp(b.location, "/signin?next=", 13) == 0, "%s", b.location);
    }
    cr_assert_eq(pb_get(&b, "/"), 200);
    cr_assert(pb_has(&b, "name=\"viewport\""), "readable on a phone");
    cr_assert(pb_has(&b, "/static/forum.css?v="));
    cr_assert_eq(pb_get(&b, "/static/forum.css"), 200);
    cr_assert_eq(pb_get(&b, "/static/forum.js"), 200);
    cr_assert(pb_has(&b, "WebSocket"));
    cr_assert_eq(pb_get(&b, "/search?q=%27%20OR%201%3D1%20--"), 200, "SQL as text: %s", b.page);
    cr_assert_eq(pb_get(&b, "/group/999999"), 404);
    pb_free(&b);
})

SQLITE_ONLY(a_notice_reaches_the_open_page_of_its_receiver, {
    pb_browser author, reader;
    user(&author, "13944440001");
    user(&reader, "13944440002");
    long long g = make_group(&author, "Live");
    char path[700];
    /* the reader joins, the author posts */
    snprintf(path, sizeof path, "/group/%lld/apply", g);
    pb_get(&reader, "/");
    cr_assert_eq(pb_post(&reader, path, true, NULL, "apply_reason", "hi", NULL), 303);
    long long member =
        atoll(ft_rows(&forum, "SELECT id FROM community_group_member WHERE status IS NULL"));
    snprintf(path, sizeof path, "/applications/%lld", member);
    pb_get(&author, "/applications");
    cr_assert_eq(pb_post(&author, path, true, NULL, "status", "agree", NULL), 303);
    snprintf(path, sizeof path, "/group/%lld/post", g);
    cr_assert_eq(pb_post(&author, path, true, NULL, "title", "Live one", "content", "text", NULL),
                 303);
    char post_path[600];
    snprintf(post_path, sizeof post_path, "%s", author.location);

    /* the author's page opens its socket with the session cookie, as
     * forum.js does; another site's page may not, even with the cookie */
    pb_get(&author, "/");
    cr_assert(pb_has(&author, "data-live=\"/ws/notifications\""), "%s", author.page);
    cr_assert_eq(pb_ws_open(&author, "/ws/notifications", "http://evil.example"), -1);
    int fd = pb_ws_open(&author, "/ws/notifications", NULL);
    cr_assert_geq(fd, 0, "the handshake: %d", author.status);
    char *hello = fc_ws_read(fd, 5000);
    cr_assert(hello && strstr(hello, "\"ready\""), "%s", hello ? hello : "nothing");
    free(hello);

    snprintf(path, sizeof path, "%s/comment", post_path);
    pb_get(&reader, post_path);
    cr_assert_eq(pb_post(&reader, path, true, NULL, "content", "pushed live", NULL), 303);
    char *note = fc_ws_read(fd, 5000);
    cr_assert(note && strstr(note, "pushed live") && strstr(note, "\"message_type\":1"), "%s",
              note ? note : "nothing within 5 s");
    free(note);
    close(fd);
    pb_free(&author);
    pb_free(&reader);
})

/* ------------------------------------------------------------ owning a group */

BOTH_DATABASES(only_the_owner_edits_or_deletes_a_group, {
    pb_browser owner, other;
    user(&owner, "13933330001");
    user(&other, "13933330002");
    long long g = make_group(&owner, "Before");
    char path[96], del[96], sql[160];
    snprintf(path, sizeof path, "/group/%lld/edit", g);
    snprintf(del, sizeof del, "/group/%lld/delete", g);

    /* someone else: refused, whatever they send, and nothing changes */
    cr_assert_eq(pb_get(&other, path), 403);
    pb_get(&other, "/");
    cr_assert_eq(pb_post(&other, path, true, NULL, "name", "Taken", "category", "程序设计", "desc",
                         "d", "notice", "n", NULL),
                 403);
    cr_assert_eq(pb_post(&other, del, true, NULL, NULL), 403);

    /* the owner: the form holds the group's values; a bad one is shown
     * beside its field; a good one is saved, the cover kept */
    cr_assert_eq(pb_get(&owner, path), 200, "%s", owner.page);
    cr_assert(pb_has(&owner, "value=\"Before\""), "%s", owner.page);
    cr_assert_eq(pb_post(&owner, path, true, NULL, "name", "", "category", "程序设计", "desc", "d",
                         "notice", "n", NULL),
                 400);
    cr_assert(pb_has(&owner, "class=\"field has-error\"><label for=\"name\""), "%s", owner.page);
    cr_assert_eq(pb_post(&owner, path, false, NULL, "name", "After", "category", "程序设计", "desc",
                         "d", "notice", "n", NULL),
                 403, "no XSRF token, no change");
    cr_assert_eq(pb_post(&owner, path, true, NULL, "name", "After", "category", "生活兴趣", "desc",
                         "New text", "notice", "New notice", NULL),
                 303, "%s", owner.page);
    snprintf(sql, sizeof sql,
             "SELECT name, category, notice, front_image <> '' FROM community_group WHERE id = %lld",
             g);
    cr_assert_str_eq(ft_rows(&forum, sql), "After|生活兴趣|New notice|1\n");

    /* deleting takes the group and its members with it */
    pb_get(&owner, path);
    cr_assert_eq(pb_post(&owner, del, false, NULL, NULL), 403, "no XSRF token, no delete");
    cr_assert_eq(pb_post(&owner, del, true, NULL, NULL), 303);
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*) FROM community_group_member WHERE community_id = %lld", g);
    cr_assert_str_eq(ft_rows(&forum, sql), "0\n");
    snprintf(path, sizeof path, "/group/%lld", g);
    cr_assert_eq(pb_get(&owner, path), 404);
    pb_free(&owner);
    pb_free(&other);
})
